/* store_authors.c: an author's view (author_get.lua: the index submit.lua
 * and decide.lua keep, the watch entry, the ban, a page of comments) and the
 * watch list (author_watch.lua: the change and its audit entry together).
 * submit.lua reads the watch key itself, so a comment meets the list as it
 * is in Redis when the comment is stored. */
#include "src/server/store_internal.h"

#include <stdio.h>
#include <string.h>

static void on_watch_reply(struct mg_store *s, int status, const redisReply *reply,
                           const struct mg__store_call *call)
{
    (void)s;
    mg_store_watch_cb cb = call->cb.watch;
    if (status != 0) {
        cb(status, false, 0, call->data);
        return;
    }
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 1) {
        cb(MG_EPROTO, false, 0, call->data);
        return;
    }
    const redisReply *word = reply->element[0];
    int64_t at = 0;
    if (mg__reply_is(word, "watched") && reply->elements == 2 &&
        reply->element[1]->type == REDIS_REPLY_STRING &&
        mg__parse_i64(reply->element[1]->str, reply->element[1]->len, &at))
        cb(0, true, at, call->data);
    else if (mg__reply_is(word, "unwatched"))
        cb(0, true, 0, call->data);
    else if (mg__reply_is(word, "not_watched"))
        cb(0, false, 0, call->data);
    else
        cb(MG_EPROTO, false, 0, call->data);
}

int mg_store_author_watch(struct mg_store *store, const char *author_id, bool on,
                          const char *reason, const char *moderator,
                          mg_store_watch_cb cb, void *data)
{
    char audit_cap[24];
    snprintf(audit_cap, sizeof audit_cap, "%zu", store->cfg->audit_max_entries);
    const char *args[MG_ARGS_AUTHOR_WATCH] = {
        [MG_ARG_AUTHOR_WATCH_PREFIX] = mg__store_prefix(store),
        [MG_ARG_AUTHOR_WATCH_AUTHOR] = author_id,
        [MG_ARG_AUTHOR_WATCH_ON] = on ? "1" : "0",
        [MG_ARG_AUTHOR_WATCH_REASON] = reason ? reason : "",
        [MG_ARG_AUTHOR_WATCH_MODERATOR] = moderator,
        [MG_ARG_AUTHOR_WATCH_AUDIT_CAP] = audit_cap,
    };
    return mg__store_eval_strings(store, MG_SCRIPT_AUTHOR_WATCH, args, MG_ARGS_AUTHOR_WATCH,
                                  on_watch_reply,
                                  &(struct mg__store_call){.cb.watch = cb, .data = data});
}

static void on_author_reply(struct mg_store *s, int status, const redisReply *reply,
                            const struct mg__store_call *call)
{
    (void)s;
    mg_store_json_cb cb = call->cb.json;
    if (status == 0 && reply->type != REDIS_REPLY_STRING)
        status = MG_EPROTO;
    if (status != 0)
        cb(status, NULL, 0, call->data);
    else if (reply->len == 0)
        cb(0, NULL, 0, call->data); /* modgate knows nothing of the author */
    else
        cb(0, reply->str, reply->len, call->data);
}

int mg_store_author_get(struct mg_store *store, const char *author_id, const char *after,
                        size_t limit, mg_store_json_cb cb, void *data)
{
    char limit_text[24];
    snprintf(limit_text, sizeof limit_text, "%zu", limit);
    const char *args[MG_ARGS_AUTHOR_GET] = {
        [MG_ARG_AUTHOR_GET_PREFIX] = mg__store_prefix(store),
        [MG_ARG_AUTHOR_GET_AUTHOR] = author_id,
        [MG_ARG_AUTHOR_GET_AFTER] = after ? after : "",
        [MG_ARG_AUTHOR_GET_LIMIT] = limit_text,
    };
    return mg__store_eval_strings(store, MG_SCRIPT_AUTHOR_GET, args, MG_ARGS_AUTHOR_GET,
                                  on_author_reply,
                                  &(struct mg__store_call){.cb.json = cb, .data = data});
}
