/* config_diff.c: what a reload changes (config.h): the keys whose values
 * differ between the configuration running and one read again, and the
 * swap that puts the new values of the live keys in force. The table's
 * rows say which keys are read at start only (`restart`): the listening
 * socket, the Redis link and the signing key are made once. */
#include <stdint.h>
#include <string.h>

#include "modgate/config.h"
#include "src/core/config_internal.h"

/* The row's field in cfg. */
static const void *field(const struct mg_config *cfg,
                         const struct mg__config_row *r)
{
    return (const char *)cfg + r->key.offset;
}

static bool same_text(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

static bool same_rate_limits(const struct mg_rl_config *a,
                             const struct mg_rl_config *b)
{
    if (a->subnet_prefix_v4 != b->subnet_prefix_v4 ||
        a->subnet_prefix_v6 != b->subnet_prefix_v6 || a->ntrusted != b->ntrusted)
        return false;
    for (int d = 0; d < MG_RL_DIM_COUNT; d++) {
        if (a->nlimits[d] != b->nlimits[d])
            return false;
        for (size_t k = 0; k < a->nlimits[d]; k++)
            if (a->limits[d][k].count != b->limits[d][k].count ||
                a->limits[d][k].period_s != b->limits[d][k].period_s)
                return false;
    }
    for (size_t i = 0; i < a->ntrusted; i++)
        if (strcmp(a->trusted_authors[i], b->trusted_authors[i]) != 0)
            return false;
    return true;
}

static bool same_value(const struct mg_config *a, const struct mg_config *b,
                       const struct mg__config_row *r)
{
    const void *fa = field(a, r), *fb = field(b, r);
    switch (r->key.type) {
    case MG_YAML_T_STRING:
        return same_text(*(char *const *)fa, *(char *const *)fb);
    case MG_YAML_T_CUSTOM:
        /* the one custom row among the keys: webhooks */
        return mg_webhooks_config_same(fa, fb);
    case MG_YAML_T_TABLE:
        /* the one table among the keys: rate_limits */
        return same_rate_limits(fa, fb);
    default:
        /* integers and enums: plain values of the field's size */
        return memcmp(fa, fb, r->key.size) == 0;
    }
}

void mg_config_diff(const struct mg_config *running,
                    const struct mg_config *fresh, struct mg_config_diff *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < mg__config_nrows && i < MG_CONFIG_MAX_KEYS; i++) {
        const struct mg__config_row *r = &mg__config_rows[i];
        if (same_value(running, fresh, r))
            continue;
        if (r->restart)
            out->restart[out->nrestart++] = r->key.name;
        else
            out->live[out->nlive++] = r->key.name;
    }
}

bool mg_config_key_restart_only(const char *key)
{
    for (size_t i = 0; i < mg__config_nrows; i++)
        if (strcmp(mg__config_rows[i].key.name, key) == 0)
            return mg__config_rows[i].restart;
    return false;
}

void mg_config_apply_live(struct mg_config *cfg, struct mg_config *fresh)
{
    for (size_t i = 0; i < mg__config_nrows; i++) {
        const struct mg__config_row *r = &mg__config_rows[i];
        if (r->restart)
            continue;
        /* byte by byte, as the field may be a pointer, a number or the
         * rate_limits struct: each side then owns what it holds */
        unsigned char *a = (unsigned char *)cfg + r->key.offset;
        unsigned char *b = (unsigned char *)fresh + r->key.offset;
        for (size_t k = 0; k < r->key.size; k++) {
            unsigned char t = a[k];
            a[k] = b[k];
            b[k] = t;
        }
    }
}
