/* config_parse.c: the values config.c cannot check by type alone: listen
 * addresses and Redis URLs (config.h). Their messages name the value
 * ("listen address: ...", "redis URL: ..."); the caller adds the setting
 * and where it came from. A URL is never echoed: it may hold a password. */
#include "modgate/config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
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

/* "[USER]:PASSWORD@" at the front of rest, if any: *rest moves past it. */
static int parse_credentials(const char **rest, struct mg_redis_url *out,
                             struct mg_error *err)
{
    /* The last '@' ends the credentials: a password may contain '@' only
     * percent-encoded, but the hosts and the path never contain one. */
    const char *text = *rest;
    const char *at = strrchr(text, '@');
    if (!at)
        return MG_OK;
    const char *colon = memchr(text, ':', (size_t)(at - text));
    if (!colon)
        return url_error(out, err,
                         "credentials must be written [USER]:PASSWORD@ "
                         "(a password alone is :PASSWORD@)");
    if (colon > text &&
        mg_percent_decode(text, (size_t)(colon - text), &out->username) != MG_OK)
        return url_error(out, err, "bad %-escape in the user name");
    if (at == colon + 1)
        return url_error(out, err, "the password is empty");
    if (mg_percent_decode(colon + 1, (size_t)(at - colon - 1), &out->password) !=
        MG_OK)
        return url_error(out, err, "bad %-escape in the password");
    *rest = at + 1;
    return MG_OK;
}

/* "0".."1000000": the database number after the last '/'. */
static int parse_db(const char *text, struct mg_redis_url *out,
                    struct mg_error *err)
{
    long long db = 0;
    size_t dlen = strlen(text);
    if (text[0] == '-' || dlen > 7 || !mg_yaml_text_integer(text, dlen, &db) ||
        db > 1000000)
        return url_error(out, err, "database number must be 0..1000000");
    out->db = (int)db;
    return MG_OK;
}

/* "host[:port]" in text[0..len) into *ep; what names it in errors. */
static int parse_endpoint(const char *what, const char *text, size_t len,
                          struct mg_redis_endpoint *ep, struct mg_redis_url *out,
                          struct mg_error *err)
{
    const char *h, *after;
    size_t hlen;
    struct mg_error herr = {0};
    if (split_host(what, text, len, &h, &hlen, &after, &herr) != MG_OK) {
        mg_redis_url_close(out);
        if (err)
            *err = herr;
        return MG_EINVAL;
    }
    if (hlen >= sizeof ep->host) {
        mg_error_set(err, NULL, 0, 0, "%s: host is too long", what);
        mg_redis_url_close(out);
        return MG_EINVAL;
    }
    memcpy(ep->host, h, hlen);
    ep->host[hlen] = '\0';
    const char *end = text + len;
    if (after < end &&
        (*after != ':' || parse_port(after + 1, (size_t)(end - after - 1), &ep->port) != 0)) {
        mg_error_set(err, NULL, 0, 0, "%s: port must be 1..65535", what);
        mg_redis_url_close(out);
        return MG_EINVAL;
    }
    return MG_OK;
}

/* redis://: "host[:port][/db]". */
static int parse_plain(const char *rest, struct mg_redis_url *out,
                       struct mg_error *err)
{
    const char *slash = strchr(rest, '/');
    size_t hostport_len = slash ? (size_t)(slash - rest) : strlen(rest);
    struct mg_redis_endpoint ep = {.port = 6379};
    if (parse_endpoint("redis URL", rest, hostport_len, &ep, out, err) != MG_OK)
        return MG_EINVAL;
    memcpy(out->host, ep.host, sizeof out->host);
    out->port = ep.port;
    if (slash && slash[1] != '\0')
        return parse_db(slash + 1, out, err);
    return MG_OK;
}

/* The sentinel's name of the primary: what `sentinel monitor` accepts in
 * practice, kept to characters that need no escaping anywhere. */
static bool master_name_ok(const char *name, size_t len)
{
    if (len == 0 || len > 128)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (!isalnum(c) && c != '.' && c != '-' && c != '_')
            return false;
    }
    return true;
}

/* redis+sentinel://: "host[:port][,host[:port]...]/name[/db]". */
static int parse_sentinel(const char *rest, struct mg_redis_url *out,
                          struct mg_error *err)
{
    out->port = 0;
    const char *slash = strchr(rest, '/');
    if (!slash || slash[1] == '\0' || slash[1] == '/')
        return url_error(out, err,
                         "redis+sentinel:// needs the primary's name after "
                         "the sentinels, as in "
                         "redis+sentinel://127.0.0.1:26379/mymaster/0");
    size_t count = 1;
    for (const char *p = rest; p < slash; p++)
        count += *p == ',';
    if (count > MG_REDIS_SENTINELS_MAX) {
        char msg[64];
        snprintf(msg, sizeof msg, "at most %d sentinels", MG_REDIS_SENTINELS_MAX);
        return url_error(out, err, msg);
    }
    out->sentinels = mg_calloc(count, sizeof *out->sentinels);
    const char *item = rest;
    for (size_t i = 0; i < count; i++) {
        const char *comma = memchr(item, ',', (size_t)(slash - item));
        const char *end = comma ? comma : slash;
        char what[48];
        snprintf(what, sizeof what, "redis URL: sentinel %zu", i + 1);
        struct mg_redis_endpoint *ep = &out->sentinels[i];
        ep->port = MG_REDIS_SENTINEL_PORT;
        if (parse_endpoint(what, item, (size_t)(end - item), ep, out, err) != MG_OK)
            return MG_EINVAL;
        out->nsentinels++;
        item = end + 1;
    }
    const char *name = slash + 1;
    const char *db = strchr(name, '/');
    size_t nlen = db ? (size_t)(db - name) : strlen(name);
    if (!master_name_ok(name, nlen))
        return url_error(out, err,
                         "the primary's name must be 1..128 letters, digits, "
                         "'.', '-' or '_'");
    out->master_name = mg_strndup(name, nlen);
    if (db && db[1] != '\0')
        return parse_db(db + 1, out, err);
    return MG_OK;
}

int mg_redis_url_parse(const char *text, struct mg_redis_url *out,
                       struct mg_error *err)
{
    static const char sentinel[] = "redis+sentinel://";
    memset(out, 0, sizeof *out);
    out->port = 6379;
    if (strncasecmp(text, "rediss://", 9) == 0)
        return url_error(out, err,
                         "rediss:// (TLS) is not supported; use redis://");
    bool is_sentinel = strncasecmp(text, sentinel, sizeof sentinel - 1) == 0;
    if (!is_sentinel && strncasecmp(text, "redis://", 8) != 0)
        return url_error(
            out, err,
            "must start with redis:// or redis+sentinel://, as in "
            "redis://127.0.0.1:6379/0");
    const char *rest = text + (is_sentinel ? sizeof sentinel - 1 : 8);
    if (strpbrk(rest, "?#"))
        return url_error(out, err, "query parameters (?...) are not supported");
    if (parse_credentials(&rest, out, err) != MG_OK)
        return MG_EINVAL;
    return is_sentinel ? parse_sentinel(rest, out, err)
                       : parse_plain(rest, out, err);
}

void mg_redis_url_close(struct mg_redis_url *url)
{
    if (url->password) {
        mg_crypto_wipe(url->password, strlen(url->password));
        mg_free(url->password);
    }
    mg_free(url->username);
    mg_free(url->master_name);
    mg_free(url->sentinels);
    url->username = NULL;
    url->password = NULL;
    url->master_name = NULL;
    url->sentinels = NULL;
    url->nsentinels = 0;
}

void mg_redis_url_describe(const struct mg_redis_url *url, char *out,
                           size_t size)
{
    if (size == 0)
        return;
    if (!url->master_name) {
        snprintf(out, size, "%s:%d/%d", url->host, url->port, url->db);
        return;
    }
    size_t used = 0;
    int n = snprintf(out, size, "sentinel %s via ", url->master_name);
    for (size_t i = 0; n >= 0 && i < url->nsentinels; i++) {
        used += (size_t)n;
        if (used >= size)
            return;
        n = snprintf(out + used, size - used, "%s%s:%d", i ? "," : "",
                     url->sentinels[i].host, url->sentinels[i].port);
    }
    used += n > 0 ? (size_t)n : 0;
    if (used < size)
        snprintf(out + used, size - used, "/%d", url->db);
}
