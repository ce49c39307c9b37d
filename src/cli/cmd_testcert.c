/*
 * cmd_testcert.c - `certmap test-cert`: explains offline what certmapd would
 * answer a request presenting a certificate, step by step, with the
 * file:line of every setting that decided.
 *
 * It runs libcertmap's own decisions (decide.h, cert/verify.h, the view's
 * scope match and mapping index) in the order certmapd's request.c runs
 * them, never a second implementation.  The request is assumed to come over
 * TLS with a strong cipher on the site's first https binding.
 */
#include "cli.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "authz.h"
#include "cert/verify.h"
#include "certmap/cert.h"
#include "codec.h"
#include "decide.h"
#include "fileio.h"
#include "directory.h"
#include "logon.h"
#include "mapping.h"
#include "secret.h"
#include "win32.h"

/* Exit codes of test-cert (fixed interface). */
#define TC_ADMITTED 0
#define TC_BAD_INPUT 2
#define TC_REFUSED 4

static const char help_test_cert[] =
    "Usage: certmap test-cert CERT --site SITE [--path /P] [--verb VERB] [--ip ADDR]\n"
    "                         [--password-check] [--directory] [--json]\n"
    "\n"
    "Explains what certmapd would answer a request for /P of SITE presenting the\n"
    "client certificate in CERT (PEM or DER), step by step, with the file:line of\n"
    "every setting that decided: the scope, ipSecurity, sslFlags, the chain verification\n"
    "against the site's https binding (clientCaFile, crlFile), the one-to-one\n"
    "mapping, the logon, URL Authorization, and the final status.substatus and sc-win32-status.  "
    "The\n"
    "request is taken to come over TLS on the site's first https binding.\n"
    "\n"
    "  --path /P          URL path (default /)\n"
    "  --verb VERB        request method (default GET)\n"
    "  --ip ADDR          client address for ipSecurity (default 127.0.0.1)\n"
    "  --password-check   run the mapped account's logon (else assumed accepted)\n"
    "  --directory        where clientCertificateMappingAuthentication applies, bind to\n"
    "                     <certmap><directory> and search it once (else the directory is\n"
    "                     not asked and taken to map nobody); unreachable is a warning\n"
    "  --json             one JSON object: status, substatus, win32, scope, user, rule,\n"
    "                     steps [{step, result, source}]\n"
    "\n"
    "Exit status: 0 admitted, 4 refused, 2 bad input or configuration.\n";

struct tc_result {
    bool aborted; /* denyAction="AbortRequest": the connection is closed without an answer */
    int status;
    int substatus;
    unsigned long win32;
    const char *user; /* display name when authenticated, else NULL */
    char user_buf[LOGON_FORM_MAX];
};

/* The verification result of cert against binding b's trust, as the handshake computes it. */
static int
verify_against(const struct cli_ctx *ctx, const struct certmap_binding *b, X509 *cert, long *verify)
{
    struct certmap_error err = {0};
    X509_STORE *store = X509_STORE_new();
    X509_STORE_CTX *xs = X509_STORE_CTX_new();
    int rc = CLI_OK;

    if (store == NULL || xs == NULL) {
        cli_err(ctx, "out of memory");
        rc = CLI_IO;
        goto out;
    }
    if (cert_load_trust(store, b->client_ca_file, b->crl_file, b->src.file, b->src.line, &err) !=
        0) {
        rc = cli_fail(ctx, &err);
        goto out;
    }
    if (X509_STORE_CTX_init(xs, store, cert, NULL) != 1 ||
        X509_STORE_CTX_set_purpose(xs, X509_PURPOSE_SSL_CLIENT) != 1) {
        cli_err(ctx, "cannot set up the chain check");
        rc = CLI_IO;
        goto out;
    }
    /* the depth the handshake allows (tls.c) */
    X509_STORE_CTX_set_depth(xs, 10);
    *verify = cert_verify_chain(xs);
out:
    X509_STORE_CTX_free(xs);
    X509_STORE_free(store);
    return rc;
}

/* The first https binding of the site, or NULL. */
static const struct certmap_binding *
https_binding(const struct certmap_site *site)
{
    size_t i;

    for (i = 0; i < site->nbindings; i++)
        if (site->bindings[i].proto == CERTMAP_BINDING_HTTPS)
            return &site->bindings[i];
    return NULL;
}

/* The logon provider of the configuration, as certmapd's logon service starts it (no cache). */
static struct logon *
open_logon(const struct cli_ctx *ctx, const struct certmap_view *v)
{
    struct logon_settings ls;
    struct certmap_error err = {0};
    struct logon *l;

    decide_logon_settings(certmap_view_server(v), &ls);
    ls.cache_seconds = 0;
    ls.negative_cache_seconds = 0;
    ls.threads = 1;
    l = logon_new(&ls, &err);
    if (l == NULL)
        cli_fail(ctx, &err);
    return l;
}

/* Runs the mapped account's logon as certmapd's logon service would. */
static int
try_logon(const struct cli_ctx *ctx, const struct certmap_view *v, const char *user,
          const char *password)
{
    struct certmap_error err = {0};
    struct logon *l = open_logon(ctx, v);
    int r;

    if (l == NULL)
        return LOGON_ERROR;
    r = (int)logon_check(l, user, password, &err);
    if (r == LOGON_ERROR && err.message[0] != '\0')
        cli_warn(ctx, "logon of %s: %s", user, err.message);
    logon_free(l);
    return r;
}

/*
 * URL Authorization of the authenticated request, with the account's groups
 * from the logon provider when a rule names roles (as certmapd gets them).
 * CLI_OK with res set, or an exit code when the groups cannot be found.
 */
static int
authorize(const struct cli_ctx *ctx, const struct certmap_view *v,
          const struct certmap_settings *loc, const char *user, const char *verb,
          const struct dir_answer *dir, struct decide_trace *t, struct tc_result *res)
{
    struct certmap_error err = {0};
    struct logon *l = NULL;
    char **groups = NULL;
    size_t ngroups = 0;
    int rc = CLI_OK;

    if (dir != NULL) {
        decide_note(t, "groups", NULL, "%s: %zu group(s) from the directory", user, dir->ngroups);
        if (!decide_authorize(loc, user, (const char *const *)dir->groups, dir->ngroups, verb,
                              &res->status, &res->substatus, t))
            res->win32 = win32_status(res->status, res->substatus, X509_V_OK);
        return CLI_OK;
    }
    if (user != NULL && authz_rules_need_roles(loc->authz)) {
        l = open_logon(ctx, v);
        if (l == NULL)
            return TC_BAD_INPUT;
        if (logon_groups(l, user, &groups, &ngroups, &err) != 0) {
            decide_note(t, "groups", NULL, "the groups of %s are unknown: %s", user, err.message);
            res->status = 500;
            res->substatus = 0;
            goto out;
        }
        decide_note(t, "groups", NULL, "%s: %zu group(s)", user, ngroups);
    }
    if (!decide_authorize(loc, user, (const char *const *)groups, ngroups, verb, &res->status,
                          &res->substatus, t))
        res->win32 = win32_status(res->status, res->substatus, X509_V_OK);
out:
    free(groups); /* one block */
    logon_free(l);
    return rc;
}

/*
 * The decisions of request.c admit() for one request.  Fills res and the
 * trace; returns CLI_OK or an exit code for bad input.
 */
static int decide_request_in(const struct cli_ctx *ctx, const struct certmap_view *v,
                             const struct certmap_site *site, const struct certmap_scope *scope,
                             const struct sockaddr *peer, const char *verb, X509 *cert,
                             const unsigned char *der, size_t der_len, bool password_check,
                             bool directory, struct dir_answer *dans, struct decide_trace *t,
                             struct tc_result *res);

static int
decide_request(const struct cli_ctx *ctx, const struct certmap_view *v,
               const struct certmap_site *site, const struct certmap_scope *scope,
               const struct sockaddr *peer, const char *verb, X509 *cert, const unsigned char *der,
               size_t der_len, bool password_check, bool directory, struct decide_trace *t,
               struct tc_result *res)
{
    struct dir_answer dans;
    int ret;

    memset(&dans, 0, sizeof(dans));
    ret = decide_request_in(ctx, v, site, scope, peer, verb, cert, der, der_len, password_check,
                            directory, &dans, t, res);
    dir_answer_clear(&dans);
    return ret;
}

/* The directory's answer for cert: searched once with --directory, else not asked. */
static void
ask_directory(const struct cli_ctx *ctx, const struct certmap_view *v, X509 *cert,
              const unsigned char *der, size_t der_len, bool directory, struct dir_answer *dans,
              struct decide_auth_in *in)
{
    const struct certmap_directory_settings *s = certmap_view_server(v)->directory;
    struct certmap_error err = {0};
    struct dir_query q;

    in->dir_retry = s != NULL ? s->retry_after_seconds : 0;
    if (!directory || s == NULL) {
        dans->status = DIR_NOT_FOUND;
        snprintf(dans->why, sizeof(dans->why),
                 "the directory was not asked (--directory asks it): taken to map nobody");
    } else if (dir_query_init(&q, cert, der, der_len, s, &err) != 0) {
        dans->status = DIR_UNAVAILABLE;
        snprintf(dans->why, sizeof(dans->why), "%s", err.message);
    } else {
        if (directory_lookup_once(s, &q, dans, &err) == DIR_UNAVAILABLE)
            cli_warn(ctx, "the directory %s cannot be reached: %s", s->uri, err.message);
        dir_query_clear(&q);
    }
    in->dir_status = (int)dans->status;
    in->dir_user = dans->user;
    in->dir_why = dans->why;
}

static int
decide_request_in(const struct cli_ctx *ctx, const struct certmap_view *v,
                  const struct certmap_site *site, const struct certmap_scope *scope,
                  const struct sockaddr *peer, const char *verb, X509 *cert,
                  const unsigned char *der, size_t der_len, bool password_check, bool directory,
                  struct dir_answer *dans, struct decide_trace *t, struct tc_result *res)
{
    const struct certmap_settings *loc = &scope->settings;
    const struct certmap_binding *b = https_binding(site);
    struct decide_conn ci = {0};
    struct decide_auth_in in = {0};
    struct decide_auth_out out;
    enum decide_auth_result r;
    long verify = X509_V_OK;
    char crl_note[1024];
    int rc, sub;

    res->status = 0;
    res->substatus = 0;
    res->user = NULL;
    if (scope->error_status != 0) {
        decide_note(t, "configuration", NULL, "%s", scope->error != NULL ? scope->error : "");
        res->status = scope->error_status;
        res->substatus = scope->error_substatus;
        return CLI_OK;
    }
    if (!decide_ip(loc, peer, &res->status, &res->substatus, t)) {
        res->win32 = win32_status(res->status, res->substatus, X509_V_OK);
        res->aborted = res->status == 0;
        return CLI_OK;
    }
    if (b == NULL) {
        cli_err(ctx, "site \"%s\" has no usable https binding", site->name);
        return TC_BAD_INPUT;
    }
    ci.tls = true;
    ci.cipher_bits = 256;
    if (b->client_cert == CERTMAP_CC_OFF) {
        decide_note(t, "binding", &b->src,
                    "clientCertificate=\"off\": the certificate is never asked for");
    } else if (decide_uses_cert(loc)) {
        rc = verify_against(ctx, b, cert, &verify);
        if (rc != CLI_OK)
            return rc;
        ci.has_cert = true;
        ci.cert_verify = verify;
        /* certmapd names the CRLs in a revocation refusal; so does the offline run */
        ci.crl = b->crl_file != NULL
                     ? cert_crl_describe(b->crl_file, time(NULL), crl_note, sizeof(crl_note))
                     : NULL;
    }
    res->status = decide_access(loc, &ci, &sub, t);
    if (res->status != 0) {
        res->substatus = sub;
        res->win32 = win32_status(res->status, sub, verify);
        return CLI_OK;
    }
    in.loc = loc;
    in.tls = true;
    in.basic_without_ssl = certmap_view_server(v)->basic_without_ssl;
    in.cert = ci.has_cert && verify == X509_V_OK;
    in.cert_logon = DECIDE_LOGON_UNKNOWN;
    in.basic_logon = DECIDE_LOGON_UNKNOWN;
    in.dir_status = DECIDE_DIR_UNKNOWN;
    if (in.cert && loc->cm_enabled && loc->cm_one_to_one && loc->mappings != NULL)
        in.mapping = mapping_index_lookup(loc->mappings, der, der_len);
    if (in.cert)
        decide_many_to_one(&in, cert, t);
    r = decide_auth(&in, &out, NULL);
    if (r == DECIDE_AUTH_NEED_DIRECTORY) {
        ask_directory(ctx, v, cert, der, der_len, directory, dans, &in);
        r = decide_auth(&in, &out, NULL);
    }
    if (r == DECIDE_AUTH_NEED_LOGON) {
        if (password_check) {
            in.cert_logon = try_logon(ctx, v, out.user, out.password);
        } else {
            in.cert_logon = LOGON_OK;
        }
    }
    r = decide_auth(&in, &out, t);
    if (r == DECIDE_AUTH_NEED_LOGON) {
        /* cannot happen: the logon result is known now */
        cli_err(ctx, "the authentication modules asked for a second logon");
        return CLI_IO;
    }
    if (in.mapping != NULL && !password_check && t->n > 0 &&
        strcmp(t->step[t->n - 1].step, "logon") == 0)
        snprintf(t->step[t->n - 1].result, sizeof(t->step[t->n - 1].result),
                 "%s: not tried, taken as accepted (--password-check tries it)", out.user);
    if (r == DECIDE_AUTH_DENY) {
        res->status = out.status;
        res->substatus = out.substatus;
        res->win32 = win32_status(out.status, out.substatus, verify);
        return CLI_OK;
    }
    rc = authorize(
        ctx, v, loc,
        out.kind == DECIDE_AUTH_CERTIFICATE || out.kind == DECIDE_AUTH_DIRECTORY ? out.user : NULL,
        verb, out.kind == DECIDE_AUTH_DIRECTORY ? dans : NULL, t, res);
    if (rc != CLI_OK || res->status != 0)
        return rc;
    if (out.kind == DECIDE_AUTH_CERTIFICATE || out.kind == DECIDE_AUTH_BASIC ||
        out.kind == DECIDE_AUTH_DIRECTORY) {
        snprintf(res->user_buf, sizeof(res->user_buf), "%s", out.display);
        res->user = res->user_buf;
    }
    res->status = 200;
    res->win32 = 0;
    return CLI_OK;
}

static void
print_source(FILE *f, const struct certmap_source *src)
{
    if (src->file != NULL)
        fprintf(f, "%s:%u", src->file, src->line);
}

/* The step whose setting decided the answer: the last one with a source. */
static const struct decide_step *
deciding_step(const struct decide_trace *t)
{
    size_t i;

    for (i = t->n; i > 0; i--)
        if (t->step[i - 1].src.file != NULL)
            return &t->step[i - 1];
    return NULL;
}

static void
print_json(const struct certmap_site *site, const struct certmap_scope *scope,
           const struct decide_trace *t, const struct tc_result *res)
{
    const struct decide_step *rule = deciding_step(t);
    const char *name = win32_name(res->win32);
    char src[4096];
    size_t i;

    printf("{\"site\": ");
    cli_json_string(stdout, site->name);
    printf(", \"scope\": ");
    cli_json_string(stdout, scope->path_len > 0 ? scope->path : "/");
    printf(", \"status\": %d, \"substatus\": %d, \"win32\": %lu, \"win32_name\": ", res->status,
           res->substatus, res->win32);
    if (name != NULL)
        cli_json_string(stdout, name);
    else
        printf("null");
    printf(", \"admitted\": %s, \"aborted\": %s, \"user\": ", res->status == 200 ? "true" : "false",
           res->aborted ? "true" : "false");
    if (res->user != NULL)
        cli_json_string(stdout, res->user);
    else
        printf("null");
    printf(", \"rule\": ");
    if (rule != NULL) {
        snprintf(src, sizeof(src), "%s:%u", rule->src.file, rule->src.line);
        cli_json_string(stdout, src);
    } else {
        printf("null");
    }
    printf(", \"steps\": [");
    for (i = 0; i < t->n; i++) {
        printf("%s\n  {\"step\": ", i > 0 ? "," : "");
        cli_json_string(stdout, t->step[i].step);
        printf(", \"result\": ");
        cli_json_string(stdout, t->step[i].result);
        printf(", \"source\": ");
        if (t->step[i].src.file != NULL) {
            snprintf(src, sizeof(src), "%s:%u", t->step[i].src.file, t->step[i].src.line);
            cli_json_string(stdout, src);
        } else {
            printf("null");
        }
        printf("}");
    }
    printf("%s]}\n", t->n > 0 ? "\n" : "");
}

static void
print_text(const struct certmap_site *site, const struct certmap_scope *scope,
           const struct decide_trace *t, const struct tc_result *res)
{
    const char *name = win32_name(res->win32);
    size_t i;

    for (i = 0; i < t->n; i++) {
        printf("%-14s %s", t->step[i].step, t->step[i].result);
        if (t->step[i].src.file != NULL) {
            printf("  (");
            print_source(stdout, &t->step[i].src);
            printf(")");
        }
        printf("\n");
    }
    printf("%-14s %d.%d, sc-win32-status %lu%s%s%s", "result", res->status, res->substatus,
           res->win32, name != NULL ? " (" : "", name != NULL ? name : "", name != NULL ? ")" : "");
    if (res->status == 200)
        printf(": admitted%s%s", res->user != NULL ? " as " : " anonymously",
               res->user != NULL ? res->user : "");
    else if (res->aborted)
        printf(": refused, the connection is closed without an answer");
    else
        printf(": refused");
    printf(" [site \"%s\", scope \"%s\"]\n", site->name, scope->path_len > 0 ? scope->path : "/");
}

/*
 * A step when the certificate is within certificateExpiryWarningDays of its
 * notAfter (the window certmapd warns about in its error log), or past it.
 */
static void
note_expiry(const struct certmap_view *v, const unsigned char *der, size_t der_len,
            struct decide_trace *t)
{
    unsigned days = certmap_view_server(v)->expiry_warning_days;
    struct certmap_cert_info info;
    int64_t left;

    if (days == 0 || certmap_cert_info(der, der_len, &info, NULL) != 0)
        return;
    left = info.not_after_t - (int64_t)time(NULL);
    if (left > (int64_t)days * 86400)
        return;
    /* no source: the window informs, it never decides the answer */
    if (left < 0)
        decide_note(t, "expiry", NULL, "the certificate expired on %s", info.not_after);
    else
        decide_note(t, "expiry", NULL,
                    "the certificate expires on %s, in %lld day%s (within "
                    "certificateExpiryWarningDays=%u)",
                    info.not_after, (long long)(left / 86400), left / 86400 == 1 ? "" : "s", days);
}

int
cmd_test_cert(struct cli_ctx *ctx, int argc, char **argv)
{
    const char *site_name = NULL, *path = NULL, *verb = NULL, *ip = NULL, *pos[1];
    bool json = false, password_check = false, directory = false;
    const struct cli_opt opts[] = {
        {.name = "site", .value = &site_name},
        {.name = "path", .value = &path},
        {.name = "verb", .value = &verb},
        {.name = "ip", .value = &ip},
        {.name = "json", .flag = &json},
        {.name = "password-check", .flag = &password_check},
        {.name = "directory", .flag = &directory},
        {.name = NULL},
    };
    struct certmap_config *cfg = NULL;
    struct certmap_view *v = NULL;
    const struct certmap_site *site;
    const struct certmap_scope *scope;
    struct certmap_error err = {0};
    struct decide_trace *t = NULL;
    struct tc_result res = {0};
    unsigned char *der = NULL;
    const unsigned char *p;
    size_t der_len = 0, npos = 0, plen = 0;
    char *upath = NULL;
    X509 *cert = NULL;
    union {
        struct sockaddr sa;
        struct sockaddr_in in4;
        struct sockaddr_in6 in6;
    } peer;
    int rc;

    rc = cli_parse(ctx, argc, argv, opts, pos, 1, &npos);
    if (rc == CLI_HELP) {
        fputs(help_test_cert, stdout);
        return CLI_OK;
    }
    if (rc != CLI_OK)
        return TC_BAD_INPUT;
    if (path == NULL)
        path = "/";
    if (verb == NULL)
        verb = "GET";
    if (ip == NULL)
        ip = "127.0.0.1";
    if (npos != 1) {
        cli_usage(ctx, "expected one certificate file");
        return TC_BAD_INPUT;
    }
    if (site_name == NULL) {
        cli_usage(ctx, "--site is required");
        return TC_BAD_INPUT;
    }
    if (path[0] != '/') {
        cli_usage(ctx, "--path: \"%s\" does not start with '/'", path);
        return TC_BAD_INPUT;
    }
    memset(&peer, 0, sizeof(peer));
    if (inet_pton(AF_INET, ip, &peer.in4.sin_addr) == 1) {
        peer.in4.sin_family = AF_INET;
    } else if (inet_pton(AF_INET6, ip, &peer.in6.sin6_addr) == 1) {
        peer.in6.sin6_family = AF_INET6;
    } else {
        cli_usage(ctx, "--ip: \"%s\" is not an IPv4 or IPv6 address", ip);
        return TC_BAD_INPUT;
    }
    if (verb[0] == '\0' || strspn(verb, "ABCDEFGHIJKLMNOPQRSTUVWXYZ-_") != strlen(verb)) {
        cli_usage(ctx, "--verb: \"%s\" is not an HTTP method (upper-case token)", verb);
        return TC_BAD_INPUT;
    }
    if (certmap_cert_decode_file(pos[0], &der, &der_len, &err) != 0) {
        cli_fail(ctx, &err);
        rc = TC_BAD_INPUT;
        goto out;
    }
    p = der;
    cert = d2i_X509(NULL, &p, (long)der_len);
    upath = malloc(strlen(path) + 1);
    t = calloc(1, sizeof(*t));
    if (cert == NULL || upath == NULL || t == NULL) {
        cli_err(ctx, "%s: cannot read the certificate", pos[0]);
        rc = cert == NULL ? TC_BAD_INPUT : CLI_IO;
        goto out;
    }
    if (codec_url_path_decode(path, strlen(path), upath, strlen(path) + 1, &plen) !=
        CODEC_PATH_OK) {
        cli_usage(ctx, "--path: \"%s\" is a path certmapd refuses (400)", path);
        rc = TC_BAD_INPUT;
        goto out;
    }
    cfg = cli_open_config(ctx, false, &rc);
    if (cfg == NULL) {
        rc = TC_BAD_INPUT;
        goto out;
    }
    v = cli_view(ctx, cfg, NULL, &rc);
    if (v == NULL) {
        rc = TC_BAD_INPUT;
        goto out;
    }
    site = certmap_view_find_site(v, site_name);
    if (site == NULL) {
        cli_err(ctx, "--site: no site \"%s\"", site_name);
        rc = TC_BAD_INPUT;
        goto out;
    }
    scope = certmap_view_match(site, upath, plen);
    decide_note(t, "scope",
                scope->path_len > 0 ? &scope->settings.src[CERTMAP_SET_SSL_FLAGS] : &site->src,
                "%s", scope->path_len > 0 ? scope->path : "/ (site root)");
    note_expiry(v, der, der_len, t);
    rc = decide_request(ctx, v, site, scope, &peer.sa, verb, cert, der, der_len, password_check,
                        directory, t, &res);
    if (rc != CLI_OK)
        goto out;
    if (json)
        print_json(site, scope, t, &res);
    else
        print_text(site, scope, t, &res);
    rc = res.status == 200 ? TC_ADMITTED : TC_REFUSED;
out:
    X509_free(cert);
    free(der);
    free(upath);
    free(t);
    if (v != NULL)
        certmap_view_unref(v);
    if (cfg != NULL)
        certmap_config_close(cfg);
    return rc;
}
