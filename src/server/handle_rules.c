/* handle_rules.c: the rule set in force. It is loaded at start, and loaded
 * again on POST /v1/rules/reload (and by a reload, reload.c): a set that
 * loads replaces the old one at once (judging is synchronous, so no request
 * straddles the swap; a request holding a reference would keep the old set
 * alive), a set that does not leaves the old one in force and says why.
 * A reload's load runs on the thread pool (reloads.c): the POST is
 * answered when it has finished. */
#include "modgate/alloc.h"
#include "modgate/log.h"
#include "modgate/problem.h"
#include "modgate/rules.h"
#include "modgate/store.h"
#include "modgate/timefmt.h"
#include "server.h"
#include "workers.h"

int mg__server_rules_load(struct mg_server *srv, struct mg_rules_errors *errs)
{
    const char *dir = srv->cfg->rules_dir;
    if (!dir) {
        if (errs)
            errs->count = errs->more = 0;
        return MG_OK; /* the empty set: every comment is published */
    }
    struct mg_rules *fresh;
    if (mg_rules_load(dir, &fresh, errs) != MG_OK)
        return MG_EINVAL;
    mg__server_rules_install(srv, fresh, dir);
    return MG_OK;
}

void mg__server_rules_install(struct mg_server *srv, struct mg_rules *fresh,
                              const char *dir)
{
    if (srv->rules) {
        if (fresh)
            mg_rules_inherit_hits(fresh, srv->rules);
        mg_rules_unref(srv->rules);
    }
    srv->rules = fresh;
    if (fresh)
        MG_LOG(MG_LOG_INFO, "rules", "rules_loaded", "{s:s, s:s, s:i}", "dir", dir,
               "rules_version", mg_rules_version(fresh), "rules",
               (int)mg_rules_count(fresh));
}

static json_t *errors_json(const struct mg_rules_errors *errs)
{
    json_t *list = json_array();
    for (size_t i = 0; i < errs->count; i++) {
        const struct mg_error *e = &errs->items[i];
        json_array_append_new(list, json_pack("{s:s, s:i, s:i, s:s}", "file", e->file,
                                              "line", e->line, "column", e->column,
                                              "message", e->message));
    }
    return list;
}

static void respond_reloaded(struct mg_exchange *x)
{
    struct mg_rules *rules = x->srv->rules;
    mg_respond_json(x, 200,
                    json_pack("{s:I, s:s}", "rule_count",
                              (json_int_t)(rules ? mg_rules_count(rules) : 0),
                              "rules_version",
                              rules ? mg_rules_version(rules) : MG_RULES_EMPTY_VERSION));
}

static void on_audited(int status, void *data)
{
    struct mg_exchange *x = data;
    /* The new rules are in force whatever the log says: answer so, and tell
     * the operator the audit log missed it. */
    if (status != MG_OK)
        MG_LOG(MG_LOG_WARN, "rules", "audit_write_failed", "{s:s, s:s}", "action",
               "rules_reload", "error", mg_strerror(status));
    respond_reloaded(x);
}

/* The load failed: 422 with its errors; the set in force stays. */
static void respond_invalid(struct mg_exchange *x, const struct mg_rules_errors *errs)
{
    json_t *p = mg_problem_new(422, "invalid_rules",
                               "The rules on disk do not load; the rules in "
                               "force stay in force.");
    json_object_set_new(p, "errors", errors_json(errs));
    if (errs->more)
        json_object_set_new(p, "more_errors", json_integer((json_int_t)errs->more));
    mg_respond_problem(x, p, NULL, 0);
}

/* The set in force is the one loaded: a moderator's reload is one of
 * their actions, into the audit log, its target the version now in
 * force; then 200. */
static void audit_reloaded(struct mg_exchange *x)
{
    struct mg_rules *rules = x->srv->rules;
    if (mg_store_audit_add(x->srv->store, mg_time_now_ms(), x->principal->name,
                           "rules_reload",
                           rules ? mg_rules_version(rules) : MG_RULES_EMPTY_VERSION,
                           NULL, on_audited, x) != MG_OK)
        on_audited(MG_EUNAVAIL, x);
}

/* A rules load on the pool for the POSTs waiting on it. */
struct rules_job {
    struct mg_reload_job job; /* first: the job is the struct */
    char *dir;                /* NULL: no rules directory, nothing to load */
    int rc;
    struct mg_rules *fresh;
    struct mg_rules_errors errs;
    struct mg_exchange **xs;
    size_t n;
    uint64_t gen; /* with workers: the reload generation it serves */
};

/* On a pool thread: mg_rules_load touches nothing shared (docs/architecture.md,
 * "Reloading": the allocator, PCRE2, ICU, libfyaml and libsodium are
 * thread-safe, and the normalizer's tables are built once, under
 * pthread_once). */
static void rules_job_load(struct mg_reload_job *job)
{
    struct rules_job *j = (struct rules_job *)job;
    j->rc = j->dir ? mg_rules_load(j->dir, &j->fresh, &j->errs) : MG_OK;
}

/* On the loop: into force (or not), logged once, each POST answered. */
static void rules_job_done(struct mg_reload_job *job)
{
    struct rules_job *j = (struct rules_job *)job;
    struct mg_server *srv = job->srv;
    if (j->rc == MG_OK && j->dir) {
        mg__server_rules_install(srv, j->fresh, j->dir);
    } else if (j->rc != MG_OK) {
        char first[1200];
        mg_error_format(&j->errs.items[0], first, sizeof first);
        MG_LOG(MG_LOG_WARN, "rules", "rules_reload_failed", "{s:s, s:i, s:s, s:s}",
               "dir", j->dir, "errors", (int)(j->errs.count + j->errs.more), "first",
               first, "note", "the rules in force stay in force");
    }
    if (j->rc == MG_OK) { /* with workers, once the others have it too */
        mg__worker_rules_loaded(srv, j->gen, j->xs, j->n, audit_reloaded);
    } else {
        if (srv->workers) /* done too: whoever waits for it need not */
            mg_workers_rules_loaded(srv->workers, j->gen);
        for (size_t i = 0; i < j->n; i++)
            respond_invalid(j->xs[i], &j->errs);
        mg_free(j->xs);
    }
    mg_free(j->dir);
    mg_free(j);
}

struct mg_reload_job *mg__rules_job(struct mg_server *srv, struct mg_exchange **xs,
                                    size_t n)
{
    struct rules_job *j = mg_calloc(1, sizeof *j);
    /* the setting now: a SIGHUP may change it, but not while this loads */
    j->dir = srv->cfg->rules_dir ? mg_strdup(srv->cfg->rules_dir) : NULL;
    j->xs = xs;
    j->n = n;
    j->gen = srv->workers ? mg_workers_rules_generation(srv->workers) : 0;
    j->job.load = rules_job_load;
    j->job.done = rules_job_done;
    return &j->job;
}

/* With workers, every worker loads: the others are asked first, and x is
 * answered once they all have (worker.c). */
void mg_handle_rules_reload(struct mg_exchange *x)
{
    if (x->srv->workers)
        (void)mg_workers_rules_asked(x->srv->workers);
    mg__reload_rules(x->srv, x);
}
