/*
 * static_open.h - opening files of a virtual directory without ever leaving
 * its root, for the static file handler (static.h).
 *
 * A file is opened with openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS)
 * relative to the root descriptor, so symbolic links inside the root work
 * and links leading out of it are refused by the kernel.  Where openat2 is
 * missing (ENOSYS, remembered for the process) the same walk is done
 * component by component with O_NOFOLLOW and readlinkat: a link may move
 * within the root, never above it, and an absolute link is refused.
 */
#ifndef CERTMAP_STATIC_OPEN_H
#define CERTMAP_STATIC_OPEN_H

#include "certmap/error.h"

/*
 * Opens physical_path (a directory) as the root of a virtual directory.
 * Returns a descriptor (O_PATH|O_DIRECTORY|O_CLOEXEC) the caller closes when
 * the snapshot goes away, or -1 and err filled (missing, not a directory,
 * permission).  A relative path is relative to the current directory, so
 * the server passes an absolute one.  Thread-safe.
 */
int static_open_root(const char *physical_path, struct certmap_error *err);

/*
 * Opens rel (relative, already checked by the handler: no NUL, no "."/".."
 * segment) under root_fd read-only, non-blocking and close-on-exec,
 * resolving every component beneath root_fd.  Returns a descriptor the
 * caller closes, or -1 with errno (EXDEV: a link points out of the root;
 * ENOENT, ENOTDIR, EACCES, ELOOP, ENAMETOOLONG as from open).  Thread-safe.
 */
int static_open_beneath(int root_fd, const char *rel);

#endif
