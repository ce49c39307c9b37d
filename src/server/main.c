/*
 * main.c - certmapd: options, daemon setup, signals, pid file, the main
 * loop (which starts reloads, reload.c, on SIGHUP or a watched change) and
 * graceful stop.  The only file with process-global state (g_*).
 *
 *   certmapd -c CONFIG [--workers N] [--foreground] [--pid-file F]
 *   certmapd -t [-c CONFIG]      test the configuration and exit (0 ok, 2 findings)
 *
 * Signals: SIGHUP reloads the configuration and reopens the logs, SIGUSR1
 * reopens the logs (logrotate's postrotate), SIGTERM/SIGINT stop.  Started
 * as root, the process drops to <server user> once its listeners, logs and
 * keys are open (privs.h).
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
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "certmap/config.h"
#include "check.h"
#include "conn.h"
#include "errlog.h"
#include "fcgi_pool.h"
#include "expiry.h"
#include "logon.h"
#include "logfile.h"
#include "logonsvc.h"
#include "metrics.h"
#include "fileacct.h"
#include "fsid.h"
#include "privs.h"
#include "notify.h"
#include "reload.h"
#include "snapshot.h"
#include "tickets.h"
#include "tls.h"
#include "tlsmem.h"
#include "w3clog.h"
#include "worker.h"

/* The configuration `certmapd -t` tests when -c is not given. */
#define CERTMAPD_DEFAULT_CONFIG "/etc/certmap/applicationHost.config"

/* Debounce of configuration file changes (an editor or a commit writes in several steps). */
#define RELOAD_DELAY_MS 200

struct options {
    const char *config;
    unsigned workers; /* 0: from the configuration */
    bool foreground;
    const char *pid_file;
    bool test;      /* -t: test the configuration and exit */
    bool directory; /* -t --directory: also bind to the directory and search once */
};

static struct server g_srv;
static struct options g_opt;
static char g_config_path[PATH_MAX];
static struct reload_ctx g_reload; /* logs, generation and listen keys of the reloads */
/*
 * Logon services and directory pools whose last snapshot went away, stopped
 * by the main loop (logonsvc.h, dirsvc.h): stopping either waits for work in
 * progress, which must not happen on a worker's event loop.
 */
struct retired_logon {
    struct logon *logon;   /* or NULL */
    struct directory *dir; /* or NULL */
    struct retired_logon *next;
};
static pthread_mutex_t g_retired_lock = PTHREAD_MUTEX_INITIALIZER;
static struct retired_logon *g_retired; /* guarded by g_retired_lock */
static int g_retired_fd = -1;           /* eventfd: g_retired has something */
/* certificates warned about today (expiry.h); main thread only */
static struct expiry_log g_expiry;
static struct metrics_global g_metrics; /* reloads, for the status listener */
static struct metrics_server g_status = {.fd = -1, .stopfd = -1}; /* <certmap><status> */
static char g_status_ip[64]; /* where g_status listens ("" nowhere) */
static unsigned g_status_port;
static int g_ready_fd = -1; /* daemon: pipe to the waiting parent */

/* After a usage error: the full text is --help's. */
#define TRY_HELP "Try 'certmapd --help'.\n"

static void
usage(FILE *f)
{
    fprintf(f,
            "usage: certmapd -c CONFIG [--workers N] [--foreground] [--pid-file FILE]\n"
            "       certmapd -t [-c CONFIG] [--directory]\n"
            "\n"
            "The HTTPS server of certmap: IIS client certificate mapping authentication\n"
            "from an IIS applicationHost.config (and the web.config files it allows).\n"
            "\n"
            "  -c, --config FILE    configuration (default %s)\n"
            "  -t, --test           load the configuration as the server would and check\n"
            "                       what it would refuse or trip on later (certificates and\n"
            "                       keys, CA and CRL files, paths, log directories,\n"
            "                       listeners); every finding with file:line; exit 0 when\n"
            "                       there is none, 2 otherwise\n"
            "      --directory      with -t: also connect to <certmap><directory>, bind and\n"
            "                       search once; a directory that does not answer is a\n"
            "                       warning, one that refuses the bind is an error\n"
            "  -w, --workers N      worker threads (default: <certmap><server workers>, else\n"
            "                       one per core)\n"
            "  -f, --foreground     stay in the foreground (systemd, containers)\n"
            "  -p, --pid-file FILE  write the process id there\n"
            "  -h, --help           this help\n"
            "  -V, --version        print the version\n"
            "\n"
            "Signals: HUP reloads the configuration (a changed file reloads by itself) and\n"
            "reopens the logs; USR1 reopens the logs (logrotate); TERM and INT stop after\n"
            "the requests in flight (shutdownGraceSeconds).\n"
            "Exit status: 0 stopped normally, 1 could not start, 2 a usage error or -t\n"
            "found problems.\n"
            "See certmapd(8) and certmap.config(5).\n",
            CERTMAPD_DEFAULT_CONFIG);
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
        {"test", no_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {"directory", no_argument, NULL, 'D'},
        {NULL, 0, NULL, 0},
    };
    char *end;
    unsigned long v;
    int ch;

    memset(o, 0, sizeof(*o));
    while ((ch = getopt_long(argc, argv, "c:w:fp:thV", longopts, NULL)) != -1) {
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
        case 't':
            o->test = true;
            break;
        case 'D':
            o->directory = true;
            break;
        case 'h':
            usage(stdout);
            exit(0);
        case 'V':
            printf("certmapd %s\n", CERTMAP_VERSION);
            exit(0);
        default:
            fputs(TRY_HELP, stderr);
            return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "certmapd: unexpected argument \"%s\"\n", argv[optind]);
        fputs(TRY_HELP, stderr);
        return -1;
    }
    if (o->directory && !o->test) {
        fprintf(stderr, "certmapd: --directory goes with -t\n");
        fputs(TRY_HELP, stderr);
        return -1;
    }
    if (o->config == NULL && o->test)
        o->config = CERTMAPD_DEFAULT_CONFIG;
    if (o->config == NULL) {
        fprintf(stderr, "certmapd: the configuration file is required (-c CONFIG)\n");
        fputs(TRY_HELP, stderr);
        return -1;
    }
    return 0;
}

/* One finding of `certmapd -t`: "file:line: severity: element: attribute: message". */
static void
print_finding(const struct certmap_diag *d)
{
    static const char *const sev[] = {"error", "warning", "note"};
    const struct certmap_error *e = &d->err;

    fprintf(stderr, "certmapd: ");
    if (e->file[0] != '\0' && e->line > 0)
        fprintf(stderr, "%s:%u: ", e->file, e->line);
    else if (e->file[0] != '\0')
        fprintf(stderr, "%s: ", e->file);
    fprintf(stderr, "%s: ", sev[d->severity]);
    if (e->element[0] != '\0')
        fprintf(stderr, "%s: ", e->element);
    if (e->attribute[0] != '\0')
        fprintf(stderr, "%s: ", e->attribute);
    fprintf(stderr, "%s\n", e->message);
}

/*
 * certmapd -t: opens the configuration and builds its view as a start or a
 * reload does (web.config files included), then runs libcertmap's checks
 * (check.h: the certificate and trust loaders the server itself uses, CRL
 * dates, directories, log directories, listeners; with directory, a bind and
 * a search of <certmap><directory>).  Prints every finding on stderr; returns
 * 0 when there is no error and no warning, else 2.
 */
static int
config_test(const char *path, bool directory)
{
    const struct check_options co = {.directory = directory};
    const struct certmap_view_options vo = {.web_config = true, .compact_mappings = true};
    struct certmap_open_options oo;
    struct certmap_diags diags = {0};
    struct certmap_error err;
    struct certmap_config *cfg;
    struct certmap_view *v = NULL;
    size_t i, warnings = 0;
    int rc = 2;

    memset(&oo, 0, sizeof(oo));
    /*
     * Checked, never written: opened as the server's load opens it (serve-only,
     * compact view), which validates alike and finds the same errors, warnings
     * and notes (test_check_serve.c) in a fraction of the memory: each mapping's
     * certificate is decoded once while parsing and its text dropped.
     */
    oo.serve_only = true;
    certmap_error_clear(&err);
    cfg = certmap_config_open(path, &oo, &diags, &err);
    if (cfg != NULL)
        v = certmap_view_build(cfg, &vo, &diags, &err);
    /* The service account: the current user until the privilege drop names another. */
    if (v != NULL && check_view(v, &co, &diags) != 0)
        certmap_error_set(&err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL, "out of memory");
    if ((v == NULL || err.kind == CERTMAP_ERR_NOMEM) && diags.errors == 0 &&
        certmap_diags_add(&diags, CERTMAP_SEV_ERROR, &err) != 0)
        fprintf(stderr, "certmapd: %s: out of memory\n", path);
    for (i = 0; i < diags.count; i++) {
        print_finding(&diags.items[i]);
        if (diags.items[i].severity == CERTMAP_SEV_WARNING)
            warnings++;
    }
    if (diags.errors == 0 && warnings == 0 && v != NULL) {
        fprintf(stderr, "certmapd: the configuration %s is fine\n", path);
        rc = 0;
    } else {
        fprintf(stderr, "certmapd: the configuration %s has %zu error%s and %zu warning%s\n", path,
                diags.errors, diags.errors == 1 ? "" : "s", warnings, warnings == 1 ? "" : "s");
    }
    certmap_view_unref(v);
    certmap_config_close(cfg);
    certmap_diags_free(&diags);
    return rc;
}

/*
 * Hands a logon service or a directory pool (one of them, the other NULL) to
 * the main loop, which stops it.  Without memory for the queue entry it is
 * stopped here, on the releasing thread, and the error log says so.
 */
static void
retire_queue(struct logon *l, struct directory *d)
{
    struct retired_logon *r = calloc(1, sizeof(*r));
    uint64_t one = 1;

    if (r == NULL) {
        errlog_printf(ERRLOG_ERROR,
                      "out of memory: a replaced %s is stopped on the thread "
                      "that released it",
                      l != NULL ? "logon service" : "directory pool");
        if (l != NULL)
            logon_free(l);
        if (d != NULL)
            directory_free(d);
        return;
    }
    r->logon = l;
    r->dir = d;
    pthread_mutex_lock(&g_retired_lock);
    r->next = g_retired;
    g_retired = r;
    pthread_mutex_unlock(&g_retired_lock);
    while (write(g_retired_fd, &one, sizeof(one)) < 0 && errno == EINTR)
        ;
}

/*
 * logonsvc retire function: runs on whichever thread dropped the last
 * snapshot using the service (often a worker), so the stop, which waits for
 * running logons, is left to the main loop.
 */
static void
retire_logon(struct logon *l, void *arg)
{
    (void)arg;
    retire_queue(l, NULL);
}

/*
 * dirsvc retire function, for the same reason: stopping a directory pool
 * joins its threads, which may be in an LDAP call for up to timeoutSeconds
 * (twice: a lookup retries once on a new connection).
 */
static void
retire_directory(struct directory *d, void *arg)
{
    (void)arg;
    retire_queue(NULL, d);
}

/* Stops and frees the logon services and directory pools retired so far (main thread). */
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
        directory_free(r->dir);
        free(r);
    }
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
    if (snap->sv->workers > 0)
        return snap->sv->workers > 1024 ? 1024 : snap->sv->workers;
    n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}

/* Creates the workers and their listeners; any failure is a startup error. */
static void
start_workers(struct snapshot *snap)
{
    struct certmap_error err;
    int *fds = NULL, fd;
    unsigned k;
    size_t i;

    g_srv.nworkers = worker_count(snap);
    g_srv.workers = calloc(g_srv.nworkers, sizeof(*g_srv.workers));
    if (g_srv.workers == NULL)
        die("out of memory");
    for (k = 0; k < g_srv.nworkers; k++)
        if (worker_init(&g_srv.workers[k], &g_srv, k, snap, &err) != 0)
            die("%s", err.message);
    /* No endpoint is listened on yet: this opens all of them. */
    if (reload_listeners_open(&g_reload, snap, &fds, &err) != 0)
        die("%s", err.message);
    for (i = 0; i < snap->nendpoints; i++) {
        for (k = 0; k < g_srv.nworkers; k++) {
            fd = fds[i * g_srv.nworkers + k];
            if (fd >= 0 && worker_add_listener(&g_srv.workers[k], fd, &snap->endpoints[i]) != 0)
                die("cannot listen on %s: out of memory", snap->endpoints[i].key);
        }
    }
    free(fds);
    reload_listeners_set(&g_reload, snap);
}

static void
stop_everything(void)
{
    unsigned k;

    errlog_printf(ERRLOG_NOTICE, "stopping: finishing requests in flight");
    /* first: a scrape reads the workers' counters */
    metrics_server_stop(&g_status);
    for (k = 0; k < g_srv.nworkers; k++)
        worker_post_stop(&g_srv.workers[k]);
    for (k = 0; k < g_srv.nworkers; k++)
        worker_join(&g_srv.workers[k]);
    /* no request runs: the FastCGI programs stop (SIGTERM, SIGKILL after a grace) */
    fcgi_pool_free(g_srv.fcgi);
    g_srv.fcgi = NULL;
    /*
     * No worker runs.  Dropping every snapshot retires every logon service
     * and directory pool; they are stopped before the workers are destroyed,
     * because logons and lookups still pending call back into the worker
     * mailboxes.
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
    w3clog_set_free(g_reload.logs);
    reload_ctx_clear(&g_reload);
    OPENSSL_cleanse(&g_reload.ticket_keys, sizeof(g_reload.ticket_keys));
    if (g_opt.pid_file != NULL)
        unlink(g_opt.pid_file);
    pthread_mutex_destroy(&g_srv.lock);
    errlog_printf(ERRLOG_NOTICE, "stopped");
    errlog_close();
}

/*
 * After logrotate renamed the files: the error log and every W3C log start
 * new files by their names.  A W3C log's lines still in memory go to the new
 * file; workers keep appending meanwhile (w3clog.h).
 */
static void
reopen_logs(void)
{
    struct certmap_error err;

    certmap_error_clear(&err);
    if (errlog_reopen(&err) != 0)
        errlog_printf(ERRLOG_ERROR,
                      "cannot reopen the error log: %s; still writing to the old file",
                      err.message);
    w3clog_set_reopen(g_reload.logs);
}

/*
 * Started as root: new log files and directories go to the service user and
 * the adm group (logfile.h); the W3C directories the snapshot created before
 * the owner was known are given to it too, so the service creates each
 * day's file.
 */
static void
set_log_owner(const struct snapshot *snap, const struct privs_plan *plan)
{
    char dir[PATH_MAX];
    struct stat st;
    size_t i;

    if (geteuid() != 0)
        return;
    logfile_set_owner(plan->uid, logfile_group(plan->gid));
    if (!plan->drop)
        return;
    for (i = 0; i < snap->nsites; i++) {
        if (snap->sites[i].log_dir == NULL)
            continue;
        snprintf(dir, sizeof(dir), "%s/W3SVC%lu", snap->sites[i].log_dir, snap->sites[i].id);
        if (lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == 0 &&
            chown(dir, plan->uid, logfile_group(plan->gid)) != 0)
            die("%s: cannot give the W3C log directory to user %s: %s", dir, plan->name,
                strerror(errno));
    }
}

/*
 * After the drop: every log directory must be writable by the service user,
 * or the first rotation or day roll would lose lines; said now, at startup.
 */
static void
check_log_dirs(const struct snapshot *snap)
{
    char dir[PATH_MAX], *slash;
    size_t i;

    for (i = 0; i < snap->nsites; i++) {
        if (snap->sites[i].log_dir == NULL)
            continue;
        snprintf(dir, sizeof(dir), "%s/W3SVC%lu", snap->sites[i].log_dir, snap->sites[i].id);
        if (access(dir, W_OK | X_OK) != 0)
            die("%s: the W3C log directory is not writable by user %ld: %s", dir, (long)geteuid(),
                strerror(errno));
    }
    snprintf(dir, sizeof(dir), "%s", snap->sv->error_log);
    slash = strrchr(dir, '/');
    if (slash != NULL && slash != dir) {
        *slash = '\0';
        if (access(dir, W_OK | X_OK) != 0)
            die("%s: the error log's directory is not writable by user %ld (a rotated log "
                "could not be reopened): %s",
                dir, (long)geteuid(), strerror(errno));
    }
}

/*
 * Counts the reload that just finished (the generation served changed when
 * it succeeded).  The status listener stays where it was opened at start: a
 * new listen address would need the privileges dropped since.
 */
static void
status_after_reload(unsigned long before)
{
    const struct certmap_server_settings *now;
    const struct snapshot *snap = g_srv.current;

    metrics_reload(&g_metrics, snap->generation != before, snap->generation, time(NULL));
    if (snap->generation == before)
        return;
    now = certmap_view_server(snap->view);
    if (strcmp(now->status_ip, g_status_ip) != 0 ||
        (now->status_ip[0] != '\0' && now->status_port != g_status_port))
        errlog_printf(ERRLOG_WARN,
                      "%s:%u: status/@listen changed; the status listener changes at restart",
                      now->status_src.file != NULL ? now->status_src.file : g_config_path,
                      now->status_src.line);
}

/* Opens the status listener of snap, if any (before privileges are dropped). */
static void
status_listen(const struct snapshot *snap)
{
    const struct certmap_server_settings *sv = certmap_view_server(snap->view);
    struct certmap_error err;

    metrics_loaded(&g_metrics, snap->generation, time(NULL));
    snprintf(g_status_ip, sizeof(g_status_ip), "%s", sv->status_ip);
    g_status_port = sv->status_port;
    if (sv->status_ip[0] == '\0')
        return;
    certmap_error_clear(&err);
    if (metrics_server_listen(&g_status, sv->status_ip, sv->status_port, &err) != 0)
        die("%s:%u: %s", sv->status_src.file != NULL ? sv->status_src.file : g_config_path,
            sv->status_src.line, err.message);
}

/* Signals, configuration changes and finished reloads, until SIGTERM/SIGINT. */
static void
main_loop(void)
{
    struct reload_job *job = NULL;
    struct signalfd_siginfo si;
    struct pollfd pfd[6];
    const char *base = NULL;
    unsigned long watched = 0; /* generation whose content directories wfd watches */
    int wfd = -1;
    bool again = false, pending = false;
    uint64_t due = 0, now, expiry_due = worker_now_ms() + EXPIRY_PERIOD_MS;
    int sfd, ifd, dfd, timeout;
    sigset_t set;
    uint64_t v;

    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    dfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    ifd = reload_watch_config(g_config_path, &base);
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
            bool missed = false;

            wfd = reload_watch_content(g_srv.current, wfd, &missed);
            if (missed) {
                pending = true;
                due = worker_now_ms() + RELOAD_DELAY_MS;
            }
            reload_watch_files(&g_reload, g_srv.current);
        }
        pfd[4].fd = wfd;
        pfd[4].events = POLLIN;
        pfd[5].fd = g_reload.files_fd;
        pfd[5].events = POLLIN;
        now = worker_now_ms();
        timeout = pending ? (due > now ? (int)(due - now) : 0) : -1;
        if (timeout < 0 || (uint64_t)timeout > (expiry_due > now ? expiry_due - now : 0))
            timeout = expiry_due > now ? (int)(expiry_due - now) : 0;
        if (poll(pfd, 6, timeout) < 0 && errno != EINTR)
            die("poll: %s", strerror(errno));
        now = worker_now_ms();
        if (pfd[3].revents & POLLIN)
            free_retired_logons();
        /* Only events naming the file postpone the reload: the directory may be busy. */
        if ((pfd[2].revents & POLLIN) && reload_config_changed(ifd, base)) {
            pending = true;
            due = now + RELOAD_DELAY_MS;
        }
        if ((pfd[4].revents & POLLIN) && reload_content_changed(wfd)) {
            pending = true;
            due = now + RELOAD_DELAY_MS;
        }
        /* a certificate, key, CA or CRL file: a new snapshot reads it again */
        if ((pfd[5].revents & POLLIN) && reload_files_changed(&g_reload)) {
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
                    reopen_logs();
                    errlog_printf(ERRLOG_NOTICE, "SIGHUP: reloading");
                    again = true;
                } else if (si.ssi_signo == SIGUSR1) {
                    reopen_logs();
                    errlog_printf(ERRLOG_NOTICE, "SIGUSR1: logs reopened");
                } else {
                    if (job != NULL)
                        reload_abandon(job);
                    close(sfd);
                    close(dfd);
                    if (ifd >= 0)
                        close(ifd);
                    if (wfd >= 0)
                        close(wfd);
                    reload_watch_files_close(&g_reload);
                    return;
                }
            }
        }
        if (pfd[1].revents & POLLIN) {
            while (read(dfd, &v, sizeof(v)) < 0 && errno == EINTR)
                ;
            if (job != NULL) {
                unsigned long before = g_srv.current->generation;
                reload_finish(&g_reload, job);
                job = NULL;
                status_after_reload(before);
                expiry_check(&g_expiry, g_srv.current, (int64_t)time(NULL));
                notify_ready(); /* ends the reload, whether it succeeded or not */
            }
        }
        if (now >= expiry_due) {
            expiry_due = now + EXPIRY_PERIOD_MS;
            expiry_check(&g_expiry, g_srv.current, (int64_t)time(NULL));
        }
        /* One reload at a time; a request during one runs after it. */
        if (again && job == NULL) {
            again = false;
            job = reload_start(&g_reload, dfd);
            if (job != NULL)
                notify_reloading();
        }
    }
}

int
main(int argc, char **argv)
{
    struct certmap_diags diags;
    struct certmap_error err;
    struct snapshot *snap;
    struct logonsvc *svc;
    struct privs_plan plan;
    sigset_t set;
    unsigned k;

    /*
     * First of all: OpenSSL takes another allocator only before its first
     * allocation, and certmapd -t loads the configuration with OpenSSL too.
     */
    if (tlsmem_init(&err) != 0) {
        fprintf(stderr, "certmapd: %s\n", err.message);
        return 1;
    }
    if (parse_options(argc, argv, &g_opt) != 0)
        return 2;
    if (g_opt.test)
        return config_test(realpath(g_opt.config, g_config_path) != NULL ? g_config_path
                                                                         : g_opt.config,
                           g_opt.directory);
    if (realpath(g_opt.config, g_config_path) == NULL) {
        fprintf(stderr, "certmapd: %s: %s\n", g_opt.config, strerror(errno));
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);
    /* Every thread inherits this mask: signals are read by the main loop only. */
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    pthread_mutex_init(&g_srv.lock, NULL);
    if (tls_init() != 0)
        die("cannot initialise OpenSSL");
    if (!g_opt.foreground)
        daemonize();

    certmap_error_clear(&err);
    g_reload.srv = &g_srv;
    g_reload.config_path = g_config_path;
    g_reload.retire = retire_logon;
    g_reload.dir_retire = retire_directory;
    g_reload.files_fd = -1;
    g_reload.logs = w3clog_set_new(&err);
    if (g_reload.logs == NULL)
        die("W3C logs: %s", err.message);
    memset(&diags, 0, sizeof(diags));
    g_reload.generation = 1;
    /* The server's own ticket keys, kept across reloads (sites without ticketKeyFile). */
    if (tickets_process_init(&g_reload.ticket_keys, time(NULL)) != 0)
        die("cannot make the session-ticket keys (the random number generator failed)");
    snap = reload_load_snapshot(g_config_path, g_reload.generation, g_reload.logs,
                                &g_reload.ticket_keys, &diags, &err);
    if (snap == NULL) {
        char line[2048];
        if (diags.errors == 0)
            fprintf(stderr, "certmapd: %s\n", certmap_error_format(&err, line, sizeof(line)));
        reload_report_diags(&diags, true, "");
        certmap_diags_free(&diags);
        die("the configuration %s cannot be served", g_config_path);
    }
    if (privs_plan_make(g_config_path, snap->sv->user, snap->sv->group, snap->sv->allow_root, &plan,
                        &err) != 0)
        die("%s: %s", g_config_path, err.message);
    plan.keep_setid = snap->sv->read_files_as_user;
    set_log_owner(snap, &plan);
    errlog_set_level((enum errlog_level)snap->sv->log_level);
    if (errlog_open(snap->sv->error_log, g_opt.foreground, &err) != 0)
        die("error log %s: %s", snap->sv->error_log, err.message);
    reload_report_diags(&diags, false, "");
    certmap_diags_free(&diags);

    g_retired_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (g_retired_fd < 0)
        die("eventfd: %s", strerror(errno));
    svc = reload_logon_new(&g_reload, snap, &err);
    if (svc == NULL)
        die("logon: %s", err.message);
    snapshot_set_logon(snap, svc);
    {
        struct dirsvc *dsvc = NULL;
        if (snapshot_directory_for(snap, NULL, retire_directory, NULL, &dsvc, &err) != 0)
            die("directory: %s", err.message);
        snapshot_set_directory(snap, dsvc);
    }
    g_srv.current = snap;
    g_srv.accept = conn_accept;
    g_srv.fcgi = fcgi_pool_new(&g_srv);
    if (g_srv.fcgi == NULL)
        die("FastCGI supervisor: out of memory or threads");
    start_workers(snap);
    status_listen(snap);
    if (g_opt.pid_file != NULL && write_pid_file(g_opt.pid_file) != 0)
        die("pid file %s: %s", g_opt.pid_file, strerror(errno));
    /* Listeners, logs and keys are open: the workers start as the service user. */
    if (privs_drop(&plan, &err) != 0)
        die("%s", err.message);
    if (plan.drop) {
        check_log_dirs(snap);
        errlog_printf(ERRLOG_NOTICE, "running as user %s (uid %ld, gid %ld)", plan.name,
                      (long)plan.uid, (long)plan.gid);
    } else if (geteuid() == 0) {
        errlog_printf(ERRLOG_WARN, "serving requests as root (allowRoot=\"true\")");
    }
    /* The workers, started below, inherit the main thread's capabilities. */
    g_srv.can_switch_fsid = fsid_capable();
    fileacct_notice(snap->sv->read_files_as_user, g_srv.can_switch_fsid);
    for (k = 0; k < g_srv.nworkers; k++)
        if (worker_start(&g_srv.workers[k], &err) != 0)
            die("%s", err.message);
    if (g_status.fd >= 0 &&
        metrics_server_start(&g_status, worker_metrics_collect, &g_srv, &g_metrics, &err) != 0)
        die("%s", err.message);
    errlog_printf(ERRLOG_NOTICE,
                  "certmapd %s started: %s, %u worker(s), %zu site(s), %zu endpoint(s), %zu "
                  "mapping(s)",
                  CERTMAP_VERSION, g_config_path, g_srv.nworkers, snap->nsites, snap->nendpoints,
                  snap->mapping_count);
    errlog_printf(ERRLOG_INFO, "OpenSSL allocates with %s", tlsmem_allocator());
    expiry_check(&g_expiry, snap, (int64_t)time(NULL));
    daemon_ready();
    notify_status("serving generation 1: %zu site(s), %zu endpoint(s), %zu mapping(s)",
                  snap->nsites, snap->nendpoints, snap->mapping_count);
    notify_ready();
    main_loop();
    notify_stopping();
    stop_everything();
    expiry_log_free(&g_expiry);
    return 0;
}
