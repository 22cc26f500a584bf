/* fuzz_config.c: bytes as a YAML config file, and as a listen address and a
 * Redis URL, since those parsers also take text from the command line. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "modgate/alloc.h"
#include "modgate/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mg_config cfg;
    struct mg_error err;
    mg_config_init(&cfg);
    if (mg_config_load_string(&cfg, "fuzz.yaml", (const char *)data, size, &err) != MG_OK)
        err.message[0] = '\0';
    mg_config_close(&cfg);

    /* The string parsers want NUL-terminated text. */
    char *text = mg_strndup((const char *)data, size);
    char host[256];
    int port;
    if (mg_listen_parse(text, host, sizeof host, &port, &err) == MG_OK && port < 1)
        __builtin_trap();
    struct mg_redis_url url;
    if (mg_redis_url_parse(text, &url, &err) == MG_OK && (url.port < 1 || url.db < 0))
        __builtin_trap();
    mg_redis_url_close(&url);
    mg_free(text);
    return 0;
}
