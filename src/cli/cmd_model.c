/* cmd_model.c: `modctl model train`, offline: labeled comments (CSV, the
 * site's own decisions and the data the shipped model was trained on) in,
 * a new rule set out: a copy of the base set whose model file is trained
 * afresh (train.h), checked by loading it as modgate would. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "args.h"
#include "modgate/alloc.h"
#include "modgate/buf.h"
#include "modgate/files.h"
#include "modgate/labeled.h"
#include "modgate/rules.h"
#include "modgate/train.h"
#include "modctl.h"

#ifndef MODCTL_MODEL_DATA
#define MODCTL_MODEL_DATA "/usr/share/modgate/model-data/dev.csv"
#endif

#define MAX_CSV (512u << 20)
#define COMMENT_BOX 300 /* code points: what a submission may have */
#define MAX_COPY_DEPTH 8

struct train_options {
    const char *from, *base, *out, *shipped, *site_weight, *seed, *passes;
    const char *alpha, *l1, *l2;
};

static const struct modctl_option train_options[] = {
    {.name = "from", .kind = MODCTL_FILE, .value_name = "FILE", .required = true,
     .help = "labeled comments: CSV id,source,label,text",
     .offset = offsetof(struct train_options, from)},
    {.name = "base", .kind = MODCTL_FILE, .value_name = "DIR", .required = true,
     .help = "the rule set whose model to train",
     .offset = offsetof(struct train_options, base)},
    {.name = "out", .kind = MODCTL_FILE, .value_name = "DIR", .required = true,
     .help = "where the new rule set goes (new or empty)",
     .offset = offsetof(struct train_options, out)},
    {.name = "shipped-data", .kind = MODCTL_FILE, .value_name = "FILE",
     .help = "public data to learn from too, or none",
     .offset = offsetof(struct train_options, shipped)},
    {.name = "site-weight", .kind = MODCTL_TEXT, .value_name = "W",
     .help = "weight of a --from row against a shipped one (3)",
     .offset = offsetof(struct train_options, site_weight)},
    {.name = "seed", .kind = MODCTL_TEXT, .value_name = "N",
     .help = "seed of the training order (1)",
     .offset = offsetof(struct train_options, seed)},
    {.name = "passes", .kind = MODCTL_TEXT, .value_name = "N",
     .help = "passes over the data, 1 to 100 (8)",
     .offset = offsetof(struct train_options, passes)},
    {.name = "alpha", .kind = MODCTL_TEXT, .value_name = "X",
     .help = "FTRL's learning rate (0.1)",
     .offset = offsetof(struct train_options, alpha)},
    {.name = "l1", .kind = MODCTL_TEXT, .value_name = "X",
     .help = "L1 regularization: more zeroes more weights (3)",
     .offset = offsetof(struct train_options, l1)},
    {.name = "l2", .kind = MODCTL_TEXT, .value_name = "X",
     .help = "L2 regularization: more shrinks weights (1)",
     .offset = offsetof(struct train_options, l2)},
    {.name = NULL},
};

/* Rows per source and label, for balancing. */
struct source_count {
    char *source;
    size_t rows[3];
};

/* What reading the CSV files builds. */
struct reading {
    const struct mg_rules *base;
    struct mg_train_set *set;
    bool counting; /* the first pass: only count rows per source and label */
    struct source_count *sources;
    size_t nsources;
    double weight; /* of the rows of the file being read */
    uint32_t *buckets;
    size_t nbuckets, cap;
    size_t rows[3]; /* by label, of all files */
};

static void add_bucket(const struct mg_model_feature *f, void *ctx)
{
    struct reading *r = ctx;
    if (r->nbuckets == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 1024;
        r->buckets = mg_realloc(r->buckets, r->cap * sizeof *r->buckets);
    }
    r->buckets[r->nbuckets++] = f->bucket;
}

/* The first COMMENT_BOX code points of text: longer texts never reach the
 * judge (a submission gets 422), and the evaluation cuts the same way. */
static size_t comment_box(const char *text, size_t len)
{
    size_t points = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)text[i] & 0xc0) != 0x80 && points++ == COMMENT_BOX)
            return i;
    return len;
}

static struct source_count *source_of(struct reading *r, const char *source)
{
    for (size_t i = 0; i < r->nsources; i++)
        if (strcmp(r->sources[i].source, source) == 0)
            return &r->sources[i];
    r->sources = mg_realloc(r->sources, (r->nsources + 1) * sizeof *r->sources);
    r->sources[r->nsources] = (struct source_count){.source = mg_strdup(source)};
    return &r->sources[r->nsources++];
}

/* Each source's labels weigh the same in total, and each source as much as
 * its rows: so the model learns what tells abuse from ham within a source,
 * not which source a text comes from (one source is all abuse, another
 * mostly, a third mostly ham). */
static double balance(const struct source_count *s, enum mg_train_label label)
{
    size_t total = 0, labels = 0;
    for (int l = 0; l < 3; l++) {
        total += s->rows[l];
        labels += s->rows[l] > 0;
    }
    return (double)total / ((double)labels * (double)s->rows[label]);
}

static int on_row(const struct mg_labeled_row *row, void *ctx)
{
    struct reading *r = ctx;
    enum mg_train_label label = strcmp(row->label, "spam") == 0    ? MG_TRAIN_SPAM
                                : strcmp(row->label, "abuse") == 0 ? MG_TRAIN_ABUSE
                                                                   : MG_TRAIN_HAM;
    struct source_count *source = source_of(r, row->source);
    if (r->counting) {
        source->rows[label]++;
        return MG_OK;
    }
    r->nbuckets = 0;
    if (mg_rules_model_features(r->base, row->text, comment_box(row->text, row->len),
                                add_bucket, r) != MG_OK)
        return MG_OK; /* labeled.c checked the UTF-8: nothing else fails */
    mg_train_add(r->set, r->buckets, r->nbuckets, label,
                 r->weight * balance(source, label));
    r->rows[label]++;
    return MG_OK;
}

static int read_rows(struct reading *r, const char *path, double weight)
{
    char *data = NULL;
    size_t len = 0;
    struct mg_error err = {0};
    if (mg_file_read(path, MAX_CSV, &data, &len, &err) != MG_OK) {
        fprintf(stderr, "modctl model train: %s: %s\n", path, err.message);
        return EXIT_FAILED;
    }
    r->weight = weight;
    int rc = mg_labeled_read(path, data, len, on_row, r, &err);
    mg_free(data);
    if (rc != MG_OK) {
        char line[1200];
        fprintf(stderr, "modctl model train: %s\n", mg_error_format(&err, line, sizeof line));
        return EXIT_FAILED;
    }
    return EXIT_OK;
}

/* A whole number or decimal from text into *out, within [lo, hi]. */
static bool number_option(const char *name, const char *text, double lo, double hi,
                          double *out)
{
    if (!text)
        return true;
    char *end = NULL;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || *end || !(v >= lo && v <= hi)) {
        fprintf(stderr, "modctl model train: --%s wants a number from %g to %g, not '%s'\n",
                name, lo, hi, text);
        return false;
    }
    *out = v;
    return true;
}

static int copy_file(const char *from, const char *to)
{
    char *data = NULL;
    size_t len = 0;
    struct mg_error err = {0};
    if (mg_file_read(from, MAX_CSV, &data, &len, &err) != MG_OK) {
        fprintf(stderr, "modctl model train: %s: %s\n", from, err.message);
        return EXIT_FAILED;
    }
    FILE *f = fopen(to, "wbx");
    bool ok = f && fwrite(data, 1, len, f) == len;
    if (f && fclose(f) != 0)
        ok = false;
    if (!ok)
        fprintf(stderr, "modctl model train: cannot write %s: %s\n", to, strerror(errno));
    mg_free(data);
    return ok ? EXIT_OK : EXIT_FAILED;
}

/* Copies the rule set in from into to (which exists), all but skip (the
 * model file, a path relative to the set's top), directories and regular
 * files only, depth-first in name order. */
static int copy_tree(const char *from, const char *to, const char *rel, const char *skip,
                     int depth)
{
    struct dirent **names = NULL;
    int n = scandir(from, &names, NULL, alphasort);
    if (n < 0 || depth > MAX_COPY_DEPTH) {
        fprintf(stderr, "modctl model train: cannot read %s: %s\n", from,
                n < 0 ? strerror(errno) : "too deep");
        return EXIT_FAILED;
    }
    int rc = EXIT_OK;
    for (int i = 0; i < n; i++) {
        const char *name = names[i]->d_name;
        char *src = mg_asprintf("%s/%s", from, name), *dst = mg_asprintf("%s/%s", to, name);
        char *r = *rel ? mg_asprintf("%s/%s", rel, name) : mg_strdup(name);
        struct stat st;
        if (rc == EXIT_OK && name[0] != '.' && stat(src, &st) == 0 &&
            strcmp(r, skip) != 0) {
            if (S_ISDIR(st.st_mode))
                rc = mkdir(dst, 0755) == 0 ? copy_tree(src, dst, r, skip, depth + 1)
                                           : EXIT_FAILED;
            else if (S_ISREG(st.st_mode))
                rc = copy_file(src, dst);
        }
        mg_free(src), mg_free(dst), mg_free(r), free(names[i]);
    }
    free(names);
    return rc;
}

/* Whether out can take the new set: absent, or an empty directory. */
static bool out_usable(const char *out)
{
    DIR *d = opendir(out);
    if (!d && errno == ENOENT)
        return true;
    struct dirent *e;
    bool empty = d != NULL;
    while (d && (e = readdir(d)))
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            empty = false;
    if (d)
        closedir(d);
    if (!empty)
        fprintf(stderr, "modctl model train: --out %s must be a new or empty directory\n",
                out);
    return empty;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

static int load_base(const char *dir, struct mg_rules **rules)
{
    struct mg_rules_errors *errs = mg_calloc(1, sizeof *errs);
    int rc = mg_rules_load(dir, rules, errs);
    if (rc != MG_OK) {
        char line[1200];
        fprintf(stderr, "modctl model train: the rule set in %s does not load:\n", dir);
        for (size_t i = 0; i < errs->count; i++)
            fprintf(stderr, "  %s\n", mg_error_format(&errs->items[i], line, sizeof line));
    } else if (!mg_rules_model_file(*rules)) {
        fprintf(stderr, "modctl model train: the rule set in %s has no model (a top-level "
                        "`model: {file: ..., weight: ...}` names the file to train; "
                        "docs/rules.md)\n", dir);
        rc = MG_ENOENT;
    }
    mg_free(errs);
    return rc;
}

/* Trains from what r read: the model file's text into *text. */
static int model_text(const struct reading *r, const struct mg_train_opts *opts,
                      double site_weight, struct mg_buf *text)
{
    char comment[400];
    snprintf(comment, sizeof comment,
             "trained by modctl model train: %zu rows (ham %zu, spam %zu, abuse %zu),\n"
             "site weight %g, seed %llu, passes %u, FTRL alpha %g beta %g l1 %g l2 %g",
             mg_train_rows(r->set), r->rows[MG_TRAIN_HAM], r->rows[MG_TRAIN_SPAM],
             r->rows[MG_TRAIN_ABUSE], site_weight, (unsigned long long)opts->seed,
             opts->passes, opts->alpha, opts->beta, opts->l1, opts->l2);
    if (mg_train_write(r->set, opts, comment, text) != MG_OK) {
        fprintf(stderr, "modctl model train: no model: the rows need at least one spam "
                        "and one abuse label\n");
        return EXIT_FAILED;
    }
    return EXIT_OK;
}

static int write_file(const char *path, const struct mg_buf *text)
{
    FILE *f = fopen(path, "wbx");
    bool ok = f && fwrite(text->data, 1, text->len, f) == text->len;
    if (f && fclose(f) != 0)
        ok = false;
    if (!ok)
        fprintf(stderr, "modctl model train: cannot write %s: %s\n", path, strerror(errno));
    return ok ? EXIT_OK : EXIT_FAILED;
}

/* The new set, whole or not at all: built in a directory beside out, loaded
 * as modgate would, then renamed to out. */
static int write_set(const char *base_dir, const struct mg_rules *base, const char *out,
                     const struct mg_buf *text, struct mg_rules **fresh)
{
    char *tmp = mg_asprintf("%s.partial-%ld", out, (long)getpid());
    char *model = mg_asprintf("%s/%s", tmp, mg_rules_model_file(base));
    int rc = EXIT_OK;
    if (mkdir(tmp, 0755) != 0) {
        fprintf(stderr, "modctl model train: cannot make %s: %s\n", tmp, strerror(errno));
        rc = EXIT_FAILED;
    }
    if (rc == EXIT_OK)
        rc = copy_tree(base_dir, tmp, "", mg_rules_model_file(base), 0);
    if (rc == EXIT_OK)
        rc = write_file(model, text);
    if (rc == EXIT_OK && load_base(tmp, fresh) != MG_OK)
        rc = EXIT_FAILED;
    if (rc == EXIT_OK && (rmdir(out) != 0 && errno != ENOENT)) {
        fprintf(stderr, "modctl model train: %s: %s\n", out, strerror(errno));
        rc = EXIT_FAILED;
    }
    if (rc == EXIT_OK && rename(tmp, out) != 0) {
        fprintf(stderr, "modctl model train: cannot rename %s to %s: %s\n", tmp, out,
                strerror(errno));
        rc = EXIT_FAILED;
    }
    if (rc != EXIT_OK)
        nftw(tmp, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    mg_free(model);
    mg_free(tmp);
    return rc;
}

static int run_train(const struct modctl_globals *g, const struct modctl_args *a)
{
    (void)g;
    const struct train_options *o = a->options;
    struct mg_train_opts opts;
    mg_train_opts_default(&opts);
    double site_weight = 3, seed = (double)opts.seed, passes = opts.passes;
    if (!number_option("site-weight", o->site_weight, 0.001, 1000, &site_weight) ||
        !number_option("seed", o->seed, 0, 9007199254740991.0, &seed) ||
        !number_option("passes", o->passes, 1, 100, &passes) ||
        !number_option("alpha", o->alpha, 1e-6, 100, &opts.alpha) ||
        !number_option("l1", o->l1, 0, 1000, &opts.l1) ||
        !number_option("l2", o->l2, 0, 1000, &opts.l2) ||
        seed != (double)(uint64_t)seed || passes != (double)(unsigned)passes) {
        if (o->seed && seed != (double)(uint64_t)seed)
            fprintf(stderr, "modctl model train: --seed wants a whole number\n");
        return EXIT_USAGE;
    }
    opts.seed = (uint64_t)seed;
    opts.passes = (unsigned)passes;
    struct mg_rules *base = NULL;
    if (load_base(o->base, &base) != MG_OK)
        return EXIT_FAILED;
    const char *shipped = o->shipped ? o->shipped : MODCTL_MODEL_DATA;
    struct reading r = {.base = base};
    r.set = mg_train_set_new(mg_model_buckets(mg_rules_model(base)),
                             mg_model_families(mg_rules_model(base)));
    int rc = EXIT_OK;
    for (int pass = 0; pass < 2 && rc == EXIT_OK; pass++) {
        r.counting = pass == 0;
        if (strcmp(shipped, "none") != 0)
            rc = read_rows(&r, shipped, 1);
        if (rc == EXIT_OK)
            rc = read_rows(&r, o->from, site_weight);
    }
    if (rc == EXIT_OK && !out_usable(o->out))
        rc = EXIT_FAILED;
    struct mg_buf text;
    mg_buf_init(&text, SIZE_MAX);
    if (rc == EXIT_OK)
        rc = model_text(&r, &opts, site_weight, &text);
    struct mg_rules *fresh = NULL;
    if (rc == EXIT_OK)
        rc = write_set(o->base, base, o->out, &text, &fresh);
    mg_buf_close(&text);
    if (rc == EXIT_OK)
        printf("%s: %zu rows (ham %zu, spam %zu, abuse %zu); %zu rules, version %s\n",
               o->out, mg_train_rows(r.set), r.rows[MG_TRAIN_HAM], r.rows[MG_TRAIN_SPAM],
               r.rows[MG_TRAIN_ABUSE], mg_rules_count(fresh), mg_rules_version(fresh));
    mg_rules_unref(fresh);
    mg_rules_unref(base);
    mg_train_set_free(r.set);
    mg_free(r.buckets);
    for (size_t i = 0; i < r.nsources; i++)
        mg_free(r.sources[i].source);
    mg_free(r.sources);
    return rc;
}

const struct modctl_command modctl_model_train_command = {
    .name = "model train",
    .options = train_options,
    .options_size = sizeof(struct train_options),
    .summary = "train the rule set's model from labeled comments, offline",
    .description =
        "Reads the rule set --base, learns from the labeled comments in --from\n"
        "(weighted --site-weight) and in --shipped-data, and writes to --out a copy\n"
        "of the set with its model file trained afresh; then loads it as modgate\n"
        "would. Put it in force with `modctl rules lint` and `modctl rules reload`\n"
        "after measuring it (docs/rules.md, \"Retraining\"). The same data, seed and\n"
        "passes give the same file, byte for byte. Exit 0 when the new set loads.\n",
    .run = run_train,
};
