/* verdict.h: the seam between the submission path and the rules engine:
 * a comment in, a verdict out (publish, hold or reject, with the score and
 * the rules that fired). Until the rules engine arrives, the rule set is
 * empty and every comment is published; the records already carry score,
 * matches and rules_version so that the API does not change when it does. */
#ifndef MODGATE_VERDICT_H
#define MODGATE_VERDICT_H

#include <jansson.h>

#include "modgate/submission.h"

enum mg_action { MG_ACTION_PUBLISH, MG_ACTION_HOLD, MG_ACTION_REJECT };

struct mg_verdict {
    enum mg_action action;
    double score;
    json_t *matches;        /* array of {rule, score, action, reason, span}; owned */
    char rules_version[32]; /* "r-" + 12 hex of the rule files' digest */
};

/* The rule set that judges comments; NULL is the empty set. */
struct mg_rules;

/* Judges s. Fills *out; close it with mg_verdict_close. */
void mg_rules_judge(const struct mg_rules *rules, const struct mg_submission *s,
                    struct mg_verdict *out);

void mg_verdict_close(struct mg_verdict *v);

/* "publish", "hold", "reject". */
const char *mg_action_name(enum mg_action action);

/* The record status an action leads to: "published", "pending", "rejected". */
const char *mg_action_status(enum mg_action action);

#endif
