/* crypto.h: the only door to libsodium: randomness, hashing, constant-time
 * comparison, base64, Ed25519, and guarded memory for secrets. */
#ifndef MODGATE_CRYPTO_H
#define MODGATE_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "modgate/error.h"

/* Must run once before anything else here; MG_EIO if libsodium cannot start. */
int mg_crypto_init(void) MG_MUST_CHECK;

/* Random bytes from the OS (getrandom): one system call each time. For
 * keys and seeds. */
void mg_crypto_random(void *buf, size_t len);

/* Random bytes from this thread's ChaCha20 keystream, seeded from the OS
 * once per thread and again after fork(): unpredictable, without a system
 * call per draw. For ids, request ids and jitter drawn per request; keys
 * take mg_crypto_random. */
void mg_crypto_random_fast(void *buf, size_t len);

/* SHA-256 of data into out[32]. */
void mg_crypto_sha256(const void *data, size_t len, uint8_t out[32]);

/* 1 when the n bytes are equal, 0 otherwise, in time independent of content. */
int mg_crypto_equal(const void *a, const void *b, size_t n);

/* Standard base64 with padding. mg_crypto_base64_len is the size to pass for
 * out (it counts the NUL). Decode returns MG_EINVAL on bad input or when the
 * decoded length is not exactly out_len. */
size_t mg_crypto_base64_len(size_t bin_len);
void mg_crypto_base64_encode(const void *bin, size_t bin_len, char *out,
                             size_t out_size);
int mg_crypto_base64_decode(const char *b64, size_t b64_len, void *out,
                            size_t out_len) MG_MUST_CHECK;

/* Lowercase hex of bin into out (2*bin_len+1 bytes). */
void mg_crypto_hex(const void *bin, size_t bin_len, char *out);

/* Ed25519 keys from a 32-byte seed. */
void mg_crypto_ed25519_from_seed(const uint8_t seed[32], uint8_t pk[32],
                                 uint8_t sk[64]);

/* Ed25519 detached signature of msg with the 64-byte secret key sk. */
void mg_crypto_ed25519_sign_detached(const uint8_t sk[64], const void *msg,
                                     size_t len, uint8_t sig[64]);

/* 0 when sig is pk's valid signature of msg, -1 otherwise. */
int mg_crypto_ed25519_verify(const uint8_t pk[32], const void *msg, size_t len,
                             const uint8_t sig[64]) MG_MUST_CHECK;

/* Zeroes memory in a way the compiler keeps. */
void mg_crypto_wipe(void *buf, size_t len);

/* Guarded memory for secret keys (libsodium's sodium_malloc): guard pages on
 * both sides, a canary, locked against swapping where the system allows,
 * excluded from core dumps (sodium_malloc's MADV_DONTDUMP).
 * Starts readable and writable. Never returns NULL: out of memory aborts, as
 * mg_malloc does. Starts libsodium if needed. Caller owns the result; free
 * with mg_crypto_secret_free. */
void *mg_crypto_secret_alloc(size_t size);

/* Makes guarded memory read-only: a write then crashes. Failure aborts:
 * it cannot happen for memory from mg_crypto_secret_alloc. */
void mg_crypto_secret_readonly(void *secret);

/* Zeroes and frees guarded memory whatever its protection. Accepts NULL. */
void mg_crypto_secret_free(void *secret);
/* Locks secret's size bytes in memory again: a child made by fork(2)
 * does not inherit its parent's memory locks (its MADV_DONTDUMP it does). */
void mg_crypto_secret_relock(void *secret, size_t size);

#endif
