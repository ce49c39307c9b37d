/*
 * Unit tests for cert/adstring.c: AD's altSecurityIdentities strings of a
 * certificate built here with a known issuer, serial, SKI and e-mail, the
 * key hash computed independently (the EC point through the provider
 * interface rather than the certificate's BIT STRING), and the parser.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "cert/adstring.h"

struct ctx {
    EVP_PKEY *key;
    X509 *cert;  /* issuer DC=com,DC=contoso,CN=CONTOSO-DC-CA; KB5014754's serial */
    X509 *plain; /* no SKI, no subjectAltName, empty subject, serial with its high bit set */
};

static int
name_add(X509_NAME *n, const char *type, const char *value, int set)
{
    return X509_NAME_add_entry_by_txt(n, type, MBSTRING_UTF8, (const unsigned char *)value, -1, -1,
                                      set) == 1
               ? 0
               : -1;
}

static int
ext_add(X509 *x, int nid, const char *value)
{
    X509V3_CTX v3;
    X509_EXTENSION *e;
    int ok;

    X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
    e = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
    ok = e != NULL && X509_add_ext(x, e, -1) == 1;
    X509_EXTENSION_free(e);
    return ok ? 0 : -1;
}

static X509 *
make_cert(EVP_PKEY *key, const char *serial_hex, bool full)
{
    X509 *x = X509_new();
    X509_NAME *issuer = X509_NAME_new(), *subject = X509_NAME_new();
    BIGNUM *bn = NULL;
    int ok = 0;

    if (x == NULL || issuer == NULL || subject == NULL || BN_hex2bn(&bn, serial_hex) == 0)
        goto out;
    /* DER order, most significant first, as an AD CA writes its name */
    if (name_add(issuer, "DC", "com", 0) || name_add(issuer, "DC", "contoso", 0) ||
        name_add(issuer, "CN", "CONTOSO-DC-CA", 0))
        goto out;
    if (full &&
        (name_add(subject, "DC", "com", 0) || name_add(subject, "O", "Contoso, \"Ltd\"", 0) ||
         name_add(subject, "CN", "alice", 0) || name_add(subject, "UID", "a1", -1) ||
         name_add(subject, "ST", " Bavaria", 0)))
        goto out;
    if (X509_set_version(x, 2) != 1 || BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL ||
        X509_set_issuer_name(x, issuer) != 1 || X509_set_subject_name(x, subject) != 1 ||
        X509_gmtime_adj(X509_getm_notBefore(x), 0) == NULL ||
        X509_gmtime_adj(X509_getm_notAfter(x), 3600) == NULL || X509_set_pubkey(x, key) != 1)
        goto out;
    if (full &&
        (ext_add(x, NID_subject_key_identifier, "0102030405060708090A0B0C0D0E0F1011121314") ||
         ext_add(x, NID_subject_alt_name, "DNS:a.example,email:alice@contoso.com")))
        goto out;
    if (X509_sign(x, key, EVP_sha256()) <= 0)
        goto out;
    ok = 1;
out:
    BN_free(bn);
    X509_NAME_free(issuer);
    X509_NAME_free(subject);
    if (!ok) {
        X509_free(x);
        x = NULL;
    }
    return x;
}

static int
setup(void **state)
{
    struct ctx *c = calloc(1, sizeof(*c));

    if (c == NULL)
        return -1;
    c->key = EVP_EC_gen("P-256");
    if (c->key == NULL)
        return -1;
    c->cert = make_cert(c->key, "2B0000000011AC0000000012", true);
    c->plain = make_cert(c->key, "80FF01", false);
    if (c->cert == NULL || c->plain == NULL)
        return -1;
    *state = c;
    return 0;
}

static int
teardown(void **state)
{
    struct ctx *c = *state;

    X509_free(c->cert);
    X509_free(c->plain);
    EVP_PKEY_free(c->key);
    free(c);
    return 0;
}

static void
check_ad(X509 *x, enum cert_ad_form form, const char *want)
{
    struct certmap_error err = {0};
    char *s = cert_ad_string(x, form, &err);

    assert_non_null(s);
    assert_string_equal(s, want);
    free(s);
}

static void
test_issuer_serial(void **state)
{
    struct ctx *c = *state;

    /* KB5014754's own example: serial 2B0000000011AC0000000012 */
    check_ad(c->cert, CERT_AD_ISSUER_SERIAL,
             "X509:<I>DC=com,DC=contoso,CN=CONTOSO-DC-CA<SR>1200000000AC11000000002B");
    /* 0x80FF01 is encoded 00 80 FF 01: the sign octet is part of the reversed bytes */
    check_ad(c->plain, CERT_AD_ISSUER_SERIAL,
             "X509:<I>DC=com,DC=contoso,CN=CONTOSO-DC-CA<SR>01FF8000");
}

static void
test_ski_and_key_hash(void **state)
{
    struct ctx *c = *state;
    unsigned char point[256], md[20];
    size_t plen = 0;
    char want[64] = "X509:<SHA1-PUKEY>";
    struct certmap_error err = {0};
    char *s;

    check_ad(c->cert, CERT_AD_SKI, "X509:<SKI>0102030405060708090a0b0c0d0e0f1011121314");
    /* the key bits of an EC key are its encoded point */
    assert_int_equal(EVP_PKEY_get_octet_string_param(c->key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
                                                     point, sizeof(point), &plen),
                     1);
    assert_int_equal(plen, 65);
    assert_int_equal(EVP_Digest(point, plen, md, NULL, EVP_sha1(), NULL), 1);
    for (size_t i = 0; i < sizeof(md); i++)
        snprintf(want + strlen(want), 3, "%02x", md[i]);
    check_ad(c->cert, CERT_AD_SHA1_PUKEY, want);
    check_ad(c->plain, CERT_AD_SHA1_PUKEY, want);

    s = cert_ad_string(c->plain, CERT_AD_SKI, &err);
    assert_null(s);
    assert_int_equal(err.kind, CERTMAP_ERR_INVALID);
    assert_non_null(strstr(err.message, "subjectKeyIdentifier"));
}

static void
test_weak_forms(void **state)
{
    struct ctx *c = *state;
    struct certmap_error err = {0};
    const char *subject = "DC=com,O=\"Contoso, "
                          "\"\"Ltd\"\"\",CN=alice+OID.0.9.2342.19200300.100.1.1=a1,S=\" Bavaria\"";
    char want[512];

    snprintf(want, sizeof(want), "X509:<S>%s", subject);
    check_ad(c->cert, CERT_AD_SUBJECT, want);
    snprintf(want, sizeof(want), "X509:<I>DC=com,DC=contoso,CN=CONTOSO-DC-CA<S>%s", subject);
    check_ad(c->cert, CERT_AD_ISSUER_SUBJECT, want);
    check_ad(c->cert, CERT_AD_RFC822, "X509:<RFC822>alice@contoso.com");

    assert_null(cert_ad_string(c->plain, CERT_AD_RFC822, &err));
    assert_non_null(strstr(err.message, "rfc822Name"));
    assert_null(cert_ad_string(c->plain, CERT_AD_SUBJECT, &err));
    assert_null(cert_ad_string(c->plain, CERT_AD_ISSUER_SUBJECT, &err));
    assert_non_null(strstr(err.message, "subject is empty"));
}

static void
test_form_names(void **state)
{
    (void)state;
    assert_string_equal(cert_ad_form_name(CERT_AD_ISSUER_SERIAL), "X509IssuerSerialNumber");
    assert_string_equal(cert_ad_form_name(CERT_AD_SHA1_PUKEY), "X509SHA1PublicKey");
    assert_true(cert_ad_form_strong(CERT_AD_SKI));
    assert_false(cert_ad_form_strong(CERT_AD_ISSUER_SUBJECT));
    assert_false(cert_ad_form_strong(CERT_AD_RFC822));
}

static int
parse(const char *s, struct cert_ad_parsed *p)
{
    return cert_ad_parse(s, strlen(s), p);
}

static void
test_parse(void **state)
{
    struct cert_ad_parsed p;
    struct {
        const char *in;
        enum cert_ad_form form;
        const char *issuer, *value;
    } ok[] = {
        {"X509:<I>DC=com,CN=CA<SR>1200AB", CERT_AD_ISSUER_SERIAL, "DC=com,CN=CA", "1200AB"},
        {"x509:<i>CN=a<sr>00", CERT_AD_ISSUER_SERIAL, "CN=a", "00"},
        {"X509:<I>CN=\"<SR>\"<SR>0a", CERT_AD_ISSUER_SERIAL, "CN=\"<SR>\"", "0a"},
        {"X509:<SKI>DEADbeef", CERT_AD_SKI, NULL, "DEADbeef"},
        {"X509:<SHA1-PUKEY>00ff", CERT_AD_SHA1_PUKEY, NULL, "00ff"},
        {"X509:<S>CN=bob", CERT_AD_SUBJECT, NULL, "CN=bob"},
        {"X509:<I>CN=CA<S>CN=bob", CERT_AD_ISSUER_SUBJECT, "CN=CA", "CN=bob"},
        {"X509:<RFC822>bob@example.com", CERT_AD_RFC822, NULL, "bob@example.com"},
    };
    const char *bad[] = {
        "",
        "X509:",
        "Kerberos:bob@EXAMPLE",
        "X509:<SKI>",
        "X509:<SKI>abc",
        "X509:<SKI>zz",
        "X509:<SHA1-PUKEY>12 34",
        "X509:<I>CN=CA<SR>",
        "X509:<I><SR>12",
        "X509:<I>CN=CA<SR>1g",
        "X509:<I>CN=CA",
        "X509:<I>CN=CA<S>",
        "X509:<S>",
        "X509:<RFC822>",
        "X509:<PN>bob@example",
        "X509 :<S>CN=a",
    };
    char longhex[200];

    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        assert_int_equal(parse(ok[i].in, &p), 0);
        assert_int_equal(p.form, ok[i].form);
        if (ok[i].issuer == NULL) {
            assert_null(p.issuer);
        } else {
            assert_int_equal(p.issuer_len, strlen(ok[i].issuer));
            assert_memory_equal(p.issuer, ok[i].issuer, p.issuer_len);
        }
        assert_int_equal(p.value_len, strlen(ok[i].value));
        assert_memory_equal(p.value, ok[i].value, p.value_len);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (parse(bad[i], &p) == 0)
            fail_msg("accepted: \"%s\"", bad[i]);
    }
    assert_int_equal(cert_ad_parse("X509:<S>C\0N", 11, &p), -1);
    memset(longhex, 'a', sizeof(longhex));
    memcpy(longhex, "X509:<SKI>", 10);
    assert_int_equal(cert_ad_parse(longhex, 10 + 128, &p), 0);
    assert_int_equal(cert_ad_parse(longhex, 10 + 130, &p), -1);
}

static void
test_equal(void **state)
{
    struct ctx *c = *state;
    const char *a = "X509:<SKI>0102030405060708090a0b0c0d0e0f1011121314";
    const char *b = "x509:<ski>0102030405060708090A0B0C0D0E0F1011121314";
    const char *lower = "X509:<I>dc=COM,dc=CONTOSO,cn=contoso-dc-ca<sr>1200000000ac11000000002b";
    char *s;

    assert_true(cert_ad_equal(a, strlen(a), b, strlen(b)));
    assert_false(cert_ad_equal(a, strlen(a), "X509:<SHA1-PUKEY>01", 19));
    assert_false(cert_ad_equal("junk", 4, "junk", 4));
    s = cert_ad_string(c->cert, CERT_AD_ISSUER_SERIAL, NULL);
    assert_non_null(s);
    assert_true(cert_ad_equal(s, strlen(s), lower, strlen(lower)));
    free(s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_issuer_serial), cmocka_unit_test(test_ski_and_key_hash),
        cmocka_unit_test(test_weak_forms),    cmocka_unit_test(test_form_names),
        cmocka_unit_test(test_parse),         cmocka_unit_test(test_equal),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
