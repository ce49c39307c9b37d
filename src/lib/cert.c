/*
 * cert.c - certificate decoding to canonical DER, fingerprints, names.
 *
 * Admins paste certificates into applicationHost.config in every form: PEM,
 * single-line base64 (what IIS wants), base64 broken into lines, or they point
 * the CLI at a DER file.  Whatever the form, the result must be the exact DER
 * of one certificate, because mappings compare DER bytes: anything that could
 * make two different inputs look alike (trailing bytes, a second certificate,
 * non-canonical encodings) is rejected with a message saying what and where.
 * Base64, with or without line breaks, is decoded by codec.c.
 */
#include "certmap/cert.h"

#include "cert/der.h"
#include "cert/facts.h"
#include "codec.h"
#include "fileio.h"

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

/* A certificate file larger than this is not one certificate. */
#define CERT_FILE_MAX (1024 * 1024)

static const char pem_begin[] = "-----BEGIN ";
static const char pem_end_cert[] = "-----END CERTIFICATE-----";
static const char pem_dashes[] = "-----";

static bool
is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * Base64 with line breaks or spaces anywhere (codec_b64_decode_ws()) into
 * out, which holds codec_b64_decoded_max(len) bytes.  base is the offset of
 * in within the caller's input, so that errors point at the caller's byte.
 */
static int
b64_decode(const unsigned char *in, size_t len, size_t base, unsigned char *out, size_t *out_len,
           struct certmap_error *err)
{
    size_t at = 0;

    switch (
        codec_b64_decode_ws((const char *)in, len, out, codec_b64_decoded_max(len), out_len, &at)) {
    case CODEC_B64_OK:
        return 0;
    case CODEC_B64_BAD_CHAR:
        return certmap_error_set(err, CERTMAP_ERR_INVALID, NULL, 0, NULL, NULL,
                                 "not a certificate: invalid base64 at offset %zu (byte 0x%02x)",
                                 base + at, in[at]);
    case CODEC_B64_BAD_PAD:
        return certmap_error_set(err, CERTMAP_ERR_INVALID, NULL, 0, NULL, NULL,
                                 "not a certificate: invalid base64 padding at offset %zu",
                                 base + at);
    case CODEC_B64_AFTER_PAD:
        return certmap_error_set(err, CERTMAP_ERR_INVALID, NULL, 0, NULL, NULL,
                                 "not a certificate: base64 continues after padding at "
                                 "offset %zu",
                                 base + at);
    case CODEC_B64_TRUNCATED:
        return certmap_error_set(err, CERTMAP_ERR_INVALID, NULL, 0, NULL, NULL,
                                 "not a certificate: base64 length is not a multiple of 4 "
                                 "(truncated?)");
    case CODEC_B64_UNUSED_BITS:
        return certmap_error_set(err, CERTMAP_ERR_INVALID, NULL, 0, NULL, NULL,
                                 "not a certificate: invalid base64 padding at offset %zu "
                                 "(non-zero unused bits)",
                                 base + at);
    case CODEC_B64_NO_ROOM:
        break;
    }
    /* codec_b64_decoded_max() is the documented bound: reaching this is a bug here. */
    return certmap_error_set(err, CERTMAP_ERR_INVALID, NULL, 0, NULL, NULL,
                             "not a certificate: base64 decoding overflow at offset %zu",
                             base + at);
}

/*
 * Reads the DER header of the outer SEQUENCE: sets *hdr to the header size
 * and *total to header + content.  0; 1 when the input is too short to say;
 * -1 when it is not a definite-length SEQUENCE.
 */
static int
der_header(const unsigned char *p, size_t n, size_t *hdr, size_t *total)
{
    size_t len = 0, k, i;

    if (n < 2)
        return 1;
    if (p[0] != 0x30)
        return -1;
    if (p[1] < 0x80) {
        *hdr = 2;
        *total = 2 + (size_t)p[1];
        return 0;
    }
    k = p[1] & 0x7f;
    /* 0x80 is BER's indefinite length; more than 4 length bytes is absurd for a certificate. */
    if (k == 0 || k > 4)
        return -1;
    if (n < 2 + k)
        return 1;
    for (i = 0; i < k; i++)
        len = len << 8 | p[2 + i];
    *hdr = 2 + k;
    *total = 2 + k + len;
    return 0;
}

/* Number of whole certificates in p[0..n), or 0 when p is anything else. */
static int
count_certs(const unsigned char *p, size_t n)
{
    size_t hdr, total;
    int count = 0;

    while (n > 0) {
        if (der_header(p, n, &hdr, &total) != 0 || total > n ||
            cert_der_check(p, total, NULL, NULL) != 0)
            return 0;
        p += total;
        n -= total;
        count++;
    }
    return count;
}

/*
 * Checks that der[0..n) is exactly one certificate in strict DER.  The outer
 * header is read here so that the common mistakes (truncation, a second
 * certificate, trailing bytes) get their own message; cert_der_check() does
 * the rest.  what says where the bytes came from ("the DER input", ...).
 */
static int
check_der(const unsigned char *der, size_t n, const char *what, struct cert_der_fields *f,
          struct certmap_error *err)
{
    size_t hdr = 0, total = 0;
    int rc, extra;

    rc = der_header(der, n, &hdr, &total);
    if (rc < 0)
        return certmap_error_set(err, CERTMAP_ERR_INVALID, NULL, 0, NULL, NULL,
                                 "not a certificate: %s does not start with a DER SEQUENCE", what);
    if (rc > 0)
        return certmap_error_set(err, CERTMAP_ERR_INVALID, NULL, 0, NULL, NULL,
                                 "truncated certificate: %s has only %zu bytes", what, n);
    if (total > n)
        return certmap_error_set(err, CERTMAP_ERR_INVALID, NULL, 0, NULL, NULL,
                                 "truncated certificate: %s has %zu bytes, its DER header "
                                 "announces %zu",
                                 what, n, total);
    if (total < n) {
        extra = count_certs(der + total, n - total);
        if (extra > 0)
            return certmap_error_set(err, CERTMAP_ERR_INVALID, NULL, 0, NULL, NULL,
                                     "%d certificates found; expected one", extra + 1);
        return certmap_error_set(err, CERTMAP_ERR_INVALID, NULL, 0, NULL, NULL,
                                 "trailing data after the certificate (%zu byte%s)", n - total,
                                 n - total == 1 ? "" : "s");
    }
    return cert_der_check(der, n, f, err);
}

static void *
find_bytes(const unsigned char *hay, size_t n, const char *needle)
{
    return memmem(hay, n, needle, strlen(needle));
}

/* Counts "-----BEGIN CERTIFICATE-----" lines in p[0..n). */
static int
count_pem_certs(const unsigned char *p, size_t n)
{
    static const char begin_cert[] = "-----BEGIN CERTIFICATE-----";
    const unsigned char *hit;
    int count = 0;

    while ((hit = find_bytes(p, n, begin_cert)) != NULL) {
        count++;
        n -= (size_t)(hit - p) + strlen(begin_cert);
        p = hit + strlen(begin_cert);
    }
    return count;
}

/*
 * PEM: one "CERTIFICATE" block.  Explanatory text before the BEGIN line is
 * tolerated (RFC 7468 §2; `openssl x509 -text` and pkcs12 exports write it),
 * but after the END line only whitespace may follow.
 */
static int
decode_pem(const unsigned char *in, size_t len, const unsigned char *begin, unsigned char **der,
           size_t *der_len, struct cert_der_fields *f, struct certmap_error *err)
{
    const unsigned char *label, *label_end, *body, *end, *rest;
    size_t label_len, rest_len, i, n = 0;
    unsigned char *buf = NULL;
    int more;

    label = begin + strlen(pem_begin);
    label_end = find_bytes(label, len - (size_t)(label - in), pem_dashes);
    if (label_end == NULL || memchr(label, '\n', (size_t)(label_end - label)) != NULL)
        return certmap_error_set(err, CERTMAP_ERR_INVALID, NULL, 0, NULL, NULL,
                                 "not a certificate: malformed PEM BEGIN line at offset %zu",
                                 (size_t)(begin - in));
    label_len = (size_t)(label_end - label);
    if (label_len != strlen("CERTIFICATE") || memcmp(label, "CERTIFICATE", label_len) != 0)
        return certmap_error_set(err, CERTMAP_ERR_INVALID, NULL, 0, NULL, NULL,
                                 "not a certificate: PEM block \"%.*s\" at offset %zu; expected "
                                 "\"CERTIFICATE\"",
                                 (int)(label_len > 64 ? 64 : label_len), (const char *)label,
                                 (size_t)(begin - in));
    body = label_end + strlen(pem_dashes);
    end = find_bytes(body, len - (size_t)(body - in), pem_end_cert);
    if (end == NULL)
        return certmap_error_set(err, CERTMAP_ERR_INVALID, NULL, 0, NULL, NULL,
                                 "truncated certificate: PEM block has no \"%s\" line",
                                 pem_end_cert);
    rest = end + strlen(pem_end_cert);
    rest_len = len - (size_t)(rest - in);
    for (i = 0; i < rest_len && is_space(rest[i]); i++)
        ;
    if (i < rest_len) {
        more = count_pem_certs(rest, rest_len);
        if (more > 0)
            return certmap_error_set(err, CERTMAP_ERR_INVALID, NULL, 0, NULL, NULL,
                                     "%d certificates found; expected one", more + 1);
        if (find_bytes(rest, rest_len, pem_begin) != NULL)
            return certmap_error_set(err, CERTMAP_ERR_INVALID, NULL, 0, NULL, NULL,
                                     "trailing PEM block after the certificate at offset %zu; "
                                     "expected one certificate only",
                                     (size_t)(rest - in) + i);
        return certmap_error_set(err, CERTMAP_ERR_INVALID, NULL, 0, NULL, NULL,
                                 "trailing data after the certificate (%zu byte%s)", rest_len - i,
                                 rest_len - i == 1 ? "" : "s");
    }
    buf = malloc(codec_b64_decoded_max((size_t)(end - body)) + 1);
    if (buf == NULL)
        return certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL, "out of memory");
    if (b64_decode(body, (size_t)(end - body), (size_t)(body - in), buf, &n, err) != 0 ||
        check_der(buf, n, "the PEM block", f, err) != 0) {
        free(buf);
        return -1;
    }
    *der = buf;
    *der_len = n;
    return 0;
}

static int
decode_base64(const unsigned char *in, size_t len, unsigned char **der, size_t *der_len,
              struct cert_der_fields *f, struct certmap_error *err)
{
    unsigned char *buf;
    size_t n = 0;

    buf = malloc(codec_b64_decoded_max(len) + 1);
    if (buf == NULL)
        return certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL, "out of memory");
    if (b64_decode(in, len, 0, buf, &n, err) != 0 ||
        check_der(buf, n, "the decoded base64", f, err) != 0) {
        free(buf);
        return -1;
    }
    *der = buf;
    *der_len = n;
    return 0;
}

/*
 * DER starts with SEQUENCE (0x30, also the base64 digit '0') and, for anything
 * as large as a certificate, a long-form length byte >= 0x80, which no text
 * has.  A short form is taken as DER too when the input is not all printable
 * ASCII, so that binary input is reported as DER, not as bad base64.
 */
static bool
looks_like_der(const unsigned char *p, size_t len)
{
    size_t i;

    if (len < 2 || p[0] != 0x30)
        return false;
    if (p[1] >= 0x80)
        return true;
    for (i = 0; i < len; i++)
        if ((p[i] < 0x20 || p[i] >= 0x7f) && !is_space(p[i]))
            return true;
    return false;
}

/* certmap_cert_decode(), also filling f (when not NULL) from the one DER walk it makes. */
static int
decode_any(const void *in, size_t len, unsigned char **der, size_t *der_len,
           struct cert_der_fields *f, struct certmap_error *err)
{
    const unsigned char *p = in, *begin;
    unsigned char *buf;
    size_t i;

    *der = NULL;
    *der_len = 0;
    for (i = 0; i < len && is_space(p[i]); i++)
        ;
    if (i == len)
        return certmap_error_set(err, CERTMAP_ERR_INVALID, NULL, 0, NULL, NULL,
                                 "not a certificate: empty input");
    if (looks_like_der(p, len)) {
        if (check_der(p, len, "the DER input", f, err) != 0)
            return -1;
        buf = malloc(len);
        if (buf == NULL)
            return certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL, "out of memory");
        memcpy(buf, p, len);
        *der = buf;
        *der_len = len;
        return 0;
    }
    begin = find_bytes(p, len, pem_begin);
    if (begin != NULL)
        return decode_pem(p, len, begin, der, der_len, f, err);
    return decode_base64(p, len, der, der_len, f, err);
}

int
certmap_cert_decode(const void *in, size_t len, unsigned char **der, size_t *der_len,
                    struct certmap_error *err)
{
    return decode_any(in, len, der, der_len, NULL, err);
}

int
certmap_cert_decode_file(const char *path, unsigned char **der, size_t *der_len,
                         struct certmap_error *err)
{
    char *data = NULL;
    size_t len = 0;
    int ret;

    *der = NULL;
    *der_len = 0;
    if (fileio_read(path, &data, &len, CERT_FILE_MAX, err) != 0)
        return -1;
    ret = certmap_cert_decode(data, len, der, der_len, err);
    if (ret != 0 && err != NULL)
        snprintf(err->file, sizeof(err->file), "%s", path);
    free(data);
    return ret;
}

char *
certmap_cert_to_iis_string(const unsigned char *der, size_t der_len)
{
    char *out;

    if (der_len > INT_MAX / 2)
        return NULL;
    out = malloc(codec_b64_encoded_len(der_len) + 1);
    if (out == NULL)
        return NULL;
    return codec_b64_encode(der, der_len, out);
}

/*
 * The digests, fetched once: EVP_sha256() makes OpenSSL 3 look the algorithm
 * up again on every EVP_Digest() (a lock and a name lookup), and loading
 * 100 000 mappings hashes 100 000 certificates.  Never freed: one per process.
 */
static pthread_once_t md_once = PTHREAD_ONCE_INIT;
static EVP_MD *md_sha256, *md_sha1;

static void
md_fetch(void)
{
    md_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    md_sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
}

void
certmap_cert_sha256(const unsigned char *der, size_t der_len, unsigned char out[32])
{
    unsigned int n = 32;

    pthread_once(&md_once, md_fetch);
    if (EVP_Digest(der, der_len, out, &n, md_sha256 != NULL ? md_sha256 : EVP_sha256(), NULL) != 1)
        memset(out, 0, 32);
}

void
certmap_cert_sha1(const unsigned char *der, size_t der_len, unsigned char out[20])
{
    unsigned int n = 20;

    pthread_once(&md_once, md_fetch);
    if (EVP_Digest(der, der_len, out, &n, md_sha1 != NULL ? md_sha1 : EVP_sha1(), NULL) != 1)
        memset(out, 0, 20);
}

char *
certmap_hex(const unsigned char *bytes, size_t len, char *out)
{
    return codec_hex_encode(bytes, len, out, CODEC_LOWER);
}

int
certmap_parse_fingerprint(const char *text, unsigned char out[32])
{
    unsigned char buf[32];
    size_t n = 0;
    const char *p = text;
    int hi, lo;

    if (text == NULL)
        return -1;
    while (is_space((unsigned char)*p))
        p++;
    for (;;) {
        hi = codec_hex_digit((unsigned char)p[0]);
        lo = hi < 0 ? -1 : codec_hex_digit((unsigned char)p[1]);
        if (hi < 0 || lo < 0 || n == sizeof(buf))
            return -1;
        buf[n++] = (unsigned char)(hi << 4 | lo);
        p += 2;
        /* A separator sits between two bytes, never at either end or doubled. */
        if (*p == ':' && codec_hex_digit((unsigned char)p[1]) >= 0)
            p++;
        else if (*p == '\0' || is_space((unsigned char)*p))
            break;
        else if (codec_hex_digit((unsigned char)*p) < 0)
            return -1;
    }
    while (is_space((unsigned char)*p))
        p++;
    if (*p != '\0' || (n != 20 && n != 32))
        return -1;
    memcpy(out, buf, n);
    return (int)n;
}

/*
 * RFC 2253 text of the Name TLV der[0..len) into out (truncated to size,
 * NUL-terminated), non-ASCII characters as UTF-8 rather than \XX escapes: the
 * CLI shows "CN=Jörg" as IIS does, and JSON carries UTF-8 anyway.
 */
static int
name_text(const unsigned char *der, size_t len, char *out, size_t size)
{
    const unsigned char *p = der;
    X509_NAME *name;
    BIO *bio = NULL;
    long n;
    char *text;
    int ret = -1;

    out[0] = '\0';
    name = d2i_X509_NAME(NULL, &p, (long)len);
    if (name == NULL)
        goto out;
    bio = BIO_new(BIO_s_mem());
    if (bio == NULL ||
        X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0)
        goto out;
    n = BIO_get_mem_data(bio, &text);
    if (n < 0)
        goto out;
    if ((size_t)n >= size)
        n = (long)size - 1;
    memcpy(out, text, (size_t)n);
    out[n] = '\0';
    ret = 0;
out:
    BIO_free(bio);
    X509_NAME_free(name);
    return ret;
}

/* ISO 8601 text and epoch seconds of the Time TLV der[0..len). */
static int
time_text(const unsigned char *der, size_t len, char *out, size_t size, int64_t *epoch)
{
    const unsigned char *p = der;
    ASN1_TIME *t;
    struct tm tm;
    int ret = -1;

    t = d2i_ASN1_TIME(NULL, &p, (long)len);
    if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
        goto out;
    *epoch = (int64_t)timegm(&tm);
    if (strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        goto out;
    ret = 0;
out:
    ASN1_TIME_free(t);
    return ret;
}

/* n decimal digits at p (checked digits: the DER walk checked the Time's syntax). */
static int
digits(const unsigned char *p, int n)
{
    int v = 0;

    while (n-- > 0)
        v = v * 10 + (*p++ - '0');
    return v;
}

/*
 * Seconds since the epoch of a DER Time TLV in its strict forms (UTCTime
 * YYMMDDHHMMSSZ, years 1950-2049 as RFC 5280 reads them, or GeneralizedTime
 * YYYYMMDDHHMMSSZ): the same as time_text() without OpenSSL's parse, which
 * was a tenth of building a 100 000-mapping index.  -1 for any other form.
 */
static int
time_epoch(const unsigned char *t, size_t len, int64_t *epoch)
{
    static const int before[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
    const unsigned char *p;
    int64_t y, days;
    int mon, day;

    if (len == 15 && t[0] == 0x17 && t[1] == 13 && t[14] == 'Z') {
        y = digits(t + 2, 2);
        y += y >= 50 ? 1900 : 2000;
        p = t + 4;
    } else if (len == 17 && t[0] == 0x18 && t[1] == 15 && t[16] == 'Z') {
        y = digits(t + 2, 4);
        p = t + 6;
    } else {
        return -1;
    }
    mon = digits(p, 2);
    day = digits(p + 2, 2);
    if (mon < 1 || mon > 12 || day < 1 || day > 31)
        return -1;
    /* days from 1970-01-01 to January 1st of y (leap years: every 4th but centuries, but 400ths) */
    days = 365 * (y - 1970) + ((y - 1) / 4 - 1969 / 4) - ((y - 1) / 100 - 1969 / 100) +
           ((y - 1) / 400 - 1969 / 400);
    days += before[mon - 1] + day - 1;
    if (mon > 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        days++;
    *epoch = days * 86400 + digits(p + 4, 2) * 3600 + digits(p + 6, 2) * 60 + digits(p + 8, 2);
    return 0;
}

/* The facts of f's fields in der; -1 when the notAfter does not read. */
static int
facts_from(const unsigned char *der, const struct cert_der_fields *df, struct cert_facts *f)
{
    char text[32];
    int ret;

    f->subject_off = df->subject_off;
    f->subject_len = df->subject_len;
    if (time_epoch(der + df->not_after_off, df->not_after_len, &f->not_after) == 0)
        return 0;
    ret = time_text(der + df->not_after_off, df->not_after_len, text, sizeof(text), &f->not_after);
    ERR_clear_error();
    return ret;
}

int
cert_facts_get(const unsigned char *der, size_t len, struct cert_facts *f)
{
    struct cert_der_fields df;

    if (cert_der_check(der, len, &df, NULL) != 0)
        return -1;
    return facts_from(der, &df, f);
}

int
cert_decode_facts(const void *in, size_t len, unsigned char **der, size_t *der_len,
                  struct cert_facts *f, struct certmap_error *err)
{
    struct cert_der_fields df;

    if (decode_any(in, len, der, der_len, &df, err) != 0)
        return -1;
    /* the walk checked the Time's syntax; a date OpenSSL cannot convert is never "expiring" */
    if (facts_from(*der, &df, f) != 0)
        f->not_after = INT64_MAX;
    return 0;
}

int
cert_name_text(const unsigned char *name, size_t len, char *out, size_t size)
{
    int ret = name_text(name, len, out, size);

    ERR_clear_error();
    return ret;
}

/* Upper-case hex of the INTEGER TLV der[0..len), "-" first when negative (RFC 5280 forbids it). */
static int
serial_text(const unsigned char *der, size_t len, char *out, size_t size)
{
    const unsigned char *p = der, *d;
    ASN1_INTEGER *serial;
    size_t n = 0, fit;
    int dlen;

    serial = d2i_ASN1_INTEGER(NULL, &p, (long)len);
    if (serial == NULL)
        return -1;
    d = ASN1_STRING_get0_data(serial);
    dlen = ASN1_STRING_length(serial);
    if (ASN1_STRING_type(serial) == V_ASN1_NEG_INTEGER && n + 1 < size)
        out[n++] = '-';
    if (dlen <= 0 && n + 2 < size) {
        out[n++] = '0';
        out[n++] = '0';
    }
    /* As many whole bytes as fit before the NUL: a long serial is cut, never split. */
    fit = dlen > 0 ? (size - 1 - n) / 2 : 0;
    if (dlen > 0 && (size_t)dlen < fit)
        fit = (size_t)dlen;
    codec_hex_encode(d, fit, out + n, CODEC_UPPER);
    ASN1_INTEGER_free(serial);
    return 0;
}

int
certmap_cert_info(const unsigned char *der, size_t der_len, struct certmap_cert_info *info,
                  struct certmap_error *err)
{
    struct cert_der_fields f;
    unsigned char md[32];
    int ret = -1;

    memset(info, 0, sizeof(*info));
    if (cert_der_check(der, der_len, &f, err) != 0)
        goto out;
    if (name_text(der + f.subject_off, f.subject_len, info->subject, sizeof(info->subject)) != 0 ||
        name_text(der + f.issuer_off, f.issuer_len, info->issuer, sizeof(info->issuer)) != 0) {
        certmap_error_set(err, CERTMAP_ERR_INVALID, NULL, 0, NULL, NULL,
                          "cannot read the certificate's subject or issuer name");
        certmap_error_add_openssl(err);
        goto out;
    }
    if (serial_text(der + f.serial_off, f.serial_len, info->serial, sizeof(info->serial)) != 0) {
        certmap_error_set(err, CERTMAP_ERR_INVALID, NULL, 0, NULL, NULL,
                          "cannot read the certificate's serial number");
        certmap_error_add_openssl(err);
        goto out;
    }
    if (time_text(der + f.not_before_off, f.not_before_len, info->not_before,
                  sizeof(info->not_before), &info->not_before_t) != 0 ||
        time_text(der + f.not_after_off, f.not_after_len, info->not_after, sizeof(info->not_after),
                  &info->not_after_t) != 0) {
        certmap_error_set(err, CERTMAP_ERR_INVALID, NULL, 0, NULL, NULL,
                          "certificate has an invalid validity date");
        certmap_error_add_openssl(err);
        goto out;
    }
    certmap_cert_sha256(der, der_len, md);
    certmap_hex(md, 32, info->sha256);
    certmap_cert_sha1(der, der_len, md);
    certmap_hex(md, 20, info->sha1);
    ret = 0;
out:
    /* Leave no OpenSSL errors behind for unrelated callers. */
    ERR_clear_error();
    return ret;
}
