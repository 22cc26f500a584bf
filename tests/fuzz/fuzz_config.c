/* fuzz_config.c: bytes as a YAML config, a listen address, a Redis URL
 * (redis:// or redis+sentinel://). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "modgate/alloc.h"
#include "modgate/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__lsan_default_suppressions(void);
const char *__asan_default_options(void);

/* libfyaml 0.7.12 (Debian 12) leaks its atom iterator's grown chunk array
 * when it unescapes some quoted scalars, e.g. 'a''b''c''d''e''f'
 * (upstream pantoniou/libfyaml#233, fixed after 0.7.12). The frame named is
 * libfyaml's own text formatter, so leaks of documents or parsers that
 * config.c forgets to free are still reported. */
const char *__lsan_default_suppressions(void)
{
    return "leak:fy_atom_format_text\n";
}

/* libfyaml is built without frame pointers: only the slow unwinder sees the
 * frames the suppression above names. */
const char *__asan_default_options(void)
{
    return "fast_unwind_on_malloc=0";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mg_config cfg;
    struct mg_error err;
    mg_config_init(&cfg);
    if (mg_config_load_string(&cfg, "fuzz.yaml", (const char *)data, size,
                              &err) != MG_OK)
        err.message[0] = '\0';
    mg_config_close(&cfg);

    /* The string parsers want NUL-terminated text. */
    char *text = mg_strndup((const char *)data, size);
    char host[256];
    int port;
    if (mg_listen_parse(text, host, sizeof host, &port, &err) == MG_OK &&
        port < 1)
        __builtin_trap();
    struct mg_redis_url url;
    if (mg_redis_url_parse(text, &url, &err) == MG_OK) {
        if (url.db < 0 || (!url.master_name && url.port < 1))
            __builtin_trap();
        /* a sentinel URL: 1..16 sentinels, each with a host and a port */
        if (url.master_name &&
            (url.nsentinels < 1 || url.nsentinels > MG_REDIS_SENTINELS_MAX))
            __builtin_trap();
        for (size_t i = 0; i < url.nsentinels; i++)
            if (!url.sentinels[i].host[0] || url.sentinels[i].port < 1 ||
                url.sentinels[i].port > 65535)
                __builtin_trap();
        char described[64];
        mg_redis_url_describe(&url, described, sizeof described);
    }
    mg_redis_url_close(&url);
    mg_free(text);
    return 0;
}
