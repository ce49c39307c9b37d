/*
 * identity.h - who made a request, as handlers see it.
 *
 * The pipeline fills one struct identity per request after authentication
 * and passes it (const) to the handler.  Everything it points to is owned by
 * the connection or the configuration snapshot and stays valid until the
 * handler returns.  The server variables built from it (LOGON_USER,
 * REMOTE_USER, AUTH_TYPE, CERT_SUBJECT, CERT_SERIALNUMBER, REMOTE_ADDR,
 * HTTPS...) are read through svar_get() (svars.h).
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

#endif
