/* paging.c: the pages of lists (an article's comments, the queue, the
 * rejected comments, the audit log): the `limit` and `cursor` query
 * parameters, and the page's JSON. */
#include <string.h>

#include "modgate/alloc.h"
#include "modgate/buf.h"
#include "modgate/crypto.h"
#include "modgate/store.h"
#include "modgate/text.h"
#include "modgate/uuid.h"
#include "server.h"

#define PAGE_MAX 200

/* Cursors are the last item's id in unpadded base64url: opaque to clients,
 * so the encoding can change without breaking them. */
void mg_cursor_encode(const char *id, char *out, size_t size)
{
    char b64[200];
    mg_crypto_base64_encode(id, strlen(id), b64, sizeof b64);
    size_t n = 0;
    for (const char *c = b64; *c && *c != '=' && n + 1 < size; c++)
        out[n++] = *c == '+' ? '-' : *c == '/' ? '_' : *c;
    out[n] = '\0';
}

json_t *mg_next_cursor(bool more, const char *last_id)
{
    if (!more || !last_id)
        return json_null();
    char cursor[256];
    mg_cursor_encode(last_id, cursor, sizeof cursor);
    return json_string(cursor);
}

/* The id a cursor encodes, NUL-terminated in out; false when it is not
 * base64url of at most size - 1 bytes. */
static bool cursor_decode(const char *cursor, char *out, size_t size)
{
    size_t n = strlen(cursor);
    if (n == 0 || n > 196 || n % 4 == 1)
        return false;
    char b64[200];
    for (size_t i = 0; i < n; i++) {
        char c = cursor[i];
        if (c == '+' || c == '/' || c == '=')
            return false;
        b64[i] = c == '-' ? '+' : c == '_' ? '/' : c;
    }
    while (n % 4)
        b64[n++] = '=';
    b64[n] = '\0';
    size_t len = n / 4 * 3 - (b64[n - 1] == '=') - (b64[n - 2] == '=');
    if (len >= size || mg_crypto_base64_decode(b64, n, out, len) != MG_OK)
        return false;
    out[len] = '\0';
    return strlen(out) == len;
}

/* A stream id: digits, '-', digits. */
static bool is_stream_id(const char *s)
{
    size_t i = 0, digits = 0;
    for (; s[i] >= '0' && s[i] <= '9'; i++)
        digits++;
    if (digits == 0 || digits > 20 || s[i] != '-')
        return false;
    const char *seq = s + i + 1;
    size_t k = 0;
    for (; seq[k] >= '0' && seq[k] <= '9'; k++)
        ;
    return k > 0 && k <= 20 && seq[k] == '\0';
}

bool mg_page_query(struct mg_exchange *x, enum mg_cursor_kind kind,
                   struct mg_page_query *q)
{
    const char *query = x->req->query;
    memset(q, 0, sizeof *q);
    q->limit = 50;
    char *text = NULL;
    int rc = query ? mg_http_query_get(query, "limit", &text) : MG_ENOENT;
    if (rc == MG_OK) {
        char *end = NULL;
        long v = strtol(text, &end, 10);
        bool ok = text[0] >= '0' && text[0] <= '9' && *end == '\0' && v >= 1 &&
                  v <= PAGE_MAX;
        mg_free(text);
        if (!ok) {
            mg_respond_invalid(x, "limit", "limit must be an integer from 1 to 200.");
            return false;
        }
        q->limit = (size_t)v;
    } else if (rc != MG_ENOENT) {
        mg_respond_invalid(x, "limit", "limit must be an integer from 1 to 200.");
        return false;
    }
    rc = query ? mg_http_query_get(query, "cursor", &text) : MG_ENOENT;
    if (rc == MG_OK && text[0] == '\0') {
        /* "cursor=" is the first page: what a client sends that builds its
         * URLs as "cursor=" + (next_cursor or "") */
        mg_free(text);
    } else if (rc == MG_OK) {
        bool ok = cursor_decode(text, q->after, sizeof q->after);
        if (ok && kind == MG_CURSOR_COMMENT)
            ok = mg_uuid_valid(q->after);
        else if (ok && kind == MG_CURSOR_AUDIT)
            ok = is_stream_id(q->after);
        else if (ok)
            ok = mg_text_is_id(q->after);
        mg_free(text);
        if (!ok) {
            mg_respond_invalid(x, "cursor", "cursor is not one this server gave out.");
            return false;
        }
        q->has_after = true;
    } else if (rc != MG_ENOENT) {
        mg_respond_invalid(x, "cursor", "cursor is not one this server gave out.");
        return false;
    }
    return true;
}

void mg_page_respond(struct mg_exchange *x, const char *list_name,
                     const struct mg_store_page *page, const char *extra)
{
    /* The records are stored as the JSON the API returns: splice them in
     * as they are rather than parse and print them again. */
    struct mg_buf b;
    mg_buf_init(&b, (size_t)-1);
    mg_buf_adds(&b, "{\"");
    mg_buf_adds(&b, list_name);
    mg_buf_adds(&b, "\":[");
    for (size_t i = 0; i < page->count; i++) {
        if (i)
            mg_buf_adds(&b, ",");
        mg_buf_add(&b, page->records[i], page->record_lens[i]);
    }
    char tail[192];
    if (page->more && (page->next_id || page->count > 0)) {
        char cursor[128];
        mg_cursor_encode(page->next_id ? page->next_id : page->ids[page->count - 1],
                         cursor, sizeof cursor);
        snprintf(tail, sizeof tail, "],\"total\":%zu,\"next_cursor\":\"%s\"",
                 page->total, cursor);
    } else {
        snprintf(tail, sizeof tail, "],\"total\":%zu,\"next_cursor\":null",
                 page->total);
    }
    mg_buf_adds(&b, tail);
    if (extra && *extra) {
        mg_buf_adds(&b, ",");
        mg_buf_adds(&b, extra);
    }
    mg_buf_adds(&b, "}");
    size_t len;
    char *body = mg_buf_take(&b, &len);
    mg_respond(x, 200, "application/json; charset=utf-8", body, len, NULL, 0);
    mg_free(body);
}

/* An article's comments are "comments"; the moderators' lists "items". */
static const char *list_name(const struct mg_exchange *x)
{
    return x->match.route->id == MG_ROUTE_ARTICLE_COMMENTS ? "comments" : "items";
}

/* A list on its way: what the page's JSON gets besides the list. */
struct list_ctx {
    struct mg_exchange *x;
    char *extra;
};

static void on_listed(int status, const struct mg_store_page *page, void *data)
{
    struct list_ctx *ctx = data;
    struct mg_exchange *x = ctx->x;
    if (status != MG_OK)
        mg_respond_unavailable(x, status);
    else
        mg_page_respond(x, list_name(x), page, ctx->extra);
    mg_free(ctx->extra);
    mg_free(ctx);
}

void mg_page_list(struct mg_exchange *x, enum mg_store_index index,
                  const char *article_id, const char *extra)
{
    struct mg_page_query q;
    if (!mg_page_query(x, MG_CURSOR_COMMENT, &q))
        return;
    if (article_id && !mg_text_is_id(article_id)) {
        /* no comment can have been stored under it */
        const struct mg_store_page empty = {0};
        mg_page_respond(x, list_name(x), &empty, extra);
        return;
    }
    struct list_ctx *ctx = mg_calloc(1, sizeof *ctx);
    ctx->x = x;
    ctx->extra = extra ? mg_strdup(extra) : NULL;
    int rc = mg_store_list(x->srv->store, index, article_id,
                           q.has_after ? q.after : NULL, q.limit, on_listed, ctx);
    if (rc != MG_OK) {
        mg_free(ctx->extra);
        mg_free(ctx);
        mg_respond_unavailable(x, rc);
    }
}
