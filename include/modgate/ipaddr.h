/* ipaddr.h: IP addresses and subnets as the limiter and the bans use them:
 * parsed once, IPv4-mapped IPv6 treated as the IPv4 address it carries (so
 * one client cannot appear under two names), masked to a prefix, and written
 * as fixed-width hex for Redis keys. */
#ifndef MODGATE_IPADDR_H
#define MODGATE_IPADDR_H

#include <stdbool.h>
#include <stdint.h>

#include "modgate/error.h"

struct mg_ip {
    int family;        /* 4 or 6 */
    uint8_t bytes[16]; /* 4 used for IPv4 */
};

#define MG_IP_TEXT_LEN 64 /* canonical text, with room for "/128" */
#define MG_IP_HEX_LEN 33  /* 8 or 32 hex digits + NUL */

/* An address in text form. MG_EINVAL when it is not one. */
int mg_ip_parse(const char *text, struct mg_ip *out) MG_MUST_CHECK;

/* "ADDR/LEN" with LEN 0..32 (IPv4) or 0..128 (IPv6). The address is masked
 * to the prefix, so 203.0.113.7/24 is 203.0.113.0/24. */
int mg_subnet_parse(const char *text, struct mg_ip *out,
                    int *prefix) MG_MUST_CHECK;

/* Clears every bit after the first prefix bits. */
void mg_ip_mask(struct mg_ip *ip, int prefix);

/* Canonical text (inet_ntop). */
void mg_ip_format(const struct mg_ip *ip, char out[MG_IP_TEXT_LEN]);

/* Lowercase hex of the address bytes: 8 digits for IPv4, 32 for IPv6. */
void mg_ip_hex(const struct mg_ip *ip, char out[MG_IP_HEX_LEN]);

/* The number of bits of the family: 32 or 128. */
int mg_ip_bits(const struct mg_ip *ip);

#endif
