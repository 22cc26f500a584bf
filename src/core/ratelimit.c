/* ratelimit.c: the rate limit settings: defaults, names, the trusted list. */
#include "modgate/ratelimit.h"

#include <string.h>

#include "modgate/alloc.h"
#include "modgate/decimal.h"
#include "modgate/ipaddr.h"

/* The news-site defaults. docs/rate-limits.md gives the reason for each and
 * docs/configuration.md lists them: keep the three identical. */
static const struct mg_rl_limit
    default_limits[MG_RL_DIM_COUNT][MG_RL_MAX_LIMITS] = {
        /* A reader writes a few comments a minute at most. */
        [MG_RL_AUTHOR] = {{10, 60}, {60, 3600}},
        /* An office or a mobile carrier's NAT puts many readers behind one
         * address. */
        [MG_RL_IP] = {{30, 60}, {300, 3600}},
        /* One sender hopping across addresses of one provider's range. */
        [MG_RL_SUBNET] = {{60, 60}, {1000, 3600}},
        /* A flood guard for one article; a hot story draws a crowd. */
        [MG_RL_ARTICLE] = {{600, 60}},
        /* The last fuse, for Redis and the moderators' queue. */
        [MG_RL_GLOBAL] = {{6000, 60}},
        /* a reader: 10 reports a minute, 100 an hour */
        [MG_RL_REPORTER] = {{10, 60}, {100, 3600}},
};

static const size_t default_nlimits[MG_RL_DIM_COUNT] = {
    [MG_RL_AUTHOR] = 2,  [MG_RL_IP] = 2,     [MG_RL_SUBNET] = 2,
    [MG_RL_ARTICLE] = 1, [MG_RL_GLOBAL] = 1, [MG_RL_REPORTER] = 2,
};

static const char *const dim_names[MG_RL_DIM_COUNT] = {
    [MG_RL_AUTHOR] = "author", [MG_RL_IP] = "ip",
    [MG_RL_SUBNET] = "subnet", [MG_RL_ARTICLE] = "article",
    [MG_RL_GLOBAL] = "global", [MG_RL_REPORTER] = "reporter",
};

void mg_rl_config_defaults(struct mg_rl_config *rl)
{
    memset(rl, 0, sizeof *rl);
    memcpy(rl->limits, default_limits, sizeof rl->limits);
    memcpy(rl->nlimits, default_nlimits, sizeof rl->nlimits);
    /* Nobody is trusted until the config lists someone. */
    rl->subnet_prefix_v4 = 24;
    rl->subnet_prefix_v6 = 56;
}

void mg_rl_config_close(struct mg_rl_config *rl)
{
    for (size_t i = 0; i < rl->ntrusted; i++)
        mg_free(rl->trusted_authors[i]);
    mg_free(rl->trusted_authors);
    rl->trusted_authors = NULL;
    rl->ntrusted = 0;
}

const char *mg_rl_dim_name(enum mg_rl_dim dim)
{
    if ((unsigned)dim >= MG_RL_DIM_COUNT)
        return "unknown";
    return dim_names[dim];
}

/* trusted_authors is sorted by strcmp without duplicates: the config loader
 * (config.c) leaves it so. Up to MG_RL_MAX_TRUSTED entries: at most 14
 * comparisons per submission. */
bool mg_rl_is_trusted(const struct mg_rl_config *rl, const char *author_id)
{
    if (!author_id)
        return false;
    size_t lo = 0, hi = rl->ntrusted;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(author_id, rl->trusted_authors[mid]);
        if (c == 0)
            return true;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return false;
}

void mg_rl_keys_of(const struct mg_rl_config *rl, const char *author_id,
                   const char *client_ip, const char *article_id, struct mg_rl_keys *out)
{
    _Static_assert(sizeof out->ip_hex == MG_IP_HEX_LEN, "ip_hex holds mg_ip_hex");
    memset(out, 0, sizeof *out);
    struct mg_ip ip;
    bool has_ip = client_ip && mg_ip_parse(client_ip, &ip) == MG_OK;
    if (has_ip) {
        mg_ip_hex(&ip, out->ip_hex);
        int prefix = ip.family == 4 ? rl->subnet_prefix_v4 : rl->subnet_prefix_v6;
        struct mg_ip net = ip;
        mg_ip_mask(&net, prefix);
        /* "hex/prefix" without snprintf (on every submission), cut as
         * snprintf would cut it, were a prefix ever longer than 3 digits */
        _Static_assert(sizeof out->subnet >= MG_IP_HEX_LEN + 1, "the hex and a '/'");
        mg_ip_hex(&net, out->subnet);
        size_t at = strlen(out->subnet);
        out->subnet[at++] = '/';
        char bits[MG_DEC_LEN];
        size_t n = mg_dec_i64(prefix, bits);
        if (n > sizeof out->subnet - 1 - at)
            n = sizeof out->subnet - 1 - at;
        memcpy(out->subnet + at, bits, n);
        out->subnet[at + n] = '\0';
    }
    for (int d = 0; d < MG_RL_DIM_COUNT; d++) {
        const char *value = NULL;
        switch ((enum mg_rl_dim)d) {
        case MG_RL_AUTHOR: value = mg_rl_is_trusted(rl, author_id) ? NULL : author_id; break;
        case MG_RL_IP: value = has_ip ? out->ip_hex : NULL; break;
        case MG_RL_SUBNET: value = has_ip ? out->subnet : NULL; break;
        case MG_RL_ARTICLE: value = article_id; break;
        case MG_RL_GLOBAL: value = "all"; break;
        case MG_RL_REPORTER: break; /* not a submission's */
        case MG_RL_DIM_COUNT: break;
        }
        if (value && rl->nlimits[d] > 0)
            out->keys[out->n++] = (struct mg_rl_key){(enum mg_rl_dim)d, value};
    }
}
