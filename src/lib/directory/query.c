/*
 * directory/query.c - what a directory lookup asks: the certificate's
 * mapping strings (cert/adstring.h), strong first, weak ones only when the
 * directory allows them.
 */
#include "directory.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "cert/adstring.h"

static const enum cert_ad_form forms[] = {CERT_AD_ISSUER_SERIAL, CERT_AD_SKI,
                                          CERT_AD_SHA1_PUKEY,    CERT_AD_ISSUER_SUBJECT,
                                          CERT_AD_SUBJECT,       CERT_AD_RFC822};

int
dir_query_init(struct dir_query *q, X509 *cert, const unsigned char *der, size_t der_len,
               const struct certmap_directory_settings *s, struct certmap_error *err)
{
    unsigned int mdlen = 0;

    memset(q, 0, sizeof(*q));
    q->der = der;
    q->der_len = der_len;
    if (EVP_Digest(der, der_len, q->key, &mdlen, EVP_sha256(), NULL) != 1 ||
        mdlen != sizeof(q->key)) {
        certmap_error_set(err, CERTMAP_ERR_CRYPTO, NULL, 0, NULL, NULL,
                          "cannot hash the certificate");
        return -1;
    }
    if (s->mode == CERTMAP_DIR_USER_CERTIFICATE)
        return 0;
    for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]) && q->nstrings < DIR_STRINGS_MAX; i++) {
        struct certmap_error e = {0};
        bool strong = cert_ad_form_strong(forms[i]);
        char *v;

        if (!strong && !s->allow_weak_mappings)
            continue;
        v = cert_ad_string(cert, forms[i], &e);
        if (v == NULL) {
            if (e.kind == CERTMAP_ERR_NOMEM) {
                certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL, "out of memory");
                dir_query_clear(q);
                return -1;
            }
            continue; /* the certificate has no such value (no SKI, no email) */
        }
        q->strings[q->nstrings] = v;
        q->strong[q->nstrings] = strong;
        q->nstrings++;
    }
    return 0;
}

void
dir_query_clear(struct dir_query *q)
{
    if (q == NULL)
        return;
    for (size_t i = 0; i < q->nstrings; i++)
        free((char *)q->strings[i]);
    q->nstrings = 0;
}
