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

struct link_io {
    struct mg_store *store;
    redisAsyncContext *ac; /* NULL once hiredis has let go (cleanup) */
    uv_poll_t poll;
    int events;
};

static void on_io(uv_poll_t *poll, int status, int events)
{
    struct link_io *io = poll->data;
    /* On an error libuv stops the handle and passes no events: hand hiredis
     * the events it was waiting for, so its read or write meets the error
     * and tears the context down through the usual callbacks. */
    int ev = status < 0 ? io->events : events;
    if (io->ac && (ev & UV_READABLE))
        redisAsyncHandleRead(io->ac);
    /* The read may have freed the context; cleanup then cleared io->ac. */
    if (io->ac && (ev & UV_WRITABLE))
        redisAsyncHandleWrite(io->ac);
}

static void io_update(struct link_io *io)
{
    if (io->events)
        (void)uv_poll_start(&io->poll, io->events, on_io);
    else
        (void)uv_poll_stop(&io->poll);
}

static void io_add_read(void *privdata)
{
    struct link_io *io = privdata;
    io->events |= UV_READABLE;
    io_update(io);
}

static void io_del_read(void *privdata)
{
    struct link_io *io = privdata;
    io->events &= ~UV_READABLE;
    io_update(io);
}

static void io_add_write(void *privdata)
{
    struct link_io *io = privdata;
    io->events |= UV_WRITABLE;
    io_update(io);
}

static void io_del_write(void *privdata)
{
    struct link_io *io = privdata;
    io->events &= ~UV_WRITABLE;
    io_update(io);
}

static void on_io_closed(uv_handle_t *handle)
{
    struct link_io *io = handle->data;
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
}

int mg__store_uv_attach(struct mg_store *s, redisAsyncContext *ac)
{
    struct link_io *io = mg_calloc(1, sizeof *io);
    if (uv_poll_init(s->loop, &io->poll, ac->c.fd) != 0) {
        mg_free(io);
        return MG_EIO;
    }
    io->store = s;
    io->ac = ac;
    io->poll.data = io;
    ac->ev.data = io;
    ac->ev.addRead = io_add_read;
    ac->ev.delRead = io_del_read;
    ac->ev.addWrite = io_add_write;
    ac->ev.delWrite = io_del_write;
    ac->ev.cleanup = io_cleanup;
    s->alive++; /* until on_io_closed */
    return 0;
}
