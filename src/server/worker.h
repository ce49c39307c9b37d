/*
 * worker.h - worker threads of certmapd.
 *
 * Each worker runs its own epoll loop over its own SO_REUSEPORT listening
 * sockets (one per endpoint of the snapshot) and the connections it
 * accepted; nothing on the request path is shared between workers except
 * the read-only snapshot.  The main thread talks to a worker through its
 * mailbox (a mutex-protected message and an eventfd): a new snapshot with
 * the listeners to adopt, the order to stop, and logon results coming back
 * from the logon pool.
 */
#ifndef CERTMAP_SERVER_WORKER_H
#define CERTMAP_SERVER_WORKER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "certmap/error.h"
#include "errpage.h"
#include "http.h"
#include "pipeline.h"
#include "snapshot.h"

struct conn;
struct worker;
struct logon_job;
struct static_cache;

/* What main and the workers share.  One instance, owned by main.c. */
struct server {
    pthread_mutex_t lock;     /* guards current */
    struct snapshot *current; /* the snapshot of new connections (one reference) */
    struct worker *workers;   /* nworkers entries */
    unsigned nworkers;
    atomic_ulong nconns; /* open connections over all workers (maxConnections) */
};

/* Kinds of epoll registrations (first field of each registered object). */
enum ev_kind {
    EV_WAKE,
    EV_LISTENER,
    EV_CONN,
};

struct listener {
    enum ev_kind kind;              /* EV_LISTENER */
    int fd;                         /* listening socket, owned */
    char key[80];                   /* snap_endpoint key */
    const struct snap_endpoint *ep; /* endpoint in the worker's current snapshot */
    struct worker *w;
};

/* A doubly linked list of connections sorted by deadline (same timeout for all). */
struct timer_list {
    struct conn *head;
    struct conn *tail;
};

enum timer_kind {
    TL_HEADER, /* TLS handshake or request head in progress: headerTimeoutSeconds */
    TL_BODY,   /* request body or logon in progress: requestTimeoutSeconds */
    TL_IDLE,   /* keep-alive, waiting for the next request: idleTimeoutSeconds */
    TL_SEND,   /* response blocked on the client: idleTimeoutSeconds, reset on progress */
    TL_CLOSE,  /* closing (TLS close_notify, lingering): 2 seconds */
    TL_COUNT,
    TL_NONE = TL_COUNT,
};

struct worker {
    enum ev_kind kind; /* EV_WAKE: the eventfd registration points here */
    struct server *srv;
    unsigned id;
    pthread_t thread;
    bool started;
    int epfd;   /* epoll instance */
    int wakefd; /* eventfd: mailbox has something */

    struct snapshot *snap; /* current snapshot of this worker (one reference) */
    struct listener **listeners;
    size_t nlisteners;

    struct conn *conns; /* every open connection (list through conn->next/prev) */
    unsigned long nconns;
    struct timer_list timers[TL_COUNT];
    unsigned timeouts[TL_COUNT]; /* milliseconds per list, from the current snapshot */

    char **free_bufs; /* pool of I/O buffers of buf_size bytes */
    size_t nfree_bufs;
    size_t buf_size;
    struct static_cache *fcache; /* small static files of this worker (NULL: uncached) */

    pthread_mutex_t mlock;   /* guards the m_ fields */
    struct snapshot *m_snap; /* new snapshot to switch to (reference), or NULL */
    struct listener **m_add; /* listeners to adopt with m_snap */
    size_t m_nadd;
    bool m_stop;              /* stop accepting, finish, exit */
    struct logon_job *m_done; /* logon results to deliver (singly linked) */
    struct logon_job *jobs;   /* every job not yet delivered or freed (worker thread only) */

    uint64_t now_ms; /* monotonic time of this loop iteration */
    time_t now_s;    /* wall clock of this loop iteration */
    time_t date_s;   /* second of date[] */
    char date[32];   /* IMF-fixdate of now, for the Date header */
    bool stopping;   /* SIGTERM received */
    uint64_t stop_deadline;
    unsigned long long requests; /* requests answered (statistics) */

    /* Scratch space of the request being processed (one at a time per worker). */
    struct http_request req;
    char path[PIPELINE_PATH_MAX + 1];
    char raw[3 * PIPELINE_PATH_MAX + 1];
    char page[ERRPAGE_MAX];
    unsigned char der[32768];
};

/* Sets up w (epoll, eventfd, mailbox) before start. 0, or -1 and err. */
int worker_init(struct worker *w, struct server *srv, unsigned id, struct snapshot *snap,
                struct certmap_error *err);

/*
 * Opens a listening socket for ep (SO_REUSEPORT, non-blocking, IPV6_V6ONLY
 * for IPv6).  Returns the descriptor, or -1 and err ("port in use" names the
 * address).
 */
int worker_listen(const struct snap_endpoint *ep, struct certmap_error *err);

/*
 * Checks that nothing listens on ep yet (another server would otherwise
 * share the port through SO_REUSEPORT).  0, or -1 and err ("already in use").
 */
int worker_listen_probe(const struct snap_endpoint *ep, struct certmap_error *err);

/* Hands a listening socket for ep to w (before start, from the main thread). 0 or -1. */
int worker_add_listener(struct worker *w, int fd, const struct snap_endpoint *ep);

/* Starts the thread. 0, or -1 and err. */
int worker_start(struct worker *w, struct certmap_error *err);

/*
 * Posts a new snapshot (the reference passes to the worker) and listening
 * sockets to adopt (fds[i] for eps[i]; ownership passes).  Listeners whose
 * endpoint the snapshot no longer has are closed; idle connections of the
 * old snapshot are closed and busy ones end after their response.
 */
void worker_post_snapshot(struct worker *w, struct snapshot *snap, const int *fds,
                          const struct snap_endpoint *const *eps, size_t n);

/* Asks w to stop: close listeners, finish requests within the grace time, exit the loop. */
void worker_post_stop(struct worker *w);

/* Waits for the thread to exit. */
void worker_join(struct worker *w);

/*
 * After join: closes w's connections and drops its snapshots, so that the
 * logon services they hold are retired while every worker's mailbox still
 * takes the results of logons that were pending.
 */
void worker_release(struct worker *w);

/* Frees w's resources (after join, or when it never started). */
void worker_destroy(struct worker *w);

/* Buffer pool of the worker: a buffer of *cap (= w->buf_size) bytes, or NULL. */
char *worker_buf_get(struct worker *w, uint32_t *cap);
/* Returns a buffer of cap bytes to the pool (freed when the pool is full or cap changed). */
void worker_buf_put(struct worker *w, char *buf, uint32_t cap);

/* Timers: puts c in list kind with a deadline of now + that list's timeout (removing it from any
 * list). */
void worker_timer_set(struct worker *w, struct conn *c, enum timer_kind kind);
void worker_timer_clear(struct worker *w, struct conn *c);

/* Logon pool callback: hands a job back to its worker (any thread). */
void worker_logon_done(void *arg, enum logon_result result);

#endif
