/* test_sentinel_url.c: redis+sentinel:// URLs (config_parse.c), the
 * redis.sentinel_password key and its variable (config.c), and the
 * description of a URL that logs and status lines use. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include "modgate/config.h"

static void test_good(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *name;
        size_t n;
        const char *hosts[3];
        int ports[3];
        int db;
        const char *user, *password;
    } cases[] = {
        {"redis+sentinel://127.0.0.1:26379/mymaster", "mymaster", 1,
         {"127.0.0.1"}, {26379}, 0, NULL, NULL},
        {"redis+sentinel://a:1,b:2,c:3/m/4", "m", 3, {"a", "b", "c"}, {1, 2, 3}, 4,
         NULL, NULL},
        /* a sentinel without a port is on 26379 */
        {"REDIS+SENTINEL://s1,[::1]:5000/prod-1.main_x/", "prod-1.main_x", 2,
         {"s1", "::1"}, {26379, 5000}, 0, NULL, NULL},
        {"redis+sentinel://alice:p%40ss@h:7/m/15", "m", 1, {"h"}, {7}, 15, "alice",
         "p@ss"},
        {"redis+sentinel://:a@b@h/m", "m", 1, {"h"}, {26379}, 0, NULL, "a@b"},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        struct mg_redis_url url;
        struct mg_error err = {0};
        if (mg_redis_url_parse(cases[i].text, &url, &err) != MG_OK)
            fail_msg("\"%s\": %s", cases[i].text, err.message);
        assert_string_equal(url.master_name, cases[i].name);
        assert_int_equal(url.nsentinels, cases[i].n);
        for (size_t k = 0; k < cases[i].n; k++) {
            assert_string_equal(url.sentinels[k].host, cases[i].hosts[k]);
            assert_int_equal(url.sentinels[k].port, cases[i].ports[k]);
        }
        assert_int_equal(url.db, cases[i].db);
        /* no single server: the link asks the sentinels */
        assert_string_equal(url.host, "");
        if (cases[i].user)
            assert_string_equal(url.username, cases[i].user);
        else
            assert_null(url.username);
        if (cases[i].password)
            assert_string_equal(url.password, cases[i].password);
        else
            assert_null(url.password);
        mg_redis_url_close(&url);
        assert_null(url.sentinels);
        assert_null(url.master_name);
    }
}

/* A plain redis:// URL has no sentinels. */
static void test_plain_has_none(void **state)
{
    (void)state;
    struct mg_redis_url url;
    struct mg_error err = {0};
    assert_int_equal(mg_redis_url_parse("redis://h:1/2", &url, &err), MG_OK);
    assert_null(url.master_name);
    assert_null(url.sentinels);
    assert_int_equal(url.nsentinels, 0);
    mg_redis_url_close(&url);
}

static void test_bad(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *message;
    } cases[] = {
        {"redis+sentinel://h:26379", "needs the primary's name"},
        {"redis+sentinel://h:26379/", "needs the primary's name"},
        {"redis+sentinel://h:26379//0", "needs the primary's name"},
        {"redis+sentinel:///m", "sentinel 1: missing host"},
        {"redis+sentinel://a,,b/m", "sentinel 2: missing host"},
        {"redis+sentinel://a,/m", "sentinel 2: missing host"},
        {"redis+sentinel://a:1,b:0/m", "sentinel 2: port must be 1..65535"},
        {"redis+sentinel://a:1,b:65536/m", "sentinel 2: port must be 1..65535"},
        {"redis+sentinel://a:1,b:x/m", "sentinel 2: port must be 1..65535"},
        {"redis+sentinel://a,b,c:-1/m", "sentinel 3: port must be 1..65535"},
        {"redis+sentinel://a b/m", "sentinel 1: the host may hold only"},
        {"redis+sentinel://a,::1/m", "sentinel 2: write an IPv6 address in brackets"},
        {"redis+sentinel://[::1/m", "sentinel 1: missing ]"},
        {"redis+sentinel://[zz]:1/m", "sentinel 1: not an IPv6 address"},
        {"redis+sentinel://h/m m", "primary's name must be"},
        {"redis+sentinel://h/m$", "primary's name must be"},
        {"redis+sentinel://h/m/x", "database number must be 0..1000000"},
        {"redis+sentinel://h/m/1/2", "database number"},
        {"redis+sentinel://h/m?x=1", "query"},
        {"redis+sentinel://secret@h/m", "[USER]:PASSWORD@"},
        {"redis+sentinel://u:@h/m", "password is empty"},
        {"rediss+sentinel://h/m", "must start with redis:// or redis+sentinel://"},
        {"sentinel://h/m", "must start with redis:// or redis+sentinel://"},
        {"redis+sentinel://1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17/m",
         "at most 16 sentinels"},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        struct mg_redis_url url;
        struct mg_error err = {0};
        int rc = mg_redis_url_parse(cases[i].text, &url, &err);
        if (rc != MG_EINVAL)
            fail_msg("\"%s\": rc %d, want MG_EINVAL", cases[i].text, rc);
        if (!strstr(err.message, cases[i].message))
            fail_msg("\"%s\": message \"%s\" lacks \"%s\"", cases[i].text, err.message,
                     cases[i].message);
        assert_non_null(strstr(err.message, "redis URL: "));
        assert_null(strstr(err.message, "secret"));
        /* nothing is left to free after a failure */
        assert_null(url.sentinels);
        assert_null(url.master_name);
        assert_null(url.password);
        mg_redis_url_close(&url);
    }
}

/* Sixteen is allowed; seventeen is not (above). */
static void test_count_limit(void **state)
{
    (void)state;
    char text[512] = "redis+sentinel://";
    for (int i = 1; i <= MG_REDIS_SENTINELS_MAX; i++)
        snprintf(text + strlen(text), sizeof text - strlen(text), "%sh%d:%d",
                 i > 1 ? "," : "", i, 1000 + i);
    snprintf(text + strlen(text), sizeof text - strlen(text), "/m");
    struct mg_redis_url url;
    struct mg_error err = {0};
    assert_int_equal(mg_redis_url_parse(text, &url, &err), MG_OK);
    assert_int_equal(url.nsentinels, MG_REDIS_SENTINELS_MAX);
    assert_string_equal(url.sentinels[15].host, "h16");
    assert_int_equal(url.sentinels[15].port, 1016);
    mg_redis_url_close(&url);
}

static void test_describe(void **state)
{
    (void)state;
    struct mg_redis_url url;
    struct mg_error err = {0};
    char out[128];
    assert_int_equal(
        mg_redis_url_parse("redis+sentinel://u:secret@a:1,[::1]/m/3", &url, &err), MG_OK);
    mg_redis_url_describe(&url, out, sizeof out);
    assert_string_equal(out, "sentinel m via a:1,::1:26379/3");
    /* cut, never overrun */
    char small[12];
    memset(small, 'x', sizeof small);
    mg_redis_url_describe(&url, small, sizeof small);
    assert_int_equal(strlen(small), sizeof small - 1);
    mg_redis_url_close(&url);
    assert_int_equal(mg_redis_url_parse("redis://:secret@h:7/2", &url, &err), MG_OK);
    mg_redis_url_describe(&url, out, sizeof out);
    assert_string_equal(out, "h:7/2");
    mg_redis_url_close(&url);
}

/* The sentinels' password: a key and a variable, no flag; restart only. */
static void test_sentinel_password_key(void **state)
{
    (void)state;
    struct mg_config cfg;
    struct mg_error err = {0};
    enum mg_config_action action;
    mg_config_init(&cfg);
    assert_null(cfg.redis_sentinel_password);
    char *argv[] = {"modgate", "--redis", "redis+sentinel://127.0.0.1:26379/m", NULL};
    char *envp[] = {"MODGATE_REDIS_SENTINEL_PASSWORD=s3nt", NULL};
    assert_int_equal(mg_config_from_args(&cfg, 3, argv, envp, &action, &err), MG_OK);
    assert_string_equal(cfg.redis_sentinel_password, "s3nt");
    assert_string_equal(cfg.redis.master_name, "m");
    mg_config_close(&cfg);

    mg_config_init(&cfg);
    static const char yaml[] = "redis:\n  sentinel_password: from-file\n";
    assert_int_equal(mg_config_load_string(&cfg, "t.yaml", yaml, sizeof yaml - 1, &err),
                     MG_OK);
    assert_string_equal(cfg.redis_sentinel_password, "from-file");
    mg_config_close(&cfg);

    mg_config_init(&cfg);
    char *flag[] = {"modgate", "--redis-sentinel-password", "x", NULL};
    assert_int_equal(mg_config_from_args(&cfg, 3, flag, NULL, &action, &err), MG_EINVAL);
    assert_non_null(strstr(err.message, "unknown option"));
    mg_config_close(&cfg);

    assert_true(mg_config_key_restart_only("redis.sentinel_password"));
    assert_non_null(strstr(mg_config_usage(), "MODGATE_REDIS_SENTINEL_PASSWORD"));
    assert_non_null(strstr(mg_config_usage(), "redis+sentinel://"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good),
        cmocka_unit_test(test_plain_has_none),
        cmocka_unit_test(test_bad),
        cmocka_unit_test(test_count_limit),
        cmocka_unit_test(test_describe),
        cmocka_unit_test(test_sentinel_password_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
