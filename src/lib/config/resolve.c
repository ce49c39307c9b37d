/*
 * resolve.c - <location> resolution and the element half of the C API.
 *
 * An element handle names a place (a section at a location, a child of an
 * element, a collection item) rather than a node: its nodes are recomputed
 * whenever the tree's structure changed (cfg->gen), so handles stay valid
 * while the program adds and removes things.  Reads walk the levels from the
 * most specific location to the server level, then the defaults elements
 * (siteDefaults & co.), then the schema default.  Writes go to the node at
 * the handle's own location, created on first write.
 */
#include "config/internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "certmap/cert.h"

void
err_at(struct certmap_config *cfg, struct certmap_error *err, enum certmap_error_kind kind,
       const struct cnode *n, const char *attr, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    certmap_error_set(err, kind, cfg->name, n != NULL && (n->flags & CN_ORIG) ? n->line : 0,
                      n != NULL ? n->name : NULL, attr, "%s", msg);
}

/* ---- locations ---- */

void
loc_normalize(const char *in, char *out, size_t size)
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
loc_sort(struct certmap_config *cfg)
{
    /* by depth, document order within a depth: once, n log n */
    if (cfg->nlocs > 1)
        qsort(cfg->locs, cfg->nlocs, sizeof(*cfg->locs), cmp_loc);
}

int
loc_add(struct certmap_config *cfg, struct cnode *node, const char *path, bool no_inherit)
{
    struct cloc l = {.node = node, .no_inherit = no_inherit, .order = cfg->loc_order++};

    l.path = arena_strdup(&cfg->arena, path);
    if (l.path == NULL || locpaths_note(cfg, l.path) != 0)
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
    /* appended: the caller sorts (loc_sort) before the order is used */
    cfg->locs[cfg->nlocs] = l;
    return (int)cfg->nlocs++;
}

const struct cloc *
loc_of(const struct certmap_config *cfg, const struct cnode *n)
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
node_child(const struct cnode *n, const char *name)
{
    for (struct cnode *c = n->first; c != NULL; c = c->next)
        if (node_live(c) && strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

struct cnode *
loc_find_section(struct cnode *container, const char *path)
{
    const char *slash = strchr(path, '/');
    size_t len = slash ? (size_t)(slash - path) : strlen(path);

    for (struct cnode *c = container->first; c != NULL; c = c->next) {
        struct cnode *r;
        if (!node_live(c) || strncmp(c->name, path, len) != 0 || c->name[len] != '\0')
            continue;
        if (slash == NULL)
            return c;
        r = loc_find_section(c, slash + 1);
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
            sites = loc_find_section(cfg->locs[i].node, CERTMAP_SECTION_SITES);
    if (sites == NULL)
        return NULL;
    for (struct cnode *s = sites->first; s != NULL; s = s->next) {
        struct cattr *name;
        if (!node_live(s) || strcmp(s->name, "site") != 0)
            continue;
        name = node_attr(s, "name");
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
        if (!node_live(a) || strcmp(a->name, "application") != 0)
            continue;
        pa = node_attr(a, "path");
        if (pa == NULL)
            continue;
        loc_normalize(attr_value(cfg, pa), norm, sizeof(norm));
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
loc_applies(struct certmap_config *cfg, const struct cloc *l, const char *target)
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

size_t
loc_chain(struct certmap_config *cfg, const char *section_path, const char *target,
          struct cnode **nodes, size_t max)
{
    size_t k = 0;

    for (size_t i = 0; i < cfg->nlocs && k < max; i++) {
        struct cnode *n;
        if (!node_live(cfg->locs[i].node) || !loc_applies(cfg, &cfg->locs[i], target))
            continue;
        n = loc_find_section(cfg->locs[i].node, section_path);
        if (n != NULL)
            nodes[k++] = n;
    }
    return k;
}

/* ---- handles ---- */

struct certmap_element *
handle_new(struct certmap_config *cfg, enum handle_kind kind)
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
handles_free(struct certmap_config *cfg)
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

void
element_refresh(struct certmap_element *e)
{
    struct certmap_config *cfg = e->cfg;
    size_t caplev = 0, capdef = 0;

    if (e->fresh && e->gen == cfg->gen)
        return;
    e->nlevels = e->ndefaults = 0;
    free(e->levels);
    free(e->defaults);
    e->levels = e->defaults = NULL;
    e->local = NULL;
    switch (e->kind) {
    case H_SECTION:
        e->levels = calloc(cfg->nlocs + 1, sizeof(*e->levels));
        if (e->levels == NULL)
            break;
        e->nlevels = loc_chain(cfg, e->section->path, e->location, e->levels, cfg->nlocs + 1);
        if (e->nlevels > 0) {
            const struct cloc *l = loc_of(cfg, e->levels[e->nlevels - 1]);
            if (l != NULL && strcasecmp(l->path, e->location) == 0)
                e->local = e->levels[e->nlevels - 1];
        }
        break;
    case H_CHILD:
        element_refresh(e->parent);
        for (size_t i = 0; i < e->parent->nlevels; i++) {
            struct cnode *c = node_child(e->parent->levels[i], e->child_name);
            if (c != NULL)
                push_node(&e->levels, &e->nlevels, &caplev, c);
        }
        if (e->parent->local != NULL)
            e->local = node_child(e->parent->local, e->child_name);
        for (size_t i = 0; i < e->parent->ndefaults; i++) {
            struct cnode *c = node_child(e->parent->defaults[i], e->child_name);
            if (c != NULL)
                push_node(&e->defaults, &e->ndefaults, &capdef, c);
        }
        break;
    case H_ITEM:
        push_node(&e->levels, &e->nlevels, &caplev, e->item);
        e->local = e->inherited ? NULL : e->item;
        if (e->owner != NULL && e->owner->schema->defaults != NULL) {
            /* applicationDefaults of the site, then of <sites>: nearest first */
            for (struct cnode *a = e->item->parent; a != NULL && a->schema != NULL; a = a->parent) {
                struct cnode *d = node_child(a, e->owner->schema->defaults);
                if (d != NULL)
                    push_node(&e->defaults, &e->ndefaults, &capdef, d);
            }
        }
        break;
    }
    e->gen = cfg->gen;
    e->fresh = true;
}

/* The node holding the effective attr (NULL: default), and the attribute. */
static struct cattr *
effective_attr(const struct certmap_element *ce, const char *name, struct cnode **where)
{
    struct certmap_element *e = (struct certmap_element *)ce; /* refresh caches only */
    struct cattr *a;

    element_refresh(e);
    for (size_t i = e->nlevels; i > 0; i--) {
        a = node_attr(e->levels[i - 1], name);
        if (a != NULL) {
            if (where != NULL)
                *where = e->levels[i - 1];
            return a;
        }
    }
    for (size_t i = 0; i < e->ndefaults; i++) {
        a = node_attr(e->defaults[i], name);
        if (a != NULL) {
            if (where != NULL)
                *where = e->defaults[i];
            return a;
        }
    }
    return NULL;
}

int
element_ensure_local(struct certmap_element *e, struct certmap_error *err)
{
    struct certmap_config *cfg = e->cfg;
    struct cnode *container = NULL, *n;

    element_refresh(e);
    if (e->local != NULL)
        return 0;
    if (e->kind == H_ITEM) {
        const struct cloc *l = loc_of(cfg, e->item);
        err_at(cfg, err, CERTMAP_ERR_USAGE, e->item, NULL,
               "item is inherited from %s%s%s: remove it here and add a new one",
               l && l->path[0] ? "location \"" : "the server level", l ? l->path : "",
               l && l->path[0] ? "\"" : "");
        return -1;
    }
    if (e->kind == H_CHILD) {
        if (element_ensure_local(e->parent, err) != 0)
            return -1;
        n = node_new(cfg, e->child_name, e->schema);
        if (n == NULL)
            goto nomem;
        node_append(e->parent->local, n);
        cfg->gen++;
        element_refresh(e);
        return 0;
    }
    /* a section: find or create its <location>, then the section groups */
    if (e->location[0] == '\0') {
        container = cfg->root;
    } else {
        for (size_t i = 0; i < cfg->nlocs; i++)
            if (cfg->locs[i].node != cfg->root && node_live(cfg->locs[i].node) &&
                strcasecmp(cfg->locs[i].path, e->location) == 0 &&
                (container == NULL || cfg->locs[i].order > loc_of(cfg, container)->order))
                container = cfg->locs[i].node;
        if (container == NULL) {
            container = node_new(cfg, "location", &schema_location);
            if (container == NULL ||
                node_set_attr(cfg, container, "path", e->location, strlen(e->location)) != 0)
                goto nomem;
            node_append(cfg->root, container);
            if (loc_add(cfg, container, e->location, false) < 0)
                goto nomem;
            loc_sort(cfg);
        }
    }
    for (const char *p = e->section->path;;) {
        const char *slash = strchr(p, '/');
        char seg[128];
        snprintf(seg, sizeof(seg), "%.*s", (int)(slash ? (size_t)(slash - p) : strlen(p)), p);
        n = node_child(container, seg);
        if (n == NULL) {
            n = node_new(cfg, arena_strdup(&cfg->arena, seg), slash ? NULL : e->schema);
            if (n == NULL || n->name == NULL)
                goto nomem;
            node_append(container, n);
        }
        container = n;
        if (slash == NULL)
            break;
        p = slash + 1;
    }
    container->schema = e->schema;
    cfg->gen++;
    element_refresh(e);
    return 0;
nomem:
    certmap_error_set(err, CERTMAP_ERR_NOMEM, cfg->name, 0, NULL, NULL, "out of memory");
    return -1;
}

/* ---- the public element API ---- */

struct certmap_element *
certmap_config_get_section(struct certmap_config *cfg, const char *section_path,
                           const char *location, struct certmap_error *err)
{
    const struct schema_section *s;
    struct certmap_element *e;
    char norm[1024];

    if (cfg == NULL || section_path == NULL) {
        certmap_error_set(err, CERTMAP_ERR_USAGE, NULL, 0, NULL, NULL, "no section given");
        return NULL;
    }
    s = schema_section_find(section_path);
    if (s == NULL) {
        const char *names[32];
        size_t n = 0;
        for (const struct schema_section *p = schema_sections; p->path != NULL && n < 32; p++)
            names[n++] = p->path;
        const char *sugg = schema_suggest(section_path, names, n);
        certmap_error_set(err, CERTMAP_ERR_USAGE, cfg->name, 0, NULL, NULL,
                          "unknown section \"%s\"%s%s%s", section_path,
                          sugg ? " (did you mean \"" : "", sugg ? sugg : "", sugg ? "\"?)" : "");
        return NULL;
    }
    loc_normalize(location, norm, sizeof(norm));
    if ((s->flags & SS_SERVER_ONLY) && norm[0] != '\0') {
        certmap_error_set(err, CERTMAP_ERR_USAGE, cfg->name, 0, NULL, NULL,
                          "%s can only be used at the server level, not for \"%s\"", s->path, norm);
        return NULL;
    }
    for (e = cfg->sections; e != NULL; e = e->next_section)
        if (e->section == s && strcasecmp(e->location, norm) == 0)
            return e;
    e = handle_new(cfg, H_SECTION);
    if (e == NULL || (e->location = arena_strdup(&cfg->arena, norm)) == NULL) {
        certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL, "out of memory");
        return NULL;
    }
    e->section = s;
    e->schema = s->elem;
    e->next_section = cfg->sections;
    cfg->sections = e;
    return e;
}

const char *
certmap_element_name(const struct certmap_element *e)
{
    return e != NULL ? e->schema->name : NULL;
}

static const char *
canonical(struct certmap_config *cfg, const struct schema_attr *sa, struct cattr *ca)
{
    const char *v = attr_value(cfg, ca);
    unsigned long long num;
    char canon[1024], msg[256];

    if (v == NULL)
        return "";
    switch (sa->type) {
    case ST_BOOL:
        if (value_parse(sa, v, strlen(v), NULL, 0, &num, msg, sizeof(msg)) == 0)
            return num ? "true" : "false";
        return v;
    case ST_ENUM:
        if (value_parse(sa, v, strlen(v), NULL, 0, &num, msg, sizeof(msg)) == 0)
            for (const struct schema_enum *en = sa->values; en->name != NULL; en++)
                if (en->value == num)
                    return en->name;
        return v;
    case ST_FLAGS:
        if (value_parse(sa, v, strlen(v), canon, sizeof(canon), &num, msg, sizeof(msg)) == 0) {
            const char *c = arena_strdup(&cfg->arena, canon);
            return c != NULL ? c : v;
        }
        return v;
    default:
        return v;
    }
}

const char *
certmap_element_get(const struct certmap_element *e, const char *attr)
{
    const struct schema_attr *sa;
    struct cattr *ca;

    if (e == NULL || attr == NULL)
        return NULL;
    sa = schema_attr_find(e->schema, attr);
    if (sa == NULL)
        return NULL;
    ca = effective_attr(e, attr, NULL);
    if (ca == NULL)
        return sa->def != NULL ? sa->def : "";
    return canonical(e->cfg, sa, ca);
}

bool
certmap_element_is_set(const struct certmap_element *e, const char *attr)
{
    return e != NULL && attr != NULL && effective_attr(e, attr, NULL) != NULL;
}

/* The effective text of a typed attribute, checked against wanted types. */
static const struct schema_attr *
typed(const struct certmap_element *e, const char *attr, unsigned types, const char **text,
      struct cnode **where, struct certmap_error *err)
{
    const struct schema_attr *sa;
    struct cattr *ca;

    if (e == NULL || attr == NULL) {
        certmap_error_set(err, CERTMAP_ERR_USAGE, NULL, 0, NULL, attr, "no element or attribute");
        return NULL;
    }
    sa = schema_attr_find(e->schema, attr);
    if (sa == NULL || !(types & (1u << sa->type))) {
        certmap_error_set(err, CERTMAP_ERR_USAGE, e->cfg->name, 0, e->schema->name, attr,
                          sa == NULL ? "no such attribute" : "attribute has another type");
        return NULL;
    }
    *where = NULL;
    ca = effective_attr(e, attr, where);
    *text = ca != NULL ? attr_value(e->cfg, ca) : (sa->def != NULL ? sa->def : "");
    if (*text == NULL) {
        certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL, "out of memory");
        return NULL;
    }
    return sa;
}

static int
typed_num(const struct certmap_element *e, const char *attr, unsigned types,
          unsigned long long *out, struct certmap_error *err)
{
    const struct schema_attr *sa;
    const char *text;
    struct cnode *where;
    char msg[768];

    sa = typed(e, attr, types, &text, &where, err);
    if (sa == NULL)
        return -1;
    if (value_parse(sa, text, strlen(text), NULL, 0, out, msg, sizeof(msg)) != 0) {
        err_at(e->cfg, err, CERTMAP_ERR_INVALID, where, attr, "%s", msg);
        return -1;
    }
    return 0;
}

int
certmap_element_get_bool(const struct certmap_element *e, const char *attr, bool *out,
                         struct certmap_error *err)
{
    unsigned long long v;

    if (typed_num(e, attr, 1u << ST_BOOL, &v, err) != 0)
        return -1;
    *out = v != 0;
    return 0;
}

int
certmap_element_get_uint(const struct certmap_element *e, const char *attr, unsigned long long *out,
                         struct certmap_error *err)
{
    return typed_num(e, attr, (1u << ST_UINT) | (1u << ST_INT64), out, err);
}

int
certmap_element_get_flags(const struct certmap_element *e, const char *attr, unsigned *out,
                          struct certmap_error *err)
{
    unsigned long long v;

    if (typed_num(e, attr, (1u << ST_ENUM) | (1u << ST_FLAGS), &v, err) != 0)
        return -1;
    *out = (unsigned)v;
    return 0;
}

int
certmap_element_get_secret(const struct certmap_element *e, const char *attr, char **plain,
                           struct certmap_error *err)
{
    const struct schema_attr *sa;
    const char *text;
    struct cnode *where;
    struct certmap_error kerr = {0};

    *plain = NULL;
    sa = typed(e, attr, 1u << ST_STRING, &text, &where, err);
    if (sa == NULL)
        return -1;
    if (!secret_is_envelope(text)) {
        *plain = strdup(text);
        if (*plain == NULL)
            return certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL, "out of memory");
        return 0;
    }
    if (config_load_key(e->cfg, false, &kerr) != 0) {
        err_at(e->cfg, err, kerr.kind, where, attr, "cannot decrypt: %s%s%s", kerr.file,
               kerr.file[0] ? ": " : "", kerr.message);
        return -1;
    }
    if (secret_decrypt(e->cfg->key, text, plain, &kerr) != 0) {
        err_at(e->cfg, err, CERTMAP_ERR_CRYPTO, where, attr,
               "cannot decrypt (wrong key file or damaged value): %s", kerr.message);
        *plain = NULL;
        return -1;
    }
    return 0;
}

int
certmap_element_source(const struct certmap_element *e, const char *attr, const char **file,
                       unsigned *line)
{
    struct cnode *where = NULL;
    struct cattr *ca;

    if (e == NULL)
        return -1;
    if (attr == NULL) {
        element_refresh((struct certmap_element *)e);
        where = e->local != NULL ? e->local : (e->nlevels ? e->levels[e->nlevels - 1] : NULL);
        if (where == NULL)
            return -1;
        *file = e->cfg->name;
        *line = where->line;
        return 0;
    }
    ca = effective_attr(e, attr, &where);
    if (ca == NULL)
        return -1;
    *file = e->cfg->name;
    *line = ca->line != 0 ? ca->line : where->line;
    return 0;
}

size_t
certmap_element_attr_count(const struct certmap_element *e)
{
    size_t n = 0;

    if (e == NULL)
        return 0;
    for (const struct schema_attr *a = e->schema->attrs; a != NULL && a->name != NULL; a++)
        n++;
    return n;
}

const char *
certmap_element_attr_name(const struct certmap_element *e, size_t i)
{
    return i < certmap_element_attr_count(e) ? e->schema->attrs[i].name : NULL;
}

/* Checks and converts a value to what is stored; *stored is malloc'd. */
static int
store_form(struct certmap_element *e, const struct schema_attr *sa, const char *value,
           char **stored, unsigned char keydigest[32], bool *has_key, struct certmap_error *err)
{
    struct certmap_config *cfg = e->cfg;
    char canon[1024], msg[768];
    unsigned long long num;

    *has_key = false;
    if (value_parse(sa, value, strlen(value), canon, sizeof(canon), &num, msg, sizeof(msg)) != 0) {
        certmap_error_set(err, CERTMAP_ERR_INVALID, cfg->name, 0, e->schema->name, sa->name, "%s",
                          msg);
        return -1;
    }
    if (sa->type != ST_STRING) {
        *stored = strdup(canon);
        goto done;
    }
    if (sa->flags & SA_CERT) {
        unsigned char *der = NULL;
        size_t der_len = 0;
        struct certmap_error ce = {0};
        if (certmap_cert_decode(value, strlen(value), &der, &der_len, &ce) != 0) {
            certmap_error_set(err, CERTMAP_ERR_INVALID, cfg->name, 0, e->schema->name, sa->name,
                              "%s%s", cert_msg_prefix(ce.message), ce.message);
            return -1;
        }
        *stored = certmap_cert_to_iis_string(der, der_len);
        certmap_cert_sha256(der, der_len, keydigest);
        *has_key = true;
        free(der);
        goto done;
    }
    if ((sa->flags & SA_ENCRYPTED) && value[0] != '\0') {
        struct certmap_error ke = {0};
        char *check = NULL;
        if (config_load_key(cfg, !secret_is_envelope(value), &ke) != 0) {
            certmap_error_set(err, ke.kind, cfg->name, 0, e->schema->name, sa->name, "%s%s%s",
                              ke.file, ke.file[0] ? ": " : "", ke.message);
            return -1;
        }
        if (secret_is_envelope(value)) {
            /* an envelope given as is must be one this key opens */
            if (secret_decrypt(cfg->key, value, &check, &ke) != 0) {
                certmap_error_set(err, CERTMAP_ERR_CRYPTO, cfg->name, 0, e->schema->name, sa->name,
                                  "envelope does not decrypt with %s: %s", cfg->key_file,
                                  ke.message);
                return -1;
            }
            secret_free(check);
            *stored = strdup(value);
        } else if (secret_encrypt(cfg->key, value, stored, &ke) != 0) {
            certmap_error_set(err, ke.kind, cfg->name, 0, e->schema->name, sa->name, "%s",
                              ke.message);
            return -1;
        }
        goto done;
    }
    *stored = strdup(value);
done:
    if (*stored == NULL)
        return certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL, "out of memory");
    return 0;
}

int
certmap_element_set(struct certmap_element *e, const char *attr, const char *value,
                    struct certmap_error *err)
{
    const struct schema_attr *sa;
    char *stored = NULL;
    unsigned char digest[32];
    bool has_key;
    int ret = -1;

    if (e == NULL || attr == NULL || value == NULL)
        return certmap_error_set(err, CERTMAP_ERR_USAGE, NULL, 0, NULL, attr,
                                 "no element, attribute or value");
    sa = schema_attr_find(e->schema, attr);
    if (sa == NULL) {
        const char *sugg = schema_suggest_attr(e->schema, attr);
        return certmap_error_set(err, CERTMAP_ERR_USAGE, e->cfg->name, 0, e->schema->name, attr,
                                 "unknown attribute%s%s%s", sugg ? " (did you mean \"" : "",
                                 sugg ? sugg : "", sugg ? "\"?)" : "");
    }
    if (store_form(e, sa, value, &stored, digest, &has_key, err) != 0)
        goto out;
    if ((sa->flags & SA_KEY) && e->kind == H_ITEM && !(e->item->flags & CN_DETACHED)) {
        /* changing the key of an added item must not create a duplicate */
        struct certmap_collection *c = e->owner;
        struct cnode probe = {0};
        unsigned char *pk = NULL;
        char msg[256];
        if (c != NULL) {
            if (has_key) {
                probe.key = digest;
                probe.klen = 32;
            } else {
                size_t vl = strlen(value);
                pk = malloc(vl + 2);
                if (pk == NULL)
                    goto nomem;
                for (size_t i = 0; i < vl; i++)
                    pk[i] = (unsigned char)tolower_ascii((unsigned char)value[i]);
                pk[vl] = '\n';
                probe.key = pk;
                probe.klen = (uint32_t)vl + 1;
            }
            certmap_collection_count(c);
            for (size_t i = 0; i < c->n && c->schema->item->attrs != NULL; i++) {
                struct cnode *o = c->nodes[i];
                if (o == e->item || item_key(e->cfg, c->schema, o, msg, sizeof(msg)) != 0)
                    continue;
                /* single-attribute keys only: composite keys are checked on commit */
                if (o->klen == probe.klen && memcmp(o->key, probe.key, probe.klen) == 0) {
                    err_at(e->cfg, err, CERTMAP_ERR_INVALID, o, attr,
                           "another item already has this %s", attr);
                    free(pk);
                    goto out;
                }
            }
            free(pk);
        }
    }
    if (element_ensure_local(e, err) != 0)
        goto out;
    if (node_set_attr(e->cfg, e->local, sa->name, stored, strlen(stored)) != 0)
        goto nomem;
    if (sa->flags & SA_KEY) {
        e->local->flags &= ~CN_KEYED;
        if (has_key) {
            unsigned char *k = arena_alloc(&e->cfg->arena, 32);
            if (k != NULL) {
                memcpy(k, digest, 32);
                e->local->key = k;
                e->local->klen = 32;
                e->local->flags |= CN_KEYED;
            }
        }
    }
    ret = 0;
    goto out;
nomem:
    certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL, "out of memory");
out:
    if (stored != NULL) {
        OPENSSL_cleanse(stored, strlen(stored));
        free(stored);
    }
    return ret;
}

int
certmap_element_set_bool(struct certmap_element *e, const char *attr, bool value,
                         struct certmap_error *err)
{
    return certmap_element_set(e, attr, value ? "true" : "false", err);
}

int
certmap_element_set_uint(struct certmap_element *e, const char *attr, unsigned long long value,
                         struct certmap_error *err)
{
    char buf[32];

    snprintf(buf, sizeof(buf), "%llu", value);
    return certmap_element_set(e, attr, buf, err);
}

int
certmap_element_unset(struct certmap_element *e, const char *attr, struct certmap_error *err)
{
    const struct schema_attr *sa;

    if (e == NULL || attr == NULL)
        return certmap_error_set(err, CERTMAP_ERR_USAGE, NULL, 0, NULL, attr, "no attribute");
    sa = schema_attr_find(e->schema, attr);
    if (sa == NULL)
        return certmap_error_set(err, CERTMAP_ERR_USAGE, e->cfg->name, 0, e->schema->name, attr,
                                 "unknown attribute");
    if (e->kind == H_ITEM && (sa->flags & (SA_KEY | SA_REQUIRED)))
        return certmap_error_set(err, CERTMAP_ERR_USAGE, e->cfg->name, 0, e->schema->name, attr,
                                 "a required attribute of an item cannot be unset");
    element_refresh(e);
    if (e->local != NULL)
        node_unset_attr(e->local, sa->name);
    return 0;
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
    ce = schema_child_find(e->schema, name);
    if (ce == NULL) {
        const char *sugg = schema_suggest_child(e->schema, name);
        certmap_error_set(err, CERTMAP_ERR_USAGE, e->cfg->name, 0, e->schema->name, NULL,
                          "no child element <%s>%s%s%s", name, sugg ? " (did you mean <" : "",
                          sugg ? sugg : "", sugg ? ">?)" : "");
        return NULL;
    }
    for (k = e->first_kid; k != NULL; k = k->next_kid)
        if (strcmp(k->child_name, name) == 0)
            return k;
    k = handle_new(e->cfg, H_CHILD);
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
