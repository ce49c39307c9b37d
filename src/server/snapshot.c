/*
 * snapshot.c - builds the immutable runtime view of a configuration.
 */
#include "snapshot.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "certmap/cert.h"
#include "logonsvc.h"
#include "snapshot_build.h"
#include "static.h"
#include "tls.h"
#include "w3clog.h"

#define SSL_CERT_FLAGS (CERTMAP_SSL_NEGOTIATE_CERT | CERTMAP_SSL_REQUIRE_CERT)

/* Appends one diagnostic; file/element/attr may be NULL. */
void
snap_diag(struct certmap_diags *diags, enum certmap_severity sev, const char *file, unsigned line,
          const char *element, const char *attr, const char *fmt, ...)
{
    struct certmap_error e;
    char msg[sizeof(e.message)];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    certmap_error_set(&e, CERTMAP_ERR_INVALID, file, line, element, attr, "%s", msg);
    if (diags != NULL)
        certmap_diags_add(diags, sev, &e);
}

/* Appends a library error as is. */
void
snap_diag_err(struct certmap_diags *diags, enum certmap_severity sev, const struct certmap_error *e)
{
    if (diags != NULL)
        certmap_diags_add(diags, sev, e);
}

void
snap_source_of(const struct certmap_element *e, const char *attr, const char **file, unsigned *line)
{
    *file = NULL;
    *line = 0;
    if (e != NULL && certmap_element_source(e, attr, file, line) != 0 && attr != NULL)
        certmap_element_source(e, NULL, file, line);
}

char *
snap_strdup(const char *s)
{
    return strdup(s != NULL ? s : "");
}

const char *
snap_get_str(const struct certmap_element *e, const char *attr)
{
    const char *v = e != NULL ? certmap_element_get(e, attr) : NULL;
    return v != NULL ? v : "";
}

bool
snap_get_bool(const struct certmap_element *e, const char *attr, bool dflt)
{
    bool v;
    if (e == NULL || certmap_element_get_bool(e, attr, &v, NULL) != 0)
        return dflt;
    return v;
}

unsigned long long
snap_get_uint(const struct certmap_element *e, const char *attr, unsigned long long dflt)
{
    unsigned long long v;
    if (e == NULL || certmap_element_get_uint(e, attr, &v, NULL) != 0)
        return dflt;
    return v;
}

static unsigned
clamp_u(unsigned long long v)
{
    return v > 0xffffffffULL ? 0xffffffffU : (unsigned)v;
}

/* A path written for Windows (drive letter, backslash) cannot be used here. */
bool
snap_windows_path(const char *p)
{
    return strchr(p, '\\') != NULL || (p[0] != '\0' && p[1] == ':');
}

/* ---- lookups (also used by the pipeline) ---- */

/* true when prefix[0..plen) is a case-insensitive prefix of path ending at a segment boundary. */
static bool
segment_prefix(const char *prefix, size_t plen, const char *path, size_t len)
{
    if (plen == 0)
        return true;
    if (plen > len || strncasecmp(prefix, path, plen) != 0)
        return false;
    return plen == len || path[plen] == '/';
}

const struct snap_location *
snapshot_find_location(const struct snap_site *site, const char *path, size_t len)
{
    size_t i;

    for (i = 0; i < site->nlocs; i++) {
        const struct snap_location *l = &site->locs[i];
        if (segment_prefix(l->path, l->path_len, path, len))
            return l;
    }
    return &site->locs[site->nlocs - 1];
}

const struct snap_vdir *
snapshot_find_vdir(const struct snap_site *site, const char *path, size_t len)
{
    size_t i;

    for (i = 0; i < site->nvdirs; i++) {
        const struct snap_vdir *v = &site->vdirs[i];
        if (segment_prefix(v->url, v->url_len, path, len))
            return v;
    }
    return NULL;
}

const struct snap_binding *
snapshot_find_binding(const struct snap_endpoint *ep, const char *host, size_t len)
{
    const struct snap_binding *any = NULL;
    size_t i;

    for (i = 0; i < ep->nbindings; i++) {
        const struct snap_binding *b = ep->bindings[i];
        if (b->host[0] == '\0') {
            if (any == NULL)
                any = b;
        } else if (len > 0 && strlen(b->host) == len && strncasecmp(b->host, host, len) == 0) {
            return b;
        }
    }
    return any;
}

const struct snap_endpoint *
snapshot_find_endpoint(const struct snapshot *snap, const char *key)
{
    size_t i;

    for (i = 0; i < snap->nendpoints; i++)
        if (strcmp(snap->endpoints[i].key, key) == 0)
            return &snap->endpoints[i];
    return NULL;
}

/* ---- building ---- */

/* ---- sites ---- */

static int
cmp_loc(const void *a, const void *b)
{
    const struct snap_location *x = a, *y = b;
    if (x->path_len != y->path_len)
        return x->path_len > y->path_len ? -1 : 1;
    return 0;
}

static int
cmp_vdir(const void *a, const void *b)
{
    const struct snap_vdir *x = a, *y = b;
    if (x->url_len != y->url_len)
        return x->url_len > y->url_len ? -1 : 1;
    return 0;
}

/* "/app/" + "/dir" -> "/app/dir" without trailing '/'. */
static char *
join_url(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *s = malloc(la + lb + 2);

    if (s == NULL)
        return NULL;
    while (la > 0 && a[la - 1] == '/')
        la--;
    memcpy(s, a, la);
    if (lb > 0 && b[0] != '/')
        s[la++] = '/';
    memcpy(s + la, b, lb);
    la += lb;
    while (la > 0 && s[la - 1] == '/')
        la--;
    s[la] = '\0';
    return s;
}

/* Builds the oneToOneMappings index of a location. NULL on error (reported). */
static struct mapping_index *
build_index(struct build *bd, struct certmap_collection *coll)
{
    size_t n = certmap_collection_count(coll), i;
    struct mapping_index *idx;
    struct certmap_error e;
    int errors = 0;

    idx = mapping_index_new(n);
    if (idx == NULL) {
        snap_diag(bd->diags, CERTMAP_SEV_ERROR, NULL, 0, NULL, NULL, "out of memory");
        return NULL;
    }
    for (i = 0; i < n; i++) {
        struct certmap_element *item = certmap_collection_item(coll, i);
        const char *cert = snap_get_str(item, "certificate");
        unsigned char *der = NULL;
        size_t der_len = 0;
        char *pw = NULL;
        struct mapping m;
        const char *file;
        unsigned line;

        snap_source_of(item, NULL, &file, &line);
        certmap_error_clear(&e);
        if (certmap_cert_decode(cert, strlen(cert), &der, &der_len, &e) != 0) {
            if (e.file[0] == '\0' && file != NULL)
                certmap_error_set(&e, CERTMAP_ERR_INVALID, file, line, "add", "certificate",
                                  "the certificate does not decode: %s", e.message);
            snap_diag_err(bd->diags, CERTMAP_SEV_ERROR, &e);
            errors++;
            continue;
        }
        if (certmap_element_get_secret(item, "password", &pw, &e) != 0) {
            snap_diag_err(bd->diags, CERTMAP_SEV_ERROR, &e);
            free(der);
            errors++;
            continue;
        }
        memset(&m, 0, sizeof(m));
        m.der = der;
        m.der_len = der_len;
        certmap_cert_sha256(der, der_len, m.sha256);
        m.user = snap_get_str(item, "userName");
        m.password = pw;
        m.enabled = snap_get_bool(item, "enabled", true);
        m.file = file != NULL ? file : "";
        m.line = line;
        if (mapping_index_add(idx, &m, &e) != 0) {
            snap_diag_err(bd->diags, CERTMAP_SEV_ERROR, &e);
            errors++;
        }
        OPENSSL_cleanse(pw, strlen(pw));
        free(pw);
        free(der);
    }
    if (errors > 0) {
        mapping_index_free(idx);
        return NULL;
    }
    bd->snap->mapping_count += mapping_index_count(idx);
    return idx;
}

/* The effective section at location, or NULL with the error reported. */
static struct certmap_element *
section(struct build *bd, const char *path, const char *location)
{
    struct certmap_error e;
    struct certmap_element *s;

    certmap_error_clear(&e);
    s = certmap_config_get_section(bd->cfg, path, location, &e);
    if (s == NULL)
        snap_diag_err(bd->diags, CERTMAP_SEV_ERROR, &e);
    return s;
}

/* The nearest enclosing location already built (locs[0..n) sorted by ascending length). */
static const struct snap_location *
parent_of(const struct snap_location *locs, size_t n, const struct snap_location *l)
{
    size_t i;

    for (i = n; i-- > 0;)
        if (locs[i].path_len < l->path_len &&
            segment_prefix(locs[i].path, locs[i].path_len, l->path, l->path_len))
            return &locs[i];
    return NULL;
}

/* Fills the effective settings of l, at config location cfgloc. 0 or -1 (reported). */
static int
build_location(struct build *bd, struct snap_location *l, const char *cfgloc,
               const struct snap_location *parent)
{
    struct certmap_element *access, *anon, *basic, *cm;
    struct certmap_collection *coll;
    struct certmap_error e;
    size_t n, i;
    bool all_inherited = true;

    access = section(bd, CERTMAP_SECTION_ACCESS, cfgloc);
    anon = section(bd, CERTMAP_SECTION_ANONYMOUS, cfgloc);
    basic = section(bd, CERTMAP_SECTION_BASIC, cfgloc);
    cm = section(bd, CERTMAP_SECTION_CERTMAPPING, cfgloc);
    if (access == NULL || anon == NULL || basic == NULL || cm == NULL)
        return -1;
    if (certmap_element_get_flags(access, "sslFlags", &l->ssl_flags, &e) != 0) {
        snap_diag_err(bd->diags, CERTMAP_SEV_ERROR, &e);
        return -1;
    }
    l->anon_enabled = snap_get_bool(anon, "enabled", true);
    l->anon_user = snap_strdup(snap_get_str(anon, "userName"));
    l->basic_enabled = snap_get_bool(basic, "enabled", false);
    l->basic_realm = snap_strdup(snap_get_str(basic, "realm"));
    l->basic_domain = snap_strdup(snap_get_str(basic, "defaultLogonDomain"));
    l->cm_enabled = snap_get_bool(cm, "enabled", false);
    l->cm_one_to_one = snap_get_bool(cm, "oneToOneCertificateMappingsEnabled", true);
    l->cm_domain = snap_strdup(snap_get_str(cm, "defaultLogonDomain"));
    if (l->anon_user == NULL || l->basic_realm == NULL || l->basic_domain == NULL ||
        l->cm_domain == NULL)
        return -1;
    if (!l->cm_enabled || !l->cm_one_to_one)
        return 0;
    certmap_error_clear(&e);
    coll = certmap_element_collection(cm, "oneToOneMappings", &e);
    if (coll == NULL) {
        snap_diag_err(bd->diags, CERTMAP_SEV_ERROR, &e);
        return -1;
    }
    /* An unchanged inherited collection shares the parent's index (100 000 mappings once). */
    n = certmap_collection_count(coll);
    for (i = 0; i < n && all_inherited; i++)
        all_inherited = certmap_element_is_inherited(certmap_collection_item(coll, i));
    if (parent != NULL && parent->mappings != NULL && all_inherited &&
        n == mapping_index_count(parent->mappings)) {
        l->mappings = parent->mappings;
        return 0;
    }
    l->owned_mappings = build_index(bd, coll);
    l->mappings = l->owned_mappings;
    return l->owned_mappings != NULL ? 0 : -1;
}

/* The locations of site: its root and every <location path="Site/..."> of the document. */
static int
build_locations(struct build *bd, struct snap_site *site)
{
    size_t n = certmap_config_location_count(bd->cfg), i, nlen = strlen(site->name);
    struct snap_location *locs;
    char **cfglocs;
    size_t count = 0, j;
    int ret = 0;

    locs = calloc(n + 1, sizeof(*locs));
    cfglocs = calloc(n + 1, sizeof(*cfglocs));
    if (locs == NULL || cfglocs == NULL) {
        free(locs);
        free(cfglocs);
        return -1;
    }
    locs[0].path = strdup("");
    cfglocs[0] = strdup(site->name);
    count = 1;
    for (i = 0; i < n; i++) {
        const char *p = certmap_config_location_path(bd->cfg, i);
        size_t plen;
        if (p == NULL || strncasecmp(p, site->name, nlen) != 0 || p[nlen] != '/')
            continue;
        plen = strlen(p);
        while (plen > nlen && p[plen - 1] == '/')
            plen--;
        if (plen == nlen)
            continue; /* "Site/" is the root */
        locs[count].path = strndup(p + nlen, plen - nlen);
        cfglocs[count] = strdup(p);
        for (j = 1; j < count && locs[count].path != NULL; j++)
            if (strcasecmp(locs[j].path, locs[count].path) == 0)
                break;
        if (locs[count].path != NULL && j < count) {
            free(locs[count].path);
            free(cfglocs[count]);
            locs[count].path = NULL;
            cfglocs[count] = NULL;
            continue;
        }
        count++;
    }
    for (i = 0; i < count; i++)
        if (locs[i].path != NULL)
            locs[i].path_len = strlen(locs[i].path);
    /* Build shortest first so that a location can share its parent's index. */
    for (i = 0; i < count; i++)
        for (j = i + 1; j < count; j++)
            if (locs[j].path_len < locs[i].path_len) {
                struct snap_location t = locs[i];
                char *c = cfglocs[i];
                locs[i] = locs[j];
                locs[j] = t;
                cfglocs[i] = cfglocs[j];
                cfglocs[j] = c;
            }
    for (i = 0; i < count; i++) {
        if (locs[i].path == NULL || cfglocs[i] == NULL) {
            ret = -1;
            continue;
        }
        if (build_location(bd, &locs[i], cfglocs[i], parent_of(locs, i, &locs[i])) != 0)
            ret = -1;
        if (locs[i].ssl_flags & SSL_CERT_FLAGS)
            site->wants_cert = true;
    }
    for (i = 0; i < count; i++)
        free(cfglocs[i]);
    free(cfglocs);
    /* Longest first for lookups; the stable order of equal lengths does not matter (unique). */
    qsort(locs, count, sizeof(*locs), cmp_loc);
    site->locs = locs;
    site->nlocs = count;
    return ret;
}

static int
build_vdirs(struct build *bd, struct snap_site *site, struct certmap_element *se)
{
    struct certmap_collection *apps, *vds;
    struct certmap_error e;
    size_t na, nv, i, j, count = 0, cap = 0;
    struct snap_vdir *v = NULL;
    int ret = 0;

    certmap_error_clear(&e);
    apps = certmap_element_collection(se, NULL, &e);
    if (apps == NULL) {
        snap_diag_err(bd->diags, CERTMAP_SEV_ERROR, &e);
        return -1;
    }
    na = certmap_collection_count(apps);
    for (i = 0; i < na; i++) {
        struct certmap_element *app = certmap_collection_item(apps, i);
        const char *apath = snap_get_str(app, "path");
        vds = certmap_element_collection(app, NULL, &e);
        if (vds == NULL) {
            snap_diag_err(bd->diags, CERTMAP_SEV_ERROR, &e);
            ret = -1;
            continue;
        }
        nv = certmap_collection_count(vds);
        for (j = 0; j < nv; j++) {
            struct certmap_element *vd = certmap_collection_item(vds, j);
            const char *phys = snap_get_str(vd, "physicalPath");
            struct snap_vdir *d;
            const char *file;
            unsigned line;

            snap_source_of(vd, "physicalPath", &file, &line);
            if (count == cap) {
                size_t ncap = cap ? cap * 2 : 4;
                d = realloc(v, ncap * sizeof(*v));
                if (d == NULL) {
                    ret = -1;
                    goto out;
                }
                v = d;
                cap = ncap;
            }
            d = &v[count];
            memset(d, 0, sizeof(*d));
            d->root_fd = -1;
            d->url = join_url(apath, snap_get_str(vd, "path"));
            if (d->url == NULL) {
                ret = -1;
                goto out;
            }
            d->url_len = strlen(d->url);
            count++;
            if (snap_windows_path(phys)) {
                snap_diag(bd->diags, CERTMAP_SEV_WARNING, file, line, "virtualDirectory",
                          "physicalPath", "\"%s\" is a Windows path; requests under %s/ get 500",
                          phys, d->url);
                continue;
            }
            d->physical = certmap_config_expand_path(bd->cfg, phys, &e);
            if (d->physical == NULL) {
                snap_diag(bd->diags, CERTMAP_SEV_WARNING, file, line, "virtualDirectory",
                          "physicalPath", "%s; requests under %s/ get 500", e.message, d->url);
                continue;
            }
            if (bd->params->open_roots) {
                d->root_fd = static_open_root(d->physical, &e);
                if (d->root_fd < 0)
                    snap_diag(bd->diags, CERTMAP_SEV_WARNING, file, line, "virtualDirectory",
                              "physicalPath", "%s: %s; requests under %s/ get 500", d->physical,
                              e.message, d->url);
            }
        }
    }
out:
    if (count > 0)
        qsort(v, count, sizeof(*v), cmp_vdir);
    site->vdirs = v;
    site->nvdirs = count;
    return ret;
}

/* A logFile directory usable on Linux, expanded; NULL when none is set or usable. */
static char *
log_dir_of(struct build *bd, struct certmap_element *logfile)
{
    const char *dir;
    struct certmap_error e;

    if (logfile == NULL || !certmap_element_is_set(logfile, "directory"))
        return NULL;
    dir = snap_get_str(logfile, "directory");
    if (dir[0] == '\0' || snap_windows_path(dir))
        return NULL;
    return certmap_config_expand_path(bd->cfg, dir, &e);
}

static int
build_site(struct build *bd, struct snap_site *site, struct certmap_element *se,
           struct certmap_element *sites_section)
{
    struct certmap_element *lf, *defaults;
    struct certmap_error e;
    const char *file;
    unsigned line;
    int ret = 0;

    snap_source_of(se, NULL, &file, &line);
    site->name = snap_strdup(snap_get_str(se, "name"));
    site->id = (unsigned long)snap_get_uint(se, "id", 0);
    if (site->name == NULL)
        return -1;
    if (RAND_bytes(site->ticket_name, sizeof(site->ticket_name)) != 1 ||
        RAND_bytes(site->ticket_aes, sizeof(site->ticket_aes)) != 1 ||
        RAND_bytes(site->ticket_hmac, sizeof(site->ticket_hmac)) != 1) {
        snap_diag(bd->diags, CERTMAP_SEV_ERROR, file, line, "site", NULL, "no random bytes");
        return -1;
    }
    if (build_locations(bd, site) != 0)
        ret = -1;
    if (build_vdirs(bd, site, se) != 0)
        ret = -1;
    lf = certmap_element_child(se, "logFile", &e);
    site->log_dir = log_dir_of(bd, lf);
    if (site->log_dir == NULL) {
        defaults = certmap_element_child(sites_section, "siteDefaults", &e);
        lf = defaults != NULL ? certmap_element_child(defaults, "logFile", &e) : NULL;
        site->log_dir = log_dir_of(bd, lf);
    }
    if (site->log_dir == NULL)
        site->log_dir = snap_strdup(bd->snap->server.log_dir);
    if (site->log_dir == NULL)
        return -1;
    if (bd->params->logs != NULL) {
        certmap_error_clear(&e);
        site->log = w3clog_set_get(bd->params->logs, site->log_dir, (unsigned)site->id, &e);
        if (site->log == NULL) {
            snap_diag(bd->diags, CERTMAP_SEV_ERROR, file, line, "logFile", "directory",
                      "site \"%s\": cannot open its W3C log under %s: %s", site->name,
                      site->log_dir, e.message);
            ret = -1;
        }
    }
    return ret;
}

static void
build_settings(struct build *bd)
{
    struct snapshot *snap = bd->snap;
    struct certmap_element *lim = section(bd, CERTMAP_SECTION_LIMITS, NULL);
    struct certmap_element *srv = section(bd, CERTMAP_SECTION_SERVER, NULL);
    struct certmap_element *lg = section(bd, CERTMAP_SECTION_LOGON, NULL);
    struct snap_limits *l = &snap->limits;
    const char *v;
    char *p;

    l->max_connections = (unsigned long)snap_get_uint(lim, "maxConnections", 10000);
    l->header_timeout = clamp_u(snap_get_uint(lim, "headerTimeoutSeconds", 10));
    l->request_timeout = clamp_u(snap_get_uint(lim, "requestTimeoutSeconds", 60));
    l->idle_timeout = clamp_u(snap_get_uint(lim, "idleTimeoutSeconds", 120));
    l->max_request_line = (unsigned long)snap_get_uint(lim, "maxRequestLineBytes", 8192);
    l->max_header_bytes = (unsigned long)snap_get_uint(lim, "maxHeaderBytes", 16384);
    l->max_header_count = clamp_u(snap_get_uint(lim, "maxHeaderCount", 100));
    l->max_body = snap_get_uint(lim, "maxBodyBytes", 30000000);
    l->shutdown_grace = clamp_u(snap_get_uint(lim, "shutdownGraceSeconds", 30));
    if (l->header_timeout == 0)
        l->header_timeout = 1;
    if (l->request_timeout == 0)
        l->request_timeout = 1;
    if (l->idle_timeout == 0)
        l->idle_timeout = 1;

    snap->server.workers = clamp_u(snap_get_uint(srv, "workers", 0));
    snap->server.basic_without_ssl = snap_get_bool(srv, "allowBasicWithoutSsl", false);
    snap->server.ticket_seconds = clamp_u(snap_get_uint(srv, "sessionTicketSeconds", 7200));
    v = snap_get_str(srv, "logDirectory");
    snap->server.log_dir = certmap_config_expand_path(bd->cfg, v[0] ? v : "logs", NULL);
    if (snap->server.log_dir == NULL)
        snap_diag(bd->diags, CERTMAP_SEV_ERROR, snap->config_path, 0, "server", "logDirectory",
                  "cannot resolve \"%s\"", v);
    v = snap_get_str(srv, "errorLog");
    if (v[0] == '\0')
        v = "certmapd.log";
    if (v[0] == '/' || snap->server.log_dir == NULL) {
        snap->server.error_log = certmap_config_expand_path(bd->cfg, v, NULL);
    } else if (asprintf(&p, "%s/%s", snap->server.log_dir, v) >= 0) {
        snap->server.error_log = p;
    }

    v = snap_get_str(lg, "provider");
    snap->logon_settings.provider = strcasecmp(v, "pam") == 0 ? LOGON_PAM : LOGON_FILE;
    v = snap_get_str(lg, "accountsFile");
    snap->logon_settings.accounts_file =
        certmap_config_expand_path(bd->cfg, v[0] ? v : "accounts", NULL);
    v = snap_get_str(lg, "pamService");
    snap->logon_settings.pam_service = snap_strdup(v[0] ? v : "certmap");
    snap->logon_settings.cache_seconds = clamp_u(snap_get_uint(lg, "cacheSeconds", 300));
    snap->logon_settings.negative_cache_seconds =
        clamp_u(snap_get_uint(lg, "negativeCacheSeconds", 5));
    snap->logon_settings.threads = clamp_u(snap_get_uint(lg, "threads", 4));
}

struct snapshot *
snapshot_build(struct certmap_config *cfg, const struct snapshot_params *params,
               struct certmap_diags *diags, struct certmap_error *err)
{
    struct build bd;
    struct snapshot *snap;
    struct certmap_element *sites_section;
    struct certmap_collection *sites;
    struct certmap_error e;
    size_t nitems, i, *site_of_item = NULL;
    size_t errors_before = diags != NULL ? diags->errors : 0;
    int ret = 0;

    snap = calloc(1, sizeof(*snap));
    if (snap == NULL) {
        certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL, "out of memory");
        return NULL;
    }
    atomic_init(&snap->refs, 1);
    snap->generation = params->generation;
    snap->logs = params->logs;
    snap->config_path = snap_strdup(certmap_config_path(cfg));
    memset(&bd, 0, sizeof(bd));
    bd.cfg = cfg;
    bd.params = params;
    bd.diags = diags;
    bd.snap = snap;
    if (tls_init() != 0)
        ret = -1;
    build_settings(&bd);

    sites_section = section(&bd, CERTMAP_SECTION_SITES, NULL);
    sites = sites_section != NULL ? certmap_element_collection(sites_section, NULL, &e) : NULL;
    if (sites == NULL) {
        if (sites_section != NULL)
            snap_diag_err(diags, CERTMAP_SEV_ERROR, &e);
        ret = -1;
        goto out;
    }
    nitems = certmap_collection_count(sites);
    snap->sites = calloc(nitems ? nitems : 1, sizeof(*snap->sites));
    site_of_item = calloc(nitems ? nitems : 1, sizeof(*site_of_item));
    if (snap->sites == NULL || site_of_item == NULL) {
        ret = -1;
        goto out;
    }
    for (i = 0; i < nitems; i++) {
        struct certmap_element *se = certmap_collection_item(sites, i);
        site_of_item[i] = snap->nsites;
        if (build_site(&bd, &snap->sites[snap->nsites++], se, sites_section) != 0)
            ret = -1;
    }
    if (ret == 0 && snap_build_bindings(&bd, sites, site_of_item) != 0)
        ret = -1;
    if (ret == 0 && snap->nendpoints == 0)
        snap_diag(diags, CERTMAP_SEV_WARNING, snap->config_path, 0, "sites", NULL,
                  "no site has an http or https binding: nothing to serve");
out:
    free(site_of_item);
    if (diags != NULL && diags->errors > errors_before)
        ret = -1;
    if (ret != 0) {
        if (diags != NULL) {
            for (i = 0; i < diags->count; i++)
                if (diags->items[i].severity == CERTMAP_SEV_ERROR) {
                    if (err != NULL)
                        *err = diags->items[i].err;
                    break;
                }
        }
        if (err != NULL && err->kind == CERTMAP_ERR_NONE)
            certmap_error_set(err, CERTMAP_ERR_INVALID, snap->config_path, 0, NULL, NULL,
                              "the configuration cannot be served");
        snapshot_unref(snap);
        return NULL;
    }
    return snap;
}

void
snapshot_set_logon(struct snapshot *snap, struct logonsvc *svc)
{
    logonsvc_unref(snap->logon_svc);
    snap->logon_svc = svc;
    snap->logon = svc != NULL ? logonsvc_logon(svc) : NULL;
}

struct snapshot *
snapshot_ref(struct snapshot *snap)
{
    atomic_fetch_add_explicit(&snap->refs, 1, memory_order_relaxed);
    return snap;
}

static void
free_site(struct snapshot *snap, struct snap_site *s)
{
    size_t i;

    for (i = 0; i < s->nlocs; i++) {
        struct snap_location *l = &s->locs[i];
        free(l->path);
        free(l->anon_user);
        free(l->basic_realm);
        free(l->basic_domain);
        free(l->cm_domain);
        mapping_index_free(l->owned_mappings);
    }
    free(s->locs);
    for (i = 0; i < s->nvdirs; i++) {
        free(s->vdirs[i].url);
        free(s->vdirs[i].physical);
        if (s->vdirs[i].root_fd >= 0)
            close(s->vdirs[i].root_fd);
    }
    free(s->vdirs);
    if (s->log != NULL && snap->logs != NULL)
        w3clog_set_put(snap->logs, s->log);
    free(s->log_dir);
    free(s->name);
    OPENSSL_cleanse(s->ticket_aes, sizeof(s->ticket_aes));
    OPENSSL_cleanse(s->ticket_hmac, sizeof(s->ticket_hmac));
}

void
snapshot_unref(struct snapshot *snap)
{
    size_t i;

    if (snap == NULL)
        return;
    if (atomic_fetch_sub_explicit(&snap->refs, 1, memory_order_acq_rel) != 1)
        return;
    for (i = 0; i < snap->nbindings; i++) {
        SSL_CTX_free(snap->bindings[i].ssl_ctx);
        free(snap->bindings[i].host);
        free(snap->bindings[i].file);
    }
    free(snap->bindings);
    for (i = 0; i < snap->nendpoints; i++)
        free(snap->endpoints[i].bindings);
    free(snap->endpoints);
    for (i = 0; i < snap->nsites; i++)
        free_site(snap, &snap->sites[i]);
    free(snap->sites);
    free(snap->server.error_log);
    free(snap->server.log_dir);
    free(snap->logon_settings.accounts_file);
    free(snap->logon_settings.pam_service);
    logonsvc_unref(snap->logon_svc);
    free(snap->config_path);
    free(snap);
}
