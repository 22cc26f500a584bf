/* comments.h: comment records as moderators read them: a table row per
 * comment (queue, rejected, the matches of a predicate) and one record in
 * full, each rule's match highlighted (show, review). */
#ifndef MODCTL_COMMENTS_H
#define MODCTL_COMMENTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

/* list is {"items": [records], "total": n}: a table on stdout, then
 * "N of TOTAL <what> comments" (or that there are none). */
void modctl_print_comments(const json_t *list, const char *what);

/* One record: its fields, body and matches. */
void modctl_print_record(FILE *out, const json_t *record, bool colour);
/* GET /v1/authors/{id} as a few lines (counts, trust, watch, bans,
 * reports), then the comments, one a line (cmd_author.c). */
void modctl_print_author(const json_t *view);

#endif
