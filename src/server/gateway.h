/*
 * gateway.h - the protocols a request can be handed to once admitted: the
 * reverse proxy (HTTP/1.1, proxy.c) and FastCGI (fastcgi.c).  conn.c holds
 * the connection's state (CS_GATEWAY) and its client socket; it drives the
 * exchange through the table its start function put in c->gw, as redis'
 * event loop calls the procedure registered with a descriptor.  conn.c is
 * the only place that changes the connection's state.
 */
#ifndef CERTMAP_SERVER_GATEWAY_H
#define CERTMAP_SERVER_GATEWAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proxy.h" /* enum proxy_pump: the pump's results, shared by both protocols */
#include "worker.h"

struct upstream_conn;

/*
 * What both protocols' exchanges hold, first in each (proxy.c's struct
 * proxy_xchg, fastcgi.c's struct fastcgi_xchg): the back end's connection,
 * the buffer toward it and the one from it, and the flags gateway_pump()
 * reads.  Buffers:  client --rbuf--> [pre, then] ubuf --> back end
 *                   back end --> dbuf --> (the protocol) --> wbuf --> client
 */
struct gateway_xchg {
    struct upstream_conn *up; /* the back end's connection (owned by the exchange) */
    bool connecting;          /* up's connect() (and TLS handshake) is under way */
    const char *pre;          /* sent before ubuf (FastCGI's BEGIN_REQUEST + PARAMS), or NULL */
    size_t pre_len, pre_pos;
    char *ubuf; /* toward the back end: [upos, ulen) to send */
    uint32_t ucap, ulen, upos;
    char *dbuf; /* from the back end: [dpos, dlen) not yet used */
    uint32_t dcap, dlen, dpos;
    bool req_done;  /* the whole request body is framed in ubuf */
    bool answered;  /* the back end answered: a failed write of the rest is no failure */
    bool resp_done; /* the response is complete: nothing more is read */
    bool up_eof;    /* the back end closed its side */
    bool got_reply; /* a byte came from the back end on this connection */
    char why[240];  /* cause of a failure, for the error log */
};

struct gateway_ops {
    const char *name; /* "proxy", "fastcgi": for logs */
    /* moves what can be moved between c->rbuf, the back end and c->wbuf (gateway_pump()) */
    enum proxy_pump (*pump)(struct conn *c);
    /*
     * The protocol's two halves of gateway_pump(): fill() frames client body
     * bytes of c->rbuf into ubuf (0, or -1 with why: a malformed body);
     * answer() turns dbuf into the response in c->wbuf and says whether the
     * exchange is FINISHED (freed) or FAILED, else BLOCKED (gateway_pump()
     * decides between PROGRESS and BLOCKED).  Both set *progress when
     * something moved.
     */
    int (*fill)(struct conn *c, bool *progress);
    enum proxy_pump (*answer)(struct conn *c, bool *progress);
    /* true when the exchange takes more client bytes in c->rbuf now */
    bool (*wants_client)(const struct conn *c);
    /*
     * The exchange failed (why NULL: the exchange knows the cause) or timed
     * out: logs it, frees the exchange, returns 0 when an error page was
     * queued (nothing of the response had gone out), -1 when the client
     * connection must close now.
     */
    int (*fail)(struct conn *c, const char *why);
    /* drops the exchange (the client went away); the back end's connection is closed */
    void (*free)(struct conn *c);
    /* the timer list the connection waits in while the exchange runs */
    enum timer_kind timer;
    /*
     * Called when that timer expires: true when the exchange's own deadline
     * has passed (then fail() runs with why NULL), false to wait another
     * period.  NULL: the timer's expiry is the deadline.
     */
    bool (*expired)(struct conn *c);
};

/* gateway.c: the loop and the buffer work both protocols share */

/*
 * One turn of the exchange gx of c (c->gw names the protocol): finishes
 * connecting, fills ubuf from the client (fill()), sends pre and ubuf, reads
 * what the back end sent into dbuf (its EOF sets up_eof), lets the protocol
 * answer (answer()), and fails the exchange when the client went away
 * before its whole body.  PROGRESS when bytes moved, BLOCKED when it waits
 * for a socket, FINISHED (the exchange is freed) or FAILED (why set).
 */
enum proxy_pump gateway_pump(struct conn *c, struct gateway_xchg *gx);

/*
 * The client's side of a failed exchange, already freed: -1 when part of
 * the response had gone out (started: the connection must close now), else
 * the error page status.substatus is queued (the connection closes after it
 * unless the request body was read whole, body_done) and 0 is returned.
 */
int gateway_fail_answer(struct conn *c, bool started, bool body_done, int status, int substatus);

/* The cause to log: why when not NULL, else the exchange's own, else "failed". */
const char *gateway_why(const struct gateway_xchg *gx, const char *why);

/* Drops the first n bytes of the request body that follow the head in c->rbuf. */
void gateway_take_client(struct conn *c, size_t n);

/*
 * Room at the end of buf[0..cap), whose bytes [*pos, *len) are still to be
 * written: emptied when all were written, else compacted to the front when
 * less than a quarter of cap is left (*moved, when not NULL, is set when
 * bytes that were already written are dropped or moved: a retry cannot
 * send them again).
 */
uint32_t gateway_room(char *buf, uint32_t cap, uint32_t *len, uint32_t *pos, bool *moved);

/* gateway_room() of the client's write buffer (c->wbuf). */
uint32_t gateway_client_room(struct conn *c);

/* proxy.c */
extern const struct gateway_ops proxy_gateway;

/* fastcgi.c */
extern const struct gateway_ops fastcgi_gateway;

#endif
