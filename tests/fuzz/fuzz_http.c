/*
 * fuzz_http.c - libFuzzer target for the HTTP/1.1 request parser.
 *
 * The input is a byte stream as a client would send it: pipelined request
 * heads, each followed by its Content-Length or chunked body.  It is parsed
 * as certmapd does, once with the default limits and once with small ones,
 * and these invariants are checked (abort on violation):
 *  - the verdict is one of the documented statuses; a parsed head lies
 *    inside the input, ends with CRLF CRLF, and every pointer of the request
 *    points into it; header names are tokens and values are trimmed and
 *    free of CR, LF and NUL; the framing is never both chunked and sized;
 *  - every prefix of a head either needs more data or gets the verdict of
 *    the whole input (so byte-by-byte arrival changes nothing);
 *  - a chunked body decodes to the same bytes, the same end and the same
 *    verdict whether fed at once, byte by byte or in pieces, never writes
 *    past its data nor touches the bytes after the body;
 *  - HTTP dates: whatever http_parse_http_date() accepts is a valid time,
 *    and http_date() output parses back to the same time.
 * Every buffer handed to the parser is an exact-size heap copy, so ASan
 * catches any read past the data.
 *
 * Build (needs http.c, http_chunked.c and codec.c; tests/fuzz/build.sh reads the next line):
 * fuzz-sources: src/server/http.c src/server/http_chunked.c src/lib/codec.c
 *   clang-14 -g -O1 -fsanitize=fuzzer,address,undefined -I include -I src/lib \
 *       -I src/server tests/fuzz/fuzz_http.c src/server/http.c \
 *       src/server/http_chunked.c src/lib/codec.c \
 *       -o build-fuzz/fuzz_http
 * Run: build-fuzz/fuzz_http tests/fuzz/corpus/http
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "http_chunked.h"

#define MAX_REQUESTS 16

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_http: invariant failed at line %d: %s\n", __LINE__, #cond);      \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static bool
is_tchar(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static void
check_span(const char *base, size_t len, const char *p, size_t n)
{
    CHECK(p >= base && n <= len && (size_t)(p - base) <= len - n);
}

static void
check_request(const char *buf, size_t len, const struct http_limits *lim,
              const struct http_request *r)
{
    unsigned i,
        max_headers = lim->max_headers < HTTP_MAX_HEADERS ? lim->max_headers : HTTP_MAX_HEADERS;
    size_t k;

    CHECK(r->head_len >= 4 && r->head_len <= len);
    CHECK(memcmp(buf + r->head_len - 4, "\r\n\r\n", 4) == 0 ||
          (r->header_count == 0 && memcmp(buf + r->head_len - 2, "\r\n", 2) == 0));
    len = r->head_len;
    CHECK(r->method_len > 0);
    check_span(buf, len, r->method_str, r->method_len);
    check_span(buf, len, r->target, r->target_len);
    if (r->path == r->target || (r->path >= buf && r->path < buf + len))
        check_span(buf, len, r->path, r->path_len);
    else
        CHECK(r->form == HTTP_T_ABSOLUTE && r->path_len == 1 && r->path[0] == '/');
    if (r->query != NULL)
        check_span(buf, len, r->query, r->query_len);
    if (r->host != NULL)
        check_span(buf, len, r->host, r->host_len);
    CHECK(r->minor_version == 0 || r->minor_version == 1);
    CHECK(r->minor_version == 0 || r->host != NULL);
    CHECK(r->header_count <= max_headers);
    CHECK(r->content_length >= -1 &&
          (r->content_length < 0 || (uint64_t)r->content_length <= lim->max_body));
    CHECK(!(r->chunked && r->content_length >= 0));
    CHECK(!r->chunked || r->minor_version == 1);
    for (i = 0; i < r->header_count; i++) {
        const struct http_header *h = &r->headers[i];

        CHECK(h->name_len > 0);
        check_span(buf, len, h->name, h->name_len);
        check_span(buf, len, h->value, h->value_len);
        for (k = 0; k < h->name_len; k++)
            CHECK(is_tchar((unsigned char)h->name[k]));
        for (k = 0; k < h->value_len; k++)
            CHECK(h->value[k] != '\r' && h->value[k] != '\n' && h->value[k] != '\0');
        if (h->value_len > 0) {
            CHECK(h->value[0] != ' ' && h->value[0] != '\t');
            CHECK(h->value[h->value_len - 1] != ' ' && h->value[h->value_len - 1] != '\t');
        }
        CHECK(http_find_header(r, "x") == NULL || http_header_eq(http_find_header(r, "x"), "X"));
    }
}

/* Every prefix (sampled when long) must need more data or agree. */
static void
check_prefixes(const char *buf, size_t len, const struct http_limits *lim, int ret, int status,
               size_t head_len)
{
    static struct http_request r;
    size_t k, step = len <= 512 ? 1 : len / 256;
    int r2, st2;
    char *p;

    for (k = 0; k < len; k += step) {
        p = malloc(k ? k : 1);
        CHECK(p != NULL);
        memcpy(p, buf, k);
        r2 = http_parse_head(p, k, lim, &r, &st2);
        free(p);
        if (r2 == HTTP_PARSE_AGAIN) {
            CHECK(st2 == 0);
            CHECK(ret != HTTP_PARSE_DONE || k < head_len);
            continue;
        }
        CHECK(r2 == ret && st2 == status);
        CHECK(r2 != HTTP_PARSE_DONE || (r.head_len == head_len && k >= head_len));
    }
}

struct decoded {
    int ret;
    int status;
    size_t consumed;
    char *data;
    size_t data_len;
};

/* Decodes body[0..len) fed in pieces of piece bytes (0: all at once). */
static void
decode(const char *body, size_t len, uint64_t max_body, size_t piece, struct decoded *d)
{
    struct http_chunked c;
    size_t off = 0, n, got, used;
    char *p;

    http_chunked_init(&c, max_body);
    d->ret = HTTP_CHUNK_AGAIN;
    d->data = malloc(len ? len : 1);
    d->data_len = 0;
    CHECK(d->data != NULL);
    while (off < len && d->ret == HTTP_CHUNK_AGAIN) {
        n = piece == 0 || len - off < piece ? len - off : piece;
        p = malloc(n);
        CHECK(p != NULL);
        memcpy(p, body + off, n);
        got = n;
        d->ret = http_chunked_decode(&c, p, &got, &used);
        CHECK(got <= used && used <= n);
        CHECK(d->ret != HTTP_CHUNK_AGAIN || used == n);
        CHECK(memcmp(p + used, body + off + used, n - used) == 0);
        memcpy(d->data + d->data_len, p, got);
        d->data_len += got;
        off += used;
        free(p);
    }
    d->consumed = off;
    d->status = d->ret == HTTP_CHUNK_ERROR ? c.status : 0;
    CHECK(d->ret != HTTP_CHUNK_ERROR || d->status == 400 || d->status == 413 || d->status == 431);
    CHECK(d->data_len <= max_body);
}

/* Decodes the chunked body at body[0..len) three ways; returns the bytes
 * it takes, or -1 when the connection would close. */
static long
check_chunked(const char *body, size_t len, uint64_t max_body, size_t piece)
{
    struct decoded a, b, c;
    long ret;

    decode(body, len, max_body, 0, &a);
    decode(body, len, max_body, 1, &b);
    decode(body, len, max_body, piece, &c);
    CHECK(a.ret == b.ret && a.ret == c.ret && a.status == b.status && a.status == c.status);
    if (a.ret != HTTP_CHUNK_ERROR) {
        CHECK(a.consumed == b.consumed && a.consumed == c.consumed);
        CHECK(a.data_len == b.data_len && a.data_len == c.data_len);
        CHECK(memcmp(a.data, b.data, a.data_len) == 0 && memcmp(a.data, c.data, a.data_len) == 0);
    }
    ret = a.ret == HTTP_CHUNK_DONE ? (long)a.consumed : -1;
    free(a.data);
    free(b.data);
    free(c.data);
    return ret;
}

/* Parses the stream as a sequence of pipelined requests. */
static void
run_stream(const uint8_t *data, size_t size, const struct http_limits *lim)
{
    static struct http_request r;
    size_t off = 0, rest;
    long used;
    int i, ret, status;
    char *buf;

    for (i = 0; i < MAX_REQUESTS && off < size; i++) {
        rest = size - off;
        buf = malloc(rest);
        CHECK(buf != NULL);
        memcpy(buf, data + off, rest);
        ret = http_parse_head(buf, rest, lim, &r, &status);
        CHECK(ret == HTTP_PARSE_DONE || ret == HTTP_PARSE_AGAIN || ret == HTTP_PARSE_ERROR);
        if (ret == HTTP_PARSE_ERROR)
            CHECK(status == 400 || status == 413 || status == 414 || status == 431 ||
                  status == 501 || status == 505);
        else
            CHECK(status == 0);
        if (ret == HTTP_PARSE_DONE)
            check_request(buf, rest, lim, &r);
        if (rest <= 8192)
            check_prefixes(buf, rest, lim, ret, status, ret == HTTP_PARSE_DONE ? r.head_len : 0);
        if (ret != HTTP_PARSE_DONE) {
            free(buf);
            return;
        }
        off += r.head_len;
        if (r.chunked) {
            used = check_chunked(buf + r.head_len, rest - r.head_len, lim->max_body, 2 + rest % 13);
            if (used < 0) {
                free(buf);
                return;
            }
            off += (size_t)used;
        } else if (r.content_length > 0) {
            off += (uint64_t)r.content_length < rest - r.head_len ? (size_t)r.content_length
                                                                  : rest - r.head_len;
        }
        free(buf);
    }
}

static void
check_dates(const uint8_t *data, size_t size)
{
    char *s = malloc(size ? size : 1), out[30];
    time_t t = 0, t2 = 0;

    CHECK(s != NULL);
    memcpy(s, data, size);
    if (http_parse_http_date(s, size, &t) == 0) {
        CHECK(size == 24 || size == 29 || (size >= 30 && size <= 33));
        if (http_date(t, out) == 29) {
            CHECK(http_parse_http_date(out, 29, &t2) == 0 && t2 == t);
        }
    }
    free(s);
    if (size >= 8) {
        memcpy(&t, data, sizeof(t));
        if (http_date(t, out) == 29)
            CHECK(strlen(out) == 29 && http_parse_http_date(out, 29, &t2) == 0 && t2 == t);
        else
            CHECK(out[0] == '\0');
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct http_limits small = {64, 128, 4, 1000};
    struct http_limits def;

    http_limits_default(&def);
    run_stream(data, size, &def);
    run_stream(data, size, &small);
    check_dates(data, size);
    return 0;
}
