/* load_cond.c: a condition of the rules language (docs/rules.md) into a
 * struct cond tree (load.h): a mapping of tests, all of which must hold,
 * each test a row of a table the YAML walker dispatches on; regexes are
 * compiled here, interned (one match a comment for a pattern written in
 * several rules) and given the strings the prefilter looks for. */
#include <stdlib.h>
#include <string.h>

#include "modgate/alloc.h"
#include "modgate/detect.h"
#include "modgate/model.h"
#include "modgate/yaml.h"
#include "src/rules/load.h"

#define MAX_NESTING 32 /* conditions in conditions: judging recurses */

static struct cond *cond_new(enum cond_kind kind)
{
    struct cond *c = mg_calloc(1, sizeof *c);
    c->kind = kind;
    return c;
}

void mg__load_cond_free(struct cond *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->nkids; i++)
        mg__load_cond_free(c->kids[i]);
    mg_free(c->kids);
    mg_free(c->lists);
    mg_free(c->needs);
    pcre2_code_free(c->re);
    mg_free(c);
}

unsigned mg__load_cond_model_heads(const struct mg_rules *set, const struct cond *c)
{
    if (!c)
        return 0;
    if (c->kind == COND_MODEL)
        return 1u << c->mask;
    if (c->kind == COND_NAMED)
        return mg__load_cond_model_heads(set, set->conds[c->named].when);
    unsigned heads = 0;
    for (size_t i = 0; i < c->nkids; i++)
        heads |= mg__load_cond_model_heads(set, c->kids[i]);
    return heads;
}

static void cond_add_kid(struct cond *c, struct cond *kid)
{
    c->kids = mg_realloc(c->kids, (c->nkids + 1) * sizeof *c->kids);
    c->kids[c->nkids++] = kid;
}

/* A condition mapping being read: its tests go into all. */
struct cond_walk {
    struct loader *ld;
    struct cond *all;
    int depth;
    const struct mg_yaml_node *min_letters; /* qualifies caps_ratio_above */
};

/* Adds the test c to the condition being read, or frees it when !ok. */
static int add_test(struct cond_walk *cw, struct cond *c, bool ok)
{
    if (!ok) {
        mg__load_cond_free(c);
        return MG_EINVAL;
    }
    cond_add_kid(cw->all, c);
    return MG_OK;
}

/* ---- the tests ---- */

/* `all: [...]`, `any: [...]` (row->tag is the kind). */
static int on_all_any(struct mg_yaml_walk *w, const struct mg_yaml_key *row,
                      const char *label, const struct mg_yaml_node *key,
                      const struct mg_yaml_node *value, void *base)
{
    struct cond_walk *cw = base;
    struct cond *c = cond_new((enum cond_kind)row->tag);
    bool ok = true;
    (void)label;
    if (mg_yaml_kind(value) != MG_YAML_SEQUENCE) {
        mg_yaml_fail(w, value, key, "`%s` wants a list of conditions, not %s",
                     row->name, mg__load_kind_of(value));
        ok = false;
    } else {
        void *it = NULL;
        const struct mg_yaml_node *item;
        while ((item = mg_yaml_next_item(value, &it)) != NULL) {
            struct cond *kid = mg__load_cond(cw->ld, item, cw->depth + 1);
            if (kid)
                cond_add_kid(c, kid);
            else
                ok = false;
        }
        if (c->nkids == 0 && ok) {
            /* an empty [] has no position of its own: point at the key */
            mg_yaml_fail(w, key, NULL, "`%s` wants at least one condition",
                         row->name);
            ok = false;
        }
    }
    return add_test(cw, c, ok);
}

static int on_not(struct mg_yaml_walk *w, const struct mg_yaml_key *row,
                  const char *label, const struct mg_yaml_node *key,
                  const struct mg_yaml_node *value, void *base)
{
    struct cond_walk *cw = base;
    struct cond *c = cond_new(COND_NOT);
    struct cond *kid = mg__load_cond(cw->ld, value, cw->depth + 1);
    (void)w, (void)row, (void)label, (void)key;
    if (kid)
        cond_add_kid(c, kid);
    return add_test(cw, c, kid != NULL);
}

/* value itself, or the first max items of value when it is a sequence,
 * into items; how many. */
static size_t one_or_items(const struct mg_yaml_node *value,
                           const struct mg_yaml_node **items, size_t max)
{
    if (mg_yaml_kind(value) != MG_YAML_SEQUENCE) {
        items[0] = value;
        return 1;
    }
    void *it = NULL;
    const struct mg_yaml_node *item;
    size_t n = 0;
    while (n < max && (item = mg_yaml_next_item(value, &it)) != NULL)
        items[n++] = item;
    return n;
}

/* The kind of list a test of kind names. */
static enum list_kind list_kind_of(enum cond_kind kind)
{
    switch (kind) {
    case COND_LINK_DOMAIN:
    case COND_LINK_OUTSIDE: return LIST_DOMAINS;
    case COND_AUTHOR_IN: return LIST_AUTHORS;
    default: return LIST_WORDS;
    }
}

/* The list named by item, of the kind c wants, into c->lists. */
static bool add_list_ref(struct mg_yaml_walk *w, struct cond *c,
                         const struct mg_yaml_node *item, const char *key)
{
    static const char *const kind_names[] = {"words", "domains", "authors"};
    const struct mg_rules *set = mg__load_of(w)->set;
    enum list_kind kind = list_kind_of(c->kind);
    char *name = mg_yaml_scalar_dup(item);
    int id = name ? mg__load_find_list(set, name) : -1;
    bool ok = false;
    if (!name)
        mg_yaml_fail(w, item, NULL, "`%s` wants a list name, not %s", key,
                     mg__load_kind_of(item));
    else if (id < 0)
        mg_yaml_fail(w, item, NULL,
                     "no list named '%s' (declare it under `lists`)", name);
    else if (set->lists[id].kind != kind)
        mg_yaml_fail(w, item, NULL,
                     "`%s` wants a list of %s; '%s' is a list of %s", key,
                     kind_names[kind], name, kind_names[set->lists[id].kind]);
    else
        ok = true;
    if (ok) {
        c->lists = mg_realloc(c->lists, (c->nlists + 1) * sizeof *c->lists);
        c->lists[c->nlists++] = (uint32_t)id;
    }
    mg_free(name);
    return ok;
}

/* `words`, `link_domain`, `link_outside`, `author_in` (row->tag is the
 * kind): a list name or a sequence of them (the first 64 are read). */
static int on_list_refs(struct mg_yaml_walk *w, const struct mg_yaml_key *row,
                        const char *label, const struct mg_yaml_node *key,
                        const struct mg_yaml_node *value, void *base)
{
    struct cond *c = cond_new((enum cond_kind)row->tag);
    const struct mg_yaml_node *items[64];
    size_t n = one_or_items(value, items, 64);
    (void)label, (void)key;
    if (n == 0) {
        mg_yaml_fail(w, value, NULL, "`%s` names at least one list", row->name);
        return add_test(base, c, false);
    }
    bool ok = true;
    for (size_t i = 0; i < n; i++)
        ok = add_list_ref(w, c, items[i], row->name) && ok;
    return add_test(base, c, ok);
}

/* The number of (kind, pattern) in the set, added if new. Linear: a rule
 * set has a few hundred patterns, and this runs once each at load. */
static uint32_t intern_pattern(struct mg_rules *set, char kind, const char *pattern)
{
    for (size_t i = 0; i < set->npatterns; i++)
        if (set->patterns[i][0] == kind && strcmp(set->patterns[i] + 1, pattern) == 0)
            return (uint32_t)i;
    set->patterns = mg_realloc(set->patterns, (set->npatterns + 1) * sizeof *set->patterns);
    set->patterns[set->npatterns] = mg_asprintf("%c%s", kind, pattern);
    return (uint32_t)set->npatterns++;
}

static bool parse_regex(struct loader *ld, struct cond *c,
                        const struct mg_yaml_node *v, const char *key)
{
    char *pattern = mg_yaml_scalar_dup(v);
    if (!pattern) {
        mg_yaml_fail(&ld->walk, v, NULL, "`%s` wants a pattern, not %s", key,
                     mg__load_kind_of(v));
        return false;
    }
    int code;
    PCRE2_SIZE offset;
    /* Caseless by default, as moderators expect; (?-i) turns it off. */
    c->re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
                          PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS, &code, &offset,
                          NULL);
    if (!c->re) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(code, msg, sizeof msg);
        mg_yaml_fail(&ld->walk, v, NULL,
                     "bad regular expression: %s at offset %zu of '%s'",
                     (const char *)msg, (size_t)offset, pattern);
        mg_free(pattern);
        return false;
    }
    /* JIT when the platform has it; the interpreter is the fallback. */
    (void)pcre2_jit_compile(c->re, PCRE2_JIT_COMPLETE);
    /* A pattern written the same in several rules (or conditions) is
     * matched once a comment: judge.c keeps its result under this number. */
    c->pattern = intern_pattern(ld->set, c->kind == COND_REGEX ? 'r' : 'n', pattern);
    /* The strings a match cannot do without: judging skips the pattern
     * when a comment holds none of them (prefilter.h). */
    char **lits;
    size_t nlits;
    if (mg__prefilter_needs(pattern, &lits, &nlits)) {
        c->needs = mg_malloc(nlits * sizeof *c->needs);
        for (size_t i = 0; i < nlits; i++)
            c->needs[i] = mg__prefilter_add(ld->set->prefilter, lits[i], strlen(lits[i]));
        c->nneeds = nlits;
        mg__prefilter_lits_free(lits, nlits);
    }
    mg_free(pattern);
    return true;
}

/* `regex`, `normalized_regex` (row->tag is the kind). */
static int on_regex(struct mg_yaml_walk *w, const struct mg_yaml_key *row,
                    const char *label, const struct mg_yaml_node *key,
                    const struct mg_yaml_node *value, void *base)
{
    struct cond *c = cond_new((enum cond_kind)row->tag);
    (void)label, (void)key;
    return add_test(base, c, parse_regex(mg__load_of(w), c, value, row->name));
}

/* `link_ip`, `link_idn`, `link_hidden` (row->tag is the link flag). */
static int on_link_flag(struct mg_yaml_walk *w, const struct mg_yaml_key *row,
                        const char *label, const struct mg_yaml_node *key,
                        const struct mg_yaml_node *value, void *base)
{
    struct cond *c = cond_new(COND_LINK_FLAG);
    bool ok = mg_yaml_scalar_is(value, "true");
    (void)label, (void)key;
    c->mask = (unsigned)row->tag;
    if (!ok)
        mg_yaml_fail(w, value, NULL,
                     "`%s` takes `true` (use `not:` for the opposite)",
                     row->name);
    return add_test(base, c, ok);
}

static const struct {
    const char *name;
    unsigned bits;
} contact_names[] = {
    {"email", CONTACT_EMAIL},
    {"phone", CONTACT_PHONE},
    {"telegram", CONTACT_TELEGRAM},
    {"whatsapp", CONTACT_WHATSAPP},
    {"kakaotalk", CONTACT_KAKAOTALK},
    {"discord", CONTACT_DISCORD},
    {"messenger", CONTACT_TELEGRAM | CONTACT_WHATSAPP | CONTACT_KAKAOTALK | CONTACT_DISCORD},
    {"bitcoin", CONTACT_BITCOIN},
    {"ethereum", CONTACT_ETHEREUM},
    {"tron", CONTACT_TRON},
    {"wallet", CONTACT_BITCOIN | CONTACT_ETHEREUM | CONTACT_TRON},
    {"any", ~0u},
};

unsigned contact_bit_of(const char *what)
{
    for (size_t i = 0; i < sizeof contact_names / sizeof contact_names[0]; i++)
        if (strcmp(contact_names[i].name, what) == 0)
            return contact_names[i].bits;
    return 0;
}

/* `contact`: a kind or a sequence of them (the first 32 are read). An
 * empty sequence fails without a message (as it always has). */
static int on_contact(struct mg_yaml_walk *w, const struct mg_yaml_key *row,
                      const char *label, const struct mg_yaml_node *key,
                      const struct mg_yaml_node *value, void *base)
{
    struct cond *c = cond_new(COND_CONTACT);
    const struct mg_yaml_node *items[32];
    size_t n = one_or_items(value, items, 32);
    (void)row, (void)label, (void)key;
    bool ok = n > 0;
    for (size_t i = 0; i < n; i++) {
        char *name = mg_yaml_scalar_dup(items[i]);
        unsigned bits = name ? contact_bit_of(name) : 0;
        if (!bits) {
            mg_yaml_fail(w, items[i], NULL,
                         "`contact` wants any of email, phone, telegram, "
                         "whatsapp, kakaotalk, discord, messenger, bitcoin, "
                         "ethereum, tron, wallet, any");
            ok = false;
        }
        c->mask |= bits;
        mg_free(name);
    }
    return add_test(base, c, ok);
}

/* The tests that take one number (row->tag is the kind), from row->min
 * to row->max. */
static int on_number(struct mg_yaml_walk *w, const struct mg_yaml_key *row,
                     const char *label, const struct mg_yaml_node *key,
                     const struct mg_yaml_node *value, void *base)
{
    struct cond *c = cond_new((enum cond_kind)row->tag);
    bool ok = mg_yaml_number(value, &c->number) && c->number >= row->min &&
              c->number <= row->max;
    (void)label, (void)key;
    if (!ok)
        mg_yaml_fail(w, value, NULL, "`%s` wants a number from %g to %g",
                     row->name, row->min, row->max);
    c->min = 12; /* caps_ratio_above: letters needed, unless min_letters */
    return add_test(base, c, ok);
}

static int on_account_age(struct mg_yaml_walk *w,
                          const struct mg_yaml_key *row, const char *label,
                          const struct mg_yaml_node *key,
                          const struct mg_yaml_node *value, void *base)
{
    struct cond *c = cond_new(COND_ACCOUNT_AGE);
    bool ok = mg_yaml_duration(value, &c->number);
    (void)label, (void)key;
    if (!ok)
        mg_yaml_fail(w, value, NULL,
                     "`%s` wants a duration such as 90s, 30m, 12h or 1d",
                     row->name);
    return add_test(base, c, ok);
}

/* `condition: NAME` (load_named.c resolves it). */
static int on_named(struct mg_yaml_walk *w, const struct mg_yaml_key *row,
                    const char *label, const struct mg_yaml_node *key,
                    const struct mg_yaml_node *value, void *base)
{
    struct cond *c = cond_new(COND_NAMED);
    (void)row, (void)label, (void)key;
    return add_test(base, c, mg__load_named_ref(mg__load_of(w), c, value));
}

/* The head named by k that the set's model has, or -1 (reported). */
static int model_head(struct mg_yaml_walk *w, const struct mg_yaml_node *k)
{
    const struct mg_model *m = mg__load_of(w)->set->model;
    char *head = mg_yaml_scalar_dup(k);
    int h = -1;
    /* a model switched off (`model: off`) has every head */
    bool spam = !m || mg_model_has_head(m, MG_MODEL_SPAM),
         abuse = !m || mg_model_has_head(m, MG_MODEL_ABUSE);
    for (int i = 0; head && i < MG_MODEL_HEADS; i++)
        if (strcmp(head, mg_model_head_name((enum mg_model_head)i)) == 0 &&
            (i == MG_MODEL_SPAM ? spam : abuse))
            h = i;
    if (h < 0)
        mg_yaml_fail(w, k, NULL, "the model has no head '%s' (its heads: %s%s%s)",
                     head ? head : "?", spam ? "spam" : "", spam && abuse ? ", " : "",
                     abuse ? "abuse" : "");
    mg_free(head);
    return h;
}

/* One head's test of `model:`, "OP NUMBER" (>=, >, <=, <; 0 to 1). */
static bool model_test(struct mg_yaml_walk *w, struct cond *c,
                       const struct mg_yaml_node *k, const struct mg_yaml_node *v)
{
    static const char *const ops[] = {">=", ">", "<=", "<"}; /* enum model_op */
    int h = model_head(w, k);
    if (h < 0)
        return false;
    c->mask = (unsigned)h;
    char *test = mg_yaml_scalar_dup(v);
    const char *p = test ? test : "";
    c->op = -1;
    for (int i = 0; i < 4 && c->op < 0; i++)
        if (strncmp(p, ops[i], strlen(ops[i])) == 0) {
            c->op = i;
            p += strlen(ops[i]);
        }
    while (*p == ' ')
        p++;
    char *end = NULL;
    c->number = c->op >= 0 && *p ? strtod(p, &end) : -1;
    bool ok = end && *end == '\0' && c->number >= 0 && c->number <= 1;
    if (!ok)
        mg_yaml_fail(w, v, NULL,
                     "a model test is a comparison with a score from 0 to 1, "
                     "such as \">= 0.9\" (>=, >, <=, <)");
    mg_free(test);
    return ok;
}

/* `model: {abuse: ">= 0.9", spam: "< 0.5"}`: one test per head, all of
 * which must hold; the set must have a model with those heads. */
static int on_model(struct mg_yaml_walk *w, const struct mg_yaml_key *row,
                    const char *label, const struct mg_yaml_node *key,
                    const struct mg_yaml_node *value, void *base)
{
    struct loader *ld = mg__load_of(w);
    (void)row, (void)label;
    if (!ld->set->model && !ld->set->model_off) {
        /* a model that failed to load has said why already */
        if (ld->model_seen)
            return MG_EINVAL;
        return mg_yaml_fail(w, key, NULL,
                            "`model` needs a model in the rule set (a top-level "
                            "`model: {file: ..., weight: ...}`)");
    }
    if (mg_yaml_kind(value) != MG_YAML_MAPPING || mg_yaml_count(value) == 0)
        return mg_yaml_fail(w, value, key,
                            "`model` wants a mapping of heads to tests, such as "
                            "{abuse: \">= 0.9\"}");
    void *it = NULL;
    const struct mg_yaml_node *k, *v;
    int rc = MG_OK;
    while (mg_yaml_next_pair(value, &it, &k, &v)) {
        struct cond *c = cond_new(COND_MODEL);
        if (add_test(base, c, model_test(w, c, k, v)) != MG_OK)
            rc = MG_EINVAL;
    }
    return rc;
}

static int on_unknown_test(struct mg_yaml_walk *w,
                           const struct mg_yaml_node *key, const char *name,
                           void *base)
{
    (void)base;
    if (!name)
        return mg_yaml_fail(w, key, NULL, "a condition's key is a word");
    return mg_yaml_fail(w, key, NULL,
                        "unknown condition '%s' (see docs/rules.md: words, "
                        "regex, normalized_regex, links_at_least, link_domain, "
                        "link_outside, link_ip, link_idn, link_hidden, "
                        "contact, caps_ratio_above, char_run_at_least, "
                        "emoji_ratio_above, symbol_ratio_above, "
                        "combining_marks_at_least, "
                        "mixed_script_words_at_least, invisibles_at_least, "
                        "account_age_below, author_in, model, condition, all, "
                        "any, not)",
                        name);
}

#define TEST(name_, parse_, tag_)                                             \
    {.name = name_, .type = MG_YAML_T_CUSTOM, .parse = parse_, .tag = tag_}
#define NUMBER(name_, kind_, min_, max_)                                      \
    {.name = name_, .type = MG_YAML_T_CUSTOM, .parse = on_number,             \
     .tag = kind_, .min = min_, .max = max_}

/* Every test a condition may hold (docs/rules.md). */
static const struct mg_yaml_key test_keys[] = {
    TEST("all", on_all_any, COND_ALL),
    TEST("any", on_all_any, COND_ANY),
    TEST("not", on_not, COND_NOT),
    TEST("words", on_list_refs, COND_WORDS),
    TEST("regex", on_regex, COND_REGEX),
    TEST("normalized_regex", on_regex, COND_NORMALIZED_REGEX),
    TEST("link_domain", on_list_refs, COND_LINK_DOMAIN),
    TEST("link_outside", on_list_refs, COND_LINK_OUTSIDE),
    TEST("link_ip", on_link_flag, MG_LINK_IP),
    TEST("link_idn", on_link_flag, MG_LINK_IDN),
    TEST("link_hidden", on_link_flag, MG_LINK_HIDDEN),
    TEST("contact", on_contact, COND_CONTACT),
    NUMBER("links_at_least", COND_LINKS_AT_LEAST, 1, 1000),
    NUMBER("caps_ratio_above", COND_CAPS_RATIO, 0, 1),
    NUMBER("char_run_at_least", COND_CHAR_RUN, 2, 10000),
    NUMBER("emoji_ratio_above", COND_EMOJI_RATIO, 0, 1),
    NUMBER("symbol_ratio_above", COND_SYMBOL_RATIO, 0, 1),
    NUMBER("combining_marks_at_least", COND_COMBINING_MARKS, 1, 1000),
    NUMBER("mixed_script_words_at_least", COND_MIXED_SCRIPT, 1, 1000),
    NUMBER("invisibles_at_least", COND_INVISIBLES, 1, 1000),
    TEST("account_age_below", on_account_age, COND_ACCOUNT_AGE),
    TEST("author_in", on_list_refs, COND_AUTHOR_IN),
    TEST("condition", on_named, COND_NAMED),
    TEST("model", on_model, COND_MODEL),
    {.name = "min_letters", .type = MG_YAML_T_NODE,
     MG_YAML_AT(struct cond_walk, min_letters)},
};

static const struct mg_yaml_table test_table = {
    test_keys, sizeof test_keys / sizeof test_keys[0], 0, on_unknown_test};

/* `min_letters` qualifies the caps_ratio_above test among all's. */
static bool apply_min_letters(struct mg_yaml_walk *w, struct cond *all,
                              const struct mg_yaml_node *min_letters)
{
    struct cond *caps = NULL;
    for (size_t i = 0; i < all->nkids; i++)
        if (all->kids[i]->kind == COND_CAPS_RATIO)
            caps = all->kids[i];
    double v;
    if (!caps) {
        mg_yaml_fail(w, min_letters, NULL,
                     "`min_letters` goes with `caps_ratio_above`");
        return false;
    }
    if (!mg_yaml_number(min_letters, &v) || v < 0 || v > 100000) {
        mg_yaml_fail(w, min_letters, NULL,
                     "`min_letters` wants a number from 0 to 100000");
        return false;
    }
    caps->min = v;
    return true;
}

/* A mapping of tests, all of which must hold; one test alone is itself. */
struct cond *mg__load_cond(struct loader *ld, const struct mg_yaml_node *n,
                           int depth)
{
    if (depth > MAX_NESTING) {
        mg_yaml_fail(&ld->walk, n, NULL, "conditions nest more than 32 deep");
        return NULL;
    }
    if (mg_yaml_kind(n) != MG_YAML_MAPPING || mg_yaml_count(n) == 0) {
        mg_yaml_fail(&ld->walk, n, NULL,
                     "a condition is a mapping such as `words: profanity`, "
                     "not %s",
                     mg__load_kind_of(n));
        return NULL;
    }
    struct cond_walk cw = {.ld = ld, .all = cond_new(COND_ALL), .depth = depth};
    bool ok = mg_yaml_walk_table(&ld->walk, &test_table, n, &cw, NULL, NULL) ==
              MG_OK;
    if (cw.min_letters && !apply_min_letters(&ld->walk, cw.all, cw.min_letters))
        ok = false;
    if (!ok || cw.all->nkids == 0) {
        mg__load_cond_free(cw.all);
        return NULL;
    }
    if (cw.all->nkids == 1) {
        struct cond *one = cw.all->kids[0];
        cw.all->nkids = 0;
        mg__load_cond_free(cw.all);
        return one;
    }
    return cw.all;
}
