/* jsonw.h: JSON values written straight into a buffer, without building a
 * jansson tree: for the lines and bodies modgate writes on every request.
 * Each function writes exactly what jansson's json_dumps writes for the
 * same value with JSON_COMPACT | JSON_PRESERVE_ORDER (and, for reals,
 * JSON_REAL_PRECISION(precision)), so output does not change when a writer
 * moves from a tree to this; tests/unit/test_jsonw.c compares the two on
 * every kind of string and number.
 *
 * One difference, on purpose: jansson refuses a string that is not UTF-8
 * (json_pack fails); these replace each invalid byte with U+FFFD, so a
 * log line about a bad request still says what it can. */
#ifndef MODGATE_JSONW_H
#define MODGATE_JSONW_H

#include <stdbool.h>
#include <stddef.h>

#include "modgate/buf.h"

/* "s", quoted and escaped: \" \\ \b \f \n \r \t, other control characters
 * as \u00XX, everything else as it is. */
void mg_jsonw_string(struct mg_buf *b, const char *s, size_t len);
void mg_jsonw_cstring(struct mg_buf *b, const char *s); /* NUL-terminated */

void mg_jsonw_int(struct mg_buf *b, long long v);

/* A real as jansson prints it with JSON_REAL_PRECISION(precision) (1..17):
 * "%.*g", with ".0" added when that reads as an integer, and the exponent
 * without '+' or leading zeros ("1e20"). Not for NaN or infinities, which
 * JSON cannot hold (jansson refuses them too): those write null. */
void mg_jsonw_real(struct mg_buf *b, double v, int precision);

/* An object's member name: `,` before every member but the first (*first
 * says which, and is then false), then "name":. */
void mg_jsonw_key(struct mg_buf *b, bool *first, const char *name);

#endif
