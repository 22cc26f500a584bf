/* normalize_forms.c: each word's forms (normalize.h): its readings
 * (plain, leet, l-form), those with runs collapsed, and the squeezed form,
 * whose cut mg_norm_squeeze also makes of a list entry. */
#include <stdbool.h>
#include <string.h>

#include <unicode/utf16.h>
#include <unicode/utf8.h>

#include "src/rules/normalize_internal.h"

/* normalize.h's leet table for ASCII ('1' is 'i'; leet_of makes it 'l' in
 * the l-form); the euro sign, the one other character read, is in
 * leet_of. */
const char mg__leet_ascii[128] = {
    ['0'] = 'o', ['1'] = 'i', ['2'] = 'z', ['3'] = 'e', ['4'] = 'a',
    ['5'] = 's', ['6'] = 'g', ['7'] = 't', ['8'] = 'b', ['9'] = 'g',
    ['@'] = 'a', ['$'] = 's', ['!'] = 'i', ['|'] = 'l', ['+'] = 't',
};

/* Appends the word read as r, NUL-terminated; returns its offset. */
size_t mg__put_reading(struct arena *a, const struct ntext *t,
                       const struct tok *k, const struct word *w,
                       enum reading r, struct traits *tr)
{
    size_t units = 0;
    for (size_t i = w->first; i <= w->last; i++)
        units += k[i].e - k[i].s;
    uint8_t *out = arena_reserve(a, units * 3 + 1);
    size_t o = 0, same = 0;
    UChar32 prev = -1;
    bool leet_after_letter = false;
    *tr = (struct traits){false, false, false, false, false, false, false, 0};
    for (size_t i = w->first; i <= w->last; i++) {
        for (size_t j = k[i].s; j < k[i].e;) {
            UChar32 c;
            U16_NEXT(t->u, j, k[i].e, c);
            char l = leet_of(c, r == LEET_L);
            unsigned cl = class_of(c);
            tr->leet = tr->leet || l;
            tr->one = tr->one || c == '1';
            if (cl & C_LETTER) {
                tr->other = tr->other || c >= 0x80;
                tr->inside = tr->inside || leet_after_letter;
            }
            leet_after_letter = leet_after_letter || (l && tr->letter);
            tr->letter = tr->letter || (cl & C_LETTER);
            if (r != PLAIN && l)
                c = (UChar32)l;
            else if (!cl)
                continue;
            U8_APPEND_UNSAFE(out, o, c);
            same = c == prev ? same + 1 : 1;
            prev = c;
            tr->run = tr->run || same >= 3;
            tr->twice =
                tr->twice || (same >= 2 && !doubles_as_word(c)) || same >= 3;
        }
    }
    /* a doubled syllable at the end is a stretched word (doubles_as_word) */
    tr->twice = tr->twice || (same == 2 && doubles_as_word(prev));
    out[o] = '\0';
    tr->len = o;
    size_t off = a->len;
    a->len += o + 1;
    return off;
}

/* Cuts every run of min_run or more of one character in the NUL-terminated
 * UTF-8 s to keep copies of it, in place (the text only shrinks), except a
 * Hangul syllable's run of two when min_run is 2; returns the new length. */
static size_t cut_runs(char *s, size_t min_run, size_t keep)
{
    size_t n = strlen(s), o = 0;
    for (size_t i = 0; i < n;) {
        size_t at = i, next;
        UChar32 c, d;
        U8_NEXT_UNSAFE((const uint8_t *)s, i, c);
        size_t run = 1, clen = i - at;
        for (size_t j = i; j < n; j = next, run++) {
            next = j;
            U8_NEXT_UNSAFE((const uint8_t *)s, next, d);
            if (d != c)
                break;
            i = next;
        }
        char ch[4];
        memcpy(ch, s + at, clen);
        bool word = min_run == 2 && run == 2 && doubles_as_word(c) && i < n;
        size_t copies = run >= min_run && !word ? keep : run;
        for (size_t k = 0; k < copies; k++, o += clen)
            memcpy(s + o, ch, clen);
    }
    s[o] = '\0';
    return o;
}

size_t mg_norm_squeeze(char *s)
{
    return cut_runs(s, 2, 1);
}

/* Appends the form at offset src with every run of min_run or more of one
 * character cut to keep of it; returns its offset. The collapsed forms cut
 * runs of 3+ to 1 or 2, the squeezed form runs of 2+ to 1. */
static size_t put_cut(struct arena *a, size_t src, size_t min_run, size_t keep)
{
    size_t n = strlen(a->p + src);
    char *out = (char *)arena_reserve(a, n + 1);
    memcpy(out, a->p + src, n + 1);
    size_t off = a->len;
    a->len += cut_runs(out, min_run, keep) + 1;
    return off;
}

/* Keeps the form just written at off when there is room and it differs
 * from the word's earlier ones; else takes it back. */
void mg__keep_form(struct arena *a, size_t *forms, size_t *n, size_t off)
{
    bool keep = *n < MG_NORM_MAX_FORMS;
    for (size_t i = 0; keep && i < *n; i++)
        keep = strcmp(a->p + forms[i], a->p + off) != 0;
    if (keep)
        forms[(*n)++] = off;
    else
        a->len = off;
}

/* The forms of a word, in this order of priority (a later one is dropped
 * when it equals an earlier one or MG_NORM_MAX_FORMS are there):
 *   plain; leet (1 -> i); plain and leet with runs cut to one; plain and
 *   leet with runs cut to two; leet with 1 -> l; that one with runs cut to
 *   one, then to two.
 * So "1" reads "i" first ("b1tch"), and "l" when there is room, which
 * only a word with both a "1" and runs of 3+ lacks ("s1uuut": six forms
 * before "sluuut"). Returns the number of forms, 0 for a word with no plain
 * form (nothing but signs: then the arena is as before). *plain_tr, when
 * not NULL, gets what the plain reading showed. */
size_t mg__put_forms(struct arena *a, const struct ntext *t,
                     const struct tok *k, const struct word *w, size_t *forms,
                     int8_t *squeezed, struct traits *plain_tr)
{
    struct traits tl, tl1, own;
    struct traits *tp = plain_tr ? plain_tr : &own;
    size_t n = 0;
    *squeezed = -1;
    size_t plain = mg__put_reading(a, t, k, w, PLAIN, tp);
    if (tp->len == 0) {
        a->len = plain;
        return 0;
    }
    forms[n++] = plain;
    if (!tp->letter)
        return n; /* a number: "2024" has no leet or run forms */
    /* With a leet character the leet form differs from the plain one
     * (it has a letter where plain has a digit or nothing). */
    size_t leet = tp->leet ? mg__put_reading(a, t, k, w, LEET_I, &tl) : 0;
    if (tp->leet)
        forms[n++] = leet;
    for (int keep = 1; keep <= 2; keep++) {
        if (tp->run)
            mg__keep_form(a, forms, &n, put_cut(a, plain, 3, (size_t)keep));
        if (tp->leet && tl.run)
            mg__keep_form(a, forms, &n, put_cut(a, leet, 3, (size_t)keep));
    }
    if (tp->one && n < MG_NORM_MAX_FORMS) {
        size_t l = mg__put_reading(a, t, k, w, LEET_L, &tl1);
        mg__keep_form(a, forms, &n, l);
        if (forms[n - 1] == l && tl1.run)
            for (int keep = 1; keep <= 2; keep++)
                mg__keep_form(a, forms, &n, put_cut(a, l, 3, (size_t)keep));
    }
    if (tp->leet ? tl.twice : tp->twice) {
        size_t off = put_cut(a, tp->leet ? leet : plain, 2, 1);
        for (size_t i = 0; i < n && *squeezed < 0; i++)
            if (strcmp(a->p + forms[i], a->p + off) == 0)
                *squeezed = (int8_t)i;
        if (*squeezed >= 0 || n == MG_NORM_MAX_FORMS) {
            a->len = off;
        } else {
            *squeezed = (int8_t)n;
            forms[n++] = off;
        }
    }
    return n;
}
