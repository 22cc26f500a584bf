/* load_named.c: a rules file's `conditions:` (load.h): named conditions,
 * recorded in pass 1 so that any file may use them, compiled on first use
 * (or after pass 1), with every cycle named and chains of conditions using
 * conditions bounded as nesting is, since judging recurses down them. */
#include <stdio.h>
#include <string.h>

#include "modgate/alloc.h"
#include "modgate/yaml.h"
#include "src/rules/load.h"

static int find_named(const struct mg_rules *set, const char *name)
{
    for (size_t i = 0; i < set->nconds; i++)
        if (strcmp(set->conds[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* Compiles named condition i, in the file that defines it (for errors). */
static void compile_named(struct loader *ld, uint32_t i)
{
    struct cond_def *def = &ld->defs[i];
    const char *file = ld->walk.file;
    def->state = DEF_COMPILING;
    ld->chain[ld->nchain++] = i;
    ld->walk.file = def->file;
    uint32_t outer_height = ld->used_height;
    ld->used_height = 0;
    /* mg__load_cond may compile other conditions (and grow nothing: the
     * arrays were sized in pass 1), so def stays valid */
    struct cond *when = mg__load_cond(ld, def->body, 0);
    def->height = ld->used_height + 1;
    ld->used_height = outer_height;
    ld->walk.file = file;
    ld->nchain--;
    def->state = DEF_DONE;
    ld->set->conds[i].when = when;
}

void mg__load_compile_conditions(struct loader *ld)
{
    for (uint32_t i = 0; i < ld->set->nconds; i++)
        if (ld->defs[i].state == DEF_NEW)
            compile_named(ld, i);
}

/* Condition id is being compiled and v refers to it again: names the whole
 * loop, from the condition met again to here. */
static void fail_cycle(struct loader *ld, const struct mg_yaml_node *v,
                       const char *name, int id)
{
    char loop[300] = "";
    size_t at = 0;
    size_t from = 0;
    while (from < ld->nchain && ld->chain[from] != (uint32_t)id)
        from++;
    for (size_t k = from; k < ld->nchain && at < sizeof loop; k++) {
        int n = snprintf(loop + at, sizeof loop - at, "%s -> ",
                         ld->set->conds[ld->chain[k]].name);
        at += n > 0 ? (size_t)n : 0;
    }
    mg_yaml_fail(&ld->walk, v, NULL,
                 "condition '%s' uses itself (%s%s): a condition may not "
                 "refer back to one that refers to it",
                 name, loop, name);
}

/* Named condition id, compiled now if it has not been, used by c: false
 * when the chain would be too deep or the condition did not compile. */
static bool use_named(struct loader *ld, struct cond *c,
                      const struct mg_yaml_node *v, int id)
{
    if (ld->defs[id].state == DEF_NEW) {
        if (ld->nchain >= MAX_COND_CHAIN) {
            mg_yaml_fail(&ld->walk, v, NULL,
                         "conditions use conditions more than %d deep",
                         MAX_COND_CHAIN);
            return false;
        }
        compile_named(ld, (uint32_t)id);
    }
    /* A chain is as deep as the conditions being compiled plus the height
     * of the one used, whatever order they were compiled in (one defined
     * before the condition that uses it was compiled earlier, and the
     * check above never saw its chain). */
    uint32_t height = ld->defs[id].height;
    if (ld->nchain + height > MAX_COND_CHAIN) {
        mg_yaml_fail(&ld->walk, v, NULL,
                     "conditions use conditions more than %d deep",
                     MAX_COND_CHAIN);
        return false;
    }
    if (height > ld->used_height)
        ld->used_height = height;
    c->named = (uint32_t)id;
    /* one that failed to compile has had its errors reported */
    return ld->set->conds[id].when != NULL;
}

/* `condition: NAME`: a reference to a named condition. The node owns
 * nothing: the set owns the condition. */
bool mg__load_named_ref(struct loader *ld, struct cond *c,
                        const struct mg_yaml_node *v)
{
    char *name = mg_yaml_scalar_dup(v);
    int id = name ? find_named(ld->set, name) : -1;
    bool ok = false;
    if (!name)
        mg_yaml_fail(&ld->walk, v, NULL,
                     "`condition` wants the name of a condition, not %s",
                     mg__load_kind_of(v));
    else if (id < 0)
        mg_yaml_fail(&ld->walk, v, NULL,
                     "no condition named '%s' (define it under `conditions`)",
                     name);
    else if (ld->defs[id].state == DEF_COMPILING)
        fail_cycle(ld, v, name, id);
    else
        ok = use_named(ld, c, v, id);
    mg_free(name);
    return ok;
}

/* One `NAME: condition` of `conditions:`, recorded for later. */
static void record_named(struct loader *ld, const struct mg_yaml_node *key,
                         const struct mg_yaml_node *body)
{
    char *name = mg_yaml_scalar_dup(key);
    int prev = name ? find_named(ld->set, name) : -1;
    if (!name || !mg__load_valid_id(name)) {
        mg_yaml_fail(&ld->walk, key, NULL,
                     "a condition's name is lowercase letters, digits, '.', "
                     "'_' or '-'");
        mg_free(name);
        return;
    }
    if (prev >= 0) {
        int line = 0, column = 0;
        (void)mg_yaml_node_pos(ld->defs[prev].key, &line, &column);
        mg_yaml_fail(&ld->walk, key, NULL,
                     "condition '%s' is defined twice (first at %s:%d:%d)",
                     name, ld->defs[prev].file, line, column);
        mg_free(name);
        return;
    }
    struct mg_rules *set = ld->set;
    set->conds = mg_realloc(set->conds, (set->nconds + 1) * sizeof *set->conds);
    ld->defs = mg_realloc(ld->defs, (set->nconds + 1) * sizeof *ld->defs);
    set->conds[set->nconds] = (struct named_cond){.name = name, .when = NULL};
    ld->defs[set->nconds] = (struct cond_def){
        .file = ld->walk.file, .key = key, .body = body, .state = DEF_NEW};
    set->nconds++;
}

/* conditions:
 *   scam-lure:
 *     any: [...]
 * Pass 1 records the names (so any file may use them) and where their
 * bodies are; mg__load_compile_conditions compiles them once every name
 * is known. */
int mg__load_conditions(struct mg_yaml_walk *w, const struct mg_yaml_key *row,
                        const char *label, const struct mg_yaml_node *key,
                        const struct mg_yaml_node *value, void *base)
{
    (void)row, (void)label;
    if (mg_yaml_is_null(value))
        return MG_OK;
    if (mg_yaml_kind(value) != MG_YAML_MAPPING)
        return mg_yaml_fail(w, value, key,
                            "`conditions` wants a mapping of condition names, "
                            "not %s",
                            mg__load_kind_of(value));
    void *it = NULL;
    const struct mg_yaml_node *k, *v;
    while (mg_yaml_next_pair(value, &it, &k, &v))
        record_named(base, k, v);
    return MG_OK;
}
