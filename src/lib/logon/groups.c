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

/*
 * The ids of user through NSS: getpwnam_r() for the uid and primary group,
 * getgrouplist() for every group (the primary one included).  1 with *uid,
 * *gid and *gids (malloc'd, *ngids entries; the caller frees it); 0 when
 * NSS does not know the account (err says so, kind CERTMAP_ERR_AUTH); -1
 * and err when the lookup failed.  what names the lookup in messages.
 */
static int
nss_ids(const char *user, const char *what, uid_t *uid, gid_t *gid, gid_t **gids, int *ngids,
        struct certmap_error *err)
{
    struct passwd pw, *pwp = NULL;
    size_t pwlen = nss_bufsize(_SC_GETPW_R_SIZE_MAX);
    char *pwbuf = NULL, *nb;
    gid_t *v = NULL, *ng;
    int n = 32, rc, ret = -1;

    *gids = NULL;
    *ngids = 0;
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
                          "%s of \"%s\": %s", what, user,
                          rc != 0 ? strerror(rc) : "no such account in the name service (NSS)");
        ret = rc != 0 ? -1 : 0;
        goto out;
    }
    for (;;) {
        int want = n;
        ng = realloc(v, (size_t)want * sizeof(*v));
        if (ng == NULL)
            goto nomem;
        v = ng;
        if (getgrouplist(user, pw.pw_gid, v, &n) >= 0)
            break;
        /* too small: n now holds the number needed (glibc); grow at least twofold */
        if (n <= want)
            n = want * 2;
        if (n > GROUPS_MAX) {
            certmap_error_set(err, CERTMAP_ERR_INVALID, NULL, 0, NULL, NULL,
                              "%s of \"%s\": more than %d groups", what, user, GROUPS_MAX);
            goto out;
        }
    }
    *uid = pw.pw_uid;
    *gid = pw.pw_gid;
    *gids = v;
    *ngids = n;
    v = NULL;
    ret = 1;
    goto out;
nomem:
    certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL, "out of memory");
out:
    free(v);
    free(pwbuf);
    return ret;
}

int
logon_nss_groups(const char *user, char ***names, size_t *n, struct certmap_error *err)
{
    struct group gr, *grp;
    size_t grlen = nss_bufsize(_SC_GETGR_R_SIZE_MAX);
    char *grbuf = NULL, *nb;
    gid_t *gids = NULL;
    uid_t uid;
    gid_t gid;
    int ngids = 0, rc, ret = -1;
    const char **v = NULL;
    size_t *lens = NULL, k = 0;

    *names = NULL;
    *n = 0;
    if (nss_ids(user, "groups", &uid, &gid, &gids, &ngids, err) != 1)
        goto out;
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
    free(grbuf);
    return ret;
}

int
logon_nss_cred(const char *user, struct logon_cred **cred, struct certmap_error *err)
{
    struct logon_cred *c;
    gid_t *gids = NULL, gid;
    uid_t uid;
    int ngids = 0, rc;

    *cred = NULL;
    rc = nss_ids(user, "credentials", &uid, &gid, &gids, &ngids, err);
    if (rc != 1)
        return rc;
    c = malloc(sizeof(*c) + (size_t)ngids * sizeof(gid_t));
    if (c == NULL) {
        free(gids);
        return certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL, "out of memory");
    }
    c->uid = uid;
    c->gid = gid;
    c->ngroups = (size_t)ngids;
    memcpy(c->groups, gids, (size_t)ngids * sizeof(gid_t));
    free(gids);
    *cred = c;
    return 1;
}

struct logon_cred *
logon_cred_copy(const struct logon_cred *c)
{
    size_t size = sizeof(*c) + c->ngroups * sizeof(gid_t);
    struct logon_cred *out = malloc(size);

    if (out != NULL)
        memcpy(out, c, size);
    return out;
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
    free(e->cred);
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
                 struct logon_cred *cred, enum logon_cred_state cred_state, uint64_t expires_ms)
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
        free(cred);
        return -1;
    }
    e->names = names;
    e->n = n;
    e->failed = failed;
    e->cred = cred;
    e->cred_state = cred_state;
    e->expires_ms = expires_ms;
    e->next = c->b[bucket_of(user)];
    c->b[bucket_of(user)] = e;
    c->count++;
    return 0;
}
