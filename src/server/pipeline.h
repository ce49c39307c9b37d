/*
 * pipeline.h - the decisions of the request pipeline (DESIGN §4), as pure
 * functions over a snapshot: site by binding and Host, effective location,
 * sslFlags, certificate verification result, authentication modules.  They
 * do no I/O and keep no state; request.c calls them in order and does the
 * I/O (logon, handler, log).  Each returns an IIS status and sub-status when
 * the request stops there.
 */
#ifndef CERTMAP_SERVER_PIPELINE_H
#define CERTMAP_SERVER_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>

#include "logon.h"
#include "mapping.h"
#include "mapping_many.h"
#include "snapshot.h"

/* Longest decoded path pipeline_normalize_path() produces. */
#define PIPELINE_PATH_MAX 4096

/* Longest user name or password taken from a Basic Authorization header. */
#define PIPELINE_CRED_MAX 256

/* Longest logon name ("user@DOMAIN"). */
#define PIPELINE_LOGON_NAME_MAX 512

/*
 * The URL path raw[0..len) decoded for location and virtual directory
 * matching and for the handlers, by codec_url_path_decode() (which lists
 * what it refuses: malformed escapes, NUL, encoded '/' or '\', raw '\',
 * control characters, "." and ".." segments; runs of '/' collapsed).
 * Returns 0 with out NUL-terminated and *out_len set; 400 for a refused
 * path; 414 when the result would not fit in size (or PIPELINE_PATH_MAX).
 */
int pipeline_normalize_path(const char *raw, size_t len, char *out, size_t size, size_t *out_len);

/*
 * The host name of a Host value (host_len bytes), without the port and
 * without a trailing dot: "[::1]:8443" -> "[::1]", "Example.com.:443" ->
 * "Example.com".  Sets *name and *name_len (pointing into host).
 */
void pipeline_host_name(const char *host, size_t host_len, const char **name, size_t *name_len);

/*
 * Chooses the binding of a request that arrived on ep.  tls_binding is the
 * binding whose TLS context served the handshake (after SNI), NULL over
 * plain HTTP.  host is the Host name (pipeline_host_name()), NULL when the
 * request has none (HTTP/1.0).  Returns 0 and *out, 400 when no binding of
 * ep accepts the host name, or 421 when the host belongs to another site
 * than the one the TLS handshake was made for (its certificate and trust
 * settings would not be the ones this request needs).
 */
int pipeline_route(const struct snap_endpoint *ep, const struct snap_binding *tls_binding,
                   const char *host, size_t host_len, const struct snap_binding **out);

/* What the access check knows about the connection. */
struct pipeline_conn_info {
    bool tls;         /* the request came over TLS */
    int cipher_bits;  /* strength of the negotiated cipher (TLS) */
    bool has_cert;    /* the client sent a certificate */
    long cert_verify; /* X509_V_OK or the verification error of that certificate */
};

/*
 * access/@sslFlags and the certificate verification result, in IIS's order:
 * Ssl over plain HTTP -> 403.4; Ssl128 with a weaker cipher -> 403.5;
 * SslRequireCert without a certificate -> 403.7; a certificate that a
 * location negotiating certificates would use but that did not verify ->
 * 403.16 (untrusted), 403.17 (expired or not yet valid), 403.13 (revoked).
 * Returns 0 when the request may go on, else 403 with *substatus set.
 */
int pipeline_access(const struct certmap_settings *loc, const struct pipeline_conn_info *ci,
                    int *substatus);

/* true when loc uses the client certificate (negotiates or requires one). */
bool pipeline_uses_cert(const struct certmap_settings *loc);

/* Logon result not known yet (the caller must run the logon and call again). */
#define PIPELINE_LOGON_UNKNOWN (-1)

struct pipeline_auth_in {
    const struct certmap_settings *loc;
    bool tls;
    bool basic_without_ssl;        /* certmap/server/@allowBasicWithoutSsl */
    const struct mapping *mapping; /* enabled mapping of the verified certificate, or NULL */
    /* the many-to-one mapping mapping came from (mapping == &many_to_one->base), else NULL */
    const struct m2o_mapping *many_to_one;
    int cert_logon; /* enum logon_result of the mapping's logon, or PIPELINE_LOGON_UNKNOWN */
    const char *basic_user; /* credentials of an "Authorization: Basic" header, NULL if none */
    const char *basic_password;
    bool basic_malformed; /* an Authorization: Basic header that does not decode */
    int basic_logon;      /* enum logon_result, or PIPELINE_LOGON_UNKNOWN */
};

enum pipeline_auth_result {
    PIPELINE_AUTH_OK,         /* authenticated: see out->auth and out->user */
    PIPELINE_AUTH_DENY,       /* answer out->status.out->substatus */
    PIPELINE_AUTH_NEED_LOGON, /* run a logon of out->user with out->password, then call again */
};

enum pipeline_auth_kind {
    PIPELINE_AUTH_NONE,
    PIPELINE_AUTH_ANONYMOUS,
    PIPELINE_AUTH_CERTIFICATE,
    PIPELINE_AUTH_BASIC,
};

struct pipeline_auth_out {
    enum pipeline_auth_kind kind;       /* which module decided (or needs the logon) */
    int status;                         /* DENY: 401 */
    int substatus;                      /* DENY: 1 (logon failed) or 2 (nothing authenticates) */
    bool challenge;                     /* DENY: send WWW-Authenticate: Basic */
    char user[PIPELINE_LOGON_NAME_MAX]; /* OK/NEED_LOGON: logon name, with the domain applied */
    const char *password; /* NEED_LOGON: borrowed from the input (mapping or header) */
};

/*
 * The authentication modules in IIS's order: one-to-one certificate mapping
 * (when enabled at loc and the certificate has an enabled mapping: logon
 * refused -> 401.1), else many-to-one (when enabled at loc: a Deny mapping ->
 * 403.12 without a logon, an Allow one logs on as one-to-one does), Basic (only over TLS unless
 * basic_without_ssl; refused
 * -> 401.1 with a challenge), anonymous, else 401.2 (with a challenge when
 * Basic is available).
 */
enum pipeline_auth_result pipeline_auth(const struct pipeline_auth_in *in,
                                        struct pipeline_auth_out *out);

/*
 * Applies a defaultLogonDomain: "user" -> "user@DOMAIN" when domain is not
 * empty and the name has neither '@' nor '\'.  Writes into out (cut at size).
 */
void pipeline_logon_name(const char *user, const char *domain, char *out, size_t size);

/*
 * Decodes an Authorization header value.  Returns 1 when it is not Basic
 * (ignored), 0 with user and password NUL-terminated, -1 when it is Basic but
 * malformed (not strict base64 as codec_b64_decode() reads it, no ':', NUL,
 * too long).  The caller wipes password.
 */
int pipeline_parse_basic(const char *value, size_t len, char *user, size_t usize, char *password,
                         size_t psize);

/* The realm of a Basic challenge: basicAuthentication/@realm, else the host name, else the site. */
const char *pipeline_realm(const struct certmap_settings *loc, const char *host, size_t host_len,
                           const struct snap_site *site, char *buf, size_t size);

#endif
