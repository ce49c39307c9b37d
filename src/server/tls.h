/*
 * tls.h - TLS contexts of certmapd (OpenSSL 3).
 *
 * One SSL_CTX per https binding: TLS 1.2 and 1.3 only, forward-secret AEAD
 * ciphers, the binding's server certificate, and, when the binding asks for
 * client certificates, its own trust store and CRLs.  A connection starts on
 * the endpoint's default context; the ClientHello callback reads the SNI
 * name and switches to the context of the matching binding before session
 * resumption is considered, so each site's session ID context and ticket
 * keys apply and a session of site A never resumes on site B.  A reload
 * that leaves a site, its certificate negotiation and its trusted CAs (by
 * content) as they were leaves its sessions resumable; the CRLs are checked
 * again when a session made under other ones resumes (tls_trust.h).
 *
 * Client certificate verification never fails the handshake: the verify
 * callback records the most significant error and the handshake goes on, so
 * that the HTTP layer answers 403.16 / 403.17 / 403.13 as IIS does.  The
 * recorded error becomes the session's verify result, which a resumed
 * session carries with its certificate (SSL_get_verify_result()).
 */
#ifndef CERTMAP_SERVER_TLS_H
#define CERTMAP_SERVER_TLS_H

#include <stdbool.h>
#include <time.h>

#include <openssl/ssl.h>

#include "certmap/error.h"

struct snap_binding;
struct snap_endpoint;

/* Session lifetime when sessionTicketSeconds is 0. */
#define TLS_TICKET_SECONDS_DEFAULT 7200

/* Where the server certificate and the client trust settings of a binding come from. */
struct tls_binding_conf {
    const char *cert_file;      /* certificateFile (absolute), or NULL */
    const char *key_file;       /* certificateKeyFile (absolute); NULL: the key is in cert_file */
    const char *cert_hash;      /* certificateHash (SHA-1 hex), used when cert_file is NULL */
    const char *store_dir;      /* certificateStoreName as an absolute directory */
    const char *client_ca_file; /* clientCaFile (absolute), NULL: the system store */
    const char *crl_file;       /* crlFile (absolute), or NULL */
    const char *src_file;       /* where the binding is written, for messages */
    unsigned src_line;
    unsigned ticket_seconds;  /* session lifetime */
    unsigned ticket_count;    /* TLS 1.3 tickets per full handshake (sessionTicketCount) */
    unsigned long generation; /* snapshot generation: in the session ID context only when the
                                 client trust store's content is not known (tls.c) */
    /* maxClientCertChainBytes: a larger client Certificate message fails the handshake */
    unsigned long max_client_chain;
};

/* Registers the ex_data indexes; call once before any other tls_ function. 0 or -1. */
int tls_init(void);

/*
 * Creates the context of https binding b (b->site, b->request_cert must be
 * set; b is stored in the context and must outlive it).  NULL and err filled
 * (naming the binding's file:line and attribute) when a file is missing or
 * unreadable, the key does not match the certificate, or no certificate of
 * the store has the hash.
 */
SSL_CTX *tls_ctx_new(struct snap_binding *b, const struct tls_binding_conf *conf,
                     struct certmap_error *err);

/*
 * A new server-side SSL on fd for endpoint ep (which must outlive it), in
 * accept state.  NULL when out of memory.  arg is stored as the SSL's app
 * data (the connection).
 */
SSL *tls_ssl_new(const struct snap_endpoint *ep, int fd, void *arg);

/* The binding whose context the SSL uses now (after SNI: the selected one). */
const struct snap_binding *tls_ssl_binding(const SSL *ssl);

/*
 * Verifies the connection's client certificate again, against the trust
 * store and parameters of ctx (the context of the same binding in a newer
 * snapshot), the way the handshake did.  Returns X509_V_OK or the most
 * significant error.  For a connection that outlives a reload.
 */
long tls_reverify(SSL *ssl, SSL_CTX *ctx);

/*
 * The validity dates of cert at now: X509_V_OK, X509_V_ERR_CERT_NOT_YET_VALID
 * or X509_V_ERR_CERT_HAS_EXPIRED.  A certificate verified at the handshake is
 * checked again for every request, so a keep-alive connection or a resumed
 * session does not outlive it.
 */
long tls_cert_time_check(X509 *cert, time_t now);

/*
 * cert's notBefore and notAfter as times: X509_V_OK, or the
 * X509_V_ERR_ERROR_IN_CERT_NOT_*_FIELD of a field that cannot be read.  A
 * certificate is valid at now when *not_before <= now <= *not_after, as
 * tls_cert_time_check() decides.
 */
long tls_cert_window(const X509 *cert, time_t *not_before, time_t *not_after);

/*
 * Client certificates asked for after the handshake (binding
 * clientCertificate "auto" on a site whose root needs none, or "late"):
 * the ClientHello callback decides whether the handshake asks.  When it did
 * not, a request that needs the certificate calls tls_late_start(): TLS 1.3
 * post-handshake authentication when the client offered it, else a
 * server-initiated TLS 1.2 secure renegotiation (a renegotiation the client
 * starts stays refused).  The caller then drives the SSL (SSL_do_handshake()
 * to send the request, SSL_read() for the answer, keeping application data
 * that arrives meanwhile) until tls_late_done().  The certificate is verified
 * by the context's verify callback as in a handshake; SSL_get_verify_result()
 * then gives the result, and a new session ticket carries the certificate.
 * Once per connection: a client that sent no certificate is not asked again.
 */

/* true when the handshake did not ask, nothing was asked since and no certificate is there. */
bool tls_late_possible(const SSL *ssl);

/* Asks for the certificate now.  0 when asked, -1 when this client cannot be asked. */
int tls_late_start(SSL *ssl);

/* 1 when the exchange tls_late_start() began is over (certificate or none), else 0. */
int tls_late_done(SSL *ssl);

#endif
