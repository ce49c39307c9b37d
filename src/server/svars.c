/*
 * svars.c - the IIS server variables table.
 */
#include "svars.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cert/iisvars.h"
#include "rewrite.h"

/* A bounded output: once a write does not fit it stays failed (no cut values). */
struct sv_out {
    char *buf;
    size_t size;
    size_t len;
    bool failed;
};

static void
out_add(struct sv_out *o, const char *s, size_t n)
{
    if (o->failed || n == 0)
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
out_str(struct sv_out *o, const char *s)
{
    if (s != NULL)
        out_add(o, s, strlen(s));
}

static void
out_num(struct sv_out *o, unsigned long n)
{
    char num[24];

    snprintf(num, sizeof(num), "%lu", n);
    out_str(o, num);
}

/* Runs a library formatter on the rest of the buffer. */
static void
out_fmt(struct sv_out *o, int n)
{
    if (n < 0)
        o->failed = true;
    else
        o->len += (size_t)n;
}

/* --- identity ----------------------------------------------------------- */

static void
get_user(const struct svar_ctx *c, struct sv_out *o)
{
    out_str(o, c->id->user);
}

static void
get_unmapped_user(const struct svar_ctx *c, struct sv_out *o)
{
    /* The name the client sent before any mapping: only Basic sends one. */
    if (c->id->auth == IDENTITY_BASIC)
        out_str(o, c->id->user);
}

static void
get_auth_type(const struct svar_ctx *c, struct sv_out *o)
{
    out_str(o, c->id->auth_type);
}

/* --- client certificate ------------------------------------------------- */

static void
get_cert_subject(const struct svar_ctx *c, struct sv_out *o)
{
    if (c->id->cert != NULL)
        out_fmt(o, cert_iis_name(X509_get_subject_name(c->id->cert), o->buf + o->len,
                                 o->size - o->len));
}

static void
get_cert_issuer(const struct svar_ctx *c, struct sv_out *o)
{
    if (c->id->cert != NULL)
        out_fmt(
            o, cert_iis_name(X509_get_issuer_name(c->id->cert), o->buf + o->len, o->size - o->len));
}

static void
get_cert_serial(const struct svar_ctx *c, struct sv_out *o)
{
    if (c->id->cert != NULL)
        out_fmt(o, cert_iis_serial(c->id->cert, o->buf + o->len, o->size - o->len));
}

static void
get_cert_cookie(const struct svar_ctx *c, struct sv_out *o)
{
    if (c->id->cert != NULL)
        out_fmt(o, cert_iis_cookie(c->id->cert, o->buf + o->len, o->size - o->len));
}

static void
get_cert_flags(const struct svar_ctx *c, struct sv_out *o)
{
    out_num(o, cert_iis_flags(c->id->cert != NULL, c->id->cert_verify));
}

/* --- TLS ---------------------------------------------------------------- */

static void
get_https(const struct svar_ctx *c, struct sv_out *o)
{
    out_str(o, c->id->https ? "on" : "off");
}

static void
get_port_secure(const struct svar_ctx *c, struct sv_out *o)
{
    out_str(o, c->id->https ? "1" : "0");
}

static void
get_keysize(const struct svar_ctx *c, struct sv_out *o)
{
    /* The cipher's secret key bits ("128", "256"); "" over http as in IIS. */
    if (c->ssl != NULL)
        out_num(o, (unsigned long)SSL_get_cipher_bits(c->ssl, NULL));
}

static void
get_secretkeysize(const struct svar_ctx *c, struct sv_out *o)
{
    X509 *server = c->ssl != NULL ? SSL_get_certificate(c->ssl) : NULL;

    if (server != NULL)
        out_num(o, (unsigned long)cert_iis_key_bits(server));
}

static void
get_server_subject(const struct svar_ctx *c, struct sv_out *o)
{
    X509 *server = c->ssl != NULL ? SSL_get_certificate(c->ssl) : NULL;

    if (server != NULL)
        out_fmt(o, cert_iis_name(X509_get_subject_name(server), o->buf + o->len, o->size - o->len));
}

static void
get_server_issuer(const struct svar_ctx *c, struct sv_out *o)
{
    X509 *server = c->ssl != NULL ? SSL_get_certificate(c->ssl) : NULL;

    if (server != NULL)
        out_fmt(o, cert_iis_name(X509_get_issuer_name(server), o->buf + o->len, o->size - o->len));
}

/* --- connection --------------------------------------------------------- */

static void
get_remote_addr(const struct svar_ctx *c, struct sv_out *o)
{
    out_str(o, c->id->remote_addr);
}

static void
get_remote_port(const struct svar_ctx *c, struct sv_out *o)
{
    out_num(o, c->id->remote_port);
}

static void
get_local_addr(const struct svar_ctx *c, struct sv_out *o)
{
    out_str(o, c->id->local_addr);
}

static void
get_server_port(const struct svar_ctx *c, struct sv_out *o)
{
    out_num(o, c->id->local_port);
}

static void
get_server_name(const struct svar_ctx *c, struct sv_out *o)
{
    out_str(o, c->id->server_name);
}

/* --- site and application ----------------------------------------------- */

static void
get_instance_id(const struct svar_ctx *c, struct sv_out *o)
{
    if (c->site != NULL)
        out_num(o, c->site->id);
}

static void
get_instance_name(const struct svar_ctx *c, struct sv_out *o)
{
    if (c->site != NULL)
        out_str(o, c->site->name);
}

static void
get_instance_meta_path(const struct svar_ctx *c, struct sv_out *o)
{
    if (c->site == NULL)
        return;
    out_str(o, "/LM/W3SVC/");
    out_num(o, c->site->id);
}

/* The application root scope of the request: the nearest enclosing application. */
static const struct certmap_scope *
app_scope(const struct svar_ctx *c)
{
    const struct certmap_scope *s = c->scope;

    while (s != NULL && !(s->kind & CERTMAP_SCOPE_APP))
        s = s->parent;
    return s;
}

static void
get_appl_md_path(const struct svar_ctx *c, struct sv_out *o)
{
    const struct certmap_scope *app = app_scope(c);

    if (c->site == NULL || app == NULL)
        return;
    out_str(o, "/LM/W3SVC/");
    out_num(o, c->site->id);
    out_str(o, "/ROOT");
    out_add(o, app->path, app->path_len);
}

/* physical, then a '/' unless it ends in one (IIS ends the path with '\'). */
static void
out_dir(struct sv_out *o, const char *physical)
{
    size_t n = strlen(physical);

    out_add(o, physical, n);
    if (n == 0 || physical[n - 1] != '/')
        out_str(o, "/");
}

static void
get_appl_physical_path(const struct svar_ctx *c, struct sv_out *o)
{
    const struct certmap_scope *app = app_scope(c);

    if (app != NULL && app->vdir != NULL && app->vdir->physical != NULL)
        out_dir(o, app->vdir->physical);
}

static void
get_path_translated(const struct svar_ctx *c, struct sv_out *o)
{
    const struct certmap_vdir *v = c->scope != NULL ? c->scope->vdir : NULL;
    size_t n;

    if (v == NULL || v->physical == NULL || c->path == NULL || c->path_len < v->url_len)
        return;
    n = strlen(v->physical);
    /* The vdir's URL prefix is replaced by its directory. */
    out_add(o, v->physical, n > 0 && v->physical[n - 1] == '/' ? n - 1 : n);
    out_add(o, c->path + v->url_len, c->path_len - v->url_len);
    if (c->path_len == v->url_len)
        out_str(o, "/");
}

/* --- request ------------------------------------------------------------ */

static void
get_path(const struct svar_ctx *c, struct sv_out *o)
{
    if (c->path != NULL)
        out_add(o, c->path, c->path_len);
}

static void
get_query_string(const struct svar_ctx *c, struct sv_out *o)
{
    if (c->req != NULL && c->req->query != NULL)
        out_add(o, c->req->query, c->req->query_len);
}

static void
get_request_uri(const struct svar_ctx *c, struct sv_out *o)
{
    /* As the client sent it, still percent-encoded, with the query. */
    if (c->req == NULL)
        return;
    out_add(o, c->req->path, c->req->path_len);
    if (c->req->query != NULL) {
        out_str(o, "?");
        out_add(o, c->req->query, c->req->query_len);
    }
}

static void
get_method(const struct svar_ctx *c, struct sv_out *o)
{
    if (c->req != NULL)
        out_add(o, c->req->method_str, c->req->method_len);
}

static void
get_protocol(const struct svar_ctx *c, struct sv_out *o)
{
    if (c->req != NULL)
        out_str(o, c->req->minor_version == 0 ? "HTTP/1.0" : "HTTP/1.1");
}

static void
get_software(const struct svar_ctx *c, struct sv_out *o)
{
    (void)c;
    /* What the Server header says; IIS says "Microsoft-IIS/10.0". */
    out_str(o, "certmap/" CERTMAP_VERSION);
}

static void
get_gateway(const struct svar_ctx *c, struct sv_out *o)
{
    (void)c;
    out_str(o, "CGI/1.1");
}

/* true when header name h[0..hn) is the one variable suffix v[0..vn) names ('_' = '-'). */
static bool
header_is(const char *h, size_t hn, const char *v, size_t vn)
{
    if (hn != vn)
        return false;
    for (size_t i = 0; i < hn; i++) {
        char a = h[i], b = v[i];

        if (b == '_') {
            if (a != '-')
                return false;
        } else if (a == '-' || a == '_' || (a | 0x20) != (b | 0x20)) {
            return false;
        }
    }
    return true;
}

/* Every field named suffix[0..n), joined with ", "; false when there is none. */
static bool
out_header(const struct svar_ctx *c, const char *suffix, size_t n, struct sv_out *o)
{
    bool found = false;

    if (c->req == NULL)
        return false;
    for (unsigned i = 0; i < c->req->header_count; i++) {
        const struct http_header *h = &c->req->headers[i];

        if (!header_is(h->name, h->name_len, suffix, n))
            continue;
        if (found)
            out_str(o, ", ");
        out_add(o, h->value, h->value_len);
        found = true;
    }
    return found;
}

static void
get_content_length(const struct svar_ctx *c, struct sv_out *o)
{
    /* IIS shows 0 for a request without a body; a chunked body has no length yet. */
    if (c->req == NULL || c->req->chunked)
        return;
    out_num(o, c->req->content_length >= 0 ? (unsigned long)c->req->content_length : 0);
}

static void
get_content_type(const struct svar_ctx *c, struct sv_out *o)
{
    out_header(c, "CONTENT_TYPE", 12, o);
}

/* HTTP_NAME:value lines (IIS documents the prefix and capitals, not the line ends). */
static void
get_all_http(const struct svar_ctx *c, struct sv_out *o)
{
    if (c->req == NULL)
        return;
    for (unsigned i = 0; i < c->req->header_count && !o->failed; i++) {
        const struct http_header *h = &c->req->headers[i];

        out_str(o, "HTTP_");
        for (size_t k = 0; k < h->name_len; k++) {
            char ch = h->name[k] == '-' ? '_' : h->name[k];

            if (ch >= 'a' && ch <= 'z')
                ch = (char)(ch - 'a' + 'A');
            out_add(o, &ch, 1);
        }
        out_str(o, ":");
        out_add(o, h->value, h->value_len);
        out_str(o, "\r\n");
    }
}

/* The header lines as received (names as the client spelled them). */
static void
get_all_raw(const struct svar_ctx *c, struct sv_out *o)
{
    if (c->req == NULL)
        return;
    for (unsigned i = 0; i < c->req->header_count && !o->failed; i++) {
        out_add(o, c->req->headers[i].name, c->req->headers[i].name_len);
        out_str(o, ": ");
        out_add(o, c->req->headers[i].value, c->req->headers[i].value_len);
        out_str(o, "\r\n");
    }
}

/*
 * The table.  Order: the CGI/1.1 meta-variables (RFC 3875 §4.1) first, as
 * svar_each() hands them to FastCGI, then the IIS variables.  Source of the
 * names and meanings: Microsoft, "IIS Server Variables"
 * (learn.microsoft.com/en-us/iis/web-dev-reference/server-variables).
 * SV_UNDOC marks a value whose exact format IIS does not document; the
 * comment says what certmapd writes.  docs/server-variables.md is this
 * table for admins; keep the two together.
 */
#define SV_CGI 0x1     /* a CGI/1.1 meta-variable */
#define SV_UNDOC 0x2   /* IIS documents the meaning, not the exact value */
#define SV_NO_EACH 0x4 /* not listed by svar_each() (repeats other variables) */

struct sv_entry {
    const char *name;
    void (*get)(const struct svar_ctx *c, struct sv_out *o);
    unsigned flags;
};

static const struct sv_entry sv_table[] = {
    {"AUTH_TYPE", get_auth_type, SV_CGI},             /* "SSL/PCT" (certificate), "Basic", "" */
    {"CONTENT_LENGTH", get_content_length, SV_CGI},   /* "0" without a body, "" when chunked */
    {"CONTENT_TYPE", get_content_type, SV_CGI},       /* the Content-Type header */
    {"GATEWAY_INTERFACE", get_gateway, SV_CGI},       /* "CGI/1.1" */
    {"PATH_INFO", get_path, SV_CGI | SV_UNDOC},       /* the decoded URL path, as IIS for a page */
    {"PATH_TRANSLATED", get_path_translated, SV_CGI}, /* the file: vdir physicalPath + rest */
    {"QUERY_STRING", get_query_string, SV_CGI},       /* after '?', still encoded; "" */
    {"REMOTE_ADDR", get_remote_addr, SV_CGI},
    {"REMOTE_HOST", get_remote_addr, SV_CGI}, /* the address: certmapd does no reverse DNS */
    {"REMOTE_USER", get_user, SV_CGI},        /* as LOGON_USER ("DOMAIN\\user") */
    {"REQUEST_METHOD", get_method, SV_CGI},
    {"SCRIPT_NAME", get_path, SV_CGI | SV_UNDOC}, /* the URL path: no handler splits PATH_INFO */
    {"SERVER_NAME", get_server_name, SV_CGI},     /* Host without port (or the SNI name) */
    {"SERVER_PORT", get_server_port, SV_CGI},
    {"SERVER_PROTOCOL", get_protocol, SV_CGI},            /* "HTTP/1.1" or "HTTP/1.0" */
    {"SERVER_SOFTWARE", get_software, SV_CGI | SV_UNDOC}, /* "certmap/<version>" */
    {"ALL_HTTP", get_all_http, SV_UNDOC | SV_NO_EACH},    /* "HTTP_NAME:value\r\n" per field */
    {"ALL_RAW", get_all_raw, SV_UNDOC | SV_NO_EACH},      /* "Name: value\r\n" per field */
    {"APPL_MD_PATH", get_appl_md_path, SV_UNDOC},         /* "/LM/W3SVC/<id>/ROOT/app" */
    {"APPL_PHYSICAL_PATH", get_appl_physical_path, 0},    /* application's physicalPath + "/" */
    {"AUTH_USER", get_user, 0},                           /* as LOGON_USER */
    {"CERT_COOKIE", get_cert_cookie, SV_UNDOC},           /* SHA-256 of the DER, lower hex */
    {"CERT_FLAGS", get_cert_flags, 0},                    /* "0", "1", "3" (bit 1: unknown CA) */
    {"CERT_ISSUER", get_cert_issuer, SV_UNDOC},           /* cert_iis_name() */
    {"CERT_KEYSIZE", get_keysize, 0},                     /* cipher key bits */
    {"CERT_SECRETKEYSIZE", get_secretkeysize, 0},         /* server key bits */
    {"CERT_SERIALNUMBER", get_cert_serial, SV_UNDOC},     /* "04-67-f3-02" */
    {"CERT_SERVER_ISSUER", get_server_issuer, SV_UNDOC},
    {"CERT_SERVER_SUBJECT", get_server_subject, SV_UNDOC},
    {"CERT_SUBJECT", get_cert_subject, SV_UNDOC}, /* "C=US, O=Contoso, CN=alice" */
    {"HTTPS", get_https, 0},                      /* "on" / "off" */
    {"HTTPS_KEYSIZE", get_keysize, 0},
    {"HTTPS_SECRETKEYSIZE", get_secretkeysize, 0},
    {"HTTPS_SERVER_ISSUER", get_server_issuer, SV_UNDOC},
    {"HTTPS_SERVER_SUBJECT", get_server_subject, SV_UNDOC},
    {"INSTANCE_ID", get_instance_id, 0},               /* site/@id */
    {"INSTANCE_META_PATH", get_instance_meta_path, 0}, /* "/LM/W3SVC/<id>" */
    {"INSTANCE_NAME", get_instance_name, 0},           /* site/@name */
    {"LOCAL_ADDR", get_local_addr, 0},
    {"LOGON_USER", get_user, 0}, /* the mapped account, "DOMAIN\\user"; "" when anonymous */
    {"REMOTE_PORT", get_remote_port, 0},
    {"REQUEST_URI", get_request_uri, SV_UNDOC}, /* URL Rewrite's: raw path + "?" + query */
    {"SERVER_PORT_SECURE", get_port_secure, 0}, /* "1" over https, else "0" */
    {"UNENCODED_URL", get_request_uri, 0},      /* the raw URL as sent */
    {"UNMAPPED_REMOTE_USER", get_unmapped_user, SV_UNDOC}, /* Basic's name; "" otherwise */
    {"URL", get_path, 0},                                  /* the decoded URL path */
};

static const struct sv_entry *
sv_find(const char *name, size_t n)
{
    for (size_t i = 0; i < sizeof(sv_table) / sizeof(sv_table[0]); i++)
        if (strlen(sv_table[i].name) == n && strncasecmp(sv_table[i].name, name, n) == 0)
            return &sv_table[i];
    return NULL;
}

static int
out_result(struct sv_out *o)
{
    if (o->failed) {
        if (o->size > 0)
            o->buf[0] = '\0';
        return SVAR_TOO_LONG;
    }
    return (int)o->len;
}

int
svar_get(const struct svar_ctx *ctx, const char *name, size_t name_len, char *buf, size_t size)
{
    struct sv_out o = {buf, size, 0, size == 0};
    const struct sv_entry *e;

    if (size > 0)
        buf[0] = '\0';
    e = sv_find(name, name_len);
    if (e != NULL) {
        e->get(ctx, &o);
        return out_result(&o);
    }
    if (name_len > 5 && strncasecmp(name, "HTTP_", 5) == 0) {
        char nm[256];
        const char *set = NULL;
        if (ctx->rw != NULL && name_len < sizeof(nm)) {
            memcpy(nm, name, name_len);
            nm[name_len] = '\0';
            set = rewrite_state_var(ctx->rw, nm);
        }
        if (set != NULL) {
            out_str(&o, set);
            return out_result(&o);
        }
        if (!out_header(ctx, name + 5, name_len - 5, &o))
            return SVAR_UNKNOWN;
        return out_result(&o);
    }
    return SVAR_UNKNOWN;
}

/* Gets a value, growing *buf until it fits (up to 16 MiB). */
static int
each_value(const struct svar_ctx *ctx, const char *name, size_t name_len, char **buf, size_t *size)
{
    char *nb;
    int n;

    for (;;) {
        n = svar_get(ctx, name, name_len, *buf, *size);
        if (n != SVAR_TOO_LONG || *size >= 16 * 1024 * 1024)
            return n;
        nb = realloc(*buf, *size * 2);
        if (nb == NULL)
            return SVAR_TOO_LONG;
        *buf = nb;
        *size *= 2;
    }
}

/* true when an earlier field of req has the same name as field i. */
static bool
seen_before(const struct http_request *req, unsigned i)
{
    for (unsigned k = 0; k < i; k++)
        if (req->headers[k].name_len == req->headers[i].name_len &&
            strncasecmp(req->headers[k].name, req->headers[i].name, req->headers[i].name_len) == 0)
            return true;
    return false;
}

static int
each_header(const struct svar_ctx *ctx, unsigned i, char **buf, size_t *size, svar_on_var fn,
            void *arg)
{
    const struct http_header *h = &ctx->req->headers[i];
    char name[5 + 256];
    int n;

    if (h->name_len > 256 || memchr(h->name, '_', h->name_len) != NULL || seen_before(ctx->req, i))
        return 0;
    memcpy(name, "HTTP_", 5);
    for (size_t k = 0; k < h->name_len; k++) {
        char ch = h->name[k] == '-' ? '_' : h->name[k];

        name[5 + k] = ch >= 'a' && ch <= 'z' ? (char)(ch - 'a' + 'A') : ch;
    }
    name[5 + h->name_len] = '\0';
    if (strcmp(name, "HTTP_PROXY") == 0)
        return 0;
    n = each_value(ctx, name, 5 + h->name_len, buf, size);
    if (n < 0)
        return -1;
    return fn(arg, name, *buf, (size_t)n);
}

int
svar_each(const struct svar_ctx *ctx, svar_on_var fn, void *arg)
{
    size_t size = 4096;
    char *buf = malloc(size);
    int n, ret = -1;

    if (buf == NULL)
        goto out;
    for (size_t i = 0; i < sizeof(sv_table) / sizeof(sv_table[0]); i++) {
        if (sv_table[i].flags & SV_NO_EACH)
            continue;
        n = each_value(ctx, sv_table[i].name, strlen(sv_table[i].name), &buf, &size);
        if (n < 0)
            goto out;
        ret = fn(arg, sv_table[i].name, buf, (size_t)n);
        if (ret != 0)
            goto out;
        ret = -1;
    }
    for (unsigned i = 0; ctx->req != NULL && i < ctx->req->header_count; i++) {
        ret = each_header(ctx, i, &buf, &size, fn, arg);
        if (ret != 0)
            goto out;
        ret = -1;
    }
    ret = 0;
out:
    free(buf);
    return ret;
}
