/*
 * view.c - the resolved view: lifecycle and lookups.
 *
 * Building is in view/site.c (sites, bindings, virtual directories, server
 * settings) and view/scope.c (scopes and their effective settings).  Here:
 * reference counting, the scope lookup of a request path and the generic
 * value getter that `certmap get config` uses.
 */
#include "view/internal.h"

#include "authz.h"
#include "rewrite.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct certmap_view *
certmap_view_ref(struct certmap_view *v)
{
    atomic_fetch_add_explicit(&v->refs, 1, memory_order_relaxed);
    return v;
}

void
certmap_view_unref(struct certmap_view *v)
{
    if (v == NULL || atomic_fetch_sub_explicit(&v->refs, 1, memory_order_acq_rel) != 1)
        return;
    for (size_t i = 0; i < v->nsites; i++) {
        struct vsite *s = &v->sites[i];
        for (size_t j = 0; j < s->nscopes; j++)
            free(s->scopes[j]->layers);
        free(s->scopes);
        free(s->table);
        free((void *)s->pub.scopes);
        mapping_index_free(s->index);
        m2o_set_free(s->m2o);
    }
    free(v->sites);
    free(v->dirs);
    free(v->config_path);
    authz_store_free(v->authz);
    rewrite_store_free(v->rewrite);
    cfg_arena_free(&v->arena);
    free(v);
}

size_t
certmap_view_dir_count(const struct certmap_view *v)
{
    return v->ndirs;
}

const char *
certmap_view_dir(const struct certmap_view *v, size_t i)
{
    return i < v->ndirs ? v->dirs[i] : NULL;
}

const char *
certmap_view_config_path(const struct certmap_view *v)
{
    return v->config_path;
}

const struct certmap_server_settings *
certmap_view_server(const struct certmap_view *v)
{
    return &v->server;
}

size_t
certmap_view_site_count(const struct certmap_view *v)
{
    return v->nsites;
}

const struct certmap_site *
certmap_view_site(const struct certmap_view *v, size_t i)
{
    return i < v->nsites ? &v->sites[i].pub : NULL;
}

const struct certmap_site *
certmap_view_find_site(const struct certmap_view *v, const char *name)
{
    for (size_t i = 0; i < v->nsites; i++)
        if (strcasecmp(v->sites[i].pub.name, name) == 0)
            return &v->sites[i].pub;
    return NULL;
}

const struct mapping_index *
certmap_view_site_mappings(const struct certmap_site *site)
{
    return ((const struct vsite *)site)->index;
}

const struct m2o_set *
certmap_view_site_many_to_one(const struct certmap_site *site)
{
    return ((const struct vsite *)site)->m2o;
}

const struct certmap_scope *
certmap_view_match(const struct certmap_site *site, const char *path, size_t len)
{
    const struct vsite *s = (const struct vsite *)site;
    const struct vscope *sc;

    /* Each prefix that ends at a segment boundary, longest first: one hash probe per segment. */
    while (len > 0 && path[len - 1] == '/')
        len--;
    for (;;) {
        sc = view_scope_find(s, path, len);
        if (sc != NULL)
            return &sc->pub;
        if (len == 0)
            break;
        while (len > 0 && path[len - 1] != '/')
            len--;
        while (len > 0 && path[len - 1] == '/')
            len--;
    }
    return s->pub.scopes[0];
}

void
certmap_view_respell(const struct certmap_scope *scope, char *path)
{
    memcpy(path, scope->path, scope->path_len);
}

const char *
certmap_view_get(const struct certmap_view *v, const struct certmap_scope *scope,
                 const char *section, const char *attr, struct certmap_source *src)
{
    const struct vsec *s = NULL;
    int i = view_section_index(section);

    if (scope != NULL) {
        if (i < 0)
            return NULL;
        s = ((const struct vscope *)scope)->eff[i];
    } else {
        for (size_t k = 0; k < sizeof(v->server_secs) / sizeof(v->server_secs[0]); k++)
            if (v->server_secs[k] != NULL && strcmp(v->server_secs[k]->sec->path, section) == 0)
                s = v->server_secs[k];
    }
    if (s == NULL || cfg_schema_attr_find(s->sec->elem, attr) == NULL)
        return NULL;
    return vsec_text(s, attr, src);
}

struct certmap_view *
certmap_view_build(struct certmap_config *cfg, const struct certmap_view_options *opts,
                   struct certmap_diags *diags, struct certmap_error *err)
{
    static const struct certmap_view_options defaults = {0};
    struct vbuild b = {0};
    struct certmap_view *v;

    v = calloc(1, sizeof(*v));
    if (v == NULL) {
        certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL, "out of memory");
        return NULL;
    }
    atomic_init(&v->refs, 1);
    b.v = v;
    b.cfg = cfg;
    b.opts = opts != NULL ? opts : &defaults;
    b.diags = diags;
    v->config_path = strdup(cfg->path != NULL ? cfg->path : cfg->name);
    /* a serve-only config kept its mappings' certificates only as a compact index needs them */
    if (cfg->serve_only && !b.opts->compact_mappings) {
        certmap_error_set(err, CERTMAP_ERR_USAGE, cfg->name, 0, NULL, NULL,
                          "a configuration opened to serve builds only compact views");
        certmap_view_unref(v);
        return NULL;
    }
    /* fail closed: an access rule certmap would not enforce keeps the view from serving */
    if (certmap_config_check_unenforced(cfg, diags) != 0)
        b.failed = true;
    if (v->config_path == NULL || site_build_all(&b) != 0)
        b.failed = true;
    free(b.server.layers);
    secret_opener_free(b.opener);
    for (size_t i = 0; i < b.nwebs; i++)
        certmap_config_close(b.webs[i]);
    free(b.webs);
    if (b.failed) {
        const struct certmap_error *first = NULL;
        for (size_t i = 0; diags != NULL && i < diags->count && first == NULL; i++)
            if (diags->items[i].severity == CERTMAP_SEV_ERROR)
                first = &diags->items[i].err;
        if (err != NULL && first != NULL)
            *err = *first;
        else
            certmap_error_set(err, CERTMAP_ERR_INVALID, cfg->name, 0, NULL, NULL,
                              "the configuration cannot be served (out of memory?)");
        certmap_view_unref(v);
        return NULL;
    }
    return v;
}

const struct rewrite_rules *
certmap_view_global_rules(const struct certmap_view *v)
{
    return v->global_rules;
}
