/*
 * cert/der.c - strict DER validation of an X.509 certificate.
 *
 * Two passes over the bytes, neither allocating: the first checks every
 * element of the tree against the DER rules of X.690 (section 10 and 11), so
 * that a value has exactly one encoding; the second checks that the tree has
 * the shape of an RFC 5280 Certificate and records where the displayed fields
 * are.  Every failure names the DER offset of the offending element.
 */
#include "cert/der.h"

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Deeper nesting than any certificate needs; bounds the recursion on hostile input. */
#define DER_MAX_DEPTH 32

/* Identifier octets used by the Certificate structure. */
#define ID_BOOLEAN 0x01
#define ID_INTEGER 0x02
#define ID_BIT_STRING 0x03
#define ID_OCTET_STRING 0x04
#define ID_OID 0x06
#define ID_UTC_TIME 0x17
#define ID_GENERALIZED_TIME 0x18
#define ID_SEQUENCE 0x30
#define ID_SET 0x31
#define ID_VERSION 0xa0     /* [0] EXPLICIT */
#define ID_ISSUER_UID 0x81  /* [1] IMPLICIT BIT STRING */
#define ID_SUBJECT_UID 0x82 /* [2] IMPLICIT BIT STRING */
#define ID_EXTENSIONS 0xa3  /* [3] EXPLICIT */

struct der {
    const unsigned char *base; /* the certificate */
    struct certmap_error *err; /* may be NULL */
};

/* One element: identifier, content position. */
struct tlv {
    unsigned char id;  /* first identifier octet */
    unsigned long tag; /* tag number (low 5 bits of id, or the high-tag-number form) */
    size_t off;        /* offset of the identifier octet */
    size_t coff;       /* offset of the content */
    size_t end;        /* offset just after the content */
};

static int fail(struct der *d, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(struct der *d, size_t off, const char *fmt, ...)
{
    char what[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return certmap_error_set(d->err, CERTMAP_ERR_INVALID, NULL, 0, NULL, NULL,
                             "not a certificate: %s at DER offset %zu", what, off);
}

static bool
is_constructed(const struct tlv *t)
{
    return (t->id & 0x20) != 0;
}

static bool
is_universal(const struct tlv *t)
{
    return (t->id & 0xc0) == 0;
}

/* Reads the identifier and length of the element at off, which must end by end. */
static int
tlv_read(struct der *d, size_t off, size_t end, struct tlv *t)
{
    const unsigned char *b = d->base;
    size_t p = off + 1, len, k;
    unsigned char c;

    if (off >= end)
        return fail(d, off, "missing element");
    t->id = b[off];
    t->off = off;
    t->tag = b[off] & 0x1f;
    if (t->tag == 0x1f) {
        /* High-tag-number form: base-128, no leading 0x80, only for tags >= 31. */
        t->tag = 0;
        if (p < end && b[p] == 0x80)
            return fail(d, off, "non-minimal tag number");
        do {
            if (p >= end)
                return fail(d, off, "truncated tag");
            if (t->tag > (ULONG_MAX >> 8))
                return fail(d, off, "tag number too large");
            c = b[p++];
            t->tag = t->tag << 7 | (c & 0x7f);
        } while (c & 0x80);
        if (t->tag < 31)
            return fail(d, off, "non-minimal tag number");
    }
    if (p >= end)
        return fail(d, off, "truncated length");
    c = b[p++];
    if (c == 0x80)
        return fail(d, off, "indefinite length (BER, not DER)");
    if (c < 0x80) {
        len = c;
    } else {
        k = c & 0x7f;
        if (k > 4)
            return fail(d, off, "length of %zu octets", k);
        if (end - p < k)
            return fail(d, off, "truncated length");
        if (b[p] == 0)
            return fail(d, off, "non-minimal length");
        for (len = 0; k > 0; k--)
            len = len << 8 | b[p++];
        if (len < 0x80)
            return fail(d, off, "non-minimal length");
    }
    if (len > end - p)
        return fail(d, off, "element of %zu bytes overruns its container by %zu bytes", len,
                    len - (end - p));
    t->coff = p;
    t->end = p + len;
    return 0;
}

static bool
all_digits(const unsigned char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static unsigned
two_digits(const unsigned char *s)
{
    return (unsigned)(s[0] - '0') * 10 + (unsigned)(s[1] - '0');
}

/*
 * UTCTime "YYMMDDHHMMSSZ" or GeneralizedTime "YYYYMMDDHHMMSSZ" (RFC 5280
 * 4.1.2.5), a real calendar date: whatever passes here, ASN1_TIME_to_tm()
 * accepts too, so that certmap_cert_info() cannot fail on a decoded certificate.
 */
static bool
time_ok(const unsigned char *s, size_t n, bool generalized)
{
    static const unsigned mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    size_t y = generalized ? 4 : 2;
    unsigned year, month, day;
    bool leap;

    if (n != y + 11 || s[n - 1] != 'Z' || !all_digits(s, n - 1))
        return false;
    /* UTCTime years 50..99 are 1950..1999 (RFC 5280). */
    year = generalized ? two_digits(s) * 100 + two_digits(s + 2)
                       : two_digits(s) + (two_digits(s) >= 50 ? 1900 : 2000);
    s += y;
    month = two_digits(s);
    day = two_digits(s + 2);
    if (month < 1 || month > 12 || day < 1 || day > mdays[month - 1])
        return false;
    leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (month == 2 && day == 29 && !leap)
        return false;
    return two_digits(s + 4) <= 23 && two_digits(s + 6) <= 59 && two_digits(s + 8) <= 59;
}

/* Well-formed UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF. */
static bool
utf8_ok(const unsigned char *s, size_t n)
{
    size_t i = 0, k, j;
    unsigned long cp;

    while (i < n) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        if (s[i] >= 0xc2 && s[i] <= 0xdf)
            k = 1;
        else if (s[i] >= 0xe0 && s[i] <= 0xef)
            k = 2;
        else if (s[i] >= 0xf0 && s[i] <= 0xf4)
            k = 3;
        else
            return false;
        if (n - i <= k)
            return false;
        cp = s[i] & (0x3f >> k);
        for (j = 1; j <= k; j++) {
            if ((s[i + j] & 0xc0) != 0x80)
                return false;
            cp = cp << 6 | (s[i + j] & 0x3f);
        }
        if ((k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) || cp > 0x10ffff ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += k + 1;
    }
    return true;
}

/* BMPString (width 2) or UniversalString (width 4): whole code points, no surrogates. */
static bool
ucs_ok(const unsigned char *s, size_t n, size_t width)
{
    unsigned long cp;
    size_t i, j;

    if (n % width != 0)
        return false;
    for (i = 0; i < n; i += width) {
        for (cp = 0, j = 0; j < width; j++)
            cp = cp << 8 | s[i + j];
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
    }
    return true;
}

/*
 * The types OpenSSL takes as an attribute value in a Name (its ASN1_PRINTABLE
 * set): a certificate whose names OpenSSL cannot read could never be
 * presented by a client, so it is refused here rather than mapped.
 */
static bool
name_value_ok(const struct tlv *t)
{
    static const unsigned char allowed[] = {3,  7,  8,  9,  11, 12, 13, 14, 15,
                                            16, 18, 19, 20, 22, 28, 29, 30};

    if (!is_universal(t) || is_constructed(t) != (t->tag == 16))
        return false;
    return memchr(allowed, (int)t->tag, sizeof(allowed)) != NULL;
}

static int
check_bits(struct der *d, const struct tlv *t)
{
    const unsigned char *c = d->base + t->coff;
    size_t n = t->end - t->coff;

    if (n == 0)
        return fail(d, t->off, "empty BIT STRING");
    if (c[0] > 7 || (n == 1 && c[0] != 0))
        return fail(d, t->off, "BIT STRING with %u unused bits", c[0]);
    if (n > 1 && (c[n - 1] & ((1u << c[0]) - 1)) != 0)
        return fail(d, t->off, "BIT STRING with non-zero unused bits");
    return 0;
}

/* The content rules of DER for the universal primitive types a certificate can hold. */
static int
check_primitive(struct der *d, const struct tlv *t)
{
    const unsigned char *c = d->base + t->coff;
    size_t n = t->end - t->coff, i;

    switch (t->tag) {
    case 1: /* BOOLEAN */
        if (n != 1 || (c[0] != 0x00 && c[0] != 0xff))
            return fail(d, t->off, "BOOLEAN not encoded as 00 or FF");
        break;
    case 2:  /* INTEGER */
    case 10: /* ENUMERATED */
        if (n == 0)
            return fail(d, t->off, "empty INTEGER");
        if (n > 1 && ((c[0] == 0x00 && c[1] < 0x80) || (c[0] == 0xff && c[1] >= 0x80)))
            return fail(d, t->off, "INTEGER with a redundant leading byte");
        break;
    case 3:
        return check_bits(d, t);
    case 5:
        if (n != 0)
            return fail(d, t->off, "NULL with content");
        break;
    case 6:  /* OBJECT IDENTIFIER */
    case 13: /* RELATIVE-OID */
        if (n == 0 || c[n - 1] >= 0x80)
            return fail(d, t->off, "malformed OBJECT IDENTIFIER");
        for (i = 0; i < n; i++)
            if (c[i] == 0x80 && (i == 0 || c[i - 1] < 0x80))
                return fail(d, t->off, "OBJECT IDENTIFIER with a non-minimal subidentifier");
        break;
    case 12:
        if (!utf8_ok(c, n))
            return fail(d, t->off, "invalid UTF-8 in UTF8String");
        break;
    case 23:
    case 24:
        if (!time_ok(c, n, t->tag == 24))
            return fail(d, t->off, "malformed %s \"%.*s\"",
                        t->tag == 23 ? "UTCTime" : "GeneralizedTime", (int)(n > 20 ? 20 : n),
                        (const char *)c);
        break;
    case 28:
        if (!ucs_ok(c, n, 4))
            return fail(d, t->off, "invalid UniversalString");
        break;
    case 30:
        if (!ucs_ok(c, n, 2))
            return fail(d, t->off, "invalid BMPString");
        break;
    default:
        break;
    }
    return 0;
}

/* Universal types have a fixed form in DER: SEQUENCE/SET constructed, the rest primitive. */
static int
check_form(struct der *d, const struct tlv *t)
{
    if (t->tag == 0)
        return fail(d, t->off, "end-of-contents octets (BER, not DER)");
    if ((t->tag == 16 || t->tag == 17) && !is_constructed(t))
        return fail(d, t->off, "primitive SEQUENCE or SET");
    /*
     * EXTERNAL, EMBEDDED PDV and CHARACTER STRING would be constructed too, but
     * OpenSSL re-encodes them as primitive (found by fuzz_cert): no certificate
     * needs them, so they are refused like BER's constructed strings.
     */
    if (t->tag != 16 && t->tag != 17 && is_constructed(t))
        return fail(d, t->off, "constructed encoding of a primitive type (BER, not DER)");
    return 0;
}

/* DER sorts the elements of a SET OF by their encodings (X.690 11.6). */
static bool
sorted(const unsigned char *base, const struct tlv *prev, const struct tlv *t)
{
    size_t a = prev->end - prev->off, b = t->end - t->off;
    int c = memcmp(base + prev->off, base + t->off, a < b ? a : b);

    return c < 0 || (c == 0 && a <= b);
}

/* First pass: every element in [off, end) and below follows the DER rules. */
static int
check_tree(struct der *d, size_t off, size_t end, bool in_set, unsigned depth)
{
    struct tlv t, prev = {0};
    bool have_prev = false;

    while (off < end) {
        if (tlv_read(d, off, end, &t) != 0)
            return -1;
        if (is_universal(&t) && check_form(d, &t) != 0)
            return -1;
        if (is_constructed(&t)) {
            if (depth >= DER_MAX_DEPTH)
                return fail(d, t.off, "elements nested more than %d deep", DER_MAX_DEPTH);
            if (check_tree(d, t.coff, t.end, t.id == ID_SET, depth + 1) != 0)
                return -1;
        } else if (is_universal(&t) && check_primitive(d, &t) != 0) {
            return -1;
        }
        if (in_set && have_prev && !sorted(d->base, &prev, &t))
            return fail(d, t.off, "SET OF elements not in DER order");
        prev = t;
        have_prev = true;
        off = t.end;
    }
    return 0;
}

/* Reads the next element in [*off, end), which must have identifier octet id. */
static int
expect(struct der *d, size_t *off, size_t end, unsigned char id, const char *what, struct tlv *t)
{
    if (*off >= end)
        return fail(d, end, "missing %s", what);
    if (tlv_read(d, *off, end, t) != 0)
        return -1;
    if (t->id != id)
        return fail(d, *off, "expected %s, found tag 0x%02x", what, t->id);
    *off = t->end;
    return 0;
}

static int
expect_end(struct der *d, size_t off, size_t end, const char *after)
{
    if (off != end)
        return fail(d, off, "unexpected element after %s", after);
    return 0;
}

static bool
next_is(struct der *d, size_t off, size_t end, unsigned char id)
{
    return off < end && d->base[off] == id;
}

/* AlgorithmIdentifier ::= SEQUENCE { algorithm OID, parameters ANY OPTIONAL } */
static int
check_algid(struct der *d, size_t *off, size_t end, const char *what)
{
    struct tlv seq, t;
    size_t p;

    if (expect(d, off, end, ID_SEQUENCE, what, &seq) != 0)
        return -1;
    p = seq.coff;
    if (expect(d, &p, seq.end, ID_OID, "algorithm OID", &t) != 0)
        return -1;
    if (p < seq.end) {
        if (tlv_read(d, p, seq.end, &t) != 0)
            return -1;
        p = t.end;
    }
    return expect_end(d, p, seq.end, "algorithm parameters");
}

/* Name ::= SEQUENCE OF SET OF SEQUENCE { type OID, value ANY } */
static int
check_name(struct der *d, size_t *off, size_t end, const char *what, size_t *name_off,
           size_t *name_len)
{
    struct tlv name, rdn, atv, t;
    size_t p, q, r;

    *name_off = *off;
    if (expect(d, off, end, ID_SEQUENCE, what, &name) != 0)
        return -1;
    *name_len = name.end - name.off;
    for (p = name.coff; p < name.end;) {
        if (expect(d, &p, name.end, ID_SET, "RelativeDistinguishedName", &rdn) != 0)
            return -1;
        if (rdn.coff == rdn.end)
            return fail(d, rdn.off, "empty RelativeDistinguishedName in %s", what);
        for (q = rdn.coff; q < rdn.end;) {
            if (expect(d, &q, rdn.end, ID_SEQUENCE, "AttributeTypeAndValue", &atv) != 0)
                return -1;
            r = atv.coff;
            if (expect(d, &r, atv.end, ID_OID, "attribute type", &t) != 0)
                return -1;
            if (r >= atv.end)
                return fail(d, atv.off, "attribute without a value in %s", what);
            if (tlv_read(d, r, atv.end, &t) != 0)
                return -1;
            if (!name_value_ok(&t))
                return fail(d, t.off, "attribute value of type 0x%02x in %s", t.id, what);
            if (expect_end(d, t.end, atv.end, "attribute value") != 0)
                return -1;
        }
    }
    return 0;
}

static int
check_time(struct der *d, size_t *off, size_t end, const char *what, size_t *time_off,
           size_t *time_len)
{
    struct tlv t;

    if (*off >= end)
        return fail(d, end, "missing %s", what);
    if (tlv_read(d, *off, end, &t) != 0)
        return -1;
    if (t.id != ID_UTC_TIME && t.id != ID_GENERALIZED_TIME)
        return fail(d, t.off, "expected %s (UTCTime or GeneralizedTime), found tag 0x%02x", what,
                    t.id);
    *time_off = t.off;
    *time_len = t.end - t.off;
    *off = t.end;
    return 0;
}

/* Extensions ::= SEQUENCE OF SEQUENCE { extnID OID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET
 * STRING } */
static int
check_extensions(struct der *d, const struct tlv *wrapper)
{
    struct tlv list, ext, t;
    size_t p = wrapper->coff, q, r;

    if (expect(d, &p, wrapper->end, ID_SEQUENCE, "Extensions", &list) != 0 ||
        expect_end(d, p, wrapper->end, "Extensions") != 0)
        return -1;
    for (q = list.coff; q < list.end;) {
        if (expect(d, &q, list.end, ID_SEQUENCE, "Extension", &ext) != 0)
            return -1;
        r = ext.coff;
        if (expect(d, &r, ext.end, ID_OID, "extension OID", &t) != 0)
            return -1;
        if (next_is(d, r, ext.end, ID_BOOLEAN)) {
            if (expect(d, &r, ext.end, ID_BOOLEAN, "critical", &t) != 0)
                return -1;
            /* DER omits a value equal to its DEFAULT. */
            if (d->base[t.coff] == 0x00)
                return fail(d, t.off, "explicit critical FALSE (a DEFAULT value, omitted in DER)");
        }
        if (expect(d, &r, ext.end, ID_OCTET_STRING, "extension value", &t) != 0 ||
            expect_end(d, r, ext.end, "extension value") != 0)
            return -1;
    }
    return 0;
}

static int
check_version(struct der *d, size_t *off, size_t end)
{
    struct tlv wrapper, v;
    size_t p;

    if (expect(d, off, end, ID_VERSION, "version", &wrapper) != 0)
        return -1;
    p = wrapper.coff;
    if (expect(d, &p, wrapper.end, ID_INTEGER, "version number", &v) != 0 ||
        expect_end(d, p, wrapper.end, "version number") != 0)
        return -1;
    if (v.end - v.coff != 1 || d->base[v.coff] > 2)
        return fail(d, v.off, "unknown certificate version");
    return 0;
}

/* SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING }
 */
static int
check_spki(struct der *d, size_t *off, size_t end)
{
    struct tlv spki, t;
    size_t p;

    if (expect(d, off, end, ID_SEQUENCE, "subjectPublicKeyInfo", &spki) != 0)
        return -1;
    p = spki.coff;
    if (check_algid(d, &p, spki.end, "public key algorithm") != 0 ||
        expect(d, &p, spki.end, ID_BIT_STRING, "subjectPublicKey", &t) != 0)
        return -1;
    return expect_end(d, p, spki.end, "subjectPublicKey");
}

static int
check_tbs(struct der *d, const struct tlv *tbs, struct cert_der_fields *f)
{
    struct tlv t, validity;
    size_t p = tbs->coff, q;

    if (next_is(d, p, tbs->end, ID_VERSION) && check_version(d, &p, tbs->end) != 0)
        return -1;
    if (expect(d, &p, tbs->end, ID_INTEGER, "serialNumber", &t) != 0)
        return -1;
    f->serial_off = t.off;
    f->serial_len = t.end - t.off;
    if (check_algid(d, &p, tbs->end, "signature algorithm") != 0 ||
        check_name(d, &p, tbs->end, "issuer", &f->issuer_off, &f->issuer_len) != 0 ||
        expect(d, &p, tbs->end, ID_SEQUENCE, "validity", &validity) != 0)
        return -1;
    q = validity.coff;
    if (check_time(d, &q, validity.end, "notBefore", &f->not_before_off, &f->not_before_len) != 0 ||
        check_time(d, &q, validity.end, "notAfter", &f->not_after_off, &f->not_after_len) != 0 ||
        expect_end(d, q, validity.end, "notAfter") != 0)
        return -1;
    if (check_name(d, &p, tbs->end, "subject", &f->subject_off, &f->subject_len) != 0 ||
        check_spki(d, &p, tbs->end) != 0)
        return -1;
    if (next_is(d, p, tbs->end, ID_ISSUER_UID) &&
        (expect(d, &p, tbs->end, ID_ISSUER_UID, "issuerUniqueID", &t) != 0 ||
         check_bits(d, &t) != 0))
        return -1;
    if (next_is(d, p, tbs->end, ID_SUBJECT_UID) &&
        (expect(d, &p, tbs->end, ID_SUBJECT_UID, "subjectUniqueID", &t) != 0 ||
         check_bits(d, &t) != 0))
        return -1;
    if (next_is(d, p, tbs->end, ID_EXTENSIONS) &&
        (expect(d, &p, tbs->end, ID_EXTENSIONS, "extensions", &t) != 0 ||
         check_extensions(d, &t) != 0))
        return -1;
    return expect_end(d, p, tbs->end, "the last field of tbsCertificate");
}

int
cert_der_check(const unsigned char *der, size_t len, struct cert_der_fields *f,
               struct certmap_error *err)
{
    struct der d = {der, err};
    struct cert_der_fields scratch;
    struct tlv cert, tbs, t;
    size_t p = 0;

    if (f == NULL)
        f = &scratch;
    memset(f, 0, sizeof(*f));
    if (check_tree(&d, 0, len, false, 0) != 0)
        return -1;
    if (expect(&d, &p, len, ID_SEQUENCE, "Certificate", &cert) != 0 ||
        expect_end(&d, p, len, "the certificate") != 0)
        return -1;
    p = cert.coff;
    if (expect(&d, &p, cert.end, ID_SEQUENCE, "tbsCertificate", &tbs) != 0)
        return -1;
    f->tbs_off = tbs.off;
    f->tbs_len = tbs.end - tbs.off;
    if (check_tbs(&d, &tbs, f) != 0 || check_algid(&d, &p, cert.end, "signatureAlgorithm") != 0 ||
        expect(&d, &p, cert.end, ID_BIT_STRING, "signatureValue", &t) != 0)
        return -1;
    return expect_end(&d, p, cert.end, "signatureValue");
}
