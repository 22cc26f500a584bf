/* config.h: modgate's settings, from built-in defaults, a YAML file (-c),
 * MODGATE_* environment variables and command-line flags, in that order of
 * precedence (a flag beats a variable beats the file beats the default).
 * Every key is one row of a table in config.c that the YAML walker
 * (yaml.h), the variables and flags, --help and docs/configuration.md
 * follow; the rate_limits section (lists of limits, in the file only) is a
 * table of its own in config_ratelimit.c. */
#ifndef MODGATE_CONFIG_H
#define MODGATE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "modgate/error.h"
#include "modgate/ratelimit.h"
#include "modgate/yaml.h"

/* One HOST:PORT of a redis+sentinel:// URL. */
struct mg_redis_endpoint {
    char host[256];
    int port;
};

/* A redis+sentinel:// URL names at most this many sentinels. */
#define MG_REDIS_SENTINELS_MAX 16
/* The port of a sentinel written without one. */
#define MG_REDIS_SENTINEL_PORT 26379

/* A parsed redis:// or redis+sentinel:// URL. */
struct mg_redis_url {
    char host[256]; /* redis:// only; "" for a sentinel URL */
    int port;       /* redis:// only; 0 for a sentinel URL */
    int db;
    char *username; /* NULL when none (then AUTH takes only the password) */
    char *password; /* NULL when none */
    /* redis+sentinel:// only (master_name NULL otherwise): the name the
     * sentinels know the primary by, and the sentinels to ask for its
     * address, in the URL's order. The user and password are the Redis
     * servers', not the sentinels' (redis.sentinel_password). */
    char *master_name;
    struct mg_redis_endpoint *sentinels;
    size_t nsentinels;
};

/* ---- webhooks (config_webhooks.c; docs/api.md "Webhooks") ---- */

/* The event types a webhook may ask for, bit i of events_mask being
 * mg_webhook_event_types[i]; NULL-ended. */
extern const char *const mg_webhook_event_types[];
#define MG_WEBHOOK_EVENT_TYPES 9
#define MG_WEBHOOKS_MAX 16

/* One item of the `webhooks:` list. */
struct mg_webhook_config {
    char *url;                   /* http:// or https:// */
    struct mg_yaml_strings events; /* as written; none: all */
    int timeout_ms;              /* per POST */
    unsigned events_mask;        /* bit i: mg_webhook_event_types[i] */
};
struct mg_webhooks_config {
    struct mg_webhook_config *items;
    size_t n;
};
void mg_webhooks_config_close(struct mg_webhooks_config *wh);
bool mg_webhooks_config_same(const struct mg_webhooks_config *a,
                             const struct mg_webhooks_config *b);

struct mg_config {
    char *config_file; /* NULL when no -c */

    char *listen;          /* "HOST:PORT" as given */
    char listen_host[256]; /* parsed from listen by mg_config_finish */
    int listen_port;
    int workers;           /* worker processes; 0: one per CPU (workers.h) */

    char *redis_url;             /* as given */
    struct mg_redis_url redis;   /* parsed by mg_config_finish */
    char *redis_sentinel_password; /* AUTH to the sentinels; NULL when none */
    char *redis_prefix;          /* key prefix, default "mg:" */
    int redis_timeout_ms;        /* per command */
    int redis_connect_timeout_ms;
    int redis_reconnect_max_ms;  /* cap of the reconnect backoff */
    int redis_min_replicas_ack;  /* replicas a write waits for (WAIT); 0: none */
    int redis_replica_ack_timeout_ms; /* WAIT's timeout */

    char *rules_dir; /* NULL when not configured */
    char *key_file;  /* NULL when not configured */
    char *retired_keys_file; /* NULL when not configured */
    char *tokens_file; /* NULL when not configured */

    size_t header_max_bytes;  /* request line + headers, 431 past it */
    size_t body_max_bytes;    /* 413 past it */
    int request_timeout_ms;   /* a request must arrive within it, else 408 */
    int idle_timeout_ms;      /* idle keep-alive connections close after it */
    int drain_timeout_ms;     /* bound on finishing requests at shutdown */
    size_t max_connections;   /* client connections open at once; more are
                                 accepted and closed */

    size_t comment_max_chars; /* body, in extended grapheme clusters */
    size_t comment_max_bytes; /* body, in bytes of UTF-8 */

    int rejected_retention_s; /* rejected comments are kept this long */
    int ip_retention_s;       /* a comment's address and agent: this long */
    bool site_may_erase;      /* DELETE /v1/authors/{id} for the site role too */
    int events_retention_s;   /* events are kept this long (the feed's 410) */
    size_t events_max_len;    /* the events stream keeps about this many */
    int edits_window_s;       /* PATCH /v1/comments/{id}: this long after
                                 created_at; 0 no edits */
    size_t audit_max_entries; /* the audit log keeps about this many */
    int decision_guard_ms;    /* a comment decided less than this long ago
                                 is not decided again by another
                                 moderator (409) */

    int reports_threshold;      /* weighted reports that list a comment in
                                   GET /v1/reported */
    int reports_hold_threshold; /* ... that hold it; 0 never */

    int log_level; /* enum mg_log_level */

    /* The `rate_limits:` section: a mapping of lists, read by the rows of
     * config_ratelimit.c's table; YAML only. */
    struct mg_rl_config rate_limits;

    /* The `webhooks:` list (config_webhooks.c); YAML only, restart-only. */
    struct mg_webhooks_config webhooks;
    int webhook_max_age_s;       /* a delivery failing this long is dropped */
    int webhook_claim_after_ms;  /* a silent instance's deliveries are
                                    claimed by another after this */
};

/* What the command line asked for. */
enum mg_config_action {
    MG_CONFIG_RUN = 0,
    MG_CONFIG_CHECK,   /* --check-config */
    MG_CONFIG_VERSION, /* --version */
    MG_CONFIG_HELP,    /* --help */
};

/* Fills cfg with the built-in defaults. Pair with mg_config_close. */
void mg_config_init(struct mg_config *cfg);
void mg_config_close(struct mg_config *cfg);

/* Applies a YAML document (name is used in errors) over cfg. Unknown keys,
 * wrong types and values out of range are errors naming line and column. */
int mg_config_load_string(struct mg_config *cfg, const char *name,
                          const char *text, size_t len,
                          struct mg_error *err) MG_MUST_CHECK;
int mg_config_load_file(struct mg_config *cfg, const char *path,
                        struct mg_error *err) MG_MUST_CHECK;

/* The whole precedence chain for the server: defaults, then -c FILE, then
 * the MODGATE_* variables of envp (NULL-terminated "K=V" strings), then the
 * flags in argv; then mg_config_finish. *action says what was asked. */
int mg_config_from_args(struct mg_config *cfg, int argc, char **argv,
                        char **envp, enum mg_config_action *action,
                        struct mg_error *err) MG_MUST_CHECK;

/* Parses the derived fields (listen, redis URL) and checks the files named:
 * the key file exists and is private, the rules directory exists, the tokens
 * file exists, is private and parses. */
int mg_config_finish(struct mg_config *cfg, struct mg_error *err) MG_MUST_CHECK;

/* A reload (SIGHUP) reads the configuration again and compares it with the
 * one running (config_diff.c): which keys changed, by their names in the
 * table (config.c), in its order; split into those a running server
 * applies and those it reads at start only (listen, redis.*, key). */
#define MG_CONFIG_MAX_KEYS 64 /* >= the rows of config.c (test_config_diff) */
struct mg_config_diff {
    const char *live[MG_CONFIG_MAX_KEYS]; /* applied by mg_config_apply_live */
    size_t nlive;
    const char *restart[MG_CONFIG_MAX_KEYS]; /* need a restart */
    size_t nrestart;
};
void mg_config_diff(const struct mg_config *running,
                    const struct mg_config *fresh, struct mg_config_diff *out);

/* True when key (a table name such as "redis.url") is read at start only;
 * false for the others and for names that are no key. */
bool mg_config_key_restart_only(const char *key);

/* Moves the values of every key that is not restart-only from fresh into
 * cfg, and cfg's old ones into fresh, which the caller then closes: a
 * swap, so nothing is copied and nothing can fail. The restart-only keys
 * and the fields parsed from them (listen_host, redis) stay as they are. */
void mg_config_apply_live(struct mg_config *cfg, struct mg_config *fresh);

/* "HOST:PORT" or "[V6]:PORT". */
int mg_listen_parse(const char *text, char *host, size_t host_size, int *port,
                    struct mg_error *err) MG_MUST_CHECK;

/* redis://[[user]:password@]host[:port][/db], or
 * redis+sentinel://[[user]:password@]host[:port][,host[:port]...]/name[/db]
 * (a sentinel's port defaults to 26379). Caller closes with
 * mg_redis_url_close. */
int mg_redis_url_parse(const char *text, struct mg_redis_url *out,
                       struct mg_error *err) MG_MUST_CHECK;
void mg_redis_url_close(struct mg_redis_url *url);
/* For logs and status lines, without the credentials: "HOST:PORT/DB", or
 * "sentinel NAME via HOST:PORT,HOST:PORT/DB" (cut to fit). */
void mg_redis_url_describe(const struct mg_redis_url *url, char *out,
                           size_t size);

/* The usage text for --help. Static. */
const char *mg_config_usage(void);

#endif
