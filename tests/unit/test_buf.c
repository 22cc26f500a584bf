/* test_buf.c: the growable buffer's promises (buf.h): always NUL-terminated,
 * never past its limit, and the same bytes whichever way they were added
 * (inline or growing, reserved first or not, in pieces or with room). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "modgate/buf.h"

/* The same text through every path: piece by piece from empty, after a
 * reserve of more and of less than it needs, and through mg_buf_room. */
static void test_paths_agree(void **state)
{
    (void)state;
    char want[3000];
    for (size_t i = 0; i < sizeof want - 1; i++)
        want[i] = (char)('a' + i % 26);
    want[sizeof want - 1] = '\0';
    size_t reserves[] = {0, 1, 100, 2999, 5000};
    for (size_t r = 0; r < sizeof reserves / sizeof reserves[0]; r++) {
        struct mg_buf b;
        mg_buf_init(&b, SIZE_MAX);
        mg_buf_reserve(&b, reserves[r]);
        assert_int_equal(b.len, 0);
        for (size_t at = 0; at < sizeof want - 1;) {
            size_t n = (at % 7) + 1 < sizeof want - 1 - at ? (at % 7) + 1 : sizeof want - 1 - at;
            if (at % 3 == 0)
                memcpy(mg_buf_room(&b, n), want + at, n);
            else
                mg_buf_add(&b, want + at, n);
            at += n;
            assert_int_equal(b.len, at);
            assert_int_equal(b.data[b.len], '\0');
        }
        assert_string_equal(b.data, want);
        mg_buf_close(&b);
    }
}

/* A reserve stops at the limit (the buffer may still fill up to it), and
 * mg_buf_append refuses what would pass it, leaving the contents. */
static void test_limit(void **state)
{
    (void)state;
    struct mg_buf b;
    mg_buf_init(&b, 10);
    mg_buf_reserve(&b, 1000);
    assert_true(b.alloc <= 64);
    assert_int_equal(mg_buf_append(&b, "0123456789", 10), MG_OK);
    assert_int_equal(mg_buf_append(&b, "x", 1), MG_ETOOBIG);
    assert_string_equal(b.data, "0123456789");
    mg_buf_reserve(&b, 5); /* nothing left below the limit: nothing done */
    assert_int_equal(b.len, 10);
    mg_buf_close(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paths_agree),
        cmocka_unit_test(test_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
