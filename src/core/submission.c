/* submission.c: decoding and validating the body of POST /v1/comments,
 * POST /v1/check and PATCH /v1/comments/{id} (docs/api.md, "POST
 * /v1/comments"). */
#include "modgate/submission.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "modgate/alloc.h"
#include "modgate/jsonfield.h"
#include "modgate/text.h"
#include "modgate/timefmt.h"
#include "modgate/unicode.h"

#define ID_MAX                128
#define AUTHOR_NAME_MAX_BYTES 256
#define AUTHOR_NAME_MAX_CHARS 64
#define USER_AGENT_MAX_BYTES  512

/* The strings of a submission while it is checked: borrowed from the
 * jansson tree, copied out only once everything passed. */
struct fields {
    const char *article_id, *author_id, *author_name, *body, *parent_id,
        *client_ip, *user_agent, *author_created_at;
    size_t body_len;
    int64_t author_created_at_ms;
    char ip[INET6_ADDRSTRLEN];
};

static void set_error(struct mg_submission_error *err, int status,
                      const char *code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void set_error(struct mg_submission_error *err, int status,
                      const char *code, const char *field, const char *fmt, ...)
{
    memset(err, 0, sizeof *err);
    err->status = status;
    err->code = code;
    err->field = field;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->detail, sizeof err->detail, fmt, ap);
    va_end(ap);
}

static int invalid(struct mg_submission_error *err, const char *field,
                   const char *what)
{
    set_error(err, 400, "invalid_request", field, "The member \"%s\" %s.",
              field, what);
    return MG_EINVAL;
}

static void too_long(struct mg_submission_error *err, size_t length,
                     size_t limit, const char *unit)
{
    set_error(err, 422, "too_long", NULL,
              "The comment is %zu %s long; the limit is %zu.", length, unit,
              limit);
    err->limit = limit;
    err->length = length;
    err->unit = unit;
}

/* jansson's message may quote a piece of the input ("near '...'"), which can
 * hold bytes that are not UTF-8, or controls: the detail goes into a JSON
 * response, so keep valid printable UTF-8 and turn the rest into '?'. */
static void sanitize(const char *in, size_t len, char *out, size_t size)
{
    const unsigned char *s = (const unsigned char *)in;
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        size_t n = mg_utf8_seq_len(s + i, len - i);
        if (n == 0 || s[i] < 0x20 || s[i] == 0x7f)
            n = 0;
        size_t take = n ? n : 1;
        if (o + take >= size)
            break;
        if (n)
            memcpy(out + o, s + i, n);
        else
            out[o] = '?';
        o += take;
        i += take;
    }
    out[o] = '\0';
}

/* The members of a submission, for naming one in an error. */
static const char *const members[] = {
    "article_id", "author_id", "body",       "author_name",
    "parent_id",  "client_ip", "user_agent", "author_created_at",
};

/* Refused JSON: a string that is not Unicode names its member, as docs/api.md
 * asks, when it is one of ours; anything else names the place. */
static void json_error(struct mg_submission_error *err, const char *json,
                       size_t len, const json_error_t *j)
{
    const char *member = mg_json_bad_text_member(json, len, j, members,
                                                 sizeof members / sizeof members[0]);
    if (member) {
        set_error(err, 400, "invalid_request", member, MG_JSON_BAD_TEXT_DETAIL, member);
        return;
    }
    /* jansson keeps an error code in the last byte of text. */
    char text[sizeof j->text];
    sanitize(j->text, strnlen(j->text, sizeof j->text - 1), text, sizeof text);
    set_error(err, 400, "invalid_request", NULL,
              "Request body is not valid JSON: %s (line %d, column %d).", text,
              j->line, j->column);
}

enum presence { REQUIRED, OPTIONAL };

/* Reads member name as a string into *out (NULL when an optional member is
 * absent or null); MG_EINVAL with err filled when it is missing or mistyped. */
static int get_string(json_t *root, const char *name, enum presence presence,
                      const char **out, size_t *len,
                      struct mg_submission_error *err)
{
    json_t *v = json_object_get(root, name);
    *out = NULL;
    *len = 0;
    if (v == NULL || json_is_null(v)) {
        if (presence == OPTIONAL)
            return MG_OK;
        return invalid(err, name,
                       v ? "must be a string, not null" : "is required");
    }
    if (!json_is_string(v))
        return invalid(err, name,
                       presence == OPTIONAL ? "must be a string or null"
                                            : "must be a string");
    /* Without JSON_ALLOW_NUL jansson refuses "\u0000": no NUL inside. */
    *out = json_string_value(v);
    *len = json_string_length(v);
    return MG_OK;
}

static bool printable_ascii(const char *s, size_t len)
{
    if (len < 1 || len > ID_MAX)
        return false;
    for (size_t i = 0; i < len; i++)
        if (s[i] < 0x21 || s[i] > 0x7e)
            return false;
    return true;
}

static int check_id(json_t *root, const char *name, enum presence presence,
                    const char **out, struct mg_submission_error *err)
{
    size_t len;
    int rc = get_string(root, name, presence, out, &len, err);
    if (rc != MG_OK)
        return rc;
    if (*out && !printable_ascii(*out, len))
        return invalid(err, name,
                       "must be 1 to 128 printable ASCII characters, "
                       "without spaces");
    return MG_OK;
}

/* A control character (general category Cc: U+0000..U+001F,
 * U+007F..U+009F) in valid UTF-8. */
static bool has_control(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < len; i++) {
        if (u[i] < 0x20 || u[i] == 0x7f)
            return true;
        if (u[i] == 0xc2 && i + 1 < len && u[i + 1] >= 0x80 && u[i + 1] <= 0x9f)
            return true;
    }
    return false;
}

static int check_author_name(json_t *root, struct fields *f,
                             struct mg_submission_error *err)
{
    static const char name[] = "author_name";
    size_t len;
    int rc = get_string(root, name, OPTIONAL, &f->author_name, &len, err);
    if (rc != MG_OK || f->author_name == NULL)
        return rc;
    if (has_control(f->author_name, len))
        return invalid(err, name, "must not contain control characters");
    /* 64 characters, each stacked with combining marks, could otherwise
     * carry the whole body limit in a name. */
    if (len > AUTHOR_NAME_MAX_BYTES)
        return invalid(err, name, "must be at most 256 bytes of UTF-8");
    if (!mg_unicode_has_visible(f->author_name, len))
        return invalid(err, name,
                       "must have at least one visible character (send null "
                       "or leave it out when there is no name)");
    size_t chars;
    rc = mg_unicode_graphemes(f->author_name, len, &chars);
    if (rc != MG_OK)
        return rc;
    if (chars > AUTHOR_NAME_MAX_CHARS) {
        set_error(err, 400, "invalid_request", name,
                  "The member \"author_name\" is %zu characters long; the "
                  "limit is %d.",
                  chars, AUTHOR_NAME_MAX_CHARS);
        return MG_EINVAL;
    }
    return MG_OK;
}

static int check_client_ip(json_t *root, struct fields *f,
                           struct mg_submission_error *err)
{
    static const char name[] = "client_ip";
    size_t len;
    int rc = get_string(root, name, OPTIONAL, &f->client_ip, &len, err);
    if (rc != MG_OK || f->client_ip == NULL)
        return rc;
    /* inet_pton refuses zone ids ("fe80::1%eth0"), IPv4 with leading zeros
     * or fewer than four parts, and anything around the address. */
    unsigned char addr[sizeof(struct in6_addr)];
    int family = AF_INET;
    if (len >= sizeof f->ip)
        return invalid(err, name, "must be an IPv4 or IPv6 address");
    if (inet_pton(AF_INET, f->client_ip, addr) != 1) {
        family = AF_INET6;
        if (inet_pton(AF_INET6, f->client_ip, addr) != 1)
            return invalid(err, name, "must be an IPv4 or IPv6 address");
    }
    /* Canonical text: lowercase, zeros compressed (RFC 5952). */
    if (inet_ntop(family, addr, f->ip, sizeof f->ip) == NULL)
        return invalid(err, name, "must be an IPv4 or IPv6 address");
    f->client_ip = f->ip;
    return MG_OK;
}

static int check_author_created_at(json_t *root, struct fields *f,
                                   struct mg_submission_error *err)
{
    size_t len;
    int rc = get_string(root, "author_created_at", OPTIONAL, &f->author_created_at,
                        &len, err);
    if (rc != MG_OK)
        return rc;
    if (f->author_created_at &&
        mg_time_parse(f->author_created_at, &f->author_created_at_ms) != MG_OK)
        return invalid(err, "author_created_at",
                       "must be an RFC 3339 date-time such as "
                       "2026-01-03T10:00:00.000Z");
    return MG_OK;
}

static int check_fields(json_t *root, struct fields *f,
                        const struct mg_submission_limits *limits,
                        struct mg_submission_error *err)
{
    /* In API order, so the first member at fault is the one named. */
    size_t len;
    int rc = limits->edit ? MG_OK : check_id(root, "article_id", REQUIRED, &f->article_id, err);
    if (rc != MG_OK)
        return rc;
    rc = check_id(root, "author_id", limits->author_id_optional ? OPTIONAL : REQUIRED,
                  &f->author_id, err);
    if (rc != MG_OK)
        return rc;
    rc = get_string(root, "body", REQUIRED, &f->body, &f->body_len, err);
    if (rc != MG_OK)
        return rc;
    if (limits->edit) /* the rest is the comment's, from when it was sent */
        return check_author_created_at(root, f, err);
    rc = check_author_name(root, f, err);
    if (rc != MG_OK)
        return rc;
    /* Any string may name a parent: one that cannot be a comment's id is
     * answered 422 invalid_parent by the caller, as a missing one is. */
    size_t parent_len;
    rc = get_string(root, "parent_id", OPTIONAL, &f->parent_id, &parent_len, err);
    if (rc != MG_OK)
        return rc;
    rc = check_client_ip(root, f, err);
    if (rc != MG_OK)
        return rc;
    rc = get_string(root, "user_agent", OPTIONAL, &f->user_agent, &len, err);
    if (rc != MG_OK)
        return rc;
    if (f->user_agent && len > USER_AGENT_MAX_BYTES) {
        set_error(err, 400, "invalid_request", "user_agent",
                  "The member \"user_agent\" is %zu bytes long; the limit is "
                  "%d.",
                  len, USER_AGENT_MAX_BYTES);
        return MG_EINVAL;
    }
    return check_author_created_at(root, f, err);
}

/* s[0..len) and a NUL at *at, which moves past them. */
static char *put_string(char **at, const char *s, size_t len)
{
    char *p = *at;
    memcpy(p, s, len);
    p[len] = '\0';
    *at = p + len + 1;
    return p;
}

/* f's strings into one allocation, out->strings, sized once. */
static void copy_strings(const struct fields *f, struct mg_submission *out)
{
    const char *from[] = {f->article_id, f->author_id,  f->author_name,
                          f->parent_id,  f->client_ip,  f->user_agent};
    char **to[] = {&out->article_id, &out->author_id, &out->author_name,
                   &out->parent_id,  &out->client_ip, &out->user_agent};
    size_t lens[sizeof from / sizeof *from];
    size_t total = f->body_len + 1;
    for (size_t i = 0; i < sizeof from / sizeof *from; i++) {
        lens[i] = from[i] ? strlen(from[i]) : 0;
        total += from[i] ? lens[i] + 1 : 0;
    }
    char *at = out->strings = mg_malloc(total);
    out->body = put_string(&at, f->body, f->body_len);
    for (size_t i = 0; i < sizeof from / sizeof *from; i++)
        *to[i] = from[i] ? put_string(&at, from[i], lens[i]) : NULL;
}

int mg_submission_parse(const char *json, size_t len,
                        const struct mg_submission_limits *limits,
                        struct mg_submission *out,
                        struct mg_submission_error *err)
{
    memset(out, 0, sizeof *out);
    memset(err, 0, sizeof *err);

    json_error_t jerr;
    /* Strict by default: invalid UTF-8, lone surrogates and "\u0000" are
     * errors; duplicate keys are refused on request. */
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        json_error(err, json, len, &jerr);
        return MG_EINVAL;
    }
    if (!json_is_object(root)) {
        json_decref(root);
        set_error(err, 400, "invalid_request", NULL,
                  "The request body must be a JSON object.");
        return MG_EINVAL;
    }

    struct fields f = {0};
    int rc = check_fields(root, &f, limits, err);
    if (rc != MG_OK) {
        json_decref(root);
        return rc;
    }

    /* The body's length. When both limits are exceeded, the one a reader
     * counts is named (characters: "312 of 300", not "5,000 of 4,096
     * bytes"); the byte limit speaks for bodies within the character limit
     * that are huge all the same (a few characters stacked with thousands
     * of combining marks). Counting costs time linear in the body, which
     * the request's body limit bounds. */
    size_t chars = 0;
    if (!mg_unicode_has_visible(f.body, f.body_len)) {
        set_error(err, 422, "too_short", NULL,
                  "The comment has no visible characters; it needs at "
                  "least 1.");
        err->limit = 1;
        err->length = 0;
        err->unit = "characters";
        rc = MG_EINVAL;
    } else if ((rc = mg_unicode_graphemes(f.body, f.body_len, &chars)) != MG_OK) {
        /* ICU failed: a server error (MG_EIO) */
    } else if (chars > limits->max_chars) {
        too_long(err, chars, limits->max_chars, "characters");
        rc = MG_EINVAL;
    } else if (f.body_len > limits->max_bytes) {
        too_long(err, f.body_len, limits->max_bytes, "bytes");
        rc = MG_EINVAL;
    }
    if (rc != MG_OK) {
        json_decref(root);
        return rc;
    }

    copy_strings(&f, out);
    out->body_bytes = f.body_len;
    out->body_chars = chars;
    out->has_author_created_at = f.author_created_at != NULL;
    out->author_created_at_ms = f.author_created_at_ms;
    json_decref(root);
    return MG_OK;
}

void mg_submission_close(struct mg_submission *s)
{
    mg_free(s->strings);
    memset(s, 0, sizeof *s);
}
