/*
 * handle.h - element and collection handles: their lifecycle and the nodes
 * they resolve to (handle.c).  An element handle names a place (a section at
 * a location, a child of an element, a collection item) rather than a node.
 */
#ifndef CERTMAP_CONFIG_HANDLE_H
#define CERTMAP_CONFIG_HANDLE_H

#include <stdbool.h>
#include <stddef.h>

#include "certmap/config.h"
#include "certmap/error.h"
#include "config/schema.h"

struct cnode;
struct cattr;

enum handle_kind { H_SECTION, H_CHILD, H_ITEM };

struct certmap_element {
    struct certmap_config *cfg;
    enum handle_kind kind;
    const struct schema_elem *schema;
    const struct schema_section *section; /* H_SECTION */
    const char *location;                 /* normalised (arena) */
    struct certmap_element *parent;       /* H_CHILD: the element it is a child of */
    const char *child_name;               /* H_CHILD */
    struct cnode *item;                   /* H_ITEM: the item node */
    bool inherited;                       /* H_ITEM: from an enclosing location */
    unsigned gen;                         /* cfg->gen when the chain was computed */
    struct cnode **levels;                /* nodes, least specific first (malloc) */
    size_t nlevels;
    struct cnode *local;     /* node at this element's own location, or NULL */
    struct cnode **defaults; /* siteDefaults & co., most specific first (malloc) */
    size_t ndefaults;
    bool fresh;                       /* levels/local/defaults computed at gen */
    struct certmap_collection *owner; /* H_ITEM: the collection it was created in or read from */
    struct certmap_element *next;     /* cfg->handles list */
    struct certmap_element *next_section;         /* cfg->sections list */
    struct certmap_element *first_kid, *next_kid; /* H_CHILD handles of this element */
    struct certmap_collection *colls;             /* collections of this element */
};

struct certmap_collection {
    struct certmap_element *container; /* element whose nodes hold the items */
    const struct schema_coll *schema;
    const char *name; /* as asked: the named collection, or NULL for the default one */
    unsigned gen;
    struct cnode **nodes; /* effective items (malloc) */
    size_t n;
    struct certmap_element **handles; /* lazily created, parallel to nodes (malloc) */
    bool fresh;
    bool failed;                        /* the last refresh ran out of memory */
    struct certmap_collection *next;    /* cfg->colls list */
    struct certmap_collection *next_of; /* collections of the same element */
};

/*
 * Recomputes e's nodes (levels, local, defaults) when the tree changed since
 * they were computed.  0, or -1 when memory ran out: e is then left not
 * fresh and holds no nodes, and the caller reports the error (a read must not
 * fall back to the schema defaults).
 */
int cfg_element_refresh(struct certmap_element *e);
struct certmap_element *cfg_handle_new(struct certmap_config *cfg, enum handle_kind kind);
void cfg_handles_free(struct certmap_config *cfg);
int cfg_element_ensure_local(struct certmap_element *e, struct certmap_error *err);
/*
 * The effective attribute name of e into *attr (NULL: not set anywhere, the
 * schema default applies) and the node holding it into *where (when not
 * NULL).  0, or -1 and err (out of memory).
 */
int cfg_effective_attr(const struct certmap_element *e, const char *name, struct cattr **attr,
                       struct cnode **where, struct certmap_error *err);

#endif
