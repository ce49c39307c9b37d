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
#include "static_open.h"
#include "tls.h"
#include "w3clog.h"

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

char *
snap_strdup(const char *s)
{
    return strdup(s != NULL ? s : "");
}

/* ---- lookups (also used by the pipeline) ---- */

const struct certmap_scope *
snapshot_find_scope(const struct snap_site *site, const char *path, size_t len)
{
    return certmap_view_match(site->vs, path, len);
}

const struct snap_vdir *
snapshot_scope_vdir(const struct snap_site *site, const struct certmap_scope *scope)
{
    if (scope->vdir == NULL)
        return NULL;
    return &site->vdirs[scope->vdir - site->vs->vdirs];
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

/* Opens the roots of the site's virtual directories. */
static int
build_vdirs(struct build *bd, struct snap_site *site)
{
    const struct certmap_site *vs = site->vs;
    struct certmap_error e;

    site->vdirs = calloc(vs->nvdirs ? vs->nvdirs : 1, sizeof(*site->vdirs));
    if (site->vdirs == NULL)
        return -1;
    site->nvdirs = vs->nvdirs;
    for (size_t i = 0; i < vs->nvdirs; i++) {
        const struct certmap_vdir *v = &vs->vdirs[i];
        struct snap_vdir *d = &site->vdirs[i];

        d->v = v;
        d->root_fd = -1;
        if (v->physical == NULL || !bd->params->open_roots)
            continue;
        certmap_error_clear(&e);
        d->root_fd = static_open_root(v->physical, &e);
        if (d->root_fd < 0)
            snap_diag(bd->diags, CERTMAP_SEV_WARNING, v->src.file, v->src.line, "virtualDirectory",
                      "physicalPath", "%s: %s; requests under %s/ get 500", v->physical, e.message,
                      v->url);
    }
    return 0;
}

static int
build_site(struct build *bd, struct snap_site *site, const struct certmap_site *vs)
{
    struct certmap_error e;
    int ret = 0;

    site->vs = vs;
    site->name = vs->name;
    site->id = vs->id;
    site->log_dir = vs->log_dir;
    site->wants_cert = vs->wants_cert;
    if (RAND_bytes(site->ticket_name, sizeof(site->ticket_name)) != 1 ||
        RAND_bytes(site->ticket_aes, sizeof(site->ticket_aes)) != 1 ||
        RAND_bytes(site->ticket_hmac, sizeof(site->ticket_hmac)) != 1) {
        snap_diag(bd->diags, CERTMAP_SEV_ERROR, vs->src.file, vs->src.line, "site", NULL,
                  "no random bytes");
        return -1;
    }
    if (build_vdirs(bd, site) != 0)
        ret = -1;
    if (bd->params->logs != NULL && site->log_dir != NULL) {
        certmap_error_clear(&e);
        site->log = w3clog_set_get(bd->params->logs, site->log_dir, (unsigned)site->id, &e);
        if (site->log == NULL) {
            snap_diag(bd->diags, CERTMAP_SEV_ERROR, vs->src.file, vs->src.line, "logFile",
                      "directory", "site \"%s\": cannot open its W3C log under %s: %s", site->name,
                      site->log_dir, e.message);
            ret = -1;
        }
    }
    return ret;
}

/* Copies the view's server-level settings into the snapshot's runtime form. */
static int
build_settings(struct build *bd)
{
    struct snapshot *snap = bd->snap;
    const struct certmap_server_settings *sv = certmap_view_server(snap->view);
    struct snap_limits *l = &snap->limits;

    l->max_connections = sv->max_connections;
    l->header_timeout = sv->header_timeout;
    l->request_timeout = sv->request_timeout;
    l->idle_timeout = sv->idle_timeout;
    l->max_request_line = sv->max_request_line;
    l->max_header_bytes = sv->max_header_bytes;
    l->max_header_count = sv->max_header_count;
    l->max_body = sv->max_body;
    l->shutdown_grace = sv->shutdown_grace;
    snap->server.workers = sv->workers;
    snap->server.basic_without_ssl = sv->basic_without_ssl;
    snap->server.ticket_seconds = sv->ticket_seconds;
    snap->server.log_dir = snap_strdup(sv->log_dir);
    snap->server.error_log = snap_strdup(sv->error_log);
    snap->logon_settings.provider =
        strcasecmp(sv->logon_provider, "pam") == 0 ? LOGON_PAM : LOGON_FILE;
    snap->logon_settings.accounts_file = snap_strdup(sv->accounts_file);
    snap->logon_settings.pam_service = snap_strdup(sv->pam_service);
    snap->logon_settings.cache_seconds = sv->logon_cache_seconds;
    snap->logon_settings.negative_cache_seconds = sv->logon_negative_cache_seconds;
    snap->logon_settings.threads = sv->logon_threads;
    if (snap->server.log_dir == NULL || snap->server.error_log == NULL ||
        snap->logon_settings.accounts_file == NULL || snap->logon_settings.pam_service == NULL)
        return -1;
    return 0;
}

struct snapshot *
snapshot_build(struct certmap_config *cfg, const struct snapshot_params *params,
               struct certmap_diags *diags, struct certmap_error *err)
{
    struct certmap_view_options vo = {.web_config = params->open_roots};
    struct build bd;
    struct snapshot *snap;
    size_t nitems, i, errors_before = diags != NULL ? diags->errors : 0;
    int ret = 0;

    if (err != NULL)
        certmap_error_clear(err);
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
    snap->view = certmap_view_build(cfg, &vo, diags, err);
    if (snap->view == NULL) {
        ret = -1;
        goto out;
    }
    if (build_settings(&bd) != 0) {
        ret = -1;
        goto out;
    }
    nitems = certmap_view_site_count(snap->view);
    snap->sites = calloc(nitems ? nitems : 1, sizeof(*snap->sites));
    if (snap->sites == NULL) {
        ret = -1;
        goto out;
    }
    for (i = 0; i < nitems; i++) {
        const struct certmap_site *vs = certmap_view_site(snap->view, i);
        if (build_site(&bd, &snap->sites[snap->nsites++], vs) != 0)
            ret = -1;
        snap->mapping_count += vs->mapping_count;
    }
    if (ret == 0 && snap_build_bindings(&bd) != 0)
        ret = -1;
    if (ret == 0 && snap->nendpoints == 0)
        snap_diag(diags, CERTMAP_SEV_WARNING, snap->config_path, 0, "sites", NULL,
                  "no site has an http or https binding: nothing to serve");
out:
    if (diags != NULL && diags->errors > errors_before && snap->view == NULL)
        ret = -1;
    if (ret != 0) {
        if (diags != NULL && err != NULL && err->kind == CERTMAP_ERR_NONE) {
            for (i = 0; i < diags->count; i++)
                if (diags->items[i].severity == CERTMAP_SEV_ERROR) {
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
    for (size_t i = 0; i < s->nvdirs; i++)
        if (s->vdirs[i].root_fd >= 0)
            close(s->vdirs[i].root_fd);
    free(s->vdirs);
    if (s->log != NULL && snap->logs != NULL)
        w3clog_set_put(snap->logs, s->log);
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
    certmap_view_unref(snap->view);
    free(snap);
}
