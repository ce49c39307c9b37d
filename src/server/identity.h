/*
 * identity.h - who made a request, as handlers see it.
 *
 * The pipeline fills one struct identity per request after authentication
 * and passes it (const) to the handler.  Everything it points to is owned by
 * the connection or the configuration snapshot and stays valid until the
 * handler returns.  The names follow IIS's server variables (LOGON_USER,
 * REMOTE_USER, AUTH_TYPE, CERT_SUBJECT, CERT_ISSUER, CERT_SERIALNUMBER,
 * CERT_COOKIE, REMOTE_ADDR, HTTPS); identity_var() returns them by name.
 */
#ifndef CERTMAP_SERVER_IDENTITY_H
#define CERTMAP_SERVER_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/x509.h>

enum identity_auth {
    IDENTITY_NONE,        /* not authenticated (error responses before authentication) */
    IDENTITY_ANONYMOUS,   /* anonymousAuthentication admitted the request */
    IDENTITY_CERTIFICATE, /* one-to-one client certificate mapping + logon */
    IDENTITY_BASIC,       /* basicAuthentication + logon */
};

struct identity {
    enum identity_auth auth; /* how the request was authenticated */
    const char *user;        /* LOGON_USER / REMOTE_USER: the name as IIS shows it
                                ("DOMAIN\\user" when a domain is involved, logon_names());
                                "" when anonymous */
    const char *auth_type;   /* AUTH_TYPE: "SSL/PCT" (certificate mapping), "Basic", "" */
    const char *anon_user;   /* anonymousAuthentication userName when anonymous, else "" */
    bool https;              /* HTTPS: the request came over TLS */
    const char *remote_addr; /* REMOTE_ADDR: client address as text */
    unsigned remote_port;    /* REMOTE_PORT */
    const char *local_addr;  /* LOCAL_ADDR: server address as text */
    unsigned local_port;     /* SERVER_PORT */
    const char *server_name; /* SERVER_NAME: the Host (without port) or the SNI name, may be "" */
    X509 *cert;              /* the client certificate (verified or not), borrowed; NULL when none
                                or when the location does not negotiate one */
    long cert_verify;        /* X509_V_OK or the verification error of cert */
};

/*
 * Writes the server variable name (IIS spelling, case-insensitive) of id into
 * buf as a NUL-terminated string: LOGON_USER, REMOTE_USER, AUTH_USER,
 * AUTH_TYPE, CERT_SUBJECT, CERT_ISSUER, CERT_SERIALNUMBER (upper-case hex),
 * CERT_COOKIE (SHA-256 of the certificate, lower-case hex), CERT_FLAGS ("1"
 * when a certificate is present, else "0"), REMOTE_ADDR, REMOTE_HOST,
 * REMOTE_PORT, LOCAL_ADDR, SERVER_PORT, SERVER_NAME, HTTPS ("on"/"off").
 * Certificate variables are "" without a certificate.  Returns the length, or
 * -1 when the name is unknown (buf = "") ; a value longer than size - 1 is cut.
 * Thread-safe; does not allocate except inside OpenSSL for CERT_SUBJECT/ISSUER.
 */
int identity_var(const struct identity *id, const char *name, char *buf, size_t size);

#endif
