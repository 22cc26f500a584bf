/* metrics.c: request counters, latency histograms and gauges in the
 * Prometheus text exposition format (version 0.0.4). */
#include "modgate/metrics.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "modgate/alloc.h"
#include "modgate/buf.h"
#include "modgate/rules.h"
#include "mg_version.h"

/* Upper bounds in seconds: 0.5 ms to 10 s, enough to see both a healthy
 * sub-millisecond path and a Redis that hangs until its timeout. */
static const double buckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                 0.05,   0.1,   0.25,   0.5,   1.0,  2.5,
                                 5.0,    10.0};
#define NBUCKETS (sizeof buckets / sizeof buckets[0])

struct request_count {
    const char *route;  /* static: a route pattern or "unmatched" */
    const char *method; /* static: http-parser's method names */
    int status;
    uint64_t count;
};

struct histogram {
    const char *route;
    uint64_t counts[NBUCKETS + 1]; /* last one is +Inf */
    double sum;
    uint64_t total;
};

/* A counter of a family with one label: submissions by outcome, refusals by
 * limit, bans hit by kind. Labels are static strings. */
enum family { F_SUBMISSIONS, F_RATE_LIMITED, F_BANS_HIT, F_COUNT };

static const struct {
    const char *name;
    const char *label;
    const char *help;
} families[F_COUNT] = {
    [F_SUBMISSIONS] = {"modgate_submissions_total", "outcome",
                       "Comment submissions by outcome."},
    [F_RATE_LIMITED] = {"modgate_rate_limited_total", "limit",
                        "Submissions refused by a rate limit, by dimension."},
    [F_BANS_HIT] = {"modgate_bans_hit_total", "kind",
                    "Submissions refused by a ban, by the ban's kind."},
};

struct labeled_count {
    enum family family;
    const char *label;
    uint64_t count;
};

struct mg_metrics {
    struct labeled_count labeled[48];
    size_t nlabeled;
    struct request_count *requests;
    size_t nrequests, request_alloc;
    struct histogram *hists;
    size_t nhists, hist_alloc;
    int64_t conns_open;
    uint64_t conns_accepted;
    uint64_t accept_errors;
    uint64_t conns_refused;
};

struct mg_metrics *mg_metrics_new(void)
{
    return mg_calloc(1, sizeof(struct mg_metrics));
}

void mg_metrics_free(struct mg_metrics *m)
{
    if (!m)
        return;
    mg_free(m->requests);
    mg_free(m->hists);
    mg_free(m);
}

/* The few dozen (route, method, status) triples a server ever sees make a
 * linear scan cheaper than any hash table. Labels are static strings, so
 * pointer equality is enough most of the time; strcmp keeps it correct. */
static struct request_count *find_request(struct mg_metrics *m,
                                          const char *route, const char *method,
                                          int status)
{
    for (size_t i = 0; i < m->nrequests; i++) {
        struct request_count *r = &m->requests[i];
        if (r->status == status && strcmp(r->route, route) == 0 &&
            strcmp(r->method, method) == 0)
            return r;
    }
    if (m->nrequests == m->request_alloc) {
        m->request_alloc = m->request_alloc ? m->request_alloc * 2 : 16;
        m->requests = mg_realloc(m->requests,
                                 m->request_alloc * sizeof *m->requests);
    }
    struct request_count *r = &m->requests[m->nrequests++];
    *r = (struct request_count){route, method, status, 0};
    return r;
}

static struct histogram *find_hist(struct mg_metrics *m, const char *route)
{
    for (size_t i = 0; i < m->nhists; i++)
        if (strcmp(m->hists[i].route, route) == 0)
            return &m->hists[i];
    if (m->nhists == m->hist_alloc) {
        m->hist_alloc = m->hist_alloc ? m->hist_alloc * 2 : 8;
        m->hists = mg_realloc(m->hists, m->hist_alloc * sizeof *m->hists);
    }
    struct histogram *h = &m->hists[m->nhists++];
    memset(h, 0, sizeof *h);
    h->route = route;
    return h;
}

void mg_metrics_observe_request(struct mg_metrics *m, const char *route,
                                const char *method, int status, double seconds)
{
    find_request(m, route, method, status)->count++;
    struct histogram *h = find_hist(m, route);
    size_t b = 0;
    while (b < NBUCKETS && seconds > buckets[b])
        b++;
    h->counts[b]++;
    h->sum += seconds;
    h->total++;
}

static void count_labeled(struct mg_metrics *m, enum family f, const char *label)
{
    for (size_t i = 0; i < m->nlabeled; i++) {
        if (m->labeled[i].family == f && strcmp(m->labeled[i].label, label) == 0) {
            m->labeled[i].count++;
            return;
        }
    }
    if (m->nlabeled < sizeof m->labeled / sizeof m->labeled[0])
        m->labeled[m->nlabeled++] = (struct labeled_count){f, label, 1};
}

void mg_metrics_submission(struct mg_metrics *m, const char *outcome)
{
    count_labeled(m, F_SUBMISSIONS, outcome);
}

void mg_metrics_rate_limited(struct mg_metrics *m, const char *dimension)
{
    count_labeled(m, F_RATE_LIMITED, dimension);
}

void mg_metrics_ban_hit(struct mg_metrics *m, const char *kind)
{
    count_labeled(m, F_BANS_HIT, kind);
}

void mg_metrics_conn_opened(struct mg_metrics *m)
{
    m->conns_open++;
    m->conns_accepted++;
}

void mg_metrics_conn_closed(struct mg_metrics *m)
{
    m->conns_open--;
}

void mg_metrics_accept_error(struct mg_metrics *m)
{
    m->accept_errors++;
}

void mg_metrics_conn_refused(struct mg_metrics *m)
{
    m->conns_refused++;
}

static void addf(struct mg_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void addf(struct mg_buf *b, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n > 0)
        mg_buf_add(b, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

static void counter(struct mg_buf *b, const char *name, const char *help,
                    uint64_t value)
{
    addf(b, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", name, help, name,
         name, (unsigned long long)value);
}

char *mg_metrics_render(const struct mg_metrics *m,
                        const struct mg_metrics_redis *redis,
                        const struct mg_rules *rules, size_t *len)
{
    struct mg_buf b;
    mg_buf_init(&b, (size_t)-1);

    addf(&b, "# HELP modgate_build_info The running version.\n"
             "# TYPE modgate_build_info gauge\n"
             "modgate_build_info{version=\"%s\"} 1\n", MG_VERSION);

    mg_buf_adds(&b, "# HELP modgate_http_requests_total Requests answered, by "
                    "route, method and status.\n"
                    "# TYPE modgate_http_requests_total counter\n");
    for (size_t i = 0; i < m->nrequests; i++) {
        const struct request_count *r = &m->requests[i];
        addf(&b,
             "modgate_http_requests_total{route=\"%s\",method=\"%s\",status=\"%d\"} %llu\n",
             r->route, r->method, r->status, (unsigned long long)r->count);
    }

    mg_buf_adds(&b, "# HELP modgate_http_request_duration_seconds Time from a "
                    "request's last byte to its response being queued.\n"
                    "# TYPE modgate_http_request_duration_seconds histogram\n");
    for (size_t i = 0; i < m->nhists; i++) {
        const struct histogram *h = &m->hists[i];
        uint64_t cumulative = 0;
        for (size_t k = 0; k < NBUCKETS; k++) {
            cumulative += h->counts[k];
            addf(&b,
                 "modgate_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
                 h->route, buckets[k], (unsigned long long)cumulative);
        }
        addf(&b,
             "modgate_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n"
             "modgate_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n"
             "modgate_http_request_duration_seconds_count{route=\"%s\"} %llu\n",
             h->route, (unsigned long long)h->total, h->route, h->sum, h->route,
             (unsigned long long)h->total);
    }

    for (int f = 0; f < F_COUNT; f++) {
        addf(&b, "# HELP %s %s\n# TYPE %s counter\n", families[f].name,
             families[f].help, families[f].name);
        for (size_t i = 0; i < m->nlabeled; i++)
            if (m->labeled[i].family == (enum family)f)
                addf(&b, "%s{%s=\"%s\"} %llu\n", families[f].name,
                     families[f].label, m->labeled[i].label,
                     (unsigned long long)m->labeled[i].count);
    }

    /* Rule ids are [a-z0-9._-]: nothing to escape in a label. */
    addf(&b, "# HELP modgate_rules_info The rule set in force.\n"
             "# TYPE modgate_rules_info gauge\n"
             "modgate_rules_info{version=\"%s\",rules=\"%zu\"} 1\n",
         rules ? mg_rules_version(rules) : MG_RULES_EMPTY_VERSION,
         rules ? mg_rules_count(rules) : 0);
    mg_buf_adds(&b, "# HELP modgate_rule_hits_total Comments a rule fired on, "
                    "by rule id (carried over reloads).\n"
                    "# TYPE modgate_rule_hits_total counter\n");
    for (size_t i = 0; rules && i < mg_rules_count(rules); i++)
        addf(&b, "modgate_rule_hits_total{rule=\"%s\"} %llu\n", mg_rules_id(rules, i),
             (unsigned long long)mg_rules_hits(rules, i));

    addf(&b, "# HELP modgate_http_connections_open Client connections open now.\n"
             "# TYPE modgate_http_connections_open gauge\n"
             "modgate_http_connections_open %lld\n", (long long)m->conns_open);
    counter(&b, "modgate_http_connections_accepted_total",
            "Client connections accepted.", m->conns_accepted);
    counter(&b, "modgate_http_accept_errors_total",
            "Failed accepts (e.g. out of file descriptors).", m->accept_errors);
    counter(&b, "modgate_http_connections_refused_total",
            "Connections closed at accept: limits.max_connections were open.",
            m->conns_refused);

    addf(&b, "# HELP modgate_redis_up 1 while Redis answers, else 0.\n"
             "# TYPE modgate_redis_up gauge\nmodgate_redis_up %d\n", redis->up);
    counter(&b, "modgate_redis_connects_total", "Connections made to Redis.",
            redis->connects);
    counter(&b, "modgate_redis_reconnects_total",
            "Connections made to Redis after one was lost.", redis->reconnects);
    counter(&b, "modgate_redis_errors_total",
            "Redis commands that failed.", redis->errors);
    counter(&b, "modgate_redis_timeouts_total",
            "Redis commands that passed their deadline.", redis->timeouts);
    counter(&b, "modgate_redis_script_loads_total",
            "Lua scripts loaded into Redis (at connect and after NOSCRIPT).",
            redis->script_loads);
    counter(&b, "modgate_redis_noscript_total",
            "NOSCRIPT replies (Redis lost its script cache).", redis->noscript);
    if (redis->queue_known) {
        addf(&b, "# HELP modgate_queue_depth Comments waiting for a moderator "
                 "(all instances; read from Redis every second).\n"
                 "# TYPE modgate_queue_depth gauge\nmodgate_queue_depth %llu\n",
             (unsigned long long)redis->queue_depth);
        addf(&b, "# HELP modgate_queue_oldest_age_seconds Age of the oldest "
                 "comment waiting for a moderator; 0 when none waits.\n"
                 "# TYPE modgate_queue_oldest_age_seconds gauge\n"
                 "modgate_queue_oldest_age_seconds %.3f\n",
             redis->queue_oldest_age_ms < 0 ? 0.0
                                            : (double)redis->queue_oldest_age_ms / 1000.0);
    }
    return mg_buf_take(&b, len);
}
