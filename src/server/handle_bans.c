/* handle_bans.c: POST /v1/bans, GET /v1/bans, DELETE /v1/bans/{kind}/{value}
 * (moderators). A ban names an author_id, an address or a subnet; the
 * submit script refuses their comments with 403 until it expires or is
 * lifted. */
#include <string.h>

#include "modgate/alloc.h"
#include "modgate/ipaddr.h"
#include "modgate/problem.h"
#include "modgate/store.h"
#include "modgate/text.h"
#include "modgate/timefmt.h"
#include "modgate/uuid.h"
#include "server.h"

#define REASON_MAX_BYTES 500
#define DURATION_MAX_S (10LL * 365 * 24 * 3600)

/* A ban's key forms, from what a moderator wrote. */
struct ban_target {
    const char *kind;
    char key_value[160]; /* an author id (<= 128) or hex "/" prefix */
    char value[160];     /* an author id or text "/" prefix */
    int family, prefix;
};

/* Normalizes kind + text; false when it cannot name a ban. */
static bool ban_target(const char *kind, const char *text, struct ban_target *t)
{
    memset(t, 0, sizeof *t);
    struct mg_ip ip;
    if (strcmp(kind, "author_id") == 0) {
        if (!mg_text_is_id(text))
            return false;
        t->kind = "author_id";
        snprintf(t->key_value, sizeof t->key_value, "%s", text);
        snprintf(t->value, sizeof t->value, "%s", text);
    } else if (strcmp(kind, "ip") == 0) {
        if (mg_ip_parse(text, &ip) != MG_OK)
            return false;
        t->kind = "ip";
        mg_ip_hex(&ip, t->key_value);
        mg_ip_format(&ip, t->value);
    } else if (strcmp(kind, "subnet") == 0) {
        if (mg_subnet_parse(text, &ip, &t->prefix) != MG_OK)
            return false;
        t->kind = "subnet";
        t->family = ip.family;
        char hex[MG_IP_HEX_LEN], net[MG_IP_TEXT_LEN];
        mg_ip_hex(&ip, hex);
        mg_ip_format(&ip, net);
        snprintf(t->key_value, sizeof t->key_value, "%s/%d", hex, t->prefix);
        snprintf(t->value, sizeof t->value, "%s/%d", net, t->prefix);
    } else {
        return false;
    }
    return true;
}

/* The API form of a ban; times are Redis' clock, until_ms 0 = permanent. */
static json_t *ban_json(const char *kind, const char *value, const char *reason,
                        const char *by, int64_t at_ms, int64_t until_ms)
{
    char at[MG_TIME_LEN], until[MG_TIME_LEN];
    mg_time_format(at_ms, at);
    if (until_ms)
        mg_time_format(until_ms, until);
    return json_pack("{s:s, s:s, s:s?, s:s, s:s, s:s?}", "kind", kind, "value",
                     value, "reason", reason, "by", by, "at", at, "until",
                     until_ms ? until : NULL);
}

/* ---- POST /v1/bans ---- */

struct create_ctx {
    struct mg_exchange *x;
    struct ban_target target;
    char *reason; /* NULL when none */
    json_int_t duration;
    char *comment_id; /* a ban by comment (ip_of, subnet_of), else NULL */
};

static void create_ctx_free(struct create_ctx *ctx)
{
    mg_free(ctx->reason);
    mg_free(ctx->comment_id);
    mg_free(ctx);
}

static void on_created(int status, int64_t at_ms, int64_t until_ms, void *data)
{
    struct create_ctx *ctx = data;
    struct mg_exchange *x = ctx->x;
    if (status != MG_OK) {
        mg_respond_write_failed(x, status);
    } else {
        /* a ban by comment does not show the address it banned */
        json_t *ban = ban_json(ctx->target.kind, ctx->target.value, ctx->reason,
                               x->principal->name, at_ms, until_ms);
        if (ctx->comment_id) {
            json_object_set_new(ban, "value", json_null());
            json_object_set_new(ban, "comment_id", json_string(ctx->comment_id));
        }
        mg_respond_json(x, 201, ban);
    }
    create_ctx_free(ctx);
}

/* Has the store write ctx's ban; on_created answers. Frees ctx when it
 * cannot be sent, after answering. */
static void create_ban(struct create_ctx *ctx)
{
    const struct ban_target *t = &ctx->target;
    const struct mg_store_ban ban = {
        .kind = t->kind,
        .key_value = t->key_value,
        .value = t->value,
        .reason = ctx->reason ? ctx->reason : "",
        .by = ctx->x->principal->name,
        .duration_s = ctx->duration,
        .family = t->family,
        .prefix = t->prefix,
    };
    int rc = mg_store_ban_create(ctx->x->srv->store, &ban, on_created, ctx);
    if (rc != MG_OK) {
        mg_respond_unavailable(ctx->x, rc);
        create_ctx_free(ctx);
    }
}

/* The comment's address, for ip_of and subnet_of: banned as an address, or
 * as the subnet the rate limits use for it (rate_limits.subnet_prefix_v4,
 * _v6). */
static void on_comment_addr(int status, enum mg_store_addr_outcome outcome,
                            const char *ip_text, void *data)
{
    struct create_ctx *ctx = data;
    struct mg_exchange *x = ctx->x;
    struct mg_ip ip;
    if (status != MG_OK) {
        mg_respond_unavailable(x, status);
    } else if (outcome == MG_ADDR_UNKNOWN) {
        mg_respond_error(x, 404, "not_found", "No comment has this id.");
    } else if (outcome == MG_ADDR_EXPIRED || mg_ip_parse(ip_text, &ip) != MG_OK) {
        mg_respond_error(x, 409, "address_expired",
                         "The comment's address is no longer kept "
                         "(privacy.ip_retention_s), or was never given.");
    } else {
        const struct mg_rl_config *rl = &x->srv->cfg->rate_limits;
        char text[MG_IP_TEXT_LEN + 8];
        mg_ip_format(&ip, text);
        if (strcmp(ctx->target.kind, "subnet") == 0)
            snprintf(text + strlen(text), 8, "/%d",
                     ip.family == 4 ? rl->subnet_prefix_v4 : rl->subnet_prefix_v6);
        if (ban_target(ctx->target.kind, text, &ctx->target)) {
            create_ban(ctx);
            return;
        }
        mg_respond_error(x, 409, "address_expired", "The comment's address cannot be "
                                                    "banned.");
    }
    create_ctx_free(ctx);
}

/* The one of author_id, ip or subnet that body names, as a ban target.
 * False after answering 400 (none, two, not a string, not a valid value). */
static bool parse_target(struct mg_exchange *x, const json_t *body, struct ban_target *t,
                         const char **of_comment)
{
    static const char *const kinds[] = {"author_id", "ip", "subnet", "ip_of",
                                        "subnet_of"};
    const char *kind = NULL, *text = NULL;
    *of_comment = NULL;
    for (size_t i = 0; i < 5; i++) {
        json_t *v = json_object_get(body, kinds[i]);
        if (!v || json_is_null(v))
            continue;
        if (kind) {
            mg_respond_invalid(x, kinds[i], "A ban names exactly one of author_id, "
                                            "ip, subnet, ip_of or subnet_of.");
            return false;
        }
        kind = kinds[i];
        text = json_string_value(v);
        if (!text) {
            mg_respond_invalid(x, kind, "must be a string.");
            return false;
        }
    }
    if (!kind) {
        mg_respond_invalid(x, NULL, "A ban names one of author_id, ip, subnet, "
                                    "ip_of or subnet_of.");
        return false;
    }
    if (strcmp(kind, "ip_of") == 0 || strcmp(kind, "subnet_of") == 0) {
        /* the address is the comment's: ban_by_comment looks it up */
        memset(t, 0, sizeof *t);
        t->kind = kind[0] == 'i' ? "ip" : "subnet";
        *of_comment = text;
        return true;
    }
    if (!ban_target(kind, text, t)) {
        mg_respond_invalid(x, kind,
                           strcmp(kind, "subnet") == 0
                               ? "subnet must be ADDRESS/PREFIX, e.g. 203.0.113.0/24."
                           : strcmp(kind, "ip") == 0
                               ? "ip must be an IPv4 or IPv6 address."
                               : "author_id must be 1 to 128 printable ASCII "
                                 "characters.");
        return false;
    }
    return true;
}

void mg_handle_ban_create(struct mg_exchange *x)
{
    json_error_t jerr;
    json_t *body = json_loadb(x->req->body, x->req->body_len,
                              JSON_REJECT_DUPLICATES, &jerr);
    static const char bad_body[] = "The body must be a JSON object naming one of "
                                   "author_id, ip, subnet, ip_of or subnet_of.";
    if (!body) {
        static const char *const members[] = {"author_id", "ip",        "subnet",
                                              "ip_of",     "subnet_of", "reason"};
        mg_respond_bad_json(x, &jerr, members, 6, bad_body);
        return;
    }
    if (!json_is_object(body)) {
        json_decref(body);
        mg_respond_invalid(x, NULL, bad_body);
        return;
    }
    struct ban_target t;
    const char *of_comment;
    if (!parse_target(x, body, &t, &of_comment)) {
        json_decref(body);
        return;
    }
    json_t *reason_v = json_object_get(body, "reason");
    const char *reason = json_string_value(reason_v);
    if ((reason_v && !json_is_null(reason_v) && !reason) ||
        (reason && strlen(reason) > REASON_MAX_BYTES)) {
        json_decref(body);
        mg_respond_invalid(x, "reason", "reason must be a string of at most 500 bytes.");
        return;
    }
    json_t *dur_v = json_object_get(body, "duration_s");
    json_int_t duration = 0;
    if (dur_v && !json_is_null(dur_v)) {
        duration = json_is_integer(dur_v) ? json_integer_value(dur_v) : -1;
        if (duration < 1 || duration > DURATION_MAX_S) {
            json_decref(body);
            mg_respond_invalid(x, "duration_s", "duration_s must be a whole number of "
                                             "seconds from 1 to ten years; leave "
                                             "it out for a permanent ban.");
            return;
        }
    }

    /* An empty reason is no reason: null, as the list will show it. */
    if (reason && !*reason)
        reason = NULL;
    struct create_ctx *ctx = mg_calloc(1, sizeof *ctx);
    ctx->x = x;
    ctx->target = t;
    ctx->reason = reason ? mg_strdup(reason) : NULL;
    ctx->duration = duration;
    if (!of_comment) {
        json_decref(body);
        create_ban(ctx);
        return;
    }
    /* a ban by comment: its address first, never sent back */
    ctx->comment_id = mg_strdup(of_comment);
    json_decref(body);
    int rc = mg_uuid_valid(ctx->comment_id)
                 ? mg_store_comment_addr(x->srv->store, ctx->comment_id,
                                         on_comment_addr, ctx)
                 : MG_OK;
    if (!mg_uuid_valid(ctx->comment_id)) {
        mg_respond_error(x, 404, "not_found", "No comment has this id.");
        create_ctx_free(ctx);
    } else if (rc != MG_OK) {
        mg_respond_unavailable(x, rc);
        create_ctx_free(ctx);
    }
}

/* ---- GET /v1/bans ---- */

static void on_listed(int status, const struct mg_store_ban_view *bans,
                      size_t count, void *data)
{
    struct mg_exchange *x = data;
    if (status != MG_OK) {
        mg_respond_unavailable(x, status);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < count; i++)
        json_array_append_new(list, ban_json(bans[i].kind, bans[i].value,
                                             bans[i].reason, bans[i].by,
                                             bans[i].at_ms, bans[i].until_ms));
    mg_respond_json(x, 200, json_pack("{s:o}", "bans", list));
}

void mg_handle_ban_list(struct mg_exchange *x)
{
    if (mg_store_ban_list(x->srv->store, on_listed, x) != MG_OK)
        mg_respond_unavailable(x, MG_EUNAVAIL);
}

/* ---- DELETE /v1/bans/{kind}/{value} ---- */

static void on_deleted(int status, bool found, void *data)
{
    struct mg_exchange *x = data;
    if (status != MG_OK)
        mg_respond_write_failed(x, status);
    else if (!found)
        mg_respond_error(x, 404, "not_found", "There is no such ban in force.");
    else
        mg_respond(x, 204, NULL, NULL, 0, NULL, 0);
}

void mg_handle_ban_delete(struct mg_exchange *x)
{
    struct ban_target t;
    if (!ban_target(x->match.params[0], x->match.params[1], &t)) {
        mg_respond_error(x, 404, "not_found", "There is no such ban in force.");
        return;
    }
    if (mg_store_ban_delete(x->srv->store, t.kind, t.key_value, t.value,
                            x->principal->name, on_deleted, x) != MG_OK)
        mg_respond_unavailable(x, MG_EUNAVAIL);
}
