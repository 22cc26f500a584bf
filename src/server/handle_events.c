/* handle_events.c: GET /v1/events, the events feed (docs/api.md "Events"):
 * a page of events after a cursor, oldest first, read with its expiry check
 * in one script (events_read.lua); with wait=S a request that finds nothing
 * waits up to S seconds for an event.
 *
 * Waiting costs no Redis connection and no busy loop: a waiting request is
 * parked in a list (srv->feed), and while the list is not empty ONE timer
 * per process asks Redis for the stream's newest id every FEED_POLL_MS,
 * whatever the number of waiters; those whose cursor is behind it read
 * again and answer. The same tick answers the waiters whose time is up
 * (an empty page), so no waiter holds a timer of its own. A client that
 * leaves while waiting is noticed by conn.c (mg__conn_await) and removed.
 * At the drain every waiter is answered at once. The same file runs the
 * trimming by age, 5 s after start and then once a minute (events_trim.lua). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "modgate/alloc.h"
#include "modgate/log.h"
#include "modgate/store.h"
#include "modgate/streamid.h"
#include "modgate/timefmt.h"
#include "server.h"

#define FEED_LIMIT_DEFAULT 100
#define FEED_LIMIT_MAX 1000
#define FEED_WAIT_MAX_S 30
#define FEED_POLL_MS 100
#define FEED_TRIM_MS 60000
/* The first trim, soon after start: instances restarted more often than
 * every minute (a rolling deploy, a crash loop) still trim. */
#define FEED_TRIM_FIRST_MS 5000

/* One feed request, from its parameters to its answer; parked in
 * srv->feed.waiters while it waits with no read in flight. */
struct mg_feed_waiter {
    struct mg_server *srv;
    struct mg_exchange *x;
    char after[MG_STREAM_ID_LEN]; /* the cursor; "" for none */
    size_t limit;
    uint64_t deadline; /* uv_now() past which it answers what it has */
    struct mg_feed_waiter *prev, *next;
};

/* Whether stream id a is before b (both parse). */
static bool id_before(const char *a, const char *b)
{
    struct mg_stream_id ia, ib;
    return mg_stream_id_parse(a, &ia) && mg_stream_id_parse(b, &ib) &&
           mg_stream_id_cmp(ia, ib) < 0;
}

/* An integer parameter in [min, max] into *out (def when absent); false
 * after answering 400 naming it. */
static bool int_param(struct mg_exchange *x, const char *name, long min, long max,
                      long def, long *out)
{
    const char *query = x->req->query;
    char *text = NULL;
    int rc = query ? mg_http_query_get(query, name, &text) : MG_ENOENT;
    *out = def;
    if (rc == MG_ENOENT)
        return true;
    bool ok = false;
    if (rc == MG_OK) {
        char *end = NULL;
        errno = 0;
        long v = strtol(text, &end, 10);
        ok = text[0] >= '0' && text[0] <= '9' && *end == '\0' && errno == 0 &&
             v >= min && v <= max;
        *out = v;
    }
    mg_free(text);
    if (!ok) {
        char detail[96];
        snprintf(detail, sizeof detail, "%s must be an integer from %ld to %ld.", name,
                 min, max);
        mg_respond_invalid(x, name, detail);
    }
    return ok;
}

/* after, limit and wait into w; false after answering 400. */
static bool read_params(struct mg_exchange *x, struct mg_feed_waiter *w, long *wait_s)
{
    const char *query = x->req->query;
    char *after = NULL;
    int rc = query ? mg_http_query_get(query, "after", &after) : MG_ENOENT;
    if (rc != MG_ENOENT) {
        /* kept in the canonical form Redis writes: 007-0 is 7-0 */
        struct mg_stream_id id;
        bool ok = rc == MG_OK && mg_stream_id_parse(after, &id);
        if (ok)
            mg_stream_id_format(id, w->after);
        mg_free(after);
        if (!ok) {
            mg_respond_invalid(x, "after", "after must be a cursor this server gave "
                                           "out: a stream id such as 1765100000000-0.");
            return false;
        }
    }
    long limit;
    if (!int_param(x, "limit", 1, FEED_LIMIT_MAX, FEED_LIMIT_DEFAULT, &limit) ||
        !int_param(x, "wait", 0, FEED_WAIT_MAX_S, 0, wait_s))
        return false;
    w->limit = (size_t)limit;
    return true;
}

json_t *mg_event_json(const struct mg_store_event *e)
{
    struct mg_stream_id id = {0, 0};
    (void)mg_stream_id_parse(e->id, &id); /* Redis wrote it: it parses */
    char at[MG_TIME_LEN];
    mg_time_format((int64_t)id.ms, at);
    return json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:s}", "id", e->id, "type", e->type,
                     "comment_id", e->comment, "article_id", e->article, "author_id",
                     e->author[0] ? json_string(e->author) : json_null(), "status",
                     e->status, "at", at);
}

/* Answers 200 with the events and frees w. cursor is next_cursor when
 * there are none. */
static void answer(struct mg_feed_waiter *w, const struct mg_store_event *events,
                   size_t n, const char *cursor)
{
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, mg_event_json(&events[i]));
    /* cursor may be w->after: packed before w is freed */
    json_t *body = json_pack("{s:o, s:s}", "events", list, "next_cursor",
                             n ? events[n - 1].id : cursor);
    struct mg_exchange *x = w->x;
    mg_free(w);
    mg_respond_json(x, 200, body);
}

static void park(struct mg_feed_waiter *w);
static int read_events(struct mg_feed_waiter *w);

static void on_events(int status, bool expired, const struct mg_store_event *events,
                      size_t count, const char *cursor, void *data)
{
    struct mg_feed_waiter *w = data;
    struct mg_server *srv = w->srv;
    if (status != MG_OK) {
        struct mg_exchange *x = w->x;
        mg_free(w);
        mg_respond_unavailable(x, status);
    } else if (expired) {
        struct mg_exchange *x = w->x;
        mg_free(w);
        mg_respond_error(x, 410, "cursor_expired",
                         "Events after this cursor are older than the retention and "
                         "may be gone; start again without after.");
    } else if (count > 0 || !srv->feed.started || srv->draining ||
               uv_now(srv->loop) >= w->deadline) {
        answer(w, events, count, cursor);
    } else {
        if (!w->after[0]) /* from here on, wait after where the stream ends */
            snprintf(w->after, sizeof w->after, "%s", cursor);
        park(w);
    }
}

static int read_events(struct mg_feed_waiter *w)
{
    struct mg_server *srv = w->srv;
    return mg_store_events_read(srv->store, w->after[0] ? w->after : NULL, w->limit,
                                (int64_t)srv->cfg->events_retention_s * 1000, on_events,
                                w);
}

static void unpark(struct mg_feed_waiter *w)
{
    struct mg_feed *f = &w->srv->feed;
    if (w->prev)
        w->prev->next = w->next;
    else
        f->waiters = w->next;
    if (w->next)
        w->next->prev = w->prev;
    w->prev = w->next = NULL;
    f->count--;
    w->x->on_gone = NULL;
    w->x->gone_data = NULL;
}

/* The client left: answer (to no one) and forget it. */
static void on_gone(struct mg_exchange *x)
{
    struct mg_feed_waiter *w = x->gone_data;
    unpark(w);
    answer(w, NULL, 0, w->after);
}

static void on_poll_tick(uv_timer_t *t);

static void park(struct mg_feed_waiter *w)
{
    struct mg_feed *f = &w->srv->feed;
    w->next = f->waiters;
    if (f->waiters)
        f->waiters->prev = w;
    f->waiters = w;
    if (f->count++ == 0)
        uv_timer_start(&f->poll_timer, on_poll_tick, FEED_POLL_MS, FEED_POLL_MS);
    w->x->on_gone = on_gone;
    w->x->gone_data = w;
    mg__conn_await(w->x);
}

/* Wakes every waiter whose cursor is before last: each reads again. */
static void on_last_id(int status, const char *last, void *data)
{
    struct mg_server *srv = data;
    struct mg_feed *f = &srv->feed;
    f->polling = false;
    if (status != MG_OK)
        return; /* the waiters wait on; each answers at its deadline */
    for (struct mg_feed_waiter *w = f->waiters, *next; w; w = next) {
        next = w->next;
        if (!id_before(w->after, last))
            continue;
        unpark(w);
        int rc = read_events(w);
        if (rc != MG_OK) {
            struct mg_exchange *x = w->x;
            mg_free(w);
            mg_respond_unavailable(x, rc);
        }
    }
}

static void ask_last_id(struct mg_server *srv)
{
    struct mg_feed *f = &srv->feed;
    if (f->polling || !f->waiters)
        return;
    if (mg_store_events_last(srv->store, on_last_id, srv) == MG_OK)
        f->polling = true;
}

static void on_poll_tick(uv_timer_t *t)
{
    struct mg_server *srv = t->data;
    struct mg_feed *f = &srv->feed;
    uint64_t now = uv_now(srv->loop);
    for (struct mg_feed_waiter *w = f->waiters, *next; w; w = next) {
        next = w->next;
        if (now >= w->deadline) {
            unpark(w);
            answer(w, NULL, 0, w->after);
        }
    }
    if (!f->waiters)
        uv_timer_stop(&f->poll_timer);
    else
        ask_last_id(srv);
}

void mg_feed_poke(struct mg_server *srv)
{
    if (srv->feed.started)
        ask_last_id(srv);
}

void mg_handle_events(struct mg_exchange *x)
{
    struct mg_feed_waiter *w = mg_calloc(1, sizeof *w);
    long wait_s = 0;
    if (!read_params(x, w, &wait_s)) {
        mg_free(w);
        return;
    }
    w->srv = x->srv;
    w->x = x;
    w->deadline = uv_now(x->srv->loop) + (uint64_t)wait_s * 1000;
    int rc = read_events(w);
    if (rc != MG_OK) {
        mg_free(w);
        mg_respond_unavailable(x, rc);
    }
}

static void on_trimmed(int status, void *data)
{
    (void)data;
    if (status != MG_OK)
        MG_LOG(MG_LOG_DEBUG, "events", "trim_failed", "{s:s}", "error",
               mg_strerror(status));
}

static void on_trim_tick(uv_timer_t *t)
{
    struct mg_server *srv = t->data;
    int64_t retention_ms = (int64_t)srv->cfg->events_retention_s * 1000;
    if (mg_store_events_trim(srv->store, retention_ms, on_trimmed, NULL) != MG_OK)
        on_trimmed(MG_EUNAVAIL, NULL);
}

void mg_feed_start(struct mg_server *srv)
{
    struct mg_feed *f = &srv->feed;
    uv_timer_init(srv->loop, &f->poll_timer);
    uv_timer_init(srv->loop, &f->trim_timer);
    f->poll_timer.data = f->trim_timer.data = srv;
    uv_timer_start(&f->trim_timer, on_trim_tick, FEED_TRIM_FIRST_MS, FEED_TRIM_MS);
    f->started = true;
}

static void on_timer_closed(uv_handle_t *h)
{
    (void)h;
}

void mg_feed_stop(struct mg_server *srv)
{
    struct mg_feed *f = &srv->feed;
    if (!f->started)
        return;
    f->started = false; /* reads in flight answer when they return */
    while (f->waiters) {
        struct mg_feed_waiter *w = f->waiters;
        unpark(w);
        answer(w, NULL, 0, w->after);
    }
    uv_close((uv_handle_t *)&f->poll_timer, on_timer_closed);
    uv_close((uv_handle_t *)&f->trim_timer, on_timer_closed);
}
