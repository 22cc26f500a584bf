/* openloop.c: an open-loop HTTP/1.1 load generator for tests/bench/cpu
 * --latency (issue 20, item 5):
 *
 *   openloop PORT RATE SECONDS CONNECTIONS [REQUESTS_FILE]
 *
 * Request i is due at start + i / RATE, whether or not earlier ones were
 * answered: it goes out on the keep-alive connection to 127.0.0.1:PORT with
 * the fewest requests in flight (pipelined behind them if every connection
 * is busy). Its latency runs from the time it was due, not from when it was
 * sent, so a server that stalls is charged for every request that waited
 * behind the stall (no coordinated omission). The clock is a timerfd ticking
 * every 1/RATE s (at most 10,000 times a second); the lag between a
 * request's due time and its send is reported apart, so that the
 * generator's own delay can be told from the server's.
 *
 * REQUESTS_FILE holds complete raw requests separated by NUL bytes, used in
 * turn (and again from the first when there are fewer than needed); without
 * it every request is `GET / HTTP/1.1`. After SECONDS it waits up to 2 s for
 * the answers in flight, then prints one line of key=value pairs: sent,
 * answered, non2xx, errors (requests lost with their connection),
 * unanswered, rate (sent per second of the SECONDS), p50_us, p90_us, p99_us, max_us,
 * lag_p50_us, lag_p99_us, lag_max_us; then start_unix, the wall-clock time
 * the first request was due (s), and sec_max_us, the worst latency among
 * the requests due in each second of the run, comma-separated: a stall
 * shows as one bad second, load that is too high as many. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "modgate/files.h"
#include "uvbench.h"

#define RING 4096 /* requests in flight per connection, at most */

struct conn {
    struct bench_io io; /* first: tcp.data points at both */
    uv_connect_t connect;
    uint64_t due[RING]; /* due times of the requests in flight, oldest first */
    unsigned head, count;
    int alive;
};

static struct {
    uv_loop_t *loop;
    struct conn *conns;
    unsigned nconns, connected;
    char **req;
    size_t *req_len, nreq;
    double rate;
    uint64_t start, planned, sent, answered, non2xx, errors, overflow;
    uint64_t *latency, *lag; /* ns, one per answered / sent request */
    uint64_t *sec_max;        /* ns, the worst latency of each second's requests */
    unsigned nsecs;
    double start_unix;
    uv_poll_t tick;
    int tfd;
    uv_timer_t drain;
} g;

static char DEFAULT_REQ[] = "GET / HTTP/1.1\r\nHost: bench\r\n\r\n";
static http_parser_settings settings;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void finish_if_done(void)
{
    if (g.sent == g.planned && g.answered + g.errors == g.sent)
        uv_stop(g.loop);
}

static void lose(struct conn *c)
{
    if (!c->alive)
        return;
    c->alive = 0;
    g.errors += c->count;
    c->count = 0;
    uv_close((uv_handle_t *)&c->io.tcp, NULL);
    finish_if_done();
}

static int on_message_complete(http_parser *p)
{
    struct conn *c = p->data;
    if (c->count == 0)
        return 1; /* an answer nobody asked for */
    uint64_t took = now_ns() - c->due[c->head];
    unsigned sec = (unsigned)((c->due[c->head] - g.start) / 1000000000u);
    if (sec < g.nsecs && took > g.sec_max[sec])
        g.sec_max[sec] = took;
    g.latency[g.answered++] = took;
    c->head = (c->head + 1) % RING;
    c->count--;
    if (p->status_code < 200 || p->status_code > 299)
        g.non2xx++;
    return 0;
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    struct conn *c = s->data;
    if (bench_parse(&c->io, &settings, nread, buf) != 0) {
        lose(c);
        return;
    }
    finish_if_done();
}

static struct conn *least_busy(void)
{
    struct conn *best = NULL;
    for (unsigned i = 0; i < g.nconns; i++) {
        struct conn *c = &g.conns[i];
        if (c->alive && c->count < RING && (!best || c->count < best->count))
            best = c;
    }
    return best;
}

/* Sends request number i, due at `due`, on the least busy connection. */
static void send_one(uint64_t i, uint64_t due, uint64_t now)
{
    struct conn *c = least_busy();
    g.lag[g.sent++] = now - due;
    if (!c) {
        g.overflow++;
        g.errors++;
        return;
    }
    c->due[(c->head + c->count) % RING] = due;
    c->count++;
    size_t k = i % g.nreq;
    uv_buf_t b = uv_buf_init(g.req[k], (unsigned)g.req_len[k]);
    if (bench_write(&c->io, &b, 1) != 0)
        lose(c);
}

static void on_drained(uv_timer_t *t)
{
    uv_stop(t->loop);
}

static void on_tick(uv_poll_t *p, int status, int events)
{
    (void)status;
    (void)events;
    uint64_t expirations;
    if (read(g.tfd, &expirations, sizeof expirations) < 0)
        return;
    uint64_t now = now_ns();
    double elapsed = (double)(now - g.start) / 1e9;
    uint64_t due = (uint64_t)(elapsed * g.rate) + 1;
    if (due > g.planned)
        due = g.planned;
    while (g.sent < due) {
        uint64_t i = g.sent;
        send_one(i, g.start + (uint64_t)((double)i * 1e9 / g.rate), now);
    }
    if (g.sent == g.planned) {
        uv_poll_stop(p);
        uv_timer_start(&g.drain, on_drained, 2000, 0);
        finish_if_done();
    }
}

static void start_clock(void)
{
    double interval = 1e9 / g.rate;
    if (interval < 100000)
        interval = 100000;
    struct itimerspec its = {0};
    its.it_interval.tv_sec = (time_t)(interval / 1e9);
    its.it_interval.tv_nsec = (long)fmod(interval, 1e9);
    its.it_value.tv_nsec = 1; /* the first request is due now */
    g.tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    timerfd_settime(g.tfd, 0, &its, NULL);
    g.start = now_ns();
    struct timespec wall;
    clock_gettime(CLOCK_REALTIME, &wall);
    g.start_unix = (double)wall.tv_sec + (double)wall.tv_nsec / 1e9;
    uv_poll_init(g.loop, &g.tick, g.tfd);
    uv_poll_start(&g.tick, UV_READABLE, on_tick);
}

static void on_connected(uv_connect_t *req, int status)
{
    struct conn *c = req->data;
    if (status < 0) {
        fprintf(stderr, "openloop: connect: %s\n", uv_strerror(status));
        exit(1);
    }
    c->alive = 1;
    uv_read_start((uv_stream_t *)&c->io.tcp, bench_alloc, on_read);
    if (++g.connected == g.nconns)
        start_clock();
}

/* Splits the file at NUL bytes into requests; the data lives until exit. */
static void load_requests(const char *path)
{
    static char *one[1] = {DEFAULT_REQ};
    static size_t one_len[1] = {sizeof DEFAULT_REQ - 1};
    g.req = one;
    g.req_len = one_len;
    g.nreq = 1;
    if (!path)
        return;
    size_t len = 0;
    char *data = NULL;
    struct mg_error err;
    if (mg_file_read(path, 1u << 30, &data, &len, &err) != MG_OK) {
        fprintf(stderr, "openloop: cannot read %s\n", path);
        exit(2);
    }
    size_t cap = 1024, n = 0;
    char **req = mg_malloc(cap * sizeof *req);
    size_t *req_len = mg_malloc(cap * sizeof *req_len);
    for (size_t i = 0; i < len;) {
        char *end = memchr(data + i, '\0', len - i);
        size_t l = end ? (size_t)(end - (data + i)) : len - i;
        if (l > 0) {
            if (n == cap) {
                cap *= 2;
                req = mg_realloc(req, cap * sizeof *req);
                req_len = mg_realloc(req_len, cap * sizeof *req_len);
            }
            req[n] = data + i;
            req_len[n++] = l;
        }
        i += l + 1;
    }
    if (n > 0) {
        g.req = req;
        g.req_len = req_len;
        g.nreq = n;
    }
}

static int by_value(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static double pct_us(uint64_t *v, uint64_t n, double p)
{
    if (n == 0)
        return 0;
    uint64_t k = (uint64_t)ceil(p * (double)n);
    return (double)v[k > 0 ? k - 1 : 0] / 1e3;
}

static int parse_args(int argc, char **argv, long *port, double *seconds)
{
    char *e1 = NULL, *e2 = NULL, *e3 = NULL, *e4 = NULL;
    if (argc != 5 && argc != 6)
        return -1;
    *port = strtol(argv[1], &e1, 10);
    g.rate = strtod(argv[2], &e2);
    *seconds = strtod(argv[3], &e3);
    long conns = strtol(argv[4], &e4, 10);
    if (*e1 || *e2 || *e3 || *e4 || *port <= 0 || *port > 65535 || !(g.rate > 0) ||
        !(*seconds > 0) || conns <= 0 || conns > 10000)
        return -1;
    g.nconns = (unsigned)conns;
    return 0;
}

int main(int argc, char **argv)
{
    long port;
    double seconds;
    if (parse_args(argc, argv, &port, &seconds) != 0) {
        fprintf(stderr, "usage: openloop PORT RATE SECONDS CONNECTIONS [REQUESTS_FILE]\n");
        return 2;
    }
    load_requests(argc == 6 ? argv[5] : NULL);
    settings.on_message_complete = on_message_complete;
    g.planned = (uint64_t)(g.rate * seconds);
    g.latency = mg_calloc(g.planned + 1, sizeof *g.latency);
    g.lag = mg_calloc(g.planned + 1, sizeof *g.lag);
    g.nsecs = (unsigned)ceil(seconds) + 1;
    g.sec_max = mg_calloc(g.nsecs, sizeof *g.sec_max);
    g.loop = uv_default_loop();
    uv_timer_init(g.loop, &g.drain);
    g.conns = mg_calloc(g.nconns, sizeof *g.conns);
    struct sockaddr_in addr;
    uv_ip4_addr("127.0.0.1", (int)port, &addr);
    for (unsigned i = 0; i < g.nconns; i++) {
        struct conn *c = &g.conns[i];
        uv_tcp_init(g.loop, &c->io.tcp);
        uv_tcp_nodelay(&c->io.tcp, 1);
        c->io.tcp.data = c;
        c->connect.data = c;
        http_parser_init(&c->io.parser, HTTP_RESPONSE);
        c->io.parser.data = c;
        uv_tcp_connect(&c->connect, &c->io.tcp, (const struct sockaddr *)&addr, on_connected);
    }
    uv_run(g.loop, UV_RUN_DEFAULT);
    qsort(g.latency, g.answered, sizeof *g.latency, by_value);
    qsort(g.lag, g.sent, sizeof *g.lag, by_value);
    printf("sent=%llu answered=%llu non2xx=%llu errors=%llu unanswered=%llu rate=%.1f "
           "p50_us=%.1f p90_us=%.1f p99_us=%.1f max_us=%.1f "
           "lag_p50_us=%.1f lag_p99_us=%.1f lag_max_us=%.1f\n",
           (unsigned long long)g.sent, (unsigned long long)g.answered,
           (unsigned long long)g.non2xx, (unsigned long long)g.errors,
           (unsigned long long)(g.sent - g.answered - g.errors),
           (double)g.sent / seconds, pct_us(g.latency, g.answered, 0.5),
           pct_us(g.latency, g.answered, 0.9), pct_us(g.latency, g.answered, 0.99),
           pct_us(g.latency, g.answered, 1.0), pct_us(g.lag, g.sent, 0.5),
           pct_us(g.lag, g.sent, 0.99), pct_us(g.lag, g.sent, 1.0));
    printf("start_unix=%.3f sec_max_us=", g.start_unix);
    for (unsigned i = 0; i + 1 < g.nsecs; i++)
        printf("%s%.0f", i ? "," : "", (double)g.sec_max[i] / 1e3);
    printf("\n");
    /* the process ends here: the loop's handles go with it */
    return g.answered > 0 && g.errors == 0 ? 0 : 1;
}
