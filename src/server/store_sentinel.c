/* store_sentinel.c: where the primary is, for a redis+sentinel:// URL.
 * hiredis 0.14 knows nothing of Sentinel, so the store talks to the
 * sentinels itself, on the loop, through the same adapter as the link
 * (store_uv.c). Two dialogues:
 *
 *   the question  asks the sentinels in turn, starting with the one that
 *                 answered last, SENTINEL get-master-addr-by-name NAME; the
 *                 first that gives an address ends it. A sentinel that is
 *                 down, hangs (a deadline), refuses the password or knows
 *                 no such primary is passed over. The link asks before
 *                 each connection attempt (store_link.c).
 *   the watch     a connection to each sentinel, subscribed to
 *                 +failover-state-send-slaveof-noone, which a sentinel
 *                 publishes a moment before it promotes a replica of our
 *                 primary (mg__store_failover_begins: the link lets go of
 *                 the old primary, whose writes from then on would be
 *                 lost), and +switch-master, which names the new primary
 *                 once it is one (mg__store_primary_moved: the link goes
 *                 there at once, instead of after the old primary is
 *                 demoted and its clients killed, seconds later). Only the
 *                 sentinel leading a failover publishes the first message,
 *                 and the others learn of the second up to two seconds
 *                 later, hence one per sentinel. A lost one is made again
 *                 a second later.
 *
 * Whether the address is really the primary is the link's ROLE check. */
#include "src/server/store_internal.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "modgate/alloc.h"
#include "modgate/log.h"

#define WATCH_RETRY_MS 1000
/* How long a failover the sentinels began may keep the link away from the
 * old primary without +switch-master naming the new one (one that aborted,
 * a lost message): then the sentinels are asked as usual. A planned
 * failover takes about a second from the first message to the last. */
#define FAILOVER_HOLD_MS 5000

#define HOST_MAX 256 /* as struct mg_redis_endpoint's host */

struct mg__sentinel;
struct dial;

/* A name lookup on libuv's thread pool. It belongs to its dial until the
 * dial lets go of it (d NULL): the answer is then only freed. */
struct lookup {
    uv_getaddrinfo_t req;
    struct mg_store *store;
    struct dial *d;
};

/* One connection to one sentinel, with the name lookup before it when the
 * URL names the sentinel by host name (hiredis would block on it). */
struct dial {
    struct mg__sentinel *sn;
    size_t idx;               /* which sentinel, in the URL's order */
    redisAsyncContext *ac;    /* NULL when there is none (or we let go) */
    struct lookup *lookup;    /* in flight, NULL when none */
    unsigned turns;           /* lookups answered: which address comes first */
    bool warned;              /* a watch: its loss was logged at warn */
    /* The context is made (commands may be queued) or could not be. */
    void (*opened)(struct dial *d);
    /* It failed or went away; d->ac is already NULL. */
    void (*lost)(struct dial *d, const char *why);
};

struct mg__sentinel {
    struct mg_store *store;
    const struct mg_redis_url *url;
    const char *password; /* the sentinels'; NULL when none */

    /* the question */
    struct dial ask;
    bool asking;
    size_t tried;    /* sentinels tried by this question */
    size_t good;     /* the sentinel that answered last */
    uv_timer_t ask_timer; /* deadline for the current sentinel */
    mg__sentinel_found_fn found;
    char why[320];   /* the last sentinel's failure, for the log */

    /* the watch: one per sentinel, in the URL's order */
    struct dial *watch;
    uv_timer_t watch_timer; /* the next attempt after a loss */
};

/* ---- dialling ---------------------------------------------------------- */

static const struct mg_redis_endpoint *endpoint(const struct dial *d)
{
    return &d->sn->url->sentinels[d->idx];
}

/* Lets go of d's lookup or context without hearing from it again. */
static void dial_close(struct dial *d)
{
    if (d->lookup) {
        d->lookup->d = NULL;
        (void)uv_cancel((uv_req_t *)&d->lookup->req); /* its callback still runs */
        d->lookup = NULL;
    }
    redisAsyncContext *ac = d->ac;
    if (!ac)
        return;
    d->ac = NULL;
    redisAsyncFree(ac); /* deferred by hiredis inside its own callback */
}

static void on_dial_connect(const redisAsyncContext *ac, int status)
{
    struct dial *d = ac->data;
    if (d->ac != ac || status == REDIS_OK)
        return;
    /* hiredis frees ac when this returns */
    d->ac = NULL;
    d->lost(d, ac->errstr[0] ? ac->errstr : "connect failed");
}

static void on_dial_disconnect(const redisAsyncContext *ac, int status)
{
    struct dial *d = ac->data;
    if (d->ac != ac)
        return; /* let go by us */
    d->ac = NULL;
    d->lost(d, status == REDIS_OK || !ac->errstr[0] ? "connection closed" : ac->errstr);
}

static void on_auth_reply(redisAsyncContext *ac, void *r, void *privdata)
{
    struct dial *d = privdata;
    const redisReply *reply = r;
    if (d->ac != ac || !reply || reply->type != REDIS_REPLY_ERROR)
        return;
    dial_close(d);
    d->lost(d, reply->str); /* never holds the password */
}

/* Makes the context for the numeric address ip, queues AUTH when the
 * sentinels have a password, and hands it to d->opened; or d->lost. */
static void dial_connect(struct dial *d, const char *ip)
{
    struct mg_store *s = d->sn->store;
    redisAsyncContext *ac = redisAsyncConnect(ip, endpoint(d)->port);
    if (!ac || ac->err) {
        char why[160];
        snprintf(why, sizeof why, "%s", ac ? ac->errstr : "out of memory");
        if (ac)
            redisAsyncFree(ac);
        d->lost(d, why);
        return;
    }
    ac->data = d;
    if (mg__store_uv_attach(s, ac) != 0) {
        redisAsyncFree(ac);
        d->lost(d, "cannot watch the socket");
        return;
    }
    redisAsyncSetConnectCallback(ac, on_dial_connect);
    redisAsyncSetDisconnectCallback(ac, on_dial_disconnect);
    d->ac = ac;
    if (d->sn->password &&
        redisAsyncCommand(ac, on_auth_reply, d, "AUTH %s", d->sn->password) != REDIS_OK) {
        dial_close(d);
        d->lost(d, "AUTH could not be sent");
        return;
    }
    d->opened(d);
}

static void on_dial_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
    struct lookup *lk = req->data;
    struct mg_store *s = lk->store;
    struct dial *d = lk->d;
    mg_free(lk);
    if (!d || s->closing) {
        uv_freeaddrinfo(res);
        mg__store_release(s);
        return;
    }
    d->lookup = NULL;
    /* Each lookup starts one address further, so a name whose first
     * address refuses (::1 for a sentinel bound to 127.0.0.1) is reached
     * next time, as the link does (store_link.c). */
    unsigned count = 0;
    for (struct addrinfo *ai = status < 0 ? NULL : res; ai; ai = ai->ai_next)
        count++;
    struct addrinfo *first = res;
    for (unsigned skip = count ? d->turns++ % count : 0; skip > 0; skip--)
        first = first->ai_next;
    char ip[INET6_ADDRSTRLEN] = "";
    for (struct addrinfo *ai = count ? first : NULL; ai && !ip[0]; ai = ai->ai_next) {
        if (ai->ai_family == AF_INET)
            (void)uv_ip4_name((const struct sockaddr_in *)(const void *)ai->ai_addr, ip,
                              sizeof ip);
        else if (ai->ai_family == AF_INET6)
            (void)uv_ip6_name((const struct sockaddr_in6 *)(const void *)ai->ai_addr, ip,
                              sizeof ip);
    }
    uv_freeaddrinfo(res);
    if (ip[0])
        dial_connect(d, ip);
    else
        d->lost(d, status < 0 ? uv_strerror(status) : "no usable address");
    mg__store_release(s); /* last: the store may go with it */
}

/* Starts a connection to sentinel idx. */
static void dial_start(struct dial *d, size_t idx)
{
    struct mg_store *s = d->sn->store;
    const char *host = d->sn->url->sentinels[idx].host;
    unsigned char addr[sizeof(struct in6_addr)];
    d->idx = idx;
    if (inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1) {
        dial_connect(d, host);
        return;
    }
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    struct lookup *lk = mg_calloc(1, sizeof *lk);
    lk->store = s;
    lk->d = d;
    lk->req.data = lk;
    int rc = uv_getaddrinfo(s->loop, &lk->req, on_dial_resolved, host, NULL, &hints);
    if (rc != 0) {
        mg_free(lk);
        d->lost(d, uv_strerror(rc));
        return;
    }
    d->lookup = lk;
    s->alive++; /* until on_dial_resolved */
}

/* ---- the question ------------------------------------------------------ */

static void ask_next(struct mg__sentinel *sn);

/* The question is over: found with the address, or not (host NULL). */
static void ask_done(struct mg__sentinel *sn, const char *host, int port)
{
    uv_timer_stop(&sn->ask_timer);
    dial_close(&sn->ask);
    sn->asking = false;
    sn->found(sn->store, host, port, host ? NULL : sn->why);
}

/* The current sentinel failed: note why, try the next. */
static void ask_failed(struct mg__sentinel *sn, const char *why)
{
    const struct mg_redis_endpoint *ep = endpoint(&sn->ask);
    snprintf(sn->why, sizeof sn->why, "sentinel %s:%d: %s", ep->host, ep->port, why);
    MG_LOG(MG_LOG_DEBUG, "store", "sentinel_failed", "{s:s, s:i, s:s}", "host", ep->host,
           "port", ep->port, "error", why);
    uv_timer_stop(&sn->ask_timer);
    dial_close(&sn->ask);
    ask_next(sn);
}

static void on_ask_lost(struct dial *d, const char *why)
{
    ask_failed(d->sn, why);
}

/* ["host", "port"], or nil when the sentinel monitors no such primary. */
static void on_addr_reply(redisAsyncContext *ac, void *r, void *privdata)
{
    struct mg__sentinel *sn = privdata;
    const redisReply *reply = r;
    int64_t port;
    if (sn->ask.ac != ac || !reply)
        return; /* let go of, or going: lost says why */
    if (reply->type == REDIS_REPLY_ERROR) {
        ask_failed(sn, reply->str);
    } else if (reply->type == REDIS_REPLY_NIL ||
               (reply->type == REDIS_REPLY_ARRAY && reply->elements == 0)) {
        ask_failed(sn, "it monitors no primary of that name");
    } else if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
               reply->element[0]->type != REDIS_REPLY_STRING ||
               reply->element[1]->type != REDIS_REPLY_STRING ||
               reply->element[0]->len == 0 ||
               reply->element[0]->len >= HOST_MAX ||
               !mg__parse_i64(reply->element[1]->str, reply->element[1]->len, &port) ||
               port < 1 || port > 65535) {
        ask_failed(sn, "unexpected reply to SENTINEL get-master-addr-by-name");
    } else {
        char host[HOST_MAX];
        memcpy(host, reply->element[0]->str, reply->element[0]->len);
        host[reply->element[0]->len] = '\0';
        sn->good = sn->ask.idx;
        ask_done(sn, host, (int)port);
    }
}

static void on_ask_opened(struct dial *d)
{
    struct mg__sentinel *sn = d->sn;
    if (redisAsyncCommand(d->ac, on_addr_reply, sn, "SENTINEL get-master-addr-by-name %s",
                          sn->url->master_name) != REDIS_OK)
        ask_failed(sn, "the question could not be sent");
}

static void on_ask_timer(uv_timer_t *timer)
{
    struct mg__sentinel *sn = timer->data;
    char why[64];
    snprintf(why, sizeof why, "no answer within %d ms",
             sn->store->connect_timeout_ms + sn->store->timeout_ms);
    ask_failed(sn, why);
}

static void ask_next(struct mg__sentinel *sn)
{
    size_t n = sn->url->nsentinels;
    if (sn->tried == n) {
        ask_done(sn, NULL, 0);
        return;
    }
    size_t idx = (sn->good + sn->tried) % n;
    sn->tried++;
    /* one deadline for connecting and answering */
    (void)uv_timer_start(&sn->ask_timer, on_ask_timer,
                         (uint64_t)(sn->store->connect_timeout_ms + sn->store->timeout_ms), 0);
    dial_start(&sn->ask, idx);
}

void mg__sentinel_ask(struct mg__sentinel *sn, mg__sentinel_found_fn found)
{
    if (sn->asking)
        return;
    sn->asking = true;
    sn->found = found;
    sn->tried = 0;
    snprintf(sn->why, sizeof sn->why, "%s", "no sentinel answered");
    ask_next(sn);
}

void mg__sentinel_distrust(struct mg__sentinel *sn)
{
    sn->good = (sn->good + 1) % sn->url->nsentinels;
}

/* ---- the watch --------------------------------------------------------- */

static void on_watch_timer(uv_timer_t *timer);

/* A watch failed or went: logged at warn once until it is back. */
static void on_watch_lost(struct dial *d, const char *why)
{
    struct mg__sentinel *sn = d->sn;
    const struct mg_redis_endpoint *ep = endpoint(d);
    if (sn->store->closing)
        return;
    MG_LOG(d->warned ? MG_LOG_DEBUG : MG_LOG_WARN, "store", "sentinel_watch_lost",
           "{s:s, s:i, s:s}", "host", ep->host, "port", ep->port, "error", why);
    d->warned = true;
    if (!uv_is_active((uv_handle_t *)&sn->watch_timer))
        (void)uv_timer_start(&sn->watch_timer, on_watch_timer, WATCH_RETRY_MS, 0);
}

/* A message on channel from the sentinel: our primary's failover? */
static void on_watch_message(struct mg__sentinel *sn, const redisReply *channel,
                             const redisReply *msg)
{
    char name[129], host[HOST_MAX];
    int port;
    char text[600];
    if (msg->len >= sizeof text)
        return;
    memcpy(text, msg->str, msg->len);
    text[msg->len] = '\0';
    if (mg__reply_is(channel, "+switch-master")) {
        /* "NAME OLD-IP OLD-PORT NEW-IP NEW-PORT" */
        if (sscanf(text, "%128s %*s %*d %255s %d", name, host, &port) == 3 &&
            strcmp(name, sn->url->master_name) == 0 && port >= 1 && port <= 65535)
            mg__store_primary_moved(sn->store, host, port);
        return;
    }
    /* "slave NAME IP PORT @ MASTER-NAME MASTER-IP MASTER-PORT" */
    const char *at = strstr(text, " @ ");
    if (at && sscanf(at + 3, "%128s", name) == 1 && strcmp(name, sn->url->master_name) == 0)
        mg__store_failover_begins(sn->store);
}

static void on_watch_reply(redisAsyncContext *ac, void *r, void *privdata)
{
    struct dial *d = privdata;
    struct mg__sentinel *sn = d->sn;
    const redisReply *reply = r;
    if (d->ac != ac || !reply)
        return;
    if (reply->type == REDIS_REPLY_ERROR) {
        char why[200];
        snprintf(why, sizeof why, "%s", reply->str);
        dial_close(d);
        on_watch_lost(d, why);
        return;
    }
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 3 ||
        reply->element[0]->type != REDIS_REPLY_STRING ||
        reply->element[2]->type == REDIS_REPLY_NIL)
        return;
    if (mg__reply_is(reply->element[0], "subscribe")) {
        if (!mg__reply_is(reply->element[1], "+switch-master"))
            return; /* the last channel says for both */
        const struct mg_redis_endpoint *ep = endpoint(d);
        MG_LOG(d->warned ? MG_LOG_INFO : MG_LOG_DEBUG, "store", "sentinel_watching",
               "{s:s, s:i}", "host", ep->host, "port", ep->port);
        d->warned = false;
    } else if (mg__reply_is(reply->element[0], "message") &&
               reply->element[1]->type == REDIS_REPLY_STRING &&
               reply->element[2]->type == REDIS_REPLY_STRING) {
        on_watch_message(sn, reply->element[1], reply->element[2]);
    }
}

static void on_watch_opened(struct dial *d)
{
    if (redisAsyncCommand(d->ac, on_watch_reply, d,
                          "SUBSCRIBE +failover-state-send-slaveof-noone +switch-master") !=
        REDIS_OK) {
        dial_close(d);
        on_watch_lost(d, "SUBSCRIBE could not be sent");
    }
}

/* (Re)makes every watch that is down. */
static void on_watch_timer(uv_timer_t *timer)
{
    struct mg__sentinel *sn = timer->data;
    for (size_t i = 0; i < sn->url->nsentinels && !sn->store->closing; i++)
        if (!sn->watch[i].ac && !sn->watch[i].lookup)
            dial_start(&sn->watch[i], i);
}

/* ---- what the news does to the link --------------------------------- */

void mg__store_primary_moved(struct mg_store *s, const char *host, int port)
{
    if (s->closing)
        return;
    bool same = strcmp(s->host, host) == 0 && s->port == port;
    /* every sentinel announces it: the first one moves the link */
    if (same && s->state != LINK_IDLE)
        return; /* there already, or on the way */
    MG_LOG(MG_LOG_INFO, "store", "redis_primary_moved", "{s:s, s:i, s:s, s:i}", "host", host,
           "port", port, "from_host", s->host, "from_port", s->port);
    if (s->ac)
        mg__store_drop_link(s, NULL, "failover: the sentinels named another primary");
    snprintf(s->host, sizeof s->host, "%s", host);
    s->port = port;
    s->moved = true;
    s->hold_until = 0;
    if (s->state == LINK_RESOLVING)
        return; /* on_primary_found or on_resolved goes on from here */
    mg__store_retry_now(s);
}

void mg__store_failover_begins(struct mg_store *s)
{
    if (s->closing || s->hold_until)
        return;
    MG_LOG(MG_LOG_INFO, "store", "redis_failover_begins", "{s:s, s:i, s:i}", "host", s->host,
           "port", s->port, "hold_ms", FAILOVER_HOLD_MS);
    s->hold_until = uv_now(s->loop) + FAILOVER_HOLD_MS;
    if (s->ac)
        mg__store_drop_link(s, NULL, "failover: a replica is being promoted");
}

bool mg__store_readonly(struct mg_store *s, const redisAsyncContext *ac,
                        const redisReply *reply)
{
    if (!s->sentinel || reply->type != REDIS_REPLY_ERROR || reply->len < 8 ||
        memcmp(reply->str, "READONLY", 8) != 0)
        return false;
    if (s->ac == ac) { /* inside its callback: hiredis frees it on return */
        mg__sentinel_distrust(s->sentinel);
        mg__store_drop_link(s, "redis_not_primary", reply->str);
    }
    return true;
}

/* ---- lifetime ---------------------------------------------------------- */

static void on_sentinel_timer_closed(uv_handle_t *handle)
{
    struct mg__sentinel *sn = handle->data;
    mg__store_release(sn->store);
}

struct mg__sentinel *mg__sentinel_new(struct mg_store *s)
{
    const struct mg_redis_url *url = &s->cfg->redis;
    if (!url->master_name || url->nsentinels == 0)
        return NULL;
    struct mg__sentinel *sn = mg_calloc(1, sizeof *sn);
    sn->store = s;
    sn->url = url;
    sn->password = s->cfg->redis_sentinel_password;
    sn->ask = (struct dial){.sn = sn, .opened = on_ask_opened, .lost = on_ask_lost};
    sn->watch = mg_calloc(url->nsentinels, sizeof *sn->watch);
    for (size_t i = 0; i < url->nsentinels; i++)
        sn->watch[i] = (struct dial){.sn = sn, .idx = i, .opened = on_watch_opened,
                                     .lost = on_watch_lost};
    uv_timer_t *timers[] = {&sn->ask_timer, &sn->watch_timer};
    for (size_t i = 0; i < 2; i++) {
        (void)uv_timer_init(s->loop, timers[i]);
        timers[i]->data = sn;
        s->alive++;
    }
    (void)uv_timer_start(&sn->watch_timer, on_watch_timer, 0, 0);
    return sn;
}

/* Stops both dialogues; the found callback is not called. The memory goes
 * with the store (mg__sentinel_free), after every handle has closed. */
void mg__sentinel_close(struct mg__sentinel *sn)
{
    sn->asking = false;
    uv_close((uv_handle_t *)&sn->ask_timer, on_sentinel_timer_closed);
    uv_close((uv_handle_t *)&sn->watch_timer, on_sentinel_timer_closed);
    dial_close(&sn->ask);
    for (size_t i = 0; i < sn->url->nsentinels; i++)
        dial_close(&sn->watch[i]);
}

void mg__sentinel_free(struct mg__sentinel *sn)
{
    mg_free(sn->watch);
    mg_free(sn);
}
