/* test_labels.c: the label a moderator's decision gives a comment
 * (src/cli/labels.c, `modctl decisions export`): approvals are ham; a
 * rejection or removal is labeled by its reason's words first, whole words
 * in any ASCII case, then by the family of the highest-scoring rule that
 * fired (a model rule by its head), then abuse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>

#include "labels.h"

/* matches from JSON text, as GET /v1/comments/{id} gives them */
static const char *label(const char *action, const char *reason, const char *matches)
{
    json_t *m = matches ? json_loads(matches, 0, NULL) : NULL;
    if (matches)
        assert_non_null(m);
    const char *l = modctl_decision_label(action, reason, m);
    json_decref(m);
    return l;
}

static void test_approvals_are_ham(void **state)
{
    (void)state;
    assert_string_equal(label("approve", "spam? no, fine", NULL), "ham");
    assert_string_equal(label("dismiss_reports", NULL,
                              "[{\"rule\":\"abuse.slur\",\"score\":9}]"),
                        "ham");
    assert_null(label("ban", "spam", NULL));
    assert_null(label("erase", NULL, NULL));
    assert_null(label(NULL, NULL, NULL));
}

static void test_the_reason_comes_first(void **state)
{
    (void)state;
    const char *spammy = "[{\"rule\":\"spam.phrase\",\"score\":5}]";
    const char *abusive = "[{\"rule\":\"abuse.insult\",\"score\":5}]";
    assert_string_equal(label("reject", "Racist", spammy), "abuse");
    assert_string_equal(label("remove", "harassment of another reader", spammy), "abuse");
    assert_string_equal(label("reject", "crypto SCAM, again", abusive), "spam");
    assert_string_equal(label("reject", "promo link", abusive), "spam");
    assert_string_equal(label("reject", "bot.", abusive), "spam");
    /* the first keyword in the text decides */
    assert_string_equal(label("reject", "spam, and a troll", NULL), "spam");
    assert_string_equal(label("reject", "troll posting spam", NULL), "abuse");
    /* whole words only: none of these is a keyword */
    assert_string_equal(label("reject", "adverse, hateable, spammed, linked", spammy), "spam");
    assert_string_equal(label("reject", "adverse, hateable, spammed, linked", abusive), "abuse");
    /* Korean nouns, as a reason is written */
    assert_string_equal(label("reject", "\xea\xb4\x91\xea\xb3\xa0", abusive), "spam");
    assert_string_equal(label("remove", "\xec\x9a\x95\xec\x84\xa4", spammy), "abuse");
    /* a reason without a keyword falls through to the rules */
    assert_string_equal(label("reject", "off topic", spammy), "spam");
    assert_string_equal(label("reject", "", spammy), "spam");
}

static void test_the_highest_scoring_rule_family(void **state)
{
    (void)state;
    assert_string_equal(
        label("reject", NULL,
              "[{\"rule\":\"abuse.mild_swearing\",\"score\":1},"
              "{\"rule\":\"scam.crypto\",\"score\":6},"
              "{\"rule\":\"threat.kill\",\"score\":4}]"),
        "spam");
    assert_string_equal(
        label("reject", NULL,
              "[{\"rule\":\"links.shortener\",\"score\":2},"
              "{\"rule\":\"threat.kill\",\"score\":8.5}]"),
        "abuse");
    assert_string_equal(label("reject", NULL, "[{\"rule\":\"lure.phish\",\"score\":3}]"),
                        "spam");
    assert_string_equal(label("reject", NULL, "[{\"rule\":\"evasion.zalgo\",\"score\":4}]"),
                        "abuse");
    assert_string_equal(
        label("reject", NULL, "[{\"rule\":\"author.name_profanity\",\"score\":3}]"),
        "abuse");
    assert_string_equal(label("reject", NULL, "[{\"rule\":\"history.campaign\",\"score\":5}]"),
                        "spam");
    /* families that say nothing are passed over, whatever their score */
    assert_string_equal(
        label("reject", NULL,
              "[{\"rule\":\"article.premoderated\",\"score\":0},"
              "{\"rule\":\"context.trusted_author\",\"score\":-3},"
              "{\"rule\":\"history.new_commenter\",\"score\":9},"
              "{\"rule\":\"spam.phone\",\"score\":2}]"),
        "spam");
    /* of equal scores, the first (rules are in order) */
    assert_string_equal(
        label("reject", NULL,
              "[{\"rule\":\"abuse.insult\",\"score\":3},{\"rule\":\"spam.phrase\",\"score\":3}]"),
        "abuse");
}

static void test_model_rules_by_head(void **state)
{
    (void)state;
    assert_string_equal(
        label("reject", NULL,
              "[{\"rule\":\"model.flagged\",\"score\":4,\"model\":["
              "{\"head\":\"abuse\",\"score\":0.2,\"features\":[]},"
              "{\"head\":\"spam\",\"score\":0.97,\"features\":[]}]},"
              "{\"rule\":\"abuse.insult\",\"score\":2}]"),
        "spam");
    assert_string_equal(label("remove", NULL, "[{\"rule\":\"model.abuse\",\"score\":4}]"),
                        "abuse");
    assert_string_equal(label("remove", NULL, "[{\"rule\":\"model.spam-with-link\",\"score\":4}]"),
                        "spam");
}

static void test_otherwise_abuse(void **state)
{
    (void)state;
    assert_string_equal(label("reject", NULL, "[]"), "abuse");
    assert_string_equal(label("remove", "rude", NULL), "abuse");
    assert_string_equal(label("reject", NULL, "[{\"rule\":\"mysite.custom\",\"score\":9}]"),
                        "abuse");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_approvals_are_ham),
        cmocka_unit_test(test_the_reason_comes_first),
        cmocka_unit_test(test_the_highest_scoring_rule_family),
        cmocka_unit_test(test_model_rules_by_head),
        cmocka_unit_test(test_otherwise_abuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
