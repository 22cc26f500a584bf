/* test_cli_args.c: modctl's command lines (src/cli/args.c, usage.c) read
 * against every command's real table: each option is accepted in each of
 * its written forms, sets its field and shows in --help; unknown,
 * abbreviated and value-less options are refused with the message users
 * see; the usage forms hold (one target for ban, ids or predicates for
 * approve); and the tables themselves are consistent. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>

#include "testutil.h"

#include "args.h"
#include "modctl.h"

/* One parse of "NAME WORDS..." against a command's table. */
struct parse {
    enum modctl_parse_status status;
    struct modctl_parsed p;
    struct modctl_globals g;
    void *options;
    char *argv[16];
    int argc;
};

/* Parses the command's name and words (NULL-terminated), checked against
 * the usage forms too when forms is true. */
static void parse_array(struct parse *r, const struct modctl_command *c,
                        bool forms, const char *const *words)
{
    *r = (struct parse){.options = mg_calloc(1, c->options_size + 1)};
    r->argv[r->argc++] = mg_strdup(c->name);
    for (size_t i = 0; words[i]; i++) {
        assert_true(r->argc < (int)ARRAY_LEN(r->argv) - 1);
        r->argv[r->argc++] = mg_strdup(words[i]);
    }
    r->status = modctl_parse_options(c, false, r->argc, r->argv, r->options,
                                     &r->g, &r->p);
    if (forms && r->status == MODCTL_PARSED)
        r->status = modctl_check_forms(c, &r->p);
}

/* The variadic forms: parse() checks the usage forms, read_only() reads
 * the options only, as getopt_long does. */
static void parse_list(struct parse *r, const struct modctl_command *c,
                       bool forms, va_list ap)
{
    const char *words[16];
    size_t n = 0;
    while ((words[n] = va_arg(ap, const char *)))
        assert_true(++n < ARRAY_LEN(words));
    parse_array(r, c, forms, words);
}

static void parse(struct parse *r, const struct modctl_command *c, ...)
{
    va_list ap;
    va_start(ap, c);
    parse_list(r, c, true, ap);
    va_end(ap);
}

static void read_only(struct parse *r, const struct modctl_command *c, ...)
{
    va_list ap;
    va_start(ap, c);
    parse_list(r, c, false, ap);
    va_end(ap);
}

static void parse_close(struct parse *r)
{
    modctl_parsed_close(&r->p);
    for (int i = 0; i < r->argc; i++)
        mg_free(r->argv[i]);
    mg_free(r->options);
}

/* A refusal, with the message users see after "modctl CMD: ". */
static void refused(const struct modctl_command *c, const char *why,
                    struct parse *r)
{
    if (r->status != MODCTL_PARSE_ERROR || strcmp(r->p.why, why) != 0)
        fail_msg("modctl %s: status %d, why \"%s\"; want the error \"%s\"",
                 c->name, r->status, r->p.why, why);
    parse_close(r);
}

static const void *field_of(const struct parse *r,
                            const struct modctl_option *o)
{
    return (const char *)r->options + o->offset;
}

/* A value of o's kind, and what its field then holds (for the checks). */
static const char *sample_value(const struct modctl_option *o)
{
    switch (o->kind) {
    case MODCTL_LIMIT: return "7";
    case MODCTL_DURATION: return "2h";
    default: return "some-value";
    }
}

/* o was read once, from the command line "--o sample" (or a form of it),
 * and its field holds the sample. */
static void assert_set(const struct modctl_command *c,
                       const struct modctl_option *o, const struct parse *r,
                       const char *how)
{
    size_t i = (size_t)(o - c->options);
    if (r->status != MODCTL_PARSED || r->p.seen[i] != 1)
        fail_msg("modctl %s %s: status %d (why \"%s\"), seen %u", c->name, how,
                 r->status, r->p.why, r->p.seen[i]);
    const void *f = field_of(r, o);
    switch (o->kind) {
    case MODCTL_FLAG: assert_true(*(const bool *)f); break;
    case MODCTL_LIMIT: assert_int_equal(*(const long *)f, 7); break;
    case MODCTL_DURATION: assert_int_equal(*(const int64_t *)f, 7200); break;
    case MODCTL_TEXT:
    case MODCTL_FILE:
        assert_non_null(*(const char *const *)f);
        assert_string_equal(*(const char *const *)f, "some-value");
        break;
    }
}

/* The command's --help, in buf. */
static const char *help_of(const struct modctl_command *c, char *buf,
                           size_t size)
{
    memset(buf, 0, size);
    FILE *mem = fmemopen(buf, size - 1, "w");
    assert_non_null(mem);
    modctl_print_help(mem, c);
    assert_int_equal(fclose(mem), 0);
    assert_true(strlen(buf) < size - 2); /* not cut */
    return buf;
}

static void assert_in_help(const struct modctl_command *c, const char *help,
                           const char *text)
{
    if (!strstr(help, text))
        fail_msg("modctl %s --help lacks \"%s\":\n%s", c->name, text, help);
}

/* Every way of writing o, for one command. */
static void check_option(const struct modctl_command *c,
                         const struct modctl_option *o, const char *help)
{
    char word[96], eq[128];
    const char *value = o->kind == MODCTL_FLAG ? NULL : sample_value(o);
    struct parse r;

    snprintf(word, sizeof word, "--%s", o->name);
    read_only(&r, c, word, value, NULL);
    assert_set(c, o, &r, word);
    parse_close(&r);

    if (value) {
        snprintf(eq, sizeof eq, "--%s=%s", o->name, value);
        read_only(&r, c, eq, NULL);
        assert_set(c, o, &r, eq);
        parse_close(&r);
        /* a value left out at the end */
        char why[128];
        snprintf(why, sizeof why, "--%s needs a value", o->name);
        read_only(&r, c, word, NULL);
        refused(c, why, &r);
    } else {
        snprintf(eq, sizeof eq, "--%s=x", o->name);
        snprintf(word, sizeof word, "--%s takes no value", o->name);
        read_only(&r, c, eq, NULL);
        refused(c, word, &r);
    }
    if (o->alias) {
        snprintf(word, sizeof word, "--%s", o->alias);
        read_only(&r, c, word, value, NULL);
        assert_set(c, o, &r, word);
        parse_close(&r);
    }
    if (o->letter) {
        snprintf(word, sizeof word, "-%c", o->letter);
        read_only(&r, c, word, value, NULL);
        assert_set(c, o, &r, word);
        parse_close(&r);
    }
    /* getopt_long would take "--artic" for --article; modctl does not */
    snprintf(word, sizeof word, "--%.*s", (int)strlen(o->name) - 1, o->name);
    snprintf(eq, sizeof eq, "unknown option '%s'", word);
    if (strlen(o->name) > 1) {
        read_only(&r, c, word, value, NULL);
        refused(c, eq, &r);
    }

    snprintf(word, sizeof word, "--%s%s%s", o->name, value ? " " : "",
             value ? o->value_name : "");
    assert_in_help(c, help, word);
    assert_in_help(c, help, o->help);
    if (o->letter) {
        snprintf(word, sizeof word, "-%c, --%s", o->letter, o->name);
        assert_in_help(c, help, word);
    }
    if (o->alias) {
        snprintf(word, sizeof word, "--%s%s%s", o->alias, value ? " " : "",
                 value ? o->value_name : "");
        assert_in_help(c, help, word);
    }
}

static void test_every_option_of_every_command(void **state)
{
    (void)state;
    char help[8192];
    size_t commands = 0, options = 0;
    for (size_t i = 0; modctl_commands[i]; i++, commands++) {
        const struct modctl_command *c = modctl_commands[i];
        help_of(c, help, sizeof help);
        for (const struct modctl_option *o = c->options; o && o->name; o++) {
            check_option(c, o, help);
            options++;
        }
        assert_in_help(c, help, "-h, --help");
        for (const struct modctl_option *o = modctl_global_options; o->name; o++) {
            char word[64];
            snprintf(word, sizeof word, "--%s", o->name);
            assert_in_help(c, help, word);
        }
    }
    /* the commands modctl help lists, and their options, counted by hand
     * in docs/man/modctl.1 (so that a table cut short shows) */
    assert_int_equal(commands, 32); /* + article show|open|premoderate|close, reported, author, watch, unwatch, erase, webhooks, decisions export, model train */
    assert_int_equal(options, 62);  /* + model train's 10, decisions export --until */  /* + their --at (not show's), reported --limit, author --limit,
                                     * watch --reason; queue --sort --rule --author --q,
                                     * approve/reject --q, ban --ip-of --subnet-of;
                                     * decisions export --since --out */
}

static void test_unknown_options_are_refused(void **state)
{
    (void)state;
    for (size_t i = 0; modctl_commands[i]; i++) {
        const struct modctl_command *c = modctl_commands[i];
        struct parse r;
        parse(&r, c, "--no-such-option", NULL);
        refused(c, "unknown option '--no-such-option'", &r);
        parse(&r, c, "--no-such-option=1", NULL);
        refused(c, "unknown option '--no-such-option'", &r);
        parse(&r, c, "-Z", NULL);
        refused(c, "unknown option '-Z'", &r);
        /* --version is modctl's own, before the command */
        parse(&r, c, "--version", NULL);
        refused(c, "unknown option '--version'", &r);
    }
}

static void test_help_wins_when_it_comes_first(void **state)
{
    (void)state;
    struct parse r;
    for (size_t i = 0; modctl_commands[i]; i++) {
        parse(&r, modctl_commands[i], "--help", "--no-such-option", NULL);
        assert_int_equal(r.status, MODCTL_PARSE_HELP);
        parse_close(&r);
        parse(&r, modctl_commands[i], "-h", NULL);
        assert_int_equal(r.status, MODCTL_PARSE_HELP);
        parse_close(&r);
    }
    parse(&r, &modctl_queue_command, "--no-such-option", "--help", NULL);
    refused(&modctl_queue_command, "unknown option '--no-such-option'", &r);
}

static void test_global_options_anywhere(void **state)
{
    (void)state;
    struct parse r;
    parse(&r, &modctl_queue_command, "--json", "--limit", "3", "--url", "U",
          "--token=T", NULL);
    assert_int_equal(r.status, MODCTL_PARSED);
    assert_true(r.g.json);
    assert_string_equal(r.g.url, "U");
    assert_string_equal(r.g.token, "T");
    assert_int_equal(*(const long *)field_of(&r, &modctl_queue_command.options[1]),
                     3);
    parse_close(&r);
    /* a global option's value left out */
    parse(&r, &modctl_queue_command, "--token", NULL);
    refused(&modctl_queue_command, "--token needs a value", &r);

    /* modctl's own options stop at the command */
    char w0[] = "modctl", w1[] = "--json", w2[] = "--version", w3[] = "queue",
         w4[] = "--limit", w5[] = "3";
    char *argv[] = {w0, w1, w2, w3, w4, w5, NULL};
    struct modctl_own_options own = {0};
    struct modctl_globals g = {0};
    struct modctl_parsed p;
    assert_int_equal(modctl_parse_options(&modctl_itself, true, 6, argv, &own,
                                          &g, &p),
                     MODCTL_PARSED);
    assert_int_equal(p.next, 3);
    assert_true(g.json && own.version);
    modctl_parsed_close(&p);
}

static void test_operands_in_order_and_after_double_dash(void **state)
{
    (void)state;
    struct parse r;
    parse(&r, &modctl_approve_command, "a", "--reason", "r", "b", "--", "c",
          NULL);
    assert_int_equal(r.status, MODCTL_PARSED);
    assert_int_equal(r.p.count, 3);
    assert_string_equal(r.p.operands[0], "a");
    assert_string_equal(r.p.operands[1], "b");
    assert_string_equal(r.p.operands[2], "c");
    parse_close(&r);
    /* no operand of modctl starts with '-', "--" or not */
    parse(&r, &modctl_check_command, "--", "--json", NULL);
    refused(&modctl_check_command, "unexpected '--json'", &r);
    parse(&r, &modctl_show_command, "-", NULL);
    refused(&modctl_show_command, "unexpected '-'", &r);

    /* operands before options also with POSIXLY_CORRECT */
    setenv("POSIXLY_CORRECT", "1", 1);
    parse(&r, &modctl_approve_command, "a", "--reason", "r", NULL);
    unsetenv("POSIXLY_CORRECT");
    assert_int_equal(r.status, MODCTL_PARSED);
    assert_int_equal(r.p.count, 1);
    parse_close(&r);
}

static void test_values_of_each_kind(void **state)
{
    (void)state;
    const struct modctl_command *q = &modctl_queue_command;
    struct parse r;
    static const char *const bad_limits[] = {"0", "100001", "ten", "", "-1",
                                             "5x", " 5"};
    for (size_t i = 0; i < ARRAY_LEN(bad_limits); i++) {
        parse(&r, q, "--limit", bad_limits[i], NULL);
        refused(q, "--limit must be a number from 1 to 100000", &r);
    }
    parse(&r, q, "--limit", "100000", NULL);
    assert_int_equal(*(const long *)field_of(&r, &q->options[1]), 100000);
    parse_close(&r);
    parse(&r, q, NULL); /* absent: 50 */
    assert_int_equal(*(const long *)field_of(&r, &q->options[1]), 50);
    parse_close(&r);

    const struct modctl_command *ban = &modctl_ban_command;
    static const char *const bad_durations[] = {"0s", "2x", "h", "", "1.5h",
                                                "3661d"};
    for (size_t i = 0; i < ARRAY_LEN(bad_durations); i++) {
        parse(&r, ban, "--author", "a", "--for", bad_durations[i], NULL);
        refused(ban, "--for wants a duration such as 30m, 2h, 7d", &r);
    }
    parse(&r, ban, "--author", "a", "--for", "90s", NULL);
    assert_int_equal(r.status, MODCTL_PARSED);
    assert_int_equal(*(const int64_t *)field_of(&r, &ban->options[3]), 90);
    parse_close(&r);

    /* a file name is not empty */
    parse(&r, &modctl_keygen_command, "--out=", NULL);
    refused(&modctl_keygen_command, "--out needs a value", &r);
    parse(&r, &modctl_keygen_command, "-o", NULL);
    refused(&modctl_keygen_command, "-o needs a value", &r);
    /* another option where a value belongs: the value was forgotten */
    parse(&r, &modctl_approve_command, "x", "--reason", "--json", NULL);
    refused(&modctl_approve_command, "--reason needs a value", &r);
    parse(&r, &modctl_keygen_command, "-o", "--out", NULL);
    refused(&modctl_keygen_command, "-o needs a value", &r);
    parse(&r, &modctl_approve_command, "x", "--reason=--json", NULL);
    assert_int_equal(r.status, MODCTL_PARSED);
    assert_string_equal(*(const char *const *)field_of(
                            &r, &modctl_approve_command.options[4]),
                        "--json");
    parse_close(&r);
}

static void test_usage_forms(void **state)
{
    (void)state;
    static const struct {
        const struct modctl_command *c;
        const char *words[6];
        const char *why; /* NULL: accepted */
    } cases[] = {
        {&modctl_ban_command, {NULL},
         "give one of --author, --ip, --subnet, --ip-of, --subnet-of"},
        {&modctl_ban_command, {"--for", "2h"},
         "give one of --author, --ip, --subnet, --ip-of, --subnet-of"},
        {&modctl_ban_command, {"--author", "a", "--ip", "b"},
         "--ip cannot be given with --author"},
        {&modctl_ban_command, {"--author", "a", "--author", "b"},
         "--author given twice"},
        {&modctl_ban_command, {"--subnet", "10.0.0.0/8", "--reason", "r"}, NULL},
        {&modctl_unban_command, {"--ip", "1.2.3.4"}, NULL},
        {&modctl_unban_command, {"--ip", "1.2.3.4", "--for", "2h"},
         "unknown option '--for'"},
        {&modctl_verify_command, {NULL}, "give one of ID..., --article, --all"},
        {&modctl_verify_command, {"a", "b"}, NULL},
        {&modctl_verify_command, {"a", "--all"}, "--all cannot be given with ID..."},
        {&modctl_verify_command, {"--article", "x", "--all"},
         "--all cannot be given with --article"},
        {&modctl_verify_command, {"--all", "--all"}, NULL},
        {&modctl_approve_command, {NULL}, NULL}, /* run asks which comments */
        {&modctl_approve_command, {"x", "--rule", "r"},
         "--rule cannot be given with ID..."},
        {&modctl_approve_command, {"x", "--dry-run"},
         "--dry-run cannot be given with ID..."},
        {&modctl_approve_command, {"--rule", "r", "--older-than", "2h", "--yes"}, NULL},
        {&modctl_remove_command, {NULL}, "ID... is required"},
        {&modctl_remove_command, {"--rule", "r"}, "unknown option '--rule'"},
        {&modctl_keygen_command, {NULL}, "--out FILE is required"},
        {&modctl_keygen_command, {"-o", "a", "--out", "b"}, "--out given twice"},
        {&modctl_pubkey_command, {"-k", "f"}, NULL},
        {&modctl_show_command, {NULL}, "ID is required"},
        {&modctl_show_command, {"a", "b"}, "unexpected 'b'"},
        {&modctl_check_command, {"a", "b"}, "unexpected 'b'"},
        {&modctl_check_command, {NULL}, "TEXT is required"},
        {&modctl_rules_lint_command, {"d"}, NULL},
        {&modctl_stats_command, {"extra"}, "takes no arguments"},
        {&modctl_rules_reload_command, {"extra"}, "takes no arguments"},
        {&modctl_queue_command, {"extra"}, "unexpected 'extra'"},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        struct parse r;
        parse_array(&r, cases[i].c, true, cases[i].words);
        if (cases[i].why) {
            refused(cases[i].c, cases[i].why, &r);
        } else {
            if (r.status != MODCTL_PARSED)
                fail_msg("case %zu, modctl %s: refused: %s", i, cases[i].c->name,
                         r.p.why);
            parse_close(&r);
        }
    }
}

/* Collapses runs of blanks and newlines into one space. */
static void squeeze(char *s)
{
    char *out = s;
    for (const char *in = s; *in; in++)
        if (!(isspace((unsigned char)*in) && (out == s || out[-1] == ' ')))
            *out++ = isspace((unsigned char)*in) ? ' ' : *in;
    while (out > s && out[-1] == ' ')
        out--;
    *out = '\0';
}

static void test_usage_lines(void **state)
{
    (void)state;
    /* as docs/man/modctl.1 writes each command */
    static const struct {
        const struct modctl_command *c;
        const char *usage;
    } cases[] = {
        {&modctl_queue_command, "usage: modctl queue [--article ID] [--limit N] "
                                "[--sort ORDER] [--rule RULE] [--author ID] [--q TEXT]"},
        {&modctl_show_command, "usage: modctl show ID"},
        {&modctl_ban_command, "usage: modctl ban (--author ID | --ip IP | --subnet "
                              "CIDR | --ip-of ID | --subnet-of ID) [--for DURATION] "
                              "[--reason TEXT]"},
        {&modctl_unban_command,
         "usage: modctl unban (--author ID | --ip IP | --subnet CIDR)"},
        {&modctl_verify_command, "usage: modctl verify (ID... | --article ID | --all)"},
        {&modctl_approve_command,
         "usage: modctl approve ID... [--reason TEXT] modctl approve [--rule RULE] "
         "[--author ID] [--older-than DURATION] [--article ID] [--reason TEXT] "
         "[--dry-run] [--yes] [--q TEXT]"},
        {&modctl_remove_command, "usage: modctl remove ID... [--reason TEXT]"},
        {&modctl_check_command, "usage: modctl check TEXT [--author ID] "
                                "[--author-name NAME] [--article ID]"},
        {&modctl_keygen_command, "usage: modctl keygen --out FILE"},
        {&modctl_rules_lint_command, "usage: modctl rules lint DIR"},
        {&modctl_stats_command, "usage: modctl stats"},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        char buf[1024] = "";
        FILE *mem = fmemopen(buf, sizeof buf - 1, "w");
        assert_non_null(mem);
        modctl_print_synopsis(mem, cases[i].c, "usage: modctl ", "       modctl ");
        assert_int_equal(fclose(mem), 0);
        squeeze(buf);
        assert_string_equal(buf, cases[i].usage);
    }
}

/* What the parser and the help rely on, for every table. */
static void check_table(const struct modctl_command *c)
{
    const struct modctl_option *rows[2] = {c->options, modctl_global_options};
    unsigned nforms = modctl__count_forms(c);
    for (const struct modctl_option *o = c->options; o && o->name; o++) {
        if ((o->kind == MODCTL_FLAG) != (o->value_name == NULL))
            fail_msg("%s --%s: a value name iff it takes a value", c->name, o->name);
        assert_true(o->help && *o->help);
        /* -h, --help are help's */
        assert_true(o->letter != 'h' && strcmp(o->name, "help") != 0);
        assert_true(!o->alias || strcmp(o->alias, "help") != 0);
        assert_true(o->offset < c->options_size);
        assert_true((o->forms >> nforms) == 0);
        /* no name, alias or letter twice, among its rows and the global ones */
        for (size_t t = 0; t < 2; t++) {
            for (const struct modctl_option *x = rows[t]; x && x->name; x++) {
                if (x == o)
                    continue;
                const char *names[] = {o->name, o->alias};
                for (size_t k = 0; k < 2 && names[k]; k++)
                    if (strcmp(names[k], x->name) == 0 ||
                        (x->alias && strcmp(names[k], x->alias) == 0))
                        fail_msg("%s: --%s twice", c->name, names[k]);
                if (o->letter && o->letter == x->letter)
                    fail_msg("%s: -%c twice", c->name, o->letter);
            }
        }
    }
    assert_true(c->summary && *c->summary && c->run);
    size_t len = strlen(c->description);
    assert_true(len > 0 && c->description[len - 1] == '\n');
}

static void test_tables_are_consistent(void **state)
{
    (void)state;
    char help[8192];
    for (size_t i = 0; modctl_commands[i]; i++) {
        const struct modctl_command *c = modctl_commands[i];
        check_table(c);
        /* --help fits 80 columns */
        help_of(c, help, sizeof help);
        for (char *line = help; *line;) {
            size_t n = strcspn(line, "\n");
            if (n > 79)
                fail_msg("modctl %s --help: a line of %zu columns: %.*s", c->name,
                         n, (int)n, line);
            line += n + (line[n] == '\n');
        }
        /* found by its name: "queue", or "rules" "lint", "article" "show" */
        const char *space = strchr(c->name, ' ');
        char group[16] = "";
        if (space)
            snprintf(group, sizeof group, "%.*s", (int)(space - c->name), c->name);
        assert_ptr_equal(space ? modctl_find_command(group, space + 1)
                               : modctl_find_command(c->name, NULL),
                         c);
    }
    assert_ptr_equal(modctl_find_command("list", NULL), &modctl_queue_command);
    assert_ptr_equal(modctl_find_command("read", NULL), &modctl_show_command);
    assert_null(modctl_find_command("rules", NULL));
    assert_null(modctl_find_command("nope", NULL));
    assert_true(modctl_is_group("rules"));
    assert_true(modctl_is_group("article"));
    assert_true(modctl_is_group("decisions"));
    assert_false(modctl_is_group("queue"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_option_of_every_command),
        cmocka_unit_test(test_unknown_options_are_refused),
        cmocka_unit_test(test_help_wins_when_it_comes_first),
        cmocka_unit_test(test_global_options_anywhere),
        cmocka_unit_test(test_operands_in_order_and_after_double_dash),
        cmocka_unit_test(test_values_of_each_kind),
        cmocka_unit_test(test_usage_forms),
        cmocka_unit_test(test_usage_lines),
        cmocka_unit_test(test_tables_are_consistent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
