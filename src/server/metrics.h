/*
 * metrics.h - the Prometheus metrics of certmapd, served on the listener of
 * <certmap><status listen="ADDR:PORT"> (plain HTTP, `GET /metrics`, text
 * exposition format 0.0.4; every other request is answered 404).
 *
 * Counting costs a worker nothing shared: each worker owns a struct
 * metrics_worker (embedded in struct worker) and is its only writer, with
 * relaxed atomic stores that never contend; the scrape reads every worker's
 * counters and sums them.  The listener runs on a thread of its own, so a
 * slow scraper never holds up a worker or the main loop.
 *
 * What is not counted per request is read at scrape time: open connections
 * (struct server), the logon cache (logon_stats_get() of the current
 * snapshot's logon service, so it restarts from zero when a reload changes
 * <certmap><logon>), the directory's lookups and cache (directory_stats_get()
 * of the current snapshot's directory service: restarts from zero when a
 * reload changes <certmap><directory>), and the nextUpdate of each crlFile of
 * the current configuration (read from the file).
 */
#ifndef CERTMAP_SERVER_METRICS_H
#define CERTMAP_SERVER_METRICS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "certmap/error.h"
#include "directory.h"
#include "logon.h"

/* Distinct (site, status, sub-status) triples one worker counts; more go to req_overflow. */
#define METRICS_REQ_SLOTS 512

/* Upper bounds (seconds) of the logon latency histogram's buckets, +Inf excluded. */
#define METRICS_LOGON_BUCKETS 11

/* Kinds of failed client-certificate verification, as the request is then answered. */
enum metrics_verify {
    METRICS_VERIFY_UNTRUSTED, /* 403.16: no chain to the trusted CAs */
    METRICS_VERIFY_EXPIRED,   /* 403.17: outside its validity dates */
    METRICS_VERIFY_REVOKED,   /* 403.13: revoked, or no usable CRL */
    METRICS_VERIFY_COUNT,
};

/* One (site, status, sub-status) counter; key 0 is a free slot. */
struct metrics_req_slot {
    _Atomic uint64_t key; /* site id << 32 | status << 16 | sub-status, plus 1 << 63 */
    _Atomic uint64_t n;
};

/* The counters of one worker: written by that worker only, read by the scrape. */
struct metrics_worker {
    _Atomic uint64_t handshakes_full;
    _Atomic uint64_t handshakes_resumed;
    _Atomic uint64_t verify_failed[METRICS_VERIFY_COUNT];      /* full handshakes only */
    _Atomic uint64_t logons[3];                                /* by enum logon_result */
    _Atomic uint64_t logon_buckets[METRICS_LOGON_BUCKETS + 1]; /* not cumulative; last: +Inf */
    _Atomic uint64_t logon_usec;                               /* sum of the latencies */
    _Atomic uint64_t req_overflow; /* requests whose triple found no free slot */
    struct metrics_req_slot req[METRICS_REQ_SLOTS];
};

/* Counts one answered request of site site_id (0: no site matched). Worker thread only. */
void metrics_request(struct metrics_worker *m, unsigned long site_id, int status, int substatus);

/*
 * Counts one completed handshake; a full handshake whose client certificate
 * (has_cert) failed verification with verify_result (X509_V_ERR_*) counts
 * as a failure of its kind too.  Worker thread only.
 */
void metrics_handshake(struct metrics_worker *m, bool resumed, bool has_cert, long verify_result);

/* Counts one logon that ran on the logon pool: result (enum logon_result) after usec. */
void metrics_logon(struct metrics_worker *m, int result, uint64_t usec);

/* Monotonic clock in microseconds, for metrics_logon(); never 0. */
uint64_t metrics_now_usec(void);

/* What the main thread records (reloads); read by the scrape. */
struct metrics_global {
    _Atomic uint64_t reloads_ok;
    _Atomic uint64_t reloads_failed;
    _Atomic uint64_t generation; /* of the configuration being served */
    _Atomic int64_t loaded_at;   /* when it was loaded (Unix time) */
};

/* Records the configuration loaded at start: generation, loaded at when. Main thread. */
void metrics_loaded(struct metrics_global *g, unsigned long generation, time_t when);

/* Records a reload: ok with the new generation, or failed (generation unused). Main thread. */
void metrics_reload(struct metrics_global *g, bool ok, unsigned long generation, time_t when);

/* The nextUpdate of one crlFile: the earliest of its CRLs (0: none has one). */
struct metrics_crl {
    const char *file;
    time_t next_update;
};

/* Everything one scrape renders; the scrape gathers it, metrics_render() only formats. */
struct metrics_state {
    const struct metrics_worker *const *workers;
    size_t nworkers;
    const struct metrics_global *global;
    unsigned long open_conns;
    const struct logon_stats *logon; /* NULL: no logon service */
    const struct dir_stats *dir;     /* NULL: no <certmap><directory> (no directory families) */
    /* The name of site id (NULL: not in the current configuration); arg is site_arg. */
    const char *(*site_name)(const void *site_arg, unsigned long id);
    const void *site_arg;
    const struct metrics_crl *crls;
    size_t ncrls;
};

/*
 * Renders st as Prometheus text exposition format 0.0.4 into a buffer the
 * caller frees with free(); *len is its length.  Requests of a site no
 * longer configured are labelled with its id ("#3"), those that matched no
 * site with site="".  NULL when memory runs out.
 */
char *metrics_render(const struct metrics_state *st, size_t *len);

struct snapshot;

/*
 * What a scrape reads from the running server, given by the code that owns
 * it (worker.c): fills st->workers (an array the scrape frees with free()),
 * st->nworkers and st->open_conns, and returns a reference to the current
 * snapshot (the scrape releases it with snapshot_unref()); NULL when there
 * is no snapshot or memory runs out.  Runs on the status thread.
 */
typedef struct snapshot *(*metrics_collect_fn)(void *arg, struct metrics_state *st);

/* The status listener and its thread. */
struct metrics_server {
    metrics_collect_fn collect; /* what is scraped */
    void *collect_arg;
    struct metrics_global *global; /* borrowed */
    int fd;                        /* listening socket, -1 none */
    int stopfd;                    /* eventfd: stop the thread */
    pthread_t thread;
    bool started;
};

/*
 * Opens the listener on ip:port (numeric, as the view checked it) before
 * privileges are dropped, so a port below 1024 works.  0, or -1 and err
 * naming the address.
 */
int metrics_server_listen(struct metrics_server *ms, const char *ip, unsigned port,
                          struct certmap_error *err);

/*
 * Starts the thread serving scrapes of what collect(arg) gives (after
 * metrics_server_listen()).  0, or -1 and err.
 */
int metrics_server_start(struct metrics_server *ms, metrics_collect_fn collect, void *arg,
                         struct metrics_global *global, struct certmap_error *err);

/* Stops the thread and closes the listener; harmless when never started. */
void metrics_server_stop(struct metrics_server *ms);

#endif
