/* test_normalize.c: the words word rules see: NFKC, case folding,
 * invisibles, confusables, word breaking, leet and run forms, joining of
 * spelled-out letters, spans in the original's code points. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <string.h>

#include "modgate/alloc.h"
#include "modgate/normalize.h"
#include "src/rules/normalize_internal.h"
#include "testutil.h"

/* Explicit lengths so that strings with a NUL can be cases too. */
#define S(lit) lit, sizeof(lit) - 1

static struct mg_norm norm_ok(const char *what, const char *text, size_t len)
{
    struct mg_norm n;
    int rc = mg_normalize(text, len, &n);
    if (rc != MG_OK)
        fail_msg("%s: rc %d", what, rc);
    return n;
}

/* The text, the plain forms joined by spaces. */
static void test_plain_text(void **state)
{
    (void)state;
    static const struct {
        const char *what;
        const char *text;
        size_t len;
        const char *want;
        size_t words;
    } cases[] = {
        {"fullwidth", S("\uff46\uff52\uff45\uff45"), "free", 1},
        {"Cyrillic e", S("fr\u0435\u0435"), "free", 1},
        {"Greek capital rho", S("\u03a1aypal"), "paypal", 1},
        {"Cyrillic a and o", S("p\u0430yp\u0430l \u0441\u043e\u043el"),
         "paypal cool", 2},
        {"case folded", S("FrEe"), "free", 1},
        {"full case folding", S("STRA\u00dfE"), "strasse", 1},
        {"mathematical bold", S("\U0001d41f\U0001d42b\U0001d41e\U0001d41e"),
         "free", 1},
        {"never split", S("Scunthorpe"), "scunthorpe", 1},
        {"ASCII not skeleton-mapped", S("click"), "click", 1},
        {"two spaces, bang", S("Free  Money!"), "free money", 2},
        {"apostrophe dropped", S("don't"), "dont", 1},
        {"ligature", S("\ufb01ne"), "fine", 1},
        {"e + combining acute composes", S("cafe\u0301"), "caf\u00e9", 1},
        {"accent kept", S("caf\u00e9"), "caf\u00e9", 1},
        {"zalgo", S("z\u0338\u0322a\u0335l\u0337g\u0336o\u0334"), "zalgo", 1},
        {"zalgo, marks that compose",
         S("z\u0301\u0302\u0303a\u0300\u0301\u0308l\u0304\u0306\u0307go"),
         "zalgo", 1},
        {"Vietnamese, two marks", S("vie\u0323\u0302t"), "vi\u1ec7t", 1},
        {"Devanagari keeps its marks", S("\u0928\u0939\u0940\u0902"),
         "\u0928\u0939\u0940\u0902", 1},
        {"Arabic not confusable-mapped", S("\u0645\u0627\u0647"),
         "\u0645\u0627\u0647", 1},
        {"Hangul untouched", S("\uc548\ub155"), "\uc548\ub155", 1},
        {"compatibility jamo compose", S("\u3145\u3163\ubc1c"), "\uc2dc\ubc1c",
         1},
        {"NUL between words", S("free\0money"), "free money", 2},
        {"emoji are no words", S("\U0001f600 \u2764\ufe0f !!"), "", 0},
        {"only spaces", S("   \t\n "), "", 0},
        {"empty", S(""), "", 0},
        {"hello! keeps no bang", S("hello!"), "hello", 1},
        {"100%", S("100%"), "100", 1},
        {"$5", S("$5"), "5", 1},
        {"@user", S("@user"), "user", 1},
        {"e-mail", S("bob@example.com"), "bobexamplecom", 1},
        {"mathematical bold italic", S("\U0001d483\U0001d496\U0001d49a"), "buy",
         1},
        {"mathematical double-struck", S("\U0001d553\U0001d566\U0001d56a"),
         "buy", 1},
        {"circled", S("\u24d1\u24e4\u24e8"), "buy", 1},
        {"squared", S("\U0001f131\U0001f144\U0001f148"), "buy", 1},
        /* NFKC leaves these alone: mapped by hand */
        {"negative circled", S("\U0001f151\U0001f164\U0001f168"), "buy", 1},
        {"negative squared", S("\U0001f171\U0001f184\U0001f188"), "buy", 1},
        {"enclosed kinds mixed", S("\u24d1\U0001f164\U0001f188 it"), "buy it",
         2},
        {"regional indicators, three", S("\U0001f1e7\U0001f1fa\U0001f1fe"),
         "buy", 1},
        {"regional indicators, no flag", S("\U0001f1fd\U0001f1fd"), "xx", 1},
        {"a flag stays an emoji", S("\U0001f1f0\U0001f1f7 fighting"),
         "fighting", 1},
        {"flags in a row read as letters",
         S("\U0001f1f8\U0001f1ed\U0001f1ee\U0001f1f9"), "shit", 1},
        /* Look-alikes inside a Latin word, letter by letter, in the case
         * they were written in. */
        {"Greek kappa", S("\u03baill"), "kill", 1},
        {"Greek capital eta is h", S("\u0397ELLO"), "hello", 1},
        {"Greek small eta is n", S("\u03b7ice"), "nice", 1},
        {"Greek tau, Cyrillic te", S("\u03c4est \u0442est"), "test test", 2},
        {"Cyrillic dze, te", S("\u0455\u0442upid"), "stupid", 1},
        {"Cyrillic en, capital and small", S("\u041dELLO \u043dello"),
         "hello hello", 2},
        {"Cyrillic ka, em", S("\u043aill \u043coron"), "kill moron", 2},
        /* Greek and Russian words stay as step 4 made them. */
        {"Greek word", S("\u03ba\u03b1\u03bb\u03b7\u03bc\u03ad\u03c1\u03b1"),
         "\u03baa\u03bb\u03b7\u03bc\u03adpa", 1},
        {"Russian word beside a Latin one",
         S("\u043f\u0440\u0438\u0432\u0435\u0442 ok"),
         "\u043fp\u0438\u0432e\u0442 ok", 2},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        struct mg_norm n = norm_ok(cases[i].what, cases[i].text, cases[i].len);
        if (strcmp(n.text, cases[i].want) != 0 || n.nwords != cases[i].words)
            fail_msg("%s: \"%s\" (%zu words), want \"%s\" (%zu)", cases[i].what,
                     n.text, n.nwords, cases[i].want, cases[i].words);
        assert_int_equal(n.len, strlen(cases[i].want));
        mg_norm_close(&n);
    }
}

/* Every form of one word, in the order normalize.c gives them. */
static void test_forms(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        size_t word;
        const char *forms[MG_NORM_MAX_FORMS + 1]; /* NULL-terminated */
    } cases[] = {
        {"fr33 m0ney", 0, {"fr33", "free", "fre"}}, /* squeezed */
        {"fr33 m0ney", 1, {"m0ney", "money"}},
        {"fuuuuck", 0, {"fuuuuck", "fuck", "fuuck"}},
        {"sooo", 0, {"sooo", "so", "soo"}},
        {"free", 0, {"free", "fre"}}, /* a run of two is only squeezed */
        {"2024", 0, {"2024"}},
        {"1000000", 0, {"1000000"}},
        {"$hit", 0, {"hit", "shit"}},
        {"a$$", 0, {"a", "ass", "as"}},
        {"@ss", 0, {"ss", "ass", "as"}},
        {"sh!t", 0, {"sht", "shit"}},
        {"sh!t!", 0, {"sht", "shit"}},
        {"@user", 0, {"user", "auser"}},
        {"3\u20acx", 0, {"3x", "eex", "ex"}},
        {"s1ut", 0, {"s1ut", "siut", "slut"}},
        {"|oser", 0, {"oser", "loser"}},
        {"t+st", 0, {"tst", "ttst"}},
        {"$5", 0, {"5"}},
        {"ASSSSS", 0, {"asssss", "as", "ass"}},
        {"\u314b\u314b\u314b",
         0,
         {"\u110f\u110f\u110f", "\u110f", "\u110f\u110f"}},
        /* Six forms before the l-form: it is left out. */
        {"b1tchhhh",
         0,
         {"b1tchhhh", "bitchhhh", "b1tch", "bitch", "b1tchh", "bitchh"}},
        {"k1lll", 0, {"k1lll", "killl", "k1l", "kil", "k1ll", "kill"}},
        {"s h 1 t", 0, {"sh1t", "shit", "shlt"}},
        /* Four leet symbols in a row are punctuation. */
        {"you!!!!dumb", 0, {"you"}},
        {"you!!!!dumb", 1, {"dumb"}},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        struct mg_norm n =
            norm_ok(cases[i].text, cases[i].text, strlen(cases[i].text));
        if (cases[i].word >= n.nwords)
            fail_msg("%s: %zu words", cases[i].text, n.nwords);
        const struct mg_norm_word *w = &n.words[cases[i].word];
        size_t want = 0;
        while (cases[i].forms[want])
            want++;
        for (size_t f = 0; f < want && f < w->nforms; f++)
            if (strcmp(w->form[f], cases[i].forms[f]) != 0)
                fail_msg("%s: form %zu \"%s\", want \"%s\"", cases[i].text, f,
                         w->form[f], cases[i].forms[f]);
        if (w->nforms != want)
            fail_msg("%s: %zu forms, want %zu (last \"%s\")", cases[i].text,
                     w->nforms, want, w->form[w->nforms - 1]);
        mg_norm_close(&n);
    }
}

/* Which form is the squeezed one (letters doubled cut to one), if any. */
static void test_squeezed_form(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *squeezed; /* NULL: none */
    } cases[] = {
        {"stuupiid", "stupid"}, /* a form of its own */
        {"fuuuuck", "fuck"},    /* the same as the runs collapsed to one */
        {"f4gg0t", "fagot"},    /* of the leet reading */
        {"stupid", NULL},       /* no letter twice */
        {"\ubcd1\uc2e0\uc2e0", "\ubcd1\uc2e0"}, /* 병신신 */
        /* a syllable doubled inside a word is part of it: 토토나 keeps
         * its 토토 (sports toto), and does not read as the insult 토나 */
        {"\ud1a0\ud1a0\ub098", NULL},
        {"\ud1a0\ud1a0\ud1a0\ub098", "\ud1a0\ub098"}, /* 토토토나: a run of 3 */
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        struct mg_norm n =
            norm_ok(cases[i].text, cases[i].text, strlen(cases[i].text));
        const struct mg_norm_word *w = &n.words[0];
        const char *got = w->squeezed >= 0 ? w->form[w->squeezed] : NULL;
        if (!cases[i].squeezed != !got ||
            (got && strcmp(got, cases[i].squeezed) != 0))
            fail_msg("%s: squeezed \"%s\", want \"%s\"", cases[i].text,
                     got ? got : "(none)",
                     cases[i].squeezed ? cases[i].squeezed : "(none)");
        mg_norm_close(&n);
    }
    char entry[] = "faggot";
    assert_int_equal(mg_norm_squeeze(entry), 5);
    assert_string_equal(entry, "fagot");
}

struct want_word {
    const char *plain;
    uint32_t start, end;
};

/* Words and their spans in code points of the original text. */
static void test_words_and_spans(void **state)
{
    (void)state;
    static const struct {
        const char *what;
        const char *text;
        size_t len;
        struct want_word words[5];
        size_t nwords;
    } cases[] = {
        {"spaced", S("f u c k"), {{"fuck", 0, 7}}, 1},
        {"dotted", S("f.u.c.k"), {{"fuck", 0, 7}}, 1},
        {"hyphens", S("f-u-c-k"), {{"fuck", 0, 7}}, 1},
        {"underscores", S("f_u_c_k"), {{"fuck", 0, 7}}, 1},
        {"asterisks, spaces", S("f * u * c * k"), {{"fuck", 0, 13}}, 1},
        {"in a sentence",
         S("say f u c k now"),
         {{"say", 0, 3}, {"fuck", 4, 11}, {"now", 12, 15}},
         3},
        {"dotted with a digit", S("m.0.n.e.y"), {{"m0ney", 0, 9}}, 1},
        {"a wider gap ends a spaced word",
         S("f u c k   y o u"),
         {{"fuck", 0, 7}, {"you", 10, 15}},
         2},
        {"dotted words apart by a space",
         S("s.t.u.p.i.d i.d.e.a"),
         {{"stupid", 0, 11}, {"idea", 12, 19}},
         2},
        {"even gaps join", S("f  u  c  k"), {{"fuck", 0, 10}}, 1},
        {"two spaced words two spaces apart",
         S("f o r e x  t r a d i n g"),
         {{"forex", 0, 9}, {"trading", 11, 24}},
         2},
        {"a word of one letter, then a spaced one",
         S("a   m o r o n"),
         {{"a", 0, 1}, {"moron", 4, 13}},
         2},
        {"Hangul syllables",
         S("\uc528 \ubc1c \ub188"),
         {{"\uc528\ubc1c\ub188", 0, 5}},
         1},
        {"one script to a run",
         S("f u c k \uc528 \ubc1c \ub188"),
         {{"fuck", 0, 7}, {"\uc528\ubc1c\ub188", 8, 13}},
         2},
        {"two letters stay apart", S("a b"), {{"a", 0, 1}, {"b", 2, 3}}, 2},
        {"digits stay apart",
         S("1 2 3"),
         {{"1", 0, 1}, {"2", 2, 3}, {"3", 4, 5}},
         3},
        {"spaced ideographs",
         S("\u6211 \u662f \u4f60"),
         {{"\u6211\u662f\u4f60", 0, 5}},
         1},
        {"Korean",
         S("\uc774 \uc0c8\ub07c\uc57c \uc815\ub9d0"), /* 이 새끼야 정말 */
         {{"\uc774", 0, 1},
          {"\uc0c8\ub07c\uc57c", 2, 5},
          {"\uc815\ub9d0", 6, 8}},
         3},
        {"emoji and marks before",
         /* 😀 👨 ZWJ 👩 ZWJ 👧 (0-5), space, n + tilde (7-8), space,
          * x + 2 marks (10-12), space, word (14-17) */
         S("\U0001f600\U0001f468\u200d\U0001f469\u200d\U0001f467 n\u0303 "
           "x\u0301\u0302 word"),
         {{"\u00f1", 7, 9}, {"x", 10, 13}, {"word", 14, 18}},
         3},
        {"fullwidth maps back one to one",
         S("\u3000\uff46\uff52\uff45\uff45\uff01 ok"),
         {{"free", 1, 5}, {"ok", 7, 9}},
         2},
        {"a ligature is one code point",
         S("\ufb01 ne x"),
         {{"fi", 0, 1}, {"ne", 2, 4}, {"x", 5, 6}},
         3},
        {"invisibles inside count in the span",
         S("fr\u200bee d"),
         {{"free", 0, 5}, {"d", 6, 7}},
         2},
        {"leet symbols in the span",
         S("oh $hit a$$!"),
         {{"oh", 0, 2}, {"hit", 3, 7}, {"a", 8, 11}},
         3},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        struct mg_norm n = norm_ok(cases[i].what, cases[i].text, cases[i].len);
        if (n.nwords != cases[i].nwords)
            fail_msg("%s: %zu words (\"%s\"), want %zu", cases[i].what,
                     n.nwords, n.text, cases[i].nwords);
        for (size_t w = 0; w < n.nwords; w++) {
            const struct want_word *ww = &cases[i].words[w];
            const struct mg_norm_word *got = &n.words[w];
            if (strcmp(got->form[0], ww->plain) != 0 ||
                got->start != ww->start || got->end != ww->end)
                fail_msg("%s: word %zu \"%s\" [%u,%u), want \"%s\" [%u,%u)",
                         cases[i].what, w, got->form[0], got->start, got->end,
                         ww->plain, ww->start, ww->end);
        }
        mg_norm_close(&n);
    }
}

static void test_invisibles(void **state)
{
    (void)state;
    static const struct {
        const char *what;
        const char *text;
        size_t len;
        const char *want;
        size_t invisibles;
    } cases[] = {
        {"zero-width space", S("fr\u200bee"), "free", 1},
        {"joiner, soft hyphen, word joiner", S("f\u200dr\u00ade\u2060e"),
         "free", 3},
        {"non-joiner in a Latin word", S("fr\u200cee"), "free", 1},
        {"bidi override", S("\u202efree\u202c"), "free", 2},
        {"BOM, variation selector", S("\ufefffr\ufe00ee"), "free", 2},
        {"Hangul filler", S("\u3164free"), "free", 1},
        /* Writing, not hiding: removed, not counted. */
        {"emoji presentation", S("\u2764\ufe0f"), "", 0},
        {"family", S("\U0001f468\u200d\U0001f469\u200d\U0001f467"), "", 0},
        {"keycap", S("1\ufe0f\u20e3"), "1", 0},
        {"Persian non-joiner",
         S("\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"),
         "\u0645\u06cc\u062e\u0648\u0627\u0647\u0645", 0},
        {"none", S("free money"), "free money", 0},
        /* "🅱️": the emoji's selector, though the sign reads "b" */
        {"negative squared b, emoji style", S("\U0001f171\ufe0f"), "b", 0},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        struct mg_norm n = norm_ok(cases[i].what, cases[i].text, cases[i].len);
        if (strcmp(n.text, cases[i].want) != 0 ||
            n.invisibles != cases[i].invisibles)
            fail_msg("%s: \"%s\", %zu invisibles, want \"%s\", %zu",
                     cases[i].what, n.text, n.invisibles, cases[i].want,
                     cases[i].invisibles);
        mg_norm_close(&n);
    }
}

static void test_entry(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        size_t len;
        const char *want; /* NULL: no entry */
    } cases[] = {
        {S("Free  Money!"), "free money"},
        {S("F U C K"), "fuck"},
        {S("fr33"), "fr33"}, /* no leet: the list says what it means */
        {S("\uff33\uff23\uff35\uff2e"), "scun"},
        {S("  don't  "), "dont"},
        {S(""), NULL},
        {S("!!! ..."), NULL},
        {S("\xed\xa0\x80"), NULL},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        char *got = mg_normalize_entry(cases[i].text, cases[i].len);
        if (!cases[i].want) {
            if (got)
                fail_msg("entry %zu: \"%s\", want NULL", i, got);
            continue;
        }
        if (!got)
            fail_msg("entry %zu: NULL, want \"%s\"", i, cases[i].want);
        assert_string_equal(got, cases[i].want);
        mg_free(got);
    }
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    const struct mg_test_bad_utf8 *cases = mg_test_bad_utf8;
    for (size_t i = 0; i < ARRAY_LEN(mg_test_bad_utf8); i++) {
        struct mg_norm n;
        int rc = mg_normalize(cases[i].text, cases[i].len, &n);
        if (rc != MG_EINVAL)
            fail_msg("%s: rc %d, want MG_EINVAL", cases[i].what, rc);
        mg_norm_close(&n); /* harmless on a failed call */
    }
}

/* A base with 100,000 marks, and text longer than the word break
 * iterator's window (1 Mi UTF-16 units): the words past the window start
 * where they should. */
static void test_long_text(void **state)
{
    (void)state;
    size_t marks = 100000;
    char *zalgo = mg_malloc(1 + marks * 2);
    zalgo[0] = 'a';
    for (size_t i = 0; i < marks; i++)
        memcpy(zalgo + 1 + i * 2, "\xcc\x81", 2); /* U+0301 */
    struct mg_norm n = norm_ok("zalgo", zalgo, 1 + marks * 2);
    assert_int_equal(n.nwords, 1);
    assert_string_equal(n.text, "a");
    assert_int_equal(n.words[0].start, 0);
    assert_int_equal(n.words[0].end, 1 + marks);
    mg_norm_close(&n);
    mg_free(zalgo);

    size_t reps = 100000; /* "free money " is 11 code points: 1.1 M */
    char *text = mg_malloc(reps * 11);
    for (size_t i = 0; i < reps; i++)
        memcpy(text + i * 11, "free money ", 11);
    n = norm_ok("long", text, reps * 11);
    assert_int_equal(n.nwords, reps * 2);
    for (size_t i = 0; i < n.nwords; i++) {
        uint32_t start = (uint32_t)(i / 2 * 11 + (i % 2) * 5);
        if (n.words[i].start != start ||
            strcmp(n.words[i].form[0], i % 2 ? "money" : "free") != 0)
            fail_msg("word %zu: \"%s\" at %u, want %u", i, n.words[i].form[0],
                     n.words[i].start, start);
    }
    mg_norm_close(&n);
    mg_free(text);
}

/* Ideographs written together are words of the dictionary, not letters
 * spelled out: whatever the words are, there are more than one. */
static void test_ideographs_not_joined(void **state)
{
    (void)state;
    const char *text =
        "\u6211\u662f\u4f60\u7684\u670b\u53cb"; /* 我是你的朋友 */
    struct mg_norm n = norm_ok("ideographs", text, strlen(text));
    assert_true(n.nwords >= 2);
    assert_int_equal(n.words[0].start, 0);
    assert_int_equal(n.words[n.nwords - 1].end, 6);
    mg_norm_close(&n);
}

/* A list of words for mg_normalize_with: the NULL-terminated ctx. */
static bool knows(const void *ctx, const char *form, size_t len)
{
    for (const char *const *w = ctx; *w; w++)
        if (strlen(*w) == len && memcmp(*w, form, len) == 0)
            return true;
    return false;
}

/* One-letter words beside spelled-out letters with the same gap as the
 * letters' own: cut off when what is left has 3+ letters, unless the lists
 * know the whole run; the rest keeps the whole run's reading as a form. */
static void test_one_letter_words(void **state)
{
    (void)state;
    static const char *const lists[] = {"idiot", "asshole", "fuck", NULL};
    static const struct {
        const char *what;
        const char *text;
        bool with_lists;
        struct want_word words[5];
        size_t nwords;
    } cases[] = {
        {"article before",
         "you are a f u c k i n g idiot",
         false,
         {{"you", 0, 3},
          {"are", 4, 7},
          {"a", 8, 9},
          {"fucking", 10, 23},
          {"idiot", 24, 29}},
         5},
        {"pronoun before",
         "I w i l l kill",
         false,
         {{"i", 0, 1}, {"will", 2, 9}, {"kill", 10, 14}},
         3},
        {"text-speak you after",
         "f u c k u",
         false,
         {{"fuck", 0, 7}, {"u", 8, 9}},
         2},
        {"both ends",
         "a f o o l i",
         false,
         {{"a", 0, 1}, {"fool", 2, 9}, {"i", 10, 11}},
         3},
        {"a rest of two letters stays", "a s s", false, {{"ass", 0, 5}}, 1},
        {"the lists know the whole",
         "an i d i o t",
         true,
         {{"an", 0, 2}, {"idiot", 3, 12}},
         2},
        {"the lists know the whole (2)",
         "a s s h o l e",
         true,
         {{"asshole", 0, 13}},
         1},
        {"the lists know the rest",
         "a f u c k",
         true,
         {{"a", 0, 1}, {"fuck", 2, 9}},
         2},
        {"no lists: cut",
         "an i d i o t",
         false,
         {{"an", 0, 2}, {"i", 3, 4}, {"diot", 5, 12}},
         3},
        {"a different gap keeps it apart",
         "a   m o r o n",
         true,
         {{"a", 0, 1}, {"moron", 4, 13}},
         2},
    };
    const struct mg_norm_known known = {knows, lists};
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        struct mg_norm n;
        if (mg_normalize_with(cases[i].text, strlen(cases[i].text),
                              cases[i].with_lists ? &known : NULL, &n) != MG_OK)
            fail_msg("%s: not normalized", cases[i].what);
        if (n.nwords != cases[i].nwords)
            fail_msg("%s: %zu words (\"%s\"), want %zu", cases[i].what,
                     n.nwords, n.text, cases[i].nwords);
        for (size_t w = 0; w < n.nwords; w++) {
            const struct want_word *ww = &cases[i].words[w];
            const struct mg_norm_word *got = &n.words[w];
            if (strcmp(got->form[0], ww->plain) != 0 ||
                got->start != ww->start || got->end != ww->end)
                fail_msg("%s: word %zu \"%s\" [%u,%u), want \"%s\" [%u,%u)",
                         cases[i].what, w, got->form[0], got->start, got->end,
                         ww->plain, ww->start, ww->end);
        }
        mg_norm_close(&n);
    }

    /* The cut rest keeps the whole run's reading, so a list matches either. */
    struct mg_norm n = norm_ok("diot", "an i d i o t", strlen("an i d i o t"));
    assert_int_equal(n.nwords, 3);
    assert_int_equal(n.words[2].nforms, 2);
    assert_string_equal(n.words[2].form[1], "idiot");
    assert_true(n.words[2].spelled);
    assert_false(n.words[1].spelled);
    mg_norm_close(&n);
}

/* A text written in leet shows the leet reading of its leet words in the
 * normalized text (which normalized_regex sees); ordinary text with a few
 * alphanumerics keeps them as written. The forms stay the same set. */
static void test_leet_text(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *want;
    } cases[] = {
        {"1 w1ll k1ll y0u", "i will kill you"},
        {"h4ng 4ll th3 tr41t0rs", "hang all the traitors"},
        {"fr33 b1tc01n g1v34w4y", "free bitcoin giveaway"},
        {"g0 b4ck 70 4fr1c4", "go back to africa"},
        {"Y0u 4r3 4 fuck1ng 1d107", "you are a fucking idiot"},
        {"$h!t f4c3 l0s3r", "shit face loser"},
        /* ordinary text */
        {"The G7 met in 2024 on covid19, mp3 and 4x4 sales, $600 million, "
         "10% more B2B",
         "the g7 met in 2024 on covid19 mp3 and 4x4 sales 600 million 10 more "
         "b2b"},
        {"G7 and B2B", "g7 and b2b"},
        {"mp3 4x4 1080p", "mp3 4x4 1080p"},
        {"you are a b1tch", "you are a b1tch"},
        {"fr33 m0ney now", "fr33 m0ney now"},
        /* not Latin letters: digits in Russian words stay */
        {"\u043f\u04401\u0432\u0435\u0442 \u043a0\u0442 \u04340\u043c",
         "\u043fp1\u0432e\u0442 \u043a0\u0442 \u04340\u043c"},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        struct mg_norm n =
            norm_ok(cases[i].text, cases[i].text, strlen(cases[i].text));
        if (strcmp(n.text, cases[i].want) != 0)
            fail_msg("%s: \"%s\", want \"%s\"", cases[i].text, n.text,
                     cases[i].want);
        mg_norm_close(&n);
    }
    /* Spans still map back; the written spelling is the second form. */
    struct mg_norm n = norm_ok("spans", S("1 w1ll k1ll y0u"));
    static const struct want_word want[] = {
        {"i", 0, 1}, {"will", 2, 6}, {"kill", 7, 11}, {"you", 12, 15}};
    static const char *const written[] = {"1", "w1ll", "k1ll", "y0u"};
    assert_int_equal(n.nwords, 4);
    for (size_t w = 0; w < 4; w++) {
        assert_string_equal(n.words[w].form[0], want[w].plain);
        assert_string_equal(n.words[w].form[1], written[w]);
        assert_int_equal(n.words[w].start, want[w].start);
        assert_int_equal(n.words[w].end, want[w].end);
    }
    /* The squeezed form follows the swap: "fr33" is "free" then "fr33". */
    mg_norm_close(&n);
    n = norm_ok("squeezed", S("fr33 b1tc01n g1v34w4y"));
    assert_string_equal(n.words[0].form[0], "free");
    assert_string_equal(n.words[0].form[1], "fr33");
    assert_string_equal(n.words[0].form[n.words[0].squeezed], "fre");
    mg_norm_close(&n);
}

/* A text stretched throughout shows each stretched word as a reader reads
 * it in the normalized text (which normalized_regex sees): the spelling a
 * list knows when there is one, else runs of 3+ cut to two, "aa" "ii"
 * "uu" to one, "ee" "oo" to one in a text that doubles its vowels
 * throughout, and a Hangul syllable said again at a word's end dropped.
 * Ordinary text stays as written. Expected values worked out by hand. */
static void test_stretched_text(void **state)
{
    (void)state;
    static const char *const none[] = {NULL};
    static const char *const you[] = {"you", NULL};
    static const char *const shot[] = {"shot", "will", NULL};
    static const char *const fuck[] = {"fuck", NULL};
    static const char *const see[] = {"see", NULL};
    static const struct {
        const char *text;
        const char *const *lists;
        const char *want;
    } cases[] = {
        /* every vowel doubled: the text doubles its a, i and u, so its
         * "ee" and "oo" are single vowels doubled too */
        {"I wiill kiill yoouu", none, "i will kill you"},
        {"Hoopee soomeeoonee throows aaciid in heer faacee", none,
         "hope someone throws acid in her face"},
        /* one doubled a, i or u is too little to tell that the writer
         * doubles every vowel: "ee" and "oo" stay */
        {"yoouu deeseervee too bee shoooot", none,
         "yoou deeseervee too bee shoot"},
        /* stretched by hand: runs of 3+ are two, a i u one */
        {"I wiiill kiiill yooouuu", none, "i will kill yoou"},
        /* a spelling the lists know wins over the reader's reading */
        {"I wiiill kiiill yooouuu", you, "i will kill you"},
        {"I wiill shoooot yoouu", shot, "i will shot you"},
        {"fuuuckkk yoouu aaall", fuck, "fuck you all"},
        /* a listed word as written stays ("see" is no "se") */
        {"I wiill see yoouu", see, "i will see you"},
        {"I wiill see yoouu", none, "i will se you"},
        /* Korean: the last syllable said again */
        {"\uc8fd\uc5ec\ubc84\ub9b0\ub2e4\ub2e4 "
         "\ucc3e\uc544\uac00\uaca0\ub2e4\ub2e4",
         none, "\uc8fd\uc5ec\ubc84\ub9b0\ub2e4 \ucc3e\uc544\uac00\uaca0\ub2e4"},
        /* ordinary text, as written */
        {"see good book will kill all coffee Mississippi", none,
         "see good book will kill all coffee mississippi"},
        {"Sooo good, see you soon", none, "sooo good see you soon"},
        {"WWII and www sites", none, "wwii and www sites"},
        {"\ud1a0\ud1a0 \uae4c\uae4c \uc88b\uc544", none,
         "\ud1a0\ud1a0 \uae4c\uae4c \uc88b\uc544"}, /* 토토 까까 좋아 */
        {"We went skiing, then flew to Hawaii for a vacation", none,
         "we went skiing then flew to hawaii for a vacation"},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        const struct mg_norm_known known = {knows, cases[i].lists};
        struct mg_norm n;
        if (mg_normalize_with(cases[i].text, strlen(cases[i].text), &known,
                              &n) != MG_OK)
            fail_msg("%s: not normalized", cases[i].text);
        if (strcmp(n.text, cases[i].want) != 0)
            fail_msg("%s: \"%s\", want \"%s\"", cases[i].text, n.text,
                     cases[i].want);
        mg_norm_close(&n);
    }

    /* Spans map back; every form the words had is still there, the
     * squeezed one where squeezed says. */
    struct mg_norm n = norm_ok("spans", S("I wiill kiill yoouu"));
    static const struct want_word want[] = {
        {"i", 0, 1}, {"will", 2, 7}, {"kill", 8, 13}, {"you", 14, 19}};
    static const char *const written[] = {NULL, "wiill", "kiill", "yoouu"};
    static const char *const squeezed[] = {NULL, "wil", "kil", "you"};
    assert_int_equal(n.nwords, 4);
    for (size_t w = 0; w < 4; w++) {
        const struct mg_norm_word *got = &n.words[w];
        assert_string_equal(got->form[0], want[w].plain);
        assert_int_equal(got->start, want[w].start);
        assert_int_equal(got->end, want[w].end);
        if (!written[w])
            continue;
        bool has = false;
        for (size_t f = 0; f < got->nforms; f++)
            has = has || strcmp(got->form[f], written[w]) == 0;
        assert_true(has);
        assert_true(got->squeezed >= 0);
        assert_string_equal(got->form[got->squeezed], squeezed[w]);
    }
    mg_norm_close(&n);

    /* A list entry stretched throughout reads as the comment's text does
     * (as a leet one does), so it still meets the comments written so. */
    char *e = mg_normalize_entry(S("wiill kiill yoouu"));
    assert_non_null(e);
    assert_string_equal(e, "will kill you");
    mg_free(e);
    e = mg_normalize_entry(S("kiill"));
    assert_non_null(e);
    assert_string_equal(e, "kiill"); /* one word is no stretched text */
    mg_free(e);
}

/* Every word's forms are distinct and there are 1..MG_NORM_MAX_FORMS. */
static void test_forms_distinct(void **state)
{
    (void)state;
    const char *text = "b1tchhhh $$$hit!!! f.u.c.k s1uuut 4$$ ki11 l00000l "
                       "a f u u u c k 1 70 i d i o o o t";
    struct mg_norm n = norm_ok("mix", text, strlen(text));
    assert_true(n.nwords > 0);
    for (size_t w = 0; w < n.nwords; w++) {
        assert_in_range(n.words[w].nforms, 1, MG_NORM_MAX_FORMS);
        for (size_t a = 0; a < n.words[w].nforms; a++)
            for (size_t b = a + 1; b < n.words[w].nforms; b++)
                assert_string_not_equal(n.words[w].form[a], n.words[w].form[b]);
    }
    mg_norm_close(&n);
}

/* Threads normalize at once, each with its own word break iterator (and
 * the first calls race to build the confusables map). */
static void *normalize_many(void *arg)
{
    const char *text =
        "Fr33 \u0440\u0430yp\u0430l f u c k and \uc528 \ubc1c \ub188";
    for (int i = 0; i < 200; i++) {
        struct mg_norm n;
        if (mg_normalize(text, strlen(text), &n) != MG_OK)
            return "rc";
        bool ok =
            strcmp(n.text, "fr33 paypal fuck and \uc528\ubc1c\ub188") == 0;
        mg_norm_close(&n);
        if (!ok)
            return "text";
    }
    return arg;
}

static void test_threads(void **state)
{
    (void)state;
    pthread_t threads[4];
    for (size_t i = 0; i < ARRAY_LEN(threads); i++)
        assert_int_equal(
            pthread_create(&threads[i], NULL, normalize_many, NULL), 0);
    for (size_t i = 0; i < ARRAY_LEN(threads); i++) {
        void *failed = (void *)"";
        assert_int_equal(pthread_join(threads[i], &failed), 0);
        if (failed)
            fail_msg("thread %zu: %s", i, (const char *)failed);
    }
}

/* class_of answers Hangul syllables and CJK ideographs without ICU: each
 * of them as ICU's general category does (mg__class_of_other asks it). */
static void test_class_of_fast_blocks(void **state)
{
    (void)state;
    static const int32_t blocks[][2] = {{0xac00, 0xd7a3}, {0x4e00, 0x9fff}};
    for (size_t b = 0; b < 2; b++)
        for (int32_t c = blocks[b][0]; c <= blocks[b][1]; c++)
            if (class_of(c) != mg__class_of_other(c))
                fail_msg("U+%04X: %u, ICU %u", (unsigned)c, class_of(c),
                         mg__class_of_other(c));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_text),
        cmocka_unit_test(test_forms),
        cmocka_unit_test(test_squeezed_form),
        cmocka_unit_test(test_words_and_spans),
        cmocka_unit_test(test_one_letter_words),
        cmocka_unit_test(test_leet_text),
        cmocka_unit_test(test_stretched_text),
        cmocka_unit_test(test_invisibles),
        cmocka_unit_test(test_entry),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_long_text),
        cmocka_unit_test(test_ideographs_not_joined),
        cmocka_unit_test(test_forms_distinct),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_class_of_fast_blocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
