/* handle_comments.c: submitting a comment (POST /v1/comments) and reading
 * one back (GET /v1/comments/{id}); an article's comments are
 * handle_articles.c's. */
#include <stdint.h>
#include <string.h>

#include "modgate/alloc.h"
#include "modgate/buf.h"
#include "modgate/ratelimit.h"
#include "modgate/rules.h"
#include "modgate/crypto.h"
#include "modgate/decimal.h"
#include "modgate/keyring.h"
#include "modgate/log.h"
#include "modgate/metrics.h"
#include "modgate/problem.h"
#include "modgate/record.h"
#include "modgate/store.h"
#include "modgate/submission.h"
#include "modgate/text.h"
#include "modgate/timefmt.h"
#include "modgate/uuid.h"
#include "modgate/verdict.h"
#include "server.h"

#define IDEMPOTENCY_KEY_MAX 128

static const char json_media_type[] = "application/json; charset=utf-8";
static const char problem_media_type[] = "application/problem+json; charset=utf-8";

/* Submissions count their 503s in the metrics. */
static void respond_unavailable(struct mg_exchange *x, int status)
{
    if (x->match.route && x->match.route->id == MG_ROUTE_SUBMIT)
        mg_metrics_submission(x->srv->metrics, "unavailable");
    mg_respond_unavailable(x, status);
}

/* A submission's script went to Redis and its outcome did not come back
 * (store.h, mg_store_submit): only MG_EUNAVAIL there means nothing was
 * stored. */
static void respond_not_stored_or_unknown(struct mg_exchange *x, int status)
{
    if (status == MG_EUNAVAIL) {
        respond_unavailable(x, status);
        return;
    }
    mg_metrics_submission(x->srv->metrics, "outcome_unknown");
    mg_respond_outcome_unknown(x, status,
                               "the comment may have been stored: retry with the same "
                               "Idempotency-Key to get its outcome.");
}

json_t *mg_submission_problem(const struct mg_submission_error *e)
{
    json_t *p = mg_problem_new(e->status, e->code, e->detail);
    if (e->field)
        json_object_set_new(p, "field", json_string(e->field));
    if (e->status == 422) {
        json_object_set_new(p, "limit", json_integer((json_int_t)e->limit));
        json_object_set_new(p, "length", json_integer((json_int_t)e->length));
        json_object_set_new(p, "unit", json_string(e->unit));
    }
    return p;
}

static void respond_submission_error(struct mg_exchange *x,
                                     const struct mg_submission_error *e)
{
    mg_metrics_submission(x->srv->metrics,
                          e->status == 400 ? "invalid" : e->code);
    mg_respond_problem(x, mg_submission_problem(e), NULL, 0);
}

/* The request body as a submission, with the configured length limits. */
/* A submission's body (for a check, author_optional: POST /v1/check may
 * leave author_id out). */
static int parse_request(const struct mg_exchange *x, bool author_optional,
                         struct mg_submission *sub, struct mg_submission_error *err)
{
    const struct mg_submission_limits limits = {
        .max_chars = x->srv->cfg->comment_max_chars,
        .max_bytes = x->srv->cfg->comment_max_bytes,
        .author_id_optional = author_optional,
    };
    return mg_submission_parse(x->req->body, x->req->body_len, &limits, sub, err);
}

/* The rules in force on a submission. */
static int judge(struct mg_server *srv, const struct mg_submission *sub, int64_t now,
                 struct mg_verdict *verdict, char **normalized)
{
    const struct mg_rules_input in = {
        .body = sub->body,
        .body_len = sub->body_bytes,
        .author_id = sub->author_id,
        .author_name = sub->author_name,
        .has_author_created_at = sub->has_author_created_at,
        .author_created_at_ms = sub->author_created_at_ms,
        .now_ms = now,
    };
    return mg_rules_judge(srv->rules, &in, verdict, normalized);
}

/* ---- POST /v1/check --------------------------------------------------- */

/* A check whose history rules Redis is deciding. */
struct check_ctx {
    struct mg_exchange *x;
    struct mg_verdict verdict;
    char *normalized;
    /* a copy: a reload may swap the rule set before Redis answers */
    struct mg_rules_history history;
};

static void check_ctx_free(struct check_ctx *ctx)
{
    mg_free(ctx->normalized);
    mg_verdict_close(&ctx->verdict);
    mg_free(ctx);
}

/* Whether the set has history rule r at all: a rule it does not configure
 * is in neither list of the answer. */
static bool history_configured(const struct mg_rules_history *h,
                               enum mg_history_rule r)
{
    switch (r) {
    case MG_HISTORY_DUPLICATE: return h->duplicate_window_ms > 0;
    case MG_HISTORY_CAMPAIGN: return h->campaign_window_ms > 0;
    case MG_HISTORY_NEW_COMMENTER: return h->new_commenter_below > 0;
    case MG_HISTORY_RULE_COUNT: break;
    }
    return false;
}

static void add_not_applied(json_t *history, enum mg_history_rule r,
                            const char *reason)
{
    json_array_append_new(json_object_get(history, "not_applied"),
                          json_pack("{s:s, s:s}", "rule", mg_history_rule_id(r),
                                    "reason", reason));
}

/* The answer's "history" when no rule could be looked up in Redis: every
 * rule the set has, not applied, for reason; h NULL: the set has none. */
static json_t *history_not_applied(const struct mg_rules_history *h, const char *reason)
{
    json_t *history = json_pack("{s:[], s:[]}", "applied", "not_applied");
    for (size_t r = 0; r < MG_HISTORY_RULE_COUNT; r++)
        if (!h || history_configured(h, (enum mg_history_rule)r))
            add_not_applied(history, (enum mg_history_rule)r,
                            h ? reason : "the rule set has no history rules");
    return history;
}

static void respond_check(struct mg_exchange *x, const struct mg_verdict *verdict,
                          const char *normalized, json_t *history)
{
    mg_respond_json(x, 200,
                    json_pack("{s:s, s:f, s:O, s:s, s:s, s:o}", "verdict",
                              mg_action_name(verdict->action), "score", verdict->score,
                              "matches", verdict->matches, "normalized", normalized,
                              "rules_version", verdict->rules_version, "history",
                              history));
}

static void on_history_checked(int status, const enum mg_store_history_state *states,
                               void *data)
{
    struct check_ctx *ctx = data;
    const struct mg_rules_history *h = &ctx->history;
    json_t *history;
    if (status != MG_OK) {
        /* a preview answers without Redis; an unexpected reply is a bug */
        if (status == MG_EPROTO)
            MG_LOG(MG_LOG_WARN, "check", "history_check_failed", "{s:s}", "error",
                   mg_strerror(status));
        history = history_not_applied(h, "Redis unavailable");
        respond_check(ctx->x, &ctx->verdict, ctx->normalized, history);
        check_ctx_free(ctx);
        return;
    }
    history = json_pack("{s:[], s:[]}", "applied", "not_applied");
    for (size_t i = 0; i < MG_HISTORY_RULE_COUNT; i++) {
        enum mg_history_rule r = (enum mg_history_rule)i;
        char reason[128];
        switch (states[r]) {
        case MG_HISTORY_OFF:
            break;
        case MG_HISTORY_SHORT:
            snprintf(reason, sizeof reason,
                     "the normalized text has %zu characters, fewer than "
                     "min_chars (%u)",
                     ctx->verdict.body_chars,
                     r == MG_HISTORY_DUPLICATE ? h->duplicate_min_chars
                                               : h->campaign_min_chars);
            add_not_applied(history, r, reason);
            break;
        case MG_HISTORY_REJECTED:
            add_not_applied(history, r, "the verdict is already reject");
            break;
        case MG_HISTORY_HELD:
            add_not_applied(history, r, "the verdict is already hold");
            break;
        case MG_HISTORY_FIRED:
        case MG_HISTORY_PASSED:
            /* applied: listed whether it fired or not */
            json_array_append_new(json_object_get(history, "applied"),
                                  json_string(mg_history_rule_id(r)));
            if (states[r] == MG_HISTORY_FIRED)
                mg_verdict_add_history(&ctx->verdict, r);
            break;
        }
    }
    respond_check(ctx->x, &ctx->verdict, ctx->normalized, history);
    check_ctx_free(ctx);
}

/* The rules as a submission would apply them, storing nothing and using no
 * rate limit: with an author_id, the history rules too, read-only. A check
 * is a preview, so it answers 200 even when Redis cannot tell the history
 * (the answer says which rules it could not apply, and why). */
void mg_handle_check(struct mg_exchange *x)
{
    struct mg_server *srv = x->srv;
    struct mg_submission sub;
    struct mg_submission_error serr;
    if (parse_request(x, true, &sub, &serr) != MG_OK) {
        mg_respond_problem(x, mg_submission_problem(&serr), NULL, 0);
        return;
    }
    struct check_ctx *ctx = mg_calloc(1, sizeof *ctx);
    ctx->x = x;
    if (judge(srv, &sub, mg_time_now_ms(), &ctx->verdict, &ctx->normalized) != MG_OK) {
        mg_submission_close(&sub);
        mg_free(ctx);
        mg_respond_invalid(x, "body", "The body is not valid UTF-8.");
        return;
    }
    const struct mg_rules_history *h = mg_rules_history(srv->rules);
    const char *why = !h             ? "the rule set has no history rules"
                      : !sub.author_id ? "no author_id given"
                                       : NULL;
    if (!why) {
        ctx->history = *h;
        const struct mg_store_history_query q = {
            .author_id = sub.author_id,
            .status = mg_action_status(ctx->verdict.action),
            .history = &ctx->verdict.history,
            .body_digest = ctx->verdict.body_digest,
            .suspect = ctx->verdict.suspect,
        };
        if (mg_store_history_check(srv->store, &q, on_history_checked, ctx) == MG_OK) {
            mg_submission_close(&sub);
            return; /* on_history_checked answers */
        }
        why = "Redis unavailable";
    }
    respond_check(x, &ctx->verdict, ctx->normalized, history_not_applied(h, why));
    check_ctx_free(ctx);
    mg_submission_close(&sub);
}

/* ---- POST /v1/comments ------------------------------------------------ */

/* "/v1/comments/" and an id: a comment's Location. */
#define COMMENT_PATH_LEN (sizeof "/v1/comments/" - 1 + MG_UUID_LEN)

/* id (mg_uuid_valid) into out, without snprintf: on every submission. */
static void comment_path(const char *id, char out[COMMENT_PATH_LEN])
{
    static const char prefix[] = "/v1/comments/";
    memcpy(out, prefix, sizeof prefix - 1);
    memcpy(out + sizeof prefix - 1, id, MG_UUID_LEN); /* its NUL with it */
}

/* One submission on its way to Redis. It keeps what it needs to be sent a
 * second time: when a history rule (decided in Redis) changes the verdict,
 * the record is built again with the new status and sent again. */
struct submit_ctx {
    struct mg_exchange *x;
    int status;          /* what to answer once Redis has stored it */
    char *body;
    const char *outcome; /* the record's status, for metrics */
    char location[COMMENT_PATH_LEN];
    struct mg_submission sub;
    struct mg_verdict verdict;
    int64_t now;
    char id[MG_UUID_LEN];
    char created_at[MG_TIME_LEN];
    bool has_idem;
    char fingerprint[65], scoped_key[65];
    bool history_check; /* the last call asked the script to decide history */
    char *normalized;   /* the body as rules see it: the queue's q= reads it */
};

static void ctx_free(struct submit_ctx *ctx)
{
    mg_free(ctx->body);
    mg_free(ctx->normalized);
    mg_verdict_close(&ctx->verdict);
    mg_submission_close(&ctx->sub);
    mg_free(ctx);
}

static bool valid_idempotency_key(const char *k)
{
    size_t n = strlen(k);
    if (n == 0 || n > IDEMPOTENCY_KEY_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (k[i] < 0x20 || k[i] > 0x7e)
            return false;
    return true;
}

static void hex_sha256(const void *data, size_t len, char out[65])
{
    uint8_t digest[32];
    mg_crypto_sha256(data, len, digest);
    mg_crypto_hex(digest, sizeof digest, out);
}

/* The key of a submission sent without an Idempotency-Key: the token's
 * holder, the author, the article, the parent and the body, so that a
 * retry of it (the site's, or the reader's second click) gets the first
 * outcome rather than being judged again, and rejected as a duplicate of
 * itself (docs/api.md, Idempotency). The parent is in it because the same
 * words in reply to another comment are another comment. The parts are
 * NUL-separated after a domain word, so no explicit key's scope (one NUL)
 * is ever the same input. */
static void implicit_key(const struct mg_exchange *x, const struct mg_submission *sub,
                         char out[65])
{
    /* "parent" or "none" first: an empty parent_id is not no parent */
    const char *parts[] = {"implicit", x->principal->name, sub->author_id,
                           sub->article_id, sub->parent_id ? "parent" : "none",
                           sub->parent_id ? sub->parent_id : ""};
    struct mg_buf b;
    mg_buf_init(&b, SIZE_MAX);
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        mg_buf_add(&b, parts[i], strlen(parts[i]) + 1);
    mg_buf_add(&b, sub->body, sub->body_bytes);
    hex_sha256(b.data, b.len, out);
    mg_buf_close(&b);
}

static int send_submission(struct submit_ctx *ctx, bool history_check);

/* The article is pre-moderated: what the rules would publish is held, and
 * the record's matches say why (docs/api.md, article settings). */
void mg_hold_for_premoderation(struct mg_verdict *v)
{
    json_array_append_new(v->matches,
                          json_pack("{s:s, s:f, s:s, s:s, s:n}", "rule",
                                    "article.premoderated", "score", 0.0, "action", "hold",
                                    "reason",
                                    "The article is pre-moderated: every comment is "
                                    "held for a moderator.",
                                    "span"));
    v->action = MG_ACTION_HOLD;
}

/* The author is on the watch list: likewise (POST /v1/authors/{id}/watch). */
void mg_hold_for_watch(struct mg_verdict *v)
{
    json_array_append_new(v->matches,
                          json_pack("{s:s, s:f, s:s, s:s, s:n}", "rule", "author.watched",
                                    "score", 0.0, "action", "hold", "reason",
                                    "The author is on the moderators' watch list: every "
                                    "comment is held for a moderator.",
                                    "span"));
    v->action = MG_ACTION_HOLD;
}

/* The script changed the verdict before writing anything (a history rule,
 * or the article's pre-moderation): the record is built again and sent
 * again. True when the second call is on its way (it answers). */
static bool send_again(struct submit_ctx *ctx, const struct mg_store_submit_result *res)
{
    bool history_check = false;
    if (res->outcome == MG_STORE_PREMODERATED || res->outcome == MG_STORE_WATCHED) {
        if (res->outcome == MG_STORE_PREMODERATED)
            mg_hold_for_premoderation(&ctx->verdict);
        else
            mg_hold_for_watch(&ctx->verdict);
        history_check = ctx->history_check; /* not decided yet */
    } else {
        enum mg_history_rule r;
        if (mg_history_rule_parse(res->history, &r))
            mg_verdict_add_history(&ctx->verdict, r);
    }
    mg_free(ctx->body);
    ctx->body = NULL;
    int rc = send_submission(ctx, history_check);
    if (rc == MG_OK)
        return true;
    respond_unavailable(ctx->x, rc); /* the first stored nothing, and this was not sent */
    return false;
}

void mg_respond_banned(struct mg_exchange *x, int64_t until_ms)
{
    json_t *p = mg_problem_new(403, "banned",
                               "The author or the address is banned from "
                               "commenting.");
    char until[MG_TIME_LEN];
    if (until_ms)
        mg_time_format(until_ms, until);
    json_object_set_new(p, "until", until_ms ? json_string(until) : json_null());
    mg_respond_problem(x, p, NULL, 0);
}

void mg_respond_rate_limited(struct mg_exchange *x, const char *limit, int64_t retry_after_s)
{
    char retry[MG_DEC_LEN];
    mg_dec_i64(retry_after_s, retry);
    json_t *p = mg_problem_new(429, "rate_limited",
                               "Too many comments too quickly; retry after "
                               "the time given.");
    json_object_set_new(p, "limit", json_string(limit));
    json_object_set_new(p, "retry_after", json_integer((json_int_t)retry_after_s));
    struct mg_http_header h = {"Retry-After", retry};
    mg_respond_problem(x, p, &h, 1);
}

/* The history rule the submit script named (kind) joins the verdict. */
static void on_submitted(int status, const struct mg_store_submit_result *res,
                         void *data)
{
    struct submit_ctx *ctx = data;
    struct mg_exchange *x = ctx->x;
    if (status == MG_OK && (res->outcome == MG_STORE_HISTORY ||
                            res->outcome == MG_STORE_PREMODERATED ||
                            res->outcome == MG_STORE_WATCHED)) {
        if (send_again(ctx, res))
            return; /* answered by the second call */
    } else if (status != MG_OK) {
        respond_not_stored_or_unknown(x, status);
    } else if (res->outcome == MG_STORE_STORED) {
        mg_metrics_submission(x->srv->metrics, ctx->outcome);
        mg_feed_poke(x->srv); /* its event: wake this process's feed waiters now */
        struct mg_http_header loc = {"Location", ctx->location};
        mg_respond(x, ctx->status, ctx->status < 300 ? json_media_type : problem_media_type,
                   ctx->body, strlen(ctx->body), &loc, 1);
    } else if (res->outcome == MG_STORE_REPLAY) {
        mg_metrics_submission(x->srv->metrics, "replayed");
        /* The first response again, Location included: it names the id
         * the stored body carries (201, 202 and 422 rejected have one). */
        char location[COMMENT_PATH_LEN] = "";
        json_t *first = json_loadb(res->replay_body, res->replay_len, 0, NULL);
        const char *id = json_string_value(json_object_get(first, "id"));
        if (id && mg_uuid_valid(id))
            comment_path(id, location);
        struct mg_http_header loc = {"Location", location};
        mg_respond(x, res->replay_status,
                   res->replay_status < 300 ? json_media_type : problem_media_type,
                   res->replay_body, res->replay_len, &loc, location[0] ? 1 : 0);
        json_decref(first);
    } else if (res->outcome == MG_STORE_BANNED) {
        mg_metrics_submission(x->srv->metrics, "banned");
        mg_metrics_ban_hit(x->srv->metrics, res->ban_kind);
        mg_respond_banned(x, res->ban_until_ms);
    } else if (res->outcome == MG_STORE_RATE_LIMITED) {
        mg_metrics_submission(x->srv->metrics, "rate_limited");
        mg_metrics_rate_limited(x->srv->metrics, res->limit);
        mg_respond_rate_limited(x, res->limit, res->retry_after_s);
    } else if (res->outcome == MG_STORE_CLOSED) {
        mg_metrics_submission(x->srv->metrics, "comments_closed");
        mg_respond_error(x, 403, "comments_closed",
                         "The article takes no more comments; nothing was stored.");
    } else if (res->outcome == MG_STORE_IDEM_CONFLICT) {
        mg_metrics_submission(x->srv->metrics, "idempotency_conflict");
        mg_respond_error(x, 409, "idempotency_conflict",
                         "This Idempotency-Key was used with a different "
                         "request in the last 24 hours.");
    } else {
        mg_metrics_submission(x->srv->metrics, "invalid_parent");
        mg_respond_error(x, 422, "invalid_parent",
                         "parent_id is not a comment of this article.");
    }
    ctx_free(ctx);
}

static char *dump(json_t *v)
{
    char *text = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(v);
    return text;
}

/* What the submission answers once stored: 201 or 202 with the record
 * itself (one copy serves as the stored record and the response: ctx->body
 * is record_json then), or 422 with the rules' reasons. */
static void set_answer(struct submit_ctx *ctx, char *record_json)
{
    const struct mg_verdict *verdict = &ctx->verdict;
    if (verdict->action != MG_ACTION_REJECT) {
        ctx->status = verdict->action == MG_ACTION_PUBLISH ? 201 : 202;
        ctx->body = record_json;
        return;
    }
    json_t *p = mg_problem_new(422, "rejected",
                               "The comment was rejected by the site's rules; "
                               "it is kept for review.");
    json_object_set_new(p, "id", json_string(ctx->id));
    json_object_set_new(p, "score", json_real(verdict->score));
    json_object_set(p, "matches", verdict->matches);
    ctx->status = 422;
    ctx->body = dump(p);
}

/* The record's meta, {"author_created_at": TIME or null}, as json_pack
 * wrote it (a time needs no escaping): no printf, no allocation. */
#define META_KEY "{\"author_created_at\":"
/* the key, a quoted time (MG_TIME_LEN - 1 characters), "}" and the NUL */
#define META_LEN (sizeof META_KEY - 1 + 1 + (MG_TIME_LEN - 1) + 1 + sizeof "}")

static void meta_of(const struct mg_submission *sub, char out[META_LEN])
{
    size_t len = sizeof META_KEY - 1;
    memcpy(out, META_KEY, len);
    if (sub->has_author_created_at) {
        char at[MG_TIME_LEN];
        mg_time_format(sub->author_created_at_ms, at);
        size_t n = strlen(at); /* < MG_TIME_LEN */
        out[len++] = '"';
        memcpy(out + len, at, n);
        len += n;
        out[len++] = '"';
    } else {
        memcpy(out + len, "null", 4);
        len += 4;
    }
    memcpy(out + len, "}", 2);
}

/* Builds the record and the answer from ctx's verdict and sends it all to
 * Redis in one script call; on_submitted answers. */
static int send_submission(struct submit_ctx *ctx, bool history_check)
{
    struct mg_exchange *x = ctx->x;
    struct mg_server *srv = x->srv;
    const struct mg_submission *sub = &ctx->sub;
    const struct mg_verdict *verdict = &ctx->verdict;
    ctx->history_check = history_check;
    bool publish = verdict->action == MG_ACTION_PUBLISH;

    struct mg_record_new r = {
        .fields = {
            .id = ctx->id,
            .article_id = sub->article_id,
            .author_id = sub->author_id,
            .author_name = sub->author_name,
            .body = sub->body,
            .parent_id = sub->parent_id,
            .created_at = ctx->created_at,
        },
        .status = publish ? MG_RECORD_PUBLISHED
                  : verdict->action == MG_ACTION_HOLD ? MG_RECORD_PENDING
                                                      : MG_RECORD_REJECTED,
        .score = verdict->score,
        .matches = verdict->matches,
        .rules_version = verdict->rules_version,
    };
    char signature[MG_SIGNATURE_B64_LEN];
    if (publish) { /* a comment published at once is signed at once */
        mg_record_sign(srv->keyring, &r.fields, &r.key_id, signature);
        r.signature = signature;
    }
    const char *status = mg_record_status_name(r.status);
    char meta[META_LEN];
    meta_of(sub, meta);
    /* client_ip and user_agent go to a key of their own, which expires */

    ctx->outcome = status;
    comment_path(ctx->id, ctx->location);
    char *record_json = mg_record_dump(&r); /* no tree: jsonw.h */
    set_answer(ctx, record_json);

    struct mg_rl_keys keys;
    mg_rl_keys_of(&srv->cfg->rate_limits, sub->author_id, sub->client_ip, sub->article_id,
                  &keys);

    char *rule_ids = mg_matches_rule_ids(verdict->matches);
    /* A parent_id that cannot be a comment's id is looked up all the same,
     * as one no comment has (an empty one would mean "no parent" to the
     * store): the store answers invalid_parent after the limiter counted the
     * submission, as it does for any other missing parent. */
    const char *parent = sub->parent_id && !mg_uuid_valid(sub->parent_id)
                             ? "not-a-comment"
                             : sub->parent_id;
    const struct mg_store_comment comment = {
        .id = ctx->id,
        .article_id = sub->article_id,
        .parent_id = parent,
        .status = status,
        .record_json = record_json,
        .meta_json = meta,
        .client_ip = sub->client_ip,
        .user_agent = sub->user_agent,
        .score = verdict->score,
        .normalized = ctx->normalized,
        .created_ms = ctx->now,
        .idem_key = ctx->has_idem ? ctx->scoped_key : NULL,
        .idem_fingerprint = ctx->fingerprint,
        .response_status = ctx->status,
        .response_body = ctx->body == record_json ? NULL : ctx->body,
        .author_id = sub->author_id,
        .client_ip_hex = keys.ip_hex[0] ? keys.ip_hex : NULL,
        .limits = keys.keys,
        .nlimits = keys.n,
        .history = &verdict->history,
        .body_digest = verdict->body_digest,
        .suspect = verdict->suspect,
        .history_check = history_check,
        .rule_ids = rule_ids,
    };
    int rc = mg_store_submit(srv->store, &comment, on_submitted, ctx);
    mg_free(rule_ids);
    if (ctx->body != record_json)
        mg_free(record_json);
    return rc;
}

void mg_handle_submit(struct mg_exchange *x)
{
    struct mg_server *srv = x->srv;
    const struct mg_http_request *req = x->req;

    const char *idem = mg_http_header_get(req, "idempotency-key");
    if (idem && !valid_idempotency_key(idem)) {
        mg_metrics_submission(srv->metrics, "invalid");
        mg_respond_invalid(x, NULL, "Idempotency-Key must be 1 to 128 printable "
                                 "ASCII characters.");
        return;
    }

    struct submit_ctx *ctx = mg_calloc(1, sizeof *ctx);
    ctx->x = x;
    struct mg_submission *sub = &ctx->sub;
    struct mg_submission_error serr;
    if (parse_request(x, false, sub, &serr) != MG_OK) {
        mg_free(ctx);
        respond_submission_error(x, &serr);
        return;
    }
    ctx->now = mg_time_now_ms();
    if (judge(srv, sub, ctx->now, &ctx->verdict, &ctx->normalized) != MG_OK) {
        ctx_free(ctx);
        mg_metrics_submission(srv->metrics, "invalid");
        mg_respond_invalid(x, "body", "The body is not valid UTF-8.");
        return;
    }
    if (ctx->verdict.action == MG_ACTION_PUBLISH && !srv->keyring) {
        ctx_free(ctx);
        mg_metrics_submission(srv->metrics, "unavailable");
        mg_respond_no_key(x);
        return;
    }
    mg_uuid7(ctx->now, ctx->id);
    mg_time_format(ctx->now, ctx->created_at);
    if (idem) {
        ctx->has_idem = true;
        hex_sha256(req->body, req->body_len, ctx->fingerprint);
        /* Keys are per token holder: two sites may pick the same key. */
        char *scope = mg_asprintf("%s%c%s", x->principal->name, '\0', idem);
        size_t scope_len = strlen(x->principal->name) + 1 + strlen(idem);
        hex_sha256(scope, scope_len, ctx->scoped_key);
        mg_free(scope);
    } else {
        /* the key says it all: the same key is always the same request */
        ctx->has_idem = true;
        implicit_key(x, sub, ctx->scoped_key);
        memcpy(ctx->fingerprint, ctx->scoped_key, sizeof ctx->fingerprint);
    }
    int rc = send_submission(ctx, true);
    if (rc != MG_OK) {
        ctx_free(ctx);
        respond_unavailable(x, rc);
    }
}

/* ---- GET /v1/comments/{id} -------------------------------------------- */

static void on_record(int status, const char *json, size_t len, void *data)
{
    struct mg_exchange *x = data;
    if (status != MG_OK)
        respond_unavailable(x, status);
    else if (!json)
        mg_respond_error(x, 404, "not_found", "No comment has this id.");
    else if (x->principal->role & MG_ROLE_MODERATOR)
        mg_respond_record_for_moderator(x, json, len); /* with its reports */
    else
        mg_respond(x, 200, json_media_type, json, len, NULL, 0);
}

void mg_handle_comment_get(struct mg_exchange *x)
{
    const char *id = x->match.params[0];
    if (!mg_uuid_valid(id)) {
        mg_respond_error(x, 404, "not_found", "No comment has this id.");
        return;
    }
    /* moderators see the record's meta (the client's address and agent);
     * the site never does */
    int rc = x->principal->role == MG_ROLE_MODERATOR
                 ? mg_store_get_comment_meta(x->srv->store, id, on_record, x)
                 : mg_store_get_comment(x->srv->store, id, on_record, x);
    if (rc != MG_OK)
        respond_unavailable(x, rc);
}

/* ---- GET /v1/keys ----------------------------------------------------- */

void mg_handle_keys(struct mg_exchange *x)
{
    if (x->srv->keyring)
        mg_respond_json(x, 200, mg_keyring_to_json(x->srv->keyring));
    else
        mg_respond_json(x, 200, json_pack("{s:[]}", "keys"));
}
