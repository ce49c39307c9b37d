/*
 * dirsvc.h - certmapd's directory service (libcertmap's directory.h): the
 * lookup pool and cache of <certmap><directory>, shared by the snapshots
 * whose directory settings are equal and reference counted with them, so
 * that a reload which keeps the settings keeps the cache and connections.
 *
 * The last reference stops the pool (directory_free(): it waits for the
 * lookups in progress, each bounded by timeoutSeconds).  That happens at
 * shutdown, or after a reload that changed the directory settings, on the
 * thread dropping the last snapshot using it.
 */
#ifndef CERTMAP_SERVER_DIRSVC_H
#define CERTMAP_SERVER_DIRSVC_H

#include <stdbool.h>

#include "certmap/error.h"
#include "certmap/view.h"
#include "directory.h"

struct dirsvc;

/* Starts a service for s with one reference.  NULL and err filled on failure. */
struct dirsvc *dirsvc_new(const struct certmap_directory_settings *s, struct certmap_error *err);

/* Takes one more reference; returns svc. */
struct dirsvc *dirsvc_ref(struct dirsvc *svc);

/* Drops one reference; the last stops and frees the service.  NULL is ignored. */
void dirsvc_unref(struct dirsvc *svc);

/* The directory, valid while the caller holds a reference (or a snapshot holding one). */
struct directory *dirsvc_dir(const struct dirsvc *svc);

/* The settings the service runs with (its own copy). */
const struct certmap_directory_settings *dirsvc_settings(const struct dirsvc *svc);

/* true when a and b (either may be NULL) configure the same directory service. */
bool dirsvc_same(const struct certmap_directory_settings *a,
                 const struct certmap_directory_settings *b);

#endif
