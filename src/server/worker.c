/*
 * worker.c - one epoll loop per thread: listeners, connections, timers, mailbox.
 */
#include "worker.h"

#include <errno.h>
#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>

#include "errlog.h"
#include "static.h"
#include "tlsmem.h"

#define MAX_EVENTS 256
#define ACCEPT_BURST 64
#define POOL_MAX 64          /* free buffers kept per worker */
#define CLOSE_LINGER_MS 2000 /* TL_CLOSE */
#define LISTEN_BACKLOG 4096
#define TRIM_QUIET_MS 1000             /* quiet time after which a worker trims the heap */
#define WORKER_FCACHE_BYTES (8u << 20) /* small static files cached per worker */

static void on_accept(struct worker_ev *ev, uint32_t events);

/*
 * Under AddressSanitizer malloc is ASan's own: glibc's malloc_trim() would
 * initialise glibc's unused arenas behind the running threads, and glibc then
 * aborts when those threads exit ("a->attached_threads > 0").
 */
#if defined(__SANITIZE_ADDRESS__)
#define WORKER_HEAP_IS_GLIBC 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WORKER_HEAP_IS_GLIBC 0
#endif
#endif
#ifndef WORKER_HEAP_IS_GLIBC
#define WORKER_HEAP_IS_GLIBC 1
#endif

/* Returns the pages glibc keeps in its arenas after a busy spell to the system. */
static void
heap_trim(void)
{
#if WORKER_HEAP_IS_GLIBC
    malloc_trim(0);
#endif
    tlsmem_trim();
}

uint64_t
worker_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
set_timeouts(struct worker *w)
{
    const struct certmap_server_settings *l = w->snap->sv;
    size_t need;

    w->timeouts[TL_HEADER] = l->header_timeout * 1000U;
    w->timeouts[TL_BODY] = l->request_timeout * 1000U;
    w->timeouts[TL_IDLE] = l->idle_timeout * 1000U;
    w->timeouts[TL_SEND] = l->idle_timeout * 1000U;
    w->timeouts[TL_CLOSE] = CLOSE_LINGER_MS;
    w->timeouts[TL_GATEWAY] = certmap_view_server(w->snap->view)->proxy_timeout_ms;
    w->timeouts[TL_TICK] = 1000;
    /* The read buffer holds the largest head the limits allow, so the parser always decides. */
    need = l->max_request_line + l->max_header_bytes + 1024;
    if (need < 32768)
        need = 32768;
    need = (need + 4095) & ~(size_t)4095;
    if (need != w->buf_size) {
        while (w->nfree_bufs > 0)
            free(w->free_bufs[--w->nfree_bufs]);
        w->buf_size = need;
    }
}

char *
worker_buf_get(struct worker *w, uint32_t *cap)
{
    char *b;

    *cap = (uint32_t)w->buf_size;
    if (w->nfree_bufs > 0)
        return w->free_bufs[--w->nfree_bufs];
    b = malloc(w->buf_size);
    return b;
}

void
worker_buf_put(struct worker *w, char *buf, uint32_t cap)
{
    if (buf == NULL)
        return;
    if (cap != w->buf_size || w->nfree_bufs >= POOL_MAX) {
        free(buf);
        return;
    }
    w->free_bufs[w->nfree_bufs++] = buf;
}

void
worker_timer_clear(struct worker *w, struct worker_client *c)
{
    struct timer_list *t;

    if (c->tkind == TL_NONE)
        return;
    t = &w->timers[c->tkind];
    if (c->tprev != NULL)
        c->tprev->tnext = c->tnext;
    else
        t->head = c->tnext;
    if (c->tnext != NULL)
        c->tnext->tprev = c->tprev;
    else
        t->tail = c->tprev;
    c->tprev = c->tnext = NULL;
    c->tkind = TL_NONE;
}

void
worker_timer_set(struct worker *w, struct worker_client *c, enum timer_kind kind)
{
    struct timer_list *t = &w->timers[kind];

    worker_timer_clear(w, c);
    /* Every entry of a list has the same timeout, so appending keeps it sorted. */
    c->deadline = w->now_ms + w->timeouts[kind];
    c->tkind = kind;
    c->tnext = NULL;
    c->tprev = t->tail;
    if (t->tail != NULL)
        t->tail->tnext = c;
    else
        t->head = c;
    t->tail = c;
}

int
worker_client_add(struct worker *w, struct worker_client *cl, int fd)
{
    struct epoll_event ev;

    cl->tkind = TL_NONE;
    cl->prev = NULL;
    cl->next = w->clients;
    if (w->clients != NULL)
        w->clients->prev = cl;
    w->clients = cl;
    w->nconns++;
    memset(&ev, 0, sizeof(ev));
    ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET;
    ev.data.ptr = &cl->ev;
    return epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev) == 0 ? 0 : -1;
}

int
worker_client_watch_out(struct worker *w, struct worker_client *cl, int fd)
{
    struct epoll_event ev;

    memset(&ev, 0, sizeof(ev));
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.ptr = &cl->ev;
    return epoll_ctl(w->epfd, EPOLL_CTL_MOD, fd, &ev) == 0 ? 0 : -1;
}

void
worker_client_remove(struct worker *w, struct worker_client *cl)
{
    worker_timer_clear(w, cl);
    if (cl->prev != NULL)
        cl->prev->next = cl->next;
    else
        w->clients = cl->next;
    if (cl->next != NULL)
        cl->next->prev = cl->prev;
    cl->prev = cl->next = NULL;
    w->nconns--;
    atomic_fetch_sub(&w->srv->nconns, 1);
}

/* A closed client's event still waiting in the batch: ignored. */
static void
wake(struct worker *w)
{
    uint64_t one = 1;
    ssize_t n;

    do {
        n = write(w->wakefd, &one, sizeof(one));
    } while (n < 0 && errno == EINTR);
}

/* The mailbox eventfd is readable: handled after the batch of events (worker_main). */
static void
on_wake(struct worker_ev *ev, uint32_t events)
{
    struct worker *w = (struct worker *)ev;

    (void)events;
    w->mailbox = true;
}

int
worker_init(struct worker *w, struct server *srv, unsigned id, struct snapshot *snap,
            struct certmap_error *err)
{
    struct epoll_event ev;

    memset(w, 0, sizeof(*w));
    w->ev.on_event = on_wake;
    w->srv = srv;
    w->id = id;
    w->epfd = -1;
    w->wakefd = -1;
    pthread_mutex_init(&w->mlock, NULL);
    pthread_cond_init(&w->m_cv, NULL);
    w->free_bufs = calloc(POOL_MAX, sizeof(*w->free_bufs));
    w->epfd = epoll_create1(EPOLL_CLOEXEC);
    w->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (w->free_bufs == NULL || w->epfd < 0 || w->wakefd < 0) {
        certmap_error_set(err, CERTMAP_ERR_IO, NULL, 0, NULL, NULL, "worker %u: %s", id,
                          strerror(errno));
        return -1;
    }
    memset(&ev, 0, sizeof(ev));
    ev.events = EPOLLIN;
    ev.data.ptr = &w->ev;
    if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->wakefd, &ev) != 0) {
        certmap_error_set(err, CERTMAP_ERR_IO, NULL, 0, NULL, NULL, "worker %u: epoll: %s", id,
                          strerror(errno));
        return -1;
    }
    w->snap = snapshot_ref(snap);
    /* Without it every request opens its file: slower, not wrong. */
    w->fcache = static_cache_new(WORKER_FCACHE_BYTES);
    w->now_ms = worker_now_ms();
    w->now_s = time(NULL);
    set_timeouts(w);
    return 0;
}

int
worker_listen(const struct snap_endpoint *ep, struct certmap_error *err)
{
    int fd, one = 1, e;

    fd = socket(ep->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        e = errno;
        certmap_error_set(err, CERTMAP_ERR_IO, NULL, 0, NULL, NULL, "%s: socket: %s", ep->key,
                          strerror(e));
        errno = e;
        return -1;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0)
        goto fail;
    if (ep->addr.ss_family == AF_INET6 &&
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) != 0)
        goto fail;
    if (bind(fd, (const struct sockaddr *)&ep->addr, ep->addrlen) != 0)
        goto fail;
    /* Accepted sockets inherit it (Linux): no setsockopt() per connection. */
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0)
        goto fail;
    if (listen(fd, LISTEN_BACKLOG) != 0)
        goto fail;
    return fd;
fail:
    e = errno;
    if (e == EADDRINUSE)
        certmap_error_set(err, CERTMAP_ERR_IO, NULL, 0, NULL, NULL,
                          "cannot listen on %s: the address is already in use", ep->key);
    else
        certmap_error_set(err, CERTMAP_ERR_IO, NULL, 0, NULL, NULL, "cannot listen on %s: %s",
                          ep->key, strerror(e));
    close(fd);
    errno = e;
    return -1;
}

int
worker_listen_probe(const struct snap_endpoint *ep, struct certmap_error *err)
{
    int fd, one = 1, e, ret = 0;

    /*
     * SO_REUSEPORT lets any process of the same user join our port, so a
     * second server would silently share it.  A plain bind (SO_REUSEADDR
     * only, so that TIME_WAIT sockets do not count) fails if anything
     * listens there already.
     */
    fd = socket(ep->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        e = errno;
        certmap_error_set(err, CERTMAP_ERR_IO, NULL, 0, NULL, NULL, "%s: socket: %s", ep->key,
                          strerror(e));
        errno = e;
        return -1;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (ep->addr.ss_family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    if (bind(fd, (const struct sockaddr *)&ep->addr, ep->addrlen) != 0) {
        e = errno;
        if (e == EADDRINUSE)
            certmap_error_set(err, CERTMAP_ERR_IO, NULL, 0, NULL, NULL,
                              "cannot listen on %s: the address is already in use", ep->key);
        else
            certmap_error_set(err, CERTMAP_ERR_IO, NULL, 0, NULL, NULL, "cannot listen on %s: %s",
                              ep->key, strerror(e));
        errno = e;
        ret = -1;
    }
    close(fd);
    return ret;
}

static const struct snap_endpoint *
find_endpoint(const struct snapshot *snap, const char *key)
{
    size_t i;

    for (i = 0; i < snap->nendpoints; i++)
        if (strcmp(snap->endpoints[i].key, key) == 0)
            return &snap->endpoints[i];
    return NULL;
}

int
worker_add_listener(struct worker *w, int fd, const struct snap_endpoint *ep)
{
    struct listener *l, **v;
    struct epoll_event ev;

    l = calloc(1, sizeof(*l));
    v = realloc(w->listeners, (w->nlisteners + 1) * sizeof(*v));
    if (l == NULL || v == NULL) {
        free(l);
        if (v != NULL)
            w->listeners = v;
        return -1;
    }
    w->listeners = v;
    l->ev.on_event = on_accept;
    l->fd = fd;
    l->w = w;
    snprintf(l->key, sizeof(l->key), "%s", ep->key);
    l->ep = find_endpoint(w->snap, ep->key);
    memset(&ev, 0, sizeof(ev));
    ev.events = EPOLLIN;
    ev.data.ptr = &l->ev;
    if (l->ep == NULL || epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
        free(l);
        return -1;
    }
    w->listeners[w->nlisteners++] = l;
    return 0;
}

static void
close_listener(struct worker *w, struct listener *l)
{
    epoll_ctl(w->epfd, EPOLL_CTL_DEL, l->fd, NULL);
    close(l->fd);
    free(l);
}

/* A listener is readable: accepts a burst of connections. */
static void
on_accept(struct worker_ev *ev, uint32_t events)
{
    struct listener *l = (struct listener *)ev;
    struct worker *w = l->w;
    unsigned long max = w->snap->sv->max_connections;
    struct sockaddr_storage peer;
    socklen_t len;
    int i, fd;

    (void)events;
    for (i = 0; i < ACCEPT_BURST; i++) {
        len = sizeof(peer);
        fd = accept4(l->fd, (struct sockaddr *)&peer, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (errno == EMFILE || errno == ENFILE)
                errlog_printf(ERRLOG_ERROR, "accept on %s: %s", l->key, strerror(errno));
            return;
        }
        /* Over maxConnections the connection is closed at once (counted over all workers). */
        if (atomic_fetch_add(&w->srv->nconns, 1) >= max) {
            atomic_fetch_sub(&w->srv->nconns, 1);
            close(fd);
            continue;
        }
        w->srv->accept(w, l->ep, fd, (const struct sockaddr *)&peer, len);
    }
}

static void
retire_all(struct worker *w)
{
    struct worker_client *c = w->clients, *next;

    while (c != NULL) {
        next = c->next;
        /* on_retire may close c, never another connection. */
        c->ops->on_retire(c);
        c = next;
    }
}

static void
switch_snapshot(struct worker *w, struct snapshot *snap, struct listener **adds, size_t nadd)
{
    struct snapshot *old = w->snap;
    size_t i, j = 0;

    w->snap = snap;
    /* The new snapshot's root descriptors may reuse numbers of freed ones. */
    static_cache_clear(w->fcache);
    set_timeouts(w);
    for (i = 0; i < w->nlisteners; i++) {
        struct listener *l = w->listeners[i];
        l->ep = find_endpoint(snap, l->key);
        if (l->ep == NULL)
            close_listener(w, l);
        else
            w->listeners[j++] = l;
    }
    w->nlisteners = j;
    for (i = 0; i < nadd; i++) {
        struct listener *l = adds[i];
        struct listener **v = realloc(w->listeners, (w->nlisteners + 1) * sizeof(*v));
        struct epoll_event ev;

        l->ep = find_endpoint(snap, l->key);
        memset(&ev, 0, sizeof(ev));
        ev.events = EPOLLIN;
        ev.data.ptr = &l->ev;
        if (v == NULL || l->ep == NULL || w->stopping ||
            epoll_ctl(w->epfd, EPOLL_CTL_ADD, l->fd, &ev) != 0) {
            if (v != NULL)
                w->listeners = v;
            close(l->fd);
            free(l);
            continue;
        }
        w->listeners = v;
        w->listeners[w->nlisteners++] = l;
    }
    free(adds);
    /* Connections keep serving: each adopts the new snapshot at its next request. */
    snapshot_unref(old);
}

static void
begin_stop(struct worker *w)
{
    size_t i;

    if (w->stopping)
        return;
    w->stopping = true;
    w->stop_deadline = w->now_ms + (uint64_t)w->snap->sv->shutdown_grace * 1000;
    for (i = 0; i < w->nlisteners; i++)
        close_listener(w, w->listeners[i]);
    w->nlisteners = 0;
    retire_all(w);
}

static void
unlink_job(struct worker *w, struct logon_job *job)
{
    if (job->all_prev != NULL)
        job->all_prev->all_next = job->all_next;
    else
        w->jobs = job->all_next;
    if (job->all_next != NULL)
        job->all_next->all_prev = job->all_prev;
}

static void
handle_mailbox(struct worker *w)
{
    struct snapshot *snap;
    struct listener **adds;
    struct logon_job *done, *next;
    size_t nadd;
    bool stop;
    uint64_t v;

    while (read(w->wakefd, &v, sizeof(v)) < 0 && errno == EINTR)
        ;
    pthread_mutex_lock(&w->mlock);
    snap = w->m_snap;
    adds = w->m_add;
    nadd = w->m_nadd;
    stop = w->m_stop;
    done = w->m_done;
    w->m_snap = NULL;
    w->m_add = NULL;
    w->m_nadd = 0;
    w->m_done = NULL;
    pthread_mutex_unlock(&w->mlock);

    for (; done != NULL; done = next) {
        next = done->next;
        unlink_job(w, done);
        if (done->start_usec != 0)
            metrics_logon(&w->metrics, done->result, metrics_now_usec() - done->start_usec);
        if (done->cl != NULL)
            done->cl->ops->on_logon(done->cl, done);
        free(done->cred);
        free(done);
    }
    if (snap != NULL) {
        unsigned long gen = snap->generation;

        switch_snapshot(w, snap, adds, nadd);
        pthread_mutex_lock(&w->mlock);
        w->m_adopted = gen;
        pthread_cond_broadcast(&w->m_cv);
        pthread_mutex_unlock(&w->mlock);
    }
    if (stop)
        begin_stop(w);
}

static void
expire_timers(struct worker *w)
{
    int k;

    for (k = 0; k < TL_COUNT; k++) {
        struct timer_list *t = &w->timers[k];
        while (t->head != NULL && t->head->deadline <= w->now_ms) {
            struct worker_client *c = t->head;
            worker_timer_clear(w, c);
            c->ops->on_timeout(c, (enum timer_kind)k);
        }
    }
}

static int
next_timeout(const struct worker *w)
{
    uint64_t next = UINT64_MAX;
    int k;

    for (k = 0; k < TL_COUNT; k++)
        if (w->timers[k].head != NULL && w->timers[k].head->deadline < next)
            next = w->timers[k].head->deadline;
    if (w->stopping && w->stop_deadline < next)
        next = w->stop_deadline;
    if (next == UINT64_MAX)
        return -1;
    if (next <= w->now_ms)
        return 0;
    /* Rounded up so that the deadline has passed when we wake. */
    return next - w->now_ms > 60000 ? 60000 : (int)(next - w->now_ms) + 1;
}

static void
close_all(struct worker *w)
{
    while (w->clients != NULL)
        w->clients->ops->on_close(w->clients);
}

void
worker_free_later(struct worker *w, struct worker_ev *ev, void *owner)
{
    if (!w->in_batch) {
        free(owner);
        return;
    }
    ev->dead = true;
    ev->grave_owner = owner;
    ev->grave_next = w->grave;
    w->grave = ev;
}

/* Frees what the handlers of the last batch closed (worker_free_later()). */
static void
free_graves(struct worker *w)
{
    while (w->grave != NULL) {
        struct worker_ev *ev = w->grave;
        w->grave = ev->grave_next;
        free(ev->grave_owner);
    }
}

static void *
worker_main(void *arg)
{
    struct worker *w = arg;
    struct epoll_event evs[MAX_EVENTS];
    bool busy = false;
    int n, i, timeout;

    for (;;) {
        timeout = next_timeout(w);
        /* After activity, wake once the worker has been quiet for a while to trim the heap. */
        if (busy && (timeout < 0 || timeout > TRIM_QUIET_MS))
            timeout = TRIM_QUIET_MS;
        n = epoll_wait(w->epfd, evs, MAX_EVENTS, timeout);
        if (n < 0 && errno != EINTR) {
            errlog_printf(ERRLOG_ERROR, "worker %u: epoll_wait: %s", w->id, strerror(errno));
            break;
        }
        w->now_ms = worker_now_ms();
        w->now_s = time(NULL);
        if (n > 0) {
            busy = true;
        } else if (n == 0 && busy) {
            /*
             * Quiet: hand the pages that handshakes and responses used and
             * freed back to the system, so that idle connections cost only
             * what they hold (glibc keeps freed memory in its arenas).
             */
            heap_trim();
            busy = false;
        }
        w->mailbox = false;
        w->in_batch = true;
        for (i = 0; i < n; i++) {
            struct worker_ev *ev = evs[i].data.ptr;
            if (!ev->dead)
                ev->on_event(ev, evs[i].events);
        }
        w->in_batch = false;
        free_graves(w);
        /* After the batch: the mailbox may close connections that had events in it. */
        if (w->mailbox)
            handle_mailbox(w);
        expire_timers(w);
        if (w->stopping && (w->nconns == 0 || w->now_ms >= w->stop_deadline))
            break;
    }
    if (w->nconns > 0)
        errlog_printf(ERRLOG_WARN,
                      "worker %u: %lu connection(s) closed at the end of the grace time", w->id,
                      w->nconns);
    close_all(w);
    ERR_clear_error();
    pthread_mutex_lock(&w->mlock);
    w->m_exited = true;
    pthread_cond_broadcast(&w->m_cv);
    pthread_mutex_unlock(&w->mlock);
    return NULL;
}

int
worker_start(struct worker *w, struct certmap_error *err)
{
    int e = pthread_create(&w->thread, NULL, worker_main, w);

    if (e != 0) {
        certmap_error_set(err, CERTMAP_ERR_IO, NULL, 0, NULL, NULL, "worker %u: %s", w->id,
                          strerror(e));
        return -1;
    }
    w->started = true;
    return 0;
}

void
worker_post_snapshot(struct worker *w, struct snapshot *snap, const int *fds,
                     const struct snap_endpoint *const *eps, size_t n)
{
    struct listener **adds = NULL, **v;
    struct snapshot *old = NULL;
    size_t i, m = 0;

    if (n > 0)
        adds = calloc(n, sizeof(*adds));
    for (i = 0; i < n; i++) {
        struct listener *l = adds != NULL ? calloc(1, sizeof(*l)) : NULL;
        if (l == NULL) {
            close(fds[i]);
            continue;
        }
        l->ev.on_event = on_accept;
        l->fd = fds[i];
        l->w = w;
        snprintf(l->key, sizeof(l->key), "%s", eps[i]->key);
        adds[m++] = l;
    }
    pthread_mutex_lock(&w->mlock);
    old = w->m_snap;
    w->m_snap = snap;
    if (w->m_nadd > 0 && m > 0) {
        /* An earlier snapshot not yet taken: keep its listeners too. */
        v = realloc(w->m_add, (w->m_nadd + m) * sizeof(*v));
        if (v != NULL) {
            memcpy(v + w->m_nadd, adds, m * sizeof(*v));
            w->m_add = v;
            w->m_nadd += m;
            free(adds);
            adds = NULL;
            m = 0;
        }
        /* else: adds is closed below; the endpoints stay unserved until the next reload. */
    } else if (m > 0) {
        free(w->m_add);
        w->m_add = adds;
        w->m_nadd = m;
        adds = NULL;
    }
    pthread_mutex_unlock(&w->mlock);
    for (i = 0; adds != NULL && i < m; i++) {
        close(adds[i]->fd);
        free(adds[i]);
    }
    free(adds);
    snapshot_unref(old);
    wake(w);
}

bool
worker_wait_adopted(struct worker *w, unsigned long gen, int timeout_ms)
{
    struct timespec until;
    bool done;

    if (!w->started)
        return true;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&w->mlock);
    while (!w->m_exited && w->m_adopted < gen)
        if (pthread_cond_timedwait(&w->m_cv, &w->mlock, &until) == ETIMEDOUT)
            break;
    done = w->m_exited || w->m_adopted >= gen;
    pthread_mutex_unlock(&w->mlock);
    return done;
}

void
worker_post_stop(struct worker *w)
{
    pthread_mutex_lock(&w->mlock);
    w->m_stop = true;
    pthread_mutex_unlock(&w->mlock);
    wake(w);
}

void
worker_logon_done(void *arg, enum logon_result result)
{
    struct logon_job *job = arg;
    struct worker *w = job->w;

    job->result = (int)result;
    pthread_mutex_lock(&w->mlock);
    job->next = w->m_done;
    w->m_done = job;
    pthread_mutex_unlock(&w->mlock);
    wake(w);
}

void
worker_cred_done(void *arg, enum logon_cred_state state, struct logon_cred *cred)
{
    struct logon_job *job = arg;

    job->cred_state = (int)state;
    job->cred = cred;
    worker_logon_done(job, state == LOGON_CRED_FAILED ? LOGON_ERROR : LOGON_OK);
}

void
worker_join(struct worker *w)
{
    if (w->started) {
        pthread_join(w->thread, NULL);
        w->started = false;
    }
}

void
worker_release(struct worker *w)
{
    size_t i;

    close_all(w);
    /* The listeners point into w->snap. */
    for (i = 0; i < w->nlisteners; i++)
        close_listener(w, w->listeners[i]);
    w->nlisteners = 0;
    snapshot_unref(w->m_snap);
    w->m_snap = NULL;
    snapshot_unref(w->snap);
    w->snap = NULL;
}

void
worker_destroy(struct worker *w)
{
    struct logon_job *job, *next;
    size_t i;

    close_all(w);
    if (w->upool != NULL)
        w->upool_free(w->upool);
    w->upool = NULL;
    for (i = 0; i < w->nlisteners; i++)
        close_listener(w, w->listeners[i]);
    free(w->listeners);
    w->listeners = NULL;
    w->nlisteners = 0;
    for (i = 0; i < w->m_nadd; i++) {
        close(w->m_add[i]->fd);
        free(w->m_add[i]);
    }
    free(w->m_add);
    w->m_add = NULL;
    w->m_nadd = 0;
    snapshot_unref(w->m_snap);
    w->m_snap = NULL;
    /* Every job is in w->jobs (those in m_done too) and no logon thread runs any more. */
    for (job = w->jobs; job != NULL; job = next) {
        next = job->all_next;
        free(job->cred);
        free(job);
    }
    w->jobs = NULL;
    w->m_done = NULL;
    snapshot_unref(w->snap);
    w->snap = NULL;
    static_cache_free(w->fcache);
    w->fcache = NULL;
    while (w->nfree_bufs > 0)
        free(w->free_bufs[--w->nfree_bufs]);
    free(w->free_bufs);
    w->free_bufs = NULL;
    if (w->epfd >= 0)
        close(w->epfd);
    if (w->wakefd >= 0)
        close(w->wakefd);
    w->epfd = w->wakefd = -1;
    pthread_cond_destroy(&w->m_cv);
    pthread_mutex_destroy(&w->mlock);
}

struct snapshot *
worker_metrics_collect(void *arg, struct metrics_state *st)
{
    struct server *srv = arg;
    const struct metrics_worker **workers;
    struct snapshot *snap;

    pthread_mutex_lock(&srv->lock);
    snap = srv->current != NULL ? snapshot_ref(srv->current) : NULL;
    pthread_mutex_unlock(&srv->lock);
    if (snap == NULL)
        return NULL;
    workers = calloc(srv->nworkers + 1, sizeof(*workers));
    if (workers == NULL) {
        snapshot_unref(snap);
        return NULL;
    }
    /* the counters are atomics each worker writes alone: read without a lock */
    for (unsigned k = 0; k < srv->nworkers; k++)
        workers[k] = &srv->workers[k].metrics;
    st->workers = workers;
    st->nworkers = srv->nworkers;
    st->open_conns = atomic_load(&srv->nconns);
    return snap;
}
