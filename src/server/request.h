/*
 * request.h - one request through the pipeline, from a parsed head to a
 * queued response and its W3C log line.  Internal to the connection code.
 */
#ifndef CERTMAP_SERVER_REQUEST_H
#define CERTMAP_SERVER_REQUEST_H

#include "conn.h"

/* Room a response head needs in the write buffer (status line, headers, Location). */
#define REQUEST_HEAD_MAX 12288

/*
 * What the connection does next, as a request_* function decides it; conn.c
 * alone turns a verdict into the connection's state (and its timer).
 */
enum request_verdict {
    REQUEST_NEXT,      /* response queued and logged: read the next request head */
    REQUEST_DISCARD,   /* response queued and logged: discard the rest of its body first */
    REQUEST_READ_BODY, /* drop the body (request_body_more) before the request runs */
    REQUEST_LOGON,     /* wait for the logon started (c->job), then run request_begin() again */
    REQUEST_SEND,      /* stream c->file_* or c->mbody after the head, then request_finish() */
    REQUEST_NEED_CERT, /* the scope needs a client certificate the handshake did not ask for:
                          ask now (tls_late_start()), wait for the answer, then run
                          request_begin() again with the same head; the body is read */
    REQUEST_GATEWAY,   /* proxied (c->px): the body and the response stream through the
                          upstream exchange (proxy.c), then request_finish() */
};

/*
 * Runs the request whose head c->w->req describes (parsed from
 * c->rbuf[0..req.head_len)): routing, access, authentication, handler.
 * Either queues the whole response in c->wbuf (REQUEST_SEND when a file or
 * a page too large for the buffer follows it), or starts a logon
 * (REQUEST_LOGON; called again with the same head when the result arrives),
 * or asks for the body first (REQUEST_READ_BODY).  A complete response is
 * finished here (request_finish()) and its verdict returned.
 */
enum request_verdict request_begin(struct conn *c);

/*
 * CS_PREBODY: checks and drops the body bytes that arrived after the head.
 * Returns 0 when the body is complete (run request_begin() again with the
 * head re-parsed), 1 when more is needed, or the status (400, 413) of a
 * framing error.
 */
int request_body_more(struct conn *c);

/*
 * Queues the answer to a head the parser refused (status 400, 413, 414,
 * 431, 501, 505) or to a timeout (408), always with "Connection: close";
 * the connection then goes on as after REQUEST_NEXT.
 */
void request_fail(struct conn *c, int status);

/*
 * The response of the current request is fully queued: writes its W3C line
 * and removes its head from c->rbuf.  REQUEST_DISCARD when the rest of the
 * body is to be discarded next, else REQUEST_NEXT.
 */
enum request_verdict request_finish(struct conn *c);

#endif
