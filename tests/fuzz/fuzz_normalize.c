/* fuzz_normalize.c: comments as anyone may write them, through the word
 * normalizer: valid UTF-8 is always accepted and invalid refused; every
 * word has 1..MG_NORM_MAX_FORMS distinct forms of valid UTF-8, a span
 * within the text, in order; the text is the plain forms joined by single
 * spaces, and a list entry normalizes to that same text. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "modgate/alloc.h"
#include "modgate/normalize.h"
#include "modgate/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Code points in s[0..len), or -1 for invalid UTF-8. */
static long long code_points(const uint8_t *s, size_t len)
{
    long long n = 0;
    for (size_t i = 0; i < len; n++) {
        size_t k = mg_utf8_seq_len(s + i, len - i);
        if (k == 0)
            return -1;
        i += k;
    }
    return n;
}

static void check_word(const struct mg_norm_word *w, long long ncp)
{
    if (w->nforms < 1 || w->nforms > MG_NORM_MAX_FORMS)
        __builtin_trap();
    for (size_t f = 0; f < w->nforms; f++) {
        const char *form = w->form[f];
        size_t len = strlen(form);
        if (len == 0 || code_points((const uint8_t *)form, len) < 0)
            __builtin_trap();
        for (size_t g = 0; g < f; g++)
            if (strcmp(w->form[g], form) == 0)
                __builtin_trap();
    }
    if (w->start >= w->end || (long long)w->end > ncp)
        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    long long ncp = code_points(data, size);
    struct mg_norm n;
    int rc = mg_normalize(text, size, &n);
    char *entry = mg_normalize_entry(text, size);
    if (ncp < 0) {
        if (rc != MG_EINVAL || entry)
            __builtin_trap();
        return 0;
    }
    if (rc != MG_OK || n.invisibles > (size_t)ncp)
        __builtin_trap();

    size_t at = 0; /* where the next plain form must be in the text */
    for (size_t i = 0; i < n.nwords; i++) {
        const struct mg_norm_word *w = &n.words[i];
        check_word(w, ncp);
        if (i > 0 &&
            (w->start < n.words[i - 1].start || w->end < n.words[i - 1].end))
            __builtin_trap();
        if (i > 0 && n.text[at++] != ' ')
            __builtin_trap();
        size_t len = strlen(w->form[0]);
        if (at + len > n.len || memcmp(n.text + at, w->form[0], len) != 0)
            __builtin_trap();
        at += len;
    }
    if (at != n.len || strlen(n.text) != n.len)
        __builtin_trap();

    if ((entry == NULL) != (n.nwords == 0))
        __builtin_trap();
    if (entry && strcmp(entry, n.text) != 0)
        __builtin_trap();
    mg_free(entry);
    mg_norm_close(&n);
    return 0;
}
