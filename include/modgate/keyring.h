/* keyring.h: the keys the server signs and verifies with: the active
 * Ed25519 secret key (held in guarded memory: sodium_malloc, locked,
 * excluded from core dumps, read-only, zeroed when freed) and the public keys of
 * retired keys, so that signatures made before a rotation stay verifiable.
 *
 * The retired keys file (modctl pubkey writes its entries) is a YAML list:
 *   - key_id: 5f1c9a3e0d2b7c44
 *     public_key: <standard base64 of the 32-byte Ed25519 public key>
 *     created_at: 2026-01-03T10:00:00.000Z
 */
#ifndef MODGATE_KEYRING_H
#define MODGATE_KEYRING_H

#include <jansson.h>
#include <stddef.h>

#include "modgate/error.h"

#define MG_KEY_ID_LEN 17    /* 16 hex + NUL */
#define MG_SIGNATURE_B64_LEN 89 /* base64 of 64 bytes + NUL */

struct mg_keyring;

/* Loads the active key file (must be private, see keys.h) and, when
 * retired_path is not NULL, the retired public keys. A retired key with the
 * active key's id, or two with one id, is an error. Caller owns *out
 * (mg_keyring_free). */
int mg_keyring_load(const char *key_path, const char *retired_path,
                    struct mg_keyring **out, struct mg_error *err) MG_MUST_CHECK;

/* Checks a retired keys file without keeping it (for --check-config). */
int mg_keyring_check_retired(const char *retired_path,
                             struct mg_error *err) MG_MUST_CHECK;

/* The active key's id. Borrowed. */
const char *mg_keyring_active_id(const struct mg_keyring *kr);

/* Signs msg with the active key: standard base64 (with padding) of the
 * 64-byte detached signature into sig. */
void mg_keyring_sign(struct mg_keyring *kr, const void *msg, size_t len,
                     char sig[MG_SIGNATURE_B64_LEN]);

/* 0 when sig (base64) is key_id's valid signature of msg; MG_ENOENT for an
 * unknown key id; MG_EINVAL for a bad or malformed signature. */
int mg_keyring_verify(const struct mg_keyring *kr, const char *key_id,
                      const void *msg, size_t len, const char *sig) MG_MUST_CHECK;

/* {"keys": [{"key_id","algorithm":"Ed25519","public_key","status":
 * "active"|"retired","created_at"}]}, active first. Caller owns it. */
json_t *mg_keyring_to_json(const struct mg_keyring *kr);

/* Zeroes and frees the secret key. Accepts NULL. */
void mg_keyring_free(struct mg_keyring *kr);
/* In a process forked from the one that loaded kr: the secret key locked
 * against swapping again (memory locks are not inherited). */
void mg_keyring_relock(struct mg_keyring *kr);

#endif
