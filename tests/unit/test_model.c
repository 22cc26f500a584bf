/* test_model.c: the learned model (model.h) and its place in a rule set:
 * the model file's errors with their line and column, the features of
 * known texts (written out by hand from the definition in model.h), the
 * hash against FNV-1a's published vectors, the scores of a tiny model
 * worked out by hand, the `model:` condition, the weight cap, the guard
 * that a rule testing the model never publishes, the explanations' spans,
 * and the model file in the set's version. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "modgate/alloc.h"
#include "modgate/model.h"
#include "modgate/rules.h"
#include "testutil.h"

#define BUCKETS 65536u

static uint32_t bucket_of(const char *feature)
{
    return mg_model_hash(feature, strlen(feature)) & (BUCKETS - 1);
}

/* ---- the hash and the features ---- */

static void test_hash_is_fnv1a(void **state)
{
    (void)state;
    /* the FNV-1a 32-bit test vectors of the FNV reference */
    assert_int_equal(mg_model_hash("", 0), 0x811c9dc5u);
    assert_int_equal(mg_model_hash("a", 1), 0xe40c292cu);
    assert_int_equal(mg_model_hash("foobar", 6), 0xbf9cf968u);
}

struct collected {
    char text[32][32];
    uint32_t bucket[32], start[32], end[32];
    size_t n;
};

static void collect(const struct mg_model_feature *f, void *ctx)
{
    struct collected *c = ctx;
    if (c->n >= 32)
        return;
    snprintf(c->text[c->n], sizeof c->text[c->n], "%.*s", (int)f->len, f->text);
    c->bucket[c->n] = f->bucket;
    c->start[c->n] = f->start;
    c->end[c->n] = f->end;
    c->n++;
}

static void test_features_of_known_texts(void **state)
{
    (void)state;
    struct collected c = {0};
    assert_int_equal(mg_model_features("Hi  YOU", 7, BUCKETS, MG_MODEL_ALL_FAMILIES,
                                       collect, &c),
                     MG_OK);
    /* by hand: each word's w1, its w2 with the word before, then the
     * n-grams of "^word$" by end position, 2- then 3-, 4- and 5-grams */
    static const char *const want[] = {
        "w1:hi", "c2:^h", "c2:hi", "c3:^hi", "c2:i$", "c3:hi$", "c4:^hi$",
        "w1:you", "w2:hi you", "c2:^y", "c2:yo", "c3:^yo", "c2:ou", "c3:you", "c4:^you",
        "c2:u$", "c3:ou$", "c4:you$", "c5:^you$",
    };
    static const uint32_t starts[] = {0, 0, 0, 0, 0, 0, 0, 4, 0, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4};
    static const uint32_t ends[] = {2, 2, 2, 2, 2, 2, 2, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7};
    assert_int_equal(c.n, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < c.n; i++) {
        assert_string_equal(c.text[i], want[i]);
        assert_int_equal(c.bucket[i], bucket_of(want[i]));
        assert_int_equal(c.start[i], starts[i]);
        assert_int_equal(c.end[i], ends[i]);
    }

    /* only the families asked for; n-grams count code points, not bytes */
    memset(&c, 0, sizeof c);
    assert_int_equal(mg_model_features("바보야", strlen("바보야"), BUCKETS,
                                       MG_MODEL_CHAR3 | MG_MODEL_CHAR5, collect, &c),
                     MG_OK);
    static const char *const korean[] = {"c3:^바보", "c3:바보야", "c3:보야$",
                                         "c5:^바보야$"};
    assert_int_equal(c.n, 4);
    for (size_t i = 0; i < c.n; i++)
        assert_string_equal(c.text[i], korean[i]);

    /* syllable pairs, which Korean words of two or three syllables need */
    memset(&c, 0, sizeof c);
    assert_int_equal(mg_model_features("바보야", strlen("바보야"), BUCKETS, MG_MODEL_CHAR2,
                                       collect, &c),
                     MG_OK);
    static const char *const pairs[] = {"c2:^바", "c2:바보", "c2:보야", "c2:야$"};
    assert_int_equal(c.n, 4);
    for (size_t i = 0; i < c.n; i++)
        assert_string_equal(c.text[i], pairs[i]);

    /* spelling games meet the same features: fullwidth, leet in a leet
     * text, zero-width space */
    memset(&c, 0, sizeof c);
    assert_int_equal(mg_model_features("ｉｄｉ\xe2\x80\x8bot", strlen("ｉｄｉ\xe2\x80\x8bot"),
                                       BUCKETS, MG_MODEL_WORD1, collect, &c),
                     MG_OK);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.text[0], "w1:idiot");
    assert_int_equal(mg_model_features("\xff", 1, BUCKETS, MG_MODEL_WORD1, collect, &c),
                     MG_EINVAL);
}

/* ---- the model file ---- */

static char *tiny_model(const char *extra)
{
    return mg_asprintf("modgate-model 1\n"
                       "buckets %u\n"
                       "features word1 word2\n"
                       "heads spam abuse   # both\n"
                       "bias spam -3 abuse -2\n"
                       "\n"
                       "w %u abuse 3\n"
                       "w %u abuse 0.5\n"
                       "w %u spam 4\n"
                       "%s",
                       BUCKETS, bucket_of("w1:idiot"), bucket_of("w2:you idiot"),
                       bucket_of("w1:casino"), extra);
}

static double score_of(const struct mg_model *m, const char *text, enum mg_model_head h)
{
    struct mg_norm n;
    assert_int_equal(mg_normalize(text, strlen(text), &n), MG_OK);
    double p[MG_MODEL_HEADS];
    mg_model_score(m, &n, p);
    mg_norm_close(&n);
    return p[h];
}

static void test_scores_by_hand(void **state)
{
    (void)state;
    char *text = tiny_model("");
    struct mg_model *m;
    struct mg_error err;
    assert_int_equal(mg_model_parse("m.txt", text, strlen(text), &m, &err), MG_OK);
    assert_int_equal(mg_model_weights(m), 3);
    /* sigmoid(-2) = 1 / (1 + e^2) */
    assert_true(fabs(score_of(m, "hello there", MG_MODEL_ABUSE) - 0.11920292202211755) < 1e-9);
    /* sigmoid(-2 + 3) */
    assert_true(fabs(score_of(m, "hey idiot", MG_MODEL_ABUSE) - 0.7310585786300049) < 1e-9);
    /* presence is binary: twice is once */
    assert_true(fabs(score_of(m, "idiot IDIOT idiot", MG_MODEL_ABUSE) - 0.7310585786300049) <
                1e-9);
    /* sigmoid(-2 + 3 + 0.5) */
    assert_true(fabs(score_of(m, "you idiot", MG_MODEL_ABUSE) - 0.8175744761936437) < 1e-9);
    /* the same far into a long text, whose features are looked up in
     * batches (64 at a time): "you idiot" after 150 plain words (300
     * features), "idiot" again 150 words later, counted once */
    char long_text[4096];
    size_t at = 0;
    for (int i = 0; i < 300; i++) {
        at += (size_t)snprintf(long_text + at, sizeof long_text - at, "%sword%d",
                               i ? " " : "", i);
        if (i == 149)
            at += (size_t)snprintf(long_text + at, sizeof long_text - at, " you idiot");
    }
    snprintf(long_text + at, sizeof long_text - at, " idiot");
    assert_true(fabs(score_of(m, long_text, MG_MODEL_ABUSE) - 0.8175744761936437) < 1e-9);
    /* the other head: sigmoid(-3 + 4), and sigmoid(-3) without */
    assert_true(fabs(score_of(m, "casino", MG_MODEL_SPAM) - 0.7310585786300049) < 1e-9);
    assert_true(fabs(score_of(m, "you idiot", MG_MODEL_SPAM) - 0.04742587317756678) < 1e-9);
    mg_model_free(m);
    mg_free(text);
}

/* A model of more buckets than are kept as a dense array (2^20) is an open
 * addressing table of the buckets given: the same scores, by hand, over a
 * short text and over a long one whose features are looked up in batches. */
static void test_scores_by_hand_from_a_sparse_model(void **state)
{
    (void)state;
    const uint32_t buckets = 1u << 22;
    uint32_t at[3];
    const char *features[] = {"w1:idiot", "w2:you idiot", "w1:casino"};
    for (size_t i = 0; i < 3; i++)
        at[i] = mg_model_hash(features[i], strlen(features[i])) & (buckets - 1);
    char *text = mg_asprintf("modgate-model 1\nbuckets %u\nfeatures word1 word2\n"
                             "heads spam abuse\nbias spam -3 abuse -2\n"
                             "w %u abuse 3\nw %u abuse 0.5\nw %u spam 4\n",
                             buckets, at[0], at[1], at[2]);
    struct mg_model *m;
    struct mg_error err;
    assert_int_equal(mg_model_parse("m.txt", text, strlen(text), &m, &err), MG_OK);
    assert_int_equal(mg_model_weights(m), 3);
    assert_true(fabs(score_of(m, "hello there", MG_MODEL_ABUSE) - 0.11920292202211755) < 1e-9);
    assert_true(fabs(score_of(m, "you idiot", MG_MODEL_ABUSE) - 0.8175744761936437) < 1e-9);
    assert_true(fabs(score_of(m, "casino", MG_MODEL_SPAM) - 0.7310585786300049) < 1e-9);
    char long_text[4096];
    size_t used = 0;
    for (int i = 0; i < 300; i++)
        used += (size_t)snprintf(long_text + used, sizeof long_text - used, "word%d ", i);
    snprintf(long_text + used, sizeof long_text - used, "you idiot");
    assert_true(fabs(score_of(m, long_text, MG_MODEL_ABUSE) - 0.8175744761936437) < 1e-9);
    mg_model_free(m);
    mg_free(text);
}

struct bad_model {
    const char *text;
    int line, column;
    const char *message; /* a part of it */
};

static void test_model_file_errors(void **state)
{
    (void)state;
    static const char head[] = "modgate-model 1\nbuckets 1024\nfeatures word1\n"
                               "heads abuse\nbias abuse 0\n";
    static const struct bad_model cases[] = {
        {"modgate-model 2\n", 1, 15, "unknown model version '2'"},
        {"# a comment\n\nmodel 1\n", 3, 1, "not a model file"},
        {"modgate-model 1\nbuckets 1000\n", 2, 9, "power of two"},
        {"modgate-model 1\nbuckets 33554432\n", 2, 9, "power of two"},
        {"modgate-model 1\nbuckets 1024\nfeatures word1 char6\n", 3, 16,
         "unknown feature family 'char6'"},
        {"modgate-model 1\nbuckets 1024\nheads abuse\n", 3, 1, "`features` comes before"},
        {"modgate-model 1\nbuckets 1024\nfeatures word1\nheads abuse ham\n", 4, 13,
         "unknown head 'ham'"},
        {"modgate-model 1\nbuckets 1024\nfeatures word1\nheads abuse\n", 4, 1,
         "the `bias` line is missing"},
        {"modgate-model 1\nbuckets 1024\nfeatures word1\nheads abuse\nbias spam 1\n", 5, 6,
         "no head 'spam'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct mg_model *m = NULL;
        struct mg_error err;
        assert_int_equal(mg_model_parse("m.txt", cases[i].text, strlen(cases[i].text), &m,
                                        &err),
                         MG_EINVAL);
        assert_null(m);
        assert_string_equal(err.file, "m.txt");
        if (err.line != cases[i].line || err.column != cases[i].column ||
            !strstr(err.message, cases[i].message))
            fail_msg("case %zu: %d:%d: %s", i, err.line, err.column, err.message);
    }
    /* the `w` lines, after a good head */
    static const struct bad_model weights[] = {
        {"w 1024 abuse 1\n", 6, 3, "bucket 1024 is out of range"},
        {"w 12x abuse 1\n", 6, 3, "not a bucket number"},
        {"w 5 spam 1\n", 6, 5, "no head 'spam'"},
        {"w 5 abuse nan\n", 6, 11, "'nan' is not a number"},
        {"w 5 abuse 1e400\n", 6, 11, "out of range"},
        {"w 5 abuse 0x1p3\n", 6, 11, "'0x1p3' is not a number"},
        {"w 5 abuse\n", 6, 1, "takes a bucket, a head and a weight"},
        {"w 5 abuse 1\n  w 5 abuse 2 # again\n", 7, 3, "a second weight"},
        {"w 5 abuse 1\nbias abuse 1\n", 7, 1, "only `w` lines"},
    };
    for (size_t i = 0; i < sizeof weights / sizeof weights[0]; i++) {
        char *text = mg_asprintf("%s%s", head, weights[i].text);
        struct mg_model *m = NULL;
        struct mg_error err;
        assert_int_equal(mg_model_parse("m.txt", text, strlen(text), &m, &err), MG_EINVAL);
        if (err.line != weights[i].line || err.column != weights[i].column ||
            !strstr(err.message, weights[i].message))
            fail_msg("w case %zu: %d:%d: %s", i, err.line, err.column, err.message);
        mg_free(text);
    }
}

/* ---- in a rule set ---- */

static const char model_rules[] =
    "model: {file: model/m.txt, weight: 3}\n"
    "lists:\n"
    "  bad: {entries: [spamword]}\n"
    "rules:\n"
    "  - {id: model.abuse, reason: the model finds it abusive,\n"
    "     when: {model: {abuse: '>= 0.7'}}, score: 2}\n"
    "  - {id: model.abuse2, reason: very abusive, when: {model: {abuse: '> 0.8'}},\n"
    "     score: 2}\n"
    "  - {id: model.spam, reason: spam, when: {model: {spam: '>= 0.7'}}, action: hold}\n"
    "  - {id: words.bad, reason: listed, when: {words: bad}, action: reject}\n";

static struct mg_rules *load_with_model(const char *yaml, const char *model,
                                        struct mg_rules_errors *errs)
{
    const char *names[] = {"rules.yaml", "model/m.txt"};
    const char *texts[] = {yaml, model};
    size_t lens[] = {strlen(yaml), strlen(model)};
    struct mg_rules *rules = NULL;
    if (mg_rules_load_files(2, names, texts, lens, &rules, errs) != MG_OK)
        return NULL;
    return rules;
}

static struct mg_verdict judged(struct mg_rules *rules, const char *body)
{
    struct mg_rules_input in = {.body = body, .body_len = strlen(body), .author_id = "u-1"};
    struct mg_verdict v;
    assert_int_equal(mg_rules_judge(rules, &in, &v, NULL), MG_OK);
    return v;
}

static void test_condition_cap_and_explanations(void **state)
{
    (void)state;
    char *model = tiny_model("");
    struct mg_rules_errors errs;
    struct mg_rules *rules = load_with_model(model_rules, model, &errs);
    assert_non_null(rules);

    struct mg_verdict v = judged(rules, "hello there");
    assert_int_equal(v.action, MG_ACTION_PUBLISH);
    assert_int_equal(json_array_size(v.matches), 0);
    mg_verdict_close(&v);

    /* abuse 0.73: the first rule only, its score whole */
    v = judged(rules, "hey IDIOT");
    assert_true(fabs(v.score - 2) < 1e-9);
    assert_int_equal(json_array_size(v.matches), 1);
    json_t *m = json_array_get(v.matches, 0);
    json_t *said = json_array_get(json_object_get(m, "model"), 0);
    assert_string_equal(json_string_value(json_object_get(said, "head")), "abuse");
    assert_true(fabs(json_real_value(json_object_get(said, "score")) - 0.7310585786300049) <
                1e-9);
    json_t *f = json_array_get(json_object_get(said, "features"), 0);
    assert_string_equal(json_string_value(json_object_get(f, "feature")), "w1:idiot");
    assert_true(fabs(json_real_value(json_object_get(f, "weight")) - 3) < 1e-6);
    json_t *span = json_object_get(f, "span");
    assert_int_equal(json_integer_value(json_array_get(span, 0)), 4);
    assert_int_equal(json_integer_value(json_array_get(span, 1)), 9);
    mg_verdict_close(&v);

    /* abuse 0.82: both rules fire, 2 + 2 capped at the weight, 3; the
     * features highest first, the bigram's span both words */
    v = judged(rules, "you idiot");
    assert_true(fabs(v.score - 3) < 1e-9);
    assert_int_equal(json_array_size(v.matches), 2);
    m = json_array_get(v.matches, 1);
    assert_true(fabs(json_real_value(json_object_get(m, "score")) - 1) < 1e-9);
    said = json_array_get(json_object_get(m, "model"), 0);
    json_t *features = json_object_get(said, "features");
    assert_int_equal(json_array_size(features), 2);
    f = json_array_get(features, 1);
    assert_string_equal(json_string_value(json_object_get(f, "feature")), "w2:you idiot");
    span = json_object_get(f, "span");
    assert_int_equal(json_integer_value(json_array_get(span, 0)), 0);
    assert_int_equal(json_integer_value(json_array_get(span, 1)), 9);
    mg_verdict_close(&v);

    /* the model only adds to a case: what a rule rejects stays rejected,
     * whatever the model says */
    v = judged(rules, "casino spamword");
    assert_int_equal(v.action, MG_ACTION_REJECT);
    mg_verdict_close(&v);
    v = judged(rules, "casino");
    assert_int_equal(v.action, MG_ACTION_HOLD);
    mg_verdict_close(&v);

    /* exactly the judge's features, for a trainer */
    struct collected c = {0};
    assert_int_equal(mg_rules_model_features(rules, "you idiot", 9, collect, &c), MG_OK);
    assert_int_equal(c.n, 3);
    assert_string_equal(c.text[2], "w2:you idiot");
    /* and its scores, as a rule sees them (abuse 0.73 above) */
    double p[MG_MODEL_HEADS];
    assert_int_equal(mg_rules_model_scores(rules, "hey IDIOT", 9, p), MG_OK);
    assert_true(fabs(p[MG_MODEL_ABUSE] - 0.7310585786300049) < 1e-9);
    assert_string_equal(mg_rules_model_file(rules), "model/m.txt");
    mg_rules_unref(rules);
    mg_free(model);
}

/* `model: off` in place of the model line: the same rules load, the ones
 * testing the model never fire, and the set has no model for a trainer. */
static void test_switched_off_in_one_line(void **state)
{
    (void)state;
    const char *on = "model: {file: model/m.txt, weight: 3}\n";
    const char *at = strstr(model_rules, on);
    assert_non_null(at);
    char yaml[sizeof model_rules + 16];
    snprintf(yaml, sizeof yaml, "%.*smodel: off\n%s", (int)(at - model_rules), model_rules,
             at + strlen(on));
    struct mg_rules_errors errs;
    struct mg_rules *rules = load_with_model(yaml, "not a model file at all", &errs);
    assert_non_null(rules);
    assert_int_equal(mg_rules_count(rules), 4);
    struct mg_verdict v = judged(rules, "you idiot");
    assert_int_equal(v.action, MG_ACTION_PUBLISH);
    assert_int_equal(json_array_size(v.matches), 0);
    mg_verdict_close(&v);
    v = judged(rules, "spamword"); /* the other rules stay */
    assert_int_equal(v.action, MG_ACTION_REJECT);
    mg_verdict_close(&v);
    assert_null(mg_rules_model_file(rules));
    assert_null(mg_rules_model(rules));
    double p[MG_MODEL_HEADS];
    assert_int_equal(mg_rules_model_scores(rules, "you idiot", 9, p), MG_ENOENT);
    mg_rules_unref(rules);

    /* a word other than off is refused where it is */
    rules = load_with_model("model: maybe\n", "x", &errs);
    assert_null(rules);
    assert_int_equal(errs.items[0].line, 1);
    assert_non_null(strstr(errs.items[0].message, "or off"));
}

#define HAS_MODEL "model: {file: model/m.txt, weight: 1}\n"

struct bad_set {
    const char *yaml, *file;
    int line, column;
    const char *message; /* a part of it */
};

static void test_load_errors(void **state)
{
    (void)state;
    static const struct bad_set cases[] = {
        /* `model:` tests without a model in the set */
        {"rules:\n  - {id: a, reason: r, when: {model: {abuse: '>= 0.5'}}, score: 1}\n",
         "rules.yaml", 2, 31, "`model` needs a model in the rule set"},
        {"model: {file: model/none.txt, weight: 1}\n", "rules.yaml", 1, 15,
         "model file 'model/none.txt' not found"},
        {"model: {file: model/m.txt}\n", "rules.yaml", 1, 1,
         "`model` needs `file` and `weight`"},
        {HAS_MODEL "rules:\n  - {id: a, reason: r, when: {model: {abuse: '=> 0.5'}}, score: 1}\n",
         "rules.yaml", 3, 46, "a model test is a comparison"},
        {HAS_MODEL "rules:\n  - {id: a, reason: r, when: {model: {hate: '>= 0.5'}}, score: 1}\n",
         "rules.yaml", 3, 39, "the model has no head 'hate'"},
        /* the guard: a rule testing the model may not publish or subtract,
         * also through a named condition or under `not` */
        {HAS_MODEL "conditions:\n  calm: {model: {abuse: '< 0.1'}}\n"
                   "rules:\n  - {id: a, reason: r, when: {condition: calm}, action: publish}\n",
         "rules.yaml", 5, 6, "may not publish"}, /* at the rule's first key */
        {HAS_MODEL "rules:\n  - {id: a, reason: r, when: {not: {model: {abuse: '> 0.5'}}}, "
                   "score: -1}\n",
         "rules.yaml", 3, 6, "may not have a negative score"},
        /* a corrupt model refuses the set, located in the model file */
        {NULL, "model/m.txt", 10, 11, "'x' is not a number"},
    };
    char *model = tiny_model(""), *corrupt = tiny_model("w 3 abuse x\n");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct bad_set *c = &cases[i];
        struct mg_rules_errors errs;
        struct mg_rules *rules =
            load_with_model(c->yaml ? c->yaml : model_rules, c->yaml ? model : corrupt, &errs);
        assert_null(rules);
        assert_true(errs.count >= 1);
        const struct mg_error *e = &errs.items[0];
        if (strcmp(e->file, c->file) != 0 || e->line != c->line || e->column != c->column ||
            !strstr(e->message, c->message))
            fail_msg("case %zu: %s:%d:%d: %s", i, e->file, e->line, e->column, e->message);
    }
    mg_free(corrupt);
    mg_free(model);
}

static void test_model_file_is_in_the_version(void **state)
{
    (void)state;
    char *a = tiny_model(""), *b = tiny_model("# retrained\n");
    struct mg_rules_errors errs;
    struct mg_rules *ra = load_with_model(model_rules, a, &errs);
    struct mg_rules *rb = load_with_model(model_rules, b, &errs);
    struct mg_rules *ra2 = load_with_model(model_rules, a, &errs);
    assert_non_null(ra);
    assert_non_null(rb);
    assert_non_null(ra2);
    assert_string_not_equal(mg_rules_version(ra), mg_rules_version(rb));
    assert_string_equal(mg_rules_version(ra), mg_rules_version(ra2));
    mg_rules_unref(ra);
    mg_rules_unref(rb);
    mg_rules_unref(ra2);
    mg_free(a);
    mg_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_is_fnv1a),
        cmocka_unit_test(test_features_of_known_texts),
        cmocka_unit_test(test_scores_by_hand),
        cmocka_unit_test(test_scores_by_hand_from_a_sparse_model),
        cmocka_unit_test(test_model_file_errors),
        cmocka_unit_test(test_condition_cap_and_explanations),
        cmocka_unit_test(test_switched_off_in_one_line),
        cmocka_unit_test(test_load_errors),
        cmocka_unit_test(test_model_file_is_in_the_version),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
