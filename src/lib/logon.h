/*
 * logon.h - account logon behind one interface: the file provider
 * ("name:crypt-hash" lines, crypt(3)) and PAM.
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

#include "certmap/error.h"

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

/* Blocking logon, through the cache.  err says why on LOGON_REFUSED/LOGON_ERROR. */
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
 * are copied.  0, or -1 when the pool is stopping or memory runs out.
 */
int logon_submit(struct logon *l, const char *user, const char *password, logon_done_fn on_done,
                 void *arg);

/* Drops every cached result (called at reload). */
void logon_cache_clear(struct logon *l);

/*
 * Accounts file management for `certmap account add|passwd|remove`:
 * rewrites the file atomically (lock, temp file, fsync, rename, fsync dir,
 * mode 0600) with the hash from crypt(3) under a strong crypt_gensalt prefix.
 * add fails when the name exists, passwd/remove when it does not.
 */
int logon_account_add(const char *accounts_file, const char *user, const char *password,
                      struct certmap_error *err);
int logon_account_passwd(const char *accounts_file, const char *user, const char *password,
                         struct certmap_error *err);
int logon_account_remove(const char *accounts_file, const char *user, struct certmap_error *err);

#endif
