/*
 * fileio.h - durable file writes and advisory locks shared by the
 * configuration commit, the key file and the accounts file.
 */
#ifndef CERTMAP_FILEIO_H
#define CERTMAP_FILEIO_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "certmap/error.h"

/*
 * Replaces path with data atomically: writes "<path>.tmp.<pid>" (created
 * afresh, never through a link), fsyncs it, renames it over path and fsyncs
 * the directory.  On any failure the temp file is removed and path is
 * untouched.  0, or -1 and err.
 *
 * Ownership, so that root editing a file never locks out the service that
 * reads it:
 * - path exists: the new file keeps its owner, group and mode, less the bits
 *   outside mode (a secret written with mode 0640 loses the bits "others"
 *   had, and keeps 0600 if it was 0600).  An owner or group the process may
 *   not give (not root, not its own) is an error naming them, and path is
 *   untouched.
 * - path is new: it gets mode exactly (not the umask) and, when the process
 *   runs as root, the owner and group of its directory; otherwise the
 *   process's own, as the kernel gives them.
 */
int fileio_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
                        struct certmap_error *err);

/*
 * fileio_write_atomic() giving the new file exactly like->st_uid,
 * like->st_gid and the permission bits of like->st_mode, whether path
 * exists or not (the history copy of a file takes the file's).  0, or -1
 * and err.
 */
int fileio_write_atomic_as(const char *path, const void *data, size_t len, const struct stat *like,
                           struct certmap_error *err);

/*
 * Makes the directory entry of path durable (fsync of its directory), after a
 * rename() or link() into it.  0, or -1 and err naming the directory.
 */
int fileio_sync_dir(const char *path, struct certmap_error *err);

/*
 * Opens path for reading (close-on-exec) when it is a regular file of at most
 * max bytes (0: 256 MiB), as fileio_read() reads it; *size gets its size.
 * The descriptor, or -1 and err naming path.
 */
int fileio_open_bounded(const char *path, size_t max, size_t *size, struct certmap_error *err);

/*
 * Reads a whole file into a malloc'd NUL-terminated buffer (*len excludes the
 * NUL).  max bounds the size (0: 256 MiB).  0, or -1 and err.
 */
int fileio_read(const char *path, char **data, size_t *len, size_t max, struct certmap_error *err);

/*
 * Takes an exclusive flock on lock_path (created 0600 when missing), waiting
 * for other holders.  Returns the descriptor, or -1 and err.
 */
int fileio_lock(const char *lock_path, struct certmap_error *err);

/* Releases a lock from fileio_lock(). -1 is ignored. */
void fileio_unlock(int fd);

/* Directory part of path into a malloc'd string ("." when none). NULL on allocation failure. */
char *fileio_dirname(const char *path);

#endif
