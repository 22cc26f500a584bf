/* handle_queue.c: GET /v1/queue, the comments held for a moderator, by
 * age or by score, of one article or all, filtered by a rule that fired,
 * an author, or text the normalized body contains (q). Each record carries
 * its meta: moderators see the client's address and agent.
 *
 * Bad parameters are 400 invalid_request, as limit and cursor are: a sort
 * other than age or score, a q over QUERY_MAX_BYTES or of no words. A rule
 * or author no held comment has is an empty page: rules come and go with
 * reloads, and the comments a removed rule held still name it. */
#include <string.h>

#include "modgate/alloc.h"
#include "modgate/normalize.h"
#include "modgate/store.h"
#include "modgate/text.h"
#include "server.h"

#define QUERY_MAX_BYTES 200

/* The queue's query parameters, each NULL when absent. */
struct queue_params {
    char *sort, *article, *rule, *author, *q;
    char *text; /* q normalized */
};

static void params_free(struct queue_params *p)
{
    mg_free(p->sort);
    mg_free(p->article);
    mg_free(p->rule);
    mg_free(p->author);
    mg_free(p->q);
    mg_free(p->text);
}

/* One parameter into *out (NULL when absent, or empty). False after
 * answering 400 for one that cannot be read (a bad percent-escape). */
static bool param(struct mg_exchange *x, const char *name, char **out)
{
    *out = NULL;
    const char *query = x->req->query;
    int rc = query ? mg_http_query_get(query, name, out) : MG_ENOENT;
    if (rc == MG_ENOENT)
        return true;
    if (rc != MG_OK) {
        mg_respond_invalid(x, name, "The parameter is not valid percent-encoded text.");
        return false;
    }
    if (!**out) {
        mg_free(*out);
        *out = NULL;
    }
    return true;
}

/* Reads and checks every parameter; false after answering 400. */
static bool read_params(struct mg_exchange *x, struct queue_params *p)
{
    if (!param(x, "sort", &p->sort) || !param(x, "article_id", &p->article) ||
        !param(x, "rule", &p->rule) || !param(x, "author_id", &p->author) ||
        !param(x, "q", &p->q))
        return false;
    if (p->sort && strcmp(p->sort, "age") != 0 && strcmp(p->sort, "score") != 0) {
        mg_respond_invalid(x, "sort", "sort must be age or score.");
        return false;
    }
    if (p->q) {
        struct mg_norm norm;
        if (strlen(p->q) > QUERY_MAX_BYTES ||
            mg_normalize(p->q, strlen(p->q), &norm) != MG_OK) {
            mg_respond_invalid(x, "q", "q must be UTF-8 text of at most 200 bytes.");
            return false;
        }
        p->text = norm.len ? mg_strdup(norm.text) : NULL;
        mg_norm_close(&norm);
        if (!p->text) {
            mg_respond_invalid(x, "q", "q must hold a word (letters or digits).");
            return false;
        }
    }
    return true;
}

static void on_page(int status, const struct mg_store_page *page, void *data)
{
    struct mg_exchange *x = data;
    if (status != MG_OK)
        mg_respond_unavailable(x, status);
    else
        mg_page_respond(x, "items", page, NULL);
}

void mg_handle_queue(struct mg_exchange *x)
{
    struct queue_params p = {0};
    struct mg_page_query page;
    if (!read_params(x, &p) || !mg_page_query(x, MG_CURSOR_COMMENT, &page)) {
        params_free(&p);
        return;
    }
    /* ids no comment can have been stored under: nothing matches them */
    if ((p.article && !mg_text_is_id(p.article)) ||
        (p.author && !mg_text_is_id(p.author)) || (p.rule && !mg_text_is_id(p.rule))) {
        params_free(&p);
        const struct mg_store_page empty = {0};
        mg_page_respond(x, "items", &empty, NULL);
        return;
    }
    const struct mg_store_queue_query q = {
        .article_id = p.article,
        .after_id = page.has_after ? page.after : NULL,
        .limit = page.limit,
        .by_score = p.sort && strcmp(p.sort, "score") == 0,
        .rule = p.rule,
        .author_id = p.author,
        .text = p.text,
    };
    int rc = mg_store_queue(x->srv->store, &q, on_page, x);
    params_free(&p);
    if (rc != MG_OK)
        mg_respond_unavailable(x, rc);
}
