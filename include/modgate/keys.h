/* keys.h: the Ed25519 secret key file that `modctl keygen` writes and the
 * server signs with. Format (YAML, documented in docs/configuration.md):
 *   algorithm: Ed25519
 *   key_id: <16 lowercase hex: first 8 bytes of SHA-256 of the public key>
 *   created_at: <RFC 3339 UTC with milliseconds>
 *   seed: <standard base64 of the 32-byte Ed25519 seed>
 */
#ifndef MODGATE_KEYS_H
#define MODGATE_KEYS_H

#include <stdint.h>

#include "modgate/error.h"
#include "modgate/timefmt.h"

/* Generates a new key and writes it to path with mode 0600. Refuses to
 * overwrite an existing file (MG_EEXIST). key_id receives the id (17 bytes). */
int mg_key_generate_file(const char *path, char key_id[17],
                         struct mg_error *err) MG_MUST_CHECK;

/* Checks that path is a private, well-formed key file (created_at may be
 * left out, but when present it must be an RFC 3339 time). key_id (17 bytes,
 * or NULL) receives its id. */
int mg_key_check_file(const char *path, char key_id[17],
                      struct mg_error *err) MG_MUST_CHECK;

/* Checks path as mg_key_check_file does and loads it: the 32-byte seed into
 * seed (pass guarded memory, see mg_crypto_secret_alloc; it is wiped again
 * on failure), the id into key_id and created_at (in the API's form, "" when
 * the file has none) into created_at; key_id and created_at may be NULL. */
int mg_key_load_file(const char *path, uint8_t seed[32], char key_id[17],
                     char created_at[MG_TIME_LEN],
                     struct mg_error *err) MG_MUST_CHECK;

/* The retired keys entry (see keyring.h) for the key in the secret key file
 * key_path: "- key_id: ...\n  public_key: ...\n  created_at: ...\n". The key
 * file must have a created_at. Caller owns *yaml_out (mg_free); NULL on
 * failure. */
int mg_key_public_entry(const char *key_path, char **yaml_out,
                        struct mg_error *err) MG_MUST_CHECK;

#endif
