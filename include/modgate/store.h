/* store.h: the only module that speaks to Redis (hiredis async on the libuv
 * loop). It owns every key name and every Lua script.
 *
 * Async contract: a call either fails now (returns a negative mg_status and
 * never calls its callback) or returns 0 and calls its callback exactly once
 * later, on the loop thread, with the status first. Every command has a
 * deadline (redis.timeout_ms): past it the callback gets MG_ETIMEDOUT and the
 * connection is dropped and re-made, since a hung Redis answers nothing else
 * either. The store connects in the background and reconnects forever with
 * capped exponential backoff; it never blocks the loop. */
#ifndef MODGATE_STORE_H
#define MODGATE_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "modgate/config.h"
#include "modgate/error.h"

struct uv_loop_s;
struct mg_store;

struct mg_store_stats {
    bool ready;              /* connected, authenticated, scripts loaded, last probe answered */
    uint64_t connects;       /* successful connections made */
    uint64_t reconnects;     /* connections made after a loss */
    uint64_t errors;         /* commands that failed (error reply, lost link) */
    uint64_t timeouts;       /* commands that passed their deadline */
    uint64_t script_loads;   /* SCRIPT LOAD calls (start, and after NOSCRIPT) */
    uint64_t noscript;       /* NOSCRIPT replies seen (then loaded and retried) */
};

/* Creates the store on loop with cfg's redis settings (cfg is borrowed and
 * must outlive the store) and starts connecting. Caller owns *out; end it
 * with mg_store_close. */
int mg_store_new(struct uv_loop_s *loop, const struct mg_config *cfg,
                 struct mg_store **out) MG_MUST_CHECK;

/* True while Redis answers (see stats.ready). */
bool mg_store_ready(const struct mg_store *store);

void mg_store_get_stats(const struct mg_store *store,
                        struct mg_store_stats *out);

/* Runs the probe script (EVALSHA, reloaded on NOSCRIPT): Redis' own clock in
 * milliseconds. MG_EUNAVAIL now when not connected. */
typedef void (*mg_store_time_cb)(int status, int64_t redis_ms, void *data);
int mg_store_time(struct mg_store *store, mg_store_time_cb cb,
                  void *data) MG_MUST_CHECK;

/* Disconnects; callbacks still pending get MG_ECLOSED. on_closed runs once
 * every handle is closed, after which the store is freed. */
void mg_store_close(struct mg_store *store, void (*on_closed)(void *data),
                    void *data);

#endif
