/* canon.c: the RFC 8785 (JCS) bytes of a comment's signed fields. */
#include "modgate/canon.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "modgate/buf.h"

/* A JSON string as JCS writes it: '"' and '\' escaped, the five controls
 * with short forms as such, other U+0000..U+001F as \u00xx (lowercase hex),
 * everything else (including '/', U+007F and U+2028) as raw UTF-8. */
static void add_string(struct mg_buf *b, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    mg_buf_add(b, "\"", 1);
    const char *run = s; /* start of bytes copied as they are */
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        mg_buf_add(b, run, (size_t)(p - run));
        run = p + 1;
        char esc[6] = {'\\', 0, 0, 0, 0, 0};
        size_t n = 2;
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\b': esc[1] = 'b'; break;
        case '\t': esc[1] = 't'; break;
        case '\n': esc[1] = 'n'; break;
        case '\f': esc[1] = 'f'; break;
        case '\r': esc[1] = 'r'; break;
        default:
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 0x0f];
            n = 6;
            break;
        }
        mg_buf_add(b, esc, n);
    }
    mg_buf_adds(b, run);
    mg_buf_add(b, "\"", 1);
}

static void add_member(struct mg_buf *b, const char *key, const char *value,
                       bool first)
{
    if (!first)
        mg_buf_add(b, ",", 1);
    add_string(b, key);
    mg_buf_add(b, ":", 1);
    if (value)
        add_string(b, value);
    else
        mg_buf_adds(b, "null");
}

char *mg_canon_signed_message(const struct mg_signed_fields *f, size_t *len)
{
    struct mg_buf b;
    mg_buf_init(&b, SIZE_MAX);
    /* the texts and about 300 bytes of the rest: one allocation mostly */
    mg_buf_reserve(&b, 320 + (f->body ? strlen(f->body) : 0) +
                           (f->author_name ? strlen(f->author_name) : 0));
    /* Keys in RFC 8785 order (by UTF-16 code units; all ASCII here). */
    mg_buf_add(&b, "{", 1);
    add_member(&b, "article_id", f->article_id, true);
    add_member(&b, "author_id", f->author_id, false);
    add_member(&b, "author_name", f->author_name, false);
    add_member(&b, "body", f->body, false);
    add_member(&b, "created_at", f->created_at, false);
    /* An edited record's revision and edit time are signed; a record never
     * edited is signed as before edits existed, so old signatures hold. */
    bool edited = f->revision > 1;
    if (edited)
        add_member(&b, "edited_at", f->edited_at, false);
    add_member(&b, "id", f->id, false);
    add_member(&b, "key_id", f->key_id, false);
    add_member(&b, "parent_id", f->parent_id, false);
    if (edited) {
        char revision[32];
        snprintf(revision, sizeof revision, ",\"revision\":%lld", f->revision);
        mg_buf_adds(&b, revision);
    }
    mg_buf_adds(&b, ",\"v\":1}");
    return mg_buf_take(&b, len);
}
