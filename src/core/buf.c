/* buf.c: size-capped growable buffers. */
#include "modgate/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modgate/alloc.h"

void mg_buf_init(struct mg_buf *b, size_t limit)
{
    b->data = NULL;
    b->len = 0;
    b->alloc = 0;
    b->limit = limit;
}

/* Room for n more bytes and the NUL, or MG_ETOOBIG past the limit. */
static int reserve(struct mg_buf *b, size_t n)
{
    if (n > b->limit - b->len)
        return MG_ETOOBIG;
    if (b->len + n + 1 > b->alloc) {
        size_t want = b->alloc ? b->alloc : 64;
        while (want < b->len + n + 1)
            want *= 2;
        b->data = mg_realloc(b->data, want);
        b->alloc = want;
    }
    return MG_OK;
}

int mg_buf_append(struct mg_buf *b, const void *data, size_t n)
{
    if (reserve(b, n) != MG_OK)
        return MG_ETOOBIG;
    if (n)
        memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
    return MG_OK;
}

static void over_limit(void)
{
    fprintf(stderr, "modgate: internal buffer over its limit\n");
    abort();
}

void mg__buf_add_grow(struct mg_buf *b, const void *data, size_t n)
{
    if (mg_buf_append(b, data, n) != MG_OK)
        over_limit();
}

void mg_buf_reserve(struct mg_buf *b, size_t n)
{
    (void)reserve(b, n < b->limit - b->len ? n : b->limit - b->len);
}

char *mg_buf_room(struct mg_buf *b, size_t n)
{
    if (reserve(b, n) != MG_OK)
        over_limit();
    char *at = b->data + b->len;
    b->len += n;
    b->data[b->len] = '\0';
    return at;
}

void mg_buf_consume(struct mg_buf *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
    } else {
        memmove(b->data, b->data + n, b->len - n);
        b->len -= n;
    }
    if (b->data)
        b->data[b->len] = '\0';
}

void mg_buf_reset(struct mg_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

char *mg_buf_take(struct mg_buf *b, size_t *len)
{
    char *out = b->data ? b->data : mg_strdup("");
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = 0;
    b->alloc = 0;
    return out;
}

void mg_buf_close(struct mg_buf *b)
{
    mg_free(b->data);
    mg_buf_init(b, b->limit);
}
