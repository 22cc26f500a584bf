/* load.c: a rules directory into a struct mg_rules. Two passes over the
 * YAML files in name order: the first reads `thresholds`, `history`,
 * `model`, `lists` and the names of `conditions` (so a rule may use a
 * model, a list or a
 * condition declared in a later file); then the named conditions are
 * compiled; the second pass reads `rules`. Each pass is a table of the
 * file's keys for the YAML walker; the parts are in load_lists.c,
 * load_cond.c, load_named.c and load_rule.c (load.h). Every problem found
 * is recorded with its file, line and column; loading goes on to find
 * more, and any problem fails the whole load. */
#include "modgate/rules.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modgate/alloc.h"
#include "modgate/buf.h"
#include "modgate/crypto.h"
#include "modgate/files.h"
#include "modgate/text.h"
#include "modgate/yaml.h"
#include "src/rules/load.h"
#include "src/rules/ruleset.h"

#define MAX_FILES 1000
#define DEFAULT_HOLD_AT 5.0
#define DEFAULT_REJECT_AT 10.0
/* PCRE2 limits: a hostile comment must not make a pattern run away. With
 * them a match gives up (and counts as no match) long before a
 * millisecond. */
#define REGEX_MATCH_LIMIT 100000
#define REGEX_DEPTH_LIMIT 5000

/* ---- errors ---- */

struct loader *mg__load_of(struct mg_yaml_walk *w)
{
    return w->user;
}

/* Every problem, located: counted, and kept while there is room. */
static void on_error(struct mg_yaml_walk *w, const struct mg_error *e)
{
    struct loader *ld = mg__load_of(w);
    ld->nerrors++;
    if (!ld->errs)
        return;
    if (ld->errs->count >= MG_RULES_MAX_ERRORS) {
        ld->errs->more++;
        return;
    }
    ld->errs->items[ld->errs->count++] = *e;
}

void mg__load_fail_line(struct loader *ld, const char *file, int line,
                        int column, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    struct mg_error e;
    mg_error_set(&e, file, line, column, "%s", msg);
    on_error(&ld->walk, &e);
}

const char *mg__load_kind_of(const struct mg_yaml_node *n)
{
    if (mg_yaml_is_null(n))
        return "nothing";
    switch (mg_yaml_kind(n)) {
    case MG_YAML_ALIAS: return "an alias";
    case MG_YAML_MAPPING: return "a mapping";
    case MG_YAML_SEQUENCE: return "a list";
    default: return "a scalar";
    }
}

/* ---- the files ---- */

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct source *)a)->name, ((const struct source *)b)->name);
}

/* What a pass does not read is skipped as a node. */
#define SKIP(name_)                                                           \
    {.name = name_, .type = MG_YAML_T_NODE, MG_YAML_AT(struct loader, skipped)}
#define READ(name_, parse_)                                                   \
    {.name = name_, .type = MG_YAML_T_CUSTOM, .parse = parse_}

/* Pass 1 reads what rules in any file may refer to. */
static const struct mg_yaml_key pass1_keys[] = {
    SKIP("rules"),
    READ("lists", mg__load_lists),
    READ("conditions", mg__load_conditions),
    READ("thresholds", mg__load_thresholds),
    READ("history", mg__load_history),
    READ("model", mg__load_model),
};

/* Pass 2 reads the rules. */
static const struct mg_yaml_key pass2_keys[] = {
    READ("rules", mg__load_rules),
    SKIP("lists"),
    SKIP("conditions"),
    SKIP("thresholds"),
    SKIP("history"),
    SKIP("model"),
};

static int on_unknown_file_key(struct mg_yaml_walk *w,
                               const struct mg_yaml_node *key,
                               const char *name, void *base)
{
    (void)base;
    return mg_yaml_fail(w, key, NULL,
                        "unknown key '%s' (a rules file has rules, lists, "
                        "conditions, thresholds, history, model)",
                        name ? name : "?");
}

/* Said in pass 1 already. */
static int on_unknown_file_key_again(struct mg_yaml_walk *w,
                                     const struct mg_yaml_node *key,
                                     const char *name, void *base)
{
    (void)w, (void)key, (void)name, (void)base;
    return MG_OK;
}

static const struct mg_yaml_table pass_tables[2] = {
    {pass1_keys, sizeof pass1_keys / sizeof pass1_keys[0], 0,
     on_unknown_file_key},
    {pass2_keys, sizeof pass2_keys / sizeof pass2_keys[0], 0,
     on_unknown_file_key_again},
};

/* Pass 1 or 2 over one YAML file. */
static void load_yaml(struct loader *ld, struct source *src, int pass)
{
    ld->walk.file = src->name;
    ld->pass = pass;
    const struct mg_yaml_node *root = mg_yaml_root(src->doc);
    if (!root)
        return;
    if (mg_yaml_kind(root) != MG_YAML_MAPPING) {
        if (pass == 1)
            mg_yaml_fail(&ld->walk, root, NULL,
                         "a rules file is a mapping with `rules`, `lists`, "
                         "`conditions`, `thresholds`, `history` or `model`, "
                         "not %s",
                         mg__load_kind_of(root));
        return;
    }
    mg_yaml_walk_table(&ld->walk, &pass_tables[pass - 1], root, ld, NULL, NULL);
}

/* ---- the set ---- */

static void rules_free(struct mg_rules *set)
{
    for (size_t i = 0; i < set->nrules; i++)
        mg__load_rule_free(&set->rules[i]);
    mg_free(set->rules);
    for (size_t i = 0; i < set->nlists; i++)
        mg_free(set->lists[i].name);
    mg_free(set->lists);
    for (size_t i = 0; i < set->nconds; i++) {
        mg_free(set->conds[i].name);
        mg__load_cond_free(set->conds[i].when);
    }
    mg_free(set->conds);
    mg_free(set->hits);
    lexicon_free(set->lexicon);
    mg__prefilter_free(set->prefilter);
    for (size_t i = 0; i < set->npatterns; i++)
        mg_free(set->patterns[i]);
    mg_free(set->patterns);
    pcre2_match_context_free(set->match_ctx);
    mg_model_free(set->model);
    mg_free(set->model_file);
    mg_free(set);
}

struct mg_rules *mg_rules_ref(struct mg_rules *rules)
{
    rules->refs++;
    return rules;
}

void mg_rules_unref(struct mg_rules *rules)
{
    if (rules && --rules->refs == 0)
        rules_free(rules);
}

const char *mg_rules_version(const struct mg_rules *rules)
{
    return rules->version;
}

size_t mg_rules_count(const struct mg_rules *rules)
{
    return rules->nrules;
}

const char *mg_rules_id(const struct mg_rules *rules, size_t i)
{
    return i < rules->nrules ? rules->rules[i].id : NULL;
}

const struct mg_rules_history *mg_rules_history(const struct mg_rules *rules)
{
    return rules && rules->has_history ? &rules->history : NULL;
}

uint64_t mg_rules_hits(const struct mg_rules *rules, size_t i)
{
    return i < rules->nrules ? rules->hits[i] : 0;
}

void mg_rules_add_hits(struct mg_rules *rules, size_t i, uint64_t n)
{
    if (i < rules->nrules)
        rules->hits[i] += n;
}

void mg_rules_inherit_hits(struct mg_rules *to, const struct mg_rules *from)
{
    for (size_t i = 0; i < to->nrules; i++)
        for (size_t k = 0; k < from->nrules; k++)
            if (strcmp(to->rules[i].id, from->rules[k].id) == 0) {
                to->hits[i] = from->hits[k];
                break;
            }
}

/* The version: a digest of every file read, names and contents, in name
 * order, so instances with the same files report the same version. */
static void set_version(struct loader *ld)
{
    qsort(ld->files, ld->nfiles, sizeof *ld->files, by_name);
    struct mg_buf all;
    mg_buf_init(&all, SIZE_MAX);
    for (size_t i = 0; i < ld->nfiles; i++) {
        mg_buf_add(&all, ld->files[i].name, strlen(ld->files[i].name) + 1);
        mg_buf_add(&all, ld->files[i].text, ld->files[i].len);
        mg_buf_add(&all, "", 1);
    }
    uint8_t digest[32];
    mg_crypto_sha256(all.data ? all.data : "", all.len, digest);
    mg_buf_close(&all);
    char hex[65];
    mg_crypto_hex(digest, sizeof digest, hex);
    snprintf(ld->set->version, sizeof ld->set->version, "r-%.12s", hex);
}

static int finish(struct loader *ld, struct mg_rules **out)
{
    size_t nyaml = 0;
    for (size_t i = 0; i < ld->nfiles; i++) {
        struct source *src = &ld->files[i];
        if (!has_suffix(src->name, ".yaml"))
            continue;
        nyaml++;
        struct mg_error err;
        if (mg_text_check_utf8(src->name, src->text, src->len, &err) != MG_OK ||
            mg_yaml_parse(src->name, src->text, src->len, &src->doc, &err) != MG_OK)
            mg__load_fail_line(ld, src->name, err.line, err.column, "%s",
                               err.message);
    }
    /* find_source may add list files to ld->files while we walk: index. */
    size_t n = ld->nfiles;
    for (int pass = 1; pass <= 2; pass++) {
        for (size_t i = 0; i < n; i++)
            if (ld->files[i].doc)
                load_yaml(ld, &ld->files[i], pass);
        if (pass == 1)
            mg__load_compile_conditions(ld);
    }
    if (nyaml == 0)
        mg__load_fail_line(ld, ld->dir ? ld->dir : "rules", 0, 0,
                           "no rules files (*.yaml) in the rules directory");
    if (ld->nerrors == 0)
        set_version(ld);
    mg_free(ld->defs);
    for (size_t i = 0; i < ld->nfiles; i++) {
        mg_yaml_doc_free(ld->files[i].doc);
        mg_free(ld->files[i].name);
        mg_free(ld->files[i].text);
    }
    mg_free(ld->files);
    if (ld->nerrors) {
        rules_free(ld->set);
        return MG_EINVAL;
    }
    struct mg_rules *set = ld->set;
    set->hits = mg_calloc(set->nrules ? set->nrules : 1, sizeof *set->hits);
    /* PCRE2's JIT code reads whole 16-byte words past the end of a subject
     * (harmless, within the page), which valgrind reports; runs under
     * valgrind set MODGATE_REGEX_NO_JIT=1 to use the interpreter. */
    const char *no_jit = getenv("MODGATE_REGEX_NO_JIT");
    set->match_options = no_jit && strcmp(no_jit, "1") == 0 ? PCRE2_NO_JIT : 0;
    /* For tests that check the prefilter changes no verdict. */
    const char *no_prefilter = getenv("MODGATE_REGEX_NO_PREFILTER");
    set->prefilter_off = no_prefilter && strcmp(no_prefilter, "1") == 0;
    set->match_ctx = pcre2_match_context_create(NULL);
    pcre2_set_match_limit(set->match_ctx, REGEX_MATCH_LIMIT);
    pcre2_set_depth_limit(set->match_ctx, REGEX_DEPTH_LIMIT);
    set->refs = 1;
    *out = set;
    return MG_OK;
}

static void loader_init(struct loader *ld, struct mg_rules_errors *errs)
{
    memset(ld, 0, sizeof *ld);
    if (errs)
        memset(errs, 0, sizeof *errs);
    ld->errs = errs;
    ld->set = mg_calloc(1, sizeof *ld->set);
    ld->set->lexicon = lexicon_new();
    ld->set->prefilter = mg__prefilter_new();
    ld->set->hold_at = DEFAULT_HOLD_AT;
    ld->set->reject_at = DEFAULT_REJECT_AT;
    ld->walk.on_error = on_error;
    ld->walk.user = ld;
}

int mg_rules_load_files(size_t n, const char *const *names,
                        const char *const *texts, const size_t *lens,
                        struct mg_rules **out, struct mg_rules_errors *errs)
{
    struct loader ld;
    loader_init(&ld, errs);
    ld.files = mg_calloc(n ? n : 1, sizeof *ld.files);
    for (size_t i = 0; i < n; i++) {
        ld.files[i].name = mg_strdup(names[i]);
        ld.files[i].text = mg_malloc(lens[i] + 1);
        memcpy(ld.files[i].text, texts[i], lens[i]);
        ld.files[i].text[lens[i]] = '\0';
        ld.files[i].len = lens[i];
    }
    ld.nfiles = n;
    qsort(ld.files, ld.nfiles, sizeof *ld.files, by_name);
    return finish(&ld, out);
}

int mg_rules_load(const char *dir, struct mg_rules **out,
                  struct mg_rules_errors *errs)
{
    struct loader ld;
    loader_init(&ld, errs);
    ld.dir = dir;
    DIR *d = opendir(dir);
    if (!d) {
        mg__load_fail_line(&ld, dir, 0, 0, "cannot open the rules directory");
        return finish(&ld, out);
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || !has_suffix(e->d_name, ".yaml"))
            continue;
        if (ld.nfiles >= MAX_FILES) {
            mg__load_fail_line(&ld, dir, 0, 0, "more than %d rules files",
                               MAX_FILES);
            break;
        }
        char *path = mg_asprintf("%s/%s", dir, e->d_name);
        struct source s = {0};
        struct mg_error err;
        if (mg_file_read(path, MG__LOAD_FILE_MAX, &s.text, &s.len, &err) != MG_OK) {
            mg__load_fail_line(&ld, e->d_name, 0, 0, "%s", err.message);
        } else {
            s.name = mg_strdup(e->d_name);
            ld.files = mg_realloc(ld.files, (ld.nfiles + 1) * sizeof *ld.files);
            ld.files[ld.nfiles++] = s;
        }
        mg_free(path);
    }
    closedir(d);
    qsort(ld.files, ld.nfiles, sizeof *ld.files, by_name);
    return finish(&ld, out);
}
