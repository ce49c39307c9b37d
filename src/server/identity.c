/*
 * identity.c - IIS server variables of an authenticated request.
 */
#include "identity.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>

#include "codec.h"

static int
put(char *buf, size_t size, const char *s)
{
    size_t n;

    if (s == NULL)
        s = "";
    n = strlen(s);
    if (size == 0)
        return (int)n;
    if (n >= size)
        n = size - 1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    return (int)n;
}

/* RFC 2253 text of a name, as `certmap list` shows it. */
static int
put_name(char *buf, size_t size, const X509_NAME *name)
{
    BIO *bio;
    char *data = NULL;
    long len;
    size_t n;

    if (size == 0)
        return 0;
    buf[0] = '\0';
    bio = BIO_new(BIO_s_mem());
    if (bio == NULL)
        return 0;
    if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253) < 0) {
        BIO_free(bio);
        return 0;
    }
    len = BIO_get_mem_data(bio, &data);
    n = len > 0 ? (size_t)len : 0;
    if (n >= size)
        n = size - 1;
    if (n > 0)
        memcpy(buf, data, n);
    buf[n] = '\0';
    BIO_free(bio);
    return (int)n;
}

static int
put_serial(char *buf, size_t size, X509 *cert)
{
    BIGNUM *bn;
    char *hex;
    int n;

    bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
    if (bn == NULL)
        return put(buf, size, "");
    hex = BN_bn2hex(bn);
    BN_free(bn);
    n = put(buf, size, hex);
    OPENSSL_free(hex);
    return n;
}

static int
put_cookie(char *buf, size_t size, X509 *cert)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    char hex[2 * EVP_MAX_MD_SIZE + 1];

    if (X509_digest(cert, EVP_sha256(), md, &len) != 1)
        return put(buf, size, "");
    return put(buf, size, codec_hex_encode(md, len, hex, CODEC_LOWER));
}

int
identity_var(const struct identity *id, const char *name, char *buf, size_t size)
{
    char num[16];

    if (size > 0)
        buf[0] = '\0';
    if (strcasecmp(name, "LOGON_USER") == 0 || strcasecmp(name, "REMOTE_USER") == 0 ||
        strcasecmp(name, "AUTH_USER") == 0)
        return put(buf, size, id->user);
    if (strcasecmp(name, "AUTH_TYPE") == 0)
        return put(buf, size, id->auth_type);
    if (strcasecmp(name, "HTTPS") == 0)
        return put(buf, size, id->https ? "on" : "off");
    if (strcasecmp(name, "REMOTE_ADDR") == 0 || strcasecmp(name, "REMOTE_HOST") == 0)
        return put(buf, size, id->remote_addr);
    if (strcasecmp(name, "REMOTE_PORT") == 0) {
        snprintf(num, sizeof(num), "%u", id->remote_port);
        return put(buf, size, num);
    }
    if (strcasecmp(name, "LOCAL_ADDR") == 0)
        return put(buf, size, id->local_addr);
    if (strcasecmp(name, "SERVER_PORT") == 0) {
        snprintf(num, sizeof(num), "%u", id->local_port);
        return put(buf, size, num);
    }
    if (strcasecmp(name, "SERVER_NAME") == 0)
        return put(buf, size, id->server_name);
    if (strcasecmp(name, "CERT_FLAGS") == 0)
        return put(buf, size, id->cert != NULL ? "1" : "0");
    if (strcasecmp(name, "CERT_SUBJECT") == 0)
        return id->cert != NULL ? put_name(buf, size, X509_get_subject_name(id->cert))
                                : put(buf, size, "");
    if (strcasecmp(name, "CERT_ISSUER") == 0)
        return id->cert != NULL ? put_name(buf, size, X509_get_issuer_name(id->cert))
                                : put(buf, size, "");
    if (strcasecmp(name, "CERT_SERIALNUMBER") == 0)
        return id->cert != NULL ? put_serial(buf, size, id->cert) : put(buf, size, "");
    if (strcasecmp(name, "CERT_COOKIE") == 0)
        return id->cert != NULL ? put_cookie(buf, size, id->cert) : put(buf, size, "");
    return -1;
}
