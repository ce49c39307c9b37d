/*
 * tls.c - SSL contexts per https binding, SNI selection, client certificate
 * verification that never fails the handshake, per-site session tickets.
 *
 * Why this file stays whole (a little over STYLE's ~800 lines): it is one
 * job, building an SSL_CTX for a binding and answering OpenSSL's callbacks
 * on it.  The callbacks (ClientHello/SNI, certificate verification with its
 * cache, session-ticket keys) and tls_ctx_new(), which installs them, share
 * the ex_data indexes and the cipher and digest that tls_init() sets up
 * once; a tls_ticket.c or tls_verify.c would need them exported from here
 * while calling back into tls_ssl_binding(), a dependency circle for
 * about 60 to 200 lines.  The certificate and key loading stands alone and
 * lives in libcertmap (cert/server.h), where `certmapd -t` and `certmap
 * validate` read the files exactly as the server does.  Client certificates
 * asked for after the handshake (tls_late_*) belong here: the ClientHello
 * callback decides whether the handshake asks, and the ticket callbacks must
 * know when a renegotiation of ours is under way.
 */
#include "tls.h"

#include <dirent.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/tls1.h>
#include <openssl/x509v3.h>

#include "cert/server.h"
#include "cert/verify.h"
#include "certmap/cert.h"
#include "codec.h"
#include "snapshot.h"
#include "tls_trust.h"
#include "tls_chain.h"

/* TLS 1.2 suites: ECDHE key exchange (forward secrecy) with AEAD only. */
#define TLS12_CIPHERS                                                                              \
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"                                   \
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"                                   \
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"

static int ctx_binding_idx = -1;  /* SSL_CTX ex_data: struct snap_binding * */
static int ssl_endpoint_idx = -1; /* SSL ex_data: const struct snap_endpoint * */
static int ctx_vcache_idx = -1;   /* SSL_CTX ex_data: struct vcache * (freed with the context) */
static int ssl_late_idx = -1;     /* SSL ex_data: TLS_LATE_* bits, stored as the pointer value */
static int ctx_trust_idx = -1;    /* SSL_CTX ex_data: struct tls_trust * (freed with the context) */
static EVP_CIPHER *ticket_cipher; /* AES-256-CBC, fetched once rather than per ticket */
static EVP_MD *vcache_md;         /* SHA-256, fetched once rather than per handshake */

/*
 * Verification results of one SSL_CTX (so of one trust store and CRL set:
 * a reload builds new contexts, and so new caches).  Only successes are
 * kept, keyed by the SHA-256 of the client's certificate and of every
 * certificate it sent with it, together with the window [not_before,
 * not_after) in which the result holds: the latest notBefore and
 * lastUpdate, the earliest notAfter and nextUpdate of the verified chain
 * and of the store's CRLs.  A hit skips the chain building and the CA's
 * signature check; the client's proof of possession of the key
 * (CertificateVerify) is checked by OpenSSL outside this cache.
 */
#define VCACHE_SLOTS 512
#define VCACHE_WAYS                                                                                \
    4 /* a set of 4: a few certificates whose keys collide do not evict each other */
struct vcache_entry {
    unsigned char key[32];
    time_t not_before, not_after;
    unsigned long stamp; /* vcache.clock when put: the oldest of a full set is replaced */
    bool used;
};
struct vcache {
    pthread_mutex_t lock; /* workers share the contexts */
    unsigned long clock;  /* counts puts */
    struct vcache_entry e[VCACHE_SLOTS];
};
static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void
vcache_free_ex(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
    struct vcache *vc = ptr;

    (void)parent;
    (void)ad;
    (void)idx;
    (void)argl;
    (void)argp;
    if (vc == NULL)
        return;
    pthread_mutex_destroy(&vc->lock);
    free(vc);
}

static void
init_indexes(void)
{
    ctx_binding_idx = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
    ssl_endpoint_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
    ticket_cipher = EVP_CIPHER_fetch(NULL, "AES-256-CBC", NULL);
    vcache_md = EVP_MD_fetch(NULL, "SHA256", NULL);
    ctx_vcache_idx = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, vcache_free_ex);
    ssl_late_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
    /* struct tls_trust is one malloc'd block, freed as the chain's DER is */
    ctx_trust_idx = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, tls_chain_free_ex);
}

int
tls_init(void)
{
    pthread_once(&init_once, init_indexes);
    if (ctx_binding_idx < 0 || ssl_endpoint_idx < 0 || ticket_cipher == NULL || vcache_md == NULL ||
        ctx_vcache_idx < 0 || ssl_late_idx < 0 || ctx_trust_idx < 0)
        return -1;
    return 0;
}

/* The cache key of a verification: the certificate and the untrusted ones sent with it. */
static int
vcache_key(X509_STORE_CTX *xs, unsigned char key[32])
{
    X509 *leaf = X509_STORE_CTX_get0_cert(xs);
    STACK_OF(X509) *sent = X509_STORE_CTX_get0_untrusted(xs);
    EVP_MD_CTX *h = EVP_MD_CTX_new();
    unsigned char one[EVP_MAX_MD_SIZE];
    unsigned int n;
    int i, ok = 0;

    if (h == NULL || leaf == NULL || EVP_DigestInit_ex(h, vcache_md, NULL) != 1)
        goto out;
    if (X509_digest(leaf, vcache_md, one, &n) != 1 || EVP_DigestUpdate(h, one, n) != 1)
        goto out;
    for (i = 0; sent != NULL && i < sk_X509_num(sent); i++)
        if (X509_digest(sk_X509_value(sent, i), vcache_md, one, &n) != 1 ||
            EVP_DigestUpdate(h, one, n) != 1)
            goto out;
    ok = EVP_DigestFinal_ex(h, key, &n) == 1 && n == 32;
out:
    EVP_MD_CTX_free(h);
    return ok;
}

/* Narrows [*from, *until) to [t0, t1); a time OpenSSL cannot convert empties the window. */
static void
narrow(const ASN1_TIME *t0, const ASN1_TIME *t1, time_t *from, time_t *until)
{
    struct tm tm;
    time_t t;

    if (t0 != NULL) {
        if (ASN1_TIME_to_tm(t0, &tm) != 1 || (t = timegm(&tm)) == (time_t)-1)
            *until = 0;
        else if (t > *from)
            *from = t;
    }
    if (t1 != NULL) {
        if (ASN1_TIME_to_tm(t1, &tm) != 1 || (t = timegm(&tm)) == (time_t)-1)
            *until = 0;
        else if (t < *until)
            *until = t;
    }
}

/* The window of a successful verification: chain validity and CRL update times. */
static void
vcache_window(X509_STORE_CTX *xs, time_t *from, time_t *until)
{
    STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(xs);
    X509_STORE *store = X509_STORE_CTX_get0_store(xs);
    STACK_OF(X509_OBJECT) * objs;
    int i;

    *from = 0;
    *until = (time_t)INT64_MAX;
    if (chain == NULL || sk_X509_num(chain) == 0) {
        *until = 0;
        return;
    }
    for (i = 0; i < sk_X509_num(chain); i++) {
        X509 *x = sk_X509_value(chain, i);
        narrow(X509_get0_notBefore(x), X509_get0_notAfter(x), from, until);
    }
    if (store == NULL || !(X509_VERIFY_PARAM_get_flags(X509_STORE_CTX_get0_param(xs)) &
                           (X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL)))
        return;
    if (X509_STORE_lock(store) != 1) {
        *until = 0;
        return;
    }
    objs = X509_STORE_get0_objects(store);
    for (i = 0; objs != NULL && i < sk_X509_OBJECT_num(objs); i++) {
        X509_CRL *crl = X509_OBJECT_get0_X509_CRL(sk_X509_OBJECT_value(objs, i));
        if (crl == NULL)
            continue;
        narrow(X509_CRL_get0_lastUpdate(crl), X509_CRL_get0_nextUpdate(crl), from, until);
    }
    X509_STORE_unlock(store);
}

/* The first entry of key's set. */
static struct vcache_entry *
vcache_set(struct vcache *vc, const unsigned char key[32])
{
    return &vc->e[(key[0] | (unsigned)key[1] << 8) % (VCACHE_SLOTS / VCACHE_WAYS) * VCACHE_WAYS];
}

/* 1 when key is cached and now is inside its window. */
static int
vcache_hit(struct vcache *vc, const unsigned char key[32], time_t now)
{
    struct vcache_entry *e = vcache_set(vc, key);
    int hit = 0, i;

    pthread_mutex_lock(&vc->lock);
    for (i = 0; i < VCACHE_WAYS && !hit; i++)
        hit = e[i].used && memcmp(e[i].key, key, 32) == 0 && now >= e[i].not_before &&
              now < e[i].not_after;
    pthread_mutex_unlock(&vc->lock);
    return hit;
}

/* Puts key in its set: over its own entry, else a free one, else the oldest. */
static void
vcache_put(struct vcache *vc, const unsigned char key[32], time_t from, time_t until)
{
    struct vcache_entry *set = vcache_set(vc, key), *e = NULL;
    int i;

    pthread_mutex_lock(&vc->lock);
    for (i = 0; i < VCACHE_WAYS && e == NULL; i++)
        if (set[i].used && memcmp(set[i].key, key, 32) == 0)
            e = &set[i];
    for (i = 0; i < VCACHE_WAYS && e == NULL; i++)
        if (!set[i].used)
            e = &set[i];
    if (e == NULL) {
        e = &set[0];
        for (i = 1; i < VCACHE_WAYS; i++)
            if (set[i].stamp < e->stamp)
                e = &set[i];
    }
    memcpy(e->key, key, 32);
    e->not_before = from;
    e->not_after = until;
    e->stamp = ++vc->clock;
    e->used = true;
    pthread_mutex_unlock(&vc->lock);
}

/*
 * Replaces OpenSSL's chain check for the handshake: runs cert_verify_chain(),
 * which leaves the most significant error in the store context, which
 * OpenSSL copies into the SSL and its session (so that a resumed session
 * reports it again).  Returning 1 keeps the handshake going.  arg is the
 * context's struct vcache (NULL: no cache): a certificate verified
 * successfully before with the same store is accepted again while the
 * validity window of that verification holds.
 */
static int
on_cert_verify(X509_STORE_CTX *xs, void *arg)
{
    struct vcache *vc = arg;
    unsigned char key[32];
    long worst;
    time_t now = time(NULL), from, until;
    int keyed = 0;

    if (vc != NULL && (X509_VERIFY_PARAM_get_flags(X509_STORE_CTX_get0_param(xs)) &
                       X509_V_FLAG_USE_CHECK_TIME) == 0) {
        keyed = vcache_key(xs, key);
        if (keyed && vcache_hit(vc, key, now)) {
            X509_STORE_CTX_set_error(xs, X509_V_OK);
            ERR_clear_error();
            return 1;
        }
    }
    worst = cert_verify_chain(xs);
    if (keyed && worst == X509_V_OK) {
        vcache_window(xs, &from, &until);
        if (now >= from && now < until)
            vcache_put(vc, key, from, until);
    }
    return 1;
}

/*
 * Session tickets with the keys of the site whose context the SSL uses now
 * (tickets.h): the first key encrypts, any of the site's keys decrypts, and
 * a ticket naming a key of another site (or a key rotated out, or one that
 * left the shared file) gets a full handshake.
 */
static int
on_ticket_key(SSL *ssl, unsigned char key_name[16], unsigned char iv[EVP_MAX_IV_LENGTH],
              EVP_CIPHER_CTX *cctx, EVP_MAC_CTX *hctx, int enc)
{
    const struct snap_binding *b = tls_ssl_binding(ssl);
    const struct tickets_key *k;
    OSSL_PARAM params[3];

    if (b == NULL || b->site->tickets.n == 0)
        return -1;
    k = enc ? &b->site->tickets.k[0] : tickets_find(&b->site->tickets, key_name);
    if (k == NULL)
        return 0;
    params[0] =
        OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, (void *)k->hmac, sizeof(k->hmac));
    params[1] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0);
    params[2] = OSSL_PARAM_construct_end();
    if (EVP_MAC_CTX_set_params(hctx, params) != 1)
        return -1;
    if (enc) {
        memcpy(key_name, k->name, 16);
        if (RAND_bytes(iv, 16) != 1)
            return -1;
        if (EVP_EncryptInit_ex(cctx, ticket_cipher, NULL, k->aes, iv) != 1)
            return -1;
        return 1;
    }
    if (EVP_DecryptInit_ex(cctx, ticket_cipher, NULL, k->aes, iv) != 1)
        return -1;
    /* A ticket of a previous key: use it, and send a new one under the current key. */
    return k == &b->site->tickets.k[0] ? 1 : 2;
}

/*
 * Late client certificates: what the handshake decided and how far a
 * request after it went, per SSL (ex_data ssl_late_idx).
 */
#define TLS_LATE_DEFERRED 0x01 /* the handshake did not ask; a request may */
#define TLS_LATE_PHA 0x02      /* TLS 1.3 client offering post-handshake authentication */
#define TLS_LATE_STARTED 0x04  /* tls_late_start() asked */
#define TLS_LATE_FIN_IN 0x08   /* since then: the client's Finished came */
#define TLS_LATE_FIN_OUT 0x10  /* since then: our Finished went (renegotiation) */
#define TLS_LATE_RENEG 0x20    /* a server-initiated renegotiation is under way */

static unsigned
late_flags(const SSL *ssl)
{
    return (unsigned)(uintptr_t)SSL_get_ex_data(ssl, ssl_late_idx);
}

static void
late_set(SSL *ssl, unsigned flags)
{
    SSL_set_ex_data(ssl, ssl_late_idx, (void *)(uintptr_t)flags);
}

/* t as seconds since the epoch; -1 when OpenSSL cannot convert it. */
static time_t
asn1_time_t(const ASN1_TIME *t)
{
    struct tm tm;

    if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
        return (time_t)-1;
    return timegm(&tm);
}

/* When the session began; OpenSSL 3.3 added the Y2038-safe call, 3.4 deprecates the other. */
static time_t
session_start(const SSL_SESSION *sess)
{
#if OPENSSL_VERSION_NUMBER >= 0x30300000L
    return SSL_SESSION_get_time_ex(sess);
#else
    return (time_t)SSL_SESSION_get_time(sess);
#endif
}

/*
 * A new session ticket: it ends no later than the client certificate it
 * carries (a resumption must not outlive the certificate's notAfter), and
 * it carries the trust stamp of this context with the session's verdict
 * (tls_trust.h), for session_verdict_holds() at resumption.
 */
static int
on_ticket_gen(SSL *ssl, void *arg)
{
    SSL_SESSION *sess = SSL_get0_session(ssl);
    const struct tls_trust *tr = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ctx_trust_idx);
    unsigned char appdata[TLS_TRUST_APPDATA_LEN];
    X509 *peer;
    time_t end, start;
    long left;

    (void)arg;
    if (sess == NULL || (peer = SSL_SESSION_get0_peer(sess)) == NULL)
        return 1;
    if (tr != NULL) {
        tls_trust_appdata(tr, SSL_get_verify_result(ssl), appdata);
        /* Without it the session is verified again at resumption: slower, never wrong. */
        SSL_SESSION_set1_ticket_appdata(sess, appdata, sizeof(appdata));
    }
    end = asn1_time_t(X509_get0_notAfter(peer));
    start = session_start(sess);
    /* At least a second: OpenSSL fails the handshake on a ticket without lifetime, and a
       session whose certificate has expired is refused at resumption (on_ticket_dec()). */
    left = end == (time_t)-1 || end <= start + 1 ? 1 : (long)(end - start);
    if (left < SSL_SESSION_get_timeout(sess))
        SSL_SESSION_set_timeout(sess, left);
    return 1;
}

/*
 * The verdict of verifying peer again with this context's store, without
 * the intermediates the client sent (they are not in the ticket: a client
 * whose chain needs them gets a full handshake then, slower, never wrong).
 */
static long
session_reverify(SSL *ssl, X509 *peer)
{
    SSL_CTX *ctx = SSL_get_SSL_CTX(ssl);
    X509_STORE_CTX *xs = X509_STORE_CTX_new();
    long r = X509_V_ERR_UNSPECIFIED;

    if (xs == NULL || X509_STORE_CTX_init(xs, SSL_CTX_get_cert_store(ctx), peer, NULL) != 1)
        goto out;
    X509_STORE_CTX_set_default(xs, "ssl_client");
    X509_VERIFY_PARAM_set1(X509_STORE_CTX_get0_param(xs), SSL_CTX_get0_param(ctx));
    on_cert_verify(xs, SSL_CTX_get_ex_data(ctx, ctx_vcache_idx));
    r = X509_STORE_CTX_get_error(xs);
out:
    X509_STORE_CTX_free(xs);
    ERR_clear_error();
    return r;
}

/*
 * Whether the verdict a resumed session carries on its certificate (its
 * verify result, which the HTTP layer turns into 200 or 403.16/13/17) still
 * holds with this context's trust store.  The session ID context already
 * keeps out sessions of another site or other trust anchors (see
 * set_session_context()); what may differ for a session made before a
 * reload, or by another instance sharing the ticket keys, is the CRLs.
 *   - Same trust stamp (same CAs, CRLs and parameters) and none of them has
 *     expired or reached its nextUpdate since: same verdict, nothing to do.
 *   - Otherwise the certificate is verified again (the context's cache
 *     makes that cheap) and the session resumes only with the same verdict:
 *     a revoked certificate gets a full handshake, which decides afresh.
 * A store read lazily (the system store) has no stamp: with per-process
 * keys its sessions never leave their snapshot (the generation is in the
 * session ID context), with shared keys they are verified again and must
 * verify.  Mappings need nothing here: they are looked up for every request.
 */
static bool
session_verdict_holds(SSL *ssl, SSL_SESSION *sess, X509 *peer, time_t now)
{
    const struct snap_binding *b = tls_ssl_binding(ssl);
    const struct tls_trust *tr = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ctx_trust_idx);
    void *data = NULL;
    size_t len = 0;
    unsigned char stamp[32];
    long verdict = X509_V_OK;
    bool have;

    if (b == NULL || !b->request_cert)
        return true;
    have = SSL_SESSION_get0_ticket_appdata(sess, &data, &len) == 1 &&
           tls_trust_appdata_parse(data, len, stamp, &verdict) == 0;
    if (tr != NULL && tr->known && have && memcmp(stamp, tr->stamp, sizeof(stamp)) == 0 &&
        now < tr->fresh_until)
        return true;
    if (!b->site->tickets.shared && (tr == NULL || !tr->known))
        return true;
    return session_reverify(ssl, peer) == (have ? verdict : X509_V_OK);
}

/*
 * A ticket the client presents: a session past its timeout, or whose client
 * certificate is outside its validity now, is not resumed (full handshake),
 * whatever the ticket's own lifetime says.
 */
static SSL_TICKET_RETURN
on_ticket_dec(SSL *ssl, SSL_SESSION *sess, const unsigned char *keyname, size_t keyname_len,
              SSL_TICKET_STATUS status, void *arg)
{
    time_t now = time(NULL);
    X509 *peer;

    (void)keyname;
    (void)keyname_len;
    (void)arg;
    switch (status) {
    case SSL_TICKET_SUCCESS:
    case SSL_TICKET_SUCCESS_RENEW:
        break;
    case SSL_TICKET_EMPTY:
    case SSL_TICKET_NO_DECRYPT:
        return SSL_TICKET_RETURN_IGNORE_RENEW;
    default:
        return SSL_TICKET_RETURN_ABORT;
    }
    /*
     * Our renegotiation must be a full handshake (a resumed session has no
     * certificate), and end with a new ticket that carries the certificate
     * (SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION would send none).
     */
    if (late_flags(ssl) & TLS_LATE_RENEG)
        return SSL_TICKET_RETURN_IGNORE_RENEW;
    if (sess == NULL || (long)(now - session_start(sess)) >= SSL_SESSION_get_timeout(sess))
        return SSL_TICKET_RETURN_IGNORE_RENEW;
    peer = SSL_SESSION_get0_peer(sess);
    if (peer != NULL && tls_cert_time_check(peer, now) != X509_V_OK)
        return SSL_TICKET_RETURN_IGNORE_RENEW;
    if (peer != NULL && !session_verdict_holds(ssl, sess, peer, now))
        return SSL_TICKET_RETURN_IGNORE_RENEW;
    /*
     * A TLS 1.3 client uses each ticket once (RFC 8446 C.4; browsers do):
     * without a fresh one after this resumption its next connection would be
     * a full handshake.  A TLS 1.2 ticket may be reused while its key is
     * current.
     */
    if (status == SSL_TICKET_SUCCESS_RENEW || SSL_version(ssl) == TLS1_3_VERSION)
        return SSL_TICKET_RETURN_USE_RENEW;
    return SSL_TICKET_RETURN_USE;
}

/* The host_name of a server_name extension (RFC 6066 §3); 0 and out/len, or -1. */
static int
parse_sni(const unsigned char *p, size_t len, const char **out, size_t *out_len)
{
    size_t list_len, name_len;

    if (len < 2)
        return -1;
    list_len = ((size_t)p[0] << 8) | p[1];
    p += 2;
    len -= 2;
    if (list_len != len || len < 3)
        return -1;
    if (p[0] != TLSEXT_NAMETYPE_host_name)
        return -1;
    name_len = ((size_t)p[1] << 8) | p[2];
    if (name_len == 0 || name_len > len - 3)
        return -1;
    *out = (const char *)p + 3;
    *out_len = name_len;
    return 0;
}

/* 1 when the ClientHello's supported_versions (RFC 8446 §4.2.1) offers TLS 1.3. */
static int
offers_tls13(SSL *ssl)
{
    const unsigned char *ext;
    size_t len, i;
    int max = (int)SSL_get_max_proto_version(ssl);

    if (max != 0 && max < TLS1_3_VERSION)
        return 0;
    if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_supported_versions, &ext, &len) != 1)
        return 0;
    if (len < 1 || ext[0] != len - 1)
        return 0;
    for (i = 1; i + 1 < len; i += 2)
        if (ext[i] == 0x03 && ext[i + 1] == 0x04)
            return 1;
    return 0;
}

/*
 * Whether this handshake asks for the client certificate, for a binding
 * that may ask later: a TLS 1.2 client (renegotiation) and a TLS 1.3 client
 * offering post-handshake authentication are not asked now; a TLS 1.3
 * client without it is asked now under "auto" (it could never be asked
 * later) and never under "late".
 */
static void
decide_cert_request(SSL *ssl)
{
    const struct snap_binding *b = tls_ssl_binding(ssl);
    const unsigned char *ext;
    size_t len;

    /* The ClientHello of our own renegotiation: it asks, as tls_late_start() set. */
    if (late_flags(ssl) & TLS_LATE_STARTED)
        return;
    late_set(ssl, 0);
    if (b == NULL || !b->request_cert || b->cert_defer == SNAP_DEFER_NO)
        return;
    if (!offers_tls13(ssl)) {
        SSL_set_verify(ssl, SSL_VERIFY_NONE, NULL);
        late_set(ssl, TLS_LATE_DEFERRED);
    } else if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_post_handshake_auth, &ext, &len) == 1) {
        /* TLS 1.3: no CertificateRequest now; SSL_verify_client_post_handshake() later */
        SSL_set_verify(ssl, SSL_VERIFY_PEER | SSL_VERIFY_POST_HANDSHAKE, NULL);
        late_set(ssl, TLS_LATE_DEFERRED | TLS_LATE_PHA);
    } else if (b->cert_defer == SNAP_DEFER_ALWAYS) {
        SSL_set_verify(ssl, SSL_VERIFY_NONE, NULL);
        late_set(ssl, TLS_LATE_DEFERRED);
    }
}

/*
 * Picks the binding from the SNI name before OpenSSL looks at the session, so
 * that session ID context, ticket keys, verification mode and trust store
 * are those of the selected site.  An unknown name stays on the endpoint's
 * default context; the HTTP layer then judges the Host header.  Then decides
 * whether the handshake asks for a client certificate (decide_cert_request()).
 */
static int
on_client_hello(SSL *ssl, int *alert, void *arg)
{
    const struct snap_endpoint *ep = SSL_get_ex_data(ssl, ssl_endpoint_idx);
    const unsigned char *ext;
    size_t ext_len, name_len;
    const char *name;
    const struct snap_binding *b = NULL;
    SSL_CTX *ctx;

    (void)arg;
    if (ep != NULL &&
        SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_server_name, &ext, &ext_len) == 1 &&
        parse_sni(ext, ext_len, &name, &name_len) == 0)
        b = snapshot_find_binding(ep, name, name_len);
    if (b != NULL && b->ssl_ctx != NULL && b->ssl_ctx != SSL_get_SSL_CTX(ssl)) {
        ctx = b->ssl_ctx;
        if (SSL_set_SSL_CTX(ssl, ctx) != ctx) {
            *alert = SSL_AD_INTERNAL_ERROR;
            return SSL_CLIENT_HELLO_ERROR;
        }
        /* SSL_set_SSL_CTX() keeps the verification settings of the first context. */
        SSL_set_verify(ssl, SSL_CTX_get_verify_mode(ctx), SSL_CTX_get_verify_callback(ctx));
        X509_VERIFY_PARAM_set1(SSL_get0_param(ssl), SSL_CTX_get0_param(ctx));
    }
    decide_cert_request(ssl);
    return SSL_CLIENT_HELLO_SUCCESS;
}

static int
binding_error(struct certmap_error *err, const struct tls_binding_conf *conf, const char *attr,
              const char *fmt, const char *what)
{
    certmap_error_set(err, CERTMAP_ERR_INVALID, conf->src_file, conf->src_line, "binding", attr,
                      fmt, what);
    certmap_error_add_openssl(err);
    return -1;
}

/*
 * The binding's certificate, chain and key, read by libcertmap as `certmapd
 * -t` checks them (cert/server.h), installed in ctx.
 */
static int
load_server_cert(SSL_CTX *ctx, const struct tls_binding_conf *conf, struct certmap_error *err)
{
    struct cert_server_conf sc = {
        .cert_file = conf->cert_file,
        .key_file = conf->key_file,
        .cert_hash = conf->cert_hash,
        .store_dir = conf->store_dir,
        .src_file = conf->src_file,
        .src_line = conf->src_line,
    };
    struct cert_server s;
    int ret = -1, i;

    if (cert_server_load(&sc, &s, err) != 0)
        return -1;
    if (SSL_CTX_use_certificate(ctx, s.cert) != 1 || SSL_CTX_use_PrivateKey(ctx, s.key) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
        binding_error(err, conf, conf->cert_file != NULL ? "certificateFile" : "certificateHash",
                      "cannot use the certificate and key of %s", s.path);
        goto out;
    }
    for (i = 0; i < sk_X509_num(s.chain); i++) {
        if (SSL_CTX_add1_chain_cert(ctx, sk_X509_value(s.chain, i)) != 1) {
            binding_error(err, conf,
                          conf->cert_file != NULL ? "certificateFile" : "certificateHash",
                          "cannot use the chain of %s", s.path);
            goto out;
        }
    }
    ret = 0;
out:
    cert_server_clear(&s);
    return ret;
}

static int
setup_client_auth(SSL_CTX *ctx, const struct tls_binding_conf *conf, struct certmap_error *err)
{
    STACK_OF(X509_NAME) * names;
    struct vcache *vc;

    if (cert_load_trust(SSL_CTX_get_cert_store(ctx), conf->client_ca_file, conf->crl_file,
                        conf->src_file, conf->src_line, err) != 0)
        return -1;
    if (conf->client_ca_file != NULL) {
        /* Tell clients which CAs we accept, so that they pick the right certificate. */
        names = SSL_load_client_CA_file(conf->client_ca_file);
        if (names != NULL)
            SSL_CTX_set_client_CA_list(ctx, names);
    }
    SSL_CTX_set_purpose(ctx, X509_PURPOSE_SSL_CLIENT);
    SSL_CTX_set_verify_depth(ctx, 10);
    /* Ask, never require: IIS answers 403.7 at the HTTP level instead. */
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    vc = calloc(1, sizeof(*vc));
    if (vc != NULL) {
        pthread_mutex_init(&vc->lock, NULL);
        if (SSL_CTX_set_ex_data(ctx, ctx_vcache_idx, vc) != 1) {
            vcache_free_ex(NULL, vc, NULL, 0, 0, NULL);
            vc = NULL;
        }
    }
    /* Without a cache (out of memory) every handshake verifies the chain: slower, not wrong. */
    SSL_CTX_set_cert_verify_callback(ctx, on_cert_verify, vc);
    return 0;
}

/*
 * When the certificate file holds no chain, OpenSSL builds the chain it sends
 * from the context's store (the client CA store) on every full handshake: a
 * whole X509_verify_cert(), ~12 % of a TLS 1.2 ECDSA handshake's
 * instructions.  Building it once here sends the same certificates (the
 * chain as far as the store completes it, errors ignored as OpenSSL ignores
 * them there).  If the build fails (a certificate below the security
 * level), OpenSSL keeps building per handshake and fails those handshakes,
 * as before.
 */
static void
prebuild_chain(SSL_CTX *ctx)
{
    STACK_OF(X509) *chain = NULL;

    if (SSL_CTX_get0_chain_certs(ctx, &chain) == 1 && chain != NULL && sk_X509_num(chain) > 0)
        return;
    SSL_CTX_build_cert_chain(ctx,
                             SSL_BUILD_CHAIN_FLAG_IGNORE_ERROR | SSL_BUILD_CHAIN_FLAG_CLEAR_ERROR);
    ERR_clear_error();
}

/*
 * The digests of the client-certificate trust of ctx (tls_trust.h), kept
 * with the context.  Out of memory, the context has none: its sessions then
 * stay within their snapshot and are verified again when shared (slower,
 * never wrong).
 */
static const struct tls_trust *
attach_trust(SSL_CTX *ctx, const struct tls_binding_conf *conf)
{
    struct tls_trust *tr = malloc(sizeof(*tr));

    if (tr == NULL)
        return NULL;
    if (tls_trust_compute(tr, SSL_CTX_get_cert_store(ctx), SSL_CTX_get0_param(ctx),
                          conf->client_ca_file != NULL) != 0 ||
        SSL_CTX_set_ex_data(ctx, ctx_trust_idx, tr) != 1) {
        free(tr);
        return NULL;
    }
    return tr;
}

/*
 * Session ID context: the SHA-256 of what a session's authentication rests
 * on apart from the CRLs, so that a reload which leaves these alone leaves
 * the sessions resumable, and one which changes any of them ends them:
 *   "certmap sid v2", the site's id (64 bits, big-endian) and name, the
 *   binding's certificate negotiation (asks or not, clientCertificate, when
 *   it asks), and, when it asks, the trusted CAs' content digest with the
 *   verification depth and flags (tls_trust.h's ca; the CRL flags are among
 *   the flags, so adding or dropping crlFile ends the sessions).
 * The CRLs' content is checked at resumption instead (session_verdict_holds()).
 * A trust store whose content is not known (the system store, read lazily;
 * or no digest for lack of memory) puts the snapshot generation in its place,
 * so that its sessions end with the snapshot, except with shared ticket
 * keys, whose sessions are verified again at every resumption.
 */
static int
set_session_context(SSL_CTX *ctx, const struct snap_binding *b, const struct tls_binding_conf *conf,
                    const struct tls_trust *tr, struct certmap_error *err)
{
    unsigned char md[SHA256_DIGEST_LENGTH], id[8];
    char buf[160];
    EVP_MD_CTX *h = EVP_MD_CTX_new();
    const X509_VERIFY_PARAM *vp = SSL_CTX_get0_param(ctx);
    const X509_VERIFY_PARAM *sp = X509_STORE_get0_param(SSL_CTX_get_cert_store(ctx));
    unsigned int len = 0;
    int ok;

    for (int i = 0; i < 8; i++)
        id[i] = (unsigned char)((uint64_t)b->site->id >> (56 - 8 * i));
    if (!b->request_cert)
        snprintf(buf, sizeof(buf), "|0|%d|", (int)b->client_cert);
    else if (tr != NULL && tr->known)
        snprintf(buf, sizeof(buf), "|1|%d|%d|ca|%d|%lu|%lu|", (int)b->client_cert,
                 (int)b->cert_defer, X509_VERIFY_PARAM_get_depth(vp),
                 (unsigned long)X509_VERIFY_PARAM_get_flags(vp),
                 (unsigned long)X509_VERIFY_PARAM_get_flags(sp));
    else
        snprintf(buf, sizeof(buf), "|1|%d|%d|store|%lu|", (int)b->client_cert, (int)b->cert_defer,
                 b->site->tickets.shared ? 0UL : conf->generation);
    ok = h != NULL && EVP_DigestInit_ex(h, EVP_sha256(), NULL) == 1 &&
         EVP_DigestUpdate(h, "certmap sid v2", 15) == 1 &&
         EVP_DigestUpdate(h, id, sizeof(id)) == 1 &&
         EVP_DigestUpdate(h, b->site->name, strlen(b->site->name) + 1) == 1 &&
         EVP_DigestUpdate(h, buf, strlen(buf)) == 1 &&
         (!b->request_cert || tr == NULL || !tr->known ||
          EVP_DigestUpdate(h, tr->ca, sizeof(tr->ca)) == 1) &&
         EVP_DigestFinal_ex(h, md, &len) == 1 && len == sizeof(md) &&
         SSL_CTX_set_session_id_context(ctx, md, len) == 1;
    EVP_MD_CTX_free(h);
    if (!ok)
        return binding_error(err, conf, NULL, "cannot set the TLS session ID context%s", "");
    return 0;
}

SSL_CTX *
tls_ctx_new(struct snap_binding *b, const struct tls_binding_conf *conf, struct certmap_error *err)
{
    SSL_CTX *ctx = NULL;
    int ok = 0;

    if (tls_init() != 0) {
        certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL, "TLS initialisation failed");
        return NULL;
    }
    ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == NULL) {
        binding_error(err, conf, NULL, "cannot create a TLS context%s", "");
        goto out;
    }
    SSL_CTX_set_ex_data(ctx, ctx_binding_idx, b);
    SSL_CTX_set_default_passwd_cb(ctx, cert_no_passphrase);
    if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
        SSL_CTX_set_cipher_list(ctx, TLS12_CIPHERS) != 1) {
        binding_error(err, conf, NULL, "cannot set the TLS versions and ciphers%s", "");
        goto out;
    }
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
                                 SSL_OP_NO_COMPRESSION | SSL_OP_SINGLE_ECDH_USE);
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE |
                              SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    if (load_server_cert(ctx, conf, err) != 0)
        goto out;
    if (b->request_cert && setup_client_auth(ctx, conf, err) != 0)
        goto out;
    prebuild_chain(ctx);
    /* What a client's chain may cost (tls_chain.h: only its DER outlives the handshake). */
    SSL_CTX_set_max_cert_list(ctx, (long)conf->max_client_chain);
    if (set_session_context(ctx, b, conf, b->request_cert ? attach_trust(ctx, conf) : NULL, err) !=
        0)
        goto out;
    /* Stateless tickets only: the internal cache would be one more lock shared by all workers. */
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_timeout(ctx, conf->ticket_seconds > 0 ? conf->ticket_seconds
                                                      : TLS_TICKET_SECONDS_DEFAULT);
    /* One ticket by default, not OpenSSL's two: each one re-encodes the session and parses
       the client certificate in it again (about as much as the Certificate message did).  A
       resumed handshake sends none while the ticket's key is current (on_ticket_dec()), so a
       client that uses each ticket once (RFC 8446 C.4) resumes this many times between full
       handshakes; one that keeps its ticket resumes until the ticket expires. */
    SSL_CTX_set_num_tickets(ctx, conf->ticket_count);
    if (SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, on_ticket_key) != 1) {
        binding_error(err, conf, NULL, "cannot set the session ticket keys%s", "");
        goto out;
    }
    if (SSL_CTX_set_session_ticket_cb(ctx, on_ticket_gen, on_ticket_dec, NULL) != 1) {
        binding_error(err, conf, NULL, "cannot set the session ticket callbacks%s", "");
        goto out;
    }
    SSL_CTX_set_client_hello_cb(ctx, on_client_hello, NULL);
    ok = 1;
out:
    if (!ok) {
        SSL_CTX_free(ctx);
        ctx = NULL;
    }
    ERR_clear_error();
    return ctx;
}

long
tls_reverify(SSL *ssl, SSL_CTX *ctx)
{
    X509 *cert = SSL_get0_peer_certificate(ssl);
    X509_STORE_CTX *xs = NULL;
    STACK_OF(X509) *sent = NULL;
    long r = X509_V_ERR_UNSPECIFIED;

    if (cert == NULL)
        return X509_V_OK;
    xs = X509_STORE_CTX_new();
    /* The intermediates the client sent (not kept in a resumed session), from their DER. */
    if (xs == NULL || tls_chain_get1(ssl, &sent) != 0 ||
        X509_STORE_CTX_init(xs, SSL_CTX_get_cert_store(ctx), cert, sent) != 1)
        goto out;
    X509_STORE_CTX_set_default(xs, "ssl_client");
    X509_VERIFY_PARAM_set1(X509_STORE_CTX_get0_param(xs), SSL_CTX_get0_param(ctx));
    on_cert_verify(xs, NULL);
    r = X509_STORE_CTX_get_error(xs);
out:
    X509_STORE_CTX_free(xs);
    sk_X509_pop_free(sent, X509_free);
    ERR_clear_error();
    return r;
}

SSL *
tls_ssl_new(const struct snap_endpoint *ep, int fd, void *arg)
{
    SSL *ssl;

    ssl = SSL_new(ep->default_ctx);
    if (ssl == NULL)
        return NULL;
    if (SSL_set_fd(ssl, fd) != 1) {
        SSL_free(ssl);
        return NULL;
    }
    SSL_set_ex_data(ssl, ssl_endpoint_idx, (void *)ep);
    SSL_set_app_data(ssl, arg);
    /* One read() per burst of records rather than two (header, body) per record. */
    SSL_set_read_ahead(ssl, 1);
    SSL_set_accept_state(ssl);
    return ssl;
}

const struct snap_binding *
tls_ssl_binding(const SSL *ssl)
{
    return SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ctx_binding_idx);
}

long
tls_cert_time_check(X509 *cert, time_t now)
{
    time_t t = now;
    int before = X509_cmp_time(X509_get0_notBefore(cert), &t);
    int after = X509_cmp_time(X509_get0_notAfter(cert), &t);

    /* X509_cmp_time(): -1 earlier than t, 1 later, 0 when the field cannot be read */
    if (before == 0)
        return X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD;
    if (after == 0)
        return X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD;
    if (before > 0)
        return X509_V_ERR_CERT_NOT_YET_VALID;
    if (after < 0)
        return X509_V_ERR_CERT_HAS_EXPIRED;
    return X509_V_OK;
}

long
tls_cert_window(const X509 *cert, time_t *not_before, time_t *not_after)
{
    struct tm tm;

    if (ASN1_TIME_to_tm(X509_get0_notBefore(cert), &tm) != 1 ||
        (*not_before = timegm(&tm)) == (time_t)-1)
        return X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD;
    if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm) != 1 ||
        (*not_after = timegm(&tm)) == (time_t)-1)
        return X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD;
    return X509_V_OK;
}

bool
tls_late_possible(const SSL *ssl)
{
    unsigned f = late_flags(ssl);

    return (f & TLS_LATE_DEFERRED) && !(f & TLS_LATE_STARTED) &&
           SSL_get0_peer_certificate(ssl) == NULL;
}

/*
 * The Finished messages of the exchange tls_late_start() began: OpenSSL
 * shows no other end of a post-handshake authentication, and the order of
 * a renegotiation's two Finished depends on the handshake it becomes.
 */
static void
on_msg(int write_p, int version, int content_type, const void *buf, size_t len, SSL *ssl, void *arg)
{
    (void)version;
    (void)arg;
    if (content_type != SSL3_RT_HANDSHAKE || len == 0 ||
        ((const unsigned char *)buf)[0] != SSL3_MT_FINISHED)
        return;
    late_set(ssl, late_flags(ssl) | (write_p ? TLS_LATE_FIN_OUT : TLS_LATE_FIN_IN));
}

int
tls_late_start(SSL *ssl)
{
    unsigned f = late_flags(ssl);

    if (!tls_late_possible(ssl))
        return -1;
    late_set(ssl, f | TLS_LATE_STARTED);
    ERR_clear_error();
    if (SSL_version(ssl) >= TLS1_3_VERSION) {
        if (!(f & TLS_LATE_PHA))
            return -1;
        SSL_set_msg_callback(ssl, on_msg);
        if (SSL_verify_client_post_handshake(ssl) != 1) {
            SSL_set_msg_callback(ssl, NULL);
            ERR_clear_error();
            return -1;
        }
        return 0;
    }
    /* TLS 1.2: secure renegotiation (RFC 5746) only; the client's own stays refused. */
    if (SSL_get_secure_renegotiation_support(ssl) != 1)
        return -1;
    SSL_set_verify(ssl, SSL_VERIFY_PEER, NULL);
    SSL_clear_options(ssl, SSL_OP_NO_RENEGOTIATION);
    SSL_set_msg_callback(ssl, on_msg);
    if (SSL_renegotiate(ssl) != 1) {
        SSL_set_options(ssl, SSL_OP_NO_RENEGOTIATION);
        SSL_set_msg_callback(ssl, NULL);
        ERR_clear_error();
        return -1;
    }
    late_set(ssl, f | TLS_LATE_STARTED | TLS_LATE_RENEG);
    return 0;
}

int
tls_late_done(SSL *ssl)
{
    unsigned f = late_flags(ssl);
    unsigned need = TLS_LATE_FIN_IN | ((f & TLS_LATE_RENEG) ? TLS_LATE_FIN_OUT : 0);

    if ((f & need) != need || !SSL_is_init_finished(ssl))
        return 0;
    SSL_set_msg_callback(ssl, NULL);
    if (f & TLS_LATE_RENEG) {
        SSL_set_options(ssl, SSL_OP_NO_RENEGOTIATION);
        late_set(ssl, f & ~(unsigned)TLS_LATE_RENEG);
    }
    ERR_clear_error();
    return 1;
}
