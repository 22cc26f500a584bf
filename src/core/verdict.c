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
