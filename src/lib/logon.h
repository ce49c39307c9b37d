/*
 * logon.h - account logon behind one interface: the file provider
 * ("name:crypt-hash[:groups]" lines, crypt(3)) and PAM (groups through NSS).
 *
 * logon_check() blocks (PAM may take seconds) and must never run on an event
 * loop thread; logon_submit() runs it on the logon thread pool and calls back
 * there.  Results are cached: a success for cache_seconds, a failure for
 * negative_cache_seconds, keyed by provider, user and a salted hash of the
 * password (never the password itself).
 */
#ifndef CERTMAP_LOGON_H
#define CERTMAP_LOGON_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "certmap/error.h"

/*
 * Most logons that may wait in the pool's queue at once (queued provider
 * calls plus queued deliveries of cached results).  Beyond it logon_submit()
 * fails, so that the server answers 503 instead of queueing without bound.
 */
#define LOGON_QUEUE_MAX 1024

/* Most results kept in the cache; the oldest is evicted beyond it. */
#define LOGON_CACHE_MAX 65536

enum logon_provider_kind {
    LOGON_FILE, /* accounts file of "name:crypt-hash" lines */
    LOGON_PAM,  /* pam_start(service) + pam_authenticate + pam_acct_mgmt */
};

struct logon_settings {
    enum logon_provider_kind provider;
    const char *accounts_file;       /* LOGON_FILE: absolute path */
    const char *pam_service;         /* LOGON_PAM: service name, "certmap" by default */
    unsigned cache_seconds;          /* positive cache TTL (0 disables) */
    unsigned negative_cache_seconds; /* negative cache TTL (0 disables) */
    unsigned threads;                /* size of the thread pool (0: 2) */
    bool nss_credentials; /* each group lookup also fetches the account's uid, gid and group
                             ids from NSS (files read as the account: logon_cred_cached()) */
};

enum logon_result {
    LOGON_OK = 0,      /* credentials accepted */
    LOGON_REFUSED = 1, /* wrong password, unknown or locked account */
    LOGON_ERROR = 2,   /* provider failure (unreadable accounts file, PAM error) */
};

struct logon;

/* Starts the providers and the thread pool. NULL and err filled on failure. */
struct logon *logon_new(const struct logon_settings *s, struct certmap_error *err);

/* Stops the pool (waiting for running logons) and frees. NULL is ignored. */
void logon_free(struct logon *l);

/*
 * Blocking logon, through the cache, run on the calling thread (never call it
 * from an event loop or from on_done).  A logon of the same user and password
 * already in flight is waited for instead of being repeated.  err says why on
 * LOGON_REFUSED/LOGON_ERROR (kind CERTMAP_ERR_AUTH for a refusal).
 */
enum logon_result logon_check(struct logon *l, const char *user, const char *password,
                              struct certmap_error *err);

/*
 * Cache-only lookup that never blocks: true and *result set on a cache hit
 * that has not expired, false on a miss.
 */
bool logon_cached(struct logon *l, const char *user, const char *password,
                  enum logon_result *result);

typedef void (*logon_done_fn)(void *arg, enum logon_result result);

/*
 * Queues a logon on the pool; on_done(arg, result) is called on a pool thread
 * (the caller hands the result back to its own thread).  user and password
 * are copied.  0, or -1 when the pool is stopping, the queue holds
 * LOGON_QUEUE_MAX items already, or memory runs out.  After 0, on_done is
 * called exactly once, also when logon_free() runs first (LOGON_ERROR then).
 * A cached result is delivered through the queue too, so try logon_cached()
 * first on the request path; a submit while the same user and password are
 * in flight joins that logon rather than calling the provider again.
 */
int logon_submit(struct logon *l, const char *user, const char *password, logon_done_fn on_done,
                 void *arg);

/* Drops every cached result and group list (called at reload). */
void logon_cache_clear(struct logon *l);

/*
 * Groups of accounts: the roles of URL Authorization.  The file provider
 * reads them from the accounts file ("name:hash:g1,g2"), PAM from NSS
 * (logon_nss_groups()).  A successful logon on the pool also looks up the
 * user's groups there and keeps them beside the result, for the positive
 * cache time but at least LOGON_GROUPS_MIN_SECONDS, so that the request the
 * logon was made for finds them without blocking.
 */
#define LOGON_GROUPS_MIN_SECONDS 60

/*
 * Blocking lookup through the provider (never call it from an event loop).
 * *names gets a malloc'd vector of *n names (one block: free(*names)).
 * 0, or -1 and err.
 */
int logon_groups(struct logon *l, const char *user, char ***names, size_t *n,
                 struct certmap_error *err);

/*
 * Cache-only lookup that never blocks: 1 and a malloc'd copy in *names and *n on
 * a hit; 0 on a miss (queue logon_submit_groups() and ask again); -1 when the
 * last lookup failed (the groups are unknown) or memory runs out.
 */
int logon_groups_cached(struct logon *l, const char *user, char ***names, size_t *n);

/*
 * Queues a group lookup of user on the pool; the groups land in the cache
 * (or a failure, which logon_groups_cached() reports as -1) and then
 * on_done(arg, LOGON_OK) runs on a pool thread (LOGON_ERROR when memory ran
 * out or logon_free() came first).  Same queue bound and once-only guarantee
 * as logon_submit().
 */
int logon_submit_groups(struct logon *l, const char *user, logon_done_fn on_done, void *arg);

/*
 * The groups of user through NSS: getpwnam_r() for the primary group,
 * getgrouplist(), getgrgid_r() for the names (a group id without a name is
 * left out: no rule can name it).  Blocking.  *names as for logon_groups().
 * 0, or -1 and err (CERTMAP_ERR_AUTH when NSS does not know the user).
 */
int logon_nss_groups(const char *user, char ***names, size_t *n, struct certmap_error *err);

/*
 * Credentials of a Linux account, for opening files as it (IIS reads a
 * static file with the token of the request's account).  One malloc'd
 * block, freed with free().
 */
struct logon_cred {
    uid_t uid;
    gid_t gid;      /* primary group */
    size_t ngroups; /* entries of groups */
    gid_t groups[]; /* getgrouplist(): the primary group and every supplementary one */
};

/*
 * The account user through NSS (getpwnam_r(), getgrouplist(): SSSD, LDAP
 * and winbind accounts count as local ones do).  Blocking.  1 and *cred
 * (the caller frees it); 0 when NSS does not know the account; -1 and err
 * when the lookup failed (the name service did not answer, out of memory).
 */
int logon_nss_cred(const char *user, struct logon_cred **cred, struct certmap_error *err);

/* A malloc'd copy of c, or NULL when memory runs out. */
struct logon_cred *logon_cred_copy(const struct logon_cred *c);

enum logon_cred_state {
    LOGON_CRED_MISS = 0,    /* not cached (or settings.nss_credentials is off) */
    LOGON_CRED_FOUND = 1,   /* a system account: *cred set */
    LOGON_CRED_UNKNOWN = 2, /* NSS does not know the name: not a system account */
    LOGON_CRED_FAILED = 3,  /* the lookup failed: who the account is cannot be said */
};

/*
 * Cache-only lookup of the credentials of user that never blocks.  They are
 * fetched with the groups (settings.nss_credentials): by every successful
 * logon, and by logon_submit_groups(), so on LOGON_CRED_MISS queue that and
 * ask again when it is done.  LOGON_CRED_FOUND sets *cred to a malloc'd
 * copy (free()); the other results leave it NULL.  Out of memory is
 * LOGON_CRED_FAILED.  Cached as long as the groups are.
 */
enum logon_cred_state logon_cred_cached(struct logon *l, const char *user,
                                        struct logon_cred **cred);

/*
 * Where logon_submit_cred() hands its answer: state as logon_cred_cached()
 * would say it right after the lookup, and with LOGON_CRED_FOUND the
 * credentials, which the callee owns (free()); NULL otherwise.  Runs on a
 * pool thread.
 */
typedef void (*logon_cred_fn)(void *arg, enum logon_cred_state state, struct logon_cred *cred);

/*
 * logon_submit_groups() that also hands the credentials it looked up to
 * on_cred, so that the caller never asks the cache after it (a reload or a
 * full cache may have emptied it by then) and never calls NSS itself.  The
 * groups and credentials land in the cache as with logon_submit_groups().
 * on_cred runs exactly once: LOGON_CRED_FAILED when memory ran out or
 * logon_free() came first, LOGON_CRED_MISS when settings.nss_credentials is
 * off.  0, or -1 (queue full, stopping, out of memory: on_cred never runs).
 */
int logon_submit_cred(struct logon *l, const char *user, logon_cred_fn on_cred, void *arg);

/* Counters since logon_new(), for logs and benchmarks. */
struct logon_stats {
    unsigned long long hits;           /* answered from the cache */
    unsigned long long misses;         /* not cached and not in flight: provider called */
    unsigned long long coalesced;      /* joined a logon already in flight */
    unsigned long long provider_calls; /* calls made to the provider */
    unsigned long long queue_full;     /* logon_submit() refused because the queue was full */
    unsigned long long evictions;      /* cached results dropped to respect LOGON_CACHE_MAX */
    size_t cached;                     /* results in the cache now */
};

/* Copies the counters into *st. */
void logon_stats_get(struct logon *l, struct logon_stats *st);

/* Longest logon or display name logon_names() writes, NUL included. */
#define LOGON_FORM_MAX 512

/*
 * The two forms of a configured user name, as IIS forms them with a
 * defaultLogonDomain:
 * - logon, what the provider gets: "user@DOMAIN" (the form PAM, sssd and the
 *   accounts file understand).  "DOMAIN\user" always becomes "user@DOMAIN";
 *   a bare "user" becomes "user@domain" when domain is not empty.
 * - display, what LOGON_USER, REMOTE_USER and cs-username show: IIS's
 *   "DOMAIN\user" whenever a domain came from the backslash form or from
 *   domain; a name written as "user@DOMAIN" is shown as written.
 * Names of another shape ("\user", "D\", "a\b\c") are passed as given.
 * Either output may be NULL.  Returns 0, or -1 when a form would not fit in
 * its buffer (the caller refuses the logon rather than use a cut name).
 */
int logon_names(const char *user, const char *domain, char *logon, size_t lsize, char *display,
                size_t dsize);

/*
 * Accounts file management for `certmap account add|passwd|remove`:
 * rewrites the file atomically (lock, temp file, fsync, rename, fsync dir)
 * with the hash from crypt(3) under a strong crypt_gensalt prefix.  The file
 * keeps its owner, group and mode, less any access for others and group
 * write; a new file is LOGON_ACCOUNTS_MODE with the owner and group of its
 * directory when root creates it (fileio.h), so that the service reading it
 * through that group is never locked out.  add fails when the name exists,
 * passwd/remove when it does not.
 */
#define LOGON_ACCOUNTS_MODE 0640
int logon_account_add(const char *accounts_file, const char *user, const char *password,
                      struct certmap_error *err);
/* logon_account_add() with the account's groups ("g1,g2"; NULL or "" for none). */
int logon_account_add_groups(const char *accounts_file, const char *user, const char *password,
                             const char *groups, struct certmap_error *err);
int logon_account_passwd(const char *accounts_file, const char *user, const char *password,
                         struct certmap_error *err);
int logon_account_remove(const char *accounts_file, const char *user, struct certmap_error *err);

#endif
