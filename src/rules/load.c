/* load.c: a rules directory into a struct mg_rules. Two passes over the
 * YAML files in name order: the first collects `thresholds`, `lists` and
 * the names of `conditions` (so a rule may use a list or a condition
 * declared in a later file); then the named conditions are compiled; the
 * second pass compiles `rules`. Every problem found is recorded with its file, line and column;
 * loading goes on to find more, and any problem fails the whole load. */
#include "modgate/rules.h"

#include <dirent.h>
#include <libfyaml.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modgate/alloc.h"
#include "modgate/buf.h"
#include "modgate/crypto.h"
#include "modgate/detect.h"
#include "modgate/files.h"
#include "modgate/normalize.h"
#include "modgate/text.h"
#include "modgate/yaml.h"
#include "src/rules/ruleset.h"

#define MAX_FILE_BYTES (16u << 20) /* a list of a million words fits */
#define MAX_FILES 1000
#define DEFAULT_HOLD_AT 5.0
#define DEFAULT_REJECT_AT 10.0
/* PCRE2 limits: a hostile comment must not make a pattern run away. With
 * them a match gives up (and counts as no match) long before a
 * millisecond. */
#define REGEX_MATCH_LIMIT 100000
#define REGEX_DEPTH_LIMIT 5000

struct source {
    char *name; /* relative to the rules directory */
    char *text;
    size_t len;
    struct mg_yaml_doc *doc; /* YAML files only */
};

/* Where a named condition was written, and how far its compilation got.
 * Conditions are compiled on first use (a condition may use one defined
 * further on), so one met again while being compiled closes a cycle. */
enum def_state { DEF_NEW, DEF_COMPILING, DEF_DONE };

struct cond_def {
    const char *file; /* the source's name (the loader owns it) */
    struct fy_node *key, *body;
    enum def_state state;
    uint32_t height; /* once compiled: 1 + the height of the highest
                        condition it uses (judging recurses that deep) */
};

#define MAX_COND_CHAIN 32 /* conditions using conditions, as deep as nesting */

struct loader {
    struct mg_rules *set;
    struct mg_rules_errors *errs;
    size_t nerrors;
    struct source *files;
    size_t nfiles;
    const char *dir; /* NULL: lists come from files[] only */
    const char *file; /* the file being read, for errors */
    bool thresholds_seen;
    struct cond_def *defs; /* parallel to set->conds */
    uint32_t chain[MAX_COND_CHAIN]; /* the conditions being compiled */
    size_t nchain;
    uint32_t used_height; /* the highest condition used by the one being
                             compiled so far */
};

/* ---- errors ---- */

static void failv(struct loader *ld, const char *file, int line, int column,
                  const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));
static void failv(struct loader *ld, const char *file, int line, int column,
                  const char *fmt, va_list ap)
{
    ld->nerrors++;
    if (!ld->errs)
        return;
    if (ld->errs->count >= MG_RULES_MAX_ERRORS) {
        ld->errs->more++;
        return;
    }
    char msg[400];
    vsnprintf(msg, sizeof msg, fmt, ap);
    mg_error_set(&ld->errs->items[ld->errs->count++], file, line, column, "%s",
                 msg);
}

static void fail_at(struct loader *ld, struct fy_node *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail_at(struct loader *ld, struct fy_node *at, const char *fmt, ...)
{
    int line = 0, column = 0;
    mg_yaml_fy_node_pos(at, &line, &column);
    /* an empty collection has no scalar to point at: use the nearest
     * enclosing node that has one */
    for (struct fy_node *up = at; line == 0 && up; up = fy_node_get_parent(up))
        mg_yaml_fy_node_pos(up, &line, &column);
    va_list ap;
    va_start(ap, fmt);
    failv(ld, ld->file, line, column, fmt, ap);
    va_end(ap);
}

static void fail_line(struct loader *ld, const char *file, int line, int column,
                      const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void fail_line(struct loader *ld, const char *file, int line, int column,
                      const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    failv(ld, file, line, column, fmt, ap);
    va_end(ap);
}

/* ---- YAML helpers ---- */

static bool is_type(struct fy_node *n, enum fy_node_type t)
{
    return n && !fy_node_is_alias(n) && fy_node_get_type(n) == t;
}

/* The scalar's text (NUL-terminated copy owned by the caller), or NULL. */
static char *scalar_dup(struct fy_node *n)
{
    if (!is_type(n, FYNT_SCALAR))
        return NULL;
    size_t len;
    const char *text = fy_node_get_scalar(n, &len);
    if (!text || memchr(text, '\0', len))
        return NULL;
    char *out = mg_malloc(len + 1);
    memcpy(out, text, len);
    out[len] = '\0';
    return out;
}

static bool scalar_is(struct fy_node *n, const char *word)
{
    if (!is_type(n, FYNT_SCALAR))
        return false;
    size_t len;
    const char *text = fy_node_get_scalar(n, &len);
    return text && len == strlen(word) && memcmp(text, word, len) == 0;
}

static bool scalar_number(struct fy_node *n, double *out)
{
    char *text = scalar_dup(n);
    if (!text)
        return false;
    char *end;
    double v = strtod(text, &end);
    bool ok = end != text && *end == '\0' && isfinite(v);
    mg_free(text);
    if (ok)
        *out = v;
    return ok;
}

static const char *kind_of(struct fy_node *n)
{
    if (!n || mg_yaml_fy_is_null(n))
        return "nothing";
    if (fy_node_is_alias(n))
        return "an alias";
    switch (fy_node_get_type(n)) {
    case FYNT_MAPPING: return "a mapping";
    case FYNT_SEQUENCE: return "a list";
    default: return "a scalar";
    }
}

/* ---- sources ---- */

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct source *)a)->name, ((const struct source *)b)->name);
}

/* A list file named by a rule file: from the files given, or read from the
 * directory. Paths stay inside the rules directory. */
static const struct source *find_source(struct loader *ld, const char *name,
                                        struct fy_node *at)
{
    if (name[0] == '/' || strstr(name, "..") || name[0] == '\0') {
        fail_at(ld, at, "list file '%s' must be a path inside the rules directory",
                name);
        return NULL;
    }
    for (size_t i = 0; i < ld->nfiles; i++)
        if (strcmp(ld->files[i].name, name) == 0)
            return &ld->files[i];
    if (!ld->dir) {
        fail_at(ld, at, "list file '%s' not found", name);
        return NULL;
    }
    char *path = mg_asprintf("%s/%s", ld->dir, name);
    struct source s = {0};
    struct mg_error err;
    if (mg_file_read(path, MAX_FILE_BYTES, &s.text, &s.len, &err) != MG_OK) {
        fail_at(ld, at, "list file '%s': %s", name, err.message);
        mg_free(path);
        return NULL;
    }
    mg_free(path);
    s.name = mg_strdup(name);
    ld->files = mg_realloc(ld->files, (ld->nfiles + 1) * sizeof *ld->files);
    ld->files[ld->nfiles] = s;
    return &ld->files[ld->nfiles++];
}

/* ---- lists ---- */

static int find_list(const struct mg_rules *set, const char *name)
{
    for (size_t i = 0; i < set->nlists; i++)
        if (strcmp(set->lists[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* An entry with a doubled letter is also filed under its squeezed
 * spelling, for words written with letters doubled to evade it
 * ("faaggoot" squeezes to "fagot", as "faggot" does); a phrase has every
 * word squeezed, since the text's words each offer a squeezed form ("liikee
 * thiis coommeent" meets "like this comment"), and notes which words had a
 * doubled letter: those must be met by a squeezed word, the others may be
 * met as written ("my chaanneel" meets "my channel", "like this coment"
 * does not meet "like this comment"). Not when a one-word entry is
 * left with fewer than 3 bytes: "ass" would be found in every "as" written
 * "aas". */
static void add_squeezed(struct loader *ld, uint32_t list, enum lex_kind kind,
                         const char *const *words, uint16_t nwords)
{
    if (kind != LEX_EXACT && kind != LEX_PREFIX)
        return;
    char *keys[64];
    uint64_t doubled = 0;
    for (uint16_t k = 0; k < nwords; k++) {
        keys[k] = mg_strdup(words[k]);
        if (mg_norm_squeeze(keys[k]) != strlen(words[k]))
            doubled |= 1ULL << k;
    }
    size_t len = strlen(keys[0]);
    if (doubled && (nwords > 1 || len >= 3))
        lexicon_add(ld->set->lexicon, keys[0], len, list,
                    kind == LEX_EXACT ? LEX_SQUEEZED : LEX_SQUEEZED_PREFIX, nwords,
                    (const char *const *)keys + 1, doubled);
    for (uint16_t k = 0; k < nwords; k++)
        mg_free(keys[k]);
}

/* One word-list entry: "word", "a phrase", "prefix*" or "*suffix", found
 * at file:line:col (an error inside it adds its byte offset to col). */
static void add_word(struct loader *ld, uint32_t list, const char *entry,
                     const char *file, int line, int col)
{
    size_t n = strlen(entry);
    enum lex_kind kind = LEX_EXACT;
    const char *body = entry;
    size_t body_len = n;
    if (n > 1 && entry[n - 1] == '*') {
        kind = LEX_PREFIX;
        body_len--;
    } else if (n > 1 && entry[0] == '*') {
        kind = LEX_SUFFIX;
        body++;
        body_len--;
    }
    const char *star = memchr(body, '*', body_len);
    if (star) {
        fail_line(ld, file, line, col + (int)(star - entry),
                  "'*' may only start or end a word (\"word*\" or \"*word\")");
        return;
    }
    char *norm = mg_normalize_entry(body, body_len);
    if (!norm) {
        fail_line(ld, file, line, col, "'%s' has no word in it", entry);
        return;
    }
    /* the normalized entry is words joined by single spaces */
    const char *words[64];
    uint16_t nwords = 0;
    for (char *w = norm; w && nwords < 64;) {
        words[nwords++] = w;
        w = strchr(w, ' ');
        if (w)
            *w++ = '\0';
    }
    if (kind != LEX_EXACT && nwords > 1) {
        fail_line(ld, file, line, col, "a wildcard entry must be one word: '%s'", entry);
    } else {
        lexicon_add(ld->set->lexicon, words[0], strlen(words[0]), list, kind,
                    nwords, words + 1, 0);
        add_squeezed(ld, list, kind, words, nwords);
    }
    mg_free(norm);
}

static void add_domain(struct loader *ld, uint32_t list, const char *entry,
                       const char *file, int line, int col)
{
    const char *d = entry;
    if (strncmp(d, "http://", 7) == 0)
        d += 7;
    else if (strncmp(d, "https://", 8) == 0)
        d += 8;
    if (strncmp(d, "*.", 2) == 0)
        d += 2;
    else if (d[0] == '.')
        d++;
    char host[256];
    size_t n = 0;
    for (; d[n] && d[n] != '/' && n + 1 < sizeof host; n++) {
        unsigned char c = (unsigned char)d[n];
        if (c == ' ' || c == ':' || c == '@') {
            fail_line(ld, file, line, col + (int)(d - entry + (ptrdiff_t)n),
                      "'%s' is not a domain", entry);
            return;
        }
        host[n] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    while (n > 0 && host[n - 1] == '.')
        n--;
    host[n] = '\0';
    if (n == 0 || !strchr(host, '.')) {
        fail_line(ld, file, line, col, "'%s' is not a domain (a name with a dot)",
                  entry);
        return;
    }
    lexicon_add(ld->set->lexicon, host, n, list, LEX_DOMAIN, 1, NULL, 0);
}

static void add_entry(struct loader *ld, uint32_t list, const char *entry,
                      const char *file, int line, int col)
{
    switch (ld->set->lists[list].kind) {
    case LIST_WORDS: add_word(ld, list, entry, file, line, col); break;
    case LIST_DOMAINS: add_domain(ld, list, entry, file, line, col); break;
    case LIST_AUTHORS:
        lexicon_add(ld->set->lexicon, entry, strlen(entry), list, LEX_ID, 1, NULL, 0);
        break;
    }
    ld->set->lists[list].entries++;
}

/* A list file: one entry a line, blank lines and `#` comments skipped
 * (a `#` after a space ends the entry, too), spaces around entries
 * trimmed. */
static void read_list_file(struct loader *ld, uint32_t list,
                           const struct source *src)
{
    struct mg_error err;
    if (mg_text_check_utf8(src->name, src->text, src->len, &err) != MG_OK) {
        fail_line(ld, src->name, err.line, err.column, "%s", err.message);
        return;
    }
    const char *p = src->text, *end = src->text + src->len;
    for (int line = 1; p < end; line++) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            eol = end;
        const char *a = p, *b = eol;
        for (const char *h = a; h < b; h++)
            if (*h == '#' && (h == a || h[-1] == ' ' || h[-1] == '\t')) {
                b = h;
                break;
            }
        while (a < b && (*a == ' ' || *a == '\t' || *a == '\r'))
            a++;
        while (b > a && (b[-1] == ' ' || b[-1] == '\t' || b[-1] == '\r'))
            b--;
        if (b > a) {
            char *entry = mg_malloc((size_t)(b - a) + 1);
            memcpy(entry, a, (size_t)(b - a));
            entry[b - a] = '\0';
            add_entry(ld, list, entry, src->name, line, (int)(a - p) + 1);
            mg_free(entry);
        }
        p = eol + 1;
    }
}

static void load_list(struct loader *ld, struct fy_node *key, struct fy_node *spec)
{
    char *name = scalar_dup(key);
    if (!name || !mg_text_is_id(name)) {
        fail_at(ld, key, "a list name is one word of letters, digits, '-', '_' or '.'");
        mg_free(name);
        return;
    }
    if (find_list(ld->set, name) >= 0) {
        fail_at(ld, key, "list '%s' is declared twice", name);
        mg_free(name);
        return;
    }
    if (!is_type(spec, FYNT_MAPPING)) {
        fail_at(ld, spec ? spec : key,
                "list '%s' wants a mapping with `file` or `entries`, not %s", name,
                kind_of(spec));
        mg_free(name);
        return;
    }
    struct mg_rules *set = ld->set;
    set->lists = mg_realloc(set->lists, (set->nlists + 1) * sizeof *set->lists);
    uint32_t id = (uint32_t)set->nlists++;
    set->lists[id] = (struct list){.name = name, .kind = LIST_WORDS};

    struct fy_node *file = NULL, *entries = NULL;
    void *iter = NULL;
    struct fy_node_pair *pair;
    while ((pair = fy_node_mapping_iterate(spec, &iter)) != NULL) {
        struct fy_node *k = fy_node_pair_key(pair), *v = fy_node_pair_value(pair);
        if (scalar_is(k, "file")) {
            file = v;
        } else if (scalar_is(k, "entries")) {
            entries = v;
        } else if (scalar_is(k, "kind")) {
            if (scalar_is(v, "words"))
                set->lists[id].kind = LIST_WORDS;
            else if (scalar_is(v, "domains"))
                set->lists[id].kind = LIST_DOMAINS;
            else if (scalar_is(v, "authors"))
                set->lists[id].kind = LIST_AUTHORS;
            else
                fail_at(ld, v, "list kind must be words, domains or authors");
        } else {
            char *kt = scalar_dup(k);
            fail_at(ld, k, "unknown key '%s' in list '%s' (file, entries, kind)",
                    kt ? kt : "?", name);
            mg_free(kt);
        }
    }
    if (!file && !entries)
        fail_at(ld, key, "list '%s' needs `file` or `entries`", name);
    if (file) {
        char *path = scalar_dup(file);
        if (!path) {
            fail_at(ld, file, "`file` wants a path, not %s", kind_of(file));
        } else {
            const struct source *src = find_source(ld, path, file);
            if (src)
                read_list_file(ld, id, src);
        }
        mg_free(path);
    }
    if (entries) {
        if (!is_type(entries, FYNT_SEQUENCE)) {
            fail_at(ld, entries, "`entries` wants a list, not %s", kind_of(entries));
            return;
        }
        void *it = NULL;
        struct fy_node *item;
        while ((item = fy_node_sequence_iterate(entries, &it)) != NULL) {
            char *entry = scalar_dup(item);
            int line = 0, column = 0;
            mg_yaml_fy_node_pos(item, &line, &column);
            if (!entry || !entry[0])
                fail_at(ld, item, "an entry is a word or phrase, not %s",
                        kind_of(item));
            else
                add_entry(ld, id, entry, ld->file, line, column);
            mg_free(entry);
        }
    }
}

/* ---- conditions ---- */

static struct cond *cond_new(enum cond_kind kind)
{
    struct cond *c = mg_calloc(1, sizeof *c);
    c->kind = kind;
    return c;
}

static void cond_free(struct cond *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->nkids; i++)
        cond_free(c->kids[i]);
    mg_free(c->kids);
    mg_free(c->lists);
    mg_free(c->needs);
    pcre2_code_free(c->re);
    mg_free(c);
}

static void cond_add_kid(struct cond *c, struct cond *kid)
{
    c->kids = mg_realloc(c->kids, (c->nkids + 1) * sizeof *c->kids);
    c->kids[c->nkids++] = kid;
}

static struct cond *parse_cond(struct loader *ld, struct fy_node *n, int depth);
static void compile_named(struct loader *ld, uint32_t i);

static int find_named(const struct mg_rules *set, const char *name)
{
    for (size_t i = 0; i < set->nconds; i++)
        if (strcmp(set->conds[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* `condition: NAME`: a reference to a named condition, compiled now if it
 * has not been yet. The node owns nothing: the set owns the condition. */
static bool parse_named_ref(struct loader *ld, struct cond *c, struct fy_node *v)
{
    char *name = scalar_dup(v);
    int id = name ? find_named(ld->set, name) : -1;
    bool ok = false;
    if (!name) {
        fail_at(ld, v, "`condition` wants the name of a condition, not %s", kind_of(v));
    } else if (id < 0) {
        fail_at(ld, v, "no condition named '%s' (define it under `conditions`)", name);
    } else if (ld->defs[id].state == DEF_COMPILING) {
        /* name the whole loop, from the condition met again to here */
        char loop[300] = "";
        size_t at = 0;
        size_t from = 0;
        while (from < ld->nchain && ld->chain[from] != (uint32_t)id)
            from++;
        for (size_t k = from; k < ld->nchain && at < sizeof loop; k++) {
            int n = snprintf(loop + at, sizeof loop - at, "%s -> ",
                             ld->set->conds[ld->chain[k]].name);
            at += n > 0 ? (size_t)n : 0;
        }
        fail_at(ld, v, "condition '%s' uses itself (%s%s): a condition may not "
                       "refer back to one that refers to it",
                name, loop, name);
    } else {
        if (ld->defs[id].state == DEF_NEW) {
            if (ld->nchain >= MAX_COND_CHAIN) {
                fail_at(ld, v, "conditions use conditions more than %d deep",
                        MAX_COND_CHAIN);
                mg_free(name);
                return false;
            }
            compile_named(ld, (uint32_t)id);
        }
        /* A chain is as deep as the conditions being compiled plus the
         * height of the one used, whatever order they were compiled in
         * (one defined before the condition that uses it was compiled
         * earlier, and the check above never saw its chain). */
        uint32_t height = ld->defs[id].height;
        if (ld->nchain + height > MAX_COND_CHAIN) {
            fail_at(ld, v, "conditions use conditions more than %d deep", MAX_COND_CHAIN);
            mg_free(name);
            return false;
        }
        if (height > ld->used_height)
            ld->used_height = height;
        /* one that failed to compile has had its errors reported */
        ok = ld->set->conds[id].when != NULL;
        c->named = (uint32_t)id;
    }
    mg_free(name);
    return ok;
}

/* A list name or a sequence of them, each of the given kind. */
static bool parse_list_refs(struct loader *ld, struct cond *c, struct fy_node *v,
                            enum list_kind kind, const char *key)
{
    static const char *const kind_names[] = {"words", "domains", "authors"};
    struct fy_node *one[1] = {v};
    struct fy_node **items = one;
    size_t n = 1;
    struct fy_node *seq_items[64];
    if (is_type(v, FYNT_SEQUENCE)) {
        n = 0;
        void *it = NULL;
        struct fy_node *item;
        while ((item = fy_node_sequence_iterate(v, &it)) != NULL && n < 64)
            seq_items[n++] = item;
        items = seq_items;
        if (n == 0) {
            fail_at(ld, v, "`%s` names at least one list", key);
            return false;
        }
    }
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        char *name = scalar_dup(items[i]);
        int id = name ? find_list(ld->set, name) : -1;
        if (!name) {
            fail_at(ld, items[i], "`%s` wants a list name, not %s", key,
                    kind_of(items[i]));
            ok = false;
        } else if (id < 0) {
            fail_at(ld, items[i], "no list named '%s' (declare it under `lists`)",
                    name);
            ok = false;
        } else if (ld->set->lists[id].kind != kind) {
            fail_at(ld, items[i], "`%s` wants a list of %s; '%s' is a list of %s",
                    key, kind_names[kind], name, kind_names[ld->set->lists[id].kind]);
            ok = false;
        } else {
            c->lists = mg_realloc(c->lists, (c->nlists + 1) * sizeof *c->lists);
            c->lists[c->nlists++] = (uint32_t)id;
        }
        mg_free(name);
    }
    return ok;
}

/* The number of (kind, pattern) in the set, added if new. Linear: a rule
 * set has a few hundred patterns, and this runs once each at load. */
static uint32_t intern_pattern(struct mg_rules *set, char kind, const char *pattern)
{
    for (size_t i = 0; i < set->npatterns; i++)
        if (set->patterns[i][0] == kind && strcmp(set->patterns[i] + 1, pattern) == 0)
            return (uint32_t)i;
    set->patterns = mg_realloc(set->patterns, (set->npatterns + 1) * sizeof *set->patterns);
    set->patterns[set->npatterns] = mg_asprintf("%c%s", kind, pattern);
    return (uint32_t)set->npatterns++;
}

static bool parse_regex(struct loader *ld, struct cond *c, struct fy_node *v,
                        const char *key)
{
    char *pattern = scalar_dup(v);
    if (!pattern) {
        fail_at(ld, v, "`%s` wants a pattern, not %s", key, kind_of(v));
        return false;
    }
    int code;
    PCRE2_SIZE offset;
    /* Caseless by default, as moderators expect; (?-i) turns it off. */
    c->re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
                          PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS, &code, &offset,
                          NULL);
    if (!c->re) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(code, msg, sizeof msg);
        fail_at(ld, v, "bad regular expression: %s at offset %zu of '%s'",
                (const char *)msg, (size_t)offset, pattern);
        mg_free(pattern);
        return false;
    }
    /* JIT when the platform has it; the interpreter is the fallback. */
    (void)pcre2_jit_compile(c->re, PCRE2_JIT_COMPLETE);
    /* The strings a match cannot do without: judging skips the pattern
     * when a comment holds none of them (prefilter.h). */
    /* A pattern written the same in several rules (or conditions) is
     * matched once a comment: judge.c keeps its result under this number. */
    c->pattern = intern_pattern(ld->set, c->kind == COND_REGEX ? 'r' : 'n', pattern);
    char **lits;
    size_t nlits;
    if (mg__prefilter_needs(pattern, &lits, &nlits)) {
        c->needs = mg_malloc(nlits * sizeof *c->needs);
        for (size_t i = 0; i < nlits; i++)
            c->needs[i] = mg__prefilter_add(ld->set->prefilter, lits[i], strlen(lits[i]));
        c->nneeds = nlits;
        mg__prefilter_lits_free(lits, nlits);
    }
    mg_free(pattern);
    return true;
}

static bool parse_count(struct loader *ld, struct cond *c, struct fy_node *v,
                        const char *key, double lo, double hi)
{
    if (!scalar_number(v, &c->number) || c->number < lo || c->number > hi) {
        fail_at(ld, v, "`%s` wants a number from %g to %g", key, lo, hi);
        return false;
    }
    return true;
}

/* "90", "90s", "15m", "12h", "7d" as milliseconds. */
static bool parse_duration(struct fy_node *v, double *ms)
{
    char *text = scalar_dup(v);
    if (!text)
        return false;
    char *end;
    double n = strtod(text, &end);
    double unit = 1000;
    if (*end == 's' || *end == '\0')
        unit = 1000;
    else if (*end == 'm')
        unit = 60000;
    else if (*end == 'h')
        unit = 3600000;
    else if (*end == 'd')
        unit = 86400000;
    else
        unit = -1;
    bool ok = end != text && unit > 0 && (*end == '\0' || end[1] == '\0') &&
              isfinite(n) && n > 0 && n <= 3650.0 * 86400;
    mg_free(text);
    if (ok)
        *ms = n * unit;
    return ok;
}

static const struct {
    const char *name;
    unsigned bits;
} contact_names[] = {
    {"email", CONTACT_EMAIL},
    {"phone", CONTACT_PHONE},
    {"telegram", CONTACT_TELEGRAM},
    {"whatsapp", CONTACT_WHATSAPP},
    {"kakaotalk", CONTACT_KAKAOTALK},
    {"discord", CONTACT_DISCORD},
    {"messenger", CONTACT_TELEGRAM | CONTACT_WHATSAPP | CONTACT_KAKAOTALK | CONTACT_DISCORD},
    {"bitcoin", CONTACT_BITCOIN},
    {"ethereum", CONTACT_ETHEREUM},
    {"tron", CONTACT_TRON},
    {"wallet", CONTACT_BITCOIN | CONTACT_ETHEREUM | CONTACT_TRON},
    {"any", ~0u},
};

unsigned contact_bit_of(const char *what)
{
    for (size_t i = 0; i < sizeof contact_names / sizeof contact_names[0]; i++)
        if (strcmp(contact_names[i].name, what) == 0)
            return contact_names[i].bits;
    return 0;
}

static bool parse_contact(struct loader *ld, struct cond *c, struct fy_node *v)
{
    struct fy_node *one[1] = {v}, *items[32];
    struct fy_node **list = one;
    size_t n = 1;
    if (is_type(v, FYNT_SEQUENCE)) {
        n = 0;
        void *it = NULL;
        struct fy_node *item;
        while ((item = fy_node_sequence_iterate(v, &it)) != NULL && n < 32)
            items[n++] = item;
        list = items;
    }
    bool ok = n > 0;
    for (size_t i = 0; i < n; i++) {
        char *name = scalar_dup(list[i]);
        unsigned bits = name ? contact_bit_of(name) : 0;
        if (!bits) {
            fail_at(ld, list[i],
                    "`contact` wants any of email, phone, telegram, whatsapp, "
                    "kakaotalk, discord, messenger, bitcoin, ethereum, tron, "
                    "wallet, any");
            ok = false;
        }
        c->mask |= bits;
        mg_free(name);
    }
    return ok;
}

static bool want_true(struct loader *ld, struct fy_node *v, const char *key)
{
    if (scalar_is(v, "true"))
        return true;
    fail_at(ld, v, "`%s` takes `true` (use `not:` for the opposite)", key);
    return false;
}

/* The tests that take one number, and its range. */
static const struct numeric_test {
    const char *key;
    enum cond_kind kind;
    double lo, hi;
} numeric_tests[] = {
    {"links_at_least", COND_LINKS_AT_LEAST, 1, 1000},
    {"caps_ratio_above", COND_CAPS_RATIO, 0, 1},
    {"char_run_at_least", COND_CHAR_RUN, 2, 10000},
    {"emoji_ratio_above", COND_EMOJI_RATIO, 0, 1},
    {"symbol_ratio_above", COND_SYMBOL_RATIO, 0, 1},
    {"combining_marks_at_least", COND_COMBINING_MARKS, 1, 1000},
    {"mixed_script_words_at_least", COND_MIXED_SCRIPT, 1, 1000},
    {"invisibles_at_least", COND_INVISIBLES, 1, 1000},
};

static const struct numeric_test *find_numeric(const char *key)
{
    for (size_t i = 0; i < sizeof numeric_tests / sizeof numeric_tests[0]; i++)
        if (strcmp(numeric_tests[i].key, key) == 0)
            return &numeric_tests[i];
    return NULL;
}

/* One key of a condition mapping. */
static struct cond *parse_test(struct loader *ld, const char *key,
                               struct fy_node *k, struct fy_node *v, int depth)
{
    struct cond *c = NULL;
    const struct numeric_test *numeric;
    bool ok = true;
    if (strcmp(key, "all") == 0 || strcmp(key, "any") == 0) {
        c = cond_new(key[1] == 'l' ? COND_ALL : COND_ANY);
        if (!is_type(v, FYNT_SEQUENCE)) {
            fail_at(ld, v ? v : k, "`%s` wants a list of conditions, not %s", key,
                    kind_of(v));
            ok = false;
        } else {
            void *it = NULL;
            struct fy_node *item;
            while ((item = fy_node_sequence_iterate(v, &it)) != NULL) {
                struct cond *kid = parse_cond(ld, item, depth + 1);
                if (kid)
                    cond_add_kid(c, kid);
                else
                    ok = false;
            }
            if (c->nkids == 0 && ok) {
                /* an empty [] has no position of its own: point at the key */
                fail_at(ld, k, "`%s` wants at least one condition", key);
                ok = false;
            }
        }
    } else if (strcmp(key, "not") == 0) {
        c = cond_new(COND_NOT);
        struct cond *kid = parse_cond(ld, v, depth + 1);
        if (kid)
            cond_add_kid(c, kid);
        else
            ok = false;
    } else if (strcmp(key, "words") == 0) {
        c = cond_new(COND_WORDS);
        ok = parse_list_refs(ld, c, v, LIST_WORDS, key);
    } else if (strcmp(key, "regex") == 0 || strcmp(key, "normalized_regex") == 0) {
        c = cond_new(key[0] == 'r' ? COND_REGEX : COND_NORMALIZED_REGEX);
        ok = parse_regex(ld, c, v, key);
    } else if (strcmp(key, "link_domain") == 0 || strcmp(key, "link_outside") == 0) {
        c = cond_new(key[5] == 'd' ? COND_LINK_DOMAIN : COND_LINK_OUTSIDE);
        ok = parse_list_refs(ld, c, v, LIST_DOMAINS, key);
    } else if (strcmp(key, "link_ip") == 0 || strcmp(key, "link_idn") == 0 ||
               strcmp(key, "link_hidden") == 0) {
        c = cond_new(COND_LINK_FLAG);
        c->mask = strcmp(key, "link_ip") == 0    ? MG_LINK_IP
                  : strcmp(key, "link_idn") == 0 ? MG_LINK_IDN
                                                 : MG_LINK_HIDDEN;
        ok = want_true(ld, v, key);
    } else if (strcmp(key, "contact") == 0) {
        c = cond_new(COND_CONTACT);
        ok = parse_contact(ld, c, v);
    } else if ((numeric = find_numeric(key)) != NULL) {
        c = cond_new(numeric->kind);
        ok = parse_count(ld, c, v, key, numeric->lo, numeric->hi);
        c->min = 12; /* caps_ratio_above: letters needed, unless min_letters */
    } else if (strcmp(key, "account_age_below") == 0) {
        c = cond_new(COND_ACCOUNT_AGE);
        if (!parse_duration(v, &c->number)) {
            fail_at(ld, v, "`%s` wants a duration such as 90s, 30m, 12h or 1d", key);
            ok = false;
        }
    } else if (strcmp(key, "author_in") == 0) {
        c = cond_new(COND_AUTHOR_IN);
        ok = parse_list_refs(ld, c, v, LIST_AUTHORS, key);
    } else if (strcmp(key, "condition") == 0) {
        c = cond_new(COND_NAMED);
        ok = parse_named_ref(ld, c, v);
    } else {
        fail_at(ld, k,
                "unknown condition '%s' (see docs/rules.md: words, regex, "
                "normalized_regex, links_at_least, link_domain, link_outside, "
                "link_ip, link_idn, link_hidden, contact, caps_ratio_above, "
                "char_run_at_least, emoji_ratio_above, symbol_ratio_above, "
                "combining_marks_at_least, mixed_script_words_at_least, "
                "invisibles_at_least, account_age_below, author_in, condition, "
                "all, any, not)",
                key);
        return NULL;
    }
    if (!ok) {
        cond_free(c);
        return NULL;
    }
    return c;
}

/* A mapping of tests, all of which must hold; `min_letters` qualifies
 * caps_ratio_above. */
static struct cond *parse_cond(struct loader *ld, struct fy_node *n, int depth)
{
    if (depth > 32) {
        fail_at(ld, n, "conditions nest more than 32 deep");
        return NULL;
    }
    if (!is_type(n, FYNT_MAPPING) || fy_node_mapping_item_count(n) == 0) {
        fail_at(ld, n, "a condition is a mapping such as `words: profanity`, not %s",
                kind_of(n));
        return NULL;
    }
    struct cond *all = cond_new(COND_ALL);
    struct fy_node *min_letters = NULL;
    bool ok = true;
    void *iter = NULL;
    struct fy_node_pair *pair;
    while ((pair = fy_node_mapping_iterate(n, &iter)) != NULL) {
        struct fy_node *k = fy_node_pair_key(pair), *v = fy_node_pair_value(pair);
        char *key = scalar_dup(k);
        if (!key) {
            fail_at(ld, k, "a condition's key is a word");
            ok = false;
        } else if (strcmp(key, "min_letters") == 0) {
            min_letters = v;
        } else {
            struct cond *test = parse_test(ld, key, k, v, depth);
            if (test)
                cond_add_kid(all, test);
            else
                ok = false;
        }
        mg_free(key);
    }
    if (min_letters) {
        struct cond *caps = NULL;
        for (size_t i = 0; i < all->nkids; i++)
            if (all->kids[i]->kind == COND_CAPS_RATIO)
                caps = all->kids[i];
        double v;
        if (!caps) {
            fail_at(ld, min_letters, "`min_letters` goes with `caps_ratio_above`");
            ok = false;
        } else if (!scalar_number(min_letters, &v) || v < 0 || v > 100000) {
            fail_at(ld, min_letters, "`min_letters` wants a number from 0 to 100000");
            ok = false;
        } else {
            caps->min = v;
        }
    }
    if (!ok || all->nkids == 0) {
        cond_free(all);
        return NULL;
    }
    if (all->nkids == 1) {
        struct cond *one = all->kids[0];
        all->nkids = 0;
        cond_free(all);
        return one;
    }
    return all;
}

/* ---- rules and named conditions ---- */

static bool valid_rule_id(const char *id)
{
    if (!id[0] || strlen(id) > 100)
        return false;
    for (const char *p = id; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' ||
              *p == '_' || *p == '-'))
            return false;
    return true;
}

/* Compiles named condition i, in the file that defines it (for errors). */
static void compile_named(struct loader *ld, uint32_t i)
{
    struct cond_def *def = &ld->defs[i];
    const char *file = ld->file;
    def->state = DEF_COMPILING;
    ld->chain[ld->nchain++] = i;
    ld->file = def->file;
    uint32_t outer_height = ld->used_height;
    ld->used_height = 0;
    /* parse_cond may compile other conditions (and grow nothing: the
     * arrays were sized in pass 1), so def stays valid */
    struct cond *when = parse_cond(ld, def->body, 0);
    def->height = ld->used_height + 1;
    ld->used_height = outer_height;
    ld->file = file;
    ld->nchain--;
    def->state = DEF_DONE;
    ld->set->conds[i].when = when;
}

static void compile_conditions(struct loader *ld)
{
    for (uint32_t i = 0; i < ld->set->nconds; i++)
        if (ld->defs[i].state == DEF_NEW)
            compile_named(ld, i);
}

/* conditions:
 *   scam-lure:
 *     any: [...]
 * Pass 1 records the names (so any file may use them) and where their
 * bodies are; compile_conditions compiles them once every name is known. */
static void load_conditions(struct loader *ld, struct fy_node *k, struct fy_node *v)
{
    if (mg_yaml_fy_is_null(v))
        return;
    if (!is_type(v, FYNT_MAPPING)) {
        fail_at(ld, v ? v : k, "`conditions` wants a mapping of condition names, not %s",
                kind_of(v));
        return;
    }
    void *iter = NULL;
    struct fy_node_pair *pair;
    while ((pair = fy_node_mapping_iterate(v, &iter)) != NULL) {
        struct fy_node *ck = fy_node_pair_key(pair), *cv = fy_node_pair_value(pair);
        char *name = scalar_dup(ck);
        int prev = name ? find_named(ld->set, name) : -1;
        if (!name || !valid_rule_id(name)) {
            fail_at(ld, ck, "a condition's name is lowercase letters, digits, '.', "
                            "'_' or '-'");
            mg_free(name);
            continue;
        }
        if (prev >= 0) {
            int line = 0, column = 0;
            mg_yaml_fy_node_pos(ld->defs[prev].key, &line, &column);
            fail_at(ld, ck, "condition '%s' is defined twice (first at %s:%d:%d)", name,
                    ld->defs[prev].file, line, column);
            mg_free(name);
            continue;
        }
        struct mg_rules *set = ld->set;
        set->conds = mg_realloc(set->conds, (set->nconds + 1) * sizeof *set->conds);
        ld->defs = mg_realloc(ld->defs, (set->nconds + 1) * sizeof *ld->defs);
        set->conds[set->nconds] = (struct named_cond){.name = name, .when = NULL};
        ld->defs[set->nconds] =
            (struct cond_def){.file = ld->file, .key = ck, .body = cv, .state = DEF_NEW};
        set->nconds++;
    }
}

static void rule_free(struct rule *r)
{
    mg_free(r->id);
    mg_free(r->reason);
    cond_free(r->when);
}

static void load_rule(struct loader *ld, struct fy_node *n)
{
    if (!is_type(n, FYNT_MAPPING)) {
        fail_at(ld, n, "a rule is a mapping with id, reason, when, score and/or action, not %s",
                kind_of(n));
        return;
    }
    struct rule r = {.action = -1, .field = FIELD_BODY};
    struct fy_node *when = NULL, *id_node = NULL;
    bool has_score = false, ok = true;
    void *iter = NULL;
    struct fy_node_pair *pair;
    while ((pair = fy_node_mapping_iterate(n, &iter)) != NULL) {
        struct fy_node *k = fy_node_pair_key(pair), *v = fy_node_pair_value(pair);
        if (scalar_is(k, "id")) {
            id_node = v;
            mg_free(r.id);
            r.id = scalar_dup(v);
        } else if (scalar_is(k, "reason")) {
            mg_free(r.reason);
            r.reason = scalar_dup(v);
            if (!r.reason || !r.reason[0]) {
                fail_at(ld, v ? v : k, "`reason` wants a sentence for moderators");
                ok = false;
            }
        } else if (scalar_is(k, "when")) {
            when = v;
        } else if (scalar_is(k, "score")) {
            if (!scalar_number(v, &r.score) || fabs(r.score) > 1000) {
                fail_at(ld, v ? v : k, "`score` wants a number from -1000 to 1000");
                ok = false;
            }
            has_score = true;
        } else if (scalar_is(k, "action")) {
            if (scalar_is(v, "hold"))
                r.action = MG_ACTION_HOLD;
            else if (scalar_is(v, "reject"))
                r.action = MG_ACTION_REJECT;
            else if (scalar_is(v, "publish"))
                r.action = MG_ACTION_PUBLISH;
            else {
                fail_at(ld, v ? v : k, "`action` is hold, reject or publish");
                ok = false;
            }
        } else if (scalar_is(k, "field")) {
            if (scalar_is(v, "body"))
                r.field = FIELD_BODY;
            else if (scalar_is(v, "author_name"))
                r.field = FIELD_AUTHOR_NAME;
            else {
                fail_at(ld, v ? v : k, "`field` is body or author_name");
                ok = false;
            }
        } else {
            char *kt = scalar_dup(k);
            fail_at(ld, k,
                    "unknown key '%s' in a rule (id, reason, when, score, action, field)",
                    kt ? kt : "?");
            mg_free(kt);
            ok = false;
        }
    }
    if (!r.id || !valid_rule_id(r.id)) {
        fail_at(ld, id_node ? id_node : n,
                "a rule needs an `id` of lowercase letters, digits, '.', '_' or '-'");
        ok = false;
    } else {
        for (size_t i = 0; i < ld->set->nrules; i++)
            if (strcmp(ld->set->rules[i].id, r.id) == 0) {
                fail_at(ld, id_node, "duplicate rule id '%s'", r.id);
                ok = false;
            }
    }
    if (!r.reason && ok) {
        fail_at(ld, n, "rule '%s' needs a `reason`", r.id);
        ok = false;
    }
    if (!has_score && r.action < 0 && ok) {
        fail_at(ld, n, "rule '%s' needs a `score`, an `action` or both", r.id);
        ok = false;
    }
    if (!when) {
        if (ok)
            fail_at(ld, n, "rule '%s' needs a `when` condition", r.id);
        ok = false;
    } else {
        r.when = parse_cond(ld, when, 0);
        if (!r.when)
            ok = false;
    }
    if (!ok) {
        rule_free(&r);
        return;
    }
    if (r.field == FIELD_AUTHOR_NAME)
        ld->set->uses_author_name = true;
    struct mg_rules *set = ld->set;
    set->rules = mg_realloc(set->rules, (set->nrules + 1) * sizeof *set->rules);
    set->rules[set->nrules++] = r;
}

static void load_thresholds(struct loader *ld, struct fy_node *k, struct fy_node *v)
{
    if (ld->thresholds_seen) {
        fail_at(ld, k, "`thresholds` is set twice (once for the whole rule set)");
        return;
    }
    ld->thresholds_seen = true;
    if (!is_type(v, FYNT_MAPPING)) {
        fail_at(ld, v ? v : k, "`thresholds` wants a mapping with hold and reject");
        return;
    }
    void *iter = NULL;
    struct fy_node_pair *pair;
    while ((pair = fy_node_mapping_iterate(v, &iter)) != NULL) {
        struct fy_node *tk = fy_node_pair_key(pair), *tv = fy_node_pair_value(pair);
        double x;
        bool is_hold = scalar_is(tk, "hold"), is_reject = scalar_is(tk, "reject");
        if (!is_hold && !is_reject) {
            fail_at(ld, tk, "`thresholds` has hold and reject only");
        } else if (!scalar_number(tv, &x) || x <= 0 || x > 10000) {
            fail_at(ld, tv ? tv : tk, "a threshold is a number above 0");
        } else if (is_hold) {
            ld->set->hold_at = x;
        } else {
            ld->set->reject_at = x;
        }
    }
    if (ld->set->hold_at > ld->set->reject_at)
        fail_at(ld, v, "the hold threshold (%g) is above the reject threshold (%g)",
                ld->set->hold_at, ld->set->reject_at);
}

/* One `history:` item: a mapping whose keys are in want[] (NULL-ended;
 * the first `required` of them must be there); each value goes to the
 * matching node of out[]. */
static bool history_item(struct loader *ld, struct fy_node *k, struct fy_node *v,
                         const char *const *want, size_t required, struct fy_node **out)
{
    char *name = scalar_dup(k);
    if (!is_type(v, FYNT_MAPPING)) {
        fail_at(ld, v ? v : k, "`%s` wants a mapping", name ? name : "?");
        mg_free(name);
        return false;
    }
    bool ok = true;
    void *iter = NULL;
    struct fy_node_pair *pair;
    while ((pair = fy_node_mapping_iterate(v, &iter)) != NULL) {
        struct fy_node *ik = fy_node_pair_key(pair);
        size_t i = 0;
        while (want[i] && !scalar_is(ik, want[i]))
            i++;
        if (want[i]) {
            out[i] = fy_node_pair_value(pair);
        } else {
            char *kt = scalar_dup(ik);
            fail_at(ld, ik, "unknown key '%s' in `%s`", kt ? kt : "?", name ? name : "?");
            mg_free(kt);
            ok = false;
        }
    }
    for (size_t i = 0; ok && i < required; i++)
        if (!out[i]) {
            fail_at(ld, v, "`%s` needs `%s`", name ? name : "?", want[i]);
            ok = false;
        }
    mg_free(name);
    return ok;
}

static bool history_count(struct loader *ld, struct fy_node *v, const char *key,
                          uint32_t *out)
{
    double x;
    if (!scalar_number(v, &x) || x < 1 || x > 1000000 || x != (double)(uint32_t)x) {
        fail_at(ld, v, "`%s` wants a whole number from 1 to 1000000", key);
        return false;
    }
    *out = (uint32_t)x;
    return true;
}

/* An optional `min_chars` (absent: every body counts). */
static bool history_min_chars(struct loader *ld, struct fy_node *v, uint32_t *out)
{
    *out = 0;
    return !v || history_count(ld, v, "min_chars", out);
}

/* An optional `min_score` of new_commenter: the score from which a new
 * commenter's comment is held. A score, like the thresholds: above 0 (a
 * comment that scored nothing is never suspect) and finite. */
static bool history_min_score(struct loader *ld, struct fy_node *v,
                              struct mg_rules_history *h)
{
    if (!v)
        return true;
    double x;
    if (!scalar_number(v, &x) || !(x > 0) || x > 1000000) {
        fail_at(ld, v, "`min_score` wants a score above 0, such as 4");
        return false;
    }
    h->new_commenter_has_min_score = true;
    h->new_commenter_min_score = x;
    return true;
}

static bool history_window(struct loader *ld, struct fy_node *v, int64_t *out)
{
    double ms;
    if (!parse_duration(v, &ms) || ms > 30.0 * 86400000) {
        fail_at(ld, v, "`window` wants a duration up to 30d, such as 10m, 1h or 1d");
        return false;
    }
    *out = (int64_t)ms;
    return true;
}

/* history:
 *   duplicate: {window: 1h, min_chars: 30}
 *   campaign: {window: 10m, authors: 3, min_chars: 40}
 *   new_commenter: {published_below: 3, min_score: 4} */
static void load_history(struct loader *ld, struct fy_node *k, struct fy_node *v)
{
    if (ld->set->has_history) {
        fail_at(ld, k, "`history` is set twice (once for the whole rule set)");
        return;
    }
    if (!is_type(v, FYNT_MAPPING)) {
        fail_at(ld, v ? v : k, "`history` wants a mapping with duplicate, campaign "
                               "or new_commenter");
        return;
    }
    ld->set->has_history = true;
    struct mg_rules_history *h = &ld->set->history;
    void *iter = NULL;
    struct fy_node_pair *pair;
    while ((pair = fy_node_mapping_iterate(v, &iter)) != NULL) {
        struct fy_node *hk = fy_node_pair_key(pair), *hv = fy_node_pair_value(pair);
        struct fy_node *vals[3] = {NULL, NULL, NULL};
        if (scalar_is(hk, "duplicate")) {
            static const char *const want[] = {"window", "min_chars", NULL};
            if (history_item(ld, hk, hv, want, 1, vals) &&
                history_window(ld, vals[0], &h->duplicate_window_ms))
                (void)history_min_chars(ld, vals[1], &h->duplicate_min_chars);
        } else if (scalar_is(hk, "campaign")) {
            static const char *const want[] = {"window", "authors", "min_chars", NULL};
            if (history_item(ld, hk, hv, want, 2, vals) &&
                history_window(ld, vals[0], &h->campaign_window_ms) &&
                history_count(ld, vals[1], "authors", &h->campaign_authors)) {
                if (h->campaign_authors < 2)
                    fail_at(ld, vals[1], "`authors` of a campaign is 2 or more");
                else
                    (void)history_min_chars(ld, vals[2], &h->campaign_min_chars);
            }
        } else if (scalar_is(hk, "new_commenter")) {
            static const char *const want[] = {"published_below", "min_score", NULL};
            if (history_item(ld, hk, hv, want, 1, vals) &&
                history_count(ld, vals[0], "published_below", &h->new_commenter_below))
                (void)history_min_score(ld, vals[1], h);
        } else {
            char *kt = scalar_dup(hk);
            fail_at(ld, hk, "unknown key '%s' in `history` (duplicate, campaign, "
                            "new_commenter)", kt ? kt : "?");
            mg_free(kt);
        }
    }
}

/* Pass 1 (lists, thresholds, history) or 2 (rules) over one YAML file. */
static void load_yaml(struct loader *ld, struct source *src, int pass)
{
    ld->file = src->name;
    struct fy_node *root = mg_yaml_fy_root(src->doc);
    if (!root)
        return;
    if (!is_type(root, FYNT_MAPPING)) {
        if (pass == 1)
            fail_at(ld, root, "a rules file is a mapping with `rules`, `lists`, "
                              "`conditions`, `thresholds` or `history`, not %s",
                    kind_of(root));
        return;
    }
    void *iter = NULL;
    struct fy_node_pair *pair;
    while ((pair = fy_node_mapping_iterate(root, &iter)) != NULL) {
        struct fy_node *k = fy_node_pair_key(pair), *v = fy_node_pair_value(pair);
        if (scalar_is(k, "lists")) {
            if (pass != 1)
                continue;
            if (!is_type(v, FYNT_MAPPING)) {
                fail_at(ld, v ? v : k, "`lists` wants a mapping of list names");
                continue;
            }
            void *it = NULL;
            struct fy_node_pair *lp;
            while ((lp = fy_node_mapping_iterate(v, &it)) != NULL)
                load_list(ld, fy_node_pair_key(lp), fy_node_pair_value(lp));
        } else if (scalar_is(k, "thresholds")) {
            if (pass == 1)
                load_thresholds(ld, k, v);
        } else if (scalar_is(k, "history")) {
            if (pass == 1)
                load_history(ld, k, v);
        } else if (scalar_is(k, "conditions")) {
            if (pass == 1)
                load_conditions(ld, k, v);
        } else if (scalar_is(k, "rules")) {
            if (pass != 2)
                continue;
            if (mg_yaml_fy_is_null(v))
                continue;
            if (!is_type(v, FYNT_SEQUENCE)) {
                fail_at(ld, v, "`rules` wants a list of rules, not %s", kind_of(v));
                continue;
            }
            void *it = NULL;
            struct fy_node *item;
            while ((item = fy_node_sequence_iterate(v, &it)) != NULL)
                load_rule(ld, item);
        } else if (pass == 1) {
            char *kt = scalar_dup(k);
            fail_at(ld, k,
                    "unknown key '%s' (a rules file has rules, lists, conditions, "
                    "thresholds, history)",
                    kt ? kt : "?");
            mg_free(kt);
        }
    }
}

/* ---- the set ---- */

static void rules_free(struct mg_rules *set)
{
    for (size_t i = 0; i < set->nrules; i++)
        rule_free(&set->rules[i]);
    mg_free(set->rules);
    for (size_t i = 0; i < set->nlists; i++)
        mg_free(set->lists[i].name);
    mg_free(set->lists);
    for (size_t i = 0; i < set->nconds; i++) {
        mg_free(set->conds[i].name);
        cond_free(set->conds[i].when);
    }
    mg_free(set->conds);
    mg_free(set->hits);
    lexicon_free(set->lexicon);
    mg__prefilter_free(set->prefilter);
    for (size_t i = 0; i < set->npatterns; i++)
        mg_free(set->patterns[i]);
    mg_free(set->patterns);
    pcre2_match_context_free(set->match_ctx);
    mg_free(set);
}

struct mg_rules *mg_rules_ref(struct mg_rules *rules)
{
    rules->refs++;
    return rules;
}

void mg_rules_unref(struct mg_rules *rules)
{
    if (rules && --rules->refs == 0)
        rules_free(rules);
}

const char *mg_rules_version(const struct mg_rules *rules)
{
    return rules->version;
}

size_t mg_rules_count(const struct mg_rules *rules)
{
    return rules->nrules;
}

const char *mg_rules_id(const struct mg_rules *rules, size_t i)
{
    return i < rules->nrules ? rules->rules[i].id : NULL;
}

const struct mg_rules_history *mg_rules_history(const struct mg_rules *rules)
{
    return rules && rules->has_history ? &rules->history : NULL;
}

uint64_t mg_rules_hits(const struct mg_rules *rules, size_t i)
{
    return i < rules->nrules ? rules->hits[i] : 0;
}

void mg_rules_inherit_hits(struct mg_rules *to, const struct mg_rules *from)
{
    for (size_t i = 0; i < to->nrules; i++)
        for (size_t k = 0; k < from->nrules; k++)
            if (strcmp(to->rules[i].id, from->rules[k].id) == 0) {
                to->hits[i] = from->hits[k];
                break;
            }
}

/* The version: a digest of every file read, names and contents, in name
 * order, so instances with the same files report the same version. */
static void set_version(struct loader *ld)
{
    qsort(ld->files, ld->nfiles, sizeof *ld->files, by_name);
    struct mg_buf all;
    mg_buf_init(&all, SIZE_MAX);
    for (size_t i = 0; i < ld->nfiles; i++) {
        mg_buf_add(&all, ld->files[i].name, strlen(ld->files[i].name) + 1);
        mg_buf_add(&all, ld->files[i].text, ld->files[i].len);
        mg_buf_add(&all, "", 1);
    }
    uint8_t digest[32];
    mg_crypto_sha256(all.data ? all.data : "", all.len, digest);
    mg_buf_close(&all);
    char hex[65];
    mg_crypto_hex(digest, sizeof digest, hex);
    snprintf(ld->set->version, sizeof ld->set->version, "r-%.12s", hex);
}

static int finish(struct loader *ld, struct mg_rules **out)
{
    size_t nyaml = 0;
    for (size_t i = 0; i < ld->nfiles; i++) {
        struct source *src = &ld->files[i];
        if (!has_suffix(src->name, ".yaml"))
            continue;
        nyaml++;
        struct mg_error err;
        if (mg_text_check_utf8(src->name, src->text, src->len, &err) != MG_OK ||
            mg_yaml_parse(src->name, src->text, src->len, &src->doc, &err) != MG_OK)
            fail_line(ld, src->name, err.line, err.column, "%s", err.message);
    }
    /* find_source may add list files to ld->files while we walk: index. */
    size_t n = ld->nfiles;
    for (int pass = 1; pass <= 2; pass++) {
        for (size_t i = 0; i < n; i++)
            if (ld->files[i].doc)
                load_yaml(ld, &ld->files[i], pass);
        if (pass == 1)
            compile_conditions(ld);
    }
    if (nyaml == 0)
        fail_line(ld, ld->dir ? ld->dir : "rules", 0, 0,
                  "no rules files (*.yaml) in the rules directory");
    if (ld->nerrors == 0)
        set_version(ld);
    mg_free(ld->defs);
    for (size_t i = 0; i < ld->nfiles; i++) {
        mg_yaml_doc_free(ld->files[i].doc);
        mg_free(ld->files[i].name);
        mg_free(ld->files[i].text);
    }
    mg_free(ld->files);
    if (ld->nerrors) {
        rules_free(ld->set);
        return MG_EINVAL;
    }
    struct mg_rules *set = ld->set;
    set->hits = mg_calloc(set->nrules ? set->nrules : 1, sizeof *set->hits);
    /* PCRE2's JIT code reads whole 16-byte words past the end of a subject
     * (harmless, within the page), which valgrind reports; runs under
     * valgrind set MODGATE_REGEX_NO_JIT=1 to use the interpreter. */
    const char *no_jit = getenv("MODGATE_REGEX_NO_JIT");
    set->match_options = no_jit && strcmp(no_jit, "1") == 0 ? PCRE2_NO_JIT : 0;
    /* For tests that check the prefilter changes no verdict. */
    const char *no_prefilter = getenv("MODGATE_REGEX_NO_PREFILTER");
    set->prefilter_off = no_prefilter && strcmp(no_prefilter, "1") == 0;
    set->match_ctx = pcre2_match_context_create(NULL);
    pcre2_set_match_limit(set->match_ctx, REGEX_MATCH_LIMIT);
    pcre2_set_depth_limit(set->match_ctx, REGEX_DEPTH_LIMIT);
    set->refs = 1;
    *out = set;
    return MG_OK;
}

static void loader_init(struct loader *ld, struct mg_rules_errors *errs)
{
    memset(ld, 0, sizeof *ld);
    if (errs)
        memset(errs, 0, sizeof *errs);
    ld->errs = errs;
    ld->set = mg_calloc(1, sizeof *ld->set);
    ld->set->lexicon = lexicon_new();
    ld->set->prefilter = mg__prefilter_new();
    ld->set->hold_at = DEFAULT_HOLD_AT;
    ld->set->reject_at = DEFAULT_REJECT_AT;
}

int mg_rules_load_files(size_t n, const char *const *names,
                        const char *const *texts, const size_t *lens,
                        struct mg_rules **out, struct mg_rules_errors *errs)
{
    struct loader ld;
    loader_init(&ld, errs);
    ld.files = mg_calloc(n ? n : 1, sizeof *ld.files);
    for (size_t i = 0; i < n; i++) {
        ld.files[i].name = mg_strdup(names[i]);
        ld.files[i].text = mg_malloc(lens[i] + 1);
        memcpy(ld.files[i].text, texts[i], lens[i]);
        ld.files[i].text[lens[i]] = '\0';
        ld.files[i].len = lens[i];
    }
    ld.nfiles = n;
    qsort(ld.files, ld.nfiles, sizeof *ld.files, by_name);
    return finish(&ld, out);
}

int mg_rules_load(const char *dir, struct mg_rules **out,
                  struct mg_rules_errors *errs)
{
    struct loader ld;
    loader_init(&ld, errs);
    ld.dir = dir;
    DIR *d = opendir(dir);
    if (!d) {
        fail_line(&ld, dir, 0, 0, "cannot open the rules directory");
        return finish(&ld, out);
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || !has_suffix(e->d_name, ".yaml"))
            continue;
        if (ld.nfiles >= MAX_FILES) {
            fail_line(&ld, dir, 0, 0, "more than %d rules files", MAX_FILES);
            break;
        }
        char *path = mg_asprintf("%s/%s", dir, e->d_name);
        struct source s = {0};
        struct mg_error err;
        if (mg_file_read(path, MAX_FILE_BYTES, &s.text, &s.len, &err) != MG_OK) {
            fail_line(&ld, e->d_name, 0, 0, "%s", err.message);
        } else {
            s.name = mg_strdup(e->d_name);
            ld.files = mg_realloc(ld.files, (ld.nfiles + 1) * sizeof *ld.files);
            ld.files[ld.nfiles++] = s;
        }
        mg_free(path);
    }
    closedir(d);
    qsort(ld.files, ld.nfiles, sizeof *ld.files, by_name);
    return finish(&ld, out);
}
