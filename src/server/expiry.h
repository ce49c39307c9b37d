/*
 * expiry.h - certificate expiry warnings in certmapd's error log.
 *
 * IIS never says that a mapped certificate expires next week: the admin
 * learns it from the helpdesk.  certmapd logs one warning per certificate
 * (every enabled mapped certificate and every https binding's server
 * certificate) within <certmap><server certificateExpiryWarningDays> of its
 * notAfter, or past it: when a snapshot is installed (startup, reload) and
 * then once a day from the main loop.  A certificate is warned about at most
 * once per UTC day, so a reload does not repeat the warnings of the morning.
 *
 * A check names at most EXPIRY_NAMED_MAX mapped certificates and counts the
 * rest in one line: 100 000 certificates issued together reach the window
 * together, and 100 000 lines took the main thread seconds of CPU (the
 * workers' while they served, a SIGTERM while it wrote).  The ones only
 * counted are not recorded as warned: the next check (a reload, the next
 * day) names the next EXPIRY_NAMED_MAX of them.  Server certificates are
 * always named.
 *
 * The state (which certificate was warned about on which day) is owned by
 * main.c; every call runs on the main thread.
 */
#ifndef CERTMAP_SERVER_EXPIRY_H
#define CERTMAP_SERVER_EXPIRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snapshot.h"

/* Mapped certificates one expiry_check() names; the others due are counted. */
#define EXPIRY_NAMED_MAX 20u

/* How often the main loop runs expiry_check() after the first run. */
#define EXPIRY_PERIOD_MS (24ULL * 3600 * 1000)

/* A slot of the table of certificates already warned about on expiry_log.day. */
struct expiry_seen {
    unsigned char sha256[32];
    bool used; /* false: a free slot */
};

/*
 * Certificates warned about on one UTC day (seconds / 86400): a hash set, so
 * that 100 000 mapped certificates cost one probe each, not a scan of all.
 * Zero-initialise; free with expiry_log_free().
 */
struct expiry_log {
    struct expiry_seen *v; /* owned table of cap slots (a power of two), at most half used */
    size_t n, cap;         /* used slots, slots */
    int64_t day;           /* the day the used slots were warned on */
};

/*
 * Logs a warning for each certificate of snap within its view's
 * expiry_warning_days of notAfter (nothing when 0) that has not been warned
 * about on now's UTC day, by name for the first EXPIRY_NAMED_MAX mapped
 * certificates and every server certificate, then one line counting the
 * other mapped ones.  Returns the number of certificates named.  Out of
 * memory only forgets what was warned (a warning may repeat), never stops.
 */
size_t expiry_check(struct expiry_log *log, const struct snapshot *snap, int64_t now);

/*
 * true when the certificate with this SHA-256 has not been warned about on
 * day yet, and records it; entries of earlier days are dropped on the way.
 */
bool expiry_first_today(struct expiry_log *log, const unsigned char sha256[32], int64_t day);

/* Frees the state. NULL is ignored. */
void expiry_log_free(struct expiry_log *log);

#endif
