/* alloc.h: allocation that never returns NULL. Out of memory is not a state
 * modgate can serve from, so it aborts with a message (as redis' zmalloc). */
#ifndef MODGATE_ALLOC_H
#define MODGATE_ALLOC_H

#include <stddef.h>

void *mg_malloc(size_t size);
void *mg_calloc(size_t count, size_t size);
void *mg_realloc(void *ptr, size_t size);
char *mg_strdup(const char *s);
char *mg_strndup(const char *s, size_t n);
/* Formats into a new string (vasprintf that aborts on OOM). */
char *mg_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void mg_free(void *ptr);

#endif
