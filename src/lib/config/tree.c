/*
 * tree.c - the element tree: nodes, their attributes, and the edits the
 * element API makes to them (save.c writes the tree back as text).
 */
#include "config/tree.h"

#include <stdlib.h>
#include <string.h>

#include "config/arena.h"
#include "config/document.h"

struct cnode *
cfg_node_new(struct certmap_config *cfg, const char *name, const struct schema_elem *schema)
{
    struct cnode *n = cfg_arena_alloc(&cfg->arena, sizeof(*n));

    if (n == NULL)
        return NULL;
    memset(n, 0, sizeof(*n));
    n->name = name;
    n->schema = schema;
    return n;
}

void
cfg_node_append(struct cnode *parent, struct cnode *child)
{
    child->parent = parent;
    child->next = NULL;
    child->prev = parent->last;
    if (parent->last != NULL)
        parent->last->next = child;
    else
        parent->first = child;
    parent->last = child;
}

void
cfg_node_prepend(struct cnode *parent, struct cnode *child)
{
    child->parent = parent;
    child->prev = NULL;
    child->next = parent->first;
    if (parent->first != NULL)
        parent->first->prev = child;
    else
        parent->last = child;
    parent->first = child;
}

struct cattr *
cfg_node_attr(const struct cnode *n, const char *name)
{
    for (uint32_t i = 0; i < n->nattrs; i++)
        if (strcmp(n->attrs[i].name, name) == 0)
            return &n->attrs[i];
    return NULL;
}

const char *
cfg_attr_value(struct certmap_config *cfg, struct cattr *a)
{
    if (a->value == NULL && a->ref != NULL)
        a->value = cfg_arena_strndup(&cfg->arena, a->ref, a->len);
    return a->value;
}

int
cfg_node_set_attr(struct certmap_config *cfg, struct cnode *n, const char *name, const char *value,
                  size_t len)
{
    struct cattr *a = cfg_node_attr(n, name);
    char *v = cfg_arena_strndup(&cfg->arena, value, len);

    if (v == NULL)
        return -1;
    if (a == NULL) {
        if (n->nattrs == n->cap) {
            uint32_t ncap = n->cap ? n->cap * 2 : 4;
            struct cattr *p = cfg_arena_alloc(&cfg->arena, ncap * sizeof(*p));
            if (p == NULL)
                return -1;
            if (n->nattrs > 0)
                memcpy(p, n->attrs, n->nattrs * sizeof(*p));
            n->attrs = p;
            n->cap = ncap;
        }
        a = &n->attrs[n->nattrs++];
        a->name = name;
        a->line = 0;
    } else if (a->len == len && a->value != NULL && memcmp(a->value, value, len) == 0) {
        return 0; /* unchanged: keep the original bytes */
    } else if (a->len == len && a->ref != NULL && memcmp(a->ref, value, len) == 0) {
        return 0;
    }
    a->value = v;
    a->ref = NULL;
    a->len = (uint32_t)len;
    n->flags |= CN_DIRTY;
    return 0;
}

void
cfg_node_unset_attr(struct cnode *n, const char *name)
{
    for (uint32_t i = 0; i < n->nattrs; i++)
        if (strcmp(n->attrs[i].name, name) == 0) {
            memmove(&n->attrs[i], &n->attrs[i + 1], (n->nattrs - i - 1) * sizeof(*n->attrs));
            n->nattrs--;
            n->flags |= CN_DIRTY;
            return;
        }
}

struct cnode *
cfg_node_child(const struct cnode *n, const char *name)
{
    for (struct cnode *c = n->first; c != NULL; c = c->next)
        if (cfg_node_live(c) && strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

void
cfg_node_delete(struct certmap_config *cfg, struct cnode *n)
{
    (void)cfg;
    if (n->flags & CN_ORIG) {
        n->flags |= CN_DELETED;
        return;
    }
    if (n->prev != NULL)
        n->prev->next = n->next;
    else if (n->parent != NULL)
        n->parent->first = n->next;
    if (n->next != NULL)
        n->next->prev = n->prev;
    else if (n->parent != NULL)
        n->parent->last = n->prev;
    n->parent = n->next = n->prev = NULL;
    n->flags |= CN_DELETED;
}

/*
 * The attribute values of the tree under n that still point into the text,
 * in document order, hence in increasing text order: check (mv NULL) that
 * they do, or move each down to text + *w (*w grows by its length).  Values
 * of CN_FACTS items' keys are dropped instead: the facts replace them.
 */
static bool
pack_walk(struct cnode *n, const char *text, size_t text_len, char *mv, size_t *w)
{
    for (; n != NULL; n = n->next) {
        for (uint32_t i = 0; i < n->nattrs; i++) {
            struct cattr *a = &n->attrs[i];
            if (a->value != NULL || a->ref == NULL)
                continue;
            if ((n->flags & CN_FACTS) && strcmp(a->name, "certificate") == 0) {
                if (mv != NULL) {
                    a->ref = NULL;
                    a->value = "";
                    a->len = 0;
                }
                continue;
            }
            if (a->ref < text + *w || (size_t)(a->ref - text) > text_len ||
                text_len - (size_t)(a->ref - text) < a->len)
                return false;
            if (mv != NULL) {
                memmove(mv + *w, a->ref, a->len);
                a->ref = mv + *w;
                *w += a->len;
            } else {
                /* the next value must start after this one */
                *w = (size_t)(a->ref - text) + a->len;
            }
        }
        if (!pack_walk(n->first, text, text_len, mv, w))
            return false;
    }
    return true;
}

/* Points every value still in the text at new + (its offset from old). */
static void
rebase_walk(struct cnode *n, uintptr_t old, char *new)
{
    for (; n != NULL; n = n->next) {
        for (uint32_t i = 0; i < n->nattrs; i++)
            if (n->attrs[i].value == NULL && n->attrs[i].ref != NULL)
                n->attrs[i].ref = new + ((uintptr_t)n->attrs[i].ref - old);
        rebase_walk(n->first, old, new);
    }
}

void
cfg_tree_pack_text(struct certmap_config *cfg)
{
    size_t w = 0;
    uintptr_t old = (uintptr_t)cfg->text;
    char *p;

    if (cfg->root == NULL || cfg->text == NULL)
        return;
    /* first prove the order, so that nothing moves unless everything can */
    if (!pack_walk(cfg->root, cfg->text, cfg->text_len, NULL, &w))
        return;
    w = 0;
    pack_walk(cfg->root, cfg->text, cfg->text_len, cfg->text, &w);
    cfg->text[w] = '\0';
    p = realloc(cfg->text, w + 1);
    if (p != NULL && (uintptr_t)p != old)
        rebase_walk(cfg->root, old, p);
    if (p != NULL)
        cfg->text = p;
    cfg->text_len = w;
    cfg->gen++;
}
