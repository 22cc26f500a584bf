/* keys.c: writing, checking and loading the Ed25519 secret key file (see
 * keys.h). */
#include "modgate/keys.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "modgate/alloc.h"
#include "modgate/crypto.h"
#include "modgate/files.h"
#include "modgate/timefmt.h"
#include "modgate/yaml.h"

#define SEED_LEN   32
#define KEY_ID_LEN 16
/* A key file is a few lines; anything larger is not one. */
#define KEY_FILE_MAX (64 * 1024)

static void key_id_of_seed(const uint8_t seed[SEED_LEN],
                           char key_id[KEY_ID_LEN + 1])
{
    uint8_t pk[32];
    uint8_t sk[64];
    uint8_t digest[32];
    mg_crypto_ed25519_from_seed(seed, pk, sk);
    mg_crypto_sha256(pk, sizeof pk, digest);
    mg_crypto_hex(digest, KEY_ID_LEN / 2, key_id);
    mg_crypto_wipe(sk, sizeof sk);
}

static int write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

int mg_key_generate_file(const char *path, char key_id[17],
                         struct mg_error *err)
{
    if (mg_crypto_init() != MG_OK) {
        mg_error_set(err, path, 0, 0, "cannot start libsodium");
        return MG_EIO;
    }
    uint8_t seed[SEED_LEN];
    char seed_b64[64];
    char text[512];
    char now[MG_TIME_LEN];
    char id[KEY_ID_LEN + 1];

    mg_crypto_random(seed, sizeof seed);
    key_id_of_seed(seed, id);
    mg_crypto_base64_encode(seed, sizeof seed, seed_b64, sizeof seed_b64);
    mg_time_format(mg_time_now_ms(), now);
    int n =
        snprintf(text, sizeof text,
                 "# modgate secret signing key: keep it private (mode 0600)\n"
                 "algorithm: Ed25519\n"
                 "key_id: %s\n"
                 "created_at: %s\n"
                 "seed: %s\n",
                 id, now, seed_b64);
    mg_crypto_wipe(seed, sizeof seed);
    mg_crypto_wipe(seed_b64, sizeof seed_b64);

    int status = MG_OK;
    /* O_EXCL: never replace a key that may already sign records;
     * O_NOFOLLOW: never write through a planted symlink. */
    int fd =
        open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        int e = errno;
        if (e == EEXIST) {
            mg_error_set(
                err, path, 0, 0,
                "already exists; refusing to overwrite a key (remove it "
                "first if you really mean to replace it)");
            status = MG_EEXIST;
        } else {
            mg_error_set(err, path, 0, 0, "cannot create: %s", strerror(e));
            status = e == ENOENT ? MG_ENOENT : MG_EIO;
        }
        goto out;
    }
    if (write_all(fd, text, (size_t)n) != 0 || fsync(fd) != 0) {
        int e = errno;
        close(fd);
        unlink(path);
        mg_error_set(err, path, 0, 0, "cannot write: %s", strerror(e));
        status = MG_EIO;
        goto out;
    }
    if (close(fd) != 0) {
        int e = errno;
        unlink(path);
        mg_error_set(err, path, 0, 0, "cannot write: %s", strerror(e));
        status = MG_EIO;
        goto out;
    }
    if (key_id)
        memcpy(key_id, id, sizeof id);
out:
    mg_crypto_wipe(text, sizeof text);
    return status;
}

/* The fields of a key file, as found: each a scalar with text. */
struct key_fields {
    const struct mg_yaml_node *algorithm;
    const struct mg_yaml_node *key_id;
    const struct mg_yaml_node *created_at;
    const struct mg_yaml_node *seed;
};

/* A key a key file does not have. */
static int on_unknown_key(struct mg_yaml_walk *w,
                          const struct mg_yaml_node *key, const char *name,
                          void *base)
{
    (void)base;
    if (mg_yaml_kind(key) != MG_YAML_SCALAR)
        return mg_yaml_fail(w, key, NULL, "keys must be plain words");
    return mg_yaml_fail(w, key, NULL,
                        "unknown key (a key file has algorithm, key_id, "
                        "created_at and seed)");
}

/* Each field is one text; the walker refuses anything else at its key
 * (an empty value, `~`, a list). */
#define KEY_FIELD(member)                                                     \
    {.name = #member, .type = MG_YAML_T_SCALAR,                               \
     MG_YAML_AT(struct key_fields, member),                                   \
     .error = "must be a single text value"}

static const struct mg_yaml_key key_file_keys[] = {
    KEY_FIELD(algorithm),
    KEY_FIELD(key_id),
    KEY_FIELD(created_at),
    KEY_FIELD(seed),
};

static const struct mg_yaml_table key_file_table = {
    key_file_keys, sizeof key_file_keys / sizeof key_file_keys[0], 0,
    on_unknown_key};

/* Reads root, the whole file, into kf: every field a text, algorithm,
 * key_id and seed there. kf's nodes are borrowed from root's document. */
static int collect_fields(struct mg_yaml_walk *w,
                          const struct mg_yaml_node *root,
                          struct key_fields *kf)
{
    if (mg_yaml_kind(root) != MG_YAML_MAPPING)
        return mg_yaml_fail(w, NULL, NULL,
                            "not a key file: expected lines algorithm, "
                            "key_id, created_at and seed (see "
                            "docs/configuration.md)");
    int rc = mg_yaml_walk_table(w, &key_file_table, root, kf, NULL, NULL);
    if (rc != MG_OK)
        return rc;
    static const char *const names[] = {"algorithm", "key_id", "seed"};
    const struct mg_yaml_node *const required[] = {kf->algorithm, kf->key_id,
                                                   kf->seed};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!required[i])
            return mg_yaml_fail(w, NULL, NULL, "missing %s", names[i]);
    return MG_OK;
}

static bool is_lower_hex(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    return true;
}

/* What a caller wants from a key file; NULL members are not wanted. */
struct key_out {
    uint8_t *seed;    /* SEED_LEN bytes, the caller's (guarded) memory */
    char *key_id;     /* KEY_ID_LEN + 1 bytes */
    char *created_at; /* MG_TIME_LEN bytes; "" when the file has none */
};

/* Checks what kf holds (reporting at the value that is wrong) and fills
 * out; the seed in out is wiped again on failure. */
static int check_fields(struct mg_yaml_walk *w, const struct key_fields *kf,
                        const struct key_out *out)
{
    size_t len = 0;
    if (!mg_yaml_scalar_is(kf->algorithm, "Ed25519"))
        return mg_yaml_fail(w, kf->algorithm, NULL,
                            "algorithm: only Ed25519 is supported");

    const char *id_text = mg_yaml_scalar(kf->key_id, &len);
    if (len != KEY_ID_LEN || !is_lower_hex(id_text, len))
        return mg_yaml_fail(w, kf->key_id, NULL,
                            "key_id: must be 16 lowercase hexadecimal digits");

    size_t seed_len = 0;
    const char *seed_text = mg_yaml_scalar(kf->seed, &seed_len);
    uint8_t local_seed[SEED_LEN];
    uint8_t *seed = out->seed ? out->seed : local_seed;
    if (mg_crypto_base64_decode(seed_text, seed_len, seed, SEED_LEN) != MG_OK)
        return mg_yaml_fail(w, kf->seed, NULL,
                            "seed: must be standard base64 (with padding) of "
                            "exactly 32 bytes");
    char derived[KEY_ID_LEN + 1];
    char created[MG_TIME_LEN] = "";
    key_id_of_seed(seed, derived);
    mg_crypto_wipe(local_seed, sizeof local_seed);
    int rc = MG_OK;
    if (memcmp(derived, id_text, KEY_ID_LEN) != 0) {
        rc = mg_yaml_fail(w, kf->key_id, NULL, "key_id does not match the key");
        goto fail;
    }

    /* created_at is informational, but when present it is a time: /v1/keys
     * shows it in the API's own form. */
    if (kf->created_at) {
        const char *ct = mg_yaml_scalar(kf->created_at, &len);
        char buf[64];
        int64_t ms = 0;
        if (len < sizeof buf) {
            memcpy(buf, ct, len);
            buf[len] = '\0';
        }
        if (len >= sizeof buf || mg_time_parse(buf, &ms) != MG_OK) {
            rc = mg_yaml_fail(w, kf->created_at, NULL,
                              "created_at: must be an RFC 3339 time such as "
                              "2026-11-29T18:49:26.123Z");
            goto fail;
        }
        mg_time_format(ms, created);
    }
    if (out->key_id)
        memcpy(out->key_id, derived, sizeof derived);
    if (out->created_at)
        memcpy(out->created_at, created, sizeof created);
    return MG_OK;
fail:
    if (out->seed)
        mg_crypto_wipe(out->seed, SEED_LEN);
    return rc;
}

/* Checks the file at path (private, ASCII, well-formed) and fills out. */
static int load_key_file(const char *path, const struct key_out *out,
                         struct mg_error *err)
{
    int rc = mg_file_check_private(path, err);
    if (rc != MG_OK)
        return rc;
    if (mg_crypto_init() != MG_OK) {
        mg_error_set(err, path, 0, 0, "cannot start libsodium");
        return MG_EIO;
    }
    char *text = NULL;
    size_t len = 0;
    rc = mg_file_read(path, KEY_FILE_MAX, &text, &len, err);
    if (rc != MG_OK)
        return rc;

    /* Key files are ASCII (keygen writes them so). Checking first also keeps
     * bytes that can hang libfyaml 0.7.12 (invalid UTF-8) away from it. */
    int line = 1, column = 1;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c >= 0x7f || (c < 0x20 && c != '\n' && c != '\r' && c != '\t')) {
            mg_crypto_wipe(text, len);
            mg_free(text);
            mg_error_set(err, path, line, column,
                         "not a key file: only printable ASCII is allowed");
            return MG_EINVAL;
        }
        if (c == '\n') {
            line++;
            column = 1;
        } else {
            column++;
        }
    }

    struct mg_yaml_doc *doc;
    rc = mg_yaml_parse(path, text, len, &doc, err);
    if (rc == MG_OK) {
        struct mg_yaml_walk w = {.file = path, .err = err};
        const struct mg_yaml_node *root = mg_yaml_root(doc);
        struct key_fields kf = {0};
        if (!root)
            rc = mg_yaml_fail(&w, NULL, NULL,
                              "empty key file (make one with: modctl keygen "
                              "--out FILE)");
        else if ((rc = collect_fields(&w, root, &kf)) == MG_OK)
            rc = check_fields(&w, &kf, out);
        mg_yaml_doc_free(doc);
    }
    mg_crypto_wipe(text, len);
    mg_free(text);
    return rc;
}

int mg_key_check_file(const char *path, char key_id[17], struct mg_error *err)
{
    const struct key_out out = {NULL, key_id, NULL};
    return load_key_file(path, &out, err);
}

int mg_key_load_file(const char *path, uint8_t seed[32], char key_id[17],
                     char created_at[MG_TIME_LEN], struct mg_error *err)
{
    const struct key_out out = {seed, key_id, created_at};
    return load_key_file(path, &out, err);
}

int mg_key_public_entry(const char *key_path, char **yaml_out,
                        struct mg_error *err)
{
    *yaml_out = NULL;
    /* The seed and the secret key derived from it stay in guarded memory. */
    struct secret {
        uint8_t seed[SEED_LEN];
        uint8_t sk[64];
    } *secret = mg_crypto_secret_alloc(sizeof *secret);
    char id[KEY_ID_LEN + 1];
    char created[MG_TIME_LEN];
    int rc = mg_key_load_file(key_path, secret->seed, id, created, err);
    if (rc == MG_OK && created[0] == '\0') {
        mg_error_set(err, key_path, 0, 0,
                     "no created_at: a retired key entry needs the time the "
                     "key was made (add a line such as created_at: "
                     "2026-11-29T18:49:26.123Z)");
        rc = MG_EINVAL;
    }
    if (rc == MG_OK) {
        uint8_t pk[32];
        char pk_b64[64];
        mg_crypto_ed25519_from_seed(secret->seed, pk, secret->sk);
        mg_crypto_base64_encode(pk, sizeof pk, pk_b64, sizeof pk_b64);
        *yaml_out = mg_asprintf("- key_id: %s\n"
                                "  public_key: %s\n"
                                "  created_at: %s\n",
                                id, pk_b64, created);
    }
    mg_crypto_secret_free(secret);
    return rc;
}
