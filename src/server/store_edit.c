/* store_edit.c: an author's edit of a comment (edit.lua: the re-check, the
 * author's rate limits, the earlier revision kept, the record and its
 * indexes, the event, all in one script) and a comment's revisions
 * (revisions.lua). */
#include "src/server/store_internal.h"

#include <stdio.h>
#include <string.h>

#include "modgate/alloc.h"

/* edit.lua's reply as an outcome; false when it is none of them. */
static bool edit_result_of(const redisReply *reply, struct mg_store_edit_result *res)
{
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements == 0)
        return false;
    static const struct {
        const char *word;
        enum mg_store_edit_outcome outcome;
        size_t elements;
    } words[] = {
        {"ok", MG_EDITED, 1},
        {"gone", MG_EDIT_GONE, 1},
        {"conflict", MG_EDIT_CONFLICT, 2},
        {"window_closed", MG_EDIT_WINDOW_CLOSED, 1},
        {"closed", MG_EDIT_CLOSED, 1},
        {"premoderated", MG_EDIT_PREMODERATED, 1},
        {"watched", MG_EDIT_WATCHED, 1},
        {"banned", MG_EDIT_BANNED, 3},
        {"limited", MG_EDIT_RATE_LIMITED, 3},
    };
    size_t w = 0;
    while (w < sizeof words / sizeof words[0] && !mg__reply_is(reply->element[0], words[w].word))
        w++;
    if (w == sizeof words / sizeof words[0] || reply->elements != words[w].elements)
        return false;
    for (size_t i = 1; i < reply->elements; i++)
        if (reply->element[i]->type != REDIS_REPLY_STRING)
            return false;
    *res = (struct mg_store_edit_result){.outcome = words[w].outcome};
    if (res->outcome == MG_EDIT_CONFLICT)
        res->current = reply->element[1]->str;
    else if (res->outcome == MG_EDIT_BANNED && reply->element[2]->len)
        return mg__parse_i64(reply->element[2]->str, reply->element[2]->len,
                             &res->ban_until_ms);
    else if (res->outcome == MG_EDIT_RATE_LIMITED)
        return mg__parse_i64(reply->element[2]->str, reply->element[2]->len,
                             &res->retry_after_s);
    return true;
}

static void on_edit_reply(struct mg_store *s, int status, const redisReply *reply,
                          const struct mg__store_call *call)
{
    (void)s;
    struct mg_store_edit_result res;
    if (status != 0 && status != MG_ENOACK) {
        call->cb.edit(status, NULL, call->data);
    } else if (!edit_result_of(reply, &res)) {
        /* Redis refusing the script wrote nothing; anything else is a bug */
        call->cb.edit(reply->type == REDIS_REPLY_ERROR && mg__reply_refused(reply)
                          ? MG_EUNAVAIL
                          : MG_EPROTO,
                      NULL, call->data);
    } else if (status == MG_ENOACK && res.outcome == MG_EDITED) {
        call->cb.edit(MG_ENOACK, NULL, call->data); /* written, not replicated */
    } else {
        call->cb.edit(0, &res, call->data);
    }
}

int mg_store_edit(struct mg_store *store, const struct mg_store_edit *e,
                  mg_store_edit_cb cb, void *data)
{
    if (store->closing)
        return MG_ECLOSED;
    if (store->state != LINK_READY)
        return MG_EUNAVAIL;
    char created[24], window[24], retention[16], score[40], events_cap[24], generation[24];
    snprintf(created, sizeof created, "%lld", (long long)e->created_ms);
    snprintf(window, sizeof window, "%lld", (long long)e->window_ms);
    snprintf(retention, sizeof retention, "%d", store->cfg->rejected_retention_s);
    snprintf(score, sizeof score, "%.17g", e->score);
    snprintf(events_cap, sizeof events_cap, "%zu", store->cfg->events_max_len);
    snprintf(generation, sizeof generation, "%llu", mg__rl_generation_ms(e->rate_limits));
    bool limited = e->rl_author && e->rate_limits->nlimits[MG_RL_AUTHOR] > 0;
    char *field = mg__rl_field(e->rate_limits, MG_RL_AUTHOR);
    char *numbers = mg__rl_numbers(e->rate_limits, MG_RL_AUTHOR);
    char *hash = mg__rl_hash(mg__store_prefix(store), e->rate_limits);
    const char *args[MG_ARGS_EDIT] = {
        [MG_ARG_EDIT_PREFIX] = mg__store_prefix(store),
        [MG_ARG_EDIT_ID] = e->id,
        [MG_ARG_EDIT_OLD] = e->old_json,
        [MG_ARG_EDIT_RECORD] = e->record_json,
        [MG_ARG_EDIT_STATUS] = e->status,
        [MG_ARG_EDIT_CREATED] = created,
        [MG_ARG_EDIT_WINDOW] = window,
        [MG_ARG_EDIT_RETENTION] = retention,
        [MG_ARG_EDIT_SCORE] = score,
        [MG_ARG_EDIT_NORM] = e->normalized ? e->normalized : "",
        [MG_ARG_EDIT_EVENTS_CAP] = events_cap,
        [MG_ARG_EDIT_RL_AUTHOR] = limited ? e->rl_author : "",
        [MG_ARG_EDIT_RL_FIELD] = field,
        [MG_ARG_EDIT_RL_LIMITS] = numbers,
        [MG_ARG_EDIT_RL_HASH] = hash,
        [MG_ARG_EDIT_RL_GENERATION] = generation,
        [MG_ARG_EDIT_RULES] = e->rule_ids ? e->rule_ids : "",
    };
    size_t lens[MG_ARGS_EDIT];
    for (size_t i = 0; i < MG_ARGS_EDIT; i++)
        lens[i] = strlen(args[i]);
    int rc = mg__store_eval_acked(store, MG_SCRIPT_EDIT, MG_ARGS_EDIT, args, lens,
                                  on_edit_reply,
                                  &(struct mg__store_call){.cb.edit = cb, .data = data});
    mg_free(field);
    mg_free(numbers);
    mg_free(hash);
    return rc;
}

/* ---- the revisions ---- */

static void on_revisions_reply(struct mg_store *s, int status, const redisReply *reply,
                               const struct mg__store_call *call)
{
    (void)s;
    if (status != 0) {
        call->cb.revisions(status, NULL, NULL, 0, call->data);
        return;
    }
    if (reply->type == REDIS_REPLY_NIL) {
        call->cb.revisions(0, NULL, NULL, 0, call->data);
        return;
    }
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements == 0) {
        call->cb.revisions(MG_EPROTO, NULL, NULL, 0, call->data);
        return;
    }
    size_t n = reply->elements;
    const char **jsons = mg_calloc(n, sizeof *jsons);
    size_t *lens = mg_calloc(n, sizeof *lens);
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        ok = ok && reply->element[i]->type == REDIS_REPLY_STRING;
        jsons[i] = reply->element[i]->str;
        lens[i] = reply->element[i]->len;
    }
    call->cb.revisions(ok ? 0 : MG_EPROTO, ok ? jsons : NULL, ok ? lens : NULL,
                       ok ? n : 0, call->data);
    mg_free(jsons);
    mg_free(lens);
}

int mg_store_revisions(struct mg_store *store, const char *id, mg_store_revisions_cb cb,
                       void *data)
{
    const char *args[MG_ARGS_REVISIONS] = {
        [MG_ARG_REVISIONS_PREFIX] = mg__store_prefix(store),
        [MG_ARG_REVISIONS_ID] = id,
    };
    return mg__store_eval_strings(store, MG_SCRIPT_REVISIONS, args, MG_ARGS_REVISIONS,
                                  on_revisions_reply,
                                  &(struct mg__store_call){.cb.revisions = cb, .data = data});
}
