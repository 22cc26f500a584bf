/* load_lists.c: a rules file's `lists:` (load.h): each list's entries,
 * written in the file or read from a list file inside the rules directory,
 * into the set's lexicon (words and phrases with their squeezed spellings,
 * domains, author ids). */
#include <string.h>

#include "modgate/alloc.h"
#include "modgate/files.h"
#include "modgate/normalize.h"
#include "modgate/text.h"
#include "modgate/yaml.h"
#include "src/rules/load.h"

const struct source *mg__load_find_source(struct loader *ld, const char *what,
                                          const char *name,
                                          const struct mg_yaml_node *at)
{
    if (name[0] == '/' || strstr(name, "..") || name[0] == '\0') {
        mg_yaml_fail(&ld->walk, at, NULL,
                     "%s '%s' must be a path inside the rules directory", what,
                     name);
        return NULL;
    }
    for (size_t i = 0; i < ld->nfiles; i++)
        if (strcmp(ld->files[i].name, name) == 0)
            return &ld->files[i];
    if (!ld->dir) {
        mg_yaml_fail(&ld->walk, at, NULL, "%s '%s' not found", what, name);
        return NULL;
    }
    char *path = mg_asprintf("%s/%s", ld->dir, name);
    struct source s = {0};
    struct mg_error err;
    if (mg_file_read(path, MG__LOAD_FILE_MAX, &s.text, &s.len, &err) != MG_OK) {
        mg_yaml_fail(&ld->walk, at, NULL, "%s '%s': %s", what, name,
                     err.message);
        mg_free(path);
        return NULL;
    }
    mg_free(path);
    s.name = mg_strdup(name);
    ld->files = mg_realloc(ld->files, (ld->nfiles + 1) * sizeof *ld->files);
    ld->files[ld->nfiles] = s;
    return &ld->files[ld->nfiles++];
}

int mg__load_find_list(const struct mg_rules *set, const char *name)
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
        mg__load_fail_line(ld, file, line, col + (int)(star - entry),
                  "'*' may only start or end a word (\"word*\" or \"*word\")");
        return;
    }
    char *norm = mg_normalize_entry(body, body_len);
    if (!norm) {
        mg__load_fail_line(ld, file, line, col, "'%s' has no word in it", entry);
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
        mg__load_fail_line(ld, file, line, col, "a wildcard entry must be one word: '%s'", entry);
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
            mg__load_fail_line(ld, file, line, col + (int)(d - entry + (ptrdiff_t)n),
                      "'%s' is not a domain", entry);
            return;
        }
        host[n] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    while (n > 0 && host[n - 1] == '.')
        n--;
    host[n] = '\0';
    if (n == 0 || !strchr(host, '.')) {
        mg__load_fail_line(ld, file, line, col, "'%s' is not a domain (a name with a dot)",
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
        mg__load_fail_line(ld, src->name, err.line, err.column, "%s", err.message);
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


/* A list's mapping {file, entries, kind}, as read. */
struct list_spec {
    const char *name; /* the list's, for errors */
    const struct mg_yaml_node *file, *entries;
    int kind; /* enum list_kind */
};

static int on_unknown_list_key(struct mg_yaml_walk *w,
                               const struct mg_yaml_node *key,
                               const char *name, void *base)
{
    const struct list_spec *spec = base;
    return mg_yaml_fail(w, key, NULL,
                        "unknown key '%s' in list '%s' (file, entries, kind)",
                        name ? name : "?", spec->name);
}

static const char *const list_kinds[] = {"words", "domains", "authors",
                                         NULL}; /* enum list_kind */

static const struct mg_yaml_key list_keys[] = {
    {.name = "file", .type = MG_YAML_T_NODE,
     MG_YAML_AT(struct list_spec, file)},
    {.name = "entries", .type = MG_YAML_T_NODE,
     MG_YAML_AT(struct list_spec, entries)},
    {.name = "kind", .type = MG_YAML_T_ENUM,
     MG_YAML_AT(struct list_spec, kind), .names = list_kinds,
     .error = "list kind must be words, domains or authors"},
};

static const struct mg_yaml_table list_table = {
    list_keys, sizeof list_keys / sizeof list_keys[0], 0,
    on_unknown_list_key};

/* `entries: [...]` of list id, each at its own place. */
static void read_entries(struct loader *ld, uint32_t id,
                         const struct mg_yaml_node *entries)
{
    if (mg_yaml_kind(entries) != MG_YAML_SEQUENCE) {
        mg_yaml_fail(&ld->walk, entries, NULL, "`entries` wants a list, not %s",
                     mg__load_kind_of(entries));
        return;
    }
    void *it = NULL;
    const struct mg_yaml_node *item;
    while ((item = mg_yaml_next_item(entries, &it)) != NULL) {
        char *entry = mg_yaml_scalar_dup(item);
        int line = 0, column = 0;
        (void)mg_yaml_node_pos(item, &line, &column);
        if (!entry || !entry[0])
            mg_yaml_fail(&ld->walk, item, NULL,
                         "an entry is a word or phrase, not %s",
                         mg__load_kind_of(item));
        else
            add_entry(ld, id, entry, ld->walk.file, line, column);
        mg_free(entry);
    }
}

/* `file: PATH` of list id. */
static void read_file_entries(struct loader *ld, uint32_t id,
                              const struct mg_yaml_node *file)
{
    char *path = mg_yaml_scalar_dup(file);
    if (!path) {
        mg_yaml_fail(&ld->walk, file, NULL, "`file` wants a path, not %s",
                     mg__load_kind_of(file));
        return;
    }
    const struct source *src = mg__load_find_source(ld, "list file", path, file);
    if (src)
        read_list_file(ld, id, src);
    mg_free(path);
}

/* One list: `NAME: {file: PATH, entries: [...], kind: words}`. */
static void load_list(struct loader *ld, const struct mg_yaml_node *key,
                      const struct mg_yaml_node *value)
{
    char *name = mg_yaml_scalar_dup(key);
    if (!name || !mg_text_is_id(name)) {
        mg_yaml_fail(&ld->walk, key, NULL,
                     "a list name is one word of letters, digits, '-', '_' or "
                     "'.'");
        mg_free(name);
        return;
    }
    if (mg__load_find_list(ld->set, name) >= 0) {
        mg_yaml_fail(&ld->walk, key, NULL, "list '%s' is declared twice", name);
        mg_free(name);
        return;
    }
    if (mg_yaml_kind(value) != MG_YAML_MAPPING) {
        mg_yaml_fail(&ld->walk, value, key,
                     "list '%s' wants a mapping with `file` or `entries`, not %s",
                     name, mg__load_kind_of(value));
        mg_free(name);
        return;
    }
    struct mg_rules *set = ld->set;
    set->lists = mg_realloc(set->lists, (set->nlists + 1) * sizeof *set->lists);
    uint32_t id = (uint32_t)set->nlists++;
    set->lists[id] = (struct list){.name = name, .kind = LIST_WORDS};

    /* The list owns its name now. A bad member is reported and the rest
     * still read, so that one load finds every problem. */
    struct list_spec spec = {.name = name, .kind = LIST_WORDS};
    mg_yaml_walk_table(&ld->walk, &list_table, value, &spec, NULL, NULL);
    set->lists[id].kind = (enum list_kind)spec.kind;
    if (!spec.file && !spec.entries)
        mg_yaml_fail(&ld->walk, key, NULL, "list '%s' needs `file` or `entries`",
                     name);
    if (spec.file)
        read_file_entries(ld, id, spec.file);
    if (spec.entries)
        read_entries(ld, id, spec.entries);
}

int mg__load_lists(struct mg_yaml_walk *w, const struct mg_yaml_key *row,
                   const char *label, const struct mg_yaml_node *key,
                   const struct mg_yaml_node *value, void *base)
{
    struct loader *ld = base;
    (void)row;
    (void)label;
    if (mg_yaml_kind(value) != MG_YAML_MAPPING)
        return mg_yaml_fail(w, value, key, "`lists` wants a mapping of list names");
    void *it = NULL;
    const struct mg_yaml_node *k, *v;
    while (mg_yaml_next_pair(value, &it, &k, &v))
        load_list(ld, k, v);
    return MG_OK;
}
