/* jsonfield.c: the member a jansson error about non-Unicode text is in.
 *
 * jansson stops at the first bad byte or lone surrogate and says where in the
 * text, not in which member. Rather than parse JSON a second way, the text is
 * repaired: each bad byte and each lone-surrogate escape becomes a marker (a
 * private-use character the text does not hold), jansson parses the result,
 * and the member whose string holds the marker is the one at fault. */
#include "modgate/jsonfield.h"

#include <stdio.h>
#include <string.h>

#include "modgate/alloc.h"
#include "modgate/text.h"

#define MARKER_FIRST 0xE000u /* the private-use area: no text needs it */
#define MARKER_TRIES 256u

/* The three UTF-8 bytes of a code point in U+0800..U+FFFF. */
static void utf8_3(unsigned cp, char out[3])
{
    out[0] = (char)(0xe0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[2] = (char)(0x80 | (cp & 0x3f));
}

/* A marker the text holds neither as UTF-8 nor (possibly) escaped, as
 * four hex digits in any case; 0 when every one tried is there. One pass
 * over the text, whatever it holds. */
static unsigned pick_marker(const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *)text;
    bool taken[MARKER_TRIES] = {false};
    for (size_t i = 0; i < len; i++) {
        /* U+E000..U+E0FF in UTF-8: EE 80..83 80..BF */
        if (s[i] == 0xee && i + 2 < len && (s[i + 1] & 0xfc) == 0x80 &&
            (s[i + 2] & 0xc0) == 0x80)
            taken[(s[i + 1] & 0x03) << 6 | (s[i + 2] & 0x3f)] = true;
        unsigned v = 0;
        size_t k = 0;
        for (; k < 4 && i + k < len; k++) {
            int h = mg_hex_value(text[i + k]);
            if (h < 0)
                break;
            v = v * 16 + (unsigned)h;
        }
        if (k == 4 && v >= MARKER_FIRST && v < MARKER_FIRST + MARKER_TRIES)
            taken[v - MARKER_FIRST] = true;
    }
    for (unsigned i = 0; i < MARKER_TRIES; i++)
        if (!taken[i])
            return MARKER_FIRST + i;
    return 0;
}

/* The code unit of the \uXXXX escape at s[i], or -1 when there is none. A
 * backslash escapes only when an even number of backslashes precede it
 * ("\\u0041" is a backslash and "u0041"). */
static long escape_at(const char *s, size_t len, size_t i)
{
    if (i + 6 > len || s[i] != '\\' || s[i + 1] != 'u')
        return -1;
    size_t before = 0;
    while (before < i && s[i - 1 - before] == '\\')
        before++;
    if (before % 2)
        return -1;
    long v = 0;
    for (size_t k = 2; k < 6; k++) {
        int h = mg_hex_value(s[i + k]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

static bool is_high(long v)
{
    return v >= 0xd800 && v <= 0xdbff;
}

static bool is_low(long v)
{
    return v >= 0xdc00 && v <= 0xdfff;
}

/* json[0..len) with every bad byte and lone-surrogate escape replaced by
 * the marker (raw for a byte, escaped for an escape); *out_len its length. */
static char *repair(const char *json, size_t len, unsigned marker, size_t *out_len)
{
    const unsigned char *s = (const unsigned char *)json;
    char *out = mg_malloc(3 * len + 1); /* a byte becomes at most 3 */
    char bytes[3];
    utf8_3(marker, bytes);
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        size_t n = mg_utf8_seq_len(s + i, len - i);
        if (n == 0) {
            memcpy(out + o, bytes, 3);
            o += 3;
            i++;
            continue;
        }
        long v = escape_at(json, len, i);
        if (is_high(v) && is_low(escape_at(json, len, i + 6))) {
            memcpy(out + o, json + i, 12); /* a pair: one character */
            o += 12;
            i += 12;
            continue;
        }
        if (is_high(v) || is_low(v)) {
            o += (size_t)snprintf(out + o, 7, "\\u%04X", marker);
            i += 6;
            continue;
        }
        memcpy(out + o, json + i, n);
        o += n;
        i += n;
    }
    out[o] = '\0';
    *out_len = o;
    return out;
}

const char *mg_json_bad_text_member(const char *json, size_t len,
                                    const json_error_t *jerr,
                                    const char *const *members, size_t n)
{
    enum json_error_code code = json_error_code(jerr);
    bool bad_text = code == json_error_invalid_utf8 ||
                    (code == json_error_invalid_syntax &&
                     strncmp(jerr->text, "invalid Unicode", 15) == 0);
    unsigned marker = bad_text ? pick_marker(json, len) : 0;
    if (marker == 0)
        return NULL;
    size_t fixed_len;
    char *fixed = repair(json, len, marker, &fixed_len);
    json_t *root = json_loadb(fixed, fixed_len, 0, NULL);
    mg_free(fixed);
    char bytes[3];
    utf8_3(marker, bytes);
    const char *found = NULL;
    const char *key;
    json_t *value;
    json_object_foreach(root, key, value)
    {
        if (memmem(key, strlen(key), bytes, 3))
            break; /* the name itself is bad: no field to name */
        if (json_is_string(value) &&
            memmem(json_string_value(value), json_string_length(value), bytes, 3)) {
            for (size_t i = 0; i < n && !found; i++)
                if (strcmp(key, members[i]) == 0)
                    found = members[i];
            break;
        }
    }
    json_decref(root);
    return found;
}
