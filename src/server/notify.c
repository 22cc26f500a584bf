/* notify.c: modgate's messages to systemd (notify.h), the only file that
 * includes libsystemd. sd_notify does nothing, and says so with 0, when
 * NOTIFY_SOCKET is unset; a message it cannot send is logged at debug and
 * otherwise ignored: serving comments matters more than telling systemd. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "modgate/log.h"
#include "modgate/rules.h"
#include "modgate/store.h"
#include "notify.h"
#include "server.h"
#include "webhooks.h"

static struct {
    struct mg_server *srv;
    bool started;
    bool active;     /* under systemd: NOTIFY_SOCKET was set */
    bool ready_sent; /* READY=1 went out: systemd treats the service as up */
    bool stopping;
    bool watchdog;   /* watchdog_timer was initialised (closed at stopping) */
    uv_timer_t watchdog_timer;
} st;

static void tell(const char *state)
{
    int rc = sd_notify(0, state);
    if (rc < 0)
        MG_LOG(MG_LOG_DEBUG, "notify", "sd_notify_failed", "{s:s, s:s}", "state", state,
               "error", strerror(-rc));
}

/* "READY=1\nSTATUS=..." (prefix and a STATUS= line) for what the server
 * does now: waiting for Redis or serving, with which rules. */
static void send_status(const char *prefix, const char *note)
{
    const struct mg_server *srv = st.srv;
    const struct mg_redis_url *r = &srv->cfg->redis;
    char msg[512], where[300];
    if (r->master_name)
        snprintf(where, sizeof where, "the primary %s (asking its sentinels)",
                 r->master_name);
    else
        snprintf(where, sizeof where, "%s:%d", r->host, r->port);
    if (!srv->store || !mg_store_ready(srv->store)) {
        snprintf(msg, sizeof msg, "%sSTATUS=waiting for Redis at %s%s", prefix, where,
                 note);
    } else {
        const struct mg_rules *rules = srv->rules;
        snprintf(msg, sizeof msg, "%sSTATUS=serving; Redis %s db %d; %zu rules (%s)%s",
                 prefix, where, r->db, rules ? mg_rules_count(rules) : (size_t)0,
                 rules ? mg_rules_version(rules) : "no rules directory", note);
    }
    tell(msg);
}

/* The store's watcher: READY=1 the first time Redis answers (the rules
 * were loaded before the server started, or it would not have: the same
 * test as /readyz), later only the status. */
static void on_link(bool up, void *data)
{
    (void)data;
    if (st.srv->workers) /* the others' /readyz see it at once (worker.c) */
        mg__worker_publish_ready(st.srv);
    if (st.stopping || !st.active)
        return;
    bool rules_loaded = st.srv->rules || !st.srv->cfg->rules_dir;
    if (up && rules_loaded && mg_webhooks_ready(st.srv->webhooks) && !st.ready_sent) {
        st.ready_sent = true;
        send_status("READY=1\n", "");
        return;
    }
    send_status("", up ? "" : " (the link was lost; retrying)");
}

void mg_notify_check(void)
{
    if (st.srv && st.srv->workers)
        mg__worker_publish_ready(st.srv);
    if (st.srv && !st.ready_sent)
        on_link(mg_store_ready(st.srv->store), NULL);
}

static void on_watchdog(uv_timer_t *t)
{
    (void)t;
    tell("WATCHDOG=1");
}

void mg_notify_start(struct mg_server *srv)
{
    if (st.started)
        return;
    st.started = true;
    st.srv = srv;
    /* libsystemd's own test of "under systemd": sd_notify returns 0 when
     * there is no NOTIFY_SOCKET. Then there is no one to tell anything,
     * nor to ping, whatever WATCHDOG_USEC says. */
    int rc = sd_notify(0, "STATUS=starting");
    if (rc < 0)
        mg_notify_unusable(rc);
    mg_store_watch(srv->store, on_link, NULL);
    if (rc <= 0)
        return;
    st.active = true;
    send_status("", "");

    /* WATCHDOG_USEC (and WATCHDOG_PID, when set, naming this process):
     * systemd kills the service when no WATCHDOG=1 comes for that long.
     * Pinging at half of it leaves a whole half for a slow turn of the
     * loop; a loop stuck for longer is what the watchdog is for. */
    uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0)
        return;
    uint64_t every_ms = usec / 2000;
    if (every_ms == 0)
        every_ms = 1;
    uv_timer_init(srv->loop, &st.watchdog_timer);
    /* The pings alone must not keep the loop running (nor a failed start
     * from ending); mg_notify_stopping closes the timer. */
    uv_unref((uv_handle_t *)&st.watchdog_timer);
    st.watchdog = true;
    tell("WATCHDOG=1");
    (void)uv_timer_start(&st.watchdog_timer, on_watchdog, every_ms, every_ms);
    MG_LOG(MG_LOG_INFO, "notify", "watchdog", "{s:I, s:I}", "watchdog_usec",
           (json_int_t)usec, "ping_every_ms", (json_int_t)every_ms);
}

void mg_notify_reloading_text(char *msg, size_t size)
{
    /* MONOTONIC_USEC: systemd 253 and later match the READY=1 that ends a
     * reload to the RELOADING=1 that began it by this time; older ones
     * ignore it. */
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    snprintf(msg, size, "RELOADING=1\nMONOTONIC_USEC=%" PRIu64 "\nSTATUS=reloading",
             (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u);
}

void mg_notify_unusable(int rc)
{
    MG_LOG(MG_LOG_WARN, "notify", "notify_socket_unusable", "{s:s, s:s}", "error",
           strerror(-rc),
           "note", "NOTIFY_SOCKET is set but cannot be written: systemd will "
                   "not hear that modgate is ready");
}

void mg_notify_reloading(void)
{
    if (!st.active || !st.ready_sent || st.stopping)
        return;
    char msg[128];
    mg_notify_reloading_text(msg, sizeof msg);
    tell(msg);
}

void mg_notify_reloaded(bool ok)
{
    if (!st.active || !st.ready_sent || st.stopping)
        return;
    send_status("READY=1\n", ok ? "" : "; the last reload failed (see the log), the "
                                       "previous configuration stays in force");
}

static void on_watchdog_closed(uv_handle_t *h)
{
    (void)h;
}

void mg_notify_stopping(void)
{
    if (!st.active || st.stopping)
        return;
    st.stopping = true;
    tell("STOPPING=1\nSTATUS=draining connections");
    if (st.srv->store)
        mg_store_watch(st.srv->store, NULL, NULL);
    if (st.watchdog)
        uv_close((uv_handle_t *)&st.watchdog_timer, on_watchdog_closed);
}
