/* workers_notify.c: the supervisor's relay of the workers' systemd
 * messages (workers_notify.h). Like notify.c, a message systemd cannot
 * take is logged at debug and otherwise ignored. */
#include "workers_notify.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "modgate/alloc.h"
#include "modgate/log.h"
#include "notify.h"

struct worker_state {
    bool ready;          /* it said READY=1 */
    bool pinged;         /* WATCHDOG=1 since the last one passed on */
    bool reload_pending; /* a SIGHUP went to it; no READY=1 since */
};

struct mg_workers_notify {
    int fd; /* the relay's socket, bound in the abstract namespace */
    char name[64];
    bool watchdog; /* systemd watches the supervisor: each worker pings */
    bool ready_sent, reloading, stopping_sent;
    int n;
    struct worker_state *workers;
};

static void tell(const char *state)
{
    int rc = sd_notify(0, state);
    if (rc < 0)
        MG_LOG(MG_LOG_DEBUG, "notify", "sd_notify_failed", "{s:s, s:s}", "state", state,
               "error", strerror(-rc));
}

struct mg_workers_notify *mg_workers_notify_new(int nworkers)
{
    const char *target = getenv("NOTIFY_SOCKET");
    if (!target || !*target)
        return NULL;
    struct mg_workers_notify *n = mg_calloc(1, sizeof *n);
    n->n = nworkers;
    n->workers = mg_calloc((size_t)nworkers, sizeof *n->workers);
    n->fd = -1;
    /* as notify.c says it for one process: once, and the workers then
     * have no NOTIFY_SOCKET (mg_workers_notify_child) */
    int rc = sd_notify(0, "STATUS=starting");
    if (rc < 0) {
        mg_notify_unusable(rc);
        return n;
    }
    uint64_t usec;
    n->watchdog = sd_watchdog_enabled(0, &usec) > 0;
    snprintf(n->name, sizeof n->name, "modgate-notify-%ld", (long)getpid());
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    size_t len = strlen(n->name);
    memcpy(a.sun_path + 1, n->name, len); /* sun_path[0] = 0: abstract */
    int one = 1;
    n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (n->fd < 0 || setsockopt(n->fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof one) != 0 ||
        bind(n->fd, (struct sockaddr *)&a,
             (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + len)) != 0) {
        MG_LOG(MG_LOG_WARN, "notify", "relay_failed", "{s:s, s:s}", "error",
               strerror(errno), "note", "systemd will not hear from the workers");
        if (n->fd >= 0)
            close(n->fd);
        n->fd = -1;
    }
    return n;
}

void mg_workers_notify_free(struct mg_workers_notify *n)
{
    if (!n)
        return;
    if (n->fd >= 0)
        close(n->fd);
    mg_free(n->workers);
    mg_free(n);
}

int mg_workers_notify_fd(const struct mg_workers_notify *n)
{
    return n ? n->fd : -1;
}

void mg_workers_notify_child(struct mg_workers_notify *n)
{
    if (!n)
        return;
    if (n->fd < 0) { /* no relay: the workers keep quiet */
        unsetenv("NOTIFY_SOCKET");
        unsetenv("WATCHDOG_USEC");
        unsetenv("WATCHDOG_PID");
        mg_workers_notify_free(n);
        return;
    }
    char target[80], pid[24];
    snprintf(target, sizeof target, "@%s", n->name);
    setenv("NOTIFY_SOCKET", target, 1);
    if (n->watchdog) {
        snprintf(pid, sizeof pid, "%ld", (long)getpid());
        setenv("WATCHDOG_PID", pid, 1);
    } else {
        unsetenv("WATCHDOG_USEC");
        unsetenv("WATCHDOG_PID");
    }
    mg_workers_notify_free(n);
}

static bool has_line(const char *msg, const char *line)
{
    size_t len = strlen(line);
    for (const char *p = msg; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (strncmp(p, line, len) == 0 && (p[len] == '\n' || p[len] == '\0'))
            return true;
    return false;
}

/* msg's STATUS= line alone, or "" when it has none. */
static void status_of(const char *msg, char *out, size_t size)
{
    out[0] = '\0';
    for (const char *p = msg; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (strncmp(p, "STATUS=", 7) == 0) {
            size_t len = strcspn(p, "\n");
            snprintf(out, size, "%.*s", (int)len, p);
            return;
        }
}

static bool all(const struct mg_workers_notify *n, struct mg_workers *w, bool pinged)
{
    for (int i = 0; i < n->n; i++) {
        bool alive = mg_workers_slot_alive(w, i);
        if (alive && !(pinged ? n->workers[i].pinged : n->workers[i].ready))
            return false;
    }
    return true;
}

static bool any_pending(const struct mg_workers_notify *n)
{
    for (int i = 0; i < n->n; i++)
        if (n->workers[i].reload_pending)
            return true;
    return false;
}

/* A READY=1 from worker i: passed on whole when it makes the service
 * ready, or ends a reload; otherwise only its status. */
static void on_ready(struct mg_workers_notify *n, struct mg_workers *w, int i,
                     const char *msg, const char *status)
{
    n->workers[i].ready = true;
    n->workers[i].reload_pending = false;
    if (!n->ready_sent) {
        if (all(n, w, false)) {
            n->ready_sent = true;
            tell(msg);
        }
    } else if (n->reloading) {
        if (!any_pending(n)) {
            n->reloading = false;
            tell(msg);
        }
    } else if (*status) {
        tell(status);
    }
}

static void relay(struct mg_workers_notify *n, struct mg_workers *w, int i, const char *msg)
{
    char status[512];
    status_of(msg, status, sizeof status);
    if (n->stopping_sent || has_line(msg, "STOPPING=1") || has_line(msg, "RELOADING=1"))
        return; /* the supervisor says those itself */
    if (has_line(msg, "WATCHDOG=1")) {
        n->workers[i].pinged = true;
        if (all(n, w, true)) {
            for (int k = 0; k < n->n; k++)
                n->workers[k].pinged = false;
            tell("WATCHDOG=1");
        }
    } else if (has_line(msg, "READY=1")) {
        on_ready(n, w, i, msg, status);
    } else if (*status && !n->reloading) {
        tell(status);
    }
}

void mg_workers_notify_read(struct mg_workers_notify *n, struct mg_workers *w)
{
    if (!n || n->fd < 0)
        return;
    for (;;) {
        char msg[4096];
        union {
            struct cmsghdr align;
            char buf[CMSG_SPACE(sizeof(struct ucred))];
        } control;
        struct iovec iov = {msg, sizeof msg - 1};
        struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1,
                            .msg_control = control.buf,
                            .msg_controllen = sizeof control.buf};
        ssize_t got = recvmsg(n->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        if (got < 0)
            return;
        msg[got] = '\0';
        int pid = 0;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
                struct ucred cred;
                memcpy(&cred, CMSG_DATA(c), sizeof cred);
                pid = cred.pid;
            }
        int i = mg_workers_slot_of(w, pid);
        if (i >= 0)
            relay(n, w, i, msg);
    }
}

void mg_workers_notify_reloading(struct mg_workers_notify *n)
{
    if (!n || n->fd < 0 || !n->ready_sent || n->stopping_sent)
        return;
    char msg[128];
    mg_notify_reloading_text(msg, sizeof msg);
    tell(msg);
    n->reloading = true;
    for (int i = 0; i < n->n; i++)
        n->workers[i].reload_pending = n->workers[i].ready;
}

void mg_workers_notify_stopping(struct mg_workers_notify *n)
{
    if (!n || n->fd < 0 || n->stopping_sent)
        return;
    n->stopping_sent = true;
    tell("STOPPING=1\nSTATUS=draining connections");
}

void mg_workers_notify_gone(struct mg_workers_notify *n, int slot)
{
    if (!n || n->fd < 0)
        return;
    n->workers[slot] = (struct worker_state){0};
    if (n->reloading && !any_pending(n)) {
        n->reloading = false;
        tell("READY=1");
    }
}
