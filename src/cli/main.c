/* main.c: modctl's entry: its own options, which command runs, the
 * global options' defaults from the environment and the config file. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <locale.h>
#include <sys/stat.h>

#include "args.h"
#include "modgate/alloc.h"
#include "mg_version.h"
#include "modctl.h"

/* The config file: $XDG_CONFIG_HOME/modctl/config (~/.config/... when
 * unset), lines "url = URL" and "token = TOKEN", '#' comments. It fills what
 * neither a flag nor a variable set. A token in a file others can read is
 * used, with a warning. */
static void read_config(const char **url, const char **token, char **owned)
{
    const char *xdg = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");
    char path[4096];
    if (xdg && *xdg)
        snprintf(path, sizeof path, "%s/modctl/config", xdg);
    else if (home && *home)
        snprintf(path, sizeof path, "%s/.config/modctl/config", home);
    else
        return;
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char line[4200];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        n++;
        char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '#' || *p == '\n' || *p == '\0')
            continue;
        char *eq = strchr(p, '=');
        if (!eq) {
            fprintf(stderr, "modctl: %s:%d: want \"key = value\"\n", path, n);
            continue;
        }
        char *key_end = eq;
        while (key_end > p && (key_end[-1] == ' ' || key_end[-1] == '\t'))
            key_end--;
        *key_end = '\0';
        char *v = eq + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        size_t len = strlen(v);
        while (len && (v[len - 1] == '\n' || v[len - 1] == '\r' || v[len - 1] == ' ' ||
                       v[len - 1] == '\t'))
            v[--len] = '\0';
        if (strcmp(p, "url") == 0) {
            if (!*url && len && !owned[0]) {
                owned[0] = mg_strdup(v);
                *url = owned[0];
            }
        } else if (strcmp(p, "token") == 0) {
            struct stat st;
            if (fstat(fileno(f), &st) == 0 && (st.st_mode & 077))
                fprintf(stderr, "modctl: %s holds a token and others may read it "
                                "(chmod 600 it)\n", path);
            if (!*token && len && !owned[1]) {
                owned[1] = mg_strdup(v);
                *token = owned[1];
            }
        } else {
            fprintf(stderr, "modctl: %s:%d: unknown key \"%s\" (url, token)\n", path,
                    n, p);
        }
    }
    fclose(f);
}

/* What no flag set: the variable, then the config file, then the default.
 * owned[0..1] receive what the config file gave (the caller frees). */
static void settle_globals(struct modctl_globals *g, char **owned)
{
    const char *env_url = getenv("MODGATE_URL"),
               *env_token = getenv("MODGATE_TOKEN");
    if (!g->url && env_url && *env_url)
        g->url = env_url;
    if (!g->token && env_token && *env_token)
        g->token = env_token;
    if (!g->url || !g->token)
        read_config(&g->url, &g->token, owned);
    if (!g->url)
        g->url = "http://127.0.0.1:8080";
}

/* The command's line against its table; then, when it is right, the
 * command runs with the global options settled. */
static int run_command(const struct modctl_command *c, const char *name,
                       struct modctl_globals *g, int argc, char **argv,
                       char **owned)
{
    void *options = mg_calloc(1, c->options_size ? c->options_size : 1);
    struct modctl_parsed p;
    enum modctl_parse_status status =
        modctl_parse_options(c, false, argc, argv, options, g, &p);
    if (status == MODCTL_PARSED)
        status = modctl_check_forms(c, &p);
    const struct modctl_args a = {.name = name,
                                  .command = c,
                                  .options = options,
                                  .count = p.count,
                                  .operands = p.operands};
    int rc;
    if (status == MODCTL_PARSE_HELP) {
        modctl_print_help(stdout, c);
        rc = EXIT_OK;
    } else if (status == MODCTL_PARSE_ERROR) {
        rc = modctl_usage_error(&a, p.why);
    } else {
        settle_globals(g, owned);
        rc = c->run(g, &a);
    }
    modctl_parsed_close(&p);
    mg_free(options);
    return rc;
}

/* The options before the first operand of argv (modctl's own before the
 * command, the global ones between a group and its subcommand): *next is
 * the operand's index, argc when there is none. */
static enum modctl_parse_status
leading_options(const struct modctl_command *c, int argc, char **argv,
                void *options, struct modctl_globals *g, int *next, char *why,
                size_t size)
{
    struct modctl_parsed p;
    enum modctl_parse_status status =
        modctl_parse_options(c, true, argc, argv, options, g, &p);
    snprintf(why, size, "%s", p.why);
    *next = p.next;
    modctl_parsed_close(&p);
    return status;
}

/* "rules lint DIR": argv starts at the group's name. */
static int run_group(struct modctl_globals *g, int argc, char **argv,
                     char **owned)
{
    const struct modctl_command group = {.name = argv[0]};
    char why[200];
    int next;
    enum modctl_parse_status status =
        leading_options(&group, argc, argv, NULL, g, &next, why, sizeof why);
    if (status == MODCTL_PARSE_HELP) {
        modctl_print_group_usage(stdout, argv[0]);
        return EXIT_OK;
    }
    const struct modctl_command *c =
        status == MODCTL_PARSED && next < argc
            ? modctl_find_command(argv[0], argv[next])
            : NULL;
    if (c)
        return run_command(c, c->name, g, argc - next, argv + next, owned);
    if (status == MODCTL_PARSED && next < argc)
        snprintf(why, sizeof why, "unknown subcommand \"%s\"", argv[next]);
    else if (status == MODCTL_PARSED)
        snprintf(why, sizeof why, "missing subcommand");
    fprintf(stderr, "modctl %s: %s\n", argv[0], why);
    modctl_print_group_usage(stderr, argv[0]);
    return EXIT_USAGE;
}

/* modctl's own options, then the command, which reads the rest. */
static int dispatch(struct modctl_globals *g, int argc, char **argv,
                    char **owned)
{
    struct modctl_own_options own;
    char why[200];
    int next;
    enum modctl_parse_status status = leading_options(
        &modctl_itself, argc, argv, &own, g, &next, why, sizeof why);
    if (status == MODCTL_PARSE_HELP) {
        modctl_print_usage(stdout);
        return EXIT_OK;
    }
    if (status == MODCTL_PARSED && own.version) {
        printf("modctl %s\n", MG_VERSION);
        return EXIT_OK;
    }
    if (status == MODCTL_PARSED && next < argc && modctl_is_group(argv[next]))
        return run_group(g, argc - next, argv + next, owned);
    const struct modctl_command *c = status == MODCTL_PARSED && next < argc
                                         ? modctl_find_command(argv[next], NULL)
                                         : NULL;
    if (c)
        return run_command(c, argv[next], g, argc - next, argv + next, owned);
    if (status == MODCTL_PARSED && next < argc)
        snprintf(why, sizeof why, "unknown command \"%s\"", argv[next]);
    else if (status == MODCTL_PARSED)
        snprintf(why, sizeof why, "missing command");
    fprintf(stderr, "modctl: %s\n\n", why);
    modctl_print_usage(stderr);
    return EXIT_USAGE;
}

int main(int argc, char **argv)
{
    /* display widths of the user's characters (tables, cut excerpts) */
    setlocale(LC_CTYPE, "");
    struct modctl_globals g = {.url = NULL, .token = NULL, .json = false};
    char *owned[2] = {NULL, NULL};
    int rc = dispatch(&g, argc, argv, owned);
    mg_free(owned[0]);
    mg_free(owned[1]);
    return rc;
}
