/* reloads.c: reloads off the event loop, one at a time.
 *
 * Loading a rule set reads its files, compiles its patterns and parses its
 * model: a 12 MB model takes about 0.25 s, and on the loop every request
 * would wait that long. So a load runs on libuv's thread pool
 * (uv_queue_work) and only the swap, which takes no time, runs on the
 * loop, in the after-work callback. The jobs (handle_rules.c for POST
 * /v1/rules/reload, reload.c for SIGHUP) say what they load and install.
 *
 * One load at a time per process: two loads at once would each hold a
 * whole set, and the slower could put an older reading of the files in
 * force after the newer. Requests that come while one loads are
 * coalesced: the POSTs that came meanwhile share one rules load begun
 * after the running one ends, and SIGHUPs one full reload. Each of them
 * is so answered by a load that read the files after it was asked, which
 * is all a run of its own would promise, and a burst of reloads costs two
 * loads, not one each. A pending SIGHUP goes first: it may change where
 * the rules are.
 *
 * A load under way cannot be cancelled (a pool thread is running it), so
 * a shutdown waits for it: the drain closes Redis only once no load runs
 * (mg__server_conn_gone), the POSTs waiting hold their connections and
 * are answered (Connection: close), and a SIGHUP's result is dropped once
 * the server drains (reload.c). */
#include "modgate/alloc.h"
#include "server.h"

static void kick(struct mg_server *srv);

static void on_work(uv_work_t *w)
{
    struct mg_reload_job *job = w->data;
    job->load(job);
}

static void on_after_work(uv_work_t *w, int status)
{
    (void)status; /* UV_ECANCELED only after uv_cancel, never called */
    struct mg_reload_job *job = w->data;
    struct mg_server *srv = job->srv;
    srv->reloads.busy = false;
    job->done(job); /* frees job */
    kick(srv);
    if (srv->draining)
        mg__server_conn_gone(srv); /* the drain waited for this load */
}

static void start(struct mg_server *srv, struct mg_reload_job *job)
{
    srv->reloads.busy = true;
    job->srv = srv;
    job->work.data = job;
    if (uv_queue_work(srv->loop, &job->work, on_work, on_after_work) != 0) {
        /* only for a NULL callback: load here rather than never */
        on_work(&job->work);
        on_after_work(&job->work, 0);
    }
}

/* Starts the next load asked for, when none runs. */
static void kick(struct mg_server *srv)
{
    struct mg_reloads *r = &srv->reloads;
    if (r->busy)
        return;
    if (r->want_full && srv->draining)
        r->want_full = false; /* what it would load is never used */
    if (r->want_full) {
        r->want_full = false;
        start(srv, mg__full_job(srv));
    } else if (r->nwaiting || (r->want_rules && !srv->draining)) {
        r->want_rules = false;
        struct mg_reload_job *job = mg__rules_job(srv, r->waiting, r->nwaiting);
        r->waiting = NULL;
        r->nwaiting = r->cap = 0;
        start(srv, job);
    }
}

void mg__reload_rules(struct mg_server *srv, struct mg_exchange *x)
{
    struct mg_reloads *r = &srv->reloads;
    if (r->nwaiting == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 4;
        r->waiting = mg_realloc(r->waiting, r->cap * sizeof *r->waiting);
    }
    r->waiting[r->nwaiting++] = x;
    kick(srv);
}

void mg__reload_rules_asked(struct mg_server *srv)
{
    srv->reloads.want_rules = true;
    kick(srv);
}

void mg__reload_full(struct mg_server *srv)
{
    srv->reloads.want_full = true;
    kick(srv);
}
