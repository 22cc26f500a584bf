/* normalize_leet.c: a text written in leet (normalize.h): which words are
 * in leet, whether the text as a whole is, and then its words' leet
 * readings shown first. */
#include <stdbool.h>
#include <string.h>

#include "src/rules/normalize_internal.h"

/* How a word takes part in the text's leet reading. */
enum leet_kind {
    LK_NONE,
    LK_MIXED,  /* Latin letters with leet characters: "fr33", "g7" */
    LK_INSIDE, /* of which one inside, between letters: "k1ll", "b2b" */
    LK_DIGITS, /* one or two of 0 1 3 4 5 7 alone: "1" (I), "70" (to) */
};

static enum leet_kind leet_kind_of(const struct traits *tp, const char *plain)
{
    if (!tp->letter) {
        size_t n = strlen(plain);
        if (n == 0 || n > 2)
            return LK_NONE;
        for (size_t i = 0; i < n; i++)
            if (!strchr("013457", plain[i]))
                return LK_NONE;
        return LK_DIGITS;
    }
    if (!tp->leet || tp->other)
        return LK_NONE;
    return tp->inside ? LK_INSIDE : LK_MIXED;
}

void mg__leet_count_add(struct leet_count *c, const struct traits *tp,
                        const char *plain)
{
    enum leet_kind kind = leet_kind_of(tp, plain);
    c->mixed += kind == LK_MIXED || kind == LK_INSIDE;
    c->inside += kind == LK_INSIDE;
    c->words += tp->letter;
}

/* Whether the text as a whole is written in leetspeak: at least two words
 * mix Latin letters with leet characters, one of them between letters
 * ("k1ll"), two such or a third mixed word besides, and they are at least
 * half of the words with a letter. Ordinary text has a few such words
 * ("G7", "covid19", "mp3", "B2B") among many plain ones; a text in leet has
 * them nearly everywhere. */
static bool reads_leet(const struct leet_count *c)
{
    return c->inside >= 1 && c->mixed >= 2 &&
           (c->inside >= 2 || c->mixed >= 3) && c->mixed * 2 >= c->words;
}

/* In a text written in leet (reads_leet), the words in leet show their leet
 * reading in the text (for normalized_regex): their first two forms trade
 * places, so the forms a list meets stay the same; a lone "1" or "70" gets its
 * leet reading as a first form. Words are read again (rare: leet texts only) to
 * know which they are; out's words are those of w with a plain form. */
void mg__show_leet(struct arena *a, const struct leet_count *c,
                   const struct ntext *t, const struct tok *k,
                   const struct word *w, size_t nw, struct mg_norm *out,
                   size_t *offs)
{
    if (!reads_leet(c))
        return;
    size_t o = 0;
    for (size_t i = 0; i < nw && o < out->nwords; i++) {
        struct traits tp;
        size_t mark = a->len;
        size_t plain = mg__put_reading(a, t, k, &w[i], PLAIN, &tp);
        enum leet_kind kind = leet_kind_of(&tp, a->p + plain);
        a->len = mark;
        if (tp.len == 0)
            continue; /* no word in out */
        struct mg_norm_word *nw_ = &out->words[o];
        size_t *forms = offs + o * MG_NORM_MAX_FORMS;
        o++;
        if (kind == LK_MIXED || kind == LK_INSIDE) {
            size_t first = forms[0];
            forms[0] = forms[1];
            forms[1] = first;
            if (nw_->squeezed == 0 || nw_->squeezed == 1)
                nw_->squeezed = (int8_t)(1 - nw_->squeezed);
        } else if (kind == LK_DIGITS) {
            struct traits tl;
            forms[1] = forms[0];
            forms[0] = mg__put_reading(a, t, k, &w[i], LEET_I, &tl);
            nw_->nforms = 2;
        }
    }
}
