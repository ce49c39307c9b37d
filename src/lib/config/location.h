/*
 * location.h - the location model: which <location> elements (and the
 * server level) apply to a target path, in what order (location.c).
 */
#ifndef CERTMAP_CONFIG_LOCATION_H
#define CERTMAP_CONFIG_LOCATION_H

#include <stdbool.h>
#include <stddef.h>

struct certmap_config;
struct cnode;

/* A <location> (or the root for the server level), sorted by depth then order. */
struct cloc {
    struct cnode *node; /* <location> element, or the root */
    const char *path;   /* normalised: no leading/trailing '/', "" for the server level */
    unsigned nseg;      /* number of path segments */
    unsigned order;     /* document order */
    bool no_inherit;    /* inheritInChildApplications="false" */
};

/*
 * An index of cfg->locs by folded path, built on first use after the
 * locations changed: a target's chain is then found with one probe per path
 * segment instead of a scan of every location.
 */
struct locmap {
    size_t *slot; /* mask + 1 buckets: index + 1 of the first location of a path, 0: empty */
    size_t *next; /* per location: index + 1 of the next one with the same path (document order) */
    size_t mask;
    bool valid; /* false after cfg_loc_add()/cfg_loc_sort() */
};

/* Frees the index's arrays. */
void cfg_locmap_free(struct locmap *m);

void cfg_loc_normalize(const char *in, char *out, size_t size);
bool cfg_loc_applies(struct certmap_config *cfg, const struct cloc *l, const char *target);
/* Appends a location; returns its index, valid until cfg_loc_sort().  -1 on allocation failure. */
int cfg_loc_add(struct certmap_config *cfg, struct cnode *node, const char *path, bool no_inherit);
/* Sorts cfg->locs by depth, then document order (what cfg_loc_chain() and the view expect). */
void cfg_loc_sort(struct certmap_config *cfg);
/* The location entry a node belongs to (its <location> or the root). */
const struct cloc *cfg_loc_of(const struct certmap_config *cfg, const struct cnode *n);
/* The section element at a <location> (or root) for a section path, or NULL. */
struct cnode *cfg_loc_find_section(struct cnode *container, const char *section_path);
/* Fills nodes (least specific first) with the section's nodes effective at target. */
size_t cfg_loc_chain(struct certmap_config *cfg, const char *section_path, const char *target,
                     struct cnode **nodes, size_t max);

#endif
