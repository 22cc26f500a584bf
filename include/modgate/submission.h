/* submission.h: the body of POST /v1/comments and POST /v1/check (and of
 * PATCH /v1/comments/{id}: its author_id and body), decoded
 * and validated as docs/api.md says: a JSON object (duplicate keys refused, strict
 * UTF-8, no NUL), every field's type and form (400 invalid_request with the
 * field at fault), then the body's length (422 too_short / too_long). Pure:
 * no I/O; the fuzzer drives it with bytes. */
#ifndef MODGATE_SUBMISSION_H
#define MODGATE_SUBMISSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "modgate/error.h"

struct mg_submission_limits {
    size_t max_chars; /* body, extended grapheme clusters (300) */
    size_t max_bytes; /* body, bytes of UTF-8 (4096) */
    bool author_id_optional; /* POST /v1/check: author_id may be absent or
                                null (then NULL in the result) */
    bool edit; /* PATCH /v1/comments/{id}: author_id, body and
                  author_created_at only; article_id NULL in the result */
};

/* A valid submission; every string is NUL-terminated, and all of them are
 * in one allocation the struct owns (strings): not to be freed, nor
 * replaced, one by one. */
struct mg_submission {
    char *article_id;  /* 1..128 printable ASCII, no spaces; NULL for an edit */
    char *author_id;   /* same; NULL only with author_id_optional */
    char *author_name; /* NULL when absent or null; <= 64 characters */
    char *body;
    size_t body_bytes;
    size_t body_chars;  /* grapheme clusters */
    char *parent_id;    /* NULL when absent or null */
    char *client_ip;    /* NULL, or the address in canonical text form */
    char *user_agent;   /* NULL, or <= 512 bytes */
    bool has_author_created_at;
    int64_t author_created_at_ms;
    char *strings; /* holds the strings above: one malloc, not seven */
};

/* Why a submission was refused. Strings are static or in the struct. */
struct mg_submission_error {
    int status;        /* 400 or 422 */
    const char *code;  /* "invalid_request", "too_short", "too_long" */
    const char *field; /* the member at fault, or NULL */
    char detail[256];  /* a sentence for a human */
    /* for too_short / too_long: */
    size_t limit;
    size_t length;
    const char *unit; /* "characters" or "bytes" */
};

/* Decodes and validates json[0..len). On success fills *out (close it with
 * mg_submission_close); on MG_EINVAL fills *err and leaves *out empty.
 * MG_EIO (with *out empty, *err zeroed) if ICU fails: a server error. */
int mg_submission_parse(const char *json, size_t len,
                        const struct mg_submission_limits *limits,
                        struct mg_submission *out,
                        struct mg_submission_error *err) MG_MUST_CHECK;

void mg_submission_close(struct mg_submission *s);

#endif
