/*
 * snapshot_build.h - building a snapshot (snapshot.h) from a configuration:
 * the view, the server settings, the sites with their roots and W3C logs,
 * then the bindings, endpoints and TLS contexts (snapshot_bind.h).
 */
#ifndef CERTMAP_SERVER_SNAPSHOT_BUILD_H
#define CERTMAP_SERVER_SNAPSHOT_BUILD_H

#include <stdbool.h>

#include "certmap/config.h"
#include "certmap/error.h"
#include "snapshot.h"

/* How snapshot_build() is told about its surroundings. */
struct snapshot_params {
    unsigned long generation; /* generation number of the new snapshot */
    struct w3clog_set *logs;  /* where site logs are taken from; NULL: no W3C logs (tests) */
    bool open_roots;          /* open each physicalPath (false in tests) */
    bool tls;                 /* create SSL contexts (false in pure unit tests) */
    /* the server's session-ticket keys (tickets.h), borrowed for the build; without
       ticketKeyFile each site's keys are derived from them.  NULL: one random key per
       site and snapshot (tests, `certmapd -t`) */
    const struct ticketkeys *process_keys;
};

/*
 * Builds a snapshot from an opened configuration.  Every problem found is
 * appended to diags (errors and warnings, each with file:line when known);
 * building goes on after an error so that all of them are reported.
 * Returns a snapshot with one reference, or NULL when diags holds at least
 * one error (err then holds the first one).  The logon service is not
 * created here: the caller attaches one with snapshot_set_logon().
 */
struct snapshot *snapshot_build(struct certmap_config *cfg, const struct snapshot_params *params,
                                struct certmap_diags *diags, struct certmap_error *err);

#endif
