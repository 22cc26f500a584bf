/* wordbreak.h: word boundaries (UAX #29) in text of ASCII and Hangul
 * (syllables, compatibility and conjoining jamo) only, the same that ICU's root word
 * break rules find (ICU leaves ':' out of MidLetter, counts '@' as a
 * letter, and keeps Hangul runs apart from other letters), without ICU:
 * its break iterator costs some 400 instructions a word, more than the
 * rest of an English comment's normalization, and more for Korean.
 * tests/unit/test_wordbreak.c compares the two on every short string of
 * the characters the rules treat apart. Private to src/rules. */
#ifndef MODGATE_RULES_WORDBREAK_H
#define MODGATE_RULES_WORDBREAK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Whether u[0..n) (UTF-16) is all ASCII, Hangul syllables and Hangul
 * jamo (compatibility U+3131-318E, conjoining U+1100-11FF but the two
 * fillers), so that mg__simple_next_break applies. */
bool mg__simple_only(const uint16_t *u, size_t n);

/* The end of the segment of u[0..n) (mg__simple_only) that starts at
 * `from` (from < n, itself a boundary). *word is set when ICU would give
 * the segment a word status (UBRK_WORD_NUMBER or above: letters, digits,
 * Hangul, or several '_' together); spaces, punctuation and single
 * symbols are not. */
size_t mg__simple_next_break(const uint16_t *u, size_t n, size_t from, bool *word);

#endif
