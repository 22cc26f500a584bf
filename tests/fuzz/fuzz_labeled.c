/* fuzz_labeled.c: labeled CSV (labeled.h) on hostile files: every row it
 * hands over has its four fields NUL-terminated, a known label and UTF-8
 * text; a failure says where (a file, a row). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "modgate/labeled.h"
#include "modgate/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check_row(const struct mg_labeled_row *row, void *ctx)
{
    (void)ctx;
    if (row->number < 2 || strlen(row->id) > 1u << 20 || row->text[row->len] != '\0')
        __builtin_trap();
    if (strcmp(row->label, "ham") != 0 && strcmp(row->label, "spam") != 0 &&
        strcmp(row->label, "abuse") != 0)
        __builtin_trap();
    if (mg_text_check_utf8("text", row->text, row->len, NULL) != MG_OK)
        __builtin_trap();
    (void)strlen(row->source);
    return MG_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mg_error err;
    memset(&err, 0, sizeof err);
    if (mg_labeled_read("f.csv", (const char *)data, size, check_row, NULL, &err) != MG_OK &&
        (err.line < 1 || strcmp(err.file, "f.csv") != 0))
        __builtin_trap(); /* a failure says where */
    return 0;
}
