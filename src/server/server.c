/* server.c: the listening socket, signals (SIGHUP reloads: reload.c,
 * reloads.c), and graceful shutdown. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "modgate/log.h"
#include "modgate/metrics.h"
#include "modgate/rules.h"
#include "modgate/store.h"
#include "notify.h"
#include "server.h"
#include "webhooks.h"
#include "workers.h"

/* Connections dropped for want of descriptors are logged at most this
 * often: under a connection flood they come thousands a second. */
#define ACCEPT_ERROR_LOG_INTERVAL_MS 1000

/* True when a line of a flood's log is due: at most one per interval. */
static bool log_due(struct mg_server *srv, uint64_t *logged_at)
{
    uint64_t now = uv_now(srv->loop);
    if (now - *logged_at < ACCEPT_ERROR_LOG_INTERVAL_MS)
        return false;
    *logged_at = now;
    return true;
}

/* Counts n connections dropped (or failed) at accept, and says so in the
 * log at most once per interval, with how many since the last time. */
static void note_dropped(struct mg_server *srv, uint64_t n, int err)
{
    for (uint64_t k = 0; k < n; k++)
        mg_metrics_accept_error(srv->metrics);
    srv->accept_dropped_unlogged += n;
    if (!log_due(srv, &srv->accept_errors_logged_at))
        return;
    MG_LOG(MG_LOG_WARN, "server", "accept_failed", "{s:s, s:I, s:i}", "error",
           strerror(err), "dropped", (json_int_t)srv->accept_dropped_unlogged,
           "open_connections", (int)srv->conn_count);
    srv->accept_dropped_unlogged = 0;
}

/* A connection over limits.max_connections: closed at once, so its client
 * hears an end rather than waiting in a queue it cannot see, and counted;
 * logged like the drops above, at most once a second. */
static void refuse(struct mg_server *srv, int fd)
{
    close(fd);
    mg_metrics_conn_refused(srv->metrics);
    srv->refused_unlogged++;
    if (!log_due(srv, &srv->refused_logged_at))
        return;
    MG_LOG(MG_LOG_WARN, "server", "max_connections", "{s:I, s:I}", "refused",
           (json_int_t)srv->refused_unlogged, "max_connections",
           (json_int_t)srv->cfg->max_connections);
    srv->refused_unlogged = 0;
}

/* Out of descriptors (EMFILE, ENFILE): the connections waiting cannot be
 * taken, and left in the backlog they would wake the loop for ever. The
 * reserve descriptor is let go for the moment it takes to accept each of
 * them and close it at once, so its client hears a reset rather than
 * silence, and every one is counted. (libuv does the same on its own
 * accept path, but tells its caller nothing: hence this one.) */
static void drop_waiting(struct mg_server *srv, int lfd, int err)
{
    uint64_t dropped = 0;
    if (srv->reserve_fd >= 0) {
        close(srv->reserve_fd);
        int fd;
        while ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
            close(fd);
            dropped++;
        }
        srv->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    }
    note_dropped(srv, dropped ? dropped : 1, err);
}

/* The listening socket is readable: every connection waiting is accepted
 * and handed to a new mg_conn, until none is left. */
static void on_acceptable(uv_poll_t *poll, int status, int events)
{
    (void)events;
    struct mg_server *srv = poll->data;
    if (status < 0 || srv->draining)
        return;
    uv_os_fd_t lfd;
    if (uv_fileno((uv_handle_t *)&srv->listener, &lfd) != 0)
        return;
    for (;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            if (srv->conn_count >= srv->cfg->max_connections)
                refuse(srv, fd);
            else
                mg__conn_accept(srv, fd);
            continue;
        }
        if (errno == EINTR || errno == ECONNABORTED)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return;
        if (errno == EMFILE || errno == ENFILE)
            drop_waiting(srv, lfd, errno);
        else
            note_dropped(srv, 1, errno);
        return;
    }
}

static void on_closed_quietly(uv_handle_t *h)
{
    (void)h;
}

/* Stops taking connections: the poll first (it watches the listener's
 * socket), then the listener, which closes the socket; and the reserve. */
static void close_listener(struct mg_server *srv)
{
    uv_close((uv_handle_t *)&srv->accept_poll, on_closed_quietly);
    uv_close((uv_handle_t *)&srv->listener, on_closed_quietly);
    if (srv->reserve_fd >= 0)
        close(srv->reserve_fd);
    srv->reserve_fd = -1;
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
    /* a reload's load cannot be cancelled: the drain waits for it too */
    if (!srv->draining || srv->conn_count > 0 || srv->store_closed || !srv->store ||
        srv->webhooks_stopping || srv->reloads.busy)
        return;
    uv_timer_stop(&srv->drain_timer);
    struct mg_store *store = srv->store;
    mg_store_close(store, on_store_closed, srv);
}

static void on_webhooks_stopped(void *data)
{
    struct mg_server *srv = data;
    srv->webhooks_stopping = false;
    mg__server_conn_gone(srv);
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
    /* Connections the kernel completed but we have not accepted yet would
     * be reset when the listener closes, possibly after the client sent its
     * request: accept them first, so that they are drained like the others. */
    on_acceptable(&srv->accept_poll, 0, UV_READABLE);
    srv->draining = true;
    mg_notify_stopping();
    MG_LOG(MG_LOG_INFO, "server", "draining", "{s:i, s:i}", "connections",
           (int)srv->conn_count, "drain_timeout_ms", srv->cfg->drain_timeout_ms);
    close_listener(srv);
    uv_timer_start(&srv->drain_timer, on_drain_timeout,
                   (uint64_t)srv->cfg->drain_timeout_ms, 0);
    mg__conn_drain_all(srv);
    mg_feed_stop(srv); /* waiting feed requests answer now, not in 30 s */
    mg__worker_stop(srv);
    /* Webhook deliveries in flight are abandoned, never waited for: they
     * stay pending in Redis. Only the delete of this instance's liveness
     * key, which lets the others claim them at once, holds the store open
     * (for at most redis.timeout_ms). */
    srv->webhooks_stopping = true;
    mg_webhooks_close(srv->webhooks, on_webhooks_stopped, srv);
    srv->webhooks = NULL;
    /* with no connection left, no close will trigger the next step: do it */
    mg__server_conn_gone(srv);
}

static void on_signal(uv_signal_t *h, int signum)
{
    struct mg_server *srv = h->data;
    if (signum == SIGHUP) {
        MG_LOG(MG_LOG_INFO, "server", "sighup", "{s:s}", "note",
               "reloading the configuration");
        mg__reload_full(srv); /* on the pool; ends with reloaded or reload_failed */
        return;
    }
    MG_LOG(MG_LOG_INFO, "server", "signal", "{s:s}", "signal",
           signum == SIGTERM ? "SIGTERM" : "SIGINT");
    mg_server_shutdown(srv);
}

int mg__listen_socket(const struct mg_config *cfg, bool reuseport, int port)
{
    struct sockaddr_storage addr;
    int rc;
    if (strchr(cfg->listen_host, ':'))
        rc = uv_ip6_addr(cfg->listen_host, port, (struct sockaddr_in6 *)&addr);
    else
        rc = uv_ip4_addr(cfg->listen_host, port, (struct sockaddr_in *)&addr);
    if (rc != 0) {
        MG_LOG(MG_LOG_ERROR, "server", "listen_failed", "{s:s, s:s}", "listen",
               cfg->listen, "error", "the host is not an IP address");
        return -1;
    }
    /* The socket is modgate's own, as libuv would make it (SO_REUSEADDR,
     * non-blocking, close-on-exec), and so is the accepting (on_acceptable),
     * so that connections dropped for want of descriptors are counted;
     * the uv_tcp_t only owns the socket, to close it */
    socklen_t addr_len = addr.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                    : sizeof(struct sockaddr_in);
    int lfd = socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        (reuseport && setsockopt(lfd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) ||
        bind(lfd, (const struct sockaddr *)&addr, addr_len) != 0 || listen(lfd, 511) != 0) {
        rc = uv_translate_sys_error(errno);
        if (lfd >= 0)
            close(lfd);
        MG_LOG(MG_LOG_ERROR, "server", "listen_failed", "{s:s, s:s}", "listen",
               cfg->listen, "error", uv_strerror(rc));
        return -1;
    }
    return lfd;
}

static int bind_listener(struct mg_server *srv)
{
    const struct mg_config *cfg = srv->cfg;
    srv->reserve_fd = -1;
    int rc;
    int lfd = srv->workers ? srv->inherited_fd
                           : mg__listen_socket(cfg, false, cfg->listen_port);
    if (lfd < 0)
        return MG_EIO;
    uv_tcp_init(srv->loop, &srv->listener);
    srv->listener.data = srv;
    rc = uv_tcp_open(&srv->listener, lfd);
    if (rc != 0)
        close(lfd); /* not the handle's: closing the handle leaves it */
    else
        rc = uv_poll_init_socket(srv->loop, &srv->accept_poll, lfd);
    if (rc != 0) {
        MG_LOG(MG_LOG_ERROR, "server", "listen_failed", "{s:s, s:s}", "listen",
               cfg->listen, "error", uv_strerror(rc));
        uv_close((uv_handle_t *)&srv->listener, on_closed_quietly);
        return MG_EIO;
    }
    srv->accept_poll.data = srv;
    srv->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    (void)uv_poll_start(&srv->accept_poll, UV_READABLE, on_acceptable);
    return MG_OK;
}

int mg_server_start(struct mg_server *srv)
{
    srv->limits.header_max = srv->cfg->header_max_bytes;
    srv->limits.body_max = srv->cfg->body_max_bytes;
    srv->metrics = srv->workers ? mg_workers_metrics(srv->workers) : mg_metrics_new();

    int rc = bind_listener(srv);
    if (rc != MG_OK)
        return rc;

    rc = mg_store_new(srv->loop, srv->cfg, &srv->store);
    if (rc != MG_OK) {
        MG_LOG(MG_LOG_ERROR, "server", "store_failed", "{s:s}", "error",
               mg_strerror(rc));
        close_listener(srv);
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

    srv->webhooks = mg_webhooks_start(srv);
    MG_LOG(MG_LOG_INFO, "server", "listening", "{s:s, s:i}", "host",
           srv->cfg->listen_host, "port", srv->cfg->listen_port);
    mg_feed_start(srv);
    mg_notify_start(srv); /* systemd: READY=1 once Redis answers; watchdog */
    mg__worker_start(srv);
    return MG_OK;
}
