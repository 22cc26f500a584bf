/* unicode.h: what modgate needs to know about text, from ICU: how many
 * user-perceived characters (extended grapheme clusters) it has, and whether
 * any of them is visible. Input is valid UTF-8 (JSON decoding checked it). */
#ifndef MODGATE_UNICODE_H
#define MODGATE_UNICODE_H

#include <stdbool.h>
#include <stddef.h>

#include "modgate/error.h"

/* Extended grapheme clusters (UAX #29) in utf8[0..len): an emoji flag, a
 * family emoji or a letter with its combining accents count once. MG_EINVAL
 * on invalid UTF-8, MG_EIO if ICU fails. */
int mg_unicode_graphemes(const char *utf8, size_t len,
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

#endif
