/* fsid.c - per-thread filesystem credentials by raw system call (fsid.h). */
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fsid.h"

bool
fsid_capable(void)
{
    struct __user_cap_header_struct hdr;
    struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
    const unsigned need = (1u << CAP_SETUID) | (1u << CAP_SETGID); /* both in the first word */

    memset(&hdr, 0, sizeof(hdr));
    memset(data, 0, sizeof(data));
    hdr.version = _LINUX_CAPABILITY_VERSION_3;
    hdr.pid = 0; /* the calling thread */
    if (syscall(SYS_capget, &hdr, data) != 0)
        return false;
    return (data[0].effective & need) == need;
}

/* The thread's filesystem uid (setfsuid(-1) changes nothing and returns it). */
static uid_t
cur_fsuid(void)
{
    return (uid_t)syscall(SYS_setfsuid, (uid_t)-1);
}

static gid_t
cur_fsgid(void)
{
    return (gid_t)syscall(SYS_setfsgid, (gid_t)-1);
}

/* setfsuid then a check: the call returns the previous id whether it worked or not. */
static int
set_fsuid(uid_t uid)
{
    syscall(SYS_setfsuid, uid);
    if (cur_fsuid() != uid) {
        errno = EPERM;
        return -1;
    }
    return 0;
}

static int
set_fsgid(gid_t gid)
{
    syscall(SYS_setfsgid, gid);
    if (cur_fsgid() != gid) {
        errno = EPERM;
        return -1;
    }
    return 0;
}

static int
set_groups(size_t n, const gid_t *groups)
{
    /* SYS_setgroups, not setgroups(3): this thread only */
    return syscall(SYS_setgroups, n, groups) == 0 ? 0 : -1;
}

int
fsid_enter(const struct fsid_cred *cred, struct fsid_saved *saved)
{
    int n, saved_errno;

    memset(saved, 0, sizeof(*saved));
    if (cred == NULL || cred->uid == (uid_t)-1 || cred->gid == (gid_t)-1 ||
        (cred->ngroups > 0 && cred->groups == NULL)) {
        errno = EINVAL;
        return -1;
    }
    n = (int)syscall(SYS_getgroups, 0, NULL);
    if (n < 0)
        return -1;
    if (n > FSID_SAVED_GROUPS_MAX) {
        errno = EOVERFLOW;
        return -1;
    }
    n = (int)syscall(SYS_getgroups, n, saved->groups);
    if (n < 0)
        return -1;
    saved->ngroups = n;
    saved->fsuid = cur_fsuid();
    saved->fsgid = cur_fsgid();
    /* Groups and gid before the uid, undone in the reverse order by fsid_leave(). */
    if (set_groups(cred->ngroups, cred->groups) != 0)
        return -1; /* nothing changed yet */
    saved->active = true;
    if (set_fsgid(cred->gid) != 0 || set_fsuid(cred->uid) != 0) {
        saved_errno = errno;
        fsid_leave(saved);
        errno = saved_errno;
        return -1;
    }
    return 0;
}

void
fsid_leave(struct fsid_saved *saved)
{
    if (!saved->active)
        return;
    /* The uid first: back to 0 gives a root thread its file capabilities again. */
    if (set_fsuid(saved->fsuid) != 0 || set_fsgid(saved->fsgid) != 0 ||
        set_groups((size_t)saved->ngroups, saved->groups) != 0) {
        /* A worker left with a request's identity would serve the next one with it. */
        fprintf(stderr, "certmapd: cannot restore the thread's file credentials (%s)\n",
                strerror(errno));
        abort();
    }
    saved->active = false;
}

/* FNV-1a over the 8 bytes of v. */
static uint64_t
mix(uint64_t h, uint64_t v)
{
    for (int k = 0; k < 8; k++) {
        h = (h ^ (v & 0xff)) * 1099511628211ULL;
        v >>= 8;
    }
    return h;
}

uint64_t
fsid_key(const struct fsid_cred *cred)
{
    uint64_t h = 14695981039346656037ULL;
    size_t i;

    if (cred == NULL)
        return 0;
    h = mix(h, cred->uid);
    h = mix(h, cred->gid);
    h = mix(h, cred->ngroups);
    for (i = 0; i < cred->ngroups; i++)
        h = mix(h, cred->groups[i]);
    return h != 0 ? h : 1;
}
