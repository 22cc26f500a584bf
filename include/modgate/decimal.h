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

#endif
