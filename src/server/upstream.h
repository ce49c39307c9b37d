/*
 * upstream.h - connections from certmapd to the servers it proxies to:
 * TCP (IPv4, IPv6, a name resolved with getaddrinfo()) or a Unix socket,
 * plain or TLS, opened without blocking, and a bounded keep-alive pool per
 * worker and upstream.
 *
 * Upstream URLs (what a rewrite rule's action produces):
 *   http://host[:port]/path        https://host[:port]/path
 *   http://unix:/run/app.sock:/path    a Linux extension (nginx's spelling):
 *                                      the socket path ends at the ':' that
 *                                      precedes the request path
 * An https upstream's certificate is verified against <certmap><upstream
 * caFile> or, when that is "", the system store, with the URL's host sent as
 * SNI (names only) and checked against the certificate (name or IP address).
 *
 * A connection belongs to one worker; while a request uses it, the worker's
 * loop calls on_ready(arg) on every event of its socket.  Idle in the pool,
 * it is closed as soon as the upstream closes it or sends anything.
 */
#ifndef CERTMAP_SERVER_UPSTREAM_H
#define CERTMAP_SERVER_UPSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <netdb.h>

#include <openssl/ssl.h>

#include "worker.h"

#define UPSTREAM_HOST_MAX 256
#define UPSTREAM_PATH_MAX 108 /* sun_path */
#define UPSTREAM_KEY_MAX 400

/* Where an upstream URL points. */
struct upstream_target {
    bool tls;                              /* https */
    char host[UPSTREAM_HOST_MAX];          /* name or address (IPv6 without brackets); "" unix */
    unsigned port;                         /* 1..65535 (80/443 when the URL has none) */
    char unix_path[UPSTREAM_PATH_MAX];     /* socket path, "" for TCP */
    char authority[UPSTREAM_HOST_MAX + 8]; /* Host header toward it: host[:port] as written */
    char key[UPSTREAM_KEY_MAX];            /* pool key: scheme, host or socket, port */
};

/*
 * Parses the absolute URL url[0..len).  Fills *t and points *path at the
 * origin-form target in url ("/" when the URL has none: then *path is a
 * static "/").  0, or -1 when the URL is not one of the forms above.
 */
int upstream_parse_url(const char *url, size_t len, struct upstream_target *t, const char **path,
                       size_t *path_len);

/* Results of upstream_read() and upstream_write(). */
#define UPSTREAM_AGAIN (-1) /* would block: wait for on_ready */
#define UPSTREAM_ERR (-2)   /* the connection failed (why in u->why) */

struct upstream_pool;

struct upstream_conn {
    struct worker_ev ev; /* first: the socket's events */
    struct upstream_pool *pool;
    int fd;
    SSL *ssl;      /* NULL for plain HTTP */
    int phase;     /* internal: connecting, TLS handshake, ready */
    bool reused;   /* taken from the pool (it served a request before) */
    bool rd_ready; /* plain socket: input may wait (no EAGAIN since the last input event) */
    void (*on_ready)(void *arg); /* while in use: called on every event of fd */
    void *arg;
    uint64_t idle_since; /* ms, in the pool */
    /* connecting to a name: its addresses (owned) and the next one to try when this one fails */
    struct addrinfo *addrs;
    struct addrinfo *next_addr;
    struct upstream_conn *next;
    char key[UPSTREAM_KEY_MAX];
    char why[160]; /* cause of the last failure, for the error log */
};

/*
 * A connection to t for worker w: an idle one of the pool, or a new one
 * whose connect() is under way.  ca_file is <certmap><upstream caFile> ("":
 * the system store).  probe: a pooled connection is checked with one
 * recv(MSG_PEEK) before it is handed out (closed and the next one tried when
 * the upstream closed it or sent something); false saves that call per
 * request for a caller that sends its request again on a new connection when
 * a pooled one fails before any answer (the proxy's retry of idempotent
 * requests): the pool's watch (a connection released drained, closed at its
 * first event while idle) leaves only the FIN still in flight or queued,
 * which the retry covers.  TLS connections are always probed.
 * on_ready(arg) is called on the socket's events.  NULL and why (size bytes)
 * filled when it cannot even be started (name not resolved, no socket, no
 * TLS context).
 */
struct upstream_conn *upstream_open(struct worker *w, const struct upstream_target *t,
                                    const char *ca_file, bool probe, void (*on_ready)(void *arg),
                                    void *arg, char *why, size_t size);

/*
 * A new connection to t, never one of the pool: as upstream_open() otherwise.
 * The proxy's one retry after a pooled connection turned out dead uses it,
 * so that a second stale connection cannot fail the request again.
 */
struct upstream_conn *upstream_connect(struct worker *w, const struct upstream_target *t,
                                       const char *ca_file, void (*on_ready)(void *arg), void *arg,
                                       char *why, size_t size);

/*
 * Finishes connecting (and the TLS handshake with its checks).  0 when the
 * connection is ready, UPSTREAM_AGAIN, or UPSTREAM_ERR with u->why set
 * ("connection refused", "certificate verify failed: ...").
 */
int upstream_establish(struct upstream_conn *u);

/* Reads up to len bytes: their number, 0 at the upstream's EOF, UPSTREAM_AGAIN or _ERR. */
ssize_t upstream_read(struct upstream_conn *u, char *buf, size_t len);

/* Writes up to len bytes: their number (> 0), UPSTREAM_AGAIN or UPSTREAM_ERR. */
ssize_t upstream_write(struct upstream_conn *u, const char *buf, size_t len);

/* Half-closes the connection (TLS close_notify, then SHUT_WR). */
void upstream_shutdown_write(struct upstream_conn *u);

/*
 * Gives u back: into w's pool when reusable (keep-alive, response complete)
 * and fewer than max_idle connections to the same upstream wait there,
 * else closed.  u is invalid afterwards.
 */
void upstream_release(struct worker *w, struct upstream_conn *u, bool reusable, unsigned max_idle);

/*
 * A connection of w over the connected socket fd (plain, ready), which
 * another worker's request used before: FastCGI's kept connections to the
 * programs certmapd supervises move between workers with their instance.
 * NULL and why filled when it cannot be watched (fd is closed then).
 */
struct upstream_conn *upstream_adopt(struct worker *w, int fd, void (*on_ready)(void *arg),
                                     void *arg, char *why, size_t size);

/*
 * Takes the socket out of u (out of the worker's epoll set) and frees u:
 * the caller owns the returned fd; -1 (u closed) for a TLS connection.
 */
int upstream_detach(struct upstream_conn *u);

/* Closes every pooled connection and frees the pool of w (worker teardown). NULL ok. */
void upstream_pool_free(struct upstream_pool *p);

#endif
