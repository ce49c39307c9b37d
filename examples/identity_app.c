/*
 * identity_app - a tiny HTTP/1.1 application that shows the identity the
 * reverse proxy in front of it sent: X-Remote-User (the mapped account, set
 * by a rewrite rule from {LOGON_USER}), X-ARR-ClientCert decoded to the
 * client certificate's subject, issuer and serial number, X-Forwarded-For,
 * X-Forwarded-Proto, X-Forwarded-Host and X-Original-URL.  The demo (make
 * run) puts it behind certmapd at /app/, and bench/run uses it as the one
 * upstream of its proxy scenario for certmapd, nginx and HAProxy alike.
 *
 * Usage: example_identity_app [--listen ADDR] [--port N] [--port-file FILE]
 *   ADDR   IPv4 address to listen on (default 127.0.0.1)
 *   N      port (default 0: a free one, chosen by the kernel)
 *   FILE   the port actually bound is written there (and always on stdout),
 *          so that a script can start it on a free port without a race
 *
 * One thread, epoll, keep-alive and pipelining, so that it is never the
 * bottleneck of a benchmark.  Safe to leave running on untrusted input:
 * a request head is at most APP_HEAD_MAX bytes (431 beyond), at most
 * APP_MAX_CONNS connections (more are closed at once), a Content-Length
 * body is read and discarded, a chunked one is answered 501 and the
 * connection closed (an example needs no request bodies), every malformed
 * head gets 400 and the connection closed, and a client that does not read
 * its answers is not read either (no unbounded output).  Idle connections
 * are kept until the peer closes them: a proxy's keep-alive pool decides.
 *
 * X-ARR-ClientCert is read as ARR and certmapd send it (base64 of the DER)
 * or as nginx's $ssl_client_escaped_cert (URL-encoded PEM).
 *
 * Built with the tree as build/bin/example_identity_app; installed nowhere.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem, accept4 */
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#define APP_HEAD_MAX 16384  /* request line + headers; the proxy's own bound is smaller */
#define APP_MAX_CONNS 1024  /* open connections; more are accepted and closed */
#define APP_OUT_HIGH 65536  /* pending output above which the client is not read */
#define APP_VALUE_SHOWN 512 /* bytes of a header value echoed in the page */
#define APP_BODY_MAX 8192   /* the page */

/* The headers the page shows, in that order. */
enum app_hdr {
    H_REMOTE_USER,
    H_ORIGINAL_URL,
    H_XFF,
    H_XF_PROTO,
    H_XF_HOST,
    H_CLIENT_CERT,
    H_COUNT
};
static const char *const app_hdr_names[H_COUNT] = {
    "X-Remote-User",     "X-Original-URL",   "X-Forwarded-For",
    "X-Forwarded-Proto", "X-Forwarded-Host", "X-ARR-ClientCert",
};

struct app_conn {
    int fd;
    size_t in_len;         /* bytes in in[] */
    long long discard;     /* request body bytes still to skip */
    bool close_after;      /* close once out[] is written */
    char *out;             /* owned: answers not yet written */
    size_t out_len;        /* bytes in out[] */
    size_t out_off;        /* bytes of out[] already written */
    size_t out_cap;        /* size of out[] */
    char in[APP_HEAD_MAX]; /* the unparsed part of what the client sent */
};

/* What one request head says. */
struct app_req {
    const char *method, *target;
    size_t method_len, target_len;
    bool http10;
    long long content_length; /* -1: none */
    bool chunked;             /* any Transfer-Encoding */
    bool conn_close, conn_keep_alive;
    const char *v[H_COUNT]; /* first value of each shown header, NULL when absent */
    size_t vlen[H_COUNT];
};

static volatile sig_atomic_t app_stop;
static int app_nconns;

static void
on_signal(int sig)
{
    (void)sig;
    app_stop = 1;
}

/* RFC 9110 tchar */
static bool
is_tchar(unsigned char ch)
{
    if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9'))
        return true;
    return ch != '\0' && strchr("!#$%&'*+-.^_`|~", ch) != NULL;
}

/* true when s[0..len) holds token tok, compared case-insensitively, in a comma list */
static bool
has_token(const char *s, size_t len, const char *tok)
{
    size_t tl = strlen(tok), i = 0;

    while (i < len) {
        size_t b, e;
        while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == ','))
            i++;
        b = i;
        while (i < len && s[i] != ',')
            i++;
        e = i;
        while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t'))
            e--;
        if (e - b == tl && strncasecmp(s + b, tok, tl) == 0)
            return true;
    }
    return false;
}

/* One header line line[0..len) into r; -1 when it is malformed. */
static int
parse_header(struct app_req *r, const char *line, size_t len)
{
    size_t n = 0, vb, ve;

    while (n < len && is_tchar((unsigned char)line[n]))
        n++;
    if (n == 0 || n >= len || line[n] != ':')
        return -1; /* also obs-fold (a line starting with white space) */
    vb = n + 1;
    while (vb < len && (line[vb] == ' ' || line[vb] == '\t'))
        vb++;
    ve = len;
    while (ve > vb && (line[ve - 1] == ' ' || line[ve - 1] == '\t'))
        ve--;
    for (size_t i = vb; i < ve; i++) {
        unsigned char ch = (unsigned char)line[i];
        if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
            return -1;
    }
    if (n == 14 && strncasecmp(line, "Content-Length", 14) == 0) {
        long long cl = 0;
        if (ve == vb)
            return -1;
        for (size_t i = vb; i < ve; i++) {
            if (line[i] < '0' || line[i] > '9' || cl > (1LL << 50))
                return -1;
            cl = cl * 10 + (line[i] - '0');
        }
        if (r->content_length >= 0 && r->content_length != cl)
            return -1; /* RFC 9112 6.3: differing lengths are an error */
        r->content_length = cl;
    } else if (n == 17 && strncasecmp(line, "Transfer-Encoding", 17) == 0) {
        r->chunked = true;
    } else if (n == 10 && strncasecmp(line, "Connection", 10) == 0) {
        r->conn_close |= has_token(line + vb, ve - vb, "close");
        r->conn_keep_alive |= has_token(line + vb, ve - vb, "keep-alive");
    }
    for (int h = 0; h < H_COUNT; h++)
        if (r->v[h] == NULL && strlen(app_hdr_names[h]) == n &&
            strncasecmp(line, app_hdr_names[h], n) == 0) {
            r->v[h] = line + vb;
            r->vlen[h] = ve - vb;
        }
    return 0;
}

/* The head head[0..len) (request line, headers, without the empty line); -1 when malformed. */
static int
parse_head(struct app_req *r, const char *head, size_t len)
{
    const char *eol = memmem(head, len, "\r\n", 2);
    const char *sp1, *sp2, *p, *end = head + len;
    size_t line_len = eol != NULL ? (size_t)(eol - head) : len;

    memset(r, 0, sizeof(*r));
    r->content_length = -1;
    sp1 = memchr(head, ' ', line_len);
    if (sp1 == NULL || sp1 == head)
        return -1;
    sp2 = memchr(sp1 + 1, ' ', line_len - (size_t)(sp1 + 1 - head));
    if (sp2 == NULL || sp2 == sp1 + 1)
        return -1;
    for (p = head; p < sp1; p++)
        if (!is_tchar((unsigned char)*p))
            return -1;
    for (p = sp1 + 1; p < sp2; p++)
        if ((unsigned char)*p <= 0x20 || *p == 0x7f)
            return -1;
    if ((size_t)(head + line_len - (sp2 + 1)) != 8)
        return -1;
    if (memcmp(sp2 + 1, "HTTP/1.1", 8) == 0)
        r->http10 = false;
    else if (memcmp(sp2 + 1, "HTTP/1.0", 8) == 0)
        r->http10 = true;
    else
        return -1;
    r->method = head;
    r->method_len = (size_t)(sp1 - head);
    r->target = sp1 + 1;
    r->target_len = (size_t)(sp2 - sp1 - 1);

    p = eol != NULL ? eol + 2 : end;
    while (p < end) {
        const char *e = memmem(p, (size_t)(end - p), "\r\n", 2);
        size_t l = e != NULL ? (size_t)(e - p) : (size_t)(end - p);
        if (memchr(p, '\n', l) != NULL || memchr(p, '\r', l) != NULL)
            return -1; /* bare CR or LF */
        if (parse_header(r, p, l) != 0)
            return -1;
        p += l + (e != NULL ? 2 : 0);
    }
    return 0;
}

/* Appends to out[], growing it.  -1 on allocation failure. */
static int
out_put(struct app_conn *c, const char *s, size_t len)
{
    if (c->out_len + len > c->out_cap) {
        size_t cap = c->out_cap != 0 ? c->out_cap : 4096;
        char *n;
        while (cap < c->out_len + len)
            cap *= 2;
        n = realloc(c->out, cap);
        if (n == NULL)
            return -1;
        c->out = n;
        c->out_cap = cap;
    }
    memcpy(c->out + c->out_len, s, len);
    c->out_len += len;
    return 0;
}

/* A page being written: never past its buffer, truncated (with a mark) when it would be. */
struct page {
    char *buf;
    size_t len, cap;
};

static void page_printf(struct page *pg, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
page_printf(struct page *pg, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (pg->len >= pg->cap)
        return;
    va_start(ap, fmt);
    n = vsnprintf(pg->buf + pg->len, pg->cap - pg->len, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    pg->len = (size_t)n < pg->cap - pg->len ? pg->len + (size_t)n : pg->cap - 1;
}

/* A header value as shown: at most APP_VALUE_SHOWN bytes, "(none)" when absent. */
static void
page_value(struct page *pg, const char *label, const char *v, size_t len)
{
    if (v == NULL) {
        page_printf(pg, "%s: (none)\n", label);
        return;
    }
    page_printf(pg, "%s: %.*s%s\n", label, (int)(len < APP_VALUE_SHOWN ? len : APP_VALUE_SHOWN), v,
                len > APP_VALUE_SHOWN ? "..." : "");
}

static int
hexval(int ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/*
 * The certificate in an X-ARR-ClientCert value: base64 DER (ARR, certmapd,
 * HAProxy's ssl_c_der,base64) or URL-encoded PEM (nginx's
 * $ssl_client_escaped_cert).  NULL when it is neither.
 */
static X509 *
decode_cert(const char *v, size_t len)
{
    unsigned char buf[APP_HEAD_MAX];
    const unsigned char *p = buf;
    X509 *x = NULL;
    size_t n = 0;

    if (len >= 3 && (v[0] == '-' || v[0] == '%')) {
        BIO *bio;
        for (size_t i = 0; i < len && n < sizeof(buf); i++) {
            int hi, lo;
            if (v[i] == '%' && i + 2 < len && (hi = hexval(v[i + 1])) >= 0 &&
                (lo = hexval(v[i + 2])) >= 0) {
                buf[n++] = (unsigned char)(hi << 4 | lo);
                i += 2;
            } else {
                buf[n++] = (unsigned char)v[i];
            }
        }
        bio = BIO_new_mem_buf(buf, (int)n);
        if (bio != NULL)
            x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
        BIO_free(bio);
        return x;
    }
    if (len == 0 || len % 4 != 0 || len / 4 * 3 > sizeof(buf))
        return NULL;
    {
        int d = EVP_DecodeBlock(buf, (const unsigned char *)v, (int)len);
        if (d <= 0)
            return NULL;
        /* EVP_DecodeBlock counts the '=' padding as zero bytes; DER knows its own length */
        x = d2i_X509(NULL, &p, d);
    }
    return x;
}

/* A name as IIS's CERT_SUBJECT shows it: "C=US, O=Contoso, CN=alice". */
static void
page_name(struct page *pg, const char *label, const X509_NAME *name)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *s = NULL;
    long n;

    if (bio == NULL ||
        X509_NAME_print_ex(bio, name, 0,
                           XN_FLAG_SEP_CPLUS_SPC | XN_FLAG_FN_SN | ASN1_STRFLGS_RFC2253) < 0) {
        page_printf(pg, "%s: (unprintable)\n", label);
        BIO_free(bio);
        return;
    }
    n = BIO_get_mem_data(bio, &s);
    page_printf(pg, "%s: %.*s\n", label, (int)(n < APP_VALUE_SHOWN ? n : APP_VALUE_SHOWN), s);
    BIO_free(bio);
}

/* The serial number as IIS's CERT_SERIALNUMBER: hyphen-separated hex bytes. */
static void
page_serial(struct page *pg, const X509 *x)
{
    const ASN1_INTEGER *sn = X509_get0_serialNumber(x);
    const unsigned char *d = ASN1_STRING_get0_data(sn);
    int len = ASN1_STRING_length(sn);

    page_printf(pg, "  serial: ");
    for (int i = 0; i < len && i < 64; i++)
        page_printf(pg, i == 0 ? "%02x" : "-%02x", d[i]);
    page_printf(pg, "\n");
}

/* The page for request r. */
static void
identity_page(struct page *pg, const struct app_req *r)
{
    X509 *x;

    page_printf(pg, "identity app: what the proxy sent\n");
    page_printf(pg, "request: %.*s %.*s\n", (int)r->method_len, r->method,
                (int)(r->target_len < APP_VALUE_SHOWN ? r->target_len : APP_VALUE_SHOWN),
                r->target);
    for (int h = 0; h < H_CLIENT_CERT; h++)
        page_value(pg, app_hdr_names[h], r->v[h], r->vlen[h]);
    if (r->v[H_CLIENT_CERT] == NULL) {
        page_printf(pg, "X-ARR-ClientCert: (none)\n");
        return;
    }
    x = decode_cert(r->v[H_CLIENT_CERT], r->vlen[H_CLIENT_CERT]);
    if (x == NULL) {
        page_printf(pg, "X-ARR-ClientCert: (not a certificate: neither base64 DER nor PEM)\n");
        return;
    }
    page_printf(pg, "X-ARR-ClientCert:\n");
    page_name(pg, "  subject", X509_get_subject_name(x));
    page_name(pg, "  issuer", X509_get_issuer_name(x));
    page_serial(pg, x);
    X509_free(x);
}

/* Queues the answer status/body; close_after ends the connection after it. */
static int
respond(struct app_conn *c, int status, const char *reason, const char *body, size_t body_len,
        bool head_only, bool close_after)
{
    char h[256];
    int n = snprintf(h, sizeof(h),
                     "HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\n"
                     "Content-Length: %zu\r\n%s\r\n",
                     status, reason, body_len, close_after ? "Connection: close\r\n" : "");

    if (close_after)
        c->close_after = true;
    if (out_put(c, h, (size_t)n) != 0)
        return -1;
    if (!head_only && out_put(c, body, body_len) != 0)
        return -1;
    return 0;
}

/* Answers the complete head in[0..len) (without its empty line).  -1: close now. */
static int
handle_request(struct app_conn *c, size_t len)
{
    char body[APP_BODY_MAX];
    struct page pg = {body, 0, sizeof(body)};
    struct app_req r;
    bool head_only;

    if (parse_head(&r, c->in, len) != 0)
        return respond(c, 400, "Bad Request", "bad request\n", 12, false, true);
    if (r.chunked)
        return respond(c, 501, "Not Implemented", "chunked request bodies are not taken\n", 37,
                       false, true);
    if (r.content_length > 0)
        c->discard = r.content_length;
    head_only = r.method_len == 4 && memcmp(r.method, "HEAD", 4) == 0;
    identity_page(&pg, &r);
    return respond(c, 200, "OK", body, pg.len, head_only,
                   r.conn_close || (r.http10 && !r.conn_keep_alive));
}

static void
consume(struct app_conn *c, size_t n)
{
    memmove(c->in, c->in + n, c->in_len - n);
    c->in_len -= n;
}

/* Answers every complete request in in[].  -1: close the connection now. */
static int
process(struct app_conn *c)
{
    while (!c->close_after && c->out_len - c->out_off < APP_OUT_HIGH) {
        char *end;
        if (c->discard > 0) {
            size_t k = (long long)c->in_len < c->discard ? c->in_len : (size_t)c->discard;
            consume(c, k);
            c->discard -= (long long)k;
            if (c->discard > 0)
                return 0;
        }
        end = memmem(c->in, c->in_len, "\r\n\r\n", 4);
        if (end == NULL) {
            if (c->in_len == sizeof(c->in))
                return respond(c, 431, "Request Header Fields Too Large", "head too large\n", 15,
                               false, true);
            return 0;
        }
        if (handle_request(c, (size_t)(end - c->in)) != 0)
            return -1;
        consume(c, (size_t)(end - c->in) + 4);
    }
    return 0;
}

/* Writes what it can of out[].  -1: the connection failed. */
static int
flush_out(struct app_conn *c)
{
    while (c->out_off < c->out_len) {
        ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        if (n <= 0)
            return -1;
        c->out_off += (size_t)n;
    }
    c->out_off = c->out_len = 0;
    return 0;
}

static void
conn_close(int ep, struct app_conn *c)
{
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    free(c->out);
    free(c);
    app_nconns--;
}

/* Reads, answers, writes; then waits for input when all is written, for output otherwise. */
static void
on_conn_event(int ep, struct app_conn *c, uint32_t events)
{
    struct epoll_event ev = {0};

    if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
        if (c->in_len < sizeof(c->in) && !c->close_after) {
            ssize_t n = recv(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len, 0);
            if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
                conn_close(ep, c);
                return;
            }
            if (n > 0)
                c->in_len += (size_t)n;
        }
    }
    if (process(c) != 0 || flush_out(c) != 0) {
        conn_close(ep, c);
        return;
    }
    if (c->out_len == 0 && c->close_after) {
        conn_close(ep, c);
        return;
    }
    /* pipelined requests left behind by the output bound are taken once it drains */
    if (c->out_len == 0 && c->in_len > 0 && process(c) == 0 && c->out_len > 0 &&
        flush_out(c) != 0) {
        conn_close(ep, c);
        return;
    }
    ev.events = c->out_len > 0 ? EPOLLOUT : EPOLLIN;
    ev.data.ptr = c;
    if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) != 0)
        conn_close(ep, c);
}

static void
on_accept(int ep, int lfd)
{
    for (;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        struct epoll_event ev = {0};
        struct app_conn *c;
        int one = 1;

        if (fd < 0)
            return; /* EAGAIN, or out of descriptors: the backlog waits */
        if (app_nconns >= APP_MAX_CONNS) {
            close(fd);
            continue;
        }
        c = calloc(1, sizeof(*c));
        if (c == NULL) {
            close(fd);
            continue;
        }
        c->fd = fd;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        ev.events = EPOLLIN;
        ev.data.ptr = c;
        if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
            close(fd);
            free(c);
            continue;
        }
        app_nconns++;
    }
}

/* The listening socket on addr:port; -1 with a message on stderr. */
static int
listen_on(const char *addr, unsigned port, unsigned *bound)
{
    struct sockaddr_in sa = {0};
    socklen_t sl = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;

    if (fd < 0) {
        perror("identity_app: socket");
        return -1;
    }
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
        fprintf(stderr, "identity_app: --listen %s: not an IPv4 address\n", addr);
        close(fd);
        return -1;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 511) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &sl) != 0) {
        fprintf(stderr, "identity_app: %s:%u: %s\n", addr, port, strerror(errno));
        close(fd);
        return -1;
    }
    *bound = ntohs(sa.sin_port);
    return fd;
}

static int
usage(void)
{
    fprintf(stderr, "usage: example_identity_app [--listen ADDR] [--port N] [--port-file FILE]\n");
    return 2;
}

int
main(int argc, char **argv)
{
    const char *addr = "127.0.0.1", *port_file = NULL;
    unsigned port = 0, bound = 0;
    struct sigaction sa = {0};
    struct epoll_event ev = {0}, evs[64];
    int lfd = -1, ep = -1, ret = 1;

    for (int i = 1; i < argc; i++) {
        char *end;
        if (strcmp(argv[i], "--listen") == 0 && i + 1 < argc) {
            addr = argv[++i];
        } else if (strcmp(argv[i], "--port") == 0 && i + 1 < argc) {
            unsigned long p = strtoul(argv[++i], &end, 10);
            if (*end != '\0' || p > 65535)
                return usage();
            port = (unsigned)p;
        } else if (strcmp(argv[i], "--port-file") == 0 && i + 1 < argc) {
            port_file = argv[++i];
        } else {
            return usage();
        }
    }
    sa.sa_handler = on_signal; /* no SA_RESTART: epoll_wait returns EINTR */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    lfd = listen_on(addr, port, &bound);
    if (lfd < 0)
        goto out;
    ep = epoll_create1(EPOLL_CLOEXEC);
    ev.events = EPOLLIN;
    ev.data.ptr = NULL; /* NULL marks the listener */
    if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) != 0) {
        perror("identity_app: epoll");
        goto out;
    }
    if (port_file != NULL) {
        FILE *f = fopen(port_file, "w");
        if (f == NULL || fprintf(f, "%u\n", bound) < 0 || fclose(f) != 0) {
            fprintf(stderr, "identity_app: %s: %s\n", port_file, strerror(errno));
            goto out;
        }
    }
    printf("identity_app listening on http://%s:%u/\n", addr, bound);
    fflush(stdout);

    while (!app_stop) {
        int n = epoll_wait(ep, evs, (int)(sizeof(evs) / sizeof(evs[0])), -1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            perror("identity_app: epoll_wait");
            goto out;
        }
        for (int i = 0; i < n; i++) {
            if (evs[i].data.ptr == NULL)
                on_accept(ep, lfd);
            else
                on_conn_event(ep, evs[i].data.ptr, evs[i].events);
        }
    }
    ret = 0;
out:
    if (ep >= 0)
        close(ep);
    if (lfd >= 0)
        close(lfd);
    return ret;
}
