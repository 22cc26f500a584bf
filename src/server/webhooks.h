/* webhooks.h: delivering the events of PREFIXevents to the configured
 * webhooks (docs/api.md "Webhooks", docs/architecture.md "Webhooks"): one
 * delivery loop per webhook, reading its consumer group through the store
 * (store_webhooks.c), POSTing signed batches through webhook_http.h,
 * acknowledging on a 2xx and retrying the same batch with backoff
 * otherwise, up to events.webhook_max_age_s. */
#ifndef MODGATE_SERVER_WEBHOOKS_H
#define MODGATE_SERVER_WEBHOOKS_H

#include <stdbool.h>
#include <stddef.h>

#include "modgate/buf.h"

#include <stddef.h>
#include <stdint.h>

struct mg_server;
struct mg_webhooks;

/* Starts a loop per webhook of srv->cfg (none: returns NULL). srv's store
 * and loop must outlive it until mg_webhooks_close's end. */
struct mg_webhooks *mg_webhooks_start(struct mg_server *srv);

/* Stops: deliveries in flight are abandoned (they stay pending in Redis,
 * retried or claimed later), and the liveness key is deleted so that other
 * instances claim them at once. handed_over(data) runs once Redis has
 * answered that (or could not: bounded by redis.timeout_ms), possibly
 * before this returns; the store must stay open until then. Frees w once
 * its handles and store calls have ended. Accepts NULL (handed_over at
 * once). */
void mg_webhooks_close(struct mg_webhooks *w, void (*handed_over)(void *data), void *data);

/* Whether every webhook's consumer group exists, so that every event
 * written from now on will be delivered: the groups are made at the
 * stream's end by each loop's first take, and an instance is not ready
 * (/readyz, systemd's READY=1) before, or a site's first comments, sent as
 * soon as it is, would go unseen. Accepts NULL (true: none configured). */
bool mg_webhooks_ready(const struct mg_webhooks *w);

/* One webhook's counters, copied out so that the workers' can be summed
 * (workers.h): they live in shared memory, hence a plain struct. */
#define MG_WEBHOOK_BUCKETS 10
struct mg_webhook_counts {
    char gid[17];
    uint64_t delivered, retried, failed, events;
    uint64_t hist[MG_WEBHOOK_BUCKETS + 1];
    double hist_sum;
};
/* w's counters into out[0..MG_WEBHOOKS_MAX); how many. Accepts NULL (0). */
size_t mg_webhooks_counts(const struct mg_webhooks *w, struct mg_webhook_counts *out);
/* Adds c[0..n) to w's counters of the webhooks with the same gid (a worker
 * that replaces one that died goes on from what it published). Accepts
 * NULL (nothing to add to). */
void mg_webhooks_add_counts(struct mg_webhooks *w, const struct mg_webhook_counts *c, size_t n);
/* The sums of sets[0..nsets) (each n[i] webhooks, matched by gid) in
 * Prometheus text, appended to out; nothing when there is no webhook. */
void mg_webhooks_metrics(const struct mg_webhook_counts *const *sets, const size_t *n,
                         size_t nsets, struct mg_buf *out);

/* The consumer group's id of url: the first 16 hex of its SHA-256. */
void mg_webhook_gid(const char *url, char out[17]);

/* url for people: the user and password, and the query, replaced by
 * "REDACTED" (they may hold secrets). */
void mg_webhook_redact(const char *url, char *out, size_t size);

#endif
