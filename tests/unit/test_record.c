/* test_record.c: the comment record (src/core/record.c): statuses, the
 * moderators' moves, the JSON a submission stores, and the signature, which
 * the keyring must verify over the RFC 8785 message of the signed fields.
 * Expected values are worked out from docs/api.md (the record shows every
 * member, null where it has no value). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "modgate/alloc.h"
#include "modgate/canon.h"
#include "modgate/crypto.h"
#include "modgate/keyring.h"
#include "modgate/keys.h"
#include "modgate/record.h"
#include "testutil.h"

static void test_status_names(void **state)
{
    (void)state;
    static const char *const names[] = {"published", "pending", "rejected", "removed",
                                         "deleted"};
    for (size_t i = 0; i < ARRAY_LEN(names); i++) {
        enum mg_record_status s;
        assert_true(mg_record_status_parse(names[i], &s));
        assert_int_equal(s, (int)i);
        assert_string_equal(mg_record_status_name(s), names[i]);
    }
    enum mg_record_status s;
    assert_false(mg_record_status_parse("Published", &s));
    assert_false(mg_record_status_parse("", &s));
    assert_false(mg_record_status_parse(NULL, &s));
}

/* docs/moderation.md: approve takes pending and rejected to published;
 * reject takes pending to rejected and published to removed; the rest is a
 * conflict. */
static void test_moves(void **state)
{
    (void)state;
    static const struct {
        enum mg_record_status from;
        enum mg_record_verb verb;
        bool applies;
        enum mg_record_status to;
        const char *action;
    } cases[] = {
        {MG_RECORD_PENDING, MG_RECORD_APPROVE, true, MG_RECORD_PUBLISHED, "approve"},
        {MG_RECORD_REJECTED, MG_RECORD_APPROVE, true, MG_RECORD_PUBLISHED, "approve"},
        {MG_RECORD_PUBLISHED, MG_RECORD_APPROVE, false, 0, NULL},
        {MG_RECORD_REMOVED, MG_RECORD_APPROVE, false, 0, NULL},
        {MG_RECORD_PENDING, MG_RECORD_REJECT, true, MG_RECORD_REJECTED, "reject"},
        {MG_RECORD_PUBLISHED, MG_RECORD_REJECT, true, MG_RECORD_REMOVED, "remove"},
        {MG_RECORD_REJECTED, MG_RECORD_REJECT, false, 0, NULL},
        {MG_RECORD_REMOVED, MG_RECORD_REJECT, false, 0, NULL},
        /* a tombstone (deleted by its author, or erased) is decided no more */
        {MG_RECORD_DELETED, MG_RECORD_APPROVE, false, 0, NULL},
        {MG_RECORD_DELETED, MG_RECORD_REJECT, false, 0, NULL},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        enum mg_record_status to = MG_RECORD_PENDING;
        const char *action = NULL;
        bool applies = mg_record_decide(cases[i].from, cases[i].verb, &to, &action);
        if (applies != cases[i].applies)
            fail_msg("case %zu: applies %d", i, applies);
        if (applies) {
            assert_int_equal(to, cases[i].to);
            assert_string_equal(action, cases[i].action);
        }
    }
}

static const struct mg_record_fields FIELDS = {
    .id = "01890000-0000-7000-8000-000000000001",
    .article_id = "art-1",
    .author_id = "u-1",
    .author_name = NULL,
    .body = "Caf\xc3\xa9 \"quoted\"",
    .parent_id = NULL,
    .created_at = "2026-12-07T10:00:00.000Z",
};

static void test_json_members_in_order(void **state)
{
    (void)state;
    json_t *matches = json_array();
    struct mg_record_new r = {.fields = FIELDS, .status = MG_RECORD_PENDING, .score = 3.5,
                              .matches = matches, .rules_version = "r-0123456789ab"};
    json_t *rec = mg_record_json(&r);
    char *text = json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER);
    assert_string_equal(
        text, "{\"id\":\"01890000-0000-7000-8000-000000000001\",\"article_id\":\"art-1\","
              "\"author_id\":\"u-1\",\"author_name\":null,\"body\":\"Caf\xc3\xa9 \\\"quoted\\\"\","
              "\"parent_id\":null,\"created_at\":\"2026-12-07T10:00:00.000Z\","
              "\"edited_at\":null,\"revision\":1,\"status\":\"pending\",\"score\":3.5,\"matches\":[],\"key_id\":null,"
              "\"signature\":null,\"rules_version\":\"r-0123456789ab\",\"decision\":null}");
    free(text); /* jansson's allocator */
    json_decref(rec);
    /* a key id without a signature is not a signed record */
    r.key_id = "k1";
    rec = mg_record_json(&r);
    assert_true(json_is_null(json_object_get(rec, "key_id")));
    json_decref(rec);
    json_decref(matches);
}

/* mg_record_dump writes, without a tree, what json_dumps writes of
 * mg_record_json: with and without the optional members, a signature,
 * an edit, scores of every shape and matches with nested explanations. */
static void same_as_tree(const struct mg_record_new *r)
{
    json_t *rec = mg_record_json(r);
    char *theirs = json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER);
    char *ours = mg_record_dump(r);
    assert_string_equal(ours, theirs);
    free(theirs); /* jansson's allocator */
    mg_free(ours);
    json_decref(rec);
}

static void test_dump_is_the_tree_s_text(void **state)
{
    (void)state;
    json_t *none = json_array();
    json_t *some = json_pack(
        "[{s:s, s:f, s:s, s:s, s:[i,i]}, {s:s, s:f, s:n, s:s, s:n, s:[{s:s, s:f, "
        "s:[{s:s, s:f, s:[i,i]}]}]}]",
        "rule", "abuse.insult", "score", 5.0, "action", "hold", "reason", "insult \"x\"",
        "span", 4, 9, "rule", "model.abuse", "score", 0.1, "action", "reason",
        "the model\nsays", "span", "model", "head", "abuse", "score", 0.99912345678,
        "features", "feature", "w1:바보", "weight", 1.25e-7, "span", 0, 2);
    assert_non_null(some);
    static const double scores[] = {0, 3.5, 0.1, 1.0 / 3, 12, -2, 1e-9, 123456789.125};
    struct mg_record_new r = {.fields = FIELDS, .status = MG_RECORD_PENDING,
                              .matches = none, .rules_version = "r-0123456789ab"};
    for (size_t i = 0; i < sizeof scores / sizeof scores[0]; i++) {
        r.score = scores[i];
        same_as_tree(&r);
    }
    r.matches = some;
    same_as_tree(&r);
    r.status = MG_RECORD_PUBLISHED;
    r.key_id = "5f1c9a3e0d2b7c44";
    r.signature = "O7Eu2jwpjbXeJVl/VNkk8uF+eKJq2JU+2CGO5oLwu76QIeLzAJ0VLJEb8fJexoOpAnFBZnZ6+9jlvQ+wEk7Lig==";
    same_as_tree(&r);
    r.fields.author_name = "Minji \t\x01 민지";
    r.fields.parent_id = "01890000-0000-7000-8000-000000000002";
    r.fields.body = "line\r\nbreak, \"quote\", back\\slash, tab\t, 🦊, \x7f";
    r.fields.revision = 3;
    r.fields.edited_at = "2026-12-07T10:05:00.000Z";
    same_as_tree(&r);
    json_decref(none);
    json_decref(some);
}

static struct mg_keyring *test_keyring(const struct fixture *f)
{
    char *path = mg_asprintf("%s/key.yaml", f->dir);
    char id[17];
    struct mg_error err = {0};
    if (mg_key_generate_file(path, id, &err) != 0)
        fail_msg("keygen: %s", err.message);
    struct mg_keyring *kr = NULL;
    if (mg_keyring_load(path, NULL, &kr, &err) != 0)
        fail_msg("keyring: %s", err.message);
    mg_free(path);
    return kr;
}

/* Whatever signs, the keyring verifies it over the canonical message of
 * exactly these fields and key id; a changed body fails. */
static void test_signature_verifies(void **state)
{
    struct mg_keyring *kr = test_keyring(*state);
    const char *key_id;
    char signature[MG_SIGNATURE_B64_LEN];
    mg_record_sign(kr, &FIELDS, &key_id, signature);
    assert_string_equal(key_id, mg_keyring_active_id(kr));
    struct mg_signed_fields sf = {FIELDS.id, FIELDS.article_id, FIELDS.author_id,
                                  FIELDS.author_name, FIELDS.body, FIELDS.parent_id,
                                  FIELDS.created_at, key_id, 0, NULL};
    size_t len;
    char *message = mg_canon_signed_message(&sf, &len);
    assert_int_equal(mg_keyring_verify(kr, key_id, message, len, signature), 0);
    mg_free(message);
    sf.body = "Cafe \"quoted\"";
    message = mg_canon_signed_message(&sf, &len);
    assert_int_equal(mg_keyring_verify(kr, key_id, message, len, signature), MG_EINVAL);
    mg_free(message);

    /* an approval signs the stored record: the same signature as at once */
    json_t *matches = json_array();
    struct mg_record_new r = {.fields = FIELDS, .status = MG_RECORD_PENDING,
                              .matches = matches, .rules_version = "r-0"};
    json_t *rec = mg_record_json(&r);
    mg_record_sign_json(kr, rec);
    assert_string_equal(json_string_value(json_object_get(rec, "key_id")), key_id);
    assert_string_equal(json_string_value(json_object_get(rec, "signature")), signature);
    json_decref(rec);
    json_decref(matches);
    mg_keyring_free(kr);
}

static int setup(void **state)
{
    return mg_crypto_init() == 0 ? mg_test_setup_dir(state) : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_names),
        cmocka_unit_test(test_moves),
        cmocka_unit_test(test_json_members_in_order),
        cmocka_unit_test(test_dump_is_the_tree_s_text),
        cmocka_unit_test_setup_teardown(test_signature_verifies, setup, mg_test_teardown_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
