/* keyring.c: the active signing key in guarded memory and the retired public
 * keys that still verify older signatures (see keyring.h). */
#include "modgate/keyring.h"

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

/* The secret half lives in sodium_malloc'd pages: guard pages on both
 * sides, locked against swapping and excluded from core dumps
 * (MADV_DONTDUMP, which sodium_malloc asks for; test_keyring checks the
 * mapping's flags), read-only once the key is derived, for the keyring's
 * life. They used to be PROT_NONE except while mg_keyring_sign ran, at two
 * mprotect calls per signature (4.9 % of a submission's CPU). What that
 * gave beyond the rest: a stray read elsewhere in the process (an
 * over-read bug) could not reach the key between signatures. That is the
 * trade-off made: such a read now can, while writes still fault, dumps and
 * swap still miss it, and the guard pages still stop a linear overrun of a
 * neighbouring buffer. The seed is kept only until the key is derived. */
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

/* The members of a retired key entry, each a text. */
struct entry_fields {
    const struct mg_yaml_node *key_id;
    const struct mg_yaml_node *public_key;
    const struct mg_yaml_node *created_at;
};

/* A member a retired key does not have. */
static int on_unknown_member(struct mg_yaml_walk *w,
                             const struct mg_yaml_node *key, const char *name,
                             void *base)
{
    (void)base;
    if (mg_yaml_kind(key) != MG_YAML_SCALAR)
        return mg_yaml_fail(w, key, NULL, "keys must be plain words");
    size_t len = 0;
    const char *text = mg_yaml_scalar(key, &len);
    return mg_yaml_fail(w, key, NULL,
                        "unknown key \"%.*s\" (a retired key has key_id, "
                        "public_key and created_at)",
                        (int)(len > 64 ? 64 : len), name ? name : text);
}

/* Each member is one text; the walker refuses anything else at its key. */
static const struct mg_yaml_key entry_keys[] = {
    {.name = "key_id", .type = MG_YAML_T_SCALAR,
     MG_YAML_AT(struct entry_fields, key_id)},
    {.name = "public_key", .type = MG_YAML_T_SCALAR,
     MG_YAML_AT(struct entry_fields, public_key)},
    {.name = "created_at", .type = MG_YAML_T_SCALAR,
     MG_YAML_AT(struct entry_fields, created_at)},
};

static const struct mg_yaml_table entry_table = {
    entry_keys, sizeof entry_keys / sizeof entry_keys[0], 0,
    on_unknown_member};

/* One "- key_id: …" entry into *pk, its problems reported through w. */
static int parse_entry(struct mg_yaml_walk *w, const struct mg_yaml_node *item,
                       struct public_key *pk)
{
    if (mg_yaml_kind(item) != MG_YAML_MAPPING)
        return mg_yaml_fail(w, item, NULL,
                            "retired key: each entry must be a mapping with "
                            "key_id, public_key and created_at (modctl pubkey "
                            "writes one)");
    struct entry_fields f = {0};
    int rc = mg_yaml_walk_table(w, &entry_table, item, &f, NULL, NULL);
    if (rc != MG_OK)
        return rc;
    const struct mg_yaml_node *const values[] = {f.key_id, f.public_key,
                                                 f.created_at};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++)
        if (!values[i])
            return mg_yaml_fail(w, item, NULL, "retired key: missing %s",
                                entry_keys[i].name);

    size_t len = 0;
    const char *id = mg_yaml_scalar(f.key_id, &len);
    if (len != MG_KEY_ID_LEN - 1 || !is_lower_hex(id, len))
        return mg_yaml_fail(w, f.key_id, NULL,
                            "key_id: must be 16 lowercase hexadecimal digits");

    const char *b64 = mg_yaml_scalar(f.public_key, &len);
    if (mg_crypto_base64_decode(b64, len, pk->pk, PK_LEN) != MG_OK)
        return mg_yaml_fail(w, f.public_key, NULL,
                            "public_key: must be standard base64 (with "
                            "padding) of exactly 32 bytes");
    key_id_of(pk->pk, pk->key_id);
    if (memcmp(pk->key_id, id, MG_KEY_ID_LEN - 1) != 0)
        return mg_yaml_fail(w, f.key_id, NULL,
                            "key_id does not match public_key (its id is %s)",
                            pk->key_id);

    const char *ct = mg_yaml_scalar(f.created_at, &len);
    char buf[64];
    int64_t ms = 0;
    if (len < sizeof buf) {
        memcpy(buf, ct, len);
        buf[len] = '\0';
    }
    if (len >= sizeof buf || mg_time_parse(buf, &ms) != MG_OK)
        return mg_yaml_fail(w, f.created_at, NULL,
                            "created_at: must be an RFC 3339 time such as "
                            "2026-11-29T18:49:26.123Z");
    mg_time_format(ms, pk->created_at);
    (void)mg_yaml_node_pos(f.key_id, &pk->line, &pk->column);
    return MG_OK;
}

/* Appends pk to list unless its id is the active key's (active_id, or
 * NULL) or already listed. */
static int add_retired(struct mg_yaml_walk *w, struct retired_list *list,
                       const struct public_key *pk, const char *active_id)
{
    if (active_id && strcmp(pk->key_id, active_id) == 0) {
        mg_error_set(w->err, w->file, pk->line, pk->column,
                     "key_id %s is the active key's: a key is either active "
                     "or retired",
                     pk->key_id);
        return MG_EINVAL;
    }
    for (size_t i = 0; i < list->n; i++) {
        if (strcmp(list->keys[i].key_id, pk->key_id) == 0) {
            mg_error_set(w->err, w->file, pk->line, pk->column,
                         "duplicate key_id %s (first listed on line %d)",
                         pk->key_id, list->keys[i].line);
            return MG_EINVAL;
        }
    }
    if (list->n == list->cap) {
        list->cap = list->cap ? list->cap * 2 : 4;
        list->keys = mg_realloc(list->keys, list->cap * sizeof *list->keys);
    }
    list->keys[list->n++] = *pk;
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
    struct mg_yaml_walk w = {.file = path, .err = err};
    const struct mg_yaml_node *root = mg_yaml_root(doc);
    /* An empty file (or only comments) lists no keys, as `[]` does. */
    if (!mg_yaml_is_null(root) && mg_yaml_kind(root) != MG_YAML_SEQUENCE)
        rc = mg_yaml_fail(&w, root, NULL,
                          "not a list of retired keys (each entry starts "
                          "with \"- key_id:\"; modctl pubkey writes them)");
    void *iter = NULL;
    const struct mg_yaml_node *item;
    while (rc == MG_OK && mg_yaml_kind(root) == MG_YAML_SEQUENCE &&
           (item = mg_yaml_next_item(root, &iter)) != NULL) {
        struct public_key pk = {0};
        rc = parse_entry(&w, item, &pk);
        if (rc == MG_OK)
            rc = add_retired(&w, list, &pk, active_id);
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
    mg_crypto_secret_readonly(kr->secret);
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
    mg_crypto_ed25519_sign_detached(kr->secret->sk, msg, len, raw);
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

void mg_keyring_relock(struct mg_keyring *kr)
{
    if (kr)
        mg_crypto_secret_relock(kr->secret, sizeof *kr->secret);
}
