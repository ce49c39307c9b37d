/*
 * view/directory.c - <certmap><directory> (the LDAP directory that maps
 * certificates) and the scopes that use it through IIS's
 * clientCertificateMappingAuthentication.
 */
#include "view/internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct vsec *
directory_sec(struct vbuild *b)
{
    for (size_t i = 0; i < sizeof(b->v->server_secs) / sizeof(b->v->server_secs[0]); i++)
        if (b->v->server_secs[i] != NULL &&
            strcmp(b->v->server_secs[i]->sec->path, CERTMAP_SECTION_DIRECTORY) == 0)
            return b->v->server_secs[i];
    return NULL;
}

/* A path attribute expanded against the configuration's directory; NULL when "" or bad. */
static const char *
dir_path(struct vbuild *b, const struct vsec *s, const char *attr)
{
    struct certmap_source src;
    const char *v = vsec_text(s, attr, &src);
    struct certmap_error err = {0};
    char *x;
    const char *out;

    if (v == NULL || v[0] == '\0')
        return NULL;
    x = certmap_config_expand_path(b->cfg, v, &err);
    if (x == NULL) {
        view_diag(b, CERTMAP_SEV_ERROR, src.file ? src.file : b->cfg->name, src.line, "directory",
                  attr, "cannot resolve \"%s\": %s", v, err.message);
        return NULL;
    }
    out = cfg_arena_strdup(&b->v->arena, x);
    free(x);
    if (out == NULL)
        b->failed = true;
    return out;
}

static void
dir_error(struct vbuild *b, const struct certmap_source *src, const char *attr, const char *msg)
{
    view_diag(b, CERTMAP_SEV_ERROR, src->file ? src->file : b->cfg->name, src->line, "directory",
              attr, "%s", msg);
}

void
view_build_directory(struct vbuild *b)
{
    const struct vsec *s = directory_sec(b);
    struct certmap_directory_settings *d;
    struct certmap_source src, bsrc;
    const char *uri = s != NULL ? vsec_text(s, "uri", &src) : NULL;

    b->v->server.directory = NULL;
    if (uri == NULL || uri[0] == '\0')
        return;
    d = cfg_arena_alloc(&b->v->arena, sizeof(*d));
    if (d == NULL) {
        b->failed = true;
        return;
    }
    memset(d, 0, sizeof(*d));
    d->src = src;
    d->uri = uri;
    if (strncasecmp(uri, "ldap://", 7) != 0 && strncasecmp(uri, "ldaps://", 8) != 0)
        dir_error(b, &src, "uri", "not an ldap:// or ldaps:// URI (one URI, no list)");
    else if (strpbrk(uri, " \t,") != NULL)
        dir_error(b, &src, "uri", "one URI only (no list, no spaces)");
    d->base_dn = vsec_text(s, "baseDn", &bsrc);
    if (d->base_dn[0] == '\0')
        dir_error(b, &bsrc, "baseDn", "a directory needs baseDn (where accounts are searched)");
    d->bind_dn = vsec_text(s, "bindDn", &bsrc);
    d->bind_password_file = dir_path(b, s, "bindPasswordFile");
    if (d->bind_dn[0] != '\0' && d->bind_password_file == NULL)
        dir_error(b, &bsrc, "bindPasswordFile",
                  "bindDn needs bindPasswordFile (the password is never written in the XML)");
    d->user_attribute = vsec_text(s, "userAttribute", NULL);
    d->mapping_attribute = vsec_text(s, "mappingAttribute", NULL);
    d->mode = vsec_num(s, "mode", NULL) == 1 ? CERTMAP_DIR_USER_CERTIFICATE
                                             : CERTMAP_DIR_ALT_SECURITY_IDENTITIES;
    d->group_attribute = vsec_text(s, "groupAttribute", NULL);
    d->group_base_dn = vsec_text(s, "groupBaseDn", NULL);
    d->group_member_attribute = vsec_text(s, "groupMemberAttribute", NULL);
    d->cache_seconds = (unsigned)vsec_num(s, "cacheSeconds", NULL);
    d->negative_cache_seconds = (unsigned)vsec_num(s, "negativeCacheSeconds", NULL);
    d->max_stale_seconds = (unsigned)vsec_num(s, "maxStaleSeconds", NULL);
    d->retry_after_seconds = (unsigned)vsec_num(s, "retryAfterSeconds", NULL);
    d->timeout_seconds = (unsigned)vsec_num(s, "timeoutSeconds", NULL);
    d->connections = (unsigned)vsec_num(s, "connections", NULL);
    d->ca_file = dir_path(b, s, "caFile");
    d->start_tls = vsec_num(s, "startTls", NULL) != 0;
    d->allow_weak_mappings = vsec_num(s, "allowWeakMappings", NULL) != 0;
    b->v->server.directory = d;
}

void
view_check_directory(struct vbuild *b)
{
    const struct certmap_source *last = NULL;

    if (b->v->server.directory != NULL)
        return;
    for (size_t i = 0; i < b->v->nsites; i++) {
        const struct vsite *s = &b->v->sites[i];
        for (size_t k = 0; k < s->nscopes; k++) {
            const struct certmap_settings *st = &s->scopes[k]->pub.settings;
            const struct certmap_source *src = &st->src[CERTMAP_SET_DIR_ENABLED];
            if (!st->dir_enabled)
                continue;
            /* one error per place that enables it, not one per scope inheriting it */
            if (last != NULL && last->file == src->file && last->line == src->line)
                continue;
            last = src;
            view_diag(b, CERTMAP_SEV_ERROR, src->file ? src->file : b->cfg->name, src->line,
                      "clientCertificateMappingAuthentication", "enabled",
                      "enabled at site \"%s\" but no <certmap><directory uri> is configured: "
                      "certmap maps certificates through Active Directory mapping only with a "
                      "directory (docs/directory.md)",
                      s->pub.name);
        }
    }
}
