/* test_lexicon.c: the one hash table of a rule set's lists
 * (src/rules/lexicon.h): every key added is found with its entries after
 * the table has grown many times, keys that differ only past a NUL byte or
 * by being a prefix of another are told apart, a key met again keeps one
 * entry per list, prefix lookups find every length that exists, and keys
 * never added are not found. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "src/rules/lexicon.h"

#define MANY 20000

static size_t key_of(char *buf, size_t size, const char *prefix, int i)
{
    return (size_t)snprintf(buf, size, "%s%d", prefix, i);
}

static size_t count(const struct lex_entry *e)
{
    size_t n = 0;
    for (; e; e = e->next)
        n++;
    return n;
}

/* 20,000 keys ("w0", "w1", ... "w10", ...: many a prefix of others) make the
 * table grow from its 64 slots to 65,536; each is found, with its list, and
 * 20,000 others ("x0", ..., and "w20000" up) are not. */
static void test_every_key_is_found_after_growing(void **state)
{
    (void)state;
    struct lexicon *lx = lexicon_new();
    char key[32];
    for (int i = 0; i < MANY; i++) {
        size_t len = key_of(key, sizeof key, "w", i);
        lexicon_add(lx, key, len, (uint32_t)(i % 7), LEX_EXACT, 1, NULL, 0);
    }
    assert_int_equal(lexicon_size(lx), MANY);
    for (int i = 0; i < MANY; i++) {
        size_t len = key_of(key, sizeof key, "w", i);
        const struct lex_entry *e = lexicon_find(lx, key, len);
        assert_non_null(e);
        assert_int_equal(count(e), 1);
        assert_int_equal(e->list, (uint32_t)(i % 7));
        assert_int_equal(e->kind, LEX_EXACT);
    }
    for (int i = 0; i < MANY; i++) {
        size_t len = key_of(key, sizeof key, "x", i);
        assert_null(lexicon_find(lx, key, len));
        len = key_of(key, sizeof key, "w", MANY + i);
        assert_null(lexicon_find(lx, key, len));
    }
    assert_null(lexicon_find(lx, "", 0));
    assert_null(lexicon_find(lx, "w", 1));
    lexicon_free(lx);
}

/* Keys are bytes with a length: "a", "a\0b" and "ab" are three keys. */
static void test_keys_are_bytes_with_a_length(void **state)
{
    (void)state;
    struct lexicon *lx = lexicon_new();
    lexicon_add(lx, "a", 1, 1, LEX_EXACT, 1, NULL, 0);
    lexicon_add(lx, "a\0b", 3, 2, LEX_EXACT, 1, NULL, 0);
    assert_int_equal(lexicon_size(lx), 2);
    assert_int_equal(lexicon_find(lx, "a", 1)->list, 1);
    assert_int_equal(lexicon_find(lx, "a\0b", 3)->list, 2);
    assert_null(lexicon_find(lx, "ab", 2));
    assert_null(lexicon_find(lx, "a\0", 2));
    lexicon_free(lx);
}

/* The same entry twice is kept once; another list, kind or phrase under the
 * same key is an entry of its own under that key. */
static void test_a_key_met_again_keeps_one_entry_per_list(void **state)
{
    (void)state;
    struct lexicon *lx = lexicon_new();
    const char *rest[] = {"news"};
    lexicon_add(lx, "fake", 4, 3, LEX_EXACT, 1, NULL, 0);
    lexicon_add(lx, "fake", 4, 3, LEX_EXACT, 1, NULL, 0);
    assert_int_equal(count(lexicon_find(lx, "fake", 4)), 1);
    lexicon_add(lx, "fake", 4, 4, LEX_EXACT, 1, NULL, 0);
    lexicon_add(lx, "fake", 4, 3, LEX_PREFIX, 1, NULL, 0);
    lexicon_add(lx, "fake", 4, 3, LEX_EXACT, 2, rest, 0);
    assert_int_equal(count(lexicon_find(lx, "fake", 4)), 4);
    assert_int_equal(lexicon_size(lx), 1);
    lexicon_free(lx);
}

/* Each prefix length that some prefix entry has is looked up, and only the
 * lengths whose prefix is an entry's key are found. */
static void test_every_prefix_length_is_found(void **state)
{
    (void)state;
    struct lexicon *lx = lexicon_new();
    char key[32];
    for (int i = 0; i < 1000; i++) { /* a table that has grown, around them */
        size_t len = key_of(key, sizeof key, "filler", i);
        lexicon_add(lx, key, len, 0, LEX_EXACT, 1, NULL, 0);
    }
    lexicon_add(lx, "sca", 3, 5, LEX_PREFIX, 1, NULL, 0);
    lexicon_add(lx, "scamme", 6, 6, LEX_PREFIX, 1, NULL, 0);
    lexicon_add(lx, "xyz", 3, 7, LEX_PREFIX, 1, NULL, 0);
    assert_int_equal(lexicon_prefix_lengths(lx), (1u << 3) | (1u << 6));
    assert_int_equal(lexicon_suffix_lengths(lx), 0);

    const struct lex_entry *at[64] = {0};
    lexicon_find_prefixes(lx, "scammers", 8, at);
    assert_non_null(at[3]);
    assert_int_equal(at[3]->list, 5);
    assert_non_null(at[6]);
    assert_int_equal(at[6]->list, 6);

    /* "sco" is no key; 6 is longer than the word: its slot is left alone */
    static const struct lex_entry untouched;
    const struct lex_entry *none[64];
    for (size_t i = 0; i < 64; i++)
        none[i] = &untouched;
    lexicon_find_prefixes(lx, "scorn", 5, none);
    assert_null(none[3]);
    assert_ptr_equal(none[6], &untouched);
    lexicon_free(lx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_key_is_found_after_growing),
        cmocka_unit_test(test_keys_are_bytes_with_a_length),
        cmocka_unit_test(test_a_key_met_again_keeps_one_entry_per_list),
        cmocka_unit_test(test_every_prefix_length_is_found),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
