/* load.h: what the files of the rules loader share (private to src/rules):
 * the loader's state while a set loads, and each part's entry points.
 *   load.c        the sources, the two passes over the YAML files, the set
 *   load_lists.c  `lists:` and the list files they name
 *   load_cond.c   a condition (a rule's `when`, a named condition's body)
 *   load_named.c  `conditions:`: names, references, cycles, depth
 *   load_rule.c   `rules:`, `thresholds:`, `history:`
 *   load_model.c  `model:` and the model file it names
 * Every problem goes through the loader's walk (mg_yaml_fail, or
 * mg__load_fail_line for list files), which records it and goes on, so
 * that one load reports every problem; any problem fails the load. */
#ifndef MODGATE_RULES_LOAD_H
#define MODGATE_RULES_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "modgate/yaml.h"
#include "src/rules/ruleset.h"

#define MG__LOAD_FILE_MAX (16u << 20) /* a list of a million words fits */

struct source {
    char *name; /* relative to the rules directory */
    char *text;
    size_t len;
    struct mg_yaml_doc *doc; /* YAML files only */
};

/* Where a named condition was written, and how far its compilation got.
 * Conditions are compiled on first use (a condition may use one defined
 * further on), so one met again while being compiled closes a cycle. */
enum def_state { DEF_NEW, DEF_COMPILING, DEF_DONE };

struct cond_def {
    const char *file; /* the source's name (the loader owns it) */
    const struct mg_yaml_node *key, *body;
    enum def_state state;
    uint32_t height; /* once compiled: 1 + the height of the highest
                        condition it uses (judging recurses that deep) */
};

#define MAX_COND_CHAIN 32 /* conditions using conditions, as deep as nesting */

struct loader {
    struct mg_rules *set;
    struct mg_rules_errors *errs;
    size_t nerrors;
    struct source *files;
    size_t nfiles;
    const char *dir; /* NULL: lists come from files[] only */
    /* Errors go through it; walk.file is the file being read. */
    struct mg_yaml_walk walk;
    int pass; /* 1: lists, conditions, thresholds, history; 2: rules */
    const struct mg_yaml_node *skipped; /* what a pass does not read */
    bool thresholds_seen;
    bool model_seen;
    struct cond_def *defs; /* parallel to set->conds */
    uint32_t chain[MAX_COND_CHAIN]; /* the conditions being compiled */
    size_t nchain;
    uint32_t used_height; /* the highest condition used by the one being
                             compiled so far */
};

/* The loader whose walk w is. */
struct loader *mg__load_of(struct mg_yaml_walk *w);

/* A problem at a place the loader counted itself (in a list file). */
void mg__load_fail_line(struct loader *ld, const char *file, int line,
                        int column, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* What n is, for "wants X, not Y" messages. Static. */
const char *mg__load_kind_of(const struct mg_yaml_node *n);

/* load_lists.c: a file (what: "list file", "model file") named by a rules
 * file, from the files given or read from the directory (then kept among
 * the files, so that it is part of the set's version); NULL after
 * reporting why not at `at`. Paths stay inside the rules directory. */
const struct source *mg__load_find_source(struct loader *ld, const char *what,
                                          const char *name,
                                          const struct mg_yaml_node *at);

/* load_lists.c: the list named name, or -1. */
int mg__load_find_list(const struct mg_rules *set, const char *name);

/* load_cond.c: the condition n (NULL after reporting why not); the caller
 * owns it (mg__load_cond_free). depth is how deep n is nested. */
struct cond *mg__load_cond(struct loader *ld, const struct mg_yaml_node *n,
                           int depth);
void mg__load_cond_free(struct cond *c);
/* The model heads c tests, through named conditions too (bits of enum
 * mg_model_head). */
unsigned mg__load_cond_model_heads(const struct mg_rules *set, const struct cond *c);

/* load_named.c: `condition: NAME` of c, compiling the condition now if it
 * has not been; false when it cannot be used (reported). */
bool mg__load_named_ref(struct loader *ld, struct cond *c,
                        const struct mg_yaml_node *v);
/* Compiles every named condition not compiled yet (after pass 1). */
void mg__load_compile_conditions(struct loader *ld);

/* load_rule.c: true for a rule's or a condition's name: 1 to 100 of
 * a-z, 0-9, '.', '_', '-'. */
bool mg__load_valid_id(const char *id);
void mg__load_rule_free(struct rule *r);

/* The top-level keys of a rules file, as custom rows of the walker
 * (base is the loader). */
int mg__load_lists(struct mg_yaml_walk *w, const struct mg_yaml_key *row,
                   const char *label, const struct mg_yaml_node *key,
                   const struct mg_yaml_node *value, void *base);
int mg__load_conditions(struct mg_yaml_walk *w, const struct mg_yaml_key *row,
                        const char *label, const struct mg_yaml_node *key,
                        const struct mg_yaml_node *value, void *base);
int mg__load_rules(struct mg_yaml_walk *w, const struct mg_yaml_key *row,
                   const char *label, const struct mg_yaml_node *key,
                   const struct mg_yaml_node *value, void *base);
int mg__load_thresholds(struct mg_yaml_walk *w, const struct mg_yaml_key *row,
                        const char *label, const struct mg_yaml_node *key,
                        const struct mg_yaml_node *value, void *base);
int mg__load_model(struct mg_yaml_walk *w, const struct mg_yaml_key *row,
                   const char *label, const struct mg_yaml_node *key,
                   const struct mg_yaml_node *value, void *base);
int mg__load_history(struct mg_yaml_walk *w, const struct mg_yaml_key *row,
                     const char *label, const struct mg_yaml_node *key,
                     const struct mg_yaml_node *value, void *base);

#endif
