/* test_prefilter.c: the strings a pattern cannot match without, and the
 * scan that finds them (src/rules/prefilter.h). Each case's expected set is
 * worked out from the pattern by hand; a pattern the prefilter must not
 * filter expects no set, and each set is also checked against PCRE2 on
 * texts that match it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "modgate/alloc.h"
#include "src/rules/prefilter.h"
#include "testutil.h"

/* The needed strings of pattern, sorted and joined by '|'; "-" for none. */
static char *needs_of(const char *pattern)
{
    char **lits;
    size_t n;
    if (!mg__prefilter_needs(pattern, &lits, &n))
        return mg_strdup("-");
    for (size_t i = 1; i < n; i++) /* insertion sort: a few strings */
        for (size_t k = i; k > 0 && strcmp(lits[k - 1], lits[k]) > 0; k--) {
            char *t = lits[k];
            lits[k] = lits[k - 1];
            lits[k - 1] = t;
        }
    char *out = mg_strdup("");
    for (size_t i = 0; i < n; i++) {
        char *next = mg_asprintf("%s%s%s", out, i ? "|" : "",
                                 strcmp(lits[i], "\x01" "D") == 0 ? "<digit>" : lits[i]);
        mg_free(out);
        out = next;
    }
    mg__prefilter_lits_free(lits, n);
    return out;
}

static void test_needs(void **state)
{
    (void)state;
    static const struct {
        const char *pattern, *want;
    } cases[] = {
        {"viagra", "viagra"},
        {"ViAgRa", "viagra"},                       /* caseless: lowered */
        {"\\bbuy\\s+viagra\\b", "viagra"},          /* the longer word */
        {"colou?r", "color|colour"},                /* an optional letter */
        {"\\b(?:mr|mrs|dr)\\.? \\w+", "dr |dr. |mr |mr. |mrs |mrs. "}, /* an alternation, joined */
        {"\\b\\d{1,2}\\s?%\\s?off\\b", "off"},      /* a word beats a digit */
        {"\\b\\d{4}[- ]\\d{4}", "<digit>"},         /* only digits */
        {"[£$€₩]\\s?\\d", "<digit>"},
        {"(?:→|->|>>)\\s?@", "->|>>|→"},
        {"토토(?:사이트|가입)", "토토가입|토토사이트"},
        {"(?i)free (?-i:BTC)", "free btc"},
        {"foo(?=bar)", "foo"},                      /* a lookaround's text is not the match's */
        {"(?<!un)wanted", "wanted"},
        {"(?<name>spam)+", "spam"},
        {"(?#note)casino", "-"},                    /* comments are not read: */
        {"\\bi(?#x)?(?:yo|you)\\b", "-"},            /* the ? makes the i optional */
        {"a(?i)?bc", "-"},
        {"[Kk]ill", "kill"},                        /* a class of two letters */
        /* nothing every match needs */
        {"\\w+", "-"},
        {".*", "-"},
        {"a|\\w", "-"},
        {"(?:spam)?", "-"},
        {"x", "-"},                                 /* one byte: too common to filter on */
        {"[a-z]{3}", "-"},
        {"[^a]bc", "bc"},
        /* what it does not read: the pattern always runs */
        {"(?x) v i a g r a", "-"},
        {"(?xi)viagra", "-"},
        {"\\x{76}iagra", "-"},
        {"(viagra)\\1", "-"},
        {"\\Qviagra\\E", "-"},
        {"(?R)|viagra", "-"},
        {"(*UCP)(*UTF)viagra", "viagra"},           /* options that change nothing here */
        {"(*CRLF)viagra", "-"},
        {"(*NO_JIT)viagra", "-"},
        {"a{,3}viagra", "-"},
        {"[[:alpha:]]viagra", "-"},
        {"(?|a)", "-"},
        /* a literal longer than an exact string may grow: its first 32 bytes */
        {"abcdefghijklmnopqrstuvwxyzABCDEFGHIJ", "abcdefghijklmnopqrstuvwxyzabcdef"},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        char *got = needs_of(cases[i].pattern);
        if (strcmp(got, cases[i].want) != 0)
            fail_msg("%s: got %s, want %s", cases[i].pattern, got, cases[i].want);
        mg_free(got);
    }
}

static bool scan_sees(const char *lit, const char *text)
{
    struct mg__prefilter *pf = mg__prefilter_new();
    uint32_t other = mg__prefilter_add(pf, "zzzz", 4);
    uint32_t id = mg__prefilter_add(pf, lit, strlen(lit));
    assert_int_equal(mg__prefilter_add(pf, lit, strlen(lit)), id); /* added once */
    assert_int_not_equal(id, other);
    uint8_t seen[8] = {0};
    mg__prefilter_scan(pf, text, strlen(text), seen);
    bool yes = mg__prefilter_seen(seen, id);
    assert_false(mg__prefilter_seen(seen, other));
    mg__prefilter_free(pf);
    return yes;
}

static void test_scan(void **state)
{
    (void)state;
    assert_true(scan_sees("kill", "I will KILL you"));
    assert_true(scan_sees("kill", "I will \u212aill you")); /* KELVIN SIGN */
    assert_true(scan_sees("spam", "\u017fpam"));            /* LONG S */
    assert_true(scan_sees("ab", "xxab"));                   /* at the very end */
    assert_true(scan_sees("abc", "abc"));
    assert_true(scan_sees("abcdefghij", "..abcdefghij"));
    assert_false(scan_sees("abcdefghij", "..abcdefghi"));   /* one byte short */
    assert_false(scan_sees("abcdefghij", "..abcdefgh_j"));
    assert_false(scan_sees("abcde", "abcd"));
    assert_true(scan_sees("토토사이트", "여기 토토사이트 가입"));
    assert_false(scan_sees("토토사이트", "토토 사이트"));
    assert_false(scan_sees("kill", "k i l l"));
}

/* An alternation of more strings than a set may hold needs nothing: the
 * pattern always runs. */
static void test_too_many_alternatives(void **state)
{
    (void)state;
    char *pattern = mg_strdup("w0000");
    for (int i = 1; i < 600; i++) {
        char *next = mg_asprintf("%s|w%04d", pattern, i);
        mg_free(pattern);
        pattern = next;
    }
    char *got = needs_of(pattern);
    assert_string_equal(got, "-");
    mg_free(got);
    mg_free(pattern);
}

/* A text longer than the scan's stack buffer is read whole. */
static void test_scan_long_text(void **state)
{
    (void)state;
    char text[5000];
    memset(text, 'x', sizeof text);
    memcpy(text + sizeof text - 8, "viagra!!", 8);
    text[sizeof text - 1] = '\0';
    assert_true(scan_sees("viagra", text));
    text[sizeof text - 3] = '\0'; /* cut inside the word: "viag" */
    text[sizeof text - 4] = '\0';
    assert_false(scan_sees("viagra", text));
}

static void test_digits(void **state)
{
    (void)state;
    char **lits;
    size_t n;
    assert_true(mg__prefilter_needs("\\d{3}", &lits, &n));
    struct mg__prefilter *pf = mg__prefilter_new();
    uint32_t id = mg__prefilter_add(pf, lits[0], strlen(lits[0]));
    mg__prefilter_lits_free(lits, n);
    static const struct {
        const char *text;
        bool digit;
    } cases[] = {
        {"call 555", true},    {"no digits here", false}, {"\u0663 arabic-indic", true},
        {"\uff15 fullwidth", true}, {"한국어 문장", false}, {"D \x01 d", false},
        {"7", true}, /* one byte: no literal fits, a digit does (found by fuzz_prefilter) */
        {"x", false},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        uint8_t seen[1] = {0};
        mg__prefilter_scan(pf, cases[i].text, strlen(cases[i].text), seen);
        if (mg__prefilter_seen(seen, id) != cases[i].digit)
            fail_msg("%s: digit %d", cases[i].text, !cases[i].digit);
    }
    mg__prefilter_free(pf);
}

/* Whatever PCRE2 matches holds a needed string: the promise itself, on
 * pairs worked out to sit at the edges. */
static void test_against_pcre2(void **state)
{
    (void)state;
    static const struct {
        const char *pattern, *text;
    } cases[] = {
        {"colou?r", "COLOR"},
        {"\\bkill\\b", "\u212aILL"},
        {"spam+", "\u017fpammm"},
        {"(?:a|b)(?:c|d)e", "ade"},
        {"\\d+ btc", "\u0665 BTC"},
        {"[Ss]ell", "\u017fell"},
        {"x(?:yz)?w", "xw"},
        {"ab(?=c)", "abc"},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        int code;
        PCRE2_SIZE off;
        pcre2_code *re = pcre2_compile((PCRE2_SPTR)cases[i].pattern, PCRE2_ZERO_TERMINATED,
                                       PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS, &code, &off,
                                       NULL);
        assert_non_null(re);
        pcre2_match_data *md = pcre2_match_data_create(1, NULL);
        size_t len = strlen(cases[i].text);
        assert_true(pcre2_match(re, (PCRE2_SPTR)cases[i].text, len, 0, 0, md, NULL) >= 0);
        char **lits;
        size_t n;
        assert_true(mg__prefilter_needs(cases[i].pattern, &lits, &n));
        struct mg__prefilter *pf = mg__prefilter_new();
        uint32_t ids[16];
        assert_true(n <= 16);
        for (size_t k = 0; k < n; k++)
            ids[k] = mg__prefilter_add(pf, lits[k], strlen(lits[k]));
        uint8_t seen[4] = {0};
        mg__prefilter_scan(pf, cases[i].text, len, seen);
        bool any = false;
        for (size_t k = 0; k < n; k++)
            any |= mg__prefilter_seen(seen, ids[k]);
        if (!any)
            fail_msg("%s matches %s, but the prefilter says it cannot", cases[i].pattern,
                     cases[i].text);
        mg__prefilter_lits_free(lits, n);
        mg__prefilter_free(pf);
        pcre2_match_data_free(md);
        pcre2_code_free(re);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_needs),
        cmocka_unit_test(test_scan),
        cmocka_unit_test(test_digits),
        cmocka_unit_test(test_too_many_alternatives),
        cmocka_unit_test(test_scan_long_text),
        cmocka_unit_test(test_against_pcre2),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
