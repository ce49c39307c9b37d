/*
 * privs.h - certmapd started as root drops to <certmap><server user group>
 * once its listeners, logs and keys are open:
 *
 *   supplementary groups (initgroups of the user, so that the ssl-cert group
 *   of Debian's private keys applies), gid, uid, and of the capabilities only
 *   CAP_NET_BIND_SERVICE, kept so that a reload can listen on a new port
 *   below 1024, plus CAP_SETUID and CAP_SETGID when static files are read
 *   as the request's account (<server readFilesAsUser>, fsid.h) (libcap-ng;
 *   the bounding set is cleared).  With those two the process could make
 *   itself root again: that is the price of reading files as the account,
 *   and readFilesAsUser="false" is the drop that cannot be undone.
 *
 * The drop runs on the main thread; glibc applies setgroups/setresgid/
 * setresuid to every thread of the process, so threads started before it
 * (the W3C log flusher, the logon pool) run as the same user, with no
 * capability at all; threads started after it (the workers, the reload
 * thread) inherit the main thread's.  Serving requests as root is refused
 * unless <server allowRoot="true"> says so.
 */
#ifndef CERTMAP_SERVER_PRIVS_H
#define CERTMAP_SERVER_PRIVS_H

#include <stdbool.h>
#include <sys/types.h>

#include "certmap/error.h"

/* The account to run as, resolved from the configuration. */
struct privs_plan {
    bool drop;       /* started as root with a user: drop to uid/gid */
    uid_t uid;       /* the account's uid (the current one when !drop) */
    gid_t gid;       /* group/@group, else the user's primary group */
    char name[256];  /* user name, for initgroups and messages */
    bool keep_setid; /* keep CAP_SETUID and CAP_SETGID (files read as the account); the
                        caller sets it after privs_plan_make() */
};

/*
 * Decides what to run as: user "" and started as root -> refused unless
 * allow_root; a user that does not exist, or a group that does not exist ->
 * error; started as another user than user -> error (only root can change).
 * 0 and *p filled, or -1 and err (naming config_path).
 */
int privs_plan_make(const char *config_path, const char *user, const char *group, bool allow_root,
                    struct privs_plan *p, struct certmap_error *err);

/*
 * Drops to p (nothing to do when !p->drop) and checks that the process can
 * no longer become root.  0, or -1 and err.
 */
int privs_drop(const struct privs_plan *p, struct certmap_error *err);

#endif
