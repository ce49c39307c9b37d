/*
 * groups.c - the groups of an account (URL Authorization roles): the NSS
 * lookup (getpwnam_r, getgrouplist, getgrgid_r, so that SSSD, LDAP and AD
 * accounts work as local ones do), name vectors, and the per-user cache the
 * logon object keeps beside its result cache.
 */
#include "logon/logon_int.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

/* More groups than this for one account is a directory mistake, not a membership list. */
#define GROUPS_MAX 65536

char **
logon_names_pack(const char *const *v, const size_t *lens, size_t n)
{
    size_t total = (n + 1) * sizeof(char *), off;
    char **out;

    for (size_t i = 0; i < n; i++)
        total += lens[i] + 1;
    out = malloc(total);
    if (out == NULL)
        return NULL;
    off = (n + 1) * sizeof(char *);
    for (size_t i = 0; i < n; i++) {
        out[i] = (char *)out + off;
        memcpy(out[i], v[i], lens[i]);
        out[i][lens[i]] = '\0';
        off += lens[i] + 1;
    }
    out[n] = NULL;
    return out;
}

char **
logon_names_copy(char *const *names, size_t n)
{
    const char **v = malloc((n ? n : 1) * sizeof(*v));
    size_t *lens = malloc((n ? n : 1) * sizeof(*lens));
    char **out = NULL;

    if (v != NULL && lens != NULL) {
        for (size_t i = 0; i < n; i++) {
            v[i] = names[i];
            lens[i] = strlen(names[i]);
        }
        out = logon_names_pack(v, lens, n);
    }
    free(v);
    free(lens);
    return out;
}

/* A buffer size for the reentrant NSS calls. */
static size_t
nss_bufsize(int name)
{
    long n = sysconf(name);

    return n > 0 ? (size_t)n : 16384;
}

int
logon_nss_groups(const char *user, char ***names, size_t *n, struct certmap_error *err)
{
    struct passwd pw, *pwp = NULL;
    struct group gr, *grp;
    size_t pwlen = nss_bufsize(_SC_GETPW_R_SIZE_MAX), grlen = nss_bufsize(_SC_GETGR_R_SIZE_MAX);
    char *pwbuf = NULL, *grbuf = NULL, *nb;
    gid_t *gids = NULL, *ng;
    int ngids = 32, rc, ret = -1;
    const char **v = NULL;
    size_t *lens = NULL, k = 0;

    *names = NULL;
    *n = 0;
    for (;;) {
        nb = realloc(pwbuf, pwlen);
        if (nb == NULL)
            goto nomem;
        pwbuf = nb;
        rc = getpwnam_r(user, &pw, pwbuf, pwlen, &pwp);
        if (rc != ERANGE || pwlen > ((size_t)1 << 24))
            break;
        pwlen *= 2;
    }
    /* "not found" is 0 and no entry, or ENOENT/ESRCH from some NSS modules (getpwnam_r(3)) */
    if (rc == ENOENT || rc == ESRCH)
        rc = 0;
    if (rc != 0 || pwp == NULL) {
        certmap_error_set(err, rc != 0 ? CERTMAP_ERR_IO : CERTMAP_ERR_AUTH, NULL, 0, NULL, NULL,
                          "groups of \"%s\": %s", user,
                          rc != 0 ? strerror(rc) : "no such account in the name service (NSS)");
        goto out;
    }
    for (;;) {
        int want = ngids;
        ng = realloc(gids, (size_t)want * sizeof(*gids));
        if (ng == NULL)
            goto nomem;
        gids = ng;
        if (getgrouplist(user, pw.pw_gid, gids, &ngids) >= 0)
            break;
        /* too small: ngids now holds the number needed (glibc); grow at least twofold */
        if (ngids <= want)
            ngids = want * 2;
        if (ngids > GROUPS_MAX) {
            certmap_error_set(err, CERTMAP_ERR_INVALID, NULL, 0, NULL, NULL,
                              "groups of \"%s\": more than %d groups", user, GROUPS_MAX);
            goto out;
        }
    }
    v = calloc((size_t)ngids + 1, sizeof(*v));
    lens = calloc((size_t)ngids + 1, sizeof(*lens));
    grbuf = malloc(grlen);
    if (v == NULL || lens == NULL || grbuf == NULL)
        goto nomem;
    for (int i = 0; i < ngids; i++) {
        for (;;) {
            rc = getgrgid_r(gids[i], &gr, grbuf, grlen, &grp);
            if (rc != ERANGE || grlen > ((size_t)1 << 24))
                break;
            grlen *= 2;
            nb = realloc(grbuf, grlen);
            if (nb == NULL)
                goto nomem;
            grbuf = nb;
        }
        if (rc != 0 || grp == NULL) {
            /* a group id without a name cannot be named by a rule: it matches no role */
            continue;
        }
        v[k] = strdup(gr.gr_name);
        if (v[k] == NULL)
            goto nomem;
        lens[k] = strlen(v[k]);
        k++;
    }
    *names = logon_names_pack(v, lens, k);
    if (*names == NULL)
        goto nomem;
    *n = k;
    ret = 0;
    goto out;
nomem:
    certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL, "out of memory");
out:
    for (size_t i = 0; v != NULL && i < k; i++)
        free((void *)v[i]);
    free(v);
    free(lens);
    free(gids);
    free(pwbuf);
    free(grbuf);
    return ret;
}

/* ---- the cache ---- */

static size_t
bucket_of(const char *user)
{
    size_t h = 1469598103934665603ULL;

    for (const char *p = user; *p != '\0'; p++) {
        h ^= (unsigned char)*p;
        h *= 1099511628211ULL;
    }
    return h % LOGON_GROUP_BUCKETS;
}

static void
gentry_free(struct logon_gentry *e)
{
    free(e->user);
    free(e->names);
    free(e);
}

void
logon_gcache_flush(struct logon_gcache *c)
{
    for (size_t i = 0; i < LOGON_GROUP_BUCKETS; i++) {
        struct logon_gentry *e = c->b[i], *next;
        for (; e != NULL; e = next) {
            next = e->next;
            gentry_free(e);
        }
        c->b[i] = NULL;
    }
    c->count = 0;
}

const struct logon_gentry *
logon_gcache_find(struct logon_gcache *c, const char *user, uint64_t now_ms)
{
    struct logon_gentry **pp = &c->b[bucket_of(user)], *e;

    while ((e = *pp) != NULL) {
        if (now_ms >= e->expires_ms) {
            *pp = e->next;
            gentry_free(e);
            c->count--;
            continue;
        }
        if (strcmp(e->user, user) == 0)
            return e;
        pp = &e->next;
    }
    return NULL;
}

int
logon_gcache_put(struct logon_gcache *c, const char *user, char **names, size_t n, bool failed,
                 uint64_t expires_ms)
{
    struct logon_gentry **pp = &c->b[bucket_of(user)], *e;

    /* one entry per user: the new lookup replaces the old */
    while ((e = *pp) != NULL) {
        if (strcmp(e->user, user) == 0) {
            *pp = e->next;
            gentry_free(e);
            c->count--;
            continue;
        }
        pp = &e->next;
    }
    if (c->count >= LOGON_CACHE_MAX)
        logon_gcache_flush(c);
    e = calloc(1, sizeof(*e));
    if (e == NULL || (e->user = strdup(user)) == NULL) {
        free(e);
        free(names);
        return -1;
    }
    e->names = names;
    e->n = n;
    e->failed = failed;
    e->expires_ms = expires_ms;
    e->next = c->b[bucket_of(user)];
    c->b[bucket_of(user)] = e;
    c->count++;
    return 0;
}
