/*
 * cert/der.h - strict DER validation of an X.509 certificate (internal to the
 * cert module).
 *
 * Mappings compare certificates byte for byte, so a certificate must have
 * exactly one encoding: this checks the X.690 DER rules (definite, minimal
 * lengths; minimal INTEGERs; BOOLEAN 00/FF; BIT STRING unused bits zero;
 * sorted SET OF; well-formed times and OIDs; primitive strings) over the whole
 * tree and the RFC 5280 Certificate structure on top, without allocating.
 * OpenSSL's d2i_X509() is about 100 times slower and echoes non-canonical
 * tbsCertificate bytes back unchanged, so it can be neither the speed path nor
 * the canonical check.
 */
#ifndef CERTMAP_CERT_DER_H
#define CERTMAP_CERT_DER_H

#include <stddef.h>

#include "certmap/error.h"

/* Where the fields that certmap_cert_info() shows sit inside the DER (offsets from its start). */
struct cert_der_fields {
    size_t tbs_off, tbs_len;               /* whole tbsCertificate TLV */
    size_t serial_off, serial_len;         /* whole serialNumber INTEGER TLV */
    size_t issuer_off, issuer_len;         /* whole issuer Name TLV */
    size_t subject_off, subject_len;       /* whole subject Name TLV */
    size_t not_before_off, not_before_len; /* whole Time TLV */
    size_t not_after_off, not_after_len;   /* whole Time TLV */
};

/*
 * Checks that der[0..len) is exactly one X.509 certificate in strict DER, with
 * nothing after it.  Returns 0 and fills f (when not NULL); -1 and err filled
 * ("not a certificate: <what> at DER offset N") otherwise.  err may be NULL.
 */
int cert_der_check(const unsigned char *der, size_t len, struct cert_der_fields *f,
                   struct certmap_error *err);

#endif
