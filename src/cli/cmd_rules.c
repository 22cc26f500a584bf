/* cmd_rules.c: `modctl rules lint DIR` (offline, with the server's own
 * loader), `modctl rules reload` (POST /v1/rules/reload) and `modctl check
 * TEXT` (POST /v1/check, each match's text highlighted). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "client.h"
#include "modgate/alloc.h"
#include "modgate/rules.h"
#include "modctl.h"
#include "term.h"

static int run_lint(const struct modctl_globals *g, const struct modctl_args *a)
{
    const char *dir = a->operands[0];
    struct mg_rules *rules = NULL;
    struct mg_rules_errors *errs = mg_calloc(1, sizeof *errs);
    int rc = mg_rules_load(dir, &rules, errs);
    if (g->json) {
        json_t *out;
        if (rc == MG_OK) {
            out = json_pack("{s:b, s:I, s:s}", "valid", 1, "rule_count",
                            (json_int_t)mg_rules_count(rules), "rules_version",
                            mg_rules_version(rules));
        } else {
            json_t *list = json_array();
            for (size_t i = 0; i < errs->count; i++)
                json_array_append_new(
                    list, json_pack("{s:s, s:i, s:i, s:s}", "file", errs->items[i].file,
                                    "line", errs->items[i].line, "column",
                                    errs->items[i].column, "message",
                                    errs->items[i].message));
            out = json_pack("{s:b, s:o, s:I}", "valid", 0, "errors", list,
                            "more_errors", (json_int_t)errs->more);
        }
        json_dumpf(out, stdout, JSON_INDENT(2));
        fputc('\n', stdout);
        json_decref(out);
    } else if (rc == MG_OK) {
        printf("%s: %zu rules, version %s\n", dir, mg_rules_count(rules),
               mg_rules_version(rules));
    } else {
        for (size_t i = 0; i < errs->count; i++) {
            char line[1200];
            printf("%s\n", mg_error_format(&errs->items[i], line, sizeof line));
        }
        if (errs->more)
            printf("... and %zu more errors\n", errs->more);
    }
    mg_rules_unref(rules);
    mg_free(errs);
    return rc == MG_OK ? EXIT_OK : EXIT_FAILED;
}

const struct modctl_command modctl_rules_lint_command = {
    .name = "rules lint",
    .operands = {"DIR"},
    .summary = "check a rules directory offline, as modgate would load it",
    .description =
        "Loads the rules directory DIR as modgate would and prints every error\n"
        "(file:line:column: message). Exit 0 when it loads, 1 when it does not.\n",
    .run = run_lint,
};

static int run_reload(const struct modctl_globals *g, const struct modctl_args *a)
{
    (void)a;
    long status = 0;
    json_t *reply = NULL;
    if (modctl_request(g, "POST", "/v1/rules/reload", NULL, &status, &reply) != 0)
        return EXIT_USAGE;
    int code = status == 200 ? EXIT_OK : EXIT_FAILED;
    if (g->json && reply) {
        json_dumpf(reply, stdout, JSON_INDENT(2));
        fputc('\n', stdout);
    } else if (status == 200) {
        printf("rules reloaded: %lld rules, version %s\n",
               (long long)json_integer_value(json_object_get(reply, "rule_count")),
               json_string_value(json_object_get(reply, "rules_version")));
    } else {
        modctl_print_problem("rules reload", status, reply);
    }
    json_decref(reply);
    return code;
}

const struct modctl_command modctl_rules_reload_command = {
    .name = "rules reload",
    .summary = "make modgate load its rules again",
    .description =
        "Asks modgate to load its rules directory again (as SIGHUP does). If the\n"
        "new rules do not load, the old ones stay in force and the errors are\n"
        "printed.\n",
    .run = run_reload,
};

/* ---- check ---- */

/* The answer's "history": the history rules applied (a fired one is among
 * the matches above), then each one not applied with why. */
static void print_history(const json_t *history)
{
    if (!json_is_object(history))
        return; /* a modgate from before history was checked */
    size_t i;
    json_t *v;
    const char *s;
    printf("history applied:");
    if (json_array_size(json_object_get(history, "applied")) == 0)
        printf(" none");
    json_array_foreach(json_object_get(history, "applied"), i, v)
        printf(" %s", (s = json_string_value(v)) ? s : "?");
    printf("\n");
    json_array_foreach(json_object_get(history, "not_applied"), i, v)
    {
        const char *rule = json_string_value(json_object_get(v, "rule"));
        const char *reason = json_string_value(json_object_get(v, "reason"));
        printf("history not applied: %s (%s)\n", rule ? rule : "?",
               reason ? reason : "?");
    }
}

struct check_options {
    const char *author_id, *author_name, *article;
};

static const struct modctl_option check_options[] = {
    {.name = "author", .alias = "author-id", .kind = MODCTL_TEXT,
     .value_name = "ID", .help = "apply the history rules as to this author",
     .offset = offsetof(struct check_options, author_id)},
    {.name = "author-name", .kind = MODCTL_TEXT, .value_name = "NAME",
     .help = "an author name, checked as a submission's is",
     .offset = offsetof(struct check_options, author_name)},
    {.name = "article", .kind = MODCTL_TEXT, .value_name = "ID",
     .help = "the article it is for (default modctl-check)",
     .offset = offsetof(struct check_options, article)},
    {.name = NULL},
};

static int run_check(const struct modctl_globals *g, const struct modctl_args *a)
{
    /* Without --author no author is sent, and the server says the history
     * rules were not applied: a made-up author would be a new commenter
     * with no history, which is not what the real one may be. */
    const struct check_options *o = a->options;
    const char *text = a->operands[0], *author_id = o->author_id,
               *author_name = o->author_name,
               *article = o->article ? o->article : "modctl-check";
    json_t *body = json_pack("{s:s, s:s?, s:s, s:s?}", "article_id", article,
                             "author_id", author_id, "body", text, "author_name",
                             author_name);
    long status = 0;
    json_t *reply = NULL;
    int rc = modctl_request(g, "POST", "/v1/check", body, &status, &reply);
    json_decref(body);
    if (rc != 0)
        return EXIT_USAGE;
    if (status != 200) {
        if (g->json && reply) {
            json_dumpf(reply, stdout, JSON_INDENT(2));
            fputc('\n', stdout);
        } else {
            modctl_print_problem("check", status, reply);
        }
        json_decref(reply);
        return EXIT_FAILED;
    }
    if (g->json) {
        json_dumpf(reply, stdout, JSON_INDENT(2));
        fputc('\n', stdout);
        json_decref(reply);
        return EXIT_OK;
    }
    bool colour = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
    printf("verdict: %s (score %g, rules %s)\nnormalized: %s\n",
           json_string_value(json_object_get(reply, "verdict")),
           json_number_value(json_object_get(reply, "score")),
           json_string_value(json_object_get(reply, "rules_version")),
           json_string_value(json_object_get(reply, "normalized")));
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(reply, "matches"), i, m)
    {
        const char *action = json_string_value(json_object_get(m, "action"));
        printf("  %-28s %+6.1f  %-7s %s\n", json_string_value(json_object_get(m, "rule")),
               json_number_value(json_object_get(m, "score")), action ? action : "-",
               json_string_value(json_object_get(m, "reason")));
        json_t *span = json_object_get(m, "span");
        if (json_is_array(span) && json_array_size(span) == 2)
            modctl_print_highlight(stdout, "      ", text,
                                   (size_t)json_integer_value(json_array_get(span, 0)),
                                   (size_t)json_integer_value(json_array_get(span, 1)),
                                   colour);
    }
    print_history(json_object_get(reply, "history"));
    json_decref(reply);
    return EXIT_OK;
}

const struct modctl_command modctl_check_command = {
    .name = "check",
    .operands = {"TEXT"},
    .options = check_options,
    .options_size = sizeof(struct check_options),
    .summary = "run the rules on TEXT (history too, given --author)",
    .description =
        "Runs modgate's rules on TEXT (POST /v1/check: nothing is stored, no rate\n"
        "limit is used) and prints the verdict and every match, its text\n"
        "highlighted. With --author (alias --author-id) the history rules are\n"
        "applied too, as they would be to that author's submission, reading\n"
        "Redis only; the output says which history rules were applied and which\n"
        "not, and why.\n",
    .run = run_check,
};
