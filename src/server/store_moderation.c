/* store_moderation.c: a moderator's decision on a comment (decide.lua:
 * the status, the indexes and the audit entry together) and the audit log. */
#include "src/server/store_internal.h"

#include <stdio.h>
#include <string.h>

#include "modgate/alloc.h"

static void on_decide_reply(struct mg_store *s, int status,
                            const redisReply *reply,
        const struct mg__store_call *call)
{
    (void)s;
    mg_store_decide_cb cb = call->cb.decide;
    void *data = call->data;
    if (status != 0) {
        cb(status, MG_DECIDED, NULL, data);
        return;
    }
    if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 1 &&
        mg__reply_is(reply->element[0], "ok")) {
        cb(0, MG_DECIDED, NULL, data);
    } else if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 1 &&
               mg__reply_is(reply->element[0], "gone")) {
        cb(0, MG_DECISION_GONE, NULL, data);
    } else if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 2 &&
               mg__reply_is(reply->element[0], "conflict") &&
               reply->element[1]->type == REDIS_REPLY_STRING) {
        cb(0, MG_DECISION_CONFLICT, reply->element[1]->str, data);
    } else {
        cb(MG_EPROTO, MG_DECIDED, NULL, data);
    }
}

int mg_store_decide(struct mg_store *store, const struct mg_store_decision *d,
                    mg_store_decide_cb cb, void *data)
{
    char at[24], audit_cap[24], retention[24], guard[24], events_cap[24];
    snprintf(events_cap, sizeof events_cap, "%zu", store->cfg->events_max_len);
    snprintf(at, sizeof at, "%lld", (long long)d->at_ms);
    snprintf(guard, sizeof guard, "%d", store->cfg->decision_guard_ms);
    snprintf(audit_cap, sizeof audit_cap, "%zu", store->cfg->audit_max_entries);
    snprintf(retention, sizeof retention, "%d", store->cfg->rejected_retention_s);
    const char *args[MG_ARGS_DECIDE] = {
        [MG_ARG_DECIDE_PREFIX] = mg__store_prefix(store),
        [MG_ARG_DECIDE_ID] = d->id,
        [MG_ARG_DECIDE_FROM] = d->from,
        [MG_ARG_DECIDE_TO] = d->to,
        [MG_ARG_DECIDE_RECORD] = d->record_json,
        [MG_ARG_DECIDE_ACTION] = d->action,
        [MG_ARG_DECIDE_MODERATOR] = d->moderator,
        [MG_ARG_DECIDE_REASON] = d->reason ? d->reason : "",
        [MG_ARG_DECIDE_AT] = at,
        [MG_ARG_DECIDE_AUDIT_CAP] = audit_cap,
        [MG_ARG_DECIDE_RETENTION] = retention,
        [MG_ARG_DECIDE_RULES] = d->rule_ids ? d->rule_ids : "",
        [MG_ARG_DECIDE_GUARD] = guard,
        [MG_ARG_DECIDE_EVENTS_CAP] = events_cap,
    };
    return mg__store_eval_strings(store, MG_SCRIPT_DECIDE, args, MG_ARGS_DECIDE,
                                  on_decide_reply,
                        &(struct mg__store_call){.cb.decide = cb, .data = data});
}

static void on_audit_reply(struct mg_store *s, int status,
                           const redisReply *reply,
        const struct mg__store_call *call)
{
    (void)s;
    mg_store_audit_cb cb = call->cb.audit;
    void *data = call->data;
    if (status != 0) {
        cb(status, NULL, 0, false, data);
        return;
    }
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements % 2 != 1 ||
        reply->element[0]->type != REDIS_REPLY_INTEGER) {
        cb(MG_EPROTO, NULL, 0, false, data);
        return;
    }
    size_t n = reply->elements / 2;
    struct mg_store_audit_entry *entries = mg_calloc(n ? n : 1, sizeof *entries);
    for (size_t i = 0; i < n; i++) {
        const redisReply *id = reply->element[1 + 2 * i];
        const redisReply *fields = reply->element[2 + 2 * i];
        if (id->type != REDIS_REPLY_STRING || fields->type != REDIS_REPLY_ARRAY) {
            mg_free(entries);
            cb(MG_EPROTO, NULL, 0, false, data);
            return;
        }
        entries[i] = (struct mg_store_audit_entry){
            id->str,
            mg__reply_field(fields, "at"),
            mg__reply_field(fields, "moderator"),
            mg__reply_field(fields, "action"),
            mg__reply_field(fields, "target"),
            mg__reply_field(fields, "reason"),
        };
    }
    cb(0, entries, n, reply->element[0]->integer != 0, data);
    mg_free(entries);
}

static void on_done_reply(struct mg_store *s, int status, const redisReply *reply,
        const struct mg__store_call *call)
{
    (void)s;
    mg_store_done_cb cb = call->cb.done;
    void *data = call->data;
    if (status == 0 && reply->type == REDIS_REPLY_ERROR)
        status = MG_EPROTO;
    cb(status, data);
}

int mg_store_audit_add(struct mg_store *store, int64_t at_ms, const char *moderator,
                       const char *action, const char *target, const char *reason,
                       mg_store_done_cb cb, void *data)
{
    char at[24], audit_cap[24];
    snprintf(at, sizeof at, "%lld", (long long)at_ms);
    snprintf(audit_cap, sizeof audit_cap, "%zu", store->cfg->audit_max_entries);
    const char *args[MG_ARGS_AUDIT_ADD] = {
        [MG_ARG_AUDIT_ADD_PREFIX] = mg__store_prefix(store),
        [MG_ARG_AUDIT_ADD_AT] = at,
        [MG_ARG_AUDIT_ADD_MODERATOR] = moderator,
        [MG_ARG_AUDIT_ADD_ACTION] = action,
        [MG_ARG_AUDIT_ADD_TARGET] = target,
        [MG_ARG_AUDIT_ADD_REASON] = reason ? reason : "",
        [MG_ARG_AUDIT_ADD_AUDIT_CAP] = audit_cap,
    };
    return mg__store_eval_strings(store, MG_SCRIPT_AUDIT_ADD, args, MG_ARGS_AUDIT_ADD,
                                  on_done_reply,
                        &(struct mg__store_call){.cb.done = cb, .data = data});
}

int mg_store_audit(struct mg_store *store, const char *after_id, size_t limit,
                   mg_store_audit_cb cb, void *data)
{
    char limit_text[24];
    snprintf(limit_text, sizeof limit_text, "%zu", limit);
    const char *args[MG_ARGS_AUDIT_LIST] = {
        [MG_ARG_AUDIT_LIST_PREFIX] = mg__store_prefix(store),
        [MG_ARG_AUDIT_LIST_AFTER] = after_id ? after_id : "",
        [MG_ARG_AUDIT_LIST_LIMIT] = limit_text,
    };
    return mg__store_eval_strings(store, MG_SCRIPT_AUDIT_LIST, args, MG_ARGS_AUDIT_LIST,
                                  on_audit_reply,
                        &(struct mg__store_call){.cb.audit = cb, .data = data});
}
