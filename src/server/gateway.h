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

struct gateway_ops {
    const char *name; /* "proxy", "fastcgi": for logs */
    /* moves what can be moved between c->rbuf, the back end and c->wbuf */
    enum proxy_pump (*pump)(struct conn *c);
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

/* gateway.c: the buffer work both protocols share */

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
