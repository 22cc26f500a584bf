/* store_events.c: the events feed's operations (GET /v1/events): a page
 * after a cursor with its expiry check (events_read.lua), the newest id
 * the waiting requests are woken by (events_last.lua), and the trimming by
 * age (events_trim.lua). The events themselves are written by the scripts
 * that change a comment's state (lib/events.lua). */
#include "src/server/store_internal.h"

#include <stdio.h>
#include <string.h>

#include "modgate/alloc.h"

/* {"ok", cursor, id1, {field, value, ...}, ...} or {"expired"} */
static void on_events_reply(struct mg_store *s, int status, const redisReply *reply,
                            const struct mg__store_call *call)
{
    (void)s;
    mg_store_events_cb cb = call->cb.events;
    void *data = call->data;
    if (status != 0) {
        cb(status, false, NULL, 0, NULL, data);
        return;
    }
    if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 1 &&
        mg__reply_is(reply->element[0], "expired")) {
        cb(0, true, NULL, 0, NULL, data);
        return;
    }
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 2 ||
        reply->elements % 2 != 0 || !mg__reply_is(reply->element[0], "ok") ||
        reply->element[1]->type != REDIS_REPLY_STRING) {
        cb(MG_EPROTO, false, NULL, 0, NULL, data);
        return;
    }
    size_t n = (reply->elements - 2) / 2;
    struct mg_store_event *events = mg_calloc(n ? n : 1, sizeof *events);
    for (size_t i = 0; i < n; i++) {
        const redisReply *id = reply->element[2 + 2 * i];
        const redisReply *fields = reply->element[3 + 2 * i];
        if (id->type != REDIS_REPLY_STRING || fields->type != REDIS_REPLY_ARRAY) {
            mg_free(events);
            cb(MG_EPROTO, false, NULL, 0, NULL, data);
            return;
        }
        events[i] = (struct mg_store_event){
            id->str,
            mg__reply_field(fields, "type"),
            mg__reply_field(fields, "comment"),
            mg__reply_field(fields, "article"),
            mg__reply_field(fields, "author"),
            mg__reply_field(fields, "status"),
        };
    }
    cb(0, false, events, n, reply->element[1]->str, data);
    mg_free(events);
}

int mg_store_events_read(struct mg_store *store, const char *after, size_t limit,
                         int64_t retention_ms, mg_store_events_cb cb, void *data)
{
    char limit_text[24], retention[24];
    snprintf(limit_text, sizeof limit_text, "%zu", limit);
    snprintf(retention, sizeof retention, "%lld", (long long)retention_ms);
    const char *args[MG_ARGS_EVENTS_READ] = {
        [MG_ARG_EVENTS_READ_PREFIX] = mg__store_prefix(store),
        [MG_ARG_EVENTS_READ_AFTER] = after ? after : "",
        [MG_ARG_EVENTS_READ_LIMIT] = limit_text,
        [MG_ARG_EVENTS_READ_RETENTION_MS] = retention,
    };
    return mg__store_eval_strings(store, MG_SCRIPT_EVENTS_READ, args, MG_ARGS_EVENTS_READ,
                                  on_events_reply,
                                  &(struct mg__store_call){.cb.events = cb, .data = data});
}

static void on_last_reply(struct mg_store *s, int status, const redisReply *reply,
                          const struct mg__store_call *call)
{
    (void)s;
    if (status == 0 && reply->type != REDIS_REPLY_STRING)
        status = MG_EPROTO;
    call->cb.last_id(status, status == 0 ? reply->str : NULL, call->data);
}

int mg_store_events_last(struct mg_store *store, mg_store_last_id_cb cb, void *data)
{
    const char *args[MG_ARGS_EVENTS_LAST] = {
        [MG_ARG_EVENTS_LAST_PREFIX] = mg__store_prefix(store),
    };
    return mg__store_eval_strings(store, MG_SCRIPT_EVENTS_LAST, args, MG_ARGS_EVENTS_LAST,
                                  on_last_reply,
                                  &(struct mg__store_call){.cb.last_id = cb, .data = data});
}

static void on_trim_reply(struct mg_store *s, int status, const redisReply *reply,
                          const struct mg__store_call *call)
{
    (void)s;
    if (status == 0 && reply->type != REDIS_REPLY_INTEGER)
        status = MG_EPROTO;
    call->cb.done(status, call->data);
}

int mg_store_events_trim(struct mg_store *store, int64_t retention_ms,
                         mg_store_done_cb cb, void *data)
{
    char retention[24];
    snprintf(retention, sizeof retention, "%lld", (long long)retention_ms);
    const char *args[MG_ARGS_EVENTS_TRIM] = {
        [MG_ARG_EVENTS_TRIM_PREFIX] = mg__store_prefix(store),
        [MG_ARG_EVENTS_TRIM_RETENTION_MS] = retention,
    };
    return mg__store_eval_strings(store, MG_SCRIPT_EVENTS_TRIM, args, MG_ARGS_EVENTS_TRIM,
                                  on_trim_reply,
                                  &(struct mg__store_call){.cb.done = cb, .data = data});
}
