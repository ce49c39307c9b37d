/*
 * proxy_hdr.c - header decisions of the reverse proxy and the strict parser
 * of upstream response heads (proxy_hdr.h).
 */
#include "proxy_hdr.h"

#include <string.h>

#include "http_chars.h"

static int
fold(int c)
{
    if (c >= 'A' && c <= 'Z')
        return c + ('a' - 'A');
    if (c == '_')
        return '-';
    return c;
}

bool
proxy_hdr_same(const char *a, size_t alen, const char *b, size_t blen)
{
    if (alen != blen)
        return false;
    for (size_t i = 0; i < alen; i++)
        if (fold((unsigned char)a[i]) != fold((unsigned char)b[i]))
            return false;
    return true;
}

static bool
name_is(const char *name, size_t len, const char *lit)
{
    size_t n = strlen(lit);

    if (n != len)
        return false;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)name[i];
        if (c >= 'A' && c <= 'Z')
            c += 'a' - 'A';
        if (c != lit[i])
            return false;
    }
    return true;
}

/* true when the comma-separated list v[0..vlen) names name (ignoring case). */
static bool
list_names(const char *v, size_t vlen, const char *name, size_t len)
{
    size_t i = 0, s, e;

    while (v != NULL && i < vlen) {
        while (i < vlen && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
            i++;
        s = i;
        while (i < vlen && v[i] != ',')
            i++;
        e = i;
        while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
            e--;
        if (e - s == len && e > s) {
            bool same = true;
            for (size_t k = 0; k < len && same; k++) {
                int a = (unsigned char)v[s + k], b = (unsigned char)name[k];
                if (a >= 'A' && a <= 'Z')
                    a += 'a' - 'A';
                if (b >= 'A' && b <= 'Z')
                    b += 'a' - 'A';
                same = a == b;
            }
            if (same)
                return true;
        }
    }
    return false;
}

/* Hop-by-hop by RFC 9110 §7.6.1 and custom (Proxy-*, Keep-Alive); Upgrade apart. */
static bool
hop_by_hop(const char *name, size_t len)
{
    return name_is(name, len, "connection") || name_is(name, len, "keep-alive") ||
           name_is(name, len, "te") || name_is(name, len, "trailer") ||
           name_is(name, len, "transfer-encoding") || (len >= 6 && name_is(name, 6, "proxy-"));
}

enum proxy_hdr_verdict
proxy_hdr_request(const struct proxy_hdr_policy *p, const char *name, size_t len)
{
    for (size_t i = 0; i < p->nowned; i++)
        if (proxy_hdr_same(name, len, p->owned[i], strlen(p->owned[i])))
            return PROXY_HDR_OWNED;
    if (!p->keep_underscore && memchr(name, '_', len) != NULL)
        return PROXY_HDR_UNDERSCORE;
    if (hop_by_hop(name, len) || (!p->upgrade && name_is(name, len, "upgrade")) ||
        list_names(p->connection, p->connection_len, name, len))
        return PROXY_HDR_HOP;
    if (name_is(name, len, "host") || name_is(name, len, "content-length") ||
        name_is(name, len, "expect") || (p->upgrade && name_is(name, len, "upgrade")))
        return PROXY_HDR_REPLACED;
    return PROXY_HDR_FORWARD;
}

bool
proxy_hdr_response_hop(const char *name, size_t len, const char *connection, size_t connection_len,
                       bool switching)
{
    if (switching && (name_is(name, len, "upgrade") || name_is(name, len, "connection")))
        return true; /* written by proxy.c for the 101 */
    return hop_by_hop(name, len) || name_is(name, len, "upgrade") ||
           name_is(name, len, "content-length") ||
           list_names(connection, connection_len, name, len);
}

/* Finds the CRLF ending the line at s (within end); NULL when absent; *bad on a bare CR/LF. */
static const char *
line_end(const char *s, const char *end, bool *bad)
{
    for (const char *p = s; p < end; p++) {
        if (*p == '\n') {
            *bad = true;
            return NULL;
        }
        if (*p == '\r') {
            if (p + 1 >= end)
                return NULL;
            if (p[1] != '\n') {
                *bad = true;
                return NULL;
            }
            return p;
        }
    }
    return NULL;
}

static int
parse_status_line(const char *s, const char *e, struct proxy_response *r)
{
    if (e - s < 12 || memcmp(s, "HTTP/1.", 7) != 0 || (s[7] != '0' && s[7] != '1') || s[8] != ' ' ||
        !IS_DIGIT(s[9]) || !IS_DIGIT(s[10]) || !IS_DIGIT(s[11]) || s[9] == '0')
        return -1;
    if (e - s > 12 && s[12] != ' ')
        return -1;
    r->minor_version = s[7] - '0';
    r->status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
    r->reason = e - s > 12 ? s + 13 : s + 12;
    r->reason_len = (size_t)(e - r->reason);
    for (size_t i = 0; i < r->reason_len; i++)
        if (!IS(r->reason[i], C_VALUE))
            return -1;
    return 0;
}

/* Framing and connection headers of the response. */
static int
note_header(struct proxy_response *r, const struct http_header *h, bool *te_seen, const char **why)
{
    if (http_header_eq(h, "content-length")) {
        uint64_t v = 0;
        if (r->content_length >= 0 || h->value_len == 0 || h->value_len > 18) {
            *why = "bad or repeated Content-Length";
            return -1;
        }
        for (size_t i = 0; i < h->value_len; i++) {
            if (!IS_DIGIT(h->value[i])) {
                *why = "bad Content-Length";
                return -1;
            }
            v = v * 10 + (uint64_t)(h->value[i] - '0');
        }
        r->content_length = (int64_t)v;
    } else if (http_header_eq(h, "transfer-encoding")) {
        const char *v = h->value;
        size_t n = h->value_len;
        /* only "chunked", or codings ending with it: anything else is not framing we can read */
        if (*te_seen || n < 7 || !name_is(v + n - 7, 7, "chunked") ||
            (n > 7 && v[n - 8] != ' ' && v[n - 8] != ',')) {
            *why = "Transfer-Encoding other than chunked";
            return -1;
        }
        *te_seen = true;
        r->chunked = true;
    } else if (http_header_eq(h, "connection")) {
        if (r->connection == NULL) {
            r->connection = h->value;
            r->connection_len = h->value_len;
        }
        if (http_token_list_has(h->value, h->value_len, "close"))
            r->close = true;
        if (r->minor_version == 0 && http_token_list_has(h->value, h->value_len, "keep-alive"))
            r->close = false;
    }
    return 0;
}

int
proxy_parse_response(const char *buf, size_t len, size_t max, struct proxy_response *r,
                     const char **why)
{
    const char *p = buf, *end = buf + (len < max ? len : max), *e, *colon, *v, *ve;
    bool bad = false, te_seen = false, ka10 = false;

    memset(r, 0, sizeof(*r));
    r->content_length = -1;
    *why = NULL;
    e = line_end(p, end, &bad);
    if (e == NULL) {
        if (bad || ((size_t)(end - p) >= 7 && memcmp(p, "HTTP/1.", 7) != 0)) {
            *why = "bad status line";
            return PROXY_PARSE_ERROR;
        }
        goto again;
    }
    if (parse_status_line(p, e, r) != 0) {
        *why = "bad status line";
        return PROXY_PARSE_ERROR;
    }
    r->close = r->minor_version == 0;
    p = e + 2;
    for (;;) {
        struct http_header *h;
        e = line_end(p, end, &bad);
        if (e == NULL) {
            if (bad) {
                *why = "bare CR or LF in the head";
                return PROXY_PARSE_ERROR;
            }
            goto again;
        }
        if (e == p)
            break;
        colon = p;
        while (colon < e && IS(*colon, C_TCHAR))
            colon++;
        if (colon == p || colon >= e || *colon != ':') {
            *why = "bad header line";
            return PROXY_PARSE_ERROR;
        }
        if (r->header_count >= PROXY_MAX_RESPONSE_HEADERS) {
            *why = "too many headers";
            return PROXY_PARSE_ERROR;
        }
        v = colon + 1;
        while (v < e && (*v == ' ' || *v == '\t'))
            v++;
        ve = e;
        while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
            ve--;
        for (const char *q = v; q < ve; q++)
            if (!IS(*q, C_VALUE)) {
                *why = "control character in a header value";
                return PROXY_PARSE_ERROR;
            }
        h = &r->headers[r->header_count++];
        h->name = p;
        h->name_len = (size_t)(colon - p);
        h->value = v;
        h->value_len = (size_t)(ve - v);
        if (r->minor_version == 0 && http_header_eq(h, "connection") &&
            http_token_list_has(v, h->value_len, "keep-alive"))
            ka10 = true;
        if (note_header(r, h, &te_seen, why) != 0)
            return PROXY_PARSE_ERROR;
        p = e + 2;
    }
    if (r->chunked && r->content_length >= 0) {
        *why = "both Content-Length and Transfer-Encoding";
        return PROXY_PARSE_ERROR;
    }
    if (r->minor_version == 0 && !ka10)
        r->close = true;
    r->head_len = (size_t)(p + 2 - buf);
    return PROXY_PARSE_DONE;
again:
    if (len >= max) {
        *why = "head larger than maxResponseHeaderSize";
        return PROXY_PARSE_ERROR;
    }
    return PROXY_PARSE_AGAIN;
}
