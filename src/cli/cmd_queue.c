/* cmd_queue.c: the moderators' batch commands over comments: `queue`,
 * `rejected` (tables of held and rules-rejected comments), `show ID` (one
 * record, matches highlighted), and `approve` / `reject` / `remove`, by id
 * or, for floods, by predicate over the queue (--rule, --author,
 * --older-than, --article; --dry-run; a confirmation on a terminal). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "client.h"
#include "comments.h"
#include "modgate/alloc.h"
#include "modctl.h"
#include "term.h"

/* ---- queue, rejected ----------------------------------------------------- */

/* Up to limit comments of a list (of an article when not NULL); *out is
 * {"items": [...], "total": n}. */
static int fetch_list(const struct modctl_globals *g, const char *cmd,
                      const char *path, const char *article, size_t limit,
                      json_t **out)
{
    char *article_q = article ? modctl_escape(article) : NULL;
    char *base = article_q ? mg_asprintf("%s?article_id=%s", path, article_q)
                           : mg_strdup(path);
    json_t *items = NULL;
    json_int_t total = 0;
    int rc = modctl_fetch_pages(g, cmd, base, "items", limit, &items, &total);
    mg_free(base);
    mg_free(article_q);
    if (rc == EXIT_OK)
        *out = json_pack("{s:o, s:I}", "items", items, "total", total);
    return rc;
}

static int list_command(const struct modctl_globals *g, int argc, char **argv,
                        const char *path, bool by_article, const char *usage,
                        const char *what)
{
    const char *cmd = argv[0], *article = NULL, *limit_text = NULL;
    for (int i = 1; i < argc; i++) {
        if (modctl_is_help(argv[i]))
            return modctl_usage(true, cmd, NULL, usage);
        int r = by_article ? modctl_take_option("--article", argc, argv, &i, &article) : 0;
        if (r == 0)
            r = modctl_take_option("--limit", argc, argv, &i, &limit_text);
        if (r <= 0)
            return modctl_usage(false, cmd,
                                r < 0 ? "an option needs a value" : "unexpected argument",
                                usage);
    }
    long limit;
    if (!modctl_parse_limit(limit_text, &limit))
        return modctl_usage(false, cmd, "--limit must be a number from 1 to 100000",
                            usage);
    json_t *list = NULL;
    int rc = fetch_list(g, cmd, path, article, (size_t)limit, &list);
    if (rc != EXIT_OK)
        return rc;
    if (g->json)
        modctl_print_json(list);
    else
        modctl_print_comments(list, what);
    json_decref(list);
    return EXIT_OK;
}

int modctl_cmd_queue(const struct modctl_globals *g, int argc, char **argv)
{
    return list_command(
        g, argc, argv, "/v1/queue", true,
        "usage: modctl queue [--article ID] [--limit N]\n"
        "The comments held for a moderator, oldest first (50 unless --limit):\n"
        "id, age, article, author, score, the top reasons and the start of the\n"
        "body, cut to the terminal's width. --json prints {\"items\", \"total\"}.\n",
        "pending");
}

int modctl_cmd_rejected(const struct modctl_globals *g, int argc, char **argv)
{
    return list_command(
        g, argc, argv, "/v1/rejected", false,
        "usage: modctl rejected [--limit N]\n"
        "The comments the rules rejected that are still kept (14 days by\n"
        "default), newest first. `modctl approve ID` publishes one after all.\n",
        "rejected");
}

/* ---- show ------------------------------------------------------------------ */

int modctl_cmd_show(const struct modctl_globals *g, int argc, char **argv)
{
    static const char usage[] =
        "usage: modctl show ID\n"
        "One comment's full record: status, article, author, age, score, the\n"
        "signature's key, the decision, the body, and every rule that fired\n"
        "with the text it matched highlighted.\n";
    if (argc == 2 && modctl_is_help(argv[1]))
        return modctl_usage(true, "show", NULL, usage);
    if (argc != 2 || argv[1][0] == '-')
        return modctl_usage(false, "show", "needs exactly one comment id", usage);
    char *path = modctl_comment_path(argv[1]);
    json_t *record = NULL;
    int rc = modctl_call(g, "show", "GET", path, NULL, false, NULL, &record);
    mg_free(path);
    if (rc == EXIT_OK) {
        if (g->json)
            modctl_print_json(record);
        else
            modctl_print_record(stdout, record, modctl_colour());
    }
    json_decref(record);
    return rc;
}

/* ---- approve, reject, remove ------------------------------------------------ */

/* The three verbs: what they need the comment to be, and the request. */
static const struct verb {
    const char *name, *done, *endpoint;
    const char *from[2]; /* statuses it applies to */
} verbs[] = {
    {"approve", "approved", "approve", {"pending", "rejected"}},
    /* as POST .../reject: a held comment is rejected, a published one
     * removed (API.md); `remove` says the second on purpose */
    {"reject", "rejected", "reject", {"pending", "published"}},
    {"remove", "removed", "reject", {"published", NULL}},
};

static const struct verb *find_verb(const char *name)
{
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
        if (strcmp(verbs[i].name, name) == 0)
            return &verbs[i];
    return &verbs[0];
}

static bool applies(const struct verb *v, const char *status)
{
    for (size_t i = 0; i < 2; i++)
        if (v->from[i] && status && strcmp(v->from[i], status) == 0)
            return true;
    return false;
}

int modctl_decide(const struct modctl_globals *g, const char *verb_name,
                  const char *id, const char *reason, const char *expect,
                  json_t **result)
{
    const struct verb *v = find_verb(verb_name);
    char *path = modctl_comment_path(id);
    json_t *record = NULL;
    long status = 0;
    /* The status is checked first: `remove` only takes a published comment
     * down, and review only decides what is still held (expect). The
     * server still decides races. */
    int rc = modctl_call(g, verb_name, "GET", path, NULL, true, &status, &record);
    const char *current = json_string_value(json_object_get(record, "status"));
    if (rc == EXIT_OK &&
        (!applies(v, current) || (expect && current && strcmp(expect, current) != 0))) {
        *result = json_pack("{s:s, s:s, s:s}", "id", id, "code", "conflict",
                            "current_status", current);
        json_decref(record);
        mg_free(path);
        return EXIT_FAILED;
    }
    if (rc == EXIT_OK) {
        json_decref(record);
        record = NULL;
        char *post = mg_asprintf("%s/%s", path, v->endpoint);
        json_t *body = reason ? json_pack("{s:s}", "reason", reason) : NULL;
        rc = modctl_call(g, verb_name, "POST", post, body, true, &status, &record);
        json_decref(body);
        mg_free(post);
    }
    mg_free(path);
    if (rc == EXIT_USAGE && !record) {
        *result = NULL; /* no answer: modctl_request said why */
        return rc;
    }
    if (rc == EXIT_OK) {
        *result = json_incref(record);
    } else {
        /* the server's problem (from the read or the decision), with the id */
        const char *code = json_string_value(json_object_get(record, "code"));
        const char *now = json_string_value(json_object_get(record, "current_status"));
        *result = json_pack("{s:s, s:s, s:s?, s:s?}", "id", id, "code",
                            code ? code : "error", "current_status", now, "detail",
                            json_string_value(json_object_get(record, "detail")));
    }
    json_decref(record);
    return rc;
}

/* One line for a decision's outcome (r from modctl_decide): on stdout what
 * was done, on stderr why not. */
static void report(const char *verb_name, int rc, const json_t *r)
{
    const struct verb *v = find_verb(verb_name);
    const char *id = json_string_value(json_object_get(r, "id"));
    if (rc == EXIT_OK) {
        const char *status = json_string_value(json_object_get(r, "status"));
        /* reject on a published comment removed it */
        printf("%s %s\n", status && strcmp(status, "removed") == 0 ? "removed" : v->done, id);
        return;
    }
    const char *code = json_string_value(json_object_get(r, "code"));
    const char *now = json_string_value(json_object_get(r, "current_status"));
    const char *detail = json_string_value(json_object_get(r, "detail"));
    if (code && strcmp(code, "conflict") == 0)
        fprintf(stderr, "modctl %s: %s: not %s: it is %s\n", verb_name, id, v->done,
                now ? now : "decided already");
    else
        fprintf(stderr, "modctl %s: %s: %s%s%s\n", verb_name, id, code ? code : "error",
                detail ? ": " : "", detail ? detail : "");
}

/* What to pick from the queue. */
struct predicate {
    const char *rule, *author, *article;
    int64_t older_than_s; /* -1: any */
};

static bool selected(const struct predicate *p, const json_t *c)
{
    if (p->author &&
        strcmp(p->author, json_string_value(json_object_get(c, "author_id"))) != 0)
        return false;
    if (p->older_than_s >= 0 &&
        modctl_age_of(json_string_value(json_object_get(c, "created_at"))) <
            p->older_than_s)
        return false;
    if (p->rule) {
        size_t i;
        const json_t *m;
        json_array_foreach(json_object_get(c, "matches"), i, m) {
            const char *rule = json_string_value(json_object_get(m, "rule"));
            if (rule && strcmp(rule, p->rule) == 0)
                return true;
        }
        return false;
    }
    return true;
}

/* y or yes on the terminal. */
static bool confirm(const char *question)
{
    printf("%s [y/N] ", question);
    fflush(stdout);
    char line[32];
    if (!fgets(line, sizeof line, stdin))
        return false;
    return strcmp(line, "y\n") == 0 || strcmp(line, "yes\n") == 0 ||
           strcmp(line, "Y\n") == 0;
}

static int decide_command(const struct modctl_globals *g, int argc, char **argv)
{
    const char *verb = argv[0];
    bool is_remove = strcmp(verb, "remove") == 0;
    char usage[1400];
    snprintf(usage, sizeof usage,
             "usage: modctl %s ID... [--reason TEXT]\n%s"
             "%s\n"
             "Exit 0 when every comment was %s, 1 when one was not (it was\n"
             "decided already, or is gone), 2 on a usage or connection error.\n",
             verb,
             is_remove ? ""
                       : "       modctl VERB [--rule RULE] [--author ID] [--older-than "
                         "30m|2h|7d]\n"
                         "                   [--article ID] [--reason TEXT] "
                         "[--dry-run] [--yes]\n",
             strcmp(verb, "approve") == 0
                 ? "Publishes held or rules-rejected comments, signed now."
             : is_remove ? "Takes published comments down (they keep their "
                           "signature)."
                         : "Rejects held comments (kept 14 days for review, then gone),\n"
                           "and takes published ones down, as remove does.",
             strcmp(verb, "approve") == 0 ? "approved"
             : is_remove                  ? "removed"
                                          : "rejected");
    if (!is_remove) {
        size_t used = strlen(usage);
        snprintf(usage + used, sizeof usage - used, "%s",
                 "With predicates instead of ids, decides every held comment that\n"
                 "matches them all: one that a rule fired on, by an author, older\n"
                 "than a time, of an article. --dry-run lists them and decides\n"
                 "nothing; on a terminal it asks first unless --yes.\n");
    }
    const char *reason = NULL, *older = NULL;
    struct predicate p = {.older_than_s = -1};
    bool dry_run = false, yes = false, any_predicate = false;
    const char **ids = mg_calloc((size_t)argc, sizeof *ids);
    size_t nids = 0;
    int rc = EXIT_OK;
    for (int i = 1; i < argc && rc == EXIT_OK; i++) {
        const char *a = argv[i];
        int r = 0;
        const char *value = NULL;
        if (modctl_is_help(a)) {
            rc = -1;
            break;
        } else if (strcmp(a, "--dry-run") == 0) {
            dry_run = true;
            continue;
        } else if (strcmp(a, "--yes") == 0) {
            yes = true;
            continue;
        } else if ((r = modctl_take_option("--reason", argc, argv, &i, &value))) {
            reason = value;
        } else if (!is_remove &&
                   (r = modctl_take_option("--rule", argc, argv, &i, &value))) {
            p.rule = value, any_predicate = true;
        } else if (!is_remove &&
                   (r = modctl_take_option("--author", argc, argv, &i, &value))) {
            p.author = value, any_predicate = true;
        } else if (!is_remove &&
                   (r = modctl_take_option("--article", argc, argv, &i, &value))) {
            p.article = value, any_predicate = true;
        } else if (!is_remove &&
                   (r = modctl_take_option("--older-than", argc, argv, &i, &value))) {
            older = value, any_predicate = true;
        } else if (a[0] != '-') {
            ids[nids++] = a;
            continue;
        } else {
            rc = modctl_usage(false, verb, "unknown option", usage);
            break;
        }
        if (r < 0)
            rc = modctl_usage(false, verb, "an option needs a value", usage);
    }
    if (rc == -1) {
        mg_free(ids);
        return modctl_usage(true, verb, NULL, usage);
    }
    if (rc == EXIT_OK && older && !modctl_parse_duration(older, &p.older_than_s))
        rc = modctl_usage(false, verb, "--older-than wants a duration such as 30m, 2h, 7d",
                          usage);
    if (rc == EXIT_OK && (nids > 0) == any_predicate)
        rc = modctl_usage(false, verb,
                          any_predicate ? "give ids or predicates, not both"
                                        : "which comments? give ids or predicates",
                          usage);
    if (rc == EXIT_OK && (dry_run || yes) && !any_predicate)
        rc = modctl_usage(false, verb, "--dry-run and --yes go with predicates", usage);
    if (rc != EXIT_OK) {
        mg_free(ids);
        return rc;
    }

    json_t *chosen = NULL;
    if (any_predicate) {
        json_t *queue = NULL;
        rc = fetch_list(g, verb, "/v1/queue", p.article, (size_t)-1, &queue);
        if (rc != EXIT_OK) {
            mg_free(ids);
            return rc;
        }
        chosen = json_array();
        size_t i;
        json_t *c;
        json_array_foreach(json_object_get(queue, "items"), i, c)
            if (selected(&p, c))
                json_array_append(chosen, c);
        json_decref(queue);
        if (dry_run || (!yes && !g->json && isatty(STDIN_FILENO) &&
                        isatty(STDOUT_FILENO))) {
            if (g->json) {
                modctl_print_json(chosen);
            } else {
                json_t *list = json_pack("{s:O, s:I}", "items", chosen, "total",
                                         (json_int_t)json_array_size(chosen));
                modctl_print_comments(list, "matching");
                json_decref(list);
            }
        }
        if (dry_run || json_array_size(chosen) == 0) {
            if (!g->json)
                printf("%s: would %s %zu comment%s; nothing was decided\n",
                       dry_run ? "dry run" : "nothing to do", verb,
                       json_array_size(chosen), json_array_size(chosen) == 1 ? "" : "s");
            json_decref(chosen);
            mg_free(ids);
            return EXIT_OK;
        }
        if (!yes && !g->json && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)) {
            char question[96];
            snprintf(question, sizeof question, "%c%s these %zu comments?",
                     verb[0] - 'a' + 'A', verb + 1, json_array_size(chosen));
            if (!confirm(question)) {
                printf("nothing was decided\n");
                json_decref(chosen);
                mg_free(ids);
                return EXIT_FAILED;
            }
        }
        nids = 0;
        mg_free(ids);
        ids = mg_calloc(json_array_size(chosen) + 1, sizeof *ids);
        size_t k;
        json_t *c2;
        json_array_foreach(chosen, k, c2)
            ids[nids++] = json_string_value(json_object_get(c2, "id"));
    }

    json_t *results = json_array();
    size_t failed = 0;
    for (size_t i = 0; i < nids; i++) {
        json_t *r = NULL;
        int one = modctl_decide(g, verb, ids[i], reason, NULL, &r);
        if (!r) { /* no answer from modgate: stop here */
            rc = EXIT_USAGE;
            break;
        }
        if (one != EXIT_OK) {
            failed++;
            if (one == EXIT_USAGE)
                rc = EXIT_USAGE;
        }
        if (!g->json || one != EXIT_OK)
            report(verb, one, r);
        json_array_append_new(results, r);
    }
    /* --json: the record decided (or the problem) for one id, an array of
     * them for several or for predicates */
    if (g->json && !any_predicate && nids == 1 && json_array_size(results) == 1)
        modctl_print_json(json_array_get(results, 0));
    else if (g->json)
        modctl_print_json(results);
    else if (nids > 1)
        printf("%s %zu, failed %zu\n", find_verb(verb)->done,
               json_array_size(results) - failed, failed);
    json_decref(results);
    json_decref(chosen);
    mg_free(ids);
    if (rc == EXIT_OK && failed)
        rc = EXIT_FAILED;
    return rc;
}

int modctl_cmd_approve(const struct modctl_globals *g, int argc, char **argv)
{
    return decide_command(g, argc, argv);
}
