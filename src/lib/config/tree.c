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
