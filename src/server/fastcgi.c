/*
 * fastcgi.c - one request run by a FastCGI application (fastcgi.h).
 * conn.c owns the connection's state and its socket; this file owns the
 * exchange: the application's connection (a lease of fcgi_pool.h for a
 * program certmapd runs, the worker's upstream pool for an external
 * server), the records both ways and the framing of the response.
 *
 * Buffers:  client --rbuf[head_len..]--> ubuf (STDIN records) --> app
 *           app --> dbuf --> records decoded --> wbuf --> client
 * BEGIN_REQUEST and PARAMS go first, from their own buffer (pre).
 */
#include "fastcgi.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "errlog.h"
#include "fcgi.h"
#include "fcgi_pool.h"
#include "gateway.h"
#include "http_chunked.h"
#include "respond.h"
#include "upstream.h"

#define FX_ID 1
#define FX_PARAMS_MAX (1024 * 1024) /* BEGIN_REQUEST + PARAMS */
#define FX_HEAD_MAX 32768           /* the CGI response head */
#define FX_STDERR_LINES 20          /* STDERR lines logged per request */
#define FX_STDERR_LINE 400          /* bytes kept of one line */
#define CHUNK_OVERHEAD 16

enum fx_body { FXB_NONE, FXB_LENGTH, FXB_CHUNKED };

struct fastcgi_xchg {
    /* first: the application's connection; ubuf holds STDIN records, dbuf what it sent */
    struct gateway_xchg gx;
    const struct certmap_fcgi_app *app; /* in c->snap, which the connection holds */
    struct fcgi_lease lease;            /* PROGRAM: the instance */
    bool leased;
    struct fcgi_buf pre; /* BEGIN_REQUEST + PARAMS, sent first (gx.pre) */
    struct fcgi_decoder dec;

    enum fx_body req_mode;
    uint64_t req_left;
    struct http_chunked req_chunk;
    bool stdin_done; /* the empty STDIN record too (gx.req_done: the whole body is framed) */

    char *head; /* STDOUT bytes until the head is complete, then the body bytes after it */
    size_t head_len, head_pos;
    bool head_done;
    bool started; /* bytes of the response went to wbuf */
    bool stdout_done;
    unsigned protocol_status; /* of END_REQUEST (gx.resp_done) */
    bool head_request, client_10, no_body, chunk_to_client, has_len;
    uint64_t resp_left;

    char errline[FX_STDERR_LINE + 1];
    size_t errlen;
    unsigned errlines, errdropped;

    uint64_t start_ms, last_ms;
    bool timed_out;
};

static uint64_t
now_ms(const struct conn *c)
{
    return c->w->now_ms;
}

/* ---- PARAMS ---- */

struct params {
    struct fcgi_buf *b;
};

static int
on_var(void *arg, const char *name, const char *value, size_t len)
{
    struct params *p = arg;

    /* these three are split at the script here */
    if (strcmp(name, "PATH_INFO") == 0 || strcmp(name, "SCRIPT_NAME") == 0 ||
        strcmp(name, "PATH_TRANSLATED") == 0)
        return 0;
    return fcgi_param(p->b, FX_ID, name, strlen(name), value, len) == 0 ? 0 : 1;
}

static int
param(struct fcgi_buf *b, const char *name, const char *value, size_t len)
{
    return fcgi_param(b, FX_ID, name, strlen(name), value, len);
}

static int
build_params(struct fastcgi_xchg *fx, const struct fastcgi_request_in *in)
{
    struct params p = {&fx->pre};
    char *pt = NULL;
    size_t dl = strlen(in->document_root);
    int r;

    fcgi_buf_init(&fx->pre, FX_PARAMS_MAX);
    if (fcgi_begin_request(&fx->pre, FX_ID, true) != 0 || svar_each(in->sv, on_var, &p) != 0)
        return -1;
    r = param(&fx->pre, "SCRIPT_NAME", in->script_name, in->script_name_len);
    r |= param(&fx->pre, "PATH_INFO", in->path_info, in->path_info_len);
    if (in->path_info_len > 0) {
        /* as IIS: the document root's path + PATH_INFO */
        pt = malloc(dl + in->path_info_len + 1);
        if (pt == NULL)
            return -1;
        memcpy(pt, in->document_root, dl);
        memcpy(pt + dl, in->path_info, in->path_info_len);
        r |= param(&fx->pre, "PATH_TRANSLATED", pt, dl + in->path_info_len);
        free(pt);
    } else {
        r |= param(&fx->pre, "PATH_TRANSLATED", in->script_filename, strlen(in->script_filename));
    }
    r |= param(&fx->pre, "SCRIPT_FILENAME", in->script_filename, strlen(in->script_filename));
    r |= param(&fx->pre, "DOCUMENT_ROOT", in->document_root, dl);
    r |= param(&fx->pre, "REDIRECT_STATUS", "200", 3);
    r |= fcgi_params_end(&fx->pre, FX_ID);
    return r != 0 ? -1 : 0;
}

/* ---- the exchange's life ---- */

static void
log_app(const struct fastcgi_xchg *fx, enum errlog_level lvl, const char *what)
{
    char pid[32] = "";

    if (fx->leased)
        snprintf(pid, sizeof(pid), " pid %ld", fx->lease.pid);
    errlog_printf(lvl, "FastCGI application %s (%s:%u)%s: %s", fx->app->full_path,
                  fx->app->src.file != NULL ? fx->app->src.file : "-", fx->app->src.line, pid,
                  what);
}

static void
xchg_free(struct conn *c, bool reusable)
{
    struct fastcgi_xchg *fx = c->fx;
    int fd;

    if (fx == NULL)
        return;
    if (fx->leased) {
        if (fx->timed_out)
            fcgi_pool_kill(c->w->srv->fcgi, &fx->lease);
        fd = fx->gx.up != NULL ? upstream_detach(fx->gx.up) : -1;
        fcgi_pool_release(c->w->srv->fcgi, &fx->lease, fd, reusable && !fx->timed_out);
        if (fx->lease.fd >= 0)
            close(fx->lease.fd); /* adopted never: the lease still owns it */
    } else if (fx->gx.up != NULL) {
        upstream_release(c->w, fx->gx.up, reusable, fx->app->max_instances);
    }
    fcgi_buf_free(&fx->pre);
    worker_buf_put(c->w, fx->gx.ubuf, fx->gx.ucap);
    worker_buf_put(c->w, fx->gx.dbuf, fx->gx.dcap);
    free(fx->head);
    if (fx->errdropped > 0)
        errlog_printf(ERRLOG_WARN, "FastCGI application %s: %u more stderr line(s) not logged",
                      fx->app->full_path, fx->errdropped);
    free(fx);
    c->fx = NULL;
}

static void
fx_free(struct conn *c)
{
    xchg_free(c, false);
}

/* The application's connection: a lease (PROGRAM) or the worker's pool (UNIX, TCP). */
static int
connect_app(struct conn *c, struct fastcgi_xchg *fx)
{
    const struct certmap_fcgi_app *a = fx->app;
    struct upstream_target t;
    char why[200];

    memset(&t, 0, sizeof(t));
    if (a->kind == CERTMAP_FCGI_PROGRAM) {
        if (fcgi_pool_acquire(c->w->srv->fcgi, a, &fx->lease, why, sizeof(why)) != 0) {
            snprintf(fx->gx.why, sizeof(fx->gx.why), "cannot be started: %s", why);
            return -1;
        }
        fx->leased = true;
        if (fx->lease.fd >= 0) {
            int fd = fx->lease.fd;
            fx->lease.fd = -1;
            fx->gx.up = upstream_adopt(c->w, fd, conn_on_upstream, c, why, sizeof(why));
            if (fx->gx.up == NULL) {
                snprintf(fx->gx.why, sizeof(fx->gx.why), "%s", why);
                return -1;
            }
            return 0;
        }
        snprintf(t.unix_path, sizeof(t.unix_path), "%s", fx->lease.sock);
        snprintf(t.key, sizeof(t.key), "fcgi-program:%s", fx->lease.sock);
    } else if (a->kind == CERTMAP_FCGI_UNIX) {
        snprintf(t.unix_path, sizeof(t.unix_path), "%s", a->address);
        snprintf(t.key, sizeof(t.key), "fcgi+unix:%s", a->address);
    } else {
        snprintf(t.host, sizeof(t.host), "%s", a->address);
        t.port = a->port;
        snprintf(t.key, sizeof(t.key), "fcgi+tcp:%s:%u", a->address, a->port);
    }
    /* probed: a FastCGI request is never sent twice */
    fx->gx.up = upstream_open(c->w, &t, "", true, conn_on_upstream, c, why, sizeof(why));
    if (fx->gx.up == NULL) {
        snprintf(fx->gx.why, sizeof(fx->gx.why), "%s", why);
        return -1;
    }
    fx->gx.connecting = !fx->gx.up->reused;
    return 0;
}

int
fastcgi_start(struct conn *c, const struct fastcgi_request_in *in)
{
    const struct http_request *req = &c->w->req;
    struct fastcgi_xchg *fx = calloc(1, sizeof(*fx));

    if (fx == NULL) {
        respond_error(c, 500, 0, NULL);
        return -1;
    }
    c->fx = fx;
    fx->app = in->app;
    fx->start_ms = fx->last_ms = now_ms(c);
    fx->head_request = req->method == HTTP_M_HEAD;
    fx->client_10 = req->minor_version == 0;
    fcgi_decoder_init(&fx->dec, FX_ID);
    fx->gx.ubuf = worker_buf_get(c->w, &fx->gx.ucap);
    fx->gx.dbuf = worker_buf_get(c->w, &fx->gx.dcap);
    fx->head = malloc(FX_HEAD_MAX);
    if (fx->gx.ubuf == NULL || fx->gx.dbuf == NULL || fx->head == NULL) {
        snprintf(fx->gx.why, sizeof(fx->gx.why), "out of memory");
        goto fail;
    }
    if (build_params(fx, in) == 0) {
        fx->gx.pre = (const char *)fx->pre.data;
        fx->gx.pre_len = fx->pre.len;
    } else {
        snprintf(fx->gx.why, sizeof(fx->gx.why),
                 "the parameters do not fit in FastCGI records (a value over 64 KiB or more "
                 "than %d bytes in all)",
                 FX_PARAMS_MAX);
        goto fail;
    }
    if (c->body_chunked) {
        fx->req_mode = FXB_CHUNKED;
        fx->req_chunk = c->chunk;
    } else if (c->body_left > 0) {
        fx->req_mode = FXB_LENGTH;
        fx->req_left = c->body_left;
    } else {
        fx->gx.req_done = true;
    }
    if (connect_app(c, fx) != 0)
        goto fail;
    c->log.status = 0;
    c->gw = &fastcgi_gateway;
    return 0;
fail:
    log_app(fx, ERRLOG_ERROR, fx->gx.why);
    xchg_free(c, false);
    /* IIS: 500.0 "The FastCGI process failed unexpectedly" */
    respond_error(c, 500, 0, NULL);
    return -1;
}

/* ---- toward the application ---- */

/* Client body bytes -> STDIN records in ubuf.  -1 on a malformed chunked body. */
static int
fill_stdin(struct conn *c, struct fastcgi_xchg *fx, bool *progress)
{
    size_t avail = c->rlen - c->head_len,
           room = gateway_room(fx->gx.ubuf, fx->gx.ucap, &fx->gx.ulen, &fx->gx.upos, NULL), n, used;
    unsigned char *h;
    int r;

    if (fx->stdin_done || room < FCGI_HEADER_LEN + 64)
        return 0;
    room -= FCGI_HEADER_LEN;
    if (room > FCGI_MAX_CONTENT)
        room = FCGI_MAX_CONTENT;
    h = (unsigned char *)fx->gx.ubuf + fx->gx.ulen;
    if (!fx->gx.req_done && avail > 0) {
        if (fx->req_mode == FXB_LENGTH) {
            n = avail < fx->req_left ? avail : (size_t)fx->req_left;
            if (n > room)
                n = room;
            used = n;
            fx->req_left -= n;
            fx->gx.req_done = fx->req_left == 0;
        } else {
            n = avail < room ? avail : room;
            r = http_chunked_decode(&fx->req_chunk, c->rbuf + c->head_len, &n, &used);
            if (r == HTTP_CHUNK_ERROR) {
                snprintf(fx->gx.why, sizeof(fx->gx.why), "the client's chunked body is malformed");
                return -1;
            }
            fx->gx.req_done = r == HTTP_CHUNK_DONE;
        }
        if (n > 0) {
            fcgi_header(h, FCGI_STDIN, FX_ID, n);
            memcpy(h + FCGI_HEADER_LEN, c->rbuf + c->head_len, n);
            fx->gx.ulen += (uint32_t)(FCGI_HEADER_LEN + n);
            h += FCGI_HEADER_LEN + n;
        }
        gateway_take_client(c, used);
        *progress = *progress || used > 0;
    }
    if (fx->gx.req_done && !fx->stdin_done && fx->gx.ucap - fx->gx.ulen >= FCGI_HEADER_LEN) {
        fcgi_header((unsigned char *)fx->gx.ubuf + fx->gx.ulen, FCGI_STDIN, FX_ID, 0);
        fx->gx.ulen += FCGI_HEADER_LEN;
        fx->stdin_done = true;
        *progress = true;
    }
    return 0;
}

/* ---- from the application ---- */

/* One STDERR line to the error log (at most FX_STDERR_LINES per request). */
static void
stderr_flush(struct fastcgi_xchg *fx)
{
    if (fx->errlen == 0)
        return;
    fx->errline[fx->errlen] = '\0';
    for (size_t i = 0; i < fx->errlen; i++)
        if ((unsigned char)fx->errline[i] < 0x20 && fx->errline[i] != '\t')
            fx->errline[i] = '?';
    if (fx->errlines < FX_STDERR_LINES)
        errlog_printf(ERRLOG_WARN, "FastCGI application %s: stderr: %s", fx->app->full_path,
                      fx->errline);
    else
        fx->errdropped++;
    fx->errlines++;
    fx->errlen = 0;
}

static void
on_stderr(struct fastcgi_xchg *fx, const unsigned char *d, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (d[i] == '\n') {
            stderr_flush(fx);
            continue;
        }
        if (d[i] == '\r')
            continue;
        if (fx->errlen < FX_STDERR_LINE)
            fx->errline[fx->errlen++] = (char)d[i];
    }
}

/* Body bytes toward the client (room checked by the caller). */
static void
body_out(struct conn *c, struct fastcgi_xchg *fx, const char *d, size_t n)
{
    if (fx->no_body)
        return;
    if (fx->has_len) {
        if (n > fx->resp_left)
            n = (size_t)fx->resp_left; /* more than its Content-Length: cut */
        fx->resp_left -= n;
    }
    if (n == 0)
        return;
    if (fx->chunk_to_client)
        c->wlen += (uint32_t)sprintf(c->wbuf + c->wlen, "%zx\r\n", n);
    memcpy(c->wbuf + c->wlen, d, n);
    c->wlen += (uint32_t)n;
    if (fx->chunk_to_client) {
        memcpy(c->wbuf + c->wlen, "\r\n", 2);
        c->wlen += 2;
    }
}

static bool
hop_by_hop(const struct fcgi_field *f)
{
    static const char *const names[] = {
        "connection", "keep-alive", "transfer-encoding", "te",
        "trailer",    "upgrade",    "proxy-connection",  "content-length"};

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strlen(names[i]) == f->name_len && strncasecmp(f->name, names[i], f->name_len) == 0)
            return true;
    return false;
}

/* Appends s[0..n) to the head being built at *len; false when it does not fit. */
static bool
hput(char *out, size_t cap, size_t *len, const char *s, size_t n)
{
    if (cap - *len < n)
        return false;
    memcpy(out + *len, s, n);
    *len += n;
    return true;
}

/* The parsed CGI head -> the client's status line and headers in wbuf.  -1 with why. */
static int
queue_head(struct conn *c, struct fastcgi_xchg *fx, const struct fcgi_head *h)
{
    char *out = c->wbuf + c->wlen, line[64];
    size_t cap = gateway_client_room(c), len = 0;
    const struct fcgi_field *cl = NULL;
    bool ok = true;
    char *end;

    out = c->wbuf + c->wlen;
    if (h->kind == FCGI_RESP_LOCAL_REDIRECT) {
        snprintf(fx->gx.why, sizeof(fx->gx.why),
                 "the application answered with a local redirect (Location: %.*s without "
                 "Status or Content-Type), which certmapd does not follow: send \"Status: "
                 "302\" for a client redirect",
                 (int)(h->location->value_len > 100 ? 100 : h->location->value_len),
                 h->location->value);
        return -1;
    }
    if (h->status < 200 || h->status > 599) {
        snprintf(fx->gx.why, sizeof(fx->gx.why), "the application answered status %u", h->status);
        return -1;
    }
    for (size_t i = 0; i < h->nfields; i++)
        if (h->fields[i].name_len == 14 &&
            strncasecmp(h->fields[i].name, "content-length", 14) == 0)
            cl = &h->fields[i];
    fx->no_body = fx->head_request || h->status == 204 || h->status == 304;
    if (cl != NULL) {
        char num[32];
        unsigned long long v;
        snprintf(num, sizeof(num), "%.*s", (int)(cl->value_len < 31 ? cl->value_len : 31),
                 cl->value);
        errno = 0;
        v = strtoull(num, &end, 10);
        if (num[0] < '0' || num[0] > '9' || *end != '\0' || errno != 0 || cl->value_len > 20) {
            snprintf(fx->gx.why, sizeof(fx->gx.why), "the application's Content-Length is invalid");
            return -1;
        }
        fx->has_len = true;
        fx->resp_left = v;
    } else if (!fx->no_body) {
        if (fx->client_10)
            c->close_after = true; /* the end of the body is the end of the connection */
        else
            fx->chunk_to_client = true;
    }
    if (!fx->gx.req_done)
        c->close_after = true; /* it answered before the whole body: drop the rest */
    snprintf(line, sizeof(line), "HTTP/1.1 %03u ", h->status);
    ok &= hput(out, cap, &len, line, strlen(line));
    if (h->reason != NULL && h->reason_len > 0)
        ok &= hput(out, cap, &len, h->reason, h->reason_len);
    else
        ok &=
            hput(out, cap, &len, http_reason((int)h->status), strlen(http_reason((int)h->status)));
    ok &= hput(out, cap, &len, "\r\n", 2);
    for (size_t i = 0; i < h->nfields; i++) {
        const struct fcgi_field *f = &h->fields[i];
        if (hop_by_hop(f) && f != cl)
            continue;
        ok &= hput(out, cap, &len, f->name, f->name_len);
        ok &= hput(out, cap, &len, ": ", 2);
        ok &= hput(out, cap, &len, f->value, f->value_len);
        ok &= hput(out, cap, &len, "\r\n", 2);
    }
    if (fx->chunk_to_client)
        ok &= hput(out, cap, &len, "Transfer-Encoding: chunked\r\n", 28);
    if (c->close_after)
        ok &= hput(out, cap, &len, "Connection: close\r\n", 19);
    else if (fx->client_10)
        ok &= hput(out, cap, &len, "Connection: keep-alive\r\n", 24);
    ok &= hput(out, cap, &len, "\r\n", 2);
    if (!ok || cap - len < CHUNK_OVERHEAD + 5) {
        snprintf(fx->gx.why, sizeof(fx->gx.why), "the response head is larger than the buffer (%u)",
                 c->wcap);
        return -1;
    }
    c->wlen += (uint32_t)len;
    c->log.status = (int)h->status;
    c->log.substatus = 0;
    fx->started = true;
    fx->head_done = true;
    return 0;
}

/* STDOUT bytes before the end of the head.  -1 with why. */
static int
on_head_bytes(struct conn *c, struct fastcgi_xchg *fx, const unsigned char *d, size_t n)
{
    struct fcgi_head *h;
    const char *why = NULL;
    size_t end;
    int r;

    if (FX_HEAD_MAX - fx->head_len < n) {
        snprintf(fx->gx.why, sizeof(fx->gx.why), "the response head is larger than %d bytes",
                 FX_HEAD_MAX);
        return -1;
    }
    memcpy(fx->head + fx->head_len, d, n);
    fx->head_len += n;
    end = fcgi_head_end(fx->head, fx->head_len);
    if (end == 0)
        return 0;
    h = malloc(sizeof(*h));
    if (h == NULL) {
        snprintf(fx->gx.why, sizeof(fx->gx.why), "out of memory");
        return -1;
    }
    r = fcgi_head_parse(fx->head, end, h, &why);
    if (r != 0)
        snprintf(fx->gx.why, sizeof(fx->gx.why), "invalid response head: %s", why);
    else
        r = queue_head(c, fx, h);
    free(h);
    fx->head_pos = end; /* the bytes after it are body, sent by drain_head() */
    return r;
}

/* Body bytes that came with the head. */
static void
drain_head(struct conn *c, struct fastcgi_xchg *fx)
{
    size_t n = fx->head_len - fx->head_pos, room = gateway_client_room(c);

    if (n == 0)
        return;
    if (room <= CHUNK_OVERHEAD + 5)
        return;
    if (n > room - CHUNK_OVERHEAD - 5)
        n = room - CHUNK_OVERHEAD - 5;
    body_out(c, fx, fx->head + fx->head_pos, n);
    fx->head_pos += n;
}

/* Records in dbuf -> the response, as far as wbuf has room.  -1 with why. */
static int
decode(struct conn *c, struct fastcgi_xchg *fx, bool *progress)
{
    struct fcgi_event ev;
    size_t used, avail, room;

    while (fx->gx.dpos < fx->gx.dlen && !fx->gx.resp_done) {
        if (fx->head_done) {
            drain_head(c, fx);
            if (fx->head_pos < fx->head_len)
                return 0;
        }
        room = gateway_client_room(c);
        if (room <= CHUNK_OVERHEAD + 5 + FCGI_HEADER_LEN)
            return 0;
        avail = fx->gx.dlen - fx->gx.dpos;
        /* before the head, STDOUT goes to the head buffer; after it, to wbuf */
        if (avail > room - CHUNK_OVERHEAD - 5)
            avail = room - CHUNK_OVERHEAD - 5;
        used = fcgi_decode(&fx->dec, (const unsigned char *)fx->gx.dbuf + fx->gx.dpos, avail, &ev);
        fx->gx.dpos += (uint32_t)used;
        *progress = *progress || used > 0;
        switch (ev.kind) {
        case FCGI_EV_NONE:
            if (used == 0)
                return 0;
            break;
        case FCGI_EV_STDOUT:
            if (!fx->head_done) {
                if (on_head_bytes(c, fx, ev.data, ev.len) != 0)
                    return -1;
            } else {
                body_out(c, fx, (const char *)ev.data, ev.len);
            }
            break;
        case FCGI_EV_STDERR:
            on_stderr(fx, ev.data, ev.len);
            break;
        case FCGI_EV_STDOUT_END:
            fx->stdout_done = true;
            break;
        case FCGI_EV_END:
            fx->gx.resp_done = true;
            fx->gx.answered = true; /* STDIN it did not read is not wanted */
            fx->protocol_status = ev.protocol_status;
            stderr_flush(fx);
            break;
        case FCGI_EV_ERROR:
            snprintf(fx->gx.why, sizeof(fx->gx.why), "protocol error: %s", ev.why);
            return -1;
        }
    }
    return 0;
}

/* ---- the pump ---- */

/* The request half of gateway_pump() (gateway_ops.fill). */
static int
fx_fill(struct conn *c, bool *progress)
{
    return fill_stdin(c, c->fx, progress);
}

/* The response half of gateway_pump(): records decoded, the end (gateway_ops.answer). */
static enum proxy_pump
fx_answer(struct conn *c, bool *progress)
{
    struct fastcgi_xchg *fx = c->fx;
    bool reusable;

    if (*progress)
        fx->last_ms = now_ms(c);
    if (decode(c, fx, progress) != 0)
        return PROXY_FAILED;
    if (fx->gx.resp_done) {
        if (fx->protocol_status != FCGI_REQUEST_COMPLETE) {
            snprintf(fx->gx.why, sizeof(fx->gx.why), "the application refused the request (%s)",
                     fx->protocol_status == FCGI_OVERLOADED      ? "overloaded"
                     : fx->protocol_status == FCGI_CANT_MPX_CONN ? "cannot multiplex"
                                                                 : "unknown role");
            return PROXY_FAILED;
        }
        if (!fx->head_done) {
            snprintf(fx->gx.why, sizeof(fx->gx.why),
                     "the application ended without a complete response head");
            return PROXY_FAILED;
        }
        drain_head(c, fx);
        if (fx->head_pos < fx->head_len)
            return *progress ? PROXY_PROGRESS : PROXY_BLOCKED;
        if (fx->chunk_to_client) {
            if (gateway_client_room(c) < 5)
                return PROXY_BLOCKED;
            memcpy(c->wbuf + c->wlen, "0\r\n\r\n", 5);
            c->wlen += 5;
        }
        if (fx->has_len && fx->resp_left > 0 && !fx->no_body) {
            log_app(fx, ERRLOG_ERROR, "the body is shorter than its Content-Length: closing");
            c->close_after = true;
        }
        reusable = fx->stdin_done && fx->gx.pre_pos == fx->gx.pre_len &&
                   fx->gx.upos == fx->gx.ulen && fx->gx.dpos == fx->gx.dlen && !fx->gx.up_eof;
        xchg_free(c, reusable);
        return PROXY_FINISHED;
    }
    /* decoded to the last byte it sent: a response already complete except for
       END_REQUEST is not saved, the application is gone */
    if (fx->gx.up_eof && fx->gx.dpos == fx->gx.dlen) {
        snprintf(fx->gx.why, sizeof(fx->gx.why),
                 "the application closed the connection before END_REQUEST");
        return PROXY_FAILED;
    }
    return PROXY_BLOCKED; /* gateway_pump() checks the client's side */
}

static enum proxy_pump
fx_pump(struct conn *c)
{
    return gateway_pump(c, &c->fx->gx);
}

static bool
fx_wants_client(const struct conn *c)
{
    const struct fastcgi_xchg *fx = c->fx;

    return fx != NULL && !c->eof && !fx->gx.req_done;
}

static bool
fx_expired(struct conn *c)
{
    struct fastcgi_xchg *fx = c->fx;
    uint64_t now = now_ms(c);

    if (fx == NULL)
        return true;
    if (fx->app->request_timeout > 0 && now - fx->start_ms >= fx->app->request_timeout * 1000ULL) {
        snprintf(fx->gx.why, sizeof(fx->gx.why),
                 "The FastCGI process exceeded configured request timeout (requestTimeout %u s)",
                 fx->app->request_timeout);
        fx->timed_out = true;
        return true;
    }
    if (fx->app->activity_timeout > 0 && now - fx->last_ms >= fx->app->activity_timeout * 1000ULL) {
        snprintf(fx->gx.why, sizeof(fx->gx.why),
                 "The FastCGI process exceeded configured activity timeout (activityTimeout %u "
                 "s)",
                 fx->app->activity_timeout);
        fx->timed_out = true;
        return true;
    }
    return false;
}

static int
fx_fail(struct conn *c, const char *why)
{
    struct fastcgi_xchg *fx = c->fx;
    bool started, body_done;

    if (fx == NULL)
        return -1;
    started = fx->started;
    body_done = fx->gx.req_done && c->rlen >= c->head_len;
    log_app(fx, ERRLOG_ERROR, gateway_why(&fx->gx, why));
    xchg_free(c, false);
    /* IIS answers 500.0 for a failed process and for both timeouts */
    return gateway_fail_answer(c, started, body_done, 500, 0);
}

const struct gateway_ops fastcgi_gateway = {
    "fastcgi", fx_pump, fx_fill, fx_answer, fx_wants_client, fx_fail, fx_free, TL_TICK, fx_expired,
};
