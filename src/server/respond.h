/*
 * respond.h - response heads, error pages and W3C log lines of certmapd's
 * connections.  Internal to request.c and its tests.
 */
#ifndef CERTMAP_SERVER_RESPOND_H
#define CERTMAP_SERVER_RESPOND_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Pointers only: respond.c, which writes into a connection's buffers, includes conn.h itself. */
struct conn;
struct http_request;
struct snap_site;
union conn_addr;

/* What a response is made of; every pointer is borrowed for the call. */
struct response {
    int status;
    int substatus;
    const char *content_type;
    off_t content_length; /* -1: no Content-Length header (304) */
    const char *body;     /* memory body of body_len bytes, or NULL */
    size_t body_len;
    int file_fd; /* file body (content_length bytes from file_off), or -1; taken */
    off_t file_off;
    const char *etag, *last_modified, *content_range, *allow;
    bool accept_ranges;
    const char *location; /* Location path (already safe), NULL when none */
    size_t location_len;
    const char *location_query;
    size_t location_query_len;
    const char *redirect; /* Location sent as it is (a rewrite rule's, already encoded), or NULL */
    const char *realm;    /* WWW-Authenticate: Basic realm, NULL when none */
    unsigned retry_after; /* Retry-After: seconds (a 503), 0 when none */
    const char *reason;   /* reason phrase of the status line, NULL: the standard one */
};

/* true when the request being answered (c->w->req) is a HEAD. */
bool respond_is_head(const struct conn *c);

/*
 * Writes the response head (and the memory body unless head_only) at the end
 * of c->wbuf; sets c->close_after first when a refused request's body is
 * still unread.  0, or -1 when it does not fit (nothing written).
 */
int respond_queue(struct conn *c, const struct response *r, bool head_only);

/* Queues an IIS error page for status.substatus (realm: add a Basic challenge). */
void respond_error(struct conn *c, int status, int substatus, const char *realm);

/*
 * URL Rewrite's CustomResponse: the IIS error page of status.substatus with
 * reason ("" or NULL: the standard one) on the status line and in the page,
 * and description ("" or NULL: the standard text) as the page's summary,
 * both escaped for HTML.  The caller has refused control characters (the
 * engine does).  -1 when the page does not fit the write buffer (nothing is
 * queued); 0 otherwise.
 */
int respond_custom(struct conn *c, int status, int substatus, const char *reason,
                   const char *description);

/* respond_error() of a server-side failure with "Retry-After: seconds" (503). */
void respond_error_retry(struct conn *c, int status, int substatus, unsigned seconds);

/* Remembers where the W3C fields of req are in c->rbuf (the head stays there until logged). */
void respond_log_fields(struct conn *c, const struct http_request *req);

/* Writes the W3C line of the current request to site's log (NULL site: none). */
void respond_log(struct conn *c, const struct snap_site *site);

/* An address as text (IPv4-mapped IPv6 as IPv4) and its port. */
void respond_addr_text(const union conn_addr *a, char *out, size_t size, unsigned *port);

#endif
