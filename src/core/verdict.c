/* verdict.c: verdicts and the names of their actions. */
#include "modgate/verdict.h"

#include <string.h>

#include "modgate/buf.h"

void mg_verdict_close(struct mg_verdict *v)
{
    json_decref(v->matches);
    v->matches = NULL;
}

const char *mg_action_name(enum mg_action action)
{
    switch (action) {
    case MG_ACTION_HOLD: return "hold";
    case MG_ACTION_REJECT: return "reject";
    case MG_ACTION_PUBLISH: break;
    }
    return "publish";
}

const char *mg_action_status(enum mg_action action)
{
    switch (action) {
    case MG_ACTION_HOLD: return "pending";
    case MG_ACTION_REJECT: return "rejected";
    case MG_ACTION_PUBLISH: break;
    }
    return "published";
}

char *mg_matches_rule_ids(const json_t *matches)
{
    struct mg_buf b;
    mg_buf_init(&b, (size_t)-1);
    size_t i;
    const json_t *m;
    json_array_foreach(matches, i, m) {
        const char *rule = json_string_value(json_object_get(m, "rule"));
        /* ids are [a-z0-9._-] (the loader checks), so never hold a comma */
        if (!rule || strchr(rule, ','))
            continue;
        if (b.len)
            mg_buf_adds(&b, ",");
        mg_buf_adds(&b, rule);
    }
    size_t len;
    return mg_buf_take(&b, &len);
}

/* The history rules: what each does when it fires, and why. */
static const struct {
    const char *word, *id, *reason;
    enum mg_action action;
} HISTORY_RULES[MG_HISTORY_RULE_COUNT] = {
    [MG_HISTORY_DUPLICATE] = {"duplicate", "history.duplicate",
                              "the same comment from the same author again", MG_ACTION_REJECT},
    [MG_HISTORY_CAMPAIGN] = {"campaign", "history.campaign",
                             "the same comment from several authors (copy and paste)",
                             MG_ACTION_HOLD},
    [MG_HISTORY_NEW_COMMENTER] = {"new_commenter", "history.new_commenter",
                                  "a new commenter's comment whose score reached "
                                  "the new_commenter threshold",
                                  MG_ACTION_HOLD},
};

const char *mg_history_rule_id(enum mg_history_rule r)
{
    return HISTORY_RULES[r].id;
}

const char *mg_history_rule_word(enum mg_history_rule r)
{
    return HISTORY_RULES[r].word;
}

bool mg_history_rule_parse(const char *word, enum mg_history_rule *out)
{
    for (size_t r = 0; word && r < MG_HISTORY_RULE_COUNT; r++)
        if (strcmp(HISTORY_RULES[r].word, word) == 0) {
            *out = (enum mg_history_rule)r;
            return true;
        }
    return false;
}

void mg_verdict_add_history(struct mg_verdict *v, enum mg_history_rule r)
{
    json_array_append_new(v->matches,
                          json_pack("{s:s, s:f, s:s, s:s, s:n}", "rule", HISTORY_RULES[r].id,
                                    "score", 0.0, "action",
                                    mg_action_name(HISTORY_RULES[r].action), "reason",
                                    HISTORY_RULES[r].reason, "span"));
    if (HISTORY_RULES[r].action > v->action)
        v->action = HISTORY_RULES[r].action;
}
