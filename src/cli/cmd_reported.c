/* cmd_reported.c: `modctl reported`: the comments readers reported enough
 * (GET /v1/reported), most reported first, as a table (id, reports, weight,
 * reasons, status, the start of the body) or, with --json, as the API's
 * {"items", "total"}. Deciding them is `approve` (dismisses the reports) and
 * `reject` / `remove` (upholds them). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "client.h"
#include "modgate/alloc.h"
#include "modctl.h"
#include "term.h"

struct reported_options {
    long limit;
};

static const struct modctl_option reported_options[] = {
    {.name = "limit", .kind = MODCTL_LIMIT, .value_name = "N",
     .help = "at most N comments, from 1 to 100000 (default 50)",
     .offset = offsetof(struct reported_options, limit)},
    {.name = NULL},
};

/* "spam 3, abuse 1": the reasons, as the API gives them. */
static char *reasons_text(json_t *reasons)
{
    char *text = mg_strdup("");
    const char *reason;
    json_t *n;
    json_object_foreach(reasons, reason, n) {
        char *next = mg_asprintf("%s%s%s %lld", text, text[0] ? ", " : "", reason,
                                 (long long)json_integer_value(n));
        mg_free(text);
        text = next;
    }
    return text;
}

static void print_reported(json_t *items, json_int_t total)
{
    size_t n = json_array_size(items);
    if (n == 0) {
        printf("no reported comments\n");
        return;
    }
    static const char *const header[] = {"ID", "REPORTS", "WEIGHT", "REASONS",
                                         "STATUS", "BODY"};
    static const int max[] = {0, 0, 0, 40, 0, 0};
    static const int drop[] = {2, 4, 3, -1}; /* weight, status, then reasons */
    char ***rows = mg_calloc(n, sizeof *rows);
    for (size_t i = 0; i < n; i++) {
        const json_t *item = json_array_get(items, i);
        const json_t *comment = json_object_get(item, "comment");
        json_t *reports = json_object_get(item, "reports");
        rows[i] = mg_calloc(6, sizeof *rows[i]);
        rows[i][0] = mg_strdup(json_string_value(json_object_get(comment, "id")));
        rows[i][1] = mg_asprintf("%lld", (long long)json_integer_value(
                                             json_object_get(reports, "count")));
        rows[i][2] = mg_asprintf("%.3g", json_number_value(json_object_get(reports, "weight")));
        rows[i][3] = reasons_text(json_object_get(reports, "reasons"));
        rows[i][4] = mg_strdup(json_string_value(json_object_get(comment, "status")));
        rows[i][5] = mg_strdup(json_string_value(json_object_get(comment, "body")));
    }
    struct modctl_table t = {6, header, max, 5, 16, drop, n, rows};
    modctl_print_table(stdout, &t);
    for (size_t i = 0; i < n; i++) {
        for (size_t c = 0; c < 6; c++)
            mg_free(rows[i][c]);
        mg_free(rows[i]);
    }
    mg_free(rows);
    printf("%zu of %lld reported comments\n", n, (long long)total);
}

static int run_reported(const struct modctl_globals *g, const struct modctl_args *a)
{
    const struct reported_options *o = a->options;
    json_t *items = NULL;
    json_int_t total = 0;
    int rc = modctl_fetch_pages(g, a->name, "/v1/reported", "items", (size_t)o->limit,
                                &items, &total);
    if (rc != EXIT_OK)
        return rc;
    if (g->json) {
        json_t *list = json_pack("{s:o, s:I}", "items", items, "total", total);
        modctl_print_json(list);
        json_decref(list);
    } else {
        print_reported(items, total);
        json_decref(items);
    }
    return EXIT_OK;
}

const struct modctl_command modctl_reported_command = {
    .name = "reported",
    .options = reported_options,
    .options_size = sizeof(struct reported_options),
    .summary = "the comments readers reported, most reported first",
    .description =
        "The comments whose readers' reports reached reports.threshold, most\n"
        "reported first (50 unless --limit): id, reports, weight, reasons,\n"
        "status and the start of the body. `modctl approve ID` dismisses a\n"
        "comment's reports (it stays published); `modctl remove ID` takes it\n"
        "down and upholds them. --json prints {\"items\", \"total\"}.\n",
    .run = run_reported,
};
