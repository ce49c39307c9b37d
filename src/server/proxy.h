/*
 * proxy.h - the reverse proxy of certmapd, as IIS's URL Rewrite + ARR: one
 * client request forwarded to an upstream over HTTP/1.1, with the identity
 * headers, and its response streamed back.
 *
 * What goes upstream: the method and the target of the rewritten URL;
 * client headers filtered by proxy_hdr.h (hop-by-hop, spoofed copies of
 * the headers below, names with '_'); Host (the upstream's authority, or
 * the client's with preserveHostHeader); X-Forwarded-For (the client's
 * value with the client address appended, IPv6 in brackets, ":port" with
 * includePortInXForwardedFor, under xForwardedForHeaderName);
 * X-Forwarded-Proto, X-Forwarded-Host, X-Original-URL (the target the
 * client sent, as URL Rewrite sets it); for a request authenticated by a
 * client certificate, X-ARR-ClientCert (base64 of the leaf's DER) and
 * X-ARR-SSL; the headers rewrite rules set through HTTP_* server
 * variables.  Anonymous requests carry none of the identity headers, and
 * never the client's copies.
 *
 * Expect: 100-continue is answered by certmapd itself once the request is
 * admitted (as http.sys does in front of ARR) and not sent upstream; the
 * upstream's interim 1xx answers other than 101 are dropped.
 *
 * Bodies stream both ways with backpressure: the client is read only when
 * the buffer toward the upstream has room, the upstream only when the
 * buffer toward the client has room.  A proxied request holds the
 * connection's two buffers and two more of the same size (the worker's
 * pool: 32 KiB each with the default limits), plus the TLS record buffers
 * of the two connections, whatever the size of the bodies.
 *
 * Errors, as ARR answers them: 502.3 when the upstream cannot be reached
 * (refused, unresolved, TLS failure), does not answer within the proxy
 * timeout, or answers with an invalid head; the error log names the
 * upstream and the cause, the client sees only the IIS error page.  Once
 * the response has started, a failure closes the client connection.  A
 * request on a pooled connection that fails before any byte of an answer
 * (the upstream closed it while idle, just as the request went out) is sent
 * once more on a new connection when its method is idempotent and the
 * whole request sent so far is still buffered.
 *
 * Response heads: hop-by-hop fields removed, Content-Length written from
 * the framing chosen, and with reverseRewriteHostInResponseHeaders a
 * Location or Content-Location that starts with the upstream's scheme and
 * authority given the client's scheme and Host instead.
 */
#ifndef CERTMAP_SERVER_PROXY_H
#define CERTMAP_SERVER_PROXY_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/x509.h>

#include "conn.h"

/* A header a rewrite rule sets (serverVariables HTTP_X_Y -> "X-Y"). */
struct proxy_set_header {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
};

/* What the request pipeline hands to the proxy; borrowed for the call. */
struct proxy_request_in {
    const char *url; /* the absolute http(s) URL the rules produced */
    size_t url_len;
    X509 *cert; /* the client's leaf when the request was authenticated by it, else NULL */
    const struct proxy_set_header *set; /* headers set by the rules */
    size_t nset;
};

/*
 * Starts forwarding the request whose head c->w->req holds to in->url.
 * 0: the exchange runs (c->px; the connection turns to CS_GATEWAY on
 * REQUEST_GATEWAY).  -1: an error response is queued (502.3 when the URL is
 * unusable or the upstream cannot be opened, with an error log line) and the
 * request goes on as any answered one.
 */
int proxy_start(struct conn *c, const struct proxy_request_in *in);

/* Result of proxy_pump(). */
enum proxy_pump {
    PROXY_PROGRESS, /* bytes moved: call again */
    PROXY_BLOCKED,  /* waits for a socket */
    PROXY_FINISHED, /* the response is complete (queued in c->wbuf); c->px is freed */
    PROXY_FAILED,   /* the exchange failed: proxy_fail() decides what the client gets */
};

/* Moves what can be moved between c->rbuf, the upstream and c->wbuf. */
enum proxy_pump proxy_pump(struct conn *c);

/* true when the exchange can take more client bytes in c->rbuf now. */
bool proxy_wants_client(const struct conn *c);

/*
 * The exchange failed (why NULL: the cause is in the exchange) or timed out
 * (why "timed out"): logs it with the upstream, frees c->px and returns 0
 * when a 502.3 page was queued (nothing of the response had gone out; the
 * connection closes after it unless the request body was complete), or -1
 * when the client connection must close now.
 */
int proxy_fail(struct conn *c, const char *why);

/* Drops the exchange of c (the client went away): the upstream is closed. NULL px ok. */
void proxy_free(struct conn *c);

#endif
