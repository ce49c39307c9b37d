/*
 * directory/core.c - the lookup pool, its connections and the cache (see
 * directory.h).
 *
 * One mutex guards the cache, the queue, the counters and the "down" state;
 * it is never held across an LDAP call or an on_done callback.  Each pool
 * thread owns one connection, opened when it first needs one and dropped
 * when the directory stops answering (the next lookup opens a new one), so
 * the pool is also the per-instance connection pool.
 *
 * A cache entry is keyed by the certificate's SHA-256.  It holds the last
 * answer the directory gave (with the time it stays fresh), whether a lookup
 * is queued or running (pending: later requests join it as waiters), and
 * whether the last attempt failed.  While the directory is down a stale
 * answer serves until maxStaleSeconds past its freshness, and once a second
 * at most such a hit asks a pool thread to probe the directory (connect,
 * bind, read the base entry), which is how the pool notices the directory
 * coming back without making a request wait for it.
 */
#include "directory.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DIR_BUCKETS 16384
#define DIR_PROBE_MS 1000

const unsigned dir_latency_bounds_ms[7] = {1, 5, 10, 50, 100, 500, 1000};

struct dwaiter {
    struct dwaiter *next;
    dir_done_fn on_done;
    void *arg;
};

struct dentry {
    unsigned char key[32];
    struct dentry *hnext;       /* hash chain */
    struct dentry *prev, *next; /* age list: oldest first */
    struct dentry *qnext;       /* in the job queue while queued */
    bool has_answer;            /* ans is what the directory said */
    struct dir_answer ans;
    uint64_t fresh_until_ms; /* ans serves until then (and maxStale later when down) */
    bool last_failed;        /* the last lookup did not get an answer */
    bool pending;            /* queued or running */
    struct dwaiter *waiters;
    unsigned char *der; /* pending: copy of the certificate */
    struct dir_query q; /* pending: the query (strings owned, der -> der above) */
};

struct directory {
    struct certmap_directory_settings s; /* copy; strings below */
    char *strings;                       /* one block holding s's strings */
    pthread_mutex_t lock;
    pthread_cond_t work_cv;
    pthread_t *threads;
    unsigned nthreads;
    bool stopping;
    struct dentry *buckets[DIR_BUCKETS];
    struct dentry *oldest, *newest;
    size_t count;
    struct dentry *qhead, *qtail;
    size_t queued;
    bool down;               /* the last attempt to reach the directory failed */
    bool probe;              /* a pool thread should see whether the directory is back */
    uint64_t next_probe_ms;  /* a stale hit queues a background lookup after this */
    uint64_t next_report_ms; /* directory_should_report() */
    char last_error[512];
    struct dir_stats st;
    atomic_ullong own_hits; /* directory_count_hit(): hits served from callers' copies */
};

static uint64_t
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t
now_usec(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* ---- settings copy ---- */

static int
copy_settings(struct directory *d, const struct certmap_directory_settings *s)
{
    const char *src[] = {s->uri,
                         s->base_dn,
                         s->bind_dn,
                         s->bind_password_file ? s->bind_password_file : "",
                         s->user_attribute,
                         s->mapping_attribute,
                         s->group_attribute,
                         s->group_base_dn,
                         s->group_member_attribute,
                         s->ca_file ? s->ca_file : ""};
    const char **dst[] = {&d->s.uri,
                          &d->s.base_dn,
                          &d->s.bind_dn,
                          &d->s.bind_password_file,
                          &d->s.user_attribute,
                          &d->s.mapping_attribute,
                          &d->s.group_attribute,
                          &d->s.group_base_dn,
                          &d->s.group_member_attribute,
                          &d->s.ca_file};
    size_t total = 0, n = sizeof(src) / sizeof(src[0]);
    char *p;

    d->s = *s;
    for (size_t i = 0; i < n; i++)
        total += strlen(src[i] != NULL ? src[i] : "") + 1;
    d->strings = malloc(total);
    if (d->strings == NULL)
        return -1;
    p = d->strings;
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(src[i] != NULL ? src[i] : "") + 1;
        memcpy(p, src[i] != NULL ? src[i] : "", l);
        *dst[i] = p;
        p += l;
    }
    if (s->bind_password_file == NULL)
        d->s.bind_password_file = NULL;
    if (s->ca_file == NULL)
        d->s.ca_file = NULL;
    return 0;
}

/* ---- cache ---- */

static size_t
bucket_of(const unsigned char key[32])
{
    size_t h;

    memcpy(&h, key, sizeof(h));
    return h % DIR_BUCKETS;
}

static struct dentry *
find(struct directory *d, const unsigned char key[32])
{
    for (struct dentry *e = d->buckets[bucket_of(key)]; e != NULL; e = e->hnext)
        if (memcmp(e->key, key, 32) == 0)
            return e;
    return NULL;
}

static void
age_unlink(struct directory *d, struct dentry *e)
{
    if (e->prev != NULL)
        e->prev->next = e->next;
    else
        d->oldest = e->next;
    if (e->next != NULL)
        e->next->prev = e->prev;
    else
        d->newest = e->prev;
    e->prev = e->next = NULL;
}

static void
age_append(struct directory *d, struct dentry *e)
{
    e->prev = d->newest;
    e->next = NULL;
    if (d->newest != NULL)
        d->newest->next = e;
    else
        d->oldest = e;
    d->newest = e;
}

static void
entry_free(struct dentry *e)
{
    dir_answer_clear(&e->ans);
    dir_query_clear(&e->q);
    free(e->der);
    free(e);
}

static void
remove_entry(struct directory *d, struct dentry *e)
{
    struct dentry **pp = &d->buckets[bucket_of(e->key)];

    while (*pp != e)
        pp = &(*pp)->hnext;
    *pp = e->hnext;
    age_unlink(d, e);
    d->count--;
    entry_free(e);
}

/* Drops the oldest entries nobody waits for beyond DIR_CACHE_MAX. */
static void
evict(struct directory *d)
{
    struct dentry *e = d->oldest, *next;

    while (d->count > DIR_CACHE_MAX && e != NULL) {
        next = e->next;
        if (!e->pending)
            remove_entry(d, e);
        e = next;
    }
}

static struct dentry *
entry_get(struct directory *d, const unsigned char key[32])
{
    struct dentry *e = find(d, key);
    size_t b;

    if (e != NULL)
        return e;
    e = calloc(1, sizeof(*e));
    if (e == NULL)
        return NULL;
    memcpy(e->key, key, 32);
    b = bucket_of(key);
    e->hnext = d->buckets[b];
    d->buckets[b] = e;
    age_append(d, e);
    d->count++;
    evict(d);
    return e;
}

/* ans of e still usable at now (fresh, or stale while the directory is down). */
static int
usable(const struct directory *d, const struct dentry *e, uint64_t now, bool *stale)
{
    *stale = false;
    if (!e->has_answer)
        return 0;
    if (now < e->fresh_until_ms)
        return 1;
    if (d->down && now < e->fresh_until_ms + (uint64_t)d->s.max_stale_seconds * 1000) {
        *stale = true;
        return 1;
    }
    return 0;
}

static void
enqueue(struct directory *d, struct dentry *e)
{
    e->qnext = NULL;
    if (d->qtail != NULL)
        d->qtail->qnext = e;
    else
        d->qhead = e;
    d->qtail = e;
    d->queued++;
    pthread_cond_signal(&d->work_cv);
}

/* Makes e pending with a copy of q (lock held).  -1 when memory runs out. */
static int
make_pending(struct directory *d, struct dentry *e, const struct dir_query *q)
{
    e->der = malloc(q->der_len ? q->der_len : 1);
    if (e->der == NULL)
        return -1;
    memcpy(e->der, q->der, q->der_len);
    memset(&e->q, 0, sizeof(e->q));
    memcpy(e->q.key, q->key, 32);
    e->q.der = e->der;
    e->q.der_len = q->der_len;
    for (size_t i = 0; i < q->nstrings; i++) {
        e->q.strings[i] = strdup(q->strings[i]);
        if (e->q.strings[i] == NULL) {
            dir_query_clear(&e->q);
            free(e->der);
            e->der = NULL;
            return -1;
        }
        e->q.strong[i] = q->strong[i];
        e->q.nstrings++;
    }
    e->pending = true;
    enqueue(d, e);
    return 0;
}

int
directory_cached(struct directory *d, const unsigned char key[32], bool just_done,
                 struct dir_answer *out, uint64_t *fresh_until)
{
    uint64_t now = now_ms();
    struct dentry *e;
    bool stale;
    int ret = 0;

    memset(out, 0, sizeof(*out));
    *fresh_until = 0;
    pthread_mutex_lock(&d->lock);
    e = find(d, key);
    if (e == NULL)
        goto out;
    if (usable(d, e, now, &stale) || (just_done && e->has_answer && !e->last_failed)) {
        if (dir_answer_copy(out, &e->ans) != 0)
            goto out;
        out->stale = stale;
        if (!stale && now < e->fresh_until_ms)
            *fresh_until = e->fresh_until_ms;
        ret = 1;
        if (stale) {
            d->st.stale_hits++;
            /* see whether the directory is back, without making this request wait */
            if (now >= d->next_probe_ms && !d->probe) {
                d->next_probe_ms = now + DIR_PROBE_MS;
                d->probe = true;
                pthread_cond_signal(&d->work_cv);
            }
        } else if (!just_done) {
            d->st.hits++;
        }
        goto out;
    }
    if (just_done && e->last_failed) {
        out->status = DIR_UNAVAILABLE;
        snprintf(out->why, sizeof(out->why), "the directory cannot be reached: %s", d->last_error);
        ret = 1;
    }
out:
    pthread_mutex_unlock(&d->lock);
    return ret;
}

/* ---- the pool ---- */

/* Answers and wakes the waiters of e (lock not held; e no longer pending). */
static void
deliver(struct dwaiter *w, int status)
{
    while (w != NULL) {
        struct dwaiter *next = w->next;
        w->on_done(w->arg, status);
        free(w);
        w = next;
    }
}

static void
note_latency(struct directory *d, uint64_t usec)
{
    uint64_t ms = usec / 1000;
    size_t b = 0;

    while (b < 7 && ms > dir_latency_bounds_ms[b])
        b++;
    d->st.latency_buckets[b]++;
    d->st.latency_usec += usec;
    d->st.lookups++;
}

static void
run_lookup(struct directory *d, struct dir_conn **conn, struct dentry *e)
{
    struct certmap_error err = {0};
    struct dir_answer ans;
    struct dwaiter *w;
    uint64_t t0 = now_usec();
    bool stale;
    int rc = -1, status;

    memset(&ans, 0, sizeof(ans));
    if (*conn == NULL)
        *conn = dir_conn_open(&d->s, &err);
    if (*conn != NULL) {
        rc = dir_conn_lookup(*conn, &e->q, &ans, &err);
        if (rc != 0 && err.kind != CERTMAP_ERR_NOMEM) {
            /* the connection may have gone stale (server restarted): once more on a new one */
            dir_conn_close(*conn);
            certmap_error_clear(&err);
            *conn = dir_conn_open(&d->s, &err);
            if (*conn != NULL)
                rc = dir_conn_lookup(*conn, &e->q, &ans, &err);
        }
    }
    if (rc != 0 && *conn != NULL) {
        dir_conn_close(*conn);
        *conn = NULL;
    }
    pthread_mutex_lock(&d->lock);
    if (rc == 0) {
        dir_answer_clear(&e->ans);
        e->ans = ans;
        e->has_answer = true;
        e->last_failed = false;
        e->fresh_until_ms =
            now_ms() +
            (uint64_t)(ans.status == DIR_FOUND ? d->s.cache_seconds : d->s.negative_cache_seconds) *
                1000;
        d->down = false;
        note_latency(d, now_usec() - t0);
    } else {
        e->last_failed = true;
        d->down = true;
        d->st.failures++;
        snprintf(d->last_error, sizeof(d->last_error), "%s",
                 err.message[0] ? err.message : "no answer");
    }
    status = rc == 0                          ? (int)e->ans.status
             : usable(d, e, now_ms(), &stale) ? (int)e->ans.status
                                              : (int)DIR_UNAVAILABLE;
    e->pending = false;
    dir_query_clear(&e->q);
    free(e->der);
    e->der = NULL;
    w = e->waiters;
    e->waiters = NULL;
    pthread_mutex_unlock(&d->lock);
    deliver(w, status);
}

/* Whether the directory answers: connect and bind, then read the base entry. */
static void
run_probe(struct directory *d, struct dir_conn **conn)
{
    struct certmap_error err = {0};
    int rc = -1;

    if (*conn == NULL)
        *conn = dir_conn_open(&d->s, &err);
    if (*conn != NULL)
        rc = dir_conn_ping(*conn, &err);
    if (rc != 0 && *conn != NULL) {
        dir_conn_close(*conn);
        *conn = NULL;
    }
    pthread_mutex_lock(&d->lock);
    d->probe = false;
    if (rc == 0)
        d->down = false;
    else
        snprintf(d->last_error, sizeof(d->last_error), "%s",
                 err.message[0] ? err.message : "no answer");
    pthread_mutex_unlock(&d->lock);
}

static void *
pool_main(void *arg)
{
    struct directory *d = arg;
    struct dir_conn *conn = NULL;
    struct dentry *e;

    pthread_mutex_lock(&d->lock);
    for (;;) {
        while (!d->stopping && d->qhead == NULL && !d->probe)
            pthread_cond_wait(&d->work_cv, &d->lock);
        if (d->stopping)
            break;
        if (d->qhead != NULL) {
            e = d->qhead;
            d->qhead = e->qnext;
            if (d->qhead == NULL)
                d->qtail = NULL;
            d->queued--;
            pthread_mutex_unlock(&d->lock);
            run_lookup(d, &conn, e);
        } else {
            pthread_mutex_unlock(&d->lock);
            run_probe(d, &conn);
        }
        pthread_mutex_lock(&d->lock);
    }
    pthread_mutex_unlock(&d->lock);
    dir_conn_close(conn);
    return NULL;
}

struct directory *
directory_new(const struct certmap_directory_settings *s, struct certmap_error *err)
{
    struct directory *d = calloc(1, sizeof(*d));
    unsigned n = s->connections > 0 ? s->connections : 1;

    if (d == NULL || copy_settings(d, s) != 0)
        goto nomem;
    d->threads = calloc(n, sizeof(*d->threads));
    if (d->threads == NULL)
        goto nomem;
    pthread_mutex_init(&d->lock, NULL);
    pthread_cond_init(&d->work_cv, NULL);
    for (; d->nthreads < n; d->nthreads++) {
        if (pthread_create(&d->threads[d->nthreads], NULL, pool_main, d) != 0) {
            certmap_error_set(err, CERTMAP_ERR_IO, NULL, 0, "directory", NULL,
                              "cannot start the lookup threads");
            directory_free(d);
            return NULL;
        }
    }
    return d;
nomem:
    if (d != NULL) {
        free(d->strings);
        free(d);
    }
    certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL, "out of memory");
    return NULL;
}

void
directory_free(struct directory *d)
{
    if (d == NULL)
        return;
    pthread_mutex_lock(&d->lock);
    d->stopping = true;
    pthread_cond_broadcast(&d->work_cv);
    pthread_mutex_unlock(&d->lock);
    for (unsigned i = 0; i < d->nthreads; i++)
        pthread_join(d->threads[i], NULL);
    /* lookups still queued: their waiters get their one answer */
    for (size_t b = 0; b < DIR_BUCKETS; b++) {
        while (d->buckets[b] != NULL) {
            struct dentry *e = d->buckets[b];
            struct dwaiter *w = e->waiters;
            e->waiters = NULL;
            d->buckets[b] = e->hnext;
            entry_free(e);
            deliver(w, DIR_UNAVAILABLE);
        }
    }
    pthread_cond_destroy(&d->work_cv);
    pthread_mutex_destroy(&d->lock);
    free(d->threads);
    free(d->strings);
    free(d);
}

int
directory_submit(struct directory *d, const struct dir_query *q, dir_done_fn on_done, void *arg)
{
    struct dwaiter *w = calloc(1, sizeof(*w));
    struct dentry *e;
    int ret = -1;

    if (w == NULL)
        return -1;
    w->on_done = on_done;
    w->arg = arg;
    pthread_mutex_lock(&d->lock);
    if (d->stopping)
        goto out;
    e = entry_get(d, q->key);
    if (e == NULL)
        goto out;
    if (e->pending) {
        d->st.coalesced++;
    } else {
        if (d->queued >= DIR_QUEUE_MAX || make_pending(d, e, q) != 0)
            goto out;
        d->st.misses++;
    }
    w->next = e->waiters;
    e->waiters = w;
    w = NULL;
    ret = 0;
out:
    pthread_mutex_unlock(&d->lock);
    free(w);
    return ret;
}

enum dir_status
directory_lookup_once(const struct certmap_directory_settings *s, const struct dir_query *q,
                      struct dir_answer *out, struct certmap_error *err)
{
    struct dir_conn *c = dir_conn_open(s, err);

    memset(out, 0, sizeof(*out));
    if (c == NULL || dir_conn_lookup(c, q, out, err) != 0) {
        dir_conn_close(c);
        dir_answer_clear(out);
        out->status = DIR_UNAVAILABLE;
        snprintf(out->why, sizeof(out->why), "the directory cannot be reached: %s", err->message);
        return DIR_UNAVAILABLE;
    }
    dir_conn_close(c);
    return out->status;
}

bool
directory_should_report(struct directory *d, unsigned interval_seconds, char *why, size_t size)
{
    uint64_t now = now_ms();
    bool ret = false;

    pthread_mutex_lock(&d->lock);
    if (d->down && now >= d->next_report_ms) {
        d->next_report_ms = now + (uint64_t)interval_seconds * 1000;
        snprintf(why, size, "%s", d->last_error);
        ret = true;
    }
    pthread_mutex_unlock(&d->lock);
    return ret;
}

void
directory_stats_get(struct directory *d, struct dir_stats *st)
{
    pthread_mutex_lock(&d->lock);
    *st = d->st;
    st->cached = d->count;
    pthread_mutex_unlock(&d->lock);
    st->hits += atomic_load_explicit(&d->own_hits, memory_order_relaxed);
}

void
directory_count_hit(struct directory *d)
{
    atomic_fetch_add_explicit(&d->own_hits, 1, memory_order_relaxed);
}
