/* handle_articles.c: an article's settings, GET and PUT
 * /v1/articles/{article_id}/settings (moderators): its mode (open,
 * premoderated, closed) and closing time; and the article's published
 * comments, GET /v1/articles/{article_id}/comments, which carry the mode a
 * comment sent now would meet, so the site can say "comments are closed".
 * The submit script applies the mode itself (submit.lua). */
#include <stdio.h>
#include <string.h>

#include "modgate/alloc.h"
#include "modgate/problem.h"
#include "modgate/store.h"
#include "modgate/text.h"
#include "modgate/timefmt.h"
#include "server.h"

/* {"mode", "closes_at"} as the settings endpoints answer them. */
static json_t *settings_json(enum mg_article_mode mode, bool has_closes, int64_t closes_ms)
{
    char when[MG_TIME_LEN];
    if (has_closes)
        mg_time_format(closes_ms, when);
    return json_pack("{s:s, s:s?}", "mode", mg_article_mode_name(mode), "closes_at",
                     has_closes ? when : NULL);
}

/* The article id of the path; false after answering 404 when no article
 * can have it (the site's ids are 1 to 128 printable ASCII characters). */
static bool article_of(struct mg_exchange *x, const char **id)
{
    *id = x->match.params[0];
    if (mg_text_is_id(*id))
        return true;
    mg_respond_error(x, 404, "not_found", "No article can have this id.");
    return false;
}

/* ---- GET /v1/articles/{article_id}/settings ---- */

static void on_settings(int status, const struct mg_store_article_settings *s, void *data)
{
    struct mg_exchange *x = data;
    if (status != MG_OK)
        mg_respond_unavailable(x, status);
    else
        mg_respond_json(x, 200, settings_json(s->mode, s->has_closes, s->closes_ms));
}

void mg_handle_article_settings_get(struct mg_exchange *x)
{
    const char *id;
    if (!article_of(x, &id))
        return;
    int rc = mg_store_article_settings_get(x->srv->store, id, on_settings, x);
    if (rc != MG_OK)
        mg_respond_unavailable(x, rc);
}

/* ---- PUT /v1/articles/{article_id}/settings ---- */

struct put_ctx {
    struct mg_exchange *x;
    struct mg_store_article_settings set;
};

static void on_put(int status, void *data)
{
    struct put_ctx *ctx = data;
    if (status != MG_OK)
        mg_respond_write_failed(ctx->x, status);
    else
        mg_respond_json(ctx->x, 200, settings_json(ctx->set.mode, ctx->set.has_closes,
                                                   ctx->set.closes_ms));
    mg_free(ctx);
}

static void respond_422(struct mg_exchange *x, const char *code, const char *field,
                        const char *detail)
{
    json_t *p = mg_problem_new(422, code, detail);
    json_object_set_new(p, "field", json_string(field));
    mg_respond_problem(x, p, NULL, 0);
}

/* body's mode and closes_at into *set; false after answering: 400 for
 * what is not JSON of the right shape, 422 for a mode or time that is
 * not one. */
static bool parse_settings(struct mg_exchange *x, const json_t *body,
                           struct mg_store_article_settings *set)
{
    const char *mode = json_string_value(json_object_get(body, "mode"));
    if (!mode) {
        mg_respond_invalid(x, "mode", "mode is required: \"open\", \"premoderated\" or "
                                      "\"closed\".");
        return false;
    }
    if (!mg_article_mode_parse(mode, &set->mode)) {
        respond_422(x, "invalid_mode", "mode",
                    "mode must be \"open\", \"premoderated\" or \"closed\".");
        return false;
    }
    json_t *closes = json_object_get(body, "closes_at");
    if (!closes || json_is_null(closes))
        return true;
    if (!json_is_string(closes)) {
        mg_respond_invalid(x, "closes_at", "closes_at must be an RFC 3339 time or null.");
        return false;
    }
    if (mg_time_parse(json_string_value(closes), &set->closes_ms) != MG_OK ||
        set->closes_ms < 0) {
        respond_422(x, "invalid_closes_at", "closes_at",
                    "closes_at must be an RFC 3339 time after 1970, e.g. "
                    "2026-12-07T18:00:00Z, or null.");
        return false;
    }
    set->has_closes = true;
    return true;
}

void mg_handle_article_settings_put(struct mg_exchange *x)
{
    const char *id;
    if (!article_of(x, &id))
        return;
    json_error_t jerr;
    json_t *body = json_loadb(x->req->body, x->req->body_len, JSON_REJECT_DUPLICATES, &jerr);
    static const char bad_body[] = "The body must be a JSON object: {\"mode\": \"open\" | "
                                   "\"premoderated\" | \"closed\", \"closes_at\": time | "
                                   "null}.";
    if (!body) {
        static const char *const members[] = {"mode", "closes_at"};
        mg_respond_bad_json(x, &jerr, members, 2, bad_body);
        return;
    }
    struct put_ctx *ctx = mg_calloc(1, sizeof *ctx);
    ctx->x = x;
    bool ok = json_is_object(body);
    if (!ok)
        mg_respond_invalid(x, NULL, bad_body);
    else
        ok = parse_settings(x, body, &ctx->set);
    json_decref(body);
    if (!ok) {
        mg_free(ctx);
        return;
    }
    int rc = mg_store_article_settings_put(x->srv->store, id, &ctx->set,
                                           x->principal->name, on_put, ctx);
    if (rc != MG_OK) {
        mg_free(ctx);
        mg_respond_unavailable(x, rc);
    }
}

/* ---- GET /v1/articles/{article_id}/comments ---- */

/* The page gets "mode" (what a comment sent now meets: "closed" once
 * closes_at has passed) and "closes_at" (as set, or null). */
static void on_listing_settings(int status, const struct mg_store_article_settings *s,
                                void *data)
{
    struct mg_exchange *x = data;
    if (status != MG_OK) {
        mg_respond_unavailable(x, status);
        return;
    }
    char when[MG_TIME_LEN], extra[96];
    if (s->has_closes)
        mg_time_format(s->closes_ms, when);
    snprintf(extra, sizeof extra, "\"mode\":\"%s\",\"closes_at\":%s%s%s",
             mg_article_mode_name(mg_article_mode_now(s)), s->has_closes ? "\"" : "",
             s->has_closes ? when : "null", s->has_closes ? "\"" : "");
    mg_page_list(x, MG_INDEX_PUBLISHED, x->match.params[0], extra);
}

void mg_handle_article_comments(struct mg_exchange *x)
{
    const char *id = x->match.params[0];
    if (!mg_text_is_id(id)) {
        /* no comment or setting can have been stored under it */
        mg_page_list(x, MG_INDEX_PUBLISHED, id, "\"mode\":\"open\",\"closes_at\":null");
        return;
    }
    /* The query first, so a malformed one costs no read; then the
     * settings, then the page (mg_page_list checks the query again). */
    struct mg_page_query q;
    if (!mg_page_query(x, MG_CURSOR_COMMENT, &q))
        return;
    int rc = mg_store_article_settings_get(x->srv->store, id, on_listing_settings, x);
    if (rc != MG_OK)
        mg_respond_unavailable(x, rc);
}
