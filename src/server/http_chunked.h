/*
 * http_chunked.h - incremental decoder of chunked request bodies
 * (RFC 9112 §7.1), the other half of certmapd's strict HTTP/1.1 reading
 * (http.h parses the head that announces the body).
 *
 * Stricter than RFC 9112, as the head parser is, for unambiguous framing:
 *  - No whitespace anywhere in a chunk-size line (RFC 9112 allows BWS around
 *    ';' in chunk extensions).
 *  - Lines end with CRLF only; a bare CR or LF is 400.
 */
#ifndef CERTMAP_SERVER_HTTP_CHUNKED_H
#define CERTMAP_SERVER_HTTP_CHUNKED_H

#include <stddef.h>
#include <stdint.h>

/* Fixed limits of the chunked decoder. */
#define HTTP_MAX_CHUNK_LINE 4096    /* one chunk-size line with its extensions */
#define HTTP_MAX_TRAILER_BYTES 8192 /* the whole trailer section */

/* Incremental chunked body decoder (RFC 9112 §7.1).  Plain data, no
 * pointers: copy it freely, reset it with http_chunked_init(). */
struct http_chunked {
    int state;          /* internal */
    int status;         /* after HTTP_CHUNK_ERROR: 400, 413 or 431 */
    uint64_t max_body;  /* limit on the decoded body */
    uint64_t body;      /* decoded body bytes so far */
    uint64_t remaining; /* data bytes left in the current chunk / chunk size being read */
    unsigned digits;    /* hex digits read of the current chunk size */
    size_t line;        /* bytes in the current chunk-size line */
    size_t trailer;     /* bytes of the trailer section so far */
};

/* Return values of http_chunked_decode(). */
#define HTTP_CHUNK_DONE 0
#define HTTP_CHUNK_AGAIN 1
#define HTTP_CHUNK_ERROR (-1)

/* Start decoding a new chunked body whose decoded size may not exceed
 * max_body bytes. */
void http_chunked_init(struct http_chunked *c, uint64_t max_body);

/*
 * Decode the next piece of a chunked body, in place.
 *
 * In: buf[0..*len) holds raw body bytes that follow the ones passed in the
 * previous calls (pass each received byte exactly once: the decoder keeps
 * its position in *c, including a chunk-size line or trailer cut in two).
 * Out: the decoded data bytes found in this piece are moved to the front of
 * buf, and *len is set to their number (possibly 0); *consumed is set to
 * the number of input bytes that belonged to the body.  The data never
 * overtakes the input, so buf[*consumed..old *len) is untouched.
 *
 * Returns:
 *  HTTP_CHUNK_AGAIN  the body continues: *consumed == old *len (all input
 *                    used); call again with the next bytes.
 *  HTTP_CHUNK_DONE   the last chunk and the trailer section (validated,
 *                    then discarded) are complete.  The bytes from
 *                    buf + *consumed to the old end are NOT body: they are
 *                    the next pipelined request.  Further calls return
 *                    HTTP_CHUNK_DONE with *len = *consumed = 0.
 *  HTTP_CHUNK_ERROR  c->status is 400 (invalid hex, more than 16 hex digits,
 *                    whitespace or an invalid character in a chunk extension,
 *                    a chunk-size line over HTTP_MAX_CHUNK_LINE, data not
 *                    followed by CRLF, bare CR or LF, invalid trailer line),
 *                    413 (decoded body beyond max_body, detected from the
 *                    chunk size before the data arrives) or 431 (trailers over
 *                    HTTP_MAX_TRAILER_BYTES).  *len and *consumed describe
 *                    what was decoded before the error; the caller answers
 *                    and closes.  Further calls return the same error.
 */
int http_chunked_decode(struct http_chunked *c, char *buf, size_t *len, size_t *consumed);

#endif
