/*
 * snapshot_build.c - builds the immutable runtime view of a configuration:
 * the view, the server settings and the sites here, the bindings, endpoints
 * and TLS contexts in snapshot_bind.c.
 */
#include "snapshot_build.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/rand.h>

#include "decide.h"
#include "snapshot_bind.h"
#include "static_open.h"
#include "tls.h"
#include "w3clog.h"

/* State of one snapshot_build() call. */
struct build {
    struct certmap_config *cfg;
    const struct snapshot_params *params;
    struct certmap_diags *diags;
    struct snapshot *snap;
};

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

/*
 * The shared session-ticket keys of <server ticketKeyFile>, when set, into
 * keys (keys->n stays 0 otherwise).  A file that cannot be used is an
 * error: certmapd does not start, and a reload keeps the running snapshot -
 * never per-process keys in its place, which would silently end resumption
 * across instances.
 */
static int
load_ticket_keys(struct build *bd, struct ticketkeys *keys)
{
    const struct certmap_server_settings *sv = certmap_view_server(bd->snap->view);
    struct certmap_error e = {0};

    memset(keys, 0, sizeof(*keys));
    if (sv->ticket_key_file == NULL)
        return 0;
    if (ticketkeys_load(sv->ticket_key_file, keys, &e) == 0)
        return 0;
    snap_diag(bd->diags, CERTMAP_SEV_ERROR, e.file, e.line, "server", "ticketKeyFile",
              "%s (ticketKeyFile at %s:%u)", e.message,
              sv->ticket_key_src.file ? sv->ticket_key_src.file : bd->snap->config_path,
              sv->ticket_key_src.line);
    return -1;
}

static int
build_site(struct build *bd, struct snap_site *site, const struct certmap_site *vs,
           const struct ticketkeys *shared)
{
    struct certmap_error e;
    int ret = 0;

    site->vs = vs;
    site->name = vs->name;
    site->id = vs->id;
    site->log_dir = vs->log_dir;
    site->wants_cert = vs->wants_cert;
    if (shared->n > 0)
        ret = tickets_site_derive(&site->tickets, shared, site->id, site->name);
    else if (bd->params->process_keys != NULL)
        ret = tickets_site_from_process(&site->tickets, bd->params->process_keys, site->id,
                                        site->name);
    else
        ret = tickets_site_random(&site->tickets);
    if (ret != 0) {
        snap_diag(bd->diags, CERTMAP_SEV_ERROR, vs->src.file, vs->src.line, "site", NULL,
                  "cannot make the site's session-ticket keys");
        return -1;
    }
    if (build_vdirs(bd, site) != 0)
        ret = -1;
    if (bd->params->logs != NULL && site->log_dir != NULL) {
        certmap_error_clear(&e);
        site->log =
            w3clog_set_get(bd->params->logs, site->log_dir, (unsigned)site->id, vs->log_fields, &e);
        if (site->log == NULL) {
            snap_diag(bd->diags, CERTMAP_SEV_ERROR, vs->src.file, vs->src.line, "logFile",
                      "directory", "site \"%s\": cannot open its W3C log under %s: %s", site->name,
                      site->log_dir, e.message);
            ret = -1;
        }
    }
    return ret;
}

struct snapshot *
snapshot_build(struct certmap_config *cfg, const struct snapshot_params *params,
               struct certmap_diags *diags, struct certmap_error *err)
{
    /* compact: certmapd never shows a mapped certificate's DER, and 100 000 of them are 33 MB */
    struct certmap_view_options vo = {.web_config = params->open_roots, .compact_mappings = true};
    struct build bd;
    struct ticketkeys shared = {0};
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
    clock_gettime(CLOCK_REALTIME, &snap->build_started);
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
    snap->sv = certmap_view_server(snap->view);
    decide_logon_settings(snap->sv, &snap->logon_settings);
    if (load_ticket_keys(&bd, &shared) != 0) {
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
        if (build_site(&bd, &snap->sites[snap->nsites++], vs, &shared) != 0)
            ret = -1;
        snap->mapping_count += vs->mapping_count;
    }
    if (ret == 0 && snap_build_bindings(snap, params->tls, diags) != 0)
        ret = -1;
    if (ret == 0 && snap->nendpoints == 0)
        snap_diag(diags, CERTMAP_SEV_WARNING, snap->config_path, 0, "sites", NULL,
                  "no site has an http or https binding: nothing to serve");
out:
    ticketkeys_clear(&shared);
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
