/* cmd_webhooks.c: `modctl webhooks`: each configured webhook's deliveries
 * (GET /v1/webhooks): its URL (secrets redacted by the server), the
 * events it receives, its lag and pending deliveries, the last success
 * and the last error, and the counts; --json prints the API's object. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "client.h"
#include "modctl.h"
#include "term.h"

/* "2025-12-07T09:33:21.120Z (3m ago)", or "never". */
static void print_when(const char *label, const json_t *at, const json_t *what)
{
    printf("  %-13s", label);
    if (!json_is_string(at)) {
        printf("never\n");
        return;
    }
    char age[24];
    int64_t s = modctl_age_of(json_string_value(at));
    if (s >= 0) {
        modctl_age(s, age);
        printf("%s (%s ago)", json_string_value(at), age);
    } else {
        printf("%s", json_string_value(at));
    }
    if (json_is_string(what))
        printf(": %s", json_string_value(what));
    putchar('\n');
}

static void print_webhook(const json_t *h)
{
    printf("%s\n", json_string_value(json_object_get(h, "url")));
    printf("  %-13s", "events");
    size_t i;
    const json_t *e;
    json_array_foreach(json_object_get(h, "events"), i, e)
        printf("%s%s", i ? ", " : "", json_string_value(e));
    putchar('\n');
    const json_t *lag = json_object_get(h, "lag");
    printf("  %-13s", "lag");
    if (json_is_integer(lag))
        printf("%lld", (long long)json_integer_value(lag));
    else
        printf("unknown");
    printf(" not read, %lld pending\n",
           (long long)json_integer_value(json_object_get(h, "pending")));
    print_when("last success", json_object_get(h, "last_success_at"), NULL);
    print_when("last error", json_object_get(h, "last_error_at"),
               json_object_get(h, "last_error"));
    printf("  %-13s%lld delivered, %lld failed\n", "events sent",
           (long long)json_integer_value(json_object_get(h, "delivered")),
           (long long)json_integer_value(json_object_get(h, "failed")));
}

static int run_webhooks(const struct modctl_globals *g, const struct modctl_args *a)
{
    json_t *out = NULL;
    int rc = modctl_call(g, a->name, "GET", "/v1/webhooks", NULL, false, NULL, &out);
    if (rc == EXIT_OK && g->json) {
        modctl_print_json(out);
    } else if (rc == EXIT_OK) {
        const json_t *list = json_object_get(out, "webhooks");
        if (json_array_size(list) == 0)
            printf("no webhooks configured\n");
        size_t i;
        const json_t *h;
        json_array_foreach(list, i, h) {
            if (i)
                putchar('\n');
            print_webhook(h);
        }
    }
    json_decref(out);
    return rc;
}

const struct modctl_command modctl_webhooks_command = {
    .name = "webhooks",
    .summary = "each webhook's lag, last success and last error",
    .description =
        "Each configured webhook: its URL (user, password and query shown as\n"
        "REDACTED), the events it receives, its lag (events not yet read) and\n"
        "pending deliveries, the last success, the last error, and the events\n"
        "delivered and given up. --json prints GET /v1/webhooks' object.\n",
    .run = run_webhooks,
};
