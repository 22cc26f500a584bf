/* conn.c: one client connection: reading, parsing one request at a time,
 * answering in order, timeouts, and closing without losing the response.
 *
 * A connection handles one request at a time: while a request is being
 * handled or its response written, bytes read stay in `pending`, unparsed,
 * so pipelined requests are answered in the order they came, and the first
 * read that brings any stops reading (back pressure: one read more at
 * most). Reading is not stopped at each request: a stop and a start cost
 * libuv two epoll_ctl at the next poll (one failing), per request, for a
 * client that mostly sends nothing meanwhile. One timer serves every
 * deadline; which one depends on the state: idle (keep-alive), receiving a
 * request, writing, or lingering. At 0 ms it also stands in for a callback
 * on the loop's next turn: a response the socket took whole (TIMER_WRITTEN)
 * and a client gone while its request was handled (TIMER_GONE). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "modgate/alloc.h"
#include "modgate/crypto.h"
#include "modgate/jsonw.h"
#include "modgate/log.h"
#include "modgate/metrics.h"
#include "server.h"

/* After an error response, how long to keep reading (and discarding) what
 * the client still sends, so that closing does not reset the connection
 * before it read our answer (RFC 9112 9.6, "lingering close"). */
#define LINGER_MS 2000

/* TIMER_WRITTEN is not a deadline: a response written whole at once
 * (uv_try_write) finishes from the loop's next turn, as uv_write's callback
 * would, without libuv's write request (see mg_respond). */
enum timer_mode {
    TIMER_NONE, TIMER_IDLE, TIMER_REQUEST, TIMER_WRITE, TIMER_LINGER, TIMER_GONE, TIMER_WRITTEN
};

struct mg_conn {
    struct mg_server *srv;
    uv_tcp_t tcp;
    uv_timer_t timer;
    enum timer_mode timer_mode;
    struct mg_http_parser *parser;
    struct mg_buf pending; /* read, not yet parsed */
    struct mg_exchange *x; /* the request being handled, or NULL */

    uv_write_t write_req;
    char *write_buf;
    bool writing;
    uv_write_t continue_req;
    bool continue_writing;
    uv_shutdown_t shutdown_req;

    bool reading;
    bool answered;    /* a response was written: no longer a new connection */
    bool close_after; /* close once the current response is written */
    /* The response on the wire said "Connection: close". A drain that
     * begins while a keep-alive response is being written sets close_after
     * too late for it: the client may already send its next request on
     * the connection, so it is kept, as an idle one (drain_all). */
    bool said_close;
    bool lingering;
    bool closing;
    bool peer_ended; /* the end or a reset was read while busy (busy_read) */
    int open_handles;
    char peer[64];

    struct mg_conn *prev, *next;
};

static void conn_drive(struct mg_conn *c);
static void conn_close(struct mg_conn *c);

static void on_timer(uv_timer_t *t);
static void waiting_read(struct mg_conn *c, ssize_t nread, const uv_buf_t *buf);

static void set_timer(struct mg_conn *c, enum timer_mode mode, uint64_t ms)
{
    c->timer_mode = mode;
    if (mode == TIMER_NONE)
        uv_timer_stop(&c->timer);
    else
        uv_timer_start(&c->timer, on_timer, ms, 0);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    struct mg_conn *c = h->data;
    buf->base = c->srv->read_buf;
    buf->len = sizeof c->srv->read_buf;
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf);

static void start_reading(struct mg_conn *c)
{
    if (!c->reading && !c->closing) {
        if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) == 0)
            c->reading = true;
    }
}

static void stop_reading(struct mg_conn *c)
{
    if (c->reading) {
        uv_read_stop((uv_stream_t *)&c->tcp);
        c->reading = false;
    }
}

static void free_conn(struct mg_conn *c)
{
    struct mg_server *srv = c->srv;
    if (c->prev)
        c->prev->next = c->next;
    else
        srv->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    srv->conn_count--;
    mg_metrics_conn_closed(srv->metrics);
    mg_http_parser_free(c->parser);
    mg_buf_close(&c->pending);
    mg_free(c->write_buf);
    mg_free(c);
    mg__server_conn_gone(srv);
}

/* A connection is freed only once both handles are closed and no exchange
 * or write still refers to it. */
static void maybe_free(struct mg_conn *c)
{
    if (c->closing && c->open_handles == 0 && !c->x && !c->writing &&
        !c->continue_writing)
        free_conn(c);
}

static void on_handle_closed(uv_handle_t *h)
{
    struct mg_conn *c = h->data;
    c->open_handles--;
    maybe_free(c);
}

static void conn_close(struct mg_conn *c)
{
    if (c->closing)
        return;
    c->closing = true;
    c->reading = false;
    if (c->timer_mode == TIMER_WRITTEN)
        c->writing = false; /* its bytes are sent; the timer closes unfired */
    uv_close((uv_handle_t *)&c->tcp, on_handle_closed);
    uv_close((uv_handle_t *)&c->timer, on_handle_closed);
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
    struct mg_conn *c = req->data;
    if (status < 0 || c->closing) {
        conn_close(c);
        return;
    }
    /* Our FIN is sent; read and drop until the peer's FIN or the timer. */
    c->lingering = true;
    set_timer(c, TIMER_LINGER, LINGER_MS);
    start_reading(c);
}

/* Closes after the response was written, gently. */
static void conn_finish(struct mg_conn *c)
{
    stop_reading(c);
    c->shutdown_req.data = c;
    if (uv_shutdown(&c->shutdown_req, (uv_stream_t *)&c->tcp, on_shutdown) != 0)
        conn_close(c);
}

/* Answers an error that ends the connection (a request that cannot be
 * parsed, or did not arrive in time): reading stops, the response is sent
 * with Connection: close, then the connection closes gently. */
static void assign_request_id(struct mg_exchange *x);

static void fail_connection(struct mg_conn *c, int status, const char *code,
                            const char *detail)
{
    struct mg_exchange *x = mg_calloc(1, sizeof *x);
    x->srv = c->srv;
    x->conn = c;
    x->start_ns = uv_hrtime();
    assign_request_id(x);
    c->x = x;
    c->close_after = true;
    stop_reading(c);
    mg_buf_reset(&c->pending);
    mg_respond_error(x, status, code, detail);
}

static void written(struct mg_conn *c, int status);

static void on_timer(uv_timer_t *t)
{
    struct mg_conn *c = t->data;
    switch (c->timer_mode) {
    case TIMER_REQUEST:
        /* The request did not arrive in time: 408, then close. */
        fail_connection(c, 408, "timeout",
                        "The request did not arrive completely in time.");
        break;
    case TIMER_WRITTEN:
        written(c, 0);
        break;
    case TIMER_GONE: /* mg__conn_await after busy_read saw the end */
        c->timer_mode = TIMER_NONE;
        if (c->x && c->x->on_gone)
            waiting_read(c, UV_EOF, NULL);
        break;
    case TIMER_IDLE:
    case TIMER_WRITE:
    case TIMER_LINGER:
    case TIMER_NONE:
        conn_close(c);
        break;
    }
}

static void on_continue_written(uv_write_t *req, int status)
{
    struct mg_conn *c = req->data;
    c->continue_writing = false;
    maybe_free(c);
}

static void send_continue(struct mg_conn *c)
{
    static char text[] = "HTTP/1.1 100 Continue\r\n\r\n";
    if (c->continue_writing)
        return;
    uv_buf_t b = uv_buf_init(text, sizeof text - 1);
    c->continue_req.data = c;
    if (uv_write(&c->continue_req, (uv_stream_t *)&c->tcp, &b, 1,
                 on_continue_written) == 0)
        c->continue_writing = true;
}

/* A request id from the client's X-Request-Id when it is short and plain
 * (so a site can follow one comment through its logs and ours), else new. */
static void assign_request_id(struct mg_exchange *x)
{
    const char *given = x->req ? mg_http_header_get(x->req, "x-request-id") : NULL;
    if (given) {
        size_t n = strlen(given);
        bool ok = n > 0 && n < sizeof x->request_id;
        for (size_t i = 0; ok && i < n; i++) {
            char ch = given[i];
            ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                 (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.';
        }
        if (ok) {
            memcpy(x->request_id, given, n + 1);
            return;
        }
    }
    unsigned char rnd[8];
    mg_crypto_random_fast(rnd, sizeof rnd);
    mg_crypto_hex(rnd, sizeof rnd, x->request_id);
}

static void dispatch(struct mg_conn *c, struct mg_http_request *req)
{
    struct mg_exchange *x = mg_calloc(1, sizeof *x);
    x->srv = c->srv;
    x->conn = c;
    x->req = req;
    x->start_ns = uv_hrtime();
    assign_request_id(x);
    c->x = x;
    if (!req->keep_alive || c->srv->draining)
        c->close_after = true;
    /* Reading goes on: busy_read stops it if the client sends more. */
    set_timer(c, TIMER_NONE, 0);
    mg__dispatch(x);
}

/* Parses what is pending, as long as no request is being handled. */
static void conn_drive(struct mg_conn *c)
{
    while (!c->closing && !c->x && !c->writing) {
        if (c->pending.len == 0)
            break;
        size_t used = 0;
        enum mg_http_result r = mg_http_parser_feed(c->parser, c->pending.data,
                                                    c->pending.len, &used);
        mg_buf_consume(&c->pending, used);
        if (r == MG_HTTP_DONE) {
            dispatch(c, mg_http_parser_take(c->parser));
        } else if (r == MG_HTTP_FAIL) {
            const struct mg_http_failure *f = mg_http_parser_failure(c->parser);
            fail_connection(c, f->status, f->code, f->detail);
        } else if (r == MG_HTTP_CONTINUE) {
            send_continue(c);
        } else {
            break; /* MORE: wait for bytes */
        }
    }
    if (c->closing || c->x || c->writing)
        return;
    /* Waiting for bytes: a request under way has a deadline from its first
     * byte, and a new connection's first request one from the connection's
     * start (docs/api.md, "Request limits": 10 s for a whole request; a
     * client that connects and says nothing gets 408 too); a connection
     * idle after a response only the keep-alive one. */
    /* Draining, a connection idle here stays until its timer or the drain
     * timeout (mg__conn_drain_all): its last response promised keep-alive. */
    bool in_request = mg_http_parser_in_request(c->parser);
    if (in_request || !c->answered) {
        if (c->timer_mode != TIMER_REQUEST)
            set_timer(c, TIMER_REQUEST, (uint64_t)c->srv->cfg->request_timeout_ms);
    } else if (c->timer_mode != TIMER_IDLE) {
        set_timer(c, TIMER_IDLE, (uint64_t)c->srv->cfg->idle_timeout_ms);
    }
    if (c->peer_ended) {
        conn_close(c); /* as on_read does for the end */
        return;
    }
    start_reading(c);
}

/* Bytes or the end while an exchange waits (mg__conn_await). The end (or
 * a reset) means the client left or half-closed: the exchange answers now,
 * and the connection closes after. Bytes are a pipelined request: kept for
 * after the answer, and reading stops (back pressure) as for any request
 * being handled, so that a client leaving is then no longer noticed. */
static void waiting_read(struct mg_conn *c, ssize_t nread, const uv_buf_t *buf)
{
    struct mg_exchange *x = c->x;
    if (nread < 0) {
        void (*gone)(struct mg_exchange *) = x->on_gone;
        x->on_gone = NULL;
        c->close_after = true;
        stop_reading(c);
        gone(x);
        return;
    }
    if (nread == 0)
        return; /* libuv's EAGAIN: keep listening for the client leaving */
    if (mg_buf_append(&c->pending, buf->base, (size_t)nread) != MG_OK)
        conn_close(c);
    else
        stop_reading(c);
}

void mg__conn_await(struct mg_exchange *x)
{
    /* The client may have left before the exchange began to wait: tell it
     * from the loop, not from inside the handler that is parking it. */
    if (x->conn->peer_ended)
        set_timer(x->conn, TIMER_GONE, 0);
    else
        start_reading(x->conn);
}

/* Bytes or the end while a request is handled or its response written:
 * bytes (a pipelined request) are kept for later and reading stops, as
 * before any other read; the end (or a reset) stops reading too, and is
 * remembered: the client still gets its answers (a half-close), then
 * conn_drive closes where it would have read again, as it did when reading
 * stopped at each request and found the end after the answer. (libuv
 * refuses to read again after the end.) */
static void busy_read(struct mg_conn *c, ssize_t nread, const uv_buf_t *buf)
{
    stop_reading(c);
    if (nread < 0)
        c->peer_ended = true;
    else if (mg_buf_append(&c->pending, buf->base, (size_t)nread) != MG_OK)
        conn_close(c); /* cannot happen: reading stops at the first such read */
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    struct mg_conn *c = s->data;
    if (nread == 0)
        return;
    if (c->lingering) {
        if (nread < 0)
            conn_close(c);
        return; /* discard */
    }
    if (c->x && c->x->on_gone) {
        waiting_read(c, nread, buf);
        return;
    }
    if (c->x || c->writing) {
        busy_read(c, nread, buf);
        return;
    }
    if (nread < 0) {
        /* EOF or reset. A request cut short cannot be answered; an idle
         * connection just ends. (One being handled is busy_read's.) */
        conn_close(c);
        return;
    }
    if (mg_buf_append(&c->pending, buf->base, (size_t)nread) != MG_OK) {
        conn_close(c); /* cannot happen while reading stops when busy */
        return;
    }
    conn_drive(c);
}

void mg__conn_accept(struct mg_server *srv, int fd)
{
    struct mg_conn *c = mg_calloc(1, sizeof *c);
    c->srv = srv;
    uv_tcp_init(srv->loop, &c->tcp);
    c->tcp.data = c;
    if (uv_tcp_open(&c->tcp, fd) != 0) {
        close(fd);
        uv_close((uv_handle_t *)&c->tcp, (uv_close_cb)mg_free);
        return;
    }
    uv_timer_init(srv->loop, &c->timer);
    c->timer.data = c;
    c->open_handles = 2;
    uv_tcp_nodelay(&c->tcp, 1);

    struct sockaddr_storage addr;
    int alen = sizeof addr;
    c->peer[0] = '\0';
    if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&addr, &alen) == 0) {
        if (addr.ss_family == AF_INET6)
            uv_ip6_name((struct sockaddr_in6 *)&addr, c->peer, sizeof c->peer);
        else
            uv_ip4_name((struct sockaddr_in *)&addr, c->peer, sizeof c->peer);
    }

    c->parser = mg_http_parser_new(&srv->limits);
    /* At most two reads beyond a full request can be pending (reading
     * stops at the first read while one is handled), so this cap is never
     * reached by an honest client and bounds a dishonest one. */
    mg_buf_init(&c->pending, srv->limits.header_max + srv->limits.body_max +
                                 2 * sizeof srv->read_buf);
    c->next = srv->conns;
    if (srv->conns)
        srv->conns->prev = c;
    srv->conns = c;
    srv->conn_count++;
    mg_metrics_conn_opened(srv->metrics);
    conn_drive(c);
}

/* The response is sent (status 0) or could not be (< 0). */
static void written(struct mg_conn *c, int status)
{
    c->writing = false;
    mg_free(c->write_buf);
    c->write_buf = NULL;
    if (c->closing) {
        maybe_free(c);
        return;
    }
    if (status < 0 || c->said_close) {
        if (status < 0)
            conn_close(c);
        else
            conn_finish(c);
        return;
    }
    c->answered = true;
    set_timer(c, TIMER_NONE, 0);
    conn_drive(c);
}

static void on_written(uv_write_t *req, int status)
{
    written(req->data, status);
}

/* One line a request, written without a jansson tree (jsonw.h): the same
 * members, in the same order and form, as MG_LOG would write. */
static void access_log(const struct mg_exchange *x, int status, double secs)
{
    if (MG_LOG_INFO < mg_log_threshold)
        return;
    const struct mg_http_request *r = x->req;
    struct mg_buf b;
    mg_buf_init(&b, SIZE_MAX);
    bool first = true;
    mg_jsonw_key(&b, &first, "request_id");
    mg_jsonw_cstring(&b, x->request_id[0] ? x->request_id : "-");
    mg_jsonw_key(&b, &first, "method");
    mg_jsonw_cstring(&b, r ? r->method : "-");
    mg_jsonw_key(&b, &first, "route");
    mg_jsonw_cstring(&b, x->match.route ? x->match.route->pattern : "unmatched");
    mg_jsonw_key(&b, &first, "path");
    mg_jsonw_cstring(&b, r ? r->path : "-");
    mg_jsonw_key(&b, &first, "status");
    mg_jsonw_int(&b, status);
    mg_jsonw_key(&b, &first, "duration_ms");
    mg_jsonw_real(&b, secs * 1000.0, 6);
    mg_jsonw_key(&b, &first, "peer");
    mg_jsonw_cstring(&b, x->conn->peer);
    mg__log_members(MG_LOG_INFO, "http", "access", b.data, b.len);
    mg_buf_close(&b);
}

void mg_respond(struct mg_exchange *x, int status, const char *content_type,
                const char *body, size_t body_len,
                const struct mg_http_header *extra, size_t extra_count)
{
    struct mg_conn *c = x->conn;
    double secs = (double)(uv_hrtime() - x->start_ns) / 1e9;
    const char *route = x->match.route ? x->match.route->pattern : "unmatched";
    mg_metrics_observe_request(x->srv->metrics, route,
                               x->req ? x->req->method : "-", status, secs);
    if (x->srv->workers) /* the others' /metrics read the hits at once */
        mg_metrics_publish_rules(x->srv->metrics, x->srv->rules);
    access_log(x, status, secs);

    bool http10 = x->req && x->req->http_minor == 0;
    if (c->srv->draining)
        c->close_after = true;

    struct mg_http_header headers[16];
    size_t n = 0;
    if (content_type)
        headers[n++] = (struct mg_http_header){"Content-Type", content_type};
    if (x->request_id[0])
        headers[n++] = (struct mg_http_header){"X-Request-Id", x->request_id};
    for (size_t i = 0; i < extra_count && n < 16; i++)
        headers[n++] = extra[i];

    size_t len = 0;
    c->said_close = c->close_after;
    char *wire = mg_http_response_serialize(status, headers, n, body, body_len,
                                            !c->close_after, http10, &len);
    /* A response to HEAD has the headers a GET's would, and never a body
     * (RFC 9110 9.3.2): the client reads none, so bytes sent would be taken
     * for the next response. The body is last on the wire. */
    if (x->req && strcmp(x->req->method, "HEAD") == 0 && status != 204)
        len -= body_len;
    mg_http_request_free(x->req);
    mg_route_match_close(&x->match);
    mg_free(x);
    c->x = NULL;

    if (c->closing) { /* the client left while we worked */
        mg_free(wire);
        maybe_free(c);
        return;
    }
    c->writing = true;
    /* Most responses fit the socket's buffer: written here at once, they
     * finish on the loop's next turn, as uv_write's callback would. uv_write
     * would also, after writing, have libuv re-arm the socket's epoll
     * interest with what it already was: one epoll_ctl a response for
     * nothing (tests/bench/syscalls.py). What does not fit goes to uv_write,
     * as does an error, which its callback then reports. */
    uv_buf_t b = uv_buf_init(wire, (unsigned)len);
    int sent = uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
    if (sent == (int)len) {
        mg_free(wire);
        set_timer(c, TIMER_WRITTEN, 0);
        return;
    }
    if (sent > 0)
        b = uv_buf_init(wire + sent, (unsigned)(len - (size_t)sent));
    c->write_buf = wire;
    c->write_req.data = c;
    if (uv_write(&c->write_req, (uv_stream_t *)&c->tcp, &b, 1, on_written) != 0) {
        c->writing = false;
        mg_free(c->write_buf);
        c->write_buf = NULL;
        conn_close(c);
        return;
    }
    /* A client that stops reading must not hold the connection forever. */
    set_timer(c, TIMER_WRITE, (uint64_t)c->srv->cfg->request_timeout_ms);
}

/* No connection is closed here, idle ones included: a client (a proxy such
 * as nginx) may be sending a request on an idle keep-alive connection at
 * this very moment, and closing it would lose that request after it was
 * sent, which the client cannot safely retry (a POST). So every connection
 * stays open: the next response on it says Connection: close and ends it,
 * and one that stays idle ends by its own timer (idle or first-request
 * timeout) or the drain timeout, whichever comes first. A proxy whose idle
 * timeout is shorter than those closes its idle connections first, and no
 * race remains (docs/operations.md, "TLS in front: nginx"). */
void mg__conn_drain_all(struct mg_server *srv)
{
    for (struct mg_conn *c = srv->conns; c; c = c->next)
        c->close_after = true;
}

void mg__conn_close_all(struct mg_server *srv)
{
    for (struct mg_conn *c = srv->conns, *next; c; c = next) {
        next = c->next;
        conn_close(c);
    }
}
