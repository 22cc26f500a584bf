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

/* What the server picks from the queue (GET /v1/queue's parameters), each
 * NULL for none: the article and the order by index, the rest by a scan
 * the server bounds (docs/api.md). */
struct queue_filter {
    const char *article, *sort, *rule, *author, *q;
};

/* path with filter's parameters, percent-encoded, in its query. */
static char *filtered_path(const char *path, const struct queue_filter *f)
{
    static const char *const names[] = {"article_id", "sort", "rule", "author_id", "q"};
    const char *values[] = {f->article, f->sort, f->rule, f->author, f->q};
    char *out = mg_strdup(path);
    for (size_t i = 0; i < 5; i++) {
        if (!values[i])
            continue;
        char *v = modctl_escape(values[i]);
        char *next = mg_asprintf("%s%c%s=%s", out, strchr(out, '?') ? '&' : '?',
                                 names[i], v);
        mg_free(v);
        mg_free(out);
        out = next;
    }
    return out;
}

/* Up to limit comments of a list, as filter picks them (NULL: all); *out
 * is {"items": [...], "total": n}. */
static int fetch_list(const struct modctl_globals *g, const char *cmd,
                      const char *path, const struct queue_filter *filter,
                      size_t limit, json_t **out)
{
    static const struct queue_filter none = {0};
    char *base = filtered_path(path, filter ? filter : &none);
    json_t *items = NULL;
    json_int_t total = 0;
    int rc = modctl_fetch_pages(g, cmd, base, "items", limit, &items, &total);
    mg_free(base);
    if (rc == EXIT_OK)
        *out = json_pack("{s:o, s:I}", "items", items, "total", total);
    return rc;
}

/* queue's and rejected's options. */
struct list_options {
    struct queue_filter f;
    long limit;
};

#define LIMIT_ROW                                                              \
    {.name = "limit", .kind = MODCTL_LIMIT, .value_name = "N",                 \
     .help = "at most N comments, from 1 to 100000 (default 50)",              \
     .offset = offsetof(struct list_options, limit)}

static const struct modctl_option queue_options[] = {
    {.name = "article", .kind = MODCTL_TEXT, .value_name = "ID",
     .help = "only this article's comments",
     .offset = offsetof(struct list_options, f.article)},
    LIMIT_ROW, /* second, as in rejected's table */
    {.name = "sort", .kind = MODCTL_TEXT, .value_name = "ORDER",
     .help = "age (oldest first, the default) or score (highest first)",
     .offset = offsetof(struct list_options, f.sort)},
    {.name = "rule", .kind = MODCTL_TEXT, .value_name = "RULE",
     .help = "only comments this rule fired on",
     .offset = offsetof(struct list_options, f.rule)},
    {.name = "author", .kind = MODCTL_TEXT, .value_name = "ID",
     .help = "only this author's comments",
     .offset = offsetof(struct list_options, f.author)},
    {.name = "q", .kind = MODCTL_TEXT, .value_name = "TEXT",
     .help = "only comments whose normalized body contains TEXT",
     .offset = offsetof(struct list_options, f.q)},
    {.name = NULL},
};

static const struct modctl_option rejected_options[] = {
    LIMIT_ROW,
    {.name = NULL},
};

static int list_command(const struct modctl_globals *g, const struct modctl_args *a,
                        const char *path, const char *what)
{
    const struct list_options *o = a->options;
    json_t *list = NULL;
    int rc = fetch_list(g, a->name, path, &o->f, (size_t)o->limit, &list);
    if (rc != EXIT_OK)
        return rc;
    if (g->json)
        modctl_print_json(list);
    else
        modctl_print_comments(list, what);
    json_decref(list);
    return EXIT_OK;
}

static int run_queue(const struct modctl_globals *g, const struct modctl_args *a)
{
    return list_command(g, a, "/v1/queue", "pending");
}

const struct modctl_command modctl_queue_command = {
    .name = "queue",
    .options = queue_options,
    .options_size = sizeof(struct list_options),
    .summary = "the held comments, oldest first",
    .description =
        "The comments held for a moderator, oldest first (50 unless --limit):\n"
        "id, age, article, author, score, the top reasons and the start of the\n"
        "body, cut to the terminal's width. --json prints {\"items\", \"total\"},\n"
        "each record with its meta (client_ip, user_agent). --sort score puts\n"
        "the highest score first; --rule, --author, --article and --q pick.\n",
    .run = run_queue,
};

static int run_rejected(const struct modctl_globals *g, const struct modctl_args *a)
{
    return list_command(g, a, "/v1/rejected", "rejected");
}

const struct modctl_command modctl_rejected_command = {
    .name = "rejected",
    .options = rejected_options,
    .options_size = sizeof(struct list_options),
    .summary = "what the rules rejected, still kept",
    .description =
        "The comments the rules rejected that are still kept (14 days by\n"
        "default), newest first. `modctl approve ID` publishes one after all.\n",
    .run = run_rejected,
};

/* ---- show ------------------------------------------------------------------ */

static int run_show(const struct modctl_globals *g, const struct modctl_args *a)
{
    char *path = modctl_comment_path(a->operands[0]);
    json_t *record = NULL;
    int rc = modctl_call(g, a->name, "GET", path, NULL, false, NULL, &record);
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

const struct modctl_command modctl_show_command = {
    .name = "show",
    .operands = {"ID"},
    .summary = "one comment in full, matches highlighted",
    .description =
        "One comment's full record: status, article, author, age, score, the\n"
        "signature's key, the decision, the body, and every rule that fired\n"
        "with the text it matched highlighted.\n",
    .run = run_show,
};

/* ---- approve, reject, remove ------------------------------------------------ */

/* The three verbs: what they need the comment to be, and the request. */
static const struct verb {
    const char *name, *done, *endpoint;
    const char *from[2]; /* statuses it applies to */
} verbs[] = {
    {"approve", "approved", "approve", {"pending", "rejected"}},
    /* as POST .../reject: a held comment is rejected, a published one
     * removed (docs/api.md); `remove` says the second on purpose */
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

/* approve on a published comment readers reported: it dismisses their
 * reports (docs/api.md "Reader reports"); the record moderators read
 * counts them */
static bool dismisses(const struct verb *v, const char *status, const json_t *record)
{
    const json_t *reports = json_object_get(record, "reports");
    return strcmp(v->name, "approve") == 0 && status && strcmp(status, "published") == 0 &&
           json_integer_value(json_object_get(reports, "count")) > 0;
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
        ((!applies(v, current) && !dismisses(v, current, record)) || (expect && current && strcmp(expect, current) != 0))) {
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
    const char *rule, *author, *article, *q; /* q: the server matches it */
    int64_t older_than_s; /* 0: any age */
};

static bool selected(const struct predicate *p, const json_t *c)
{
    if (p->author &&
        strcmp(p->author, json_string_value(json_object_get(c, "author_id"))) != 0)
        return false;
    if (p->older_than_s > 0 &&
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

/* approve's, reject's and remove's options (remove takes --reason only). */
struct decide_options {
    const char *reason;
    struct predicate p;
    bool dry_run, yes;
};

/* The second usage form: held comments chosen by predicates, not ids. */
#define BY_PREDICATE 2u

#define REASON_ROW                                                             \
    {.name = "reason", .kind = MODCTL_TEXT, .value_name = "TEXT",              \
     .help = "why, kept with the decision and in the audit log",              \
     .offset = offsetof(struct decide_options, reason)}

static const struct modctl_option decide_options[] = {
    {.name = "rule", .kind = MODCTL_TEXT, .value_name = "RULE",
     .help = "held comments this rule fired on (spam.phrase...)",
     .offset = offsetof(struct decide_options, p.rule), .forms = BY_PREDICATE},
    {.name = "author", .kind = MODCTL_TEXT, .value_name = "ID",
     .help = "held comments by this author",
     .offset = offsetof(struct decide_options, p.author), .forms = BY_PREDICATE},
    {.name = "older-than", .kind = MODCTL_DURATION, .value_name = "DURATION",
     .help = "held comments older than 30m, 2h, 7d...",
     .offset = offsetof(struct decide_options, p.older_than_s),
     .forms = BY_PREDICATE},
    {.name = "article", .kind = MODCTL_TEXT, .value_name = "ID",
     .help = "held comments of this article",
     .offset = offsetof(struct decide_options, p.article), .forms = BY_PREDICATE},
    REASON_ROW,
    {.name = "dry-run", .kind = MODCTL_FLAG,
     .help = "list the comments chosen and decide nothing",
     .offset = offsetof(struct decide_options, dry_run), .forms = BY_PREDICATE},
    {.name = "yes", .kind = MODCTL_FLAG,
     .help = "decide without asking (on a terminal it asks)",
     .offset = offsetof(struct decide_options, yes), .forms = BY_PREDICATE},
    /* last: the rows before keep their places */
    {.name = "q", .kind = MODCTL_TEXT, .value_name = "TEXT",
     .help = "held comments whose normalized body contains TEXT",
     .offset = offsetof(struct decide_options, p.q), .forms = BY_PREDICATE},
    {.name = NULL},
};

static const struct modctl_option remove_options[] = {
    REASON_ROW,
    {.name = NULL},
};

/* The held comments the predicates choose: NULL, with *rc the exit status,
 * when nothing is to be decided (a dry run, none chosen, the moderator said
 * no, or the queue could not be read). */
static json_t *choose(const struct modctl_globals *g, const char *verb,
                      const struct decide_options *o, int *rc)
{
    json_t *queue = NULL;
    /* the server picks by rule, author, article and text; older-than here */
    const struct queue_filter f = {.article = o->p.article, .rule = o->p.rule,
                                   .author = o->p.author, .q = o->p.q};
    *rc = fetch_list(g, verb, "/v1/queue", &f, (size_t)-1, &queue);
    if (*rc != EXIT_OK)
        return NULL;
    json_t *chosen = json_array();
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(queue, "items"), i, c)
        if (selected(&o->p, c))
            json_array_append(chosen, c);
    json_decref(queue);
    size_t n = json_array_size(chosen);
    bool ask = !o->yes && !g->json && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
    if (o->dry_run || ask) {
        if (g->json) {
            modctl_print_json(chosen);
        } else {
            json_t *list = json_pack("{s:O, s:I}", "items", chosen, "total",
                                     (json_int_t)n);
            modctl_print_comments(list, "matching");
            json_decref(list);
        }
    }
    if (o->dry_run || n == 0) {
        if (!g->json)
            printf("%s: would %s %zu comment%s; nothing was decided\n",
                   o->dry_run ? "dry run" : "nothing to do", verb, n,
                   n == 1 ? "" : "s");
        json_decref(chosen);
        return NULL;
    }
    if (ask) {
        char question[96];
        snprintf(question, sizeof question, "%c%s these %zu comments?",
                 verb[0] - 'a' + 'A', verb + 1, n);
        if (!confirm(question)) {
            printf("nothing was decided\n");
            json_decref(chosen);
            *rc = EXIT_FAILED;
            return NULL;
        }
    }
    return chosen;
}

/* Decides each of ids, reporting each; with --json prints the record
 * decided (or the problem) for one id given by id, else an array. */
static int decide_each(const struct modctl_globals *g, const char *verb,
                       const char *reason, const char *const *ids, size_t nids,
                       bool by_id)
{
    int rc = EXIT_OK;
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
    if (g->json && by_id && nids == 1 && json_array_size(results) == 1)
        modctl_print_json(json_array_get(results, 0));
    else if (g->json)
        modctl_print_json(results);
    else if (nids > 1)
        printf("%s %zu, failed %zu\n", find_verb(verb)->done,
               json_array_size(results) - failed, failed);
    json_decref(results);
    if (rc == EXIT_OK && failed)
        rc = EXIT_FAILED;
    return rc;
}

static int run_decide(const struct modctl_globals *g, const struct modctl_args *a)
{
    const struct decide_options *o = a->options;
    const char *verb = a->command->name;
    bool any_predicate =
        o->p.rule || o->p.author || o->p.article || o->p.q || o->p.older_than_s > 0;
    if (a->count == 0 && !any_predicate)
        return modctl_usage_error(a, "which comments? give ids or predicates");
    if (a->count > 0)
        return decide_each(g, verb, o->reason, (const char *const *)a->operands,
                           a->count, true);
    int rc = EXIT_OK;
    json_t *chosen = choose(g, verb, o, &rc);
    if (!chosen)
        return rc;
    size_t n = json_array_size(chosen);
    const char **ids = mg_calloc(n + 1, sizeof *ids);
    for (size_t i = 0; i < n; i++)
        ids[i] = json_string_value(json_object_get(json_array_get(chosen, i), "id"));
    rc = decide_each(g, verb, o->reason, ids, n, false);
    mg_free(ids);
    json_decref(chosen);
    return rc;
}

#define DECIDE_EXIT(done)                                                      \
    "Exit 0 when every comment was " done ", 1 when one was not (it was\n"     \
    "decided already, or is gone), 2 on a usage or connection error.\n"
#define DECIDE_BY_PREDICATE                                                    \
    "With predicates instead of ids, decides every held comment that\n"        \
    "matches them all: one that a rule fired on, by an author, older\n"        \
    "than a time, of an article, whose normalized body contains a text\n"     \
    "(--q). --dry-run lists them and decides\n"                               \
    "nothing; on a terminal it asks first unless --yes.\n"

const struct modctl_command modctl_approve_command = {
    .name = "approve",
    .operands = {"ID...", ""},
    .options = decide_options,
    .options_size = sizeof(struct decide_options),
    .summary = "publish held or rules-rejected comments",
    .description = "Publishes held or rules-rejected comments, signed now.\n"
                   DECIDE_EXIT("approved") DECIDE_BY_PREDICATE,
    .run = run_decide,
};

const struct modctl_command modctl_reject_command = {
    .name = "reject",
    .operands = {"ID...", ""},
    .options = decide_options,
    .options_size = sizeof(struct decide_options),
    .summary = "reject held comments",
    .description = "Rejects held comments (kept 14 days for review, then gone),\n"
                   "and takes published ones down, as remove does.\n"
                   DECIDE_EXIT("rejected") DECIDE_BY_PREDICATE,
    .run = run_decide,
};

const struct modctl_command modctl_remove_command = {
    .name = "remove",
    .operands = {"ID..."},
    .options = remove_options,
    .options_size = sizeof(struct decide_options),
    .summary = "take published comments down",
    .description = "Takes published comments down (they keep their signature).\n"
                   DECIDE_EXIT("removed"),
    .run = run_decide,
};
