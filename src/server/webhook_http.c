/* webhook_http.c: libcurl's multi interface on the libuv loop
 * (webhook_http.h). libcurl says which sockets to watch (socket callback:
 * a uv_poll each) and when to wake it (timer callback: one uv_timer);
 * libuv's events go back to curl_multi_socket_action, and finished
 * transfers are read with curl_multi_info_read. */
#include "webhook_http.h"

#include <curl/curl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modgate/alloc.h"
#include "modgate/error.h"

/* A receiver's answer is read and thrown away, up to this much. */
#define BODY_MAX 65536

struct sock {
    uv_poll_t poll;
    curl_socket_t fd;
    struct mg_whttp *c;
    struct sock *prev, *next;
};

struct req {
    CURL *easy;
    struct curl_slist *headers;
    mg_whttp_cb cb;
    void *data;
    uint64_t start_ns;
    size_t body_read;
    char error[CURL_ERROR_SIZE];
    struct req *prev, *next;
};

struct mg_whttp {
    uv_loop_t *loop;
    CURLM *multi;
    uv_timer_t timer;
    struct sock *socks;
    struct req *reqs;
    unsigned handles; /* uv handles not yet closed (the timer, the polls) */
    bool closing;
    void (*on_closed)(void *data);
    void *closed_data;
};

#define LIST_ADD(head, x)                                                     \
    do {                                                                      \
        (x)->prev = NULL;                                                     \
        (x)->next = (head);                                                   \
        if (head)                                                             \
            (head)->prev = (x);                                               \
        (head) = (x);                                                         \
    } while (0)
#define LIST_DEL(head, x)                                                     \
    do {                                                                      \
        if ((x)->prev)                                                        \
            (x)->prev->next = (x)->next;                                      \
        else                                                                  \
            (head) = (x)->next;                                               \
        if ((x)->next)                                                        \
            (x)->next->prev = (x)->prev;                                      \
    } while (0)

static void handle_closed(struct mg_whttp *c)
{
    if (--c->handles > 0 || !c->closing)
        return;
    void (*done)(void *) = c->on_closed;
    void *data = c->closed_data;
    mg_free(c);
    if (done)
        done(data);
}

static void on_sock_closed(uv_handle_t *h)
{
    struct sock *s = h->data;
    struct mg_whttp *c = s->c;
    mg_free(s);
    handle_closed(c);
}

static void on_timer_closed(uv_handle_t *h)
{
    handle_closed(h->data);
}

static void sock_close(struct sock *s)
{
    LIST_DEL(s->c->socks, s);
    uv_poll_stop(&s->poll);
    uv_close((uv_handle_t *)&s->poll, on_sock_closed);
}

/* Ends the transfers libcurl has finished: their callbacks, then free. */
static void read_done(struct mg_whttp *c)
{
    CURLMsg *msg;
    int left;
    while (!c->closing && (msg = curl_multi_info_read(c->multi, &left)) != NULL) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        struct req *r = NULL;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&r);
        long code = 0;
        if (msg->data.result == CURLE_OK)
            curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &code);
        const char *why = msg->data.result == CURLE_OK ? NULL
                          : r->error[0]              ? r->error
                                                     : curl_easy_strerror(msg->data.result);
        char error[CURL_ERROR_SIZE];
        snprintf(error, sizeof error, "%s", why ? why : "");
        double seconds = (double)(uv_hrtime() - r->start_ns) / 1e9;
        curl_multi_remove_handle(c->multi, r->easy);
        curl_easy_cleanup(r->easy);
        curl_slist_free_all(r->headers);
        LIST_DEL(c->reqs, r);
        mg_whttp_cb cb = r->cb;
        void *data = r->data;
        mg_free(r);
        cb((int)code, why ? error : NULL, seconds, data);
    }
}

static void on_poll(uv_poll_t *h, int status, int events)
{
    struct sock *s = h->data;
    struct mg_whttp *c = s->c;
    int flags = 0;
    if (status < 0)
        flags = CURL_CSELECT_ERR;
    if (events & UV_READABLE)
        flags |= CURL_CSELECT_IN;
    if (events & UV_WRITABLE)
        flags |= CURL_CSELECT_OUT;
    int running = 0;
    curl_multi_socket_action(c->multi, s->fd, flags, &running);
    read_done(c);
}

static int on_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    (void)easy;
    struct mg_whttp *c = userp;
    struct sock *s = socketp;
    if (what == CURL_POLL_REMOVE) {
        if (s) {
            curl_multi_assign(c->multi, fd, NULL);
            sock_close(s);
        }
        return 0;
    }
    if (!s) {
        s = mg_calloc(1, sizeof *s);
        s->fd = fd;
        s->c = c;
        if (uv_poll_init_socket(c->loop, &s->poll, fd) != 0) {
            mg_free(s);
            return -1;
        }
        s->poll.data = s;
        c->handles++;
        LIST_ADD(c->socks, s);
        curl_multi_assign(c->multi, fd, s);
    }
    int events = (what & CURL_POLL_IN ? UV_READABLE : 0) |
                 (what & CURL_POLL_OUT ? UV_WRITABLE : 0);
    uv_poll_start(&s->poll, events, on_poll);
    return 0;
}

static void on_timeout(uv_timer_t *t)
{
    struct mg_whttp *c = t->data;
    int running = 0;
    curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    read_done(c);
}

static int on_timer(CURLM *multi, long timeout_ms, void *userp)
{
    (void)multi;
    struct mg_whttp *c = userp;
    if (timeout_ms < 0)
        uv_timer_stop(&c->timer);
    else /* 0: at the loop's next turn, never from inside libcurl */
        uv_timer_start(&c->timer, on_timeout, (uint64_t)timeout_ms, 0);
    return 0;
}

struct mg_whttp *mg_whttp_new(uv_loop_t *loop)
{
    static bool global_done;
    if (!global_done) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        global_done = true;
    }
    struct mg_whttp *c = mg_calloc(1, sizeof *c);
    c->loop = loop;
    c->multi = curl_multi_init();
    if (!c->multi)
        abort(); /* libcurl out of memory at start */
    curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
    curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
    curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, on_timer);
    curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
    uv_timer_init(loop, &c->timer);
    c->timer.data = c;
    c->handles = 1;
    return c;
}

static size_t on_body(char *ptr, size_t size, size_t n, void *userp)
{
    (void)ptr;
    struct req *r = userp;
    r->body_read += size * n;
    return r->body_read > BODY_MAX ? 0 : size * n; /* 0 ends the transfer */
}

int mg_whttp_post(struct mg_whttp *c, const char *url, const char *const *headers,
                  size_t nheaders, const char *body, size_t len, int timeout_ms,
                  mg_whttp_cb cb, void *data)
{
    struct req *r = mg_calloc(1, sizeof *r);
    r->easy = curl_easy_init();
    if (!r->easy) {
        mg_free(r);
        return MG_EIO;
    }
    for (size_t i = 0; i < nheaders; i++)
        r->headers = curl_slist_append(r->headers, headers[i]);
    /* no "Expect: 100-continue" wait on a larger body */
    r->headers = curl_slist_append(r->headers, "Expect:");
    r->cb = cb;
    r->data = data;
    r->start_ns = uv_hrtime();
    CURL *e = r->easy;
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, body);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->headers);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->error);
    curl_easy_setopt(e, CURLOPT_PRIVATE, (char *)r);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "modgate-webhooks");
    if (curl_multi_add_handle(c->multi, e) != CURLM_OK) {
        curl_easy_cleanup(e);
        curl_slist_free_all(r->headers);
        mg_free(r);
        return MG_EIO;
    }
    LIST_ADD(c->reqs, r);
    return MG_OK;
}

void mg_whttp_close(struct mg_whttp *c, void (*on_closed)(void *data), void *data)
{
    c->closing = true;
    c->on_closed = on_closed;
    c->closed_data = data;
    while (c->reqs) {
        struct req *r = c->reqs;
        LIST_DEL(c->reqs, r);
        curl_multi_remove_handle(c->multi, r->easy);
        curl_easy_cleanup(r->easy);
        curl_slist_free_all(r->headers);
        mg_free(r);
    }
    curl_multi_cleanup(c->multi);
    c->multi = NULL;
    while (c->socks)
        sock_close(c->socks);
    uv_timer_stop(&c->timer);
    uv_close((uv_handle_t *)&c->timer, on_timer_closed);
}
