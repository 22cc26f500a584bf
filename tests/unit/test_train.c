/* test_train.c: labeled CSV (labeled.h) and the trainer (train.h). The
 * expected rows, errors and weight signs are written by hand from the
 * inputs, not copied from the program's output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "modgate/alloc.h"
#include "modgate/labeled.h"
#include "modgate/model.h"
#include "modgate/train.h"

struct seen {
    size_t n;
    char id[8][16], label[8][8], text[8][64];
    size_t number[8];
};

static int keep(const struct mg_labeled_row *row, void *ctx)
{
    struct seen *s = ctx;
    if (s->n < 8) {
        snprintf(s->id[s->n], sizeof s->id[0], "%s", row->id);
        snprintf(s->label[s->n], sizeof s->label[0], "%s", row->label);
        snprintf(s->text[s->n], sizeof s->text[0], "%.*s", (int)row->len, row->text);
        s->number[s->n] = row->number;
    }
    s->n++;
    return MG_OK;
}

static int read_csv(const char *csv, struct seen *s, struct mg_error *err)
{
    memset(s, 0, sizeof *s);
    memset(err, 0, sizeof *err);
    return mg_labeled_read("t.csv", csv, strlen(csv), keep, s, err);
}

static void test_rows_as_written(void **state)
{
    (void)state;
    struct seen s;
    struct mg_error err;
    /* columns in another order and one more; quoted commas, quotes and a
     * line break; spaces kept; an empty line skipped; CRLF */
    const char *csv = "label,text,extra,source,id\r\n"
                      "ham,\"Hello, \"\"world\"\"\",x,site,a1\r\n"
                      "\r\n"
                      "abuse,\"two\nlines\",,site,a2\r\n"
                      "spam,  padded  ,,site,a3";
    assert_int_equal(read_csv(csv, &s, &err), MG_OK);
    assert_int_equal(s.n, 3);
    assert_string_equal(s.id[0], "a1");
    assert_string_equal(s.label[0], "ham");
    assert_string_equal(s.text[0], "Hello, \"world\"");
    assert_string_equal(s.text[1], "two\nlines");
    assert_string_equal(s.label[1], "abuse");
    assert_string_equal(s.text[2], "  padded  ");
    assert_int_equal(s.number[0], 2);
    assert_int_equal(s.number[2], 4); /* records: the empty line is not one */

    /* Korean text as it is */
    assert_int_equal(read_csv("id,source,label,text\n1,s,abuse,바보야\n", &s, &err), MG_OK);
    assert_string_equal(s.text[0], "바보야");
}

static void expect_error(const char *csv, int row, const char *words)
{
    struct seen s;
    struct mg_error err;
    assert_int_equal(read_csv(csv, &s, &err), MG_EINVAL);
    assert_string_equal(err.file, "t.csv");
    assert_int_equal(err.line, row);
    if (!strstr(err.message, words))
        fail_msg("'%s' does not say '%s'", err.message, words);
}

static void test_errors_name_the_row(void **state)
{
    (void)state;
    expect_error("", 1, "empty");
    expect_error("id,source,text\n1,s,hi\n", 1, "no column 'label'");
    expect_error("id,source,label,text\n1,s,ham,ok\n2,s,toxic,bad\n", 3,
                 "'toxic' is not ham, spam or abuse");
    expect_error("id,source,label,text\n1,s,ham\n", 2, "fewer columns");
    expect_error("id,source,label,text\n1,s,ham,\"never closed\n", 2, "quote");
    expect_error("id,source,label,text\n1,s,ham,\"a\"b\n", 2, "quote");
    expect_error("id,source,label,text\n1,s,ham,\xff\xfe\n", 2, "UTF-8");
}

/* Rows over 1024 buckets: bucket 1 in every spam row, 2 in every abuse
 * row, 3 in every ham row, 10 + i%7 in all as noise. */
static struct mg_train_set *toy_set(void)
{
    struct mg_train_set *s = mg_train_set_new(1024, MG_MODEL_WORD1);
    for (uint32_t i = 0; i < 300; i++) {
        enum mg_train_label label = (enum mg_train_label)(i % 3);
        uint32_t marker = label == MG_TRAIN_SPAM ? 1 : label == MG_TRAIN_ABUSE ? 2 : 3;
        uint32_t b[] = {marker, 10 + i % 7, marker}; /* a repeat counts once */
        mg_train_add(s, b, 3, label, 1.0);
    }
    return s;
}

static char *train(const struct mg_train_set *s, uint64_t seed, size_t *len)
{
    struct mg_train_opts o;
    mg_train_opts_default(&o);
    o.seed = seed;
    struct mg_buf out;
    mg_buf_init(&out, SIZE_MAX);
    assert_int_equal(mg_train_write(s, &o, "a test\nof two lines", &out), MG_OK);
    return mg_buf_take(&out, len);
}

/* The weight line "w BUCKET HEAD" of text, as a number; 0 when absent. */
static double weight_of(const char *text, unsigned bucket, const char *head)
{
    char key[40];
    snprintf(key, sizeof key, "\nw %u %s ", bucket, head);
    const char *at = strstr(text, key);
    return at ? strtod(at + strlen(key), NULL) : 0;
}

static void test_training_learns_and_repeats(void **state)
{
    (void)state;
    struct mg_train_set *s = toy_set();
    assert_int_equal(mg_train_rows(s), 300);
    double w;
    assert_int_equal(mg_train_count(s, MG_TRAIN_SPAM, &w), 100);
    assert_true(w == 100.0);
    size_t len, len2, len3;
    char *text = train(s, 7, &len);
    /* the file is one modgate reads, with the comment first */
    assert_true(strncmp(text, "# a test\n# of two lines\nmodgate-model 1\nbuckets 1024\n"
                              "features word1\nheads spam abuse\nbias spam ",
                        strlen("# a test\n# of two lines\nmodgate-model 1\nbuckets 1024\n"
                               "features word1\nheads spam abuse\nbias spam ")) == 0);
    struct mg_model *m;
    struct mg_error err;
    assert_int_equal(mg_model_parse("m.txt", text, len, &m, &err), MG_OK);
    mg_model_free(m);
    /* each head leans on its own marker, against the others' */
    assert_true(weight_of(text, 1, "spam") > 0.5);
    assert_true(weight_of(text, 2, "abuse") > 0.5);
    assert_true(weight_of(text, 1, "abuse") < 0);
    assert_true(weight_of(text, 3, "spam") < 0);
    assert_true(weight_of(text, 3, "abuse") < 0);
    /* a bucket never seen gets no line */
    assert_null(strstr(text, "\nw 500 "));
    /* the same rows and seed: the same bytes; another seed: others */
    char *again = train(s, 7, &len2);
    assert_int_equal(len, len2);
    assert_memory_equal(text, again, len);
    char *other = train(s, 8, &len3);
    assert_false(len3 == len && memcmp(text, other, len) == 0);
    mg_free(text), mg_free(again), mg_free(other);
    mg_train_set_free(s);
}

static void test_training_refuses(void **state)
{
    (void)state;
    struct mg_train_set *s = mg_train_set_new(1024, MG_MODEL_WORD1);
    uint32_t b = 5;
    mg_train_add(s, &b, 1, MG_TRAIN_HAM, 1);
    mg_train_add(s, &b, 1, MG_TRAIN_SPAM, 1);
    struct mg_train_opts o;
    mg_train_opts_default(&o);
    struct mg_buf out;
    mg_buf_init(&out, SIZE_MAX);
    /* no abuse row: the abuse head cannot be trained */
    assert_int_equal(mg_train_write(s, &o, NULL, &out), MG_EINVAL);
    mg_train_add(s, &b, 1, MG_TRAIN_ABUSE, 1);
    o.passes = 0;
    assert_int_equal(mg_train_write(s, &o, NULL, &out), MG_EINVAL);
    mg_train_opts_default(&o);
    o.alpha = 0;
    assert_int_equal(mg_train_write(s, &o, NULL, &out), MG_EINVAL);
    assert_int_equal(out.len, 0);
    mg_buf_close(&out);
    mg_train_set_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows_as_written),
        cmocka_unit_test(test_errors_name_the_row),
        cmocka_unit_test(test_training_learns_and_repeats),
        cmocka_unit_test(test_training_refuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
