/*
 * tls_chain.h - what a connection keeps of the certificate chain its client
 * sent, once the handshake has verified it.
 *
 * OpenSSL keeps the chain parsed in the session, and the verified chain
 * (leaf, intermediates, trust anchor) in the SSL, for the life of the
 * connection: about 3.5 KiB per EC certificate, more for RSA, on every
 * idle keep-alive connection.  certmapd needs the intermediates again only
 * when a reload verifies the connection's certificate against a new trust
 * store (tls_reverify()), so after the handshake both are replaced with the
 * DER of the chain as sent (a few hundred bytes per certificate, bounded by
 * maxClientCertChainBytes), parsed again for that rare check.  Self-signed
 * certificates of the chain are left out: trust comes from the store, never
 * from a root the client sends (most OpenSSL clients append theirs).  The leaf
 * stays in the session: the mapping, the session ticket and the request
 * variables need it.
 */
#ifndef CERTMAP_SERVER_TLS_CHAIN_H
#define CERTMAP_SERVER_TLS_CHAIN_H

#include <openssl/ssl.h>

/*
 * Call when a handshake (or a certificate asked for after it) is over:
 * frees the parsed chain and verified chain ssl holds and keeps the sent
 * chain's DER instead (SSL ex_data, freed with the SSL).  Calling it again
 * without a new certificate changes nothing.  0, or -1 when out of memory,
 * in which case ssl keeps its parsed chain (more memory, never wrong).
 */
int tls_chain_compact(SSL *ssl);

/*
 * Sets *out to the intermediates the client sent with its certificate,
 * parsed again from the DER tls_chain_compact() kept (self-signed ones left
 * out), or to OpenSSL's own chain when it was not compacted; the caller
 * owns the stack and its certificates (sk_X509_pop_free(sk, X509_free)).
 * *out is NULL when the client sent none (a resumed session carries none
 * either).  0, or -1 and *out NULL when out of memory.
 */
int tls_chain_get1(SSL *ssl, STACK_OF(X509) * *out);

/*
 * The CRYPTO_EX_free callback (SSL_get_ex_new_index(),
 * SSL_CTX_get_ex_new_index()) of an ex_data slot whose value is one block
 * from malloc() that the slot owns, with no pointer inside it to free: frees
 * it with its SSL or SSL_CTX (ptr NULL: nothing).  The chain's DER here, the
 * trust digests of a context in tls.c: one callback for every such slot.
 */
void tls_chain_free_ex(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp);

#endif
