/*
 * mapping.h - the one-to-one mapping index.
 *
 * An immutable table, built once per configuration snapshot and scope
 * (effective oneToOneMappings of one location), from certificate DER to the
 * mapping.  Lookup hashes the DER once and compares the full bytes, so two
 * certificates never match on a hash alone.  Safe for concurrent readers once
 * built.
 *
 * A compact index (certmapd's) keeps no DER: an entry is the certificate's
 * SHA-256 and what the decision and the expiry warning need (user, password,
 * enabled, source, notAfter, subject), so 100 000 mappings cost about 100
 * bytes each instead of the certificate's 400 or more; a lookup then matches
 * on the SHA-256 alone, as a fingerprint map does.
 */
#ifndef CERTMAP_MAPPING_H
#define CERTMAP_MAPPING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "certmap/error.h"

/*
 * Fields ordered and sized so that an entry is 96 bytes, not 112: 100 000
 * mappings keep 100 000 of them.  A certificate or a subject never reaches
 * 4 GiB (a configuration is bounded below that, lexer.h).
 */
struct mapping {
    unsigned char sha256[32];     /* fingerprint of der */
    const unsigned char *der;     /* canonical DER of the certificate (owned by the index);
                                     NULL in a compact index */
    const char *user;             /* userName (owned by the index) */
    const char *password;         /* decrypted password (owned, wiped on free; entries with the
                                     same password as the one before share its copy) */
    const char *file;             /* source file:line of the <add> */
    const unsigned char *subject; /* DER of its subject Name (owned by the index), or NULL */
    int64_t not_after;            /* the certificate's notAfter (seconds since the epoch) */
    uint32_t der_len;
    uint32_t subject_len;
    unsigned line;
    bool enabled; /* disabled mappings never match */
};

struct mapping_index;

/* A new empty index sized for about hint entries; NULL on allocation failure. */
struct mapping_index *mapping_index_new(size_t hint);

/* Same, for a compact index (see above); NULL on allocation failure. */
struct mapping_index *mapping_index_new_compact(size_t hint);

/*
 * Copies m (der, user, password, file, subject) into the index; m->sha256 is
 * ignored and recomputed from der.  In a compact index, der is not kept and
 * may be NULL: m->sha256 is then taken as the certificate's fingerprint (the
 * caller computed it from the DER).  A second entry with the same DER (in a
 * compact index: the same SHA-256), enabled or not, is an error at m's
 * file:line (element "add", attribute "certificate") whose message names the
 * first one's file:line.  0, or -1 and err filled.  Pointers returned by the
 * lookups stay valid until the next add or the free.
 */
int mapping_index_add(struct mapping_index *idx, const struct mapping *m,
                      struct certmap_error *err);

/*
 * The index holds owner until it is freed, then calls release(owner) (from
 * whichever thread frees it): entries added with mapping_index_add_held()
 * point into owner's memory.  0, or -1 on allocation failure (release is
 * then not called: the caller still owns its reference).
 */
int mapping_index_hold(struct mapping_index *idx, void *owner, void (*release)(void *));

/*
 * mapping_index_add(), except that m->subject lies in memory the index
 * holds (mapping_index_hold()): the entry points at it instead of a copy.
 */
int mapping_index_add_held(struct mapping_index *idx, const struct mapping *m,
                           struct certmap_error *err);

/* Number of entries (enabled or not). */
size_t mapping_index_count(const struct mapping_index *idx);

/* The enabled mapping for this DER, or NULL.  Borrowed, valid while the index lives. */
const struct mapping *mapping_index_lookup(const struct mapping_index *idx,
                                           const unsigned char *der, size_t der_len);

/*
 * Same as mapping_index_lookup() when the caller already has the SHA-256 of
 * der (e.g. cached per connection); sha256 must be that of der.
 */
const struct mapping *mapping_index_lookup_hashed(const struct mapping_index *idx,
                                                  const unsigned char *der, size_t der_len,
                                                  const unsigned char sha256[32]);

/* The mapping (enabled or not) whose DER hashes to this SHA-256, or NULL. */
const struct mapping *mapping_index_find_sha256(const struct mapping_index *idx,
                                                const unsigned char sha256[32]);

/* Entry i (0 <= i < count) in insertion order, enabled or not; NULL past the end. */
const struct mapping *mapping_index_entry(const struct mapping_index *idx, size_t i);

/* Frees the index, wiping passwords. NULL is ignored. */
void mapping_index_free(struct mapping_index *idx);

#endif
