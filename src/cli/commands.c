/* commands.c: modctl's command table, which dispatching, `modctl help` and
 * the tests read, and the `help` command. */
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "modctl.h"

static int run_help(const struct modctl_globals *g,
                    const struct modctl_args *a);

static const struct modctl_command help_command = {
    .name = "help",
    .operands = {"[COMMAND...]"},
    .summary = "print this help, or a command's",
    .description = "Lists the commands, or prints COMMAND's help as COMMAND "
                   "--help does.\n",
    .run = run_help,
};

const struct modctl_command *const modctl_commands[] = {
    &modctl_queue_command,
    &modctl_review_command,
    &modctl_show_command,
    &modctl_approve_command,
    &modctl_reject_command,
    &modctl_remove_command,
    &modctl_rejected_command,
    &modctl_audit_command,
    &modctl_stats_command,
    &modctl_ban_command,
    &modctl_unban_command,
    &modctl_bans_command,
    &modctl_verify_command,
    &modctl_rules_stats_command,
    &modctl_rules_lint_command,
    &modctl_rules_reload_command,
    &modctl_article_show_command,
    &modctl_article_open_command,
    &modctl_article_premoderate_command,
    &modctl_article_close_command,
    &modctl_reported_command, /* readers' reports */
    &modctl_author_command,
    &modctl_watch_command,
    &modctl_unwatch_command,
    &modctl_erase_command,
    &modctl_webhooks_command, /* issue 18 */
    &modctl_decisions_export_command, /* issue 19 */
    &modctl_model_train_command,
    &modctl_check_command,
    &modctl_keygen_command,
    &modctl_pubkey_command,
    &help_command,
    NULL,
};

/* Other names, from the words of the brief ("list, read, approve, ..."). */
static const struct alias {
    const char *name;
    const struct modctl_command *command;
} aliases[] = {
    {"list", &modctl_queue_command},
    {"read", &modctl_show_command},
};

static const struct modctl_option own_options[] = {
    {.name = "version",
     .kind = MODCTL_FLAG,
     .help = "print the version and exit",
     .offset = offsetof(struct modctl_own_options, version)},
    {.name = NULL},
};

const struct modctl_command modctl_itself = {
    .name = "modctl",
    .options = own_options,
    .options_size = sizeof(struct modctl_own_options),
};

/* Whether name is "group sub" (sub NULL: name has no space). */
static bool names(const char *name, const char *group, const char *sub)
{
    size_t n = strlen(group);
    if (strncmp(name, group, n) != 0)
        return false;
    return sub ? name[n] == ' ' && strcmp(name + n + 1, sub) == 0
               : name[n] == '\0';
}

const struct modctl_command *modctl_find_command(const char *word,
                                                 const char *sub)
{
    for (size_t i = 0; modctl_commands[i]; i++)
        if (names(modctl_commands[i]->name, word, sub))
            return modctl_commands[i];
    for (size_t i = 0; !sub && i < sizeof aliases / sizeof aliases[0]; i++)
        if (strcmp(aliases[i].name, word) == 0)
            return aliases[i].command;
    return NULL;
}

/* name is group's subcommand: "rules lint" of "rules". */
static bool in_group(const char *name, const char *group)
{
    size_t n = strlen(group);
    return strncmp(name, group, n) == 0 && name[n] == ' ';
}

bool modctl_is_group(const char *word)
{
    for (size_t i = 0; modctl_commands[i]; i++)
        if (in_group(modctl_commands[i]->name, word))
            return true;
    return false;
}

void modctl_print_group_usage(FILE *out, const char *group)
{
    const char *lead = "usage: modctl ";
    for (size_t i = 0; modctl_commands[i]; i++) {
        if (in_group(modctl_commands[i]->name, group)) {
            modctl_print_synopsis(out, modctl_commands[i], lead,
                                  "       modctl ");
            lead = "       modctl ";
        }
    }
}

/* "  NAME USAGE   summary": the summary on the usage's line when that is
 * one line short enough, else on the next. */
static void print_command_line(FILE *out, const struct modctl_command *c)
{
    char usage[1024] = "";
    FILE *mem = fmemopen(usage, sizeof usage - 1, "w");
    if (mem) {
        modctl_print_synopsis(mem, c, "  ", "  ");
        fclose(mem);
    }
    size_t len = strlen(usage);
    if (len > 0 && len - 1 <= 34 && !memchr(usage, '\n', len - 1))
        fprintf(out, "%-34.*s %s\n", (int)(len - 1), usage, c->summary);
    else
        fprintf(out, "%s%35s%s\n", usage, "", c->summary);
}

void modctl_print_usage(FILE *out)
{
    fputs("usage: modctl [--url URL] [--token TOKEN] [--json] COMMAND [ARGS]\n"
          "       (the options in brackets may also follow the command)\n\n"
          "commands:\n",
          out);
    for (size_t i = 0; modctl_commands[i]; i++)
        print_command_line(out, modctl_commands[i]);
    fputs("\noptions:\n", out);
    modctl_print_options(out, modctl_global_options, own_options);
    fputs(
        "  (url and token are also read from $XDG_CONFIG_HOME/modctl/config:\n"
        "   lines url = URL, token = TOKEN; flags and variables win)\n\n"
        "every command takes --help\n"
        "exit status: 0 success, 1 the operation failed, 2 usage or "
        "connection error\n",
        out);
}

/* `modctl help`, `modctl help queue`, `modctl help rules lint`. */
static int run_help(const struct modctl_globals *g, const struct modctl_args *a)
{
    (void)g;
    if (a->count == 0) {
        modctl_print_usage(stdout);
        return EXIT_OK;
    }
    const char *word = a->operands[0];
    const struct modctl_command *c = modctl_find_command(word, NULL);
    size_t used = 1;
    if (!c && modctl_is_group(word) && a->count == 1) {
        modctl_print_group_usage(stdout, word);
        return EXIT_OK;
    }
    if (!c && modctl_is_group(word)) {
        c = modctl_find_command(word, a->operands[1]);
        used = 2;
    }
    char why[160];
    if (!c) {
        snprintf(why, sizeof why, "unknown command \"%s\"",
                 a->operands[used - 1]);
        return modctl_usage_error(a, why);
    }
    if (a->count > used) {
        snprintf(why, sizeof why, "unexpected '%s'", a->operands[used]);
        return modctl_usage_error(a, why);
    }
    modctl_print_help(stdout, c);
    return EXIT_OK;
}
