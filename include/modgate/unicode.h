/* unicode.h: what modgate needs to know about text, from ICU: how many
 * user-perceived characters (extended grapheme clusters) it has, whether any
 * of them is visible, its folded forms, and the properties of one code point
 * (general category, script, White_Space, case, digit value) that the
 * detectors of src/rules ask about. The door to ICU for everything but the
 * rules' normalizer (src/rules/normalize.c): no other file includes ICU
 * (docs/architecture.md, the module map). Also UTF-8 decoding and encoding
 * of one code point, which need no ICU. Text input is valid UTF-8 unless a
 * function says otherwise. */
#ifndef MODGATE_UNICODE_H
#define MODGATE_UNICODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "modgate/error.h"

/* Extended grapheme clusters (UAX #29) in utf8[0..len): an emoji flag, a
 * family emoji or a letter with its combining accents count once. MG_EINVAL
 * on invalid UTF-8, MG_EIO if ICU fails. */
int mg_unicode_graphemes(const char *utf8, size_t len,
                         size_t *count) MG_MUST_CHECK;

/* The same count by ICU alone, without the ASCII fast path nor the UTF-8
 * check (valid UTF-8 only): for the test that compares the two. */
int mg__unicode_graphemes_icu(const char *utf8, size_t len,
                              size_t *count) MG_MUST_CHECK;

/* True when some character is neither White_Space, nor a
 * Default_Ignorable_Code_Point (zero-width space, joiners, bidi marks...),
 * nor a control or format character: text a reader would see. */
bool mg_unicode_has_visible(const char *utf8, size_t len);

/* utf8[0..len) under NFKC_Casefold: fullwidth, mathematical, circled and
 * other compatibility letters become plain ones, case is folded, and
 * default-ignorable characters (zero-width space, joiners, bidi marks) are
 * dropped. *out (NUL-terminated, mg_free) and *out_len get the result.
 * MG_EINVAL on invalid UTF-8, MG_EIO if ICU fails. */
int mg_unicode_fold(const char *utf8, size_t len, char **out,
                    size_t *out_len) MG_MUST_CHECK;

/* Whether mg_unicode_fold changes valid UTF-8 utf8[0..len) in more than
 * case: it is not in NFKC, or it holds a default-ignorable character or a
 * conjoining Hangul jamo (which NFKC may compose). Hangul compatibility jamo (ㅋ, which NFKC makes conjoining) do not count:
 * Korean laughter is in most Korean comments, and no pattern is written in
 * conjoining jamo. Cheap (no allocation); false for ASCII. */
bool mg_unicode_folds_beyond_case(const char *utf8, size_t len);

/* Whether utf8[0..len) holds a decimal digit (General_Category Nd: what
 * PCRE2's \d matches with PCRE2_UCP): '7', but also '٧' or '７'. Invalid
 * bytes are skipped. */
bool mg_unicode_has_decimal_digit(const char *utf8, size_t len);

/* utf8[0..len) under NFKC, then lowercased with Unicode's full, context-
 * sensitive mappings (the root locale: final sigma, 'İ' as "i̇"): what a host
 * name is compared as ("ｅｘａｍｐｌｅ" is "example", "ÄBC" is "äbc"). Unlike
 * mg_unicode_fold, case is lowered, not folded ("ß" stays) and ignorables
 * stay. *out (NUL-terminated, mg_free) and *out_len get the result.
 * MG_EINVAL on invalid UTF-8 (then *out is untouched), MG_EIO if ICU
 * fails. */
int mg_unicode_nfkc_lower(const char *utf8, size_t len, char **out,
                          size_t *out_len) MG_MUST_CHECK;

/* ---- one code point ------------------------------------------------------
 * Each function answers for any uint32_t: past U+10FFFF, what an unassigned
 * code point gets. Each costs one call into ICU's property tables (tens of
 * instructions): callers keep their ASCII fast paths. */

/* Unicode's General_Category values (UAX #44), one bit each, so that "a
 * letter, a mark or a digit" is one mask. The bits are ICU's U_GC_*_MASK
 * (unicode.c checks it when compiled), so mg_unicode_category converts
 * nothing. */
enum mg_category {
    MG_GC_CN = 1u << 0,  /* unassigned, noncharacter */
    MG_GC_LU = 1u << 1,  /* uppercase letter */
    MG_GC_LL = 1u << 2,  /* lowercase letter */
    MG_GC_LT = 1u << 3,  /* titlecase letter */
    MG_GC_LM = 1u << 4,  /* modifier letter */
    MG_GC_LO = 1u << 5,  /* other letter (Hangul, CJK, Arabic...) */
    MG_GC_MN = 1u << 6,  /* nonspacing mark */
    MG_GC_ME = 1u << 7,  /* enclosing mark */
    MG_GC_MC = 1u << 8,  /* spacing mark */
    MG_GC_ND = 1u << 9,  /* decimal digit */
    MG_GC_NL = 1u << 10, /* letter number (Roman numerals) */
    MG_GC_NO = 1u << 11, /* other number */
    MG_GC_ZS = 1u << 12, /* space separator */
    MG_GC_ZL = 1u << 13, /* line separator */
    MG_GC_ZP = 1u << 14, /* paragraph separator */
    MG_GC_CC = 1u << 15, /* control */
    MG_GC_CF = 1u << 16, /* format (zero-width joiner, bidi controls) */
    MG_GC_CO = 1u << 17, /* private use */
    MG_GC_CS = 1u << 18, /* surrogate */
    MG_GC_PD = 1u << 19, /* dash punctuation */
    MG_GC_PS = 1u << 20, /* open punctuation */
    MG_GC_PE = 1u << 21, /* close punctuation */
    MG_GC_PC = 1u << 22, /* connector punctuation */
    MG_GC_PO = 1u << 23, /* other punctuation */
    MG_GC_SM = 1u << 24, /* math symbol */
    MG_GC_SC = 1u << 25, /* currency symbol */
    MG_GC_SK = 1u << 26, /* modifier symbol */
    MG_GC_SO = 1u << 27, /* other symbol */
    MG_GC_PI = 1u << 28, /* initial quote */
    MG_GC_PF = 1u << 29, /* final quote */
};
/* The major classes: every L*, M*, ... value. */
#define MG_GC_L (MG_GC_LU | MG_GC_LL | MG_GC_LT | MG_GC_LM | MG_GC_LO)
#define MG_GC_M (MG_GC_MN | MG_GC_ME | MG_GC_MC)
#define MG_GC_N (MG_GC_ND | MG_GC_NL | MG_GC_NO)
#define MG_GC_Z (MG_GC_ZS | MG_GC_ZL | MG_GC_ZP)
#define MG_GC_C (MG_GC_CC | MG_GC_CF | MG_GC_CS | MG_GC_CO | MG_GC_CN)
#define MG_GC_P                                                                \
    (MG_GC_PD | MG_GC_PS | MG_GC_PE | MG_GC_PC | MG_GC_PO | MG_GC_PI | MG_GC_PF)
#define MG_GC_S (MG_GC_SM | MG_GC_SC | MG_GC_SK | MG_GC_SO)

/* The general category of c: one bit of enum mg_category. */
uint32_t mg_unicode_category(uint32_t c);

/* Whether c has the White_Space property: the ASCII spaces and controls
 * \t..\r, U+0085, no-break, ideographic, en/em and other spaces, the line
 * and paragraph separators; not the zero-width space (U+200B). Every one is
 * of General_Category Zs, Zl, Zp or Cc (and every Zs, Zl, Zp is one), so a
 * caller that has the category asks only for those. */
bool mg_unicode_is_white_space(uint32_t c);

/* Whether c is a Default_Ignorable_Code_Point: drawn as nothing when a font
 * lacks it (soft hyphen, zero-width characters, variation selectors, Hangul
 * fillers, tags). */
bool mg_unicode_is_default_ignorable(uint32_t c);

/* Whether c is an emoji or pictograph: Emoji_Presentation (drawn as an
 * emoji by default) or Extended_Pictographic (UTS #51). */
bool mg_unicode_is_pictographic(uint32_t c);

/* The scripts the detectors tell apart (the Script property, UAX #24, not
 * Script_Extensions: shared punctuation and digits are Common, so OTHER). */
enum mg_script {
    MG_SCRIPT_OTHER,
    MG_SCRIPT_LATIN,
    MG_SCRIPT_GREEK,
    MG_SCRIPT_CYRILLIC,
};
enum mg_script mg_unicode_script(uint32_t c);

/* c's simple lowercase mapping (one code point for one: 'Σ' is 'σ', 'İ' is
 * 'i'); c itself when it has none. */
uint32_t mg_unicode_to_lower(uint32_t c);

/* The value 0..9 of a decimal digit (General_Category Nd: '7', '٧', '７'),
 * else -1 (also for numbers that are not decimal digits: '²', 'Ⅶ'). */
int mg_unicode_digit_value(uint32_t c);

/* ---- UTF-8 of one code point (no ICU) -------------------------------- */

/* The code point of the valid UTF-8 sequence s[0..n), n being its length
 * as mg_utf8_seq_len (text.h) gave it: 1 to 4. Inline: the detectors decode
 * every character of a comment with it. */
static inline uint32_t mg_utf8_decode(const unsigned char *s, size_t n)
{
    switch (n) {
    case 1: return s[0];
    case 2: return ((s[0] & 0x1fu) << 6) | (s[1] & 0x3fu);
    case 3:
        return ((s[0] & 0x0fu) << 12) | ((s[1] & 0x3fu) << 6) | (s[2] & 0x3fu);
    default:
        return ((s[0] & 0x07u) << 18) | ((s[1] & 0x3fu) << 12) |
               ((s[2] & 0x3fu) << 6) | (s[3] & 0x3fu);
    }
}

/* Writes the code point c (at most U+10FFFF, not a surrogate) to out as
 * UTF-8, not NUL-terminated; returns the bytes written, 1 to 4. */
size_t mg_utf8_encode(uint32_t c, char out[4]);

#endif
