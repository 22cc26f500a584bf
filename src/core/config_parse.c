/* config_parse.c: the values config.c cannot check by type alone: listen
 * addresses and Redis URLs (config.h). Their messages name the value
 * ("listen address: ...", "redis URL: ..."); the caller adds the setting
 * and where it came from. A URL is never echoed: it may hold a password. */
#include "modgate/config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "modgate/alloc.h"
#include "modgate/crypto.h"
#include "modgate/text.h"
#include "modgate/yaml.h"

static int host_chars_ok(const char *h, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)h[i];
        if (!isalnum(c) && c != '.' && c != '-' && c != '_')
            return 0;
    }
    return 1;
}

/* "1".."65535", digits only. */
static int parse_port(const char *s, size_t len, int *port)
{
    long long v = 0;
    if (len == 0 || len > 5 || s[0] == '-' || !mg_yaml_text_integer(s, len, &v) ||
        v < 1 || v > 65535)
        return -1;
    *port = (int)v;
    return 0;
}

/* Splits "[v6]" or "name" from text[0..len): host in [*h, *h + *hlen), and the
 * rest (":PORT" or "") starts at *rest. */
static int split_host(const char *what, const char *text, size_t len,
                      const char **h, size_t *hlen, const char **rest,
                      struct mg_error *err)
{
    if (len > 0 && text[0] == '[') {
        const char *close = memchr(text, ']', len);
        if (!close) {
            mg_error_set(err, NULL, 0, 0,
                         "%s: missing ] after the IPv6 address", what);
            return MG_EINVAL;
        }
        *h = text + 1;
        *hlen = (size_t)(close - *h);
        *rest = close + 1;
        char buf[INET6_ADDRSTRLEN + 1];
        struct in6_addr addr;
        if (*hlen == 0 || *hlen >= sizeof buf) {
            mg_error_set(err, NULL, 0, 0, "%s: not an IPv6 address inside [ ]",
                         what);
            return MG_EINVAL;
        }
        memcpy(buf, *h, *hlen);
        buf[*hlen] = '\0';
        if (inet_pton(AF_INET6, buf, &addr) != 1) {
            mg_error_set(err, NULL, 0, 0, "%s: not an IPv6 address inside [ ]",
                         what);
            return MG_EINVAL;
        }
        return MG_OK;
    }
    const char *colon = memchr(text, ':', len);
    *h = text;
    *hlen = colon ? (size_t)(colon - text) : len;
    *rest = text + *hlen;
    if (colon && memchr(colon + 1, ':', len - *hlen - 1)) {
        mg_error_set(err, NULL, 0, 0,
                     "%s: write an IPv6 address in brackets, as in [::1]:8080",
                     what);
        return MG_EINVAL;
    }
    if (*hlen == 0) {
        mg_error_set(err, NULL, 0, 0, "%s: missing host", what);
        return MG_EINVAL;
    }
    if (!host_chars_ok(*h, *hlen)) {
        mg_error_set(
            err, NULL, 0, 0,
            "%s: the host may hold only letters, digits, '.', '-' and '_'",
            what);
        return MG_EINVAL;
    }
    return MG_OK;
}

int mg_listen_parse(const char *text, char *host, size_t host_size, int *port,
                    struct mg_error *err)
{
    static const char what[] = "listen address";
    size_t len = strlen(text);
    const char *h, *rest;
    size_t hlen;
    int rc = split_host(what, text, len, &h, &hlen, &rest, err);
    if (rc != MG_OK)
        return rc;
    if (*rest != ':') {
        mg_error_set(
            err, NULL, 0, 0,
            "%s: expected HOST:PORT, as in 127.0.0.1:8080 or [::1]:8080", what);
        return MG_EINVAL;
    }
    int p = 0;
    if (parse_port(rest + 1, strlen(rest + 1), &p) != 0) {
        mg_error_set(err, NULL, 0, 0, "%s: port must be 1..65535", what);
        return MG_EINVAL;
    }
    if (hlen >= host_size) {
        mg_error_set(err, NULL, 0, 0, "%s: host is too long", what);
        return MG_EINVAL;
    }
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    *port = p;
    return MG_OK;
}

static int url_error(struct mg_redis_url *out, struct mg_error *err,
                     const char *msg)
{
    mg_redis_url_close(out);
    /* The URL is never echoed: it may hold a password. */
    mg_error_set(err, NULL, 0, 0, "redis URL: %s", msg);
    return MG_EINVAL;
}

int mg_redis_url_parse(const char *text, struct mg_redis_url *out,
                       struct mg_error *err)
{
    memset(out, 0, sizeof *out);
    out->port = 6379;
    if (strncasecmp(text, "rediss://", 9) == 0)
        return url_error(out, err,
                         "rediss:// (TLS) is not supported; use redis://");
    if (strncasecmp(text, "redis://", 8) != 0)
        return url_error(
            out, err,
            "must start with redis://, as in redis://127.0.0.1:6379/0");
    const char *rest = text + 8;
    if (strpbrk(rest, "?#"))
        return url_error(out, err, "query parameters (?...) are not supported");

    /* The last '@' ends the credentials: a password may contain '@' only
     * percent-encoded, but the database path never contains one. */
    const char *at = strrchr(rest, '@');
    if (at) {
        const char *colon = memchr(rest, ':', (size_t)(at - rest));
        if (!colon)
            return url_error(out, err,
                             "credentials must be written [USER]:PASSWORD@ "
                             "(a password alone is :PASSWORD@)");
        if (colon > rest) {
            if (mg_percent_decode(rest, (size_t)(colon - rest),
                                  &out->username) != MG_OK)
                return url_error(out, err, "bad %-escape in the user name");
        }
        if (at == colon + 1)
            return url_error(out, err, "the password is empty");
        if (mg_percent_decode(colon + 1, (size_t)(at - colon - 1),
                              &out->password) != MG_OK)
            return url_error(out, err, "bad %-escape in the password");
        rest = at + 1;
    }

    const char *slash = strchr(rest, '/');
    size_t hostport_len = slash ? (size_t)(slash - rest) : strlen(rest);
    const char *h, *after;
    size_t hlen;
    struct mg_error herr = {0};
    if (split_host("redis URL", rest, hostport_len, &h, &hlen, &after, &herr) !=
        MG_OK) {
        mg_redis_url_close(out);
        if (err)
            *err = herr;
        return MG_EINVAL;
    }
    if (hlen >= sizeof out->host)
        return url_error(out, err, "host is too long");
    memcpy(out->host, h, hlen);
    out->host[hlen] = '\0';

    const char *end = rest + hostport_len;
    if (after < end) {
        if (*after != ':' ||
            parse_port(after + 1, (size_t)(end - after - 1), &out->port) != 0)
            return url_error(out, err, "port must be 1..65535");
    }
    if (slash && slash[1] != '\0') {
        long long db = 0;
        size_t dlen = strlen(slash + 1);
        if (slash[1] == '-' || dlen > 7 ||
            !mg_yaml_text_integer(slash + 1, dlen, &db) || db > 1000000)
            return url_error(out, err, "database number must be 0..1000000");
        out->db = (int)db;
    }
    return MG_OK;
}

void mg_redis_url_close(struct mg_redis_url *url)
{
    if (url->password) {
        mg_crypto_wipe(url->password, strlen(url->password));
        mg_free(url->password);
    }
    mg_free(url->username);
    url->username = NULL;
    url->password = NULL;
}
