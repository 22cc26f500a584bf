/* ratelimit.h: rate limit settings, the `rate_limits:` section of the
 * config. Each dimension (author, ip, subnet, article, global; and reporter,
 * which limits readers' reports instead of submissions) has a list of
 * limits; a limit allows `count` submissions per `period_s` seconds, all of
 * which may come at once (GCRA, as redis-cell: a theoretical arrival time per
 * key advancing by period_s / count per submission). The limiter itself runs
 * in Redis (the store's submit script), with Redis' clock. */
#ifndef MODGATE_RATELIMIT_H
#define MODGATE_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "modgate/error.h"

enum mg_rl_dim {
    MG_RL_AUTHOR,
    MG_RL_IP,
    MG_RL_SUBNET,
    MG_RL_ARTICLE,
    MG_RL_GLOBAL,
    MG_RL_REPORTER, /* readers' reports (POST /v1/comments/{id}/reports), not
                       submissions: fixed windows in report_create.lua */
    MG_RL_DIM_COUNT
};

#define MG_RL_MAX_LIMITS 4 /* per dimension */
#define MG_RL_MAX_TRUSTED 10000

struct mg_rl_limit {
    uint32_t count;    /* 1..1000000 */
    uint32_t period_s; /* 1..604800 (a week) */
};

struct mg_rl_config {
    struct mg_rl_limit limits[MG_RL_DIM_COUNT][MG_RL_MAX_LIMITS];
    size_t nlimits[MG_RL_DIM_COUNT]; /* 0 = the dimension is off */
    char **trusted_authors;          /* skip the author limits; owned,
                                        sorted by strcmp without duplicates
                                        (mg_rl_is_trusted searches it) */
    size_t ntrusted;
    int subnet_prefix_v4; /* 8..32, default 24 */
    int subnet_prefix_v6; /* 16..128, default 56 */
};

/* The documented news-site defaults (docs/rate-limits.md says why). */
void mg_rl_config_defaults(struct mg_rl_config *rl);
void mg_rl_config_close(struct mg_rl_config *rl);

/* "author", "ip", "subnet", "article", "global". */
const char *mg_rl_dim_name(enum mg_rl_dim dim);

/* True when author_id is on the trusted list. */
bool mg_rl_is_trusted(const struct mg_rl_config *rl, const char *author_id);

/* One dimension's key for a submission: what the limiter counts it under. */
struct mg_rl_key {
    enum mg_rl_dim dim;
    const char *value; /* the author id, address hex, subnet, article, "all" */
};

/* What the limiter keys a submission on (docs/rate-limits.md): the author
 * (not a trusted one), the address and its subnet as fixed-width hex (one
 * client, one key, however it wrote its address: "10.0.0.1" and
 * "::ffff:10.0.0.1" alike), the article, and everyone: each dimension that
 * has limits and a value, in enum order. */
struct mg_rl_keys {
    char ip_hex[33];      /* mg_ip_hex of the address; "" without one */
    char subnet[33 + 8];  /* the masked address hex "/" prefix; "" without */
    struct mg_rl_key keys[MG_RL_DIM_COUNT]; /* values borrowed from here
                                               and from the arguments */
    size_t n;
};

/* Fills out for a submission by author_id from client_ip (NULL, or text
 * that does not parse, counts as no address) on article_id. */
void mg_rl_keys_of(const struct mg_rl_config *rl, const char *author_id,
                   const char *client_ip, const char *article_id, struct mg_rl_keys *out);

#endif
