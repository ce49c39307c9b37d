/*
 * proxy_hdr.h - the pure decisions of the reverse proxy about header fields:
 * which client headers go upstream (hop-by-hop fields per RFC 9110 §7.6.1,
 * spoofed copies of the headers certmapd sets, names holding '_'), which
 * upstream response headers go to the client, and the strict parser of an
 * upstream response head.  No I/O, no allocation: proxy.c calls these, the
 * unit tests (test_proxy_hdr.c) pin them down.
 *
 * Spoof-proofing: a client header whose name equals the name of a header
 * certmapd sets, ignoring ASCII case and treating '-' and '_' as one
 * character, is dropped before anything is forwarded.  CGI, WSGI and PHP
 * back ends turn "X-Remote-User" and "X_Remote_User" into the same
 * HTTP_X_REMOTE_USER variable, so either spelling could otherwise pose as
 * the identity certmapd vouches for.  For the same reason every client name
 * holding '_' is dropped unless <certmap><upstream keepUnderscoreHeaders>.
 */
#ifndef CERTMAP_SERVER_PROXY_HDR_H
#define CERTMAP_SERVER_PROXY_HDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http.h"

/*
 * true when a[0..alen) and b[0..blen) name the same header for a CGI-style
 * back end: equal ignoring ASCII case, with '-' and '_' the same character.
 */
bool proxy_hdr_same(const char *a, size_t alen, const char *b, size_t blen);

/* What to do with one client request header. */
enum proxy_hdr_verdict {
    PROXY_HDR_FORWARD,    /* sent upstream as received */
    PROXY_HDR_HOP,        /* hop-by-hop (or named in Connection): this hop only */
    PROXY_HDR_OWNED,      /* names a header certmapd sets: a spoofed copy */
    PROXY_HDR_UNDERSCORE, /* a name with '_' (keepUnderscoreHeaders is off) */
    PROXY_HDR_REPLACED,   /* Host, Content-Length, Expect: certmapd writes its own */
};

/* What the filter knows of the request; every pointer is borrowed for the call. */
struct proxy_hdr_policy {
    const char *const *owned; /* names of the headers certmapd sets for this request */
    size_t nowned;
    const char *connection; /* the client's Connection value(s), NULL when none */
    size_t connection_len;
    bool keep_underscore; /* keepUnderscoreHeaders */
    bool upgrade;         /* the request asks for an Upgrade that is passed on */
};

/*
 * The fate of the client header name[0..len) under p.  Hop-by-hop fields:
 * Connection, Keep-Alive, TE, Trailer, Transfer-Encoding, Upgrade (unless
 * p->upgrade), Proxy-Connection and every Proxy-* field, and each name the
 * client's Connection header lists.  Order of the checks: owned first (a
 * spoof is reported as such), then '_', then hop-by-hop, then replaced.
 */
enum proxy_hdr_verdict proxy_hdr_request(const struct proxy_hdr_policy *p, const char *name,
                                         size_t len);

/*
 * true when the upstream response header name[0..len) goes no further than
 * certmapd: the hop-by-hop fields above (Upgrade and Connection pass with a
 * 101 answer to an upgrade), names the upstream's Connection header lists
 * (connection may be NULL), and Content-Length, which certmapd writes
 * itself from the framing it chose.
 */
bool proxy_hdr_response_hop(const char *name, size_t len, const char *connection,
                            size_t connection_len, bool switching);

/* Storage of struct proxy_response. */
#define PROXY_MAX_RESPONSE_HEADERS 128

/* An upstream response head; pointers into the caller's buffer. */
struct proxy_response {
    int minor_version; /* HTTP/1.<minor_version> */
    int status;        /* 100..999 */
    const char *reason;
    size_t reason_len;
    struct http_header headers[PROXY_MAX_RESPONSE_HEADERS];
    unsigned header_count;
    int64_t content_length; /* -1 when absent */
    bool chunked;           /* Transfer-Encoding: chunked (the last coding) */
    bool close;             /* the upstream closes after this response */
    const char *connection; /* its Connection value (the first), NULL when none */
    size_t connection_len;
    size_t head_len; /* bytes of the head, final CRLF included */
};

/* Return values of proxy_parse_response(); errors say why in *why (static). */
#define PROXY_PARSE_DONE 0
#define PROXY_PARSE_AGAIN 1
#define PROXY_PARSE_ERROR (-1)

/*
 * Parses the response head at the start of buf[0..len), as strictly as
 * http.h parses requests: CRLF line ends only, "HTTP/1.0" or "HTTP/1.1",
 * a three-digit status, header names that are tokens, no obs-fold, values
 * without CTLs; Content-Length 1*DIGIT and at most once (a repeated one is
 * an error even with the same value), Transfer-Encoding only "chunked" as
 * the last coding, never both.  max is the most bytes the head may take
 * (maxResponseHeaderSize).  DONE with *r filled; AGAIN when incomplete and
 * within max; ERROR with *why set ("head larger than maxResponseHeaderSize",
 * "bad status line", ...).
 */
int proxy_parse_response(const char *buf, size_t len, size_t max, struct proxy_response *r,
                         const char **why);

#endif
