/*
 * errlog.h - the error log of certmapd: server events (startup, reload,
 * configuration errors, TLS and I/O failures), one timestamped line each:
 *
 *   2026-11-25T11:54:02Z [error] reload: applicationHost.config:42: ...
 *
 * The log is process-wide (the one piece of global state outside main.c,
 * because every module reports to it).  Lines go to the file opened with
 * errlog_open() and, when to_stderr is set (--foreground) or no file is
 * open, to stderr.  Each line is formatted on the caller's stack and written
 * with one write() to an O_APPEND descriptor, so concurrent threads never
 * interleave within a line.  Callers never pass secrets (passwords,
 * Authorization values, private keys) in the message.
 */
#ifndef CERTMAP_ERRLOG_H
#define CERTMAP_ERRLOG_H

#include "certmap/error.h"

enum errlog_level {
    ERRLOG_ERROR,  /* a failure the admin must act on */
    ERRLOG_WARN,   /* degraded but working (fallback taken, write dropped) */
    ERRLOG_NOTICE, /* normal but significant: start, stop, reload */
    ERRLOG_INFO,   /* details */
    ERRLOG_DEBUG,  /* only with errlog_set_level(ERRLOG_DEBUG) */
};

/*
 * Opens path as the error log (logfile.h: O_APPEND, never through a
 * symbolic link, created 0640 with the log owner), replacing any log opened
 * before; path NULL means stderr only.  to_stderr copies every line to
 * stderr too.  Creates the parent directories (0750) when missing.
 * 0, or -1 and err (the previous log stays in use).
 */
int errlog_open(const char *path, int to_stderr, struct certmap_error *err);

/*
 * Reopens the same path (after log rotation: SIGUSR1, and SIGHUP with its
 * reload).  0, or -1 and err; the old descriptor then stays in use.
 */
int errlog_reopen(struct certmap_error *err);

/* Lines above this level are discarded; the default is ERRLOG_INFO. */
void errlog_set_level(enum errlog_level level);

/* Writes one line (a trailing '\n' in fmt is not needed); cut at 4 KiB. Thread-safe. */
void errlog_printf(enum errlog_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Closes the file; later lines go to stderr. */
void errlog_close(void);

#endif
