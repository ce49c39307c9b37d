/*
 * expiry.c - warnings for mapped and server certificates near their
 * notAfter (expiry.h).
 */
#include "expiry.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "certmap/cert.h"
#include "certmap/view.h"
#include "errlog.h"
#include "mapping.h"

bool
expiry_first_today(struct expiry_log *log, const unsigned char sha256[32], int64_t day)
{
    struct expiry_seen *t;
    size_t i, kept = 0;

    for (i = 0; i < log->n; i++) {
        if (log->v[i].day != day)
            continue; /* warned on another day: forgotten, so it is warned again today */
        if (memcmp(log->v[i].sha256, sha256, 32) == 0)
            return false;
        log->v[kept++] = log->v[i];
    }
    log->n = kept;
    if (log->n == log->cap) {
        size_t cap = log->cap == 0 ? 32 : log->cap * 2;

        t = realloc(log->v, cap * sizeof(*t));
        if (t == NULL)
            return true; /* not recorded: at worst warned twice */
        log->v = t;
        log->cap = cap;
    }
    memcpy(log->v[log->n].sha256, sha256, 32);
    log->v[log->n++].day = day;
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

/*
 * Warns about one certificate when due; what names it (a mapping's user and
 * file:line, a binding's site) is in who.  true when a warning was logged.
 */
static bool
check_one(struct expiry_log *log, const unsigned char *der, size_t len, int64_t now, unsigned days,
          const char *who)
{
    struct certmap_cert_info info;
    unsigned char fp[32];
    int64_t left;

    if (certmap_cert_info(der, len, &info, NULL) != 0)
        return false;
    left = info.not_after_t - now;
    if (left > (int64_t)days * 86400)
        return false;
    certmap_cert_sha256(der, len, fp);
    if (!expiry_first_today(log, fp, now / 86400))
        return false;
    if (left < 0)
        errlog_printf(ERRLOG_WARN,
                      "certificate expiry: %s: certificate %s (sha256 %s) expired on %s", who,
                      info.subject, info.sha256, info.not_after);
    else
        errlog_printf(ERRLOG_WARN,
                      "certificate expiry: %s: certificate %s (sha256 %s) expires on %s, in %lld "
                      "day%s (certificateExpiryWarningDays %u)",
                      who, info.subject, info.sha256, info.not_after, (long long)(left / 86400),
                      left / 86400 == 1 ? "" : "s", days);
    return true;
}

size_t
expiry_check(struct expiry_log *log, const struct snapshot *snap, int64_t now)
{
    unsigned days = certmap_view_server(snap->view)->expiry_warning_days;
    const struct mapping_index *idx;
    const struct mapping *m;
    unsigned char *der;
    char who[1024];
    size_t i, k, n = 0;
    X509 *x;
    int len;

    if (days == 0)
        return 0;
    for (i = 0; i < snap->nsites; i++) {
        idx = certmap_view_site_mappings(snap->sites[i].vs);
        /* a server-level mapping is in every site's index: the log says it once a day */
        for (k = 0; idx != NULL && (m = mapping_index_entry(idx, k)) != NULL; k++) {
            if (!m->enabled)
                continue;
            snprintf(who, sizeof(who), "mapping of '%s' (%s:%u)", m->user,
                     m->file != NULL ? m->file : "?", m->line);
            n += check_one(log, m->der, m->der_len, now, days, who);
        }
    }
    for (i = 0; i < snap->nbindings; i++) {
        const struct snap_binding *b = &snap->bindings[i];

        x = b->ssl_ctx != NULL ? SSL_CTX_get0_certificate(b->ssl_ctx) : NULL;
        der = NULL;
        len = x != NULL ? i2d_X509(x, &der) : -1;
        if (len <= 0)
            continue;
        snprintf(who, sizeof(who), "server certificate of site '%s' (binding %s:%u)",
                 b->site != NULL ? b->site->name : "?", b->file != NULL ? b->file : "?", b->line);
        n += check_one(log, der, (size_t)len, now, days, who);
        OPENSSL_free(der);
    }
    return n;
}
