/* test_sha1.c: SHA-1 against the FIPS 180-4 examples and Python's hashlib
 * on lengths around the block and padding boundaries (55, 56, 63, 64, 65
 * bytes), where a padding mistake would show. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "modgate/alloc.h"
#include "modgate/sha1.h"

static void check(const char *data, size_t len, const char *want)
{
    char got[41];
    mg_sha1_hex(data, len, got);
    assert_string_equal(got, want);
}

static void test_fips_examples(void **state)
{
    (void)state;
    check("abc", 3, "a9993e364706816aba3e25717850c26c9cd0d89d");
    check("", 0, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    check(two, strlen(two), "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
    size_t n = 1000000;
    char *million = mg_malloc(n);
    memset(million, 'a', n);
    check(million, n, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
    mg_free(million);
}

/* hashlib.sha1(b"x" * n).hexdigest() */
static void test_padding_boundaries(void **state)
{
    (void)state;
    static const struct {
        size_t n;
        const char *want;
    } cases[] = {
        {55, "cef734ba81a024479e09eb5a75b6ddae62e6abf1"},
        {56, "901305367c259952f4e7af8323f480d59f81335b"},
        {63, "0ddc4e0cccd9a12850deb5abb0853a4425559fec"},
        {64, "bb2fa3ee7afb9f54c6dfb5d021f14b1ffe40c163"},
        {65, "78c741ddc482e4cdf8c474a0876347a0905b6233"},
    };
    char buf[65];
    memset(buf, 'x', sizeof buf);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check(buf, cases[i].n, cases[i].want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fips_examples),
        cmocka_unit_test(test_padding_boundaries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
