/* test_ratelimit.c: the rate_limits settings: defaults, the YAML section,
 * located errors, the trusted authors list. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include "modgate/alloc.h"
#include "modgate/buf.h"
#include "modgate/config.h"
#include "modgate/log.h"
#include "modgate/ratelimit.h"

#ifndef MG_SOURCE_ROOT
#define MG_SOURCE_ROOT "."
#endif


/* Asserts that dimension dim of rl holds exactly the n limits want. */
#define assert_limits(rl, dim, ...)                                            \
    do {                                                                       \
        static const struct mg_rl_limit want_[] = {__VA_ARGS__};               \
        check_limits((rl), (dim), want_, ARRAY_LEN(want_), __LINE__);          \
    } while (0)

static void check_limits(const struct mg_rl_config *rl, enum mg_rl_dim dim,
                         const struct mg_rl_limit *want, size_t n, int line)
{
    if (rl->nlimits[dim] != n)
        fail_msg("line %d: %s has %zu limits, want %zu", line,
                 mg_rl_dim_name(dim), rl->nlimits[dim], n);
    for (size_t i = 0; i < n; i++)
        if (rl->limits[dim][i].count != want[i].count ||
            rl->limits[dim][i].period_s != want[i].period_s)
            fail_msg("line %d: %s[%zu] is %u per %u s, want %u per %u s", line,
                     mg_rl_dim_name(dim), i, rl->limits[dim][i].count,
                     rl->limits[dim][i].period_s, want[i].count,
                     want[i].period_s);
}

/* The defaults of docs/rate-limits.md, written out from the document. */
static void check_defaults(const struct mg_rl_config *rl, int line)
{
    static const struct mg_rl_limit author[] = {{10, 60}, {60, 3600}};
    static const struct mg_rl_limit ip[] = {{30, 60}, {300, 3600}};
    static const struct mg_rl_limit subnet[] = {{60, 60}, {1000, 3600}};
    static const struct mg_rl_limit article[] = {{600, 60}};
    static const struct mg_rl_limit global[] = {{6000, 60}};
    check_limits(rl, MG_RL_AUTHOR, author, ARRAY_LEN(author), line);
    check_limits(rl, MG_RL_IP, ip, ARRAY_LEN(ip), line);
    check_limits(rl, MG_RL_SUBNET, subnet, ARRAY_LEN(subnet), line);
    check_limits(rl, MG_RL_ARTICLE, article, ARRAY_LEN(article), line);
    check_limits(rl, MG_RL_GLOBAL, global, ARRAY_LEN(global), line);
    if (rl->ntrusted != 0 || rl->trusted_authors != NULL)
        fail_msg("line %d: %zu trusted authors, want none", line, rl->ntrusted);
    if (rl->subnet_prefix_v4 != 24 || rl->subnet_prefix_v6 != 56)
        fail_msg("line %d: prefixes /%d and /%d, want /24 and /56", line,
                 rl->subnet_prefix_v4, rl->subnet_prefix_v6);
}

static void load_ok(struct mg_config *cfg, const char *yaml)
{
    struct mg_error err = {0};
    int rc = mg_config_load_string(cfg, "t.yaml", yaml, strlen(yaml), &err);
    if (rc != MG_OK) {
        char buf[1200];
        fail_msg("rc %d: %s\n--- yaml:\n%s", rc,
                 mg_error_format(&err, buf, sizeof buf), yaml);
    }
}

static void test_dim_names(void **state)
{
    (void)state;
    assert_string_equal(mg_rl_dim_name(MG_RL_AUTHOR), "author");
    assert_string_equal(mg_rl_dim_name(MG_RL_IP), "ip");
    assert_string_equal(mg_rl_dim_name(MG_RL_SUBNET), "subnet");
    assert_string_equal(mg_rl_dim_name(MG_RL_ARTICLE), "article");
    assert_string_equal(mg_rl_dim_name(MG_RL_GLOBAL), "global");
}

static void test_defaults(void **state)
{
    (void)state;
    struct mg_rl_config rl;
    memset(&rl, 0xa5, sizeof rl); /* defaults fill everything */
    mg_rl_config_defaults(&rl);
    check_defaults(&rl, __LINE__);
    assert_false(mg_rl_is_trusted(&rl, "u-1"));
    assert_false(mg_rl_is_trusted(&rl, ""));
    mg_rl_config_close(&rl);
    mg_rl_config_close(&rl); /* closing twice is harmless */

    struct mg_config cfg;
    mg_config_init(&cfg);
    check_defaults(&cfg.rate_limits, __LINE__);
    /* An empty section, or one with every key commented out, keeps them. */
    load_ok(&cfg, "rate_limits:\n");
    load_ok(&cfg, "rate_limits: {}\n");
    load_ok(&cfg, "rate_limits:\n#  author: []\n");
    check_defaults(&cfg.rate_limits, __LINE__);
    mg_config_close(&cfg);
}

static void test_full_section(void **state)
{
    (void)state;
    static const char yaml[] = "listen: 127.0.0.1:9000\n"
                               "rate_limits:\n"
                               "  author:\n"
                               "    - {count: 3, period_s: 60}\n"
                               "    - {count: 20, period_s: 3600}\n"
                               "    - {count: 100, period_s: 86400}\n"
                               "  ip:\n"
                               "    - count: \"50\"  # quoting is optional\n"
                               "      period_s: 60\n"
                               "  subnet: []\n"
                               "  article:\n"
                               "    - {period_s: 1, count: 1000000}\n"
                               "    - {count: 1, period_s: 604800}\n"
                               "    - {count: 2, period_s: 2}\n"
                               "    - {count: 3, period_s: 3}\n"
                               "  global: [{count: 10000, period_s: 60}]\n"
                               "  trusted_authors:\n"
                               "    - staff-zoe\n"
                               "    - staff-adam\n"
                               "    - 42\n"
                               "    - 'staff-zoe'\n"
                               "  subnet_prefix_v4: 16\n"
                               "  subnet_prefix_v6: \"48\"\n"
                               "log: {level: warn}\n";
    struct mg_config cfg;
    mg_config_init(&cfg);
    load_ok(&cfg, yaml);
    const struct mg_rl_config *rl = &cfg.rate_limits;
    assert_limits(rl, MG_RL_AUTHOR, {3, 60}, {20, 3600}, {100, 86400});
    assert_limits(rl, MG_RL_IP, {50, 60});
    assert_int_equal(rl->nlimits[MG_RL_SUBNET], 0);
    assert_limits(rl, MG_RL_ARTICLE, {1000000, 1}, {1, 604800}, {2, 2}, {3, 3});
    assert_limits(rl, MG_RL_GLOBAL, {10000, 60});
    /* Sorted by strcmp, the duplicate gone. */
    assert_int_equal(rl->ntrusted, 3);
    assert_string_equal(rl->trusted_authors[0], "42");
    assert_string_equal(rl->trusted_authors[1], "staff-adam");
    assert_string_equal(rl->trusted_authors[2], "staff-zoe");
    assert_int_equal(rl->subnet_prefix_v4, 16);
    assert_int_equal(rl->subnet_prefix_v6, 48);
    /* The keys around the section still apply. */
    assert_int_equal(cfg.listen_port, 9000);
    assert_int_equal(cfg.log_level, MG_LOG_WARN);
    mg_config_close(&cfg);
}

static void test_replace_and_keep(void **state)
{
    (void)state;
    struct mg_config cfg;
    mg_config_init(&cfg);
    /* A dimension given replaces its whole default list; the others keep
     * theirs. */
    load_ok(&cfg, "rate_limits:\n  ip:\n    - {count: 40, period_s: 60}\n");
    const struct mg_rl_config *rl = &cfg.rate_limits;
    assert_limits(rl, MG_RL_IP, {40, 60});
    assert_limits(rl, MG_RL_AUTHOR, {10, 60}, {60, 3600});
    assert_limits(rl, MG_RL_SUBNET, {60, 60}, {1000, 3600});
    assert_limits(rl, MG_RL_ARTICLE, {600, 60});
    assert_limits(rl, MG_RL_GLOBAL, {6000, 60});
    assert_int_equal(rl->subnet_prefix_v4, 24);
    assert_int_equal(rl->subnet_prefix_v6, 56);
    mg_config_close(&cfg);

    /* Trusted authors alone leave every limit as it was. */
    mg_config_init(&cfg);
    load_ok(&cfg, "rate_limits:\n  trusted_authors: [editor-1]\n");
    rl = &cfg.rate_limits;
    assert_limits(rl, MG_RL_AUTHOR, {10, 60}, {60, 3600});
    assert_limits(rl, MG_RL_IP, {30, 60}, {300, 3600});
    assert_int_equal(rl->ntrusted, 1);
    assert_true(mg_rl_is_trusted(rl, "editor-1"));

    /* A second document applied over the first: a list given replaces the
     * one before (also with []), a list not given stays. */
    load_ok(&cfg, "rate_limits:\n  author: [{count: 1, period_s: 10}]\n");
    assert_limits(rl, MG_RL_AUTHOR, {1, 10});
    assert_true(mg_rl_is_trusted(rl, "editor-1"));
    load_ok(&cfg, "rate_limits:\n  trusted_authors: [editor-2, editor-3]\n");
    assert_int_equal(rl->ntrusted, 2);
    assert_false(mg_rl_is_trusted(rl, "editor-1"));
    assert_true(mg_rl_is_trusted(rl, "editor-3"));
    load_ok(&cfg, "rate_limits:\n  trusted_authors: []\n");
    assert_int_equal(rl->ntrusted, 0);
    assert_null(rl->trusted_authors);
    assert_false(mg_rl_is_trusted(rl, "editor-2"));
    load_ok(&cfg, "rate_limits:\n  trusted_authors: [a]\n");
    /* Every entry commented out is an empty list too. */
    load_ok(&cfg, "rate_limits:\n  trusted_authors:\n#    - a\n");
    assert_int_equal(rl->ntrusted, 0);
    assert_limits(rl, MG_RL_AUTHOR, {1, 10});
    mg_config_close(&cfg);
}

static void test_off(void **state)
{
    (void)state;
    struct mg_config cfg;
    mg_config_init(&cfg);
    load_ok(&cfg, "rate_limits:\n"
                  "  author: []\n"
                  "  ip: []\n"
                  "  subnet: []\n"
                  "  article: []\n"
                  "  global: []\n"
                  "  reporter: []\n");
    for (int d = 0; d < MG_RL_DIM_COUNT; d++)
        if (cfg.rate_limits.nlimits[d] != 0)
            fail_msg("%s still has %zu limits",
                     mg_rl_dim_name((enum mg_rl_dim)d),
                     cfg.rate_limits.nlimits[d]);
    mg_config_close(&cfg);

    /* One dimension off, the rest as they were. */
    mg_config_init(&cfg);
    load_ok(&cfg, "rate_limits: {subnet: []}\n");
    assert_int_equal(cfg.rate_limits.nlimits[MG_RL_SUBNET], 0);
    assert_limits(&cfg.rate_limits, MG_RL_IP, {30, 60}, {300, 3600});
    mg_config_close(&cfg);
}

static void test_prefix_bounds(void **state)
{
    (void)state;
    struct mg_config cfg;
    mg_config_init(&cfg);
    load_ok(&cfg,
            "rate_limits: {subnet_prefix_v4: 8, subnet_prefix_v6: 128}\n");
    assert_int_equal(cfg.rate_limits.subnet_prefix_v4, 8);
    assert_int_equal(cfg.rate_limits.subnet_prefix_v6, 128);
    load_ok(&cfg,
            "rate_limits: {subnet_prefix_v4: 32, subnet_prefix_v6: 16}\n");
    assert_int_equal(cfg.rate_limits.subnet_prefix_v4, 32);
    assert_int_equal(cfg.rate_limits.subnet_prefix_v6, 16);
    mg_config_close(&cfg);
}

#define A10  "aaaaaaaaaa"
#define A128 A10 A10 A10 A10 A10 A10 A10 A10 A10 A10 A10 A10 "aaaaaaaa"

static void test_trusted_lookup(void **state)
{
    (void)state;
    struct mg_config cfg;
    mg_config_init(&cfg);
    load_ok(&cfg, "rate_limits:\n"
                  "  trusted_authors:\n"
                  "    - staff-zoe\n"
                  "    - u-48121\n"
                  "    - \"!~\"\n"
                  "    - " A128 "\n");
    const struct mg_rl_config *rl = &cfg.rate_limits;
    assert_int_equal(rl->ntrusted, 4);
    static const struct {
        const char *id;
        bool trusted;
    } cases[] = {
        {"staff-zoe", true},   {"u-48121", true},  {"!~", true}, {A128, true},
        {"staff", false},      /* a prefix of an id */
        {"staff-zo", false},   /* a prefix of an id */
        {"staff-zoe2", false}, /* an id is a prefix of it */
        {"Staff-zoe", false},  /* ids are case-sensitive */
        {"u-4812", false},     {"u-48122", false}, {"", false},  {"!", false},
        {A128 "a", false},     {"zzz", false}, /* past the last */
        {" ", false},                          /* before the first */
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++)
        if (mg_rl_is_trusted(rl, cases[i].id) != cases[i].trusted)
            fail_msg("\"%s\": trusted %d, want %d", cases[i].id,
                     !cases[i].trusted, cases[i].trusted);
    assert_false(mg_rl_is_trusted(rl, NULL));
    mg_config_close(&cfg);
}

/* The longest list allowed, written out of order, every entry found. */
static void test_trusted_many(void **state)
{
    (void)state;
    struct mg_buf yaml;
    mg_buf_init(&yaml, 1024 * 1024);
    mg_buf_adds(&yaml, "rate_limits:\n  trusted_authors:\n");
    for (unsigned i = 0; i < MG_RL_MAX_TRUSTED; i++) {
        char line[32];
        /* 7919 is prime, so i -> 7919 i mod 10000 visits every number. */
        snprintf(line, sizeof line, "    - u-%u\n", (i * 7919u) % 10000u);
        mg_buf_adds(&yaml, line);
    }
    struct mg_config cfg;
    mg_config_init(&cfg);
    load_ok(&cfg, yaml.data);
    const struct mg_rl_config *rl = &cfg.rate_limits;
    assert_int_equal(rl->ntrusted, MG_RL_MAX_TRUSTED);
    for (unsigned i = 0; i < MG_RL_MAX_TRUSTED; i++) {
        char id[32];
        snprintf(id, sizeof id, "u-%u", i);
        if (!mg_rl_is_trusted(rl, id))
            fail_msg("%s not found", id);
    }
    static const char *const misses[] = {"u-10000", "u-",  "u",       "u-00",
                                         "u-01",    "v-1", "u-9999 ", "t-1"};
    for (size_t i = 0; i < ARRAY_LEN(misses); i++)
        if (mg_rl_is_trusted(rl, misses[i]))
            fail_msg("\"%s\" found", misses[i]);
    mg_config_close(&cfg);

    /* One more is too many: the error points at the 10,001st entry, on line
     * 2 + 10,001 = 10,003 (the two header lines, then one per entry). */
    mg_buf_adds(&yaml, "    - u-10000\n");
    mg_config_init(&cfg);
    struct mg_error err = {0};
    int rc = mg_config_load_string(&cfg, "t.yaml", yaml.data, yaml.len, &err);
    assert_int_equal(rc, MG_EINVAL);
    assert_int_equal(err.line, 10003);
    assert_int_equal(err.column, 7);
    assert_string_equal(err.message,
                        "rate_limits.trusted_authors: at most 10000 authors");
    mg_config_close(&cfg);
    mg_buf_close(&yaml);
}

static void test_errors(void **state)
{
    (void)state;
    /* Lines and columns counted by hand: 1-based, at the first character of
     * the offending key or value (a quote for a quoted value; for a
     * collection, its first scalar; for an empty value, its key). */
    static const struct {
        const char *what;
        const char *yaml;
        int line, column;
        const char *message;
    } cases[] = {
        {"unknown member", "rate_limits:\n  burst: []\n", 2, 3,
         "unknown key \"rate_limits.burst\" (known keys under rate_limits: "
         "author, ip, subnet, article, global, reporter, trusted_authors, "
         "subnet_prefix_v4, subnet_prefix_v6)"},
        {"misspelt dimension", "rate_limits:\n  authors: []\n", 2, 3,
         "unknown key \"rate_limits.authors\""},
        {"top level lists the section", "ratelimits: {}\n", 1, 1,
         "unknown key \"ratelimits\" (known keys: listen, workers, redis, rules, key, "
         "retired_keys, tokens, limits, comments, moderation, reports, events, edits, privacy, log, rate_limits, "
         "webhooks)"},
        /* "rate_limits: " is 13 characters. */
        {"section is a scalar", "rate_limits: 5\n", 1, 14,
         "rate_limits: must be a mapping with keys author, ip, subnet, "
         "article, global, reporter, trusted_authors, subnet_prefix_v4, "
         "subnet_prefix_v6"},
        {"section is a list", "rate_limits: [author]\n", 1, 15,
         "rate_limits: must be a mapping"},
        {"section is an alias",
         "limits: &l {body_bytes: 100}\nrate_limits: *l\n", 2, 14,
         "rate_limits: aliases (*name) are not supported here"},
        {"member key is a list", "rate_limits:\n  ? [a]\n  : b\n", 2, 6,
         "keys must be plain words"},
        /* "  author: " is 10 characters. */
        {"dimension is a number", "rate_limits:\n  author: 5\n", 2, 11,
         "rate_limits.author: must be a list of limits such as [{count: 5, "
         "period_s: 60}], not a single value ([] turns the dimension off)"},
        {"dimension is empty", "rate_limits:\n  ip:\n  global: []\n", 2, 3,
         "rate_limits.ip: must be a list of limits such as [{count: 5, "
         "period_s: 60}], not an empty value"},
        /* "  subnet: {" is 11 characters. */
        {"dimension is one mapping",
         "rate_limits:\n  subnet: {count: 5, period_s: 60}\n", 2, 12,
         "rate_limits.subnet: must be a list of limits"},
        /* "  ip: " is 6 characters. */
        {"dimension is an alias",
         "rate_limits:\n  author: &a [{count: 1, period_s: 1}]\n  ip: *a\n", 3,
         7, "rate_limits.ip: aliases (*name) are not supported here"},
        /* "    - " is 6 characters. */
        {"limit is a number", "rate_limits:\n  author:\n    - 5\n", 3, 7,
         "rate_limits.author[0]: must be a mapping {count: N, period_s: N}, "
         "not a single value"},
        /* "  author: [[" is 12 characters. */
        {"limit is a list", "rate_limits:\n  author: [[5, 60]]\n", 2, 13,
         "rate_limits.author[0]: must be a mapping {count: N, period_s: N}, "
         "not a list"},
        /* "    - {count: " is 14 characters. */
        {"count 0", "rate_limits:\n  author:\n    - {count: 0, period_s: 60}\n",
         3, 15,
         "rate_limits.author[0].count: must be an integer from 1 to 1000000"},
        {"count too big",
         "rate_limits:\n  author:\n    - {count: 1000001, period_s: 60}\n", 3,
         15,
         "rate_limits.author[0].count: must be an integer from 1 to 1000000"},
        {"count negative",
         "rate_limits:\n  article:\n    - {count: -1, period_s: 60}\n", 3, 15,
         "rate_limits.article[0].count: must be an integer from 1 to 1000000"},
        {"count a word",
         "rate_limits:\n  global:\n    - {count: five, period_s: 60}\n", 3, 15,
         "rate_limits.global[0].count: must be an integer from 1 to 1000000"},
        {"count a float",
         "rate_limits:\n  global:\n    - {count: 5.0, period_s: 60}\n", 3, 15,
         "rate_limits.global[0].count: must be an integer"},
        /* "    - count: {" is 14 characters. */
        {"count a mapping",
         "rate_limits:\n  global:\n    - count: {a: 1}\n      period_s: 60\n",
         3, 15, "rate_limits.global[0].count: must be an integer"},
        /* An empty value has no place of its own: its key's, at 3:7. */
        {"count empty",
         "rate_limits:\n  global:\n    - count:\n      period_s: 60\n", 3, 7,
         "rate_limits.global[0].count: must be an integer from 1 to 1000000"},
        /* The second limit's period_s: "      period_s: " is 16
         * characters. */
        {"period 0 in the second limit",
         "rate_limits:\n"
         "  author:\n"
         "    - count: 5\n"
         "      period_s: 60\n"
         "    - count: 30\n"
         "      period_s: 0\n",
         6, 17,
         "rate_limits.author[1].period_s: must be an integer from 1 to "
         "604800"},
        /* "rate_limits: {article: [{count: 1, period_s: " is 45
         * characters. */
        {"period over a week",
         "rate_limits: {article: [{count: 1, period_s: 604801}]}\n", 1, 46,
         "rate_limits.article[0].period_s: must be an integer from 1 to "
         "604800"},
        /* "    - {count: 5, period_s: 60, " is 31 characters. */
        {"unknown limit member",
         "rate_limits:\n  ip:\n    - {count: 5, period_s: 60, burst: 2}\n", 3,
         32,
         "unknown key \"rate_limits.ip[0].burst\" (known keys under "
         "rate_limits.ip[0]: count, period_s)"},
        /* "    - {" is 7 characters. */
        {"period_s missing", "rate_limits:\n  ip:\n    - {count: 5}\n", 3, 8,
         "rate_limits.ip[0]: needs both count and period_s (period_s is "
         "missing)"},
        {"count missing", "rate_limits:\n  ip:\n    - period_s: 60\n", 3, 7,
         "rate_limits.ip[0]: needs both count and period_s (count is "
         "missing)"},
        /* No scalar in the limit or its list: the place of the nearest
         * node holding them that has one, the key ip. */
        {"empty limit in an empty list", "rate_limits:\n  ip:\n    - {}\n", 2,
         3, "rate_limits.ip[0]: needs both count and period_s (count is "
         "missing)"},
        {"duplicate member",
         "rate_limits:\n  ip:\n    - {count: 5, count: 6, period_s: 60}\n", 3,
         18, "duplicate key"},
        /* The fifth limit, on line 7. */
        {"five limits",
         "rate_limits:\n"
         "  author:\n"
         "    - {count: 1, period_s: 1}\n"
         "    - {count: 2, period_s: 2}\n"
         "    - {count: 3, period_s: 3}\n"
         "    - {count: 4, period_s: 4}\n"
         "    - {count: 5, period_s: 5}\n",
         7, 8, "rate_limits.author: at most 4 limits per dimension"},
        /* "  trusted_authors: " is 19 characters. */
        {"trusted is one id", "rate_limits:\n  trusted_authors: staff-1\n", 2,
         20,
         "rate_limits.trusted_authors: must be a list of author ids, not a "
         "single value"},
        {"trusted is a mapping", "rate_limits:\n  trusted_authors: {a: 1}\n", 2,
         21, "rate_limits.trusted_authors: must be a list of author ids"},
        {"trusted id with a space",
         "rate_limits:\n  trusted_authors:\n    - staff-1\n    - \"u 2\"\n", 4,
         7,
         "rate_limits.trusted_authors[1]: must be an author id: 1 to 128 "
         "printable ASCII characters, no spaces"},
        /* "  trusted_authors: [a, " is 23 characters. */
        {"trusted id empty", "rate_limits:\n  trusted_authors: [a, '']\n", 2,
         24, "rate_limits.trusted_authors[1]: must be an author id"},
        {"trusted id null", "rate_limits:\n  trusted_authors: [a, ~]\n", 2, 24,
         "rate_limits.trusted_authors[1]: must be an author id"},
        {"trusted id a tab", "rate_limits:\n  trusted_authors: [\"a\\tb\"]\n",
         2, 21, "rate_limits.trusted_authors[0]: must be an author id"},
        {"trusted id not ASCII",
         "rate_limits:\n  trusted_authors: [jos\xc3\xa9]\n", 2, 21,
         "rate_limits.trusted_authors[0]: must be an author id"},
        /* "rate_limits: {trusted_authors: [" is 32 characters. */
        {"trusted id of 129 characters",
         "rate_limits: {trusted_authors: [" A128 "a]}\n", 1, 33,
         "rate_limits.trusted_authors[0]: must be an author id: 1 to 128"},
        /* "    - {" is 7 characters. */
        {"trusted id a mapping",
         "rate_limits:\n  trusted_authors:\n    - {id: x}\n", 3, 8,
         "rate_limits.trusted_authors[0]: must be an author id"},
        {"trusted id an alias",
         "rate_limits:\n  trusted_authors:\n    - &s staff\n    - *s\n", 4, 7,
         "rate_limits.trusted_authors: aliases (*name) are not supported"},
        /* "  subnet_prefix_v4: " is 20 characters. */
        {"v4 prefix 7", "rate_limits:\n  subnet_prefix_v4: 7\n", 2, 21,
         "rate_limits.subnet_prefix_v4: must be an integer from 8 to 32"},
        {"v4 prefix 33", "rate_limits:\n  subnet_prefix_v4: 33\n", 2, 21,
         "rate_limits.subnet_prefix_v4: must be an integer from 8 to 32"},
        {"v4 prefix with a slash", "rate_limits:\n  subnet_prefix_v4: /24\n", 2,
         21, "rate_limits.subnet_prefix_v4: must be an integer"},
        {"v4 prefix empty",
         "rate_limits:\n  subnet_prefix_v4:\n  subnet_prefix_v6: 56\n", 2, 3,
         "rate_limits.subnet_prefix_v4: must be an integer from 8 to 32"},
        {"v6 prefix 15", "rate_limits:\n  subnet_prefix_v6: 15\n", 2, 21,
         "rate_limits.subnet_prefix_v6: must be an integer from 16 to 128"},
        {"v6 prefix 129", "rate_limits:\n  subnet_prefix_v6: '129'\n", 2, 21,
         "rate_limits.subnet_prefix_v6: must be an integer from 16 to 128"},
        {"v6 prefix a list", "rate_limits:\n  subnet_prefix_v6: [56]\n", 2, 22,
         "rate_limits.subnet_prefix_v6: must be an integer from 16 to 128"},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++)
        mg_test_expect_config_error(cases[i].what, cases[i].yaml, cases[i].line,
                                    cases[i].column, cases[i].message);
}

/* The example config shows the defaults (its header says every value shown
 * is the default unless marked otherwise). */
static void test_example_config(void **state)
{
    (void)state;
    struct mg_config cfg;
    mg_config_init(&cfg);
    struct mg_error err = {0};
    int rc = mg_config_load_file(
        &cfg, MG_SOURCE_ROOT "/deploy/modgate.example.yaml", &err);
    if (rc != MG_OK) {
        char buf[1200];
        fail_msg("example config: %s", mg_error_format(&err, buf, sizeof buf));
    }
    check_defaults(&cfg.rate_limits, __LINE__);
    mg_config_close(&cfg);
}

static void test_usage(void **state)
{
    (void)state;
    const char *u = mg_config_usage();
    if (!strstr(u, "rate limits") || !strstr(u, "config file"))
        fail_msg("usage does not say where rate limits are set:\n%s", u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dim_names),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_full_section),
        cmocka_unit_test(test_replace_and_keep),
        cmocka_unit_test(test_off),
        cmocka_unit_test(test_prefix_bounds),
        cmocka_unit_test(test_trusted_lookup),
        cmocka_unit_test(test_trusted_many),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_example_config),
        cmocka_unit_test(test_usage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
