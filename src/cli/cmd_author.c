/* cmd_author.c: `author ID [--limit N]`, an author's history (GET
 * /v1/authors/{author_id}), `watch ID [--reason TEXT]` / `unwatch ID`,
 * the watch list (POST and DELETE /v1/authors/{author_id}/watch), and
 * `erase ID`, an author's erasure on their request (DELETE
 * /v1/authors/{author_id}). */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "client.h"
#include "comments.h"
#include "modgate/alloc.h"
#include "modctl.h"
#include "term.h"

struct author_options {
    long limit;
};

struct watch_options {
    const char *reason;
};

static const struct modctl_option author_options[] = {
    {.name = "limit", .kind = MODCTL_LIMIT, .value_name = "N",
     .help = "show up to N of the latest comments (default 50, at most 200)",
     .offset = offsetof(struct author_options, limit)},
    {.name = NULL},
};

static const struct modctl_option watch_options[] = {
    {.name = "reason", .kind = MODCTL_TEXT, .value_name = "TEXT",
     .help = "why, for the audit log and the author's view",
     .offset = offsetof(struct watch_options, reason)},
    {.name = NULL},
};

static char *author_path(const char *id, const char *tail)
{
    char *eid = modctl_escape(id);
    char *path = mg_asprintf("/v1/authors/%s%s", eid, tail);
    mg_free(eid);
    return path;
}

static const char *or_dash(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "-";
}

/* "reports received: 4 (2 upheld, 1 dismissed, 1 open)"; which ends in ':' */
static void print_reports(const char *which, const json_t *r)
{
#define N(key) (long long)json_integer_value(json_object_get(r, key))
    printf("reports %-10s%lld (%lld upheld, %lld dismissed, %lld open)\n", which, N("count"),
           N("upheld"), N("dismissed"), N("open"));
#undef N
}

void modctl_print_author(const json_t *v)
{
    const json_t *counts = json_object_get(v, "counts"), *trust = json_object_get(v, "trust");
    const json_t *w = json_object_get(v, "watch"), *reports = json_object_get(v, "reports");
    printf("author:      %s\n", modctl_text(v, "author_id"));
    printf("first seen:  %s\nlast seen:   %s\n", or_dash(v, "first_seen"),
           or_dash(v, "last_seen"));
    printf("comments:    %lld published, %lld pending, %lld rejected, %lld removed, "
           "%lld deleted\n",
           (long long)json_integer_value(json_object_get(counts, "published")),
           (long long)json_integer_value(json_object_get(counts, "pending")),
           (long long)json_integer_value(json_object_get(counts, "rejected")),
           (long long)json_integer_value(json_object_get(counts, "removed")),
           (long long)json_integer_value(json_object_get(counts, "deleted")));
    printf("established: %s (last rejection %s)\n",
           json_is_true(json_object_get(trust, "established")) ? "yes" : "no",
           or_dash(trust, "last_rejection_at"));
    if (json_is_object(w))
        printf("watched:     since %s by %s: %s\n", or_dash(w, "since"), or_dash(w, "by"),
               or_dash(w, "reason"));
    else
        printf("watched:     no\n");
    size_t i;
    const json_t *b;
    json_array_foreach(json_object_get(v, "bans"), i, b)
        printf("banned:      until %s by %s: %s\n", or_dash(b, "until"), or_dash(b, "by"),
               or_dash(b, "reason"));
    print_reports("received:", json_object_get(reports, "received"));
    print_reports("filed:", json_object_get(reports, "filed"));
    const json_t *c;
    json_array_foreach(json_object_get(v, "comments"), i, c)
        printf("%s  %-9s  %s  %s\n", modctl_text(c, "id"), modctl_text(c, "status"),
               modctl_text(c, "created_at"), modctl_text(c, "article_id"));
}

static int run_author(const struct modctl_globals *g, const struct modctl_args *a)
{
    long limit = ((const struct author_options *)a->options)->limit;
    char tail[32];
    snprintf(tail, sizeof tail, "?limit=%ld", limit > 200 ? 200 : limit);
    char *path = author_path(a->operands[0], tail);
    json_t *reply = NULL;
    int rc = modctl_call(g, "author", "GET", path, NULL, false, NULL, &reply);
    if (rc == EXIT_OK) {
        if (g->json)
            modctl_print_json(reply);
        else
            modctl_print_author(reply);
    }
    json_decref(reply);
    mg_free(path);
    return rc;
}

static int run_watch(const struct modctl_globals *g, const struct modctl_args *a)
{
    const char *reason = ((const struct watch_options *)a->options)->reason;
    char *path = author_path(a->operands[0], "/watch");
    json_t *body = json_pack("{s:s?}", "reason", reason);
    json_t *reply = NULL;
    int rc = modctl_call(g, "watch", "POST", path, body, false, NULL, &reply);
    if (rc == EXIT_OK) {
        if (g->json)
            modctl_print_json(reply);
        else
            printf("watching %s: every comment of theirs is held\n", a->operands[0]);
    }
    json_decref(body);
    json_decref(reply);
    mg_free(path);
    return rc;
}

static int run_unwatch(const struct modctl_globals *g, const struct modctl_args *a)
{
    char *path = author_path(a->operands[0], "/watch");
    json_t *reply = NULL;
    int rc = modctl_call(g, "unwatch", "DELETE", path, NULL, false, NULL, &reply);
    if (rc == EXIT_OK && g->json) {
        json_t *out = json_pack("{s:s, s:b}", "author_id", a->operands[0], "watched", false);
        modctl_print_json(out);
        json_decref(out);
    } else if (rc == EXIT_OK) {
        printf("no longer watching %s\n", a->operands[0]);
    }
    json_decref(reply);
    mg_free(path);
    return rc;
}

static int run_erase(const struct modctl_globals *g, const struct modctl_args *a)
{
    char *path = author_path(a->operands[0], "");
    json_t *reply = NULL;
    int rc = modctl_call(g, "erase", "DELETE", path, NULL, false, NULL, &reply);
    if (rc == EXIT_OK && g->json)
        modctl_print_json(reply);
    else if (rc == EXIT_OK)
        printf("erased %s: %lld comments made tombstones now\n", a->operands[0],
               (long long)json_integer_value(json_object_get(reply, "comments_erased")));
    json_decref(reply);
    mg_free(path);
    return rc;
}

const struct modctl_command modctl_author_command = {
    .name = "author",
    .operands = {"ID"},
    .options = author_options,
    .options_size = sizeof(struct author_options),
    .summary = "an author's history",
    .description =
        "First and last seen, comments by status, whether the author is\n"
        "established or watched, bans in force, reports, and the latest\n"
        "comments, newest first.\n",
    .run = run_author,
};

const struct modctl_command modctl_watch_command = {
    .name = "watch",
    .operands = {"ID"},
    .options = watch_options,
    .options_size = sizeof(struct watch_options),
    .summary = "hold every comment of an author",
    .description =
        "Puts the author on the watch list: every comment of theirs the rules\n"
        "would publish is held (match author.watched). In the audit log.\n",
    .run = run_watch,
};

const struct modctl_command modctl_unwatch_command = {
    .name = "unwatch",
    .operands = {"ID"},
    .summary = "take an author off the watch list",
    .description = "Their comments are judged by the rules alone again. In the audit log.\n",
    .run = run_unwatch,
};

const struct modctl_command modctl_erase_command = {
    .name = "erase",
    .operands = {"ID"},
    .summary = "erase an author, on their request",
    .description =
        "Every comment of the author becomes a tombstone: body, name, address\n"
        "and user agent erased; the author id, counts, bans and watch entry\n"
        "stay. Idempotent: a repeat erases 0. In the audit log (erase).\n",
    .run = run_erase,
};
