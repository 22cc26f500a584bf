/* fuzz_model.c: the model file parser on hostile files. A model that
 * parses must score and explain a fixed comment (finite scores from 0 to
 * 1); one that does not must say where (a file, a line). */
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "modgate/model.h"
#include "modgate/normalize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mg_model *m = NULL;
    struct mg_error err;
    if (mg_model_parse("m.txt", (const char *)data, size, &m, &err) != MG_OK) {
        if (m || err.line < 1 || err.file[0] == '\0')
            __builtin_trap(); /* a failure says where */
        return 0;
    }
    static const char body[] = "You IDIOT, buy ch3ap pills at casino 바보야 now now";
    struct mg_norm n;
    if (mg_normalize(body, sizeof body - 1, &n) != MG_OK)
        __builtin_trap();
    double p[MG_MODEL_HEADS];
    mg_model_score(m, &n, p);
    for (int h = 0; h < MG_MODEL_HEADS; h++) {
        if (!(p[h] >= 0 && p[h] <= 1))
            __builtin_trap();
        struct mg_model_reason why[3];
        size_t k = mg_model_explain(m, &n, (enum mg_model_head)h, why, 3);
        for (size_t i = 1; i < k; i++)
            if (why[i].weight > why[i - 1].weight)
                __builtin_trap(); /* highest first */
    }
    mg_norm_close(&n);
    mg_model_free(m);
    return 0;
}
