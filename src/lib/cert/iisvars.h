/*
 * cert/iisvars.h - the certificate server variables as IIS formats them
 * (CERT_SUBJECT, CERT_ISSUER, CERT_SERIALNUMBER, CERT_COOKIE, CERT_FLAGS and
 * the key sizes): the parts that depend only on the certificate, so that
 * certmapd's server-variable table (src/server/svars.c), the CLI and the
 * unit tests share one formatter.
 *
 * Reference: Microsoft, "IIS Server Variables"
 * (learn.microsoft.com/en-us/iis/web-dev-reference/server-variables) and the
 * ASP Request.ClientCertificate collection, which documents the same
 * fields.  What IIS leaves undocumented is said at each function.
 *
 * Every function writes a NUL-terminated string into buf[0..size) and
 * returns its length; -1 when the value does not fit (buf is then "", never
 * a cut value: a truncated subject is a different subject) or cannot be
 * formatted.  Values are UTF-8 and never contain NUL; a name taken from a
 * certificate may contain any other character, CR and LF included, so a
 * caller that puts it into a header line must check.  Thread-safe.
 */
#ifndef CERTMAP_CERT_IISVARS_H
#define CERTMAP_CERT_IISVARS_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/x509.h>

/* CERT_FLAGS bits (IIS documents both). */
#define CERT_IIS_FLAG_PRESENT 0x1        /* a client certificate is present */
#define CERT_IIS_FLAG_UNKNOWN_ISSUER 0x2 /* its issuer is not a recognised CA */

/*
 * CERT_SUBJECT / CERT_ISSUER (and the server's): the RDNs in the order the
 * certificate encodes them (X.501 order, most significant first: "C=US,
 * O=Contoso, CN=alice"), separated by ", ", the attributes of a
 * multi-valued RDN by " + ", keys as Windows spells them (CN, O, OU, C, S,
 * L, E, T, G, I, SN, STREET, DC, SERIALNUMBER...; "OID.1.2.3" for others).
 * IIS documents the comma-separated list and its order by example only
 * ("C=US, O=Msft"); the " + " separator, the key names and the quoting are
 * those of Windows' CertNameToStr (CERT_X500_NAME_STR), which IIS does not
 * say it uses: a value with leading or trailing spaces, or any of
 * , + = " < > # ; or a newline, or an empty value, is written in double
 * quotes with each embedded quote doubled.  A value that is not a character
 * string is written as '#' and its bytes in lower-case hex.  -1 also when a
 * value holds a NUL character.
 */
int cert_iis_name(const X509_NAME *name, char *buf, size_t size);

/*
 * CERT_SERIALNUMBER: the serial's bytes as encoded in the certificate (the
 * DER INTEGER's content, so a serial with its high bit set keeps the leading
 * 00 byte), two lower-case hex digits each, separated by '-': "04-67-f3-02",
 * "00-8a-01".  IIS documents the hyphen-separated form with the example
 * "04-67-F3-02" (ASP ClientCertificate); the letter case of the server
 * variable and the sign byte are undocumented: lower case as the issue
 * asks, and the bytes as encoded, which is what Windows keeps.
 */
int cert_iis_serial(const X509 *cert, char *buf, size_t size);

/*
 * CERT_COOKIE: IIS documents "a unique ID for the client certificate,
 * returned as a string, usable as a signature of the whole certificate" and
 * no format.  certmap writes the SHA-256 of the DER in lower-case hex (64
 * digits), the fingerprint `certmap list` shows.
 */
int cert_iis_cookie(const X509 *cert, char *buf, size_t size);

/*
 * CERT_FLAGS as a number: CERT_IIS_FLAG_PRESENT when present, plus
 * CERT_IIS_FLAG_UNKNOWN_ISSUER when verify (X509_V_OK or an X509_V_ERR_*)
 * says the chain does not end at a trusted CA.  0 without a certificate.
 */
unsigned cert_iis_flags(bool present, long verify);

/*
 * The size in bits of cert's public key (RSA modulus, EC curve order...):
 * CERT_SECRETKEYSIZE / HTTPS_SECRETKEYSIZE for the server certificate.  0
 * when the key cannot be read.
 */
int cert_iis_key_bits(const X509 *cert);

#endif
