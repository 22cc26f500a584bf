/* normalize.h: the text that word rules see, made from a comment so that
 * the usual evasions of a word list do not work, with a way back to the
 * comment's own characters (for a match's span).
 *
 * Pipeline (ICU), in this order:
 *   1. NFKC (fullwidth, mathematical, circled "ⓑ" and squared "🄱" letters
 *      become plain ones), run on each stretch between normalization
 *      boundaries so that everything maps back to the characters it came
 *      from ("e" + U+0301 still composes to "é"). The enclosed letters NFKC
 *      leaves alone are mapped by hand: negative circled "🅑" and negative
 *      squared "🅱" always; regional indicators ("🇧🇺🇾") when a run of
 *      them cannot be a flag or spells a word: three or more in a row, or
 *      a pair that is no region's code (ISO 3166, EU, UN). A single flag
 *      ("🇰🇷") stays an emoji; flags written together without a space
 *      read as letters ("🇺🇸🇬🇧" is "usgb"), since "🇸🇭🇮🇹" is a word;
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
 *      vowels) spell and are kept. Then, inside a run of letters that
 *      mixes Latin letters with Greek or Cyrillic ones ("κιll", "ѕтupid"),
 *      every Greek or Cyrillic letter that passes for a Latin one becomes
 *      it, by its look in the case it was written in (capital eta "Η" is
 *      "h", small eta "η" is "n"; Cyrillic "т" "t", "к" "k", "м" "m"),
 *      which the skeleton misses for several; a run all in Greek or
 *      Cyrillic (Greek, Russian) is left as the skeleton step made it;
 *   5. words from ICU's word break iterator (UAX #29), so Korean and other
 *      scripts tokenize right. Leet symbols written against a word
 *      ("$hit", "a$$", "@ss", "sh!t"), up to three in a row, are part of
 *      that word; after a word only "$" and "€" are ("hello!" ends before
 *      its "!"). A run of tokens that spell out three or more letters or
 *      digits one by one, at least two of them letters of one script,
 *      separated only by white space, punctuation or symbols other than
 *      pictographs ("f u c k", "f.u.c.k", "f-u-c-k", "s h 1 t", "씨 발 놈")
 *      becomes one word whose span covers the run; for Hangul two
 *      syllables are enough ("씨 발": Korean swears are mostly two). A
 *      wider gap than the run's own ends it ("f u c k   y o u"). A letter
 *      "a", "i" or "u" at either end of a run with the same gap as its
 *      letters may be a word of its own ("you are a f u c k i n g idiot",
 *      "I w i l l") or the word's own ("i d i o t"): when what is left has
 *      3+ letters, the run is kept whole if a list knows it (any form;
 *      mg_normalize_with), else the first cut whose rest a list knows
 *      (leading letter, trailing, both), else both letters that can be
 *      are cut; a cut rest keeps the whole run's reading as an extra form
 *      ("diot" has "idiot") and its own span.
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
 * A text written in leet: when at least two words mix Latin letters with
 * leet characters, at least one with such a character between letters
 * ("k1ll"), two of those or a third mixed word, and mixed words are at
 * least half of the words with a letter, every mixed word's leet form and
 * plain form trade places (so the text, which normalized_regex sees,
 * reads "i will kill you" for "1 w1ll k1ll y0u", and the forms a list
 * meets are the same set), and a word of one or two of the digits 0 1 3 4
 * 5 7 alone ("1", "70") gets its leet reading as a first form. Ordinary
 * text keeps "G7", "covid19", "mp3", "4x4", "B2B", "2024" as written:
 * such words are few among plain ones. Words with a non-ASCII letter
 * ("2찍") take no part.
 *
 * A stretched text ("I wiill kiill yoouu", "죽여버린다다 찾아가겠다다"): when
 * two or more words have a run no ordinary spelling has (a letter 3+ times
 * but a leading "www", a doubled a, i or u, a Hangul syllable doubled at
 * the end of a word of 3+ syllables; "토토", "까까" are words) and those,
 * with the words that double an e or o, are at least half of the words of
 * 3+ letters, each word with a doubled letter gets a reading as its first
 * form (so the text reads "i will kill you"); the forms it had stay, so
 * the forms a list meets are a superset, and nothing changes when the
 * reading is one of them or the word has MG_NORM_MAX_FORMS already. The
 * reader's reading: runs of 3+ to two, a, i, u to one, e and o to one
 * when doubled in a text that doubles its vowels throughout (2+ of the a,
 * i, u of its 3+ letter words doubled, and more than half of them; else
 * "ee", "oo" stay), consonants doubled stay ("will"), a Hangul syllable
 * doubled at the end dropped. The lists (known) are asked: the reader's
 * reading if they know it; else the listed spelling the word reads as with
 * each doubled run cut to one or two ("kiill" -> "kill", filed squeezed
 * "kil"), the nearest the reader's reading, then the longest; else the
 * word as written if they know it ("see"); else the reader's reading. A
 * list entry so stretched is read the same way, without lists (as a leet
 * one is), so that it still meets the comments written like it.
 *
 * Offsets into the original text are in code points (what docs/api.md's `span`
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
    bool spelled; /* joined from single letters ("f u c k"): a first "a"
                     or "i" left on (a list knew the whole run, or the
                     rest is under 3 letters) may still be a word of its
                     own, which the matcher can try without */
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
 * UTF-8 is accepted, including the empty string and NUL characters. The
 * same as mg_normalize_with and no known words. */
int mg_normalize(const char *utf8, size_t len,
                 struct mg_norm *out) MG_MUST_CHECK;

/* Which words the reader knows (the rule set's word lists), asked to settle
 * how a run of spelled-out letters is cut and how a stretched text's words
 * read: knows(ctx, form, len)
 * is true when the NUL-terminated UTF-8 form (len bytes) is a word some
 * list holds. It must not keep the pointer. */
struct mg_norm_known {
    bool (*knows)(const void *ctx, const char *form, size_t len);
    const void *ctx; /* borrowed; passed to knows */
};

/* mg_normalize, with known (borrowed, for the call; NULL: none) settling
 * whether a one-letter word beside spelled-out letters is a word of its own
 * ("a f u c k i n g") or the word's first or last letter ("i d i o t"), and
 * which spelling a stretched word shows ("kiill" is "kill"). */
int mg_normalize_with(const char *utf8, size_t len,
                      const struct mg_norm_known *known,
                      struct mg_norm *out) MG_MUST_CHECK;

/* Frees what mg_normalize made and zeroes *n; NULL is accepted. */
void mg_norm_close(struct mg_norm *n);

/* A list entry (a word or a phrase) in the form words are matched in:
 * steps 1-5 and the plain forms of its words joined by single spaces, no
 * leet or run variants (the list says what it means), read as the text of
 * a comment is (mg_normalize: a phrase written in leet or stretched
 * throughout shows its reading). NULL for invalid
 * UTF-8 or an entry with no word in it; else the caller frees it (mg_free). */
char *mg_normalize_entry(const char *utf8, size_t len);

/* Cuts every run of one character in the NUL-terminated UTF-8 s to one, in
 * place ("faggot" -> "fagot"); returns the new length. */
size_t mg_norm_squeeze(char *s);

#endif
