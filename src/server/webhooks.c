/* webhooks.c: the delivery loops (webhooks.h). Each webhook is a small
 * state machine on the loop:
 *
 *   idle --tick--> taking --events--> posting --2xx--> acking --> taking
 *                    |  none: idle 250 ms      |
 *                    |                         +--else--> backoff --> posting
 *                                              +--past max age--> failing --> taking
 *
 * A batch is this instance's pending entries (webhook_take.lua), at most
 * BATCH_MAX, sent as one POST and retried whole, never reading past it,
 * so a comment's events keep their order. One consumer name per process
 * (a UUIDv7); a heartbeat (1 s, or a quarter of
 * events.webhook_claim_after_ms when shorter) keeps it alive in Redis
 * while a POST or a backoff waits, so that other instances claim its deliveries only when
 * it stops. */
#include "webhooks.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "modgate/alloc.h"
#include "modgate/crypto.h"
#include "modgate/keyring.h"
#include "modgate/log.h"
#include "modgate/store.h"
#include "modgate/timefmt.h"
#include "modgate/uuid.h"
#include "notify.h"
#include "server.h"
#include "webhook_http.h"

#define BATCH_MAX 100         /* events per POST */
#define IDLE_MS 250           /* between takes when nothing is pending */
#define STORE_RETRY_MS 1000   /* after Redis failed a take */
#define HEARTBEAT_MS 1000 /* at most; a quarter of the liveness when shorter */
#define BACKOFF_FIRST_MS 500
#define BACKOFF_MAX_MS 300000 /* 5 min */
#define ERROR_MAX 200         /* bytes of an error kept */

static const double buckets[] = {0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
#define NBUCKETS (sizeof buckets / sizeof buckets[0])

enum hook_state { H_IDLE, H_TAKING, H_POSTING, H_BACKOFF, H_ACKING };

struct hook {
    struct mg_webhooks *w;
    const struct mg_webhook_config *cfg; /* restart-only: stable */
    char gid[17];
    char *shown;     /* the URL without its secrets, for Redis and logs */
    char types[128]; /* ",published,held," as the take script reads it */
    enum hook_state state;
    uv_timer_t timer;
    /* the batch */
    char *body;
    size_t body_len;
    struct mg_buf ids, comments;
    size_t nevents;
    int64_t first_ms; /* first attempt, for events.webhook_max_age_s */
    int attempts;
    bool take_failing; /* said once at warn, until a take succeeds */
    bool grouped;      /* a take succeeded: the consumer group exists */
    char error[ERROR_MAX];
    /* metrics, in the shape the workers publish (its gid is the hook's) */
    struct mg_webhook_counts counts;
};

struct mg_webhooks {
    struct mg_server *srv;
    char consumer[MG_UUID_LEN];
    struct mg_whttp *http;
    uv_timer_t heartbeat;
    struct hook *hooks;
    size_t n;
    bool closing;
    unsigned refs; /* handles and store calls still to end */
    void (*handed_over)(void *data); /* mg_webhooks_close's */
    void *handed_data;
    size_t ngrouped; /* hooks whose consumer group exists (mg_webhooks_ready) */
};

static void release(struct mg_webhooks *w)
{
    if (--w->refs > 0)
        return;
    for (size_t i = 0; i < w->n; i++) {
        mg_free(w->hooks[i].body);
        mg_free(w->hooks[i].shown);
        mg_buf_close(&w->hooks[i].ids);
        mg_buf_close(&w->hooks[i].comments);
    }
    mg_free(w->hooks);
    mg_free(w);
}

static void on_handle_closed(uv_handle_t *h)
{
    release(h->data);
}

static void on_http_closed(void *data)
{
    release(data);
}

void mg_webhook_gid(const char *url, char out[17])
{
    uint8_t digest[32];
    char hex[65];
    mg_crypto_sha256(url, strlen(url), digest);
    mg_crypto_hex(digest, 32, hex);
    memcpy(out, hex, 16);
    out[16] = '\0';
}

void mg_webhook_redact(const char *url, char *out, size_t size)
{
    const char *auth = strstr(url, "://");
    auth = auth ? auth + 3 : url;
    size_t auth_len = strcspn(auth, "/?#");
    const char *at = memchr(auth, '@', auth_len);
    const char *query = strchr(url, '?');
    struct mg_buf b;
    mg_buf_init(&b, 8192);
    if (at) {
        mg_buf_add(&b, url, (size_t)(auth - url));
        mg_buf_adds(&b, "REDACTED");
        url = at;
    }
    mg_buf_add(&b, url, query ? (size_t)(query - url) : strlen(url));
    if (query)
        mg_buf_adds(&b, "?REDACTED");
    snprintf(out, size, "%s", b.data ? b.data : "");
    mg_buf_close(&b);
}

/* ---- a hook's steps ---- */

static void tick(uv_timer_t *t);
static void post(struct hook *h);

static void schedule(struct hook *h, uint64_t ms)
{
    h->state = H_IDLE;
    if (!h->w->closing)
        uv_timer_start(&h->timer, tick, ms, 0);
}

static void batch_clear(struct hook *h)
{
    mg_free(h->body);
    h->body = NULL;
    mg_buf_reset(&h->ids);
    mg_buf_reset(&h->comments);
    h->nevents = 0;
    h->attempts = 0;
}

static void on_taken(int status, const struct mg_store_event *ev, size_t n, bool more,
                     void *data)
{
    struct hook *h = data;
    struct mg_webhooks *w = h->w;
    if (w->closing) {
        release(w);
        return;
    }
    release(w);
    if (status != 0) {
        MG_LOG(h->take_failing ? MG_LOG_DEBUG : MG_LOG_WARN, "webhooks", "take_failed",
               "{s:s, s:s}", "webhook", h->gid, "error", mg_strerror(status));
        h->take_failing = true;
        schedule(h, STORE_RETRY_MS);
        return;
    }
    h->take_failing = false;
    if (!h->grouped) {
        h->grouped = true;
        if (++w->ngrouped == w->n)
            mg_notify_check(); /* ready now, if the rest is (/readyz too) */
    }
    if (n == 0) {
        schedule(h, IDLE_MS);
        return;
    }
    (void)more; /* a full batch or not, the next take follows its ack */
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(list, mg_event_json(&ev[i]));
        mg_buf_adds(&h->ids, i ? "," : "");
        mg_buf_adds(&h->ids, ev[i].id);
        mg_buf_adds(&h->comments, i ? "," : "");
        mg_buf_adds(&h->comments, ev[i].comment);
    }
    json_t *body = json_pack("{s:o}", "events", list);
    h->body = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
    h->body_len = strlen(h->body);
    json_decref(body);
    h->nevents = n;
    h->first_ms = mg_time_now_ms();
    post(h);
}

static void tick(uv_timer_t *t)
{
    struct hook *h = t->data;
    struct mg_webhooks *w = h->w;
    if (w->closing)
        return;
    if (!mg_store_ready(w->srv->store)) {
        schedule(h, IDLE_MS);
        return;
    }
    h->state = H_TAKING;
    w->refs++;
    if (mg_store_webhook_take(w->srv->store, h->gid, w->consumer, BATCH_MAX,
                              w->srv->cfg->webhook_claim_after_ms, h->types, on_taken,
                              h) != MG_OK) {
        w->refs--;
        schedule(h, STORE_RETRY_MS);
    }
}

static void on_noted(int status, void *data);

static void on_acked(int status, void *data)
{
    struct hook *h = data;
    struct mg_webhooks *w = h->w;
    bool closing = w->closing;
    release(w);
    if (closing)
        return;
    if (status != 0)
        MG_LOG(MG_LOG_WARN, "webhooks", "ack_failed", "{s:s, s:s}", "webhook", h->gid,
               "error", mg_strerror(status));
    batch_clear(h);
    /* not acknowledged: the batch is still this consumer's, sent again */
    schedule(h, status == 0 ? 0 : STORE_RETRY_MS);
}

static int store_ack(struct hook *h, const char *outcome, mg_store_done_cb cb)
{
    struct mg_webhooks *w = h->w;
    struct mg_store_webhook_ack a = {
        .gid = h->gid,
        .url = h->shown,
        .outcome = outcome,
        .ids = h->ids.data ? h->ids.data : "",
        .comments = h->comments.data ? h->comments.data : "",
        .error = h->error,
        .at_ms = mg_time_now_ms(),
    };
    w->refs++;
    int rc = mg_store_webhook_ack(w->srv->store, &a, cb,
                                  cb == on_noted ? (void *)w : (void *)h);
    if (rc != MG_OK)
        w->refs--;
    return rc;
}

/* delivered or failed: the batch leaves this consumer */
static void finish(struct hook *h, const char *outcome)
{
    h->state = H_ACKING;
    if (store_ack(h, outcome, on_acked) != MG_OK) {
        batch_clear(h);
        schedule(h, STORE_RETRY_MS);
    }
}

static void on_noted(int status, void *data)
{
    (void)status;
    release(data);
}

static void on_backoff(uv_timer_t *t)
{
    struct hook *h = t->data;
    if (!h->w->closing)
        post(h);
}

/* The wait before attempt attempts + 1: 0.5 s doubling to 5 min, each
 * between 75 % and 125 % of that so that instances do not retry in step,
 * and never past the batch's max age, when it is given up. */
static uint64_t backoff_ms(const struct hook *h, int64_t left_ms)
{
    int shift = h->attempts - 1 < 20 ? h->attempts - 1 : 20;
    uint64_t d = (uint64_t)BACKOFF_FIRST_MS << shift;
    if (d > BACKOFF_MAX_MS)
        d = BACKOFF_MAX_MS;
    uint32_t r;
    mg_crypto_random_fast(&r, sizeof r);
    d = d * 3 / 4 + (uint64_t)((double)r / 4294967296.0 * (double)(d / 2));
    if (left_ms >= 0 && d > (uint64_t)left_ms)
        d = (uint64_t)left_ms;
    return d;
}

static void observe(struct hook *h, double seconds)
{
    size_t i = 0;
    while (i < NBUCKETS && seconds > buckets[i])
        i++;
    h->counts.hist[i]++;
    h->counts.hist_sum += seconds;
}

static void on_posted(int status, const char *error, double seconds, void *data)
{
    struct hook *h = data;
    struct mg_webhooks *w = h->w;
    if (w->closing)
        return;
    observe(h, seconds);
    if (status >= 200 && status < 300) {
        h->counts.delivered++;
        h->counts.events += h->nevents;
        h->error[0] = '\0';
        finish(h, "delivered");
        return;
    }
    if (status)
        snprintf(h->error, sizeof h->error, "HTTP %d", status);
    else
        snprintf(h->error, sizeof h->error, "%s", error ? error : "no answer");
    int64_t left = h->first_ms + (int64_t)w->srv->cfg->webhook_max_age_s * 1000 -
                   mg_time_now_ms();
    MG_LOG(left > 0 ? MG_LOG_INFO : MG_LOG_WARN, "webhooks",
           left > 0 ? "delivery_retry" : "delivery_failed", "{s:s, s:s, s:i, s:I}",
           "webhook", h->gid, "error", h->error, "attempts", h->attempts, "events",
           (json_int_t)h->nevents);
    if (left <= 0) {
        h->counts.failed++;
        finish(h, "failed");
        return;
    }
    h->counts.retried++;
    (void)store_ack(h, "error", on_noted);
    h->state = H_BACKOFF;
    uv_timer_start(&h->timer, on_backoff, backoff_ms(h, left), 0);
}

/* POSTs the batch, signed now: `Modgate-Signature` covers
 * "<Modgate-Timestamp>.<body>". */
static void post(struct hook *h)
{
    struct mg_webhooks *w = h->w;
    h->state = H_POSTING;
    h->attempts++;
    if (!w->srv->keyring) {
        on_posted(0, "no signing key: configure key (docs/configuration.md)", 0, h);
        return;
    }
    char ts[24];
    snprintf(ts, sizeof ts, "%lld", (long long)time(NULL));
    size_t tlen = strlen(ts), mlen = tlen + 1 + h->body_len;
    char *msg = mg_malloc(mlen + 1);
    memcpy(msg, ts, tlen);
    msg[tlen] = '.';
    memcpy(msg + tlen + 1, h->body, h->body_len);
    char sig[MG_SIGNATURE_B64_LEN];
    mg_keyring_sign(w->srv->keyring, msg, mlen, sig);
    mg_free(msg);
    char h_ts[64], h_sig[256];
    snprintf(h_ts, sizeof h_ts, "Modgate-Timestamp: %s", ts);
    snprintf(h_sig, sizeof h_sig, "Modgate-Signature: keyid=%s, sig=%s",
             mg_keyring_active_id(w->srv->keyring), sig);
    const char *headers[] = {"Content-Type: application/json", h_ts, h_sig};
    if (mg_whttp_post(w->http, h->cfg->url, headers, 3, h->body, h->body_len,
                      h->cfg->timeout_ms, on_posted, h) != MG_OK)
        on_posted(0, "libcurl refused the request", 0, h);
}

/* ---- the process's consumer ---- */

static void on_beat(uv_timer_t *t)
{
    struct mg_webhooks *w = t->data;
    if (w->closing || !mg_store_ready(w->srv->store))
        return;
    w->refs++;
    if (mg_store_webhook_alive(w->srv->store, w->consumer, w->srv->cfg->webhook_claim_after_ms,
                               on_noted, w) != MG_OK)
        w->refs--;
}

static void on_hook_timer_closed(uv_handle_t *t)
{
    struct hook *h = t->data;
    release(h->w);
}

static void hook_init(struct mg_webhooks *w, struct hook *h,
                      const struct mg_webhook_config *cfg)
{
    h->w = w;
    h->cfg = cfg;
    mg_webhook_gid(cfg->url, h->gid);
    memcpy(h->counts.gid, h->gid, sizeof h->counts.gid);
    char shown[2100];
    mg_webhook_redact(cfg->url, shown, sizeof shown);
    h->shown = mg_strdup(shown);
    size_t used = (size_t)snprintf(h->types, sizeof h->types, ",");
    for (int i = 0; mg_webhook_event_types[i]; i++)
        if (cfg->events_mask & (1u << i))
            used += (size_t)snprintf(h->types + used, sizeof h->types - used, "%s,",
                                     mg_webhook_event_types[i]);
    mg_buf_init(&h->ids, (size_t)BATCH_MAX * 64);
    mg_buf_init(&h->comments, (size_t)BATCH_MAX * 160);
    uv_timer_init(w->srv->loop, &h->timer);
    h->timer.data = h;
    w->refs++;
}

struct mg_webhooks *mg_webhooks_start(struct mg_server *srv)
{
    const struct mg_webhooks_config *cfg = &srv->cfg->webhooks;
    if (cfg->n == 0)
        return NULL;
    struct mg_webhooks *w = mg_calloc(1, sizeof *w);
    w->srv = srv;
    mg_uuid7(mg_time_now_ms(), w->consumer);
    w->http = mg_whttp_new(srv->loop);
    w->refs = 1; /* the client, released when it has closed */
    w->hooks = mg_calloc(cfg->n, sizeof *w->hooks);
    w->n = cfg->n;
    for (size_t i = 0; i < cfg->n; i++) {
        hook_init(w, &w->hooks[i], &cfg->items[i]);
        MG_LOG(MG_LOG_INFO, "webhooks", "webhook", "{s:s, s:s, s:s}", "webhook",
               w->hooks[i].gid, "url", w->hooks[i].shown, "events", w->hooks[i].types);
        schedule(&w->hooks[i], 0);
    }
    uv_timer_init(srv->loop, &w->heartbeat);
    w->heartbeat.data = w;
    w->refs++;
    /* four beats per liveness period at least, so that a late beat or a
     * slow Redis answer never lets a live instance look stopped */
    uint64_t beat = (uint64_t)srv->cfg->webhook_claim_after_ms / 4;
    if (beat > HEARTBEAT_MS)
        beat = HEARTBEAT_MS;
    uv_timer_start(&w->heartbeat, on_beat, beat, beat);
    MG_LOG(MG_LOG_INFO, "webhooks", "started", "{s:s, s:i}", "consumer", w->consumer,
           "webhooks", (int)w->n);
    return w;
}

static void on_handed_over(int status, void *data)
{
    struct mg_webhooks *w = data;
    (void)status; /* not deleted: the key runs out by itself */
    void (*done)(void *) = w->handed_over;
    void *done_data = w->handed_data;
    release(w);
    done(done_data);
}

void mg_webhooks_close(struct mg_webhooks *w, void (*handed_over)(void *data), void *data)
{
    if (!w || w->closing) {
        handed_over(data);
        return;
    }
    w->handed_over = handed_over;
    w->handed_data = data;
    w->closing = true;
    for (size_t i = 0; i < w->n; i++) {
        uv_timer_stop(&w->hooks[i].timer);
        uv_close((uv_handle_t *)&w->hooks[i].timer, on_hook_timer_closed);
    }
    uv_timer_stop(&w->heartbeat);
    uv_close((uv_handle_t *)&w->heartbeat, on_handle_closed);
    mg_whttp_close(w->http, on_http_closed, w);
    /* deliveries in flight stay pending: the others may claim them now */
    w->refs++;
    if (!mg_store_ready(w->srv->store) ||
        mg_store_webhook_alive(w->srv->store, w->consumer, 0, on_handed_over, w) != MG_OK)
        on_handed_over(MG_EUNAVAIL, w);
}

/* ---- /metrics ---- */

static void metric_head(struct mg_buf *out, const char *name, const char *type,
                        const char *help)
{
    char line[512];
    snprintf(line, sizeof line, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
    mg_buf_adds(out, line);
}

bool mg_webhooks_ready(const struct mg_webhooks *w)
{
    return !w || w->ngrouped == w->n;
}

_Static_assert(NBUCKETS == MG_WEBHOOK_BUCKETS, "webhooks.h's bucket count");

size_t mg_webhooks_counts(const struct mg_webhooks *w, struct mg_webhook_counts *out)
{
    size_t n = w ? (w->n < MG_WEBHOOKS_MAX ? w->n : MG_WEBHOOKS_MAX) : 0;
    for (size_t i = 0; i < n; i++)
        out[i] = w->hooks[i].counts;
    return n;
}

/* to's counters plus from's (which webhook each is, the caller matched). */
static void counts_add(struct mg_webhook_counts *to, const struct mg_webhook_counts *from)
{
    to->delivered += from->delivered;
    to->retried += from->retried;
    to->failed += from->failed;
    to->events += from->events;
    for (size_t b = 0; b <= NBUCKETS; b++)
        to->hist[b] += from->hist[b];
    to->hist_sum += from->hist_sum;
}

void mg_webhooks_add_counts(struct mg_webhooks *w, const struct mg_webhook_counts *c, size_t n)
{
    for (size_t i = 0; w && i < w->n; i++)
        for (size_t k = 0; k < n; k++)
            if (memcmp(c[k].gid, w->hooks[i].gid, sizeof c[k].gid) == 0) {
                counts_add(&w->hooks[i].counts, &c[k]);
                break;
            }
}

/* The sums by gid, in the order first met. */
static size_t sum_counts(const struct mg_webhook_counts *const *sets, const size_t *n,
                         size_t nsets, struct mg_webhook_counts *sum)
{
    size_t k = 0;
    for (size_t s = 0; s < nsets; s++)
        for (size_t i = 0; i < n[s]; i++) {
            const struct mg_webhook_counts *c = &sets[s][i];
            size_t j = 0;
            while (j < k && strcmp(sum[j].gid, c->gid) != 0)
                j++;
            if (j == MG_WEBHOOKS_MAX)
                continue;
            if (j == k) {
                memset(&sum[k++], 0, sizeof sum[0]);
                memcpy(sum[j].gid, c->gid, sizeof sum[j].gid);
            }
            counts_add(&sum[j], c);
        }
    return k;
}

void mg_webhooks_metrics(const struct mg_webhook_counts *const *sets, const size_t *n,
                         size_t nsets, struct mg_buf *out)
{
    struct mg_webhook_counts hooks[MG_WEBHOOKS_MAX];
    size_t nhooks = sum_counts(sets, n, nsets, hooks);
    if (!nhooks)
        return;
    char line[256];
    metric_head(out, "modgate_webhook_deliveries_total", "counter",
                "POSTs of event batches to webhooks: delivered (2xx), retried (failed, "
                "sent again later), failed (given up after events.webhook_max_age_s)");
    static const char *const outcomes[] = {"delivered", "retried", "failed"};
    for (size_t i = 0; i < nhooks; i++) {
        const struct mg_webhook_counts *h = &hooks[i];
        const uint64_t counts[] = {h->delivered, h->retried, h->failed};
        for (size_t k = 0; k < 3; k++) {
            snprintf(line, sizeof line,
                     "modgate_webhook_deliveries_total{url_id=\"%.16s\",outcome=\"%s\"} %llu\n",
                     h->gid, outcomes[k], (unsigned long long)counts[k]);
            mg_buf_adds(out, line);
        }
    }
    metric_head(out, "modgate_webhook_events_total", "counter",
                "events delivered to webhooks (in POSTs answered 2xx)");
    for (size_t i = 0; i < nhooks; i++) {
        snprintf(line, sizeof line, "modgate_webhook_events_total{url_id=\"%.16s\"} %llu\n",
                 hooks[i].gid, (unsigned long long)hooks[i].events);
        mg_buf_adds(out, line);
    }
    metric_head(out, "modgate_webhook_delivery_seconds", "histogram",
                "time of one POST to a webhook, to its answer or failure");
    for (size_t i = 0; i < nhooks; i++) {
        const struct mg_webhook_counts *h = &hooks[i];
        uint64_t cum = 0;
        for (size_t b = 0; b <= NBUCKETS; b++) {
            cum += h->hist[b];
            char le[32];
            if (b < NBUCKETS)
                snprintf(le, sizeof le, "%g", buckets[b]);
            else
                snprintf(le, sizeof le, "+Inf");
            snprintf(line, sizeof line,
                     "modgate_webhook_delivery_seconds_bucket{url_id=\"%.16s\",le=\"%s\"} %llu\n",
                     h->gid, le, (unsigned long long)cum);
            mg_buf_adds(out, line);
        }
        snprintf(line, sizeof line,
                 "modgate_webhook_delivery_seconds_sum{url_id=\"%.16s\"} %.6f\n"
                 "modgate_webhook_delivery_seconds_count{url_id=\"%.16s\"} %llu\n",
                 h->gid, h->hist_sum, h->gid, (unsigned long long)cum);
        mg_buf_adds(out, line);
    }
}
