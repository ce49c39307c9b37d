/*
 * diag.h - findings and errors that name where: file, line, element,
 * attribute (diag.c).
 */
#ifndef CERTMAP_CONFIG_DIAG_H
#define CERTMAP_CONFIG_DIAG_H

#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

#include "certmap/config.h"
#include "certmap/error.h"

struct certmap_config;
struct cnode;

/* Beyond this many findings only the count is kept: a broken file of 100 000 mappings must not
 * cost gigabytes of diagnostics. */
#define DIAG_MAX 2000

/*
 * What to put before a certmap_cert_decode() message in a diagnostic: its
 * messages mostly say "not a certificate: ..." or name the certificate
 * already, and saying it twice reads as a bug.
 */
static inline const char *
cert_msg_prefix(const char *msg)
{
    return strstr(msg, "certificate") != NULL ? "" : "not a certificate: ";
}

/* Adds a finding at line of cfg's file to d. */
void cfg_diag(struct certmap_config *cfg, struct certmap_diags *d, enum certmap_severity sev,
              unsigned line, const char *element, const char *attr, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));
/* cfg_diag() for a va_list; item: an item error, which disables one collection item only. */
void cfg_vdiag_at(struct certmap_config *cfg, struct certmap_diags *d, enum certmap_severity sev,
                  bool item, unsigned line, const char *element, const char *attr, const char *fmt,
                  va_list ap) __attribute__((format(printf, 8, 0)));
/* Fills err with a message at node n (its line when it was read from the file). */
void cfg_err_at(struct certmap_config *cfg, struct certmap_error *err, enum certmap_error_kind kind,
                const struct cnode *n, const char *attr, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

#endif
