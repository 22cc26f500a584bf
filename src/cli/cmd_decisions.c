/* cmd_decisions.c: `modctl decisions export [--since T] [--until T] [--out FILE]`: the
 * moderators' decisions as labeled CSV with dev.csv's columns (id, source,
 * label, text; RFC 4180), for training the rule set's model on the site's
 * own moderators. It reads the audit log (GET /v1/audit, newest first) for
 * the newest decision on each comment, then each comment's record (GET
 * /v1/comments/{id}) for its body as it is now; the label is labels.c's.
 * Comments gone, deleted or no longer in the decision's status are skipped
 * and counted. The CSV goes to a temporary file renamed onto FILE at the
 * end (or to stdout at the end), so that a failed export leaves nothing. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "client.h"
#include "labels.h"
#include "modgate/alloc.h"
#include "modgate/timefmt.h"
#include "modctl.h"
#include "term.h"

#define CMD "decisions export"

struct export_options {
    const char *since, *until;
    const char *out;
};

static const struct modctl_option export_options[] = {
    {.name = "since", .kind = MODCTL_TEXT, .value_name = "TIME",
     .help = "from TIME (2026-11-01T00:00:00Z), or for the last 30d, 12h",
     .offset = offsetof(struct export_options, since)},
    {.name = "until", .kind = MODCTL_TEXT, .value_name = "TIME",
     .help = "up to TIME, or until 30d ago (keep a month out)",
     .offset = offsetof(struct export_options, until)},
    {.name = "out", .letter = 'o', .kind = MODCTL_FILE, .value_name = "FILE",
     .help = "write the CSV to FILE, whole or not at all (default stdout)",
     .offset = offsetof(struct export_options, out)},
    {.name = NULL},
};

/* What the export counted. */
struct tally {
    size_t ham, spam, abuse;
    size_t gone, deleted, changed; /* skipped, by reason */
};

/* --since: an RFC 3339 time, or a duration back from now. */
static bool parse_since(const char *text, int64_t *since_ms)
{
    int64_t seconds = 0;
    if (mg_time_parse(text, since_ms) == 0)
        return true;
    if (!modctl_parse_duration(text, &seconds))
        return false;
    *since_ms = mg_time_now_ms() - seconds * 1000;
    return true;
}

/* The audit actions that decide a comment. */
static bool is_decision(const char *action)
{
    static const char *const actions[] = {"approve", "reject", "remove",
                                          "dismiss_reports"};
    for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++)
        if (strcmp(action, actions[i]) == 0)
            return true;
    return false;
}

/* The window of decisions taken: [since_ms, until_ms], 0 for no bound. */
struct window {
    int64_t since_ms, until_ms;
};

/* Adds a page's decisions not seen yet (newer ones came first: a change
 * of mind wins) to list; false once an entry is older than the window.
 * Decisions after it are passed over, as if not taken yet. */
static bool take_page(const json_t *entries, struct window w, json_t *seen, json_t *list)
{
    size_t i;
    const json_t *e;
    json_array_foreach(entries, i, e) {
        const char *at = json_string_value(json_object_get(e, "at"));
        const char *action = json_string_value(json_object_get(e, "action"));
        const char *target = json_string_value(json_object_get(e, "target"));
        int64_t ms = 0;
        bool dated = at && mg_time_parse(at, &ms) == 0;
        if (w.since_ms > 0 && (!dated || ms < w.since_ms))
            return false;
        if (w.until_ms > 0 && (!dated || ms > w.until_ms))
            continue;
        if (!action || !target || !is_decision(action) || json_object_get(seen, target))
            continue;
        json_object_set_new(seen, target, json_true());
        json_array_append_new(list, json_pack("{s:s, s:s, s:O}", "id", target, "action",
                                              action, "reason",
                                              json_object_get(e, "reason")));
    }
    return true;
}

/* The newest decision on each comment within w (all the audit log holds
 * when unbounded), newest first: [{"id", "action", "reason"}]. */
static int collect(const struct modctl_globals *g, struct window w, json_t **list)
{
    json_t *seen = json_object();
    char *cursor = NULL;
    int rc = EXIT_OK;
    *list = json_array();
    for (;;) {
        char *path = mg_asprintf("/v1/audit?limit=200%s%s", cursor ? "&cursor=" : "",
                                 cursor ? cursor : "");
        json_t *page = NULL;
        rc = modctl_call(g, CMD, "GET", path, NULL, false, NULL, &page);
        mg_free(path);
        mg_free(cursor);
        cursor = NULL;
        if (rc == EXIT_OK &&
            take_page(json_object_get(page, "entries"), w, seen, *list)) {
            const char *next = json_string_value(json_object_get(page, "next_cursor"));
            cursor = next ? modctl_escape(next) : NULL;
        }
        json_decref(page);
        if (!cursor)
            break;
    }
    json_decref(seen);
    return rc;
}

/* One CSV field, RFC 4180: quoted when it holds a comma, a quote, CR or
 * LF, its quotes doubled. */
static void csv_field(FILE *out, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

/* The status a decision leaves a comment in. */
static const char *status_after(const char *action)
{
    if (strcmp(action, "reject") == 0)
        return "rejected";
    if (strcmp(action, "remove") == 0)
        return "removed";
    return "published"; /* approve, dismiss_reports */
}

/* Reads comment d and writes its row, or counts why not. */
static int export_one(const struct modctl_globals *g, const json_t *d, FILE *out,
                      struct tally *t)
{
    const char *id = json_string_value(json_object_get(d, "id"));
    const char *action = json_string_value(json_object_get(d, "action"));
    char *path = modctl_comment_path(id);
    long status = 0;
    json_t *rec = NULL;
    int rc = modctl_call(g, CMD, "GET", path, NULL, true, &status, &rec);
    mg_free(path);
    if (rc == EXIT_FAILED && status == 404) {
        t->gone++; /* a rejected comment, expired */
        rc = EXIT_OK;
    } else if (rc == EXIT_FAILED) {
        if (g->json && rec) /* as modctl_call does for the other commands */
            modctl_print_json(rec);
        modctl_print_problem(CMD, status, rec);
    } else if (rc == EXIT_OK) {
        const char *now = json_string_value(json_object_get(rec, "status"));
        const char *body = json_string_value(json_object_get(rec, "body"));
        if (!now || !body || strcmp(now, "deleted") == 0) {
            t->deleted++; /* by its author, or erased: never exported */
        } else if (strcmp(now, status_after(action)) != 0) {
            t->changed++;
        } else {
            const char *label = modctl_decision_label(
                action, json_string_value(json_object_get(d, "reason")),
                json_object_get(rec, "matches"));
            *(label[0] == 'h' ? &t->ham : label[0] == 's' ? &t->spam : &t->abuse) += 1;
            csv_field(out, id);
            fputs(",site,", out);
            fputs(label, out);
            fputc(',', out);
            csv_field(out, body);
            fputs("\r\n", out);
        }
    }
    json_decref(rec);
    return rc;
}

/* Where the CSV goes until it is whole: a temporary file beside path
 * (*tmp its name), or memory for stdout. NULL, having said why, when it
 * cannot be made. */
static FILE *open_output(const char *path, char **tmp, char **mem, size_t *mem_len)
{
    *tmp = NULL;
    if (!path) {
        FILE *f = open_memstream(mem, mem_len);
        if (!f)
            fprintf(stderr, "modctl %s: %s\n", CMD, strerror(errno));
        return f;
    }
    const char *slash = strrchr(path, '/');
    *tmp = slash ? mg_asprintf("%.*s.%s.XXXXXX", (int)(slash - path + 1), path, slash + 1)
                 : mg_asprintf(".%s.XXXXXX", path);
    int fd = mkstemp(*tmp);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        fprintf(stderr, "modctl %s: cannot write %s: %s\n", CMD, path, strerror(errno));
        if (fd >= 0) {
            close(fd);
            unlink(*tmp);
        }
        mg_free(*tmp);
        *tmp = NULL;
    }
    return f;
}

/* Puts the CSV where it belongs when ok, else throws it away; false when
 * that fails (said why). *mem and *mem_len are open_memstream's, valid once
 * f is closed. */
static bool close_output(FILE *f, const char *path, char *tmp, char **mem,
                         size_t *mem_len, bool ok)
{
    bool written = fflush(f) == 0 && (!tmp || fsync(fileno(f)) == 0);
    written = fclose(f) == 0 && written;
    if (ok && written && tmp)
        written = rename(tmp, path) == 0;
    if (ok && written && !tmp)
        written = fwrite(*mem, 1, *mem_len, stdout) == *mem_len && fflush(stdout) == 0;
    if (ok && !written)
        fprintf(stderr, "modctl %s: cannot write %s: %s\n", CMD, path ? path : "stdout",
                strerror(errno));
    if (tmp && (!ok || !written))
        unlink(tmp);
    mg_free(tmp);
    free(*mem); /* open_memstream's, malloc'd (set by fclose) */
    return written;
}

static int run_export(const struct modctl_globals *g, const struct modctl_args *a)
{
    const struct export_options *o = a->options;
    struct window w = {0, 0};
    if (o->since && !parse_since(o->since, &w.since_ms))
        return modctl_usage_error(
            a, "--since wants a time such as 2026-11-01T00:00:00Z or a duration "
               "such as 30d");
    if (o->until && !parse_since(o->until, &w.until_ms))
        return modctl_usage_error(
            a, "--until wants a time such as 2026-11-01T00:00:00Z or a duration "
               "such as 30d");
    char *tmp = NULL, *mem = NULL;
    size_t mem_len = 0;
    FILE *out = open_output(o->out, &tmp, &mem, &mem_len);
    if (!out)
        return EXIT_FAILED;
    fputs("id,source,label,text\r\n", out);
    json_t *list = NULL;
    struct tally t = {0};
    int rc = collect(g, w, &list);
    size_t i;
    const json_t *d;
    json_array_foreach(list, i, d) {
        if (rc != EXIT_OK)
            break;
        rc = export_one(g, d, out, &t);
    }
    json_decref(list);
    if (!close_output(out, o->out, tmp, &mem, &mem_len, rc == EXIT_OK) && rc == EXIT_OK)
        rc = EXIT_FAILED;
    if (rc != EXIT_OK)
        return rc;
    fprintf(stderr,
            "exported %zu decisions (%zu ham, %zu spam, %zu abuse); skipped %zu "
            "(%zu gone, %zu deleted, %zu changed since)\n",
            t.ham + t.spam + t.abuse, t.ham, t.spam, t.abuse,
            t.gone + t.deleted + t.changed, t.gone, t.deleted, t.changed);
    return EXIT_OK;
}

const struct modctl_command modctl_decisions_export_command = {
    .name = "decisions export",
    .options = export_options,
    .options_size = sizeof(struct export_options),
    .summary = "the moderators' decisions as labeled CSV, to train the model",
    .description =
        "Writes the moderators' decisions as CSV with dev.csv's columns,\n"
        "id,source,label,text (source \"site\"): the newest decision on each\n"
        "comment in the audit log, the comment's text as it is now. Approved\n"
        "is ham; rejected and removed are spam or abuse, by the reason's words,\n"
        "else by the rules that fired, else abuse (docs/moderators.md). Comments\n"
        "gone, deleted or erased, or no longer as decided are skipped; a summary\n"
        "goes to stderr. --until leaves out later decisions, so that a model\n"
        "trained on the rest can be measured on them (docs/rules.md).\n",
    .run = run_export,
};
