/*
 * decide.h - the access decisions of a request, as pure functions over the
 * resolved view: certmapd runs them on every request and `certmap test-cert`
 * runs the same functions offline, so an explanation can never disagree with
 * the server.  They do no I/O; the caller runs the logon they ask for and
 * calls again with its result.
 *
 * The order, as IIS runs its modules (certmapd's request.c admit() and
 * certmap's test-cert follow it): the scope of the path (500.19 when its
 * configuration is broken), decide_ip() (ipSecurity), decide_access() (sslFlags
 * and the certificate's verification), decide_auth() (one-to-one mapping, Basic, anonymous), the
 * logon it asks for, decide_authorize() (URL Authorization), then the handler.
 *
 * Every function takes an optional trace (NULL: none) into which it writes
 * each step it decided, with the file:line of the setting that decided it.
 */
#ifndef CERTMAP_DECIDE_H
#define CERTMAP_DECIDE_H

#include <stdbool.h>
#include <stddef.h>

#include "certmap/view.h"
#include "directory.h"
#include "logon.h"
#include "mapping.h"
#include "mapping/many.h"

/* Most steps a trace holds; the decisions above write at most a dozen. */
#define DECIDE_STEPS_MAX 32

/* Longest text of a step, NUL included. */
#define DECIDE_TEXT_MAX 512

struct decide_step {
    const char *step;             /* "scope", "sslFlags", "certificate", "one-to-one", ... */
    char result[DECIDE_TEXT_MAX]; /* what was found, in words */
    struct certmap_source src;    /* the setting that decided it; file NULL when none */
};

struct decide_trace {
    struct decide_step step[DECIDE_STEPS_MAX];
    size_t n;
};

/*
 * Appends a step (ignored when t is NULL; src may be NULL).  A trace that is
 * full keeps its last slot for a step saying so: never a silent cut.
 */
void decide_note(struct decide_trace *t, const char *step, const struct certmap_source *src,
                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

struct sockaddr;

/*
 * ipSecurity of loc for a client at peer (decide_ip runs first, as IIS's
 * IP restrictions run at the beginning of the request).  Returns true when
 * the client may go on; else *status and *substatus are the answer, status
 * 0 for denyAction="AbortRequest" (close without answering).
 */
bool decide_ip(const struct certmap_settings *loc, const struct sockaddr *peer, int *status,
               int *substatus, struct decide_trace *trace);

/* What the access check knows about the connection. */
struct decide_conn {
    bool tls;         /* the request came over TLS */
    int cipher_bits;  /* strength of the negotiated cipher (TLS) */
    bool has_cert;    /* the client sent a certificate */
    long cert_verify; /* X509_V_OK or the verification error of that certificate */
    const char *crl;  /* what the binding's crlFile says (cert_crl_describe()), named when the
                         certificate is refused for revocation; NULL: no crlFile */
};

/*
 * access/@sslFlags and the certificate verification result, in IIS's order:
 * Ssl over plain HTTP -> 403.4; Ssl128 with a weaker cipher -> 403.5;
 * SslRequireCert without a certificate -> 403.7; a certificate that a
 * location negotiating certificates would use but that did not verify ->
 * 403.16 (untrusted), 403.17 (expired or not yet valid), 403.13 (revoked).
 * Returns 0 when the request may go on, else 403 with *substatus set.
 */
int decide_access(const struct certmap_settings *loc, const struct decide_conn *ci, int *substatus,
                  struct decide_trace *trace);

/* true when loc uses the client certificate (negotiates or requires one). */
bool decide_uses_cert(const struct certmap_settings *loc);

/* Logon result not known yet (the caller must run the logon and call again). */
#define DECIDE_LOGON_UNKNOWN (-1)

struct decide_auth_in {
    const struct certmap_settings *loc;
    bool tls;
    bool basic_without_ssl;                /* certmap/server/@allowBasicWithoutSsl */
    bool cert;                             /* a verified certificate reached the mapping modules */
    const struct mapping *mapping;         /* enabled mapping of the verified certificate, or NULL:
                                              a one-to-one mapping, or &many_to_one->base */
    const struct m2o_mapping *many_to_one; /* the many-to-one mapping mapping is part of, or NULL */
    int cert_logon;         /* enum logon_result of the mapping's logon, or DECIDE_LOGON_UNKNOWN */
    const char *basic_user; /* credentials of an "Authorization: Basic" header, NULL if none */
    const char *basic_password;
    bool basic_malformed; /* an Authorization: Basic header that does not decode */
    int basic_logon;      /* enum logon_result, or DECIDE_LOGON_UNKNOWN */
    /* the directory's answer for the verified certificate (clientCertificateMappingAuthentication),
       when loc->dir_enabled and no one-to-one or many-to-one mapping maps it */
    int dir_status;       /* enum dir_status, or DECIDE_DIR_UNKNOWN: look it up and call again */
    const char *dir_user; /* DIR_FOUND: the account's userAttribute value */
    const char *dir_why;  /* what the directory lookup found, in words */
    unsigned dir_retry;   /* DIR_UNAVAILABLE: the Retry-After seconds */
};

/* The directory was not asked (yet). */
#define DECIDE_DIR_UNKNOWN (-1)

enum decide_auth_result {
    DECIDE_AUTH_OK,             /* authenticated: see out->auth and out->user */
    DECIDE_AUTH_DENY,           /* answer out->status.out->substatus */
    DECIDE_AUTH_NEED_LOGON,     /* run a logon of out->user with out->password, then call again */
    DECIDE_AUTH_NEED_DIRECTORY, /* look the certificate up in the directory, then call again */
};

enum decide_auth_kind {
    DECIDE_AUTH_NONE,
    DECIDE_AUTH_ANONYMOUS,
    DECIDE_AUTH_CERTIFICATE,
    DECIDE_AUTH_BASIC,
    DECIDE_AUTH_DIRECTORY, /* clientCertificateMappingAuthentication: the directory's account */
};

struct decide_auth_out {
    enum decide_auth_kind kind;   /* which module decided (or needs the logon) */
    int status;                   /* DENY: 401 (503 when the directory is unreachable) */
    unsigned retry_after;         /* DENY 503: Retry-After seconds */
    int substatus;                /* DENY: 1 (logon failed) or 2 (nothing authenticates) */
    bool challenge;               /* DENY: send WWW-Authenticate: Basic */
    char user[LOGON_FORM_MAX];    /* OK/NEED_LOGON: logon name, with the domain applied */
    char display[LOGON_FORM_MAX]; /* OK: the name as IIS shows it (logon_names()) */
    const char *password;         /* NEED_LOGON: borrowed from the input (mapping or header) */
};

/*
 * The many-to-one module's lookup, for a request whose verified certificate
 * has no one-to-one mapping (in->mapping NULL) at a scope where many-to-one
 * mappings apply: the first enabled mapping of loc->many_to_one whose rules
 * all match (m2o_match()) becomes in->mapping and in->many_to_one.  Returns
 * true when one matched.  The trace names the mapping or the first rule that
 * did not match, with its file:line.
 */
bool decide_many_to_one(struct decide_auth_in *in, X509 *cert, struct decide_trace *trace);

/*
 * The authentication modules in IIS's order: the certificate's mapping
 * (one-to-one, else many-to-one, when their kind is enabled at loc): a Deny
 * many-to-one mapping -> 403.12, else the logon of the mapped account
 * (refused, or a name too long for logon_names() -> 401.1); then, for a
 * verified certificate no such mapping maps, the directory when
 * clientCertificateMappingAuthentication is enabled at loc (NEED_DIRECTORY
 * while in->dir_status is unknown; one account -> authenticated as its
 * userAttribute value, no password: the directory vouches as AD mapping does;
 * more than one -> 401.1; unreachable with nothing cached -> 503, a
 * server-side failure; no account -> the next module); then Basic (only
 * over TLS unless basic_without_ssl; refused -> 401.1 with a challenge);
 * then anonymous; else 401.2 (with a challenge when Basic is available).
 */
enum decide_auth_result decide_auth(const struct decide_auth_in *in, struct decide_auth_out *out,
                                    struct decide_trace *trace);

/*
 * URL Authorization of an authenticated request (user: the logon name, NULL
 * for anonymous; roles: the account's groups, needed only when
 * authz_rules_need_roles(loc->authz)).  Returns true when a rule allows it;
 * else *status.*substatus is 401.2, as IIS 7 and later answer a request URL
 * Authorization refuses.  The trace names the deciding rule and its
 * file:line (or that no rule allows the request).
 */
bool decide_authorize(const struct certmap_settings *loc, const char *user,
                      const char *const *roles, size_t nroles, const char *verb, int *status,
                      int *substatus, struct decide_trace *trace);

/*
 * The logon provider settings of the server settings sv (certmap/logon), as
 * certmapd starts its logon service; strings are borrowed from sv.
 */
void decide_logon_settings(const struct certmap_server_settings *sv, struct logon_settings *out);

#endif
