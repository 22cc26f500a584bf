/* reload.c: reloading without a restart (SIGHUP). The configuration is
 * read again exactly as at start (the same -c file, environment and
 * flags), then everything it names is loaded: the tokens file, the signing
 * keys with the retired keys, the rules. Only when all of them load are
 * they put in force, at once, with the other settings that can change
 * while running (rate limits, log level, HTTP limits, comment and
 * moderation settings); when one does not, nothing changes and the log
 * says which part and why (reload_failed), as the start would have said.
 *
 * What is made once at start (the listening socket, the Redis link, the
 * active signing key) keeps its running value: a reload that sees one of
 * those keys changed says so (reload_needs_restart) and applies the rest.
 *
 * Nothing in flight points into what is freed: exchanges copy their
 * principal (handlers.c), rule sets are reference counted, signing and
 * reading the configuration's values happen without waiting.
 *
 * The loading (load_all: the configuration, the tokens, the keys, the
 * rules) runs on the thread pool, one reload at a time (reloads.c); it
 * reads main's arguments, which never change, and nothing of srv. What
 * compares with the running values (the diff, the active key), the swap
 * and the log run on the loop after it (full_done). */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "modgate/alloc.h"
#include "modgate/config.h"
#include "modgate/keyring.h"
#include "modgate/log.h"
#include "modgate/rules.h"
#include "modgate/store.h"
#include "modgate/tokens.h"
#include "notify.h"
#include "server.h"

/* Everything a reload loads before it changes anything: the job. */
struct loaded {
    struct mg_reload_job job; /* first: the job is the struct */
    int argc;                 /* main's, copied on the loop */
    char **argv, **envp;
    struct mg_config cfg;
    struct mg_config_diff diff;
    struct mg_tokens *tokens;
    struct mg_keyring *keyring;
    bool keep_keyring; /* the active key would change: a restart item */
    struct mg_rules *rules;
    /* the outcome, said in the log on the loop: MG_OK, or the part that
     * failed and why */
    int rc;
    const char *part;
    char why[1300];
};

static int failed(struct loaded *l, const char *part, const char *why, int rc)
{
    l->part = part;
    snprintf(l->why, sizeof l->why, "%s", why);
    return rc;
}

static int failed_error(struct loaded *l, const char *part, const struct mg_error *err,
                        int rc)
{
    char msg[1200];
    return failed(l, part, mg_error_format(err, msg, sizeof msg), rc);
}

static bool has(const char *const *names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return true;
    return false;
}

/* The active key is the one comments are signed with, and the one a
 * restart loads: a reload keeps it, and the retired keys with it, when
 * the key file now holds another key (or the key setting changed). */
static void keep_running_key(struct mg_server *srv, struct loaded *l)
{
    struct mg_config_diff *d = &l->diff;
    bool same = l->keyring && srv->keyring
                    ? strcmp(mg_keyring_active_id(l->keyring),
                             mg_keyring_active_id(srv->keyring)) == 0
                    : !l->keyring && !srv->keyring;
    if (same && !has(d->restart, d->nrestart, "key"))
        return;
    l->keep_keyring = true;
    if (!has(d->restart, d->nrestart, "key"))
        d->restart[d->nrestart++] = "key";
    /* the retired keys file stays the one running, and is said so */
    for (size_t i = 0; i < d->nlive; i++) {
        if (strcmp(d->live[i], "retired_keys") != 0)
            continue;
        memmove(&d->live[i], &d->live[i + 1], (d->nlive - i - 1) * sizeof d->live[0]);
        d->nlive--;
        d->restart[d->nrestart++] = "retired_keys";
        mg_free(l->cfg.retired_keys_file);
        l->cfg.retired_keys_file =
            srv->cfg->retired_keys_file ? mg_strdup(srv->cfg->retired_keys_file) : NULL;
        break;
    }
}

/* On a pool thread: reads the configuration and loads what it names into
 * l; on failure says why in l and returns the error, having loaded
 * nothing that l does not own. Touches nothing shared: the configuration,
 * tokens and key loaders read files into what they return, the rules
 * loader likewise (handle_rules.c). */
static int load_all(struct loaded *l)
{
    struct mg_error err = {0};
    enum mg_config_action action;
    int rc = mg_config_from_args(&l->cfg, l->argc, l->argv, l->envp, &action, &err);
    if (rc != MG_OK)
        return failed_error(l, "config", &err, rc);

    if (l->cfg.tokens_file &&
        (rc = mg_tokens_load(l->cfg.tokens_file, &l->tokens, &err)) != MG_OK)
        return failed_error(l, "tokens", &err, rc);

    if (l->cfg.key_file &&
        (rc = mg_keyring_load(l->cfg.key_file, l->cfg.retired_keys_file, &l->keyring,
                              &err)) != MG_OK)
        return failed_error(l, "keys", &err, rc);

    if (l->cfg.rules_dir) {
        struct mg_rules_errors *errs = mg_calloc(1, sizeof *errs);
        rc = mg_rules_load(l->cfg.rules_dir, &l->rules, errs);
        if (rc != MG_OK) {
            char why[1300], first[1200];
            snprintf(why, sizeof why, "%zu errors, the first: %s", errs->count + errs->more,
                     mg_error_format(&errs->items[0], first, sizeof first));
            rc = failed(l, "rules", why, MG_EINVAL);
        }
        mg_free(errs);
    }
    return rc;
}

static void unload(struct loaded *l)
{
    mg_rules_unref(l->rules);
    mg_keyring_free(l->keyring);
    mg_tokens_free(l->tokens);
    mg_config_close(&l->cfg);
}

static json_t *names_json(const char *const *names, size_t n)
{
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, json_string(names[i]));
    return list;
}

/* Puts what l holds in force; l is left with what was replaced. */
static void swap_in(struct mg_server *srv, struct loaded *l)
{
    struct mg_tokens *tokens = srv->tokens;
    srv->tokens = l->tokens;
    l->tokens = tokens;
    if (!l->keep_keyring) {
        struct mg_keyring *kr = srv->keyring;
        srv->keyring = l->keyring;
        l->keyring = kr;
    }
    /* the set in force goes with its reference; l->rules was moved */
    mg__server_rules_install(srv, l->rules, l->cfg.rules_dir);
    l->rules = NULL;
    mg_config_apply_live(srv->cfg, &l->cfg);
    srv->limits.header_max = srv->cfg->header_max_bytes;
    srv->limits.body_max = srv->cfg->body_max_bytes;
    if (srv->store && has(l->diff.live, l->diff.nlive, "rate_limits"))
        mg_store_set_rate_limits(srv->store, &srv->cfg->rate_limits);
}

static void log_reloaded(struct mg_server *srv, const struct loaded *l)
{
    if (l->diff.nrestart)
        MG_LOG(MG_LOG_WARN, "server", "reload_needs_restart", "{s:o, s:s}", "keys",
               names_json(l->diff.restart, l->diff.nrestart), "note",
               "these keep their running values until modgate restarts");
    int signing_keys = 0;
    if (srv->keyring) {
        json_t *keys = mg_keyring_to_json(srv->keyring);
        signing_keys = (int)json_array_size(json_object_get(keys, "keys"));
        json_decref(keys);
    }
    /* said at the new level or the old, whichever says more, so that a
     * reload that quiets the log is still seen */
    enum mg_log_level level = (enum mg_log_level)srv->cfg->log_level;
    if (level > mg_log_threshold)
        level = mg_log_threshold;
    mg_log_threshold = level;
    MG_LOG(MG_LOG_INFO, "server", "reloaded", "{s:o, s:i, s:i, s:s, s:i, s:s}", "changed",
           names_json(l->diff.live, l->diff.nlive), "tokens",
           srv->tokens ? (int)mg_tokens_count(srv->tokens) : 0, "rules",
           srv->rules ? (int)mg_rules_count(srv->rules) : 0, "rules_version",
           srv->rules ? mg_rules_version(srv->rules) : MG_RULES_EMPTY_VERSION,
           "signing_keys", signing_keys, "log_level",
           mg_log_level_name((enum mg_log_level)srv->cfg->log_level));
    mg_log_threshold = (enum mg_log_level)srv->cfg->log_level;
}

void mg__server_tokens_note(const struct mg_server *srv)
{
    const char *file = srv->cfg->tokens_file;
    if (!file) {
        MG_LOG(MG_LOG_WARN, "main", "no_tokens", "{s:s}", "note",
               "no tokens file: every authenticated endpoint answers 401");
        return;
    }
    int line;
    size_t weak = mg_tokens_weak(srv->tokens, &line);
    if (!weak)
        return;
    char note[160];
    snprintf(note, sizeof note,
             "tokens under %d characters can be guessed; make one with: "
             "head -c 32 /dev/urandom | base64 | tr -d '/+='",
             MG_TOKEN_STRONG_LEN);
    MG_LOG(MG_LOG_WARN, "main", "weak_tokens", "{s:s, s:i, s:i, s:s}", "file", file,
           "count", (int)weak, "first_line", line, "note", note);
}

static void full_load(struct mg_reload_job *job)
{
    struct loaded *l = (struct loaded *)job;
    l->rc = load_all(l);
}

/* On the loop: compared with what runs, put in force and logged; or the
 * failure logged. Once the server drains, what was loaded is dropped: it
 * would serve nothing (reloads.c). */
static void full_done(struct mg_reload_job *job)
{
    struct loaded *l = (struct loaded *)job;
    struct mg_server *srv = job->srv;
    if (srv->draining) {
        MG_LOG(MG_LOG_INFO, "server", "reload_dropped", "{s:s}", "note",
               "the server is stopping: what the reload loaded is not put in force");
    } else if (l->rc != MG_OK) {
        MG_LOG(MG_LOG_ERROR, "server", "reload_failed", "{s:s, s:s, s:s}", "part",
               l->part, "error", l->why, "note",
               "nothing changed: what was in force stays in force");
    } else {
        mg_config_diff(srv->cfg, &l->cfg, &l->diff);
        keep_running_key(srv, l);
        swap_in(srv, l);
        mg__server_tokens_note(srv);
        log_reloaded(srv, l);
    }
    mg_notify_reloaded(l->rc == MG_OK);
    unload(l);
    mg_free(l);
}

struct mg_reload_job *mg__full_job(struct mg_server *srv)
{
    struct loaded *l = mg_calloc(1, sizeof *l);
    mg_config_init(&l->cfg);
    l->argc = srv->argc;
    l->argv = srv->argv;
    l->envp = srv->envp;
    l->job.load = full_load;
    l->job.done = full_done;
    mg_notify_reloading();
    return &l->job;
}
