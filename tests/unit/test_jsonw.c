/* test_jsonw.c: jsonw.h writes what jansson's json_dumps writes (compact,
 * order kept, JSON_REAL_PRECISION) for every kind of string and number;
 * the expected text is jansson's own, computed here, not copied. */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "modgate/jsonw.h"

static char *ours_string(const char *s, size_t len)
{
    struct mg_buf b;
    mg_buf_init(&b, SIZE_MAX);
    mg_jsonw_string(&b, s, len);
    return mg_buf_take(&b, NULL);
}

static void same_string(const char *s, size_t len)
{
    json_t *v = json_stringn(s, len);
    assert_non_null(v);
    char *theirs = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    char *ours = ours_string(s, len);
    if (strcmp(theirs, ours) != 0)
        fail_msg("jansson %s, jsonw %s", theirs, ours);
    free(theirs);
    free(ours);
    json_decref(v);
}

static void test_strings_as_jansson(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "", "plain", "with \"quotes\" and \\backslash\\", "tab\there\nline\r\n",
        "\b\f", "slash / stays", "del \x7f stays", "한국어 댓글", "emoji 🦊 and é",
        "/v1/comments/01938f6e-7c1a-7b2e-9a41-3f5c2d1e0b9a", "<script>&amp;</script>",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        same_string(texts[i], strlen(texts[i]));
    /* every control character, and NUL inside */
    for (int c = 0; c < 0x20; c++) {
        char s[3] = {'a', (char)c, 'b'};
        same_string(s, 3);
    }
    /* every printable ASCII character */
    char all[96];
    for (int c = 0x20; c < 0x7f; c++)
        all[c - 0x20] = (char)c;
    same_string(all, 0x7f - 0x20);
}

static void test_invalid_utf8_is_replaced(void **state)
{
    (void)state;
    /* jansson refuses these; jsonw writes U+FFFD for each bad byte */
    static const struct {
        const char *in;
        const char *out;
    } cases[] = {
        {"a\xff" "b", "\"a\xef\xbf\xbd" "b\""},
        {"\xc3", "\"\xef\xbf\xbd\""},                     /* cut short */
        {"\xed\xa0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""}, /* a surrogate */
        {"\xc0\xaf", "\"\xef\xbf\xbd\xef\xbf\xbd\""},     /* overlong */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_null(json_string(cases[i].in));
        char *ours = ours_string(cases[i].in, strlen(cases[i].in));
        assert_string_equal(ours, cases[i].out);
        free(ours);
    }
}

static void same_real(double v, int precision)
{
    json_t *j = json_real(v);
    char *theirs = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT |
                                     JSON_REAL_PRECISION(precision));
    struct mg_buf b;
    mg_buf_init(&b, SIZE_MAX);
    mg_jsonw_real(&b, v, precision);
    char *ours = mg_buf_take(&b, NULL);
    if (strcmp(theirs, ours) != 0)
        fail_msg("%.17g at %d: jansson %s, jsonw %s", v, precision, theirs, ours);
    free(theirs);
    free(ours);
    json_decref(j);
}

static void test_numbers_as_jansson(void **state)
{
    (void)state;
    static const double reals[] = {0.0, -0.0, 1.0, -2.5, 0.1, 1.0 / 3, 123456789.0, 1e20,
                                   1e-5, 1.5e-7, 2.2250738585072014e-308, DBL_MAX,
                                   0.041999999, 12.3456789, 1e6, 1e7, 100.0};
    for (size_t i = 0; i < sizeof reals / sizeof reals[0]; i++)
        for (int p = 1; p <= 17; p++)
            same_real(reals[i], p);
    /* durations as the access log writes them */
    srand(7);
    for (int i = 0; i < 2000; i++)
        same_real((double)rand() / RAND_MAX * pow(10, rand() % 12 - 6), 6);
    /* integers */
    static const long long ints[] = {0, -1, 9, 10, -10, 200, 503, 9007199254740993LL,
                                     INT64_MAX, INT64_MIN};
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        json_t *j = json_integer(ints[i]);
        char *theirs = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
        struct mg_buf b;
        mg_buf_init(&b, SIZE_MAX);
        mg_jsonw_int(&b, ints[i]);
        char *ours = mg_buf_take(&b, NULL);
        assert_string_equal(ours, theirs);
        free(theirs), free(ours);
        json_decref(j);
    }
}

static void test_an_object_as_jansson(void **state)
{
    (void)state;
    json_t *o = json_pack("{s:s, s:i, s:f, s:s, s:s}", "route", "/v1/comments", "status", 201,
                          "duration_ms", 0.153, "peer", "127.0.0.1:5\"1", "we\"ird\n",
                          "k\x01");
    char *theirs = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
    struct mg_buf b;
    mg_buf_init(&b, SIZE_MAX);
    bool first = true;
    mg_buf_add(&b, "{", 1);
    mg_jsonw_key(&b, &first, "route");
    mg_jsonw_cstring(&b, "/v1/comments");
    mg_jsonw_key(&b, &first, "status");
    mg_jsonw_int(&b, 201);
    mg_jsonw_key(&b, &first, "duration_ms");
    mg_jsonw_real(&b, 0.153, 6);
    mg_jsonw_key(&b, &first, "peer");
    mg_jsonw_cstring(&b, "127.0.0.1:5\"1");
    mg_jsonw_key(&b, &first, "we\"ird\n"); /* a name that needs escaping */
    mg_jsonw_cstring(&b, "k\x01");
    mg_buf_add(&b, "}", 1);
    char *ours = mg_buf_take(&b, NULL);
    assert_string_equal(ours, theirs);
    free(theirs), free(ours);
    json_decref(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strings_as_jansson),
        cmocka_unit_test(test_invalid_utf8_is_replaced),
        cmocka_unit_test(test_numbers_as_jansson),
        cmocka_unit_test(test_an_object_as_jansson),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
