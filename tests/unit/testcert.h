/*
 * testcert.h - certificates made at run time for unit tests (header-only,
 * static functions, so that any test file can include it without a link
 * dependency).  Never commit keys: tests create them here.
 */
#ifndef CERTMAP_TEST_TESTCERT_H
#define CERTMAP_TEST_TESTCERT_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

/* Validity of every test certificate: 2026-01-31T12:00:00Z .. 2036-01-31T12:00:00Z. */
#define TESTCERT_NOT_BEFORE 1769860800
#define TESTCERT_NOT_AFTER 2085393600

/* A fresh EC P-256 key; NULL on failure.  Free with EVP_PKEY_free(). */
static inline EVP_PKEY *
testcert_key(void)
{
    return EVP_EC_gen("P-256");
}

static inline int
add_ext(X509 *x, int nid, const char *value)
{
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, NULL, nid, value);
    int ok = ext != NULL && X509_add_ext(x, ext, -1) == 1;

    X509_EXTENSION_free(ext);
    return ok ? 0 : -1;
}

/*
 * A self-signed certificate "CN=<cn>,O=Example" with the given serial, signed
 * by key, with critical basicConstraints and keyUsage and an extendedKeyUsage
 * of clientAuth, as malloc'd DER (*len); NULL on failure.
 */
static inline unsigned char *
testcert_der(EVP_PKEY *key, const char *cn, uint64_t serial, size_t *len)
{
    X509 *x = X509_new();
    X509_NAME *name = NULL;
    BIGNUM *bn = NULL;
    unsigned char *der = NULL, *p;
    int n;

    if (x == NULL)
        return NULL;
    name = X509_NAME_new();
    bn = BN_new();
    if (name == NULL || bn == NULL || !BN_set_word(bn, serial) ||
        BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL ||
        !X509_set_version(x, X509_VERSION_3) ||
        !X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"Example", -1,
                                    -1, 0) ||
        !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1,
                                    0) ||
        !X509_set_subject_name(x, name) || !X509_set_issuer_name(x, name) ||
        ASN1_TIME_set(X509_getm_notBefore(x), TESTCERT_NOT_BEFORE) == NULL ||
        ASN1_TIME_set(X509_getm_notAfter(x), TESTCERT_NOT_AFTER) == NULL ||
        !X509_set_pubkey(x, key) || add_ext(x, NID_basic_constraints, "critical,CA:FALSE") != 0 ||
        add_ext(x, NID_key_usage, "critical,digitalSignature") != 0 ||
        add_ext(x, NID_ext_key_usage, "clientAuth") != 0 || X509_sign(x, key, EVP_sha256()) == 0)
        goto out;
    n = i2d_X509(x, NULL);
    if (n <= 0)
        goto out;
    der = malloc((size_t)n);
    if (der == NULL)
        goto out;
    p = der;
    i2d_X509(x, &p);
    *len = (size_t)n;
out:
    BN_free(bn);
    X509_NAME_free(name);
    X509_free(x);
    return der;
}

/* PEM text of a DER certificate (malloc'd, NUL-terminated); NULL on failure. */
static inline char *
testcert_pem(const unsigned char *der, size_t len)
{
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    BIO *bio = BIO_new(BIO_s_mem());
    char *data, *out = NULL;
    long n;

    if (x != NULL && bio != NULL && PEM_write_bio_X509(bio, x) == 1) {
        n = BIO_get_mem_data(bio, &data);
        out = malloc((size_t)n + 1);
        if (out != NULL) {
            memcpy(out, data, (size_t)n);
            out[n] = '\0';
        }
    }
    BIO_free(bio);
    X509_free(x);
    return out;
}

/*
 * Base64 of len bytes, with sep inserted after every wrap characters (wrap 0:
 * one line).  malloc'd, NUL-terminated; NULL on failure.
 */
static inline char *
testcert_b64(const unsigned char *der, size_t len, size_t wrap, const char *sep)
{
    size_t plain_len = (len + 2) / 3 * 4, seps = wrap > 0 ? plain_len / wrap + 1 : 0, i, n = 0;
    char *plain = malloc(plain_len + 1), *out = malloc(plain_len + seps * strlen(sep) + 1);

    if (plain == NULL || out == NULL) {
        free(plain);
        free(out);
        return NULL;
    }
    EVP_EncodeBlock((unsigned char *)plain, der, (int)len);
    for (i = 0; i < plain_len; i++) {
        if (wrap > 0 && i > 0 && i % wrap == 0) {
            memcpy(out + n, sep, strlen(sep));
            n += strlen(sep);
        }
        out[n++] = plain[i];
    }
    out[n] = '\0';
    free(plain);
    return out;
}

#endif
