/* test_config_diff.c: what a reload sees changed (mg_config_diff), which
 * keys are read at start only, and the swap that applies the rest
 * (mg_config_apply_live): live values move, restart-only ones and their
 * parsed forms stay, and both sides still close without a leak (the ASan
 * build checks that). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "modgate/config.h"
#include "modgate/log.h"
#include "src/core/config_internal.h"

static void load(struct mg_config *cfg, const char *yaml)
{
    mg_config_init(cfg);
    struct mg_error err = {0};
    if (mg_config_load_string(cfg, "t.yaml", yaml, strlen(yaml), &err) != 0)
        fail_msg("load: %d:%d %s", err.line, err.column, err.message);
}

static bool listed(const char *const *names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return true;
    return false;
}

static void test_every_key_fits(void **state)
{
    (void)state;
    assert_true(mg__config_nrows <= MG_CONFIG_MAX_KEYS);
}

static void test_same_config_no_change(void **state)
{
    (void)state;
    static const char yaml[] = "tokens: /srv/tokens\n"
                               "rate_limits:\n"
                               "  author: [{count: 2, period_s: 60}]\n"
                               "  trusted_authors: [a, b]\n";
    struct mg_config a, b;
    load(&a, yaml);
    load(&b, yaml);
    struct mg_config_diff d;
    mg_config_diff(&a, &b, &d);
    assert_int_equal(d.nlive, 0);
    assert_int_equal(d.nrestart, 0);
    mg_config_close(&a);
    mg_config_close(&b);
}

static void test_split_live_and_restart(void **state)
{
    (void)state;
    struct mg_config a, b;
    load(&a, "listen: 127.0.0.1:8000\n"
             "redis: {url: 'redis://127.0.0.1:6379/0', timeout_ms: 100}\n"
             "tokens: /srv/tokens\n"
             "log: {level: info}\n"
             "limits: {body_bytes: 1000}\n"
             "rate_limits: {author: [{count: 2, period_s: 60}]}\n");
    load(&b, "listen: 127.0.0.1:9000\n"
             "redis: {url: 'redis://127.0.0.1:6380/0', timeout_ms: 100}\n"
             "tokens: /srv/other-tokens\n"
             "log: {level: error}\n"
             "limits: {body_bytes: 2000}\n"
             "rate_limits: {author: [{count: 5, period_s: 60}]}\n");
    struct mg_config_diff d;
    mg_config_diff(&a, &b, &d);
    assert_int_equal(d.nrestart, 2);
    assert_string_equal(d.restart[0], "listen"); /* table order */
    assert_string_equal(d.restart[1], "redis.url");
    assert_int_equal(d.nlive, 4);
    assert_true(listed(d.live, d.nlive, "tokens"));
    assert_true(listed(d.live, d.nlive, "log.level"));
    assert_true(listed(d.live, d.nlive, "limits.body_bytes"));
    assert_true(listed(d.live, d.nlive, "rate_limits"));
    assert_false(listed(d.live, d.nlive, "redis.timeout_ms"));

    mg_config_apply_live(&a, &b);
    /* the live keys took the new values... */
    assert_string_equal(a.tokens_file, "/srv/other-tokens");
    assert_int_equal(a.log_level, MG_LOG_ERROR);
    assert_int_equal(a.body_max_bytes, 2000);
    assert_int_equal(a.rate_limits.limits[MG_RL_AUTHOR][0].count, 5);
    /* ...and fresh holds the old ones, to be freed with it */
    assert_string_equal(b.tokens_file, "/srv/tokens");
    assert_int_equal(b.rate_limits.limits[MG_RL_AUTHOR][0].count, 2);
    /* the restart-only keys and what was parsed from them did not move */
    assert_string_equal(a.listen, "127.0.0.1:8000");
    assert_int_equal(a.listen_port, 8000);
    assert_int_equal(a.redis.port, 6379);
    mg_config_diff(&a, &b, &d);
    assert_int_equal(d.nrestart, 2);
    mg_config_close(&a);
    mg_config_close(&b);
}

/* A key set in one and absent (NULL) in the other counts as changed, and
 * so does every part of rate_limits. */
static void test_unset_and_rate_limit_parts(void **state)
{
    (void)state;
    static const char *const variants[] = {
        "rate_limits: {author: [{count: 2, period_s: 60}]}\n",
        "rate_limits: {author: [{count: 2, period_s: 61}]}\n",
        "rate_limits: {author: [{count: 2, period_s: 60}, "
        "{count: 9, period_s: 600}]}\n",
        "rate_limits: {author: [{count: 2, period_s: 60}], "
        "trusted_authors: [x]}\n",
        "rate_limits: {author: [{count: 2, period_s: 60}], "
        "trusted_authors: [y]}\n",
        "rate_limits: {author: [{count: 2, period_s: 60}], "
        "subnet_prefix_v4: 16}\n",
        "rate_limits: {author: [{count: 2, period_s: 60}], "
        "subnet_prefix_v6: 48}\n",
        "rate_limits: {author: [], ip: [{count: 2, period_s: 60}]}\n",
    };
    size_t n = sizeof variants / sizeof variants[0];
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++) {
            struct mg_config a, b;
            load(&a, variants[i]);
            load(&b, variants[j]);
            struct mg_config_diff d;
            mg_config_diff(&a, &b, &d);
            if (d.nlive != (i == j ? 0u : 1u))
                fail_msg("variants %zu and %zu: %zu changed", i, j, d.nlive);
            mg_config_close(&a);
            mg_config_close(&b);
        }
    }
    struct mg_config a, b;
    load(&a, "rules: /srv/rules\n");
    load(&b, "");
    struct mg_config_diff d;
    mg_config_diff(&a, &b, &d);
    assert_int_equal(d.nlive, 1);
    assert_string_equal(d.live[0], "rules");
    mg_config_apply_live(&a, &b);
    assert_null(a.rules_dir);
    assert_string_equal(b.rules_dir, "/srv/rules");
    mg_config_close(&a);
    mg_config_close(&b);
}

static void test_restart_only_keys(void **state)
{
    (void)state;
    static const char *const restart[] = {
        "listen", "redis.url", "redis.prefix", "redis.timeout_ms",
        "redis.connect_timeout_ms", "redis.reconnect_max_ms",
        "redis.min_replicas_ack", "redis.replica_ack_timeout_ms", "key", "webhooks"};
    static const char *const live[] = {
        "rules", "retired_keys", "tokens", "limits.header_bytes",
        "limits.body_bytes", "limits.request_timeout_ms", "log.level",
        "rate_limits", "comments.max_chars", "moderation.decision_guard_ms",
        "events.webhook_max_age_s", "events.webhook_claim_after_ms"};
    for (size_t i = 0; i < sizeof restart / sizeof restart[0]; i++)
        assert_true(mg_config_key_restart_only(restart[i]));
    for (size_t i = 0; i < sizeof live / sizeof live[0]; i++)
        assert_false(mg_config_key_restart_only(live[i]));
    assert_false(mg_config_key_restart_only("no.such.key"));
}

/* The webhooks list is compared item by item (url, events, timeout),
 * and a change is a restart item; the same list is no change. */
static void test_webhooks_are_restart_only(void **state)
{
    (void)state;
    static const char base[] = "webhooks:\n  - {url: 'http://h/a', events: [held]}\n";
    static const char *const changed[] = {
        "webhooks:\n  - {url: 'http://h/b', events: [held]}\n",
        "webhooks:\n  - {url: 'http://h/a', events: [held, published]}\n",
        "webhooks:\n  - {url: 'http://h/a', events: [held], timeout_ms: 900}\n",
        "webhooks: []\n",
    };
    struct mg_config a, b;
    struct mg_config_diff d;
    load(&a, base);
    load(&b, base);
    assert_int_equal(a.webhooks.n, 1);
    assert_int_equal(a.webhooks.items[0].timeout_ms, 5000);
    assert_int_equal(a.webhooks.items[0].events_mask, 1u << 1); /* held */
    mg_config_diff(&a, &b, &d);
    assert_int_equal(d.nrestart + d.nlive, 0);
    mg_config_close(&b);
    for (size_t i = 0; i < sizeof changed / sizeof changed[0]; i++) {
        load(&b, changed[i]);
        mg_config_diff(&a, &b, &d);
        assert_int_equal(d.nlive, 0);
        assert_int_equal(d.nrestart, 1);
        assert_string_equal(d.restart[0], "webhooks");
        mg_config_close(&b);
    }
    mg_config_close(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_key_fits),
        cmocka_unit_test(test_same_config_no_change),
        cmocka_unit_test(test_split_live_and_restart),
        cmocka_unit_test(test_unset_and_rate_limit_parts),
        cmocka_unit_test(test_restart_only_keys),
        cmocka_unit_test(test_webhooks_are_restart_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
