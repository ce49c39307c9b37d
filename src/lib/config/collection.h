/*
 * collection.h - effective items of a collection and the one key encoder
 * (collection.c).
 */
#ifndef CERTMAP_CONFIG_COLLECTION_H
#define CERTMAP_CONFIG_COLLECTION_H

#include <stdbool.h>
#include <stddef.h>

#include "certmap/config.h"
#include "config/schema.h"

struct cnode;

/* Computes (and caches in n) the key of an item; -1 and msg when it cannot. */
int cfg_item_key(struct certmap_config *cfg, const struct schema_coll *sc, struct cnode *n,
                 char *msg, size_t msgsize);

enum coll_report {
    REPORT_NONE,      /* compute only */
    REPORT_SAME,      /* report duplicates within one container */
    REPORT_INHERITED, /* report items of the last container that duplicate inherited ones */
};

/*
 * Effective items of the containers (least specific first): <clear/> drops
 * what came before, <remove> drops one key, <add> appends.  Duplicates are
 * reported to diags as asked.  Returns a malloc'd array of *count nodes
 * (NULL when empty); *oom is set on allocation failure.
 */
struct cnode **cfg_coll_effective(struct certmap_config *cfg, const struct schema_coll *sc,
                                  struct cnode *const *containers, size_t ncont,
                                  struct certmap_diags *diags, enum coll_report report,
                                  size_t *count, bool *oom);
/*
 * Another effective item of c than except whose key equals the key that
 * value gives (single-attribute keys; composite keys are checked on commit).
 * 0 and *other (NULL when none), or -1 and msg.
 */
int cfg_coll_key_clash(struct certmap_collection *c, const struct cnode *except, const char *value,
                       struct cnode **other, char *msg, size_t msgsize);

#endif
