/* store_reports.c: readers' reports (report_create.lua: the checks, the
 * report, the counts, the weight, the reported list and the hold in one
 * script, so that instances reporting at once count exactly), the
 * reported list, a comment's report summary, and dismissing the reports
 * of a published comment a moderator approves. Settling reports with a
 * decision is decide.lua's (store_moderation.c). */
#include "src/server/store_internal.h"

#include <stdio.h>
#include <string.h>

#include "modgate/alloc.h"

static void on_json_reply(struct mg_store *s, int status, const redisReply *reply,
                          const struct mg__store_call *call)
{
    (void)s;
    mg_store_json_cb cb = call->cb.json;
    if (status != 0)
        cb(status, NULL, 0, call->data);
    else if (reply->type == REDIS_REPLY_STRING)
        cb(0, reply->str, reply->len, call->data);
    else
        cb(MG_EPROTO, NULL, 0, call->data);
}

/* rate_limits.reporter as report_create.lua reads it: "10/60,100/3600". */
static void reporter_limits(const struct mg_store *s, char *out, size_t size)
{
    const struct mg_rl_config *rl = &s->cfg->rate_limits;
    size_t used = 0;
    out[0] = '\0';
    for (size_t k = 0; k < rl->nlimits[MG_RL_REPORTER] && used < size; k++)
        used += (size_t)snprintf(out + used, size - used, "%s%u/%u", k ? "," : "",
                                 rl->limits[MG_RL_REPORTER][k].count,
                                 rl->limits[MG_RL_REPORTER][k].period_s);
}

int mg_store_report(struct mg_store *store, const struct mg_store_report *r,
                    mg_store_json_cb cb, void *data)
{
    char threshold[24], hold[24], limits[MG_RL_MAX_LIMITS * 24], events_cap[24];
    snprintf(events_cap, sizeof events_cap, "%zu", store->cfg->events_max_len);
    snprintf(threshold, sizeof threshold, "%d", store->cfg->reports_threshold);
    snprintf(hold, sizeof hold, "%d", store->cfg->reports_hold_threshold);
    reporter_limits(store, limits, sizeof limits);
    const char *args[MG_ARGS_REPORT_CREATE] = {
        [MG_ARG_REPORT_CREATE_PREFIX] = mg__store_prefix(store),
        [MG_ARG_REPORT_CREATE_ID] = r->comment_id,
        [MG_ARG_REPORT_CREATE_REPORTER] = r->reporter_id,
        [MG_ARG_REPORT_CREATE_REASON] = r->reason,
        [MG_ARG_REPORT_CREATE_REPORT] = r->report_json,
        [MG_ARG_REPORT_CREATE_THRESHOLD] = threshold,
        [MG_ARG_REPORT_CREATE_HOLD] = hold,
        [MG_ARG_REPORT_CREATE_LIMITS] = limits,
        [MG_ARG_REPORT_CREATE_EVENTS_CAP] = events_cap,
    };
    return mg__store_eval_strings(store, MG_SCRIPT_REPORT_CREATE, args,
                                  MG_ARGS_REPORT_CREATE, on_json_reply,
                                  &(struct mg__store_call){.cb.json = cb, .data = data});
}

static void on_reported_reply(struct mg_store *s, int status, const redisReply *reply,
                              const struct mg__store_call *call)
{
    (void)s;
    mg_store_reported_cb cb = call->cb.reported;
    if (status != 0) {
        cb(status, NULL, 0, 0, NULL, call->data);
        return;
    }
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 4 ||
        reply->element[0]->type != REDIS_REPLY_INTEGER ||
        reply->element[1]->type != REDIS_REPLY_INTEGER ||
        reply->element[2]->type != REDIS_REPLY_STRING ||
        reply->element[3]->type != REDIS_REPLY_STRING) {
        cb(MG_EPROTO, NULL, 0, 0, NULL, call->data);
        return;
    }
    const char *last = reply->element[1]->integer && reply->element[2]->len
                           ? reply->element[2]->str
                           : NULL;
    cb(0, reply->element[3]->str, reply->element[3]->len,
       (size_t)reply->element[0]->integer, last, call->data);
}

int mg_store_reported(struct mg_store *store, const char *after_id, size_t limit,
                      mg_store_reported_cb cb, void *data)
{
    char limit_text[24];
    snprintf(limit_text, sizeof limit_text, "%zu", limit);
    const char *args[MG_ARGS_REPORT_LIST] = {
        [MG_ARG_REPORT_LIST_PREFIX] = mg__store_prefix(store),
        [MG_ARG_REPORT_LIST_AFTER] = after_id ? after_id : "",
        [MG_ARG_REPORT_LIST_LIMIT] = limit_text,
    };
    return mg__store_eval_strings(store, MG_SCRIPT_REPORT_LIST, args, MG_ARGS_REPORT_LIST,
                                  on_reported_reply,
                                  &(struct mg__store_call){.cb.reported = cb, .data = data});
}

int mg_store_report_summary(struct mg_store *store, const char *id,
                            mg_store_json_cb cb, void *data)
{
    const char *args[MG_ARGS_REPORT_SUMMARY] = {
        [MG_ARG_REPORT_SUMMARY_PREFIX] = mg__store_prefix(store),
        [MG_ARG_REPORT_SUMMARY_ID] = id,
    };
    return mg__store_eval_strings(store, MG_SCRIPT_REPORT_SUMMARY, args,
                                  MG_ARGS_REPORT_SUMMARY, on_json_reply,
                                  &(struct mg__store_call){.cb.json = cb, .data = data});
}

static void on_dismiss_reply(struct mg_store *s, int status, const redisReply *reply,
                             const struct mg__store_call *call)
{
    (void)s;
    mg_store_decide_cb cb = call->cb.decide;
    if (status != 0) {
        cb(status, MG_DECIDED, NULL, call->data);
    } else if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 1 &&
               mg__reply_is(reply->element[0], "gone")) {
        cb(0, MG_DECISION_GONE, NULL, call->data);
    } else if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 2 &&
               reply->element[1]->type == REDIS_REPLY_STRING &&
               (mg__reply_is(reply->element[0], "ok") ||
                mg__reply_is(reply->element[0], "conflict"))) {
        bool ok = mg__reply_is(reply->element[0], "ok");
        cb(0, ok ? MG_DECIDED : MG_DECISION_CONFLICT, reply->element[1]->str, call->data);
    } else {
        cb(MG_EPROTO, MG_DECIDED, NULL, call->data);
    }
}

int mg_store_reports_dismiss(struct mg_store *store, const char *id,
                             const char *moderator, const char *reason, int64_t at_ms,
                             mg_store_decide_cb cb, void *data)
{
    char at[24], audit_cap[24];
    snprintf(at, sizeof at, "%lld", (long long)at_ms);
    snprintf(audit_cap, sizeof audit_cap, "%zu", store->cfg->audit_max_entries);
    const char *args[MG_ARGS_REPORT_DISMISS] = {
        [MG_ARG_REPORT_DISMISS_PREFIX] = mg__store_prefix(store),
        [MG_ARG_REPORT_DISMISS_ID] = id,
        [MG_ARG_REPORT_DISMISS_MODERATOR] = moderator,
        [MG_ARG_REPORT_DISMISS_REASON] = reason ? reason : "",
        [MG_ARG_REPORT_DISMISS_AT] = at,
        [MG_ARG_REPORT_DISMISS_AUDIT_CAP] = audit_cap,
    };
    return mg__store_eval_strings(store, MG_SCRIPT_REPORT_DISMISS, args,
                                  MG_ARGS_REPORT_DISMISS, on_dismiss_reply,
                                  &(struct mg__store_call){.cb.decide = cb, .data = data});
}
