/*
 * notify.h - certmapd's reports to the service manager (systemd's
 * Type=notify protocol, through libsystemd's sd_notify()).
 *
 * Each call sends one state change on the socket named by $NOTIFY_SOCKET
 * and does nothing when that variable is unset (started by hand, by another
 * init system, or by the tests), so callers never test for systemd
 * themselves.  A failed send is not an error of the server: systemd then
 * times the start or reload out and says so; the calls return nothing.
 *
 *   notify_ready()      READY=1: every listener is open and the workers serve
 *                       (systemd's start job completes; `systemctl start`
 *                       returns only then)
 *   notify_reloading()  RELOADING=1 and MONOTONIC_USEC: a reload begins
 *                       (`systemctl reload` waits for the next notify_ready())
 *   notify_stopping()   STOPPING=1: a graceful stop begins
 *   notify_status()     STATUS=...: the one-line status `systemctl status` shows
 */
#ifndef CERTMAP_SERVER_NOTIFY_H
#define CERTMAP_SERVER_NOTIFY_H

void notify_ready(void);
void notify_reloading(void);
void notify_stopping(void);

/* printf-style; the line is cut at 256 bytes and any newline becomes a space. */
void notify_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
