/* test_streamid.c: the events feed's cursors (streamid.h): what parses and
 * to what, what is refused (signs, spaces, a missing part, past 64 bits),
 * the canonical text and the order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "modgate/streamid.h"

static void test_parse_valid(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        uint64_t ms, seq;
        const char *canonical;
    } cases[] = {
        {"1765100000000-0", UINT64_C(1765100000000), 0, "1765100000000-0"},
        {"0-0", 0, 0, "0-0"},
        {"7-12", 7, 12, "7-12"},
        {"007-00", 7, 0, "7-0"}, /* Redis reads these digits the same */
        {"18446744073709551615-18446744073709551615", UINT64_MAX, UINT64_MAX,
         "18446744073709551615-18446744073709551615"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct mg_stream_id id;
        assert_true(mg_stream_id_parse(cases[i].text, &id));
        assert_true(id.ms == cases[i].ms && id.seq == cases[i].seq);
        char out[MG_STREAM_ID_LEN];
        mg_stream_id_format(id, out);
        assert_string_equal(out, cases[i].canonical);
    }
}

static void test_parse_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "", "-", "1", "1-", "-1", "1--1", "1-1-1", "+1-0", "1-+0", " 1-0", "1-0 ",
        "1 -0", "a-0", "1-a", "0x1-0", "1.5-0", "1-0\n",
        "18446744073709551616-0", /* 2^64 */
        "0-18446744073709551616", "99999999999999999999999-0",
    };
    struct mg_stream_id id = {42, 42};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_false(mg_stream_id_parse(bad[i], &id));
        assert_true(id.ms == 42 && id.seq == 42); /* untouched */
    }
    assert_false(mg_stream_id_parse(NULL, &id));
}

static void test_order(void **state)
{
    (void)state;
    struct mg_stream_id a = {5, 9}, b = {6, 0}, c = {6, 1};
    assert_true(mg_stream_id_cmp(a, b) < 0);
    assert_true(mg_stream_id_cmp(b, a) > 0);
    assert_true(mg_stream_id_cmp(b, c) < 0);
    assert_int_equal(mg_stream_id_cmp(c, c), 0);
    struct mg_stream_id big = {UINT64_MAX, 0}, small = {UINT64_MAX - 1, UINT64_MAX};
    assert_true(mg_stream_id_cmp(small, big) < 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_valid),
        cmocka_unit_test(test_parse_refused),
        cmocka_unit_test(test_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
