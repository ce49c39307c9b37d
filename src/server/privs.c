/* privs.c - the drop from root to the service user (privs.h). */
#include <cap-ng.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "privs.h"

int
privs_plan_make(const char *config_path, const char *user, const char *group, bool allow_root,
                struct privs_plan *p, struct certmap_error *err)
{
    char buf[16384];
    struct passwd pw, *pwr = NULL;
    struct group gr, *grr = NULL;

    memset(p, 0, sizeof(*p));
    p->uid = geteuid();
    p->gid = getegid();
    if (user == NULL || user[0] == '\0') {
        if (p->uid == 0 && !allow_root)
            return certmap_error_set(err, CERTMAP_ERR_INVALID, config_path, 0, "server", "user",
                                     "refusing to serve requests as root: name the service "
                                     "account in <certmap><server user=\"...\"> (or set "
                                     "allowRoot=\"true\" to run as root on purpose)");
        return 0;
    }
    if (getpwnam_r(user, &pw, buf, sizeof(buf), &pwr) != 0 || pwr == NULL)
        return certmap_error_set(err, CERTMAP_ERR_INVALID, config_path, 0, "server", "user",
                                 "no user \"%s\"", user);
    snprintf(p->name, sizeof(p->name), "%s", pwr->pw_name);
    p->uid = pwr->pw_uid;
    p->gid = pwr->pw_gid;
    if (group != NULL && group[0] != '\0') {
        if (getgrnam_r(group, &gr, buf, sizeof(buf), &grr) != 0 || grr == NULL)
            return certmap_error_set(err, CERTMAP_ERR_INVALID, config_path, 0, "server", "group",
                                     "no group \"%s\"", group);
        p->gid = grr->gr_gid;
    }
    if (p->uid == 0 && !allow_root)
        return certmap_error_set(err, CERTMAP_ERR_INVALID, config_path, 0, "server", "user",
                                 "user \"%s\" is root: refusing to serve requests as root "
                                 "without allowRoot=\"true\"",
                                 user);
    if (geteuid() == 0) {
        p->drop = p->uid != 0;
        return 0;
    }
    /* Not root (a systemd unit with User=): only the named user itself may run. */
    if (geteuid() != p->uid)
        return certmap_error_set(err, CERTMAP_ERR_INVALID, config_path, 0, "server", "user",
                                 "running as uid %ld, not as user \"%s\" (uid %ld): only root "
                                 "can change to it",
                                 (long)geteuid(), user, (long)p->uid);
    return 0;
}

int
privs_drop(const struct privs_plan *p, struct certmap_error *err)
{
    int rc;

    if (!p->drop)
        return 0;
    capng_clear(CAPNG_SELECT_BOTH);
    /* A reload may listen on a new port below 1024. */
    if (capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED, CAP_NET_BIND_SERVICE) != 0)
        return certmap_error_set(err, CERTMAP_ERR_IO, NULL, 0, "server", "user",
                                 "libcap-ng: cannot keep CAP_NET_BIND_SERVICE");
    /* The workers switch their file credentials per request (fsid.h). */
    if (p->keep_setid &&
        (capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED, CAP_SETUID) != 0 ||
         capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED, CAP_SETGID) != 0))
        return certmap_error_set(err, CERTMAP_ERR_IO, NULL, 0, "server", "readFilesAsUser",
                                 "libcap-ng: cannot keep CAP_SETUID and CAP_SETGID");
    /*
     * capng_change_id: keep capabilities across the change, setresgid,
     * initgroups(name, gid), setresuid, then apply the set above (glibc
     * changes the ids of every thread).
     */
    rc = capng_change_id((int)p->uid, (int)p->gid, CAPNG_INIT_SUPP_GRP | CAPNG_CLEAR_BOUNDING);
    if (rc != 0)
        return certmap_error_set(err, CERTMAP_ERR_IO, NULL, 0, "server", "user",
                                 "cannot change to user \"%s\" (uid %ld, gid %ld): libcap-ng "
                                 "capng_change_id returned %d (%s)",
                                 p->name, (long)p->uid, (long)p->gid, rc, strerror(errno));
    /*
     * No way back: a process that could become root again has not dropped
     * anything.  With CAP_SETUID kept, setuid(0) would succeed (and make
     * every thread root): the ids are checked, not probed.
     */
    if ((!p->keep_setid && (setuid(0) == 0 || seteuid(0) == 0)) || getuid() != p->uid ||
        geteuid() != p->uid || getgid() != p->gid || getegid() != p->gid)
        return certmap_error_set(err, CERTMAP_ERR_IO, NULL, 0, "server", "user",
                                 "the change to user \"%s\" did not hold", p->name);
    return 0;
}
