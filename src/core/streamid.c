/* streamid.c: Redis stream ids (streamid.h). Parsed by hand rather than
 * with strtoull, which would take a sign, leading spaces and, past 64
 * bits, clamp (ERANGE) in ways a cursor from a client must not. */
#include "modgate/streamid.h"

#include <stdio.h>

/* Digits from *p up to a byte that is not one, into *out; false for none
 * or for a value past 64 bits. */
static bool parse_u64(const char **p, uint64_t *out)
{
    const char *s = *p;
    uint64_t v = 0;
    if (*s < '0' || *s > '9')
        return false;
    for (; *s >= '0' && *s <= '9'; s++) {
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    *p = s;
    return true;
}

bool mg_stream_id_parse(const char *text, struct mg_stream_id *out)
{
    if (!text)
        return false;
    const char *p = text;
    struct mg_stream_id id;
    if (!parse_u64(&p, &id.ms) || *p++ != '-' || !parse_u64(&p, &id.seq) || *p != '\0')
        return false;
    *out = id;
    return true;
}

void mg_stream_id_format(struct mg_stream_id id, char out[MG_STREAM_ID_LEN])
{
    snprintf(out, MG_STREAM_ID_LEN, "%llu-%llu", (unsigned long long)id.ms,
             (unsigned long long)id.seq);
}

int mg_stream_id_cmp(struct mg_stream_id a, struct mg_stream_id b)
{
    if (a.ms != b.ms)
        return a.ms < b.ms ? -1 : 1;
    if (a.seq != b.seq)
        return a.seq < b.seq ? -1 : 1;
    return 0;
}
