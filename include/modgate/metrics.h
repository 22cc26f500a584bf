/* metrics.h: the server's counters and histograms, rendered in the
 * Prometheus text format. No I/O; the caller passes in what other modules
 * know (Redis state, the rules in force). A struct mg_metrics has a fixed
 * size and holds no pointer but to static strings, so that it can live in
 * memory shared by several worker processes (workers.h): one process
 * counts into it, any may read it, and /metrics sums them. */
#ifndef MODGATE_METRICS_H
#define MODGATE_METRICS_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

struct mg_metrics;

/* What the store reports, copied in at render time. */
struct mg_metrics_redis {
    int up;
    uint64_t connects, reconnects, errors, timeouts, script_loads, noscript;
    /* the moderation queue, shared by every instance; rendered once known */
    bool queue_known;
    uint64_t queue_depth;
    int64_t queue_oldest_age_ms; /* -1 when the queue is empty */
};

struct mg_metrics *mg_metrics_new(void);
void mg_metrics_free(struct mg_metrics *m);
/* For a struct in memory the caller owns (shared, with workers): its size,
 * and an empty one made at mem (suitably aligned, mg_metrics_size bytes). */
size_t mg_metrics_size(void);
struct mg_metrics *mg_metrics_init(void *mem);
/* m's writer died and a new one takes it over (a replacement worker): the
 * counters carry on, as Prometheus counters should; what described the
 * dead process (connections open, its Redis link, a write it left half
 * done) is reset. Only while no process writes m. */
void mg_metrics_adopt(struct mg_metrics *m);
/* Readers of what one process writes under a sequence count retry this
 * often at most, then take nothing from it: a writer killed mid-write must
 * not hang /metrics. */
#define MG_SEQ_TRIES 100000

/* route is the route's pattern, or "unmatched" for 404s and failures that
 * happen before routing. */
void mg_metrics_observe_request(struct mg_metrics *m, const char *route,
                                const char *method, int status, double seconds);
/* One more submission with this outcome: "published", "pending",
 * "rejected", "invalid" (400), "too_short", "too_long", "invalid_parent",
 * "replayed", "idempotency_conflict", "unavailable", "banned",
 * "rate_limited", "comments_closed". outcome must be a
 * static string. */
void mg_metrics_submission(struct mg_metrics *m, const char *outcome);
/* A submission refused by a rate limit of this dimension ("author", ...). */
void mg_metrics_rate_limited(struct mg_metrics *m, const char *dimension);
/* A submission refused by a ban of this kind ("author_id", "ip", "subnet"). */
void mg_metrics_ban_hit(struct mg_metrics *m, const char *kind);
void mg_metrics_conn_opened(struct mg_metrics *m);
void mg_metrics_conn_closed(struct mg_metrics *m);
void mg_metrics_accept_error(struct mg_metrics *m);
/* A connection closed at accept: limits.max_connections were open. */
void mg_metrics_conn_refused(struct mg_metrics *m);

struct mg_rules;
/* What the other workers read of this one, besides its counters: the
 * state of its Redis link, and the hits of its rules (rules: the set in
 * force, or NULL). Called before rendering, and by a worker now and then. */
void mg_metrics_publish_redis(struct mg_metrics *m, const struct mg_metrics_redis *redis);
void mg_metrics_publish_rules(struct mg_metrics *m, const struct mg_rules *rules);

/* What m's last writer published, for a worker that replaces one that died
 * to go on from (its own counts start at 0, and publishing them as they
 * are would take the dead one's back off every sum): the Redis link's
 * counters into *redis (up and the queue are not counters: left alone),
 * and the hits of the rule id, whose index was likely guess (0 when the
 * set published had no such rule). */
void mg_metrics_published_redis(const struct mg_metrics *m, struct mg_metrics_redis *redis);
uint64_t mg_metrics_published_hits(const struct mg_metrics *m, const char *id, size_t guess);

/* The whole exposition, the sums over ms[0..n) (one per worker, each
 * published): counters and histograms added, connections open added,
 * Redis up only when every worker's link is. queue: the moderation queue
 * as this worker last read it (its other members are not used). rules:
 * the set in force, whose version and rules are listed, each rule's hits
 * summed by its id. Caller owns the result (mg_free). */
char *mg_metrics_render(const struct mg_metrics *const *ms, size_t n,
                        const struct mg_metrics_redis *queue,
                        const struct mg_rules *rules, size_t *len);

#endif
