/* testutil.h: what several unit tests share: a scratch directory per test
 * (cmocka setup/teardown) and writing a file with a given mode. Include it
 * after cmocka.h. */
#ifndef MODGATE_TESTUTIL_H
#define MODGATE_TESTUTIL_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string.h>

#include "modgate/alloc.h"
#include "modgate/config.h"
#include "modgate/error.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* A scratch directory, made by mg_test_setup_dir and removed with all it
 * holds by mg_test_teardown_dir; *state points at it during the test. */
struct fixture {
    char dir[64];
};

static inline int mg_test_setup_dir(void **state)
{
    struct fixture *f = mg_calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/mg-unit-XXXXXX");
    if (!mkdtemp(f->dir)) {
        mg_free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static inline int mg_test_teardown_dir(void **state)
{
    struct fixture *f = *state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    int rc = system(cmd);
    mg_free(f);
    return rc == 0 ? 0 : -1;
}

/* Writes text to path (replacing it) and gives it mode. */
static inline void mg_test_write_file(const char *path, const char *text,
                                      mode_t mode)
{
    unlink(path);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    assert_int_equal(fclose(fp), 0);
    assert_int_equal(chmod(path, mode), 0);
}

/* The value of the YAML key `name` in text (a key file, a retired keys
 * entry), copied into out: the rest of the line after "name: ", where name
 * starts a line or follows "- " or indentation. */
static inline void mg_test_yaml_value(const char *text, const char *name,
                                      char *out, size_t size)
{
    size_t nlen = strlen(name);
    const char *p = text;
    for (; (p = strstr(p, name)) != NULL; p += nlen) {
        bool at_key_start = p == text || p[-1] == '\n' || p[-1] == ' ';
        if (at_key_start && p[nlen] == ':' && p[nlen + 1] == ' ')
            break;
    }
    assert_non_null(p);
    p += nlen + 2;
    size_t n = strcspn(p, "\n");
    assert_true(n < size);
    memcpy(out, p, n);
    out[n] = '\0';
}

/* Asserts that err points at file:line:column with a message holding
 * message; what names the case when it fails. */
static inline void mg_test_expect_error(const char *what,
                                        const struct mg_error *err,
                                        const char *file, int line, int column,
                                        const char *message)
{
    if (err->line != line || err->column != column)
        fail_msg("%s: at %d:%d, want %d:%d (%s)", what, err->line, err->column,
                 line, column, err->message);
    if (!strstr(err->message, message))
        fail_msg("%s: message \"%s\" lacks \"%s\"", what, err->message,
                 message);
    assert_string_equal(err->file, file);
}

/* Byte strings that are not UTF-8, for every parser of text to refuse: one
 * table, so a new kind of bad input is added once. (NUL is valid UTF-8;
 * parsers that refuse it test that apart.) */
static const struct mg_test_bad_utf8 {
    const char *what;
    const char *text;
    size_t len;
} mg_test_bad_utf8[] = {
#define MG_TEST_BYTES(lit) lit, sizeof(lit) - 1
    {"stray continuation", MG_TEST_BYTES("a\x80")},
    {"lone continuation", MG_TEST_BYTES("\x80")},
    {"0xff", MG_TEST_BYTES("a\xff")},
    {"truncated 2-byte", MG_TEST_BYTES("ok\xc3")},
    {"truncated 3-byte", MG_TEST_BYTES("free\xe2\x82")},
    {"truncated 4-byte", MG_TEST_BYTES("\xf0\x9f\x98")},
    {"overlong slash", MG_TEST_BYTES("\xc0\xaf")},
    {"overlong NUL", MG_TEST_BYTES("\xc0\x80")},
    {"overlong 3-byte", MG_TEST_BYTES("\xe0\x80\xaf")},
    {"lone high surrogate", MG_TEST_BYTES("ab\xed\xa0\x80")},
    {"lone low surrogate", MG_TEST_BYTES("\xed\xbf\xbf")},
    {"past U+10FFFF", MG_TEST_BYTES("\xf4\x90\x80\x80")},
    {"bad byte after valid text", MG_TEST_BYTES("\xed\x95\x9c\xea\xb5\xad\xfe")},
    {"stray byte inside a link", MG_TEST_BYTES("bit.ly/x \x80 ok")},
#undef MG_TEST_BYTES
};

/* Asserts that the YAML config text is refused (MG_EINVAL) with an error at
 * t.yaml:line:column whose message holds message. */
static inline void mg_test_expect_config_error(const char *what,
                                               const char *yaml, int line,
                                               int column, const char *message)
{
    struct mg_config cfg;
    mg_config_init(&cfg);
    struct mg_error err = {0};
    int rc = mg_config_load_string(&cfg, "t.yaml", yaml, strlen(yaml), &err);
    if (rc != MG_EINVAL)
        fail_msg("%s: rc %d, want %d (%s)", what, rc, MG_EINVAL, err.message);
    mg_test_expect_error(what, &err, "t.yaml", line, column, message);
    mg_config_close(&cfg);
}

#endif
