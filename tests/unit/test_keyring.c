/* test_keyring.c: the signing keyring: guarded memory, sign and verify, the
 * public keys /v1/keys lists, retired keys and their file's errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "modgate/alloc.h"
#include "modgate/crypto.h"
#include "modgate/files.h"
#include "modgate/keyring.h"
#include "modgate/keys.h"
#include "modgate/record.h"


static int setup(void **state)
{
    return mg_crypto_init() == 0 ? mg_test_setup_dir(state) : -1;
}

/* A path in the fixture's directory; caller frees. */
static char *path_in(const struct fixture *f, const char *name)
{
    return mg_asprintf("%s/%s", f->dir, name);
}

/* A new key file named name; its id into id. Caller frees the path. */
static char *new_key(const struct fixture *f, const char *name, char id[17])
{
    char *path = path_in(f, name);
    struct mg_error err = {0};
    int rc = mg_key_generate_file(path, id, &err);
    if (rc != 0)
        fail_msg("generate %s: %d %s", name, rc, err.message);
    return path;
}

/* The public key of a key file, derived here from its seed with nothing but
 * libsodium's seed-to-keypair: an independent view of what the keyring
 * should publish. */
static void public_key_of_file(const char *path, uint8_t pk[32],
                               char created_at[64])
{
    char *text = NULL;
    size_t len = 0;
    struct mg_error err = {0};
    assert_int_equal(mg_file_read(path, 65536, &text, &len, &err), 0);
    char seed_b64[128];
    mg_test_yaml_value(text, "seed", seed_b64, sizeof seed_b64);
    mg_test_yaml_value(text, "created_at", created_at, 64);
    mg_free(text);
    uint8_t seed[32], sk[64];
    assert_int_equal(
        mg_crypto_base64_decode(seed_b64, strlen(seed_b64), seed, 32), 0);
    mg_crypto_ed25519_from_seed(seed, pk, sk);
}

static struct mg_keyring *load_ok(const char *key, const char *retired)
{
    struct mg_keyring *kr = NULL;
    struct mg_error err = {0};
    int rc = mg_keyring_load(key, retired, &kr, &err);
    if (rc != 0)
        fail_msg("load: %d %s:%d:%d: %s", rc, err.file, err.line, err.column,
                 err.message);
    assert_non_null(kr);
    return kr;
}

/* The public entry of a key file, appended to the file at retired. */
static void retire(const char *key, const char *retired)
{
    char *entry = NULL;
    struct mg_error err = {0};
    int rc = mg_key_public_entry(key, &entry, &err);
    if (rc != 0)
        fail_msg("public entry: %d %s", rc, err.message);
    FILE *fp = fopen(retired, "a");
    assert_non_null(fp);
    fputs(entry, fp);
    assert_int_equal(fclose(fp), 0);
    mg_free(entry);
}

static void flip_b64_signature(const char *sig, size_t byte, char *out)
{
    uint8_t raw[64];
    assert_int_equal(mg_crypto_base64_decode(sig, strlen(sig), raw, 64), 0);
    raw[byte] ^= 0x01;
    mg_crypto_base64_encode(raw, sizeof raw, out, MG_SIGNATURE_B64_LEN);
}

/* ---- crypto.c's additions ---- */

/* The VmFlags line of the mapping in /proc/self/smaps that holds addr,
 * into flags; false when no mapping does. */
static bool vmflags_of(const void *addr, char *flags, size_t size)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    if (!f)
        return false;
    char line[512];
    bool inside = false, found = false;
    uintptr_t a = (uintptr_t)addr;
    while (!found && fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') &&
            line[strspn(line, "0123456789abcdef")] == '-')
            inside = a >= lo && a < hi;
        else if (inside && strncmp(line, "VmFlags:", 8) == 0) {
            snprintf(flags, size, "%s", line + 8);
            found = true;
        }
    }
    fclose(f);
    return found;
}

/* Guarded memory: readable once made read-only (the keyring keeps its key
 * so for its life, with no mprotect per signature), a write then crashes,
 * and the pages are kept out of core dumps ("dd" in VmFlags). */
static void test_secret_memory(void **state)
{
    (void)state;
    uint8_t *p = mg_crypto_secret_alloc(96);
    memset(p, 0x5a, 96);
    mg_crypto_secret_readonly(p);
    assert_int_equal(p[95], 0x5a);

    char flags[512] = "";
    assert_true(vmflags_of(p, flags, sizeof flags));
    if (!strstr(flags, " dd"))
        fail_msg("guarded memory may be dumped: VmFlags:%s", flags);
    if (strstr(flags, " wr"))
        fail_msg("read-only guarded memory is writable: VmFlags:%s", flags);

    /* Read-only means a write crashes: try it in a child. */
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* Not cmocka's handler: it would carry on with the tests here. */
        signal(SIGSEGV, SIG_DFL);
        signal(SIGBUS, SIG_DFL);
        *(volatile uint8_t *)p = 0;
        _exit(0);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_false(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    mg_crypto_secret_free(p); /* frees whatever the protection */
    mg_crypto_secret_free(NULL);
}

static void test_sign_detached(void **state)
{
    (void)state;
    uint8_t seed[32], pk[32], sk[64], sig[64];
    for (size_t i = 0; i < sizeof seed; i++)
        seed[i] = (uint8_t)i;
    mg_crypto_ed25519_from_seed(seed, pk, sk);
    static const char msg[] = "{\"body\":\"hi\",\"v\":1}";
    mg_crypto_ed25519_sign_detached(sk, msg, strlen(msg), sig);
    assert_int_equal(mg_crypto_ed25519_verify(pk, msg, strlen(msg), sig), 0);
    assert_int_equal(mg_crypto_ed25519_verify(pk, msg, strlen(msg) - 1, sig),
                     -1);
    sig[10] ^= 0x80;
    assert_int_equal(mg_crypto_ed25519_verify(pk, msg, strlen(msg), sig), -1);

    /* RFC 8032 7.1 TEST 1: the empty message with this secret key. */
    static const uint8_t seed1[32] = {
        0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd, 0x5a, 0x60, 0xba, 0x84, 0x4a,
        0xf4, 0x92, 0xec, 0x2c, 0xc4, 0x44, 0x49, 0xc5, 0x69, 0x7b, 0x32,
        0x69, 0x19, 0x70, 0x3b, 0xac, 0x03, 0x1c, 0xae, 0x7f, 0x60};
    char hex[129];
    mg_crypto_ed25519_from_seed(seed1, pk, sk);
    mg_crypto_hex(pk, 32, hex);
    assert_string_equal(
        hex,
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    mg_crypto_ed25519_sign_detached(sk, "", 0, sig);
    mg_crypto_hex(sig, 64, hex);
    assert_string_equal(
        hex,
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
        "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
}

/* ---- the active key ---- */

static void test_sign_and_verify(void **state)
{
    struct fixture *f = *state;
    char id[17];
    char *key = new_key(f, "a.key", id);
    struct mg_keyring *kr = load_ok(key, NULL);
    assert_string_equal(mg_keyring_active_id(kr), id);

    static const char msg[] =
        "{\"article_id\":\"a-1\",\"author_id\":\"u-1\",\"author_name\":"
        "\"Minji\",\"body\":\"\xed\x95\x9c \\\"q\\\" \\\\ / \xf0\x9f\x98\x80\","
        "\"created_at\":\"2026-11-29T18:49:26.123Z\",\"id\":\"x\",\"key_id\":"
        "\"0000000000000000\",\"parent_id\":null,\"v\":1}";
    const size_t len = strlen(msg);
    char sig[MG_SIGNATURE_B64_LEN];
    mg_keyring_sign(kr, msg, len, sig);
    assert_int_equal(strlen(sig), 88);
    assert_int_equal(sig[87], '=');
    assert_int_equal(mg_keyring_verify(kr, id, msg, len, sig), 0);

    /* Ed25519 is deterministic: signing again gives the same signature. */
    char again[MG_SIGNATURE_B64_LEN];
    mg_keyring_sign(kr, msg, len, again);
    assert_string_equal(sig, again);

    /* The signature checks out against the public key derived here. */
    uint8_t pk[32], raw[64];
    char created[64];
    public_key_of_file(key, pk, created);
    assert_int_equal(mg_crypto_base64_decode(sig, strlen(sig), raw, 64), 0);
    assert_int_equal(mg_crypto_ed25519_verify(pk, msg, len, raw), 0);

    char flipped_msg[sizeof msg];
    memcpy(flipped_msg, msg, sizeof msg);
    flipped_msg[len / 2] ^= 0x01;
    char sig_first[MG_SIGNATURE_B64_LEN], sig_last[MG_SIGNATURE_B64_LEN];
    flip_b64_signature(sig, 0, sig_first);
    flip_b64_signature(sig, 63, sig_last);
    char wrong_id[17];
    memcpy(wrong_id, id, sizeof wrong_id);
    wrong_id[0] = wrong_id[0] == 'a' ? 'b' : 'a';

    const struct {
        const char *what;
        const char *key_id;
        const char *msg;
        size_t len;
        const char *sig;
        int rc;
    } cases[] = {
        {"valid", id, msg, len, sig, 0},
        {"flipped message byte", id, flipped_msg, len, sig, MG_EINVAL},
        {"one byte shorter", id, msg, len - 1, sig, MG_EINVAL},
        {"flipped first signature byte", id, msg, len, sig_first, MG_EINVAL},
        {"flipped last signature byte", id, msg, len, sig_last, MG_EINVAL},
        {"unknown key id", wrong_id, msg, len, sig, MG_ENOENT},
        {"empty key id", "", msg, len, sig, MG_ENOENT},
        {"NULL key id", NULL, msg, len, sig, MG_ENOENT},
        {"not base64", id, msg, len, "not base64!", MG_EINVAL},
        {"short signature", id, msg, len, "AAAA", MG_EINVAL},
        {"empty signature", id, msg, len, "", MG_EINVAL},
        {"NULL signature", id, msg, len, NULL, MG_EINVAL},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        int rc = mg_keyring_verify(kr, cases[i].key_id, cases[i].msg,
                                   cases[i].len, cases[i].sig);
        if (rc != cases[i].rc)
            fail_msg("%s: rc %d, want %d", cases[i].what, rc, cases[i].rc);
    }
    mg_keyring_free(kr);
    mg_keyring_free(NULL);
    mg_free(key);
}

static void test_json_lists_derived_public_key(void **state)
{
    struct fixture *f = *state;
    char id[17];
    char *key = new_key(f, "a.key", id);
    struct mg_keyring *kr = load_ok(key, NULL);

    uint8_t pk[32];
    char created[64];
    public_key_of_file(key, pk, created);

    json_t *doc = mg_keyring_to_json(kr);
    json_t *keys = json_object_get(doc, "keys");
    assert_int_equal(json_array_size(keys), 1);
    json_t *k = json_array_get(keys, 0);
    assert_int_equal(json_object_size(k), 5);
    assert_string_equal(json_string_value(json_object_get(k, "key_id")), id);
    assert_string_equal(json_string_value(json_object_get(k, "algorithm")),
                        "Ed25519");
    assert_string_equal(json_string_value(json_object_get(k, "status")),
                        "active");
    assert_string_equal(json_string_value(json_object_get(k, "created_at")),
                        created);
    const char *b64 = json_string_value(json_object_get(k, "public_key"));
    assert_non_null(b64);
    assert_int_equal(strlen(b64), 44);
    uint8_t listed[32];
    assert_int_equal(mg_crypto_base64_decode(b64, strlen(b64), listed, 32), 0);
    assert_memory_equal(listed, pk, 32);
    json_decref(doc);
    mg_keyring_free(kr);
    mg_free(key);
}

static void test_active_key_file(void **state)
{
    struct fixture *f = *state;
    char id[17];
    char *key = new_key(f, "a.key", id);
    struct mg_keyring *kr = (struct mg_keyring *)&kr; /* must become NULL */
    struct mg_error err = {0};

    assert_int_equal(chmod(key, 0644), 0);
    assert_int_equal(mg_keyring_load(key, NULL, &kr, &err), MG_EPERM);
    assert_null(kr);
    assert_non_null(strstr(err.message, "chmod 600"));

    assert_int_equal(chmod(key, 0640), 0);
    kr = load_ok(key, NULL);
    mg_keyring_free(kr);

    char *missing = path_in(f, "missing.key");
    assert_int_equal(mg_keyring_load(missing, NULL, &kr, &err), MG_ENOENT);
    assert_null(kr);

    /* A bad active key file keeps its location. */
    mg_test_write_file(key, "algorithm: Ed25519\nkey_id: 0123\nseed: AAAA\n", 0600);
    assert_int_equal(mg_keyring_load(key, NULL, &kr, &err), MG_EINVAL);
    assert_int_equal(err.line, 2);
    assert_int_equal(err.column, 9);
    assert_null(kr);
    mg_free(missing);
    mg_free(key);
}

/* The test vector in docs/signatures.md: RFC 8032's first test key in a key
 * file, and the canonical message of the example record. Ed25519 is
 * deterministic, so the signature is fixed. */
static void test_docs_vector(void **state)
{
    struct fixture *f = *state;
    char *key = path_in(f, "rfc8032.key");
    mg_test_write_file(key,
               "algorithm: Ed25519\n"
               "key_id: 21fe31dfa154a261\n"
               "created_at: 2026-01-03T10:00:00.000Z\n"
               "seed: nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=\n",
               0600);
    struct mg_keyring *kr = load_ok(key, NULL);
    assert_string_equal(mg_keyring_active_id(kr), "21fe31dfa154a261");
    static const char msg[] =
        "{\"article_id\":\"2024-10-28-nk-troops-kursk\",\"author_id\":"
        "\"u-48121\",\"author_name\":\"Minji\",\"body\":\"She wrote "
        "\\\"\xec\xa0\x95\xeb\xa7\x90?\\\" \\\\ \xf0\x9f\x98\x80\\n</b> ok\","
        "\"created_at\":\"2026-11-29T18:49:26.123Z\",\"id\":"
        "\"01938f6e-7c1a-7b2e-9a41-3f5c2d1e0b9a\",\"key_id\":"
        "\"21fe31dfa154a261\",\"parent_id\":null,\"v\":1}";
    assert_int_equal(strlen(msg), 270);
    char sig[MG_SIGNATURE_B64_LEN];
    mg_keyring_sign(kr, msg, strlen(msg), sig);
    assert_string_equal(sig, "w1qGWEZA13dQHDuCiLqUxeS68OQmR5qJRdED4+eyiiRPPxzb"
                             "hEhP23C/69WK+879VB5XEAP/Oq3XJ82R1pxpBg==");
    /* the edited record of docs/signatures.md: revision and edited_at
     * signed too, through the record's own signing path */
    const struct mg_record_fields edited = {
        .id = "01938f6e-7c1a-7b2e-9a41-3f5c2d1e0b9a",
        .article_id = "2024-10-28-nk-troops-kursk",
        .author_id = "u-48121",
        .author_name = "Minji",
        .body = "She wrote \"\xec\xa0\x95\xeb\xa7\x90?\" \\ \xf0\x9f\x98\x80\n</b> ok "
                "(edited)",
        .created_at = "2026-11-29T18:49:26.123Z",
        .revision = 2,
        .edited_at = "2026-11-29T18:52:03.456Z",
    };
    const char *key_id;
    mg_record_sign(kr, &edited, &key_id, sig);
    assert_string_equal(sig, "B40hs3HoraLP0XHS+DwbrRrrVkVOwh0uRJncJoHhOWgPmKlK/57/"
                             "Apj5bB3KqEHYUoCPgYOvP4+SOLaRDphzCw==");
    json_t *doc = mg_keyring_to_json(kr);
    json_t *k = json_array_get(json_object_get(doc, "keys"), 0);
    assert_string_equal(json_string_value(json_object_get(k, "public_key")),
                        "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
    json_decref(doc);
    mg_keyring_free(kr);
    mg_free(key);
}

/* ---- keys.c's loader and public entry ---- */

static void test_key_load_and_entry(void **state)
{
    struct fixture *f = *state;
    char id[17];
    char *key = new_key(f, "a.key", id);
    uint8_t pk[32];
    char created[64];
    public_key_of_file(key, pk, created);

    uint8_t *seed = mg_crypto_secret_alloc(32);
    char loaded_id[17], loaded_at[MG_TIME_LEN];
    struct mg_error err = {0};
    assert_int_equal(mg_key_load_file(key, seed, loaded_id, loaded_at, &err),
                     0);
    assert_string_equal(loaded_id, id);
    assert_string_equal(loaded_at, created);
    uint8_t derived_pk[32], sk[64];
    mg_crypto_ed25519_from_seed(seed, derived_pk, sk);
    assert_memory_equal(derived_pk, pk, 32);

    char *entry = NULL;
    assert_int_equal(mg_key_public_entry(key, &entry, &err), 0);
    char pk_b64[64];
    mg_crypto_base64_encode(pk, 32, pk_b64, sizeof pk_b64);
    char *want = mg_asprintf("- key_id: %s\n  public_key: %s\n"
                             "  created_at: %s\n",
                             id, pk_b64, created);
    assert_string_equal(entry, want);
    mg_free(want);
    mg_free(entry);

    /* A key file without created_at loads (it is optional), is listed with
     * created_at null, and has no public entry (the list needs a time). */
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(mg_file_read(key, 65536, &text, &len, &err), 0);
    char seed_b64[128];
    mg_test_yaml_value(text, "seed", seed_b64, sizeof seed_b64);
    mg_free(text);
    char *bare =
        mg_asprintf("algorithm: Ed25519\nkey_id: %s\nseed: %s\n", id, seed_b64);
    mg_test_write_file(key, bare, 0600);
    mg_free(bare);
    assert_int_equal(mg_key_load_file(key, seed, NULL, loaded_at, &err), 0);
    assert_string_equal(loaded_at, "");
    entry = (char *)key; /* must become NULL */
    assert_int_equal(mg_key_public_entry(key, &entry, &err), MG_EINVAL);
    assert_null(entry);
    assert_non_null(strstr(err.message, "created_at"));
    struct mg_keyring *kr = load_ok(key, NULL);
    json_t *doc = mg_keyring_to_json(kr);
    json_t *k = json_array_get(json_object_get(doc, "keys"), 0);
    assert_true(json_is_null(json_object_get(k, "created_at")));
    json_decref(doc);
    mg_keyring_free(kr);

    /* created_at, when present, must be a time; another form is normalized
     * to the API's. "created_at: " is 12 characters. */
    char *odd = mg_asprintf("algorithm: Ed25519\nkey_id: %s\n"
                            "created_at: 2026-01-03T10:00:00Z\nseed: %s\n",
                            id, seed_b64);
    mg_test_write_file(key, odd, 0600);
    assert_int_equal(mg_key_load_file(key, seed, NULL, loaded_at, &err), 0);
    assert_string_equal(loaded_at, "2026-01-03T10:00:00.000Z");
    char *bad = mg_asprintf("algorithm: Ed25519\nkey_id: %s\n"
                            "created_at: yesterday\nseed: %s\n",
                            id, seed_b64);
    mg_test_write_file(key, bad, 0600);
    memset(&err, 0, sizeof err);
    assert_int_equal(mg_key_check_file(key, NULL, &err), MG_EINVAL);
    assert_int_equal(err.line, 3);
    assert_int_equal(err.column, 13);
    assert_non_null(strstr(err.message, "RFC 3339"));
    /* A failed load leaves no seed behind. */
    memset(seed, 0x77, 32);
    assert_int_equal(mg_key_load_file(key, seed, NULL, NULL, &err), MG_EINVAL);
    static const uint8_t zero[32];
    assert_memory_equal(seed, zero, 32);

    mg_free(odd);
    mg_free(bad);
    mg_crypto_secret_free(seed);
    mg_free(key);
}

/* ---- retired keys ---- */

static void test_retired_listed(void **state)
{
    struct fixture *f = *state;
    char ids[3][17];
    char *keys[3] = {new_key(f, "a.key", ids[0]), new_key(f, "b.key", ids[1]),
                     new_key(f, "c.key", ids[2])};
    char *retired = path_in(f, "retired.yaml");
    mg_test_write_file(retired, "# retired signing keys\n", 0644);
    retire(keys[0], retired);
    retire(keys[1], retired);
    /* Public keys: the file need not be private. */
    assert_int_equal(chmod(retired, 0644), 0);
    struct mg_error err = {0};
    assert_int_equal(mg_keyring_check_retired(retired, &err), 0);

    struct mg_keyring *kr = load_ok(keys[2], retired);
    json_t *doc = mg_keyring_to_json(kr);
    json_t *list = json_object_get(doc, "keys");
    assert_int_equal(json_array_size(list), 3);
    /* Active first, then the retired ones in the file's order. */
    const size_t order[3] = {2, 0, 1};
    for (size_t i = 0; i < 3; i++) {
        json_t *k = json_array_get(list, i);
        uint8_t pk[32], listed[32];
        char created[64];
        public_key_of_file(keys[order[i]], pk, created);
        assert_string_equal(json_string_value(json_object_get(k, "key_id")),
                            ids[order[i]]);
        assert_string_equal(json_string_value(json_object_get(k, "status")),
                            i == 0 ? "active" : "retired");
        assert_string_equal(json_string_value(json_object_get(k, "algorithm")),
                            "Ed25519");
        assert_string_equal(json_string_value(json_object_get(k, "created_at")),
                            created);
        const char *b64 = json_string_value(json_object_get(k, "public_key"));
        assert_non_null(b64);
        assert_int_equal(mg_crypto_base64_decode(b64, strlen(b64), listed, 32),
                         0);
        assert_memory_equal(listed, pk, 32);
    }
    json_decref(doc);
    mg_keyring_free(kr);

    /* Empty lists: no retired keys. */
    const char *empty[] = {"", "# nothing yet\n", "[]\n", "~\n"};
    for (size_t i = 0; i < ARRAY_LEN(empty); i++) {
        mg_test_write_file(retired, empty[i], 0644);
        kr = load_ok(keys[2], retired);
        doc = mg_keyring_to_json(kr);
        assert_int_equal(json_array_size(json_object_get(doc, "keys")), 1);
        json_decref(doc);
        mg_keyring_free(kr);
    }

    /* The file must be a regular file and exist. */
    assert_int_equal(mg_keyring_check_retired(f->dir, &err), MG_EINVAL);
    assert_non_null(strstr(err.message, "not a regular file"));
    char *missing = path_in(f, "missing.yaml");
    assert_int_equal(mg_keyring_check_retired(missing, &err), MG_ENOENT);
    kr = (struct mg_keyring *)&kr;
    assert_int_equal(mg_keyring_load(keys[2], missing, &kr, &err), MG_ENOENT);
    assert_null(kr);

    mg_free(missing);
    mg_free(retired);
    for (size_t i = 0; i < 3; i++)
        mg_free(keys[i]);
}

static void test_retired_signature_verifies(void **state)
{
    struct fixture *f = *state;
    char id_a[17], id_b[17];
    char *key_a = new_key(f, "a.key", id_a);
    char *key_b = new_key(f, "b.key", id_b);
    static const char msg[] = "{\"body\":\"signed before the rotation\"}";
    const size_t len = strlen(msg);

    /* Key A signs while active. */
    struct mg_keyring *kr = load_ok(key_a, NULL);
    char sig_a[MG_SIGNATURE_B64_LEN];
    mg_keyring_sign(kr, msg, len, sig_a);
    mg_keyring_free(kr);

    /* Rotation: A's public entry into the retired list, B active. */
    char *retired = path_in(f, "retired.yaml");
    mg_test_write_file(retired, "", 0644);
    retire(key_a, retired);
    kr = load_ok(key_b, retired);
    assert_string_equal(mg_keyring_active_id(kr), id_b);
    assert_int_equal(mg_keyring_verify(kr, id_a, msg, len, sig_a), 0);
    /* Under the wrong (active) id it does not verify. */
    assert_int_equal(mg_keyring_verify(kr, id_b, msg, len, sig_a), MG_EINVAL);
    char tampered[MG_SIGNATURE_B64_LEN];
    flip_b64_signature(sig_a, 31, tampered);
    assert_int_equal(mg_keyring_verify(kr, id_a, msg, len, tampered),
                     MG_EINVAL);
    /* New signatures are B's. */
    char sig_b[MG_SIGNATURE_B64_LEN];
    mg_keyring_sign(kr, msg, len, sig_b);
    assert_string_not_equal(sig_a, sig_b);
    assert_int_equal(mg_keyring_verify(kr, id_b, msg, len, sig_b), 0);
    assert_int_equal(mg_keyring_verify(kr, id_a, msg, len, sig_b), MG_EINVAL);
    mg_keyring_free(kr);

    /* Without the retired list, A's signature has no key. */
    kr = load_ok(key_b, NULL);
    assert_int_equal(mg_keyring_verify(kr, id_a, msg, len, sig_a), MG_ENOENT);
    mg_keyring_free(kr);
    mg_free(retired);
    mg_free(key_a);
    mg_free(key_b);
}

static void test_retired_errors(void **state)
{
    struct fixture *f = *state;
    char id_a[17], id_b[17], id_c[17];
    char *key_a = new_key(f, "a.key", id_a);
    char *key_b = new_key(f, "b.key", id_b);
    char *key_c = new_key(f, "c.key", id_c);
    char *entry_a = NULL, *entry_b = NULL, *entry_c = NULL;
    struct mg_error err = {0};
    assert_int_equal(mg_key_public_entry(key_a, &entry_a, &err), 0);
    assert_int_equal(mg_key_public_entry(key_b, &entry_b, &err), 0);
    assert_int_equal(mg_key_public_entry(key_c, &entry_c, &err), 0);
    char pk_a[64], at_a[64], pk_b[64];
    mg_test_yaml_value(entry_a, "public_key", pk_a, sizeof pk_a);
    mg_test_yaml_value(entry_a, "created_at", at_a, sizeof at_a);
    mg_test_yaml_value(entry_b, "public_key", pk_b, sizeof pk_b);
    char upper[17];
    for (size_t i = 0; i < 17; i++)
        upper[i] =
            (char)(id_a[i] >= 'a' && id_a[i] <= 'f' ? id_a[i] - 32 : id_a[i]);
    if (strcmp(upper, id_a) == 0)
        upper[0] = 'A'; /* all digits: any capital letter will do */

        /* Line 1 "- key_id: " is 10 characters, lines 2 and 3 "  public_key: "
         * and "  created_at: " 14: values start at columns 11 and 15. */
#define ENTRY(id, pk, at)                                                      \
    "- key_id: " id "\n  public_key: " pk "\n  created_at: " at "\n"
    char *two = mg_asprintf("%s%s", entry_a, entry_b);
    char *bad_b64 = mg_asprintf(ENTRY("%s", "not*base64!", "%s"), id_a, at_a);
    char *short_pk = mg_asprintf(
        ENTRY("%s", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==", "%s"), id_a,
        at_a);
    char *mismatch =
        mg_asprintf("%s" ENTRY("%s", "%s", "%s"), entry_b, id_a, pk_b, at_a);
    char *upper_id = mg_asprintf(ENTRY("%s", "%s", "%s"), upper, pk_a, at_a);
    char *duplicate = mg_asprintf("%s%s%s", entry_a, entry_b, entry_a);
    char *active = mg_asprintf("%s%s", entry_b, entry_c);
    char *unknown = mg_asprintf("%s  comment: old laptop key\n", entry_a);
    char *missing = mg_asprintf("- key_id: %s\n  public_key: %s\n", id_a, pk_a);
    char *bad_time = mg_asprintf(ENTRY("%s", "%s", "yesterday"), id_a, pk_a);
    char *nested = mg_asprintf(ENTRY("%s", "[%s]", "%s"), id_a, pk_a, at_a);
    char *empty_value = mg_asprintf(ENTRY("%s", "%s", ""), id_a, pk_a);
    char *not_list = mg_asprintf("key_id: %s\npublic_key: %s\n", id_a, pk_a);
    char *quoted = mg_asprintf("- key_id: '%s'\n  public_key: \"%s\"\n"
                               "  created_at: \"%s\"\n",
                               id_a, pk_a, at_a);
    char *flow = mg_asprintf("[{key_id: %s, public_key: '%s', created_at: %s}]",
                             id_a, pk_a, at_a);
#undef ENTRY

    const struct {
        const char *what;
        const char *text;
        int rc;       /* mg_keyring_load with key C active */
        int check_rc; /* mg_keyring_check_retired */
        int line, column;
        const char *message;
    } cases[] = {
        {"two entries", two, 0, 0, 0, 0, ""},
        {"quoted values", quoted, 0, 0, 0, 0, ""},
        {"flow style", flow, 0, 0, 0, 0, ""},
        {"bad base64", bad_b64, MG_EINVAL, MG_EINVAL, 2, 15, "base64"},
        {"31-byte public key", short_pk, MG_EINVAL, MG_EINVAL, 2, 15,
         "exactly 32 bytes"},
        {"key_id mismatch", mismatch, MG_EINVAL, MG_EINVAL, 4, 11,
         "does not match public_key"},
        {"uppercase key_id", upper_id, MG_EINVAL, MG_EINVAL, 1, 11,
         "lowercase"},
        {"duplicate", duplicate, MG_EINVAL, MG_EINVAL, 7, 11,
         "duplicate key_id"},
        /* Only the keyring knows which key is active. */
        {"active key listed", active, MG_EINVAL, 0, 4, 11, "active"},
        {"unknown member", unknown, MG_EINVAL, MG_EINVAL, 4, 3,
         "unknown key \"comment\""},
        {"missing created_at", missing, MG_EINVAL, MG_EINVAL, 1, 3,
         "missing created_at"},
        {"bad created_at", bad_time, MG_EINVAL, MG_EINVAL, 3, 15, "RFC 3339"},
        {"nested value", nested, MG_EINVAL, MG_EINVAL, 2, 3,
         "single text value"},
        {"empty value", empty_value, MG_EINVAL, MG_EINVAL, 3, 3,
         "single text value"},
        {"not a list", not_list, MG_EINVAL, MG_EINVAL, 1, 1, "not a list"},
        {"a word", "retired\n", MG_EINVAL, MG_EINVAL, 1, 1, "not a list"},
        {"entry not a mapping", "- 5f1c9a3e0d2b7c44\n", MG_EINVAL, MG_EINVAL, 1,
         3, "must be a mapping"},
        {"YAML syntax", "- key_id: [\n", MG_EINVAL, MG_EINVAL, 2, 1, ""},
        {"invalid UTF-8", "# \xff\n", MG_EINVAL, MG_EINVAL, 1, 3, ""},
    };
    char *retired = path_in(f, "retired.yaml");
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        mg_test_write_file(retired, cases[i].text, 0644);
        memset(&err, 0, sizeof err);
        int rc = mg_keyring_check_retired(retired, &err);
        if (rc != cases[i].check_rc)
            fail_msg("%s: check rc %d, want %d (%d:%d %s)", cases[i].what, rc,
                     cases[i].check_rc, err.line, err.column, err.message);
        memset(&err, 0, sizeof err);
        struct mg_keyring *kr = NULL;
        rc = mg_keyring_load(key_c, retired, &kr, &err);
        if (rc != cases[i].rc)
            fail_msg("%s: load rc %d, want %d (%d:%d %s)", cases[i].what, rc,
                     cases[i].rc, err.line, err.column, err.message);
        if (rc == 0) {
            assert_non_null(kr);
            mg_keyring_free(kr);
            continue;
        }
        assert_null(kr);
        mg_test_expect_error(cases[i].what, &err, retired, cases[i].line,
                             cases[i].column, cases[i].message);
    }
    /* The duplicate's message points back at the first listing. */
    mg_test_write_file(retired, duplicate, 0644);
    assert_int_equal(mg_keyring_check_retired(retired, &err), MG_EINVAL);
    assert_non_null(strstr(err.message, "first listed on line 1"));

    char *all[] = {two,      bad_b64, short_pk, mismatch, upper_id, duplicate,
                   active,   unknown, missing,  bad_time, nested,   empty_value,
                   not_list, quoted,  flow,     entry_a,  entry_b,  entry_c,
                   retired,  key_a,   key_b,    key_c};
    for (size_t i = 0; i < ARRAY_LEN(all); i++)
        mg_free(all[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_secret_memory),
        cmocka_unit_test(test_sign_detached),
        cmocka_unit_test_setup_teardown(test_sign_and_verify, setup, mg_test_teardown_dir),
        cmocka_unit_test_setup_teardown(test_json_lists_derived_public_key, setup, mg_test_teardown_dir),
        cmocka_unit_test_setup_teardown(test_active_key_file, setup, mg_test_teardown_dir),
        cmocka_unit_test_setup_teardown(test_docs_vector, setup, mg_test_teardown_dir),
        cmocka_unit_test_setup_teardown(test_key_load_and_entry, setup, mg_test_teardown_dir),
        cmocka_unit_test_setup_teardown(test_retired_listed, setup, mg_test_teardown_dir),
        cmocka_unit_test_setup_teardown(test_retired_signature_verifies, setup, mg_test_teardown_dir),
        cmocka_unit_test_setup_teardown(test_retired_errors, setup, mg_test_teardown_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
