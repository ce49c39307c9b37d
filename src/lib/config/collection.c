/*
 * collection.c - effective items of a collection and item keys.
 *
 * A collection at a location is the parent location's items, then this
 * location's <clear/>, <remove> and <add> elements in order.  Keys compare
 * case-insensitively as IIS does for names and paths; a certificate key is
 * compared as DER (through its SHA-256), so PEM, base64 with line breaks and
 * IIS's single-line form of one certificate are the same key.
 */
#include "config/collection.h"

#include "config/arena.h"
#include "config/tree.h"
#include "config/document.h"
#include "config/schema.h"
#include "config/diag.h"
#include "config/location.h"
#include "config/handle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "certmap/cert.h"

static bool
cert_keyed(const struct schema_coll *sc)
{
    for (const struct schema_attr *a = sc->item->attrs; a->name != NULL; a++)
        if ((a->flags & SA_KEY) && (a->flags & SA_CERT))
            return true;
    return false;
}

static size_t
key_attr_count(const struct schema_coll *sc)
{
    size_t n = 0;

    for (const struct schema_attr *a = sc->item->attrs; a->name != NULL; a++)
        n += (a->flags & SA_KEY) != 0;
    return n;
}

/* Most key attributes a collection has (binding: protocol and bindingInformation). */
#define KEY_ATTRS_MAX 4

/*
 * The one key encoder: the key of an item whose key attributes (in schema
 * order) hold vals[i] (lens[i] bytes), as a malloc'd *key of *klen bytes.  A
 * certificate key is the SHA-256 of its DER, so that every spelling of one
 * certificate is one key; other values are lowercased, as IIS compares names
 * and paths, each followed by '\n'.  -1 and msg when a certificate does not
 * decode or memory runs out.
 */
static int
key_encode(const struct schema_coll *sc, const char *const *vals, const size_t *lens, size_t n,
           unsigned char **key, uint32_t *klen, char *msg, size_t msgsize)
{
    size_t total = 0, off = 0;

    *key = NULL;
    if (cert_keyed(sc)) {
        struct certmap_error e = {0};
        unsigned char *der = NULL;
        size_t der_len = 0;
        if (certmap_cert_decode(vals[0], lens[0], &der, &der_len, &e) != 0) {
            snprintf(msg, msgsize, "%s%s", cert_msg_prefix(e.message), e.message);
            return -1;
        }
        *key = malloc(32);
        if (*key != NULL)
            certmap_cert_sha256(der, der_len, *key);
        free(der);
        if (*key == NULL) {
            snprintf(msg, msgsize, "out of memory");
            return -1;
        }
        *klen = 32;
        return 0;
    }
    for (size_t i = 0; i < n; i++)
        total += lens[i] + 1;
    *key = malloc(total + 1);
    if (*key == NULL) {
        snprintf(msg, msgsize, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < lens[i]; j++)
            (*key)[off++] = (unsigned char)tolower_ascii((unsigned char)vals[i][j]);
        (*key)[off++] = '\n';
    }
    *klen = (uint32_t)off;
    return 0;
}

int
cfg_item_key(struct certmap_config *cfg, const struct schema_coll *sc, struct cnode *n, char *msg,
             size_t msgsize)
{
    const char *vals[KEY_ATTRS_MAX];
    size_t lens[KEY_ATTRS_MAX], nv = 0;
    unsigned char *key = NULL, *copy;
    uint32_t klen;

    if (n->flags & CN_KEYED)
        return 0;
    for (const struct schema_attr *a = sc->item->attrs; a->name != NULL; a++) {
        struct cattr *ca;
        if (!(a->flags & SA_KEY) || nv == KEY_ATTRS_MAX)
            continue;
        ca = cfg_node_attr(n, a->name);
        if (ca == NULL && !(a->flags & SA_REQUIRED) && a->def != NULL) {
            /* an optional key part (authorization's roles, verbs) keys as its default */
            vals[nv] = a->def;
            lens[nv++] = strlen(a->def);
            continue;
        }
        if (ca == NULL) {
            snprintf(msg, msgsize, "key attribute %s missing", a->name);
            return -1;
        }
        vals[nv] = ca->value ? ca->value : ca->ref;
        lens[nv++] = ca->len;
    }
    if (key_encode(sc, vals, lens, nv, &key, &klen, msg, msgsize) != 0)
        return -1;
    copy = cfg_arena_alloc(&cfg->arena, klen > 0 ? klen : 1);
    if (copy == NULL) {
        free(key);
        snprintf(msg, msgsize, "out of memory");
        return -1;
    }
    memcpy(copy, key, klen);
    free(key);
    n->key = copy;
    n->klen = klen;
    n->flags |= CN_KEYED;
    return 0;
}

static uint64_t
key_hash(const unsigned char *k, size_t len)
{
    uint64_t h = 1469598103934665603ULL;

    for (size_t i = 0; i < len; i++) {
        h ^= k[i];
        h *= 1099511628211ULL;
    }
    return h;
}

#define SLOT_EMPTY ((size_t)0)
#define SLOT_DEAD ((size_t)-1)

struct table {
    size_t *slot; /* item index + 1, SLOT_EMPTY or SLOT_DEAD */
    size_t mask;
};

/* Index of the item with n's key, or (size_t)-1; *free_slot gets where to insert. */
static size_t
table_find(const struct table *t, struct cnode *const *items, const struct cnode *n,
           size_t *free_slot)
{
    size_t i = (size_t)key_hash(n->key, n->klen) & t->mask, first_dead = (size_t)-1;

    for (;;) {
        size_t s = t->slot[i];
        if (s == SLOT_EMPTY) {
            *free_slot = first_dead != (size_t)-1 ? first_dead : i;
            return (size_t)-1;
        }
        if (s == SLOT_DEAD) {
            if (first_dead == (size_t)-1)
                first_dead = i;
        } else {
            const struct cnode *o = items[s - 1];
            if (o != NULL && o->klen == n->klen && memcmp(o->key, n->key, n->klen) == 0) {
                *free_slot = i;
                return s - 1;
            }
        }
        i = (i + 1) & t->mask;
    }
}

static void
describe_key(struct certmap_config *cfg, const struct schema_coll *sc, struct cnode *n, char *buf,
             size_t size)
{
    size_t off = 0;

    buf[0] = '\0';
    for (const struct schema_attr *a = sc->item->attrs; a->name != NULL && off < size; a++) {
        struct cattr *ca;
        int w;
        if (!(a->flags & SA_KEY))
            continue;
        ca = cfg_node_attr(n, a->name);
        if (a->flags & SA_CERT)
            w = snprintf(buf + off, size - off, "%scertificate", off ? " " : "");
        else
            w = snprintf(buf + off, size - off, "%s%s=\"%.100s\"", off ? " " : "", a->name,
                         ca ? cfg_attr_value(cfg, ca) : "");
        if (w < 0)
            break;
        off += (size_t)w;
    }
}

static void
report_dup(struct certmap_config *cfg, const struct schema_coll *sc, struct certmap_diags *d,
           struct cnode *dup, struct cnode *first, bool inherited)
{
    char what[400];

    describe_key(cfg, sc, dup, what, sizeof(what));
    if (inherited) {
        const struct cloc *l = cfg_loc_of(cfg, first);
        cfg_diag(cfg, d, CERTMAP_SEV_ERROR, dup->line, dup->name, NULL,
                 "duplicate %s: already added at line %u (inherited from %s%s%s)", what,
                 first->line, l && l->path[0] ? "location \"" : "the server level",
                 l ? l->path : "", l && l->path[0] ? "\"" : "");
    } else {
        cfg_diag(cfg, d, CERTMAP_SEV_ERROR, dup->line, dup->name, NULL,
                 "duplicate %s: already added at line %u", what, first->line);
    }
}

struct cnode **
cfg_coll_effective(struct certmap_config *cfg, const struct schema_coll *sc,
                   struct cnode *const *containers, size_t ncont, struct certmap_diags *diags,
                   enum coll_report report, size_t *count, bool *oom)
{
    struct cnode **items = NULL;
    uint32_t *from = NULL;
    struct table t = {0};
    size_t total = 0, n = 0, cap = 16;
    char msg[256];

    *count = 0;
    *oom = false;
    for (size_t ci = 0; ci < ncont; ci++)
        for (struct cnode *c = containers[ci]->first; c != NULL; c = c->next)
            total++;
    if (total == 0)
        return NULL;
    while (cap < total * 2)
        cap *= 2;
    t.slot = calloc(cap, sizeof(*t.slot));
    t.mask = cap - 1;
    items = malloc(total * sizeof(*items));
    from = malloc(total * sizeof(*from));
    if (t.slot == NULL || items == NULL || from == NULL) {
        *oom = true;
        goto fail;
    }
    for (size_t ci = 0; ci < ncont; ci++) {
        for (struct cnode *c = containers[ci]->first; c != NULL; c = c->next) {
            size_t idx, slot;
            if (!cfg_node_live(c))
                continue;
            if (sc->clear != NULL && strcmp(c->name, sc->clear) == 0) {
                n = 0;
                memset(t.slot, 0, cap * sizeof(*t.slot));
                continue;
            }
            if (sc->remove != NULL && strcmp(c->name, sc->remove) == 0) {
                if (cfg_item_key(cfg, sc, c, msg, sizeof(msg)) != 0)
                    continue;
                idx = table_find(&t, items, c, &slot);
                if (idx != (size_t)-1) {
                    items[idx] = NULL;
                    t.slot[slot] = SLOT_DEAD;
                }
                continue;
            }
            if (strcmp(c->name, sc->add) != 0)
                continue;
            if (cfg_item_key(cfg, sc, c, msg, sizeof(msg)) != 0) {
                /* invalid key: reported by validation; kept so that nothing is hidden */
                from[n] = (uint32_t)ci;
                items[n++] = c;
                continue;
            }
            idx = table_find(&t, items, c, &slot);
            if (idx != (size_t)-1) {
                if (report == REPORT_SAME && from[idx] == ci)
                    report_dup(cfg, sc, diags, c, items[idx], false);
                else if (report == REPORT_INHERITED && from[idx] != ci && ci == ncont - 1)
                    report_dup(cfg, sc, diags, c, items[idx], true);
                continue;
            }
            t.slot[slot] = n + 1;
            from[n] = (uint32_t)ci;
            items[n++] = c;
        }
    }
    {
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (items[i] != NULL)
                items[k++] = items[i];
        n = k;
    }
    free(t.slot);
    free(from);
    if (n == 0) {
        free(items);
        return NULL;
    }
    *count = n;
    return items;
fail:
    free(t.slot);
    free(from);
    free(items);
    return NULL;
}

/* ---- the public collection API ---- */

/*
 * Recomputes c's effective items when the tree changed.  0, or -1 when memory
 * ran out: c then holds no items and c->failed is set until a refresh
 * succeeds (certmap_collection_error() reports it).
 */
static int
coll_refresh(struct certmap_collection *c)
{
    struct certmap_config *cfg = c->container->cfg;
    struct cnode **nodes;
    struct certmap_element **handles = NULL;
    size_t n = 0, j = 0;
    bool oom = false;

    if (cfg_element_refresh(c->container) != 0)
        goto fail;
    if (c->fresh && c->gen == cfg->gen)
        return 0;
    nodes = cfg_coll_effective(cfg, c->schema, c->container->levels, c->container->nlevels, NULL,
                               REPORT_NONE, &n, &oom);
    if (oom)
        goto fail;
    if (n > 0) {
        handles = calloc(n, sizeof(*handles));
        if (handles == NULL) {
            free(nodes);
            goto fail;
        }
    }
    /* keep the handles of items that are still there (the usual change appends or drops one) */
    for (size_t i = 0; i < n && c->handles != NULL; i++) {
        for (size_t k = j; k < c->n && k < j + 8; k++)
            if (c->nodes[k] == nodes[i]) {
                handles[i] = c->handles[k];
                j = k + 1;
                break;
            }
    }
    free(c->nodes);
    free(c->handles);
    c->nodes = nodes;
    c->handles = handles;
    c->n = n;
    for (size_t i = 0; i < n; i++)
        if (handles[i] != NULL) {
            handles[i]->inherited = nodes[i]->parent != c->container->local;
            handles[i]->fresh = false;
        }
    c->gen = cfg->gen;
    c->fresh = true;
    c->failed = false;
    return 0;
fail:
    free(c->nodes);
    free(c->handles);
    c->nodes = NULL;
    c->handles = NULL;
    c->n = 0;
    c->fresh = false;
    c->failed = true;
    return -1;
}

int
certmap_collection_error(const struct certmap_collection *c, struct certmap_error *err)
{
    if (c == NULL)
        return certmap_error_set(err, CERTMAP_ERR_USAGE, NULL, 0, NULL, NULL, "no collection");
    if (c->failed)
        return certmap_error_set(err, CERTMAP_ERR_NOMEM, c->container->cfg->name, 0, c->schema->add,
                                 NULL, "out of memory");
    return 0;
}

struct certmap_collection *
certmap_element_collection(struct certmap_element *e, const char *name, struct certmap_error *err)
{
    struct certmap_element *container = e;
    const struct schema_coll *sc;
    struct certmap_collection *c;

    if (e == NULL) {
        certmap_error_set(err, CERTMAP_ERR_USAGE, NULL, 0, NULL, NULL, "no element");
        return NULL;
    }
    if (name != NULL) {
        const struct schema_elem *ce = cfg_schema_child_find(e->schema, name);
        if (ce == NULL || ce->coll == NULL) {
            certmap_error_set(err, CERTMAP_ERR_USAGE, e->cfg->name, 0, e->schema->name, NULL,
                              "<%s> has no collection \"%s\"", e->schema->name, name);
            return NULL;
        }
        container = certmap_element_child(e, name, err);
        if (container == NULL)
            return NULL;
        sc = ce->coll;
    } else {
        sc = e->schema->coll;
        if (sc == NULL) {
            certmap_error_set(err, CERTMAP_ERR_USAGE, e->cfg->name, 0, e->schema->name, NULL,
                              "<%s> has no default collection", e->schema->name);
            return NULL;
        }
    }
    for (c = e->colls; c != NULL; c = c->next_of)
        if (c->schema == sc)
            return c;
    c = calloc(1, sizeof(*c));
    if (c == NULL) {
        certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL, "out of memory");
        return NULL;
    }
    c->container = container;
    c->schema = sc;
    c->name = name != NULL ? sc->item->name : NULL;
    c->next = e->cfg->colls;
    e->cfg->colls = c;
    c->next_of = e->colls;
    e->colls = c;
    return c;
}

size_t
certmap_collection_count(const struct certmap_collection *c)
{
    if (c == NULL || coll_refresh((struct certmap_collection *)c) != 0)
        return 0;
    return c->n;
}

static struct certmap_element *
item_handle(struct certmap_collection *c, size_t i)
{
    struct certmap_element *h;

    if (c->handles[i] != NULL)
        return c->handles[i];
    h = cfg_handle_new(c->container->cfg, H_ITEM);
    if (h == NULL)
        return NULL;
    h->schema = c->schema->item;
    h->item = c->nodes[i];
    h->owner = c;
    h->location = c->container->location;
    h->inherited = c->nodes[i]->parent != c->container->local;
    c->handles[i] = h;
    return h;
}

struct certmap_element *
certmap_collection_item(const struct certmap_collection *cc, size_t i)
{
    struct certmap_collection *c = (struct certmap_collection *)cc;

    if (c == NULL || coll_refresh(c) != 0)
        return NULL;
    return i < c->n ? item_handle(c, i) : NULL;
}

struct certmap_element *
certmap_collection_find(const struct certmap_collection *cc, const char *key)
{
    struct certmap_collection *c = (struct certmap_collection *)cc;
    struct certmap_config *cfg;
    const char *vals[KEY_ATTRS_MAX];
    size_t lens[KEY_ATTRS_MAX], nv = 0, nkeys;
    unsigned char *probe = NULL;
    uint32_t plen = 0;
    struct certmap_element *found = NULL;
    char msg[256];

    if (c == NULL || key == NULL)
        return NULL;
    cfg = c->container->cfg;
    if (coll_refresh(c) != 0)
        return NULL;
    /* composite keys (binding) are given as "protocol|bindingInformation" */
    nkeys = key_attr_count(c->schema);
    for (const char *p = key;;) {
        const char *bar = nv + 1 < nkeys ? strchr(p, '|') : NULL;
        if (nv == KEY_ATTRS_MAX)
            return NULL;
        vals[nv] = p;
        lens[nv++] = bar != NULL ? (size_t)(bar - p) : strlen(p);
        if (bar == NULL)
            break;
        p = bar + 1;
    }
    if (key_encode(c->schema, vals, lens, nv, &probe, &plen, msg, sizeof(msg)) != 0)
        return NULL;
    for (size_t i = 0; i < c->n; i++) {
        struct cnode *n = c->nodes[i];
        if (cfg_item_key(cfg, c->schema, n, msg, sizeof(msg)) != 0)
            continue;
        if (n->klen == plen && memcmp(n->key, probe, plen) == 0) {
            found = item_handle(c, i);
            break;
        }
    }
    free(probe);
    return found;
}

/*
 * Another effective item of c than except whose key equals the key that
 * value gives.  Single-attribute keys only: composite keys are checked on
 * commit.  0 and *other (NULL when none), or -1 and msg.
 */
int
cfg_coll_key_clash(struct certmap_collection *c, const struct cnode *except, const char *value,
                   struct cnode **other, char *msg, size_t msgsize)
{
    struct certmap_config *cfg = c->container->cfg;
    size_t len = strlen(value);
    unsigned char *probe = NULL;
    uint32_t plen;

    *other = NULL;
    if (key_attr_count(c->schema) != 1)
        return 0;
    if (key_encode(c->schema, &value, &len, 1, &probe, &plen, msg, msgsize) != 0)
        return -1;
    if (coll_refresh(c) != 0) {
        free(probe);
        snprintf(msg, msgsize, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < c->n; i++) {
        struct cnode *o = c->nodes[i];
        char kmsg[256];
        if (o == except || cfg_item_key(cfg, c->schema, o, kmsg, sizeof(kmsg)) != 0)
            continue;
        if (o->klen == plen && memcmp(o->key, probe, plen) == 0) {
            *other = o;
            break;
        }
    }
    free(probe);
    return 0;
}

struct certmap_element *
certmap_collection_create_element(struct certmap_collection *c, const char *add_name,
                                  struct certmap_error *err)
{
    struct certmap_config *cfg;
    struct certmap_element *h;
    struct cnode *n;

    if (c == NULL) {
        certmap_error_set(err, CERTMAP_ERR_USAGE, NULL, 0, NULL, NULL, "no collection");
        return NULL;
    }
    cfg = c->container->cfg;
    if (add_name != NULL && strcmp(add_name, c->schema->add) != 0) {
        certmap_error_set(err, CERTMAP_ERR_USAGE, cfg->name, 0, c->schema->add, NULL,
                          "this collection's items are <%s>, not <%s>", c->schema->add, add_name);
        return NULL;
    }
    n = cfg_node_new(cfg, c->schema->add, c->schema->item);
    h = n != NULL ? cfg_handle_new(cfg, H_ITEM) : NULL;
    if (h == NULL) {
        certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL, "out of memory");
        return NULL;
    }
    n->flags |= CN_DETACHED;
    h->schema = c->schema->item;
    h->item = n;
    h->owner = c;
    h->location = c->container->location;
    return h;
}

int
certmap_collection_add(struct certmap_collection *c, struct certmap_element *item,
                       struct certmap_error *err)
{
    struct certmap_config *cfg;
    char msg[256];

    if (c == NULL || item == NULL || item->kind != H_ITEM)
        return certmap_error_set(err, CERTMAP_ERR_USAGE, NULL, 0, NULL, NULL, "no item");
    cfg = c->container->cfg;
    if (item->owner != c || !(item->item->flags & CN_DETACHED))
        return certmap_error_set(err, CERTMAP_ERR_USAGE, cfg->name, 0, item->schema->name, NULL,
                                 "the item was not created by this collection or is already added");
    for (const struct schema_attr *a = c->schema->item->attrs; a->name != NULL; a++)
        if ((a->flags & SA_REQUIRED || ((a->flags & SA_KEY) && a->def == NULL)) &&
            cfg_node_attr(item->item, a->name) == NULL)
            return certmap_error_set(err, CERTMAP_ERR_INVALID, cfg->name, 0, item->schema->name,
                                     a->name, "required attribute missing");
    if (cfg_item_key(cfg, c->schema, item->item, msg, sizeof(msg)) != 0)
        return certmap_error_set(err, CERTMAP_ERR_INVALID, cfg->name, 0, item->schema->name, NULL,
                                 "%s", msg);
    if (coll_refresh(c) != 0)
        return certmap_error_set(err, CERTMAP_ERR_NOMEM, cfg->name, 0, item->schema->name, NULL,
                                 "out of memory");
    for (size_t i = 0; i < c->n; i++) {
        struct cnode *o = c->nodes[i];
        char what[400];
        if (cfg_item_key(cfg, c->schema, o, msg, sizeof(msg)) != 0)
            continue;
        if (o->klen == item->item->klen && memcmp(o->key, item->item->key, o->klen) == 0) {
            const struct cloc *l = cfg_loc_of(cfg, o);
            describe_key(cfg, c->schema, o, what, sizeof(what));
            certmap_error_set(err, CERTMAP_ERR_INVALID, cfg->name, o->line, o->name, NULL,
                              "duplicate %s: already present%s%s%s", what,
                              o->parent != c->container->local ? " (inherited from " : "",
                              o->parent != c->container->local
                                  ? (l && l->path[0] ? l->path : "the server level")
                                  : "",
                              o->parent != c->container->local ? ")" : "");
            return -1;
        }
    }
    if (cfg_element_ensure_local(c->container, err) != 0)
        return -1;
    cfg_node_append(c->container->local, item->item);
    item->item->flags &= ~CN_DETACHED;
    item->inherited = false;
    item->fresh = false;
    cfg->gen++;
    return 0;
}

/* true when n is one of c's effective items */
static bool
coll_has(const struct certmap_collection *c, const struct cnode *n)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->nodes[i] == n)
            return true;
    return false;
}

int
certmap_collection_remove(struct certmap_collection *c, struct certmap_element *item,
                          struct certmap_error *err)
{
    struct certmap_config *cfg;
    struct cnode *r;

    if (c == NULL || item == NULL || item->kind != H_ITEM)
        return certmap_error_set(err, CERTMAP_ERR_USAGE, NULL, 0, NULL, NULL, "no item");
    cfg = c->container->cfg;
    if (coll_refresh(c) != 0)
        return certmap_error_set(err, CERTMAP_ERR_NOMEM, cfg->name, 0, item->schema->name, NULL,
                                 "out of memory");
    if (!coll_has(c, item->item))
        return certmap_error_set(err, CERTMAP_ERR_USAGE, cfg->name, 0, item->schema->name, NULL,
                                 "the item is not in this collection");
    if (item->item->parent == c->container->local) {
        cfg_node_delete(cfg, item->item);
        cfg->gen++;
        return 0;
    }
    if (c->schema->remove == NULL)
        return certmap_error_set(err, CERTMAP_ERR_USAGE, cfg->name, item->item->line,
                                 item->schema->name, NULL,
                                 "the item is inherited and <%s> has no remove element: clear the "
                                 "collection instead",
                                 c->container->schema->name);
    if (cfg_element_ensure_local(c->container, err) != 0)
        return -1;
    r = cfg_node_new(cfg, c->schema->remove, NULL);
    if (r == NULL)
        return certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL, "out of memory");
    for (const struct schema_attr *a = c->schema->item->attrs; a->name != NULL; a++) {
        struct cattr *ca;
        const char *v;
        if (!(a->flags & SA_KEY))
            continue;
        ca = cfg_node_attr(item->item, a->name);
        v = ca != NULL ? cfg_attr_value(cfg, ca) : NULL;
        if (v == NULL || cfg_node_set_attr(cfg, r, a->name, v, strlen(v)) != 0)
            return certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL, "out of memory");
    }
    if (item->item->flags & CN_KEYED) {
        r->key = item->item->key;
        r->klen = item->item->klen;
        r->flags |= CN_KEYED;
    }
    cfg_node_append(c->container->local, r);
    cfg->gen++;
    return 0;
}

int
certmap_collection_clear(struct certmap_collection *c, struct certmap_error *err)
{
    struct certmap_config *cfg;
    const struct schema_coll *sc;
    struct cnode *cl;

    if (c == NULL)
        return certmap_error_set(err, CERTMAP_ERR_USAGE, NULL, 0, NULL, NULL, "no collection");
    cfg = c->container->cfg;
    sc = c->schema;
    if (sc->clear == NULL)
        return certmap_error_set(err, CERTMAP_ERR_USAGE, cfg->name, 0, sc->add, NULL,
                                 "this collection cannot be cleared");
    if (cfg_element_ensure_local(c->container, err) != 0)
        return -1;
    for (struct cnode *n = c->container->local->first, *next; n != NULL; n = next) {
        next = n->next;
        if (cfg_node_live(n) && (strcmp(n->name, sc->add) == 0 ||
                                 (sc->remove != NULL && strcmp(n->name, sc->remove) == 0) ||
                                 strcmp(n->name, sc->clear) == 0))
            cfg_node_delete(cfg, n);
    }
    cl = cfg_node_new(cfg, sc->clear, NULL);
    if (cl == NULL)
        return certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL, "out of memory");
    cfg_node_prepend(c->container->local, cl);
    cfg->gen++;
    return 0;
}
