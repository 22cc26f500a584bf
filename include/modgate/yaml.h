/* yaml.h: YAML as modgate's loaders read it (config, key files, retired
 * keys, rules), and the only door to libfyaml: no other file includes it.
 *
 * Three layers:
 *  - documents: exactly one document from text checked to be UTF-8 first
 *    (libfyaml 0.7.12 can loop forever on invalid UTF-8), syntax errors
 *    with line and column. Also refused, where they are, two inputs
 *    libfyaml 0.7.12 mishandles: a single-quoted string with two escaped
 *    quotes in a row (decoded wrongly, and leaked), and a tab before a
 *    block indicator (its error path frees memory twice).
 *  - nodes: an opaque struct mg_yaml_node with typed accessors (kind,
 *    scalar text, iteration, place in the file).
 *  - tables: mg_yaml_walk reads a mapping against a table of keys (name,
 *    type, bounds, field or parser, help), sets the fields and reports
 *    every unknown key, wrong type and value out of bounds as a
 *    struct mg_error located by file, line and column (mg_yaml_fail, the
 *    one helper every loader reports through). */
#ifndef MODGATE_YAML_H
#define MODGATE_YAML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "modgate/error.h"

struct mg_yaml_doc;
/* A node of a document. Never allocated by callers: every pointer to one
 * is borrowed from its document and valid until mg_yaml_doc_free. */
struct mg_yaml_node;

/* ---- documents ---- */

/* Parses text as one YAML document; name is used in errors. A second
 * document is an error (it would be silently ignored). Caller owns *out
 * (mg_yaml_doc_free), also when the text is empty. The document does not
 * point into text once parsed, but callers keep text while they read it. */
int mg_yaml_parse(const char *name, const char *text, size_t len,
                  struct mg_yaml_doc **out, struct mg_error *err) MG_MUST_CHECK;

/* The document's root node; NULL for an empty document. Borrowed. */
const struct mg_yaml_node *mg_yaml_root(const struct mg_yaml_doc *doc);

void mg_yaml_doc_free(struct mg_yaml_doc *doc);

/* ---- nodes ---- */

enum mg_yaml_kind {
    MG_YAML_NONE,     /* no node (a NULL pointer) */
    MG_YAML_SCALAR,   /* also an empty value (`key:`) and `~` */
    MG_YAML_MAPPING,
    MG_YAML_SEQUENCE,
    MG_YAML_ALIAS,    /* *name: never resolved; loaders refuse it */
};

enum mg_yaml_kind mg_yaml_kind(const struct mg_yaml_node *node);

/* True for a missing value: no node, `~`, `null` (also Null, NULL) or an
 * empty plain scalar. */
bool mg_yaml_is_null(const struct mg_yaml_node *node);

/* The text of a scalar (not an alias), len bytes, not NUL-terminated and
 * possibly holding NUL bytes; NULL for anything else. Borrowed. */
const char *mg_yaml_scalar(const struct mg_yaml_node *node, size_t *len);

/* True when node is a scalar whose text is exactly word. */
bool mg_yaml_scalar_is(const struct mg_yaml_node *node, const char *word);

/* A NUL-terminated copy of a scalar's text; NULL when node is not a
 * scalar or its text holds a NUL byte. Caller owns it (mg_free). */
char *mg_yaml_scalar_dup(const struct mg_yaml_node *node);

/* Pairs of a mapping, items of a sequence; 0 for anything else. */
size_t mg_yaml_count(const struct mg_yaml_node *node);

/* Iteration in document order: *iter starts NULL. The next pair of a
 * mapping into *key and *value (never NULL: an empty value is an empty
 * scalar), false after the last. */
bool mg_yaml_next_pair(const struct mg_yaml_node *map, void **iter,
                       const struct mg_yaml_node **key,
                       const struct mg_yaml_node **value);

/* The next item of a sequence, NULL after the last. */
const struct mg_yaml_node *mg_yaml_next_item(const struct mg_yaml_node *seq,
                                             void **iter);

/* Item i of a sequence, NULL past the end. */
const struct mg_yaml_node *mg_yaml_item(const struct mg_yaml_node *seq,
                                        size_t i);

/* The mapping or sequence holding node; NULL for the root and for a key. */
const struct mg_yaml_node *mg_yaml_parent(const struct mg_yaml_node *node);

/* Where node starts, 1-based, looking into collections for their first
 * scalar; a quoted scalar's place is its opening quote, where a person
 * looks. False, leaving line and column as they were, when it has none
 * (no node, an empty value, an empty collection). */
bool mg_yaml_node_pos(const struct mg_yaml_node *node, int *line,
                      int *column);

/* Scalar syntaxes the loaders share, on text of len bytes (a NUL byte
 * anywhere fails):
 * an integer: an optional '-', then base-10 digits, nothing else;
 * a number: a decimal number as strtod reads it, finite;
 * a duration: a number above 0 and a unit, s (the default), m, h or d, as
 * in "90", "90s", "15m", "12h", "7d"; the number at most 3650 * 86400. */
bool mg_yaml_text_integer(const char *text, size_t len, long long *out);
bool mg_yaml_text_number(const char *text, size_t len, double *out);
bool mg_yaml_text_duration(const char *text, size_t len, double *ms);

/* The same on a scalar node (false for anything else). */
bool mg_yaml_number(const struct mg_yaml_node *node, double *out);
bool mg_yaml_duration(const struct mg_yaml_node *node, double *ms);

/* ---- errors and walks ---- */

struct mg_yaml_key;

/* How a loader reads: where its errors go, and what it is told. The caller
 * owns the struct; set what it needs and zero the rest. */
struct mg_yaml_walk {
    const char *file; /* named in errors (NULL: values that came from
                         elsewhere, such as a variable) */
    /* Without on_error, a walk stops at the first problem and leaves it
     * in *err (which may be NULL). With it, every problem is passed to
     * on_error as found and the walk goes on to find more. */
    struct mg_error *err;
    void (*on_error)(struct mg_yaml_walk *w, const struct mg_error *e);
    /* Called after a row's field was set from a value in the document. */
    void (*on_set)(struct mg_yaml_walk *w, const struct mg_yaml_key *row,
                   const struct mg_yaml_node *key,
                   const struct mg_yaml_node *value);
    void *user;     /* the caller's, for its callbacks and parsers */
    size_t nerrors; /* problems reported so far */
};

/* Reports a problem located at `at`: at its place, else at fallback's,
 * else at the nearest node holding `at` that has one (an empty collection
 * has no scalar to point at), else at line 0 (unknown). The message is
 * cut at 399 bytes. Returns MG_EINVAL. */
int mg_yaml_fail(struct mg_yaml_walk *w, const struct mg_yaml_node *at,
                 const struct mg_yaml_node *fallback, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* ---- tables of keys ---- */

enum mg_yaml_type {
    MG_YAML_T_STRING,   /* char *: a copy (mg_free), replacing the one
                           before; min..max its length in bytes (max 0: no
                           longest); an empty value without a default
                           unsets it (NULL) */
    MG_YAML_T_BOOL,     /* bool: true or false */
    MG_YAML_T_INTEGER,  /* a field of size 4 (int, uint32_t) or 8
                           (size_t, int64_t): an integer, min..max */
    MG_YAML_T_NUMBER,   /* double: a number, min..max */
    MG_YAML_T_DURATION, /* double: a duration in ms, at most max ms */
    MG_YAML_T_ENUM,     /* an int or enum field (size 4 or 8): the index
                           of the value in names[] */
    MG_YAML_T_LIST,     /* struct mg_yaml_strings: a sequence of strings,
                           each at least min bytes long and checked by
                           check, at most max of them (0: no most); it
                           replaces the list before; empty: no items */
    MG_YAML_T_TABLE,    /* a mapping read with table into base + offset;
                           an empty value changes nothing */
    MG_YAML_T_SCALAR,   /* const struct mg_yaml_node *: a scalar that is
                           not empty, borrowed, for the caller to read;
                           an alias is refused where it is, anything else
                           at its key */
    MG_YAML_T_NODE,     /* const struct mg_yaml_node *: the value as it
                           is, whatever it is, for the caller to read */
    MG_YAML_T_CUSTOM,   /* parse reads the value and sets what it wants */
};

/* The strings of an MG_YAML_T_LIST field; owned by the struct holding it. */
struct mg_yaml_strings {
    char **items;
    size_t n;
};

/* A custom row's parser: key and value are the pair's nodes, label names
 * the key in messages ("rate_limits.author"), base is the walk's struct.
 * Reports its own problems (mg_yaml_fail) and returns MG_OK or the
 * status to fail with. */
typedef int (*mg_yaml_parse_fn)(struct mg_yaml_walk *w,
                                const struct mg_yaml_key *row,
                                const char *label,
                                const struct mg_yaml_node *key,
                                const struct mg_yaml_node *value, void *base);

/* One key of a table. Unused members are zero. */
struct mg_yaml_key {
    const char *name;      /* the key; "redis.url" is url inside the
                              mapping redis (a section, read as a mapping
                              of the rows under it) */
    enum mg_yaml_type type;
    size_t offset, size;   /* the field in the walk's struct (MG_YAML_AT) */
    double min, max;       /* bounds; for strings, of the length */
    const char *def;       /* the default, as text (mg_yaml_set_text); an
                              empty value for a row with one is an error */
    const char *help;      /* one line for --help and the documentation */
    const char *error;     /* when set, the whole message for any problem
                              with the value, instead of the default one
                              naming the key and what it must be */
    /* Strings: validates the text (and may fill fields derived from it);
     * a problem goes into err->message, which names no key or place. */
    int (*check)(void *base, const char *text, struct mg_error *err);
    mg_yaml_parse_fn parse;           /* MG_YAML_T_CUSTOM */
    int tag;                          /* for parse: which key this is */
    const char *const *names;         /* MG_YAML_T_ENUM: NULL-ended */
    const struct mg_yaml_table *table; /* MG_YAML_T_TABLE */
};

/* offset and size of member in struct type, for a row. */
#define MG_YAML_AT(type, member)                                              \
    .offset = offsetof(type, member), .size = sizeof(((type *)0)->member)

/* A table: rows, and what to say about a key that is none of them. */
struct mg_yaml_table {
    const struct mg_yaml_key *keys; /* the first row */
    size_t nkeys;
    size_t stride; /* bytes from row to row; 0 for an array of
                      struct mg_yaml_key (a loader may embed one at the
                      start of rows of its own, as config.c does) */
    /* Reports a key that is no row (name is NULL when the key is not a
     * plain scalar or holds a NUL byte); returns MG_OK to skip it quietly
     * or the status to fail with. NULL: `unknown key "x" (known keys: ...)`
     * and "keys must be plain words". */
    int (*unknown)(struct mg_yaml_walk *w, const struct mg_yaml_node *key,
                   const char *name, void *base);
};

/* Reads the mapping map against t into base. label names map in messages
 * (NULL at the top of a document; "rate_limits.author[0]" deeper). seen
 * (may be NULL) gets bit i set for each row i < 64 present (in sections
 * too, not in nested tables). Problems are located and reported through w
 * (fail fast or go on, as w says); returns MG_OK or the status of the
 * first problem, which a walk that goes on may ignore: what it found is
 * reported already. Not a mapping: an error. */
int mg_yaml_walk_table(struct mg_yaml_walk *w, const struct mg_yaml_table *t,
                       const struct mg_yaml_node *map, void *base,
                       const char *label, uint64_t *seen);

/* Sets row's field in base from text that is not in a document (a
 * default, a variable, a flag), checked as a scalar value would be; only
 * for strings, booleans, integers, numbers, durations and enums. Errors
 * begin with label and have no place. */
int mg_yaml_set_text(struct mg_yaml_walk *w, const struct mg_yaml_key *row,
                     void *base, const char *text, size_t len,
                     const char *label) MG_MUST_CHECK;

/* Row i of t. */
const struct mg_yaml_key *mg_yaml_table_row(const struct mg_yaml_table *t,
                                            size_t i);

/* Frees the strings and lists t's rows hold in base, into nested tables,
 * and leaves them NULL and empty. */
void mg_yaml_table_close(const struct mg_yaml_table *t, void *base);

#endif
