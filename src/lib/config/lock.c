/*
 * lock.c - IIS's configuration locking (see lock.h): the override mode of a
 * section at a path, and the locking attributes on the elements above a
 * web.config.
 */
#include "config/lock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/tree.h"
#include "config/document.h"
#include "config/schema.h"
#include "config/location.h"
#include "config/collection.h"

enum override { OV_INHERIT, OV_ALLOW, OV_DENY };

/*
 * The override defaults of the sections IIS declares in the <configSections>
 * of the applicationHost.config it ships (IIS 10, written by setup from the
 * schema files in %windir%\system32\inetsrv\config\schema; the rewrite
 * entries come from the URL Rewrite module's installer).  A declaration in
 * the loaded applicationHost.config wins over this table; a section declared
 * without overrideModeDefault is Allow, as in IIS.
 */
static const struct section_default {
    const char *path;
    enum override mode;
    bool apphost_only; /* allowDefinition="AppHostOnly" */
} section_defaults[] = {
    {"system.webServer/asp", OV_DENY, false},
    {"system.webServer/caching", OV_ALLOW, false},
    {"system.webServer/cgi", OV_DENY, false},
    {"system.webServer/defaultDocument", OV_ALLOW, false},
    {"system.webServer/directoryBrowse", OV_ALLOW, false},
    {"system.webServer/fastCgi", OV_ALLOW, true},
    {"system.webServer/globalModules", OV_ALLOW, true},
    {"system.webServer/handlers", OV_DENY, false},
    {"system.webServer/httpCompression", OV_ALLOW, true},
    {"system.webServer/httpErrors", OV_DENY, false},
    {"system.webServer/httpLogging", OV_DENY, false},
    {"system.webServer/httpProtocol", OV_ALLOW, false},
    {"system.webServer/httpRedirect", OV_ALLOW, false},
    {"system.webServer/httpTracing", OV_DENY, false},
    {"system.webServer/isapiFilters", OV_DENY, false},
    {"system.webServer/modules", OV_DENY, false},
    {"system.webServer/odbcLogging", OV_DENY, false},
    {"system.webServer/rewrite/allowedServerVariables", OV_DENY, false},
    {"system.webServer/rewrite/globalRules", OV_DENY, true},
    {"system.webServer/rewrite/outboundRules", OV_ALLOW, false},
    {"system.webServer/rewrite/providers", OV_ALLOW, false},
    {"system.webServer/rewrite/rewriteMaps", OV_ALLOW, false},
    {"system.webServer/rewrite/rules", OV_ALLOW, false},
    {"system.webServer/security/access", OV_DENY, false},
    {"system.webServer/security/applicationDependencies", OV_DENY, false},
    {"system.webServer/security/authentication/anonymousAuthentication", OV_DENY, false},
    {"system.webServer/security/authentication/basicAuthentication", OV_DENY, false},
    {"system.webServer/security/authentication/clientCertificateMappingAuthentication", OV_DENY,
     false},
    {"system.webServer/security/authentication/digestAuthentication", OV_DENY, false},
    {"system.webServer/security/authentication/iisClientCertificateMappingAuthentication", OV_DENY,
     false},
    {"system.webServer/security/authentication/windowsAuthentication", OV_DENY, false},
    {"system.webServer/security/authorization", OV_ALLOW, false},
    {"system.webServer/security/dynamicIpSecurity", OV_DENY, false},
    {"system.webServer/security/ipSecurity", OV_DENY, false},
    {"system.webServer/security/isapiCgiRestriction", OV_DENY, true},
    {"system.webServer/security/requestFiltering", OV_ALLOW, false},
    {"system.webServer/serverRuntime", OV_DENY, false},
    {"system.webServer/serverSideInclude", OV_DENY, false},
    {"system.webServer/staticContent", OV_ALLOW, false},
    {"system.webServer/urlCompression", OV_ALLOW, false},
    {"system.webServer/validation", OV_ALLOW, false},
    {NULL, OV_INHERIT, false},
};

/* Where a decision comes from: file NULL for IIS's built-in default. */
struct lsrc {
    const char *file;
    unsigned line;
    const char *attr;
    const char *value;
};

struct lctx {
    const struct lock_layer *layers;
    size_t n;
    struct certmap_config *web;
    struct lock_violations *out;
    bool oom;
};

void
lock_violations_free(struct lock_violations *v)
{
    if (v == NULL)
        return;
    free(v->items);
    v->items = NULL;
    v->count = v->cap = 0;
}

static const char *
short_name(const char *section)
{
    const char *s = strrchr(section, '/');

    return s != NULL ? s + 1 : section;
}

/* Appends a violation; what is "this ... is locked ..." without the location. */
static void
add_violation(struct lctx *c, const char *section, const char *name, unsigned line,
              const struct lsrc *src, const char *what)
{
    struct lock_violation *v;
    char lockdesc[700];

    if (c->out->count == c->out->cap) {
        size_t ncap = c->out->cap ? c->out->cap * 2 : 8;
        struct lock_violation *p = realloc(c->out->items, ncap * sizeof(*p));
        if (p == NULL) {
            c->oom = true;
            return;
        }
        c->out->items = p;
        c->out->cap = ncap;
    }
    v = &c->out->items[c->out->count++];
    memset(v, 0, sizeof(*v));
    snprintf(v->section, sizeof(v->section), "%s", section);
    snprintf(v->name, sizeof(v->name), "%s", name != NULL ? name : "");
    snprintf(v->file, sizeof(v->file), "%s", c->web->name);
    v->line = line;
    if (src->file != NULL) {
        snprintf(v->lock_file, sizeof(v->lock_file), "%s", src->file);
        v->lock_line = src->line;
        snprintf(lockdesc, sizeof(lockdesc), "%s:%u %s=\"%.200s\"", src->file, src->line, src->attr,
                 src->value);
    } else {
        snprintf(lockdesc, sizeof(lockdesc), "IIS default %s=\"%s\"", src->attr, src->value);
    }
    snprintf(v->message, sizeof(v->message), "%s:%u: %s: %s%s%s (locked by %s)", v->file, line,
             short_name(section), v->name, v->name[0] ? ": " : "", what, lockdesc);
}

/* "base/rel" normalised into out. */
static void
join_path(const char *base, const char *rel, char *out, size_t size)
{
    char tmp[2048];

    snprintf(tmp, sizeof(tmp), "%s/%s", base != NULL ? base : "", rel);
    cfg_loc_normalize(tmp, out, size);
}

/* ---- override mode ---- */

/* The <section> declaring path in cfg's <configSections>, or NULL. */
static struct cnode *
find_declaration(struct certmap_config *cfg, struct cnode *group, const char *prefix,
                 const char *path)
{
    for (struct cnode *c = group->first; c != NULL; c = c->next) {
        struct cattr *name = cfg_node_attr(c, "name");
        const char *nm = name != NULL ? cfg_attr_value(cfg, name) : NULL;
        size_t plen = strlen(prefix), nlen;
        struct cnode *r;
        char sub[512];

        if (!cfg_node_live(c) || nm == NULL)
            continue;
        nlen = strlen(nm);
        /* path must be prefix + "/" + nm [+ "/" ...] */
        if (strncmp(path, prefix, plen) != 0 || (plen > 0 && path[plen] != '/'))
            continue;
        if (strncmp(path + plen + (plen > 0), nm, nlen) != 0)
            continue;
        if (strcmp(c->name, "section") == 0 && path[plen + (plen > 0) + nlen] == '\0')
            return c;
        if (strcmp(c->name, "sectionGroup") == 0 && path[plen + (plen > 0) + nlen] == '/') {
            snprintf(sub, sizeof(sub), "%s%s%s", prefix, plen > 0 ? "/" : "", nm);
            r = find_declaration(cfg, c, sub, path);
            if (r != NULL)
                return r;
        }
    }
    return NULL;
}

static enum override
parse_override(struct certmap_config *cfg, struct cattr *a)
{
    const char *v = a != NULL ? cfg_attr_value(cfg, a) : NULL;

    if (v == NULL)
        return OV_INHERIT;
    if (strcasecmp(v, "Allow") == 0)
        return OV_ALLOW;
    if (strcasecmp(v, "Deny") == 0)
        return OV_DENY;
    return OV_INHERIT;
}

/*
 * overrideModeDefault and allowDefinition of section: the last declaration
 * in a layer that is not a web.config (a web.config cannot declare the
 * sections checked here), else the table, else Allow.
 */
static enum override
default_mode(struct lctx *c, const char *section, struct lsrc *src, bool *apphost_only,
             struct lsrc *def_src)
{
    enum override mode = OV_ALLOW;

    *src = (struct lsrc){NULL, 0, "overrideModeDefault", "Allow"};
    *apphost_only = false;
    *def_src = (struct lsrc){NULL, 0, "allowDefinition", "AppHostOnly"};
    for (const struct section_default *d = section_defaults; d->path != NULL; d++)
        if (strcmp(d->path, section) == 0) {
            mode = d->mode;
            src->value = mode == OV_DENY ? "Deny" : "Allow";
            *apphost_only = d->apphost_only;
        }
    for (size_t i = 0; i < c->n; i++) {
        struct certmap_config *cfg = c->layers[i].cfg;
        if (cfg->kind == CFG_WEBCONFIG || cfg->root == NULL)
            continue;
        for (struct cnode *cs = cfg->root->first; cs != NULL; cs = cs->next) {
            struct cnode *decl;
            struct cattr *om, *ad;
            if (!cfg_node_live(cs) || strcmp(cs->name, "configSections") != 0)
                continue;
            decl = find_declaration(cfg, cs, "", section);
            if (decl == NULL)
                continue;
            om = cfg_node_attr(decl, "overrideModeDefault");
            mode = parse_override(cfg, om) == OV_DENY ? OV_DENY : OV_ALLOW;
            *src = (struct lsrc){cfg->name, om != NULL ? om->line : decl->line,
                                 "overrideModeDefault", mode == OV_DENY ? "Deny" : "Allow"};
            ad = cfg_node_attr(decl, "allowDefinition");
            *apphost_only = false;
            if (ad != NULL && cfg_attr_value(cfg, ad) != NULL &&
                (strcasecmp(cfg_attr_value(cfg, ad), "AppHostOnly") == 0 ||
                 strcasecmp(cfg_attr_value(cfg, ad), "MachineOnly") == 0)) {
                *apphost_only = true;
                *def_src =
                    (struct lsrc){cfg->name, ad->line, "allowDefinition", cfg_attr_value(cfg, ad)};
            }
        }
    }
    return mode;
}

/*
 * The effective override mode of section at rel (relative to the
 * web.config's directory): the default, then every <location> holding the
 * section with overrideMode or allowOverride, least specific first, so the
 * most specific one decides.
 */
static enum override
override_mode(struct lctx *c, const char *section, const char *rel, struct lsrc *src,
              bool *apphost_only, struct lsrc *def_src)
{
    enum override mode = default_mode(c, section, src, apphost_only, def_src);
    char target[2048];

    for (size_t i = 0; i < c->n; i++) {
        struct certmap_config *cfg = c->layers[i].cfg;

        join_path(c->layers[i].path, rel, target, sizeof(target));
        /* cfg->locs is sorted by depth, document order within a depth */
        for (size_t k = 0; k < cfg->nlocs; k++) {
            const struct cloc *l = &cfg->locs[k];
            struct cattr *om, *ao;
            enum override m;
            if (l->node == cfg->root || !cfg_node_live(l->node) ||
                !cfg_loc_applies(cfg, l, target) || cfg_loc_find_section(l->node, section) == NULL)
                continue;
            om = cfg_node_attr(l->node, "overrideMode");
            ao = cfg_node_attr(l->node, "allowOverride");
            m = parse_override(cfg, om);
            if (m != OV_INHERIT) {
                *src = (struct lsrc){cfg->name, om->line, "overrideMode", cfg_attr_value(cfg, om)};
                mode = m;
            } else if (ao != NULL && cfg_attr_value(cfg, ao) != NULL) {
                /* legacy: false locks, true unlocks */
                mode = strcasecmp(cfg_attr_value(cfg, ao), "false") == 0 ? OV_DENY : OV_ALLOW;
                *src = (struct lsrc){cfg->name, ao->line, "allowOverride", cfg_attr_value(cfg, ao)};
            }
        }
    }
    return mode;
}

/* ---- element locks ---- */

/* true when the comma-separated list (len bytes) holds name or "*", spaces around names ignored. */
static bool
list_has(const char *list, size_t len, const char *name)
{
    size_t nlen = strlen(name);

    for (size_t i = 0; i < len;) {
        size_t b, e;
        while (i < len && (list[i] == ' ' || list[i] == '\t'))
            i++;
        b = i;
        while (i < len && list[i] != ',')
            i++;
        e = i;
        while (e > b && (list[e - 1] == ' ' || list[e - 1] == '\t'))
            e--;
        if ((e - b == 1 && list[b] == '*') || (e - b == nlen && memcmp(list + b, name, nlen) == 0))
            return true;
        i++;
    }
    return false;
}

static bool
is_true(struct certmap_config *cfg, struct cattr *a)
{
    const char *v = a != NULL ? cfg_attr_value(cfg, a) : NULL;

    return v != NULL && strcasecmp(v, "true") == 0;
}

static void
check_attr_locks(struct lctx *c, const char *section, struct certmap_config *lcfg, struct cnode *a,
                 struct cnode *w)
{
    struct cattr *la = cfg_node_attr(a, LOCK_ATTRIBUTES),
                 *lx = cfg_node_attr(a, LOCK_ALL_ATTRIBUTES_EXCEPT);
    const char *lav = la != NULL ? cfg_attr_value(lcfg, la) : NULL;
    const char *lxv = lx != NULL ? cfg_attr_value(lcfg, lx) : NULL;

    if (lav == NULL && lxv == NULL)
        return;
    for (uint32_t i = 0; i < w->nattrs; i++) {
        const char *name = w->attrs[i].name;
        struct lsrc src;
        /* adding locks for the levels below is always allowed */
        if (cfg_schema_is_lock_attr(name))
            continue;
        if (lav != NULL && list_has(lav, strlen(lav), name)) {
            src = (struct lsrc){lcfg->name, la->line, LOCK_ATTRIBUTES, lav};
        } else if (lxv != NULL && !list_has(lxv, strlen(lxv), name)) {
            src = (struct lsrc){lcfg->name, lx->line, LOCK_ALL_ATTRIBUTES_EXCEPT, lxv};
        } else {
            continue;
        }
        add_violation(c, section, name, w->attrs[i].line, &src,
                      "this attribute is locked at a parent level");
    }
}

static void
check_element_locks(struct lctx *c, const char *section, struct certmap_config *lcfg,
                    struct cnode *a, struct cnode *w)
{
    struct cattr *le = cfg_node_attr(a, LOCK_ELEMENTS),
                 *lx = cfg_node_attr(a, LOCK_ALL_ELEMENTS_EXCEPT);
    const char *lev = le != NULL ? cfg_attr_value(lcfg, le) : NULL;
    const char *lxv = lx != NULL ? cfg_attr_value(lcfg, lx) : NULL;

    if (lev == NULL && lxv == NULL)
        return;
    for (struct cnode *k = w->first; k != NULL; k = k->next) {
        struct lsrc src;
        if (!cfg_node_live(k))
            continue;
        if (lev != NULL && list_has(lev, strlen(lev), k->name)) {
            src = (struct lsrc){lcfg->name, le->line, LOCK_ELEMENTS, lev};
        } else if (lxv != NULL && !list_has(lxv, strlen(lxv), k->name)) {
            src = (struct lsrc){lcfg->name, lx->line, LOCK_ALL_ELEMENTS_EXCEPT, lxv};
        } else {
            continue;
        }
        add_violation(c, section, k->name, k->line, &src,
                      "this element is locked at a parent level");
    }
}

static bool
same_key(struct certmap_config *acfg, struct cnode *a, struct certmap_config *wcfg, struct cnode *w,
         const struct schema_coll *sc)
{
    char msg[256];

    if (cfg_item_key(acfg, sc, a, msg, sizeof(msg)) != 0 ||
        cfg_item_key(wcfg, sc, w, msg, sizeof(msg)) != 0)
        return false;
    return a->klen == w->klen && memcmp(a->key, w->key, a->klen) == 0;
}

/* Items locked with lockItem="true" in a may not be removed or cleared in w. */
static void
check_item_locks(struct lctx *c, const char *section, struct certmap_config *lcfg, struct cnode *a,
                 struct cnode *w, const struct schema_coll *sc)
{
    for (struct cnode *it = a->first; it != NULL; it = it->next) {
        struct cattr *li;
        struct lsrc src;
        if (!cfg_node_live(it) || strcmp(it->name, sc->add) != 0)
            continue;
        li = cfg_node_attr(it, LOCK_ITEM);
        if (!is_true(lcfg, li))
            continue;
        src = (struct lsrc){lcfg->name, li->line, LOCK_ITEM, cfg_attr_value(lcfg, li)};
        for (struct cnode *k = w->first; k != NULL; k = k->next) {
            bool clear = sc->clear != NULL && strcmp(k->name, sc->clear) == 0;
            bool rm = sc->remove != NULL && strcmp(k->name, sc->remove) == 0;
            if (!cfg_node_live(k) || (!clear && !rm))
                continue;
            if (rm && !same_key(lcfg, it, c->web, k, sc))
                continue;
            add_violation(c, section, k->name, k->line, &src,
                          "this collection item is locked at a parent level");
        }
    }
}

/* The locks written on a (a layer's element) against w (the web.config's same element). */
static void
compare(struct lctx *c, const char *section, struct certmap_config *lcfg, struct cnode *a,
        struct cnode *w, const struct schema_elem *se)
{
    check_attr_locks(c, section, lcfg, a, w);
    check_element_locks(c, section, lcfg, a, w);
    if (se == NULL)
        return;
    if (se->coll != NULL)
        check_item_locks(c, section, lcfg, a, w, se->coll);
    if (se->children == NULL)
        return;
    for (const struct schema_child *ch = se->children; ch->name != NULL; ch++) {
        struct cnode *ac = cfg_node_child(a, ch->name), *wc = cfg_node_child(w, ch->name);
        if (ac != NULL && wc != NULL)
            compare(c, section, lcfg, ac, wc, ch->elem);
    }
}

/* ---- the check ---- */

/* One section the web.config sets at rel (relative to its directory). */
static void
check_section(struct lctx *c, const char *section, const struct schema_elem *se, const char *rel,
              struct cnode *w)
{
    struct lsrc src, def_src;
    bool apphost_only;
    char target[2048];

    if (override_mode(c, section, rel, &src, &apphost_only, &def_src) == OV_DENY) {
        add_violation(c, section, NULL, w->line, &src,
                      "this configuration section cannot be used at this path");
        return;
    }
    if (apphost_only) {
        add_violation(c, section, NULL, w->line, &def_src,
                      "this configuration section can only be set in applicationHost.config");
        return;
    }
    for (size_t i = 0; i < c->n; i++) {
        struct certmap_config *cfg = c->layers[i].cfg;

        join_path(c->layers[i].path, rel, target, sizeof(target));
        for (size_t k = 0; k < cfg->nlocs; k++) {
            const struct cloc *l = &cfg->locs[k];
            struct cnode *a;
            struct cattr *li;
            if (!cfg_node_live(l->node) || !cfg_loc_applies(cfg, l, target))
                continue;
            a = cfg_loc_find_section(l->node, section);
            if (a == NULL)
                continue;
            li = cfg_node_attr(a, LOCK_ITEM);
            if (is_true(cfg, li)) {
                src = (struct lsrc){cfg->name, li->line, LOCK_ITEM, cfg_attr_value(cfg, li)};
                add_violation(c, section, NULL, w->line, &src,
                              "this configuration section is locked at a parent level");
                return;
            }
            compare(c, section, cfg, a, w, se);
        }
    }
}

/* Every section the web.config sets in the container (its root or a <location>). */
static void
check_container(struct lctx *c, const struct cloc *l)
{
    for (const struct schema_section *s = cfg_schema_sections; s->path != NULL; s++) {
        struct cnode *w;
        if (s->flags & SS_SERVER_ONLY)
            continue; /* refused in a web.config by the loader */
        w = cfg_loc_find_section(l->node, s->path);
        if (w != NULL)
            check_section(c, s->path, s->elem, l->path, w);
    }
    for (const struct section_default *d = section_defaults; d->path != NULL; d++) {
        struct cnode *w;
        if (cfg_schema_section_find(d->path) != NULL)
            continue; /* checked above, with its schema */
        w = cfg_loc_find_section(l->node, d->path);
        if (w != NULL)
            check_section(c, d->path, NULL, l->path, w);
    }
}

int
lock_check_webconfig(const struct lock_layer *layers, size_t n, struct certmap_config *web,
                     struct lock_violations *out, struct certmap_error *err)
{
    struct lctx c = {.layers = layers, .n = n, .web = web, .out = out};

    if (web == NULL || out == NULL || (n > 0 && layers == NULL))
        return certmap_error_set(err, CERTMAP_ERR_USAGE, NULL, 0, NULL, NULL,
                                 "lock_check_webconfig: no web.config, result or layers");
    for (size_t i = 0; i < n; i++)
        if (layers[i].cfg == NULL || layers[i].cfg->root == NULL)
            return certmap_error_set(err, CERTMAP_ERR_USAGE, NULL, 0, NULL, NULL,
                                     "lock_check_webconfig: layer %zu has no configuration", i);
    for (size_t k = 0; k < web->nlocs && !c.oom; k++)
        if (cfg_node_live(web->locs[k].node))
            check_container(&c, &web->locs[k]);
    if (c.oom)
        return certmap_error_set(err, CERTMAP_ERR_NOMEM, web->name, 0, NULL, NULL, "out of memory");
    return 0;
}
