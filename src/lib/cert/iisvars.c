/*
 * iisvars.c - IIS's spelling of the certificate server variables.
 */
#include "cert/iisvars.h"

#include <string.h>

#include <openssl/asn1.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509_vfy.h>

#include "codec.h"

/* An output buffer that refuses to overflow: once full it stays failed. */
struct out {
    char *buf;
    size_t size;
    size_t len;
    bool failed;
};

static void
out_add(struct out *o, const char *s, size_t n)
{
    if (o->failed)
        return;
    if (n >= o->size - o->len) {
        o->failed = true;
        return;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    o->buf[o->len] = '\0';
}

static void
out_str(struct out *o, const char *s)
{
    out_add(o, s, strlen(s));
}

static int
out_end(struct out *o)
{
    if (o->failed) {
        if (o->size > 0)
            o->buf[0] = '\0';
        return -1;
    }
    return (int)o->len;
}

static int
out_init(struct out *o, char *buf, size_t size)
{
    o->buf = buf;
    o->size = size;
    o->len = 0;
    o->failed = size == 0;
    if (size > 0)
        buf[0] = '\0';
    return o->failed ? -1 : 0;
}

/* The X.500 keys of Windows' CertNameToStr (CERT_X500_NAME_STR). */
static const struct {
    int nid;
    const char *key;
} name_keys[] = {
    {NID_commonName, "CN"},
    {NID_localityName, "L"},
    {NID_organizationName, "O"},
    {NID_organizationalUnitName, "OU"},
    {NID_pkcs9_emailAddress, "E"},
    {NID_countryName, "C"},
    {NID_stateOrProvinceName, "S"},
    {NID_streetAddress, "STREET"},
    {NID_title, "T"},
    {NID_givenName, "G"},
    {NID_initials, "I"},
    {NID_surname, "SN"},
    {NID_domainComponent, "DC"},
    {NID_serialNumber, "SERIALNUMBER"},
    {NID_postalCode, "PostalCode"},
    {NID_description, "Description"},
    {NID_postOfficeBox, "POBox"},
    {NID_telephoneNumber, "Phone"},
    {NID_dnQualifier, "dnQualifier"},
};

static void
put_key(struct out *o, const ASN1_OBJECT *obj)
{
    char oid[128];
    int nid = OBJ_obj2nid(obj);

    for (size_t i = 0; i < sizeof(name_keys) / sizeof(name_keys[0]); i++) {
        if (name_keys[i].nid == nid && nid != NID_undef) {
            out_str(o, name_keys[i].key);
            return;
        }
    }
    if (OBJ_obj2txt(oid, sizeof(oid), obj, 1) <= 0) {
        o->failed = true;
        return;
    }
    out_str(o, "OID.");
    out_str(o, oid);
}

/* CertNameToStr quotes a value with these characters, or edge spaces, or empty. */
static bool
needs_quotes(const unsigned char *s, size_t n)
{
    if (n == 0 || s[0] == ' ' || s[n - 1] == ' ')
        return true;
    for (size_t i = 0; i < n; i++)
        if (strchr(",+=\"<>#;\n", s[i]) != NULL)
            return true;
    return false;
}

static void
put_value(struct out *o, const ASN1_STRING *v)
{
    unsigned char *utf8 = NULL;
    char hex[3];
    int n;

    n = ASN1_STRING_to_UTF8(&utf8, v);
    if (n < 0) {
        /* Not a character string: its bytes in hex, as RFC 4514 writes them. */
        const unsigned char *p = ASN1_STRING_get0_data(v);

        out_str(o, "#");
        for (int i = 0; i < ASN1_STRING_length(v); i++)
            out_str(o, codec_hex_encode(p + i, 1, hex, CODEC_LOWER));
        return;
    }
    if (memchr(utf8, '\0', (size_t)n) != NULL) {
        /* A C string would end early and show a different name. */
        o->failed = true;
    } else if (!needs_quotes(utf8, (size_t)n)) {
        out_add(o, (const char *)utf8, (size_t)n);
    } else {
        out_str(o, "\"");
        for (int i = 0; i < n; i++) {
            if (utf8[i] == '"')
                out_str(o, "\"\"");
            else
                out_add(o, (const char *)utf8 + i, 1);
        }
        out_str(o, "\"");
    }
    OPENSSL_free(utf8);
}

int
cert_iis_name(const X509_NAME *name, char *buf, size_t size)
{
    struct out o;
    const X509_NAME_ENTRY *e;
    int count, prev_set = -1;

    if (out_init(&o, buf, size) != 0)
        return -1;
    count = X509_NAME_entry_count(name);
    for (int i = 0; i < count && !o.failed; i++) {
        e = X509_NAME_get_entry(name, i);
        /* Entries of one multi-valued RDN share a set number. */
        if (i > 0)
            out_str(&o, X509_NAME_ENTRY_set(e) == prev_set ? " + " : ", ");
        prev_set = X509_NAME_ENTRY_set(e);
        put_key(&o, X509_NAME_ENTRY_get_object(e));
        out_str(&o, "=");
        put_value(&o, X509_NAME_ENTRY_get_data(e));
    }
    return out_end(&o);
}

int
cert_iis_serial(const X509 *cert, char *buf, size_t size)
{
    const ASN1_INTEGER *serial = X509_get0_serialNumber(cert);
    unsigned char *der = NULL, *p;
    const unsigned char *q;
    struct out o;
    char hex[3];
    long len;
    int der_len, tag, xclass, ret = -1;

    if (out_init(&o, buf, size) != 0)
        goto out;
    /*
     * The content octets of the DER INTEGER keep the sign byte (00 before a
     * high bit) that ASN1_INTEGER's own data drops.
     */
    der_len = i2d_ASN1_INTEGER(serial, NULL);
    if (der_len <= 0)
        goto out;
    der = OPENSSL_malloc((size_t)der_len);
    if (der == NULL)
        goto out;
    p = der;
    i2d_ASN1_INTEGER(serial, &p);
    q = der;
    if (ASN1_get_object(&q, &len, &tag, &xclass, der_len) & 0x80 || tag != V_ASN1_INTEGER)
        goto out;
    for (long i = 0; i < len; i++) {
        if (i > 0)
            out_str(&o, "-");
        out_str(&o, codec_hex_encode(q + i, 1, hex, CODEC_LOWER));
    }
    ret = out_end(&o);
out:
    OPENSSL_free(der);
    if (ret < 0 && size > 0)
        buf[0] = '\0';
    return ret;
}

int
cert_iis_cookie(const X509 *cert, char *buf, size_t size)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    char hex[2 * EVP_MAX_MD_SIZE + 1];
    struct out o;

    if (out_init(&o, buf, size) != 0)
        return -1;
    if (X509_digest(cert, EVP_sha256(), md, &len) != 1)
        return -1;
    out_str(&o, codec_hex_encode(md, len, hex, CODEC_LOWER));
    return out_end(&o);
}

unsigned
cert_iis_flags(bool present, long verify)
{
    unsigned flags = 0;

    if (!present)
        return 0;
    flags |= CERT_IIS_FLAG_PRESENT;
    switch (verify) {
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_CERT_UNTRUSTED:
        flags |= CERT_IIS_FLAG_UNKNOWN_ISSUER;
        break;
    default:
        break;
    }
    return flags;
}

int
cert_iis_key_bits(const X509 *cert)
{
    EVP_PKEY *key = X509_get0_pubkey(cert);

    return key != NULL ? EVP_PKEY_get_bits(key) : 0;
}
