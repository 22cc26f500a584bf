/* fuzz_submission.c: bytes as the body of POST /v1/comments (and of PATCH
 * /v1/comments/{id}, an edit); what passes must hold what docs/api.md
 * promises, and its signed message must be JSON that reads back to the
 * same strings. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "modgate/alloc.h"
#include "modgate/canon.h"
#include "modgate/submission.h"
#include "modgate/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_utf8(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t len = strlen(s);
    for (size_t i = 0; i < len;) {
        size_t n = mg_utf8_seq_len(u + i, len - i);
        if (n == 0)
            __builtin_trap();
        i += n;
    }
}

static void check_id(const char *s)
{
    size_t len = strlen(s);
    if (len < 1 || len > 128)
        __builtin_trap();
    for (size_t i = 0; i < len; i++)
        if (s[i] < 0x21 || s[i] > 0x7e)
            __builtin_trap();
}

static void check_member(json_t *obj, const char *key, const char *want)
{
    json_t *v = json_object_get(obj, key);
    if (want == NULL) {
        if (!json_is_null(v))
            __builtin_trap();
        return;
    }
    if (!json_is_string(v) || json_string_length(v) != strlen(want) ||
        memcmp(json_string_value(v), want, strlen(want)) != 0)
        __builtin_trap();
}

/* A refused body: a 400 or 422 with a code, and a detail that can go
 * into a JSON response. */
static void check_refusal(int rc, const struct mg_submission *s,
                          const struct mg_submission_error *err)
{
    if (rc != MG_EINVAL || s->body != NULL || err->code == NULL)
        __builtin_trap();
    if (err->status == 422 && (err->unit == NULL || err->field != NULL))
        __builtin_trap();
    if (err->status != 400 && err->status != 422)
        __builtin_trap();
    check_utf8(err->detail);
}

/* The same bytes as the body of PATCH /v1/comments/{id}: no article_id
 * comes out of it, and the author and body hold what a submission's do. */
static void check_edit(const uint8_t *data, size_t size)
{
    static const struct mg_submission_limits limits = {300, 4096, false, true};
    struct mg_submission s;
    struct mg_submission_error err;
    int rc = mg_submission_parse((const char *)data, size, &limits, &s, &err);
    if (rc != MG_OK) {
        check_refusal(rc, &s, &err);
        return;
    }
    if (s.article_id != NULL)
        __builtin_trap();
    check_id(s.author_id);
    if (s.body_bytes != strlen(s.body) || s.body_bytes > limits.max_bytes ||
        s.body_chars < 1 || s.body_chars > limits.max_chars)
        __builtin_trap();
    check_utf8(s.body);
    mg_submission_close(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_edit(data, size);
    static const struct mg_submission_limits limits = {300, 4096, false, false};
    struct mg_submission s;
    struct mg_submission_error err;
    int rc = mg_submission_parse((const char *)data, size, &limits, &s, &err);
    if (rc != MG_OK) {
        check_refusal(rc, &s, &err);
        return 0;
    }

    check_id(s.article_id);
    check_id(s.author_id);
    /* parent_id may be any valid UTF-8 string: the handler answers 422
     * invalid_parent for one that is not a comment's id */
    if (s.parent_id)
        check_utf8(s.parent_id);
    if (s.body_bytes != strlen(s.body) || s.body_bytes > limits.max_bytes ||
        s.body_chars < 1 || s.body_chars > limits.max_chars ||
        s.body_chars > s.body_bytes)
        __builtin_trap();
    check_utf8(s.body);
    if (s.author_name)
        check_utf8(s.author_name);
    if (s.user_agent && strlen(s.user_agent) > 512)
        __builtin_trap();

    const struct mg_signed_fields f = {
        .id = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
        .article_id = s.article_id,
        .author_id = s.author_id,
        .author_name = s.author_name,
        .body = s.body,
        .parent_id = s.parent_id,
        .created_at = "2026-11-29T18:49:26.123Z",
        .key_id = "5f1c9a3e0d2b7c44",
    };
    size_t len = 0;
    char *msg = mg_canon_signed_message(&f, &len);
    if (len != strlen(msg))
        __builtin_trap();
    json_error_t jerr;
    json_t *back = json_loadb(msg, len, JSON_REJECT_DUPLICATES, &jerr);
    if (back == NULL || json_object_size(back) != 9 ||
        json_integer_value(json_object_get(back, "v")) != 1)
        __builtin_trap();
    check_member(back, "article_id", s.article_id);
    check_member(back, "author_id", s.author_id);
    check_member(back, "author_name", s.author_name);
    check_member(back, "body", s.body);
    check_member(back, "parent_id", s.parent_id);
    json_decref(back);
    mg_free(msg);
    mg_submission_close(&s);
    return 0;
}
