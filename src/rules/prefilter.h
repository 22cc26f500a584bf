/* prefilter.h: the words a regular expression cannot match without, and one
 * pass over a text that says which of them it holds, so that judging skips
 * a pattern none of whose words is there (rspamd and Hyperscan filter on
 * literal factors the same way). Private to src/rules.
 *
 * The promise is one-sided: when the prefilter says a pattern cannot match,
 * it cannot; when it is unsure, the pattern runs. A verdict is therefore the
 * same with or without it (tests/integration/test_prefilter.py judges every
 * hand-written comment both ways; fuzz_prefilter checks it against PCRE2). */
#ifndef MODGATE_RULES_PREFILTER_H
#define MODGATE_RULES_PREFILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Reads a PCRE2 pattern (compiled by the caller with PCRE2_UTF, caseless or
 * not) and finds strings one of which every match holds, in "scan form":
 * ASCII letters lowered, everything else as written. On true, *lits is an
 * array of *nlits NUL-ended strings, each at least 2 bytes; caller owns the
 * array and the strings, free with mg__prefilter_lits_free. On false (an
 * extended-mode pattern, a construct it does not read, or no string every
 * match needs) there is nothing to free and the pattern must always run. */
bool mg__prefilter_needs(const char *pattern, char ***lits, size_t *nlits);
void mg__prefilter_lits_free(char **lits, size_t nlits);

/* The distinct strings of a whole rule set, numbered from 0. */
struct mg__prefilter;

/* Caller owns the result; free with mg__prefilter_free. */
struct mg__prefilter *mg__prefilter_new(void);
void mg__prefilter_free(struct mg__prefilter *pf);

/* Adds a string (scan form, at least 2 bytes) once and returns its number;
 * a string added before gets its old number. */
uint32_t mg__prefilter_add(struct mg__prefilter *pf, const char *lit, size_t len);

/* How many strings there are: a scan's bitmap holds this many bits. */
size_t mg__prefilter_count(const struct mg__prefilter *pf);

/* Sets bit k of `seen` (mg__prefilter_count bits, zeroed by the caller) for
 * each string k that occurs in text. The text is read in scan form: ASCII
 * letters lowered, and U+017F and U+212A read as 's' and 'k', the only
 * characters a caseless pattern's ASCII letter also matches. */
void mg__prefilter_scan(const struct mg__prefilter *pf, const char *text, size_t len,
                        uint8_t *seen);

static inline bool mg__prefilter_seen(const uint8_t *seen, uint32_t k)
{
    return (seen[k >> 3] >> (k & 7)) & 1;
}

#endif
