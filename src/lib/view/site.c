/*
 * site.c - the server-level settings, sites, applications, virtual
 * directories and bindings of a view.
 *
 * Sites are read through the element API (it applies siteDefaults,
 * applicationDefaults and virtualDirectoryDefaults); bindings are parsed
 * here once for the server, the CLI and validation.
 */
#include "view/internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A path written for Windows (drive letter, backslash) cannot be used here. */
static bool
windows_path(const char *p)
{
    return strchr(p, '\\') != NULL || (p[0] != '\0' && p[1] == ':');
}

static struct certmap_source
source_of(struct vbuild *b, const struct certmap_element *e, const char *attr)
{
    struct certmap_source src = {NULL, 0};
    const char *file = NULL;
    unsigned line = 0;

    if (certmap_element_source(e, attr, &file, &line) != 0 && attr != NULL)
        certmap_element_source(e, NULL, &file, &line);
    if (file != NULL) {
        src.file = view_file_name(b, b->cfg);
        src.line = line;
    }
    return src;
}

/* Effective text of attr (schema default when unset); NULL after reporting. */
static const char *
get_text(struct vbuild *b, const struct certmap_element *e, const char *attr)
{
    const char *v = certmap_element_get(e, attr);

    if (v == NULL) {
        struct certmap_source src = source_of(b, e, NULL);
        view_diag(b, CERTMAP_SEV_ERROR, src.file, src.line, certmap_element_name(e), attr,
                  "cannot read the attribute");
    }
    return v;
}

static char *
arena_copy(struct vbuild *b, const char *s)
{
    char *c = cfg_arena_strdup(&b->v->arena, s != NULL ? s : "");

    if (c == NULL)
        b->failed = true;
    return c;
}

/* Expands a path attribute (%VAR%, relative to the config's directory); NULL when unset or bad. */
static const char *
expand_attr(struct vbuild *b, const struct certmap_element *e, const char *attr)
{
    const char *v = get_text(b, e, attr);
    struct certmap_error err = {0};
    char *x;
    const char *out;

    if (v == NULL || v[0] == '\0')
        return NULL;
    x = certmap_config_expand_path(b->cfg, v, &err);
    if (x == NULL) {
        struct certmap_source src = source_of(b, e, attr);
        view_diag(b, CERTMAP_SEV_ERROR, src.file, src.line, certmap_element_name(e), attr, "%s",
                  err.message);
        return NULL;
    }
    out = arena_copy(b, x);
    free(x);
    return out;
}

/* ---- server level ---- */

static const struct vsec *
server_sec(struct vbuild *b, const char *path)
{
    for (size_t i = 0; i < sizeof(b->v->server_secs) / sizeof(b->v->server_secs[0]); i++)
        if (b->v->server_secs[i] != NULL && strcmp(b->v->server_secs[i]->sec->path, path) == 0)
            return b->v->server_secs[i];
    return NULL;
}

static unsigned
clamp_u(unsigned long long v)
{
    return v > 0xffffffffULL ? 0xffffffffU : (unsigned)v;
}

static const char *
expand_text(struct vbuild *b, const struct vsec *s, const char *attr)
{
    struct certmap_source src;
    const char *v = vsec_text(s, attr, &src);
    struct certmap_error err = {0};
    char *x = certmap_config_expand_path(b->cfg, v, &err);
    const char *out;

    if (x == NULL) {
        view_diag(b, CERTMAP_SEV_ERROR, src.file ? src.file : b->cfg->name, src.line,
                  s->sec->elem->name, attr, "cannot resolve \"%s\": %s", v, err.message);
        return NULL;
    }
    out = arena_copy(b, x);
    free(x);
    return out;
}

/*
 * <certmap><status listen>: "ADDR:PORT" or "[ADDR]:PORT" with a numeric IPv4
 * or IPv6 address (the listener is plain HTTP, so no name is resolved and
 * nothing is guessed: an address is required).
 */
static void
build_status(struct vbuild *b, struct certmap_server_settings *sv)
{
    const struct vsec *st = server_sec(b, CERTMAP_SECTION_STATUS);
    const char *v = vsec_text(st, "listen", &sv->status_src);
    char ip[INET6_ADDRSTRLEN + 2], canon[INET6_ADDRSTRLEN];
    const char *colon, *host;
    unsigned char bin[sizeof(struct in6_addr)];
    unsigned long port;
    char *end;
    size_t n;
    int af;

    sv->status_ip = "";
    if (v == NULL || v[0] == '\0')
        return;
    colon = strrchr(v, ':');
    n = colon != NULL ? (size_t)(colon - v) : 0;
    if (colon == NULL || n == 0 || n >= sizeof(ip))
        goto bad;
    memcpy(ip, v, n);
    ip[n] = '\0';
    host = ip;
    if (ip[0] == '[') {
        if (n < 3 || ip[n - 1] != ']')
            goto bad;
        ip[n - 1] = '\0';
        host = ip + 1;
        af = AF_INET6;
    } else {
        af = strchr(ip, ':') != NULL ? -1 : AF_INET; /* IPv6 needs its brackets */
    }
    errno = 0;
    port = strtoul(colon + 1, &end, 10);
    if (af < 0 || inet_pton(af, host, bin) != 1 || colon[1] < '0' || colon[1] > '9' ||
        *end != '\0' || errno != 0 || port == 0 || port > 65535)
        goto bad;
    inet_ntop(af, bin, canon, sizeof(canon));
    sv->status_ip = arena_copy(b, canon);
    sv->status_port = (unsigned)port;
    return;
bad:
    view_diag(b, CERTMAP_SEV_ERROR, sv->status_src.file ? sv->status_src.file : b->cfg->name,
              sv->status_src.line, "status", "listen",
              "\"%s\" is not ADDR:PORT (a numeric address, IPv6 in brackets, and a port "
              "1-65535, e.g. 127.0.0.1:9090)",
              v);
}

/* Whether the status listener's address and a binding's would take the same socket. */
static bool
status_collides(const struct certmap_server_settings *sv, const struct certmap_binding *bd)
{
    unsigned char a[sizeof(struct in6_addr)], o[sizeof(struct in6_addr)];
    int af = strchr(sv->status_ip, ':') != NULL ? AF_INET6 : AF_INET;
    const char *ip = bd->ip;
    char tmp[INET6_ADDRSTRLEN + 2];
    size_t n;

    if (bd->port != sv->status_port)
        return false;
    /* a wildcard on either side takes every address of the port */
    if (strcmp(ip, "*") == 0 || strcmp(ip, "") == 0 || strcmp(sv->status_ip, "0.0.0.0") == 0 ||
        strcmp(sv->status_ip, "::") == 0)
        return true;
    n = strlen(ip);
    if (ip[0] == '[' && n >= 2 && n < sizeof(tmp)) {
        memcpy(tmp, ip + 1, n - 2);
        tmp[n - 2] = '\0';
        ip = tmp;
    }
    if (inet_pton(af, sv->status_ip, a) != 1 || inet_pton(af, ip, o) != 1)
        return false;
    return memcmp(a, o, af == AF_INET6 ? 16 : 4) == 0;
}

/* A status listener on a site binding's address and port: an error, at the listen attribute. */
static void
check_status_listen(struct vbuild *b)
{
    const struct certmap_server_settings *sv = &b->v->server;

    if (sv->status_ip == NULL || sv->status_ip[0] == '\0')
        return;
    for (size_t i = 0; i < b->v->nsites; i++) {
        const struct certmap_site *site = &b->v->sites[i].pub;
        for (size_t k = 0; k < site->nbindings; k++) {
            const struct certmap_binding *bd = &site->bindings[k];
            if (!status_collides(sv, bd))
                continue;
            view_diag(b, CERTMAP_SEV_ERROR,
                      sv->status_src.file ? sv->status_src.file : b->cfg->name, sv->status_src.line,
                      "status", "listen",
                      "%s:%u is also a binding of site \"%s\" (%s:%u); the metrics listener "
                      "needs an address and port of its own",
                      sv->status_ip, sv->status_port, site->name,
                      bd->src.file ? bd->src.file : b->cfg->name, bd->src.line);
        }
    }
}

/*
 * An IIS timespan as the configuration writes it: "[d.]hh:mm:ss[.fraction]"
 * (ARR's proxy timeout, "00:00:30").  Milliseconds, or -1 when it does not
 * parse or exceeds 2^32 ms (about 49 days, what the server keeps).
 */
static long long
parse_timespan(const char *v)
{
    unsigned long long part[4] = {0, 0, 0, 0}, ms = 0;
    size_t n = 0, digits = 0;
    const char *p = v;

    if (v == NULL || *v == '\0')
        return -1;
    /* optional days: digits followed by '.' before the first ':' */
    if (strchr(v, '.') != NULL && strchr(v, ':') != NULL && strchr(v, '.') < strchr(v, ':')) {
        while (*p >= '0' && *p <= '9' && digits < 6) {
            part[0] = part[0] * 10 + (unsigned long long)(*p++ - '0');
            digits++;
        }
        if (digits == 0 || *p++ != '.')
            return -1;
    }
    for (n = 1; n <= 3; n++) {
        digits = 0;
        while (*p >= '0' && *p <= '9' && digits < 2) {
            part[n] = part[n] * 10 + (unsigned long long)(*p++ - '0');
            digits++;
        }
        if (digits != 2)
            return -1;
        if (n < 3 && *p++ != ':')
            return -1;
    }
    if (*p == '.') {
        unsigned long long scale = 100;
        p++;
        if (*p < '0' || *p > '9')
            return -1;
        while (*p >= '0' && *p <= '9') {
            ms += (unsigned long long)(*p++ - '0') * scale;
            scale /= 10;
        }
    }
    if (*p != '\0' || part[2] > 59 || part[3] > 59 || part[1] > 23)
        return -1;
    ms += ((part[0] * 24 + part[1]) * 60 + part[2]) * 60000ULL + part[3] * 1000ULL;
    if (ms > 0xffffffffULL)
        return -1;
    return (long long)ms;
}

/* system.webServer/proxy (ARR) and <certmap><upstream>. */
static void
build_proxy(struct vbuild *b, struct certmap_server_settings *sv)
{
    const struct vsec *px = server_sec(b, CERTMAP_SECTION_PROXY);
    const struct vsec *up = server_sec(b, CERTMAP_SECTION_UPSTREAM);
    struct certmap_source src;
    const char *t, *ca;
    long long ms;

    sv->proxy_enabled = vsec_num(px, "enabled", NULL) != 0;
    sv->proxy_preserve_host = vsec_num(px, "preserveHostHeader", NULL) != 0;
    sv->proxy_reverse_rewrite_host = vsec_num(px, "reverseRewriteHostInResponseHeaders", NULL) != 0;
    sv->proxy_keep_alive = vsec_num(px, "keepAlive", NULL) != 0;
    sv->proxy_xff_name = vsec_text(px, "xForwardedForHeaderName", NULL);
    sv->proxy_xff_port = vsec_num(px, "includePortInXForwardedFor", NULL) != 0;
    sv->proxy_http_version = clamp_u(vsec_num(px, "httpVersion", NULL));
    sv->proxy_max_response_header = clamp_u(vsec_num(px, "maxResponseHeaderSize", NULL)) * 1024U;
    t = vsec_text(px, "timeout", &src);
    ms = parse_timespan(t);
    if (ms < 1000) {
        view_diag(b, CERTMAP_SEV_ERROR, src.file ? src.file : b->cfg->name, src.line, "proxy",
                  "timeout",
                  "\"%s\" is not a timespan of at least one second (hh:mm:ss or d.hh:mm:ss, "
                  "e.g. 00:00:30)",
                  t != NULL ? t : "");
        ms = 30000;
    }
    sv->proxy_timeout_ms = (unsigned)ms;
    for (const char *c = sv->proxy_xff_name; c != NULL && *c != '\0'; c++) {
        /* a header name is a token (RFC 9110 5.1) */
        if (*c <= ' ' || *c >= 127 || strchr("\"(),/:;<=>?@[\\]{}", *c) != NULL) {
            vsec_text(px, "xForwardedForHeaderName", &src);
            view_diag(b, CERTMAP_SEV_ERROR, src.file ? src.file : b->cfg->name, src.line, "proxy",
                      "xForwardedForHeaderName", "\"%s\" is not a header name", sv->proxy_xff_name);
            sv->proxy_xff_name = "X-Forwarded-For";
            break;
        }
    }
    ca = vsec_text(up, "caFile", NULL);
    sv->proxy_ca_file = ca != NULL && ca[0] != '\0' ? expand_text(b, up, "caFile") : "";
    if (sv->proxy_ca_file == NULL)
        sv->proxy_ca_file = "";
    sv->proxy_keep_underscore = vsec_num(up, "keepUnderscoreHeaders", NULL) != 0;
    sv->proxy_max_idle = clamp_u(vsec_num(up, "maxIdlePerUpstream", NULL));
}

static void
build_server(struct vbuild *b)
{
    struct certmap_server_settings *sv = &b->v->server;
    const struct vsec *lim = server_sec(b, CERTMAP_SECTION_LIMITS);
    const struct vsec *srv = server_sec(b, CERTMAP_SECTION_SERVER);
    const struct vsec *lg = server_sec(b, CERTMAP_SECTION_LOGON);
    const char *v;

    sv->max_connections = (unsigned long)vsec_num(lim, "maxConnections", NULL);
    sv->header_timeout = clamp_u(vsec_num(lim, "headerTimeoutSeconds", NULL));
    sv->request_timeout = clamp_u(vsec_num(lim, "requestTimeoutSeconds", NULL));
    sv->idle_timeout = clamp_u(vsec_num(lim, "idleTimeoutSeconds", NULL));
    sv->max_request_line = (unsigned long)vsec_num(lim, "maxRequestLineBytes", NULL);
    sv->max_header_bytes = (unsigned long)vsec_num(lim, "maxHeaderBytes", NULL);
    sv->max_header_count = clamp_u(vsec_num(lim, "maxHeaderCount", NULL));
    sv->max_body = vsec_num(lim, "maxBodyBytes", NULL);
    sv->shutdown_grace = clamp_u(vsec_num(lim, "shutdownGraceSeconds", NULL));
    sv->max_client_chain = (unsigned long)vsec_num(lim, "maxClientCertChainBytes", NULL);

    sv->workers = clamp_u(vsec_num(srv, "workers", NULL));
    sv->basic_without_ssl = vsec_num(srv, "allowBasicWithoutSsl", NULL) != 0;
    sv->ticket_seconds = clamp_u(vsec_num(srv, "sessionTicketSeconds", NULL));
    sv->ticket_count = clamp_u(vsec_num(srv, "sessionTicketCount", NULL));
    sv->expiry_warning_days = clamp_u(vsec_num(srv, "certificateExpiryWarningDays", NULL));
    sv->crl_warning_hours = clamp_u(vsec_num(srv, "crlWarningHours", NULL));
    sv->log_dir = expand_text(b, srv, "logDirectory");
    v = vsec_text(srv, "errorLog", NULL);
    if (v[0] == '/' || sv->log_dir == NULL) {
        sv->error_log = expand_text(b, srv, "errorLog");
    } else {
        char *p = NULL;
        if (asprintf(&p, "%s/%s", sv->log_dir, v) < 0)
            b->failed = true;
        else
            sv->error_log = arena_copy(b, p);
        free(p);
    }
    sv->logon_provider = vsec_text(lg, "provider", NULL);
    sv->accounts_file = expand_text(b, lg, "accountsFile");
    sv->pam_service = vsec_text(lg, "pamService", NULL);
    sv->logon_cache_seconds = clamp_u(vsec_num(lg, "cacheSeconds", NULL));
    sv->logon_negative_cache_seconds = clamp_u(vsec_num(lg, "negativeCacheSeconds", NULL));
    sv->logon_threads = clamp_u(vsec_num(lg, "threads", NULL));
    sv->user = vsec_text(srv, "user", NULL);
    sv->group = vsec_text(srv, "group", NULL);
    sv->allow_root = vsec_num(srv, "allowRoot", NULL) != 0;
    sv->log_level = clamp_u(vsec_num(srv, "logLevel", NULL));
    sv->read_files_as_user = vsec_num(srv, "readFilesAsUser", NULL) != 0;
    v = vsec_text(srv, "ticketKeyFile", &sv->ticket_key_src);
    sv->ticket_key_file = v[0] != '\0' ? expand_text(b, srv, "ticketKeyFile") : NULL;
    build_status(b, sv);
    build_proxy(b, sv);
}

/* ---- sites ---- */

static bool
get_bool(struct vbuild *b, const struct certmap_element *e, const char *attr)
{
    struct certmap_error err = {0};
    bool v = false;

    if (certmap_element_get_bool(e, attr, &v, &err) != 0)
        view_diag(b, CERTMAP_SEV_ERROR, err.file, err.line, err.element, err.attribute, "%s",
                  err.message);
    return v;
}

static struct certmap_collection *
collection(struct vbuild *b, struct certmap_element *e, const char *name)
{
    struct certmap_error err = {0};
    struct certmap_collection *c = certmap_element_collection(e, name, &err);

    /* an empty collection and one that could not be computed look alike: ask */
    if (c != NULL) {
        certmap_collection_count(c);
        if (certmap_collection_error(c, &err) != 0)
            c = NULL;
    }
    if (c == NULL)
        view_diag(b, CERTMAP_SEV_ERROR, err.file, err.line, err.element, err.attribute, "%s",
                  err.message);
    return c;
}

/*
 * "/app/" + "/dir" -> "/app/dir" (no empty segments, no trailing '/'); "" for
 * the root.  Only '/' separates, as in location paths.
 */
static const char *
join_url(struct vbuild *b, const char *a, const char *c)
{
    size_t la = strlen(a), lc = strlen(c), n = 0;
    char *s = cfg_arena_alloc(&b->v->arena, la + lc + 3);
    const char *parts[2] = {a, c};

    if (s == NULL)
        return NULL;
    for (int k = 0; k < 2; k++) {
        bool seg_start = true;
        for (const char *p = parts[k]; *p != '\0'; p++) {
            if (*p == '/') {
                seg_start = true;
                continue;
            }
            if (seg_start)
                s[n++] = '/';
            seg_start = false;
            s[n++] = *p;
        }
    }
    s[n] = '\0';
    return s;
}

/* Applications and virtual directories of site element se. */
static int
build_apps(struct vbuild *b, struct vsite *s, struct certmap_element *se)
{
    struct certmap_collection *apps = collection(b, se, NULL);
    size_t na, nv = 0, k = 0;

    if (apps == NULL)
        return 0;
    na = certmap_collection_count(apps);
    s->apps = cfg_arena_alloc(&b->v->arena, (na ? na : 1) * sizeof(*s->apps));
    if (s->apps == NULL)
        return -1;
    for (size_t i = 0; i < na; i++) {
        struct certmap_collection *vds = collection(b, certmap_collection_item(apps, i), NULL);
        nv += vds != NULL ? certmap_collection_count(vds) : 0;
    }
    s->vdirs = cfg_arena_alloc(&b->v->arena, (nv ? nv : 1) * sizeof(*s->vdirs));
    if (s->vdirs == NULL)
        return -1;
    for (size_t i = 0; i < na; i++) {
        struct certmap_element *app = certmap_collection_item(apps, i);
        struct certmap_collection *vds = collection(b, app, NULL);
        const char *apath = get_text(b, app, "path");

        if (apath == NULL || vds == NULL)
            continue;
        s->apps[s->napps] = join_url(b, apath, "");
        if (s->apps[s->napps] == NULL)
            return -1;
        s->napps++;
        for (size_t j = 0; j < certmap_collection_count(vds) && k < nv; j++) {
            struct certmap_element *vd = certmap_collection_item(vds, j);
            struct certmap_vdir *d = &s->vdirs[k];
            const char *phys = get_text(b, vd, "physicalPath");
            const char *vpath = get_text(b, vd, "path");
            struct certmap_error err = {0};
            char *x;

            if (phys == NULL || vpath == NULL)
                continue;
            memset(d, 0, sizeof(*d));
            d->src = source_of(b, vd, NULL);
            d->url = join_url(b, apath, vpath);
            if (d->url == NULL)
                return -1;
            d->url_len = strlen(d->url);
            d->sub_dir_config = get_bool(b, vd, "allowSubDirConfig");
            d->user_name = arena_copy(b, get_text(b, vd, "userName"));
            if (d->user_name == NULL)
                return -1;
            k++;
            if (windows_path(phys)) {
                d->problem = arena_copy(b, "a Windows path");
                view_diag(b, CERTMAP_SEV_WARNING, d->src.file, d->src.line, "virtualDirectory",
                          "physicalPath", "\"%s\" is a Windows path; requests under %s/ get 500",
                          phys, d->url);
                continue;
            }
            x = certmap_config_expand_path(b->cfg, phys, &err);
            if (x == NULL) {
                d->problem = arena_copy(b, err.message);
                view_diag(b, CERTMAP_SEV_WARNING, d->src.file, d->src.line, "virtualDirectory",
                          "physicalPath", "%s; requests under %s/ get 500", err.message, d->url);
                continue;
            }
            d->physical = arena_copy(b, x);
            free(x);
        }
    }
    s->pub.vdirs = s->vdirs;
    s->pub.nvdirs = k;
    return 0;
}

static enum certmap_client_cert
client_cert_mode(const char *v)
{
    if (strcasecmp(v, "on") == 0)
        return CERTMAP_CC_ON;
    if (strcasecmp(v, "off") == 0)
        return CERTMAP_CC_OFF;
    if (strcasecmp(v, "late") == 0)
        return CERTMAP_CC_LATE;
    return CERTMAP_CC_AUTO;
}

static bool
valid_ip(const char *ip)
{
    unsigned char buf[16];

    return strcmp(ip, "*") == 0 || strcmp(ip, "") == 0 || inet_pton(AF_INET, ip, buf) == 1 ||
           inet_pton(AF_INET6, ip, buf) == 1;
}

/* One <binding>: into *out, or a diagnostic and false. */
static bool
build_binding(struct vbuild *b, struct certmap_element *be, struct certmap_binding *out)
{
    const char *proto = get_text(b, be, "protocol");
    const char *info = get_text(b, be, "bindingInformation");
    const char *why = NULL;
    char ip[64], host[256];

    if (proto == NULL || info == NULL)
        return false;
    memset(out, 0, sizeof(*out));
    out->src = source_of(b, be, NULL);
    if (strcasecmp(proto, "https") == 0) {
        out->proto = CERTMAP_BINDING_HTTPS;
    } else if (strcasecmp(proto, "http") == 0) {
        out->proto = CERTMAP_BINDING_HTTP;
    } else {
        view_diag(b, CERTMAP_SEV_WARNING, out->src.file, out->src.line, "binding", "protocol",
                  "protocol \"%s\" is not served by certmapd; binding ignored", proto);
        return false;
    }
    if (cfg_binding_parse_info(info, ip, sizeof(ip), &out->port, host, sizeof(host), &why) != 0) {
        view_diag(b, CERTMAP_SEV_ERROR, out->src.file, out->src.line, "binding",
                  "bindingInformation", "\"%s\": %s", info, why);
        return false;
    }
    if (!valid_ip(ip)) {
        view_diag(b, CERTMAP_SEV_ERROR, out->src.file, out->src.line, "binding",
                  "bindingInformation", "\"%s\": \"%s\" is not an IP address or *", info, ip);
        return false;
    }
    out->ip = arena_copy(b, ip[0] != '\0' ? ip : "*");
    out->host = arena_copy(b, host);
    if (out->proto == CERTMAP_BINDING_HTTP)
        return out->ip != NULL && out->host != NULL;
    out->client_cert = client_cert_mode(certmap_element_get(be, "clientCertificate"));
    out->cert_file = expand_attr(b, be, "certificateFile");
    out->key_file = expand_attr(b, be, "certificateKeyFile");
    out->client_ca_file = expand_attr(b, be, "clientCaFile");
    out->crl_file = expand_attr(b, be, "crlFile");
    out->cert_hash = arena_copy(b, certmap_element_get(be, "certificateHash"));
    out->store_name = certmap_element_get(be, "certificateStoreName");
    if (out->store_name == NULL || out->store_name[0] == '\0')
        out->store_name = "MY";
    out->store_name = arena_copy(b, out->store_name);
    if (out->cert_file == NULL) {
        struct certmap_error err = {0};
        char *x = certmap_config_expand_path(b->cfg, out->store_name, &err);
        if (x == NULL && out->cert_hash != NULL && out->cert_hash[0] != '\0') {
            view_diag(b, CERTMAP_SEV_ERROR, out->src.file, out->src.line, "binding",
                      "certificateStoreName", "cannot resolve the certificate store \"%s\": %s",
                      out->store_name, err.message);
            return false;
        }
        if (x != NULL)
            out->store_dir = arena_copy(b, x);
        free(x);
    }
    return out->ip != NULL && out->host != NULL;
}

static int
build_bindings(struct vbuild *b, struct vsite *s, struct certmap_element *se)
{
    struct certmap_collection *bc = collection(b, se, "bindings");
    struct certmap_binding *arr;
    size_t n, k = 0;

    if (bc == NULL)
        return 0;
    n = certmap_collection_count(bc);
    arr = cfg_arena_alloc(&b->v->arena, (n ? n : 1) * sizeof(*arr));
    if (arr == NULL)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (build_binding(b, certmap_collection_item(bc, i), &arr[k]))
            k++;
    s->pub.bindings = arr;
    s->pub.nbindings = k;
    return 0;
}

/* A logFile directory usable on Linux, expanded; NULL when none is set or usable. */
static const char *
log_dir_of(struct vbuild *b, struct certmap_element *logfile)
{
    const char *dir;

    if (logfile == NULL || !certmap_element_is_set(logfile, "directory"))
        return NULL;
    dir = certmap_element_get(logfile, "directory");
    if (dir == NULL || dir[0] == '\0' || windows_path(dir))
        return NULL;
    return expand_attr(b, logfile, "directory");
}

/*
 * Whether a site writes its W3C log: logFile/@enabled of the site when set
 * there, else of siteDefaults', else the schema's default (on), as IIS
 * inherits it.
 */
static bool
log_enabled_of(struct vbuild *b, struct certmap_element *own, struct certmap_element *defaults)
{
    if (own != NULL && certmap_element_is_set(own, "enabled"))
        return get_bool(b, own, "enabled");
    if (defaults != NULL && certmap_element_is_set(defaults, "enabled"))
        return get_bool(b, defaults, "enabled");
    return true;
}

/*
 * The W3C fields of a site: logExtFileFlags of its own logFile when set
 * there, else of siteDefaults' (IIS's inheritance), else the schema's
 * default (IIS's default set).
 */
static unsigned
log_fields_of(struct vbuild *b, struct certmap_element *own, struct certmap_element *defaults)
{
    struct certmap_element *lf = own;
    struct certmap_error err = {0};
    unsigned v = 0;

    if (lf == NULL || !certmap_element_is_set(lf, "logExtFileFlags"))
        lf = defaults;
    if (lf == NULL)
        lf = own;
    if (lf == NULL) /* no logFile anywhere: IIS's default set */
        return CERTMAP_LOG_DATE | CERTMAP_LOG_TIME | CERTMAP_LOG_CLIENT_IP | CERTMAP_LOG_USER_NAME |
               CERTMAP_LOG_SERVER_IP | CERTMAP_LOG_METHOD | CERTMAP_LOG_URI_STEM |
               CERTMAP_LOG_URI_QUERY | CERTMAP_LOG_HTTP_STATUS | CERTMAP_LOG_WIN32_STATUS |
               CERTMAP_LOG_TIME_TAKEN | CERTMAP_LOG_SERVER_PORT | CERTMAP_LOG_USER_AGENT |
               CERTMAP_LOG_REFERER | CERTMAP_LOG_HTTP_SUB_STATUS;
    if (certmap_element_get_flags(lf, "logExtFileFlags", &v, &err) != 0)
        view_diag(b, CERTMAP_SEV_ERROR, err.file, err.line, err.element, err.attribute, "%s",
                  err.message);
    return v;
}

static int
build_site(struct vbuild *b, struct vsite *s, struct certmap_element *se,
           struct certmap_element *sites_section)
{
    struct certmap_error err = {0};
    struct certmap_element *lf, *defaults, *defaults_lf;
    unsigned long long id = 0;

    s->pub.src = source_of(b, se, NULL);
    s->pub.name = arena_copy(b, certmap_element_get(se, "name"));
    if (certmap_element_get_uint(se, "id", &id, &err) != 0)
        view_diag(b, CERTMAP_SEV_ERROR, err.file, err.line, err.element, err.attribute, "%s",
                  err.message);
    s->pub.id = (unsigned long)id;
    s->pub.auto_start = get_bool(b, se, "serverAutoStart");
    if (s->pub.name == NULL)
        return -1;
    lf = certmap_element_child(se, "logFile", &err);
    s->pub.log_dir = log_dir_of(b, lf);
    defaults = certmap_element_child(sites_section, "siteDefaults", &err);
    defaults_lf = defaults != NULL ? certmap_element_child(defaults, "logFile", &err) : NULL;
    if (s->pub.log_dir == NULL)
        s->pub.log_dir = log_dir_of(b, defaults_lf);
    if (s->pub.log_dir == NULL)
        s->pub.log_dir = b->v->server.log_dir;
    s->pub.log_fields = log_fields_of(b, certmap_element_child(se, "logFile", &err), defaults_lf);
    if (!log_enabled_of(b, lf, defaults_lf))
        s->pub.log_dir = NULL;
    if (build_apps(b, s, se) != 0 || build_bindings(b, s, se) != 0)
        return -1;
    return scope_build_site(b, s, se);
}

int
site_build_all(struct vbuild *b)
{
    struct certmap_error err = {0};
    struct certmap_element *sites_section;
    struct certmap_collection *sites;
    size_t n;

    if (scope_build_server(b) != 0)
        return -1;
    build_server(b);
    view_build_directory(b);
    sites_section = certmap_config_get_section(b->cfg, CERTMAP_SECTION_SITES, NULL, &err);
    if (sites_section == NULL) {
        view_diag(b, CERTMAP_SEV_ERROR, err.file, err.line, err.element, err.attribute, "%s",
                  err.message);
        return -1;
    }
    sites = collection(b, sites_section, NULL);
    if (sites == NULL)
        return -1; /* reported */
    n = certmap_collection_count(sites);
    b->v->sites = calloc(n ? n : 1, sizeof(*b->v->sites));
    if (b->v->sites == NULL)
        return -1;
    for (size_t i = 0; i < n; i++) {
        struct vsite *s = &b->v->sites[b->v->nsites++];
        if (build_site(b, s, certmap_collection_item(sites, i), sites_section) != 0)
            return -1;
    }
    check_status_listen(b);
    view_check_directory(b);
    return 0;
}
