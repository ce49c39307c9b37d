/*
 * cert/facts.h - what a compact mapping index keeps of a certificate once its
 * DER is dropped: its notAfter and its subject, enough for certmapd to warn
 * before it expires (implemented in cert.c, beside certmap_cert_info()).
 */
#ifndef CERTMAP_CERT_FACTS_H
#define CERTMAP_CERT_FACTS_H

#include <stddef.h>
#include <stdint.h>

struct cert_facts {
    int64_t not_after;               /* seconds since the epoch */
    size_t subject_off, subject_len; /* the subject Name TLV inside the DER */
};

/*
 * Fills f from the strict DER certificate der[0..len) (one walk, no OpenSSL
 * parse); -1 when it does not parse.
 */
int cert_facts_get(const unsigned char *der, size_t len, struct cert_facts *f);

/*
 * The DER Name name[0..len) as RFC 2253 text, as certmap_cert_info() shows a
 * subject (cut to size - 1 bytes); -1 and out empty when it does not parse.
 */
int cert_name_text(const unsigned char *name, size_t len, char *out, size_t size);

#endif
