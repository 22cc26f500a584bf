/* store_bans.c: bans by author, address or subnet: create, lift, list. */
#include "src/server/store_internal.h"

#include <stdio.h>
#include <string.h>

#include "modgate/alloc.h"

static void on_ban_reply(struct mg_store *s, int status,
                         const redisReply *reply,
        const struct mg__store_call *call)
{
    (void)s;
    mg_store_ban_cb cb = call->cb.ban;
    void *data = call->data;
    int64_t at = 0, until = 0;
    if (status == 0) {
        if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
            reply->element[0]->type != REDIS_REPLY_STRING ||
            reply->element[1]->type != REDIS_REPLY_STRING ||
            !mg__parse_i64(reply->element[0]->str, reply->element[0]->len, &at) ||
            (reply->element[1]->len &&
             !mg__parse_i64(reply->element[1]->str, reply->element[1]->len, &until)))
            status = MG_EPROTO;
    }
    cb(status, at, until, data);
}

int mg_store_ban_create(struct mg_store *store, const struct mg_store_ban *ban,
                        mg_store_ban_cb cb, void *data)
{
    char duration[24], family[8], prefix[8];
    snprintf(duration, sizeof duration, "%lld", (long long)ban->duration_s);
    snprintf(family, sizeof family, "%d", ban->family);
    snprintf(prefix, sizeof prefix, "%d", ban->prefix);
    char audit_cap[24];
    snprintf(audit_cap, sizeof audit_cap, "%zu", store->cfg->audit_max_entries);
    const char *args[MG_ARGS_BAN_CREATE] = {
        [MG_ARG_BAN_CREATE_PREFIX] = mg__store_prefix(store),
        [MG_ARG_BAN_CREATE_KIND] = ban->kind,
        [MG_ARG_BAN_CREATE_KV] = ban->key_value,
        [MG_ARG_BAN_CREATE_VALUE] = ban->value,
        [MG_ARG_BAN_CREATE_REASON] = ban->reason,
        [MG_ARG_BAN_CREATE_MODERATOR] = ban->by,
        [MG_ARG_BAN_CREATE_DURATION] = duration,
        [MG_ARG_BAN_CREATE_FAMILY] = family,
        [MG_ARG_BAN_CREATE_PREFIX_LEN] = prefix,
        [MG_ARG_BAN_CREATE_AUDIT_CAP] = audit_cap,
    };
    return mg__store_eval_strings(store, MG_SCRIPT_BAN_CREATE, args, MG_ARGS_BAN_CREATE,
                                  on_ban_reply,
                        &(struct mg__store_call){.cb.ban = cb, .data = data});
}

static void on_found_reply(struct mg_store *s, int status,
                           const redisReply *reply,
        const struct mg__store_call *call)
{
    (void)s;
    mg_store_found_cb cb = call->cb.found;
    void *data = call->data;
    if (status == 0 && reply->type != REDIS_REPLY_INTEGER)
        status = MG_EPROTO;
    cb(status, status == 0 && reply->integer > 0, data);
}

int mg_store_ban_delete(struct mg_store *store, const char *kind,
                        const char *key_value, const char *value, const char *by,
                        mg_store_found_cb cb, void *data)
{
    char audit_cap[24];
    snprintf(audit_cap, sizeof audit_cap, "%zu", store->cfg->audit_max_entries);
    const char *args[MG_ARGS_BAN_DELETE] = {
        [MG_ARG_BAN_DELETE_PREFIX] = mg__store_prefix(store),
        [MG_ARG_BAN_DELETE_KIND] = kind,
        [MG_ARG_BAN_DELETE_KV] = key_value,
        [MG_ARG_BAN_DELETE_VALUE] = value,
        [MG_ARG_BAN_DELETE_MODERATOR] = by,
        [MG_ARG_BAN_DELETE_AUDIT_CAP] = audit_cap,
    };
    return mg__store_eval_strings(store, MG_SCRIPT_BAN_DELETE, args, MG_ARGS_BAN_DELETE,
                                  on_found_reply,
                        &(struct mg__store_call){.cb.found = cb, .data = data});
}

static void on_bans_reply(struct mg_store *s, int status,
                          const redisReply *reply,
        const struct mg__store_call *call)
{
    (void)s;
    mg_store_bans_cb cb = call->cb.bans;
    void *data = call->data;
    if (status != 0) {
        cb(status, NULL, 0, data);
        return;
    }
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements % 6 != 0) {
        cb(MG_EPROTO, NULL, 0, data);
        return;
    }
    size_t n = reply->elements / 6;
    struct mg_store_ban_view *bans = mg_calloc(n ? n : 1, sizeof *bans);
    for (size_t i = 0; i < n; i++) {
        const redisReply *f[6];
        for (size_t k = 0; k < 6; k++) {
            f[k] = reply->element[6 * i + k];
            if (f[k]->type != REDIS_REPLY_STRING) {
                mg_free(bans);
                cb(MG_EPROTO, NULL, 0, data);
                return;
            }
        }
        int64_t at = 0, until = 0;
        if (!mg__parse_i64(f[4]->str, f[4]->len, &at) ||
            (f[5]->len && !mg__parse_i64(f[5]->str, f[5]->len, &until))) {
            mg_free(bans);
            cb(MG_EPROTO, NULL, 0, data);
            return;
        }
        bans[i] = (struct mg_store_ban_view){f[0]->str, f[1]->str,
                                             f[2]->len ? f[2]->str : NULL,
                                             f[3]->str, at, until};
    }
    cb(0, bans, n, data);
    mg_free(bans);
}

int mg_store_ban_list(struct mg_store *store, mg_store_bans_cb cb, void *data)
{
    const char *args[MG_ARGS_BAN_LIST] = {[MG_ARG_BAN_LIST_PREFIX] = mg__store_prefix(store)};
    return mg__store_eval_strings(store, MG_SCRIPT_BAN_LIST, args, MG_ARGS_BAN_LIST,
                                  on_bans_reply,
                        &(struct mg__store_call){.cb.bans = cb, .data = data});
}
