/*
 * fcgi_pool.h - the FastCGI programs certmapd starts and supervises, as
 * IIS's FastCgiModule runs php-cgi.exe: for each application whose fullPath
 * is a program (certmap_fcgi_app kind PROGRAM), up to maxInstances
 * processes, each listening on its own Unix socket, handed to it as fd 0
 * (FCGI_LISTENSOCK_FILENO), one request at a time.
 *
 * Processes:
 *  - started on first use (the first request that needs one), never at
 *    snapshot build: an application no request reaches costs nothing;
 *  - argv is fullPath then `arguments` split at blanks; the environment is
 *    clean: PATH=/usr/bin:/bin, PHP_FCGI_CHILDREN=0 (the process serves its
 *    socket itself, certmapd counts the instances), PHP_FCGI_MAX_REQUESTS=
 *    instanceMaxRequests, then environmentVariables in order (a name given
 *    again replaces the value); stdout is /dev/null, stderr certmapd's;
 *  - run as certmapd's user after its privilege drop; when certmapd runs as
 *    root no program is started (the request gets 500 and the error log
 *    names the fix: <server user>);
 *  - the child asks for SIGKILL when the thread that started it ends
 *    (prctl PR_SET_PDEATHSIG): no orphan survives certmapd, even killed;
 *  - a process that exits is reaped and started again on the next request,
 *    after a backoff (250 ms doubling up to 30 s, for the whole application:
 *    no instance starts meanwhile) when it died within a second of its
 *    start or by a signal;
 *  - stopped (SIGTERM, SIGKILL 3 s later, reaped) when idle for
 *    idleTimeout, when a reload changes the application's settings or
 *    removes it, and when certmapd stops.
 *
 * Sockets live in a private directory (mode 0700, owned by certmapd's user)
 * under $RUNTIME_DIRECTORY (systemd's RuntimeDirectory=), else $TMPDIR,
 * else /tmp, named certmapd-fcgi.XXXXXX, removed when certmapd stops.
 *
 * Connections: a request leases an instance; with FCGI_KEEP_CONN its
 * connection goes back with the lease and the next request on that
 * instance reuses it.  When every instance is busy a request queues on the
 * least loaded one (its connection waits in the socket's backlog, bounded by
 * the exchange's activityTimeout), as IIS queues requests for an
 * application at maxInstances.
 *
 * Thread safety: every function may be called from any worker; one mutex.
 */
#ifndef CERTMAP_SERVER_FCGI_POOL_H
#define CERTMAP_SERVER_FCGI_POOL_H

#include <stdbool.h>
#include <stddef.h>

#include "certmap/view.h"

struct fcgi_pool;
struct server;

/* An instance leased to one request. */
struct fcgi_lease {
    void *entry;    /* internal: the application's entry */
    unsigned index; /* internal: the instance */
    char sock[108]; /* the instance's socket, to connect to when fd < 0 */
    int fd;         /* a kept connection to it (FCGI_KEEP_CONN), owned by the lease, or -1 */
    long pid;       /* the instance's process, for logs */
};

/*
 * The supervisor of srv (srv->current's view is read, under srv->lock, to
 * stop the programs of applications a reload removed or changed).  Starts
 * its reaper thread.  NULL when memory or the thread is missing.
 */
struct fcgi_pool *fcgi_pool_new(struct server *srv);

/* Stops every process (SIGTERM, then SIGKILL after 3 s), reaps them, removes the sockets. */
void fcgi_pool_free(struct fcgi_pool *p);

/*
 * Leases an instance of app (kind PROGRAM), starting its process when none
 * runs.  0 with *l filled; -1 with why (size bytes) when no instance can
 * serve: certmapd runs as root, the program cannot be run, out of
 * processes, or restarting after failures.
 */
int fcgi_pool_acquire(struct fcgi_pool *p, const struct certmap_fcgi_app *app, struct fcgi_lease *l,
                      char *why, size_t size);

/*
 * Ends the lease: fd (the connection the request used, or -1; taken) is
 * kept for the next request when reusable (END_REQUEST came, keep-conn) and
 * the process has not reached instanceMaxRequests, else closed.
 */
void fcgi_pool_release(struct fcgi_pool *p, struct fcgi_lease *l, int fd, bool reusable);

/*
 * The leased instance hangs (its request exceeded requestTimeout or
 * activityTimeout): its process is stopped, as IIS terminates it; the next
 * request starts another.  Call before fcgi_pool_release().
 */
void fcgi_pool_kill(struct fcgi_pool *p, const struct fcgi_lease *l);

#endif
