/* decimal.h: integers as decimal text without printf, byte for byte as
 * printf's "%lld" and "%llu" write them. For the numbers written on every
 * request (a response's status and Content-Length, JSON integers, the store's
 * script arguments), where vsnprintf spends some 800 instructions a number
 * parsing its format. */
#ifndef MODGATE_DECIMAL_H
#define MODGATE_DECIMAL_H

#include <stddef.h>
#include <stdint.h>

/* "-9223372036854775808" and "18446744073709551615" are 20 bytes, + NUL */
#define MG_DEC_LEN 21

/* v into out, NUL-terminated; returns the length without the NUL. */
size_t mg_dec_u64(uint64_t v, char out[MG_DEC_LEN]);
size_t mg_dec_i64(int64_t v, char out[MG_DEC_LEN]);

/* v as printf's "%.*g" writes it at a precision of 15 or more, when v is
 * an integer of at most 15 digits other than -0 (a score that rules summed
 * from whole numbers): its digits, which are all "%.17g" prints of it, as
 * the exponent is below the precision and the fraction's zeros are
 * dropped. Returns 0, writing nothing, for any other v (a fraction, -0,
 * NaN, an infinity, 1e15 or beyond): the caller formats it with snprintf. */
size_t mg_dec_integral(double v, char out[MG_DEC_LEN]);

#endif
