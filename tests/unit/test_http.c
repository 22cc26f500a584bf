/* test_http.c: the request parser: pipelining, chunked bodies, limits,
 * malformed input, and response serialization. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "modgate/alloc.h"
#include "modgate/http.h"

static const struct mg_http_limits limits = {.header_max = 8192, .body_max = 16384};

/* Feeds all of text, collecting up to max requests; returns how many. Stops at
 * the first failure, leaving *failure set. */
static size_t parse_all(const char *text, size_t len, size_t chunk,
                        struct mg_http_request **out, size_t max,
                        const struct mg_http_failure **failure,
                        struct mg_http_parser **pp, int *continues)
{
    struct mg_http_parser *p = mg_http_parser_new(&limits);
    size_t n = 0, off = 0;
    *failure = NULL;
    if (continues)
        *continues = 0;
    while (off < len) {
        size_t avail = len - off < chunk ? len - off : chunk;
        size_t used = 0;
        enum mg_http_result r = mg_http_parser_feed(p, text + off, avail, &used);
        off += used;
        if (r == MG_HTTP_DONE) {
            struct mg_http_request *req = mg_http_parser_take(p);
            if (n < max)
                out[n++] = req;
            else
                mg_http_request_free(req);
        } else if (r == MG_HTTP_FAIL) {
            *failure = mg_http_parser_failure(p);
            break;
        } else if (r == MG_HTTP_CONTINUE) {
            if (continues)
                (*continues)++;
        } else {
            assert_int_equal(used, avail); /* MORE consumes everything */
        }
    }
    if (pp)
        *pp = p;
    else
        mg_http_parser_free(p);
    return n;
}

static void free_all(struct mg_http_request **reqs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        mg_http_request_free(reqs[i]);
}

static void test_pipelined_in_one_buffer(void **state)
{
    static const char text[] =
        "GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n"
        "POST /v1/comments?x=1 HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
        "Content-Length: 7\r\n\r\n{\"a\":1}"
        "POST /v1/check HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
        "3\r\n{\"b\r\n4\r\n\":2}\r\n0\r\n\r\n"
        "GET /readyz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
    /* byte by byte, in odd chunks and all at once must agree */
    size_t chunks[] = {1, 7, 64, sizeof text};
    for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
        struct mg_http_request *reqs[8];
        const struct mg_http_failure *f;
        size_t n = parse_all(text, sizeof text - 1, chunks[c], reqs, 8, &f, NULL, NULL);
        assert_null(f);
        assert_int_equal(n, 4);
        assert_string_equal(reqs[0]->method, "GET");
        assert_string_equal(reqs[0]->path, "/healthz");
        assert_true(reqs[0]->keep_alive);
        assert_false(reqs[0]->has_body);
        assert_string_equal(reqs[1]->method, "POST");
        assert_string_equal(reqs[1]->path, "/v1/comments");
        assert_string_equal(reqs[1]->query, "x=1");
        assert_int_equal(reqs[1]->body_len, 7);
        assert_string_equal(reqs[1]->body, "{\"a\":1}");
        assert_string_equal(mg_http_header_get(reqs[1], "content-type"), "application/json");
        assert_string_equal(reqs[2]->body, "{\"b\":2}");
        assert_true(reqs[2]->has_body);
        assert_string_equal(reqs[3]->path, "/readyz");
        assert_false(reqs[3]->keep_alive);
        free_all(reqs, n);
    }
}

static void test_http10_keep_alive(void **state)
{
    static const char a[] = "GET / HTTP/1.0\r\n\r\n";
    static const char b[] = "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";
    struct mg_http_request *reqs[2];
    const struct mg_http_failure *f;
    assert_int_equal(parse_all(a, sizeof a - 1, 100, reqs, 2, &f, NULL, NULL), 1);
    assert_false(reqs[0]->keep_alive);
    assert_int_equal(reqs[0]->http_minor, 0);
    mg_http_request_free(reqs[0]);
    assert_int_equal(parse_all(b, sizeof b - 1, 100, reqs, 2, &f, NULL, NULL), 1);
    assert_true(reqs[0]->keep_alive);
    mg_http_request_free(reqs[0]);
}

struct failure_case {
    const char *name;
    const char *text;
    int status;
    const char *code;
};

static void test_failures(void **state)
{
    static char big_header[9000];
    memcpy(big_header, "GET / HTTP/1.1\r\nHost: t\r\nX-Big: ", 32);
    memset(big_header + 32, 'a', sizeof big_header - 32 - 5);
    memcpy(big_header + sizeof big_header - 5, "\r\n\r\n", 5);

    static char many_headers[4000];
    size_t off = (size_t)snprintf(many_headers, sizeof many_headers, "GET / HTTP/1.1\r\nHost: t\r\n");
    for (int i = 0; i < 150; i++)
        off += (size_t)snprintf(many_headers + off, sizeof many_headers - off, "H%d: v\r\n", i);
    snprintf(many_headers + off, sizeof many_headers - off, "\r\n");

    static char big_chunked[0x4400 + 200];
    off = (size_t)snprintf(big_chunked, sizeof big_chunked,
                           "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n4400\r\n");
    memset(big_chunked + off, 'x', 0x4400);
    off += 0x4400;
    snprintf(big_chunked + off, sizeof big_chunked - off, "\r\n0\r\n\r\n");

    const struct failure_case cases[] = {
        {"garbage request line", "HELLO\r\n\r\n", 400, "bad_request"},
        {"bad method", "FETCH / HTTP/1.1\r\nHost: t\r\n\r\n", 400, "bad_request"},
        {"space in header name", "GET / HTTP/1.1\r\nHost: t\r\nBad Header: x\r\n\r\n", 400, "bad_request"},
        {"bad content-length", "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: abc\r\n\r\n", 400, "bad_request"},
        {"CL and TE together", "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "bad_request"},
        {"bad chunk size", "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400, "bad_request"},
        {"NUL in target", "GET /\0 HTTP/1.1\r\nHost: t\r\n\r\n", 400, "bad_request"},
        {"HTTP/1.1 without Host", "GET / HTTP/1.1\r\n\r\n", 400, "bad_request"},
        {"two Host lines", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "bad_request"},
        {"gzip before chunked", "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501, "unsupported_transfer_coding"},
        {"HTTP/2.0", "GET / HTTP/2.0\r\n\r\n", 505, "http_version_not_supported"},
        {"unknown expectation", "POST / HTTP/1.1\r\nHost: t\r\nExpect: magic\r\nContent-Length: 1\r\n\r\nx", 400, "bad_request"},
        {"header too large", big_header, 431, "headers_too_large"},
        {"too many headers", many_headers, 431, "headers_too_large"},
        {"announced body too large", "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 16385\r\n\r\n", 413, "body_too_large"},
        {"chunked body too large", big_chunked, 413, "body_too_large"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct mg_http_request *reqs[2];
        const struct mg_http_failure *f;
        size_t len = strlen(cases[i].text);
        if (strcmp(cases[i].name, "NUL in target") == 0)
            len = sizeof "GET /\0 HTTP/1.1\r\nHost: t\r\n\r\n" - 1;
        struct mg_http_parser *p;
        size_t n = parse_all(cases[i].text, len, 1000, reqs, 2, &f, &p, NULL);
        if (!f || f->status != cases[i].status)
            fail_msg("%s: expected %d, got %s %d", cases[i].name, cases[i].status,
                     f ? f->code : "no failure", f ? f->status : 0);
        assert_string_equal(f->code, cases[i].code);
        assert_int_equal(n, 0);
        mg_http_parser_free(p);
    }
}

static void test_limits_are_inclusive(void **state)
{
    /* exactly body_max bytes is accepted */
    static char text[16384 + 100];
    size_t off = (size_t)snprintf(text, sizeof text,
                                  "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 16384\r\n\r\n");
    memset(text + off, 'y', 16384);
    struct mg_http_request *reqs[1];
    const struct mg_http_failure *f;
    assert_int_equal(parse_all(text, off + 16384, 4096, reqs, 1, &f, NULL, NULL), 1);
    assert_null(f);
    assert_int_equal(reqs[0]->body_len, 16384);
    mg_http_request_free(reqs[0]);
}

static void test_expect_continue(void **state)
{
    static const char text[] = "POST /v1/comments HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
                               "Content-Length: 2\r\n\r\n";
    struct mg_http_request *reqs[1];
    const struct mg_http_failure *f;
    struct mg_http_parser *p;
    int continues;
    size_t n = parse_all(text, sizeof text - 1, 1000, reqs, 1, &f, &p, &continues);
    assert_int_equal(n, 0);
    assert_int_equal(continues, 1);
    assert_true(mg_http_parser_in_request(p));
    size_t used;
    assert_int_equal(mg_http_parser_feed(p, "{}", 2, &used), MG_HTTP_DONE);
    struct mg_http_request *r = mg_http_parser_take(p);
    assert_string_equal(r->body, "{}");
    assert_false(mg_http_parser_in_request(p));
    mg_http_request_free(r);
    mg_http_parser_free(p);
}

static void test_absolute_target(void **state)
{
    static const char text[] = "GET http://example.com/healthz?a=b HTTP/1.1\r\nHost: t\r\n\r\n";
    struct mg_http_request *reqs[1];
    const struct mg_http_failure *f;
    assert_int_equal(parse_all(text, sizeof text - 1, 100, reqs, 1, &f, NULL, NULL), 1);
    assert_string_equal(reqs[0]->path, "/healthz");
    assert_string_equal(reqs[0]->query, "a=b");
    mg_http_request_free(reqs[0]);
}

static void test_serialize(void **state)
{
    struct mg_http_header h[] = {{"Content-Type", "application/json"}};
    size_t len;
    char *out = mg_http_response_serialize(404, h, 1, "{}", 2, false, false, &len);
    assert_int_equal(strlen(out), len);
    assert_true(strncmp(out, "HTTP/1.1 404 Not Found\r\n", 24) == 0);
    assert_non_null(strstr(out, "\r\nContent-Length: 2\r\n"));
    assert_non_null(strstr(out, "\r\nConnection: close\r\n"));
    assert_non_null(strstr(out, "\r\nContent-Type: application/json\r\n"));
    assert_string_equal(out + len - 6, "\r\n\r\n{}");
    mg_free(out);
    out = mg_http_response_serialize(204, NULL, 0, NULL, 0, true, true, &len);
    assert_null(strstr(out, "Content-Length"));
    assert_non_null(strstr(out, "\r\nConnection: keep-alive\r\n"));
    mg_free(out);
    /* lengths of one digit and of several, written without printf */
    static char big[12345];
    memset(big, 'x', sizeof big);
    out = mg_http_response_serialize(200, NULL, 0, "", 0, true, false, &len);
    assert_true(strncmp(out, "HTTP/1.1 200 OK\r\n", 17) == 0);
    assert_non_null(strstr(out, "\r\nContent-Length: 0\r\n"));
    mg_free(out);
    out = mg_http_response_serialize(201, NULL, 0, big, sizeof big, true, false, &len);
    assert_non_null(strstr(out, "\r\nContent-Length: 12345\r\n"));
    assert_int_equal(len, strlen(out));
    mg_free(out);
}

/* The Date header is now's IMF-fixdate (kept for a second): what strftime
 * makes of the time read before or after the response. */
static void test_serialize_date(void **state)
{
    (void)state;
    for (int i = 0; i < 3; i++) {
        time_t before = time(NULL);
        size_t len;
        char *out = mg_http_response_serialize(200, NULL, 0, "", 0, true, false, &len);
        time_t after = time(NULL);
        const char *d = strstr(out, "\r\nDate: ");
        assert_non_null(d);
        char got[64] = "";
        sscanf(d + 8, "%63[^\r]", got);
        bool found = false;
        for (time_t t = before; t <= after; t++) {
            char want[64];
            struct tm tm;
            gmtime_r(&t, &tm);
            strftime(want, sizeof want, "%a, %d %b %Y %H:%M:%S GMT", &tm);
            found = found || strcmp(got, want) == 0;
        }
        if (!found)
            fail_msg("Date: %s", got);
        mg_free(out);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pipelined_in_one_buffer),
        cmocka_unit_test(test_http10_keep_alive),
        cmocka_unit_test(test_failures),
        cmocka_unit_test(test_limits_are_inclusive),
        cmocka_unit_test(test_expect_continue),
        cmocka_unit_test(test_absolute_target),
        cmocka_unit_test(test_serialize),
        cmocka_unit_test(test_serialize_date),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
