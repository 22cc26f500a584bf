/* store_queue.c: what moderators read that the site never sees: a record
 * with the client's address and user agent (its unsigned meta, kept
 * privacy.ip_retention_s by a Redis expiry), the address behind a comment
 * for a ban by comment, and the queue's sorted and filtered pages. */
#include "src/server/store_internal.h"

#include <stdio.h>
#include <string.h>

#include "modgate/alloc.h"

/* How many queue entries a filtered page examines at most: the bound on
 * a filter's cost that docs/api.md states. */
#define QUEUE_SCAN_MAX "1000"

static void on_meta_reply(struct mg_store *s, int status, const redisReply *reply,
                          const struct mg__store_call *call)
{
    (void)s;
    mg_store_record_cb cb = call->cb.record;
    if (status != 0)
        cb(status, NULL, 0, call->data);
    else if (reply->type == REDIS_REPLY_NIL)
        cb(0, NULL, 0, call->data);
    else if (reply->type == REDIS_REPLY_STRING)
        cb(0, reply->str, reply->len, call->data);
    else
        cb(MG_EPROTO, NULL, 0, call->data);
}

int mg_store_get_comment_meta(struct mg_store *store, const char *id,
                              mg_store_record_cb cb, void *data)
{
    const char *args[MG_ARGS_COMMENT_GET] = {
        [MG_ARG_COMMENT_GET_PREFIX] = mg__store_prefix(store),
        [MG_ARG_COMMENT_GET_ID] = id,
    };
    return mg__store_eval_strings(store, MG_SCRIPT_COMMENT_GET, args, MG_ARGS_COMMENT_GET,
                                  on_meta_reply,
                                  &(struct mg__store_call){.cb.record = cb, .data = data});
}

static void on_addr_reply(struct mg_store *s, int status, const redisReply *reply,
                          const struct mg__store_call *call)
{
    (void)s;
    mg_store_addr_cb cb = call->cb.addr;
    if (status == 0 && (reply->type != REDIS_REPLY_ARRAY || reply->elements < 1 ||
                        reply->element[0]->type != REDIS_REPLY_STRING))
        status = MG_EPROTO;
    if (status != 0) {
        cb(status, MG_ADDR_UNKNOWN, NULL, call->data);
    } else if (mg__reply_is(reply->element[0], "ip") && reply->elements == 2 &&
               reply->element[1]->type == REDIS_REPLY_STRING) {
        cb(0, MG_ADDR_FOUND, reply->element[1]->str, call->data);
    } else if (mg__reply_is(reply->element[0], "expired")) {
        cb(0, MG_ADDR_EXPIRED, NULL, call->data);
    } else if (mg__reply_is(reply->element[0], "unknown")) {
        cb(0, MG_ADDR_UNKNOWN, NULL, call->data);
    } else {
        cb(MG_EPROTO, MG_ADDR_UNKNOWN, NULL, call->data);
    }
}

int mg_store_comment_addr(struct mg_store *store, const char *id, mg_store_addr_cb cb,
                          void *data)
{
    const char *args[MG_ARGS_COMMENT_ADDR] = {
        [MG_ARG_COMMENT_ADDR_PREFIX] = mg__store_prefix(store),
        [MG_ARG_COMMENT_ADDR_ID] = id,
    };
    return mg__store_eval_strings(store, MG_SCRIPT_COMMENT_ADDR, args,
                                  MG_ARGS_COMMENT_ADDR, on_addr_reply,
                                  &(struct mg__store_call){.cb.addr = cb, .data = data});
}

int mg_store_queue(struct mg_store *store, const struct mg_store_queue_query *q,
                   mg_store_page_cb cb, void *data)
{
    char limit[24];
    snprintf(limit, sizeof limit, "%zu", q->limit);
    const char *args[MG_ARGS_QUEUE_PAGE] = {
        [MG_ARG_QUEUE_PAGE_PREFIX] = mg__store_prefix(store),
        [MG_ARG_QUEUE_PAGE_ARTICLE] = q->article_id ? q->article_id : "",
        [MG_ARG_QUEUE_PAGE_AFTER] = q->after_id ? q->after_id : "",
        [MG_ARG_QUEUE_PAGE_LIMIT] = limit,
        [MG_ARG_QUEUE_PAGE_SORT] = q->by_score ? "score" : "age",
        [MG_ARG_QUEUE_PAGE_RULE] = q->rule ? q->rule : "",
        [MG_ARG_QUEUE_PAGE_AUTHOR] = q->author_id ? q->author_id : "",
        [MG_ARG_QUEUE_PAGE_Q] = q->text ? q->text : "",
        [MG_ARG_QUEUE_PAGE_SCAN] = QUEUE_SCAN_MAX,
        [MG_ARG_QUEUE_PAGE_META] = "1",
    };
    return mg__store_eval_strings(store, MG_SCRIPT_QUEUE_PAGE, args, MG_ARGS_QUEUE_PAGE,
                                  mg__store_on_page_reply,
                                  &(struct mg__store_call){.cb.page = cb, .data = data});
}
