/* floor.c: the floor of tests/bench/cpu. A bare libuv + http-parser HTTP/1.1
 * server that answers every request with the same `200 OK` (keep-alive,
 * Content-Length), on one loop in one thread:
 *
 *   floor PORT
 *
 * It listens on 127.0.0.1:PORT and runs until SIGTERM or SIGINT. It does
 * what any server on this stack must do for a request (accept, read, parse,
 * write) and nothing else, so its CPU per request is the least modgate could
 * spend: every other figure of the bench is a ratio against it.
 *
 * A connection allocates its state once; a request allocates nothing unless
 * the socket will not take the whole answer at once (then the rest is copied
 * for one uv_write). Pipelined requests read together are answered with one
 * write. */
#include <stdio.h>
#include <stdlib.h>

#include "uvbench.h"

/* not const: uv_buf_t points at it, and libuv only reads it */
static char RESPONSE[] = "HTTP/1.1 200 OK\r\n"
                               "Content-Type: text/plain\r\n"
                               "Content-Length: 2\r\n"
                               "\r\n"
                               "ok";
#define RESPONSE_LEN (sizeof(RESPONSE) - 1)
/* answers written with one call; more pipelined requests take more calls */
#define BATCH 64

struct conn {
    struct bench_io io; /* first: tcp.data points at both */
    unsigned answers;   /* requests complete in this read, not yet answered */
    int closing;        /* the client asked for the connection to close */
};

static http_parser_settings settings;

static void on_closed(uv_handle_t *h)
{
    mg_free(h->data);
}

static void close_conn(struct conn *c)
{
    if (!uv_is_closing((uv_handle_t *)&c->io.tcp))
        uv_close((uv_handle_t *)&c->io.tcp, on_closed);
}

static int on_message_complete(http_parser *p)
{
    struct conn *c = p->data;
    c->answers++;
    if (!http_should_keep_alive(p))
        c->closing = 1;
    return 0;
}

/* Writes n answers, BATCH to a call. */
static int answer(struct conn *c, unsigned n)
{
    uv_buf_t bufs[BATCH];
    while (n > 0) {
        unsigned k = n < BATCH ? n : BATCH;
        for (unsigned i = 0; i < k; i++)
            bufs[i] = uv_buf_init(RESPONSE, RESPONSE_LEN);
        if (bench_write(&c->io, bufs, k) != 0)
            return -1;
        n -= k;
    }
    return 0;
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    struct conn *c = s->data;
    if (bench_parse(&c->io, &settings, nread, buf) != 0) {
        close_conn(c);
        return;
    }
    unsigned n = c->answers;
    c->answers = 0;
    if (answer(c, n) != 0 || c->closing)
        close_conn(c);
}

static void on_connection(uv_stream_t *server, int status)
{
    if (status < 0)
        return;
    struct conn *c = mg_calloc(1, sizeof *c);
    uv_tcp_init(server->loop, &c->io.tcp);
    c->io.tcp.data = c;
    if (uv_accept(server, (uv_stream_t *)&c->io.tcp) != 0) {
        close_conn(c);
        return;
    }
    uv_tcp_nodelay(&c->io.tcp, 1);
    http_parser_init(&c->io.parser, HTTP_REQUEST);
    c->io.parser.data = c;
    uv_read_start((uv_stream_t *)&c->io.tcp, bench_alloc, on_read);
}

static void on_signal(uv_signal_t *sig, int signum)
{
    (void)signum;
    uv_stop(sig->loop);
}

int main(int argc, char **argv)
{
    char *end = NULL;
    long port = argc == 2 ? strtol(argv[1], &end, 10) : -1;
    if (argc != 2 || *end != '\0' || port <= 0 || port > 65535) {
        fprintf(stderr, "usage: floor PORT\n");
        return 2;
    }
    settings.on_message_complete = on_message_complete;
    uv_loop_t *loop = uv_default_loop();
    uv_tcp_t server;
    struct sockaddr_in addr;
    uv_tcp_init(loop, &server);
    uv_ip4_addr("127.0.0.1", (int)port, &addr);
    int rc = uv_tcp_bind(&server, (const struct sockaddr *)&addr, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&server, 1024, on_connection);
    if (rc != 0) {
        fprintf(stderr, "floor: listen on 127.0.0.1:%ld: %s\n", port, uv_strerror(rc));
        return 1;
    }
    uv_signal_t term, intr;
    uv_signal_init(loop, &term);
    uv_signal_init(loop, &intr);
    uv_signal_start(&term, on_signal, SIGTERM);
    uv_signal_start(&intr, on_signal, SIGINT);
    uv_run(loop, UV_RUN_DEFAULT);
    /* a clean exit, so that callgrind writes its counts */
    return 0;
}
