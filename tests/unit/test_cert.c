/* Unit tests for cert.c: decoding in every form, rejections, fingerprints, names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "certmap/cert.h"
#include "cert/facts.h"
#include "fixture.h"
#include "testcert.h"

struct ctx {
    EVP_PKEY *key;
    unsigned char *der; /* CN=alice, serial 0x0A1B2C */
    size_t der_len;
    unsigned char *der2; /* CN=bob, serial 7 */
    size_t der2_len;
};

static int
setup(void **state)
{
    struct ctx *c = calloc(1, sizeof(*c));

    if (c == NULL)
        return -1;
    c->key = testcert_key();
    if (c->key == NULL)
        return -1;
    c->der = testcert_der(c->key, "alice", 0x0A1B2C, &c->der_len);
    c->der2 = testcert_der(c->key, "bob", 7, &c->der2_len);
    if (c->der == NULL || c->der2 == NULL)
        return -1;
    *state = c;
    return 0;
}

static int
teardown(void **state)
{
    struct ctx *c = *state;

    EVP_PKEY_free(c->key);
    free(c->der);
    free(c->der2);
    free(c);
    return 0;
}

/* Decodes text (NUL-terminated) and asserts it yields exactly c->der. */
static void
assert_decodes_to(const struct ctx *c, const void *in, size_t len)
{
    struct certmap_error err = {0};
    unsigned char *der = NULL;
    size_t der_len = 0;

    if (certmap_cert_decode(in, len, &der, &der_len, &err) != 0)
        fail_msg("decode failed: %s", err.message);
    assert_int_equal(der_len, c->der_len);
    assert_memory_equal(der, c->der, der_len);
    free(der);
}

/* Decodes and asserts failure with a message containing want. */
static void
assert_rejected(const void *in, size_t len, const char *want)
{
    struct certmap_error err = {0};
    unsigned char *der = (unsigned char *)"x";
    size_t der_len = 99;

    if (certmap_cert_decode(in, len, &der, &der_len, &err) != -1)
        fail_msg("accepted; expected \"%s\"", want);
    assert_null(der);
    assert_int_equal(der_len, 0);
    assert_int_equal(err.kind, CERTMAP_ERR_INVALID);
    if (strstr(err.message, want) == NULL)
        fail_msg("message \"%s\" does not contain \"%s\"", err.message, want);
}

/*
 * What certmap_cert_decode() accepts, OpenSSL parses, and re-encodes to the
 * same bytes, including a forced re-encoding of the tbsCertificate.
 */
static void
assert_openssl_agrees(const unsigned char *der, size_t len)
{
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    unsigned char *re = NULL, *tbs = NULL;
    int re_len, tbs_len;

    assert_non_null(x);
    assert_ptr_equal(p, der + len);
    re_len = i2d_X509(x, &re);
    assert_int_equal(re_len, len);
    assert_memory_equal(re, der, len);
    tbs_len = i2d_re_X509_tbs(x, &tbs);
    assert_true(tbs_len > 0 && (size_t)tbs_len < len);
    assert_non_null(memmem(der, len, tbs, (size_t)tbs_len));
    OPENSSL_free(re);
    OPENSSL_free(tbs);
    X509_free(x);
}

static void
test_accepts_what_openssl_parses(void **state)
{
    struct ctx *c = *state;
    struct certmap_error err = {0};
    unsigned char *der, *out;
    size_t len = 0, out_len = 0, i;
    char cn[65];

    /* Names of every allowed length move the length forms of each enclosing element. */
    for (i = 1; i <= 64; i++) {
        memset(cn, 'a' + (int)(i % 26), i);
        cn[i] = '\0';
        der = testcert_der(c->key, cn, i * 0x1234567, &len);
        assert_non_null(der);
        if (certmap_cert_decode(der, len, &out, &out_len, &err) != 0)
            fail_msg("CN of %zu bytes: %s", i, err.message);
        assert_int_equal(out_len, len);
        assert_memory_equal(out, der, len);
        assert_openssl_agrees(der, len);
        free(out);
        free(der);
    }
}

static void
test_all_forms_decode_to_same_der(void **state)
{
    struct ctx *c = *state;
    char *pem = testcert_pem(c->der, c->der_len);
    char *one = testcert_b64(c->der, c->der_len, 0, "");
    char *nl = testcert_b64(c->der, c->der_len, 64, "\n");
    char *crlf = testcert_b64(c->der, c->der_len, 76, "\r\n");
    char *spaces = testcert_b64(c->der, c->der_len, 4, " \t ");
    char *indented = testcert_b64(c->der, c->der_len, 64, "\n        ");
    char buf[8192];

    assert_non_null(pem);
    assert_non_null(one);
    assert_decodes_to(c, c->der, c->der_len);
    assert_decodes_to(c, pem, strlen(pem));
    assert_decodes_to(c, one, strlen(one));
    assert_decodes_to(c, nl, strlen(nl));
    assert_decodes_to(c, crlf, strlen(crlf));
    assert_decodes_to(c, spaces, strlen(spaces));
    /* As pasted into an XML attribute: leading/trailing whitespace, indented lines. */
    snprintf(buf, sizeof(buf), "\n        %s\n    ", indented);
    assert_decodes_to(c, buf, strlen(buf));
    /* Explanatory text before the PEM block, as `openssl x509 -text` writes it. */
    snprintf(buf, sizeof(buf), "subject=CN = alice, O = Example\n%s\n\n", pem);
    assert_decodes_to(c, buf, strlen(buf));
    free(pem);
    free(one);
    free(nl);
    free(crlf);
    free(spaces);
    free(indented);
}

static void
test_rejects_empty_and_garbage(void **state)
{
    const unsigned char bin[] = {0x00, 0x01, 0xff, 0x30};
    unsigned char seq[131];

    (void)state;
    assert_rejected("", 0, "empty input");
    assert_rejected(" \r\n\t ", 5, "empty input");
    assert_rejected("hello world!", 12, "invalid base64 at offset 11 (byte 0x21)");
    assert_rejected(bin, sizeof(bin), "invalid base64 at offset 0 (byte 0x00)");
    /* Binary DER with a short length (here a bare public key) is reported as DER, not base64. */
    assert_rejected("\x30\x59\x30\x13\x06\x07", 6,
                    "the DER input has 6 bytes, its DER header "
                    "announces 91");
    assert_rejected("\x30\x03\x02\x01\x01\x00", 6, "trailing data after the certificate (1 byte)");
    /* Valid base64 that is not a certificate. */
    assert_rejected("aGVsbG8gd29ybGQh", 16, "does not start with a DER SEQUENCE");
    assert_rejected("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", 59,
                    "the PEM block does not start with a DER SEQUENCE");
    /* A DER SEQUENCE that is not X.509. */
    memset(seq, 0, sizeof(seq));
    memcpy(seq, "\x30\x81\x80\x04\x7e", 5);
    assert_rejected(seq, sizeof(seq), "expected tbsCertificate, found tag 0x04 at DER offset 3");
}

static void
test_rejects_bad_base64_padding(void **state)
{
    struct ctx *c = *state;
    char *one = testcert_b64(c->der, c->der_len, 0, "");
    size_t len = strlen(one);
    char *buf = malloc(len + 8);

    assert_non_null(buf);
    /* '=' in the middle. */
    memcpy(buf, one, len + 1);
    buf[8] = '=';
    assert_rejected(buf, len, "invalid base64 padding at offset 8");
    /* Characters after padding. */
    snprintf(buf, len + 8, "%s", "QUJD=QUJD");
    assert_rejected(buf, strlen(buf), "padding");
    /* Three '='. */
    assert_rejected("QQ===", 5, "invalid base64 padding at offset 4");
    /* Missing padding / length not a multiple of 4. */
    assert_rejected("QUJDRA", 6, "not a multiple of 4");
    /* Non-zero unused bits: "QR==" decodes to 'A' only if the low bits are ignored. */
    assert_rejected("QR==", 4, "non-zero unused bits");
    free(one);
    free(buf);
}

static void
test_rejects_truncated(void **state)
{
    struct ctx *c = *state;
    char *one = testcert_b64(c->der, c->der_len, 0, "");
    char *pem = testcert_pem(c->der, c->der_len);
    char msg[128];
    char *end;

    assert_rejected(c->der, c->der_len - 10, "truncated certificate");
    snprintf(msg, sizeof(msg), "has %zu bytes, its DER header announces %zu", c->der_len - 10,
             c->der_len);
    assert_rejected(c->der, c->der_len - 10, msg);
    assert_rejected(c->der, 3, "truncated certificate");
    /* base64 cut at a quantum boundary: valid base64, truncated DER. */
    one[strlen(one) / 8 * 4] = '\0';
    assert_rejected(one, strlen(one), "truncated certificate");
    /* PEM without its END line. */
    end = strstr(pem, "-----END");
    assert_non_null(end);
    *end = '\0';
    assert_rejected(pem, strlen(pem), "no \"-----END CERTIFICATE-----\" line");
    free(one);
    free(pem);
}

static void
test_rejects_two_certificates(void **state)
{
    struct ctx *c = *state;
    char *pem1 = testcert_pem(c->der, c->der_len), *pem2 = testcert_pem(c->der2, c->der2_len);
    size_t both_len = c->der_len + 2 * c->der2_len;
    unsigned char *both = malloc(both_len);
    char *b64, *text = malloc(strlen(pem1) + strlen(pem2) + 1);

    assert_non_null(both);
    assert_non_null(text);
    memcpy(both, c->der, c->der_len);
    memcpy(both + c->der_len, c->der2, c->der2_len);
    memcpy(both + c->der_len + c->der2_len, c->der2, c->der2_len);
    assert_rejected(both, c->der_len + c->der2_len, "2 certificates found; expected one");
    assert_rejected(both, both_len, "3 certificates found; expected one");
    b64 = testcert_b64(both, c->der_len + c->der2_len, 64, "\n");
    assert_rejected(b64, strlen(b64), "2 certificates found; expected one");
    sprintf(text, "%s%s", pem1, pem2);
    assert_rejected(text, strlen(text), "2 certificates found; expected one");
    free(pem1);
    free(pem2);
    free(both);
    free(b64);
    free(text);
}

static void
test_rejects_trailing_data(void **state)
{
    struct ctx *c = *state;
    unsigned char *buf = malloc(c->der_len + 12);
    char *pem = testcert_pem(c->der, c->der_len), *text, *b64;

    assert_non_null(buf);
    memcpy(buf, c->der, c->der_len);
    memcpy(buf + c->der_len, "garbage!!!!!", 12);
    assert_rejected(buf, c->der_len + 12, "trailing data after the certificate (12 bytes)");
    /* One extra zero byte, e.g. a padded buffer. */
    buf[c->der_len] = 0;
    assert_rejected(buf, c->der_len + 1, "trailing data after the certificate (1 byte)");
    /* The same inside base64: garbage after the DER is not hidden by the encoding. */
    b64 = testcert_b64(buf, c->der_len + 3, 0, "");
    assert_rejected(b64, strlen(b64), "trailing data after the certificate (3 bytes)");
    text = malloc(strlen(pem) + 32);
    assert_non_null(text);
    sprintf(text, "%sjunk\n", pem);
    assert_rejected(text, strlen(text), "trailing data after the certificate (5 bytes)");
    sprintf(text, "%s-----BEGIN PRIVATE KEY-----\n", pem);
    assert_rejected(text, strlen(text), "trailing PEM block");
    free(buf);
    free(b64);
    free(pem);
    free(text);
}

static void
test_rejects_other_pem_labels(void **state)
{
    struct ctx *c = *state;
    char *pem = testcert_pem(c->der, c->der_len), *text = malloc(strlen(pem) + 64), *body;

    assert_non_null(text);
    body = strchr(pem, '\n') + 1;
    sprintf(text, "-----BEGIN X509 CERTIFICATE-----\n%s", body);
    assert_rejected(text, strlen(text), "PEM block \"X509 CERTIFICATE\" at offset 0");
    sprintf(text, "-----BEGIN TRUSTED CERTIFICATE-----\n%s", body);
    assert_rejected(text, strlen(text), "\"TRUSTED CERTIFICATE\"");
    /* A header line inside the block is not base64. */
    sprintf(text, "-----BEGIN CERTIFICATE-----\nProc-Type: 4,ENCRYPTED\n%s", body);
    assert_rejected(text, strlen(text), "invalid base64 at offset 32 (byte 0x2d)");
    free(pem);
    free(text);
}

static void
test_byte_flip_never_yields_original(void **state)
{
    struct ctx *c = *state;
    struct certmap_error err;
    unsigned char *buf = malloc(c->der_len), *der;
    size_t i, der_len, accepted = 0;

    assert_non_null(buf);
    for (i = 0; i < c->der_len; i++) {
        memcpy(buf, c->der, c->der_len);
        buf[i] ^= 0x01;
        der = NULL;
        if (certmap_cert_decode(buf, c->der_len, &der, &der_len, &err) == 0) {
            /* Accepted only as exactly the altered bytes: never the original certificate. */
            assert_int_equal(der_len, c->der_len);
            assert_memory_equal(der, buf, der_len);
            assert_memory_not_equal(der, c->der, der_len);
            assert_openssl_agrees(der, der_len);
            accepted++;
        }
        free(der);
    }
    /* Flips inside names, key or signature still parse (signatures are not checked here). */
    assert_true(accepted > 0);
    assert_true(accepted < c->der_len);
    free(buf);
}

static void
test_rejects_non_canonical_der(void **state)
{
    struct ctx *c = *state;
    unsigned char *buf = malloc(c->der_len + 2);
    size_t len, outer, k;

    assert_non_null(buf);
    assert_int_equal(c->der[0], 0x30);
    assert_int_equal(c->der[1], 0x82);
    /* Outer length in non-minimal long form: 30 83 00 xx xx. */
    buf[0] = 0x30;
    buf[1] = 0x83;
    buf[2] = 0x00;
    memcpy(buf + 3, c->der + 2, c->der_len - 2);
    len = c->der_len + 1;
    assert_rejected(buf, len, "non-minimal length at DER offset 0");
    /* The same inside the tbsCertificate (which OpenSSL would otherwise echo verbatim). */
    assert_int_equal(c->der[4], 0x30);
    k = c->der[5] & 0x7f;
    assert_true(c->der[5] > 0x80 && k < 4);
    outer = (size_t)(c->der[2] << 8 | c->der[3]) + 1;
    buf[0] = 0x30;
    buf[1] = 0x82;
    buf[2] = (unsigned char)(outer >> 8);
    buf[3] = (unsigned char)outer;
    buf[4] = 0x30;
    buf[5] = (unsigned char)(0x80 | (k + 1));
    buf[6] = 0x00;
    memcpy(buf + 7, c->der + 6, c->der_len - 6);
    assert_rejected(buf, c->der_len + 1, "non-minimal length at DER offset 4");
    /* BER indefinite length. */
    assert_rejected("\x30\x80\x00\x00", 4, "does not start with a DER SEQUENCE");
    free(buf);
}

/* Replaces the byte at index in the first occurrence of pattern and expects rejection with want. */
static void
assert_patch_rejected(const struct ctx *c, const char *pattern, size_t plen, size_t index,
                      unsigned char byte, const char *want)
{
    unsigned char *buf = malloc(c->der_len);
    unsigned char *hit;

    assert_non_null(buf);
    memcpy(buf, c->der, c->der_len);
    hit = memmem(buf, c->der_len, pattern, plen);
    if (hit == NULL)
        fail_msg("pattern for \"%s\" not found in the test certificate", want);
    hit[index] = byte;
    assert_rejected(buf, c->der_len, want);
    free(buf);
}

static void
test_rejects_der_rule_violations(void **state)
{
    static const char ecdsa_sha256[] = "\x30\x0a\x06\x08\x2a\x86\x48\xce\x3d\x04\x03\x02";
    struct ctx *c = *state;
    unsigned char *buf = malloc(c->der_len), *sig = NULL, *hit;
    size_t off = 0;

    assert_patch_rejected(c, "\x02\x03\x0a\x1b\x2c", 5, 2, 0x00,
                          "INTEGER with a redundant leading byte");
    assert_patch_rejected(c, "\xa0\x03\x02\x01\x02", 5, 4, 0x03, "unknown certificate version");
    assert_patch_rejected(c, "\x06\x03\x55\x1d\x13\x01\x01\xff", 8, 7, 0x01,
                          "BOOLEAN not encoded as 00 or FF");
    assert_patch_rejected(c, "\x06\x03\x55\x1d\x13\x01\x01\xff", 8, 7, 0x00,
                          "explicit critical FALSE");
    assert_patch_rejected(c, "260131120000Z", 13, 12, '+', "malformed UTCTime \"260131120000+\"");
    /* 31 February: rejected here, as ASN1_TIME_to_tm() would. */
    assert_patch_rejected(c, "260131120000Z", 13, 3, '2', "malformed UTCTime \"260231120000Z\"");
    assert_patch_rejected(c, "260131120000Z", 13, 2, '2', "malformed UTCTime \"262131120000Z\"");
    assert_patch_rejected(c, "\x06\x03\x55\x04\x0a", 5, 2, 0x80,
                          "OBJECT IDENTIFIER with a non-minimal subidentifier");
    assert_patch_rejected(c, "\x30\x1e\x17\x0d", 4, 1, 0x80, "indefinite length (BER, not DER)");
    assert_patch_rejected(c,
                          "\x0c\x05"
                          "alice",
                          7, 0, 0x2c, "constructed encoding of a primitive type");
    assert_patch_rejected(c,
                          "\x0c\x05"
                          "alice",
                          7, 0, 0x00, "end-of-contents octets");
    /* Found by fuzz_cert: OpenSSL reads no VisibleString in a Name, so such a certificate is
     * refused. */
    assert_patch_rejected(c,
                          "\x0c\x05"
                          "alice",
                          7, 0, 0x1a, "attribute value of type 0x1a in issuer at DER offset");
    /* Found by fuzz_cert: a constructed EXTERNAL as algorithm parameters, which OpenSSL re-encodes
     * as primitive. */
    assert_patch_rejected(c, ecdsa_sha256, 12, 2, 0x28, "constructed encoding of a primitive type");
    /* The signatureValue BIT STRING follows the second ecdsa-with-SHA256 AlgorithmIdentifier. */
    assert_non_null(buf);
    memcpy(buf, c->der, c->der_len);
    while ((hit = memmem(buf + off, c->der_len - off, ecdsa_sha256, 12)) != NULL) {
        sig = hit + 12;
        off = (size_t)(sig - buf);
    }
    assert_non_null(sig);
    assert_int_equal(sig[0], 0x03);
    assert_int_equal(sig[2], 0x00);
    sig[2] = 0x08;
    assert_rejected(buf, c->der_len, "BIT STRING with 8 unused bits");
    free(buf);
}

static void
test_info_fields(void **state)
{
    struct ctx *c = *state;
    struct certmap_cert_info info;
    struct certmap_error err = {0};
    unsigned char md[32];
    char hex[65];
    unsigned int n;
    unsigned char *der;
    size_t len = 0;

    assert_int_equal(certmap_cert_info(c->der, c->der_len, &info, &err), 0);
    assert_string_equal(info.subject, "CN=alice,O=Example");
    assert_string_equal(info.issuer, "CN=alice,O=Example");
    assert_string_equal(info.serial, "0A1B2C");
    assert_string_equal(info.not_before, "2026-01-31T12:00:00Z");
    assert_string_equal(info.not_after, "2036-01-31T12:00:00Z");
    assert_int_equal(info.not_before_t, TESTCERT_NOT_BEFORE);
    assert_int_equal(info.not_after_t, TESTCERT_NOT_AFTER);
    assert_int_equal(EVP_Digest(c->der, c->der_len, md, &n, EVP_sha256(), NULL), 1);
    assert_string_equal(info.sha256, certmap_hex(md, 32, hex));
    assert_int_equal(EVP_Digest(c->der, c->der_len, md, &n, EVP_sha1(), NULL), 1);
    assert_string_equal(info.sha1, certmap_hex(md, 20, hex));
    assert_int_equal(certmap_cert_info(c->der2, c->der2_len, &info, &err), 0);
    assert_string_equal(info.serial, "07");
    /* Non-ASCII names come out as UTF-8, not as \\XX escapes. */
    der = testcert_der(c->key, "J\xc3\xb6rg", 1, &len);
    assert_non_null(der);
    assert_int_equal(certmap_cert_info(der, len, &info, &err), 0);
    assert_string_equal(info.subject, "CN=J\xc3\xb6rg,O=Example");
    free(der);
    assert_int_equal(certmap_cert_info(c->der, c->der_len - 1, &info, &err), -1);
    assert_int_equal(err.kind, CERTMAP_ERR_INVALID);
}

static void
test_fingerprints_and_hex(void **state)
{
    struct ctx *c = *state;
    unsigned char sha256[32], sha1[20], out[32];
    char hex[65], colons[100];
    int i, n = 0;

    certmap_cert_sha256(c->der, c->der_len, sha256);
    certmap_cert_sha1(c->der, c->der_len, sha1);
    certmap_hex(sha256, 32, hex);
    assert_int_equal(strlen(hex), 64);
    assert_int_equal(certmap_parse_fingerprint(hex, out), 32);
    assert_memory_equal(out, sha256, 32);
    for (i = 0; i < 32; i++)
        n += sprintf(colons + n, "%s%02X", i > 0 ? ":" : "", sha256[i]);
    assert_int_equal(certmap_parse_fingerprint(colons, out), 32);
    assert_memory_equal(out, sha256, 32);
    certmap_hex(sha1, 20, hex);
    assert_int_equal(certmap_parse_fingerprint(hex, out), 20);
    assert_memory_equal(out, sha1, 20);
    assert_int_equal(certmap_parse_fingerprint(" 0102030405060708090a0b0c0d0e0f1011121314\n", out),
                     20);
    assert_int_equal(out[19], 0x14);
    /* Malformed. */
    assert_int_equal(certmap_parse_fingerprint("", out), -1);
    assert_int_equal(certmap_parse_fingerprint("0102", out), -1);
    assert_int_equal(certmap_parse_fingerprint("0102030405060708090a0b0c0d0e0f101112131", out), -1);
    assert_int_equal(certmap_parse_fingerprint("0102030405060708090a0b0c0d0e0f10111213141", out),
                     -1);
    assert_int_equal(certmap_parse_fingerprint("0102030405060708090a0b0c0d0e0f101112131g", out),
                     -1);
    assert_int_equal(certmap_parse_fingerprint(":0102030405060708090a0b0c0d0e0f1011121314", out),
                     -1);
    assert_int_equal(certmap_parse_fingerprint("0102030405060708090a0b0c0d0e0f1011121314:", out),
                     -1);
    assert_int_equal(certmap_parse_fingerprint("01::02030405060708090a0b0c0d0e0f1011121314", out),
                     -1);
    assert_int_equal(certmap_parse_fingerprint("0:102030405060708090a0b0c0d0e0f1011121314", out),
                     -1);
    assert_int_equal(certmap_parse_fingerprint(NULL, out), -1);
    /* 33 bytes. */
    assert_int_equal(certmap_parse_fingerprint(
                         "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20", out),
                     -1);
}

static void
test_iis_string(void **state)
{
    struct ctx *c = *state;
    char *s = certmap_cert_to_iis_string(c->der, c->der_len);
    char *want = testcert_b64(c->der, c->der_len, 0, "");

    assert_non_null(s);
    assert_string_equal(s, want);
    assert_null(strchr(s, '\n'));
    assert_decodes_to(c, s, strlen(s));
    free(s);
    free(want);
}

static void
test_decode_file_names_file(void **state)
{
    struct ctx *c = *state;
    char *dir = fixture_tmpdir(), *pem = testcert_pem(c->der, c->der_len);
    char *good, *bad, *big, *huge, missing[1024];
    struct certmap_error err = {0};
    unsigned char *der = NULL;
    size_t der_len = 0;

    assert_non_null(dir);
    good = fixture_write(dir, "alice.pem", pem, strlen(pem));
    bad = fixture_write(dir, "bad.pem", "not a cert!", 11);
    assert_int_equal(certmap_cert_decode_file(good, &der, &der_len, &err), 0);
    assert_int_equal(der_len, c->der_len);
    assert_memory_equal(der, c->der, der_len);
    free(der);
    assert_int_equal(certmap_cert_decode_file(bad, &der, &der_len, &err), -1);
    assert_string_equal(err.file, bad);
    assert_int_equal(err.kind, CERTMAP_ERR_INVALID);
    assert_non_null(strstr(err.message, "invalid base64 at offset 10"));
    snprintf(missing, sizeof(missing), "%s/missing.pem", dir);
    assert_int_equal(certmap_cert_decode_file(missing, &der, &der_len, &err), -1);
    assert_string_equal(err.file, missing);
    assert_int_equal(err.kind, CERTMAP_ERR_IO);
    assert_int_equal(certmap_cert_decode_file(dir, &der, &der_len, &err), -1);
    assert_string_equal(err.file, dir);
    /* a file far larger than any certificate is refused before it is read */
    big = calloc(1, 2 << 20);
    assert_non_null(big);
    memset(big, 'A', 2 << 20);
    huge = fixture_write(dir, "huge.pem", big, 2 << 20);
    assert_non_null(huge);
    assert_int_equal(certmap_cert_decode_file(huge, &der, &der_len, &err), -1);
    assert_string_equal(err.file, huge);
    assert_int_equal(err.kind, CERTMAP_ERR_INVALID);
    assert_non_null(strstr(err.message, "too large"));
    assert_null(der);
    free(huge);
    free(big);
    free(good);
    free(bad);
    free(pem);
    fixture_rmtree(dir);
}

/* A self-signed certificate of key whose notAfter is t (seconds since the epoch). */
static unsigned char *
der_not_after(EVP_PKEY *key, time_t t, size_t *len)
{
    X509 *x = X509_new();
    X509_NAME *name = X509_NAME_new();
    unsigned char *der = NULL, *p;
    int n;

    if (x == NULL || name == NULL || !X509_set_version(x, X509_VERSION_3) ||
        !ASN1_INTEGER_set(X509_get_serialNumber(x), 7) ||
        !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"t", -1, -1,
                                    0) ||
        !X509_set_subject_name(x, name) || !X509_set_issuer_name(x, name) ||
        ASN1_TIME_set(X509_getm_notBefore(x), TESTCERT_NOT_BEFORE) == NULL ||
        ASN1_TIME_set(X509_getm_notAfter(x), t) == NULL || !X509_set_pubkey(x, key) ||
        X509_sign(x, key, EVP_sha256()) == 0 || (n = i2d_X509(x, NULL)) <= 0 ||
        (der = malloc((size_t)n)) == NULL)
        goto out;
    p = der;
    i2d_X509(x, &p);
    *len = (size_t)n;
out:
    X509_NAME_free(name);
    X509_free(x);
    return der;
}

/*
 * cert_decode_facts() reads the notAfter without OpenSSL: the same seconds as
 * certmap_cert_info() for UTCTime (1950-2049) and GeneralizedTime, leap days
 * and a century that is not a leap year included; the subject is the
 * certificate's own.
 */
static void
test_decode_facts(void **state)
{
    static const time_t times[] = {2524607999, 2524608000, 1709208000,
                                   4107542400, 951868800,  TESTCERT_NOT_AFTER};
    EVP_PKEY *key = testcert_key();
    struct certmap_cert_info info;
    struct cert_facts f;
    unsigned char *der, *dec;
    char text[256], *b64;
    size_t len = 0, dlen; /* = 0: gcc -O2 cannot see der_not_after() sets it */

    (void)state;
    assert_non_null(key);
    for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
        der = der_not_after(key, times[i], &len);
        assert_non_null(der);
        assert_int_equal(certmap_cert_info(der, len, &info, NULL), 0);
        assert_int_equal(info.not_after_t, (int64_t)times[i]);
        b64 = testcert_b64(der, len, 64, "\n");
        assert_non_null(b64);
        assert_int_equal(cert_decode_facts(b64, strlen(b64), &dec, &dlen, &f, NULL), 0);
        assert_int_equal(dlen, len);
        assert_memory_equal(dec, der, len);
        assert_int_equal(f.not_after, (int64_t)times[i]);
        assert_int_equal(cert_name_text(dec + f.subject_off, f.subject_len, text, sizeof(text)), 0);
        assert_string_equal(text, info.subject);
        memset(&f, 0, sizeof(f));
        assert_int_equal(cert_facts_get(der, len, &f), 0);
        assert_int_equal(f.not_after, (int64_t)times[i]);
        free(dec);
        free(b64);
        free(der);
    }
    assert_int_equal(cert_decode_facts("garbage", 7, &dec, &dlen, &f, NULL), -1);
    assert_null(dec);
    EVP_PKEY_free(key);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_forms_decode_to_same_der),
        cmocka_unit_test(test_rejects_empty_and_garbage),
        cmocka_unit_test(test_rejects_bad_base64_padding),
        cmocka_unit_test(test_rejects_truncated),
        cmocka_unit_test(test_rejects_two_certificates),
        cmocka_unit_test(test_rejects_trailing_data),
        cmocka_unit_test(test_rejects_other_pem_labels),
        cmocka_unit_test(test_byte_flip_never_yields_original),
        cmocka_unit_test(test_rejects_non_canonical_der),
        cmocka_unit_test(test_rejects_der_rule_violations),
        cmocka_unit_test(test_accepts_what_openssl_parses),
        cmocka_unit_test(test_info_fields),
        cmocka_unit_test(test_fingerprints_and_hex),
        cmocka_unit_test(test_iis_string),
        cmocka_unit_test(test_decode_file_names_file),
        cmocka_unit_test(test_decode_facts),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
