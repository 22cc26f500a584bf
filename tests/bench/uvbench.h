/* uvbench.h: what floor.c and openloop.c both do with a libuv connection
 * carrying HTTP/1.1: read into the connection's one buffer, parse what was
 * read, and write without a request per write unless the socket pushes
 * back. Header-only (static functions): each tool is one file. */
#ifndef MODGATE_BENCH_UVBENCH_H
#define MODGATE_BENCH_UVBENCH_H

#include <http_parser.h>
#include <string.h>
#include <uv.h>

#include "modgate/alloc.h"

/* The first member of a tool's connection, whose tcp.data points at it. */
struct bench_io {
    uv_tcp_t tcp;
    http_parser parser;
    char buf[16384];
};

static inline void bench_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    struct bench_io *io = h->data;
    *buf = uv_buf_init(io->buf, sizeof io->buf);
}

/* Parses what a read brought: 0 when it all parsed, -1 on EOF, a read
 * error or a parse error (the connection is then no use). */
static inline int bench_parse(struct bench_io *io, const http_parser_settings *settings,
                              ssize_t nread, const uv_buf_t *buf)
{
    if (nread < 0)
        return -1;
    if (nread == 0)
        return 0; /* EAGAIN; to http_parser a length of 0 would mean EOF */
    size_t parsed = http_parser_execute(&io->parser, settings, buf->base, (size_t)nread);
    return io->parser.http_errno != HPE_OK || parsed != (size_t)nread ? -1 : 0;
}

/* the rest of a write the socket did not take at once */
struct bench_pending {
    uv_write_t req;
    char data[];
};

static inline void bench_written(uv_write_t *req, int status)
{
    (void)status; /* a failed write shows up as a read error or EOF */
    mg_free(req);
}

/* Writes bufs: uv_try_write, and what the socket did not take is copied for
 * one uv_write. 0, or -1 when the connection failed. */
static inline int bench_write(struct bench_io *io, const uv_buf_t *bufs, unsigned n)
{
    size_t total = 0;
    for (unsigned i = 0; i < n; i++)
        total += bufs[i].len;
    int w = uv_try_write((uv_stream_t *)&io->tcp, bufs, n);
    if (w < 0 && w != UV_EAGAIN)
        return -1;
    size_t skip = w > 0 ? (size_t)w : 0;
    if (skip == total)
        return 0;
    struct bench_pending *p = mg_malloc(sizeof *p + total - skip);
    size_t len = 0;
    for (unsigned i = 0; i < n; i++) {
        size_t from = skip < bufs[i].len ? skip : bufs[i].len;
        memcpy(p->data + len, bufs[i].base + from, bufs[i].len - from);
        len += bufs[i].len - from;
        skip -= from;
    }
    uv_buf_t rest = uv_buf_init(p->data, (unsigned)len);
    if (uv_write(&p->req, (uv_stream_t *)&io->tcp, &rest, 1, bench_written) != 0) {
        mg_free(p);
        return -1;
    }
    return 0;
}

#endif
