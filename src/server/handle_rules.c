/* handle_rules.c: the rule set in force. It is loaded at start, and loaded
 * again on POST /v1/rules/reload (and by a reload, reload.c): a set that loads replaces the
 * old one at once (judging is synchronous, so no request straddles the
 * swap; a request holding a reference would keep the old set alive), a set
 * that does not leaves the old one in force and says why. */
#include "modgate/alloc.h"
#include "modgate/log.h"
#include "modgate/problem.h"
#include "modgate/rules.h"
#include "modgate/store.h"
#include "modgate/timefmt.h"
#include "server.h"

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

/* Reloads and logs the outcome; the errors are left in *errs. */
int mg__server_rules_reload(struct mg_server *srv, struct mg_rules_errors *errs)
{
    int rc = mg__server_rules_load(srv, errs);
    if (rc != MG_OK) {
        char first[1200];
        mg_error_format(&errs->items[0], first, sizeof first);
        MG_LOG(MG_LOG_WARN, "rules", "rules_reload_failed", "{s:s, s:i, s:s, s:s}",
               "dir", srv->cfg->rules_dir, "errors", (int)(errs->count + errs->more),
               "first", first, "note", "the rules in force stay in force");
    }
    return rc;
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

void mg_handle_rules_reload(struct mg_exchange *x)
{
    struct mg_rules_errors *errs = mg_calloc(1, sizeof *errs);
    if (mg__server_rules_reload(x->srv, errs) != MG_OK) {
        json_t *p = mg_problem_new(422, "invalid_rules",
                                   "The rules on disk do not load; the rules in "
                                   "force stay in force.");
        json_object_set_new(p, "errors", errors_json(errs));
        if (errs->more)
            json_object_set_new(p, "more_errors", json_integer((json_int_t)errs->more));
        mg_free(errs);
        mg_respond_problem(x, p, NULL, 0);
        return;
    }
    mg_free(errs);
    /* a moderator's reload is one of their actions: into the audit log,
     * its target the version now in force */
    struct mg_rules *rules = x->srv->rules;
    if (mg_store_audit_add(x->srv->store, mg_time_now_ms(), x->principal->name,
                           "rules_reload",
                           rules ? mg_rules_version(rules) : MG_RULES_EMPTY_VERSION,
                           NULL, on_audited, x) != MG_OK)
        on_audited(MG_EUNAVAIL, x);
}
