/* Unit tests for src/server/http.c, the strict HTTP/1.1 request parser, and
 * src/server/http_chunked.c, the chunked body decoder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../src/server/http.c"
#include "../../src/server/http_chunked.c"

/* A string literal and its length, embedded NULs included. */
#define S(x) x, sizeof(x) - 1

static struct http_limits deflim;

/* Every prefix of s is parsed from an exact-size heap copy (so that ASan
 * catches a read past the data) and must either ask for more data or give
 * the verdict of the whole input: feeding bytes one by one or all at once
 * ends the same way.  Long inputs are sampled. */
static void
check_prefixes(const char *s, size_t len, const struct http_limits *lim, int ret, int status,
               size_t head_len, int line)
{
    struct http_request *r = malloc(sizeof(*r));
    size_t k, step;
    int r2, st2;
    char *p;

    assert_non_null(r);
    for (k = 0; k < len; k += step) {
        step = (len <= 4096 || k < 600 || len - k < 600) ? 1 : 97;
        p = malloc(k ? k : 1);
        assert_non_null(p);
        memcpy(p, s, k);
        r2 = http_parse_head(p, k, lim, r, &st2);
        free(p);
        if (r2 == HTTP_PARSE_AGAIN) {
            if (ret == HTTP_PARSE_DONE && k >= head_len)
                fail_msg("line %d: prefix %zu of %zu: AGAIN after the head", line, k, len);
            continue;
        }
        if (r2 != ret || st2 != status)
            fail_msg("line %d: prefix %zu of %zu: %d/%d, whole input %d/%d", line, k, len, r2, st2,
                     ret, status);
        if (r2 == HTTP_PARSE_DONE && (r->head_len != head_len || k < head_len))
            fail_msg("line %d: prefix %zu: head_len %zu, whole %zu", line, k, r->head_len,
                     head_len);
    }
    free(r);
}

/* Parses s whole (pointers in *req point into s) and checks its prefixes. */
static int
parse_lim(const char *s, size_t len, const struct http_limits *lim, struct http_request *req,
          int *status, int line)
{
    int ret = http_parse_head(s, len, lim, req, status);

    if (ret == HTTP_PARSE_DONE && (req->head_len > len || *status != 0))
        fail_msg("line %d: head_len %zu > %zu", line, req->head_len, len);
    check_prefixes(s, len, lim, ret, *status, ret == HTTP_PARSE_DONE ? req->head_len : 0, line);
    return ret;
}

static void
expect_status_lim(const char *s, size_t len, const struct http_limits *lim, int want, int line)
{
    struct http_request *req = malloc(sizeof(*req));
    int status = -7, ret;

    assert_non_null(req);
    ret = parse_lim(s, len, lim, req, &status, line);
    if (ret != HTTP_PARSE_ERROR || status != want)
        fail_msg("line %d: want error %d, got ret %d status %d for \"%.*s\"", line, want, ret,
                 status, (int)(len > 200 ? 200 : len), s);
    free(req);
}

#define EXPECT(str, status) expect_status_lim(S(str), &deflim, status, __LINE__)
#define EXPECT_LIM(str, lim, status) expect_status_lim(S(str), lim, status, __LINE__)

/* Parses a request that must be valid; the result points into s. */
static struct http_request *
ok_req(const char *s, size_t len, int line)
{
    static struct http_request req;
    int status = -7;

    if (parse_lim(s, len, &deflim, &req, &status, line) != HTTP_PARSE_DONE)
        fail_msg("line %d: status %d for \"%.*s\"", line, status, (int)len, s);
    return &req;
}

#define OK(str) ok_req(S(str), __LINE__)

static void
assert_span(const char *p, size_t n, const char *want)
{
    assert_non_null(p);
    assert_int_equal(n, strlen(want));
    assert_memory_equal(p, want, n);
}

/* ---- valid requests ---- */

static void
test_origin_form(void **state)
{
    static const char s[] = "GET /a/b.html?x=1&y=%41 HTTP/1.1\r\nHost: www.example.com\r\n"
                            "User-Agent:  curl/8.0  \r\nAccept: */*\r\nX-Empty:\r\n\r\n";
    struct http_request *r = OK(s);
    const struct http_header *h;

    (void)state;
    assert_int_equal(r->method, HTTP_M_GET);
    assert_span(r->method_str, r->method_len, "GET");
    assert_int_equal(r->form, HTTP_T_ORIGIN);
    assert_span(r->target, r->target_len, "/a/b.html?x=1&y=%41");
    assert_span(r->path, r->path_len, "/a/b.html");
    assert_span(r->query, r->query_len, "x=1&y=%41");
    assert_int_equal(r->minor_version, 1);
    assert_span(r->host, r->host_len, "www.example.com");
    assert_int_equal(r->header_count, 4);
    assert_int_equal(r->content_length, -1);
    assert_false(r->chunked);
    assert_true(r->keep_alive);
    assert_false(r->expect_continue);
    assert_int_equal(r->head_len, sizeof(s) - 1);
    h = http_find_header(r, "user-agent");
    assert_non_null(h);
    assert_span(h->value, h->value_len, "curl/8.0"); /* OWS trimmed both sides */
    h = http_find_header(r, "X-EMPTY");
    assert_non_null(h);
    assert_int_equal(h->value_len, 0);
    assert_null(http_find_header(r, "Referer"));
    assert_null(http_find_header(r, "X-Empt"));
}

static void
test_query_forms(void **state)
{
    struct http_request *r;

    (void)state;
    r = OK("GET /? HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_span(r->path, r->path_len, "/");
    assert_non_null(r->query);
    assert_int_equal(r->query_len, 0);
    r = OK("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_null(r->query);
    r = OK("GET /a?b?c HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_span(r->path, r->path_len, "/a");
    assert_span(r->query, r->query_len, "b?c");
}

static void
test_http10(void **state)
{
    struct http_request *r;

    (void)state;
    r = OK("GET / HTTP/1.0\r\n\r\n");
    assert_int_equal(r->minor_version, 0);
    assert_null(r->host);
    assert_false(r->keep_alive);
    r = OK("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\nExpect: 100-continue\r\n\r\n");
    assert_true(r->keep_alive);
    assert_false(r->expect_continue); /* ignored in HTTP/1.0, RFC 9110 §10.1.1 */
    assert_false(r->expect_other);
    r = OK("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n");
    assert_false(r->keep_alive);
}

static void
test_connection_and_expect(void **state)
{
    struct http_request *r;

    (void)state;
    r = OK("GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, CLOSE\r\n\r\n");
    assert_false(r->keep_alive);
    r = OK("GET / HTTP/1.1\r\nHost: a\r\nConnection: closed\r\n\r\n");
    assert_true(r->keep_alive);
    r = OK("GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n");
    assert_false(r->keep_alive);
    r = OK("PUT /f HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\n");
    assert_true(r->expect_continue);
    assert_false(r->expect_other);
    assert_int_equal(r->content_length, 3);
    r = OK("PUT /f HTTP/1.1\r\nHost: a\r\nExpect: 100-continue, x\r\n\r\n");
    assert_false(r->expect_continue);
    assert_true(r->expect_other);
}

static void
test_absolute_form(void **state)
{
    struct http_request *r;

    (void)state;
    /* RFC 9112 §3.2.2: the target's authority wins over Host */
    r = OK("GET http://example.com:8080/a/b?c=d HTTP/1.1\r\nHost: other\r\n\r\n");
    assert_int_equal(r->form, HTTP_T_ABSOLUTE);
    assert_span(r->host, r->host_len, "example.com:8080");
    assert_span(r->path, r->path_len, "/a/b");
    assert_span(r->query, r->query_len, "c=d");
    r = OK("GET HTTPS://[::1]:8443 HTTP/1.1\r\nHost: [::1]:8443\r\n\r\n");
    assert_span(r->host, r->host_len, "[::1]:8443");
    assert_span(r->path, r->path_len, "/");
    assert_null(r->query);
    r = OK("GET http://h?q HTTP/1.0\r\n\r\n");
    assert_span(r->host, r->host_len, "h");
    assert_span(r->path, r->path_len, "/");
    assert_span(r->query, r->query_len, "q");
}

static void
test_asterisk_connect_other(void **state)
{
    struct http_request *r;

    (void)state;
    r = OK("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_int_equal(r->method, HTTP_M_OPTIONS);
    assert_int_equal(r->form, HTTP_T_ASTERISK);
    assert_span(r->path, r->path_len, "*");
    r = OK("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n");
    assert_int_equal(r->method, HTTP_M_CONNECT);
    assert_int_equal(r->form, HTTP_T_AUTHORITY);
    assert_span(r->host, r->host_len, "example.com:443");
    r = OK("BREW /pot HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_int_equal(r->method, HTTP_M_OTHER);
    assert_span(r->method_str, r->method_len, "BREW");
    r = OK("get / HTTP/1.1\r\nHost: a\r\n\r\n"); /* methods are case-sensitive */
    assert_int_equal(r->method, HTTP_M_OTHER);
    assert_int_equal(OK("HEAD / HTTP/1.1\r\nHost: a\r\n\r\n")->method, HTTP_M_HEAD);
    assert_int_equal(OK("POST / HTTP/1.1\r\nHost: a\r\n\r\n")->method, HTTP_M_POST);
    assert_int_equal(OK("PUT / HTTP/1.1\r\nHost: a\r\n\r\n")->method, HTTP_M_PUT);
    assert_int_equal(OK("DELETE / HTTP/1.1\r\nHost: a\r\n\r\n")->method, HTTP_M_DELETE);
    assert_int_equal(OK("PATCH / HTTP/1.1\r\nHost: a\r\n\r\n")->method, HTTP_M_PATCH);
    assert_int_equal(OK("TRACE / HTTP/1.1\r\nHost: a\r\n\r\n")->method, HTTP_M_TRACE);
}

static void
test_host_values(void **state)
{
    struct http_request *r;

    (void)state;
    r = OK("GET / HTTP/1.1\r\nHost:\r\n\r\n"); /* RFC 9112 §3.2: empty is allowed */
    assert_non_null(r->host);
    assert_int_equal(r->host_len, 0);
    r = OK("GET / HTTP/1.1\r\nhOST: Localhost:8443\r\n\r\n");
    assert_span(r->host, r->host_len, "Localhost:8443");
    r = OK("GET / HTTP/1.1\r\nHost: 127.0.0.1:\r\n\r\n");
    assert_span(r->host, r->host_len, "127.0.0.1:");
    r = OK("GET / HTTP/1.1\r\nHost: xn--bcher-kva.example%2d\r\n\r\n");
    assert_non_null(r->host);
}

static void
test_leading_crlf_and_values(void **state)
{
    static const char s[] = "\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\nX-Utf8: caf\xc3\xa9\t\r\n\r\n";
    struct http_request *r = OK(s);

    (void)state;
    assert_span(r->method_str, r->method_len, "GET");
    assert_int_equal(r->head_len, sizeof(s) - 1);
    assert_span(r->headers[1].value, r->headers[1].value_len, "caf\xc3\xa9");
}

static void
test_framing_valid(void **state)
{
    struct http_request *r;

    (void)state;
    r = OK("POST /f HTTP/1.1\r\nHost: a\r\nContent-Length: 0005\r\n\r\nhello");
    assert_int_equal(r->content_length, 5);
    assert_int_equal(r->head_len, 18 + 9 + 22 + 2); /* the body is not part of the head */
    r = OK("POST /f HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n");
    assert_true(r->chunked);
    assert_int_equal(r->content_length, -1);
    r = OK("POST /f HTTP/1.1\r\nHost: a\r\nContent-Length: 30000000\r\n\r\n");
    assert_int_equal(r->content_length, 30000000);
}

static void
test_pipelined(void **state)
{
    static const char s[] = "GET /one HTTP/1.1\r\nHost: a\r\n\r\n"
                            "POST /two HTTP/1.1\r\nHost: a\r\nContent-Length: 36\r\n\r\n"
                            "GET /hidden HTTP/1.1\r\nHost: a\r\n\r\n\r\n"
                            "GET /three HTTP/1.1\r\nHost: a\r\n\r\n";
    struct http_request r;
    size_t off = 0;
    int status;

    (void)state;
    assert_int_equal(http_parse_head(s, sizeof(s) - 1, NULL, &r, &status), HTTP_PARSE_DONE);
    assert_span(r.path, r.path_len, "/one");
    off += r.head_len;
    assert_int_equal(http_parse_head(s + off, sizeof(s) - 1 - off, NULL, &r, &status),
                     HTTP_PARSE_DONE);
    assert_span(r.path, r.path_len, "/two");
    /* the body is data, never a request: the next head is after it */
    off += r.head_len + (size_t)r.content_length;
    assert_int_equal(http_parse_head(s + off, sizeof(s) - 1 - off, NULL, &r, &status),
                     HTTP_PARSE_DONE);
    assert_span(r.path, r.path_len, "/three");
    assert_int_equal(off + r.head_len, sizeof(s) - 1);
}

static void
test_max_headers(void **state)
{
    char buf[8192];
    struct http_request *r;
    size_t n;
    int i;

    (void)state;
    n = (size_t)snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\nHost: a\r\n");
    for (i = 1; i < 100; i++)
        n += (size_t)snprintf(buf + n, sizeof(buf) - n, "X-%d: %d\r\n", i, i);
    memcpy(buf + n, "\r\n", 3);
    r = ok_req(buf, n + 2, __LINE__);
    assert_int_equal(r->header_count, 100);
    n += (size_t)snprintf(buf + n, sizeof(buf) - n, "X-100: 100\r\n\r\n");
    expect_status_lim(buf, n, &deflim, 431, __LINE__);
}

/* ---- rejections ---- */

static void
test_reject_line_endings(void **state)
{
    (void)state;
    EXPECT("GET / HTTP/1.1\nHost: a\n\n", 400);
    EXPECT("GET / HTTP/1.1\r\nHost: a\n\r\n", 400);
    EXPECT("GET / HTTP/1.1\r\nHost: a\r\n\n", 400);
    EXPECT("GET / HTTP/1.1\rHost: a\r\n\r\n", 400);
    EXPECT("GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n", 400);
    EXPECT("GET / HTTP/1.1\r\nHost: a\r\n\r\r\n", 400);
    EXPECT("\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400);
    EXPECT("\r\rGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400);
    EXPECT("GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n \r\n\r\n", 400);
}

static void
test_reject_request_line(void **state)
{
    (void)state;
    EXPECT(" / HTTP/1.1\r\nHost: a\r\n\r\n", 400);
    EXPECT("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400);
    EXPECT("GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n", 400);
    EXPECT("GET / \r\nHost: a\r\n\r\n", 400);
    EXPECT("GET /\r\nHost: a\r\n\r\n", 400);
    EXPECT("GET / HTTP/1.1 \r\nHost: a\r\n\r\n", 400);
    EXPECT("G(T / HTTP/1.1\r\nHost: a\r\n\r\n", 400);
    EXPECT("GE\"T / HTTP/1.1\r\nHost: a\r\n\r\n", 400);
    EXPECT("G\x80T / HTTP/1.1\r\nHost: a\r\n\r\n", 400);
    EXPECT("GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", 400);
    EXPECT("GET /a#f HTTP/1.1\r\nHost: a\r\n\r\n", 400);
    EXPECT("GET /a\\b HTTP/1.1\r\nHost: a\r\n\r\n", 400);
    EXPECT("GET /<a> HTTP/1.1\r\nHost: a\r\n\r\n", 400);
    EXPECT("GET /\x80 HTTP/1.1\r\nHost: a\r\n\r\n", 400);
    EXPECT("GET /a\0b HTTP/1.1\r\nHost: a\r\n\r\n", 400);
    EXPECT("GET /%zz HTTP/1.1\r\nHost: a\r\n\r\n", 400);
    EXPECT("GET /%4 HTTP/1.1\r\nHost: a\r\n\r\n", 400);
    EXPECT("GET /% HTTP/1.1\r\nHost: a\r\n\r\n", 400);
}

static void
test_reject_version(void **state)
{
    (void)state;
    EXPECT("GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505);
    EXPECT("GET / HTTP/1.2\r\nHost: a\r\n\r\n", 505);
    EXPECT("GET / HTTP/0.9\r\n\r\n", 505);
    EXPECT("GET / HTTP/9.9\r\n\r\n", 505);
    EXPECT("GET / http/1.1\r\nHost: a\r\n\r\n", 400);
    EXPECT("GET / HTTP/1.10\r\nHost: a\r\n\r\n", 400);
    EXPECT("GET / HTTP/11\r\nHost: a\r\n\r\n", 400);
    EXPECT("GET / HTTP/1.x\r\nHost: a\r\n\r\n", 400);
    EXPECT("GET / HTTP/2\r\nHost: a\r\n\r\n", 400);
    EXPECT("GET / HTTP/1.1x\r\nHost: a\r\n\r\n", 400);
}

static void
test_reject_target_forms(void **state)
{
    (void)state;
    EXPECT("GET * HTTP/1.1\r\nHost: a\r\n\r\n", 400);
    EXPECT("OPTIONS *x HTTP/1.1\r\nHost: a\r\n\r\n", 400);
    EXPECT("GET ftp://x/ HTTP/1.1\r\nHost: a\r\n\r\n", 400);
    EXPECT("GET http:/x HTTP/1.1\r\nHost: a\r\n\r\n", 400);
    EXPECT("GET http:///x HTTP/1.1\r\nHost: a\r\n\r\n", 400);
    EXPECT("GET http://u@h/ HTTP/1.1\r\nHost: a\r\n\r\n", 400);
    EXPECT("GET http://h:x/ HTTP/1.1\r\nHost: a\r\n\r\n", 400);
    EXPECT("GET host:80 HTTP/1.1\r\nHost: a\r\n\r\n", 400);
    EXPECT("GET a/b HTTP/1.1\r\nHost: a\r\n\r\n", 400);
    EXPECT("CONNECT / HTTP/1.1\r\nHost: a\r\n\r\n", 400);
    EXPECT("CONNECT host HTTP/1.1\r\nHost: a\r\n\r\n", 400);
    EXPECT("CONNECT host: HTTP/1.1\r\nHost: a\r\n\r\n", 400);
}

static void
test_reject_header_syntax(void **state)
{
    (void)state;
    EXPECT("GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n folded\r\n\r\n", 400);  /* obs-fold */
    EXPECT("GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n\tfolded\r\n\r\n", 400); /* obs-fold */
    EXPECT("GET / HTTP/1.1\r\n Host: a\r\n\r\n", 400);
    EXPECT("GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400);
    EXPECT("GET / HTTP/1.1\r\nHost\t: a\r\n\r\n", 400);
    EXPECT("GET / HTTP/1.1\r\nHost: a\r\n: empty\r\n\r\n", 400);
    EXPECT("GET / HTTP/1.1\r\nHost: a\r\nX(y: 1\r\n\r\n", 400);
    EXPECT("GET / HTTP/1.1\r\nHost: a\r\nX y: 1\r\n\r\n", 400);
    EXPECT("GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", 400);
    EXPECT("GET / HTTP/1.1\r\nHost: a\r\nX\x80: 1\r\n\r\n", 400);
    EXPECT("GET / HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n", 400);
    EXPECT("GET / HTTP/1.1\r\nHost: a\r\nX: a\x01\r\n\r\n", 400);
    EXPECT("GET / HTTP/1.1\r\nHost: a\r\nX: a\x7f\r\n\r\n", 400);
    EXPECT("GET / HTTP/1.1\r\nHost: a\r\nX: \x1b[31m\r\n\r\n", 400);
}

static void
test_reject_host(void **state)
{
    (void)state;
    EXPECT("GET / HTTP/1.1\r\n\r\n", 400);
    EXPECT("GET / HTTP/1.1\r\nX: a\r\n\r\n", 400);
    EXPECT("GET http://a/ HTTP/1.1\r\n\r\n", 400); /* Host is required even then */
    EXPECT("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400);
    EXPECT("GET / HTTP/1.0\r\nHost: a\r\nhost: b\r\n\r\n", 400);
    EXPECT("GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400);
    EXPECT("GET / HTTP/1.1\r\nHost: a,b\r\n\r\n", 400);
    EXPECT("GET / HTTP/1.1\r\nHost: user@a\r\n\r\n", 400);
    EXPECT("GET / HTTP/1.1\r\nHost: a:x\r\n\r\n", 400);
    EXPECT("GET / HTTP/1.1\r\nHost: a:123456\r\n\r\n", 400);
    EXPECT("GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", 400);
    EXPECT("GET / HTTP/1.1\r\nHost: []\r\n\r\n", 400);
    EXPECT("GET / HTTP/1.1\r\nHost: [::1]x\r\n\r\n", 400);
    EXPECT("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400);
    EXPECT("GET / HTTP/1.1\r\nHost: a%zz\r\n\r\n", 400);
    EXPECT("GET / HTTP/1.1\r\nHost: :80\r\n\r\n", 400);
}

static void
test_reject_content_length(void **state)
{
    (void)state;
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n", 400);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 400);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1,1\r\n\r\n", 400);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +1\r\n\r\n", 400);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1x\r\n\r\n", 400);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: x1\r\n\r\n", 400);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 1\r\n\r\n", 400);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x10\r\n\r\n", 400);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", 400);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9223372036854775808\r\n\r\n", 400);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n", 400);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9223372036854775807\r\n\r\n", 413);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 30000001\r\n\r\n", 413);
}

static void
test_reject_transfer_encoding(void **state)
{
    (void)state;
    /* CL.TE and TE.CL, the classic smuggling pair */
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
           400);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
           400);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n", 400);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n", 400);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity, chunked\r\n\r\n", 400);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", 400);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
           "Transfer-Encoding: chunked\r\n\r\n",
           400);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
           "Transfer-Encoding: gzip\r\n\r\n",
           400);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked;q=1\r\n\r\n", 400);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked,\r\n\r\n", 400);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: ,chunked\r\n\r\n", 400);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n\r\n", 400);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \"chunked\"\r\n\r\n", 400);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked x\r\n\r\n", 400);
    EXPECT("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 501);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n"
           "Transfer-Encoding: chunked\r\n\r\n",
           501);
    /* a 400 anywhere in the head wins over the 501 */
    EXPECT("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 400);
}

static void
expect_ok_lim(const char *s, size_t len, const struct http_limits *lim, int line)
{
    struct http_request *req = malloc(sizeof(*req));
    int status = -7;

    assert_non_null(req);
    if (parse_lim(s, len, lim, req, &status, line) != HTTP_PARSE_DONE)
        fail_msg("line %d: status %d", line, status);
    free(req);
}

#define OK_LIM(str, lim) expect_ok_lim(S(str), lim, __LINE__)

static void
test_limits_small(void **state)
{
    struct http_limits lim = {20, 30, 2, 100};

    (void)state;
    /* request line of exactly 20 bytes passes; 21 is 414, with or without its CRLF */
    OK_LIM("GET /012345 HTTP/1.1\r\nHost: a\r\n\r\n", &lim);
    OK_LIM("\r\nGET /0123 HTTP/1.1\r\nHost: a\r\n\r\n", &lim);
    EXPECT_LIM("GET /0123456 HTTP/1.1\r\nHost: a\r\n\r\n", &lim, 414);
    EXPECT_LIM("GET /0123456 HTTP/1.1", &lim, 414);
    EXPECT_LIM("GET /0123456789012345678", &lim, 414);
    EXPECT_LIM("\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n", &lim, 414);
    EXPECT_LIM("GET /012345 HTTP/1.1\r\r", &lim, 400);
    /* header section (lines with CRLFs, without the final CRLF) of exactly 30 */
    OK_LIM("GET / HTTP/1.1\r\nHost: a\r\nX-Long: 01234567890\r\n\r\n", &lim);
    EXPECT_LIM("GET / HTTP/1.1\r\nHost: a\r\nX-Long: 012345678901\r\n\r\n", &lim, 431);
    EXPECT_LIM("GET / HTTP/1.1\r\nHost: a\r\nX-Long: 0123456789012345678901", &lim, 431);
    EXPECT_LIM("GET / HTTP/1.1\r\nHost: a\r\nX-Long-Name-Without-End-Of-Line", &lim, 431);
    /* header count */
    OK_LIM("GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n\r\n", &lim);
    EXPECT_LIM("GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\nY: 2\r\n\r\n", &lim, 431);
    EXPECT_LIM("GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\nY", &lim, 431);
    /* body */
    OK_LIM("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n", &lim);
    EXPECT_LIM("POST / HTTP/1.1\r\nContent-Length: 101\r\n\r\n", &lim, 413);
}

static void
test_limits_default(void **state)
{
    size_t n = 20000;
    char *b = malloc(n);

    (void)state;
    assert_non_null(b);
    /* request line of 8192 bytes passes, 8193 is 414 */
    memset(b, 'a', n);
    memcpy(b, "GET /", 5);
    memcpy(b + 8192 - 9, " HTTP/1.1\r\nHost: a\r\n\r\n", 22);
    expect_ok_lim(b, 8192 + 13, &deflim, __LINE__);
    memset(b, 'a', n);
    memcpy(b, "GET /", 5);
    memcpy(b + 8193 - 9, " HTTP/1.1\r\nHost: a\r\n\r\n", 22);
    expect_status_lim(b, 8193 + 13, &deflim, 414, __LINE__);
    expect_status_lim(b, 8300, &deflim, 414, __LINE__);
    /* header section of 16384 bytes passes, 16385 is 431 */
    memset(b, 'v', n);
    memcpy(b, "GET / HTTP/1.1\r\nHost: a\r\nX: ", 28);
    memcpy(b + 16 + 16384 - 2, "\r\n\r\n", 4);
    expect_ok_lim(b, 16 + 16384 + 2, &deflim, __LINE__);
    memset(b, 'v', n);
    memcpy(b, "GET / HTTP/1.1\r\nHost: a\r\nX: ", 28);
    memcpy(b + 16 + 16385 - 2, "\r\n\r\n", 4);
    expect_status_lim(b, 16 + 16385 + 2, &deflim, 431, __LINE__);
    expect_status_lim(b, 19000, &deflim, 431, __LINE__);
    free(b);
}

static void
test_limits_huge(void **state)
{
    struct http_limits lim = {SIZE_MAX, SIZE_MAX, UINT32_MAX, UINT64_MAX};
    struct http_request *r = malloc(sizeof(*r));
    int status;

    (void)state;
    assert_non_null(r);
    OK_LIM("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9223372036854775807\r\n\r\n", &lim);
    assert_int_equal(http_parse_head(S("GET /aaaa"), &lim, r, &status), HTTP_PARSE_AGAIN);
    assert_int_equal(http_parse_head(S("GET / HTTP/1.1\r\nX: y"), &lim, r, &status),
                     HTTP_PARSE_AGAIN);
    free(r);
}

/* ---- chunked bodies ---- */

struct chunk_result {
    int ret;
    int status;
    size_t consumed; /* input bytes of the body */
    char data[4096];
    size_t data_len;
};

/* Decodes in[0..len) fed in pieces of `piece` bytes (0: all at once), each
 * piece in its own exact-size heap copy; stops at the first non-AGAIN. */
static void
decode_pieces(const char *in, size_t len, uint64_t max_body, size_t piece, struct chunk_result *res)
{
    struct http_chunked c;
    size_t off = 0, n, got, used;
    char *p;

    http_chunked_init(&c, max_body);
    memset(res, 0, sizeof(*res));
    res->ret = HTTP_CHUNK_AGAIN;
    while (off < len && res->ret == HTTP_CHUNK_AGAIN) {
        n = piece == 0 || len - off < piece ? len - off : piece;
        p = malloc(n);
        assert_non_null(p);
        memcpy(p, in + off, n);
        got = n;
        res->ret = http_chunked_decode(&c, p, &got, &used);
        assert_true(got <= used && used <= n);
        if (res->ret == HTTP_CHUNK_AGAIN)
            assert_int_equal(used, n);
        /* what follows the body must be left untouched */
        assert_memory_equal(p + used, in + off + used, n - used);
        assert_true(res->data_len + got <= sizeof(res->data));
        memcpy(res->data + res->data_len, p, got);
        res->data_len += got;
        off += used;
        free(p);
    }
    res->consumed = off;
    res->status = res->ret == HTTP_CHUNK_ERROR ? c.status : 0;
}

/* Decodes whole, byte by byte and in pieces of 2, 3, 7; all must agree. */
static void
decode_all_ways(const char *in, size_t len, uint64_t max_body, struct chunk_result *res)
{
    static const size_t pieces[] = {1, 2, 3, 7};
    struct chunk_result *other = malloc(sizeof(*other));
    size_t i;

    assert_non_null(other);
    decode_pieces(in, len, max_body, 0, res);
    for (i = 0; i < sizeof(pieces) / sizeof(pieces[0]); i++) {
        decode_pieces(in, len, max_body, pieces[i], other);
        assert_int_equal(other->ret, res->ret);
        assert_int_equal(other->status, res->status);
        if (res->ret != HTTP_CHUNK_ERROR) {
            assert_int_equal(other->consumed, res->consumed);
            assert_int_equal(other->data_len, res->data_len);
            assert_memory_equal(other->data, res->data, res->data_len);
        }
    }
    free(other);
}

static void
expect_chunk_error(const char *in, size_t len, uint64_t max_body, int status, int line)
{
    struct chunk_result *res = malloc(sizeof(*res));

    assert_non_null(res);
    decode_all_ways(in, len, max_body, res);
    if (res->ret != HTTP_CHUNK_ERROR || res->status != status)
        fail_msg("line %d: want %d, got ret %d status %d", line, status, res->ret, res->status);
    free(res);
}

#define CHUNK_ERR(str, status) expect_chunk_error(S(str), 1000000, status, __LINE__)

static void
test_chunked_valid(void **state)
{
    static const char in[] = "5\r\nhello\r\n"
                             "6;name=value;flag;q=\"a \\\"quoted\\\" ;x\"\r\n world\r\n"
                             "A\r\n0123456789\r\n"
                             "a;x=1\r\nabcdefghij\r\n"
                             "000\r\nTrailer-A: 1\r\nX-Empty:\r\n\r\n"
                             "GET /next HTTP/1.1\r\n";
    struct chunk_result *res = malloc(sizeof(*res));

    (void)state;
    assert_non_null(res);
    decode_all_ways(S(in), 1000, res);
    assert_int_equal(res->ret, HTTP_CHUNK_DONE);
    assert_int_equal(res->data_len, 31);
    assert_memory_equal(res->data, "hello world0123456789abcdefghij", 31);
    assert_int_equal(res->consumed, sizeof(in) - 1 - strlen("GET /next HTTP/1.1\r\n"));
    /* exactly at the limit */
    decode_all_ways(S("1f\r\nhello world0123456789abcdefghij\r\n0\r\n\r\n"), 31, res);
    assert_int_equal(res->ret, HTTP_CHUNK_DONE);
    assert_int_equal(res->data_len, 31);
    decode_all_ways(S("0\r\n\r\n"), 0, res);
    assert_int_equal(res->ret, HTTP_CHUNK_DONE);
    assert_int_equal(res->consumed, 5);
    assert_int_equal(res->data_len, 0);
    /* incomplete: everything used, asks for more */
    decode_all_ways(S("5\r\nhel"), 100, res);
    assert_int_equal(res->ret, HTTP_CHUNK_AGAIN);
    assert_int_equal(res->data_len, 3);
    decode_all_ways(S("5\r\nhello\r\n0\r\nX: y\r\n"), 100, res);
    assert_int_equal(res->ret, HTTP_CHUNK_AGAIN);
    free(res);
}

static void
test_chunked_done_is_sticky(void **state)
{
    char buf[] = "0\r\n\r\nGET";
    struct http_chunked c;
    size_t len = sizeof(buf) - 1, used;

    (void)state;
    http_chunked_init(&c, 10);
    assert_int_equal(http_chunked_decode(&c, buf, &len, &used), HTTP_CHUNK_DONE);
    assert_int_equal(len, 0);
    assert_int_equal(used, 5);
    len = 3;
    assert_int_equal(http_chunked_decode(&c, buf + 5, &len, &used), HTTP_CHUNK_DONE);
    assert_int_equal(len, 0);
    assert_int_equal(used, 0);
    http_chunked_init(&c, 10);
    len = 3;
    memcpy(buf, "x\r\n", 3);
    assert_int_equal(http_chunked_decode(&c, buf, &len, &used), HTTP_CHUNK_ERROR);
    assert_int_equal(c.status, 400);
    assert_int_equal(used, 0);
    len = 3;
    assert_int_equal(http_chunked_decode(&c, buf, &len, &used), HTTP_CHUNK_ERROR);
    assert_int_equal(used, 0);
}

static void
test_chunked_errors(void **state)
{
    char *big;
    size_t i;

    (void)state;
    CHUNK_ERR("g\r\n", 400);
    CHUNK_ERR("\r\n", 400);
    CHUNK_ERR(";a\r\n", 400);
    CHUNK_ERR("-1\r\n", 400);
    CHUNK_ERR("0x5\r\nhello\r\n", 400);
    CHUNK_ERR("5 \r\nhello\r\n", 400);
    CHUNK_ERR(" 5\r\nhello\r\n", 400);
    CHUNK_ERR("5\nhello\r\n", 400);
    CHUNK_ERR("5\rhello\r\n", 400);
    CHUNK_ERR("5\r\nhelloX\r\n", 400);
    CHUNK_ERR("5\r\nhello\n0\r\n\r\n", 400);
    CHUNK_ERR("5\r\nhello\r0\r\n\r\n", 400);
    CHUNK_ERR("5\r\nhello\r\n0\r\n\n", 400);
    CHUNK_ERR("5\r\nhello\r\n0\n\r\n", 400);
    CHUNK_ERR("5;\r\nhello\r\n", 400);
    CHUNK_ERR("5;a b\r\nhello\r\n", 400);
    CHUNK_ERR("5; a\r\nhello\r\n", 400);
    CHUNK_ERR("5 ;a\r\nhello\r\n", 400);
    CHUNK_ERR("5;a=\r\nhello\r\n", 400);
    CHUNK_ERR("5;a==b\r\nhello\r\n", 400);
    CHUNK_ERR("5;a=\"x\r\nhello\r\n", 400);
    CHUNK_ERR("5;a=\"x\"y\r\nhello\r\n", 400);
    CHUNK_ERR("5;a=\"\x01\"\r\nhello\r\n", 400);
    CHUNK_ERR("5;a=\"\\\x01\"\r\nhello\r\n", 400);
    CHUNK_ERR("5;a\0\r\nhello\r\n", 400);
    /* 17 hex digits, even when their value is small */
    CHUNK_ERR("00000000000000001\r\nx\r\n", 400);
    CHUNK_ERR("10000000000000000\r\n", 400);
    /* 16 digits fit, but not in the body limit: refused before any data */
    CHUNK_ERR("ffffffffffffffff\r\n", 413);
    CHUNK_ERR("ffffffffffffffff;", 413);
    expect_chunk_error(S("b\r\n"), 10, 413, __LINE__);
    expect_chunk_error(S("5\r\nhello\r\n6\r\n"), 10, 413, __LINE__);
    /* trailers */
    CHUNK_ERR("0\r\nBad Name: x\r\n\r\n", 400);
    CHUNK_ERR("0\r\nX : x\r\n\r\n", 400);
    CHUNK_ERR("0\r\nX: a\r\n folded\r\n\r\n", 400);
    CHUNK_ERR("0\r\nX: a\0\r\n\r\n", 400);
    CHUNK_ERR("0\r\nX: a\nY: b\r\n\r\n", 400);
    CHUNK_ERR("0\r\nNoColon\r\n\r\n", 400);
    /* chunk-size line and trailer section limits */
    big = malloc(HTTP_MAX_TRAILER_BYTES + 100);
    assert_non_null(big);
    memset(big, 'e', HTTP_MAX_TRAILER_BYTES + 100);
    memcpy(big, "5;", 2);
    expect_chunk_error(big, HTTP_MAX_CHUNK_LINE + 1, 1000, 400, __LINE__);
    memcpy(big, "0\r\nX: ", 6);
    expect_chunk_error(big, HTTP_MAX_TRAILER_BYTES + 100, 1000, 431, __LINE__);
    /* a long extension within the line limit is fine */
    memset(big, 'e', HTTP_MAX_CHUNK_LINE);
    memcpy(big, "1;", 2);
    memcpy(big + HTTP_MAX_CHUNK_LINE - 1, "\n", 1);
    big[HTTP_MAX_CHUNK_LINE - 2] = '\r';
    for (i = 0; i < 2; i++) {
        struct chunk_result *res = malloc(sizeof(*res));

        assert_non_null(res);
        decode_pieces(big, HTTP_MAX_CHUNK_LINE, 1000, i ? 1 : 0, res);
        assert_int_equal(res->ret, HTTP_CHUNK_AGAIN);
        free(res);
    }
    free(big);
}

/* A chunk whose data looks like the last chunk and the end of the body. */
static void
decode_hidden_zero(uint64_t max_body)
{
    struct chunk_result *res = malloc(sizeof(*res));

    assert_non_null(res);
    decode_all_ways(S("5\r\n0\r\n\r\n\r\n0\r\n\r\nGET / HTTP/1.1\r\n"), max_body, res);
    assert_int_equal(res->ret, HTTP_CHUNK_DONE);
    assert_int_equal(res->data_len, 5);
    assert_memory_equal(res->data, "0\r\n\r\n", 5);
    assert_int_equal(res->consumed, 15);
    free(res);
}

/*
 * Request smuggling through a body: whatever the body contains is data.  A
 * request whose chunked body holds a complete request, followed by a real
 * pipelined request: the decoder stops exactly at the body's end, and the
 * next head parsed is the real one.
 */
static void
test_hidden_request_in_body(void **state)
{
    static const char s[] = "POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                            "20\r\nGET /admin HTTP/1.1\r\nHost: a\r\n\r\n\r\n"
                            "0\r\n\r\n"
                            "GET /next HTTP/1.1\r\nHost: a\r\n\r\n";
    char *buf = malloc(sizeof(s));
    struct http_request r;
    struct http_chunked c;
    size_t off, len, used, k;
    int status;

    (void)state;
    assert_non_null(buf);
    memcpy(buf, s, sizeof(s));
    assert_int_equal(http_parse_head(buf, sizeof(s) - 1, NULL, &r, &status), HTTP_PARSE_DONE);
    assert_true(r.chunked);
    off = r.head_len;
    http_chunked_init(&c, deflim.max_body);
    len = sizeof(s) - 1 - off;
    assert_int_equal(http_chunked_decode(&c, buf + off, &len, &used), HTTP_CHUNK_DONE);
    assert_int_equal(len, 32);
    assert_memory_equal(buf + off, "GET /admin HTTP/1.1\r\nHost: a\r\n\r\n", 32);
    off += used;
    assert_int_equal(http_parse_head(buf + off, sizeof(s) - 1 - off, NULL, &r, &status),
                     HTTP_PARSE_DONE);
    assert_span(r.path, r.path_len, "/next");
    assert_int_equal(off + r.head_len, sizeof(s) - 1);
    /* the same, byte by byte through the decoder */
    memcpy(buf, s, sizeof(s));
    http_parse_head(buf, sizeof(s) - 1, NULL, &r, &status);
    off = r.head_len;
    http_chunked_init(&c, deflim.max_body);
    for (k = off; k < sizeof(s) - 1; k++) {
        len = 1;
        if (http_chunked_decode(&c, buf + k, &len, &used) == HTTP_CHUNK_DONE)
            break;
        assert_int_equal(used, 1);
    }
    assert_int_equal(used, 1);
    assert_int_equal(k + 1, sizeof(s) - 1 - strlen("GET /next HTTP/1.1\r\nHost: a\r\n\r\n"));
    /* a body that claims to end early ("0\r\n" inside a chunk) is still data */
    decode_hidden_zero(deflim.max_body);
    free(buf);
}

/* ---- helpers ---- */

static void
test_dates(void **state)
{
    char out[30];
    time_t t;
    int i;

    (void)state;
    assert_int_equal(http_date(784111777, out), 29);
    assert_string_equal(out, "Sun, 06 Nov 1994 08:49:37 GMT");
    assert_int_equal(http_date(0, out), 29);
    assert_string_equal(out, "Thu, 01 Jan 1970 00:00:00 GMT");
    assert_int_equal(http_date(253402300799, out), 29);
    assert_string_equal(out, "Fri, 31 Dec 9999 23:59:59 GMT");
    assert_int_equal(http_date(253402300800, out), 0);
    assert_string_equal(out, "");
    assert_int_equal(http_parse_http_date(S("Sun, 06 Nov 1994 08:49:37 GMT"), &t), 0);
    assert_int_equal(t, 784111777);
    assert_int_equal(http_parse_http_date(S("Sunday, 06-Nov-94 08:49:37 GMT"), &t), 0);
    assert_int_equal(t, 784111777);
    assert_int_equal(http_parse_http_date(S("Sun Nov  6 08:49:37 1994"), &t), 0);
    assert_int_equal(t, 784111777);
    assert_int_equal(http_parse_http_date(S("Sun Nov 06 08:49:37 1994"), &t), 0);
    assert_int_equal(t, 784111777);
    assert_int_equal(http_parse_http_date(S("Tue, 29 Feb 2000 00:00:00 GMT"), &t), 0);
    assert_int_equal(t, 951782400);
    assert_int_equal(http_parse_http_date(S("Wed, 31 Dec 1969 23:59:59 GMT"), &t), 0);
    assert_int_equal(t, -1);
    /* leap second: counted into the next minute */
    assert_int_equal(http_parse_http_date(S("Sat, 31 Dec 2016 23:59:60 GMT"), &t), 0);
    assert_int_equal(t, 1483228800);
    assert_int_equal(http_parse_http_date(S("Thursday, 01-Jan-15 00:00:00 GMT"), &t), 0);
    assert_int_equal(t, 1420070400);
    for (i = 0; i < 2000; i++) {
        time_t v = (time_t)i * 126247697 % 253402300800 - 2208988800; /* 1900 .. 9999 */

        assert_int_equal(http_date(v, out), 29);
        assert_int_equal(http_parse_http_date(out, 29, &t), 0);
        assert_int_equal(t, v);
    }
    /* the same text as strftime() over gmtime_r(), from year 0 to 9999 */
    for (i = 0; i < 20000; i++) {
        time_t v = (time_t)i * 16093741117LL % 315537897600LL - 62167219200LL;
        char want[64];
        struct tm tm;

        if (i == 1)
            v = -62167219200LL; /* 0000-01-01 00:00:00 */
        if (i == 2)
            v = -62167219201LL; /* before year 0 */
        if (i == 3)
            v = -1;
        assert_non_null(gmtime_r(&v, &tm));
        if (tm.tm_year + 1900 < 0) {
            assert_int_equal(http_date(v, out), 0);
            continue;
        }
        strftime(want, sizeof(want), "%a, %d %b %Y %H:%M:%S GMT", &tm);
        if (tm.tm_year + 1900 < 1000) { /* %Y does not pad */
            char y[8];

            snprintf(y, sizeof(y), "%04d", tm.tm_year + 1900);
            memcpy(want + 12, y, 4);
            snprintf(want + 16, sizeof(want) - 16, " %02d:%02d:%02d GMT", tm.tm_hour, tm.tm_min,
                     tm.tm_sec);
        }
        assert_int_equal(http_date(v, out), 29);
        assert_string_equal(out, want);
    }
}

static void
test_dates_invalid(void **state)
{
    static const char *bad[] = {
        "",
        "sun, 06 Nov 1994 08:49:37 GMT",
        "Sun, 06 nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 08:49:37 UTC",
        "Sun, 06 Nov 1994 08:49:37 gmt",
        "Sun,  6 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 08:49:37 GMT ",
        " Sun, 06 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 8:49:37 GMT",
        "Sun, 06 Nov 1994 24:00:00 GMT",
        "Sun, 06 Nov 1994 23:60:00 GMT",
        "Sun, 06 Nov 1994 23:59:61 GMT",
        "Sun, 06 Nov 1994 08-49-37 GMT",
        "Sun, 31 Feb 1994 08:49:37 GMT",
        "Sun, 29 Feb 1900 08:49:37 GMT",
        "Sun, 00 Nov 1994 08:49:37 GMT",
        "Sun, 32 Jan 1994 08:49:37 GMT",
        "Sun, 06 Nov 19x4 08:49:37 GMT",
        "Sun, 06 Nov -994 08:49:37 GMT",
        "Xyz, 06 Nov 1994 08:49:37 GMT",
        "Sunday, 06-Nov-1994 08:49:37 GMT",
        "Sunday, 06 Nov 94 08:49:37 GMT",
        "Sundae, 06-Nov-94 08:49:37 GMT",
        "Sun, 06-Nov-94 08:49:37 GMT",
        "Sunday, 06-Nov-9x 08:49:37 GMT",
        "Sun Nov  6 08:49:37 94",
        "Sun Nov 6 08:49:37 1994",
        "Sun Nov  x 08:49:37 1994",
        "Sun Nov 6  08:49:37 1994",
        "Sun Nov  6 08:49:37 1994 ",
        "1994-11-06T08:49:37Z",
        "784111777",
    };
    time_t t = 42;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (http_parse_http_date(bad[i], strlen(bad[i]), &t) != -1)
            fail_msg("accepted \"%s\"", bad[i]);
    }
    assert_int_equal(http_parse_http_date(S("Sun, 06 Nov 1994 08:49:37 GMT\0"), &t), -1);
    assert_int_equal(t, 42);
}

static void
test_token_lists_and_names(void **state)
{
    struct http_header h = {"Content-Type", 12, "x", 1};

    (void)state;
    assert_true(http_token_list_has(S("keep-alive, Upgrade"), "upgrade"));
    assert_true(http_token_list_has(S("keep-alive, Upgrade"), "KEEP-ALIVE"));
    assert_true(http_token_list_has(S(" ,, close\t,"), "close"));
    assert_false(http_token_list_has(S("closed"), "close"));
    assert_false(http_token_list_has(S("clos"), "close"));
    assert_false(http_token_list_has(S("x-close"), "close"));
    assert_false(http_token_list_has(S(""), "close"));
    assert_false(http_token_list_has(S("close"), ""));
    assert_true(http_token_list_has("close, x", 5, "close"));
    assert_false(http_token_list_has("close", 4, "close"));
    assert_true(http_header_eq(&h, "content-type"));
    assert_true(http_header_eq(&h, "CONTENT-TYPE"));
    assert_false(http_header_eq(&h, "content-typ"));
    assert_false(http_header_eq(&h, "content-types"));
    assert_false(http_header_eq(&h, "content_type"));
}

/* The class table equals the ABNF it was generated from. */
static void
test_class_table(void **state)
{
    const char *tchar = "!#$%&'*+-.^_`|~";
    const char *target = "-._~!$&'()*+,;=:@/?[]";
    const char *regname = "-._~!$&'()*+;=";
    int c, want;

    (void)state;
    for (c = 0; c < 256; c++) {
        bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');

        want = 0;
        if (c != 0 && (alnum || strchr(tchar, c)))
            want |= C_TCHAR;
        if (c != 0 && (alnum || strchr(target, c)))
            want |= C_TARGET;
        if (c == '\t' || c == ' ' || (c >= 0x21 && c <= 0x7e) || c >= 0x80)
            want |= C_VALUE;
        if (c != 0 && ((c >= '0' && c <= '9') || strchr("abcdefABCDEF", c)))
            want |= C_HEX;
        if (c != 0 && (alnum || strchr(regname, c)))
            want |= C_REGNAME;
        if (c == '\t' || c == ' ' || c == 0x21 || (c >= 0x23 && c <= 0x5b) ||
            (c >= 0x5d && c <= 0x7e) || c >= 0x80)
            want |= C_QDTEXT;
        if (http_cls[c] != want)
            fail_msg("class of 0x%02x is 0x%02x, want 0x%02x", c, http_cls[c], want);
    }
}

/* Prints the cost of parsing a typical browser request head (not a
 * pass/fail test: the build type and sanitizers decide the figure). */
static void
test_speed(void **state)
{
    static const char s[] =
        "GET /app/reports/2024/summary.html?view=full&lang=en HTTP/1.1\r\n"
        "Host: www.example.com\r\n"
        "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n"
        "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
        "Accept-Language: en-US,en;q=0.5\r\n"
        "Accept-Encoding: gzip, deflate, br\r\n"
        "Connection: keep-alive\r\n"
        "\r\n";
    struct http_request r;
    struct timespec t0, t1;
    int status, i, n = 100000;
    double ns;

    (void)state;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (i = 0; i < n; i++)
        assert_int_equal(http_parse_head(s, sizeof(s) - 1, &deflim, &r, &status), HTTP_PARSE_DONE);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    ns = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) / n;
    printf("# http_parse_head: %zu-byte head, %.0f ns/request\n", sizeof(s) - 1, ns);
    assert_int_equal(r.header_count, 6);
}

static void
test_reason_phrases(void **state)
{
    (void)state;
    assert_string_equal(http_reason(200), "OK");
    assert_string_equal(http_reason(421), "Misdirected Request");
    assert_string_equal(http_reason(431), "Request Header Fields Too Large");
    assert_string_equal(http_reason(413), "Content Too Large");
    assert_string_equal(http_reason(505), "HTTP Version Not Supported");
    assert_string_equal(http_reason(999), "Unknown");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_origin_form),
        cmocka_unit_test(test_query_forms),
        cmocka_unit_test(test_http10),
        cmocka_unit_test(test_connection_and_expect),
        cmocka_unit_test(test_absolute_form),
        cmocka_unit_test(test_asterisk_connect_other),
        cmocka_unit_test(test_host_values),
        cmocka_unit_test(test_leading_crlf_and_values),
        cmocka_unit_test(test_framing_valid),
        cmocka_unit_test(test_pipelined),
        cmocka_unit_test(test_max_headers),
        cmocka_unit_test(test_reject_line_endings),
        cmocka_unit_test(test_reject_request_line),
        cmocka_unit_test(test_reject_version),
        cmocka_unit_test(test_reject_target_forms),
        cmocka_unit_test(test_reject_header_syntax),
        cmocka_unit_test(test_reject_host),
        cmocka_unit_test(test_reject_content_length),
        cmocka_unit_test(test_reject_transfer_encoding),
        cmocka_unit_test(test_limits_small),
        cmocka_unit_test(test_limits_default),
        cmocka_unit_test(test_limits_huge),
        cmocka_unit_test(test_chunked_valid),
        cmocka_unit_test(test_chunked_done_is_sticky),
        cmocka_unit_test(test_chunked_errors),
        cmocka_unit_test(test_hidden_request_in_body),
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_dates_invalid),
        cmocka_unit_test(test_token_lists_and_names),
        cmocka_unit_test(test_class_table),
        cmocka_unit_test(test_reason_phrases),
        cmocka_unit_test(test_speed),
    };

    http_limits_default(&deflim);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
