/*
 * fileacct.h - whose rights open the static files of a request.
 *
 * IIS reads a file with the token of the request's account, so that the
 * file's ACL decides (401.3 when it refuses).  certmapd does the same when
 * <server readFilesAsUser> is on (the default) and it holds CAP_SETUID and
 * CAP_SETGID (fsid.h); the account is, in IIS's order:
 *
 *   1. the virtual directory's userName ("connect as", physical path
 *      credentials): that Linux account, whoever the request is; its
 *      password is not used (Linux needs none to act as an account);
 *   2. an authenticated request (certificate mapping, Basic): the account
 *      it logged on as, looked up in NSS by its logon name; a name NSS does
 *      not know (an account of the accounts file only) reads as certmapd's
 *      own user, as without the capabilities;
 *   3. an anonymous request: anonymousAuthentication/@userName; IIS's
 *      default "IUSR" is Linux's "nobody" (an anonymous visitor reads what
 *      anyone may read), "" is certmapd's own user (IIS: the application
 *      pool identity), another name that account.
 *
 * A name from 1 or 3 that NSS does not know, and any account with uid 0,
 * is refused (401.3): nothing falls back to a wider identity.
 *
 * The credentials come from the logon pool, so that NSS (SSSD, LDAP) never
 * blocks a worker: from its cache (logon_cred_cached(), filled beside the
 * groups by each logon), and else from a lookup queued for the request
 * (logon_submit_cred()), whose answer comes back with the job and is
 * handed to fileacct_resolve(): a reload or a full cache that emptied the
 * cache meanwhile costs no second lookup.
 */
#ifndef CERTMAP_SERVER_FILEACCT_H
#define CERTMAP_SERVER_FILEACCT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsid.h"
#include "logon.h"

/* Where the account's name came from (it decides what an unknown name means). */
enum fileacct_source {
    FILEACCT_SELF,  /* no name: certmapd's own identity */
    FILEACCT_VDIR,  /* virtualDirectory/@userName */
    FILEACCT_LOGON, /* the account an authenticated request logged on as */
    FILEACCT_ANON,  /* anonymousAuthentication/@userName */
};

/*
 * The name whose files the request reads (see the top of this file).
 * vdir_user: the virtual directory's userName ("" or NULL: none);
 * logon_user: the logon name of an authenticated request, NULL for an
 * anonymous one; anon_user: the scope's anonymous userName.  Returns the
 * name (borrowed from the arguments or static) and *src, or NULL with
 * *src FILEACCT_SELF.
 */
const char *fileacct_name(const char *vdir_user, const char *logon_user, const char *anon_user,
                          enum fileacct_source *src);

/* The account files are opened as, for one request. */
struct fileacct {
    struct logon_cred *cred; /* owned; NULL: certmapd's own identity (no switch) */
    struct fsid_cred fs;     /* cred as fsid_enter() takes it (points into cred) */
    uint64_t key;            /* fsid_key(): the file cache's key, 0 for the own identity */
};

enum fileacct_result {
    FILEACCT_READY,  /* *fa filled */
    FILEACCT_LOOKUP, /* not cached: queue logon_submit_groups(name) and come back */
    FILEACCT_DENY,   /* 401.3: why says which account and why */
    FILEACCT_ERROR,  /* 500: why says what failed */
};

/* The answer of the request's own credential lookup (logon_submit_cred()); all borrowed. */
struct fileacct_handed {
    const char *name;              /* the account it looked up */
    enum logon_cred_state state;   /* its answer; LOGON_CRED_MISS: credentials not looked up */
    const struct logon_cred *cred; /* LOGON_CRED_FOUND only, else NULL */
};

/*
 * Resolves name (from fileacct_name(), src its source) to credentials:
 * from handed when it is the answer of a lookup of name (the cache is then
 * not asked, and a LOGON_CRED_MISS is an error, not another lookup), else
 * through l's cache (FILEACCT_LOOKUP on a miss).  handed NULL: no lookup
 * yet.  On FILEACCT_READY *fa is filled and released with
 * fileacct_release(); otherwise *fa holds nothing and why (whysize bytes)
 * says what the error log should.
 */
enum fileacct_result fileacct_resolve(struct logon *l, const char *name, enum fileacct_source src,
                                      const struct fileacct_handed *handed, struct fileacct *fa,
                                      char *why, size_t whysize);

/* Frees what fileacct_resolve() put in *fa and zeroes it; a zeroed *fa is fine. */
void fileacct_release(struct fileacct *fa);

/*
 * Says in the error log, at notice level, whose rights static files are
 * read with: each request's account (read_files_as_user and can_switch), or
 * certmapd's own user and why.  Called at start-up and when a reload
 * changes readFilesAsUser: once, never per request.
 */
void fileacct_notice(bool read_files_as_user, bool can_switch);

#endif
