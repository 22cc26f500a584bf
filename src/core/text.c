/* text.c: UTF-8 validation and percent-decoding. */
#include "modgate/text.h"

#include <string.h>

#include "modgate/alloc.h"

int mg_text_check_utf8(const char *name, const char *text, size_t len,
                       struct mg_error *err)
{
    const unsigned char *s = (const unsigned char *)text;
    int line = 1, column = 1; /* column counts characters, as libfyaml's do */
    for (size_t i = 0; i < len;) {
        if (s[i] == '\0') {
            mg_error_set(err, name, line, column,
                         "the file contains a NUL byte");
            return MG_EINVAL;
        }
        size_t n = mg_utf8_seq_len(s + i, len - i);
        if (n == 0) {
            mg_error_set(err, name, line, column, "not valid UTF-8");
            return MG_EINVAL;
        }
        if (s[i] == '\n') {
            line++;
            column = 1;
        } else {
            column++;
        }
        i += n;
    }
    return MG_OK;
}

bool mg_text_is_id(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 128)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < 0x21 || s[i] > 0x7e)
            return false;
    return true;
}

int mg_hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int mg_percent_decode(const char *src, size_t len, char **out)
{
    char *dst = mg_malloc(len + 1);
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (src[i] != '%') {
            dst[n++] = src[i];
            continue;
        }
        int hi = len - i >= 3 ? mg_hex_value(src[i + 1]) : -1;
        int lo = len - i >= 3 ? mg_hex_value(src[i + 2]) : -1;
        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
            /* the text may be a password: leave nothing behind */
            for (size_t k = 0; k < len + 1; k++)
                ((volatile char *)dst)[k] = 0;
            mg_free(dst);
            return MG_EINVAL;
        }
        dst[n++] = (char)(hi * 16 + lo);
        i += 2;
    }
    dst[n] = '\0';
    *out = dst;
    return MG_OK;
}
