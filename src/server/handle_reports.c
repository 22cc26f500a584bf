/* handle_reports.c: readers' reports (docs/api.md "Reader reports"):
 * POST /v1/comments/{id}/reports (sites, for their readers), GET
 * /v1/reported (moderators), the report summary moderators see in a
 * comment's record, and the approval of a published comment that has
 * reports (it dismisses them). The store does the counting, in one script
 * (store_reports.c); this module checks the input and words the answers. */
#include <string.h>

#include "modgate/alloc.h"
#include "modgate/problem.h"
#include "modgate/store.h"
#include "modgate/text.h"
#include "modgate/timefmt.h"
#include "modgate/uuid.h"
#include "server.h"

#define NOTE_MAX_BYTES 500

static const char *const reasons[] = {"spam", "abuse", "off_topic", "other"};

static bool is_reason(const char *s)
{
    for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++)
        if (strcmp(s, reasons[i]) == 0)
            return true;
    return false;
}

/* ---- POST /v1/comments/{id}/reports ------------------------------------- */

/* The body's report, built as the API returns it; NULL after answering 400. */
static json_t *parse_report(struct mg_exchange *x, const char *comment_id)
{
    json_error_t jerr;
    json_t *body = x->req->has_body ? json_loadb(x->req->body, x->req->body_len,
                                                 JSON_REJECT_DUPLICATES, &jerr)
                                    : NULL;
    if (!body) {
        static const char *const members[] = {"reporter_id", "reason", "note"};
        if (x->req->has_body)
            mg_respond_bad_json(x, &jerr, members, 3, "The body must be a JSON object.");
        else
            mg_respond_invalid(x, NULL, "The body must be a JSON object.");
        return NULL;
    }
    const char *field = NULL, *detail = NULL;
    json_t *reporter = json_object_get(body, "reporter_id");
    json_t *reason = json_object_get(body, "reason");
    json_t *note = json_object_get(body, "note");
    if (!json_is_object(body)) {
        detail = "The body must be a JSON object.";
    } else if (!json_is_string(reporter) ||
               strlen(json_string_value(reporter)) != json_string_length(reporter) ||
               !mg_text_is_id(json_string_value(reporter))) {
        field = "reporter_id";
        detail = "reporter_id must be 1 to 128 printable ASCII characters, without spaces.";
    } else if (!json_is_string(reason) || !is_reason(json_string_value(reason))) {
        field = "reason";
        detail = "reason must be one of spam, abuse, off_topic, other.";
    } else if (note && !json_is_null(note) &&
               (!json_is_string(note) || json_string_length(note) > NOTE_MAX_BYTES ||
                strlen(json_string_value(note)) != json_string_length(note))) {
        field = "note";
        detail = "note must be a string of at most 500 bytes, or null.";
    }
    if (detail) {
        json_decref(body);
        mg_respond_invalid(x, field, detail);
        return NULL;
    }
    int64_t now = mg_time_now_ms();
    char id[MG_UUID_LEN], at[MG_TIME_LEN];
    mg_uuid7(now, id);
    mg_time_format(now, at);
    json_t *report = json_pack("{s:s, s:s, s:s, s:s, s:O?, s:s}", "id", id, "comment_id",
                               comment_id, "reporter_id", json_string_value(reporter),
                               "reason", json_string_value(reason), "note",
                               json_is_string(note) && json_string_length(note) ? note
                                                                                : NULL,
                               "created_at", at);
    json_decref(body);
    return report;
}

static void on_reported(int status, const char *json, size_t len, void *data)
{
    struct mg_exchange *x = data;
    if (status != MG_OK) {
        mg_respond_write_failed(x, status);
        return;
    }
    json_t *answer = json_loadb(json, len, 0, NULL);
    const char *outcome = json_string_value(json_object_get(answer, "outcome"));
    json_t *report = json_object_get(answer, "report");
    if (!outcome) {
        mg_respond_unavailable(x, MG_EPROTO);
    } else if (strcmp(outcome, "created") == 0 || strcmp(outcome, "exists") == 0) {
        mg_respond_json(x, outcome[0] == 'c' ? 201 : 200, json_incref(report));
    } else if (strcmp(outcome, "gone") == 0) {
        mg_respond_error(x, 404, "not_found", "No comment has this id.");
    } else if (strcmp(outcome, "own_comment") == 0) {
        mg_respond_error(x, 422, "own_comment", "Readers cannot report their own comments.");
    } else if (strcmp(outcome, "conflict") == 0) {
        json_t *p = mg_problem_new(409, "conflict", "Only published comments can be reported.");
        json_object_set(p, "current_status", json_object_get(answer, "status"));
        mg_respond_problem(x, p, NULL, 0);
    } else {
        json_int_t after = json_integer_value(json_object_get(answer, "retry_after"));
        char retry[24];
        snprintf(retry, sizeof retry, "%lld", (long long)(after > 0 ? after : 1));
        json_t *p = mg_problem_new(429, "rate_limited",
                                   "This reporter has sent too many reports; retry later.");
        json_object_set_new(p, "limit", json_string("reporter"));
        json_object_set_new(p, "retry_after", json_integer(after > 0 ? after : 1));
        struct mg_http_header h = {"Retry-After", retry};
        mg_respond_problem(x, p, &h, 1);
    }
    json_decref(answer);
}

void mg_handle_report_create(struct mg_exchange *x)
{
    const char *id = x->match.params[0];
    json_t *report = parse_report(x, id);
    if (!report)
        return;
    if (!mg_uuid_valid(id)) {
        json_decref(report);
        mg_respond_error(x, 404, "not_found", "No comment has this id.");
        return;
    }
    char *text = json_dumps(report, JSON_COMPACT | JSON_PRESERVE_ORDER);
    const struct mg_store_report r = {
        .comment_id = id,
        .reporter_id = json_string_value(json_object_get(report, "reporter_id")),
        .reason = json_string_value(json_object_get(report, "reason")),
        .report_json = text,
    };
    int rc = mg_store_report(x->srv->store, &r, on_reported, x);
    mg_free(text);
    json_decref(report);
    if (rc != MG_OK)
        mg_respond_unavailable(x, rc);
}

/* ---- GET /v1/reported ------------------------------------------------- */

static void on_reported_page(int status, const char *items, size_t len, size_t total,
                             const char *last_id, void *data)
{
    struct mg_exchange *x = data;
    if (status != MG_OK) {
        mg_respond_unavailable(x, status);
        return;
    }
    json_t *list = json_loadb(items, len, 0, NULL);
    if (!list) {
        mg_respond_unavailable(x, MG_EPROTO);
        return;
    }
    mg_respond_json(x, 200,
                    json_pack("{s:o, s:I, s:o}", "items", list, "total", (json_int_t)total,
                              "next_cursor", mg_next_cursor(last_id != NULL, last_id)));
}

void mg_handle_reported(struct mg_exchange *x)
{
    struct mg_page_query q;
    if (!mg_page_query(x, MG_CURSOR_COMMENT, &q))
        return;
    int rc = mg_store_reported(x->srv->store, q.has_after ? q.after : NULL, q.limit,
                               on_reported_page, x);
    if (rc != MG_OK)
        mg_respond_unavailable(x, rc);
}

/* ---- a record as moderators see it ----------------------------------- */

/* A record with open reports gets "reports": {count, reasons}; one without
 * is answered as it is (the fourteen members every endpoint returns). */

struct record_ctx {
    struct mg_exchange *x;
    json_t *record;
};

static void on_summary(int status, const char *json, size_t len, void *data)
{
    struct record_ctx *ctx = data;
    json_t *summary = status == MG_OK ? json_loadb(json, len, 0, NULL) : NULL;
    if (status == MG_OK && len == 0)
        mg_respond_json(ctx->x, 200, json_incref(ctx->record)); /* no reports */
    else if (!summary)
        mg_respond_unavailable(ctx->x, status != MG_OK ? status : MG_EPROTO);
    else {
        json_object_set_new(ctx->record, "reports", summary);
        mg_respond_json(ctx->x, 200, json_incref(ctx->record));
    }
    json_decref(ctx->record);
    mg_free(ctx);
}

void mg_respond_record_for_moderator(struct mg_exchange *x, const char *json, size_t len)
{
    json_t *record = json_loadb(json, len, JSON_PRESERVE_ORDER, NULL);
    const char *id = json_string_value(json_object_get(record, "id"));
    if (!id) {
        json_decref(record);
        mg_respond_unavailable(x, MG_EPROTO);
        return;
    }
    struct record_ctx *ctx = mg_calloc(1, sizeof *ctx);
    ctx->x = x;
    ctx->record = record;
    int rc = mg_store_report_summary(x->srv->store, id, on_summary, ctx);
    if (rc != MG_OK) {
        json_decref(record);
        mg_free(ctx);
        mg_respond_unavailable(x, rc);
    }
}

/* ---- approving a published comment with reports ---------------------- */

static void on_dismissed(int status, enum mg_store_decide_outcome outcome,
                         const char *current, void *data)
{
    struct mg_exchange *x = data;
    if (status != MG_OK) {
        mg_respond_write_failed(x, status);
    } else if (outcome == MG_DECISION_GONE) {
        mg_respond_error(x, 404, "not_found", "No comment has this id.");
    } else if (outcome == MG_DECISION_CONFLICT) {
        json_t *p = mg_problem_new(409, "conflict",
                                   "The comment's status does not allow this decision "
                                   "(another moderator may have decided it first).");
        json_object_set_new(p, "current_status", json_string(current));
        mg_respond_problem(x, p, NULL, 0);
    } else {
        mg_respond(x, 200, "application/json; charset=utf-8", current, strlen(current),
                   NULL, 0);
    }
}

void mg_reports_dismiss(struct mg_exchange *x, const char *reason)
{
    int rc = mg_store_reports_dismiss(x->srv->store, x->match.params[0],
                                      x->principal->name, reason, mg_time_now_ms(),
                                      on_dismissed, x);
    if (rc != MG_OK)
        mg_respond_unavailable(x, rc);
}
