/* router.c: the route table and path matching. The table is the single
 * place a route is declared: dispatch, auth, 405's Allow and the metrics
 * labels all read it. */
#include "modgate/router.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "modgate/alloc.h"
#include "modgate/text.h"
#include "modgate/tokens.h"

#define ANY_ROLE (MG_ROLE_SITE | MG_ROLE_MODERATOR)

static const struct mg_route routes[MG_ROUTE_COUNT] = {
    {MG_ROUTE_HEALTHZ, "GET", "/healthz", 0},
    {MG_ROUTE_READYZ, "GET", "/readyz", 0},
    {MG_ROUTE_METRICS, "GET", "/metrics", 0},
    {MG_ROUTE_KEYS, "GET", "/v1/keys", 0},
    {MG_ROUTE_SUBMIT, "POST", "/v1/comments", MG_ROLE_SITE},
    {MG_ROUTE_CHECK, "POST", "/v1/check", ANY_ROLE},
    {MG_ROUTE_COMMENT_GET, "GET", "/v1/comments/{id}", ANY_ROLE},
    {MG_ROUTE_ARTICLE_COMMENTS, "GET", "/v1/articles/{article_id}/comments", ANY_ROLE},
    {MG_ROUTE_ARTICLES, "GET", "/v1/articles", MG_ROLE_MODERATOR},
    {MG_ROUTE_QUEUE, "GET", "/v1/queue", MG_ROLE_MODERATOR},
    {MG_ROUTE_REJECTED, "GET", "/v1/rejected", MG_ROLE_MODERATOR},
    {MG_ROUTE_APPROVE, "POST", "/v1/comments/{id}/approve", MG_ROLE_MODERATOR},
    {MG_ROUTE_REJECT, "POST", "/v1/comments/{id}/reject", MG_ROLE_MODERATOR},
    {MG_ROUTE_BAN_CREATE, "POST", "/v1/bans", MG_ROLE_MODERATOR},
    {MG_ROUTE_BAN_LIST, "GET", "/v1/bans", MG_ROLE_MODERATOR},
    {MG_ROUTE_BAN_DELETE, "DELETE", "/v1/bans/{kind}/{value}", MG_ROLE_MODERATOR},
    {MG_ROUTE_AUDIT, "GET", "/v1/audit", MG_ROLE_MODERATOR},
    {MG_ROUTE_STATS, "GET", "/v1/stats", MG_ROLE_MODERATOR},
    {MG_ROUTE_RULES_RELOAD, "POST", "/v1/rules/reload", MG_ROLE_MODERATOR},
    /* article settings (issue 17) */
    {MG_ROUTE_ARTICLE_SETTINGS_GET, "GET", "/v1/articles/{article_id}/settings",
     MG_ROLE_MODERATOR},
    {MG_ROUTE_ARTICLE_SETTINGS_PUT, "PUT", "/v1/articles/{article_id}/settings",
     MG_ROLE_MODERATOR},
    /* readers' reports (handle_reports.c) */
    {MG_ROUTE_REPORT_CREATE, "POST", "/v1/comments/{id}/reports", MG_ROLE_SITE},
    {MG_ROUTE_REPORTED, "GET", "/v1/reported", MG_ROLE_MODERATOR},
    /* authors (issue 17) */
    {MG_ROUTE_AUTHOR_GET, "GET", "/v1/authors/{author_id}", MG_ROLE_MODERATOR},
    {MG_ROUTE_AUTHOR_WATCH, "POST", "/v1/authors/{author_id}/watch", MG_ROLE_MODERATOR},
    {MG_ROUTE_AUTHOR_UNWATCH, "DELETE", "/v1/authors/{author_id}/watch", MG_ROLE_MODERATOR},
    /* the events feed (issue 18, handle_events.c) */
    {MG_ROUTE_EVENTS, "GET", "/v1/events", MG_ROLE_SITE},
    /* deletion and erasure (issue 18; handle_erase.c checks the site's
     * right to erase against privacy.site_may_erase) */
    {MG_ROUTE_COMMENT_DELETE, "DELETE", "/v1/comments/{id}", MG_ROLE_SITE},
    {MG_ROUTE_AUTHOR_ERASE, "DELETE", "/v1/authors/{author_id}", ANY_ROLE},
    /* the author's edits (handle_edits.c) */
    {MG_ROUTE_EDIT, "PATCH", "/v1/comments/{id}", MG_ROLE_SITE},
    {MG_ROUTE_REVISIONS, "GET", "/v1/comments/{id}/revisions", MG_ROLE_MODERATOR},
    /* webhooks (issue 18; handle_webhooks.c) */
    {MG_ROUTE_WEBHOOKS, "GET", "/v1/webhooks", MG_ROLE_MODERATOR},
};

const struct mg_route *mg_routes(void)
{
    return routes;
}

/* Matches one pattern; fills params (raw segments) when it matches. */
static bool pattern_matches(const char *pattern, const char *path,
                            size_t path_len, const char *seg[], size_t seg_len[],
                            size_t *nseg)
{
    const char *p = pattern;
    size_t i = 0;
    *nseg = 0;
    while (*p) {
        if (*p == '{') {
            const char *close = strchr(p, '}');
            size_t start = i;
            while (i < path_len && path[i] != '/')
                i++;
            if (i == start || *nseg == MG_ROUTE_MAX_PARAMS)
                return false; /* an empty segment never matches a param */
            seg[*nseg] = path + start;
            seg_len[*nseg] = i - start;
            (*nseg)++;
            p = close + 1;
        } else {
            if (i >= path_len || path[i] != *p)
                return false;
            i++;
            p++;
        }
    }
    return i == path_len;
}

int mg_router_match(const char *method, const char *path, size_t path_len,
                    struct mg_route_match *m)
{
    memset(m, 0, sizeof *m);
    bool path_known = false;
    size_t allow_len = 0;
    for (size_t r = 0; r < MG_ROUTE_COUNT; r++) {
        const char *seg[MG_ROUTE_MAX_PARAMS];
        size_t seg_len[MG_ROUTE_MAX_PARAMS];
        size_t nseg;
        if (!pattern_matches(routes[r].pattern, path, path_len, seg, seg_len,
                             &nseg))
            continue;
        /* HEAD is served wherever GET is (RFC 9110 9.3.2): the same
         * handler, and the connection sends no body (conn.c) */
        bool is_get = strcmp(routes[r].method, "GET") == 0;
        if (strcmp(routes[r].method, method) != 0 && !(is_get && strcmp(method, "HEAD") == 0)) {
            path_known = true;
            int w = snprintf(m->allow + allow_len, sizeof m->allow - allow_len, "%s%s%s",
                             allow_len ? ", " : "", routes[r].method, is_get ? ", HEAD" : "");
            if (w > 0 && (size_t)w < sizeof m->allow - allow_len)
                allow_len += (size_t)w;
            continue;
        }
        for (size_t k = 0; k < nseg; k++) {
            if (mg_percent_decode(seg[k], seg_len[k], &m->params[k]) != MG_OK) {
                mg_route_match_close(m);
                return MG_ENOENT; /* no resource has an undecodable name */
            }
            m->param_count = k + 1;
        }
        m->route = &routes[r];
        return MG_OK;
    }
    return path_known ? MG_EMETHOD : MG_ENOENT;
}

void mg_route_match_close(struct mg_route_match *m)
{
    for (size_t k = 0; k < MG_ROUTE_MAX_PARAMS; k++) {
        mg_free(m->params[k]);
        m->params[k] = NULL;
    }
    m->param_count = 0;
}
