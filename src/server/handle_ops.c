/* handle_ops.c: the operations endpoints: /healthz, /readyz, /metrics. */
#include "modgate/alloc.h"
#include "modgate/metrics.h"
#include "modgate/problem.h"
#include "modgate/store.h"
#include "server.h"
#include "webhooks.h"

void mg_handle_healthz(struct mg_exchange *x)
{
    mg_respond_json(x, 200, json_pack("{s:s}", "status", "ok"));
}

/* Ready means this instance can do its job: Redis answers and the rules are
 * loaded. (A server whose rules do not load does not start, and a reload
 * that fails keeps the old set, so "loaded" holds whenever it runs; the
 * check says so for the load balancer's and the operator's sake.) */
void mg_handle_readyz(struct mg_exchange *x)
{
    bool redis_up = mg_store_ready(x->srv->store);
    bool rules_loaded = x->srv->rules || !x->srv->cfg->rules_dir;
    bool hooks_ready = mg_webhooks_ready(x->srv->webhooks);
    json_t *checks = json_pack("{s:s, s:s}", "redis", redis_up ? "up" : "down", "rules",
                               rules_loaded ? "loaded" : "missing");
    if (x->srv->cfg->webhooks.n > 0) /* their consumer groups made */
        json_object_set_new(checks, "webhooks",
                            json_string(hooks_ready ? "ready" : "starting"));
    if (redis_up && rules_loaded && hooks_ready) {
        mg_respond_json(x, 200, json_pack("{s:s, s:o}", "status", "ready", "checks", checks));
        return;
    }
    json_t *p = mg_problem_new(503, "unavailable",
                               !redis_up       ? "Redis is not answering."
                               : !rules_loaded ? "The rules are not loaded."
                                               : "The webhooks' consumer groups are not "
                                                 "made yet.");
    json_object_set_new(p, "checks", checks);
    struct mg_http_header retry = {"Retry-After", "1"};
    mg_respond_problem(x, p, &retry, 1);
}

void mg_handle_metrics(struct mg_exchange *x)
{
    struct mg_store_stats st;
    mg_store_get_stats(x->srv->store, &st);
    struct mg_metrics_redis redis = {
        .up = st.ready,
        .connects = st.connects,
        .reconnects = st.reconnects,
        .errors = st.errors,
        .timeouts = st.timeouts,
        .script_loads = st.script_loads,
        .noscript = st.noscript,
        .queue_known = st.queue_known,
        .queue_depth = st.queue_depth,
        .queue_oldest_age_ms = st.queue_oldest_age_ms,
    };
    size_t len = 0;
    char *text = mg_metrics_render(x->srv->metrics, &redis, x->srv->rules, &len);
    struct mg_buf out;
    mg_buf_init(&out, 64u << 20);
    mg_buf_add(&out, text, len);
    mg_free(text);
    mg_webhooks_metrics(x->srv->webhooks, &out);
    mg_respond(x, 200, "text/plain; version=0.0.4; charset=utf-8", out.data, out.len,
               NULL, 0);
    mg_buf_close(&out);
}
