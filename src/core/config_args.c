/* config_args.c: modgate's command line: argv read against the key
 * table's flags (config.c applies them after the file and the variables),
 * and the --help text written from the same table. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "modgate/config.h"
#include "src/core/config_internal.h"

static const struct mg__config_row *find_flag(const char *name, size_t len)
{
    for (size_t i = 0; i < mg__config_nrows; i++) {
        const struct mg__config_row *r = &mg__config_rows[i];
        if (r->flag && strlen(r->flag) == len && memcmp(r->flag, name, len) == 0)
            return r;
    }
    return NULL;
}

static int usage_error(struct mg_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int usage_error(struct mg_error *err, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    mg_error_set(err, NULL, 0, 0, "%s (see modgate --help)", msg);
    return MG_EINVAL;
}

/* What argv asked for, as it is read. */
struct args {
    int help, version, check;
    const char **config_path;
    struct mg__config_flag *flags;
    size_t *nflags;
};

/* --help, --version, --check-config: name[0..len) is one of them (then
 * *toggle is set) or not. */
static int *toggle_of(struct args *a, const char *name, size_t len)
{
    if (len == 4 && memcmp(name, "help", 4) == 0)
        return &a->help;
    if (len == 7 && memcmp(name, "version", 7) == 0)
        return &a->version;
    if (len == 12 && memcmp(name, "check-config", 12) == 0)
        return &a->check;
    return NULL;
}

/* argv[*i], a "--name" or "--name=value", and the value it may take from
 * argv[*i + 1] (then *i moves past it). */
static int long_option(struct args *a, int argc, char **argv, int *i,
                       struct mg_error *err)
{
    const char *name = argv[*i] + 2;
    const char *eq = strchr(name, '=');
    size_t name_len = eq ? (size_t)(eq - name) : strlen(name);
    int *toggle = toggle_of(a, name, name_len);
    if (toggle) {
        if (eq)
            return usage_error(err, "--%.*s takes no value", (int)name_len,
                               name);
        *toggle = 1;
        return MG_OK;
    }
    const struct mg__config_row *r = find_flag(name, name_len);
    int is_config = name_len == 6 && memcmp(name, "config", 6) == 0;
    if (!r && !is_config)
        return usage_error(err, "unknown option \"--%.*s\"",
                           (int)(name_len > 100 ? 100 : name_len), name);
    const char *value;
    if (eq)
        value = eq + 1;
    else if (*i + 1 < argc)
        value = argv[++*i];
    else
        return usage_error(err, "--%.*s needs a value: --%.*s %s",
                           (int)name_len, name, (int)name_len, name,
                           r ? r->metavar : "FILE");
    if (is_config) {
        *a->config_path = value;
        return MG_OK;
    }
    struct mg__config_flag *f = &a->flags[(*a->nflags)++];
    f->row = r;
    f->value = value;
    snprintf(f->label, sizeof f->label, "--%s", r->flag);
    return MG_OK;
}

/* argv[*i]: -h, -c FILE, -cFILE, or a long option. */
static int option(struct args *a, int argc, char **argv, int *i,
                  struct mg_error *err)
{
    const char *arg = argv[*i];
    if (arg[0] != '-' || arg[1] == '\0')
        return usage_error(err, "unexpected argument \"%.100s\"", arg);
    if (strcmp(arg, "-h") == 0) {
        a->help = 1;
        return MG_OK;
    }
    if (strncmp(arg, "-c", 2) == 0) {
        if (arg[2] != '\0')
            *a->config_path = arg + 2;
        else if (*i + 1 < argc)
            *a->config_path = argv[++*i];
        else
            return usage_error(err, "-c needs a value: -c FILE");
        return MG_OK;
    }
    if (arg[1] != '-')
        return usage_error(err, "unknown option \"%.100s\"", arg);
    return long_option(a, argc, argv, i, err);
}

int mg__config_parse_args(int argc, char **argv, const char **config_path,
                          struct mg__config_flag *flags, size_t *nflags,
                          enum mg_config_action *action, struct mg_error *err)
{
    struct args a = {0, 0, 0, config_path, flags, nflags};
    *nflags = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) {
            if (i + 1 < argc)
                return usage_error(err, "unexpected argument \"%.100s\"",
                                   argv[i + 1]);
            break;
        }
        int rc = option(&a, argc, argv, &i, err);
        if (rc != MG_OK)
            return rc;
    }
    *action = a.help      ? MG_CONFIG_HELP
              : a.version ? MG_CONFIG_VERSION
              : a.check   ? MG_CONFIG_CHECK
                          : MG_CONFIG_RUN;
    return MG_OK;
}

/* ---- --help ---- */

const char *mg_config_usage(void)
{
    static char text[4096];
    if (text[0])
        return text;
    size_t used = 0;
#define ADD(...)                                                               \
    do {                                                                       \
        int n_ = snprintf(text + used, sizeof text - used, __VA_ARGS__);       \
        if (n_ > 0)                                                            \
            used += (size_t)n_ < sizeof text - used ? (size_t)n_               \
                                                    : sizeof text - used - 1;  \
    } while (0)
    ADD("usage: modgate [-c FILE] [OPTION]...\n"
        "Comment moderation HTTP service.\n\n"
        "  -c, --config FILE\n"
        "        YAML config file (keys in docs/configuration.md)\n");
    for (size_t i = 0; i < mg__config_nrows; i++) {
        const struct mg__config_row *r = &mg__config_rows[i];
        if (!r->flag)
            continue;
        ADD("      --%s %s\n        %s (env %s", r->flag, r->metavar,
            r->key.help, r->env);
        if (r->key.def)
            ADD(", default %s", r->key.def);
        ADD(")\n");
    }
    for (size_t i = 0; i < mg__config_nrows; i++) {
        const struct mg__config_row *r = &mg__config_rows[i];
        /* a variable without a flag: a secret, which ps would show */
        if (r->env && !r->flag)
            ADD("      (env %s)\n        %s\n", r->env, r->key.help);
    }
    ADD("      --check-config\n        check the configuration and the files "
        "it "
        "names, then exit\n"
        "      --version\n        print the version and exit\n"
        "  -h, --help\n        print this help and exit\n\n"
        "Flags beat MODGATE_* variables, which beat the config file, which "
        "beats\n"
        "the defaults. Both --flag VALUE and --flag=VALUE work. Other "
        "settings\n"
        "(redis.prefix, redis.*_ms, limits.* but max_connections, comments.*)\n"
        "are set in the config file, and so are the rate limits and trusted\n"
        "authors (rate_limits:, see docs/rate-limits.md).\n");
#undef ADD
    return text;
}
