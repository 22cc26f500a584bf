/* fuzz_judge.c: normalization, detection and every condition type on
 * hostile comments: the input is judged as a body and as an author name by
 * a set that uses them all. Invalid UTF-8 must be refused, valid text must
 * get a verdict whose spans lie inside the body. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "modgate/alloc.h"
#include "modgate/rules.h"
#include "modgate/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char rules_yaml[] =
    "thresholds: {hold: 3, reject: 6}\n"
    "lists:\n"
    "  w: {entries: [free money, fuck*, '*shit', ass, 병신*, 씨발]}\n"
    "  d: {entries: [bit.ly, example.com], kind: domains}\n"
    "  a: {entries: [u-1], kind: authors}\n"
    "rules:\n"
    "  - {id: w, reason: w, when: {words: w}, score: 2}\n"
    "  - {id: rx, reason: r, when: {regex: '(a|b)*c{2,}'}, score: 1}\n"
    "  - {id: nrx, reason: n, when: {normalized_regex: '\\bfree\\b.*\\bmoney\\b'}, score: 1}\n"
    "  - {id: l, reason: l, when: {links_at_least: 1, link_outside: d}, score: 1}\n"
    "  - {id: ld, reason: l, when: {link_domain: d}, score: 1}\n"
    "  - {id: li, reason: l, when: {any: [{link_ip: true}, {link_idn: true}, {link_hidden: true}]}, score: 1}\n"
    "  - {id: c, reason: c, when: {contact: any}, score: 1}\n"
    "  - {id: s, reason: s, when: {any: [{caps_ratio_above: 0.5}, {char_run_at_least: 4},"
    " {emoji_ratio_above: 0.3}, {symbol_ratio_above: 0.3}, {combining_marks_at_least: 2},"
    " {mixed_script_words_at_least: 1}, {invisibles_at_least: 1}]}, score: 1}\n"
    "  - {id: n, reason: n, field: author_name, when: {words: w}, action: hold}\n"
    "  - {id: age, reason: a, when: {all: [{account_age_below: 1d}, {not: {author_in: a}}]}, score: 1}\n";

static struct mg_rules *rules;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!rules) {
        const char *names[] = {"r.yaml"};
        const char *texts[] = {rules_yaml};
        size_t lens[] = {sizeof rules_yaml - 1};
        if (mg_rules_load_files(1, names, texts, lens, &rules, NULL) != MG_OK)
            abort();
    }
    char *text = mg_malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    bool valid = memchr(text, '\0', size) == NULL &&
                 mg_text_check_utf8("fuzz", text, size, NULL) == MG_OK;
    struct mg_rules_input in = {.body = text, .body_len = size, .author_id = "u-2",
                                .author_name = valid ? text : NULL,
                                .has_author_created_at = true,
                                .author_created_at_ms = 0, .now_ms = 1000};
    struct mg_verdict v;
    char *normalized = NULL;
    int rc = mg_rules_judge(rules, &in, &v, &normalized);
    if (rc != MG_OK) {
        if (valid)
            __builtin_trap(); /* valid text always gets a verdict */
        mg_free(text);
        return 0;
    }
    size_t chars = 0;
    for (size_t i = 0; i < size; i++)
        chars += ((unsigned char)text[i] & 0xc0) != 0x80;
    size_t i;
    json_t *m;
    json_array_foreach(v.matches, i, m)
    {
        json_t *span = json_object_get(m, "span");
        if (json_is_array(span)) {
            json_int_t a = json_integer_value(json_array_get(span, 0));
            json_int_t b = json_integer_value(json_array_get(span, 1));
            if (a < 0 || b < a || (size_t)b > chars)
                __builtin_trap();
        }
    }
    mg_free(normalized);
    mg_verdict_close(&v);
    mg_free(text);
    return 0;
}
