/* unicode.c: what modgate asks ICU about text and code points: grapheme
 * clusters, visibility, folding, character properties. With the rules'
 * normalizer (src/rules/normalize.c), the only file that includes ICU
 * headers (docs/architecture.md, the module map). */
#include "modgate/unicode.h"

#include <pthread.h>
#include <stdint.h>

#include <unicode/ubrk.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/uscript.h>
#include <unicode/ustring.h>
#include <unicode/utext.h>

#include "modgate/alloc.h"
#include "modgate/text.h"

/* One character break iterator per thread, made on first use: opening one
 * costs more than counting a comment's clusters (8.9 % of a submission
 * when each call opened its own). Thread-local because the judge runs on
 * the loop and rule sets load on libuv's thread pool; the key's destructor
 * closes a thread's iterator when that thread ends, and the main thread's
 * stays reachable (no leak report) until the process ends. */
static pthread_key_t bi_key;
static pthread_once_t bi_once = PTHREAD_ONCE_INIT;
static _Thread_local UBreakIterator *tl_bi;

static void bi_destroy(void *bi)
{
    ubrk_close(bi);
}

static void bi_key_make(void)
{
    (void)pthread_key_create(&bi_key, bi_destroy);
}

static UBreakIterator *thread_iterator(void)
{
    if (tl_bi)
        return tl_bi;
    UErrorCode status = U_ZERO_ERROR;
    UBreakIterator *bi = ubrk_open(UBRK_CHARACTER, "", NULL, 0, &status);
    if (U_FAILURE(status))
        return NULL;
    (void)pthread_once(&bi_once, bi_key_make);
    (void)pthread_setspecific(bi_key, bi);
    tl_bi = bi;
    return bi;
}

/* The code point at utf8[*i] (len bytes in all), or -1 for invalid bytes;
 * *i moves past it (one byte past invalid ones: each byte of an invalid
 * sequence is invalid alone, so callers meet the same valid code points as
 * with ICU's U8_NEXT, which this replaced). Inline: mg_utf8_seq_len, then
 * mg_utf8_decode. */
static inline UChar32 next_code_point(const uint8_t *s, size_t len, size_t *i)
{
    size_t n = mg_utf8_seq_len(s + *i, len - *i);
    if (n == 0) {
        *i += 1;
        return -1;
    }
    UChar32 c = (UChar32)mg_utf8_decode(s + *i, n);
    *i += n;
    return c;
}

/* Pure ASCII text needs no ICU: under UAX #29 every ASCII character is
 * one cluster (none is Extend, SpacingMark, Prepend or ZWJ; controls break
 * on both sides, GB4/GB5) except CR LF, which is one (GB3). The unit test
 * compares this with ICU on generated strings. Returns false (nothing
 * counted) at the first non-ASCII byte. */
static bool ascii_graphemes(const unsigned char *s, size_t len, size_t *count)
{
    size_t n = len;
    for (size_t i = 0; i < len; i++) {
        if (s[i] >= 0x80)
            return false;
        if (s[i] == '\r' && i + 1 < len && s[i + 1] == '\n')
            n--;
    }
    *count = n;
    return true;
}

int mg__unicode_graphemes_icu(const char *utf8, size_t len, size_t *count)
{
    if (len > INT64_MAX)
        return MG_EINVAL;
    UBreakIterator *bi = thread_iterator();
    if (!bi)
        return MG_EIO;
    UErrorCode status = U_ZERO_ERROR;
    /* Reads the UTF-8 in place (no conversion to UTF-16), in a UText on
     * the stack: the iterator keeps a shallow clone of it, which the next
     * call's ubrk_setUText replaces. */
    UText ut = UTEXT_INITIALIZER;
    utext_openUTF8(&ut, utf8, (int64_t)len, &status);
    if (U_FAILURE(status))
        return MG_EIO;
    ubrk_setUText(bi, &ut, &status);
    if (U_FAILURE(status)) {
        utext_close(&ut);
        return MG_EIO;
    }
    /* Each boundary after the first (offset 0) ends one cluster. */
    size_t n = 0;
    for (int32_t b = ubrk_next(bi); b != UBRK_DONE; b = ubrk_next(bi))
        n++;
    utext_close(&ut);
    *count = n;
    return MG_OK;
}

/* Whether c forms a cluster by itself whatever surrounds it, when nothing
 * around it is an Extend, ZWJ, SpacingMark, Prepend, Regional_Indicator
 * or Hangul jamo either: Grapheme_Cluster_Break Other (GB999), Control
 * (GB4/GB5), and LV or LVT syllables, which join only with jamo (GB6-GB8).
 * The two big blocks of the texts modgate sees are answered without ICU. */
static bool stands_alone(UChar32 c)
{
    if ((c >= 0xac00 && c <= 0xd7a3) || (c >= 0x4e00 && c <= 0x9fff))
        return true; /* Hangul syllables (LV, LVT); CJK ideographs (Other) */
    switch (u_getIntPropertyValue(c, UCHAR_GRAPHEME_CLUSTER_BREAK)) {
    case U_GCB_OTHER:
    case U_GCB_CONTROL:
    case U_GCB_LV:
    case U_GCB_LVT: return true;
    default: return false;
    }
}

/* Text whose every code point stands alone (stands_alone) needs no break
 * iterator: each is one cluster but CR LF (GB3). Counts into *count and
 * returns 1, or returns 0 at the first code point that may join (the rest
 * still checked as UTF-8), or MG_EINVAL on invalid UTF-8. The unit test
 * compares it with ICU on every pair of code points of the BMP's blocks. */
static int simple_graphemes(const unsigned char *s, size_t len, size_t *count)
{
    size_t n = 0;
    bool simple = true;
    for (size_t i = 0; i < len;) {
        if (s[i] < 0x80) {
            if (!(s[i] == '\n' && i > 0 && s[i - 1] == '\r'))
                n++;
            i++;
            continue;
        }
        UChar32 c = next_code_point(s, len, &i);
        if (c < 0)
            return MG_EINVAL;
        simple = simple && stands_alone(c);
        n++;
    }
    *count = n;
    return simple;
}

int mg_unicode_graphemes(const char *utf8, size_t len, size_t *count)
{
    const unsigned char *s = (const unsigned char *)utf8;
    if (ascii_graphemes(s, len, count))
        return MG_OK;
    /* ICU would quietly read bad bytes as U+FFFD; refuse them instead. */
    size_t n;
    int simple = simple_graphemes(s, len, &n);
    if (simple < 0)
        return simple;
    if (simple) {
        *count = n;
        return MG_OK;
    }
    return mg__unicode_graphemes_icu(utf8, len, count);
}

static bool is_visible(UChar32 c)
{
    if (u_hasBinaryProperty(c, UCHAR_WHITE_SPACE) ||
        u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT))
        return false;
    int8_t type = u_charType(c);
    return type != U_CONTROL_CHAR && type != U_FORMAT_CHAR;
}

bool mg_unicode_has_visible(const char *utf8, size_t len)
{
    const uint8_t *s = (const uint8_t *)utf8;
    for (size_t i = 0; i < len;) {
        UChar32 c = next_code_point(s, len, &i);
        /* Invalid bytes (c < 0) are not whitespace: count them as
         * visible, as a reader would see a replacement character. */
        if (c < 0 || is_visible(c))
            return true;
    }
    return false;
}

bool mg_unicode_has_decimal_digit(const char *utf8, size_t len)
{
    const uint8_t *s = (const uint8_t *)utf8;
    for (size_t i = 0; i < len;) {
        if (s[i] < 0x80) { /* the common case, without ICU */
            if (s[i] >= '0' && s[i] <= '9')
                return true;
            i++;
            continue;
        }
        UChar32 c = next_code_point(s, len, &i);
        /* no decimal digit (Nd) lies below U+0660 but ASCII's, nor among
         * Hangul syllables and CJK ideographs: most text asks ICU nothing
         * (test_unicode compares every code point with ICU's answer) */
        if (c < 0x660 || (c >= 0xac00 && c <= 0xd7a3) || (c >= 0x4e00 && c <= 0x9fff))
            continue;
        if (u_isdigit(c))
            return true;
    }
    return false;
}

/* utf8[0..len) as UTF-16 in *out (mg_free) and *out_len. MG_EINVAL on
 * invalid UTF-8: ICU would read bad bytes as U+FFFD. len < INT32_MAX. */
static int to_utf16(const char *utf8, size_t len, UChar **out, int32_t *out_len)
{
    UErrorCode status = U_ZERO_ERROR;
    int32_t n16 = 0;
    u_strFromUTF8WithSub(NULL, 0, &n16, utf8, (int32_t)len, -1, NULL, &status);
    if (status != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(status))
        return MG_EINVAL;
    status = U_ZERO_ERROR;
    UChar *u16 = mg_malloc(((size_t)n16 + 1) * sizeof *u16);
    u_strFromUTF8WithSub(u16, n16 + 1, NULL, utf8, (int32_t)len, -1, NULL,
                         &status);
    if (U_FAILURE(status)) {
        mg_free(u16);
        return MG_EINVAL;
    }
    *out = u16;
    *out_len = n16;
    return MG_OK;
}

/* src[0..n) under nf, in *out (mg_free) and *out_len; MG_EIO if ICU fails.
 * A normalization may grow a text up to 18-fold (U+FDFA): the size is
 * asked first instead of guessed. */
static int normalize16(const UNormalizer2 *nf, const UChar *src, int32_t n,
                       UChar **out, int32_t *out_len)
{
    UErrorCode status = U_ZERO_ERROR;
    int32_t len = unorm2_normalize(nf, src, n, NULL, 0, &status);
    if (status != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(status))
        return MG_EIO;
    status = U_ZERO_ERROR;
    UChar *dst = mg_malloc(((size_t)len + 1) * sizeof *dst);
    unorm2_normalize(nf, src, n, dst, len + 1, &status);
    if (U_FAILURE(status)) {
        mg_free(dst);
        return MG_EIO;
    }
    *out = dst;
    *out_len = len;
    return MG_OK;
}

/* src[0..n) lowercased with the root locale's full mappings, in *out
 * (mg_free) and *out_len; MG_EIO if ICU fails. */
static int lower16(const UChar *src, int32_t n, UChar **out, int32_t *out_len)
{
    UErrorCode status = U_ZERO_ERROR;
    int32_t len = u_strToLower(NULL, 0, src, n, "", &status);
    if (status != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(status))
        return MG_EIO;
    status = U_ZERO_ERROR;
    UChar *dst = mg_malloc(((size_t)len + 1) * sizeof *dst);
    u_strToLower(dst, len + 1, src, n, "", &status);
    if (U_FAILURE(status)) {
        mg_free(dst);
        return MG_EIO;
    }
    *out = dst;
    *out_len = len;
    return MG_OK;
}

/* src[0..n) as NUL-terminated UTF-8 in *out (mg_free) and *out_len;
 * MG_EIO if ICU fails. */
static int to_utf8(const UChar *src, int32_t n, char **out, size_t *out_len)
{
    UErrorCode status = U_ZERO_ERROR;
    int32_t n8 = 0;
    u_strToUTF8(NULL, 0, &n8, src, n, &status);
    if (status != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(status))
        return MG_EIO;
    status = U_ZERO_ERROR;
    char *text = mg_malloc((size_t)n8 + 1);
    u_strToUTF8(text, n8 + 1, NULL, src, n, &status);
    if (U_FAILURE(status)) {
        mg_free(text);
        return MG_EIO;
    }
    text[n8] = '\0';
    *out = text;
    *out_len = (size_t)n8;
    return MG_OK;
}

/* utf8[0..len) under nf, then lowercased when lower, as UTF-8 in *out and
 * *out_len (both untouched on failure). */
static int transform(const char *utf8, size_t len, const UNormalizer2 *nf,
                     bool lower, char **out, size_t *out_len)
{
    if (len > INT32_MAX / 4)
        return MG_EINVAL;
    UChar *src, *norm;
    int32_t nsrc, nnorm;
    int rc = to_utf16(utf8, len, &src, &nsrc);
    if (rc != MG_OK)
        return rc;
    rc = normalize16(nf, src, nsrc, &norm, &nnorm);
    mg_free(src);
    if (rc != MG_OK)
        return rc;
    if (lower) {
        UChar *low;
        int32_t nlow;
        rc = lower16(norm, nnorm, &low, &nlow);
        mg_free(norm);
        if (rc != MG_OK)
            return rc;
        norm = low;
        nnorm = nlow;
    }
    rc = to_utf8(norm, nnorm, out, out_len);
    mg_free(norm);
    return rc;
}

int mg_unicode_fold(const char *utf8, size_t len, char **out, size_t *out_len)
{
    UErrorCode status = U_ZERO_ERROR;
    const UNormalizer2 *nfkc_cf = unorm2_getNFKCCasefoldInstance(&status);
    if (U_FAILURE(status))
        return MG_EIO;
    return transform(utf8, len, nfkc_cf, false, out, out_len);
}

int mg_unicode_nfkc_lower(const char *utf8, size_t len, char **out,
                          size_t *out_len)
{
    UErrorCode status = U_ZERO_ERROR;
    const UNormalizer2 *nfkc = unorm2_getNFKCInstance(&status);
    if (U_FAILURE(status))
        return MG_EIO;
    return transform(utf8, len, nfkc, true, out, out_len);
}

bool mg_unicode_folds_beyond_case(const char *utf8, size_t len)
{
    const uint8_t *s = (const uint8_t *)utf8;
    for (size_t i = 0; i < len;) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        UChar32 c = next_code_point(s, len, &i);
        /* Hangul syllables and CJK ideographs are their own NFKC_Casefold
         * (asking ICU costs about 500 instructions a character). Hangul
         * compatibility jamo (the ㅋ of "ㅋㅋ") become conjoining jamo,
         * which no pattern is written in: not worth a folded copy */
        if ((c >= 0xac00 && c <= 0xd7a3) || (c >= 0x4e00 && c <= 0x9fff) ||
            (c >= 0x3131 && c <= 0x318e))
            continue;
        /* conjoining jamo compose into syllables (ᄀ + ᅡ is 가), as a
         * combining mark composes with its letter */
        if ((c >= 0x1100 && c <= 0x11ff) || (c >= 0xa960 && c <= 0xa97f) ||
            (c >= 0xd7b0 && c <= 0xd7ff))
            return true;
        /* what NFKC_Casefold still changes once the case is folded: a
         * compatibility form, an ignorable (dropped), and a combining mark
         * (it may compose with the letter before it) */
        UChar32 folded = u_foldCase(c, U_FOLD_CASE_DEFAULT);
        if (c < 0 || u_charType(c) == U_NON_SPACING_MARK ||
            u_hasBinaryProperty(folded, UCHAR_CHANGES_WHEN_NFKC_CASEFOLDED))
            return true;
    }
    return false;
}

/* The bits of enum mg_category are ICU's masks, so that
 * mg_unicode_category is one shift. */
#define SAME_BIT(ours, icu) _Static_assert((ours) == (icu), #ours " is " #icu)
SAME_BIT(MG_GC_CN, U_GC_CN_MASK);
SAME_BIT(MG_GC_LU, U_GC_LU_MASK);
SAME_BIT(MG_GC_LL, U_GC_LL_MASK);
SAME_BIT(MG_GC_LT, U_GC_LT_MASK);
SAME_BIT(MG_GC_LM, U_GC_LM_MASK);
SAME_BIT(MG_GC_LO, U_GC_LO_MASK);
SAME_BIT(MG_GC_MN, U_GC_MN_MASK);
SAME_BIT(MG_GC_ME, U_GC_ME_MASK);
SAME_BIT(MG_GC_MC, U_GC_MC_MASK);
SAME_BIT(MG_GC_ND, U_GC_ND_MASK);
SAME_BIT(MG_GC_NL, U_GC_NL_MASK);
SAME_BIT(MG_GC_NO, U_GC_NO_MASK);
SAME_BIT(MG_GC_ZS, U_GC_ZS_MASK);
SAME_BIT(MG_GC_ZL, U_GC_ZL_MASK);
SAME_BIT(MG_GC_ZP, U_GC_ZP_MASK);
SAME_BIT(MG_GC_CC, U_GC_CC_MASK);
SAME_BIT(MG_GC_CF, U_GC_CF_MASK);
SAME_BIT(MG_GC_CO, U_GC_CO_MASK);
SAME_BIT(MG_GC_CS, U_GC_CS_MASK);
SAME_BIT(MG_GC_PD, U_GC_PD_MASK);
SAME_BIT(MG_GC_PS, U_GC_PS_MASK);
SAME_BIT(MG_GC_PE, U_GC_PE_MASK);
SAME_BIT(MG_GC_PC, U_GC_PC_MASK);
SAME_BIT(MG_GC_PO, U_GC_PO_MASK);
SAME_BIT(MG_GC_SM, U_GC_SM_MASK);
SAME_BIT(MG_GC_SC, U_GC_SC_MASK);
SAME_BIT(MG_GC_SK, U_GC_SK_MASK);
SAME_BIT(MG_GC_SO, U_GC_SO_MASK);
SAME_BIT(MG_GC_PI, U_GC_PI_MASK);
SAME_BIT(MG_GC_PF, U_GC_PF_MASK);

/* c for ICU, which takes a signed UChar32. Past U+10FFFF it asks about
 * U+10FFFF instead (a noncharacter: Cn, no property, script Unknown), so as
 * not to rely on what ICU does with what is no code point. */
static UChar32 as_uchar32(uint32_t c)
{
    return c <= 0x10ffff ? (UChar32)c : 0x10ffff;
}

uint32_t mg_unicode_category(uint32_t c)
{
    return U_GET_GC_MASK(as_uchar32(c));
}

bool mg_unicode_is_white_space(uint32_t c)
{
    return u_isUWhiteSpace(as_uchar32(c));
}

bool mg_unicode_is_default_ignorable(uint32_t c)
{
    return u_hasBinaryProperty(as_uchar32(c),
                               UCHAR_DEFAULT_IGNORABLE_CODE_POINT);
}

bool mg_unicode_is_pictographic(uint32_t c)
{
    UChar32 u = as_uchar32(c);
    return u_hasBinaryProperty(u, UCHAR_EMOJI_PRESENTATION) ||
           u_hasBinaryProperty(u, UCHAR_EXTENDED_PICTOGRAPHIC);
}

enum mg_script mg_unicode_script(uint32_t c)
{
    UErrorCode status = U_ZERO_ERROR;
    UScriptCode script = uscript_getScript(as_uchar32(c), &status);
    if (U_FAILURE(status))
        return MG_SCRIPT_OTHER;
    switch (script) {
    case USCRIPT_LATIN: return MG_SCRIPT_LATIN;
    case USCRIPT_GREEK: return MG_SCRIPT_GREEK;
    case USCRIPT_CYRILLIC: return MG_SCRIPT_CYRILLIC;
    default: return MG_SCRIPT_OTHER;
    }
}

uint32_t mg_unicode_to_lower(uint32_t c)
{
    return c <= 0x10ffff ? (uint32_t)u_tolower((UChar32)c) : c;
}

int mg_unicode_digit_value(uint32_t c)
{
    return u_charDigitValue(as_uchar32(c));
}

size_t mg_utf8_encode(uint32_t c, char out[4])
{
    if (c < 0x80) {
        out[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (char)(0xc0 | (c >> 6));
        out[1] = (char)(0x80 | (c & 0x3f));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (char)(0xe0 | (c >> 12));
        out[1] = (char)(0x80 | ((c >> 6) & 0x3f));
        out[2] = (char)(0x80 | (c & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | (c >> 18));
    out[1] = (char)(0x80 | ((c >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((c >> 6) & 0x3f));
    out[3] = (char)(0x80 | (c & 0x3f));
    return 4;
}
