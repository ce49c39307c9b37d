/*
 * mtls-load - an HTTPS load generator that presents client certificates.
 *
 * Common load tools either cannot present a client certificate with
 * keep-alive (wrk, h2load) or are single-threaded HTTP/1.0 (ab -E), so the
 * benchmarks of certmapd and its peers use this one.  Each thread runs its
 * own epoll loop over its share of the connections; every connection is a
 * small state machine (connect, TLS handshake, send, receive).
 *
 * Modes:
 *   handshake  a new TLS connection per request, full handshake (no tickets)
 *   resume     a new TLS connection per request, resuming the previous session
 *   keepalive  many requests per connection, --pipeline requests in flight
 *   idle       each connection authenticates with one request, then stays
 *              open and idle until the end (for memory-per-connection tests);
 *              a line on stderr says when all of them are established
 *
 * --sessions-out FILE writes each connection's last session (PEM) at the end
 * and --sessions-in FILE offers those sessions on the first handshakes, so
 * that bench/run can take sessions from one server process, reload it and
 * count how many of them the reloaded server still resumes.
 *
 * Output: one JSON object on stdout, also when SIGINT or SIGTERM ends the run
 * early (bench/run stops idle runs once it has read the server's memory).
 * Loopback targets only.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include "hist.h"

#define MAX_CERTS 1024
#define MAX_PIPELINE 64
#define RBUF_SIZE 65536
#define STALL_US (10 * 1000000ull)

enum mode { MODE_HANDSHAKE, MODE_RESUME, MODE_KEEPALIVE, MODE_IDLE };

enum err_kind { E_CONNECT, E_HANDSHAKE, E_IO, E_HTTP, E_TIMEOUT, E_KINDS };
static const char *err_names[E_KINDS] = {"connect", "handshake", "io", "http", "timeout"};

struct options {
    const char *host; /* numeric loopback address */
    int port;
    const char *sni; /* server name (SNI and Host header) */
    enum mode mode;
    int threads;
    int connections;       /* total, spread over threads */
    double duration;       /* seconds */
    uint64_t max_requests; /* 0: no bound */
    int tls_version;       /* 12, 13 or 0 (negotiate) */
    const char *cert_files[MAX_CERTS];
    const char *key_files[MAX_CERTS];
    int ncerts;
    const char *cacert;
    const char *path;
    int pipeline;
    const char *label;
    const char *sessions_in;  /* PEM sessions to offer first, or NULL */
    const char *sessions_out; /* where to write the last sessions, or NULL */
    bool once;                /* each connection: one TLS connection, one request, then done */
    int ramp;                 /* idle mode: connections opening at once, 0 = all */
};

struct cert_pair {
    X509 *cert;
    EVP_PKEY *key;
};

/* C_PENDING: not started yet (idle mode with --ramp) */
enum conn_state { C_IDLE, C_CONNECTING, C_HANDSHAKE, C_SEND, C_RECV, C_PARKED, C_DONE, C_PENDING };

struct conn {
    int fd; /* -1 when closed */
    SSL *ssl;
    enum conn_state state;
    int cert_idx;           /* next certificate to present */
    SSL_SESSION *session;   /* resume mode: session to offer */
    uint64_t conn_start;    /* monotonic us: start of the current connection */
    uint64_t last_progress; /* monotonic us */
    uint64_t sent_at[MAX_PIPELINE];
    int outstanding; /* requests sent, response not complete */
    size_t woff;     /* bytes of the request batch written */
    char *rbuf;      /* response bytes not yet consumed */
    size_t rlen;
    bool close_after; /* server said Connection: close */
};

struct worker {
    pthread_t thread;
    int id;
    int epfd;
    struct conn *conns;
    int nconns;
    int next_pending; /* idle mode with --ramp: first connection not started yet */
    SSL_CTX *ctx;
    /* results */
    uint64_t requests;
    uint64_t errors[E_KINDS];
    uint64_t status[600];
    uint64_t handshakes;
    uint64_t resumed;
    uint64_t established_idle;
    struct hist hist;
};

static struct options opt;
static struct cert_pair certs[MAX_CERTS];
static char request_batch[MAX_PIPELINE * 512];
static size_t request_len; /* bytes of one request */
static struct sockaddr_storage target;
static socklen_t target_len;
static uint64_t deadline_us;
static atomic_uint_fast64_t total_requests;
static atomic_int stop_flag;
static atomic_int idle_total; /* idle mode: connections parked, all threads */

static uint64_t
now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000ull + (uint64_t)ts.tv_nsec / 1000;
}

static void
usage(void)
{
    fprintf(
        stderr,
        "usage: mtls-load --port N [--host 127.0.0.1] [--sni NAME] [--mode "
        "handshake|resume|keepalive|idle]\n"
        "                 [--threads T] [--connections C] [--duration S] [--requests N]\n"
        "                 [--tls 1.2|1.3] --cert FILE --key FILE [--cert F --key F ...]\n"
        "                 [--cert-list FILE] --cacert FILE [--path /x] [--pipeline D] [--label L]\n"
        "                 [--sessions-in FILE] [--sessions-out FILE] [--once] [--ramp N]\n"
        "  --cert-list FILE: lines \"certfile keyfile\", presented round-robin\n"
        "  --sessions-in FILE: PEM sessions offered on the first handshakes (resume mode)\n"
        "  --sessions-out FILE: each connection's last session, PEM, written at the end\n"
        "  --once: each connection connects and asks once (handshakes = connections)\n"
        "  --ramp N: idle mode, at most N connections opening at once (the server's\n"
        "            listen backlog stays within bounds)\n");
    exit(1);
}

static int
load_cert_list(const char *file)
{
    FILE *f = fopen(file, "r");
    char line[2048], c[1024], k[1024];

    if (f == NULL) {
        fprintf(stderr, "mtls-load: %s: cannot open\n", file);
        return -1;
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        if (sscanf(line, "%1023s %1023s", c, k) != 2)
            continue;
        if (opt.ncerts >= MAX_CERTS) {
            fprintf(stderr, "mtls-load: %s: more than %d certificates\n", file, MAX_CERTS);
            fclose(f);
            return -1;
        }
        opt.cert_files[opt.ncerts] = strdup(c);
        opt.key_files[opt.ncerts] = strdup(k);
        opt.ncerts++;
    }
    fclose(f);
    return 0;
}

static void
parse_args(int argc, char **argv)
{
    static const struct option lo[] = {{"host", required_argument, 0, 'h'},
                                       {"port", required_argument, 0, 'p'},
                                       {"sni", required_argument, 0, 's'},
                                       {"mode", required_argument, 0, 'm'},
                                       {"threads", required_argument, 0, 't'},
                                       {"connections", required_argument, 0, 'c'},
                                       {"duration", required_argument, 0, 'd'},
                                       {"requests", required_argument, 0, 'n'},
                                       {"tls", required_argument, 0, 'T'},
                                       {"cert", required_argument, 0, 'C'},
                                       {"key", required_argument, 0, 'K'},
                                       {"cert-list", required_argument, 0, 'L'},
                                       {"cacert", required_argument, 0, 'A'},
                                       {"path", required_argument, 0, 'P'},
                                       {"pipeline", required_argument, 0, 'D'},
                                       {"label", required_argument, 0, 'l'},
                                       {"sessions-in", required_argument, 0, 'I'},
                                       {"sessions-out", required_argument, 0, 'O'},
                                       {"once", no_argument, 0, '1'},
                                       {"ramp", required_argument, 0, 'R'},
                                       {0, 0, 0, 0}};
    int ch, nkeys = 0;

    opt.host = "127.0.0.1";
    opt.sni = "localhost";
    opt.mode = MODE_KEEPALIVE;
    opt.threads = 1;
    opt.connections = 1;
    opt.duration = 5;
    opt.path = "/";
    opt.pipeline = 1;
    opt.label = "";
    while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (ch) {
        case 'h':
            opt.host = optarg;
            break;
        case 'p':
            opt.port = atoi(optarg);
            break;
        case 's':
            opt.sni = optarg;
            break;
        case 'm':
            if (strcmp(optarg, "handshake") == 0)
                opt.mode = MODE_HANDSHAKE;
            else if (strcmp(optarg, "resume") == 0)
                opt.mode = MODE_RESUME;
            else if (strcmp(optarg, "keepalive") == 0)
                opt.mode = MODE_KEEPALIVE;
            else if (strcmp(optarg, "idle") == 0)
                opt.mode = MODE_IDLE;
            else
                usage();
            break;
        case 't':
            opt.threads = atoi(optarg);
            break;
        case 'c':
            opt.connections = atoi(optarg);
            break;
        case 'd':
            opt.duration = atof(optarg);
            break;
        case 'n':
            opt.max_requests = strtoull(optarg, NULL, 10);
            break;
        case 'T':
            opt.tls_version = strcmp(optarg, "1.2") == 0   ? 12
                              : strcmp(optarg, "1.3") == 0 ? 13
                                                           : -1;
            if (opt.tls_version < 0)
                usage();
            break;
        case 'C':
            if (opt.ncerts >= MAX_CERTS)
                usage();
            opt.cert_files[opt.ncerts++] = optarg;
            break;
        case 'K':
            if (nkeys >= MAX_CERTS)
                usage();
            opt.key_files[nkeys++] = optarg;
            break;
        case 'L':
            if (load_cert_list(optarg) != 0)
                exit(1);
            nkeys = opt.ncerts;
            break;
        case 'A':
            opt.cacert = optarg;
            break;
        case 'P':
            opt.path = optarg;
            break;
        case 'D':
            opt.pipeline = atoi(optarg);
            break;
        case 'l':
            opt.label = optarg;
            break;
        case 'I':
            opt.sessions_in = optarg;
            break;
        case 'O':
            opt.sessions_out = optarg;
            break;
        case '1':
            opt.once = true;
            break;
        case 'R':
            opt.ramp = atoi(optarg);
            break;
        default:
            usage();
        }
    }
    if (opt.port <= 0 || opt.port > 65535 || opt.threads < 1 || opt.connections < opt.threads ||
        opt.duration <= 0 || opt.pipeline < 1 || opt.pipeline > MAX_PIPELINE ||
        opt.ncerts != nkeys || opt.cacert == NULL)
        usage();
    if (opt.mode != MODE_KEEPALIVE)
        opt.pipeline = 1;
    if ((opt.sessions_in != NULL || opt.sessions_out != NULL) && opt.mode != MODE_RESUME) {
        fprintf(stderr, "mtls-load: --sessions-in and --sessions-out need --mode resume\n");
        exit(1);
    }
}

static int
resolve_target(void)
{
    struct sockaddr_in *sin = (struct sockaddr_in *)&target;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&target;

    memset(&target, 0, sizeof(target));
    if (inet_pton(AF_INET, opt.host, &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET;
        sin->sin_port = htons((uint16_t)opt.port);
        target_len = sizeof(*sin);
        /* loopback only: 127.0.0.0/8 */
        return (ntohl(sin->sin_addr.s_addr) >> 24) == 127 ? 0 : -1;
    }
    if (inet_pton(AF_INET6, opt.host, &sin6->sin6_addr) == 1) {
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons((uint16_t)opt.port);
        target_len = sizeof(*sin6);
        return IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr) ? 0 : -1;
    }
    return -1;
}

static int
load_certs(void)
{
    int i;
    FILE *f;

    for (i = 0; i < opt.ncerts; i++) {
        f = fopen(opt.cert_files[i], "r");
        if (f == NULL || (certs[i].cert = PEM_read_X509(f, NULL, NULL, NULL)) == NULL) {
            fprintf(stderr, "mtls-load: %s: cannot read certificate\n", opt.cert_files[i]);
            return -1;
        }
        fclose(f);
        f = fopen(opt.key_files[i], "r");
        if (f == NULL || (certs[i].key = PEM_read_PrivateKey(f, NULL, NULL, NULL)) == NULL) {
            fprintf(stderr, "mtls-load: %s: cannot read key\n", opt.key_files[i]);
            return -1;
        }
        fclose(f);
    }
    return 0;
}

/* Reads every PEM session of opt.sessions_in and hands them to the connections in turn. */
static int
load_sessions(struct worker *ws)
{
    FILE *f = fopen(opt.sessions_in, "r");
    SSL_SESSION *sess;
    int i = 0, n = 0;

    if (f == NULL) {
        fprintf(stderr, "mtls-load: %s: cannot open\n", opt.sessions_in);
        return -1;
    }
    while ((sess = PEM_read_SSL_SESSION(f, NULL, NULL, NULL)) != NULL) {
        /* connection n of all threads: thread i, then the next one */
        while (n >= ws[i].nconns) {
            n = 0;
            if (++i == opt.threads)
                break;
        }
        if (i == opt.threads) {
            SSL_SESSION_free(sess); /* more sessions than connections */
            break;
        }
        ws[i].conns[n++].session = sess;
    }
    ERR_clear_error(); /* the end of the file reads as a PEM error */
    fclose(f);
    return 0;
}

/* Writes each connection's last resumable session to opt.sessions_out; frees them all. */
static int
write_sessions(struct worker *ws)
{
    FILE *f = fopen(opt.sessions_out, "w");
    int i, j, rc = f == NULL ? -1 : 0;
    SSL_SESSION *sess;

    if (f == NULL)
        fprintf(stderr, "mtls-load: %s: cannot write\n", opt.sessions_out);
    for (i = 0; i < opt.threads; i++)
        for (j = 0; j < ws[i].nconns; j++) {
            sess = ws[i].conns[j].session;
            if (f != NULL && sess != NULL && SSL_SESSION_is_resumable(sess) &&
                PEM_write_SSL_SESSION(f, sess) != 1)
                rc = -1;
        }
    if (f != NULL && fclose(f) != 0)
        rc = -1;
    return rc;
}

static void
free_sessions(struct worker *ws)
{
    int i, j;

    for (i = 0; i < opt.threads; i++)
        for (j = 0; j < ws[i].nconns; j++)
            SSL_SESSION_free(ws[i].conns[j].session);
}

static void
on_stop_signal(int sig)
{
    (void)sig;
    atomic_store(&stop_flag, 1); /* the workers notice within one epoll timeout */
}

static SSL_CTX *
make_ctx(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

    if (ctx == NULL)
        return NULL;
    SSL_CTX_set_min_proto_version(ctx, opt.tls_version == 13 ? TLS1_3_VERSION : TLS1_2_VERSION);
    SSL_CTX_set_max_proto_version(ctx, opt.tls_version == 12 ? TLS1_2_VERSION : TLS1_3_VERSION);
    if (SSL_CTX_load_verify_locations(ctx, opt.cacert, NULL) != 1) {
        fprintf(stderr, "mtls-load: %s: cannot load CA file\n", opt.cacert);
        SSL_CTX_free(ctx);
        return NULL;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    if (opt.mode == MODE_HANDSHAKE)
        SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    return ctx;
}

static void
count_error(struct worker *w, enum err_kind k)
{
    w->errors[k]++;
}

static void
conn_close(struct worker *w, struct conn *c)
{
    if (c->ssl != NULL) {
        if (c->state != C_CONNECTING && c->state != C_HANDSHAKE)
            SSL_shutdown(c->ssl); /* send close_notify, do not wait for the peer's */
        SSL_free(c->ssl);
        c->ssl = NULL;
    }
    if (c->fd >= 0) {
        epoll_ctl(w->epfd, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
        c->fd = -1;
    }
    c->state = C_IDLE;
    c->outstanding = 0;
    c->rlen = 0;
    c->woff = 0;
    c->close_after = false;
}

static void
want_events(struct worker *w, struct conn *c, uint32_t ev)
{
    struct epoll_event e = {.events = ev, .data.ptr = c};

    epoll_ctl(w->epfd, EPOLL_CTL_MOD, c->fd, &e);
}

/* true while --requests leaves room for more (without taking any). */
static bool
budget_left(void)
{
    return opt.max_requests == 0 || atomic_load(&total_requests) < opt.max_requests;
}

static bool
may_send_more(void)
{
    if (atomic_load(&stop_flag))
        return false;
    if (opt.max_requests == 0)
        return true;
    return atomic_fetch_add(&total_requests, (uint_fast64_t)opt.pipeline) < opt.max_requests;
}

static void
conn_start(struct worker *w, struct conn *c)
{
    struct epoll_event e;
    int one = 1;

    c->fd = socket(target.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0) {
        count_error(w, E_CONNECT);
        return;
    }
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    c->conn_start = c->last_progress = now_us();
    if (connect(c->fd, (struct sockaddr *)&target, target_len) != 0 && errno != EINPROGRESS) {
        count_error(w, E_CONNECT);
        close(c->fd);
        c->fd = -1;
        return;
    }
    c->state = C_CONNECTING;
    e.events = EPOLLOUT;
    e.data.ptr = c;
    epoll_ctl(w->epfd, EPOLL_CTL_ADD, c->fd, &e);
}

static void drive(struct worker *w, struct conn *c);

/* Ends a connection after its work (handshake/resume modes) or an error, and starts the next. */
static void
conn_recycle(struct worker *w, struct conn *c)
{
    conn_close(w, c);
    if (!opt.once && !atomic_load(&stop_flag) && now_us() < deadline_us && budget_left())
        conn_start(w, c);
    else
        c->state = C_DONE;
}

static int
ssl_step_events(struct worker *w, struct conn *c, int rc)
{
    switch (SSL_get_error(c->ssl, rc)) {
    case SSL_ERROR_WANT_READ:
        want_events(w, c, EPOLLIN);
        return 0;
    case SSL_ERROR_WANT_WRITE:
        want_events(w, c, EPOLLOUT);
        return 0;
    default:
        return -1;
    }
}

static void
start_handshake(struct worker *w, struct conn *c)
{
    struct cert_pair *cp;

    c->ssl = SSL_new(w->ctx);
    if (c->ssl == NULL) {
        count_error(w, E_HANDSHAKE);
        conn_close(w, c);
        return;
    }
    SSL_set_fd(c->ssl, c->fd);
    SSL_set_tlsext_host_name(c->ssl, opt.sni);
    SSL_set1_host(c->ssl, opt.sni);
    if (opt.ncerts > 0) {
        cp = &certs[c->cert_idx % opt.ncerts];
        SSL_use_certificate(c->ssl, cp->cert);
        SSL_use_PrivateKey(c->ssl, cp->key);
        c->cert_idx = (c->cert_idx + 1) % opt.ncerts;
    }
    if (opt.mode == MODE_RESUME && c->session != NULL)
        SSL_set_session(c->ssl, c->session);
    c->state = C_HANDSHAKE;
}

/* Parses complete responses at the front of rbuf; returns -1 on a malformed one. */
static int
consume_responses(struct worker *w, struct conn *c)
{
    char *end, *p, *hdr_end;
    size_t head_len, body_len, total;
    long status;
    uint64_t t;

    while (c->outstanding > 0 && c->rlen > 0) {
        hdr_end = memmem(c->rbuf, c->rlen, "\r\n\r\n", 4);
        if (hdr_end == NULL)
            return c->rlen > 16384 ? -1 : 0;
        head_len = (size_t)(hdr_end - c->rbuf) + 4;
        if (c->rlen < 12 || memcmp(c->rbuf, "HTTP/1.", 7) != 0)
            return -1;
        status = strtol(c->rbuf + 9, &end, 10);
        if (status < 100 || status > 599)
            return -1;
        body_len = 0;
        *hdr_end = '\0';
        p = strcasestr(c->rbuf, "\r\ncontent-length:");
        if (p != NULL)
            body_len = strtoul(p + 17, NULL, 10);
        else if (strcasestr(c->rbuf, "\r\ntransfer-encoding:") != NULL) {
            *hdr_end = '\r';
            return -1; /* our peers answer static files with Content-Length */
        }
        if (strcasestr(c->rbuf, "\r\nconnection: close") != NULL)
            c->close_after = true;
        *hdr_end = '\r';
        total = head_len + body_len;
        if (c->rlen < total)
            return 0;
        t = now_us();
        w->status[status]++;
        w->requests++;
        if (opt.mode == MODE_HANDSHAKE || opt.mode == MODE_RESUME)
            hist_record(&w->hist, t - c->conn_start);
        else
            hist_record(&w->hist, t - c->sent_at[opt.pipeline - c->outstanding]);
        memmove(c->rbuf, c->rbuf + total, c->rlen - total);
        c->rlen -= total;
        c->outstanding--;
    }
    return 0;
}

static void
begin_send(struct worker *w, struct conn *c)
{
    int i;

    if (!may_send_more()) {
        conn_close(w, c);
        c->state = C_DONE; /* --requests reached: this connection's work is over */
        return;
    }
    c->state = C_SEND;
    c->woff = 0;
    c->outstanding = opt.pipeline;
    for (i = 0; i < opt.pipeline; i++)
        c->sent_at[i] = now_us();
}

static void
after_responses(struct worker *w, struct conn *c)
{
    if (opt.mode == MODE_RESUME) {
        SSL_SESSION_free(c->session);
        c->session = SSL_get1_session(c->ssl);
    }
    if (opt.mode == MODE_IDLE) {
        w->established_idle++;
        if (w->next_pending < w->nconns) /* --ramp: this one is up, open the next */
            conn_start(w, &w->conns[w->next_pending++]);
        /* bench/run reads the server's memory once this line appears */
        if (atomic_fetch_add(&idle_total, 1) + 1 == opt.connections)
            fprintf(stderr, "mtls-load: all %d idle connections established\n", opt.connections);
        c->state = C_PARKED;
        want_events(w, c, EPOLLIN);
        return;
    }
    if (opt.mode != MODE_KEEPALIVE || c->close_after) {
        conn_recycle(w, c);
        return;
    }
    begin_send(w, c);
    if (c->state == C_SEND)
        drive(w, c);
}

static void
drive(struct worker *w, struct conn *c)
{
    int rc, soerr;
    socklen_t sl = sizeof(soerr);
    char tmp[1];

    for (;;) {
        switch (c->state) {
        case C_IDLE:
        case C_DONE:
        case C_PENDING:
            return;
        case C_CONNECTING:
            if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0 || soerr != 0) {
                count_error(w, E_CONNECT);
                conn_recycle(w, c);
                return;
            }
            start_handshake(w, c);
            continue;
        case C_HANDSHAKE:
            rc = SSL_connect(c->ssl);
            if (rc != 1) {
                if (ssl_step_events(w, c, rc) != 0) {
                    count_error(w, E_HANDSHAKE);
                    ERR_clear_error();
                    conn_recycle(w, c);
                }
                return;
            }
            w->handshakes++;
            if (SSL_session_reused(c->ssl))
                w->resumed++;
            c->last_progress = now_us();
            begin_send(w, c);
            continue;
        case C_SEND:
            rc = SSL_write(c->ssl, request_batch + c->woff,
                           (int)(request_len * (size_t)opt.pipeline - c->woff));
            if (rc <= 0) {
                if (ssl_step_events(w, c, rc) != 0) {
                    count_error(w, E_IO);
                    ERR_clear_error();
                    conn_recycle(w, c);
                }
                return;
            }
            c->woff += (size_t)rc;
            if (c->woff < request_len * (size_t)opt.pipeline)
                continue;
            c->state = C_RECV;
            want_events(w, c, EPOLLIN);
            continue;
        case C_RECV:
            rc = SSL_read(c->ssl, c->rbuf + c->rlen, (int)(RBUF_SIZE - c->rlen));
            if (rc <= 0) {
                if (ssl_step_events(w, c, rc) != 0) {
                    count_error(w, E_IO);
                    ERR_clear_error();
                    conn_recycle(w, c);
                }
                return;
            }
            c->rlen += (size_t)rc;
            c->last_progress = now_us();
            if (consume_responses(w, c) != 0) {
                count_error(w, E_HTTP);
                conn_recycle(w, c);
                return;
            }
            if (c->outstanding == 0) {
                after_responses(w, c);
                return;
            }
            if (c->rlen == RBUF_SIZE) {
                count_error(w, E_HTTP);
                conn_recycle(w, c);
                return;
            }
            continue;
        case C_PARKED:
            /* An idle connection that becomes readable was closed by the server. */
            rc = SSL_read(c->ssl, tmp, sizeof(tmp));
            if (rc <= 0 && ssl_step_events(w, c, rc) == 0)
                return;
            count_error(w, E_IO);
            w->established_idle--;
            atomic_fetch_sub(&idle_total, 1);
            conn_close(w, c);
            return;
        }
    }
}

static void
check_stalls(struct worker *w, uint64_t t)
{
    int i;
    struct conn *c;

    for (i = 0; i < w->nconns; i++) {
        c = &w->conns[i];
        if (c->state == C_IDLE && !atomic_load(&stop_flag) && t < deadline_us && budget_left()) {
            conn_start(w, c); /* a connect that failed at once is retried here */
            continue;
        }
        if (c->state == C_PARKED || c->state == C_IDLE || c->state == C_DONE ||
            c->state == C_PENDING)
            continue;
        if (t > c->last_progress && t - c->last_progress > STALL_US) {
            count_error(w, E_TIMEOUT);
            conn_recycle(w, c);
        }
    }
}

/* true when every connection of w has finished its share of --requests. */
static bool
all_done(const struct worker *w)
{
    int i;

    for (i = 0; i < w->nconns; i++)
        if (w->conns[i].state != C_DONE)
            return false;
    return true;
}

static void *
worker_main(void *arg)
{
    struct worker *w = arg;
    struct epoll_event evs[256];
    uint64_t t, last_check = 0;
    int i, n;

    for (i = 0; i < w->nconns; i++)
        if (opt.mode == MODE_IDLE && opt.ramp > 0 && i >= opt.ramp)
            w->conns[i].state = C_PENDING;
        else
            conn_start(w, &w->conns[i]);
    w->next_pending =
        opt.mode == MODE_IDLE && opt.ramp > 0 && opt.ramp < w->nconns ? opt.ramp : w->nconns;
    for (;;) {
        t = now_us();
        if (t >= deadline_us)
            atomic_store(&stop_flag, 1);
        if (atomic_load(&stop_flag))
            break;
        if (all_done(w))
            break;
        n = epoll_wait(w->epfd, evs, 256, 50);
        for (i = 0; i < n; i++)
            drive(w, evs[i].data.ptr);
        if (t - last_check > 200000) {
            check_stalls(w, now_us());
            last_check = t;
        }
    }
    for (i = 0; i < w->nconns; i++) {
        conn_close(w, &w->conns[i]);
        free(w->conns[i].rbuf); /* sessions: main() writes them (--sessions-out), then frees */
    }
    return NULL;
}

static void
print_json(struct worker *ws, double elapsed)
{
    struct hist all;
    uint64_t requests = 0, errors[E_KINDS] = {0}, status[600] = {0}, hs = 0, resumed = 0, idle = 0;
    int i, k, first = 1;

    memset(&all, 0, sizeof(all));
    for (i = 0; i < opt.threads; i++) {
        requests += ws[i].requests;
        hs += ws[i].handshakes;
        resumed += ws[i].resumed;
        idle += ws[i].established_idle;
        for (k = 0; k < E_KINDS; k++)
            errors[k] += ws[i].errors[k];
        for (k = 0; k < 600; k++)
            status[k] += ws[i].status[k];
        hist_merge(&all, &ws[i].hist);
    }
    printf("{\"label\":\"%s\",\"mode\":\"%s\",\"tls\":\"%s\",\"threads\":%d,\"connections\":%d,"
           "\"pipeline\":%d,\"certificates\":%d,\"path\":\"%s\",\"duration_s\":%.3f,"
           "\"requests\":%llu,\"rps\":%.1f,\"handshakes\":%llu,\"resumed\":%llu,",
           opt.label,
           opt.mode == MODE_HANDSHAKE ? "handshake"
           : opt.mode == MODE_RESUME  ? "resume"
           : opt.mode == MODE_IDLE    ? "idle"
                                      : "keepalive",
           opt.tls_version == 12   ? "1.2"
           : opt.tls_version == 13 ? "1.3"
                                   : "any",
           opt.threads, opt.connections, opt.pipeline, opt.ncerts, opt.path, elapsed,
           (unsigned long long)requests, elapsed > 0 ? (double)requests / elapsed : 0.0,
           (unsigned long long)hs, (unsigned long long)resumed);
    if (opt.mode == MODE_IDLE)
        printf("\"established_idle\":%llu,", (unsigned long long)idle);
    printf("\"errors\":{");
    for (k = 0; k < E_KINDS; k++)
        printf("%s\"%s\":%llu", k ? "," : "", err_names[k], (unsigned long long)errors[k]);
    printf("},\"status\":{");
    for (k = 0; k < 600; k++) {
        if (status[k] == 0)
            continue;
        printf("%s\"%d\":%llu", first ? "" : ",", k, (unsigned long long)status[k]);
        first = 0;
    }
    printf(
        "},\"latency_us\":{\"p50\":%llu,\"p90\":%llu,\"p99\":%llu,\"p99.9\":%llu,\"max\":%llu}}\n",
        (unsigned long long)hist_percentile(&all, 50),
        (unsigned long long)hist_percentile(&all, 90),
        (unsigned long long)hist_percentile(&all, 99),
        (unsigned long long)hist_percentile(&all, 99.9), (unsigned long long)all.max);
}

int
main(int argc, char **argv)
{
    struct worker *ws;
    struct sigaction sa;
    uint64_t start;
    int i, j, per, extra, idx = 0;
    size_t n;

    parse_args(argc, argv);
    if (resolve_target() != 0) {
        fprintf(stderr, "mtls-load: --host must be a loopback address (127.0.0.0/8 or ::1)\n");
        return 1;
    }
    if (load_certs() != 0)
        return 1;
    n = (size_t)snprintf(request_batch, 512,
                         "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: mtls-load\r\n\r\n", opt.path,
                         opt.sni);
    if (n >= 512) {
        fprintf(stderr, "mtls-load: path too long\n");
        return 1;
    }
    request_len = n;
    for (i = 1; i < opt.pipeline; i++)
        memcpy(request_batch + (size_t)i * n, request_batch, n);

    ws = calloc((size_t)opt.threads, sizeof(*ws));
    if (ws == NULL)
        return 1;
    per = opt.connections / opt.threads;
    extra = opt.connections % opt.threads;
    for (i = 0; i < opt.threads; i++) {
        ws[i].id = i;
        ws[i].nconns = per + (i < extra ? 1 : 0);
        ws[i].conns = calloc((size_t)ws[i].nconns, sizeof(struct conn));
        ws[i].epfd = epoll_create1(EPOLL_CLOEXEC);
        ws[i].ctx = make_ctx();
        if (ws[i].conns == NULL || ws[i].epfd < 0 || ws[i].ctx == NULL)
            return 1;
        for (j = 0; j < ws[i].nconns; j++) {
            ws[i].conns[j].fd = -1;
            ws[i].conns[j].cert_idx = idx++;
            ws[i].conns[j].rbuf = malloc(RBUF_SIZE);
            if (ws[i].conns[j].rbuf == NULL)
                return 1;
        }
    }
    if (opt.sessions_in != NULL && load_sessions(ws) != 0)
        return 1;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    /* a server that closes a connection (nginx's old workers after a reload) must cost
     * that connection an I/O error, not the whole run */
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
    start = now_us();
    deadline_us = start + (uint64_t)(opt.duration * 1e6);
    for (i = 0; i < opt.threads; i++)
        pthread_create(&ws[i].thread, NULL, worker_main, &ws[i]);
    for (i = 0; i < opt.threads; i++)
        pthread_join(ws[i].thread, NULL);
    print_json(ws, (double)(now_us() - start) / 1e6);
    if (opt.sessions_out != NULL && write_sessions(ws) != 0)
        return 1;
    free_sessions(ws);
    for (i = 0; i < opt.threads; i++) {
        SSL_CTX_free(ws[i].ctx);
        close(ws[i].epfd);
        free(ws[i].conns);
    }
    free(ws);
    for (i = 0; i < opt.ncerts; i++) {
        X509_free(certs[i].cert);
        EVP_PKEY_free(certs[i].key);
    }
    return 0;
}
