/* cmd_admin.c: `audit`, `stats`, `rules stats`, and bans: `ban`, `unban`,
 * `bans`. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "client.h"
#include "modgate/alloc.h"
#include "modctl.h"
#include "term.h"

static void free_rows(char ***rows, size_t n, size_t ncols)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < ncols; k++)
            mg_free(rows[i][k]);
        mg_free(rows[i]);
    }
    mg_free(rows);
}

/* ---- audit ------------------------------------------------------------------ */

struct audit_options {
    long limit;
};

static const struct modctl_option audit_options[] = {
    {.name = "limit", .kind = MODCTL_LIMIT, .value_name = "N",
     .help = "at most N entries, from 1 to 100000 (default 50)",
     .offset = offsetof(struct audit_options, limit)},
    {.name = NULL},
};

static int run_audit(const struct modctl_globals *g, const struct modctl_args *a)
{
    long limit = ((const struct audit_options *)a->options)->limit;
    json_t *entries = NULL;
    int rc = modctl_fetch_pages(g, "audit", "/v1/audit", "entries", (size_t)limit,
                                &entries, NULL);
    if (rc == EXIT_OK && g->json) {
        json_t *out = json_pack("{s:O}", "entries", entries);
        modctl_print_json(out);
        json_decref(out);
    } else if (rc == EXIT_OK && json_array_size(entries) == 0) {
        printf("no moderator action yet\n");
    } else if (rc == EXIT_OK) {
        static const char *const header[] = {"AT", "MODERATOR", "ACTION", "TARGET",
                                             "REASON"};
        static const int max[] = {24, 16, 16, 64, 0}; /* article_settings */
        size_t n = json_array_size(entries);
        char ***rows = mg_calloc(n, sizeof *rows);
        size_t i;
        json_t *e;
        json_array_foreach(entries, i, e) {
            rows[i] = mg_calloc(5, sizeof **rows);
            rows[i][0] = mg_strdup(modctl_text(e, "at"));
            rows[i][1] = mg_strdup(modctl_text(e, "moderator"));
            rows[i][2] = mg_strdup(modctl_text(e, "action"));
            rows[i][3] = mg_strdup(modctl_text(e, "target"));
            rows[i][4] = mg_strdup(*modctl_text(e, "reason") ? modctl_text(e, "reason") : "-");
        }
        const struct modctl_table t = {.ncols = 5, .header = header, .max = max,
                                       .flexible = 4, .min_flexible = 10,
                                       .nrows = n, .rows = rows};
        modctl_print_table(stdout, &t);
        free_rows(rows, n, 5);
    }
    json_decref(entries);
    return rc;
}

const struct modctl_command modctl_audit_command = {
    .name = "audit",
    .options = audit_options,
    .options_size = sizeof(struct audit_options),
    .summary = "every moderator action, newest first",
    .description =
        "Every moderator action, newest first (50 unless --limit): approvals,\n"
        "rejections, removals, bans and unbans, article settings, with who,\n"
        "when and why.\n",
    .run = run_audit,
};

/* ---- stats, rules stats ---------------------------------------------------------- */

static int get_stats(const struct modctl_globals *g, const char *cmd, json_t **stats)
{
    return modctl_call(g, cmd, "GET", "/v1/stats", NULL, false, NULL, stats);
}

struct hit {
    const char *rule;
    json_int_t n;
};

static int by_hits(const void *a, const void *b)
{
    const struct hit *x = a, *y = b;
    if (x->n != y->n)
        return x->n < y->n ? 1 : -1;
    return strcmp(x->rule, y->rule);
}

/* "; rule hits: a 3, b 1", the most frequent first. */
static void print_hits(json_t *hits)
{
    size_t n = json_object_size(hits), k = 0;
    struct hit *list = mg_calloc(n ? n : 1, sizeof *list);
    const char *rule;
    const json_t *count;
    json_object_foreach(hits, rule, count)
        list[k++] = (struct hit){rule, json_integer_value(count)};
    qsort(list, n, sizeof *list, by_hits);
    for (k = 0; k < n; k++)
        printf("%s%s %lld", k ? ", " : "; rule hits: ", list[k].rule, (long long)list[k].n);
    mg_free(list);
}

static int run_stats(const struct modctl_globals *g, const struct modctl_args *a)
{
    (void)a;
    json_t *s = NULL;
    int rc = get_stats(g, "stats", &s);
    if (rc == EXIT_OK && g->json) {
        modctl_print_json(s);
    } else if (rc == EXIT_OK) {
        const json_t *counts = json_object_get(s, "counts");
        printf("comments   published %lld, pending %lld, rejected %lld, removed %lld, "
               "deleted %lld\n",
               (long long)json_integer_value(json_object_get(counts, "published")),
               (long long)json_integer_value(json_object_get(counts, "pending")),
               (long long)json_integer_value(json_object_get(counts, "rejected")),
               (long long)json_integer_value(json_object_get(counts, "removed")),
               (long long)json_integer_value(json_object_get(counts, "deleted")));
        const json_t *oldest = json_object_get(s, "oldest_pending_age_s");
        char age[24];
        printf("queue      %lld waiting",
               (long long)json_integer_value(json_object_get(s, "queue_depth")));
        if (json_is_integer(oldest)) {
            modctl_age(json_integer_value(oldest), age);
            printf(", the oldest for %s", age);
        }
        putchar('\n');
        static const char *const windows[] = {"last_hour", "last_day"};
        static const char *const labels[] = {"last hour", "last day"};
        for (size_t w = 0; w < 2; w++) {
            const json_t *win = json_object_get(s, windows[w]);
            printf("%-10s %lld submissions", labels[w],
                   (long long)json_integer_value(json_object_get(win, "submissions")));
            print_hits(json_object_get(win, "rule_hits"));
            putchar('\n');
        }
    }
    json_decref(s);
    return rc;
}

const struct modctl_command modctl_stats_command = {
    .name = "stats",
    .summary = "counts, queue depth, the last hour and day",
    .description =
        "Comments by status, the queue's depth and the age of its oldest\n"
        "comment, and submissions and rule hits over the last hour and day.\n",
    .run = run_stats,
};

/* Rules sorted by how often moderators overturned them, the share first. */
static int by_overturned(const void *a, const void *b)
{
    const json_t *x = *(const json_t *const *)a, *y = *(const json_t *const *)b;
    double rx = json_real_value(json_object_get(x, "share"));
    double ry = json_real_value(json_object_get(y, "share"));
    if (rx != ry)
        return rx < ry ? 1 : -1;
    return (int)(json_integer_value(json_object_get(y, "fired")) -
                 json_integer_value(json_object_get(x, "fired")));
}

static int run_rules_stats(const struct modctl_globals *g,
                           const struct modctl_args *a)
{
    (void)a;
    json_t *s = NULL;
    int rc = get_stats(g, "rules stats", &s);
    if (rc != EXIT_OK) {
        json_decref(s);
        return rc;
    }
    /* overturned / (held + rejected): the share of its verdicts undone */
    json_t *list = json_array();
    const char *rule;
    json_t *r;
    json_object_foreach(json_object_get(s, "rules"), rule, r) {
        json_int_t decided = json_integer_value(json_object_get(r, "held")) +
                             json_integer_value(json_object_get(r, "rejected"));
        json_int_t over = json_integer_value(json_object_get(r, "overturned"));
        json_t *row = json_deep_copy(r);
        json_object_set_new(row, "rule", json_string(rule));
        json_object_set_new(row, "share",
                            json_real(decided > 0 ? (double)over / (double)decided : 0.0));
        json_array_append_new(list, row);
    }
    size_t n = json_array_size(list);
    json_t **sorted = mg_calloc(n ? n : 1, sizeof *sorted);
    for (size_t i = 0; i < n; i++)
        sorted[i] = json_array_get(list, i);
    qsort(sorted, n, sizeof *sorted, by_overturned);
    if (g->json) {
        json_t *out = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append(out, sorted[i]);
        json_t *wrap = json_pack("{s:o}", "rules", out);
        modctl_print_json(wrap);
        json_decref(wrap);
    } else if (n == 0) {
        printf("no rule has fired yet\n");
    } else {
        static const char *const header[] = {"RULE", "FIRED", "HELD", "REJECTED",
                                             "OVERTURNED", "SHARE"};
        char ***rows = mg_calloc(n, sizeof *rows);
        for (size_t i = 0; i < n; i++) {
            rows[i] = mg_calloc(6, sizeof **rows);
            rows[i][0] = mg_strdup(modctl_text(sorted[i], "rule"));
            static const char *const keys[] = {"fired", "held", "rejected", "overturned"};
            for (size_t k = 0; k < 4; k++)
                rows[i][1 + k] = mg_asprintf(
                    "%lld", (long long)json_integer_value(json_object_get(sorted[i], keys[k])));
            rows[i][5] = mg_asprintf(
                "%.0f%%", 100.0 * json_real_value(json_object_get(sorted[i], "share")));
        }
        const struct modctl_table t = {.ncols = 6, .header = header, .flexible = -1,
                                       .nrows = n, .rows = rows};
        modctl_print_table(stdout, &t);
        free_rows(rows, n, 6);
    }
    mg_free(sorted);
    json_decref(list);
    json_decref(s);
    return EXIT_OK;
}

const struct modctl_command modctl_rules_stats_command = {
    .name = "rules stats",
    .summary = "per rule: fired, held, rejected, overturned by moderators",
    .description =
        "Per rule: how often it fired, held and rejected a comment, and how\n"
        "often a moderator overturned it (approved what it held or rejected),\n"
        "the most overturned first. A rule moderators keep overruling is one to\n"
        "weaken or fix (docs/rules.md, \"Tuning the shipped set\").\n",
    .run = run_rules_stats,
};

/* ---- ban, unban, bans ------------------------------------------------------------- */

/* ban's and unban's options (unban takes the target only). */
struct ban_options {
    const char *author, *ip, *subnet;
    const char *ip_of, *subnet_of; /* ban only: a comment's id */
    int64_t for_s;
    const char *reason;
};

/* One usage form a target: exactly one of them is given. */
#define TARGET_ROWS                                                            \
    {.name = "author", .kind = MODCTL_TEXT, .value_name = "ID",                \
     .help = "an author id",                                                   \
     .offset = offsetof(struct ban_options, author), .forms = 1,              \
     .required = true},                                                        \
    {.name = "ip", .kind = MODCTL_TEXT, .value_name = "IP",                    \
     .help = "an IPv4 or IPv6 address",                                        \
     .offset = offsetof(struct ban_options, ip), .forms = 2,                  \
     .required = true},                                                        \
    {.name = "subnet", .kind = MODCTL_TEXT, .value_name = "CIDR",              \
     .help = "a subnet: IPv4 /8 to /32, IPv6 /16 to /128",                     \
     .offset = offsetof(struct ban_options, subnet), .forms = 4,              \
     .required = true}

static const struct modctl_option ban_options[] = {
    TARGET_ROWS,
    {.name = "for", .kind = MODCTL_DURATION, .value_name = "DURATION",
     .help = "end the ban after 90s, 30m, 2h, 7d... (else never)",
     .offset = offsetof(struct ban_options, for_s)},
    {.name = "reason", .kind = MODCTL_TEXT, .value_name = "TEXT",
     .help = "why, kept with the ban and in the audit log",
     .offset = offsetof(struct ban_options, reason)},
    /* after --for and --reason, which keep their places; the address
     * behind a comment, banned by the server without being
     * shown (POST /v1/bans ip_of, subnet_of) */
    {.name = "ip-of", .kind = MODCTL_TEXT, .value_name = "ID",
     .help = "the address comment ID came from, not shown",
     .offset = offsetof(struct ban_options, ip_of), .forms = 8, .required = true},
    {.name = "subnet-of", .kind = MODCTL_TEXT, .value_name = "ID",
     .help = "the rate limits' subnet of comment ID's address",
     .offset = offsetof(struct ban_options, subnet_of), .forms = 16,
     .required = true},
    {.name = NULL},
};

static const struct modctl_option unban_options[] = {
    TARGET_ROWS,
    {.name = NULL},
};

/* The target given (the usage forms let exactly one through): the API's
 * name for its kind, and its value. */
static void ban_target(const struct ban_options *o, const char **kind,
                       const char **value)
{
    *kind = o->author ? "author_id" : o->ip ? "ip" : o->subnet ? "subnet"
          : o->ip_of  ? "ip_of"
                      : "subnet_of";
    *value = o->author ? o->author : o->ip ? o->ip : o->subnet ? o->subnet
           : o->ip_of  ? o->ip_of
                       : o->subnet_of;
}

static int run_ban(const struct modctl_globals *g, const struct modctl_args *a)
{
    const struct ban_options *o = a->options;
    const char *kind, *value;
    ban_target(o, &kind, &value);
    json_t *body = json_pack("{s:s, s:s?}", kind, value, "reason", o->reason);
    if (o->for_s > 0)
        json_object_set_new(body, "duration_s", json_integer(o->for_s));
    json_t *reply = NULL;
    int rc = modctl_call(g, "ban", "POST", "/v1/bans", body, false, NULL, &reply);
    json_decref(body);
    if (rc == EXIT_OK && g->json)
        modctl_print_json(reply);
    else if (rc == EXIT_OK && json_is_string(json_object_get(reply, "comment_id")))
        /* by comment: the server does not say the address, nor does this */
        printf("banned the %s of comment %s %s\n",
               strcmp(modctl_text(reply, "kind"), "ip") == 0 ? "address" : "subnet",
               modctl_text(reply, "comment_id"),
               json_is_string(json_object_get(reply, "until"))
                   ? modctl_text(reply, "until")
                   : "for good");
    else if (rc == EXIT_OK)
        printf("banned %s %s %s\n", modctl_text(reply, "kind"), modctl_text(reply, "value"),
               json_is_string(json_object_get(reply, "until"))
                   ? modctl_text(reply, "until")
                   : "for good");
    json_decref(reply);
    return rc;
}

const struct modctl_command modctl_ban_command = {
    .name = "ban",
    .operands = {"", "", "", "", ""},
    .options = ban_options,
    .options_size = sizeof(struct ban_options),
    .summary = "ban an author, an address or a subnet",
    .description =
        "Bans an author, an address or a subnet (IPv4 /8../32, IPv6 /16../128):\n"
        "their submissions get 403 banned and are not stored. Without --for\n"
        "(90s, 30m, 2h, 7d) the ban is permanent; `modctl unban` lifts it.\n"
        "--ip-of and --subnet-of ban the address (or its subnet) a comment came\n"
        "from without showing it; `modctl bans` lists it.\n",
    .run = run_ban,
};

static int run_unban(const struct modctl_globals *g, const struct modctl_args *a)
{
    const char *kind, *value;
    ban_target(a->options, &kind, &value);
    char *evalue = modctl_escape(value);
    char *path = mg_asprintf("/v1/bans/%s/%s", kind, evalue);
    json_t *reply = NULL;
    int rc = modctl_call(g, "unban", "DELETE", path, NULL, false, NULL, &reply);
    if (rc == EXIT_OK && g->json) {
        json_t *out = json_pack("{s:s, s:s, s:b}", "kind", kind, "value", value,
                                "lifted", 1);
        modctl_print_json(out);
        json_decref(out);
    } else if (rc == EXIT_OK) {
        printf("lifted the ban on %s %s\n", kind, value);
    }
    json_decref(reply);
    mg_free(path);
    mg_free(evalue);
    return rc;
}

const struct modctl_command modctl_unban_command = {
    .name = "unban",
    .operands = {"", "", ""},
    .options = unban_options,
    .options_size = sizeof(struct ban_options),
    .summary = "lift a ban",
    .description = "Lifts a ban (exit 1 when there was none).\n",
    .run = run_unban,
};

static int run_bans(const struct modctl_globals *g, const struct modctl_args *a)
{
    (void)a;
    json_t *reply = NULL;
    int rc = modctl_call(g, "bans", "GET", "/v1/bans", NULL, false, NULL, &reply);
    const json_t *bans = json_object_get(reply, "bans");
    size_t n = json_array_size(bans);
    if (rc == EXIT_OK && g->json) {
        modctl_print_json(reply);
    } else if (rc == EXIT_OK && n == 0) {
        printf("no bans in force\n");
    } else if (rc == EXIT_OK) {
        static const char *const header[] = {"KIND", "VALUE", "UNTIL", "BY", "AT",
                                             "REASON"};
        char ***rows = mg_calloc(n, sizeof *rows);
        size_t i;
        const json_t *b;
        json_array_foreach(bans, i, b) {
            rows[i] = mg_calloc(6, sizeof **rows);
            rows[i][0] = mg_strdup(modctl_text(b, "kind"));
            rows[i][1] = mg_strdup(modctl_text(b, "value"));
            rows[i][2] = mg_strdup(json_is_string(json_object_get(b, "until"))
                                       ? modctl_text(b, "until")
                                       : "permanent");
            rows[i][3] = mg_strdup(modctl_text(b, "by"));
            rows[i][4] = mg_strdup(modctl_text(b, "at"));
            rows[i][5] = mg_strdup(*modctl_text(b, "reason") ? modctl_text(b, "reason") : "-");
        }
        static const int drop[] = {4, -1};
        const struct modctl_table t = {.ncols = 6, .header = header, .flexible = 5,
                                       .min_flexible = 10, .drop_order = drop,
                                       .nrows = n, .rows = rows};
        modctl_print_table(stdout, &t);
        free_rows(rows, n, 6);
    }
    json_decref(reply);
    return rc;
}

const struct modctl_command modctl_bans_command = {
    .name = "bans",
    .summary = "the bans in force",
    .description = "The bans in force, soonest to end first, permanent ones last.\n",
    .run = run_bans,
};
