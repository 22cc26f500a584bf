/* testutil.h: what several unit tests share: a scratch directory per test
 * (cmocka setup/teardown) and writing a file with a given mode. Include it
 * after cmocka.h. */
#ifndef MODGATE_TESTUTIL_H
#define MODGATE_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "modgate/alloc.h"

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

#endif
