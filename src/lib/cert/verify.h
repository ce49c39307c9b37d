/*
 * cert/verify.h - client-certificate chain verification as certmap decides
 * it, shared by certmapd's handshake and `certmap test-cert`.
 *
 * OpenSSL stops at the first error it is told to stop at; IIS answers with
 * one sub-status for the whole chain.  cert_verify_chain() therefore runs the
 * whole check, keeps the most significant error (untrusted before revoked
 * before expired, the order in which IIS checks the chain) and reports it.
 */
#ifndef CERTMAP_CERT_VERIFY_H
#define CERTMAP_CERT_VERIFY_H

#include <stddef.h>
#include <time.h>

#include <openssl/x509_vfy.h>

#include "certmap/error.h"

/*
 * The IIS 403 sub-status of an OpenSSL verification result: 0 for X509_V_OK,
 * 17 expired or not yet valid, 13 revoked or revocation unknown (no CRL, CRL
 * out of date or unverifiable), 16 anything else (untrusted).
 */
int cert_verify_substatus(long verify_result);

/* How significant an error is for that one answer: 3 untrusted, 2 revoked, 1 expired, 0 none. */
int cert_verify_rank(long verify_result);

/*
 * Verifies the chain of xs (initialised by the caller with the store, the
 * certificate and the certificates sent with it) through every error, and
 * returns the most significant one (X509_V_OK when it verified).  Leaves that
 * error in xs.  Never fails for lack of a reason: an unexplained failure is
 * X509_V_ERR_UNSPECIFIED.
 */
long cert_verify_chain(X509_STORE_CTX *xs);

/*
 * Loads the trust of a binding into store: the CA certificates of ca_file
 * (NULL: the system's default store), the CRLs of crl_file (NULL: none; at
 * least one CRL when set, and CRL checking turned on for every certificate
 * of the chain, as nginx's ssl_crl does: a certificate issued by a revoked
 * intermediate CA is revoked too, so crl_file needs a current CRL of each
 * CA of the chain, the root included).  0, or -1 with err at
 * src_file:src_line (the <binding>) naming the attribute ("clientCaFile",
 * "crlFile") and the file.
 */
int cert_load_trust(X509_STORE *store, const char *ca_file, const char *crl_file,
                    const char *src_file, unsigned src_line, struct certmap_error *err);

/* One CRL of a crlFile. */
struct cert_crl_info {
    char issuer[256];   /* the issuing CA, one line ("CN=..., O=...") */
    time_t last_update; /* thisUpdate */
    time_t next_update; /* nextUpdate; 0 when the CRL has none (never out of date) */
};

/*
 * Reads the CRLs of crl_file: *out (the caller frees it with free()) holds
 * *n entries in file order.  0, or -1 with err at src_file:src_line naming
 * crlFile (the file cannot be read, holds no CRL, or a time does not parse).
 */
int cert_crl_read(const char *crl_file, struct cert_crl_info **out, size_t *n, const char *src_file,
                  unsigned src_line, struct certmap_error *err);

/*
 * What the CRLs of crl_file say, for the explanation of a refusal: the file
 * name and each CRL's issuer and nextUpdate (those past it marked
 * "expired"), bounded by size; "" when crl_file is NULL, the reason when it
 * cannot be read.  Returns buf.
 */
const char *cert_crl_describe(const char *crl_file, time_t now, char *buf, size_t size);

/* t as "2026-05-01 12:00:00 UTC" into buf (at least 32 bytes); returns buf. */
const char *cert_time_text(time_t t, char *buf, size_t size);

#endif
