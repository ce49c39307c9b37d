/*
 * logon_int.h - private interface between the parts of the logon module:
 * the provider table that hides the file and PAM backends, the accounts file
 * parser shared by the file provider and `certmap account`, and the hooks the
 * unit tests use (injected provider, clock, limits).
 */
#ifndef CERTMAP_LOGON_INT_H
#define CERTMAP_LOGON_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#include "logon.h"

/* Longest account name accepted in the accounts file (bytes). */
#define LOGON_NAME_MAX 256

/*
 * One backend.  check() is called from several pool threads at once and
 * must be thread-safe; it never sees the cache.
 */
struct logon_provider_ops {
    const char *name; /* "file", "pam": for error messages */
    /* Builds the backend's state from the settings.  0, or -1 and err. */
    int (*open)(const struct logon_settings *s, void **state, struct certmap_error *err);
    /* Checks one user/password.  err filled on LOGON_REFUSED/LOGON_ERROR. */
    enum logon_result (*check)(void *state, const char *user, const char *password,
                               struct certmap_error *err);
    /* Frees the state.  NULL is ignored. */
    void (*close)(void *state);
    /*
     * The groups of user (URL Authorization roles) as a logon_names_pack()
     * vector in *names (n entries; the caller frees it).  Thread-safe, may
     * block.  0, or -1 and err.  NULL: the provider knows no groups (none).
     */
    int (*groups)(void *state, const char *user, char ***names, size_t *n,
                  struct certmap_error *err);
};

/* file.c */
extern const struct logon_provider_ops logon_file_provider;
/* pam.c */
extern const struct logon_provider_ops logon_pam_provider;

/*
 * logon_new() with an explicit backend (tests inject a counting fake).
 * Same contract as logon_new(); s->provider is ignored.
 */
struct logon *logon_new_with_provider(const struct logon_settings *s,
                                      const struct logon_provider_ops *ops,
                                      struct certmap_error *err);

/* Replaces the monotonic millisecond clock of the cache (tests).  Call before any logon. */
void logon_set_clock(struct logon *l, uint64_t (*now_ms)(void *ctx), void *ctx);

/* Lowers the queue and cache bounds (tests).  0 keeps a bound unchanged.  Call before any logon. */
void logon_set_limits(struct logon *l, size_t queue_max, size_t cache_max);

/*
 * cache.c: results keyed by (user, SHA-256(per-process salt || password)),
 * plus the logons in flight so that identical ones are made once.  Not
 * locked: the caller (core.c) holds its mutex around every call.
 */
#define LOGON_DIGEST_LEN 32

struct logon_task;

struct logon_entry {
    struct logon_entry *hnext;              /* bucket chain */
    struct logon_entry *older, *newer;      /* age list, finished entries only */
    uint64_t hash;                          /* bucket hash of (user, digest) */
    unsigned char digest[LOGON_DIGEST_LEN]; /* SHA-256(salt || password); wiped on free */
    char *user;                             /* owned */
    bool pending;                           /* provider call in flight */
    bool stale;                             /* flushed while in flight: do not keep its result */
    enum logon_result result;               /* finished entries */
    uint64_t expires_ms;                    /* finished entries: valid while now < expires_ms */
    struct logon_task *waiters;             /* pending entries: who gets the result (core.c) */
};

struct logon_cache {
    struct logon_entry **buckets; /* owned array of nbuckets chains */
    size_t nbuckets;              /* power of two */
    struct logon_entry *oldest;   /* head of the age list (evicted first) */
    struct logon_entry *newest;   /* tail of the age list */
    size_t count;                 /* finished entries kept */
    size_t max;                   /* bound on count */
    unsigned long long evictions; /* entries dropped to respect max */
    unsigned char salt[32];       /* per-process random salt of the digests */
    EVP_MD *md;                   /* SHA-256, fetched once */
};

/* Sets up an empty cache of at most max results.  0, or -1 and err. */
int logon_cache_init(struct logon_cache *c, size_t max, struct certmap_error *err);

/* Frees every entry (in flight or not) and the table.  Safe on a zeroed cache. */
void logon_cache_destroy(struct logon_cache *c);

/* Salted SHA-256 of password into out.  0, or -1 on an OpenSSL failure. */
int logon_cache_digest(const struct logon_cache *c, const char *password,
                       unsigned char out[LOGON_DIGEST_LEN]);

/*
 * The entry for (user, digest): pending, or finished and not expired.  An
 * expired entry is freed and NULL returned.
 */
struct logon_entry *logon_cache_find(struct logon_cache *c, const char *user,
                                     const unsigned char *digest, uint64_t now_ms);

/* Adds a pending entry (the caller checked there is none).  NULL when out of memory. */
struct logon_entry *logon_cache_add_pending(struct logon_cache *c, const char *user,
                                            const unsigned char *digest);

/*
 * Records the result of a pending entry: kept for ttl_ms (evicting the oldest
 * beyond max), or freed when ttl_ms is 0 or the entry went stale.  The caller
 * has taken e->waiters first; e must not be used afterwards.
 */
void logon_cache_finish(struct logon_cache *c, struct logon_entry *e, enum logon_result r,
                        uint64_t ttl_ms, uint64_t now_ms);

/* Frees every finished entry; pending ones become stale.  */
void logon_cache_flush(struct logon_cache *c);

/*
 * groups.c: a names vector in one malloc'd block (the pointers, a NULL, then
 * the strings), freed with free().  NULL when memory runs out.
 */
char **logon_names_pack(const char *const *v, const size_t *lens, size_t n);
char **logon_names_copy(char *const *names, size_t n);

/* groups.c: groups looked up per user, beside the result cache (the caller holds the mutex). */
#define LOGON_GROUP_BUCKETS 1024

struct logon_gentry {
    struct logon_gentry *next; /* bucket chain */
    char *user;                /* owned */
    char **names;              /* owned logon_names_pack() vector; NULL when failed */
    size_t n;
    bool failed;                      /* the lookup failed: the groups are unknown */
    struct logon_cred *cred;          /* owned; LOGON_CRED_FOUND only, else NULL */
    enum logon_cred_state cred_state; /* LOGON_CRED_MISS when credentials are not looked up */
    uint64_t expires_ms;              /* valid while now < expires_ms */
};

struct logon_gcache {
    struct logon_gentry *b[LOGON_GROUP_BUCKETS];
    size_t count; /* at most LOGON_CACHE_MAX; beyond, everything is dropped */
};

/* The entry of user that has not expired (expired ones met on the way are freed), or NULL. */
const struct logon_gentry *logon_gcache_find(struct logon_gcache *c, const char *user,
                                             uint64_t now_ms);
/*
 * Stores (takes names and cred, also on failure) the groups and the
 * credentials of user until expires_ms.  0 or -1.
 */
int logon_gcache_put(struct logon_gcache *c, const char *user, char **names, size_t n, bool failed,
                     struct logon_cred *cred, enum logon_cred_state cred_state,
                     uint64_t expires_ms);
/* Frees every entry. */
void logon_gcache_flush(struct logon_gcache *c);

/* True once logon_free() has begun on l (tests synchronise on it). */
bool logon_is_stopping(struct logon *l);

/* accounts.c: the parsed accounts file. */
struct logon_account {
    const char *name; /* points into logon_accounts.data, name_len bytes, not NUL-terminated */
    size_t name_len;
    const char *hash; /* points into data, hash_len bytes */
    size_t hash_len;
    const char *groups; /* "g1,g2" after a second ':' (points into data), NULL when none */
    size_t groups_len;
    unsigned line;     /* 1-based line number */
    size_t line_start; /* offset of the line's first byte in data */
    size_t line_end;   /* offset just past the line's '\n' (or end of data) */
};

struct logon_accounts {
    char *data;              /* owned: the file's bytes, NUL-terminated */
    size_t len;              /* bytes in data, without the NUL */
    struct logon_account *v; /* owned: accounts sorted by name */
    size_t n;                /* entries in v */
};

/*
 * Parses an accounts file held in data (len bytes, NUL-terminated); takes
 * ownership of data whatever the outcome.  Lines are "name:hash" or
 * "name:hash:group1,group2", blank, or comments starting with '#'.  A malformed line, an invalid
 * name or hash, or a duplicate name fails with err naming path:line.  0, or -1 and err.
 */
int logon_accounts_parse(struct logon_accounts *a, const char *path, char *data, size_t len,
                         struct certmap_error *err);

/* Frees what logon_accounts_parse() filled and zeroes *a.  NULL is ignored. */
void logon_accounts_free(struct logon_accounts *a);

/* Entry for user (NUL-terminated), or NULL. */
const struct logon_account *logon_accounts_find(const struct logon_accounts *a, const char *user);

/*
 * Checks an account name: non-empty, at most LOGON_NAME_MAX bytes, no ':',
 * no control character, no leading '#', no leading or trailing blank.
 * NULL when valid, else a static text saying what is wrong.
 */
const char *logon_name_problem(const char *name, size_t len);

/* Most groups one line of the accounts file may give its account. */
#define LOGON_ACCOUNT_GROUPS_MAX 256

/*
 * Checks a comma-separated group list ("g1,g2", blanks around names allowed):
 * every name non-empty, no ':', no control character, at most
 * LOGON_ACCOUNT_GROUPS_MAX names.  NULL or a static text.
 */
const char *logon_groups_problem(const char *groups, size_t len);

/* The groups of account acc as a logon_names_pack() vector; NULL when memory runs out. */
char **logon_account_groups(const struct logon_account *acc, size_t *n);

/*
 * Checks a stored hash: no ':', blank or control character, at most
 * CRYPT_OUTPUT_SIZE - 1 bytes, and a method libcrypt knows (a hash starting
 * with '!' or '*' is a locked account and accepted).  NULL or a static text.
 */
const char *logon_hash_problem(const char *hash, size_t len);

/*
 * Hashes password with a fresh salt of the strongest method libcrypt offers
 * (yescrypt "$y$", else SHA-512 "$6$") into out (CRYPT_OUTPUT_SIZE bytes).
 * 0, or -1 and err.
 */
int logon_hash_password(const char *password, char *out, size_t size, struct certmap_error *err);

#endif
