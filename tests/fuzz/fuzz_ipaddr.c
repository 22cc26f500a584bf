/* fuzz_ipaddr.c: addresses and subnets as clients (client_ip) and
 * moderators (bans) write them: parse, mask, format, and parse the result
 * again, which must give the same address. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "modgate/ipaddr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char text[128];
    if (size >= sizeof text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';

    struct mg_ip ip, again;
    char out[MG_IP_TEXT_LEN], hex[MG_IP_HEX_LEN];
    if (mg_ip_parse(text, &ip) == MG_OK) {
        mg_ip_format(&ip, out);
        mg_ip_hex(&ip, hex);
        if (mg_ip_parse(out, &again) != MG_OK || memcmp(&ip, &again, sizeof ip) != 0)
            __builtin_trap(); /* the canonical form names the same address */
        if (strlen(hex) != (ip.family == 4 ? 8u : 32u))
            __builtin_trap();
        for (int prefix = 0; prefix <= mg_ip_bits(&ip); prefix += 7)
            mg_ip_mask(&ip, prefix);
    }
    int prefix;
    if (mg_subnet_parse(text, &ip, &prefix) == MG_OK) {
        if (prefix < 0 || prefix > mg_ip_bits(&ip))
            __builtin_trap();
        struct mg_ip masked = ip;
        mg_ip_mask(&masked, prefix);
        if (memcmp(&masked, &ip, sizeof ip) != 0)
            __builtin_trap(); /* a parsed subnet is already masked */
        mg_ip_format(&ip, out);
    }
    return 0;
}
