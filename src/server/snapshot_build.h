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

/* strdup() of s, "" for NULL; NULL when out of memory. */
char *snap_strdup(const char *s);

/*
 * Builds bd->snap's bindings and endpoints (and the TLS contexts of the https
 * bindings) from the view's sites (bd->snap->sites built).  0, or -1 with the
 * problems in bd->diags.
 */
int snap_build_bindings(struct build *bd);

#endif
