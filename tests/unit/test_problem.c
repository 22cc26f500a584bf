/* test_problem.c: problem+json objects carry every RFC 9457 member plus code. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "modgate/problem.h"

static void test_members(void **state)
{
    const struct {
        int status;
        const char *code;
        const char *title;
    } cases[] = {
        {400, "bad_request", "Bad Request"},
        {401, "unauthorized", "Unauthorized"},
        {404, "not_found", "Not Found"},
        {405, "method_not_allowed", "Method Not Allowed"},
        {408, "timeout", "Request Timeout"},
        {413, "body_too_large", "Content Too Large"},
        {415, "unsupported_media_type", "Unsupported Media Type"},
        {431, "headers_too_large", "Request Header Fields Too Large"},
        {503, "unavailable", "Service Unavailable"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *p = mg_problem_new(cases[i].status, cases[i].code, "A sentence.");
        assert_non_null(p);
        assert_string_equal(json_string_value(json_object_get(p, "type")), "about:blank");
        assert_string_equal(json_string_value(json_object_get(p, "title")), cases[i].title);
        assert_int_equal(json_integer_value(json_object_get(p, "status")), cases[i].status);
        assert_string_equal(json_string_value(json_object_get(p, "detail")), "A sentence.");
        assert_string_equal(json_string_value(json_object_get(p, "code")), cases[i].code);
        assert_int_equal(json_object_size(p), 5);
        json_decref(p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_members)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
