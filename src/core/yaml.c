/* yaml.c: one YAML document from checked text, with located errors. */
#include "modgate/yaml.h"

#include <libfyaml.h>
#include <string.h>

#include "modgate/alloc.h"
#include "modgate/text.h"

struct mg_yaml_doc {
    struct fy_diag *diag;
    struct fy_parser *parser;
    struct fy_document *doc; /* NULL for an empty stream */
};

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

int mg_yaml_parse(const char *name, const char *text, size_t len,
                  struct mg_yaml_doc **out, struct mg_error *err)
{
    *out = NULL;
    int rc = mg_text_check_utf8(name, text, len, err);
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
        mg_yaml_node_pos(fy_document_root(extra), &line, &column);
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
    *out = y;
    return MG_OK;
}

struct fy_node *mg_yaml_root(const struct mg_yaml_doc *y)
{
    return y->doc ? fy_document_root(y->doc) : NULL;
}

void mg_yaml_node_pos(struct fy_node *node, int *line, int *column)
{
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
        return;
    struct fy_token *tok = fy_node_get_scalar_token(node);
    const struct fy_mark *m = tok ? fy_token_start_mark(tok) : NULL;
    if (!m)
        return;
    *line = m->line + 1;
    *column = m->column + 1;
    /* Quoted scalars' marks point past the quote; step back onto it. */
    enum fy_node_style style = fy_node_get_style(node);
    if ((style == FYNS_SINGLE_QUOTED || style == FYNS_DOUBLE_QUOTED ||
         style == FYNS_ALIAS) &&
        *column > 1)
        (*column)--;
}

int mg_yaml_is_null(struct fy_node *v)
{
    if (!v || fy_node_is_null(v))
        return 1;
    if (fy_node_get_type(v) != FYNT_SCALAR ||
        fy_node_get_style(v) != FYNS_PLAIN)
        return 0;
    size_t len = 0;
    const char *t = fy_node_get_scalar(v, &len);
    return (len == 1 && t[0] == '~') ||
           (len == 4 &&
            (memcmp(t, "null", 4) == 0 || memcmp(t, "Null", 4) == 0 ||
             memcmp(t, "NULL", 4) == 0));
}
