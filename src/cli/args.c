/* args.c: see args.h. */
#include "args.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modctl.h"

int modctl_take_option(const char *name, int argc, char **argv, int *i,
                       const char **value)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0)
        return 0;
    if (a[n] == '=') {
        *value = a + n + 1;
        return 1;
    }
    if (a[n] != '\0')
        return 0;
    if (*i + 1 >= argc)
        return -1;
    *value = argv[++*i];
    return 1;
}

bool modctl_is_help(const char *arg)
{
    return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
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

bool modctl_parse_limit(const char *text, long *limit)
{
    *limit = 50;
    if (!text)
        return true;
    char *end = NULL;
    *limit = strtol(text, &end, 10);
    return text[0] >= '0' && text[0] <= '9' && *end == '\0' && *limit >= 1 &&
           *limit <= 100000;
}

int modctl_no_arguments(int argc, char **argv, const char *cmd, const char *usage)
{
    if (argc <= 1)
        return -1;
    bool help = argc == 2 && modctl_is_help(argv[1]);
    return modctl_usage(help, cmd, help ? NULL : "takes no arguments", usage);
}

int modctl_usage(bool help, const char *cmd, const char *why, const char *usage)
{
    if (help) {
        fputs(usage, stdout);
        return EXIT_OK;
    }
    if (why)
        fprintf(stderr, "modctl %s: %s\n", cmd, why);
    fputs(usage, stderr);
    return EXIT_USAGE;
}
