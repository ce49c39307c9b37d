/*
 * certmap/cert.h - client certificate helpers.
 *
 * A certificate arrives as PEM, DER, or base64 with or without line breaks
 * and spaces (the forms admins paste into applicationHost.config).  All of
 * them decode to the same canonical DER, which is what mappings compare.
 */
#ifndef CERTMAP_CERT_H
#define CERTMAP_CERT_H

#include <stddef.h>
#include <stdint.h>

#include "certmap/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Decodes exactly one X.509 certificate from in (PEM, DER, or base64 with
 * optional whitespace) into canonical DER.  Returns 0 with *der malloc'd
 * (caller frees) and *der_len set; -1 and err filled when the input is not
 * exactly one parseable certificate (garbage, truncated, trailing bytes,
 * two certificates).
 */
int certmap_cert_decode(const void *in, size_t len, unsigned char **der, size_t *der_len,
                        struct certmap_error *err);

/* Like certmap_cert_decode() on the contents of a file; err names the file. */
int certmap_cert_decode_file(const char *path, unsigned char **der, size_t *der_len,
                             struct certmap_error *err);

/* IIS's form: the DER as single-line base64.  Returns a malloc'd string or NULL. */
char *certmap_cert_to_iis_string(const unsigned char *der, size_t der_len);

/* Fingerprints of the DER. */
void certmap_cert_sha256(const unsigned char *der, size_t der_len, unsigned char out[32]);
void certmap_cert_sha1(const unsigned char *der, size_t der_len, unsigned char out[20]);

/* Lower-case hex of len bytes into out (2*len+1 bytes). Returns out. */
char *certmap_hex(const unsigned char *bytes, size_t len, char *out);

/*
 * Parses a fingerprint given as hex (with optional ':' separators, any case)
 * into out; returns the number of bytes (20 or 32), or -1 when malformed.
 */
int certmap_parse_fingerprint(const char *text, unsigned char out[32]);

struct certmap_cert_info {
    char subject[1024];   /* RFC 2253 text in UTF-8, e.g. "CN=alice,O=Example" */
    char issuer[1024];    /* RFC 2253 text */
    char serial[256];     /* upper-case hex, no separators */
    char not_before[32];  /* ISO 8601 UTC, "2026-01-31T12:00:00Z" */
    char not_after[32];   /* ISO 8601 UTC */
    int64_t not_before_t; /* seconds since the epoch */
    int64_t not_after_t;
    char sha256[65]; /* lower-case hex */
    char sha1[41];   /* lower-case hex */
};

/* Fills info from a DER certificate; -1 and err filled when it does not parse. */
int certmap_cert_info(const unsigned char *der, size_t der_len, struct certmap_cert_info *info,
                      struct certmap_error *err);

#ifdef __cplusplus
}
#endif

#endif
