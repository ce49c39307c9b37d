/*
 * fuzz_cert.c - libFuzzer target for the certificate decoder.
 *
 * The input is anything an admin could paste or point at: PEM, DER, base64
 * with any whitespace, or garbage.  Invariants (abort on violation):
 *  - rejection leaves *der NULL and a non-empty message;
 *  - what certmap_cert_decode() accepts, OpenSSL parses as one X.509
 *    certificate and re-encodes to exactly the same bytes, including a forced
 *    re-encoding of the tbsCertificate (so the strict DER checker never
 *    lets through a certificate OpenSSL would see differently);
 *  - decoding is idempotent: the DER decodes to itself, and so does IIS's
 *    single-line base64 of it;
 *  - certmap_cert_info() succeeds on it, and its fingerprint matches.
 * The input is handed over as an exact-size heap copy, so ASan catches any
 * read past its end.
 *
 * fuzz-sources: src/lib/cert.c src/lib/cert/der.c src/lib/error.c src/lib/fileio.c
 * fuzz-sources: src/lib/codec.c
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "certmap/cert.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_cert: invariant failed at line %d: %s\n", __LINE__, #cond);      \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_openssl_agrees(const unsigned char *der, size_t len)
{
    const unsigned char *p = der;
    unsigned char *re = NULL, *tbs = NULL;
    X509 *x;
    int re_len, tbs_len;
    size_t hdr;

    x = d2i_X509(NULL, &p, (long)len);
    CHECK(x != NULL);
    CHECK(p == der + len);
    re_len = i2d_X509(x, &re);
    CHECK(re_len > 0 && (size_t)re_len == len && memcmp(re, der, len) == 0);
    tbs_len = i2d_re_X509_tbs(x, &tbs);
    CHECK(tbs_len > 0 && (size_t)tbs_len < len);
    /* The tbsCertificate follows the outer header. */
    hdr = der[1] < 0x80 ? 2 : 2 + (size_t)(der[1] & 0x7f);
    CHECK(hdr + (size_t)tbs_len <= len && memcmp(der + hdr, tbs, (size_t)tbs_len) == 0);
    OPENSSL_free(re);
    OPENSSL_free(tbs);
    X509_free(x);
}

static void
check_round_trips(const unsigned char *der, size_t len)
{
    struct certmap_error err = {0};
    struct certmap_cert_info info;
    unsigned char *again = NULL, sha[32];
    size_t again_len = 0;
    char *iis, hex[65];

    CHECK(certmap_cert_decode(der, len, &again, &again_len, &err) == 0);
    CHECK(again_len == len && memcmp(again, der, len) == 0);
    free(again);
    iis = certmap_cert_to_iis_string(der, len);
    CHECK(iis != NULL);
    CHECK(certmap_cert_decode(iis, strlen(iis), &again, &again_len, &err) == 0);
    CHECK(again_len == len && memcmp(again, der, len) == 0);
    free(again);
    free(iis);
    CHECK(certmap_cert_info(der, len, &info, &err) == 0);
    certmap_cert_sha256(der, len, sha);
    CHECK(strcmp(info.sha256, certmap_hex(sha, 32, hex)) == 0);
    CHECK(info.not_before[0] != '\0' && info.not_after[0] != '\0' && info.serial[0] != '\0');
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct certmap_error err = {0};
    unsigned char *in, *der = NULL;
    size_t der_len = 0;

    in = malloc(size > 0 ? size : 1);
    if (in == NULL)
        return 0;
    memcpy(in, data, size);
    if (certmap_cert_decode(in, size, &der, &der_len, &err) != 0) {
        CHECK(der == NULL && der_len == 0);
        CHECK(err.kind != CERTMAP_ERR_NONE && err.message[0] != '\0');
    } else {
        CHECK(der != NULL && der_len > 0);
        check_openssl_agrees(der, der_len);
        check_round_trips(der, der_len);
    }
    free(der);
    free(in);
    return 0;
}
