/* config_ratelimit.c: the rate_limits: section of the config file
 * (docs/rate-limits.md, docs/configuration.md) as a table of keys the YAML
 * walker reads into a struct mg_rl_config: the six dimensions' lists of
 * limits, the trusted authors, the subnet prefix lengths. The section has
 * no variables or flags. Errors name the place in the section, counting
 * list entries from 0: "rate_limits.author[1].period_s: ...". */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modgate/alloc.h"
#include "modgate/ratelimit.h"
#include "modgate/yaml.h"
#include "src/core/config_internal.h"

#define RL_COUNT_MAX  1000000
#define RL_PERIOD_MAX 604800 /* a week */
#define AUTHOR_ID_MAX 128    /* as the API's author_id */

/* What v is, for "must be X, not Y" messages. */
static const char *yaml_kind(const struct mg_yaml_node *v)
{
    if (mg_yaml_is_null(v))
        return "an empty value";
    switch (mg_yaml_kind(v)) {
    case MG_YAML_MAPPING: return "a mapping";
    case MG_YAML_SEQUENCE: return "a list";
    default: return "a single value";
    }
}

static int alias_fail(struct mg_yaml_walk *w, const struct mg_yaml_node *at,
                      const struct mg_yaml_node *fallback, const char *label)
{
    return mg_yaml_fail(w, at, fallback,
                        "%s: aliases (*name) are not supported here", label);
}

/* One limit: a mapping {count: N, period_s: N}, both members required. */
static const struct mg_yaml_key limit_keys[] = {
    {.name = "count", .type = MG_YAML_T_INTEGER,
     MG_YAML_AT(struct mg_rl_limit, count), .min = 1, .max = RL_COUNT_MAX},
    {.name = "period_s", .type = MG_YAML_T_INTEGER,
     MG_YAML_AT(struct mg_rl_limit, period_s), .min = 1,
     .max = RL_PERIOD_MAX},
};

static const struct mg_yaml_table limit_table = {
    limit_keys, sizeof limit_keys / sizeof limit_keys[0], 0, NULL};

/* Limit item of the list seq, named label ("rate_limits.ip[0]"), into
 * *out. */
static int parse_limit(struct mg_yaml_walk *w, const struct mg_yaml_node *item,
                       const struct mg_yaml_node *seq, const char *label,
                       struct mg_rl_limit *out)
{
    if (mg_yaml_kind(item) == MG_YAML_ALIAS)
        return alias_fail(w, item, seq, label);
    if (mg_yaml_is_null(item) || mg_yaml_kind(item) != MG_YAML_MAPPING)
        return mg_yaml_fail(w, item, seq,
                            "%s: must be a mapping {count: N, period_s: N}, "
                            "not %s",
                            label, yaml_kind(item));
    uint64_t seen = 0;
    int rc = mg_yaml_walk_table(w, &limit_table, item, out, label, &seen);
    if (rc != MG_OK)
        return rc;
    if (seen != 3)
        return mg_yaml_fail(w, item, seq,
                            "%s: needs both count and period_s (%s is "
                            "missing)",
                            label, seen & 1 ? "period_s" : "count");
    return MG_OK;
}

/* A dimension's list of limits (row->tag is the enum mg_rl_dim). Given, it
 * replaces the default list whole; [] turns the dimension off. */
static int parse_limits(struct mg_yaml_walk *w, const struct mg_yaml_key *row,
                        const char *label, const struct mg_yaml_node *key,
                        const struct mg_yaml_node *value, void *base)
{
    if (mg_yaml_kind(value) == MG_YAML_ALIAS)
        return alias_fail(w, value, key, label);
    if (mg_yaml_is_null(value) || mg_yaml_kind(value) != MG_YAML_SEQUENCE)
        return mg_yaml_fail(w, value, key,
                            "%s: must be a list of limits such as [{count: 5, "
                            "period_s: 60}], not %s ([] turns the dimension "
                            "off)",
                            label, yaml_kind(value));
    struct mg_rl_limit limits[MG_RL_MAX_LIMITS];
    size_t n = 0;
    void *iter = NULL;
    const struct mg_yaml_node *item;
    while ((item = mg_yaml_next_item(value, &iter)) != NULL) {
        if (n == MG_RL_MAX_LIMITS)
            return mg_yaml_fail(w, item, value,
                                "%s: at most %d limits per dimension", label,
                                MG_RL_MAX_LIMITS);
        char item_label[300];
        snprintf(item_label, sizeof item_label, "%s[%zu]", label, n);
        int rc = parse_limit(w, item, value, item_label, &limits[n]);
        if (rc != MG_OK)
            return rc;
        n++;
    }
    struct mg_rl_config *rl = base;
    memcpy(rl->limits[row->tag], limits, n * sizeof limits[0]);
    rl->nlimits[row->tag] = n;
    return MG_OK;
}

static int author_id_ok(const char *s, size_t len)
{
    if (len < 1 || len > AUTHOR_ID_MAX)
        return 0;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
            return 0;
    return 1;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void free_strings(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        mg_free(list[i]);
    mg_free(list);
}

/* The author ids of the list value into ids (room for all), *n of them. */
static int read_author_ids(struct mg_yaml_walk *w, const char *label,
                           const struct mg_yaml_node *value, char **ids,
                           size_t *n)
{
    void *iter = NULL;
    const struct mg_yaml_node *item;
    while ((item = mg_yaml_next_item(value, &iter)) != NULL) {
        if (mg_yaml_kind(item) == MG_YAML_ALIAS)
            return alias_fail(w, item, value, label);
        size_t len = 0;
        const char *text =
            mg_yaml_is_null(item) ? NULL : mg_yaml_scalar(item, &len);
        if (!text || !author_id_ok(text, len))
            return mg_yaml_fail(w, item, value,
                                "%s[%zu]: must be an author id: 1 to %d "
                                "printable ASCII characters, no spaces",
                                label, *n, AUTHOR_ID_MAX);
        ids[(*n)++] = mg_strndup(text, len);
    }
    return MG_OK;
}

/* The trusted authors replace the list so far. Stored sorted by strcmp and
 * without duplicates, as mg_rl_is_trusted's binary search needs. An empty
 * value (every entry commented out) is an empty list. */
static int parse_trusted(struct mg_yaml_walk *w, const struct mg_yaml_key *row,
                         const char *label, const struct mg_yaml_node *key,
                         const struct mg_yaml_node *value, void *base)
{
    struct mg_rl_config *rl = base;
    (void)row;
    if (mg_yaml_kind(value) == MG_YAML_ALIAS)
        return alias_fail(w, value, key, label);
    if (mg_yaml_is_null(value)) {
        mg_rl_config_close(rl);
        return MG_OK;
    }
    if (mg_yaml_kind(value) != MG_YAML_SEQUENCE)
        return mg_yaml_fail(w, value, key,
                            "%s: must be a list of author ids, not %s", label,
                            yaml_kind(value));
    size_t count = mg_yaml_count(value);
    if (count > MG_RL_MAX_TRUSTED)
        return mg_yaml_fail(w, mg_yaml_item(value, MG_RL_MAX_TRUSTED), value,
                            "%s: at most %d authors", label,
                            MG_RL_MAX_TRUSTED);
    char **ids = mg_calloc(count > 0 ? count : 1, sizeof *ids);
    size_t n = 0;
    int rc = read_author_ids(w, label, value, ids, &n);
    if (rc != MG_OK) {
        free_strings(ids, n);
        return rc;
    }
    qsort(ids, n, sizeof *ids, cmp_str);
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        if (kept > 0 && strcmp(ids[kept - 1], ids[i]) == 0)
            mg_free(ids[i]);
        else
            ids[kept++] = ids[i];
    }
    mg_rl_config_close(rl);
    if (kept == 0) {
        mg_free(ids); /* [] : the same empty list as the default */
        ids = NULL;
    }
    rl->trusted_authors = ids;
    rl->ntrusted = kept;
    return MG_OK;
}

/* A dimension's row; its name is mg_rl_dim_name(dim). */
#define DIMENSION(name_, dim)                                                 \
    {.name = name_, .type = MG_YAML_T_CUSTOM, .parse = parse_limits,          \
     .tag = dim,                                                              \
     .help = "list of limits {count: N, period_s: N} (at most 4); [] is off"}

/* Keep docs/configuration.md's rate_limits rows identical to this table. */
static const struct mg_yaml_key rate_limit_keys[] = {
    DIMENSION("author", MG_RL_AUTHOR),
    DIMENSION("ip", MG_RL_IP),
    DIMENSION("subnet", MG_RL_SUBNET),
    DIMENSION("article", MG_RL_ARTICLE),
    DIMENSION("global", MG_RL_GLOBAL),
    DIMENSION("reporter", MG_RL_REPORTER),
    {.name = "trusted_authors", .type = MG_YAML_T_CUSTOM,
     .parse = parse_trusted,
     .help = "authors who skip the author limits (at most 10000 ids)"},
    {.name = "subnet_prefix_v4", .type = MG_YAML_T_INTEGER,
     MG_YAML_AT(struct mg_rl_config, subnet_prefix_v4), .min = 8, .max = 32,
     .help = "IPv4 prefix length of a subnet"},
    {.name = "subnet_prefix_v6", .type = MG_YAML_T_INTEGER,
     MG_YAML_AT(struct mg_rl_config, subnet_prefix_v6), .min = 16,
     .max = 128, .help = "IPv6 prefix length of a subnet"},
};

const struct mg_yaml_table mg__config_rate_limits = {
    rate_limit_keys, sizeof rate_limit_keys / sizeof rate_limit_keys[0], 0,
    NULL};
