/* args.h: modctl's command lines: options written "--name VALUE" or
 * "--name=VALUE", durations ("90s", "30m", "2h", "7d"), and the usage
 * message a command prints for --help (stdout, exit 0) or a mistake
 * (stderr, exit 2). */
#ifndef MODCTL_ARGS_H
#define MODCTL_ARGS_H

#include <stdbool.h>
#include <stdint.h>

/* Matches "--name VALUE" and "--name=VALUE" at argv[*i]. Returns 1 and sets
 * *value on a match (advancing *i past a separate value), -1 when the value
 * is missing, 0 when argv[*i] is another argument. */
int modctl_take_option(const char *name, int argc, char **argv, int *i,
                       const char **value);

/* True for "--help" and "-h". */
bool modctl_is_help(const char *arg);

/* A duration of a whole number and a unit, s, m, h or d ("30m"), in
 * seconds; false when text is not one or it is 0 or more than ten years. */
bool modctl_parse_duration(const char *text, int64_t *seconds);

/* --limit's value: 50 when text is NULL, else a number from 1 to 100000;
 * false when it is not one. */
bool modctl_parse_limit(const char *text, long *limit);

/* For a command that takes no argument but --help: -1 when argc says none
 * was given (go on), else the exit status of printing usage (0 for --help,
 * 2 for anything else). */
int modctl_no_arguments(int argc, char **argv, const char *cmd, const char *usage);

/* Prints usage (its own lines, newline-terminated) to stdout and returns 0
 * when help is true; else to stderr, after "modctl CMD: why\n" when why is
 * not NULL, and returns 2. */
int modctl_usage(bool help, const char *cmd, const char *why, const char *usage);

#endif
