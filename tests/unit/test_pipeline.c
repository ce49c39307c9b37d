/*
 * Unit tests for the request pipeline decisions of pipeline.c: path
 * normalisation, Host handling, routing, Basic credentials, realm.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "server_modules.h"

/* ---- pipeline_normalize_path ---- */

static int
norm(const char *in, char *out)
{
    size_t len = 0;
    int r = pipeline_normalize_path(in, strlen(in), out, PIPELINE_PATH_MAX + 1, &len);

    if (r == 0)
        assert_int_equal(len, strlen(out));
    return r;
}

static void
test_normalize_plain_and_decoded(void **state)
{
    char out[PIPELINE_PATH_MAX + 1];

    (void)state;
    assert_int_equal(norm("/", out), 0);
    assert_string_equal(out, "/");
    assert_int_equal(norm("/a/b.html", out), 0);
    assert_string_equal(out, "/a/b.html");
    assert_int_equal(norm("/%41%62c", out), 0);
    assert_string_equal(out, "/Abc");
    assert_int_equal(norm("/a//b///c/", out), 0);
    assert_string_equal(out, "/a/b/c/");
    assert_int_equal(norm("/.../x", out), 0); /* "..." is a name, not a dot segment */
    assert_string_equal(out, "/.../x");
    assert_int_equal(norm("/a.b/.c", out), 0);
    assert_string_equal(out, "/a.b/.c");
    assert_int_equal(norm("/caf%C3%A9", out), 0);
    assert_string_equal(out, "/caf\xc3\xa9");
}

static void
test_normalize_refusals(void **state)
{
    static const char *bad[] = {
        "",       "a/b",    "/a/../b", "/..",    "/a/.",   "/./a",     "/%2e%2e/x",
        "/%2E/x", "/a%2fb", "/a%2Fb",  "/a%5cb", "/a\\b",  "/%00",     "/a%",
        "/a%4",   "/a%zz",  "/a%0a",   "/a\x01", "/a/%2e", "/x/.%2e/", "/%7f",
    };
    char out[PIPELINE_PATH_MAX + 1];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int r = norm(bad[i], out);
        if (r != 400)
            fail_msg("\"%s\": expected 400, got %d", bad[i], r);
    }
}

static void
test_normalize_too_long(void **state)
{
    char *in = malloc(PIPELINE_PATH_MAX + 10);
    char out[PIPELINE_PATH_MAX + 1], small[8];
    size_t len;

    (void)state;
    assert_non_null(in);
    in[0] = '/';
    memset(in + 1, 'a', PIPELINE_PATH_MAX + 8);
    in[PIPELINE_PATH_MAX + 9] = '\0';
    assert_int_equal(norm(in, out), 414);
    assert_int_equal(pipeline_normalize_path("/abcdefgh", 9, small, sizeof(small), &len), 414);
    assert_int_equal(pipeline_normalize_path("/abcdef", 7, small, sizeof(small), &len), 0);
    assert_string_equal(small, "/abcdef");
    free(in);
}

/* ---- Host ---- */

static void
test_host_name(void **state)
{
    const char *n;
    size_t len;

    (void)state;
    pipeline_host_name("Example.com:443", 15, &n, &len);
    assert_int_equal(len, 11);
    assert_memory_equal(n, "Example.com", 11);
    pipeline_host_name("example.com.", 12, &n, &len);
    assert_int_equal(len, 11);
    pipeline_host_name("[::1]:8443", 10, &n, &len);
    assert_int_equal(len, 5);
    assert_memory_equal(n, "[::1]", 5);
    pipeline_host_name("localhost", 9, &n, &len);
    assert_int_equal(len, 9);
}

/* ---- routing over a hand-built endpoint ---- */

struct route_fixture {
    struct snap_site a, b;
    struct snap_binding ba, bb, bany;
    struct snap_binding *list[3];
    struct snap_endpoint ep;
};

static void
route_setup(struct route_fixture *f, bool with_any)
{
    memset(f, 0, sizeof(*f));
    f->a.name = "A";
    f->b.name = "B";
    f->ba.site = &f->a;
    f->ba.host = "a.example";
    f->bb.site = &f->b;
    f->bb.host = "B.example";
    f->bany.site = &f->a;
    f->bany.host = "";
    f->list[0] = &f->ba;
    f->list[1] = &f->bb;
    f->list[2] = &f->bany;
    f->ep.bindings = f->list;
    f->ep.nbindings = with_any ? 3 : 2;
}

static void
test_route(void **state)
{
    struct route_fixture f;
    const struct snap_binding *b = NULL;

    (void)state;
    route_setup(&f, true);
    /* Plain HTTP: the Host header alone decides, case-insensitively. */
    assert_int_equal(pipeline_route(&f.ep, NULL, "b.EXAMPLE", 9, &b), 0);
    assert_ptr_equal(b, &f.bb);
    assert_int_equal(pipeline_route(&f.ep, NULL, "other", 5, &b), 0);
    assert_ptr_equal(b, &f.bany);
    assert_int_equal(pipeline_route(&f.ep, NULL, NULL, 0, &b), 0);
    assert_ptr_equal(b, &f.bany);
    /* TLS for site A, Host of site B: misdirected. */
    assert_int_equal(pipeline_route(&f.ep, &f.ba, "b.example", 9, &b), 421);
    /* TLS for A, Host unknown: falls to the any-host binding of A. */
    assert_int_equal(pipeline_route(&f.ep, &f.ba, "x", 1, &b), 0);
    assert_ptr_equal(b, &f.bany);
    /* No Host (HTTP/1.0): the TLS binding. */
    assert_int_equal(pipeline_route(&f.ep, &f.bb, NULL, 0, &b), 0);
    assert_ptr_equal(b, &f.bb);
    /* Without an any-host binding an unknown name is refused. */
    route_setup(&f, false);
    assert_int_equal(pipeline_route(&f.ep, NULL, "other", 5, &b), 400);
    assert_int_equal(pipeline_route(&f.ep, NULL, "", 0, &b), 400);
}

static void
test_parse_basic(void **state)
{
    char u[PIPELINE_CRED_MAX], p[PIPELINE_CRED_MAX];
    const char *v;

    (void)state;
    v = "Basic YWxpY2U6czNjcjp0"; /* alice:s3cr:t */
    assert_int_equal(pipeline_parse_basic(v, strlen(v), u, sizeof(u), p, sizeof(p)), 0);
    assert_string_equal(u, "alice");
    assert_string_equal(p, "s3cr:t");
    v = "basic   Ym9iOg==  "; /* bob: (empty password) */
    assert_int_equal(pipeline_parse_basic(v, strlen(v), u, sizeof(u), p, sizeof(p)), 0);
    assert_string_equal(u, "bob");
    assert_string_equal(p, "");
    v = "Bearer abc";
    assert_int_equal(pipeline_parse_basic(v, strlen(v), u, sizeof(u), p, sizeof(p)), 1);
    v = "Basic YWxpY2U="; /* no colon */
    assert_int_equal(pipeline_parse_basic(v, strlen(v), u, sizeof(u), p, sizeof(p)), -1);
    v = "Basic Ol9w"; /* ":_p": empty user */
    assert_int_equal(pipeline_parse_basic(v, strlen(v), u, sizeof(u), p, sizeof(p)), -1);
    v = "Basic !!!!";
    assert_int_equal(pipeline_parse_basic(v, strlen(v), u, sizeof(u), p, sizeof(p)), -1);
    v = "Basic YWxpY2U6cHc"; /* missing padding */
    assert_int_equal(pipeline_parse_basic(v, strlen(v), u, sizeof(u), p, sizeof(p)), -1);
    v = "Basic Ym9iOh=="; /* "bob:" with unused bits set: a second spelling, refused */
    assert_int_equal(pipeline_parse_basic(v, strlen(v), u, sizeof(u), p, sizeof(p)), -1);
    v = "Basic YWxp Y2U6cHc="; /* whitespace inside */
    assert_int_equal(pipeline_parse_basic(v, strlen(v), u, sizeof(u), p, sizeof(p)), -1);
    v = "Basic YQBiOmM="; /* "a\0b:c" */
    assert_int_equal(pipeline_parse_basic(v, strlen(v), u, sizeof(u), p, sizeof(p)), -1);
    v = "Basic YWxpY2U6czNjcjp0";
    assert_int_equal(pipeline_parse_basic(v, strlen(v), u, 4, p, sizeof(p)), -1);
}

static void
test_realm(void **state)
{
    struct certmap_settings loc;
    struct snap_site site;
    char buf[64];

    (void)state;
    memset(&loc, 0, sizeof(loc));
    memset(&site, 0, sizeof(site));
    site.name = "Default Web Site";
    loc.basic_realm = "";
    assert_string_equal(pipeline_realm(&loc, "host\"x", 6, &site, buf, sizeof(buf)), "hostx");
    assert_string_equal(pipeline_realm(&loc, NULL, 0, &site, buf, sizeof(buf)), "Default Web Site");
    loc.basic_realm = "Corp";
    assert_string_equal(pipeline_realm(&loc, "h", 1, &site, buf, sizeof(buf)), "Corp");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normalize_plain_and_decoded),
        cmocka_unit_test(test_normalize_refusals),
        cmocka_unit_test(test_normalize_too_long),
        cmocka_unit_test(test_host_name),
        cmocka_unit_test(test_route),
        cmocka_unit_test(test_parse_basic),
        cmocka_unit_test(test_realm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
