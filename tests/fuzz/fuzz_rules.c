/* fuzz_rules.c: the rules loader on hostile files. The input is a rules
 * file and a list file, split at the first "\n%%\n" (all of it is the rules
 * file when there is none). Loading must succeed or report errors with a
 * file name, and a set that loads must judge a fixed comment. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "modgate/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    const char *cut = NULL;
    for (size_t i = 0; i + 4 <= size; i++)
        if (memcmp(text + i, "\n%%\n", 4) == 0) {
            cut = text + i;
            break;
        }
    const char *names[] = {"rules.yaml", "list.txt"};
    const char *texts[] = {text, cut ? cut + 4 : ""};
    size_t lens[] = {cut ? (size_t)(cut - text) : size,
                     cut ? size - (size_t)(cut + 4 - text) : 0};
    struct mg_rules *rules = NULL;
    struct mg_rules_errors errs;
    if (mg_rules_load_files(2, names, texts, lens, &rules, &errs) != MG_OK) {
        if (rules || errs.count == 0 || errs.items[0].file[0] == '\0')
            __builtin_trap(); /* a failure says where */
        return 0;
    }
    static const char body[] = "Free m0ney at bit.ly/x, call +1 555 123 4567 \xf0\x9f\x98\x80";
    struct mg_rules_input in = {.body = body, .body_len = sizeof body - 1,
                                .author_id = "u-1", .author_name = "Reader",
                                .has_author_created_at = true,
                                .author_created_at_ms = 0, .now_ms = 1000};
    struct mg_verdict v;
    if (mg_rules_judge(rules, &in, &v, NULL) != MG_OK)
        __builtin_trap();
    mg_verdict_close(&v);
    mg_rules_unref(rules);
    return 0;
}
