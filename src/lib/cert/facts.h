/*
 * cert/facts.h - what a compact mapping index keeps of a certificate once its
 * DER is dropped: its notAfter and its subject, enough for certmapd to warn
 * before it expires (implemented in cert.c, beside certmap_cert_info()).
 */
#ifndef CERTMAP_CERT_FACTS_H
#define CERTMAP_CERT_FACTS_H

#include <stddef.h>
#include <stdint.h>

#include "certmap/error.h"

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
 * certmap_cert_decode() that also fills f, from the one DER walk the decode
 * makes: 0 with *der malloc'd (caller frees), or -1 and err filled.  A
 * notAfter that does not convert to seconds reads as INT64_MAX (never expires),
 * as certmap_cert_info() failing made certmapd never warn about it.
 */
int cert_decode_facts(const void *in, size_t len, unsigned char **der, size_t *der_len,
                      struct cert_facts *f, struct certmap_error *err);

/*
 * The DER Name name[0..len) as RFC 2253 text, as certmap_cert_info() shows a
 * subject (cut to size - 1 bytes); -1 and out empty when it does not parse.
 */
int cert_name_text(const unsigned char *name, size_t len, char *out, size_t size);

#endif
