/*
 * directory.h - certificate mapping through an LDAP directory (IIS's Active
 * Directory mapping, clientCertificateMappingAuthentication): the account
 * whose mappingAttribute (altSecurityIdentities) holds one of the
 * certificate's mapping strings, or whose userCertificate;binary is the
 * certificate, is the request's user; its groups are its roles.
 *
 * Files: directory/filter.c (RFC 4515 filter values), directory/result.c
 * (what a search returned -> the answer; pure, fuzzed), directory/ldap.c
 * (libldap: connect, StartTLS or LDAPS with CA verification, simple bind,
 * search), directory/query.c (the certificate's strings), directory/core.c
 * (the lookup pool, its connections, the cache, coalescing, staleness).
 *
 * Lookups block on the network and never run on an event loop:
 * directory_submit() runs them on the pool and calls back there, as
 * logon_submit() does.  Results are cached by the certificate's SHA-256: a
 * found account for cacheSeconds, "no account" (and "more than one") for
 * negativeCacheSeconds.  While the directory cannot be reached, a cached
 * result serves until maxStaleSeconds past its expiry; a certificate
 * without one gets DIR_UNAVAILABLE (the server answers 503, never 401).
 */
#ifndef CERTMAP_DIRECTORY_H
#define CERTMAP_DIRECTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "certmap/error.h"
#include "certmap/view.h"

/* Most lookups waiting in the pool's queue (beyond: directory_submit() fails, the server 503s). */
#define DIR_QUEUE_MAX 1024
/* Most results kept in the cache; the oldest is evicted beyond it. */
#define DIR_CACHE_MAX 65536
/* Longest user name (userAttribute value) and group name kept, NUL included. */
#define DIR_NAME_MAX 256
/* Most roles an account brings (more are left out and logged). */
#define DIR_GROUPS_MAX 256
/* Most entries one account search reads (userCertificate mode: same issuer and serial). */
#define DIR_CANDIDATES_MAX 8
/* Most mapping strings of one certificate (the six forms of cert/adstring.h). */
#define DIR_STRINGS_MAX 6

enum dir_status {
    DIR_FOUND = 0,       /* exactly one account: answer.user, answer.groups */
    DIR_NOT_FOUND = 1,   /* no account maps the certificate */
    DIR_AMBIGUOUS = 2,   /* more than one account maps it: refused (and logged) */
    DIR_UNAVAILABLE = 3, /* the directory could not answer and nothing usable is cached */
};

/* "found", "not found", "ambiguous", "unavailable". */
const char *dir_status_name(enum dir_status st);

/* What is asked: the certificate (its DER and its mapping strings). */
struct dir_query {
    unsigned char key[32];    /* SHA-256 of der: the cache key */
    const unsigned char *der; /* the certificate (userCertificate mode) */
    size_t der_len;
    const char *strings[DIR_STRINGS_MAX]; /* mapping strings searched (owned by the query) */
    bool strong[DIR_STRINGS_MAX];         /* strings[i] is a strong form */
    size_t nstrings;
};

/*
 * Fills q from cert for the settings s: the strong strings, and the weak ones
 * when s->allow_weak_mappings (a certificate lacking a form simply has no such
 * string).  der is borrowed and must outlive q.  0, or -1 and err (out of
 * memory, a certificate that does not encode).  Free with dir_query_clear().
 */
int dir_query_init(struct dir_query *q, X509 *cert, const unsigned char *der, size_t der_len,
                   const struct certmap_directory_settings *s, struct certmap_error *err);
void dir_query_clear(struct dir_query *q);

/* The answer of one lookup. */
struct dir_answer {
    enum dir_status status;
    bool stale;              /* served from the cache past its expiry (directory unreachable) */
    char user[DIR_NAME_MAX]; /* DIR_FOUND: the userAttribute value, LOGON_USER */
    char dn[1024];           /* DIR_FOUND: the account's DN (cut when longer) */
    char **groups;           /* DIR_FOUND: role names, one malloc'd block (dir_answer_clear) */
    size_t ngroups;
    char why[512]; /* what decided, in words (for the trace and the error log) */
};

/* Frees answer->groups and zeroes it.  NULL is ignored. */
void dir_answer_clear(struct dir_answer *a);

/* Copies src into dst (groups duplicated).  0, or -1 when out of memory (dst cleared). */
int dir_answer_copy(struct dir_answer *dst, const struct dir_answer *src);

/* ---- directory/filter.c ---- */

/*
 * Escapes in[0..len) as an RFC 4515 assertion value into out (size bytes, NUL
 * terminated): '*', '(', ')', '\\' and NUL become \2a \28 \29 \5c \00; with
 * all, every byte becomes \xx (binary values such as a certificate).  Other
 * bytes are copied (the filter is UTF-8 as LDAP wants).  Returns the length
 * written without the NUL, or -1 when out is too small (3 * len + 1 always fits).
 */
long dir_filter_escape(const void *in, size_t len, bool all, char *out, size_t size);

/*
 * The search filter of q under s: (|(attr=v1)(attr=v2)...) over
 * mappingAttribute in altSecurityIdentities mode; in userCertificate mode
 * (|(userCertificate;binary=\xx...)(userCertificate={ serialNumber N, issuer
 * rdnSequence:"DN" })): octets for AD, RFC 4523's exact assertion for OpenLDAP.  malloc'd (caller
 * frees), NULL when q has nothing to search or memory runs out.
 */
char *dir_filter_for(const struct dir_query *q, const struct certmap_directory_settings *s);

/* ---- directory/result.c ---- */

/*
 * The value of the first (leftmost) RDN of an RFC 4514 DN, unescaped ("\,"
 * "\2C" and the like), into out: "cn=web admins,ou=groups,dc=x" gives "web
 * admins".  A multi-valued first RDN gives its first value.  Returns 0, or -1
 * when the DN is malformed (no '=', a bad escape, a '#' BER value, a control
 * character or NUL) or the value does not fit.
 */
int dir_dn_first_value(const char *dn, size_t len, char *out, size_t size);

/* One value of an attribute, as the server sent it (bytes, not NUL terminated). */
struct dir_value {
    const char *data;
    size_t len;
};

/* One entry of a search's result, in a form free of libldap. */
struct dir_entry {
    const char *dn;
    const struct dir_value *user; /* userAttribute values */
    size_t nuser;
    const struct dir_value *mapping; /* mappingAttribute or userCertificate;binary values */
    size_t nmapping;
    const struct dir_value *groups; /* groupAttribute values (DNs) */
    size_t ngroups;
};

/*
 * Decides what entries[0..n) (one search for q) mean, strictly: no entry ->
 * DIR_NOT_FOUND; more than one -> DIR_AMBIGUOUS (out->why names two DNs); one
 * entry must hold a value equal to what was asked (the directory's own
 * matching is not trusted: a mapping string equal to a searched one, by
 * cert_ad_equal(), a weak one only when allowed; in userCertificate mode a
 * value equal to the certificate byte for byte), else DIR_NOT_FOUND; and
 * exactly one non-empty userAttribute value of printable UTF-8 without
 * control characters, else DIR_NOT_FOUND with why.  Groups: the first RDN
 * value of each groupAttribute value (malformed ones are left out and
 * counted in why).  0, or -1 when memory runs out.
 */
int dir_result_decide(const struct dir_entry *entries, size_t n, const struct dir_query *q,
                      const struct certmap_directory_settings *s, struct dir_answer *out);

/* ---- directory/ldap.c ---- */

struct dir_conn;

/*
 * Connects to s->uri (LDAPS, or StartTLS on ldap:// when s->start_tls), the
 * server's certificate verified against s->ca_file (or the system store) and
 * its name, then binds (simple bind with the password read from
 * s->bind_password_file, or anonymously).  NULL and err otherwise
 * (CERTMAP_ERR_IO when the server cannot be reached or refuses the bind).
 * Blocking, bounded by s->timeout_seconds per operation.
 */
struct dir_conn *dir_conn_open(const struct certmap_directory_settings *s,
                               struct certmap_error *err);

/* Closes (unbinds) and frees.  NULL is ignored. */
void dir_conn_close(struct dir_conn *c);

/*
 * One lookup of q on c: the account search (subtree under baseDn, at most two
 * entries asked for), then the group search when groupBaseDn is set.  0 and
 * *out decided by dir_result_decide(); -1 and err when the directory did not
 * answer (the caller drops the connection and reports DIR_UNAVAILABLE).
 */
int dir_conn_lookup(struct dir_conn *c, const struct dir_query *q, struct dir_answer *out,
                    struct certmap_error *err);

/*
 * Whether the directory answers on c: a base-scope read of baseDn.  0, or -1
 * and err.
 */
int dir_conn_ping(struct dir_conn *c, struct certmap_error *err);

/*
 * The bind password: the first line of path (without its line end), as
 * dir_conn_open() sends it.  malloc'd: the caller wipes (OPENSSL_cleanse)
 * and frees it.  NULL and err (at path, attribute bindPasswordFile) when the
 * file does not open, is longer than 4096 bytes or holds no password.
 */
char *dir_password_read(const char *path, struct certmap_error *err);

/*
 * Whether uri is one well-formed ldap:// or ldaps:// URI naming a host, and
 * nothing else (no DN, attributes, filter or extensions: certmap would
 * ignore them).  0 and host (size host_size) filled, or -1 and why.
 */
int dir_uri_check(const char *uri, char *host, size_t host_size, char *why, size_t why_size);

/* 0 when dn parses as an RFC 4514 DN, else -1. */
int dir_dn_check(const char *dn);

/* What dir_check_live() found. */
enum dir_check {
    DIR_CHECK_OK = 0, /* bound and searched */
    DIR_CHECK_UNREACHABLE =
        1,                 /* no answer: refused, timed out, TLS failed (certmapd still starts) */
    DIR_CHECK_REFUSED = 2, /* the directory answered no: the bind, baseDn, the password file */
};

/*
 * certmapd -t --directory: connects and binds as a lookup does, then one
 * subtree search under baseDn for an entry holding mappingAttribute
 * (userCertificate in that mode), at most one entry asked for.  *holders:
 * such an entry exists.  Blocking, bounded by timeoutSeconds per operation.
 * err says why unless DIR_CHECK_OK.
 */
enum dir_check dir_check_live(const struct certmap_directory_settings *s, bool *holders,
                              struct certmap_error *err);

/* ---- directory/core.c ---- */

struct directory;

/*
 * Starts the lookup pool (s->connections threads, each opening its own
 * connection when it first needs one).  s is copied.  NULL and err on failure.
 * No connection is attempted here: an unreachable directory at start is
 * reported by the first lookup, not a start failure.
 */
struct directory *directory_new(const struct certmap_directory_settings *s,
                                struct certmap_error *err);

/* Stops the pool (waiting for lookups in progress, bounded by the timeout) and frees. */
void directory_free(struct directory *d);

/*
 * Cache-only answer that never blocks.  Returns 1 and fills *out (caller
 * clears it) when a fresh result is cached, or an expired one while the
 * directory is unreachable and within maxStaleSeconds (out->stale), or a
 * DIR_UNAVAILABLE verdict of the lookup just made for this key (so that the
 * request it was made for gets its 503 without asking again); 0 on a miss.
 * just_done: the caller's lookup of key has just been delivered, so an
 * entry is taken even when its cache time is 0.  *fresh_until: the
 * CLOCK_MONOTONIC time (ms) until which the cache itself would answer this
 * result as fresh (cacheSeconds or negativeCacheSeconds after the
 * directory gave it), so a caller may keep its copy until then and no
 * longer; 0 when the answer is stale, DIR_UNAVAILABLE or not returned.
 */
int directory_cached(struct directory *d, const unsigned char key[32], bool just_done,
                     struct dir_answer *out, uint64_t *fresh_until);

/*
 * Counts one request answered from the caller's own copy of a fresh
 * directory_cached() result (certmapd keeps one per connection) as a cache
 * hit in directory_stats_get(), without taking the cache's lock.  Any thread.
 */
void directory_count_hit(struct directory *d);

typedef void (*dir_done_fn)(void *arg, int status);

/*
 * Queues a lookup of q (copied) on the pool; on_done(arg, status) runs on a
 * pool thread once the answer is in the cache (ask directory_cached() with
 * just_done).  A lookup of the same certificate already queued or running is
 * joined instead of repeated.  0, or -1 when the queue is full, the pool is
 * stopping or memory runs out.  After 0, on_done is called exactly once,
 * also when directory_free() runs first (DIR_UNAVAILABLE then).
 */
int directory_submit(struct directory *d, const struct dir_query *q, dir_done_fn on_done,
                     void *arg);

/*
 * Blocking lookup on the calling thread with a connection of its own, not
 * cached (certmap test-cert --directory).  Returns the status; err says why
 * on DIR_UNAVAILABLE.
 */
enum dir_status directory_lookup_once(const struct certmap_directory_settings *s,
                                      const struct dir_query *q, struct dir_answer *out,
                                      struct certmap_error *err);

/*
 * true once per interval while the directory is unreachable: the caller logs
 * "directory unreachable" then and stays silent otherwise; why[0..size) gets
 * the last error then.
 */
bool directory_should_report(struct directory *d, unsigned interval_seconds, char *why,
                             size_t size);

/* Counters since directory_new(), for the metrics. */
struct dir_stats {
    unsigned long long hits;               /* answered from the cache, fresh */
    unsigned long long stale_hits;         /* answered from the cache past expiry (unreachable) */
    unsigned long long misses;             /* a lookup was queued */
    unsigned long long coalesced;          /* joined a lookup already queued or running */
    unsigned long long lookups;            /* lookups the directory answered */
    unsigned long long failures;           /* lookups the directory did not answer */
    unsigned long long latency_usec;       /* sum of the answered lookups' durations */
    unsigned long long latency_buckets[8]; /* answered lookups by duration: <=1, 5, 10, 50, 100,
                                              500, 1000 ms, more */
    size_t cached;                         /* results in the cache now */
};
/* Upper bounds (ms) of dir_stats.latency_buckets[0..6]. */
extern const unsigned dir_latency_bounds_ms[7];

void directory_stats_get(struct directory *d, struct dir_stats *st);

#endif
