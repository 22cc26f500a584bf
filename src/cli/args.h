/* args.h: modctl's command lines, from tables. Each command declares its
 * options in one table (struct modctl_option) and its usage forms beside
 * it (struct modctl_command); the same tables drive getopt_long, the checks
 * of which options go together, and the usage --help prints, so that help
 * and parsing cannot disagree. */
#ifndef MODCTL_ARGS_H
#define MODCTL_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "modctl.h"

/* What an option's value is, and the field of the options struct it sets. */
enum modctl_kind {
    MODCTL_FLAG,     /* no value: a bool, set to true */
    MODCTL_TEXT,     /* any text: a const char * into argv, NULL when absent */
    MODCTL_FILE,     /* a file name, not empty: a const char *, NULL when absent */
    MODCTL_LIMIT,    /* a number from 1 to 100000: a long, 50 when absent */
    MODCTL_DURATION, /* "90s", "30m", "2h", "7d": an int64_t of seconds,
                        0 when absent */
};

/* At most this many usage forms a command ("verify ID...", "verify
 * --article ID", "verify --all"; ban has five targets). */
#define MODCTL_MAX_FORMS 5

/* One option of a command. Tables end with a row whose name is NULL. */
struct modctl_option {
    const char *name;       /* "article" for --article */
    const char *alias;      /* another name for it (an older one), kept out
                               of the usage line; NULL for none */
    char letter;            /* 'o' when -o is short for it; 0 for none */
    enum modctl_kind kind;  /* whether it takes a value, and how it is read */
    const char *value_name; /* the value in usage ("ID"); NULL for a flag */
    const char *help;       /* one line of --help */
    size_t offset;          /* of its field in the options struct */
    unsigned forms;         /* bit n: it belongs to form n; 0: to all forms */
    bool required;          /* its forms need it */
};

struct modctl_args;

/* A command: its name, usage forms, option table and what runs it. */
struct modctl_command {
    const char *name; /* "queue"; "rules lint" for a subcommand */
    /* Each usage form's operands: "ID", "ID..." (one or more), "[ID...]"
     * (any number), "" (none). The forms are the leading non-NULL ones; all
     * NULL is one form without operands. Options choose among the forms
     * through their `forms`. */
    const char *operands[MODCTL_MAX_FORMS];
    const struct modctl_option *options; /* NULL when it has none */
    size_t options_size;                 /* of the struct they fill */
    const char *summary;                 /* its line in `modctl help` */
    const char *description; /* --help's text after the usage, its lines
                                newline-terminated */
    int (*run)(const struct modctl_globals *g, const struct modctl_args *a);
};

/* What a command's run gets, all borrowed for the call. */
struct modctl_args {
    const char *name; /* the command as typed ("list" for queue) */
    const struct modctl_command *command;
    const void *options; /* the command's options struct, filled */
    size_t count;        /* operands, in command-line order */
    char **operands;
};

/* --url, --token and --json: every command takes them, before or after its
 * name. Their fields are those of struct modctl_globals. */
extern const struct modctl_option modctl_global_options[];

enum modctl_parse_status {
    MODCTL_PARSED,      /* go on */
    MODCTL_PARSE_HELP,  /* -h or --help came before any mistake: print the
                           usage, exit 0 */
    MODCTL_PARSE_ERROR, /* why says what is wrong, in one line: exit 2 */
};

/* A parse's results beside the option values. */
struct modctl_parsed {
    char **operands; /* borrowed from argv; the array is the parse's */
    size_t count;
    unsigned *seen; /* per row of the command's table: how often given */
    int next;       /* with stop_at_operand: argv index of the first operand
                       (argc when there is none) */
    char why[200];  /* the error, without "modctl CMD: " */
};

/* Reads argv (argv[0] names the command) with getopt_long against c's
 * table, the global options and -h/--help: each value into its field of
 * options (c's struct, set to its absent values first) or g. Options may
 * come before, between and after the operands, as "--name VALUE",
 * "--name=VALUE" or, for a letter, "-l VALUE" and "-lVALUE"; "--" ends
 * them. Errors: an unknown or abbreviated option, a missing or bad value
 * (a separate value that is itself an option, "--reason --json", counts as
 * missing), an operand starting with '-'. With stop_at_operand, reading
 * stops at the first operand (modctl's own options before the command).
 * options and g are borrowed; release p with modctl_parsed_close, whatever
 * the status. */
enum modctl_parse_status modctl_parse_options(const struct modctl_command *c,
                                              bool stop_at_operand, int argc,
                                              char **argv, void *options,
                                              struct modctl_globals *g,
                                              struct modctl_parsed *p);

/* After modctl_parse_options: the number of operands and the options given
 * fit one of c's usage forms, with what it requires (a required option
 * exactly once); else MODCTL_PARSE_ERROR with p->why. */
enum modctl_parse_status modctl_check_forms(const struct modctl_command *c,
                                            struct modctl_parsed *p);

void modctl_parsed_close(struct modctl_parsed *p);

/* The usage lines of c, each form on its own line (or the forms as one
 * line, "(A | B) [OPTIONS]", when they differ only in what they require),
 * the first starting with lead and the others with next_lead. */
void modctl_print_synopsis(FILE *out, const struct modctl_command *c,
                           const char *lead, const char *next_lead);

/* The option lists of own and more (either may be NULL), then -h, --help,
 * one "  -l, --name VALUE  help" line each, the help aligned. */
void modctl_print_options(FILE *out, const struct modctl_option *own,
                          const struct modctl_option *more);

/* c's --help: usage lines, description, options, the global options. */
void modctl_print_help(FILE *out, const struct modctl_command *c);

/* For a mistake found once the command runs: "modctl NAME: why" and the
 * command's help on stderr. Returns EXIT_USAGE. */
int modctl_usage_error(const struct modctl_args *a, const char *why);

/* For args.c and usage.c: the -h, --help row every parse knows; how many
 * usage forms c has; form f's operands ("" for none); the forms (bits)
 * option o belongs to. */
extern const struct modctl_option modctl__help_option;
unsigned modctl__count_forms(const struct modctl_command *c);
const char *modctl__form_operands(const struct modctl_command *c, unsigned f);
unsigned modctl__option_forms(const struct modctl_command *c,
                              const struct modctl_option *o);

/* A duration of a whole number and a unit, s, m, h or d ("30m"), in
 * seconds; false when text is not one or it is 0 or more than ten years. */
bool modctl_parse_duration(const char *text, int64_t *seconds);

#endif
