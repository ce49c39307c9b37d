/*
 * fcgi.h - the FastCGI 1.0 wire format, as a web server speaks it to a
 * responder (php-cgi, php-fpm): records out (BEGIN_REQUEST, PARAMS, STDIN,
 * ABORT_REQUEST), records in (STDOUT, STDERR, END_REQUEST), and the CGI
 * response head that STDOUT starts with (RFC 3875 section 6).
 *
 * No sockets and no processes here: certmapd moves the bytes.  The encoders
 * append to a bounded growable buffer; the decoder is incremental (the bytes
 * may arrive split anywhere, one byte at a time included) and points into
 * the caller's input instead of copying record contents.
 *
 * Where this is stricter than the specification, and why:
 *  - a name-value pair never spans two PARAMS records: PHP's FastCGI reader
 *    parses each record on its own, so a split pair would be misread there;
 *    a pair longer than one record (65535 bytes) is refused;
 *  - from the application, only STDOUT, STDERR and END_REQUEST for the one
 *    request id in flight are accepted; management records, another id,
 *    a version other than 1, data after the end of a stream or after
 *    END_REQUEST, and an END_REQUEST whose body is not 8 bytes are protocol
 *    errors (the connection is then unusable, the caller closes it);
 *  - the response head: lines end in LF or CRLF, no continuation lines, no
 *    control characters but HTAB in values, header names are RFC 9110
 *    tokens, Status / Location / Content-Type at most once, at most
 *    FCGI_HEAD_MAX_FIELDS fields; it must hold at least one of them
 *    (RFC 3875 6.2: a response is a document, a local or a client redirect).
 *
 * Thread safety: no shared state; each object belongs to one thread.
 */
#ifndef CERTMAP_FCGI_H
#define CERTMAP_FCGI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Record types (FastCGI 1.0, section 8). */
enum fcgi_type {
    FCGI_BEGIN_REQUEST = 1,
    FCGI_ABORT_REQUEST = 2,
    FCGI_END_REQUEST = 3,
    FCGI_PARAMS = 4,
    FCGI_STDIN = 5,
    FCGI_STDOUT = 6,
    FCGI_STDERR = 7,
    FCGI_DATA = 8,
    FCGI_GET_VALUES = 9,
    FCGI_GET_VALUES_RESULT = 10,
    FCGI_UNKNOWN_TYPE = 11,
};

#define FCGI_HEADER_LEN 8
#define FCGI_MAX_CONTENT 65535u /* content bytes of one record */
#define FCGI_RESPONDER 1
#define FCGI_KEEP_CONN 1

/* END_REQUEST protocolStatus values. */
enum fcgi_protocol_status {
    FCGI_REQUEST_COMPLETE = 0,
    FCGI_CANT_MPX_CONN = 1,
    FCGI_OVERLOADED = 2,
    FCGI_UNKNOWN_ROLE = 3,
};

/* ---- encoding ---------------------------------------------------------- */

/* Bytes being encoded: data[0..len) owned (malloc), never more than max. */
struct fcgi_buf {
    unsigned char *data; /* owned; NULL until the first append */
    size_t len;          /* bytes encoded */
    size_t cap;          /* bytes allocated */
    size_t max;          /* bound on len; an append beyond it fails */
    size_t params_at;    /* offset of the open PARAMS record's header, or (size_t)-1 */
};

/* Starts an empty buffer bounded to max bytes. */
void fcgi_buf_init(struct fcgi_buf *b, size_t max);

/* Frees b's bytes and empties it (b stays usable). */
void fcgi_buf_free(struct fcgi_buf *b);

/*
 * Appends a BEGIN_REQUEST record for request id (role RESPONDER; flags
 * FCGI_KEEP_CONN when keep_conn: the application keeps the connection open
 * after END_REQUEST).  0, or -1 when the buffer's bound or memory is
 * exhausted (b unchanged).
 */
int fcgi_begin_request(struct fcgi_buf *b, uint16_t id, bool keep_conn);

/*
 * Appends one name-value pair to the PARAMS stream of request id, opening
 * a record when none is open or the open one cannot take the whole pair.
 * The pair uses 1-byte lengths below 128 and 4-byte lengths from 128.
 * 0; -1 when the pair cannot be encoded in one record (name + value + 8 >
 * 65535), name is empty, or the bound or memory is exhausted (b unchanged).
 */
int fcgi_param(struct fcgi_buf *b, uint16_t id, const char *name, size_t name_len,
               const char *value, size_t value_len);

/* Closes the PARAMS stream: the open record, then an empty one.  0 or -1 as above. */
int fcgi_params_end(struct fcgi_buf *b, uint16_t id);

/*
 * Appends STDIN records carrying data[0..len) (several records when len >
 * 65535); len 0 appends the empty record that ends the stream.  0 or -1.
 */
int fcgi_stdin(struct fcgi_buf *b, uint16_t id, const void *data, size_t len);

/* Appends an ABORT_REQUEST record for request id.  0 or -1. */
int fcgi_abort_request(struct fcgi_buf *b, uint16_t id);

/*
 * Writes the 8-byte header of a record of type carrying len content bytes
 * (no padding) into out, so that a caller can send a large STDIN chunk from
 * its own buffer without a copy.  len must be at most FCGI_MAX_CONTENT.
 */
void fcgi_header(unsigned char out[FCGI_HEADER_LEN], enum fcgi_type type, uint16_t id, size_t len);

/* ---- decoding ---------------------------------------------------------- */

/* What one call of fcgi_decode() found. */
enum fcgi_event_kind {
    FCGI_EV_NONE,       /* the input ran out inside a header, a body or padding */
    FCGI_EV_STDOUT,     /* data[0..len) of the STDOUT stream (len >= 1) */
    FCGI_EV_STDERR,     /* data[0..len) of the STDERR stream (len >= 1) */
    FCGI_EV_STDOUT_END, /* the empty STDOUT record: the stream is complete */
    FCGI_EV_END,        /* END_REQUEST: app_status and protocol_status are set */
    FCGI_EV_ERROR,      /* protocol error: why is set; the decoder stays in error */
};

struct fcgi_event {
    enum fcgi_event_kind kind;
    const unsigned char *data; /* STDOUT/STDERR: points into the input given to fcgi_decode */
    size_t len;                /* ...its length */
    uint32_t app_status;       /* END: the application's exit status */
    unsigned protocol_status;  /* END: enum fcgi_protocol_status (any byte value) */
    const char *why;           /* ERROR: static text */
};

/* State of the records of one request being read; zero it with fcgi_decoder_init(). */
struct fcgi_decoder {
    uint16_t id;                        /* the request id expected */
    unsigned char hdr[FCGI_HEADER_LEN]; /* header bytes gathered so far */
    unsigned char body[8];              /* END_REQUEST body gathered so far */
    size_t got;                         /* bytes of hdr (or body) gathered */
    unsigned type;                      /* type of the current record, 0 between records */
    size_t content_left;                /* content bytes of the current record still to come */
    size_t padding_left;                /* padding bytes still to come */
    bool stdout_ended;                  /* the empty STDOUT record was seen */
    bool stderr_ended;                  /* the empty STDERR record was seen */
    bool ended;                         /* END_REQUEST was seen: nothing more is accepted */
    const char *error;                  /* the protocol error, once one happened */
};

/* Prepares d to read the records of request id. */
void fcgi_decoder_init(struct fcgi_decoder *d, uint16_t id);

/*
 * Reads from in[0..len) until one event: returns the bytes consumed and
 * fills *ev.  Call again with the rest while it consumes bytes or reports
 * an event; FCGI_EV_NONE means every byte was consumed and more are needed.
 * After FCGI_EV_END the decoder consumes nothing more: a later call with
 * bytes reports FCGI_EV_ERROR (with keep-conn, an application sends nothing
 * between requests), one without reports FCGI_EV_NONE.  After FCGI_EV_ERROR
 * it consumes nothing and reports the same error again.
 */
size_t fcgi_decode(struct fcgi_decoder *d, const unsigned char *in, size_t len,
                   struct fcgi_event *ev);

/* ---- the CGI response head --------------------------------------------- */

#define FCGI_HEAD_MAX_FIELDS 64

enum fcgi_response_kind {
    FCGI_RESP_DOCUMENT,        /* Content-Type (and optionally Status) */
    FCGI_RESP_LOCAL_REDIRECT,  /* only "Location: /path": the server serves that path instead */
    FCGI_RESP_CLIENT_REDIRECT, /* Location with an absolute URI: 302 unless Status says else */
};

struct fcgi_field {
    const char *name; /* points into the parsed head; not NUL-terminated */
    size_t name_len;
    const char *value; /* leading and trailing blanks removed */
    size_t value_len;
};

/* A parsed head; every pointer borrows the text given to fcgi_head_parse(). */
struct fcgi_head {
    enum fcgi_response_kind kind;
    unsigned status;    /* from Status:, else 200 (document) or 302 (client redirect) */
    const char *reason; /* Status:'s reason phrase, NULL when none */
    size_t reason_len;
    const struct fcgi_field *location;              /* NULL when none */
    const struct fcgi_field *content_type;          /* NULL when none */
    struct fcgi_field fields[FCGI_HEAD_MAX_FIELDS]; /* every field but Status, in order */
    size_t nfields;
};

/*
 * Length of the head at the start of buf[0..len), counting the empty line
 * that ends it ("\n\n", "\r\n\r\n" or a mix); 0 when the empty line has not
 * arrived yet.
 */
size_t fcgi_head_end(const char *buf, size_t len);

/*
 * Parses the head buf[0..len) (as measured by fcgi_head_end()).  0 with *h
 * filled; -1 with *why set (static text) when the head breaks a rule listed
 * at the top of this file.
 */
int fcgi_head_parse(const char *buf, size_t len, struct fcgi_head *h, const char **why);

#endif
