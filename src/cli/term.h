/* term.h: how modctl writes for people: colour only on a terminal and never
 * with NO_COLOR, tables cut to the terminal's width (by display columns, so
 * Hangul and emoji take their two), ages ("5m", "3h"), highlighted matches,
 * and JSON for --json. */
#ifndef MODCTL_TERM_H
#define MODCTL_TERM_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* True when stdout is a terminal and NO_COLOR is unset (or empty). */
bool modctl_colour(void);

/* The terminal's width in columns: COLUMNS when set, else the terminal's,
 * else 160 (output to a file or a pipe is not cut for a screen). */
int modctl_width(void);

/* The columns text takes on a terminal (0 for what cannot be shown). */
int modctl_text_width(const char *text);

/* Writes text in exactly width columns: control characters and line breaks
 * become spaces, what does not fit is cut and ends in "…", the rest padded
 * with spaces (none when pad is false). */
void modctl_put_cell(FILE *out, const char *text, int width, bool pad);

/* A table: each row has ncols cells (NULL for empty). Column widths are their
 * widest cell, capped at max[c] (0: no cap); the column flexible takes what
 * the terminal's width leaves (at least min_flexible), and when even that
 * does not fit, the columns of drop_order (indexes, most expendable first)
 * are left out one by one. The header row is bold in colour. */
struct modctl_table {
    size_t ncols;
    const char *const *header;
    const int *max;
    int flexible;
    int min_flexible;
    const int *drop_order; /* -1 terminated, may be NULL */
    size_t nrows;
    char ***rows; /* rows[r][c], owned by the caller */
};
void modctl_print_table(FILE *out, const struct modctl_table *t);

/* A time span as people read it: "42s", "5m", "3h", "2d". */
void modctl_age(int64_t seconds, char out[24]);

/* Seconds since an RFC 3339 time, or -1 when it is not one. */
int64_t modctl_age_of(const char *rfc3339);

/* Prints body with [start, end) (code points) marked: reverse video in
 * colour, else between >> and <<; a long body is cut around the mark. */
void modctl_print_highlight(FILE *out, const char *indent, const char *body,
                            size_t start, size_t end, bool colour);

/* obj's string member key, or "" when it has none (for printing). */
const char *modctl_text(const json_t *obj, const char *key);

/* Pretty JSON on stdout, newline-terminated. */
void modctl_print_json(const json_t *value);

#endif
