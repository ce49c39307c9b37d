/*
 * tls_chain.c - the client's certificate chain kept as DER after the
 * handshake (tls_chain.h says why).
 */
#include "tls_chain.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

/* The chain as sent, its certificates' DER one after the other (ex_data chain_idx). */
struct chain_der {
    size_t len;
    unsigned char der[];
};

static int chain_idx = -1;
static pthread_once_t chain_once = PTHREAD_ONCE_INIT;

void
tls_chain_free_ex(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
    (void)parent;
    (void)ad;
    (void)idx;
    (void)argl;
    (void)argp;
    free(ptr);
}

static void
chain_init(void)
{
    chain_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, tls_chain_free_ex);
}

/* Empties a stack OpenSSL owns: its certificates lose this reference, the stack stays. */
static void
chain_empty(STACK_OF(X509) * sk)
{
    while (sk != NULL && sk_X509_num(sk) > 0)
        X509_free(sk_X509_pop(sk));
}

/*
 * Whether a certificate the client sent can matter to a later verification:
 * a self-signed one (the root most OpenSSL clients append) never can, since
 * trust comes only from the store, whose own copy the verification uses;
 * without it the verdict is the same (unknown issuer, 403.16, when the root
 * is not in the store).
 */
static bool
chain_worth_keeping(X509 *x)
{
    return X509_self_signed(x, 0) != 1;
}

/* The DER of the certificates of sk worth keeping, in order; NULL and *none when there are
   none, NULL alone when out of memory or unencodable. */
static struct chain_der *
chain_encode(STACK_OF(X509) * sk, bool *none)
{
    struct chain_der *cd;
    unsigned char *p;
    size_t len = 0;
    int i, n;

    *none = false;
    for (i = 0; i < sk_X509_num(sk); i++) {
        if (!chain_worth_keeping(sk_X509_value(sk, i)))
            continue;
        n = i2d_X509(sk_X509_value(sk, i), NULL);
        if (n <= 0)
            return NULL;
        len += (size_t)n;
    }
    if (len == 0) {
        *none = true;
        return NULL;
    }
    cd = malloc(sizeof(*cd) + len);
    if (cd == NULL)
        return NULL;
    cd->len = len;
    p = cd->der;
    for (i = 0; i < sk_X509_num(sk); i++) {
        if (!chain_worth_keeping(sk_X509_value(sk, i)))
            continue;
        n = i2d_X509(sk_X509_value(sk, i), &p);
        if (n <= 0) {
            free(cd);
            return NULL;
        }
    }
    return cd;
}

int
tls_chain_compact(SSL *ssl)
{
    STACK_OF(X509) *sent = SSL_get_peer_cert_chain(ssl);
    struct chain_der *cd, *old;
    bool none;

    pthread_once(&chain_once, chain_init);
    if (chain_idx < 0)
        return -1;
    if (sent != NULL && sk_X509_num(sent) > 0) {
        cd = chain_encode(sent, &none);
        if (cd == NULL && !none)
            return -1;
        old = SSL_get_ex_data(ssl, chain_idx);
        if (SSL_set_ex_data(ssl, chain_idx, cd) != 1) {
            free(cd);
            return -1;
        }
        free(old);
        /* The session's stack, freed with the session: emptied, never replaced. */
        chain_empty(sent);
    }
    /* The verified chain holds references to the sent certificates and the trust anchor;
       nothing in certmapd reads it after the handshake. */
    chain_empty(SSL_get0_verified_chain(ssl));
    return 0;
}

int
tls_chain_get1(SSL *ssl, STACK_OF(X509) * *out)
{
    STACK_OF(X509) *sent = SSL_get_peer_cert_chain(ssl), *sk = NULL;
    const struct chain_der *cd;
    const unsigned char *p, *end;
    X509 *x;

    *out = NULL;
    if (sent != NULL && sk_X509_num(sent) > 0) {
        *out = X509_chain_up_ref(sent);
        return *out != NULL ? 0 : -1;
    }
    pthread_once(&chain_once, chain_init);
    cd = chain_idx >= 0 ? SSL_get_ex_data(ssl, chain_idx) : NULL;
    if (cd == NULL)
        return 0;
    sk = sk_X509_new_null();
    if (sk == NULL)
        return -1;
    p = cd->der;
    end = cd->der + cd->len;
    while (p < end) {
        x = d2i_X509(NULL, &p, (long)(end - p));
        if (x == NULL || sk_X509_push(sk, x) <= 0) {
            X509_free(x);
            sk_X509_pop_free(sk, X509_free);
            return -1;
        }
    }
    *out = sk;
    return 0;
}
