/* verdict.c: verdicts and the names of their actions. */
#include "modgate/verdict.h"

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
