/* uuid.h: comment ids: UUIDv7 (RFC 9562) in canonical lowercase text, so
 * they sort by creation time as text and are unique across instances (74
 * random bits per id, from a per-thread ChaCha20 keystream seeded from the
 * OS: mg_crypto_random_fast). */
#ifndef MODGATE_UUID_H
#define MODGATE_UUID_H

#include <stdbool.h>
#include <stdint.h>

#define MG_UUID_LEN 37 /* 36 characters + NUL */

/* A new UUIDv7 for the time ms (milliseconds since the epoch). A thread's
 * ids sort in the order it made them, also within one millisecond and when
 * the clock steps back up to 10 s (the last id's time is kept then). */
void mg_uuid7(int64_t ms, char out[MG_UUID_LEN]);

/* True when text is a UUID in canonical form (8-4-4-4-12 lowercase hex). */
bool mg_uuid_valid(const char *text);

/* The creation time (ms since the epoch) a UUIDv7 carries; MG_EINVAL when
 * text is not a canonical UUIDv7. */
int mg_uuid7_time_ms(const char *text, int64_t *ms);

#endif
