/*
 * fcgi.c - FastCGI 1.0 records and the CGI response head (see fcgi.h).
 */
#include "fcgi.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NO_RECORD ((size_t)-1)

/* ---- encoding ---------------------------------------------------------- */

void
fcgi_buf_init(struct fcgi_buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
    b->params_at = NO_RECORD;
}

void
fcgi_buf_free(struct fcgi_buf *b)
{
    free(b->data);
    fcgi_buf_init(b, b->max);
}

/* Makes room for n more bytes within the bound. 0 or -1 (b unchanged). */
static int
reserve(struct fcgi_buf *b, size_t n)
{
    size_t cap;
    unsigned char *p;

    if (n > b->max || b->len > b->max - n)
        return -1;
    if (b->len + n <= b->cap)
        return 0;
    cap = b->cap ? b->cap : 256;
    while (cap < b->len + n)
        cap = cap > b->max / 2 ? b->max : cap * 2;
    p = realloc(b->data, cap);
    if (p == NULL)
        return -1;
    b->data = p;
    b->cap = cap;
    return 0;
}

void
fcgi_header(unsigned char out[FCGI_HEADER_LEN], enum fcgi_type type, uint16_t id, size_t len)
{
    out[0] = 1; /* FCGI_VERSION_1 */
    out[1] = (unsigned char)type;
    out[2] = (unsigned char)(id >> 8);
    out[3] = (unsigned char)id;
    out[4] = (unsigned char)(len >> 8);
    out[5] = (unsigned char)len;
    out[6] = 0; /* no padding: records need not be 8-byte aligned */
    out[7] = 0;
}

/* Appends a header (room reserved by the caller). */
static void
put_header(struct fcgi_buf *b, enum fcgi_type type, uint16_t id, size_t len)
{
    fcgi_header(b->data + b->len, type, id, len);
    b->len += FCGI_HEADER_LEN;
}

int
fcgi_begin_request(struct fcgi_buf *b, uint16_t id, bool keep_conn)
{
    unsigned char *p;

    if (reserve(b, 2 * FCGI_HEADER_LEN) != 0)
        return -1;
    put_header(b, FCGI_BEGIN_REQUEST, id, 8);
    p = b->data + b->len;
    memset(p, 0, 8);
    p[1] = FCGI_RESPONDER;
    p[2] = keep_conn ? FCGI_KEEP_CONN : 0;
    b->len += 8;
    return 0;
}

/* Bytes of the length prefix of a name or value of n bytes. */
static size_t
len_size(size_t n)
{
    return n < 128 ? 1 : 4;
}

static void
put_len(struct fcgi_buf *b, size_t n)
{
    unsigned char *p = b->data + b->len;

    if (n < 128) {
        p[0] = (unsigned char)n;
        b->len += 1;
        return;
    }
    p[0] = (unsigned char)(0x80 | (n >> 24));
    p[1] = (unsigned char)(n >> 16);
    p[2] = (unsigned char)(n >> 8);
    p[3] = (unsigned char)n;
    b->len += 4;
}

/* Content length written in the header at offset at. */
static size_t
record_len(const struct fcgi_buf *b, size_t at)
{
    return ((size_t)b->data[at + 4] << 8) | b->data[at + 5];
}

static void
set_record_len(struct fcgi_buf *b, size_t at, size_t len)
{
    b->data[at + 4] = (unsigned char)(len >> 8);
    b->data[at + 5] = (unsigned char)len;
}

int
fcgi_param(struct fcgi_buf *b, uint16_t id, const char *name, size_t name_len, const char *value,
           size_t value_len)
{
    size_t pair, need;
    bool open_new;

    if (name_len == 0 || name_len > FCGI_MAX_CONTENT || value_len > FCGI_MAX_CONTENT)
        return -1;
    pair = len_size(name_len) + len_size(value_len) + name_len + value_len;
    if (pair > FCGI_MAX_CONTENT)
        return -1;
    open_new = b->params_at == NO_RECORD || record_len(b, b->params_at) + pair > FCGI_MAX_CONTENT;
    need = pair + (open_new ? FCGI_HEADER_LEN : 0);
    if (reserve(b, need) != 0)
        return -1;
    if (open_new) {
        b->params_at = b->len;
        put_header(b, FCGI_PARAMS, id, 0);
    }
    put_len(b, name_len);
    put_len(b, value_len);
    memcpy(b->data + b->len, name, name_len);
    b->len += name_len;
    if (value_len > 0)
        memcpy(b->data + b->len, value, value_len);
    b->len += value_len;
    set_record_len(b, b->params_at, record_len(b, b->params_at) + pair);
    return 0;
}

int
fcgi_params_end(struct fcgi_buf *b, uint16_t id)
{
    if (reserve(b, FCGI_HEADER_LEN) != 0)
        return -1;
    b->params_at = NO_RECORD;
    put_header(b, FCGI_PARAMS, id, 0);
    return 0;
}

int
fcgi_stdin(struct fcgi_buf *b, uint16_t id, const void *data, size_t len)
{
    const unsigned char *p = data;
    size_t records = len == 0 ? 1 : (len + FCGI_MAX_CONTENT - 1) / FCGI_MAX_CONTENT;

    if (len > b->max || reserve(b, records * FCGI_HEADER_LEN + len) != 0)
        return -1;
    if (len == 0) {
        put_header(b, FCGI_STDIN, id, 0);
        return 0;
    }
    while (len > 0) {
        size_t n = len < FCGI_MAX_CONTENT ? len : FCGI_MAX_CONTENT;
        put_header(b, FCGI_STDIN, id, n);
        memcpy(b->data + b->len, p, n);
        b->len += n;
        p += n;
        len -= n;
    }
    return 0;
}

int
fcgi_abort_request(struct fcgi_buf *b, uint16_t id)
{
    if (reserve(b, FCGI_HEADER_LEN) != 0)
        return -1;
    put_header(b, FCGI_ABORT_REQUEST, id, 0);
    return 0;
}

/* ---- decoding ---------------------------------------------------------- */

void
fcgi_decoder_init(struct fcgi_decoder *d, uint16_t id)
{
    memset(d, 0, sizeof(*d));
    d->id = id;
}

static size_t
fail(struct fcgi_decoder *d, struct fcgi_event *ev, const char *why, size_t used)
{
    if (d->error == NULL)
        d->error = why;
    ev->kind = FCGI_EV_ERROR;
    ev->why = d->error;
    return used;
}

/* Checks a complete header and starts its record; NULL, or the protocol error. */
static const char *
start_record(struct fcgi_decoder *d)
{
    const unsigned char *h = d->hdr;
    unsigned id = ((unsigned)h[2] << 8) | h[3];
    size_t clen = ((size_t)h[4] << 8) | h[5];

    if (h[0] != 1)
        return "record version is not 1";
    if (id != d->id)
        return id == 0 ? "management record from the application" : "record for another request id";
    switch (h[1]) {
    case FCGI_STDOUT:
        if (d->stdout_ended)
            return "STDOUT record after the end of the STDOUT stream";
        break;
    case FCGI_STDERR:
        if (d->stderr_ended)
            return "STDERR record after the end of the STDERR stream";
        break;
    case FCGI_END_REQUEST:
        if (clen != 8)
            return "END_REQUEST body is not 8 bytes";
        break;
    default:
        return "record type an application does not send";
    }
    d->type = h[1];
    d->content_left = clen;
    d->padding_left = h[6];
    d->got = 0;
    return NULL;
}

size_t
fcgi_decode(struct fcgi_decoder *d, const unsigned char *in, size_t len, struct fcgi_event *ev)
{
    size_t used = 0;

    memset(ev, 0, sizeof(*ev));
    ev->kind = FCGI_EV_NONE;
    if (d->error != NULL)
        return fail(d, ev, d->error, 0);
    if (d->ended) {
        if (len > 0)
            return fail(d, ev, "bytes after END_REQUEST", 0);
        return 0;
    }
    while (used < len || (d->type != 0 && d->content_left == 0 && d->padding_left == 0)) {
        if (d->type == 0) {
            size_t take = FCGI_HEADER_LEN - d->got;
            const char *why;
            if (take > len - used)
                take = len - used;
            memcpy(d->hdr + d->got, in + used, take);
            d->got += take;
            used += take;
            if (d->got < FCGI_HEADER_LEN)
                break;
            why = start_record(d);
            if (why != NULL)
                return fail(d, ev, why, used);
            if (d->content_left == 0 && d->type == FCGI_STDOUT) {
                d->stdout_ended = true;
                ev->kind = FCGI_EV_STDOUT_END;
                if (d->padding_left == 0)
                    d->type = 0;
                return used;
            }
            if (d->content_left == 0 && d->type == FCGI_STDERR)
                d->stderr_ended = true;
            continue;
        }
        if (d->content_left > 0 && d->type == FCGI_END_REQUEST) {
            size_t take = d->content_left < len - used ? d->content_left : len - used;
            memcpy(d->body + d->got, in + used, take);
            d->got += take;
            used += take;
            d->content_left -= take;
            continue;
        }
        if (d->content_left > 0) {
            size_t take = d->content_left < len - used ? d->content_left : len - used;
            ev->kind = d->type == FCGI_STDOUT ? FCGI_EV_STDOUT : FCGI_EV_STDERR;
            ev->data = in + used;
            ev->len = take;
            used += take;
            d->content_left -= take;
            if (d->content_left == 0 && d->padding_left == 0)
                d->type = 0;
            return used;
        }
        if (d->padding_left > 0) {
            size_t take = d->padding_left < len - used ? d->padding_left : len - used;
            used += take;
            d->padding_left -= take;
            if (d->padding_left > 0)
                break;
        }
        /* the record is complete */
        if (d->type == FCGI_END_REQUEST) {
            const unsigned char *p = d->body;
            d->type = 0;
            d->ended = true;
            ev->kind = FCGI_EV_END;
            ev->app_status =
                ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
            ev->protocol_status = p[4];
            return used;
        }
        d->type = 0;
        d->got = 0;
    }
    return used;
}

/* ---- the CGI response head --------------------------------------------- */

size_t
fcgi_head_end(const char *buf, size_t len)
{
    size_t start = 0;

    while (start < len) {
        const char *nl = memchr(buf + start, '\n', len - start);
        size_t end;
        if (nl == NULL)
            return 0;
        end = (size_t)(nl - buf);
        if (end == start || (end == start + 1 && buf[start] == '\r'))
            return end + 1;
        start = end + 1;
    }
    return 0;
}

/* RFC 9110 5.6.2 tchar. */
static bool
is_tchar(unsigned char c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return true;
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool
name_is(const struct fcgi_field *f, const char *name)
{
    return strlen(name) == f->name_len && strncasecmp(f->name, name, f->name_len) == 0;
}

/* Parses "NNN[ reason]" into h. -1 when it is not a status a CGI may give. */
static int
parse_status(const struct fcgi_field *f, struct fcgi_head *h)
{
    const char *v = f->value;
    unsigned s = 0;

    if (f->value_len < 3)
        return -1;
    for (size_t i = 0; i < 3; i++) {
        if (v[i] < '0' || v[i] > '9')
            return -1;
        s = s * 10 + (unsigned)(v[i] - '0');
    }
    if (s < 200 || s > 599)
        return -1;
    if (f->value_len > 3 && v[3] != ' ')
        return -1;
    h->status = s;
    if (f->value_len > 4) {
        h->reason = v + 4;
        h->reason_len = f->value_len - 4;
    }
    return 0;
}

/* Splits one line (no line end) into *f. NULL, or why it is refused. */
static const char *
parse_line(const char *line, size_t n, struct fcgi_field *f)
{
    const char *colon = memchr(line, ':', n);
    size_t vs, ve;

    if (line[0] == ' ' || line[0] == '\t')
        return "continuation line in the response head";
    if (colon == NULL)
        return "response head line without ':'";
    if (colon == line)
        return "empty header name in the response head";
    for (const char *p = line; p < colon; p++)
        if (!is_tchar((unsigned char)*p))
            return "header name in the response head is not a token";
    vs = (size_t)(colon - line) + 1;
    ve = n;
    while (vs < ve && (line[vs] == ' ' || line[vs] == '\t'))
        vs++;
    while (ve > vs && (line[ve - 1] == ' ' || line[ve - 1] == '\t'))
        ve--;
    for (size_t i = vs; i < ve; i++) {
        unsigned char c = (unsigned char)line[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return "control character in a header value of the response head";
    }
    f->name = line;
    f->name_len = (size_t)(colon - line);
    f->value = line + vs;
    f->value_len = ve - vs;
    return NULL;
}

/* True when v[0..n) starts with an RFC 3986 scheme and ':' (an absolute URI). */
static bool
is_absolute_uri(const char *v, size_t n)
{
    size_t i = 0;

    if (n == 0 || !((v[0] >= 'a' && v[0] <= 'z') || (v[0] >= 'A' && v[0] <= 'Z')))
        return false;
    for (i = 1; i < n && v[i] != ':'; i++)
        if (!((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= 'A' && v[i] <= 'Z') ||
              (v[i] >= '0' && v[i] <= '9') || v[i] == '+' || v[i] == '-' || v[i] == '.'))
            return false;
    return i < n;
}

int
fcgi_head_parse(const char *buf, size_t len, struct fcgi_head *h, const char **why)
{
    size_t start = 0;
    bool has_status = false;

    memset(h, 0, sizeof(*h));
    *why = NULL;
    while (start < len) {
        const char *nl = memchr(buf + start, '\n', len - start);
        size_t end, n;
        struct fcgi_field f;

        if (nl == NULL) {
            *why = "response head does not end with an empty line";
            return -1;
        }
        end = (size_t)(nl - buf);
        n = end - start;
        if (n > 0 && buf[end - 1] == '\r')
            n--;
        if (memchr(buf + start, '\r', n) != NULL) {
            *why = "CR not followed by LF in the response head";
            return -1;
        }
        if (n == 0) {
            if (end + 1 != len) {
                *why = "bytes after the empty line that ends the response head";
                return -1;
            }
            break;
        }
        *why = parse_line(buf + start, n, &f);
        if (*why != NULL)
            return -1;
        start = end + 1;
        if (name_is(&f, "Status")) {
            if (has_status) {
                *why = "Status given twice";
                return -1;
            }
            has_status = true;
            if (parse_status(&f, h) != 0) {
                *why = "Status is not a status code from 200 to 599";
                return -1;
            }
            continue;
        }
        if (h->nfields == FCGI_HEAD_MAX_FIELDS) {
            *why = "too many header fields in the response head";
            return -1;
        }
        h->fields[h->nfields] = f;
        if (name_is(&f, "Location")) {
            if (h->location != NULL || f.value_len == 0) {
                *why = h->location != NULL ? "Location given twice" : "empty Location";
                return -1;
            }
            h->location = &h->fields[h->nfields];
        } else if (name_is(&f, "Content-Type")) {
            if (h->content_type != NULL || f.value_len == 0) {
                *why = h->content_type != NULL ? "Content-Type given twice" : "empty Content-Type";
                return -1;
            }
            h->content_type = &h->fields[h->nfields];
        }
        h->nfields++;
    }
    if (start >= len) {
        *why = "response head does not end with an empty line";
        return -1;
    }
    if (!has_status && h->location == NULL && h->content_type == NULL) {
        *why = "response head has neither Status, Location nor Content-Type";
        return -1;
    }
    h->kind = FCGI_RESP_DOCUMENT;
    if (h->location != NULL) {
        const char *v = h->location->value;
        size_t n = h->location->value_len;
        if (!has_status && v[0] == '/' && !(n > 1 && v[1] == '/')) {
            /* RFC 3875 6.2.2: the server serves the path itself */
            h->kind = FCGI_RESP_LOCAL_REDIRECT;
        } else if (!has_status && !is_absolute_uri(v, n)) {
            *why = "Location is neither a local path nor an absolute URI";
            return -1;
        } else {
            h->kind = FCGI_RESP_CLIENT_REDIRECT;
        }
    }
    if (!has_status)
        h->status = h->kind == FCGI_RESP_CLIENT_REDIRECT ? 302 : 200;
    return 0;
}
