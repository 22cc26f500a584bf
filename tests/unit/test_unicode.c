/* test_unicode.c: grapheme clusters (UAX #29 via ICU) and visibility. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "modgate/alloc.h"
#include "modgate/unicode.h"
#include "testutil.h"

/* Explicit lengths so that strings with a NUL can be cases too. */
#define S(lit) lit, sizeof(lit) - 1

static void test_graphemes(void **state)
{
    (void)state;
    static const struct {
        const char *what;
        const char *text;
        size_t len;
        size_t want;
    } cases[] = {
        {"empty", S(""), 0},
        {"ASCII", S("abc"), 3},
        {"spaces count", S(" a b "), 5},
        {"NUL is a character", S("a\0b"), 3},
        {"flag KR", S("\U0001F1F0\U0001F1F7"), 1},
        {"two flags", S("\U0001F1F0\U0001F1F7\U0001F1FA\U0001F1F8"), 2},
        {"family",
         S("\U0001F468\u200D\U0001F469\u200D\U0001F467\u200D"
           "\U0001F466"),
         1},
        {"thumbs up, skin tone", S("\U0001F44D\U0001F3FD"), 1},
        {"e + combining acute", S("e\u0301"), 1},
        {"precomposed e acute", S("\u00e9"), 1},
        {"Korean precomposed", S("\ud55c\uad6d\uc5b4"), 3}, /* 한국어 */
        {"Korean conjoining jamo", S("\u1112\u1161\u11ab"), 1},
        {"jamo then syllable", S("\u1112\u1161\u11ab\ud55c"), 2},
        {"CRLF", S("\r\n"), 1},
        {"LF CR", S("\n\r"), 2},
        {"CRLF CRLF", S("\r\n\r\n"), 2},
        {"ZWSP alone", S("\u200b"), 1},
        {"Japanese", S("\u65e5\u672c\u8a9e"), 3},
        {"keycap", S("1\ufe0f\u20e3"), 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = 12345;
        int rc = mg_unicode_graphemes(cases[i].text, cases[i].len, &n);
        if (rc != 0 || n != cases[i].want)
            fail_msg("%s: rc %d, %zu clusters, want %zu", cases[i].what, rc, n,
                     cases[i].want);
    }
}

/* "Z" with 50 combining marks is one cluster; so is "Z" with 2000. */
static void test_zalgo(void **state)
{
    (void)state;
    static const size_t marks[] = {50, 2000};
    for (size_t k = 0; k < 2; k++) {
        char text[1 + 2000 * 2 + 2];
        size_t len = 0;
        text[len++] = 'Z';
        for (size_t i = 0; i < marks[k]; i++) {
            /* U+0300..U+036F, cycling */
            unsigned cp = 0x300 + (unsigned)(i % 0x70);
            text[len++] = (char)(0xc0 | (cp >> 6));
            text[len++] = (char)(0x80 | (cp & 0x3f));
        }
        text[len++] = '!';
        size_t n = 0;
        assert_int_equal(mg_unicode_graphemes(text, len, &n), 0);
        assert_int_equal(n, 2);
        assert_int_equal(mg_unicode_graphemes(text, len - 1, &n), 0);
        assert_int_equal(n, 1);
    }
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    const struct mg_test_bad_utf8 *cases = mg_test_bad_utf8;
    for (size_t i = 0; i < ARRAY_LEN(mg_test_bad_utf8); i++) {
        size_t n = 77;
        if (mg_unicode_graphemes(cases[i].text, cases[i].len, &n) != MG_EINVAL)
            fail_msg("%s: accepted", cases[i].what);
        assert_int_equal(n, 77); /* untouched */
    }
}

static void test_has_visible(void **state)
{
    (void)state;
    static const struct {
        const char *what;
        const char *text;
        size_t len;
        bool want;
    } cases[] = {
        {"empty", S(""), false},
        {"space", S(" "), false},
        {"ASCII whitespace", S("  \n\t\r\v\f"), false},
        {"NEL, NBSP", S("\xc2\x85\u00a0"), false},
        {"ideographic space", S("\u3000"), false},
        {"en quad..hair space", S("\u2000\u2001\u2002\u200a"), false},
        {"line and paragraph separators", S("\u2028\u2029"), false},
        {"ZWSP", S("\u200b"), false},
        {"ZWNJ ZWJ", S("\u200c\u200d"), false},
        {"LRM RLM", S("\u200e\u200f"), false},
        {"bidi isolates", S("\u2066\u2069"), false},
        {"word joiner", S("\u2060"), false},
        {"BOM", S("\ufeff"), false},
        {"soft hyphen", S("\u00ad"), false},
        {"Hangul filler", S("\u3164"), false},
        {"Hangul choseong filler", S("\u115f"), false},
        {"variation selector", S("\ufe0f"), false},
        {"Mongolian vowel separator", S("\u180e"), false},
        {"tag characters", S("\U000E0020\U000E007F"), false},
        {"C0 controls", S("\x01\x02\x1b\x7f"), false},
        {"NUL", S("\0"), false},
        {"C1 controls", S("\xc2\x80\xc2\x9f"), false},
        {"all of them", S(" \u3000\u200b\u200d\ufeff\n\t\u00ad"), false},
        {"letter", S("a"), true},
        {"letter after spaces", S("  \u200b\u3000x"), true},
        {"digit", S("0"), true},
        {"punctuation", S("."), true},
        {"Korean", S("\ud55c"), true},
        {"Korean jamo", S("\u1112\u1161"), true},
        {"emoji", S("\U0001F600"), true},
        {"flag", S("\U0001F1F0\U0001F1F7"), true},
        /* Marks and private use are not whitespace or format characters. */
        {"lone combining mark", S("\u0301"), true},
        {"private use", S("\ue000"), true},
        {"visible after NUL", S("\0a"), true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (mg_unicode_has_visible(cases[i].text, cases[i].len) !=
            cases[i].want)
            fail_msg("%s: want %s", cases[i].what,
                     cases[i].want ? "visible" : "invisible");
}

/* A long invisible text is scanned to its end. */
static void test_fold(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"Text ME", "text me"},
        /* mathematical bold, fullwidth, circled */
        {"\xf0\x9d\x90\xad\xf0\x9d\x90\x9e\xf0\x9d\x90\xb1\xf0\x9d\x90\xad", "text"},
        {"\xef\xbd\x94\xef\xbd\x85\xef\xbd\x98\xef\xbd\x94", "text"},
        {"\xe2\x93\xa3\xe2\x93\x94\xe2\x93\xa7\xe2\x93\xa3", "text"},
        /* a zero-width space and a soft hyphen are dropped */
        {"te\xe2\x80\x8bx\xc2\xadt", "text"},
        {"Stra\xc3\x9f""e", "strasse"},
        {"\xea\xb8\xb0\xec\x82\xac", "\xea\xb8\xb0\xec\x82\xac"}, /* 기사 as it is */
        {"", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *out;
        size_t len;
        assert_int_equal(mg_unicode_fold(cases[i].in, strlen(cases[i].in), &out, &len),
                         MG_OK);
        if (strcmp(out, cases[i].out) != 0 || len != strlen(cases[i].out))
            fail_msg("case %zu: \"%s\", want \"%s\"", i, out, cases[i].out);
        mg_free(out);
    }
    /* bad UTF-8 anywhere is refused, and *out is not written */
    static const char *const bad[] = {"a\xff", "\xff", "ab\xe2\x80", "\xc0\xafx"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char sentinel = 0, *out = &sentinel;
        size_t len = 7;
        assert_int_equal(mg_unicode_fold(bad[i], strlen(bad[i]), &out, &len), MG_EINVAL);
        assert_ptr_equal(out, &sentinel);
    }
    /* a character that grows: U+FDFA is 18 letters under NFKC */
    char *out;
    size_t len;
    assert_int_equal(mg_unicode_fold("\xef\xb7\xba", 3, &out, &len), MG_OK);
    assert_true(len > 3 * 10);
    mg_free(out);
}

/* What makes a fold worth it: anything beyond case. */
static void test_folds_beyond_case(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        bool folds;
    } cases[] = {
        {"Hello WORLD", false},
        {"Caf\xc3\xa9 ""\xea\xb8\xb0\xec\x82\xac", false}, /* Café 기사: NFKC already */
        {"\xc3\x89T\xc3\x89", false},                          /* ÉTÉ: case only */
        {"\xef\xbd\x94" "ext", true},                              /* fullwidth t */
        {"\xf0\x9d\x90\xad", true},                             /* mathematical t */
        {"te\xe2\x80\x8bxt", true},                              /* zero-width space */
        {"e\xcc\x81", true},                                     /* e + combining acute */
        {"\xec\xa7\x84\xec\xa7\x9c \xe3\x85\x8b\xe3\x85\x8b", false},   /* 진짜 ㅋㅋ: jamo do not count */
        {"\xe3\x85\x8b\xef\xbd\x94", true},                      /* ㅋ and a fullwidth t */
        {"\xe1\x84\x80\xe1\x85\xa1", true},                    /* ᄀ + ᅡ: NFKC composes 가 */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (mg_unicode_folds_beyond_case(cases[i].text, strlen(cases[i].text)) !=
            cases[i].folds)
            fail_msg("case %zu: want %d", i, cases[i].folds);
}

static void test_has_visible_long(void **state)
{
    (void)state;
    static char text[3 * 5000 + 1];
    for (size_t i = 0; i < 5000; i++)
        memcpy(text + 3 * i, "\u200b", 3);
    assert_false(mg_unicode_has_visible(text, 3 * 5000));
    text[3 * 5000] = 'x';
    assert_true(mg_unicode_has_visible(text, 3 * 5000 + 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_graphemes),
        cmocka_unit_test(test_zalgo),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_has_visible),
        cmocka_unit_test(test_has_visible_long),
        cmocka_unit_test(test_fold),
        cmocka_unit_test(test_folds_beyond_case),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
