/* error.h: modgate's one list of error codes, and the located error that
 * parsers of human-written files (config, tokens, keys, rules) fill in. */
#ifndef MODGATE_ERROR_H
#define MODGATE_ERROR_H

#include <stddef.h>

/* Fallible functions return 0 or one of these negative codes. */
enum mg_status {
    MG_OK = 0,
    MG_EINVAL = -1,     /* bad input: see the struct mg_error for where */
    MG_ENOENT = -2,     /* no such thing (file, route, key) */
    MG_EPERM = -3,      /* a file is readable by others, or the role is wrong */
    MG_EIO = -4,        /* the operating system refused (errno in the message) */
    MG_ETOOBIG = -5,    /* a size limit was hit */
    MG_ETIMEDOUT = -6,  /* a deadline passed */
    MG_EUNAVAIL = -7,   /* a dependency (Redis) is not there */
    MG_ECLOSED = -8,    /* the thing was closed while the call was pending */
    MG_EMETHOD = -9,    /* the route exists, the method does not */
    MG_EPROTO = -10,    /* the peer answered something unexpected */
    MG_EEXIST = -11,    /* refusing to overwrite */
    MG_ELOST = -12,     /* the link was lost after the request was sent */
    MG_ENOACK = -13,    /* Redis answered, but too few replicas confirmed */
};

#define MG_MUST_CHECK __attribute__((warn_unused_result))

/* A static English sentence for a code; never NULL. */
const char *mg_strerror(int status);

/* Where a human-written file went wrong. line and column are 1-based;
 * 0 means not known (a whole-file problem such as its mode). */
struct mg_error {
    char file[512];
    int line;
    int column;
    char message[512];
};

/* Fills err (which may be NULL: then nothing happens). file may be NULL. */
void mg_error_set(struct mg_error *err, const char *file, int line, int column,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* "file:line:column: message" (parts that are unknown are left out) into
 * buf; returns buf. */
const char *mg_error_format(const struct mg_error *err, char *buf, size_t size);

#endif
