/* files.c: reading small files people write, and the secrets' mode check. */
#include "modgate/files.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "modgate/alloc.h"

static int status_from_errno(int e)
{
    return e == ENOENT || e == ENOTDIR ? MG_ENOENT : MG_EIO;
}

int mg_file_read(const char *path, size_t max, char **out, size_t *len,
                 struct mg_error *err)
{
    *out = NULL;
    if (len)
        *len = 0;
    /* O_NONBLOCK so that a FIFO given by mistake cannot hang startup; the
     * S_ISREG check below then refuses it. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        int e = errno;
        mg_error_set(err, path, 0, 0, "cannot open: %s", strerror(e));
        return status_from_errno(e);
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        mg_error_set(err, path, 0, 0, "cannot stat: %s", strerror(e));
        return MG_EIO;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        mg_error_set(err, path, 0, 0, "not a regular file");
        return MG_EINVAL;
    }
    if ((unsigned long long)st.st_size > max) {
        close(fd);
        mg_error_set(err, path, 0, 0,
                     "file is %lld bytes, more than the %zu allowed",
                     (long long)st.st_size, max);
        return MG_ETOOBIG;
    }

    /* Read until EOF rather than trusting st_size: the file may change under
     * us. One byte of slack detects growth past max. */
    size_t cap = (size_t)st.st_size + 1;
    char *buf = mg_malloc(cap + 1);
    size_t used = 0;
    for (;;) {
        if (used == cap) {
            if (cap > max) {
                close(fd);
                mg_free(buf);
                mg_error_set(err, path, 0, 0,
                             "file is more than the %zu bytes allowed", max);
                return MG_ETOOBIG;
            }
            cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
            buf = mg_realloc(buf, cap + 1);
        }
        ssize_t n = read(fd, buf + used, cap - used);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            close(fd);
            mg_free(buf);
            mg_error_set(err, path, 0, 0, "cannot read: %s", strerror(e));
            return MG_EIO;
        }
        if (n == 0)
            break;
        used += (size_t)n;
    }
    close(fd);
    if (used > max) {
        mg_free(buf);
        mg_error_set(err, path, 0, 0, "file is more than the %zu bytes allowed",
                     max);
        return MG_ETOOBIG;
    }
    buf[used] = '\0';
    *out = buf;
    if (len)
        *len = used;
    return MG_OK;
}

int mg_file_check_private(const char *path, struct mg_error *err)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        int e = errno;
        mg_error_set(err, path, 0, 0, "cannot stat: %s", strerror(e));
        return status_from_errno(e);
    }
    if (!S_ISREG(st.st_mode)) {
        mg_error_set(err, path, 0, 0, "not a regular file");
        return MG_EPERM;
    }
    /* 0137: owner execute, group write and execute, anything for others.
     * What remains allowed is 0640 at most. */
    if ((st.st_mode & 0137) != 0) {
        mg_error_set(
            err, path, 0, 0,
            "mode %04o is too open for a secret (at most 0640 is allowed: "
            "nothing for other users, no group write, no execute); fix it "
            "with: chmod 600 %s",
            (unsigned)(st.st_mode & 07777), path);
        return MG_EPERM;
    }
    return MG_OK;
}
