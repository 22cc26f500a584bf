/* test_uuid.c: UUIDv7 layout (RFC 9562 5.7), order by time, uniqueness, and
 * the canonical-form check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "modgate/crypto.h"
#include "modgate/error.h"
#include "modgate/uuid.h"

static int setup(void **state)
{
    (void)state;
    return mg_crypto_init() == 0 ? 0 : -1;
}

static void test_layout(void **state)
{
    (void)state;
    static const struct {
        int64_t ms;
        const char *prefix; /* the 48-bit time as 8-4 hex digits */
    } cases[] = {
        /* RFC 9562 appendix A.6: 2022-02-22 14:22:22 -05:00 */
        {INT64_C(0x017F22E279B0), "017f22e2-79b0-"},
        {INT64_C(1795978166123), "01a228a3-ff6b-"}, /* ...26.123Z */
        {0, "00000000-0000-"},
        {INT64_C(0xffffffffffff), "ffffffff-ffff-"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (int rep = 0; rep < 64; rep++) {
            char id[MG_UUID_LEN];
            mg_uuid7(cases[i].ms, id);
            if (strlen(id) != 36 || !mg_uuid_valid(id))
                fail_msg("case %zu: not canonical: %s", i, id);
            if (strncmp(id, cases[i].prefix, 14) != 0)
                fail_msg("case %zu: %s does not start with %s", i, id,
                         cases[i].prefix);
            assert_int_equal(id[14], '7'); /* version */
            if (!strchr("89ab", id[19]))   /* variant 0b10 */
                fail_msg("case %zu: variant nibble %c in %s", i, id[19], id);
        }
    }
}

static int compare(const void *a, const void *b)
{
    return strcmp(a, b);
}

static int compare16(const void *a, const void *b)
{
    return memcmp(a, b, 16);
}

/* Ids sort, as text, in the order they were made: by millisecond, and
 * within one millisecond too (this thread continues from its last id), also
 * when the clock steps back; and they all differ. */
static void test_order_and_uniqueness(void **state)
{
    (void)state;
    enum { N = 2000 };
    static char ids[N][MG_UUID_LEN];
    for (int i = 0; i < N; i++) {
        int64_t ms = INT64_C(1795978166000) + i / 10;
        if (i % 97 == 0)
            ms -= 5; /* a clock stepping back */
        mg_uuid7(ms, ids[i]);
    }
    for (int i = 1; i < N; i++)
        if (strcmp(ids[i - 1], ids[i]) >= 0)
            fail_msg("%s (id %d) sorts after %s", ids[i - 1], i - 1, ids[i]);
    int64_t t0, t1;
    assert_int_equal(mg_uuid7_time_ms(ids[0], &t0), MG_OK);
    assert_int_equal(mg_uuid7_time_ms(ids[N - 1], &t1), MG_OK);
    assert_true(t0 == INT64_C(1795978166000) - 5);
    assert_true(t1 >= INT64_C(1795978166000) + (N - 1) / 10);
    /* a clock set back by a minute is believed, not held off */
    char back[MG_UUID_LEN];
    mg_uuid7(t1 - 60000, back);
    assert_int_equal(mg_uuid7_time_ms(back, &t0), MG_OK);
    assert_int_equal(t0, t1 - 60000);
    qsort(ids, N, MG_UUID_LEN, compare);
    for (int i = 1; i < N; i++)
        if (strcmp(ids[i - 1], ids[i]) == 0)
            fail_msg("duplicate id %s", ids[i]);
}

/* Every random bit takes both values across a few hundred ids. */
static void test_random_bits_vary(void **state)
{
    (void)state;
    /* a millisecond each: within one, ids continue from the last */
    char first[MG_UUID_LEN];
    mg_uuid7(INT64_C(1) << 40, first);
    unsigned seen_diff[36] = {0};
    for (int n = 0; n < 300; n++) {
        char id[MG_UUID_LEN];
        mg_uuid7((INT64_C(1) << 40) + 1 + n, id);
        for (int i = 0; i < 36; i++)
            seen_diff[i] |= (unsigned)(id[i] != first[i]);
    }
    for (int i = 0; i < 36; i++) {
        /* fixed: the time's top digits, the dashes, the version nibble */
        int fixed = i < 10 || i == 13 || i == 14 || i == 18 || i == 23;
        if (fixed && seen_diff[i])
            fail_msg("position %d changed", i);
        if (!fixed && !seen_diff[i])
            fail_msg("position %d never changed", i);
    }
}

/* The same draws in a parent and in a child of fork(): the child must not
 * repeat its parent's keystream (its generator reseeds after the fork), so
 * both a fresh id and one continuing within the parent's last millisecond,
 * and raw bytes, all differ between the two processes. */
struct draws {
    char fresh[MG_UUID_LEN];
    char continued[MG_UUID_LEN];
    uint8_t raw[32];
};

static void draw(struct draws *d, int64_t last_ms)
{
    mg_uuid7(last_ms, d->continued); /* same ms as the last id: a step */
    mg_uuid7(last_ms + 1000, d->fresh);
    mg_crypto_random_fast(d->raw, sizeof d->raw);
}

static void test_distinct_across_fork(void **state)
{
    (void)state;
    const int64_t ms = INT64_C(1795978170000);
    char before[MG_UUID_LEN];
    mg_uuid7(ms, before); /* both processes continue from this id */
    uint8_t warm[8];
    mg_crypto_random_fast(warm, sizeof warm);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct draws d;
        draw(&d, ms);
        ssize_t w = write(fds[1], &d, sizeof d);
        _exit(w == (ssize_t)sizeof d ? 0 : 1);
    }
    struct draws mine, child;
    draw(&mine, ms);
    size_t got = 0;
    while (got < sizeof child) {
        ssize_t r = read(fds[0], (char *)&child + got, sizeof child - got);
        assert_true(r > 0);
        got += (size_t)r;
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    close(fds[0]);
    close(fds[1]);
    assert_true(mg_uuid_valid(child.fresh) && mg_uuid_valid(child.continued));
    assert_true(strcmp(child.continued, before) > 0);
    assert_true(strcmp(mine.continued, before) > 0);
    assert_string_not_equal(mine.fresh, child.fresh);
    assert_string_not_equal(mine.continued, child.continued);
    assert_memory_not_equal(mine.raw, child.raw, sizeof mine.raw);
}

/* Many draws of the per-thread generator, across its refills: no two
 * 16-byte blocks alike, and every byte value seen. */
static void test_fast_random_blocks(void **state)
{
    (void)state;
    enum { N = 4096 };
    static uint8_t blocks[N][16];
    unsigned seen[256] = {0};
    for (int i = 0; i < N; i++) {
        mg_crypto_random_fast(blocks[i], (size_t)(i % 2 ? 16 : 7));
        if (i % 2 == 0)
            mg_crypto_random_fast(blocks[i] + 7, 9);
        for (int j = 0; j < 16; j++)
            seen[blocks[i][j]] = 1;
    }
    qsort(blocks, N, 16, compare16);
    for (int i = 1; i < N; i++)
        if (memcmp(blocks[i - 1], blocks[i], 16) == 0)
            fail_msg("two equal blocks of 16 random bytes");
    for (int v = 0; v < 256; v++)
        if (!seen[v])
            fail_msg("byte %d never drawn", v);
}

static void test_valid(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int valid;
    } cases[] = {
        {"01938f6e-7c1a-7b2e-9a41-3f5c2d1e0b9a", 1},
        {"00000000-0000-0000-0000-000000000000", 1}, /* form only */
        {"01938F6E-7C1A-7B2E-9A41-3F5C2D1E0B9A", 0}, /* uppercase */
        {"01938f6e-7c1a-7b2e-9a41-3f5c2d1e0b9", 0},  /* 35 characters */
        {"01938f6e-7c1a-7b2e-9a41-3f5c2d1e0b9a0", 0},
        {"01938f6e-7c1a-7b2e-9a41-3f5c2d1e0b9g", 0},
        {"01938f6e7c1a-7b2e-9a41-3f5c2d1e0b9a0", 0}, /* dash moved */
        {"01938f6e-7c1a7-b2e-9a41-3f5c2d1e0b9a", 0},
        {"01938f6e-7c1a-7b2e-9a413f5c2d1e0b9a-", 0},
        {"{01938f6e-7c1a-7b2e-9a41-3f5c2d1e0b9}", 0},
        {"01938f6e 7c1a 7b2e 9a41 3f5c2d1e0b9a", 0},
        {"01938f6e7c1a7b2e9a413f5c2d1e0b9a", 0},
        {"", 0},
        {"01938f6e-", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (mg_uuid_valid(cases[i].text) != cases[i].valid)
            fail_msg("case %zu \"%s\": want %d", i, cases[i].text,
                     cases[i].valid);
}

/* The time a UUIDv7 carries is the time it was made for; other UUIDs and
 * non-UUIDs have none. */
static void test_time_of_a_uuid7(void **state)
{
    (void)state;
    static const int64_t times[] = {0, 1, 1733140000123, 281474976710655};
    for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
        char id[MG_UUID_LEN];
        mg_uuid7(times[i], id);
        int64_t ms = -1;
        assert_int_equal(mg_uuid7_time_ms(id, &ms), MG_OK);
        assert_int_equal(ms, times[i]);
    }
    int64_t ms;
    assert_int_equal(mg_uuid7_time_ms("0193a000-0000-4000-8000-000000000000", &ms),
                     MG_EINVAL); /* a v4 */
    assert_int_equal(mg_uuid7_time_ms("0193a000-0000-7000-8000-00000000000", &ms),
                     MG_EINVAL);
    assert_int_equal(mg_uuid7_time_ms("", &ms), MG_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_order_and_uniqueness),
        cmocka_unit_test(test_random_bits_vary),
        cmocka_unit_test(test_distinct_across_fork),
        cmocka_unit_test(test_fast_random_blocks),
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_time_of_a_uuid7),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
