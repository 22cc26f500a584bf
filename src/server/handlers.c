/* handlers.c: what every request goes through before its handler: routing
 * (404, 405 + Allow), authentication (401, 403), the body's media type (415);
 * and the responses' JSON and problem+json forms. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "modgate/alloc.h"
#include "modgate/jsonfield.h"
#include "modgate/problem.h"
#include "server.h"

typedef void (*handler_fn)(struct mg_exchange *x);

/* Indexed by enum mg_route_id: every route has one (tests/integration/
 * test_openapi.py checks this table against the router's). */
static const handler_fn handlers[MG_ROUTE_COUNT] = {
    [MG_ROUTE_HEALTHZ] = mg_handle_healthz,
    [MG_ROUTE_READYZ] = mg_handle_readyz,
    [MG_ROUTE_METRICS] = mg_handle_metrics,
    [MG_ROUTE_KEYS] = mg_handle_keys,
    [MG_ROUTE_SUBMIT] = mg_handle_submit,
    [MG_ROUTE_CHECK] = mg_handle_check,
    [MG_ROUTE_RULES_RELOAD] = mg_handle_rules_reload,
    [MG_ROUTE_COMMENT_GET] = mg_handle_comment_get,
    [MG_ROUTE_ARTICLE_COMMENTS] = mg_handle_article_comments,
    [MG_ROUTE_BAN_CREATE] = mg_handle_ban_create,
    [MG_ROUTE_BAN_LIST] = mg_handle_ban_list,
    [MG_ROUTE_BAN_DELETE] = mg_handle_ban_delete,
    [MG_ROUTE_QUEUE] = mg_handle_queue,
    [MG_ROUTE_ARTICLES] = mg_handle_articles,
    [MG_ROUTE_REJECTED] = mg_handle_rejected,
    [MG_ROUTE_APPROVE] = mg_handle_approve,
    [MG_ROUTE_REJECT] = mg_handle_reject,
    [MG_ROUTE_AUDIT] = mg_handle_audit,
    [MG_ROUTE_STATS] = mg_handle_stats,
    /* article settings (issue 17) */
    [MG_ROUTE_ARTICLE_SETTINGS_GET] = mg_handle_article_settings_get,
    [MG_ROUTE_ARTICLE_SETTINGS_PUT] = mg_handle_article_settings_put,
    /* readers' reports */
    [MG_ROUTE_REPORT_CREATE] = mg_handle_report_create,
    [MG_ROUTE_REPORTED] = mg_handle_reported,
    [MG_ROUTE_AUTHOR_GET] = mg_handle_author_get,
    [MG_ROUTE_AUTHOR_WATCH] = mg_handle_author_watch,
    [MG_ROUTE_AUTHOR_UNWATCH] = mg_handle_author_unwatch,
    [MG_ROUTE_EVENTS] = mg_handle_events,
    [MG_ROUTE_COMMENT_DELETE] = mg_handle_comment_delete,
    [MG_ROUTE_AUTHOR_ERASE] = mg_handle_author_erase,
    [MG_ROUTE_EDIT] = mg_handle_edit,
    [MG_ROUTE_REVISIONS] = mg_handle_revisions,
    [MG_ROUTE_WEBHOOKS] = mg_handle_webhooks,
};

void mg_respond_json(struct mg_exchange *x, int status, json_t *body)
{
    char *text = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(body);
    mg_respond(x, status, "application/json; charset=utf-8", text,
               text ? strlen(text) : 0, NULL, 0);
    mg_free(text);
}

void mg_respond_problem(struct mg_exchange *x, json_t *problem,
                        const struct mg_http_header *extra, size_t extra_count)
{
    int status = (int)json_integer_value(json_object_get(problem, "status"));
    char *text = json_dumps(problem, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(problem);
    mg_respond(x, status, "application/problem+json; charset=utf-8", text,
               text ? strlen(text) : 0, extra, extra_count);
    mg_free(text);
}

void mg_respond_error(struct mg_exchange *x, int status, const char *code,
                      const char *detail)
{
    mg_respond_problem(x, mg_problem_new(status, code, detail), NULL, 0);
}

void mg_respond_conflict(struct mg_exchange *x, const char *current, const char *detail)
{
    json_t *p = mg_problem_new(409, "conflict", detail);
    json_object_set_new(p, "current_status", json_string(current));
    mg_respond_problem(x, p, NULL, 0);
}

void mg_respond_invalid(struct mg_exchange *x, const char *field,
                        const char *detail)
{
    json_t *p = mg_problem_new(400, "invalid_request", detail);
    if (field)
        json_object_set_new(p, "field", json_string(field));
    mg_respond_problem(x, p, NULL, 0);
}

void mg_respond_bad_json(struct mg_exchange *x, const json_error_t *jerr,
                         const char *const *members, size_t n, const char *detail)
{
    const char *member =
        mg_json_bad_text_member(x->req->body, x->req->body_len, jerr, members, n);
    if (member) {
        char text[96];
        snprintf(text, sizeof text, MG_JSON_BAD_TEXT_DETAIL, member);
        mg_respond_invalid(x, member, text);
        return;
    }
    mg_respond_invalid(x, NULL, detail);
}

void mg_respond_unavailable(struct mg_exchange *x, int status)
{
    /* The client may retry, with the same Idempotency-Key, after a second. */
    json_t *p = mg_problem_new(503, "unavailable",
                               status == MG_ETIMEDOUT
                                   ? "Redis did not answer in time; retry later."
                                   : "Redis is not available; retry later.");
    struct mg_http_header retry = {"Retry-After", "1"};
    mg_respond_problem(x, p, &retry, 1);
}

void mg_respond_outcome_unknown(struct mg_exchange *x, int status, const char *then)
{
    /* The contract's "nothing stored" belongs to code unavailable only:
     * here the write reached Redis, or may have. */
    const char *why = status == MG_ENOACK      ? "Too few Redis replicas confirmed the write"
                      : status == MG_ETIMEDOUT ? "Redis did not answer in time"
                                               : "Redis' answer was lost";
    char detail[256];
    snprintf(detail, sizeof detail, "%s, so %s", why, then);
    struct mg_http_header retry = {"Retry-After", "1"};
    mg_respond_problem(x, mg_problem_new(503, "outcome_unknown", detail), &retry, 1);
}

void mg_respond_write_failed(struct mg_exchange *x, int status)
{
    if (status == MG_EUNAVAIL)
        mg_respond_unavailable(x, status);
    else
        mg_respond_outcome_unknown(x, status,
                                   "it may have taken effect: look before repeating it.");
}

void mg_respond_no_key(struct mg_exchange *x)
{
    /* Only an operator can fix this; other instances behind the load
     * balancer may have their key, so a later retry can still work. */
    struct mg_http_header retry = {"Retry-After", "60"};
    mg_respond_problem(x,
                       mg_problem_new(503, "unavailable",
                                      "This instance has no signing key "
                                      "configured, so it cannot publish "
                                      "comments."),
                       &retry, 1);
}

/* "Bearer <token>" (the scheme is case-insensitive, RFC 9110 11.1). */
static const struct mg_principal *authenticate(const struct mg_exchange *x)
{
    const char *auth = mg_http_header_get(x->req, "authorization");
    if (!auth || !x->srv->tokens || strncasecmp(auth, "Bearer ", 7) != 0)
        return NULL;
    const char *token = auth + 7;
    while (*token == ' ')
        token++;
    size_t len = strlen(token);
    while (len && token[len - 1] == ' ')
        len--;
    if (len == 0)
        return NULL;
    return mg_tokens_lookup(x->srv->tokens, token, len);
}

/* application/json, with at most a charset parameter that says UTF-8. */
static bool is_json_media_type(const char *ct)
{
    if (!ct)
        return false;
    while (*ct == ' ')
        ct++;
    static const char type[] = "application/json";
    if (strncasecmp(ct, type, sizeof type - 1) != 0)
        return false;
    const char *rest = ct + sizeof type - 1;
    while (*rest == ' ')
        rest++;
    if (*rest == '\0')
        return true;
    if (*rest != ';')
        return false;
    rest++;
    while (*rest == ' ')
        rest++;
    if (strncasecmp(rest, "charset=", 8) != 0)
        return false;
    rest += 8;
    if (strncasecmp(rest, "\"utf-8\"", 7) == 0)
        rest += 7;
    else if (strncasecmp(rest, "utf-8", 5) == 0)
        rest += 5;
    else
        return false;
    while (*rest == ' ')
        rest++;
    return *rest == '\0';
}

void mg__dispatch(struct mg_exchange *x)
{
    const struct mg_http_request *req = x->req;
    int rc = mg_router_match(req->method, req->path, strlen(req->path), &x->match);
    if (rc == MG_ENOENT) {
        mg_respond_error(x, 404, "not_found", "No resource has this path.");
        return;
    }
    if (rc == MG_EMETHOD) {
        struct mg_http_header allow = {"Allow", x->match.allow};
        mg_respond_problem(x,
                           mg_problem_new(405, "method_not_allowed",
                                          "This path does not accept this method; "
                                          "the Allow header lists those it does."),
                           &allow, 1);
        return;
    }
    const struct mg_route *route = x->match.route;
    if (route->roles) {
        const struct mg_principal *who = authenticate(x);
        if (who) {
            /* a copy: a reload may free the token set before the answer */
            size_t len = strnlen(who->name, sizeof x->principal_name - 1);
            memcpy(x->principal_name, who->name, len); /* not snprintf: per request */
            x->principal_name[len] = '\0';
            x->principal_copy = (struct mg_principal){who->role, x->principal_name};
            x->principal = &x->principal_copy;
        }
        if (!x->principal) {
            struct mg_http_header www = {"WWW-Authenticate", "Bearer"};
            mg_respond_problem(x,
                               mg_problem_new(401, "unauthorized",
                                              "A valid bearer token is required."),
                               &www, 1);
            return;
        }
        if (!(x->principal->role & route->roles)) {
            mg_respond_error(x, 403, "forbidden",
                             "This token's role may not use this endpoint.");
            return;
        }
    }
    if (req->has_body && !is_json_media_type(mg_http_header_get(req, "content-type"))) {
        mg_respond_error(x, 415, "unsupported_media_type",
                         "Request bodies must be application/json (UTF-8).");
        return;
    }
    handlers[route->id](x);
}
