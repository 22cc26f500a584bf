/* test_wordbreak.c: the ASCII and Hangul word boundaries of src/rules/wordbreak.c
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

/* ASCII and Hangul characters (as UTF-16 units) that the rules treat
 * apart: letters, digits, '@', '_', MidNumLet, MidNum, ':', spaces, line
 * breaks, other symbols, two syllables, two compatibility jamo and three
 * conjoining ones (a leading consonant, a vowel, a trailing consonant). */
static const uint16_t ALPHABET[] = {'a', 'Z', '7', '@', '_', '.', '\'', ',', ';', ':', ' ',
                                    '\t', '\r', '\n', '\v', '-', '"', 0xD55C, 0xAD6D,
                                    0x314B, 0x314F, 0x110F, 0x1161, 0x11A8};
#define NCHARS (sizeof ALPHABET / sizeof ALPHABET[0])

/* Compares one string; returns false (and says where) on a difference. */
static bool same_as_icu(UBreakIterator *bi, const uint16_t *u, size_t n)
{
    UErrorCode st = U_ZERO_ERROR;
    ubrk_setText(bi, (const UChar *)u, (int32_t)n, &st);
    assert_false(U_FAILURE(st));
    size_t from = 0;
    for (int32_t b = ubrk_next(bi); b != UBRK_DONE; b = ubrk_next(bi)) {
        bool word;
        size_t end = mg__simple_next_break(u, n, from, &word);
        bool icu_word = ubrk_getRuleStatus(bi) >= UBRK_WORD_NUMBER;
        if (end != (size_t)b || word != icu_word) {
            char text[512] = {0};
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
    size_t k = NCHARS;
    size_t checked = 0;
    for (size_t len = 1; len <= 5; len++) {
        size_t total = 1;
        for (size_t i = 0; i < len; i++)
            total *= k;
        for (size_t code = 0; code < total; code++) {
            uint16_t u[5];
            size_t c = code;
            for (size_t i = 0; i < len; i++, c /= k)
                u[i] = ALPHABET[c % k];
            assert_true(mg__simple_only(u, len));
            if (!same_as_icu(bi, u, len))
                fail();
            checked++;
        }
    }
    assert_true(checked > 8000000); /* 24^5 and the shorter ones */
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
            u[i] = rand() % 4 ? ALPHABET[(size_t)rand() % NCHARS]
                   : rand() % 2 ? (uint16_t)(32 + rand() % 95)         /* any printable */
                   : rand() % 2 ? (uint16_t)(0xAC00 + rand() % 11172) /* any syllable */
                                : (uint16_t)(0x1100 + rand() % 256);   /* any conjoining jamo */
        if (mg__simple_only(u, n) && !same_as_icu(bi, u, n))
            fail();
    }
    ubrk_close(bi);
}

static void test_ascii_only(void **state)
{
    (void)state;
    const uint16_t ascii[] = {'a', 0x7F}, wide[] = {'a', 0x80}, hangul[] = {0xD55C, 0x314B},
                   han[] = {0x6F22}, filler[] = {0x115F}, jamo[] = {0x1100, 0x11FF};
    assert_true(mg__simple_only(ascii, 2));
    assert_false(mg__simple_only(wide, 2));
    assert_true(mg__simple_only(hangul, 2));
    assert_false(mg__simple_only(han, 1));  /* Han: dictionary words in ICU */
    assert_false(mg__simple_only(filler, 1)); /* default-ignorable */
    assert_true(mg__simple_only(jamo, 2));
    assert_true(mg__simple_only(NULL, 0));
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
