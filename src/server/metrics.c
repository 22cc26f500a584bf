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

/* The struct lives in ordinary memory for a single server, and in a
 * worker's slot of shared memory with workers (workers.h): then one
 * process writes it and others read it to sum. Hence fixed arrays, no
 * pointers but to static strings (the same in every worker: they are
 * forked from one image), and counters written and read with relaxed
 * atomics, entries published with a release store of their count. */
#define MAX_REQUESTS 512 /* (route, method, status) triples */
#define MAX_HISTS 96     /* routes */
#define MAX_RULE_HITS 2048

struct request_count {
    const char *route;  /* static: a route pattern or "unmatched" */
    const char *method; /* static: http-parser's method names */
    int status;
    uint64_t count;
};

struct histogram {
    const char *route;
    uint64_t counts[NBUCKETS + 1]; /* last one is +Inf */
    uint64_t sum_ns;
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

struct rule_hit {
    char id[101]; /* rule ids are 1..100 characters (load_rule.c) */
    uint64_t hits;
};

struct mg_metrics {
    struct labeled_count labeled[48];
    size_t nlabeled;
    struct request_count requests[MAX_REQUESTS];
    size_t nrequests;
    struct histogram hists[MAX_HISTS];
    size_t nhists;
    int64_t conns_open;
    uint64_t conns_accepted;
    uint64_t accept_errors;
    uint64_t conns_refused;
    /* What the other workers read, published by this one (publish_*). */
    struct mg_metrics_redis redis;
    uint32_t rules_seq; /* odd while rule_hits' ids are being rewritten */
    const void *rules_seen; /* the set whose ids are in rule_hits */
    size_t nrule_hits;
    struct rule_hit rule_hits[MAX_RULE_HITS];
};

/* One writer per struct: a relaxed load and store is an increment no
 * reader sees torn, at the cost of a plain add. */
static inline uint64_t get(const uint64_t *c)
{
    return __atomic_load_n(c, __ATOMIC_RELAXED);
}

static inline void put(uint64_t *c, uint64_t v)
{
    __atomic_store_n(c, v, __ATOMIC_RELAXED);
}

static inline void bump(uint64_t *c)
{
    put(c, get(c) + 1);
}

/* Entries are filled, then counted: a reader loads the count first. */
static inline size_t entries(const size_t *n)
{
    return __atomic_load_n(n, __ATOMIC_ACQUIRE);
}

static inline void publish_entries(size_t *n, size_t v)
{
    __atomic_store_n(n, v, __ATOMIC_RELEASE);
}

size_t mg_metrics_size(void)
{
    return sizeof(struct mg_metrics);
}

struct mg_metrics *mg_metrics_init(void *mem)
{
    memset(mem, 0, sizeof(struct mg_metrics));
    return mem;
}

struct mg_metrics *mg_metrics_new(void)
{
    return mg_metrics_init(mg_malloc(sizeof(struct mg_metrics)));
}

void mg_metrics_free(struct mg_metrics *m)
{
    mg_free(m);
}

/* The few dozen (route, method, status) triples a server ever sees make a
 * linear scan cheaper than any hash table. Labels are static strings, so
 * pointer equality is enough most of the time; strcmp keeps it correct.
 * NULL once the table is full (never seen: routes x methods x statuses in
 * use stay well under it). */
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
    if (m->nrequests == MAX_REQUESTS)
        return NULL;
    struct request_count *r = &m->requests[m->nrequests];
    *r = (struct request_count){route, method, status, 0};
    publish_entries(&m->nrequests, m->nrequests + 1);
    return r;
}

static struct histogram *find_hist(struct mg_metrics *m, const char *route)
{
    for (size_t i = 0; i < m->nhists; i++)
        if (strcmp(m->hists[i].route, route) == 0)
            return &m->hists[i];
    if (m->nhists == MAX_HISTS)
        return NULL;
    struct histogram *h = &m->hists[m->nhists];
    memset(h, 0, sizeof *h);
    h->route = route;
    publish_entries(&m->nhists, m->nhists + 1);
    return h;
}

void mg_metrics_observe_request(struct mg_metrics *m, const char *route,
                                const char *method, int status, double seconds)
{
    struct request_count *r = find_request(m, route, method, status);
    if (r)
        bump(&r->count);
    struct histogram *h = find_hist(m, route);
    if (!h)
        return;
    size_t b = 0;
    while (b < NBUCKETS && seconds > buckets[b])
        b++;
    bump(&h->counts[b]);
    put(&h->sum_ns, get(&h->sum_ns) + (uint64_t)(seconds * 1e9));
    bump(&h->total);
}

static void count_labeled(struct mg_metrics *m, enum family f, const char *label)
{
    for (size_t i = 0; i < m->nlabeled; i++) {
        if (m->labeled[i].family == f && strcmp(m->labeled[i].label, label) == 0) {
            bump(&m->labeled[i].count);
            return;
        }
    }
    if (m->nlabeled < sizeof m->labeled / sizeof m->labeled[0]) {
        m->labeled[m->nlabeled] = (struct labeled_count){f, label, 1};
        publish_entries(&m->nlabeled, m->nlabeled + 1);
    }
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
    __atomic_store_n(&m->conns_open, m->conns_open + 1, __ATOMIC_RELAXED);
    bump(&m->conns_accepted);
}

void mg_metrics_conn_closed(struct mg_metrics *m)
{
    __atomic_store_n(&m->conns_open, m->conns_open - 1, __ATOMIC_RELAXED);
}

void mg_metrics_accept_error(struct mg_metrics *m)
{
    bump(&m->accept_errors);
}

void mg_metrics_conn_refused(struct mg_metrics *m)
{
    bump(&m->conns_refused);
}

void mg_metrics_adopt(struct mg_metrics *m)
{
    __atomic_store_n(&m->rules_seq, (m->rules_seq + 1) & ~1u, __ATOMIC_RELEASE);
    m->rules_seen = NULL; /* the dead writer's pointer: the ids are rewritten */
    __atomic_store_n(&m->conns_open, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&m->redis.up, 0, __ATOMIC_RELAXED);
}

void mg_metrics_publish_redis(struct mg_metrics *m, const struct mg_metrics_redis *redis)
{
    uint64_t *to[] = {&m->redis.connects, &m->redis.reconnects, &m->redis.errors,
                      &m->redis.timeouts, &m->redis.script_loads, &m->redis.noscript};
    const uint64_t from[] = {redis->connects, redis->reconnects, redis->errors,
                             redis->timeouts, redis->script_loads, redis->noscript};
    for (size_t i = 0; i < sizeof from / sizeof from[0]; i++)
        put(to[i], from[i]);
    __atomic_store_n(&m->redis.up, redis->up, __ATOMIC_RELAXED);
}

/* m's published Redis counters added to *sum's. */
static void add_redis(struct mg_metrics_redis *sum, const struct mg_metrics *m)
{
    sum->connects += get(&m->redis.connects);
    sum->reconnects += get(&m->redis.reconnects);
    sum->errors += get(&m->redis.errors);
    sum->timeouts += get(&m->redis.timeouts);
    sum->script_loads += get(&m->redis.script_loads);
    sum->noscript += get(&m->redis.noscript);
}

void mg_metrics_published_redis(const struct mg_metrics *m, struct mg_metrics_redis *redis)
{
    redis->connects = redis->reconnects = redis->errors = 0;
    redis->timeouts = redis->script_loads = redis->noscript = 0;
    add_redis(redis, m);
}

void mg_metrics_publish_rules(struct mg_metrics *m, const struct mg_rules *rules)
{
    size_t n = rules ? mg_rules_count(rules) : 0;
    if (n > MAX_RULE_HITS)
        n = MAX_RULE_HITS;
    if (m->rules_seen != rules) { /* a reload: the ids change, under the seq */
        __atomic_store_n(&m->rules_seq, m->rules_seq + 1, __ATOMIC_RELEASE);
        for (size_t i = 0; i < n; i++)
            snprintf(m->rule_hits[i].id, sizeof m->rule_hits[i].id, "%s",
                     mg_rules_id(rules, i));
        __atomic_store_n(&m->nrule_hits, n, __ATOMIC_RELAXED);
        m->rules_seen = rules;
        __atomic_store_n(&m->rules_seq, m->rules_seq + 1, __ATOMIC_RELEASE);
    }
    for (size_t i = 0; i < n; i++)
        put(&m->rule_hits[i].hits, mg_rules_hits(rules, i));
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

/* The sums over ms[0..n): entries met in order, the first worker's first. */
struct sums {
    struct request_count requests[MAX_REQUESTS];
    size_t nrequests;
    struct histogram hists[MAX_HISTS];
    size_t nhists;
    struct labeled_count labeled[48];
    size_t nlabeled;
};

static void sum_requests(struct sums *s, const struct mg_metrics *m)
{
    for (size_t i = 0, n = entries(&m->nrequests); i < n; i++) {
        const struct request_count *r = &m->requests[i];
        size_t k = 0;
        while (k < s->nrequests &&
               !(s->requests[k].status == r->status &&
                 strcmp(s->requests[k].route, r->route) == 0 &&
                 strcmp(s->requests[k].method, r->method) == 0))
            k++;
        if (k == MAX_REQUESTS)
            continue;
        if (k == s->nrequests)
            s->requests[s->nrequests++] = (struct request_count){r->route, r->method,
                                                                 r->status, 0};
        s->requests[k].count += get(&r->count);
    }
}

static void sum_hists(struct sums *s, const struct mg_metrics *m)
{
    for (size_t i = 0, n = entries(&m->nhists); i < n; i++) {
        const struct histogram *h = &m->hists[i];
        size_t k = 0;
        while (k < s->nhists && strcmp(s->hists[k].route, h->route) != 0)
            k++;
        if (k == MAX_HISTS)
            continue;
        if (k == s->nhists) {
            memset(&s->hists[k], 0, sizeof s->hists[k]);
            s->hists[s->nhists++].route = h->route;
        }
        for (size_t b = 0; b <= NBUCKETS; b++)
            s->hists[k].counts[b] += get(&h->counts[b]);
        s->hists[k].sum_ns += get(&h->sum_ns);
        s->hists[k].total += get(&h->total);
    }
}

static void sum_labeled(struct sums *s, const struct mg_metrics *m)
{
    for (size_t i = 0, n = entries(&m->nlabeled); i < n; i++) {
        const struct labeled_count *l = &m->labeled[i];
        size_t k = 0;
        while (k < s->nlabeled && !(s->labeled[k].family == l->family &&
                                    strcmp(s->labeled[k].label, l->label) == 0))
            k++;
        if (k == sizeof s->labeled / sizeof s->labeled[0])
            continue;
        if (k == s->nlabeled)
            s->labeled[s->nlabeled++] = (struct labeled_count){l->family, l->label, 0};
        s->labeled[k].count += get(&l->count);
    }
}

/* m's published hits of the rule id, whose index in m's set is likely
 * guess (the workers load the same set); 0 when m's set has no such rule.
 * Read under m's seq: a reload rewriting the ids is waited out. */
uint64_t mg_metrics_published_hits(const struct mg_metrics *m, const char *id, size_t guess)
{
    /* bounded: a writer that died mid-write leaves the seq odd until its
     * replacement is forked (mg_metrics_adopt); its hits count 0 meanwhile */
    for (int tries = 0; tries < MG_SEQ_TRIES; tries++) {
        uint32_t seq = __atomic_load_n(&m->rules_seq, __ATOMIC_ACQUIRE);
        if (seq & 1)
            continue;
        uint64_t hits = 0;
        size_t n = __atomic_load_n(&m->nrule_hits, __ATOMIC_RELAXED);
        char seen[sizeof m->rule_hits[0].id];
        for (size_t k = 0; k < n; k++) {
            size_t i = (guess + k) % n;
            memcpy(seen, m->rule_hits[i].id, sizeof seen);
            seen[sizeof seen - 1] = '\0';
            if (strcmp(seen, id) == 0) {
                hits = get(&m->rule_hits[i].hits);
                break;
            }
        }
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        if (__atomic_load_n(&m->rules_seq, __ATOMIC_RELAXED) == seq)
            return hits;
    }
    return 0;
}

static void render_requests(struct mg_buf *b, const struct sums *s)
{
    mg_buf_adds(b, "# HELP modgate_http_requests_total Requests answered, by "
                   "route, method and status.\n"
                   "# TYPE modgate_http_requests_total counter\n");
    for (size_t i = 0; i < s->nrequests; i++) {
        const struct request_count *r = &s->requests[i];
        addf(b,
             "modgate_http_requests_total{route=\"%s\",method=\"%s\",status=\"%d\"} %llu\n",
             r->route, r->method, r->status, (unsigned long long)r->count);
    }
    mg_buf_adds(b, "# HELP modgate_http_request_duration_seconds Time from a "
                   "request's last byte to its response being queued.\n"
                   "# TYPE modgate_http_request_duration_seconds histogram\n");
    for (size_t i = 0; i < s->nhists; i++) {
        const struct histogram *h = &s->hists[i];
        uint64_t cumulative = 0;
        for (size_t k = 0; k < NBUCKETS; k++) {
            cumulative += h->counts[k];
            addf(b,
                 "modgate_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
                 h->route, buckets[k], (unsigned long long)cumulative);
        }
        addf(b,
             "modgate_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n"
             "modgate_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n"
             "modgate_http_request_duration_seconds_count{route=\"%s\"} %llu\n",
             h->route, (unsigned long long)h->total, h->route, (double)h->sum_ns / 1e9,
             h->route, (unsigned long long)h->total);
    }
    for (int f = 0; f < F_COUNT; f++) {
        addf(b, "# HELP %s %s\n# TYPE %s counter\n", families[f].name, families[f].help,
             families[f].name);
        for (size_t i = 0; i < s->nlabeled; i++)
            if (s->labeled[i].family == (enum family)f)
                addf(b, "%s{%s=\"%s\"} %llu\n", families[f].name, families[f].label,
                     s->labeled[i].label, (unsigned long long)s->labeled[i].count);
    }
}

static void render_rules(struct mg_buf *b, const struct mg_metrics *const *ms, size_t n,
                         const struct mg_rules *rules)
{
    /* Rule ids are [a-z0-9._-]: nothing to escape in a label. */
    addf(b, "# HELP modgate_rules_info The rule set in force.\n"
            "# TYPE modgate_rules_info gauge\n"
            "modgate_rules_info{version=\"%s\",rules=\"%zu\"} 1\n",
         rules ? mg_rules_version(rules) : MG_RULES_EMPTY_VERSION,
         rules ? mg_rules_count(rules) : 0);
    mg_buf_adds(b, "# HELP modgate_rule_hits_total Comments a rule fired on, "
                   "by rule id (carried over reloads).\n"
                   "# TYPE modgate_rule_hits_total counter\n");
    for (size_t i = 0; rules && i < mg_rules_count(rules); i++) {
        uint64_t hits = 0;
        for (size_t w = 0; w < n; w++)
            hits += mg_metrics_published_hits(ms[w], mg_rules_id(rules, i), i);
        addf(b, "modgate_rule_hits_total{rule=\"%s\"} %llu\n", mg_rules_id(rules, i),
             (unsigned long long)hits);
    }
}

char *mg_metrics_render(const struct mg_metrics *const *ms, size_t n,
                        const struct mg_metrics_redis *queue,
                        const struct mg_rules *rules, size_t *len)
{
    struct mg_buf b;
    mg_buf_init(&b, (size_t)-1);

    addf(&b, "# HELP modgate_build_info The running version.\n"
             "# TYPE modgate_build_info gauge\n"
             "modgate_build_info{version=\"%s\"} 1\n", MG_VERSION);

    struct sums *s = mg_calloc(1, sizeof *s);
    struct mg_metrics_redis redis = {.up = 1};
    int64_t conns_open = 0;
    uint64_t accepted = 0, accept_errors = 0, refused = 0;
    for (size_t w = 0; w < n; w++) {
        const struct mg_metrics *m = ms[w];
        sum_requests(s, m);
        sum_hists(s, m);
        sum_labeled(s, m);
        conns_open += __atomic_load_n(&m->conns_open, __ATOMIC_RELAXED);
        accepted += get(&m->conns_accepted);
        accept_errors += get(&m->accept_errors);
        refused += get(&m->conns_refused);
        redis.up &= __atomic_load_n(&m->redis.up, __ATOMIC_RELAXED) ? 1 : 0;
        add_redis(&redis, m);
    }
    render_requests(&b, s);
    mg_free(s);
    render_rules(&b, ms, n, rules);

    addf(&b, "# HELP modgate_http_connections_open Client connections open now.\n"
             "# TYPE modgate_http_connections_open gauge\n"
             "modgate_http_connections_open %lld\n", (long long)conns_open);
    counter(&b, "modgate_http_connections_accepted_total",
            "Client connections accepted.", accepted);
    counter(&b, "modgate_http_accept_errors_total",
            "Failed accepts (e.g. out of file descriptors).", accept_errors);
    counter(&b, "modgate_http_connections_refused_total",
            "Connections closed at accept: limits.max_connections were open.", refused);

    addf(&b, "# HELP modgate_redis_up 1 while Redis answers, else 0.\n"
             "# TYPE modgate_redis_up gauge\nmodgate_redis_up %d\n", redis.up);
    counter(&b, "modgate_redis_connects_total", "Connections made to Redis.",
            redis.connects);
    counter(&b, "modgate_redis_reconnects_total",
            "Connections made to Redis after one was lost.", redis.reconnects);
    counter(&b, "modgate_redis_errors_total",
            "Redis commands that failed.", redis.errors);
    counter(&b, "modgate_redis_timeouts_total",
            "Redis commands that passed their deadline.", redis.timeouts);
    counter(&b, "modgate_redis_script_loads_total",
            "Lua scripts loaded into Redis (at connect and after NOSCRIPT).",
            redis.script_loads);
    counter(&b, "modgate_redis_noscript_total",
            "NOSCRIPT replies (Redis lost its script cache).", redis.noscript);
    if (queue->queue_known) {
        addf(&b, "# HELP modgate_queue_depth Comments waiting for a moderator "
                 "(all instances; read from Redis every second).\n"
                 "# TYPE modgate_queue_depth gauge\nmodgate_queue_depth %llu\n",
             (unsigned long long)queue->queue_depth);
        addf(&b, "# HELP modgate_queue_oldest_age_seconds Age of the oldest "
                 "comment waiting for a moderator; 0 when none waits.\n"
                 "# TYPE modgate_queue_oldest_age_seconds gauge\n"
                 "modgate_queue_oldest_age_seconds %.3f\n",
             queue->queue_oldest_age_ms < 0 ? 0.0
                                            : (double)queue->queue_oldest_age_ms / 1000.0);
    }
    return mg_buf_take(&b, len);
}
