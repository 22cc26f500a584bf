/* buf.h: a growable byte buffer that carries its own size limit, so a buffer
 * fed from the network cannot outgrow its cap by a forgotten check (curl's
 * dynbuf). Always NUL-terminated after data[len] once anything was added. */
#ifndef MODGATE_BUF_H
#define MODGATE_BUF_H

#include <stddef.h>
#include <string.h>

#include "modgate/error.h"

struct mg_buf {
    char *data; /* NULL until the first append */
    size_t len;
    size_t alloc;
    size_t limit; /* len never exceeds it */
};

void mg_buf_init(struct mg_buf *b, size_t limit);

/* MG_ETOOBIG (and nothing appended) when len + n would exceed the limit. */
int mg_buf_append(struct mg_buf *b, const void *data, size_t n) MG_MUST_CHECK;

/* For buffers the program builds (not fed by the network), where the limit
 * is an invariant: exceeding it aborts. Inline when the bytes fit in what
 * is allocated (a response, a record or a log line is written in some
 * dozens of pieces), else mg__buf_add_grow. */
void mg__buf_add_grow(struct mg_buf *b, const void *data, size_t n);

static inline void mg_buf_add(struct mg_buf *b, const void *data, size_t n)
{
    if (n < b->alloc - b->len && n <= b->limit - b->len) { /* n and the NUL */
        if (n) /* data may be NULL when n is 0 */
            memcpy(b->data + b->len, data, n);
        b->len += n;
        b->data[b->len] = '\0';
        return;
    }
    mg__buf_add_grow(b, data, n);
}

static inline void mg_buf_adds(struct mg_buf *b, const char *s)
{
    mg_buf_add(b, s, strlen(s));
}

/* Room for n more bytes (never past the limit) allocated now, so that a
 * writer that knows about how much it will write grows the buffer once
 * rather than doubling it from 64 bytes in several copies. */
void mg_buf_reserve(struct mg_buf *b, size_t n);

/* n more bytes at the end, for the caller to fill at once (len grows by n,
 * the NUL after them is written); the same limit as mg_buf_add. The
 * pointer is good until the next change to b. */
char *mg_buf_room(struct mg_buf *b, size_t n);

/* Drops the first n bytes (n <= len). */
void mg_buf_consume(struct mg_buf *b, size_t n);

/* Forgets the contents, keeps the memory. */
void mg_buf_reset(struct mg_buf *b);

/* The contents as a NUL-terminated string the caller owns (mg_free); the
 * buffer is left empty. Never NULL. */
char *mg_buf_take(struct mg_buf *b, size_t *len);

void mg_buf_close(struct mg_buf *b);

#endif
