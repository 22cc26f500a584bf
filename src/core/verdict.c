/* verdict.c: the rules seam, with the empty rule set behind it for now. */
#include "modgate/verdict.h"

#include <stdio.h>
#include <string.h>

#include "modgate/crypto.h"

/* The version of a rule set is a digest of its files, so every instance with
 * the same files reports the same version; the empty set digests nothing. */
static void empty_rules_version(char out[32])
{
    uint8_t digest[32];
    mg_crypto_sha256("", 0, digest);
    char hex[65];
    mg_crypto_hex(digest, sizeof digest, hex);
    snprintf(out, 32, "r-%.12s", hex);
}

void mg_rules_judge(const struct mg_rules *rules, const struct mg_submission *s,
                    struct mg_verdict *out)
{
    (void)rules;
    (void)s;
    memset(out, 0, sizeof *out);
    out->action = MG_ACTION_PUBLISH;
    out->score = 0.0;
    out->matches = json_array();
    empty_rules_version(out->rules_version);
}

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
