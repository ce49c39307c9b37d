/*
 * Unit tests for the request pipeline decisions (pipeline.c) and the
 * certificate verification mapping (tls.c): path normalisation, Host
 * handling, routing, sslFlags, authentication modules, Basic credentials.
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

/* ---- access ---- */

static int
access_check(unsigned flags, bool tls, int bits, bool cert, long verify, int *sub)
{
    struct certmap_settings loc;
    struct pipeline_conn_info ci;

    memset(&loc, 0, sizeof(loc));
    loc.ssl_flags = flags;
    ci.tls = tls;
    ci.cipher_bits = bits;
    ci.has_cert = cert;
    ci.cert_verify = verify;
    return pipeline_access(&loc, &ci, sub);
}

static void
test_access(void **state)
{
    const unsigned req = CERTMAP_SSL | CERTMAP_SSL_NEGOTIATE_CERT | CERTMAP_SSL_REQUIRE_CERT;
    const unsigned neg = CERTMAP_SSL | CERTMAP_SSL_NEGOTIATE_CERT;
    int sub = -1;

    (void)state;
    assert_int_equal(access_check(0, false, 0, false, X509_V_OK, &sub), 0);
    assert_int_equal(sub, 0);
    assert_int_equal(access_check(CERTMAP_SSL, false, 0, false, X509_V_OK, &sub), 403);
    assert_int_equal(sub, 4);
    assert_int_equal(access_check(req, false, 0, false, X509_V_OK, &sub), 403);
    assert_int_equal(sub, 4); /* plain HTTP is refused before the certificate */
    assert_int_equal(access_check(CERTMAP_SSL | CERTMAP_SSL_128, true, 56, false, 0, &sub), 403);
    assert_int_equal(sub, 5);
    assert_int_equal(access_check(CERTMAP_SSL | CERTMAP_SSL_128, true, 128, false, 0, &sub), 0);
    assert_int_equal(access_check(req, true, 256, false, X509_V_OK, &sub), 403);
    assert_int_equal(sub, 7);
    assert_int_equal(access_check(neg, true, 256, false, X509_V_OK, &sub), 0);
    assert_int_equal(access_check(req, true, 256, true, X509_V_OK, &sub), 0);
    assert_int_equal(access_check(req, true, 256, true, X509_V_ERR_CERT_HAS_EXPIRED, &sub), 403);
    assert_int_equal(sub, 17);
    assert_int_equal(access_check(neg, true, 256, true, X509_V_ERR_CERT_REVOKED, &sub), 403);
    assert_int_equal(sub, 13);
    assert_int_equal(
        access_check(neg, true, 256, true, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, &sub),
        403);
    assert_int_equal(sub, 16);
    /* A location that does not negotiate certificates ignores a bad one. */
    assert_int_equal(access_check(CERTMAP_SSL, true, 256, true, X509_V_ERR_CERT_REVOKED, &sub), 0);
}

static void
test_verify_substatus(void **state)
{
    (void)state;
    assert_int_equal(tls_verify_substatus(X509_V_OK), 0);
    assert_int_equal(tls_verify_substatus(X509_V_ERR_CERT_HAS_EXPIRED), 17);
    assert_int_equal(tls_verify_substatus(X509_V_ERR_CERT_NOT_YET_VALID), 17);
    assert_int_equal(tls_verify_substatus(X509_V_ERR_CERT_REVOKED), 13);
    assert_int_equal(tls_verify_substatus(X509_V_ERR_UNABLE_TO_GET_CRL), 13);
    assert_int_equal(tls_verify_substatus(X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT), 16);
    assert_int_equal(tls_verify_substatus(X509_V_ERR_INVALID_PURPOSE), 16);
    assert_int_equal(tls_verify_substatus(X509_V_ERR_CERT_SIGNATURE_FAILURE), 16);
    /* The most significant error wins when a chain has several. */
    assert_true(error_rank(X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT) >
                error_rank(X509_V_ERR_CERT_REVOKED));
    assert_true(error_rank(X509_V_ERR_CERT_REVOKED) > error_rank(X509_V_ERR_CERT_HAS_EXPIRED));
    assert_true(error_rank(X509_V_ERR_CERT_HAS_EXPIRED) > error_rank(X509_V_OK));
}

/* ---- authentication ---- */

struct auth_fixture {
    struct certmap_settings loc;
    struct mapping map;
    struct pipeline_auth_in in;
    struct pipeline_auth_out out;
};

static void
auth_setup(struct auth_fixture *f)
{
    memset(f, 0, sizeof(*f));
    f->loc.anon_user = "IUSR";
    f->loc.basic_realm = "";
    f->loc.basic_domain = "";
    f->loc.cm_domain = "";
    f->loc.cm_enabled = true;
    f->loc.cm_one_to_one = true;
    f->map.user = "alice";
    f->map.password = "secret";
    f->map.enabled = true;
    f->in.loc = &f->loc;
    f->in.tls = true;
    f->in.cert_logon = PIPELINE_LOGON_UNKNOWN;
    f->in.basic_logon = PIPELINE_LOGON_UNKNOWN;
}

static void
test_auth_certificate(void **state)
{
    struct auth_fixture f;

    (void)state;
    auth_setup(&f);
    f.in.mapping = &f.map;
    assert_int_equal(pipeline_auth(&f.in, &f.out), PIPELINE_AUTH_NEED_LOGON);
    assert_int_equal(f.out.kind, PIPELINE_AUTH_CERTIFICATE);
    assert_string_equal(f.out.user, "alice");
    assert_string_equal(f.out.password, "secret");
    f.loc.cm_domain = "CORP";
    assert_int_equal(pipeline_auth(&f.in, &f.out), PIPELINE_AUTH_NEED_LOGON);
    assert_string_equal(f.out.user, "alice@CORP");
    f.in.cert_logon = LOGON_OK;
    assert_int_equal(pipeline_auth(&f.in, &f.out), PIPELINE_AUTH_OK);
    assert_int_equal(f.out.kind, PIPELINE_AUTH_CERTIFICATE);
    /* Refused logon of a mapped account: 401.1 even with anonymous enabled. */
    f.loc.anon_enabled = true;
    f.in.cert_logon = LOGON_REFUSED;
    assert_int_equal(pipeline_auth(&f.in, &f.out), PIPELINE_AUTH_DENY);
    assert_int_equal(f.out.status, 401);
    assert_int_equal(f.out.substatus, 1);
    assert_false(f.out.challenge);
    f.in.cert_logon = LOGON_ERROR;
    assert_int_equal(pipeline_auth(&f.in, &f.out), PIPELINE_AUTH_DENY);
    assert_int_equal(f.out.substatus, 1);
}

/* A many-to-one mapping: Allow logs on as one-to-one does, Deny is 403.12, the switch is honoured.
 */
static void
test_auth_many_to_one(void **state)
{
    struct auth_fixture f;
    struct m2o_mapping m2o;

    (void)state;
    auth_setup(&f);
    memset(&m2o, 0, sizeof(m2o));
    m2o.base.user = "partner";
    m2o.base.password = "pw";
    m2o.base.enabled = true;
    m2o.name = "Contoso Employees";
    f.loc.cm_many_to_one = true;
    f.loc.cm_one_to_one = false; /* many-to-one does not depend on the one-to-one switch */
    f.in.mapping = &m2o.base;
    f.in.many_to_one = &m2o;
    assert_int_equal(pipeline_auth(&f.in, &f.out), PIPELINE_AUTH_NEED_LOGON);
    assert_int_equal(f.out.kind, PIPELINE_AUTH_CERTIFICATE);
    assert_string_equal(f.out.user, "partner");
    assert_string_equal(f.out.password, "pw");
    f.in.cert_logon = LOGON_REFUSED;
    assert_int_equal(pipeline_auth(&f.in, &f.out), PIPELINE_AUTH_DENY);
    assert_int_equal(f.out.status, 401);
    assert_int_equal(f.out.substatus, 1);
    f.in.cert_logon = LOGON_OK;
    assert_int_equal(pipeline_auth(&f.in, &f.out), PIPELINE_AUTH_OK);
    /* Deny: 403.12 even with anonymous enabled, no logon */
    m2o.deny = true;
    f.loc.anon_enabled = true;
    f.in.cert_logon = PIPELINE_LOGON_UNKNOWN;
    assert_int_equal(pipeline_auth(&f.in, &f.out), PIPELINE_AUTH_DENY);
    assert_int_equal(f.out.status, 403);
    assert_int_equal(f.out.substatus, 12);
    /* manyToOneCertificateMappingsEnabled="false": the mapping is not consulted */
    f.loc.cm_many_to_one = false;
    f.loc.cm_one_to_one = true;
    assert_int_equal(pipeline_auth(&f.in, &f.out), PIPELINE_AUTH_OK);
    assert_int_equal(f.out.kind, PIPELINE_AUTH_ANONYMOUS);
    f.loc.anon_enabled = false;
    assert_int_equal(pipeline_auth(&f.in, &f.out), PIPELINE_AUTH_DENY);
    assert_int_equal(f.out.status, 401);
    assert_int_equal(f.out.substatus, 2);
}

static void
test_auth_no_mapping(void **state)
{
    struct auth_fixture f;

    (void)state;
    auth_setup(&f);
    /* Unknown certificate, nothing else: 401.2. */
    assert_int_equal(pipeline_auth(&f.in, &f.out), PIPELINE_AUTH_DENY);
    assert_int_equal(f.out.status, 401);
    assert_int_equal(f.out.substatus, 2);
    /* Disabled mapping: as if unknown. */
    f.map.enabled = false;
    f.in.mapping = &f.map;
    assert_int_equal(pipeline_auth(&f.in, &f.out), PIPELINE_AUTH_DENY);
    assert_int_equal(f.out.substatus, 2);
    /* Mapping module disabled at this location. */
    f.map.enabled = true;
    f.loc.cm_enabled = false;
    assert_int_equal(pipeline_auth(&f.in, &f.out), PIPELINE_AUTH_DENY);
    assert_int_equal(f.out.substatus, 2);
    f.loc.cm_enabled = true;
    f.loc.cm_one_to_one = false;
    assert_int_equal(pipeline_auth(&f.in, &f.out), PIPELINE_AUTH_DENY);
    /* Anonymous admits what nothing else authenticates. */
    f.loc.anon_enabled = true;
    assert_int_equal(pipeline_auth(&f.in, &f.out), PIPELINE_AUTH_OK);
    assert_int_equal(f.out.kind, PIPELINE_AUTH_ANONYMOUS);
}

static void
test_auth_basic(void **state)
{
    struct auth_fixture f;

    (void)state;
    auth_setup(&f);
    f.loc.basic_enabled = true;
    f.loc.basic_domain = "EXAMPLE";
    /* No credentials: 401.2 with a challenge. */
    assert_int_equal(pipeline_auth(&f.in, &f.out), PIPELINE_AUTH_DENY);
    assert_int_equal(f.out.substatus, 2);
    assert_true(f.out.challenge);
    f.in.basic_user = "bob";
    f.in.basic_password = "pw";
    assert_int_equal(pipeline_auth(&f.in, &f.out), PIPELINE_AUTH_NEED_LOGON);
    assert_int_equal(f.out.kind, PIPELINE_AUTH_BASIC);
    assert_string_equal(f.out.user, "bob@EXAMPLE");
    f.in.basic_logon = LOGON_REFUSED;
    assert_int_equal(pipeline_auth(&f.in, &f.out), PIPELINE_AUTH_DENY);
    assert_int_equal(f.out.substatus, 1);
    assert_true(f.out.challenge);
    f.in.basic_logon = LOGON_OK;
    assert_int_equal(pipeline_auth(&f.in, &f.out), PIPELINE_AUTH_OK);
    /* Over plain HTTP Basic is not offered unless allowed. */
    f.in.tls = false;
    assert_int_equal(pipeline_auth(&f.in, &f.out), PIPELINE_AUTH_DENY);
    assert_int_equal(f.out.substatus, 2);
    assert_false(f.out.challenge);
    f.in.basic_without_ssl = true;
    assert_int_equal(pipeline_auth(&f.in, &f.out), PIPELINE_AUTH_OK);
    /* Malformed credentials: 401.1. */
    f.in.basic_user = NULL;
    f.in.basic_malformed = true;
    assert_int_equal(pipeline_auth(&f.in, &f.out), PIPELINE_AUTH_DENY);
    assert_int_equal(f.out.substatus, 1);
    /* A mapped certificate goes first. */
    f.in.basic_malformed = false;
    f.in.basic_user = "bob";
    f.in.mapping = &f.map;
    assert_int_equal(pipeline_auth(&f.in, &f.out), PIPELINE_AUTH_NEED_LOGON);
    assert_int_equal(f.out.kind, PIPELINE_AUTH_CERTIFICATE);
}

static void
test_logon_name(void **state)
{
    char out[64];

    (void)state;
    pipeline_logon_name("alice", "CORP", out, sizeof(out));
    assert_string_equal(out, "alice@CORP");
    pipeline_logon_name("alice", "", out, sizeof(out));
    assert_string_equal(out, "alice");
    pipeline_logon_name("alice@OTHER", "CORP", out, sizeof(out));
    assert_string_equal(out, "alice@OTHER");
    pipeline_logon_name("OTHER\\alice", "CORP", out, sizeof(out));
    assert_string_equal(out, "OTHER\\alice");
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
        cmocka_unit_test(test_access),
        cmocka_unit_test(test_verify_substatus),
        cmocka_unit_test(test_auth_certificate),
        cmocka_unit_test(test_auth_no_mapping),
        cmocka_unit_test(test_auth_basic),
        cmocka_unit_test(test_auth_many_to_one),
        cmocka_unit_test(test_logon_name),
        cmocka_unit_test(test_parse_basic),
        cmocka_unit_test(test_realm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
