/* test_keys.c: key files: keygen, mode, key_id, tampering, bad fields. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "modgate/alloc.h"
#include "modgate/crypto.h"
#include "modgate/files.h"
#include "modgate/keys.h"

static char *read_all(const char *path)
{
    char *text = NULL;
    size_t len = 0;
    struct mg_error err = {0};
    assert_int_equal(mg_file_read(path, 65536, &text, &len, &err), 0);
    return text;
}

static void test_generate_and_check(void **state)
{
    struct fixture *f = *state;
    char path[128];
    snprintf(path, sizeof path, "%s/signing.key", f->dir);
    char id[17] = {0};
    struct mg_error err = {0};
    int rc = mg_key_generate_file(path, id, &err);
    if (rc != 0)
        fail_msg("generate: %d %s", rc, err.message);

    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);

    assert_int_equal(strlen(id), 16);
    assert_int_equal(strspn(id, "0123456789abcdef"), 16);

    char checked[17] = {0};
    rc = mg_key_check_file(path, checked, &err);
    if (rc != 0)
        fail_msg("check: %d %s", rc, err.message);
    assert_string_equal(checked, id);
    assert_int_equal(mg_key_check_file(path, NULL, &err), 0);

    /* Recompute the id from the file's seed: first 8 bytes of SHA-256 of the
     * Ed25519 public key, in lowercase hex. */
    char *text = read_all(path);
    char seed_b64[128], key_id[64], algorithm[32], created[64];
    mg_test_yaml_value(text, "seed", seed_b64, sizeof seed_b64);
    mg_test_yaml_value(text, "key_id", key_id, sizeof key_id);
    mg_test_yaml_value(text, "algorithm", algorithm, sizeof algorithm);
    mg_test_yaml_value(text, "created_at", created, sizeof created);
    assert_string_equal(algorithm, "Ed25519");
    assert_string_equal(key_id, id);
    assert_int_equal(strlen(created), 24);
    assert_int_equal(created[23], 'Z');
    assert_int_equal(text[0], '#');
    uint8_t seed[32], pk[32], sk[64], digest[32];
    assert_int_equal(
        mg_crypto_base64_decode(seed_b64, strlen(seed_b64), seed, 32), 0);
    mg_crypto_ed25519_from_seed(seed, pk, sk);
    mg_crypto_sha256(pk, sizeof pk, digest);
    char hex[17];
    mg_crypto_hex(digest, 8, hex);
    assert_string_equal(hex, id);
    mg_free(text);

    /* Two keys differ. */
    char other_path[160], other_id[17];
    snprintf(other_path, sizeof other_path, "%s/other.key", f->dir);
    assert_int_equal(mg_key_generate_file(other_path, other_id, &err), 0);
    assert_string_not_equal(other_id, id);
    unlink(other_path);
}

static void test_refuses_overwrite(void **state)
{
    struct fixture *f = *state;
    char path[128];
    snprintf(path, sizeof path, "%s/signing.key", f->dir);
    char id[17];
    struct mg_error err = {0};
    assert_int_equal(mg_key_generate_file(path, id, &err), 0);
    char *before = read_all(path);
    assert_int_equal(mg_key_generate_file(path, id, &err), MG_EEXIST);
    assert_string_equal(err.file, path);
    assert_non_null(strstr(err.message, "refusing to overwrite"));
    char *after = read_all(path);
    assert_string_equal(before, after);
    mg_free(before);
    mg_free(after);

    /* A missing directory is an error, not a crash. */
    char bad[200];
    snprintf(bad, sizeof bad, "%s/no/such/dir.key", f->dir);
    assert_int_equal(mg_key_generate_file(bad, id, &err), MG_ENOENT);
}

static void test_modes(void **state)
{
    struct fixture *f = *state;
    char path[128];
    snprintf(path, sizeof path, "%s/signing.key", f->dir);
    char id[17];
    struct mg_error err = {0};
    assert_int_equal(mg_key_generate_file(path, id, &err), 0);

    const struct {
        mode_t mode;
        int rc;
    } cases[] = {
        {0600, 0},        {0640, 0},        {0400, 0},        {0644, MG_EPERM},
        {0660, MG_EPERM}, {0606, MG_EPERM}, {0700, MG_EPERM},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(chmod(path, cases[i].mode), 0);
        int rc = mg_key_check_file(path, NULL, &err);
        if (rc != cases[i].rc)
            fail_msg("mode %04o: rc %d, want %d (%s)", (unsigned)cases[i].mode,
                     rc, cases[i].rc, err.message);
        if (rc == MG_EPERM) {
            assert_non_null(strstr(err.message, "chmod 600"));
            assert_int_equal(err.line, 0);
        }
    }
    unlink(path);
    assert_int_equal(mg_key_check_file(path, NULL, &err), MG_ENOENT);
}

static void test_malformed(void **state)
{
    struct fixture *f = *state;
    char path[128];
    snprintf(path, sizeof path, "%s/signing.key", f->dir);
    /* A real key, to build tampered copies from. */
    char id[17];
    struct mg_error err = {0};
    assert_int_equal(mg_key_generate_file(path, id, &err), 0);
    char *text = read_all(path);
    char seed[128];
    mg_test_yaml_value(text, "seed", seed, sizeof seed);
    mg_free(text);
    /* A different valid-looking id: flip the last hex digit. */
    char wrong_id[17];
    memcpy(wrong_id, id, sizeof wrong_id);
    wrong_id[15] = wrong_id[15] == '0' ? '1' : '0';

    char tampered[512], short_seed[512], bad_b64[512], upper[512], algo[512],
        missing[512], extra[512], quoted[512];
    /* Line 1 comment, 2 algorithm, 3 key_id, 4 created_at, 5 seed. */
    snprintf(tampered, sizeof tampered,
             "# k\nalgorithm: Ed25519\nkey_id: %s\ncreated_at: x\nseed: %s\n",
             wrong_id, seed);
    snprintf(short_seed, sizeof short_seed,
             "# k\nalgorithm: Ed25519\nkey_id: %s\ncreated_at: x\n"
             "seed: AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==\n",
             id); /* 31 bytes */
    snprintf(bad_b64, sizeof bad_b64,
             "# k\nalgorithm: Ed25519\nkey_id: %s\ncreated_at: x\nseed: "
             "not*base64!\n",
             id);
    snprintf(upper, sizeof upper,
             "algorithm: Ed25519\nkey_id: ABCDEF0123456789\nseed: %s\n", seed);
    snprintf(algo, sizeof algo, "algorithm: RSA\nkey_id: %s\nseed: %s\n", id,
             seed);
    snprintf(missing, sizeof missing, "algorithm: Ed25519\nkey_id: %s\n", id);
    snprintf(extra, sizeof extra,
             "algorithm: Ed25519\nkey_id: %s\nseed: %s\nowner: me\n", id, seed);
    /* Quoted values are fine. */
    snprintf(quoted, sizeof quoted,
             "algorithm: \"Ed25519\"\nkey_id: '%s'\nseed: \"%s\"\n", id, seed);

    const struct {
        const char *what;
        const char *text;
        int rc, line, column;
        const char *message;
    } cases[] = {
        /* "key_id: " is 8 characters: the value starts at column 9. */
        {"tampered key_id", tampered, MG_EINVAL, 3, 9,
         "key_id does not match the key"},
        /* "seed: " is 6 characters. */
        {"31-byte seed", short_seed, MG_EINVAL, 5, 7, "exactly 32 bytes"},
        {"bad base64", bad_b64, MG_EINVAL, 5, 7, "base64"},
        {"uppercase key_id", upper, MG_EINVAL, 2, 9, "lowercase"},
        {"algorithm", algo, MG_EINVAL, 1, 12, "only Ed25519"},
        {"missing seed", missing, MG_EINVAL, 0, 0, "missing seed"},
        {"unknown key", extra, MG_EINVAL, 4, 1, "unknown key"},
        {"YAML syntax", "algorithm: [Ed25519\n", MG_EINVAL, 2, 1, ""},
        /* "é" starts at column 3 of line 2. */
        {"non-ASCII", "algorithm: Ed25519\n# \xc3\xa9\n", MG_EINVAL, 2, 3,
         "printable ASCII"},
        {"not a mapping", "- a\n- b\n", MG_EINVAL, 0, 0, "not a key file"},
        /* A value that is not a single text points at its key: an empty
         * one (it has no place of its own), ~ (YAML's null), a list. */
        {"empty value", "algorithm: Ed25519\nkey_id:\n", MG_EINVAL, 2, 1,
         "must be a single text value"},
        {"null value", "algorithm: ~\n", MG_EINVAL, 1, 1,
         "must be a single text value"},
        {"list value", "algorithm: Ed25519\nseed: [a]\n", MG_EINVAL, 2, 1,
         "must be a single text value"},
        {"key not a word", "? [a]\n: b\n", MG_EINVAL, 1, 4,
         "keys must be plain words"},
        {"empty", "", MG_EINVAL, 0, 0, "empty"},
        {"quoted ok", quoted, 0, 0, 0, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mg_test_write_file(path, cases[i].text, 0600);
        memset(&err, 0, sizeof err);
        int rc = mg_key_check_file(path, NULL, &err);
        if (rc != cases[i].rc)
            fail_msg("%s: rc %d, want %d (%d:%d %s)", cases[i].what, rc,
                     cases[i].rc, err.line, err.column, err.message);
        if (rc == 0)
            continue;
        if (err.line != cases[i].line || err.column != cases[i].column)
            fail_msg("%s: at %d:%d, want %d:%d (%s)", cases[i].what, err.line,
                     err.column, cases[i].line, cases[i].column, err.message);
        if (!strstr(err.message, cases[i].message))
            fail_msg("%s: message \"%s\" lacks \"%s\"", cases[i].what,
                     err.message, cases[i].message);
        assert_string_equal(err.file, path);
        /* The seed never appears in a message. */
        if (strstr(err.message, seed))
            fail_msg("%s: message leaks the seed", cases[i].what);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_generate_and_check, mg_test_setup_dir, mg_test_teardown_dir),
        cmocka_unit_test_setup_teardown(test_refuses_overwrite, mg_test_setup_dir, mg_test_teardown_dir),
        cmocka_unit_test_setup_teardown(test_modes, mg_test_setup_dir, mg_test_teardown_dir),
        cmocka_unit_test_setup_teardown(test_malformed, mg_test_setup_dir, mg_test_teardown_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
