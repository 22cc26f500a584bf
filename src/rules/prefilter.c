/* prefilter.c: literal factors of a PCRE2 pattern (as RE2's prefilter and
 * Hyperscan's literal extraction compute them, for the subset of the syntax
 * that rule files use), and a bigram-bucketed scan for all of a rule set's
 * factors at once.
 *
 * Each part of a pattern is read as one of three things:
 *   exact    it matches one of a small set of strings and nothing else
 *            ("mrs?" is {mr, mrs});
 *   needs    every match of it holds one of a set of strings;
 *   nothing  it promises no string (".*", "\w+", a class of ranges).
 * A sequence keeps the exact cross product while it stays small, then the
 * better of its parts' needs (the one whose shortest string is longest);
 * an alternation unions its branches' sets, and is nothing if one branch
 * is; an optional part is nothing unless it is a short exact set. Every
 * step only loses information, never invents it, which is what makes a
 * skipped pattern a pattern that could not have matched. */
#include "src/rules/prefilter.h"

#include <stdlib.h>
#include <string.h>

#include "modgate/alloc.h"
#include "modgate/unicode.h"

#define MAX_EXACT 64     /* strings an exact set may hold */
#define MAX_EXACT_LEN 32 /* bytes an exact string may grow to */
#define MAX_NEEDS 512    /* strings a needs set may hold */
#define MAX_DEPTH 64     /* groups inside groups */
#define MAX_CLASS 8      /* characters of a class read as an exact set */

/* A needed "string" that stands for any decimal digit (\d): a text holds
 * it when mg_unicode_has_decimal_digit says so. Its length ranks it with
 * two-byte strings, below any real word a pattern needs. */
#define DIGIT "\x01" "D" /* upper case: no text in scan form has it */

struct strs {
    char **s;
    size_t *len;
    size_t n, cap;
};

enum info_kind { INFO_EXACT, INFO_NEEDS, INFO_NOTHING };

struct info {
    enum info_kind kind;
    struct strs set; /* empty for INFO_NOTHING */
};

struct parser {
    const char *p;
    bool fail;
    int depth;
};

/* ---- sets of strings ---- */

static void strs_free(struct strs *s)
{
    for (size_t i = 0; i < s->n; i++)
        mg_free(s->s[i]);
    mg_free(s->s);
    mg_free(s->len);
    *s = (struct strs){0};
}

/* Adds str (taking ownership), even one the set has: unions of big sets
 * would otherwise cost a comparison per pair (mg__prefilter_needs drops
 * the copies). */
static void strs_push_owned(struct strs *s, char *str, size_t len)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 4;
        s->s = mg_realloc(s->s, s->cap * sizeof *s->s);
        s->len = mg_realloc(s->len, s->cap * sizeof *s->len);
    }
    s->s[s->n] = str;
    s->len[s->n++] = len;
}

static bool strs_has(const struct strs *s, const char *str, size_t len)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->len[i] == len && memcmp(s->s[i], str, len) == 0)
            return true;
    return false;
}

/* Adds a copy of a string the set does not have (exact sets: a few dozen). */
static void strs_add(struct strs *s, const char *str, size_t len)
{
    if (!strs_has(s, str, len))
        strs_push_owned(s, mg_strndup(str, len), len);
}

/* Moves b's strings into a (those a has already only when `unique`), and
 * leaves b empty. */
static void strs_move(struct strs *a, struct strs *b, bool unique)
{
    for (size_t i = 0; i < b->n; i++) {
        if (unique && strs_has(a, b->s[i], b->len[i]))
            mg_free(b->s[i]);
        else
            strs_push_owned(a, b->s[i], b->len[i]);
    }
    b->n = 0;
    strs_free(b);
}

static size_t shortest(const struct strs *s)
{
    size_t min = SIZE_MAX;
    for (size_t i = 0; i < s->n; i++)
        if (s->len[i] < min)
            min = s->len[i];
    return min;
}

/* ---- what a part tells ---- */

static struct info nothing(void)
{
    return (struct info){.kind = INFO_NOTHING};
}

static struct info exact_of(const char *str, size_t len)
{
    struct info in = {.kind = INFO_EXACT};
    strs_add(&in.set, str, len);
    return in;
}

static struct info exact_empty(void)
{
    return exact_of("", 0);
}

static void info_free(struct info *in)
{
    strs_free(&in->set);
    in->kind = INFO_NOTHING;
}

/* An exact set read as needs: a match holds the string it matched. One
 * that may match the empty string needs nothing. */
static struct info to_needs(struct info in)
{
    if (in.kind != INFO_EXACT)
        return in;
    if (in.set.n == 0 || shortest(&in.set) == 0) {
        info_free(&in);
        return nothing();
    }
    in.kind = INFO_NEEDS;
    return in;
}

/* How rare a set's strings are: its shortest string's length, where a
 * digit counts as one byte (most comments hold one). */
static size_t rarity(const struct strs *s)
{
    size_t min = SIZE_MAX;
    for (size_t i = 0; i < s->n; i++) {
        bool digit = s->len[i] == strlen(DIGIT) && memcmp(s->s[i], DIGIT, s->len[i]) == 0;
        size_t len = digit ? 1 : s->len[i];
        if (len < min)
            min = len;
    }
    return min;
}

/* Of two needs, the one that filters more: longer strings are rarer, and
 * fewer strings are fewer chances. */
static struct info better(struct info a, struct info b)
{
    if (a.kind == INFO_NOTHING)
        return b;
    if (b.kind == INFO_NOTHING)
        return a;
    size_t la = rarity(&a.set), lb = rarity(&b.set);
    bool keep_a = la > lb || (la == lb && a.set.n <= b.set.n);
    info_free(keep_a ? &b : &a);
    return keep_a ? a : b;
}

/* The exact set a followed by b, when it stays small: false otherwise. */
static bool cross(const struct info *a, const struct info *b, struct info *out)
{
    if (a->set.n * b->set.n > MAX_EXACT)
        return false;
    *out = (struct info){.kind = INFO_EXACT};
    /* distinct strings with one same prefix or suffix stay distinct: only
     * a product of two sets of several can make a string twice */
    bool unique = a->set.n == 1 || b->set.n == 1;
    for (size_t i = 0; i < a->set.n; i++)
        for (size_t k = 0; k < b->set.n; k++) {
            size_t la = a->set.len[i], lb = b->set.len[k];
            if (la + lb > MAX_EXACT_LEN) {
                info_free(out);
                return false;
            }
            char *joined = mg_malloc(la + lb + 1);
            memcpy(joined, a->set.s[i], la);
            memcpy(joined + la, b->set.s[k], lb);
            joined[la + lb] = '\0';
            if (!unique && strs_has(&out->set, joined, la + lb))
                mg_free(joined);
            else
                strs_push_owned(&out->set, joined, la + lb);
        }
    return true;
}

static struct info alternate(struct info a, struct info b)
{
    if (a.kind == INFO_EXACT && b.kind == INFO_EXACT && a.set.n + b.set.n <= MAX_EXACT) {
        strs_move(&a.set, &b.set, true);
        return a;
    }
    a = to_needs(a);
    b = to_needs(b);
    if (a.kind == INFO_NOTHING || b.kind == INFO_NOTHING ||
        a.set.n + b.set.n > MAX_NEEDS) {
        info_free(&a);
        info_free(&b);
        return nothing();
    }
    strs_move(&a.set, &b.set, false);
    return a;
}

/* x{min,max}; max < 0 for no upper bound. */
static struct info repeat(struct info a, long min, long max)
{
    if (min == 0) {
        if (max == 1 && a.kind == INFO_EXACT && a.set.n < MAX_EXACT) {
            strs_add(&a.set, "", 0);
            return a;
        }
        info_free(&a);
        return nothing();
    }
    if (min == 1 && max == 1)
        return a;
    return to_needs(a);
}

/* ---- characters ---- */

static size_t utf8_length(unsigned char lead)
{
    return lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 0;
}

static uint32_t utf8_decode(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    uint32_t cp = n == 1 ? u[0] : n == 2 ? u[0] & 0x1Fu : n == 3 ? u[0] & 0x0Fu : u[0] & 0x07u;
    for (size_t i = 1; i < n; i++)
        cp = (cp << 6) | (u[i] & 0x3Fu);
    return cp;
}

/* Characters without case (Latin-1 and general punctuation, currency
 * signs, arrows and shapes, CJK punctuation, emoji, Hangul, kana, CJK): a caseless pattern's character from
 * these matches only itself, so its bytes are a literal. Other non-ASCII letters have
 * case partners (and Unicode's caseless sets are wider than ASCII's). */
static bool has_no_case(uint32_t cp)
{
    return (cp >= 0xA1 && cp <= 0xBF) || (cp >= 0x2000 && cp <= 0x20CF) ||
           (cp >= 0x2190 && cp <= 0x245F) || (cp >= 0x2500 && cp <= 0x2BFF) ||
           (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0x1F000 && cp <= 0x1FAFF) ||
           (cp >= 0x1100 && cp <= 0x11FF) || (cp >= 0x3040 && cp <= 0x30FF) ||
           (cp >= 0x3130 && cp <= 0x318F) || (cp >= 0x4E00 && cp <= 0x9FFF) ||
           (cp >= 0xAC00 && cp <= 0xD7A3);
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* One character written as itself. */
static struct info literal(struct parser *ps)
{
    size_t n = utf8_length((unsigned char)*ps->p);
    for (size_t i = 1; i < n; i++)
        if ((ps->p[i] & 0xC0) != 0x80)
            n = 0;
    if (n == 0) {
        ps->fail = true;
        return nothing();
    }
    const char *at = ps->p;
    ps->p += n;
    if (n == 1) {
        char c = lower(*at);
        return exact_of(&c, 1);
    }
    return has_no_case(utf8_decode(at, n)) ? exact_of(at, n) : nothing();
}

/* ---- the pattern ---- */

static struct info parse_alternation(struct parser *ps);

/* Skips from an opening delimiter's next character past `close`. */
static void skip_past(struct parser *ps, char close)
{
    const char *end = strchr(ps->p, close);
    if (!end)
        ps->fail = true;
    else
        ps->p = end + 1;
}

static struct info parse_escape(struct parser *ps)
{
    char e = ps->p[1];
    switch (e) {
    case 'b': case 'B': case 'A': case 'z': case 'Z': case 'G': case 'K':
        ps->p += 2;
        return exact_empty(); /* assertions: they match no text */
    case 'd': {
        ps->p += 2;
        struct info in = exact_of(DIGIT, strlen(DIGIT));
        in.kind = INFO_NEEDS; /* never joined to the letters around it */
        return in;
    }
    case 'D': case 'w': case 'W': case 's': case 'S': case 'h':
    case 'H': case 'v': case 'V': case 'R': case 'X': case 'C':
        ps->p += 2;
        return nothing();
    case 'p': case 'P':
        ps->p += 2;
        if (*ps->p == '{')
            skip_past(ps, '}');
        else if (*ps->p)
            ps->p++;
        return nothing();
    default:
        break;
    }
    /* back references, \x, \o, \c, \Q, \N, \g, \k and the rest: not read */
    if (e == '\0' || is_alnum(e) || (unsigned char)e >= 0x80) {
        ps->fail = true;
        return nothing();
    }
    ps->p += 2;
    char c = e; /* an escaped punctuation character is itself */
    return exact_of(&c, 1);
}

/* [...]: a few plain characters are an exact set; ranges, classes,
 * negation and non-ASCII characters promise nothing. */
static struct info parse_class(struct parser *ps)
{
    ps->p++;
    bool negated = *ps->p == '^', complex = negated;
    if (negated)
        ps->p++;
    struct strs chars = {0};
    for (bool first = true;; first = false) {
        char c = *ps->p;
        if (c == '\0') {
            ps->fail = true;
            break;
        }
        if (c == ']' && !first) {
            ps->p++;
            break;
        }
        if (c == '[' && (ps->p[1] == ':' || ps->p[1] == '.' || ps->p[1] == '=')) {
            ps->fail = true; /* POSIX classes and collating elements */
            break;
        }
        if (c == '\\') {
            char e = ps->p[1];
            if (e == '\0' || e == 'Q' || e == 'E' || (unsigned char)e >= 0x80) {
                ps->fail = true;
                break;
            }
            ps->p += 2;
            if (is_alnum(e)) {
                complex = true;
                if ((e == 'p' || e == 'P' || e == 'x' || e == 'o' || e == 'N') && *ps->p == '{')
                    skip_past(ps, '}');
                continue;
            }
            if (*ps->p == '-' && ps->p[1] != ']')
                complex = true; /* a range from an escaped character */
            strs_add(&chars, &e, 1);
            continue;
        }
        size_t n = utf8_length((unsigned char)c);
        for (size_t i = 1; i < n; i++)
            if ((ps->p[i] & 0xC0) != 0x80)
                n = 0;
        if (n == 0) {
            ps->fail = true;
            break;
        }
        const char *at = ps->p;
        ps->p += n;
        if (*ps->p == '-' && ps->p[1] != ']')
            complex = true; /* a range: its other end is read as a character */
        if (n == 1) {
            char l = lower(c);
            strs_add(&chars, &l, 1);
        } else if (has_no_case(utf8_decode(at, n))) {
            strs_add(&chars, at, n);
        } else {
            complex = true;
        }
    }
    if (ps->fail || complex || chars.n > MAX_CLASS) {
        strs_free(&chars);
        return nothing();
    }
    return (struct info){.kind = INFO_EXACT, .set = chars};
}

/* (?imnsJU-^) or (?imnsJU-^: sets options. Extended mode (x) changes what
 * every later character means, so it is not read; nor are (?R), (?C),
 * (?1) and the other forms that look like options. */
static bool parse_options(struct parser *ps, bool *is_group)
{
    const char *q = ps->p;
    while (*q && strchr("imnsJU-^", *q))
        q++;
    if (*q != ')' && *q != ':')
        return false;
    *is_group = *q == ':';
    ps->p = q + 1;
    return true;
}

static struct info parse_group(struct parser *ps)
{
    if (++ps->depth > MAX_DEPTH || ps->p[1] == '*') {
        ps->fail = true;
        return nothing();
    }
    bool keep = true; /* false: a lookaround, whose text is not the match's */
    if (ps->p[1] != '?') {
        ps->p++;
    } else {
        ps->p += 2;
        char k = *ps->p;
        if (k == '#') {
            /* a comment is not an atom: "i(?#x)?" makes the i optional,
             * which this reader would get wrong; not read */
            ps->fail = true;
            return nothing();
        } else if (k == ':' || k == '|' || k == '>') {
            ps->p++;
        } else if (k == '=' || k == '!') {
            ps->p++;
            keep = false;
        } else if (k == '<' && (ps->p[1] == '=' || ps->p[1] == '!')) {
            ps->p += 2;
            keep = false;
        } else if (k == '<' || k == '\'' || (k == 'P' && ps->p[1] == '<')) {
            skip_past(ps, k == '\'' ? '\'' : '>');
        } else {
            bool is_group = false;
            if (!parse_options(ps, &is_group)) {
                ps->fail = true;
                return nothing();
            }
            if (!is_group) {
                ps->depth--;
                /* nor is an option setting: a quantifier after one is not
                 * read either */
                if (*ps->p && strchr("?*+{", *ps->p))
                    ps->fail = true;
                return exact_empty();
            }
        }
    }
    struct info in = ps->fail ? nothing() : parse_alternation(ps);
    if (*ps->p != ')')
        ps->fail = true;
    else
        ps->p++;
    ps->depth--;
    if (!keep) {
        info_free(&in);
        return exact_empty();
    }
    return in;
}

static struct info parse_atom(struct parser *ps)
{
    switch (*ps->p) {
    case '(':
        return parse_group(ps);
    case '[':
        return parse_class(ps);
    case '\\':
        return parse_escape(ps);
    case '.':
        ps->p++;
        return nothing();
    case '^':
    case '$':
        ps->p++;
        return exact_empty();
    case '*':
    case '+':
    case '?':
        ps->fail = true;
        return nothing();
    default:
        return literal(ps);
    }
}

static bool read_number(const char **q, long *out)
{
    if (**q < '0' || **q > '9')
        return false;
    long v = 0;
    while (**q >= '0' && **q <= '9') {
        if (v < 100000)
            v = v * 10 + (**q - '0');
        (*q)++;
    }
    *out = v;
    return true;
}

/* {n}, {n,}, {n,m}; anything else after '{' is a literal '{'. "{,m}"
 * means different things in different PCRE2 versions: not read. */
static bool parse_braces(struct parser *ps, long *min, long *max)
{
    const char *q = ps->p + 1;
    if (*q == ',') {
        ps->fail = true;
        return false;
    }
    if (!read_number(&q, min))
        return false;
    *max = *min;
    if (*q == ',') {
        q++;
        *max = -1;
        if (*q != '}' && !read_number(&q, max))
            return false;
    }
    if (*q != '}')
        return false;
    ps->p = q + 1;
    return true;
}

static struct info parse_quantifiers(struct parser *ps, struct info atom)
{
    for (;;) {
        long min, max;
        char c = *ps->p;
        if (c == '?') {
            min = 0, max = 1;
            ps->p++;
        } else if (c == '*') {
            min = 0, max = -1;
            ps->p++;
        } else if (c == '+') {
            min = 1, max = -1;
            ps->p++;
        } else if (c != '{' || !parse_braces(ps, &min, &max)) {
            return atom;
        }
        atom = repeat(atom, min, max);
        if (*ps->p == '?' || *ps->p == '+') /* lazy or possessive */
            ps->p++;
    }
}

/* A sequence is read as the best needs of its parts, where a part is a
 * run of exact atoms joined ("o", "f", "f" are "off"; "colou?r" is
 * {colour, color}) or an atom that is not exact. While every atom is
 * exact and their product small, the whole sequence is exact. */
static struct info parse_sequence(struct parser *ps)
{
    struct info needs = nothing(), run = exact_empty();
    bool whole = true;
    while (!ps->fail && *ps->p && *ps->p != '|' && *ps->p != ')') {
        struct info atom = parse_atom(ps);
        if (!ps->fail)
            atom = parse_quantifiers(ps, atom);
        struct info joined;
        if (atom.kind == INFO_EXACT && cross(&run, &atom, &joined)) {
            info_free(&run);
            info_free(&atom);
            run = joined;
            continue;
        }
        whole = false;
        needs = better(needs, to_needs(run));
        if (atom.kind == INFO_EXACT) {
            run = atom;
        } else {
            needs = better(needs, atom);
            run = exact_empty();
        }
    }
    if (whole) {
        info_free(&needs);
        return run;
    }
    return better(needs, to_needs(run));
}

static struct info parse_alternation(struct parser *ps)
{
    struct info in = parse_sequence(ps);
    while (!ps->fail && *ps->p == '|') {
        ps->p++;
        in = alternate(in, parse_sequence(ps));
    }
    return in;
}

static int by_bytes(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

bool mg__prefilter_needs(const char *pattern, char ***lits, size_t *nlits)
{
    struct parser ps = {.p = pattern};
    /* start-of-pattern options that change no character's meaning here
     * (the pattern is compiled UTF and UCP anyway); other verbs are not
     * read (parse_group) */
    for (bool more = true; more;) {
        more = false;
        static const char *const verbs[] = {"(*UCP)", "(*UTF)", "(*UTF8)"};
        for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
            if (strncmp(ps.p, verbs[i], strlen(verbs[i])) == 0) {
                ps.p += strlen(verbs[i]);
                more = true;
            }
    }
    struct info in = parse_alternation(&ps);
    if (*ps.p != '\0')
        ps.fail = true;
    in = to_needs(in);
    if (ps.fail || in.kind == INFO_NOTHING || shortest(&in.set) < 2) {
        info_free(&in);
        return false;
    }
    /* sorted, each string once */
    qsort(in.set.s, in.set.n, sizeof *in.set.s, by_bytes);
    size_t n = 0;
    for (size_t k = 0; k < in.set.n; k++) {
        if (n && strcmp(in.set.s[n - 1], in.set.s[k]) == 0)
            mg_free(in.set.s[k]);
        else
            in.set.s[n++] = in.set.s[k];
    }
    mg_free(in.set.len);
    *lits = in.set.s;
    *nlits = n;
    return true;
}

void mg__prefilter_lits_free(char **lits, size_t nlits)
{
    struct strs s = {.s = lits, .n = nlits};
    strs_free(&s);
}

/* ---- the rule set's strings and the scan ---- */

#define BUCKET_BITS 14
#define BUCKETS (1u << BUCKET_BITS)

/* Strings of four bytes or more are found by their first four bytes,
 * hashed: one probe per position of the text, and a probe that finds a
 * chain compares a whole 32-bit word before anything else. The few
 * shorter strings are found by their first two bytes, behind a bitmap of
 * the pairs that start one. */
struct mg__prefilter {
    char **lits;
    uint32_t *lens;
    uint32_t *heads; /* a string's first four bytes (short: zero-padded) */
    uint32_t *tails; /* its next four, zero-padded, and which of them count */
    uint32_t *tail_masks;
    uint32_t *next;  /* 1 + the next string of the same bucket, 0: none */
    size_t n;
    uint32_t digit; /* 1 + the number of DIGIT, 0: not added */
    uint32_t long_head[BUCKETS];  /* 1 + the first string, 0: none */
    uint32_t short_head[BUCKETS];
    uint8_t short_pairs[65536 / 8];
};

static uint32_t word_at(const char *s)
{
    uint32_t w;
    memcpy(&w, s, sizeof w);
    return w;
}

static unsigned long_bucket(uint32_t word)
{
    return (word * 2654435761u) >> (32 - BUCKET_BITS);
}

static unsigned pair_of(const char *s)
{
    return (unsigned)(unsigned char)s[0] << 8 | (unsigned char)s[1];
}

static unsigned short_bucket(unsigned pair)
{
    return (pair * 2654435761u) >> (32 - BUCKET_BITS);
}

struct mg__prefilter *mg__prefilter_new(void)
{
    return mg_calloc(1, sizeof(struct mg__prefilter));
}

void mg__prefilter_free(struct mg__prefilter *pf)
{
    if (!pf)
        return;
    for (size_t i = 0; i < pf->n; i++)
        mg_free(pf->lits[i]);
    mg_free(pf->lits);
    mg_free(pf->lens);
    mg_free(pf->heads);
    mg_free(pf->tails);
    mg_free(pf->tail_masks);
    mg_free(pf->next);
    mg_free(pf);
}

uint32_t mg__prefilter_add(struct mg__prefilter *pf, const char *lit, size_t len)
{
    char first[4] = {0};
    memcpy(first, lit, len < 4 ? len : 4);
    uint32_t word = word_at(first);
    uint32_t *head;
    if (len >= 4) {
        head = &pf->long_head[long_bucket(word)];
    } else {
        unsigned pair = pair_of(lit);
        pf->short_pairs[pair >> 3] |= (uint8_t)(1u << (pair & 7));
        head = &pf->short_head[short_bucket(pair)];
    }
    for (uint32_t at = *head; at; at = pf->next[at - 1])
        if (pf->lens[at - 1] == len && memcmp(pf->lits[at - 1], lit, len) == 0)
            return at - 1;
    pf->lits = mg_realloc(pf->lits, (pf->n + 1) * sizeof *pf->lits);
    pf->lens = mg_realloc(pf->lens, (pf->n + 1) * sizeof *pf->lens);
    pf->heads = mg_realloc(pf->heads, (pf->n + 1) * sizeof *pf->heads);
    pf->tails = mg_realloc(pf->tails, (pf->n + 1) * sizeof *pf->tails);
    pf->tail_masks = mg_realloc(pf->tail_masks, (pf->n + 1) * sizeof *pf->tail_masks);
    char tail[4] = {0}, mask[4] = {0};
    for (size_t i = 4; i < len && i < 8; i++) {
        tail[i - 4] = lit[i];
        mask[i - 4] = (char)0xFF;
    }
    pf->tails[pf->n] = word_at(tail);
    pf->tail_masks[pf->n] = word_at(mask);
    pf->next = mg_realloc(pf->next, (pf->n + 1) * sizeof *pf->next);
    pf->lits[pf->n] = mg_strndup(lit, len);
    pf->lens[pf->n] = (uint32_t)len;
    pf->heads[pf->n] = word;
    pf->next[pf->n] = *head;
    *head = (uint32_t)(pf->n + 1);
    if (len == strlen(DIGIT) && memcmp(lit, DIGIT, len) == 0)
        pf->digit = (uint32_t)(pf->n + 1);
    return (uint32_t)pf->n++;
}

size_t mg__prefilter_count(const struct mg__prefilter *pf)
{
    return pf->n;
}

/* The text in scan form into out (at most len bytes); returns its length.
 * *digits is set when the text holds an ASCII digit, *wide when it holds
 * any other character than ASCII. */
static size_t scan_form(const char *text, size_t len, char *out, bool *digits, bool *wide)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c < 0x80) {
            *digits |= c >= '0' && c <= '9';
            out[o++] = lower((char)c);
            continue;
        }
        *wide = true;
        if (c == 0xC5 && i + 1 < len && (unsigned char)text[i + 1] == 0xBF) {
            out[o++] = 's'; /* U+017F LATIN SMALL LETTER LONG S */
            i += 1;
        } else if (c == 0xE2 && i + 2 < len && (unsigned char)text[i + 1] == 0x84 &&
                   (unsigned char)text[i + 2] == 0xAA) {
            out[o++] = 'k'; /* U+212A KELVIN SIGN */
            i += 2;
        } else {
            out[o++] = (char)c;
        }
    }
    return o;
}

static void mark(uint8_t *seen, uint32_t id)
{
    seen[id >> 3] |= (uint8_t)(1u << (id & 7));
}

void mg__prefilter_scan(const struct mg__prefilter *pf, const char *text, size_t len,
                        uint8_t *seen)
{
    if (pf->n == 0)
        return;
    if (len < 2) {
        /* no literal fits in it (each has 2 bytes or more), but a digit
         * does: a text of one digit matches \d */
        if (pf->digit && len == 1 && text[0] >= '0' && text[0] <= '9')
            mark(seen, pf->digit - 1);
        return;
    }
    char local[1024];
    /* eight bytes of zeros after the text, so that every position has two
     * whole words to probe with */
    char *s = len + 8 <= sizeof local ? local : mg_malloc(len + 8);
    bool digits = false, wide = false;
    size_t n = scan_form(text, len, s, &digits, &wide);
    memset(s + n, 0, 8);
    for (size_t i = 0; i + 1 < n; i++) {
        uint32_t word = word_at(s + i);
        if (i + 4 <= n)
            for (uint32_t at = pf->long_head[long_bucket(word)]; at; at = pf->next[at - 1]) {
                uint32_t id = at - 1;
                if (pf->heads[id] == word && pf->lens[id] <= n - i &&
                    (word_at(s + i + 4) & pf->tail_masks[id]) == pf->tails[id] &&
                    !mg__prefilter_seen(seen, id) &&
                    (pf->lens[id] <= 8 ||
                     memcmp(s + i + 8, pf->lits[id] + 8, pf->lens[id] - 8) == 0))
                    mark(seen, id);
            }
        unsigned pair = pair_of(s + i);
        if (!((pf->short_pairs[pair >> 3] >> (pair & 7)) & 1))
            continue;
        for (uint32_t at = pf->short_head[short_bucket(pair)]; at; at = pf->next[at - 1]) {
            uint32_t id = at - 1;
            if (pf->lens[id] <= n - i && !mg__prefilter_seen(seen, id) &&
                memcmp(s + i, pf->lits[id], pf->lens[id]) == 0)
                mark(seen, id);
        }
    }
    if (s != local)
        mg_free(s);
    if (pf->digit && (digits || (wide && mg_unicode_has_decimal_digit(text, len))))
        mark(seen, pf->digit - 1);
}
