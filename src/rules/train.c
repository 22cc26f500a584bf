/* train.c: FTRL-Proximal logistic regression over rows of hashed buckets
 * (train.h), and the model file it writes. Each head is fitted on its own:
 * the same rows, label "is this head's" against everything else. */
#include "modgate/train.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modgate/alloc.h"

struct row {
    size_t off; /* into feat */
    uint32_t n;
    uint8_t label;
    double weight;
};

struct mg_train_set {
    uint32_t buckets;
    unsigned families;
    uint32_t *feat; /* every row's buckets, sorted and unique per row */
    size_t nfeat, capfeat;
    struct row *rows;
    size_t nrows, caprows;
};

void mg_train_opts_default(struct mg_train_opts *o)
{
    *o = (struct mg_train_opts){
        .seed = 1, .passes = 8, .alpha = 0.1, .beta = 1.0, .l1 = 3.0, .l2 = 1.0};
}

struct mg_train_set *mg_train_set_new(uint32_t buckets, unsigned families)
{
    struct mg_train_set *s = mg_calloc(1, sizeof *s);
    s->buckets = buckets;
    s->families = families;
    return s;
}

void mg_train_set_free(struct mg_train_set *s)
{
    if (!s)
        return;
    mg_free(s->feat);
    mg_free(s->rows);
    mg_free(s);
}

static int by_bucket(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

void mg_train_add(struct mg_train_set *s, const uint32_t *buckets, size_t n,
                  enum mg_train_label label, double weight)
{
    if (s->nfeat + n > s->capfeat) {
        s->capfeat = (s->nfeat + n) * 2;
        s->feat = mg_realloc(s->feat, s->capfeat * sizeof *s->feat);
    }
    uint32_t *at = s->feat + s->nfeat;
    memcpy(at, buckets, n * sizeof *at);
    qsort(at, n, sizeof *at, by_bucket);
    size_t unique = 0;
    for (size_t i = 0; i < n; i++)
        if (unique == 0 || at[unique - 1] != at[i])
            at[unique++] = at[i] & (s->buckets - 1);
    if (s->nrows == s->caprows) {
        s->caprows = s->caprows ? s->caprows * 2 : 1024;
        s->rows = mg_realloc(s->rows, s->caprows * sizeof *s->rows);
    }
    s->rows[s->nrows++] = (struct row){s->nfeat, (uint32_t)unique, (uint8_t)label, weight};
    s->nfeat += unique;
}

size_t mg_train_rows(const struct mg_train_set *s)
{
    return s->nrows;
}

size_t mg_train_count(const struct mg_train_set *s, enum mg_train_label label,
                      double *weight)
{
    size_t n = 0;
    double sum = 0;
    for (size_t i = 0; i < s->nrows; i++)
        if (s->rows[i].label == label) {
            n++;
            sum += s->rows[i].weight;
        }
    if (weight)
        *weight = sum;
    return n;
}

/* splitmix64 (Steele, Lea, Flood 2014): small, and the same everywhere. */
static uint64_t next_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* FTRL's per-bucket state; the bias is bucket `buckets`, never penalized. */
struct ftrl {
    const struct mg_train_opts *o;
    uint32_t bias;
    double *z, *n;
};

static double ftrl_weight(const struct ftrl *f, uint32_t i)
{
    double l1 = i == f->bias ? 0 : f->o->l1, l2 = i == f->bias ? 0 : f->o->l2;
    double z = f->z[i];
    if (fabs(z) <= l1)
        return 0;
    double sign = z < 0 ? -1 : 1;
    return -(z - sign * l1) / ((f->o->beta + sqrt(f->n[i])) / f->o->alpha + l2);
}

static void ftrl_update(struct ftrl *f, uint32_t i, double g, double w)
{
    double sigma = (sqrt(f->n[i] + g * g) - sqrt(f->n[i])) / f->o->alpha;
    f->z[i] += g - sigma * w;
    f->n[i] += g * g;
}

static double sigmoid(double x)
{
    return 1.0 / (1.0 + exp(-x));
}

/* One row: predict with the current weights, then move them by the loss's
 * gradient, (p - y) times the row's weight. */
static void learn_row(struct ftrl *f, const struct mg_train_set *s, const struct row *r,
                      enum mg_train_label head_label, double *scratch)
{
    const uint32_t *b = s->feat + r->off;
    double sum = scratch[r->n] = ftrl_weight(f, f->bias);
    for (uint32_t k = 0; k < r->n; k++)
        sum += scratch[k] = ftrl_weight(f, b[k]);
    double y = r->label == head_label ? 1 : 0;
    double g = (sigmoid(sum) - y) * r->weight;
    for (uint32_t k = 0; k < r->n; k++)
        ftrl_update(f, b[k], g, scratch[k]);
    ftrl_update(f, f->bias, g, scratch[r->n]);
}

/* The head's weights (buckets of them, then the bias) into w. */
static void train_head(const struct mg_train_set *s, const struct mg_train_opts *o,
                       enum mg_train_label head_label, double *w)
{
    struct ftrl f = {o, s->buckets, mg_calloc(s->buckets + 1u, sizeof(double)),
                     mg_calloc(s->buckets + 1u, sizeof(double))};
    size_t *order = mg_malloc((s->nrows ? s->nrows : 1) * sizeof *order);
    uint32_t widest = 0;
    for (size_t i = 0; i < s->nrows; i++) {
        order[i] = i;
        if (s->rows[i].n > widest)
            widest = s->rows[i].n;
    }
    double *scratch = mg_malloc((widest + 1u) * sizeof *scratch);
    uint64_t state = o->seed;
    for (unsigned pass = 0; pass < o->passes; pass++) {
        for (size_t i = s->nrows; i > 1; i--) { /* Fisher-Yates */
            size_t j = (size_t)(next_random(&state) % i);
            size_t t = order[i - 1];
            order[i - 1] = order[j];
            order[j] = t;
        }
        for (size_t i = 0; i < s->nrows; i++)
            learn_row(&f, s, &s->rows[order[i]], head_label, scratch);
    }
    for (uint32_t i = 0; i <= s->buckets; i++)
        w[i] = ftrl_weight(&f, i);
    mg_free(scratch);
    mg_free(order);
    mg_free(f.z);
    mg_free(f.n);
}

static void add_line(struct mg_buf *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void add_line(struct mg_buf *out, const char *fmt, ...)
{
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    mg_buf_add(out, line, n > 0 && (size_t)n < sizeof line ? (size_t)n : 0);
}

static void write_comment(struct mg_buf *out, const char *comment)
{
    while (comment && *comment) {
        size_t len = strcspn(comment, "\n");
        mg_buf_adds(out, "# ");
        mg_buf_add(out, comment, len);
        mg_buf_adds(out, "\n");
        comment += len + (comment[len] == '\n');
    }
}

/* "%.6g", with "-0" and values that print as zero left out. */
static bool weight_text(double w, char *buf, size_t size)
{
    snprintf(buf, size, "%.6g", w);
    return strtod(buf, NULL) != 0;
}

static bool opts_valid(const struct mg_train_opts *o)
{
    return o->passes >= 1 && o->passes <= 100 && o->alpha > 0 && o->beta >= 0 &&
           o->l1 >= 0 && o->l2 >= 0 && isfinite(o->alpha + o->beta + o->l1 + o->l2);
}

int mg_train_write(const struct mg_train_set *s, const struct mg_train_opts *opts,
                   const char *comment, struct mg_buf *out)
{
    if (!opts_valid(opts) || mg_train_count(s, MG_TRAIN_SPAM, NULL) == 0 ||
        mg_train_count(s, MG_TRAIN_ABUSE, NULL) == 0)
        return MG_EINVAL;
    static const enum mg_train_label labels[MG_MODEL_HEADS] = {MG_TRAIN_SPAM,
                                                               MG_TRAIN_ABUSE};
    double *w[MG_MODEL_HEADS];
    for (int h = 0; h < MG_MODEL_HEADS; h++) {
        w[h] = mg_malloc((s->buckets + 1u) * sizeof(double));
        train_head(s, opts, labels[h], w[h]);
    }
    write_comment(out, comment);
    add_line(out, "modgate-model 1\nbuckets %u\nfeatures", (unsigned)s->buckets);
    /* in the order of model.h's bits, char2 the last added */
    static const char *const families[] = {"word1", "word2", "char3", "char4", "char5",
                                           "char2"};
    for (unsigned i = 0; i < 6; i++)
        if (s->families & (1u << i))
            add_line(out, " %s", families[i]);
    char a[32], b[32];
    snprintf(a, sizeof a, "%.6g", w[MG_MODEL_SPAM][s->buckets]);
    snprintf(b, sizeof b, "%.6g", w[MG_MODEL_ABUSE][s->buckets]);
    add_line(out, "\nheads spam abuse\nbias spam %s abuse %s\n", a, b);
    for (uint32_t i = 0; i < s->buckets; i++)
        for (int h = 0; h < MG_MODEL_HEADS; h++)
            if (weight_text(w[h][i], a, sizeof a))
                add_line(out, "w %u %s %s\n", (unsigned)i, mg_model_head_name(h), a);
    for (int h = 0; h < MG_MODEL_HEADS; h++)
        mg_free(w[h]);
    return MG_OK;
}
