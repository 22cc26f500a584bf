/* problem.h: RFC 9457 problem details, the body of every error response:
 * {"type","title","status","detail","code", ...members per code}. */
#ifndef MODGATE_PROBLEM_H
#define MODGATE_PROBLEM_H

#include <jansson.h>

/* The standard reason phrase for an HTTP status ("Not Found"); "Unknown"
 * for codes modgate never sends. Static. */
const char *mg_http_reason(int status);

/* A new problem object with type "about:blank", title = the status' reason
 * phrase, status, detail and code. Add members with json_object_set_new.
 * Caller owns the result (json_decref). */
json_t *mg_problem_new(int status, const char *code, const char *detail);

#endif
