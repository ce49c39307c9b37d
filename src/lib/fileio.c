/* fileio.c - atomic writes, whole-file reads and advisory locks. */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

char *
fileio_dirname(const char *path)
{
    const char *slash = strrchr(path, '/');

    if (slash == NULL)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

static int
write_all(int fd, const char *p, size_t len)
{
    ssize_t n;

    while (len > 0) {
        n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int
fileio_sync_dir(const char *path, struct certmap_error *err)
{
    char *dir = fileio_dirname(path);
    int dfd = -1, ret = -1;

    if (dir == NULL)
        return certmap_error_set(err, CERTMAP_ERR_NOMEM, path, 0, NULL, NULL, "out of memory");
    dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0 || fsync(dfd) != 0) {
        certmap_error_set(err, CERTMAP_ERR_IO, dir, 0, NULL, NULL, "cannot sync directory: %s",
                          strerror(errno));
        goto out;
    }
    ret = 0;
out:
    if (dfd >= 0)
        close(dfd);
    free(dir);
    return ret;
}

/*
 * Gives the temp file fd its owner and mode before it takes path's place:
 * chown first, because chown clears set-id bits.  uid/gid (uid_t)-1 and
 * (gid_t)-1 leave what the kernel gave.
 */
static int
set_owner_mode(int fd, const char *tmp, const char *path, uid_t uid, gid_t gid, mode_t mode,
               struct certmap_error *err)
{
    struct stat st;

    if (fstat(fd, &st) != 0)
        return certmap_error_set(err, CERTMAP_ERR_IO, tmp, 0, NULL, NULL, "cannot stat: %s",
                                 strerror(errno));
    if (uid == st.st_uid)
        uid = (uid_t)-1;
    if (gid == st.st_gid)
        gid = (gid_t)-1;
    if ((uid != (uid_t)-1 || gid != (gid_t)-1) && fchown(fd, uid, gid) != 0)
        return certmap_error_set(err, CERTMAP_ERR_IO, path, 0, NULL, NULL,
                                 "cannot keep owner %ld and group %ld: %s (run as root or as "
                                 "the owner)",
                                 uid == (uid_t)-1 ? (long)st.st_uid : (long)uid,
                                 gid == (gid_t)-1 ? (long)st.st_gid : (long)gid, strerror(errno));
    /* open() applied the umask; the mode asked for is the mode wanted. */
    if (fchmod(fd, mode & 07777) != 0)
        return certmap_error_set(err, CERTMAP_ERR_IO, tmp, 0, NULL, NULL, "cannot chmod: %s",
                                 strerror(errno));
    return 0;
}

static int
write_atomic(const char *path, const void *data, size_t len, uid_t uid, gid_t gid, mode_t mode,
             struct certmap_error *err)
{
    char tmp[4096];
    int fd = -1, ret = -1;

    if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof(tmp))
        return certmap_error_set(err, CERTMAP_ERR_IO, path, 0, NULL, NULL, "path too long");
    /*
     * A file already at the temp name is a leftover of a writer killed with
     * -9 (whose pid came round again) or something planted: remove it and
     * create afresh, never following a link, or the rename below would put
     * the link in place of path and the write would land where it points.
     */
    if (unlink(tmp) != 0 && errno != ENOENT) {
        certmap_error_set(err, CERTMAP_ERR_IO, tmp, 0, NULL, NULL, "cannot remove: %s",
                          strerror(errno));
        goto out_done;
    }
    /* 0600 until the data is in: no one else reads a half-written secret. */
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        /* not ours to remove: someone else created it since the unlink */
        certmap_error_set(err, CERTMAP_ERR_IO, tmp, 0, NULL, NULL, "cannot create: %s",
                          strerror(errno));
        goto out_done;
    }
    if (write_all(fd, data, len) != 0) {
        certmap_error_set(err, CERTMAP_ERR_IO, tmp, 0, NULL, NULL, "cannot write: %s",
                          strerror(errno));
        goto out;
    }
    if (set_owner_mode(fd, tmp, path, uid, gid, mode, err) != 0)
        goto out;
    if (fsync(fd) != 0) {
        certmap_error_set(err, CERTMAP_ERR_IO, tmp, 0, NULL, NULL, "cannot write: %s",
                          strerror(errno));
        goto out;
    }
    if (close(fd) != 0) {
        fd = -1;
        certmap_error_set(err, CERTMAP_ERR_IO, tmp, 0, NULL, NULL, "cannot write: %s",
                          strerror(errno));
        goto out;
    }
    fd = -1;
    if (rename(tmp, path) != 0) {
        certmap_error_set(err, CERTMAP_ERR_IO, path, 0, NULL, NULL, "cannot replace: %s",
                          strerror(errno));
        goto out;
    }
    /* The rename happened; on failure only its durability is in doubt. */
    if (fileio_sync_dir(path, err) != 0)
        goto out_done;
    ret = 0;
out_done:
    return ret;
out:
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    return ret;
}

int
fileio_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
                    struct certmap_error *err)
{
    uid_t uid = (uid_t)-1;
    gid_t gid = (gid_t)-1;
    struct stat st;
    char *dir;

    if (stat(path, &st) == 0) {
        /* An existing file keeps its owner, group and mode, never more than mode allows. */
        return write_atomic(path, data, len, st.st_uid, st.st_gid, st.st_mode & mode & 07777, err);
    }
    if (errno != ENOENT)
        return certmap_error_set(err, CERTMAP_ERR_IO, path, 0, NULL, NULL, "cannot stat: %s",
                                 strerror(errno));
    /* Root creating a file in the service's directory gives it to the directory's owners. */
    if (geteuid() == 0) {
        dir = fileio_dirname(path);
        if (dir == NULL)
            return certmap_error_set(err, CERTMAP_ERR_NOMEM, path, 0, NULL, NULL, "out of memory");
        if (stat(dir, &st) == 0) {
            uid = st.st_uid;
            gid = st.st_gid;
        }
        free(dir);
    }
    return write_atomic(path, data, len, uid, gid, mode, err);
}

int
fileio_write_atomic_as(const char *path, const void *data, size_t len, const struct stat *like,
                       struct certmap_error *err)
{
    return write_atomic(path, data, len, like->st_uid, like->st_gid, like->st_mode & 07777, err);
}

int
fileio_open_bounded(const char *path, size_t max, size_t *size, struct certmap_error *err)
{
    struct stat st;
    int fd;

    if (max == 0)
        max = (size_t)256 << 20;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return certmap_error_set(err, CERTMAP_ERR_IO, path, 0, NULL, NULL, "cannot open: %s",
                                 strerror(errno));
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        certmap_error_set(err, CERTMAP_ERR_IO, path, 0, NULL, NULL, "not a regular file");
        goto fail;
    }
    if ((size_t)st.st_size > max) {
        certmap_error_set(err, CERTMAP_ERR_INVALID, path, 0, NULL, NULL,
                          "file too large (%lld bytes, limit %zu)", (long long)st.st_size, max);
        goto fail;
    }
    *size = (size_t)st.st_size;
    return fd;
fail:
    close(fd);
    return -1;
}

int
fileio_read(const char *path, char **data, size_t *len, size_t max, struct certmap_error *err)
{
    char *buf = NULL;
    size_t got = 0, size;
    ssize_t n;
    int fd, ret = -1;

    fd = fileio_open_bounded(path, max, &size, err);
    if (fd < 0)
        return -1;
    buf = malloc(size + 1);
    if (buf == NULL) {
        certmap_error_set(err, CERTMAP_ERR_NOMEM, path, 0, NULL, NULL, "out of memory");
        goto out;
    }
    while (got < size) {
        n = read(fd, buf + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            certmap_error_set(err, CERTMAP_ERR_IO, path, 0, NULL, NULL, "cannot read: %s",
                              strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    buf[got] = '\0';
    *data = buf;
    *len = got;
    buf = NULL;
    ret = 0;
out:
    free(buf);
    close(fd);
    return ret;
}

int
fileio_lock(const char *lock_path, struct certmap_error *err)
{
    int fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

    if (fd < 0)
        return certmap_error_set(err, CERTMAP_ERR_IO, lock_path, 0, NULL, NULL,
                                 "cannot open lock file: %s", strerror(errno));
    while (flock(fd, LOCK_EX) != 0) {
        if (errno == EINTR)
            continue;
        certmap_error_set(err, CERTMAP_ERR_IO, lock_path, 0, NULL, NULL, "cannot lock: %s",
                          strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

void
fileio_unlock(int fd)
{
    if (fd >= 0)
        close(fd); /* closing drops the flock */
}
