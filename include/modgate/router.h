/* router.h: the table of every route in docs/api.md: method, path pattern, the
 * roles allowed, and matching of a request path against it. Pure: no I/O. */
#ifndef MODGATE_ROUTER_H
#define MODGATE_ROUTER_H

#include <stddef.h>

#include "modgate/error.h"

enum mg_route_id {
    MG_ROUTE_HEALTHZ,
    MG_ROUTE_READYZ,
    MG_ROUTE_METRICS,
    MG_ROUTE_KEYS,
    MG_ROUTE_SUBMIT,
    MG_ROUTE_CHECK,
    MG_ROUTE_COMMENT_GET,
    MG_ROUTE_ARTICLE_COMMENTS,
    MG_ROUTE_ARTICLES,
    MG_ROUTE_QUEUE,
    MG_ROUTE_REJECTED,
    MG_ROUTE_APPROVE,
    MG_ROUTE_REJECT,
    MG_ROUTE_BAN_CREATE,
    MG_ROUTE_BAN_LIST,
    MG_ROUTE_BAN_DELETE,
    MG_ROUTE_AUDIT,
    MG_ROUTE_STATS,
    MG_ROUTE_RULES_RELOAD,
    /* article settings (issue 17) */
    MG_ROUTE_ARTICLE_SETTINGS_GET,
    MG_ROUTE_ARTICLE_SETTINGS_PUT,
    /* readers' reports */
    MG_ROUTE_REPORT_CREATE,
    MG_ROUTE_REPORTED,
    /* authors (issue 17) */
    MG_ROUTE_AUTHOR_GET,
    MG_ROUTE_AUTHOR_WATCH,
    MG_ROUTE_AUTHOR_UNWATCH,
    /* the events feed (issue 18) */
    MG_ROUTE_EVENTS,
    /* deletion and erasure (issue 18) */
    MG_ROUTE_COMMENT_DELETE,
    MG_ROUTE_AUTHOR_ERASE,
    /* the author's edits */
    MG_ROUTE_EDIT,
    MG_ROUTE_REVISIONS,
    /* webhooks (issue 18) */
    MG_ROUTE_WEBHOOKS,
    MG_ROUTE_COUNT
};

#define MG_ROUTE_MAX_PARAMS 2

struct mg_route {
    enum mg_route_id id;
    const char *method;  /* "GET", "POST", "PUT", "DELETE" */
    const char *pattern; /* "/v1/comments/{id}": also the metrics label */
    unsigned roles;      /* mask of enum mg_role; 0 = no authentication */
};

struct mg_route_match {
    const struct mg_route *route;
    /* Percent-decoded {param} values in pattern order; owned by the match,
     * freed by mg_route_match_close. */
    char *params[MG_ROUTE_MAX_PARAMS];
    size_t param_count;
    /* On MG_EMETHOD: the methods the path allows, "GET, POST". */
    char allow[64];
};

/* The route table, MG_ROUTE_COUNT rows indexed by id. Static. */
const struct mg_route *mg_routes(void);

/* Matches method and the path part of a request target (no query).
 * 0: m->route set. MG_ENOENT: no route has this path (404). MG_EMETHOD: the
 * path exists for other methods, listed in m->allow (405). Always pair with
 * mg_route_match_close. */
int mg_router_match(const char *method, const char *path, size_t path_len,
                    struct mg_route_match *m) MG_MUST_CHECK;

void mg_route_match_close(struct mg_route_match *m);

#endif
