/* labeled.h: reads labeled comments in the CSV of tests/data/dev/dev.csv
 * (RFC 4180, UTF-8, a header row naming at least the columns id, source,
 * label and text, in any order; other columns are ignored), with libcsv.
 * This is what `modctl model train` learns from and what `modctl decisions
 * export` writes.
 *
 * Strict: a quoting error, a row with fewer columns than the header, a
 * label other than ham, spam or abuse, a missing column in the header, or
 * text that is not UTF-8 stops the read with an error naming the row (the
 * header is row 1; a row is a record, however many lines its quoted text
 * spans; empty lines are skipped and not counted). */
#ifndef MODGATE_LABELED_H
#define MODGATE_LABELED_H

#include <stddef.h>

#include "modgate/error.h"

struct mg_labeled_row {
    size_t number; /* 2 for the first row after the header */
    const char *id, *source, *label; /* NUL-terminated */
    const char *text;                /* len bytes, NUL-terminated too */
    size_t len;
};

/* Called for each row; a non-zero return stops the read and is returned. */
typedef int (*mg_labeled_fn)(const struct mg_labeled_row *row, void *ctx);

/* Reads len bytes of CSV (file names it in errors). MG_OK; MG_EINVAL with
 * err set (file and row as its line, column 0) on the first problem; or
 * what fn returned. */
int mg_labeled_read(const char *file, const char *data, size_t len, mg_labeled_fn fn,
                    void *ctx, struct mg_error *err) MG_MUST_CHECK;

#endif
