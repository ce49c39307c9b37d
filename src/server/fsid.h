/*
 * fsid.h - opening files as another account, on the calling thread only.
 *
 * IIS opens a static file with the token of the account the request runs
 * as, so the file's ACL decides (401.3 when it refuses).  certmapd does the
 * same on Linux by changing, for the duration of the open and on the worker
 * thread alone, the three credentials the kernel checks file permissions
 * with: the filesystem uid, the filesystem gid and the supplementary groups.
 * The real, effective and saved ids never change, so signals, the
 * process's resource limits and /proc keep seeing the service user.
 *
 * Why raw system calls (as Samba's worker threads do): glibc's setgroups()
 * applies the change to every thread of the process (NPTL's SIGSETXID
 * broadcast), which would hand one request's account to all the others;
 * the kernel's call changes the calling thread only.  setfsuid/setfsgid
 * are per thread in the kernel and are called the same way.  They need CAP_SETUID (setfsuid) and
 * CAP_SETGID (setfsgid, setgroups) in the thread's effective set; fsid_capable() says whether it
 * has them.  Changing the filesystem uid away from 0 also clears the
 * thread's effective file capabilities (CAP_DAC_OVERRIDE...) until it
 * changes back, so a certmapd serving as root is bound by the account's
 * permissions too.
 */
#ifndef CERTMAP_SERVER_FSID_H
#define CERTMAP_SERVER_FSID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Most supplementary groups fsid_enter() can save and put back for the thread's own identity. */
#define FSID_SAVED_GROUPS_MAX 64

/* An account's file-access credentials (borrowed: groups stays valid while the struct is used). */
struct fsid_cred {
    uid_t uid;
    gid_t gid;
    const gid_t *groups; /* supplementary groups, ngroups entries (may include gid) */
    size_t ngroups;
};

/* The thread's own credentials, kept by fsid_enter() for fsid_leave(). */
struct fsid_saved {
    bool active; /* fsid_enter() changed something that fsid_leave() puts back */
    uid_t fsuid; /* filesystem uid before */
    gid_t fsgid; /* filesystem gid before */
    int ngroups; /* supplementary groups before */
    gid_t groups[FSID_SAVED_GROUPS_MAX];
};

/*
 * True when the calling thread has CAP_SETUID and CAP_SETGID in its
 * effective set (capget of the thread), so that fsid_enter() can work.
 * Threads started afterwards inherit the answer.
 */
bool fsid_capable(void);

/*
 * Makes the calling thread open files as cred: supplementary groups, then
 * filesystem gid, then filesystem uid, each checked after the call (the
 * kernel's setfsuid reports no error).  The previous credentials go to
 * *saved.  0, or -1 with errno (EPERM without the capabilities, EOVERFLOW
 * when the thread has more than FSID_SAVED_GROUPS_MAX groups, EINVAL for a
 * cred of uid or gid -1) and the thread's credentials as they were.
 */
int fsid_enter(const struct fsid_cred *cred, struct fsid_saved *saved);

/*
 * Puts back what fsid_enter() saved (nothing when saved->active is false).
 * A thread that cannot become itself again must not serve anyone else's
 * request: when the restore fails, the process aborts.
 */
void fsid_leave(struct fsid_saved *saved);

/*
 * A key for caches of what was opened as cred: equal credentials (uid, gid
 * and the same groups in the same order) give equal keys; never 0, which
 * stands for "the service's own identity" (cred NULL gives 0).
 */
uint64_t fsid_key(const struct fsid_cred *cred);

#endif
