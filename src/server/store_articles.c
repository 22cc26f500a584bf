/* store_articles.c: an article's settings, its mode and closing time
 * (article_settings_get.lua, article_settings_put.lua: the write and its
 * audit entry together). submit.lua reads the same key itself, so the mode
 * a submission meets is the one in Redis when it is stored. */
#include "src/server/store_internal.h"

#include <stdio.h>
#include <string.h>

#include "modgate/timefmt.h"

static const char *const mode_names[] = {
    [MG_MODE_OPEN] = "open",
    [MG_MODE_PREMODERATED] = "premoderated",
    [MG_MODE_CLOSED] = "closed",
};

const char *mg_article_mode_name(enum mg_article_mode mode)
{
    return mode_names[mode];
}

bool mg_article_mode_parse(const char *word, enum mg_article_mode *out)
{
    for (size_t m = 0; m < sizeof mode_names / sizeof mode_names[0]; m++) {
        if (strcmp(word, mode_names[m]) == 0) {
            *out = (enum mg_article_mode)m;
            return true;
        }
    }
    return false;
}

enum mg_article_mode mg_article_mode_now(const struct mg_store_article_settings *s)
{
    /* the same test as submit.lua's: closed from closes_ms on */
    if (s->has_closes && s->now_ms >= s->closes_ms)
        return MG_MODE_CLOSED;
    return s->mode;
}

static void on_settings_reply(struct mg_store *s, int status, const redisReply *reply,
                              const struct mg__store_call *call)
{
    (void)s;
    mg_store_settings_cb cb = call->cb.settings;
    void *data = call->data;
    if (status != 0) {
        cb(status, NULL, data);
        return;
    }
    struct mg_store_article_settings out = {0};
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 3 ||
        reply->element[0]->type != REDIS_REPLY_STRING ||
        reply->element[1]->type != REDIS_REPLY_STRING ||
        reply->element[2]->type != REDIS_REPLY_STRING ||
        !mg_article_mode_parse(reply->element[0]->str, &out.mode) ||
        !mg__parse_i64(reply->element[2]->str, reply->element[2]->len, &out.now_ms)) {
        cb(MG_EPROTO, NULL, data);
        return;
    }
    const redisReply *closes = reply->element[1];
    if (closes->len) {
        if (!mg__parse_i64(closes->str, closes->len, &out.closes_ms)) {
            cb(MG_EPROTO, NULL, data);
            return;
        }
        out.has_closes = true;
    }
    cb(0, &out, data);
}

int mg_store_article_settings_get(struct mg_store *store, const char *article_id,
                                  mg_store_settings_cb cb, void *data)
{
    const char *args[MG_ARGS_ARTICLE_SETTINGS_GET] = {
        [MG_ARG_ARTICLE_SETTINGS_GET_PREFIX] = mg__store_prefix(store),
        [MG_ARG_ARTICLE_SETTINGS_GET_ARTICLE] = article_id,
    };
    return mg__store_eval_strings(store, MG_SCRIPT_ARTICLE_SETTINGS_GET, args,
                                  MG_ARGS_ARTICLE_SETTINGS_GET, on_settings_reply,
                                  &(struct mg__store_call){.cb.settings = cb, .data = data});
}

static void on_put_reply(struct mg_store *s, int status, const redisReply *reply,
                         const struct mg__store_call *call)
{
    (void)s;
    if (status == 0 && !mg__reply_is(reply, "ok"))
        status = MG_EPROTO;
    call->cb.done(status, call->data);
}

int mg_store_article_settings_put(struct mg_store *store, const char *article_id,
                                  const struct mg_store_article_settings *set,
                                  const char *moderator, mg_store_done_cb cb, void *data)
{
    char closes[24] = "", audit_cap[24], summary[96], when[MG_TIME_LEN] = "";
    if (set->has_closes) {
        snprintf(closes, sizeof closes, "%lld", (long long)set->closes_ms);
        mg_time_format(set->closes_ms, when);
    }
    snprintf(audit_cap, sizeof audit_cap, "%zu", store->cfg->audit_max_entries);
    /* the audit entry's reason: the new settings as the API writes them,
     * "mode closed" or "mode open, closes_at 2026-12-07T18:00:00Z" */
    snprintf(summary, sizeof summary, "mode %s%s%s", mg_article_mode_name(set->mode),
             set->has_closes ? ", closes_at " : "", when);
    const char *args[MG_ARGS_ARTICLE_SETTINGS_PUT] = {
        [MG_ARG_ARTICLE_SETTINGS_PUT_PREFIX] = mg__store_prefix(store),
        [MG_ARG_ARTICLE_SETTINGS_PUT_ARTICLE] = article_id,
        [MG_ARG_ARTICLE_SETTINGS_PUT_MODE] = mg_article_mode_name(set->mode),
        [MG_ARG_ARTICLE_SETTINGS_PUT_CLOSES] = closes,
        [MG_ARG_ARTICLE_SETTINGS_PUT_MODERATOR] = moderator,
        [MG_ARG_ARTICLE_SETTINGS_PUT_SUMMARY] = summary,
        [MG_ARG_ARTICLE_SETTINGS_PUT_AUDIT_CAP] = audit_cap,
    };
    return mg__store_eval_strings(store, MG_SCRIPT_ARTICLE_SETTINGS_PUT, args,
                                  MG_ARGS_ARTICLE_SETTINGS_PUT, on_put_reply,
                                  &(struct mg__store_call){.cb.done = cb, .data = data});
}
