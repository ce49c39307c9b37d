/*
 * directory/ldap.c - one connection to the directory through OpenLDAP's
 * libldap: LDAPS or StartTLS with the server's certificate verified (never
 * "allow" or "never"), a simple bind, and the searches of a lookup.  What
 * comes back is turned into struct dir_entry and decided by result.c.
 */
#include "directory.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>

#include <ldap.h>
#include <openssl/crypto.h>

#include "fileio.h"

/* Longest bind password file we read. */
#define DIR_PASSWORD_MAX 4096

struct dir_conn {
    LDAP *ld;
    const struct certmap_directory_settings *s; /* borrowed: the caller's copy */
};

static void
ldap_err(struct certmap_error *err, const struct certmap_directory_settings *s, const char *what,
         LDAP *ld, int rc)
{
    char *diag = NULL;

    if (ld != NULL)
        ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
    certmap_error_set(err, CERTMAP_ERR_IO, NULL, 0, "directory", NULL, "%s: %s: %s%s%s", s->uri,
                      what, ldap_err2string(rc), diag != NULL && diag[0] ? ": " : "",
                      diag != NULL ? diag : "");
    ldap_memfree(diag);
}

char *
dir_password_read(const char *path, struct certmap_error *err)
{
    FILE *f = fopen(path, "re");
    char *buf = NULL;
    size_t n;

    if (f == NULL) {
        certmap_error_set(err, CERTMAP_ERR_IO, path, 0, "directory", "bindPasswordFile",
                          "cannot open: %s", strerror(errno));
        return NULL;
    }
    buf = malloc(DIR_PASSWORD_MAX + 1);
    if (buf == NULL) {
        fclose(f);
        certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL, "out of memory");
        return NULL;
    }
    n = fread(buf, 1, DIR_PASSWORD_MAX + 1, f);
    fclose(f);
    if (n > DIR_PASSWORD_MAX) {
        OPENSSL_cleanse(buf, DIR_PASSWORD_MAX + 1);
        free(buf);
        certmap_error_set(err, CERTMAP_ERR_INVALID, path, 0, "directory", "bindPasswordFile",
                          "longer than %d bytes", DIR_PASSWORD_MAX);
        return NULL;
    }
    buf[n] = '\0';
    buf[strcspn(buf, "\r\n")] = '\0';
    if (buf[0] == '\0') {
        free(buf);
        certmap_error_set(err, CERTMAP_ERR_INVALID, path, 0, "directory", "bindPasswordFile",
                          "the file holds no password");
        return NULL;
    }
    return buf;
}

static int
set_tls_options(LDAP *ld, const struct certmap_directory_settings *s, struct certmap_error *err)
{
    int demand = LDAP_OPT_X_TLS_DEMAND, zero = 0, rc;

    rc = ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand);
    if (rc == LDAP_OPT_SUCCESS && s->ca_file != NULL)
        rc = ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE, s->ca_file);
    /* a context of this handle's own, so that these settings apply and no other's do */
    if (rc == LDAP_OPT_SUCCESS)
        rc = ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &zero);
    if (rc != LDAP_OPT_SUCCESS) {
        ldap_err(err, s, "TLS settings", ld, rc);
        return -1;
    }
    return 0;
}

/*
 * dir_conn_open() with the LDAP result code of the step that failed in *rcp:
 * negative for libldap's own errors (server down, timeout, connect or TLS
 * failure), positive for what the server answered (invalid credentials),
 * 0 when the password file failed or memory ran out.
 */
static struct dir_conn *
conn_open_rc(const struct certmap_directory_settings *s, int *rcp, struct certmap_error *err)
{
    struct dir_conn *c = NULL;
    struct timeval tv = {(time_t)s->timeout_seconds, 0};
    struct berval cred = {0, NULL};
    char *password = NULL;
    int version = LDAP_VERSION3, rc;
    bool ldaps = strncasecmp(s->uri, "ldaps://", 8) == 0;

    c = calloc(1, sizeof(*c));
    if (c == NULL) {
        certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL, "out of memory");
        return NULL;
    }
    c->s = s;
    *rcp = 0;
    rc = ldap_initialize(&c->ld, s->uri);
    if (rc != LDAP_SUCCESS) {
        *rcp = rc;
        ldap_err(err, s, "bad URI", NULL, rc);
        goto fail;
    }
    ldap_set_option(c->ld, LDAP_OPT_PROTOCOL_VERSION, &version);
    ldap_set_option(c->ld, LDAP_OPT_NETWORK_TIMEOUT, &tv);
    ldap_set_option(c->ld, LDAP_OPT_TIMEOUT, &tv);
    ldap_set_option(c->ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
    if ((ldaps || s->start_tls) && set_tls_options(c->ld, s, err) != 0)
        goto fail;
    if (!ldaps && s->start_tls) {
        rc = ldap_start_tls_s(c->ld, NULL, NULL);
        if (rc != LDAP_SUCCESS) {
            *rcp = rc;
            ldap_err(err, s, "StartTLS", c->ld, rc);
            goto fail;
        }
    }
    if (s->bind_dn[0] != '\0') {
        password = dir_password_read(s->bind_password_file, err);
        if (password == NULL)
            goto fail;
        cred.bv_val = password;
        cred.bv_len = strlen(password);
    }
    rc = ldap_sasl_bind_s(c->ld, s->bind_dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
    if (password != NULL) {
        OPENSSL_cleanse(password, strlen(password));
        free(password);
    }
    if (rc != LDAP_SUCCESS) {
        *rcp = rc;
        ldap_err(err, s, s->bind_dn[0] ? "bind" : "anonymous bind", c->ld, rc);
        goto fail;
    }
    return c;
fail:
    dir_conn_close(c);
    return NULL;
}

struct dir_conn *
dir_conn_open(const struct certmap_directory_settings *s, struct certmap_error *err)
{
    int rc = 0;

    return conn_open_rc(s, &rc, err);
}

void
dir_conn_close(struct dir_conn *c)
{
    if (c == NULL)
        return;
    if (c->ld != NULL)
        ldap_unbind_ext_s(c->ld, NULL, NULL);
    free(c);
}

/* values of attr in entry e as dir_values (pointing into *bv, which the caller frees). */
static struct dir_value *
values_of(LDAP *ld, LDAPMessage *e, const char *attr, struct berval ***bv, size_t *n)
{
    struct dir_value *v;
    size_t k;

    *n = 0;
    *bv = attr[0] != '\0' ? ldap_get_values_len(ld, e, attr) : NULL;
    if (*bv == NULL)
        return NULL;
    for (k = 0; (*bv)[k] != NULL; k++)
        ;
    v = calloc(k ? k : 1, sizeof(*v));
    if (v == NULL)
        return NULL;
    for (size_t i = 0; i < k; i++) {
        v[i].data = (*bv)[i]->bv_val;
        v[i].len = (*bv)[i]->bv_len;
    }
    *n = k;
    return v;
}

/* The DNs of the groups under groupBaseDn whose groupMemberAttribute holds dn, appended. */
static int
search_groups(struct dir_conn *c, const char *dn, struct dir_value **vals, size_t *n, char ***owned,
              size_t *nowned, struct certmap_error *err)
{
    const struct certmap_directory_settings *s = c->s;
    struct timeval tv = {(time_t)s->timeout_seconds, 0};
    char *attrs[] = {LDAP_NO_ATTRS, NULL};
    LDAPMessage *res = NULL;
    size_t flen = strlen(dn) * 3 + strlen(s->group_member_attribute) + 8;
    char *filter = malloc(flen);
    int rc, o, ret = -1;

    if (filter == NULL)
        goto nomem;
    o = snprintf(filter, flen, "(%s=", s->group_member_attribute);
    if (dir_filter_escape(dn, strlen(dn), false, filter + o, flen - (size_t)o - 1) < 0)
        goto nomem;
    strcat(filter, ")");
    rc = ldap_search_ext_s(c->ld, s->group_base_dn, LDAP_SCOPE_SUBTREE, filter, attrs, 0, NULL,
                           NULL, &tv, DIR_GROUPS_MAX, &res);
    if (rc != LDAP_SUCCESS && rc != LDAP_SIZELIMIT_EXCEEDED) {
        ldap_err(err, s, "group search", c->ld, rc);
        goto out;
    }
    for (LDAPMessage *e = ldap_first_entry(c->ld, res); e != NULL; e = ldap_next_entry(c->ld, e)) {
        char *gdn = ldap_get_dn(c->ld, e);
        struct dir_value *nv;
        char **no;
        if (gdn == NULL)
            continue;
        nv = realloc(*vals, (*n + 1) * sizeof(**vals));
        no = nv != NULL ? realloc(*owned, (*nowned + 1) * sizeof(**owned)) : NULL;
        if (nv != NULL)
            *vals = nv;
        if (no == NULL) {
            ldap_memfree(gdn);
            goto nomem;
        }
        *owned = no;
        (*owned)[(*nowned)++] = gdn;
        (*vals)[*n].data = gdn;
        (*vals)[*n].len = strlen(gdn);
        (*n)++;
    }
    ret = 0;
    goto out;
nomem:
    certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL, "out of memory");
out:
    free(filter);
    ldap_msgfree(res);
    return ret;
}

int
dir_conn_lookup(struct dir_conn *c, const struct dir_query *q, struct dir_answer *out,
                struct certmap_error *err)
{
    const struct certmap_directory_settings *s = c->s;
    struct timeval tv = {(time_t)s->timeout_seconds, 0};
    const char *mattr =
        s->mode == CERTMAP_DIR_USER_CERTIFICATE ? "userCertificate;binary" : s->mapping_attribute;
    char *attrs[4] = {(char *)s->user_attribute, (char *)mattr,
                      s->group_attribute[0] ? (char *)s->group_attribute : NULL, NULL};
    struct dir_entry ents[DIR_CANDIDATES_MAX];
    struct berval **bv[DIR_CANDIDATES_MAX][3] = {{NULL}};
    char *dns[DIR_CANDIDATES_MAX] = {NULL};
    char **owned = NULL;
    size_t nents = 0, nowned = 0;
    LDAPMessage *res = NULL;
    char *filter = dir_filter_for(q, s);
    size_t limit = s->mode == CERTMAP_DIR_USER_CERTIFICATE ? DIR_CANDIDATES_MAX : 2;
    int rc, ret = -1;

    memset(ents, 0, sizeof(ents));
    memset(out, 0, sizeof(*out));
    if (filter == NULL) {
        /* nothing to search for (no strong string): nobody can be mapped */
        return dir_result_decide(NULL, 0, q, s, out);
    }
    /* two are enough to know there is more than one */
    rc = ldap_search_ext_s(c->ld, s->base_dn, LDAP_SCOPE_SUBTREE, filter, attrs, 0, NULL, NULL, &tv,
                           2, &res);
    if (rc != LDAP_SUCCESS && rc != LDAP_SIZELIMIT_EXCEEDED) {
        ldap_err(err, s, "search", c->ld, rc);
        goto out;
    }
    for (LDAPMessage *e = ldap_first_entry(c->ld, res); e != NULL && nents < limit;
         e = ldap_next_entry(c->ld, e)) {
        struct dir_entry *d = &ents[nents];
        dns[nents] = ldap_get_dn(c->ld, e);
        d->dn = dns[nents] != NULL ? dns[nents] : "";
        d->user = values_of(c->ld, e, s->user_attribute, &bv[nents][0], &d->nuser);
        d->mapping = values_of(c->ld, e, mattr, &bv[nents][1], &d->nmapping);
        d->groups = values_of(c->ld, e, s->group_attribute, &bv[nents][2], &d->ngroups);
        nents++;
    }
    if (rc == LDAP_SIZELIMIT_EXCEEDED && nents < 2)
        nents = 2; /* the server counted more than it sent: still more than one */
    if (rc == LDAP_SIZELIMIT_EXCEEDED && s->mode == CERTMAP_DIR_USER_CERTIFICATE)
        ents[0].nmapping = ents[1].nmapping = 0; /* too many candidates to tell: nobody */
    if (nents == 1 && s->group_base_dn[0] != '\0') {
        struct dir_value *g = (struct dir_value *)ents[0].groups;
        size_t ng = ents[0].ngroups;
        if (search_groups(c, ents[0].dn, &g, &ng, &owned, &nowned, err) != 0) {
            ents[0].groups = g;
            goto out;
        }
        ents[0].groups = g;
        ents[0].ngroups = ng;
    }
    if (nents >= 2 && ents[1].dn == NULL)
        ents[1].dn = "(more)";
    ret = dir_result_decide(ents, nents, q, s, out);
    if (ret != 0)
        certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL, "out of memory");
out:
    for (size_t i = 0; i < DIR_CANDIDATES_MAX; i++) {
        free((void *)ents[i].user);
        free((void *)ents[i].mapping);
        free((void *)ents[i].groups);
        for (size_t k = 0; k < 3; k++)
            ldap_value_free_len(bv[i][k]);
        ldap_memfree(dns[i]);
    }
    for (size_t i = 0; i < nowned; i++)
        ldap_memfree(owned[i]);
    free(owned);
    ldap_msgfree(res);
    free(filter);
    return ret;
}

int
dir_conn_ping(struct dir_conn *c, struct certmap_error *err)
{
    struct timeval tv = {(time_t)c->s->timeout_seconds, 0};
    char *attrs[] = {LDAP_NO_ATTRS, NULL};
    LDAPMessage *res = NULL;
    int rc;

    rc = ldap_search_ext_s(c->ld, c->s->base_dn, LDAP_SCOPE_BASE, "(objectClass=*)", attrs, 0, NULL,
                           NULL, &tv, 1, &res);
    ldap_msgfree(res);
    if (rc != LDAP_SUCCESS) {
        ldap_err(err, c->s, "read of baseDn", c->ld, rc);
        return -1;
    }
    return 0;
}

int
dir_uri_check(const char *uri, char *host, size_t host_size, char *why, size_t why_size)
{
    LDAPURLDesc *u = NULL;
    int rc, ret = -1;

    host[0] = '\0';
    rc = ldap_url_parse(uri, &u);
    if (rc != LDAP_URL_SUCCESS) {
        snprintf(why, why_size, "\"%s\" is not an LDAP URI (libldap: error %d)", uri, rc);
        goto out;
    }
    if (strcasecmp(u->lud_scheme, "ldap") != 0 && strcasecmp(u->lud_scheme, "ldaps") != 0) {
        snprintf(why, why_size, "scheme \"%s\": only ldap:// and ldaps://", u->lud_scheme);
        goto out;
    }
    if (u->lud_host == NULL || u->lud_host[0] == '\0') {
        /* libldap would ask the host of ldap.conf, which nobody reading this file sees */
        snprintf(why, why_size, "\"%s\" names no host", uri);
        goto out;
    }
    if (u->lud_next != NULL) {
        snprintf(why, why_size, "\"%s\": one URI only", uri);
        goto out;
    }
    if ((u->lud_dn != NULL && u->lud_dn[0] != '\0') || u->lud_attrs != NULL ||
        u->lud_filter != NULL || u->lud_exts != NULL) {
        snprintf(why, why_size,
                 "\"%s\" has a DN, attributes, filter or extensions, which certmap does not use "
                 "(baseDn says where accounts are)",
                 uri);
        goto out;
    }
    snprintf(host, host_size, "%s", u->lud_host);
    ret = 0;
out:
    ldap_free_urldesc(u);
    return ret;
}

int
dir_dn_check(const char *dn)
{
    LDAPDN parsed = NULL;
    int rc = ldap_str2dn(dn, &parsed, LDAP_DN_FORMAT_LDAPV3);

    ldap_dnfree(parsed);
    return rc == LDAP_SUCCESS ? 0 : -1;
}

/* A result code of libldap itself (no answer) rather than one the server sent. */
static bool
unreachable_rc(int rc)
{
    return rc < 0;
}

enum dir_check
dir_check_live(const struct certmap_directory_settings *s, bool *holders, struct certmap_error *err)
{
    struct timeval tv = {(time_t)s->timeout_seconds, 0};
    const char *attr =
        s->mode == CERTMAP_DIR_USER_CERTIFICATE ? "userCertificate" : s->mapping_attribute;
    char *attrs[] = {LDAP_NO_ATTRS, NULL};
    LDAPMessage *res = NULL;
    struct dir_conn *c;
    char filter[300];
    int rc = 0;
    enum dir_check ret;

    *holders = false;
    c = conn_open_rc(s, &rc, err);
    if (c == NULL)
        return rc == 0 || !unreachable_rc(rc) ? DIR_CHECK_REFUSED : DIR_CHECK_UNREACHABLE;
    /* one search as a lookup makes it: subtree under baseDn, for anyone holding the attribute */
    snprintf(filter, sizeof(filter), "(%s=*)", attr);
    rc = ldap_search_ext_s(c->ld, s->base_dn, LDAP_SCOPE_SUBTREE, filter, attrs, 0, NULL, NULL, &tv,
                           1, &res);
    if (rc == LDAP_SUCCESS || rc == LDAP_SIZELIMIT_EXCEEDED) {
        *holders = ldap_count_entries(c->ld, res) > 0 || rc == LDAP_SIZELIMIT_EXCEEDED;
        ret = DIR_CHECK_OK;
    } else {
        ldap_err(err, s, rc == LDAP_NO_SUCH_OBJECT ? "search (baseDn does not exist)" : "search",
                 c->ld, rc);
        ret = unreachable_rc(rc) ? DIR_CHECK_UNREACHABLE : DIR_CHECK_REFUSED;
    }
    ldap_msgfree(res);
    dir_conn_close(c);
    return ret;
}
