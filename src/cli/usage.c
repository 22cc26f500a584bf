/* usage.c: the usage modctl prints, written from the same tables the
 * parser reads (args.h): usage lines, option lists, a command's --help. */
#include <stdio.h>
#include <string.h>

#include "args.h"

/* Words written on lines of at most 79 columns; a word that does not fit
 * goes on the next line, indented. */
struct words {
    FILE *out;
    size_t col, indent;
};

static void put_word(struct words *w, const char *word)
{
    size_t n = strlen(word);
    if (w->col > w->indent && w->col + 1 + n > 79) {
        fprintf(w->out, "\n%*s", (int)w->indent, "");
        w->col = w->indent;
    } else if (w->col > 0) {
        fputc(' ', w->out);
        w->col++;
    }
    fputs(word, w->out);
    w->col += n;
}

/* "--name VALUE" (or "--name"), between pre and post, as one word. */
static void put_option(struct words *w, const char *pre,
                       const struct modctl_option *o, const char *post)
{
    char word[160];
    snprintf(word, sizeof word, "%s--%s%s%s%s", pre, o->name,
             o->value_name ? " " : "", o->value_name ? o->value_name : "",
             post);
    put_word(w, word);
}

static bool in_form(const struct modctl_command *c,
                    const struct modctl_option *o, unsigned f)
{
    return (modctl__option_forms(c, o) >> f) & 1;
}

static bool in_every_form(const struct modctl_command *c,
                          const struct modctl_option *o)
{
    return modctl__option_forms(c, o) == (1u << modctl__count_forms(c)) - 1;
}

/* Whether form f requires something of its own (operands, or an option
 * not every form requires), which an alternative can be named by. */
static bool has_own_requirement(const struct modctl_command *c, unsigned f)
{
    if (*modctl__form_operands(c, f))
        return true;
    for (const struct modctl_option *o = c->options; o && o->name; o++)
        if (o->required && in_form(c, o, f) && !in_every_form(c, o))
            return true;
    return false;
}

/* The forms can be written as one line, "(A | B) [OPTIONS]": each has a
 * requirement of its own and the optional options are the same in all. */
static bool forms_fit_one_line(const struct modctl_command *c)
{
    unsigned n = modctl__count_forms(c);
    if (n == 1)
        return false;
    for (unsigned f = 0; f < n; f++)
        if (!has_own_requirement(c, f))
            return false;
    for (const struct modctl_option *o = c->options; o && o->name; o++)
        if (!o->required && !in_every_form(c, o))
            return false;
    return true;
}

/* Form f's own requirements, the first word starting with pre and the
 * last ending with post. */
static void put_requirements(struct words *w, const struct modctl_command *c,
                             unsigned f, const char *pre, const char *post)
{
    const struct modctl_option *last = NULL;
    for (const struct modctl_option *o = c->options; o && o->name; o++)
        if (o->required && in_form(c, o, f) && !in_every_form(c, o))
            last = o;
    const char *ops = modctl__form_operands(c, f);
    if (*ops) {
        char word[96];
        snprintf(word, sizeof word, "%s%s%s", pre, ops, last ? "" : post);
        put_word(w, word);
        pre = "";
    }
    for (const struct modctl_option *o = c->options; o && o->name; o++) {
        if (o->required && in_form(c, o, f) && !in_every_form(c, o)) {
            put_option(w, pre, o, o == last ? post : "");
            pre = "";
        }
    }
}

/* The options every form requires, then the optional ones of form f (all
 * forms' when f is -1). */
static void put_common_and_optional(struct words *w,
                                    const struct modctl_command *c, int f)
{
    for (const struct modctl_option *o = c->options; o && o->name; o++)
        if (o->required && in_every_form(c, o))
            put_option(w, "", o, "");
    for (const struct modctl_option *o = c->options; o && o->name; o++)
        if (!o->required && (f < 0 || in_form(c, o, (unsigned)f)))
            put_option(w, "[", o, "]");
}

static struct words start_line(FILE *out, const char *lead,
                               const struct modctl_command *c)
{
    fputs(lead, out);
    struct words w = {out, strlen(lead), strlen(lead) + strlen(c->name) + 1};
    fputs(c->name, out);
    w.col += strlen(c->name);
    return w;
}

void modctl_print_synopsis(FILE *out, const struct modctl_command *c,
                           const char *lead, const char *next_lead)
{
    unsigned n = modctl__count_forms(c);
    if (forms_fit_one_line(c)) {
        struct words w = start_line(out, lead, c);
        for (unsigned f = 0; f < n; f++)
            put_requirements(&w, c, f, f == 0 ? "(" : "| ",
                             f == n - 1 ? ")" : "");
        put_common_and_optional(&w, c, -1);
        fputc('\n', out);
        return;
    }
    for (unsigned f = 0; f < n; f++) {
        struct words w = start_line(out, f == 0 ? lead : next_lead, c);
        put_requirements(&w, c, f, "", "");
        put_common_and_optional(&w, c, (int)f);
        fputc('\n', out);
    }
}

/* "-l, --name VALUE" or "    --name VALUE" (name: o's name or alias). */
static void option_label(const struct modctl_option *o, const char *name,
                         char *out, size_t size)
{
    char letter[8] = "    ";
    if (o->letter && name == o->name)
        snprintf(letter, sizeof letter, "-%c, ", o->letter);
    snprintf(out, size, "%s--%s%s%s", letter, name, o->value_name ? " " : "",
             o->value_name ? o->value_name : "");
}

static size_t label_width(const struct modctl_option *rows, size_t widest)
{
    for (const struct modctl_option *o = rows; o && o->name; o++) {
        char label[96];
        option_label(o, o->alias ? o->alias : o->name, label, sizeof label);
        if (strlen(label) > widest)
            widest = strlen(label);
        option_label(o, o->name, label, sizeof label);
        if (strlen(label) > widest)
            widest = strlen(label);
    }
    return widest;
}

/* Each row's line, and its alias's after it. */
static void print_rows(FILE *out, const struct modctl_option *rows,
                       size_t width)
{
    for (const struct modctl_option *o = rows; o && o->name; o++) {
        char label[96];
        option_label(o, o->name, label, sizeof label);
        fprintf(out, "  %-*s  %s\n", (int)width, label, o->help);
        if (o->alias) {
            option_label(o, o->alias, label, sizeof label);
            fprintf(out, "  %-*s  the same as --%s\n", (int)width, label,
                    o->name);
        }
    }
}

void modctl_print_options(FILE *out, const struct modctl_option *own,
                          const struct modctl_option *more)
{
    const struct modctl_option help[2] = {modctl__help_option, {0}};
    size_t width = label_width(help, label_width(more, label_width(own, 0)));
    print_rows(out, own, width);
    print_rows(out, more, width);
    print_rows(out, help, width);
}

void modctl_print_help(FILE *out, const struct modctl_command *c)
{
    modctl_print_synopsis(out, c, "usage: modctl ", "       modctl ");
    fputs(c->description, out);
    fputs("\noptions:\n", out);
    modctl_print_options(out, c->options, NULL);
    fputs("global options (modctl help):", out);
    for (const struct modctl_option *o = modctl_global_options; o->name; o++)
        fprintf(out, "%s --%s%s%s", o == modctl_global_options ? "" : ",",
                o->name, o->value_name ? " " : "",
                o->value_name ? o->value_name : "");
    fputc('\n', out);
}

int modctl_usage_error(const struct modctl_args *a, const char *why)
{
    fprintf(stderr, "modctl %s: %s\n", a->name, why);
    modctl_print_help(stderr, a->command);
    return EXIT_USAGE;
}
