/*
 * upstream.c - non-blocking connections to upstream servers, their TLS, and
 * the per-worker keep-alive pool (upstream.h).
 */
#include "upstream.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

enum { PH_CONNECTING, PH_HANDSHAKE, PH_READY };

/* The idle connections of one worker, and its client TLS context. */
struct upstream_pool {
    struct worker *w;
    struct upstream_conn *idle; /* singly linked, newest first */
    SSL_CTX *ctx;               /* verifies against ctx_ca, or the system store */
    char *ctx_ca;               /* caFile the context was built for ("" system) */
};

static const char root_path[] = "/";

/*
 * t->key for a TCP target, "scheme://host:port", without snprintf(): the URL
 * is parsed on every proxied request.  host fits (UPSTREAM_HOST_MAX <
 * UPSTREAM_KEY_MAX - 16).
 */
static void
tcp_key(struct upstream_target *t)
{
    size_t n = t->tls ? 8 : 7, hl = strlen(t->host);
    char digits[8], *d = digits + sizeof(digits);
    unsigned port = t->port;

    memcpy(t->key, t->tls ? "https://" : "http://", n);
    memcpy(t->key + n, t->host, hl);
    n += hl;
    t->key[n++] = ':';
    do {
        *--d = (char)('0' + port % 10);
        port /= 10;
    } while (port > 0);
    memcpy(t->key + n, d, (size_t)(digits + sizeof(digits) - d));
    n += (size_t)(digits + sizeof(digits) - d);
    t->key[n] = '\0';
}

int
upstream_parse_url(const char *url, size_t len, struct upstream_target *t, const char **path,
                   size_t *path_len)
{
    const char *p, *end = url + len, *auth, *auth_end, *colon = NULL;
    size_t hl;

    memset(t, 0, sizeof(*t));
    if (len >= 7 && strncasecmp(url, "http://", 7) == 0) {
        p = url + 7;
    } else if (len >= 8 && strncasecmp(url, "https://", 8) == 0) {
        p = url + 8;
        t->tls = true;
    } else {
        return -1;
    }
    if (end - p > 6 && strncasecmp(p, "unix:/", 6) == 0) {
        /* http://unix:/run/app.sock:/path: the socket ends at the ':' before the path */
        const char *s = p + 5, *c = NULL;
        for (const char *q = s; q < end; q++)
            if (*q == ':' && (q + 1 == end || q[1] == '/')) {
                c = q;
                break;
            }
        if (c == NULL || (size_t)(c - s) >= sizeof(t->unix_path) || c == s)
            return -1;
        memcpy(t->unix_path, s, (size_t)(c - s));
        snprintf(t->authority, sizeof(t->authority), "localhost");
        snprintf(t->key, sizeof(t->key), "%s+unix:%s", t->tls ? "https" : "http", t->unix_path);
        snprintf(t->host, sizeof(t->host), "localhost");
        p = c + 1;
        goto path;
    }
    auth = p;
    while (p < end && *p != '/' && *p != '?')
        p++;
    auth_end = p;
    if (auth == auth_end || memchr(auth, '@', (size_t)(auth_end - auth)) != NULL)
        return -1;
    if (*auth == '[') {
        const char *rb = memchr(auth, ']', (size_t)(auth_end - auth));
        if (rb == NULL)
            return -1;
        hl = (size_t)(rb - auth - 1);
        if (hl == 0 || hl >= sizeof(t->host))
            return -1;
        memcpy(t->host, auth + 1, hl);
        if (rb + 1 < auth_end) {
            if (rb[1] != ':')
                return -1;
            colon = rb + 1;
        }
    } else {
        colon = memchr(auth, ':', (size_t)(auth_end - auth));
        hl = (size_t)((colon != NULL ? colon : auth_end) - auth);
        if (hl == 0 || hl >= sizeof(t->host))
            return -1;
        memcpy(t->host, auth, hl);
    }
    t->port = t->tls ? 443 : 80;
    if (colon != NULL) {
        unsigned long port = 0;
        if (colon + 1 == auth_end || auth_end - colon > 6)
            return -1;
        for (const char *q = colon + 1; q < auth_end; q++) {
            if (*q < '0' || *q > '9')
                return -1;
            port = port * 10 + (unsigned long)(*q - '0');
        }
        if (port == 0 || port > 65535)
            return -1;
        t->port = (unsigned)port;
    }
    if ((size_t)(auth_end - auth) >= sizeof(t->authority))
        return -1;
    memcpy(t->authority, auth, (size_t)(auth_end - auth)); /* t was zeroed: NUL-terminated */
    tcp_key(t);
path:
    if (p == end) {
        *path = root_path;
        *path_len = 1;
    } else if (*p == '?') {
        return -1; /* "http://h?q": no path to put before the query */
    } else {
        *path = p;
        *path_len = (size_t)(end - p);
    }
    return 0;
}

/* Closes u and frees it (after the worker's batch of events, worker_free_later()). */
static void
up_close(struct upstream_conn *u)
{
    if (u->ssl != NULL)
        SSL_free(u->ssl);
    u->ssl = NULL;
    ERR_clear_error();
    if (u->fd >= 0)
        close(u->fd); /* also leaves the epoll set */
    if (u->addrs != NULL)
        freeaddrinfo(u->addrs);
    u->addrs = u->next_addr = NULL;
    /* its client connection may have an event queued in this batch, and it ours */
    worker_free_later(u->pool->w, &u->ev, u);
}

/* Takes u out of its pool's idle list (it must be there). */
static void
unlink_idle(struct upstream_conn *u)
{
    struct upstream_conn **pp = &u->pool->idle;

    while (*pp != NULL && *pp != u)
        pp = &(*pp)->next;
    if (*pp == u)
        *pp = u->next;
    u->next = NULL;
}

static void
on_upstream_event(struct worker_ev *ev, uint32_t events)
{
    struct upstream_conn *u = (struct upstream_conn *)ev;
    char b;

    /*
     * Edge-triggered: data arriving after an EAGAIN always brings an event
     * here, so until one does a read would only find EAGAIN again.
     */
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
        u->rd_ready = true;
    if (u->on_ready != NULL) {
        u->on_ready(u->arg);
        return;
    }
    /* Idle in the pool: the upstream closed it, or sent what no request asked for. */
    if (recv(u->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    unlink_idle(u);
    up_close(u);
}

static struct upstream_pool *
pool_of(struct worker *w)
{
    if (w->upool == NULL) {
        w->upool = calloc(1, sizeof(*w->upool));
        if (w->upool != NULL) {
            w->upool->w = w;
            w->upool_free = upstream_pool_free;
        }
    }
    return w->upool;
}

/* The client context verifying against ca_file ("" the system store); rebuilt when it changes. */
static SSL_CTX *
client_ctx(struct upstream_pool *p, const char *ca_file, char *why, size_t size)
{
    SSL_CTX *ctx;
    char *ca;

    if (p->ctx != NULL && strcmp(p->ctx_ca, ca_file) == 0)
        return p->ctx;
    ctx = SSL_CTX_new(TLS_client_method());
    ca = strdup(ca_file);
    if (ctx == NULL || ca == NULL) {
        snprintf(why, size, "out of memory for the TLS context");
        goto fail;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                              SSL_MODE_RELEASE_BUFFERS);
    if (ca_file[0] != '\0' ? SSL_CTX_load_verify_locations(ctx, ca_file, NULL) != 1
                           : SSL_CTX_set_default_verify_paths(ctx) != 1) {
        snprintf(why, size, "cannot load the upstream CA file \"%s\"",
                 ca_file[0] != '\0' ? ca_file : "(system store)");
        goto fail;
    }
    SSL_CTX_free(p->ctx); /* connections that use it hold their own reference */
    free(p->ctx_ca);
    p->ctx = ctx;
    p->ctx_ca = ca;
    return ctx;
fail:
    ERR_clear_error();
    SSL_CTX_free(ctx);
    free(ca);
    return NULL;
}

/* true when nothing waits on u's socket: no byte, no EOF, no error (one recv(MSG_PEEK)). */
static bool
quiet(const struct upstream_conn *u)
{
    char b;
    ssize_t n = recv(u->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);

    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

/*
 * An idle, still open connection to key from the pool, or NULL.  ctx: the
 * TLS context in force (NULL for plain HTTP); a TLS connection made with an
 * older one (caFile changed by a reload) is closed, not reused.  probe: see
 * upstream_open(); a TLS connection is always probed.
 */
static struct upstream_conn *
pool_take(struct upstream_pool *p, const char *key, SSL_CTX *ctx, bool probe)
{
    struct upstream_conn **pp = &p->idle, *u;

    while ((u = *pp) != NULL) {
        if (strcmp(u->key, key) != 0) {
            pp = &u->next;
            continue;
        }
        *pp = u->next;
        u->next = NULL;
        /*
         * Unprobed, a plain connection is taken on the word of the pool's
         * watch: released only when its socket was drained (rd_ready false,
         * upstream_release()), and closed at the first event it gets while
         * idle.  What the watch cannot see yet (the FIN's event still queued
         * in this batch, or in flight) the caller's retry covers.  Probed,
         * it is closed when anything waits (try the next one).
         */
        if (u->ssl == NULL && !probe)
            return u;
        if (quiet(u) && (u->ssl == NULL || SSL_get_SSL_CTX(u->ssl) == ctx)) {
            /* nothing waits: the response to the request about to go cannot be read yet */
            u->rd_ready = false;
            return u;
        }
        up_close(u);
    }
    return NULL;
}

/*
 * Connects u->fd to the next address of u->addrs that takes a connect()
 * (an immediate refusal moves on to the one after).  0, or -1 with why.
 */
static int
connect_next(struct upstream_conn *u, char *why, size_t size)
{
    int one = 1;

    snprintf(why, size, "no address");
    while (u->next_addr != NULL) {
        const struct addrinfo *ai = u->next_addr;

        u->next_addr = ai->ai_next;
        if (u->fd >= 0)
            close(u->fd);
        u->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (u->fd < 0) {
            snprintf(why, size, "socket: %s", strerror(errno));
            continue;
        }
        setsockopt(u->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        if (connect(u->fd, ai->ai_addr, ai->ai_addrlen) == 0 || errno == EINPROGRESS ||
            errno == EAGAIN)
            return 0;
        snprintf(why, size, "connect: %s", strerror(errno));
    }
    return -1;
}

/* true for "localhost" and "*.localhost" (any case, an ending dot allowed). */
static bool
is_localhost(const char *host)
{
    size_t n = strlen(host);

    if (n > 0 && host[n - 1] == '.')
        n--;
    return (n == 9 && strncasecmp(host, "localhost", 9) == 0) ||
           (n > 10 && strncasecmp(host + n - 10, ".localhost", 10) == 0);
}

static int
start_connect(struct upstream_conn *u, const struct upstream_target *t, char *why, size_t size)
{
    struct addrinfo hints;
    struct sockaddr_un sun;
    char port[8];
    int r, e;

    if (t->unix_path[0] != '\0') {
        memset(&sun, 0, sizeof(sun));
        sun.sun_family = AF_UNIX;
        memcpy(sun.sun_path, t->unix_path, strlen(t->unix_path));
        u->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (u->fd < 0) {
            snprintf(why, size, "socket: %s", strerror(errno));
            return -1;
        }
        r = connect(u->fd, (struct sockaddr *)&sun, sizeof(sun));
        if (r != 0 && errno != EINPROGRESS && errno != EAGAIN) {
            snprintf(why, size, "connect: %s", strerror(errno));
            return -1;
        }
        return 0;
    }
    /*
     * A name costs a blocking getaddrinfo(); keep-alive reuse makes it rare.
     * Every address it gives is tried in turn ("localhost" is ::1 first on
     * Debian 13, and a server may listen on 127.0.0.1 only), as nginx does.
     * No AI_ADDRCONFIG: it hides loopback addresses from a host (or network
     * namespace, PrivateNetwork=) whose only interface is lo.
     */
    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    snprintf(port, sizeof(port), "%u", t->port);
    /*
     * "localhost" and names under it are the loopback addresses (RFC 6761),
     * also where no hosts file says so (a bare container or chroot): asked
     * as getaddrinfo()'s node NULL, which is the loopback of each family.
     */
    e = getaddrinfo(is_localhost(t->host) ? NULL : t->host, port, &hints, &u->addrs);
    if (e != 0 || u->addrs == NULL) {
        snprintf(why, size, "cannot resolve %s: %s", t->host, gai_strerror(e));
        u->addrs = NULL;
        return -1;
    }
    u->next_addr = u->addrs;
    return connect_next(u, why, size);
}

static int
setup_tls(struct upstream_conn *u, SSL_CTX *ctx, const struct upstream_target *t, char *why,
          size_t size)
{
    unsigned char bin[16];
    bool is_ip = inet_pton(AF_INET, t->host, bin) == 1 || inet_pton(AF_INET6, t->host, bin) == 1;

    u->ssl = SSL_new(ctx);
    if (u->ssl == NULL || SSL_set_fd(u->ssl, u->fd) != 1) {
        snprintf(why, size, "out of memory for TLS");
        return -1;
    }
    if (is_ip) {
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(u->ssl), t->host);
    } else {
        SSL_set_tlsext_host_name(u->ssl, t->host);
        SSL_set1_host(u->ssl, t->host);
    }
    SSL_set_connect_state(u->ssl);
    return 0;
}

struct upstream_conn *
upstream_connect(struct worker *w, const struct upstream_target *t, const char *ca_file,
                 void (*on_ready)(void *arg), void *arg, char *why, size_t size)
{
    struct upstream_pool *p = pool_of(w);
    struct upstream_conn *u = NULL;
    struct epoll_event ev;
    SSL_CTX *ctx = NULL;

    if (p == NULL) {
        snprintf(why, size, "out of memory");
        return NULL;
    }
    if (t->tls && (ctx = client_ctx(p, ca_file, why, size)) == NULL)
        return NULL;
    u = calloc(1, sizeof(*u));
    if (u == NULL) {
        snprintf(why, size, "out of memory");
        return NULL;
    }
    u->fd = -1;
    u->rd_ready = true;
    u->pool = p;
    u->ev.on_event = on_upstream_event;
    u->on_ready = on_ready;
    u->arg = arg;
    snprintf(u->key, sizeof(u->key), "%s", t->key);
    if (start_connect(u, t, why, size) != 0 ||
        (ctx != NULL && setup_tls(u, ctx, t, why, size) != 0))
        goto fail;
    memset(&ev, 0, sizeof(ev));
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.ptr = &u->ev;
    if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, u->fd, &ev) != 0) {
        snprintf(why, size, "epoll: %s", strerror(errno));
        goto fail;
    }
    u->phase = PH_CONNECTING;
    return u;
fail:
    up_close(u);
    return NULL;
}

struct upstream_conn *
upstream_open(struct worker *w, const struct upstream_target *t, const char *ca_file, bool probe,
              void (*on_ready)(void *arg), void *arg, char *why, size_t size)
{
    struct upstream_pool *p = pool_of(w);
    struct upstream_conn *u;
    SSL_CTX *ctx = NULL;

    if (p == NULL) {
        snprintf(why, size, "out of memory");
        return NULL;
    }
    /* a TLS connection is reused only if it was verified against the caFile in force now */
    if (t->tls && (ctx = client_ctx(p, ca_file, why, size)) == NULL)
        return NULL;
    u = pool_take(p, t->key, ctx, probe);
    if (u == NULL)
        return upstream_connect(w, t, ca_file, on_ready, arg, why, size);
    u->reused = true;
    u->on_ready = on_ready;
    u->arg = arg;
    u->why[0] = '\0';
    return u;
}

/* The verification failure of the handshake, in words. */
static void
tls_why(struct upstream_conn *u)
{
    long v = SSL_get_verify_result(u->ssl);
    unsigned long e = ERR_peek_error();
    char buf[120];

    if (v != X509_V_OK)
        snprintf(u->why, sizeof(u->why), "TLS: certificate verify failed: %s",
                 X509_verify_cert_error_string(v));
    else if (e != 0)
        snprintf(u->why, sizeof(u->why), "TLS: %s", ERR_error_string(e, buf));
    else
        snprintf(u->why, sizeof(u->why), "TLS handshake failed: %s",
                 errno != 0 ? strerror(errno) : "connection closed");
    ERR_clear_error();
}

/*
 * The connection to this address failed: the next address of the name, on
 * a new socket in the same epoll registration (and TLS object), or
 * UPSTREAM_ERR when none is left (u->why keeps the last failure).
 */
static int
retry_address(struct upstream_conn *u)
{
    struct epoll_event ev;
    char why[sizeof(u->why)];

    if (u->next_addr == NULL)
        return UPSTREAM_ERR;
    if (connect_next(u, why, sizeof(why)) != 0) {
        snprintf(u->why, sizeof(u->why), "%s", why);
        return UPSTREAM_ERR;
    }
    memset(&ev, 0, sizeof(ev));
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.ptr = &u->ev;
    if (epoll_ctl(u->pool->w->epfd, EPOLL_CTL_ADD, u->fd, &ev) != 0 ||
        (u->ssl != NULL && SSL_set_fd(u->ssl, u->fd) != 1)) {
        snprintf(u->why, sizeof(u->why), "epoll: %s", strerror(errno));
        return UPSTREAM_ERR;
    }
    return UPSTREAM_AGAIN;
}

int
upstream_establish(struct upstream_conn *u)
{
    int err = 0, r;
    socklen_t len = sizeof(err);

    if (u->phase == PH_CONNECTING) {
        if (getsockopt(u->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
            err = errno;
        if (err != 0) {
            snprintf(u->why, sizeof(u->why), "connect: %s", strerror(err));
            return retry_address(u);
        }
        /* connected once the socket is writable: a peer address says so */
        {
            struct sockaddr_storage ss;
            socklen_t sl = sizeof(ss);
            if (getpeername(u->fd, (struct sockaddr *)&ss, &sl) != 0)
                return errno == ENOTCONN ? UPSTREAM_AGAIN : UPSTREAM_ERR;
        }
        u->phase = u->ssl != NULL ? PH_HANDSHAKE : PH_READY;
        if (u->addrs != NULL) /* connected: a pooled connection keeps no address list */
            freeaddrinfo(u->addrs);
        u->addrs = u->next_addr = NULL;
    }
    if (u->phase == PH_HANDSHAKE) {
        ERR_clear_error();
        errno = 0;
        r = SSL_do_handshake(u->ssl);
        if (r != 1) {
            int e = SSL_get_error(u->ssl, r);
            if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
                return UPSTREAM_AGAIN;
            tls_why(u);
            return UPSTREAM_ERR;
        }
        u->phase = PH_READY;
    }
    return 0;
}

static ssize_t
tls_result(struct upstream_conn *u, int r)
{
    int e = SSL_get_error(u->ssl, r);

    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
        return UPSTREAM_AGAIN;
    if (e == SSL_ERROR_ZERO_RETURN)
        return 0;
    snprintf(u->why, sizeof(u->why), "TLS I/O error");
    ERR_clear_error();
    return UPSTREAM_ERR;
}

ssize_t
upstream_read(struct upstream_conn *u, char *buf, size_t len)
{
    ssize_t n;
    size_t got;

    if (u->ssl != NULL) {
        ERR_clear_error();
        if (SSL_read_ex(u->ssl, buf, len, &got) == 1)
            return (ssize_t)got;
        return tls_result(u, 0);
    }
    /* one recv() per request saved: the one right after the request was sent */
    if (!u->rd_ready)
        return UPSTREAM_AGAIN;
    for (;;) {
        n = recv(u->fd, buf, len, 0);
        /*
         * Less than asked for: the socket was drained, and any byte (or the
         * FIN) that comes later brings an event (edge-triggered), as nginx
         * reads a short recv(): no recv() just to see EAGAIN, and a
         * connection released now is known to hold nothing unread.
         */
        if (n > 0 && (size_t)n < len)
            u->rd_ready = false;
        if (n >= 0)
            return n;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            u->rd_ready = false;
            return UPSTREAM_AGAIN;
        }
        snprintf(u->why, sizeof(u->why), "recv: %s", strerror(errno));
        return UPSTREAM_ERR;
    }
}

ssize_t
upstream_write(struct upstream_conn *u, const char *buf, size_t len)
{
    ssize_t n;
    size_t put;

    if (u->ssl != NULL) {
        ERR_clear_error();
        if (SSL_write_ex(u->ssl, buf, len, &put) == 1)
            return (ssize_t)put;
        n = tls_result(u, 0);
        return n == 0 ? UPSTREAM_ERR : n;
    }
    for (;;) {
        n = send(u->fd, buf, len, MSG_NOSIGNAL);
        if (n > 0)
            return n;
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return UPSTREAM_AGAIN;
        snprintf(u->why, sizeof(u->why), "send: %s", n < 0 ? strerror(errno) : "no progress");
        return UPSTREAM_ERR;
    }
}

void
upstream_shutdown_write(struct upstream_conn *u)
{
    if (u->ssl != NULL) {
        ERR_clear_error();
        SSL_shutdown(u->ssl);
        ERR_clear_error();
    }
    shutdown(u->fd, SHUT_WR);
}

void
upstream_release(struct worker *w, struct upstream_conn *u, bool reusable, unsigned max_idle)
{
    struct upstream_pool *p = u->pool;
    unsigned same = 0;

    (void)w;
    u->on_ready = NULL;
    u->arg = NULL;
    /*
     * A plain connection not known to be drained (its last read filled the
     * buffer, or an event came since) is probed once here, so that an
     * unprobed pool_take() never hands out one with bytes left unread.
     */
    if (reusable && u->ssl == NULL && u->rd_ready) {
        reusable = quiet(u);
        u->rd_ready = false;
    }
    if (reusable && max_idle > 0) {
        for (struct upstream_conn *i = p->idle; i != NULL; i = i->next)
            if (strcmp(i->key, u->key) == 0)
                same++;
        if (same < max_idle) {
            u->idle_since = worker_now_ms();
            u->next = p->idle;
            p->idle = u;
            return;
        }
    }
    up_close(u);
}

void
upstream_pool_free(struct upstream_pool *p)
{
    struct upstream_conn *u, *next;

    if (p == NULL)
        return;
    for (u = p->idle; u != NULL; u = next) {
        next = u->next;
        up_close(u);
    }
    SSL_CTX_free(p->ctx);
    free(p->ctx_ca);
    free(p);
}

struct upstream_conn *
upstream_adopt(struct worker *w, int fd, void (*on_ready)(void *arg), void *arg, char *why,
               size_t size)
{
    struct upstream_pool *p = pool_of(w);
    struct upstream_conn *u;
    struct epoll_event ev;

    u = p != NULL ? calloc(1, sizeof(*u)) : NULL;
    if (u == NULL) {
        snprintf(why, size, "out of memory");
        close(fd);
        return NULL;
    }
    u->fd = fd;
    u->rd_ready = true;
    u->pool = p;
    u->ev.on_event = on_upstream_event;
    u->on_ready = on_ready;
    u->arg = arg;
    u->reused = true;
    u->phase = PH_READY;
    snprintf(u->key, sizeof(u->key), "adopted");
    memset(&ev, 0, sizeof(ev));
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.ptr = &u->ev;
    if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
        snprintf(why, size, "epoll: %s", strerror(errno));
        up_close(u);
        return NULL;
    }
    return u;
}

int
upstream_detach(struct upstream_conn *u)
{
    int fd = u->fd;

    if (u->ssl != NULL) {
        up_close(u);
        return -1;
    }
    epoll_ctl(u->pool->w->epfd, EPOLL_CTL_DEL, fd, NULL);
    u->fd = -1;
    worker_free_later(u->pool->w, &u->ev, u); /* an event of u may be queued in this batch */
    return fd;
}
