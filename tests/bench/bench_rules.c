/* bench_rules.c: judges comments with a rule set and prints the time per
 * comment. Driven by tests/bench/rules, which prepares the inputs:
 *
 *   bench_rules RULES_DIR BODIES_FILE [ROUNDS [MODEL_FILE]]
 *
 * BODIES_FILE holds comment bodies separated by NUL bytes. Every body is
 * judged ROUNDS times (default 5) after one warm-up pass; the time of each
 * judgement is its median over the rounds. Prints one line of key=value
 * pairs: comments, median_us, p99_us, mean_us, flagged. ROUNDS=0 loads the
 * rules and reads the bodies without judging (the callgrind baseline).
 * With MODEL_FILE, the model's scoring alone is timed too, on each body
 * normalized beforehand (what the judge reuses): model_median_us,
 * model_p99_us, model_mean_us. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "modgate/alloc.h"
#include "modgate/files.h"
#include "modgate/model.h"
#include "modgate/normalize.h"
#include "modgate/rules.h"

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int judge_one(struct mg_rules *rules, const char *body, size_t len)
{
    struct mg_rules_input in = {.body = body, .body_len = len, .author_id = "u-1",
                                .author_name = "Reader", .has_author_created_at = true,
                                .author_created_at_ms = 0, .now_ms = 86400000LL * 400};
    struct mg_verdict v;
    if (mg_rules_judge(rules, &in, &v, NULL) != MG_OK)
        return -1;
    int flagged = v.action != MG_ACTION_PUBLISH;
    mg_verdict_close(&v);
    return flagged;
}

/* Times mg_model_score alone over the bodies (rounds each, the median
 * kept) and prints its median, p99 and mean; false if the file is bad. */
static bool time_model(const char *file, const char *const *bodies, const size_t *lens,
                       size_t n, int rounds)
{
    char *text;
    size_t len;
    struct mg_error err;
    struct mg_model *m;
    if (mg_file_read(file, 1u << 30, &text, &len, &err) != MG_OK ||
        mg_model_parse(file, text, len, &m, &err) != MG_OK) {
        char line[1200];
        fprintf(stderr, "bench_rules: %s\n", mg_error_format(&err, line, sizeof line));
        return false;
    }
    mg_free(text);
    double *per = mg_calloc(n ? n : 1, sizeof *per);
    double *runs = mg_calloc((size_t)rounds, sizeof *runs);
    double total = 0, p[MG_MODEL_HEADS], sink = 0;
    for (size_t i = 0; i < n; i++) {
        struct mg_norm norm;
        if (mg_normalize(bodies[i], lens[i], &norm) != MG_OK)
            continue;
        for (int r = 0; r < rounds; r++) {
            double t0 = now_us();
            mg_model_score(m, &norm, p);
            runs[r] = now_us() - t0;
            sink += p[0];
        }
        mg_norm_close(&norm);
        qsort(runs, (size_t)rounds, sizeof *runs, by_value);
        per[i] = runs[rounds / 2];
        total += per[i];
    }
    qsort(per, n, sizeof *per, by_value);
    printf("model_median_us=%.2f model_p99_us=%.2f model_mean_us=%.2f model_sink=%.0f\n",
           n ? per[n / 2] : 0.0, n ? per[(size_t)((double)n * 0.99)] : 0.0,
           n ? total / (double)n : 0.0, sink > 0 ? 1.0 : 0.0);
    mg_free(per);
    mg_free(runs);
    mg_model_free(m);
    return true;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_rules RULES_DIR BODIES_FILE [ROUNDS]\n");
        return 2;
    }
    int rounds = 5;
    if (argc > 3) {
        char *end;
        long v = strtol(argv[3], &end, 10);
        if (*end != '\0' || v < 0 || v > 1000) {
            fprintf(stderr, "bench_rules: ROUNDS is a number from 0 to 1000\n");
            return 2;
        }
        rounds = (int)v;
    }
    struct mg_rules *rules;
    struct mg_rules_errors errs;
    if (mg_rules_load(argv[1], &rules, &errs) != MG_OK) {
        char line[1200];
        fprintf(stderr, "bench_rules: %s\n",
                mg_error_format(&errs.items[0], line, sizeof line));
        return 1;
    }
    char *all;
    size_t len;
    struct mg_error err;
    if (mg_file_read(argv[2], 1u << 30, &all, &len, &err) != MG_OK) {
        fprintf(stderr, "bench_rules: %s\n", err.message);
        return 1;
    }
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += all[i] == '\0';
    const char **bodies = mg_calloc(n + 1, sizeof *bodies);
    size_t *lens = mg_calloc(n + 1, sizeof *lens);
    size_t k = 0;
    for (const char *p = all; p < all + len && k < n; k++) {
        bodies[k] = p;
        lens[k] = strlen(p);
        p += lens[k] + 1;
    }
    if (rounds == 0) {
        printf("comments=%zu judged=0\n", n);
        mg_free(bodies);
        mg_free(lens);
        mg_free(all);
        mg_rules_unref(rules);
        return 0;
    }
    size_t flagged = 0;
    for (size_t i = 0; i < n; i++) /* warm-up; also counts the flagged */
        flagged += judge_one(rules, bodies[i], lens[i]) == 1;
    double *per = mg_calloc(n ? n : 1, sizeof *per);
    double *runs = mg_calloc((size_t)rounds, sizeof *runs);
    double total = 0;
    for (size_t i = 0; i < n; i++) {
        for (int r = 0; r < rounds; r++) {
            double t0 = now_us();
            (void)judge_one(rules, bodies[i], lens[i]);
            runs[r] = now_us() - t0;
        }
        qsort(runs, (size_t)rounds, sizeof *runs, by_value);
        per[i] = runs[rounds / 2];
        total += per[i];
    }
    qsort(per, n, sizeof *per, by_value);
    printf("comments=%zu median_us=%.2f p99_us=%.2f mean_us=%.2f flagged=%zu\n", n,
           n ? per[n / 2] : 0.0, n ? per[(size_t)((double)n * 0.99)] : 0.0,
           n ? total / (double)n : 0.0, flagged);
    int rc = 0;
    if (argc > 4 && !time_model(argv[4], bodies, lens, n, rounds))
        rc = 1;
    mg_free(per);
    mg_free(runs);
    mg_free(bodies);
    mg_free(lens);
    mg_free(all);
    mg_rules_unref(rules);
    return rc;
}
