/* workers_notify.h: the supervisor's relay of its workers' messages to
 * systemd (workers.h), so that the workers look like one service.
 *
 * Under systemd (NOTIFY_SOCKET set), each worker runs notify.c unchanged,
 * but its NOTIFY_SOCKET names the supervisor's socket, and its watchdog
 * (WATCHDOG_PID) names itself. The supervisor passes on what one process
 * would have said: STATUS lines as they come; READY=1 once every worker
 * is ready; after a SIGHUP its own RELOADING=1, and READY=1 once every
 * worker has reloaded; WATCHDOG=1 once every worker has pinged since the
 * last one (a stuck worker stops the pings, as a stuck loop would);
 * STOPPING=1 once, its own. Without NOTIFY_SOCKET there is no relay and
 * every function here does nothing. */
#ifndef MODGATE_WORKERS_NOTIFY_H
#define MODGATE_WORKERS_NOTIFY_H

#include <stdbool.h>

struct mg_workers;
struct mg_workers_notify;

/* In the supervisor, before the first fork; NULL when not under systemd. */
struct mg_workers_notify *mg_workers_notify_new(int nworkers);
void mg_workers_notify_free(struct mg_workers_notify *n);
/* The socket to poll for the workers' messages; -1 without a relay. */
int mg_workers_notify_fd(const struct mg_workers_notify *n);
/* In a new worker: its environment pointed at the relay; n (the child's
 * copy) is freed. */
void mg_workers_notify_child(struct mg_workers_notify *n);
/* Reads and relays every message waiting; w maps senders to slots. */
void mg_workers_notify_read(struct mg_workers_notify *n, struct mg_workers *w);
/* The supervisor's own: a SIGHUP forwarded; stopping; a worker gone. */
void mg_workers_notify_reloading(struct mg_workers_notify *n);
void mg_workers_notify_stopping(struct mg_workers_notify *n);
void mg_workers_notify_gone(struct mg_workers_notify *n, int slot);

/* workers.c: the slot of the live worker with this pid, or -1; whether a
 * slot has a live worker. */
int mg_workers_slot_of(struct mg_workers *w, int pid);
bool mg_workers_slot_alive(struct mg_workers *w, int slot);

#endif
