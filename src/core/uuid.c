/* uuid.c: UUIDv7 (RFC 9562 section 5.7) ids and their canonical text. */
#include "modgate/uuid.h"

#include <stddef.h>

#include "modgate/crypto.h"
#include "modgate/error.h"

void mg_uuid7(int64_t ms, char out[MG_UUID_LEN])
{
    static const char hex[] = "0123456789abcdef";
    uint8_t b[16];
    mg_crypto_random(b + 6, sizeof b - 6);
    /* unix_ts_ms: 48 bits, big-endian. */
    uint64_t ts = (uint64_t)ms & 0xffffffffffffULL;
    for (int i = 0; i < 6; i++)
        b[i] = (uint8_t)(ts >> (40 - 8 * i));
    b[6] = (uint8_t)(0x70 | (b[6] & 0x0f)); /* ver 7, then rand_a (12 bits) */
    b[8] = (uint8_t)(0x80 | (b[8] & 0x3f)); /* var 0b10, then rand_b (62) */

    size_t o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[b[i] >> 4];
        out[o++] = hex[b[i] & 0x0f];
    }
    out[o] = '\0';
}

bool mg_uuid_valid(const char *text)
{
    for (int i = 0; i < 36; i++) {
        char c = text[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-')
                return false;
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return false; /* also stops at a NUL before 36 characters */
        }
    }
    return text[36] == '\0';
}

int mg_uuid7_time_ms(const char *text, int64_t *ms)
{
    if (!mg_uuid_valid(text) || text[14] != '7')
        return MG_EINVAL;
    /* the first 48 bits, in the first 8 + 4 hex digits around the '-' */
    int64_t t = 0;
    for (int i = 0; i < 13; i++) {
        if (i == 8)
            continue;
        char c = text[i];
        t = t * 16 + (c <= '9' ? c - '0' : c - 'a' + 10);
    }
    *ms = t;
    return MG_OK;
}
