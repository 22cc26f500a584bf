/* labeled.c: labeled comments from CSV (labeled.h). libcsv splits the
 * fields; this file checks the header, the columns and the labels, and
 * hands each row to the caller. */
#include "modgate/labeled.h"

#include <csv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "modgate/alloc.h"
#include "modgate/buf.h"
#include "modgate/text.h"

enum { COL_ID, COL_SOURCE, COL_LABEL, COL_TEXT, NCOLS };
static const char *const column_names[NCOLS] = {"id", "source", "label", "text"};

#define MAX_FIELDS 64

struct reader {
    const char *file;
    struct mg_error *err;
    mg_labeled_fn fn;
    void *ctx;
    size_t row;                  /* the record being read, 1-based */
    struct mg_buf fields[MAX_FIELDS]; /* this record's fields, each NUL-ended */
    size_t nfields, extra;       /* fields kept; fields past MAX_FIELDS */
    int where[NCOLS];            /* each column's index, from the header */
    int rc;                      /* the first failure */
};

static void fail(struct reader *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void fail(struct reader *r, const char *fmt, ...)
{
    if (r->rc != MG_OK)
        return;
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    mg_error_set(r->err, r->file, (int)r->row, 0, "%s", msg);
    r->rc = MG_EINVAL;
}

static void on_field(void *s, size_t len, void *data)
{
    struct reader *r = data;
    if (r->nfields == MAX_FIELDS) {
        r->extra++;
        return;
    }
    struct mg_buf *b = &r->fields[r->nfields++];
    mg_buf_reset(b);
    if (len)
        mg_buf_add(b, s, len);
    mg_buf_add(b, "", 1);
}

static const char *field(const struct reader *r, int col)
{
    return (const char *)r->fields[r->where[col]].data;
}

static void read_header(struct reader *r)
{
    for (int c = 0; c < NCOLS; c++) {
        r->where[c] = -1;
        for (size_t i = 0; i < r->nfields; i++)
            if (strcmp((const char *)r->fields[i].data, column_names[c]) == 0) {
                r->where[c] = (int)i;
                break;
            }
        if (r->where[c] < 0)
            fail(r, "the header has no column '%s' (it needs id, source, label, text)",
                 column_names[c]);
    }
}

static void read_row(struct reader *r)
{
    for (int c = 0; c < NCOLS; c++)
        if ((size_t)r->where[c] >= r->nfields) {
            fail(r, "%s", "the row has fewer columns than the header");
            return;
        }
    const char *label = field(r, COL_LABEL);
    if (strcmp(label, "ham") != 0 && strcmp(label, "spam") != 0 &&
        strcmp(label, "abuse") != 0) {
        fail(r, "the label '%.40s' is not ham, spam or abuse", label);
        return;
    }
    const struct mg_buf *text = &r->fields[r->where[COL_TEXT]];
    size_t len = text->len - 1;
    if (mg_text_check_utf8("text", (const char *)text->data, len, NULL) != MG_OK) {
        fail(r, "%s", "the text is not valid UTF-8");
        return;
    }
    struct mg_labeled_row row = {r->row, field(r, COL_ID), field(r, COL_SOURCE), label,
                                 (const char *)text->data, len};
    int rc = r->fn(&row, r->ctx);
    if (rc != MG_OK && r->rc == MG_OK)
        r->rc = rc;
}

static void on_row(int terminator, void *data)
{
    struct reader *r = data;
    (void)terminator;
    r->row++;
    if (r->rc == MG_OK) {
        if (r->row == 1)
            read_header(r);
        else
            read_row(r);
    }
    r->nfields = r->extra = 0;
}

/* libcsv trims spaces and tabs around unquoted fields by default; a
 * comment's text keeps them. */
static int no_space(unsigned char c)
{
    (void)c;
    return 0;
}

int mg_labeled_read(const char *file, const char *data, size_t len, mg_labeled_fn fn,
                    void *ctx, struct mg_error *err)
{
    struct reader r = {.file = file, .err = err, .fn = fn, .ctx = ctx, .rc = MG_OK};
    for (size_t i = 0; i < MAX_FIELDS; i++)
        mg_buf_init(&r.fields[i], SIZE_MAX);
    struct csv_parser p;
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0)
        abort(); /* only for options it does not know: a bug here */
    csv_set_space_func(&p, no_space);
    size_t done = 0;
    /* Row by row, so that a failure stops the parse rather than the
     * callbacks ignoring the rest of the file. */
    while (done < len && r.rc == MG_OK) {
        size_t chunk = len - done < 65536 ? len - done : 65536;
        if (csv_parse(&p, data + done, chunk, on_field, on_row, &r) != chunk) {
            r.row++;
            fail(&r, "CSV: %s (a quote not closed, or text after a closing quote)",
                 csv_strerror(csv_error(&p)));
        }
        done += chunk;
    }
    if (r.rc == MG_OK && csv_fini(&p, on_field, on_row, &r) != 0) {
        r.row++;
        fail(&r, "CSV: %s (a quote not closed at the end of the file)",
             csv_strerror(csv_error(&p)));
    }
    if (r.rc == MG_OK && r.row == 0) {
        r.row = 1;
        fail(&r, "%s", "the file is empty (it needs a header id,source,label,text)");
    }
    csv_free(&p);
    for (size_t i = 0; i < MAX_FIELDS; i++)
        mg_buf_close(&r.fields[i]);
    return r.rc;
}
