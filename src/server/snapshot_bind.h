/*
 * snapshot_bind.h - the bindings, listening endpoints and TLS contexts of a
 * snapshot, the second step of snapshot_build() (snapshot_build.h).
 */
#ifndef CERTMAP_SERVER_SNAPSHOT_BIND_H
#define CERTMAP_SERVER_SNAPSHOT_BIND_H

#include <stdbool.h>

#include "certmap/error.h"
#include "snapshot.h"

/*
 * Builds snap's bindings and endpoints from the view's sites (snap->sites
 * built), and with tls the SSL context of each https binding.  0, or -1
 * with the problems in diags (may be NULL; out of memory adds none); what
 * was built stays in snap for snapshot_unref() to free.
 */
int snap_build_bindings(struct snapshot *snap, bool tls, struct certmap_diags *diags);

#endif
