/* test_decimal.c: mg_dec_i64 and mg_dec_u64 write what snprintf's "%lld"
 * and "%llu" write, at the edges and over a spread of magnitudes;
 * mg_dec_integral what "%.15g" to "%.17g" write of a whole number, and
 * declines everything else. */
#include <inttypes.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "modgate/decimal.h"

static void check_i64(int64_t v)
{
    char want[32], got[MG_DEC_LEN];
    int n = snprintf(want, sizeof want, "%lld", (long long)v);
    assert_int_equal(mg_dec_i64(v, got), (size_t)n);
    assert_string_equal(got, want);
}

static void check_u64(uint64_t v)
{
    char want[32], got[MG_DEC_LEN];
    int n = snprintf(want, sizeof want, "%llu", (unsigned long long)v);
    assert_int_equal(mg_dec_u64(v, got), (size_t)n);
    assert_string_equal(got, want);
}

static void test_edges(void **state)
{
    (void)state;
    static const int64_t i[] = {0, 1, -1, 9, 10, -10, 99, 100, 86400, INT32_MAX, INT32_MIN,
                                INT64_MAX, INT64_MIN, INT64_MIN + 1};
    for (size_t k = 0; k < sizeof i / sizeof *i; k++)
        check_i64(i[k]);
    static const uint64_t u[] = {0, 1, 9, 10, UINT32_MAX, INT64_MAX, UINT64_MAX,
                                 UINT64_MAX - 1};
    for (size_t k = 0; k < sizeof u / sizeof *u; k++)
        check_u64(u[k]);
}

static void test_every_magnitude(void **state)
{
    (void)state;
    for (uint64_t p = 1; p <= UINT64_MAX / 10; p *= 10) {
        for (uint64_t d = 0; d < 3; d++) { /* 10^k - 1, 10^k, 10^k + 1 */
            check_u64(p - 1 + d);
            check_u64(p * 7 + d);
            if (p <= (uint64_t)INT64_MAX / 8) {
                check_i64((int64_t)(p * 7 + d));
                check_i64(-(int64_t)(p * 7 + d));
                check_i64(-(int64_t)(p - 1 + d));
            }
        }
    }
}

static void check_integral(double v)
{
    char got[MG_DEC_LEN];
    size_t n = mg_dec_integral(v, got);
    for (int precision = 15; precision <= 17; precision++) {
        char want[64];
        snprintf(want, sizeof want, "%.*g", precision, v);
        assert_int_equal(n, strlen(want));
        assert_string_equal(got, want);
    }
}

static void test_integral(void **state)
{
    (void)state;
    static const double whole[] = {0, 1, -1, 5, 10, -10, 100, 123456789, 99999999999999,
                                   999999999999999, -999999999999999, 1e14, -1e14};
    for (size_t k = 0; k < sizeof whole / sizeof *whole; k++)
        check_integral(whole[k]);
    for (double p = 1; p < 1e15; p *= 10)
        for (double d = -1; d <= 1; d++) {
            check_integral(p + d);
            check_integral(0 - (p + d)); /* not -(0): that is -0 */
            check_integral(7 * p + d < 1e15 ? 7 * p + d : p);
        }
    static const double other[] = {-0.0, 0.5, -0.5, 1.25, 1e15, -1e15, 1e300, 1e-300,
                                   0.1 + 0.2, 999999999999999.5, NAN, INFINITY, -INFINITY};
    for (size_t k = 0; k < sizeof other / sizeof *other; k++) {
        char got[MG_DEC_LEN] = "";
        assert_int_equal(mg_dec_integral(other[k], got), 0);
        assert_string_equal(got, "");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_edges),
        cmocka_unit_test(test_every_magnitude),
        cmocka_unit_test(test_integral),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
