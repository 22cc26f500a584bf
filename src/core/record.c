/* record.c: the comment record: statuses, the moderators' moves, the JSON,
 * the signature. */
#include "modgate/record.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "modgate/alloc.h"
#include "modgate/buf.h"
#include "modgate/canon.h"
#include "modgate/jsonw.h"

static const char *const STATUS_NAMES[] = {
    [MG_RECORD_PUBLISHED] = "published",
    [MG_RECORD_PENDING] = "pending",
    [MG_RECORD_REJECTED] = "rejected",
    [MG_RECORD_REMOVED] = "removed",
    [MG_RECORD_DELETED] = "deleted",
};
#define NSTATUSES (sizeof STATUS_NAMES / sizeof STATUS_NAMES[0])

const char *mg_record_status_name(enum mg_record_status status)
{
    return (size_t)status < NSTATUSES ? STATUS_NAMES[status] : "unknown";
}

bool mg_record_status_parse(const char *name, enum mg_record_status *out)
{
    for (size_t i = 0; name && i < NSTATUSES; i++)
        if (strcmp(name, STATUS_NAMES[i]) == 0) {
            *out = (enum mg_record_status)i;
            return true;
        }
    return false;
}

/* Every move a moderator can make; anything else is a conflict. Approving
 * takes a held or rules-rejected comment to the readers; rejecting takes a
 * held one out of the queue, and a published one down (removed). */
static const struct {
    enum mg_record_status from;
    enum mg_record_verb verb;
    enum mg_record_status to;
    const char *action;
} MOVES[] = {
    {MG_RECORD_PENDING, MG_RECORD_APPROVE, MG_RECORD_PUBLISHED, "approve"},
    {MG_RECORD_REJECTED, MG_RECORD_APPROVE, MG_RECORD_PUBLISHED, "approve"},
    {MG_RECORD_PENDING, MG_RECORD_REJECT, MG_RECORD_REJECTED, "reject"},
    {MG_RECORD_PUBLISHED, MG_RECORD_REJECT, MG_RECORD_REMOVED, "remove"},
};

bool mg_record_decide(enum mg_record_status from, enum mg_record_verb verb,
                      enum mg_record_status *to, const char **action)
{
    for (size_t i = 0; i < sizeof MOVES / sizeof MOVES[0]; i++)
        if (MOVES[i].from == from && MOVES[i].verb == verb) {
            *to = MOVES[i].to;
            *action = MOVES[i].action;
            return true;
        }
    return false;
}

json_t *mg_record_json(const struct mg_record_new *r)
{
    const struct mg_record_fields *f = &r->fields;
    bool is_signed = r->key_id && r->signature;
    return json_pack(
        "{s:s, s:s, s:s, s:s?, s:s, s:s?, s:s, s:s?, s:I, s:s, s:f, s:O, s:s?, s:s?, s:s, s:n}",
        "id", f->id, "article_id", f->article_id, "author_id", f->author_id,
        "author_name", f->author_name, "body", f->body, "parent_id", f->parent_id,
        "created_at", f->created_at, "edited_at", f->edited_at, "revision",
        (json_int_t)(f->revision > 1 ? f->revision : 1), "status",
        mg_record_status_name(r->status), "score",
        r->score, "matches", r->matches, "key_id", is_signed ? r->key_id : NULL,
        "signature", is_signed ? r->signature : NULL, "rules_version", r->rules_version,
        "decision");
}

/* "name": s, or null when s is NULL */
static void put_string_or_null(struct mg_buf *b, bool *first, const char *name,
                               const char *s)
{
    mg_jsonw_key(b, first, name);
    if (s)
        mg_jsonw_cstring(b, s);
    else
        mg_buf_adds(b, "null");
}

char *mg_record_dump(const struct mg_record_new *r)
{
    const struct mg_record_fields *f = &r->fields;
    bool is_signed = r->key_id && r->signature;
    struct mg_buf b;
    mg_buf_init(&b, SIZE_MAX);
    /* the texts and about 600 bytes of the rest: one allocation mostly */
    mg_buf_reserve(&b, 640 + (f->body ? strlen(f->body) : 0) +
                           (f->author_name ? strlen(f->author_name) : 0));
    bool first = true;
    mg_buf_add(&b, "{", 1);
    put_string_or_null(&b, &first, "id", f->id);
    put_string_or_null(&b, &first, "article_id", f->article_id);
    put_string_or_null(&b, &first, "author_id", f->author_id);
    put_string_or_null(&b, &first, "author_name", f->author_name);
    put_string_or_null(&b, &first, "body", f->body);
    put_string_or_null(&b, &first, "parent_id", f->parent_id);
    put_string_or_null(&b, &first, "created_at", f->created_at);
    put_string_or_null(&b, &first, "edited_at", f->edited_at);
    mg_jsonw_key(&b, &first, "revision");
    mg_jsonw_int(&b, f->revision > 1 ? f->revision : 1);
    put_string_or_null(&b, &first, "status", mg_record_status_name(r->status));
    mg_jsonw_key(&b, &first, "score");
    mg_jsonw_real(&b, r->score, 17); /* jansson's precision when none is given */
    mg_jsonw_key(&b, &first, "matches");
    if (json_array_size(r->matches) == 0) {
        mg_buf_adds(&b, "[]"); /* most comments: nothing fired */
    } else { /* the rules' explanations: rare, nested, left to jansson */
        char *matches = json_dumps(r->matches, JSON_COMPACT | JSON_PRESERVE_ORDER);
        mg_buf_adds(&b, matches ? matches : "[]");
        free(matches); /* jansson's, from malloc */
    }
    put_string_or_null(&b, &first, "key_id", is_signed ? r->key_id : NULL);
    put_string_or_null(&b, &first, "signature", is_signed ? r->signature : NULL);
    put_string_or_null(&b, &first, "rules_version", r->rules_version);
    put_string_or_null(&b, &first, "decision", NULL);
    mg_buf_add(&b, "}", 1);
    return mg_buf_take(&b, NULL);
}

void mg_record_fields_of(const json_t *record, struct mg_record_fields *out)
{
    *out = (struct mg_record_fields){
        .id = json_string_value(json_object_get(record, "id")),
        .article_id = json_string_value(json_object_get(record, "article_id")),
        .author_id = json_string_value(json_object_get(record, "author_id")),
        .author_name = json_string_value(json_object_get(record, "author_name")),
        .body = json_string_value(json_object_get(record, "body")),
        .parent_id = json_string_value(json_object_get(record, "parent_id")),
        .created_at = json_string_value(json_object_get(record, "created_at")),
        .revision = (long long)json_integer_value(json_object_get(record, "revision")),
        .edited_at = json_string_value(json_object_get(record, "edited_at")),
    };
}

void mg_record_sign(struct mg_keyring *kr, const struct mg_record_fields *fields,
                    const char **key_id, char signature[MG_SIGNATURE_B64_LEN])
{
    *key_id = mg_keyring_active_id(kr);
    const struct mg_signed_fields signed_fields = {
        .id = fields->id,
        .article_id = fields->article_id,
        .author_id = fields->author_id,
        .author_name = fields->author_name,
        .body = fields->body,
        .parent_id = fields->parent_id,
        .created_at = fields->created_at,
        .revision = fields->revision,
        .edited_at = fields->edited_at,
        .key_id = *key_id,
    };
    size_t len;
    char *message = mg_canon_signed_message(&signed_fields, &len);
    mg_keyring_sign(kr, message, len, signature);
    mg_free(message);
}

void mg_record_sign_json(struct mg_keyring *kr, json_t *record)
{
    struct mg_record_fields fields;
    mg_record_fields_of(record, &fields);
    const char *key_id;
    char signature[MG_SIGNATURE_B64_LEN];
    mg_record_sign(kr, &fields, &key_id, signature);
    json_object_set_new(record, "key_id", json_string(key_id));
    json_object_set_new(record, "signature", json_string(signature));
}
