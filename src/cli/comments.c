/* comments.c: see comments.h. */
#include "comments.h"

#include <stdlib.h>
#include <string.h>

#include "modgate/alloc.h"
#include "term.h"

/* The reasons of the highest-scoring matches, at most two, "; "-joined. */
static char *top_reasons(const json_t *matches)
{
    const json_t *best[2] = {NULL, NULL};
    size_t i;
    const json_t *m;
    json_array_foreach(matches, i, m) {
        double s = json_number_value(json_object_get(m, "score"));
        if (!best[0] || s > json_number_value(json_object_get(best[0], "score"))) {
            best[1] = best[0];
            best[0] = m;
        } else if (!best[1] ||
                   s > json_number_value(json_object_get(best[1], "score"))) {
            best[1] = m;
        }
    }
    if (!best[0])
        return mg_strdup("-");
    if (!best[1])
        return mg_strdup(modctl_text(best[0], "reason"));
    return mg_asprintf("%s; %s", modctl_text(best[0], "reason"), modctl_text(best[1], "reason"));
}

void modctl_print_comments(const json_t *list, const char *what)
{
    const json_t *items = json_object_get(list, "items");
    size_t n = json_array_size(items);
    json_int_t total = json_integer_value(json_object_get(list, "total"));
    if (n == 0) {
        printf("no %s comments\n", what);
        return;
    }
    static const char *const header[] = {"ID", "AGE", "ARTICLE", "AUTHOR",
                                         "SCORE", "REASONS", "BODY"};
    static const int max[] = {36, 4, 20, 16, 6, 32, 0};
    static const int drop[] = {2, 3, 5, -1}; /* article, author, reasons */
    char ***rows = mg_calloc(n, sizeof *rows);
    size_t i;
    const json_t *c;
    json_array_foreach(items, i, c) {
        char age[24], score[24];
        modctl_age(modctl_age_of(modctl_text(c, "created_at")), age);
        snprintf(score, sizeof score, "%g", json_number_value(json_object_get(c, "score")));
        rows[i] = mg_calloc(7, sizeof **rows);
        rows[i][0] = mg_strdup(modctl_text(c, "id"));
        rows[i][1] = mg_strdup(age);
        rows[i][2] = mg_strdup(modctl_text(c, "article_id"));
        rows[i][3] = mg_strdup(modctl_text(c, "author_id"));
        rows[i][4] = mg_strdup(score);
        rows[i][5] = top_reasons(json_object_get(c, "matches"));
        rows[i][6] = mg_strdup(modctl_text(c, "body"));
    }
    const struct modctl_table t = {
        .ncols = 7, .header = header, .max = max, .flexible = 6,
        .min_flexible = 16, .drop_order = drop, .nrows = n, .rows = rows,
    };
    modctl_print_table(stdout, &t);
    printf("%zu of %lld %s comment%s\n", n, (long long)total, what, total == 1 ? "" : "s");
    for (i = 0; i < n; i++) {
        for (size_t k = 0; k < 7; k++)
            mg_free(rows[i][k]);
        mg_free(rows[i]);
    }
    mg_free(rows);
}

/* "reports   3: abuse 2, off_topic 1", when readers' reports are open
 * (moderators' view of a record; docs/api.md "Reader reports"). */
static void print_reports(FILE *out, const json_t *reports)
{
    if (!json_is_object(reports))
        return;
    fprintf(out, "reports   %lld",
            (long long)json_integer_value(json_object_get(reports, "count")));
    const char *reason;
    const json_t *n;
    const char *sep = ": ";
    json_object_foreach(json_object_get(reports, "reasons"), reason, n) {
        fprintf(out, "%s%s %lld", sep, reason, (long long)json_integer_value(n));
        sep = ", ";
    }
    fputc('\n', out);
}

/* The record's meta, which only moderators get: the reader's address and
 * agent while modgate keeps them (privacy.ip_retention_s). The agent is the
 * reader's text: control characters are shown as '?', not sent to the
 * terminal. */
static void print_meta(FILE *out, const json_t *meta)
{
    if (!json_is_object(meta))
        return;
    const char *ip = modctl_text(meta, "client_ip");
    const char *ua = modctl_text(meta, "user_agent");
    fprintf(out, "address   %s\nagent     ", *ip ? ip : "(not kept)");
    if (!*ua)
        fputs("(not kept)", out);
    for (const unsigned char *c = (const unsigned char *)ua; *c; c++)
        fputc(*c < 0x20 || *c == 0x7f ? '?' : *c, out);
    fputc('\n', out);
}

void modctl_print_record(FILE *out, const json_t *record, bool colour)
{
    char age[24];
    modctl_age(modctl_age_of(modctl_text(record, "created_at")), age);
    const char *name = modctl_text(record, "author_name");
    fprintf(out, "id        %s\nstatus    %s\narticle   %s\n", modctl_text(record, "id"),
            modctl_text(record, "status"), modctl_text(record, "article_id"));
    if (*name)
        fprintf(out, "author    %s (%s)\n", name, modctl_text(record, "author_id"));
    else
        fprintf(out, "author    %s\n", modctl_text(record, "author_id"));
    fprintf(out, "created   %s (%s ago)\nscore     %g\nrules     %s\n",
            modctl_text(record, "created_at"), age,
            json_number_value(json_object_get(record, "score")),
            modctl_text(record, "rules_version"));
    const char *parent = modctl_text(record, "parent_id");
    if (*parent)
        fprintf(out, "reply to  %s\n", parent);
    const char *key = modctl_text(record, "key_id");
    fprintf(out, "signed    %s%s\n", *key ? "with key " : "no", *key ? key : "");
    const json_t *d = json_object_get(record, "decision");
    if (json_is_object(d)) {
        const char *reason = modctl_text(d, "reason");
        fprintf(out, "decision  %s by %s at %s%s%s\n", modctl_text(d, "action"), modctl_text(d, "by"),
                modctl_text(d, "at"), *reason ? ": " : "", reason);
    }
    print_reports(out, json_object_get(record, "reports"));
    print_meta(out, json_object_get(record, "meta"));
    fprintf(out, "\n  ");
    for (const char *b = modctl_text(record, "body"); *b; b++) {
        fputc(*b, out);
        if (*b == '\n')
            fputs("  ", out);
    }
    fputs("\n\n", out);
    const json_t *matches = json_object_get(record, "matches");
    if (json_array_size(matches) == 0) {
        fputs("no rule fired\n", out);
        return;
    }
    size_t i;
    const json_t *m;
    json_array_foreach(matches, i, m) {
        const char *action = modctl_text(m, "action");
        fprintf(out, "  %-28s %+6.1f  %-7s %s\n", modctl_text(m, "rule"),
                json_number_value(json_object_get(m, "score")), *action ? action : "-",
                modctl_text(m, "reason"));
        const json_t *span = json_object_get(m, "span");
        if (json_is_array(span) && json_array_size(span) == 2)
            modctl_print_highlight(out, "      ", modctl_text(record, "body"),
                                   (size_t)json_integer_value(json_array_get(span, 0)),
                                   (size_t)json_integer_value(json_array_get(span, 1)),
                                   colour);
    }
}
