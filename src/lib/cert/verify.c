/*
 * cert/verify.c - client-certificate chain verification (see verify.h).
 */
#include "cert/verify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/pem.h>

int
cert_verify_substatus(long verify_result)
{
    switch (verify_result) {
    case X509_V_OK:
        return 0;
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID:
        return 17;
    case X509_V_ERR_CERT_REVOKED:
    case X509_V_ERR_UNABLE_TO_GET_CRL:
    case X509_V_ERR_CRL_HAS_EXPIRED:
    case X509_V_ERR_CRL_NOT_YET_VALID:
    case X509_V_ERR_CRL_SIGNATURE_FAILURE:
    case X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE:
    case X509_V_ERR_ERROR_IN_CRL_LAST_UPDATE_FIELD:
    case X509_V_ERR_ERROR_IN_CRL_NEXT_UPDATE_FIELD:
    case X509_V_ERR_CRL_PATH_VALIDATION_ERROR:
    case X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER:
        return 13;
    default:
        return 16;
    }
}

/* Untrust first, as IIS checks the chain. */
int
cert_verify_rank(long e)
{
    switch (cert_verify_substatus(e)) {
    case 16:
        return 3;
    case 13:
        return 2;
    case 17:
        return 1;
    default:
        return 0;
    }
}

static int worst_idx = -1;
static CRYPTO_ONCE worst_once = CRYPTO_ONCE_STATIC_INIT;

static void
worst_init(void)
{
    worst_idx = X509_STORE_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
}

/* Every verification error lands here; remember the most significant and go on. */
static int
on_verify(int ok, X509_STORE_CTX *xs)
{
    long *worst;
    long e;

    if (ok)
        return 1;
    worst = X509_STORE_CTX_get_ex_data(xs, worst_idx);
    e = X509_STORE_CTX_get_error(xs);
    if (worst != NULL && cert_verify_rank(e) > cert_verify_rank(*worst))
        *worst = e;
    return 1;
}

long
cert_verify_chain(X509_STORE_CTX *xs)
{
    long worst = X509_V_OK;
    int r;

    if (!CRYPTO_THREAD_run_once(&worst_once, worst_init) || worst_idx < 0)
        worst = X509_V_ERR_UNSPECIFIED;
    else {
        X509_STORE_CTX_set_ex_data(xs, worst_idx, &worst);
        X509_STORE_CTX_set_verify_cb(xs, on_verify);
        r = X509_verify_cert(xs);
        if (r <= 0 && worst == X509_V_OK) {
            worst = X509_STORE_CTX_get_error(xs);
            if (worst == X509_V_OK)
                worst = X509_V_ERR_UNSPECIFIED;
        }
        X509_STORE_CTX_set_ex_data(xs, worst_idx, NULL);
    }
    X509_STORE_CTX_set_error(xs, (int)worst);
    ERR_clear_error();
    return worst;
}

static int
trust_error(struct certmap_error *err, const char *src_file, unsigned src_line, const char *attr,
            const char *fmt, const char *what)
{
    certmap_error_set(err, CERTMAP_ERR_INVALID, src_file, src_line, "binding", attr, fmt, what);
    certmap_error_add_openssl(err);
    return -1;
}

int
cert_load_trust(X509_STORE *store, const char *ca_file, const char *crl_file, const char *src_file,
                unsigned src_line, struct certmap_error *err)
{
    X509_CRL *crl;
    FILE *f;
    int n = 0;

    if (ca_file != NULL) {
        if (X509_STORE_load_file(store, ca_file) != 1)
            return trust_error(err, src_file, src_line, "clientCaFile",
                               "cannot load the client CA file %s", ca_file);
    } else if (X509_STORE_set_default_paths(store) != 1) {
        return trust_error(err, src_file, src_line, "clientCaFile",
                           "cannot load the system CA store%s", "");
    }
    if (crl_file == NULL)
        return 0;
    f = fopen(crl_file, "r");
    if (f == NULL)
        return trust_error(err, src_file, src_line, "crlFile", "cannot open %s", crl_file);
    while ((crl = PEM_read_X509_CRL(f, NULL, NULL, NULL)) != NULL) {
        if (X509_STORE_add_crl(store, crl) != 1) {
            X509_CRL_free(crl);
            fclose(f);
            return trust_error(err, src_file, src_line, "crlFile", "cannot use the CRLs of %s",
                               crl_file);
        }
        X509_CRL_free(crl);
        n++;
    }
    fclose(f);
    ERR_clear_error();
    if (n == 0)
        return trust_error(err, src_file, src_line, "crlFile", "no CRL in %s", crl_file);
    /* The whole chain: a certificate issued by a revoked intermediate CA is refused too. */
    X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
    return 0;
}

/* An ASN1_TIME as seconds since the epoch; -1 when it does not convert. */
static int
asn1_time(const ASN1_TIME *a, time_t *out)
{
    struct tm tm;

    if (a == NULL) {
        *out = 0;
        return 0;
    }
    if (ASN1_TIME_to_tm(a, &tm) != 1)
        return -1;
    *out = timegm(&tm);
    return *out == (time_t)-1 ? -1 : 0;
}

/* Appends the facts of crl to *list (growing it). 0, or -1 (time unreadable, out of memory). */
static int
crl_push(X509_CRL *crl, struct cert_crl_info **list, size_t *n)
{
    struct cert_crl_info *grown, *c;

    grown = realloc(*list, (*n + 1) * sizeof(**list));
    if (grown == NULL)
        return -1;
    *list = grown;
    c = &grown[*n];
    memset(c, 0, sizeof(*c));
    X509_NAME_oneline(X509_CRL_get_issuer(crl), c->issuer, sizeof(c->issuer));
    if (asn1_time(X509_CRL_get0_lastUpdate(crl), &c->last_update) != 0 ||
        asn1_time(X509_CRL_get0_nextUpdate(crl), &c->next_update) != 0)
        return -1;
    (*n)++;
    return 0;
}

int
cert_crl_read(const char *crl_file, struct cert_crl_info **out, size_t *n, const char *src_file,
              unsigned src_line, struct certmap_error *err)
{
    struct cert_crl_info *list = NULL;
    size_t count = 0;
    X509_CRL *crl;
    FILE *f;
    int ret = -1;

    *out = NULL;
    *n = 0;
    f = fopen(crl_file, "r");
    if (f == NULL)
        return trust_error(err, src_file, src_line, "crlFile", "cannot open %s", crl_file);
    while ((crl = PEM_read_X509_CRL(f, NULL, NULL, NULL)) != NULL) {
        int r = crl_push(crl, &list, &count);

        X509_CRL_free(crl);
        if (r != 0) {
            trust_error(err, src_file, src_line, "crlFile",
                        "a CRL of %s has an update time that cannot be read", crl_file);
            goto out;
        }
    }
    if (count == 0) {
        trust_error(err, src_file, src_line, "crlFile", "no CRL in %s", crl_file);
        goto out;
    }
    *out = list;
    *n = count;
    list = NULL;
    ret = 0;
out:
    fclose(f);
    free(list);
    ERR_clear_error();
    return ret;
}

const char *
cert_time_text(time_t t, char *buf, size_t size)
{
    struct tm tm;

    if (gmtime_r(&t, &tm) == NULL || strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
        snprintf(buf, size, "%lld", (long long)t);
    return buf;
}

const char *
cert_crl_describe(const char *crl_file, time_t now, char *buf, size_t size)
{
    struct certmap_error err = {0};
    struct cert_crl_info *list = NULL;
    size_t n = 0, i, used;
    char when[40];

    if (size == 0)
        return buf;
    buf[0] = '\0';
    if (crl_file == NULL)
        return buf;
    if (cert_crl_read(crl_file, &list, &n, NULL, 0, &err) != 0) {
        snprintf(buf, size, "crlFile %s: %s", crl_file, err.message);
        return buf;
    }
    used = (size_t)snprintf(buf, size, "crlFile %s:", crl_file);
    for (i = 0; i < n && used < size; i++) {
        if (list[i].next_update == 0)
            used += (size_t)snprintf(buf + used, size - used, "%s CRL of %s, no nextUpdate",
                                     i ? ";" : "", list[i].issuer);
        else
            used += (size_t)snprintf(buf + used, size - used, "%s CRL of %s, nextUpdate %s%s",
                                     i ? ";" : "", list[i].issuer,
                                     cert_time_text(list[i].next_update, when, sizeof(when)),
                                     list[i].next_update <= now ? " (expired)" : "");
    }
    free(list);
    return buf;
}
