/* verdict.h: what the rules say of one comment (rules.h makes it): publish,
 * hold or reject, with the score, the rules that fired and the version of
 * the rule set. */
#ifndef MODGATE_VERDICT_H
#define MODGATE_VERDICT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

enum mg_action { MG_ACTION_PUBLISH, MG_ACTION_HOLD, MG_ACTION_REJECT };

/* The history rules as they apply to one comment (Redis decides them, with
 * these settings): what the rule set asks of this body. A window of 0
 * turns a rule off for it: the set lacks the rule, or the normalized body
 * is shorter than the rule's min_chars ("Thanks!" is said by many, and
 * twice by one), which *_short then says. */
struct mg_verdict_history {
    bool on;                      /* the set has history rules */
    int64_t duplicate_window_ms;
    int64_t campaign_window_ms;
    uint32_t campaign_authors;
    uint32_t new_commenter_below; /* 0: off */
    bool duplicate_short, campaign_short;
};

struct mg_verdict {
    enum mg_action action;
    double score;
    json_t *matches;        /* array of {rule, score, action, reason, span}; owned */
    char rules_version[32]; /* "r-" + 12 hex of the rule files' digest */
    /* For the history rules (rules.h), filled when the set has them: */
    char body_digest[33]; /* 32 hex of SHA-256 of the normalized body */
    size_t body_chars;    /* code points of the normalized body */
    bool suspect;         /* what history.new_commenter holds: the score
                             reached new_commenter's min_score or, without
                             one, a rule with a positive score fired or the
                             body has a link */
    struct mg_verdict_history history;
};

void mg_verdict_close(struct mg_verdict *v);

/* "publish", "hold", "reject". */
const char *mg_action_name(enum mg_action action);

/* The record status an action leads to: "published", "pending", "rejected". */
const char *mg_action_status(enum mg_action action);

/* The ids of the rules in a matches array, comma-separated ("" for none);
 * the caller frees it (mg_free). */
char *mg_matches_rule_ids(const json_t *matches);

#endif
