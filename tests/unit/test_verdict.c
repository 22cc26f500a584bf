/* test_verdict.c: the history rules merged into a verdict (verdict.c):
 * their names, and that one that fires adds its match and makes the
 * verdict stricter, never milder (docs/rules.md, "Rules that need
 * history"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "modgate/alloc.h"
#include "modgate/verdict.h"
#include "testutil.h"

static void test_names(void **state)
{
    (void)state;
    static const char *const words[] = {"duplicate", "campaign", "new_commenter"};
    for (size_t i = 0; i < ARRAY_LEN(words); i++) {
        enum mg_history_rule r;
        assert_true(mg_history_rule_parse(words[i], &r));
        assert_int_equal(r, (int)i);
        assert_string_equal(mg_history_rule_word(r), words[i]);
        char id[64];
        snprintf(id, sizeof id, "history.%s", words[i]);
        assert_string_equal(mg_history_rule_id(r), id);
    }
    enum mg_history_rule r;
    assert_false(mg_history_rule_parse("Duplicate", &r));
    assert_false(mg_history_rule_parse(NULL, &r));
}

static void test_stricter_never_milder(void **state)
{
    (void)state;
    static const struct {
        enum mg_action before;
        enum mg_history_rule rule;
        enum mg_action after;
    } cases[] = {
        {MG_ACTION_PUBLISH, MG_HISTORY_DUPLICATE, MG_ACTION_REJECT},
        {MG_ACTION_PUBLISH, MG_HISTORY_CAMPAIGN, MG_ACTION_HOLD},
        {MG_ACTION_PUBLISH, MG_HISTORY_NEW_COMMENTER, MG_ACTION_HOLD},
        {MG_ACTION_HOLD, MG_HISTORY_DUPLICATE, MG_ACTION_REJECT},
        {MG_ACTION_REJECT, MG_HISTORY_CAMPAIGN, MG_ACTION_REJECT},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        struct mg_verdict v = {.action = cases[i].before, .matches = json_array()};
        mg_verdict_add_history(&v, cases[i].rule);
        assert_int_equal(v.action, cases[i].after);
        assert_int_equal(json_array_size(v.matches), 1);
        const json_t *m = json_array_get(v.matches, 0);
        assert_string_equal(json_string_value(json_object_get(m, "rule")),
                            mg_history_rule_id(cases[i].rule));
        assert_true(json_real_value(json_object_get(m, "score")) == 0.0);
        assert_true(json_is_null(json_object_get(m, "span")));
        assert_string_equal(json_string_value(json_object_get(m, "action")),
                            cases[i].rule == MG_HISTORY_DUPLICATE ? "reject" : "hold");
        mg_verdict_close(&v);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_stricter_never_milder),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
