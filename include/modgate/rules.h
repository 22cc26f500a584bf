/* rules.h: the rule set, loaded from a rules directory, and its judgement
 * of one comment. No I/O but reading the directory at load time: the
 * server, modctl, the benchmarks and the fuzz targets link the same code.
 *
 * A rules directory holds YAML files (*.yaml, read in name order) and the
 * plain-text lists they name (one entry a line, `#` comments). docs/rules.md
 * is the language reference. A set loads whole or not at all; every error
 * says file, line, column and what is wrong.
 *
 * A loaded set is immutable and reference-counted, so a server can swap in a
 * new one while requests in flight finish on the old. */
#ifndef MODGATE_RULES_H
#define MODGATE_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "modgate/error.h"
#include "modgate/model.h"
#include "modgate/verdict.h"

#define MG_RULES_MAX_ERRORS 20

/* A loaded rule set (opaque). */
struct mg_rules;

/* What a failed load found: up to MG_RULES_MAX_ERRORS errors in file
 * order, and how many more there were. */
struct mg_rules_errors {
    struct mg_error items[MG_RULES_MAX_ERRORS];
    size_t count;
    size_t more;
};

/* Loads every *.yaml in dir (name order) and the lists they name.
 * MG_OK and *out (one reference), or MG_EINVAL with errs filled (errs may
 * be NULL). */
int mg_rules_load(const char *dir, struct mg_rules **out,
                  struct mg_rules_errors *errs) MG_MUST_CHECK;

/* The same from files given in memory (for tests and fuzzing): names[i]
 * holds texts[i] of lens[i] bytes; YAML files are those whose name ends in
 * .yaml, the others are lists. */
int mg_rules_load_files(size_t n, const char *const *names,
                        const char *const *texts, const size_t *lens,
                        struct mg_rules **out,
                        struct mg_rules_errors *errs) MG_MUST_CHECK;

struct mg_rules *mg_rules_ref(struct mg_rules *rules);
void mg_rules_unref(struct mg_rules *rules); /* NULL is fine */

/* "r-" + 12 hex digits of the digest of the files (names and contents). */
const char *mg_rules_version(const struct mg_rules *rules);

size_t mg_rules_count(const struct mg_rules *rules);
const char *mg_rules_id(const struct mg_rules *rules, size_t i);

/* Carries the hit counts of from's rules over to the rules of to with the
 * same ids (a reload keeps the /metrics counters going). */
void mg_rules_inherit_hits(struct mg_rules *to, const struct mg_rules *from);
/* Adds n to rule i's hits: a worker that replaces one that died goes on
 * from the hits its predecessor published (worker.c). */
void mg_rules_add_hits(struct mg_rules *rules, size_t i, uint64_t n);

/* The version the empty set reports: the digest of no files. */
#define MG_RULES_EMPTY_VERSION "r-e3b0c44298fc"

/* How often rule i fired since this set was loaded (the server is
 * single-threaded; modctl and tests just read it). */
uint64_t mg_rules_hits(const struct mg_rules *rules, size_t i);

/* Rules that need history (the `history:` key of a rule set), decided in
 * Redis by the submission script, in the same call as the store, because
 * they depend on what other submissions did. A zero turns one off. */
struct mg_rules_history {
    int64_t duplicate_window_ms; /* the same author, the same normalized
                                    body again within it: rejected */
    uint32_t duplicate_min_chars; /* only for normalized bodies this long */
    int64_t campaign_window_ms;  /* the same normalized body from */
    uint32_t campaign_authors;   /* this many distinct authors within it: held */
    uint32_t campaign_min_chars; /* only for normalized bodies this long */
    uint32_t new_commenter_below; /* authors with fewer published comments
                                     are held when the comment is suspect */
    bool new_commenter_has_min_score; /* min_score was set: suspect means */
    double new_commenter_min_score;   /* score >= this; without it, a rule
                                         with a positive score fired or the
                                         comment has a link */
    uint32_t established_published; /* history.established: authors with */
    int64_t established_clean_ms;    /* this many published comments and no
                                        rejection for this long skip
                                        new_commenter; 0: off */
};

/* The set's history rules, or NULL when it has none (then the server
 * neither checks nor records history). */
const struct mg_rules_history *mg_rules_history(const struct mg_rules *rules);

/* A comment as the rules see it. */
struct mg_rules_input {
    const char *body; /* valid UTF-8 */
    size_t body_len;
    const char *author_id;
    const char *author_name; /* NULL when none */
    bool has_author_created_at;
    int64_t author_created_at_ms;
    int64_t now_ms; /* for the account's age */
};

/* Judges in: fills *out (close it with mg_verdict_close). When normalized is
 * not NULL it gets the normalized body (mg_free). rules may be NULL: the
 * empty set, which publishes everything. MG_EINVAL for invalid UTF-8. */
int mg_rules_judge(struct mg_rules *rules, const struct mg_rules_input *in,
                   struct mg_verdict *out, char **normalized) MG_MUST_CHECK;

/* The features the set's model sees in text (len bytes of UTF-8), exactly
 * as judging computes them (normalized with the set's word lists), with
 * the model's buckets and families: for a trainer or an evaluation tool.
 * MG_ENOENT when the set has no model, MG_EINVAL for invalid UTF-8. */
int mg_rules_model_features(const struct mg_rules *rules, const char *text,
                            size_t len, mg_model_feature_fn fn,
                            void *ctx) MG_MUST_CHECK;

/* The scores of the set's model's heads for text, as a rule testing the
 * model would see them (a head the model lacks scores 0). MG_ENOENT when
 * the set has no model (or it is `off`), MG_EINVAL for invalid UTF-8. */
int mg_rules_model_scores(const struct mg_rules *rules, const char *text, size_t len,
                          double p[MG_MODEL_HEADS]) MG_MUST_CHECK;

/* The model file the set's `model:` names (a path in the rules directory),
 * or NULL when it has none or it is `off`. */
const char *mg_rules_model_file(const struct mg_rules *rules);

/* The set's model (its buckets and families), or NULL as above. */
const struct mg_model *mg_rules_model(const struct mg_rules *rules);

#endif
