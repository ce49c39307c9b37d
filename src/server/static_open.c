/*
 * static_open.c - opening files beneath a virtual directory's root
 * descriptor, never outside it (static_open.h): openat2 with
 * RESOLVE_BENEATH where the kernel has it, else a walk component by
 * component that splices symbolic links itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "static_open.h"

/* Flags of every file we open: never block on a FIFO, never become a tty's owner. */
#define OPEN_FLAGS (O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)

/* Symbolic links followed in one lookup by the fallback walk (the kernel's limit). */
#define WALK_MAX_LINKS 40
/* Directory depth of the fallback walk. */
#define WALK_MAX_DEPTH 256

/* 1 openat2 works, -1 the kernel lacks it (ENOSYS), 0 not tried yet. */
static atomic_int openat2_state;
/* Tests set this to exercise the fallback walk on kernels that have openat2. */
static int static_force_fallback;

int
static_open_root(const char *physical_path, struct certmap_error *err)
{
    int fd;

    if (physical_path == NULL || physical_path[0] == '\0') {
        certmap_error_set(err, CERTMAP_ERR_USAGE, NULL, 0, "virtualDirectory", "physicalPath",
                          "empty physical path");
        return -1;
    }
    fd = open(physical_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        certmap_error_set(err, CERTMAP_ERR_IO, physical_path, 0, "virtualDirectory", "physicalPath",
                          "cannot open the physical path: %s", strerror(errno));
        return -1;
    }
    return fd;
}

/*
 * The fallback of static_open_beneath() for kernels without openat2: walks
 * rel one component at a time from root_fd, each opened with O_NOFOLLOW so that no
 * symbolic link is followed by the kernel; links are read and their targets
 * spliced into the rest of the path, and ".." pops the directory stack, so
 * a link can move within the root but never above it (EXDEV, like
 * RESOLVE_BENEATH) and an absolute target is refused.  Returns an OPEN_FLAGS
 * descriptor, or -1 with errno.
 */
static int
walk_beneath(int root_fd, const char *rel)
{
    int stack[WALK_MAX_DEPTH]; /* stack[0] is root_fd (borrowed), the others are owned */
    int depth = 0, links = 0, fd = -1, saved;
    char path[2 * PATH_MAX], target[PATH_MAX]; /* PATH_MAX: the kernel's bound on a link */
    size_t pos = 0, len = strlen(rel);

    if (len >= sizeof(path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(path, rel, len + 1);
    stack[0] = root_fd;
    errno = 0;
    for (;;) {
        char name[NAME_MAX + 1];
        size_t end = pos, nlen;
        int last, cfd;
        struct stat st;
        ssize_t tlen;

        while (path[pos] == '/')
            pos++;
        end = pos;
        while (path[end] != '\0' && path[end] != '/')
            end++;
        nlen = end - pos;
        last = path[end] == '\0' || path[end + strspn(path + end, "/")] == '\0';
        if (nlen == 0) {
            /* The path ended on a directory: open it for reading. */
            fd = openat(stack[depth], ".", OPEN_FLAGS | O_DIRECTORY);
            break;
        }
        if (nlen > NAME_MAX) {
            errno = ENAMETOOLONG;
            break;
        }
        memcpy(name, path + pos, nlen);
        name[nlen] = '\0';
        pos = end;
        if (strcmp(name, ".") == 0)
            continue;
        if (strcmp(name, "..") == 0) {
            if (depth == 0) {
                errno = EXDEV;
                break;
            }
            close(stack[depth--]);
            continue;
        }
        cfd = openat(stack[depth], name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (cfd < 0)
            break;
        if (fstat(cfd, &st) != 0) {
            close(cfd);
            break;
        }
        if (S_ISLNK(st.st_mode)) {
            tlen = readlinkat(cfd, "", target, sizeof(target));
            close(cfd);
            if (tlen < 0)
                break;
            if (++links > WALK_MAX_LINKS) {
                errno = ELOOP;
                break;
            }
            if ((size_t)tlen >= sizeof(target) ||
                (size_t)tlen + 1 + strlen(path + pos) >= sizeof(path)) {
                errno = ENAMETOOLONG;
                break;
            }
            if (tlen == 0 || target[0] == '/') {
                errno = EXDEV; /* an absolute link always leaves the root's view */
                break;
            }
            /* path = target + rest, rest starting with '/' or empty. */
            memmove(path + tlen, path + pos, strlen(path + pos) + 1);
            memcpy(path, target, (size_t)tlen);
            pos = 0;
            continue;
        }
        if (S_ISDIR(st.st_mode) && !last) {
            if (depth + 1 >= WALK_MAX_DEPTH) {
                close(cfd);
                errno = ENAMETOOLONG;
                break;
            }
            stack[++depth] = cfd;
            continue;
        }
        close(cfd);
        if (!last) {
            errno = ENOTDIR;
            break;
        }
        /* O_NOFOLLOW: if the name became a link since the fstat, fail rather than follow it. */
        fd = openat(stack[depth], name, OPEN_FLAGS | O_NOFOLLOW);
        break;
    }
    saved = errno;
    while (depth > 0)
        close(stack[depth--]);
    errno = saved;
    return fd;
}

int
static_open_beneath(int root_fd, const char *rel)
{
    struct open_how how;
    int fd, tries, state = atomic_load_explicit(&openat2_state, memory_order_relaxed);

    if (state < 0 || static_force_fallback)
        return walk_beneath(root_fd, rel);
    memset(&how, 0, sizeof(how));
    how.flags = OPEN_FLAGS;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    /* EAGAIN: a concurrent rename made the kernel unsure about a ".."; retry a little. */
    for (tries = 0; tries < 3; tries++) {
        fd = (int)syscall(SYS_openat2, root_fd, rel, &how, sizeof(how));
        if (fd >= 0 || errno != EAGAIN)
            break;
    }
    if (fd < 0 && errno == ENOSYS) {
        atomic_store_explicit(&openat2_state, -1, memory_order_relaxed);
        return walk_beneath(root_fd, rel);
    }
    if (state == 0)
        atomic_store_explicit(&openat2_state, 1, memory_order_relaxed);
    return fd;
}
