/* canon.h: the exact bytes a comment's signature covers: the RFC 8785 (JCS)
 * serialization of {"v":1, id, article_id, author_id, author_name, body,
 * parent_id, created_at, key_id}, and for an edited record (revision above
 * 1) also revision and edited_at, as docs/signatures.md defines it. Written
 * by hand for this fixed object, because jansson escapes '/' and sorts keys
 * only on request; tested against vectors made with Python's json.dumps. */
#ifndef MODGATE_CANON_H
#define MODGATE_CANON_H

#include <stddef.h>

struct mg_signed_fields {
    const char *id;
    const char *article_id;
    const char *author_id;
    const char *author_name; /* NULL -> JSON null */
    const char *body;
    const char *parent_id; /* NULL -> JSON null */
    const char *created_at;
    const char *key_id;
    long long revision;     /* > 1: edited, and edited_at is signed too */
    const char *edited_at;  /* NULL -> JSON null */
};

/* The message to sign. Strings must be valid UTF-8 without NUL. Caller owns
 * the result (mg_free); *len receives its length. */
char *mg_canon_signed_message(const struct mg_signed_fields *f, size_t *len);

#endif
