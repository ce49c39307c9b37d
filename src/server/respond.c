/*
 * respond.c - writing response heads and error pages into a connection's
 * buffer, and the W3C log line of a request.
 */
#include "respond.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "errpage.h"
#include "logon.h"
#include "w3clog.h"
#include "win32.h"

#define SERVER_HEADER "Server: certmap/" CERTMAP_VERSION "\r\n"

static uint32_t
off_in(const struct conn *c, const char *p)
{
    return p != NULL ? (uint32_t)(p - c->rbuf) : 0;
}

/* Remembers where the W3C fields are (the head stays in rbuf until logged). */
void
respond_log_fields(struct conn *c, const struct http_request *req)
{
    const struct http_header *h;
    struct conn_logrec *l = &c->log;

    l->method_off = off_in(c, req->method_str);
    l->method_len = (uint32_t)req->method_len;
    if (req->path >= c->rbuf && req->path < c->rbuf + c->rlen) {
        l->stem_off = off_in(c, req->path);
        l->stem_len = (uint32_t)req->path_len;
    } else {
        l->stem_off = l->stem_len = 0; /* the parser's static "/" */
    }
    l->query_off = req->query != NULL ? off_in(c, req->query) : 0;
    l->query_len = req->query != NULL ? (uint32_t)req->query_len : 0;
    h = http_find_header(req, "User-Agent");
    l->ua_off = h != NULL ? off_in(c, h->value) : 0;
    l->ua_len = h != NULL ? (uint32_t)h->value_len : 0;
    h = http_find_header(req, "Referer");
    l->ref_off = h != NULL ? off_in(c, h->value) : 0;
    l->ref_len = h != NULL ? (uint32_t)h->value_len : 0;
    h = http_find_header(req, "Cookie");
    l->cookie_off = h != NULL ? off_in(c, h->value) : 0;
    l->cookie_len = h != NULL ? (uint32_t)h->value_len : 0;
    h = http_find_header(req, "Host");
    l->host_off = h != NULL ? off_in(c, h->value) : 0;
    l->host_len = h != NULL ? (uint32_t)h->value_len : 0;
    l->minor_version = req->minor_version;
}

/*
 * a as dotted quad into out (at least INET_ADDRSTRLEN bytes).  inet_ntop()
 * formats IPv4 through sprintf(): this runs five times per proxied request
 * (W3C log, server variables, X-Forwarded-For), where it cost ~7% of
 * certmapd's instructions.
 */
static void
ipv4_text(const struct in_addr *a, char *out)
{
    const unsigned char *b = (const unsigned char *)&a->s_addr;
    char *p = out;

    for (int i = 0; i < 4; i++) {
        unsigned v = b[i];
        if (v >= 100)
            *p++ = (char)('0' + v / 100);
        if (v >= 10)
            *p++ = (char)('0' + v / 10 % 10);
        *p++ = (char)('0' + v % 10);
        *p++ = i < 3 ? '.' : '\0';
    }
}

void
respond_addr_text(const union conn_addr *a, char *out, size_t size, unsigned *port)
{
    struct in_addr v4;

    if (a->sa.sa_family == AF_INET6) {
        *port = ntohs(a->in6.sin6_port);
        /* IPv4-mapped addresses are logged as IPv4, as IIS does. */
        if (IN6_IS_ADDR_V4MAPPED(&a->in6.sin6_addr) && size >= INET_ADDRSTRLEN) {
            memcpy(&v4.s_addr, a->in6.sin6_addr.s6_addr + 12, 4);
            ipv4_text(&v4, out);
        } else {
            inet_ntop(AF_INET6, &a->in6.sin6_addr, out, (socklen_t)size);
        }
    } else if (a->sa.sa_family == AF_INET) {
        *port = ntohs(a->in4.sin_port);
        if (size >= INET_ADDRSTRLEN)
            ipv4_text(&a->in4.sin_addr, out);
        else
            inet_ntop(AF_INET, &a->in4.sin_addr, out, (socklen_t)size);
    } else {
        snprintf(out, size, "-");
        *port = 0;
    }
}

void
respond_log(struct conn *c, const struct snap_site *site)
{
    struct conn_logrec *l = &c->log;
    struct w3clog_entry e;
    char sip[INET6_ADDRSTRLEN], cip[INET6_ADDRSTRLEN], user[PIPELINE_LOGON_NAME_MAX];
    const char *name;
    unsigned sport, cport;

    if (site == NULL || site->log == NULL)
        return;
    memset(&e, 0, sizeof(e));
    respond_addr_text(&c->local, sip, sizeof(sip), &sport);
    respond_addr_text(&c->peer, cip, sizeof(cip), &cport);
    e.time = c->w->now_s;
    e.s_ip = sip;
    e.c_ip = cip;
    e.s_port = sport;
    e.method = c->rbuf + l->method_off;
    e.method_len = l->method_len;
    if (l->stem_owned != NULL) {
        e.uri_stem = l->stem_owned;
        e.uri_stem_len = strlen(l->stem_owned);
    } else if (l->stem_len > 0) {
        e.uri_stem = c->rbuf + l->stem_off;
        e.uri_stem_len = l->stem_len;
    } else {
        e.uri_stem = "/";
        e.uri_stem_len = 1;
    }
    if (l->query_len > 0) {
        e.uri_query = c->rbuf + l->query_off;
        e.uri_query_len = l->query_len;
    }
    name = l->user_owned != NULL ? l->user_owned : l->user;
    if (name != NULL && logon_names(name, l->domain, NULL, 0, user, sizeof(user)) == 0) {
        e.username = user;
        e.username_len = strlen(user);
    }
    if (l->ua_len > 0) {
        e.user_agent = c->rbuf + l->ua_off;
        e.user_agent_len = l->ua_len;
    }
    if (l->ref_len > 0) {
        e.referer = c->rbuf + l->ref_off;
        e.referer_len = l->ref_len;
    }
    if (l->cookie_len > 0) {
        e.cookie = c->rbuf + l->cookie_off;
        e.cookie_len = l->cookie_len;
    }
    if (l->host_len > 0) {
        e.host = c->rbuf + l->host_off;
        e.host_len = l->host_len;
    }
    e.version = l->minor_version == 0 ? "HTTP/1.0" : "HTTP/1.1";
    e.status = l->status;
    e.substatus = l->substatus;
    e.win32_status = win32_status(l->status, l->substatus, c->cert_verify);
    e.time_taken = (unsigned long)(c->w->now_ms - l->start_ms);
    w3clog_write(site->log, &e);
}

/* Appends n bytes; on overflow marks the buffer full (*len = cap) and returns -1. */
static int
add(char *buf, size_t cap, size_t *len, const char *s, size_t n)
{
    if (*len >= cap || n > cap - *len) {
        *len = cap;
        return -1;
    }
    memcpy(buf + *len, s, n);
    *len += n;
    return 0;
}

static int
adds(char *buf, size_t cap, size_t *len, const char *s)
{
    return add(buf, cap, len, s, strlen(s));
}

/* Appends v in decimal (heads are assembled with memcpy: no printf on the request path). */
static int
addnum(char *buf, size_t cap, size_t *len, long long v)
{
    char tmp[24];
    size_t i = sizeof(tmp);
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

    do {
        tmp[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0)
        tmp[--i] = '-';
    return add(buf, cap, len, tmp + i, sizeof(tmp) - i);
}

/* "Name: value\r\n" */
static int
addhdr(char *buf, size_t cap, size_t *len, const char *name, size_t name_len, const char *value)
{
    add(buf, cap, len, name, name_len);
    adds(buf, cap, len, value);
    return add(buf, cap, len, "\r\n", 2);
}

#define ADDHDR(name, value) addhdr(b, cap, &len, name, sizeof(name) - 1, value)
#define ADDLIT(lit) add(b, cap, &len, lit, sizeof(lit) - 1)

static void
update_date(struct worker *w)
{
    if (w->date_s != w->now_s || w->date[0] == '\0') {
        http_date(w->now_s, w->date);
        w->date_s = w->now_s;
    }
}

bool
respond_is_head(const struct conn *c)
{
    return c->w->req.method == HTTP_M_HEAD;
}

/* Writes the response head (and a memory body) at the end of c->wbuf. 0, or -1 when it does not
 * fit. */
int
respond_queue(struct conn *c, const struct response *r, bool head_only)
{
    struct worker *w = c->w;
    size_t cap = c->wcap, len = c->wlen;
    char *b = c->wbuf;
    bool keep;

    /* A refused request's body is not read: the connection cannot go on after it. */
    if (r->status >= 400 && (c->body_left > 0 || c->body_chunked))
        c->close_after = true;
    keep = !c->close_after;

    update_date(w);
    ADDLIT("HTTP/1.1 ");
    addnum(b, cap, &len, r->status);
    ADDLIT(" ");
    adds(b, cap, &len, r->reason != NULL ? r->reason : errpage_reason(r->status));
    ADDLIT("\r\n" SERVER_HEADER);
    ADDHDR("Date: ", w->date);
    if (r->content_type != NULL)
        ADDHDR("Content-Type: ", r->content_type);
    if (r->content_length >= 0) {
        ADDLIT("Content-Length: ");
        addnum(b, cap, &len, (long long)r->content_length);
        ADDLIT("\r\n");
    }
    if (r->etag != NULL && r->etag[0] != '\0')
        ADDHDR("ETag: ", r->etag);
    if (r->last_modified != NULL && r->last_modified[0] != '\0')
        ADDHDR("Last-Modified: ", r->last_modified);
    if (r->accept_ranges)
        ADDLIT("Accept-Ranges: bytes\r\n");
    if (r->content_range != NULL && r->content_range[0] != '\0')
        ADDHDR("Content-Range: ", r->content_range);
    if (r->allow != NULL)
        ADDHDR("Allow: ", r->allow);
    if (r->location != NULL) {
        ADDLIT("Location: ");
        add(b, cap, &len, r->location, r->location_len);
        ADDLIT("/");
        if (r->location_query != NULL) {
            ADDLIT("?");
            add(b, cap, &len, r->location_query, r->location_query_len);
        }
        ADDLIT("\r\n");
    }
    if (r->redirect != NULL)
        ADDHDR("Location: ", r->redirect);
    if (r->realm != NULL) {
        ADDLIT("WWW-Authenticate: Basic realm=\"");
        adds(b, cap, &len, r->realm);
        ADDLIT("\"\r\n");
    }
    if (r->retry_after > 0) {
        char num[16];
        snprintf(num, sizeof(num), "%u", r->retry_after);
        ADDLIT("Retry-After: ");
        adds(b, cap, &len, num);
        ADDLIT("\r\n");
    }
    if (!keep)
        ADDLIT("Connection: close\r\n");
    else if (w->req.minor_version == 0)
        ADDLIT("Connection: keep-alive\r\n");
    if (ADDLIT("\r\n") != 0)
        return -1;
    if (!head_only && r->body != NULL) {
        if (r->body_len > cap - len)
            return -1;
        memcpy(b + len, r->body, r->body_len);
        len += r->body_len;
    }
    c->wlen = (uint32_t)len;
    return 0;
}

/* An IIS error page for status.substatus. */
static void
error_response(struct conn *c, int status, int substatus, const char *realm, unsigned retry)
{
    struct response r;
    size_t n;

    memset(&r, 0, sizeof(r));
    n = errpage_render(c->w->page, sizeof(c->w->page), status, substatus);
    if (n >= sizeof(c->w->page))
        n = sizeof(c->w->page) - 1;
    r.status = status;
    r.substatus = substatus;
    r.content_type = "text/html; charset=utf-8";
    r.content_length = (off_t)n;
    r.body = c->w->page;
    r.body_len = n;
    r.file_fd = -1;
    r.realm = realm;
    r.retry_after = retry;
    c->log.status = status;
    c->log.substatus = substatus;
    if (respond_queue(c, &r, respond_is_head(c)) != 0) {
        /* Cannot happen with REQUEST_HEAD_MAX free; close rather than send half a head. */
        c->close_after = true;
        c->wlen = c->wpos;
    }
}

void
respond_error(struct conn *c, int status, int substatus, const char *realm)
{
    error_response(c, status, substatus, realm, 0);
}

/* s escaped for HTML text and attributes, malloc'd; NULL when s is NULL or "" (or out of memory).
 */
static char *
html_escape(const char *s, bool *oom)
{
    size_t n = 0;
    char *out, *p;

    if (s == NULL || s[0] == '\0')
        return NULL;
    for (const char *q = s; *q != '\0'; q++)
        n += *q == '&' ? 5 : *q == '<' || *q == '>' ? 4 : *q == '"' || *q == '\'' ? 6 : 1;
    out = malloc(n + 1);
    if (out == NULL) {
        *oom = true;
        return NULL;
    }
    p = out;
    for (const char *q = s; *q != '\0'; q++) {
        const char *e = *q == '&'    ? "&amp;"
                        : *q == '<'  ? "&lt;"
                        : *q == '>'  ? "&gt;"
                        : *q == '"'  ? "&quot;"
                        : *q == '\'' ? "&#39;"
                                     : NULL;
        if (e != NULL) {
            memcpy(p, e, strlen(e));
            p += strlen(e);
        } else {
            *p++ = *q;
        }
    }
    *p = '\0';
    return out;
}

int
respond_custom(struct conn *c, int status, int substatus, const char *reason,
               const char *description)
{
    bool oom = false;
    char *r_html = html_escape(reason, &oom), *d_html = html_escape(description, &oom);
    char *page = NULL;
    size_t size = ERRPAGE_MAX, n;
    struct response r;
    int ret = -1;

    size += 2 * ((r_html != NULL ? strlen(r_html) : 0) + (d_html != NULL ? strlen(d_html) : 0));
    page = oom ? NULL : malloc(size);
    if (page == NULL)
        goto out;
    n = errpage_render_with(page, size, status, substatus, r_html, d_html);
    if (n >= size)
        goto out;
    memset(&r, 0, sizeof(r));
    r.status = status;
    r.substatus = substatus;
    r.reason = reason != NULL && reason[0] != '\0' ? reason : NULL;
    r.content_type = "text/html; charset=utf-8";
    r.content_length = (off_t)n;
    r.body = page;
    r.body_len = n;
    r.file_fd = -1;
    if (respond_queue(c, &r, respond_is_head(c)) != 0)
        goto out;
    c->log.status = status;
    c->log.substatus = substatus;
    ret = 0;
out:
    free(r_html);
    free(d_html);
    free(page);
    return ret;
}

void
respond_error_retry(struct conn *c, int status, int substatus, unsigned seconds)
{
    error_response(c, status, substatus, NULL, seconds);
}
