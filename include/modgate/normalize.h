/* normalize.h: the text that word rules see, made from a comment so that
 * the usual evasions of a word list do not work, with a way back to the
 * comment's own characters (for a match's span).
 *
 * Pipeline (ICU), in this order:
 *   1. NFKC (fullwidth and mathematical letters become plain ones), run on
 *      each stretch between normalization boundaries so that everything
 *      maps back to the characters it came from ("e" + U+0301 still
 *      composes to "é");
 *   2. full case folding ("ß" -> "ss");
 *   3. removal of default-ignorable and invisible characters (zero-width
 *      space and joiners, soft hyphen, bidi controls, variation selectors,
 *      word joiner, BOM, Hangul fillers...), counted in `invisibles` except
 *      where they are part of writing: a variation selector, joiner or tag
 *      inside an emoji ("❤️", families, flags) and a joiner after a letter
 *      of a script that shapes with them (Persian ZWNJ);
 *   4. confusables: a non-ASCII character of a script that passes for Latin
 *      (Latin, Greek, Cyrillic, Armenian, Cherokee, Coptic, symbols) whose
 *      UTS #39 skeleton (uspoof) is a single ASCII letter or digit becomes
 *      that character (Cyrillic "а", Greek "ο" -> Latin). ASCII is never
 *      mapped (the skeleton of "d" is "cl", which would make "click" a swear
 *      word), and characters whose skeleton is not ASCII (Hangul, most of
 *      CJK) or of other scripts (Arabic alef's skeleton is "l") stay as
 *      they are. Combining marks (Mn, Me) left after NFKC on a base of a
 *      script that spells without them (Latin, Greek, Cyrillic, Hangul,
 *      CJK, symbols) are decoration and are dropped: "z̸̢a̵l̷g̶o̴" -> "zalgo";
 *      a base with 3+ such marks loses them before NFKC, so that none
 *      composes ("ź"). Marks of other scripts (Devanagari, Thai, Arabic
 *      vowels) spell and are kept;
 *   5. words from ICU's word break iterator (UAX #29), so Korean and other
 *      scripts tokenize right. Leet symbols written against a word
 *      ("$hit", "a$$", "@ss", "sh!t"), up to three in a row, are part of
 *      that word; after a word only "$" and "€" are ("hello!" ends before
 *      its "!"). A run of tokens that spell out three or more letters or
 *      digits one by one, at least two of them letters of one script,
 *      separated only by white space, punctuation or symbols other than
 *      pictographs ("f u c k", "f.u.c.k", "f-u-c-k", "s h 1 t", "씨 발 놈")
 *      becomes one word whose span covers the run; for Hangul two
 *      syllables are enough ("씨 발": Korean swears are mostly two).
 *
 * Each word then has forms, all of which a word list is matched against:
 *   form[0], the plain form: its letters, marks and digits (inner
 *   punctuation such as the dots of "f.u.c.k" or the apostrophe of "don't"
 *   dropped; never empty); then, when they differ from every earlier form
 *   and there is room (MG_NORM_MAX_FORMS), in this order:
 *   - the leet form: 0->o 1->i 2->z 3->e 4->a 5->s 6->g 7->t 8->b 9->g
 *     @->a $->s !->i |->l +->t €->e, letters kept;
 *   - runs collapsed: every run of 3+ of one character to one ("fuuuck" ->
 *     "fuck"), of the plain then the leet form; then to two ("sooo" ->
 *     "soo"), likewise;
 *   - the l-form: the leet form with 1->l ("s1ut"), then its runs
 *     collapsed to one and two;
 *   - the squeezed form, when the word has a letter twice in a row: every
 *     run of 2+ cut to one, of the leet form when there is one, else the
 *     plain ("stuupiid" -> "stupid"). A list entry with a doubled letter
 *     ("faggot") is matched in its squeezed spelling ("fagot") against
 *     this form only (mg_norm_squeeze), so "faaggoot" matches and "fagot"
 *     as written does not.
 *   Words without a letter have only their plain form ("2024", "100").
 * A word list is matched on forms only, so a leet reading is used exactly
 * when it turns the word into a listed one.
 *
 * Offsets into the original text are in code points (what API.md's `span`
 * counts); spans never decrease from one word to the next, and a word's
 * span covers the invisibles and dropped marks within it. Everything here
 * is pure: no I/O, no globals that change after the first call (the
 * confusables table is built once, thread-safely; each thread keeps one
 * word break iterator, closed when it exits). */
#ifndef MODGATE_NORMALIZE_H
#define MODGATE_NORMALIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "modgate/error.h"

#define MG_NORM_MAX_FORMS 6

struct mg_norm_word {
    const char *form[MG_NORM_MAX_FORMS]; /* NUL-terminated UTF-8, distinct */
    size_t nforms;                       /* >= 1 */
    uint32_t start, end; /* [start, end) in code points of the original */
    bool spelled; /* joined from single letters ("f u c k"): the first may
                     be a word of its own ("a f a g"), which the matcher
                     can try without */
    int8_t squeezed; /* index of the squeezed form, -1 when none */
};

struct mg_norm {
    char *text; /* the words' plain forms joined by single spaces: what
                   POST /v1/check shows as "normalized" */
    size_t len;
    struct mg_norm_word *words;
    size_t nwords;
    size_t invisibles; /* invisible characters removed (step 3) */
    void *arena;       /* owns the forms; private */
};

/* Normalizes len bytes of UTF-8. MG_EINVAL for invalid UTF-8, MG_ETOOBIG
 * past UINT32_MAX code points (spans are uint32_t), MG_EIO if ICU fails
 * (its data missing): then *out is zeroed and closing it does nothing.
 * Otherwise MG_OK and *out is to be closed with mg_norm_close. Any valid
 * UTF-8 is accepted, including the empty string and NUL characters. */
int mg_normalize(const char *utf8, size_t len,
                 struct mg_norm *out) MG_MUST_CHECK;

/* Frees what mg_normalize made and zeroes *n; NULL is accepted. */
void mg_norm_close(struct mg_norm *n);

/* A list entry (a word or a phrase) in the form words are matched in:
 * steps 1-5 and the plain forms of its words joined by single spaces, no
 * leet or run variants (the list says what it means). NULL for invalid
 * UTF-8 or an entry with no word in it; else the caller frees it (mg_free). */
char *mg_normalize_entry(const char *utf8, size_t len);

/* Cuts every run of one character in the NUL-terminated UTF-8 s to one, in
 * place ("faggot" -> "fagot"); returns the new length. */
size_t mg_norm_squeeze(char *s);

#endif
