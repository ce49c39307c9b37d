/*
 * cert/verify.c - client-certificate chain verification (see verify.h).
 */
#include "cert/verify.h"

#include <stdio.h>

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
    X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
    return 0;
}
