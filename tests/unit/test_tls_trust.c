/*
 * Unit tests for the trust digests of a binding (src/server/tls_trust.c):
 * the CA digest follows the certificates' content, not their order; the
 * stamp follows the CRLs and the verification parameters too; fresh_until
 * is the earliest CA notAfter or CRL nextUpdate; the ticket data round-trips
 * and refuses what is not its own.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "../../src/server/tls_trust.c"
#include "testcert.h"

/* Self-signed certificate number i (keys and DER cached across calls). */
static X509 *
cert(int i)
{
    static X509 *made[3];
    static EVP_PKEY *keys[3];
    char cn[16];
    unsigned char *der;
    const unsigned char *p;
    size_t len;

    if (made[i] == NULL) {
        keys[i] = testcert_key();
        snprintf(cn, sizeof(cn), "CA %d", i);
        der = testcert_der(keys[i], cn, (uint64_t)(100 + i), &len);
        assert_non_null(der);
        p = der;
        made[i] = d2i_X509(NULL, &p, (long)len);
        free(der);
        assert_non_null(made[i]);
    }
    return made[i];
}

/* A CRL issued in the name of certificate 0, listing nothing, nextUpdate next (0: none). */
static X509_CRL *
crl(time_t last, time_t next)
{
    X509_CRL *c = X509_CRL_new();
    ASN1_TIME *t = ASN1_TIME_new();
    EVP_PKEY *k = testcert_key();

    assert_non_null(c);
    assert_true(X509_CRL_set_version(c, 1));
    assert_true(X509_CRL_set_issuer_name(c, X509_get_subject_name(cert(0))));
    assert_non_null(ASN1_TIME_set(t, last));
    assert_true(X509_CRL_set1_lastUpdate(c, t));
    if (next != 0) {
        assert_non_null(ASN1_TIME_set(t, next));
        assert_true(X509_CRL_set1_nextUpdate(c, t));
    }
    assert_true(X509_CRL_sign(c, k, EVP_sha256()) > 0);
    ASN1_TIME_free(t);
    EVP_PKEY_free(k);
    return c;
}

/* A store with certificates idx[0..n) and, when c is set, that CRL. */
static X509_STORE *
store(const int *idx, size_t n, X509_CRL *c)
{
    X509_STORE *s = X509_STORE_new();

    assert_non_null(s);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(X509_STORE_add_cert(s, cert(idx[i])), 1);
    if (c != NULL) {
        assert_int_equal(X509_STORE_add_crl(s, c), 1);
        X509_STORE_set_flags(s, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
    }
    return s;
}

static void
compute(struct tls_trust *t, X509_STORE *s, int depth)
{
    X509_VERIFY_PARAM *vp = X509_VERIFY_PARAM_new();

    assert_non_null(vp);
    X509_VERIFY_PARAM_set_depth(vp, depth);
    assert_int_equal(tls_trust_compute(t, s, vp, true), 0);
    assert_true(t->known);
    X509_VERIFY_PARAM_free(vp);
}

/* The same certificates added in another order: same digests. */
static void
test_order_does_not_matter(void **state)
{
    const int ab[] = {0, 1}, ba[] = {1, 0};
    X509_STORE *s1 = store(ab, 2, NULL), *s2 = store(ba, 2, NULL);
    struct tls_trust t1, t2;

    (void)state;
    compute(&t1, s1, 10);
    compute(&t2, s2, 10);
    assert_memory_equal(t1.ca, t2.ca, 32);
    assert_memory_equal(t1.stamp, t2.stamp, 32);
    X509_STORE_free(s1);
    X509_STORE_free(s2);
}

/* Another CA, one CA more: another CA digest (and stamp). */
static void
test_ca_content(void **state)
{
    const int a[] = {0}, b[] = {1}, ab[] = {0, 1};
    X509_STORE *s1 = store(a, 1, NULL), *s2 = store(b, 1, NULL), *s3 = store(ab, 2, NULL);
    struct tls_trust t1, t2, t3;

    (void)state;
    compute(&t1, s1, 10);
    compute(&t2, s2, 10);
    compute(&t3, s3, 10);
    assert_memory_not_equal(t1.ca, t2.ca, 32);
    assert_memory_not_equal(t1.ca, t3.ca, 32);
    assert_memory_not_equal(t1.stamp, t3.stamp, 32);
    X509_STORE_free(s1);
    X509_STORE_free(s2);
    X509_STORE_free(s3);
}

/* A CRL, or another CRL: same CA digest, another stamp; fresh_until its nextUpdate. */
static void
test_crl_in_stamp_only(void **state)
{
    const int a[] = {0};
    X509_CRL *c1 = crl(1800000000, 1800086400), *c2 = crl(1800003600, 1800090000);
    X509_STORE *s0 = store(a, 1, NULL), *s1 = store(a, 1, c1), *s2 = store(a, 1, c2);
    struct tls_trust t0, t1, t2;

    (void)state;
    compute(&t0, s0, 10);
    compute(&t1, s1, 10);
    compute(&t2, s2, 10);
    assert_memory_equal(t0.ca, t1.ca, 32);
    assert_memory_equal(t1.ca, t2.ca, 32);
    assert_memory_not_equal(t0.stamp, t1.stamp, 32);
    assert_memory_not_equal(t1.stamp, t2.stamp, 32);
    assert_int_equal(t0.fresh_until, TESTCERT_NOT_AFTER);
    assert_int_equal(t1.fresh_until, 1800086400);
    assert_int_equal(t2.fresh_until, 1800090000);
    X509_CRL_free(c1);
    X509_CRL_free(c2);
    X509_STORE_free(s0);
    X509_STORE_free(s1);
    X509_STORE_free(s2);
}

/* Another verification depth: same CA digest, another stamp. */
static void
test_param_in_stamp(void **state)
{
    const int a[] = {0};
    X509_STORE *s = store(a, 1, NULL);
    struct tls_trust t1, t2;

    (void)state;
    compute(&t1, s, 10);
    compute(&t2, s, 3);
    assert_memory_equal(t1.ca, t2.ca, 32);
    assert_memory_not_equal(t1.stamp, t2.stamp, 32);
    X509_STORE_free(s);
}

static void
test_appdata(void **state)
{
    const int a[] = {0};
    X509_STORE *s = store(a, 1, NULL);
    struct tls_trust t;
    unsigned char d[TLS_TRUST_APPDATA_LEN], stamp[32];
    long verdict = -1;

    (void)state;
    compute(&t, s, 10);
    tls_trust_appdata(&t, X509_V_ERR_CERT_REVOKED, d);
    assert_int_equal(tls_trust_appdata_parse(d, sizeof(d), stamp, &verdict), 0);
    assert_memory_equal(stamp, t.stamp, 32);
    assert_int_equal(verdict, X509_V_ERR_CERT_REVOKED);
    tls_trust_appdata(&t, X509_V_OK, d);
    assert_int_equal(tls_trust_appdata_parse(d, sizeof(d), stamp, &verdict), 0);
    assert_int_equal(verdict, X509_V_OK);
    /* Not ours: shorter, longer, other magic, nothing. */
    assert_int_equal(tls_trust_appdata_parse(d, sizeof(d) - 1, stamp, &verdict), -1);
    {
        unsigned char longer[TLS_TRUST_APPDATA_LEN + 1];
        memcpy(longer, d, sizeof(d));
        longer[sizeof(d)] = 0;
        assert_int_equal(tls_trust_appdata_parse(longer, sizeof(longer), stamp, &verdict), -1);
    }
    d[0] = 'X';
    assert_int_equal(tls_trust_appdata_parse(d, sizeof(d), stamp, &verdict), -1);
    assert_int_equal(tls_trust_appdata_parse(NULL, 0, stamp, &verdict), -1);
    X509_STORE_free(s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_does_not_matter),
        cmocka_unit_test(test_ca_content),
        cmocka_unit_test(test_crl_in_stamp_only),
        cmocka_unit_test(test_param_in_stamp),
        cmocka_unit_test(test_appdata),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
