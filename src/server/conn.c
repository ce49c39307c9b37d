/*
 * conn.c - the connection state machine: TLS handshake, reading and parsing
 * request heads in order, discarding bodies, writing queued responses and
 * streaming files, keep-alive, timeouts, closing.
 *
 * The socket is registered edge-triggered, for input, and for output too
 * from its first write that would block (wait_out()).  conn_run()
 * therefore goes on until every step it can take would block: each step
 * either makes progress (and the loop continues) or reports that it waits
 * for the socket, and the next edge brings us back.  Reads and writes are
 * attempted whenever the state needs them, so an edge consumed while the
 * connection was busy elsewhere is never lost; a read of a socket known
 * drained since the last input edge is answered without a system call
 * (conn_bio.h), and an edge without input wakes only a blocked write.
 *
 * This file alone assigns c->state: request.c says what comes next with an
 * enum request_verdict (apply()), and the worker loop reaches a connection
 * only through the handlers registered here (conn_ops, on_event).
 *
 * Why this file stays whole (a little over STYLE's ~800 lines): that rule,
 * one owner of the state, is the point of the file.  The steps
 * (step_handshake ... step_shutdown), the I/O helpers they call and the
 * handlers the loop calls all read or change c->state, the buffers and
 * the timer together; moving the I/O or the sending to a file of its own
 * would give the state machine two owners again, or a second file calling
 * back into this one (conn_close(), apply()).
 */
#include "conn.h"

#include <errno.h>
#include <strings.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/sendfile.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>

#include "conn_bio.h"
#include "directory.h"
#include "errlog.h"
#include "gateway.h"
#include "proxy.h"
#include "request.h"
#include "respond.h"
#include "tls.h"
#include "tls_chain.h"

/* Results of I/O helpers. */
#define IO_AGAIN (-1) /* would block */
#define IO_EOF (-2)   /* the peer closed */
#define IO_ERR (-3)   /* connection failed */

/* Results of the state steps. */
enum step {
    STEP_CONTINUE, /* progress: run the state machine again */
    STEP_WAIT,     /* blocked on the socket (or on a logon) */
    STEP_CLOSED,   /* c was freed */
};

/* Free room a response needs before a request is taken from the input. */
#define RESPONSE_ROOM (REQUEST_HEAD_MAX + ERRPAGE_MAX + 64)

/* Largest piece of a file sent with one sendfile() call. */
#define SENDFILE_CHUNK (1 << 20)

static void conn_close(struct conn *c);

static bool
out_pending(const struct conn *c)
{
    return c->wbuf != NULL && c->wpos < c->wlen;
}

static void
release_buffers(struct conn *c)
{
    if (c->rbuf != NULL && c->rlen == 0) {
        worker_buf_put(c->w, c->rbuf, c->rcap);
        c->rbuf = NULL;
        c->rcap = 0;
    }
    if (c->wbuf != NULL && c->wpos >= c->wlen) {
        worker_buf_put(c->w, c->wbuf, c->wcap);
        c->wbuf = NULL;
        c->wcap = 0;
        c->wlen = c->wpos = 0;
    }
    /* Idle: let OpenSSL drop record buffers it still holds (it refuses when data is pending). */
    if (c->ssl != NULL && c->rbuf == NULL && c->wbuf == NULL && c->state == CS_HEAD)
        SSL_free_buffers(c->ssl);
}

/*
 * Forgets what c cached about its client certificate (mapping lookups,
 * logon result, directory answer, proxy certificate headers): the
 * configuration changed, or a certificate arrived after the handshake (the
 * lines of X-ARR-SSL name the cipher, which a renegotiation may change).
 */
static void
forget_cert(struct conn *c)
{
    c->mc_valid = false;
    c->m2o_valid = false;
    c->mc_logon = DECIDE_LOGON_UNKNOWN;
    c->dc_cert = NULL;
    c->dc_svc = NULL;
    dir_answer_clear(c->dc_ans);
    free(c->dc_ans);
    c->dc_ans = NULL;
    c->arr_cert = NULL;
    c->dates_cert = NULL;
    free(c->arr_lines);
    c->arr_lines = NULL;
    c->arr_len = 0;
}

/* Forgets the credentials a lookup of the current request handed over (request.c). */
static void
drop_cred(struct conn *c)
{
    free(c->cred_user);
    c->cred_user = NULL;
    free(c->cred);
    c->cred = NULL;
    c->cred_state = LOGON_CRED_MISS;
}

static int
ensure_rbuf(struct conn *c)
{
    if (c->rbuf == NULL) {
        c->rbuf = worker_buf_get(c->w, &c->rcap);
        if (c->rbuf == NULL)
            return -1;
    }
    return 0;
}

static int
ensure_wbuf(struct conn *c)
{
    if (c->wbuf == NULL) {
        c->wbuf = worker_buf_get(c->w, &c->wcap);
        if (c->wbuf == NULL)
            return -1;
        c->wlen = c->wpos = 0;
    }
    return 0;
}

/*
 * A write would block: the next EPOLLOUT edge is for c.  The socket is
 * watched for output from its first blocked write on, so that the peer's
 * acknowledgements of everything sent before do not wake the worker.
 */
static void
wait_out(struct conn *c)
{
    c->out_blocked = true;
    if (c->out_watched)
        return;
    if (worker_client_watch_out(c->w, &c->wc, c->fd) != 0) {
        /* No edge will come: the send (or header) timeout ends the connection. */
        errlog_printf(ERRLOG_ERROR, "epoll: cannot watch a connection for output: %s",
                      strerror(errno));
        return;
    }
    c->out_watched = true;
}

/* Maps an SSL_* I/O failure; clears OpenSSL's error queue. */
static int
tls_failure(struct conn *c, int ret)
{
    int e = SSL_get_error(c->ssl, ret);

    switch (e) {
    case SSL_ERROR_WANT_READ:
        return IO_AGAIN;
    case SSL_ERROR_WANT_WRITE:
        wait_out(c);
        return IO_AGAIN;
    case SSL_ERROR_ZERO_RETURN:
        c->eof = true;
        return IO_EOF;
    default:
        /* A broken or abrupt connection: no close_notify back. */
        c->tls_failed = true;
        ERR_clear_error();
        return IO_ERR;
    }
}

/*
 * Nothing to read in the socket (conn_bio.h) nor in OpenSSL (whole records
 * or part of one): SSL_read() could only say "want read".  Not while a
 * handshake runs, which may have to write before it reads.
 */
static bool
tls_read_idle(const struct conn *c)
{
    return c->rd_drained && !c->rd_hup && !SSL_has_pending(c->ssl) && !SSL_in_init(c->ssl);
}

static ssize_t
conn_read(struct conn *c, char *buf, size_t len)
{
    ssize_t n;
    size_t got;
    int r;

    if (c->ssl != NULL) {
        if (tls_read_idle(c))
            return IO_AGAIN;
        r = SSL_read_ex(c->ssl, buf, len, &got);
        if (r == 1)
            return (ssize_t)got;
        /*
         * An SSL_read() that finds nothing keeps OpenSSL's 16 KiB record
         * buffer, defeating SSL_MODE_RELEASE_BUFFERS: free it here (it
         * refuses while a partial record is buffered), rather than peeking
         * at the socket with a system call before every read.
         */
        n = tls_failure(c, r);
        if (n == IO_AGAIN && SSL_want_read(c->ssl))
            SSL_free_buffers(c->ssl);
        return n;
    }
    /* As conn_bio.c does for TLS: a drained socket has nothing until the next input edge. */
    if (c->rd_drained && !c->rd_hup)
        return IO_AGAIN;
    for (;;) {
        n = recv(c->fd, buf, len, 0);
        if (n > 0) {
            c->rd_drained = (size_t)n < len;
            return n;
        }
        if (n == 0) {
            c->eof = true;
            return IO_EOF;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            c->rd_drained = true;
            return IO_AGAIN;
        }
        return IO_ERR;
    }
}

static ssize_t
conn_write(struct conn *c, const char *buf, size_t len)
{
    ssize_t n;
    size_t put;
    int r;

    if (c->ssl != NULL) {
        r = SSL_write_ex(c->ssl, buf, len, &put);
        if (r == 1)
            return (ssize_t)put;
        return tls_failure(c, r);
    }
    for (;;) {
        n = send(c->fd, buf, len, MSG_NOSIGNAL);
        if (n >= 0)
            return n;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            wait_out(c);
            return IO_AGAIN;
        }
        return IO_ERR;
    }
}

/* Sends the queued bytes.  0 when all are out, IO_AGAIN or IO_ERR. */
static int
flush(struct conn *c)
{
    bool progress = false;
    ssize_t n;

    while (c->wbuf != NULL && c->wpos < c->wlen) {
        n = conn_write(c, c->wbuf + c->wpos, c->wlen - c->wpos);
        if (n > 0) {
            c->wpos += (uint32_t)n;
            progress = true;
            continue;
        }
        if (n == IO_AGAIN || n == 0) {
            /* A client that reads nothing is dropped after the idle timeout. */
            if (progress || c->wc.tkind != TL_SEND)
                worker_timer_set(c->w, &c->wc, TL_SEND);
            return IO_AGAIN;
        }
        return IO_ERR;
    }
    if (c->wbuf != NULL)
        c->wlen = c->wpos = 0;
    return 0;
}

/* Turns the verdict of a request_* call into the connection's state and timer. */
static void
apply(struct conn *c, enum request_verdict v)
{
    switch (v) {
    case REQUEST_READ_BODY:
        c->state = CS_PREBODY;
        worker_timer_set(c->w, &c->wc, TL_BODY);
        break;
    case REQUEST_LOGON:
        c->state = CS_LOGON;
        worker_timer_set(c->w, &c->wc, TL_BODY);
        break;
    case REQUEST_SEND:
        c->state = CS_SEND;
        break;
    case REQUEST_NEED_CERT:
        c->state = CS_CERT;
        c->cert_asked = false;
        worker_timer_set(c->w, &c->wc, TL_BODY);
        break;
    case REQUEST_GATEWAY:
        c->state = CS_GATEWAY;
        worker_timer_set(c->w, &c->wc, c->gw->timer);
        break;
    case REQUEST_DISCARD:
        /* The next wait starts its own timer (idle, header or body). */
        worker_timer_clear(c->w, &c->wc);
        c->state = CS_BODY;
        break;
    case REQUEST_NEXT:
    default:
        worker_timer_clear(c->w, &c->wc);
        c->state = CS_HEAD;
        break;
    }
}

/* Answers status and closes after it (request_fail()); the queued answer goes out from CS_HEAD. */
static void
fail(struct conn *c, int status)
{
    request_fail(c, status);
    c->state = CS_HEAD;
}

static void
start_shutdown(struct conn *c)
{
    c->state = CS_SHUTDOWN;
    worker_timer_set(c->w, &c->wc, TL_CLOSE);
}

/*
 * The client's Certificate message was over maxClientCertChainBytes: OpenSSL
 * ends the handshake with an alert, and the error log says why, since
 * nothing reaches the W3C log of a connection without a request.
 */
static void
log_chain_refused(const struct conn *c)
{
    unsigned long e = ERR_peek_last_error();
    char ip[INET6_ADDRSTRLEN];
    unsigned port;

    if (ERR_GET_LIB(e) != ERR_LIB_SSL || ERR_GET_REASON(e) != SSL_R_EXCESSIVE_MESSAGE_SIZE ||
        SSL_get_state(c->ssl) != TLS_ST_SR_CERT)
        return;
    respond_addr_text(&c->peer, ip, sizeof(ip), &port);
    errlog_printf(ERRLOG_WARN,
                  "TLS handshake refused: client %s port %u sent a certificate chain over "
                  "maxClientCertChainBytes (%ld bytes)",
                  ip, port, SSL_get_max_cert_list(c->ssl));
}

static enum step
step_handshake(struct conn *c)
{
    int r;

    ERR_clear_error();
    r = SSL_do_handshake(c->ssl);
    if (r == 1) {
        c->tls_binding = tls_ssl_binding(c->ssl);
        c->cert_verify = SSL_get_verify_result(c->ssl);
        c->cert_ignored = c->tls_binding == NULL || !c->tls_binding->request_cert;
        metrics_handshake(&c->w->metrics, SSL_session_reused(c->ssl) == 1,
                          SSL_get0_peer_certificate(c->ssl) != NULL, c->cert_verify);
        /* Out of memory keeps OpenSSL's parsed chain: more memory, same answers. */
        tls_chain_compact(c->ssl);
        /* The first request is due within the header timeout that started at accept. */
        c->state = CS_HEAD;
        return STEP_CONTINUE;
    }
    log_chain_refused(c);
    if (tls_failure(c, r) == IO_AGAIN)
        return STEP_WAIT;
    conn_close(c);
    return STEP_CLOSED;
}

static void
parse_limits(const struct conn *c, struct http_limits *lim)
{
    const struct certmap_server_settings *l = c->snap->sv;

    lim->max_request_line = l->max_request_line;
    lim->max_header_bytes = l->max_header_bytes;
    lim->max_headers = l->max_header_count;
    lim->max_body = l->max_body;
}

/* Reads more input into rbuf.  STEP_CONTINUE with new bytes, else WAIT or CLOSED. */
static enum step
read_more(struct conn *c, enum timer_kind waiting)
{
    ssize_t n;

    if (ensure_rbuf(c) != 0) {
        conn_close(c);
        return STEP_CLOSED;
    }
    if (c->rlen >= c->rcap) {
        /* Cannot happen while the buffer holds the largest head the limits allow. */
        fail(c, 431);
        return STEP_CONTINUE;
    }
    n = conn_read(c, c->rbuf + c->rlen, c->rcap - c->rlen);
    if (n > 0) {
        c->rlen += (uint32_t)n;
        return STEP_CONTINUE;
    }
    if (n == IO_AGAIN) {
        if (c->wc.tkind != waiting)
            worker_timer_set(c->w, &c->wc, waiting);
        release_buffers(c);
        return STEP_WAIT;
    }
    conn_close(c);
    return STEP_CLOSED;
}

/*
 * The configuration changed since this connection's last request: serve the
 * next one with the new snapshot (as IIS applies a change to the next
 * request), finding the same binding there and checking the client
 * certificate against its trust store.  -1 when the binding is gone.
 */
static int
adopt_snapshot(struct conn *c)
{
    struct snapshot *snap = c->w->snap;
    const struct snap_binding *old = c->tls_binding, *nb = NULL;
    const struct snap_endpoint *ep;
    size_t i;

    ep = snapshot_find_endpoint(snap, c->ep->key);
    if (ep == NULL)
        return -1;
    if (c->ssl != NULL) {
        if (old == NULL)
            return -1;
        for (i = 0; i < ep->nbindings && nb == NULL; i++) {
            const struct snap_binding *b = ep->bindings[i];
            if (b->site->id == old->site->id && strcmp(b->site->name, old->site->name) == 0 &&
                strcasecmp(b->host, old->host) == 0)
                nb = b;
        }
        if (nb == NULL || nb->ssl_ctx == NULL)
            return -1;
        c->cert_ignored = !nb->request_cert;
        if (!c->cert_ignored)
            c->cert_verify = tls_reverify(c->ssl, nb->ssl_ctx);
        c->tls_binding = nb;
    }
    snapshot_unref(c->snap);
    c->snap = snapshot_ref(snap);
    c->ep = ep;
    forget_cert(c);
    return 0;
}

/*
 * The certificate's validity dates, checked for every request: a
 * keep-alive connection or a resumed session must not outlive them.
 */
static void
recheck_cert(struct conn *c)
{
    X509 *cert;

    if (c->ssl == NULL || c->cert_verify != X509_V_OK ||
        (cert = SSL_get0_peer_certificate(c->ssl)) == NULL)
        return;
    /* the dates are parsed once per certificate, not for every request */
    if (cert != c->dates_cert) {
        long v = tls_cert_window(cert, &c->dates_from, &c->dates_until);
        if (v != X509_V_OK) {
            c->cert_verify = v;
            return;
        }
        c->dates_cert = cert;
    }
    if (c->w->now_s < c->dates_from)
        c->cert_verify = X509_V_ERR_CERT_NOT_YET_VALID;
    else if (c->w->now_s > c->dates_until)
        c->cert_verify = X509_V_ERR_CERT_HAS_EXPIRED;
}

static enum step
step_head(struct conn *c)
{
    struct http_limits lim;
    int r, status = 0;

    if (out_pending(c) && c->wcap - c->wlen < RESPONSE_ROOM) {
        r = flush(c);
        if (r == IO_AGAIN)
            return STEP_WAIT;
        if (r != 0) {
            conn_close(c);
            return STEP_CLOSED;
        }
    }
    if (c->close_after) {
        r = flush(c);
        if (r == IO_AGAIN)
            return STEP_WAIT;
        if (r != 0) {
            conn_close(c);
            return STEP_CLOSED;
        }
        start_shutdown(c);
        return STEP_CONTINUE;
    }
    if (c->rlen > 0) {
        if (ensure_wbuf(c) != 0) {
            conn_close(c);
            return STEP_CLOSED;
        }
        parse_limits(c, &lim);
        r = http_parse_head(c->rbuf, c->rlen, &lim, &c->w->req, &status);
        if (r == HTTP_PARSE_DONE) {
            if (c->snap != c->w->snap && !c->retired && adopt_snapshot(c) != 0) {
                conn_close(c);
                return STEP_CLOSED;
            }
            recheck_cert(c);
            drop_cred(c); /* a new request: re-runs of it come through on_logon() */
            apply(c, request_begin(c));
            return STEP_CONTINUE;
        }
        if (r == HTTP_PARSE_ERROR) {
            fail(c, status);
            return STEP_CONTINUE;
        }
    }
    if (c->retired && c->rlen == 0) {
        c->close_after = true;
        return STEP_CONTINUE;
    }
    /* Nothing complete to answer: send what earlier requests produced, then read. */
    if (out_pending(c)) {
        r = flush(c);
        if (r == IO_AGAIN)
            return STEP_WAIT;
        if (r != 0) {
            conn_close(c);
            return STEP_CLOSED;
        }
    }
    /* Keep-alive waits get the idle timeout; a first request or a partial head, the header one. */
    return read_more(c, c->rlen == 0 && c->served ? TL_IDLE : TL_HEADER);
}

/* The head is still at the front of rbuf and the parser keeps no state: parse it again. */
static int
reparse_head(struct conn *c)
{
    struct http_limits lim;
    int status;

    parse_limits(c, &lim);
    if (ensure_wbuf(c) != 0 ||
        http_parse_head(c->rbuf, c->rlen, &lim, &c->w->req, &status) != HTTP_PARSE_DONE)
        return -1;
    return 0;
}

static enum step
step_prebody(struct conn *c)
{
    int r;

    /* A 100 Continue queued before the body is read (a late certificate needs the body first). */
    if (out_pending(c)) {
        r = flush(c);
        if (r == IO_AGAIN)
            return STEP_WAIT;
        if (r != 0) {
            conn_close(c);
            return STEP_CLOSED;
        }
    }
    r = request_body_more(c);

    if (r == 0) {
        worker_timer_clear(c->w, &c->wc);
        if (reparse_head(c) != 0) {
            conn_close(c);
            return STEP_CLOSED;
        }
        apply(c, request_begin(c));
        return STEP_CONTINUE;
    }
    if (r > 1) {
        /* Broken framing: the request is answered with the error, and the connection ends. */
        worker_timer_clear(c->w, &c->wc);
        if (reparse_head(c) != 0) {
            conn_close(c);
            return STEP_CLOSED;
        }
        fail(c, r);
        return STEP_CONTINUE;
    }
    return read_more(c, TL_BODY);
}

/* The late certificate exchange is over: verify result as a handshake's, then the request again. */
static enum step
cert_answered(struct conn *c)
{
    X509 *cert = SSL_get0_peer_certificate(c->ssl);

    worker_timer_clear(c->w, &c->wc);
    c->cert_verify = cert != NULL ? SSL_get_verify_result(c->ssl) : X509_V_OK;
    tls_chain_compact(c->ssl);
    /* After a reload the handshake's context is the old one: verify with the current store. */
    if (cert != NULL && c->tls_binding != NULL && c->tls_binding->ssl_ctx != NULL &&
        c->tls_binding->ssl_ctx != SSL_get_SSL_CTX(c->ssl))
        c->cert_verify = tls_reverify(c->ssl, c->tls_binding->ssl_ctx);
    forget_cert(c);
    recheck_cert(c);
    if (reparse_head(c) != 0) {
        conn_close(c);
        return STEP_CLOSED;
    }
    apply(c, request_begin(c));
    return STEP_CONTINUE;
}

/*
 * CS_CERT: earlier responses go out, then the certificate is asked for
 * (TLS 1.3 CertificateRequest or TLS 1.2 HelloRequest) and the answer read.
 * Application data the client sends meanwhile (pipelined requests) is kept
 * in rbuf behind the current head.
 */
static enum step
step_cert(struct conn *c)
{
    enum step st;
    int r;

    if (out_pending(c)) {
        r = flush(c);
        if (r == IO_AGAIN)
            return STEP_WAIT;
        if (r != 0) {
            conn_close(c);
            return STEP_CLOSED;
        }
    }
    if (!c->cert_asked) {
        c->cert_asked = true;
        /* This client cannot be asked after the handshake: the request goes on without one. */
        if (tls_late_start(c->ssl) != 0)
            return cert_answered(c);
    }
    ERR_clear_error();
    r = SSL_do_handshake(c->ssl);
    if (r != 1) {
        log_chain_refused(c);
        if (tls_failure(c, r) == IO_AGAIN)
            return STEP_WAIT;
        conn_close(c);
        return STEP_CLOSED;
    }
    if (tls_late_done(c->ssl))
        return cert_answered(c);
    /* A full buffer of pipelined requests: nothing more is read; the request timeout ends it. */
    if (c->rlen >= c->rcap)
        return STEP_WAIT;
    st = read_more(c, TL_BODY);
    /* The read that found no application data may have taken the client's answer. */
    if (st == STEP_WAIT && tls_late_done(c->ssl))
        return cert_answered(c);
    return st;
}

static enum step
step_logon(struct conn *c)
{
    int r = flush(c);

    if (r == IO_ERR) {
        conn_close(c);
        return STEP_CLOSED;
    }
    return STEP_WAIT;
}

/* Drops body bytes at the front of rbuf. */
static void
consume(struct conn *c, size_t n)
{
    memmove(c->rbuf, c->rbuf + n, c->rlen - n);
    c->rlen -= (uint32_t)n;
}

static enum step
step_body(struct conn *c)
{
    size_t len, used;
    int r;

    /* The client may wait for our 100 Continue before it sends the body. */
    if (out_pending(c)) {
        r = flush(c);
        if (r == IO_AGAIN)
            return STEP_WAIT;
        if (r != 0) {
            conn_close(c);
            return STEP_CLOSED;
        }
    }
    if (c->rlen > 0) {
        if (!c->body_chunked) {
            used = c->rlen < c->body_left ? c->rlen : (size_t)c->body_left;
            consume(c, used);
            c->body_left -= used;
            if (c->body_left == 0) {
                c->state = CS_HEAD;
                worker_timer_clear(c->w, &c->wc);
            }
            return STEP_CONTINUE;
        }
        len = c->rlen;
        r = http_chunked_decode(&c->chunk, c->rbuf, &len, &used);
        consume(c, used);
        if (r == HTTP_CHUNK_DONE) {
            c->body_chunked = false;
            c->state = CS_HEAD;
            worker_timer_clear(c->w, &c->wc);
            return STEP_CONTINUE;
        }
        if (r == HTTP_CHUNK_ERROR) {
            /* The answer is already out; the framing is lost, so is the connection. */
            c->body_chunked = false;
            c->close_after = true;
            c->state = CS_HEAD;
            return STEP_CONTINUE;
        }
    }
    return read_more(c, TL_BODY);
}

static enum step
step_send(struct conn *c)
{
    ssize_t n;
    size_t want;
    int r;

    r = flush(c);
    if (r == IO_AGAIN)
        return STEP_WAIT;
    if (r != 0) {
        conn_close(c);
        return STEP_CLOSED;
    }
    if (c->mbody != NULL) {
        if (c->mbody_off < c->mbody_len) {
            if (ensure_wbuf(c) != 0) {
                conn_close(c);
                return STEP_CLOSED;
            }
            want = c->mbody_len - c->mbody_off;
            if (want > c->wcap)
                want = c->wcap;
            memcpy(c->wbuf, c->mbody + c->mbody_off, want);
            c->wlen = (uint32_t)want;
            c->wpos = 0;
            c->mbody_off += want;
            return STEP_CONTINUE;
        }
        free(c->mbody);
        c->mbody = NULL;
        worker_timer_clear(c->w, &c->wc);
        apply(c, request_finish(c));
        return STEP_CONTINUE;
    }
    if (c->file_left == 0) {
        close(c->file_fd);
        c->file_fd = -1;
        worker_timer_clear(c->w, &c->wc);
        apply(c, request_finish(c));
        return STEP_CONTINUE;
    }
    if (c->ssl != NULL) {
        if (ensure_wbuf(c) != 0) {
            conn_close(c);
            return STEP_CLOSED;
        }
        want = c->wcap;
        if ((off_t)want > c->file_left)
            want = (size_t)c->file_left;
        n = pread(c->file_fd, c->wbuf, want, c->file_off);
        if (n <= 0) {
            errlog_printf(ERRLOG_WARN, "file read failed while sending: %s",
                          n < 0 ? strerror(errno) : "file shrank");
            conn_close(c);
            return STEP_CLOSED;
        }
        c->wlen = (uint32_t)n;
        c->wpos = 0;
        c->file_off += n;
        c->file_left -= n;
        return STEP_CONTINUE;
    }
    want = c->file_left > SENDFILE_CHUNK ? SENDFILE_CHUNK : (size_t)c->file_left;
    n = sendfile(c->fd, c->file_fd, &c->file_off, want);
    if (n > 0) {
        c->file_left -= n;
        if (c->wc.tkind == TL_SEND)
            worker_timer_set(c->w, &c->wc, TL_SEND);
        return STEP_CONTINUE;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        wait_out(c);
        worker_timer_set(c->w, &c->wc, TL_SEND);
        return STEP_WAIT;
    }
    conn_close(c);
    return STEP_CLOSED;
}

/* The proxied request is over (response complete, or failed and answered 502.3): log it. */
static void
gateway_done(struct conn *c)
{
    /* the exchange took the body (or the connection closes with what is left) */
    c->body_left = 0;
    c->body_chunked = false;
    c->gw = NULL;
    worker_timer_clear(c->w, &c->wc);
    apply(c, request_finish(c));
}

/*
 * CS_GATEWAY: the exchange (proxy.c) moves bytes between rbuf, its upstream
 * and wbuf; this step does the client's side: it sends wbuf and reads into
 * rbuf when the exchange has room for more of the request (backpressure:
 * nothing is read while the upstream has not taken what came before, and
 * the upstream is not read while wbuf is full).  The proxy timeout restarts
 * on every progress.
 */
static enum step
step_gateway(struct conn *c)
{
    const struct gateway_ops *gw = c->gw;
    enum proxy_pump pr;
    bool progress;
    uint32_t pending;
    ssize_t n;
    int r;

    for (;;) {
        progress = false;
        if (out_pending(c)) {
            pending = c->wlen - c->wpos;
            r = flush(c);
            if (r == IO_ERR) {
                conn_close(c);
                return STEP_CLOSED;
            }
            progress = !out_pending(c) || c->wlen - c->wpos != pending;
        }
        pr = gw->pump(c);
        if (pr == PROXY_FINISHED) {
            gateway_done(c);
            return STEP_CONTINUE;
        }
        if (pr == PROXY_FAILED) {
            if (gw->fail(c, NULL) != 0) {
                conn_close(c);
                return STEP_CLOSED;
            }
            gateway_done(c);
            return STEP_CONTINUE;
        }
        progress = progress || pr == PROXY_PROGRESS;
        if (gw->wants_client(c) && c->rlen < c->rcap) {
            n = conn_read(c, c->rbuf + c->rlen, c->rcap - c->rlen);
            if (n > 0) {
                c->rlen += (uint32_t)n;
                progress = true;
            } else if (n == IO_EOF) {
                progress = true; /* c->eof: the exchange decides what it means */
            } else if (n == IO_ERR) {
                conn_close(c);
                return STEP_CLOSED;
            }
        }
        if (!progress)
            return STEP_WAIT;
        worker_timer_set(c->w, &c->wc, gw->timer);
    }
}

/*
 * Closing: TLS close_notify, then half-close and read until the peer closes
 * (bounded by TL_CLOSE), so that unread request bytes do not turn into a RST
 * that would destroy the response still in flight.
 */
static enum step
step_shutdown(struct conn *c)
{
    char sink[4096];
    ssize_t n;
    int r;

    if (c->ssl != NULL && !c->tls_failed && !c->shut_sent) {
        ERR_clear_error();
        r = SSL_shutdown(c->ssl);
        if (r < 0 && tls_failure(c, r) == IO_AGAIN)
            return STEP_WAIT;
        c->shut_sent = true;
    }
    if (!c->half_closed) {
        shutdown(c->fd, SHUT_WR);
        c->half_closed = true;
    }
    if (c->eof) {
        conn_close(c);
        return STEP_CLOSED;
    }
    for (;;) {
        n = recv(c->fd, sink, sizeof(sink), 0);
        if (n > 0)
            continue;
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return STEP_WAIT;
        conn_close(c);
        return STEP_CLOSED;
    }
}

static void
conn_run(struct conn *c)
{
    enum step s;

    for (;;) {
        switch (c->state) {
        case CS_HANDSHAKE:
            s = step_handshake(c);
            break;
        case CS_HEAD:
            s = step_head(c);
            break;
        case CS_PREBODY:
            s = step_prebody(c);
            break;
        case CS_LOGON:
            s = step_logon(c);
            break;
        case CS_CERT:
            s = step_cert(c);
            break;
        case CS_BODY:
            s = step_body(c);
            break;
        case CS_SEND:
            s = step_send(c);
            break;
        case CS_GATEWAY:
            s = step_gateway(c);
            break;
        case CS_SHUTDOWN:
        default:
            s = step_shutdown(c);
            break;
        }
        if (s != STEP_CONTINUE)
            return;
    }
}

static void on_event(struct worker_ev *ev, uint32_t events);
static void on_timeout(struct worker_client *cl, enum timer_kind kind);
static void on_logon(struct worker_client *cl, struct logon_job *job);
static void on_retire(struct worker_client *cl);
static void on_close(struct worker_client *cl);

static const struct worker_client_ops conn_ops = {
    .on_timeout = on_timeout,
    .on_logon = on_logon,
    .on_retire = on_retire,
    .on_close = on_close,
};

/*
 * A listener bound to one address accepts only connections to that address
 * and port, so the connection's local address is the listener's: one
 * getsockname() less per connection (nginx asks the kernel only for wildcard
 * listeners too).  False for a wildcard listener (0.0.0.0, [::], which may
 * also carry IPv4-mapped addresses): the caller asks the kernel.
 */
static bool
local_from_listener(const struct snap_endpoint *ep, union conn_addr *out)
{
    const struct sockaddr_in *in4 = (const struct sockaddr_in *)&ep->addr;
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&ep->addr;

    if (ep->addr.ss_family == AF_INET && ep->addrlen >= sizeof(*in4) &&
        in4->sin_addr.s_addr != htonl(INADDR_ANY)) {
        memcpy(&out->in4, in4, sizeof(*in4));
        return true;
    }
    if (ep->addr.ss_family == AF_INET6 && ep->addrlen >= sizeof(*in6) &&
        !IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr)) {
        memcpy(&out->in6, in6, sizeof(*in6));
        return true;
    }
    return false;
}

void
conn_accept(struct worker *w, const struct snap_endpoint *ep, int fd, const struct sockaddr *peer,
            socklen_t peer_len)
{
    struct conn *c;
    socklen_t len;

    c = calloc(1, sizeof(*c));
    if (c == NULL) {
        close(fd);
        atomic_fetch_sub(&w->srv->nconns, 1);
        return;
    }
    c->wc.ev.on_event = on_event;
    c->wc.ops = &conn_ops;
    c->w = w;
    c->snap = snapshot_ref(w->snap);
    c->tls_snap = snapshot_ref(w->snap);
    c->ep = ep;
    c->fd = fd;
    c->file_fd = -1;
    c->mc_logon = DECIDE_LOGON_UNKNOWN;
    c->pending_result = DECIDE_LOGON_UNKNOWN;
    memcpy(&c->peer, peer, peer_len < sizeof(c->peer) ? peer_len : sizeof(c->peer));
    if (!local_from_listener(ep, &c->local)) {
        len = sizeof(c->local);
        if (getsockname(fd, &c->local.sa, &len) != 0)
            memset(&c->local, 0, sizeof(c->local));
    }
    /* TCP_NODELAY comes from the listener (worker_listen()). */
    if (worker_client_add(w, &c->wc, fd) != 0) {
        conn_close(c);
        return;
    }
    if (c->ep->proto == SNAP_HTTPS) {
        c->ssl = tls_ssl_new(c->ep, fd, c);
        if (c->ssl == NULL) {
            conn_close(c);
            return;
        }
        if (conn_bio_attach(c) != 0) {
            conn_close(c);
            return;
        }
        c->state = CS_HANDSHAKE;
    } else {
        c->state = CS_HEAD;
    }
    worker_timer_set(w, &c->wc, TL_HEADER);
    conn_run(c);
}

/*
 * The socket is ready (edge-triggered): run until every step would block.
 * An edge without input (the peer acknowledged what we sent, once the
 * socket is watched for output) matters only to a write that would block:
 * otherwise the run would end in reads that find nothing.
 */
static void
on_event(struct worker_ev *ev, uint32_t events)
{
    struct conn *c = (struct conn *)ev;

    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
        c->rd_drained = false;
        if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
            c->rd_hup = true;
    } else if (!c->out_blocked) {
        return;
    }
    if (events & EPOLLOUT)
        c->out_blocked = false;
    conn_run(c);
}

/* c's timer of list kind expired (c is already out of the list). */
static void
on_timeout(struct worker_client *cl, enum timer_kind kind)
{
    struct conn *c = (struct conn *)cl;

    switch (kind) {
    case TL_HEADER:
        if (c->state == CS_HEAD && c->rlen > 0 && ensure_wbuf(c) == 0) {
            /* A request head that never completed: 408, then close. */
            fail(c, 408);
            conn_run(c);
            return;
        }
        break;
    case TL_BODY:
        if (c->state == CS_PREBODY && ensure_wbuf(c) == 0) {
            /* The body did not arrive in time: 408, then close. */
            fail(c, 408);
            conn_run(c);
            return;
        }
        if (c->state == CS_CERT && ensure_wbuf(c) == 0) {
            /* The client did not answer the certificate request in time. */
            fail(c, 408);
            conn_run(c);
            return;
        }
        if (c->state == CS_LOGON && ensure_wbuf(c) == 0) {
            if (c->job != NULL)
                c->job->cl = NULL;
            c->job = NULL;
            errlog_printf(ERRLOG_WARN, "logon did not answer within the request timeout");
            fail(c, 503);
            conn_run(c);
            return;
        }
        break;
    case TL_GATEWAY:
    case TL_TICK:
        if (c->state == CS_GATEWAY && c->gw->expired != NULL && !c->gw->expired(c)) {
            worker_timer_set(c->w, &c->wc, kind);
            return;
        }
        if (c->state == CS_GATEWAY && ensure_wbuf(c) == 0 &&
            c->gw->fail(c, c->gw->expired != NULL ? NULL : "timed out") == 0) {
            /* nothing of the response went out: the protocol's error page (ARR: 502.3) */
            gateway_done(c);
            conn_run(c);
            return;
        }
        break;
    default:
        break;
    }
    conn_close(c);
}

/* A logon job finished (on the worker thread); c is still open. */
static void
on_logon(struct worker_client *cl, struct logon_job *job)
{
    struct conn *c = (struct conn *)cl;

    c->job = NULL;
    if (c->state != CS_LOGON)
        return;
    worker_timer_clear(c->w, &c->wc);
    if (job->cred_state >= 0) {
        /* a credential lookup (start_cred_lookup()): its answer, for the run below */
        c->cred_state = job->cred_state;
        c->cred = job->cred;
        job->cred = NULL;
    }
    c->pending_kind = job->kind;
    c->pending_result = job->result;
    if (reparse_head(c) != 0) {
        conn_close(c);
        return;
    }
    apply(c, request_begin(c));
    conn_run(c);
}

/* The snapshot changed or the server stops: close c if idle, else after its response. */
static void
on_retire(struct worker_client *cl)
{
    struct conn *c = (struct conn *)cl;

    c->retired = true;
    if (c->state == CS_HEAD && c->rlen == 0 && !out_pending(c) && c->job == NULL) {
        c->close_after = true;
        conn_run(c);
    } else if (c->state != CS_HANDSHAKE) {
        c->close_after = true;
    }
}

static void
on_close(struct worker_client *cl)
{
    conn_close((struct conn *)cl);
}

void
conn_on_upstream(void *arg)
{
    conn_run((struct conn *)arg);
}

/* Closes c now; its memory goes at the end of the worker's batch of events (worker_free_later). */
static void
conn_close(struct conn *c)
{
    struct worker *w = c->w;

    worker_client_remove(w, &c->wc);
    if (c->gw != NULL)
        c->gw->free(c);
    c->gw = NULL;
    if (c->job != NULL)
        c->job->cl = NULL;
    if (c->ssl != NULL)
        SSL_free(c->ssl);
    ERR_clear_error();
    close(c->fd);
    if (c->file_fd >= 0)
        close(c->file_fd);
    free(c->mbody);
    if (c->rbuf != NULL)
        worker_buf_put(w, c->rbuf, c->rcap);
    if (c->wbuf != NULL)
        worker_buf_put(w, c->wbuf, c->wcap);
    free(c->log.user_owned);
    free(c->log.stem_owned);
    drop_cred(c);
    forget_cert(c);
    snapshot_unref(c->snap);
    snapshot_unref(c->tls_snap);
    worker_free_later(w, &c->wc.ev, c);
}
