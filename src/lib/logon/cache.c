/*
 * cache.c - logon results and logons in flight, in one hash table.
 *
 * The key is the user name and SHA-256(salt || password) with a salt drawn
 * at startup, so the table never holds a password, and a dump of it does not
 * give one without also taking the salt and brute-forcing.  The same entry
 * serves as the rendezvous of identical logons in flight (pending) and as
 * the cached result once finished; finished entries sit in an age list so
 * that the oldest goes first when the table is full.
 */
#include "logon/logon_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

static int
random_bytes(unsigned char *p, size_t len)
{
    ssize_t n;

    while (len > 0) {
        n = getrandom(p, len, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int
logon_cache_init(struct logon_cache *c, size_t max, struct certmap_error *err)
{
    size_t n = 64;

    memset(c, 0, sizeof(*c));
    while (n < max && n < ((size_t)1 << 20))
        n <<= 1;
    c->buckets = calloc(n, sizeof(*c->buckets));
    if (c->buckets == NULL)
        return certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL, "out of memory");
    c->nbuckets = n;
    c->max = max;
    if (random_bytes(c->salt, sizeof(c->salt)) != 0) {
        certmap_error_set(err, CERTMAP_ERR_CRYPTO, NULL, 0, NULL, NULL,
                          "cannot read random bytes: %s", strerror(errno));
        goto fail;
    }
    c->md = EVP_MD_fetch(NULL, "SHA256", NULL);
    if (c->md == NULL) {
        certmap_error_set(err, CERTMAP_ERR_CRYPTO, NULL, 0, NULL, NULL, "no SHA-256: ");
        certmap_error_add_openssl(err);
        goto fail;
    }
    return 0;
fail:
    logon_cache_destroy(c);
    return -1;
}

static void
entry_free(struct logon_entry *e)
{
    OPENSSL_cleanse(e->digest, sizeof(e->digest));
    free(e->user);
    free(e);
}

void
logon_cache_destroy(struct logon_cache *c)
{
    struct logon_entry *e, *next;
    size_t i;

    if (c->buckets != NULL) {
        for (i = 0; i < c->nbuckets; i++) {
            for (e = c->buckets[i]; e != NULL; e = next) {
                next = e->hnext;
                entry_free(e);
            }
        }
        free(c->buckets);
    }
    EVP_MD_free(c->md);
    OPENSSL_cleanse(c->salt, sizeof(c->salt));
    memset(c, 0, sizeof(*c));
}

int
logon_cache_digest(const struct logon_cache *c, const char *password,
                   unsigned char out[LOGON_DIGEST_LEN])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned int len = 0;
    int ok;

    if (ctx == NULL)
        return -1;
    ok = EVP_DigestInit_ex(ctx, c->md, NULL) == 1 &&
         EVP_DigestUpdate(ctx, c->salt, sizeof(c->salt)) == 1 &&
         EVP_DigestUpdate(ctx, password, strlen(password)) == 1 &&
         EVP_DigestFinal_ex(ctx, out, &len) == 1 && len == LOGON_DIGEST_LEN;
    EVP_MD_CTX_free(ctx);
    return ok ? 0 : -1;
}

/*
 * The digest is already uniform and secret, so its first bytes make a hash
 * an attacker cannot aim at one bucket; the user name is folded in (FNV-1a)
 * so that one password shared by many users still spreads.
 */
static uint64_t
key_hash(const char *user, const unsigned char *digest)
{
    uint64_t h;
    const unsigned char *p;

    memcpy(&h, digest, sizeof(h));
    for (p = (const unsigned char *)user; *p != '\0'; p++) {
        h ^= *p;
        h *= 0x100000001b3ULL;
    }
    return h;
}

static void
age_unlink(struct logon_cache *c, struct logon_entry *e)
{
    if (e->older != NULL)
        e->older->newer = e->newer;
    else
        c->oldest = e->newer;
    if (e->newer != NULL)
        e->newer->older = e->older;
    else
        c->newest = e->older;
    e->older = e->newer = NULL;
    c->count--;
}

static void
age_append(struct logon_cache *c, struct logon_entry *e)
{
    e->newer = NULL;
    e->older = c->newest;
    if (c->newest != NULL)
        c->newest->newer = e;
    else
        c->oldest = e;
    c->newest = e;
    c->count++;
}

/* Unlinks e from its chain and the age list and frees it. */
static void
entry_drop(struct logon_cache *c, struct logon_entry *e)
{
    struct logon_entry **pp = &c->buckets[e->hash & (c->nbuckets - 1)];

    while (*pp != NULL && *pp != e)
        pp = &(*pp)->hnext;
    if (*pp == e)
        *pp = e->hnext;
    if (!e->pending)
        age_unlink(c, e);
    entry_free(e);
}

struct logon_entry *
logon_cache_find(struct logon_cache *c, const char *user, const unsigned char *digest,
                 uint64_t now_ms)
{
    uint64_t h = key_hash(user, digest);
    struct logon_entry *e;

    for (e = c->buckets[h & (c->nbuckets - 1)]; e != NULL; e = e->hnext) {
        if (e->hash != h || strcmp(e->user, user) != 0 ||
            CRYPTO_memcmp(e->digest, digest, LOGON_DIGEST_LEN) != 0)
            continue;
        if (!e->pending && now_ms >= e->expires_ms) {
            entry_drop(c, e);
            return NULL;
        }
        return e;
    }
    return NULL;
}

struct logon_entry *
logon_cache_add_pending(struct logon_cache *c, const char *user, const unsigned char *digest)
{
    struct logon_entry *e = calloc(1, sizeof(*e));
    size_t b;

    if (e == NULL)
        return NULL;
    e->user = strdup(user);
    if (e->user == NULL) {
        free(e);
        return NULL;
    }
    memcpy(e->digest, digest, LOGON_DIGEST_LEN);
    e->hash = key_hash(user, digest);
    e->pending = true;
    b = e->hash & (c->nbuckets - 1);
    e->hnext = c->buckets[b];
    c->buckets[b] = e;
    return e;
}

void
logon_cache_finish(struct logon_cache *c, struct logon_entry *e, enum logon_result r,
                   uint64_t ttl_ms, uint64_t now_ms)
{
    if (ttl_ms == 0 || e->stale || c->max == 0) {
        entry_drop(c, e);
        return;
    }
    e->pending = false;
    e->waiters = NULL;
    e->result = r;
    e->expires_ms = now_ms + ttl_ms;
    age_append(c, e);
    while (c->count > c->max) {
        entry_drop(c, c->oldest);
        c->evictions++;
    }
}

void
logon_cache_flush(struct logon_cache *c)
{
    struct logon_entry *e, *next;
    size_t i;

    for (i = 0; i < c->nbuckets; i++) {
        for (e = c->buckets[i]; e != NULL; e = next) {
            next = e->hnext;
            if (e->pending)
                e->stale = true;
            else
                entry_drop(c, e);
        }
    }
}
