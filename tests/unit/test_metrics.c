/* test_metrics.c: the exposition summed over several workers' metrics
 * (metrics.h): counters and histograms added by their labels, whatever
 * order each worker met them in; rule hits added by rule id; Redis up only
 * when every link is; connections open added. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "modgate/alloc.h"
#include "modgate/metrics.h"
#include "modgate/rules.h"

static struct mg_rules *rules_of(const char *yaml)
{
    const char *names[] = {"r.yaml"};
    const char *texts[] = {yaml};
    size_t lens[] = {strlen(yaml)};
    struct mg_rules *rules = NULL;
    struct mg_rules_errors errs = {0};
    assert_int_equal(mg_rules_load_files(1, names, texts, lens, &rules, &errs), 0);
    return rules;
}

static char *render(struct mg_metrics **ms, size_t n, const struct mg_rules *rules)
{
    const struct mg_metrics *all[4];
    for (size_t i = 0; i < n; i++)
        all[i] = ms[i];
    struct mg_metrics_redis queue = {0};
    size_t len;
    return mg_metrics_render(all, n, &queue, rules, &len);
}

/* The line that begins with prefix (a metric and its labels) has value. */
static void assert_line(const char *text, const char *prefix, const char *value)
{
    char want[512];
    snprintf(want, sizeof want, "\n%s %s\n", prefix, value);
    if (!strstr(text, want))
        fail_msg("no line \"%s %s\" in:\n%s", prefix, value, text);
}

static void test_counters_are_summed_by_label(void **state)
{
    (void)state;
    struct mg_metrics *a = mg_metrics_new(), *b = mg_metrics_new();
    mg_metrics_observe_request(a, "/v1/comments", "POST", 201, 0.002);
    mg_metrics_observe_request(a, "/healthz", "GET", 200, 0.0001);
    /* b meets them in the other order, and one a never saw */
    mg_metrics_observe_request(b, "/healthz", "GET", 200, 0.0001);
    mg_metrics_observe_request(b, "/healthz", "GET", 200, 0.0001);
    mg_metrics_observe_request(b, "/v1/comments", "POST", 201, 0.03);
    mg_metrics_observe_request(b, "/v1/comments", "POST", 422, 0.001);
    mg_metrics_submission(a, "published");
    mg_metrics_submission(b, "published");
    mg_metrics_submission(b, "rejected");
    mg_metrics_conn_opened(a);
    mg_metrics_conn_opened(b);
    mg_metrics_conn_opened(b);
    mg_metrics_conn_closed(b);
    struct mg_metrics *ms[] = {a, b};
    char *text = render(ms, 2, NULL);
    assert_line(text,
                "modgate_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"}",
                "3");
    assert_line(text,
                "modgate_http_requests_total{route=\"/v1/comments\",method=\"POST\",status=\"201\"}",
                "2");
    assert_line(text,
                "modgate_http_requests_total{route=\"/v1/comments\",method=\"POST\",status=\"422\"}",
                "1");
    assert_line(text, "modgate_http_request_duration_seconds_count{route=\"/v1/comments\"}",
                "3");
    assert_line(text, "modgate_http_request_duration_seconds_sum{route=\"/v1/comments\"}",
                "0.033000");
    /* 0.002 and 0.001 are within 2.5 ms; 0.03 is not */
    assert_line(text,
                "modgate_http_request_duration_seconds_bucket{route=\"/v1/comments\",le=\"0.0025\"}",
                "2");
    assert_line(text, "modgate_submissions_total{outcome=\"published\"}", "2");
    assert_line(text, "modgate_submissions_total{outcome=\"rejected\"}", "1");
    assert_line(text, "modgate_http_connections_open", "2");
    assert_line(text, "modgate_http_connections_accepted_total", "3");
    mg_free(text);
    /* one worker alone: its own figures */
    text = render(ms, 1, NULL);
    assert_line(text, "modgate_submissions_total{outcome=\"published\"}", "1");
    assert_null(strstr(text, "outcome=\"rejected\""));
    mg_free(text);
    mg_metrics_free(a);
    mg_metrics_free(b);
}

static void test_rule_hits_are_summed_by_id(void **state)
{
    (void)state;
    const char *one = "rules:\n"
                      "  - {id: a.first, reason: r, when: {regex: 'apple'}, score: 0.1}\n"
                      "  - {id: b.second, reason: r, when: {regex: 'pear'}, score: 0.1}\n";
    /* the other worker's set: reloaded, the same ids in another order */
    const char *two = "rules:\n"
                      "  - {id: b.second, reason: r, when: {regex: 'pear'}, score: 0.1}\n"
                      "  - {id: a.first, reason: r, when: {regex: 'apple'}, score: 0.1}\n";
    struct mg_rules *r1 = rules_of(one), *r2 = rules_of(two);
    struct mg_rules_input in = {.body = "an apple and a pear", .body_len = 19};
    struct mg_verdict v;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(mg_rules_judge(r1, &in, &v, NULL), 0);
        mg_verdict_close(&v);
    }
    in.body = "a pear";
    in.body_len = 6;
    assert_int_equal(mg_rules_judge(r2, &in, &v, NULL), 0);
    mg_verdict_close(&v);
    struct mg_metrics *a = mg_metrics_new(), *b = mg_metrics_new();
    mg_metrics_publish_rules(a, r1);
    mg_metrics_publish_rules(b, r2);
    struct mg_metrics *ms[] = {a, b};
    char *text = render(ms, 2, r1);
    assert_line(text, "modgate_rule_hits_total{rule=\"a.first\"}", "3");
    assert_line(text, "modgate_rule_hits_total{rule=\"b.second\"}", "4");
    mg_free(text);
    mg_metrics_free(a);
    mg_metrics_free(b);
    mg_rules_unref(r1);
    mg_rules_unref(r2);
}

static void test_redis_up_only_when_every_link_is(void **state)
{
    (void)state;
    struct mg_metrics *a = mg_metrics_new(), *b = mg_metrics_new();
    struct mg_metrics_redis up = {.up = 1, .connects = 2, .errors = 1};
    struct mg_metrics_redis down = {.up = 0, .connects = 3};
    mg_metrics_publish_redis(a, &up);
    mg_metrics_publish_redis(b, &down);
    struct mg_metrics *ms[] = {a, b};
    char *text = render(ms, 2, NULL);
    assert_line(text, "modgate_redis_up", "0");
    assert_line(text, "modgate_redis_connects_total", "5");
    assert_line(text, "modgate_redis_errors_total", "1");
    mg_free(text);
    mg_metrics_publish_redis(b, &up);
    text = render(ms, 2, NULL);
    assert_line(text, "modgate_redis_up", "1");
    mg_free(text);
    mg_metrics_free(a);
    mg_metrics_free(b);
}

/* A worker died and its replacement takes its struct over: the counters
 * carry on (a Prometheus counter must not go back), the gauges that
 * described the dead process are reset. */
static void test_adopt_keeps_counters_and_resets_gauges(void **state)
{
    (void)state;
    struct mg_metrics *a = mg_metrics_new();
    mg_metrics_observe_request(a, "/healthz", "GET", 200, 0.0001);
    mg_metrics_conn_opened(a);
    mg_metrics_conn_opened(a);
    struct mg_metrics_redis up = {.up = 1, .connects = 1};
    mg_metrics_publish_redis(a, &up);
    mg_metrics_adopt(a);
    mg_metrics_observe_request(a, "/healthz", "GET", 200, 0.0001);
    struct mg_metrics *ms[] = {a};
    char *text = render(ms, 1, NULL);
    assert_line(text,
                "modgate_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"}",
                "2");
    assert_line(text, "modgate_http_connections_accepted_total", "2");
    assert_line(text, "modgate_http_connections_open", "0");
    assert_line(text, "modgate_redis_up", "0");
    assert_line(text, "modgate_redis_connects_total", "1");
    mg_free(text);
    mg_metrics_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counters_are_summed_by_label),
        cmocka_unit_test(test_rule_hits_are_summed_by_id),
        cmocka_unit_test(test_redis_up_only_when_every_link_is),
        cmocka_unit_test(test_adopt_keeps_counters_and_resets_gauges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
