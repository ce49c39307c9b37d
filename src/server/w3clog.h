/*
 * w3clog.h - W3C extended log files, one per site and day, as IIS writes
 * them: <directory>/W3SVC<siteId>/u_exYYMMDD.log (UTC date), created 0640
 * (directories 0750) with the log owner, opened O_APPEND and never through a
 * symbolic link (logfile.h).  A file starts with
 *
 *   #Software: certmap <version>
 *   #Version: 1.0
 *   #Date: YYYY-MM-DD HH:MM:SS
 *   #Fields: <the columns of the site's logFile/@logExtFileFlags>
 *
 * (IIS's default set, W3CLOG_DEFAULT_FIELDS, is the line W3CLOG_FIELDS) and
 * has one line per request, fields separated by one space, '-' for an empty
 * field or one certmapd does not fill (sc-bytes, cs-bytes), spaces inside a
 * field written as '+' (as IIS does for the user agent), control characters
 * as %XX.  The directives are written when the file is created, so also
 * after the day rolls over or a rotation, and when an existing file's last
 * #Fields is not the log's (the columns changed at a reload or restart).
 *
 * Lines are buffered in memory and written when the buffer fills, by
 * w3clog_flush(), and by w3clog_close().  A w3clog_set keeps the logs of all
 * sites open across configuration reloads (keyed by directory, site id and
 * columns, reference counted) and runs a thread that flushes every log at
 * least once a second.  The log never receives Authorization headers,
 * passwords or certificate data: only the fields of struct w3clog_entry.
 */
#ifndef CERTMAP_W3CLOG_H
#define CERTMAP_W3CLOG_H

#include <stddef.h>
#include <time.h>

#include "certmap/error.h"
#include "certmap/view.h"

/* IIS's default logExtFileFlags (CERTMAP_LOG_* bits), whose columns are W3CLOG_FIELDS. */
#define W3CLOG_DEFAULT_FIELDS                                                                      \
    (CERTMAP_LOG_DATE | CERTMAP_LOG_TIME | CERTMAP_LOG_CLIENT_IP | CERTMAP_LOG_USER_NAME |         \
     CERTMAP_LOG_SERVER_IP | CERTMAP_LOG_METHOD | CERTMAP_LOG_URI_STEM | CERTMAP_LOG_URI_QUERY |   \
     CERTMAP_LOG_HTTP_STATUS | CERTMAP_LOG_WIN32_STATUS | CERTMAP_LOG_TIME_TAKEN |                 \
     CERTMAP_LOG_SERVER_PORT | CERTMAP_LOG_USER_AGENT | CERTMAP_LOG_REFERER |                      \
     CERTMAP_LOG_HTTP_SUB_STATUS)

/* The #Fields directive of the default set, without the "#Fields: " prefix. */
#define W3CLOG_FIELDS                                                                              \
    "date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) "    \
    "cs(Referer) sc-status sc-substatus sc-win32-status time-taken"

/*
 * One request.  Text fields are (pointer, length) pairs so that the server
 * can pass slices of its request buffer; a NULL pointer or a zero length
 * logs '-'.  Each field is cut at 1900 bytes.  Borrowed for the call only.
 */
struct w3clog_entry {
    time_t time;        /* when the request completed, UTC seconds; 0 = now */
    const char *s_ip;   /* server address as text ("127.0.0.1", "::1"), NUL-terminated */
    const char *c_ip;   /* client address as text, NUL-terminated */
    unsigned s_port;    /* server port */
    const char *method; /* cs-method */
    size_t method_len;
    const char *uri_stem; /* cs-uri-stem: the URL path, without the query */
    size_t uri_stem_len;
    const char *uri_query; /* cs-uri-query: the text after '?', without it */
    size_t uri_query_len;
    const char *username; /* cs-username: the authenticated (mapped) user; NULL when anonymous */
    size_t username_len;
    const char *user_agent; /* cs(User-Agent) header value */
    size_t user_agent_len;
    const char *referer; /* cs(Referer) header value */
    size_t referer_len;
    const char *cookie; /* cs(Cookie) header value */
    size_t cookie_len;
    const char *host; /* cs-host: the Host header value */
    size_t host_len;
    const char *version;        /* cs-version: "HTTP/1.1", NUL-terminated */
    const char *site_name;      /* s-sitename: filled by w3clog_write() ("W3SVC<id>") */
    const char *computer_name;  /* s-computername: filled by w3clog_write() (the host name) */
    int status;                 /* sc-status */
    int substatus;              /* sc-substatus */
    unsigned long win32_status; /* sc-win32-status: 0, or the errno that ended the request */
    unsigned long time_taken;   /* time-taken in milliseconds */
};

struct w3clog;     /* one site's log: opaque */
struct w3clog_set; /* the logs of all sites: opaque */

/*
 * Opens the log of site site_id under dir, with the columns of fields
 * (CERTMAP_LOG_* bits): creates dir and dir/W3SVC<id> (0750, logfile.h)
 * when missing; the day's file itself is created at the first line.
 * Returns a log freed by w3clog_close(), or NULL and err filled.
 */
struct w3clog *w3clog_open(const char *dir, unsigned site_id, unsigned fields,
                           struct certmap_error *err);

/*
 * Appends one line for e.  Thread-safe: the line is formatted on the
 * caller's stack and copied into the buffer under a short lock; no
 * allocation.  When the date of e->time is later than the current file's,
 * the buffer goes to the old file and a new file is started.  Write errors
 * are reported to the error log (errlog.h), at most once a minute, and the
 * lines that could not be written are counted in w3clog_dropped().
 */
void w3clog_write(struct w3clog *l, const struct w3clog_entry *e);

/* Writes the buffered lines to the file.  Thread-safe. NULL is ignored. */
void w3clog_flush(struct w3clog *l);

/* Lines lost to write errors since the log was opened. */
unsigned long w3clog_dropped(struct w3clog *l);

/*
 * Closes the file after log rotation: the next flush opens the day's file
 * by its name again (created with its directives when it was renamed away),
 * so the lines still buffered go to the new file and nothing is written to
 * the renamed one after this call.  Thread-safe.  NULL is ignored.
 */
void w3clog_reopen(struct w3clog *l);

/* Flushes, closes the file and frees l. NULL is ignored. */
void w3clog_close(struct w3clog *l);

/*
 * Formats the line of e (with its '\n' and a NUL) into buf and returns its
 * length, or 0 when size is too small (W3CLOG_LINE_MAX always suffices).
 * Exposed for tests and for tools; w3clog_write() uses it.
 */
#define W3CLOG_LINE_MAX 32768
size_t w3clog_format(char *buf, size_t size, const struct w3clog_entry *e);

/* w3clog_format() with the columns of fields (CERTMAP_LOG_* bits) instead of the default set. */
size_t w3clog_format_fields(char *buf, size_t size, const struct w3clog_entry *e, unsigned fields);

/*
 * Writes the #Fields directive of fields, without "#Fields: ", into buf
 * (NUL-terminated) and returns its length; 0 when it does not fit (512
 * bytes always suffice).
 */
size_t w3clog_fields_line(unsigned fields, char *buf, size_t size);

/*
 * Creates an empty set and starts its flusher thread, which flushes every
 * log of the set at least once a second.  NULL and err on failure.
 */
struct w3clog_set *w3clog_set_new(struct certmap_error *err);

/*
 * Returns the log of (dir, site_id, fields), opening it on first use, with
 * one more reference; release it with w3clog_set_put().  Several snapshots
 * may hold the same log, so a reload keeps files and buffers.  NULL and err
 * on failure.  Thread-safe.
 */
struct w3clog *w3clog_set_get(struct w3clog_set *s, const char *dir, unsigned site_id,
                              unsigned fields, struct certmap_error *err);

/*
 * w3clog_reopen() of every log of s (SIGUSR1, SIGHUP: after logrotate has
 * renamed the files).  Thread-safe: the workers keep appending meanwhile.
 */
void w3clog_set_reopen(struct w3clog_set *s);

/* Drops one reference; the last one flushes and closes the log. NULL l is ignored. */
void w3clog_set_put(struct w3clog_set *s, struct w3clog *l);

/* Stops the flusher, flushes and closes every log still open, frees s. NULL is ignored. */
void w3clog_set_free(struct w3clog_set *s);

#endif
