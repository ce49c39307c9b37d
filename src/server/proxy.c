/*
 * proxy.c - one request forwarded to an upstream and its response streamed
 * back (proxy.h).  conn.c owns the connection's state and its socket; this
 * file owns the exchange: the upstream connection, the two buffers toward
 * and from it, the framing of both bodies.
 *
 * Buffers:  client --rbuf[head_len..]--> ubuf --> upstream
 *           upstream --> dbuf --> wbuf --> client
 * The request head stays at the front of rbuf until request_finish() (the
 * W3C fields point into it); body bytes after it are moved to ubuf, framed
 * for the upstream, and dropped from rbuf.
 */
#include "proxy.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/ssl.h>

#include "cert/iisvars.h"
#include "errlog.h"
#include "gateway.h"
#include "proxy_hdr.h"
#include "request.h"
#include "respond.h"
#include "upstream.h"

/* Room kept for a chunk's size line and CRLF when re-framing. */
#define CHUNK_OVERHEAD 16

enum body_mode {
    BODY_NONE,    /* no body */
    BODY_LENGTH,  /* Content-Length bytes */
    BODY_CHUNKED, /* chunked */
    BODY_CLOSE,   /* until the upstream closes (responses only) */
};

enum px_phase { PX_EXCHANGE, PX_TUNNEL };

struct proxy_xchg {
    struct gateway_xchg gx; /* first: the upstream connection, the buffers (gateway.h) */
    struct upstream_target t;
    enum px_phase phase;

    /* request body, client -> upstream */
    enum body_mode req_mode;
    uint64_t req_left;
    struct http_chunked req_chunk;

    /* response, upstream -> client */
    bool head_request;      /* HEAD: no body whatever the framing says */
    bool upgrade;           /* the client asked for an Upgrade */
    bool client_10;         /* the client speaks HTTP/1.0 */
    bool client_keep_alive; /* the client may keep the connection */
    bool head_done;         /* the final response head is queued for the client */
    bool started;           /* bytes of the response went to wbuf */
    enum body_mode resp_mode;
    uint64_t resp_left;
    struct http_chunked resp_chunk;
    bool chunk_to_client; /* re-frame the body as chunked toward the client */
    bool up_close;        /* the upstream closes after this response */
    bool up_shut;         /* tunnel: our write side toward the upstream is shut */
    int status;           /* the upstream's final status */
    unsigned max_head;
    bool reverse_host; /* reverseRewriteHostInResponseHeaders */
    /* one retry on a new connection when a pooled one turns out dead (see can_retry) */
    bool idempotent;                 /* the method is idempotent (RFC 9110 §9.2.2) */
    bool ubuf_moved;                 /* ubuf no longer holds the request from its first byte */
    bool retried;                    /* the retry was made */
    char client_origin[8 + 300 + 1]; /* "https://host[:port]" the client used */
};

static const struct certmap_server_settings *
settings(const struct conn *c)
{
    return certmap_view_server(c->snap->view);
}

/* ---- building the request head ---- */

struct head {
    char *p;
    size_t len, cap;
    bool overflow;
};

static void
put(struct head *h, const char *s, size_t n)
{
    if (h->overflow || h->cap - h->len < n) {
        h->overflow = true;
        return;
    }
    memcpy(h->p + h->len, s, n);
    h->len += n;
}

static void
puts_(struct head *h, const char *s)
{
    put(h, s, strlen(s));
}

/* v in decimal, at least min_digits (zero-padded): snprintf() was a tenth of a request's cost. */
static void
put_dec(struct head *h, unsigned long long v, int min_digits)
{
    char d[24], *p = d + sizeof(d);

    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
        min_digits--;
    } while (v > 0 || min_digits > 0);
    put(h, p, (size_t)(d + sizeof(d) - p));
}

/*
 * One header line.  A value with a control character (CR, LF, NUL...: a
 * certificate name may hold them, and a rewrite rule may copy one into a
 * value) would split the head toward the upstream: the head is refused
 * instead (h->overflow), never sent cut or as written.
 */
static void
put_header(struct head *h, const char *name, size_t nlen, const char *value, size_t vlen)
{
    for (size_t i = 0; i < vlen; i++)
        if (((unsigned char)value[i] < 0x20 && value[i] != '\t') || value[i] == 0x7f) {
            h->overflow = true;
            return;
        }
    put(h, name, nlen);
    put(h, ": ", 2);
    put(h, value, vlen);
    put(h, "\r\n", 2);
}

/*
 * X-ARR-SSL as ARR (and Azure App Service, which runs ARR in front of every
 * site) sends it: "<server key bits>|<cipher secret bits>|<server
 * certificate issuer>|<server certificate subject>", for example
 * "2048|256|C=US, O=Contoso, CN=Contoso CA|CN=www.contoso.com".  Microsoft
 * documents the header only by example (Azure App Service's "X-ARR-SSL"
 * request header), so the names follow IIS's HTTPS_KEYSIZE,
 * HTTPS_SECRETKEYSIZE, HTTPS_SERVER_ISSUER and HTTPS_SERVER_SUBJECT.
 */
static void
arr_ssl(SSL *ssl, char *out, size_t size)
{
    X509 *srv = SSL_get_certificate(ssl);
    EVP_PKEY *k = srv != NULL ? X509_get0_pubkey(srv) : NULL;
    char issuer[512], subject[512];

    issuer[0] = subject[0] = '\0';
    if (srv != NULL) {
        /* as HTTPS_SERVER_ISSUER / _SUBJECT; a name too long for the buffer is left out */
        if (cert_iis_name(X509_get_issuer_name(srv), issuer, sizeof(issuer)) < 0)
            issuer[0] = '\0';
        if (cert_iis_name(X509_get_subject_name(srv), subject, sizeof(subject)) < 0)
            subject[0] = '\0';
    }
    snprintf(out, size, "%d|%d|%s|%s", k != NULL ? EVP_PKEY_get_bits(k) : 0,
             SSL_get_cipher_bits(ssl, NULL), issuer, subject);
}

/*
 * X-ARR-ClientCert (base64 of the leaf's DER, one line: what ASP.NET Core's
 * forwarder reads) and X-ARR-SSL for cert, made once per certificate of the
 * connection into c->arr_lines: neither the client's certificate nor the
 * server's certificate and cipher change between requests of a connection
 * (a certificate asked for later, perhaps by a renegotiation, drops them:
 * conn.c).  0 with c->arr_lines set; -1 when the lines cannot be sent (a
 * certificate name with a control character, remembered; out of memory).
 */
static int
arr_lines(struct conn *c, X509 *cert)
{
    unsigned char *der = NULL;
    char ssl_text[1200];
    struct head h = {NULL, 0, 0, false};
    int len, ret = -1;

    if (c->arr_cert == cert)
        return c->arr_lines != NULL ? 0 : -1;
    free(c->arr_lines);
    c->arr_lines = NULL;
    c->arr_len = 0;
    c->arr_cert = NULL;
    len = i2d_X509(cert, &der);
    if (len <= 0)
        goto out;
    arr_ssl(c->ssl, ssl_text, sizeof(ssl_text));
    /* both lines, sized exactly: put_header() overflows only on a control character */
    h.cap = 16 + 2 + (size_t)(len + 2) / 3 * 4 + 2 + 9 + 2 + strlen(ssl_text) + 2;
    h.p = malloc(h.cap + 1); /* EVP_EncodeBlock() writes a NUL after the base64 */
    if (h.p == NULL)
        goto out;
    memcpy(h.p, "X-ARR-ClientCert: ", 18);
    h.len = 18 + (size_t)EVP_EncodeBlock((unsigned char *)h.p + 18, der, len);
    put(&h, "\r\n", 2);
    put_header(&h, "X-ARR-SSL", 9, ssl_text, strlen(ssl_text));
    c->arr_cert = cert;
    if (h.overflow)
        goto out;
    c->arr_lines = h.p;
    c->arr_len = h.len;
    h.p = NULL;
    ret = 0;
out:
    free(h.p);
    OPENSSL_free(der);
    return ret;
}

/* The client address as X-Forwarded-For carries it (ARR: IPv6 in brackets, ":port" optional). */
static void
put_xff_entry(struct head *h, const struct conn *c, bool with_port)
{
    char addr[INET6_ADDRSTRLEN];
    unsigned port;
    bool v6;

    respond_addr_text(&c->peer, addr, sizeof(addr), &port);
    v6 = strchr(addr, ':') != NULL;
    if (v6)
        put(h, "[", 1);
    puts_(h, addr);
    if (v6)
        put(h, "]", 1);
    if (with_port) {
        put(h, ":", 1);
        put_dec(h, port, 1);
    }
}

/* The names of every header certmapd sets for this request (client copies are spoofs). */
static size_t
owned_names(const struct certmap_server_settings *sv, const struct proxy_request_in *in,
            const char **names, size_t max)
{
    static const char *const fixed[] = {"X-Forwarded-Proto", "X-Forwarded-Host", "X-Original-URL",
                                        "X-ARR-ClientCert", "X-ARR-SSL"};
    size_t n = 0;

    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        names[n++] = fixed[i];
    (void)max;
    (void)sv;
    (void)in;
    return n;
}

/* true when name[0..len) is one of the rules' headers (compared as the filter does). */
static bool
set_by_rule(const struct proxy_request_in *in, const char *name, size_t len)
{
    for (size_t i = 0; i < in->nset; i++)
        if (proxy_hdr_same(name, len, in->set[i].name, in->set[i].name_len))
            return true;
    return false;
}

/*
 * The request head toward the upstream, into px->gx.ubuf.  0, or -1 when it
 * does not fit (px->gx.why says so).
 */
static int
build_head(struct conn *c, struct proxy_xchg *px, const struct proxy_request_in *in,
           const char *path, size_t path_len)
{
    const struct certmap_server_settings *sv = settings(c);
    const struct http_request *req = &c->w->req;
    const struct http_header *conn_h = http_find_header(req, "Connection");
    const char *owned[8];
    struct proxy_hdr_policy pol;
    struct head h = {px->gx.ubuf, 0, px->gx.ucap, false};
    bool xff_named = sv->proxy_xff_name[0] != '\0', xff_seen = false;
    size_t xff_len = strlen(sv->proxy_xff_name);

    memset(&pol, 0, sizeof(pol));
    pol.nowned = owned_names(sv, in, owned, sizeof(owned) / sizeof(owned[0]));
    pol.owned = owned;
    pol.connection = conn_h != NULL ? conn_h->value : NULL;
    pol.connection_len = conn_h != NULL ? conn_h->value_len : 0;
    pol.keep_underscore = sv->proxy_keep_underscore;
    pol.upgrade = px->upgrade;

    put(&h, req->method_str, req->method_len);
    put(&h, " ", 1);
    put(&h, path, path_len);
    puts_(&h, " HTTP/1.1\r\n");
    if (sv->proxy_preserve_host && req->host != NULL)
        put_header(&h, "Host", 4, req->host, req->host_len);
    else
        put_header(&h, "Host", 4, px->t.authority, strlen(px->t.authority));

    /* X-Forwarded-For: the client's own values first (in order), then the client address */
    if (xff_named) {
        put(&h, sv->proxy_xff_name, xff_len);
        put(&h, ": ", 2);
        for (unsigned i = 0; i < req->header_count; i++) {
            const struct http_header *x = &req->headers[i];
            if (x->name_len != xff_len || strncasecmp(x->name, sv->proxy_xff_name, xff_len) != 0)
                continue;
            if (x->value_len == 0)
                continue;
            if (xff_seen)
                put(&h, ", ", 2);
            put(&h, x->value, x->value_len);
            xff_seen = true;
        }
        if (xff_seen)
            put(&h, ", ", 2);
        put_xff_entry(&h, c, sv->proxy_xff_port);
        put(&h, "\r\n", 2);
    }
    for (unsigned i = 0; i < req->header_count; i++) {
        const struct http_header *x = &req->headers[i];
        enum proxy_hdr_verdict v;
        if (xff_named && proxy_hdr_same(x->name, x->name_len, sv->proxy_xff_name, xff_len))
            continue; /* merged above (exact spelling) or a '_' spelling of it: dropped */
        if (set_by_rule(in, x->name, x->name_len))
            continue; /* a spoofed copy of a rule's header */
        v = proxy_hdr_request(&pol, x->name, x->name_len);
        if (v == PROXY_HDR_FORWARD)
            put_header(&h, x->name, x->name_len, x->value, x->value_len);
    }
    puts_(&h, c->ssl != NULL ? "X-Forwarded-Proto: https\r\n" : "X-Forwarded-Proto: http\r\n");
    if (req->host != NULL)
        put_header(&h, "X-Forwarded-Host", 16, req->host, req->host_len);
    /* X-Original-URL: the path and query the client asked for, as URL Rewrite sets it */
    if (req->form == HTTP_T_ORIGIN) {
        put_header(&h, "X-Original-URL", 14, req->target, req->target_len);
    } else {
        put(&h, "X-Original-URL: ", 16);
        put(&h, req->path, req->path_len);
        if (req->query != NULL) {
            put(&h, "?", 1);
            put(&h, req->query, req->query_len);
        }
        put(&h, "\r\n", 2);
    }
    if (in->cert != NULL && c->ssl != NULL) {
        if (arr_lines(c, in->cert) == 0)
            put(&h, c->arr_lines, c->arr_len);
        else
            h.overflow = true;
    }
    for (size_t i = 0; i < in->nset; i++)
        if (in->set[i].value_len > 0)
            put_header(&h, in->set[i].name, in->set[i].name_len, in->set[i].value,
                       in->set[i].value_len);
    if (px->upgrade) {
        const struct http_header *u = http_find_header(req, "Upgrade");
        put_header(&h, "Upgrade", 7, u->value, u->value_len);
        puts_(&h, "Connection: Upgrade\r\n");
    } else if (!sv->proxy_keep_alive) {
        puts_(&h, "Connection: close\r\n");
    }
    if (px->req_mode == BODY_CHUNKED) {
        puts_(&h, "Transfer-Encoding: chunked\r\n");
    } else if (req->content_length >= 0) {
        put(&h, "Content-Length: ", 16);
        put_dec(&h, (unsigned long long)req->content_length, 1);
        put(&h, "\r\n", 2);
    }
    put(&h, "\r\n", 2);
    if (h.overflow) {
        snprintf(px->gx.why, sizeof(px->gx.why),
                 "the request head toward the upstream exceeds %u bytes or a header value "
                 "holds a control character",
                 px->gx.ucap);
        return -1;
    }
    px->gx.ulen = (uint32_t)h.len;
    return 0;
}

/* ---- the exchange ---- */

static void
xchg_free(struct conn *c, bool reusable)
{
    struct proxy_xchg *px = c->px;

    if (px == NULL)
        return;
    if (px->gx.up != NULL)
        upstream_release(c->w, px->gx.up, reusable, settings(c)->proxy_max_idle);
    worker_buf_put(c->w, px->gx.ubuf, px->gx.ucap);
    worker_buf_put(c->w, px->gx.dbuf, px->gx.dcap);
    free(px);
    c->px = NULL;
}

void
proxy_free(struct conn *c)
{
    xchg_free(c, false);
}

static void
log_failure(struct conn *c, const char *why)
{
    struct proxy_xchg *px = c->px;

    errlog_printf(ERRLOG_ERROR, "proxy to %s: %s", px->t.unix_path[0] ? px->t.key : px->t.key, why);
}

int
proxy_start(struct conn *c, const struct proxy_request_in *in)
{
    const struct http_request *req = &c->w->req;
    const struct certmap_server_settings *sv = settings(c);
    const struct http_header *hu = http_find_header(req, "Upgrade");
    struct proxy_xchg *px;
    const char *path;
    size_t path_len;
    char why[160];

    px = calloc(1, sizeof(*px));
    if (px == NULL) {
        respond_error(c, 500, 0, NULL);
        return -1;
    }
    c->px = px;
    if (upstream_parse_url(in->url, in->url_len, &px->t, &path, &path_len) != 0) {
        snprintf(px->t.key, sizeof(px->t.key), "%.*s", (int)(in->url_len > 200 ? 200 : in->url_len),
                 in->url);
        log_failure(c, "not an upstream URL (http://host[:port]/path, https://..., "
                       "http://unix:/socket:/path)");
        goto fail;
    }
    px->gx.ubuf = worker_buf_get(c->w, &px->gx.ucap);
    px->gx.dbuf = worker_buf_get(c->w, &px->gx.dcap);
    if (px->gx.ubuf == NULL || px->gx.dbuf == NULL) {
        log_failure(c, "out of memory");
        goto fail;
    }
    px->head_request = req->method == HTTP_M_HEAD;
    px->idempotent = req->method == HTTP_M_GET || req->method == HTTP_M_HEAD ||
                     req->method == HTTP_M_OPTIONS || req->method == HTTP_M_TRACE ||
                     req->method == HTTP_M_PUT || req->method == HTTP_M_DELETE;
    px->client_10 = req->minor_version == 0;
    px->client_keep_alive = req->keep_alive;
    px->upgrade = hu != NULL && req->method == HTTP_M_GET &&
                  http_find_header(req, "Connection") != NULL &&
                  http_token_list_has(http_find_header(req, "Connection")->value,
                                      http_find_header(req, "Connection")->value_len, "upgrade");
    px->max_head =
        sv->proxy_max_response_header < px->gx.dcap ? sv->proxy_max_response_header : px->gx.dcap;
    px->reverse_host = sv->proxy_reverse_rewrite_host && req->host != NULL;
    if (px->reverse_host) {
        /* "scheme://host", cut to the buffer as before; built by hand, once per request */
        const char *scheme = c->ssl != NULL ? "https://" : "http://";
        size_t sl = strlen(scheme), hl = req->host_len;
        if (hl > sizeof(px->client_origin) - sl - 1)
            hl = sizeof(px->client_origin) - sl - 1;
        memcpy(px->client_origin, scheme, sl);
        memcpy(px->client_origin + sl, req->host, hl);
        px->client_origin[sl + hl] = '\0';
    }
    if (c->body_chunked) {
        px->req_mode = BODY_CHUNKED;
        px->req_chunk = c->chunk;
    } else if (c->body_left > 0) {
        px->req_mode = BODY_LENGTH;
        px->req_left = c->body_left;
    } else {
        px->gx.req_done = true;
    }
    if (build_head(c, px, in, path, path_len) != 0) {
        log_failure(c, px->gx.why);
        goto fail;
    }
    /*
     * Unprobed when can_retry() would send it again (idempotent, no body to
     * outgrow ubuf): the pool's watch and the retry suffice.
     */
    px->gx.up = upstream_open(c->w, &px->t, sv->proxy_ca_file, !px->idempotent || !px->gx.req_done,
                              conn_on_upstream, c, why, sizeof(why));
    if (px->gx.up == NULL) {
        log_failure(c, why);
        goto fail;
    }
    px->gx.connecting = !px->gx.up->reused;
    px->phase = PX_EXCHANGE;
    c->log.status = 0;
    c->gw = &proxy_gateway;
    return 0;
fail:
    xchg_free(c, false);
    respond_error(c, 502, 3, NULL);
    return -1;
}

/* Appends n data bytes to buf at *len, as one chunk when chunked. */
static void
frame(char *buf, uint32_t *len, const char *data, size_t n, bool chunked)
{
    if (chunked) {
        if (n == 0)
            return;
        *len += (uint32_t)sprintf(buf + *len, "%zx\r\n", n);
    }
    memcpy(buf + *len, data, n);
    *len += (uint32_t)n;
    if (chunked) {
        memcpy(buf + *len, "\r\n", 2);
        *len += 2;
    }
}

/* Client body bytes after the head -> ubuf.  -1 on broken framing (px->gx.why). */
static int
fill_request(struct conn *c, struct proxy_xchg *px, bool *progress)
{
    size_t avail = c->rlen - c->head_len, room, n, used;
    int r;

    if (px->phase == PX_TUNNEL) {
        room = gateway_room(px->gx.ubuf, px->gx.ucap, &px->gx.ulen, &px->gx.upos, &px->ubuf_moved);
        n = avail < room ? avail : room;
        if (n > 0) {
            memcpy(px->gx.ubuf + px->gx.ulen, c->rbuf + c->head_len, n);
            px->gx.ulen += (uint32_t)n;
            gateway_take_client(c, n);
            *progress = true;
        }
        return 0;
    }
    if (px->gx.req_done || avail == 0)
        return 0;
    room = gateway_room(px->gx.ubuf, px->gx.ucap, &px->gx.ulen, &px->gx.upos, &px->ubuf_moved);
    if (room <= CHUNK_OVERHEAD + 5)
        return 0;
    if (px->req_mode == BODY_LENGTH) {
        n = avail < px->req_left ? avail : (size_t)px->req_left;
        if (n > room)
            n = room;
        memcpy(px->gx.ubuf + px->gx.ulen, c->rbuf + c->head_len, n);
        px->gx.ulen += (uint32_t)n;
        gateway_take_client(c, n);
        px->req_left -= n;
        px->gx.req_done = px->req_left == 0;
        *progress = n > 0;
        return 0;
    }
    /* chunked: decode in place (as much input as the decoded data can take), re-frame */
    n = avail < room - CHUNK_OVERHEAD - 5 ? avail : room - CHUNK_OVERHEAD - 5;
    r = http_chunked_decode(&px->req_chunk, c->rbuf + c->head_len, &n, &used);
    frame(px->gx.ubuf, &px->gx.ulen, c->rbuf + c->head_len, n, true);
    gateway_take_client(c, used);
    *progress = used > 0;
    if (r == HTTP_CHUNK_ERROR) {
        snprintf(px->gx.why, sizeof(px->gx.why), "the client's chunked body is malformed (%d)",
                 px->req_chunk.status);
        return -1;
    }
    if (r == HTTP_CHUNK_DONE) {
        memcpy(px->gx.ubuf + px->gx.ulen, "0\r\n\r\n", 5);
        px->gx.ulen += 5;
        px->gx.req_done = true;
    }
    return 0;
}

/* A Location-like value naming the upstream: the part to replace, else 0. */
static size_t
upstream_prefix(const struct proxy_xchg *px, const char *v, size_t len)
{
    const char *scheme = px->t.tls ? "https://" : "http://";
    size_t sl = strlen(scheme), al = strlen(px->t.authority);

    if (len < sl + al || strncasecmp(v, scheme, sl) != 0 ||
        strncasecmp(v + sl, px->t.authority, al) != 0)
        return 0;
    if (len > sl + al && v[sl + al] != '/' && v[sl + al] != '?')
        return 0;
    return sl + al;
}

/* The response head toward the client, into wbuf.  -1 when it does not fit. */
static int
queue_head(struct conn *c, struct proxy_xchg *px, const struct proxy_response *r)
{
    bool switching = r->status == 101;
    struct head h;

    gateway_client_room(c);
    h.p = c->wbuf + c->wlen;
    h.len = 0;
    h.cap = c->wcap - c->wlen;
    h.overflow = false;
    put(&h, "HTTP/1.1 ", 9);
    put_dec(&h, (unsigned long long)r->status, 3); /* 100..999: the parser's range */
    put(&h, " ", 1);
    put(&h, r->reason, r->reason_len);
    put(&h, "\r\n", 2);
    for (unsigned i = 0; i < r->header_count; i++) {
        const struct http_header *x = &r->headers[i];
        size_t pre;
        if (proxy_hdr_response_hop(x->name, x->name_len, r->connection, r->connection_len,
                                   switching))
            continue;
        if (px->reverse_host &&
            (http_header_eq(x, "location") || http_header_eq(x, "content-location")) &&
            (pre = upstream_prefix(px, x->value, x->value_len)) > 0) {
            put(&h, x->name, x->name_len);
            put(&h, ": ", 2);
            puts_(&h, px->client_origin);
            put(&h, x->value + pre, x->value_len - pre);
            put(&h, "\r\n", 2);
            continue;
        }
        put_header(&h, x->name, x->name_len, x->value, x->value_len);
    }
    if (switching) {
        const struct http_header *u = NULL;
        for (unsigned i = 0; i < r->header_count && u == NULL; i++)
            if (http_header_eq(&r->headers[i], "upgrade"))
                u = &r->headers[i];
        if (u != NULL)
            put_header(&h, "Upgrade", 7, u->value, u->value_len);
        puts_(&h, "Connection: Upgrade\r\n");
    } else {
        if (px->resp_mode == BODY_LENGTH || (px->head_request && r->content_length >= 0)) {
            put(&h, "Content-Length: ", 16);
            put_dec(&h, (unsigned long long)r->content_length, 1);
            put(&h, "\r\n", 2);
        } else if (px->chunk_to_client) {
            puts_(&h, "Transfer-Encoding: chunked\r\n");
        }
        if (c->close_after)
            puts_(&h, "Connection: close\r\n");
        else if (px->client_10)
            puts_(&h, "Connection: keep-alive\r\n");
    }
    put(&h, "\r\n", 2);
    if (h.overflow)
        return -1;
    c->wlen += (uint32_t)h.len;
    return 0;
}

/* Decides the framing of the response just parsed; queues its head. -1 on failure (why). */
static int
start_response(struct conn *c, struct proxy_xchg *px, const struct proxy_response *r)
{
    px->status = r->status;
    px->up_close = r->close;
    if (r->status == 101) {
        if (!px->upgrade) {
            snprintf(px->gx.why, sizeof(px->gx.why), "101 answer to a request without Upgrade");
            return -1;
        }
        px->resp_mode = BODY_NONE;
        c->close_after = true; /* the connection is the tunnel's until it ends */
    } else if (px->head_request || r->status == 204 || r->status == 304) {
        px->resp_mode = BODY_NONE;
    } else if (r->chunked) {
        px->resp_mode = BODY_CHUNKED;
        http_chunked_init(&px->resp_chunk, UINT64_MAX);
    } else if (r->content_length >= 0) {
        px->resp_mode = BODY_LENGTH;
        px->resp_left = (uint64_t)r->content_length;
    } else {
        px->resp_mode = BODY_CLOSE;
        px->up_close = true;
    }
    if (px->resp_mode == BODY_CHUNKED || px->resp_mode == BODY_CLOSE) {
        /* an HTTP/1.0 client cannot read chunks: the end of the body is the end of the
           connection */
        if (px->client_10)
            c->close_after = true;
        else
            px->chunk_to_client = true;
    }
    if (px->client_10 && !px->client_keep_alive)
        c->close_after = true;
    if (!px->gx.req_done)
        c->close_after = true; /* the upstream answered before the whole body: drop it */
    if (queue_head(c, px, r) != 0) {
        snprintf(px->gx.why, sizeof(px->gx.why), "response head larger than the buffer (%u bytes)",
                 c->wcap);
        return -1;
    }
    c->log.status = r->status;
    c->log.substatus = 0;
    px->started = true;
    px->head_done = true;
    px->gx.answered = true; /* the rest of the body is not wanted if it cannot be sent */
    if (r->status == 101)
        px->phase = PX_TUNNEL;
    else if (px->resp_mode == BODY_NONE)
        px->gx.resp_done = true;
    return 0;
}

/* Parses heads in dbuf until the final one is queued.  -1 on failure. */
static int
parse_heads(struct conn *c, struct proxy_xchg *px, bool *progress)
{
    struct proxy_response *r = malloc(sizeof(*r));
    const char *why = NULL;
    int rc = 0, pr;

    if (r == NULL) {
        snprintf(px->gx.why, sizeof(px->gx.why), "out of memory");
        return -1;
    }
    while (!px->head_done && px->gx.dpos < px->gx.dlen) {
        pr = proxy_parse_response(px->gx.dbuf + px->gx.dpos, px->gx.dlen - px->gx.dpos,
                                  px->max_head, r, &why);
        if (pr == PROXY_PARSE_AGAIN)
            break;
        if (pr == PROXY_PARSE_ERROR) {
            snprintf(px->gx.why, sizeof(px->gx.why), "invalid response head: %s", why);
            rc = -1;
            break;
        }
        *progress = true;
        if (r->status >= 100 && r->status < 200 && r->status != 101) {
            px->gx.dpos += (uint32_t)r->head_len; /* interim: dropped (Expect is answered here) */
            continue;
        }
        if (gateway_client_room(c) < r->head_len + 256 && c->wpos < c->wlen) {
            *progress = false;
            break; /* earlier output first (a 100 Continue) */
        }
        if (start_response(c, px, r) != 0) {
            rc = -1;
            break;
        }
        px->gx.dpos += (uint32_t)r->head_len;
    }
    free(r);
    return rc;
}

/* Response body bytes in dbuf -> wbuf.  -1 on broken framing. */
static int
drain_response(struct conn *c, struct proxy_xchg *px, bool *progress)
{
    size_t avail = px->gx.dlen - px->gx.dpos, room, n, used;
    int r;

    if (px->gx.resp_done || avail == 0)
        return 0;
    room = gateway_client_room(c);
    if (room <= CHUNK_OVERHEAD + 5)
        return 0;
    if (px->phase == PX_TUNNEL || px->resp_mode != BODY_CHUNKED) {
        n = avail < room - CHUNK_OVERHEAD ? avail : room - CHUNK_OVERHEAD;
        if (px->resp_mode == BODY_LENGTH && n > px->resp_left)
            n = (size_t)px->resp_left;
        frame(c->wbuf, &c->wlen, px->gx.dbuf + px->gx.dpos, n,
              px->phase != PX_TUNNEL && px->chunk_to_client);
        px->gx.dpos += (uint32_t)n;
        *progress = n > 0;
        if (px->phase != PX_TUNNEL && px->resp_mode == BODY_LENGTH) {
            px->resp_left -= n;
            px->gx.resp_done = px->resp_left == 0;
        }
        return 0;
    }
    n = avail < room - CHUNK_OVERHEAD - 5 ? avail : room - CHUNK_OVERHEAD - 5;
    r = http_chunked_decode(&px->resp_chunk, px->gx.dbuf + px->gx.dpos, &n, &used);
    frame(c->wbuf, &c->wlen, px->gx.dbuf + px->gx.dpos, n, px->chunk_to_client);
    px->gx.dpos += (uint32_t)used;
    *progress = used > 0;
    if (r == HTTP_CHUNK_ERROR) {
        snprintf(px->gx.why, sizeof(px->gx.why), "the upstream's chunked body is malformed");
        return -1;
    }
    if (r == HTTP_CHUNK_DONE) {
        px->gx.resp_done = true;
        if (px->chunk_to_client) {
            memcpy(c->wbuf + c->wlen, "0\r\n\r\n", 5);
            c->wlen += 5;
        }
    }
    return 0;
}

bool
proxy_wants_client(const struct conn *c)
{
    const struct proxy_xchg *px = c->px;

    if (px == NULL || c->eof)
        return false;
    if (px->phase == PX_TUNNEL)
        return true;
    return !px->gx.req_done;
}

/* The tunnel ends when one side closed and what it sent has reached the other. */
static bool
tunnel_over(const struct conn *c, const struct proxy_xchg *px)
{
    if (px->gx.up_eof && px->gx.dpos == px->gx.dlen)
        return true;
    if (c->eof && c->rlen == c->head_len && px->gx.upos == px->gx.ulen)
        return true;
    return false;
}

/* The response half of gateway_pump(): heads, body, tunnel, end (gateway_ops.answer). */
static enum proxy_pump
px_answer(struct conn *c, bool *progress)
{
    struct proxy_xchg *px = c->px;
    bool reusable;

    if (!px->head_done && parse_heads(c, px, progress) != 0)
        return PROXY_FAILED;
    if (px->head_done && drain_response(c, px, progress) != 0)
        return PROXY_FAILED;
    if (px->phase == PX_TUNNEL) {
        if (c->eof && c->rlen == c->head_len && px->gx.upos == px->gx.ulen && !px->up_shut) {
            upstream_shutdown_write(px->gx.up);
            px->up_shut = true;
        }
        if (tunnel_over(c, px)) {
            xchg_free(c, false);
            return PROXY_FINISHED;
        }
        return *progress ? PROXY_PROGRESS : PROXY_BLOCKED;
    }
    if (px->gx.up_eof && !px->gx.resp_done) {
        if (px->head_done && px->resp_mode == BODY_CLOSE && px->gx.dpos == px->gx.dlen) {
            px->gx.resp_done = true;
            if (px->chunk_to_client) {
                if (gateway_client_room(c) < 5)
                    return PROXY_BLOCKED;
                memcpy(c->wbuf + c->wlen, "0\r\n\r\n", 5);
                c->wlen += 5;
            }
        } else if (px->gx.dpos == px->gx.dlen) {
            snprintf(px->gx.why, sizeof(px->gx.why), "%s",
                     px->head_done ? "the upstream closed the connection in the body"
                                   : "the upstream closed the connection before answering");
            return PROXY_FAILED;
        }
    }
    if (px->gx.resp_done) {
        reusable = px->gx.req_done && px->gx.upos == px->gx.ulen && !px->up_close &&
                   !px->gx.up_eof && px->gx.dpos == px->gx.dlen && settings(c)->proxy_keep_alive;
        xchg_free(c, reusable);
        return PROXY_FINISHED;
    }
    return PROXY_BLOCKED; /* gateway_pump() checks the client's side */
}

/* The request half of gateway_pump() (gateway_ops.fill). */
static int
px_fill(struct conn *c, bool *progress)
{
    return fill_request(c, c->px, progress);
}

int
proxy_fail(struct conn *c, const char *why)
{
    struct proxy_xchg *px = c->px;
    bool started = px->started, body_done = px->gx.req_done && c->rlen >= c->head_len;

    log_failure(c, gateway_why(&px->gx, why));
    xchg_free(c, false);
    /* ARR: 502.3, forwarder connection error */
    return gateway_fail_answer(c, started, body_done, 502, 3);
}

/*
 * Whether a failed exchange may be sent again on a new connection: the
 * connection came from the pool (an upstream may close an idle connection
 * at the moment a request is written to it: the peek before reuse cannot
 * see a FIN still in flight), nothing of an answer came, the whole request
 * sent so far is still in ubuf (nothing of the client's body was let go),
 * the method is idempotent, and no retry was made yet.  nginx's
 * proxy_next_upstream retries the same way (error, non_idempotent off).
 */
static bool
can_retry(const struct proxy_xchg *px)
{
    return px->gx.up != NULL && px->gx.up->reused && !px->retried && !px->gx.got_reply &&
           !px->head_done && !px->ubuf_moved && px->idempotent && !px->gx.connecting &&
           px->phase == PX_EXCHANGE;
}

/* The retry: the dead connection closed, a new one under way, the request to be sent again. */
static int
retry(struct conn *c, struct proxy_xchg *px)
{
    char why[160];

    errlog_printf(ERRLOG_INFO,
                  "proxy to %s: a pooled connection failed before answering (%s); "
                  "the request is sent again on a new connection",
                  px->t.key, px->gx.why);
    upstream_release(c->w, px->gx.up, false, 0);
    px->retried = true;
    px->gx.up = upstream_connect(c->w, &px->t, settings(c)->proxy_ca_file, conn_on_upstream, c, why,
                                 sizeof(why));
    if (px->gx.up == NULL) {
        snprintf(px->gx.why, sizeof(px->gx.why), "%s", why);
        return -1;
    }
    px->gx.connecting = true;
    px->gx.upos = 0;
    px->gx.dpos = px->gx.dlen = 0;
    px->gx.up_eof = false;
    px->gx.why[0] = '\0';
    return 0;
}

enum proxy_pump
proxy_pump(struct conn *c)
{
    enum proxy_pump r = gateway_pump(c, &c->px->gx);

    if (r == PROXY_FAILED && can_retry(c->px))
        r = retry(c, c->px) == 0 ? PROXY_PROGRESS : PROXY_FAILED;
    return r;
}

const struct gateway_ops proxy_gateway = {
    "proxy",    proxy_pump, px_fill,    px_answer, proxy_wants_client,
    proxy_fail, proxy_free, TL_GATEWAY, NULL,
};
