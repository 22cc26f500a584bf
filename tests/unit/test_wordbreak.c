/* test_wordbreak.c: the ASCII word boundaries of src/rules/wordbreak.c
 * against ICU's word break iterator, which the normalizer uses for all
 * other text: the same segments and the same word / not-word status, on
 * every string of up to five characters drawn from those the rules treat
 * apart, and on long random ones. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <unicode/ubrk.h>

#include "src/rules/wordbreak.h"
#include "testutil.h"

static const char ALPHABET[] = "aZ7@_.',;: \t\r\n\v-\"";

/* Compares one string; returns false (and says where) on a difference. */
static bool same_as_icu(UBreakIterator *bi, const uint16_t *u, size_t n)
{
    UErrorCode st = U_ZERO_ERROR;
    ubrk_setText(bi, (const UChar *)u, (int32_t)n, &st);
    assert_false(U_FAILURE(st));
    size_t from = 0;
    for (int32_t b = ubrk_next(bi); b != UBRK_DONE; b = ubrk_next(bi)) {
        bool word;
        size_t end = mg__ascii_next_break(u, n, from, &word);
        bool icu_word = ubrk_getRuleStatus(bi) >= UBRK_WORD_NUMBER;
        if (end != (size_t)b || word != icu_word) {
            char text[256] = {0};
            for (size_t i = 0; i < n && i < 60; i++)
                snprintf(text + strlen(text), sizeof text - strlen(text), "%02x ", u[i]);
            print_error("[%s] at %zu: ICU ends at %d (word %d), we at %zu (word %d)\n", text,
                        from, b, icu_word, end, word);
            return false;
        }
        from = end;
    }
    return from == n;
}

static void test_every_short_string(void **state)
{
    (void)state;
    UErrorCode st = U_ZERO_ERROR;
    UBreakIterator *bi = ubrk_open(UBRK_WORD, "", NULL, 0, &st);
    assert_false(U_FAILURE(st));
    size_t k = sizeof ALPHABET - 1;
    size_t checked = 0;
    for (size_t len = 1; len <= 5; len++) {
        size_t total = 1;
        for (size_t i = 0; i < len; i++)
            total *= k;
        for (size_t code = 0; code < total; code++) {
            uint16_t u[5];
            size_t c = code;
            for (size_t i = 0; i < len; i++, c /= k)
                u[i] = (uint16_t)(unsigned char)ALPHABET[c % k];
            assert_true(mg__ascii_only(u, len));
            if (!same_as_icu(bi, u, len))
                fail();
            checked++;
        }
    }
    assert_true(checked > 1000000);
    ubrk_close(bi);
}

static void test_long_random_strings(void **state)
{
    (void)state;
    UErrorCode st = U_ZERO_ERROR;
    UBreakIterator *bi = ubrk_open(UBRK_WORD, "", NULL, 0, &st);
    srand(7);
    for (int round = 0; round < 100000; round++) {
        uint16_t u[40];
        size_t n = 6 + (size_t)rand() % 34;
        for (size_t i = 0; i < n; i++)
            u[i] = rand() % 4 ? (uint16_t)(unsigned char)ALPHABET[rand() % (sizeof ALPHABET - 1)]
                              : (uint16_t)(32 + rand() % 95); /* any printable */
        if (!same_as_icu(bi, u, n))
            fail();
    }
    ubrk_close(bi);
}

static void test_ascii_only(void **state)
{
    (void)state;
    const uint16_t ascii[] = {'a', 0x7F}, wide[] = {'a', 0x80}, hangul[] = {0xD55C};
    assert_true(mg__ascii_only(ascii, 2));
    assert_false(mg__ascii_only(wide, 2));
    assert_false(mg__ascii_only(hangul, 1));
    assert_true(mg__ascii_only(NULL, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_short_string),
        cmocka_unit_test(test_long_random_strings),
        cmocka_unit_test(test_ascii_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
