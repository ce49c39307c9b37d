/* Unit tests for fcgi.c: records out, records in (any split), the CGI response head. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fcgi.h"

/* ---- encoding ---------------------------------------------------------- */

static void
test_begin_request(void **state)
{
    struct fcgi_buf b;
    static const unsigned char want[] = {1, 1, 0x12, 0x34, 0, 8, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0};

    (void)state;
    fcgi_buf_init(&b, 1024);
    assert_int_equal(fcgi_begin_request(&b, 0x1234, true), 0);
    assert_int_equal(b.len, sizeof(want));
    assert_memory_equal(b.data, want, sizeof(want));
    fcgi_buf_free(&b);
    assert_int_equal(fcgi_begin_request(&b, 1, false), 0);
    assert_int_equal(b.data[8 + 2], 0); /* no FCGI_KEEP_CONN */
    fcgi_buf_free(&b);
}

/* Decodes one length prefix at *p. */
static size_t
get_len(const unsigned char **p)
{
    const unsigned char *q = *p;
    if (q[0] < 128) {
        *p += 1;
        return q[0];
    }
    *p += 4;
    return ((size_t)(q[0] & 0x7f) << 24) | ((size_t)q[1] << 16) | ((size_t)q[2] << 8) | q[3];
}

static void
test_params_lengths(void **state)
{
    struct fcgi_buf b;
    char big[300];
    const unsigned char *p;
    size_t n;

    (void)state;
    memset(big, 'v', sizeof(big));
    fcgi_buf_init(&b, 1 << 20);
    assert_int_equal(fcgi_param(&b, 1, "A", 1, "xy", 2), 0);
    assert_int_equal(fcgi_param(&b, 1, "LONG", 4, big, sizeof(big)), 0);
    assert_int_equal(fcgi_param(&b, 1, "E", 1, "", 0), 0);
    assert_int_equal(fcgi_params_end(&b, 1), 0);
    /* one record holding three pairs, then the empty record */
    assert_int_equal(b.data[1], FCGI_PARAMS);
    n = ((size_t)b.data[4] << 8) | b.data[5];
    assert_int_equal(n, (1 + 1 + 1 + 2) + (1 + 4 + 4 + 300) + (1 + 1 + 1));
    p = b.data + 8;
    assert_int_equal(get_len(&p), 1);
    assert_int_equal(get_len(&p), 2);
    assert_memory_equal(p, "Axy", 3);
    p += 3;
    assert_int_equal(get_len(&p), 4);
    assert_int_equal(get_len(&p), 300);
    assert_memory_equal(p, "LONG", 4);
    p += 4 + 300;
    assert_int_equal(get_len(&p), 1);
    assert_int_equal(get_len(&p), 0);
    assert_int_equal(*p, 'E');
    p++;
    assert_int_equal((size_t)(p - b.data), 8 + n);
    assert_int_equal(b.len, 8 + n + 8);
    assert_int_equal(p[1], FCGI_PARAMS);
    assert_int_equal(p[4] | p[5], 0);
    fcgi_buf_free(&b);
}

/* A pair never spans two records: PHP parses each PARAMS record on its own. */
static void
test_params_no_split(void **state)
{
    struct fcgi_buf b;
    char *v = malloc(40000);
    size_t first;

    (void)state;
    memset(v, 'x', 40000);
    fcgi_buf_init(&b, 1 << 20);
    assert_int_equal(fcgi_param(&b, 7, "ONE", 3, v, 40000), 0);
    assert_int_equal(fcgi_param(&b, 7, "TWO", 3, v, 40000), 0);
    first = ((size_t)b.data[4] << 8) | b.data[5];
    assert_int_equal(first, 1 + 4 + 3 + 40000);
    assert_int_equal(b.data[8 + first + 1], FCGI_PARAMS);
    assert_int_equal(((size_t)b.data[8 + first + 4] << 8) | b.data[8 + first + 5], first);
    /* too long for one record, empty name: refused, buffer unchanged */
    first = b.len;
    assert_int_equal(fcgi_param(&b, 7, "N", 1, v, 65535 - 5), -1);
    assert_int_equal(fcgi_param(&b, 7, "", 0, "x", 1), -1);
    assert_int_equal(b.len, first);
    fcgi_buf_free(&b);
    free(v);
}

static void
test_bound(void **state)
{
    struct fcgi_buf b;

    (void)state;
    fcgi_buf_init(&b, 20);
    assert_int_equal(fcgi_begin_request(&b, 1, true), 0);
    assert_int_equal(fcgi_param(&b, 1, "AB", 2, "CD", 2), -1); /* 16 + 8 + 6 > 20 */
    assert_int_equal(b.len, 16);
    assert_int_equal(fcgi_abort_request(&b, 1), -1);
    fcgi_buf_free(&b);
}

static void
test_stdin_records(void **state)
{
    struct fcgi_buf b;
    unsigned char *big = malloc(70000);

    (void)state;
    memset(big, 'z', 70000);
    fcgi_buf_init(&b, 1 << 20);
    assert_int_equal(fcgi_stdin(&b, 2, big, 70000), 0);
    assert_int_equal(fcgi_stdin(&b, 2, NULL, 0), 0);
    assert_int_equal(b.len, 8 + 65535 + 8 + (70000 - 65535) + 8);
    assert_int_equal(b.data[1], FCGI_STDIN);
    assert_int_equal(((size_t)b.data[4] << 8) | b.data[5], 65535);
    assert_int_equal(((size_t)b.data[8 + 65535 + 4] << 8) | b.data[8 + 65535 + 5], 70000 - 65535);
    assert_int_equal(b.data[b.len - 8 + 1], FCGI_STDIN);
    assert_int_equal(b.data[b.len - 8 + 4] | b.data[b.len - 8 + 5], 0);
    fcgi_buf_free(&b);
    assert_int_equal(fcgi_abort_request(&b, 2), 0);
    assert_int_equal(b.data[1], FCGI_ABORT_REQUEST);
    fcgi_buf_free(&b);
    free(big);
}

/* ---- decoding ---------------------------------------------------------- */

/* Appends a record with padding pad. */
static size_t
rec(unsigned char *out, unsigned type, unsigned id, const void *data, size_t len, unsigned pad)
{
    out[0] = 1;
    out[1] = (unsigned char)type;
    out[2] = (unsigned char)(id >> 8);
    out[3] = (unsigned char)id;
    out[4] = (unsigned char)(len >> 8);
    out[5] = (unsigned char)len;
    out[6] = (unsigned char)pad;
    out[7] = 0;
    memcpy(out + 8, data, len);
    memset(out + 8 + len, 0xee, pad);
    return 8 + len + pad;
}

static size_t
end_rec(unsigned char *out, unsigned id, uint32_t app, unsigned proto, unsigned pad)
{
    unsigned char body[8] = {(unsigned char)(app >> 24),
                             (unsigned char)(app >> 16),
                             (unsigned char)(app >> 8),
                             (unsigned char)app,
                             (unsigned char)proto,
                             0,
                             0,
                             0};
    return rec(out, FCGI_END_REQUEST, id, body, 8, pad);
}

struct collected {
    char out[4096];
    size_t nout;
    char err[4096];
    size_t nerr;
    bool out_ended, ended;
    uint32_t app;
    unsigned proto;
    const char *error;
};

/* Feeds stream[0..len) to a decoder in pieces of step bytes; collects the events. */
static void
feed(const unsigned char *stream, size_t len, size_t step, unsigned id, struct collected *c)
{
    struct fcgi_decoder d;
    size_t at = 0;

    memset(c, 0, sizeof(*c));
    fcgi_decoder_init(&d, (uint16_t)id);
    while (at < len && c->error == NULL) {
        size_t n = len - at < step ? len - at : step;
        const unsigned char *p = stream + at;
        at += n;
        for (;;) {
            struct fcgi_event ev;
            size_t used = fcgi_decode(&d, p, n, &ev);
            assert_true(used <= n);
            p += used;
            n -= used;
            if (ev.kind == FCGI_EV_ERROR) {
                c->error = ev.why;
                break;
            }
            if (ev.kind == FCGI_EV_STDOUT) {
                assert_true(ev.len >= 1);
                memcpy(c->out + c->nout, ev.data, ev.len);
                c->nout += ev.len;
            } else if (ev.kind == FCGI_EV_STDERR) {
                memcpy(c->err + c->nerr, ev.data, ev.len);
                c->nerr += ev.len;
            } else if (ev.kind == FCGI_EV_STDOUT_END) {
                c->out_ended = true;
            } else if (ev.kind == FCGI_EV_END) {
                c->ended = true;
                c->app = ev.app_status;
                c->proto = ev.protocol_status;
                if (n > 0) {
                    /* the next call must refuse what is left */
                    used = fcgi_decode(&d, p, n, &ev);
                    assert_int_equal(used, 0);
                    assert_int_equal(ev.kind, FCGI_EV_ERROR);
                    c->error = ev.why;
                }
                break;
            } else if (ev.kind == FCGI_EV_NONE) {
                assert_int_equal(n, 0);
                break;
            }
        }
    }
}

static void
test_decode_any_split(void **state)
{
    unsigned char s[512];
    size_t n = 0;
    struct collected c;

    (void)state;
    n += rec(s + n, FCGI_STDOUT, 3, "Content-Type: text/plain\r\n\r\n", 28, 4);
    n += rec(s + n, FCGI_STDERR, 3, "warn", 4, 0);
    n += rec(s + n, FCGI_STDOUT, 3, "hello", 5, 3);
    n += rec(s + n, FCGI_STDERR, 3, "", 0, 0);
    n += rec(s + n, FCGI_STDOUT, 3, "", 0, 7);
    n += end_rec(s + n, 3, 0x01020304, FCGI_REQUEST_COMPLETE, 5);
    for (size_t step = 1; step <= n; step++) {
        feed(s, n, step, 3, &c);
        assert_null(c.error);
        assert_true(c.ended && c.out_ended);
        assert_int_equal(c.nout, 33);
        assert_memory_equal(c.out, "Content-Type: text/plain\r\n\r\nhello", 33);
        assert_int_equal(c.nerr, 4);
        assert_int_equal(c.app, 0x01020304);
        assert_int_equal(c.proto, 0);
    }
}

static void
assert_refused(const unsigned char *s, size_t n, const char *why_part)
{
    struct collected c;

    for (size_t step = 1; step <= n; step++) {
        feed(s, n, step, 1, &c);
        if (c.error == NULL || strstr(c.error, why_part) == NULL)
            fail_msg("step %zu: error \"%s\", want \"%s\"", step, c.error ? c.error : "(none)",
                     why_part);
    }
}

static void
test_decode_errors(void **state)
{
    unsigned char s[256];
    size_t n;

    (void)state;
    n = rec(s, FCGI_STDOUT, 1, "x", 1, 0);
    s[0] = 2;
    assert_refused(s, n, "version");
    n = rec(s, FCGI_STDOUT, 2, "x", 1, 0);
    assert_refused(s, n, "another request id");
    n = rec(s, FCGI_GET_VALUES_RESULT, 0, "", 0, 0);
    assert_refused(s, n, "management record");
    n = rec(s, FCGI_PARAMS, 1, "", 0, 0);
    assert_refused(s, n, "record type");
    n = rec(s, FCGI_END_REQUEST, 1, "1234", 4, 0);
    assert_refused(s, n, "8 bytes");
    n = rec(s, FCGI_STDOUT, 1, "", 0, 0);
    n += rec(s + n, FCGI_STDOUT, 1, "late", 4, 0);
    assert_refused(s, n, "after the end of the STDOUT");
    n = end_rec(s, 1, 0, 0, 0);
    n += rec(s + n, FCGI_STDOUT, 1, "x", 1, 0);
    assert_refused(s, n, "after END_REQUEST");
}

static void
test_decode_overloaded(void **state)
{
    unsigned char s[64];
    size_t n = end_rec(s, 1, 0, FCGI_OVERLOADED, 0);
    struct collected c;

    (void)state;
    feed(s, n, n, 1, &c);
    assert_true(c.ended);
    assert_int_equal(c.proto, FCGI_OVERLOADED);
    assert_int_equal(c.nout, 0);
}

/* The decoder reads what the encoder's fcgi_header() writes. */
static void
test_header_roundtrip(void **state)
{
    unsigned char s[64];
    struct fcgi_decoder d;
    struct fcgi_event ev;

    (void)state;
    fcgi_header(s, FCGI_STDOUT, 9, 3);
    memcpy(s + 8, "abc", 3);
    fcgi_decoder_init(&d, 9);
    assert_int_equal(fcgi_decode(&d, s, 11, &ev), 11);
    assert_int_equal(ev.kind, FCGI_EV_STDOUT);
    assert_int_equal(ev.len, 3);
    assert_ptr_equal(ev.data, s + 8);
}

/* ---- the response head ------------------------------------------------- */

static int
head(const char *text, struct fcgi_head *h, const char **why)
{
    size_t end = fcgi_head_end(text, strlen(text));

    if (end == 0) {
        *why = "incomplete";
        return -1;
    }
    return fcgi_head_parse(text, end, h, why);
}

static void
test_head_end(void **state)
{
    (void)state;
    assert_int_equal(fcgi_head_end("A: b\r\n\r\nbody", 12), 8);
    assert_int_equal(fcgi_head_end("A: b\n\nbody", 10), 6);
    assert_int_equal(fcgi_head_end("A: b\r\n\nx", 8), 7);
    assert_int_equal(fcgi_head_end("A: b\r\n\r", 7), 0);
    assert_int_equal(fcgi_head_end("A: b", 4), 0);
}

static void
test_head_document(void **state)
{
    struct fcgi_head h;
    const char *why;

    (void)state;
    assert_int_equal(head("X-Powered-By: PHP/8.2\r\nContent-type: text/html; charset=UTF-8\r\n"
                          "Set-Cookie: a=b\r\n\r\n",
                          &h, &why),
                     0);
    assert_int_equal(h.kind, FCGI_RESP_DOCUMENT);
    assert_int_equal(h.status, 200);
    assert_null(h.reason);
    assert_int_equal(h.nfields, 3);
    assert_non_null(h.content_type);
    assert_int_equal(h.content_type->value_len, strlen("text/html; charset=UTF-8"));
    assert_memory_equal(h.fields[2].value, "a=b", 3);

    assert_int_equal(head("Status: 404 Not Found\nContent-Type: text/plain\n\n", &h, &why), 0);
    assert_int_equal(h.status, 404);
    assert_int_equal(h.reason_len, 9);
    assert_memory_equal(h.reason, "Not Found", 9);
    assert_int_equal(h.nfields, 1); /* Status is not a field */
    assert_int_equal(head("Status: 204\r\n\r\n", &h, &why), 0);
    assert_int_equal(h.status, 204);
}

static void
test_head_redirects(void **state)
{
    struct fcgi_head h;
    const char *why;

    (void)state;
    assert_int_equal(head("Location: /other/page.php?x=1\r\n\r\n", &h, &why), 0);
    assert_int_equal(h.kind, FCGI_RESP_LOCAL_REDIRECT);
    assert_int_equal(head("Location: https://example.org/\r\n\r\n", &h, &why), 0);
    assert_int_equal(h.kind, FCGI_RESP_CLIENT_REDIRECT);
    assert_int_equal(h.status, 302);
    /* PHP's header("Location: /x") comes with its own Status: the client is redirected */
    assert_int_equal(
        head("Status: 302 Found\r\nLocation: /x\r\nContent-type: text/html\r\n\r\n", &h, &why), 0);
    assert_int_equal(h.kind, FCGI_RESP_CLIENT_REDIRECT);
    assert_int_equal(h.status, 302);
    /* "//host/x" is a network-path reference, not a local path */
    assert_int_equal(head("Location: //evil.example/x\r\n\r\n", &h, &why), -1);
    assert_int_equal(head("Location: relative\r\n\r\n", &h, &why), -1);
}

static void
test_head_refused(void **state)
{
    static const char *const bad[] = {"Content-Type: a\r\n continued\r\n\r\n",
                                      "Content-Type a\r\n\r\n",
                                      ": x\r\nContent-Type: a\r\n\r\n",
                                      "Bad Name: x\r\nContent-Type: a\r\n\r\n",
                                      "Content-Type: a\rb\r\n\r\n",
                                      "Content-Type: a\x01\r\n\r\n",
                                      "Status: 99\r\n\r\n",
                                      "Status: 600 Too\r\n\r\n",
                                      "Status: 20x\r\n\r\n",
                                      "Status: 200OK\r\n\r\n",
                                      "Status: 200\r\nStatus: 200\r\n\r\n",
                                      "Content-Type: a\r\nContent-Type: b\r\n\r\n",
                                      "Location: /a\r\nLocation: /b\r\n\r\n",
                                      "Content-Type:\r\n\r\n",
                                      "X-Only: 1\r\n\r\n",
                                      "\r\n",
                                      NULL};
    struct fcgi_head h;
    const char *why;

    (void)state;
    for (size_t i = 0; bad[i] != NULL; i++) {
        if (head(bad[i], &h, &why) != -1)
            fail_msg("accepted: \"%s\"", bad[i]);
        assert_non_null(why);
    }
}

static void
test_head_too_many_fields(void **state)
{
    char text[4096];
    size_t n = 0;
    struct fcgi_head h;
    const char *why;

    (void)state;
    for (int i = 0; i < FCGI_HEAD_MAX_FIELDS; i++)
        n += (size_t)snprintf(text + n, sizeof(text) - n, "X-%d: v\r\n", i);
    snprintf(text + n, sizeof(text) - n, "Content-Type: a\r\n\r\n");
    assert_int_equal(head(text, &h, &why), -1);
    assert_non_null(strstr(why, "too many"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_begin_request),    cmocka_unit_test(test_params_lengths),
        cmocka_unit_test(test_params_no_split),  cmocka_unit_test(test_bound),
        cmocka_unit_test(test_stdin_records),    cmocka_unit_test(test_decode_any_split),
        cmocka_unit_test(test_decode_errors),    cmocka_unit_test(test_decode_overloaded),
        cmocka_unit_test(test_header_roundtrip), cmocka_unit_test(test_head_end),
        cmocka_unit_test(test_head_document),    cmocka_unit_test(test_head_redirects),
        cmocka_unit_test(test_head_refused),     cmocka_unit_test(test_head_too_many_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
