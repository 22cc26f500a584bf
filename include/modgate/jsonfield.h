/* jsonfield.h: which member of a JSON object a parse error is about, when
 * the error is a string that is not Unicode: bytes that are not UTF-8, or a
 * \u escape of a lone surrogate. jansson refuses the whole document for
 * either; docs/api.md wants the 400 to name the field at fault. */
#ifndef MODGATE_JSONFIELD_H
#define MODGATE_JSONFIELD_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* When jerr (from json_loadb over json[0..len)) is such an error and the
 * text is an object whose member holding the bad string is one of
 * members[0..n), that entry of members; else NULL: for every other error,
 * for a bad string that is a member's name or nested deeper than the
 * object's own members, and for a member not listed. */
/* The detail of the 400 that names such a member (printf, one %s). */
#define MG_JSON_BAD_TEXT_DETAIL "The member \"%s\" is not valid UTF-8 text."

const char *mg_json_bad_text_member(const char *json, size_t len,
                                    const json_error_t *jerr,
                                    const char *const *members, size_t n);

#endif
