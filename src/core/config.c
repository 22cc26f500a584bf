/* config.c: settings from one key table: YAML, env, flags, help, docs. */
#include "modgate/config.h"

#include <ctype.h>
#include <errno.h>
#include <libfyaml.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "modgate/alloc.h"
#include "modgate/files.h"
#include "modgate/keyring.h"
#include "modgate/keys.h"
#include "modgate/log.h"
#include "modgate/ratelimit.h"
#include "modgate/text.h"
#include "modgate/tokens.h"
#include "modgate/yaml.h"

/* A config file is a page of YAML; a megabyte is certainly a mistake. */
#define CONFIG_FILE_MAX (1024 * 1024)

enum type { T_STRING, T_INT, T_SIZE, T_LOGLEVEL };

/* Validates a string value and fills the fields derived from it. The message
 * it leaves in err has no location; the caller adds where the value came from.
 */
typedef int (*check_fn)(struct mg_config *cfg, const char *value,
                        struct mg_error *err);

struct row {
    const char *path; /* YAML key; a dot means "inside that mapping" */
    enum type type;
    size_t offset;       /* into struct mg_config */
    long long min, max;  /* numbers: the range; strings: the length range */
    const char *env;     /* MODGATE_* variable, or NULL */
    const char *flag;    /* long option without "--", or NULL */
    const char *metavar; /* for --help */
    const char *def;     /* default as text; NULL = not set */
    const char *doc;     /* one line for --help and the docs */
    check_fn check;
};

static int check_listen(struct mg_config *cfg, const char *value,
                        struct mg_error *err);
static int check_redis_url(struct mg_config *cfg, const char *value,
                           struct mg_error *err);

#define OFF(field) offsetof(struct mg_config, field)

/* Keep docs/configuration.md identical to this table. */
static const struct row rows[] = {
    {"listen", T_STRING, OFF(listen), 1, 300, "MODGATE_LISTEN", "listen",
     "HOST:PORT", "127.0.0.1:8080",
     "address to listen on: HOST:PORT or [IPV6]:PORT", check_listen},
    {"redis.url", T_STRING, OFF(redis_url), 1, 4096, "MODGATE_REDIS_URL",
     "redis", "URL", "redis://127.0.0.1:6379/0",
     "Redis to use: redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]",
     check_redis_url},
    {"redis.prefix", T_STRING, OFF(redis_prefix), 0, 64, NULL, NULL, NULL,
     "mg:", "prefix of every Redis key modgate writes", NULL},
    {"redis.timeout_ms", T_INT, OFF(redis_timeout_ms), 1, 60000, NULL, NULL,
     NULL, "1000", "time allowed for one Redis command, in ms", NULL},
    {"redis.connect_timeout_ms", T_INT, OFF(redis_connect_timeout_ms), 1, 60000,
     NULL, NULL, NULL, "1000", "time allowed for connecting to Redis, in ms",
     NULL},
    {"redis.reconnect_max_ms", T_INT, OFF(redis_reconnect_max_ms), 1, 60000,
     NULL, NULL, NULL, "1000",
     "longest wait between reconnection attempts, in ms", NULL},
    {"rules", T_STRING, OFF(rules_dir), 1, 4096, "MODGATE_RULES", "rules",
     "DIR", NULL, "directory of moderation rules", NULL},
    {"key", T_STRING, OFF(key_file), 1, 4096, "MODGATE_KEY", "key", "FILE",
     NULL, "secret signing key file (modctl keygen), mode 0600 or 0640", NULL},
    {"retired_keys", T_STRING, OFF(retired_keys_file), 1, 4096,
     "MODGATE_RETIRED_KEYS", "retired-keys", "FILE", NULL,
     "public keys of retired signing keys (modctl pubkey), still listed by "
     "/v1/keys", NULL},
    {"tokens", T_STRING, OFF(tokens_file), 1, 4096, "MODGATE_TOKENS", "tokens",
     "FILE", NULL, "bearer tokens file, mode 0600 or 0640", NULL},
    {"limits.header_bytes", T_SIZE, OFF(header_max_bytes), 1024, 1048576, NULL,
     NULL, NULL, "8192", "largest request line + headers, in bytes (else 431)",
     NULL},
    {"limits.body_bytes", T_SIZE, OFF(body_max_bytes), 1, 16777216, NULL, NULL,
     NULL, "16384", "largest request body, in bytes (else 413)", NULL},
    {"limits.request_timeout_ms", T_INT, OFF(request_timeout_ms), 100, 3600000,
     NULL, NULL, NULL, "10000",
     "time for a whole request to arrive, in ms (else 408)", NULL},
    {"limits.idle_timeout_ms", T_INT, OFF(idle_timeout_ms), 100, 3600000, NULL,
     NULL, NULL, "60000", "idle keep-alive connections close after this, in ms",
     NULL},
    {"limits.drain_timeout_ms", T_INT, OFF(drain_timeout_ms), 0, 3600000, NULL,
     NULL, NULL, "10000",
     "time to finish requests in flight at shutdown, in ms", NULL},
    {"comments.max_chars", T_SIZE, OFF(comment_max_chars), 1, 100000, NULL,
     NULL, NULL, "300",
     "longest comment body, in user-perceived characters (else 422 too_long)",
     NULL},
    {"comments.max_bytes", T_SIZE, OFF(comment_max_bytes), 1, 1048576, NULL,
     NULL, NULL, "4096",
     "longest comment body, in bytes of UTF-8 (else 422 too_long)", NULL},
    {"moderation.rejected_retention_s", T_INT, OFF(rejected_retention_s), 60,
     315360000, NULL, NULL, NULL, "1209600",
     "rejected comments are kept this long for review, in s (then gone)", NULL},
    {"moderation.audit_max_entries", T_SIZE, OFF(audit_max_entries), 100,
     100000000, NULL, NULL, NULL, "1000000",
     "the audit log keeps about this many entries, oldest dropped first", NULL},
    {"moderation.decision_guard_ms", T_INT, OFF(decision_guard_ms), 0, 3600000,
     NULL, NULL, NULL, "5000",
     "a comment decided less than this long ago is not decided again (409), "
     "in ms", NULL},
    {"log.level", T_LOGLEVEL, OFF(log_level), 0, 0, "MODGATE_LOG_LEVEL",
     "log-level", "LEVEL", "info",
     "least severe log level written: debug, info, warn, error", NULL},
};

#define NROWS (sizeof rows / sizeof rows[0])

/* Where a value came from, so that an error about it can say so. */
struct origin {
    const char *label; /* YAML key, variable name or "--flag" */
    const char *file;  /* config file for YAML values, else NULL */
    int line, column;
};

static int failv(struct mg_error *err, const struct origin *o, int status,
                 const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));
static int failv(struct mg_error *err, const struct origin *o, int status,
                 const char *fmt, va_list ap)
{
    char msg[400];
    vsnprintf(msg, sizeof msg, fmt, ap);
    mg_error_set(err, o->file, o->line, o->column, "%s: %s", o->label, msg);
    return status;
}

static int fail(struct mg_error *err, const struct origin *o, int status,
                const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int fail(struct mg_error *err, const struct origin *o, int status,
                const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    failv(err, o, status, fmt, ap);
    va_end(ap);
    return status;
}

static char **string_slot(struct mg_config *cfg, const struct row *r)
{
    return (char **)(void *)((char *)cfg + r->offset);
}

/* Strict base-10 integer: optional '-', digits, nothing else. */
static int parse_ll(const char *s, size_t len, long long *out)
{
    char buf[32];
    if (len == 0 || len >= sizeof buf)
        return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    size_t first = buf[0] == '-' ? 1 : 0;
    if (!isdigit((unsigned char)buf[first]))
        return -1;
    errno = 0;
    char *end = NULL;
    long long v = strtoll(buf, &end, 10);
    if (errno != 0 || *end != '\0')
        return -1;
    *out = v;
    return 0;
}

/* Applies text[0..len) to one row. */
static int set_value(struct mg_config *cfg, const struct row *r,
                     const char *text, size_t len, const struct origin *o,
                     struct mg_error *err)
{
    if (memchr(text, '\0', len))
        return fail(err, o, MG_EINVAL, "must not contain a NUL character");
    switch (r->type) {
    case T_STRING: {
        if ((long long)len < r->min)
            return fail(err, o, MG_EINVAL, "must not be empty");
        if ((long long)len > r->max)
            return fail(err, o, MG_EINVAL,
                        "must be at most %lld characters long", r->max);
        char *copy = mg_strndup(text, len);
        if (r->check) {
            struct mg_error cerr = {0};
            int rc = r->check(cfg, copy, &cerr);
            if (rc != MG_OK) {
                mg_free(copy);
                return fail(err, o, rc, "%s", cerr.message);
            }
        }
        char **slot = string_slot(cfg, r);
        mg_free(*slot);
        *slot = copy;
        return MG_OK;
    }
    case T_INT:
    case T_SIZE: {
        long long v = 0;
        if (parse_ll(text, len, &v) != 0 || v < r->min || v > r->max)
            return fail(err, o, MG_EINVAL,
                        "must be an integer from %lld to %lld", r->min, r->max);
        if (r->type == T_INT)
            *(int *)(void *)((char *)cfg + r->offset) = (int)v;
        else
            *(size_t *)(void *)((char *)cfg + r->offset) = (size_t)v;
        return MG_OK;
    }
    case T_LOGLEVEL: {
        char buf[16];
        enum mg_log_level level;
        if (len >= sizeof buf)
            return fail(err, o, MG_EINVAL,
                        "must be one of debug, info, warn, error");
        memcpy(buf, text, len);
        buf[len] = '\0';
        if (mg_log_level_parse(buf, &level) != MG_OK)
            return fail(err, o, MG_EINVAL,
                        "must be one of debug, info, warn, error");
        cfg->log_level = (int)level;
        return MG_OK;
    }
    }
    return MG_EINVAL;
}

/* An optional setting (one without a default) written as `key:` or `key: ~`
 * in YAML goes back to unset. */
static void unset_value(struct mg_config *cfg, const struct row *r)
{
    char **slot = string_slot(cfg, r);
    mg_free(*slot);
    *slot = NULL;
}

void mg_config_init(struct mg_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    for (size_t i = 0; i < NROWS; i++) {
        if (!rows[i].def)
            continue;
        struct origin o = {rows[i].path, NULL, 0, 0};
        struct mg_error err;
        /* Defaults go through the same parser as everything else, so the
         * table's text is what takes effect; a bad default is a bug. */
        if (set_value(cfg, &rows[i], rows[i].def, strlen(rows[i].def), &o,
                      &err) != MG_OK) {
            fprintf(stderr, "modgate: bad built-in default: %s\n", err.message);
            abort();
        }
    }
    mg_rl_config_defaults(&cfg->rate_limits);
}

void mg_config_close(struct mg_config *cfg)
{
    for (size_t i = 0; i < NROWS; i++)
        if (rows[i].type == T_STRING)
            unset_value(cfg, &rows[i]);
    mg_free(cfg->config_file);
    mg_redis_url_close(&cfg->redis);
    mg_rl_config_close(&cfg->rate_limits);
    memset(cfg, 0, sizeof *cfg);
}

/* ---- YAML ---- */

static int yaml_fail(struct mg_error *err, const char *file, struct fy_node *at,
                     struct fy_node *fallback, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int yaml_fail(struct mg_error *err, const char *file, struct fy_node *at,
                     struct fy_node *fallback, const char *fmt, ...)
{
    int line = 0, column = 0;
    mg_yaml_fy_node_pos(fallback, &line, &column);
    mg_yaml_fy_node_pos(at, &line, &column);
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    mg_error_set(err, file, line, column, "%s", msg);
    return MG_EINVAL;
}

static const struct row *find_row(const char *path)
{
    for (size_t i = 0; i < NROWS; i++)
        if (strcmp(rows[i].path, path) == 0)
            return &rows[i];
    return NULL;
}

/* True when path names a mapping of keys, such as "redis". */
static int is_section(const char *path)
{
    size_t n = strlen(path);
    for (size_t i = 0; i < NROWS; i++)
        if (strncmp(rows[i].path, path, n) == 0 && rows[i].path[n] == '.')
            return 1;
    return 0;
}

struct yaml_ctx {
    struct mg_config *cfg;
    const char *file;
    struct origin *origins; /* NROWS entries, or NULL */
    struct mg_error *err;
};

/* Top-level keys whose values are too structured for rows (lists of
 * mappings): each has a loader of its own, and no variable or flag. */
static int apply_rate_limits(struct yaml_ctx *y, const char *path,
                             struct fy_node *k, struct fy_node *v);

static const struct {
    const char *path;
    int (*apply)(struct yaml_ctx *y, const char *path, struct fy_node *k,
                 struct fy_node *v);
} sections[] = {
    {"rate_limits", apply_rate_limits},
};

#define NSECTIONS (sizeof sections / sizeof sections[0])

/* "url, prefix, ..." : the keys directly under prefix (NULL: top level). */
static void list_keys(const char *prefix, char *buf, size_t size)
{
    size_t plen = prefix ? strlen(prefix) : 0;
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < NROWS; i++) {
        const char *p = rows[i].path;
        if (prefix) {
            if (strncmp(p, prefix, plen) != 0 || p[plen] != '.')
                continue;
            p += plen + 1;
        }
        size_t len = strcspn(p, ".");
        /* Skip a section already listed (rows of a section are adjacent). */
        if (i > 0) {
            const char *q = rows[i - 1].path;
            if (prefix && strncmp(q, prefix, plen) == 0 && q[plen] == '.')
                q += plen + 1;
            else if (prefix)
                q = NULL;
            if (q && strcspn(q, ".") == len && strncmp(q, p, len) == 0)
                continue;
        }
        int n = snprintf(buf + used, size - used, "%s%.*s", used ? ", " : "",
                         (int)len, p);
        if (n < 0 || (size_t)n >= size - used)
            return;
        used += (size_t)n;
    }
    for (size_t i = 0; i < NSECTIONS && !prefix; i++) {
        int n = snprintf(buf + used, size - used, "%s%s", used ? ", " : "",
                         sections[i].path);
        if (n < 0 || (size_t)n >= size - used)
            return;
        used += (size_t)n;
    }
}

/* The dotted path of key k under prefix (NULL: top level) into path. */
static int key_path(struct yaml_ctx *y, struct fy_node *k, const char *prefix,
                    char *path, size_t size)
{
    if (!k || fy_node_get_type(k) != FYNT_SCALAR || fy_node_is_alias(k))
        return yaml_fail(y->err, y->file, k, NULL, "keys must be plain words");
    size_t klen = 0;
    const char *ktext = fy_node_get_scalar(k, &klen);
    int n = snprintf(path, size, "%s%s%.*s", prefix ? prefix : "",
                     prefix ? "." : "", (int)(klen > 100 ? 100 : klen), ktext);
    if (klen > 100 || memchr(ktext, '\0', klen) || n < 0 || (size_t)n >= size)
        return yaml_fail(y->err, y->file, k, NULL, "unknown key (too long)");
    return MG_OK;
}

static int walk_mapping(struct yaml_ctx *y, struct fy_node *map,
                        const char *prefix);

static int apply_pair(struct yaml_ctx *y, struct fy_node *k, struct fy_node *v,
                      const char *prefix)
{
    char path[128];
    int rc = key_path(y, k, prefix, path, sizeof path);
    if (rc != MG_OK)
        return rc;
    for (size_t i = 0; i < NSECTIONS; i++)
        if (strcmp(sections[i].path, path) == 0)
            return sections[i].apply(y, path, k, v);

    const struct row *r = find_row(path);
    if (r) {
        if (v && fy_node_is_alias(v))
            return yaml_fail(y->err, y->file, v, k,
                             "%s: aliases (*name) are not supported here",
                             path);
        if (mg_yaml_fy_is_null(v)) {
            if (r->def)
                return yaml_fail(y->err, y->file, v, k,
                                 "%s: needs a value (the default is %s)", path,
                                 r->def);
            unset_value(y->cfg, r);
            return MG_OK;
        }
        if (fy_node_get_type(v) != FYNT_SCALAR)
            return yaml_fail(
                y->err, y->file, v, k, "%s: must be a single value, not a %s",
                path, fy_node_get_type(v) == FYNT_MAPPING ? "mapping" : "list");
        struct origin o = {r->path, y->file, 0, 0};
        mg_yaml_fy_node_pos(k, &o.line, &o.column);
        mg_yaml_fy_node_pos(v, &o.line, &o.column);
        size_t len = 0;
        const char *text = fy_node_get_scalar(v, &len);
        rc = set_value(y->cfg, r, text, len, &o, y->err);
        if (rc == MG_OK && y->origins)
            y->origins[r - rows] = o;
        return rc;
    }
    if (is_section(path)) {
        char keys[200];
        list_keys(path, keys, sizeof keys);
        if (mg_yaml_fy_is_null(v))
            return MG_OK; /* "redis:" with every key commented out */
        if (fy_node_is_alias(v) || fy_node_get_type(v) != FYNT_MAPPING)
            return yaml_fail(y->err, y->file, v, k,
                             "%s: must be a mapping with keys %s", path, keys);
        return walk_mapping(y, v, path);
    }
    char keys[300];
    list_keys(prefix, keys, sizeof keys);
    return yaml_fail(y->err, y->file, k, NULL,
                     "unknown key \"%s\" (known keys%s%s: %s)", path,
                     prefix ? " under " : "", prefix ? prefix : "", keys);
}

static int walk_mapping(struct yaml_ctx *y, struct fy_node *map,
                        const char *prefix)
{
    void *iter = NULL;
    struct fy_node_pair *pair;
    while ((pair = fy_node_mapping_iterate(map, &iter)) != NULL) {
        int rc = apply_pair(y, fy_node_pair_key(pair), fy_node_pair_value(pair),
                            prefix);
        if (rc != MG_OK)
            return rc;
    }
    return MG_OK;
}

/* ---- the rate_limits section (docs/rate-limits.md) ---- */

#define RL_COUNT_MAX  1000000
#define RL_PERIOD_MAX 604800 /* a week */
#define AUTHOR_ID_MAX 128    /* as the API's author_id */

static const char rl_other_keys[] =
    "trusted_authors, subnet_prefix_v4, subnet_prefix_v6";

static int rl_alias_fail(struct yaml_ctx *y, struct fy_node *v,
                         struct fy_node *k, const char *label)
{
    return yaml_fail(y->err, y->file, v, k,
                     "%s: aliases (*name) are not supported here", label);
}

/* What v is, for "must be X, not Y" messages. */
static const char *yaml_kind(struct fy_node *v)
{
    if (mg_yaml_fy_is_null(v))
        return "an empty value";
    switch (fy_node_get_type(v)) {
    case FYNT_MAPPING: return "a mapping";
    case FYNT_SEQUENCE: return "a list";
    default: return "a single value";
    }
}

/* An integer from min to max, written as a plain or quoted scalar, into
 * *out. label names it in errors; k is where to point when v has no mark. */
static int rl_int(struct yaml_ctx *y, struct fy_node *k, struct fy_node *v,
                  const char *label, long long min, long long max,
                  uint32_t *out)
{
    if (v && fy_node_is_alias(v))
        return rl_alias_fail(y, v, k, label);
    long long n = 0;
    size_t len = 0;
    const char *text = NULL;
    if (!mg_yaml_fy_is_null(v) && fy_node_get_type(v) == FYNT_SCALAR)
        text = fy_node_get_scalar(v, &len);
    if (!text || parse_ll(text, len, &n) != 0 || n < min || n > max)
        return yaml_fail(y->err, y->file, v, k,
                         "%s: must be an integer from %lld to %lld", label, min,
                         max);
    *out = (uint32_t)n;
    return MG_OK;
}

/* One limit: a mapping {count: N, period_s: N}, both members required. */
static int rl_limit(struct yaml_ctx *y, struct fy_node *item,
                    struct fy_node *seq, const char *label,
                    struct mg_rl_limit *out)
{
    if (item && fy_node_is_alias(item))
        return rl_alias_fail(y, item, seq, label);
    if (mg_yaml_fy_is_null(item) || fy_node_get_type(item) != FYNT_MAPPING)
        return yaml_fail(y->err, y->file, item, seq,
                         "%s: must be a mapping {count: N, period_s: N}, not "
                         "%s",
                         label, yaml_kind(item));
    bool have_count = false, have_period = false;
    void *iter = NULL;
    struct fy_node_pair *pair;
    while ((pair = fy_node_mapping_iterate(item, &iter)) != NULL) {
        struct fy_node *k = fy_node_pair_key(pair);
        struct fy_node *v = fy_node_pair_value(pair);
        char path[192];
        int rc = key_path(y, k, label, path, sizeof path);
        if (rc != MG_OK)
            return rc;
        const char *member = path + strlen(label) + 1;
        if (strcmp(member, "count") == 0) {
            rc = rl_int(y, k, v, path, 1, RL_COUNT_MAX, &out->count);
            have_count = true;
        } else if (strcmp(member, "period_s") == 0) {
            rc = rl_int(y, k, v, path, 1, RL_PERIOD_MAX, &out->period_s);
            have_period = true;
        } else {
            return yaml_fail(y->err, y->file, k, NULL,
                             "unknown key \"%s\" (known keys under %s: count, "
                             "period_s)",
                             path, label);
        }
        if (rc != MG_OK)
            return rc;
    }
    if (!have_count || !have_period)
        return yaml_fail(y->err, y->file, item, seq,
                         "%s: needs both count and period_s (%s is missing)",
                         label, have_count ? "period_s" : "count");
    return MG_OK;
}

/* A dimension's list of limits. Given, it replaces the default list whole;
 * [] turns the dimension off. */
static int rl_limits(struct yaml_ctx *y, struct fy_node *k, struct fy_node *v,
                     const char *path, enum mg_rl_dim dim)
{
    if (v && fy_node_is_alias(v))
        return rl_alias_fail(y, v, k, path);
    if (mg_yaml_fy_is_null(v) || fy_node_get_type(v) != FYNT_SEQUENCE)
        return yaml_fail(y->err, y->file, v, k,
                         "%s: must be a list of limits such as [{count: 5, "
                         "period_s: 60}], not %s ([] turns the dimension off)",
                         path, yaml_kind(v));
    struct mg_rl_limit limits[MG_RL_MAX_LIMITS];
    size_t n = 0;
    void *iter = NULL;
    struct fy_node *item;
    while ((item = fy_node_sequence_iterate(v, &iter)) != NULL) {
        if (n == MG_RL_MAX_LIMITS)
            return yaml_fail(y->err, y->file, item, v,
                             "%s: at most %d limits per dimension", path,
                             MG_RL_MAX_LIMITS);
        char label[160];
        snprintf(label, sizeof label, "%s[%zu]", path, n);
        int rc = rl_limit(y, item, v, label, &limits[n]);
        if (rc != MG_OK)
            return rc;
        n++;
    }
    struct mg_rl_config *rl = &y->cfg->rate_limits;
    memcpy(rl->limits[dim], limits, n * sizeof limits[0]);
    rl->nlimits[dim] = n;
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

/* The trusted authors replace the list so far. Stored sorted by strcmp and
 * without duplicates, as mg_rl_is_trusted's binary search needs. An empty
 * value (every entry commented out) is an empty list. */
static int rl_trusted(struct yaml_ctx *y, struct fy_node *k, struct fy_node *v,
                      const char *path)
{
    if (v && fy_node_is_alias(v))
        return rl_alias_fail(y, v, k, path);
    struct mg_rl_config *rl = &y->cfg->rate_limits;
    if (mg_yaml_fy_is_null(v)) {
        mg_rl_config_close(rl);
        return MG_OK;
    }
    if (fy_node_get_type(v) != FYNT_SEQUENCE)
        return yaml_fail(y->err, y->file, v, k,
                         "%s: must be a list of author ids, not %s", path,
                         yaml_kind(v));
    int count = fy_node_sequence_item_count(v);
    if (count > MG_RL_MAX_TRUSTED)
        return yaml_fail(y->err, y->file,
                         fy_node_sequence_get_by_index(v, MG_RL_MAX_TRUSTED), v,
                         "%s: at most %d authors", path, MG_RL_MAX_TRUSTED);
    char **ids = mg_calloc(count > 0 ? (size_t)count : 1, sizeof *ids);
    size_t n = 0;
    void *iter = NULL;
    struct fy_node *item;
    while ((item = fy_node_sequence_iterate(v, &iter)) != NULL) {
        int rc = MG_OK;
        size_t len = 0;
        const char *text = NULL;
        if (fy_node_is_alias(item))
            rc = rl_alias_fail(y, item, v, path);
        else if (!mg_yaml_fy_is_null(item) &&
                 fy_node_get_type(item) == FYNT_SCALAR)
            text = fy_node_get_scalar(item, &len);
        if (rc == MG_OK && (!text || !author_id_ok(text, len)))
            rc = yaml_fail(y->err, y->file, item, v,
                           "%s[%zu]: must be an author id: 1 to %d printable "
                           "ASCII characters, no spaces",
                           path, n, AUTHOR_ID_MAX);
        if (rc != MG_OK) {
            free_strings(ids, n);
            return rc;
        }
        ids[n++] = mg_strndup(text, len);
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

static int apply_rate_limits(struct yaml_ctx *y, const char *path,
                             struct fy_node *k, struct fy_node *v)
{
    char keys[200];
    size_t used = 0;
    for (int d = 0; d < MG_RL_DIM_COUNT; d++)
        used += (size_t)snprintf(keys + used, sizeof keys - used, "%s, ",
                                 mg_rl_dim_name((enum mg_rl_dim)d));
    snprintf(keys + used, sizeof keys - used, "%s", rl_other_keys);

    if (v && fy_node_is_alias(v))
        return rl_alias_fail(y, v, k, path);
    if (mg_yaml_fy_is_null(v))
        return MG_OK; /* "rate_limits:" with every key commented out */
    if (fy_node_get_type(v) != FYNT_MAPPING)
        return yaml_fail(y->err, y->file, v, k,
                         "%s: must be a mapping with keys %s", path, keys);

    void *iter = NULL;
    struct fy_node_pair *pair;
    while ((pair = fy_node_mapping_iterate(v, &iter)) != NULL) {
        struct fy_node *mk = fy_node_pair_key(pair);
        struct fy_node *mv = fy_node_pair_value(pair);
        char mpath[128];
        int rc = key_path(y, mk, path, mpath, sizeof mpath);
        if (rc != MG_OK)
            return rc;
        const char *member = mpath + strlen(path) + 1;
        struct mg_rl_config *rl = &y->cfg->rate_limits;
        uint32_t prefix = 0;
        int dim = 0;
        while (dim < MG_RL_DIM_COUNT &&
               strcmp(member, mg_rl_dim_name((enum mg_rl_dim)dim)) != 0)
            dim++;
        if (dim < MG_RL_DIM_COUNT) {
            rc = rl_limits(y, mk, mv, mpath, (enum mg_rl_dim)dim);
        } else if (strcmp(member, "trusted_authors") == 0) {
            rc = rl_trusted(y, mk, mv, mpath);
        } else if (strcmp(member, "subnet_prefix_v4") == 0) {
            rc = rl_int(y, mk, mv, mpath, 8, 32, &prefix);
            if (rc == MG_OK)
                rl->subnet_prefix_v4 = (int)prefix;
        } else if (strcmp(member, "subnet_prefix_v6") == 0) {
            rc = rl_int(y, mk, mv, mpath, 16, 128, &prefix);
            if (rc == MG_OK)
                rl->subnet_prefix_v6 = (int)prefix;
        } else {
            rc = yaml_fail(y->err, y->file, mk, NULL,
                           "unknown key \"%s\" (known keys under %s: %s)",
                           mpath, path, keys);
        }
        if (rc != MG_OK)
            return rc;
    }
    return MG_OK;
}

static int load_string(struct mg_config *cfg, const char *name,
                       const char *text, size_t len, struct origin *origins,
                       struct mg_error *err)
{
    struct mg_yaml_doc *doc;
    int rc = mg_yaml_parse(name, text, len, &doc, err);
    if (rc != MG_OK)
        return rc;
    struct fy_node *root = mg_yaml_fy_root(doc);
    if (mg_yaml_fy_is_null(root)) {
        /* empty, or only comments: nothing to apply */
    } else if (fy_node_get_type(root) != FYNT_MAPPING || fy_node_is_alias(root)) {
        rc = yaml_fail(
            err, name, root, NULL,
            "the config must be a mapping of keys such as listen: and redis:");
    } else {
        struct yaml_ctx y = {cfg, name, origins, err};
        rc = walk_mapping(&y, root, NULL);
    }
    mg_yaml_doc_free(doc);
    return rc;
}

int mg_config_load_string(struct mg_config *cfg, const char *name,
                          const char *text, size_t len, struct mg_error *err)
{
    return load_string(cfg, name, text, len, NULL, err);
}

static int load_file(struct mg_config *cfg, const char *path,
                     struct origin *origins, struct mg_error *err)
{
    char *text = NULL;
    size_t len = 0;
    int rc = mg_file_read(path, CONFIG_FILE_MAX, &text, &len, err);
    if (rc != MG_OK)
        return rc;
    rc = load_string(cfg, path, text, len, origins, err);
    mg_free(text);
    return rc;
}

int mg_config_load_file(struct mg_config *cfg, const char *path,
                        struct mg_error *err)
{
    return load_file(cfg, path, NULL, err);
}

/* ---- environment and flags ---- */

static const char *find_env(char **envp, const char *name)
{
    size_t n = strlen(name);
    for (char **e = envp; e && *e; e++)
        if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
            return *e + n + 1;
    return NULL;
}

struct flag_value {
    const struct row *row;
    const char *value;
    char label[64];
};

/* A variable that a flag overrides is not read at all, so a stale or wrong
 * one in the environment cannot stop a command line that sets the value
 * (API.md: a flag beats a variable). */
static bool flag_sets(const struct flag_value *flags, size_t nflags, const struct row *r)
{
    for (size_t i = 0; i < nflags; i++)
        if (flags[i].row == r)
            return true;
    return false;
}

static int apply_env(struct mg_config *cfg, char **envp, const struct flag_value *flags,
                     size_t nflags, struct origin *origins, struct mg_error *err)
{
    for (size_t i = 0; i < NROWS; i++) {
        if (!rows[i].env || flag_sets(flags, nflags, &rows[i]))
            continue;
        const char *v = find_env(envp, rows[i].env);
        /* An empty variable counts as unset, as shells make that easy. */
        if (!v || !*v)
            continue;
        struct origin o = {rows[i].env, NULL, 0, 0};
        int rc = set_value(cfg, &rows[i], v, strlen(v), &o, err);
        if (rc != MG_OK)
            return rc;
        origins[i] = o;
    }
    return MG_OK;
}

static const struct row *find_flag(const char *name, size_t len)
{
    for (size_t i = 0; i < NROWS; i++)
        if (rows[i].flag && strlen(rows[i].flag) == len &&
            memcmp(rows[i].flag, name, len) == 0)
            return &rows[i];
    return NULL;
}

static int usage_error(struct mg_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int usage_error(struct mg_error *err, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    mg_error_set(err, NULL, 0, 0, "%s (see modgate --help)", msg);
    return MG_EINVAL;
}

/* Reads argv without applying anything: the file and the environment must
 * be applied first whatever the flags' order. */
static int parse_args(int argc, char **argv, const char **config_path,
                      struct flag_value *flags, size_t *nflags,
                      enum mg_config_action *action, struct mg_error *err)
{
    int help = 0, version = 0, check = 0;
    *nflags = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            if (i + 1 < argc)
                return usage_error(err, "unexpected argument \"%.100s\"",
                                   argv[i + 1]);
            break;
        }
        if (a[0] != '-' || a[1] == '\0')
            return usage_error(err, "unexpected argument \"%.100s\"", a);
        if (strcmp(a, "-h") == 0) {
            help = 1;
            continue;
        }
        if (strncmp(a, "-c", 2) == 0) {
            if (a[2] != '\0') {
                *config_path = a + 2;
            } else if (i + 1 < argc) {
                *config_path = argv[++i];
            } else {
                return usage_error(err, "-c needs a value: -c FILE");
            }
            continue;
        }
        if (a[1] != '-')
            return usage_error(err, "unknown option \"%.100s\"", a);

        const char *name = a + 2;
        const char *eq = strchr(name, '=');
        size_t name_len = eq ? (size_t)(eq - name) : strlen(name);
        int *toggle = NULL;
        if (name_len == 4 && memcmp(name, "help", 4) == 0)
            toggle = &help;
        else if (name_len == 7 && memcmp(name, "version", 7) == 0)
            toggle = &version;
        else if (name_len == 12 && memcmp(name, "check-config", 12) == 0)
            toggle = &check;
        if (toggle) {
            if (eq)
                return usage_error(err, "--%.*s takes no value", (int)name_len,
                                   name);
            *toggle = 1;
            continue;
        }

        const struct row *r = find_flag(name, name_len);
        int is_config = name_len == 6 && memcmp(name, "config", 6) == 0;
        if (!r && !is_config)
            return usage_error(err, "unknown option \"--%.*s\"",
                               (int)(name_len > 100 ? 100 : name_len), name);
        const char *value;
        if (eq) {
            value = eq + 1;
        } else if (i + 1 < argc) {
            value = argv[++i];
        } else {
            return usage_error(err, "--%.*s needs a value: --%.*s %s",
                               (int)name_len, name, (int)name_len, name,
                               r ? r->metavar : "FILE");
        }
        if (is_config) {
            *config_path = value;
        } else {
            struct flag_value *f = &flags[(*nflags)++];
            f->row = r;
            f->value = value;
            snprintf(f->label, sizeof f->label, "--%s", r->flag);
        }
    }
    *action = help      ? MG_CONFIG_HELP
              : version ? MG_CONFIG_VERSION
              : check   ? MG_CONFIG_CHECK
                        : MG_CONFIG_RUN;
    return MG_OK;
}

static int finish(struct mg_config *cfg, const struct origin *origins,
                  struct mg_error *err);

int mg_config_from_args(struct mg_config *cfg, int argc, char **argv,
                        char **envp, enum mg_config_action *action,
                        struct mg_error *err)
{
    /* cfg comes from mg_config_init: the defaults are already in it. */
    *action = MG_CONFIG_RUN;
    struct origin origins[NROWS];
    for (size_t i = 0; i < NROWS; i++)
        origins[i] = (struct origin){rows[i].path, NULL, 0, 0};

    /* Each flag takes at most one argv entry, so argc bounds their number. */
    struct flag_value *flags =
        mg_calloc((size_t)(argc > 0 ? argc : 1), sizeof *flags);
    size_t nflags = 0;
    const char *config_path = NULL;
    int rc = parse_args(argc, argv, &config_path, flags, &nflags, action, err);
    if (rc != MG_OK || *action == MG_CONFIG_HELP ||
        *action == MG_CONFIG_VERSION)
        goto out;

    if (config_path) {
        mg_free(cfg->config_file);
        cfg->config_file = mg_strdup(config_path);
        rc = load_file(cfg, cfg->config_file, origins, err);
        if (rc != MG_OK)
            goto out;
    }
    rc = apply_env(cfg, envp, flags, nflags, origins, err);
    if (rc != MG_OK)
        goto out;
    for (size_t i = 0; i < nflags; i++) {
        struct origin o = {flags[i].label, NULL, 0, 0};
        rc = set_value(cfg, flags[i].row, flags[i].value,
                       strlen(flags[i].value), &o, err);
        if (rc != MG_OK)
            goto out;
        /* Labels point into flags, which lives until finish is done. */
        origins[flags[i].row - rows] = o;
    }
    rc = finish(cfg, origins, err);
out:
    mg_free(flags);
    return rc;
}

/* ---- finishing: derived fields and the files named ---- */

static int check_listen(struct mg_config *cfg, const char *value,
                        struct mg_error *err)
{
    return mg_listen_parse(value, cfg->listen_host, sizeof cfg->listen_host,
                           &cfg->listen_port, err);
}

static int check_redis_url(struct mg_config *cfg, const char *value,
                           struct mg_error *err)
{
    struct mg_redis_url url;
    int rc = mg_redis_url_parse(value, &url, err);
    if (rc != MG_OK)
        return rc;
    mg_redis_url_close(&cfg->redis);
    cfg->redis = url;
    return MG_OK;
}

static const struct origin *origin_of(const struct origin *origins, size_t i,
                                      struct origin *tmp)
{
    if (origins)
        return &origins[i];
    *tmp = (struct origin){rows[i].path, NULL, 0, 0};
    return tmp;
}

/* A file named by a setting failed a check. Problems inside the file keep
 * their own location; whole-file problems (missing, mode) point at the
 * setting that named the file. */
static int file_problem(struct mg_error *err, const struct origin *o,
                        const struct mg_error *inner, int rc)
{
    if (inner->line > 0) {
        if (err)
            *err = *inner;
        return rc;
    }
    return fail(err, o, rc, "%s: %s", inner->file, inner->message);
}

static int finish(struct mg_config *cfg, const struct origin *origins,
                  struct mg_error *err)
{
    struct origin tmp;
    for (size_t i = 0; i < NROWS; i++) {
        const struct row *r = &rows[i];
        if (r->type != T_STRING || !r->check)
            continue;
        const char *value = *string_slot(cfg, r);
        if (!value)
            return fail(err, origin_of(origins, i, &tmp), MG_EINVAL, "not set");
        struct mg_error cerr = {0};
        int rc = r->check(cfg, value, &cerr);
        if (rc != MG_OK)
            return fail(err, origin_of(origins, i, &tmp), rc, "%s",
                        cerr.message);
    }

    for (size_t i = 0; i < NROWS; i++) {
        const struct row *r = &rows[i];
        if (r->type != T_STRING)
            continue;
        const char *path = *string_slot(cfg, r);
        if (!path)
            continue;
        struct mg_error inner = {0};
        int rc = MG_OK;
        if (r->offset == OFF(key_file)) {
            rc = mg_key_check_file(path, NULL, &inner);
        } else if (r->offset == OFF(retired_keys_file)) {
            rc = mg_keyring_check_retired(path, &inner);
        } else if (r->offset == OFF(tokens_file)) {
            struct mg_tokens *tokens = NULL;
            rc = mg_tokens_load(path, &tokens, &inner);
            mg_tokens_free(tokens);
        } else if (r->offset == OFF(rules_dir)) {
            struct stat st;
            if (stat(path, &st) != 0) {
                int e = errno;
                mg_error_set(&inner, path, 0, 0, "%s", strerror(e));
                rc = e == ENOENT || e == ENOTDIR ? MG_ENOENT : MG_EIO;
            } else if (!S_ISDIR(st.st_mode)) {
                mg_error_set(&inner, path, 0, 0, "not a directory");
                rc = MG_EINVAL;
            }
        }
        if (rc != MG_OK)
            return file_problem(err, origin_of(origins, i, &tmp), &inner, rc);
    }
    return MG_OK;
}

int mg_config_finish(struct mg_config *cfg, struct mg_error *err)
{
    return finish(cfg, NULL, err);
}

/* ---- --help ---- */

const char *mg_config_usage(void)
{
    static char text[4096];
    if (text[0])
        return text;
    size_t used = 0;
#define ADD(...)                                                               \
    do {                                                                       \
        int n_ = snprintf(text + used, sizeof text - used, __VA_ARGS__);       \
        if (n_ > 0)                                                            \
            used += (size_t)n_ < sizeof text - used ? (size_t)n_               \
                                                    : sizeof text - used - 1;  \
    } while (0)
    ADD("usage: modgate [-c FILE] [OPTION]...\n"
        "Comment moderation HTTP service.\n\n"
        "  -c, --config FILE\n"
        "        YAML config file (keys in docs/configuration.md)\n");
    for (size_t i = 0; i < NROWS; i++) {
        const struct row *r = &rows[i];
        if (!r->flag)
            continue;
        ADD("      --%s %s\n        %s (env %s", r->flag, r->metavar, r->doc,
            r->env);
        if (r->def)
            ADD(", default %s", r->def);
        ADD(")\n");
    }
    ADD("      --check-config\n        check the configuration and the files "
        "it "
        "names, then exit\n"
        "      --version\n        print the version and exit\n"
        "  -h, --help\n        print this help and exit\n\n"
        "Flags beat MODGATE_* variables, which beat the config file, which "
        "beats\n"
        "the defaults. Both --flag VALUE and --flag=VALUE work. Other "
        "settings\n"
        "(redis.prefix, redis.*_ms, limits.*, comments.*) are set in the "
        "config file,\n"
        "and so are the rate limits and trusted authors (rate_limits:, see\n"
        "docs/rate-limits.md).\n");
#undef ADD
    return text;
}
