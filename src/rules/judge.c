/* judge.c: one comment against a rule set. The text of each field a rule
 * reads (body, author_name) is normalized, looked up in the lexicon and
 * scanned by the detectors at most once, and only when some rule needs it;
 * then the rules run in order and their scores and actions make the
 * verdict. A named condition is likewise tested at most once per field,
 * however many rules use it. */
#include "modgate/rules.h"

#include <string.h>

#include "modgate/alloc.h"
#include "modgate/crypto.h"
#include "modgate/detect.h"
#include "modgate/model.h"
#include "modgate/normalize.h"
#include "modgate/text.h"
#include "modgate/unicode.h"
#include "src/rules/ruleset.h"

/* Where a list first matched in a field. */
struct list_hit {
    bool on;
    uint32_t start, end;
};

/* A named condition's result in one field, once tested. */
struct memo {
    bool done, yes, has_span;
    struct mg_span span;
};

#define MEMOS_INLINE 32

struct view {
    const char *text;
    size_t len;
    bool normalized, detected, looked_up;
    int norm_status, detect_status;
    struct mg_norm norm;
    struct mg_detect det;
    struct list_hit *hits;      /* per list */
    size_t *word_offsets;       /* byte offset of each word in norm.text */
    /* the text under NFKC_Casefold, for `regex` (fold_state: 0 not made
     * yet, 1 the same as text for a regex, 2 in folded) */
    int fold_state;
    char *folded;
    size_t folded_len;
    /* which prefilter strings each text a regex reads holds (enum scanned),
     * NULL until a regex with needed strings reads it */
    uint8_t *seen[3];
    struct memo *memos;         /* per named condition, NULL until one is used */
    struct memo *pattern_memos; /* per distinct regex (mg_rules.patterns) */
    /* memos for a set with few named conditions, so that judging one
     * costs no allocation (zeroed with the judgement) */
    struct memo few_memos[MEMOS_INLINE];
    struct mg_norm_known known; /* the rule set's words, for normalizing */
    bool modeled;               /* model_p is the model's scores */
    double model_p[MG_MODEL_HEADS];
};

struct judging {
    struct mg_rules *set;
    const struct mg_rules_input *in;
    struct view views[2]; /* FIELD_BODY, FIELD_AUTHOR_NAME */
    pcre2_match_data *md;
};

/* mg_norm_known's question, put to the rule set's lexicon. */
static bool knows_word(const void *lexicon, const char *form, size_t len)
{
    return lexicon_knows_word(lexicon, form, len);
}

static struct mg_norm *view_norm(struct view *v)
{
    if (!v->normalized) {
        v->normalized = true;
        v->norm_status = mg_normalize_with(
            v->text, v->len, v->known.knows ? &v->known : NULL, &v->norm);
    }
    return v->norm_status == MG_OK ? &v->norm : NULL;
}

static struct mg_detect *view_detect(struct view *v)
{
    if (!v->detected) {
        v->detected = true;
        v->detect_status = mg_detect(v->text, v->len, &v->det);
    }
    return v->detect_status == MG_OK ? &v->det : NULL;
}

static void hit(struct view *v, uint32_t list, uint32_t start, uint32_t end)
{
    struct list_hit *h = &v->hits[list];
    if (!h->on || start < h->start)
        *h = (struct list_hit){true, start, end};
}

static bool word_has_form(const struct mg_norm_word *w, const char *form)
{
    for (size_t f = 0; f < w->nforms; f++) /* the first byte: most differ there */
        if (w->form[f][0] == form[0] && strcmp(w->form[f], form) == 0)
            return true;
    return false;
}

/* Word w meets word k of an entry filed squeezed: by its squeezed form;
 * or, when it has no doubled letter, as written, if the entry's word had
 * none either ("my" of "my channel", not "of" of "fuck off"). */
static bool meets_squeezed(const struct mg_norm_word *w, const char *key,
                           const struct lex_entry *e, uint16_t k)
{
    if (w->squeezed >= 0)
        return strcmp(w->form[w->squeezed], key) == 0;
    return !(e->doubled >> k & 1) && word_has_form(w, key);
}

/* Entries found under a key for word i: whole words and phrases (whose
 * further words must follow), or wildcard entries of the wanted kind. For
 * the squeezed kinds, as_written says that word i has no doubled letter:
 * only an entry whose first word had none either is met so. */
static void take(struct view *v, const struct mg_norm *n, size_t i,
                 const struct lex_entry *e, enum lex_kind want, bool as_written)
{
    bool squeezed = want == LEX_SQUEEZED || want == LEX_SQUEEZED_PREFIX;
    for (; e; e = e->next) {
        if (e->kind != want || (as_written && (e->doubled & 1)))
            continue;
        if (e->nwords == 1) {
            hit(v, e->list, n->words[i].start, n->words[i].end);
            continue;
        }
        if (i + e->nwords > n->nwords)
            continue;
        bool all = true;
        for (uint16_t k = 1; k < e->nwords && all; k++) {
            const struct mg_norm_word *w = &n->words[i + k];
            all = squeezed ? meets_squeezed(w, e->rest[k - 1], e, k)
                           : word_has_form(w, e->rest[k - 1]);
        }
        if (all)
            hit(v, e->list, n->words[i].start, n->words[i + e->nwords - 1].end);
    }
}

static bool utf8_boundary(const char *s, size_t at)
{
    return ((unsigned char)s[at] & 0xc0) != 0x80;
}

/* How a form of a word may meet the entries filed squeezed. */
enum squeeze_match {
    SQUEEZE_NO,      /* a form of a word whose squeezed form is another */
    SQUEEZE_WRITTEN, /* a form of a word with no doubled letter */
    SQUEEZE_YES,     /* the word's squeezed form */
};

/* One form of word i against the lexicon: exact, then every prefix and
 * suffix length that some wildcard entry has. A squeezed form (letters
 * doubled cut to one) also meets the entries filed squeezed; a word with no
 * doubled letter meets those whose first word had none (take). */
static void look_up_form(struct view *v, const struct mg_norm *n, size_t i,
                         const struct lexicon *lx, const char *form, size_t len,
                         enum squeeze_match squeezed)
{
    bool as_written = squeezed == SQUEEZE_WRITTEN;
    const struct lex_entry *e = lexicon_find(lx, form, len);
    take(v, n, i, e, LEX_EXACT, false);
    if (squeezed != SQUEEZE_NO)
        take(v, n, i, e, LEX_SQUEEZED, as_written);
    const struct lex_entry *prefixed[64];
    lexicon_find_prefixes(lx, form, len, prefixed);
    for (uint64_t bits = lexicon_prefix_lengths(lx); bits; bits &= bits - 1) {
        size_t k = (size_t)__builtin_ctzll(bits);
        if (k <= len && (k == len || utf8_boundary(form, k))) {
            e = prefixed[k];
            take(v, n, i, e, LEX_PREFIX, false);
            if (squeezed != SQUEEZE_NO)
                take(v, n, i, e, LEX_SQUEEZED_PREFIX, as_written);
        }
    }
    for (uint64_t bits = lexicon_suffix_lengths(lx); bits; bits &= bits - 1) {
        size_t k = (size_t)__builtin_ctzll(bits);
        if (k <= len && utf8_boundary(form, len - k))
            take(v, n, i, lexicon_find(lx, form + len - k, k), LEX_SUFFIX, false);
    }
}

/* Every form of every word against the one lexicon: a lookup per form,
 * plus one per wildcard length that exists, whatever the lists hold. */
static void look_up(struct judging *j, struct view *v)
{
    if (v->looked_up)
        return;
    v->looked_up = true;
    v->hits = mg_calloc(j->set->nlists ? j->set->nlists : 1, sizeof *v->hits);
    const struct mg_norm *n = view_norm(v);
    if (!n)
        return;
    const struct lexicon *lx = j->set->lexicon;
    for (size_t i = 0; i < n->nwords; i++) {
        const struct mg_norm_word *w = &n->words[i];
        for (size_t f = 0; f < w->nforms; f++) {
            const char *form = w->form[f];
            size_t len = strlen(form);
            enum squeeze_match squeezed = w->squeezed < 0         ? SQUEEZE_WRITTEN
                                          : (int)f == w->squeezed ? SQUEEZE_YES
                                                                  : SQUEEZE_NO;
            look_up_form(v, n, i, lx, form, len, squeezed);
            /* "you are a f a g g o t": the spelled word took in the "a",
             * so it is looked up without it as well (wildcards included) */
            if (w->spelled && len > 1 && (form[0] == 'a' || form[0] == 'i'))
                look_up_form(v, n, i, lx, form + 1, len - 1, squeezed);
        }
    }
}

/* A host, or a domain above it, on list. */
static bool host_on_list(const struct lexicon *lx, const char *host, uint32_t list)
{
    for (const char *h = host; h; h = strchr(h, '.'), h = h ? h + 1 : NULL)
        for (const struct lex_entry *e = lexicon_find(lx, h, strlen(h)); e; e = e->next)
            if (e->kind == LEX_DOMAIN && e->list == list)
                return true;
    return false;
}

static bool on_any(const struct lexicon *lx, const char *host, const struct cond *c)
{
    for (size_t i = 0; i < c->nlists; i++)
        if (host_on_list(lx, host, c->lists[i]))
            return true;
    return false;
}

/* Code points in text[0..bytes). */
static uint32_t code_points(const char *text, size_t bytes)
{
    uint32_t n = 0;
    for (size_t i = 0; i < bytes; i++)
        n += utf8_boundary(text, i);
    return n;
}

/* v's text folded (mg_unicode_fold), or NULL when a regex would see the
 * same: folding would change nothing but case (patterns are
 * case-insensitive unless they say not), or the fold failed. */
static const char *view_folded(struct view *v, size_t *len)
{
    if (v->fold_state == 0) {
        v->fold_state = 1;
        /* case alone changes nothing for a case-insensitive pattern;
         * ASCII and ordinary Hangul are left as they are */
        if (mg_unicode_folds_beyond_case(v->text, v->len) &&
            mg_unicode_fold(v->text, v->len, &v->folded, &v->folded_len) == MG_OK)
            v->fold_state = 2;
    }
    *len = v->folded_len;
    return v->fold_state == 2 ? v->folded : NULL;
}

enum scanned { SCANNED_TEXT, SCANNED_NORMALIZED, SCANNED_FOLDED };

/* Whether text (the view's text of kind `which`) holds one of the strings
 * the regex cannot match without; the text is scanned once, for all the
 * set's regexes, at the first that asks. */
static bool may_match(struct judging *j, struct view *v, const struct cond *c,
                      enum scanned which, const char *text, size_t len)
{
    if (c->nneeds == 0 || j->set->prefilter_off)
        return true;
    if (!v->seen[which]) {
        v->seen[which] = mg_calloc(mg__prefilter_count(j->set->prefilter) / 8 + 1, 1);
        mg__prefilter_scan(j->set->prefilter, text, len, v->seen[which]);
    }
    for (size_t i = 0; i < c->nneeds; i++)
        if (mg__prefilter_seen(v->seen[which], c->needs[i]))
            return true;
    return false;
}

/* A `regex` is tried on the body as written, then, when it does not match
 * there, on the body folded: "𝐭𝐞𝐱𝐭 me", "ｔｅｘｔ me" and "t\u200bext me"
 * are "text me" to it, as they are to the word lists. A match in the
 * folded text has no span (its offsets are not the body's). */
static bool match_regex(struct judging *j, struct view *v, const struct cond *c,
                        struct mg_span *span, bool *has_span)
{
    *has_span = true;
    const char *text = v->text;
    size_t len = v->len;
    const struct mg_norm *n = NULL;
    if (c->kind == COND_NORMALIZED_REGEX) {
        n = view_norm(v);
        if (!n)
            return false;
        text = n->text;
        len = n->len;
    }
    int rc = !may_match(j, v, c, n ? SCANNED_NORMALIZED : SCANNED_TEXT, text, len)
                 ? PCRE2_ERROR_NOMATCH
                 : pcre2_match(c->re, (PCRE2_SPTR)text, len, 0,
                               PCRE2_NO_UTF_CHECK | j->set->match_options, j->md,
                               j->set->match_ctx);
    /* only a plain no-match is retried: a pattern that reached its match
     * limit would only spend it again */
    if (rc == PCRE2_ERROR_NOMATCH && !n) {
        size_t flen;
        const char *folded = view_folded(v, &flen);
        if (folded && may_match(j, v, c, SCANNED_FOLDED, folded, flen) &&
            pcre2_match(c->re, (PCRE2_SPTR)folded, flen, 0,
                                  PCRE2_NO_UTF_CHECK | j->set->match_options, j->md,
                                  j->set->match_ctx) >= 0) {
            *has_span = false;
            return true;
        }
    }
    if (rc < 0) /* no match, or a limit reached: no match either */
        return false;
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(j->md);
    if (!n) {
        span->start = code_points(text, ov[0]);
        span->end = span->start + code_points(text + ov[0], ov[1] - ov[0]);
        return true;
    }
    /* From the normalized text back to the words it came from. */
    if (!v->word_offsets) {
        v->word_offsets = mg_calloc(n->nwords + 1, sizeof *v->word_offsets);
        size_t at = 0;
        for (size_t i = 0; i < n->nwords; i++) {
            v->word_offsets[i] = at;
            at += strlen(n->words[i].form[0]) + 1;
        }
        v->word_offsets[n->nwords] = at;
    }
    size_t first = 0, last = 0;
    for (size_t i = 0; i < n->nwords; i++) {
        if (v->word_offsets[i + 1] <= ov[0])
            first = i + 1;
        if (v->word_offsets[i] < ov[1] || v->word_offsets[i] == ov[0])
            last = i;
    }
    if (n->nwords == 0 || first >= n->nwords) {
        span->start = span->end = 0;
        return true;
    }
    if (last < first)
        last = first;
    span->start = n->words[first].start;
    span->end = n->words[last].end;
    return true;
}

static bool test_cond(struct judging *j, struct view *v, const struct cond *c,
                      struct mg_span *span, bool *has_span);

/* The model's scores for v, made once, from the normalized text the word
 * lists see; NULL when the text did not normalize. */
static const double *view_model(struct judging *j, struct view *v)
{
    if (!v->modeled) {
        const struct mg_norm *n = view_norm(v);
        if (!n)
            return NULL;
        mg_model_score(j->set->model, n, v->model_p);
        v->modeled = true;
    }
    return v->model_p;
}

static bool test_model(struct judging *j, struct view *v, const struct cond *c)
{
    const double *p = j->set->model ? view_model(j, v) : NULL;
    if (!p)
        return false;
    double score = p[c->mask];
    switch ((enum model_op)c->op) {
    case OP_GE: return score >= c->number;
    case OP_GT: return score > c->number;
    case OP_LE: return score <= c->number;
    case OP_LT: return score < c->number;
    }
    return false;
}

static bool test_links(struct judging *j, struct view *v, const struct cond *c,
                       struct mg_span *span, bool *has_span)
{
    const struct mg_detect *d = view_detect(v);
    if (!d)
        return false;
    if (c->kind == COND_LINKS_AT_LEAST) {
        if (d->nlinks < (size_t)c->number)
            return false;
        *span = d->links[0].span;
        *has_span = true;
        return true;
    }
    for (size_t i = 0; i < d->nlinks; i++) {
        const struct mg_link *l = &d->links[i];
        bool yes = c->kind == COND_LINK_DOMAIN    ? on_any(j->set->lexicon, l->host, c)
                   : c->kind == COND_LINK_OUTSIDE ? !on_any(j->set->lexicon, l->host, c)
                                                  : (l->flags & c->mask) != 0;
        if (yes) {
            *span = l->span;
            *has_span = true;
            return true;
        }
    }
    return false;
}

static bool test_chars(struct judging *j, struct view *v, const struct cond *c,
                       struct mg_span *span, bool *has_span)
{
    (void)j;
    if (c->kind == COND_INVISIBLES) {
        const struct mg_norm *n = view_norm(v);
        return n && n->invisibles >= (size_t)c->number;
    }
    const struct mg_detect *d = view_detect(v);
    if (!d)
        return false;
    const struct mg_charstats *s = &d->stats;
    switch (c->kind) {
    case COND_CAPS_RATIO:
        return s->upper > 0 && s->letters >= c->min && s->caps_ratio > c->number;
    case COND_CHAR_RUN:
        if (s->longest_run < c->number)
            return false;
        *span = s->run_span;
        *has_span = true;
        return true;
    case COND_EMOJI_RATIO: return s->emoji_ratio > c->number;
    case COND_SYMBOL_RATIO: return s->symbol_ratio > c->number;
    case COND_COMBINING_MARKS:
        if (s->marks_per_base < c->number)
            return false;
        *span = s->marks_span;
        *has_span = true;
        return true;
    case COND_MIXED_SCRIPT:
        if (s->mixed_script_words < c->number)
            return false;
        *span = s->mixed_span;
        *has_span = true;
        return true;
    default: return false;
    }
}

/* Whether c holds for view v; where it points, when it points somewhere. */
static bool test_cond(struct judging *j, struct view *v, const struct cond *c,
                      struct mg_span *span, bool *has_span)
{
    switch (c->kind) {
    case COND_ALL:
        for (size_t i = 0; i < c->nkids; i++) {
            struct mg_span s;
            bool has = false;
            if (!test_cond(j, v, c->kids[i], &s, &has))
                return false;
            if (has && !*has_span) {
                *span = s;
                *has_span = true;
            }
        }
        return true;
    case COND_ANY:
        for (size_t i = 0; i < c->nkids; i++)
            if (test_cond(j, v, c->kids[i], span, has_span))
                return true;
        return false;
    case COND_NOT: {
        struct mg_span s;
        bool has = false;
        return !test_cond(j, v, c->kids[0], &s, &has);
    }
    case COND_WORDS:
        look_up(j, v);
        for (size_t i = 0; i < c->nlists; i++)
            if (v->hits[c->lists[i]].on) {
                span->start = v->hits[c->lists[i]].start;
                span->end = v->hits[c->lists[i]].end;
                *has_span = true;
                return true;
            }
        return false;
    case COND_REGEX:
    case COND_NORMALIZED_REGEX: {
        /* a pattern several rules share is matched once a comment */
        if (!v->pattern_memos)
            v->pattern_memos = mg_calloc(j->set->npatterns, sizeof *v->pattern_memos);
        struct memo *m = &v->pattern_memos[c->pattern];
        if (!m->done) {
            m->done = true;
            m->yes = match_regex(j, v, c, &m->span, &m->has_span);
        }
        *span = m->span;
        *has_span = m->has_span;
        return m->yes;
    }
    case COND_LINKS_AT_LEAST:
    case COND_LINK_DOMAIN:
    case COND_LINK_OUTSIDE:
    case COND_LINK_FLAG:
        return test_links(j, v, c, span, has_span);
    case COND_CONTACT: {
        const struct mg_detect *d = view_detect(v);
        for (size_t i = 0; d && i < d->ncontacts; i++)
            if (contact_bit_of(d->contacts[i].what) & c->mask) {
                *span = d->contacts[i].span;
                *has_span = true;
                return true;
            }
        return false;
    }
    case COND_CAPS_RATIO:
    case COND_CHAR_RUN:
    case COND_EMOJI_RATIO:
    case COND_SYMBOL_RATIO:
    case COND_COMBINING_MARKS:
    case COND_MIXED_SCRIPT:
    case COND_INVISIBLES:
        return test_chars(j, v, c, span, has_span);
    case COND_ACCOUNT_AGE:
        return j->in->has_author_created_at &&
               (double)(j->in->now_ms - j->in->author_created_at_ms) < c->number;
    case COND_NAMED: {
        /* Tested once per field: the rules sharing it (a scam lure used by
         * thirty rules) do not run its regexes again. Its span is its own
         * first matching test's, as if written inline. */
        if (!v->memos)
            v->memos = j->set->nconds <= MEMOS_INLINE
                           ? v->few_memos
                           : mg_calloc(j->set->nconds, sizeof *v->memos);
        struct memo *m = &v->memos[c->named];
        if (!m->done) {
            m->done = true;
            m->yes = test_cond(j, v, j->set->conds[c->named].when, &m->span, &m->has_span);
        }
        if (m->yes && m->has_span) {
            *span = m->span;
            *has_span = true;
        }
        return m->yes;
    }
    case COND_MODEL:
        return test_model(j, v, c);
    case COND_AUTHOR_IN:
        for (size_t i = 0; i < c->nlists && j->in->author_id; i++)
            for (const struct lex_entry *e =
                     lexicon_find(j->set->lexicon, j->in->author_id,
                                  strlen(j->in->author_id));
                 e; e = e->next)
                if (e->kind == LEX_ID && e->list == c->lists[i])
                    return true;
        return false;
    }
    return false;
}

static void view_close(struct view *v)
{
    if (v->normalized && v->norm_status == MG_OK)
        mg_norm_close(&v->norm);
    if (v->detected && v->detect_status == MG_OK)
        mg_detect_close(&v->det);
    mg_free(v->hits);
    mg_free(v->word_offsets);
    mg_free(v->folded);
    for (size_t i = 0; i < sizeof v->seen / sizeof v->seen[0]; i++)
        mg_free(v->seen[i]);
    if (v->memos != v->few_memos)
        mg_free(v->memos);
    mg_free(v->pattern_memos);
}

/* What the model said of a comment, per head a rule tests: the score and
 * the features that pushed it most, with spans into the body where
 * has_span. */
static json_t *model_json(struct judging *j, struct view *v, unsigned heads,
                          bool has_span)
{
    json_t *all = json_array();
    const struct mg_norm *n = view_norm(v);
    const double *p = view_model(j, v);
    for (int h = 0; n && p && h < MG_MODEL_HEADS; h++) {
        if (!(heads >> h & 1))
            continue;
        struct mg_model_reason why[3];
        size_t k = mg_model_explain(j->set->model, n, (enum mg_model_head)h, why, 3);
        json_t *features = json_array();
        for (size_t i = 0; i < k; i++)
            json_array_append_new(
                features,
                json_pack("{s:s, s:f, s:o}", "feature", why[i].feature, "weight",
                          why[i].weight, "span",
                          has_span ? json_pack("[II]", (json_int_t)why[i].start,
                                               (json_int_t)why[i].end)
                                   : json_null()));
        json_array_append_new(all, json_pack("{s:s, s:f, s:o}", "head",
                                             mg_model_head_name((enum mg_model_head)h),
                                             "score", p[h], "features", features));
    }
    return all;
}

static json_t *match_json(const struct rule *r, double score, bool has_span,
                          struct mg_span span)
{
    json_t *m = json_object();
    json_object_set_new(m, "rule", json_string(r->id));
    json_object_set_new(m, "score", json_real(score));
    json_object_set_new(m, "action", r->action >= 0
                                         ? json_string(mg_action_name((enum mg_action)r->action))
                                         : json_null());
    json_object_set_new(m, "reason", json_string(r->reason));
    json_object_set_new(m, "span", has_span ? json_pack("[II]", (json_int_t)span.start,
                                                        (json_int_t)span.end)
                                            : json_null());
    return m;
}

int mg_rules_judge(struct mg_rules *rules, const struct mg_rules_input *in,
                   struct mg_verdict *out, char **normalized)
{
    memset(out, 0, sizeof *out);
    /* PCRE2 runs with PCRE2_NO_UTF_CHECK and ICU assumes UTF-8: check once
     * here (the submission parser already has, so this never fails there) */
    if (mg_text_check_utf8("body", in->body, in->body_len, NULL) != MG_OK ||
        (in->author_name && mg_text_check_utf8("author_name", in->author_name,
                                               strlen(in->author_name), NULL) != MG_OK))
        return MG_EINVAL;
    out->action = MG_ACTION_PUBLISH;
    out->matches = json_array();
    struct judging j = {.set = rules, .in = in};
    j.views[FIELD_BODY].text = in->body;
    j.views[FIELD_BODY].len = in->body_len;
    j.views[FIELD_AUTHOR_NAME].text = in->author_name ? in->author_name : "";
    j.views[FIELD_AUTHOR_NAME].len = in->author_name ? strlen(in->author_name) : 0;
    for (size_t i = 0; rules && i < 2; i++)
        j.views[i].known = (struct mg_norm_known){knows_word, rules->lexicon};
    if (normalized) {
        *normalized = NULL;
        struct mg_norm *n = view_norm(&j.views[FIELD_BODY]);
        if (!n) {
            mg_verdict_close(out);
            return MG_EINVAL;
        }
        *normalized = mg_strdup(n->text);
    }
    if (!rules) {
        snprintf(out->rules_version, sizeof out->rules_version, "%s", MG_RULES_EMPTY_VERSION);
        view_close(&j.views[FIELD_BODY]);
        return MG_OK;
    }
    /* the whole array, its NUL in it: no snprintf on every submission */
    _Static_assert(sizeof out->rules_version == sizeof rules->version, "one size");
    memcpy(out->rules_version, rules->version, sizeof out->rules_version);
    j.md = pcre2_match_data_create(1, NULL);
    bool exempt = false, reject = false, hold = false, scored = false;
    double model_added = 0; /* by rules that test the model: capped */
    for (size_t i = 0; i < rules->nrules; i++) {
        const struct rule *r = &rules->rules[i];
        if (r->field == FIELD_AUTHOR_NAME && !in->author_name)
            continue;
        struct mg_span span = {0, 0};
        bool has_span = false;
        if (!test_cond(&j, &j.views[r->field], r->when, &span, &has_span))
            continue;
        rules->hits[i]++;
        double score = r->score;
        if (r->model_heads) { /* their scores are >= 0 (load_rule.c) */
            double room = rules->model_weight - model_added;
            score = score < room ? score : room > 0 ? room : 0;
            model_added += score;
        }
        out->score += score;
        scored |= score > 0;
        exempt |= r->action == MG_ACTION_PUBLISH;
        reject |= r->action == MG_ACTION_REJECT;
        hold |= r->action == MG_ACTION_HOLD;
        /* a span into the author's name would point into the wrong text */
        bool body = r->field == FIELD_BODY;
        json_t *m = match_json(r, score, has_span && body, span);
        if (r->model_heads)
            json_object_set_new(m, "model",
                                model_json(&j, &j.views[r->field], r->model_heads, body));
        json_array_append_new(out->matches, m);
    }
    /* What the history rules (decided in Redis) need: the normalized body
     * to recognise copies by, and whether the comment looks suspect. */
    if (rules->has_history) {
        struct view *body = &j.views[FIELD_BODY];
        const struct mg_norm *n = view_norm(body);
        uint8_t digest[32];
        mg_crypto_sha256(n ? n->text : "", n ? n->len : 0, digest);
        mg_crypto_hex(digest, 16, out->body_digest);
        out->body_chars = n ? code_points(n->text, n->len) : 0;
        const struct mg_rules_history *h = &rules->history;
        out->history = (struct mg_verdict_history){
            .on = true,
            .duplicate_short = h->duplicate_window_ms > 0 &&
                               out->body_chars < h->duplicate_min_chars,
            .campaign_short = h->campaign_window_ms > 0 &&
                              out->body_chars < h->campaign_min_chars,
            .campaign_authors = h->campaign_authors,
            .new_commenter_below = h->new_commenter_below,
            .established_published = h->established_published,
            .established_clean_ms = h->established_clean_ms,
        };
        if (!out->history.duplicate_short)
            out->history.duplicate_window_ms = h->duplicate_window_ms;
        if (!out->history.campaign_short)
            out->history.campaign_window_ms = h->campaign_window_ms;
        if (h->new_commenter_has_min_score) {
            out->suspect = out->score >= h->new_commenter_min_score;
        } else {
            /* the links are found only for this older rule */
            const struct mg_detect *d = view_detect(body);
            out->suspect = scored || (d && d->nlinks > 0);
        }
    }
    /* An exemption wins; then a forced or scored reject; then a hold. */
    if (exempt)
        out->action = MG_ACTION_PUBLISH;
    else if (reject || out->score >= rules->reject_at)
        out->action = MG_ACTION_REJECT;
    else if (hold || out->score >= rules->hold_at)
        out->action = MG_ACTION_HOLD;
    pcre2_match_data_free(j.md);
    view_close(&j.views[FIELD_BODY]);
    view_close(&j.views[FIELD_AUTHOR_NAME]);
    return MG_OK;
}

/* rules.h: the features of text as the judge computes them. */
/* text normalized as judging does it (with the set's word lists). */
static int normalize_as_judged(const struct mg_rules *rules, const char *text, size_t len,
                               struct mg_norm *n)
{
    if (!rules->model)
        return MG_ENOENT;
    if (mg_text_check_utf8("text", text, len, NULL) != MG_OK)
        return MG_EINVAL;
    struct mg_norm_known known = {knows_word, rules->lexicon};
    return mg_normalize_with(text, len, &known, n);
}

int mg_rules_model_features(const struct mg_rules *rules, const char *text, size_t len,
                            mg_model_feature_fn fn, void *ctx)
{
    struct mg_norm n;
    int rc = normalize_as_judged(rules, text, len, &n);
    if (rc != MG_OK)
        return rc;
    mg_model_features_of(&n, mg_model_buckets(rules->model),
                         mg_model_families(rules->model), fn, ctx);
    mg_norm_close(&n);
    return MG_OK;
}

int mg_rules_model_scores(const struct mg_rules *rules, const char *text, size_t len,
                          double p[MG_MODEL_HEADS])
{
    struct mg_norm n;
    int rc = normalize_as_judged(rules, text, len, &n);
    if (rc != MG_OK)
        return rc;
    mg_model_score(rules->model, &n, p);
    mg_norm_close(&n);
    return MG_OK;
}

const struct mg_model *mg_rules_model(const struct mg_rules *rules)
{
    return rules ? rules->model : NULL;
}

const char *mg_rules_model_file(const struct mg_rules *rules)
{
    return rules && rules->model ? rules->model_file : NULL;
}
