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

struct mg_model {
    uint32_t buckets;
    unsigned families;
    bool has_head[MG_MODEL_HEADS];
    double bias[MG_MODEL_HEADS];
    struct model_slot *slots;
    uint32_t mask; /* slots - 1, a power of two minus one */
    size_t nweights; /* slots in use: buckets with a weight */
};

/* Where bucket is, or would go, in m's table. */
static inline uint32_t model_find(const struct mg_model *m, uint32_t bucket)
{
    uint32_t i = (bucket * 2654435761u) & m->mask;
    while (m->slots[i].bucket != MODEL_EMPTY && m->slots[i].bucket != bucket)
        i = (i + 1) & m->mask;
    return i;
}

#endif
