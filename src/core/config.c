/* config.c: settings from one key table, in the order defaults < YAML file
 * < MODGATE_* variables < flags (config.h). The table's rows are what the
 * YAML walker reads (yaml.h), what variables and flags set through the
 * same parser, what --help prints (config_args.c) and what
 * docs/configuration.md lists; the files a setting names are checked by
 * the row's check_file. */
#include "modgate/config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "modgate/alloc.h"
#include "modgate/files.h"
#include "modgate/keyring.h"
#include "modgate/keys.h"
#include "modgate/ratelimit.h"
#include "modgate/tokens.h"
#include "modgate/yaml.h"
#include "src/core/config_internal.h"

/* A config file is a page of YAML; a megabyte is certainly a mistake. */
#define CONFIG_FILE_MAX (1024 * 1024)

static int check_listen(void *base, const char *value, struct mg_error *err);
static int check_redis_url(void *base, const char *value,
                           struct mg_error *err);
static int check_key_file(const char *path, struct mg_error *inner);
static int check_retired_keys(const char *path, struct mg_error *inner);
static int check_tokens_file(const char *path, struct mg_error *inner);
static int check_rules_dir(const char *path, struct mg_error *inner);

static const char *const log_levels[] = {"debug", "info", "warn", "error",
                                         NULL}; /* enum mg_log_level */

#define AT(field) MG_YAML_AT(struct mg_config, field)
#define TEXT(min_, max_) .type = MG_YAML_T_STRING, .min = min_, .max = max_
#define INTEGER(min_, max_) .type = MG_YAML_T_INTEGER, .min = min_, .max = max_
#define CLI(env_, flag_, metavar_) .env = env_, .flag = flag_, .metavar = metavar_

/* Keep docs/configuration.md identical to this table. Rows marked restart
 * are read at start only (config_diff.c); the rest a reload applies. */
const struct mg__config_row mg__config_rows[] = {
    {.key = {"listen", TEXT(1, 300), AT(listen), .def = "127.0.0.1:8080",
      .help = "address to listen on: HOST:PORT or [IPV6]:PORT",
      .check = check_listen},
     CLI("MODGATE_LISTEN", "listen", "HOST:PORT"), .restart = true},
    /* 0: one per CPU this process may run on (workers.h); restart-only,
     * as the supervisor forks them once. The built-in default is one
     * process, as modgate always was: the Debian package's configuration
     * sets 0 (docs/operations.md "Workers" says why). */
    {.key = {"workers", INTEGER(0, 256), AT(workers), .def = "1",
      .help = "worker processes serving the port; 0: one per CPU"},
     CLI("MODGATE_WORKERS", "workers", "N"), .restart = true},
    {.key = {"redis.url", TEXT(1, 4096), AT(redis_url),
      .def = "redis://127.0.0.1:6379/0",
      .help = "Redis to use: redis://[[USER]:PASSWORD@]HOST[:PORT][/DB] or "
              "redis+sentinel://[[USER]:PASSWORD@]HOST[:PORT][,...]/NAME[/DB]",
      .check = check_redis_url},
     CLI("MODGATE_REDIS_URL", "redis", "URL"), .restart = true},
    {.key = {"redis.prefix", TEXT(0, 64), AT(redis_prefix), .def = "mg:",
      .help = "prefix of every Redis key modgate writes"},
     .restart = true},
    {.key = {"redis.timeout_ms", INTEGER(1, 60000), AT(redis_timeout_ms),
      .def = "1000", .help = "time allowed for one Redis command, in ms"},
     .restart = true},
    {.key = {"redis.connect_timeout_ms", INTEGER(1, 60000),
      AT(redis_connect_timeout_ms), .def = "1000",
      .help = "time allowed for connecting to Redis, in ms"},
     .restart = true},
    {.key = {"redis.reconnect_max_ms", INTEGER(1, 60000), AT(redis_reconnect_max_ms),
      .def = "1000",
      .help = "longest wait between reconnection attempts, in ms"},
     .restart = true},
    /* A secret: a variable but no flag, which ps would show. */
    {.key = {"redis.sentinel_password", TEXT(1, 4096), AT(redis_sentinel_password),
      .help = "password of the sentinels of a redis+sentinel:// URL"},
     CLI("MODGATE_REDIS_SENTINEL_PASSWORD", NULL, NULL), .restart = true},
    /* Restart-only like the other redis.* rows: the store reads them once,
     * and an operator changing the durability of writes wants to know
     * exactly when it took effect. */
    {.key = {"redis.min_replicas_ack", INTEGER(0, 64), AT(redis_min_replicas_ack),
      .def = "0",
      .help = "replicas that must have a write before it is answered as done "
              "(WAIT); 0: none"},
     .restart = true},
    {.key = {"redis.replica_ack_timeout_ms", INTEGER(1, 60000),
      AT(redis_replica_ack_timeout_ms), .def = "1000",
      .help = "time a write waits for its replicas, in ms (then 503 "
              "outcome_unknown)"},
     .restart = true},
    {.key = {"rules", TEXT(1, 4096), AT(rules_dir),
      .help = "directory of moderation rules"},
     CLI("MODGATE_RULES", "rules", "DIR"), .check_file = check_rules_dir},
    {.key = {"key", TEXT(1, 4096), AT(key_file),
      .help = "secret signing key file (modctl keygen), mode 0600 or 0640"},
     CLI("MODGATE_KEY", "key", "FILE"), .check_file = check_key_file,
     .restart = true},
    {.key = {"retired_keys", TEXT(1, 4096), AT(retired_keys_file),
      .help = "public keys of retired signing keys (modctl pubkey), still "
              "listed by /v1/keys"},
     CLI("MODGATE_RETIRED_KEYS", "retired-keys", "FILE"), .check_file = check_retired_keys},
    {.key = {"tokens", TEXT(1, 4096), AT(tokens_file),
      .help = "bearer tokens file, mode 0600 or 0640"},
     CLI("MODGATE_TOKENS", "tokens", "FILE"), .check_file = check_tokens_file},
    {.key = {"limits.header_bytes", INTEGER(1024, 1048576), AT(header_max_bytes),
      .def = "8192",
      .help = "largest request line + headers, in bytes (else 431)"}},
    {.key = {"limits.body_bytes", INTEGER(1, 16777216), AT(body_max_bytes),
      .def = "16384", .help = "largest request body, in bytes (else 413)"}},
    {.key = {"limits.request_timeout_ms", INTEGER(100, 3600000),
      AT(request_timeout_ms), .def = "10000",
      .help = "time for a whole request to arrive, in ms (else 408)"}},
    {.key = {"limits.idle_timeout_ms", INTEGER(100, 3600000), AT(idle_timeout_ms),
      .def = "60000",
      .help = "idle keep-alive connections close after this, in ms"}},
    /* 10000: each connection costs a descriptor and a few KiB, and a news
     * site's backend keeps a pool of tens; ten thousand open at once is a
     * leak or a flood, which the cap keeps from taking every descriptor
     * (and Redis' with them). It also fits the 524288 systemd gives a
     * service as its hard limit, so the start-up check stays quiet there. */
    {.key = {"limits.max_connections", INTEGER(1, 1048576), AT(max_connections),
      .def = "10000",
      .help = "most client connections open at once; more are closed at once"},
     CLI("MODGATE_MAX_CONNECTIONS", "max-connections", "N")},
    {.key = {"limits.drain_timeout_ms", INTEGER(0, 3600000), AT(drain_timeout_ms),
      .def = "10000",
      .help = "time to finish requests in flight at shutdown, in ms"}},
    {.key = {"comments.max_chars", INTEGER(1, 100000), AT(comment_max_chars),
      .def = "300",
      .help = "longest comment body, in user-perceived characters (else 422 "
              "too_long)"}},
    {.key = {"comments.max_bytes", INTEGER(1, 1048576), AT(comment_max_bytes),
      .def = "4096",
      .help = "longest comment body, in bytes of UTF-8 (else 422 too_long)"}},
    {.key = {"moderation.rejected_retention_s", INTEGER(60, 315360000),
      AT(rejected_retention_s), .def = "1209600",
      .help = "rejected comments are kept this long for review, in s (then "
              "gone)"}},
    {.key = {"moderation.audit_max_entries", INTEGER(100, 100000000),
      AT(audit_max_entries), .def = "1000000",
      .help = "the audit log keeps about this many entries, oldest dropped "
              "first"}},
    {.key = {"moderation.decision_guard_ms", INTEGER(0, 3600000),
      AT(decision_guard_ms), .def = "5000",
      .help = "a comment decided less than this long ago is not decided "
              "again (409), in ms"}},
    {.key = {"reports.threshold", INTEGER(1, 1000000), AT(reports_threshold),
      .def = "3",
      .help = "weighted reports that list a published comment in GET "
              "/v1/reported"}},
    {.key = {"reports.hold_threshold", INTEGER(0, 1000000),
      AT(reports_hold_threshold), .def = "0",
      .help = "weighted reports that hold a published comment (pending "
              "again); 0 never"}},
    {.key = {"events.retention_s", INTEGER(1, 315360000),
      AT(events_retention_s), .def = "604800",
      .help = "events are kept this long for the feed and webhooks, in s; an "
              "older cursor gets 410"}},
    {.key = {"events.max_len", INTEGER(100, 100000000), AT(events_max_len),
      .def = "1000000",
      .help = "the events stream keeps about this many entries, oldest "
              "dropped first"}},
    /* Webhooks (config_webhooks.c): the list is restart-only, as each
     * item's delivery loop and consumer group are made at start (its row
     * is the last). */
    {.key = {"events.webhook_max_age_s", INTEGER(1, 2592000),
      AT(webhook_max_age_s), .def = "86400",
      .help = "a webhook delivery failing this long is dropped and counted "
              "failed, in s"}},
    {.key = {"events.webhook_claim_after_ms", INTEGER(1000, 600000),
      AT(webhook_claim_after_ms), .def = "10000",
      .help = "a stopped instance's pending webhook deliveries are taken "
              "over after this, in ms"}},
    {.key = {"edits.window_s", INTEGER(0, 315360000), AT(edits_window_s),
      .def = "900",
      .help = "an author may edit a comment this long after sending it, in s; "
              "0 no edits"}},
    {.key = {"privacy.ip_retention_s", INTEGER(1, 315360000),
      AT(ip_retention_s), .def = "2592000",
      .help = "a comment's client_ip and user_agent are kept this long, in s "
              "(then Redis erases them)"}},
    {.key = {"privacy.site_may_erase", .type = MG_YAML_T_BOOL, AT(site_may_erase),
      .def = "false",
      .help = "the site role may erase an author (DELETE /v1/authors/{author_id}), "
              "not only moderators"}},
    {.key = {"log.level", .type = MG_YAML_T_ENUM, AT(log_level), .def = "info",
      .names = log_levels,
      .help = "least severe log level written: debug, info, warn, error"},
     CLI("MODGATE_LOG_LEVEL", "log-level", "LEVEL")},
    /* Lists of limits, in the file only (config_ratelimit.c). */
    {.key = {"rate_limits", .type = MG_YAML_T_TABLE, AT(rate_limits),
      .table = &mg__config_rate_limits,
      .help = "rate limits and trusted authors (docs/rate-limits.md)"}},
    /* The webhooks: list, in the file only (config_webhooks.c). */
    {.key = {"webhooks", .type = MG_YAML_T_CUSTOM, AT(webhooks),
      .parse = mg__config_parse_webhooks,
      .help = "list of webhooks {url, events, timeout_ms} (docs/api.md)"},
     .restart = true},
};

#undef AT
#undef TEXT
#undef INTEGER
#undef CLI

#define NROWS (sizeof mg__config_rows / sizeof mg__config_rows[0])

const size_t mg__config_nrows = NROWS;

static const struct mg_yaml_table config_table = {
    &mg__config_rows[0].key, NROWS, sizeof mg__config_rows[0], NULL};

/* Where a value came from, so that an error about it can say so. */
struct origin {
    const char *label; /* YAML key, variable name or "--flag" */
    const char *file;  /* config file for YAML values, else NULL */
    int line, column;
};

static int fail(struct mg_error *err, const struct origin *o, int status,
                const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int fail(struct mg_error *err, const struct origin *o, int status,
                const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    mg_error_set(err, o->file, o->line, o->column, "%s: %s", o->label, msg);
    return status;
}

static char **string_slot(struct mg_config *cfg, const struct mg__config_row *r)
{
    return (char **)(void *)((char *)cfg + r->key.offset);
}

/* Sets row r of cfg from text that came from label (a variable, a flag,
 * the built-in default): the same parser as the file's values. */
static int set_text(struct mg_config *cfg, const struct mg__config_row *r,
                    const char *text, const char *label, struct mg_error *err)
{
    struct mg_yaml_walk w = {.err = err};
    return mg_yaml_set_text(&w, &r->key, cfg, text, strlen(text), label);
}

void mg_config_init(struct mg_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    for (size_t i = 0; i < NROWS; i++) {
        const struct mg__config_row *r = &mg__config_rows[i];
        struct mg_error err;
        /* Defaults go through the same parser as everything else, so the
         * table's text is what takes effect; a bad default is a bug. */
        if (r->key.def && set_text(cfg, r, r->key.def, r->key.name, &err) != MG_OK) {
            fprintf(stderr, "modgate: bad built-in default: %s\n", err.message);
            abort();
        }
    }
    mg_rl_config_defaults(&cfg->rate_limits);
}

void mg_config_close(struct mg_config *cfg)
{
    mg_yaml_table_close(&config_table, cfg);
    mg_free(cfg->config_file);
    mg_redis_url_close(&cfg->redis);
    mg_rl_config_close(&cfg->rate_limits);
    mg_webhooks_config_close(&cfg->webhooks);
    memset(cfg, 0, sizeof *cfg);
}

/* ---- the YAML file ---- */

/* The walker set row from the pair key: value of the file being read:
 * remember where, for errors about the file the value names. */
static void on_set(struct mg_yaml_walk *w, const struct mg_yaml_key *row,
                   const struct mg_yaml_node *key,
                   const struct mg_yaml_node *value)
{
    struct origin *origins = w->user;
    for (size_t i = 0; i < NROWS; i++) {
        if (&mg__config_rows[i].key != row)
            continue;
        struct origin o = {row->name, w->file, 0, 0};
        (void)mg_yaml_node_pos(key, &o.line, &o.column);
        (void)mg_yaml_node_pos(value, &o.line, &o.column);
        origins[i] = o;
    }
}

/* Applies the YAML text over cfg; origins (NROWS, or NULL) learn where
 * each value set came from. */
static int load_string(struct mg_config *cfg, const char *name,
                       const char *text, size_t len, struct origin *origins,
                       struct mg_error *err)
{
    struct mg_yaml_doc *doc;
    int rc = mg_yaml_parse(name, text, len, &doc, err);
    if (rc != MG_OK)
        return rc;
    struct mg_yaml_walk w = {.file = name, .err = err,
                             .on_set = origins ? on_set : NULL,
                             .user = origins};
    const struct mg_yaml_node *root = mg_yaml_root(doc);
    if (mg_yaml_is_null(root)) {
        /* empty, or only comments: nothing to apply */
    } else if (mg_yaml_kind(root) != MG_YAML_MAPPING) {
        rc = mg_yaml_fail(&w, root, NULL,
                          "the config must be a mapping of keys such as "
                          "listen: and redis:");
    } else {
        rc = mg_yaml_walk_table(&w, &config_table, root, cfg, NULL, NULL);
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

/* A variable that a flag overrides is not read at all, so a stale or wrong
 * one in the environment cannot stop a command line that sets the value
 * (docs/configuration.md: a flag beats a variable). */
static bool flag_sets(const struct mg__config_flag *flags, size_t nflags,
                      const struct mg__config_row *r)
{
    for (size_t i = 0; i < nflags; i++)
        if (flags[i].row == r)
            return true;
    return false;
}

static int apply_env(struct mg_config *cfg, char **envp,
                     const struct mg__config_flag *flags, size_t nflags,
                     struct origin *origins, struct mg_error *err)
{
    for (size_t i = 0; i < NROWS; i++) {
        const struct mg__config_row *r = &mg__config_rows[i];
        if (!r->env || flag_sets(flags, nflags, r))
            continue;
        const char *v = find_env(envp, r->env);
        /* An empty variable counts as unset, as shells make that easy. */
        if (!v || !*v)
            continue;
        int rc = set_text(cfg, r, v, r->env, err);
        if (rc != MG_OK)
            return rc;
        origins[i] = (struct origin){r->env, NULL, 0, 0};
    }
    return MG_OK;
}

static int apply_flags(struct mg_config *cfg,
                       const struct mg__config_flag *flags, size_t nflags,
                       struct origin *origins, struct mg_error *err)
{
    for (size_t i = 0; i < nflags; i++) {
        int rc = set_text(cfg, flags[i].row, flags[i].value, flags[i].label,
                          err);
        if (rc != MG_OK)
            return rc;
        /* Labels point into flags, which lives until finish is done. */
        origins[flags[i].row - mg__config_rows] =
            (struct origin){flags[i].label, NULL, 0, 0};
    }
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
        origins[i] = (struct origin){mg__config_rows[i].key.name, NULL, 0, 0};

    /* Each flag takes at most one argv entry, so argc bounds their number. */
    struct mg__config_flag *flags =
        mg_calloc((size_t)(argc > 0 ? argc : 1), sizeof *flags);
    size_t nflags = 0;
    const char *config_path = NULL;
    int rc = mg__config_parse_args(argc, argv, &config_path, flags, &nflags,
                                   action, err);
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
    if (rc == MG_OK)
        rc = apply_flags(cfg, flags, nflags, origins, err);
    if (rc == MG_OK)
        rc = finish(cfg, origins, err);
out:
    mg_free(flags);
    return rc;
}

/* ---- finishing: derived fields and the files named ---- */

static int check_listen(void *base, const char *value, struct mg_error *err)
{
    struct mg_config *cfg = base;
    return mg_listen_parse(value, cfg->listen_host, sizeof cfg->listen_host,
                           &cfg->listen_port, err);
}

static int check_redis_url(void *base, const char *value, struct mg_error *err)
{
    struct mg_config *cfg = base;
    struct mg_redis_url url;
    int rc = mg_redis_url_parse(value, &url, err);
    if (rc != MG_OK)
        return rc;
    mg_redis_url_close(&cfg->redis);
    cfg->redis = url;
    return MG_OK;
}

static int check_key_file(const char *path, struct mg_error *inner)
{
    return mg_key_check_file(path, NULL, inner);
}

static int check_retired_keys(const char *path, struct mg_error *inner)
{
    return mg_keyring_check_retired(path, inner);
}

static int check_tokens_file(const char *path, struct mg_error *inner)
{
    struct mg_tokens *tokens = NULL;
    int rc = mg_tokens_load(path, &tokens, inner);
    mg_tokens_free(tokens);
    return rc;
}

static int check_rules_dir(const char *path, struct mg_error *inner)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        int e = errno;
        mg_error_set(inner, path, 0, 0, "%s", strerror(e));
        return e == ENOENT || e == ENOTDIR ? MG_ENOENT : MG_EIO;
    }
    if (!S_ISDIR(st.st_mode)) {
        mg_error_set(inner, path, 0, 0, "not a directory");
        return MG_EINVAL;
    }
    return MG_OK;
}

static const struct origin *origin_of(const struct origin *origins, size_t i,
                                      struct origin *tmp)
{
    if (origins)
        return &origins[i];
    *tmp = (struct origin){mg__config_rows[i].key.name, NULL, 0, 0};
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
        const struct mg__config_row *r = &mg__config_rows[i];
        if (r->key.type != MG_YAML_T_STRING || !r->key.check)
            continue;
        const char *value = *string_slot(cfg, r);
        if (!value)
            return fail(err, origin_of(origins, i, &tmp), MG_EINVAL, "not set");
        struct mg_error cerr = {0};
        int rc = r->key.check(cfg, value, &cerr);
        if (rc != MG_OK)
            return fail(err, origin_of(origins, i, &tmp), rc, "%s",
                        cerr.message);
    }
    for (size_t i = 0; i < NROWS; i++) {
        const struct mg__config_row *r = &mg__config_rows[i];
        const char *path = r->check_file ? *string_slot(cfg, r) : NULL;
        if (!path)
            continue;
        struct mg_error inner = {0};
        int rc = r->check_file(path, &inner);
        if (rc != MG_OK)
            return file_problem(err, origin_of(origins, i, &tmp), &inner, rc);
    }
    return MG_OK;
}

int mg_config_finish(struct mg_config *cfg, struct mg_error *err)
{
    return finish(cfg, NULL, err);
}
