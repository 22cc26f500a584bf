/* fuzz_http.c: bytes in, requests out: the HTTP parser with its limits, the
 * router on whatever path came out, and a response serialized for it. The
 * first byte picks how the rest is split into reads, so request boundaries
 * falling anywhere in a read are explored too. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "modgate/alloc.h"
#include "modgate/http.h"
#include "modgate/router.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    size_t chunk = (size_t)data[0] + 1;
    data++;
    size--;
    /* small limits so the fuzzer reaches them with short inputs */
    const struct mg_http_limits limits = {.header_max = 512, .body_max = 256};
    struct mg_http_parser *p = mg_http_parser_new(&limits);
    size_t off = 0;
    int rounds = 0;
    while (off < size && rounds++ < 10000) {
        size_t avail = size - off < chunk ? size - off : chunk;
        size_t used = 0;
        enum mg_http_result r =
            mg_http_parser_feed(p, (const char *)data + off, avail, &used);
        off += used;
        if (r == MG_HTTP_FAIL) {
            const struct mg_http_failure *f = mg_http_parser_failure(p);
            if (f->status < 400 || f->status > 505 || !f->code)
                __builtin_trap();
            break;
        }
        if (r == MG_HTTP_DONE) {
            struct mg_http_request *req = mg_http_parser_take(p);
            if (!req || req->body_len > limits.body_max)
                __builtin_trap();
            struct mg_route_match m;
            int rc = mg_router_match(req->method, req->path, strlen(req->path), &m);
            (void)rc;
            mg_route_match_close(&m);
            char *value = NULL;
            if (req->query && mg_http_query_get(req->query, "limit", &value) == 0)
                mg_free(value);
            size_t len;
            char *wire = mg_http_response_serialize(200, NULL, 0, req->body,
                                                    req->body_len, req->keep_alive,
                                                    req->http_minor == 0, &len);
            mg_free(wire);
            mg_http_request_free(req);
        }
    }
    mg_http_parser_free(p);
    return 0;
}
