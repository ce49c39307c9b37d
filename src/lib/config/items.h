/*
 * items.h - broken values of item errors: what a commit may keep, never add
 * (items.c).
 */
#ifndef CERTMAP_CONFIG_ITEMS_H
#define CERTMAP_CONFIG_ITEMS_H

#include <stddef.h>

struct certmap_config;

/* Records a broken item value (attribute name and stored text) in cfg->broken; -1 on no memory. */
int cfg_broken_add(struct certmap_config *cfg, const char *attr, const char *value, size_t len);
/*
 * Index (in now->broken, document order) of the first broken value that was
 * not broken in base, counted with multiplicity; (size_t)-1 when every one
 * was; (size_t)-2 on allocation failure.
 */
size_t cfg_broken_first_new(const struct certmap_config *base, const struct certmap_config *now);

#endif
