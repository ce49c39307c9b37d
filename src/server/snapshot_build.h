/*
 * snapshot_build.h - what the two halves of the snapshot builder share
 * (snapshot.c: settings, sites, locations; snapshot_bind.c: bindings,
 * endpoints, TLS contexts).  Internal to those files and their tests.
 */
#ifndef CERTMAP_SERVER_SNAPSHOT_BUILD_H
#define CERTMAP_SERVER_SNAPSHOT_BUILD_H

#include <stdbool.h>

#include "certmap/config.h"
#include "certmap/error.h"
#include "snapshot.h"

/* State of one snapshot_build() call. */
struct build {
    struct certmap_config *cfg;
    const struct snapshot_params *params;
    struct certmap_diags *diags;
    struct snapshot *snap;
};

/* Appends one diagnostic with its location (file/element/attr may be NULL). */
void snap_diag(struct certmap_diags *diags, enum certmap_severity sev, const char *file,
               unsigned line, const char *element, const char *attr, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

/* Appends a library error as is. */
void snap_diag_err(struct certmap_diags *diags, enum certmap_severity sev,
                   const struct certmap_error *e);

/* Where attr of e (else e itself) is written; *file NULL and *line 0 when unknown. */
void snap_source_of(const struct certmap_element *e, const char *attr, const char **file,
                    unsigned *line);

/* strdup() of s, "" for NULL; NULL when out of memory. */
char *snap_strdup(const char *s);

/* Effective attribute values of e (NULL e: the default). */
const char *snap_get_str(const struct certmap_element *e, const char *attr);
bool snap_get_bool(const struct certmap_element *e, const char *attr, bool dflt);
unsigned long long snap_get_uint(const struct certmap_element *e, const char *attr,
                                 unsigned long long dflt);

/* true for a path written for Windows (drive letter, backslash). */
bool snap_windows_path(const char *p);

/*
 * Builds bd->snap's bindings and endpoints (and the TLS contexts of the https
 * bindings) from the sites collection; site_of_item maps a collection index
 * to its snap->sites index.  0, or -1 with the problems in bd->diags.
 */
int snap_build_bindings(struct build *bd, struct certmap_collection *sites, size_t *site_of_item);

#endif
