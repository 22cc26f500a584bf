/* args.c: reading a command line against a command's table (args.h) with
 * glibc's getopt_long, and checking it against the command's usage forms. */
#include "args.h"

#include <getopt.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "modgate/alloc.h"

const struct modctl_option modctl_global_options[] = {
    {.name = "url",
     .kind = MODCTL_TEXT,
     .value_name = "URL",
     .help = "the modgate (MODGATE_URL; default http://127.0.0.1:8080)",
     .offset = offsetof(struct modctl_globals, url)},
    {.name = "token",
     .kind = MODCTL_TEXT,
     .value_name = "TOKEN",
     .help = "bearer token (MODGATE_TOKEN)",
     .offset = offsetof(struct modctl_globals, token)},
    {.name = "json",
     .kind = MODCTL_FLAG,
     .help = "print machine-readable JSON",
     .offset = offsetof(struct modctl_globals, json)},
    {.name = NULL},
};

const struct modctl_option modctl__help_option = {
    .name = "help",
    .letter = 'h',
    .kind = MODCTL_FLAG,
    .help = "print this help and exit"};

/* getopt_long's val for row i of the rows it is given: above every char,
 * so that a long option is never mistaken for a letter. */
#define ROW_VAL 256

static size_t count_rows(const struct modctl_option *rows)
{
    size_t n = 0;
    while (rows && rows[n].name)
        n++;
    return n;
}

/* The rows one parse knows: the command's (0..nown-1), the global options
 * (nown..), then help (last). */
struct rows {
    const struct modctl_option *own;
    size_t nown, nglobal;
    void *own_target;
    struct modctl_globals *g;
};

static size_t total_rows(const struct rows *r)
{
    return r->nown + r->nglobal + 1;
}

/* Row i, and the struct its field is in (NULL for help). */
static const struct modctl_option *row_at(const struct rows *r, size_t i,
                                          void **target)
{
    if (i < r->nown) {
        *target = r->own_target;
        return &r->own[i];
    }
    if (i < r->nown + r->nglobal) {
        *target = r->g;
        return &modctl_global_options[i - r->nown];
    }
    *target = NULL;
    return &modctl__help_option;
}

/* getopt_long's tables for the rows: the long options, a name and an alias
 * each (caller frees), and the letters in shortopts (room for
 * 3 + 2 * total_rows + 1). The leading '-' returns operands in order
 * (whatever POSIXLY_CORRECT says), '+' stops at the first; ':' tells a
 * missing value from an unknown option. */
static struct option *getopt_tables(const struct rows *r, bool stop_at_operand,
                                    char *shortopts)
{
    size_t n = total_rows(r), k = 0, l = 0;
    struct option *longopts = mg_calloc(2 * n + 1, sizeof *longopts);
    shortopts[k++] = stop_at_operand ? '+' : '-';
    shortopts[k++] = ':';
    for (size_t i = 0; i < n; i++) {
        void *target;
        const struct modctl_option *o = row_at(r, i, &target);
        int has_arg = o->kind == MODCTL_FLAG ? no_argument : required_argument;
        longopts[l++] =
            (struct option){o->name, has_arg, NULL, ROW_VAL + (int)i};
        if (o->alias)
            longopts[l++] =
                (struct option){o->alias, has_arg, NULL, ROW_VAL + (int)i};
        if (o->letter) {
            shortopts[k++] = o->letter;
            if (o->kind != MODCTL_FLAG)
                shortopts[k++] = ':';
        }
    }
    shortopts[k] = '\0';
    return longopts;
}

/* The row whose letter is c; total_rows when none. */
static size_t row_of_letter(const struct rows *r, int c)
{
    size_t n = total_rows(r);
    for (size_t i = 0; i < n; i++) {
        void *target;
        if (row_at(r, i, &target)->letter == c)
            return i;
    }
    return n;
}

bool modctl_parse_duration(const char *text, int64_t *seconds)
{
    char *end = NULL;
    if (!text || text[0] < '0' || text[0] > '9')
        return false;
    long long n = strtoll(text, &end, 10);
    int64_t unit = 0;
    if (end && end[0] && !end[1]) {
        switch (end[0]) {
        case 's': unit = 1; break;
        case 'm': unit = 60; break;
        case 'h': unit = 3600; break;
        case 'd': unit = 86400; break;
        default: break;
        }
    }
    const int64_t ten_years = 10LL * 366 * 86400;
    if (!unit || n <= 0 || n > ten_years / unit)
        return false;
    *seconds = n * unit;
    return true;
}

/* --limit's value: 50 when text is NULL, else a number from 1 to 100000;
 * false when it is not one. */
static bool parse_limit(const char *text, long *limit)
{
    *limit = 50;
    if (!text)
        return true;
    char *end = NULL;
    *limit = strtol(text, &end, 10);
    return text[0] >= '0' && text[0] <= '9' && *end == '\0' && *limit >= 1 &&
           *limit <= 100000;
}

/* The field an option sets when it is not given. */
static void set_absent(const struct modctl_option *o, void *target)
{
    char *field = (char *)target + o->offset;
    switch (o->kind) {
    case MODCTL_FLAG: *(bool *)field = false; break;
    case MODCTL_TEXT:
    case MODCTL_FILE: *(const char **)field = NULL; break;
    case MODCTL_LIMIT: parse_limit(NULL, (long *)field); break;
    case MODCTL_DURATION: *(int64_t *)field = 0; break;
    }
}

/* Sets o's field from text (NULL for a flag); false, after saying why, when
 * text is not a value of its kind. */
static bool set_value(const struct modctl_option *o, void *target,
                      const char *text, char *why, size_t size)
{
    char *field = (char *)target + o->offset;
    switch (o->kind) {
    case MODCTL_FLAG: *(bool *)field = true; return true;
    case MODCTL_TEXT: *(const char **)field = text; return true;
    case MODCTL_FILE:
        if (!*text) {
            snprintf(why, size, "--%s needs a value", o->name);
            return false;
        }
        *(const char **)field = text;
        return true;
    case MODCTL_LIMIT:
        if (parse_limit(text, (long *)field))
            return true;
        snprintf(why, size, "--%s must be a number from 1 to 100000", o->name);
        return false;
    case MODCTL_DURATION:
        if (modctl_parse_duration(text, (int64_t *)field))
            return true;
        snprintf(why, size, "--%s wants a duration such as 30m, 2h, 7d",
                 o->name);
        return false;
    }
    return false;
}

/* The argument that held the option getopt_long just returned:
 * argv[optind - 1], or argv[optind - 2] when its value was the next one. */
static const char *option_word(const struct modctl_option *o, char **argv)
{
    const char *arg = argv[optind - 1];
    return o->kind != MODCTL_FLAG && optarg == arg ? argv[optind - 2] : arg;
}

/* word is "--name" or "--name=..." */
static bool is_option_word(const char *word, const char *name)
{
    size_t n = strlen(name);
    return word[0] == '-' && word[1] == '-' &&
           strncmp(word + 2, name, n) == 0 &&
           (word[2 + n] == '\0' || word[2 + n] == '=');
}

/* getopt_long also takes an unambiguous prefix ("--art" for --article);
 * modctl does not, so that adding an option never breaks a script. */
static bool abbreviated(const struct modctl_option *o, const char *word)
{
    return word[0] == '-' && word[1] == '-' && !is_option_word(word, o->name) &&
           !(o->alias && is_option_word(word, o->alias));
}

/* Why getopt_long returned '?' (an unknown option, or a value given to a
 * flag) or ':' (a missing value), naming the option as it was written. */
static void explain_refusal(int c, char **argv, char *why, size_t size)
{
    const char *word = argv[optind - 1];
    int len = (int)strcspn(word, "=");
    if (optopt >= ROW_VAL)
        snprintf(why, size,
                 c == ':' ? "%.*s needs a value" : "%.*s takes no value", len,
                 word);
    else if (optopt && c == ':')
        snprintf(why, size, "-%c needs a value", optopt);
    else if (optopt)
        snprintf(why, size, "unknown option '-%c'", optopt);
    else
        snprintf(why, size, "unknown option '%.*s'", len, word);
}

/* Adds an operand; false, after saying why, when it looks like an option
 * (after "--" too: no operand of modctl starts with '-'). */
static bool add_operand(struct modctl_parsed *p, char *arg)
{
    if (arg[0] == '-') {
        snprintf(p->why, sizeof p->why, "unexpected '%s'", arg);
        return false;
    }
    p->operands[p->count++] = arg;
    return true;
}

/* text is one of the options r knows, as "--name" or "--name=...". */
static bool is_known_option(const struct rows *r, const char *text)
{
    for (size_t i = 0; i < total_rows(r); i++) {
        void *target;
        const struct modctl_option *o = row_at(r, i, &target);
        if (is_option_word(text, o->name) ||
            (o->alias && is_option_word(text, o->alias)))
            return true;
    }
    return false;
}

/* One option getopt_long returned (c: its val or letter). */
static enum modctl_parse_status
take_option(const struct rows *r, int c, char **argv, struct modctl_parsed *p)
{
    size_t i = c >= ROW_VAL ? (size_t)(c - ROW_VAL) : row_of_letter(r, c);
    void *target;
    const struct modctl_option *o = row_at(r, i, &target);
    const char *word = option_word(o, argv);
    if (c >= ROW_VAL && abbreviated(o, word)) {
        snprintf(p->why, sizeof p->why, "unknown option '%.*s'",
                 (int)strcspn(word, "="), word);
        return MODCTL_PARSE_ERROR;
    }
    if (!target)
        return MODCTL_PARSE_HELP;
    /* "--reason --json": the value was forgotten (--reason=--json is not) */
    if (o->kind != MODCTL_FLAG && optarg == argv[optind - 1] &&
        is_known_option(r, optarg)) {
        snprintf(p->why, sizeof p->why, "%.*s needs a value",
                 (int)strcspn(word, "="), word);
        return MODCTL_PARSE_ERROR;
    }
    if (!set_value(o, target, o->kind == MODCTL_FLAG ? NULL : optarg, p->why,
                   sizeof p->why))
        return MODCTL_PARSE_ERROR;
    if (i < r->nown)
        p->seen[i]++;
    return MODCTL_PARSED;
}

enum modctl_parse_status modctl_parse_options(const struct modctl_command *c,
                                              bool stop_at_operand, int argc,
                                              char **argv, void *options,
                                              struct modctl_globals *g,
                                              struct modctl_parsed *p)
{
    struct rows r = {.own = c->options,
                     .nown = count_rows(c->options),
                     .nglobal = count_rows(modctl_global_options),
                     .own_target = options,
                     .g = g};
    *p = (struct modctl_parsed){
        .operands = mg_calloc((size_t)argc + 1, sizeof *p->operands),
        .seen = mg_calloc(r.nown + 1, sizeof *p->seen),
        .next = argc};
    for (size_t i = 0; i < r.nown; i++)
        set_absent(&r.own[i], options);
    char *shortopts = mg_calloc(3 + 2 * total_rows(&r) + 1, 1);
    struct option *longopts = getopt_tables(&r, stop_at_operand, shortopts);

    enum modctl_parse_status status = MODCTL_PARSED;
    opterr = 0;
    optind = 0; /* glibc: start afresh, this parse may not be the first */
    int ch;
    while (status == MODCTL_PARSED &&
           (ch = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        if (ch == 1) {
            if (!add_operand(p, optarg))
                status = MODCTL_PARSE_ERROR;
        } else if (ch == '?' || ch == ':') {
            explain_refusal(ch, argv, p->why, sizeof p->why);
            status = MODCTL_PARSE_ERROR;
        } else {
            status = take_option(&r, ch, argv, p);
        }
    }
    if (status == MODCTL_PARSED && stop_at_operand)
        p->next = optind;
    for (int i = optind;
         status == MODCTL_PARSED && !stop_at_operand && i < argc; i++)
        if (!add_operand(p, argv[i]))
            status = MODCTL_PARSE_ERROR;
    mg_free(longopts);
    mg_free(shortopts);
    return status;
}

void modctl_parsed_close(struct modctl_parsed *p)
{
    mg_free(p->operands);
    mg_free(p->seen);
    p->operands = NULL;
    p->seen = NULL;
}

/* ---- usage forms ------------------------------------------------------ */

unsigned modctl__count_forms(const struct modctl_command *c)
{
    unsigned n = 0;
    while (n < MODCTL_MAX_FORMS && c->operands[n])
        n++;
    return n ? n : 1;
}

const char *modctl__form_operands(const struct modctl_command *c, unsigned f)
{
    return c->operands[f] ? c->operands[f] : "";
}

/* "ID..." or "[ID...]": more than one may be given. */
static bool takes_many(const char *operands)
{
    const char *dots = strstr(operands, "...");
    return dots && (dots[3] == '\0' || strcmp(dots + 3, "]") == 0);
}

/* "ID", not "[ID]" or "": the form needs one. */
static bool needs_operand(const char *operands)
{
    return operands[0] && operands[0] != '[';
}

/* The forms (bits) that take operands (many_only: more than one). */
static unsigned forms_where(const struct modctl_command *c, bool many_only)
{
    unsigned n = modctl__count_forms(c), bits = 0;
    for (unsigned f = 0; f < n; f++) {
        const char *ops = modctl__form_operands(c, f);
        if (*ops && (!many_only || takes_many(ops)))
            bits |= 1u << f;
    }
    return bits;
}

unsigned modctl__option_forms(const struct modctl_command *c,
                              const struct modctl_option *o)
{
    unsigned all = (1u << modctl__count_forms(c)) - 1;
    return o->forms ? o->forms & all : all;
}

/* The operands given choose the forms that take that many; by is then
 * what usage calls them. Returns 0, after saying why, when none does. */
static unsigned forms_of_operands(const struct modctl_command *c,
                                  struct modctl_parsed *p, char *by,
                                  size_t size)
{
    unsigned all = (1u << modctl__count_forms(c)) - 1;
    if (p->count == 0)
        return all;
    unsigned with = forms_where(c, false);
    unsigned fit = p->count > 1 ? forms_where(c, true) : with;
    if (!with && !c->options)
        snprintf(p->why, sizeof p->why, "takes no arguments");
    else if (!fit)
        snprintf(p->why, sizeof p->why, "unexpected '%s'",
                 p->operands[with ? 1 : 0]);
    for (unsigned f = 0; fit && !*by; f++)
        if (fit & (1u << f))
            snprintf(by, size, "%s", modctl__form_operands(c, f));
    return fit;
}

static bool form_satisfied(const struct modctl_command *c,
                           const struct modctl_parsed *p, unsigned f)
{
    if (needs_operand(modctl__form_operands(c, f)) && p->count == 0)
        return false;
    for (size_t i = 0; c->options && c->options[i].name; i++)
        if (c->options[i].required && !p->seen[i] &&
            (modctl__option_forms(c, &c->options[i]) & (1u << f)))
            return false;
    return true;
}

/* What form f needs that sets it apart: its operands, or its first
 * required option (with its value when full). */
static void form_key(const struct modctl_command *c, unsigned f, bool full,
                     char *out, size_t size)
{
    snprintf(out, size, "%s", modctl__form_operands(c, f));
    for (size_t i = 0; !*out && c->options && c->options[i].name; i++) {
        const struct modctl_option *o = &c->options[i];
        if (o->required && (modctl__option_forms(c, o) & (1u << f)))
            snprintf(out, size, "--%s%s%s", o->name,
                     full && o->value_name ? " " : "",
                     full && o->value_name ? o->value_name : "");
    }
}

/* Why none of the forms left is satisfied. */
static void explain_unsatisfied(const struct modctl_command *c, unsigned left,
                                char *why, size_t size)
{
    unsigned n = modctl__count_forms(c), nleft = 0;
    for (unsigned f = 0; f < n; f++)
        nleft += (left >> f) & 1;
    size_t used = (size_t)snprintf(why, size, nleft == 1 ? "" : "give one of ");
    const char *sep = "";
    for (unsigned f = 0; f < n && used < size; f++) {
        if (!(left & (1u << f)))
            continue;
        char key[96];
        form_key(c, f, nleft == 1, key, sizeof key);
        used += (size_t)snprintf(why + used, size - used, "%s%s%s", sep, key,
                                 nleft == 1 ? " is required" : "");
        sep = ", ";
    }
}

enum modctl_parse_status modctl_check_forms(const struct modctl_command *c,
                                            struct modctl_parsed *p)
{
    char by[64] = ""; /* the last thing given that narrowed the forms */
    unsigned left = forms_of_operands(c, p, by, sizeof by);
    if (!left)
        return MODCTL_PARSE_ERROR;
    for (size_t i = 0; c->options && c->options[i].name; i++) {
        const struct modctl_option *o = &c->options[i];
        const char *name = o->name;
        unsigned f = modctl__option_forms(c, o);
        /* "--author a --author b": which one? (an optional one: the last) */
        if (p->seen[i] > 1 && o->required && o->kind != MODCTL_FLAG) {
            snprintf(p->why, sizeof p->why, "--%s given twice", name);
            return MODCTL_PARSE_ERROR;
        }
        if (!p->seen[i] || (left & f) == left)
            continue;
        if (!(left & f)) {
            snprintf(p->why, sizeof p->why, "--%s cannot be given with %s",
                     name, by);
            return MODCTL_PARSE_ERROR;
        }
        left &= f;
        snprintf(by, sizeof by, "--%s", name);
    }
    for (unsigned f = 0; f < modctl__count_forms(c); f++)
        if ((left & (1u << f)) && form_satisfied(c, p, f))
            return MODCTL_PARSED;
    explain_unsatisfied(c, left, p->why, sizeof p->why);
    return MODCTL_PARSE_ERROR;
}
