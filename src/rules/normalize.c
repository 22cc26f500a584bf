/* normalize.c: the entry points of normalize.h (which has the pipeline;
 * mg_norm_squeeze is with the forms): the comment decoded, steps 1-4
 * (normalize_text.c), then its words (normalize_words.c), their forms
 * (normalize_forms.c) and the readings of a text in leet or stretched
 * (normalize_leet.c, normalize_stretch.c) put together into a struct
 * mg_norm. normalize_internal.h lists the files. */
#include "modgate/normalize.h"

#include <string.h>

#include <unicode/utf8.h>

#include "modgate/alloc.h"
#include "modgate/text.h"
#include "src/rules/normalize_internal.h"

/* Points out's words at their forms (offsets offs into the arena arena,
 * which out then owns) and joins their first forms into out's text. */
static void join_forms(struct mg_norm *out, char *arena, const size_t *offs)
{
    size_t text_len = 0;
    for (size_t i = 0; i < out->nwords; i++)
        text_len += strlen(arena + offs[i * MG_NORM_MAX_FORMS]) + 1;
    out->text = mg_malloc(text_len + 1);
    for (size_t i = 0; i < out->nwords; i++) {
        struct mg_norm_word *word = &out->words[i];
        for (size_t f = 0; f < word->nforms; f++)
            word->form[f] = arena + offs[i * MG_NORM_MAX_FORMS + f];
        size_t n = strlen(word->form[0]);
        if (i > 0)
            out->text[out->len++] = ' ';
        memcpy(out->text + out->len, word->form[0], n);
        out->len += n;
    }
    out->text[out->len] = '\0';
    out->arena = arena;
}

/* Step 5 on: the words, their forms and the text from the normalized
 * text. */
static int make_words(const struct ntext *t, const struct mg_norm_known *known,
                      struct mg_norm *out)
{
    struct tok *k;
    struct word *w;
    size_t nk, nw;
    int rc = mg__find_words(t, &k, &nk, &w, &nw);
    if (rc != MG_OK)
        return rc;

    struct arena a = {NULL, 0, t->len * 2 + 64};
    a.p = mg_malloc(a.cap);
    nw = mg__cut_one_letter_words(&a, t, k, w, nw, nk, known);
    size_t *offs = mg_malloc((nw + 1) * MG_NORM_MAX_FORMS * sizeof *offs);
    struct leet_count leet = {0, 0, 0};
    size_t twice = 0; /* words with a doubled letter: maybe stretched */
    out->words = mg_calloc(nw + 1, sizeof *out->words);
    for (size_t i = 0; i < nw; i++) {
        struct mg_norm_word *nw_ = &out->words[out->nwords];
        size_t *forms = offs + out->nwords * MG_NORM_MAX_FORMS;
        struct traits tp;
        nw_->nforms =
            mg__put_forms(&a, t, k, &w[i], forms, &nw_->squeezed, &tp);
        if (nw_->nforms == 0)
            continue;
        if (w[i].whole_first != w[i].first || w[i].whole_last != w[i].last) {
            /* a cut run keeps its whole reading ("diot" has "idiot") */
            struct word whole = {w[i].whole_first, w[i].whole_last,
                                 w[i].whole_first, w[i].whole_last};
            struct traits tw;
            mg__keep_form(&a, forms, &nw_->nforms,
                          mg__put_reading(&a, t, k, &whole, PLAIN, &tw));
        }
        mg__leet_count_add(&leet, &tp, a.p + forms[0]);
        twice += tp.letter && (tp.twice || tp.run);
        nw_->start = t->from[k[w[i].first].s];
        nw_->end = t->to[k[w[i].last].e - 1];
        nw_->spelled = w[i].last > w[i].first;
        out->nwords++;
    }
    mg__show_leet(&a, &leet, t, k, w, nw, out, offs);
    mg__show_stretched(&a, out, offs, twice, known);
    mg_free(w);
    mg_free(k);

    join_forms(out, a.p, offs);
    mg_free(offs);
    return MG_OK;
}

int mg_normalize(const char *utf8, size_t len, struct mg_norm *out)
{
    return mg_normalize_with(utf8, len, NULL, out);
}

int mg_normalize_with(const char *utf8, size_t len,
                      const struct mg_norm_known *known, struct mg_norm *out)
{
    memset(out, 0, sizeof *out);
    if (!mg__norm_ready())
        return MG_EIO;
    /* Validates and decodes in one pass. */
    const uint8_t *s = (const uint8_t *)utf8;
    UChar32 *cps = mg_malloc((len + 1) * sizeof *cps);
    size_t ncp = 0;
    for (size_t i = 0; i < len; ncp++) {
        if (s[i] < 0x80) {
            cps[ncp] = s[i++];
            continue;
        }
        if (mg_utf8_seq_len(s + i, len - i) == 0) {
            mg_free(cps);
            return MG_EINVAL;
        }
        U8_NEXT_UNSAFE(s, i, cps[ncp]);
    }
    if (ncp > UINT32_MAX) {
        mg_free(cps);
        return MG_ETOOBIG; /* spans are uint32_t */
    }
    struct ntext t = {0};
    mg__norm_text(cps, ncp, &t);
    mg_free(cps);
    out->invisibles = t.invisibles;
    int rc = make_words(&t, known, out);
    mg__ntext_close(&t);
    if (rc != MG_OK)
        mg_norm_close(out);
    return rc;
}

void mg_norm_close(struct mg_norm *n)
{
    if (!n)
        return;
    mg_free(n->text);
    mg_free(n->words);
    mg_free(n->arena);
    memset(n, 0, sizeof *n);
}

char *mg_normalize_entry(const char *utf8, size_t len)
{
    struct mg_norm n;
    if (mg_normalize(utf8, len, &n) != MG_OK)
        return NULL;
    char *entry = NULL;
    if (n.nwords > 0) {
        entry = n.text; /* exactly the plain forms joined by spaces */
        n.text = NULL;
    }
    mg_norm_close(&n);
    return entry;
}
