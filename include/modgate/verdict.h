/* verdict.h: what the rules say of one comment (rules.h makes it): publish,
 * hold or reject, with the score, the rules that fired and the version of
 * the rule set. */
#ifndef MODGATE_VERDICT_H
#define MODGATE_VERDICT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

enum mg_action { MG_ACTION_PUBLISH, MG_ACTION_HOLD, MG_ACTION_REJECT };

/* The history rules, decided in Redis (docs/rules.md), in the order a
 * submission checks them. */
enum mg_history_rule {
    MG_HISTORY_DUPLICATE,
    MG_HISTORY_CAMPAIGN,
    MG_HISTORY_NEW_COMMENTER,
    MG_HISTORY_RULE_COUNT
};

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
    uint32_t established_published; /* history.established, 0: off */
    int64_t established_clean_ms;
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

/* A history rule's id in matches ("history.duplicate"), and the word
 * submit.lua answers with ("duplicate"). Static. */
const char *mg_history_rule_id(enum mg_history_rule r);
const char *mg_history_rule_word(enum mg_history_rule r);

/* The rule the word names; false for any other word (or NULL). */
bool mg_history_rule_parse(const char *word, enum mg_history_rule *out);

/* Merges a history rule that fired into v: a match of its own (score 0, no
 * span) and an action made stricter, never milder (a duplicate rejects,
 * the others hold). */
void mg_verdict_add_history(struct mg_verdict *v, enum mg_history_rule r);

#endif
