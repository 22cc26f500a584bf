/* term.c: see term.h. Display widths come from the C library's wcwidth in
 * the user's locale (main sets LC_CTYPE from the environment); text that is
 * not valid in it counts one column a byte, which only ever cuts early. */
#include "term.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <wchar.h>

#include "modgate/alloc.h"
#include "modgate/timefmt.h"

bool modctl_colour(void)
{
    const char *no = getenv("NO_COLOR");
    return isatty(STDOUT_FILENO) && !(no && *no);
}

int modctl_width(void)
{
    const char *cols = getenv("COLUMNS");
    if (cols && *cols) {
        long n = strtol(cols, NULL, 10);
        if (n >= 20 && n <= 1000)
            return (int)n;
    }
    struct winsize ws;
    if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 &&
        ws.ws_col >= 20)
        return ws.ws_col;
    return 160;
}

/* The next character of s: its width (control characters 0, shown as a
 * space by put_cell) and its length in bytes. */
static int next_char(const char *s, size_t *len)
{
    mbstate_t st;
    memset(&st, 0, sizeof st);
    wchar_t wc;
    size_t n = mbrtowc(&wc, s, strlen(s), &st);
    if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
        *len = 1;
        return 1;
    }
    *len = n;
    int w = wcwidth(wc);
    return w < 0 ? 0 : w;
}

static bool is_control(const char *s)
{
    return (unsigned char)s[0] < 0x20 || s[0] == 0x7f;
}

int modctl_text_width(const char *text)
{
    int w = 0;
    for (const char *s = text; s && *s;) {
        size_t len;
        int cw = next_char(s, &len);
        w += is_control(s) ? 1 : cw;
        s += len;
    }
    return w;
}

void modctl_put_cell(FILE *out, const char *text, int width, bool pad)
{
    int used = 0;
    const char *s = text ? text : "";
    int total = modctl_text_width(s);
    int room = total > width ? width - 1 : width; /* keep one for "…" */
    while (*s) {
        size_t len = 1;
        int cw = is_control(s) ? 1 : next_char(s, &len);
        if (used + cw > room)
            break;
        if (is_control(s))
            fputc(' ', out);
        else
            fwrite(s, 1, len, out);
        used += cw;
        s += len;
    }
    if (total > width && width > 0) {
        fputs("\xe2\x80\xa6", out);
        used++;
    }
    while (pad && used < width) {
        fputc(' ', out);
        used++;
    }
}

void modctl_print_table(FILE *out, const struct modctl_table *t)
{
    int *width = mg_calloc(t->ncols, sizeof *width);
    bool *shown = mg_calloc(t->ncols, sizeof *shown);
    /* Into a pipe or a file, with no COLUMNS to fit, every cell is printed
     * whole (`modctl audit | grep rules_reload`); on a terminal, or with
     * COLUMNS, the table fits the width. */
    const char *cols = getenv("COLUMNS");
    bool fit = isatty(fileno(out)) || (cols && *cols);
    for (size_t c = 0; c < t->ncols; c++) {
        shown[c] = true;
        width[c] = modctl_text_width(t->header[c]);
        for (size_t r = 0; r < t->nrows; r++) {
            int w = modctl_text_width(t->rows[r][c]);
            if (w > width[c])
                width[c] = w;
        }
        if (fit && t->max && t->max[c] > 0 && width[c] > t->max[c])
            width[c] = t->max[c];
    }
    int screen = fit ? modctl_width() : INT_MAX / 2;
    size_t dropped = 0;
    for (;;) {
        int fixed = 0;
        for (size_t c = 0; c < t->ncols; c++)
            if (shown[c] && (int)c != t->flexible)
                fixed += width[c] + 2;
        int left = screen - fixed;
        if (t->flexible >= 0) {
            if (left >= t->min_flexible || !t->drop_order ||
                t->drop_order[dropped] < 0) {
                /* nothing more to leave out: the flexible column shrinks
                 * rather than the lines wrap */
                if (left < 3)
                    left = 3;
                if (width[t->flexible] > left)
                    width[t->flexible] = left;
                break;
            }
        } else if (left >= 0 || !t->drop_order || t->drop_order[dropped] < 0) {
            break;
        }
        shown[t->drop_order[dropped++]] = false;
    }
    bool colour = modctl_colour();
    for (size_t r = 0; r <= t->nrows; r++) {
        const char *const *row = r == 0 ? t->header : (const char *const *)t->rows[r - 1];
        if (r == 0 && colour)
            fputs("\033[1m", out);
        size_t last = 0;
        for (size_t c = 0; c < t->ncols; c++)
            if (shown[c])
                last = c;
        for (size_t c = 0; c < t->ncols; c++) {
            if (!shown[c])
                continue;
            modctl_put_cell(out, row[c], width[c], c != last);
            if (c != last)
                fputs("  ", out);
        }
        if (r == 0 && colour)
            fputs("\033[0m", out);
        fputc('\n', out);
    }
    mg_free(width);
    mg_free(shown);
}

void modctl_age(int64_t seconds, char out[24])
{
    if (seconds < 0)
        seconds = 0;
    if (seconds < 60)
        snprintf(out, 24, "%llds", (long long)seconds);
    else if (seconds < 3600)
        snprintf(out, 24, "%lldm", (long long)(seconds / 60));
    else if (seconds < 86400 * 2)
        snprintf(out, 24, "%lldh", (long long)(seconds / 3600));
    else
        snprintf(out, 24, "%lldd", (long long)(seconds / 86400));
}

int64_t modctl_age_of(const char *rfc3339)
{
    int64_t ms;
    if (!rfc3339 || mg_time_parse(rfc3339, &ms) != 0)
        return -1;
    int64_t now = mg_time_now_ms();
    return now > ms ? (now - ms) / 1000 : 0;
}

/* Byte offset of code point cp in s (its end when s is shorter). */
static size_t byte_at(const char *s, size_t cp)
{
    size_t i = 0;
    for (; s[i] && cp > 0; i++)
        if (((unsigned char)s[i + 1] & 0xc0) != 0x80)
            cp--;
    return i;
}

void modctl_print_highlight(FILE *out, const char *indent, const char *body,
                            size_t start, size_t end, bool colour)
{
    size_t a = byte_at(body, start), b = byte_at(body, end);
    size_t from = start > 30 ? byte_at(body, start - 30) : 0;
    size_t len = strlen(body);
    size_t to = b + byte_at(body + b, 30);
    fprintf(out, "%s%s%.*s%s%.*s%s%.*s%s\n", indent, from ? "..." : "",
            (int)(a - from), body + from, colour ? "\033[7m" : ">>", (int)(b - a),
            body + a, colour ? "\033[0m" : "<<", (int)(to - b), body + b,
            to < len ? "..." : "");
}

const char *modctl_text(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s ? s : "";
}

void modctl_print_json(const json_t *value)
{
    json_dumpf(value, stdout, JSON_INDENT(2));
    fputc('\n', stdout);
}
