/*
 * tls_trust.c - digests of a binding's client-certificate trust (tls_trust.h).
 */
#include "tls_trust.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

static const unsigned char appdata_magic[4] = {'C', 'M', 'T', '1'};

static int
cmp32(const void *a, const void *b)
{
    return memcmp(a, b, 32);
}

/* Narrows *until to t when t is earlier; a time that does not convert empties the window. */
static void
narrow_until(const ASN1_TIME *t, time_t *until)
{
    struct tm tm;
    time_t v;

    if (t == NULL)
        return;
    if (ASN1_TIME_to_tm(t, &tm) != 1 || (v = timegm(&tm)) == (time_t)-1) {
        *until = 0;
        return;
    }
    if (v < *until)
        *until = v;
}

/* Feeds n sorted 32-byte digests, preceded by a label and their count, into h. */
static int
feed_sorted(EVP_MD_CTX *h, const char *label, unsigned char (*d)[32], size_t n)
{
    unsigned char count[8];

    qsort(d, n, 32, cmp32);
    for (int i = 0; i < 8; i++)
        count[i] = (unsigned char)((uint64_t)n >> (56 - 8 * i));
    if (EVP_DigestUpdate(h, label, strlen(label) + 1) != 1 ||
        EVP_DigestUpdate(h, count, sizeof(count)) != 1)
        return -1;
    return n == 0 || EVP_DigestUpdate(h, d, n * 32) == 1 ? 0 : -1;
}

/*
 * The parameters a verdict depends on: depth, flags and security level (the
 * purpose is the same, SSL client, for every context; OpenSSL 3.0 has no
 * getter for it).
 */
static int
feed_param(EVP_MD_CTX *h, const X509_VERIFY_PARAM *param)
{
    char buf[96];
    int n;

    n = snprintf(buf, sizeof(buf), "param|%d|%lu|%d|", X509_VERIFY_PARAM_get_depth(param),
                 (unsigned long)X509_VERIFY_PARAM_get_flags(param),
                 X509_VERIFY_PARAM_get_auth_level(param));
    if (n < 0 || (size_t)n >= sizeof(buf))
        return -1;
    return EVP_DigestUpdate(h, buf, (size_t)n) == 1 ? 0 : -1;
}

/*
 * The SHA-256 of every certificate and CRL of store into *ca and *crl
 * (allocated, counts in *nca, *ncrl), narrowing *until.  0 or -1.
 */
static int
trust_collect(X509_STORE *store, unsigned char (**ca)[32], size_t *nca, unsigned char (**crl)[32],
              size_t *ncrl, time_t *until)
{
    STACK_OF(X509_OBJECT) *objs = X509_STORE_get0_objects(store);
    int n = objs != NULL ? sk_X509_OBJECT_num(objs) : 0;
    unsigned int len;

    *nca = *ncrl = 0;
    *ca = calloc(n > 0 ? (size_t)n : 1, 32);
    *crl = calloc(n > 0 ? (size_t)n : 1, 32);
    if (*ca == NULL || *crl == NULL)
        return -1;
    for (int i = 0; i < n; i++) {
        X509_OBJECT *o = sk_X509_OBJECT_value(objs, i);
        X509 *x = X509_OBJECT_get0_X509(o);
        X509_CRL *c = X509_OBJECT_get0_X509_CRL(o);

        if (x != NULL) {
            if (X509_digest(x, EVP_sha256(), (*ca)[*nca], &len) != 1 || len != 32)
                return -1;
            (*nca)++;
            narrow_until(X509_get0_notAfter(x), until);
        } else if (c != NULL) {
            if (X509_CRL_digest(c, EVP_sha256(), (*crl)[*ncrl], &len) != 1 || len != 32)
                return -1;
            (*ncrl)++;
            narrow_until(X509_CRL_get0_nextUpdate(c), until);
        }
    }
    return 0;
}

int
tls_trust_compute(struct tls_trust *t, X509_STORE *store, const X509_VERIFY_PARAM *param,
                  bool known)
{
    unsigned char(*ca)[32] = NULL, (*crl)[32] = NULL;
    size_t nca = 0, ncrl = 0;
    EVP_MD_CTX *h = EVP_MD_CTX_new();
    unsigned int len;
    int ret = -1;

    memset(t, 0, sizeof(*t));
    t->fresh_until = (time_t)INT64_MAX;
    if (h == NULL || trust_collect(store, &ca, &nca, &crl, &ncrl, &t->fresh_until) != 0)
        goto out;
    if (EVP_DigestInit_ex(h, EVP_sha256(), NULL) != 1 || feed_sorted(h, "ca", ca, nca) != 0 ||
        EVP_DigestFinal_ex(h, t->ca, &len) != 1 || len != 32)
        goto out;
    /* The store's own parameters (the CRL flags cert_load_trust() sets) and the context's. */
    if (EVP_DigestInit_ex(h, EVP_sha256(), NULL) != 1 ||
        EVP_DigestUpdate(h, "certmap trust v1", 17) != 1 ||
        EVP_DigestUpdate(h, t->ca, sizeof(t->ca)) != 1 || feed_sorted(h, "crl", crl, ncrl) != 0 ||
        feed_param(h, X509_STORE_get0_param(store)) != 0 || feed_param(h, param) != 0 ||
        EVP_DigestFinal_ex(h, t->stamp, &len) != 1 || len != 32)
        goto out;
    t->known = known;
    ret = 0;
out:
    if (ret != 0)
        memset(t, 0, sizeof(*t));
    EVP_MD_CTX_free(h);
    free(ca);
    free(crl);
    return ret;
}

void
tls_trust_appdata(const struct tls_trust *t, long verdict, unsigned char out[TLS_TRUST_APPDATA_LEN])
{
    uint32_t v = (uint32_t)verdict;

    memcpy(out, appdata_magic, 4);
    memcpy(out + 4, t->stamp, 32);
    for (int i = 0; i < 4; i++)
        out[36 + i] = (unsigned char)(v >> (24 - 8 * i));
}

int
tls_trust_appdata_parse(const void *p, size_t len, unsigned char stamp[32], long *verdict)
{
    const unsigned char *b = p;
    uint32_t v = 0;

    if (b == NULL || len != TLS_TRUST_APPDATA_LEN || memcmp(b, appdata_magic, 4) != 0)
        return -1;
    memcpy(stamp, b + 4, 32);
    for (int i = 0; i < 4; i++)
        v = v << 8 | b[36 + i];
    *verdict = (long)v;
    return 0;
}
