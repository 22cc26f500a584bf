/* modctl.h: what modctl's command files share: the global options and the
 * exit statuses its manual (docs/man/modctl.1) promises to scripts. */
#ifndef MODCTL_H
#define MODCTL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

/* Options every command may use; set before the command runs. */
struct modctl_globals {
    const char *url;   /* --url, MODGATE_URL, default http://127.0.0.1:8080 */
    const char *token; /* --token, MODGATE_TOKEN; NULL when none */
    bool json;         /* --json: machine-readable output */
};

enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2 };

/* The commands, one file per group (cmd_*.c), each with its option table
 * (args.h); commands.c lists them. */
struct modctl_command;
extern const struct modctl_command modctl_queue_command, modctl_review_command,
    modctl_show_command, modctl_approve_command, modctl_reject_command,
    modctl_remove_command, modctl_rejected_command, modctl_audit_command,
    modctl_reported_command,
    modctl_stats_command, modctl_ban_command, modctl_unban_command,
    modctl_bans_command, modctl_verify_command, modctl_rules_stats_command,
    modctl_rules_lint_command, modctl_rules_reload_command,
    modctl_check_command, modctl_keygen_command, modctl_pubkey_command,
    modctl_article_show_command, modctl_article_open_command,
    modctl_article_premoderate_command, modctl_article_close_command;
extern const struct modctl_command modctl_author_command, modctl_watch_command,
    modctl_unwatch_command, modctl_erase_command;
extern const struct modctl_command modctl_webhooks_command;
extern const struct modctl_command modctl_decisions_export_command; /* issue 19 */
extern const struct modctl_command modctl_model_train_command;

/* Every command `modctl help` lists, in its order, NULL-terminated. */
extern const struct modctl_command *const modctl_commands[];

/* modctl's own options, before the command: --version (and the globals). */
struct modctl_own_options {
    bool version;
};
extern const struct modctl_command modctl_itself;

/* The command word names (an alias too: "list" is queue), or the
 * subcommand sub of the group word ("rules" "lint"; sub NULL for a
 * command without one). NULL when there is none. */
const struct modctl_command *modctl_find_command(const char *word,
                                                 const char *sub);

/* True when word names a group of subcommands ("rules"). */
bool modctl_is_group(const char *word);

/* A group's usage: "usage: modctl rules lint DIR" and the others. */
void modctl_print_group_usage(FILE *out, const char *group);

/* `modctl help`: the usage, every command, the options, the exit statuses. */
void modctl_print_usage(FILE *out);

/* One decision ("approve", "reject" held, "remove" published) on comment id
 * (cmd_queue.c), only while its status is expect (when not NULL; review
 * passes "pending": what another moderator decided meanwhile is theirs).
 * *result is the decided record, or {"id", "code", "current_status"?,
 * "detail"?} (the problem: modgate's, or "conflict" when the status does
 * not allow the verb), or NULL when modgate did not answer
 * (modctl_request said why). Returns EXIT_OK when it was decided. */
int modctl_decide(const struct modctl_globals *g, const char *verb, const char *id,
                  const char *reason, const char *expect, json_t **result);

#endif
