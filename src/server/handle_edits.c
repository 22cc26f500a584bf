/* handle_edits.c: an author's edit of their comment (PATCH
 * /v1/comments/{id}) and the earlier revisions moderators see (GET
 * /v1/comments/{id}/revisions), docs/api.md "Edits".
 *
 * An edit reads the record, checks here what it can say at once (the
 * author, the status, the window on this instance's clock), judges the new
 * text as a whole new comment, builds the new record (signed when
 * published: the signature covers revision and edited_at) and hands it to
 * edit.lua, which applies it only to the record that was read, with the
 * window checked again on Redis' clock, the article's mode, the author's
 * ban and rate limits, the old record kept in c:ID:rev and the event
 * "edited". The history rules (duplicates, campaigns, new commenters) are
 * about new comments and are not applied to an edit. */
#include <string.h>

#include "modgate/alloc.h"
#include "modgate/keyring.h"
#include "modgate/problem.h"
#include "modgate/record.h"
#include "modgate/rules.h"
#include "modgate/timefmt.h"
#include "modgate/uuid.h"
#include "server.h"

static const char json_media_type[] = "application/json; charset=utf-8";

/* One edit on its way to Redis. */
struct edit_ctx {
    struct mg_exchange *x;
    struct mg_submission sub; /* author_id, body, author_created_at */
    char *old_json;           /* the record as read: edit.lua's guard */
    json_t *old;
    struct mg_verdict verdict;
    char *normalized;
    int64_t now, created_ms;
    char *record_json;        /* the new record, as stored and answered */
    bool resent;              /* held for the article's mode or a watch */
};

static void edit_ctx_free(struct edit_ctx *ctx)
{
    mg_submission_close(&ctx->sub);
    mg_free(ctx->old_json);
    json_decref(ctx->old);
    mg_verdict_close(&ctx->verdict);
    mg_free(ctx->normalized);
    mg_free(ctx->record_json);
    mg_free(ctx);
}

static void respond_conflict(struct mg_exchange *x, const char *current)
{
    mg_respond_conflict(x, current,
                        "The comment's status does not allow an edit (only "
                        "published and pending comments may be edited).");
}

static void respond_window_closed(struct mg_exchange *x)
{
    mg_respond_error(x, 409, "edit_window_closed",
                     "The time to edit this comment has passed (edits.window_s "
                     "after it was sent).");
}

/* The new record: the old one with the new text, its verdict, the edit's
 * time and revision, signed when published (its earlier signature covered
 * the earlier text); the decision, if any, was on that text too. */
static char *new_record(struct edit_ctx *ctx, enum mg_record_status status)
{
    struct mg_server *srv = ctx->x->srv;
    const struct mg_verdict *v = &ctx->verdict;
    char edited_at[MG_TIME_LEN];
    mg_time_format(ctx->now, edited_at);
    json_int_t revision = json_integer_value(json_object_get(ctx->old, "revision"));
    json_t *r = json_deep_copy(ctx->old);
    json_object_set_new(r, "body", json_string(ctx->sub.body));
    json_object_set_new(r, "edited_at", json_string(edited_at));
    json_object_set_new(r, "revision", json_integer(revision > 1 ? revision + 1 : 2));
    json_object_set_new(r, "status", json_string(mg_record_status_name(status)));
    json_object_set_new(r, "score", json_real(v->score));
    json_object_set(r, "matches", v->matches);
    json_object_set_new(r, "key_id", json_null());
    json_object_set_new(r, "signature", json_null());
    json_object_set_new(r, "rules_version", json_string(v->rules_version));
    json_object_set_new(r, "decision", json_null());
    if (status == MG_RECORD_PUBLISHED)
        mg_record_sign_json(srv->keyring, r);
    char *text = json_dumps(r, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(r);
    return text;
}

static void on_edited(int status, const struct mg_store_edit_result *res, void *data);

static int send_edit(struct edit_ctx *ctx)
{
    struct mg_server *srv = ctx->x->srv;
    enum mg_record_status status =
        ctx->verdict.action == MG_ACTION_PUBLISH ? MG_RECORD_PUBLISHED
        : ctx->verdict.action == MG_ACTION_HOLD  ? MG_RECORD_PENDING
                                                 : MG_RECORD_REJECTED;
    mg_free(ctx->record_json);
    ctx->record_json = new_record(ctx, status);
    const struct mg_rl_config *rl = &srv->cfg->rate_limits;
    char *rule_ids = mg_matches_rule_ids(ctx->verdict.matches);
    const struct mg_store_edit e = {
        .id = ctx->x->match.params[0],
        .old_json = ctx->old_json,
        .record_json = ctx->record_json,
        .status = mg_record_status_name(status),
        .created_ms = ctx->created_ms,
        .window_ms = (int64_t)srv->cfg->edits_window_s * 1000,
        .score = ctx->verdict.score,
        .normalized = ctx->normalized,
        .rl_author = mg_rl_is_trusted(rl, ctx->sub.author_id) ? NULL : ctx->sub.author_id,
        .rate_limits = rl,
        .rule_ids = rule_ids,
    };
    int rc = mg_store_edit(srv->store, &e, on_edited, ctx);
    mg_free(rule_ids);
    return rc;
}

/* 200 with the record (published), 202 (held), or 422 `rejected` as for a
 * submission: the comment is kept for review. */
static void respond_edited(struct edit_ctx *ctx)
{
    struct mg_exchange *x = ctx->x;
    if (ctx->verdict.action != MG_ACTION_REJECT) {
        mg_respond(x, ctx->verdict.action == MG_ACTION_PUBLISH ? 200 : 202,
                   json_media_type, ctx->record_json, strlen(ctx->record_json), NULL, 0);
        return;
    }
    json_t *p = mg_problem_new(422, "rejected",
                               "The edited comment was rejected by the site's rules; "
                               "it is kept for review.");
    json_object_set_new(p, "id", json_string(x->match.params[0]));
    json_object_set_new(p, "score", json_real(ctx->verdict.score));
    json_object_set(p, "matches", ctx->verdict.matches);
    mg_respond_problem(x, p, NULL, 0);
}

static void respond_refused(struct mg_exchange *x, const struct mg_store_edit_result *res)
{
    switch (res->outcome) {
    case MG_EDIT_GONE:
        mg_respond_error(x, 404, "not_found", "No comment has this id.");
        break;
    case MG_EDIT_WINDOW_CLOSED:
        respond_window_closed(x);
        break;
    case MG_EDIT_CLOSED:
        mg_respond_error(x, 403, "comments_closed",
                         "The article takes no more comments; nothing was changed.");
        break;
    case MG_EDIT_BANNED:
        mg_respond_banned(x, res->ban_until_ms);
        break;
    case MG_EDIT_RATE_LIMITED:
        mg_respond_rate_limited(x, "author", res->retry_after_s);
        break;
    default: /* MG_EDIT_CONFLICT */
        respond_conflict(x, res->current);
        break;
    }
}

static void on_edited(int status, const struct mg_store_edit_result *res, void *data)
{
    struct edit_ctx *ctx = data;
    struct mg_exchange *x = ctx->x;
    if (status == MG_EUNAVAIL || status == MG_ETIMEDOUT || status == MG_ECLOSED) {
        mg_respond_unavailable(x, status);
    } else if (status != MG_OK) {
        mg_respond_outcome_unknown(x, status,
                                   "the edit may have been stored: read the comment "
                                   "to see its text.");
    } else if ((res->outcome == MG_EDIT_PREMODERATED || res->outcome == MG_EDIT_WATCHED) &&
               !ctx->resent) {
        /* as a submission: what the rules would publish is held */
        if (res->outcome == MG_EDIT_PREMODERATED)
            mg_hold_for_premoderation(&ctx->verdict);
        else
            mg_hold_for_watch(&ctx->verdict);
        ctx->resent = true;
        int rc = send_edit(ctx);
        if (rc == MG_OK)
            return; /* the second call answers */
        mg_respond_unavailable(x, rc);
    } else if (res->outcome == MG_EDITED) {
        mg_feed_poke(x->srv); /* its event: wake this process's feed waiters now */
        respond_edited(ctx);
    } else {
        respond_refused(x, res);
    }
    edit_ctx_free(ctx);
}

/* What can be told from the record as read; true when it answered. */
static bool refuse_early(struct edit_ctx *ctx)
{
    struct mg_exchange *x = ctx->x;
    const char *author = json_string_value(json_object_get(ctx->old, "author_id"));
    const char *status = json_string_value(json_object_get(ctx->old, "status"));
    const char *created = json_string_value(json_object_get(ctx->old, "created_at"));
    if (!author || !status || !created || mg_time_parse(created, &ctx->created_ms) != MG_OK) {
        mg_respond_unavailable(x, MG_EPROTO); /* not a record modgate wrote */
        return true;
    }
    if (strcmp(author, ctx->sub.author_id) != 0) {
        mg_respond_error(x, 403, "not_author", "Only the comment's author may edit it.");
        return true;
    }
    if (strcmp(status, "published") != 0 && strcmp(status, "pending") != 0) {
        respond_conflict(x, status);
        return true;
    }
    int window_s = x->srv->cfg->edits_window_s;
    if (window_s == 0 || ctx->now > ctx->created_ms + (int64_t)window_s * 1000) {
        respond_window_closed(x);
        return true;
    }
    return false;
}

static void on_read(int status, const char *json, size_t len, void *data)
{
    struct edit_ctx *ctx = data;
    struct mg_exchange *x = ctx->x;
    struct mg_server *srv = x->srv;
    if (status != MG_OK) {
        mg_respond_unavailable(x, status);
        edit_ctx_free(ctx);
        return;
    }
    if (!json) {
        mg_respond_error(x, 404, "not_found", "No comment has this id.");
        edit_ctx_free(ctx);
        return;
    }
    ctx->old_json = mg_strndup(json, len);
    ctx->old = json_loadb(json, len, 0, NULL);
    ctx->now = mg_time_now_ms();
    if (refuse_early(ctx)) {
        edit_ctx_free(ctx);
        return;
    }
    const struct mg_rules_input in = {
        .body = ctx->sub.body,
        .body_len = ctx->sub.body_bytes,
        .author_id = ctx->sub.author_id,
        .author_name = json_string_value(json_object_get(ctx->old, "author_name")),
        .has_author_created_at = ctx->sub.has_author_created_at,
        .author_created_at_ms = ctx->sub.author_created_at_ms,
        .now_ms = ctx->now,
    };
    if (mg_rules_judge(srv->rules, &in, &ctx->verdict, &ctx->normalized) != MG_OK) {
        mg_respond_invalid(x, "body", "The body is not valid UTF-8.");
        edit_ctx_free(ctx);
        return;
    }
    if (ctx->verdict.action == MG_ACTION_PUBLISH && !srv->keyring) {
        mg_respond_no_key(x);
        edit_ctx_free(ctx);
        return;
    }
    int rc = send_edit(ctx);
    if (rc != MG_OK) {
        mg_respond_unavailable(x, rc);
        edit_ctx_free(ctx);
    }
}

void mg_handle_edit(struct mg_exchange *x)
{
    const char *id = x->match.params[0];
    if (!mg_uuid_valid(id)) {
        mg_respond_error(x, 404, "not_found", "No comment has this id.");
        return;
    }
    struct edit_ctx *ctx = mg_calloc(1, sizeof *ctx);
    ctx->x = x;
    const struct mg_submission_limits limits = {
        .max_chars = x->srv->cfg->comment_max_chars,
        .max_bytes = x->srv->cfg->comment_max_bytes,
        .edit = true,
    };
    struct mg_submission_error err;
    if (mg_submission_parse(x->req->body, x->req->body_len, &limits, &ctx->sub, &err) !=
        MG_OK) {
        mg_free(ctx);
        mg_respond_problem(x, mg_submission_problem(&err), NULL, 0);
        return;
    }
    int rc = mg_store_get_comment(x->srv->store, id, on_read, ctx);
    if (rc != MG_OK) {
        edit_ctx_free(ctx);
        mg_respond_unavailable(x, rc);
    }
}

/* ---- GET /v1/comments/{id}/revisions ---------------------------------- */

static void on_revisions(int status, const char *const *jsons, const size_t *lens, size_t n,
                         void *data)
{
    struct mg_exchange *x = data;
    if (status != MG_OK) {
        mg_respond_unavailable(x, status);
        return;
    }
    if (n == 0) {
        mg_respond_error(x, 404, "not_found", "No comment has this id.");
        return;
    }
    json_t *earlier = json_array();
    for (size_t i = 1; i < n; i++)
        json_array_append_new(earlier, json_loadb(jsons[i], lens[i], 0, NULL));
    mg_respond_json(x, 200,
                    json_pack("{s:o, s:o}", "revisions", earlier, "current",
                              json_loadb(jsons[0], lens[0], 0, NULL)));
}

void mg_handle_revisions(struct mg_exchange *x)
{
    const char *id = x->match.params[0];
    if (!mg_uuid_valid(id)) {
        mg_respond_error(x, 404, "not_found", "No comment has this id.");
        return;
    }
    int rc = mg_store_revisions(x->srv->store, id, on_revisions, x);
    if (rc != MG_OK)
        mg_respond_unavailable(x, rc);
}
