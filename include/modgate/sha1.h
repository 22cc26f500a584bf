/* sha1.h: SHA-1 (FIPS 180-4), only because Redis names a script by the
 * SHA-1 of its source (EVALSHA): the store works out the digest of a script
 * it has just written (the submit script with new rate limits, on reload)
 * without asking Redis. Not for anything that needs a secure hash. */
#ifndef MODGATE_SHA1_H
#define MODGATE_SHA1_H

#include <stddef.h>

/* The digest of data[0..len) as 40 lowercase hex digits and a NUL, as
 * Redis' SCRIPT LOAD answers it. */
void mg_sha1_hex(const void *data, size_t len, char out[41]);

#endif
