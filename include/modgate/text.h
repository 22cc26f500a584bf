/* text.h: small checks and transforms of text from outside: UTF-8
 * validation with a line/column for people's files, percent-decoding. */
#ifndef MODGATE_TEXT_H
#define MODGATE_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "modgate/error.h"

/* Length of the valid UTF-8 sequence at s[0..len), or 0 when it is not one
 * (overlong forms, surrogates and code points past U+10FFFF are invalid).
 * Inline, and by the table of well-formed sequences (Unicode 15, table
 * 3-7: the second byte's range depends on the first): the normalizer, the
 * detectors and every check of outside text call it per character. */
static inline size_t mg_utf8_seq_len(const unsigned char *s, size_t len)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    if (c < 0xc2 || c > 0xf4)
        return 0;
    size_t n = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
    if (len < n)
        return 0;
    unsigned lo = c == 0xe0 ? 0xa0 : c == 0xf0 ? 0x90 : 0x80;
    unsigned hi = c == 0xed ? 0x9f : c == 0xf4 ? 0x8f : 0xbf;
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    return n;
}

/* MG_EINVAL, with name, line and column (columns count characters), when
 * text holds a NUL byte or invalid UTF-8. */
int mg_text_check_utf8(const char *name, const char *text, size_t len,
                       struct mg_error *err) MG_MUST_CHECK;

/* True for the ids docs/api.md allows for articles and authors: 1 to 128
 * printable ASCII characters, no spaces. */
bool mg_text_is_id(const char *s);

/* The value of a hex digit (either case), or -1. */
int mg_hex_value(char c);

/* Decodes %XX escapes of src[0..len) into a new string; MG_EINVAL on a bad
 * escape or a decoded NUL (then *out is untouched). Caller owns *out. */
int mg_percent_decode(const char *src, size_t len, char **out) MG_MUST_CHECK;

#endif
