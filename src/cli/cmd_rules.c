/* cmd_rules.c: `modctl rules lint DIR` (offline, with the server's own
 * loader), `modctl rules reload` (POST /v1/rules/reload) and `modctl check
 * TEXT` (POST /v1/check, each match's text highlighted). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "modgate/alloc.h"
#include "modgate/rules.h"
#include "modctl.h"
#include "term.h"

static int lint(const struct modctl_globals *g, int argc, char **argv)
{
    if (argc != 2 || argv[1][0] == '-') {
        fprintf(argc == 2 && strcmp(argv[1], "--help") == 0 ? stdout : stderr,
                "usage: modctl rules lint DIR\n"
                "Loads the rules directory DIR as modgate would and prints every "
                "error\n(file:line:column: message). Exit 0 when it loads, 1 when "
                "it does not.\n");
        return argc == 2 && strcmp(argv[1], "--help") == 0 ? EXIT_OK : EXIT_USAGE;
    }
    struct mg_rules *rules = NULL;
    struct mg_rules_errors *errs = mg_calloc(1, sizeof *errs);
    int rc = mg_rules_load(argv[1], &rules, errs);
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
        printf("%s: %zu rules, version %s\n", argv[1], mg_rules_count(rules),
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

static int reload(const struct modctl_globals *g, int argc, char **argv)
{
    if (argc != 1) {
        bool help = argc == 2 && strcmp(argv[1], "--help") == 0;
        fprintf(help ? stdout : stderr,
                "usage: modctl rules reload\n"
                "Asks modgate to load its rules directory again (as SIGHUP does). "
                "If the\nnew rules do not load, the old ones stay in force and the "
                "errors are printed.\n");
        return help ? EXIT_OK : EXIT_USAGE;
    }
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

int modctl_cmd_rules(const struct modctl_globals *g, int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "lint") == 0)
        return lint(g, argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "reload") == 0)
        return reload(g, argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "stats") == 0)
        return modctl_rules_stats(g, argc - 1, argv + 1);
    bool help = argc == 2 && strcmp(argv[1], "--help") == 0;
    fprintf(help ? stdout : stderr,
            "usage: modctl rules lint DIR | modctl rules reload | modctl rules stats\n");
    return help ? EXIT_OK : EXIT_USAGE;
}

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

int modctl_cmd_check(const struct modctl_globals *g, int argc, char **argv)
{
    /* Without --author no author is sent, and the server says the history
     * rules were not applied: a made-up author would be a new commenter
     * with no history, which is not what the real one may be. */
    const char *text = NULL, *author_name = NULL, *author_id = NULL,
               *article = "modctl-check";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = strcmp(a, "--author-name") == 0 ? &author_name
                            : strcmp(a, "--author") == 0    ? &author_id
                            : strcmp(a, "--author-id") == 0 ? &author_id
                            : strcmp(a, "--article") == 0   ? &article
                                                            : NULL;
        if (slot) {
            if (i + 1 >= argc) {
                fprintf(stderr, "modctl check: %s needs a value\n", a);
                return EXIT_USAGE;
            }
            *slot = argv[++i];
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            printf("usage: modctl check TEXT [--author ID] [--author-name NAME] "
                   "[--article ID]\nRuns modgate's rules on TEXT (POST /v1/check: "
                   "nothing is stored, no rate\nlimit is used) and prints the "
                   "verdict and every match, its text highlighted.\nWith --author "
                   "(alias --author-id) the history rules are applied too, as\nthey "
                   "would be to that author's submission, reading Redis only; the "
                   "output\nsays which history rules were applied and which not, "
                   "and why.\n");
            return EXIT_OK;
        } else if (!text && a[0] != '-') {
            text = a;
        } else {
            fprintf(stderr, "modctl check: unexpected '%s' (see modctl check --help)\n", a);
            return EXIT_USAGE;
        }
    }
    if (!text) {
        fprintf(stderr, "usage: modctl check TEXT [--author ID] [--author-name NAME] "
                        "[--article ID]\n");
        return EXIT_USAGE;
    }
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
