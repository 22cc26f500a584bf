/* test_canon.c: the signed message against vectors made with Python's
 * json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False),
 * as docs/api.md "Signatures" promises any verifier can. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "modgate/alloc.h"
#include "modgate/canon.h"

/* U+0000 cannot be in the C strings the API takes (nor in a comment: the
 * submission parser refuses "\u0000"); the rest of U+0001..U+001F is here. */
static const struct {
    const char *name;
    struct mg_signed_fields f;
    const char *want;
} cases[] = {
    {"plain",
     {"0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", "2024-10-28-nk-troops-kursk",
      "u-48121", "Minji",
      "Hard to believe they are being moved in civilian Kamaz trucks.", NULL,
      "2026-11-29T18:49:26.123Z", "5f1c9a3e0d2b7c44", 0, NULL},
     "{\"article_id\":\"2024-10-28-nk-troops-kursk\",\"author_id\":\"u-48121\""
     ",\"author_name\":\"Minji\",\"body\":\"Hard to believe they are being mov"
     "ed in civilian Kamaz trucks.\",\"created_at\":\"2026-11-29T18:49:26.123Z"
     "\",\"id\":\"0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b\",\"key_id\":\"5f1c9a3e"
     "0d2b7c44\",\"parent_id\":null,\"v\":1}"},
    {"nulls",
     {"0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", "a", "b", NULL, "x", NULL,
      "2026-11-29T18:49:26.123Z", "5f1c9a3e0d2b7c44", 0, NULL},
     "{\"article_id\":\"a\",\"author_id\":\"b\",\"author_name\":null,\"body\":"
     "\"x\",\"created_at\":\"2026-11-29T18:49:26.123Z\",\"id\":\"0193a1b2-c3d4"
     "-7e5f-8a9b-0c1d2e3f4a5b\",\"key_id\":\"5f1c9a3e0d2b7c44\",\"parent_id\":"
     "null,\"v\":1}"},
    {"quotes and backslashes",
     {"0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", "a\"b", "c\\d", "\"\\\"",
      "say \"hi\" \\o/ C:\\path\\ \"\\u0041\"", "p\\\"",
      "2026-11-29T18:49:26.123Z", "5f1c9a3e0d2b7c44", 0, NULL},
     "{\"article_id\":\"a\\\"b\",\"author_id\":\"c\\\\d\",\"author_name\":\"\\"
     "\"\\\\\\\"\",\"body\":\"say \\\"hi\\\" \\\\o/ C:\\\\path\\\\ \\\"\\\\u00"
     "41\\\"\",\"created_at\":\"2026-11-29T18:49:26.123Z\",\"id\":\"0193a1b2-c"
     "3d4-7e5f-8a9b-0c1d2e3f4a5b\",\"key_id\":\"5f1c9a3e0d2b7c44\",\"parent_id"
     "\":\"p\\\\\\\"\",\"v\":1}"},
    {"every control character",
     {"0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", "a", "b", "n\011m",
      "\001\002\003\004\005\006\007\010\011\012\013\014\015\016\017\020\021\022"
      "\023\024\025\026\027\030\031\032\033\034\035\036\037",
      NULL, "2026-11-29T18:49:26.123Z", "5f1c9a3e0d2b7c44", 0, NULL},
     "{\"article_id\":\"a\",\"author_id\":\"b\",\"author_name\":\"n\\tm\",\"bo"
     "dy\":\"\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000b"
     "\\f\\r\\u000e\\u000f\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u"
     "0017\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f\",\"created"
     "_at\":\"2026-11-29T18:49:26.123Z\",\"id\":\"0193a1b2-c3d4-7e5f-8a9b-0c1d"
     "2e3f4a5b\",\"key_id\":\"5f1c9a3e0d2b7c44\",\"parent_id\":null,\"v\":1}"},
    {"slash, DEL, U+2028, U+2029, emoji, Korean",
     {"0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", "x/y", "</script>", "민지 🇰🇷",
      "a/b \177 \342\200\250 \342\200\251 😀 👨\342\200\215👩\342\200\215👧\342\200"
      "\215👦 한국어 e\314\201 \357\273\277 \364\217\277\275",
      "0193a1b2-0000-7000-8000-000000000000", "2026-11-29T18:49:26.123Z",
      "5f1c9a3e0d2b7c44", 0, NULL},
     "{\"article_id\":\"x/y\",\"author_id\":\"</"
     "script>\",\"author_name\":\"민지"
     " 🇰🇷\",\"body\":\"a/b \177 \342\200\250 \342\200\251 😀 👨\342\200\215👩\342"
     "\200\215👧\342\200\215👦 한국어 e\314\201 \357\273\277 "
     "\364\217\277\275\",\"c"
     "reated_at\":\"2026-11-29T18:49:26.123Z\",\"id\":\"0193a1b2-c3d4-7e5f-8a9"
     "b-0c1d2e3f4a5b\",\"key_id\":\"5f1c9a3e0d2b7c44\",\"parent_id\":\"0193a1b"
     "2-0000-7000-8000-000000000000\",\"v\":1}"},
    {"edited: revision and edited_at signed, in their places",
     {"0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", "a", "b", NULL, "x", NULL,
      "2026-11-29T18:49:26.123Z", "5f1c9a3e0d2b7c44", 12, "2026-11-29T18:50:00.000Z"},
     "{\"article_id\":\"a\",\"author_id\":\"b\",\"author_name\":null,\"body\":"
     "\"x\",\"created_at\":\"2026-11-29T18:49:26.123Z\",\"edited_at\":\"2026-11-"
     "29T18:50:00.000Z\",\"id\":\"0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b\",\"key_id\""
     ":\"5f1c9a3e0d2b7c44\",\"parent_id\":null,\"revision\":12,\"v\":1}"},
    {"revision 1 is a record never edited: signed as before edits",
     {"0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", "a", "b", NULL, "x", NULL,
      "2026-11-29T18:49:26.123Z", "5f1c9a3e0d2b7c44", 1, NULL},
     "{\"article_id\":\"a\",\"author_id\":\"b\",\"author_name\":null,\"body\":"
     "\"x\",\"created_at\":\"2026-11-29T18:49:26.123Z\",\"id\":\"0193a1b2-c3d4"
     "-7e5f-8a9b-0c1d2e3f4a5b\",\"key_id\":\"5f1c9a3e0d2b7c44\",\"parent_id\":"
     "null,\"v\":1}"},
    {"empty strings",
     {"", "", "", "", "", "", "", "", 0, NULL},
     "{\"article_id\":\"\",\"author_id\":\"\",\"author_name\":\"\",\"body\":\""
     "\",\"created_at\":\"\",\"id\":\"\",\"key_id\":\"\",\"parent_id\":\"\",\""
     "v\":1}"},
};

static void test_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len = 0;
        char *got = mg_canon_signed_message(&cases[i].f, &len);
        if (len != strlen(cases[i].want) || strcmp(got, cases[i].want) != 0)
            fail_msg("case \"%s\":\n got  %s\n want %s", cases[i].name, got,
                     cases[i].want);
        assert_int_equal(strlen(got), len);
        mg_free(got);
    }
}

/* A long body with escapes between runs of plain bytes. */
static void test_long_body(void **state)
{
    (void)state;
    enum { N = 20000 };
    char *body = mg_malloc(N + 1);
    for (size_t i = 0; i < N; i++)
        body[i] = i % 10 == 9 ? '\n' : 'a';
    body[N] = '\0';
    struct mg_signed_fields f = {"i", "a", "b", NULL, body, NULL, "t", "k", 0, NULL};
    size_t len = 0;
    char *got = mg_canon_signed_message(&f, &len);
    /* each '\n' becomes two bytes */
    static const char head[] = "{\"article_id\":\"a\",\"author_id\":\"b\","
                               "\"author_name\":null,\"body\":\"";
    static const char tail[] = "\",\"created_at\":\"t\",\"id\":\"i\","
                               "\"key_id\":\"k\",\"parent_id\":null,\"v\":1}";
    assert_int_equal(len, strlen(head) + N + N / 10 + strlen(tail));
    assert_memory_equal(got, head, strlen(head));
    assert_memory_equal(got + strlen(head), "aaaaaaaaa\\naaaa", 15);
    assert_string_equal(got + len - strlen(tail), tail);
    mg_free(got);
    mg_free(body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_long_body),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
