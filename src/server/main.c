/* main.c: modgate's entry point: configuration, process limits, the loop,
 * or the supervisor of several workers (workers.h). */
#include <jansson.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "mg_version.h"
#include "modgate/alloc.h"
#include "modgate/config.h"
#include "modgate/crypto.h"
#include "modgate/keyring.h"
#include "modgate/rules.h"
#include "modgate/log.h"
#include "modgate/metrics.h"
#include "server.h"
#include "workers.h"

/* Descriptors modgate holds besides its client connections. Counted on a
 * running server (/proc/PID/fd): stdin, stdout, stderr; the loop's epoll,
 * eventfd and two signal pipes (4 ends); the listener, modgate's reserve
 * and libuv's (a /dev/null each); the Redis link: 13. A reload reads the
 * rules directory and one file at a time, and a Redis reconnect may overlap
 * the old link for a moment: 16 at most. 32 leaves room for a library to
 * open a file now and then, and for descriptors a service manager passes. */
#define MG_FD_OVERHEAD 32

/* Each connection costs a descriptor: serve as many as the hard limit
 * allows, not the 1024 a shell's default soft limit gives; and say so when
 * even that is fewer than limits.max_connections needs, since the
 * connections past it would be dropped at accept (accept_failed) rather
 * than refused by the setting. */
static void raise_fd_limit(const struct mg_config *cfg)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return;
    rlim_t before = rl.rlim_cur;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            rl.rlim_cur = before;
    }
    MG_LOG(MG_LOG_INFO, "main", "fd_limit", "{s:I, s:I}", "soft",
           (json_int_t)rl.rlim_cur, "was", (json_int_t)before);
    rlim_t needed = (rlim_t)cfg->max_connections + MG_FD_OVERHEAD;
    if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= needed)
        return;
    char note[200];
    snprintf(note, sizeof note,
             "raise the limit to %ju (systemd: LimitNOFILE=; a shell: ulimit -n) "
             "or lower limits.max_connections to %ju",
             (uintmax_t)needed,
             (uintmax_t)(rl.rlim_cur > MG_FD_OVERHEAD ? rl.rlim_cur - MG_FD_OVERHEAD : 1));
    MG_LOG(MG_LOG_WARN, "main", "fd_limit_low", "{s:I, s:I, s:I, s:s}", "limit",
           (json_int_t)rl.rlim_cur, "needed", (json_int_t)needed, "max_connections",
           (json_int_t)cfg->max_connections, "note", note);
}

static void config_error(const struct mg_error *err)
{
    char msg[1200];
    fprintf(stderr, "modgate: %s\n", mg_error_format(err, msg, sizeof msg));
}

static void rules_errors(const struct mg_rules_errors *errs)
{
    for (size_t i = 0; i < errs->count; i++)
        config_error(&errs->items[i]);
    if (errs->more)
        fprintf(stderr, "modgate: ... and %zu more rules errors\n", errs->more);
}

/* --check-config: the configuration was read; the rules are part of what a
 * deployment runs, so they are checked too. The exit status. */
static int check_config(const struct mg_config *cfg)
{
    int code = 0;
    if (cfg->rules_dir) {
        struct mg_rules *rules = NULL;
        struct mg_rules_errors *errs = mg_calloc(1, sizeof *errs);
        if (mg_rules_load(cfg->rules_dir, &rules, errs) != MG_OK) {
            rules_errors(errs);
            code = 2;
        }
        mg_rules_unref(rules);
        mg_free(errs);
    }
    if (code == 0) {
        char redis[512];
        mg_redis_url_describe(&cfg->redis, redis, sizeof redis);
        printf("modgate: configuration OK (listen %s, redis %s, rules %s)\n",
               cfg->listen, redis, cfg->rules_dir ? cfg->rules_dir : "none");
    }
    return code;
}

/* The tokens file, when configured; a weak token or no file at all is
 * said in the log. False after printing why it cannot be read. */
static bool load_tokens(struct mg_server *srv, const struct mg_config *cfg)
{
    struct mg_error err = {0};
    if (cfg->tokens_file && mg_tokens_load(cfg->tokens_file, &srv->tokens, &err) != MG_OK) {
        config_error(&err);
        return false;
    }
    mg__server_tokens_note(srv);
    return true;
}

/* The signing keys and the rules, when configured. False after printing
 * why one of them cannot be loaded. */
static bool load_keys_and_rules(struct mg_server *srv, const struct mg_config *cfg)
{
    struct mg_error err = {0};
    if (cfg->key_file) {
        if (mg_keyring_load(cfg->key_file, cfg->retired_keys_file, &srv->keyring, &err) !=
            MG_OK) {
            config_error(&err);
            return false;
        }
    } else {
        MG_LOG(MG_LOG_WARN, "main", "no_key", "{s:s}", "note",
               "no signing key: comments cannot be published (503)");
    }
    struct mg_rules_errors *errs = mg_calloc(1, sizeof *errs);
    int rc = mg__server_rules_load(srv, errs);
    if (rc != MG_OK)
        rules_errors(errs);
    mg_free(errs);
    if (rc != MG_OK)
        return false;
    if (!cfg->rules_dir)
        MG_LOG(MG_LOG_WARN, "main", "no_rules", "{s:s}", "note",
               "no rules directory: every comment is published");
    return true;
}

/* Runs the server until it stops; its exit status. */
static int run(struct mg_server *srv, const struct mg_config *cfg)
{
    char redis[512];
    mg_redis_url_describe(&cfg->redis, redis, sizeof redis);
    MG_LOG(MG_LOG_INFO, "main", "starting", "{s:s, s:s, s:i}", "version", MG_VERSION,
           "redis", redis, "tokens", srv->tokens ? (int)mg_tokens_count(srv->tokens) : 0);
    raise_fd_limit(cfg);
    /* Made here, not earlier: a supervisor forks its workers before, and a
     * loop made before a fork would share its epoll instance with them. */
    srv->loop = uv_default_loop();
    int code = 0;
    if (mg_server_start(srv) != MG_OK)
        code = 1;
    /* On failure the loop still runs once to finish closing what opened. */
    uv_run(srv->loop, UV_RUN_DEFAULT);
    if (code == 0)
        code = srv->exit_code;
    if (uv_loop_close(srv->loop) != 0)
        MG_LOG(MG_LOG_WARN, "main", "loop_not_empty", NULL);
    return code;
}

/* With workers > 1 (workers.h): the supervisor's exit status, once its
 * workers have stopped; in a worker, its own server's. */
static int run_workers(struct mg_server *srv, const struct mg_config *cfg, int n)
{
    raise_fd_limit(cfg); /* inherited by the workers */
    struct mg_workers *w = mg_workers_new(cfg, n);
    if (!w)
        return 1;
    int code = 0, slot, fd;
    if (!mg_workers_supervise(w, &code, &slot, &fd)) {
        srv->workers = w;
        srv->inherited_fd = fd;
        mg_keyring_relock(srv->keyring);
        code = run(srv, cfg);
        srv->metrics = NULL; /* in the shared block */
    }
    mg_workers_free(w);
    srv->workers = NULL;
    return code;
}

int main(int argc, char **argv, char **envp)
{
    json_set_alloc_funcs(mg_malloc, mg_free);
    signal(SIGPIPE, SIG_IGN);
    if (mg_crypto_init() != MG_OK) {
        fprintf(stderr, "modgate: libsodium failed to initialise\n");
        return 1;
    }

    struct mg_config cfg;
    struct mg_error err = {0};
    enum mg_config_action action = MG_CONFIG_RUN;
    mg_config_init(&cfg);
    int code = 0;
    if (mg_config_from_args(&cfg, argc, argv, envp, &action, &err) != MG_OK) {
        config_error(&err);
        code = 2;
    } else if (action == MG_CONFIG_VERSION) {
        printf("modgate %s\n", MG_VERSION);
    } else if (action == MG_CONFIG_HELP) {
        fputs(mg_config_usage(), stdout);
    } else if (action == MG_CONFIG_CHECK) {
        code = check_config(&cfg);
    } else {
        mg_log_threshold = (enum mg_log_level)cfg.log_level;
        struct mg_server srv;
        memset(&srv, 0, sizeof srv);
        srv.cfg = &cfg;
        srv.argc = argc; /* a reload reads the configuration again */
        srv.argv = argv;
        srv.envp = envp;
        int workers = mg_workers_count(cfg.workers);
        if (!load_tokens(&srv, &cfg) || !load_keys_and_rules(&srv, &cfg))
            code = 2;
        else if (workers > 1)
            code = run_workers(&srv, &cfg, workers);
        else
            code = run(&srv, &cfg);
        mg_metrics_free(srv.metrics);
        mg_rules_unref(srv.rules);
        mg_keyring_free(srv.keyring);
        mg_tokens_free(srv.tokens);
    }
    mg_config_close(&cfg);
    return code;
}
