/* store_lists.c: reading comments: one record, the pages of an index (an
 * article's published comments, the queue, the rejected), the articles,
 * and the counts behind GET /v1/stats. */
#include "src/server/store_internal.h"

#include <stdio.h>
#include <string.h>

#include "modgate/alloc.h"

static void on_record_reply(struct mg_store *s, int status,
                            const redisReply *reply,
        const struct mg__store_call *call)
{
    (void)s;
    mg_store_record_cb cb = call->cb.record;
    void *data = call->data;
    if (status != 0) {
        cb(status, NULL, 0, data);
    } else if (reply->type == REDIS_REPLY_NIL) {
        cb(0, NULL, 0, data);
    } else if (reply->type == REDIS_REPLY_STRING) {
        cb(0, reply->str, reply->len, data);
    } else {
        cb(MG_EPROTO, NULL, 0, data);
    }
}

int mg_store_get_comment(struct mg_store *store, const char *id,
                         mg_store_record_cb cb, void *data)
{
    if (store->closing)
        return MG_ECLOSED;
    if (store->state != LINK_READY)
        return MG_EUNAVAIL;
    char *key = mg_asprintf("%sc:%s", mg__store_prefix(store), id);
    const char *argv[] = {"HGET", key, "json"};
    size_t lens[] = {4, strlen(key), 4};
    int rc = mg__store_send(store, "HGET", 3, argv, lens, on_record_reply,
                          &(struct mg__store_call){.cb.record = cb, .data = data});
    mg_free(key);
    return rc;
}

/* {total, more (0|1) or the next page's after-id ("" for none), id1,
 * json1, ...}: list_index.lua's reply, and queue_page.lua's. */
void mg__store_on_page_reply(struct mg_store *s, int status,
                             const redisReply *reply,
        const struct mg__store_call *call)
{
    (void)s;
    mg_store_page_cb cb = call->cb.page;
    void *data = call->data;
    if (status != 0) {
        cb(status, NULL, data);
        return;
    }
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 2 ||
        reply->elements % 2 != 0 ||
        reply->element[0]->type != REDIS_REPLY_INTEGER ||
        (reply->element[1]->type != REDIS_REPLY_INTEGER &&
         reply->element[1]->type != REDIS_REPLY_STRING)) {
        cb(MG_EPROTO, NULL, data);
        return;
    }
    size_t n = (reply->elements - 2) / 2;
    const char **ids = mg_calloc(n ? n : 1, sizeof *ids);
    const char **records = mg_calloc(n ? n : 1, sizeof *records);
    size_t *lens = mg_calloc(n ? n : 1, sizeof *lens);
    for (size_t i = 0; i < n; i++) {
        const redisReply *id = reply->element[2 + 2 * i];
        const redisReply *json = reply->element[3 + 2 * i];
        if (id->type != REDIS_REPLY_STRING || json->type != REDIS_REPLY_STRING) {
            mg_free(ids);
            mg_free(records);
            mg_free(lens);
            cb(MG_EPROTO, NULL, data);
            return;
        }
        ids[i] = id->str;
        records[i] = json->str;
        lens[i] = json->len;
    }
    const redisReply *next = reply->element[1];
    bool named = next->type == REDIS_REPLY_STRING;
    struct mg_store_page page = {
        .total = (size_t)reply->element[0]->integer,
        .more = named ? next->len > 0 : next->integer != 0,
        .next_id = named && next->len > 0 ? next->str : NULL,
        .count = n,
        .ids = ids,
        .records = records,
        .record_lens = lens,
    };
    cb(0, &page, data);
    mg_free(ids);
    mg_free(records);
    mg_free(lens);
}

int mg_store_list(struct mg_store *store, enum mg_store_index index,
                  const char *article_id, const char *after_id, size_t limit,
                  mg_store_page_cb cb, void *data)
{
    if (store->closing)
        return MG_ECLOSED;
    if (store->state != LINK_READY)
        return MG_EUNAVAIL;
    /* the index keys, as submit.lua and decide.lua write them */
    char *key;
    if (index == MG_INDEX_PUBLISHED)
        key = mg_asprintf("a:%s:pub", article_id);
    else if (index == MG_INDEX_QUEUE && article_id)
        key = mg_asprintf("a:%s:queue", article_id);
    else
        key = mg_strdup(index == MG_INDEX_QUEUE ? "queue" : "rejected");
    char limit_text[24], retention[24] = "";
    snprintf(limit_text, sizeof limit_text, "%zu", limit);
    if (index == MG_INDEX_REJECTED)
        snprintf(retention, sizeof retention, "%lld",
                 (long long)store->cfg->rejected_retention_s * 1000);
    const char *args[MG_ARGS_LIST_INDEX] = {
        [MG_ARG_LIST_INDEX_PREFIX] = mg__store_prefix(store),
        [MG_ARG_LIST_INDEX_INDEX_KEY] = key,
        [MG_ARG_LIST_INDEX_AFTER] = after_id ? after_id : "",
        [MG_ARG_LIST_INDEX_LIMIT] = limit_text,
        [MG_ARG_LIST_INDEX_ORDER] = index == MG_INDEX_REJECTED ? "desc" : "asc",
        [MG_ARG_LIST_INDEX_RETENTION] = retention,
        /* the rejected are a moderators' list: they see the address */
        [MG_ARG_LIST_INDEX_META] = index == MG_INDEX_REJECTED ? "1" : "",
    };
    int rc = mg__store_eval_strings(store, MG_SCRIPT_LIST_INDEX, args, MG_ARGS_LIST_INDEX,
                                    mg__store_on_page_reply,
                                    &(struct mg__store_call){.cb.page = cb, .data = data});
    mg_free(key);
    return rc;
}

static void on_articles_reply(struct mg_store *s, int status,
                              const redisReply *reply,
        const struct mg__store_call *call)
{
    (void)s;
    mg_store_articles_cb cb = call->cb.articles;
    void *data = call->data;
    if (status == 0 &&
        (reply->type != REDIS_REPLY_ARRAY || reply->elements < 2 ||
         reply->elements % 2 != 0 || reply->element[0]->type != REDIS_REPLY_INTEGER ||
         reply->element[1]->type != REDIS_REPLY_INTEGER))
        status = MG_EPROTO;
    if (status != 0) {
        cb(status, NULL, 0, 0, false, data);
        return;
    }
    size_t n = (reply->elements - 2) / 2;
    struct mg_store_article *list = mg_calloc(n ? n : 1, sizeof *list);
    for (size_t i = 0; i < n; i++) {
        const redisReply *id = reply->element[2 + 2 * i];
        const redisReply *count = reply->element[3 + 2 * i];
        if (id->type != REDIS_REPLY_STRING || count->type != REDIS_REPLY_INTEGER) {
            mg_free(list);
            cb(MG_EPROTO, NULL, 0, 0, false, data);
            return;
        }
        list[i] = (struct mg_store_article){id->str, count->integer};
    }
    cb(0, list, n, (size_t)reply->element[0]->integer, reply->element[1]->integer != 0,
       data);
    mg_free(list);
}

int mg_store_list_articles(struct mg_store *store, const char *after, size_t limit,
                           mg_store_articles_cb cb, void *data)
{
    char limit_text[24];
    snprintf(limit_text, sizeof limit_text, "%zu", limit);
    const char *args[MG_ARGS_LIST_ARTICLES] = {
        [MG_ARG_LIST_ARTICLES_PREFIX] = mg__store_prefix(store),
        [MG_ARG_LIST_ARTICLES_AFTER] = after ? after : "",
        [MG_ARG_LIST_ARTICLES_LIMIT] = limit_text,
    };
    return mg__store_eval_strings(store, MG_SCRIPT_LIST_ARTICLES, args, MG_ARGS_LIST_ARTICLES,
                                  on_articles_reply,
                        &(struct mg__store_call){.cb.articles = cb, .data = data});
}

static void on_json_reply(struct mg_store *s, int status, const redisReply *reply,
        const struct mg__store_call *call)
{
    (void)s;
    mg_store_json_cb cb = call->cb.json;
    void *data = call->data;
    if (status == 0 && reply->type != REDIS_REPLY_STRING)
        status = MG_EPROTO;
    if (status != 0)
        cb(status, NULL, 0, data);
    else
        cb(0, reply->str, reply->len, data);
}

int mg_store_stats(struct mg_store *store, mg_store_json_cb cb, void *data)
{
    const char *args[MG_ARGS_STATS] = {[MG_ARG_STATS_PREFIX] = mg__store_prefix(store)};
    return mg__store_eval_strings(store, MG_SCRIPT_STATS, args, MG_ARGS_STATS, on_json_reply,
                        &(struct mg__store_call){.cb.json = cb, .data = data});
}
