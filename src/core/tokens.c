/* tokens.c: the bearer tokens file, kept hashed, and constant-time lookup. */
#include "modgate/tokens.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "modgate/alloc.h"
#include "modgate/crypto.h"
#include "modgate/files.h"

#define NAME_MAX_LEN  MG_TOKEN_NAME_MAX
#define TOKEN_MAX_LEN 256
/* A tokens file is a short list; anything this large is a mistake. */
#define TOKENS_FILE_MAX (1024 * 1024)

struct entry {
    uint8_t digest[32];
    struct mg_principal principal;
    int line;
};

struct mg_tokens {
    struct entry *entries;
    size_t count;
    size_t cap;
    size_t weak;         /* tokens shorter than MG_TOKEN_STRONG_LEN */
    int first_weak_line; /* the line of the first of them */
};

static const struct {
    const char *name;
    enum mg_role role;
} roles[] = {
    {"site", MG_ROLE_SITE},
    {"moderator", MG_ROLE_MODERATOR},
};

const char *mg_role_name(enum mg_role role)
{
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
        if (roles[i].role == role)
            return roles[i].name;
    return "unknown";
}

/* One whitespace-separated field of a line. */
struct field {
    const char *p;
    size_t len;
    int column; /* 1-based */
};

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

static bool is_visible_ascii(unsigned char c)
{
    return c > 0x20 && c < 0x7f;
}

/* Splits line[0..len) into at most 4 fields (the 4th only to report it as
 * extra). A '#' at the start of a field begins a comment, so tokens may
 * contain '#' but not start with it. Returns -1 and sets err on a byte that is
 * not printable ASCII outside a comment. */
static int split_line(const char *name, int lineno, const char *line,
                      size_t len, struct field fields[4], size_t *nfields,
                      int *end_column, struct mg_error *err)
{
    size_t i = 0;
    size_t n = 0;
    size_t last_end = 0;
    while (i < len) {
        while (i < len && is_blank(line[i]))
            i++;
        if (i == len || line[i] == '#')
            break;
        size_t start = i;
        while (i < len && !is_blank(line[i])) {
            if (!is_visible_ascii((unsigned char)line[i])) {
                /* The byte itself is not echoed: it may be part of a token. */
                mg_error_set(err, name, lineno, (int)i + 1,
                             "non-ASCII or control character; fields must be "
                             "printable ASCII (comments may hold anything)");
                return -1;
            }
            i++;
        }
        if (n < 4) {
            fields[n].p = line + start;
            fields[n].len = i - start;
            fields[n].column = (int)start + 1;
        }
        n++;
        last_end = i;
    }
    *nfields = n;
    *end_column = (int)last_end + 1;
    return 0;
}

static void add_entry(struct mg_tokens *t, const uint8_t digest[32],
                      enum mg_role role, const struct field *name, int line)
{
    if (t->count == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 8;
        t->entries = mg_realloc(t->entries, t->cap * sizeof *t->entries);
    }
    struct entry *e = &t->entries[t->count++];
    memcpy(e->digest, digest, 32);
    e->principal.role = role;
    e->principal.name = mg_strndup(name->p, name->len);
    e->line = line;
}

static int parse_line(struct mg_tokens *t, const char *name, int lineno,
                      const char *line, size_t len, struct mg_error *err)
{
    struct field f[4];
    size_t n = 0;
    int end_column = 1;
    if (split_line(name, lineno, line, len, f, &n, &end_column, err) != 0)
        return MG_EINVAL;
    if (n == 0)
        return MG_OK; /* blank or comment */

    enum mg_role role = 0;
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++) {
        if (f[0].len == strlen(roles[i].name) &&
            memcmp(f[0].p, roles[i].name, f[0].len) == 0)
            role = roles[i].role;
    }
    if (role == 0) {
        /* Something 16 characters or longer might be a token written in the
         * wrong column, so only short words are quoted back. */
        if (f[0].len < MG_TOKEN_STRONG_LEN)
            mg_error_set(
                err, name, lineno, f[0].column,
                "unknown role \"%.*s\" (expected \"site\" or \"moderator\"; "
                "a line is: ROLE NAME TOKEN)",
                (int)f[0].len, f[0].p);
        else
            mg_error_set(err, name, lineno, f[0].column,
                         "unknown role (expected \"site\" or \"moderator\"; "
                         "a line is: ROLE NAME TOKEN)");
        return MG_EINVAL;
    }
    if (n < 3) {
        mg_error_set(err, name, lineno, end_column,
                     "missing %s (a line is: ROLE NAME TOKEN)",
                     n == 1 ? "NAME and TOKEN" : "TOKEN");
        return MG_EINVAL;
    }
    if (n > 3) {
        mg_error_set(err, name, lineno, f[3].column,
                     "extra field after TOKEN (a line is: ROLE NAME TOKEN; "
                     "# starts a comment)");
        return MG_EINVAL;
    }
    if (f[1].len > NAME_MAX_LEN) {
        mg_error_set(err, name, lineno, f[1].column,
                     "name is %zu characters long; at most %d are allowed",
                     f[1].len, NAME_MAX_LEN);
        return MG_EINVAL;
    }
    if (f[2].len > TOKEN_MAX_LEN) {
        mg_error_set(
            err, name, lineno, f[2].column,
            "token is too long (%zu characters; at most %d are allowed)",
            f[2].len, TOKEN_MAX_LEN);
        return MG_EINVAL;
    }

    uint8_t digest[32];
    mg_crypto_sha256(f[2].p, f[2].len, digest);
    /* Loading is not secret-timing sensitive: an early exit is fine here. */
    for (size_t i = 0; i < t->count; i++) {
        if (memcmp(t->entries[i].digest, digest, 32) == 0) {
            mg_error_set(
                err, name, lineno, f[2].column,
                "duplicate token: the same token is already on line %d "
                "(every token must be different)",
                t->entries[i].line);
            return MG_EINVAL;
        }
    }
    /* docs/api.md sets no minimum length: a short token works, and the server says it
     * is guessable (mg_tokens_weak) rather than refusing to start. */
    if (f[2].len < MG_TOKEN_STRONG_LEN && t->weak++ == 0)
        t->first_weak_line = lineno;
    add_entry(t, digest, role, &f[1], lineno);
    return MG_OK;
}

int mg_tokens_parse(const char *name, const char *text, size_t len,
                    struct mg_tokens **out, struct mg_error *err)
{
    *out = NULL;
    if (mg_crypto_init() != MG_OK) {
        mg_error_set(err, name, 0, 0, "cannot start libsodium");
        return MG_EIO;
    }
    struct mg_tokens *t = mg_calloc(1, sizeof *t);
    size_t pos = 0;
    int lineno = 0;
    while (pos < len) {
        lineno++;
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t line_len = nl ? (size_t)(nl - (text + pos)) : len - pos;
        int rc = parse_line(t, name, lineno, text + pos, line_len, err);
        if (rc != MG_OK) {
            mg_tokens_free(t);
            return rc;
        }
        pos += line_len + (nl ? 1 : 0);
    }
    *out = t;
    return MG_OK;
}

int mg_tokens_load(const char *path, struct mg_tokens **out,
                   struct mg_error *err)
{
    *out = NULL;
    int rc = mg_file_check_private(path, err);
    if (rc != MG_OK)
        return rc;
    char *text = NULL;
    size_t len = 0;
    rc = mg_file_read(path, TOKENS_FILE_MAX, &text, &len, err);
    if (rc != MG_OK)
        return rc;
    rc = mg_tokens_parse(path, text, len, out, err);
    /* The text holds every token in clear. */
    mg_crypto_wipe(text, len);
    mg_free(text);
    return rc;
}

const struct mg_principal *mg_tokens_lookup(const struct mg_tokens *tokens,
                                            const char *token, size_t len)
{
    if (!tokens)
        return NULL;
    uint8_t digest[32];
    mg_crypto_sha256(token ? token : "", token ? len : 0, digest);
    /* Compare against every entry and pick the match with a mask rather than
     * a branch, so the time taken says nothing about which entry (if any)
     * matched. The hash also hides the stored tokens' lengths. */
    uintptr_t found = 0;
    for (size_t i = 0; i < tokens->count; i++) {
        uintptr_t eq =
            (uintptr_t)mg_crypto_equal(digest, tokens->entries[i].digest, 32);
        uintptr_t mask = (uintptr_t)0 - eq;
        found |= mask & (uintptr_t)&tokens->entries[i].principal;
    }
    mg_crypto_wipe(digest, sizeof digest);
    return (const struct mg_principal *)found;
}

size_t mg_tokens_count(const struct mg_tokens *tokens)
{
    return tokens ? tokens->count : 0;
}

size_t mg_tokens_weak(const struct mg_tokens *tokens, int *first_line)
{
    if (first_line)
        *first_line = tokens && tokens->weak ? tokens->first_weak_line : 0;
    return tokens ? tokens->weak : 0;
}

void mg_tokens_free(struct mg_tokens *tokens)
{
    if (!tokens)
        return;
    for (size_t i = 0; i < tokens->count; i++) {
        /* principal.name is const for borrowers; this file owns it. */
        mg_free((void *)(uintptr_t)tokens->entries[i].principal.name);
    }
    if (tokens->entries)
        mg_crypto_wipe(tokens->entries, tokens->cap * sizeof *tokens->entries);
    mg_free(tokens->entries);
    mg_free(tokens);
}
