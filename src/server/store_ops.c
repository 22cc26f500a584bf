/* store_ops.c: an operation on the link: one command, or one script run
 * with EVALSHA (loaded again after NOSCRIPT), under a single deadline; and
 * the helpers that read replies. */
#include "src/server/store_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modgate/alloc.h"
#include "modgate/decimal.h"
#include "modgate/log.h"

/* An op and extra bytes right after it (its command's arguments), in one
 * allocation: the op is zeroed, the extra bytes are not. */
static struct op *op_alloc(struct mg_store *s, const char *what, int script,
                           mg__reply_fn fn, const struct mg__store_call *call,
                           size_t extra)
{
    struct op *op = mg_malloc(sizeof *op + extra);
    memset(op, 0, sizeof *op);
    op->store = s;
    op->what = what;
    op->script = script;
    op->fn = fn;
    op->call = *call;
    return op;
}

/* A copy of reply that outlives the hiredis callback (hiredis 0.14 frees
 * a reply when its callback returns, and an acknowledged write's reply
 * must wait for WAIT's). */
static redisReply *reply_copy(const redisReply *r)
{
    redisReply *c = mg_calloc(1, sizeof *c);
    c->type = r->type;
    c->integer = r->integer;
    if (r->str) {
        c->str = mg_malloc(r->len + 1);
        memcpy(c->str, r->str, r->len);
        c->str[r->len] = '\0';
        c->len = r->len;
    }
    if (r->element) {
        c->element = mg_calloc(r->elements, sizeof *c->element);
        c->elements = r->elements;
        for (size_t i = 0; i < r->elements; i++)
            c->element[i] = reply_copy(r->element[i]);
    }
    return c;
}

static void reply_free(redisReply *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->elements; i++)
        reply_free(r->element[i]);
    mg_free(r->element);
    mg_free(r->str);
    mg_free(r);
}

static void op_discard(struct op *op)
{
    reply_free(op->held);
    mg_free(op); /* its arguments with it (op_alloc) */
}

static void op_free_if_idle(struct op *op)
{
    if (op->refs > 0 || op->timer_live)
        return;
    struct mg_store *s = op->store;
    op_discard(op);
    mg__store_release(s);
}

static void on_deadline_closed(uv_handle_t *handle)
{
    struct op *op = handle->data;
    op->timer_live = false;
    op_free_if_idle(op);
}

static void on_deadline(uv_timer_t *timer);

/* The first command of op is with hiredis: start its deadline. */
static void op_start(struct op *op)
{
    struct mg_store *s = op->store;
    (void)uv_timer_init(s->loop, &op->deadline);
    op->deadline.data = op;
    op->timer_live = true;
    /* Redis runs nothing of this link while a WAIT sent before (or with)
     * this operation waits, so each one pending may hold it up that long. */
    uint64_t wait_ms = (uint64_t)s->waits_pending *
                       (uint64_t)s->cfg->redis_replica_ack_timeout_ms;
    (void)uv_timer_start(&op->deadline, on_deadline, (uint64_t)s->timeout_ms + wait_ms,
                         0);
    op->next = s->ops;
    if (s->ops)
        s->ops->prev = op;
    s->ops = op;
    s->alive++;
}

/* Marks op answered and stops its deadline; the caller runs op->fn next. */
void mg__op_retire(struct op *op)
{
    struct mg_store *s = op->store;
    op->done = true;
    if (op->prev)
        op->prev->next = op->next;
    else
        s->ops = op->next;
    if (op->next)
        op->next->prev = op->prev;
    op->prev = op->next = NULL;
    uv_close((uv_handle_t *)&op->deadline, on_deadline_closed);
}

static void on_deadline(uv_timer_t *timer)
{
    struct op *op = timer->data;
    struct mg_store *s = op->store;
    char why[160];

    s->stats.timeouts++;
    mg__op_retire(op);
    snprintf(why, sizeof why, "%s: no reply within %d ms", op->what,
             s->timeout_ms);
    /* A Redis that misses one deadline is hung or gone, and every command
     * behind this one would wait as long: drop the link (failing those with
     * MG_EUNAVAIL) before answering, so a caller that retries from its
     * callback already sees the store not ready. Any late reply dies with
     * the connection. */
    mg__store_drop_link(s, "redis_timeout", why);
    if (op->held) /* the script answered; its WAIT did not */
        op->fn(s, MG_ENOACK, op->held, &op->call);
    else
        op->fn(s, MG_ETIMEDOUT, NULL, &op->call);
}

static bool is_noscript(const redisReply *reply)
{
    return reply->type == REDIS_REPLY_ERROR && reply->len >= 8 &&
           memcmp(reply->str, "NOSCRIPT", 8) == 0;
}

bool mg__reply_is_sha1(const redisReply *reply)
{
    if (reply->type != REDIS_REPLY_STRING || reply->len != 40)
        return false;
    for (size_t i = 0; i < 40; i++) {
        char c = reply->str[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    return true;
}

void mg__store_keep_sha(struct mg_store *s, int script, const redisReply *reply)
{
    /* an answer for a source older than the newest one sent */
    if (script == MG_SCRIPT_SUBMIT && s->submit_loads_pending > 0)
        return;
    s->sha_unknown[script] = false;
    memcpy(s->sha[script], reply->str, 40);
    s->sha[script][40] = '\0';
    s->loaded[script] = true;
}

/* The reply to the SCRIPT LOAD sent after NOSCRIPT. The op goes on: the
 * EVALSHA pipelined behind this load answers it. */
static void on_reload_reply(redisAsyncContext *ac, void *r, void *privdata)
{
    (void)ac;
    struct op *op = privdata;
    struct mg_store *s = op->store;
    const redisReply *reply = r;

    op->refs--;
    if (reply && mg__reply_is_sha1(reply)) {
        mg__store_keep_sha(s, op->script, reply);
    } else if (reply && reply->type == REDIS_REPLY_ERROR) {
        /* A script that does not compile is a bug in this build. */
        MG_LOG(MG_LOG_ERROR, "store", "script_load_failed", "{s:s, s:s}",
               "script", op->what, "error", reply->str);
    }
    op_free_if_idle(op);
}

static void on_redis_reply(redisAsyncContext *ac, void *r, void *privdata);
static int send_wait(struct op *op, redisAsyncContext *ac);

/* NOSCRIPT: Redis lost its script cache (restart, SCRIPT FLUSH, failover).
 * Load the script and send the EVALSHA again right behind it, under the
 * same deadline. */
static int retry_eval(struct op *op, redisAsyncContext *ac)
{
    struct mg_store *s = op->store;
    const struct mg__script *sc = &mg__scripts[op->script];
    size_t len;
    const char *source = mg__store_script_source(s, op->script, &len);
    const char *argv[3] = {"SCRIPT", "LOAD", source};
    size_t lens[3] = {6, 4, len};

    op->retried = true;
    s->stats.noscript++;
    if (s->loaded[op->script]) {
        /* Once per loss, not once per operation that trips on it. */
        MG_LOG(MG_LOG_INFO, "store", "script_reloaded", "{s:s}", "script",
               sc->name);
        s->loaded[op->script] = false;
    }
    if (s->ac != ac)
        return MG_EUNAVAIL;
    if (redisAsyncCommandArgv(ac, on_reload_reply, op, 3, argv, lens) !=
        REDIS_OK)
        return MG_EUNAVAIL;
    op->refs++;
    s->stats.script_loads++;
    op->argv[0] = "EVALSHA";
    op->argvlen[0] = 7;
    op->argv[1] = s->sha[op->script];
    op->argvlen[1] = 40;
    if (redisAsyncCommandArgv(ac, on_redis_reply, op, op->argc,
                              op->argv, op->argvlen) != REDIS_OK)
        return MG_EUNAVAIL;
    op->refs++;
    /* the WAIT sent with the first try answers before this EVALSHA does,
     * and finds nothing held: it is this one's that counts */
    if (op->acks > 0)
        (void)send_wait(op, ac);
    return 0;
}

/* A NULL reply: hiredis is freeing ac. When ac is still the store's link,
 * this is the first the store hears of its loss: forget ac (hiredis frees
 * it) and mark the link down. */
static void note_link_lost(struct mg_store *s, redisAsyncContext *ac)
{
    if (s->ac != ac)
        return;
    s->ac = NULL;
    mg__store_link_down(s, NULL, ac->errstr[0] ? ac->errstr : "connection lost");
}

/* WAIT's reply: how many replicas have all this link wrote so far. */
static void on_wait_reply(redisAsyncContext *ac, void *r, void *privdata)
{
    struct op *op = privdata;
    struct mg_store *s = op->store;
    const redisReply *reply = r;

    op->refs--;
    if (s->waits_pending > 0)
        s->waits_pending--;
    if (reply == NULL)
        note_link_lost(s, ac);
    if (!op->done && op->held) {
        bool acked = reply && reply->type == REDIS_REPLY_INTEGER &&
                     reply->integer >= op->acks;
        mg__op_retire(op);
        op->fn(s, acked ? 0 : MG_ENOACK, op->held, &op->call);
    }
    /* else: the script's reply was an error, or NOSCRIPT (a WAIT follows
     * the retry), or op was answered already: nothing to confirm */
    op_free_if_idle(op);
}

/* Queues WAIT op->acks replica_ack_timeout_ms behind op's script. */
static int send_wait(struct op *op, redisAsyncContext *ac)
{
    struct mg_store *s = op->store;
    char n[MG_DEC_LEN], ms[MG_DEC_LEN];
    const char *argv[3] = {"WAIT", n, ms};
    size_t lens[3] = {4, mg_dec_i64(op->acks, n),
                      mg_dec_i64(s->cfg->redis_replica_ack_timeout_ms, ms)};
    if (redisAsyncCommandArgv(ac, on_wait_reply, op, 3, argv, lens) != REDIS_OK)
        return MG_EUNAVAIL;
    op->refs++;
    s->waits_pending++;
    return 0;
}

/* Every command's hiredis callback. A NULL reply means hiredis is freeing
 * the context: we dropped it, or the link broke and this is the first the
 * store hears of it. */
static void on_redis_reply(redisAsyncContext *ac, void *r, void *privdata)
{
    struct op *op = privdata;
    struct mg_store *s = op->store;
    const redisReply *reply = r;

    op->refs--;
    if (reply == NULL) {
        note_link_lost(s, ac);
        if (!op->done) {
            /* sent, and no answer: it may have run */
            int status = s->closing ? MG_ECLOSED : MG_ELOST;
            if (status == MG_ELOST)
                s->stats.errors++;
            mg__op_retire(op);
            op->fn(s, status, NULL, &op->call);
        }
    } else if (!op->done) {
        if (op->script >= 0 && !op->retried && is_noscript(reply)) {
            if (retry_eval(op, ac) == 0)
                return; /* refs went up: not idle */
            /* the script did not run, and could not be sent again */
            s->stats.errors++;
            mg__op_retire(op);
            op->fn(s, MG_EUNAVAIL, NULL, &op->call);
        } else if (mg__store_readonly(s, ac, reply)) {
            /* a replica now (a failover): nothing was written, and the
             * link has gone to find the primary */
            s->stats.errors++;
            mg__op_retire(op);
            op->fn(s, MG_EUNAVAIL, NULL, &op->call);
        } else if (op->acks > 0 && reply->type != REDIS_REPLY_ERROR) {
            /* answered once WAIT has (on_wait_reply) */
            op->held = reply_copy(reply);
        } else {
            if (reply->type == REDIS_REPLY_ERROR)
                s->stats.errors++;
            mg__op_retire(op);
            op->fn(s, 0, reply, &op->call);
        }
    }
    /* else: answered already (timed out); the late reply is dropped. */
    op_free_if_idle(op);
}

int mg__store_send(struct mg_store *s, const char *what, int argc, const char **argv,
                   const size_t *argvlen, mg__reply_fn fn, const struct mg__store_call *call)
{
    if (s->ac == NULL)
        return MG_EUNAVAIL;
    struct op *op = op_alloc(s, what, -1, fn, call, 0);
    if (redisAsyncCommandArgv(s->ac, on_redis_reply, op, argc, argv,
                              argvlen) != REDIS_OK) {
        op_discard(op);
        return MG_EUNAVAIL;
    }
    op->refs = 1;
    op_start(op);
    return 0;
}

static int eval_send(struct mg_store *s, enum mg__script_id id, int nkeys, int nargs,
                     const char *const *args, const size_t *argslen, int acks,
                     mg__reply_fn fn, const struct mg__store_call *call)
{
    const struct mg__script *sc = &mg__scripts[id];
    if (nargs < sc->required || nargs > sc->nargs) {
        /* the C and the script's "-- args:" line disagree: a bug here */
        MG_LOG(MG_LOG_ERROR, "store", "script_arguments", "{s:s, s:i, s:i}", "script",
               sc->name, "given", nargs, "declared", sc->nargs);
        return MG_EINVAL;
    }
    if (s->ac == NULL)
        return MG_EUNAVAIL;

    /* argv, argvlen and the strings after the op, in its allocation */
    size_t argc = 3 + (size_t)nargs;
    size_t bytes = MG_DEC_LEN; /* numkeys */
    for (int i = 0; i < nargs; i++)
        bytes += argslen[i] + 1;
    _Static_assert(sizeof(struct op) % _Alignof(const char *) == 0 &&
                       sizeof(const char *) % _Alignof(size_t) == 0,
                   "argv right after the op, argvlen right after argv");
    struct op *op = op_alloc(s, sc->name, (int)id, fn, call,
                             argc * (sizeof(const char *) + sizeof(size_t)) + bytes);
    op->argc = (int)argc;
    op->argv = (const char **)(op + 1);
    op->argvlen = (size_t *)(op->argv + argc);

    char *at = (char *)(op->argvlen + argc);
    size_t n = mg_dec_i64(nkeys, at);
    if (s->sha_unknown[id]) {
        /* hiredis copies the command as it is sent, so the source may
         * be replaced after this call */
        op->argv[0] = "EVAL";
        op->argvlen[0] = 4;
        op->argv[1] = mg__store_script_source(s, (int)id, &op->argvlen[1]);
    } else {
        op->argv[0] = "EVALSHA";
        op->argvlen[0] = 7;
        op->argv[1] = s->sha[id];
        op->argvlen[1] = 40;
    }
    op->argv[2] = at;
    op->argvlen[2] = n;
    at += MG_DEC_LEN;
    for (int i = 0; i < nargs; i++) {
        memcpy(at, args[i], argslen[i]);
        at[argslen[i]] = '\0';
        op->argv[3 + i] = at;
        op->argvlen[3 + i] = argslen[i];
        at += argslen[i] + 1;
    }

    if (redisAsyncCommandArgv(s->ac, on_redis_reply, op, op->argc, op->argv,
                              op->argvlen) != REDIS_OK) {
        op_discard(op);
        return MG_EUNAVAIL;
    }
    op->refs = 1;
    op->acks = acks;
    /* Pipelined: Redis runs WAIT right after the script, with no round
     * trip between. Should it not queue (the link is going), the script's
     * NULL reply answers. */
    if (acks > 0)
        (void)send_wait(op, s->ac);
    op_start(op);
    return 0;
}

int mg__store_eval(struct mg_store *s, enum mg__script_id id, int nkeys, int nargs,
                   const char *const *args, const size_t *argslen, mg__reply_fn fn,
                   const struct mg__store_call *call)
{
    return eval_send(s, id, nkeys, nargs, args, argslen, 0, fn, call);
}

bool mg__store_acks(const struct mg_store *s)
{
    return s->cfg->redis_min_replicas_ack > 0;
}

int mg__store_eval_acked(struct mg_store *s, enum mg__script_id id, int nargs,
                         const char *const *args, const size_t *argslen, mg__reply_fn fn,
                         const struct mg__store_call *call)
{
    return eval_send(s, id, 0, nargs, args, argslen, s->cfg->redis_min_replicas_ack, fn,
                     call);
}

bool mg__parse_i64(const char *text, size_t len, int64_t *out)
{
    if (len == 0 || len > 20)
        return false;
    char buf[24];
    memcpy(buf, text, len);
    buf[len] = '\0';
    char *end;
    errno = 0;
    long long v = strtoll(buf, &end, 10);
    if (errno != 0 || *end != '\0' || v < 0)
        return false;
    *out = v;
    return true;
}

/* probe.lua's reply: TIME's [seconds, microseconds] as strings (then,
 * when asked, the queue's depth and oldest id). */
int mg__time_from_reply(const redisReply *reply, int64_t *ms)
{
    int64_t sec, usec;
    if (reply->type != REDIS_REPLY_ARRAY ||
        (reply->elements != 2 && reply->elements != 4))
        return MG_EPROTO;
    const redisReply *a = reply->element[0], *b = reply->element[1];
    if (a->type != REDIS_REPLY_STRING || b->type != REDIS_REPLY_STRING ||
        !mg__parse_i64(a->str, a->len, &sec) || !mg__parse_i64(b->str, b->len, &usec) ||
        usec >= 1000000 || sec > INT64_MAX / 1000 - 1)
        return MG_EPROTO;
    *ms = sec * 1000 + usec / 1000;
    return 0;
}

int mg__store_eval_strings(struct mg_store *store, enum mg__script_id id,
                           const char *const *args, size_t nargs, mg__reply_fn fn,
                           const struct mg__store_call *call)
{
    if (store->closing)
        return MG_ECLOSED;
    if (store->state != LINK_READY)
        return MG_EUNAVAIL;
    size_t lens[16];
    for (size_t i = 0; i < nargs; i++)
        lens[i] = strlen(args[i]);
    return mg__store_eval(store, id, 0, (int)nargs, args, lens, fn, call);
}

bool mg__reply_is(const redisReply *r, const char *word)
{
    return r->type == REDIS_REPLY_STRING && strlen(word) == r->len &&
           memcmp(r->str, word, r->len) == 0;
}

const char *mg__reply_field(const redisReply *fields, const char *name)
{
    for (size_t i = 0; i + 1 < fields->elements; i += 2)
        if (mg__reply_is(fields->element[i], name) &&
            fields->element[i + 1]->type == REDIS_REPLY_STRING)
            return fields->element[i + 1]->str;
    return "";
}

/* Whether an error reply is Redis refusing the script before it wrote
 * anything: its first write refused (not enough replicas, no memory, a
 * read-only replica, a failing disk), or the script not run at all. A Lua
 * error would be a bug here, and might have come after a write. */
bool mg__reply_refused(const redisReply *reply)
{
    static const char *const codes[] = {"NOREPLICAS ", "OOM ", "READONLY ", "MISCONF ",
                                        "LOADING ", "BUSY ", "MASTERDOWN ", "NOSCRIPT "};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        if (reply->len >= strlen(codes[i]) &&
            memcmp(reply->str, codes[i], strlen(codes[i])) == 0)
            return true;
    return false;
}
