/* yaml.c: the only file that includes libfyaml: one YAML document from
 * checked text, its nodes behind struct mg_yaml_node, and located errors
 * (yaml.h). The table walker is in yaml_table.c. */
#include "modgate/yaml.h"

#include <libfyaml.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "modgate/alloc.h"
#include "modgate/text.h"

/* Messages are cut here, as every loader cut them before the walker. */
#define MESSAGE_MAX 400

struct mg_yaml_doc {
    struct fy_diag *diag;
    struct fy_parser *parser;
    struct fy_document *doc; /* NULL for an empty stream */
};

/* struct mg_yaml_node is libfyaml's node under another name: the pointer
 * is converted at this door and never dereferenced as anything else. */
static struct fy_node *fy(const struct mg_yaml_node *node)
{
    return (struct fy_node *)(uintptr_t)node;
}

static const struct mg_yaml_node *node_of(struct fy_node *node)
{
    return (const struct mg_yaml_node *)(const void *)node;
}

/* ---- documents ---- */

static void on_diag_output(struct fy_diag *diag, void *user, const char *buf,
                           size_t len)
{
    /* Errors are collected and reported through struct mg_error instead. */
    (void)diag;
    (void)user;
    (void)buf;
    (void)len;
}

static int diag_error(struct fy_diag *diag, const char *name,
                      struct mg_error *err)
{
    void *iter = NULL;
    struct fy_diag_error *de = fy_diag_errors_iterate(diag, &iter);
    if (de)
        mg_error_set(err, name, de->line, de->column, "YAML syntax: %s",
                     de->msg);
    else
        mg_error_set(err, name, 0, 0, "YAML syntax error");
    return MG_EINVAL;
}

void mg_yaml_doc_free(struct mg_yaml_doc *y)
{
    if (!y)
        return;
    if (y->doc)
        fy_parse_document_destroy(y->parser, y->doc);
    if (y->parser)
        fy_parser_destroy(y->parser);
    if (y->diag)
        fy_diag_destroy(y->diag);
    mg_free(y);
}

/* libfyaml 0.7.12 refuses a tab before a block indicator, but on one path
 * (a value of a `?` key) its error exit recycles a simple key twice, and
 * destroying the parser then writes to freed memory. The same tabs are
 * refused here before it sees them: a tab, then blanks, then one of ?:|>
 * or a `-` followed by a blank or the end of a line. Like libfyaml, this
 * does not look at quotes or comments, so a tab there before one of those
 * characters is refused as well. */
static int refuse_tab_before_indicator(const char *name, const char *text,
                                       size_t len, struct mg_error *err)
{
    int line = 1, column = 1;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '\t') {
            size_t j = i;
            while (j < len && (text[j] == '\t' || text[j] == ' '))
                j++;
            char c = j < len ? text[j] : '\0';
            char next = j + 1 < len ? text[j + 1] : '\n';
            if ((c != '\0' && strchr("?:|>", c)) ||
                (c == '-' && strchr(" \t\r\n", next))) {
                mg_error_set(err, name, line, column,
                             "a tab before '%c': YAML is indented with "
                             "spaces, write spaces here",
                             c);
                return MG_EINVAL;
            }
        }
        if (text[i] == '\n') {
            line++;
            column = 1;
        } else if (((unsigned char)text[i] & 0xc0) != 0x80) {
            column++;
        }
    }
    return MG_OK;
}

/* libfyaml 0.7.12 misreads a single-quoted scalar with two escaped quotes
 * in a row ('a''''b' comes back as "a'''", and as a key it also leaks the
 * buffer it decoded into). Inside such a scalar quotes come in pairs, so
 * four in a row in the source is exactly that case. Returns the first such
 * scalar under n, or NULL. */
static struct fy_node *misread_quoted(struct fy_node *n, const char *text,
                                      size_t len)
{
    if (!n)
        return NULL;
    void *iter = NULL;
    if (fy_node_get_type(n) == FYNT_MAPPING) {
        struct fy_node_pair *pair;
        while ((pair = fy_node_mapping_iterate(n, &iter)) != NULL) {
            struct fy_node *bad = misread_quoted(fy_node_pair_key(pair), text, len);
            if (!bad)
                bad = misread_quoted(fy_node_pair_value(pair), text, len);
            if (bad)
                return bad;
        }
        return NULL;
    }
    if (fy_node_get_type(n) == FYNT_SEQUENCE) {
        struct fy_node *item;
        while ((item = fy_node_sequence_iterate(n, &iter)) != NULL) {
            struct fy_node *bad = misread_quoted(item, text, len);
            if (bad)
                return bad;
        }
        return NULL;
    }
    if (fy_node_get_style(n) != FYNS_SINGLE_QUOTED)
        return NULL;
    struct fy_token *tok = fy_node_get_scalar_token(n);
    const struct fy_mark *start = tok ? fy_token_start_mark(tok) : NULL;
    const struct fy_mark *end = tok ? fy_token_end_mark(tok) : NULL;
    if (!start || !end || start->input_pos > end->input_pos ||
        end->input_pos > len)
        return NULL;
    size_t run = 0;
    for (size_t i = start->input_pos; i < end->input_pos; i++) {
        run = text[i] == '\'' ? run + 1 : 0;
        if (run == 4)
            return n;
    }
    return NULL;
}

int mg_yaml_parse(const char *name, const char *text, size_t len,
                  struct mg_yaml_doc **out, struct mg_error *err)
{
    *out = NULL;
    int rc = mg_text_check_utf8(name, text, len, err);
    if (rc == MG_OK)
        rc = refuse_tab_before_indicator(name, text, len, err);
    if (rc != MG_OK)
        return rc;

    struct mg_yaml_doc *y = mg_calloc(1, sizeof *y);
    struct fy_diag_cfg dcfg;
    fy_diag_cfg_default(&dcfg);
    dcfg.fp = NULL;
    dcfg.output_fn = on_diag_output;
    dcfg.level = FYET_ERROR;
    dcfg.colorize = false;
    y->diag = fy_diag_create(&dcfg);
    if (y->diag) {
        fy_diag_set_collect_errors(y->diag, true);
        struct fy_parse_cfg pcfg = {
            .flags = FYPCF_QUIET | FYPCF_COLLECT_DIAG,
            .diag = y->diag,
        };
        y->parser = fy_parser_create(&pcfg);
    }
    if (!y->parser || fy_parser_set_string(y->parser, text, len) != 0) {
        mg_yaml_doc_free(y);
        mg_error_set(err, name, 0, 0, "cannot start the YAML parser");
        return MG_EIO;
    }

    y->doc = fy_parse_load_document(y->parser);
    if (!y->doc) {
        /* No document and no error: the text is empty or only comments. */
        if (fy_parser_get_stream_error(y->parser)) {
            rc = diag_error(y->diag, name, err);
            mg_yaml_doc_free(y);
            return rc;
        }
        *out = y;
        return MG_OK;
    }
    struct fy_document *extra = fy_parse_load_document(y->parser);
    if (extra) {
        int line = 0, column = 0;
        mg_yaml_node_pos(node_of(fy_document_root(extra)), &line, &column);
        fy_parse_document_destroy(y->parser, extra);
        mg_yaml_doc_free(y);
        mg_error_set(err, name, line, column,
                     "only one YAML document is allowed");
        return MG_EINVAL;
    }
    if (fy_parser_get_stream_error(y->parser)) {
        rc = diag_error(y->diag, name, err);
        mg_yaml_doc_free(y);
        return rc;
    }
    struct fy_node *misread = misread_quoted(fy_document_root(y->doc), text, len);
    if (misread) {
        int line = 0, column = 0;
        mg_yaml_node_pos(node_of(misread), &line, &column);
        mg_yaml_doc_free(y);
        mg_error_set(err, name, line, column,
                     "a single-quoted string with two escaped quotes in a row "
                     "('''') is misread by the YAML library; write it in "
                     "double quotes");
        return MG_EINVAL;
    }
    *out = y;
    return MG_OK;
}

const struct mg_yaml_node *mg_yaml_root(const struct mg_yaml_doc *y)
{
    return y->doc ? node_of(fy_document_root(y->doc)) : NULL;
}

/* ---- nodes ---- */

enum mg_yaml_kind mg_yaml_kind(const struct mg_yaml_node *node)
{
    if (!node)
        return MG_YAML_NONE;
    switch (fy_node_get_type(fy(node))) {
    case FYNT_MAPPING: return MG_YAML_MAPPING;
    case FYNT_SEQUENCE: return MG_YAML_SEQUENCE;
    default:
        return fy_node_get_style(fy(node)) == FYNS_ALIAS ? MG_YAML_ALIAS
                                                          : MG_YAML_SCALAR;
    }
}

bool mg_yaml_is_null(const struct mg_yaml_node *node)
{
    struct fy_node *v = fy(node);
    if (!v || fy_node_is_null(v))
        return true;
    if (fy_node_get_type(v) != FYNT_SCALAR ||
        fy_node_get_style(v) != FYNS_PLAIN)
        return false;
    size_t len = 0;
    const char *t = fy_node_get_scalar(v, &len);
    return (len == 1 && t[0] == '~') ||
           (len == 4 &&
            (memcmp(t, "null", 4) == 0 || memcmp(t, "Null", 4) == 0 ||
             memcmp(t, "NULL", 4) == 0));
}

const char *mg_yaml_scalar(const struct mg_yaml_node *node, size_t *len)
{
    *len = 0;
    if (mg_yaml_kind(node) != MG_YAML_SCALAR)
        return NULL;
    return fy_node_get_scalar(fy(node), len);
}

bool mg_yaml_scalar_is(const struct mg_yaml_node *node, const char *word)
{
    size_t len;
    const char *text = mg_yaml_scalar(node, &len);
    return text && len == strlen(word) && memcmp(text, word, len) == 0;
}

char *mg_yaml_scalar_dup(const struct mg_yaml_node *node)
{
    size_t len;
    const char *text = mg_yaml_scalar(node, &len);
    if (!text || memchr(text, '\0', len))
        return NULL;
    return mg_strndup(text, len);
}

size_t mg_yaml_count(const struct mg_yaml_node *node)
{
    int n = 0;
    switch (mg_yaml_kind(node)) {
    case MG_YAML_MAPPING: n = fy_node_mapping_item_count(fy(node)); break;
    case MG_YAML_SEQUENCE: n = fy_node_sequence_item_count(fy(node)); break;
    default: break;
    }
    return n > 0 ? (size_t)n : 0;
}

bool mg_yaml_next_pair(const struct mg_yaml_node *map, void **iter,
                       const struct mg_yaml_node **key,
                       const struct mg_yaml_node **value)
{
    struct fy_node_pair *pair = fy_node_mapping_iterate(fy(map), iter);
    if (!pair)
        return false;
    *key = node_of(fy_node_pair_key(pair));
    *value = node_of(fy_node_pair_value(pair));
    return true;
}

const struct mg_yaml_node *mg_yaml_next_item(const struct mg_yaml_node *seq,
                                             void **iter)
{
    return node_of(fy_node_sequence_iterate(fy(seq), iter));
}

const struct mg_yaml_node *mg_yaml_item(const struct mg_yaml_node *seq,
                                        size_t i)
{
    if (mg_yaml_kind(seq) != MG_YAML_SEQUENCE || i > INT32_MAX)
        return NULL;
    return node_of(fy_node_sequence_get_by_index(fy(seq), (int)i));
}

const struct mg_yaml_node *mg_yaml_parent(const struct mg_yaml_node *node)
{
    return node ? node_of(fy_node_get_parent(fy(node))) : NULL;
}

bool mg_yaml_node_pos(const struct mg_yaml_node *at, int *line, int *column)
{
    struct fy_node *node = fy(at);
    while (node && fy_node_get_type(node) != FYNT_SCALAR) {
        void *iter = NULL;
        if (fy_node_get_type(node) == FYNT_MAPPING) {
            struct fy_node_pair *pair = fy_node_mapping_iterate(node, &iter);
            node = pair ? fy_node_pair_key(pair) : NULL;
        } else {
            node = fy_node_sequence_iterate(node, &iter);
        }
    }
    if (!node)
        return false;
    struct fy_token *tok = fy_node_get_scalar_token(node);
    const struct fy_mark *m = tok ? fy_token_start_mark(tok) : NULL;
    if (!m)
        return false;
    *line = m->line + 1;
    *column = m->column + 1;
    /* Quoted scalars' marks point past the quote; step back onto it. */
    enum fy_node_style style = fy_node_get_style(node);
    if ((style == FYNS_SINGLE_QUOTED || style == FYNS_DOUBLE_QUOTED ||
         style == FYNS_ALIAS) &&
        *column > 1)
        (*column)--;
    return true;
}

/* ---- errors ---- */

static int vfail(struct mg_yaml_walk *w, const struct mg_yaml_node *at,
                 const struct mg_yaml_node *fallback, const char *fmt,
                 va_list ap) __attribute__((format(printf, 4, 0)));
static int vfail(struct mg_yaml_walk *w, const struct mg_yaml_node *at,
                 const struct mg_yaml_node *fallback, const char *fmt,
                 va_list ap)
{
    int line = 0, column = 0;
    if (!mg_yaml_node_pos(at, &line, &column) &&
        !mg_yaml_node_pos(fallback, &line, &column)) {
        const struct mg_yaml_node *up = mg_yaml_parent(at);
        while (up && !mg_yaml_node_pos(up, &line, &column))
            up = mg_yaml_parent(up);
    }
    char msg[MESSAGE_MAX];
    vsnprintf(msg, sizeof msg, fmt, ap);
    struct mg_error e;
    mg_error_set(&e, w->file, line, column, "%s", msg);
    w->nerrors++;
    if (w->on_error)
        w->on_error(w, &e);
    else if (w->err)
        *w->err = e;
    return MG_EINVAL;
}

int mg_yaml_fail(struct mg_yaml_walk *w, const struct mg_yaml_node *at,
                 const struct mg_yaml_node *fallback, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vfail(w, at, fallback, fmt, ap);
    va_end(ap);
    return rc;
}
