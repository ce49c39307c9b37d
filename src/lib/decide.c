/*
 * decide.c - the access decisions of a request (see decide.h).
 */
#include "decide.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/x509_vfy.h>

#include "cert/verify.h"
#include "authz.h"
#include "ipsec.h"

void
decide_note(struct decide_trace *t, const char *step, const struct certmap_source *src,
            const char *fmt, ...)
{
    struct decide_step *s;
    va_list ap;

    if (t == NULL)
        return;
    if (t->n >= DECIDE_STEPS_MAX)
        return;
    s = &t->step[t->n++];
    memset(&s->src, 0, sizeof(s->src));
    if (t->n == DECIDE_STEPS_MAX) {
        s->step = "trace";
        snprintf(s->result, sizeof(s->result), "more steps than the trace holds");
        return;
    }
    s->step = step;
    if (src != NULL)
        s->src = *src;
    va_start(ap, fmt);
    vsnprintf(s->result, sizeof(s->result), fmt, ap);
    va_end(ap);
}

bool
decide_uses_cert(const struct certmap_settings *loc)
{
    return (loc->ssl_flags & (CERTMAP_SSL_NEGOTIATE_CERT | CERTMAP_SSL_REQUIRE_CERT)) != 0;
}

bool
decide_ip(const struct certmap_settings *loc, const struct sockaddr *peer, int *status,
          int *substatus, struct decide_trace *trace)
{
    const struct ipsec_rules *r = loc->ipsec;
    const struct ipsec_entry *e = NULL;
    struct certmap_source src = {0};
    bool ok;

    *status = 0;
    *substatus = 0;
    if (r == NULL)
        return true;
    ok = ipsec_allowed(r, peer, &e);
    if (e != NULL) {
        src.file = e->file;
        src.line = e->line;
        decide_note(trace, "ipSecurity", &src, "%s/%s allowed=%s: %s", e->ip_text, e->mask_text,
                    e->allowed ? "true" : "false", ok ? "admitted" : "refused");
    } else {
        src.file = r->allow_unlisted_file;
        src.line = r->allow_unlisted_line;
        decide_note(trace, "ipSecurity", &src, "no entry matches; allowUnlisted=%s: %s",
                    r->allow_unlisted ? "true" : "false", ok ? "admitted" : "refused");
    }
    if (ok)
        return true;
    ipsec_deny_status(r, status, substatus);
    if (*status == 0) {
        src.file = r->deny_action_file;
        src.line = r->deny_action_line;
        decide_note(trace, "ipSecurity", &src,
                    "denyAction=AbortRequest: the connection is closed without an answer");
    }
    return false;
}

/* sslFlags as IIS writes them, for the trace. */
static void
flags_text(unsigned f, char *buf, size_t size)
{
    static const struct {
        unsigned bit;
        const char *name;
    } names[] = {{CERTMAP_SSL, "Ssl"},
                 {CERTMAP_SSL_NEGOTIATE_CERT, "SslNegotiateCert"},
                 {CERTMAP_SSL_REQUIRE_CERT, "SslRequireCert"},
                 {CERTMAP_SSL_MAP_CERT, "SslMapCert"},
                 {CERTMAP_SSL_128, "Ssl128"}};
    size_t i, n = 0;

    buf[0] = '\0';
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (f & names[i].bit)
            n += (size_t)snprintf(buf + n, n < size ? size - n : 0, "%s%s", n > 0 ? "," : "",
                                  names[i].name);
    if (n == 0)
        snprintf(buf, size, "None");
}

int
decide_access(const struct certmap_settings *loc, const struct decide_conn *ci, int *substatus,
              struct decide_trace *trace)
{
    const struct certmap_source *src = &loc->src[CERTMAP_SET_SSL_FLAGS];
    unsigned f = loc->ssl_flags;
    char flags[128] = "";

    /* the text is for the trace only: three snprintf() calls per request otherwise */
    if (trace != NULL)
        flags_text(f, flags, sizeof(flags));
    *substatus = 0;
    if ((f & CERTMAP_SSL) && !ci->tls) {
        decide_note(trace, "sslFlags", src, "%s: the request did not come over TLS", flags);
        *substatus = 4;
        return 403;
    }
    if ((f & CERTMAP_SSL_128) && ci->tls && ci->cipher_bits < 128) {
        decide_note(trace, "sslFlags", src, "%s: the cipher has %d bits", flags, ci->cipher_bits);
        *substatus = 5;
        return 403;
    }
    if ((f & CERTMAP_SSL_REQUIRE_CERT) && !ci->has_cert) {
        decide_note(trace, "sslFlags", src, "%s: no client certificate", flags);
        *substatus = 7;
        return 403;
    }
    decide_note(trace, "sslFlags", src, "%s: %s", flags,
                !decide_uses_cert(loc) ? "the client certificate is not used here"
                : ci->has_cert         ? "the client certificate is used"
                                       : "no client certificate (not required)");
    if (decide_uses_cert(loc) && ci->has_cert) {
        if (ci->cert_verify != X509_V_OK) {
            *substatus = cert_verify_substatus(ci->cert_verify);
            /* a revocation refusal names the CRLs: an expired one refuses everybody it covers */
            if (*substatus == 13 && ci->crl != NULL && ci->crl[0] != '\0')
                decide_note(trace, "certificate", NULL, "refused: %s (%s)",
                            X509_verify_cert_error_string(ci->cert_verify), ci->crl);
            else
                decide_note(trace, "certificate", NULL, "refused: %s",
                            X509_verify_cert_error_string(ci->cert_verify));
            return 403;
        }
        decide_note(trace, "certificate", NULL, "verified");
    }
    return 0;
}

static bool
basic_available(const struct decide_auth_in *in)
{
    return in->loc->basic_enabled && (in->tls || in->basic_without_ssl);
}

static const char *
logon_text(int r)
{
    return r == LOGON_OK ? "accepted" : r == LOGON_REFUSED ? "refused" : "failed (provider error)";
}

static enum decide_auth_result
deny(struct decide_auth_out *out, int substatus, bool challenge)
{
    out->status = 401;
    out->substatus = substatus;
    out->challenge = challenge;
    return DECIDE_AUTH_DENY;
}

bool
decide_many_to_one(struct decide_auth_in *in, X509 *cert, struct decide_trace *trace)
{
    const struct certmap_settings *loc = in->loc;
    const struct m2o_rule *failed = NULL;
    const struct m2o_mapping *m;
    struct certmap_source src = {0};

    if (in->mapping != NULL || !loc->cm_enabled || loc->many_to_one == NULL)
        return false;
    if (!loc->cm_many_to_one) {
        decide_note(trace, "many-to-one", &loc->src[CERTMAP_SET_CM_MANY_TO_ONE],
                    "many-to-one mappings are disabled here");
        return false;
    }
    m = m2o_match(loc->many_to_one, cert, &failed);
    if (m == NULL) {
        if (failed != NULL) {
            src.file = failed->file;
            src.line = failed->line;
            decide_note(trace, "many-to-one", &src,
                        "no mapping matches (first failing rule: %s %s=%s)",
                        failed->field == M2O_ISSUER ? "Issuer" : "Subject", failed->subfield,
                        failed->criteria);
        } else {
            decide_note(trace, "many-to-one", NULL, "no enabled mapping with rules");
        }
        return false;
    }
    in->many_to_one = m;
    in->mapping = &m->base;
    return true;
}

/* The certificate-mapping modules: the certificate's enabled mapping logs on as its user. */
static enum decide_auth_result
auth_mapped(const struct decide_auth_in *in, struct decide_auth_out *out,
            struct decide_trace *trace)
{
    const struct certmap_settings *loc = in->loc;
    const struct mapping *m = in->mapping;
    const struct m2o_mapping *mm = in->many_to_one;
    struct certmap_source src = {m->file, m->line};

    out->kind = DECIDE_AUTH_CERTIFICATE;
    if (mm != NULL && mm->deny) {
        /* permissionMode="Deny": IIS 403.12 "Mapper denied access", whatever else is enabled */
        decide_note(trace, "many-to-one", &src, "mapping \"%s\" matches: permissionMode=Deny",
                    mm->name);
        out->status = 403;
        out->substatus = 12;
        return DECIDE_AUTH_DENY;
    }
    if (mm != NULL)
        decide_note(trace, "many-to-one", &src, "mapping \"%s\" matches: mapped to %s", mm->name,
                    m->user);
    else
        decide_note(trace, "one-to-one", &src, "mapped to %s", m->user);
    if (logon_names(m->user, loc->cm_domain, out->user, sizeof(out->user), out->display,
                    sizeof(out->display)) != 0) {
        decide_note(trace, "logon", &loc->src[CERTMAP_SET_CM_DOMAIN],
                    "the logon name is longer than %d bytes", LOGON_FORM_MAX - 1);
        return deny(out, 1, false);
    }
    if (in->cert_logon == DECIDE_LOGON_UNKNOWN) {
        out->password = m->password;
        return DECIDE_AUTH_NEED_LOGON;
    }
    decide_note(trace, "logon", &loc->src[CERTMAP_SET_CM_DOMAIN], "%s: %s", out->user,
                logon_text(in->cert_logon));
    if (in->cert_logon == LOGON_OK)
        return DECIDE_AUTH_OK;
    /* The certificate was mapped but its account could not log on: IIS 401.1. */
    return deny(out, 1, false);
}

/*
 * clientCertificateMappingAuthentication: the directory's account.  Returns
 * true when it decided (out and the result set), false to go on with the
 * next module.
 */
static bool
auth_directory(const struct decide_auth_in *in, struct decide_auth_out *out,
               struct decide_trace *trace, enum decide_auth_result *r)
{
    const struct certmap_settings *loc = in->loc;
    const struct certmap_source *src = &loc->src[CERTMAP_SET_DIR_ENABLED];
    const char *why = in->dir_why != NULL ? in->dir_why : "";

    if (!loc->dir_enabled || !in->cert || in->mapping != NULL)
        return false;
    out->kind = DECIDE_AUTH_DIRECTORY;
    switch (in->dir_status) {
    case DECIDE_DIR_UNKNOWN:
        *r = DECIDE_AUTH_NEED_DIRECTORY;
        return true;
    case DIR_FOUND:
        if (snprintf(out->user, sizeof(out->user), "%s", in->dir_user) >= (int)sizeof(out->user)) {
            decide_note(trace, "directory", src, "the account name is too long");
            *r = deny(out, 1, false);
            return true;
        }
        memcpy(out->display, out->user, sizeof(out->display));
        decide_note(trace, "directory", src, "mapped to %s: %s", out->user, why);
        *r = DECIDE_AUTH_OK;
        return true;
    case DIR_AMBIGUOUS:
        decide_note(trace, "directory", src, "%s", why);
        *r = deny(out, 1, false);
        return true;
    case DIR_UNAVAILABLE:
        /* the server failed, not the client: 503 with Retry-After, never a 401 */
        decide_note(trace, "directory", src, "%s", why);
        out->status = 503;
        out->substatus = 0;
        out->retry_after = in->dir_retry;
        *r = DECIDE_AUTH_DENY;
        return true;
    default:
        decide_note(trace, "directory", src, "%s",
                    why[0] ? why : "no account maps the certificate");
        out->kind = DECIDE_AUTH_NONE;
        return false;
    }
}

static enum decide_auth_result
auth_basic(const struct decide_auth_in *in, struct decide_auth_out *out, struct decide_trace *trace)
{
    const struct certmap_settings *loc = in->loc;

    out->kind = DECIDE_AUTH_BASIC;
    if (in->basic_malformed) {
        decide_note(trace, "basic", &loc->src[CERTMAP_SET_BASIC_ENABLED],
                    "the Authorization header does not decode");
        return deny(out, 1, true);
    }
    if (logon_names(in->basic_user, loc->basic_domain, out->user, sizeof(out->user), out->display,
                    sizeof(out->display)) != 0) {
        decide_note(trace, "basic", &loc->src[CERTMAP_SET_BASIC_DOMAIN],
                    "the logon name is longer than %d bytes", LOGON_FORM_MAX - 1);
        return deny(out, 1, true);
    }
    if (in->basic_logon == DECIDE_LOGON_UNKNOWN) {
        out->password = in->basic_password;
        return DECIDE_AUTH_NEED_LOGON;
    }
    decide_note(trace, "basic", &loc->src[CERTMAP_SET_BASIC_ENABLED], "logon of %s: %s", out->user,
                logon_text(in->basic_logon));
    if (in->basic_logon == LOGON_OK)
        return DECIDE_AUTH_OK;
    return deny(out, 1, true);
}

enum decide_auth_result
decide_auth(const struct decide_auth_in *in, struct decide_auth_out *out,
            struct decide_trace *trace)
{
    const struct certmap_settings *loc = in->loc;
    enum decide_auth_result dr;

    memset(out, 0, sizeof(*out));
    if (!loc->cm_enabled)
        decide_note(trace, "one-to-one", &loc->src[CERTMAP_SET_CM_ENABLED],
                    "client certificate mapping authentication is disabled here");
    else if (!loc->cm_one_to_one)
        decide_note(trace, "one-to-one", &loc->src[CERTMAP_SET_CM_ONE_TO_ONE],
                    "one-to-one mappings are disabled here");
    else if (in->mapping != NULL && in->mapping->enabled && in->many_to_one == NULL)
        return auth_mapped(in, out, trace);
    else if (in->cert)
        decide_note(trace, "one-to-one", &loc->src[CERTMAP_SET_CM_ENABLED],
                    "no enabled mapping of this certificate");
    if (loc->cm_enabled && loc->cm_many_to_one && in->mapping != NULL && in->mapping->enabled &&
        in->many_to_one != NULL)
        return auth_mapped(in, out, trace);
    if (auth_directory(in, out, trace, &dr))
        return dr;
    if (basic_available(in) && (in->basic_user != NULL || in->basic_malformed))
        return auth_basic(in, out, trace);
    if (loc->anon_enabled) {
        decide_note(trace, "anonymous", &loc->src[CERTMAP_SET_ANON_ENABLED], "admitted as %s",
                    loc->anon_user);
        out->kind = DECIDE_AUTH_ANONYMOUS;
        return DECIDE_AUTH_OK;
    }
    decide_note(trace, "anonymous", &loc->src[CERTMAP_SET_ANON_ENABLED],
                "disabled: no module authenticated the request");
    out->kind = DECIDE_AUTH_NONE;
    return deny(out, 2, basic_available(in));
}

bool
decide_authorize(const struct certmap_settings *loc, const char *user, const char *const *roles,
                 size_t nroles, const char *verb, int *status, int *substatus,
                 struct decide_trace *trace)
{
    const struct authz_rule *d = NULL;
    struct certmap_source src = {0};
    bool ok;

    *status = 0;
    *substatus = 0;
    ok = authz_check(loc->authz, user, roles, nroles, verb, &d) == AUTHZ_ALLOWED;
    if (d != NULL) {
        src.file = d->file;
        src.line = d->line;
        decide_note(trace, "authorization", &src,
                    "%s users=\"%s\" roles=\"%s\" verbs=\"%s\"%s: %s %s %s",
                    d->access == AUTHZ_DENY ? "Deny" : "Allow", d->users, d->roles, d->verbs,
                    d->file == NULL ? " (IIS's default rule)" : "", ok ? "allows" : "refuses", verb,
                    user != NULL ? user : "anonymous");
    } else {
        decide_note(trace, "authorization", NULL, "no rule allows %s by %s", verb,
                    user != NULL ? user : "anonymous");
    }
    if (ok)
        return true;
    *status = 401;
    *substatus = 2;
    return false;
}

void
decide_logon_settings(const struct certmap_server_settings *sv, struct logon_settings *out)
{
    memset(out, 0, sizeof(*out));
    out->provider = strcasecmp(sv->logon_provider, "pam") == 0 ? LOGON_PAM : LOGON_FILE;
    out->accounts_file = sv->accounts_file;
    out->pam_service = sv->pam_service;
    out->cache_seconds = sv->logon_cache_seconds;
    out->negative_cache_seconds = sv->logon_negative_cache_seconds;
    out->threads = sv->logon_threads;
    /* reading files as the account needs its uid, gid and groups (fetched with its groups) */
    out->nss_credentials = sv->read_files_as_user;
}
