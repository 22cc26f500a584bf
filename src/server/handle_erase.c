/* handle_erase.c: DELETE /v1/comments/{id}?author_id= (the site, for the
 * comment's author: the comment becomes a tombstone) and DELETE
 * /v1/authors/{author_id} (a moderator, or the site when
 * privacy.site_may_erase allows: every comment of the author becomes a
 * tombstone). What a tombstone keeps is lib/tombstone.lua's; this checks
 * the request, runs the erasure's bounded steps one after the other
 * (store_erase.c: each at most ERASE_STEP comments, so that Redis serves
 * everyone else between them) and records it in the audit log. */
#include <stdio.h>
#include <string.h>

#include "modgate/alloc.h"
#include "modgate/config.h"
#include "modgate/http.h"
#include "modgate/store.h"
#include "modgate/text.h"
#include "modgate/timefmt.h"
#include "modgate/tokens.h"
#include "modgate/uuid.h"
#include "server.h"

/* Comments an erasure step looks at: a step of 100 took about 3.5 ms of
 * Redis' time (tests/bench/erase.py; docs/operations.md, "Erasure"). */
#define ERASE_STEP 100

/* ---- DELETE /v1/comments/{id}?author_id= ---- */

static void on_deleted(int status, enum mg_store_delete_outcome outcome, void *data)
{
    struct mg_exchange *x = data;
    if (status != MG_OK)
        mg_respond_write_failed(x, status);
    else if (outcome == MG_DELETE_GONE)
        mg_respond_error(x, 404, "not_found", "No comment has this id.");
    else if (outcome == MG_DELETE_NOT_AUTHOR)
        mg_respond_error(x, 403, "not_author", "author_id is not the comment's author.");
    else { /* deleted now, or a tombstone already: the same to the site */
        if (outcome == MG_DELETE_DONE)
            mg_feed_poke(x->srv); /* its event: wake this process's feed waiters now */
        mg_respond(x, 204, NULL, NULL, 0, NULL, 0);
    }
}

void mg_handle_comment_delete(struct mg_exchange *x)
{
    char *author = NULL;
    const char *query = x->req->query;
    int rc = query ? mg_http_query_get(query, "author_id", &author) : MG_ENOENT;
    if (rc != MG_OK || !mg_text_is_id(author)) {
        mg_free(author);
        mg_respond_invalid(x, "author_id",
                           "author_id (the comment's author, 1 to 128 printable ASCII "
                           "characters) is required.");
        return;
    }
    const char *id = x->match.params[0];
    if (!mg_uuid_valid(id)) {
        mg_free(author);
        mg_respond_error(x, 404, "not_found", "No comment has this id.");
        return;
    }
    char at[MG_TIME_LEN];
    mg_time_format(mg_time_now_ms(), at);
    rc = mg_store_comment_delete(x->srv->store, id, author, at, on_deleted, x);
    mg_free(author);
    if (rc != MG_OK)
        mg_respond_unavailable(x, rc);
}

/* ---- DELETE /v1/authors/{author_id} ---- */

struct erase_ctx {
    struct mg_exchange *x;
    int64_t at_ms;
    char at[MG_TIME_LEN];
    char after[MG_UUID_LEN]; /* the last id of the previous step */
    int64_t erased;
};

static void step(struct erase_ctx *ctx);

static void on_audited(int status, void *data)
{
    struct erase_ctx *ctx = data;
    struct mg_exchange *x = ctx->x;
    if (status != MG_OK)
        mg_respond_write_failed(x, status);
    else
        mg_respond_json(x, 200, json_pack("{s:s, s:I}", "author_id", x->match.params[0],
                                          "comments_erased", (json_int_t)ctx->erased));
    mg_free(ctx);
}

static void on_step(int status, int64_t erased, const char *last, bool done, void *data)
{
    struct erase_ctx *ctx = data;
    struct mg_exchange *x = ctx->x;
    if (status != MG_OK) {
        /* the steps done stay done; a repeat goes on from there */
        mg_respond_write_failed(x, status);
        mg_free(ctx);
        return;
    }
    ctx->erased += erased;
    if (erased > 0)
        mg_feed_poke(x->srv);
    snprintf(ctx->after, sizeof ctx->after, "%s", last);
    if (!done) {
        step(ctx);
        return;
    }
    char target[160], reason[64];
    snprintf(target, sizeof target, "author_id:%s", x->match.params[0]);
    snprintf(reason, sizeof reason, "%lld comments erased", (long long)ctx->erased);
    int rc = mg_store_audit_add(x->srv->store, ctx->at_ms, x->principal->name, "erase",
                                target, reason, on_audited, ctx);
    if (rc != MG_OK) {
        mg_respond_write_failed(x, rc);
        mg_free(ctx);
    }
}

static void step(struct erase_ctx *ctx)
{
    struct mg_exchange *x = ctx->x;
    int rc = mg_store_erase_step(x->srv->store, x->match.params[0],
                                 ctx->after[0] ? ctx->after : NULL, ERASE_STEP, ctx->at,
                                 on_step, ctx);
    if (rc != MG_OK) {
        if (ctx->erased > 0)
            mg_respond_write_failed(x, rc);
        else
            mg_respond_unavailable(x, rc);
        mg_free(ctx);
    }
}

void mg_handle_author_erase(struct mg_exchange *x)
{
    /* the route admits both roles; the site only when the operator says */
    if (!(x->principal->role & MG_ROLE_MODERATOR) && !x->srv->cfg->site_may_erase) {
        mg_respond_error(x, 403, "forbidden",
                         "This token's role may not use this endpoint "
                         "(privacy.site_may_erase is off).");
        return;
    }
    if (!mg_text_is_id(x->match.params[0])) {
        mg_respond_error(x, 404, "not_found", "No author can have this id.");
        return;
    }
    struct erase_ctx *ctx = mg_calloc(1, sizeof *ctx);
    ctx->x = x;
    ctx->at_ms = mg_time_now_ms();
    mg_time_format(ctx->at_ms, ctx->at);
    step(ctx);
}
