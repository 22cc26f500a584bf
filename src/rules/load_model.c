/* load_model.c: a rules file's `model:` (pass 1, load.h): the model file it
 * names, read like a list file (so its bytes are part of the set's
 * version), parsed by model.c, and the cap on what the rules that test it
 * add to a score. A model file's problem is reported where it is in that
 * file, and fails the load like any other. */
#include <string.h>

#include "modgate/alloc.h"
#include "modgate/model.h"
#include "modgate/yaml.h"
#include "src/rules/load.h"

struct model_read {
    const struct mg_yaml_node *file;
    double weight;
};

static int on_unknown_model_key(struct mg_yaml_walk *w,
                                const struct mg_yaml_node *key,
                                const char *name, void *base)
{
    (void)name, (void)base;
    return mg_yaml_fail(w, key, NULL, "`model` has file and weight only");
}

static const struct mg_yaml_key model_keys[] = {
    {.name = "file", .type = MG_YAML_T_SCALAR, MG_YAML_AT(struct model_read, file)},
    {.name = "weight", .type = MG_YAML_T_NUMBER, MG_YAML_AT(struct model_read, weight),
     .min = 0, .max = 1000, .error = "`weight` is a number from 0 to 1000"},
};

static const struct mg_yaml_table model_table = {
    model_keys, sizeof model_keys / sizeof model_keys[0], 0, on_unknown_model_key};

enum { ROW_FILE = 0, ROW_WEIGHT = 1 };

int mg__load_model(struct mg_yaml_walk *w, const struct mg_yaml_key *row,
                   const char *label, const struct mg_yaml_node *key,
                   const struct mg_yaml_node *value, void *base)
{
    struct loader *ld = base;
    (void)row, (void)label;
    if (ld->model_seen)
        return mg_yaml_fail(w, key, NULL,
                            "`model` is set twice (one model for the rule set)");
    ld->model_seen = true;
    if (mg_yaml_kind(value) == MG_YAML_SCALAR) {
        char *word = mg_yaml_scalar_dup(value);
        bool off = word && strcmp(word, "off") == 0;
        mg_free(word);
        if (off) {
            /* Switched off in one line: the rules that test it stay valid
             * and never hold, so nothing else needs editing. */
            ld->set->model_off = true;
            return MG_OK;
        }
    }
    if (mg_yaml_kind(value) != MG_YAML_MAPPING)
        return mg_yaml_fail(w, value, key,
                            "`model` wants a mapping such as "
                            "{file: model/model.txt, weight: 4}, or off");
    struct model_read mr = {0};
    uint64_t seen = 0;
    if (mg_yaml_walk_table(w, &model_table, value, &mr, NULL, &seen) != MG_OK)
        return MG_EINVAL;
    if (!(seen & (UINT64_C(1) << ROW_FILE)) || !(seen & (UINT64_C(1) << ROW_WEIGHT)))
        return mg_yaml_fail(w, key, NULL, "`model` needs `file` and `weight`");
    char *path = mg_yaml_scalar_dup(mr.file);
    const struct source *src = mg__load_find_source(ld, "model file", path, mr.file);
    int rc = MG_EINVAL;
    if (src) {
        struct mg_error err;
        struct mg_model *m;
        if (mg_model_parse(src->name, src->text, src->len, &m, &err) != MG_OK) {
            mg__load_fail_line(ld, err.file, err.line, err.column, "%s", err.message);
        } else {
            ld->set->model = m;
            ld->set->model_weight = mr.weight;
            ld->set->model_file = path;
            path = NULL;
            rc = MG_OK;
        }
    }
    mg_free(path);
    return rc;
}
