/* load_rule.c: a rules file's `rules:` (pass 2), and its `thresholds:`
 * and `history:` (pass 1), read with the YAML walker's tables (load.h). */
#include <float.h>
#include <stdint.h>
#include <string.h>

#include "modgate/alloc.h"
#include "modgate/yaml.h"
#include "src/rules/load.h"

bool mg__load_valid_id(const char *id)
{
    if (!id[0] || strlen(id) > 100)
        return false;
    for (const char *p = id; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' ||
              *p == '_' || *p == '-'))
            return false;
    return true;
}

void mg__load_rule_free(struct rule *r)
{
    mg_free(r->id);
    mg_free(r->reason);
    mg__load_cond_free(r->when);
}

/* ---- rules ---- */

/* A rule's mapping as read: what goes straight into the rule, and the
 * nodes read once the whole mapping is. */
struct rule_read {
    struct rule r;
    const struct mg_yaml_node *id, *when;
};

static int on_reason(struct mg_yaml_walk *w, const struct mg_yaml_key *row,
                     const char *label, const struct mg_yaml_node *key,
                     const struct mg_yaml_node *value, void *base)
{
    struct rule_read *rr = base;
    (void)row, (void)label;
    mg_free(rr->r.reason);
    rr->r.reason = mg_yaml_scalar_dup(value);
    if (!rr->r.reason || !rr->r.reason[0])
        return mg_yaml_fail(w, value, key,
                            "`reason` wants a sentence for moderators");
    return MG_OK;
}

static int on_unknown_rule_key(struct mg_yaml_walk *w,
                               const struct mg_yaml_node *key,
                               const char *name, void *base)
{
    (void)base;
    return mg_yaml_fail(w, key, NULL,
                        "unknown key '%s' in a rule (id, reason, when, score, "
                        "action, field)",
                        name ? name : "?");
}

static const char *const actions[] = {"publish", "hold", "reject",
                                      NULL}; /* enum mg_action */
static const char *const fields[] = {"body", "author_name",
                                     NULL}; /* enum rule_field */

enum { ROW_SCORE = 3 }; /* rule_keys[ROW_SCORE] is score */

static const struct mg_yaml_key rule_keys[] = {
    {.name = "id", .type = MG_YAML_T_NODE, MG_YAML_AT(struct rule_read, id)},
    {.name = "reason", .type = MG_YAML_T_CUSTOM, .parse = on_reason},
    {.name = "when", .type = MG_YAML_T_NODE,
     MG_YAML_AT(struct rule_read, when)},
    {.name = "score", .type = MG_YAML_T_NUMBER,
     MG_YAML_AT(struct rule_read, r.score), .min = -1000, .max = 1000,
     .error = "`score` wants a number from -1000 to 1000"},
    {.name = "action", .type = MG_YAML_T_ENUM,
     MG_YAML_AT(struct rule_read, r.action), .names = actions,
     .error = "`action` is hold, reject or publish"},
    {.name = "field", .type = MG_YAML_T_ENUM,
     MG_YAML_AT(struct rule_read, r.field), .names = fields,
     .error = "`field` is body or author_name"},
};

static const struct mg_yaml_table rule_table = {
    rule_keys, sizeof rule_keys / sizeof rule_keys[0], 0,
    on_unknown_rule_key};

/* What a rule needs beside its members: an id of its own, a reason, a
 * score or an action; each reported once the mapping n is read. */
static bool rule_complete(struct loader *ld, const struct mg_yaml_node *n,
                          const struct rule_read *rr, bool has_score, bool ok)
{
    const struct rule *r = &rr->r;
    if (!r->id || !mg__load_valid_id(r->id)) {
        mg_yaml_fail(&ld->walk, rr->id ? rr->id : n, NULL,
                     "a rule needs an `id` of lowercase letters, digits, '.', "
                     "'_' or '-'");
        ok = false;
    } else {
        for (size_t i = 0; i < ld->set->nrules; i++)
            if (strcmp(ld->set->rules[i].id, r->id) == 0) {
                mg_yaml_fail(&ld->walk, rr->id, NULL,
                             "duplicate rule id '%s'", r->id);
                ok = false;
            }
    }
    if (!r->reason && ok) {
        mg_yaml_fail(&ld->walk, n, NULL, "rule '%s' needs a `reason`", r->id);
        ok = false;
    }
    if (!has_score && r->action < 0 && ok) {
        mg_yaml_fail(&ld->walk, n, NULL,
                     "rule '%s' needs a `score`, an `action` or both", r->id);
        ok = false;
    }
    if (!rr->when && ok)
        mg_yaml_fail(&ld->walk, n, NULL, "rule '%s' needs a `when` condition",
                     r->id);
    return ok && rr->when;
}

/* The model only adds to what the rules hold against a comment: a rule
 * that tests it may not publish nor take score away, so that the model can
 * never publish what a rule rejects (docs/rules.md, "The learned model"). */
static bool model_guard(struct loader *ld, const struct mg_yaml_node *n, struct rule *r)
{
    r->model_heads = mg__load_cond_model_heads(ld->set, r->when);
    if (!r->model_heads || (r->action != MG_ACTION_PUBLISH && r->score >= 0))
        return true;
    mg_yaml_fail(&ld->walk, n, NULL,
                 "rule '%s' tests the model, so it may not %s (the model only "
                 "adds to the case against a comment)",
                 r->id, r->action == MG_ACTION_PUBLISH ? "publish" : "have a negative score");
    return false;
}

static void load_rule(struct loader *ld, const struct mg_yaml_node *n)
{
    if (mg_yaml_kind(n) != MG_YAML_MAPPING) {
        mg_yaml_fail(&ld->walk, n, NULL,
                     "a rule is a mapping with id, reason, when, score and/or "
                     "action, not %s",
                     mg__load_kind_of(n));
        return;
    }
    struct rule_read rr = {.r = {.action = -1, .field = FIELD_BODY}};
    uint64_t seen = 0;
    bool ok = mg_yaml_walk_table(&ld->walk, &rule_table, n, &rr, NULL, &seen) ==
              MG_OK;
    rr.r.id = rr.id ? mg_yaml_scalar_dup(rr.id) : NULL;
    ok = rule_complete(ld, n, &rr, seen & (UINT64_C(1) << ROW_SCORE), ok);
    if (rr.when) {
        rr.r.when = mg__load_cond(ld, rr.when, 0);
        if (!rr.r.when)
            ok = false;
    }
    if (ok)
        ok = model_guard(ld, n, &rr.r);
    if (!ok) {
        mg__load_rule_free(&rr.r);
        return;
    }
    if (rr.r.field == FIELD_AUTHOR_NAME)
        ld->set->uses_author_name = true;
    struct mg_rules *set = ld->set;
    set->rules = mg_realloc(set->rules, (set->nrules + 1) * sizeof *set->rules);
    set->rules[set->nrules++] = rr.r;
}

int mg__load_rules(struct mg_yaml_walk *w, const struct mg_yaml_key *row,
                   const char *label, const struct mg_yaml_node *key,
                   const struct mg_yaml_node *value, void *base)
{
    (void)row, (void)label, (void)key;
    if (mg_yaml_is_null(value))
        return MG_OK;
    if (mg_yaml_kind(value) != MG_YAML_SEQUENCE)
        return mg_yaml_fail(w, value, NULL, "`rules` wants a list of rules, not %s",
                            mg__load_kind_of(value));
    void *it = NULL;
    const struct mg_yaml_node *item;
    while ((item = mg_yaml_next_item(value, &it)) != NULL)
        load_rule(base, item);
    return MG_OK;
}

/* ---- thresholds ---- */

static int on_unknown_threshold(struct mg_yaml_walk *w,
                                const struct mg_yaml_node *key,
                                const char *name, void *base)
{
    (void)name, (void)base;
    return mg_yaml_fail(w, key, NULL, "`thresholds` has hold and reject only");
}

/* A threshold is above 0: the least positive double is the lower bound. */
static const struct mg_yaml_key threshold_keys[] = {
    {.name = "hold", .type = MG_YAML_T_NUMBER,
     MG_YAML_AT(struct mg_rules, hold_at), .min = DBL_TRUE_MIN, .max = 10000,
     .error = "a threshold is a number above 0"},
    {.name = "reject", .type = MG_YAML_T_NUMBER,
     MG_YAML_AT(struct mg_rules, reject_at), .min = DBL_TRUE_MIN,
     .max = 10000, .error = "a threshold is a number above 0"},
};

static const struct mg_yaml_table threshold_table = {
    threshold_keys, sizeof threshold_keys / sizeof threshold_keys[0], 0,
    on_unknown_threshold};

int mg__load_thresholds(struct mg_yaml_walk *w, const struct mg_yaml_key *row,
                        const char *label, const struct mg_yaml_node *key,
                        const struct mg_yaml_node *value, void *base)
{
    struct loader *ld = base;
    (void)row, (void)label;
    if (ld->thresholds_seen)
        return mg_yaml_fail(w, key, NULL,
                            "`thresholds` is set twice (once for the whole "
                            "rule set)");
    ld->thresholds_seen = true;
    if (mg_yaml_kind(value) != MG_YAML_MAPPING)
        return mg_yaml_fail(w, value, key,
                            "`thresholds` wants a mapping with hold and reject");
    int rc = mg_yaml_walk_table(w, &threshold_table, value, ld->set, NULL, NULL);
    if (ld->set->hold_at > ld->set->reject_at)
        rc = mg_yaml_fail(w, value, NULL,
                          "the hold threshold (%g) is above the reject "
                          "threshold (%g)",
                          ld->set->hold_at, ld->set->reject_at);
    return rc;
}

/* ---- history ---- */

/* One `history:` item's members as read: vals[i] is the value of the
 * item's table's row i. */
struct history_item {
    const char *name; /* duplicate, campaign, new_commenter */
    const struct mg_yaml_node *vals[3];
};

static int on_unknown_item_key(struct mg_yaml_walk *w,
                               const struct mg_yaml_node *key,
                               const char *name, void *base)
{
    const struct history_item *item = base;
    return mg_yaml_fail(w, key, NULL, "unknown key '%s' in `%s`",
                        name ? name : "?", item->name);
}

#define MEMBER(name_, i)                                                      \
    {.name = name_, .type = MG_YAML_T_NODE,                                   \
     MG_YAML_AT(struct history_item, vals[i])}
#define ITEM_TABLE(keys)                                                      \
    {keys, sizeof keys / sizeof keys[0], 0, on_unknown_item_key}

static const struct mg_yaml_key duplicate_keys[] = {
    MEMBER("window", 0), MEMBER("min_chars", 1)};
static const struct mg_yaml_key campaign_keys[] = {
    MEMBER("window", 0), MEMBER("authors", 1), MEMBER("min_chars", 2)};
static const struct mg_yaml_key new_commenter_keys[] = {
    MEMBER("published_below", 0), MEMBER("min_score", 1)};
static const struct mg_yaml_key established_keys[] = {
    MEMBER("published", 0), MEMBER("clean_days", 1)};
static const struct mg_yaml_table duplicate_table = ITEM_TABLE(duplicate_keys);
static const struct mg_yaml_table established_table = ITEM_TABLE(established_keys);
static const struct mg_yaml_table campaign_table = ITEM_TABLE(campaign_keys);
static const struct mg_yaml_table new_commenter_table =
    ITEM_TABLE(new_commenter_keys);

/* The item named row->name: a mapping of t's members, the first required
 * of them there; false after reporting why not. */
static bool read_item(struct mg_yaml_walk *w, const struct mg_yaml_key *row,
                      const struct mg_yaml_node *key,
                      const struct mg_yaml_node *value,
                      const struct mg_yaml_table *t, size_t required,
                      struct history_item *item)
{
    item->name = row->name;
    if (mg_yaml_kind(value) != MG_YAML_MAPPING) {
        mg_yaml_fail(w, value, key, "`%s` wants a mapping", row->name);
        return false;
    }
    if (mg_yaml_walk_table(w, t, value, item, NULL, NULL) != MG_OK)
        return false;
    for (size_t i = 0; i < required; i++)
        if (!item->vals[i]) {
            mg_yaml_fail(w, value, NULL, "`%s` needs `%s`", row->name,
                         mg_yaml_table_row(t, i)->name);
            return false;
        }
    return true;
}

static bool history_count(struct mg_yaml_walk *w, const struct mg_yaml_node *v,
                          const char *key, uint32_t *out)
{
    double x;
    if (!mg_yaml_number(v, &x) || x < 1 || x > 1000000 || x != (double)(uint32_t)x) {
        mg_yaml_fail(w, v, NULL, "`%s` wants a whole number from 1 to 1000000",
                     key);
        return false;
    }
    *out = (uint32_t)x;
    return true;
}

/* An optional `min_chars` (absent: every body counts). */
static bool history_min_chars(struct mg_yaml_walk *w,
                              const struct mg_yaml_node *v, uint32_t *out)
{
    *out = 0;
    return !v || history_count(w, v, "min_chars", out);
}

static bool history_window(struct mg_yaml_walk *w, const struct mg_yaml_node *v,
                           int64_t *out)
{
    double ms;
    if (!mg_yaml_duration(v, &ms) || ms > 30.0 * 86400000) {
        mg_yaml_fail(w, v, NULL,
                     "`window` wants a duration up to 30d, such as 10m, 1h or "
                     "1d");
        return false;
    }
    *out = (int64_t)ms;
    return true;
}

/* duplicate: {window: 1h, min_chars: 30} */
static int on_duplicate(struct mg_yaml_walk *w, const struct mg_yaml_key *row,
                        const char *label, const struct mg_yaml_node *key,
                        const struct mg_yaml_node *value, void *base)
{
    struct mg_rules_history *h = base;
    struct history_item item = {0};
    (void)label;
    if (read_item(w, row, key, value, &duplicate_table, 1, &item) &&
        history_window(w, item.vals[0], &h->duplicate_window_ms))
        (void)history_min_chars(w, item.vals[1], &h->duplicate_min_chars);
    return MG_OK; /* problems are reported; the walk goes on */
}

/* campaign: {window: 10m, authors: 3, min_chars: 40} */
static int on_campaign(struct mg_yaml_walk *w, const struct mg_yaml_key *row,
                       const char *label, const struct mg_yaml_node *key,
                       const struct mg_yaml_node *value, void *base)
{
    struct mg_rules_history *h = base;
    struct history_item item = {0};
    (void)label;
    if (!read_item(w, row, key, value, &campaign_table, 2, &item) ||
        !history_window(w, item.vals[0], &h->campaign_window_ms) ||
        !history_count(w, item.vals[1], "authors", &h->campaign_authors))
        return MG_OK;
    if (h->campaign_authors < 2)
        mg_yaml_fail(w, item.vals[1], NULL, "`authors` of a campaign is 2 or more");
    else
        (void)history_min_chars(w, item.vals[2], &h->campaign_min_chars);
    return MG_OK;
}

/* new_commenter: {published_below: 3, min_score: 4}. min_score, optional,
 * is the score from which a new commenter's comment is held: like the
 * thresholds, above 0 (a comment that scored nothing is never suspect)
 * and finite. */
static int on_new_commenter(struct mg_yaml_walk *w,
                            const struct mg_yaml_key *row, const char *label,
                            const struct mg_yaml_node *key,
                            const struct mg_yaml_node *value, void *base)
{
    struct mg_rules_history *h = base;
    struct history_item item = {0};
    (void)label;
    if (!read_item(w, row, key, value, &new_commenter_table, 1, &item) ||
        !history_count(w, item.vals[0], "published_below",
                       &h->new_commenter_below) ||
        !item.vals[1])
        return MG_OK;
    double x;
    if (!mg_yaml_number(item.vals[1], &x) || !(x > 0) || x > 1000000) {
        mg_yaml_fail(w, item.vals[1], NULL,
                     "`min_score` wants a score above 0, such as 4");
        return MG_OK;
    }
    h->new_commenter_has_min_score = true;
    h->new_commenter_min_score = x;
    return MG_OK;
}

/* established: {published: 5, clean_days: 30}: an author with this many
 * published comments and no rejection for clean_days skips new_commenter. */
static int on_established(struct mg_yaml_walk *w, const struct mg_yaml_key *row,
                          const char *label, const struct mg_yaml_node *key,
                          const struct mg_yaml_node *value, void *base)
{
    struct mg_rules_history *h = base;
    struct history_item item = {0};
    uint32_t days;
    (void)label;
    if (!read_item(w, row, key, value, &established_table, 2, &item) ||
        !history_count(w, item.vals[0], "published", &h->established_published) ||
        !history_count(w, item.vals[1], "clean_days", &days))
        return MG_OK;
    if (days > 3650) {
        mg_yaml_fail(w, item.vals[1], NULL, "`clean_days` is at most 3650");
        return MG_OK;
    }
    h->established_clean_ms = (int64_t)days * 86400000;
    return MG_OK;
}

static int on_unknown_history_key(struct mg_yaml_walk *w,
                                  const struct mg_yaml_node *key,
                                  const char *name, void *base)
{
    (void)base;
    return mg_yaml_fail(w, key, NULL,
                        "unknown key '%s' in `history` (duplicate, campaign, "
                        "new_commenter, established)",
                        name ? name : "?");
}

static const struct mg_yaml_key history_keys[] = {
    {.name = "duplicate", .type = MG_YAML_T_CUSTOM, .parse = on_duplicate},
    {.name = "campaign", .type = MG_YAML_T_CUSTOM, .parse = on_campaign},
    {.name = "new_commenter", .type = MG_YAML_T_CUSTOM,
     .parse = on_new_commenter},
    {.name = "established", .type = MG_YAML_T_CUSTOM, .parse = on_established},
};

static const struct mg_yaml_table history_table = {
    history_keys, sizeof history_keys / sizeof history_keys[0], 0,
    on_unknown_history_key};

/* history:
 *   duplicate: {window: 1h, min_chars: 30}
 *   campaign: {window: 10m, authors: 3, min_chars: 40}
 *   new_commenter: {published_below: 3, min_score: 4}
 *   established: {published: 5, clean_days: 30} */
int mg__load_history(struct mg_yaml_walk *w, const struct mg_yaml_key *row,
                     const char *label, const struct mg_yaml_node *key,
                     const struct mg_yaml_node *value, void *base)
{
    struct loader *ld = base;
    (void)row, (void)label;
    if (ld->set->has_history)
        return mg_yaml_fail(w, key, NULL,
                            "`history` is set twice (once for the whole rule "
                            "set)");
    if (mg_yaml_kind(value) != MG_YAML_MAPPING)
        return mg_yaml_fail(w, value, key,
                            "`history` wants a mapping with duplicate, "
                            "campaign or new_commenter");
    ld->set->has_history = true;
    return mg_yaml_walk_table(w, &history_table, value, &ld->set->history, NULL,
                              NULL);
}
