/* train.h: trains a model file (docs/rules.md, "The model file") from
 * labeled texts: one logistic regression per head, fitted by FTRL-Proximal
 * (McMahan et al., "Ad Click Prediction: a View from the Trenches", KDD
 * 2013), an online method whose L1 term leaves most buckets at zero, so the
 * file stays small, and whose per-bucket step sizes suit hashed features of
 * very different frequencies.
 *
 * Reproducible: the same rows in the same order with the same options give
 * the same weights, bit for bit, and so the same file, byte for byte. The
 * only randomness is the order rows are visited in each pass, drawn from
 * opts->seed with a fixed generator (splitmix64), never from the clock.
 *
 * Rows are texts already made into buckets (mg_rules_model_features, so a
 * trainer sees exactly what the judge will). Pure: no I/O but writing the
 * file to a buffer. */
#ifndef MODGATE_TRAIN_H
#define MODGATE_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "modgate/buf.h"
#include "modgate/error.h"
#include "modgate/model.h"

/* A row's label; each head learns "this head's label" against the rest. */
enum mg_train_label { MG_TRAIN_HAM, MG_TRAIN_SPAM, MG_TRAIN_ABUSE };

struct mg_train_opts {
    uint64_t seed;     /* the visiting order of each pass */
    unsigned passes;   /* over all rows, 1..100 */
    double alpha;      /* FTRL's learning rate */
    double beta;       /* FTRL's smoothing of the rate */
    double l1, l2;     /* regularization: l1 zeroes weights, l2 shrinks them */
};

/* The defaults (docs/rules.md "Training"): by cross-validation on
 * tests/data/dev/dev.csv, no other values tried ranked comments better. */
void mg_train_opts_default(struct mg_train_opts *o);

/* Labeled rows (opaque), for a model of buckets buckets and families. */
struct mg_train_set;

struct mg_train_set *mg_train_set_new(uint32_t buckets, unsigned families);
void mg_train_set_free(struct mg_train_set *s); /* NULL is fine */

/* Adds a row: its buckets (any order, repeats allowed: presence counts
 * once, as in the judge), its label and its weight (> 0: how much it
 * counts against a row of weight 1). */
void mg_train_add(struct mg_train_set *s, const uint32_t *buckets, size_t n,
                  enum mg_train_label label, double weight);

size_t mg_train_rows(const struct mg_train_set *s);
/* Rows with label; their summed weight in *weight when not NULL. */
size_t mg_train_count(const struct mg_train_set *s, enum mg_train_label label,
                      double *weight);

/* Trains both heads and appends the model file to out: the header lines,
 * the biases and one `w` line per bucket and head whose weight is not zero
 * at six significant digits, in bucket order. comment, when not NULL, is
 * written first as `#` lines (one per line of comment). MG_EINVAL when
 * the options are out of range or a head has no row of its label (a head
 * that never saw an example cannot be trained). */
int mg_train_write(const struct mg_train_set *s, const struct mg_train_opts *opts,
                   const char *comment, struct mg_buf *out) MG_MUST_CHECK;

#endif
