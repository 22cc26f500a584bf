/* test_router.c: route matching, 404 vs 405 with Allow, parameters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <string.h>

#include "modgate/alloc.h"
#include "modgate/router.h"
#include "modgate/text.h"
#include "modgate/tokens.h"

struct match_case {
    const char *method;
    const char *path;
    int rc;
    enum mg_route_id id;
    const char *param0;
    const char *param1;
    const char *allow;
};

static void test_match_table(void **state)
{
    const struct match_case cases[] = {
        {"GET", "/healthz", MG_OK, MG_ROUTE_HEALTHZ, NULL, NULL, NULL},
        {"POST", "/healthz", MG_EMETHOD, 0, NULL, NULL, "GET, HEAD"},
        {"HEAD", "/healthz", MG_OK, MG_ROUTE_HEALTHZ, NULL, NULL, NULL},
        {"HEAD", "/v1/comments/abc", MG_OK, MG_ROUTE_COMMENT_GET, "abc", NULL, NULL},
        {"HEAD", "/v1/comments", MG_EMETHOD, 0, NULL, NULL, "POST"},
        {"GET", "/healthz/", MG_ENOENT, 0, NULL, NULL, NULL},
        {"GET", "/", MG_ENOENT, 0, NULL, NULL, NULL},
        {"GET", "", MG_ENOENT, 0, NULL, NULL, NULL},
        {"POST", "/v1/comments", MG_OK, MG_ROUTE_SUBMIT, NULL, NULL, NULL},
        {"GET", "/v1/comments", MG_EMETHOD, 0, NULL, NULL, "POST"},
        {"GET", "/v1/comments/abc", MG_OK, MG_ROUTE_COMMENT_GET, "abc", NULL, NULL},
        {"GET", "/v1/comments/", MG_ENOENT, 0, NULL, NULL, NULL},
        {"DELETE", "/v1/comments/abc", MG_OK, MG_ROUTE_COMMENT_DELETE, "abc", NULL, NULL},
        {"PUT", "/v1/comments/abc", MG_EMETHOD, 0, NULL, NULL, "GET, HEAD, DELETE, PATCH"},
        {"DELETE", "/v1/authors/a-1", MG_OK, MG_ROUTE_AUTHOR_ERASE, "a-1", NULL, NULL},
        {"PATCH", "/v1/comments/abc", MG_OK, MG_ROUTE_EDIT, "abc", NULL, NULL},
        {"GET", "/v1/comments/abc/revisions", MG_OK, MG_ROUTE_REVISIONS, "abc", NULL, NULL},
        {"POST", "/v1/comments/abc/approve", MG_OK, MG_ROUTE_APPROVE, "abc", NULL, NULL},
        {"POST", "/v1/comments/abc/reject", MG_OK, MG_ROUTE_REJECT, "abc", NULL, NULL},
        {"POST", "/v1/comments/abc/other", MG_ENOENT, 0, NULL, NULL, NULL},
        {"GET", "/v1/articles/2024-10-28-nk-troops-kursk/comments", MG_OK,
         MG_ROUTE_ARTICLE_COMMENTS, "2024-10-28-nk-troops-kursk", NULL, NULL},
        {"GET", "/v1/bans", MG_OK, MG_ROUTE_BAN_LIST, NULL, NULL, NULL},
        {"POST", "/v1/bans", MG_OK, MG_ROUTE_BAN_CREATE, NULL, NULL, NULL},
        {"PUT", "/v1/bans", MG_EMETHOD, 0, NULL, NULL, "POST, GET, HEAD"},
        {"DELETE", "/v1/bans/subnet/203.0.113.0%2F24", MG_OK, MG_ROUTE_BAN_DELETE,
         "subnet", "203.0.113.0/24", NULL},
        {"DELETE", "/v1/bans/ip/bad%zz", MG_ENOENT, 0, NULL, NULL, NULL},
        {"DELETE", "/v1/bans/ip/nul%00", MG_ENOENT, 0, NULL, NULL, NULL},
        {"DELETE", "/v1/bans/ip/short%2", MG_ENOENT, 0, NULL, NULL, NULL},
        {"POST", "/v1/rules/reload", MG_OK, MG_ROUTE_RULES_RELOAD, NULL, NULL, NULL},
        {"GET", "/v1/rules/reload", MG_EMETHOD, 0, NULL, NULL, "POST"},
        {"GET", "/v1/keys", MG_OK, MG_ROUTE_KEYS, NULL, NULL, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct match_case *c = &cases[i];
        struct mg_route_match m;
        int rc = mg_router_match(c->method, c->path, strlen(c->path), &m);
        if (rc != c->rc)
            fail_msg("%s %s: rc %d, want %d", c->method, c->path, rc, c->rc);
        if (rc == MG_OK) {
            assert_int_equal(m.route->id, c->id);
            if (c->param0)
                assert_string_equal(m.params[0], c->param0);
            if (c->param1)
                assert_string_equal(m.params[1], c->param1);
        }
        if (rc == MG_EMETHOD)
            assert_string_equal(m.allow, c->allow);
        mg_route_match_close(&m);
    }
}

static void test_table_is_indexed_by_id(void **state)
{
    const struct mg_route *r = mg_routes();
    for (int i = 0; i < MG_ROUTE_COUNT; i++)
        assert_int_equal(r[i].id, i);
    /* operations are public, everything under /v1/ but keys needs a role */
    for (int i = 0; i < MG_ROUTE_COUNT; i++) {
        bool v1 = strncmp(r[i].pattern, "/v1/", 4) == 0;
        bool public_ok = !v1 || r[i].id == MG_ROUTE_KEYS;
        assert_int_equal(r[i].roles == 0, public_ok);
    }
    assert_int_equal(r[MG_ROUTE_SUBMIT].roles, MG_ROLE_SITE);
    assert_int_equal(r[MG_ROUTE_APPROVE].roles, MG_ROLE_MODERATOR);
    assert_int_equal(r[MG_ROUTE_CHECK].roles, MG_ROLE_SITE | MG_ROLE_MODERATOR);
}

static void test_percent_decode(void **state)
{
    char *out;
    assert_int_equal(mg_percent_decode("a%20b%2f%2F", 11, &out), MG_OK);
    assert_string_equal(out, "a b//");
    mg_free(out);
    assert_int_equal(mg_percent_decode("%", 1, &out), MG_EINVAL);
    assert_int_equal(mg_percent_decode("%g0", 3, &out), MG_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_match_table),
        cmocka_unit_test(test_table_is_indexed_by_id),
        cmocka_unit_test(test_percent_decode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
