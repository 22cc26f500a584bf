/* config_webhooks.c: the `webhooks:` list of the config file (docs/api.md
 * "Webhooks", docs/configuration.md): each item a table of keys the YAML
 * walker reads, url (http or https, required), events (types from
 * mg_webhook_event_types; default all) and timeout_ms. Errors name the
 * place: "webhooks[1].events: ...". The list is restart-only: the
 * delivery loops and their consumer groups are made at start. */
#include <stdio.h>
#include <string.h>

#include "modgate/alloc.h"
#include "modgate/config.h"
#include "modgate/yaml.h"
#include "src/core/config_internal.h"

const char *const mg_webhook_event_types[] = {
    "published", "held",    "rejected", "approved", "removed",
    "reported",  "edited",  "deleted",  "erased",   NULL};

static int event_bit(const char *name)
{
    for (int i = 0; mg_webhook_event_types[i]; i++)
        if (strcmp(mg_webhook_event_types[i], name) == 0)
            return i;
    return -1;
}

static int check_event(void *base, const char *text, struct mg_error *err)
{
    (void)base;
    if (event_bit(text) >= 0)
        return MG_OK;
    mg_error_set(err, NULL, 0, 0,
                 "unknown event type \"%s\" (known: published, held, "
                 "rejected, approved, removed, reported, edited, deleted, "
                 "erased)",
                 text);
    return MG_EINVAL;
}

/* http:// or https://, a host, no spaces or control characters: what
 * libcurl is given is what the operator wrote, so it is checked here. */
static int check_url(void *base, const char *text, struct mg_error *err)
{
    (void)base;
    size_t skip = strncmp(text, "https://", 8) == 0  ? 8
                  : strncmp(text, "http://", 7) == 0 ? 7
                                                     : 0;
    const char *why = NULL;
    if (!skip)
        why = "must begin with http:// or https://";
    else if (!text[skip] || text[skip] == '/' || text[skip] == ':')
        why = "has no host";
    for (const char *p = text; !why && *p; p++)
        if ((unsigned char)*p <= 0x20 || *p == 0x7f)
            why = "must not contain spaces or control characters";
    if (!why)
        return MG_OK;
    mg_error_set(err, NULL, 0, 0, "%s", why);
    return MG_EINVAL;
}

#define AT(field) MG_YAML_AT(struct mg_webhook_config, field)
static const struct mg_yaml_key webhook_keys[] = {
    {.name = "url", .type = MG_YAML_T_STRING, AT(url), .min = 1, .max = 2048,
     .check = check_url, .help = "where the events are POSTed"},
    {.name = "events", .type = MG_YAML_T_LIST, AT(events), .min = 1,
     .max = MG_WEBHOOK_EVENT_TYPES, .check = check_event,
     .help = "the event types sent; all when not given"},
    {.name = "timeout_ms", .type = MG_YAML_T_INTEGER, AT(timeout_ms),
     .min = 100, .max = 60000, .help = "time allowed for one POST, in ms"},
};
#undef AT

static const struct mg_yaml_table webhook_table = {
    webhook_keys, sizeof webhook_keys / sizeof webhook_keys[0], 0, NULL};

static int parse_item(struct mg_yaml_walk *w, const struct mg_yaml_node *item,
                      const struct mg_yaml_node *seq, const char *label,
                      struct mg_webhook_config *out)
{
    if (mg_yaml_is_null(item) || mg_yaml_kind(item) != MG_YAML_MAPPING)
        return mg_yaml_fail(w, item, seq,
                            "%s: must be a mapping {url: ..., events: [...], "
                            "timeout_ms: N}",
                            label);
    out->timeout_ms = 5000;
    uint64_t seen = 0;
    int rc = mg_yaml_walk_table(w, &webhook_table, item, out, label, &seen);
    if (rc != MG_OK)
        return rc;
    if (!(seen & 1) || !out->url)
        return mg_yaml_fail(w, item, seq, "%s: needs a url", label);
    if ((seen & 2) && out->events.n == 0)
        return mg_yaml_fail(w, item, seq,
                            "%s.events: names no type (leave it out for every "
                            "type)",
                            label);
    out->events_mask = 0;
    for (size_t i = 0; i < out->events.n; i++)
        out->events_mask |= 1u << event_bit(out->events.items[i]);
    if (out->events.n == 0)
        out->events_mask = (1u << MG_WEBHOOK_EVENT_TYPES) - 1;
    return MG_OK;
}

int mg__config_parse_webhooks(struct mg_yaml_walk *w,
                              const struct mg_yaml_key *row, const char *label,
                              const struct mg_yaml_node *key,
                              const struct mg_yaml_node *value, void *base)
{
    (void)row;
    struct mg_webhooks_config *wh = &((struct mg_config *)base)->webhooks;
    if (mg_yaml_is_null(value)) {
        mg_webhooks_config_close(wh);
        return MG_OK;
    }
    if (mg_yaml_kind(value) != MG_YAML_SEQUENCE)
        return mg_yaml_fail(w, value, key,
                            "%s: must be a list of webhooks such as [{url: "
                            "https://example.org/hook}]",
                            label);
    size_t count = mg_yaml_count(value);
    if (count > MG_WEBHOOKS_MAX)
        return mg_yaml_fail(w, mg_yaml_item(value, MG_WEBHOOKS_MAX), value,
                            "%s: at most %d webhooks", label, MG_WEBHOOKS_MAX);
    struct mg_webhooks_config fresh = {
        mg_calloc(count ? count : 1, sizeof *fresh.items), 0};
    void *iter = NULL;
    const struct mg_yaml_node *item;
    int rc = MG_OK;
    while (rc == MG_OK && (item = mg_yaml_next_item(value, &iter)) != NULL) {
        char item_label[64];
        snprintf(item_label, sizeof item_label, "%s[%zu]", label, fresh.n);
        rc = parse_item(w, item, value, item_label, &fresh.items[fresh.n++]);
    }
    if (rc != MG_OK) {
        mg_webhooks_config_close(&fresh);
        return rc;
    }
    mg_webhooks_config_close(wh);
    *wh = fresh;
    return MG_OK;
}

void mg_webhooks_config_close(struct mg_webhooks_config *wh)
{
    for (size_t i = 0; i < wh->n; i++)
        mg_yaml_table_close(&webhook_table, &wh->items[i]);
    mg_free(wh->items);
    wh->items = NULL;
    wh->n = 0;
}

bool mg_webhooks_config_same(const struct mg_webhooks_config *a,
                             const struct mg_webhooks_config *b)
{
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->items[i].url, b->items[i].url) != 0 ||
            a->items[i].events_mask != b->items[i].events_mask ||
            a->items[i].timeout_ms != b->items[i].timeout_ms)
            return false;
    return true;
}
