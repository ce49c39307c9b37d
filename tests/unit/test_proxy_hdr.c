/* Unit tests for src/server/proxy_hdr.c: which client headers reach the
 * upstream (spoofed identity, '_' names, hop-by-hop), which response headers
 * reach the client, and the strict upstream response parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/server/http.c"
#include "../../src/server/proxy_hdr.c"

#define S(x) x, sizeof(x) - 1

static const char *const owned[] = {"X-Forwarded-For", "X-Forwarded-Proto", "X-ARR-ClientCert",
                                    "X-Remote-User"};

static void
test_same(void **state)
{
    (void)state;
    assert_true(proxy_hdr_same(S("X-Remote-User"), S("x_remote_user")));
    assert_true(proxy_hdr_same(S("X_REMOTE-USER"), S("x-remote_user")));
    assert_false(proxy_hdr_same(S("X-Remote-Users"), S("X-Remote-User")));
    assert_false(proxy_hdr_same(S("X-Remote.User"), S("X-Remote-User")));
    assert_false(proxy_hdr_same(S("XRemote-User"), S("X-RemoteUser")));
}

/* Every spelling of a header certmapd sets is a spoof, whatever the switches. */
static void
test_spoofed(void **state)
{
    static const char *const spoofs[] = {
        "X-Remote-User",    "x-remote-user",    "X_REMOTE_USER",     "x_Remote-user",
        "X-ARR-CLIENTCERT", "x-arr_clientcert", "X-Forwarded-Proto", "X_FORWARDED_FOR",
    };
    struct proxy_hdr_policy p = {owned, 4, NULL, 0, false, false};

    (void)state;
    for (size_t i = 0; i < sizeof(spoofs) / sizeof(spoofs[0]); i++) {
        p.keep_underscore = false;
        assert_int_equal(proxy_hdr_request(&p, spoofs[i], strlen(spoofs[i])), PROXY_HDR_OWNED);
        p.keep_underscore = true;
        assert_int_equal(proxy_hdr_request(&p, spoofs[i], strlen(spoofs[i])), PROXY_HDR_OWNED);
    }
}

static void
test_underscore(void **state)
{
    struct proxy_hdr_policy p = {owned, 4, NULL, 0, false, false};

    (void)state;
    assert_int_equal(proxy_hdr_request(&p, S("X_Tenant")), PROXY_HDR_UNDERSCORE);
    assert_int_equal(proxy_hdr_request(&p, S("X-Tenant")), PROXY_HDR_FORWARD);
    p.keep_underscore = true;
    assert_int_equal(proxy_hdr_request(&p, S("X_Tenant")), PROXY_HDR_FORWARD);
}

static void
test_hop_by_hop(void **state)
{
    static const char *const hops[] = {"Connection",
                                       "keep-alive",
                                       "TE",
                                       "Trailer",
                                       "Transfer-Encoding",
                                       "Upgrade",
                                       "Proxy-Authorization",
                                       "proxy-connection",
                                       "X-Hop"};
    const char *conn = "close, X-Hop";
    struct proxy_hdr_policy p = {owned, 4, conn, strlen(conn), false, false};

    (void)state;
    for (size_t i = 0; i < sizeof(hops) / sizeof(hops[0]); i++)
        assert_int_equal(proxy_hdr_request(&p, hops[i], strlen(hops[i])), PROXY_HDR_HOP);
    assert_int_equal(proxy_hdr_request(&p, S("Host")), PROXY_HDR_REPLACED);
    assert_int_equal(proxy_hdr_request(&p, S("content-length")), PROXY_HDR_REPLACED);
    assert_int_equal(proxy_hdr_request(&p, S("Expect")), PROXY_HDR_REPLACED);
    assert_int_equal(proxy_hdr_request(&p, S("Accept")), PROXY_HDR_FORWARD);
    assert_int_equal(proxy_hdr_request(&p, S("X-Hopper")), PROXY_HDR_FORWARD);
    /* an upgrade being passed: proxy.c writes Upgrade itself */
    p.upgrade = true;
    assert_int_equal(proxy_hdr_request(&p, S("Upgrade")), PROXY_HDR_REPLACED);
    assert_int_equal(proxy_hdr_request(&p, S("Sec-WebSocket-Key")), PROXY_HDR_FORWARD);
}

static void
test_response_hop(void **state)
{
    (void)state;
    assert_true(proxy_hdr_response_hop(S("Keep-Alive"), NULL, 0, false));
    assert_true(proxy_hdr_response_hop(S("Transfer-Encoding"), NULL, 0, false));
    assert_true(proxy_hdr_response_hop(S("Content-Length"), NULL, 0, false));
    assert_true(proxy_hdr_response_hop(S("X-Internal"), S("X-Internal, close"), false));
    assert_true(proxy_hdr_response_hop(S("Upgrade"), NULL, 0, false));
    assert_false(proxy_hdr_response_hop(S("Set-Cookie"), S("close"), false));
    assert_false(proxy_hdr_response_hop(S("Sec-WebSocket-Accept"), NULL, 0, true));
}

static void
parse_ok(const char *head, struct proxy_response *r)
{
    const char *why;
    size_t len = strlen(head);
    char *copy = malloc(len);

    memcpy(copy, head, len);
    /* every prefix asks for more, then the whole head parses */
    for (size_t i = 0; i < len; i++)
        if (proxy_parse_response(copy, i, 65536, r, &why) != PROXY_PARSE_AGAIN)
            fail_msg("prefix %zu of %s: %s", i, head, why ? why : "done");
    assert_int_equal(proxy_parse_response(copy, len, 65536, r, &why), PROXY_PARSE_DONE);
    assert_int_equal(r->head_len, len);
    free(copy);
}

static void
test_parse_response(void **state)
{
    struct proxy_response r;

    (void)state;
    parse_ok("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b\r\n\r\n", &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.content_length, 5);
    assert_false(r.chunked);
    assert_false(r.close);
    assert_int_equal(r.header_count, 2);
    parse_ok("HTTP/1.1 201 \r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n", &r);
    assert_int_equal(r.status, 201);
    assert_true(r.chunked);
    assert_true(r.close);
    parse_ok("HTTP/1.0 200 OK\r\n\r\n", &r);
    assert_true(r.close);
    parse_ok("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n", &r);
    assert_false(r.close);
    parse_ok(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
        &r);
    assert_int_equal(r.status, 101);
}

static void
test_parse_response_errors(void **state)
{
    static const char *const bad[] = {
        "HTTP/2 200 OK\r\n\r\n",
        "HTTP/1.1 20 OK\r\n\r\n",
        "HTTP/1.1 200OK\r\n\r\n",
        "ICY 200 OK\r\n\r\n",
        "HTTP/1.1 200 OK\nX: y\r\n\r\n",
        "HTTP/1.1 200 OK\r\nX : y\r\n\r\n",
        "HTTP/1.1 200 OK\r\n folded\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: +1\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
        "HTTP/1.1 200 OK\r\nX: a\x01b\r\n\r\n",
    };
    struct proxy_response r;
    const char *why;
    char big[300];

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (proxy_parse_response(bad[i], strlen(bad[i]), 65536, &r, &why) != PROXY_PARSE_ERROR)
            fail_msg("accepted: %s", bad[i]);
    /* bounded: a head larger than the limit is an error as soon as the limit is reached */
    memset(big, 'a', sizeof(big));
    memcpy(big, "HTTP/1.1 200 OK\r\nX: ", 20);
    assert_int_equal(proxy_parse_response(big, sizeof(big), 256, &r, &why), PROXY_PARSE_ERROR);
    assert_non_null(strstr(why, "maxResponseHeaderSize"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same),
        cmocka_unit_test(test_spoofed),
        cmocka_unit_test(test_underscore),
        cmocka_unit_test(test_hop_by_hop),
        cmocka_unit_test(test_response_hop),
        cmocka_unit_test(test_parse_response),
        cmocka_unit_test(test_parse_response_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
