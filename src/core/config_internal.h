/* config_internal.h: what the files of the config module share (private
 * to src/core): the key table's row, and the rate_limits section's table.
 * config.c owns the table and the loading order; config_args.c reads argv
 * and writes --help from it; config_ratelimit.c reads rate_limits:. */
#ifndef MODGATE_CORE_CONFIG_INTERNAL_H
#define MODGATE_CORE_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "modgate/config.h"
#include "modgate/yaml.h"

/* A setting: how YAML reads it (name, type, bounds, field, default, help,
 * check) and where else it may come from. */
struct mg__config_row {
    struct mg_yaml_key key; /* first: the YAML walker reads rows through it */
    const char *env;        /* MODGATE_* variable, or NULL */
    const char *flag;       /* long option without "--", or NULL */
    const char *metavar;    /* the flag's value, for --help */
    /* For settings that name a file or directory: checks it exists and is
     * what it should be (mg_config_finish). Problems inside the file keep
     * their own place in inner; others name the path as the file. */
    int (*check_file)(const char *path, struct mg_error *inner);
    /* Read at start only: a reload (SIGHUP) that finds it changed keeps
     * the running value and says a restart is needed (config_diff.c). */
    bool restart;
};

/* The key table, in the order docs/configuration.md lists it. */
extern const struct mg__config_row mg__config_rows[];
extern const size_t mg__config_nrows;

/* The rows of the rate_limits: section (config_ratelimit.c). */
extern const struct mg_yaml_table mg__config_rate_limits;

/* The webhooks: list (config_webhooks.c), a custom row's parser. */
int mg__config_parse_webhooks(struct mg_yaml_walk *w,
                              const struct mg_yaml_key *row, const char *label,
                              const struct mg_yaml_node *key,
                              const struct mg_yaml_node *value, void *base);

/* A flag from argv, not yet applied. label is "--flag", for errors. */
struct mg__config_flag {
    const struct mg__config_row *row;
    const char *value; /* borrowed from argv */
    char label[64];
};

/* Reads argv without applying anything (the file and the environment are
 * applied first whatever the flags' order): the -c file into *config_path
 * (borrowed from argv, NULL when none), flags with values into flags (room
 * for argc of them) and *nflags, what was asked into *action. */
int mg__config_parse_args(int argc, char **argv, const char **config_path,
                          struct mg__config_flag *flags, size_t *nflags,
                          enum mg_config_action *action,
                          struct mg_error *err) MG_MUST_CHECK;

#endif
