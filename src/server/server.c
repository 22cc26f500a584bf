/* server.c: the listening socket, signals, and graceful shutdown. */
#include <signal.h>
#include <string.h>

#include "modgate/alloc.h"
#include "modgate/log.h"
#include "modgate/metrics.h"
#include "modgate/rules.h"
#include "modgate/store.h"
#include "server.h"

/* Accept errors (EMFILE when out of descriptors) are logged at most this
 * often: under a connection flood they come thousands a second. */
#define ACCEPT_ERROR_LOG_INTERVAL_MS 1000

static void on_connection(uv_stream_t *listener, int status)
{
    struct mg_server *srv = listener->data;
    if (status < 0) {
        /* libuv already accepted and dropped the connection to keep the
         * backlog moving (its EMFILE trick); we keep serving the others. */
        mg_metrics_accept_error(srv->metrics);
        uint64_t now = uv_now(srv->loop);
        if (now - srv->accept_errors_logged_at >= ACCEPT_ERROR_LOG_INTERVAL_MS) {
            srv->accept_errors_logged_at = now;
            MG_LOG(MG_LOG_WARN, "server", "accept_failed", "{s:s, s:i}", "error",
                   uv_strerror(status), "open_connections", (int)srv->conn_count);
        }
        return;
    }
    if (srv->draining)
        return;
    mg__conn_accept(srv);
}

static void on_closed_quietly(uv_handle_t *h)
{
    (void)h;
}

static void on_store_closed(void *data)
{
    struct mg_server *srv = data;
    srv->store_closed = true;
    srv->store = NULL;
    uv_close((uv_handle_t *)&srv->sig_term, on_closed_quietly);
    uv_close((uv_handle_t *)&srv->sig_int, on_closed_quietly);
    uv_close((uv_handle_t *)&srv->sig_hup, on_closed_quietly);
    uv_close((uv_handle_t *)&srv->drain_timer, on_closed_quietly);
    MG_LOG(MG_LOG_INFO, "server", "stopped", NULL);
}

void mg__server_conn_gone(struct mg_server *srv)
{
    if (!srv->draining || srv->conn_count > 0 || srv->store_closed || !srv->store)
        return;
    uv_timer_stop(&srv->drain_timer);
    struct mg_store *store = srv->store;
    mg_store_close(store, on_store_closed, srv);
}

static void on_drain_timeout(uv_timer_t *t)
{
    struct mg_server *srv = t->data;
    MG_LOG(MG_LOG_WARN, "server", "drain_timeout", "{s:i}", "connections_closed",
           (int)srv->conn_count);
    mg__conn_close_all(srv);
}

void mg_server_shutdown(struct mg_server *srv)
{
    if (srv->draining)
        return;
    srv->draining = true;
    MG_LOG(MG_LOG_INFO, "server", "draining", "{s:i, s:i}", "connections",
           (int)srv->conn_count, "drain_timeout_ms", srv->cfg->drain_timeout_ms);
    uv_close((uv_handle_t *)&srv->listener, on_closed_quietly);
    uv_timer_start(&srv->drain_timer, on_drain_timeout,
                   (uint64_t)srv->cfg->drain_timeout_ms, 0);
    mg__conn_drain_all(srv);
    /* with no connection left, no close will trigger the next step: do it */
    mg__server_conn_gone(srv);
}

static void on_signal(uv_signal_t *h, int signum)
{
    struct mg_server *srv = h->data;
    if (signum == SIGHUP) {
        MG_LOG(MG_LOG_INFO, "server", "sighup", "{s:s}", "note", "reloading the rules");
        struct mg_rules_errors *errs = mg_calloc(1, sizeof *errs);
        (void)mg__server_rules_reload(srv, errs);
        mg_free(errs);
        return;
    }
    MG_LOG(MG_LOG_INFO, "server", "signal", "{s:s}", "signal",
           signum == SIGTERM ? "SIGTERM" : "SIGINT");
    mg_server_shutdown(srv);
}

static int bind_listener(struct mg_server *srv)
{
    const struct mg_config *cfg = srv->cfg;
    struct sockaddr_storage addr;
    int rc;
    if (strchr(cfg->listen_host, ':'))
        rc = uv_ip6_addr(cfg->listen_host, cfg->listen_port, (struct sockaddr_in6 *)&addr);
    else
        rc = uv_ip4_addr(cfg->listen_host, cfg->listen_port, (struct sockaddr_in *)&addr);
    if (rc != 0) {
        MG_LOG(MG_LOG_ERROR, "server", "listen_failed", "{s:s, s:s}", "listen",
               cfg->listen, "error", "the host is not an IP address");
        return MG_EINVAL;
    }
    uv_tcp_init(srv->loop, &srv->listener);
    srv->listener.data = srv;
    rc = uv_tcp_bind(&srv->listener, (const struct sockaddr *)&addr, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&srv->listener, 511, on_connection);
    if (rc != 0) {
        MG_LOG(MG_LOG_ERROR, "server", "listen_failed", "{s:s, s:s}", "listen",
               cfg->listen, "error", uv_strerror(rc));
        uv_close((uv_handle_t *)&srv->listener, on_closed_quietly);
        return MG_EIO;
    }
    return MG_OK;
}

int mg_server_start(struct mg_server *srv)
{
    srv->limits.header_max = srv->cfg->header_max_bytes;
    srv->limits.body_max = srv->cfg->body_max_bytes;
    srv->metrics = mg_metrics_new();

    int rc = bind_listener(srv);
    if (rc != MG_OK)
        return rc;

    rc = mg_store_new(srv->loop, srv->cfg, &srv->store);
    if (rc != MG_OK) {
        MG_LOG(MG_LOG_ERROR, "server", "store_failed", "{s:s}", "error",
               mg_strerror(rc));
        uv_close((uv_handle_t *)&srv->listener, on_closed_quietly);
        return rc;
    }

    uv_timer_init(srv->loop, &srv->drain_timer);
    srv->drain_timer.data = srv;
    uv_signal_t *sigs[] = {&srv->sig_term, &srv->sig_int, &srv->sig_hup};
    int nums[] = {SIGTERM, SIGINT, SIGHUP};
    for (int i = 0; i < 3; i++) {
        uv_signal_init(srv->loop, sigs[i]);
        sigs[i]->data = srv;
        uv_signal_start(sigs[i], on_signal, nums[i]);
    }

    MG_LOG(MG_LOG_INFO, "server", "listening", "{s:s, s:i}", "host",
           srv->cfg->listen_host, "port", srv->cfg->listen_port);
    return MG_OK;
}
