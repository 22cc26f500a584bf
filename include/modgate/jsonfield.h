/* jsonfield.h: which member of a JSON object a parse error is about, when
 * the error is a string that is not Unicode: bytes that are not UTF-8, or a
 * \u escape of a lone surrogate. jansson refuses the whole document for
 * either; API.md wants the 400 to name the field at fault. */
#ifndef MODGATE_JSONFIELD_H
#define MODGATE_JSONFIELD_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* When jerr (from json_loadb over json[0..len)) is such an error and the
 * text is an object whose member `name` holds the bad string, copies the
 * member's name into name[0..cap) and returns true. False for every other
 * error, for a bad string that is a member's name or nested deeper than the
 * object's own members, and for a name that does not fit. */
bool mg_json_bad_text_member(const char *json, size_t len, const json_error_t *jerr,
                             char *name, size_t cap);

#endif
