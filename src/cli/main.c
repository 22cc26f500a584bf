/* main.c: modctl's global options and its command table. */
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

typedef int (*command_fn)(const struct modctl_globals *g, int argc,
                          char **argv);

static int cmd_help(const struct modctl_globals *g, int argc, char **argv);
static int cmd_version(const struct modctl_globals *g, int argc, char **argv);
static int run(const struct modctl_globals *g, int argc, char **argv, int i);

static const struct command {
    const char *name;
    command_fn run;
    const char *synopsis;
    const char *help;
} commands[] = {
    {"queue", modctl_cmd_queue, "queue [--article A] [--limit N]",
     "the held comments, oldest first"},
    {"review", modctl_cmd_review, "review [--article A]",
     "work the queue one comment at a time (a/r/s/q)"},
    {"show", modctl_cmd_show, "show ID", "one comment in full, matches highlighted"},
    {"approve", modctl_cmd_approve, "approve ID... [--reason R]",
     "publish held or rules-rejected comments"},
    {"reject", modctl_cmd_approve, "reject ID... [--reason R]", "reject held comments"},
    {"remove", modctl_cmd_approve, "remove ID... [--reason R]",
     "take published comments down"},
    {NULL, NULL, "approve|reject --rule R --author A --older-than 2h --article A",
     "decide held comments by predicate [--dry-run] [--yes]"},
    {"rejected", modctl_cmd_rejected, "rejected [--limit N]",
     "what the rules rejected, still kept"},
    {"audit", modctl_cmd_audit, "audit [--limit N]", "every moderator action, newest first"},
    {"stats", modctl_cmd_stats, "stats", "counts, queue depth, the last hour and day"},
    {"ban", modctl_cmd_ban, "ban --author ID|--ip IP|--subnet CIDR [--for 7d] [--reason R]",
     "ban an author, an address or a subnet"},
    {"unban", modctl_cmd_unban, "unban --author ID|--ip IP|--subnet CIDR", "lift a ban"},
    {"bans", modctl_cmd_bans, "bans", "the bans in force"},
    {"verify", modctl_cmd_verify, "verify ID... | --article A | --all",
     "check comments' signatures here"},
    {"rules", modctl_cmd_rules, "rules stats",
     "per rule: fired, held, rejected, overturned by moderators"},
    {"rules", modctl_cmd_rules, "rules lint DIR",
     "check a rules directory offline, as modgate would load it"},
    {"rules", modctl_cmd_rules, "rules reload", "make modgate load its rules again"},
    {"check", modctl_cmd_check, "check TEXT [--author ID] [--author-name N]",
     "run the rules on TEXT (history too, given --author)"},
    {"keygen", modctl_cmd_keygen, "keygen --out FILE",
     "write a new Ed25519 secret signing key file (mode 0600)"},
    {"pubkey", modctl_cmd_pubkey, "pubkey --key FILE",
     "print a key's entry for the retired keys file"},
    /* the words of the brief ("list, read, approve, ...") work too */
    {"list", modctl_cmd_queue, NULL, NULL},
    {"read", modctl_cmd_show, NULL, NULL},
    {"help", cmd_help, "help", "print this help"},
    {"--help", cmd_help, NULL, NULL},
    {"-h", cmd_help, NULL, NULL},
    {"--version", cmd_version, "--version", "print the version"},
};

static void usage(FILE *out)
{
    fprintf(
        out,
        "usage: modctl [--url URL] [--token TOKEN] [--json] COMMAND [ARGS]\n"
        "       (the options in brackets may also follow the command)\n\n"
        "commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (commands[i].synopsis && strlen(commands[i].synopsis) <= 32)
            fprintf(out, "  %-32s %s\n", commands[i].synopsis, commands[i].help);
        else if (commands[i].synopsis)
            fprintf(out, "  %s\n  %-32s %s\n", commands[i].synopsis, "",
                    commands[i].help);
    fprintf(out, "\noptions:\n"
                 "  --url URL       modgate to talk to (MODGATE_URL; default "
                 "http://127.0.0.1:8080)\n"
                 "  --token TOKEN   bearer token (MODGATE_TOKEN)\n"
                 "  --json          print machine-readable JSON\n"
                 "  (url and token are also read from $XDG_CONFIG_HOME/modctl/config:\n"
                 "   lines url = URL, token = TOKEN; flags and variables win)\n\n"
                 "every command takes --help\n"
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

/* A global option at argv[*i] (advancing *i past a separate value): 1 when
 * taken, 0 when argv[*i] is something else, -1 (after saying why) when its
 * value is missing. */
static int take_global(int argc, char **argv, int *i, struct modctl_globals *g)
{
    static const char *const names[] = {"--url", "--token"};
    if (strcmp(argv[*i], "--json") == 0) {
        g->json = true;
        return 1;
    }
    for (size_t n = 0; n < 2; n++) {
        const char *value = NULL;
        int r = modctl_take_option(names[n], argc, argv, i, &value);
        if (r < 0) {
            fprintf(stderr, "modctl: %s needs a value\n", names[n]);
            return -1;
        }
        if (r > 0) {
            *(n == 0 ? &g->url : &g->token) = value;
            return 1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    /* display widths of the user's characters (tables, cut excerpts) */
    setlocale(LC_CTYPE, "");
    struct modctl_globals g = {.url = NULL, .token = NULL, .json = false};

    /* The global options may come before the command or anywhere after it
     * ("modctl queue --json"); what is left, in order, is the command's.
     * After "--" (dropped) nothing is taken as a global option. */
    char **rest = mg_calloc((size_t)argc + 1, sizeof *rest);
    int nrest = 0;
    rest[nrest++] = argv[0];
    bool options = true;
    for (int i = 1; i < argc; i++) {
        int r = options ? take_global(argc, argv, &i, &g) : 0;
        if (r < 0) {
            mg_free(rest);
            return EXIT_USAGE;
        }
        if (r == 0 && options && strcmp(argv[i], "--") == 0)
            options = false;
        else if (r == 0)
            rest[nrest++] = argv[i];
    }
    rest[nrest] = NULL;
    /* a flag, then the variable, then the config file, then the default */
    const char *env_url = getenv("MODGATE_URL"), *env_token = getenv("MODGATE_TOKEN");
    if (!g.url && env_url && *env_url)
        g.url = env_url;
    if (!g.token && env_token && *env_token)
        g.token = env_token;
    char *owned[2] = {NULL, NULL};
    if (!g.url || !g.token)
        read_config(&g.url, &g.token, owned);
    if (!g.url)
        g.url = "http://127.0.0.1:8080";
    int rc = run(&g, nrest, rest, 1);
    mg_free(owned[0]);
    mg_free(owned[1]);
    mg_free(rest);
    return rc;
}

static int run(const struct modctl_globals *gp, int argc, char **argv, int i)
{
    const struct modctl_globals g = *gp;
    if (i >= argc) {
        fprintf(stderr, "modctl: missing command\n\n");
        usage(stderr);
        return EXIT_USAGE;
    }
    for (size_t c = 0; c < sizeof commands / sizeof commands[0]; c++)
        if (commands[c].name && strcmp(argv[i], commands[c].name) == 0)
            return commands[c].run(&g, argc - i, argv + i);

    fprintf(stderr, "modctl: unknown command \"%s\"\n\n", argv[i]);
    usage(stderr);
    return EXIT_USAGE;
}
