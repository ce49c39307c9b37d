/*
 * dirsvc.h - certmapd's directory service (libcertmap's directory.h): the
 * lookup pool and cache of <certmap><directory>, shared by the snapshots
 * whose directory settings are equal and reference counted with them, so
 * that a reload which keeps the settings keeps the cache and connections.
 *
 * The last reference stops the pool (directory_free(): it waits for the
 * lookups in progress, each bounded by timeoutSeconds).  That happens at
 * shutdown, or after a reload that changed the directory settings, on
 * whichever thread drops the last snapshot using it: often a worker, whose
 * event loop must not wait.  So the last reference hands the pool to a
 * retire function chosen by the service's creator (certmapd: the main
 * loop stops it), as logonsvc.h does with the logon service.
 */
#ifndef CERTMAP_SERVER_DIRSVC_H
#define CERTMAP_SERVER_DIRSVC_H

#include <stdbool.h>

#include "certmap/error.h"
#include "certmap/view.h"
#include "directory.h"

struct dirsvc;

/* Takes over d once the last reference is gone; must eventually directory_free(d).  Any thread. */
typedef void (*dirsvc_retire_fn)(struct directory *d, void *arg);

/*
 * Starts a service for s with one reference.  retire(d, arg) runs when the
 * last reference is dropped; NULL: directory_free() right there (tools and
 * tests).  NULL and err filled on failure.
 */
struct dirsvc *dirsvc_new(const struct certmap_directory_settings *s, dirsvc_retire_fn retire,
                          void *arg, struct certmap_error *err);

/* Takes one more reference; returns svc. */
struct dirsvc *dirsvc_ref(struct dirsvc *svc);

/* Drops one reference; the last hands the pool to the retire function and frees the rest.
 * NULL is ignored. */
void dirsvc_unref(struct dirsvc *svc);

/* The directory, valid while the caller holds a reference (or a snapshot holding one). */
struct directory *dirsvc_dir(const struct dirsvc *svc);

/* The settings the service runs with (its own copy). */
const struct certmap_directory_settings *dirsvc_settings(const struct dirsvc *svc);

/* true when a and b (either may be NULL) configure the same directory service. */
bool dirsvc_same(const struct certmap_directory_settings *a,
                 const struct certmap_directory_settings *b);

#endif
