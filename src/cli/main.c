/* main.c: modctl's global options and its command table. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mg_version.h"
#include "modctl.h"

typedef int (*command_fn)(const struct modctl_globals *g, int argc,
                          char **argv);

static int cmd_help(const struct modctl_globals *g, int argc, char **argv);
static int cmd_version(const struct modctl_globals *g, int argc, char **argv);

static const struct command {
    const char *name;
    command_fn run;
    const char *synopsis;
    const char *help;
} commands[] = {
    {"keygen", modctl_cmd_keygen, "keygen --out FILE",
     "write a new Ed25519 secret signing key file (mode 0600)"},
    {"pubkey", modctl_cmd_pubkey, "pubkey --key FILE",
     "print a key's entry for the retired keys file"},
    {"rules", modctl_cmd_rules, "rules lint DIR",
     "check a rules directory offline, as modgate would load it"},
    {"rules", modctl_cmd_rules, "rules reload", "make modgate load its rules again"},
    {"check", modctl_cmd_check, "check TEXT [--author-name N]",
     "run the rules on TEXT and show what fires"},
    {"help", cmd_help, "help", "print this help"},
    {"--help", cmd_help, NULL, NULL},
    {"-h", cmd_help, NULL, NULL},
    {"--version", cmd_version, "--version", "print the version"},
};

static void usage(FILE *out)
{
    fprintf(
        out,
        "usage: modctl [--url URL] [--token TOKEN] [--json] COMMAND [ARGS]\n\n"
        "commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (commands[i].synopsis)
            fprintf(out, "  %-22s %s\n", commands[i].synopsis,
                    commands[i].help);
    fprintf(out, "\noptions:\n"
                 "  --url URL       modgate to talk to (MODGATE_URL; default "
                 "http://127.0.0.1:8080)\n"
                 "  --token TOKEN   bearer token (MODGATE_TOKEN)\n"
                 "  --json          print machine-readable JSON\n\n"
                 "exit status: 0 success, 1 the operation failed, 2 usage or "
                 "connection error\n");
}

static int cmd_help(const struct modctl_globals *g, int argc, char **argv)
{
    (void)g;
    (void)argc;
    (void)argv;
    usage(stdout);
    return EXIT_OK;
}

static int cmd_version(const struct modctl_globals *g, int argc, char **argv)
{
    (void)g;
    (void)argc;
    (void)argv;
    printf("modctl %s\n", MG_VERSION);
    return EXIT_OK;
}

/* Matches "--name VALUE" and "--name=VALUE" at argv[*i]. Returns 1 and sets
 * *value on a match, -1 when the value is missing, 0 when it is another
 * argument. */
static int take_option(const char *name, int argc, char **argv, int *i,
                       const char **value)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0)
        return 0;
    if (a[n] == '=') {
        *value = a + n + 1;
        return 1;
    }
    if (a[n] != '\0')
        return 0;
    if (*i + 1 >= argc)
        return -1;
    *value = argv[++*i];
    return 1;
}

int main(int argc, char **argv)
{
    struct modctl_globals g = {
        .url = getenv("MODGATE_URL"),
        .token = getenv("MODGATE_TOKEN"),
        .json = false,
    };
    if (!g.url || !*g.url)
        g.url = "http://127.0.0.1:8080";
    if (g.token && !*g.token)
        g.token = NULL;

    int i = 1;
    for (; i < argc; i++) {
        const char *value = NULL;
        int r;
        if (strcmp(argv[i], "--json") == 0) {
            g.json = true;
        } else if ((r = take_option("--url", argc, argv, &i, &value)) != 0) {
            if (r < 0) {
                fprintf(stderr, "modctl: --url needs a value\n");
                return EXIT_USAGE;
            }
            g.url = value;
        } else if ((r = take_option("--token", argc, argv, &i, &value)) != 0) {
            if (r < 0) {
                fprintf(stderr, "modctl: --token needs a value\n");
                return EXIT_USAGE;
            }
            g.token = value;
        } else {
            break;
        }
    }
    if (i >= argc) {
        fprintf(stderr, "modctl: missing command\n\n");
        usage(stderr);
        return EXIT_USAGE;
    }
    for (size_t c = 0; c < sizeof commands / sizeof commands[0]; c++)
        if (strcmp(argv[i], commands[c].name) == 0)
            return commands[c].run(&g, argc - i, argv + i);

    fprintf(stderr, "modctl: unknown command \"%s\"\n\n", argv[i]);
    usage(stderr);
    return EXIT_USAGE;
}
