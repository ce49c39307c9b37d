/*
 * cert/adstring.h - the certificate mapping strings of Active Directory's
 * altSecurityIdentities attribute (explicit mappings, [MS-PKCA] 3.1.5.2.1.3;
 * strong and weak forms as KB5014754 classes them).
 *
 *   strong  X509:<I>issuer<SR>serial   X509IssuerSerialNumber
 *           X509:<SKI>hex              X509SKI
 *           X509:<SHA1-PUKEY>hex       X509SHA1PublicKey
 *   weak    X509:<I>issuer<S>subject   X509IssuerSubject
 *           X509:<S>subject            X509SubjectOnly
 *           X509:<RFC822>email         X509RFC822
 *
 * How each value is written (docs/ad-mapping.md has the sources):
 *  - issuer and subject: the RDNs in the order of the DER encoding (most
 *    significant first, as AD shows them: "DC=com,DC=contoso,CN=CONTOSO-DC-CA",
 *    the reverse of RFC 4514), joined by "," without spaces; the attribute
 *    types as Windows names them (CN, O, OU, C, S, L, DC, E, STREET, T, G, I,
 *    SN, SERIALNUMBER; others "OID.1.2.3"); a multi-valued RDN joined by "+";
 *    a value with a character that would end it (, + = " < > # ; CR LF, or
 *    blanks at either end) in double quotes with inner quotes doubled, as
 *    Windows' CertNameToStr quotes; value text UTF-8.
 *  - serial: the bytes of the DER INTEGER's content (with the leading 00 a
 *    positive serial with its high bit set carries) in reverse order, upper-case
 *    hex: serial 2B0000000011AC0000000012 is written 1200000000AC11000000002B.
 *  - SKI: the keyIdentifier of the subjectKeyIdentifier extension, lower-case
 *    hex; a certificate without the extension has no such string.
 *  - SHA1-PUKEY: SHA-1 of the subjectPublicKey BIT STRING's value (the key
 *    bits, without the unused-bits octet, not the whole SubjectPublicKeyInfo),
 *    lower-case hex: RFC 5280 4.2.1.2 method (1).  Microsoft's text says only
 *    "SHA1 hash of public key"; this is what Samba's KDC tests compute.
 *  - RFC822: the first rfc822Name of the subjectAltName extension.
 *
 * AD compares these values case-insensitively (the attribute has Unicode
 * string syntax); cert_ad_equal() does the same.
 */
#ifndef CERTMAP_CERT_ADSTRING_H
#define CERTMAP_CERT_ADSTRING_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/x509.h>

#include "certmap/error.h"

enum cert_ad_form {
    CERT_AD_ISSUER_SERIAL,  /* X509:<I>issuer<SR>serial (strong) */
    CERT_AD_SKI,            /* X509:<SKI>hex (strong) */
    CERT_AD_SHA1_PUKEY,     /* X509:<SHA1-PUKEY>hex (strong) */
    CERT_AD_ISSUER_SUBJECT, /* X509:<I>issuer<S>subject (weak) */
    CERT_AD_SUBJECT,        /* X509:<S>subject (weak) */
    CERT_AD_RFC822,         /* X509:<RFC822>email (weak) */
};
#define CERT_AD_NFORMS 6

/* Microsoft's name of form ("X509IssuerSerialNumber", ...), static storage. */
const char *cert_ad_form_name(enum cert_ad_form form);

/* true for the three forms KB5014754 calls strong. */
bool cert_ad_form_strong(enum cert_ad_form form);

/*
 * The mapping string of form for cert, e.g. "X509:<SKI>3f2a...".  Returns a
 * malloc'd string the caller frees; NULL with err filled otherwise: kind
 * CERTMAP_ERR_INVALID and a message saying what is missing when the
 * certificate has no such value (no subjectKeyIdentifier extension, no
 * rfc822Name, an empty subject), CERTMAP_ERR_NOMEM when out of memory.
 */
char *cert_ad_string(X509 *cert, enum cert_ad_form form, struct certmap_error *err);

/*
 * The DN part of the strings: name in AD's order and quoting (see above).
 * Returns a malloc'd string (caller frees), NULL when out of memory or when
 * an attribute value cannot be converted to UTF-8.
 */
char *cert_ad_name(const X509_NAME *name);

/* A mapping string split into its parts (pointers into the parsed text). */
struct cert_ad_parsed {
    enum cert_ad_form form;
    const char *issuer; /* <I> part, or NULL */
    size_t issuer_len;
    const char *value; /* serial, SKI, key hash, subject or email */
    size_t value_len;
};

/*
 * Parses an altSecurityIdentities value s[0..len): "X509:" then one of the
 * six forms (tags case-insensitive, as AD reads them).  Hex parts (serial,
 * SKI, key hash) must be an even number of hex digits; SKI and SHA1-PUKEY
 * at most 64 bytes, serial at most 64 bytes.  Returns 0 and fills out, or
 * -1 for anything else (other prefixes such as "Kerberos:", an unknown tag,
 * an empty part, a NUL byte).
 */
int cert_ad_parse(const char *s, size_t len, struct cert_ad_parsed *out);

/*
 * Whether two mapping strings denote the same mapping: both parse, same
 * form, and the parts are equal ignoring ASCII case.  false when either
 * does not parse.
 */
bool cert_ad_equal(const char *a, size_t alen, const char *b, size_t blen);

#endif
