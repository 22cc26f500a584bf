/* ipaddr.c: parsing, masking and key forms of IP addresses. */
#include "modgate/ipaddr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modgate/crypto.h"

static const uint8_t v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

int mg_ip_parse(const char *text, struct mg_ip *out)
{
    memset(out, 0, sizeof *out);
    if (inet_pton(AF_INET, text, out->bytes) == 1) {
        out->family = 4;
        return MG_OK;
    }
    if (inet_pton(AF_INET6, text, out->bytes) == 1) {
        if (memcmp(out->bytes, v4_mapped, sizeof v4_mapped) == 0) {
            memmove(out->bytes, out->bytes + 12, 4);
            memset(out->bytes + 4, 0, 12);
            out->family = 4;
        } else {
            out->family = 6;
        }
        return MG_OK;
    }
    return MG_EINVAL;
}

int mg_ip_bits(const struct mg_ip *ip)
{
    return ip->family == 4 ? 32 : 128;
}

void mg_ip_mask(struct mg_ip *ip, int prefix)
{
    int bits = mg_ip_bits(ip);
    for (int i = 0; i < bits / 8; i++) {
        int keep = prefix - i * 8;
        if (keep >= 8)
            continue;
        ip->bytes[i] &= keep <= 0 ? 0 : (uint8_t)(0xff << (8 - keep));
    }
}

int mg_subnet_parse(const char *text, struct mg_ip *out, int *prefix)
{
    const char *slash = strchr(text, '/');
    if (!slash || slash == text || strlen(slash + 1) == 0 ||
        strlen(slash + 1) > 3)
        return MG_EINVAL;
    char addr[MG_IP_TEXT_LEN];
    size_t alen = (size_t)(slash - text);
    if (alen >= sizeof addr)
        return MG_EINVAL;
    memcpy(addr, text, alen);
    addr[alen] = '\0';
    char *end = NULL;
    const char *digits = slash + 1;
    /* digits only, and no leading zero: "/024" is a typo, not a /24 */
    if (digits[0] < '0' || digits[0] > '9' || (digits[0] == '0' && digits[1]))
        return MG_EINVAL;
    long len = strtol(digits, &end, 10);
    if (*end != '\0')
        return MG_EINVAL;
    /* A mapped IPv6 subnet keeps its meaning only for prefixes that cover
     * the mapping: refuse the rest rather than guess. */
    bool mapped_text = strchr(addr, ':') != NULL;
    if (mg_ip_parse(addr, out) != MG_OK)
        return MG_EINVAL;
    if (out->family == 4 && mapped_text) {
        if (len < 96)
            return MG_EINVAL;
        len -= 96;
    }
    if (len < 0 || len > mg_ip_bits(out))
        return MG_EINVAL;
    *prefix = (int)len;
    mg_ip_mask(out, *prefix);
    return MG_OK;
}

void mg_ip_format(const struct mg_ip *ip, char out[MG_IP_TEXT_LEN])
{
    if (!inet_ntop(ip->family == 4 ? AF_INET : AF_INET6, ip->bytes, out,
                   MG_IP_TEXT_LEN))
        snprintf(out, MG_IP_TEXT_LEN, "?");
}

void mg_ip_hex(const struct mg_ip *ip, char out[MG_IP_HEX_LEN])
{
    mg_crypto_hex(ip->bytes, ip->family == 4 ? 4 : 16, out);
}
