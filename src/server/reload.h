/*
 * reload.h - loading certmapd's configuration into a snapshot, at startup
 * and again while the server runs.
 *
 * A reload (SIGHUP, or the configuration or a web.config changing) builds
 * the new snapshot on a thread of its own, so the main loop keeps reading
 * signals; the main loop then installs it with reload_finish(): the
 * listeners of new endpoints are opened first (a port in use keeps the
 * running configuration), the logon service is shared or replaced, and
 * every worker gets the snapshot with its share of the new listeners.  A
 * configuration that fails to load or to install leaves the running one in
 * place and logs every error with file:line.
 *
 * The state lives in a struct reload_ctx that main.c owns (main.c holds the
 * process-global state, STYLE §5); every function here runs on the main
 * thread, except the build inside a job.
 */
#ifndef CERTMAP_SERVER_RELOAD_H
#define CERTMAP_SERVER_RELOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "certmap/config.h"
#include "certmap/error.h"
#include "logonsvc.h"
#include "snapshot.h"
#include "w3clog.h"
#include "worker.h"

/* A file of the TLS settings that certmapd watches: a name in a watched directory. */
struct reload_watched {
    int wd;     /* inotify watch of its directory */
    char *name; /* file name in that directory (owned); NULL: any file (a certificate store) */
};

/* What reloads need of the running server.  One instance, owned by main.c. */
struct reload_ctx {
    struct server *srv;          /* workers and the current snapshot (borrowed) */
    const char *config_path;     /* absolute path of applicationHost.config (borrowed) */
    struct w3clog_set *logs;     /* log files shared by every snapshot (borrowed) */
    logonsvc_retire_fn retire;   /* retire function of the logon services started here */
    dirsvc_retire_fn dir_retire; /* retire function of the directory pools started here */
    unsigned long generation;    /* generation of the newest snapshot started */
    char **listen_keys;          /* endpoint keys the workers listen on (owned) */
    size_t nlisten_keys;
    int files_fd;                   /* inotify of the TLS files' directories, -1 when none */
    struct reload_watched *watched; /* the files files_fd watches (owned) */
    size_t nwatched;
    /* the server's own session-ticket keys (tickets.h; secret, wiped by main.c at exit):
       kept across reloads so that sessions survive them, rotated by reload_start() */
    struct ticketkeys ticket_keys;
};

/* A reload in progress on its own thread. */
struct reload_job;

/*
 * Opens the configuration at path and builds a snapshot of it; diags
 * collects every finding.  Sites without ticketKeyFile derive their ticket
 * keys from process_keys (borrowed for the call; NULL: random keys).
 * Returns the snapshot (one reference), or NULL and err filled (diags may
 * hold the errors instead, diags->errors > 0).
 */
struct snapshot *reload_load_snapshot(const char *path, unsigned long generation,
                                      struct w3clog_set *logs,
                                      const struct ticketkeys *process_keys,
                                      struct certmap_diags *diags, struct certmap_error *err);

/*
 * Reports the errors and warnings of diags (notes are left out): errors on
 * stderr when to_stderr (startup, before the error log exists), everything
 * else to the error log, each line prefixed with what ("reload: ").
 */
void reload_report_diags(const struct certmap_diags *diags, bool to_stderr, const char *what);

/*
 * Starts a logon service for snap's <certmap><logon> settings, retired
 * through ctx->retire.  Returns it with one reference (the caller hands it to
 * snapshot_set_logon()), or NULL and err filled.
 */
struct logonsvc *reload_logon_new(const struct reload_ctx *ctx, const struct snapshot *snap,
                                  struct certmap_error *err);

/*
 * Opens the listeners of every endpoint of snap that the workers do not
 * listen on yet, one per worker: (*fds_out)[ep * nworkers + worker], -1
 * where none was opened (an IPv6 wildcard on a host without IPv6 is skipped
 * with a warning).  The caller frees *fds_out and owns the descriptors.
 * 0, or -1 and err filled (nothing stays open).
 */
int reload_listeners_open(const struct reload_ctx *ctx, const struct snapshot *snap, int **fds_out,
                          struct certmap_error *err);

/* Records snap's endpoints as those the workers listen on (after handing them over). */
void reload_listeners_set(struct reload_ctx *ctx, const struct snapshot *snap);

/* Frees what ctx owns (the listen keys); ctx may be reused after reload_listeners_set(). */
void reload_ctx_clear(struct reload_ctx *ctx);

/*
 * Starts building the next generation of the configuration on a thread,
 * which writes to the eventfd done_fd when it has finished.  Returns the
 * job, or NULL (logged) when the thread cannot start.
 */
struct reload_job *reload_start(struct reload_ctx *ctx, int done_fd);

/*
 * After done_fd fired: installs the job's snapshot in ctx->srv and every
 * worker, or logs why the running configuration stays.  Frees job.
 */
void reload_finish(struct reload_ctx *ctx, struct reload_job *job);

/* Waits for the job's thread and discards its result (the server stops). Frees job. */
void reload_abandon(struct reload_job *job);

/*
 * An inotify descriptor watching the directory of config_path (editors
 * replace files by rename); *base points at the file's name within
 * config_path.  -1 when it cannot be watched.
 */
int reload_watch_config(const char *config_path, const char **base);

/* true when the inotify events read from fd concern the file named base. */
bool reload_config_changed(int fd, const char *base);

/*
 * Returns an inotify descriptor watching the directories snap's view
 * searched for web.config files (the set changes with the content, so it is
 * renewed for each snapshot), then closes old (if >= 0).  -1 when there is
 * nothing to watch or inotify fails (logged); directories that cannot be
 * watched are counted in a warning.  *changed is set when a change may have
 * escaped both descriptors: an event still unread on old, or a web.config
 * written since snap's build began (in a directory that only this snapshot
 * watches, say, created during the build): the caller reloads again.
 */
int reload_watch_content(const struct snapshot *snap, int old, bool *changed);

/* true when the events read from fd concern a web.config or a new directory. */
bool reload_content_changed(int fd);

/*
 * Watches the files the https bindings of snap's started sites read
 * (certificateFile, certificateKeyFile, the certificate store directory,
 * clientCaFile, crlFile; for a symbolic link, the directory of its target
 * too), so that a replaced CRL, CA file, certificate or key takes effect in
 * a new snapshot without a signal.  Replaces what ctx watched before;
 * returns ctx->files_fd (-1 when there is nothing to watch or inotify fails,
 * logged).  Directories that cannot be watched are named in a warning.
 */
int reload_watch_files(struct reload_ctx *ctx, const struct snapshot *snap);

/* true when the events read from ctx->files_fd concern a watched file (logged by name). */
bool reload_files_changed(struct reload_ctx *ctx);

/* Stops watching the TLS files and frees what ctx holds for it. */
void reload_watch_files_close(struct reload_ctx *ctx);

#endif
