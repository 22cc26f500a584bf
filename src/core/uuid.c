/* uuid.c: UUIDv7 (RFC 9562 section 5.7) ids and their canonical text. */
#include "modgate/uuid.h"

#include <stdbool.h>
#include <stddef.h>

#include "modgate/crypto.h"
#include "modgate/error.h"

/* The last id this thread made: within one millisecond, ids continue from
 * it (RFC 9562 6.2, method 2: the 74 random bits plus a random step), so
 * one instance's ids sort in the order they were made, not only by the
 * millisecond. A clock that steps back a little (up to STEP_BACK_MS) keeps
 * to the last millisecond; one that jumps further back is believed. Ids of
 * different instances in one millisecond still differ by their random
 * start. */
#define STEP_BACK_MS 10000
static _Thread_local struct {
    bool valid;
    int64_t ms;
    uint16_t rand_a; /* 12 bits */
    uint64_t rand_b; /* 62 bits */
} last;

#define RAND_B_LIMIT (UINT64_C(1) << 62)

static void fresh(void)
{
    uint8_t r[10];
    mg_crypto_random_fast(r, sizeof r);
    last.rand_a = (uint16_t)(((r[0] << 8) | r[1]) & 0x0fff);
    last.rand_b = 0;
    for (int i = 2; i < 10; i++)
        last.rand_b = (last.rand_b << 8) | r[i];
    last.rand_b &= RAND_B_LIMIT - 1;
}

void mg_uuid7(int64_t ms, char out[MG_UUID_LEN])
{
    static const char hex[] = "0123456789abcdef";
    if (last.valid && ms <= last.ms && last.ms - ms <= STEP_BACK_MS) {
        uint8_t r[4];
        mg_crypto_random_fast(r, sizeof r);
        uint64_t step = 1 + (((uint64_t)r[0] << 24 | (uint64_t)r[1] << 16 |
                              (uint64_t)r[2] << 8 | r[3]) & 0x7fffffff);
        ms = last.ms;
        last.rand_b += step;
        if (last.rand_b >= RAND_B_LIMIT) {
            last.rand_b -= RAND_B_LIMIT;
            if (++last.rand_a > 0x0fff) { /* 2^74 used up: the next ms */
                ms++;
                fresh();
            }
        }
    } else {
        fresh();
    }
    last.valid = true;
    last.ms = ms;
    uint8_t b[16];
    /* unix_ts_ms: 48 bits, big-endian. */
    uint64_t ts = (uint64_t)ms & 0xffffffffffffULL;
    for (int i = 0; i < 6; i++)
        b[i] = (uint8_t)(ts >> (40 - 8 * i));
    b[6] = (uint8_t)(0x70 | (last.rand_a >> 8)); /* ver 7, then rand_a (12 bits) */
    b[7] = (uint8_t)(last.rand_a & 0xff);
    b[8] = (uint8_t)(0x80 | ((last.rand_b >> 56) & 0x3f)); /* var 0b10, rand_b (62) */
    for (int i = 9; i < 16; i++)
        b[i] = (uint8_t)(last.rand_b >> (8 * (15 - i)));

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
