/* unicode.c: grapheme clusters and visibility of text, from ICU. The only
 * core file besides the rules normalizer that includes ICU headers. */
#include "modgate/unicode.h"

#include <stdint.h>

#include <unicode/ubrk.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utext.h>
#include <unicode/utf8.h>

#include "modgate/alloc.h"
#include "modgate/text.h"

int mg_unicode_graphemes(const char *utf8, size_t len, size_t *count)
{
    /* ICU would quietly read bad bytes as U+FFFD; refuse them instead. */
    const unsigned char *s = (const unsigned char *)utf8;
    for (size_t i = 0; i < len;) {
        size_t n = mg_utf8_seq_len(s + i, len - i);
        if (n == 0)
            return MG_EINVAL;
        i += n;
    }
    if (len == 0) {
        *count = 0;
        return MG_OK;
    }
    if (len > INT64_MAX)
        return MG_EINVAL;

    UErrorCode status = U_ZERO_ERROR;
    /* Reads the UTF-8 in place: no conversion to UTF-16. */
    UText *ut = utext_openUTF8(NULL, utf8, (int64_t)len, &status);
    if (U_FAILURE(status))
        return MG_EIO;
    UBreakIterator *bi = ubrk_open(UBRK_CHARACTER, "", NULL, 0, &status);
    if (U_FAILURE(status)) {
        utext_close(ut);
        return MG_EIO;
    }
    ubrk_setUText(bi, ut, &status);
    if (U_FAILURE(status)) {
        ubrk_close(bi);
        utext_close(ut);
        return MG_EIO;
    }
    /* Each boundary after the first (offset 0) ends one cluster. */
    size_t n = 0;
    for (int32_t b = ubrk_next(bi); b != UBRK_DONE; b = ubrk_next(bi))
        n++;
    ubrk_close(bi);
    utext_close(ut);
    *count = n;
    return MG_OK;
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
        /* U8_NEXT takes int32_t offsets: give it a window of one sequence
         * (at most 4 bytes), so text of any length works. */
        int32_t window = len - i < 4 ? (int32_t)(len - i) : 4;
        int32_t off = 0;
        UChar32 c;
        U8_NEXT(s + i, off, window, c);
        /* Invalid bytes (c < 0) are not whitespace: count them as
         * visible, as a reader would see a replacement character. */
        if (c < 0 || is_visible(c))
            return true;
        i += (size_t)off;
    }
    return false;
}

bool mg_unicode_has_decimal_digit(const char *utf8, size_t len)
{
    const uint8_t *s = (const uint8_t *)utf8;
    for (size_t i = 0; i < len;) {
        if (s[i] < 0x80) {
            if (s[i] >= '0' && s[i] <= '9')
                return true;
            i++;
            continue;
        }
        int32_t window = len - i < 4 ? (int32_t)(len - i) : 4;
        int32_t off = 0;
        UChar32 c;
        U8_NEXT(s + i, off, window, c);
        if (c >= 0 && u_isdigit(c))
            return true;
        i += (size_t)off;
    }
    return false;
}

int mg_unicode_fold(const char *utf8, size_t len, char **out, size_t *out_len)
{
    if (len > INT32_MAX / 4)
        return MG_EINVAL;
    UErrorCode status = U_ZERO_ERROR;
    const UNormalizer2 *nfkc_cf = unorm2_getNFKCCasefoldInstance(&status);
    if (U_FAILURE(status))
        return MG_EIO;
    /* UTF-8 -> UTF-16, strict: ICU would read bad bytes as U+FFFD */
    int32_t n16 = 0;
    u_strFromUTF8WithSub(NULL, 0, &n16, utf8, (int32_t)len, -1, NULL, &status);
    if (status != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(status))
        return MG_EINVAL;
    status = U_ZERO_ERROR;
    UChar *src = mg_malloc(((size_t)n16 + 1) * sizeof *src);
    u_strFromUTF8WithSub(src, n16 + 1, NULL, utf8, (int32_t)len, -1, NULL, &status);
    if (U_FAILURE(status)) {
        mg_free(src);
        return MG_EINVAL;
    }
    /* NFKC_Casefold grows a text at most 18-fold per code unit in theory;
     * ask for the size first instead of guessing */
    int32_t nf = unorm2_normalize(nfkc_cf, src, n16, NULL, 0, &status);
    if (status != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(status)) {
        mg_free(src);
        return MG_EIO;
    }
    status = U_ZERO_ERROR;
    UChar *dst = mg_malloc(((size_t)nf + 1) * sizeof *dst);
    unorm2_normalize(nfkc_cf, src, n16, dst, nf + 1, &status);
    mg_free(src);
    if (U_FAILURE(status)) {
        mg_free(dst);
        return MG_EIO;
    }
    int32_t n8 = 0;
    u_strToUTF8(NULL, 0, &n8, dst, nf, &status);
    if (status != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(status)) {
        mg_free(dst);
        return MG_EIO;
    }
    status = U_ZERO_ERROR;
    char *text = mg_malloc((size_t)n8 + 1);
    u_strToUTF8(text, n8 + 1, NULL, dst, nf, &status);
    mg_free(dst);
    if (U_FAILURE(status)) {
        mg_free(text);
        return MG_EIO;
    }
    text[n8] = '\0';
    *out = text;
    *out_len = (size_t)n8;
    return MG_OK;
}

bool mg_unicode_folds_beyond_case(const char *utf8, size_t len)
{
    if (len > INT32_MAX)
        return true;
    for (int32_t i = 0; i < (int32_t)len;) {
        UChar32 c;
        U8_NEXT((const uint8_t *)utf8, i, (int32_t)len, c);
        if (c >= 0 && c < 0x80)
            continue;
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
