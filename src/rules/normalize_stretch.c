/* normalize_stretch.c: a stretched text (normalize.h): whether a text is
 * stretched throughout ("I wiill kiill yoouu", "죽여버린다다"), and then each
 * stretched word shown as a reader would read it, for normalized_regex;
 * the word keeps every form it had. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <unicode/utf8.h>

#include "modgate/alloc.h"
#include "src/rules/normalize_internal.h"

/* Latin vowels English does not double (but for a few loanwords: "bazaar",
 * "skiing", "vacuum"): a doubled one is a stretch ("kiill"). "ee" and "oo"
 * are ordinary ("see", "good"), consonants too ("will", "all"). */
static bool never_doubled(UChar32 c)
{
    return c == 'a' || c == 'i' || c == 'u';
}

/* A run of one character in a form: at byte at, n copies of c (clen bytes
 * each). */
struct run {
    UChar32 c;
    size_t at, n;
    uint8_t clen;
    bool letter;
};

/* The runs of the NUL-terminated form s into v (room for strlen(s));
 * returns their number; *letters gets the letters. */
static size_t runs_of(const char *s, struct run *v, size_t *letters)
{
    size_t n = 0, len = strlen(s);
    *letters = 0;
    for (size_t i = 0; i < len;) {
        size_t at = i;
        UChar32 c;
        U8_NEXT_UNSAFE((const uint8_t *)s, i, c);
        bool letter = (class_of(c) & C_LETTER) != 0;
        *letters += letter;
        if (n > 0 && v[n - 1].c == c) {
            v[n - 1].n++;
            continue;
        }
        v[n++] = (struct run){c, at, 1, (uint8_t)(i - at), letter};
    }
    return n;
}

/* Whether run i of a word (nr runs, letters letters) is a spelling no
 * ordinary word has: a letter 3+ times ("shoooot", "하하하"; not the "www"
 * of a web address), "aa" "ii" "uu" ("kiill", "yoouu"), or a Hangul
 * syllable said twice at the end of a word of 3+ ("죽여버린다다"; "토토",
 * "까까" are words). */
static bool run_stretched(const struct run *r, size_t i, size_t nr,
                          size_t letters)
{
    if (!r[i].letter || r[i].n < 2)
        return false;
    if (r[i].n >= 3)
        return !(r[i].c == 'w' && r[i].n == 3 && i == 0);
    if (never_doubled(r[i].c))
        return true;
    return doubles_as_word(r[i].c) && i + 1 == nr && letters >= 3;
}

/* What a text's words of 3+ letters showed of stretching: one- and
 * two-letter words are seldom stretched ("I", "a", "in"), and a Korean
 * word of two syllables said twice cannot be told from a word ("토토"). */
struct stretch_count {
    size_t words;   /* of 3+ letters */
    size_t marked;  /* with a stretched run (run_stretched) */
    size_t vowels;  /* not marked, with a doubled "ee" or "oo" */
    size_t aiu;     /* runs of a, i or u */
    size_t aiu_two; /* of which doubled or longer */
};

/* A text reads as stretched when two or more of its words have a run no
 * ordinary spelling has, and those with such a run or a doubled "ee" or
 * "oo" are half of its words of 3+ letters or more: so "sooo good" or
 * "WWII" among ordinary words is left as written. */
static bool reads_stretched(const struct stretch_count *c)
{
    return c->marked >= 2 && (c->marked + c->vowels) * 2 >= c->words;
}

/* Whether the writer doubles vowels throughout: two or more of the a, i
 * and u of the text's words of 3+ letters are doubled, and more than half
 * of them are, which no ordinary English text has. */
static bool doubles_vowels(const struct stretch_count *c)
{
    return c->aiu_two >= 2 && c->aiu_two * 2 > c->aiu;
}

/* The length a reader sees for run i (the word has nr runs, letters
 * letters): "a", "i" and "u" one ("kiiill", "yoouu"); other runs of 3+ two
 * ("shoooot", "killl"); "ee" and "oo" as written ("good") unless the
 * writer doubles vowels throughout (doubling: "hoopee", "bee" are "hope",
 * "be"); doubled consonants as written ("kill"). A Hangul syllable said
 * again at the end of a word of 3+ loses its copies ("죽여버린다다"). */
static size_t run_reading(const struct run *r, size_t i, size_t nr,
                          size_t letters, bool doubling)
{
    size_t n = r[i].n;
    UChar32 c = r[i].c;
    if (!r[i].letter || n < 2 || (c == 'w' && n == 3 && i == 0))
        return n; /* "www" is a web address's */
    if (doubles_as_word(c) && i + 1 == nr && letters >= 3)
        return 1;
    if (never_doubled(c))
        return 1;
    if (doubling && (c == 'e' || c == 'o') && n == 2)
        return 1;
    return n >= 3 ? 2 : n;
}

/* Writes the word s with run k cut to len[k] copies; returns the offset. */
static size_t put_runs(struct arena *a, size_t s, const struct run *r,
                       size_t nr, const size_t *len)
{
    size_t total = 0;
    for (size_t k = 0; k < nr; k++)
        total += len[k] * r[k].clen;
    char *out = (char *)arena_reserve(a, total + 1);
    const char *src = a->p + s; /* the arena did not move: reserved above */
    size_t o = 0;
    for (size_t k = 0; k < nr; k++)
        for (size_t j = 0; j < len[k]; j++, o += r[k].clen)
            memcpy(out + o, src + r[k].at, r[k].clen);
    out[o] = '\0';
    size_t off = a->len;
    a->len += o + 1;
    return off;
}

/* At most this many doubled runs are tried both ways against the lists
 * (2^n spellings). */
#define STRETCH_TRY_RUNS 6

static bool knows_form(const struct mg_norm_known *known, const char *s)
{
    return known && known->knows && known->knows(known->ctx, s, strlen(s));
}

/* The reading of a stretched word (form at offset s, runs r), asking the
 * lists (known): the reader's reading (run_reading) when a list knows it;
 * else the spelling of a listed word the word can be read as, each of its
 * doubled or longer runs cut to one or two ("kiill" is "kill", which the
 * lists file under its squeezed spelling "kil"), the one nearest the
 * reader's reading and then the longest; else the word as written when a
 * list knows it ("see" stays "see" in a text that doubles its vowels);
 * else the reader's reading. A list "knows" a word its wildcards meet too
 * ("kill*" knows "killl"), hence the reader's reading is asked first.
 * Returns its offset, or s when the word is read as written. */
static size_t stretched_reading(struct arena *a, size_t s, const struct run *r,
                                size_t nr, size_t letters, bool doubling,
                                const struct mg_norm_known *known, size_t *len)
{
    size_t want[STRETCH_TRY_RUNS], idx[STRETCH_TRY_RUNS], k = 0;
    bool differs = false;
    for (size_t i = 0; i < nr; i++) {
        len[i] = run_reading(r, i, nr, letters, doubling);
        differs = differs || len[i] != r[i].n;
    }
    if (!differs)
        return s;
    size_t reading = put_runs(a, s, r, nr, len);
    if (!known || !known->knows || knows_form(known, a->p + reading))
        return reading;
    for (size_t i = 0; i < nr; i++)
        if (r[i].letter && r[i].n >= 2 && !doubles_as_word(r[i].c)) {
            if (k == STRETCH_TRY_RUNS)
                return knows_form(known, a->p + s) ? s : reading;
            want[k] = len[i];
            idx[k++] = i;
        }
    size_t best = 0, best_dist = SIZE_MAX, best_letters = 0;
    bool found = false;
    for (size_t m = 0; m < ((size_t)1 << k); m++) {
        size_t dist = 0, total = 0;
        for (size_t j = 0; j < k; j++) {
            len[idx[j]] = (m >> j & 1) ? 2 : 1;
            dist += len[idx[j]] > want[j] ? len[idx[j]] - want[j]
                                          : want[j] - len[idx[j]];
        }
        for (size_t i = 0; i < nr; i++)
            total += len[i];
        if (dist > best_dist || (dist == best_dist && total <= best_letters))
            continue;
        size_t mark = a->len;
        size_t off = put_runs(a, s, r, nr, len);
        bool same = strcmp(a->p + off, a->p + s) == 0;
        if (same || !knows_form(known, a->p + off)) {
            a->len = mark;
            continue;
        }
        best = m;
        best_dist = dist;
        best_letters = total;
        found = true;
        a->len = mark;
    }
    if (!found)
        return knows_form(known, a->p + s) ? s : reading;
    for (size_t j = 0; j < k; j++)
        len[idx[j]] = (best >> j & 1) ? 2 : 1;
    return put_runs(a, s, r, nr, len);
}

/* Puts form off first among the word's forms, keeping them all (the one it
 * equals, or every one when it is new and there is room); false when it
 * is new and there is none. */
static bool show_first(struct arena *a, struct mg_norm_word *w, size_t *forms,
                       size_t off)
{
    size_t j = 0;
    while (j < w->nforms && strcmp(a->p + forms[j], a->p + off) != 0)
        j++;
    if (j == w->nforms) {
        if (w->nforms == MG_NORM_MAX_FORMS)
            return false; /* it would push a form out */
        memmove(forms + 1, forms, w->nforms * sizeof *forms);
        forms[0] = off;
        w->nforms++;
        if (w->squeezed >= 0)
            w->squeezed++;
        return true;
    }
    size_t first = forms[0];
    forms[0] = forms[j];
    forms[j] = first;
    if (w->squeezed == 0)
        w->squeezed = (int8_t)j;
    else if (w->squeezed == (int8_t)j)
        w->squeezed = 0;
    return true;
}

/* In a stretched text, each word with a doubled letter that no list holds
 * as written shows the reading stretched_reading gives it, first of its
 * forms; maybe: words with a doubled letter (mg__put_forms' traits), 0 for
 * none. Ordinary texts stop at the count. */
void mg__show_stretched(struct arena *a, struct mg_norm *out, size_t *offs,
                        size_t maybe, const struct mg_norm_known *known)
{
    if (maybe < 2)
        return;
    size_t cap = 0;
    for (size_t i = 0; i < out->nwords; i++) {
        size_t n = strlen(a->p + offs[i * MG_NORM_MAX_FORMS]);
        cap = n > cap ? n : cap;
    }
    struct run *r = mg_malloc((cap + 1) * sizeof *r);
    size_t *len = mg_malloc((cap + 1) * sizeof *len);
    struct stretch_count c = {0, 0, 0, 0, 0};
    for (size_t i = 0; i < out->nwords; i++) {
        size_t letters;
        size_t nr = runs_of(a->p + offs[i * MG_NORM_MAX_FORMS], r, &letters);
        if (letters < 3)
            continue;
        c.words++;
        bool marked = false, vowel = false;
        for (size_t k = 0; k < nr; k++) {
            marked = marked || run_stretched(r, k, nr, letters);
            vowel = vowel || ((r[k].c == 'e' || r[k].c == 'o') && r[k].n >= 2);
            bool aiu = never_doubled(r[k].c);
            c.aiu += aiu;
            c.aiu_two += aiu && r[k].n >= 2;
        }
        c.marked += marked;
        c.vowels += vowel && !marked;
    }
    if (reads_stretched(&c)) {
        bool doubling = doubles_vowels(&c);
        for (size_t i = 0; i < out->nwords; i++) {
            size_t *forms = offs + i * MG_NORM_MAX_FORMS, letters;
            size_t s = forms[0];
            size_t nr = runs_of(a->p + s, r, &letters);
            bool twice = false;
            for (size_t k = 0; k < nr && !twice; k++)
                twice = r[k].letter && r[k].n >= 2;
            if (!twice)
                continue;
            size_t mark = a->len;
            size_t off =
                stretched_reading(a, s, r, nr, letters, doubling, known, len);
            if (off == s || !show_first(a, &out->words[i], forms, off))
                a->len = mark;
        }
    }
    mg_free(len);
    mg_free(r);
}
