/*
 * w3clog.c - W3C extended logs, one file per site and UTC day.
 *
 * Locking: `lock` guards the in-memory buffer and is held only to copy a
 * formatted line into it (the line is formatted on the caller's stack
 * before); `io_lock` serialises the file: swapping the full buffer with the
 * spare one under `lock`, then writing the spare with only `io_lock` held,
 * lets workers keep appending while the disk write runs.  Order: io_lock
 * before lock; set->lock before either.
 *
 * Day roll: the buffer holds the lines of one day (buf_day).  A line of a
 * later day first sends the buffer to its file; the flush opens the file of
 * the buffer's day, writing the header when the file is new.  A line stamped
 * slightly before the current day (a worker finishing a request across
 * midnight) goes to the current file rather than reopening yesterday's.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "codec.h"
#include "errlog.h"
#include "logfile.h"
#include "w3clog.h"

#define W3CLOG_BUF_SIZE (64 * 1024) /* per log; a full buffer is written at once */
#define W3CLOG_FIELD_MAX 1900  /* bytes of one field after escaping: 8 fit in W3CLOG_LINE_MAX */
#define W3CLOG_REPORT_EVERY 60 /* seconds between two error-log reports of one log */

struct w3clog {
    pthread_mutex_t lock;    /* guards buf, len, lines, buf_day, buf_first */
    pthread_mutex_t io_lock; /* guards fd, fd_day, spare, dropped, last_report */
    char *dir;               /* owned: "<dir>/W3SVC<id>" */
    unsigned fields;         /* CERTMAP_LOG_* bits: the columns, fixed for the log's life */
    char sitename[32];       /* s-sitename as IIS writes it: "W3SVC<id>" */
    char computer[256];      /* s-computername: the host name */
    char *buf;               /* owned: pending lines, W3CLOG_BUF_SIZE bytes */
    size_t len;              /* bytes pending in buf */
    unsigned long lines;     /* lines pending in buf */
    long buf_day;            /* UTC day (days since 1970) of the lines in buf, -1 none yet */
    time_t buf_first;        /* time of the first line of buf_day, for #Date */
    char *spare;             /* owned: the buffer being written by a flush */
    int fd;                  /* file of fd_day, -1 when none open */
    long fd_day;             /* day of fd */
    unsigned long dropped;   /* lines lost to write errors */
    time_t last_report;      /* last error-log report of a write error */
    /* w3clog_set bookkeeping (unused for a log from w3clog_open) */
    char *set_dir; /* owned: the dir argument, part of the key */
    unsigned site_id;
    int refs;
    struct w3clog *next;
};

struct w3clog_set {
    pthread_mutex_t lock; /* guards logs, refs, stop */
    pthread_cond_t wake;  /* signalled to stop the flusher */
    struct w3clog *logs;  /* owned list */
    int stop;
    pthread_t flusher;
};

/* ---- formatting ------------------------------------------------------- */

/*
 * Appends ' ' and s escaped, or '-' when s is empty: spaces as '+', control
 * characters as %XX, other bytes (UTF-8 included) as they are.  At most
 * W3CLOG_FIELD_MAX bytes.
 */
static size_t
put_field(char *out, size_t o, const char *s, size_t len)
{
    char hex[3];
    size_t start = o, i;

    out[o++] = ' ';
    if (s == NULL || len == 0) {
        out[o++] = '-';
        return o;
    }
    for (i = 0; i < len && o - start < W3CLOG_FIELD_MAX - 3; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c == ' ') {
            out[o++] = '+'; /* IIS's convention; keeps one field one token */
        } else if (c < 0x20 || c == 0x7f) {
            codec_hex_encode(&c, 1, hex, CODEC_UPPER);
            out[o++] = '%'; /* a CR/LF would forge a log line */
            out[o++] = hex[0];
            out[o++] = hex[1];
        } else {
            out[o++] = (char)c;
        }
    }
    return o;
}

/* Appends ' ' and v in decimal (snprintf costs more than the rest of the line). */
static size_t
put_number(char *out, size_t o, unsigned long v)
{
    char tmp[24];
    size_t n = 0;

    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0);
    out[o++] = ' ';
    while (n > 0)
        out[o++] = tmp[--n];
    return o;
}

static size_t
put_cstr(char *out, size_t o, const char *s)
{
    return put_field(out, o, s, s != NULL ? strlen(s) : 0);
}

/* Thread-local cache of "YYYY-MM-DD HH:MM:SS" for the last second formatted. */
static _Thread_local time_t tls_time = -1;
static _Thread_local char tls_date[20];

/* Writes v as n decimal digits (zero-padded, high digits dropped). */
static void
put_ndigits(char *p, unsigned v, int n)
{
    while (n-- > 0) {
        p[n] = (char)('0' + v % 10);
        v /= 10;
    }
}

static const char *
format_datetime(time_t t)
{
    struct tm tm;

    if (t != tls_time) {
        if (gmtime_r(&t, &tm) == NULL)
            memset(&tm, 0, sizeof(tm));
        put_ndigits(tls_date, (unsigned)(tm.tm_year + 1900), 4);
        tls_date[4] = '-';
        put_ndigits(tls_date + 5, (unsigned)tm.tm_mon + 1, 2);
        tls_date[7] = '-';
        put_ndigits(tls_date + 8, (unsigned)tm.tm_mday, 2);
        tls_date[10] = ' ';
        put_ndigits(tls_date + 11, (unsigned)tm.tm_hour, 2);
        tls_date[13] = ':';
        put_ndigits(tls_date + 14, (unsigned)tm.tm_min, 2);
        tls_date[16] = ':';
        put_ndigits(tls_date + 17, (unsigned)tm.tm_sec, 2);
        tls_date[19] = '\0';
        tls_time = t;
    }
    return tls_date;
}

/* The columns IIS writes for each logExtFileFlags bit, in IIS's order. */
static const struct {
    unsigned flag;
    const char *name;
} w3c_columns[] = {
    {CERTMAP_LOG_DATE, "date"},
    {CERTMAP_LOG_TIME, "time"},
    {CERTMAP_LOG_SITE_NAME, "s-sitename"},
    {CERTMAP_LOG_COMPUTER_NAME, "s-computername"},
    {CERTMAP_LOG_SERVER_IP, "s-ip"},
    {CERTMAP_LOG_METHOD, "cs-method"},
    {CERTMAP_LOG_URI_STEM, "cs-uri-stem"},
    {CERTMAP_LOG_URI_QUERY, "cs-uri-query"},
    {CERTMAP_LOG_SERVER_PORT, "s-port"},
    {CERTMAP_LOG_USER_NAME, "cs-username"},
    {CERTMAP_LOG_CLIENT_IP, "c-ip"},
    {CERTMAP_LOG_PROTOCOL_VERSION, "cs-version"},
    {CERTMAP_LOG_USER_AGENT, "cs(User-Agent)"},
    {CERTMAP_LOG_COOKIE, "cs(Cookie)"},
    {CERTMAP_LOG_REFERER, "cs(Referer)"},
    {CERTMAP_LOG_HOST, "cs-host"},
    {CERTMAP_LOG_HTTP_STATUS, "sc-status"},
    {CERTMAP_LOG_HTTP_SUB_STATUS, "sc-substatus"},
    {CERTMAP_LOG_WIN32_STATUS, "sc-win32-status"},
    {CERTMAP_LOG_BYTES_SENT, "sc-bytes"},
    {CERTMAP_LOG_BYTES_RECV, "cs-bytes"},
    {CERTMAP_LOG_TIME_TAKEN, "time-taken"},
};
#define W3C_NCOLUMNS (sizeof(w3c_columns) / sizeof(w3c_columns[0]))

size_t
w3clog_fields_line(unsigned fields, char *buf, size_t size)
{
    size_t o = 0, i, n;

    if (size == 0)
        return 0;
    buf[0] = '\0';
    for (i = 0; i < W3C_NCOLUMNS; i++) {
        if (!(fields & w3c_columns[i].flag))
            continue;
        n = strlen(w3c_columns[i].name);
        if (o + n + 2 > size)
            return 0;
        if (o > 0)
            buf[o++] = ' ';
        memcpy(buf + o, w3c_columns[i].name, n);
        o += n;
        buf[o] = '\0';
    }
    return o;
}

/* Appends column flag of e (after a ' ', except for the first column). */
static size_t
put_column(char *out, size_t o, unsigned flag, const struct w3clog_entry *e, const char *dt)
{
    size_t start = o;

    switch (flag) {
    case CERTMAP_LOG_DATE:
        o = put_field(out, o, dt, 10);
        break;
    case CERTMAP_LOG_TIME:
        o = put_field(out, o, dt + 11, 8);
        break;
    case CERTMAP_LOG_SITE_NAME:
        o = put_cstr(out, o, e->site_name);
        break;
    case CERTMAP_LOG_COMPUTER_NAME:
        o = put_cstr(out, o, e->computer_name);
        break;
    case CERTMAP_LOG_SERVER_IP:
        o = put_cstr(out, o, e->s_ip);
        break;
    case CERTMAP_LOG_METHOD:
        o = put_field(out, o, e->method, e->method_len);
        break;
    case CERTMAP_LOG_URI_STEM:
        o = put_field(out, o, e->uri_stem, e->uri_stem_len);
        break;
    case CERTMAP_LOG_URI_QUERY:
        o = put_field(out, o, e->uri_query, e->uri_query_len);
        break;
    case CERTMAP_LOG_SERVER_PORT:
        o = put_number(out, o, e->s_port);
        break;
    case CERTMAP_LOG_USER_NAME:
        o = put_field(out, o, e->username, e->username_len);
        break;
    case CERTMAP_LOG_CLIENT_IP:
        o = put_cstr(out, o, e->c_ip);
        break;
    case CERTMAP_LOG_PROTOCOL_VERSION:
        o = put_cstr(out, o, e->version);
        break;
    case CERTMAP_LOG_USER_AGENT:
        o = put_field(out, o, e->user_agent, e->user_agent_len);
        break;
    case CERTMAP_LOG_COOKIE:
        o = put_field(out, o, e->cookie, e->cookie_len);
        break;
    case CERTMAP_LOG_REFERER:
        o = put_field(out, o, e->referer, e->referer_len);
        break;
    case CERTMAP_LOG_HOST:
        o = put_field(out, o, e->host, e->host_len);
        break;
    case CERTMAP_LOG_HTTP_STATUS:
        o = put_number(out, o, e->status < 0 ? 0 : (unsigned long)e->status);
        break;
    case CERTMAP_LOG_HTTP_SUB_STATUS:
        o = put_number(out, o, e->substatus < 0 ? 0 : (unsigned long)e->substatus);
        break;
    case CERTMAP_LOG_WIN32_STATUS:
        o = put_number(out, o, e->win32_status);
        break;
    case CERTMAP_LOG_TIME_TAKEN:
        o = put_number(out, o, e->time_taken);
        break;
    default: /* sc-bytes, cs-bytes: not counted per request */
        o = put_field(out, o, NULL, 0);
        break;
    }
    if (start == 0) { /* the first column has no separator before it */
        memmove(out, out + 1, o - 1);
        o--;
    }
    return o;
}

size_t
w3clog_format_fields(char *buf, size_t size, const struct w3clog_entry *e, unsigned fields)
{
    const char *dt;
    size_t o = 0, i;

    /* 22 escaped fields at most, the numbers and the date always fit in W3CLOG_LINE_MAX. */
    if (size < W3CLOG_LINE_MAX)
        return 0;
    dt = format_datetime(e->time != 0 ? e->time : time(NULL));
    for (i = 0; i < W3C_NCOLUMNS; i++)
        if (fields & w3c_columns[i].flag)
            o = put_column(buf, o, w3c_columns[i].flag, e, dt);
    buf[o++] = '\n';
    buf[o] = '\0';
    return o;
}

size_t
w3clog_format(char *buf, size_t size, const struct w3clog_entry *e)
{
    return w3clog_format_fields(buf, size, e, W3CLOG_DEFAULT_FIELDS);
}

/* ---- files ------------------------------------------------------------ */

/* Reports a write problem of l to the error log, at most once a minute. Under io_lock. */
static void
report(struct w3clog *l, const char *what, int e)
{
    time_t now = time(NULL);

    if (now - l->last_report < W3CLOG_REPORT_EVERY && l->last_report != 0)
        return;
    l->last_report = now;
    errlog_printf(ERRLOG_ERROR, "w3c log %s: %s: %s (%lu lines lost so far)", l->dir, what,
                  strerror(e), l->dropped);
}

static int
write_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0) {
            errno = ENOSPC;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/*
 * true when the last #Fields directive of the file open at fd (size bytes)
 * is fields_line: this log may go on under it.  Only the last MiB is read: a
 * directive further back is written again, which W3C readers accept.
 */
static bool
last_fields_match(const char *path, off_t size, const char *fields_line)
{
    char *tail, *p, *hit = NULL;
    off_t from = size > (1 << 20) ? size - (1 << 20) : 0;
    size_t n = (size_t)(size - from), want = strlen(fields_line);
    ssize_t got;
    bool ok = false;
    int rfd;

    /* The log descriptor is write-only: read through a second one, never through a link. */
    rfd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
    if (rfd < 0)
        return false;
    tail = malloc(n + 1);
    if (tail == NULL) {
        close(rfd);
        return false;
    }
    got = pread(rfd, tail, n, from);
    close(rfd);
    if (got > 0) {
        tail[got] = '\0';
        for (p = tail; (p = strstr(p, "#Fields: ")) != NULL; p++)
            if (p == tail || p[-1] == '\n')
                hit = p;
        if (hit != NULL) {
            hit += 9;
            ok = strncmp(hit, fields_line, want) == 0 && (hit[want] == '\n' || hit[want] == '\r');
        }
    }
    free(tail);
    return ok;
}

/*
 * Opens the file of day for appending (logfile.h: never through a link),
 * with the directives when it is new or when its last #Fields is not this
 * log's (logExtFileFlags changed).  Under io_lock.  -1 with errno, after
 * reporting a refused file (a planted link) to the error log.
 */
static int
open_day(struct w3clog *l, long day, time_t first)
{
    char path[PATH_MAX], head[1024], fields[512];
    struct certmap_error err;
    time_t t = (time_t)day * 86400;
    struct tm tm;
    struct stat st;
    int fd, n;

    gmtime_r(&t, &tm);
    snprintf(path, sizeof(path), "%s/u_ex%02d%02d%02d.log", l->dir, tm.tm_year % 100, tm.tm_mon + 1,
             tm.tm_mday);
    certmap_error_clear(&err);
    if (access(l->dir, F_OK) != 0 && errno == ENOENT)
        (void)logfile_mkdirs(l->dir);
    fd = logfile_open(path, &err);
    if (fd < 0) {
        errlog_printf(ERRLOG_ERROR, "w3c log %s: %s", path, err.message);
        errno = EACCES;
        return -1;
    }
    w3clog_fields_line(l->fields, fields, sizeof(fields));
    if (fstat(fd, &st) == 0 && (st.st_size == 0 || !last_fields_match(path, st.st_size, fields))) {
        if (first / 86400 != day)
            first = t;
        n = snprintf(head, sizeof(head),
                     "#Software: certmap %s\n#Version: 1.0\n#Date: %s\n#Fields: %s\n",
                     CERTMAP_VERSION, format_datetime(first), fields);
        if (write_all(fd, head, (size_t)n) != 0) {
            close(fd);
            return -1;
        }
    }
    return fd;
}

/*
 * Sends the buffer to its file: swaps it with the spare under the short
 * lock, writes outside it.
 */
void
w3clog_flush(struct w3clog *l)
{
    size_t len;
    unsigned long lines;
    long day;
    time_t first;
    char *tmp;

    if (l == NULL)
        return;
    pthread_mutex_lock(&l->io_lock);
    pthread_mutex_lock(&l->lock);
    len = l->len;
    lines = l->lines;
    day = l->buf_day;
    first = l->buf_first;
    tmp = l->buf;
    l->buf = l->spare;
    l->spare = tmp;
    l->len = 0;
    l->lines = 0;
    pthread_mutex_unlock(&l->lock);
    if (len == 0)
        goto out;
    if (l->fd < 0 || l->fd_day < day) {
        if (l->fd >= 0)
            close(l->fd);
        l->fd = open_day(l, day, first);
        l->fd_day = day;
        if (l->fd < 0) {
            l->dropped += lines;
            report(l, "cannot open the day's file", errno);
            goto out;
        }
    }
    if (write_all(l->fd, l->spare, len) != 0) {
        l->dropped += lines;
        report(l, "write failed", errno);
        /* Reopen next time: the file may have been removed or the disk freed. */
        close(l->fd);
        l->fd = -1;
    }
out:
    pthread_mutex_unlock(&l->io_lock);
}

struct w3clog *
w3clog_open(const char *dir, unsigned site_id, unsigned fields, struct certmap_error *err)
{
    struct w3clog *l = NULL;
    size_t n;

    if (dir == NULL || dir[0] == '\0') {
        certmap_error_set(err, CERTMAP_ERR_USAGE, NULL, 0, "logFile", "directory",
                          "empty log directory");
        return NULL;
    }
    l = calloc(1, sizeof(*l));
    if (l == NULL)
        goto nomem;
    n = strlen(dir) + 32;
    l->dir = malloc(n);
    l->buf = malloc(W3CLOG_BUF_SIZE);
    l->spare = malloc(W3CLOG_BUF_SIZE);
    if (l->dir == NULL || l->buf == NULL || l->spare == NULL)
        goto nomem;
    snprintf(l->dir, n, "%s/W3SVC%u", dir, site_id);
    if (logfile_mkdirs(l->dir) != 0) {
        certmap_error_set(err, CERTMAP_ERR_IO, l->dir, 0, "logFile", "directory",
                          "cannot create the log directory: %s", strerror(errno));
        goto fail;
    }
    pthread_mutex_init(&l->lock, NULL);
    pthread_mutex_init(&l->io_lock, NULL);
    l->fd = -1;
    l->fd_day = -1;
    l->buf_day = -1;
    l->site_id = site_id;
    l->fields = fields;
    snprintf(l->sitename, sizeof(l->sitename), "W3SVC%u", site_id);
    if (gethostname(l->computer, sizeof(l->computer)) != 0)
        l->computer[0] = '\0';
    l->computer[sizeof(l->computer) - 1] = '\0';
    return l;
nomem:
    certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL, "out of memory");
fail:
    if (l != NULL) {
        free(l->dir);
        free(l->buf);
        free(l->spare);
        free(l);
    }
    return NULL;
}

void
w3clog_write(struct w3clog *l, const struct w3clog_entry *e)
{
    char line[W3CLOG_LINE_MAX];
    time_t t = e->time != 0 ? e->time : time(NULL);
    struct w3clog_entry copy;
    long day = (long)(t / 86400);
    size_t n;

    if (l == NULL)
        return;
    copy = *e;
    copy.time = t;
    copy.site_name = l->sitename;
    copy.computer_name = l->computer[0] != '\0' ? l->computer : NULL;
    n = w3clog_format_fields(line, sizeof(line), &copy, l->fields);
    if (n == 0)
        return;
    pthread_mutex_lock(&l->lock);
    /* A full buffer, or a new day while lines of the old one wait: flush first. */
    while (l->len > 0 && (l->len + n > W3CLOG_BUF_SIZE || day > l->buf_day)) {
        pthread_mutex_unlock(&l->lock);
        w3clog_flush(l);
        pthread_mutex_lock(&l->lock);
    }
    if (l->len == 0 && day > l->buf_day) {
        l->buf_day = day;
        l->buf_first = t;
    }
    memcpy(l->buf + l->len, line, n);
    l->len += n;
    l->lines++;
    pthread_mutex_unlock(&l->lock);
}

unsigned long
w3clog_dropped(struct w3clog *l)
{
    unsigned long n;

    pthread_mutex_lock(&l->io_lock);
    n = l->dropped;
    pthread_mutex_unlock(&l->io_lock);
    return n;
}

void
w3clog_close(struct w3clog *l)
{
    if (l == NULL)
        return;
    w3clog_flush(l);
    if (l->fd >= 0)
        close(l->fd);
    pthread_mutex_destroy(&l->lock);
    pthread_mutex_destroy(&l->io_lock);
    free(l->dir);
    free(l->buf);
    free(l->spare);
    free(l->set_dir);
    free(l);
}

/* ---- the set of all sites' logs --------------------------------------- */

static void *
flusher_main(void *arg)
{
    struct w3clog_set *s = arg;
    struct timespec ts;
    struct w3clog *l;

    pthread_mutex_lock(&s->lock);
    while (!s->stop) {
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 1;
        pthread_cond_timedwait(&s->wake, &s->lock, &ts);
        /* Flushing under the set lock only delays get/put; workers append
         * under each log's own lock meanwhile. */
        for (l = s->logs; l != NULL; l = l->next)
            w3clog_flush(l);
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

struct w3clog_set *
w3clog_set_new(struct certmap_error *err)
{
    struct w3clog_set *s = calloc(1, sizeof(*s));
    int r;

    if (s == NULL) {
        certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->wake, NULL);
    r = pthread_create(&s->flusher, NULL, flusher_main, s);
    if (r != 0) {
        certmap_error_set(err, CERTMAP_ERR_IO, NULL, 0, NULL, NULL,
                          "cannot start the log flusher thread: %s", strerror(r));
        pthread_cond_destroy(&s->wake);
        pthread_mutex_destroy(&s->lock);
        free(s);
        return NULL;
    }
    return s;
}

struct w3clog *
w3clog_set_get(struct w3clog_set *s, const char *dir, unsigned site_id, unsigned fields,
               struct certmap_error *err)
{
    struct w3clog *l;

    pthread_mutex_lock(&s->lock);
    for (l = s->logs; l != NULL; l = l->next) {
        if (l->site_id == site_id && l->fields == fields && strcmp(l->set_dir, dir) == 0) {
            l->refs++;
            goto out;
        }
    }
    l = w3clog_open(dir, site_id, fields, err);
    if (l == NULL)
        goto out;
    l->set_dir = strdup(dir);
    if (l->set_dir == NULL) {
        certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL, "out of memory");
        w3clog_close(l);
        l = NULL;
        goto out;
    }
    l->refs = 1;
    l->next = s->logs;
    s->logs = l;
out:
    pthread_mutex_unlock(&s->lock);
    return l;
}

void
w3clog_set_put(struct w3clog_set *s, struct w3clog *l)
{
    struct w3clog **pp;

    if (l == NULL)
        return;
    pthread_mutex_lock(&s->lock);
    if (--l->refs > 0) {
        pthread_mutex_unlock(&s->lock);
        return;
    }
    for (pp = &s->logs; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == l) {
            *pp = l->next;
            break;
        }
    }
    pthread_mutex_unlock(&s->lock);
    w3clog_close(l);
}

void
w3clog_reopen(struct w3clog *l)
{
    if (l == NULL)
        return;
    pthread_mutex_lock(&l->io_lock);
    /* Lines still buffered were not written anywhere: they go to the new file. */
    if (l->fd >= 0)
        close(l->fd);
    l->fd = -1;
    pthread_mutex_unlock(&l->io_lock);
}

void
w3clog_set_reopen(struct w3clog_set *s)
{
    struct w3clog *l;

    pthread_mutex_lock(&s->lock);
    for (l = s->logs; l != NULL; l = l->next)
        w3clog_reopen(l);
    pthread_mutex_unlock(&s->lock);
}

void
w3clog_set_free(struct w3clog_set *s)
{
    struct w3clog *l, *next;

    if (s == NULL)
        return;
    pthread_mutex_lock(&s->lock);
    s->stop = 1;
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->lock);
    pthread_join(s->flusher, NULL);
    for (l = s->logs; l != NULL; l = next) {
        next = l->next;
        w3clog_close(l);
    }
    pthread_cond_destroy(&s->wake);
    pthread_mutex_destroy(&s->lock);
    free(s);
}
