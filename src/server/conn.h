/*
 * conn.h - one client connection: TLS handshake, request heads read and
 * parsed in order (pipelining), request bodies discarded, responses queued
 * and written with one write (TLS: one SSL_write) where they fit, files
 * streamed, keep-alive, timeouts.
 *
 * An idle connection holds only this struct, its socket and its SSL (whose
 * buffers OpenSSL releases, SSL_MODE_RELEASE_BUFFERS, and whose parsed
 * client chain tls_chain_compact() replaces with its DER): the read and write
 * buffers come from the worker's pool while a request is in progress.  Two
 * per-connection caches outlive a request on purpose, since the next
 * keep-alive request is what they are for, and exist only on connections
 * whose requests used them: the directory's answer (dc_ans, about 2 KiB,
 * freed once the directory's cacheSeconds would have expired it, at the
 * next request) and the proxy's certificate header lines (arr_lines, the
 * size of the certificate's base64).
 */
#ifndef CERTMAP_SERVER_CONN_H
#define CERTMAP_SERVER_CONN_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <openssl/ssl.h>

#include "http.h"
#include "http_chunked.h"
#include "logon.h"
#include "worker.h"

/* The state of a connection: assigned in conn.c only. */
enum conn_state {
    CS_HANDSHAKE, /* TLS handshake in progress */
    CS_HEAD,      /* waiting for / parsing the next request head (idle when nothing buffered) */
    CS_PREBODY,   /* reading and dropping the body before the request is processed */
    CS_LOGON,     /* the request waits for a logon result */
    CS_CERT,      /* the request waits for a client certificate asked after the handshake */
    CS_BODY,      /* discarding the body of the request just answered */
    CS_SEND,      /* a response is streaming from a file or a large memory body */
    CS_GATEWAY,   /* a proxied request: c->px streams both ways with its upstream (proxy.c) */
    CS_SHUTDOWN,  /* closing: TLS close_notify, then close */
};

union conn_addr {
    struct sockaddr sa;
    struct sockaddr_in in4;
    struct sockaddr_in6 in6;
};

/* Where the W3C fields of the current request are in rbuf (the head stays there until logged). */
struct conn_logrec {
    uint32_t method_off, method_len;
    uint32_t stem_off, stem_len;
    uint32_t query_off, query_len; /* query_off 0 and len 0: none */
    uint32_t ua_off, ua_len;
    uint32_t ref_off, ref_len;
    uint32_t cookie_off, cookie_len; /* cs(Cookie) */
    uint32_t host_off, host_len;     /* cs-host: the Host header */
    int minor_version;               /* cs-version: HTTP/1.<minor_version> */
    const char *user;                /* mapped user (snapshot-owned) or NULL */
    const char *domain; /* defaultLogonDomain applied to the name (snapshot-owned) or NULL */
    char *user_owned;   /* Basic: user name as sent (malloc'd), else NULL */
    char *stem_owned;   /* logRewrittenUrl: cs-uri-stem, the rewritten path (malloc'd), else NULL */
    int status;
    int substatus;
    uint64_t start_ms;
};

struct dir_answer;
struct dirsvc;
struct proxy_xchg;
struct fastcgi_xchg;
struct gateway_ops;

struct conn {
    struct worker_client wc; /* first: the worker loop's part (handlers, timer, list) */
    struct worker *w;
    struct snapshot *snap;          /* snapshot of the requests (reference); the newest one the
                                       connection saw when a request started */
    struct snapshot *tls_snap;      /* snapshot of the handshake (reference): owns the SSL_CTX
                                       and binding the SSL points to */
    const struct snap_endpoint *ep; /* listening endpoint (in snap) */
    int fd;
    SSL *ssl; /* NULL for plain HTTP */
    enum conn_state state;
    bool close_after;  /* close once the responses queued so far are written */
    bool eof;          /* the peer closed its side */
    bool retired;      /* the server stops: no new request */
    bool served;       /* at least one request answered (idle timeout applies, not header) */
    bool body_scanned; /* this head was seen: log started, received body bytes checked */
    bool cert_ignored; /* the binding of the current snapshot does not use client certificates */
    bool tls_failed;   /* TLS error: no close_notify */
    bool shut_sent;    /* close_notify sent (or not to be sent) */
    bool half_closed;  /* shutdown(SHUT_WR) done */
    bool cert_asked;   /* CS_CERT: tls_late_start() was called for this request */
    bool out_blocked;  /* a write would block: the next EPOLLOUT edge is for us */
    bool out_watched;  /* the socket's edges include EPOLLOUT (since its first blocked write) */
    bool rd_drained;   /* the socket's last read came back short or empty, no input edge since */
    bool rd_hup;       /* the peer's FIN or an error was reported: reads go on until they see it */

    union conn_addr local;
    union conn_addr peer;

    char *rbuf; /* pool buffer or NULL: bytes received, not yet consumed */
    uint32_t rlen;
    uint32_t rcap;
    char *wbuf; /* pool buffer or NULL: response bytes to send */
    uint32_t wlen;
    uint32_t wpos; /* bytes of wbuf already sent */
    uint32_t wcap;
    uint32_t head_len; /* bytes of rbuf taken by the head of the current request */

    int file_fd;      /* file being streamed, -1 */
    off_t file_off;   /* next byte of the file to send */
    off_t file_left;  /* bytes still to send */
    char *mbody;      /* memory body being streamed (owned), or NULL */
    size_t mbody_off; /* next byte of mbody to send */
    size_t mbody_len;

    uint64_t body_left;        /* Content-Length body bytes still to discard */
    struct http_chunked chunk; /* chunked body being discarded */
    bool body_chunked;

    const struct snap_binding *tls_binding; /* binding of the TLS context after SNI (in snap) */
    long cert_verify; /* verification result of the client certificate, against snap's store */
    /* the validity window of the certificate dates_cert, read once (tls_cert_window()) for the
       check every request makes */
    const X509 *dates_cert;
    time_t dates_from, dates_until;

    /* Per-connection caches: the certificate never changes on a connection. */
    /* the many-to-one lookup of the connection's certificate, once per rule set */
    const struct m2o_set *m2o_set;       /* set the cached lookup was made in */
    const struct m2o_mapping *m2o_found; /* its result (NULL: no mapping matched) */
    bool m2o_valid;
    const struct mapping_index *mc_index; /* index the cached lookup was made in */
    const struct mapping *mc_mapping;     /* its result (NULL: no enabled mapping) */
    bool mc_valid;
    int mc_logon;          /* logon result of mc_mapping, DECIDE_LOGON_UNKNOWN when none */
    uint64_t mc_logon_exp; /* ms: when mc_logon expires */
    /* the defaultLogonDomain mc_logon was obtained under (snapshot-owned): a scope with
       another one logs on another account, so the result is not reused there */
    const char *mc_logon_domain;
    /* the directory's answer for the certificate (request.c), kept while the directory's own
       cache would answer it as fresh; dropped with a new snapshot or a late certificate */
    X509 *dc_cert;               /* certificate dc_key was computed from, NULL: none */
    unsigned char dc_key[32];    /* SHA-256 of its DER: the directory cache key */
    const struct dirsvc *dc_svc; /* directory service dc_ans came from (in snap) */
    struct dir_answer *dc_ans;   /* a fresh answer (owned), NULL when none */
    uint64_t dc_until;           /* ms (monotonic): the directory's own freshness of dc_ans */
    /* the proxy's X-ARR-ClientCert and X-ARR-SSL lines for arr_cert (proxy.c) */
    X509 *arr_cert;  /* certificate arr_lines were made for, NULL: none */
    char *arr_lines; /* owned; NULL with arr_cert set: a name holds a control character */
    size_t arr_len;
    int pending_kind;      /* enum decide_auth_kind of a logon result just delivered */
    bool dir_answered;     /* this request has had the directory's answer (request.c) */
    int pending_result;    /* its enum logon_result, DECIDE_LOGON_UNKNOWN when none */
    struct logon_job *job; /* logon in progress */

    /* the answer of this request's credential lookup (request.c file_account), handed over
       with the job so that the request needs neither NSS nor the cache to hold it */
    char *cred_user;         /* account looked up (owned), NULL: no lookup this request */
    int cred_state;          /* its enum logon_cred_state (LOGON_CRED_MISS while in flight) */
    struct logon_cred *cred; /* owned; LOGON_CRED_FOUND only, else NULL */

    struct proxy_xchg *px;   /* CS_GATEWAY: the exchange with the upstream (owned), else NULL */
    struct fastcgi_xchg *fx; /* CS_GATEWAY: the exchange with a FastCGI application (owned) */
    const struct gateway_ops *gw; /* CS_GATEWAY: the protocol of px or fx (gateway.h), else NULL */

    struct conn_logrec log;
    const struct snap_site *log_site; /* site of the current request once routed, else NULL */
};

/*
 * worker_accept_fn of certmapd: takes over a socket accepted on endpoint ep
 * and registers the connection's handlers with w; closes the socket when out
 * of memory.
 */
void conn_accept(struct worker *w, const struct snap_endpoint *ep, int fd,
                 const struct sockaddr *peer, socklen_t len);

/*
 * The handler a connection registers with its upstream (upstream_open()):
 * an event on the upstream socket runs the connection's state machine, as
 * an event on its own socket does.  arg is the struct conn.
 */
void conn_on_upstream(void *arg);

#endif
