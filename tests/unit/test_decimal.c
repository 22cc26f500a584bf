/* test_decimal.c: mg_dec_i64 and mg_dec_u64 write what snprintf's "%lld"
 * and "%llu" write, at the edges and over a spread of magnitudes. */
#include <inttypes.h>
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_edges),
        cmocka_unit_test(test_every_magnitude),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
