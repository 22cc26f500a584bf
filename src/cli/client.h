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

/* Prints an API problem (detail, and `errors` if any) on stderr, prefixed
 * with "modctl CMD: ". */
void modctl_print_problem(const char *cmd, long status, const json_t *reply);

#endif
