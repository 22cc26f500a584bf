/* fuzz_tokens.c: bytes as a tokens file; tokens found must look up. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "modgate/tokens.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mg_tokens *tokens = NULL;
    struct mg_error err;
    if (mg_tokens_parse("fuzz", (const char *)data, size, &tokens, &err) !=
        MG_OK) {
        if (tokens != NULL || err.line < 1 || err.column < 1)
            __builtin_trap();
        return 0;
    }
    /* The whole input is never a token (tokens hold no spaces and a line
     * holds three fields), and an empty token never matches. */
    if (size > 0 &&
        mg_tokens_lookup(tokens, (const char *)data, size) != NULL &&
        memchr(data, ' ', size) != NULL)
        __builtin_trap();
    if (mg_tokens_lookup(tokens, "", 0) != NULL)
        __builtin_trap();
    /* Look up the third field of the first line that has one. */
    const char *p = (const char *)data;
    const char *end = p + size;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = nl ? nl : end;
        const char *f[3];
        size_t flen[3];
        int n = 0;
        const char *q = p;
        while (q < line_end && n < 3) {
            while (q < line_end && (*q == ' ' || *q == '\t' || *q == '\r'))
                q++;
            if (q == line_end || *q == '#')
                break;
            f[n] = q;
            while (q < line_end && *q != ' ' && *q != '\t' && *q != '\r')
                q++;
            flen[n] = (size_t)(q - f[n]);
            n++;
        }
        if (n == 3) {
            const struct mg_principal *who =
                mg_tokens_lookup(tokens, f[2], flen[2]);
            if (!who || strlen(who->name) != flen[1] ||
                memcmp(who->name, f[1], flen[1]) != 0)
                __builtin_trap();
            if (mg_tokens_lookup(tokens, f[2], flen[2] - 1) == who)
                __builtin_trap();
            break;
        }
        p = line_end + 1;
    }
    (void)mg_tokens_count(tokens);
    mg_tokens_free(tokens);
    return 0;
}
