/*
 * logonsvc.h - the logon service of certmapd, shared by the snapshots whose
 * <certmap><logon> settings are equal and reference counted with them.
 *
 * A reload that keeps the logon settings gives the new snapshot another
 * reference to the running service; a reload that changes them creates a
 * new service, and the old one goes away with the last snapshot using it.
 * Stopping a service waits for the logons its threads are running (PAM may
 * take seconds), which must not happen on an event loop: the last reference
 * hands the service to a retire function chosen by its creator, which stops
 * and frees it (logon_free()) where blocking is harmless.
 */
#ifndef CERTMAP_SERVER_LOGONSVC_H
#define CERTMAP_SERVER_LOGONSVC_H

#include "certmap/error.h"
#include "logon.h"

struct logonsvc;

/* Takes over l once the last reference is gone; must eventually logon_free(l). Any thread. */
typedef void (*logonsvc_retire_fn)(struct logon *l, void *arg);

/*
 * Starts a logon service for s with one reference.  retire(l, arg) runs when
 * the last reference is dropped.  NULL and err filled on failure.
 */
struct logonsvc *logonsvc_new(const struct logon_settings *s, logonsvc_retire_fn retire, void *arg,
                              struct certmap_error *err);

/* Takes one more reference; returns svc. */
struct logonsvc *logonsvc_ref(struct logonsvc *svc);

/* Drops one reference; the last hands the service to its retire function. NULL is ignored. */
void logonsvc_unref(struct logonsvc *svc);

/* The service itself, valid while the caller holds a reference (or a snapshot holding one). */
struct logon *logonsvc_logon(const struct logonsvc *svc);

#endif
