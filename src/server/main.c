/*
 * main.c - certmapd: options, daemon setup, signals, pid file, reload and
 * graceful stop.  The only file with process-global state (g_*).
 *
 *   certmapd -c CONFIG [--workers N] [--foreground] [--pid-file F]
 *
 * Startup errors (bad configuration, missing key or certificate, port in
 * use) print one line each on stderr and exit 1.  Without --foreground the
 * process daemonizes only after everything that can fail at startup has
 * succeeded: the parent waits for the daemon's verdict and exits with it.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "certmap/config.h"
#include "conn.h"
#include "errlog.h"
#include "logon.h"
#include "logonsvc.h"
#include "snapshot.h"
#include "tls.h"
#include "w3clog.h"
#include "worker.h"

/* Debounce of configuration file changes (an editor or a commit writes in several steps). */
#define RELOAD_DELAY_MS 200

struct options {
    const char *config;
    unsigned workers; /* 0: from the configuration */
    bool foreground;
    const char *pid_file;
};

/* A reload running on its own thread. */
struct reload_job {
    pthread_t thread;
    char *config_path;
    unsigned long generation;
    struct w3clog_set *logs;
    struct snapshot *snap; /* result, NULL on failure */
    struct certmap_diags diags;
    int done_fd; /* eventfd of the main loop */
};

static struct server g_srv;
static struct options g_opt;
static struct w3clog_set *g_logs;
static char g_config_path[PATH_MAX];
static unsigned long g_generation;
/* Logon services whose last snapshot went away, freed by the main loop (logonsvc.h). */
struct retired_logon {
    struct logon *logon;
    struct retired_logon *next;
};
static pthread_mutex_t g_retired_lock = PTHREAD_MUTEX_INITIALIZER;
static struct retired_logon *g_retired; /* guarded by g_retired_lock */
static int g_retired_fd = -1;           /* eventfd: g_retired has something */
static char **g_listen_keys;            /* endpoints the workers listen on */
static size_t g_nlisten_keys;
static int g_ready_fd = -1; /* daemon: pipe to the waiting parent */

static void
usage(FILE *f)
{
    fprintf(f, "usage: certmapd -c CONFIG [--workers N] [--foreground] [--pid-file FILE]\n");
}

static void __attribute__((format(printf, 1, 2))) die(const char *fmt, ...)
{
    va_list ap;
    char c = '1';

    fprintf(stderr, "certmapd: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    if (g_ready_fd >= 0 && write(g_ready_fd, &c, 1) < 0)
        g_ready_fd = -1;
    exit(1);
}

static int
parse_options(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"workers", required_argument, NULL, 'w'},
        {"foreground", no_argument, NULL, 'f'},
        {"pid-file", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    char *end;
    unsigned long v;
    int ch;

    memset(o, 0, sizeof(*o));
    while ((ch = getopt_long(argc, argv, "c:w:fp:hV", longopts, NULL)) != -1) {
        switch (ch) {
        case 'c':
            o->config = optarg;
            break;
        case 'w':
            errno = 0;
            v = strtoul(optarg, &end, 10);
            if (errno != 0 || *end != '\0' || v == 0 || v > 1024) {
                fprintf(stderr, "certmapd: --workers: \"%s\" is not a number from 1 to 1024\n",
                        optarg);
                return -1;
            }
            o->workers = (unsigned)v;
            break;
        case 'f':
            o->foreground = true;
            break;
        case 'p':
            o->pid_file = optarg;
            break;
        case 'h':
            usage(stdout);
            exit(0);
        case 'V':
            printf("certmapd %s\n", CERTMAP_VERSION);
            exit(0);
        default:
            usage(stderr);
            return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "certmapd: unexpected argument \"%s\"\n", argv[optind]);
        usage(stderr);
        return -1;
    }
    if (o->config == NULL) {
        fprintf(stderr, "certmapd: the configuration file is required (-c CONFIG)\n");
        usage(stderr);
        return -1;
    }
    return 0;
}

/* Opens the configuration and builds a snapshot; diags collects every finding. */
static struct snapshot *
load_snapshot(const char *path, unsigned long generation, struct w3clog_set *logs,
              struct certmap_diags *diags, struct certmap_error *err)
{
    struct certmap_open_options oo;
    struct snapshot_params sp;
    struct certmap_config *cfg;
    struct snapshot *snap;

    memset(&oo, 0, sizeof(oo));
    cfg = certmap_config_open(path, &oo, diags, err);
    if (cfg == NULL)
        return NULL;
    memset(&sp, 0, sizeof(sp));
    sp.generation = generation;
    sp.logs = logs;
    sp.open_roots = true;
    sp.tls = true;
    snap = snapshot_build(cfg, &sp, diags, err);
    certmap_config_close(cfg);
    return snap;
}

/* Prints (startup) or logs (reload) every error and warning of diags. */
static void
report_diags(const struct certmap_diags *diags, bool to_stderr, const char *what)
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

static void
logon_settings_of(const struct snapshot *snap, struct logon_settings *ls)
{
    memset(ls, 0, sizeof(*ls));
    ls->provider = snap->logon_settings.provider;
    ls->accounts_file = snap->logon_settings.accounts_file;
    ls->pam_service = snap->logon_settings.pam_service;
    ls->cache_seconds = snap->logon_settings.cache_seconds;
    ls->negative_cache_seconds = snap->logon_settings.negative_cache_seconds;
    ls->threads = snap->logon_settings.threads;
}

/*
 * logonsvc retire function: runs on whichever thread dropped the last
 * snapshot using the service (often a worker), so the stop, which waits for
 * running logons, is left to the main loop.
 */
static void
retire_logon(struct logon *l, void *arg)
{
    struct retired_logon *r = malloc(sizeof(*r));
    uint64_t one = 1;

    (void)arg;
    if (r == NULL) {
        errlog_printf(ERRLOG_ERROR, "out of memory: a replaced logon service is stopped on the "
                                    "thread that released it");
        logon_free(l);
        return;
    }
    r->logon = l;
    pthread_mutex_lock(&g_retired_lock);
    r->next = g_retired;
    g_retired = r;
    pthread_mutex_unlock(&g_retired_lock);
    while (write(g_retired_fd, &one, sizeof(one)) < 0 && errno == EINTR)
        ;
}

/* Stops and frees the logon services retired so far (main thread). */
static void
free_retired_logons(void)
{
    struct retired_logon *r, *next;
    uint64_t v;

    while (read(g_retired_fd, &v, sizeof(v)) < 0 && errno == EINTR)
        ;
    pthread_mutex_lock(&g_retired_lock);
    r = g_retired;
    g_retired = NULL;
    pthread_mutex_unlock(&g_retired_lock);
    for (; r != NULL; r = next) {
        next = r->next;
        logon_free(r->logon);
        free(r);
    }
}

static bool
same_str(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static bool
same_logon(const struct snap_logon *a, const struct snap_logon *b)
{
    return a->provider == b->provider && same_str(a->accounts_file, b->accounts_file) &&
           same_str(a->pam_service, b->pam_service) && a->cache_seconds == b->cache_seconds &&
           a->negative_cache_seconds == b->negative_cache_seconds && a->threads == b->threads;
}

static bool
listening_on(const char *key)
{
    size_t i;

    for (i = 0; i < g_nlisten_keys; i++)
        if (strcmp(g_listen_keys[i], key) == 0)
            return true;
    return false;
}

static void
set_listen_keys(const struct snapshot *snap)
{
    size_t i;

    for (i = 0; i < g_nlisten_keys; i++)
        free(g_listen_keys[i]);
    free(g_listen_keys);
    g_nlisten_keys = 0;
    g_listen_keys = calloc(snap->nendpoints ? snap->nendpoints : 1, sizeof(*g_listen_keys));
    if (g_listen_keys == NULL)
        return;
    for (i = 0; i < snap->nendpoints; i++) {
        g_listen_keys[g_nlisten_keys] = strdup(snap->endpoints[i].key);
        if (g_listen_keys[g_nlisten_keys] != NULL)
            g_nlisten_keys++;
    }
}

/* A wildcard IPv6 socket on a host without IPv6 is not an error: IPv4 still serves. */
static bool
ipv6_unavailable(const struct snap_endpoint *ep, int e)
{
    return ep->addr.ss_family == AF_INET6 && (e == EAFNOSUPPORT || e == EADDRNOTAVAIL) &&
           strcmp(ep->ip, "::") == 0;
}

/* Opens the listeners of every new endpoint of snap for every worker: fds[ep][worker]. */
static int
open_new_listeners(const struct snapshot *snap, int **fds_out, struct certmap_error *err)
{
    unsigned nw = g_srv.nworkers, k;
    size_t i;
    int *fds;

    fds = malloc((snap->nendpoints ? snap->nendpoints : 1) * nw * sizeof(*fds));
    if (fds == NULL)
        return -1;
    for (i = 0; i < snap->nendpoints * nw; i++)
        fds[i] = -1;
    for (i = 0; i < snap->nendpoints; i++) {
        const struct snap_endpoint *ep = &snap->endpoints[i];
        if (listening_on(ep->key))
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

/* Closes the listeners open_new_listeners() opened for snap (a reload that fails after it). */
static void
close_new_listeners(const struct snapshot *snap, const int *fds)
{
    size_t i;

    for (i = 0; i < snap->nendpoints * g_srv.nworkers; i++)
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
    job->snap = load_snapshot(job->config_path, job->generation, job->logs, &job->diags, &err);
    if (job->snap == NULL && job->diags.errors == 0)
        certmap_diags_add(&job->diags, CERTMAP_SEV_ERROR, &err);
    ERR_clear_error();
    while (write(job->done_fd, &one, sizeof(one)) < 0 && errno == EINTR)
        ;
    return NULL;
}

static struct reload_job *
reload_start(int done_fd)
{
    struct reload_job *job = calloc(1, sizeof(*job));

    if (job == NULL)
        return NULL;
    job->config_path = strdup(g_config_path);
    job->generation = ++g_generation;
    job->logs = g_logs;
    job->done_fd = done_fd;
    if (job->config_path == NULL || pthread_create(&job->thread, NULL, reload_main, job) != 0) {
        free(job->config_path);
        free(job);
        errlog_printf(ERRLOG_ERROR, "reload: cannot start the reload thread");
        return NULL;
    }
    return job;
}

/* Installs the snapshot of a finished reload, or logs why the old one stays. */
static void
reload_finish(struct reload_job *job)
{
    struct certmap_error err;
    struct snapshot *snap = job->snap, *old;
    struct logon_settings ls;
    struct logonsvc *svc;
    const struct snap_endpoint **eps = NULL;
    int *fds = NULL, *wfds = NULL;
    unsigned k;
    size_t i, n;

    pthread_join(job->thread, NULL);
    if (snap == NULL) {
        report_diags(&job->diags, false, "reload: ");
        errlog_printf(ERRLOG_ERROR, "reload failed: the running configuration stays in use");
        goto out;
    }
    report_diags(&job->diags, false, "reload: ");
    certmap_error_clear(&err);
    if (open_new_listeners(snap, &fds, &err) != 0) {
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
        close_new_listeners(snap, fds);
        snapshot_unref(snap);
        goto out;
    }
    if (same_logon(&snap->logon_settings, &g_srv.current->logon_settings)) {
        /* Passwords or accounts may have changed: no stale decision survives a reload. */
        logon_cache_clear(g_srv.current->logon);
        svc = logonsvc_ref(g_srv.current->logon_svc);
    } else {
        /* The old service goes away with the last snapshot that uses it. */
        logon_settings_of(snap, &ls);
        svc = logonsvc_new(&ls, retire_logon, NULL, &err);
        if (svc == NULL) {
            errlog_printf(ERRLOG_ERROR, "reload failed: logon: %s", err.message);
            close_new_listeners(snap, fds);
            snapshot_unref(snap);
            goto out;
        }
    }
    snapshot_set_logon(snap, svc);
    pthread_mutex_lock(&g_srv.lock);
    old = g_srv.current;
    g_srv.current = snap;
    pthread_mutex_unlock(&g_srv.lock);
    for (k = 0; k < g_srv.nworkers; k++) {
        n = 0;
        for (i = 0; i < snap->nendpoints; i++) {
            if (fds[i * g_srv.nworkers + k] >= 0) {
                wfds[n] = fds[i * g_srv.nworkers + k];
                eps[n] = &snap->endpoints[i];
                n++;
            }
        }
        worker_post_snapshot(&g_srv.workers[k], snapshot_ref(snap), wfds, eps, n);
    }
    set_listen_keys(snap);
    snapshot_unref(old);
    errlog_printf(ERRLOG_NOTICE,
                  "configuration reloaded (generation %lu, %zu site(s), %zu mapping(s))",
                  snap->generation, snap->nsites, snap->mapping_count);
out:
    free(fds);
    free(wfds);
    free(eps);
    certmap_diags_free(&job->diags);
    free(job->config_path);
    free(job);
}

static int
write_pid_file(const char *path)
{
    char buf[32];
    int fd, n;

    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
    if (write(fd, buf, (size_t)n) != n) {
        close(fd);
        return -1;
    }
    return close(fd);
}

/*
 * Daemonizes before any thread exists: the parent waits on a pipe for the
 * daemon to report that it serves ('0') or failed (it printed why on the
 * inherited stderr) and exits accordingly.
 */
static void
daemonize(void)
{
    int p[2];
    pid_t pid;
    char c = '1';
    ssize_t n;

    if (pipe2(p, O_CLOEXEC) != 0)
        die("pipe: %s", strerror(errno));
    pid = fork();
    if (pid < 0)
        die("fork: %s", strerror(errno));
    if (pid > 0) {
        close(p[1]);
        do {
            n = read(p[0], &c, 1);
        } while (n < 0 && errno == EINTR);
        waitpid(pid, NULL, 0);
        _exit(n == 1 && c == '0' ? 0 : 1);
    }
    close(p[0]);
    if (setsid() < 0)
        die("setsid: %s", strerror(errno));
    pid = fork();
    if (pid < 0)
        die("fork: %s", strerror(errno));
    if (pid > 0)
        _exit(0);
    g_ready_fd = p[1];
    umask(022);
}

/* The daemon is up: tell the parent and detach from the terminal. */
static void
daemon_ready(void)
{
    char c = '0';
    int fd;

    if (g_ready_fd < 0)
        return;
    fd = open("/dev/null", O_RDWR);
    if (fd >= 0) {
        dup2(fd, STDIN_FILENO);
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        if (fd > STDERR_FILENO)
            close(fd);
    }
    if (write(g_ready_fd, &c, 1) < 0)
        errlog_printf(ERRLOG_WARN, "cannot notify the starting process");
    close(g_ready_fd);
    g_ready_fd = -1;
    if (chdir("/") != 0)
        errlog_printf(ERRLOG_WARN, "chdir /: %s", strerror(errno));
}

static unsigned
worker_count(const struct snapshot *snap)
{
    long n;

    if (g_opt.workers > 0)
        return g_opt.workers;
    if (snap->server.workers > 0)
        return snap->server.workers > 1024 ? 1024 : snap->server.workers;
    n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}

/* Creates the workers and their listeners; any failure is a startup error. */
static void
start_workers(struct snapshot *snap)
{
    struct certmap_error err;
    unsigned k;
    size_t i;
    int fd;

    g_srv.nworkers = worker_count(snap);
    g_srv.workers = calloc(g_srv.nworkers, sizeof(*g_srv.workers));
    if (g_srv.workers == NULL)
        die("out of memory");
    for (k = 0; k < g_srv.nworkers; k++)
        if (worker_init(&g_srv.workers[k], &g_srv, k, snap, &err) != 0)
            die("%s", err.message);
    for (i = 0; i < snap->nendpoints; i++) {
        const struct snap_endpoint *ep = &snap->endpoints[i];
        if (worker_listen_probe(ep, &err) != 0) {
            if (ipv6_unavailable(ep, errno)) {
                errlog_printf(ERRLOG_WARN, "IPv6 unavailable, not listening on %s", ep->key);
                continue;
            }
            die("%s", err.message);
        }
        for (k = 0; k < g_srv.nworkers; k++) {
            fd = worker_listen(ep, &err);
            if (fd < 0) {
                if (ipv6_unavailable(ep, errno)) {
                    errlog_printf(ERRLOG_WARN, "IPv6 unavailable, not listening on %s", ep->key);
                    break;
                }
                die("%s", err.message);
            }
            if (worker_add_listener(&g_srv.workers[k], fd, ep) != 0)
                die("cannot listen on %s: out of memory", ep->key);
        }
    }
    set_listen_keys(snap);
}

/* The watch on the configuration's directory (editors replace files by rename). */
static int
watch_config(const char **base)
{
    char dir[PATH_MAX];
    char *slash;
    int fd;

    snprintf(dir, sizeof(dir), "%s", g_config_path);
    slash = strrchr(dir, '/');
    if (slash == NULL)
        return -1;
    *base = g_config_path + (slash - dir) + 1;
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

/* true when the inotify events read from fd concern the configuration file. */
static bool
config_changed(int fd, const char *base)
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

/*
 * The watch on the directories the view searched for web.config files: a
 * web.config written, moved or removed there, or a new directory, rebuilds
 * the configuration as a change of applicationHost.config does.  Renewed for
 * each snapshot (the set of directories changes with the content).
 */
static int
watch_content(const struct snapshot *snap, int old)
{
    size_t n = certmap_view_dir_count(snap->view), failed = 0;
    int fd;

    if (old >= 0)
        close(old);
    if (n == 0)
        return -1;
    fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd < 0) {
        errlog_printf(ERRLOG_WARN,
                      "cannot watch content directories for web.config changes: %s; "
                      "reload with SIGHUP",
                      strerror(errno));
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        if (inotify_add_watch(fd, certmap_view_dir(snap->view, i),
                              IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE |
                                  IN_ONLYDIR) < 0)
            failed++;
    if (failed > 0)
        errlog_printf(ERRLOG_WARN,
                      "%zu of %zu content directories cannot be watched for web.config changes "
                      "(fs.inotify.max_user_watches?): reload with SIGHUP after changing one",
                      failed, n);
    return fd;
}

/* true when the events read from fd concern a web.config or a new directory. */
static bool
content_changed(int fd)
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

static void
stop_everything(void)
{
    unsigned k;
    size_t i;

    errlog_printf(ERRLOG_NOTICE, "stopping: finishing requests in flight");
    for (k = 0; k < g_srv.nworkers; k++)
        worker_post_stop(&g_srv.workers[k]);
    for (k = 0; k < g_srv.nworkers; k++)
        worker_join(&g_srv.workers[k]);
    /*
     * No worker runs.  Dropping every snapshot retires every logon service;
     * they are stopped before the workers are destroyed, because logons
     * still pending call back into the worker mailboxes.
     */
    for (k = 0; k < g_srv.nworkers; k++)
        worker_release(&g_srv.workers[k]);
    snapshot_unref(g_srv.current);
    g_srv.current = NULL;
    free_retired_logons();
    close(g_retired_fd);
    g_retired_fd = -1;
    for (k = 0; k < g_srv.nworkers; k++)
        worker_destroy(&g_srv.workers[k]);
    free(g_srv.workers);
    w3clog_set_free(g_logs);
    for (i = 0; i < g_nlisten_keys; i++)
        free(g_listen_keys[i]);
    free(g_listen_keys);
    if (g_opt.pid_file != NULL)
        unlink(g_opt.pid_file);
    pthread_mutex_destroy(&g_srv.lock);
    errlog_printf(ERRLOG_NOTICE, "stopped");
    errlog_close();
}

/* Signals, configuration changes and finished reloads, until SIGTERM/SIGINT. */
static void
main_loop(void)
{
    struct reload_job *job = NULL;
    struct signalfd_siginfo si;
    struct pollfd pfd[5];
    const char *base = NULL;
    unsigned long watched = 0; /* generation whose content directories wfd watches */
    int wfd = -1;
    bool again = false, pending = false;
    uint64_t due = 0, now;
    int sfd, ifd, dfd, timeout;
    sigset_t set;
    uint64_t v;

    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    dfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    ifd = watch_config(&base);
    if (sfd < 0 || dfd < 0)
        die("signalfd/eventfd: %s", strerror(errno));
    if (ifd < 0)
        errlog_printf(ERRLOG_WARN, "cannot watch %s for changes; reload with SIGHUP",
                      g_config_path);
    for (;;) {
        pfd[0].fd = sfd;
        pfd[0].events = POLLIN;
        pfd[1].fd = dfd;
        pfd[1].events = POLLIN;
        pfd[2].fd = ifd;
        pfd[2].events = POLLIN;
        pfd[3].fd = g_retired_fd;
        pfd[3].events = POLLIN;
        if (g_srv.current != NULL && g_srv.current->generation != watched) {
            watched = g_srv.current->generation;
            wfd = watch_content(g_srv.current, wfd);
        }
        pfd[4].fd = wfd;
        pfd[4].events = POLLIN;
        now = worker_now_ms();
        timeout = pending ? (due > now ? (int)(due - now) : 0) : -1;
        if (poll(pfd, 5, timeout) < 0 && errno != EINTR)
            die("poll: %s", strerror(errno));
        now = worker_now_ms();
        if (pfd[3].revents & POLLIN)
            free_retired_logons();
        /* Only events naming the file postpone the reload: the directory may be busy. */
        if ((pfd[2].revents & POLLIN) && config_changed(ifd, base)) {
            pending = true;
            due = now + RELOAD_DELAY_MS;
        }
        if ((pfd[4].revents & POLLIN) && content_changed(wfd)) {
            pending = true;
            due = now + RELOAD_DELAY_MS;
        }
        if (pending && now >= due) {
            pending = false;
            errlog_printf(ERRLOG_NOTICE, "%s changed: reloading", g_config_path);
            again = true;
        }
        if (pfd[0].revents & POLLIN) {
            while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
                if (si.ssi_signo == SIGHUP) {
                    struct certmap_error err;
                    if (errlog_reopen(&err) != 0)
                        errlog_printf(ERRLOG_WARN, "cannot reopen the error log: %s", err.message);
                    errlog_printf(ERRLOG_NOTICE, "SIGHUP: reloading");
                    again = true;
                } else {
                    if (job != NULL) {
                        pthread_join(job->thread, NULL);
                        snapshot_unref(job->snap);
                        certmap_diags_free(&job->diags);
                        free(job->config_path);
                        free(job);
                    }
                    close(sfd);
                    close(dfd);
                    if (ifd >= 0)
                        close(ifd);
                    if (wfd >= 0)
                        close(wfd);
                    return;
                }
            }
        }
        if (pfd[1].revents & POLLIN) {
            while (read(dfd, &v, sizeof(v)) < 0 && errno == EINTR)
                ;
            if (job != NULL) {
                reload_finish(job);
                job = NULL;
            }
        }
        /* One reload at a time; a request during one runs after it. */
        if (again && job == NULL) {
            again = false;
            job = reload_start(dfd);
        }
    }
}

int
main(int argc, char **argv)
{
    struct certmap_diags diags;
    struct certmap_error err;
    struct snapshot *snap;
    struct logon_settings ls;
    struct logonsvc *svc;
    sigset_t set;
    unsigned k;

    if (parse_options(argc, argv, &g_opt) != 0)
        return 2;
    if (realpath(g_opt.config, g_config_path) == NULL) {
        fprintf(stderr, "certmapd: %s: %s\n", g_opt.config, strerror(errno));
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);
    /* Every thread inherits this mask: signals are read by the main loop only. */
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    pthread_mutex_init(&g_srv.lock, NULL);
    if (tls_init() != 0)
        die("cannot initialise OpenSSL");
    if (!g_opt.foreground)
        daemonize();

    certmap_error_clear(&err);
    g_logs = w3clog_set_new(&err);
    if (g_logs == NULL)
        die("W3C logs: %s", err.message);
    memset(&diags, 0, sizeof(diags));
    g_generation = 1;
    snap = load_snapshot(g_config_path, g_generation, g_logs, &diags, &err);
    if (snap == NULL) {
        char line[2048];
        if (diags.errors == 0)
            fprintf(stderr, "certmapd: %s\n", certmap_error_format(&err, line, sizeof(line)));
        report_diags(&diags, true, "");
        certmap_diags_free(&diags);
        die("the configuration %s cannot be served", g_config_path);
    }
    if (errlog_open(snap->server.error_log, g_opt.foreground, &err) != 0)
        die("error log %s: %s", snap->server.error_log, err.message);
    report_diags(&diags, false, "");
    certmap_diags_free(&diags);

    g_retired_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (g_retired_fd < 0)
        die("eventfd: %s", strerror(errno));
    logon_settings_of(snap, &ls);
    svc = logonsvc_new(&ls, retire_logon, NULL, &err);
    if (svc == NULL)
        die("logon: %s", err.message);
    snapshot_set_logon(snap, svc);
    g_srv.current = snap;
    g_srv.accept = conn_accept;
    start_workers(snap);
    if (g_opt.pid_file != NULL && write_pid_file(g_opt.pid_file) != 0)
        die("pid file %s: %s", g_opt.pid_file, strerror(errno));
    for (k = 0; k < g_srv.nworkers; k++)
        if (worker_start(&g_srv.workers[k], &err) != 0)
            die("%s", err.message);
    errlog_printf(ERRLOG_NOTICE,
                  "certmapd %s started: %s, %u worker(s), %zu site(s), %zu endpoint(s), %zu "
                  "mapping(s)",
                  CERTMAP_VERSION, g_config_path, g_srv.nworkers, snap->nsites, snap->nendpoints,
                  snap->mapping_count);
    daemon_ready();
    main_loop();
    stop_everything();
    return 0;
}
