/* files.h: reading the small files people hand to modgate (config, tokens,
 * keys) and checking that secrets are private. */
#ifndef MODGATE_FILES_H
#define MODGATE_FILES_H

#include <stddef.h>

#include "modgate/error.h"

/* Reads a whole regular file (at most max bytes) into a new NUL-terminated
 * buffer. Caller owns *out; free with mg_free. */
int mg_file_read(const char *path, size_t max, char **out, size_t *len,
                 struct mg_error *err) MG_MUST_CHECK;

/* MG_EPERM unless path is a regular file that other users cannot read or
 * write and whose group cannot write (mode 0600 or 0640 at most). */
int mg_file_check_private(const char *path, struct mg_error *err) MG_MUST_CHECK;

#endif
