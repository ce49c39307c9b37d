/* fileacct.c - whose rights open a request's static files (fileacct.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <unistd.h>

#include "errlog.h"
#include "fileacct.h"

/* IIS's built-in anonymous account, and the Linux account that stands for it. */
#define IIS_ANONYMOUS "IUSR"
#define LINUX_ANONYMOUS "nobody"

const char *
fileacct_name(const char *vdir_user, const char *logon_user, const char *anon_user,
              enum fileacct_source *src)
{
    if (vdir_user != NULL && vdir_user[0] != '\0') {
        *src = FILEACCT_VDIR;
        return vdir_user;
    }
    if (logon_user != NULL) {
        *src = FILEACCT_LOGON;
        return logon_user;
    }
    if (anon_user == NULL || anon_user[0] == '\0') {
        /* IIS: an empty userName runs anonymous requests as the application pool's identity */
        *src = FILEACCT_SELF;
        return NULL;
    }
    *src = FILEACCT_ANON;
    if (strcasecmp(anon_user, IIS_ANONYMOUS) == 0)
        return LINUX_ANONYMOUS;
    return anon_user;
}

static const char *
source_text(enum fileacct_source src)
{
    switch (src) {
    case FILEACCT_VDIR:
        return "the virtual directory's userName";
    case FILEACCT_ANON:
        return "the anonymous userName";
    case FILEACCT_LOGON:
        return "the logged-on account";
    default:
        return "certmapd's own account";
    }
}

/*
 * The answer of the request's own lookup of name, when handed is one: its
 * state, and a copy of its credentials in *cred (LOGON_CRED_FOUND).
 */
static bool
handed_answer(const struct fileacct_handed *handed, const char *name, enum logon_cred_state *state,
              struct logon_cred **cred)
{
    if (handed == NULL || handed->name == NULL || strcmp(handed->name, name) != 0)
        return false;
    *state = handed->state;
    if (*state == LOGON_CRED_FOUND) {
        *cred = handed->cred != NULL ? logon_cred_copy(handed->cred) : NULL;
        if (*cred == NULL)
            *state = LOGON_CRED_FAILED;
    }
    return true;
}

enum fileacct_result
fileacct_resolve(struct logon *l, const char *name, enum fileacct_source src,
                 const struct fileacct_handed *handed, struct fileacct *fa, char *why,
                 size_t whysize)
{
    struct logon_cred *cred = NULL;
    enum logon_cred_state state = LOGON_CRED_MISS;
    bool looked_up;

    memset(fa, 0, sizeof(*fa));
    why[0] = '\0';
    if (src == FILEACCT_SELF || name == NULL)
        return FILEACCT_READY;
    looked_up = handed_answer(handed, name, &state, &cred);
    if (!looked_up && l == NULL) {
        snprintf(why, whysize, "no logon service to look up \"%s\" (%s)", name, source_text(src));
        return FILEACCT_ERROR;
    }
    if (!looked_up)
        state = logon_cred_cached(l, name, &cred);
    switch (state) {
    case LOGON_CRED_MISS:
        if (!looked_up)
            return FILEACCT_LOOKUP;
        snprintf(why, whysize, "the lookup of \"%s\" (%s) gave no credentials", name,
                 source_text(src));
        return FILEACCT_ERROR;
    case LOGON_CRED_UNKNOWN:
        /* An account of the accounts file alone has no Linux identity: the service's own. */
        if (src == FILEACCT_LOGON)
            return FILEACCT_READY;
        snprintf(why, whysize, "\"%s\" (%s) is not a Linux account (NSS does not know it)", name,
                 source_text(src));
        return FILEACCT_DENY;
    case LOGON_CRED_FAILED:
        snprintf(why, whysize, "the name service could not look up \"%s\" (%s)", name,
                 source_text(src));
        return FILEACCT_ERROR;
    case LOGON_CRED_FOUND:
        break;
    }
    if (cred->uid == 0) {
        snprintf(why, whysize,
                 "\"%s\" (%s) is uid 0: files are never read as root on behalf of "
                 "a request",
                 name, source_text(src));
        free(cred);
        return FILEACCT_DENY;
    }
    fa->cred = cred;
    fa->fs.uid = cred->uid;
    fa->fs.gid = cred->gid;
    fa->fs.groups = cred->groups;
    fa->fs.ngroups = cred->ngroups;
    fa->key = fsid_key(&fa->fs);
    return FILEACCT_READY;
}

void
fileacct_release(struct fileacct *fa)
{
    free(fa->cred);
    memset(fa, 0, sizeof(*fa));
}

void
fileacct_notice(bool read_files_as_user, bool can_switch)
{
    if (read_files_as_user && can_switch)
        errlog_printf(ERRLOG_NOTICE, "static files are read as each request's account "
                                     "(readFilesAsUser; CAP_SETUID and CAP_SETGID held)");
    else if (read_files_as_user)
        errlog_printf(ERRLOG_NOTICE,
                      "static files are read as certmapd's own user (uid %ld), not as each "
                      "request's account: it lacks CAP_SETUID/CAP_SETGID (readFilesAsUser; "
                      "docs/files-as-user.md)",
                      (long)geteuid());
    else
        errlog_printf(ERRLOG_NOTICE,
                      "static files are read as certmapd's own user (uid %ld): "
                      "readFilesAsUser=\"false\"",
                      (long)geteuid());
}
