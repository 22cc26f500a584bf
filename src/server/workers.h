/* workers.h: several processes serving one port (the `workers` setting).
 *
 * With workers: N > 1, modgate's first process becomes the supervisor: it
 * opens N listening sockets on the configured address (SO_REUSEPORT, so
 * that the kernel spreads new connections over them), maps a block of
 * shared memory with one slot per worker, and forks N workers. Each
 * worker is the whole single-process server (its own loop, Redis link,
 * rules, webhooks), serving the socket of its slot; to Redis and to the
 * other instances it is one more instance. The supervisor serves nothing:
 * it forwards SIGTERM, SIGINT and SIGHUP to the workers, starts a worker
 * again when one dies, relays the workers' systemd notifications as one
 * service's (workers_notify.c), and exits when they have all stopped.
 *
 * What the workers share goes through their slots: each worker writes
 * only its own (its metrics, its readiness, the rules reloads it has
 * done); any worker reads them all, to answer /metrics with the sums and
 * to answer POST /v1/rules/reload once every worker has loaded the rules.
 * With workers: 1 there is no supervisor and no shared memory: the
 * process serves as it always did (srv->workers is NULL). */
#ifndef MODGATE_WORKERS_H
#define MODGATE_WORKERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "modgate/config.h" /* MG_WEBHOOKS_MAX */
#include "webhooks.h"        /* struct mg_webhook_counts */

struct mg_metrics;
struct mg_workers;

/* The most workers: far more than any machine modgate runs on needs, and
 * a bound on the shared block (a slot is about 100 KiB). */
#define MG_WORKERS_MAX 256

/* The number of workers the setting asks for: n, or with 0 the CPUs this
 * process may run on (sched_getaffinity), at least 1. */
int mg_workers_count(int setting);

/* Opens the listening sockets and the shared block for n workers (n > 1).
 * On failure logs why (listen_failed, as a single server would) and
 * returns NULL. */
struct mg_workers *mg_workers_new(const struct mg_config *cfg, int n);

/* Starts the workers and supervises them. Returns twice over, as fork
 * does: in the supervisor, once every worker has stopped, true with the
 * exit status in *code; in a worker, false at once, with *slot its slot and
 * *listen_fd its listening socket (the others' are closed), to serve as a
 * single server would. */
bool mg_workers_supervise(struct mg_workers *w, int *code, int *slot, int *listen_fd);

/* Unmaps and frees (in a worker: its view of the shared block). */
void mg_workers_free(struct mg_workers *w);

/* ---- for a worker: its slot and the others' ---- */

/* The worker's own metrics, in its slot: the server counts into them. */
struct mg_metrics *mg_workers_metrics(struct mg_workers *w);
/* This worker serves (from its server's start) or no longer (its drain):
 * the supervisor's start waits for every first worker to serve, and a
 * reload does not wait for a worker that drains. */
void mg_workers_serving(struct mg_workers *w, bool serving);
/* This worker is ready (mg__server_ready), published now and then
 * (worker.c); true when every other live worker last said it was. */
void mg_workers_ready(struct mg_workers *w, bool ready);
bool mg_workers_others_ready(struct mg_workers *w);
/* Every worker's metrics, a dead one's too (its counters carry on into
 * its replacement's; mg_metrics_adopt), for /metrics to sum;
 * returns how many were put in out (at most MG_WORKERS_MAX). */
size_t mg_workers_all_metrics(struct mg_workers *w, const struct mg_metrics **out);
/* The webhooks' counters (webhooks.h): this worker's published (n of
 * them, at most MG_WEBHOOKS_MAX), and every worker's read into
 * out[k][..] with their counts in n[k]; returns how many workers. */
void mg_workers_publish_webhooks(struct mg_workers *w, const struct mg_webhook_counts *c,
                                 size_t n);
/* What this worker's slot holds: its predecessor's, for a replacement
 * before it publishes its own; how many. */
size_t mg_workers_own_webhooks(struct mg_workers *w, struct mg_webhook_counts *out);
size_t mg_workers_all_webhooks(struct mg_workers *w, struct mg_webhook_counts (*out)[MG_WEBHOOKS_MAX],
                               size_t *n);
/* In a worker whose server now handles its signals (SIGTERM, SIGINT,
 * SIGHUP, SIGUSR2): they are unblocked, and those that came while it
 * started are delivered. Until then they wait. */
void mg_workers_unblock_signals(struct mg_workers *w);
/* True when this worker began life as a replacement for one that died: it
 * then reloads the configuration at once, since the supervisor's copy may
 * be older than what the other workers have reloaded since. */
bool mg_workers_is_replacement(const struct mg_workers *w);

/* POST /v1/rules/reload, in the worker that took it: asks every other
 * worker to load the rules again (SIGUSR2) and returns the generation
 * that the answer must wait for. */
uint64_t mg_workers_rules_asked(struct mg_workers *w);
/* The generation a rules load beginning now serves (read at its start). */
uint64_t mg_workers_rules_generation(struct mg_workers *w);
/* This worker has finished a rules load begun at generation gen. */
void mg_workers_rules_loaded(struct mg_workers *w, uint64_t gen);
/* True once every other live worker has finished a rules load of
 * generation gen or later. */
bool mg_workers_rules_caught_up(struct mg_workers *w, uint64_t gen);

#endif
