/* test_timefmt.c: RFC 3339 parsing (mg_time_parse) against values computed
 * with Python's datetime, the forms it refuses, and the round trip with
 * mg_time_format. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "modgate/error.h"
#include "modgate/timefmt.h"

static void test_parse_valid(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int64_t ms;
    } cases[] = {
        {"2026-01-03T10:00:00Z", INT64_C(1767434400000)},
        {"2026-01-03T10:00:00.000Z", INT64_C(1767434400000)},
        {"2026-11-29T18:49:26.123Z", INT64_C(1795978166123)},
        {"1970-01-01T00:00:00Z", 0},
        {"1969-12-31T23:59:59.999Z", -1},
        /* lowercase t and z (RFC 3339 5.6 note) */
        {"2026-01-03t10:00:00z", INT64_C(1767434400000)},
        /* offsets: local time = UTC + offset */
        {"2026-01-03T10:00:00+09:00", INT64_C(1767402000000)},
        {"2026-01-03T10:00:00-05:30", INT64_C(1767454200000)},
        {"2026-01-03T10:00:00+00:00", INT64_C(1767434400000)},
        {"2026-01-03T10:00:00-00:00", INT64_C(1767434400000)},
        {"2026-01-01T00:00:00+23:59", INT64_C(1767139260000)},
        {"1996-12-19T16:39:57-08:00", INT64_C(851042397000)},
        /* fractions: truncated to milliseconds, short ones scaled */
        {"1985-04-12T23:20:50.52Z", INT64_C(482196050520)},
        {"1985-04-12T23:20:50.5Z", INT64_C(482196050500)},
        {"1985-04-12T23:20:50.5209Z", INT64_C(482196050520)},
        {"1985-04-12T23:20:50.520999999999Z", INT64_C(482196050520)},
        {"2026-11-29T18:49:26.123+09:00", INT64_C(1795945766123)},
        /* leap days */
        {"2024-02-29T23:59:59Z", INT64_C(1709251199000)},
        {"2000-02-29T00:00:00Z", INT64_C(951782400000)},
        /* a leap second is clamped to :59 */
        {"2016-12-31T23:59:60Z", INT64_C(1483228799000)},
        {"2016-12-31T23:59:60.5Z", INT64_C(1483228799500)},
        /* the ends of the four-digit years */
        {"0001-01-01T00:00:00Z", INT64_C(-62135596800000)},
        {"0000-01-01T00:00:00Z", INT64_C(-62167219200000)},
        {"9999-12-31T23:59:59.999Z", INT64_C(253402300799999)},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t ms = 42;
        int rc = mg_time_parse(cases[i].text, &ms);
        if (rc != 0 || ms != cases[i].ms)
            fail_msg("\"%s\": rc %d, %lld ms, want %lld", cases[i].text, rc,
                     (long long)ms, (long long)cases[i].ms);
    }
}

static void test_parse_invalid(void **state)
{
    (void)state;
    static const char *const cases[] = {
        "",
        "2026-01-03",
        "2026-01-03T10:00:00",  /* no offset */
        "2026-01-03 10:00:00Z", /* space separator */
        "2026-01-03_10:00:00Z",
        "2026-01-03T10:00Z",   /* seconds required */
        "2026-1-03T10:00:00Z", /* two-digit month */
        "26-01-03T10:00:00Z",
        "+2026-01-03T10:00:00Z",
        "20260103T100000Z", /* ISO 8601 basic form */
        "2026-00-03T10:00:00Z",
        "2026-13-03T10:00:00Z",
        "2026-01-00T10:00:00Z",
        "2026-01-32T10:00:00Z",
        "2026-04-31T10:00:00Z",
        "2026-02-29T10:00:00Z", /* not a leap year */
        "2100-02-29T10:00:00Z", /* nor is 2100 */
        "2026-01-03T24:00:00Z",
        "2026-01-03T10:60:00Z",
        "2026-01-03T10:00:61Z",
        "2026-01-03T10:00:00.Z", /* a fraction needs a digit */
        "2026-01-03T10:00:00,5Z",
        "2026-01-03T10:00:00+0900",
        "2026-01-03T10:00:00+09",
        "2026-01-03T10:00:00+9:00",
        "2026-01-03T10:00:00+24:00",
        "2026-01-03T10:00:00+09:60",
        "2026-01-03T10:00:00UTC",
        "2026-01-03T10:00:00ZZ",
        "2026-01-03T10:00:00Z ",
        " 2026-01-03T10:00:00Z",
        "2026-01-03T10:00:00Z\n",
        "2026-01-03T1a:00:00Z",
        "２０２６-01-03T10:00:00Z", /* fullwidth digits */
        "1767434400000",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t ms = 42;
        if (mg_time_parse(cases[i], &ms) != MG_EINVAL)
            fail_msg("\"%s\": accepted as %lld", cases[i], (long long)ms);
        assert_int_equal(ms, 42); /* untouched */
    }
}

/* The exact text: fixed widths, milliseconds always three digits, a date
 * before 1970 with its fraction counted forward. */
static void test_format(void **state)
{
    (void)state;
    static const struct {
        int64_t ms;
        const char *want;
    } cases[] = {
        {0, "1970-01-01T00:00:00.000Z"},
        {5, "1970-01-01T00:00:00.005Z"},
        {-1, "1969-12-31T23:59:59.999Z"},
        {INT64_C(1795978166123), "2026-11-29T18:49:26.123Z"},
        {INT64_C(951782400000), "2000-02-29T00:00:00.000Z"},
        {INT64_C(1709251199001), "2024-02-29T23:59:59.001Z"},
        {INT64_C(253402300799999), "9999-12-31T23:59:59.999Z"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[MG_TIME_LEN];
        mg_time_format(cases[i].ms, text);
        assert_string_equal(text, cases[i].want);
    }
}

/* What mg_time_format writes, mg_time_parse reads back. */
static void test_round_trip(void **state)
{
    (void)state;
    static const int64_t values[] = {
        0,
        1,
        999,
        1000,
        INT64_C(1795978166123),
        INT64_C(951782400000),
        INT64_C(253402300799999),
        INT64_C(1709251199001),
    };
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        char text[MG_TIME_LEN];
        mg_time_format(values[i], text);
        int64_t ms = -42;
        assert_int_equal(mg_time_parse(text, &ms), 0);
        if (ms != values[i])
            fail_msg("%s: %lld, want %lld", text, (long long)ms,
                     (long long)values[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_valid),
        cmocka_unit_test(test_parse_invalid),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
