/* normalize_text.c: steps 1-4 of normalize.h, the characters: NFKC by
 * chunks that map back to the original, case folding, invisibles removed,
 * confusables and decorative marks, enclosed letters and regional
 * indicators read as letters, look-alikes inside mixed Latin words; and
 * ICU's singletons and tables, built once. */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include <unicode/ubrk.h>
#include <unicode/uchar.h>
#include <unicode/uloc.h>
#include <unicode/unorm2.h>
#include <unicode/uscript.h>
#include <unicode/uspoof.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>

#include "modgate/alloc.h"
#include "src/rules/normalize_internal.h"

/* normalize_internal.h spells UChar and UChar32 by what they are in C. */
_Static_assert(_Generic((UChar)0, uint16_t : 1, default : 0),
               "UChar is uint16_t");
_Static_assert(_Generic((UChar32)0, int32_t : 1, default : 0),
               "UChar32 is int32_t");

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

unsigned mg__class_of_other(int32_t c)
{
    uint32_t gc = U_GET_GC_MASK(c);
    return (gc & U_GC_L_MASK ? C_LETTER : 0) |
           (gc & U_GC_N_MASK ? C_DIGIT : 0) | (gc & U_GC_M_MASK ? C_MARK : 0);
}

int32_t mg__script_of(int32_t c)
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
        if (!passes_for_latin(mg__script_of(c)))
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

bool mg__norm_ready(void)
{
    pthread_once(&g_once, init_once);
    return g.ok;
}

/* This thread's word break iterator (opening one costs more than a short
 * comment's whole normalization); closed when the thread exits. */
struct UBreakIterator *mg__norm_word_iterator(void)
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
    return joiner && u_isalpha(last) &&
           !spells_without_marks(mg__script_of(last));
}

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
    /* Hangul syllables and CJK ideographs are not Default_Ignorable, have
     * no confusable letter and are not marks: most of a Korean comment
     * goes by without the two ICU lookups below */
    bool syllable = (c >= 0xac00 && c <= 0xd7a3) || (c >= 0x4e00 && c <= 0x9fff);
    if (c >= 0x80 && !syllable) {
        if (is_invisible(c)) {
            if (!is_writing_glue(c, t->last))
                t->invisibles++;
            return;
        }
        char a = confusable_of(c);
        if (a) {
            c = (UChar32)a;
        } else if (is_mark(c)) {
            if (spells_without_marks(mg__script_of(t->base))) {
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
    bool caseless =
        (c >= 0xac00 && c <= 0xd7a3) || (c >= 0x1100 && c <= 0x11ff) ||
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
    bool strip = marks >= 3 && spells_without_marks(mg__script_of(c));
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
            else if (t->u[e] < 0x80 || mg__script_of(t->u[e]) == USCRIPT_LATIN)
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

/* The look-alikes come last: whether a word mixes scripts is known once
 * all of it is normalized. */
void mg__norm_text(const int32_t *cps, size_t n, struct ntext *t)
{
    normalize_text(cps, n, t);
    map_mixed_words(t, cps);
}

void mg__ntext_close(struct ntext *t)
{
    mg_free(t->u);
    mg_free(t->from);
    mg_free(t->to);
}
