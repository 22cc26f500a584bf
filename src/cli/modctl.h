/* modctl.h: what modctl's command files share: the global options and the
 * exit statuses API.md promises to scripts. */
#ifndef MODCTL_H
#define MODCTL_H

#include <jansson.h>
#include <stdbool.h>

/* Options every command may use; set before the command runs. */
struct modctl_globals {
    const char *url;   /* --url, MODGATE_URL, default http://127.0.0.1:8080 */
    const char *token; /* --token, MODGATE_TOKEN; NULL when none */
    bool json;         /* --json: machine-readable output */
};

enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2 };

/* Command handlers, one file per group (cmd_*.c). Each gets argv starting at
 * the command's own name and returns an exit status. */
int modctl_cmd_keygen(const struct modctl_globals *g, int argc, char **argv);
int modctl_cmd_pubkey(const struct modctl_globals *g, int argc, char **argv);
int modctl_cmd_rules(const struct modctl_globals *g, int argc, char **argv);
int modctl_cmd_check(const struct modctl_globals *g, int argc, char **argv);
int modctl_cmd_queue(const struct modctl_globals *g, int argc, char **argv);
int modctl_cmd_rejected(const struct modctl_globals *g, int argc, char **argv);
int modctl_cmd_show(const struct modctl_globals *g, int argc, char **argv);
/* approve, reject and remove (argv[0] says which) */
int modctl_cmd_approve(const struct modctl_globals *g, int argc, char **argv);
int modctl_cmd_review(const struct modctl_globals *g, int argc, char **argv);
int modctl_cmd_audit(const struct modctl_globals *g, int argc, char **argv);
int modctl_cmd_stats(const struct modctl_globals *g, int argc, char **argv);
int modctl_cmd_ban(const struct modctl_globals *g, int argc, char **argv);
int modctl_cmd_unban(const struct modctl_globals *g, int argc, char **argv);
int modctl_cmd_bans(const struct modctl_globals *g, int argc, char **argv);
int modctl_cmd_verify(const struct modctl_globals *g, int argc, char **argv);
/* `rules stats` (cmd_admin.c), argv from "stats" */
int modctl_rules_stats(const struct modctl_globals *g, int argc, char **argv);

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
