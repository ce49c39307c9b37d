/*
 * tree.h - the element tree of a configuration (tree.c).
 *
 * The engine keeps the original bytes of the file and its own element tree.
 * Each element read from the file remembers the byte ranges of its start tag
 * and end tag in the original text, so that saving copies everything it did
 * not change verbatim (see save.c).  Attribute values that equal their raw
 * text (the common case) are not copied: they point into the text.
 */
#ifndef CERTMAP_CONFIG_TREE_H
#define CERTMAP_CONFIG_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct certmap_config;
struct schema_elem;

struct cattr {
    const char *name;  /* schema name or arena copy */
    const char *value; /* NUL-terminated value, or NULL while only ref is known */
    const char *ref;   /* raw value in a text buffer (when value is NULL): len bytes */
    uint32_t len;      /* length of the value (ref or value) */
    uint32_t line;     /* line of the attribute */
};

/* cnode.flags */
#define CN_ORIG 0x01         /* read from the text: ranges valid */
#define CN_SELF_CLOSING 0x02 /* <a/> in the text */
#define CN_DIRTY 0x04        /* attributes changed: start tag regenerated */
#define CN_DELETED 0x08      /* removed: skipped on save */
#define CN_KEYED 0x10        /* key/klen computed */
#define CN_DETACHED 0x20     /* created by the API, not yet added */
#define CN_FACTS 0x40        /* serve-only: struct cnode_cert_facts follows the 32-byte key */

/*
 * What a compact mapping index needs of an item's certificate, kept by
 * validation of a serve-only config right after the item's 32-byte key (the
 * SHA-256 of the DER) so that the view does not decode the certificate again.
 */
struct cnode_cert_facts {
    int64_t not_after;            /* seconds since the epoch (INT64_MAX: never expires) */
    uint32_t subject_len;         /* DER of the subject Name */
    const unsigned char *subject; /* in cfg->facts, which the compact index holds rather than
                                     copying the subject */
};

struct cnode {
    const char *name; /* element name (schema string or arena copy) */
    struct cnode *parent, *first, *last, *next, *prev;
    struct cattr *attrs; /* arena array of nattrs (capacity cap) */
    uint32_t nattrs, cap;
    uint32_t line;
    uint32_t flags;
    size_t st_beg, st_end;            /* start tag [beg, end) in the text */
    size_t et_beg, et_end;            /* end tag, or st_end twice when self-closing */
    const struct schema_elem *schema; /* NULL when certmap does not implement it */
    const unsigned char *key;         /* collection key (arena), when CN_KEYED */
    uint32_t klen;
};

struct cnode *cfg_node_new(struct certmap_config *cfg, const char *name,
                           const struct schema_elem *schema);
void cfg_node_append(struct cnode *parent, struct cnode *child);
void cfg_node_prepend(struct cnode *parent, struct cnode *child);
/* First live child named name, or NULL. */
struct cnode *cfg_node_child(const struct cnode *n, const char *name);
struct cattr *cfg_node_attr(const struct cnode *n, const char *name);
/* Value of a (materialized, NUL-terminated; owned by cfg). */
const char *cfg_attr_value(struct certmap_config *cfg, struct cattr *a);
/* Sets or replaces an attribute value (copied). -1 on allocation failure. */
int cfg_node_set_attr(struct certmap_config *cfg, struct cnode *n, const char *name,
                      const char *value, size_t len);
void cfg_node_unset_attr(struct cnode *n, const char *name);
/*
 * Serve-only configs, once validated: moves the values still read from the
 * text to its start, drops the certificate values of CN_FACTS items (""), and
 * shrinks the text to what remains.  The byte ranges of the nodes no longer
 * hold: the caller has made the config impossible to save.  Leaves everything
 * as it was when a value is not where document order puts it.
 */
void cfg_tree_pack_text(struct certmap_config *cfg);
/* Marks n deleted (text nodes) or unlinks it (new nodes). */
void cfg_node_delete(struct certmap_config *cfg, struct cnode *n);
/* The certificate facts of a CN_FACTS item, or NULL. */
static inline const struct cnode_cert_facts *
cfg_node_cert_facts(const struct cnode *n)
{
    return (n->flags & CN_FACTS) ? (const struct cnode_cert_facts *)(const void *)(n->key + 32)
                                 : NULL;
}

static inline bool
cfg_node_live(const struct cnode *n)
{
    return (n->flags & CN_DELETED) == 0;
}

#endif
