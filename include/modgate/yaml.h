/* yaml.h: libfyaml as modgate's loaders use it (config, key files, and the
 * rules to come): exactly one document from text that was checked to be
 * UTF-8 first (libfyaml 0.7.12 can loop forever on invalid UTF-8), syntax
 * errors with line and column, and where a node starts. Also refused, where
 * they are, two inputs libfyaml 0.7.12 mishandles: a single-quoted string
 * with two escaped quotes in a row (decoded wrongly, and leaked), and a tab
 * before a block indicator (its error path frees memory twice). */
#ifndef MODGATE_YAML_H
#define MODGATE_YAML_H

#include <stddef.h>

#include "modgate/error.h"

struct fy_node;
struct mg_yaml_doc;

/* Parses text as one YAML document; name is used in errors. A second
 * document is an error (it would be silently ignored). Caller owns *out
 * (mg_yaml_doc_free), also when the text is empty. */
int mg_yaml_parse(const char *name, const char *text, size_t len,
                  struct mg_yaml_doc **out, struct mg_error *err) MG_MUST_CHECK;

/* The document's root node; NULL for an empty document. Borrowed; valid
 * until mg_yaml_doc_free. */
struct fy_node *mg_yaml_root(const struct mg_yaml_doc *doc);

void mg_yaml_doc_free(struct mg_yaml_doc *doc);

/* Where node starts, 1-based, looking into collections for their first
 * scalar; a quoted scalar's position is its opening quote, where a person
 * looks. Leaves line and column as they were when there is no mark (so a
 * caller can preset a fallback position). */
void mg_yaml_node_pos(struct fy_node *node, int *line, int *column);

/* True for a missing value: no node, `~`, `null` or an empty plain scalar. */
int mg_yaml_is_null(struct fy_node *node);

#endif
