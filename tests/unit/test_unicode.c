/* test_unicode.c: grapheme clusters (UAX #29 via ICU), visibility, folding,
 * the properties of one code point, and UTF-8 of one code point. Expected
 * values are the Unicode standard's (UnicodeData.txt, PropList.txt,
 * DerivedCoreProperties.txt, Scripts.txt, emoji-data.txt), looked up by
 * hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "modgate/alloc.h"
#include "modgate/text.h"
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

/* A fast path of mg_unicode_graphemes against ICU alone. The ASCII one: every
 * pair of ASCII bytes, every triple of CR, LF, a control and a letter, and
 * generated strings heavy in CR, LF and controls. */
static void check_fast_agrees(const char *text, size_t len)
{
    size_t fast = 0, icu = 0;
    assert_int_equal(mg_unicode_graphemes(text, len, &fast), MG_OK);
    assert_int_equal(mg__unicode_graphemes_icu(text, len, &icu), MG_OK);
    if (fast != icu) {
        char hex[3 * 64 + 1] = "";
        for (size_t i = 0; i < len && i < 64; i++)
            snprintf(hex + 3 * i, 4, "%02x ", (unsigned char)text[i]);
        fail_msg("%s: fast path %zu, ICU %zu", hex, fast, icu);
    }
}

static void test_graphemes_ascii_fast_path(void **state)
{
    (void)state;
    char t[64];
    for (int a = 0; a < 128; a++)
        for (int b = 0; b < 128; b++) {
            t[0] = (char)a;
            t[1] = (char)b;
            check_fast_agrees(t, 2);
        }
    static const char some[] = {'\r', '\n', '\0', '\t', 0x1b, 0x7f, 'a', ' '};
    size_t k = sizeof some;
    for (size_t a = 0; a < k; a++)
        for (size_t b = 0; b < k; b++)
            for (size_t c = 0; c < k; c++) {
                t[0] = some[a];
                t[1] = some[b];
                t[2] = some[c];
                check_fast_agrees(t, 3);
            }
    uint32_t x = 12345;
    for (int n = 0; n < 20000; n++) {
        size_t len = (size_t)(n % 61);
        for (size_t i = 0; i < len; i++) {
            x = x * 1103515245u + 12345u;
            unsigned r = (x >> 16) & 0xff;
            /* half CR, LF and controls, half anything ASCII */
            t[i] = r < 64 ? '\r' : r < 112 ? '\n' : r < 128 ? (char)(r % 32)
                                                             : (char)(r & 0x7f);
        }
        check_fast_agrees(t, len);
    }
    size_t got = 0;
    assert_int_equal(mg_unicode_graphemes(S("a\r\n\r\r\n\n"), &got), MG_OK);
    assert_int_equal(got, 5); /* a, CR LF, CR, CR LF, LF */
}

/* The fast path for text beyond ASCII (each code point its own cluster
 * when none can join another) against ICU alone: every code point up to
 * U+FFFF and every 17th beyond, alone, twice, between letters, before CR
 * LF, beside a Hangul syllable and beside U+0301 (which joins, so ICU
 * answers); then generated strings mixing code points that stand alone
 * with ones that join (jamo, marks, ZWJ, flags' letters, Prepend). */
static size_t put_cps(char *t, const uint32_t *cps, size_t n)
{
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        len += mg_utf8_encode(cps[i], t + len);
    return len;
}

static void test_graphemes_simple_fast_path(void **state)
{
    (void)state;
    char t[64];
    for (uint32_t c = 0x80; c <= 0x10ffff; c += c < 0x10000 ? 1 : 17) {
        if (c >= 0xd800 && c <= 0xdfff)
            continue;
        const uint32_t forms[][4] = {{c}, {c, c}, {'a', c, 'b'}, {c, '\r', '\n'},
                                     {0xac00, c}, {c, 0xd7a3}, {c, 0x301}};
        const size_t lens[] = {1, 2, 3, 3, 2, 2, 2};
        for (size_t f = 0; f < sizeof lens / sizeof lens[0]; f++)
            check_fast_agrees(t, put_cps(t, forms[f], lens[f]));
    }
    static const uint32_t pool[] = {'a', '\r', '\n', 0x1, 0xe9, 0x3b1, 0x4e00, 0xac00,
                                    0xac01, 0xd7a3, 0x1100, 0x1161, 0x11a8, 0x301,
                                    0x200d, 0x1f600, 0x1f1f0, 0x1f1f7, 0x600, 0x903,
                                    0xad, 0x2764, 0xfe0f, 0xe0020, 0x0915, 0x94d};
    uint32_t x = 777;
    for (int n = 0; n < 20000; n++) {
        uint32_t cps[12];
        size_t k = (size_t)(n % 12) + 1;
        for (size_t i = 0; i < k; i++) {
            x = x * 1103515245u + 12345u;
            /* mostly code points that stand alone, some that join */
            unsigned r = (x >> 16) % 64;
            cps[i] = pool[r < 40 ? r % 10 : r % (sizeof pool / sizeof pool[0])];
        }
        check_fast_agrees(t, put_cps(t, cps, k));
    }
}

/* Another thread gets its own iterator, closed when the thread ends (the
 * ASan build's leak check sees it otherwise). */
static void *count_in_thread(void *arg)
{
    size_t *n = arg;
    if (mg_unicode_graphemes(S("e\xcc\x81t\xc3\xa9"), n) != MG_OK)
        *n = 0;
    return NULL;
}

static void test_graphemes_other_thread(void **state)
{
    (void)state;
    for (int i = 0; i < 3; i++) {
        size_t n = 0;
        pthread_t th;
        assert_int_equal(pthread_create(&th, NULL, count_in_thread, &n), 0);
        assert_int_equal(pthread_join(th, NULL), 0);
        assert_int_equal(n, 3);
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

/* NFKC, then full lowercase: what a host name is compared as. */
static void test_nfkc_lower(void **state)
{
    (void)state;
    static const struct {
        const char *what, *in, *out;
    } cases[] = {
        {"ASCII", "Example.COM", "example.com"},
        {"fullwidth", "\uff25\uff38\uff21\uff2d\uff30\uff2c\uff25", "example"},
        {"Latin-1 capital", "\u00c4BC", "\u00e4bc"},
        {"final sigma", "\u03a3\u0391\u03a3", "\u03c3\u03b1\u03c2"}, /* ΣΑΣ */
        {"dotted capital I grows", "\u0130", "i\u0307"},
        {"sharp s is lowered, not folded", "Stra\u00dfe", "stra\u00dfe"},
        {"ligature", "\ufb01", "fi"},
        {"circled digit", "\u2460", "1"},
        {"square kg", "\u338f", "kg"},
        {"Roman numeral twelve", "\u216b", "xii"},
        {"mathematical bold", "\U0001d41e\U0001d431", "ex"},
        {"composes", "e\u0301", "\u00e9"},
        {"zero-width space stays", "a\u200bb", "a\u200bb"},
        {"Hangul as it is", "\ud55c\uad6d", "\ud55c\uad6d"},
        {"empty", "", ""},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        char *out;
        size_t len;
        assert_int_equal(
            mg_unicode_nfkc_lower(cases[i].in, strlen(cases[i].in), &out, &len),
            MG_OK);
        if (strcmp(out, cases[i].out) != 0 || len != strlen(cases[i].out))
            fail_msg("%s: \"%s\", want \"%s\"", cases[i].what, out,
                     cases[i].out);
        mg_free(out);
    }
    static const char *const bad[] = {"a\xff", "\xed\xa0\x80", "ab\xe2\x80"};
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        char sentinel = 0, *out = &sentinel;
        size_t len = 7;
        assert_int_equal(
            mg_unicode_nfkc_lower(bad[i], strlen(bad[i]), &out, &len),
            MG_EINVAL);
        assert_ptr_equal(out, &sentinel);
        assert_int_equal(len, 7);
    }
    /* U+FDFA is 18 characters under NFKC (with spaces) */
    char *out;
    size_t len;
    assert_int_equal(mg_unicode_nfkc_lower("\ufdfa", 3, &out, &len), MG_OK);
    assert_int_equal(len, 33); /* 15 Arabic letters of 2 bytes, 3 spaces */
    mg_free(out);
}

static void test_category(void **state)
{
    (void)state;
    static const struct {
        uint32_t c;
        uint32_t want;
    } cases[] = {
        {'A', MG_GC_LU},    {'a', MG_GC_LL},      {0x01c5, MG_GC_LT}, /* ǅ */
        {0x02b0, MG_GC_LM}, {0xac00, MG_GC_LO},   {0x4e00, MG_GC_LO},
        {0x0301, MG_GC_MN}, {0x20dd, MG_GC_ME},   {0x0903, MG_GC_MC},
        {'7', MG_GC_ND},    {0x0667, MG_GC_ND},   {0xff17, MG_GC_ND},
        {0x2166, MG_GC_NL}, {0x00b2, MG_GC_NO},   {' ', MG_GC_ZS},
        {0x3000, MG_GC_ZS}, {0x2028, MG_GC_ZL},   {0x2029, MG_GC_ZP},
        {0, MG_GC_CC},      {0x0085, MG_GC_CC},   {0x200b, MG_GC_CF},
        {0xfeff, MG_GC_CF}, {0x180e, MG_GC_CF},   {0xe000, MG_GC_CO},
        {0xd800, MG_GC_CS}, {0x0378, MG_GC_CN},   {0xffff, MG_GC_CN},
        {'-', MG_GC_PD},    {'(', MG_GC_PS},      {')', MG_GC_PE},
        {'_', MG_GC_PC},    {'!', MG_GC_PO},      {'+', MG_GC_SM},
        {'$', MG_GC_SC},    {0x20a9, MG_GC_SC},   {'^', MG_GC_SK},
        {0x00a9, MG_GC_SO}, {0x1f600, MG_GC_SO},  {0x00ab, MG_GC_PI},
        {0x00bb, MG_GC_PF}, {0x110000, MG_GC_CN}, {0xffffffff, MG_GC_CN},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++)
        if (mg_unicode_category(cases[i].c) != cases[i].want)
            fail_msg("U+%04X: category %#x, want %#x", (unsigned)cases[i].c,
                     (unsigned)mg_unicode_category(cases[i].c),
                     (unsigned)cases[i].want);
    /* the major classes hold their values and nothing else */
    assert_true(MG_GC_L & MG_GC_LT);
    assert_true(MG_GC_M & MG_GC_ME);
    assert_true(MG_GC_N & MG_GC_NL);
    assert_true(MG_GC_Z & MG_GC_ZP);
    assert_true(MG_GC_C & MG_GC_CN);
    assert_true(MG_GC_P & MG_GC_PF);
    assert_true(MG_GC_S & MG_GC_SK);
    uint32_t all =
        MG_GC_L | MG_GC_M | MG_GC_N | MG_GC_Z | MG_GC_C | MG_GC_P | MG_GC_S;
    assert_int_equal(all, (1u << 30) - 1);
    assert_int_equal(MG_GC_L & MG_GC_M, 0);
    assert_int_equal(MG_GC_P & MG_GC_S, 0);
}

/* Fails unless prop holds for every code point of yes[0..nyes) and for
 * none of no[0..nno). */
static void check_property(const char *name, bool (*prop)(uint32_t),
                           const uint32_t *yes, size_t nyes, const uint32_t *no,
                           size_t nno)
{
    for (size_t i = 0; i < nyes; i++)
        if (!prop(yes[i]))
            fail_msg("U+%04X is %s", (unsigned)yes[i], name);
    for (size_t i = 0; i < nno; i++)
        if (prop(no[i]))
            fail_msg("U+%04X is not %s", (unsigned)no[i], name);
}

static void test_white_space(void **state)
{
    (void)state;
    static const uint32_t spaces[] = {
        '\t',   '\n',   '\v',   '\f',   '\r',   ' ',    0x85,   0xa0,  0x1680,
        0x2000, 0x2005, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000};
    static const uint32_t others[] = {'a',
                                      0,
                                      0x1f,
                                      0x200b /* ZWSP */,
                                      0x180e /* not since Unicode 6.3 */,
                                      0x2060,
                                      0xfeff,
                                      0x3164,
                                      0x110000};
    check_property("White_Space", mg_unicode_is_white_space, spaces,
                   ARRAY_LEN(spaces), others, ARRAY_LEN(others));
    /* what mg_unicode_is_white_space promises (and detect_stats.c relies
     * on): White_Space holds exactly Zs, Zl, Zp and some controls */
    for (uint32_t c = 0; c <= 0x10ffff; c++) {
        uint32_t gc = mg_unicode_category(c);
        bool ws = mg_unicode_is_white_space(c);
        if (ws ? !(gc & (MG_GC_Z | MG_GC_CC)) : (gc & MG_GC_Z) != 0)
            fail_msg("U+%04X: White_Space %d, category %#x", (unsigned)c, ws,
                     (unsigned)gc);
    }
}

static void test_default_ignorable(void **state)
{
    (void)state;
    static const uint32_t yes[] = {0xad,   0x34f,  0x115f,  0x180e,
                                   0x200b, 0x200d, 0x2060,  0x3164,
                                   0xfe0f, 0xfeff, 0xe0020, 0xe01ef};
    static const uint32_t no[] = {'a',   ' ',    0,      0xa0,
                                  0x301, 0xe000, 0x3000, 0x110000};
    check_property("Default_Ignorable_Code_Point",
                   mg_unicode_is_default_ignorable, yes, ARRAY_LEN(yes), no,
                   ARRAY_LEN(no));
}

static void test_pictographic(void **state)
{
    (void)state;
    static const uint32_t yes[] = {
        0x1f600, /* 😀 Emoji_Presentation */
        0x1f3b0, /* 🎰 */
        0x231a,  /* ⌚ Emoji_Presentation */
        0x2764,  /* ❤ Extended_Pictographic only (text by default) */
        0xa9,    /* © Extended_Pictographic only */
        0x2603,  /* ☃ */
    };
    static const uint32_t no[] = {
        'a',    '#',    '1', /* Emoji, but neither property */
        0x20e3,              /* combining keycap */
        0xfe0f,              /* variation selector */
        0x2192,              /* → */
        0x3000, 0xac00, 0x110000};
    check_property("pictographic", mg_unicode_is_pictographic, yes,
                   ARRAY_LEN(yes), no, ARRAY_LEN(no));
}

static void test_script(void **state)
{
    (void)state;
    static const struct {
        uint32_t c;
        enum mg_script want;
    } cases[] = {
        {'a', MG_SCRIPT_LATIN},      {0xe9, MG_SCRIPT_LATIN}, /* é */
        {0x250, MG_SCRIPT_LATIN},                             /* ɐ */
        {0x1e9e, MG_SCRIPT_LATIN},                            /* ẞ */
        {0xff41, MG_SCRIPT_LATIN},                            /* fullwidth a */
        {0x3b1, MG_SCRIPT_GREEK},                             /* α */
        {0x1f00, MG_SCRIPT_GREEK},                            /* ἀ */
        {0x430, MG_SCRIPT_CYRILLIC},                          /* а */
        {0x440, MG_SCRIPT_CYRILLIC},                          /* р */
        {0xac00, MG_SCRIPT_OTHER},                            /* Hangul */
        {0x4e00, MG_SCRIPT_OTHER},                            /* Han */
        {0x2c80, MG_SCRIPT_OTHER},                            /* Coptic */
        {'1', MG_SCRIPT_OTHER},                               /* Common */
        {0x1d41a, MG_SCRIPT_OTHER}, /* mathematical bold a: Common */
        {0x301, MG_SCRIPT_OTHER},   /* Inherited */
        {0x378, MG_SCRIPT_OTHER},   /* Unknown */
        {0x110000, MG_SCRIPT_OTHER},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++)
        if (mg_unicode_script(cases[i].c) != cases[i].want)
            fail_msg("U+%04X: script %d, want %d", (unsigned)cases[i].c,
                     (int)mg_unicode_script(cases[i].c), (int)cases[i].want);
}

static void test_to_lower(void **state)
{
    (void)state;
    static const struct {
        uint32_t c, want;
    } cases[] = {
        {'A', 'a'},         {'a', 'a'},
        {'1', '1'},         {0xc4, 0xe4}, /* Ä */
        {0x3a3, 0x3c3},     /* Σ: σ, whatever follows (simple mapping) */
        {0x130, 'i'},       /* İ: one code point for one */
        {0x1e9e, 0xdf},     /* ẞ */
        {0xdf, 0xdf},       /* ß has no lowercase of its own */
        {0x410, 0x430},     /* А */
        {0xff21, 0xff41},   /* fullwidth A */
        {0x1c5, 0x1c6},     /* ǅ */
        {0x2160, 0x2170},   /* Ⅰ */
        {0x24b6, 0x24d0},   /* Ⓐ */
        {0x10400, 0x10428}, /* Deseret */
        {0xac00, 0xac00},   {0x110000, 0x110000},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++)
        if (mg_unicode_to_lower(cases[i].c) != cases[i].want)
            fail_msg("U+%04X: U+%04X, want U+%04X", (unsigned)cases[i].c,
                     (unsigned)mg_unicode_to_lower(cases[i].c),
                     (unsigned)cases[i].want);
}

static void test_digit_value(void **state)
{
    (void)state;
    static const struct {
        uint32_t c;
        int want;
    } cases[] = {
        {'0', 0},       {'9', 9},     {0x667, 7}, /* Arabic-Indic 7 */
        {0xff17, 7},                              /* fullwidth 7 */
        {0x966, 0},                               /* Devanagari 0 */
        {0x1d7d7, 9},                             /* mathematical bold 9 */
        {0xb2, -1},                               /* ²: No */
        {0x2166, -1},                             /* Ⅶ: Nl */
        {0x2460, -1},                             /* ①: No */
        {'a', -1},      {0x4e03, -1},             /* 七: a letter */
        {0x110000, -1},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++)
        if (mg_unicode_digit_value(cases[i].c) != cases[i].want)
            fail_msg("U+%04X: %d, want %d", (unsigned)cases[i].c,
                     mg_unicode_digit_value(cases[i].c), cases[i].want);
}

/* Encoding and decoding at the edges of each length (RFC 3629). */
static void test_utf8_one(void **state)
{
    (void)state;
    static const struct {
        uint32_t c;
        const char *bytes;
    } cases[] = {
        {0x00, ""}, /* NUL: one byte 0, strlen 0 */
        {0x41, "A"},
        {0x7f, "\x7f"},
        {0x80, "\xc2\x80"},
        {0x7ff, "\xdf\xbf"},
        {0x800, "\xe0\xa0\x80"},
        {0x20ac, "\xe2\x82\xac"}, /* € */
        {0xac00, "\xea\xb0\x80"}, /* 가 */
        {0xffff, "\xef\xbf\xbf"},
        {0x10000, "\xf0\x90\x80\x80"},
        {0x1f600, "\xf0\x9f\x98\x80"},
        {0x10ffff, "\xf4\x8f\xbf\xbf"},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        size_t want = cases[i].c ? strlen(cases[i].bytes) : 1;
        char out[4] = {'x', 'x', 'x', 'x'};
        size_t n = mg_utf8_encode(cases[i].c, out);
        if (n != want || memcmp(out, cases[i].c ? cases[i].bytes : "\0", n))
            fail_msg("U+%04X: %zu bytes, want %zu", (unsigned)cases[i].c, n,
                     want);
        const unsigned char *s = (const unsigned char *)out;
        assert_int_equal(mg_utf8_seq_len(s, n), n);
        if (mg_utf8_decode(s, n) != cases[i].c)
            fail_msg("U+%04X decodes as U+%04X", (unsigned)cases[i].c,
                     (unsigned)mg_utf8_decode(s, n));
    }
}

/* mg_utf8_seq_len against UTF-8's definition (RFC 3629: the shortest
 * form of a code point up to U+10FFFF that is not a surrogate), decoded
 * here the long way: every sequence of one to three bytes, every four-byte
 * one from the bytes at the edges of each range, and each cut short. */
static size_t seq_len_by_definition(const unsigned char *s, size_t len)
{
    unsigned c = s[0], n, cp;
    if (c < 0x80)
        return 1;
    if ((c & 0xe0) == 0xc0)
        n = 2, cp = c & 0x1f;
    else if ((c & 0xf0) == 0xe0)
        n = 3, cp = c & 0x0f;
    else if ((c & 0xf8) == 0xf0)
        n = 4, cp = c & 0x07;
    else
        return 0;
    if (len < n)
        return 0;
    for (unsigned i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    static const unsigned min[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

static void test_utf8_seq_len(void **state)
{
    (void)state;
    unsigned char s[4];
    for (uint32_t v = 0; v < (1u << 24); v++) {
        s[0] = (unsigned char)(v >> 16), s[1] = (unsigned char)(v >> 8), s[2] = (unsigned char)v;
        for (size_t len = 1; len <= 3; len++)
            if (mg_utf8_seq_len(s, len) != seq_len_by_definition(s, len))
                fail_msg("%02x %02x %02x (%zu bytes)", s[0], s[1], s[2], len);
    }
    static const unsigned char edges[] = {0x00, 0x7f, 0x80, 0x8f, 0x90, 0x9f,
                                          0xa0, 0xbf, 0xc0, 0xff};
    for (unsigned a = 0xf0; a <= 0xff; a++)
        for (size_t b = 0; b < sizeof edges; b++)
            for (size_t c = 0; c < sizeof edges; c++)
                for (size_t d = 0; d < sizeof edges; d++) {
                    s[0] = (unsigned char)a, s[1] = edges[b], s[2] = edges[c], s[3] = edges[d];
                    for (size_t len = 1; len <= 4; len++)
                        if (mg_utf8_seq_len(s, len) != seq_len_by_definition(s, len))
                            fail_msg("%02x %02x %02x %02x (%zu bytes)", s[0], s[1], s[2],
                                     s[3], len);
                }
}

/* PCRE2's \\d with UCP is General_Category Nd: decimal digits of any
 * script, not other numbers. */
static void test_has_decimal_digit(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        bool digit;
    } cases[] = {
        {"no digits here", false},
        {"call 555", true},
        {"\xd9\xa3 arabic-indic three", true},   /* U+0663 */
        {"\xef\xbc\x95 fullwidth five", true},  /* U+FF15 */
        {"\xe0\xa5\xa8 devanagari two", true},  /* U+0968 */
        {"squared \xc2\xb2", false},              /* U+00B2: No, not Nd */
        {"\xe2\x85\xa7 roman eight", false},      /* U+2167: Nl */
        {"\xea\xb8\xb0\xec\x82\xac", false},      /* Hangul */
        {"\xff\xfe bad bytes", false},
        {"\xff" "7", true},                     /* a digit after bad bytes */
        {"\xd9", false},                        /* a sequence cut short */
        {"", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (mg_unicode_has_decimal_digit(cases[i].text, strlen(cases[i].text)) !=
            cases[i].digit)
            fail_msg("case %zu (%s): want %d", i, cases[i].text, cases[i].digit);
    /* every code point, after a letter, against its digit value (ICU's
     * u_charDigitValue: a value exactly for Nd), which the ranges the
     * function skips without asking ICU must agree with */
    for (uint32_t c = 0x80; c <= 0x10ffff; c++) {
        if (c >= 0xd800 && c <= 0xdfff)
            continue;
        char t[5] = "x";
        size_t n = 1 + mg_utf8_encode(c, t + 1);
        if (mg_unicode_has_decimal_digit(t, n) != (mg_unicode_digit_value(c) >= 0))
            fail_msg("U+%04X: want %d", (unsigned)c, mg_unicode_digit_value(c) >= 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_graphemes),
        cmocka_unit_test(test_zalgo),
        cmocka_unit_test(test_graphemes_ascii_fast_path),
        cmocka_unit_test(test_graphemes_simple_fast_path),
        cmocka_unit_test(test_graphemes_other_thread),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_has_visible),
        cmocka_unit_test(test_has_visible_long),
        cmocka_unit_test(test_fold),
        cmocka_unit_test(test_folds_beyond_case),
        cmocka_unit_test(test_has_decimal_digit),
        cmocka_unit_test(test_nfkc_lower),
        cmocka_unit_test(test_category),
        cmocka_unit_test(test_white_space),
        cmocka_unit_test(test_default_ignorable),
        cmocka_unit_test(test_pictographic),
        cmocka_unit_test(test_script),
        cmocka_unit_test(test_to_lower),
        cmocka_unit_test(test_digit_value),
        cmocka_unit_test(test_utf8_one),
        cmocka_unit_test(test_utf8_seq_len),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
