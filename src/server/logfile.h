/*
 * logfile.h - how certmapd creates and opens its log files (the error log,
 * errlog.c, and the W3C logs, w3clog.c), so that a less privileged account
 * owning a log directory cannot turn certmapd's appends against another
 * file:
 *
 * - files are opened with O_NOFOLLOW: a symbolic link planted at a log's
 *   name is not followed, the open fails and says so; a file with more than
 *   one hard link, or not a regular file, is refused too;
 * - new files are created 0640 (whatever the umask) and new directories
 *   02750 (setgid, so that files created later inherit the group); when
 *   certmapd runs as root (it starts as root and drops to
 *   <certmap><server user>), they are given to the owner set with
 *   logfile_set_owner(): the service user, and Debian's `adm` group when it
 *   exists (else the service user's group), as Debian's daemons do, so that
 *   the service reopens them after rotation and adm members read them.
 */
#ifndef CERTMAP_SERVER_LOGFILE_H
#define CERTMAP_SERVER_LOGFILE_H

#include <sys/types.h>

#include "certmap/error.h"

/*
 * Sets who owns the log files and directories created from now on: uid
 * (uid_t)-1 and gid (gid_t)-1 leave the process's own.  Called by main()
 * before any thread starts; never again.
 */
void logfile_set_owner(uid_t uid, gid_t gid);

/* The group of new log files for a service whose own group is gid: adm when it exists. */
gid_t logfile_group(gid_t gid);

/*
 * Opens path for appending (O_APPEND, O_NOFOLLOW, close-on-exec), creating
 * it 0640 with the owner above when missing.  Returns the descriptor, or -1
 * and err naming path (a symbolic link: "is a symbolic link, not followed").
 */
int logfile_open(const char *path, struct certmap_error *err);

/*
 * mkdir -p of dir: every missing component is created 02750 and given the
 * owner above.  0, or -1 and errno.
 */
int logfile_mkdirs(const char *dir);

#endif
