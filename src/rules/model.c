/* model.c: a model file (docs/rules.md, "The model file") into a struct
 * mg_model: line by line, each line's words separated by spaces or tabs,
 * `#` to the end of the line a comment. The first problem stops the parse
 * and is reported with its line and column (1-based, in bytes: the format
 * is ASCII). */
#include "modgate/model.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modgate/alloc.h"
#include "src/rules/model_internal.h"

#define MAX_WORDS 16 /* on a line; `bias` has 1 + 2 x 2 */
#define MAX_ABS_WEIGHT 1e6

static const char *const head_names[MG_MODEL_HEADS] = {"spam", "abuse"};
static const char *const family_names[] = {"word1", "word2", "char3", "char4",
                                           "char5", "char2"};

const char *mg_model_head_name(enum mg_model_head h)
{
    return h < MG_MODEL_HEADS ? head_names[h] : "?";
}

struct word {
    const char *s;
    size_t len;
    int column;
};

struct parse {
    const char *file;
    struct mg_error *err;
    int line;
    struct word words[MAX_WORDS];
    size_t nwords;
    bool seen_version, seen_buckets, seen_features, seen_heads, seen_bias;
    struct mg_model *m;
};

static bool fail(struct parse *p, int column, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool fail(struct parse *p, int column, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    mg_error_set(p->err, p->file, p->line, column, "%s", msg);
    return false;
}

static bool word_is(const struct word *w, const char *s)
{
    return w->len == strlen(s) && memcmp(w->s, s, w->len) == 0;
}

/* A copy of w, cut to fit, for messages. */
static const char *word_text(const struct word *w, char *buf, size_t size)
{
    size_t n = w->len < size - 1 ? w->len : size - 1;
    memcpy(buf, w->s, n);
    buf[n] = '\0';
    return buf;
}

/* The words of one line (comments dropped); false when there are more than
 * MAX_WORDS. */
static bool split(struct parse *p, const char *line, size_t len)
{
    p->nwords = 0;
    size_t i = 0;
    while (i < len) {
        while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
            i++;
        if (i >= len || line[i] == '#')
            break;
        size_t start = i;
        while (i < len && line[i] != ' ' && line[i] != '\t' && line[i] != '\r' &&
               line[i] != '#')
            i++;
        if (p->nwords == MAX_WORDS)
            return fail(p, (int)start + 1, "%s", "too many words on a line");
        p->words[p->nwords++] = (struct word){line + start, i - start, (int)start + 1};
    }
    return true;
}

/* A finite number of at most MAX_ABS_WEIGHT, written in full. */
static bool number(struct parse *p, const struct word *w, double *out)
{
    char buf[64], *end;
    word_text(w, buf, sizeof buf);
    if (w->len >= sizeof buf || !(w->s[0] == '-' || w->s[0] == '+' || w->s[0] == '.' ||
                                  (w->s[0] >= '0' && w->s[0] <= '9')))
        return fail(p, w->column, "'%s' is not a number", buf);
    *out = strtod(buf, &end);
    if (*end != '\0' || strpbrk(buf, "xXpP")) /* decimal only: no hex floats */
        return fail(p, w->column, "'%s' is not a number", buf);
    if (!isfinite(*out) || fabs(*out) > MAX_ABS_WEIGHT)
        return fail(p, w->column, "'%s' is out of range (a weight is from -1e6 to 1e6)", buf);
    return true;
}

/* A whole number from 0 to max. */
static bool count(struct parse *p, const struct word *w, uint32_t max, uint32_t *out)
{
    char buf[32];
    word_text(w, buf, sizeof buf);
    uint64_t v = 0;
    if (w->len == 0 || w->len > 10)
        return fail(p, w->column, "'%s' is not a bucket number", buf);
    for (size_t i = 0; i < w->len; i++) {
        if (w->s[i] < '0' || w->s[i] > '9')
            return fail(p, w->column, "'%s' is not a bucket number", buf);
        v = v * 10 + (uint64_t)(w->s[i] - '0');
    }
    if (v > max)
        return fail(p, w->column, "bucket %s is out of range", buf);
    *out = (uint32_t)v;
    return true;
}

static int head_of(const struct word *w)
{
    for (int h = 0; h < MG_MODEL_HEADS; h++)
        if (word_is(w, head_names[h]))
            return h;
    return -1;
}

/* A head the model declared, at word w. */
static bool declared_head(struct parse *p, const struct word *w, int *h)
{
    char buf[64];
    *h = head_of(w);
    if (*h < 0 || !p->m->has_head[*h])
        return fail(p, w->column, "no head '%s' in the `heads` line",
                    word_text(w, buf, sizeof buf));
    return true;
}

static bool line_buckets(struct parse *p)
{
    uint32_t v;
    if (p->nwords != 2)
        return fail(p, p->words[0].column, "%s", "`buckets` takes one number");
    if (!count(p, &p->words[1], UINT32_MAX - 1, &v))
        return false;
    if (v < MG_MODEL_MIN_BUCKETS || v > MG_MODEL_MAX_BUCKETS || (v & (v - 1)))
        return fail(p, p->words[1].column, "%s",
                    "`buckets` is a power of two from 1024 to 16777216");
    p->m->buckets = v;
    return true;
}

static bool line_features(struct parse *p)
{
    char buf[64];
    if (p->nwords < 2)
        return fail(p, p->words[0].column, "%s",
                    "`features` names at least one of word1 word2 char2 char3 char4 char5");
    for (size_t i = 1; i < p->nwords; i++) {
        unsigned bit = 0;
        for (size_t f = 0; f < sizeof family_names / sizeof family_names[0]; f++)
            if (word_is(&p->words[i], family_names[f]))
                bit = 1u << f;
        word_text(&p->words[i], buf, sizeof buf);
        if (!bit)
            return fail(p, p->words[i].column,
                        "unknown feature family '%s' (word1 word2 char2 char3 char4 char5)", buf);
        if (p->m->families & bit)
            return fail(p, p->words[i].column, "feature family '%s' named twice", buf);
        p->m->families |= bit;
    }
    return true;
}

static bool line_heads(struct parse *p)
{
    char buf[64];
    if (p->nwords < 2 || p->nwords > 3)
        return fail(p, p->words[0].column, "%s", "`heads` names spam, abuse or both");
    for (size_t i = 1; i < p->nwords; i++) {
        int h = head_of(&p->words[i]);
        word_text(&p->words[i], buf, sizeof buf);
        if (h < 0)
            return fail(p, p->words[i].column, "unknown head '%s' (spam, abuse)", buf);
        if (p->m->has_head[h])
            return fail(p, p->words[i].column, "head '%s' named twice", buf);
        p->m->has_head[h] = true;
    }
    return true;
}

static bool line_bias(struct parse *p)
{
    bool set[MG_MODEL_HEADS] = {false};
    if (p->nwords % 2 != 1)
        return fail(p, p->words[0].column, "%s", "`bias` is followed by head and value pairs");
    for (size_t i = 1; i + 1 < p->nwords; i += 2) {
        int h;
        if (!declared_head(p, &p->words[i], &h))
            return false;
        if (set[h])
            return fail(p, p->words[i].column, "the bias of '%s' is given twice",
                        head_names[h]);
        if (!number(p, &p->words[i + 1], &p->m->bias[h]))
            return false;
        set[h] = true;
    }
    for (int h = 0; h < MG_MODEL_HEADS; h++)
        if (p->m->has_head[h] && !set[h])
            return fail(p, p->words[0].column, "`bias` has no value for head '%s'",
                        head_names[h]);
    return true;
}

/* `w BUCKET HEAD WEIGHT` */
static bool line_weight(struct parse *p)
{
    struct mg_model *m = p->m;
    uint32_t bucket;
    double v;
    int h;
    if (p->nwords != 4)
        return fail(p, p->words[0].column, "%s", "`w` takes a bucket, a head and a weight");
    if (!count(p, &p->words[1], UINT32_MAX - 1, &bucket))
        return false;
    if (bucket >= m->buckets) {
        char buf[32];
        return fail(p, p->words[1].column, "bucket %s is out of range (not below `buckets`)",
                    word_text(&p->words[1], buf, sizeof buf));
    }
    if (!declared_head(p, &p->words[2], &h) || !number(p, &p->words[3], &v))
        return false;
    struct model_slot *s = &m->slots[model_find(m, bucket)];
    if (s->bucket == bucket && !isnan(s->w[h]))
        return fail(p, p->words[0].column, "a second weight for this bucket and head '%s'",
                    head_names[h]);
    if (s->bucket == MODEL_EMPTY) {
        *s = (struct model_slot){.bucket = bucket};
        for (int k = 0; k < MG_MODEL_HEADS; k++)
            s->w[k] = NAN; /* not given yet: a duplicate is told from it */
        m->nweights++;
    }
    s->w[h] = (float)v;
    return true;
}

/* The lines before the first `w`, in the order the format gives them. */
static bool header_line(struct parse *p)
{
    const struct word *w = &p->words[0];
    char buf[64];
    if (!p->seen_version) {
        if (!word_is(w, "modgate-model"))
            return fail(p, w->column, "%s",
                        "not a model file (its first line is `modgate-model 1`)");
        if (p->nwords != 2 || !word_is(&p->words[1], "1"))
            return fail(p, p->nwords > 1 ? p->words[1].column : w->column,
                        "unknown model version '%s' (this modgate reads 1)",
                        p->nwords > 1 ? word_text(&p->words[1], buf, sizeof buf) : "");
        p->seen_version = true;
        return true;
    }
    static const char *const order[] = {"buckets", "features", "heads", "bias"};
    bool *seen[] = {&p->seen_buckets, &p->seen_features, &p->seen_heads, &p->seen_bias};
    bool (*read[])(struct parse *) = {line_buckets, line_features, line_heads, line_bias};
    for (size_t i = 0; i < 4; i++) {
        if (!word_is(w, order[i]))
            continue;
        if (*seen[i])
            return fail(p, w->column, "`%s` is given twice", order[i]);
        for (size_t k = 0; k < i; k++)
            if (!*seen[k])
                return fail(p, w->column, "`%s` comes before it", order[k]);
        *seen[i] = true;
        return read[i](p);
    }
    if (word_is(w, "w"))
        return fail(p, w->column, "%s", "`w` lines come after `bias`");
    return fail(p, w->column, "unknown line '%s' (buckets, features, heads, bias, w)",
                word_text(w, buf, sizeof buf));
}

static bool one_line(struct parse *p)
{
    if (!p->seen_bias)
        return header_line(p);
    if (!word_is(&p->words[0], "w")) {
        char buf[64];
        return fail(p, p->words[0].column,
                    "unknown line '%s' (after `bias`, only `w` lines)",
                    word_text(&p->words[0], buf, sizeof buf));
    }
    return line_weight(p);
}

/* Room for every `w` line at most half full, so that a probe always ends:
 * a weight that loads takes a line of 10 bytes at least ("w 0 spam 0"),
 * so a file of len bytes has at most len / 10 + 1 of them, however many
 * short lines it has. */
static void make_table(struct mg_model *m, size_t len)
{
    size_t most = len / 10 + 1;
    uint32_t cap = 16;
    while (cap < 2 * most)
        cap <<= 1;
    m->slots = mg_malloc(cap * sizeof *m->slots);
    for (uint32_t i = 0; i < cap; i++)
        m->slots[i].bucket = MODEL_EMPTY;
    m->mask = cap - 1;
}

/* The weights into a dense array (up to MODEL_DENSE_MAX buckets), else a
 * table just big enough (at most half full): the one parsing used was
 * sized by the file's length, and weights that stay in cache are what
 * keep scoring fast. A head not given for a bucket weighs nothing there. */
static void settle(struct mg_model *m)
{
    struct model_slot *old = m->slots;
    if (m->buckets <= MODEL_DENSE_MAX) {
        m->dense = mg_calloc((size_t)m->buckets * MG_MODEL_HEADS, sizeof *m->dense);
        for (uint32_t i = 0; i <= m->mask; i++)
            for (int h = 0; old[i].bucket != MODEL_EMPTY && h < MG_MODEL_HEADS; h++)
                if (!isnan(old[i].w[h]))
                    m->dense[(size_t)old[i].bucket * MG_MODEL_HEADS + (size_t)h] = old[i].w[h];
        m->slots = NULL;
        mg_free(old);
        return;
    }
    uint32_t old_mask = m->mask, cap = 16;
    while (cap < 2 * m->nweights)
        cap <<= 1;
    m->slots = mg_malloc(cap * sizeof *m->slots);
    for (uint32_t i = 0; i < cap; i++)
        m->slots[i].bucket = MODEL_EMPTY;
    m->mask = cap - 1;
    for (uint32_t i = 0; i <= old_mask; i++) {
        if (old[i].bucket == MODEL_EMPTY)
            continue;
        for (int h = 0; h < MG_MODEL_HEADS; h++)
            if (isnan(old[i].w[h]))
                old[i].w[h] = 0;
        m->slots[model_find(m, old[i].bucket)] = old[i];
    }
    mg_free(old);
}

int mg_model_parse(const char *file, const char *text, size_t len,
                   struct mg_model **out, struct mg_error *err)
{
    *out = NULL;
    struct parse p = {.file = file, .err = err, .m = mg_calloc(1, sizeof *p.m)};
    make_table(p.m, len);
    bool ok = true;
    size_t at = 0;
    while (ok && at < len) {
        const char *nl = memchr(text + at, '\n', len - at);
        size_t end = nl ? (size_t)(nl - text) : len;
        p.line++;
        if (memchr(text + at, '\0', end - at)) {
            ok = fail(&p, 1, "%s", "a NUL byte in a model file");
            break;
        }
        ok = split(&p, text + at, end - at) && (p.nwords == 0 || one_line(&p));
        at = end + 1;
    }
    if (ok && !p.seen_bias) {
        static const char *const need[] = {"modgate-model 1", "buckets", "features",
                                           "heads", "bias"};
        bool seen[] = {p.seen_version, p.seen_buckets, p.seen_features, p.seen_heads,
                       p.seen_bias};
        size_t i = 0;
        while (seen[i])
            i++;
        p.line = p.line ? p.line : 1;
        ok = fail(&p, 1, "the `%s` line is missing", need[i]);
    }
    if (!ok) {
        mg_model_free(p.m);
        return MG_EINVAL;
    }
    *out = p.m;
    settle(p.m);
    return MG_OK;
}

void mg_model_free(struct mg_model *m)
{
    if (!m)
        return;
    mg_free(m->slots);
    mg_free(m->dense);
    mg_free(m);
}

uint32_t mg_model_buckets(const struct mg_model *m)
{
    return m->buckets;
}

unsigned mg_model_families(const struct mg_model *m)
{
    return m->families;
}

bool mg_model_has_head(const struct mg_model *m, enum mg_model_head h)
{
    return h < MG_MODEL_HEADS && m->has_head[h];
}

size_t mg_model_weights(const struct mg_model *m)
{
    return m->nweights;
}
