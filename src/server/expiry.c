/*
 * expiry.c - warnings for mapped and server certificates near their
 * notAfter (expiry.h).
 */
#include "expiry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "certmap/cert.h"
#include "certmap/view.h"
#include "errlog.h"
#include "cert/facts.h"
#include "mapping.h"

/* Slot of sha256 in a table of cap slots (a power of two): its own, or the free one ending its
 * probe. */
static size_t
seen_slot(const struct expiry_seen *v, size_t cap, const unsigned char sha256[32])
{
    uint64_t h;
    size_t s;

    /* the fingerprint is already a uniform hash */
    memcpy(&h, sha256, sizeof(h));
    for (s = (size_t)h & (cap - 1); v[s].used && memcmp(v[s].sha256, sha256, 32) != 0;
         s = (s + 1) & (cap - 1))
        ;
    return s;
}

/* Doubles the table (or makes the first one); -1 when out of memory. */
static int
seen_grow(struct expiry_log *log)
{
    size_t cap = log->cap == 0 ? 64 : log->cap * 2, i;
    struct expiry_seen *v = calloc(cap, sizeof(*v));

    if (v == NULL)
        return -1;
    for (i = 0; i < log->cap; i++)
        if (log->v[i].used)
            v[seen_slot(v, cap, log->v[i].sha256)] = log->v[i];
    free(log->v);
    log->v = v;
    log->cap = cap;
    return 0;
}

/* true when sha256 was warned about on day (nothing recorded). */
static bool
seen_today(const struct expiry_log *log, const unsigned char sha256[32], int64_t day)
{
    if (log->n == 0 || log->day != day)
        return false;
    return log->v[seen_slot(log->v, log->cap, sha256)].used;
}

bool
expiry_first_today(struct expiry_log *log, const unsigned char sha256[32], int64_t day)
{
    size_t s;

    if (log->n > 0 && log->day != day) {
        /* warned on another day: forgotten, so each is warned again today */
        memset(log->v, 0, log->cap * sizeof(*log->v));
        log->n = 0;
    }
    log->day = day;
    if (seen_today(log, sha256, day))
        return false;
    /* at most half full, so that a probe always ends on a free slot */
    if (2 * (log->n + 1) > log->cap && seen_grow(log) != 0)
        return true; /* not recorded: at worst warned twice */
    s = seen_slot(log->v, log->cap, sha256);
    memcpy(log->v[s].sha256, sha256, 32);
    log->v[s].used = true;
    log->n++;
    return true;
}

void
expiry_log_free(struct expiry_log *log)
{
    if (log == NULL)
        return;
    free(log->v);
    log->v = NULL;
    log->n = log->cap = 0;
}

/* What a check found of one certificate. */
enum expiry_found {
    EXPIRY_QUIET,   /* not due, or already warned about today */
    EXPIRY_NAMED,   /* due: warned about by name */
    EXPIRY_COUNTED, /* due, but the check has named its share: only counted */
};

/* The certificates one expiry_check() found due beyond the ones it named. */
struct expiry_more {
    size_t n, expired; /* due and not named; of them already past notAfter */
};

/* Logs the warning for a certificate with left seconds to live. */
static void
warn_one(const char *who, const char *subject, const char *hex, const char *when, int64_t left,
         unsigned days)
{
    if (left < 0)
        errlog_printf(ERRLOG_WARN,
                      "certificate expiry: %s: certificate %s (sha256 %s) expired on %s", who,
                      subject, hex, when);
    else
        errlog_printf(ERRLOG_WARN,
                      "certificate expiry: %s: certificate %s (sha256 %s) expires on %s, in %lld "
                      "day%s (certificateExpiryWarningDays %u)",
                      who, subject, hex, when, (long long)(left / 86400),
                      left / 86400 == 1 ? "" : "s", days);
}

/*
 * Warns about one certificate when due and not warned about today; what
 * names it (a mapping's user and file:line, a binding's site) is in who.
 * With name false, a due certificate is only counted into more (and not
 * recorded as warned: a later check with room names it).
 */
static enum expiry_found
check_one(struct expiry_log *log, const unsigned char *der, size_t len, int64_t now, unsigned days,
          const char *who, bool name, struct expiry_more *more)
{
    struct certmap_cert_info info;
    unsigned char fp[32];
    int64_t left;

    if (certmap_cert_info(der, len, &info, NULL) != 0)
        return EXPIRY_QUIET;
    left = info.not_after_t - now;
    if (left > (int64_t)days * 86400)
        return EXPIRY_QUIET;
    certmap_cert_sha256(der, len, fp);
    if (!name) {
        if (seen_today(log, fp, now / 86400))
            return EXPIRY_QUIET;
        more->n++;
        more->expired += left < 0;
        return EXPIRY_COUNTED;
    }
    if (!expiry_first_today(log, fp, now / 86400))
        return EXPIRY_QUIET;
    warn_one(who, info.subject, info.sha256, info.not_after, left, days);
    return EXPIRY_NAMED;
}

/*
 * check_one() for an entry of a compact index, which keeps the notAfter and
 * subject instead of the DER.  The date is compared first: the subject and
 * who are formatted only for a certificate that is named.
 */
static enum expiry_found
check_entry(struct expiry_log *log, const struct mapping *m, int64_t now, unsigned days, bool name,
            struct expiry_more *more)
{
    char subject[1024], when[32], hex[65], who[1024];
    int64_t left = m->not_after - now;
    time_t t = (time_t)m->not_after;
    struct tm tm;

    if (left > (int64_t)days * 86400 || m->subject == NULL)
        return EXPIRY_QUIET;
    if (!name) {
        if (seen_today(log, m->sha256, now / 86400))
            return EXPIRY_QUIET;
        more->n++;
        more->expired += left < 0;
        return EXPIRY_COUNTED;
    }
    if (!expiry_first_today(log, m->sha256, now / 86400))
        return EXPIRY_QUIET;
    if (cert_name_text(m->subject, m->subject_len, subject, sizeof(subject)) != 0)
        snprintf(subject, sizeof(subject), "?");
    if (gmtime_r(&t, &tm) == NULL || strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(when, sizeof(when), "?");
    certmap_hex(m->sha256, 32, hex);
    snprintf(who, sizeof(who), "mapping of '%s' (%s:%u)", m->user, m->file != NULL ? m->file : "?",
             m->line);
    warn_one(who, subject, hex, when, left, days);
    return EXPIRY_NAMED;
}

size_t
expiry_check(struct expiry_log *log, const struct snapshot *snap, int64_t now)
{
    unsigned days = certmap_view_server(snap->view)->expiry_warning_days;
    const struct mapping_index *idx;
    const struct mapping *m;
    struct expiry_more more = {0, 0};
    unsigned char *der;
    char who[1024];
    size_t i, k, n = 0;
    bool name;
    X509 *x;
    int len;

    if (days == 0)
        return 0;
    for (i = 0; i < snap->nsites; i++) {
        idx = certmap_view_site_mappings(snap->sites[i].vs);
        /* a server-level mapping is in every site's index: the log says it once a day */
        for (k = 0; idx != NULL && (m = mapping_index_entry(idx, k)) != NULL; k++) {
            /* the date first: most of 100 000 certificates are nowhere near it */
            if (!m->enabled || (m->der == NULL && m->not_after - now > (int64_t)days * 86400))
                continue;
            name = n < EXPIRY_NAMED_MAX;
            if (m->der != NULL) {
                snprintf(who, sizeof(who), "mapping of '%s' (%s:%u)", m->user,
                         m->file != NULL ? m->file : "?", m->line);
                n +=
                    check_one(log, m->der, m->der_len, now, days, who, name, &more) == EXPIRY_NAMED;
            } else {
                n += check_entry(log, m, now, days, name, &more) == EXPIRY_NAMED;
            }
        }
    }
    if (more.n > 0)
        errlog_printf(ERRLOG_WARN,
                      "certificate expiry: %zu more mapped certificate(s) expire within %u days "
                      "(certificateExpiryWarningDays) or have expired (%zu), not named one by one "
                      "(at most %u a check): `certmap list mappings --expiring %u` lists them",
                      more.n, days, more.expired, EXPIRY_NAMED_MAX, days);
    for (i = 0; i < snap->nbindings; i++) {
        const struct snap_binding *b = &snap->bindings[i];

        x = b->ssl_ctx != NULL ? SSL_CTX_get0_certificate(b->ssl_ctx) : NULL;
        der = NULL;
        len = x != NULL ? i2d_X509(x, &der) : -1;
        if (len <= 0)
            continue;
        snprintf(who, sizeof(who), "server certificate of site '%s' (binding %s:%u)",
                 b->site != NULL ? b->site->name : "?", b->file != NULL ? b->file : "?", b->line);
        n += check_one(log, der, (size_t)len, now, days, who, true, &more) == EXPIRY_NAMED;
        OPENSSL_free(der);
    }
    return n;
}
