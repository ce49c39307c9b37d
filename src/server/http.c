/*
 * http.c - strict HTTP/1.1 request parser (see http.h for the contract).
 *
 * One pass, left to right, over the bytes received so far.  Every character
 * class test is one lookup in a table, so the hot loops (target, header
 * names and values) make no function call per byte.  Each header line is
 * checked for meaning (Host, Content-Length, Transfer-Encoding...) as soon
 * as it is complete, so a bad head is refused before its end arrives, and
 * the verdict on a prefix of the input never differs from the verdict on
 * the whole input (tested byte by byte).
 *
 * Why this file stays whole (a little over STYLE's ~800 lines): it is one
 * job, the request head, with the character table of RFC 9110 at its top
 * (about 40 lines of data).  The chunked body decoder already lives in
 * http_chunked.c; the HTTP date functions (about 150 lines, used by the
 * static handler's validators) are the next seam if the file grows.
 */
#include "http.h"

#include <string.h>

#include "codec.h"
#include "http_chars.h"

/* Generated from the ABNF of RFC 9110 and RFC 3986; test_http.c rebuilds it
 * from the definitions and compares. */
const unsigned char http_cls[256] = {
    0,  0,  0,  0,  0,  0,  0,  0,  0,  36, 0,  0,  0,  0,  0,  0,  /* 0x00 */
    0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  /* 0x10 */
    36, 55, 4,  37, 55, 37, 55, 55, 54, 54, 55, 55, 38, 55, 55, 38, /* 0x20 */
    63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 38, 54, 36, 54, 36, 38, /* 0x30 */
    38, 63, 63, 63, 63, 63, 63, 55, 55, 55, 55, 55, 55, 55, 55, 55, /* 0x40 */
    55, 55, 55, 55, 55, 55, 55, 55, 55, 55, 55, 38, 4,  38, 37, 55, /* 0x50 */
    37, 63, 63, 63, 63, 63, 63, 55, 55, 55, 55, 55, 55, 55, 55, 55, /* 0x60 */
    55, 55, 55, 55, 55, 55, 55, 55, 55, 55, 55, 36, 37, 36, 55, 0,  /* 0x70 */
    36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, /* 0x80 */
    36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, /* 0x90 */
    36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, /* 0xa0 */
    36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, /* 0xb0 */
    36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, /* 0xc0 */
    36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, /* 0xd0 */
    36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, /* 0xe0 */
    36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, /* 0xf0 */
};

/* Meaning collected from the header lines while they are parsed. */
struct head_state {
    bool host_seen;
    bool te_seen;
    bool te_chunked;   /* "chunked" seen (it must then be the last coding) */
    bool te_unknown;   /* a coding we do not implement: 501 once the head is valid */
    bool conn_close;   /* Connection: close */
    bool conn_keep;    /* Connection: keep-alive */
    const char *hhost; /* the Host header value */
    size_t hhost_len;
};

static const char root_path[] = "/";

void
http_limits_default(struct http_limits *lim)
{
    lim->max_request_line = HTTP_DEFAULT_MAX_REQUEST_LINE;
    lim->max_header_bytes = HTTP_DEFAULT_MAX_HEADER_BYTES;
    lim->max_headers = HTTP_DEFAULT_MAX_HEADERS;
    lim->max_body = HTTP_DEFAULT_MAX_BODY;
}

static inline unsigned char
lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c | 0x20) : c;
}

/* s[0..n) equals the NUL-terminated lower-case lit, ignoring ASCII case. */
static bool
ci_eq(const char *s, size_t n, const char *lit)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (lit[i] == '\0' || lower((unsigned char)s[i]) != (unsigned char)lit[i])
            return false;
    }
    return lit[n] == '\0';
}

static enum http_method
method_of(const char *m, size_t n)
{
    static const struct {
        const char *name;
        size_t len;
        enum http_method method;
    } methods[] = {
        {"GET", 3, HTTP_M_GET},     {"HEAD", 4, HTTP_M_HEAD},     {"POST", 4, HTTP_M_POST},
        {"PUT", 3, HTTP_M_PUT},     {"DELETE", 6, HTTP_M_DELETE}, {"OPTIONS", 7, HTTP_M_OPTIONS},
        {"PATCH", 5, HTTP_M_PATCH}, {"TRACE", 5, HTTP_M_TRACE},   {"CONNECT", 7, HTTP_M_CONNECT},
    };
    size_t i;

    for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
        if (methods[i].len == n && memcmp(methods[i].name, m, n) == 0)
            return methods[i].method;
    }
    return HTTP_M_OTHER;
}

/*
 * host [":" port] with host an IP-literal ("[" IPv6 "]") or a non-empty
 * reg-name whose percent-encodings are well formed.  Userinfo ("@") and ','
 * are refused: a Host that one reader could take for a list or a user is
 * ambiguous.  need_port: the port must be present (authority form).
 */
static bool
authority_valid(const char *s, size_t n, bool need_port)
{
    size_t i = 0, digits;

    if (n > 0 && s[0] == '[') {
        for (i = 1; i < n && s[i] != ']'; i++) {
            if (!IS(s[i], C_HEX) && s[i] != ':' && s[i] != '.')
                return false;
        }
        if (i == n || i == 1)
            return false;
        i++;
    } else {
        while (i < n) {
            if (IS(s[i], C_REGNAME)) {
                i++;
            } else if (s[i] == '%' && i + 2 < n && IS(s[i + 1], C_HEX) && IS(s[i + 2], C_HEX)) {
                i += 3;
            } else {
                break;
            }
        }
        if (i == 0)
            return false;
    }
    if (i == n)
        return !need_port;
    if (s[i] != ':')
        return false;
    for (i++, digits = 0; i < n; i++, digits++) {
        if (!IS_DIGIT(s[i]) || digits == 5)
            return false;
    }
    return !need_port || digits > 0;
}

/* Sets path and query from an origin-form path (starting with '/'). */
static void
split_path_query(struct http_request *req, const char *p, size_t n)
{
    const char *q = memchr(p, '?', n);

    req->path = p;
    req->path_len = q == NULL ? n : (size_t)(q - p);
    if (q != NULL) {
        req->query = q + 1;
        req->query_len = n - req->path_len - 1;
    }
}

/* Classifies req->target (RFC 9112 §3.2); 0 or 400. */
static int
parse_target(struct http_request *req)
{
    const char *t = req->target;
    size_t n = req->target_len, i, a, j;

    req->query = NULL;
    req->query_len = 0;
    req->host = NULL;
    req->host_len = 0;
    if (req->method == HTTP_M_CONNECT) {
        if (!authority_valid(t, n, true))
            return 400;
        req->form = HTTP_T_AUTHORITY;
        req->path = req->host = t;
        req->path_len = req->host_len = n;
        return 0;
    }
    if (n == 1 && t[0] == '*') {
        if (req->method != HTTP_M_OPTIONS)
            return 400;
        req->form = HTTP_T_ASTERISK;
        req->path = t;
        req->path_len = 1;
        return 0;
    }
    if (t[0] == '/') {
        req->form = HTTP_T_ORIGIN;
        split_path_query(req, t, n);
        return 0;
    }
    /* absolute-form: only our own schemes make sense for an origin server */
    for (i = 0; i < n && t[i] != ':'; i++)
        ;
    if (!ci_eq(t, i, "http") && !ci_eq(t, i, "https"))
        return 400;
    if (n - i < 3 || memcmp(t + i, "://", 3) != 0)
        return 400;
    a = i + 3;
    for (j = a; j < n && t[j] != '/' && t[j] != '?'; j++)
        ;
    if (!authority_valid(t + a, j - a, false))
        return 400;
    req->form = HTTP_T_ABSOLUTE;
    req->host = t + a;
    req->host_len = j - a;
    if (j < n && t[j] == '/') {
        split_path_query(req, t + j, n - j);
    } else {
        req->path = root_path;
        req->path_len = 1;
        if (j < n) {
            req->query = t + j + 1;
            req->query_len = n - j - 1;
        }
    }
    return 0;
}

/*
 * The request line.  Its bytes are read only up to end, the first offset
 * that the longest allowed line cannot reach (max_line + 1; the line's CR may
 * sit at max_line, its LF is read from beyond).  Needing a byte at end means
 * the line is too long whatever follows: 414 at once, and a byte past end
 * can never turn that verdict into another, so any split of the input gives
 * the same result.  Returns HTTP_PARSE_* and, when done, the offset after
 * the CRLF in *pos.
 */
static int
parse_request_line(const char *buf, size_t len, size_t max_line, struct http_request *req,
                   size_t *pos, int *status)
{
    static const char version[] = "HTTP/x.y\r\n";
    size_t end = max_line < len ? max_line + 1 : len;
    size_t p = 0, start, i;

    while (p < end && buf[p] == '\r') {
        if (p + 1 == len)
            return HTTP_PARSE_AGAIN;
        if (buf[p + 1] != '\n')
            goto bad;
        p += 2;
    }
    start = p;
    while (p < end && IS(buf[p], C_TCHAR))
        p++;
    if (p >= end)
        goto again;
    if (buf[p] != ' ' || p == start)
        goto bad;
    req->method_str = buf + start;
    req->method_len = p - start;
    req->method = method_of(req->method_str, req->method_len);
    start = ++p;
    for (;;) {
        while (p < end && IS(buf[p], C_TARGET))
            p++;
        if (p == end)
            goto again;
        if (buf[p] != '%')
            break;
        if (p + 1 == end)
            goto again;
        if (!IS(buf[p + 1], C_HEX))
            goto bad;
        if (p + 2 == end)
            goto again;
        if (!IS(buf[p + 2], C_HEX))
            goto bad;
        p += 3;
    }
    if (buf[p] != ' ' || p == start)
        goto bad;
    req->target = buf + start;
    req->target_len = p - start;
    *status = parse_target(req);
    if (*status != 0)
        return HTTP_PARSE_ERROR;
    p++;
    for (i = 0; i < sizeof(version) - 1; i++, p++) {
        if (i == 9 && p == len)
            return HTTP_PARSE_AGAIN; /* the LF after a CR within the limit */
        if (i < 9 && p == end)
            goto again;
        if (i == 5 || i == 7) {
            if (!IS_DIGIT(buf[p]))
                goto bad;
        } else if (buf[p] != version[i]) {
            goto bad;
        }
    }
    if (buf[p - 5] != '1' || buf[p - 3] > '1') {
        *status = 505;
        return HTTP_PARSE_ERROR;
    }
    req->minor_version = buf[p - 3] - '0';
    *pos = p;
    return HTTP_PARSE_DONE;
again:
    if (end > max_line) {
        *status = 414;
        return HTTP_PARSE_ERROR;
    }
    return HTTP_PARSE_AGAIN;
bad:
    *status = 400;
    return HTTP_PARSE_ERROR;
}

/* Content-Length = 1*DIGIT, at most INT64_MAX; -1 when invalid. */
static int64_t
parse_content_length(const char *v, size_t n)
{
    int64_t x = 0;
    size_t i;

    if (n == 0)
        return -1;
    for (i = 0; i < n; i++) {
        if (!IS_DIGIT(v[i]) || x > (INT64_MAX - (v[i] - '0')) / 10)
            return -1;
        x = x * 10 + (v[i] - '0');
    }
    return x;
}

/* One Transfer-Encoding line, a comma list of codings; 0 or 400. */
static int
on_transfer_encoding(struct head_state *st, const char *v, size_t n)
{
    size_t i = 0, start;

    for (;;) {
        while (i < n && (v[i] == ' ' || v[i] == '\t'))
            i++;
        start = i;
        while (i < n && IS(v[i], C_TCHAR))
            i++;
        if (i == start)
            return 400; /* empty element, or parameters, or junk */
        if (ci_eq(v + start, i - start, "chunked")) {
            if (st->te_chunked)
                return 400; /* chunked twice */
            st->te_chunked = true;
        } else if (st->te_chunked) {
            return 400; /* chunked must be the final coding */
        } else if (ci_eq(v + start, i - start, "identity")) {
            return 400; /* removed from HTTP, and a classic smuggling disguise */
        } else {
            st->te_unknown = true;
        }
        while (i < n && (v[i] == ' ' || v[i] == '\t'))
            i++;
        if (i == n)
            break;
        if (v[i] != ',')
            return 400;
        i++;
    }
    st->te_seen = true;
    return 0;
}

/* The meaning of one complete header line; 0 or the error status. */
static int
on_header(struct http_request *req, struct head_state *st, const struct http_header *h,
          const struct http_limits *lim)
{
    switch (h->name_len) {
    case 4:
        if (!ci_eq(h->name, 4, "host"))
            break;
        if (st->host_seen)
            return 400;
        st->host_seen = true;
        if (h->value_len > 0 && !authority_valid(h->value, h->value_len, false))
            return 400;
        st->hhost = h->value;
        st->hhost_len = h->value_len;
        break;
    case 6:
        if (!ci_eq(h->name, 6, "expect"))
            break;
        if (ci_eq(h->value, h->value_len, "100-continue"))
            req->expect_continue = req->minor_version == 1; /* RFC 9110 §10.1.1 */
        else
            req->expect_other = true;
        break;
    case 10:
        if (!ci_eq(h->name, 10, "connection"))
            break;
        if (http_token_list_has(h->value, h->value_len, "close"))
            st->conn_close = true;
        if (http_token_list_has(h->value, h->value_len, "keep-alive"))
            st->conn_keep = true;
        break;
    case 14:
        if (!ci_eq(h->name, 14, "content-length"))
            break;
        if (req->content_length >= 0 || st->te_seen)
            return 400;
        req->content_length = parse_content_length(h->value, h->value_len);
        if (req->content_length < 0)
            return 400;
        if ((uint64_t)req->content_length > lim->max_body)
            return 413;
        break;
    case 17:
        if (!ci_eq(h->name, 17, "transfer-encoding"))
            break;
        /* RFC 9112 §6.1: in HTTP/1.0 the framing is then faulty */
        if (req->content_length >= 0 || req->minor_version == 0)
            return 400;
        return on_transfer_encoding(st, h->value, h->value_len);
    default:
        break;
    }
    return 0;
}

/*
 * The header lines from hs on, up to the empty line.  As for the request
 * line, bytes are read only up to end, the first offset that the CR of the
 * final empty line of the largest allowed header section cannot reach;
 * needing a byte there is 431 at once, and the verdict does not depend on
 * how the input is split.
 */
static int
parse_headers(const char *buf, size_t len, size_t hs, const struct http_limits *lim,
              struct http_request *req, struct head_state *st, int *status)
{
    unsigned max_headers =
        lim->max_headers < HTTP_MAX_HEADERS ? lim->max_headers : HTTP_MAX_HEADERS;
    size_t last =
        lim->max_header_bytes > SIZE_MAX - 1 - hs ? SIZE_MAX - 1 : hs + lim->max_header_bytes;
    size_t end = last < len ? last + 1 : len;
    size_t p = hs, start, vend;
    struct http_header *h;

    for (;;) {
        if (p >= end)
            goto again;
        if (buf[p] == '\r') {
            if (p + 1 == len)
                return HTTP_PARSE_AGAIN;
            if (buf[p + 1] != '\n')
                goto bad;
            req->head_len = p + 2;
            return HTTP_PARSE_DONE;
        }
        if (!IS(buf[p], C_TCHAR))
            goto bad; /* obs-fold, whitespace before a name, bare LF, ":x" */
        if (req->header_count == max_headers) {
            *status = 431;
            return HTTP_PARSE_ERROR;
        }
        h = &req->headers[req->header_count];
        h->name = buf + p;
        while (p < end && IS(buf[p], C_TCHAR))
            p++;
        if (p == end)
            goto again;
        if (buf[p] != ':')
            goto bad; /* includes whitespace before the colon */
        h->name_len = (size_t)(buf + p - h->name);
        p++;
        while (p < end && (buf[p] == ' ' || buf[p] == '\t'))
            p++;
        start = p;
        while (p < end && IS(buf[p], C_VALUE))
            p++;
        if (p == end)
            goto again;
        if (buf[p] != '\r')
            goto bad; /* NUL, CTL or bare LF in the value */
        if (p + 1 == len)
            return HTTP_PARSE_AGAIN;
        if (buf[p + 1] != '\n')
            goto bad;
        if (p + 2 - hs > lim->max_header_bytes) {
            *status = 431;
            return HTTP_PARSE_ERROR;
        }
        h->value = buf + start;
        for (vend = p; vend > start && (buf[vend - 1] == ' ' || buf[vend - 1] == '\t'); vend--)
            ;
        h->value_len = vend - start;
        p += 2;
        req->header_count++;
        *status = on_header(req, st, h, lim);
        if (*status != 0)
            return HTTP_PARSE_ERROR;
    }
again:
    if (end > last) {
        *status = 431;
        return HTTP_PARSE_ERROR;
    }
    return HTTP_PARSE_AGAIN;
bad:
    *status = 400;
    return HTTP_PARSE_ERROR;
}

/* Checks that need the whole head, and the derived fields; 0 or status. */
static int
finish_head(struct http_request *req, const struct head_state *st)
{
    if (req->minor_version == 1 && !st->host_seen)
        return 400; /* RFC 9112 §3.2 */
    if (st->te_seen && st->te_unknown)
        return 501; /* RFC 9112 §6.1 */
    req->chunked = st->te_seen;
    if (req->host == NULL && st->host_seen) {
        req->host = st->hhost;
        req->host_len = st->hhost_len;
    }
    if (req->minor_version == 1)
        req->keep_alive = !st->conn_close;
    else
        req->keep_alive = st->conn_keep && !st->conn_close;
    return 0;
}

int
http_parse_head(const char *buf, size_t len, const struct http_limits *lim,
                struct http_request *req, int *status)
{
    struct http_limits deflim;
    struct head_state st = {0};
    size_t hs = 0;
    int ret;

    if (lim == NULL) {
        http_limits_default(&deflim);
        lim = &deflim;
    }
    *status = 0;
    req->header_count = 0;
    req->content_length = -1;
    req->chunked = false;
    req->keep_alive = false;
    req->expect_continue = false;
    req->expect_other = false;
    req->head_len = 0;
    ret = parse_request_line(buf, len, lim->max_request_line, req, &hs, status);
    if (ret != HTTP_PARSE_DONE)
        return ret;
    ret = parse_headers(buf, len, hs, lim, req, &st, status);
    if (ret != HTTP_PARSE_DONE)
        return ret;
    *status = finish_head(req, &st);
    return *status == 0 ? HTTP_PARSE_DONE : HTTP_PARSE_ERROR;
}

/* ---- helpers ---- */

static const struct {
    int status;
    const char *phrase;
} reasons[] = {
    {100, "Continue"},
    {101, "Switching Protocols"},
    {200, "OK"},
    {201, "Created"},
    {202, "Accepted"},
    {204, "No Content"},
    {206, "Partial Content"},
    {301, "Moved Permanently"},
    {302, "Found"},
    {303, "See Other"},
    {304, "Not Modified"},
    {307, "Temporary Redirect"},
    {308, "Permanent Redirect"},
    {400, "Bad Request"},
    {401, "Unauthorized"},
    {403, "Forbidden"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {406, "Not Acceptable"},
    {408, "Request Timeout"},
    {409, "Conflict"},
    {410, "Gone"},
    {411, "Length Required"},
    {412, "Precondition Failed"},
    {413, "Content Too Large"},
    {414, "URI Too Long"},
    {415, "Unsupported Media Type"},
    {416, "Range Not Satisfiable"},
    {417, "Expectation Failed"},
    {421, "Misdirected Request"},
    {426, "Upgrade Required"},
    {428, "Precondition Required"},
    {429, "Too Many Requests"},
    {431, "Request Header Fields Too Large"},
    {500, "Internal Server Error"},
    {501, "Not Implemented"},
    {502, "Bad Gateway"},
    {503, "Service Unavailable"},
    {504, "Gateway Timeout"},
    {505, "HTTP Version Not Supported"},
};

const char *
http_reason(int status)
{
    size_t i;

    for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
        if (reasons[i].status == status)
            return reasons[i].phrase;
    }
    return "Unknown";
}

static const char wkday_names[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char month_names[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

static char *
put_digits(char *p, int v, int n)
{
    int i;

    for (i = n - 1; i >= 0; i--, v /= 10)
        p[i] = (char)('0' + v % 10);
    return p + n;
}

/*
 * The proleptic Gregorian date of day z counted from 1970-01-01: eras of
 * 400 years (146 097 days) starting on March 1st, so that the leap day is
 * each year's last.  gmtime_r() costs ~400 instructions, and every response
 * with a file carries a Last-Modified.
 */
static void
civil_from_days(long long z, long long *y, int *m, int *d)
{
    long long era, yy;
    unsigned doe, yoe, doy, mp;

    z += 719468; /* days from 0000-03-01 to 1970-01-01 */
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = (unsigned)(z - era * 146097);
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    yy = (long long)yoe + era * 400;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = mp < 10 ? (int)mp + 3 : (int)mp - 9;
    *y = yy + (*m <= 2);
}

size_t
http_date(time_t t, char out[30])
{
    long long days = (long long)t / 86400, secs = (long long)t % 86400, year;
    int month, mday, wday;
    char *p = out;

    if (secs < 0) {
        secs += 86400;
        days--;
    }
    civil_from_days(days, &year, &month, &mday);
    if (year < 0 || year > 9999) {
        out[0] = '\0';
        return 0;
    }
    wday = (int)((days % 7 + 11) % 7); /* 1970-01-01 was a Thursday (4) */
    memcpy(p, wkday_names[wday], 3);
    memcpy(p + 3, ", ", 2);
    p = put_digits(p + 5, mday, 2);
    *p++ = ' ';
    memcpy(p, month_names[month - 1], 3);
    p[3] = ' ';
    p = put_digits(p + 4, (int)year, 4);
    *p++ = ' ';
    p = put_digits(p, (int)(secs / 3600), 2);
    *p++ = ':';
    p = put_digits(p, (int)(secs / 60 % 60), 2);
    *p++ = ':';
    p = put_digits(p, (int)(secs % 60), 2);
    memcpy(p, " GMT", 5);
    return 29;
}

/* Index of the 3-letter name s in names (case-sensitive, RFC 9110 §5.6.7), or -1. */
static int
name_index(const char *s, const char (*names)[4], int count)
{
    int i;

    for (i = 0; i < count; i++) {
        if (memcmp(s, names[i], 3) == 0)
            return i;
    }
    return -1;
}

static int
digits_at(const char *s, int n)
{
    int i, v = 0;

    for (i = 0; i < n; i++) {
        if (!IS_DIGIT(s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* "HH:MM:SS" into seconds of the day, or -1. */
static int
parse_clock(const char *s)
{
    int h = digits_at(s, 2), m = digits_at(s + 3, 2), sec = digits_at(s + 6, 2);

    if (s[2] != ':' || s[5] != ':' || h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 60)
        return -1;
    return h * 3600 + m * 60 + sec; /* 60: a leap second, counted into the next minute */
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian), m 1..12. */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int
make_time(int y, int mon, int d, int secs, time_t *out)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

    if (y < 0 || mon < 0 || d < 1 || d > mdays[mon] + (mon == 1 && leap) || secs < 0)
        return -1;
    *out = (time_t)(days_from_civil(y, mon + 1, d) * 86400 + secs);
    return 0;
}

/* rfc850-date: the two-digit year, read as RFC 9110 §5.6.7 asks. */
static int
full_year(int yy)
{
    time_t now = time(NULL);
    struct tm tm;
    int cy, y;

    if (gmtime_r(&now, &tm) == NULL)
        return 1900 + yy;
    cy = tm.tm_year + 1900;
    y = cy - cy % 100 + yy;
    return y > cy + 50 ? y - 100 : y;
}

int
http_parse_http_date(const char *s, size_t len, time_t *out)
{
    static const char *long_days[7] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                       "Thursday", "Friday", "Saturday"};
    size_t i, dl;

    if (len == 29) { /* IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT */
        if (name_index(s, wkday_names, 7) < 0 || memcmp(s + 3, ", ", 2) != 0 || s[7] != ' ' ||
            s[11] != ' ' || s[16] != ' ' || memcmp(s + 25, " GMT", 4) != 0)
            return -1;
        return make_time(digits_at(s + 12, 4), name_index(s + 8, month_names, 12),
                         digits_at(s + 5, 2), parse_clock(s + 17), out);
    }
    if (len == 24) { /* asctime: Sun Nov  6 08:49:37 1994 */
        if (name_index(s, wkday_names, 7) < 0 || s[3] != ' ' || s[7] != ' ' || s[10] != ' ' ||
            s[19] != ' ' || !IS_DIGIT(s[9]) || (s[8] != ' ' && !IS_DIGIT(s[8])))
            return -1;
        return make_time(digits_at(s + 20, 4), name_index(s + 4, month_names, 12),
                         digits_at(s + (s[8] == ' ' ? 9 : 8), s[8] == ' ' ? 1 : 2),
                         parse_clock(s + 11), out);
    }
    for (i = 0; i < 7; i++) { /* rfc850: Sunday, 06-Nov-94 08:49:37 GMT */
        dl = strlen(long_days[i]);
        if (len == dl + 24 && memcmp(s, long_days[i], dl) == 0)
            break;
    }
    if (i == 7)
        return -1;
    s += dl;
    if (memcmp(s, ", ", 2) != 0 || s[4] != '-' || s[8] != '-' || s[11] != ' ' ||
        memcmp(s + 20, " GMT", 4) != 0 || digits_at(s + 9, 2) < 0)
        return -1;
    return make_time(full_year(digits_at(s + 9, 2)), name_index(s + 5, month_names, 12),
                     digits_at(s + 2, 2), parse_clock(s + 12), out);
}

bool
http_header_eq(const struct http_header *h, const char *name)
{
    size_t i, n = strlen(name);

    if (n != h->name_len)
        return false;
    for (i = 0; i < n; i++) {
        if (lower((unsigned char)h->name[i]) != lower((unsigned char)name[i]))
            return false;
    }
    return true;
}

const struct http_header *
http_find_header(const struct http_request *r, const char *name)
{
    unsigned i;

    for (i = 0; i < r->header_count; i++) {
        if (http_header_eq(&r->headers[i], name))
            return &r->headers[i];
    }
    return NULL;
}

bool
http_token_list_has(const char *v, size_t len, const char *token)
{
    size_t i = 0, start, end, tl = strlen(token), k;

    while (i < len) {
        while (i < len && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
            i++;
        start = i;
        while (i < len && v[i] != ',')
            i++;
        end = i;
        while (end > start && (v[end - 1] == ' ' || v[end - 1] == '\t'))
            end--;
        if (end - start != tl || tl == 0)
            continue;
        for (k = 0; k < tl && lower((unsigned char)v[start + k]) == lower((unsigned char)token[k]);
             k++)
            ;
        if (k == tl)
            return true;
    }
    return false;
}
