/* log.h: one JSON object a line on stderr: time, level, module, event and
 * the event's fields. The level is checked before anything is formatted. */
#ifndef MODGATE_LOG_H
#define MODGATE_LOG_H

#include <stddef.h>

enum mg_log_level { MG_LOG_DEBUG = 0, MG_LOG_INFO, MG_LOG_WARN, MG_LOG_ERROR };

extern enum mg_log_level mg_log_threshold;
/* With several worker processes (workers.h), a worker's lines say which
 * ("worker": N, after "event"); -1, the default, says nothing. */
extern int mg_log_worker;

/* "debug" | "info" | "warn" | "error" -> level; MG_EINVAL otherwise. */
int mg_log_level_parse(const char *text, enum mg_log_level *out);

/* The level's name, as mg_log_level_parse reads it. */
const char *mg_log_level_name(enum mg_log_level level);

/* fields is a jansson json_pack() format for an object ("{s:s, s:i}") whose
 * members join the line, followed by its arguments; or NULL. */
void mg__log(enum mg_log_level level, const char *module, const char *event,
             const char *fields, ...);

/* The same line with its fields already written: members is `"name":value`
 * pairs joined by commas (jsonw.h), len bytes, possibly none. For the lines
 * written on every request, which this writes without a jansson tree. */
void mg__log_members(enum mg_log_level level, const char *module, const char *event,
                     const char *members, size_t len);

#define MG_LOG(level, module, event, ...)                                      \
    do {                                                                       \
        if ((level) >= mg_log_threshold)                                       \
            mg__log((level), (module), (event), __VA_ARGS__);                  \
    } while (0)

#endif
