/*
 * check.h - what certmapd would refuse or trip on later, checked ahead of
 * time: the checks of `certmapd -t` and `certmap validate`.
 *
 * Loading a configuration (certmap_config_open(), certmap_view_build())
 * finds what is wrong in the file itself.  These checks look at what the
 * file points to, the way certmapd uses it: server certificates and keys
 * (read by the same loader as the server's, cert/server.h), their chains,
 * client CA files and CRLs (cert_load_trust(), as the handshake loads them),
 * a CRL past or near its nextUpdate, physical paths, log directories, and
 * listeners that conflict with each other.  Both programs run the same
 * checks over the same view, so `validate` and `certmapd -t` agree.
 *
 * Each finding is appended to a struct certmap_diags with the file:line of
 * the element it concerns.  A finding at the place (file, line, element,
 * attribute) of one already in the list is not added again; when it is more
 * severe, the one in the list takes its severity (and keeps its message), so
 * that each place is reported once, at its worst: a Windows physicalPath,
 * a warning of the view (certmapd still serves the rest), is an error here.
 */
#ifndef CERTMAP_CHECK_H
#define CERTMAP_CHECK_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "certmap/error.h"
#include "certmap/view.h"

/*
 * The account certmapd serves as, for the checks of what it writes and
 * reads after the privilege drop: files and directories are judged by their
 * owner, group and mode bits for that account (ACLs are not read).
 */
struct check_account {
    const char *name;    /* for messages ("certmap") */
    uid_t uid;           /* 0 writes everywhere (mode bits do not bind root) */
    gid_t gid;           /* primary group */
    const gid_t *groups; /* supplementary groups (borrowed), may be NULL */
    size_t ngroups;
};

struct check_options {
    time_t now; /* the time CRLs and certificates are judged at; 0: time(NULL) */
    /*
     * The service account; NULL: the one <certmap><server user group> names
     * (looked up with its supplementary groups, as certmapd's privilege drop
     * makes them: log directories must be writable and certificate, key, CA
     * and CRL files readable by it, since certmapd reads them again at every
     * reload), else the account running the check (access(2)).
     */
    const struct check_account *service;
    /*
     * Also ask the directory (<certmap><directory>): bind and search once
     * (dir_check_live()).  A directory that does not answer is a warning
     * (certmapd starts and answers 503 until it does); one that answers no
     * (a refused bind, a baseDn that does not exist) is an error.
     */
    bool directory;
};

/*
 * Runs every check over v (see the top of this file) and appends the
 * findings to diags: errors for what certmapd refuses at load or answers
 * with an error later (a certificate or key that does not load or match, a
 * thumbprint not in its store, a client CA file or CRL that does not parse,
 * a CRL past its nextUpdate, a physical path that is missing or not a
 * directory, a log directory the service account cannot write, two
 * bindings that cannot both listen; a <certmap><directory> whose uri or baseDn
 * does not parse, whose bindPasswordFile is missing, not a regular file,
 * empty, unreadable by the service account or open to others or to group
 * writes (a secret), whose caFile does not load); warnings for what works but probably
 * not as meant (no clientCaFile where client certificates are requested:
 * the system trust store decides, and the warning names it; a CRL near its
 * nextUpdate; an expired server certificate); notes for the rest (a chain
 * ending at a CA the system does not know).  Only sites that start
 * (serverAutoStart) have their bindings checked, as certmapd listens for
 * those only.  Returns 0, or -1 when diags cannot grow (out of memory).
 */
int check_view(const struct certmap_view *v, const struct check_options *opts,
               struct certmap_diags *diags);

/*
 * The CRL findings for one crlFile (what certmapd logs at every load):
 * an error when the file does not read, for each CRL past its nextUpdate,
 * and a warning for each CRL whose nextUpdate is less than warn_hours away
 * (0: never) or whose thisUpdate is still to come.  src_file:src_line is the
 * <binding>.  Returns 0, or -1 when diags cannot grow.
 */
int check_crl(const char *crl_file, time_t now, unsigned warn_hours, const char *src_file,
              unsigned src_line, struct certmap_diags *diags);

#endif
