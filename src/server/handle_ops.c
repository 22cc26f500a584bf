/* handle_ops.c: the operations endpoints: /healthz, /readyz, /metrics. */
#include "modgate/alloc.h"
#include "modgate/metrics.h"
#include "modgate/problem.h"
#include "modgate/store.h"
#include "server.h"

void mg_handle_healthz(struct mg_exchange *x)
{
    mg_respond_json(x, 200, json_pack("{s:s}", "status", "ok"));
}

/* Ready means this instance can do its job: Redis answers. (Rules join the
 * check when the rules engine arrives.) */
void mg_handle_readyz(struct mg_exchange *x)
{
    bool redis_up = mg_store_ready(x->srv->store);
    if (redis_up) {
        mg_respond_json(x, 200, json_pack("{s:s, s:{s:s}}", "status", "ready",
                                          "checks", "redis", "up"));
        return;
    }
    json_t *p = mg_problem_new(503, "unavailable", "Redis is not answering.");
    json_object_set_new(p, "checks", json_pack("{s:s}", "redis", "down"));
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
    };
    size_t len = 0;
    char *text = mg_metrics_render(x->srv->metrics, &redis, &len);
    mg_respond(x, 200, "text/plain; version=0.0.4; charset=utf-8", text, len,
               NULL, 0);
    mg_free(text);
}
