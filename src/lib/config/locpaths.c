/*
 * locpaths.c - the distinct <location path> values of a document, for
 * certmap_config_location_count() and certmap_config_location_path().
 *
 * cfg_loc_add() hands every location path here as it is added: at load in
 * document order (the server level "" first), and when a write creates a
 * <location>, which goes to the end of the document.  So the list is in
 * document order by construction, and a hash of the case-folded paths tells
 * a repeated path in O(1): a document with n locations costs O(n), the
 * getters O(1), and there is no table size past which paths are dropped.
 * Location elements are never deleted (writes only add them), so the list
 * never shrinks.
 */
#include "config/locpaths.h"

#include "config/document.h"
#include "config/schema.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* FNV-1a of the path folded to lower case: IIS compares location paths case-insensitively. */
static size_t
fold_hash(const char *s)
{
    return cfg_fold_hash(s, strlen(s), 0);
}

/* The slot of path in lp->table: its entry, or the empty slot where it goes. */
static size_t
slot_of(const struct locpaths *lp, const char *path)
{
    size_t i = fold_hash(path) & lp->mask;

    while (lp->table[i] != 0 && strcasecmp(lp->paths[lp->table[i] - 1], path) != 0)
        i = (i + 1) & lp->mask;
    return i;
}

/* Doubles the table (kept at most half full so probes stay short); -1 on allocation failure. */
static int
grow_table(struct locpaths *lp)
{
    size_t nslots = lp->table != NULL ? (lp->mask + 1) * 2 : 64;
    size_t *old = lp->table;

    lp->table = calloc(nslots, sizeof(*lp->table));
    if (lp->table == NULL) {
        lp->table = old;
        return -1;
    }
    lp->mask = nslots - 1;
    free(old);
    for (size_t k = 0; k < lp->n; k++)
        lp->table[slot_of(lp, lp->paths[k])] = k + 1;
    return 0;
}

int
cfg_locpaths_note(struct certmap_config *cfg, const char *path)
{
    struct locpaths *lp = &cfg->locpaths;
    size_t slot;

    if ((lp->table == NULL || (lp->n + 1) * 2 > lp->mask + 1) && grow_table(lp) != 0)
        return -1;
    slot = slot_of(lp, path);
    if (lp->table[slot] != 0)
        return 0;
    if (lp->n == lp->cap) {
        size_t ncap = lp->cap != 0 ? lp->cap * 2 : 16;
        const char **p = realloc(lp->paths, ncap * sizeof(*p));

        if (p == NULL)
            return -1;
        lp->paths = p;
        lp->cap = ncap;
    }
    lp->paths[lp->n++] = path;
    lp->table[slot] = lp->n;
    return 0;
}

void
cfg_locpaths_free(struct locpaths *lp)
{
    free(lp->paths);
    free(lp->table);
    lp->paths = NULL;
    lp->table = NULL;
    lp->n = lp->cap = lp->mask = 0;
}

size_t
certmap_config_location_count(const struct certmap_config *cfg)
{
    return cfg != NULL ? cfg->locpaths.n : 0;
}

const char *
certmap_config_location_path(const struct certmap_config *cfg, size_t i)
{
    if (cfg == NULL || i >= cfg->locpaths.n)
        return NULL;
    return cfg->locpaths.paths[i];
}
