/*
 * Unit tests for decide.c, the access decisions shared by certmapd and
 * `certmap test-cert`: sslFlags and certificate verification, the
 * authentication modules, IIS's logon-name forms, and the trace.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509_vfy.h>

#include "cert/verify.h"
#include "decide.h"

/* ---- access ---- */

static int
access_check(unsigned flags, bool tls, int bits, bool cert, long verify, int *sub)
{
    struct certmap_settings loc;
    struct decide_conn ci;

    memset(&loc, 0, sizeof(loc));
    memset(&ci, 0, sizeof(ci));
    loc.ssl_flags = flags;
    ci.tls = tls;
    ci.cipher_bits = bits;
    ci.has_cert = cert;
    ci.cert_verify = verify;
    return decide_access(&loc, &ci, sub, NULL);
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
    assert_int_equal(cert_verify_substatus(X509_V_OK), 0);
    assert_int_equal(cert_verify_substatus(X509_V_ERR_CERT_HAS_EXPIRED), 17);
    assert_int_equal(cert_verify_substatus(X509_V_ERR_CERT_NOT_YET_VALID), 17);
    assert_int_equal(cert_verify_substatus(X509_V_ERR_CERT_REVOKED), 13);
    assert_int_equal(cert_verify_substatus(X509_V_ERR_UNABLE_TO_GET_CRL), 13);
    assert_int_equal(cert_verify_substatus(X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT), 16);
    assert_int_equal(cert_verify_substatus(X509_V_ERR_INVALID_PURPOSE), 16);
    assert_int_equal(cert_verify_substatus(X509_V_ERR_CERT_SIGNATURE_FAILURE), 16);
    /* The most significant error wins when a chain has several. */
    assert_true(cert_verify_rank(X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT) >
                cert_verify_rank(X509_V_ERR_CERT_REVOKED));
    assert_true(cert_verify_rank(X509_V_ERR_CERT_REVOKED) >
                cert_verify_rank(X509_V_ERR_CERT_HAS_EXPIRED));
    assert_true(cert_verify_rank(X509_V_ERR_CERT_HAS_EXPIRED) > cert_verify_rank(X509_V_OK));
}

/* ---- authentication ---- */

struct auth_fixture {
    struct certmap_settings loc;
    struct mapping map;
    struct decide_auth_in in;
    struct decide_auth_out out;
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
    f->in.cert_logon = DECIDE_LOGON_UNKNOWN;
    f->in.basic_logon = DECIDE_LOGON_UNKNOWN;
}

static void
test_auth_certificate(void **state)
{
    struct auth_fixture f;

    (void)state;
    auth_setup(&f);
    f.in.mapping = &f.map;
    assert_int_equal(decide_auth(&f.in, &f.out, NULL), DECIDE_AUTH_NEED_LOGON);
    assert_int_equal(f.out.kind, DECIDE_AUTH_CERTIFICATE);
    assert_string_equal(f.out.user, "alice");
    assert_string_equal(f.out.password, "secret");
    f.loc.cm_domain = "CORP";
    assert_int_equal(decide_auth(&f.in, &f.out, NULL), DECIDE_AUTH_NEED_LOGON);
    assert_string_equal(f.out.user, "alice@CORP");
    f.in.cert_logon = LOGON_OK;
    assert_int_equal(decide_auth(&f.in, &f.out, NULL), DECIDE_AUTH_OK);
    assert_int_equal(f.out.kind, DECIDE_AUTH_CERTIFICATE);
    /* Refused logon of a mapped account: 401.1 even with anonymous enabled. */
    f.loc.anon_enabled = true;
    f.in.cert_logon = LOGON_REFUSED;
    assert_int_equal(decide_auth(&f.in, &f.out, NULL), DECIDE_AUTH_DENY);
    assert_int_equal(f.out.status, 401);
    assert_int_equal(f.out.substatus, 1);
    assert_false(f.out.challenge);
    f.in.cert_logon = LOGON_ERROR;
    assert_int_equal(decide_auth(&f.in, &f.out, NULL), DECIDE_AUTH_DENY);
    assert_int_equal(f.out.substatus, 1);
}

static void
test_auth_no_mapping(void **state)
{
    struct auth_fixture f;

    (void)state;
    auth_setup(&f);
    /* Unknown certificate, nothing else: 401.2. */
    assert_int_equal(decide_auth(&f.in, &f.out, NULL), DECIDE_AUTH_DENY);
    assert_int_equal(f.out.status, 401);
    assert_int_equal(f.out.substatus, 2);
    /* Disabled mapping: as if unknown. */
    f.map.enabled = false;
    f.in.mapping = &f.map;
    assert_int_equal(decide_auth(&f.in, &f.out, NULL), DECIDE_AUTH_DENY);
    assert_int_equal(f.out.substatus, 2);
    /* Mapping module disabled at this location. */
    f.map.enabled = true;
    f.loc.cm_enabled = false;
    assert_int_equal(decide_auth(&f.in, &f.out, NULL), DECIDE_AUTH_DENY);
    assert_int_equal(f.out.substatus, 2);
    f.loc.cm_enabled = true;
    f.loc.cm_one_to_one = false;
    assert_int_equal(decide_auth(&f.in, &f.out, NULL), DECIDE_AUTH_DENY);
    /* Anonymous admits what nothing else authenticates. */
    f.loc.anon_enabled = true;
    assert_int_equal(decide_auth(&f.in, &f.out, NULL), DECIDE_AUTH_OK);
    assert_int_equal(f.out.kind, DECIDE_AUTH_ANONYMOUS);
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
    assert_int_equal(decide_auth(&f.in, &f.out, NULL), DECIDE_AUTH_DENY);
    assert_int_equal(f.out.substatus, 2);
    assert_true(f.out.challenge);
    f.in.basic_user = "bob";
    f.in.basic_password = "pw";
    assert_int_equal(decide_auth(&f.in, &f.out, NULL), DECIDE_AUTH_NEED_LOGON);
    assert_int_equal(f.out.kind, DECIDE_AUTH_BASIC);
    assert_string_equal(f.out.user, "bob@EXAMPLE");
    f.in.basic_logon = LOGON_REFUSED;
    assert_int_equal(decide_auth(&f.in, &f.out, NULL), DECIDE_AUTH_DENY);
    assert_int_equal(f.out.substatus, 1);
    assert_true(f.out.challenge);
    f.in.basic_logon = LOGON_OK;
    assert_int_equal(decide_auth(&f.in, &f.out, NULL), DECIDE_AUTH_OK);
    /* Over plain HTTP Basic is not offered unless allowed. */
    f.in.tls = false;
    assert_int_equal(decide_auth(&f.in, &f.out, NULL), DECIDE_AUTH_DENY);
    assert_int_equal(f.out.substatus, 2);
    assert_false(f.out.challenge);
    f.in.basic_without_ssl = true;
    assert_int_equal(decide_auth(&f.in, &f.out, NULL), DECIDE_AUTH_OK);
    /* Malformed credentials: 401.1. */
    f.in.basic_user = NULL;
    f.in.basic_malformed = true;
    assert_int_equal(decide_auth(&f.in, &f.out, NULL), DECIDE_AUTH_DENY);
    assert_int_equal(f.out.substatus, 1);
    /* A mapped certificate goes first. */
    f.in.basic_malformed = false;
    f.in.basic_user = "bob";
    f.in.mapping = &f.map;
    assert_int_equal(decide_auth(&f.in, &f.out, NULL), DECIDE_AUTH_NEED_LOGON);
    assert_int_equal(f.out.kind, DECIDE_AUTH_CERTIFICATE);
}

/* IIS's name forms: the provider gets user@DOMAIN, LOGON_USER and the log show DOMAIN\\user. */
static void
test_logon_name(void **state)
{
    struct auth_fixture f;
    char longname[LOGON_FORM_MAX];

    (void)state;
    auth_setup(&f);
    f.in.mapping = &f.map;
    f.map.user = "CORP\\erin";
    f.in.cert_logon = LOGON_OK;
    assert_int_equal(decide_auth(&f.in, &f.out, NULL), DECIDE_AUTH_OK);
    assert_string_equal(f.out.user, "erin@CORP");
    assert_string_equal(f.out.display, "CORP\\erin");
    f.map.user = "erin";
    f.loc.cm_domain = "CORP";
    assert_int_equal(decide_auth(&f.in, &f.out, NULL), DECIDE_AUTH_OK);
    assert_string_equal(f.out.user, "erin@CORP");
    assert_string_equal(f.out.display, "CORP\\erin");
    f.map.user = "erin@corp.example";
    assert_int_equal(decide_auth(&f.in, &f.out, NULL), DECIDE_AUTH_OK);
    assert_string_equal(f.out.user, "erin@corp.example");
    assert_string_equal(f.out.display, "erin@corp.example");
    /* a name that does not fit is refused, never logged on cut */
    memset(longname, 'a', sizeof(longname) - 3);
    longname[sizeof(longname) - 3] = '\0';
    f.map.user = longname;
    f.in.cert_logon = DECIDE_LOGON_UNKNOWN;
    assert_int_equal(decide_auth(&f.in, &f.out, NULL), DECIDE_AUTH_DENY);
    assert_int_equal(f.out.status, 401);
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
    assert_int_equal(decide_auth(&f.in, &f.out, NULL), DECIDE_AUTH_NEED_LOGON);
    assert_int_equal(f.out.kind, DECIDE_AUTH_CERTIFICATE);
    assert_string_equal(f.out.user, "partner");
    assert_string_equal(f.out.password, "pw");
    f.in.cert_logon = LOGON_REFUSED;
    assert_int_equal(decide_auth(&f.in, &f.out, NULL), DECIDE_AUTH_DENY);
    assert_int_equal(f.out.status, 401);
    assert_int_equal(f.out.substatus, 1);
    f.in.cert_logon = LOGON_OK;
    assert_int_equal(decide_auth(&f.in, &f.out, NULL), DECIDE_AUTH_OK);
    /* Deny: 403.12 even with anonymous enabled, no logon */
    m2o.deny = true;
    f.loc.anon_enabled = true;
    f.in.cert_logon = DECIDE_LOGON_UNKNOWN;
    assert_int_equal(decide_auth(&f.in, &f.out, NULL), DECIDE_AUTH_DENY);
    assert_int_equal(f.out.status, 403);
    assert_int_equal(f.out.substatus, 12);
    /* manyToOneCertificateMappingsEnabled="false": the mapping is not consulted */
    f.loc.cm_many_to_one = false;
    f.loc.cm_one_to_one = true;
    assert_int_equal(decide_auth(&f.in, &f.out, NULL), DECIDE_AUTH_OK);
    assert_int_equal(f.out.kind, DECIDE_AUTH_ANONYMOUS);
    f.loc.anon_enabled = false;
    assert_int_equal(decide_auth(&f.in, &f.out, NULL), DECIDE_AUTH_DENY);
    assert_int_equal(f.out.status, 401);
    assert_int_equal(f.out.substatus, 2);
}

/* The trace names each step with the setting that decided it, and never overflows silently. */
static void
test_trace(void **state)
{
    struct decide_trace *t = calloc(1, sizeof(*t));
    struct auth_fixture f;
    size_t i;

    (void)state;
    assert_non_null(t);
    auth_setup(&f);
    f.loc.src[CERTMAP_SET_ANON_ENABLED].file = "/etc/certmap/applicationHost.config";
    f.loc.src[CERTMAP_SET_ANON_ENABLED].line = 42;
    f.loc.anon_enabled = false;
    f.in.cert = true;
    assert_int_equal(decide_auth(&f.in, &f.out, t), DECIDE_AUTH_DENY);
    assert_int_equal(t->n, 2);
    assert_string_equal(t->step[0].step, "one-to-one");
    assert_string_equal(t->step[0].result, "no enabled mapping of this certificate");
    assert_string_equal(t->step[1].step, "anonymous");
    assert_int_equal(t->step[1].src.line, 42);
    f.in.mapping = &f.map;
    f.map.file = "a.config";
    f.map.line = 7;
    f.in.cert_logon = LOGON_REFUSED;
    t->n = 0;
    assert_int_equal(decide_auth(&f.in, &f.out, t), DECIDE_AUTH_DENY);
    assert_string_equal(t->step[0].result, "mapped to alice");
    assert_int_equal(t->step[0].src.line, 7);
    assert_string_equal(t->step[1].result, "alice: refused");
    t->n = 0;
    for (i = 0; i < DECIDE_STEPS_MAX + 5; i++)
        decide_note(t, "x", NULL, "step %zu", i);
    assert_int_equal(t->n, DECIDE_STEPS_MAX);
    assert_string_equal(t->step[DECIDE_STEPS_MAX - 1].step, "trace");
    free(t);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_access),           cmocka_unit_test(test_verify_substatus),
        cmocka_unit_test(test_auth_certificate), cmocka_unit_test(test_auth_no_mapping),
        cmocka_unit_test(test_auth_basic),       cmocka_unit_test(test_logon_name),
        cmocka_unit_test(test_auth_many_to_one), cmocka_unit_test(test_trace),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
