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
 * Runs the request whose head c->w->req describes (parsed from
 * c->rbuf[0..req.head_len)): routing, access, authentication, handler.
 * Either queues the whole response in c->wbuf (and, for a file too large for
 * the buffer, sets c->file_* and the state CS_SEND), or starts a logon and
 * sets CS_LOGON; called again with the same head when the logon result
 * arrives.  When the response is complete it calls request_finish().
 */
void request_begin(struct conn *c);

/*
 * CS_PREBODY: checks and drops the body bytes that arrived after the head.
 * Returns 0 when the body is complete (run request_begin() again with the
 * head re-parsed), 1 when more is needed, or the status (400, 413) of a
 * framing error.
 */
int request_body_more(struct conn *c);

/*
 * Queues the answer to a head the parser refused (status 400, 413, 414,
 * 431, 501, 505) or to a timeout (408), always with "Connection: close".
 */
void request_fail(struct conn *c, int status);

/*
 * The response of the current request is fully queued: writes its W3C line
 * and removes its head from c->rbuf (the body, if any, is discarded next:
 * state CS_BODY).  Sets the state for the next request.
 */
void request_finish(struct conn *c);

#endif
