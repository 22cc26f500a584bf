/* cmd_review.c: `modctl review`: the queue one comment at a time from the
 * oldest, decided with one key each. Another moderator may be working the
 * same queue: a comment decided meanwhile (before it is shown, or while it
 * is) is reported as such and skipped, never decided twice (the server's
 * decisions are atomic; see docs/moderators.md). Needs a terminal. */
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "args.h"
#include "client.h"
#include "comments.h"
#include "modgate/alloc.h"
#include "modctl.h"
#include "term.h"

static struct termios saved;
static bool raw_mode;

static void restore_terminal(void)
{
    if (raw_mode) {
        tcsetattr(STDIN_FILENO, TCSANOW, &saved);
        raw_mode = false;
    }
}

static void on_signal(int sig)
{
    restore_terminal();
    signal(sig, SIG_DFL);
    raise(sig);
}

/* One key, without waiting for Enter or echoing it; -1 at end of input. */
static int read_key(void)
{
    struct termios raw = saved;
    raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    tcsetattr(STDIN_FILENO, TCSANOW, &raw);
    raw_mode = true;
    unsigned char c;
    ssize_t n = read(STDIN_FILENO, &c, 1);
    restore_terminal();
    return n == 1 ? c : -1;
}

/* A line typed in the terminal's own (cooked) mode, without its newline. */
static void read_line(char *buf, size_t size)
{
    size_t n = 0;
    unsigned char c;
    while (read(STDIN_FILENO, &c, 1) == 1 && c != '\n')
        if (n + 1 < size)
            buf[n++] = (char)c;
    buf[n] = '\0';
}

static const char help_text[] =
    "  a  approve: publish it, signed now\n"
    "  r  reject: you may give a reason (Enter for none)\n"
    "  s  skip: leave it in the queue for later or for someone else\n"
    "  h  the author's history: counts, trust, watch, bans, reports, latest comments\n"
    "  b  ban the author: asks for how long and why (the comment stays to decide)\n"
    "  q  quit\n"
    "  ?  this help\n";

struct tally {
    size_t approved, rejected, skipped, elsewhere;
};

/* h: the author's history, as modctl author prints it (ten comments). */
static void show_author(const struct modctl_globals *g, const char *author)
{
    char *eid = modctl_escape(author);
    char *path = mg_asprintf("/v1/authors/%s?limit=10", eid);
    json_t *view = NULL;
    if (modctl_call(g, "review", "GET", path, NULL, false, NULL, &view) == EXIT_OK)
        modctl_print_author(view);
    json_decref(view);
    mg_free(path);
    mg_free(eid);
}

/* b: bans the author, asking for how long (Enter: for good) and why, as
 * modctl ban --author does (the ban is in the audit log). */
static void ban_author(const struct modctl_globals *g, const char *author)
{
    char duration[32], reason[512];
    int64_t seconds = 0;
    for (;;) {
        printf("ban %s for how long (90s, 30m, 2h, 7d; Enter for good): ", author);
        fflush(stdout);
        read_line(duration, sizeof duration);
        if (!duration[0] || modctl_parse_duration(duration, &seconds))
            break;
        printf("not a duration\n");
    }
    printf("reason (optional, Enter for none): ");
    fflush(stdout);
    read_line(reason, sizeof reason);
    json_t *body = json_pack("{s:s, s:s?}", "author_id", author, "reason",
                             reason[0] ? reason : NULL);
    if (seconds > 0)
        json_object_set_new(body, "duration_s", json_integer(seconds));
    json_t *reply = NULL;
    if (modctl_call(g, "review", "POST", "/v1/bans", body, false, NULL, &reply) == EXIT_OK)
        printf("banned %s %s\n", author,
               json_is_string(json_object_get(reply, "until"))
                   ? modctl_text(reply, "until")
                   : "for good");
    json_decref(reply);
    json_decref(body);
}

static bool decide_one(const struct modctl_globals *g, const char *id, const char *author,
                       struct tally *t, int *rc);

/* Acts on one comment; false when the moderator quits. */
static bool review_one(const struct modctl_globals *g, const json_t *item, size_t n,
                       size_t total, struct tally *t, int *rc)
{
    const char *id = json_string_value(json_object_get(item, "id"));
    /* Fresh from the store: another moderator may have decided it since the
     * page was fetched. */
    char *path = modctl_comment_path(id);
    json_t *record = NULL;
    long status = 0;
    int r = modctl_call(g, "review", "GET", path, NULL, true, &status, &record);
    mg_free(path);
    const char *now = json_string_value(json_object_get(record, "status"));
    if (r == EXIT_USAGE && !record) {
        *rc = EXIT_USAGE;
        return false;
    }
    if (r != EXIT_OK || !now || strcmp(now, "pending") != 0) {
        const json_t *d = json_object_get(record, "decision");
        const char *by = json_string_value(json_object_get(d, "by"));
        printf("\n[%zu of %zu] %s was decided elsewhere meanwhile (%s%s%s); moving on\n",
               n, total, id, now ? now : "gone", by ? " by " : "", by ? by : "");
        t->elsewhere++;
        json_decref(record);
        return true;
    }
    bool colour = modctl_colour();
    printf("\n%s[%zu of %zu]%s\n", colour ? "\033[1m" : "", n, total,
           colour ? "\033[0m" : "");
    modctl_print_record(stdout, record, colour);
    char *author = mg_strdup(modctl_text(record, "author_id"));
    json_decref(record);
    bool go_on = decide_one(g, id, author, t, rc);
    mg_free(author);
    return go_on;
}

/* The keys for one comment shown; false when the moderator quits. */
static bool decide_one(const struct modctl_globals *g, const char *id, const char *author,
                       struct tally *t, int *rc)
{
    for (;;) {
        printf("\napprove (a), reject (r), skip (s), author (h), ban author (b), "
               "quit (q), help (?): ");
        fflush(stdout);
        int key = read_key();
        if (key >= ' ')
            printf("%c\n", key);
        else
            putchar('\n');
        const char *verb = NULL;
        char reason[512] = "";
        switch (key) {
        case 'a': verb = "approve"; break;
        case 'r':
            printf("reason (optional, Enter for none): ");
            fflush(stdout);
            read_line(reason, sizeof reason);
            verb = "reject";
            break;
        case 's': t->skipped++; return true;
        case 'h': show_author(g, author); continue;
        case 'b': ban_author(g, author); continue;
        case 'q':
        case -1: return false;
        case '?': fputs(help_text, stdout); continue;
        default: printf("unknown key; ? lists them\n"); continue;
        }
        json_t *result = NULL;
        int one = modctl_decide(g, verb, id, reason[0] ? reason : NULL, "pending", &result);
        if (!result) {
            *rc = EXIT_USAGE;
            return false;
        }
        if (one == EXIT_OK) {
            printf("%s\n", strcmp(verb, "approve") == 0 ? "approved" : "rejected");
            if (strcmp(verb, "approve") == 0)
                t->approved++;
            else
                t->rejected++;
        } else {
            const char *cur = json_string_value(json_object_get(result, "current_status"));
            printf("another moderator decided it first (it is %s now); moving on\n",
                   cur ? cur : "gone");
            t->elsewhere++;
        }
        json_decref(result);
        return true;
    }
}

struct review_options {
    const char *article;
};

static const struct modctl_option review_options[] = {
    {.name = "article", .kind = MODCTL_TEXT, .value_name = "ID",
     .help = "only this article's comments",
     .offset = offsetof(struct review_options, article)},
    {.name = NULL},
};

static int run_review(const struct modctl_globals *g, const struct modctl_args *a)
{
    const char *article = ((const struct review_options *)a->options)->article;
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO) || g->json) {
        fprintf(stderr, "modctl review: needs a terminal (and no --json); for scripts "
                        "use modctl queue, modctl approve ID and modctl reject ID\n");
        return EXIT_USAGE;
    }
    if (tcgetattr(STDIN_FILENO, &saved) != 0) {
        fprintf(stderr, "modctl review: cannot read the terminal's settings\n");
        return EXIT_USAGE;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGHUP, on_signal);

    char *earticle = article ? modctl_escape(article) : NULL;
    /* Rounds over the queue from its start, each comment once: what arrives
     * while the moderator works is reviewed in the next round; the rounds
     * end when one finds nothing new. */
    json_t *seen = json_object();
    struct tally t = {0};
    size_t n = 0;
    int rc = EXIT_OK;
    bool going = true, fresh = true;
    while (going && fresh) {
        fresh = false;
        char *cursor = NULL;
        do {
            char *path = mg_asprintf("/v1/queue?limit=50%s%s%s%s",
                                     earticle ? "&article_id=" : "",
                                     earticle ? earticle : "", cursor ? "&cursor=" : "",
                                     cursor ? cursor : "");
            mg_free(cursor);
            cursor = NULL;
            json_t *page = NULL;
            rc = modctl_call(g, "review", "GET", path, NULL, false, NULL, &page);
            mg_free(path);
            if (rc != EXIT_OK) {
                json_decref(page);
                going = false;
                break;
            }
            /* n of total: those done, and the pending ones still to come
             * (all but those skipped), as this page's fetch saw them */
            size_t pending = (size_t)json_integer_value(json_object_get(page, "total"));
            size_t total = n + (pending > t.skipped ? pending - t.skipped : 0);
            size_t i;
            const json_t *item;
            json_array_foreach(json_object_get(page, "items"), i, item) {
                const char *id = json_string_value(json_object_get(item, "id"));
                if (!going || !id || json_object_get(seen, id))
                    continue;
                json_object_set_new(seen, id, json_true());
                fresh = true;
                n++;
                going = review_one(g, item, n, total < n ? n : total, &t, &rc);
            }
            const char *next = json_string_value(json_object_get(page, "next_cursor"));
            if (going && next)
                cursor = mg_strdup(next);
            json_decref(page);
        } while (cursor);
    }
    json_decref(seen);
    mg_free(earticle);
    if (n == 0 && rc == EXIT_OK)
        printf("the queue is empty\n");
    else
        printf("\nreviewed %zu: approved %zu, rejected %zu, skipped %zu, decided "
               "elsewhere %zu\n",
               n, t.approved, t.rejected, t.skipped, t.elsewhere);
    return rc;
}

const struct modctl_command modctl_review_command = {
    .name = "review",
    .options = review_options,
    .options_size = sizeof(struct review_options),
    .summary = "work the queue one comment at a time (a/r/s/h/b/q)",
    .description =
        "Works the queue one held comment at a time, from the oldest: shows the\n"
        "comment, its article, author, age, score and every rule that fired with\n"
        "the text it matched; then one key decides:\n"
        "  a approve   r reject (asks for an optional reason)   s skip   q quit\n"
        "  h the author's history   b ban the author (asks how long and why)\n"
        "  ? help\n"
        "A comment another moderator decided first is reported and skipped.\n"
        "Needs a terminal; for scripts use modctl queue, approve and reject.\n",
    .run = run_review,
};
