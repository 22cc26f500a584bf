/* store_erase.c: a comment deleted by its author (delete.lua) and one step
 * of an author's erasure (erase_step.lua); both make tombstones with the
 * same Lua (lib/tombstone.lua), so a deleted and an erased comment are
 * alike. The steps are bounded so that Redis serves others between them;
 * handle_erase.c runs them in turn. */
#include "src/server/store_internal.h"

#include <stdio.h>
#include <string.h>

static void on_delete_reply(struct mg_store *s, int status, const redisReply *reply,
                            const struct mg__store_call *call)
{
    (void)s;
    mg_store_delete_cb cb = call->cb.del;
    if (status != 0) {
        cb(status, MG_DELETE_GONE, call->data);
        return;
    }
    static const struct {
        const char *word;
        enum mg_store_delete_outcome outcome;
    } words[] = {
        {"deleted", MG_DELETE_DONE},
        {"already", MG_DELETE_ALREADY},
        {"not_author", MG_DELETE_NOT_AUTHOR},
        {"gone", MG_DELETE_GONE},
    };
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (mg__reply_is(reply, words[i].word)) {
            cb(0, words[i].outcome, call->data);
            return;
        }
    cb(MG_EPROTO, MG_DELETE_GONE, call->data);
}

int mg_store_comment_delete(struct mg_store *store, const char *id, const char *author_id,
                            const char *deleted_at, mg_store_delete_cb cb, void *data)
{
    char events_cap[24];
    snprintf(events_cap, sizeof events_cap, "%zu", store->cfg->events_max_len);
    const char *args[MG_ARGS_DELETE] = {
        [MG_ARG_DELETE_PREFIX] = mg__store_prefix(store),
        [MG_ARG_DELETE_ID] = id,
        [MG_ARG_DELETE_AUTHOR] = author_id,
        [MG_ARG_DELETE_DELETED_AT] = deleted_at,
        [MG_ARG_DELETE_EVENTS_CAP] = events_cap,
    };
    return mg__store_eval_strings(store, MG_SCRIPT_DELETE, args, MG_ARGS_DELETE,
                                  on_delete_reply,
                                  &(struct mg__store_call){.cb.del = cb, .data = data});
}

static void on_erase_reply(struct mg_store *s, int status, const redisReply *reply,
                           const struct mg__store_call *call)
{
    (void)s;
    mg_store_erase_cb cb = call->cb.erase;
    if (status == 0 &&
        (reply->type != REDIS_REPLY_ARRAY || reply->elements != 3 ||
         reply->element[0]->type != REDIS_REPLY_INTEGER ||
         reply->element[1]->type != REDIS_REPLY_STRING ||
         reply->element[2]->type != REDIS_REPLY_INTEGER))
        status = MG_EPROTO;
    if (status != 0) {
        cb(status, 0, NULL, true, call->data);
        return;
    }
    cb(0, (int64_t)reply->element[0]->integer, reply->element[1]->str,
       reply->element[2]->integer == 1, call->data);
}

int mg_store_erase_step(struct mg_store *store, const char *author_id, const char *after,
                        size_t limit, const char *deleted_at, mg_store_erase_cb cb,
                        void *data)
{
    char events_cap[24], limit_text[24];
    snprintf(events_cap, sizeof events_cap, "%zu", store->cfg->events_max_len);
    snprintf(limit_text, sizeof limit_text, "%zu", limit);
    const char *args[MG_ARGS_ERASE_STEP] = {
        [MG_ARG_ERASE_STEP_PREFIX] = mg__store_prefix(store),
        [MG_ARG_ERASE_STEP_AUTHOR] = author_id,
        [MG_ARG_ERASE_STEP_AFTER] = after ? after : "",
        [MG_ARG_ERASE_STEP_LIMIT] = limit_text,
        [MG_ARG_ERASE_STEP_DELETED_AT] = deleted_at,
        [MG_ARG_ERASE_STEP_EVENTS_CAP] = events_cap,
    };
    return mg__store_eval_strings(store, MG_SCRIPT_ERASE_STEP, args, MG_ARGS_ERASE_STEP,
                                  on_erase_reply,
                                  &(struct mg__store_call){.cb.erase = cb, .data = data});
}
