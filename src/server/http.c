/* http.c: the http-parser wrapper: bytes to requests with limits enforced,
 * responses to bytes. */
#include "modgate/http.h"

#include <ctype.h>
#include <limits.h>
#include <http_parser.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "modgate/alloc.h"
#include "modgate/buf.h"
#include "modgate/decimal.h"
#include "modgate/problem.h"
#include "modgate/text.h"

/* A request with more headers than this is refused with 431 whatever their
 * size: nothing modgate serves needs more than a handful. */
#define MAX_HEADERS 100

/* Bytes of framing per header line (": " and CRLF), of the request line
 * (spaces, "HTTP/1.1", CRLF; its method is counted when the URL starts) and
 * of the blank line that ends the head, counted toward the header limit
 * along with the text the callbacks see: a well-formed head is counted to
 * the byte, as docs/api.md's limit on "request line and headers" means. */
#define HEADER_LINE_OVERHEAD  4
#define REQUEST_LINE_OVERHEAD 12
#define HEAD_END_OVERHEAD     2

struct mg_http_parser {
    http_parser hp;
    struct mg_http_limits limits;

    struct mg_http_request *req; /* under construction, NULL between requests */
    struct mg_buf url;
    struct mg_buf field;
    struct mg_buf value;
    bool in_value;
    struct mg_buf body;

    char parse_error[128];  /* the detail of a 400 from http-parser */
    size_t header_bytes;    /* counted by callbacks */
    size_t raw_header_bytes; /* fed while headers were incomplete */
    bool headers_done;
    bool message_done;
    bool expect_continue;
    bool continue_reported;
    struct mg_http_failure failure; /* status 0 while none */
};

static const http_parser_settings settings;

const char *mg_http_header_get(const struct mg_http_request *req,
                               const char *lname)
{
    for (size_t i = 0; i < req->header_count; i++)
        if (strcmp(req->headers[i].name, lname) == 0)
            return req->headers[i].value;
    return NULL;
}

void mg_http_request_free(struct mg_http_request *req)
{
    if (!req)
        return;
    for (size_t i = 0; i < req->header_count; i++)
        mg_free(req->headers[i].name); /* its value too (commit_header) */
    mg_free(req->headers);
    mg_free(req->target);
    mg_free(req->path); /* the query too (split_target) */
    mg_free(req->body);
    mg_free(req);
}

static int fail(struct mg_http_parser *p, int status, const char *code,
                const char *detail)
{
    if (!p->failure.status) {
        p->failure.status = status;
        p->failure.code = code;
        p->failure.detail = detail;
    }
    return -1; /* stops http-parser with a callback error */
}

static int fail_headers(struct mg_http_parser *p)
{
    return fail(p, 431, "headers_too_large",
                "The request line and headers exceed the server's limit.");
}

static int count_header_bytes(struct mg_http_parser *p, size_t n)
{
    p->header_bytes += n;
    if (p->header_bytes > p->limits.header_max)
        return fail_headers(p);
    return 0;
}

static int on_message_begin(http_parser *hp)
{
    struct mg_http_parser *p = hp->data;
    p->req = mg_calloc(1, sizeof *p->req);
    mg_buf_reset(&p->url);
    mg_buf_reset(&p->field);
    mg_buf_reset(&p->value);
    mg_buf_reset(&p->body);
    p->in_value = false;
    p->header_bytes = REQUEST_LINE_OVERHEAD + HEAD_END_OVERHEAD;
    p->headers_done = false;
    p->message_done = false;
    p->expect_continue = false;
    p->continue_reported = false;
    return 0;
}

static int on_url(http_parser *hp, const char *at, size_t n)
{
    struct mg_http_parser *p = hp->data;
    size_t method = p->url.len == 0 ? strlen(http_method_str(hp->method)) : 0;
    if (count_header_bytes(p, method + n) || mg_buf_append(&p->url, at, n))
        return fail_headers(p);
    return 0;
}

/* RFC 9110 5.1 and 5.5: a field name is a token; a value has no control
 * characters but tab. Debian builds http-parser without its strict mode, so
 * it lets both through; a proxy and modgate reading a header differently is
 * how requests get smuggled, so refuse. */
static bool valid_field(const struct mg_buf *name, const struct mg_buf *value)
{
    static const char tchar_extra[] = "!#$%&'*+-.^_`|~";
    if (name->len == 0)
        return false;
    for (size_t i = 0; i < name->len; i++) {
        unsigned char ch = (unsigned char)name->data[i];
        if (!isalnum(ch) && !(ch && strchr(tchar_extra, ch)))
            return false;
    }
    for (size_t i = 0; i < value->len; i++) {
        unsigned char ch = (unsigned char)value->data[i];
        if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
            return false;
    }
    return true;
}

static int commit_header(struct mg_http_parser *p)
{
    struct mg_http_request *r = p->req;
    if (!valid_field(&p->field, &p->value))
        return fail(p, 400, "bad_request", "A header field is malformed.");
    if (r->header_count == MAX_HEADERS)
        return fail_headers(p);
    if (r->header_count % 8 == 0)
        r->headers = mg_realloc(r->headers,
                                (r->header_count + 8) * sizeof *r->headers);
    struct mg_http_field *h = &r->headers[r->header_count++];
    /* The name (lowercased) and the value in one allocation, the value
     * after the name's NUL: one malloc a header line, and the field and
     * value buffers keep their memory for the next line. */
    size_t nlen = p->field.len, vlen = p->value.len;
    h->name = mg_malloc(nlen + 1 + vlen + 1);
    for (size_t i = 0; i < nlen; i++)
        h->name[i] = (char)tolower((unsigned char)p->field.data[i]);
    h->name[nlen] = '\0';
    h->value = h->name + nlen + 1;
    if (vlen) /* data is NULL while nothing was added */
        memcpy(h->value, p->value.data, vlen);
    h->value[vlen] = '\0';
    mg_buf_reset(&p->field);
    mg_buf_reset(&p->value);
    p->in_value = false;
    return 0;
}

static int on_header_field(http_parser *hp, const char *at, size_t n)
{
    struct mg_http_parser *p = hp->data;
    if (p->in_value && commit_header(p))
        return -1;
    if (p->field.len == 0 && count_header_bytes(p, HEADER_LINE_OVERHEAD))
        return -1;
    if (count_header_bytes(p, n) || mg_buf_append(&p->field, at, n))
        return fail_headers(p);
    return 0;
}

static int on_header_value(http_parser *hp, const char *at, size_t n)
{
    struct mg_http_parser *p = hp->data;
    p->in_value = true;
    if (count_header_bytes(p, n) || mg_buf_append(&p->value, at, n))
        return fail_headers(p);
    return 0;
}

static void split_target(struct mg_http_request *r)
{
    const char *t = r->target;
    /* absolute-form (RFC 9112 3.2.2): keep only the path and query */
    if (strncasecmp(t, "http://", 7) == 0 || strncasecmp(t, "https://", 8) == 0) {
        const char *slash = strchr(strstr(t, "//") + 2, '/');
        t = slash ? slash : "/";
    }
    /* path and query in one allocation, the query after the path's NUL */
    const char *q = strchr(t, '?');
    size_t len = strlen(t);
    r->path = mg_malloc(len + 1);
    memcpy(r->path, t, len + 1);
    if (q) {
        size_t plen = (size_t)(q - t);
        r->path[plen] = '\0';
        r->query = r->path + plen + 1; /* the rest, its NUL included */
    }
}

static int on_headers_complete(http_parser *hp)
{
    struct mg_http_parser *p = hp->data;
    struct mg_http_request *r = p->req;
    if (p->in_value || p->field.len) {
        if (commit_header(p))
            return -1;
    }
    p->headers_done = true;
    r->method = http_method_str((enum http_method)hp->method);
    r->http_major = hp->http_major;
    r->http_minor = hp->http_minor;
    if (hp->http_major != 1)
        return fail(p, 505, "http_version_not_supported",
                    "Only HTTP/1.0 and HTTP/1.1 are served.");
    /* RFC 9112 3.2: an HTTP/1.1 request has exactly one Host line. */
    size_t hosts = 0;
    for (size_t i = 0; i < r->header_count; i++)
        hosts += strcmp(r->headers[i].name, "host") == 0;
    if (hosts > 1 || (hosts == 0 && hp->http_minor >= 1))
        return fail(p, 400, "bad_request",
                    "An HTTP/1.1 request needs exactly one Host header.");
    r->keep_alive = http_should_keep_alive(hp) != 0;
    r->target = mg_buf_take(&p->url, NULL);
    split_target(r);

    /* http-parser only checks that chunked comes last; any other coding
     * (gzip, chunked) would hand us a body still encoded (RFC 9112 6.1). */
    const char *te = mg_http_header_get(r, "transfer-encoding");
    if (te && strcasecmp(te, "chunked") != 0)
        return fail(p, 501, "unsupported_transfer_coding",
                    "Only the chunked transfer coding is supported.");
    bool chunked = (hp->flags & F_CHUNKED) != 0;
    /* http-parser sets content_length to ULLONG_MAX when none was sent */
    bool has_length = hp->content_length != ULLONG_MAX && !chunked;
    if (has_length && hp->content_length > p->limits.body_max)
        return fail(p, 413, "body_too_large",
                    "The request body exceeds the server's limit.");
    r->has_body = chunked || (has_length && hp->content_length > 0);

    const char *expect = mg_http_header_get(r, "expect");
    if (expect) {
        if (strcasecmp(expect, "100-continue") != 0)
            return fail(p, 400, "bad_request",
                        "Only the Expect value 100-continue is understood.");
        p->expect_continue = r->has_body && r->http_minor >= 1;
    }
    return 0;
}

static int on_body(http_parser *hp, const char *at, size_t n)
{
    struct mg_http_parser *p = hp->data;
    if (mg_buf_append(&p->body, at, n))
        return fail(p, 413, "body_too_large",
                    "The request body exceeds the server's limit.");
    return 0;
}

static int on_message_complete(http_parser *hp)
{
    struct mg_http_parser *p = hp->data;
    p->req->body = mg_buf_take(&p->body, &p->req->body_len);
    p->message_done = true;
    /* Stop here: the bytes after this request wait until it is answered. */
    http_parser_pause(hp, 1);
    return 0;
}

static const http_parser_settings settings = {
    .on_message_begin = on_message_begin,
    .on_url = on_url,
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};

struct mg_http_parser *mg_http_parser_new(const struct mg_http_limits *limits)
{
    struct mg_http_parser *p = mg_calloc(1, sizeof *p);
    p->limits = *limits;
    http_parser_init(&p->hp, HTTP_REQUEST);
    p->hp.data = p;
    mg_buf_init(&p->url, limits->header_max);
    mg_buf_init(&p->field, limits->header_max);
    mg_buf_init(&p->value, limits->header_max);
    mg_buf_init(&p->body, limits->body_max);
    return p;
}

void mg_http_parser_free(struct mg_http_parser *p)
{
    if (!p)
        return;
    mg_http_request_free(p->req);
    mg_buf_close(&p->url);
    mg_buf_close(&p->field);
    mg_buf_close(&p->value);
    mg_buf_close(&p->body);
    mg_free(p);
}

enum mg_http_result mg_http_parser_feed(struct mg_http_parser *p,
                                        const char *data, size_t len,
                                        size_t *consumed)
{
    *consumed = 0;
    if (p->failure.status)
        return MG_HTTP_FAIL;
    if (p->message_done)
        return MG_HTTP_DONE; /* not taken yet */
    if (len == 0)
        return MG_HTTP_MORE;

    size_t n = http_parser_execute(&p->hp, &settings, data, len);
    enum http_errno e = HTTP_PARSER_ERRNO(&p->hp);
    *consumed = n;
    if (p->failure.status)
        return MG_HTTP_FAIL;
    if (e == HPE_PAUSED) {
        http_parser_pause(&p->hp, 0);
        return MG_HTTP_DONE;
    }
    if (e == HPE_HEADER_OVERFLOW) {
        fail_headers(p);
        return MG_HTTP_FAIL;
    }
    if (e != HPE_OK) {
        /* http-parser's description is a fragment ("invalid HTTP
         * method"): the detail is a sentence (docs/api.md) */
        snprintf(p->parse_error, sizeof p->parse_error,
                 "The request is not valid HTTP/1.1: %s.", http_errno_description(e));
        fail(p, 400, "bad_request", p->parse_error);
        return MG_HTTP_FAIL;
    }
    if (p->message_done)
        return MG_HTTP_DONE; /* upgrade requests stop without pausing */
    if (!p->headers_done && p->req) {
        /* a backstop for bytes no callback saw (folded whitespace...) */
        p->raw_header_bytes += n;
        if (p->raw_header_bytes > p->limits.header_max + REQUEST_LINE_OVERHEAD) {
            fail_headers(p);
            return MG_HTTP_FAIL;
        }
    }
    if (p->headers_done && p->expect_continue && !p->continue_reported) {
        p->continue_reported = true;
        return MG_HTTP_CONTINUE;
    }
    return MG_HTTP_MORE;
}

struct mg_http_request *mg_http_parser_take(struct mg_http_parser *p)
{
    struct mg_http_request *r = p->message_done ? p->req : NULL;
    if (r) {
        p->req = NULL;
        p->message_done = false;
        p->headers_done = false;
        p->raw_header_bytes = 0;
        if (p->hp.upgrade) /* an upgrade is never granted: parse afresh */
            http_parser_init(&p->hp, HTTP_REQUEST);
    }
    return r;
}

const struct mg_http_failure *mg_http_parser_failure(const struct mg_http_parser *p)
{
    return &p->failure;
}

bool mg_http_parser_in_request(const struct mg_http_parser *p)
{
    return p->req != NULL && !p->message_done;
}

/* The Date header's text (RFC 9110 IMF-fixdate), made once a second per
 * thread rather than for every response. */
static const char *http_date(void)
{
    static _Thread_local time_t made = (time_t)-1;
    static _Thread_local char date[64];
    time_t now = time(NULL);
    if (now != made) {
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
        made = now;
    }
    return date;
}

/* v in decimal, without printf (decimal.h). */
static void put_decimal(struct mg_buf *b, size_t v)
{
    char text[MG_DEC_LEN];
    mg_buf_add(b, text, mg_dec_u64(v, text));
}

char *mg_http_response_serialize(int status, const struct mg_http_header *headers,
                                 size_t header_count, const char *body,
                                 size_t body_len, bool keep_alive,
                                 bool client_is_http10, size_t *out_len)
{
    struct mg_buf b;
    mg_buf_init(&b, (size_t)-1);
    mg_buf_reserve(&b, 256 + body_len); /* the headers, then the body */
    mg_buf_adds(&b, "HTTP/1.1 ");
    put_decimal(&b, status < 0 ? 0 : (size_t)status); /* 100-599 */
    mg_buf_add(&b, " ", 1);
    mg_buf_adds(&b, mg_http_reason(status));
    mg_buf_adds(&b, "\r\nDate: ");
    mg_buf_adds(&b, http_date());
    mg_buf_adds(&b, "\r\n");
    if (status != 204 && status >= 200) {
        mg_buf_adds(&b, "Content-Length: ");
        put_decimal(&b, body_len);
        mg_buf_adds(&b, "\r\n");
    }
    if (!keep_alive)
        mg_buf_adds(&b, "Connection: close\r\n");
    else if (client_is_http10)
        mg_buf_adds(&b, "Connection: keep-alive\r\n");
    for (size_t i = 0; i < header_count; i++) {
        mg_buf_adds(&b, headers[i].name);
        mg_buf_adds(&b, ": ");
        mg_buf_adds(&b, headers[i].value);
        mg_buf_adds(&b, "\r\n");
    }
    mg_buf_adds(&b, "\r\n");
    if (body_len && status != 204)
        mg_buf_add(&b, body, body_len);
    return mg_buf_take(&b, out_len);
}

int mg_http_query_get(const char *query, const char *name, char **out)
{
    size_t name_len = strlen(name);
    for (const char *p = query; p && *p;) {
        const char *end = strchr(p, '&');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        size_t key_len = eq ? (size_t)(eq - p) : len;
        if (key_len == name_len && memcmp(p, name, name_len) == 0) {
            const char *v = eq ? eq + 1 : p + len;
            size_t vlen = (size_t)(p + len - v);
            char *plus = mg_strndup(v, vlen);
            for (char *c = plus; *c; c++)
                if (*c == '+')
                    *c = ' ';
            int rc = mg_percent_decode(plus, strlen(plus), out);
            mg_free(plus);
            return rc == MG_OK ? MG_OK : MG_EINVAL;
        }
        p = end ? end + 1 : NULL;
    }
    return MG_ENOENT;
}
