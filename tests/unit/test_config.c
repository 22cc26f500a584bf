/* test_config.c: defaults, located errors, precedence, listen, Redis URLs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "modgate/alloc.h"
#include "modgate/config.h"
#include "modgate/keys.h"
#include "modgate/log.h"

#ifndef MG_SOURCE_ROOT
#define MG_SOURCE_ROOT "."
#endif

static void test_defaults(void **state)
{
    (void)state;
    struct mg_config cfg;
    mg_config_init(&cfg);
    assert_null(cfg.config_file);
    assert_string_equal(cfg.listen, "127.0.0.1:8080");
    assert_string_equal(cfg.listen_host, "127.0.0.1");
    assert_int_equal(cfg.listen_port, 8080);
    assert_string_equal(cfg.redis_url, "redis://127.0.0.1:6379/0");
    assert_string_equal(cfg.redis.host, "127.0.0.1");
    assert_int_equal(cfg.redis.port, 6379);
    assert_int_equal(cfg.redis.db, 0);
    assert_null(cfg.redis.username);
    assert_null(cfg.redis.password);
    assert_string_equal(cfg.redis_prefix, "mg:");
    assert_int_equal(cfg.redis_timeout_ms, 1000);
    assert_int_equal(cfg.redis_connect_timeout_ms, 1000);
    assert_int_equal(cfg.redis_reconnect_max_ms, 1000);
    assert_int_equal(cfg.redis_min_replicas_ack, 0);
    assert_int_equal(cfg.redis_replica_ack_timeout_ms, 1000);
    assert_null(cfg.rules_dir);
    assert_null(cfg.key_file);
    assert_null(cfg.tokens_file);
    assert_int_equal(cfg.header_max_bytes, 8192);
    assert_int_equal(cfg.body_max_bytes, 16384);
    assert_int_equal(cfg.request_timeout_ms, 10000);
    assert_int_equal(cfg.idle_timeout_ms, 60000);
    assert_int_equal(cfg.drain_timeout_ms, 10000);
    assert_int_equal(cfg.max_connections, 10000);
    assert_int_equal(cfg.log_level, MG_LOG_INFO);
    struct mg_error err = {0};
    assert_int_equal(mg_config_finish(&cfg, &err), 0);
    mg_config_close(&cfg);
    /* Closing twice is harmless. */
    mg_config_close(&cfg);
}

static void test_full_file(void **state)
{
    (void)state;
    static const char yaml[] =
        "# every key\n"
        "listen: \"[::1]:9090\"\n"
        "redis:\n"
        "  url: redis://alice:s3cret@redis.internal:6380/2\n"
        "  prefix: \"test:\"\n"
        "  timeout_ms: 250\n"
        "  connect_timeout_ms: 500\n"
        "  reconnect_max_ms: 2000\n"
        "  min_replicas_ack: 2\n"
        "  replica_ack_timeout_ms: 300\n"
        "rules: /srv/rules\n"
        "key: '/srv/key'\n"
        "tokens: /srv/tokens   # comment\n"
        "limits:\n"
        "  header_bytes: 4096\n"
        "  body_bytes: 65536\n"
        "  request_timeout_ms: 5000\n"
        "  idle_timeout_ms: 30000\n"
        "  drain_timeout_ms: 0\n"
        "log: {level: debug}\n";
    struct mg_config cfg;
    mg_config_init(&cfg);
    struct mg_error err = {0};
    int rc = mg_config_load_string(&cfg, "full.yaml", yaml, strlen(yaml), &err);
    if (rc != 0)
        fail_msg("load: %d %d:%d %s", rc, err.line, err.column, err.message);
    assert_string_equal(cfg.listen, "[::1]:9090");
    assert_string_equal(cfg.listen_host, "::1");
    assert_int_equal(cfg.listen_port, 9090);
    assert_string_equal(cfg.redis.host, "redis.internal");
    assert_int_equal(cfg.redis.port, 6380);
    assert_int_equal(cfg.redis.db, 2);
    assert_string_equal(cfg.redis.username, "alice");
    assert_string_equal(cfg.redis.password, "s3cret");
    assert_string_equal(cfg.redis_prefix, "test:");
    assert_int_equal(cfg.redis_timeout_ms, 250);
    assert_int_equal(cfg.redis_connect_timeout_ms, 500);
    assert_int_equal(cfg.redis_reconnect_max_ms, 2000);
    assert_int_equal(cfg.redis_min_replicas_ack, 2);
    assert_int_equal(cfg.redis_replica_ack_timeout_ms, 300);
    assert_string_equal(cfg.rules_dir, "/srv/rules");
    assert_string_equal(cfg.key_file, "/srv/key");
    assert_string_equal(cfg.tokens_file, "/srv/tokens");
    assert_int_equal(cfg.header_max_bytes, 4096);
    assert_int_equal(cfg.body_max_bytes, 65536);
    assert_int_equal(cfg.request_timeout_ms, 5000);
    assert_int_equal(cfg.idle_timeout_ms, 30000);
    assert_int_equal(cfg.drain_timeout_ms, 0);
    assert_int_equal(cfg.log_level, MG_LOG_DEBUG);

    /* UTF-8 is fine in comments and values. */
    static const char utf8[] = "# café\nrules: /srv/règles\n";
    assert_int_equal(
        mg_config_load_string(&cfg, "u.yaml", utf8, strlen(utf8), &err), 0);
    assert_string_equal(cfg.rules_dir, "/srv/règles");
    static const char quotes[] = "rules: 'it''s a ''b'' c'''\n";
    assert_int_equal(
        mg_config_load_string(&cfg, "q.yaml", quotes, strlen(quotes), &err), 0);
    assert_string_equal(cfg.rules_dir, "it's a 'b' c'");
    /* Tabs as separators are fine where no block indicator follows. */
    static const char tabs[] = "rules:\t/srv/-x\t# -1\n";
    assert_int_equal(
        mg_config_load_string(&cfg, "t.yaml", tabs, strlen(tabs), &err), 0);
    assert_string_equal(cfg.rules_dir, "/srv/-x");
    /* A raw NUL byte is refused where it is. */
    static const char nul[] = "listen: 127.0.0.1:1\nrules: a\0b\n";
    assert_int_equal(
        mg_config_load_string(&cfg, "n.yaml", nul, sizeof nul - 1, &err),
        MG_EINVAL);
    assert_int_equal(err.line, 2);
    assert_int_equal(err.column, 9);
    assert_non_null(strstr(err.message, "NUL"));

    /* A later file with `key: ~` and an empty section unsets and keeps. */
    static const char more[] = "key: ~\nrules:\nredis:\nlog:\n";
    assert_int_equal(
        mg_config_load_string(&cfg, "more.yaml", more, strlen(more), &err), 0);
    assert_null(cfg.key_file);
    assert_null(cfg.rules_dir);
    assert_string_equal(cfg.tokens_file, "/srv/tokens");
    assert_string_equal(cfg.redis_prefix, "test:");
    mg_config_close(&cfg);
}

static void test_empty_documents(void **state)
{
    (void)state;
    static const char *const texts[] = {"", "# only a comment\n", "---\n",
                                        "\n\n", "~\n"};
    for (size_t i = 0; i < ARRAY_LEN(texts); i++) {
        struct mg_config cfg;
        mg_config_init(&cfg);
        struct mg_error err = {0};
        int rc = mg_config_load_string(&cfg, "e.yaml", texts[i],
                                       strlen(texts[i]), &err);
        if (rc != 0)
            fail_msg("case %zu: %d %s", i, rc, err.message);
        assert_string_equal(cfg.listen, "127.0.0.1:8080");
        mg_config_close(&cfg);
    }
}

static void test_yaml_errors(void **state)
{
    (void)state;
    /* Columns are counted by hand from the text: 1-based, the first
     * character of the offending key or value (a quote for quoted values). */
    static const struct {
        const char *what;
        const char *yaml;
        int line, column;
        const char *message;
    } cases[] = {
        {"unknown key", "listen: 127.0.0.1:1\nbogus: 1\n", 2, 1,
         "unknown key \"bogus\""},
        {"unknown nested key", "redis:\n  url: redis://h\n  pool: 3\n", 3, 3,
         "unknown key \"redis.pool\" (known keys under redis: url, prefix, "
         "timeout_ms"},
        /* "  body_bytes: " is 14 characters. */
        {"out of range", "limits:\n  body_bytes: 0\n", 2, 15,
         "limits.body_bytes: must be an integer from 1 to 16777216"},
        {"too big", "limits:\n  body_bytes: 16777217\n", 2, 15,
         "from 1 to 16777216"},
        /* "  header_bytes: " is 16 characters. */
        {"not an integer", "limits:\n  header_bytes: 8k\n", 2, 17,
         "limits.header_bytes: must be an integer from 1024 to 1048576"},
        {"float", "limits:\n  header_bytes: 2048.0\n", 2, 17,
         "must be an integer"},
        {"huge integer", "limits:\n  header_bytes: 99999999999999999999999\n",
         2, 17, "must be an integer"},
        /* "  timeout_ms: " is 14 characters; the quote is at 15. */
        {"quoted out of range", "redis:\n  timeout_ms: \"0\"\n", 2, 15,
         "redis.timeout_ms: must be an integer from 1 to 60000"},
        {"mapping for scalar", "listen:\n  host: x\n", 2, 3,
         "listen: must be a single value, not a mapping"},
        {"list for scalar", "rules: [a, b]\n", 1, 9,
         "rules: must be a single value, not a list"},
        {"scalar for mapping", "redis: redis://x\n", 1, 8,
         "redis: must be a mapping"},
        /* "  body_bytes: [" is 15 characters: an integer's message says
         * what it wants whatever was written instead. */
        {"list for an integer", "limits:\n  body_bytes: [5]\n", 2, 16,
         "limits.body_bytes: must be an integer from 1 to 16777216"},
        {"mapping for a level", "log: {level: {x: 1}}\n", 1, 15,
         "log.level: must be one of debug, info, warn, error"},
        /* "redis: " is 7 characters. */
        {"section is an alias", "limits: &l {body_bytes: 5}\nredis: *l\n", 2,
         8, "redis: aliases (*name) are not supported here"},
        {"bad listen", "# c\nlisten: 127.0.0.1:99999\n", 2, 9,
         "listen: listen address: port must be 1..65535"},
        {"bad redis url", "redis:\n  url: http://x\n", 2, 8,
         "redis.url: redis URL: must start with redis://"},
        /* "log: {level: " is 13 characters. */
        {"bad log level", "log: {level: loud}\n", 1, 14,
         "log.level: must be one of debug, info, warn, error"},
        {"null for a key with a default", "listen:\nredis:\n", 1, 1,
         "listen: needs a value"},
        {"empty string", "listen: \"\"\n", 1, 9, "listen: must not be empty"},
        {"NUL in value", "listen: \"a\\0b\"\n", 1, 9, "NUL"},
        /* "  header_bytes: " is 16 characters; the alias starts at 17. */
        {"alias", "limits:\n  body_bytes: &b 100\n  header_bytes: *b\n", 3, 17,
         "aliases"},
        {"complex key", "? [a]\n: b\n", 1, 4, "keys must be plain words"},
        {"root is a list", "- listen\n", 1, 3, "must be a mapping of keys"},
        {"two documents", "listen: 127.0.0.1:1\n---\nlisten: 127.0.0.1:2\n", 3,
         1, "only one YAML document"},
        {"duplicate key", "listen: a:1\nlisten: b:2\n", 2, 1, "duplicate key"},
        /* The flow mapping is still open at the end: line 2, column 1. */
        {"unclosed flow mapping", "limits: {body_bytes: 5\n", 2, 1,
         "YAML syntax"},
        {"bad indentation", "redis:\n  url: redis://h\n prefix: x\n", 3, 2,
         "YAML syntax"},
        /* Columns count characters: "é" is one. */
        {"invalid UTF-8", "# café\nlisten: \xff\n", 2, 9, "not valid UTF-8"},
        {"truncated UTF-8", "# caf\xc3\n", 1, 6, "not valid UTF-8"},
        {"overlong UTF-8", "rules: \xc0\xaf\n", 1, 8, "not valid UTF-8"},
        {"surrogate", "rules: \xed\xa0\x80\n", 1, 8, "not valid UTF-8"},
        /* libfyaml 0.7.12 reads 'a''''b' as "a'''" (and leaks as a key):
         * refused where the scalar starts, key or value, at any depth. */
        {"two escaped quotes in a row", "listen: 'a''''b'\n", 1, 9,
         "two escaped quotes in a row"},
        {"as a key (fuzz)", "'\\''''''''\\':", 1, 1,
         "two escaped quotes in a row"},
        {"deep in a list", "redis:\n  url: [x, {y: 'q'''''''}]\n", 2, 16,
         "write it in double quotes"},
        /* "  rejected_retention_s: " is 24 characters. */
        {"retention under a minute", "moderation:\n  rejected_retention_s: 59\n", 2,
         25, "moderation.rejected_retention_s: must be an integer from 60 to 315360000"},
        {"audit cap too small", "moderation:\n  audit_max_entries: 99\n", 2, 22,
         "moderation.audit_max_entries: must be an integer from 100"},
        {"negative guard", "moderation:\n  decision_guard_ms: -1\n", 2, 22,
         "moderation.decision_guard_ms: must be an integer from 0 to 3600000"},
        /* A tab before a block indicator made libfyaml 0.7.12 free memory
         * twice on its error path ("? l:\t?", found by fuzz_rules): refused
         * at the tab, before libfyaml sees it. Columns count characters. */
        {"fuzz: tab before ?", "? l:\t?", 1, 5, "a tab before '?'"},
        {"tab before a list dash", "# é\nredis:\n\t- x\n", 3, 1,
         "write spaces here"},
        {"tab then blanks before |", "listen:\t  |\n", 1, 8, "'|'"},
        /* Once hung libfyaml 0.7.12; refused before it sees it. */
        {"fuzz: directive", "%\x83", 1, 2, "not valid UTF-8"},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++)
        mg_test_expect_config_error(cases[i].what, cases[i].yaml, cases[i].line,
                                    cases[i].column, cases[i].message);
}

/* mg_config_init, then mg_config_from_args on a NULL-terminated argv, as
 * modgate's main does. */
static int from_args(struct mg_config *cfg, char **argv, char **envp,
                     enum mg_config_action *action, struct mg_error *err)
{
    int argc = 0;
    while (argv[argc])
        argc++;
    mg_config_init(cfg);
    return mg_config_from_args(cfg, argc, argv, envp, action, err);
}

static void test_precedence(void **state)
{
    struct fixture *f = *state;
    char file[128];
    snprintf(file, sizeof file, "%s/modgate.yaml", f->dir);
    mg_test_write_file(file, "listen: 127.0.0.1:1111\nlog:\n  level: warn\n", 0644);

    enum { NONE, FILE_, ENV, EMPTY_ENV, FLAG, FLAG_EQ };
    static const struct {
        int file, env, flag;
        const char *listen;
        int port;
    } cases[] = {
        {NONE, NONE, NONE, "127.0.0.1:8080", 8080},
        {FILE_, NONE, NONE, "127.0.0.1:1111", 1111},
        {FILE_, ENV, NONE, "127.0.0.1:2222", 2222},
        {FILE_, EMPTY_ENV, NONE, "127.0.0.1:1111", 1111},
        {FILE_, ENV, FLAG, "127.0.0.1:3333", 3333},
        {FILE_, NONE, FLAG_EQ, "127.0.0.1:3333", 3333},
        {NONE, ENV, FLAG, "127.0.0.1:3333", 3333},
        {NONE, ENV, NONE, "127.0.0.1:2222", 2222},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        char *argv[8] = {"modgate"};
        int argc = 1;
        /* Flags come before -c on purpose: order on the line does not matter.
         */
        if (cases[i].flag == FLAG) {
            argv[argc++] = "--listen";
            argv[argc++] = "127.0.0.1:3333";
        } else if (cases[i].flag == FLAG_EQ) {
            argv[argc++] = "--listen=127.0.0.1:3333";
        }
        if (cases[i].file == FILE_) {
            argv[argc++] = "-c";
            argv[argc++] = file;
        }
        char *envp[4] = {"PATH=/bin", NULL};
        if (cases[i].env == ENV)
            envp[1] = "MODGATE_LISTEN=127.0.0.1:2222";
        else if (cases[i].env == EMPTY_ENV)
            envp[1] = "MODGATE_LISTEN=";

        struct mg_config cfg;
        enum mg_config_action action = MG_CONFIG_HELP;
        struct mg_error err = {0};
        int rc = from_args(&cfg, argv, envp, &action, &err);
        if (rc != 0)
            fail_msg("case %zu: rc %d (%s)", i, rc, err.message);
        assert_int_equal(action, MG_CONFIG_RUN);
        if (strcmp(cfg.listen, cases[i].listen) != 0 ||
            cfg.listen_port != cases[i].port)
            fail_msg("case %zu: listen %s port %d, want %s %d", i, cfg.listen,
                     cfg.listen_port, cases[i].listen, cases[i].port);
        /* The file's other keys apply whatever overrides listen. */
        assert_int_equal(cfg.log_level,
                         cases[i].file == FILE_ ? MG_LOG_WARN : MG_LOG_INFO);
        if (cases[i].file == FILE_)
            assert_string_equal(cfg.config_file, file);
        else
            assert_null(cfg.config_file);
        mg_config_close(&cfg);
    }

    /* Every variable and flag reaches its field. */
    char rules[128];
    snprintf(rules, sizeof rules, "%s/rules", f->dir);
    assert_int_equal(mkdir(rules, 0755), 0);
    char *argv[] = {"modgate", "--redis", "redis://:pw@10.0.0.1:7000/4",
                    "--rules", rules,     "--log-level=error",
                    NULL};
    char *envp[] = {"MODGATE_REDIS_URL=redis://ignored:1",
                    "MODGATE_LOG_LEVEL=debug", "MODGATE_LISTEN=[::]:8443",
                    NULL};
    struct mg_config cfg;
    enum mg_config_action action;
    struct mg_error err = {0};
    int rc = from_args(&cfg, argv, envp, &action, &err);
    if (rc != 0)
        fail_msg("all flags: %d %s", rc, err.message);
    assert_string_equal(cfg.redis.host, "10.0.0.1");
    assert_int_equal(cfg.redis.port, 7000);
    assert_int_equal(cfg.redis.db, 4);
    assert_string_equal(cfg.redis.password, "pw");
    assert_string_equal(cfg.rules_dir, rules);
    assert_int_equal(cfg.log_level, MG_LOG_ERROR);
    assert_string_equal(cfg.listen_host, "::");
    assert_int_equal(cfg.listen_port, 8443);
    mg_config_close(&cfg);
}

static void test_args(void **state)
{
    (void)state;
    static const struct {
        const char *argv[6];
        const char *env; /* one "K=V" or NULL */
        int rc;
        enum mg_config_action action;
        const char *message;
    } cases[] = {
        {{"modgate"}, NULL, 0, MG_CONFIG_RUN, ""},
        {{"modgate", "--version"}, NULL, 0, MG_CONFIG_VERSION, ""},
        {{"modgate", "-h"}, NULL, 0, MG_CONFIG_HELP, ""},
        {{"modgate", "--help", "--version"}, NULL, 0, MG_CONFIG_HELP, ""},
        /* --version needs no valid config. */
        {{"modgate", "--version", "-c", "/nonexistent.yaml"},
         NULL,
         0,
         MG_CONFIG_VERSION,
         ""},
        {{"modgate", "--check-config"}, NULL, 0, MG_CONFIG_CHECK, ""},
        {{"modgate", "--bogus"},
         NULL,
         MG_EINVAL,
         MG_CONFIG_RUN,
         "unknown option \"--bogus\""},
        {{"modgate", "-x"},
         NULL,
         MG_EINVAL,
         MG_CONFIG_RUN,
         "unknown option \"-x\""},
        {{"modgate", "--listen"},
         NULL,
         MG_EINVAL,
         MG_CONFIG_RUN,
         "--listen needs a value: --listen HOST:PORT"},
        {{"modgate", "-c"}, NULL, MG_EINVAL, MG_CONFIG_RUN, "-c needs a value"},
        {{"modgate", "--config"},
         NULL,
         MG_EINVAL,
         MG_CONFIG_RUN,
         "--config needs a value"},
        {{"modgate", "stray"},
         NULL,
         MG_EINVAL,
         MG_CONFIG_RUN,
         "unexpected argument \"stray\""},
        {{"modgate", "--version=2"},
         NULL,
         MG_EINVAL,
         MG_CONFIG_RUN,
         "--version takes no value"},
        {{"modgate", "--listen=nope"},
         NULL,
         MG_EINVAL,
         MG_CONFIG_RUN,
         "--listen: listen address: expected HOST:PORT"},
        {{"modgate", "--redis", "http://x"},
         NULL,
         MG_EINVAL,
         MG_CONFIG_RUN,
         "--redis: redis URL: must start with redis://"},
        {{"modgate", "--log-level", "loud"},
         NULL,
         MG_EINVAL,
         MG_CONFIG_RUN,
         "--log-level: must be one of"},
        {{"modgate", "--rules", ""},
         NULL,
         MG_EINVAL,
         MG_CONFIG_RUN,
         "--rules: must not be empty"},
        {{"modgate"},
         "MODGATE_LISTEN=localhost",
         MG_EINVAL,
         MG_CONFIG_RUN,
         "MODGATE_LISTEN: listen address: expected HOST:PORT"},
        {{"modgate"},
         "MODGATE_REDIS_URL=redis://h:0",
         MG_EINVAL,
         MG_CONFIG_RUN,
         "MODGATE_REDIS_URL: redis URL: port must be 1..65535"},
        {{"modgate"},
         "MODGATE_LOG_LEVEL=verbose",
         MG_EINVAL,
         MG_CONFIG_RUN,
         "MODGATE_LOG_LEVEL: must be one of"},
        /* A bad variable does not matter when a flag overrides it: a flag
         * beats a variable, which is then not read at all. */
        {{"modgate", "--listen", "127.0.0.1:1"},
         "MODGATE_LISTEN=bad",
         MG_OK,
         MG_CONFIG_RUN,
         ""},
        {{"modgate", "-c", "/nonexistent/modgate.yaml"},
         NULL,
         MG_ENOENT,
         MG_CONFIG_RUN,
         "cannot open"},
        {{"modgate", "--rules", "/nonexistent/rules"},
         NULL,
         MG_ENOENT,
         MG_CONFIG_RUN,
         "--rules: /nonexistent/rules: No such file or directory"},
        {{"modgate", "--rules", "/etc/passwd"},
         NULL,
         MG_EINVAL,
         MG_CONFIG_RUN,
         "--rules: /etc/passwd: not a directory"},
        {{"modgate"},
         "MODGATE_KEY=/nonexistent/key",
         MG_ENOENT,
         MG_CONFIG_RUN,
         "MODGATE_KEY: /nonexistent/key:"},
        {{"modgate", "--tokens", "/nonexistent/tokens"},
         NULL,
         MG_ENOENT,
         MG_CONFIG_RUN,
         "--tokens: /nonexistent/tokens:"},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        char *argv[7] = {0};
        for (size_t j = 0; j < ARRAY_LEN(cases[i].argv) && cases[i].argv[j];
             j++)
            argv[j] = (char *)(uintptr_t)cases[i].argv[j];
        char *envp[2] = {(char *)(uintptr_t)cases[i].env, NULL};
        struct mg_config cfg;
        enum mg_config_action action = MG_CONFIG_RUN;
        struct mg_error err = {0};
        int rc = from_args(&cfg, argv, envp, &action, &err);
        if (rc != cases[i].rc)
            fail_msg("case %zu (%s): rc %d, want %d (%s)", i, cases[i].argv[1],
                     rc, cases[i].rc, err.message);
        if (rc == 0)
            assert_int_equal(action, cases[i].action);
        if (!strstr(err.message, cases[i].message))
            fail_msg("case %zu: message \"%s\" lacks \"%s\"", i, err.message,
                     cases[i].message);
        mg_config_close(&cfg);
    }
}

/* limits.max_connections from the file, a variable and a flag, in that
 * order of precedence; 0 and past 2^20 are refused, naming the source. */
static void test_max_connections(void **state)
{
    struct fixture *f = *state;
    char file[128];
    snprintf(file, sizeof file, "%s/modgate.yaml", f->dir);
    mg_test_write_file(file, "limits:\n  max_connections: 300\n", 0644);
    static const struct {
        const char *flag, *env;
        size_t want;
        const char *message; /* of the error, or NULL */
    } cases[] = {
        {NULL, NULL, 300, NULL},
        {NULL, "MODGATE_MAX_CONNECTIONS=40", 40, NULL},
        {"--max-connections=7", "MODGATE_MAX_CONNECTIONS=40", 7, NULL},
        {"--max-connections=0", NULL, 0,
         "--max-connections: must be an integer from 1 to 1048576"},
        {NULL, "MODGATE_MAX_CONNECTIONS=1048577", 0,
         "MODGATE_MAX_CONNECTIONS: must be an integer from 1 to 1048576"},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        char *argv[5] = {"modgate", "-c", file, (char *)(uintptr_t)cases[i].flag, NULL};
        char *envp[2] = {(char *)(uintptr_t)cases[i].env, NULL};
        struct mg_config cfg;
        enum mg_config_action action;
        struct mg_error err = {0};
        int rc = from_args(&cfg, argv, envp, &action, &err);
        if (cases[i].message ? rc == 0 || !strstr(err.message, cases[i].message)
                             : rc != 0 || cfg.max_connections != cases[i].want)
            fail_msg("case %zu: rc %d, max_connections %zu, message \"%s\"", i, rc,
                     cfg.max_connections, err.message);
        mg_config_close(&cfg);
    }
}

static void test_finish_files(void **state)
{
    struct fixture *f = *state;
    char key[128], tokens[128], conf[128];
    snprintf(key, sizeof key, "%s/signing.key", f->dir);
    snprintf(tokens, sizeof tokens, "%s/tokens", f->dir);
    snprintf(conf, sizeof conf, "%s/c.yaml", f->dir);
    char id[17];
    struct mg_error err = {0};
    assert_int_equal(mg_key_generate_file(key, id, &err), 0);
    mg_test_write_file(tokens, "site newsroom 0123456789abcdef0123\n", 0600);

    struct mg_config cfg;
    enum mg_config_action action;
    char *ok_argv[] = {"modgate",  "--check-config", "--key", key,
                       "--tokens", tokens,           NULL};
    char *no_env[] = {NULL};
    int rc = from_args(&cfg, ok_argv, no_env, &action, &err);
    if (rc != 0)
        fail_msg("valid files: %d %s", rc, err.message);
    assert_int_equal(action, MG_CONFIG_CHECK);
    mg_config_close(&cfg);

    /* A key readable by others: named by the flag. */
    assert_int_equal(chmod(key, 0644), 0);
    rc = from_args(&cfg, ok_argv, no_env, &action, &err);
    assert_int_equal(rc, MG_EPERM);
    assert_non_null(strstr(err.message, "--key: "));
    assert_non_null(strstr(err.message, "chmod 600"));
    mg_config_close(&cfg);

    /* The same key named in the config file: the error points at the value.
     * Line 2 is "key: PATH"; "key: " is 5 characters. */
    char yaml[512];
    snprintf(yaml, sizeof yaml, "listen: 127.0.0.1:1\nkey: %s\n", key);
    mg_test_write_file(conf, yaml, 0644);
    char *conf_argv[] = {"modgate", "-c", conf, NULL};
    rc = from_args(&cfg, conf_argv, no_env, &action, &err);
    assert_int_equal(rc, MG_EPERM);
    assert_string_equal(err.file, conf);
    assert_int_equal(err.line, 2);
    assert_int_equal(err.column, 6);
    assert_non_null(strstr(err.message, "key: "));
    mg_config_close(&cfg);
    assert_int_equal(chmod(key, 0600), 0);

    /* A tokens file with a bad line (line 1's token again, at column 8):
     * the error is inside that file. */
    mg_test_write_file(tokens,
                       "site newsroom 0123456789abcdef0123\nsite x 0123456789abcdef0123\n",
                       0600);
    char *tok_env[] = {"MODGATE_TOKENS=", NULL};
    tok_env[0] = mg_asprintf("MODGATE_TOKENS=%s", tokens);
    char *plain_argv[] = {"modgate", NULL};
    rc = from_args(&cfg, plain_argv, tok_env, &action, &err);
    assert_int_equal(rc, MG_EINVAL);
    assert_string_equal(err.file, tokens);
    assert_int_equal(err.line, 2);
    assert_int_equal(err.column, 8);
    mg_config_close(&cfg);

    /* A world-readable tokens file, named by the variable. */
    assert_int_equal(chmod(tokens, 0604), 0);
    rc = from_args(&cfg, plain_argv, tok_env, &action, &err);
    assert_int_equal(rc, MG_EPERM);
    assert_non_null(strstr(err.message, "MODGATE_TOKENS: "));
    mg_config_close(&cfg);
    mg_free(tok_env[0]);

    /* mg_config_finish on its own (no origins) names the key. */
    mg_config_init(&cfg);
    mg_free(cfg.rules_dir);
    cfg.rules_dir = mg_strdup("/nonexistent/rules");
    assert_int_equal(mg_config_finish(&cfg, &err), MG_ENOENT);
    assert_non_null(strstr(err.message, "rules: /nonexistent/rules"));
    mg_config_close(&cfg);
}

/* retired_keys names a list of public keys: checked like the other files,
 * errors inside it keep their place, and it may be world-readable. */
static void test_finish_retired_keys(void **state)
{
    struct fixture *f = *state;
    char key[128], retired[128];
    snprintf(key, sizeof key, "%s/old.key", f->dir);
    snprintf(retired, sizeof retired, "%s/retired.yaml", f->dir);
    char id[17];
    char *entry = NULL;
    struct mg_error err = {0};
    assert_int_equal(mg_key_generate_file(key, id, &err), 0);
    assert_int_equal(mg_key_public_entry(key, &entry, &err), 0);
    mg_test_write_file(retired, entry, 0644);

    struct mg_config cfg;
    enum mg_config_action action;
    char *argv[] = {"modgate", "--check-config", "--retired-keys", retired,
                    NULL};
    char *no_env[] = {NULL};
    int rc = from_args(&cfg, argv, no_env, &action, &err);
    if (rc != 0)
        fail_msg("valid retired keys: %d %s", rc, err.message);
    assert_string_equal(cfg.retired_keys_file, retired);
    mg_config_close(&cfg);

    /* An unknown member on line 4, column 3 of the retired keys file. */
    char *bad = mg_asprintf("%s  owner: ops\n", entry);
    mg_test_write_file(retired, bad, 0644);
    rc = from_args(&cfg, argv, no_env, &action, &err);
    assert_int_equal(rc, MG_EINVAL);
    assert_string_equal(err.file, retired);
    assert_int_equal(err.line, 4);
    assert_int_equal(err.column, 3);
    mg_config_close(&cfg);

    /* A missing file, named by the variable. */
    unlink(retired);
    char *env[] = {NULL, NULL};
    env[0] = mg_asprintf("MODGATE_RETIRED_KEYS=%s", retired);
    char *plain_argv[] = {"modgate", NULL};
    rc = from_args(&cfg, plain_argv, env, &action, &err);
    assert_int_equal(rc, MG_ENOENT);
    assert_non_null(strstr(err.message, "MODGATE_RETIRED_KEYS: "));
    mg_config_close(&cfg);
    mg_free(env[0]);
    mg_free(bad);
    mg_free(entry);
}

static void test_listen_parse(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int rc;
        const char *host;
        int port;
    } cases[] = {
        {"127.0.0.1:8080", 0, "127.0.0.1", 8080},
        {"0.0.0.0:65535", 0, "0.0.0.0", 65535},
        {"localhost:1", 0, "localhost", 1},
        {"my-host.example_1:8080", 0, "my-host.example_1", 8080},
        {"[::1]:443", 0, "::1", 443},
        {"[::]:80", 0, "::", 80},
        {"[2001:db8::1]:8080", 0, "2001:db8::1", 8080},
        {"127.0.0.1", MG_EINVAL, NULL, 0},
        {"127.0.0.1:", MG_EINVAL, NULL, 0},
        {"127.0.0.1:0", MG_EINVAL, NULL, 0},
        {"127.0.0.1:65536", MG_EINVAL, NULL, 0},
        {"127.0.0.1:-1", MG_EINVAL, NULL, 0},
        {"127.0.0.1:+80", MG_EINVAL, NULL, 0},
        {"127.0.0.1:80a", MG_EINVAL, NULL, 0},
        {"127.0.0.1: 80", MG_EINVAL, NULL, 0},
        {":8080", MG_EINVAL, NULL, 0},
        {"::1:8080", MG_EINVAL, NULL, 0},
        {"[::1]8080", MG_EINVAL, NULL, 0},
        {"[::1]", MG_EINVAL, NULL, 0},
        {"[::1:80", MG_EINVAL, NULL, 0},
        {"[]:80", MG_EINVAL, NULL, 0},
        {"[nothex]:80", MG_EINVAL, NULL, 0},
        {"[127.0.0.1]:80", MG_EINVAL, NULL, 0},
        {"host name:80", MG_EINVAL, NULL, 0},
        {"", MG_EINVAL, NULL, 0},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        char host[256] = "unchanged";
        int port = -1;
        struct mg_error err = {0};
        int rc = mg_listen_parse(cases[i].text, host, sizeof host, &port, &err);
        if (rc != cases[i].rc)
            fail_msg("\"%s\": rc %d, want %d (%s)", cases[i].text, rc,
                     cases[i].rc, err.message);
        if (rc == 0) {
            assert_string_equal(host, cases[i].host);
            assert_int_equal(port, cases[i].port);
        } else {
            assert_non_null(strstr(err.message, "listen address: "));
            assert_string_equal(host, "unchanged");
        }
    }
    /* The host must fit the caller's buffer. */
    char small[4];
    int port;
    struct mg_error err;
    assert_int_equal(
        mg_listen_parse("localhost:80", small, sizeof small, &port, &err),
        MG_EINVAL);
}

static void test_redis_url_parse(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int rc;
        const char *host;
        int port, db;
        const char *user, *password; /* NULL: none */
        const char *message;
    } cases[] = {
        {"redis://127.0.0.1:6379/0", 0, "127.0.0.1", 6379, 0, NULL, NULL, NULL},
        {"redis://localhost", 0, "localhost", 6379, 0, NULL, NULL, NULL},
        {"REDIS://h/", 0, "h", 6379, 0, NULL, NULL, NULL},
        {"redis://:secret@h:7000/3", 0, "h", 7000, 3, NULL, "secret", NULL},
        {"redis://alice:p%40ss@h/15", 0, "h", 6379, 15, "alice", "p@ss", NULL},
        {"redis://:p@ss@h", 0, "h", 6379, 0, NULL, "p@ss", NULL},
        {"redis://:a:b@h", 0, "h", 6379, 0, NULL, "a:b", NULL},
        {"redis://[::1]:6380/1", 0, "::1", 6380, 1, NULL, NULL, NULL},
        {"redis://:pw@[2001:db8::2]/7", 0, "2001:db8::2", 6379, 7, NULL, "pw",
         NULL},
        {"redis://[::1]", 0, "::1", 6379, 0, NULL, NULL, NULL},
        {"redis://h/1000000", 0, "h", 6379, 1000000, NULL, NULL, NULL},
        {"http://h", MG_EINVAL, NULL, 0, 0, NULL, NULL,
         "must start with redis:// or redis+sentinel://"},
        {"rediss://h", MG_EINVAL, NULL, 0, 0, NULL, NULL, "TLS"},
        {"redis://h:0", MG_EINVAL, NULL, 0, 0, NULL, NULL,
         "port must be 1..65535"},
        {"redis://h:70000", MG_EINVAL, NULL, 0, 0, NULL, NULL,
         "port must be 1..65535"},
        {"redis://h:abc/0", MG_EINVAL, NULL, 0, 0, NULL, NULL,
         "port must be 1..65535"},
        {"redis://h:", MG_EINVAL, NULL, 0, 0, NULL, NULL,
         "port must be 1..65535"},
        {"redis://h/x", MG_EINVAL, NULL, 0, 0, NULL, NULL,
         "database number must be 0..1000000"},
        {"redis://h/1000001", MG_EINVAL, NULL, 0, 0, NULL, NULL,
         "database number"},
        {"redis://h/-1", MG_EINVAL, NULL, 0, 0, NULL, NULL, "database number"},
        {"redis://h/1/2", MG_EINVAL, NULL, 0, 0, NULL, NULL, "database number"},
        {"redis://", MG_EINVAL, NULL, 0, 0, NULL, NULL, "missing host"},
        {"redis://:pw@", MG_EINVAL, NULL, 0, 0, NULL, NULL, "missing host"},
        {"redis://secret@h", MG_EINVAL, NULL, 0, 0, NULL, NULL,
         "[USER]:PASSWORD@"},
        {"redis://user:@h", MG_EINVAL, NULL, 0, 0, NULL, NULL,
         "password is empty"},
        {"redis://:%zzsecret@h", MG_EINVAL, NULL, 0, 0, NULL, NULL, "escape"},
        {"redis://:secret%00@h", MG_EINVAL, NULL, 0, 0, NULL, NULL, "escape"},
        {"redis://::1:6379", MG_EINVAL, NULL, 0, 0, NULL, NULL, "brackets"},
        {"redis://[::1", MG_EINVAL, NULL, 0, 0, NULL, NULL, "missing ]"},
        {"redis://h?db=1", MG_EINVAL, NULL, 0, 0, NULL, NULL, "query"},
        {"redis://h h", MG_EINVAL, NULL, 0, 0, NULL, NULL,
         "host may hold only"},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        struct mg_redis_url url;
        struct mg_error err = {0};
        int rc = mg_redis_url_parse(cases[i].text, &url, &err);
        if (rc != cases[i].rc)
            fail_msg("\"%s\": rc %d, want %d (%s)", cases[i].text, rc,
                     cases[i].rc, err.message);
        if (rc == 0) {
            assert_string_equal(url.host, cases[i].host);
            assert_int_equal(url.port, cases[i].port);
            assert_int_equal(url.db, cases[i].db);
            if (cases[i].user)
                assert_string_equal(url.username, cases[i].user);
            else
                assert_null(url.username);
            if (cases[i].password)
                assert_string_equal(url.password, cases[i].password);
            else
                assert_null(url.password);
        } else {
            if (!strstr(err.message, cases[i].message))
                fail_msg("\"%s\": message \"%s\" lacks \"%s\"", cases[i].text,
                         err.message, cases[i].message);
            assert_non_null(strstr(err.message, "redis URL: "));
            /* Passwords never reach messages. */
            assert_null(strstr(err.message, "secret"));
            assert_null(url.password);
            assert_null(url.username);
        }
        mg_redis_url_close(&url);
    }
}

static void test_example_config(void **state)
{
    (void)state;
    struct mg_config cfg;
    mg_config_init(&cfg);
    struct mg_error err = {0};
    int rc = mg_config_load_file(
        &cfg, MG_SOURCE_ROOT "/deploy/modgate.example.yaml", &err);
    if (rc != 0) {
        char buf[1200];
        fail_msg("example config: %s", mg_error_format(&err, buf, sizeof buf));
    }
    assert_int_equal(cfg.listen_port, 8080);
    assert_string_equal(cfg.redis_prefix, "mg:");
    assert_int_equal(cfg.body_max_bytes, 16384);
    /* the example shows the defaults: loading it changes none */
    struct mg_config defaults;
    mg_config_init(&defaults);
    assert_int_equal(cfg.rejected_retention_s, defaults.rejected_retention_s);
    assert_int_equal(cfg.audit_max_entries, defaults.audit_max_entries);
    assert_int_equal(cfg.decision_guard_ms, defaults.decision_guard_ms);
    assert_int_equal(defaults.rejected_retention_s, 14 * 86400);
    mg_config_close(&defaults);
    mg_config_close(&cfg);
}

static void test_usage(void **state)
{
    (void)state;
    const char *u = mg_config_usage();
    static const char *const want[] = {
        "-c, --config FILE",
        "--listen HOST:PORT",
        "MODGATE_LISTEN",
        "--redis URL",
        "MODGATE_REDIS_URL",
        "--rules DIR",
        "MODGATE_RULES",
        "--key FILE",
        "MODGATE_KEY",
        "--tokens FILE",
        "MODGATE_TOKENS",
        "--log-level LEVEL",
        "MODGATE_LOG_LEVEL",
        "--max-connections N",
        "MODGATE_MAX_CONNECTIONS",
        "--check-config",
        "--version",
        "-h, --help",
        "default 127.0.0.1:8080",
        "default redis://127.0.0.1:6379/0",
    };
    for (size_t i = 0; i < ARRAY_LEN(want); i++)
        if (!strstr(u, want[i]))
            fail_msg("usage lacks \"%s\"", want[i]);
    assert_ptr_equal(u, mg_config_usage());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_full_file),
        cmocka_unit_test(test_empty_documents),
        cmocka_unit_test(test_yaml_errors),
        cmocka_unit_test_setup_teardown(test_precedence, mg_test_setup_dir, mg_test_teardown_dir),
        cmocka_unit_test(test_args),
        cmocka_unit_test_setup_teardown(test_max_connections, mg_test_setup_dir, mg_test_teardown_dir),
        cmocka_unit_test_setup_teardown(test_finish_files, mg_test_setup_dir, mg_test_teardown_dir),
        cmocka_unit_test_setup_teardown(test_finish_retired_keys, mg_test_setup_dir, mg_test_teardown_dir),
        cmocka_unit_test(test_listen_parse),
        cmocka_unit_test(test_redis_url_parse),
        cmocka_unit_test(test_example_config),
        cmocka_unit_test(test_usage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
