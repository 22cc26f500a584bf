/* server.h: the daemon's internal types, shared by the files of src/server:
 * the server (listener, signals, drain), its connections, and the exchange
 * (one request and its response) that handlers work on. */
#ifndef MODGATE_SERVER_H
#define MODGATE_SERVER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "modgate/buf.h"
#include "modgate/config.h"
#include "modgate/http.h"
#include "modgate/metrics.h"
#include "modgate/router.h"
#include "modgate/store.h"
#include "modgate/submission.h"
#include "modgate/tokens.h"

struct mg_store;
struct mg_metrics;
struct mg_keyring;
struct mg_conn;
struct mg_rules;
struct mg_rules_errors;
struct mg_webhooks;

/* The events feed's requests waiting for an event (handle_events.c): a
 * list, and the loop timers of one process (the waiters' poll, the
 * trimming by age). */
struct mg_feed_waiter;
struct mg_feed {
    struct mg_feed_waiter *waiters; /* parked: no read in flight */
    size_t count;
    uv_timer_t poll_timer; /* every FEED_POLL_MS while waiters exist */
    uv_timer_t trim_timer; /* every 60 s */
    bool started;
    bool polling; /* the newest id asked, not yet answered */
};

/* Reloads waiting and running (reloads.c): one load at a time per
 * process, on libuv's thread pool. */
struct mg_reloads {
    bool busy;       /* a job is on the pool; its done is still to run */
    bool want_full;  /* a SIGHUP came after the last full load began */
    bool want_rules; /* another worker asked for a rules load (workers.h) */
    struct mg_rules_wait *rules_waits; /* loaded here, waiting for the
                                          other workers (worker.c) */
    struct mg_exchange **waiting; /* POST /v1/rules/reload after the last */
    size_t nwaiting, cap;         /* rules load began, in order */
};

struct mg_server {
    uv_loop_t *loop;
    struct mg_config *cfg;       /* main's; a reload swaps the values of
                                    the keys it can change (reload.c) */
    int argc;                    /* main's, for a reload to read the */
    char **argv, **envp;         /* configuration again the same way */
    struct mg_tokens *tokens;    /* NULL when no tokens file: every auth fails */
    struct mg_keyring *keyring;  /* NULL when no key file: nothing is published */
    struct mg_store *store;
    struct mg_rules *rules;      /* NULL: the empty set (no rules directory) */
    struct mg_metrics *metrics;
    /* what a worker that died had published of its Redis link's counters,
     * added to this one's, its replacement's (worker.c); else zeros */
    struct mg_metrics_redis redis_base;
    struct mg_webhooks *webhooks; /* NULL when none are configured */
    struct mg_http_limits limits;

    uv_tcp_t listener;      /* bound; its socket is polled and accepted here */
    uv_poll_t accept_poll;  /* the listening socket, readable: connections */
    int reserve_fd;         /* held for the moment descriptors run out */
    uv_signal_t sig_term, sig_int, sig_hup;
    uv_timer_t drain_timer;

    struct mg_feed feed;
    struct mg_reloads reloads;

    /* With workers (workers.h): the shared slots, and the listening socket
     * the supervisor made for this worker; NULL when modgate runs as one
     * process. The worker's own handles: SIGUSR2 (another worker took a
     * POST /v1/rules/reload), and a timer that publishes what /metrics
     * sums and answers reloads waiting for the other workers (worker.c). */
    struct mg_workers *workers;
    int inherited_fd;
    uv_signal_t sig_usr2;
    uv_timer_t worker_timer;

    struct mg_conn *conns; /* every open connection, a doubly linked list */
    size_t conn_count;
    bool draining;
    bool store_closed;
    bool webhooks_stopping; /* the store waits for their hand-over */
    int exit_code;

    char read_buf[65536]; /* shared: reads are handled before the next one */
    uint64_t accept_errors_logged_at; /* ms; rate-limits the EMFILE log */
    uint64_t accept_dropped_unlogged; /* dropped since the last such log */
    uint64_t refused_logged_at;       /* ms; the same for max_connections */
    uint64_t refused_unlogged;        /* refused since the last such log */
};

/* One request and its response. Handlers receive it and must call one of
 * the mg_respond_* functions exactly once, now or later. */
struct mg_exchange {
    struct mg_server *srv;
    struct mg_conn *conn;
    struct mg_http_request *req; /* owned */
    struct mg_route_match match; /* owned */
    /* Who sent it: points at principal_copy, which holds a copy of the
     * token's entry, as a reload may free the token set while the
     * exchange waits on Redis. NULL before authentication. */
    const struct mg_principal *principal;
    struct mg_principal principal_copy;
    char principal_name[MG_TOKEN_NAME_MAX + 1];
    char request_id[65];
    uint64_t start_ns;
    /* Set while the exchange waits for something with no end but its own
     * (the feed's wait=): the connection is read meanwhile, and when the
     * client leaves this is called (once, then cleared) and must answer. */
    void (*on_gone)(struct mg_exchange *x);
    void *gone_data;
};

/* Starts watching x's connection for the client leaving while x waits
 * (x->on_gone must be set): conn.c reads it until x is answered. */
void mg__conn_await(struct mg_exchange *x);

/* Reloading (reloads.c). A load (files read, patterns compiled, a model
 * parsed: a big model takes a good part of a second) runs on libuv's
 * thread pool, so that requests are served meanwhile, and what it loaded
 * is put in force on the loop; one load at a time per process. A job's
 * load runs on a pool thread and touches nothing shared: not srv, the
 * log, Redis or libuv. Its done runs on the loop: it puts in force, logs,
 * answers and frees the job. */
struct mg_reload_job {
    uv_work_t work;
    struct mg_server *srv;
    void (*load)(struct mg_reload_job *job);
    void (*done)(struct mg_reload_job *job);
};
/* POST /v1/rules/reload: x is answered once a rules load that began after
 * now has finished (its outcome, as docs/api.md says). Requests that come
 * while one loads share the next load. */
void mg__reload_rules(struct mg_server *srv, struct mg_exchange *x);
/* Another worker took a POST /v1/rules/reload (SIGUSR2, worker.c): a rules
 * load that begins after now, answering no one here. */
void mg__reload_rules_asked(struct mg_server *srv);
/* SIGHUP: a full reload that begins after now (several coalesce into one);
 * none once the server drains. */
void mg__reload_full(struct mg_server *srv);
/* The jobs, made on the loop when their turn comes: the rules for the
 * exchanges xs[0..n) (handle_rules.c, which takes xs over), and the full
 * reload (reload.c). */
struct mg_reload_job *mg__rules_job(struct mg_server *srv, struct mg_exchange **xs,
                                    size_t n);
struct mg_reload_job *mg__full_job(struct mg_server *srv);

/* Warns about the tokens in force (srv->tokens, from cfg->tokens_file):
 * none configured, or some short enough to guess. At start and reload. */
void mg__server_tokens_note(const struct mg_server *srv);

/* A listening socket on cfg's address and the given port (SO_REUSEPORT
 * when asked, for workers); -1 after logging listen_failed. */
int mg__listen_socket(const struct mg_config *cfg, bool reuseport, int port);

/* This server can do its job: Redis answers, the rules are loaded, the
 * webhooks' groups are made (GET /readyz, with workers this worker's part). */
bool mg__server_ready(const struct mg_server *srv);

/* This worker's metrics published for the others' /metrics (handle_ops.c). */
void mg__metrics_publish(struct mg_server *srv);

/* The worker's side of workers.h (worker.c): _start after the server
 * started (SIGUSR2, the publishing timer), _stop at the drain. Nothing
 * without srv->workers. */
void mg__worker_start(struct mg_server *srv);
void mg__worker_stop(struct mg_server *srv);
/* This worker's readiness published now (also on every tick): notify.c
 * calls it when the Redis link or the webhooks change. */
void mg__worker_publish_ready(struct mg_server *srv);
/* A rules load begun at generation gen has put its set in force here:
 * the POSTs xs[0..n) are answered (by answer) once every other worker has
 * loaded the rules too, or at once without workers. Takes xs over. */
void mg__worker_rules_loaded(struct mg_server *srv, uint64_t gen, struct mg_exchange **xs,
                             size_t n, void (*answer)(struct mg_exchange *x));

/* Starts listening and handling signals. On failure logs why and returns a
 * negative mg_status. srv must be zeroed with loop, cfg, tokens set. */
int mg_server_start(struct mg_server *srv);

/* Stops accepting, lets requests in flight finish (bounded by the drain
 * timeout), closes Redis; uv_run then returns. Idempotent. */
void mg_server_shutdown(struct mg_server *srv);

/* A new connection on fd (accepted, non-blocking; taken over: closed
 * here if libuv cannot take it). Called by server.c. */
void mg__conn_accept(struct mg_server *srv, int fd);

/* Marks every connection to close after its next response (drain); idle
 * ones are left to their timers and the drain timeout (conn.c says why). */
void mg__conn_drain_all(struct mg_server *srv);
/* Closes every connection now (the drain timeout passed). */
void mg__conn_close_all(struct mg_server *srv);

/* Called by conn.c whenever a connection is freed, and by reloads.c when
 * a load ends while the server drains: the drain's last step (closing
 * Redis) waits for both. */
void mg__server_conn_gone(struct mg_server *srv);

/* Routing, auth and media type checks, then the route's handler. */
void mg__dispatch(struct mg_exchange *x);

/* Responses. Headers in extra are copied; body is copied. */
void mg_respond(struct mg_exchange *x, int status, const char *content_type,
                const char *body, size_t body_len,
                const struct mg_http_header *extra, size_t extra_count);
/* Takes ownership of body. */
void mg_respond_json(struct mg_exchange *x, int status, json_t *body);
/* Takes ownership of problem (from mg_problem_new). */
void mg_respond_problem(struct mg_exchange *x, json_t *problem,
                        const struct mg_http_header *extra, size_t extra_count);
void mg_respond_error(struct mg_exchange *x, int status, const char *code,
                      const char *detail);
/* 409 conflict with current_status: the comment's status does not allow
 * what was asked (a decision, an edit). */
void mg_respond_conflict(struct mg_exchange *x, const char *current, const char *detail);
/* 400 invalid_request, naming the member at fault when field is not NULL. */
void mg_respond_invalid(struct mg_exchange *x, const char *field,
                        const char *detail);
/* 400 invalid_request for a body jansson refused (jerr): naming the member
 * when it is one of members[0..n) holding a string that is not Unicode
 * (docs/api.md), else with detail. */
void mg_respond_bad_json(struct mg_exchange *x, const json_error_t *jerr,
                         const char *const *members, size_t n, const char *detail);
/* 503 unavailable with Retry-After: Redis could not answer (status is the
 * store's error: MG_ETIMEDOUT or another). */
void mg_respond_unavailable(struct mg_exchange *x, int status);
/* 503 outcome_unknown with Retry-After: a write was sent to Redis and no
 * answer came (status MG_ETIMEDOUT, MG_ELOST...), or too few replicas
 * confirmed it (MG_ENOACK): it may have taken effect. then ends the detail
 * ("the comment may have been stored: ..."). */
void mg_respond_outcome_unknown(struct mg_exchange *x, int status, const char *then);
/* A moderator's write failed with status (its callback's): 503 unavailable
 * when nothing was done (MG_EUNAVAIL, store.h), else outcome_unknown. */
void mg_respond_write_failed(struct mg_exchange *x, int status);
/* 503 unavailable, Retry-After 60: this instance has no signing key, so it
 * cannot publish (only an operator can fix that). */
void mg_respond_no_key(struct mg_exchange *x);

/* Paging (paging.c): what a list's `limit` (1..200, default 50) and
 * `cursor` ask for. mg_page_query answers 400 itself and returns false when
 * either is malformed; a cursor must decode to the kind of id expected. */
enum mg_cursor_kind { MG_CURSOR_COMMENT, MG_CURSOR_AUDIT, MG_CURSOR_ARTICLE };
struct mg_store_page;
struct mg_page_query {
    size_t limit;
    bool has_after;
    char after[160]; /* the last id of the previous page */
};
bool mg_page_query(struct mg_exchange *x, enum mg_cursor_kind kind,
                   struct mg_page_query *q);
/* Answers a list endpoint: its page of index (of article_id, when not
 * NULL), as {"comments" | "items": [records], "total", "next_cursor"},
 * followed by extra when not NULL: JSON members, '"a":1,"b":2' (copied). */
void mg_page_list(struct mg_exchange *x, enum mg_store_index index,
                  const char *article_id, const char *extra);
/* 200 with {"<list_name>": [records], "total", "next_cursor"[, extra]}. */
void mg_page_respond(struct mg_exchange *x, const char *list_name,
                     const struct mg_store_page *page, const char *extra);
void mg_cursor_encode(const char *id, char *out, size_t size);
/* A page's next_cursor: the cursor after last_id when more follow, else
 * JSON null. */
json_t *mg_next_cursor(bool more, const char *last_id);

/* Loads the rules directory into srv->rules at start, on the loop's
 * thread before it serves (a reload loads on the pool: mg__reload_rules);
 * MG_EINVAL with errs filled when it does not load. _install puts fresh
 * (loaded from dir, or NULL for none) in force, keeping the old set's hit
 * counts. */
void mg__server_rules_install(struct mg_server *srv, struct mg_rules *fresh,
                              const char *dir);
int mg__server_rules_load(struct mg_server *srv, struct mg_rules_errors *errs);

/* Handlers of src/server/handle_*.c */
void mg_handle_healthz(struct mg_exchange *x);
void mg_handle_readyz(struct mg_exchange *x);
void mg_handle_metrics(struct mg_exchange *x);
void mg_handle_submit(struct mg_exchange *x);
void mg_handle_check(struct mg_exchange *x);
void mg_handle_rules_reload(struct mg_exchange *x);
void mg_handle_comment_get(struct mg_exchange *x);
void mg_handle_article_comments(struct mg_exchange *x);
void mg_handle_keys(struct mg_exchange *x);
void mg_handle_ban_create(struct mg_exchange *x);
void mg_handle_ban_list(struct mg_exchange *x);
void mg_handle_ban_delete(struct mg_exchange *x);
void mg_handle_queue(struct mg_exchange *x);
void mg_handle_articles(struct mg_exchange *x);
void mg_handle_rejected(struct mg_exchange *x);
void mg_handle_approve(struct mg_exchange *x);
void mg_handle_reject(struct mg_exchange *x);
void mg_handle_audit(struct mg_exchange *x);
void mg_handle_stats(struct mg_exchange *x);
void mg_handle_article_settings_get(struct mg_exchange *x);
void mg_handle_article_settings_put(struct mg_exchange *x);
/* handle_reports.c: readers' reports */
void mg_handle_report_create(struct mg_exchange *x);
void mg_handle_reported(struct mg_exchange *x);
/* 200 with the record json and, when it has open reports, their summary
 * "reports": {count, reasons}. */
void mg_respond_record_for_moderator(struct mg_exchange *x, const char *json, size_t len);
/* Answers an approval of a published comment: dismisses its reports (409
 * when it has none). reason may be NULL. */
void mg_reports_dismiss(struct mg_exchange *x, const char *reason);
/* handle_comments.c, shared with handle_edits.c: a refused body's
 * problem (400 / 422), and a verdict held for an article's pre-moderation
 * or the author's watch entry (a match says why). */
json_t *mg_submission_problem(const struct mg_submission_error *e);
void mg_hold_for_premoderation(struct mg_verdict *v);
void mg_hold_for_watch(struct mg_verdict *v);
/* 403 banned (until_ms 0: permanent); 429 rate_limited with Retry-After. */
void mg_respond_banned(struct mg_exchange *x, int64_t until_ms);
void mg_respond_rate_limited(struct mg_exchange *x, const char *limit, int64_t retry_after_s);
/* handle_edits.c: the author's edits and the earlier revisions */
void mg_handle_edit(struct mg_exchange *x);
void mg_handle_revisions(struct mg_exchange *x);
void mg_handle_author_get(struct mg_exchange *x);
void mg_handle_author_watch(struct mg_exchange *x);
void mg_handle_author_unwatch(struct mg_exchange *x);
/* handle_events.c: GET /v1/events and its waiting requests. _start begins
 * the trimming timer (mg_server_start); _stop answers every waiting request
 * at once and closes the timers (the drain); _poke asks for the newest
 * event now, for the waiters, after this process wrote one. */
void mg_handle_events(struct mg_exchange *x);
/* An event as the feed and webhooks show it (docs/api.md "Events"): its
 * time is its id's ms part, author_id null when the comment has none. */
json_t *mg_event_json(const struct mg_store_event *e);
void mg_feed_start(struct mg_server *srv);
void mg_feed_stop(struct mg_server *srv);
void mg_feed_poke(struct mg_server *srv);
/* deletion and erasure (handle_erase.c) */
void mg_handle_comment_delete(struct mg_exchange *x);
void mg_handle_author_erase(struct mg_exchange *x);
/* handle_webhooks.c: GET /v1/webhooks */
void mg_handle_webhooks(struct mg_exchange *x);

#endif
