/* keyring.c: the active signing key in guarded memory and the retired public
 * keys that still verify older signatures (see keyring.h). */
#include "modgate/keyring.h"

#include <libfyaml.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "modgate/alloc.h"
#include "modgate/crypto.h"
#include "modgate/files.h"
#include "modgate/keys.h"
#include "modgate/timefmt.h"
#include "modgate/yaml.h"

#define PK_LEN  32
#define SIG_LEN 64
/* About 120 bytes per rotation: this allows thousands, and keeps the
 * quadratic duplicate check below cheap. */
#define RETIRED_FILE_MAX (256 * 1024)

struct public_key {
    char key_id[MG_KEY_ID_LEN];
    uint8_t pk[PK_LEN];
    char created_at[MG_TIME_LEN]; /* "" when unknown (active key only) */
    int line, column;             /* where a retired entry's key_id is */
};

/* The secret half lives in sodium_malloc'd pages, PROT_NONE except while
 * mg_keyring_sign runs. The seed is kept only until the key is derived. */
struct secret {
    uint8_t seed[32];
    uint8_t sk[64];
};

struct mg_keyring {
    struct public_key active;
    struct secret *secret;
    struct public_key *retired;
    size_t n_retired;
};

/* ---- the retired keys file ---- */

struct retired_list {
    struct public_key *keys;
    size_t n, cap;
};

static int error_at(struct mg_error *err, const char *path,
                    struct fy_node *node, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* A problem at node's place in the file; always MG_EINVAL. */
static int error_at(struct mg_error *err, const char *path,
                    struct fy_node *node, const char *fmt, ...)
{
    char msg[sizeof err->message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    int line = 0, column = 0;
    mg_yaml_fy_node_pos(node, &line, &column);
    mg_error_set(err, path, line, column, "%s", msg);
    return MG_EINVAL;
}

static bool is_lower_hex(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

static void key_id_of(const uint8_t pk[PK_LEN], char id[MG_KEY_ID_LEN])
{
    uint8_t digest[32];
    mg_crypto_sha256(pk, PK_LEN, digest);
    mg_crypto_hex(digest, (MG_KEY_ID_LEN - 1) / 2, id);
}

/* One "- key_id: …" entry into *pk. */
static int parse_entry(const char *path, struct fy_node *item,
                       struct public_key *pk, struct mg_error *err)
{
    if (fy_node_get_type(item) != FYNT_MAPPING || fy_node_is_alias(item))
        return error_at(err, path, item,
                        "retired key: each entry must be a mapping with "
                        "key_id, public_key and created_at (modctl pubkey "
                        "writes one)");
    static const char *const names[] = {"key_id", "public_key", "created_at"};
    struct fy_node *values[3] = {NULL, NULL, NULL};
    void *iter = NULL;
    struct fy_node_pair *pair;
    while ((pair = fy_node_mapping_iterate(item, &iter)) != NULL) {
        struct fy_node *k = fy_node_pair_key(pair);
        struct fy_node *v = fy_node_pair_value(pair);
        if (!k || fy_node_get_type(k) != FYNT_SCALAR || fy_node_is_alias(k))
            return error_at(err, path, k ? k : item,
                            "keys must be plain words");
        size_t klen = 0;
        const char *ktext = fy_node_get_scalar(k, &klen);
        size_t slot = 0;
        while (slot < 3 && !(strlen(names[slot]) == klen &&
                             memcmp(names[slot], ktext, klen) == 0))
            slot++;
        if (slot == 3) {
            char *name = mg_strndup(ktext, klen > 64 ? 64 : klen);
            int rc = error_at(err, path, k,
                              "unknown key \"%s\" (a retired key has key_id, "
                              "public_key and created_at)",
                              name);
            mg_free(name);
            return rc;
        }
        if (!v || fy_node_get_type(v) != FYNT_SCALAR || fy_node_is_alias(v) ||
            mg_yaml_fy_is_null(v))
            return error_at(err, path,
                            v && fy_node_get_type(v) == FYNT_SCALAR &&
                                    !mg_yaml_fy_is_null(v)
                                ? v
                                : k,
                            "%s: must be a single text value", names[slot]);
        values[slot] = v;
    }
    for (size_t i = 0; i < 3; i++)
        if (!values[i])
            return error_at(err, path, item, "retired key: missing %s",
                            names[i]);

    size_t len = 0;
    const char *id = fy_node_get_scalar(values[0], &len);
    if (len != MG_KEY_ID_LEN - 1 || !is_lower_hex(id, len))
        return error_at(err, path, values[0],
                        "key_id: must be 16 lowercase hexadecimal digits");

    const char *b64 = fy_node_get_scalar(values[1], &len);
    if (mg_crypto_base64_decode(b64, len, pk->pk, PK_LEN) != MG_OK)
        return error_at(err, path, values[1],
                        "public_key: must be standard base64 (with padding) "
                        "of exactly 32 bytes");
    key_id_of(pk->pk, pk->key_id);
    if (memcmp(pk->key_id, id, MG_KEY_ID_LEN - 1) != 0)
        return error_at(err, path, values[0],
                        "key_id does not match public_key (its id is %s)",
                        pk->key_id);

    const char *ct = fy_node_get_scalar(values[2], &len);
    char buf[64];
    int64_t ms = 0;
    if (len < sizeof buf) {
        memcpy(buf, ct, len);
        buf[len] = '\0';
    }
    if (len >= sizeof buf || mg_time_parse(buf, &ms) != MG_OK)
        return error_at(err, path, values[2],
                        "created_at: must be an RFC 3339 time such as "
                        "2026-11-29T18:49:26.123Z");
    mg_time_format(ms, pk->created_at);
    mg_yaml_fy_node_pos(values[0], &pk->line, &pk->column);
    return MG_OK;
}

/* Parses the retired keys file; active_id (or NULL) may not appear in it.
 * On success the caller owns list->keys (mg_free). */
static int load_retired(const char *path, const char *active_id,
                        struct retired_list *list, struct mg_error *err)
{
    *list = (struct retired_list){0};
    char *text = NULL;
    size_t len = 0;
    int rc = mg_file_read(path, RETIRED_FILE_MAX, &text, &len, err);
    if (rc != MG_OK)
        return rc;
    /* The document points into text: free text after it. */
    struct mg_yaml_doc *doc = NULL;
    rc = mg_yaml_parse(path, text, len, &doc, err);
    if (rc != MG_OK) {
        mg_free(text);
        return rc;
    }
    struct fy_node *root = mg_yaml_fy_root(doc);
    /* An empty file (or only comments) lists no keys, as `[]` does. */
    if (root && !mg_yaml_fy_is_null(root)) {
        if (fy_node_get_type(root) != FYNT_SEQUENCE || fy_node_is_alias(root)) {
            rc = error_at(err, path, root,
                          "not a list of retired keys (each entry starts "
                          "with \"- key_id:\"; modctl pubkey writes them)");
        }
        void *iter = NULL;
        struct fy_node *item;
        while (rc == MG_OK &&
               (item = fy_node_sequence_iterate(root, &iter)) != NULL) {
            struct public_key pk = {0};
            rc = parse_entry(path, item, &pk, err);
            if (rc != MG_OK)
                break;
            if (active_id && strcmp(pk.key_id, active_id) == 0) {
                mg_error_set(err, path, pk.line, pk.column,
                             "key_id %s is the active key's: a key is either "
                             "active or retired",
                             pk.key_id);
                rc = MG_EINVAL;
                break;
            }
            for (size_t i = 0; i < list->n; i++) {
                if (strcmp(list->keys[i].key_id, pk.key_id) == 0) {
                    mg_error_set(err, path, pk.line, pk.column,
                                 "duplicate key_id %s (first listed on line "
                                 "%d)",
                                 pk.key_id, list->keys[i].line);
                    rc = MG_EINVAL;
                    break;
                }
            }
            if (rc != MG_OK)
                break;
            if (list->n == list->cap) {
                list->cap = list->cap ? list->cap * 2 : 4;
                list->keys =
                    mg_realloc(list->keys, list->cap * sizeof *list->keys);
            }
            list->keys[list->n++] = pk;
        }
    }
    mg_yaml_doc_free(doc);
    mg_free(text);
    if (rc != MG_OK) {
        mg_free(list->keys);
        *list = (struct retired_list){0};
    }
    return rc;
}

int mg_keyring_check_retired(const char *retired_path, struct mg_error *err)
{
    if (mg_crypto_init() != MG_OK) {
        mg_error_set(err, retired_path, 0, 0, "cannot start libsodium");
        return MG_EIO;
    }
    struct retired_list list;
    int rc = load_retired(retired_path, NULL, &list, err);
    mg_free(list.keys);
    return rc;
}

/* ---- the keyring ---- */

int mg_keyring_load(const char *key_path, const char *retired_path,
                    struct mg_keyring **out, struct mg_error *err)
{
    *out = NULL;
    if (mg_crypto_init() != MG_OK) {
        mg_error_set(err, key_path, 0, 0, "cannot start libsodium");
        return MG_EIO;
    }
    struct mg_keyring *kr = mg_calloc(1, sizeof *kr);
    kr->secret = mg_crypto_secret_alloc(sizeof *kr->secret);
    int rc = mg_key_load_file(key_path, kr->secret->seed, kr->active.key_id,
                              kr->active.created_at, err);
    if (rc == MG_OK) {
        mg_crypto_ed25519_from_seed(kr->secret->seed, kr->active.pk,
                                    kr->secret->sk);
        mg_crypto_wipe(kr->secret->seed, sizeof kr->secret->seed);
    }
    mg_crypto_secret_noaccess(kr->secret);
    if (rc == MG_OK && retired_path) {
        struct retired_list list;
        rc = load_retired(retired_path, kr->active.key_id, &list, err);
        kr->retired = list.keys;
        kr->n_retired = list.n;
    }
    if (rc != MG_OK) {
        mg_keyring_free(kr);
        return rc;
    }
    *out = kr;
    return MG_OK;
}

const char *mg_keyring_active_id(const struct mg_keyring *kr)
{
    return kr->active.key_id;
}

void mg_keyring_sign(struct mg_keyring *kr, const void *msg, size_t len,
                     char sig[MG_SIGNATURE_B64_LEN])
{
    uint8_t raw[SIG_LEN];
    mg_crypto_secret_readonly(kr->secret);
    mg_crypto_ed25519_sign_detached(kr->secret->sk, msg, len, raw);
    mg_crypto_secret_noaccess(kr->secret);
    mg_crypto_base64_encode(raw, sizeof raw, sig, MG_SIGNATURE_B64_LEN);
}

static const struct public_key *find_key(const struct mg_keyring *kr,
                                         const char *key_id)
{
    if (strcmp(kr->active.key_id, key_id) == 0)
        return &kr->active;
    for (size_t i = 0; i < kr->n_retired; i++)
        if (strcmp(kr->retired[i].key_id, key_id) == 0)
            return &kr->retired[i];
    return NULL;
}

int mg_keyring_verify(const struct mg_keyring *kr, const char *key_id,
                      const void *msg, size_t len, const char *sig)
{
    const struct public_key *pk = key_id ? find_key(kr, key_id) : NULL;
    if (!pk)
        return MG_ENOENT;
    uint8_t raw[SIG_LEN];
    if (!sig ||
        mg_crypto_base64_decode(sig, strlen(sig), raw, sizeof raw) != MG_OK)
        return MG_EINVAL;
    return mg_crypto_ed25519_verify(pk->pk, msg, len, raw) == 0 ? MG_OK
                                                                : MG_EINVAL;
}

static json_t *key_json(const struct public_key *pk, const char *status)
{
    char b64[64];
    mg_crypto_base64_encode(pk->pk, PK_LEN, b64, sizeof b64);
    json_t *obj = json_object();
    json_object_set_new(obj, "key_id", json_string(pk->key_id));
    json_object_set_new(obj, "algorithm", json_string("Ed25519"));
    json_object_set_new(obj, "public_key", json_string(b64));
    json_object_set_new(obj, "status", json_string(status));
    json_object_set_new(obj, "created_at",
                        pk->created_at[0] ? json_string(pk->created_at)
                                          : json_null());
    return obj;
}

json_t *mg_keyring_to_json(const struct mg_keyring *kr)
{
    json_t *keys = json_array();
    json_array_append_new(keys, key_json(&kr->active, "active"));
    for (size_t i = 0; i < kr->n_retired; i++)
        json_array_append_new(keys, key_json(&kr->retired[i], "retired"));
    json_t *obj = json_object();
    json_object_set_new(obj, "keys", keys);
    return obj;
}

void mg_keyring_free(struct mg_keyring *kr)
{
    if (!kr)
        return;
    mg_crypto_secret_free(kr->secret);
    mg_free(kr->retired);
    mg_free(kr);
}
