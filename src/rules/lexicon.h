/* lexicon.h: every entry of every list of a rule set in one hash table, so
 * that matching costs a lookup per word form however long the lists are.
 * Keys are byte strings (normalized words, domains, author ids); one key
 * may carry entries of several lists. Private to src/rules. */
#ifndef MODGATE_RULES_LEXICON_H
#define MODGATE_RULES_LEXICON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum lex_kind {
    LEX_EXACT,  /* the whole word (or the first word of a phrase) */
    LEX_PREFIX, /* "word*": words starting with it */
    LEX_SUFFIX, /* "*word": words ending with it */
    LEX_DOMAIN, /* a domain (its subdomains are found by walking up) */
    LEX_ID,     /* an author id */
    /* An EXACT or PREFIX entry with a doubled letter, under its squeezed
     * key (mg_norm_squeeze): each of its words that had a doubled letter
     * is matched against a word's squeezed form only (see `doubled`). */
    LEX_SQUEEZED,
    LEX_SQUEEZED_PREFIX,
};

struct lex_entry {
    uint32_t list;          /* the list's index in the rule set */
    uint8_t kind;           /* enum lex_kind */
    uint16_t nwords;        /* 1, or the words of a phrase */
    char **rest;            /* a phrase's words after the first (nwords - 1) */
    uint64_t doubled;       /* LEX_SQUEEZED*: bit k set when word k (k < 64)
                               had a doubled letter before squeezing */
    struct lex_entry *next; /* another entry under the same key */
};

struct lexicon;

struct lexicon *lexicon_new(void);
void lexicon_free(struct lexicon *lx);

/* Adds an entry under key (copied). Duplicates of (key, list, kind, words)
 * are kept once, with the words doubled in both. rest: nwords - 1 words,
 * copied. doubled: 0 but for LEX_SQUEEZED*. */
void lexicon_add(struct lexicon *lx, const char *key, size_t key_len,
                 uint32_t list, enum lex_kind kind, uint16_t nwords,
                 const char *const *rest, uint64_t doubled);

/* The entries under key, or NULL. */
const struct lex_entry *lexicon_find(const struct lexicon *lx, const char *key,
                                     size_t key_len);

/* The entries under each prefix of key[0..len) whose length n has its bit
 * in lexicon_prefix_lengths: at[n] for each such n <= len (NULL when there
 * are none; other slots are left alone). One pass hashes them all, where a
 * lexicon_find per length would hash the key's start again each time. */
void lexicon_find_prefixes(const struct lexicon *lx, const char *key, size_t len,
                           const struct lex_entry *at[64]);

/* Bit n set when some LEX_PREFIX or LEX_SQUEEZED_PREFIX (or LEX_SUFFIX)
 * key is n bytes long (n < 64; longer ones set bit 63), so that matching
 * tries only the lengths that exist. */
uint64_t lexicon_prefix_lengths(const struct lexicon *lx);
uint64_t lexicon_suffix_lengths(const struct lexicon *lx);

size_t lexicon_size(const struct lexicon *lx);

/* Whether a one-word entry of some list (a word, "prefix*" or "*suffix")
 * meets the word form (len bytes of UTF-8): what the normalizer asks to
 * settle how spelled-out letters are cut (mg_norm_known). */
bool lexicon_knows_word(const struct lexicon *lx, const char *form, size_t len);

#endif
