/*
 * location.c - the location model: which <location> elements (and the
 * server level) apply to a target path, in what order.
 *
 * cfg->locs holds one entry per <location> plus the root, sorted by depth and
 * then document order; the effective value of a section at a target is the
 * chain of its nodes in that order, least specific first.  A location with
 * inheritInChildApplications="false" stops at the first application below it,
 * as in IIS.
 */
#include "config/location.h"

#include "config/arena.h"
#include "config/tree.h"
#include "config/document.h"
#include "config/schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void
cfg_loc_normalize(const char *in, char *out, size_t size)
{
    size_t o = 0;

    if (in == NULL)
        in = "";
    while (*in == '/')
        in++;
    if (strcmp(in, ".") == 0)
        in = "";
    for (; *in != '\0' && o + 1 < size; in++) {
        if (*in == '/' && (o == 0 || out[o - 1] == '/'))
            continue;
        out[o++] = *in;
    }
    while (o > 0 && out[o - 1] == '/')
        o--;
    out[o] = '\0';
}

static int
cmp_loc(const void *a, const void *b)
{
    const struct cloc *x = a, *y = b;

    if (x->nseg != y->nseg)
        return x->nseg < y->nseg ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

void
cfg_loc_sort(struct certmap_config *cfg)
{
    /* by depth, document order within a depth: once, n log n */
    if (cfg->nlocs > 1)
        qsort(cfg->locs, cfg->nlocs, sizeof(*cfg->locs), cmp_loc);
    cfg->locmap.valid = false;
}

int
cfg_loc_add(struct certmap_config *cfg, struct cnode *node, const char *path, bool no_inherit)
{
    struct cloc l = {.node = node, .no_inherit = no_inherit, .order = cfg->loc_order++};

    l.path = cfg_arena_strdup(&cfg->arena, path);
    if (l.path == NULL || cfg_locpaths_note(cfg, l.path) != 0)
        return -1;
    if (path[0] != '\0') {
        l.nseg = 1;
        for (const char *p = path; *p != '\0'; p++)
            l.nseg += *p == '/';
    }
    if (cfg->nlocs == cfg->caplocs) {
        size_t ncap = cfg->caplocs ? cfg->caplocs * 2 : 8;
        struct cloc *p = realloc(cfg->locs, ncap * sizeof(*p));
        if (p == NULL)
            return -1;
        cfg->locs = p;
        cfg->caplocs = ncap;
    }
    /* appended: the caller sorts (cfg_loc_sort) before the order is used */
    cfg->locs[cfg->nlocs] = l;
    return (int)cfg->nlocs++;
}

const struct cloc *
cfg_loc_of(const struct certmap_config *cfg, const struct cnode *n)
{
    const struct cnode *top = n;

    while (top != NULL && top->parent != NULL && top->parent != cfg->root)
        top = top->parent;
    if (top == NULL)
        return NULL;
    if (top != cfg->root && strcmp(top->name, "location") == 0) {
        for (size_t i = 0; i < cfg->nlocs; i++)
            if (cfg->locs[i].node == top)
                return &cfg->locs[i];
        return NULL;
    }
    for (size_t i = 0; i < cfg->nlocs; i++)
        if (cfg->locs[i].node == cfg->root)
            return &cfg->locs[i];
    return NULL;
}

struct cnode *
cfg_loc_find_section(struct cnode *container, const char *path)
{
    const char *slash = strchr(path, '/');
    size_t len = slash ? (size_t)(slash - path) : strlen(path);

    for (struct cnode *c = container->first; c != NULL; c = c->next) {
        struct cnode *r;
        if (!cfg_node_live(c) || strncmp(c->name, path, len) != 0 || c->name[len] != '\0')
            continue;
        if (slash == NULL)
            return c;
        r = cfg_loc_find_section(c, slash + 1);
        if (r != NULL)
            return r;
    }
    return NULL;
}

/* The site named like the first segment of target, at the server level. */
static struct cnode *
find_site(struct certmap_config *cfg, const char *target)
{
    size_t len = strcspn(target, "/");
    struct cnode *sites = NULL;

    for (size_t i = 0; i < cfg->nlocs && sites == NULL; i++)
        if (cfg->locs[i].nseg == 0)
            sites = cfg_loc_find_section(cfg->locs[i].node, CERTMAP_SECTION_SITES);
    if (sites == NULL)
        return NULL;
    for (struct cnode *s = sites->first; s != NULL; s = s->next) {
        struct cattr *name;
        if (!cfg_node_live(s) || strcmp(s->name, "site") != 0)
            continue;
        name = cfg_node_attr(s, "name");
        if (name != NULL && name->len == len &&
            strncasecmp(name->value ? name->value : name->ref, target, len) == 0)
            return s;
    }
    return NULL;
}

/*
 * inheritInChildApplications="false": the location's settings stop at the
 * first application below it, as in IIS.
 */
static bool
app_between(struct certmap_config *cfg, const char *lpath, const char *target)
{
    struct cnode *site = find_site(cfg, target);
    const char *rest_t = target + strcspn(target, "/");
    const char *rest_l = lpath + strcspn(lpath, "/");
    size_t lrest = strlen(rest_l);

    if (site == NULL)
        return false;
    for (struct cnode *a = site->first; a != NULL; a = a->next) {
        struct cattr *pa;
        char norm[1024], app[1030];
        size_t al;
        if (!cfg_node_live(a) || strcmp(a->name, "application") != 0)
            continue;
        pa = cfg_node_attr(a, "path");
        if (pa == NULL)
            continue;
        cfg_loc_normalize(cfg_attr_value(cfg, pa), norm, sizeof(norm));
        if (norm[0] == '\0')
            continue;
        snprintf(app, sizeof(app), "/%s", norm);
        al = strlen(app);
        if (al > lrest && strncasecmp(rest_t, app, al) == 0 &&
            (rest_t[al] == '\0' || rest_t[al] == '/'))
            return true;
    }
    return false;
}

bool
cfg_loc_applies(struct certmap_config *cfg, const struct cloc *l, const char *target)
{
    size_t plen = strlen(l->path);

    if (plen == 0)
        return true;
    if (strncasecmp(l->path, target, plen) != 0 || (target[plen] != '\0' && target[plen] != '/'))
        return false;
    if (l->no_inherit && target[plen] == '/')
        return !app_between(cfg, l->path, target);
    return true;
}

void
cfg_locmap_free(struct locmap *m)
{
    free(m->slot);
    free(m->next);
    memset(m, 0, sizeof(*m));
}

/* (Re)builds cfg->locmap. -1 on allocation failure. */
static int
locmap_build(struct certmap_config *cfg)
{
    struct locmap *m = &cfg->locmap;
    size_t n = 16;

    cfg_locmap_free(m);
    while (n < cfg->nlocs * 2)
        n *= 2;
    m->slot = calloc(n, sizeof(*m->slot));
    m->next = calloc(cfg->nlocs ? cfg->nlocs : 1, sizeof(*m->next));
    if (m->slot == NULL || m->next == NULL) {
        cfg_locmap_free(m);
        return -1;
    }
    m->mask = n - 1;
    /* from the end, so that each path's chain runs in depth-then-document order */
    for (size_t i = cfg->nlocs; i-- > 0;) {
        const char *p = cfg->locs[i].path;
        size_t h = cfg_fold_hash(p, strlen(p), 0) & m->mask;
        m->next[i] = m->slot[h];
        m->slot[h] = i + 1;
    }
    m->valid = true;
    return 0;
}

/* Appends the section's nodes of the locations whose path is target[0..len). */
static size_t
chain_path(struct certmap_config *cfg, const char *section_path, const char *target, size_t len,
           const char *full, struct cnode **nodes, size_t k, size_t max)
{
    struct locmap *m = &cfg->locmap;

    for (size_t i = m->slot[cfg_fold_hash(target, len, 0) & m->mask]; i != 0 && k < max;
         i = m->next[i - 1]) {
        const struct cloc *l = &cfg->locs[i - 1];
        struct cnode *n;
        if (strlen(l->path) != len || strncasecmp(l->path, target, len) != 0 ||
            !cfg_node_live(l->node) || !cfg_loc_applies(cfg, l, full))
            continue;
        n = cfg_loc_find_section(l->node, section_path);
        if (n != NULL)
            nodes[k++] = n;
    }
    return k;
}

size_t
cfg_loc_chain(struct certmap_config *cfg, const char *section_path, const char *target,
              struct cnode **nodes, size_t max)
{
    size_t k = 0, len = 0;

    if (!cfg->locmap.valid && locmap_build(cfg) != 0) {
        /* no memory for the index: the same answer by scanning every location */
        for (size_t i = 0; i < cfg->nlocs && k < max; i++) {
            struct cnode *n;
            if (!cfg_node_live(cfg->locs[i].node) || !cfg_loc_applies(cfg, &cfg->locs[i], target))
                continue;
            n = cfg_loc_find_section(cfg->locs[i].node, section_path);
            if (n != NULL)
                nodes[k++] = n;
        }
        return k;
    }
    /* the server level, then each prefix of target at a '/' (the depth order of locs) */
    for (;;) {
        k = chain_path(cfg, section_path, target, len, target, nodes, k, max);
        if (target[len] == '\0')
            break;
        len += (len > 0) + strcspn(target + len + (len > 0), "/");
    }
    return k;
}
