/* lexicon.c: open addressing with linear probing over FNV-1a hashes; the
 * table doubles at half full, so a probe is short and a miss is cheap.
 * A probe walks an array of 32-bit tags (part of each key's hash, 0 for an
 * empty slot) and reads a slot only when its tag matches: most lookups are
 * of words no list holds, and the tags of a lexicon of thousands of keys
 * stay in the cache where the slots, eight times their size, did not. */
#include "src/rules/lexicon.h"

#include <string.h>

#include "modgate/alloc.h"

struct slot {
    char *key; /* NULL: empty */
    size_t len;
    uint64_t hash;
    struct lex_entry *entries;
};

struct lexicon {
    struct slot *slots;
    uint32_t *tags; /* per slot: tag_of its key's hash, or 0 when empty */
    size_t cap; /* a power of two */
    size_t used;
    uint64_t prefix_lengths, suffix_lengths;
};

#define FNV_BASIS 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

static uint64_t fnv1a(const char *s, size_t n)
{
    uint64_t h = FNV_BASIS;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= FNV_PRIME;
    }
    return h;
}

struct lexicon *lexicon_new(void)
{
    struct lexicon *lx = mg_calloc(1, sizeof *lx);
    lx->cap = 64;
    lx->slots = mg_calloc(lx->cap, sizeof *lx->slots);
    lx->tags = mg_calloc(lx->cap, sizeof *lx->tags);
    return lx;
}

static void entry_free(struct lex_entry *e)
{
    while (e) {
        struct lex_entry *next = e->next;
        for (uint16_t i = 0; i + 1 < e->nwords; i++)
            mg_free(e->rest[i]);
        mg_free(e->rest);
        mg_free(e);
        e = next;
    }
}

void lexicon_free(struct lexicon *lx)
{
    if (!lx)
        return;
    for (size_t i = 0; i < lx->cap; i++) {
        mg_free(lx->slots[i].key);
        entry_free(lx->slots[i].entries);
    }
    mg_free(lx->slots);
    mg_free(lx->tags);
    mg_free(lx);
}

/* The hash's high half (the low bits pick the slot), never 0. */
static uint32_t tag_of(uint64_t hash)
{
    return (uint32_t)(hash >> 32) | 1u;
}

/* The index of key's slot, or of the empty one where it would go. */
static size_t probe(const struct slot *slots, const uint32_t *tags, size_t cap,
                    const char *key, size_t len, uint64_t hash)
{
    uint32_t tag = tag_of(hash);
    size_t i = (size_t)hash & (cap - 1);
    while (tags[i] && !(tags[i] == tag && slots[i].hash == hash && slots[i].len == len &&
                        memcmp(slots[i].key, key, len) == 0))
        i = (i + 1) & (cap - 1);
    return i;
}

static void grow(struct lexicon *lx)
{
    size_t cap = lx->cap * 2;
    struct slot *slots = mg_calloc(cap, sizeof *slots);
    uint32_t *tags = mg_calloc(cap, sizeof *tags);
    for (size_t i = 0; i < lx->cap; i++)
        if (lx->tags[i]) {
            size_t at = probe(slots, tags, cap, lx->slots[i].key, lx->slots[i].len,
                              lx->slots[i].hash);
            slots[at] = lx->slots[i];
            tags[at] = lx->tags[i];
        }
    mg_free(lx->slots);
    mg_free(lx->tags);
    lx->slots = slots;
    lx->tags = tags;
    lx->cap = cap;
}

static int same_words(const struct lex_entry *e, uint16_t nwords,
                      const char *const *rest)
{
    if (e->nwords != nwords)
        return 0;
    for (uint16_t i = 0; i + 1 < nwords; i++)
        if (strcmp(e->rest[i], rest[i]) != 0)
            return 0;
    return 1;
}

void lexicon_add(struct lexicon *lx, const char *key, size_t key_len,
                 uint32_t list, enum lex_kind kind, uint16_t nwords,
                 const char *const *rest, uint64_t doubled)
{
    if ((lx->used + 1) * 2 > lx->cap)
        grow(lx);
    uint64_t hash = fnv1a(key, key_len);
    size_t at = probe(lx->slots, lx->tags, lx->cap, key, key_len, hash);
    struct slot *s = &lx->slots[at];
    if (!lx->tags[at]) {
        lx->tags[at] = tag_of(hash);
        s->key = mg_malloc(key_len + 1);
        memcpy(s->key, key, key_len);
        s->key[key_len] = '\0';
        s->len = key_len;
        s->hash = hash;
        lx->used++;
    }
    for (struct lex_entry *e = s->entries; e; e = e->next)
        if (e->list == list && e->kind == kind && same_words(e, nwords, rest)) {
            /* "coomment" and "comment" squeeze alike: a word doubled in
             * only one of them may be met as written */
            e->doubled &= doubled;
            return;
        }
    struct lex_entry *e = mg_calloc(1, sizeof *e);
    e->list = list;
    e->kind = (uint8_t)kind;
    e->doubled = doubled;
    e->nwords = nwords ? nwords : 1;
    if (e->nwords > 1) {
        e->rest = mg_calloc(e->nwords - 1u, sizeof *e->rest);
        for (uint16_t i = 0; i + 1 < e->nwords; i++)
            e->rest[i] = mg_strdup(rest[i]);
    }
    e->next = s->entries;
    s->entries = e;
    uint64_t bit = 1ULL << (key_len < 63 ? key_len : 63);
    if (kind == LEX_PREFIX || kind == LEX_SQUEEZED_PREFIX)
        lx->prefix_lengths |= bit;
    else if (kind == LEX_SUFFIX)
        lx->suffix_lengths |= bit;
}

const struct lex_entry *lexicon_find(const struct lexicon *lx, const char *key,
                                     size_t key_len)
{
    size_t i = probe(lx->slots, lx->tags, lx->cap, key, key_len, fnv1a(key, key_len));
    return lx->tags[i] ? lx->slots[i].entries : NULL;
}

void lexicon_find_prefixes(const struct lexicon *lx, const char *key, size_t len,
                           const struct lex_entry *at[64])
{
    uint64_t h = FNV_BASIS; /* of key[0..n) at step n */
    for (size_t n = 0; n <= len && n < 64; n++) {
        if (n > 0) {
            h ^= (unsigned char)key[n - 1];
            h *= FNV_PRIME;
        }
        if ((lx->prefix_lengths >> n) & 1) {
            size_t i = probe(lx->slots, lx->tags, lx->cap, key, n, h);
            at[n] = lx->tags[i] ? lx->slots[i].entries : NULL;
        }
        if ((lx->prefix_lengths >> n) <= 1)
            break; /* no longer lengths */
    }
}

uint64_t lexicon_prefix_lengths(const struct lexicon *lx)
{
    return lx->prefix_lengths;
}

uint64_t lexicon_suffix_lengths(const struct lexicon *lx)
{
    return lx->suffix_lengths;
}

size_t lexicon_size(const struct lexicon *lx)
{
    return lx->used;
}

/* Some entry of kind that is one word. */
static bool has_word(const struct lex_entry *e, enum lex_kind kind)
{
    for (; e; e = e->next)
        if (e->kind == kind && e->nwords == 1)
            return true;
    return false;
}

static bool utf8_boundary(const char *s, size_t at)
{
    return ((unsigned char)s[at] & 0xc0) != 0x80;
}

bool lexicon_knows_word(const struct lexicon *lx, const char *form, size_t len)
{
    if (has_word(lexicon_find(lx, form, len), LEX_EXACT))
        return true;
    const struct lex_entry *prefixed[64];
    lexicon_find_prefixes(lx, form, len, prefixed);
    for (uint64_t bits = lx->prefix_lengths; bits; bits &= bits - 1) {
        size_t k = (size_t)__builtin_ctzll(bits);
        if (k <= len && (k == len || utf8_boundary(form, k)) &&
            has_word(prefixed[k], LEX_PREFIX))
            return true;
    }
    for (uint64_t bits = lx->suffix_lengths; bits; bits &= bits - 1) {
        size_t k = (size_t)__builtin_ctzll(bits);
        if (k <= len && utf8_boundary(form, len - k) &&
            has_word(lexicon_find(lx, form + len - k, k), LEX_SUFFIX))
            return true;
    }
    return false;
}
