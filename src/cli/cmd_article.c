/* cmd_article.c: `article show|open|premoderate|close ID [--at TIME]`, an
 * article's mode and closing time (GET and PUT
 * /v1/articles/{article_id}/settings). modgate checks the time (RFC 3339);
 * modctl passes it on as written. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "client.h"
#include "modgate/alloc.h"
#include "modctl.h"
#include "term.h"

struct article_options {
    const char *at;
};

static const struct modctl_option at_options[] = {
    {.name = "at", .kind = MODCTL_TEXT, .value_name = "TIME",
     .help = "close at TIME (RFC 3339, e.g. 2026-12-07T18:00:00Z)",
     .offset = offsetof(struct article_options, at)},
    {.name = NULL},
};

static char *settings_path(const char *id)
{
    char *eid = modctl_escape(id);
    char *path = mg_asprintf("/v1/articles/%s/settings", eid);
    mg_free(eid);
    return path;
}

/* "art-1: premoderated, closes at 2026-12-07T18:00:00.000Z" */
static void print_settings(const char *id, const json_t *s)
{
    const json_t *closes = json_object_get(s, "closes_at");
    printf("%s: %s", id, modctl_text(s, "mode"));
    if (json_is_string(closes))
        printf(", closes at %s", json_string_value(closes));
    putchar('\n');
}

static int show_or_print(const struct modctl_globals *g, const char *id, const json_t *s)
{
    if (g->json)
        modctl_print_json(s);
    else
        print_settings(id, s);
    return EXIT_OK;
}

static int run_show(const struct modctl_globals *g, const struct modctl_args *a)
{
    const char *id = a->operands[0];
    char *path = settings_path(id);
    json_t *reply = NULL;
    int rc = modctl_call(g, "article show", "GET", path, NULL, false, NULL, &reply);
    if (rc == EXIT_OK)
        rc = show_or_print(g, id, reply);
    json_decref(reply);
    mg_free(path);
    return rc;
}

/* Sets the mode (NULL: keep it) and closes_at: --at's time when given,
 * else null (clear) or, keep_closes, the one set. What is kept is read
 * first, so a change made between the two requests by someone else is
 * overwritten: the audit log shows both. */
static int set_settings(const struct modctl_globals *g, const struct modctl_args *a,
                        const char *cmd, const char *mode, bool keep_closes)
{
    const char *id = a->operands[0];
    const char *at = ((const struct article_options *)a->options)->at;
    char *path = settings_path(id);
    json_t *current = NULL, *reply = NULL;
    int rc = EXIT_OK;
    if (!mode || (keep_closes && !at))
        rc = modctl_call(g, cmd, "GET", path, NULL, false, NULL, &current);
    if (rc == EXIT_OK) {
        json_t *body = json_pack("{s:s}", "mode",
                                 mode ? mode : modctl_text(current, "mode"));
        json_t *closes = NULL;
        if (at)
            closes = json_string(at);
        else if (keep_closes)
            closes = json_incref(json_object_get(current, "closes_at"));
        json_object_set_new(body, "closes_at", closes ? closes : json_null());
        rc = modctl_call(g, cmd, "PUT", path, body, false, NULL, &reply);
        json_decref(body);
    }
    if (rc == EXIT_OK)
        rc = show_or_print(g, id, reply);
    json_decref(current);
    json_decref(reply);
    mg_free(path);
    return rc;
}

static int run_open(const struct modctl_globals *g, const struct modctl_args *a)
{
    /* open means open: a closing time set before is cleared */
    return set_settings(g, a, "article open", "open", false);
}

static int run_premoderate(const struct modctl_globals *g, const struct modctl_args *a)
{
    return set_settings(g, a, "article premoderate", "premoderated", true);
}

static int run_close(const struct modctl_globals *g, const struct modctl_args *a)
{
    /* now: mode closed; --at TIME: the mode stays until then */
    const char *at = ((const struct article_options *)a->options)->at;
    return set_settings(g, a, "article close", at ? NULL : "closed", true);
}

const struct modctl_command modctl_article_show_command = {
    .name = "article show",
    .operands = {"ID"},
    .summary = "an article's mode and closing time",
    .description =
        "The article's mode (open, premoderated, closed) and when it closes.\n"
        "An article never configured is open.\n",
    .run = run_show,
};

const struct modctl_command modctl_article_open_command = {
    .name = "article open",
    .operands = {"ID"},
    .options = at_options,
    .options_size = sizeof(struct article_options),
    .summary = "take comments again, the rules deciding",
    .description =
        "Opens the article: the rules decide on its comments again. A closing\n"
        "time set before is cleared, unless --at sets a new one.\n",
    .run = run_open,
};

const struct modctl_command modctl_article_premoderate_command = {
    .name = "article premoderate",
    .operands = {"ID"},
    .options = at_options,
    .options_size = sizeof(struct article_options),
    .summary = "hold every comment the rules would publish",
    .description =
        "Pre-moderates the article: every comment the rules would publish is\n"
        "held for a moderator. A closing time set before is kept; --at sets\n"
        "one.\n",
    .run = run_premoderate,
};

const struct modctl_command modctl_article_close_command = {
    .name = "article close",
    .operands = {"ID"},
    .options = at_options,
    .options_size = sizeof(struct article_options),
    .summary = "take no more comments, now or --at TIME",
    .description =
        "Closes the article now: submissions get 403 comments_closed. With\n"
        "--at TIME the mode stays as it is (open or premoderated) until TIME,\n"
        "and the article closes then. Comments already there stay.\n",
    .run = run_close,
};
