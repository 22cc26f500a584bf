/* client.h: modctl's requests to modgate, over libcurl: JSON in, JSON out,
 * the bearer token from the global options, and errors a person can act
 * on (which URL, what went wrong). */
#ifndef MODCTL_CLIENT_H
#define MODCTL_CLIENT_H

#include <jansson.h>

#include "modctl.h"

/* Sends method path (with body when not NULL, as JSON) to g->url. On an
 * answer: returns 0, *status the HTTP status and *reply the parsed JSON body
 * (NULL when it is not JSON; the caller decrefs). On no answer (connection
 * refused, timeout...): prints why on stderr and returns -1. */
int modctl_request(const struct modctl_globals *g, const char *method,
                   const char *path, json_t *body, long *status, json_t **reply);

/* modctl_request for a command that wants a 2xx: returns EXIT_OK with
 * *reply, or, having printed the problem (to stderr, and with --json also
 * to stdout as JSON), EXIT_FAILED with *reply still set and *status the HTTP
 * status (a 401 or 403 too: modgate refused); EXIT_USAGE on no answer.
 * quiet: print nothing. */
int modctl_call(const struct modctl_globals *g, const char *cmd, const char *method,
                const char *path, json_t *body, bool quiet, long *status,
                json_t **reply);

/* The pages of a list (GET base, base may hold query parameters already),
 * following next_cursor until limit entries (SIZE_MAX: all): *entries is
 * the array of the pages' key members, *total (when not NULL) the last
 * page's `total`. Returns as modctl_call does; *entries is NULL on failure. */
int modctl_fetch_pages(const struct modctl_globals *g, const char *cmd,
                       const char *base, const char *key, size_t limit,
                       json_t **entries, json_int_t *total);

/* s percent-encoded for a URL path segment or query value; mg_free it. */
char *modctl_escape(const char *s);

/* "/v1/comments/" and the comment id, escaped. Caller frees (mg_free). */
char *modctl_comment_path(const char *id);

/* Prints an API problem (detail, and `errors` if any) on stderr, prefixed
 * with "modctl CMD: ". */
void modctl_print_problem(const char *cmd, long status, const json_t *reply);

#endif
