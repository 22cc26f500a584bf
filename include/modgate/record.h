/* record.h: the comment record, the one shape a comment has in Redis, in
 * every answer and in every signature: its fields and their JSON, the
 * statuses and the moderators' moves between them (one table), and its
 * signature (one function, for a submission published at once and for an
 * approval). docs/api.md describes the record for site developers. */
#ifndef MODGATE_RECORD_H
#define MODGATE_RECORD_H

#include <jansson.h>
#include <stdbool.h>

#include "modgate/keyring.h"

/* ---- statuses and decisions ---- */

enum mg_record_status {
    MG_RECORD_PUBLISHED,
    MG_RECORD_PENDING,
    MG_RECORD_REJECTED,
    MG_RECORD_REMOVED,
    MG_RECORD_DELETED, /* a tombstone: deleted by its author, or erased */
};

/* "published", "pending", "rejected", "removed", "deleted". */
const char *mg_record_status_name(enum mg_record_status status);

/* The status called name; false for any other text (or NULL). */
bool mg_record_status_parse(const char *name, enum mg_record_status *out);

/* What a moderator asks of a comment. */
enum mg_record_verb { MG_RECORD_APPROVE, MG_RECORD_REJECT };

/* The status machine: what verb does to a comment of status from. True,
 * with the status it leads to and the action the audit log records
 * ("approve", "reject", "remove"; static), when the verb applies; false
 * (a conflict) when it does not: approving a published comment, rejecting
 * a rejected or removed one, anything on a deleted one (a tombstone). */
bool mg_record_decide(enum mg_record_status from, enum mg_record_verb verb,
                      enum mg_record_status *to, const char **action);

/* ---- the record ---- */

/* The fields a signature covers (docs/api.md, "Signatures"). Borrowed;
 * author_name and parent_id may be NULL. A record its author edited has a
 * revision above 1 and edited_at (the last edit's time); the signature
 * covers both then, and only then, so that records signed before edits
 * existed (no revision member) verify as they always did. */
struct mg_record_fields {
    const char *id;
    const char *article_id;
    const char *author_id;
    const char *author_name;
    const char *body;
    const char *parent_id;
    const char *created_at;
    long long revision;     /* 1 (or 0: a record without the member): never edited */
    const char *edited_at;  /* NULL when never edited */
};

/* A new record, as a submission stores it and answers it. */
struct mg_record_new {
    struct mg_record_fields fields;
    enum mg_record_status status;
    double score;
    json_t *matches;           /* borrowed (a new reference is taken) */
    const char *rules_version;
    const char *key_id;        /* NULL, or with signature: the record is signed */
    const char *signature;
};

/* The record as a JSON object, its members in the order the API shows
 * them ("revision" 1 and "edited_at" null unless the fields say an edit);
 * "decision" is null. Caller owns the result (json_decref). */
json_t *mg_record_json(const struct mg_record_new *r);

/* The same record as text, exactly as json_dumps(mg_record_json(r),
 * JSON_COMPACT | JSON_PRESERVE_ORDER) writes it, but written straight into
 * a buffer (jsonw.h) rather than through a tree: a submission's answer and
 * stored copy. NUL-terminated; the caller frees it (mg_free). */
char *mg_record_dump(const struct mg_record_new *r);

/* The signed fields of a record object; borrowed from it (NULL where a
 * member is missing or not a string). */
void mg_record_fields_of(const json_t *record, struct mg_record_fields *out);

/* Signs fields with kr's active key: *key_id (borrowed from kr) and the
 * base64 signature over the RFC 8785 message of the fields and the key id
 * (canon.h). */
void mg_record_sign(struct mg_keyring *kr, const struct mg_record_fields *fields,
                    const char **key_id, char signature[MG_SIGNATURE_B64_LEN]);

/* Signs record as it stands (an approval): sets its key_id and signature. */
void mg_record_sign_json(struct mg_keyring *kr, json_t *record);

#endif
