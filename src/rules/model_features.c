/* model_features.c: the features of a normalized text (model.h says which,
 * in what order, and how they are hashed), a model's scores over them and
 * the features behind a score. Scoring hashes each feature as it is made,
 * with no copy of its text and no allocation per feature: the text and its
 * words are the judge's, normalized once. */
#include "modgate/model.h"

#include <math.h>
#include <string.h>

#include "modgate/alloc.h"
#include "src/rules/model_internal.h"

#define FNV_BASIS 2166136261u
#define FNV_PRIME 16777619u
#define WORD_INLINE 256 /* bytes of a padded word kept on the stack */

static inline uint32_t fnv(uint32_t h, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * FNV_PRIME;
    return h;
}

uint32_t mg_model_hash(const char *s, size_t len)
{
    return fnv(FNV_BASIS, s, len);
}

/* A feature as the walk makes it: prefix ("w1:"), then a, then for a
 * bigram " " and b; hash is that text's FNV-1a. */
struct raw {
    uint32_t hash;
    const char *prefix, *a, *b;
    size_t alen, blen;
    uint32_t start, end;
};

typedef void (*raw_fn)(const struct raw *r, void *ctx);

/* The walk is inlined into each of its three callers, so that the callback
 * each passes is a known function the compiler calls directly and inlines
 * (scoring: no struct raw filled in memory, no indirect call per feature;
 * tests/bench/rules' instructions say what it saves). */
#define WALK_INLINE static inline __attribute__((always_inline))

/* The character n-grams of "^" + word + "$" (in buf, len bytes): at each
 * code point's end, the grams ending there, for each length of ns[0..nn)
 * (ascending, from 2 to 5). */
WALK_INLINE void char_grams(const char *buf, size_t len, const size_t *ns, size_t nn,
                            const struct mg_norm_word *w, const uint32_t *after,
                            raw_fn fn, void *ctx)
{
    static const char *const prefixes[] = {"c2:", "c3:", "c4:", "c5:"};
    size_t starts[6]; /* the last code points' starts, a ring */
    size_t seen = 0;
    for (size_t i = 0; i < len;) {
        starts[seen % 6] = i;
        seen++;
        i++;
        while (i < len && ((unsigned char)buf[i] & 0xc0) == 0x80)
            i++;
        for (size_t k = 0; k < nn && ns[k] <= seen; k++) {
            size_t n = ns[k], from = starts[(seen - n) % 6];
            struct raw r = {.prefix = prefixes[n - 2], .a = buf + from, .alen = i - from,
                            .start = w->start, .end = w->end};
            r.hash = fnv(after[n - 2], r.a, r.alen);
            fn(&r, ctx);
        }
    }
}

/* Every feature of n, in model.h's order. Each hash starts from its
 * prefix's, made once, and a word pair from the hash of "w2:" + its first
 * word + " ", made when that word was the second of the pair before:
 * hashing is most of what scoring costs. */
WALK_INLINE void walk(const struct mg_norm *n, unsigned families, raw_fn fn, void *ctx)
{
    const uint32_t w1 = fnv(FNV_BASIS, "w1:", 3), w2 = fnv(FNV_BASIS, "w2:", 3);
    const uint32_t after[4] = {fnv(FNV_BASIS, "c2:", 3), fnv(FNV_BASIS, "c3:", 3),
                               fnv(FNV_BASIS, "c4:", 3), fnv(FNV_BASIS, "c5:", 3)};
    static const unsigned bits[] = {MG_MODEL_CHAR2, MG_MODEL_CHAR3, MG_MODEL_CHAR4,
                                    MG_MODEL_CHAR5};
    size_t ns[4], nn = 0; /* the character n-grams' lengths, ascending */
    for (size_t k = 0; k < 4; k++)
        if (families & bits[k])
            ns[nn++] = k + 2;
    char stack[WORD_INLINE];
    char *buf = stack;
    size_t cap = sizeof stack;
    const char *prev = NULL; /* the word before, its length and pair hash */
    size_t prev_len = 0;
    uint32_t prev_pair = 0;
    for (size_t i = 0; i < n->nwords; i++) {
        const struct mg_norm_word *w = &n->words[i];
        const char *word = w->form[0];
        size_t len = strlen(word);
        if (families & MG_MODEL_WORD1) {
            struct raw r = {.prefix = "w1:", .a = word, .alen = len,
                            .start = w->start, .end = w->end};
            r.hash = fnv(w1, word, len);
            fn(&r, ctx);
        }
        if ((families & MG_MODEL_WORD2) && i > 0) {
            const struct mg_norm_word *p = &n->words[i - 1];
            struct raw r = {.prefix = "w2:", .a = prev, .alen = prev_len,
                            .b = word, .blen = len, .start = p->start, .end = w->end};
            r.hash = fnv(prev_pair, word, len);
            fn(&r, ctx);
        }
        if (families & MG_MODEL_WORD2) {
            prev = word, prev_len = len;
            prev_pair = fnv(fnv(w2, word, len), " ", 1);
        }
        if (!nn)
            continue;
        if (len + 2 > cap) { /* a long word: one buffer, grown, per text */
            cap = 2 * (len + 2);
            buf = buf == stack ? mg_malloc(cap) : mg_realloc(buf, cap);
        }
        buf[0] = '^';
        memcpy(buf + 1, word, len);
        buf[len + 1] = '$';
        char_grams(buf, len + 2, ns, nn, w, after, fn, ctx);
    }
    if (buf != stack)
        mg_free(buf);
}

/* ---- features, for trainers ---- */

struct public_walk {
    uint32_t mask;
    mg_model_feature_fn fn;
    void *ctx;
    char *text;
    size_t cap;
};

static void to_public(const struct raw *r, void *ctx)
{
    struct public_walk *pw = ctx;
    size_t len = 3 + r->alen + (r->b ? 1 + r->blen : 0);
    if (len > pw->cap) {
        pw->cap = 2 * len;
        pw->text = mg_realloc(pw->text, pw->cap);
    }
    memcpy(pw->text, r->prefix, 3);
    memcpy(pw->text + 3, r->a, r->alen);
    if (r->b) {
        pw->text[3 + r->alen] = ' ';
        memcpy(pw->text + 4 + r->alen, r->b, r->blen);
    }
    struct mg_model_feature f = {.bucket = r->hash & pw->mask, .text = pw->text,
                                 .len = len, .start = r->start, .end = r->end};
    pw->fn(&f, pw->ctx);
}

void mg_model_features_of(const struct mg_norm *n, uint32_t buckets,
                          unsigned families, mg_model_feature_fn fn, void *ctx)
{
    struct public_walk pw = {.mask = buckets - 1, .fn = fn, .ctx = ctx};
    walk(n, families, to_public, &pw);
    mg_free(pw.text);
}

int mg_model_features(const char *text, size_t len, uint32_t buckets,
                      unsigned families, mg_model_feature_fn fn, void *ctx)
{
    struct mg_norm n;
    int rc = mg_normalize(text, len, &n);
    if (rc != MG_OK)
        return rc;
    mg_model_features_of(&n, buckets, families, fn, ctx);
    mg_norm_close(&n);
    return MG_OK;
}

/* ---- scores ---- */

#define SEEN_INLINE 1024

/* Features whose weights are being fetched, looked at in order once
 * PENDING_MAX of them are: the weights are a table of megabytes, read at
 * random, and a lookup made as soon as its hash is known waits on a cache
 * miss (most of what scoring cost under load). The prefetches of a batch
 * overlap; the sums are made in the walk's order, so the scores are the
 * same to the bit. */
#define PENDING_MAX 64

/* The model's slots a text has met, each once: an open addressing set of
 * slot numbers, on the stack until a long text needs more; and the
 * features pending. */
struct scoring {
    const struct mg_model *m;
    double sum[MG_MODEL_HEADS];
    uint32_t *set;
    uint32_t mask, n;
    uint32_t pending[PENDING_MAX];
    unsigned npending;
    uint32_t stack[SEEN_INLINE];
};

static bool seen_add(struct scoring *s, uint32_t slot);

static void seen_grow(struct scoring *s)
{
    uint32_t *old = s->set, old_mask = s->mask;
    s->mask = 2 * (s->mask + 1) - 1;
    s->set = mg_malloc(((size_t)s->mask + 1) * sizeof *s->set);
    memset(s->set, 0xff, ((size_t)s->mask + 1) * sizeof *s->set);
    s->n = 0;
    for (uint32_t i = 0; i <= old_mask; i++)
        if (old[i] != UINT32_MAX)
            (void)seen_add(s, old[i]);
    if (old != s->stack)
        mg_free(old);
}

/* True when slot was not in the set (it is now). */
static bool seen_add(struct scoring *s, uint32_t slot)
{
    if (2 * (s->n + 1) > s->mask + 1)
        seen_grow(s);
    uint32_t i = (slot * 2654435761u) & s->mask;
    while (s->set[i] != UINT32_MAX) {
        if (s->set[i] == slot)
            return false;
        i = (i + 1) & s->mask;
    }
    s->set[i] = slot;
    s->n++;
    return true;
}

/* Adds the weights of the pending features, in the order they came. */
static void score_pending(struct scoring *s)
{
    for (unsigned i = 0; i < s->npending; i++) {
        uint32_t key;
        const float *w = model_weights(s->m, s->pending[i], &key);
        if (!w || (w[0] == 0 && w[1] == 0) || !seen_add(s, key))
            continue;
        for (int h = 0; h < MG_MODEL_HEADS; h++)
            s->sum[h] += w[h];
    }
    s->npending = 0;
}

WALK_INLINE void score_one(const struct raw *r, void *ctx)
{
    struct scoring *s = ctx;
    uint32_t bucket = r->hash & (s->m->buckets - 1);
    model_prefetch(s->m, bucket);
    s->pending[s->npending++] = bucket;
    if (s->npending == PENDING_MAX)
        score_pending(s);
}

static double sigmoid(double x)
{
    return 1.0 / (1.0 + exp(-x));
}

void mg_model_score(const struct mg_model *m, const struct mg_norm *n,
                    double p[MG_MODEL_HEADS])
{
    struct scoring s; /* field by field: the stack set is filled once, below */
    s.m = m;
    for (int h = 0; h < MG_MODEL_HEADS; h++)
        s.sum[h] = 0;
    s.mask = SEEN_INLINE - 1;
    s.n = 0;
    s.set = s.stack;
    s.npending = 0;
    memset(s.stack, 0xff, sizeof s.stack);
    walk(n, m->families, score_one, &s);
    score_pending(&s);
    if (s.set != s.stack)
        mg_free(s.set);
    for (int h = 0; h < MG_MODEL_HEADS; h++)
        p[h] = m->has_head[h] ? sigmoid(m->bias[h] + s.sum[h]) : 0;
}

/* ---- explanations ---- */

struct explaining {
    const struct mg_model *m;
    enum mg_model_head head;
    struct mg_model_reason *out;
    uint32_t slots[16]; /* the slot of each reason kept */
    size_t n, max;
};

/* text cut to fit size - 1 bytes at a character boundary. */
static void copy_cut(char *dst, size_t size, const struct raw *r)
{
    char tmp[160];
    size_t len = 0;
    const char *parts[] = {r->prefix, r->a, r->b ? " " : NULL, r->b};
    size_t lens[] = {3, r->alen, 1, r->blen};
    for (size_t i = 0; i < 4 && len < sizeof tmp; i++) {
        if (!parts[i])
            break;
        size_t k = lens[i] < sizeof tmp - len ? lens[i] : sizeof tmp - len;
        memcpy(tmp + len, parts[i], k);
        len += k;
    }
    if (len > size - 1) {
        len = size - 1;
        while (len > 0 && ((unsigned char)tmp[len] & 0xc0) == 0x80)
            len--;
    }
    memcpy(dst, tmp, len);
    dst[len] = '\0';
}

/* Keeps the max highest positive weights, highest first; a bucket met
 * again is the one kept already. */
static void explain_one(const struct raw *r, void *ctx)
{
    struct explaining *e = ctx;
    uint32_t slot;
    const float *ws = model_weights(e->m, r->hash & (e->m->buckets - 1), &slot);
    double w = ws ? ws[e->head] : 0;
    if (!(w > 0))
        return;
    for (size_t i = 0; i < e->n; i++)
        if (e->slots[i] == slot)
            return;
    size_t at = e->n;
    while (at > 0 && e->out[at - 1].weight < w)
        at--;
    if (at >= e->max)
        return;
    size_t last = e->n < e->max ? e->n : e->max - 1;
    memmove(&e->out[at + 1], &e->out[at], (last - at) * sizeof *e->out);
    memmove(&e->slots[at + 1], &e->slots[at], (last - at) * sizeof *e->slots);
    e->out[at] = (struct mg_model_reason){.weight = w, .start = r->start, .end = r->end};
    copy_cut(e->out[at].feature, sizeof e->out[at].feature, r);
    e->slots[at] = slot;
    if (e->n < e->max)
        e->n++;
}

size_t mg_model_explain(const struct mg_model *m, const struct mg_norm *n,
                        enum mg_model_head h, struct mg_model_reason *out,
                        size_t max)
{
    struct explaining e = {.m = m, .head = h, .out = out,
                           .max = max < 16 ? max : 16};
    if (e.max == 0 || h >= MG_MODEL_HEADS || !m->has_head[h])
        return 0;
    walk(n, m->families, explain_one, &e);
    return e.n;
}
