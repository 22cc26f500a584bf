/* handle_authors.c: an author as moderators see them, GET
 * /v1/authors/{author_id} (first and last seen, comments by status, trust,
 * the watch entry, bans in force, reports, a page of the latest comments),
 * and the watch list, POST and DELETE /v1/authors/{author_id}/watch. The
 * submit script applies the watch list and history.established itself
 * (submit.lua); this reads what it keeps (author_get.lua). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modgate/alloc.h"
#include "modgate/problem.h"
#include "modgate/rules.h"
#include "modgate/store.h"
#include "modgate/text.h"
#include "modgate/timefmt.h"
#include "server.h"

#define REASON_MAX_BYTES 500

/* The author id of the path; false after answering 404 when no author can
 * have it (the site's ids are 1 to 128 printable ASCII characters). */
static bool author_of(struct mg_exchange *x, const char **id)
{
    *id = x->match.params[0];
    if (mg_text_is_id(*id))
        return true;
    mg_respond_error(x, 404, "not_found", "No author can have this id.");
    return false;
}

/* A time in ms held as a decimal string in o[key], as RFC 3339, or null. */
static json_t *time_of(const json_t *o, const char *key)
{
    const char *text = json_string_value(json_object_get(o, key));
    if (!text || !*text)
        return json_null();
    char when[MG_TIME_LEN];
    mg_time_format(strtoll(text, NULL, 10), when);
    return json_string(when);
}

static json_int_t count_of(const json_t *user, const char *status)
{
    const char *text = json_string_value(json_object_get(user, status));
    json_int_t n = text ? strtoll(text, NULL, 10) : 0;
    return n > 0 ? n : 0;
}

/* {"established", "rule", "last_rejection_at"}: the rule set's
 * history.established applied to what the index says, as submit.lua does. */
static json_t *trust_json(const struct mg_server *srv, const json_t *user, int64_t now)
{
    const struct mg_rules_history *h = srv->rules ? mg_rules_history(srv->rules) : NULL;
    json_t *rule = json_null();
    bool established = false;
    if (h && h->established_published > 0) {
        rule = json_pack("{s:I, s:I}", "published", (json_int_t)h->established_published,
                         "clean_days", (json_int_t)(h->established_clean_ms / 86400000));
        const char *rejected = json_string_value(json_object_get(user, "rejected_at"));
        established = count_of(user, "published") >= (json_int_t)h->established_published &&
                      (!rejected || now - strtoll(rejected, NULL, 10) >= h->established_clean_ms);
    }
    return json_pack("{s:b, s:o, s:o}", "established", established, "rule", rule,
                     "last_rejection_at", time_of(user, "rejected_at"));
}

/* The watch entry {"since", "by", "reason"} of the hash w, or null. */
static json_t *watch_json(const json_t *w)
{
    if (!json_is_object(w))
        return json_null();
    const char *reason = json_string_value(json_object_get(w, "reason"));
    const char *by = json_string_value(json_object_get(w, "by"));
    return json_pack("{s:o, s:s, s:s?}", "since", time_of(w, "at"), "by", by ? by : "",
                     "reason", reason && *reason ? reason : NULL);
}

/* The bans in force on the author: the author_id ban, as GET /v1/bans
 * shows one. */
static json_t *bans_json(const json_t *b)
{
    json_t *list = json_array();
    if (!json_is_object(b))
        return list;
    const char *reason = json_string_value(json_object_get(b, "reason"));
    const char *by = json_string_value(json_object_get(b, "by"));
    const char *value = json_string_value(json_object_get(b, "value"));
    json_array_append_new(list, json_pack("{s:s, s:s, s:s?, s:s, s:o, s:o}", "kind",
                                          "author_id", "value", value ? value : "",
                                          "reason", reason && *reason ? reason : NULL,
                                          "by", by ? by : "", "at", time_of(b, "at"),
                                          "until", time_of(b, "until")));
    return list;
}

/* {"count", "open", "upheld", "dismissed"} from h's counters (count under
 * the name total; the others prefixed): what moderators made of the
 * reports, those not yet decided open. */
static json_t *report_outcomes(const json_t *h, const char *total, const char *prefix)
{
    char upheld[32], dismissed[32];
    snprintf(upheld, sizeof upheld, "%supheld", prefix);
    snprintf(dismissed, sizeof dismissed, "%sdismissed", prefix);
    json_int_t n = count_of(h, total), up = count_of(h, upheld),
               down = count_of(h, dismissed);
    json_int_t open = n - up - down;
    return json_pack("{s:I, s:I, s:I, s:I}", "count", n, "open", open > 0 ? open : 0,
                     "upheld", up, "dismissed", down);
}

/* Reports received (on the author's comments: their index, kept by
 * report_create.lua and the decisions) and filed (by the author as a
 * reader: their reporter record, which also weighs their reports). */
static json_t *reports_json(const json_t *user, const json_t *reporter)
{
    return json_pack("{s:o, s:o}", "received",
                     report_outcomes(user, "reports_received", "reports_"), "filed",
                     report_outcomes(reporter, "filed", ""));
}

/* ---- GET /v1/authors/{author_id} ---- */

static void on_author(int status, const char *text, size_t len, void *data)
{
    struct mg_exchange *x = data;
    if (status != MG_OK) {
        mg_respond_unavailable(x, status);
        return;
    }
    if (!text) {
        mg_respond_error(x, 404, "not_found", "modgate has no comment, watch, ban or report of "
                                              "this author.");
        return;
    }
    json_t *raw = json_loadb(text, len, 0, NULL);
    if (!json_is_object(raw)) {
        json_decref(raw);
        mg_respond_unavailable(x, MG_EPROTO);
        return;
    }
    const json_t *user = json_object_get(raw, "user");
    json_t *comments = json_array();
    size_t i;
    const json_t *c;
    /* an empty Lua table comes as {}: no comments then */
    json_array_foreach(json_object_get(raw, "comments"), i, c) {
        json_t *record = json_loads(json_string_value(c), 0, NULL);
        if (record)
            json_array_append_new(comments, record);
    }
    int64_t now = (int64_t)json_integer_value(json_object_get(raw, "now"));
    json_t *view = json_pack(
        "{s:s, s:o, s:o, s:{s:I, s:I, s:I, s:I, s:I}, s:o, s:o, s:o, s:o, s:o, s:I, s:o}",
        "author_id",
        x->match.params[0], "first_seen", time_of(user, "first"), "last_seen",
        time_of(user, "last"), "counts", "published", count_of(user, "published"),
        "pending", count_of(user, "pending"), "rejected", count_of(user, "rejected"),
        "removed", count_of(user, "removed"), "deleted", count_of(user, "deleted"), "trust",
        trust_json(x->srv, user, now), "watch", watch_json(json_object_get(raw, "watch")),
        "bans", bans_json(json_object_get(raw, "ban")), "reports",
        reports_json(json_object_get(raw, "user"), json_object_get(raw, "reporter")),
        "comments", comments, "total", json_integer_value(json_object_get(raw, "total")),
        "next_cursor",
        mg_next_cursor(json_is_true(json_object_get(raw, "more")),
                       json_string_value(json_object_get(raw, "last"))));
    json_decref(raw);
    mg_respond_json(x, 200, view);
}

void mg_handle_author_get(struct mg_exchange *x)
{
    const char *id;
    if (!author_of(x, &id))
        return;
    struct mg_page_query q;
    if (!mg_page_query(x, MG_CURSOR_COMMENT, &q))
        return;
    int rc = mg_store_author_get(x->srv->store, id, q.has_after ? q.after : NULL, q.limit,
                                 on_author, x);
    if (rc != MG_OK)
        mg_respond_unavailable(x, rc);
}

/* ---- POST and DELETE /v1/authors/{author_id}/watch ---- */

struct watch_ctx {
    struct mg_exchange *x;
    char *reason; /* NULL when none */
};

static void on_watched(int status, bool found, int64_t at_ms, void *data)
{
    struct watch_ctx *ctx = data;
    struct mg_exchange *x = ctx->x;
    if (status != MG_OK) {
        mg_respond_write_failed(x, status);
    } else if (!found) {
        mg_respond_error(x, 404, "not_found", "The author is not on the watch list.");
    } else if (x->match.route->id == MG_ROUTE_AUTHOR_UNWATCH) {
        mg_respond(x, 204, NULL, NULL, 0, NULL, 0);
    } else {
        char since[MG_TIME_LEN];
        mg_time_format(at_ms, since);
        mg_respond_json(x, 200, json_pack("{s:s, s:{s:s, s:s, s:s?}}", "author_id",
                                          x->match.params[0], "watch", "since", since, "by",
                                          x->principal->name, "reason", ctx->reason));
    }
    mg_free(ctx->reason);
    mg_free(ctx);
}

/* The watch request's reason into *reason (NULL for none): the body may be
 * empty, or {"reason": string | null}; false after answering 400. */
static bool parse_watch(struct mg_exchange *x, char **reason)
{
    *reason = NULL;
    if (x->req->body_len == 0)
        return true;
    json_error_t jerr;
    json_t *body = json_loadb(x->req->body, x->req->body_len, JSON_REJECT_DUPLICATES, &jerr);
    static const char bad_body[] = "The body must be empty or a JSON object: "
                                   "{\"reason\": string | null}.";
    if (!body) {
        static const char *const members[] = {"reason"};
        mg_respond_bad_json(x, &jerr, members, 1, bad_body);
        return false;
    }
    if (!json_is_object(body)) {
        json_decref(body);
        mg_respond_invalid(x, NULL, bad_body);
        return false;
    }
    json_t *v = json_object_get(body, "reason");
    const char *text = json_string_value(v);
    if ((v && !json_is_null(v) && !text) || (text && strlen(text) > REASON_MAX_BYTES)) {
        json_decref(body);
        mg_respond_invalid(x, "reason", "reason must be a string of at most 500 bytes.");
        return false;
    }
    if (text && *text) /* an empty reason is no reason */
        *reason = mg_strdup(text);
    json_decref(body);
    return true;
}

static void watch(struct mg_exchange *x, bool on)
{
    const char *id;
    if (!author_of(x, &id))
        return;
    struct watch_ctx *ctx = mg_calloc(1, sizeof *ctx);
    ctx->x = x;
    if (on && !parse_watch(x, &ctx->reason)) {
        mg_free(ctx);
        return;
    }
    int rc = mg_store_author_watch(x->srv->store, id, on, ctx->reason, x->principal->name,
                                   on_watched, ctx);
    if (rc != MG_OK) {
        mg_free(ctx->reason);
        mg_free(ctx);
        mg_respond_unavailable(x, rc);
    }
}

void mg_handle_author_watch(struct mg_exchange *x)
{
    watch(x, true);
}

void mg_handle_author_unwatch(struct mg_exchange *x)
{
    watch(x, false);
}
