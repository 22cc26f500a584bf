/* store_webhooks.c: the store's side of webhook deliveries (webhooks.c):
 * taking a consumer's next batch of events (webhook_take.lua: liveness,
 * claims of stopped instances' entries, comment affinity), acknowledging
 * or failing a batch (webhook_ack.lua), the heartbeat (webhook_alive.lua),
 * and the state GET /v1/webhooks shows (webhook_info.lua). */
#include "src/server/store_internal.h"

#include <stdio.h>
#include <string.h>

#include "modgate/alloc.h"

#define TAKE_MAX 1000 /* events one take may answer */

static const char *str_of(const redisReply *r)
{
    return r->type == REDIS_REPLY_STRING ? r->str : NULL;
}

static void on_take_reply(struct mg_store *s, int status, const redisReply *reply,
                          const struct mg__store_call *call)
{
    (void)s;
    mg_store_webhook_events_cb cb = call->cb.webhook_events;
    if (status != 0) {
        cb(status, NULL, 0, false, call->data);
        return;
    }
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 1 ||
        (reply->elements - 1) % 6 != 0 || (reply->elements - 1) / 6 > TAKE_MAX ||
        reply->element[0]->type != REDIS_REPLY_INTEGER) {
        cb(MG_EPROTO, NULL, 0, false, call->data);
        return;
    }
    size_t n = (reply->elements - 1) / 6;
    struct mg_store_event *ev = mg_calloc(n ? n : 1, sizeof *ev);
    for (size_t i = 0; i < n; i++) {
        const char *f[6];
        for (size_t k = 0; k < 6; k++) {
            f[k] = str_of(reply->element[1 + i * 6 + k]);
            if (!f[k]) {
                mg_free(ev);
                cb(MG_EPROTO, NULL, 0, false, call->data);
                return;
            }
        }
        ev[i] = (struct mg_store_event){f[0], f[1], f[2], f[3], f[4], f[5]};
    }
    cb(0, ev, n, reply->element[0]->integer == 1, call->data);
    mg_free(ev);
}

int mg_store_webhook_take(struct mg_store *store, const char *gid, const char *consumer,
                          size_t batch, int alive_ms, const char *types,
                          mg_store_webhook_events_cb cb, void *data)
{
    char batch_text[24], alive[24];
    snprintf(batch_text, sizeof batch_text, "%zu", batch < TAKE_MAX ? batch : TAKE_MAX);
    snprintf(alive, sizeof alive, "%d", alive_ms);
    const char *args[MG_ARGS_WEBHOOK_TAKE] = {
        [MG_ARG_WEBHOOK_TAKE_PREFIX] = mg__store_prefix(store),
        [MG_ARG_WEBHOOK_TAKE_GID] = gid,
        [MG_ARG_WEBHOOK_TAKE_CONSUMER] = consumer,
        [MG_ARG_WEBHOOK_TAKE_BATCH] = batch_text,
        [MG_ARG_WEBHOOK_TAKE_ALIVE_MS] = alive,
        [MG_ARG_WEBHOOK_TAKE_TYPES] = types,
    };
    return mg__store_eval_strings(store, MG_SCRIPT_WEBHOOK_TAKE, args, MG_ARGS_WEBHOOK_TAKE,
                                  on_take_reply,
                                  &(struct mg__store_call){.cb.webhook_events = cb, .data = data});
}

static void on_done_reply(struct mg_store *s, int status, const redisReply *reply,
                          const struct mg__store_call *call)
{
    (void)s;
    if (status == 0 && reply->type != REDIS_REPLY_INTEGER)
        status = MG_EPROTO;
    if (call->cb.done)
        call->cb.done(status, call->data);
}

int mg_store_webhook_ack(struct mg_store *store, const struct mg_store_webhook_ack *a,
                         mg_store_done_cb cb, void *data)
{
    char at[24];
    snprintf(at, sizeof at, "%lld", (long long)a->at_ms);
    const char *args[MG_ARGS_WEBHOOK_ACK] = {
        [MG_ARG_WEBHOOK_ACK_PREFIX] = mg__store_prefix(store),
        [MG_ARG_WEBHOOK_ACK_GID] = a->gid,
        [MG_ARG_WEBHOOK_ACK_OUTCOME] = a->outcome,
        [MG_ARG_WEBHOOK_ACK_IDS] = a->ids,
        [MG_ARG_WEBHOOK_ACK_COMMENTS] = a->comments,
        [MG_ARG_WEBHOOK_ACK_AT] = at,
        [MG_ARG_WEBHOOK_ACK_URL] = a->url,
        [MG_ARG_WEBHOOK_ACK_ERROR] = a->error ? a->error : "",
        /* the failed deliveries' ids kept for operators, about this many */
        [MG_ARG_WEBHOOK_ACK_FAILED_CAP] = "10000",
    };
    return mg__store_eval_strings(store, MG_SCRIPT_WEBHOOK_ACK, args, MG_ARGS_WEBHOOK_ACK,
                                  on_done_reply,
                                  &(struct mg__store_call){.cb.done = cb, .data = data});
}

int mg_store_webhook_alive(struct mg_store *store, const char *consumer, int alive_ms,
                           mg_store_done_cb cb, void *data)
{
    char alive[24];
    snprintf(alive, sizeof alive, "%d", alive_ms);
    const char *args[MG_ARGS_WEBHOOK_ALIVE] = {
        [MG_ARG_WEBHOOK_ALIVE_PREFIX] = mg__store_prefix(store),
        [MG_ARG_WEBHOOK_ALIVE_CONSUMER] = consumer,
        [MG_ARG_WEBHOOK_ALIVE_ALIVE_MS] = alive,
    };
    return mg__store_eval_strings(store, MG_SCRIPT_WEBHOOK_ALIVE, args,
                                  MG_ARGS_WEBHOOK_ALIVE, on_done_reply,
                                  &(struct mg__store_call){.cb.done = cb, .data = data});
}

/* One webhook's row of webhook_info.lua's reply into *out; false when it
 * is malformed. */
static bool info_row(const redisReply *row, struct mg_store_webhook_info *out)
{
    if (row->type != REDIS_REPLY_ARRAY || row->elements != 7)
        return false;
    for (size_t k = 0; k < 2; k++)
        if (row->element[k]->type != REDIS_REPLY_INTEGER)
            return false;
    for (size_t k = 2; k < 7; k++)
        if (row->element[k]->type != REDIS_REPLY_STRING)
            return false;
    int64_t delivered = 0, failed = 0;
    (void)mg__parse_i64(row->element[5]->str, row->element[5]->len, &delivered);
    (void)mg__parse_i64(row->element[6]->str, row->element[6]->len, &failed);
    *out = (struct mg_store_webhook_info){
        .lag = row->element[0]->integer,
        .pending = row->element[1]->integer,
        .delivered = delivered,
        .failed = failed,
        .last_success_at = row->element[2]->str,
        .last_error_at = row->element[3]->str,
        .last_error = row->element[4]->str,
    };
    return true;
}

static void on_info_reply(struct mg_store *s, int status, const redisReply *reply,
                          const struct mg__store_call *call)
{
    (void)s;
    mg_store_webhook_info_cb cb = call->cb.webhook_info;
    if (status != 0) {
        cb(status, NULL, 0, call->data);
        return;
    }
    if (reply->type != REDIS_REPLY_ARRAY) {
        cb(MG_EPROTO, NULL, 0, call->data);
        return;
    }
    size_t n = reply->elements;
    struct mg_store_webhook_info *info = mg_calloc(n ? n : 1, sizeof *info);
    for (size_t i = 0; i < n; i++) {
        if (!info_row(reply->element[i], &info[i])) {
            mg_free(info);
            cb(MG_EPROTO, NULL, 0, call->data);
            return;
        }
    }
    cb(0, info, n, call->data);
    mg_free(info);
}

int mg_store_webhook_info(struct mg_store *store, const char *gids,
                          mg_store_webhook_info_cb cb, void *data)
{
    const char *args[MG_ARGS_WEBHOOK_INFO] = {
        [MG_ARG_WEBHOOK_INFO_PREFIX] = mg__store_prefix(store),
        [MG_ARG_WEBHOOK_INFO_GIDS] = gids,
    };
    return mg__store_eval_strings(store, MG_SCRIPT_WEBHOOK_INFO, args, MG_ARGS_WEBHOOK_INFO,
                                  on_info_reply,
                                  &(struct mg__store_call){.cb.webhook_info = cb, .data = data});
}
