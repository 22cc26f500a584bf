/* handle_ops.c: the operations endpoints: /healthz, /readyz, /metrics. */
#include "modgate/alloc.h"
#include "modgate/metrics.h"
#include "modgate/problem.h"
#include "modgate/store.h"
#include "server.h"
#include "webhooks.h"
#include "workers.h"

void mg_handle_healthz(struct mg_exchange *x)
{
    mg_respond_json(x, 200, json_pack("{s:s}", "status", "ok"));
}

/* Ready means this instance can do its job: Redis answers and the rules are
 * loaded. (A server whose rules do not load does not start, and a reload
 * that fails keeps the old set, so "loaded" holds whenever it runs; the
 * check says so for the load balancer's and the operator's sake.) */
bool mg__server_ready(const struct mg_server *srv)
{
    return mg_store_ready(srv->store) && (srv->rules || !srv->cfg->rules_dir) &&
           mg_webhooks_ready(srv->webhooks);
}

/* With workers, ready means every worker is: the load balancer's check
 * reaches one of them, and the next request may reach any. */
void mg_handle_readyz(struct mg_exchange *x)
{
    bool redis_up = mg_store_ready(x->srv->store);
    bool rules_loaded = x->srv->rules || !x->srv->cfg->rules_dir;
    bool hooks_ready = mg_webhooks_ready(x->srv->webhooks);
    bool workers_ready = !x->srv->workers || mg_workers_others_ready(x->srv->workers);
    json_t *checks = json_pack("{s:s, s:s}", "redis", redis_up ? "up" : "down", "rules",
                               rules_loaded ? "loaded" : "missing");
    if (x->srv->cfg->webhooks.n > 0) /* their consumer groups made */
        json_object_set_new(checks, "webhooks",
                            json_string(hooks_ready ? "ready" : "starting"));
    if (x->srv->workers)
        json_object_set_new(checks, "workers",
                            json_string(workers_ready ? "ready" : "starting"));
    if (redis_up && rules_loaded && hooks_ready && workers_ready) {
        mg_respond_json(x, 200, json_pack("{s:s, s:o}", "status", "ready", "checks", checks));
        return;
    }
    json_t *p = mg_problem_new(503, "unavailable",
                               !redis_up       ? "Redis is not answering."
                               : !rules_loaded ? "The rules are not loaded."
                               : !hooks_ready  ? "The webhooks' consumer groups are not "
                                                 "made yet."
                                               : "Another worker process is not ready yet.");
    json_object_set_new(p, "checks", checks);
    struct mg_http_header retry = {"Retry-After", "1"};
    mg_respond_problem(x, p, &retry, 1);
}

/* This worker's Redis link and rule hits, where the others read them. */
void mg__metrics_publish(struct mg_server *srv)
{
    struct mg_store_stats st;
    mg_store_get_stats(srv->store, &st);
    const struct mg_metrics_redis *base = &srv->redis_base;
    struct mg_metrics_redis redis = {
        .up = st.ready,
        .connects = base->connects + st.connects,
        .reconnects = base->reconnects + st.reconnects,
        .errors = base->errors + st.errors,
        .timeouts = base->timeouts + st.timeouts,
        .script_loads = base->script_loads + st.script_loads,
        .noscript = base->noscript + st.noscript,
    };
    mg_metrics_publish_redis(srv->metrics, &redis);
    mg_metrics_publish_rules(srv->metrics, srv->rules);
    if (srv->workers) {
        struct mg_webhook_counts hooks[MG_WEBHOOKS_MAX];
        size_t n = mg_webhooks_counts(srv->webhooks, hooks);
        mg_workers_publish_webhooks(srv->workers, hooks, n);
    }
}

/* The webhooks' figures, summed over the workers. */
static void webhooks_metrics(struct mg_server *srv, struct mg_buf *out)
{
    static struct mg_webhook_counts sets[MG_WORKERS_MAX][MG_WEBHOOKS_MAX];
    const struct mg_webhook_counts *ptrs[MG_WORKERS_MAX];
    size_t n[MG_WORKERS_MAX], k = 1;
    if (srv->workers)
        k = mg_workers_all_webhooks(srv->workers, sets, n);
    else
        n[0] = mg_webhooks_counts(srv->webhooks, sets[0]);
    for (size_t i = 0; i < k; i++)
        ptrs[i] = sets[i];
    mg_webhooks_metrics(ptrs, n, k, out);
}

/* The sums over every worker (workers.h), or this server's own. */
void mg_handle_metrics(struct mg_exchange *x)
{
    struct mg_server *srv = x->srv;
    mg__metrics_publish(srv);
    struct mg_store_stats st;
    mg_store_get_stats(srv->store, &st);
    struct mg_metrics_redis queue = {
        .queue_known = st.queue_known,
        .queue_depth = st.queue_depth,
        .queue_oldest_age_ms = st.queue_oldest_age_ms,
    };
    const struct mg_metrics *all[MG_WORKERS_MAX];
    size_t n = 1;
    all[0] = srv->metrics;
    if (srv->workers)
        n = mg_workers_all_metrics(srv->workers, all);
    size_t len = 0;
    char *text = mg_metrics_render(all, n, &queue, srv->rules, &len);
    struct mg_buf out;
    mg_buf_init(&out, 64u << 20);
    mg_buf_add(&out, text, len);
    mg_free(text);
    webhooks_metrics(srv, &out);
    mg_respond(x, 200, "text/plain; version=0.0.4; charset=utf-8", out.data, out.len,
               NULL, 0);
    mg_buf_close(&out);
}
