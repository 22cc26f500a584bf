/* test_tokens.c: the tokens file parser, its errors, and token lookup. */
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

#include "modgate/tokens.h"

#define TOK_A "0123456789abcdef0123"   /* 20 characters */
#define TOK_B "Zm9vYmFyYmF6cXV4cXV1eA" /* 22 characters */
#define TOK_C "abc#defghijklmnopq"     /* '#' inside a token is not a comment */

static void test_valid_file(void **state)
{
    (void)state;
    static const char text[] =
        "# modgate tokens: ROLE NAME TOKEN\n"
        "\n"
        "site newsroom " TOK_A "\n"
        "  \t\n"
        "moderator\talice   " TOK_B "  # Alice's laptop, Zoë's old one\r\n"
        "moderator bob " TOK_C "\n"
        "# trailing comment without newline";
    struct mg_tokens *t = NULL;
    struct mg_error err = {0};
    int rc = mg_tokens_parse("tokens", text, strlen(text), &t, &err);
    if (rc != 0)
        fail_msg("parse failed: %d %d:%d %s", rc, err.line, err.column,
                 err.message);
    assert_int_equal(mg_tokens_count(t), 3);

    static const struct {
        const char *token;
        enum mg_role role;
        const char *name;
    } want[] = {
        {TOK_A, MG_ROLE_SITE, "newsroom"},
        {TOK_B, MG_ROLE_MODERATOR, "alice"},
        {TOK_C, MG_ROLE_MODERATOR, "bob"},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const struct mg_principal *p =
            mg_tokens_lookup(t, want[i].token, strlen(want[i].token));
        if (!p)
            fail_msg("case %zu: token not found", i);
        assert_int_equal(p->role, want[i].role);
        assert_string_equal(p->name, want[i].name);
    }
    mg_tokens_free(t);
}

/* docs/api.md sets no minimum length for a token: a short one works, and is counted
 * as weak (the server warns at start), with the line of the first. */
static void test_short_tokens_work_and_are_counted(void **state)
{
    (void)state;
    static const char text[] = "site newsroom " TOK_A "\n"
                               "\n"
                               "site test 9f2c\n"
                               "moderator alice 41d8\n"
                               "moderator bob 0123456789abcde\n"; /* 15 */
    struct mg_tokens *t = NULL;
    struct mg_error err = {0};
    assert_int_equal(mg_tokens_parse("tokens", text, strlen(text), &t, &err), 0);
    assert_int_equal(mg_tokens_count(t), 4);
    int line = -1;
    assert_int_equal(mg_tokens_weak(t, &line), 3);
    assert_int_equal(line, 3);
    const struct mg_principal *p = mg_tokens_lookup(t, "41d8", 4);
    assert_non_null(p);
    assert_string_equal(p->name, "alice");
    assert_null(mg_tokens_lookup(t, "41d", 3));
    assert_null(mg_tokens_lookup(t, "41d80", 5));
    mg_tokens_free(t);

    /* none weak: 0, and line 0 */
    static const char strong[] = "site newsroom 0123456789abcdef\n"; /* 16 */
    assert_int_equal(mg_tokens_parse("tokens", strong, strlen(strong), &t, &err), 0);
    assert_int_equal(mg_tokens_weak(t, &line), 0);
    assert_int_equal(line, 0);
    mg_tokens_free(t);
}

static void test_empty_file(void **state)
{
    (void)state;
    struct mg_tokens *t = NULL;
    struct mg_error err = {0};
    assert_int_equal(mg_tokens_parse("tokens", "", 0, &t, &err), 0);
    assert_int_equal(mg_tokens_count(t), 0);
    assert_null(mg_tokens_lookup(t, TOK_A, strlen(TOK_A)));
    mg_tokens_free(t);
}

static void test_errors(void **state)
{
    (void)state;
    static const char long_name[] = "n123456789n123456789n123456789n123456789n1"
                                    "23456789n123456789abcde"; /* 65 */
    static const char long_token[] =
        "t123456789t123456789t123456789t123456789t123456789t123456789t123456789"
        "t123456789t123456789t123456789t123456789t123456789t123456789t123456789"
        "t123456789t123456789t123456789t123456789t123456789t123456789t123456789"
        "t123456789t123456789t123456789t123456789abcdefg"; /* 70 * 3 + 47 = 257
                                                            */
    char name_line[200], token_line[400];
    snprintf(name_line, sizeof name_line, "site %s " TOK_A "\n", long_name);
    snprintf(token_line, sizeof token_line, "# x\nsite n %s\n", long_token);
    assert_int_equal(strlen(long_name), 65);
    assert_int_equal(strlen(long_token), 257);

    const struct {
        const char *what;
        const char *text;
        int line, column;
        const char *message; /* a substring the message must contain */
    } cases[] = {
        /* "admin" is field 1. */
        {"unknown role", "admin alice " TOK_A "\n", 1, 1,
         "unknown role \"admin\""},
        /* A long first field may be a token in the wrong place: not echoed. */
        {"unknown role, long", "\n" TOK_B " site alice\n", 2, 1,
         "unknown role (expected"},
        /* "site newsroom" ends at column 13; TOKEN belongs at 14. */
        {"missing token", "# hi\nsite newsroom\n", 2, 14, "missing TOKEN"},
        {"missing name and token", "site\n", 1, 5, "missing NAME and TOKEN"},
        /* site 1-4, newsroom 6-13, token 15-34, extra at 36. */
        {"extra field", "site newsroom " TOK_A " extra\n", 1, 36,
         "extra field"},
        {"long token", token_line, 2, 8, "too long"},
        {"long name", name_line, 1, 6, "at most 64"},
        /* site 1-4, b 6, token at 8; the first copy is on line 1. */
        {"duplicate", "site a " TOK_A "\nsite b " TOK_A "\n", 2, 8,
         "already on line 1"},
        {"duplicate later",
         "site a " TOK_A "\n#\nsite b " TOK_B "\nmoderator c " TOK_A "\n", 4,
         13, "already on line 1"},
        /* z at 6, o at 7, the UTF-8 lead byte at 8. */
        {"non-ASCII name", "site zo\xc3\xab " TOK_A "\n", 1, 8, "non-ASCII"},
        {"control character",
         "site a\x01"
         "b " TOK_A "\n",
         1, 7, "non-ASCII or control"},
        {"non-ASCII in token",
         "site a 0123456789\xff"
         "abcdef\n",
         1, 18, "non-ASCII"},
        {"NUL byte",
         "site a 01234567\0"
         "89abcdef\n",
         1, 16, "control"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len = strlen(cases[i].text);
        if (strcmp(cases[i].what, "NUL byte") == 0)
            len = 25; /* "site a 01234567" NUL "89abcdef\n" */
        struct mg_tokens *t = NULL;
        struct mg_error err = {0};
        int rc = mg_tokens_parse("tok.txt", cases[i].text, len, &t, &err);
        if (rc != MG_EINVAL || t != NULL)
            fail_msg("%s: rc %d, want %d", cases[i].what, rc, MG_EINVAL);
        mg_test_expect_error(cases[i].what, &err, "tok.txt", cases[i].line,
                             cases[i].column, cases[i].message);
        /* Tokens never appear in messages. */
        if (strstr(err.message, TOK_A) || strstr(err.message, TOK_B) ||
            strstr(err.message, "short123") ||
            strstr(err.message, "t123456789"))
            fail_msg("%s: message leaks a token: %s", cases[i].what,
                     err.message);
    }
}

static void test_lookup_rejects(void **state)
{
    (void)state;
    static const char text[] =
        "site newsroom " TOK_A "\nmoderator alice " TOK_B "\n";
    struct mg_tokens *t = NULL;
    struct mg_error err = {0};
    assert_int_equal(mg_tokens_parse("tokens", text, strlen(text), &t, &err),
                     0);

    static const char *const wrong[] = {
        "",
        "0123456789abcdef012",  /* prefix of TOK_A */
        "123456789abcdef0123",  /* suffix of TOK_A */
        TOK_A "4",              /* TOK_A plus one */
        "0123456789ABCDEF0123", /* case differs */
        " " TOK_A,              /* whitespace is not trimmed here */
        "Bearer " TOK_A,
        "site newsroom " TOK_A,
        "ffffffffffffffffffffffff",
    };
    for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++)
        if (mg_tokens_lookup(t, wrong[i], strlen(wrong[i])) != NULL)
            fail_msg("case %zu: \"%s\" was accepted", i, wrong[i]);
    assert_null(mg_tokens_lookup(t, NULL, 0));
    /* The length given is what counts, not a NUL. */
    assert_null(mg_tokens_lookup(t, TOK_A, strlen(TOK_A) - 1));
    const struct mg_principal *p =
        mg_tokens_lookup(t, TOK_A "trailing", strlen(TOK_A));
    assert_non_null(p);
    assert_string_equal(p->name, "newsroom");
    assert_null(mg_tokens_lookup(NULL, TOK_A, strlen(TOK_A)));
    mg_tokens_free(t);
    mg_tokens_free(NULL);
}

static void test_role_names(void **state)
{
    (void)state;
    assert_string_equal(mg_role_name(MG_ROLE_SITE), "site");
    assert_string_equal(mg_role_name(MG_ROLE_MODERATOR), "moderator");
    assert_string_equal(mg_role_name((enum mg_role)0), "unknown");
}

static void test_load_modes(void **state)
{
    (void)state;
    char dir[] = "/tmp/mg-test-tokens-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/tokens", dir);

    const struct {
        mode_t mode;
        int rc;
    } cases[] = {
        {0600, 0},        {0640, 0},        {0400, 0},        {0644, MG_EPERM},
        {0660, MG_EPERM}, {0604, MG_EPERM}, {0700, MG_EPERM},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mg_test_write_file(path, "site newsroom " TOK_A "\n", cases[i].mode);
        struct mg_tokens *t = NULL;
        struct mg_error err = {0};
        int rc = mg_tokens_load(path, &t, &err);
        if (rc != cases[i].rc)
            fail_msg("mode %04o: rc %d, want %d (%s)", (unsigned)cases[i].mode,
                     rc, cases[i].rc, err.message);
        if (rc == MG_EPERM) {
            assert_null(t);
            char want[32];
            snprintf(want, sizeof want, "mode %04o", (unsigned)cases[i].mode);
            assert_non_null(strstr(err.message, want));
            assert_non_null(strstr(err.message, "chmod 600"));
        } else {
            assert_int_equal(mg_tokens_count(t), 1);
        }
        mg_tokens_free(t);
        unlink(path);
    }

    struct mg_tokens *t = NULL;
    struct mg_error err = {0};
    assert_int_equal(mg_tokens_load(path, &t, &err), MG_ENOENT);

    /* Errors from a loaded file name the file. */
    mg_test_write_file(path, "site\n", 0600);
    assert_int_equal(mg_tokens_load(path, &t, &err), MG_EINVAL);
    assert_string_equal(err.file, path);
    assert_int_equal(err.line, 1);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_file),
        cmocka_unit_test(test_short_tokens_work_and_are_counted),
        cmocka_unit_test(test_empty_file),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_lookup_rejects),
        cmocka_unit_test(test_role_names),
        cmocka_unit_test(test_load_modes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
