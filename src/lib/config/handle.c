/*
 * handle.c - element handles: their lifecycle and the nodes they resolve to.
 *
 * An element handle names a place (a section at a location, a child of an
 * element, a collection item) rather than a node: its nodes are recomputed
 * whenever the tree's structure changed (cfg->gen), so handles stay valid
 * while the program adds and removes things.  Reads walk the levels from the
 * most specific location to the server level, then the defaults elements
 * (siteDefaults & co.), then the schema default.  Writes go to the node at
 * the handle's own location, created on first write.
 */
#include "config/handle.h"

#include "config/arena.h"
#include "config/tree.h"
#include "config/document.h"
#include "config/schema.h"
#include "config/diag.h"
#include "config/location.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- handles ---- */

struct certmap_element *
cfg_handle_new(struct certmap_config *cfg, enum handle_kind kind)
{
    struct certmap_element *e = calloc(1, sizeof(*e));

    if (e == NULL)
        return NULL;
    e->cfg = cfg;
    e->kind = kind;
    e->next = cfg->handles;
    cfg->handles = e;
    return e;
}

void
cfg_handles_free(struct certmap_config *cfg)
{
    struct certmap_element *e, *en;
    struct certmap_collection *c, *cn;

    for (e = cfg->handles; e != NULL; e = en) {
        en = e->next;
        free(e->levels);
        free(e->defaults);
        free(e);
    }
    for (c = cfg->colls; c != NULL; c = cn) {
        cn = c->next;
        free(c->nodes);
        free(c->handles);
        free(c);
    }
    cfg->handles = NULL;
    cfg->colls = NULL;
    cfg->sections = NULL;
    free(cfg->sec_slot);
    cfg->sec_slot = NULL;
    cfg->sec_mask = cfg->nsec = 0;
}

static int
push_node(struct cnode ***arr, size_t *n, size_t *cap, struct cnode *node)
{
    if (*n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 4;
        struct cnode **p = realloc(*arr, ncap * sizeof(*p));
        if (p == NULL)
            return -1;
        *arr = p;
        *cap = ncap;
    }
    (*arr)[(*n)++] = node;
    return 0;
}

/* true when section node n is written for exactly location (normalised; "" the server level). */
static bool
written_at(struct certmap_config *cfg, const struct cnode *n, const char *location)
{
    const struct cnode *top = n;
    struct cattr *p;
    const char *v;
    char norm[1024];

    while (top->parent != NULL && top->parent != cfg->root)
        top = top->parent;
    if (top->parent == NULL || strcmp(top->name, "location") != 0)
        return location[0] == '\0';
    p = cfg_node_attr(top, "path");
    v = p != NULL ? cfg_attr_value(cfg, p) : "";
    cfg_loc_normalize(v != NULL ? v : "", norm, sizeof(norm));
    return strcasecmp(norm, location) == 0;
}

int
cfg_element_refresh(struct certmap_element *e)
{
    struct certmap_config *cfg = e->cfg;
    size_t caplev = 0, capdef = 0;
    int ret = -1;

    if (e->fresh && e->gen == cfg->gen)
        return 0;
    e->fresh = false;
    e->nlevels = e->ndefaults = 0;
    free(e->levels);
    free(e->defaults);
    e->levels = e->defaults = NULL;
    e->local = NULL;
    switch (e->kind) {
    case H_SECTION:
        e->levels = malloc((cfg->nlocs + 1) * sizeof(*e->levels));
        if (e->levels == NULL)
            goto out;
        e->nlevels = cfg_loc_chain(cfg, e->section->path, e->location, e->levels, cfg->nlocs + 1);
        if (e->nlevels < cfg->nlocs + 1) {
            /* a chain is a few levels: keep those, not one slot per location of the file */
            struct cnode **p = realloc(e->levels, (e->nlevels ? e->nlevels : 1) * sizeof(*p));
            if (p != NULL)
                e->levels = p;
        }
        if (e->nlevels > 0 && written_at(cfg, e->levels[e->nlevels - 1], e->location))
            e->local = e->levels[e->nlevels - 1];
        break;
    case H_CHILD:
        if (cfg_element_refresh(e->parent) != 0)
            goto out;
        for (size_t i = 0; i < e->parent->nlevels; i++) {
            struct cnode *c = cfg_node_child(e->parent->levels[i], e->child_name);
            if (c != NULL && push_node(&e->levels, &e->nlevels, &caplev, c) != 0)
                goto out;
        }
        if (e->parent->local != NULL)
            e->local = cfg_node_child(e->parent->local, e->child_name);
        for (size_t i = 0; i < e->parent->ndefaults; i++) {
            struct cnode *c = cfg_node_child(e->parent->defaults[i], e->child_name);
            if (c != NULL && push_node(&e->defaults, &e->ndefaults, &capdef, c) != 0)
                goto out;
        }
        break;
    case H_ITEM:
        if (push_node(&e->levels, &e->nlevels, &caplev, e->item) != 0)
            goto out;
        e->local = e->inherited ? NULL : e->item;
        if (e->owner != NULL && e->owner->schema->defaults != NULL) {
            /* applicationDefaults of the site, then of <sites>: nearest first */
            for (struct cnode *a = e->item->parent; a != NULL && a->schema != NULL; a = a->parent) {
                struct cnode *d = cfg_node_child(a, e->owner->schema->defaults);
                if (d != NULL && push_node(&e->defaults, &e->ndefaults, &capdef, d) != 0)
                    goto out;
            }
        }
        break;
    }
    e->gen = cfg->gen;
    e->fresh = true;
    ret = 0;
out:
    if (ret != 0) {
        /* nothing half-computed: the next call tries again */
        free(e->levels);
        free(e->defaults);
        e->levels = e->defaults = NULL;
        e->nlevels = e->ndefaults = 0;
        e->local = NULL;
    }
    return ret;
}

int
cfg_effective_attr(const struct certmap_element *ce, const char *name, struct cattr **attr,
                   struct cnode **where, struct certmap_error *err)
{
    struct certmap_element *e = (struct certmap_element *)ce; /* refresh caches only */

    *attr = NULL;
    if (cfg_element_refresh(e) != 0)
        return certmap_error_set(err, CERTMAP_ERR_NOMEM, e->cfg->name, 0, NULL, NULL,
                                 "out of memory");
    for (size_t i = e->nlevels; i > 0; i--) {
        *attr = cfg_node_attr(e->levels[i - 1], name);
        if (*attr != NULL) {
            if (where != NULL)
                *where = e->levels[i - 1];
            return 0;
        }
    }
    for (size_t i = 0; i < e->ndefaults; i++) {
        *attr = cfg_node_attr(e->defaults[i], name);
        if (*attr != NULL) {
            if (where != NULL)
                *where = e->defaults[i];
            return 0;
        }
    }
    return 0;
}

int
cfg_element_ensure_local(struct certmap_element *e, struct certmap_error *err)
{
    struct certmap_config *cfg = e->cfg;
    struct cnode *container = NULL, *n;

    if (cfg_element_refresh(e) != 0)
        goto nomem;
    if (e->local != NULL)
        return 0;
    if (e->kind == H_ITEM) {
        const struct cloc *l = cfg_loc_of(cfg, e->item);
        cfg_err_at(cfg, err, CERTMAP_ERR_USAGE, e->item, NULL,
                   "item is inherited from %s%s%s: remove it here and add a new one",
                   l && l->path[0] ? "location \"" : "the server level", l ? l->path : "",
                   l && l->path[0] ? "\"" : "");
        return -1;
    }
    if (e->kind == H_CHILD) {
        if (cfg_element_ensure_local(e->parent, err) != 0)
            return -1;
        n = cfg_node_new(cfg, e->child_name, e->schema);
        if (n == NULL)
            goto nomem;
        cfg_node_append(e->parent->local, n);
        cfg->gen++;
        if (cfg_element_refresh(e) != 0)
            goto nomem;
        return 0;
    }
    /* a section: find or create its <location>, then the section groups */
    if (e->location[0] == '\0') {
        container = cfg->root;
    } else {
        for (size_t i = 0; i < cfg->nlocs; i++)
            if (cfg->locs[i].node != cfg->root && cfg_node_live(cfg->locs[i].node) &&
                strcasecmp(cfg->locs[i].path, e->location) == 0 &&
                (container == NULL || cfg->locs[i].order > cfg_loc_of(cfg, container)->order))
                container = cfg->locs[i].node;
        if (container == NULL) {
            container = cfg_node_new(cfg, "location", &cfg_schema_location);
            if (container == NULL ||
                cfg_node_set_attr(cfg, container, "path", e->location, strlen(e->location)) != 0)
                goto nomem;
            cfg_node_append(cfg->root, container);
            if (cfg_loc_add(cfg, container, e->location, false) < 0)
                goto nomem;
            cfg_loc_sort(cfg);
        }
    }
    for (const char *p = e->section->path;;) {
        const char *slash = strchr(p, '/');
        char seg[128];
        snprintf(seg, sizeof(seg), "%.*s", (int)(slash ? (size_t)(slash - p) : strlen(p)), p);
        n = cfg_node_child(container, seg);
        if (n == NULL) {
            n = cfg_node_new(cfg, cfg_arena_strdup(&cfg->arena, seg), slash ? NULL : e->schema);
            if (n == NULL || n->name == NULL)
                goto nomem;
            cfg_node_append(container, n);
        }
        container = n;
        if (slash == NULL)
            break;
        p = slash + 1;
    }
    container->schema = e->schema;
    cfg->gen++;
    if (cfg_element_refresh(e) != 0)
        goto nomem;
    return 0;
nomem:
    certmap_error_set(err, CERTMAP_ERR_NOMEM, cfg->name, 0, NULL, NULL, "out of memory");
    return -1;
}

/* ---- the section handle cache ---- */

static size_t
section_hash(const struct schema_section *s, const char *loc)
{
    return cfg_fold_hash(loc, strlen(loc), (size_t)(uintptr_t)s);
}

/* The slot of (s, loc): its handle, or the empty slot where it goes. */
static struct certmap_element **
section_slot(struct certmap_config *cfg, const struct schema_section *s, const char *loc)
{
    for (size_t i = section_hash(s, loc) & cfg->sec_mask;; i = (i + 1) & cfg->sec_mask) {
        struct certmap_element *e = cfg->sec_slot[i];
        if (e == NULL || (e->section == s && strcasecmp(e->location, loc) == 0))
            return &cfg->sec_slot[i];
    }
}

/* Keeps the table at most half full. -1 on allocation failure. */
static int
section_table_grow(struct certmap_config *cfg)
{
    size_t n = cfg->sec_slot == NULL ? 64 : (cfg->sec_mask + 1) * 2;
    struct certmap_element **old = cfg->sec_slot;

    if (old != NULL && (cfg->nsec + 1) * 2 <= cfg->sec_mask + 1)
        return 0;
    cfg->sec_slot = calloc(n, sizeof(*cfg->sec_slot));
    if (cfg->sec_slot == NULL) {
        cfg->sec_slot = old;
        return -1;
    }
    cfg->sec_mask = n - 1;
    for (struct certmap_element *e = cfg->sections; e != NULL; e = e->next_section)
        *section_slot(cfg, e->section, e->location) = e;
    free(old);
    return 0;
}

/* ---- the public element API ---- */

struct certmap_element *
certmap_config_get_section(struct certmap_config *cfg, const char *section_path,
                           const char *location, struct certmap_error *err)
{
    const struct schema_section *s;
    struct certmap_element *e, **slot;
    char norm[1024];

    if (cfg == NULL || section_path == NULL) {
        certmap_error_set(err, CERTMAP_ERR_USAGE, NULL, 0, NULL, NULL, "no section given");
        return NULL;
    }
    s = cfg_schema_section_find(section_path);
    if (s == NULL) {
        const char *names[32];
        size_t n = 0;
        for (const struct schema_section *p = cfg_schema_sections; p->path != NULL && n < 32; p++)
            names[n++] = p->path;
        const char *sugg = cfg_schema_suggest(section_path, names, n);
        certmap_error_set(err, CERTMAP_ERR_USAGE, cfg->name, 0, NULL, NULL,
                          "unknown section \"%s\"%s%s%s", section_path,
                          sugg ? " (did you mean \"" : "", sugg ? sugg : "", sugg ? "\"?)" : "");
        return NULL;
    }
    cfg_loc_normalize(location, norm, sizeof(norm));
    if ((s->flags & SS_SERVER_ONLY) && norm[0] != '\0') {
        certmap_error_set(err, CERTMAP_ERR_USAGE, cfg->name, 0, NULL, NULL,
                          "%s can only be used at the server level, not for \"%s\"", s->path, norm);
        return NULL;
    }
    if (section_table_grow(cfg) != 0) {
        certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL, "out of memory");
        return NULL;
    }
    slot = section_slot(cfg, s, norm);
    if (*slot != NULL)
        return *slot;
    e = cfg_handle_new(cfg, H_SECTION);
    if (e == NULL || (e->location = cfg_arena_strdup(&cfg->arena, norm)) == NULL) {
        certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL, "out of memory");
        return NULL;
    }
    e->section = s;
    e->schema = s->elem;
    e->next_section = cfg->sections;
    cfg->sections = e;
    *slot = e;
    cfg->nsec++;
    return e;
}

const char *
certmap_element_name(const struct certmap_element *e)
{
    return e != NULL ? e->schema->name : NULL;
}

struct certmap_element *
certmap_element_child(struct certmap_element *e, const char *name, struct certmap_error *err)
{
    const struct schema_elem *ce;
    struct certmap_element *k;

    if (e == NULL || name == NULL) {
        certmap_error_set(err, CERTMAP_ERR_USAGE, NULL, 0, NULL, NULL, "no element");
        return NULL;
    }
    ce = cfg_schema_child_find(e->schema, name);
    if (ce == NULL) {
        const char *sugg = cfg_schema_suggest_child(e->schema, name);
        certmap_error_set(err, CERTMAP_ERR_USAGE, e->cfg->name, 0, e->schema->name, NULL,
                          "no child element <%s>%s%s%s", name, sugg ? " (did you mean <" : "",
                          sugg ? sugg : "", sugg ? ">?)" : "");
        return NULL;
    }
    for (k = e->first_kid; k != NULL; k = k->next_kid)
        if (strcmp(k->child_name, name) == 0)
            return k;
    k = cfg_handle_new(e->cfg, H_CHILD);
    if (k == NULL) {
        certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL, "out of memory");
        return NULL;
    }
    k->schema = ce;
    k->parent = e;
    k->child_name = ce->name;
    k->location = e->location;
    k->next_kid = e->first_kid;
    e->first_kid = k;
    return k;
}

bool
certmap_element_is_inherited(const struct certmap_element *e)
{
    return e != NULL && e->kind == H_ITEM && e->inherited;
}
