/*
 * main.c - certmapd: options, daemon setup, signals, pid file, the main
 * loop (which starts reloads, reload.c, on SIGHUP or a watched change) and
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
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "certmap/config.h"
#include "conn.h"
#include "errlog.h"
#include "logon.h"
#include "logonsvc.h"
#include "notify.h"
#include "reload.h"
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

static struct server g_srv;
static struct options g_opt;
static char g_config_path[PATH_MAX];
static struct reload_ctx g_reload; /* logs, generation and listen keys of the reloads */
/* Logon services whose last snapshot went away, freed by the main loop (logonsvc.h). */
struct retired_logon {
    struct logon *logon;
    struct retired_logon *next;
};
static pthread_mutex_t g_retired_lock = PTHREAD_MUTEX_INITIALIZER;
static struct retired_logon *g_retired; /* guarded by g_retired_lock */
static int g_retired_fd = -1;           /* eventfd: g_retired has something */
static int g_ready_fd = -1;             /* daemon: pipe to the waiting parent */

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
    w3clog_set_free(g_reload.logs);
    reload_ctx_clear(&g_reload);
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
            wfd = reload_watch_content(g_srv.current, wfd);
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
        if ((pfd[2].revents & POLLIN) && reload_config_changed(ifd, base)) {
            pending = true;
            due = now + RELOAD_DELAY_MS;
        }
        if ((pfd[4].revents & POLLIN) && reload_content_changed(wfd)) {
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
                    if (job != NULL)
                        reload_abandon(job);
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
                reload_finish(&g_reload, job);
                job = NULL;
                notify_ready(); /* ends the reload, whether it succeeded or not */
            }
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
    g_reload.srv = &g_srv;
    g_reload.config_path = g_config_path;
    g_reload.retire = retire_logon;
    g_reload.logs = w3clog_set_new(&err);
    if (g_reload.logs == NULL)
        die("W3C logs: %s", err.message);
    memset(&diags, 0, sizeof(diags));
    g_reload.generation = 1;
    snap = reload_load_snapshot(g_config_path, g_reload.generation, g_reload.logs, &diags, &err);
    if (snap == NULL) {
        char line[2048];
        if (diags.errors == 0)
            fprintf(stderr, "certmapd: %s\n", certmap_error_format(&err, line, sizeof(line)));
        reload_report_diags(&diags, true, "");
        certmap_diags_free(&diags);
        die("the configuration %s cannot be served", g_config_path);
    }
    if (errlog_open(snap->server.error_log, g_opt.foreground, &err) != 0)
        die("error log %s: %s", snap->server.error_log, err.message);
    reload_report_diags(&diags, false, "");
    certmap_diags_free(&diags);

    g_retired_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (g_retired_fd < 0)
        die("eventfd: %s", strerror(errno));
    svc = reload_logon_new(&g_reload, snap, &err);
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
    notify_status("serving generation 1: %zu site(s), %zu endpoint(s), %zu mapping(s)",
                  snap->nsites, snap->nendpoints, snap->mapping_count);
    notify_ready();
    main_loop();
    notify_stopping();
    stop_everything();
    return 0;
}
