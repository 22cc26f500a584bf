/* normalize.c: the words of a comment as word rules see them, and their
 * forms (normalize.h has the pipeline), from ICU. With unicode.c, the only
 * code that includes ICU headers. */
#include "modgate/normalize.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/ubrk.h>
#include <unicode/uchar.h>
#include <unicode/uloc.h>
#include <unicode/unorm2.h>
#include <unicode/uscript.h>
#include <unicode/uspoof.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>
#include <unicode/utf8.h>

#include "modgate/alloc.h"
#include "modgate/text.h"
#include "src/rules/wordbreak.h"

/* NFKC runs on chunks of the input that start at a character with a
 * normalization boundary before it (unorm2_hasBoundaryBefore), so each
 * chunk normalizes on its own and everything it becomes maps back to its
 * code points: nearly always one character, or a base with its combining
 * marks ("e" + U+0301 still composes to "é"). A chunk is cut after this many
 * code points, as UAX #15's stream-safe format does after 30 non-starters:
 * it keeps a base with thousands of marks linear. */
#define CHUNK_MAX 32
/* The longest NFKC expansion of one code point is 18 (U+FDFA). */
#define CHUNK_OUT (CHUNK_MAX * 18)

/* ICU takes int32_t lengths: the word break iterator sees the text in
 * windows of at most this many UTF-16 units, cut after a white space found
 * in the last WINDOW_SLACK units when there is one. Only a run of more than
 * WINDOW_SLACK units without one can be split into two words. */
#define WINDOW_MAX   (1 << 20)
#define WINDOW_SLACK 4096

/* Leet symbols run against a word (before, inside, after) are part of it up
 * to this many in a row: "a$$hole", not "you!!!!!idiot". */
#define LEET_RUN_MAX 3

/* The confusables map covers Latin-1 to the end of the CJK radicals
 * (0x80..0x2fff, with the phonetic extensions 0x1d00..0x1dbf) and Cyrillic
 * Extended-B (0xa640..0xa69f). */
#define CONF_LOW_END   0x3000
#define CONF_EXT_START 0xa640
#define CONF_EXT_END   0xa6a0
#define CONF_LEN       (CONF_LOW_END + (CONF_EXT_END - CONF_EXT_START))

/* Regional indicator symbols A..Z: two make a flag ("🇰🇷"). */
#define RI_FIRST 0x1f1e6
#define RI_LAST  0x1f1ff

/* Built once (pthread_once), read-only afterwards. */
static struct {
    bool ok;
    const UNormalizer2 *nfkc;     /* ICU's singleton */
    pthread_key_t thread_words;   /* each thread's word break iterator */
    uint8_t confusable[CONF_LEN]; /* ASCII letter or digit, or 0 */
    bool region[26 * 26];         /* a pair of regional indicators is a flag */
} g;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

/* The leet reading of a character; '1' is 'i' here and 'l' in the l-form.
 * Digits are read only in words that have a letter ("2024" stays). */
static const char leet_ascii[128] = {
    ['0'] = 'o', ['1'] = 'i', ['2'] = 'z', ['3'] = 'e', ['4'] = 'a',
    ['5'] = 's', ['6'] = 'g', ['7'] = 't', ['8'] = 'b', ['9'] = 'g',
    ['@'] = 'a', ['$'] = 's', ['!'] = 'i', ['|'] = 'l', ['+'] = 't',
};
#define EURO 0x20ac

static char leet_of(UChar32 c, bool l_for_1)
{
    if (c == '1' && l_for_1)
        return 'l';
    if (c >= 0 && c < 0x80)
        return leet_ascii[c];
    return c == EURO ? 'e' : 0;
}

/* A leet character that is not a digit: it is punctuation or a symbol to
 * the word breaker, so it is attached to words here. */
static bool is_leet_symbol(UChar32 c)
{
    return leet_of(c, false) && !(c >= '0' && c <= '9');
}

/* Leet symbols that may end a word ("a$$"); "hello!" keeps its "!" out. */
static bool may_end_word(UChar32 c)
{
    return c == '$' || c == EURO;
}

static void on_thread_exit(void *iterator)
{
    ubrk_close(iterator);
}

/* Threads that end close their iterator (on_thread_exit); so does the one
 * that calls exit(), so that leak checkers see ICU's memory freed. */
static void on_process_exit(void)
{
    UBreakIterator *bi = pthread_getspecific(g.thread_words);
    if (bi) {
        pthread_setspecific(g.thread_words, NULL);
        ubrk_close(bi);
    }
}

static bool is_mark(UChar32 c)
{
    return c >= 0x300 && (U_GET_GC_MASK(c) & (U_GC_MN_MASK | U_GC_ME_MASK));
}

static UScriptCode script_of(UChar32 c)
{
    if (c < 0x80)
        return ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ? USCRIPT_LATIN
                                                        : USCRIPT_COMMON;
    UErrorCode st = U_ZERO_ERROR;
    UScriptCode s = uscript_getScript(c, &st);
    return U_FAILURE(st) ? USCRIPT_UNKNOWN : s;
}

/* Scripts whose letters are written into Latin words to dodge a list. In
 * others (Arabic alef's skeleton is "l", Hebrew samekh's "o") mapping
 * would only garble the text. */
static bool passes_for_latin(UScriptCode s)
{
    return s == USCRIPT_LATIN || s == USCRIPT_GREEK || s == USCRIPT_CYRILLIC ||
           s == USCRIPT_ARMENIAN || s == USCRIPT_CHEROKEE ||
           s == USCRIPT_COPTIC || s == USCRIPT_COMMON;
}

static void build_confusables(void)
{
    UErrorCode st = U_ZERO_ERROR;
    USpoofChecker *sc = uspoof_open(&st);
    if (U_FAILURE(st))
        return; /* no map: confusables stay as they are */
    for (UChar32 c = 0x80; c < CONF_EXT_END; c++) {
        if (c == CONF_LOW_END)
            c = CONF_EXT_START;
        if (U_GET_GC_MASK(c) & (U_GC_M_MASK | U_GC_CN_MASK | U_GC_CS_MASK))
            continue; /* marks stay marks; unassigned and surrogates */
        if (!passes_for_latin(script_of(c)))
            continue;
        UChar src[2], skel[8];
        int32_t n = 0;
        U16_APPEND_UNSAFE(src, n, c);
        st = U_ZERO_ERROR;
        int32_t m = uspoof_getSkeleton(sc, 0, src, n, skel, 8, &st);
        if (U_FAILURE(st) || m != 1 || skel[0] >= 0x80)
            continue;
        char a = (char)skel[0];
        if (a >= 'A' && a <= 'Z')
            a = (char)(a - 'A' + 'a'); /* the text is case-folded */
        if ((a >= 'a' && a <= 'z') || (a >= '0' && a <= '9')) {
            size_t i = c < CONF_LOW_END
                           ? (size_t)c
                           : CONF_LOW_END + (size_t)(c - CONF_EXT_START);
            g.confusable[i] = (uint8_t)a;
        }
    }
    uspoof_close(sc);
}

/* The two-letter codes that have a flag: ISO 3166 (ICU's list), and the
 * EU and UN, which have one too. */
static void build_regions(void)
{
    for (const char *const *c = uloc_getISOCountries(); c && *c; c++)
        if ((*c)[0] >= 'A' && (*c)[0] <= 'Z' && (*c)[1] >= 'A' &&
            (*c)[1] <= 'Z' && (*c)[2] == '\0')
            g.region[((*c)[0] - 'A') * 26 + ((*c)[1] - 'A')] = true;
    g.region[('E' - 'A') * 26 + ('U' - 'A')] = true;
    g.region[('U' - 'A') * 26 + ('N' - 'A')] = true;
}

static void init_once(void)
{
    UErrorCode st = U_ZERO_ERROR;
    g.nfkc = unorm2_getNFKCInstance(&st);
    if (U_FAILURE(st))
        return;
    if (pthread_key_create(&g.thread_words, on_thread_exit) != 0)
        return;
    atexit(on_process_exit);
    build_confusables();
    build_regions();
    g.ok = true;
}

/* This thread's word break iterator (opening one costs more than a short
 * comment's whole normalization); closed when the thread exits. */
static UBreakIterator *thread_words(void)
{
    UBreakIterator *bi = pthread_getspecific(g.thread_words);
    if (bi)
        return bi;
    UErrorCode st = U_ZERO_ERROR;
    bi = ubrk_open(UBRK_WORD, "", NULL, 0, &st);
    if (U_FAILURE(st))
        return NULL;
    if (pthread_setspecific(g.thread_words, bi) != 0) {
        ubrk_close(bi);
        return NULL;
    }
    return bi;
}

static char confusable_of(UChar32 c)
{
    if (c < 0x80 || c >= CONF_EXT_END)
        return 0;
    if (c < CONF_LOW_END)
        return (char)g.confusable[c];
    if (c >= CONF_EXT_START)
        return (char)g.confusable[CONF_LOW_END + (c - CONF_EXT_START)];
    return 0;
}

/* Scripts written without combining marks once NFKC has composed the
 * accents that exist precomposed: a mark left on such a base is decoration
 * (zalgo) and is dropped. Elsewhere (Devanagari, Thai, Arabic, Hebrew...)
 * marks spell, and joiners (ZWJ, ZWNJ) shape, so both are kept. */
static bool spells_without_marks(UScriptCode s)
{
    switch (s) {
    case USCRIPT_LATIN:
    case USCRIPT_GREEK:
    case USCRIPT_CYRILLIC:
    case USCRIPT_ARMENIAN:
    case USCRIPT_GEORGIAN:
    case USCRIPT_HANGUL:
    case USCRIPT_HAN:
    case USCRIPT_HIRAGANA:
    case USCRIPT_KATAKANA:
    case USCRIPT_COMMON:
    case USCRIPT_INHERITED:
    case USCRIPT_UNKNOWN: return true;
    default: return false;
    }
}

/* Step 3's characters: Default_Ignorable_Code_Point has them all (ZWSP,
 * ZWNJ, ZWJ, word joiner, soft hyphen, bidi controls, variation selectors,
 * BOM, Hangul fillers, tags); the list says which ones are meant. */
static bool is_invisible(UChar32 c)
{
    if (c < 0xad)
        return false;
    return c == 0xad || (c >= 0x200b && c <= 0x200f) ||
           (c >= 0x202a && c <= 0x202e) || (c >= 0x2060 && c <= 0x2064) ||
           (c >= 0x2066 && c <= 0x2069) || (c >= 0xfe00 && c <= 0xfe0f) ||
           c == 0xfeff || (c >= 0xe0100 && c <= 0xe01ef) ||
           u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT);
}

/* An invisible that is part of writing, not hiding, is removed but not
 * counted: a variation selector after an emoji ("❤️"), a joiner or tag
 * inside an emoji sequence (families, flags of regions), and a joiner after
 * a letter of a script that shapes with them (Persian ZWNJ). */
static bool is_writing_glue(UChar32 c, UChar32 last)
{
    bool vs = c == 0xfe0e || c == 0xfe0f;
    bool joiner = c == 0x200c || c == 0x200d;
    bool tag = c >= 0xe0020 && c <= 0xe007f;
    if (!vs && !joiner && !tag)
        return false;
    if (last < 0x80) /* keycaps: "1", U+FE0F, U+20E3 */
        return vs && u_hasBinaryProperty(last, UCHAR_EMOJI);
    if (u_hasBinaryProperty(last, UCHAR_EMOJI) ||
        u_hasBinaryProperty(last, UCHAR_EXTENDED_PICTOGRAPHIC))
        return c != 0x200c;
    return joiner && u_isalpha(last) && !spells_without_marks(script_of(last));
}

/* The text after steps 1-4, in UTF-16 for the word break iterator, and for
 * each unit the original code points [from, to) it came from. */
struct ntext {
    UChar *u;
    uint32_t *from, *to;
    size_t len, cap;
    size_t invisibles;
    UChar32 last;        /* last code point kept */
    UChar32 base;        /* last code point kept that is not a mark */
    bool greek_cyrillic; /* the original has a Greek or Cyrillic letter */
};

static void ntext_grow(struct ntext *t)
{
    t->cap = t->cap * 2 + 64;
    t->u = mg_realloc(t->u, t->cap * sizeof *t->u);
    t->from = mg_realloc(t->from, t->cap * sizeof *t->from);
    t->to = mg_realloc(t->to, t->cap * sizeof *t->to);
}

static void ntext_put(struct ntext *t, UChar32 c, uint32_t from, uint32_t to)
{
    if (t->cap - t->len < 2)
        ntext_grow(t);
    size_t n = t->len;
    U16_APPEND_UNSAFE(t->u, t->len, c);
    for (; n < t->len; n++) {
        t->from[n] = from;
        t->to[n] = to;
    }
}

/* Steps 3 and 4, and the dropping of decorative marks, for one code point
 * of the case-folded NFKC text. */
static void put_folded(struct ntext *t, UChar32 c, uint32_t from, uint32_t to)
{
    if (c >= 0x80) {
        if (is_invisible(c)) {
            if (!is_writing_glue(c, t->last))
                t->invisibles++;
            return;
        }
        char a = confusable_of(c);
        if (a) {
            c = (UChar32)a;
        } else if (is_mark(c)) {
            if (spells_without_marks(script_of(t->base))) {
                /* Its base's span covers it (a mark can be a chunk of its
                 * own past CHUNK_MAX). */
                if (t->len > 0)
                    t->to[t->len - 1] = to;
                return;
            }
            t->last = c;
            ntext_put(t, c, from, to);
            return;
        }
    }
    t->base = t->last = c;
    ntext_put(t, c, from, to);
}

/* Step 2, full case folding ("ß" -> "ss"), for one code point of NFKC. */
static void put_nfkc(struct ntext *t, UChar32 c, uint32_t from, uint32_t to)
{
    if (c < 0x80) {
        if (c >= 'A' && c <= 'Z')
            c += 'a' - 'A';
        put_folded(t, c, from, to);
        return;
    }
    /* Hangul, kana and CJK have no case; asking ICU costs more than the
     * rest of a Korean character's normalization */
    bool caseless = (c >= 0xac00 && c <= 0xd7a3) || (c >= 0x1100 && c <= 0x11ff) ||
                    (c >= 0x3040 && c <= 0x318f) || (c >= 0x4e00 && c <= 0x9fff);
    if (caseless || !u_hasBinaryProperty(c, UCHAR_CHANGES_WHEN_CASEFOLDED)) {
        put_folded(t, c, from, to);
        return;
    }
    UChar src[2], dst[8];
    int32_t n = 0;
    U16_APPEND_UNSAFE(src, n, c);
    UErrorCode st = U_ZERO_ERROR;
    int32_t m = u_strFoldCase(dst, 8, src, n, U_FOLD_CASE_DEFAULT, &st);
    if (U_FAILURE(st)) { /* full folding is at most 3 code points */
        put_folded(t, u_foldCase(c, U_FOLD_CASE_DEFAULT), from, to);
        return;
    }
    for (int32_t i = 0; i < m;) {
        UChar32 f;
        U16_NEXT(dst, i, m, f);
        put_folded(t, f, from, to);
    }
}

static bool boundary_before(UChar32 c)
{
    return c < 0x80 || unorm2_hasBoundaryBefore(g.nfkc, c);
}

/* Step 1 for one chunk cps[0..n), original code points [from, from + n). */
static void put_chunk(struct ntext *t, const UChar32 *cps, size_t n,
                      uint32_t from)
{
    uint32_t to = from + (uint32_t)n;
    UChar32 c = cps[0];
    if (n == 1 && (c < 0x80 || (c >= 0xac00 && c <= 0xd7a3))) {
        put_nfkc(t, c, from, to); /* ASCII, Hangul syllables: NFKC as is */
        return;
    }
    UChar src[CHUNK_MAX * 2], dst[CHUNK_OUT];
    UErrorCode st = U_ZERO_ERROR;
    if (n == 1 && unorm2_getDecomposition(g.nfkc, c, dst, CHUNK_OUT, &st) < 0 &&
        U_SUCCESS(st)) {
        put_nfkc(t, c, from, to); /* no mapping: NFKC leaves it alone */
        return;
    }
    /* Zalgo: a base written without marks carrying three or more loses
     * them before NFKC, so none of them composes into a letter ("z" with
     * U+0301 would become "ź"). Vietnamese needs at most two. */
    size_t marks = 0;
    for (size_t i = 1; i < n; i++)
        marks += is_mark(cps[i]);
    bool strip = marks >= 3 && spells_without_marks(script_of(c));
    int32_t sn = 0;
    for (size_t i = 0; i < n; i++)
        if (!(strip && i > 0 && is_mark(cps[i])))
            U16_APPEND_UNSAFE(src, sn, cps[i]);
    st = U_ZERO_ERROR;
    int32_t dn = unorm2_normalize(g.nfkc, src, sn, dst, CHUNK_OUT, &st);
    if (U_FAILURE(st)) { /* cannot happen (CHUNK_OUT); keep the text */
        for (size_t i = 0; i < n; i++)
            put_nfkc(t, cps[i], from, to);
        return;
    }
    for (int32_t i = 0; i < dn;) {
        UChar32 d;
        U16_NEXT(dst, i, dn, d);
        put_nfkc(t, d, from, to);
    }
}

/* A stretch of the normalized text the word break iterator returned, or a
 * run of leet symbols it left out. */
enum seg_kind {
    SEG_WORD,     /* letters and digits, status LETTER or NUMBER */
    SEG_WORD_CJK, /* kana and ideographs: no leet symbols attach */
    SEG_LEET,     /* one leet symbol */
};

struct seg {
    size_t s, e; /* UTF-16 units of the normalized text */
    enum seg_kind kind;
};

struct segs {
    struct seg *v;
    size_t n, cap;
};

static void segs_put(struct segs *a, size_t s, size_t e, enum seg_kind kind)
{
    if (a->n == a->cap) {
        a->cap = a->cap * 2 + 32;
        a->v = mg_realloc(a->v, a->cap * sizeof *a->v);
    }
    a->v[a->n++] = (struct seg){s, e, kind};
}

/* Where the next window ends, for one starting at w0. */
static size_t window_end(const struct ntext *t, size_t w0)
{
    if (t->len - w0 <= WINDOW_MAX)
        return t->len;
    size_t end = w0 + WINDOW_MAX;
    for (size_t p = end; p > end - WINDOW_SLACK; p--)
        if (u_isUWhiteSpace(t->u[p - 1]))
            return p;
    return U16_IS_TRAIL(t->u[end]) ? end - 1 : end;
}

/* One segment [s, e) of the text: a word, or the leet symbols in it. */
static void put_segment(const struct ntext *t, struct segs *out, size_t s, size_t e,
                        int32_t status)
{
    if (status >= UBRK_WORD_KANA)
        segs_put(out, s, e, SEG_WORD_CJK);
    else if (status >= UBRK_WORD_NUMBER)
        segs_put(out, s, e, SEG_WORD);
    else
        for (size_t i = s; i < e; i++)
            if (is_leet_symbol(t->u[i]))
                segs_put(out, i, i + 1, SEG_LEET);
}

/* Step 5: the words and the leet symbols of the text, in order. A window
 * of ASCII and Hangul is segmented without ICU (wordbreak.h), to the same
 * result. */
static int find_segments(const struct ntext *t, struct segs *out)
{
    if (t->len == 0)
        return MG_OK;
    UBreakIterator *bi = NULL;
    for (size_t w0 = 0; w0 < t->len;) {
        size_t w1 = window_end(t, w0);
        const uint16_t *u = (const uint16_t *)t->u + w0;
        if (mg__simple_only(u, w1 - w0)) {
            for (size_t s = 0; s < w1 - w0;) {
                bool word;
                size_t e = mg__simple_next_break(u, w1 - w0, s, &word);
                put_segment(t, out, w0 + s, w0 + e, word ? UBRK_WORD_LETTER : UBRK_WORD_NONE);
                s = e;
            }
            w0 = w1;
            continue;
        }
        if (!bi && !(bi = thread_words()))
            return MG_EIO;
        UErrorCode st = U_ZERO_ERROR;
        ubrk_setText(bi, t->u + w0, (int32_t)(w1 - w0), &st);
        if (U_FAILURE(st))
            return MG_EIO;
        size_t prev = w0;
        for (int32_t b = ubrk_next(bi); b != UBRK_DONE; b = ubrk_next(bi)) {
            put_segment(t, out, prev, w0 + (size_t)b, ubrk_getRuleStatus(bi));
            prev = w0 + (size_t)b;
        }
        w0 = w1;
    }
    if (bi) {
        /* Leave no pointer to the text behind in the cached iterator. */
        UErrorCode st = U_ZERO_ERROR;
        static const UChar empty[1] = {0};
        ubrk_setText(bi, empty, 0, &st);
    }
    return MG_OK;
}

/* A word: a stretch of the normalized text [s, e), or, for single letters
 * joined into one, the stretches of tokens first..last. */
struct tok {
    size_t s, e;
};

/* The end of the run of leet symbols that starts at segment i if it is
 * written right at text position at (else i); *attach when it is short
 * enough to belong to a word. */
static size_t leet_run(const struct seg *v, size_t n, size_t i, size_t at,
                       bool *attach)
{
    size_t j = i;
    for (; j < n && v[j].kind == SEG_LEET && v[j].s == at; j++)
        at = v[j].e;
    *attach = j > i && j - i <= LEET_RUN_MAX;
    return j;
}

static bool word_at(const struct seg *v, size_t n, size_t j, size_t at)
{
    return j < n && v[j].kind == SEG_WORD && v[j].s == at;
}

/* Tokens from segments: a SEG_WORD_CJK alone; a SEG_WORD with the leet
 * symbols written against it: before it ("$hit", "@ss"), between it and
 * the next ("sh!t") and, for "$" and "€", after it ("a$$"). Other leet
 * symbols after a word are punctuation ("hello!", the "!" of "a$$!"). */
static size_t find_tokens(const struct ntext *t, const struct segs *a,
                          struct tok *v)
{
    const struct seg *sg = a->v;
    size_t n = 0;
    bool attach;
    for (size_t i = 0; i < a->n;) {
        if (sg[i].kind == SEG_WORD_CJK) {
            v[n++] = (struct tok){sg[i].s, sg[i].e};
            i++;
            continue;
        }
        size_t start = sg[i].s;
        if (sg[i].kind == SEG_LEET) {
            size_t j = leet_run(sg, a->n, i, sg[i].s, &attach);
            if (!attach || !word_at(sg, a->n, j, sg[j - 1].e)) {
                i = j; /* not against a word: punctuation */
                continue;
            }
            i = j;
        }
        size_t end = sg[i].e;
        i++;
        for (;;) {
            size_t j = leet_run(sg, a->n, i, end, &attach);
            if (!attach)
                break;
            if (word_at(sg, a->n, j, sg[j - 1].e)) {
                end = sg[j].e;
                i = j + 1;
                continue;
            }
            while (i < j && may_end_word(t->u[sg[i].s]))
                end = sg[i++].e; /* "a$$", "a$$!" */
            break;
        }
        v[n++] = (struct tok){start, end};
    }
    return n;
}

enum char_class { C_LETTER = 1, C_DIGIT = 2, C_MARK = 4 };

static inline unsigned class_of(UChar32 c)
{
    if (c < 0x80) {
        if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
            return C_LETTER;
        return c >= '0' && c <= '9' ? C_DIGIT : 0;
    }
    uint32_t gc = U_GET_GC_MASK(c);
    return (gc & U_GC_L_MASK ? C_LETTER : 0) |
           (gc & U_GC_N_MASK ? C_DIGIT : 0) | (gc & U_GC_M_MASK ? C_MARK : 0);
}

/* What may stand between spelled-out letters: white space, punctuation
 * (". - _ * ' ,"...) and symbols other than pictographs ("~ ^ = |"). */
static bool is_separator(UChar32 c)
{
    return u_isUWhiteSpace(c) ||
           (U_GET_GC_MASK(c) &
            (U_GC_P_MASK | U_GC_SM_MASK | U_GC_SK_MASK | U_GC_SC_MASK));
}

static bool separates(const struct ntext *t, size_t s, size_t e)
{
    if (s >= e)
        return false; /* "我是你": adjacent words are not spelled out */
    for (size_t i = s; i < e;) {
        UChar32 c;
        U16_NEXT(t->u, i, e, c);
        if (!is_separator(c))
            return false;
    }
    return true;
}

/* White space characters between s and e, counted up to 2: how wide a gap
 * between spelled-out letters is. */
static unsigned gap_width(const struct ntext *t, size_t s, size_t e)
{
    unsigned n = 0;
    for (size_t i = s; i < e && n < 2;) {
        UChar32 c;
        U16_NEXT(t->u, i, e, c);
        if (u_isUWhiteSpace(c))
            n++;
    }
    return n;
}

/* A token as letters spelled out one by one: "f", "n.e.y" (the word break
 * iterator keeps letters joined by dots, apostrophes or underscores as
 * one word). */
struct spelled {
    size_t bases;       /* letters and digits, each alone; 0 when not so */
    size_t letters;     /* of which letters */
    UScriptCode script; /* of the first letter; COMMON when none */
};

static struct spelled spelled_of(const struct ntext *t, const struct tok *k)
{
    struct spelled sp = {0, 0, USCRIPT_COMMON};
    bool apart = true; /* a separator since the last base */
    UChar32 first = 0;
    for (size_t i = k->s; i < k->e;) {
        UChar32 c;
        U16_NEXT(t->u, i, k->e, c);
        unsigned cl = class_of(c);
        if (cl & (C_LETTER | C_DIGIT)) {
            if (!apart)
                return (struct spelled){0, 0, USCRIPT_COMMON};
            if ((cl & C_LETTER) && sp.letters++ == 0)
                first = c;
            sp.bases++;
            apart = false;
        } else if (!(cl & C_MARK)) {
            apart = apart || is_separator(c);
        }
    }
    if (sp.letters)
        sp.script = script_of(first);
    return sp;
}

/* A word: tokens first..last (more than one when letters spelled out were
 * joined: "f u c k"). When a one-letter word was cut off a run of spelled
 * letters ("a" of "a f u c k"), whole_first..whole_last is the run, whose
 * reading the word keeps as a form; else they are first and last. */
struct word {
    size_t first, last;
    size_t whole_first, whole_last;
};

/* Joins every run of tokens that spell out 3+ letters or digits (2 Hangul
 * syllables), at least two of them letters, all of one script, one by one
 * with separators between ("f u c k", "씨 발", "s h 1 t", "m.0.n.e.y"; not
 * "1 2 3", and "f u c k 씨 발 놈" is two words). */
static size_t join_spelled(const struct ntext *t, const struct tok *k,
                           size_t nk, struct word *w)
{
    size_t n = 0;
    for (size_t i = 0; i < nk;) {
        size_t j = i, bases = 0, letters = 0, prev_bases = 0;
        unsigned gap = 0; /* the run's gap between letters */
        UScriptCode script = USCRIPT_COMMON;
        for (; j < nk; j++) {
            struct spelled sp = spelled_of(t, &k[j]);
            if (sp.bases == 0 || (j > i && !separates(t, k[j - 1].e, k[j].s)))
                break;
            /* A wider gap than the letters have ends a word: "f u c k   y o
             * u" is two words, and so is "s.t.u.p.i.d i.d.e.a", whose
             * letters are joined by dots and its words by a space. A
             * narrower gap after the first letter means that letter was a
             * word of its own: "a   m o r o n" is "a" and "moron". */
            if (j > i) {
                unsigned width = gap_width(t, k[j - 1].e, k[j].s);
                bool wider =
                    j == i + 1 ? prev_bases > 1 || sp.bases > 1 : width > gap;
                if (wider && width > 0)
                    break;
                if (j == i + 2 && width < gap) {
                    j = i + 1;
                    break;
                }
                if (j == i + 1)
                    gap = width;
            }
            prev_bases = sp.bases;
            if (sp.letters && letters && sp.script != script)
                break;
            if (sp.letters && !letters)
                script = sp.script;
            bases += sp.bases;
            letters += sp.letters;
        }
        /* Korean swears are mostly two syllables ("씨 발", "병 신"): two
         * spelled-out Hangul syllables join too. */
        bool hangul = letters && script == USCRIPT_HANGUL;
        if (j - i >= 2 && (bases >= 3 || hangul) && letters >= 2) {
            w[n++] = (struct word){i, j - 1, i, j - 1};
        } else {
            /* No part of a run that cannot be joined can be: go past it. */
            j = j > i ? j : i + 1;
            for (; i < j; i++)
                w[n++] = (struct word){i, i, i, i};
        }
        i = j;
    }
    return n;
}

/* Where the forms are written: one buffer, NUL-terminated strings. */
struct arena {
    char *p;
    size_t len, cap;
};

static uint8_t *arena_reserve(struct arena *a, size_t n)
{
    if (a->cap - a->len < n) {
        a->cap = (a->len + n) * 2;
        a->p = mg_realloc(a->p, a->cap);
    }
    return (uint8_t *)a->p + a->len;
}

enum reading { PLAIN, LEET_I, LEET_L };

/* What a reading of a word showed. */
struct traits {
    bool letter; /* a letter: leet and collapsed forms apply */
    bool leet;   /* a character the leet table reads */
    bool one;    /* a "1", read "l" in the l-form */
    bool run;    /* a run of 3+ of one character: collapsed forms differ */
    bool twice;  /* a run of 2+: the squeezed form differs */
    bool other;  /* a letter that is not ASCII */
    bool inside; /* a leet character with letters before and after it */
    size_t len;  /* bytes */
};

/* A Hangul syllable said twice inside a word is part of it (토토 "sports
 * toto", 까까, 쪽쪽): Korean stretches a word by saying its last syllable
 * again ("병신신"), so the squeezed form, which cuts doubled letters, cuts
 * a doubled syllable only at the word's end; else "토토나" would read as
 * the insult 토나. Runs of 3+ collapse wherever they are. */
static bool doubles_as_word(UChar32 c)
{
    return c >= 0xAC00 && c <= 0xD7A3;
}

/* Appends the word read as r, NUL-terminated; returns its offset. */
static size_t put_reading(struct arena *a, const struct ntext *t,
                          const struct tok *k, const struct word *w,
                          enum reading r, struct traits *tr)
{
    size_t units = 0;
    for (size_t i = w->first; i <= w->last; i++)
        units += k[i].e - k[i].s;
    uint8_t *out = arena_reserve(a, units * 3 + 1);
    size_t o = 0, same = 0;
    UChar32 prev = -1;
    bool leet_after_letter = false;
    *tr = (struct traits){false, false, false, false, false, false, false, 0};
    for (size_t i = w->first; i <= w->last; i++) {
        for (size_t j = k[i].s; j < k[i].e;) {
            UChar32 c;
            U16_NEXT(t->u, j, k[i].e, c);
            char l = leet_of(c, r == LEET_L);
            unsigned cl = class_of(c);
            tr->leet = tr->leet || l;
            tr->one = tr->one || c == '1';
            if (cl & C_LETTER) {
                tr->other = tr->other || c >= 0x80;
                tr->inside = tr->inside || leet_after_letter;
            }
            leet_after_letter = leet_after_letter || (l && tr->letter);
            tr->letter = tr->letter || (cl & C_LETTER);
            if (r != PLAIN && l)
                c = (UChar32)l;
            else if (!cl)
                continue;
            U8_APPEND_UNSAFE(out, o, c);
            same = c == prev ? same + 1 : 1;
            prev = c;
            tr->run = tr->run || same >= 3;
            tr->twice =
                tr->twice || (same >= 2 && !doubles_as_word(c)) || same >= 3;
        }
    }
    /* a doubled syllable at the end is a stretched word (doubles_as_word) */
    tr->twice = tr->twice || (same == 2 && doubles_as_word(prev));
    out[o] = '\0';
    tr->len = o;
    size_t off = a->len;
    a->len += o + 1;
    return off;
}

/* Cuts every run of min_run or more of one character in the NUL-terminated
 * UTF-8 s to keep copies of it, in place (the text only shrinks), except a
 * Hangul syllable's run of two when min_run is 2; returns the new length. */
static size_t cut_runs(char *s, size_t min_run, size_t keep)
{
    size_t n = strlen(s), o = 0;
    for (size_t i = 0; i < n;) {
        size_t at = i, next;
        UChar32 c, d;
        U8_NEXT_UNSAFE((const uint8_t *)s, i, c);
        size_t run = 1, clen = i - at;
        for (size_t j = i; j < n; j = next, run++) {
            next = j;
            U8_NEXT_UNSAFE((const uint8_t *)s, next, d);
            if (d != c)
                break;
            i = next;
        }
        char ch[4];
        memcpy(ch, s + at, clen);
        bool word = min_run == 2 && run == 2 && doubles_as_word(c) && i < n;
        size_t copies = run >= min_run && !word ? keep : run;
        for (size_t k = 0; k < copies; k++, o += clen)
            memcpy(s + o, ch, clen);
    }
    s[o] = '\0';
    return o;
}

size_t mg_norm_squeeze(char *s)
{
    return cut_runs(s, 2, 1);
}

/* Appends the form at offset src with every run of min_run or more of one
 * character cut to keep of it; returns its offset. The collapsed forms cut
 * runs of 3+ to 1 or 2, the squeezed form runs of 2+ to 1. */
static size_t put_cut(struct arena *a, size_t src, size_t min_run, size_t keep)
{
    size_t n = strlen(a->p + src);
    char *out = (char *)arena_reserve(a, n + 1);
    memcpy(out, a->p + src, n + 1);
    size_t off = a->len;
    a->len += cut_runs(out, min_run, keep) + 1;
    return off;
}

/* Keeps the form just written at off when there is room and it differs
 * from the word's earlier ones; else takes it back. */
static void keep_form(struct arena *a, size_t *forms, size_t *n, size_t off)
{
    bool keep = *n < MG_NORM_MAX_FORMS;
    for (size_t i = 0; keep && i < *n; i++)
        keep = strcmp(a->p + forms[i], a->p + off) != 0;
    if (keep)
        forms[(*n)++] = off;
    else
        a->len = off;
}

/* The forms of a word, in this order of priority (a later one is dropped
 * when it equals an earlier one or MG_NORM_MAX_FORMS are there):
 *   plain; leet (1 -> i); plain and leet with runs cut to one; plain and
 *   leet with runs cut to two; leet with 1 -> l; that one with runs cut to
 *   one, then to two.
 * So "1" reads "i" first ("b1tch"), and "l" when there is room, which
 * only a word with both a "1" and runs of 3+ lacks ("s1uuut": six forms
 * before "sluuut"). Returns the number of forms, 0 for a word with no plain
 * form (nothing but signs: then the arena is as before). *plain_tr, when
 * not NULL, gets what the plain reading showed. */
static size_t put_forms(struct arena *a, const struct ntext *t,
                        const struct tok *k, const struct word *w,
                        size_t *forms, int8_t *squeezed,
                        struct traits *plain_tr)
{
    struct traits tl, tl1, own;
    struct traits *tp = plain_tr ? plain_tr : &own;
    size_t n = 0;
    *squeezed = -1;
    size_t plain = put_reading(a, t, k, w, PLAIN, tp);
    if (tp->len == 0) {
        a->len = plain;
        return 0;
    }
    forms[n++] = plain;
    if (!tp->letter)
        return n; /* a number: "2024" has no leet or run forms */
    /* With a leet character the leet form differs from the plain one
     * (it has a letter where plain has a digit or nothing). */
    size_t leet = tp->leet ? put_reading(a, t, k, w, LEET_I, &tl) : 0;
    if (tp->leet)
        forms[n++] = leet;
    for (int keep = 1; keep <= 2; keep++) {
        if (tp->run)
            keep_form(a, forms, &n, put_cut(a, plain, 3, (size_t)keep));
        if (tp->leet && tl.run)
            keep_form(a, forms, &n, put_cut(a, leet, 3, (size_t)keep));
    }
    if (tp->one && n < MG_NORM_MAX_FORMS) {
        size_t l = put_reading(a, t, k, w, LEET_L, &tl1);
        keep_form(a, forms, &n, l);
        if (forms[n - 1] == l && tl1.run)
            for (int keep = 1; keep <= 2; keep++)
                keep_form(a, forms, &n, put_cut(a, l, 3, (size_t)keep));
    }
    if (tp->leet ? tl.twice : tp->twice) {
        size_t off = put_cut(a, tp->leet ? leet : plain, 2, 1);
        for (size_t i = 0; i < n && *squeezed < 0; i++)
            if (strcmp(a->p + forms[i], a->p + off) == 0)
                *squeezed = (int8_t)i;
        if (*squeezed >= 0 || n == MG_NORM_MAX_FORMS) {
            a->len = off;
        } else {
            *squeezed = (int8_t)n;
            forms[n++] = off;
        }
    }
    return n;
}

/* Greek and Cyrillic, with their extensions. */
static bool is_greek_cyrillic(UChar32 c)
{
    return (c >= 0x370 && c < 0x530) || (c >= 0x1c80 && c < 0x1c90) ||
           (c >= 0x1f00 && c < 0x2000) || (c >= 0x2de0 && c < 0x2e00) ||
           (c >= 0xa640 && c < 0xa6a0);
}

/* Letters written as enclosed signs that NFKC leaves alone (it already
 * maps circled "ⓑ" and squared "🄱"): negative circled "🅑" and negative
 * squared "🅱", A to Z. */
#define ENCLOSED_FIRST 0x1f150

static char enclosed_letter(UChar32 c)
{
    if (c >= 0x1f150 && c <= 0x1f169)
        return (char)('a' + (c - 0x1f150));
    if (c >= 0x1f170 && c <= 0x1f189)
        return (char)('a' + (c - 0x1f170));
    return 0;
}

/* A sign read as a letter: the letter, mapped back to the sign; the sign
 * stays the last code point, so a variation selector after "🅱" is still
 * an emoji's ("🅱️"), as it was before the mapping. */
static void put_sign_letter(struct ntext *t, UChar32 sign, char letter,
                            uint32_t at)
{
    ntext_put(t, (UChar32)letter, at, at + 1);
    t->base = (UChar32)letter;
    t->last = sign;
}

/* Regional indicators are letters when they cannot be flags, or spell a
 * word: a run of three or more, or a pair that is no region's flag ("🇧🇺"
 * is "bu"; "🇰🇷" stays a flag). A row of flags written without a space is
 * read as letters too: it cannot be told from a word spelled so ("🇸🇭🇮🇹"),
 * and as a word it is only a string of country codes no list holds. */
static bool ri_are_letters(const UChar32 *cps, size_t n)
{
    if (n != 2)
        return true;
    return !g.region[(cps[0] - RI_FIRST) * 26 + (cps[1] - RI_FIRST)];
}

/* Enclosed letters and regional indicators at cps[i]: how many code points
 * were put (a whole run of regional indicators, read as letters or kept as
 * they are), 0 for any other character. */
static size_t put_enclosed(struct ntext *t, const UChar32 *cps, size_t n,
                           size_t i)
{
    char letter = enclosed_letter(cps[i]);
    if (letter) {
        put_sign_letter(t, cps[i], letter, (uint32_t)i);
        return 1;
    }
    if (cps[i] < RI_FIRST)
        return 0;
    size_t j = i;
    while (j < n && cps[j] >= RI_FIRST && cps[j] <= RI_LAST)
        j++;
    bool letters = ri_are_letters(cps + i, j - i);
    for (size_t k = i; k < j; k++) {
        if (letters)
            put_sign_letter(t, cps[k], (char)('a' + (cps[k] - RI_FIRST)),
                            (uint32_t)k);
        else
            put_chunk(t, cps + k, 1, (uint32_t)k);
    }
    return j - i;
}

/* Greek and Cyrillic letters that pass for a Latin one, by their look in
 * the case they were written in (the text is folded by now: capital eta
 * "Η" reads "h", small "η" reads "n"). Used inside Latin words only. */
static const struct look_alike {
    uint16_t c;
    char ascii;
} look_alikes[] = {
    {0x037f, 'j'}, {0x0386, 'a'}, {0x0388, 'e'}, {0x0389, 'h'}, {0x038a, 'i'},
    {0x038c, 'o'}, {0x038e, 'y'}, {0x0391, 'a'}, {0x0392, 'b'}, {0x0395, 'e'},
    {0x0396, 'z'}, {0x0397, 'h'}, {0x0399, 'i'}, {0x039a, 'k'}, {0x039c, 'm'},
    {0x039d, 'n'}, {0x039f, 'o'}, {0x03a1, 'p'}, {0x03a4, 't'}, {0x03a5, 'y'},
    {0x03a7, 'x'}, {0x03ac, 'a'}, {0x03ad, 'e'}, {0x03ae, 'n'}, {0x03af, 'i'},
    {0x03b1, 'a'}, {0x03b2, 'b'}, {0x03b3, 'y'}, {0x03b5, 'e'}, {0x03b7, 'n'},
    {0x03b9, 'i'}, {0x03ba, 'k'}, {0x03bc, 'u'}, {0x03bd, 'v'}, {0x03bf, 'o'},
    {0x03c0, 'n'}, {0x03c1, 'p'}, {0x03c2, 'c'}, {0x03c3, 'o'}, {0x03c4, 't'},
    {0x03c5, 'u'}, {0x03c7, 'x'}, {0x03c9, 'w'}, {0x03ca, 'i'}, {0x03cb, 'u'},
    {0x03cc, 'o'}, {0x03cd, 'u'}, {0x03ce, 'w'}, {0x03f2, 'c'}, {0x03f3, 'j'},
    {0x03f9, 'c'}, {0x0401, 'e'}, {0x0405, 's'}, {0x0406, 'i'}, {0x0407, 'i'},
    {0x0408, 'j'}, {0x0410, 'a'}, {0x0412, 'b'}, {0x0415, 'e'}, {0x041a, 'k'},
    {0x041c, 'm'}, {0x041d, 'h'}, {0x041e, 'o'}, {0x0420, 'p'}, {0x0421, 'c'},
    {0x0422, 't'}, {0x0423, 'y'}, {0x0425, 'x'}, {0x042c, 'b'}, {0x0430, 'a'},
    {0x0432, 'b'}, {0x0433, 'r'}, {0x0435, 'e'}, {0x043a, 'k'}, {0x043c, 'm'},
    {0x043d, 'h'}, {0x043e, 'o'}, {0x043f, 'n'}, {0x0440, 'p'}, {0x0441, 'c'},
    {0x0442, 't'}, {0x0443, 'y'}, {0x0445, 'x'}, {0x044c, 'b'}, {0x0451, 'e'},
    {0x0455, 's'}, {0x0456, 'i'}, {0x0457, 'i'}, {0x0458, 'j'}, {0x04ae, 'y'},
    {0x04af, 'y'}, {0x04ba, 'h'}, {0x04bb, 'h'}, {0x04c0, 'l'}, {0x04cf, 'l'},
    {0x0500, 'd'}, {0x0501, 'd'}, {0x051a, 'q'}, {0x051b, 'q'}, {0x051c, 'w'},
    {0x051d, 'w'},
};

static char look_alike_of(UChar32 c)
{
    size_t lo = 0, hi = sizeof look_alikes / sizeof *look_alikes;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (look_alikes[mid].c == c)
            return look_alikes[mid].ascii;
        if (look_alikes[mid].c < c)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

/* A unit of the normalized text that is part of a word: a letter or mark. */
static bool in_word(UChar c)
{
    if (c < 0x80)
        return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
    return !U16_IS_SURROGATE(c) &&
           (U_GET_GC_MASK(c) & (U_GC_L_MASK | U_GC_M_MASK));
}

/* Inside a word that mixes Latin letters with Greek or Cyrillic ones
 * ("κιll", "ѕтupid"), the Greek and Cyrillic letters that pass for Latin
 * ones become those, letter by letter, whether or not step 4's skeleton
 * knew them (it maps kappa to "ĸ" and Cyrillic "т" to a small capital T,
 * and reads every letter in lower case). A word all in Greek or Cyrillic is
 * Greek or Russian and left as step 4 made it. Each such letter is one
 * UTF-16 unit before and after, so the map back is unchanged. cps is the
 * original text (for a letter's script and case). */
static void map_mixed_words(struct ntext *t, const UChar32 *cps)
{
    if (!t->greek_cyrillic)
        return;
    for (size_t s = 0; s < t->len;) {
        if (!in_word(t->u[s])) {
            s++;
            continue;
        }
        size_t e = s;
        bool latin = false, other = false;
        for (; e < t->len && in_word(t->u[e]); e++) {
            UChar32 o = cps[t->from[e]];
            if (is_greek_cyrillic(o))
                other = true;
            else if (t->u[e] < 0x80 || script_of(t->u[e]) == USCRIPT_LATIN)
                latin = true;
        }
        for (size_t i = s; latin && other && i < e; i++) {
            UChar32 o = cps[t->from[i]];
            char a = is_greek_cyrillic(o) ? look_alike_of(o) : 0;
            if (a && t->to[i] - t->from[i] == 1 && !U16_IS_SURROGATE(t->u[i]))
                t->u[i] = (UChar)a;
        }
        s = e;
    }
}

/* Steps 1-4 over the whole text, chunk by chunk. */
static void normalize_text(const UChar32 *cps, size_t n, struct ntext *t)
{
    t->cap = n + 16;
    t->u = mg_malloc(t->cap * sizeof *t->u);
    t->from = mg_malloc(t->cap * sizeof *t->from);
    t->to = mg_malloc(t->cap * sizeof *t->to);
    t->last = t->base = ' ';
    for (size_t i = 0; i < n;) {
        UChar32 c = cps[i];
        if (c < 0x80 && (i + 1 == n || cps[i + 1] < 0x80)) {
            /* ASCII: steps 1, 3 and 4 leave it alone. */
            if (c >= 'A' && c <= 'Z')
                c += 'a' - 'A';
            t->base = t->last = c;
            ntext_put(t, c, (uint32_t)i, (uint32_t)i + 1);
            i++;
            continue;
        }
        if (c >= ENCLOSED_FIRST && c <= RI_LAST) {
            size_t used = put_enclosed(t, cps, n, i);
            if (used) {
                i += used;
                continue;
            }
        }
        t->greek_cyrillic = t->greek_cyrillic || is_greek_cyrillic(c);
        size_t j = i + 1;
        while (j < n && j - i < CHUNK_MAX && !boundary_before(cps[j]))
            j++;
        put_chunk(t, cps + i, j - i, (uint32_t)i);
        i = j;
    }
}

/* A token that is one of the one-letter words of English (text-speak "u"
 * for "you" included), which a run of spelled letters may have taken in. */
static bool one_letter_word(const struct ntext *t, const struct tok *k)
{
    UChar c = t->u[k->s];
    return k->e - k->s == 1 && (c == 'a' || c == 'i' || c == 'u');
}

/* Letters and digits spelled out in tokens first..last. */
static size_t bases_of(const struct ntext *t, const struct tok *k, size_t first,
                       size_t last)
{
    size_t n = 0;
    for (size_t i = first; i <= last; i++)
        n += spelled_of(t, &k[i]).bases;
    return n;
}

/* Whether some form of tokens first..last read as one word is a word the
 * lists know; the arena is as before. */
static bool is_known(struct arena *a, const struct ntext *t,
                     const struct tok *k, size_t first, size_t last,
                     const struct mg_norm_known *known)
{
    if (!known || !known->knows)
        return false;
    struct word w = {first, last, first, last};
    size_t mark = a->len, forms[MG_NORM_MAX_FORMS];
    int8_t squeezed;
    size_t n = put_forms(a, t, k, &w, forms, &squeezed, NULL);
    bool yes = false;
    for (size_t i = 0; i < n && !yes; i++)
        yes =
            known->knows(known->ctx, a->p + forms[i], strlen(a->p + forms[i]));
    a->len = mark;
    return yes;
}

/* Cuts the one-letter words off the ends of runs of spelled letters that
 * took them in: "you are a f u c k i n g idiot" is "a" and "fucking", and
 * "i w i l l" is "i" and "will"; words of w (nw of them, room for nk)
 * written back in order; returns their number. Spacing cannot tell these
 * apart from a word that starts or ends with the letter ("i d i o t", "a s
 * s"), so a run is cut only when what is left still has 3+ letters, and
 * the lists decide when they can: the whole run is kept when some list
 * knows it ("idiot"), else the first cut whose rest one knows (the leading
 * letter, the trailing one, both); when none knows any, both letters that
 * can be are cut, since a one-letter word is what such a letter most
 * often is. The rest keeps the whole run's reading as a form. */
static size_t cut_one_letter_words(struct arena *a, const struct ntext *t,
                                   const struct tok *k, struct word *w,
                                   size_t nw, size_t nk,
                                   const struct mg_norm_known *known)
{
    struct word *out = NULL; /* made at the first cut: most texts have none */
    size_t n = 0;
    for (size_t i = 0; i < nw; i++) {
        size_t f = w[i].first, l = w[i].last;
        bool lead =
            l > f && one_letter_word(t, &k[f]) && bases_of(t, k, f + 1, l) >= 3;
        bool trail =
            l > f && one_letter_word(t, &k[l]) && bases_of(t, k, f, l - 1) >= 3;
        if (!lead && !trail) {
            if (out)
                out[n] = w[i];
            n++;
            continue;
        }
        bool both =
            lead && trail && l - f >= 2 && bases_of(t, k, f + 1, l - 1) >= 3;
        bool cut_lead, cut_trail;
        if (is_known(a, t, k, f, l, known)) {
            cut_lead = cut_trail = false;
        } else if (lead && is_known(a, t, k, f + 1, l, known)) {
            cut_lead = true;
            cut_trail = false;
        } else if (trail && is_known(a, t, k, f, l - 1, known)) {
            cut_lead = false;
            cut_trail = true;
        } else if (both && is_known(a, t, k, f + 1, l - 1, known)) {
            cut_lead = cut_trail = true;
        } else {
            cut_lead = both || lead;
            cut_trail = both || (trail && !lead);
        }
        if (!out) {
            out = mg_malloc((nk + 1) * sizeof *out);
            memcpy(out, w, n * sizeof *w);
        }
        if (cut_lead)
            out[n++] = (struct word){f, f, f, f};
        out[n++] = (struct word){f + cut_lead, l - cut_trail, f, l};
        if (cut_trail)
            out[n++] = (struct word){l, l, l, l};
    }
    if (out) {
        memcpy(w, out, n * sizeof *w);
        mg_free(out);
    }
    return n;
}

/* How a word takes part in the text's leet reading. */
enum leet_kind {
    LK_NONE,
    LK_MIXED,  /* Latin letters with leet characters: "fr33", "g7" */
    LK_INSIDE, /* of which one inside, between letters: "k1ll", "b2b" */
    LK_DIGITS, /* one or two of 0 1 3 4 5 7 alone: "1" (I), "70" (to) */
};

static enum leet_kind leet_kind_of(const struct traits *tp, const char *plain)
{
    if (!tp->letter) {
        size_t n = strlen(plain);
        if (n == 0 || n > 2)
            return LK_NONE;
        for (size_t i = 0; i < n; i++)
            if (!strchr("013457", plain[i]))
                return LK_NONE;
        return LK_DIGITS;
    }
    if (!tp->leet || tp->other)
        return LK_NONE;
    return tp->inside ? LK_INSIDE : LK_MIXED;
}

/* The words of a text that take part in its leet reading. */
struct leet_count {
    size_t mixed, inside, words; /* words: with a letter */
};

static void leet_count_add(struct leet_count *c, enum leet_kind kind,
                           bool letter)
{
    c->mixed += kind == LK_MIXED || kind == LK_INSIDE;
    c->inside += kind == LK_INSIDE;
    c->words += letter;
}

/* Whether the text as a whole is written in leetspeak: at least two words
 * mix Latin letters with leet characters, one of them between letters
 * ("k1ll"), two such or a third mixed word besides, and they are at least
 * half of the words with a letter. Ordinary text has a few such words
 * ("G7", "covid19", "mp3", "B2B") among many plain ones; a text in leet has
 * them nearly everywhere. */
static bool reads_leet(const struct leet_count *c)
{
    return c->inside >= 1 && c->mixed >= 2 &&
           (c->inside >= 2 || c->mixed >= 3) && c->mixed * 2 >= c->words;
}

/* In a text written in leet, the words in leet show their leet reading in
 * the text (for normalized_regex): their first two forms trade places, so
 * the forms a list meets stay the same; a lone "1" or "70" gets its leet
 * reading as a first form. Words are read again (rare: leet texts only) to
 * know which they are; out's words are those of w with a plain form. */
static void show_leet(struct arena *a, const struct ntext *t,
                      const struct tok *k, const struct word *w, size_t nw,
                      struct mg_norm *out, size_t *offs)
{
    size_t o = 0;
    for (size_t i = 0; i < nw && o < out->nwords; i++) {
        struct traits tp;
        size_t mark = a->len;
        size_t plain = put_reading(a, t, k, &w[i], PLAIN, &tp);
        enum leet_kind kind = leet_kind_of(&tp, a->p + plain);
        a->len = mark;
        if (tp.len == 0)
            continue; /* no word in out */
        struct mg_norm_word *nw_ = &out->words[o];
        size_t *forms = offs + o * MG_NORM_MAX_FORMS;
        o++;
        if (kind == LK_MIXED || kind == LK_INSIDE) {
            size_t first = forms[0];
            forms[0] = forms[1];
            forms[1] = first;
            if (nw_->squeezed == 0 || nw_->squeezed == 1)
                nw_->squeezed = (int8_t)(1 - nw_->squeezed);
        } else if (kind == LK_DIGITS) {
            struct traits tl;
            forms[1] = forms[0];
            forms[0] = put_reading(a, t, k, &w[i], LEET_I, &tl);
            nw_->nforms = 2;
        }
    }
}

/* ---- stretched text ----
 * A text stretched throughout ("I wiill kiill yoouu", "죽여버린다다") shows
 * each stretched word as a reader would read it, for normalized_regex; the
 * word keeps every form it had. */

/* Latin vowels English does not double (but for a few loanwords: "bazaar",
 * "skiing", "vacuum"): a doubled one is a stretch ("kiill"). "ee" and "oo"
 * are ordinary ("see", "good"), consonants too ("will", "all"). */
static bool never_doubled(UChar32 c)
{
    return c == 'a' || c == 'i' || c == 'u';
}

/* A run of one character in a form: at byte at, n copies of c (clen bytes
 * each). */
struct run {
    UChar32 c;
    size_t at, n;
    uint8_t clen;
    bool letter;
};

/* The runs of the NUL-terminated form s into v (room for strlen(s));
 * returns their number; *letters gets the letters. */
static size_t runs_of(const char *s, struct run *v, size_t *letters)
{
    size_t n = 0, len = strlen(s);
    *letters = 0;
    for (size_t i = 0; i < len;) {
        size_t at = i;
        UChar32 c;
        U8_NEXT_UNSAFE((const uint8_t *)s, i, c);
        bool letter = (class_of(c) & C_LETTER) != 0;
        *letters += letter;
        if (n > 0 && v[n - 1].c == c) {
            v[n - 1].n++;
            continue;
        }
        v[n++] = (struct run){c, at, 1, (uint8_t)(i - at), letter};
    }
    return n;
}

/* Whether run i of a word (nr runs, letters letters) is a spelling no
 * ordinary word has: a letter 3+ times ("shoooot", "하하하"; not the "www"
 * of a web address), "aa" "ii" "uu" ("kiill", "yoouu"), or a Hangul
 * syllable said twice at the end of a word of 3+ ("죽여버린다다"; "토토",
 * "까까" are words). */
static bool run_stretched(const struct run *r, size_t i, size_t nr,
                          size_t letters)
{
    if (!r[i].letter || r[i].n < 2)
        return false;
    if (r[i].n >= 3)
        return !(r[i].c == 'w' && r[i].n == 3 && i == 0);
    if (never_doubled(r[i].c))
        return true;
    return doubles_as_word(r[i].c) && i + 1 == nr && letters >= 3;
}

/* What a text's words of 3+ letters showed of stretching: one- and
 * two-letter words are seldom stretched ("I", "a", "in"), and a Korean
 * word of two syllables said twice cannot be told from a word ("토토"). */
struct stretch_count {
    size_t words;   /* of 3+ letters */
    size_t marked;  /* with a stretched run (run_stretched) */
    size_t vowels;  /* not marked, with a doubled "ee" or "oo" */
    size_t aiu;     /* runs of a, i or u */
    size_t aiu_two; /* of which doubled or longer */
};

/* A text reads as stretched when two or more of its words have a run no
 * ordinary spelling has, and those with such a run or a doubled "ee" or
 * "oo" are half of its words of 3+ letters or more: so "sooo good" or
 * "WWII" among ordinary words is left as written. */
static bool reads_stretched(const struct stretch_count *c)
{
    return c->marked >= 2 && (c->marked + c->vowels) * 2 >= c->words;
}

/* Whether the writer doubles vowels throughout: two or more of the a, i
 * and u of the text's words of 3+ letters are doubled, and more than half
 * of them are, which no ordinary English text has. */
static bool doubles_vowels(const struct stretch_count *c)
{
    return c->aiu_two >= 2 && c->aiu_two * 2 > c->aiu;
}

/* The length a reader sees for run i (the word has nr runs, letters
 * letters): "a", "i" and "u" one ("kiiill", "yoouu"); other runs of 3+ two
 * ("shoooot", "killl"); "ee" and "oo" as written ("good") unless the
 * writer doubles vowels throughout (doubling: "hoopee", "bee" are "hope",
 * "be"); doubled consonants as written ("kill"). A Hangul syllable said
 * again at the end of a word of 3+ loses its copies ("죽여버린다다"). */
static size_t run_reading(const struct run *r, size_t i, size_t nr,
                          size_t letters, bool doubling)
{
    size_t n = r[i].n;
    UChar32 c = r[i].c;
    if (!r[i].letter || n < 2 || (c == 'w' && n == 3 && i == 0))
        return n; /* "www" is a web address's */
    if (doubles_as_word(c) && i + 1 == nr && letters >= 3)
        return 1;
    if (never_doubled(c))
        return 1;
    if (doubling && (c == 'e' || c == 'o') && n == 2)
        return 1;
    return n >= 3 ? 2 : n;
}

/* Writes the word s with run k cut to len[k] copies; returns the offset. */
static size_t put_runs(struct arena *a, size_t s, const struct run *r,
                       size_t nr, const size_t *len)
{
    size_t total = 0;
    for (size_t k = 0; k < nr; k++)
        total += len[k] * r[k].clen;
    char *out = (char *)arena_reserve(a, total + 1);
    const char *src = a->p + s; /* the arena did not move: reserved above */
    size_t o = 0;
    for (size_t k = 0; k < nr; k++)
        for (size_t j = 0; j < len[k]; j++, o += r[k].clen)
            memcpy(out + o, src + r[k].at, r[k].clen);
    out[o] = '\0';
    size_t off = a->len;
    a->len += o + 1;
    return off;
}

/* At most this many doubled runs are tried both ways against the lists
 * (2^n spellings). */
#define STRETCH_TRY_RUNS 6

static bool knows_form(const struct mg_norm_known *known, const char *s)
{
    return known && known->knows && known->knows(known->ctx, s, strlen(s));
}

/* The reading of a stretched word (form at offset s, runs r), asking the
 * lists (known): the reader's reading (run_reading) when a list knows it;
 * else the spelling of a listed word the word can be read as, each of its
 * doubled or longer runs cut to one or two ("kiill" is "kill", which the
 * lists file under its squeezed spelling "kil"), the one nearest the
 * reader's reading and then the longest; else the word as written when a
 * list knows it ("see" stays "see" in a text that doubles its vowels);
 * else the reader's reading. A list "knows" a word its wildcards meet too
 * ("kill*" knows "killl"), hence the reader's reading is asked first.
 * Returns its offset, or s when the word is read as written. */
static size_t stretched_reading(struct arena *a, size_t s, const struct run *r,
                                size_t nr, size_t letters, bool doubling,
                                const struct mg_norm_known *known, size_t *len)
{
    size_t want[STRETCH_TRY_RUNS], idx[STRETCH_TRY_RUNS], k = 0;
    bool differs = false;
    for (size_t i = 0; i < nr; i++) {
        len[i] = run_reading(r, i, nr, letters, doubling);
        differs = differs || len[i] != r[i].n;
    }
    if (!differs)
        return s;
    size_t reading = put_runs(a, s, r, nr, len);
    if (!known || !known->knows || knows_form(known, a->p + reading))
        return reading;
    for (size_t i = 0; i < nr; i++)
        if (r[i].letter && r[i].n >= 2 && !doubles_as_word(r[i].c)) {
            if (k == STRETCH_TRY_RUNS)
                return knows_form(known, a->p + s) ? s : reading;
            want[k] = len[i];
            idx[k++] = i;
        }
    size_t best = 0, best_dist = SIZE_MAX, best_letters = 0;
    bool found = false;
    for (size_t m = 0; m < ((size_t)1 << k); m++) {
        size_t dist = 0, total = 0;
        for (size_t j = 0; j < k; j++) {
            len[idx[j]] = (m >> j & 1) ? 2 : 1;
            dist += len[idx[j]] > want[j] ? len[idx[j]] - want[j]
                                          : want[j] - len[idx[j]];
        }
        for (size_t i = 0; i < nr; i++)
            total += len[i];
        if (dist > best_dist || (dist == best_dist && total <= best_letters))
            continue;
        size_t mark = a->len;
        size_t off = put_runs(a, s, r, nr, len);
        bool same = strcmp(a->p + off, a->p + s) == 0;
        if (same || !knows_form(known, a->p + off)) {
            a->len = mark;
            continue;
        }
        best = m;
        best_dist = dist;
        best_letters = total;
        found = true;
        a->len = mark;
    }
    if (!found)
        return knows_form(known, a->p + s) ? s : reading;
    for (size_t j = 0; j < k; j++)
        len[idx[j]] = (best >> j & 1) ? 2 : 1;
    return put_runs(a, s, r, nr, len);
}

/* Puts form off first among the word's forms, keeping them all (the one it
 * equals, or every one when it is new and there is room); false when it
 * is new and there is none. */
static bool show_first(struct arena *a, struct mg_norm_word *w, size_t *forms,
                       size_t off)
{
    size_t j = 0;
    while (j < w->nforms && strcmp(a->p + forms[j], a->p + off) != 0)
        j++;
    if (j == w->nforms) {
        if (w->nforms == MG_NORM_MAX_FORMS)
            return false; /* it would push a form out */
        memmove(forms + 1, forms, w->nforms * sizeof *forms);
        forms[0] = off;
        w->nforms++;
        if (w->squeezed >= 0)
            w->squeezed++;
        return true;
    }
    size_t first = forms[0];
    forms[0] = forms[j];
    forms[j] = first;
    if (w->squeezed == 0)
        w->squeezed = (int8_t)j;
    else if (w->squeezed == (int8_t)j)
        w->squeezed = 0;
    return true;
}

/* In a stretched text, each word with a doubled letter that no list holds
 * as written shows the reading stretched_reading gives it, first of its
 * forms; maybe: words with a doubled letter (put_forms' traits), 0 for
 * none. Ordinary texts stop at the count. */
static void show_stretched(struct arena *a, struct mg_norm *out, size_t *offs,
                           size_t maybe, const struct mg_norm_known *known)
{
    if (maybe < 2)
        return;
    size_t cap = 0;
    for (size_t i = 0; i < out->nwords; i++) {
        size_t n = strlen(a->p + offs[i * MG_NORM_MAX_FORMS]);
        cap = n > cap ? n : cap;
    }
    struct run *r = mg_malloc((cap + 1) * sizeof *r);
    size_t *len = mg_malloc((cap + 1) * sizeof *len);
    struct stretch_count c = {0, 0, 0, 0, 0};
    for (size_t i = 0; i < out->nwords; i++) {
        size_t letters;
        size_t nr = runs_of(a->p + offs[i * MG_NORM_MAX_FORMS], r, &letters);
        if (letters < 3)
            continue;
        c.words++;
        bool marked = false, vowel = false;
        for (size_t k = 0; k < nr; k++) {
            marked = marked || run_stretched(r, k, nr, letters);
            vowel = vowel || ((r[k].c == 'e' || r[k].c == 'o') && r[k].n >= 2);
            bool aiu = never_doubled(r[k].c);
            c.aiu += aiu;
            c.aiu_two += aiu && r[k].n >= 2;
        }
        c.marked += marked;
        c.vowels += vowel && !marked;
    }
    if (reads_stretched(&c)) {
        bool doubling = doubles_vowels(&c);
        for (size_t i = 0; i < out->nwords; i++) {
            size_t *forms = offs + i * MG_NORM_MAX_FORMS, letters;
            size_t s = forms[0];
            size_t nr = runs_of(a->p + s, r, &letters);
            bool twice = false;
            for (size_t k = 0; k < nr && !twice; k++)
                twice = r[k].letter && r[k].n >= 2;
            if (!twice)
                continue;
            size_t mark = a->len;
            size_t off =
                stretched_reading(a, s, r, nr, letters, doubling, known, len);
            if (off == s || !show_first(a, &out->words[i], forms, off))
                a->len = mark;
        }
    }
    mg_free(len);
    mg_free(r);
}

/* The words, their forms and the text from the normalized text. */
static int make_words(const struct ntext *t, const struct mg_norm_known *known,
                      struct mg_norm *out)
{
    /* Sized for the usual text so that they seldom grow. */
    struct segs sg = {NULL, 0, t->len / 4 + 16};
    sg.v = mg_malloc(sg.cap * sizeof *sg.v);
    int rc = find_segments(t, &sg);
    if (rc != MG_OK) {
        mg_free(sg.v);
        return rc;
    }
    struct tok *k = mg_malloc((sg.n + 1) * sizeof *k);
    size_t nk = find_tokens(t, &sg, k);
    mg_free(sg.v);
    struct word *w = mg_malloc((nk + 1) * sizeof *w);
    size_t nw = join_spelled(t, k, nk, w);

    struct arena a = {NULL, 0, t->len * 2 + 64};
    a.p = mg_malloc(a.cap);
    nw = cut_one_letter_words(&a, t, k, w, nw, nk, known);
    size_t *offs = mg_malloc((nw + 1) * MG_NORM_MAX_FORMS * sizeof *offs);
    struct leet_count leet = {0, 0, 0};
    size_t twice = 0; /* words with a doubled letter: maybe stretched */
    out->words = mg_calloc(nw + 1, sizeof *out->words);
    for (size_t i = 0; i < nw; i++) {
        struct mg_norm_word *nw_ = &out->words[out->nwords];
        size_t *forms = offs + out->nwords * MG_NORM_MAX_FORMS;
        struct traits tp;
        nw_->nforms = put_forms(&a, t, k, &w[i], forms, &nw_->squeezed, &tp);
        if (nw_->nforms == 0)
            continue;
        if (w[i].whole_first != w[i].first || w[i].whole_last != w[i].last) {
            /* a cut run keeps its whole reading ("diot" has "idiot") */
            struct word whole = {w[i].whole_first, w[i].whole_last,
                                 w[i].whole_first, w[i].whole_last};
            struct traits tw;
            keep_form(&a, forms, &nw_->nforms,
                      put_reading(&a, t, k, &whole, PLAIN, &tw));
        }
        leet_count_add(&leet, leet_kind_of(&tp, a.p + forms[0]), tp.letter);
        twice += tp.letter && (tp.twice || tp.run);
        nw_->start = t->from[k[w[i].first].s];
        nw_->end = t->to[k[w[i].last].e - 1];
        nw_->spelled = w[i].last > w[i].first;
        out->nwords++;
    }
    if (reads_leet(&leet))
        show_leet(&a, t, k, w, nw, out, offs);
    show_stretched(&a, out, offs, twice, known);
    mg_free(w);
    mg_free(k);

    size_t text_len = 0;
    for (size_t i = 0; i < out->nwords; i++)
        text_len += strlen(a.p + offs[i * MG_NORM_MAX_FORMS]) + 1;
    out->text = mg_malloc(text_len + 1);
    for (size_t i = 0; i < out->nwords; i++) {
        struct mg_norm_word *nw_ = &out->words[i];
        for (size_t f = 0; f < nw_->nforms; f++)
            nw_->form[f] = a.p + offs[i * MG_NORM_MAX_FORMS + f];
        size_t n = strlen(nw_->form[0]);
        if (i > 0)
            out->text[out->len++] = ' ';
        memcpy(out->text + out->len, nw_->form[0], n);
        out->len += n;
    }
    out->text[out->len] = '\0';
    out->arena = a.p;
    mg_free(offs);
    return MG_OK;
}

int mg_normalize(const char *utf8, size_t len, struct mg_norm *out)
{
    return mg_normalize_with(utf8, len, NULL, out);
}

int mg_normalize_with(const char *utf8, size_t len,
                      const struct mg_norm_known *known, struct mg_norm *out)
{
    memset(out, 0, sizeof *out);
    pthread_once(&g_once, init_once);
    if (!g.ok)
        return MG_EIO;
    /* Validates and decodes in one pass. */
    const uint8_t *s = (const uint8_t *)utf8;
    UChar32 *cps = mg_malloc((len + 1) * sizeof *cps);
    size_t ncp = 0;
    for (size_t i = 0; i < len; ncp++) {
        if (s[i] < 0x80) {
            cps[ncp] = s[i++];
            continue;
        }
        if (mg_utf8_seq_len(s + i, len - i) == 0) {
            mg_free(cps);
            return MG_EINVAL;
        }
        U8_NEXT_UNSAFE(s, i, cps[ncp]);
    }
    if (ncp > UINT32_MAX) {
        mg_free(cps);
        return MG_ETOOBIG; /* spans are uint32_t */
    }
    struct ntext t = {0};
    normalize_text(cps, ncp, &t);
    map_mixed_words(&t, cps);
    mg_free(cps);
    out->invisibles = t.invisibles;
    int rc = make_words(&t, known, out);
    mg_free(t.u);
    mg_free(t.from);
    mg_free(t.to);
    if (rc != MG_OK)
        mg_norm_close(out);
    return rc;
}

void mg_norm_close(struct mg_norm *n)
{
    if (!n)
        return;
    mg_free(n->text);
    mg_free(n->words);
    mg_free(n->arena);
    memset(n, 0, sizeof *n);
}

char *mg_normalize_entry(const char *utf8, size_t len)
{
    struct mg_norm n;
    if (mg_normalize(utf8, len, &n) != MG_OK)
        return NULL;
    char *entry = NULL;
    if (n.nwords > 0) {
        entry = n.text; /* exactly the plain forms joined by spaces */
        n.text = NULL;
    }
    mg_norm_close(&n);
    return entry;
}
