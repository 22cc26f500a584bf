/* webhook_http.h: POSTs to webhook receivers through libcurl's multi
 * interface driven by the libuv loop (webhook_http.c, the server's only
 * libcurl wrapper): curl_multi_socket_action with a uv_poll per socket and
 * one uv_timer for CURLMOPT_TIMERFUNCTION, so no thread blocks and no
 * request waits on another, however slow its receiver. */
#ifndef MODGATE_SERVER_WEBHOOK_HTTP_H
#define MODGATE_SERVER_WEBHOOK_HTTP_H

#include <stddef.h>
#include <uv.h>

struct mg_whttp;

/* A POST's end: status the HTTP status (0 when there was none: the
 * connection failed or the timeout passed, error then says why), seconds
 * from start to end. Called once, from the loop, unless the client is
 * closed first. */
typedef void (*mg_whttp_cb)(int status, const char *error, double seconds, void *data);

struct mg_whttp *mg_whttp_new(uv_loop_t *loop);

/* POSTs body (copied) to url with headers ("Name: value", n of them,
 * copied), bounded by timeout_ms. MG_OK, or MG_EIO when libcurl refused
 * it (cb is then never called). */
int mg_whttp_post(struct mg_whttp *c, const char *url, const char *const *headers,
                  size_t nheaders, const char *body, size_t len, int timeout_ms,
                  mg_whttp_cb cb, void *data);

/* Abandons every request in flight (their callbacks are not called) and
 * frees the client once libuv has closed its handles; on_closed then. */
void mg_whttp_close(struct mg_whttp *c, void (*on_closed)(void *data), void *data);

#endif
