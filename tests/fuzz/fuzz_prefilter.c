/* fuzz_prefilter.c: the prefilter against PCRE2 itself. The input is a
 * pattern and a text separated by the first newline; the pattern is
 * compiled as the rules loader compiles it (UTF, UCP, caseless). When PCRE2
 * matches the text, the text must hold one of the strings the prefilter
 * says the pattern needs; otherwise a pattern would be skipped where it
 * matches, and a verdict would change. Reading any pattern must not crash. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "modgate/alloc.h"
#include "modgate/text.h"
#include "src/rules/prefilter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    if (!nl || memchr(data, '\0', size))
        return 0;
    size_t plen = (size_t)(nl - data), tlen = size - plen - 1;
    char *pattern = mg_strndup((const char *)data, plen);
    const char *text = (const char *)nl + 1;
    char **lits;
    size_t n;
    bool has_needs = mg__prefilter_needs(pattern, &lits, &n);
    int code;
    PCRE2_SIZE off;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, plen,
                                   PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS, &code, &off, NULL);
    if (has_needs && re && mg_text_check_utf8("fuzz", text, tlen, NULL) == MG_OK) {
        pcre2_match_context *mc = pcre2_match_context_create(NULL);
        pcre2_set_match_limit(mc, 100000);
        pcre2_set_depth_limit(mc, 5000);
        pcre2_match_data *md = pcre2_match_data_create(1, NULL);
        int rc = pcre2_match(re, (PCRE2_SPTR)text, tlen, 0, 0, md, mc);
        if (rc >= 0) {
            struct mg__prefilter *pf = mg__prefilter_new();
            uint32_t *ids = mg_malloc(n * sizeof *ids);
            for (size_t i = 0; i < n; i++) {
                if (strlen(lits[i]) < 2)
                    abort(); /* promised: at least 2 bytes */
                ids[i] = mg__prefilter_add(pf, lits[i], strlen(lits[i]));
            }
            uint8_t *seen = mg_calloc(mg__prefilter_count(pf) / 8 + 1, 1);
            mg__prefilter_scan(pf, text, tlen, seen);
            bool any = false;
            for (size_t i = 0; i < n; i++)
                any |= mg__prefilter_seen(seen, ids[i]);
            if (!any)
                abort(); /* PCRE2 matched a text the prefilter would skip */
            mg_free(seen);
            mg_free(ids);
            mg__prefilter_free(pf);
        }
        pcre2_match_data_free(md);
        pcre2_match_context_free(mc);
    }
    if (has_needs)
        mg__prefilter_lits_free(lits, n);
    pcre2_code_free(re);
    mg_free(pattern);
    return 0;
}
