/* store_submit.c: a submission (submit.lua: bans, limits, the history rules,
 * the record and its indexes, the idempotency key, all in one script), and
 * the history rules asked read-only for /v1/check (check_history.lua). */
#include "src/server/store_internal.h"

#include <stdio.h>
#include <string.h>

#include "modgate/alloc.h"
#include "modgate/decimal.h"

/* docs/api.md: an Idempotency-Key is remembered for 24 hours. */
#define IDEMPOTENCY_TTL_S (24 * 3600)

static void on_submit_reply(struct mg_store *s, int status,
                            const redisReply *reply,
        const struct mg__store_call *call)
{
    (void)s;
    mg_store_submit_cb cb = call->cb.submit;
    void *data = call->data;
    if (status != 0 && status != MG_ENOACK) {
        cb(status, NULL, data);
        return;
    }
    struct mg_store_submit_result res = {0};
    if (reply->type == REDIS_REPLY_ERROR) {
        cb(mg__reply_refused(reply) ? MG_EUNAVAIL : MG_EPROTO, NULL, data);
        return;
    }
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements == 0) {
        cb(MG_EPROTO, NULL, data);
        return;
    }
    if (mg__reply_is(reply->element[0], "unconfirmed")) {
        cb(MG_ENOACK, NULL, data); /* a replay Redis would not write again */
        return;
    }
    const redisReply *word = reply->element[0];
    if (mg__reply_is(word, "stored")) {
        res.outcome = MG_STORE_STORED;
    } else if (mg__reply_is(word, "conflict")) {
        res.outcome = MG_STORE_IDEM_CONFLICT;
    } else if (mg__reply_is(word, "closed")) {
        res.outcome = MG_STORE_CLOSED;
    } else if (mg__reply_is(word, "premoderated")) {
        res.outcome = MG_STORE_PREMODERATED;
    } else if (mg__reply_is(word, "watched")) {
        res.outcome = MG_STORE_WATCHED;
    } else if (mg__reply_is(word, "invalid_parent")) {
        res.outcome = MG_STORE_INVALID_PARENT;
    } else if (mg__reply_is(word, "banned") && reply->elements == 3 &&
               reply->element[1]->type == REDIS_REPLY_STRING &&
               reply->element[2]->type == REDIS_REPLY_STRING) {
        static const char *const kinds[] = {"author_id", "ip", "subnet"};
        res.outcome = MG_STORE_BANNED;
        for (size_t k = 0; k < 3; k++)
            if (mg__reply_is(reply->element[1], kinds[k]))
                res.ban_kind = kinds[k];
        if (!res.ban_kind) {
            cb(MG_EPROTO, NULL, data);
            return;
        }
        if (reply->element[2]->len &&
            !mg__parse_i64(reply->element[2]->str, reply->element[2]->len,
                       &res.ban_until_ms)) {
            cb(MG_EPROTO, NULL, data);
            return;
        }
    } else if (mg__reply_is(word, "history") && reply->elements == 2) {
        res.outcome = MG_STORE_HISTORY;
        for (size_t r = 0; r < MG_HISTORY_RULE_COUNT; r++)
            if (mg__reply_is(reply->element[1], mg_history_rule_word((enum mg_history_rule)r)))
                res.history = mg_history_rule_word((enum mg_history_rule)r);
        if (!res.history) {
            cb(MG_EPROTO, NULL, data);
            return;
        }
    } else if (mg__reply_is(word, "limited") && reply->elements == 3 &&
               reply->element[1]->type == REDIS_REPLY_STRING &&
               reply->element[2]->type == REDIS_REPLY_STRING) {
        static const char *const dims[] = {"author", "ip", "subnet", "article",
                                           "global"};
        res.outcome = MG_STORE_RATE_LIMITED;
        for (size_t k = 0; k < 5; k++)
            if (mg__reply_is(reply->element[1], dims[k]))
                res.limit = dims[k];
        if (!res.limit || !mg__parse_i64(reply->element[2]->str,
                                     reply->element[2]->len, &res.retry_after_s)) {
            cb(MG_EPROTO, NULL, data);
            return;
        }
    } else if (mg__reply_is(word, "replay") && reply->elements == 3 &&
               reply->element[1]->type == REDIS_REPLY_STRING &&
               reply->element[2]->type == REDIS_REPLY_STRING) {
        int64_t code;
        if (!mg__parse_i64(reply->element[1]->str, reply->element[1]->len, &code) ||
            code < 100 || code > 599) {
            cb(MG_EPROTO, NULL, data);
            return;
        }
        res.outcome = MG_STORE_REPLAY;
        res.replay_status = (int)code;
        res.replay_body = reply->element[2]->str;
        res.replay_len = reply->element[2]->len;
    } else {
        cb(MG_EPROTO, NULL, data);
        return;
    }
    /* What was stored (or is answered as stored) needs its replicas; a
     * refusal stored nothing, and says so whatever they have. */
    if (status == MG_ENOACK &&
        (res.outcome == MG_STORE_STORED || res.outcome == MG_STORE_REPLAY)) {
        cb(MG_ENOACK, NULL, data);
        return;
    }
    cb(0, &res, data);
}

/* The history settings as submit.lua and check_history.lua take them, as
 * text: the duplicate and campaign windows (ms, 0: off for this body), the
 * campaign's authors, the new commenters' threshold. h NULL or off: all 0. */
struct history_args {
    char dup_window[MG_DEC_LEN], camp_window[MG_DEC_LEN], camp_authors[MG_DEC_LEN];
    char new_below[MG_DEC_LEN], est_published[MG_DEC_LEN], est_clean[MG_DEC_LEN];
};

/* In decimal.h's text, not snprintf's: six numbers a submission. */
static void history_args_of(const struct mg_verdict_history *h, struct history_args *out)
{
    bool on = h && h->on;
    mg_dec_i64(on ? h->duplicate_window_ms : 0, out->dup_window);
    mg_dec_i64(on ? h->campaign_window_ms : 0, out->camp_window);
    mg_dec_u64(on ? (unsigned)h->campaign_authors : 0u, out->camp_authors);
    mg_dec_u64(on ? (unsigned)h->new_commenter_below : 0u, out->new_below);
    mg_dec_u64(on ? (unsigned)h->established_published : 0u, out->est_published);
    mg_dec_i64(on ? h->established_clean_ms : 0, out->est_clean);
}

int mg_store_submit(struct mg_store *store, const struct mg_store_comment *c,
                    mg_store_submit_cb cb, void *data)
{
    if (store->closing)
        return MG_ECLOSED;
    if (store->state != LINK_READY)
        return MG_EUNAVAIL;
    /* the integers in decimal.h's text, not snprintf's */
    char status_text[MG_DEC_LEN], idem_ttl[MG_DEC_LEN], retention[MG_DEC_LEN];
    char created[MG_DEC_LEN], audit_cap[MG_DEC_LEN], addr_ttl[MG_DEC_LEN];
    char events_cap[MG_DEC_LEN], score[40]; /* score: MG_DEC_LEN or "%.17g" */
    mg_dec_u64(store->cfg->events_max_len, events_cap);
    mg_dec_u64(store->cfg->audit_max_entries, audit_cap);
    mg_dec_i64(store->cfg->ip_retention_s, addr_ttl);
    if (!mg_dec_integral(c->score, score)) /* a whole number: no snprintf */
        snprintf(score, sizeof score, "%.17g", c->score);
    mg_dec_i64(c->response_status, status_text);
    mg_dec_i64(IDEMPOTENCY_TTL_S, idem_ttl);
    mg_dec_i64(store->cfg->rejected_retention_s, retention);
    mg_dec_i64(c->created_ms, created);
    struct history_args hist;
    history_args_of(c->history, &hist);
    bool history_on = c->history && c->history->on;
    const char *args[MG_ARGS_SUBMIT] = {
        [MG_ARG_SUBMIT_PREFIX] = mg__store_prefix(store),
        [MG_ARG_SUBMIT_ID] = c->id,
        [MG_ARG_SUBMIT_ARTICLE] = c->article_id,
        [MG_ARG_SUBMIT_PARENT] = c->parent_id ? c->parent_id : "",
        [MG_ARG_SUBMIT_STATUS] = c->status,
        [MG_ARG_SUBMIT_RECORD] = c->record_json,
        [MG_ARG_SUBMIT_META] = c->meta_json,
        [MG_ARG_SUBMIT_IDEM] = c->idem_key ? c->idem_key : "",
        [MG_ARG_SUBMIT_FINGERPRINT] = c->idem_fingerprint ? c->idem_fingerprint : "",
        [MG_ARG_SUBMIT_RESPONSE_STATUS] = status_text,
        [MG_ARG_SUBMIT_RESPONSE_BODY] = c->response_body ? c->response_body : "",
        [MG_ARG_SUBMIT_IDEM_TTL] = idem_ttl,
        [MG_ARG_SUBMIT_RETENTION] = retention,
        [MG_ARG_SUBMIT_CREATED] = created,
        [MG_ARG_SUBMIT_AUTHOR] = c->author_id,
        [MG_ARG_SUBMIT_IP_HEX] = c->client_ip_hex ? c->client_ip_hex : "",
        [MG_ARG_SUBMIT_DIGEST] = history_on && c->body_digest ? c->body_digest : "",
        [MG_ARG_SUBMIT_DUP_WINDOW] = hist.dup_window,
        [MG_ARG_SUBMIT_CAMP_WINDOW] = hist.camp_window,
        [MG_ARG_SUBMIT_CAMP_AUTHORS] = hist.camp_authors,
        [MG_ARG_SUBMIT_NEW_BELOW] = hist.new_below,
        [MG_ARG_SUBMIT_SUSPECT] = c->suspect ? "1" : "0",
        [MG_ARG_SUBMIT_CHECK] = c->history_check ? "1" : "0",
        [MG_ARG_SUBMIT_RULES] = c->rule_ids ? c->rule_ids : "",
        [MG_ARG_SUBMIT_ACK] = mg__store_acks(store) ? "1" : "0",
        [MG_ARG_SUBMIT_EST_PUBLISHED] = hist.est_published,
        [MG_ARG_SUBMIT_EST_CLEAN] = hist.est_clean,
        [MG_ARG_SUBMIT_AUDIT_CAP] = audit_cap,
        [MG_ARG_SUBMIT_ADDR_IP] = c->client_ip ? c->client_ip : "",
        [MG_ARG_SUBMIT_ADDR_UA] = c->user_agent ? c->user_agent : "",
        [MG_ARG_SUBMIT_ADDR_TTL] = addr_ttl,
        [MG_ARG_SUBMIT_SCORE] = score,
        [MG_ARG_SUBMIT_EVENTS_CAP] = events_cap,
        [MG_ARG_SUBMIT_NORM] = c->normalized ? c->normalized : "",
    };
    /* what each rate limit dimension keys on, "" where it does not apply */
    static const int dim_arg[MG_RL_DIM_COUNT] = {
        [MG_RL_AUTHOR] = MG_ARG_SUBMIT_RL_AUTHOR,   [MG_RL_IP] = MG_ARG_SUBMIT_RL_IP,
        [MG_RL_SUBNET] = MG_ARG_SUBMIT_RL_SUBNET,   [MG_RL_ARTICLE] = MG_ARG_SUBMIT_RL_ARTICLE,
        [MG_RL_GLOBAL] = MG_ARG_SUBMIT_RL_GLOBAL,
    };
    for (int d = 0; d < MG_RL_DIM_COUNT; d++)
        if (d != MG_RL_REPORTER) /* reports' own, not an argument here */
            args[dim_arg[d]] = "";
    for (size_t i = 0; i < c->nlimits; i++)
        args[dim_arg[c->limits[i].dim]] = c->limits[i].value;
    size_t lens[MG_ARGS_SUBMIT];
    for (size_t i = 0; i < MG_ARGS_SUBMIT; i++)
        lens[i] = strlen(args[i]);
    return mg__store_eval_acked(store, MG_SCRIPT_SUBMIT, MG_ARGS_SUBMIT, args, lens,
                                on_submit_reply,
                                &(struct mg__store_call){.cb.submit = cb, .data = data});
}

/* ---- the history rules, read-only ---- */

/* A history check's tag: bit r set for each rule r the set has but the
 * verdict turned off for this body (min_chars), which the script cannot
 * tell from a rule the set lacks: both are a window of 0 to it, as to
 * submit.lua. */
static unsigned short_body_bit(size_t r)
{
    return 1u << r;
}

static void on_history_reply(struct mg_store *s, int status, const redisReply *reply,
                             const struct mg__store_call *call)
{
    (void)s;
    mg_store_history_cb cb = call->cb.history;
    if (status != 0) {
        cb(status, NULL, call->data);
        return;
    }
    static const struct {
        const char *word;
        enum mg_store_history_state state;
    } words[] = {
        {"off", MG_HISTORY_OFF},   {"rejected", MG_HISTORY_REJECTED},
        {"held", MG_HISTORY_HELD}, {"passed", MG_HISTORY_PASSED},
        {"fired", MG_HISTORY_FIRED},
    };
    enum mg_store_history_state states[MG_HISTORY_RULE_COUNT];
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != MG_HISTORY_RULE_COUNT) {
        cb(MG_EPROTO, NULL, call->data);
        return;
    }
    for (size_t r = 0; r < MG_HISTORY_RULE_COUNT; r++) {
        bool known = false;
        for (size_t w = 0; w < sizeof words / sizeof words[0] && !known; w++)
            if (mg__reply_is(reply->element[r], words[w].word)) {
                states[r] = words[w].state;
                known = true;
            }
        if (!known) {
            cb(MG_EPROTO, NULL, call->data);
            return;
        }
        if (states[r] == MG_HISTORY_OFF && (call->tag & short_body_bit(r)))
            states[r] = MG_HISTORY_SHORT;
    }
    cb(0, states, call->data);
}

int mg_store_history_check(struct mg_store *store,
                           const struct mg_store_history_query *q,
                           mg_store_history_cb cb, void *data)
{
    const struct mg_verdict_history *h = q->history;
    if (!h || !h->on || !q->body_digest || !q->body_digest[0])
        return MG_EINVAL;
    struct history_args hist;
    history_args_of(h, &hist);
    const char *args[MG_ARGS_CHECK_HISTORY] = {
        [MG_ARG_CHECK_HISTORY_PREFIX] = mg__store_prefix(store),
        [MG_ARG_CHECK_HISTORY_AUTHOR] = q->author_id,
        [MG_ARG_CHECK_HISTORY_DIGEST] = q->body_digest,
        [MG_ARG_CHECK_HISTORY_DUP_WINDOW] = hist.dup_window,
        [MG_ARG_CHECK_HISTORY_CAMP_WINDOW] = hist.camp_window,
        [MG_ARG_CHECK_HISTORY_CAMP_AUTHORS] = hist.camp_authors,
        [MG_ARG_CHECK_HISTORY_NEW_BELOW] = hist.new_below,
        [MG_ARG_CHECK_HISTORY_SUSPECT] = q->suspect ? "1" : "0",
        [MG_ARG_CHECK_HISTORY_STATUS] = q->status,
        [MG_ARG_CHECK_HISTORY_EST_PUBLISHED] = hist.est_published,
        [MG_ARG_CHECK_HISTORY_EST_CLEAN] = hist.est_clean,
    };
    struct mg__store_call call = {.cb.history = cb, .data = data};
    if (h->duplicate_short)
        call.tag |= short_body_bit(MG_HISTORY_DUPLICATE);
    if (h->campaign_short)
        call.tag |= short_body_bit(MG_HISTORY_CAMPAIGN);
    return mg__store_eval_strings(store, MG_SCRIPT_CHECK_HISTORY, args, MG_ARGS_CHECK_HISTORY,
                                  on_history_reply, &call);
}
