/* client.c: see client.h. One easy handle for the run, reset between
 * requests: its connection to modgate is kept alive, which a command making
 * thousands of requests (decisions export) needs; freed at exit. */
#include "client.h"

#include <curl/curl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "modgate/alloc.h"
#include "modgate/buf.h"

#define REPLY_MAX (64u << 20)

static size_t on_data(char *data, size_t size, size_t n, void *userdata)
{
    struct mg_buf *b = userdata;
    if (mg_buf_append(b, data, size * n) != MG_OK)
        return 0; /* too big: curl stops with CURLE_WRITE_ERROR */
    return size * n;
}

static CURL *shared;

static void release_shared(void)
{
    curl_easy_cleanup(shared);
}

/* The run's easy handle, its options cleared (the connection kept). */
static CURL *handle(void)
{
    if (shared) {
        curl_easy_reset(shared);
        return shared;
    }
    shared = curl_easy_init();
    if (shared)
        atexit(release_shared);
    return shared;
}

int modctl_request(const struct modctl_globals *g, const char *method,
                   const char *path, json_t *body, long *status, json_t **reply)
{
    *reply = NULL;
    CURL *curl = handle();
    if (!curl) {
        fprintf(stderr, "modctl: cannot start libcurl\n");
        return -1;
    }
    size_t base_len = strlen(g->url);
    while (base_len > 0 && g->url[base_len - 1] == '/')
        base_len--;
    char *url = mg_asprintf("%.*s%s", (int)base_len, g->url, path);
    char *auth = g->token ? mg_asprintf("Authorization: Bearer %s", g->token) : NULL;
    char *payload = body ? json_dumps(body, JSON_COMPACT) : NULL;
    struct curl_slist *headers = NULL;
    if (auth)
        headers = curl_slist_append(headers, auth);
    headers = curl_slist_append(headers, "Accept: application/json");
    if (payload)
        headers = curl_slist_append(headers, "Content-Type: application/json");
    struct mg_buf out;
    mg_buf_init(&out, REPLY_MAX);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &out);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    if (payload)
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, payload);
    else if (strcmp(method, "POST") == 0)
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, 0L);
    CURLcode rc = curl_easy_perform(curl);
    int result = 0;
    if (rc != CURLE_OK) {
        fprintf(stderr, "modctl: %s %s: %s\n", method, url, curl_easy_strerror(rc));
        result = -1;
    } else {
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, status);
        if (out.len)
            *reply = json_loadb(out.data, out.len, 0, NULL);
    }
    mg_buf_close(&out);
    curl_slist_free_all(headers);
    free(payload); /* json_dumps: modctl keeps jansson's malloc */
    mg_free(auth);
    mg_free(url);
    return result;
}

int modctl_call(const struct modctl_globals *g, const char *cmd, const char *method,
                const char *path, json_t *body, bool quiet, long *status,
                json_t **reply)
{
    long code = 0;
    if (modctl_request(g, method, path, body, &code, reply) != 0)
        return EXIT_USAGE;
    if (status)
        *status = code;
    if (code >= 200 && code < 300)
        return EXIT_OK;
    if (!quiet) {
        /* with --json the problem is on stdout for scripts too; the error
         * is on stderr either way */
        if (g->json && *reply)
            json_dumpf(*reply, stdout, JSON_INDENT(2)), fputc('\n', stdout);
        modctl_print_problem(cmd, code, *reply);
    }
    return EXIT_FAILED;
}

int modctl_fetch_pages(const struct modctl_globals *g, const char *cmd,
                       const char *base, const char *key, size_t limit,
                       json_t **entries, json_int_t *total)
{
    json_t *all = json_array();
    char *cursor = NULL;
    int rc = EXIT_OK;
    const char *sep = strchr(base, '?') ? "&" : "?";
    while (json_array_size(all) < limit) {
        size_t want = limit - json_array_size(all);
        char *path = mg_asprintf("%s%slimit=%zu%s%s", base, sep, want > 200 ? 200 : want,
                                 cursor ? "&cursor=" : "", cursor ? cursor : "");
        json_t *page = NULL;
        rc = modctl_call(g, cmd, "GET", path, NULL, false, NULL, &page);
        mg_free(path);
        if (rc != EXIT_OK) {
            json_decref(page);
            break;
        }
        if (total)
            *total = json_integer_value(json_object_get(page, "total"));
        json_array_extend(all, json_object_get(page, key));
        const char *next = json_string_value(json_object_get(page, "next_cursor"));
        mg_free(cursor);
        cursor = next ? mg_strdup(next) : NULL;
        json_decref(page);
        if (!cursor)
            break;
    }
    mg_free(cursor);
    if (rc != EXIT_OK) {
        json_decref(all);
        all = NULL;
    }
    *entries = all;
    return rc;
}

char *modctl_escape(const char *s)
{
    char *e = curl_easy_escape(NULL, s, (int)strlen(s));
    char *out = mg_strdup(e ? e : "");
    curl_free(e);
    return out;
}

char *modctl_comment_path(const char *id)
{
    char *eid = modctl_escape(id);
    char *path = mg_asprintf("/v1/comments/%s", eid);
    mg_free(eid);
    return path;
}

void modctl_print_problem(const char *cmd, long status, const json_t *reply)
{
    const char *detail = json_string_value(json_object_get(reply, "detail"));
    const char *code = json_string_value(json_object_get(reply, "code"));
    fprintf(stderr, "modctl %s: %ld %s: %s\n", cmd, status, code ? code : "error",
            detail ? detail : "(no detail)");
    const json_t *errors = json_object_get(reply, "errors");
    size_t i;
    const json_t *e;
    json_array_foreach(errors, i, e)
    {
        fprintf(stderr, "  %s:%lld:%lld: %s\n",
                json_string_value(json_object_get(e, "file")),
                (long long)json_integer_value(json_object_get(e, "line")),
                (long long)json_integer_value(json_object_get(e, "column")),
                json_string_value(json_object_get(e, "message")));
    }
}
