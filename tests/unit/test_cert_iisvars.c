/* Unit tests for cert/iisvars.c: CERT_* server variables as IIS spells them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <openssl/bn.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "cert/iisvars.h"

/* An unsigned certificate with the given subject entries and hex serial. */
static X509 *
make_cert(const char *const *fields, size_t n, const char *serial_hex)
{
    X509 *x = X509_new();
    X509_NAME *name = X509_get_subject_name(x);
    BIGNUM *bn = NULL;

    assert_non_null(x);
    for (size_t i = 0; i + 1 < n; i += 2)
        assert_int_equal(X509_NAME_add_entry_by_txt(name, fields[i], MBSTRING_UTF8,
                                                    (const unsigned char *)fields[i + 1], -1, -1,
                                                    0),
                         1);
    assert_true(BN_hex2bn(&bn, serial_hex) > 0);
    assert_non_null(BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)));
    BN_free(bn);
    return x;
}

static void
test_subject_in_encoded_order(void **state)
{
    static const char *const f[] = {"C", "US", "O", "Contoso", "OU", "Sales", "CN", "alice"};
    X509 *x = make_cert(f, 8, "0467F302");
    char buf[256];

    (void)state;
    assert_int_equal(cert_iis_name(X509_get_subject_name(x), buf, sizeof(buf)),
                     (int)strlen("C=US, O=Contoso, OU=Sales, CN=alice"));
    assert_string_equal(buf, "C=US, O=Contoso, OU=Sales, CN=alice");
    X509_free(x);
}

static void
test_windows_keys_and_quoting(void **state)
{
    static const char *const f[] = {"ST",           "Bayern",
                                    "emailAddress", "a@example.org",
                                    "CN",           "Smith, \"Al\"",
                                    "OU",           " padded",
                                    "1.2.3.4",      "x"};
    X509 *x = make_cert(f, 10, "01");
    char buf[256];

    (void)state;
    assert_true(cert_iis_name(X509_get_subject_name(x), buf, sizeof(buf)) > 0);
    assert_string_equal(buf, "S=Bayern, E=a@example.org, CN=\"Smith, \"\"Al\"\"\", OU=\" padded\", "
                             "OID.1.2.3.4=x");
    X509_free(x);
}

static void
test_multi_valued_rdn(void **state)
{
    X509 *x = X509_new();
    X509_NAME *name = X509_get_subject_name(x);
    char buf[128];

    (void)state;
    assert_int_equal(X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                                                (const unsigned char *)"Contoso", -1, -1, 0),
                     1);
    assert_int_equal(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                                (const unsigned char *)"alice", -1, -1, 0),
                     1);
    /* set -1: joins the RDN before it, so CN and OU form one RDN. */
    assert_int_equal(X509_NAME_add_entry_by_txt(name, "OU", MBSTRING_UTF8,
                                                (const unsigned char *)"Ops", -1, -1, -1),
                     1);
    assert_true(cert_iis_name(name, buf, sizeof(buf)) > 0);
    assert_string_equal(buf, "O=Contoso, CN=alice + OU=Ops");
    X509_free(x);
}

static void
test_name_does_not_fit(void **state)
{
    static const char *const f[] = {"C", "US", "CN", "alice"};
    X509 *x = make_cert(f, 4, "01");
    char buf[14];

    (void)state;
    /* "C=US, CN=alice" is 14 characters: one short for the NUL. */
    assert_int_equal(cert_iis_name(X509_get_subject_name(x), buf, sizeof(buf)), -1);
    assert_string_equal(buf, "");
    assert_int_equal(cert_iis_name(X509_get_subject_name(x), buf, 0), -1);
    X509_free(x);
}

static void
test_serial(void **state)
{
    static const char *const f[] = {"CN", "alice"};
    X509 *x = make_cert(f, 2, "0467F302");
    char buf[64];

    (void)state;
    assert_int_equal(cert_iis_serial(x, buf, sizeof(buf)), 11);
    assert_string_equal(buf, "04-67-f3-02");
    X509_free(x);
    /* High bit set: DER keeps the sign byte, and so does IIS's byte list. */
    x = make_cert(f, 2, "8A01");
    assert_true(cert_iis_serial(x, buf, sizeof(buf)) > 0);
    assert_string_equal(buf, "00-8a-01");
    /* Fail closed: "00-8a-01" needs 9 bytes. */
    assert_int_equal(cert_iis_serial(x, buf, 8), -1);
    assert_string_equal(buf, "");
    X509_free(x);
    /* A leading zero nibble stays: 0x0001 encodes as one byte 01. */
    x = make_cert(f, 2, "01");
    assert_true(cert_iis_serial(x, buf, sizeof(buf)) > 0);
    assert_string_equal(buf, "01");
    X509_free(x);
}

static void
test_cookie_flags_keybits(void **state)
{
    static const char *const f[] = {"CN", "alice"};
    X509 *x = make_cert(f, 2, "01");
    EVP_PKEY *key = EVP_EC_gen("P-256");
    char buf[65];

    (void)state;
    assert_non_null(key);
    assert_int_equal(X509_set_pubkey(x, key), 1);
    assert_int_equal(X509_sign(x, key, EVP_sha256()) > 0, 1);
    assert_int_equal(cert_iis_cookie(x, buf, sizeof(buf)), 64);
    for (size_t i = 0; i < 64; i++)
        assert_non_null(strchr("0123456789abcdef", buf[i]));
    assert_int_equal(cert_iis_cookie(x, buf, 64), -1);
    assert_int_equal(cert_iis_key_bits(x), 256);
    assert_int_equal(cert_iis_flags(false, X509_V_OK), 0);
    assert_int_equal(cert_iis_flags(true, X509_V_OK), 1);
    assert_int_equal(cert_iis_flags(true, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY), 3);
    assert_int_equal(cert_iis_flags(true, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT), 3);
    assert_int_equal(cert_iis_flags(true, X509_V_ERR_CERT_HAS_EXPIRED), 1);
    EVP_PKEY_free(key);
    X509_free(x);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_subject_in_encoded_order),
        cmocka_unit_test(test_windows_keys_and_quoting),
        cmocka_unit_test(test_multi_valued_rdn),
        cmocka_unit_test(test_name_does_not_fit),
        cmocka_unit_test(test_serial),
        cmocka_unit_test(test_cookie_flags_keybits),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
