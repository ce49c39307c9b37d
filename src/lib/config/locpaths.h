/*
 * locpaths.h - the distinct <location path> values of a document (locpaths.c).
 */
#ifndef CERTMAP_CONFIG_LOCPATHS_H
#define CERTMAP_CONFIG_LOCPATHS_H

#include <stddef.h>

struct certmap_config;

/*
 * The distinct <location path> values of a document in document order
 * (case-insensitively distinct; the first spelling wins), kept up to date by
 * cfg_loc_add().  A hash of the folded paths makes each addition O(1): no
 * fixed table, no quadratic scan.
 */
struct locpaths {
    const char **paths; /* malloc'd array of n; strings borrowed from the config's arena */
    size_t n, cap;
    size_t *table; /* malloc'd open-addressing table of mask + 1 slots: index + 1 into paths */
    size_t mask;
};

/* Records path (arena-owned, normalised) unless a location has it already; -1: no memory. */
int cfg_locpaths_note(struct certmap_config *cfg, const char *path);
/* Frees the arrays of lp (the strings belong to the arena). */
void cfg_locpaths_free(struct locpaths *lp);

#endif
