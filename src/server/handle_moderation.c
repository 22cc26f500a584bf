/* handle_moderation.c: the moderators' endpoints: the queue of held
 * comments (GET /v1/queue: handle_queue.c), the comments the rules rejected (GET
 * /v1/rejected), decisions (POST /v1/comments/{id}/approve and /reject),
 * the audit log (GET /v1/audit) and the counts (GET /v1/stats).
 *
 * A decision reads the record, checks that it applies to the record's
 * status, builds the decided record (signed now, with the active key, when
 * approved) and has the store apply it only if the status is still the one
 * read: of two moderators deciding one comment at once, one wins and the
 * other gets 409 with the status the comment now has. */
#include <string.h>

#include "modgate/alloc.h"
#include "modgate/keyring.h"
#include "modgate/problem.h"
#include "modgate/record.h"
#include "modgate/store.h"
#include "modgate/text.h"
#include "modgate/timefmt.h"
#include "modgate/uuid.h"
#include "modgate/verdict.h"
#include "server.h"

#define REASON_MAX_BYTES 500

/* ---- GET /v1/queue, GET /v1/rejected ------------------------------------ */

/* GET /v1/queue: handle_queue.c */

void mg_handle_rejected(struct mg_exchange *x)
{
    mg_page_list(x, MG_INDEX_REJECTED, NULL, NULL);
}

/* ---- GET /v1/articles ---------------------------------------------------- */

static void on_articles(int status, const struct mg_store_article *articles,
                        size_t count, size_t total, bool more, void *data)
{
    struct mg_exchange *x = data;
    if (status != MG_OK) {
        mg_respond_unavailable(x, status);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < count; i++)
        json_array_append_new(list, json_pack("{s:s, s:I}", "article_id",
                                              articles[i].id, "published",
                                              (json_int_t)articles[i].published));
    mg_respond_json(x, 200,
                    json_pack("{s:o, s:I, s:o}", "items", list, "total",
                              (json_int_t)total, "next_cursor",
                              mg_next_cursor(more, count ? articles[count - 1].id : NULL)));
}

/* An addition to the first contract (docs/api.md, GET /v1/articles), for
 * `modctl verify --all`: every article with published comments, to walk
 * GET /v1/articles/{id}/comments over. */
void mg_handle_articles(struct mg_exchange *x)
{
    struct mg_page_query q;
    if (!mg_page_query(x, MG_CURSOR_ARTICLE, &q))
        return;
    int rc = mg_store_list_articles(x->srv->store, q.has_after ? q.after : NULL,
                                    q.limit, on_articles, x);
    if (rc != MG_OK)
        mg_respond_unavailable(x, rc);
}

/* ---- POST /v1/comments/{id}/approve, /reject ---------------------------- */

struct decide_ctx {
    struct mg_exchange *x;
    enum mg_record_verb verb;
    char *reason;      /* NULL when none */
    char *record_json; /* the decided record, once built */
};

static void ctx_free(struct decide_ctx *ctx)
{
    mg_free(ctx->reason);
    mg_free(ctx->record_json);
    mg_free(ctx);
}

static void respond_conflict(struct mg_exchange *x, const char *current)
{
    mg_respond_conflict(x, current,
                        "The comment's status does not allow this decision "
                        "(another moderator may have decided it first).");
}

static void on_decided(int status, enum mg_store_decide_outcome outcome,
                       const char *current, void *data)
{
    struct decide_ctx *ctx = data;
    struct mg_exchange *x = ctx->x;
    if (status != MG_OK)
        mg_respond_write_failed(x, status);
    else if (outcome == MG_DECISION_CONFLICT)
        respond_conflict(x, current);
    else if (outcome == MG_DECISION_GONE)
        mg_respond_error(x, 404, "not_found", "No comment has this id.");
    else {
        mg_feed_poke(x->srv); /* its event: wake this process's feed waiters now */
        mg_respond(x, 200, "application/json; charset=utf-8", ctx->record_json,
                   strlen(ctx->record_json), NULL, 0);
    }
    ctx_free(ctx);
}

static void on_record(int status, const char *json, size_t len, void *data)
{
    struct decide_ctx *ctx = data;
    struct mg_exchange *x = ctx->x;
    struct mg_server *srv = x->srv;
    if (status != MG_OK) {
        mg_respond_unavailable(x, status);
        ctx_free(ctx);
        return;
    }
    json_t *record = json ? json_loadb(json, len, 0, NULL) : NULL;
    const char *from = json_string_value(json_object_get(record, "status"));
    enum mg_record_status from_status, to_status;
    if (!mg_record_status_parse(from, &from_status)) {
        json_decref(record);
        mg_respond_error(x, 404, "not_found", "No comment has this id.");
        ctx_free(ctx);
        return;
    }
    if (ctx->verb == MG_RECORD_APPROVE && from_status == MG_RECORD_PUBLISHED) {
        /* approving a published comment that readers reported dismisses
         * their reports (handle_reports.c); 409 when it has none */
        json_decref(record);
        mg_reports_dismiss(x, ctx->reason);
        ctx_free(ctx);
        return;
    }
    const char *action = NULL;
    if (!mg_record_decide(from_status, ctx->verb, &to_status, &action)) {
        respond_conflict(x, from);
        json_decref(record);
        ctx_free(ctx);
        return;
    }
    if (ctx->verb == MG_RECORD_APPROVE && !srv->keyring) {
        json_decref(record);
        ctx_free(ctx);
        mg_respond_no_key(x);
        return;
    }
    char *from_copy = mg_strdup(from);
    int64_t now = mg_time_now_ms();
    char at[MG_TIME_LEN];
    mg_time_format(now, at);
    const char *to = mg_record_status_name(to_status);
    json_object_set_new(record, "status", json_string(to));
    if (ctx->verb == MG_RECORD_APPROVE)
        mg_record_sign_json(srv->keyring, record);
    json_object_set_new(record, "decision",
                        json_pack("{s:s, s:s, s:s, s:s?}", "action", action, "by",
                                  x->principal->name, "at", at, "reason",
                                  ctx->reason));
    ctx->record_json = json_dumps(record, JSON_COMPACT | JSON_PRESERVE_ORDER);
    char *rule_ids = mg_matches_rule_ids(json_object_get(record, "matches"));
    const struct mg_store_decision d = {
        .id = x->match.params[0],
        .from = from_copy,
        .to = to,
        .record_json = ctx->record_json,
        .action = action,
        .moderator = x->principal->name,
        .reason = ctx->reason ? ctx->reason : "",
        .at_ms = now,
        .rule_ids = rule_ids,
    };
    int rc = mg_store_decide(srv->store, &d, on_decided, ctx);
    mg_free(rule_ids);
    mg_free(from_copy);
    json_decref(record);
    if (rc != MG_OK) {
        mg_respond_unavailable(x, rc);
        ctx_free(ctx);
    }
}

/* The optional body, {"reason": "..."}: reason is set to a copy, or NULL.
 * False after answering 400. */
static bool parse_reason(struct mg_exchange *x, char **reason)
{
    *reason = NULL;
    if (!x->req->has_body || x->req->body_len == 0)
        return true;
    json_error_t jerr;
    json_t *body = json_loadb(x->req->body, x->req->body_len, JSON_REJECT_DUPLICATES,
                              &jerr);
    if (!body) {
        static const char *const members[] = {"reason"};
        mg_respond_bad_json(x, &jerr, members, 1, "The body must be a JSON object.");
        return false;
    }
    if (!json_is_object(body)) {
        json_decref(body);
        mg_respond_invalid(x, NULL, "The body must be a JSON object.");
        return false;
    }
    json_t *r = json_object_get(body, "reason");
    bool ok = !r || json_is_null(r) ||
              (json_is_string(r) && json_string_length(r) <= REASON_MAX_BYTES &&
               strlen(json_string_value(r)) == json_string_length(r));
    if (ok && json_is_string(r) && json_string_length(r) > 0)
        *reason = mg_strdup(json_string_value(r));
    json_decref(body);
    if (!ok)
        mg_respond_invalid(x, "reason",
                           "reason must be a string of at most 500 bytes, or null.");
    return ok;
}

static void decide(struct mg_exchange *x, enum mg_record_verb verb)
{
    const char *id = x->match.params[0];
    char *reason;
    if (!parse_reason(x, &reason))
        return;
    if (!mg_uuid_valid(id)) {
        mg_free(reason);
        mg_respond_error(x, 404, "not_found", "No comment has this id.");
        return;
    }
    struct decide_ctx *ctx = mg_calloc(1, sizeof *ctx);
    ctx->x = x;
    ctx->verb = verb;
    ctx->reason = reason;
    int rc = mg_store_get_comment(x->srv->store, id, on_record, ctx);
    if (rc != MG_OK) {
        ctx_free(ctx);
        mg_respond_unavailable(x, rc);
    }
}

void mg_handle_approve(struct mg_exchange *x)
{
    decide(x, MG_RECORD_APPROVE);
}

void mg_handle_reject(struct mg_exchange *x)
{
    decide(x, MG_RECORD_REJECT);
}

/* ---- GET /v1/audit ------------------------------------------------------ */

static json_t *string_or_null(const char *s)
{
    return s && s[0] ? json_string(s) : json_null();
}

static void on_audit(int status, const struct mg_store_audit_entry *entries,
                     size_t count, bool more, void *data)
{
    struct mg_exchange *x = data;
    if (status != MG_OK) {
        mg_respond_unavailable(x, status);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < count; i++) {
        char at[MG_TIME_LEN] = "";
        long long ms = strtoll(entries[i].at_ms, NULL, 10);
        mg_time_format((int64_t)ms, at);
        json_array_append_new(
            list, json_pack("{s:s, s:s, s:s, s:s, s:o}", "at", at, "moderator",
                            entries[i].moderator, "action", entries[i].action,
                            "target", entries[i].target, "reason",
                            string_or_null(entries[i].reason)));
    }
    mg_respond_json(x, 200,
                    json_pack("{s:o, s:o}", "entries", list, "next_cursor",
                              mg_next_cursor(more, count ? entries[count - 1].id : NULL)));
}

void mg_handle_audit(struct mg_exchange *x)
{
    struct mg_page_query q;
    if (!mg_page_query(x, MG_CURSOR_AUDIT, &q))
        return;
    int rc = mg_store_audit(x->srv->store, q.has_after ? q.after : NULL, q.limit,
                            on_audit, x);
    if (rc != MG_OK)
        mg_respond_unavailable(x, rc);
}

/* ---- GET /v1/stats ------------------------------------------------------ */

static json_int_t count_of(const json_t *obj, const char *key)
{
    return json_integer_value(json_object_get(obj, key)) +
           (json_int_t)json_real_value(json_object_get(obj, key));
}

/* {"submissions": n, "rule_hits": {rule: n}} of one window. */
static json_t *window(const json_t *raw, const char *submissions, const char *hits)
{
    json_t *rule_hits = json_object();
    const char *rule;
    json_t *r;
    json_object_foreach(json_object_get(raw, "rules"), rule, r) {
        json_int_t n = count_of(r, hits);
        if (n > 0)
            json_object_set_new(rule_hits, rule, json_integer(n));
    }
    return json_pack("{s:I, s:o}", "submissions", count_of(raw, submissions),
                     "rule_hits", rule_hits);
}

static void on_stats(int status, const char *json, size_t len, void *data)
{
    struct mg_exchange *x = data;
    if (status != MG_OK) {
        mg_respond_unavailable(x, status);
        return;
    }
    json_t *raw = json_loadb(json, len, 0, NULL);
    if (!raw) {
        mg_respond_unavailable(x, MG_EPROTO);
        return;
    }
    int64_t now = (int64_t)count_of(raw, "now_ms");
    json_t *counts = json_object();
    static const char *const statuses[] = {"published", "pending", "rejected",
                                           "removed", "deleted"};
    const json_t *by_status = json_object_get(raw, "by_status");
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
        json_object_set_new(counts, statuses[i],
                            json_integer(count_of(by_status, statuses[i])));
    /* the oldest pending comment's age, from its UUIDv7 id */
    const char *oldest = json_string_value(json_object_get(raw, "oldest_pending_id"));
    json_t *oldest_age = json_null();
    int64_t created;
    if (oldest && oldest[0] && mg_uuid7_time_ms(oldest, &created) == MG_OK)
        oldest_age = json_integer(now > created ? (now - created) / 1000 : 0);
    /* each rule's totals: what moderators overturned stands out beside what
     * it held and rejected (modctl rules stats) */
    json_t *rules = json_object();
    const char *rule;
    json_t *r;
    json_object_foreach(json_object_get(raw, "rules"), rule, r) {
        json_object_set_new(rules, rule,
                            json_pack("{s:I, s:I, s:I, s:I}", "fired",
                                      count_of(r, "fired"), "held",
                                      count_of(r, "held"), "rejected",
                                      count_of(r, "rejected"), "overturned",
                                      count_of(r, "overturned")));
    }
    mg_respond_json(x, 200,
                    json_pack("{s:o, s:I, s:o, s:o, s:o, s:o}", "counts", counts,
                              "queue_depth", count_of(raw, "queue_depth"),
                              "oldest_pending_age_s", oldest_age, "last_hour",
                              window(raw, "submissions_hour", "hits_hour"),
                              "last_day", window(raw, "submissions_day", "hits_day"),
                              "rules", rules));
    json_decref(raw);
}

void mg_handle_stats(struct mg_exchange *x)
{
    int rc = mg_store_stats(x->srv->store, on_stats, x);
    if (rc != MG_OK)
        mg_respond_unavailable(x, rc);
}
