/* model_internal.h: a parsed model as model.c builds it and
 * model_features.c reads it. Private to src/rules. */
#ifndef MODGATE_RULES_MODEL_INTERNAL_H
#define MODGATE_RULES_MODEL_INTERNAL_H

#include <stdint.h>

#include "modgate/model.h"

#define MODEL_EMPTY UINT32_MAX /* a free slot's bucket */

/* One bucket with a weight: the file is sparse, so the weights are an open
 * addressing table keyed by bucket rather than a dense array (2^24 buckets
 * by two heads would be 128 MB). */
struct model_slot {
    uint32_t bucket;
    float w[MG_MODEL_HEADS];
};

#define MODEL_DENSE_MAX (1u << 20) /* buckets kept as a dense array: 8 MB */

struct mg_model {
    uint32_t buckets;
    unsigned families;
    bool has_head[MG_MODEL_HEADS];
    double bias[MG_MODEL_HEADS];
    struct model_slot *slots;
    uint32_t mask; /* slots - 1, a power of two minus one */
    size_t nweights; /* slots in use: buckets with a weight */
    /* once parsed, for buckets up to MODEL_DENSE_MAX: every bucket's
     * weights, MG_MODEL_HEADS floats each (slots is then NULL): smaller
     * than the table for a trained model, and one load a lookup */
    float *dense;
};

/* Where bucket is, or would go, in m's table. */
static inline uint32_t model_find(const struct mg_model *m, uint32_t bucket)
{
    uint32_t i = (bucket * 2654435761u) & m->mask;
    while (m->slots[i].bucket != MODEL_EMPTY && m->slots[i].bucket != bucket)
        i = (i + 1) & m->mask;
    return i;
}

/* The weights of bucket (MG_MODEL_HEADS of them), or NULL when it has
 * none; *key names the bucket's place, the same for the same bucket. */
static inline const float *model_weights(const struct mg_model *m, uint32_t bucket,
                                         uint32_t *key)
{
    *key = bucket;
    if (m->dense)
        return &m->dense[(size_t)bucket * MG_MODEL_HEADS];
    const struct model_slot *s = &m->slots[model_find(m, bucket)];
    return s->bucket == MODEL_EMPTY ? NULL : s->w;
}

/* Starts loading where bucket's weights are (or where its search in the
 * table starts), so that a later model_weights finds them in the cache.
 * Always inlined: GCC 12 finds a function that only prefetches free of
 * effects and drops the calls to it, prefetches and all. */
static inline __attribute__((always_inline)) void model_prefetch(const struct mg_model *m, uint32_t bucket)
{
    if (m->dense)
        __builtin_prefetch(&m->dense[(size_t)bucket * MG_MODEL_HEADS]);
    else
        __builtin_prefetch(&m->slots[(bucket * 2654435761u) & m->mask]);
}

#endif
