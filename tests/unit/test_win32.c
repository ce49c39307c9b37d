/*
 * test_win32.c - sc-win32-status as IIS writes it (see win32.c for the sources).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <openssl/x509_vfy.h>

#include "win32.h"

static void
test_documented_examples(void **state)
{
    (void)state;
    /* the examples of the IIS client-certificate troubleshooting pages */
    assert_int_equal(win32_status(401, 1, X509_V_OK), 1326);
    assert_int_equal(win32_status(401, 2, X509_V_OK), 5);
    assert_int_equal(win32_status(403, 7, X509_V_OK), 5);
    assert_int_equal(win32_status(403, 16, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT), 2148204809UL);
    assert_int_equal(win32_status(403, 16, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY),
                     2148204809UL);
}

static void
test_certificate_errors(void **state)
{
    (void)state;
    assert_int_equal(win32_status(403, 17, X509_V_ERR_CERT_HAS_EXPIRED), WIN32_CERT_E_EXPIRED);
    assert_int_equal(win32_status(403, 17, X509_V_OK), WIN32_CERT_E_EXPIRED);
    assert_int_equal(win32_status(403, 13, X509_V_ERR_CERT_REVOKED), WIN32_CRYPT_E_REVOKED);
    assert_int_equal(win32_status(403, 13, X509_V_ERR_CRL_HAS_EXPIRED),
                     WIN32_CRYPT_E_REVOCATION_OFFLINE);
    assert_int_equal(win32_status(403, 16, X509_V_ERR_INVALID_PURPOSE), WIN32_CERT_E_WRONG_USAGE);
    assert_int_equal(win32_status(403, 16, X509_V_ERR_CERT_SIGNATURE_FAILURE),
                     WIN32_TRUST_E_CERT_SIGNATURE);
}

static void
test_other_answers(void **state)
{
    (void)state;
    assert_int_equal(win32_status(200, 0, X509_V_OK), 0);
    assert_int_equal(win32_status(304, 0, X509_V_OK), 0);
    assert_int_equal(win32_status(401, 3, X509_V_OK), WIN32_ACCESS_DENIED);
    assert_int_equal(win32_status(403, 4, X509_V_OK), WIN32_ACCESS_DENIED);
    assert_int_equal(win32_status(403, 6, X509_V_OK), WIN32_ACCESS_DENIED);
    assert_int_equal(win32_status(403, 12, X509_V_OK), WIN32_ACCESS_DENIED);
    assert_int_equal(win32_status(404, 0, X509_V_OK), WIN32_FILE_NOT_FOUND);
    assert_int_equal(win32_status(500, 19, X509_V_OK), WIN32_INVALID_DATA);
    assert_int_equal(win32_status(500, 0, X509_V_OK), 0);
    assert_string_equal(win32_name(1326), "ERROR_LOGON_FAILURE");
    assert_string_equal(win32_name(2148204809UL), "CERT_E_UNTRUSTEDROOT");
    assert_null(win32_name(0));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_documented_examples),
        cmocka_unit_test(test_certificate_errors),
        cmocka_unit_test(test_other_answers),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
