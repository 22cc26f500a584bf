/* worker.c: a worker's side of workers.h, on its loop: SIGUSR2 (another
 * worker took a POST /v1/rules/reload, so this one loads the rules too),
 * the timer that publishes what the other workers' /metrics read, and
 * the POSTs this worker took, waiting for every other worker's load
 * before they are answered: once answered, whichever worker judges the
 * next comment judges it by the new set. */
#include <signal.h>

#include "modgate/alloc.h"
#include "modgate/log.h"
#include "modgate/metrics.h"
#include "modgate/rules.h"
#include "server.h"
#include "webhooks.h"
#include "workers.h"

/* How often the Redis link's figures and the worker's readiness are
 * published when nothing waits: a worker's /metrics shows another's Redis
 * counters, and its /readyz another's readiness, at most this old (its
 * requests and rule hits are published as they come). */
#define PUBLISH_MS 100
/* How often a waiting reload looks at the others' progress. */
#define WAIT_POLL_MS 2
/* A worker that has not loaded after this (stuck, or its load is slow):
 * the POST is answered anyway, with this worker's outcome, and logged. */
#define WAIT_MAX_MS 10000

struct mg_rules_wait {
    struct mg_rules_wait *next;
    uint64_t gen;
    uint64_t since_ms;
    struct mg_exchange **xs;
    size_t n;
    void (*answer)(struct mg_exchange *x);
};

static void answer_wait(struct mg_rules_wait *w)
{
    for (size_t i = 0; i < w->n; i++)
        w->answer(w->xs[i]);
    mg_free(w->xs);
    mg_free(w);
}

/* Answers the waits whose generation every other worker has reached (all
 * of them when force); true when some are left. */
static bool answer_ready(struct mg_server *srv, bool force)
{
    struct mg_rules_wait **at = &srv->reloads.rules_waits;
    uint64_t now = uv_now(srv->loop);
    while (*at) {
        struct mg_rules_wait *w = *at;
        bool late = now - w->since_ms >= WAIT_MAX_MS;
        if (!force && !late && !mg_workers_rules_caught_up(srv->workers, w->gen)) {
            at = &w->next;
            continue;
        }
        if (late && !force)
            MG_LOG(MG_LOG_WARN, "rules", "reload_workers_late", "{s:I, s:s}", "waited_ms",
                   (json_int_t)(now - w->since_ms), "note",
                   "answered before every worker loaded the rules: some may still "
                   "judge by the previous set");
        *at = w->next;
        answer_wait(w);
    }
    return srv->reloads.rules_waits != NULL;
}

void mg__worker_publish_ready(struct mg_server *srv)
{
    if (srv->workers)
        mg_workers_ready(srv->workers, !srv->draining && mg__server_ready(srv));
}

static void on_tick(uv_timer_t *t)
{
    struct mg_server *srv = t->data;
    mg__metrics_publish(srv);
    mg__worker_publish_ready(srv);
    if (!answer_ready(srv, false))
        uv_timer_set_repeat(t, PUBLISH_MS);
}

void mg__worker_rules_loaded(struct mg_server *srv, uint64_t gen, struct mg_exchange **xs,
                             size_t n, void (*answer)(struct mg_exchange *x))
{
    if (srv->workers)
        mg_workers_rules_loaded(srv->workers, gen);
    if (!srv->workers || n == 0 || srv->draining ||
        mg_workers_rules_caught_up(srv->workers, gen)) {
        for (size_t i = 0; i < n; i++)
            answer(xs[i]);
        mg_free(xs);
        return;
    }
    struct mg_rules_wait *w = mg_calloc(1, sizeof *w);
    *w = (struct mg_rules_wait){srv->reloads.rules_waits, gen, uv_now(srv->loop), xs, n,
                                answer};
    srv->reloads.rules_waits = w;
    uv_timer_start(&srv->worker_timer, on_tick, WAIT_POLL_MS, WAIT_POLL_MS);
}

static void on_usr2(uv_signal_t *h, int signum)
{
    (void)signum;
    struct mg_server *srv = h->data;
    mg__reload_rules_asked(srv);
}

/* A replacement goes on from the counters its predecessor published, which
 * the sums over the workers hold until this worker publishes its own: the
 * Redis link's, the rules' hits (by id) and the webhooks' (by gid). Without
 * this, a worker's death would take its counts off /metrics' totals, and a
 * counter going down reads as a reset to Prometheus. Before the first
 * publish: the slot still holds what the dead worker wrote. */
static void take_over_counters(struct mg_server *srv)
{
    mg_metrics_published_redis(srv->metrics, &srv->redis_base);
    for (size_t i = 0; srv->rules && i < mg_rules_count(srv->rules); i++)
        mg_rules_add_hits(srv->rules, i,
                          mg_metrics_published_hits(srv->metrics, mg_rules_id(srv->rules, i), i));
    struct mg_webhook_counts hooks[MG_WEBHOOKS_MAX];
    size_t n = mg_workers_own_webhooks(srv->workers, hooks);
    mg_webhooks_add_counts(srv->webhooks, hooks, n);
}

void mg__worker_start(struct mg_server *srv)
{
    if (!srv->workers)
        return;
    if (mg_workers_is_replacement(srv->workers))
        take_over_counters(srv);
    mg_workers_serving(srv->workers, true);
    uv_signal_init(srv->loop, &srv->sig_usr2);
    srv->sig_usr2.data = srv;
    uv_signal_start(&srv->sig_usr2, on_usr2, SIGUSR2);
    uv_timer_init(srv->loop, &srv->worker_timer);
    srv->worker_timer.data = srv;
    uv_unref((uv_handle_t *)&srv->worker_timer); /* never keeps the loop alive */
    uv_timer_start(&srv->worker_timer, on_tick, PUBLISH_MS, PUBLISH_MS);
    mg_workers_unblock_signals(srv->workers); /* its handlers are all in place */
    if (mg_workers_is_replacement(srv->workers))
        mg__reload_full(srv); /* the others may have reloaded since the start */
}

static void on_closed(uv_handle_t *h)
{
    (void)h;
}

void mg__worker_stop(struct mg_server *srv)
{
    if (!srv->workers || uv_is_closing((uv_handle_t *)&srv->worker_timer))
        return;
    mg_workers_serving(srv->workers, false);
    mg_workers_ready(srv->workers, false);
    answer_ready(srv, true); /* the set is in force here; the others drain too */
    uv_close((uv_handle_t *)&srv->sig_usr2, on_closed);
    uv_close((uv_handle_t *)&srv->worker_timer, on_closed);
}
