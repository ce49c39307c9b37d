/*
 * view.c - the resolved view: lifecycle and lookups.
 *
 * Building is in view/site.c (sites, bindings, virtual directories, server
 * settings) and view/scope.c (scopes and their effective settings).  Here:
 * reference counting, the scope lookup of a request path and the generic
 * value getter that `certmap get config` uses.
 */
#include "view/internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* true when diags already holds an item error at file:line for attr (the loader's). */
static bool
item_reported(const struct certmap_diags *d, const struct certmap_error *e)
{
    for (size_t i = 0; i < d->count; i++)
        if (d->items[i].item && d->items[i].err.line == e->line &&
            strcmp(d->items[i].err.file, e->file) == 0 &&
            strcmp(d->items[i].err.attribute, e->attribute) == 0)
            return true;
    return false;
}

static void
add_diag(struct vbuild *b, enum certmap_severity sev, bool item, const char *file, unsigned line,
         const char *element, const char *attr, const char *fmt, va_list ap)
{
    struct certmap_error e;
    char msg[sizeof(e.message)];
    int r;

    vsnprintf(msg, sizeof(msg), fmt, ap);
    certmap_error_set(&e, sev == CERTMAP_SEV_ERROR ? CERTMAP_ERR_INVALID : CERTMAP_ERR_NONE, file,
                      line, element, attr, "%s", msg);
    if (sev == CERTMAP_SEV_ERROR && !item)
        b->failed = true;
    if (b->diags == NULL)
        return;
    /* one error per broken item and load: the loader may have named it already */
    if (item && item_reported(b->diags, &e))
        return;
    r = item ? certmap_diags_add_item(b->diags, &e) : certmap_diags_add(b->diags, sev, &e);
    if (r != 0)
        b->failed = true;
}

void
view_diag(struct vbuild *b, enum certmap_severity sev, const char *file, unsigned line,
          const char *element, const char *attr, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    add_diag(b, sev, false, file, line, element, attr, fmt, ap);
    va_end(ap);
}

void
view_item_error(struct vbuild *b, const char *file, unsigned line, const char *element,
                const char *attr, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    add_diag(b, CERTMAP_SEV_ERROR, true, file, line, element, attr, fmt, ap);
    va_end(ap);
}

/* The sections a scope carries: every schema section a <location> may set. */
int
view_section_index(const char *path)
{
    int k = 0;

    for (const struct schema_section *s = cfg_schema_sections; s->path != NULL; s++) {
        if (s->flags & SS_SERVER_ONLY)
            continue;
        if (strcmp(s->path, path) == 0)
            return k;
        k++;
    }
    return -1;
}

const struct schema_section *
view_section_at(int i)
{
    int k = 0;

    for (const struct schema_section *s = cfg_schema_sections; s->path != NULL; s++) {
        if (s->flags & SS_SERVER_ONLY)
            continue;
        if (k++ == i)
            return s;
    }
    return NULL;
}

size_t
view_section_count(void)
{
    size_t n = 0;

    for (const struct schema_section *s = cfg_schema_sections; s->path != NULL; s++)
        n += (s->flags & SS_SERVER_ONLY) == 0;
    return n;
}

size_t
view_hash(const char *s, size_t len)
{
    size_t h = 1469598103934665603ULL;

    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)tolower_ascii((unsigned char)s[i]);
        h *= 1099511628211ULL;
    }
    return h;
}

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
    }
    free(v->sites);
    free(v->dirs);
    free(v->config_path);
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

/* The scope whose key equals path[0..len) case-insensitively, or NULL. */
static const struct vscope *
find_scope(const struct vsite *s, const char *path, size_t len)
{
    const struct vscope *sc;

    if (s->table == NULL)
        return NULL;
    for (sc = s->table[view_hash(path, len) & s->mask]; sc != NULL; sc = sc->next_hash)
        if (sc->pub.path_len == len && strncasecmp(sc->key, path, len) == 0)
            return sc;
    return NULL;
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
        sc = find_scope(s, path, len);
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
    /* fail closed: an access rule certmap would not enforce keeps the view from serving */
    if (certmap_config_check_unenforced(cfg, diags) != 0)
        b.failed = true;
    if (v->config_path == NULL || site_build_all(&b) != 0)
        b.failed = true;
    free(b.server.layers);
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
