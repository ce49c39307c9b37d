/*
 * errlog.c - the process-wide error log.  A line is formatted on the
 * caller's stack and written with a single write() to an O_APPEND
 * descriptor: the kernel keeps such writes whole, so no lock is needed for
 * the line itself.  A read-write lock only keeps the descriptor from being
 * closed or replaced while a write is in progress (reopen after rotation).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "errlog.h"
#include "logfile.h"

#define ERRLOG_LINE_MAX 4096

static pthread_rwlock_t errlog_lock = PTHREAD_RWLOCK_INITIALIZER;
static int errlog_fd = -1;         /* the file, -1 when none (guarded by errlog_lock) */
static int errlog_stderr = 1;      /* copy lines to stderr (guarded by errlog_lock) */
static char errlog_path[PATH_MAX]; /* path of the file, for reopen (guarded by errlog_lock) */
static atomic_int errlog_level = ERRLOG_INFO;

static const char *const level_names[] = {"error", "warn", "notice", "info", "debug"};

/* Creates the parent directories of path (logfile.h: 0750, the log owner) when missing. */
static void
make_parent(const char *path)
{
    char dir[PATH_MAX];
    char *slash;

    if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
        return;
    slash = strrchr(dir, '/');
    if (slash == NULL || slash == dir)
        return;
    *slash = '\0';
    (void)logfile_mkdirs(dir); /* errors show at open() */
}

static int
open_file(const char *path, struct certmap_error *err)
{
    make_parent(path);
    return logfile_open(path, err);
}

int
errlog_open(const char *path, int to_stderr, struct certmap_error *err)
{
    int fd = -1, old;

    if (path != NULL) {
        if (strlen(path) >= sizeof(errlog_path)) {
            certmap_error_set(err, CERTMAP_ERR_USAGE, path, 0, NULL, NULL,
                              "error log path too long");
            return -1;
        }
        fd = open_file(path, err);
        if (fd < 0)
            return -1;
    }
    pthread_rwlock_wrlock(&errlog_lock);
    old = errlog_fd;
    errlog_fd = fd;
    errlog_stderr = to_stderr || fd < 0;
    if (path != NULL)
        snprintf(errlog_path, sizeof(errlog_path), "%s", path);
    else
        errlog_path[0] = '\0';
    pthread_rwlock_unlock(&errlog_lock);
    if (old >= 0)
        close(old);
    return 0;
}

int
errlog_reopen(struct certmap_error *err)
{
    char path[PATH_MAX];
    int fd, old;

    pthread_rwlock_rdlock(&errlog_lock);
    snprintf(path, sizeof(path), "%s", errlog_path);
    pthread_rwlock_unlock(&errlog_lock);
    if (path[0] == '\0')
        return 0;
    fd = open_file(path, err);
    if (fd < 0)
        return -1;
    pthread_rwlock_wrlock(&errlog_lock);
    old = errlog_fd;
    errlog_fd = fd;
    pthread_rwlock_unlock(&errlog_lock);
    if (old >= 0)
        close(old);
    return 0;
}

void
errlog_set_level(enum errlog_level level)
{
    atomic_store(&errlog_level, (int)level);
}

void
errlog_close(void)
{
    int old;

    pthread_rwlock_wrlock(&errlog_lock);
    old = errlog_fd;
    errlog_fd = -1;
    errlog_stderr = 1;
    errlog_path[0] = '\0';
    pthread_rwlock_unlock(&errlog_lock);
    if (old >= 0)
        close(old);
}

/* Writes all of buf, retrying on EINTR and short writes; errors are dropped (nowhere to report). */
static void
write_line(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        buf += n;
        len -= (size_t)n;
    }
}

void
errlog_printf(enum errlog_level level, const char *fmt, ...)
{
    char line[ERRLOG_LINE_MAX];
    struct timespec ts;
    struct tm tm;
    va_list ap;
    size_t n, i, start;
    int r;

    if ((int)level > atomic_load(&errlog_level))
        return;
    if ((unsigned)level >= sizeof(level_names) / sizeof(level_names[0]))
        level = ERRLOG_ERROR;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    r = snprintf(line, sizeof(line), "%04d-%02d-%02dT%02d:%02d:%02dZ [%s] ", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, level_names[level]);
    start = r > 0 ? (size_t)r : 0;
    va_start(ap, fmt);
    r = vsnprintf(line + start, sizeof(line) - start - 1, fmt, ap);
    va_end(ap);
    n = r < 0 ? start : start + (size_t)r;
    if (n > sizeof(line) - 2)
        n = sizeof(line) - 2;
    /* One event, one line: a newline or control character in a message
     * (a file name, a peer's SNI) must not forge a second entry. */
    while (n > start && line[n - 1] == '\n')
        n--;
    for (i = start; i < n; i++)
        if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
            line[i] = ' ';
    line[n++] = '\n';
    pthread_rwlock_rdlock(&errlog_lock);
    if (errlog_fd >= 0)
        write_line(errlog_fd, line, n);
    if (errlog_stderr)
        write_line(STDERR_FILENO, line, n);
    pthread_rwlock_unlock(&errlog_lock);
}
