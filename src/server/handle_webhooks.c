/* handle_webhooks.c: GET /v1/webhooks (moderators): each configured
 * webhook's URL (redacted), events, lag, pending deliveries, last success,
 * last error and counts, as webhook_info.lua reads them from Redis, so
 * that every instance answers alike (`modctl webhooks` shows it). */
#include <stdio.h>
#include <string.h>

#include "modgate/alloc.h"
#include "modgate/buf.h"
#include "modgate/timefmt.h"
#include "server.h"
#include "webhooks.h"

/* ms as text ("" when never) into an RFC 3339 time or null. */
static json_t *time_or_null(const char *ms_text)
{
    long long ms = 0;
    if (!ms_text[0] || sscanf(ms_text, "%lld", &ms) != 1)
        return json_null();
    char at[MG_TIME_LEN];
    mg_time_format(ms, at);
    return json_string(at);
}

static json_t *webhook_json(const struct mg_webhook_config *cfg,
                            const struct mg_store_webhook_info *info)
{
    char shown[2100];
    mg_webhook_redact(cfg->url, shown, sizeof shown);
    json_t *events = json_array();
    for (int i = 0; mg_webhook_event_types[i]; i++)
        if (cfg->events_mask & (1u << i))
            json_array_append_new(events, json_string(mg_webhook_event_types[i]));
    return json_pack("{s:s, s:o, s:o, s:I, s:o, s:o, s:o, s:I, s:I}", "url", shown,
                     "events", events, "lag",
                     info->lag < 0 ? json_null() : json_integer(info->lag), "pending",
                     (json_int_t)info->pending, "last_success_at",
                     time_or_null(info->last_success_at), "last_error_at",
                     time_or_null(info->last_error_at), "last_error",
                     info->last_error[0] ? json_string(info->last_error) : json_null(),
                     "delivered", (json_int_t)info->delivered, "failed",
                     (json_int_t)info->failed);
}

static void on_info(int status, const struct mg_store_webhook_info *info, size_t n,
                    void *data)
{
    struct mg_exchange *x = data;
    const struct mg_webhooks_config *cfg = &x->srv->cfg->webhooks;
    if (status != 0) {
        mg_respond_unavailable(x, status);
        return;
    }
    if (n != cfg->n) {
        mg_respond_unavailable(x, MG_EPROTO);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, webhook_json(&cfg->items[i], &info[i]));
    mg_respond_json(x, 200, json_pack("{s:o}", "webhooks", list));
}

void mg_handle_webhooks(struct mg_exchange *x)
{
    const struct mg_webhooks_config *cfg = &x->srv->cfg->webhooks;
    if (cfg->n == 0) {
        mg_respond_json(x, 200, json_pack("{s:[]}", "webhooks"));
        return;
    }
    struct mg_buf gids;
    mg_buf_init(&gids, 17 * MG_WEBHOOKS_MAX + 1);
    for (size_t i = 0; i < cfg->n; i++) {
        char gid[17];
        mg_webhook_gid(cfg->items[i].url, gid);
        mg_buf_adds(&gids, i ? "," : "");
        mg_buf_adds(&gids, gid);
    }
    int rc = mg_store_webhook_info(x->srv->store, gids.data, on_info, x);
    mg_buf_close(&gids);
    if (rc != MG_OK)
        mg_respond_unavailable(x, rc);
}
