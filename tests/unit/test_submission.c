/* test_submission.c: decoding and validating a submission (docs/api.md
 * "Submitting a comment"): every field's valid and invalid forms, strict
 * JSON, the order of the checks, and the body's length limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "modgate/alloc.h"
#include "modgate/buf.h"
#include "modgate/submission.h"

static const struct mg_submission_limits limits = {300, 4096, false, false};

/* Explicit lengths so that bodies with NUL or invalid bytes can be cases. */
#define S(lit) lit, sizeof(lit) - 1

/* A valid object with one member more (or one replaced: the later copy of a
 * key is a duplicate, so the required ones are written out where needed). */
#define BASE         "\"article_id\":\"a-1\",\"author_id\":\"u-1\",\"body\":\"hi\""
#define WITH(member) "{" BASE "," member "}"
#define WITHOUT_BODY(member)                                                   \
    "{\"article_id\":\"a-1\",\"author_id\":\"u-1\"," member "}"

/* "x" repeated n times; caller owns the result. */
static char *repeat(const char *s, size_t n)
{
    struct mg_buf b;
    mg_buf_init(&b, SIZE_MAX);
    for (size_t i = 0; i < n; i++)
        mg_buf_adds(&b, s);
    return mg_buf_take(&b, NULL);
}

/* A submission whose body (already JSON-escaped) is body_json. */
static char *with_body(const char *body_json)
{
    return mg_asprintf("{\"article_id\":\"a-1\",\"author_id\":\"u-1\","
                       "\"body\":\"%s\"}",
                       body_json);
}

struct refusal {
    const char *what;
    const char *json;
    size_t len;
    const char *field; /* NULL: no field at fault */
};

/* Each case must be refused with 400 invalid_request naming field. */
static void expect_400(const struct refusal *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct mg_submission s;
        struct mg_submission_error err;
        int rc =
            mg_submission_parse(cases[i].json, cases[i].len, &limits, &s, &err);
        if (rc != MG_EINVAL)
            fail_msg("%s: accepted (rc %d)", cases[i].what, rc);
        if (err.status != 400 || strcmp(err.code, "invalid_request") != 0)
            fail_msg("%s: %d %s, want 400 invalid_request", cases[i].what,
                     err.status, err.code);
        const char *want = cases[i].field ? cases[i].field : "(null)";
        const char *got = err.field ? err.field : "(null)";
        if (strcmp(want, got) != 0)
            fail_msg("%s: field %s, want %s (detail: %s)", cases[i].what, got,
                     want, err.detail);
        if (err.detail[0] == '\0' || err.unit != NULL)
            fail_msg("%s: detail \"%s\"", cases[i].what, err.detail);
        /* *out is left empty */
        assert_null(s.article_id);
        assert_null(s.body);
    }
}

static void test_malformed_json(void **state)
{
    (void)state;
    static const struct refusal cases[] = {
        {"empty", S(""), NULL},
        {"whitespace", S(" \n"), NULL},
        {"unclosed", S("{\"article_id\":\"a\""), NULL},
        {"trailing garbage", S("{" BASE "} x"), NULL},
        {"two objects", S("{" BASE "}{}"), NULL},
        {"trailing comma", S("{" BASE ",}"), NULL},
        {"single quotes", S("{'body':'x'}"), NULL},
        {"comment", S("{" BASE "/* c */}"), NULL},
        {"duplicate body", S(WITH("\"body\":\"again\"")), NULL},
        {"duplicate unknown member", S(WITH("\"x\":1,\"x\":1")), NULL},
        {"duplicate via escape", S(WITH("\"bod\\u0079\":\"again\"")), NULL},
        /* a string that is not Unicode names its member (docs/api.md) */
        {"invalid UTF-8 in body", S(WITHOUT_BODY("\"body\":\"a\xff\"")), "body"},
        {"overlong UTF-8", S(WITHOUT_BODY("\"body\":\"\xc0\xaf\"")), "body"},
        {"UTF-8 surrogate", S(WITHOUT_BODY("\"body\":\"\xed\xa0\x80\"")), "body"},
        {"truncated UTF-8", S(WITHOUT_BODY("\"body\":\"\xe2\x82\"")), "body"},
        {"lone high surrogate", S(WITHOUT_BODY("\"body\":\"\\ud800\"")), "body"},
        {"lone low surrogate", S(WITHOUT_BODY("\"body\":\"\\udc00x\"")), "body"},
        {"reversed pair", S(WITHOUT_BODY("\"body\":\"\\ude00\\ud83d\"")), "body"},
        {"high surrogate, then not a low one",
         S(WITHOUT_BODY("\"body\":\"\\ud83d\\u0041\"")), "body"},
        {"bad author_name after a good pair",
         S(WITH("\"author_name\":\"\\ud83d\\ude00 \xff\"")), "author_name"},
        {"bad user_agent", S(WITH("\"user_agent\":\"\\udfff\"")), "user_agent"},
        {"bad parent_id", S(WITH("\"parent_id\":\"\xc3\"")), "parent_id"},
        /* "\\ud800" is a backslash and "ud800": fine; the bad byte is
         * in body */
        {"escaped backslash before u",
         S(WITHOUT_BODY("\"author_name\":\"\\\\ud800\",\"body\":\"\xff\"")), "body"},
        /* the private-use character that marks the bad place is in the
         * text already, raw and escaped: another one is used */
        {"marker already there",
         S(WITHOUT_BODY("\"author_name\":\"\xee\x80\x80 \\ue001\",\"body\":\"\xff\"")),
         "body"},
        /* no member of ours to name */
        {"invalid UTF-8 in an unknown member", S(WITH("\"x\":\"\xff\"")), NULL},
        {"invalid UTF-8 deeper down", S(WITH("\"x\":{\"body\":\"\xff\"}")), NULL},
        {"invalid UTF-8 in a key", S(WITH("\"\xfe\":1")), NULL},
        {"invalid UTF-8 in a key with a string", S(WITH("\"\xfe\":\"\xff\"")), NULL},
        {"invalid UTF-8 outside strings", S("{" BASE "\xff}"), NULL},
        {"invalid UTF-8 and a syntax error", S(WITHOUT_BODY("\"body\":\"\xff\",}")), NULL},
        {"escaped NUL in body", S(WITHOUT_BODY("\"body\":\"a\\u0000b\"")),
         NULL},
        {"escaped NUL in an unknown member", S(WITH("\"x\":\"\\u0000\"")),
         NULL},
        {"escaped NUL in a key", S(WITH("\"x\\u0000\":1")), NULL},
        {"raw NUL in body", S(WITHOUT_BODY("\"body\":\"a\0b\"")), NULL},
        {"raw newline in body", S(WITHOUT_BODY("\"body\":\"a\nb\"")), NULL},
        {"bad escape", S(WITHOUT_BODY("\"body\":\"\\x41\"")), NULL},
        {"NaN", S(WITH("\"x\":NaN")), NULL},
        /* jansson refuses numbers it cannot hold, even in unknown members */
        {"huge integer", S(WITH("\"x\":123456789012345678901234567890")), NULL},
        /* not an object */
        {"array", S("[" BASE "]"), NULL},
        {"empty array", S("[]"), NULL},
        {"string", S("\"hello\""), NULL},
        {"number", S("42"), NULL},
        {"null", S("null"), NULL},
        {"true", S("true"), NULL},
    };
    expect_400(cases, sizeof cases / sizeof cases[0]);
}

/* A text that holds every marker the field finder could use (U+E000 to
 * U+E0FF, here as hex digits) names no field, rather than a wrong one. */
static void test_bad_text_with_every_marker_taken(void **state)
{
    (void)state;
    struct mg_buf b;
    mg_buf_init(&b, SIZE_MAX);
    mg_buf_adds(&b, "{\"article_id\":\"a-1\",\"author_id\":\"u-1\",\"x\":\"");
    for (unsigned cp = 0xe000; cp < 0xe100; cp++) {
        char hex[8];
        snprintf(hex, sizeof hex, "%04x ", cp);
        mg_buf_adds(&b, hex);
    }
    mg_buf_adds(&b, "\",\"body\":\"\xff\"}");
    size_t len;
    char *json = mg_buf_take(&b, &len);
    struct mg_submission s;
    struct mg_submission_error err;
    assert_int_equal(mg_submission_parse(json, len, &limits, &s, &err), MG_EINVAL);
    assert_int_equal(err.status, 400);
    assert_null(err.field);
    /* one marker free (U+E0FF left out): the body is named */
    char *hole = strstr(json, "e0ff ");
    memcpy(hole, "zzzz ", 5);
    assert_int_equal(mg_submission_parse(json, len, &limits, &s, &err), MG_EINVAL);
    assert_non_null(err.field);
    assert_string_equal(err.field, "body");
    mg_free(json);
}

/* The detail names jansson's reason and the place, and stays valid UTF-8
 * without controls even when jansson quotes broken input. */
static void test_json_error_detail(void **state)
{
    (void)state;
    static const struct {
        const char *json;
        size_t len;
        const char *want;
    } cases[] = {
        {S(WITH("\"body\":\"again\"")),
         "Request body is not valid JSON: duplicate object key near "
         "'\"body\"' (line 1, column 56)."},
        {S(WITHOUT_BODY("\"body\":\"\\ud800\"")),
         "The member \"body\" is not valid UTF-8 text."},
        {S(WITH("\"x\":\"\\ud800\"")),
         "Request body is not valid JSON: invalid Unicode '\\uD800' near "
         "'\"\\ud800\"' (line 1, column 62)."},
        {S(WITHOUT_BODY("\"body\":\"\\u0000\"")),
         "Request body is not valid JSON: \\u0000 is not allowed without "
         "JSON_ALLOW_NUL near '\"\\u0000\"' (line 1, column 53)."},
        {S(WITHOUT_BODY("\"body\":\"a\x01\"")),
         "Request body is not valid JSON: control character 0x1 near "
         "'\"a' (line 1, column 47)."},
        {S("{\n\"body\":\"x\",\n\"body\":1}"),
         "Request body is not valid JSON: duplicate object key near "
         "'\"body\"' (line 3, column 6)."},
        {S(""), "Request body is not valid JSON: '[' or '{' expected near "
                "end of file (line 1, column 0)."},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct mg_submission s;
        struct mg_submission_error err;
        assert_int_equal(
            mg_submission_parse(cases[i].json, cases[i].len, &limits, &s, &err),
            MG_EINVAL);
        assert_string_equal(err.detail, cases[i].want);
    }

    /* Broken UTF-8 inside what jansson quotes: never copied raw. */
    static const char *const broken[] = {
        "{\"\xe2\x82",
        "{\"a\xff\":1}",
        "{\"b\":\"\xf0\x9f\x98\"}",
        "[\"\xc3",
    };
    for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++) {
        struct mg_submission s;
        struct mg_submission_error err;
        assert_int_equal(mg_submission_parse(broken[i], strlen(broken[i]),
                                             &limits, &s, &err),
                         MG_EINVAL);
        for (const unsigned char *p = (const unsigned char *)err.detail; *p;
             p++)
            if (*p < 0x20 || *p >= 0x7f)
                fail_msg("case %zu: byte 0x%02x in detail \"%s\"", i, *p,
                         err.detail);
    }
}

static void test_ids(void **state)
{
    (void)state;
    static const struct refusal cases[] = {
        {"article_id missing", S("{\"author_id\":\"u\",\"body\":\"x\"}"),
         "article_id"},
        {"article_id null",
         S("{\"article_id\":null,\"author_id\":\"u\",\"body\":\"x\"}"),
         "article_id"},
        {"article_id number",
         S("{\"article_id\":1,\"author_id\":\"u\",\"body\":\"x\"}"),
         "article_id"},
        {"article_id array",
         S("{\"article_id\":[\"a\"],\"author_id\":\"u\",\"body\":\"x\"}"),
         "article_id"},
        {"article_id object",
         S("{\"article_id\":{},\"author_id\":\"u\",\"body\":\"x\"}"),
         "article_id"},
        {"article_id bool",
         S("{\"article_id\":true,\"author_id\":\"u\",\"body\":\"x\"}"),
         "article_id"},
        {"article_id empty",
         S("{\"article_id\":\"\",\"author_id\":\"u\",\"body\":\"x\"}"),
         "article_id"},
        {"article_id space",
         S("{\"article_id\":\"a b\",\"author_id\":\"u\",\"body\":\"x\"}"),
         "article_id"},
        {"article_id tab",
         S("{\"article_id\":\"a\\tb\",\"author_id\":\"u\",\"body\":\"x\"}"),
         "article_id"},
        {"article_id DEL",
         S("{\"article_id\":\"a\\u007f\",\"author_id\":\"u\",\"body\":\"x\"}"),
         "article_id"},
        {"article_id non-ASCII",
         S("{\"article_id\":\"caf\xc3\xa9\",\"author_id\":\"u\",\"body\":"
           "\"x\"}"),
         "article_id"},
        {"article_id NBSP",
         S("{\"article_id\":\"a\\u00a0\",\"author_id\":\"u\",\"body\":\"x\"}"),
         "article_id"},
        {"author_id missing", S("{\"article_id\":\"a\",\"body\":\"x\"}"),
         "author_id"},
        {"author_id null",
         S("{\"article_id\":\"a\",\"author_id\":null,\"body\":\"x\"}"),
         "author_id"},
        {"author_id number",
         S("{\"article_id\":\"a\",\"author_id\":48121,\"body\":\"x\"}"),
         "author_id"},
        {"author_id empty",
         S("{\"article_id\":\"a\",\"author_id\":\"\",\"body\":\"x\"}"),
         "author_id"},
        {"author_id leading space",
         S("{\"article_id\":\"a\",\"author_id\":\" u\",\"body\":\"x\"}"),
         "author_id"},
        {"author_id newline",
         S("{\"article_id\":\"a\",\"author_id\":\"u\\n\",\"body\":\"x\"}"),
         "author_id"},
        {"author_id Korean",
         S("{\"article_id\":\"a\",\"author_id\":\"\xeb\xaf\xbc\xec\xa7\x80\","
           "\"body\":\"x\"}"),
         "author_id"},
        {"body missing", S("{\"article_id\":\"a\",\"author_id\":\"u\"}"),
         "body"},
        {"body null", S(WITHOUT_BODY("\"body\":null")), "body"},
        {"body number", S(WITHOUT_BODY("\"body\":1")), "body"},
        {"body array", S(WITHOUT_BODY("\"body\":[\"hi\"]")), "body"},
        {"body object", S(WITHOUT_BODY("\"body\":{\"text\":\"hi\"}")), "body"},
        {"body false", S(WITHOUT_BODY("\"body\":false")), "body"},
        {"empty object", S("{}"), "article_id"},
    };
    expect_400(cases, sizeof cases / sizeof cases[0]);

    /* 128 characters pass, 129 do not; all of 0x21..0x7e are allowed. */
    char *id128 = repeat("x", 128);
    char *id129 = repeat("x", 129);
    char *json =
        mg_asprintf("{\"article_id\":\"%s\",\"author_id\":\"%s\","
                    "\"body\":\"x\"}",
                    id128, "!#$%&'()*+,-./0-9:;<=>?@A-Z[\\\\]^_`a-z{|}~\\\"");
    struct mg_submission s;
    struct mg_submission_error err;
    assert_int_equal(mg_submission_parse(json, strlen(json), &limits, &s, &err),
                     0);
    assert_string_equal(s.article_id, id128);
    assert_string_equal(s.author_id,
                        "!#$%&'()*+,-./0-9:;<=>?@A-Z[\\]^_`a-z{|}~\"");
    mg_submission_close(&s);
    mg_free(json);

    json = mg_asprintf("{\"article_id\":\"a\",\"author_id\":\"%s\","
                       "\"body\":\"x\"}",
                       id129);
    assert_int_equal(mg_submission_parse(json, strlen(json), &limits, &s, &err),
                     MG_EINVAL);
    assert_string_equal(err.field, "author_id");
    mg_free(json);

    /* parent_id: any string; one that cannot be an id is the caller's 422 */
    json = mg_asprintf(WITH("\"parent_id\":\"%s\""), id129);
    assert_int_equal(mg_submission_parse(json, strlen(json), &limits, &s, &err),
                     0);
    assert_string_equal(s.parent_id, id129);
    mg_submission_close(&s);
    mg_free(json);

    json = mg_asprintf(WITH("\"parent_id\":\"%s\""), id128);
    assert_int_equal(mg_submission_parse(json, strlen(json), &limits, &s, &err),
                     0);
    assert_string_equal(s.parent_id, id128);
    mg_submission_close(&s);
    mg_free(json);
    mg_free(id128);
    mg_free(id129);
}

static void test_optional_fields_invalid(void **state)
{
    (void)state;
    char *long_ua = repeat("a", 513);
    char *ua_json = mg_asprintf(WITH("\"user_agent\":\"%s\""), long_ua);
    /* 65 clusters: family emoji, each one character of 25 bytes */
    char *long_name = repeat("\\ud83d\\udc68\\u200d\\ud83d\\udc69\\u200d"
                             "\\ud83d\\udc67\\u200d\\ud83d\\udc66",
                             65);
    char *name_json = mg_asprintf(WITH("\"author_name\":\"%s\""), long_name);
    char *long_ip = repeat("1", 100);
    char *ip_json = mg_asprintf(WITH("\"client_ip\":\"%s\""), long_ip);
    const struct refusal cases[] = {
        {"author_name number", S(WITH("\"author_name\":1")), "author_name"},
        {"author_name bool", S(WITH("\"author_name\":false")), "author_name"},
        {"author_name array", S(WITH("\"author_name\":[]")), "author_name"},
        {"author_name empty", S(WITH("\"author_name\":\"\"")), "author_name"},
        {"author_name spaces", S(WITH("\"author_name\":\"  \"")),
         "author_name"},
        {"author_name ZWSP", S(WITH("\"author_name\":\"\\u200b\"")),
         "author_name"},
        {"author_name newline", S(WITH("\"author_name\":\"Min\\nji\"")),
         "author_name"},
        {"author_name tab", S(WITH("\"author_name\":\"Min\\tji\"")),
         "author_name"},
        {"author_name ESC", S(WITH("\"author_name\":\"\\u001b[31mred\"")),
         "author_name"},
        {"author_name DEL", S(WITH("\"author_name\":\"a\\u007f\"")),
         "author_name"},
        {"author_name C1 NEL", S(WITH("\"author_name\":\"a\\u0085\"")),
         "author_name"},
        {"author_name C1 CSI", S(WITH("\"author_name\":\"a\xc2\x9b\"")),
         "author_name"},
        {"author_name 65 characters", name_json, strlen(name_json),
         "author_name"},
        {"parent_id number", S(WITH("\"parent_id\":7")), "parent_id"},
        {"parent_id object", S(WITH("\"parent_id\":{}")), "parent_id"},
        {"client_ip number", S(WITH("\"client_ip\":2130706433")), "client_ip"},
        {"client_ip array", S(WITH("\"client_ip\":[127,0,0,1]")), "client_ip"},
        {"client_ip empty", S(WITH("\"client_ip\":\"\"")), "client_ip"},
        {"client_ip three parts", S(WITH("\"client_ip\":\"1.2.3\"")),
         "client_ip"},
        {"client_ip leading zero", S(WITH("\"client_ip\":\"01.2.3.4\"")),
         "client_ip"},
        {"client_ip octet 256", S(WITH("\"client_ip\":\"256.1.1.1\"")),
         "client_ip"},
        {"client_ip hex", S(WITH("\"client_ip\":\"0x7f.0.0.1\"")), "client_ip"},
        {"client_ip zone id", S(WITH("\"client_ip\":\"fe80::1%eth0\"")),
         "client_ip"},
        {"client_ip prefix", S(WITH("\"client_ip\":\"203.0.113.0/24\"")),
         "client_ip"},
        {"client_ip port", S(WITH("\"client_ip\":\"203.0.113.7:80\"")),
         "client_ip"},
        {"client_ip brackets", S(WITH("\"client_ip\":\"[::1]\"")), "client_ip"},
        {"client_ip spaces", S(WITH("\"client_ip\":\" 1.2.3.4\"")),
         "client_ip"},
        {"client_ip trailing dot", S(WITH("\"client_ip\":\"1.2.3.4.\"")),
         "client_ip"},
        {"client_ip two ::", S(WITH("\"client_ip\":\"1::2::3\"")), "client_ip"},
        {"client_ip 9 groups", S(WITH("\"client_ip\":\"1:2:3:4:5:6:7:8:9\"")),
         "client_ip"},
        {"client_ip name", S(WITH("\"client_ip\":\"localhost\"")), "client_ip"},
        {"client_ip mapped, leading zero",
         S(WITH("\"client_ip\":\"::ffff:01.2.3.4\"")), "client_ip"},
        {"client_ip 100 characters", ip_json, strlen(ip_json), "client_ip"},
        {"user_agent number", S(WITH("\"user_agent\":5")), "user_agent"},
        {"user_agent object", S(WITH("\"user_agent\":{}")), "user_agent"},
        {"user_agent 513 bytes", ua_json, strlen(ua_json), "user_agent"},
        {"author_created_at number",
         S(WITH("\"author_created_at\":1767434400000")), "author_created_at"},
        {"author_created_at words",
         S(WITH("\"author_created_at\":\"yesterday\"")), "author_created_at"},
        {"author_created_at no offset",
         S(WITH("\"author_created_at\":\"2026-01-03T10:00:00\"")),
         "author_created_at"},
        {"author_created_at space",
         S(WITH("\"author_created_at\":\"2026-01-03 10:00:00Z\"")),
         "author_created_at"},
        {"author_created_at Feb 30",
         S(WITH("\"author_created_at\":\"2026-02-30T00:00:00Z\"")),
         "author_created_at"},
        {"author_created_at date only",
         S(WITH("\"author_created_at\":\"2026-01-03\"")), "author_created_at"},
        {"author_created_at empty", S(WITH("\"author_created_at\":\"\"")),
         "author_created_at"},
    };
    expect_400(cases, sizeof cases / sizeof cases[0]);
    mg_free(long_ua);
    mg_free(ua_json);
    mg_free(long_name);
    mg_free(name_json);
    mg_free(long_ip);
    mg_free(ip_json);
}

/* The first field at fault in API order is named; every 400 comes before
 * any 422 on the body's length. */
static void test_check_order(void **state)
{
    (void)state;
    static const struct refusal cases[] = {
        {"article_id before author_id",
         S("{\"author_id\":1,\"article_id\":2,\"body\":\"x\"}"), "article_id"},
        {"author_id before body",
         S("{\"article_id\":\"a\",\"author_id\":\"\"}"), "author_id"},
        {"body before author_name",
         S("{\"author_name\":1,\"article_id\":\"a\",\"author_id\":\"u\"}"),
         "body"},
        {"author_name before parent_id",
         S(WITH("\"parent_id\":1,\"author_name\":1")), "author_name"},
        {"parent_id before client_ip",
         S(WITH("\"client_ip\":\"x\",\"parent_id\":7")), "parent_id"},
        {"client_ip before user_agent",
         S(WITH("\"user_agent\":1,\"client_ip\":\"x\"")), "client_ip"},
        {"user_agent before author_created_at",
         S(WITH("\"author_created_at\":\"x\",\"user_agent\":1")), "user_agent"},
        {"400 before too_short",
         S(WITHOUT_BODY("\"body\":\"\",\"client_ip\":\"x\"")), "client_ip"},
        {"400 before too_long",
         S(WITHOUT_BODY("\"author_created_at\":2,\"body\":\"" /* 301 */
                        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                        "x\"")),
         "author_created_at"},
    };
    expect_400(cases, sizeof cases / sizeof cases[0]);
}

static void test_full_submission(void **state)
{
    (void)state;
    static const char json[] =
        "{\n"
        "  \"article_id\": \"2024-10-28-nk-troops-kursk\",\n"
        "  \"author_id\": \"u-48121\",\n"
        "  \"author_name\": \"\xeb\xaf\xbc\xec\xa7\x80 Minji \\ud83c\\uddf0"
        "\\ud83c\\uddf7\",\n"
        "  \"body\": \"Hard to believe they are being moved in civilian "
        "Kamaz trucks. \\\"Really\\\"\\n\xed\x95\x9c\xea\xb5\xad\xec\x96\xb4 "
        "\\ud83d\\ude00\",\n"
        "  \"parent_id\": \"01938f6e-7c1a-7b2e-9a41-3f5c2d1e0b9a\",\n"
        "  \"client_ip\": \"2001:DB8:0:0:0:0:0:1\",\n"
        "  \"user_agent\": \"Mozilla/5.0 (X11; Linux x86_64)\",\n"
        "  \"author_created_at\": \"2026-01-03T10:00:00.000Z\",\n"
        "  \"unknown\": {\"nested\": [1, 2.5, null, true, \"x\"]},\n"
        "  \"score\": -1\n"
        "}\n";
    struct mg_submission s;
    struct mg_submission_error err;
    int rc = mg_submission_parse(json, sizeof json - 1, &limits, &s, &err);
    if (rc != 0)
        fail_msg("rc %d: %d %s %s: %s", rc, err.status, err.code,
                 err.field ? err.field : "-", err.detail);
    assert_string_equal(s.article_id, "2024-10-28-nk-troops-kursk");
    assert_string_equal(s.author_id, "u-48121");
    assert_string_equal(s.author_name, "\xeb\xaf\xbc\xec\xa7\x80 Minji "
                                       "\xf0\x9f\x87\xb0\xf0\x9f\x87\xb7");
    static const char body[] =
        "Hard to believe they are being moved in civilian Kamaz trucks. "
        "\"Really\"\n\xed\x95\x9c\xea\xb5\xad\xec\x96\xb4 \xf0\x9f\x98\x80";
    assert_string_equal(s.body, body);
    assert_int_equal(s.body_bytes, sizeof body - 1);
    /* 63 + 8 ("Really" quoted) + newline + 3 Korean + space + emoji */
    assert_int_equal(s.body_chars, 63 + 8 + 1 + 3 + 1 + 1);
    assert_string_equal(s.parent_id, "01938f6e-7c1a-7b2e-9a41-3f5c2d1e0b9a");
    assert_string_equal(s.client_ip, "2001:db8::1"); /* canonical form */
    assert_string_equal(s.user_agent, "Mozilla/5.0 (X11; Linux x86_64)");
    assert_true(s.has_author_created_at);
    assert_int_equal(s.author_created_at_ms, INT64_C(1767434400000));
    mg_submission_close(&s);
    assert_null(s.body);
    mg_submission_close(&s); /* closing twice is harmless */
}

static void test_minimal_and_nulls(void **state)
{
    (void)state;
    static const struct {
        const char *json;
    } cases[] = {
        {"{" BASE "}"},
        {WITH("\"author_name\":null,\"parent_id\":null,\"client_ip\":null,"
              "\"user_agent\":null,\"author_created_at\":null")},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct mg_submission s;
        struct mg_submission_error err;
        assert_int_equal(mg_submission_parse(cases[i].json,
                                             strlen(cases[i].json), &limits, &s,
                                             &err),
                         0);
        assert_string_equal(s.article_id, "a-1");
        assert_string_equal(s.author_id, "u-1");
        assert_string_equal(s.body, "hi");
        assert_int_equal(s.body_bytes, 2);
        assert_int_equal(s.body_chars, 2);
        assert_null(s.author_name);
        assert_null(s.parent_id);
        assert_null(s.client_ip);
        assert_null(s.user_agent);
        assert_false(s.has_author_created_at);
        mg_submission_close(&s);
    }
}

/* An edit (PATCH /v1/comments/{id}) reads author_id, body and
 * author_created_at: no article_id is needed, the other members are the
 * comment's and are not read (an author_name that a submission would refuse
 * is no error), and author_id and the body's length are checked as always. */
static void test_edit_fields(void **state)
{
    (void)state;
    static const struct mg_submission_limits edit = {300, 4096, false, true};
    static const char ok[] = "{\"author_id\":\"u-1\",\"body\":\"new\",\"author_name\":7,"
                             "\"author_created_at\":\"2026-01-03T10:00:00.000Z\"}";
    struct mg_submission s;
    struct mg_submission_error err;
    assert_int_equal(mg_submission_parse(ok, strlen(ok), &edit, &s, &err), MG_OK);
    assert_null(s.article_id);
    assert_null(s.author_name);
    assert_string_equal(s.author_id, "u-1");
    assert_string_equal(s.body, "new");
    assert_true(s.has_author_created_at);
    mg_submission_close(&s);
    assert_int_equal(mg_submission_parse(ok, strlen(ok), &limits, &s, &err), MG_EINVAL);
    assert_string_equal(err.field, "article_id"); /* a submission needs it */
    static const struct {
        const char *json, *field;
        int status;
    } bad[] = {
        {"{\"body\":\"new\"}", "author_id", 400},
        {"{\"author_id\":\"u 1\",\"body\":\"new\"}", "author_id", 400},
        {"{\"author_id\":\"u-1\"}", "body", 400},
        {"{\"author_id\":\"u-1\",\"body\":\"new\",\"author_created_at\":\"x\"}",
         "author_created_at", 400},
        {"{\"author_id\":\"u-1\",\"body\":\" \"}", NULL, 422},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(mg_submission_parse(bad[i].json, strlen(bad[i].json), &edit, &s, &err),
                         MG_EINVAL);
        assert_int_equal(err.status, bad[i].status);
        if (bad[i].field)
            assert_string_equal(err.field, bad[i].field);
    }
}

/* With author_id_optional (POST /v1/check), author_id may be absent or
 * null, and is NULL then; present, it is checked as always, and a wrong
 * type says that null is allowed. Without it, absent is refused. */
static void test_author_id_optional(void **state)
{
    (void)state;
    static const struct mg_submission_limits check = {300, 4096, true, false};
    static const char *const absent[] = {
        "{\"article_id\":\"a-1\",\"body\":\"hi\"}",
        "{\"article_id\":\"a-1\",\"author_id\":null,\"body\":\"hi\"}",
    };
    for (size_t i = 0; i < sizeof absent / sizeof absent[0]; i++) {
        struct mg_submission s;
        struct mg_submission_error err;
        assert_int_equal(mg_submission_parse(absent[i], strlen(absent[i]), &check, &s, &err),
                         MG_OK);
        assert_null(s.author_id);
        assert_string_equal(s.body, "hi");
        mg_submission_close(&s);
        assert_int_equal(mg_submission_parse(absent[i], strlen(absent[i]), &limits, &s, &err),
                         MG_EINVAL);
        assert_string_equal(err.field, "author_id");
    }
    static const struct {
        const char *json, *detail;
    } bad[] = {
        {"{\"article_id\":\"a-1\",\"author_id\":123,\"body\":\"hi\"}", "string or null"},
        {"{\"article_id\":\"a-1\",\"author_id\":\"\",\"body\":\"hi\"}", "printable"},
        {"{\"article_id\":\"a-1\",\"author_id\":\"has space\",\"body\":\"hi\"}",
         "printable"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct mg_submission s;
        struct mg_submission_error err;
        assert_int_equal(mg_submission_parse(bad[i].json, strlen(bad[i].json), &check, &s, &err),
                         MG_EINVAL);
        assert_string_equal(err.field, "author_id");
        if (!strstr(err.detail, bad[i].detail))
            fail_msg("%s: detail \"%s\"", bad[i].json, err.detail);
    }
    struct mg_submission s;
    struct mg_submission_error err;
    const char *ok = "{\"article_id\":\"a-1\",\"author_id\":\"u-9\",\"body\":\"hi\"}";
    assert_int_equal(mg_submission_parse(ok, strlen(ok), &check, &s, &err), MG_OK);
    assert_string_equal(s.author_id, "u-9");
    mg_submission_close(&s);
}

/* Valid forms of the optional fields and how they are stored. */
static void test_optional_fields_valid(void **state)
{
    (void)state;
    static const struct {
        const char *member;
        const char *field;
        const char *want; /* the stored string */
    } cases[] = {
        {"\"author_name\":\"Minji\"", "author_name", "Minji"},
        {"\"author_name\":\" Minji \"", "author_name", " Minji "},
        {"\"author_name\":\"\\ubbfc\\uc9c0\"", "author_name",
         "\xeb\xaf\xbc\xec\xa7\x80"},
        {"\"author_name\":\"Zo\\u00eb \\ud83c\\uddf0\\ud83c\\uddf7\"",
         "author_name", "Zo\xc3\xab \xf0\x9f\x87\xb0\xf0\x9f\x87\xb7"},
        {"\"parent_id\":\"01938f6e-7c1a-7b2e-9a41-3f5c2d1e0b9a\"", "parent_id",
         "01938f6e-7c1a-7b2e-9a41-3f5c2d1e0b9a"},
        {"\"parent_id\":\"c-1\"", "parent_id", "c-1"},
        {"\"client_ip\":\"203.0.113.7\"", "client_ip", "203.0.113.7"},
        {"\"client_ip\":\"0.0.0.0\"", "client_ip", "0.0.0.0"},
        {"\"client_ip\":\"::1\"", "client_ip", "::1"},
        {"\"client_ip\":\"::\"", "client_ip", "::"},
        {"\"client_ip\":\"2001:DB8::0:1\"", "client_ip", "2001:db8::1"},
        {"\"client_ip\":\"0001:0db8:0:0:1:0:0:1\"", "client_ip",
         "1:db8::1:0:0:1"},
        {"\"client_ip\":\"::ffff:1.2.3.4\"", "client_ip", "::ffff:1.2.3.4"},
        {"\"client_ip\":\"::FFFF:203.0.113.7\"", "client_ip",
         "::ffff:203.0.113.7"},
        {"\"client_ip\":\"fe80::1\"", "client_ip", "fe80::1"},
        {"\"user_agent\":\"\"", "user_agent", ""},
        {"\"user_agent\":\"curl/7.88.1\"", "user_agent", "curl/7.88.1"},
        {"\"user_agent\":\"\\u00e9\\t\"", "user_agent", "\xc3\xa9\t"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *json = mg_asprintf("{" BASE ",%s}", cases[i].member);
        struct mg_submission s;
        struct mg_submission_error err;
        int rc = mg_submission_parse(json, strlen(json), &limits, &s, &err);
        if (rc != 0)
            fail_msg("%s: refused: %s", cases[i].member, err.detail);
        const char *got =
            strcmp(cases[i].field, "author_name") == 0 ? s.author_name
            : strcmp(cases[i].field, "parent_id") == 0 ? s.parent_id
            : strcmp(cases[i].field, "client_ip") == 0 ? s.client_ip
                                                       : s.user_agent;
        if (!got || strcmp(got, cases[i].want) != 0)
            fail_msg("%s: stored \"%s\", want \"%s\"", cases[i].member,
                     got ? got : "(null)", cases[i].want);
        mg_submission_close(&s);
        mg_free(json);
    }

    /* Limits at their edges: 64 characters of name, 512 bytes of agent. */
    char *name = repeat("e\\u0301", 64); /* 64 clusters of 3 bytes */
    char *ua = repeat("\\u00e9", 256);   /* 512 bytes */
    char *json =
        mg_asprintf(WITH("\"author_name\":\"%s\",\"user_agent\":\"%s\","
                         "\"author_created_at\":\"2026-11-29T18:49:26."
                         "123456+09:00\""),
                    name, ua);
    struct mg_submission s;
    struct mg_submission_error err;
    int rc = mg_submission_parse(json, strlen(json), &limits, &s, &err);
    if (rc != 0)
        fail_msg("refused: %s", err.detail);
    assert_int_equal(strlen(s.author_name), 64 * 3);
    assert_int_equal(strlen(s.user_agent), 512);
    assert_true(s.has_author_created_at);
    assert_int_equal(s.author_created_at_ms, INT64_C(1795945766123));
    mg_submission_close(&s);
    mg_free(name);
    mg_free(ua);
    mg_free(json);
}

struct length_case {
    const char *what;
    const char *body_json; /* escaped for JSON */
    size_t repeat;         /* body_json repeated this many times */
    int status;            /* 0 when accepted */
    const char *code;
    size_t limit, length;
    const char *unit;
    size_t chars; /* when accepted */
};

static void check_length(const struct length_case *c,
                         const struct mg_submission_limits *lim)
{
    char *body = repeat(c->body_json, c->repeat);
    char *json = with_body(body);
    struct mg_submission s;
    struct mg_submission_error err;
    int rc = mg_submission_parse(json, strlen(json), lim, &s, &err);
    if (c->status == 0) {
        if (rc != 0)
            fail_msg("%s: refused: %d %s: %s", c->what, err.status, err.code,
                     err.detail);
        if (s.body_chars != c->chars)
            fail_msg("%s: %zu characters, want %zu", c->what, s.body_chars,
                     c->chars);
        assert_int_equal(s.body_bytes, strlen(s.body));
        mg_submission_close(&s);
    } else {
        if (rc != MG_EINVAL)
            fail_msg("%s: accepted with %zu characters", c->what, s.body_chars);
        if (err.status != c->status || strcmp(err.code, c->code) != 0 ||
            err.field != NULL || err.limit != c->limit ||
            err.length != c->length || strcmp(err.unit, c->unit) != 0)
            fail_msg("%s: got %d %s limit %zu length %zu %s, want %d %s "
                     "limit %zu length %zu %s",
                     c->what, err.status, err.code, err.limit, err.length,
                     err.unit, c->status, c->code, c->limit, c->length,
                     c->unit);
    }
    mg_free(body);
    mg_free(json);
}

#define FAMILY                                                                 \
    "\\ud83d\\udc68\\u200d\\ud83d\\udc69\\u200d\\ud83d\\udc67\\u200d\\ud83d\\" \
    "udc66"
#define FLAG_KR "\\ud83c\\uddf0\\ud83c\\uddf7"
#define ZALGO_50                                                               \
    "Z"                                                                        \
    "\\u0300\\u0301\\u0302\\u0303\\u0304\\u0305\\u0306\\u0307\\u0308\\u0309"   \
    "\\u030a\\u030b\\u030c\\u030d\\u030e\\u030f\\u0310\\u0311\\u0312\\u0313"   \
    "\\u0314\\u0315\\u0316\\u0317\\u0318\\u0319\\u031a\\u031b\\u031c\\u031d"   \
    "\\u031e\\u031f\\u0320\\u0321\\u0322\\u0323\\u0324\\u0325\\u0326\\u0327"   \
    "\\u0328\\u0329\\u032a\\u032b\\u032c\\u032d\\u032e\\u032f\\u0330\\u0331"

static void test_body_length(void **state)
{
    (void)state;
    static const struct length_case cases[] = {
        /* at least one visible character */
        {"empty", "", 1, 422, "too_short", 1, 0, "characters", 0},
        {"whitespace", "  \\n\\t", 1, 422, "too_short", 1, 0, "characters", 0},
        {"many spaces", " ", 200, 422, "too_short", 1, 0, "characters", 0},
        {"ideographic space", "\\u3000", 1, 422, "too_short", 1, 0,
         "characters", 0},
        {"ZWSP only", "\\u200b", 1, 422, "too_short", 1, 0, "characters", 0},
        {"ZWSP, NBSP, BOM, ZWJ", "\\u200b\\u00a0\\ufeff\\u200d", 3, 422,
         "too_short", 1, 0, "characters", 0},
        {"controls", "\\u0001\\u001f\\u007f", 1, 422, "too_short", 1, 0,
         "characters", 0},
        {"one character", "x", 1, 0, NULL, 0, 0, NULL, 1},
        {"one character in spaces", " \\u3000.\\n", 1, 0, NULL, 0, 0, NULL, 4},
        /* 300 characters of each kind pass, 301 do not */
        {"300 ASCII", "x", 300, 0, NULL, 0, 0, NULL, 300},
        {"301 ASCII", "x", 301, 422, "too_long", 300, 301, "characters", 0},
        {"300 flags", FLAG_KR, 300, 0, NULL, 0, 0, NULL, 300},
        {"301 flags", FLAG_KR, 301, 422, "too_long", 300, 301, "characters", 0},
        {"300 e+acute", "e\\u0301", 300, 0, NULL, 0, 0, NULL, 300},
        {"301 e+acute", "e\\u0301", 301, 422, "too_long", 300, 301,
         "characters", 0},
        {"300 Korean", "\\ud55c", 300, 0, NULL, 0, 0, NULL, 300},
        {"301 Korean", "\\ud55c", 301, 422, "too_long", 300, 301, "characters",
         0},
        {"300 jamo syllables", "\\u1112\\u1161\\u11ab", 300, 0, NULL, 0, 0,
         NULL, 300},
        {"301 jamo syllables", "\\u1112\\u1161\\u11ab", 301, 422, "too_long",
         300, 301, "characters", 0},
        /* CR LF is one character (pure CRLFs would be invisible) */
        {"300 with CRLFs", "\\r\\n\\r\\na", 100, 0, NULL, 0, 0, NULL, 300},
        {"301 with CRLFs", "\\r\\na\\r\\na\\r\\na\\r\\n", 43, 422, "too_long",
         300, 301, "characters", 0},
        /* 6 characters: Korean, flag, e+acute, CRLF, x, '.' */
        {"mixed 300", "\\ud55c" FLAG_KR "e\\u0301\\r\\nx.", 50, 0, NULL, 0, 0,
         NULL, 300},
        {"mixed 306", "\\ud55c" FLAG_KR "e\\u0301\\r\\nx.", 51, 422, "too_long",
         300, 306, "characters", 0},
        /* bytes: family emoji are 25 bytes, zalgo 101: bytes are hit
         * while the characters are within their limit */
        {"163 family emoji", FAMILY, 163, 0, NULL, 0, 0, NULL, 163},
        {"164 family emoji", FAMILY, 164, 422, "too_long", 4096, 164 * 25,
         "bytes", 0},
        {"40 zalgo", ZALGO_50, 40, 0, NULL, 0, 0, NULL, 40},
        {"41 zalgo", ZALGO_50, 41, 422, "too_long", 4096, 41 * 101, "bytes", 0},
        /* both limits exceeded: the characters, which a reader counts, are
         * named */
        {"4096 ASCII", "x", 4096, 422, "too_long", 300, 4096, "characters", 0},
        {"4097 ASCII", "x", 4097, 422, "too_long", 300, 4097, "characters", 0},
        {"5000 Korean", "\ud55c", 5000, 422, "too_long", 300, 5000, "characters",
         0},
        {"a huge zalgo body", ZALGO_50, 160, 422, "too_long", 4096, 160 * 101,
         "bytes", 0},
        {"301 zalgo", ZALGO_50, 301, 422, "too_long", 300, 301, "characters", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_length(&cases[i], &limits);
}

/* 300 family emoji and 300 zalgo letters count 300 when the byte limit is
 * raised, and 301 are refused on characters. */
static void test_body_length_raised_bytes(void **state)
{
    (void)state;
    static const struct mg_submission_limits big = {300, 65536, false, false};
    static const struct length_case cases[] = {
        {"300 family emoji", FAMILY, 300, 0, NULL, 0, 0, NULL, 300},
        {"301 family emoji", FAMILY, 301, 422, "too_long", 300, 301,
         "characters", 0},
        {"300 zalgo", ZALGO_50, 300, 0, NULL, 0, 0, NULL, 300},
        {"301 zalgo", ZALGO_50, 301, 422, "too_long", 300, 301, "characters",
         0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_length(&cases[i], &big);
}

/* Exactly 4096 bytes pass, 4097 are too long in bytes; escapes count as the
 * bytes they decode to. */
static void test_body_bytes_edge(void **state)
{
    (void)state;
    /* "Z" + 2046 marks (4093 bytes) + "abc" = 4096 bytes, 4 characters */
    char *marks = repeat("\\u0301", 2046);
    char *body = mg_asprintf("Z%sabc", marks);
    char *json = with_body(body);
    struct mg_submission s;
    struct mg_submission_error err;
    int rc = mg_submission_parse(json, strlen(json), &limits, &s, &err);
    if (rc != 0)
        fail_msg("4096 bytes refused: %s", err.detail);
    assert_int_equal(s.body_bytes, 4096);
    assert_int_equal(s.body_chars, 4);
    mg_submission_close(&s);
    mg_free(json);
    mg_free(body);

    body = mg_asprintf("Z%sabcd", marks);
    json = with_body(body);
    assert_int_equal(mg_submission_parse(json, strlen(json), &limits, &s, &err),
                     MG_EINVAL);
    assert_int_equal(err.status, 422);
    assert_string_equal(err.code, "too_long");
    assert_null(err.field);
    assert_int_equal(err.limit, 4096);
    assert_int_equal(err.length, 4097);
    assert_string_equal(err.unit, "bytes");
    assert_string_equal(err.detail,
                        "The comment is 4097 bytes long; the limit is 4096.");
    mg_free(json);
    mg_free(body);
    mg_free(marks);
}

static void test_details(void **state)
{
    (void)state;
    struct mg_submission s;
    struct mg_submission_error err;
    char *body = repeat("x", 301);
    char *json = with_body(body);
    assert_int_equal(mg_submission_parse(json, strlen(json), &limits, &s, &err),
                     MG_EINVAL);
    assert_string_equal(
        err.detail, "The comment is 301 characters long; the limit is 300.");
    mg_free(json);
    mg_free(body);

    json = with_body(" ");
    assert_int_equal(mg_submission_parse(json, strlen(json), &limits, &s, &err),
                     MG_EINVAL);
    assert_string_equal(err.detail, "The comment has no visible characters; "
                                    "it needs at least 1.");
    mg_free(json);

    static const struct {
        const char *json;
        const char *want;
    } cases[] = {
        {"{\"author_id\":\"u\",\"body\":\"x\"}",
         "The member \"article_id\" is required."},
        {"{\"article_id\":null,\"author_id\":\"u\",\"body\":\"x\"}",
         "The member \"article_id\" must be a string, not null."},
        {"{\"article_id\":\"a\",\"author_id\":\"u\",\"body\":1}",
         "The member \"body\" must be a string."},
        {WITH("\"client_ip\":1"),
         "The member \"client_ip\" must be a string or null."},
        {WITH("\"client_ip\":\"1.2.3\""),
         "The member \"client_ip\" must be an IPv4 or IPv6 address."},
        {"[]", "The request body must be a JSON object."},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(mg_submission_parse(cases[i].json,
                                             strlen(cases[i].json), &limits, &s,
                                             &err),
                         MG_EINVAL);
        assert_string_equal(err.detail, cases[i].want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_malformed_json),
        cmocka_unit_test(test_json_error_detail),
        cmocka_unit_test(test_ids),
        cmocka_unit_test(test_optional_fields_invalid),
        cmocka_unit_test(test_check_order),
        cmocka_unit_test(test_full_submission),
        cmocka_unit_test(test_minimal_and_nulls),
        cmocka_unit_test(test_author_id_optional),
        cmocka_unit_test(test_optional_fields_valid),
        cmocka_unit_test(test_edit_fields),
        cmocka_unit_test(test_body_length),
        cmocka_unit_test(test_body_length_raised_bytes),
        cmocka_unit_test(test_body_bytes_edge),
        cmocka_unit_test(test_details),
        cmocka_unit_test(test_bad_text_with_every_marker_taken),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
