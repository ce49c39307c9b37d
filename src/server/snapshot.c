/*
 * snapshot.c - the immutable runtime view of a configuration: its lookups,
 * its references and its release (building it is snapshot_build.c's job).
 */
#include "snapshot.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "logonsvc.h"
#include "dirsvc.h"
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

void
snapshot_set_logon(struct snapshot *snap, struct logonsvc *svc)
{
    logonsvc_unref(snap->logon_svc);
    snap->logon_svc = svc;
    snap->logon = svc != NULL ? logonsvc_logon(svc) : NULL;
}

void
snapshot_set_directory(struct snapshot *snap, struct dirsvc *svc)
{
    dirsvc_unref(snap->dir);
    snap->dir = svc;
}

int
snapshot_directory_for(const struct snapshot *snap, const struct snapshot *cur,
                       dirsvc_retire_fn retire, void *arg, struct dirsvc **out,
                       struct certmap_error *err)
{
    const struct certmap_directory_settings *want = certmap_view_server(snap->view)->directory;

    *out = NULL;
    if (want == NULL)
        return 0;
    if (cur != NULL && cur->dir != NULL && dirsvc_same(want, dirsvc_settings(cur->dir))) {
        *out = dirsvc_ref(cur->dir);
        return 0;
    }
    *out = dirsvc_new(want, retire, arg, err);
    return *out != NULL ? 0 : -1;
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
    tickets_site_clear(&s->tickets);
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
        free(snap->bindings[i].crl_note);
    }
    free(snap->bindings);
    for (i = 0; i < snap->nendpoints; i++)
        free(snap->endpoints[i].bindings);
    free(snap->endpoints);
    for (i = 0; i < snap->nsites; i++)
        free_site(snap, &snap->sites[i]);
    free(snap->sites);
    logonsvc_unref(snap->logon_svc);
    dirsvc_unref(snap->dir);
    free(snap->config_path);
    certmap_view_unref(snap->view);
    free(snap);
}
