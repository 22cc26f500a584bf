/* eval_judge.c: judges texts with a rule set, offline (no server, no Redis),
 * and prints one verdict a line for tests/eval/quality to score:
 *
 *   eval_judge [--model-scores] RULES_DIR BODIES_FILE
 *
 * BODIES_FILE holds texts each ended by a NUL byte (a last text without one
 * is judged too). For each text, in order, prints
 *
 *   ACTION<TAB>SCORE<TAB>RULE_IDS<TAB>FIRST_ACTION
 *
 * ACTION is publish, hold or reject; SCORE has two decimals; RULE_IDS are
 * the ids of the rules that fired, comma-separated, or "-" for none.
 * FIRST_ACTION is the action for the same text as a new reader's first
 * comment: ACTION, made a hold when the set's history.new_commenter would
 * hold it (the only history rule that can apply to a reader with no earlier
 * comments; duplicate and campaign need earlier ones). A text the rules
 * refuse (invalid UTF-8) prints "error<TAB>0<TAB>-<TAB>error", so that line
 * i always answers text i. With --model-scores each line has two more
 * columns, the set's model's spam and abuse scores (six decimals, as a rule
 * testing the model sees them; "-" when the set has no model), for
 * tests/eval/train to draw its curves. Exits 2 on bad usage, an unreadable file or rules
 * that do not load, 0 otherwise.
 *
 * Under valgrind set MODGATE_REGEX_NO_JIT=1 (CONTRIBUTING.md). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "modgate/alloc.h"
#include "modgate/files.h"
#include "modgate/rules.h"

#define DAY_MS (86400000LL)
/* An established reader: old enough that the account-age rules stay out of
 * the way, so the figures measure what the text alone earns. */
#define ACCOUNT_AGE_DAYS 400
#define MAX_BODIES_FILE  (1u << 30)

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void print_load_errors(const char *dir,
                              const struct mg_rules_errors *errs)
{
    char line[1200];
    fprintf(stderr, "eval_judge: rules in %s do not load:\n", dir);
    for (size_t i = 0; i < errs->count; i++)
        fprintf(stderr, "  %s\n",
                mg_error_format(&errs->items[i], line, sizeof line));
    if (errs->more)
        fprintf(stderr, "  (and %zu more errors)\n", errs->more);
}

/* The ids of the rules in v's matches, comma-separated, or "-". */
static void print_rule_ids(const struct mg_verdict *v)
{
    size_t n = json_array_size(v->matches);
    if (n == 0) {
        fputs("-", stdout);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const char *id = json_string_value(
            json_object_get(json_array_get(v->matches, i), "rule"));
        printf("%s%s", i ? "," : "", id ? id : "?");
    }
}

/* What the submission script decides for a reader with no published
 * comment (src/server/scripts/submit.lua, "history"): a comment the rules
 * publish is held when new_commenter is on and the verdict is suspect. */
static enum mg_action first_comment_action(const struct mg_rules *rules,
                                           const struct mg_verdict *v)
{
    const struct mg_rules_history *h = mg_rules_history(rules);
    if (v->action == MG_ACTION_PUBLISH && h && h->new_commenter_below > 0 &&
        v->suspect)
        return MG_ACTION_HOLD;
    return v->action;
}

static bool model_scores; /* --model-scores */

static void print_model_scores(const struct mg_rules *rules, const char *body,
                               size_t len)
{
    double p[MG_MODEL_HEADS];
    if (mg_rules_model_scores(rules, body, len, p) != MG_OK)
        fputs("\t-\t-", stdout);
    else
        printf("\t%.6f\t%.6f", p[MG_MODEL_SPAM], p[MG_MODEL_ABUSE]);
}

static void judge_one(struct mg_rules *rules, const char *body, size_t len,
                      int64_t now_ms)
{
    struct mg_rules_input in = {
        .body = body,
        .body_len = len,
        .author_id = "u-eval",
        .author_name = "Reader",
        .has_author_created_at = true,
        .author_created_at_ms = now_ms - ACCOUNT_AGE_DAYS * DAY_MS,
        .now_ms = now_ms,
    };
    struct mg_verdict v;
    if (mg_rules_judge(rules, &in, &v, NULL) != MG_OK) {
        /* judge leaves nothing to close when it refuses */
        fputs(model_scores ? "error\t0\t-\terror\t-\t-\n" : "error\t0\t-\terror\n",
              stdout);
        return;
    }
    printf("%s\t%.2f\t", mg_action_name(v.action), v.score);
    print_rule_ids(&v);
    printf("\t%s", mg_action_name(first_comment_action(rules, &v)));
    if (model_scores)
        print_model_scores(rules, body, len);
    fputc('\n', stdout);
    mg_verdict_close(&v);
}

/* Judges every text of all[0..len), in order; returns how many. */
static size_t judge_all(struct mg_rules *rules, const char *all, size_t len)
{
    int64_t now_ms = wall_ms();
    size_t n = 0;
    const char *p = all, *end = all + len;
    while (p < end) {
        const char *nul = memchr(p, '\0', (size_t)(end - p));
        size_t body_len = nul ? (size_t)(nul - p) : (size_t)(end - p);
        judge_one(rules, p, body_len, now_ms);
        n++;
        p += body_len + 1;
    }
    return n;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "--model-scores") == 0) {
        model_scores = true;
        argv++, argc--;
    }
    if (argc != 3) {
        fprintf(stderr, "usage: eval_judge [--model-scores] RULES_DIR BODIES_FILE\n"
                        "  BODIES_FILE: texts each ended by a NUL byte\n");
        return 2;
    }
    struct mg_rules *rules;
    struct mg_rules_errors errs;
    if (mg_rules_load(argv[1], &rules, &errs) != MG_OK) {
        print_load_errors(argv[1], &errs);
        return 2;
    }
    char *all;
    size_t len;
    struct mg_error err;
    if (mg_file_read(argv[2], MAX_BODIES_FILE, &all, &len, &err) != MG_OK) {
        char line[1200];
        fprintf(stderr, "eval_judge: %s\n",
                mg_error_format(&err, line, sizeof line));
        mg_rules_unref(rules);
        return 2;
    }
    size_t n = judge_all(rules, all, len);
    mg_free(all);
    mg_rules_unref(rules);
    /* a verdict lost to a full disk or a closed pipe must not pass for a
     * short but successful run */
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "eval_judge: cannot write the verdicts of %zu texts\n",
                n);
        return 2;
    }
    return 0;
}
