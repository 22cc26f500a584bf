/* metrics.h: the server's counters and histograms, rendered in the
 * Prometheus text format. No I/O; the caller passes in what other modules
 * know (open connections, Redis state). */
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

/* The whole exposition. Caller owns the result (mg_free). */
struct mg_rules;
/* rules: the set in force, whose hits per rule are shown; NULL for none. */
char *mg_metrics_render(const struct mg_metrics *m,
                        const struct mg_metrics_redis *redis,
                        const struct mg_rules *rules, size_t *len);

#endif
