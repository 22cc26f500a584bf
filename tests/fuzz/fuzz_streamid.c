/* fuzz_streamid.c: bytes as an events feed cursor (GET /v1/events?after=):
 * what parses must format to text that parses to the same id, in order
 * with itself, and the canonical text must be no longer than the input. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "modgate/streamid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char text[128];
    if (size >= sizeof text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    struct mg_stream_id id, again;
    if (!mg_stream_id_parse(text, &id))
        return 0;
    char out[MG_STREAM_ID_LEN];
    mg_stream_id_format(id, out);
    if (!mg_stream_id_parse(out, &again) || mg_stream_id_cmp(id, again) != 0)
        __builtin_trap();
    if (strlen(out) > strlen(text))
        __builtin_trap(); /* canonical: leading zeros dropped, nothing added */
    for (const char *p = text; *p; p++)
        if (!((*p >= '0' && *p <= '9') || *p == '-'))
            __builtin_trap(); /* only digits and the dash parse */
    return 0;
}
