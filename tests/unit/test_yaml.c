/* test_yaml.c: yaml.h: nodes and their places, the scalar syntaxes, where
 * mg_yaml_fail points, and the table walker: every key type, bounds,
 * unknown keys, wrong types, nested tables and sections, defaults and text
 * from elsewhere, stopping at the first error or going on. Lines and
 * columns are counted by hand from the texts: 1-based, at the first
 * character of the key or value (a quote for a quoted value; for a
 * collection, its first scalar). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <stdbool.h>
#include <string.h>

#include "modgate/alloc.h"
#include "modgate/yaml.h"

/* Parses text (which must parse) into a document the caller frees. */
static struct mg_yaml_doc *parse_ok(const char *text)
{
    struct mg_yaml_doc *doc = NULL;
    struct mg_error err = {0};
    if (mg_yaml_parse("t.yaml", text, strlen(text), &doc, &err) != MG_OK)
        fail_msg("parse: %d:%d %s\n%s", err.line, err.column, err.message,
                 text);
    return doc;
}

/* The value of top-level key name in root. */
static const struct mg_yaml_node *value_of(const struct mg_yaml_node *root,
                                           const char *name)
{
    void *it = NULL;
    const struct mg_yaml_node *k, *v;
    while (mg_yaml_next_pair(root, &it, &k, &v))
        if (mg_yaml_scalar_is(k, name))
            return v;
    fail_msg("no key %s", name);
    return NULL;
}

static void test_nodes(void **state)
{
    (void)state;
    static const char text[] = "plain: word\n"     /* line 1 */
                               "quoted: 'it''s'\n" /* 2 */
                               "tilde: ~\n"        /* 3 */
                               "nul: \"a\\0b\"\n"  /* 4 */
                               "empty:\n"          /* 5 */
                               "list: [a, b, c]\n" /* 6 */
                               "map: {x: 1}\n"     /* 7 */
                               "none: []\n"        /* 8 */
                               "anchor: &a v\n"    /* 9 */
                               "alias: *a\n";      /* 10 */
    struct mg_yaml_doc *doc = parse_ok(text);
    const struct mg_yaml_node *root = mg_yaml_root(doc);
    assert_int_equal(mg_yaml_kind(root), MG_YAML_MAPPING);
    assert_int_equal(mg_yaml_count(root), 10);
    assert_int_equal(mg_yaml_kind(NULL), MG_YAML_NONE);

    const struct mg_yaml_node *plain = value_of(root, "plain");
    size_t len = 0;
    const char *t = mg_yaml_scalar(plain, &len);
    assert_int_equal(len, 4);
    assert_memory_equal(t, "word", 4);
    assert_true(mg_yaml_scalar_is(plain, "word"));
    assert_false(mg_yaml_scalar_is(plain, "wor"));
    int line = 0, column = 0;
    assert_true(mg_yaml_node_pos(plain, &line, &column));
    assert_int_equal(line, 1);
    assert_int_equal(column, 8);

    /* A quoted scalar's text is decoded; its place is the quote. */
    const struct mg_yaml_node *quoted = value_of(root, "quoted");
    char *dup = mg_yaml_scalar_dup(quoted);
    assert_string_equal(dup, "it's");
    mg_free(dup);
    assert_true(mg_yaml_node_pos(quoted, &line, &column));
    assert_int_equal(line, 2);
    assert_int_equal(column, 9);

    assert_true(mg_yaml_is_null(value_of(root, "tilde")));
    assert_true(mg_yaml_is_null(value_of(root, "empty")));
    assert_true(mg_yaml_is_null(NULL));
    assert_false(mg_yaml_is_null(plain));
    assert_false(mg_yaml_is_null(quoted));
    /* An empty value has no place: line and column are left alone. */
    line = column = -1;
    assert_false(mg_yaml_node_pos(value_of(root, "empty"), &line, &column));
    assert_int_equal(line, -1);
    assert_int_equal(column, -1);

    /* A NUL byte is text, but never a C string. */
    const struct mg_yaml_node *nul = value_of(root, "nul");
    assert_non_null(mg_yaml_scalar(nul, &len));
    assert_int_equal(len, 3);
    assert_null(mg_yaml_scalar_dup(nul));

    const struct mg_yaml_node *list = value_of(root, "list");
    assert_int_equal(mg_yaml_kind(list), MG_YAML_SEQUENCE);
    assert_int_equal(mg_yaml_count(list), 3);
    assert_null(mg_yaml_scalar(list, &len));
    assert_true(mg_yaml_scalar_is(mg_yaml_item(list, 2), "c"));
    assert_null(mg_yaml_item(list, 3));
    void *it = NULL;
    const char *want[] = {"a", "b", "c"};
    for (size_t i = 0; i < 3; i++)
        assert_true(mg_yaml_scalar_is(mg_yaml_next_item(list, &it), want[i]));
    assert_null(mg_yaml_next_item(list, &it));
    /* A collection's place is its first scalar's. */
    assert_true(mg_yaml_node_pos(list, &line, &column));
    assert_int_equal(line, 6);
    assert_int_equal(column, 8);
    assert_ptr_equal(mg_yaml_parent(mg_yaml_item(list, 0)), list);
    assert_ptr_equal(mg_yaml_parent(list), root);
    assert_null(mg_yaml_parent(root));

    const struct mg_yaml_node *map = value_of(root, "map");
    assert_int_equal(mg_yaml_kind(map), MG_YAML_MAPPING);
    assert_true(mg_yaml_node_pos(map, &line, &column));
    assert_int_equal(line, 7);
    assert_int_equal(column, 7);
    assert_false(mg_yaml_node_pos(value_of(root, "none"), &line, &column));

    /* An alias is not resolved, and is no scalar. */
    const struct mg_yaml_node *alias = value_of(root, "alias");
    assert_int_equal(mg_yaml_kind(alias), MG_YAML_ALIAS);
    assert_null(mg_yaml_scalar(alias, &len));
    assert_true(mg_yaml_node_pos(alias, &line, &column));
    assert_int_equal(line, 10);
    assert_int_equal(column, 8);
    mg_yaml_doc_free(doc);

    /* An empty document has no root. */
    doc = parse_ok("# nothing\n");
    assert_null(mg_yaml_root(doc));
    mg_yaml_doc_free(doc);
}

static void test_syntaxes(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        bool ok;
        long long value;
    } integers[] = {
        {"0", true, 0},         {"-12", true, -12}, {"007", true, 7},
        {"9223372036854775807", true, INT64_MAX},   {"9223372036854775808", false, 0},
        {"", false, 0},         {"-", false, 0},    {"+1", false, 0},
        {" 1", false, 0},       {"1 ", false, 0},   {"1.0", false, 0},
        {"1e3", false, 0},      {"0x10", false, 0}, {"--1", false, 0},
    };
    for (size_t i = 0; i < ARRAY_LEN(integers); i++) {
        long long v = -99;
        bool ok = mg_yaml_text_integer(integers[i].text,
                                       strlen(integers[i].text), &v);
        if (ok != integers[i].ok || (ok && v != integers[i].value))
            fail_msg("integer \"%s\": %d %lld", integers[i].text, ok, v);
    }
    assert_false(mg_yaml_text_integer("1\0", 2, &(long long){0}));

    static const struct {
        const char *text;
        bool ok;
        double value;
    } numbers[] = {
        {"1", true, 1},     {"-0.5", true, -0.5}, {"1e3", true, 1000},
        {"0x10", true, 16}, {" 5", true, 5},      {"5 ", false, 0},
        {"inf", false, 0},  {"nan", false, 0},    {"", false, 0},
        {"x", false, 0},    {"1e999", false, 0},
    };
    for (size_t i = 0; i < ARRAY_LEN(numbers); i++) {
        double v = -99;
        bool ok = mg_yaml_text_number(numbers[i].text, strlen(numbers[i].text),
                                      &v);
        if (ok != numbers[i].ok || (ok && v != numbers[i].value))
            fail_msg("number \"%s\": %d %g", numbers[i].text, ok, v);
    }

    static const struct {
        const char *text;
        bool ok;
        double ms;
    } durations[] = {
        {"90", true, 90000},     {"90s", true, 90000},   {"15m", true, 900000},
        {"12h", true, 43200000}, {"7d", true, 604800000}, {"0.5s", true, 500},
        {"0s", false, 0},        {"-1m", false, 0},      {"1x", false, 0},
        {"1ms", false, 0},       {"m", false, 0},        {"", false, 0},
        /* the number, whatever its unit, is at most 3650 days of seconds */
        {"315360000d", true, 315360000.0 * 86400000}, {"315360001", false, 0},
    };
    for (size_t i = 0; i < ARRAY_LEN(durations); i++) {
        double ms = -99;
        bool ok = mg_yaml_text_duration(durations[i].text,
                                        strlen(durations[i].text), &ms);
        if (ok != durations[i].ok || (ok && ms != durations[i].ms))
            fail_msg("duration \"%s\": %d %g", durations[i].text, ok, ms);
    }
}

/* ---- a table with a row of every type ---- */

struct inner {
    int port;
    char *host;
};

struct sample {
    char *name;
    bool on;
    int count;
    uint32_t small;
    size_t big;
    int64_t neg;
    double ratio;
    double wait_ms;
    int level;
    struct mg_yaml_strings tags;
    struct inner inner;
    const struct mg_yaml_node *raw;
    const struct mg_yaml_node *text;
    char *dotted;
    int deep;
    int custom_tag;
    char custom_label[64];
};

/* Refuses names with a capital letter, in its own words. */
static int check_name(void *base, const char *text, struct mg_error *err)
{
    (void)base;
    for (const char *p = text; *p; p++)
        if (*p >= 'A' && *p <= 'Z') {
            mg_error_set(err, NULL, 0, 0, "no capitals");
            return MG_EPERM; /* passed on as the status */
        }
    return MG_OK;
}

/* Records what it was given; refuses the value "no". */
static int parse_custom(struct mg_yaml_walk *w, const struct mg_yaml_key *row,
                        const char *label, const struct mg_yaml_node *key,
                        const struct mg_yaml_node *value, void *base)
{
    struct sample *s = base;
    (void)key;
    if (mg_yaml_scalar_is(value, "no"))
        return mg_yaml_fail(w, value, key, "%s: said no", label);
    s->custom_tag = row->tag;
    snprintf(s->custom_label, sizeof s->custom_label, "%s", label);
    return MG_OK;
}

static const char *const levels[] = {"low", "mid", "high", NULL};

static const struct mg_yaml_key inner_keys[] = {
    {.name = "port", .type = MG_YAML_T_INTEGER, MG_YAML_AT(struct inner, port),
     .min = 1, .max = 65535},
    {.name = "host", .type = MG_YAML_T_STRING, MG_YAML_AT(struct inner, host),
     .min = 1, .max = 10},
};
static const struct mg_yaml_table inner_table = {inner_keys,
                                                 ARRAY_LEN(inner_keys), 0,
                                                 NULL};

static const struct mg_yaml_key sample_keys[] = {
    {.name = "name", .type = MG_YAML_T_STRING, MG_YAML_AT(struct sample, name),
     .min = 1, .max = 8, .check = check_name, .help = "a name"},
    {.name = "on", .type = MG_YAML_T_BOOL, MG_YAML_AT(struct sample, on)},
    {.name = "count", .type = MG_YAML_T_INTEGER,
     MG_YAML_AT(struct sample, count), .min = 1, .max = 100, .def = "5"},
    {.name = "small", .type = MG_YAML_T_INTEGER,
     MG_YAML_AT(struct sample, small), .min = 0, .max = 10},
    {.name = "big", .type = MG_YAML_T_INTEGER, MG_YAML_AT(struct sample, big),
     .min = 0, .max = 5000000000.0},
    {.name = "neg", .type = MG_YAML_T_INTEGER, MG_YAML_AT(struct sample, neg),
     .min = -5, .max = 5},
    {.name = "ratio", .type = MG_YAML_T_NUMBER,
     MG_YAML_AT(struct sample, ratio), .min = 0, .max = 1},
    {.name = "wait", .type = MG_YAML_T_DURATION,
     MG_YAML_AT(struct sample, wait_ms), .max = 3600000},
    {.name = "level", .type = MG_YAML_T_ENUM, MG_YAML_AT(struct sample, level),
     .names = levels},
    {.name = "tags", .type = MG_YAML_T_LIST, MG_YAML_AT(struct sample, tags),
     .min = 1, .max = 3},
    {.name = "inner", .type = MG_YAML_T_TABLE,
     MG_YAML_AT(struct sample, inner), .table = &inner_table},
    {.name = "raw", .type = MG_YAML_T_NODE, MG_YAML_AT(struct sample, raw)},
    {.name = "text", .type = MG_YAML_T_SCALAR,
     MG_YAML_AT(struct sample, text)},
    {.name = "sec.key", .type = MG_YAML_T_STRING,
     MG_YAML_AT(struct sample, dotted), .max = 20},
    {.name = "sec.sub.k", .type = MG_YAML_T_INTEGER,
     MG_YAML_AT(struct sample, deep), .min = 0, .max = 9},
    {.name = "custom", .type = MG_YAML_T_CUSTOM, .parse = parse_custom,
     .tag = 42},
    {.name = "worded", .type = MG_YAML_T_INTEGER,
     MG_YAML_AT(struct sample, small), .min = 0, .max = 1,
     .error = "`worded` is 0 or 1"},
};
static const struct mg_yaml_table sample_table = {
    sample_keys, ARRAY_LEN(sample_keys), 0, NULL};

/* Walks text against the sample table, failing fast into *err. */
static int walk_sample(const char *text, struct sample *s, struct mg_error *err,
                       uint64_t *seen)
{
    struct mg_yaml_doc *doc = parse_ok(text);
    struct mg_yaml_walk w = {.file = "t.yaml", .err = err};
    int rc = mg_yaml_walk_table(&w, &sample_table, mg_yaml_root(doc), s, NULL,
                                seen);
    /* NODE and SCALAR rows borrow from the document: forget them. */
    s->raw = s->text = NULL;
    mg_yaml_doc_free(doc);
    return rc;
}

static void test_walk_sets_every_type(void **state)
{
    (void)state;
    static const char text[] = "name: abc\n"
                               "on: true\n"
                               "count: \"7\"\n" /* quoting is optional */
                               "small: 10\n"
                               "big: 5000000000\n"
                               "neg: -5\n"
                               "ratio: 0.25\n"
                               "wait: 15m\n"
                               "level: high\n"
                               "tags: [x, yy]\n"
                               "inner: {port: 8080, host: h}\n"
                               "raw: [anything]\n"
                               "text: hello\n"
                               "sec:\n"
                               "  key: dotted\n"
                               "  sub: {k: 9}\n"
                               "custom: yes\n"
                               "worded: 1\n";
    struct sample s = {0};
    struct mg_error err = {0};
    uint64_t seen = 0;
    struct mg_yaml_doc *doc = parse_ok(text);
    struct mg_yaml_walk w = {.file = "t.yaml", .err = &err};
    int rc = mg_yaml_walk_table(&w, &sample_table, mg_yaml_root(doc), &s, NULL,
                                &seen);
    if (rc != MG_OK)
        fail_msg("%d:%d %s", err.line, err.column, err.message);
    assert_string_equal(s.name, "abc");
    assert_true(s.on);
    assert_int_equal(s.count, 7);
    assert_int_equal(s.small, 1); /* worded, later, wrote the same field */
    assert_true(s.big == 5000000000u);
    assert_true(s.neg == -5);
    assert_true(s.ratio == 0.25);
    assert_true(s.wait_ms == 900000);
    assert_int_equal(s.level, 2);
    assert_int_equal(s.tags.n, 2);
    assert_string_equal(s.tags.items[0], "x");
    assert_string_equal(s.tags.items[1], "yy");
    assert_int_equal(s.inner.port, 8080);
    assert_string_equal(s.inner.host, "h");
    assert_int_equal(mg_yaml_kind(s.raw), MG_YAML_SEQUENCE);
    assert_true(mg_yaml_scalar_is(s.text, "hello"));
    assert_string_equal(s.dotted, "dotted");
    assert_int_equal(s.deep, 9);
    assert_int_equal(s.custom_tag, 42);
    assert_string_equal(s.custom_label, "custom");
    /* all 17 rows, those in the section too */
    assert_true(seen == 0x1ffff);
    mg_yaml_doc_free(doc);

    /* An empty string value unsets; an empty list empties; an empty table
     * changes nothing. */
    assert_int_equal(walk_sample("name:\ntags: ~\ninner:\n", &s, &err, NULL),
                     MG_OK);
    assert_null(s.name);
    assert_int_equal(s.tags.n, 0);
    assert_null(s.tags.items);
    assert_int_equal(s.inner.port, 8080);
    /* Other scalars move between their bounds' ends. */
    assert_int_equal(walk_sample("small: 0\nneg: 5\nratio: 1\nwait: 1h\n"
                                 "on: false\nlevel: low\n",
                                 &s, &err, NULL),
                     MG_OK);
    assert_int_equal(s.small, 0);
    assert_true(s.neg == 5);
    assert_true(s.ratio == 1);
    assert_true(s.wait_ms == 3600000);
    assert_false(s.on);
    assert_int_equal(s.level, 0);
    mg_yaml_table_close(&sample_table, &s);
    assert_null(s.inner.host);
    assert_null(s.dotted);
}

static void test_walk_errors(void **state)
{
    (void)state;
    static const struct {
        const char *what;
        const char *yaml;
        int line, column;
        const char *message;
    } cases[] = {
        {"unknown key", "name: a\nbogus: 1\n", 2, 1,
         "unknown key \"bogus\" (known keys: name, on, count, small, big, neg, "
         "ratio, wait, level, tags, inner, raw, text, sec, custom, worded)"},
        /* "inner: {port: 1, " is 17 characters */
        {"unknown nested key", "inner: {port: 1, user: x}\n", 1, 18,
         "unknown key \"inner.user\" (known keys under inner: port, host)"},
        {"unknown key in a section", "sec:\n  nope: 1\n", 2, 3,
         "unknown key \"sec.nope\" (known keys under sec: key, sub)"},
        {"key not plain", "? [a, b]\n: 1\n", 1, 4, "keys must be plain words"},
        {"alias key", "name: &n x\n*n : 1\n", 2, 1, "keys must be plain words"},
        {"key too long",
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa: 1\n",
         1, 1, "unknown key (too long)"},
        {"root not a mapping", "- a\n", 1, 3,
         "must be a mapping with keys name, on"},
        /* strings: "name: " is 6 characters */
        {"string too long", "name: abcdefghi\n", 1, 7,
         "name: must be at most 8 characters long"},
        {"string empty", "name: ''\n", 1, 7, "name: must not be empty"},
        {"string with NUL", "name: \"a\\0\"\n", 1, 7,
         "name: must not contain a NUL character"},
        {"string check", "name: Abc\n", 1, 7, "name: no capitals"},
        {"string a mapping", "name:\n  x: 1\n", 2, 3,
         "name: must be a single value, not a mapping"},
        {"string a list", "name: [a]\n", 1, 8,
         "name: must be a single value, not a list"},
        {"string an alias", "text: &t x\nname: *t\n", 2, 7,
         "name: aliases (*name) are not supported here"},
        /* "on: " is 4 characters */
        {"bool", "on: yes\n", 1, 5, "on: must be true or false"},
        {"bool empty", "on:\n", 1, 1, "on: must be true or false"},
        /* "count: " is 7 characters */
        {"integer below", "count: 0\n", 1, 8,
         "count: must be an integer from 1 to 100"},
        {"integer above", "count: 101\n", 1, 8, "from 1 to 100"},
        {"integer a float", "count: 5.0\n", 1, 8, "must be an integer"},
        {"integer a list", "count: [5]\n", 1, 9,
         "count: must be an integer from 1 to 100"},
        {"integer empty with a default", "count: ~\n", 1, 8,
         "count: needs a value (the default is 5)"},
        /* "small: " is 7 characters; an empty value points at its key */
        {"integer empty", "small:\n", 1, 1,
         "small: must be an integer from 0 to 10"},
        {"uint32 negative", "small: -1\n", 1, 8, "from 0 to 10"},
        {"size above", "big: 5000000001\n", 1, 6,
         "big: must be an integer from 0 to 5000000000"},
        {"int64 below", "neg: -6\n", 1, 6, "neg: must be an integer from -5 to 5"},
        /* "ratio: " is 7 characters */
        {"number above", "ratio: 1.5\n", 1, 8,
         "ratio: must be a number from 0 to 1"},
        {"number a word", "ratio: half\n", 1, 8, "must be a number"},
        /* "wait: " is 6 characters */
        {"duration too long", "wait: 2h\n", 1, 7,
         "wait: must be a duration such as 90s, 15m, 12h or 7d, at most 3600s"},
        {"duration unit", "wait: 5y\n", 1, 7, "must be a duration"},
        /* "level: " is 7 characters */
        {"enum", "level: max\n", 1, 8, "level: must be one of low, mid, high"},
        {"enum case", "level: Low\n", 1, 8, "must be one of"},
        /* lists: "tags: " is 6 characters */
        {"list a scalar", "tags: x\n", 1, 7, "tags: must be a list, not a single value"},
        {"list a mapping", "tags: {a: 1}\n", 1, 8, "tags: must be a list, not a mapping"},
        /* the fourth item of "tags: [a, b, c, d]" is at column 17 */
        {"list too long", "tags: [a, b, c, d]\n", 1, 17, "tags: at most 3 items"},
        {"list item empty", "tags: [a, '']\n", 1, 11, "tags[1]: must not be empty"},
        {"list item a list", "tags: [a, [b]]\n", 1, 12,
         "tags[1]: must be a single value, not a list"},
        {"list item null", "tags: [~]\n", 1, 8,
         "tags[0]: must be a single value, not an empty value"},
        {"list item with NUL", "tags: [\"a\\0\"]\n", 1, 8,
         "tags[0]: must not contain a NUL character"},
        /* tables: "inner: " is 7 characters */
        {"table a scalar", "inner: 5\n", 1, 8,
         "inner: must be a mapping with keys port, host"},
        {"table an alias", "raw: &r {port: 1}\ninner: *r\n", 2, 8,
         "inner: aliases (*name) are not supported here"},
        {"nested bounds", "inner:\n  port: 0\n", 2, 9,
         "inner.port: must be an integer from 1 to 65535"},
        /* sections */
        {"section a scalar", "sec: x\n", 1, 6,
         "sec: must be a mapping with keys key, sub"},
        {"deep section", "sec:\n  sub:\n    k: 10\n", 3, 8,
         "sec.sub.k: must be an integer from 0 to 9"},
        /* scalar nodes: the value when it is a scalar, else the key */
        {"scalar a list", "text: [a]\n", 1, 1, "text: must be a single text value"},
        {"scalar empty", "text: ~\n", 1, 1, "text: must be a single text value"},
        {"scalar an alias", "name: &n x\ntext: *n\n", 2, 7,
         "text: must be a single text value"},
        /* custom parsers speak for themselves */
        {"custom", "custom: no\n", 1, 9, "custom: said no"},
        /* a row's own words replace the default ones, for every problem */
        {"own words", "worded: 2\n", 1, 9, "`worded` is 0 or 1"},
        {"own words for an alias", "text: &t x\nworded: *t\n", 2, 9,
         "`worded` is 0 or 1"},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        struct sample s = {0};
        struct mg_error err = {0};
        int rc = walk_sample(cases[i].yaml, &s, &err, NULL);
        mg_yaml_table_close(&sample_table, &s);
        if (rc == MG_OK)
            fail_msg("%s: no error", cases[i].what);
        mg_test_expect_error(cases[i].what, &err, "t.yaml", cases[i].line,
                             cases[i].column, cases[i].message);
    }
    /* A check's status is the walk's. */
    struct sample s = {0};
    struct mg_error err = {0};
    assert_int_equal(walk_sample("name: X\n", &s, &err, NULL), MG_EPERM);
    /* A value refused leaves the field as it was. */
    assert_int_equal(walk_sample("name: ok\ncount: 9\n", &s, &err, NULL), MG_OK);
    assert_int_equal(walk_sample("name: toolongname\ncount: 0\n", &s, &err, NULL),
                     MG_EINVAL);
    assert_string_equal(s.name, "ok");
    assert_int_equal(s.count, 9);
    mg_yaml_table_close(&sample_table, &s);
}

/* ---- going on after errors ---- */

struct collected {
    struct mg_error items[8];
    size_t n;
};

static void on_error(struct mg_yaml_walk *w, const struct mg_error *e)
{
    struct collected *c = w->user;
    if (c->n < ARRAY_LEN(c->items))
        c->items[c->n++] = *e;
}

static void test_walk_goes_on(void **state)
{
    (void)state;
    static const char text[] = "count: 0\n"         /* 1: out of bounds */
                               "name: ok\n"         /* 2: set */
                               "bogus: 1\n"         /* 3: unknown */
                               "inner: {port: x}\n" /* 4: wrong, col 15 */
                               "level: mid\n";      /* 5: set */
    struct mg_yaml_doc *doc = parse_ok(text);
    struct collected c = {0};
    struct sample s = {0};
    struct mg_yaml_walk w = {.file = "f.yaml", .on_error = on_error, .user = &c};
    assert_int_equal(mg_yaml_walk_table(&w, &sample_table, mg_yaml_root(doc),
                                        &s, NULL, NULL),
                     MG_EINVAL);
    assert_int_equal(c.n, 3);
    assert_int_equal(w.nerrors, 3);
    mg_test_expect_error("first", &c.items[0], "f.yaml", 1, 8, "count: must be");
    mg_test_expect_error("second", &c.items[1], "f.yaml", 3, 1, "unknown key \"bogus\"");
    mg_test_expect_error("third", &c.items[2], "f.yaml", 4, 15, "inner.port: must be");
    /* the good values around the bad ones were set */
    assert_string_equal(s.name, "ok");
    assert_int_equal(s.level, 1);
    mg_yaml_table_close(&sample_table, &s);

    /* Failing fast, the walk stops at line 1: name is not set. */
    struct mg_error err = {0};
    struct sample t = {0};
    struct mg_yaml_walk fast = {.file = "f.yaml", .err = &err};
    assert_int_equal(mg_yaml_walk_table(&fast, &sample_table, mg_yaml_root(doc),
                                        &t, NULL, NULL),
                     MG_EINVAL);
    assert_int_equal(fast.nerrors, 1);
    assert_int_equal(err.line, 1);
    assert_null(t.name);
    mg_yaml_doc_free(doc);
}

/* ---- hooks, text from elsewhere, rows inside bigger rows ---- */

struct setting {
    struct mg_yaml_key key; /* first: the walker reads it */
    const char *env;
};

struct two {
    int a;
    char *b;
};

static const struct setting settings[] = {
    {{.name = "a", .type = MG_YAML_T_INTEGER, MG_YAML_AT(struct two, a),
      .min = 1, .max = 9, .def = "3"},
     "TWO_A"},
    {{.name = "b", .type = MG_YAML_T_STRING, MG_YAML_AT(struct two, b),
      .min = 1, .max = 4},
     "TWO_B"},
};

static int on_unknown(struct mg_yaml_walk *w, const struct mg_yaml_node *key,
                      const char *name, void *base)
{
    (void)base;
    if (name && strcmp(name, "ignored") == 0)
        return MG_OK;
    return mg_yaml_fail(w, key, NULL, "what is '%s'?", name ? name : "?");
}

static const struct mg_yaml_table two_table = {
    &settings[0].key, ARRAY_LEN(settings), sizeof settings[0], on_unknown};

struct set_log {
    const struct mg_yaml_key *rows[4];
    int lines[4];
    size_t n;
};

static void on_set(struct mg_yaml_walk *w, const struct mg_yaml_key *row,
                   const struct mg_yaml_node *key,
                   const struct mg_yaml_node *value)
{
    struct set_log *log = w->user;
    int line = 0, column = 0;
    mg_yaml_node_pos(key, &line, &column);
    (void)value;
    log->rows[log->n] = row;
    log->lines[log->n++] = line;
}

static void test_hooks_and_text(void **state)
{
    (void)state;
    struct two t = {0};
    struct mg_error err = {0};
    struct mg_yaml_walk w = {.err = &err};
    /* defaults and variables go through the same parser */
    for (size_t i = 0; i < ARRAY_LEN(settings); i++)
        if (settings[i].key.def)
            assert_int_equal(mg_yaml_set_text(&w, &settings[i].key, &t,
                                              settings[i].key.def,
                                              strlen(settings[i].key.def),
                                              settings[i].key.name),
                             MG_OK);
    assert_int_equal(t.a, 3);
    assert_int_equal(mg_yaml_set_text(&w, &settings[1].key, &t, "abcde", 5,
                                      "TWO_B"),
                     MG_EINVAL);
    /* no file, no place: the label says where it came from */
    assert_string_equal(err.file, "");
    assert_int_equal(err.line, 0);
    assert_string_equal(err.message, "TWO_B: must be at most 4 characters long");
    assert_int_equal(mg_yaml_set_text(&w, &settings[0].key, &t, "12", 2, "TWO_A"),
                     MG_EINVAL);
    assert_string_equal(err.message, "TWO_A: must be an integer from 1 to 9");
    assert_int_equal(mg_yaml_set_text(&w, &settings[1].key, &t, "xy", 2, "TWO_B"),
                     MG_OK);
    assert_string_equal(t.b, "xy");

    /* rows found through the stride; the hook hears of every other key */
    struct mg_yaml_doc *doc = parse_ok("ignored: 1\nb: abcd\n? [x]\n: 1\na: 7\n");
    struct set_log log = {0};
    struct mg_yaml_walk y = {.file = "t.yaml", .err = &err, .on_set = on_set,
                             .user = &log};
    assert_int_equal(mg_yaml_walk_table(&y, &two_table, mg_yaml_root(doc), &t,
                                        NULL, NULL),
                     MG_EINVAL);
    /* "? [x]" is line 3; its first scalar at column 4 */
    mg_test_expect_error("hook", &err, "t.yaml", 3, 4, "what is '?'?");
    assert_string_equal(t.b, "abcd");
    assert_int_equal(t.a, 3); /* after the error: not reached */
    assert_int_equal(log.n, 1);
    assert_ptr_equal(log.rows[0], &settings[1].key);
    assert_int_equal(log.lines[0], 2);
    assert_ptr_equal(mg_yaml_table_row(&two_table, 1), &settings[1].key);
    mg_yaml_doc_free(doc);
    mg_free(t.b);
}

/* ---- where mg_yaml_fail points ---- */

static void test_fail_placement(void **state)
{
    (void)state;
    static const char text[] = "a: []\n"          /* 1 */
                               "b:\n"             /* 2 */
                               "  - c: 1\n"       /* 3 */
                               "    d: {}\n"      /* 4 */
                               "e:\n";            /* 5 */
    struct mg_yaml_doc *doc = parse_ok(text);
    const struct mg_yaml_node *root = mg_yaml_root(doc);
    const struct mg_yaml_node *a = value_of(root, "a");
    const struct mg_yaml_node *b = value_of(root, "b");
    const struct mg_yaml_node *entry = mg_yaml_item(b, 0);
    const struct mg_yaml_node *d = value_of(entry, "d");
    const struct mg_yaml_node *e = value_of(root, "e");
    struct mg_error err = {0};
    struct mg_yaml_walk w = {.file = "p.yaml", .err = &err};
    static const struct {
        const char *what;
        int at, fallback; /* indexes into nodes[] below, -1 for NULL */
        int line, column;
    } cases[] = {
        {"a node with a place", 1, -1, 3, 5},
        {"an empty collection: its fallback", 0, 1, 3, 5},
        /* no fallback: the entry mapping that holds d starts at c */
        {"an empty collection: what holds it", 2, -1, 3, 5},
        /* a: [] is held by the root, whose first key is a */
        {"the root's first key", 0, -1, 1, 1},
        {"an empty value: what holds it", 3, -1, 1, 1},
        {"nothing at all", -1, -1, 0, 0},
    };
    const struct mg_yaml_node *nodes[] = {a, entry, d, e};
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        const struct mg_yaml_node *at =
            cases[i].at < 0 ? NULL : nodes[cases[i].at];
        const struct mg_yaml_node *fb =
            cases[i].fallback < 0 ? NULL : nodes[cases[i].fallback];
        assert_int_equal(mg_yaml_fail(&w, at, fb, "case %zu", i), MG_EINVAL);
        char msg[16];
        snprintf(msg, sizeof msg, "case %zu", i);
        mg_test_expect_error(cases[i].what, &err, "p.yaml", cases[i].line,
                             cases[i].column, msg);
    }
    assert_int_equal(w.nerrors, ARRAY_LEN(cases));
    /* long messages are cut at 399 bytes */
    char long_text[600];
    memset(long_text, 'x', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = '\0';
    (void)mg_yaml_fail(&w, NULL, NULL, "%s", long_text);
    assert_int_equal(strlen(err.message), 399);
    mg_yaml_doc_free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nodes),
        cmocka_unit_test(test_syntaxes),
        cmocka_unit_test(test_walk_sets_every_type),
        cmocka_unit_test(test_walk_errors),
        cmocka_unit_test(test_walk_goes_on),
        cmocka_unit_test(test_hooks_and_text),
        cmocka_unit_test(test_fail_placement),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
