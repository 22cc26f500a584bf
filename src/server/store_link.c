/* store_link.c: modgate's one link to Redis: connecting (and again, with
 * backoff, after a loss), the handshake (AUTH, SELECT, the scripts), the
 * liveness probe, and the store's lifetime. For a redis+sentinel:// URL
 * each attempt first asks the sentinels where the primary is
 * (store_sentinel.c), the handshake checks with ROLE that the server is
 * the primary, and a READONLY reply or a failover the sentinels announce
 * sends the link to look again. Operations on the link are in
 * store_ops.c, the store's public operations in store_submit.c,
 * store_moderation.c, store_bans.c and store_lists.c. */
#include "src/server/store_internal.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "modgate/alloc.h"
#include "modgate/buf.h"
#include "modgate/log.h"
#include "modgate/uuid.h"

#define PROBE_INTERVAL_MS 1000
#define BACKOFF_START_MS 50
#define DEFAULT_TIMEOUT_MS 1000
#define DEFAULT_CONNECT_TIMEOUT_MS 1000
#define DEFAULT_BACKOFF_MAX_MS 1000

static int positive_or(int value, int fallback)
{
    return value > 0 ? value : fallback;
}

/* The source of script id: submit.lua is this store's own (see
 * add_limits_prologue), the others are as built. */
const char *mg__store_script_source(const struct mg_store *s, int id, size_t *len)
{
    if (id == MG_SCRIPT_SUBMIT) {
        *len = s->submit_len;
        return s->submit_source;
    }
    *len = mg__scripts[id].len;
    return mg__scripts[id].source;
}

/* ---- lifetime -------------------------------------------------------- */

static void maybe_free(struct mg_store *s)
{
    if (!s->closing || s->alive > 0)
        return;
    /* on_closed may still read the stats; the store goes right after. */
    if (s->on_closed)
        s->on_closed(s->closed_data);
    if (s->sentinel)
        mg__sentinel_free(s->sentinel);
    mg_free(s->submit_source);
    mg_free(s);
}

/* One of the things counted in alive has ended. */
void mg__store_release(struct mg_store *s)
{
    s->alive--;
    maybe_free(s);
}

static void on_timer_closed(uv_handle_t *handle)
{
    mg__store_release(handle->data);
}

/* ---- the link -------------------------------------------------------- */

static void on_retry_timer(uv_timer_t *timer);
static void on_link_timer(uv_timer_t *timer);
static void on_probe_timer(uv_timer_t *timer);
static bool held(struct mg_store *s);

static void schedule_retry(struct mg_store *s)
{
    (void)uv_timer_start(&s->retry_timer, on_retry_timer,
                         (uint64_t)s->backoff_ms, 0);
    s->backoff_ms = s->backoff_ms > s->backoff_max_ms / 2 ? s->backoff_max_ms
                                                         : s->backoff_ms * 2;
}

static void log_failure(struct mg_store *s, const char *event, const char *why)
{
    if (!s->outage) {
        s->outage = true;
        s->outage_since = uv_now(s->loop);
        s->outage_failures = 0;
        MG_LOG(MG_LOG_WARN, "store", event, "{s:s, s:s, s:i}", "error", why,
               "host", s->host, "port", s->port);
    } else {
        MG_LOG(MG_LOG_DEBUG, "store", event, "{s:s, s:s, s:i}", "error", why,
               "host", s->host, "port", s->port);
    }
    s->outage_failures++;
}

/* The link is gone (or going: the caller frees it, or hiredis already is).
 * s->ac must already be NULL. Marks the store not ready, says why once per
 * outage, and schedules the next attempt. */
void mg__store_link_down(struct mg_store *s, const char *event, const char *why)
{
    enum link_state was = s->state;
    if (s->closing)
        return;
    s->state = LINK_IDLE;
    s->handshake_left = 0;
    s->drop_reason = NULL;
    uv_timer_stop(&s->probe_timer);
    uv_timer_stop(&s->link_timer);
    if (!event)
        event = was == LINK_READY       ? "redis_disconnected"
                : was == LINK_HANDSHAKE ? "redis_handshake_failed"
                                        : "redis_unavailable";
    log_failure(s, event, why);
    schedule_retry(s);
    if (was == LINK_READY && s->watch)
        s->watch(false, s->watch_data);
}

/* Ends the current link on our side. Never call it from on_connect (hiredis
 * writes to the context after that callback returns) or on_disconnect (the
 * context is being freed): see request_drop. Inside a reply callback
 * redisAsyncFree only sets REDIS_FREEING and hiredis frees the context when
 * the callback returns, running the other pending callbacks with NULL. */
void mg__store_drop_link(struct mg_store *s, const char *event, const char *why)
{
    redisAsyncContext *ac = s->ac;
    if (ac == NULL)
        return;
    s->ac = NULL;
    mg__store_link_down(s, event, why);
    redisAsyncFree(ac);
}

/* drop_link on the loop's next turn, for where freeing now is unsafe. */
static void request_drop(struct mg_store *s, const char *why)
{
    s->drop_reason = why;
    (void)uv_timer_start(&s->link_timer, on_link_timer, 0, 0);
}

static void link_ready(struct mg_store *s)
{
    const struct mg_redis_url *r = &s->cfg->redis;
    const char *host = s->host;
    s->state = LINK_READY;
    s->stats.connects++;
    if (s->ever_ready)
        s->stats.reconnects++;
    if (s->outage) {
        uint64_t down = uv_now(s->loop) - s->outage_since;
        MG_LOG(MG_LOG_INFO, "store",
               s->ever_ready ? "redis_reconnected" : "redis_connected",
               "{s:s, s:i, s:i, s:i, s:i}", "host", host, "port", s->port,
               "db", r->db, "down_ms", down > INT32_MAX ? INT32_MAX : (int)down,
               "failures", s->outage_failures);
    } else {
        MG_LOG(MG_LOG_INFO, "store",
               s->ever_ready ? "redis_reconnected" : "redis_connected",
               "{s:s, s:i, s:i}", "host", host, "port", s->port, "db",
               r->db);
    }
    s->ever_ready = true;
    s->outage = false;
    s->backoff_ms = BACKOFF_START_MS < s->backoff_max_ms ? BACKOFF_START_MS
                                                         : s->backoff_max_ms;
    (void)uv_timer_start(&s->probe_timer, on_probe_timer, PROBE_INTERVAL_MS,
                         PROBE_INTERVAL_MS);
    if (s->watch)
        s->watch(true, s->watch_data);
}

/* Handshake steps, passed as the op's tag; HS_LOAD + i loads script i. */
enum { HS_AUTH, HS_SELECT, HS_ROLE, HS_PROBE, HS_LOAD };

/* ROLE's answer begins "master" on a primary, "slave" on a replica. */
static bool is_primary(const redisReply *reply)
{
    return reply->type == REDIS_REPLY_ARRAY && reply->elements > 0 &&
           mg__reply_is(reply->element[0], "master");
}

static void on_handshake_reply(struct mg_store *s, int status, const redisReply *reply,
                               const struct mg__store_call *call)
{
    unsigned step = call->tag;
    const char *err = NULL;
    int64_t ms;

    /* A timeout or a lost link has already taken the link down and said
     * why; so has the first failed step for the replies behind it. */
    if (s->state != LINK_HANDSHAKE)
        return;
    if (status != 0)
        err = mg_strerror(status);
    else if (reply->type == REDIS_REPLY_ERROR)
        err = reply->str; /* never holds the password: Redis does not echo it */
    else if (step >= HS_LOAD) {
        if (mg__reply_is_sha1(reply))
            mg__store_keep_sha(s, (int)(step - HS_LOAD), reply);
        else
            err = "SCRIPT LOAD: unexpected reply";
    } else if (step == HS_PROBE && mg__time_from_reply(reply, &ms) != 0)
        err = "probe: unexpected reply";
    else if (step == HS_ROLE && !is_primary(reply)) {
        /* the sentinel's answer is stale, or a failover is under way:
         * ask another sentinel first next time */
        mg__sentinel_distrust(s->sentinel);
        mg__store_drop_link(s, "redis_not_primary", "ROLE: a replica, not the primary");
        return;
    }

    if (err) {
        mg__store_drop_link(s, "redis_handshake_failed", err);
        return;
    }
    if (--s->handshake_left == 0)
        link_ready(s);
}

/* Pipelines the handshake: AUTH, SELECT, SCRIPT LOAD of every script, and
 * a probe. The link is ready when all have answered. */
static int send_handshake(struct mg_store *s)
{
    const struct mg_redis_url *r = &s->cfg->redis;
    const char *argv[3];
    size_t lens[3];
    int argc = 0;

    s->handshake_left = 0;
    if (r->password) {
        argv[argc] = "AUTH";
        lens[argc++] = 4;
        if (r->username) {
            argv[argc] = r->username;
            lens[argc] = strlen(r->username);
            argc++;
        }
        argv[argc] = r->password;
        lens[argc] = strlen(r->password);
        argc++;
        if (mg__store_send(s, "AUTH", argc, argv, lens, on_handshake_reply,
                           &(struct mg__store_call){.tag = HS_AUTH}) != 0)
            return MG_EUNAVAIL;
        s->handshake_left++;
    }
    if (r->db != 0) {
        char db[16];
        int n = snprintf(db, sizeof db, "%d", r->db);
        argv[0] = "SELECT";
        lens[0] = 6;
        argv[1] = db;
        lens[1] = (size_t)n;
        if (mg__store_send(s, "SELECT", 2, argv, lens, on_handshake_reply,
                           &(struct mg__store_call){.tag = HS_SELECT}) != 0)
            return MG_EUNAVAIL;
        s->handshake_left++;
    }
    if (s->sentinel) {
        argv[0] = "ROLE";
        lens[0] = 4;
        if (mg__store_send(s, "ROLE", 1, argv, lens, on_handshake_reply,
                           &(struct mg__store_call){.tag = HS_ROLE}) != 0)
            return MG_EUNAVAIL;
        s->handshake_left++;
    }
    for (int i = 0; i < MG_SCRIPT_COUNT; i++) {
        argv[0] = "SCRIPT";
        lens[0] = 6;
        argv[1] = "LOAD";
        lens[1] = 4;
        argv[2] = mg__store_script_source(s, i, &lens[2]);
        if (mg__store_send(s, "SCRIPT LOAD", 3, argv, lens, on_handshake_reply,
                           &(struct mg__store_call){.tag = HS_LOAD + (unsigned)i}) != 0)
            return MG_EUNAVAIL;
        s->stats.script_loads++;
        s->handshake_left++;
    }
    /* The build knows each script's SHA1, so this EVALSHA can follow the
     * loads in the same write instead of waiting for their replies. */
    if (mg__store_eval(s, MG_SCRIPT_PROBE, 0, 0, NULL, NULL, on_handshake_reply,
                       &(struct mg__store_call){.tag = HS_PROBE}) != 0)
        return MG_EUNAVAIL;
    s->handshake_left++;
    return 0;
}

static void on_connect(const redisAsyncContext *ac, int status)
{
    struct mg_store *s = ac->data;
    if (s->ac != ac)
        return; /* cannot happen: a dropped context calls nothing more */
    uv_timer_stop(&s->link_timer);
    if (status != REDIS_OK) {
        /* hiredis frees ac when this returns, without on_disconnect. */
        s->ac = NULL;
        mg__store_link_down(s, NULL, ac->errstr[0] ? ac->errstr : "connect failed");
        return;
    }
    s->state = LINK_HANDSHAKE;
    if (send_handshake(s) != 0)
        request_drop(s, "handshake could not be sent");
}

static void on_disconnect(const redisAsyncContext *ac, int status)
{
    struct mg_store *s = ac->data;
    /* Called only for contexts that had connected, after their pending
     * callbacks (which may have noticed the loss first). */
    if (s->ac != ac)
        return; /* dropped by us, who said why */
    s->ac = NULL;
    mg__store_link_down(s, NULL,
              status == REDIS_OK || !ac->errstr[0] ? "connection closed"
                                                   : ac->errstr);
}

/* Starts a non-blocking connect to ip (a numeric address). 0 when the
 * attempt is under way; otherwise why it failed at once is in err. */
static int connect_to(struct mg_store *s, const char *ip, char *err,
                      size_t errlen)
{
    redisAsyncContext *ac = redisAsyncConnect(ip, s->port);
    if (ac == NULL) {
        snprintf(err, errlen, "%s", "out of memory");
        return MG_EUNAVAIL;
    }
    if (ac->err) {
        snprintf(err, errlen, "%s", ac->errstr);
        redisAsyncFree(ac);
        return MG_EUNAVAIL;
    }
    ac->data = s;
    if (mg__store_uv_attach(s, ac) != 0) {
        snprintf(err, errlen, "%s", "cannot watch the socket");
        redisAsyncFree(ac);
        return MG_EUNAVAIL;
    }
    /* Setting the connect callback also asks for the first write event,
     * which is how hiredis learns the connect finished. */
    redisAsyncSetConnectCallback(ac, on_connect);
    redisAsyncSetDisconnectCallback(ac, on_disconnect);
    s->ac = ac;
    s->state = LINK_CONNECTING;
    /* hiredis 0.14 has no connect timeout for async contexts. */
    (void)uv_timer_start(&s->link_timer, on_link_timer,
                         (uint64_t)s->connect_timeout_ms, 0);
    return 0;
}

static void on_resolved(uv_getaddrinfo_t *req, int status,
                        struct addrinfo *res)
{
    struct mg_store *s = req->data;
    s->resolving = false;
    s->alive--;
    if (s->closing) {
        uv_freeaddrinfo(res);
        maybe_free(s);
        return;
    }
    if (held(s)) {
        uv_freeaddrinfo(res);
        return;
    }
    if (status < 0) {
        mg__store_link_down(s, NULL, uv_strerror(status));
        return;
    }

    /* Try each address once, starting one further each attempt, so a host
     * whose first address refuses (say ::1 when Redis binds 127.0.0.1) is
     * still reached. */
    unsigned count = 0;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next)
        count++;
    char err[128] = "no usable address";
    for (unsigned k = 0; k < count; k++) {
        struct addrinfo *ai = res;
        for (unsigned skip = (s->attempts + k) % count; skip > 0; skip--)
            ai = ai->ai_next;
        char ip[INET6_ADDRSTRLEN];
        int rc = -1;
        if (ai->ai_family == AF_INET)
            rc = uv_ip4_name((const struct sockaddr_in *)(const void *)
                                 ai->ai_addr, ip, sizeof ip);
        else if (ai->ai_family == AF_INET6)
            rc = uv_ip6_name((const struct sockaddr_in6 *)(const void *)
                                 ai->ai_addr, ip, sizeof ip);
        if (rc == 0 && connect_to(s, ip, err, sizeof err) == 0) {
            uv_freeaddrinfo(res);
            return;
        }
    }
    uv_freeaddrinfo(res);
    mg__store_link_down(s, NULL, err);
}

/* Connects to s->host, through a name lookup when it is no address. */
static void connect_host(struct mg_store *s)
{
    const char *host = s->host;
    unsigned char addr[sizeof(struct in6_addr)];
    char err[128];

    if (inet_pton(AF_INET, host, addr) == 1 ||
        inet_pton(AF_INET6, host, addr) == 1) {
        s->state = LINK_CONNECTING;
        if (connect_to(s, host, err, sizeof err) != 0)
            mg__store_link_down(s, NULL, err);
        return;
    }
    /* hiredis would resolve a name with a blocking getaddrinfo; resolve it
     * on libuv's thread pool and hand hiredis a numeric address. */
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    s->state = LINK_RESOLVING;
    int rc = uv_getaddrinfo(s->loop, &s->resolver, on_resolved, host, NULL,
                            &hints);
    if (rc != 0) {
        mg__store_link_down(s, NULL, uv_strerror(rc));
        return;
    }
    s->resolving = true;
    s->alive++;
}

/* True, with the next attempt put off, while a failover the sentinels
 * began keeps the link away (mg__store_failover_begins). */
static bool held(struct mg_store *s)
{
    uint64_t now = uv_now(s->loop);
    if (s->hold_until <= now) {
        s->hold_until = 0;
        return false;
    }
    s->state = LINK_IDLE;
    (void)uv_timer_start(&s->retry_timer, on_retry_timer, s->hold_until - now, 0);
    return true;
}

/* The sentinels' answer to start_attempt's question. */
static void on_primary_found(struct mg_store *s, const char *host, int port,
                             const char *why)
{
    if (s->closing || s->state != LINK_RESOLVING || s->ac || held(s))
        return;
    if (s->moved) {
        /* +switch-master came while asking: its address is the newer */
    } else if (!host) {
        mg__store_link_down(s, "redis_sentinel_failed", why);
        return;
    } else {
        snprintf(s->host, sizeof s->host, "%s", host);
        s->port = port;
    }
    s->moved = false;
    connect_host(s);
}

static void start_attempt(struct mg_store *s)
{
    if (held(s))
        return;
    s->attempts++;
    if (s->sentinel && !s->moved) {
        s->state = LINK_RESOLVING;
        mg__sentinel_ask(s->sentinel, on_primary_found);
        return;
    }
    s->moved = false;
    connect_host(s);
}

/* The next attempt on the loop's next turn, not after the backoff. */
void mg__store_retry_now(struct mg_store *s)
{
    if (!s->closing)
        (void)uv_timer_start(&s->retry_timer, on_retry_timer, 0, 0);
}

static void on_retry_timer(uv_timer_t *timer)
{
    struct mg_store *s = timer->data;
    if (s->state == LINK_IDLE)
        start_attempt(s);
}

static void on_link_timer(uv_timer_t *timer)
{
    struct mg_store *s = timer->data;
    char why[64];
    if (s->state == LINK_CONNECTING) {
        snprintf(why, sizeof why, "connect: no answer within %d ms",
                 s->connect_timeout_ms);
        mg__store_drop_link(s, NULL, why);
    } else if (s->drop_reason) {
        mg__store_drop_link(s, NULL, s->drop_reason);
    }
}

/* ---- the probe ------------------------------------------------------- */

/* The queue as the last probe saw it, for /metrics. */
static void note_queue(struct mg_store *s, int64_t now_ms, long long depth,
                       const char *oldest)
{
    int64_t created;
    s->stats.queue_known = true;
    s->stats.queue_depth = depth > 0 ? (uint64_t)depth : 0;
    s->stats.queue_oldest_age_ms = -1;
    if (oldest[0] && mg_uuid7_time_ms(oldest, &created) == MG_OK)
        s->stats.queue_oldest_age_ms = now_ms > created ? now_ms - created : 0;
}

static void on_probe_reply(struct mg_store *s, int status, const redisReply *reply,
                           const struct mg__store_call *call)
{
    (void)call;
    int64_t ms;
    s->probe_inflight = false;
    /* Timeouts and lost links have taken the link down already. */
    if (s->state != LINK_READY)
        return;
    if (status != 0)
        mg__store_drop_link(s, NULL, mg_strerror(status));
    else if (reply->type == REDIS_REPLY_ERROR)
        mg__store_drop_link(s, NULL, reply->str);
    else if (mg__time_from_reply(reply, &ms) != 0 || reply->elements != 4 ||
             reply->element[2]->type != REDIS_REPLY_INTEGER ||
             reply->element[3]->type != REDIS_REPLY_STRING)
        mg__store_drop_link(s, NULL, "probe: unexpected reply");
    else
        note_queue(s, ms, reply->element[2]->integer, reply->element[3]->str);
}

/* Every second while ready: a hung Redis (DEBUG SLEEP, SIGSTOP, a full
 * network buffer) sends no RST, so only a command with a deadline finds it. */
static void on_probe_timer(uv_timer_t *timer)
{
    struct mg_store *s = timer->data;
    if (s->state != LINK_READY || s->probe_inflight)
        return;
    const char *args[MG_ARGS_PROBE] = {[MG_ARG_PROBE_PREFIX] = mg__store_prefix(s)};
    size_t lens[MG_ARGS_PROBE] = {[MG_ARG_PROBE_PREFIX] = strlen(args[MG_ARG_PROBE_PREFIX])};
    if (mg__store_eval(s, MG_SCRIPT_PROBE, 0, MG_ARGS_PROBE, args, lens, on_probe_reply,
                       &(struct mg__store_call){0}) != 0) {
        mg__store_drop_link(s, NULL, "probe could not be sent");
        return;
    }
    s->probe_inflight = true;
}

const char *mg__store_prefix(const struct mg_store *s)
{
    return s->cfg->redis_prefix ? s->cfg->redis_prefix : "mg:";
}

/* Appends text as a Lua string literal: printable ASCII as is, the rest
 * and the quote and backslash as decimal escapes, which Lua 5.1 reads. */
static void add_lua_string(struct mg_buf *b, const char *text)
{
    mg_buf_adds(b, "\"");
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (*p < 0x20 || *p >= 0x7f || *p == '"' || *p == '\\') {
            char esc[8];
            int n = snprintf(esc, sizeof esc, "\\%03u", *p);
            mg_buf_add(b, esc, (size_t)n);
        } else {
            mg_buf_add(b, p, 1);
        }
    }
    mg_buf_adds(b, "\"");
}

/* Dimension d's state field prefix, "author:10/60,60/3600:": it holds the
 * settings, so that changed settings start afresh. Caller frees. */
char *mg__rl_field(const struct mg_rl_config *rl, int d)
{
    char settings[MG_RL_MAX_LIMITS * 24] = "";
    size_t used = 0;
    for (size_t k = 0; k < rl->nlimits[d]; k++)
        used += (size_t)snprintf(settings + used, sizeof settings - used, "%s%u/%u",
                                 k ? "," : "", rl->limits[d][k].count,
                                 rl->limits[d][k].period_s);
    return mg_asprintf("%s:%s:", mg_rl_dim_name((enum mg_rl_dim)d), settings);
}

/* Dimension d's limits as "interval,window,..." in ms: the emission
 * interval (period / count, 17 digits, which a double reads back exactly)
 * and the window (period) of each. Caller frees. */
char *mg__rl_numbers(const struct mg_rl_config *rl, int d)
{
    struct mg_buf b;
    mg_buf_init(&b, SIZE_MAX);
    for (size_t k = 0; k < rl->nlimits[d]; k++) {
        const struct mg_rl_limit *l = &rl->limits[d][k];
        char number[64];
        int len = snprintf(number, sizeof number, "%s%.17g,%llu", k ? "," : "",
                           (double)l->period_s * 1000.0 / (double)l->count,
                           (unsigned long long)l->period_s * 1000ULL);
        mg_buf_add(&b, number, (size_t)len);
    }
    size_t len;
    return mg_buf_take(&b, &len);
}

/* The generation of the limiter's hashes: the longest window (ms) of all
 * the dimensions submit.lua limits. */
unsigned long long mg__rl_generation_ms(const struct mg_rl_config *rl)
{
    unsigned long long generation_ms = 0;
    for (int d = 0; d < MG_RL_DIM_COUNT; d++)
        for (size_t k = 0; d != MG_RL_REPORTER && k < rl->nlimits[d]; k++)
            if ((unsigned long long)rl->limits[d][k].period_s * 1000ULL > generation_ms)
                generation_ms = (unsigned long long)rl->limits[d][k].period_s * 1000ULL;
    return generation_ms;
}

/* The generation hashes' prefix, "mg:rl:3600000:": it holds the generation,
 * so instances that disagree on it do not share hashes. Caller frees. */
char *mg__rl_hash(const char *prefix, const struct mg_rl_config *rl)
{
    return mg_asprintf("%srl:%llu:", prefix, mg__rl_generation_ms(rl));
}

/* The configured limits as Lua, put in front of submit.lua: LIMITS[d] for
 * each dimension in enum mg_rl_dim order, false when it has no limits, or
 *   {name = "author", field = "author:10/60,60/3600:",6000,60000,60000,3600000}
 * (mg__rl_field, mg__rl_numbers); then RL_GENERATION and RL_HASH
 * (lib/ratelimit.lua). Settings are the same for every submission, so they
 * are written into the script once instead of being sent, formatted and
 * parsed as arguments of every call. */
static void add_limits_prologue(struct mg_buf *b, const char *prefix,
                                const struct mg_rl_config *rl)
{
    mg_buf_adds(b, "-- the configured rate limits, written by modgate's store\n"
                   "local LIMITS = {\n");
    for (int d = 0; d < MG_RL_DIM_COUNT; d++) {
        /* reports have their own script (report_create.lua) */
        if (rl->nlimits[d] == 0 || d == MG_RL_REPORTER) {
            mg_buf_adds(b, "  false,\n");
            continue;
        }
        char *field = mg__rl_field(rl, d), *numbers = mg__rl_numbers(rl, d);
        mg_buf_adds(b, "  {name = ");
        add_lua_string(b, mg_rl_dim_name((enum mg_rl_dim)d));
        mg_buf_adds(b, ", field = ");
        add_lua_string(b, field);
        mg_buf_adds(b, ",");
        mg_buf_adds(b, numbers);
        mg_buf_adds(b, "},\n");
        mg_free(field);
        mg_free(numbers);
    }
    mg_buf_adds(b, "}\n");
    char line[64];
    int len = snprintf(line, sizeof line, "local RL_GENERATION = %llu\n",
                       mg__rl_generation_ms(rl));
    mg_buf_add(b, line, (size_t)len);
    char *hash = mg__rl_hash(prefix, rl);
    mg_buf_adds(b, "local RL_HASH = ");
    add_lua_string(b, hash);
    mg_buf_adds(b, "\n");
    mg_free(hash);
}

/* submit.lua behind the prologue of limits rl, as this store runs it. */
static void build_submit_source(struct mg_store *s, const struct mg_rl_config *rl)
{
    struct mg_buf source;
    mg_buf_init(&source, 1 << 20);
    add_limits_prologue(&source, mg__store_prefix(s), rl);
    mg_buf_add(&source, mg__scripts[MG_SCRIPT_SUBMIT].source,
               mg__scripts[MG_SCRIPT_SUBMIT].len);
    mg_free(s->submit_source);
    s->submit_source = mg_buf_take(&source, &s->submit_len);
}

static void on_limits_loaded(struct mg_store *s, int status, const redisReply *reply,
                             const struct mg__store_call *call)
{
    (void)call;
    s->submit_loads_pending--;
    if (status != 0 || !mg__reply_is_sha1(reply)) {
        /* operations go on sending the source with EVAL; the next
         * handshake loads it */
        MG_LOG(MG_LOG_WARN, "store", "script_load_failed", "{s:s, s:s}", "script",
               mg__scripts[MG_SCRIPT_SUBMIT].name, "error",
               status != 0 ? mg_strerror(status)
               : reply->type == REDIS_REPLY_ERROR ? reply->str
                                                  : "unexpected reply");
        return;
    }
    mg__store_keep_sha(s, MG_SCRIPT_SUBMIT, reply);
}

/* ---- public ---------------------------------------------------------- */

/* The script's name in Redis is the SHA-1 of its source, which Redis
 * works out: until SCRIPT LOAD answers, submissions send the new source
 * whole with EVAL, so the very next one runs under the new limits. It is
 * loaded at once when linked; commands on the link run in order, so every
 * submission after this call sees the new script. Unlinked, the next
 * handshake loads it. */
void mg_store_set_rate_limits(struct mg_store *store, const struct mg_rl_config *rl)
{
    struct mg_store *s = store;
    build_submit_source(s, rl);
    s->sha_unknown[MG_SCRIPT_SUBMIT] = true;
    s->loaded[MG_SCRIPT_SUBMIT] = false;
    if (s->state != LINK_READY && s->state != LINK_HANDSHAKE)
        return;
    const char *argv[3] = {"SCRIPT", "LOAD", s->submit_source};
    size_t lens[3] = {6, 4, s->submit_len};
    if (mg__store_send(s, "SCRIPT LOAD", 3, argv, lens, on_limits_loaded,
                       &(struct mg__store_call){0}) == 0) {
        s->submit_loads_pending++;
        s->stats.script_loads++;
    }
}


int mg_store_new(struct uv_loop_s *loop, const struct mg_config *cfg,
                 struct mg_store **out)
{
    if (cfg->redis.master_name ? cfg->redis.nsentinels == 0
                               : cfg->redis.host[0] == '\0' || cfg->redis.port <= 0 ||
                                     cfg->redis.port > 65535)
        return MG_EINVAL;

    struct mg_store *s = mg_calloc(1, sizeof *s);
    s->loop = loop;
    s->cfg = cfg;
    s->timeout_ms = positive_or(cfg->redis_timeout_ms, DEFAULT_TIMEOUT_MS);
    s->connect_timeout_ms =
        positive_or(cfg->redis_connect_timeout_ms, DEFAULT_CONNECT_TIMEOUT_MS);
    s->backoff_max_ms =
        positive_or(cfg->redis_reconnect_max_ms, DEFAULT_BACKOFF_MAX_MS);
    s->backoff_ms = BACKOFF_START_MS < s->backoff_max_ms ? BACKOFF_START_MS
                                                         : s->backoff_max_ms;
    s->state = LINK_IDLE;
    snprintf(s->host, sizeof s->host, "%s", cfg->redis.host);
    s->port = cfg->redis.port;
    s->resolver.data = s;
    uv_timer_t *timers[] = {&s->retry_timer, &s->link_timer, &s->probe_timer};
    for (size_t i = 0; i < sizeof timers / sizeof timers[0]; i++) {
        (void)uv_timer_init(loop, timers[i]);
        timers[i]->data = s;
        s->alive++;
    }
    s->sentinel = mg__sentinel_new(s);
    build_submit_source(s, &cfg->rate_limits);
    /* The build's digests; submit.lua's own is learnt from SCRIPT LOAD in
     * the handshake, before any submission can run. */
    for (int i = 0; i < MG_SCRIPT_COUNT; i++) {
        memcpy(s->sha[i], mg__scripts[i].sha1, 40);
        s->sha[i][40] = '\0';
    }
    /* The first attempt runs on the loop's next turn, so nothing is called
     * back from inside mg_store_new. */
    (void)uv_timer_start(&s->retry_timer, on_retry_timer, 0, 0);
    *out = s;
    return 0;
}

void mg_store_watch(struct mg_store *store, mg_store_link_cb cb, void *data)
{
    store->watch = cb;
    store->watch_data = data;
}

bool mg_store_ready(const struct mg_store *store)
{
    return store->state == LINK_READY;
}

void mg_store_get_stats(const struct mg_store *store,
                        struct mg_store_stats *out)
{
    *out = store->stats;
    out->ready = store->state == LINK_READY;
}

static void on_time_reply(struct mg_store *s, int status, const redisReply *reply,
                          const struct mg__store_call *call)
{
    (void)s;
    mg_store_time_cb cb = call->cb.time;
    void *data = call->data;
    int64_t ms = 0;
    if (status == 0)
        status = mg__time_from_reply(reply, &ms);
    cb(status, status == 0 ? ms : 0, data);
}

int mg_store_time(struct mg_store *store, mg_store_time_cb cb, void *data)
{
    if (store->closing)
        return MG_ECLOSED;
    if (store->state != LINK_READY)
        return MG_EUNAVAIL;
    return mg__store_eval(store, MG_SCRIPT_PROBE, 0, 0, NULL, NULL, on_time_reply,
                          &(struct mg__store_call){.cb.time = cb, .data = data});
}

void mg_store_close(struct mg_store *store, void (*on_closed)(void *data),
                    void *data)
{
    struct mg_store *s = store;
    if (s->closing)
        return;
    s->closing = true;
    s->on_closed = on_closed;
    s->closed_data = data;
    s->state = LINK_CLOSED;

    if (s->resolving)
        (void)uv_cancel((uv_req_t *)&s->resolver); /* on_resolved still runs */
    if (s->sentinel)
        mg__sentinel_close(s->sentinel);
    uv_close((uv_handle_t *)&s->retry_timer, on_timer_closed);
    uv_close((uv_handle_t *)&s->link_timer, on_timer_closed);
    uv_close((uv_handle_t *)&s->probe_timer, on_timer_closed);

    /* Answer the pending before freeing the context, so they hear
     * MG_ECLOSED rather than a lost link; hiredis' NULL replies that follow
     * find them done. */
    while (s->ops) {
        struct op *op = s->ops;
        mg__op_retire(op);
        op->fn(s, MG_ECLOSED, NULL, &op->call);
    }
    if (s->ac) {
        redisAsyncContext *ac = s->ac;
        s->ac = NULL;
        redisAsyncFree(ac); /* deferred by hiredis if inside its callback */
    }
}
