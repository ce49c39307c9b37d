/*
 * directory/filter.c - LDAP search filters (RFC 4515) built from values
 * certmap does not control: a certificate's issuer and subject may hold any
 * character, so every value goes through dir_filter_escape().
 */
#include "directory.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/x509.h>

static const char hexdig[] = "0123456789abcdef";

/* RFC 4515 3: the characters that must be escaped in an assertion value. */
static bool
must_escape(unsigned char c)
{
    return c == '*' || c == '(' || c == ')' || c == '\\' || c == '\0';
}

long
dir_filter_escape(const void *in, size_t len, bool all, char *out, size_t size)
{
    const unsigned char *p = in;
    size_t o = 0;

    if (size == 0)
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (all || must_escape(p[i])) {
            if (size - o < 4)
                return -1;
            out[o++] = '\\';
            out[o++] = hexdig[p[i] >> 4];
            out[o++] = hexdig[p[i] & 0xf];
        } else {
            if (size - o < 2)
                return -1;
            out[o++] = (char)p[i];
        }
    }
    out[o] = '\0';
    return (long)o;
}

/* Appends "(attr=escaped)" to buf at *o; -1 when it does not fit. */
static int
append_term(char *buf, size_t size, size_t *o, const char *attr, const void *v, size_t len,
            bool all)
{
    int n = snprintf(buf + *o, size - *o, "(%s=", attr);
    long e;

    if (n < 0 || (size_t)n >= size - *o)
        return -1;
    *o += (size_t)n;
    e = dir_filter_escape(v, len, all, buf + *o, size - *o);
    if (e < 0)
        return -1;
    *o += (size_t)e;
    if (size - *o < 2)
        return -1;
    buf[(*o)++] = ')';
    buf[*o] = '\0';
    return 0;
}

/*
 * The GSER CertificateExactAssertion of the certificate der (RFC 4523 2.1):
 * { serialNumber N, issuer rdnSequence:"RFC 4514 DN" }, which OpenLDAP's
 * certificateExactMatch needs (it does not take a whole certificate).
 * malloc'd, NULL when der does not parse or memory runs out.
 */
static char *
exact_assertion(const unsigned char *der, size_t len)
{
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    BIGNUM *bn = NULL;
    BIO *bio = NULL;
    char *serial = NULL, *dn = NULL, *out = NULL, *q;
    long n;

    if (x == NULL)
        return NULL;
    bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
    serial = bn != NULL ? BN_bn2dec(bn) : NULL;
    bio = BIO_new(BIO_s_mem());
    if (serial == NULL || bio == NULL ||
        X509_NAME_print_ex(bio, X509_get_issuer_name(x), 0,
                           XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0)
        goto out;
    n = BIO_get_mem_data(bio, &q);
    /* GSER string: '"' doubled */
    dn = malloc((size_t)n * 2 + 1);
    if (dn == NULL)
        goto out;
    {
        size_t o = 0;
        for (long i = 0; i < n; i++) {
            if (q[i] == '"')
                dn[o++] = '"';
            dn[o++] = q[i];
        }
        dn[o] = '\0';
    }
    if (asprintf(&out, "{ serialNumber %s, issuer rdnSequence:\"%s\" }", serial, dn) < 0)
        out = NULL;
out:
    free(dn);
    BIO_free(bio);
    OPENSSL_free(serial);
    BN_free(bn);
    X509_free(x);
    return out;
}

char *
dir_filter_for(const struct dir_query *q, const struct certmap_directory_settings *s)
{
    size_t size = 16, o = 0;
    char *buf = NULL;

    if (s->mode == CERTMAP_DIR_USER_CERTIFICATE) {
        /*
         * AD compares userCertificate as octets (the whole certificate is the
         * assertion); OpenLDAP by certificateExactMatch (serial and issuer).
         * Either term may match; the entry's value is then compared byte for
         * byte by dir_result_decide(), so a twin with the same issuer and
         * serial is not taken for the certificate.
         */
        char *exact;
        if (q->der == NULL || q->der_len == 0)
            return NULL;
        exact = exact_assertion(q->der, q->der_len);
        size += 3 * q->der_len + 64 + (exact != NULL ? 3 * strlen(exact) : 0);
        buf = malloc(size);
        if (buf == NULL) {
            free(exact);
            return NULL;
        }
        buf[o++] = '(';
        buf[o++] = '|';
        buf[o] = '\0';
        if (append_term(buf, size, &o, "userCertificate;binary", q->der, q->der_len, true) != 0 ||
            (exact != NULL &&
             append_term(buf, size, &o, "userCertificate", exact, strlen(exact), false) != 0)) {
            free(exact);
            goto fail;
        }
        free(exact);
        buf[o++] = ')';
        buf[o] = '\0';
        return buf;
    }
    if (q->nstrings == 0)
        return NULL;
    for (size_t i = 0; i < q->nstrings; i++)
        size += strlen(s->mapping_attribute) + 3 * strlen(q->strings[i]) + 4;
    buf = malloc(size);
    if (buf == NULL)
        return NULL;
    buf[0] = '\0';
    if (q->nstrings > 1) {
        buf[o++] = '(';
        buf[o++] = '|';
    }
    for (size_t i = 0; i < q->nstrings; i++)
        if (append_term(buf, size, &o, s->mapping_attribute, q->strings[i], strlen(q->strings[i]),
                        false) != 0)
            goto fail;
    if (q->nstrings > 1) {
        if (size - o < 2)
            goto fail;
        buf[o++] = ')';
        buf[o] = '\0';
    }
    return buf;
fail:
    free(buf);
    return NULL;
}
