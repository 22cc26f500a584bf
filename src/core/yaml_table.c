/* yaml_table.c: the scalar syntaxes the loaders share and the walker that
 * reads a mapping against a table of keys (yaml.h). It reads documents
 * through yaml.h's node accessors only: libfyaml stays in yaml.c. */
#include "modgate/yaml.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modgate/alloc.h"

/* Keys are named in messages up to this many bytes; a longer one is
 * "unknown key (too long)" (no row is that long). */
#define KEY_NAME_MAX 100
/* Room for a dotted label such as "rate_limits.author[0].period_s". */
#define LABEL_MAX 256
/* Messages are cut here, as mg_yaml_fail cuts them. */
#define MESSAGE_MAX 400

/* ---- scalar syntaxes ---- */

/* text[0..len) NUL-terminated in buf when it fits, else in a copy *heap
 * (the caller frees it); NULL when text holds a NUL byte. */
static const char *terminated(const char *text, size_t len, char *buf,
                              size_t size, char **heap)
{
    *heap = NULL;
    if (!text || memchr(text, '\0', len))
        return NULL;
    if (len < size) {
        memcpy(buf, text, len);
        buf[len] = '\0';
        return buf;
    }
    return *heap = mg_strndup(text, len);
}

bool mg_yaml_text_integer(const char *text, size_t len, long long *out)
{
    char buf[32];
    if (len == 0 || len >= sizeof buf || memchr(text, '\0', len))
        return false;
    memcpy(buf, text, len);
    buf[len] = '\0';
    size_t first = buf[0] == '-' ? 1 : 0;
    if (buf[first] < '0' || buf[first] > '9')
        return false;
    errno = 0;
    char *end = NULL;
    long long v = strtoll(buf, &end, 10);
    if (errno != 0 || *end != '\0')
        return false;
    *out = v;
    return true;
}

bool mg_yaml_text_number(const char *text, size_t len, double *out)
{
    char buf[64], *heap;
    const char *s = terminated(text, len, buf, sizeof buf, &heap);
    if (!s)
        return false;
    char *end;
    double v = strtod(s, &end);
    bool ok = end != s && *end == '\0' && isfinite(v);
    mg_free(heap);
    if (ok)
        *out = v;
    return ok;
}

bool mg_yaml_text_duration(const char *text, size_t len, double *ms)
{
    char buf[64], *heap;
    const char *s = terminated(text, len, buf, sizeof buf, &heap);
    if (!s)
        return false;
    char *end;
    double n = strtod(s, &end);
    double unit;
    switch (*end) {
    case '\0':
    case 's': unit = 1000; break;
    case 'm': unit = 60000; break;
    case 'h': unit = 3600000; break;
    case 'd': unit = 86400000; break;
    default: unit = -1; break;
    }
    bool ok = end != s && unit > 0 && (*end == '\0' || end[1] == '\0') &&
              isfinite(n) && n > 0 && n <= 3650.0 * 86400;
    mg_free(heap);
    if (ok)
        *ms = n * unit;
    return ok;
}

bool mg_yaml_number(const struct mg_yaml_node *node, double *out)
{
    size_t len;
    const char *text = mg_yaml_scalar(node, &len);
    return text && mg_yaml_text_number(text, len, out);
}

bool mg_yaml_duration(const struct mg_yaml_node *node, double *ms)
{
    size_t len;
    const char *text = mg_yaml_scalar(node, &len);
    return text && mg_yaml_text_duration(text, len, ms);
}

/* ---- tables ---- */

const struct mg_yaml_key *mg_yaml_table_row(const struct mg_yaml_table *t,
                                            size_t i)
{
    size_t stride = t->stride ? t->stride : sizeof *t->keys;
    return (const struct mg_yaml_key *)(const void *)((const char *)t->keys +
                                                      i * stride);
}

static void *field_of(void *base, const struct mg_yaml_key *row)
{
    return (char *)base + row->offset;
}

/* A problem with a row's value: the row's own message when it has one,
 * else the one given. */
static int value_error(struct mg_yaml_walk *w, const struct mg_yaml_key *row,
                       const struct mg_yaml_node *at,
                       const struct mg_yaml_node *fallback, const char *fmt,
                       ...) __attribute__((format(printf, 5, 6)));
static int value_error(struct mg_yaml_walk *w, const struct mg_yaml_key *row,
                       const struct mg_yaml_node *at,
                       const struct mg_yaml_node *fallback, const char *fmt,
                       ...)
{
    if (row->error)
        return mg_yaml_fail(w, at, fallback, "%s", row->error);
    char msg[MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return mg_yaml_fail(w, at, fallback, "%s", msg);
}

/* "a, b, c": the names in a NULL-ended list. */
static void join_names(const char *const *names, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; names && names[i] && used < size; i++) {
        int n = snprintf(buf + used, size - used, "%s%s", i ? ", " : "",
                         names[i]);
        used += n > 0 ? (size_t)n : 0;
    }
}

/* "url, prefix, ...": the keys of t directly under section (NULL: its top),
 * each section named once. */
static void list_keys(const struct mg_yaml_table *t, const char *section,
                      char *buf, size_t size)
{
    size_t plen = section ? strlen(section) : 0;
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < t->nkeys && used < size; i++) {
        const char *p = mg_yaml_table_row(t, i)->name;
        if (section) {
            if (strncmp(p, section, plen) != 0 || p[plen] != '.')
                continue;
            p += plen + 1;
        }
        size_t len = strcspn(p, ".");
        /* a section has a row per key under it: name it once */
        bool listed = false;
        for (size_t j = 0; j < i && !listed; j++) {
            const char *q = mg_yaml_table_row(t, j)->name;
            if (section) {
                if (strncmp(q, section, plen) != 0 || q[plen] != '.')
                    continue;
                q += plen + 1;
            }
            listed = strcspn(q, ".") == len && strncmp(q, p, len) == 0;
        }
        if (listed)
            continue;
        int n = snprintf(buf + used, size - used, "%s%.*s", used ? ", " : "",
                         (int)len, p);
        used += n > 0 ? (size_t)n : 0;
    }
}

/* label.name, or name at the top; false when it does not fit. (Every key
 * of every rules file comes here: no printf.) */
static bool join_label(const char *label, const char *name, char *buf,
                       size_t size)
{
    size_t head = label ? strlen(label) + 1 : 0, len = strlen(name);
    if (head + len >= size)
        return false;
    if (label) {
        memcpy(buf, label, head - 1);
        buf[head - 1] = '.';
    }
    memcpy(buf + head, name, len + 1);
    return true;
}

static const char *kind_noun(const struct mg_yaml_node *node)
{
    switch (mg_yaml_kind(node)) {
    case MG_YAML_MAPPING: return "a mapping";
    case MG_YAML_SEQUENCE: return "a list";
    default: return "a single value";
    }
}

/* What a scalar row wants, for a value that is not that. */
static int type_error(struct mg_yaml_walk *w, const struct mg_yaml_key *row,
                      const struct mg_yaml_node *at,
                      const struct mg_yaml_node *fallback, const char *label)
{
    char names[300];
    switch (row->type) {
    case MG_YAML_T_BOOL:
        return value_error(w, row, at, fallback, "%s: must be true or false",
                           label);
    case MG_YAML_T_INTEGER:
        return value_error(w, row, at, fallback,
                           "%s: must be an integer from %lld to %lld", label,
                           (long long)row->min, (long long)row->max);
    case MG_YAML_T_NUMBER:
        return value_error(w, row, at, fallback,
                           "%s: must be a number from %g to %g", label,
                           row->min, row->max);
    case MG_YAML_T_DURATION:
        return value_error(w, row, at, fallback,
                           "%s: must be a duration such as 90s, 15m, 12h or "
                           "7d, at most %gs",
                           label, row->max / 1000);
    case MG_YAML_T_ENUM:
        join_names(row->names, names, sizeof names);
        return value_error(w, row, at, fallback, "%s: must be one of %s",
                           label, names);
    default:
        return value_error(w, row, at, fallback,
                           "%s: must be a single text value", label);
    }
}

/* A string row's text checked (length, NUL, row->check) into a copy *out
 * the caller owns. */
static int read_string(struct mg_yaml_walk *w, const struct mg_yaml_key *row,
                       void *base, const char *text, size_t len,
                       const char *label, const struct mg_yaml_node *at,
                       const struct mg_yaml_node *fallback, char **out)
{
    if (memchr(text, '\0', len))
        return value_error(w, row, at, fallback,
                           "%s: must not contain a NUL character", label);
    if ((double)len < row->min)
        return row->min <= 1
                   ? value_error(w, row, at, fallback,
                                 "%s: must not be empty", label)
                   : value_error(w, row, at, fallback,
                                 "%s: must be at least %lld characters long",
                                 label, (long long)row->min);
    if (row->type == MG_YAML_T_STRING && row->max > 0 &&
        (double)len > row->max)
        return value_error(w, row, at, fallback,
                           "%s: must be at most %lld characters long", label,
                           (long long)row->max);
    char *copy = mg_strndup(text, len);
    if (row->check) {
        struct mg_error cerr = {0};
        int rc = row->check(base, copy, &cerr);
        if (rc != MG_OK) {
            mg_free(copy);
            (void)value_error(w, row, at, fallback, "%s: %s", label,
                              cerr.message);
            return rc;
        }
    }
    *out = copy;
    return MG_OK;
}

/* An integer or enum row's field is 4 or 8 bytes (MG_YAML_AT says which);
 * any other size is a bug in the table, found the first time it is used. */
static void store_integer(void *field, size_t size, long long v)
{
    if (size == sizeof(int32_t)) {
        int32_t v32 = (int32_t)v;
        memcpy(field, &v32, sizeof v32);
    } else if (size == sizeof(int64_t)) {
        int64_t v64 = v;
        memcpy(field, &v64, sizeof v64);
    } else {
        fprintf(stderr, "modgate: a YAML table row's field has %zu bytes\n",
                size);
        abort();
    }
}

static int find_name(const char *const *names, const char *text, size_t len)
{
    for (int i = 0; names && names[i]; i++)
        if (strlen(names[i]) == len && memcmp(names[i], text, len) == 0)
            return i;
    return -1;
}

/* Sets a scalar row's field from text (a scalar's, or a variable's). */
static int apply_text(struct mg_yaml_walk *w, const struct mg_yaml_key *row,
                      void *base, const char *text, size_t len,
                      const char *label, const struct mg_yaml_node *at,
                      const struct mg_yaml_node *fallback)
{
    void *field = field_of(base, row);
    if (memchr(text, '\0', len))
        return value_error(w, row, at, fallback,
                           "%s: must not contain a NUL character", label);
    long long integer = 0;
    double number = 0;
    int index = -1;
    switch (row->type) {
    case MG_YAML_T_STRING: {
        char *copy = NULL;
        int rc = read_string(w, row, base, text, len, label, at, fallback,
                             &copy);
        if (rc == MG_OK) {
            mg_free(*(char **)field);
            *(char **)field = copy;
        }
        return rc;
    }
    case MG_YAML_T_BOOL:
        index = find_name((const char *const[]){"false", "true", NULL}, text,
                          len);
        if (index < 0)
            break;
        *(bool *)field = index == 1;
        return MG_OK;
    case MG_YAML_T_INTEGER:
        if (!mg_yaml_text_integer(text, len, &integer) ||
            (double)integer < row->min || (double)integer > row->max)
            break;
        store_integer(field, row->size, integer);
        return MG_OK;
    case MG_YAML_T_NUMBER:
    case MG_YAML_T_DURATION:
        if (!(row->type == MG_YAML_T_NUMBER
                  ? mg_yaml_text_number(text, len, &number)
                  : mg_yaml_text_duration(text, len, &number)) ||
            number < row->min || number > row->max)
            break;
        *(double *)field = number;
        return MG_OK;
    case MG_YAML_T_ENUM:
        index = find_name(row->names, text, len);
        if (index < 0)
            break;
        store_integer(field, row->size, index);
        return MG_OK;
    default:
        return mg_yaml_fail(w, at, fallback, "%s: cannot be set from text",
                            label);
    }
    return type_error(w, row, at, fallback, label);
}

int mg_yaml_set_text(struct mg_yaml_walk *w, const struct mg_yaml_key *row,
                     void *base, const char *text, size_t len,
                     const char *label)
{
    return apply_text(w, row, base, text, len, label, NULL, NULL);
}

/* A value for a string, boolean, number, duration or enum row. */
static int scalar_value(struct mg_yaml_walk *w, const struct mg_yaml_key *row,
                        const char *label, const struct mg_yaml_node *key,
                        const struct mg_yaml_node *value, void *base)
{
    if (mg_yaml_is_null(value)) {
        if (row->def)
            return value_error(w, row, value, key,
                               "%s: needs a value (the default is %s)", label,
                               row->def);
        if (row->type != MG_YAML_T_STRING)
            return type_error(w, row, value, key, label);
        char **slot = field_of(base, row);
        mg_free(*slot);
        *slot = NULL;
        return MG_OK;
    }
    size_t len;
    const char *text = mg_yaml_scalar(value, &len);
    if (!text) {
        if (row->type != MG_YAML_T_STRING)
            return type_error(w, row, value, key, label);
        return value_error(w, row, value, key,
                           "%s: must be a single value, not %s", label,
                           mg_yaml_kind(value) == MG_YAML_MAPPING ? "a mapping"
                                                                  : "a list");
    }
    return apply_text(w, row, base, text, len, label, value, key);
}

/* A value kept as its node, once known to be a scalar with something in
 * it. An alias is refused where it is; anything else at its key: a
 * collection's first scalar or the `~` of an empty value would point away
 * from what is wrong. */
static int scalar_node_value(struct mg_yaml_walk *w,
                             const struct mg_yaml_key *row, const char *label,
                             const struct mg_yaml_node *key,
                             const struct mg_yaml_node *value, void *base)
{
    size_t len;
    if (mg_yaml_kind(value) == MG_YAML_ALIAS)
        return type_error(w, row, value, key, label);
    if (!mg_yaml_scalar(value, &len) || mg_yaml_is_null(value))
        return type_error(w, row, key, NULL, label);
    *(const struct mg_yaml_node **)field_of(base, row) = value;
    return MG_OK;
}

static void strings_close(struct mg_yaml_strings *list)
{
    for (size_t i = 0; i < list->n; i++)
        mg_free(list->items[i]);
    mg_free(list->items);
    list->items = NULL;
    list->n = 0;
}

/* One item of a list row, checked as a string, into *out. */
static int list_item(struct mg_yaml_walk *w, const struct mg_yaml_key *row,
                     const char *label, size_t i,
                     const struct mg_yaml_node *item, void *base, char **out)
{
    char item_label[LABEL_MAX + 24];
    snprintf(item_label, sizeof item_label, "%s[%zu]", label, i);
    if (mg_yaml_kind(item) == MG_YAML_ALIAS)
        return value_error(w, row, item, NULL,
                           "%s: aliases (*name) are not supported here",
                           item_label);
    size_t len;
    const char *text = mg_yaml_scalar(item, &len);
    if (!text || mg_yaml_is_null(item))
        return value_error(w, row, item, NULL,
                           "%s: must be a single value, not %s", item_label,
                           mg_yaml_is_null(item) ? "an empty value"
                                                 : kind_noun(item));
    return read_string(w, row, base, text, len, item_label, item, NULL, out);
}

/* A list row's value: replaces the list before it whole. */
static int list_value(struct mg_yaml_walk *w, const struct mg_yaml_key *row,
                      const char *label, const struct mg_yaml_node *key,
                      const struct mg_yaml_node *value, void *base)
{
    struct mg_yaml_strings *list = field_of(base, row);
    if (mg_yaml_is_null(value)) {
        strings_close(list);
        return MG_OK;
    }
    if (mg_yaml_kind(value) != MG_YAML_SEQUENCE)
        return value_error(w, row, value, key, "%s: must be a list, not %s",
                           label, kind_noun(value));
    size_t n = mg_yaml_count(value);
    if (row->max > 0 && (double)n > row->max)
        return value_error(w, row, mg_yaml_item(value, (size_t)row->max),
                           value, "%s: at most %lld items", label,
                           (long long)row->max);
    struct mg_yaml_strings fresh = {mg_calloc(n ? n : 1, sizeof(char *)), 0};
    void *it = NULL;
    const struct mg_yaml_node *item;
    while ((item = mg_yaml_next_item(value, &it)) != NULL) {
        int rc = list_item(w, row, label, fresh.n, item, base,
                           &fresh.items[fresh.n]);
        if (rc != MG_OK) {
            strings_close(&fresh);
            return rc;
        }
        fresh.n++;
    }
    strings_close(list);
    *list = fresh;
    return MG_OK;
}

static int walk_section(struct mg_yaml_walk *w, const struct mg_yaml_table *t,
                        const char *section, const struct mg_yaml_node *map,
                        void *base, const char *label, uint64_t *seen);

/* A mapping expected where a table (or a section of one) is. */
static int mapping_value(struct mg_yaml_walk *w, const struct mg_yaml_key *row,
                         const struct mg_yaml_table *t, const char *section,
                         const char *label, const struct mg_yaml_node *key,
                         const struct mg_yaml_node *value, void *base,
                         uint64_t *seen)
{
    if (mg_yaml_is_null(value))
        return MG_OK; /* every key under it commented out */
    if (mg_yaml_kind(value) == MG_YAML_ALIAS)
        return mg_yaml_fail(w, value, key,
                            "%s: aliases (*name) are not supported here",
                            label);
    if (mg_yaml_kind(value) != MG_YAML_MAPPING) {
        char keys[300];
        list_keys(t, section, keys, sizeof keys);
        if (row && row->error)
            return mg_yaml_fail(w, value, key, "%s", row->error);
        return mg_yaml_fail(w, value, key, "%s: must be a mapping with keys %s",
                            label, keys);
    }
    return walk_section(w, t, section, value, base, label, seen);
}

/* A found row's value, by the row's type. */
static int row_value(struct mg_yaml_walk *w, const struct mg_yaml_key *row,
                     const char *label, const struct mg_yaml_node *key,
                     const struct mg_yaml_node *value, void *base)
{
    switch (row->type) {
    case MG_YAML_T_NODE:
        *(const struct mg_yaml_node **)field_of(base, row) = value;
        return MG_OK;
    case MG_YAML_T_CUSTOM:
        return row->parse(w, row, label, key, value, base);
    case MG_YAML_T_TABLE:
        return mapping_value(w, row, row->table, NULL, label, key, value,
                             field_of(base, row), NULL);
    case MG_YAML_T_SCALAR:
        return scalar_node_value(w, row, label, key, value, base);
    default:
        break;
    }
    if (mg_yaml_kind(value) == MG_YAML_ALIAS)
        return value_error(w, row, value, key,
                           "%s: aliases (*name) are not supported here", label);
    switch (row->type) {
    case MG_YAML_T_LIST: return list_value(w, row, label, key, value, base);
    default: return scalar_value(w, row, label, key, value, base);
    }
}

/* A key no row names: the table's own words, or the known keys. */
static int unknown_key(struct mg_yaml_walk *w, const struct mg_yaml_table *t,
                       const char *section, const char *label,
                       const struct mg_yaml_node *key, const char *name,
                       bool plain, void *base)
{
    if (t->unknown)
        return t->unknown(w, key, name, base);
    if (!plain)
        return mg_yaml_fail(w, key, NULL, "keys must be plain words");
    char path[LABEL_MAX];
    if (!name || strlen(name) > KEY_NAME_MAX ||
        !join_label(label, name, path, sizeof path))
        return mg_yaml_fail(w, key, NULL, "unknown key (too long)");
    char keys[300];
    list_keys(t, section, keys, sizeof keys);
    return mg_yaml_fail(w, key, NULL, "unknown key \"%s\" (known keys%s%s: %s)",
                        path, label ? " under " : "", label ? label : "",
                        keys);
}

/* The row of t named path, its index into *index; NULL when none. */
static const struct mg_yaml_key *find_row(const struct mg_yaml_table *t,
                                          const char *path, size_t *index)
{
    for (size_t i = 0; i < t->nkeys; i++) {
        const struct mg_yaml_key *row = mg_yaml_table_row(t, i);
        if (strcmp(row->name, path) == 0) {
            *index = i;
            return row;
        }
    }
    return NULL;
}

/* True when some row of t lies under path ("redis" for "redis.url"). */
static bool is_section(const struct mg_yaml_table *t, const char *path)
{
    size_t n = strlen(path);
    for (size_t i = 0; i < t->nkeys; i++) {
        const char *name = mg_yaml_table_row(t, i)->name;
        if (strncmp(name, path, n) == 0 && name[n] == '.')
            return true;
    }
    return false;
}

/* A key's text as a C string: in buf when short, else in *heap (the
 * caller frees it). NULL when the key is not a plain scalar or holds a
 * NUL byte; *plain says whether it was one. */
static const char *key_name(const struct mg_yaml_node *key, char *buf,
                            size_t size, char **heap, bool *plain)
{
    size_t len;
    const char *text = mg_yaml_scalar(key, &len);
    *heap = NULL;
    *plain = text != NULL;
    return text ? terminated(text, len, buf, size, heap) : NULL;
}

static int walk_pair(struct mg_yaml_walk *w, const struct mg_yaml_table *t,
                     const char *section, const struct mg_yaml_node *key,
                     const struct mg_yaml_node *value, void *base,
                     const char *label, uint64_t *seen)
{
    char buf[KEY_NAME_MAX + 28], *heap;
    bool plain;
    const char *name = key_name(key, buf, sizeof buf, &heap, &plain);
    char path[LABEL_MAX], here[LABEL_MAX];
    const struct mg_yaml_key *row = NULL;
    size_t index = 0;
    int rc;
    bool named = name && join_label(section, name, path, sizeof path) &&
                 join_label(label, name, here, sizeof here);
    if (named && (row = find_row(t, path, &index)) != NULL) {
        if (seen && index < 64)
            *seen |= UINT64_C(1) << index;
        rc = row_value(w, row, here, key, value, base);
        if (rc == MG_OK && w->on_set && row->type != MG_YAML_T_CUSTOM)
            w->on_set(w, row, key, value);
    } else if (named && is_section(t, path)) {
        rc = mapping_value(w, NULL, t, path, here, key, value, base, seen);
    } else {
        rc = unknown_key(w, t, section, label, key, name, plain, base);
    }
    mg_free(heap);
    return rc;
}

static int walk_section(struct mg_yaml_walk *w, const struct mg_yaml_table *t,
                        const char *section, const struct mg_yaml_node *map,
                        void *base, const char *label, uint64_t *seen)
{
    int status = MG_OK;
    void *it = NULL;
    const struct mg_yaml_node *key, *value;
    while (mg_yaml_next_pair(map, &it, &key, &value)) {
        int rc = walk_pair(w, t, section, key, value, base, label, seen);
        if (rc != MG_OK) {
            if (status == MG_OK)
                status = rc;
            if (!w->on_error)
                return rc;
        }
    }
    return status;
}

int mg_yaml_walk_table(struct mg_yaml_walk *w, const struct mg_yaml_table *t,
                       const struct mg_yaml_node *map, void *base,
                       const char *label, uint64_t *seen)
{
    if (mg_yaml_kind(map) != MG_YAML_MAPPING) {
        char keys[300];
        list_keys(t, NULL, keys, sizeof keys);
        return mg_yaml_fail(w, map, NULL, "%s%smust be a mapping with keys %s",
                            label ? label : "", label ? ": " : "", keys);
    }
    return walk_section(w, t, NULL, map, base, label, seen);
}

void mg_yaml_table_close(const struct mg_yaml_table *t, void *base)
{
    for (size_t i = 0; i < t->nkeys; i++) {
        const struct mg_yaml_key *row = mg_yaml_table_row(t, i);
        if (row->type == MG_YAML_T_STRING) {
            char **slot = field_of(base, row);
            mg_free(*slot);
            *slot = NULL;
        } else if (row->type == MG_YAML_T_LIST) {
            strings_close(field_of(base, row));
        } else if (row->type == MG_YAML_T_TABLE) {
            mg_yaml_table_close(row->table, field_of(base, row));
        }
    }
}
