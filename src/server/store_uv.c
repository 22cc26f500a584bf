/* store_uv.c: hiredis on the libuv loop.
 *
 * The store drives hiredis with its own adapter rather than hiredis 0.14's
 * adapters/libuv.h, which (a) drops poll errors: libuv reports a refused
 * connect or a reset as status < 0 with no events, the adapter returns, and
 * hiredis never hears of it, so the link hangs until some deadline (fixed
 * upstream after 0.14, redis/hiredis#624); and (b) frees its poll handle in
 * a close callback the store cannot see, while on_closed must wait for it. */

#include "src/server/store_internal.h"

#include "modgate/alloc.h"
#include "modgate/error.h"

/* What costs system calls here, and why it is arranged so: libuv's
 * uv_poll_start begins with a stop, which removes the descriptor from
 * epoll (EPOLL_CTL_DEL), and adds it again at the next poll (EPOLL_CTL_ADD),
 * whatever the events; uv_poll_stop removes it too. hiredis asks for
 * writing at each command and stops after writing, and asks for reading
 * after every read and write: followed blindly, that was 5 epoll_ctl per
 * command, one failing (a second DEL before the ADD). So the poll is only
 * restarted when its events really change (reading stays on while the
 * link is up), and a write on a connected link is not polled for: an idle
 * handle (no system call to start or stop) runs hiredis' write before the
 * loop next waits, since the socket is nearly always writable. Only when
 * that write leaves bytes behind (hiredis asks again while flushing), or
 * while connecting (writable means connected), is WRITABLE polled for. */
struct link_io {
    struct mg_store *store;
    redisAsyncContext *ac; /* NULL once hiredis has let go (cleanup) */
    uv_poll_t poll;
    uv_idle_t flush;
    bool reading;     /* hiredis wants to read */
    bool poll_write;  /* hiredis wants to write and the poll waits for it */
    bool flushing;    /* inside on_flush's redisAsyncHandleWrite */
    int polled;       /* the events the poll is started with */
    int open_handles; /* until both are closed */
};

static void on_io(uv_poll_t *poll, int status, int events)
{
    struct link_io *io = poll->data;
    /* On an error libuv stops the handle and passes no events: hand hiredis
     * the events it was waiting for, so its read or write meets the error
     * and tears the context down through the usual callbacks. */
    int ev = status < 0 ? io->polled : events;
    if (status < 0)
        io->polled = 0; /* libuv stopped it */
    if (io->ac && (ev & UV_READABLE))
        redisAsyncHandleRead(io->ac);
    /* The read may have freed the context; cleanup then cleared io->ac. */
    if (io->ac && (ev & UV_WRITABLE))
        redisAsyncHandleWrite(io->ac);
}

static void io_update(struct link_io *io)
{
    if (!io->ac)
        return; /* closing */
    int want = (io->reading ? UV_READABLE : 0) | (io->poll_write ? UV_WRITABLE : 0);
    if (want == io->polled)
        return;
    if (want)
        (void)uv_poll_start(&io->poll, want, on_io);
    else
        (void)uv_poll_stop(&io->poll);
    io->polled = want;
}

static void on_flush(uv_idle_t *idle)
{
    struct link_io *io = idle->data;
    uv_idle_stop(idle);
    if (!io->ac)
        return;
    io->flushing = true;
    redisAsyncHandleWrite(io->ac); /* may free the context (cleanup) */
    io->flushing = false;
}

static void io_add_read(void *privdata)
{
    struct link_io *io = privdata;
    io->reading = true;
    io_update(io);
}

static void io_del_read(void *privdata)
{
    struct link_io *io = privdata;
    io->reading = false;
    io_update(io);
}

static void io_add_write(void *privdata)
{
    struct link_io *io = privdata;
    if (io->poll_write)
        return;
    if (io->flushing || !(io->ac->c.flags & REDIS_CONNECTED)) {
        io->poll_write = true;
        io_update(io);
    } else {
        (void)uv_idle_start(&io->flush, on_flush);
    }
}

static void io_del_write(void *privdata)
{
    struct link_io *io = privdata;
    (void)uv_idle_stop(&io->flush);
    io->poll_write = false;
    io_update(io);
}

static void on_io_closed(uv_handle_t *handle)
{
    struct link_io *io = handle->data;
    if (--io->open_handles > 0)
        return;
    struct mg_store *s = io->store;
    mg_free(io);
    mg__store_release(s);
}

/* hiredis is freeing the context (it closes the socket right after). */
static void io_cleanup(void *privdata)
{
    struct link_io *io = privdata;
    io->ac = NULL;
    uv_close((uv_handle_t *)&io->poll, on_io_closed);
    uv_close((uv_handle_t *)&io->flush, on_io_closed);
}

int mg__store_uv_attach(struct mg_store *s, redisAsyncContext *ac)
{
    struct link_io *io = mg_calloc(1, sizeof *io);
    if (uv_poll_init(s->loop, &io->poll, ac->c.fd) != 0) {
        mg_free(io);
        return MG_EIO;
    }
    uv_idle_init(s->loop, &io->flush);
    io->open_handles = 2;
    io->store = s;
    io->ac = ac;
    io->poll.data = io;
    io->flush.data = io;
    ac->ev.data = io;
    ac->ev.addRead = io_add_read;
    ac->ev.delRead = io_del_read;
    ac->ev.addWrite = io_add_write;
    ac->ev.delWrite = io_del_write;
    ac->ev.cleanup = io_cleanup;
    s->alive++; /* until on_io_closed */
    return 0;
}
