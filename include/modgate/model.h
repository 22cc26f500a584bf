/* model.h: the learned model of a rule set: logistic regressions (heads
 * `spam` and `abuse`) over hashed features of the normalized text, read from
 * a model file (docs/rules.md, "The model file"). This header is also what a
 * trainer links to get exactly the features the judge computes.
 *
 * Features, computed from a normalized text (normalize.h) word by word, in
 * this order for each word i (its plain form, form[0], which is what the
 * normalized text joins):
 *   w1:<word i>                       word unigram          (family word1)
 *   w2:<word i-1> <word i>            word bigram, i > 0    (family word2)
 *   c2:, c3:, c4:, c5: <n code points> character n-grams of "^" + word +
 *                                     "$", for each end position in turn the
 *                                     2-, 3-, 4- then 5-gram ending there
 *                                     (char2, char3, char4, char5; char2 is
 *                                     the syllable pairs Korean text needs)
 * A feature's bucket is the 32-bit FNV-1a hash (offset basis 2166136261,
 * prime 16777619) of the feature's UTF-8 bytes ("w1:idiot", "c3:^id"),
 * modulo the model's buckets (a power of two: the hash's low bits).
 * Presence is binary: a bucket counts once per text, however many features
 * fall into it. A head's score is sigmoid(bias + sum of the weights of the
 * buckets present).
 *
 * Everything here is pure; a parsed model is immutable and may be shared
 * between threads. */
#ifndef MODGATE_MODEL_H
#define MODGATE_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "modgate/error.h"
#include "modgate/normalize.h"

#define MG_MODEL_MIN_BUCKETS (1u << 10)
#define MG_MODEL_MAX_BUCKETS (1u << 24)

/* Feature families, as bits. */
enum {
    MG_MODEL_WORD1 = 1 << 0,
    MG_MODEL_WORD2 = 1 << 1,
    MG_MODEL_CHAR3 = 1 << 2,
    MG_MODEL_CHAR4 = 1 << 3,
    MG_MODEL_CHAR5 = 1 << 4,
    MG_MODEL_CHAR2 = 1 << 5, /* added after the others: their bits stay */
    MG_MODEL_ALL_FAMILIES = (1 << 6) - 1,
};

enum mg_model_head { MG_MODEL_SPAM, MG_MODEL_ABUSE, MG_MODEL_HEADS };

/* "spam", "abuse". */
const char *mg_model_head_name(enum mg_model_head h);

/* One feature of a text. text is not NUL-terminated and lives only for the
 * callback; [start, end) is the span in code points of the original text of
 * the word (w1, c3..c5) or the two words (w2) it comes from. */
struct mg_model_feature {
    uint32_t bucket;
    const char *text;
    size_t len;
    uint32_t start, end;
};

typedef void (*mg_model_feature_fn)(const struct mg_model_feature *f, void *ctx);

/* 32-bit FNV-1a of len bytes. */
uint32_t mg_model_hash(const char *s, size_t len);

/* Every feature of the families (bits) of the normalized text n, in the
 * order above, with buckets modulo buckets (a power of two). Duplicates
 * are given each time they occur. */
void mg_model_features_of(const struct mg_norm *n, uint32_t buckets,
                          unsigned families, mg_model_feature_fn fn, void *ctx);

/* The same from len bytes of UTF-8, normalized with mg_normalize (no word
 * lists known: the judge normalizes with its rule set's lists, which can
 * read a spelled-out or stretched word differently; see
 * mg_rules_model_features for exactly the judge's features).
 * MG_EINVAL for invalid UTF-8, or mg_normalize's error. */
int mg_model_features(const char *text, size_t len, uint32_t buckets,
                      unsigned families, mg_model_feature_fn fn,
                      void *ctx) MG_MUST_CHECK;

/* A parsed model file (opaque). */
struct mg_model;

/* Parses a model file (file names it in errors). MG_OK and *out, or
 * MG_EINVAL and err located at the first problem (line and column). */
int mg_model_parse(const char *file, const char *text, size_t len,
                   struct mg_model **out, struct mg_error *err) MG_MUST_CHECK;
void mg_model_free(struct mg_model *m); /* NULL is fine */

uint32_t mg_model_buckets(const struct mg_model *m);
unsigned mg_model_families(const struct mg_model *m);
bool mg_model_has_head(const struct mg_model *m, enum mg_model_head h);
size_t mg_model_weights(const struct mg_model *m); /* buckets with a weight */

/* The scores of the model's heads for n (a head it lacks scores 0). */
void mg_model_score(const struct mg_model *m, const struct mg_norm *n,
                    double p[MG_MODEL_HEADS]);

/* A feature that pushed a head's score up. */
struct mg_model_reason {
    char feature[64]; /* its text, cut to fit at a character boundary */
    double weight;    /* its bucket's weight for the head */
    uint32_t start, end;
};

/* Up to max features of n with the highest positive weights for head h,
 * highest first, each bucket once (the first feature that falls into it);
 * how many. */
size_t mg_model_explain(const struct mg_model *m, const struct mg_norm *n,
                        enum mg_model_head h, struct mg_model_reason *out,
                        size_t max);

#endif
