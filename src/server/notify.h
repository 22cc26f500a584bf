/* notify.h: what systemd hears from modgate, through libsystemd's sd_notify
 * (a Type=notify service: deploy/systemd/modgate.service).
 *
 *   READY=1     once, the first time Redis answers with the rules loaded
 *               and the webhooks' consumer groups made (what /readyz
 *               calls ready), so that `systemctl start` and
 *               the units ordered after modgate wait for a server that can
 *               do its job; STATUS= says what it waits for and what it runs
 *   WATCHDOG=1  from a timer on the event loop at half the WatchdogSec=
 *               interval, so a loop that is stuck stops the pings and
 *               systemd kills and restarts the service
 *   RELOADING=1 and READY=1 around a SIGHUP reload
 *   STOPPING=1  when the drain starts
 *
 * Outside systemd (no NOTIFY_SOCKET, no WATCHDOG_USEC) every call does
 * nothing. One server per process: the state is the module's own. */
#ifndef MODGATE_SERVER_NOTIFY_H
#define MODGATE_SERVER_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>

struct mg_server;

/* Starts watching srv's store for readiness and, when systemd asks for a
 * watchdog, the pings. Call once srv->store exists and before the loop
 * runs; from then on srv must live until mg_notify_stopping. */
void mg_notify_start(struct mg_server *srv);

/* Something /readyz waits for besides Redis came about (the webhooks'
 * consumer groups, webhooks.h): READY=1 if it was all that was missing. */
void mg_notify_check(void);

/* Around a reload (SIGHUP): RELOADING=1 before, READY=1 after, with ok
 * (the new configuration is in force) said in STATUS=. Before the first
 * READY=1 and after STOPPING=1 they send nothing: systemd is not waiting
 * for a reload then. */
void mg_notify_reloading(void);
/* Shared with the workers' relay (workers_notify.c): the RELOADING=1
 * message, and the warning that NOTIFY_SOCKET cannot be written (rc from
 * sd_notify). */
void mg_notify_reloading_text(char *msg, size_t size);
void mg_notify_unusable(int rc);
void mg_notify_reloaded(bool ok);

/* STOPPING=1 (the drain has started); ends the watchdog pings, which
 * systemd no longer expects once the service stops (TimeoutStopSec= bounds
 * the drain instead), and stops watching the store. Idempotent. */
void mg_notify_stopping(void);

#endif
