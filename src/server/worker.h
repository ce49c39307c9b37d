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
#include <sys/socket.h>
#include <time.h>

#include "certmap/error.h"
#include "errpage.h"
#include "http.h"
#include "metrics.h"
#include "pipeline.h"
#include "snapshot.h"

struct worker;
struct worker_client;
struct static_cache;
struct upstream_pool;
struct fcgi_pool;

/* Takes over a socket accepted on endpoint ep (closes it on failure); from peer (len bytes). */
typedef void (*worker_accept_fn)(struct worker *w, const struct snap_endpoint *ep, int fd,
                                 const struct sockaddr *peer, socklen_t len);

/* What main and the workers share.  One instance, owned by main.c. */
struct server {
    pthread_mutex_t lock;     /* guards current */
    struct snapshot *current; /* the snapshot of new connections (one reference) */
    struct worker *workers;   /* nworkers entries */
    unsigned nworkers;
    atomic_ulong nconns;     /* open connections over all workers (maxConnections) */
    worker_accept_fn accept; /* what becomes of an accepted socket (the connection code) */
    bool can_switch_fsid;    /* CAP_SETUID and CAP_SETGID held after the privilege drop: the
                                workers can open files as a request's account (fsid.h) */
    struct fcgi_pool *fcgi;  /* the FastCGI programs certmapd supervises (fcgi_pool.h) */
};

/*
 * An epoll registration: data.ptr points at one, embedded first in the
 * registered object, and the loop calls the handler it holds (as redis'
 * event loop calls the procedure stored with each file descriptor).
 */
struct worker_ev {
    void (*on_event)(struct worker_ev *ev, uint32_t events);
    /* worker_free_later(): the owner is closed; events still in the batch are dropped */
    bool dead;
    struct worker_ev *grave_next; /* in the worker's list of owners to free after the batch */
    void *grave_owner;            /* what to free() */
};

struct listener {
    struct worker_ev ev;            /* accepts */
    int fd;                         /* listening socket, owned */
    char key[80];                   /* snap_endpoint key */
    const struct snap_endpoint *ep; /* endpoint in the worker's current snapshot */
    struct worker *w;
};

/* A doubly linked list of clients sorted by deadline (same timeout for all). */
struct timer_list {
    struct worker_client *head;
    struct worker_client *tail;
};

enum timer_kind {
    TL_HEADER,  /* TLS handshake or request head in progress: headerTimeoutSeconds */
    TL_BODY,    /* request body or logon in progress: requestTimeoutSeconds */
    TL_IDLE,    /* keep-alive, waiting for the next request: idleTimeoutSeconds */
    TL_SEND,    /* response blocked on the client: idleTimeoutSeconds, reset on progress */
    TL_CLOSE,   /* closing (TLS close_notify, lingering): 2 seconds */
    TL_GATEWAY, /* proxied request waiting on its upstream or its client: proxy timeout */
    TL_TICK,    /* 1 second: the exchange checks deadlines of its own (FastCGI's timeouts) */
    TL_COUNT,
    TL_NONE = TL_COUNT,
};

struct logon_job;

/* What the loop asks of a connection: the callbacks the connection code registered. */
struct worker_client_ops {
    /* Its timer of list kind expired (cl is already out of the list). */
    void (*on_timeout)(struct worker_client *cl, enum timer_kind kind);
    /* A logon it waits for finished: job says which and how (the callee may take job->cred,
     * leaving NULL there; the loop frees the job and what is left in it). */
    void (*on_logon)(struct worker_client *cl, struct logon_job *job);
    /* The snapshot changed or the server stops: close when idle, else after the response. May
     * close cl, never another client. */
    void (*on_retire)(struct worker_client *cl);
    /* Close and free now. */
    void (*on_close)(struct worker_client *cl);
};

/*
 * The loop's part of a connection, embedded first in it: its epoll handler,
 * its callbacks, its timer and its place in the worker's list.
 */
struct worker_client {
    struct worker_ev ev; /* events on the connection's socket */
    const struct worker_client_ops *ops;
    enum timer_kind tkind; /* list the client is in, TL_NONE */
    uint64_t deadline;
    struct worker_client *tprev, *tnext;
    struct worker_client *prev, *next;
};

/* A logon in progress on the pool, handed back through the worker's mailbox. */
struct logon_job {
    struct worker *w;                      /* worker to hand the result to */
    struct worker_client *cl;              /* waiting client; NULL once it went away */
    struct logon_job *next;                /* in w->m_done */
    struct logon_job *all_prev, *all_next; /* in w->jobs */
    int kind;                              /* enum decide_auth_kind of the logon */
    int result;                            /* enum logon_result */
    uint64_t start_usec;                   /* metrics_now_usec() at submit; 0: not timed */
    int cred_state;          /* a credential lookup's enum logon_cred_state, else -1 */
    struct logon_cred *cred; /* what the lookup found (owned), LOGON_CRED_FOUND only */
};

struct worker {
    struct worker_ev ev; /* the mailbox eventfd */
    struct server *srv;
    unsigned id;
    pthread_t thread;
    bool started;
    int epfd;   /* epoll instance */
    int wakefd; /* eventfd: mailbox has something */

    struct snapshot *snap; /* current snapshot of this worker (one reference) */
    struct listener **listeners;
    size_t nlisteners;

    struct worker_client *clients; /* every open connection (list through next/prev) */
    unsigned long nconns;
    struct timer_list timers[TL_COUNT];
    unsigned timeouts[TL_COUNT]; /* milliseconds per list, from the current snapshot */

    char **free_bufs; /* pool of I/O buffers of buf_size bytes */
    size_t nfree_bufs;
    size_t buf_size;
    struct static_cache *fcache; /* small static files of this worker (NULL: uncached) */
    struct upstream_pool *upool; /* idle upstream connections (upstream.c), NULL until used */
    /* frees upool at the worker's end: set by upstream.c with upool (the worker does not
       know the pool's type) */
    void (*upool_free)(struct upstream_pool *p);

    pthread_mutex_t mlock;   /* guards the m_ fields */
    struct snapshot *m_snap; /* new snapshot to switch to (reference), or NULL */
    struct listener **m_add; /* listeners to adopt with m_snap */
    size_t m_nadd;
    bool m_stop;              /* stop accepting, finish, exit */
    unsigned long m_adopted;  /* generation of the last snapshot the loop switched to */
    bool m_exited;            /* the loop has ended (nothing more will be adopted) */
    pthread_cond_t m_cv;      /* signalled when m_adopted or m_exited changes */
    struct logon_job *m_done; /* logon results to deliver (singly linked) */
    struct logon_job *jobs;   /* every job not yet delivered or freed (worker thread only) */

    bool mailbox;            /* the mailbox eventfd fired in this batch of events */
    bool in_batch;           /* the handlers of a batch of epoll events are running */
    struct worker_ev *grave; /* owners closed during the batch, freed after it */
    uint64_t now_ms;         /* monotonic time of this loop iteration */
    time_t now_s;            /* wall clock of this loop iteration */
    time_t date_s;           /* second of date[] */
    char date[32];           /* IMF-fixdate of now, for the Date header */
    bool stopping;           /* SIGTERM received */
    uint64_t stop_deadline;
    unsigned long long requests;   /* requests answered (statistics) */
    struct metrics_worker metrics; /* counters of this worker (metrics.h): written here only */

    /* Scratch space of the request being processed (one at a time per worker). */
    struct http_request req;
    char path[PIPELINE_PATH_MAX + 1];
    char location[3 * PIPELINE_PATH_MAX + 1]; /* a redirect's Location: path re-encoded */
    char page[ERRPAGE_MAX];
    unsigned char der[32768];
    struct decide_trace trace; /* explanation of the current refusal (request.c) */
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

/*
 * Waits until w's loop has switched to a snapshot of generation gen or later
 * (so every connection it accepts from then on gets that snapshot's TLS
 * context), or has ended, or never started: true.  False when timeout_ms
 * passed first.
 */
bool worker_wait_adopted(struct worker *w, unsigned long gen, int timeout_ms);

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

/* Timers: puts cl in list kind with a deadline of now + that list's timeout (removing it from any
 * list). */
void worker_timer_set(struct worker *w, struct worker_client *cl, enum timer_kind kind);
void worker_timer_clear(struct worker *w, struct worker_client *cl);

/*
 * Adds a new connection: cl (ops set, on the connection's handler in
 * cl->ev) joins w's list and counts as open, and fd is watched,
 * edge-triggered, for input (output: worker_client_watch_out()).  0, or -1
 * when epoll refused fd (cl is in the list all the same: close it with
 * worker_client_remove()).
 */
int worker_client_add(struct worker *w, struct worker_client *cl, int fd);

/*
 * cl's socket fd would not take more: from now on its edges include output
 * (EPOLLOUT), an edge at once if it is writable again already.  Until then
 * the peer's acknowledgements do not wake the worker.  0, or -1 with errno.
 */
int worker_client_watch_out(struct worker *w, struct worker_client *cl, int fd);

/* Takes cl out of w's timers and list and stops counting it (the caller closes its socket). */
void worker_client_remove(struct worker *w, struct worker_client *cl);

/*
 * Frees owner (a malloc'd object that embeds ev, already closed and out of
 * the epoll set) once the current batch of events is handled, or now when
 * no batch runs.  One batch may hold events for two registrations of one
 * request (a client connection and its upstream): when the handler of one
 * closes both, the other's event must find its ev still there, marked dead,
 * and is dropped.
 */
void worker_free_later(struct worker *w, struct worker_ev *ev, void *owner);

/* Milliseconds of the monotonic clock. */
uint64_t worker_now_ms(void);

/* Logon pool callback: hands a job back to its worker (any thread). */
void worker_logon_done(void *arg, enum logon_result result);

/*
 * logon_cred_fn of a credential lookup (logon_submit_cred()), arg a job with
 * cred_state -1: keeps state and cred in the job and hands it back to its
 * worker as worker_logon_done() does (result LOGON_OK, or LOGON_ERROR when
 * state is LOGON_CRED_FAILED).  Any thread.
 */
void worker_cred_done(void *arg, enum logon_cred_state state, struct logon_cred *cred);

/*
 * metrics_collect_fn of the status listener, arg a struct server: the
 * workers' counters, the open connections and the current snapshot.
 */
struct snapshot *worker_metrics_collect(void *arg, struct metrics_state *st);

#endif
