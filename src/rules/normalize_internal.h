/* normalize_internal.h: what the normalizer's files share (private to
 * src/rules; nothing else includes it). normalize.h has the pipeline; the
 * files follow it:
 *
 *   normalize.c          the entry points: decoding, steps 1-4, then the
 *                        words, their forms and the text put together
 *   normalize_text.c     steps 1-4, the characters: NFKC by chunks, case
 *                        folding, invisibles, confusables and look-alikes,
 *                        enclosed letters and regional indicators, into a
 *                        struct ntext that maps back to the original; ICU's
 *                        singletons, built once
 *   normalize_words.c    step 5, the words: segments, tokens with the leet
 *                        symbols written against them, spelled-out letters
 *                        joined, one-letter words cut off their ends
 *   normalize_forms.c    each word's forms: its readings (plain, leet,
 *                        l-form), runs collapsed, squeezed; mg_norm_squeeze
 *   normalize_leet.c     a text written in leet shows its leet reading
 *   normalize_stretch.c  a stretched text shows the reader's reading
 *
 * The normalizer's ICU stays in those .c files: this header includes none
 * of it, and names ICU's C types by what they are in C, UChar uint16_t and
 * UChar32 int32_t (normalize_text.c asserts both). */
#ifndef MODGATE_RULES_NORMALIZE_INTERNAL_H
#define MODGATE_RULES_NORMALIZE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "modgate/alloc.h"
#include "modgate/normalize.h"

/* ICU's break iterator, declared as ubrk.h does (typedef struct
 * UBreakIterator UBreakIterator). */
struct UBreakIterator;

/* ---- the characters (normalize_text.c) ---- */

/* The text after steps 1-4, in UTF-16 for the word break iterator, and for
 * each unit the original code points [from, to) it came from. */
struct ntext {
    uint16_t *u;
    uint32_t *from, *to;
    size_t len, cap;
    size_t invisibles;
    int32_t last;        /* last code point kept */
    int32_t base;        /* last code point kept that is not a mark */
    bool greek_cyrillic; /* the original has a Greek or Cyrillic letter */
};

/* Builds ICU's singletons and the tables once (thread-safe); true when they
 * are there, false when ICU failed (its data missing): then no other
 * function here may be called. Every entry point asks first. */
bool mg__norm_ready(void);

/* Steps 1-4 over the code points cps[0..n) (valid Unicode scalar values),
 * into *t, which must be zeroed; t's spans count code points of cps.
 * mg__ntext_close frees it. */
void mg__norm_text(const int32_t *cps, size_t n, struct ntext *t);

/* Frees what mg__norm_text made; t is then to be zeroed before reuse. */
void mg__ntext_close(struct ntext *t);

/* This thread's word break iterator (UAX #29, root locale), made at its
 * first use and closed when the thread exits; NULL if ICU cannot make one.
 * Borrowed: the caller sets its text and leaves none behind. */
struct UBreakIterator *mg__norm_word_iterator(void);

/* The script of c (a UScriptCode): Latin or Common for ASCII without asking
 * ICU, USCRIPT_UNKNOWN when ICU cannot tell. */
int32_t mg__script_of(int32_t c);

/* What a character is to the words, as bits: a letter (L*), a digit (N*),
 * a mark (M*); 0 for anything else. */
enum char_class { C_LETTER = 1, C_DIGIT = 2, C_MARK = 4 };

/* class_of for c >= 0x80 (asks ICU). */
unsigned mg__class_of_other(int32_t c);

/* class_of is called for every character of every reading: ASCII, Hangul
 * syllables and CJK ideographs are answered here, inline (test_normalize
 * checks the two blocks against ICU), and only other characters cost a
 * call. */
static inline unsigned class_of(int32_t c)
{
    if (c < 0x80) {
        if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
            return C_LETTER;
        return c >= '0' && c <= '9' ? C_DIGIT : 0;
    }
    if ((c >= 0xac00 && c <= 0xd7a3) || (c >= 0x4e00 && c <= 0x9fff))
        return C_LETTER; /* Hangul syllables, CJK ideographs: Lo, the bulk of Korean */
    return mg__class_of_other(c);
}

/* ---- the words (normalize_words.c) ---- */

/* A token: a stretch [s, e) of the normalized text (UTF-16 units), a word
 * of the word break iterator with the leet symbols written against it
 * ("$hit", "sh!t", "a$$"). A word (struct word) is one or more of them. */
struct tok {
    size_t s, e;
};

/* A word: tokens first..last (more than one when letters spelled out were
 * joined: "f u c k"). When a one-letter word was cut off a run of spelled
 * letters ("a" of "a f u c k"), whole_first..whole_last is the run, whose
 * reading the word keeps as a form; else they are first and last. */
struct word {
    size_t first, last;
    size_t whole_first, whole_last;
};

/* Where the forms are written: one buffer, NUL-terminated strings, which
 * offsets (not pointers) name, since it moves as it grows. */
struct arena {
    char *p;
    size_t len, cap;
};

/* Room for n more bytes at a->p + a->len; the arena may move. */
static inline uint8_t *arena_reserve(struct arena *a, size_t n)
{
    if (a->cap - a->len < n) {
        a->cap = (a->len + n) * 2;
        a->p = mg_realloc(a->p, a->cap);
    }
    return (uint8_t *)a->p + a->len;
}

/* Step 5 up to the one-letter words: the tokens of t into *k (*nk of them)
 * and the words they make into *w (*nw of them, a run of spelled-out
 * letters one; room for *nk + 1), both for the caller to free (mg_free).
 * MG_EIO when ICU's word break iterator fails: then nothing is allocated. */
int mg__find_words(const struct ntext *t, struct tok **k, size_t *nk,
                   struct word **w, size_t *nw);

/* Cuts the one-letter words ("a", "i", "u") off the ends of the runs of
 * spelled-out letters of w (nw words of tokens k; room for nk), asking
 * known (NULL: none) where to cut; returns the new number of words. The
 * arena is written to ask, and its length left as it was. */
size_t mg__cut_one_letter_words(struct arena *a, const struct ntext *t,
                                const struct tok *k, struct word *w, size_t nw,
                                size_t nk, const struct mg_norm_known *known);

/* ---- the forms (normalize_forms.c) ---- */

/* The leet reading of ASCII characters, 0 for none: 0->o 1->i ... @->a. */
extern const char mg__leet_ascii[128];
#define EURO 0x20ac

/* The leet reading of a character; '1' is 'i' here and 'l' in the l-form.
 * Digits are read only in words that have a letter ("2024" stays). */
static inline char leet_of(int32_t c, bool l_for_1)
{
    if (c == '1' && l_for_1)
        return 'l';
    if (c >= 0 && c < 0x80)
        return mg__leet_ascii[c];
    return c == EURO ? 'e' : 0;
}

/* A Hangul syllable said twice inside a word is part of it (토토 "sports
 * toto", 까까, 쪽쪽): Korean stretches a word by saying its last syllable
 * again ("병신신"), so the squeezed form, which cuts doubled letters, cuts
 * a doubled syllable only at the word's end; else "토토나" would read as
 * the insult 토나. Runs of 3+ collapse wherever they are. */
static inline bool doubles_as_word(int32_t c)
{
    return c >= 0xAC00 && c <= 0xD7A3;
}

enum reading { PLAIN, LEET_I, LEET_L };

/* What a reading of a word showed. */
struct traits {
    bool letter; /* a letter: leet and collapsed forms apply */
    bool leet;   /* a character the leet table reads */
    bool one;    /* a "1", read "l" in the l-form */
    bool run;    /* a run of 3+ of one character: collapsed forms differ */
    bool twice;  /* a run of 2+: the squeezed form differs */
    bool other;  /* a letter that is not ASCII */
    bool inside; /* a leet character with letters before and after it */
    size_t len;  /* bytes */
};

/* Appends word w (tokens k of t) read as r to the arena, NUL-terminated;
 * returns its offset and fills *tr. */
size_t mg__put_reading(struct arena *a, const struct ntext *t,
                       const struct tok *k, const struct word *w,
                       enum reading r, struct traits *tr);

/* Appends word w's forms (normalize.h's list, in its order) to the arena;
 * their offsets go to forms (room for MG_NORM_MAX_FORMS), the index of the
 * squeezed one to *squeezed (-1: none). Returns their number, 0 for a word
 * with no plain form (then the arena is as before). *plain_tr, when not
 * NULL, gets what the plain reading showed. */
size_t mg__put_forms(struct arena *a, const struct ntext *t,
                     const struct tok *k, const struct word *w, size_t *forms,
                     int8_t *squeezed, struct traits *plain_tr);

/* Keeps the form just written at off as forms[*n] when there is room and
 * it differs from forms[0..*n); else takes it back off the arena. */
void mg__keep_form(struct arena *a, size_t *forms, size_t *n, size_t off);

/* ---- the text's readings (normalize_leet.c, normalize_stretch.c) ---- */

/* The words of a text that take part in its leet reading. */
struct leet_count {
    size_t mixed, inside, words; /* words: with a letter */
};

/* Counts a word whose plain reading showed *tp and wrote plain. */
void mg__leet_count_add(struct leet_count *c, const struct traits *tp,
                        const char *plain);

/* When the words counted in c say the text is written in leet, the words
 * of out (made from w, nw of them, their form offsets in offs) that are in
 * leet show their leet reading first; else nothing changes. */
void mg__show_leet(struct arena *a, const struct leet_count *c,
                   const struct ntext *t, const struct tok *k,
                   const struct word *w, size_t nw, struct mg_norm *out,
                   size_t *offs);

/* When the text is stretched, each word of out with a doubled letter shows
 * the reading a reader gives it first, keeping its other forms (known, NULL
 * or not, settles the spelling); offs: the form offsets; maybe: words with
 * a doubled letter (fewer than 2: nothing to do). */
void mg__show_stretched(struct arena *a, struct mg_norm *out, size_t *offs,
                        size_t maybe, const struct mg_norm_known *known);

#endif
