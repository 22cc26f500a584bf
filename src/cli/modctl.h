/* modctl.h: what modctl's command files share: the global options and the
 * exit statuses API.md promises to scripts. */
#ifndef MODCTL_H
#define MODCTL_H

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

#endif
