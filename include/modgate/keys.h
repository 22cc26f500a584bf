/* keys.h: the Ed25519 secret key file that `modctl keygen` writes and the
 * server signs with. Format (YAML, documented in docs/configuration.md):
 *   algorithm: Ed25519
 *   key_id: <16 lowercase hex: first 8 bytes of SHA-256 of the public key>
 *   created_at: <RFC 3339 UTC with milliseconds>
 *   seed: <standard base64 of the 32-byte Ed25519 seed>
 */
#ifndef MODGATE_KEYS_H
#define MODGATE_KEYS_H

#include "modgate/error.h"

/* Generates a new key and writes it to path with mode 0600. Refuses to
 * overwrite an existing file (MG_EEXIST). key_id receives the id (17 bytes). */
int mg_key_generate_file(const char *path, char key_id[17],
                         struct mg_error *err) MG_MUST_CHECK;

/* Checks that path is a private, well-formed key file. key_id (17 bytes, or
 * NULL) receives its id. */
int mg_key_check_file(const char *path, char key_id[17],
                      struct mg_error *err) MG_MUST_CHECK;

#endif
