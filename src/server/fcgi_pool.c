/*
 * fcgi_pool.c - FastCGI programs started, leased, reaped and stopped
 * (fcgi_pool.h).
 *
 * One mutex guards everything; a reaper thread wakes every 500 ms to reap
 * exited processes, stop idle ones and those of applications a reload
 * changed, and SIGKILL the ones that ignored SIGTERM.  The processes are
 * forked by the worker that needs one (started on first use); the child
 * only calls async-signal-safe functions before execve(), everything it
 * needs (argv, envp) is built beforehand.
 */
#include "fcgi_pool.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "errlog.h"
#include "snapshot.h"
#include "worker.h"

#define STOP_GRACE_MS 3000
#define BACKOFF_MIN_MS 250
#define BACKOFF_MAX_MS 30000
#define ENV_MAX 64
#define ARGV_MAX 32

struct inst {
    pid_t pid;          /* 0: not running */
    uint64_t started;   /* ms */
    uint64_t last_used; /* ms: end of the last lease */
    unsigned users;     /* leases (1 serving, more queued in the backlog) */
    unsigned served;    /* requests since the start */
    int idle_fd;        /* kept connection, -1 */
    char sock[108];
};

struct entry {
    char *key; /* full_path, arguments, environment, limits (owned) */
    char *argv[ARGV_MAX + 1];
    char *envp[ENV_MAX + 4];
    char *strings;    /* owned storage of argv and envp */
    unsigned max;     /* maxInstances */
    unsigned max_req; /* instanceMaxRequests */
    unsigned idle_ms; /* idleTimeout */
    unsigned id;      /* for socket names */
    bool stale;       /* no longer in the current configuration */
    /*
     * The backoff belongs to the application, not to one instance: a
     * program that dies at once would otherwise be started maxInstances
     * times per delay, once in each free slot.
     */
    unsigned fails;      /* early deaths in a row */
    uint64_t restart_at; /* ms: no process of it is started before */
    struct inst *inst;   /* max entries */
    struct entry *next;
};

/* A process being stopped. */
struct dying {
    pid_t pid;
    uint64_t kill_at; /* ms: SIGKILL when still alive */
    struct dying *next;
};

struct fcgi_pool {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    pthread_t reaper;
    bool stop;
    struct server *srv;
    struct entry *entries;
    struct dying *dying;
    unsigned next_id;
    char dir[256]; /* runtime directory, "" until the first start */
};

/* ---- keys and entries ---- */

static int
key_add(char **k, size_t *len, size_t *cap, const char *s)
{
    size_t n = strlen(s) + 1;
    char *nk;

    if (*len + n > *cap) {
        *cap = (*len + n) * 2;
        nk = realloc(*k, *cap);
        if (nk == NULL)
            return -1;
        *k = nk;
    }
    memcpy(*k + *len, s, n); /* the NUL separates the parts */
    *len += n;
    return 0;
}

/* The settings that make a process: a change means other processes. */
static char *
app_key(const struct certmap_fcgi_app *a, size_t *klen)
{
    char num[64], *k = NULL;
    size_t len = 0, cap = 0;
    int r = 0;

    snprintf(num, sizeof(num), "%u/%u/%u", a->max_instances, a->instance_max_requests,
             a->idle_timeout);
    r |= key_add(&k, &len, &cap, a->full_path);
    r |= key_add(&k, &len, &cap, a->arguments);
    r |= key_add(&k, &len, &cap, num);
    for (size_t i = 0; i < a->nenv; i++) {
        r |= key_add(&k, &len, &cap, a->env[i].name);
        r |= key_add(&k, &len, &cap, a->env[i].value);
    }
    if (r != 0) {
        free(k);
        return NULL;
    }
    *klen = len;
    return k;
}

static size_t
key_len(const char *k)
{
    size_t n = 0;

    /* the parts end in NUL, so the length is stored in front of the key (key_store()) */
    memcpy(&n, k - sizeof(n), sizeof(n));
    return n;
}

/* A key stored with its length in front (keys hold NULs). */
static char *
key_store(char *k, size_t len)
{
    char *s = malloc(sizeof(len) + len);

    if (s == NULL)
        return NULL;
    memcpy(s, &len, sizeof(len));
    memcpy(s + sizeof(len), k, len);
    return s + sizeof(len);
}

static void
entry_free(struct entry *e)
{
    if (e == NULL)
        return;
    free(e->key != NULL ? e->key - sizeof(size_t) : NULL);
    free(e->strings);
    free(e->inst);
    free(e);
}

/* argv and envp of a's processes, in e->strings. -1 when memory runs out or too many. */
static int
entry_exec(struct entry *e, const struct certmap_fcgi_app *a)
{
    size_t need = strlen(a->full_path) + strlen(a->arguments) + 128, off = 0;
    unsigned na = 0, ne = 0;
    char *s, *p;

    for (size_t i = 0; i < a->nenv; i++)
        need += strlen(a->env[i].name) + strlen(a->env[i].value) + 2;
    s = malloc(need);
    if (s == NULL)
        return -1;
    e->strings = s;
    e->argv[na++] = strcpy(s + off, a->full_path);
    off += strlen(a->full_path) + 1;
    /* arguments: split at blanks (IIS passes the string to the command line as it is) */
    p = strcpy(s + off, a->arguments);
    off += strlen(a->arguments) + 1;
    for (char *t = strtok(p, " \t"); t != NULL; t = strtok(NULL, " \t")) {
        if (na == ARGV_MAX)
            return -1;
        e->argv[na++] = t;
    }
    e->argv[na] = NULL;
    e->envp[ne++] = strcpy(s + off, "PATH=/usr/bin:/bin");
    off += strlen(s + off) + 1;
    e->envp[ne++] = strcpy(s + off, "PHP_FCGI_CHILDREN=0");
    off += strlen(s + off) + 1;
    e->envp[ne] = s + off;
    off += (size_t)snprintf(s + off, need - off, "PHP_FCGI_MAX_REQUESTS=%u",
                            a->instance_max_requests) +
           1;
    ne++;
    for (size_t i = 0; i < a->nenv; i++) {
        size_t nl = strlen(a->env[i].name);
        char *v = s + off;
        unsigned k;

        off += (size_t)snprintf(v, need - off, "%s=%s", a->env[i].name, a->env[i].value) + 1;
        for (k = 0; k < ne; k++)
            if (strncmp(e->envp[k], v, nl + 1) == 0)
                break;
        if (k == ne && ne == ENV_MAX)
            return -1;
        e->envp[k] = v;
        if (k == ne)
            ne++;
    }
    e->envp[ne] = NULL;
    return 0;
}

static struct entry *
entry_find(struct fcgi_pool *p, const struct certmap_fcgi_app *a)
{
    size_t klen;
    char *k = app_key(a, &klen);
    struct entry *e = NULL;

    if (k == NULL)
        return NULL;
    for (e = p->entries; e != NULL; e = e->next)
        if (!e->stale && key_len(e->key) == klen && memcmp(e->key, k, klen) == 0)
            break;
    if (e != NULL)
        goto out;
    e = calloc(1, sizeof(*e));
    if (e == NULL)
        goto out;
    e->max = a->max_instances > 0 ? a->max_instances : 4;
    e->max_req = a->instance_max_requests;
    e->idle_ms = a->idle_timeout * 1000U;
    e->id = p->next_id++;
    e->key = key_store(k, klen);
    e->inst = calloc(e->max, sizeof(*e->inst));
    if (e->key == NULL || e->inst == NULL || entry_exec(e, a) != 0) {
        entry_free(e);
        e = NULL;
        goto out;
    }
    for (unsigned i = 0; i < e->max; i++)
        e->inst[i].idle_fd = -1;
    e->next = p->entries;
    p->entries = e;
out:
    free(k);
    return e;
}

/* ---- processes ---- */

static int
runtime_dir(struct fcgi_pool *p, char *why, size_t size)
{
    const char *base = getenv("RUNTIME_DIRECTORY");

    if (p->dir[0] != '\0')
        return 0;
    if (base == NULL || base[0] == '\0')
        base = getenv("TMPDIR");
    if (base == NULL || base[0] == '\0')
        base = "/tmp";
    snprintf(p->dir, sizeof(p->dir), "%.200s/certmapd-fcgi.XXXXXX", base);
    if (mkdtemp(p->dir) == NULL) {
        snprintf(why, size, "cannot create the socket directory under %s: %s", base,
                 strerror(errno));
        p->dir[0] = '\0';
        return -1;
    }
    return 0;
}

/* In the child, before execve(): async-signal-safe calls only. */
static void
child(const struct entry *e, int lfd, pid_t parent)
{
    sigset_t all;
    int null;

    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
        _exit(127);
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL); /* certmapd's threads block SIGTERM */
    signal(SIGPIPE, SIG_DFL);
    if (dup2(lfd, 0) != 0)
        _exit(127);
    null = open("/dev/null", O_WRONLY);
    if (null >= 0 && null != 1) {
        dup2(null, 1);
        close(null);
    }
    if (syscall(SYS_close_range, 3U, ~0U, 0U) != 0)
        for (int fd = 3; fd < 4096; fd++)
            close(fd);
    execve(e->argv[0], e->argv, e->envp);
    _exit(127);
}

static int
start(struct fcgi_pool *p, struct entry *e, unsigned i, char *why, size_t size)
{
    struct inst *in = &e->inst[i];
    struct sockaddr_un sa;
    pid_t parent = getpid(), pid;
    int lfd;

    if (geteuid() == 0) {
        snprintf(why, size,
                 "certmapd runs as root: FastCGI programs are never started as root; set "
                 "<certmap><server user=\"...\"> so that certmapd drops to a service user");
        return -1;
    }
    if (access(e->argv[0], X_OK) != 0) {
        snprintf(why, size, "%s cannot be run: %s", e->argv[0], strerror(errno));
        return -1;
    }
    if (runtime_dir(p, why, size) != 0)
        return -1;
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    snprintf(in->sock, sizeof(in->sock), "%s/a%u-%u.sock", p->dir, e->id, i);
    memcpy(sa.sun_path, in->sock, strlen(in->sock));
    unlink(in->sock);
    lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(lfd, 128) != 0) {
        snprintf(why, size, "socket %s: %s", in->sock, strerror(errno));
        if (lfd >= 0)
            close(lfd);
        return -1;
    }
    pid = fork();
    if (pid == 0)
        child(e, lfd, parent);
    close(lfd);
    if (pid < 0) {
        snprintf(why, size, "fork: %s", strerror(errno));
        return -1;
    }
    in->pid = pid;
    in->started = worker_now_ms();
    in->last_used = in->started;
    in->served = 0;
    errlog_printf(ERRLOG_INFO, "FastCGI: started %s (pid %ld) on %s", e->argv[0], (long)pid,
                  in->sock);
    return 0;
}

/* SIGTERM now, SIGKILL after the grace (the reaper). */
static void
stop(struct fcgi_pool *p, struct inst *in)
{
    struct dying *d;

    if (in->idle_fd >= 0)
        close(in->idle_fd);
    in->idle_fd = -1;
    if (in->pid <= 0)
        return;
    kill(in->pid, SIGTERM);
    d = calloc(1, sizeof(*d));
    if (d == NULL) {
        kill(in->pid, SIGKILL);
        waitpid(in->pid, NULL, 0);
    } else {
        d->pid = in->pid;
        d->kill_at = worker_now_ms() + STOP_GRACE_MS;
        d->next = p->dying;
        p->dying = d;
    }
    unlink(in->sock);
    in->pid = 0;
}

/* An exited process: reaped, its restart planned. */
static void
exited(struct entry *e, struct inst *in, int st, uint64_t now)
{
    bool early = now - in->started < 1000 || WIFSIGNALED(st);

    if (WIFSIGNALED(st))
        errlog_printf(ERRLOG_ERROR, "FastCGI: %s (pid %ld) was killed by signal %d", e->argv[0],
                      (long)in->pid, WTERMSIG(st));
    else if (early || WEXITSTATUS(st) != 0)
        errlog_printf(ERRLOG_ERROR, "FastCGI: %s (pid %ld) exited with status %d", e->argv[0],
                      (long)in->pid, WEXITSTATUS(st));
    if (in->idle_fd >= 0)
        close(in->idle_fd);
    in->idle_fd = -1;
    unlink(in->sock);
    in->pid = 0;
    if (early) {
        unsigned ms = BACKOFF_MIN_MS << (e->fails < 7 ? e->fails : 7);
        e->fails++;
        e->restart_at = now + (ms < BACKOFF_MAX_MS ? ms : BACKOFF_MAX_MS);
    } else {
        e->fails = 0;
    }
}

/* true when the kept connection fd was closed by the process (or it sent something). */
static bool
kept_dead(int fd)
{
    char b;
    ssize_t n = recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);

    return !(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
}

int
fcgi_pool_acquire(struct fcgi_pool *p, const struct certmap_fcgi_app *app, struct fcgi_lease *l,
                  char *why, size_t size)
{
    uint64_t now = worker_now_ms();
    struct entry *e;
    struct inst *in;
    int ret = -1, pick = -1, st;

    memset(l, 0, sizeof(*l));
    l->fd = -1;
    pthread_mutex_lock(&p->lock);
    e = entry_find(p, app);
    if (e == NULL) {
        snprintf(why, size, "out of memory or too many arguments/environmentVariables");
        goto out;
    }
    /* reap here too: a request must not wait for the reaper to see a dead process */
    for (unsigned i = 0; i < e->max; i++)
        if (e->inst[i].pid > 0 && waitpid(e->inst[i].pid, &st, WNOHANG) == e->inst[i].pid)
            exited(e, &e->inst[i], st, now);
    /* a free instance with a kept connection, then a free one, then a new one, then the
       least loaded (queued) */
    for (unsigned i = 0; i < e->max && pick < 0; i++) {
        in = &e->inst[i];
        if (in->pid > 0 && in->users == 0 && in->idle_fd >= 0) {
            if (kept_dead(in->idle_fd)) {
                close(in->idle_fd);
                in->idle_fd = -1;
            }
            pick = (int)i;
        }
    }
    for (unsigned i = 0; i < e->max && pick < 0; i++)
        if (e->inst[i].pid > 0 && e->inst[i].users == 0)
            pick = (int)i;
    for (unsigned i = 0; i < e->max && pick < 0; i++) {
        in = &e->inst[i];
        if (in->pid == 0 && e->restart_at <= now) {
            if (start(p, e, i, why, size) != 0)
                goto out;
            pick = (int)i;
        }
    }
    for (unsigned i = 0; i < e->max; i++)
        if (pick < 0 ? e->inst[i].pid > 0
                     : (e->inst[pick].users > 0 && e->inst[i].pid > 0 &&
                        e->inst[i].users < e->inst[pick].users))
            pick = (int)i;
    if (pick < 0) {
        snprintf(why, size,
                 "no instance of %s can serve: every process failed and waits before its "
                 "restart",
                 e->argv[0]);
        goto out;
    }
    in = &e->inst[pick];
    in->users++;
    l->entry = e;
    l->index = (unsigned)pick;
    l->pid = in->pid;
    memcpy(l->sock, in->sock, sizeof(l->sock));
    if (in->users == 1) {
        l->fd = in->idle_fd;
        in->idle_fd = -1;
    }
    ret = 0;
out:
    pthread_mutex_unlock(&p->lock);
    return ret;
}

void
fcgi_pool_release(struct fcgi_pool *p, struct fcgi_lease *l, int fd, bool reusable)
{
    struct entry *e = l->entry;
    struct inst *in;

    if (e == NULL) {
        if (fd >= 0)
            close(fd);
        return;
    }
    pthread_mutex_lock(&p->lock);
    in = &e->inst[l->index];
    in->users--;
    in->served++;
    in->last_used = worker_now_ms();
    /* kept only when nobody waits in the backlog behind it and the process stays */
    if (fd >= 0 && reusable && in->users == 0 && in->pid == l->pid && in->pid > 0 && !e->stale &&
        (e->max_req == 0 || in->served < e->max_req) && in->idle_fd < 0) {
        in->idle_fd = fd;
        fd = -1;
    }
    pthread_mutex_unlock(&p->lock);
    if (fd >= 0)
        close(fd);
    l->entry = NULL;
}

void
fcgi_pool_kill(struct fcgi_pool *p, const struct fcgi_lease *l)
{
    struct entry *e = l->entry;
    struct inst *in;

    if (e == NULL)
        return;
    pthread_mutex_lock(&p->lock);
    in = &e->inst[l->index];
    if (in->pid == l->pid && in->pid > 0) {
        errlog_printf(ERRLOG_WARN, "FastCGI: stopping %s (pid %ld): its request timed out",
                      e->argv[0], (long)in->pid);
        stop(p, in); /* started again on the next request: a hang is no early death */
    }
    pthread_mutex_unlock(&p->lock);
}

/* ---- the reaper ---- */

/* Marks the entries the current configuration no longer has. */
static void
mark_stale(struct fcgi_pool *p)
{
    const struct certmap_view *v;

    pthread_mutex_lock(&p->srv->lock);
    v = p->srv->current != NULL ? p->srv->current->view : NULL;
    for (struct entry *e = p->entries; e != NULL && v != NULL; e = e->next) {
        bool found = false;
        for (size_t i = 0; i < certmap_view_fcgi_app_count(v) && !found; i++) {
            const struct certmap_fcgi_app *a = certmap_view_fcgi_app(v, i);
            size_t klen;
            char *k;
            if (a->kind != CERTMAP_FCGI_PROGRAM)
                continue;
            k = app_key(a, &klen);
            found = k == NULL || (key_len(e->key) == klen && memcmp(e->key, k, klen) == 0);
            free(k);
        }
        if (!found && !e->stale) {
            errlog_printf(ERRLOG_INFO, "FastCGI: %s: the configuration changed, its processes stop",
                          e->argv[0]);
            e->stale = true;
        }
    }
    pthread_mutex_unlock(&p->srv->lock);
}

static void
tick(struct fcgi_pool *p)
{
    uint64_t now = worker_now_ms();
    struct entry **pe = &p->entries, *e;
    struct dying **pd = &p->dying, *d;
    int st;

    while ((e = *pe) != NULL) {
        unsigned live = 0;
        for (unsigned i = 0; i < e->max; i++) {
            struct inst *in = &e->inst[i];
            if (in->pid > 0 && waitpid(in->pid, &st, WNOHANG) == in->pid)
                exited(e, in, st, now);
            if (in->pid > 0 && in->users == 0 &&
                (e->stale || (e->idle_ms > 0 && now - in->last_used >= e->idle_ms)))
                stop(p, in);
            live += in->pid > 0 || in->users > 0;
        }
        if (e->stale && live == 0) {
            *pe = e->next;
            entry_free(e);
            continue;
        }
        pe = &e->next;
    }
    while ((d = *pd) != NULL) {
        pid_t r = waitpid(d->pid, &st, WNOHANG);
        if (r == d->pid || (r < 0 && errno == ECHILD)) {
            *pd = d->next;
            free(d);
            continue;
        }
        if (now >= d->kill_at) {
            kill(d->pid, SIGKILL);
            d->kill_at = UINT64_MAX;
        }
        pd = &d->next;
    }
}

static void *
reaper(void *arg)
{
    struct fcgi_pool *p = arg;
    struct timespec ts;

    pthread_mutex_lock(&p->lock);
    while (!p->stop) {
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_nsec += 500 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&p->cond, &p->lock, &ts);
        if (p->stop)
            break;
        if (p->entries == NULL && p->dying == NULL)
            continue;
        pthread_mutex_unlock(&p->lock);
        mark_stale(p); /* takes srv->lock: never while holding ours */
        pthread_mutex_lock(&p->lock);
        tick(p);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

struct fcgi_pool *
fcgi_pool_new(struct server *srv)
{
    struct fcgi_pool *p = calloc(1, sizeof(*p));
    pthread_condattr_t ca;

    if (p == NULL)
        return NULL;
    p->srv = srv;
    pthread_mutex_init(&p->lock, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&p->cond, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&p->reaper, NULL, reaper, p) != 0) {
        pthread_cond_destroy(&p->cond);
        pthread_mutex_destroy(&p->lock);
        free(p);
        return NULL;
    }
    return p;
}

void
fcgi_pool_free(struct fcgi_pool *p)
{
    uint64_t deadline;

    if (p == NULL)
        return;
    pthread_mutex_lock(&p->lock);
    p->stop = true;
    pthread_cond_signal(&p->cond);
    pthread_mutex_unlock(&p->lock);
    pthread_join(p->reaper, NULL);
    for (struct entry *e = p->entries; e != NULL; e = e->next)
        for (unsigned i = 0; i < e->max; i++)
            stop(p, &e->inst[i]);
    deadline = worker_now_ms() + STOP_GRACE_MS;
    while (p->dying != NULL) {
        struct dying *d = p->dying;
        pid_t r = waitpid(d->pid, NULL, WNOHANG);
        if (r == d->pid || (r < 0 && errno == ECHILD)) {
            p->dying = d->next;
            free(d);
            continue;
        }
        if (worker_now_ms() >= deadline) {
            kill(d->pid, SIGKILL);
            waitpid(d->pid, NULL, 0);
            continue;
        }
        usleep(20000);
    }
    while (p->entries != NULL) {
        struct entry *e = p->entries;
        p->entries = e->next;
        entry_free(e);
    }
    if (p->dir[0] != '\0')
        rmdir(p->dir);
    pthread_cond_destroy(&p->cond);
    pthread_mutex_destroy(&p->lock);
    free(p);
}
