/*
 * http.h - strict HTTP/1.1 request parser of certmapd (RFC 9110, RFC 9112).
 *
 * The parser never allocates and never copies: every pointer it returns
 * points into the caller's buffer (the one exception, a static "/", is named
 * below), and stays valid as long as that buffer is neither freed nor moved.
 * It is strict on purpose: whatever could be read two ways by two HTTP
 * implementations (the root of request smuggling) is an error, and the
 * caller answers it and closes the connection.
 *
 * Choices stricter than RFC 9112, taken for unambiguous framing:
 *  - Lines end with CRLF only.  A bare LF (which RFC 9112 lets a recipient
 *    accept) and a bare CR are both 400.
 *  - Exactly one SP between the three parts of the request line.
 *  - The request target holds only the characters RFC 3986 allows in a URI
 *    (no raw space, CTL, byte >= 0x80, '#', '"', '<', '>', '\\', '^', '`',
 *    '{', '|', '}'); anything else is 400.
 * Empty lines (CRLF) before the request line are skipped, as RFC 9112 §2.2
 * recommends; they count toward the request-line limit and head_len.
 * The chunked body decoder, and its own stricter choice, are in
 * http_chunked.h.
 */
#ifndef CERTMAP_SERVER_HTTP_H
#define CERTMAP_SERVER_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Storage in struct http_request; limits.max_headers is clamped to it. */
#define HTTP_MAX_HEADERS 128

/* Defaults of struct http_limits (http_limits_default()). */
#define HTTP_DEFAULT_MAX_REQUEST_LINE 8192
#define HTTP_DEFAULT_MAX_HEADER_BYTES 16384
#define HTTP_DEFAULT_MAX_HEADERS 100
#define HTTP_DEFAULT_MAX_BODY 30000000 /* IIS maxAllowedContentLength default */

struct http_limits {
    size_t max_request_line; /* bytes of the request line without CRLF; beyond: 414 */
    size_t max_header_bytes; /* bytes of the header field lines with their CRLFs,
                                without the final empty line; beyond: 431 */
    unsigned max_headers;    /* header field lines; beyond: 431 (clamped to HTTP_MAX_HEADERS) */
    uint64_t max_body;       /* Content-Length or decoded chunked body; beyond: 413 */
};

/* One header field line as received: name without the colon, value with
 * leading and trailing whitespace removed (possibly empty). */
struct http_header {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
};

/* Methods are case-sensitive (RFC 9110 §9.1): "get" is HTTP_M_OTHER. */
enum http_method {
    HTTP_M_GET,
    HTTP_M_HEAD,
    HTTP_M_POST,
    HTTP_M_PUT,
    HTTP_M_DELETE,
    HTTP_M_OPTIONS,
    HTTP_M_PATCH,
    HTTP_M_TRACE,
    HTTP_M_CONNECT,
    HTTP_M_OTHER /* any other valid token: the server decides (501) */
};

/* Form of the request target (RFC 9112 §3.2). */
enum http_target_form {
    HTTP_T_ORIGIN,    /* "/path?query" */
    HTTP_T_ABSOLUTE,  /* "http://host:port/path?query" (scheme http or https) */
    HTTP_T_AUTHORITY, /* "host:port", only with CONNECT */
    HTTP_T_ASTERISK   /* "*", only with OPTIONS */
};

struct http_request {
    enum http_method method;
    const char *method_str; /* the method token as received */
    size_t method_len;
    enum http_target_form form;
    const char *target; /* the raw request target */
    size_t target_len;
    const char *path; /* origin/absolute form: the path before '?' (never empty: an
                         absolute form without a path gives the static string "/");
                         authority and asterisk form: the whole target */
    size_t path_len;
    const char *query; /* after '?' (possibly empty), or NULL when there is no '?' */
    size_t query_len;
    int minor_version;                            /* 0 or 1 (HTTP/1.0 or HTTP/1.1) */
    struct http_header headers[HTTP_MAX_HEADERS]; /* in the order received; only the
                                                     first header_count are set */
    unsigned header_count;
    const char *host; /* absolute or authority form: the target's host[:port]
                         (RFC 9112 §3.2.2: the Host header is then ignored);
                         else the Host header value; NULL when neither */
    size_t host_len;
    int64_t content_length; /* -1 when absent (and always -1 when chunked) */
    bool chunked;           /* Transfer-Encoding: chunked; decode the body with
                               http_chunked_decode() */
    bool keep_alive;        /* HTTP/1.1: true unless "Connection: close";
                               HTTP/1.0: true only with "Connection: keep-alive" */
    bool expect_continue;   /* HTTP/1.1 with "Expect: 100-continue" */
    bool expect_other;      /* an Expect value other than 100-continue: the server
                               may answer 417 (RFC 9110 §10.1.1) */
    size_t head_len;        /* bytes of buf taken by the head: leading empty lines,
                               request line, header lines and the final CRLF; the
                               body (or the next request) starts at buf + head_len */
};

/* Return values of http_parse_head(). */
#define HTTP_PARSE_DONE 0
#define HTTP_PARSE_AGAIN 1
#define HTTP_PARSE_ERROR (-1)

/* Fill *lim with the HTTP_DEFAULT_* values. */
void http_limits_default(struct http_limits *lim);

/*
 * Parse the request head at the start of buf[0..len).
 *
 * The parser keeps no state between calls: call it again on the whole
 * buffer (the old bytes and the new ones) when more data arrives.  Its cost
 * is linear in len (about 1 ns a byte), so a client trickling a large head
 * byte by byte costs quadratic time if every read triggers a call; a caller
 * may skip the call while the new bytes hold no '\n' and len is at most
 * max_request_line + max_header_bytes: the verdict is then only delayed,
 * never different.  lim NULL means the defaults.
 *
 * Returns:
 *  HTTP_PARSE_DONE   *req is filled (pointers into buf), *status is 0.  The
 *                    body, if any, starts at buf + req->head_len; its framing
 *                    is req->chunked or req->content_length (-1: no body).
 *  HTTP_PARSE_AGAIN  the head is incomplete and nothing seen so far is wrong
 *                    or beyond a limit; *status is 0 and *req is unspecified.
 *  HTTP_PARSE_ERROR  *status is the response to send, then close the
 *                    connection (the framing is in doubt); *req unspecified.
 *                    Errors are found as early as possible, also in partial
 *                    data (a request line beyond the limit without its CRLF is
 *                    414 at once):
 *     400  syntax: bare CR or bare LF, invalid method token, not exactly one
 *          SP in the request line, invalid target character, target form not
 *          allowed for the method, malformed "HTTP/x.y", obs-fold or
 *          whitespace before the first header, empty or invalid header name,
 *          whitespace before the colon, NUL or another CTL in a value;
 *          HTTP/1.1 without Host, more than one Host, invalid Host value;
 *          Content-Length together with Transfer-Encoding, duplicate
 *          Content-Length (even with the same value), Content-Length that is
 *          not 1*DIGIT ("+1", "1,1", " 1x", "") or beyond INT64_MAX;
 *          Transfer-Encoding in HTTP/1.0, "identity", chunked more than once
 *          or not the last coding, codings with parameters, empty list
 *          elements
 *     413  Content-Length greater than lim->max_body
 *     414  request line longer than lim->max_request_line
 *     431  header lines beyond lim->max_header_bytes or lim->max_headers
 *     501  a transfer coding other than chunked (e.g. "gzip, chunked")
 *     505  a well-formed version other than HTTP/1.0 and HTTP/1.1
 * Unknown methods are not errors (HTTP_M_OTHER); CONNECT with an authority
 * form target parses, and the server refuses it.
 */
int http_parse_head(const char *buf, size_t len, const struct http_limits *lim,
                    struct http_request *req, int *status);

/* Standard reason phrase of status ("Not Found"), "Unknown" if unknown.
 * Returns a static string. */
const char *http_reason(int status);

/* Write t as an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") NUL-terminated
 * into out.  Returns 29 (the length), or 0 with out = "" when t cannot be
 * represented (before year 0 or after 9999). */
size_t http_date(time_t t, char out[30]);

/* Parse an HTTP-date (RFC 9110 §5.6.7) strictly: IMF-fixdate, or one of the
 * obsolete rfc850 ("Sunday, 06-Nov-94 08:49:37 GMT") and asctime ("Sun Nov  6
 * 08:49:37 1994") forms; exactly one of them, nothing before or after.  A
 * two-digit year more than 50 years in the future is taken from the past
 * century.  Returns 0 and *out (seconds since the epoch, UTC) or -1 when s is
 * not such a date (the caller then ignores the header, RFC 9110 §13.1.3). */
int http_parse_http_date(const char *s, size_t len, time_t *out);

/* True when h's name is name, ignoring ASCII case.  name is NUL-terminated. */
bool http_header_eq(const struct http_header *h, const char *name);

/* The first header of r named name (ignoring case), or NULL.  The result
 * points into r. */
const struct http_header *http_find_header(const struct http_request *r, const char *name);

/* True when the comma-separated list v[0..len) has an element equal to token
 * ignoring ASCII case and the optional whitespace around elements (as in
 * "Connection: keep-alive, Upgrade").  token is NUL-terminated. */
bool http_token_list_has(const char *v, size_t len, const char *token);

#endif /* CERTMAP_SERVER_HTTP_H */
