/*
 * tls_trust.h - what the verification of a binding's client certificates
 * depends on, as digests, so that a TLS session can outlive a reload that
 * leaves it alone and never one that changes it.
 *
 * Two digests of a context's trust store, taken once when the context is
 * made (tls.c):
 *   - ca: the trusted certificates, by content (SHA-256 of each DER, sorted,
 *     so the order in the file does not matter but replacing the file's
 *     content in place does).  It goes into the session ID context with the
 *     site and the verification depth and flags: a session made under other
 *     trust anchors is never resumed.
 *   - stamp: ca plus the CRLs and the verification parameters: everything
 *     the verdict on a certificate depends on, apart from the time.  It
 *     travels in each session ticket with the verdict the session carries
 *     (tls_trust_appdata()); a resumption under another stamp, or after the
 *     store's earliest CA notAfter or CRL nextUpdate (fresh_until), verifies
 *     the certificate again and resumes only when the verdict is the same.
 * The CRLs stay out of the session ID context because a CRL is reissued on
 * a schedule (every few hours or days) with the same trust: putting them in
 * would end every session at each reissue, while checking them again at
 * resumption is one cached verification (tls.c's vcache) per certificate.
 */
#ifndef CERTMAP_SERVER_TLS_TRUST_H
#define CERTMAP_SERVER_TLS_TRUST_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <openssl/x509_vfy.h>

struct tls_trust {
    unsigned char ca[32];    /* SHA-256 over the sorted SHA-256s of the trusted certificates */
    unsigned char stamp[32]; /* ca, the CRLs and the verification parameters */
    time_t fresh_until;      /* earliest CA notAfter or CRL nextUpdate: a verdict may change then */
    bool known; /* the store's content was read whole (a clientCaFile); the system store is
                   read lazily, so its digests say nothing */
};

/* Length of a ticket's trust data: "CMT1", the stamp, the verdict (32 bits, big-endian). */
#define TLS_TRUST_APPDATA_LEN 40

/*
 * Digests store (loaded, not shared with another thread yet) and param (the
 * context's verification parameters, merged with the store's) into t;
 * known as the caller says.  0, or -1 when out of memory or a digest fails
 * (t wiped: known false).
 */
int tls_trust_compute(struct tls_trust *t, X509_STORE *store, const X509_VERIFY_PARAM *param,
                      bool known);

/* The ticket data for a session of verdict (an X509_V_ result) under t, into out. */
void tls_trust_appdata(const struct tls_trust *t, long verdict,
                       unsigned char out[TLS_TRUST_APPDATA_LEN]);

/*
 * Reads ticket data p[0..len): 0 with stamp and *verdict filled, or -1 when
 * it is not trust data of this format (a ticket of an older certmapd).
 */
int tls_trust_appdata_parse(const void *p, size_t len, unsigned char stamp[32], long *verdict);

#endif
