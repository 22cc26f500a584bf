/* log.c: JSON-lines logging to stderr, one write(2) per line so lines from
 * concurrent processes sharing a terminal or pipe never interleave. */
#include "modgate/log.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "modgate/buf.h"
#include "modgate/error.h"
#include "modgate/jsonw.h"
#include "modgate/timefmt.h"

enum mg_log_level mg_log_threshold = MG_LOG_INFO;
int mg_log_worker = -1;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

int mg_log_level_parse(const char *text, enum mg_log_level *out)
{
    for (size_t i = 0; i < sizeof level_names / sizeof level_names[0]; i++) {
        if (strcmp(text, level_names[i]) == 0) {
            *out = (enum mg_log_level)i;
            return MG_OK;
        }
    }
    return MG_EINVAL;
}

const char *mg_log_level_name(enum mg_log_level level)
{
    return (unsigned)level < sizeof level_names / sizeof level_names[0]
               ? level_names[level]
               : "?";
}

/* text, len + 1 bytes with its newline, in one write(2). */
static void write_line(const char *text, size_t len)
{
    size_t off = 0;
    while (off < len) {
        ssize_t n = write(STDERR_FILENO, text + off, len - off);
        if (n <= 0)
            break; /* nowhere to report a failing stderr */
        off += (size_t)n;
    }
}

void mg__log_members(enum mg_log_level level, const char *module, const char *event,
                     const char *members, size_t len)
{
    char now[MG_TIME_LEN];
    mg_time_format(mg_time_now_ms(), now);
    struct mg_buf b;
    mg_buf_init(&b, SIZE_MAX);
    mg_buf_reserve(&b, 128 + len); /* time, level, module, event, members */
    bool first = true;
    mg_buf_add(&b, "{", 1);
    mg_jsonw_key(&b, &first, "time");
    mg_jsonw_cstring(&b, now);
    mg_jsonw_key(&b, &first, "level");
    mg_jsonw_cstring(&b, level_names[level]);
    mg_jsonw_key(&b, &first, "module");
    mg_jsonw_cstring(&b, module);
    mg_jsonw_key(&b, &first, "event");
    mg_jsonw_cstring(&b, event);
    if (mg_log_worker >= 0) {
        mg_jsonw_key(&b, &first, "worker");
        mg_jsonw_int(&b, mg_log_worker);
    }
    if (len) {
        mg_buf_add(&b, ",", 1);
        mg_buf_add(&b, members, len);
    }
    mg_buf_add(&b, "}\n", 2);
    write_line(b.data, b.len);
    mg_buf_close(&b);
}

void mg__log(enum mg_log_level level, const char *module, const char *event,
             const char *fields, ...)
{
    char now[MG_TIME_LEN];
    mg_time_format(mg_time_now_ms(), now);

    json_t *line = json_pack("{s:s, s:s, s:s, s:s}", "time", now, "level",
                             level_names[level], "module", module, "event",
                             event);
    if (!line)
        return;
    if (mg_log_worker >= 0)
        json_object_set_new(line, "worker", json_integer(mg_log_worker));
    if (fields) {
        va_list ap;
        va_start(ap, fields);
        json_error_t jerr;
        json_t *extra = json_vpack_ex(&jerr, 0, fields, ap);
        va_end(ap);
        if (extra)
            json_object_update(line, extra);
        else
            json_object_set_new(line, "log_error", json_string(jerr.text));
        json_decref(extra);
    }
    char *text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER |
                                       JSON_REAL_PRECISION(6));
    json_decref(line);
    if (!text)
        return;
    size_t len = strlen(text);
    text[len] = '\n'; /* overwrite the NUL: we write exactly len + 1 bytes */
    write_line(text, len + 1);
    text[len] = '\0';
    free(text); /* jansson allocated it with malloc */
}
