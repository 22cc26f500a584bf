/* http.h: HTTP/1.1 requests from bytes, and responses to bytes. The only
 * module that knows http-parser. No sockets: the connection layer feeds it
 * what it reads, and the fuzzer feeds it anything.
 *
 * The parser stops at the end of each request, so pipelined requests are
 * handed over one at a time and answered in order; the bytes after a request
 * are left to the caller to feed again once it has answered. Limits are
 * enforced while parsing: the request line and headers (431), the body (413,
 * at once when Content-Length announces too much). */
#ifndef MODGATE_HTTP_H
#define MODGATE_HTTP_H

#include <stdbool.h>
#include <stddef.h>

/* A request header, owned by its request. */
struct mg_http_field {
    char *name;  /* lowercased */
    char *value; /* in name's allocation, after its NUL */
};

/* A response header; the strings are borrowed. */
struct mg_http_header {
    const char *name;
    const char *value;
};

struct mg_http_request {
    const char *method; /* static: "GET", "POST", ... */
    char *target;       /* the request target as sent */
    char *path;         /* target up to '?', not decoded */
    char *query;        /* after '?', or NULL; in path's allocation */
    struct mg_http_field *headers;
    size_t header_count;
    char *body; /* NUL-terminated for convenience; body_len excludes it */
    size_t body_len;
    bool has_body; /* Content-Length > 0 or chunked */
    int http_major, http_minor;
    bool keep_alive; /* HTTP/1.1 without "Connection: close", or 1.0 + keep-alive */
};

/* The value of the first header named lname (lowercase), or NULL. */
const char *mg_http_header_get(const struct mg_http_request *req,
                               const char *lname);

void mg_http_request_free(struct mg_http_request *req);

struct mg_http_limits {
    size_t header_max; /* request line + headers, bytes */
    size_t body_max;   /* body after de-chunking, bytes */
};

enum mg_http_result {
    MG_HTTP_MORE = 0,     /* everything consumed; the request is not complete */
    MG_HTTP_CONTINUE,     /* headers done, client sent Expect: 100-continue;
                             feed the rest (of *consumed) again */
    MG_HTTP_DONE,         /* a request is complete: take it */
    MG_HTTP_FAIL,         /* the bytes are not an acceptable request */
};

/* Why a request failed; static strings. */
struct mg_http_failure {
    int status;         /* 400, 413, 431, 501 or 505 */
    const char *code;   /* "bad_request", "body_too_large", ... */
    const char *detail;
};

struct mg_http_parser;

/* limits is copied. Caller owns the result; free with mg_http_parser_free. */
struct mg_http_parser *mg_http_parser_new(const struct mg_http_limits *limits);
void mg_http_parser_free(struct mg_http_parser *p);

/* Consumes bytes of data[0..len) up to the end of the current request and
 * says how many in *consumed. After MG_HTTP_DONE, take the request; after
 * MG_HTTP_FAIL, the connection must be answered with failure() and closed. */
enum mg_http_result mg_http_parser_feed(struct mg_http_parser *p,
                                        const char *data, size_t len,
                                        size_t *consumed);

/* After MG_HTTP_DONE: the request; the parser is ready for the next one.
 * Caller owns it (mg_http_request_free). */
struct mg_http_request *mg_http_parser_take(struct mg_http_parser *p);

/* After MG_HTTP_FAIL. */
const struct mg_http_failure *mg_http_parser_failure(const struct mg_http_parser *p);

/* True once any byte of a request not yet complete has been fed. */
bool mg_http_parser_in_request(const struct mg_http_parser *p);

/* The value of the first `name` parameter of a query string ("a=1&b=2"),
 * percent-decoded with '+' as a space. MG_ENOENT when absent, MG_EINVAL when
 * its escapes are malformed. Caller owns *out (mg_free). */
int mg_http_query_get(const char *query, const char *name, char **out);

/* A response ready to write: status line, the given headers, Date,
 * Content-Length, Connection, then body. Caller owns the result (mg_free). */
char *mg_http_response_serialize(int status, const struct mg_http_header *headers,
                                 size_t header_count, const char *body,
                                 size_t body_len, bool keep_alive,
                                 bool client_is_http10, size_t *out_len);

#endif
