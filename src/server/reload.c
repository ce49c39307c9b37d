/*
 * reload.c - loading the configuration into a snapshot and installing it
 * while the server runs: the reload thread, the listeners of new endpoints,
 * the logon service carried over or replaced, and the inotify watches that
 * trigger a reload.  The state it needs comes in a struct reload_ctx owned by
 * main.c (reload.h).
 */
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <sys/stat.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>

#include "errlog.h"
#include "fileacct.h"
#include "logon.h"
#include "notify.h"
#include "reload.h"
#include "snapshot_build.h"
#include "tickets.h"
#include "tls.h"

/* A reload running on its own thread. */
struct reload_job {
    pthread_t thread;
    char *config_path;
    unsigned long generation;
    struct w3clog_set *logs;
    struct ticketkeys ticket_keys; /* the server's, rotated when due: the build's, and the
                                      server's once the snapshot is installed (secret) */
    struct snapshot *snap;         /* result, NULL on failure */
    struct certmap_diags diags;
    int done_fd; /* eventfd of the main loop */
};

/*
 * glibc's malloc_trim(), as worker.c's heap_trim() (whose comment says why
 * not under AddressSanitizer).
 */
#if defined(__SANITIZE_ADDRESS__)
#define RELOAD_HEAP_IS_GLIBC 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RELOAD_HEAP_IS_GLIBC 0
#endif
#endif
#ifndef RELOAD_HEAP_IS_GLIBC
#define RELOAD_HEAP_IS_GLIBC 1
#endif

/* How long a reload waits for each worker to switch to the new snapshot. */
#define ADOPT_WAIT_MS 5000

struct snapshot *
reload_load_snapshot(const char *path, unsigned long generation, struct w3clog_set *logs,
                     const struct ticketkeys *process_keys, struct certmap_diags *diags,
                     struct certmap_error *err)
{
    struct certmap_open_options oo;
    struct snapshot_params sp;
    struct certmap_config *cfg;
    struct snapshot *snap;

    memset(&oo, 0, sizeof(oo));
    /*
     * The snapshot's view decrypts every password it uses (the mappings') and
     * reports one it cannot, as web.config's reading does: decrypting each
     * while validating too cost 10 % of the start-up CPU with 100 000
     * mappings.  A plain-text password is still warned about.
     */
    oo.skip_secrets = true;
    /*
     * Nothing writes this config and the snapshot's index is compact: its
     * mappings' certificates are decoded once, by validation, and the 60 MB
     * text of 100 000 of them shrinks to a sixth before the index is built.
     */
    oo.serve_only = true;
    cfg = certmap_config_open(path, &oo, diags, err);
    if (cfg == NULL)
        return NULL;
    memset(&sp, 0, sizeof(sp));
    sp.generation = generation;
    sp.logs = logs;
    sp.open_roots = true;
    sp.tls = true;
    sp.process_keys = process_keys;
    snap = snapshot_build(cfg, &sp, diags, err);
    certmap_config_close(cfg);
#if RELOAD_HEAP_IS_GLIBC
    /*
     * The file's text and tree are free now (90 MB with 100 000 mappings):
     * their pages go back at once, not at a worker's next quiet spell, which
     * under steady load may never come.
     */
    malloc_trim(0);
#endif
    return snap;
}

void
reload_report_diags(const struct certmap_diags *diags, bool to_stderr, const char *what)
{
    char line[2048];
    size_t i;

    for (i = 0; i < diags->count; i++) {
        const struct certmap_diag *d = &diags->items[i];
        if (d->severity == CERTMAP_SEV_NOTE)
            continue;
        certmap_error_format(&d->err, line, sizeof(line));
        if (to_stderr && d->severity == CERTMAP_SEV_ERROR)
            fprintf(stderr, "certmapd: %s\n", line);
        else
            errlog_printf(d->severity == CERTMAP_SEV_ERROR ? ERRLOG_ERROR : ERRLOG_WARN, "%s%s",
                          what, line);
    }
}

struct logonsvc *
reload_logon_new(const struct reload_ctx *ctx, const struct snapshot *snap,
                 struct certmap_error *err)
{
    return logonsvc_new(&snap->logon_settings, ctx->retire, NULL, err);
}

static bool
same_str(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static bool
same_logon(const struct logon_settings *a, const struct logon_settings *b)
{
    return a->provider == b->provider && same_str(a->accounts_file, b->accounts_file) &&
           same_str(a->pam_service, b->pam_service) && a->cache_seconds == b->cache_seconds &&
           a->negative_cache_seconds == b->negative_cache_seconds && a->threads == b->threads &&
           a->nss_credentials == b->nss_credentials;
}

static bool
listening_on(const struct reload_ctx *ctx, const char *key)
{
    size_t i;

    for (i = 0; i < ctx->nlisten_keys; i++)
        if (strcmp(ctx->listen_keys[i], key) == 0)
            return true;
    return false;
}

void
reload_ctx_clear(struct reload_ctx *ctx)
{
    size_t i;

    for (i = 0; i < ctx->nlisten_keys; i++)
        free(ctx->listen_keys[i]);
    free(ctx->listen_keys);
    ctx->listen_keys = NULL;
    ctx->nlisten_keys = 0;
}

void
reload_listeners_set(struct reload_ctx *ctx, const struct snapshot *snap)
{
    size_t i;

    reload_ctx_clear(ctx);
    ctx->listen_keys = calloc(snap->nendpoints ? snap->nendpoints : 1, sizeof(*ctx->listen_keys));
    if (ctx->listen_keys == NULL)
        return;
    for (i = 0; i < snap->nendpoints; i++) {
        ctx->listen_keys[ctx->nlisten_keys] = strdup(snap->endpoints[i].key);
        if (ctx->listen_keys[ctx->nlisten_keys] != NULL)
            ctx->nlisten_keys++;
    }
}

/* A wildcard IPv6 socket on a host without IPv6 is not an error: IPv4 still serves. */
static bool
ipv6_unavailable(const struct snap_endpoint *ep, int e)
{
    return ep->addr.ss_family == AF_INET6 && (e == EAFNOSUPPORT || e == EADDRNOTAVAIL) &&
           strcmp(ep->ip, "::") == 0;
}

int
reload_listeners_open(const struct reload_ctx *ctx, const struct snapshot *snap, int **fds_out,
                      struct certmap_error *err)
{
    unsigned nw = ctx->srv->nworkers, k;
    size_t i;
    int *fds;

    fds = malloc((snap->nendpoints ? snap->nendpoints : 1) * nw * sizeof(*fds));
    if (fds == NULL) {
        certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL, "out of memory");
        return -1;
    }
    for (i = 0; i < snap->nendpoints * nw; i++)
        fds[i] = -1;
    for (i = 0; i < snap->nendpoints; i++) {
        const struct snap_endpoint *ep = &snap->endpoints[i];
        if (listening_on(ctx, ep->key))
            continue;
        if (worker_listen_probe(ep, err) != 0) {
            if (ipv6_unavailable(ep, errno)) {
                errlog_printf(ERRLOG_WARN, "IPv6 unavailable, not listening on %s", ep->key);
                continue;
            }
            goto fail;
        }
        for (k = 0; k < nw; k++) {
            fds[i * nw + k] = worker_listen(ep, err);
            if (fds[i * nw + k] < 0) {
                if (ipv6_unavailable(ep, errno)) {
                    errlog_printf(ERRLOG_WARN, "IPv6 unavailable, not listening on %s", ep->key);
                    break;
                }
                goto fail;
            }
        }
    }
    *fds_out = fds;
    return 0;
fail:
    for (i = 0; i < snap->nendpoints * nw; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    free(fds);
    return -1;
}

/* Closes the listeners reload_listeners_open() opened for snap (a reload that fails after it). */
static void
close_new_listeners(const struct reload_ctx *ctx, const struct snapshot *snap, const int *fds)
{
    size_t i;

    for (i = 0; i < snap->nendpoints * ctx->srv->nworkers; i++)
        if (fds[i] >= 0)
            close(fds[i]);
}

static void *
reload_main(void *arg)
{
    struct reload_job *job = arg;
    struct certmap_error err;
    uint64_t one = 1;

    certmap_error_clear(&err);
    job->snap = reload_load_snapshot(job->config_path, job->generation, job->logs,
                                     &job->ticket_keys, &job->diags, &err);
    if (job->snap == NULL && job->diags.errors == 0)
        certmap_diags_add(&job->diags, CERTMAP_SEV_ERROR, &err);
    ERR_clear_error();
    while (write(job->done_fd, &one, sizeof(one)) < 0 && errno == EINTR)
        ;
    return NULL;
}

/*
 * The server's ticket keys outlive snapshots, so they rotate here rather
 * than with every snapshot: once the current key is as old as a ticket may
 * live (the running configuration's sessionTicketSeconds).  The job builds
 * with the rotated copy, which becomes the server's only when its snapshot
 * is installed: a reload that fails leaves the keys of the running
 * snapshot in place.  If the RNG fails the current keys stay, which keeps
 * every session as it was.
 */
static void
rotate_ticket_keys(const struct reload_ctx *ctx, struct reload_job *job)
{
    const struct snapshot *cur = ctx->srv != NULL ? ctx->srv->current : NULL;
    unsigned lifetime = cur != NULL && cur->sv->ticket_seconds > 0 ? cur->sv->ticket_seconds
                                                                   : TLS_TICKET_SECONDS_DEFAULT;

    job->ticket_keys = ctx->ticket_keys;
    if (tickets_process_rotate(&job->ticket_keys, time(NULL), lifetime) < 0)
        errlog_printf(ERRLOG_WARN, "reload: cannot make a new session-ticket key (RNG); the "
                                   "current one stays in use");
}

struct reload_job *
reload_start(struct reload_ctx *ctx, int done_fd)
{
    struct reload_job *job = calloc(1, sizeof(*job));

    if (job == NULL)
        return NULL;
    job->config_path = strdup(ctx->config_path);
    job->generation = ++ctx->generation;
    job->logs = ctx->logs;
    rotate_ticket_keys(ctx, job);
    job->done_fd = done_fd;
    if (job->config_path == NULL || pthread_create(&job->thread, NULL, reload_main, job) != 0) {
        OPENSSL_cleanse(&job->ticket_keys, sizeof(job->ticket_keys));
        free(job->config_path);
        free(job);
        errlog_printf(ERRLOG_ERROR, "reload: cannot start the reload thread");
        return NULL;
    }
    return job;
}

void
reload_abandon(struct reload_job *job)
{
    pthread_join(job->thread, NULL);
    snapshot_unref(job->snap);
    OPENSSL_cleanse(&job->ticket_keys, sizeof(job->ticket_keys));
    certmap_diags_free(&job->diags);
    free(job->config_path);
    free(job);
}

void
reload_finish(struct reload_ctx *ctx, struct reload_job *job)
{
    struct certmap_error err;
    struct snapshot *snap = job->snap, *old;
    const struct snapshot *cur;
    bool installed = false, files_as_user = false;
    struct logonsvc *svc;
    const struct snap_endpoint **eps = NULL;
    int *fds = NULL, *wfds = NULL;
    unsigned k;
    size_t i, n;

    pthread_join(job->thread, NULL);
    if (snap == NULL) {
        reload_report_diags(&job->diags, false, "reload: ");
        errlog_printf(ERRLOG_ERROR, "reload failed: the running configuration stays in use");
        goto out;
    }
    reload_report_diags(&job->diags, false, "reload: ");
    certmap_error_clear(&err);
    if (reload_listeners_open(ctx, snap, &fds, &err) != 0) {
        errlog_printf(ERRLOG_ERROR, "reload failed: %s; the running configuration stays in use",
                      err.message);
        snapshot_unref(snap);
        goto out;
    }
    /* Room for every new endpoint of one worker: any number of them is handed over. */
    wfds = malloc((snap->nendpoints ? snap->nendpoints : 1) * sizeof(*wfds));
    eps = malloc((snap->nendpoints ? snap->nendpoints : 1) * sizeof(*eps));
    if (wfds == NULL || eps == NULL) {
        errlog_printf(ERRLOG_ERROR, "reload failed: out of memory");
        close_new_listeners(ctx, snap, fds);
        snapshot_unref(snap);
        goto out;
    }
    if (same_logon(&snap->logon_settings, &ctx->srv->current->logon_settings)) {
        /* Passwords or accounts may have changed: no stale decision survives a reload. */
        logon_cache_clear(ctx->srv->current->logon);
        svc = logonsvc_ref(ctx->srv->current->logon_svc);
    } else {
        /* The old service goes away with the last snapshot that uses it. */
        svc = reload_logon_new(ctx, snap, &err);
        if (svc == NULL) {
            errlog_printf(ERRLOG_ERROR, "reload failed: logon: %s", err.message);
            close_new_listeners(ctx, snap, fds);
            snapshot_unref(snap);
            goto out;
        }
    }
    snapshot_set_logon(snap, svc);
    {
        struct dirsvc *dsvc = NULL;
        if (snapshot_directory_for(snap, ctx->srv->current, ctx->dir_retire, NULL, &dsvc, &err) !=
            0) {
            errlog_printf(ERRLOG_ERROR, "reload failed: directory: %s", err.message);
            close_new_listeners(ctx, snap, fds);
            snapshot_unref(snap);
            goto out;
        }
        snapshot_set_directory(snap, dsvc);
    }
    pthread_mutex_lock(&ctx->srv->lock);
    old = ctx->srv->current;
    ctx->srv->current = snap;
    pthread_mutex_unlock(&ctx->srv->lock);
    installed = true;
    ctx->ticket_keys = job->ticket_keys;
    files_as_user = old->sv->read_files_as_user;
    for (k = 0; k < ctx->srv->nworkers; k++) {
        n = 0;
        for (i = 0; i < snap->nendpoints; i++) {
            if (fds[i * ctx->srv->nworkers + k] >= 0) {
                wfds[n] = fds[i * ctx->srv->nworkers + k];
                eps[n] = &snap->endpoints[i];
                n++;
            }
        }
        worker_post_snapshot(&ctx->srv->workers[k], snapshot_ref(snap), wfds, eps, n);
    }
    reload_listeners_set(ctx, snap);
    errlog_set_level((enum errlog_level)snap->sv->log_level);
    snapshot_unref(old);
    /*
     * "Reloaded" means every connection accepted from now on gets the new
     * snapshot: a worker busy with a batch of events takes its mailbox only
     * after the batch.  A worker's batch takes milliseconds; the bound only
     * keeps a stuck worker from stopping reloads.
     */
    for (k = 0; k < ctx->srv->nworkers; k++)
        if (!worker_wait_adopted(&ctx->srv->workers[k], snap->generation, ADOPT_WAIT_MS))
            errlog_printf(ERRLOG_WARN,
                          "reload: worker %u has not switched to generation %lu after %d ms",
                          ctx->srv->workers[k].id, snap->generation, ADOPT_WAIT_MS);
    errlog_printf(ERRLOG_NOTICE,
                  "configuration reloaded (generation %lu, %zu site(s), %zu mapping(s))",
                  snap->generation, snap->nsites, snap->mapping_count);
    if (files_as_user != snap->sv->read_files_as_user)
        fileacct_notice(snap->sv->read_files_as_user, ctx->srv->can_switch_fsid);
out:
    cur = ctx->srv->current;
    notify_status("%sserving generation %lu: %zu site(s), %zu endpoint(s), %zu mapping(s)",
                  installed ? "" : "reload failed (see the error log); ", cur->generation,
                  cur->nsites, cur->nendpoints, cur->mapping_count);
    free(fds);
    free(wfds);
    free(eps);
    OPENSSL_cleanse(&job->ticket_keys, sizeof(job->ticket_keys));
    certmap_diags_free(&job->diags);
    free(job->config_path);
    free(job);
}

int
reload_watch_config(const char *config_path, const char **base)
{
    char dir[PATH_MAX];
    char *slash;
    int fd;

    snprintf(dir, sizeof(dir), "%s", config_path);
    slash = strrchr(dir, '/');
    if (slash == NULL)
        return -1;
    *base = config_path + (slash - dir) + 1;
    *slash = '\0';
    fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd < 0)
        return -1;
    if (inotify_add_watch(fd, dir[0] ? dir : "/", IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

bool
reload_config_changed(int fd, const char *base)
{
    char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
    bool hit = false;
    ssize_t n;
    char *p;

    while ((n = read(fd, buf, sizeof(buf))) > 0) {
        for (p = buf; p < buf + n;) {
            struct inotify_event *ev = (struct inotify_event *)p;
            if (ev->len > 0 && strcmp(ev->name, base) == 0)
                hit = true;
            p += sizeof(*ev) + ev->len;
        }
    }
    return hit;
}

/* A web.config written, moved or removed, or a new directory, rebuilds the configuration. */
/* true when dir/web.config exists and changed at or after t (its ctime). */
static bool
web_config_since(const char *dir, const struct timespec *t)
{
    char path[PATH_MAX];
    struct stat st;

    if (snprintf(path, sizeof(path), "%s/web.config", dir) >= (int)sizeof(path) ||
        stat(path, &st) != 0)
        return false;
    return st.st_ctim.tv_sec > t->tv_sec ||
           (st.st_ctim.tv_sec == t->tv_sec && st.st_ctim.tv_nsec >= t->tv_nsec);
}

int
reload_watch_content(const struct snapshot *snap, int old, bool *changed)
{
    size_t n = certmap_view_dir_count(snap->view), failed = 0;
    int fd = -1;

    *changed = false;
    if (n > 0)
        fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (n > 0 && fd < 0)
        errlog_printf(ERRLOG_WARN,
                      "cannot watch content directories for web.config changes: %s; "
                      "reload with SIGHUP",
                      strerror(errno));
    for (size_t i = 0; fd >= 0 && i < n; i++) {
        const char *dir = certmap_view_dir(snap->view, i);

        if (inotify_add_watch(fd, dir,
                              IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE |
                                  IN_ONLYDIR) < 0)
            failed++;
        else if (web_config_since(dir, &snap->build_started))
            *changed = true; /* written while the view was built: it may have missed it */
    }
    if (failed > 0)
        errlog_printf(ERRLOG_WARN,
                      "%zu of %zu content directories cannot be watched for web.config changes "
                      "(fs.inotify.max_user_watches?): reload with SIGHUP after changing one",
                      failed, n);
    /* the old watches' events not read yet: the new watches were not there to see them */
    if (old >= 0) {
        if (reload_content_changed(old))
            *changed = true;
        close(old);
    }
    return fd;
}

bool
reload_content_changed(int fd)
{
    char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
    bool hit = false;
    ssize_t n;

    while ((n = read(fd, buf, sizeof(buf))) > 0) {
        for (char *p = buf; p < buf + n;) {
            struct inotify_event *ev = (struct inotify_event *)p;
            if (ev->len > 0 && ((ev->mask & IN_ISDIR) || strcasecmp(ev->name, "web.config") == 0))
                hit = true;
            p += sizeof(*ev) + ev->len;
        }
    }
    return hit;
}

void
reload_watch_files_close(struct reload_ctx *ctx)
{
    for (size_t i = 0; i < ctx->nwatched; i++)
        free(ctx->watched[i].name);
    free(ctx->watched);
    ctx->watched = NULL;
    ctx->nwatched = 0;
    if (ctx->files_fd >= 0)
        close(ctx->files_fd);
    ctx->files_fd = -1;
}

/*
 * Watches the directory of path for its name (name_only) or for any file (a
 * store directory, path itself).  0, or -1 when the directory cannot be
 * watched (counted by the caller) or memory runs out.
 */
static int
watch_one(struct reload_ctx *ctx, const char *path, bool name_only)
{
    char dir[PATH_MAX];
    const char *slash;
    struct reload_watched *grown;
    int wd;

    snprintf(dir, sizeof(dir), "%s", path);
    slash = strrchr(path, '/');
    if (name_only) {
        if (slash == NULL)
            return -1;
        dir[slash - path] = '\0';
    }
    wd = inotify_add_watch(ctx->files_fd, dir[0] ? dir : "/",
                           IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE |
                               IN_ONLYDIR);
    if (wd < 0)
        return -1;
    grown = realloc(ctx->watched, (ctx->nwatched + 1) * sizeof(*grown));
    if (grown == NULL)
        return -1;
    ctx->watched = grown;
    grown[ctx->nwatched].wd = wd;
    grown[ctx->nwatched].name = NULL;
    if (name_only) {
        grown[ctx->nwatched].name = strdup(slash + 1);
        if (grown[ctx->nwatched].name == NULL)
            return -1;
    }
    ctx->nwatched++;
    return 0;
}

/* path, and where it points when it is a symbolic link (certbot's live/ files are). */
static size_t
watch_file(struct reload_ctx *ctx, const char *path, bool name_only)
{
    char real[PATH_MAX];
    size_t failed = 0;

    if (path == NULL)
        return 0;
    if (watch_one(ctx, path, name_only) != 0)
        failed++;
    if (realpath(path, real) != NULL && strcmp(real, path) != 0 &&
        watch_one(ctx, real, name_only) != 0)
        failed++;
    return failed;
}

int
reload_watch_files(struct reload_ctx *ctx, const struct snapshot *snap)
{
    size_t failed = 0, ns = certmap_view_site_count(snap->view);

    reload_watch_files_close(ctx);
    ctx->files_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (ctx->files_fd < 0) {
        errlog_printf(ERRLOG_WARN,
                      "cannot watch the certificate, key, CA and CRL files: %s; reload with "
                      "SIGHUP after changing one",
                      strerror(errno));
        return -1;
    }
    for (size_t i = 0; i < ns; i++) {
        const struct certmap_site *s = certmap_view_site(snap->view, i);

        for (size_t j = 0; s->auto_start && j < s->nbindings; j++) {
            const struct certmap_binding *b = &s->bindings[j];

            if (b->proto != CERTMAP_BINDING_HTTPS)
                continue;
            failed += watch_file(ctx, b->cert_file, true);
            failed += watch_file(ctx, b->key_file, true);
            if (b->cert_file == NULL)
                failed += watch_file(ctx, b->store_dir, false);
            failed += watch_file(ctx, b->client_ca_file, true);
            failed += watch_file(ctx, b->crl_file, true);
        }
    }
    /* A rotated shared ticket-key file (`certmap ticket-keys rotate` renames a new file into
       place) takes effect without a signal, on every instance that shares it. */
    failed += watch_file(ctx, certmap_view_server(snap->view)->ticket_key_file, true);
    if (failed > 0)
        errlog_printf(ERRLOG_WARN,
                      "%zu certificate, key, CA, CRL or ticket-key location(s) cannot be watched "
                      "for changes: "
                      "reload with SIGHUP after changing one",
                      failed);
    if (ctx->nwatched == 0)
        reload_watch_files_close(ctx);
    return ctx->files_fd;
}

/* The watched file that an event names, or NULL. */
static const struct reload_watched *
watched_of(const struct reload_ctx *ctx, const struct inotify_event *ev)
{
    for (size_t i = 0; i < ctx->nwatched; i++) {
        const struct reload_watched *w = &ctx->watched[i];

        if (w->wd == ev->wd && ev->len > 0 && (w->name == NULL || strcmp(w->name, ev->name) == 0))
            return w;
    }
    return NULL;
}

bool
reload_files_changed(struct reload_ctx *ctx)
{
    char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
    bool hit = false;
    ssize_t n;

    while ((n = read(ctx->files_fd, buf, sizeof(buf))) > 0) {
        for (char *p = buf; p < buf + n;) {
            struct inotify_event *ev = (struct inotify_event *)p;

            if (!hit && watched_of(ctx, ev) != NULL) {
                errlog_printf(ERRLOG_NOTICE, "%s changed: a TLS file of a binding", ev->name);
                hit = true;
            }
            p += sizeof(*ev) + ev->len;
        }
    }
    return hit;
}
