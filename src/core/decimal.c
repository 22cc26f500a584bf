/* decimal.c: integers as decimal text (decimal.h). */
#include "modgate/decimal.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

/* The magnitude m, after a '-' when negative. */
static size_t put(uint64_t m, bool negative, char out[MG_DEC_LEN])
{
    char text[MG_DEC_LEN]; /* written backwards from the end */
    char *o = text + sizeof text;
    do {
        *--o = (char)('0' + m % 10);
        m /= 10;
    } while (m);
    if (negative)
        *--o = '-';
    size_t n = (size_t)(text + sizeof text - o);
    memcpy(out, o, n);
    out[n] = '\0';
    return n;
}

size_t mg_dec_u64(uint64_t v, char out[MG_DEC_LEN])
{
    return put(v, false, out);
}

size_t mg_dec_i64(int64_t v, char out[MG_DEC_LEN])
{
    /* the magnitude as unsigned: -INT64_MIN does not fit an int64_t */
    return put(v < 0 ? 0u - (uint64_t)v : (uint64_t)v, v < 0, out);
}

size_t mg_dec_integral(double v, char out[MG_DEC_LEN])
{
    /* the range test first: NaN fails it, and the cast below is defined */
    if (!(v > -1e15 && v < 1e15) || (double)(int64_t)v != v)
        return 0;
    if (v == 0 && signbit(v))
        return 0; /* "-0" */
    return mg_dec_i64((int64_t)v, out);
}
