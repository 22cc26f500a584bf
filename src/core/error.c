/* error.c: error code sentences and located errors. */
#include "modgate/error.h"

#include <stdarg.h>
#include <stdio.h>

const char *mg_strerror(int status)
{
    switch (status) {
    case MG_OK: return "success";
    case MG_EINVAL: return "invalid input";
    case MG_ENOENT: return "not found";
    case MG_EPERM: return "permission denied";
    case MG_EIO: return "input/output error";
    case MG_ETOOBIG: return "too large";
    case MG_ETIMEDOUT: return "timed out";
    case MG_EUNAVAIL: return "unavailable";
    case MG_ECLOSED: return "closed";
    case MG_EMETHOD: return "method not allowed";
    case MG_EPROTO: return "protocol error";
    case MG_EEXIST: return "already exists";
    case MG_ELOST: return "connection lost before the answer";
    case MG_ENOACK: return "not acknowledged by enough replicas";
    default: return "unknown error";
    }
}

void mg_error_set(struct mg_error *err, const char *file, int line, int column,
                  const char *fmt, ...)
{
    if (!err)
        return;
    snprintf(err->file, sizeof err->file, "%s", file ? file : "");
    err->line = line;
    err->column = column;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
}

const char *mg_error_format(const struct mg_error *err, char *buf, size_t size)
{
    if (err->file[0] && err->line > 0 && err->column > 0)
        snprintf(buf, size, "%s:%d:%d: %s", err->file, err->line, err->column,
                 err->message);
    else if (err->file[0] && err->line > 0)
        snprintf(buf, size, "%s:%d: %s", err->file, err->line, err->message);
    else if (err->file[0])
        snprintf(buf, size, "%s: %s", err->file, err->message);
    else
        snprintf(buf, size, "%s", err->message);
    return buf;
}
