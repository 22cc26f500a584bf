/* normalize_words.c: step 5 of normalize.h, the words: the segments of
 * the normalized text (UAX #29, through wordbreak.h where it can), tokens
 * with the leet symbols written against them, runs of spelled-out letters
 * joined into one word, and the one-letter words cut off their ends. */
#include <stdbool.h>
#include <string.h>

#include <unicode/ubrk.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/utf16.h>

#include "modgate/alloc.h"
#include "src/rules/normalize_internal.h"
#include "src/rules/wordbreak.h"

/* ICU takes int32_t lengths: the word break iterator sees the text in
 * windows of at most this many UTF-16 units, cut after a white space found
 * in the last WINDOW_SLACK units when there is one. Only a run of more than
 * WINDOW_SLACK units without one can be split into two words. */
#define WINDOW_MAX   (1 << 20)
#define WINDOW_SLACK 4096

/* Leet symbols run against a word (before, inside, after) are part of it up
 * to this many in a row: "a$$hole", not "you!!!!!idiot". */
#define LEET_RUN_MAX 3

/* A leet character that is not a digit: it is punctuation or a symbol to
 * the word breaker, so it is attached to words here. */
static bool is_leet_symbol(UChar32 c)
{
    return leet_of(c, false) && !(c >= '0' && c <= '9');
}

/* Leet symbols that may end a word ("a$$"); "hello!" keeps its "!" out. */
static bool may_end_word(UChar32 c)
{
    return c == '$' || c == EURO;
}

/* A stretch of the normalized text the word break iterator returned, or a
 * run of leet symbols it left out. */
enum seg_kind {
    SEG_WORD,     /* letters and digits, status LETTER or NUMBER */
    SEG_WORD_CJK, /* kana and ideographs: no leet symbols attach */
    SEG_LEET,     /* one leet symbol */
};

struct seg {
    size_t s, e; /* UTF-16 units of the normalized text */
    enum seg_kind kind;
};

struct segs {
    struct seg *v;
    size_t n, cap;
};

static void segs_put(struct segs *a, size_t s, size_t e, enum seg_kind kind)
{
    if (a->n == a->cap) {
        a->cap = a->cap * 2 + 32;
        a->v = mg_realloc(a->v, a->cap * sizeof *a->v);
    }
    a->v[a->n++] = (struct seg){s, e, kind};
}

/* Where the next window ends, for one starting at w0. */
static size_t window_end(const struct ntext *t, size_t w0)
{
    if (t->len - w0 <= WINDOW_MAX)
        return t->len;
    size_t end = w0 + WINDOW_MAX;
    for (size_t p = end; p > end - WINDOW_SLACK; p--)
        if (u_isUWhiteSpace(t->u[p - 1]))
            return p;
    return U16_IS_TRAIL(t->u[end]) ? end - 1 : end;
}

/* One segment [s, e) of the text: a word, or the leet symbols in it. */
static void put_segment(const struct ntext *t, struct segs *out, size_t s,
                        size_t e, int32_t status)
{
    if (status >= UBRK_WORD_KANA)
        segs_put(out, s, e, SEG_WORD_CJK);
    else if (status >= UBRK_WORD_NUMBER)
        segs_put(out, s, e, SEG_WORD);
    else
        for (size_t i = s; i < e; i++)
            if (is_leet_symbol(t->u[i]))
                segs_put(out, i, i + 1, SEG_LEET);
}

/* Step 5: the words and the leet symbols of the text, in order. A window
 * of ASCII and Hangul is segmented without ICU (wordbreak.h), to the same
 * result. */
static int find_segments(const struct ntext *t, struct segs *out)
{
    if (t->len == 0)
        return MG_OK;
    UBreakIterator *bi = NULL;
    for (size_t w0 = 0; w0 < t->len;) {
        size_t w1 = window_end(t, w0);
        const uint16_t *u = (const uint16_t *)t->u + w0;
        if (mg__simple_only(u, w1 - w0)) {
            for (size_t s = 0; s < w1 - w0;) {
                bool word;
                size_t e = mg__simple_next_break(u, w1 - w0, s, &word);
                put_segment(t, out, w0 + s, w0 + e,
                            word ? UBRK_WORD_LETTER : UBRK_WORD_NONE);
                s = e;
            }
            w0 = w1;
            continue;
        }
        if (!bi && !(bi = mg__norm_word_iterator()))
            return MG_EIO;
        UErrorCode st = U_ZERO_ERROR;
        ubrk_setText(bi, t->u + w0, (int32_t)(w1 - w0), &st);
        if (U_FAILURE(st))
            return MG_EIO;
        size_t prev = w0;
        for (int32_t b = ubrk_next(bi); b != UBRK_DONE; b = ubrk_next(bi)) {
            put_segment(t, out, prev, w0 + (size_t)b, ubrk_getRuleStatus(bi));
            prev = w0 + (size_t)b;
        }
        w0 = w1;
    }
    if (bi) {
        /* Leave no pointer to the text behind in the cached iterator. */
        UErrorCode st = U_ZERO_ERROR;
        static const UChar empty[1] = {0};
        ubrk_setText(bi, empty, 0, &st);
    }
    return MG_OK;
}

/* The end of the run of leet symbols that starts at segment i if it is
 * written right at text position at (else i); *attach when it is short
 * enough to belong to a word. */
static size_t leet_run(const struct seg *v, size_t n, size_t i, size_t at,
                       bool *attach)
{
    size_t j = i;
    for (; j < n && v[j].kind == SEG_LEET && v[j].s == at; j++)
        at = v[j].e;
    *attach = j > i && j - i <= LEET_RUN_MAX;
    return j;
}

static bool word_at(const struct seg *v, size_t n, size_t j, size_t at)
{
    return j < n && v[j].kind == SEG_WORD && v[j].s == at;
}

/* Tokens from segments: a SEG_WORD_CJK alone; a SEG_WORD with the leet
 * symbols written against it: before it ("$hit", "@ss"), between it and
 * the next ("sh!t") and, for "$" and "€", after it ("a$$"). Other leet
 * symbols after a word are punctuation ("hello!", the "!" of "a$$!"). */
static size_t find_tokens(const struct ntext *t, const struct segs *a,
                          struct tok *v)
{
    const struct seg *sg = a->v;
    size_t n = 0;
    bool attach;
    for (size_t i = 0; i < a->n;) {
        if (sg[i].kind == SEG_WORD_CJK) {
            v[n++] = (struct tok){sg[i].s, sg[i].e};
            i++;
            continue;
        }
        size_t start = sg[i].s;
        if (sg[i].kind == SEG_LEET) {
            size_t j = leet_run(sg, a->n, i, sg[i].s, &attach);
            if (!attach || !word_at(sg, a->n, j, sg[j - 1].e)) {
                i = j; /* not against a word: punctuation */
                continue;
            }
            i = j;
        }
        size_t end = sg[i].e;
        i++;
        for (;;) {
            size_t j = leet_run(sg, a->n, i, end, &attach);
            if (!attach)
                break;
            if (word_at(sg, a->n, j, sg[j - 1].e)) {
                end = sg[j].e;
                i = j + 1;
                continue;
            }
            while (i < j && may_end_word(t->u[sg[i].s]))
                end = sg[i++].e; /* "a$$", "a$$!" */
            break;
        }
        v[n++] = (struct tok){start, end};
    }
    return n;
}

/* What may stand between spelled-out letters: white space, punctuation
 * (". - _ * ' ,"...) and symbols other than pictographs ("~ ^ = |"). */
static bool is_separator(UChar32 c)
{
    return u_isUWhiteSpace(c) ||
           (U_GET_GC_MASK(c) &
            (U_GC_P_MASK | U_GC_SM_MASK | U_GC_SK_MASK | U_GC_SC_MASK));
}

static bool separates(const struct ntext *t, size_t s, size_t e)
{
    if (s >= e)
        return false; /* "我是你": adjacent words are not spelled out */
    for (size_t i = s; i < e;) {
        UChar32 c;
        U16_NEXT(t->u, i, e, c);
        if (!is_separator(c))
            return false;
    }
    return true;
}

/* White space characters between s and e, counted up to 2: how wide a gap
 * between spelled-out letters is. */
static unsigned gap_width(const struct ntext *t, size_t s, size_t e)
{
    unsigned n = 0;
    for (size_t i = s; i < e && n < 2;) {
        UChar32 c;
        U16_NEXT(t->u, i, e, c);
        if (u_isUWhiteSpace(c))
            n++;
    }
    return n;
}

/* A token as letters spelled out one by one: "f", "n.e.y" (the word break
 * iterator keeps letters joined by dots, apostrophes or underscores as
 * one word). */
struct spelled {
    size_t bases;       /* letters and digits, each alone; 0 when not so */
    size_t letters;     /* of which letters */
    UScriptCode script; /* of the first letter; COMMON when none */
};

static struct spelled spelled_of(const struct ntext *t, const struct tok *k)
{
    struct spelled sp = {0, 0, USCRIPT_COMMON};
    bool apart = true; /* a separator since the last base */
    UChar32 first = 0;
    for (size_t i = k->s; i < k->e;) {
        UChar32 c;
        U16_NEXT(t->u, i, k->e, c);
        unsigned cl = class_of(c);
        if (cl & (C_LETTER | C_DIGIT)) {
            if (!apart)
                return (struct spelled){0, 0, USCRIPT_COMMON};
            if ((cl & C_LETTER) && sp.letters++ == 0)
                first = c;
            sp.bases++;
            apart = false;
        } else if (!(cl & C_MARK)) {
            apart = apart || is_separator(c);
        }
    }
    if (sp.letters)
        sp.script = mg__script_of(first);
    return sp;
}

/* Joins every run of tokens that spell out 3+ letters or digits (2 Hangul
 * syllables), at least two of them letters, all of one script, one by one
 * with separators between ("f u c k", "씨 발", "s h 1 t", "m.0.n.e.y"; not
 * "1 2 3", and "f u c k 씨 발 놈" is two words). */
static size_t join_spelled(const struct ntext *t, const struct tok *k,
                           size_t nk, struct word *w)
{
    size_t n = 0;
    for (size_t i = 0; i < nk;) {
        size_t j = i, bases = 0, letters = 0, prev_bases = 0;
        unsigned gap = 0; /* the run's gap between letters */
        UScriptCode script = USCRIPT_COMMON;
        for (; j < nk; j++) {
            struct spelled sp = spelled_of(t, &k[j]);
            if (sp.bases == 0 || (j > i && !separates(t, k[j - 1].e, k[j].s)))
                break;
            /* A wider gap than the letters have ends a word: "f u c k   y o
             * u" is two words, and so is "s.t.u.p.i.d i.d.e.a", whose
             * letters are joined by dots and its words by a space. A
             * narrower gap after the first letter means that letter was a
             * word of its own: "a   m o r o n" is "a" and "moron". */
            if (j > i) {
                unsigned width = gap_width(t, k[j - 1].e, k[j].s);
                bool wider =
                    j == i + 1 ? prev_bases > 1 || sp.bases > 1 : width > gap;
                if (wider && width > 0)
                    break;
                if (j == i + 2 && width < gap) {
                    j = i + 1;
                    break;
                }
                if (j == i + 1)
                    gap = width;
            }
            prev_bases = sp.bases;
            if (sp.letters && letters && sp.script != script)
                break;
            if (sp.letters && !letters)
                script = sp.script;
            bases += sp.bases;
            letters += sp.letters;
        }
        /* Korean swears are mostly two syllables ("씨 발", "병 신"): two
         * spelled-out Hangul syllables join too. */
        bool hangul = letters && script == USCRIPT_HANGUL;
        if (j - i >= 2 && (bases >= 3 || hangul) && letters >= 2) {
            w[n++] = (struct word){i, j - 1, i, j - 1};
        } else {
            /* No part of a run that cannot be joined can be: go past it. */
            j = j > i ? j : i + 1;
            for (; i < j; i++)
                w[n++] = (struct word){i, i, i, i};
        }
        i = j;
    }
    return n;
}

int mg__find_words(const struct ntext *t, struct tok **k, size_t *nk,
                   struct word **w, size_t *nw)
{
    /* Sized for the usual text so that they seldom grow. */
    struct segs sg = {NULL, 0, t->len / 4 + 16};
    sg.v = mg_malloc(sg.cap * sizeof *sg.v);
    int rc = find_segments(t, &sg);
    if (rc != MG_OK) {
        mg_free(sg.v);
        return rc;
    }
    *k = mg_malloc((sg.n + 1) * sizeof **k);
    *nk = find_tokens(t, &sg, *k);
    mg_free(sg.v);
    *w = mg_malloc((*nk + 1) * sizeof **w);
    *nw = join_spelled(t, *k, *nk, *w);
    return MG_OK;
}

/* A token that is one of the one-letter words of English (text-speak "u"
 * for "you" included), which a run of spelled letters may have taken in. */
static bool one_letter_word(const struct ntext *t, const struct tok *k)
{
    UChar c = t->u[k->s];
    return k->e - k->s == 1 && (c == 'a' || c == 'i' || c == 'u');
}

/* Letters and digits spelled out in tokens first..last. */
static size_t bases_of(const struct ntext *t, const struct tok *k, size_t first,
                       size_t last)
{
    size_t n = 0;
    for (size_t i = first; i <= last; i++)
        n += spelled_of(t, &k[i]).bases;
    return n;
}

/* Whether some form of tokens first..last read as one word is a word the
 * lists know; the arena is as before. */
static bool is_known(struct arena *a, const struct ntext *t,
                     const struct tok *k, size_t first, size_t last,
                     const struct mg_norm_known *known)
{
    if (!known || !known->knows)
        return false;
    struct word w = {first, last, first, last};
    size_t mark = a->len, forms[MG_NORM_MAX_FORMS];
    int8_t squeezed;
    size_t n = mg__put_forms(a, t, k, &w, forms, &squeezed, NULL);
    bool yes = false;
    for (size_t i = 0; i < n && !yes; i++)
        yes =
            known->knows(known->ctx, a->p + forms[i], strlen(a->p + forms[i]));
    a->len = mark;
    return yes;
}

/* Cuts the one-letter words off the ends of runs of spelled letters that
 * took them in: "you are a f u c k i n g idiot" is "a" and "fucking", and
 * "i w i l l" is "i" and "will"; words of w (nw of them, room for nk)
 * written back in order; returns their number. Spacing cannot tell these
 * apart from a word that starts or ends with the letter ("i d i o t", "a s
 * s"), so a run is cut only when what is left still has 3+ letters, and
 * the lists decide when they can: the whole run is kept when some list
 * knows it ("idiot"), else the first cut whose rest one knows (the leading
 * letter, the trailing one, both); when none knows any, both letters that
 * can be are cut, since a one-letter word is what such a letter most
 * often is. The rest keeps the whole run's reading as a form. */
size_t mg__cut_one_letter_words(struct arena *a, const struct ntext *t,
                                const struct tok *k, struct word *w, size_t nw,
                                size_t nk, const struct mg_norm_known *known)
{
    struct word *out = NULL; /* made at the first cut: most texts have none */
    size_t n = 0;
    for (size_t i = 0; i < nw; i++) {
        size_t f = w[i].first, l = w[i].last;
        bool lead =
            l > f && one_letter_word(t, &k[f]) && bases_of(t, k, f + 1, l) >= 3;
        bool trail =
            l > f && one_letter_word(t, &k[l]) && bases_of(t, k, f, l - 1) >= 3;
        if (!lead && !trail) {
            if (out)
                out[n] = w[i];
            n++;
            continue;
        }
        bool both =
            lead && trail && l - f >= 2 && bases_of(t, k, f + 1, l - 1) >= 3;
        bool cut_lead, cut_trail;
        if (is_known(a, t, k, f, l, known)) {
            cut_lead = cut_trail = false;
        } else if (lead && is_known(a, t, k, f + 1, l, known)) {
            cut_lead = true;
            cut_trail = false;
        } else if (trail && is_known(a, t, k, f, l - 1, known)) {
            cut_lead = false;
            cut_trail = true;
        } else if (both && is_known(a, t, k, f + 1, l - 1, known)) {
            cut_lead = cut_trail = true;
        } else {
            cut_lead = both || lead;
            cut_trail = both || (trail && !lead);
        }
        if (!out) {
            out = mg_malloc((nk + 1) * sizeof *out);
            memcpy(out, w, n * sizeof *w);
        }
        if (cut_lead)
            out[n++] = (struct word){f, f, f, f};
        out[n++] = (struct word){f + cut_lead, l - cut_trail, f, l};
        if (cut_trail)
            out[n++] = (struct word){l, l, l, l};
    }
    if (out) {
        memcpy(w, out, n * sizeof *w);
        mg_free(out);
    }
    return n;
}
