/* jsonw.c: JSON values into buffers, as jansson's dump.c writes them
 * (jsonw.h). */
#include "modgate/jsonw.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "modgate/decimal.h"

static const char hex[] = "0123456789ABCDEF";

/* The length of the valid UTF-8 sequence at s (n bytes left), or 0. */
static size_t utf8_length(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t need;
    unsigned min;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        need = 2, min = 0x80;
    else if (c >= 0xe0 && c <= 0xef)
        need = 3, min = 0x800;
    else if (c >= 0xf0 && c <= 0xf4)
        need = 4, min = 0x10000;
    else
        return 0;
    if (n < need)
        return 0;
    unsigned cp = c & (0x3f >> (need - 1));
    for (size_t i = 1; i < need; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return need;
}

/* The bytes at the start of s[0..len) written as they are: ASCII but the
 * quote, the backslash and controls. */
static size_t plain_prefix(const unsigned char *p, size_t len)
{
    size_t i = 0;
    while (i < len && p[i] >= 0x20 && p[i] < 0x80 && p[i] != '"' && p[i] != '\\')
        i++;
    return i;
}

void mg_jsonw_string(struct mg_buf *b, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t plain = plain_prefix(p, len);
    if (plain == len) { /* most strings: one copy, quotes and all */
        char *o = mg_buf_room(b, len + 2);
        o[0] = '"';
        memcpy(o + 1, s, len);
        o[len + 1] = '"';
        return;
    }
    mg_buf_add(b, "\"", 1);
    size_t run = plain; /* bytes at p[i - run, i) to copy as they are */
    for (size_t i = plain; i < len;) {
        unsigned c = p[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
            run++, i++;
            continue;
        }
        size_t n = c < 0x80 ? 1 : utf8_length(p + i, len - i);
        if (n > 1) {
            run += n, i += n;
            continue;
        }
        mg_buf_add(b, p + i - run, run);
        run = 0;
        char esc[8] = "\\";
        size_t elen = 2;
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default:
            if (c < 0x20) {
                memcpy(esc, "\\u00", 4);
                esc[4] = hex[c >> 4];
                esc[5] = hex[c & 15];
                elen = 6;
            } else {
                memcpy(esc, "\xef\xbf\xbd", 3); /* not UTF-8: U+FFFD */
                elen = 3;
            }
        }
        mg_buf_add(b, esc, elen);
        i++;
    }
    mg_buf_add(b, p + len - run, run);
    mg_buf_add(b, "\"", 1);
}

void mg_jsonw_cstring(struct mg_buf *b, const char *s)
{
    mg_jsonw_string(b, s, strlen(s));
}

void mg_jsonw_int(struct mg_buf *b, long long v)
{
    char text[MG_DEC_LEN];
    mg_buf_add(b, text, mg_dec_i64(v, text));
}

void mg_jsonw_real(struct mg_buf *b, double v, int precision)
{
    if (!isfinite(v)) {
        mg_buf_adds(b, "null");
        return;
    }
    char text[64];
    /* a whole number (most scores) without snprintf: the same digits */
    int n = precision >= 15 ? (int)mg_dec_integral(v, text) : 0;
    if (n == 0)
        n = snprintf(text, sizeof text, "%.*g", precision, v);
    if (n < 0 || (size_t)n >= sizeof text - 3)
        n = 0;
    /* as jansson's jsonp_dtostr: an integer-looking real gets ".0" */
    if (!strpbrk(text, ".eE")) {
        memcpy(text + n, ".0", 3);
        n += 2;
    }
    char *e = strchr(text, 'e');
    if (e) { /* "1e+20" -> "1e20", "1e-05" -> "1e-5" */
        char *from = e + 1, *to = e + 1;
        if (*from == '+')
            from++;
        else if (*from == '-')
            *to++ = *from++;
        while (*from == '0' && from[1] != '\0')
            from++;
        memmove(to, from, strlen(from) + 1);
        n = (int)strlen(text);
    }
    mg_buf_add(b, text, (size_t)n);
}

void mg_jsonw_key(struct mg_buf *b, bool *first, const char *name)
{
    size_t len = strlen(name), comma = !*first;
    *first = false;
    if (plain_prefix((const unsigned char *)name, len) == len) {
        /* a name as the code spells it: ,"name": in one copy */
        char *o = mg_buf_room(b, comma + len + 3);
        if (comma)
            *o++ = ',';
        *o++ = '"';
        memcpy(o, name, len);
        memcpy(o + len, "\":", 2);
        return;
    }
    if (comma)
        mg_buf_add(b, ",", 1);
    mg_jsonw_string(b, name, len);
    mg_buf_add(b, ":", 1);
}
