/*
 * adstring.c - Active Directory's certificate mapping strings (cert/adstring.h).
 *
 * The strings are built with a small growable buffer rather than snprintf
 * into fixed arrays: a DN has no useful upper bound, and a mapping string
 * cut short would silently name another (or no) account.
 */
#include "cert/adstring.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>

#include "codec.h"

/* The longest hex part cert_ad_parse() accepts, in bytes. */
#define AD_HEX_MAX 64

struct sbuf {
    char *p;    /* owned, NUL-terminated while ok */
    size_t len; /* bytes before the NUL */
    size_t cap;
    bool failed; /* an allocation failed: p is freed and NULL */
};

static void
sb_add(struct sbuf *b, const char *s, size_t n)
{
    char *np;
    size_t cap;

    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        cap = b->cap == 0 ? 128 : b->cap;
        while (cap < b->len + n + 1)
            cap *= 2;
        np = realloc(b->p, cap);
        if (np == NULL) {
            free(b->p);
            b->p = NULL;
            b->failed = true;
            return;
        }
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void
sb_str(struct sbuf *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

/* Takes the string out of b: NULL when an allocation failed. */
static char *
sb_take(struct sbuf *b)
{
    char *p = b->failed ? NULL : b->p;

    if (p == NULL && !b->failed)
        p = strdup("");
    b->p = NULL;
    return p;
}

static void
sb_hex(struct sbuf *b, const unsigned char *bytes, size_t n, enum codec_case letters)
{
    char two[3];

    for (size_t i = 0; i < n; i++) {
        codec_hex_encode(bytes + i, 1, two, letters);
        sb_add(b, two, 2);
    }
}

/* Windows' names of the attribute types (CertNameToStr, CERT_X500_NAME_STR). */
static const struct {
    int nid;
    const char *name;
} ad_types[] = {
    {NID_commonName, "CN"},
    {NID_organizationName, "O"},
    {NID_organizationalUnitName, "OU"},
    {NID_countryName, "C"},
    {NID_stateOrProvinceName, "S"},
    {NID_localityName, "L"},
    {NID_domainComponent, "DC"},
    {NID_pkcs9_emailAddress, "E"},
    {NID_streetAddress, "STREET"},
    {NID_title, "T"},
    {NID_givenName, "G"},
    {NID_initials, "I"},
    {NID_surname, "SN"},
    {NID_serialNumber, "SERIALNUMBER"},
};

static void
add_type(struct sbuf *b, const ASN1_OBJECT *obj)
{
    int nid = OBJ_obj2nid(obj);
    char oid[128];
    int n;

    for (size_t i = 0; i < sizeof(ad_types) / sizeof(ad_types[0]); i++) {
        if (ad_types[i].nid == nid) {
            sb_str(b, ad_types[i].name);
            return;
        }
    }
    /* Windows writes a type it has no name for as its dotted OID after "OID." */
    n = OBJ_obj2txt(oid, sizeof(oid), obj, 1);
    if (n <= 0 || n >= (int)sizeof(oid)) {
        b->failed = true;
        return;
    }
    sb_str(b, "OID.");
    sb_str(b, oid);
}

/* A value that a reader would otherwise end early or trim: quoted, as CertNameToStr does. */
static bool
needs_quotes(const unsigned char *v, size_t n)
{
    if (n == 0)
        return false;
    if (v[0] == ' ' || v[n - 1] == ' ')
        return true;
    for (size_t i = 0; i < n; i++)
        if (strchr(",+=\"<>#;\r\n", v[i]) != NULL && v[i] != '\0')
            return true;
    return false;
}

static void
add_value(struct sbuf *b, const ASN1_STRING *s)
{
    unsigned char *utf8 = NULL;
    int n = ASN1_STRING_to_UTF8(&utf8, s);
    size_t i;

    if (n < 0) {
        b->failed = true;
        return;
    }
    if (!needs_quotes(utf8, (size_t)n)) {
        sb_add(b, (const char *)utf8, (size_t)n);
    } else {
        sb_add(b, "\"", 1);
        for (i = 0; i < (size_t)n; i++) {
            if (utf8[i] == '"')
                sb_add(b, "\"", 1);
            sb_add(b, (const char *)utf8 + i, 1);
        }
        sb_add(b, "\"", 1);
    }
    OPENSSL_free(utf8);
}

static void
add_name(struct sbuf *b, const X509_NAME *name)
{
    int n = X509_NAME_entry_count(name), last_set = -1;

    for (int i = 0; i < n; i++) {
        const X509_NAME_ENTRY *e = X509_NAME_get_entry(name, i);
        int set = X509_NAME_ENTRY_set(e);

        if (i > 0)
            sb_add(b, set == last_set ? "+" : ",", 1);
        last_set = set;
        add_type(b, X509_NAME_ENTRY_get_object(e));
        sb_add(b, "=", 1);
        add_value(b, X509_NAME_ENTRY_get_data(e));
    }
}

char *
cert_ad_name(const X509_NAME *name)
{
    struct sbuf b = {0};

    add_name(&b, name);
    return sb_take(&b);
}

/* The serial's DER content bytes, reversed, upper-case hex (KB5014754's example). */
static int
add_serial(struct sbuf *b, X509 *cert)
{
    const ASN1_INTEGER *serial = X509_get0_serialNumber(cert);
    unsigned char *der = NULL;
    const unsigned char *p;
    long clen = 0;
    int len, tag, cls, ret = -1;

    len = i2d_ASN1_INTEGER(serial, &der);
    if (len <= 0)
        goto out;
    p = der;
    if ((ASN1_get_object(&p, &clen, &tag, &cls, len) & 0x80) != 0 || tag != V_ASN1_INTEGER ||
        clen <= 0)
        goto out;
    for (long i = clen - 1; i >= 0; i--)
        sb_hex(b, p + i, 1, CODEC_UPPER);
    ret = 0;
out:
    OPENSSL_free(der);
    return ret;
}

static int
add_ski(struct sbuf *b, X509 *cert, struct certmap_error *err)
{
    const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(cert);

    if (ski == NULL || ASN1_STRING_length(ski) <= 0)
        return certmap_error_set(err, CERTMAP_ERR_INVALID, NULL, 0, NULL, NULL,
                                 "the certificate has no subjectKeyIdentifier extension, so no "
                                 "X509:<SKI> mapping string");
    sb_hex(b, ASN1_STRING_get0_data(ski), (size_t)ASN1_STRING_length(ski), CODEC_LOWER);
    return 0;
}

static int
add_pukey(struct sbuf *b, X509 *cert, struct certmap_error *err)
{
    ASN1_BIT_STRING *bits = X509_get0_pubkey_bitstr(cert);
    unsigned char md[SHA_DIGEST_LENGTH];

    if (bits == NULL || ASN1_STRING_length(bits) <= 0)
        return certmap_error_set(err, CERTMAP_ERR_INVALID, NULL, 0, NULL, NULL,
                                 "the certificate has no public key");
    if (EVP_Digest(ASN1_STRING_get0_data(bits), (size_t)ASN1_STRING_length(bits), md, NULL,
                   EVP_sha1(), NULL) != 1) {
        certmap_error_set(err, CERTMAP_ERR_CRYPTO, NULL, 0, NULL, NULL, "SHA-1 failed");
        certmap_error_add_openssl(err);
        return -1;
    }
    sb_hex(b, md, sizeof(md), CODEC_LOWER);
    return 0;
}

static int
add_rfc822(struct sbuf *b, X509 *cert, struct certmap_error *err)
{
    GENERAL_NAMES *names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
    int ret = -1;

    for (int i = 0; names != NULL && i < sk_GENERAL_NAME_num(names) && ret != 0; i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
        if (g->type != GEN_EMAIL || ASN1_STRING_length(g->d.rfc822Name) <= 0)
            continue;
        sb_add(b, (const char *)ASN1_STRING_get0_data(g->d.rfc822Name),
               (size_t)ASN1_STRING_length(g->d.rfc822Name));
        ret = 0;
    }
    GENERAL_NAMES_free(names);
    if (ret != 0)
        certmap_error_set(err, CERTMAP_ERR_INVALID, NULL, 0, NULL, NULL,
                          "the certificate has no rfc822Name (e-mail) in its subjectAltName, so "
                          "no X509:<RFC822> mapping string");
    return ret;
}

char *
cert_ad_string(X509 *cert, enum cert_ad_form form, struct certmap_error *err)
{
    struct sbuf b = {0};
    int rc = 0;
    char *out = NULL;

    sb_str(&b, "X509:");
    switch (form) {
    case CERT_AD_ISSUER_SERIAL:
        sb_str(&b, "<I>");
        add_name(&b, X509_get_issuer_name(cert));
        sb_str(&b, "<SR>");
        rc = add_serial(&b, cert);
        if (rc != 0)
            certmap_error_set(err, CERTMAP_ERR_INVALID, NULL, 0, NULL, NULL,
                              "cannot read the certificate's serial number");
        break;
    case CERT_AD_SKI:
        sb_str(&b, "<SKI>");
        rc = add_ski(&b, cert, err);
        break;
    case CERT_AD_SHA1_PUKEY:
        sb_str(&b, "<SHA1-PUKEY>");
        rc = add_pukey(&b, cert, err);
        break;
    case CERT_AD_ISSUER_SUBJECT:
    case CERT_AD_SUBJECT:
        if (X509_NAME_entry_count(X509_get_subject_name(cert)) == 0) {
            rc = certmap_error_set(err, CERTMAP_ERR_INVALID, NULL, 0, NULL, NULL,
                                   "the certificate's subject is empty, so no X509:<S> mapping "
                                   "string");
            break;
        }
        if (form == CERT_AD_ISSUER_SUBJECT) {
            sb_str(&b, "<I>");
            add_name(&b, X509_get_issuer_name(cert));
        }
        sb_str(&b, "<S>");
        add_name(&b, X509_get_subject_name(cert));
        break;
    case CERT_AD_RFC822:
        sb_str(&b, "<RFC822>");
        rc = add_rfc822(&b, cert, err);
        break;
    default:
        rc = certmap_error_set(err, CERTMAP_ERR_USAGE, NULL, 0, NULL, NULL,
                               "unknown mapping string form %d", (int)form);
    }
    if (rc == 0) {
        out = sb_take(&b);
        if (out == NULL)
            certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL, "out of memory");
    }
    free(b.p);
    return out;
}

const char *
cert_ad_form_name(enum cert_ad_form form)
{
    switch (form) {
    case CERT_AD_ISSUER_SERIAL:
        return "X509IssuerSerialNumber";
    case CERT_AD_SKI:
        return "X509SKI";
    case CERT_AD_SHA1_PUKEY:
        return "X509SHA1PublicKey";
    case CERT_AD_ISSUER_SUBJECT:
        return "X509IssuerSubject";
    case CERT_AD_SUBJECT:
        return "X509SubjectOnly";
    case CERT_AD_RFC822:
        return "X509RFC822";
    }
    return "unknown";
}

bool
cert_ad_form_strong(enum cert_ad_form form)
{
    return form == CERT_AD_ISSUER_SERIAL || form == CERT_AD_SKI || form == CERT_AD_SHA1_PUKEY;
}

/* s[0..len) starts with tag, ignoring ASCII case. */
static bool
has_tag(const char *s, size_t len, const char *tag)
{
    size_t n = strlen(tag);

    return len >= n && strncasecmp(s, tag, n) == 0;
}

/* An even, non-zero number of hex digits, at most AD_HEX_MAX bytes. */
static bool
is_hex(const char *s, size_t len)
{
    if (len == 0 || len % 2 != 0 || len > 2 * AD_HEX_MAX)
        return false;
    for (size_t i = 0; i < len; i++)
        if (codec_hex_digit((unsigned char)s[i]) < 0)
            return false;
    return true;
}

/* The first "<S>" or "<SR>" (either case) in s[0..len) at or after from; len when none. */
static size_t
find_tag(const char *s, size_t len, const char *tag)
{
    size_t n = strlen(tag);

    for (size_t i = 0; i + n <= len; i++)
        if (strncasecmp(s + i, tag, n) == 0)
            return i;
    return len;
}

int
cert_ad_parse(const char *s, size_t len, struct cert_ad_parsed *out)
{
    const char *p;
    size_t n, at;

    memset(out, 0, sizeof(*out));
    if (s == NULL || memchr(s, '\0', len) != NULL || !has_tag(s, len, "X509:"))
        return -1;
    p = s + 5;
    n = len - 5;
    if (has_tag(p, n, "<SKI>") || has_tag(p, n, "<SHA1-PUKEY>")) {
        out->form = has_tag(p, n, "<SKI>") ? CERT_AD_SKI : CERT_AD_SHA1_PUKEY;
        at = out->form == CERT_AD_SKI ? 5 : 12;
        out->value = p + at;
        out->value_len = n - at;
        return is_hex(out->value, out->value_len) ? 0 : -1;
    }
    if (has_tag(p, n, "<RFC822>")) {
        out->form = CERT_AD_RFC822;
        out->value = p + 8;
        out->value_len = n - 8;
        return out->value_len > 0 ? 0 : -1;
    }
    if (has_tag(p, n, "<S>")) {
        out->form = CERT_AD_SUBJECT;
        out->value = p + 3;
        out->value_len = n - 3;
        return out->value_len > 0 ? 0 : -1;
    }
    if (!has_tag(p, n, "<I>"))
        return -1;
    p += 3;
    n -= 3;
    /* The serial is hex and never holds "<S": the last <SR> ends the issuer. */
    at = find_tag(p, n, "<SR>");
    if (at < n) {
        size_t next;
        while ((next = find_tag(p + at + 4, n - at - 4, "<SR>")) < n - at - 4)
            at += 4 + next;
        out->form = CERT_AD_ISSUER_SERIAL;
        out->issuer = p;
        out->issuer_len = at;
        out->value = p + at + 4;
        out->value_len = n - at - 4;
        return out->issuer_len > 0 && is_hex(out->value, out->value_len) ? 0 : -1;
    }
    at = find_tag(p, n, "<S>");
    if (at == n)
        return -1;
    out->form = CERT_AD_ISSUER_SUBJECT;
    out->issuer = p;
    out->issuer_len = at;
    out->value = p + at + 3;
    out->value_len = n - at - 3;
    return out->issuer_len > 0 && out->value_len > 0 ? 0 : -1;
}

static bool
part_eq(const char *a, size_t alen, const char *b, size_t blen)
{
    return alen == blen && (alen == 0 || strncasecmp(a, b, alen) == 0);
}

bool
cert_ad_equal(const char *a, size_t alen, const char *b, size_t blen)
{
    struct cert_ad_parsed pa, pb;

    if (cert_ad_parse(a, alen, &pa) != 0 || cert_ad_parse(b, blen, &pb) != 0)
        return false;
    return pa.form == pb.form && part_eq(pa.issuer, pa.issuer_len, pb.issuer, pb.issuer_len) &&
           part_eq(pa.value, pa.value_len, pb.value, pb.value_len);
}
