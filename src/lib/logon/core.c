/*
 * core.c - the logon object: one provider behind the ops table, the result
 * cache and the thread pool that keeps provider calls off the event loops.
 *
 * One mutex guards the cache, both queues and the counters.  It is held for
 * table and list operations only, never across a provider call or an
 * on_done callback, so a PAM module that takes seconds holds up no one but
 * the pool thread running it.
 *
 * A logon goes through three states.  Cached: answered at once.  In flight:
 * the caller is added to the entry's waiters and gets the same result, so a
 * burst of identical requests costs one provider call.  Unknown: a pending
 * entry is created and a job queued; the pool thread that runs it delivers
 * the result to every waiter and leaves it in the cache for its TTL.
 */
#include "logon/logon_int.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

/* More pool threads than this is a configuration mistake: PAM is not a CPU farm. */
#define LOGON_THREADS_MAX 64
/* Callers that may wait on logons in flight at once (they cost memory only). */
#define LOGON_WAITERS_MAX 65536
/* Longer names or passwords are refused before any provider sees them. */
#define LOGON_USER_MAX 1024
#define LOGON_PASSWORD_MAX 4096

enum job_kind {
    JOB_LOGON,   /* call the provider for entry */
    JOB_DELIVER, /* call on_done(arg, result) */
    JOB_GROUPS,  /* look up user's groups, then deliver (on_cred set: the credentials too) */
};

/*
 * One unit of pool work, and also one waiter on a logon in flight: when that
 * logon finishes, its waiters turn into deliveries.
 */
struct logon_task {
    struct logon_task *next;
    enum job_kind kind;
    struct logon_entry *entry; /* JOB_LOGON: the pending cache entry */
    char *user;                /* JOB_LOGON, JOB_GROUPS: owned copy */
    char *password;            /* JOB_LOGON: owned copy, wiped before free */
    logon_done_fn on_done;     /* JOB_DELIVER and async waiters */
    logon_cred_fn on_cred;     /* JOB_GROUPS of logon_submit_cred(), else NULL */
    void *arg;
    enum logon_result result; /* JOB_DELIVER: what to deliver */
    struct sync_wait *sync;   /* blocking waiter of logon_check(), on its stack */
};

/* Where logon_check() waits for a logon already in flight. */
struct sync_wait {
    bool done;
    enum logon_result result;
};

struct job_list {
    struct logon_task *head;
    struct logon_task *tail;
};

struct logon {
    const struct logon_provider_ops *ops;
    void *state;                   /* provider state, owned */
    uint64_t ttl_ok_ms;            /* positive cache TTL */
    uint64_t ttl_refused_ms;       /* negative cache TTL */
    bool nss_credentials;          /* group lookups fetch the NSS credentials too */
    uint64_t (*now_ms)(void *ctx); /* monotonic clock (tests inject one) */
    void *now_ctx;
    bool lock_ready;        /* lock and condition variables initialised */
    pthread_mutex_t lock;   /* guards everything below */
    pthread_cond_t work_cv; /* a job was queued, or stopping */
    pthread_cond_t done_cv; /* a logon finished: blocking waiters look */
    struct logon_cache cache;
    struct logon_gcache groups; /* groups of users whose logon succeeded */
    struct job_list deliveries; /* served first: they need no provider call */
    struct job_list logons;     /* provider calls to make */
    size_t queued;              /* jobs in both lists */
    size_t queue_max;           /* logon_submit() fails at this many */
    size_t waiters;             /* async waiters on logons in flight */
    bool stopping;              /* logon_free() has begun */
    pthread_t *threads;         /* owned array of nthreads started threads */
    unsigned nthreads;
    struct logon_stats stats; /* evictions and cached come from the cache */
};

static uint64_t
clock_monotonic_ms(void *ctx)
{
    struct timespec ts;

    (void)ctx;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
job_free(struct logon_task *job)
{
    if (job == NULL)
        return;
    if (job->password != NULL) {
        OPENSSL_cleanse(job->password, strlen(job->password));
        free(job->password);
    }
    free(job->user);
    free(job);
}

static void
list_push(struct job_list *list, struct logon_task *job)
{
    job->next = NULL;
    if (list->tail != NULL)
        list->tail->next = job;
    else
        list->head = job;
    list->tail = job;
}

static struct logon_task *
list_pop(struct job_list *list)
{
    struct logon_task *job = list->head;

    if (job != NULL) {
        list->head = job->next;
        if (list->head == NULL)
            list->tail = NULL;
        job->next = NULL;
    }
    return job;
}

/* Refuses what no provider should see.  LOGON_OK when the input may go on. */
static enum logon_result
precheck(const char *user, const char *password, struct certmap_error *err)
{
    if (user == NULL || user[0] == '\0') {
        certmap_error_set(err, CERTMAP_ERR_AUTH, NULL, 0, NULL, NULL, "empty user name");
        return LOGON_REFUSED;
    }
    if (strlen(user) > LOGON_USER_MAX) {
        certmap_error_set(err, CERTMAP_ERR_AUTH, NULL, 0, NULL, NULL,
                          "user name longer than %d bytes", LOGON_USER_MAX);
        return LOGON_REFUSED;
    }
    if (password == NULL || password[0] == '\0') {
        certmap_error_set(err, CERTMAP_ERR_AUTH, NULL, 0, NULL, NULL, "empty password for \"%s\"",
                          user);
        return LOGON_REFUSED;
    }
    if (strlen(password) > LOGON_PASSWORD_MAX) {
        certmap_error_set(err, CERTMAP_ERR_AUTH, NULL, 0, NULL, NULL,
                          "password for \"%s\" longer than %d bytes", user, LOGON_PASSWORD_MAX);
        return LOGON_REFUSED;
    }
    return LOGON_OK;
}

/* A provider failure is not cached: the next request should try again. */
static uint64_t
ttl_for(const struct logon *l, enum logon_result r)
{
    if (r == LOGON_OK)
        return l->ttl_ok_ms;
    if (r == LOGON_REFUSED)
        return l->ttl_refused_ms;
    return 0;
}

/*
 * Records the result of pending entry e (lock held): wakes the blocking
 * waiters and returns the async ones, in arrival order, as deliveries.
 */
static struct logon_task *
finish_locked(struct logon *l, struct logon_entry *e, enum logon_result r)
{
    struct logon_task *w = e->waiters, *next, *async = NULL;
    bool woke = false;

    e->waiters = NULL;
    for (; w != NULL; w = next) {
        next = w->next;
        if (w->sync != NULL) {
            /* w lives on a blocked thread's stack; it cannot leave before we unlock. */
            w->sync->result = r;
            w->sync->done = true;
            woke = true;
            continue;
        }
        /* Waiters were pushed at the head: reversing restores arrival order. */
        w->kind = JOB_DELIVER;
        w->result = r;
        w->next = async;
        async = w;
        l->waiters--;
    }
    if (woke)
        pthread_cond_broadcast(&l->done_cv);
    logon_cache_finish(&l->cache, e, r, ttl_for(l, r), l->now_ms(l->now_ctx));
    return async;
}

/* Calls and frees a list of deliveries (lock not held). */
static void
deliver_all(struct logon_task *job)
{
    struct logon_task *next;

    for (; job != NULL; job = next) {
        next = job->next;
        job->on_done(job->arg, job->result);
        job_free(job);
    }
}

/*
 * Looks up the groups of user through the provider and caches them (a
 * failure too, so that the request is answered rather than retried without
 * end).  Lock not held.  0, or -1 when memory ran out.  When handed is not
 * NULL it gets a copy of the credentials (LOGON_CRED_FOUND) and *hstate
 * their state, for logon_submit_cred().
 */
static int
store_groups(struct logon *l, const char *user, struct logon_cred **handed,
             enum logon_cred_state *hstate)
{
    struct certmap_error err = {0};
    char **names = NULL;
    size_t n = 0;
    bool failed = false;
    struct logon_cred *cred = NULL;
    enum logon_cred_state cstate = LOGON_CRED_MISS;
    uint64_t ttl = l->ttl_ok_ms > (uint64_t)LOGON_GROUPS_MIN_SECONDS * 1000
                       ? l->ttl_ok_ms
                       : (uint64_t)LOGON_GROUPS_MIN_SECONDS * 1000;
    int ret;

    if (l->ops->groups == NULL) {
        names = logon_names_pack(NULL, NULL, 0);
        if (names == NULL)
            return -1;
    } else if (l->ops->groups(l->state, user, &names, &n, &err) != 0) {
        if (err.kind == CERTMAP_ERR_NOMEM)
            return -1;
        failed = true;
        names = NULL;
        n = 0;
    }
    if (l->nss_credentials) {
        /* whatever the provider: files are opened as the system account of that name */
        switch (logon_nss_cred(user, &cred, &err)) {
        case 1:
            cstate = LOGON_CRED_FOUND;
            break;
        case 0:
            cstate = LOGON_CRED_UNKNOWN;
            break;
        default:
            if (err.kind == CERTMAP_ERR_NOMEM) {
                free(names);
                return -1;
            }
            cstate = LOGON_CRED_FAILED;
            break;
        }
    }
    if (handed != NULL && cstate == LOGON_CRED_FOUND) {
        *handed = logon_cred_copy(cred);
        if (*handed == NULL) {
            free(names);
            free(cred);
            return -1;
        }
    }
    if (hstate != NULL)
        *hstate = cstate;
    pthread_mutex_lock(&l->lock);
    ret = logon_gcache_put(&l->groups, user, names, n, failed, cred, cstate,
                           l->now_ms(l->now_ctx) + ttl);
    pthread_mutex_unlock(&l->lock);
    return ret;
}

/* Runs one JOB_LOGON on a pool thread; called and returns with the lock held. */
static void
run_logon(struct logon *l, struct logon_task *job)
{
    struct certmap_error err;
    struct logon_task *async;
    enum logon_result r = LOGON_ERROR;

    /* At shutdown a queued logon is answered, not started: PAM may take long. */
    if (!l->stopping) {
        l->stats.provider_calls++;
        pthread_mutex_unlock(&l->lock);
        r = l->ops->check(l->state, job->user, job->password, &err);
        /* the groups are ready before anyone learns of the success */
        if (r == LOGON_OK && store_groups(l, job->user, NULL, NULL) != 0)
            r = LOGON_ERROR;
        pthread_mutex_lock(&l->lock);
    }
    async = finish_locked(l, job->entry, r);
    pthread_mutex_unlock(&l->lock);
    job_free(job);
    deliver_all(async);
    pthread_mutex_lock(&l->lock);
}

/* Runs one JOB_GROUPS on a pool thread; called and returns with the lock held. */
static void
run_groups(struct logon *l, struct logon_task *job)
{
    enum logon_result r = LOGON_ERROR;
    enum logon_cred_state cstate = LOGON_CRED_FAILED;
    struct logon_cred *cred = NULL;
    bool stopping = l->stopping;

    pthread_mutex_unlock(&l->lock);
    if (job->on_cred != NULL) {
        if (stopping || store_groups(l, job->user, &cred, &cstate) != 0) {
            free(cred);
            cred = NULL;
            cstate = LOGON_CRED_FAILED;
        }
        job->on_cred(job->arg, cstate, cred);
        job_free(job);
        pthread_mutex_lock(&l->lock);
        return;
    }
    if (!stopping && store_groups(l, job->user, NULL, NULL) == 0)
        r = LOGON_OK;
    job->kind = JOB_DELIVER;
    job->result = r;
    job->next = NULL;
    deliver_all(job);
    pthread_mutex_lock(&l->lock);
}

static void *
pool_main(void *arg)
{
    struct logon *l = arg;
    struct logon_task *job;

    pthread_mutex_lock(&l->lock);
    for (;;) {
        job = list_pop(&l->deliveries);
        if (job == NULL)
            job = list_pop(&l->logons);
        if (job == NULL) {
            /* Stop only once both queues are empty: every accepted submit gets its on_done. */
            if (l->stopping)
                break;
            pthread_cond_wait(&l->work_cv, &l->lock);
            continue;
        }
        l->queued--;
        if (job->kind == JOB_LOGON) {
            run_logon(l, job);
            continue;
        }
        if (job->kind == JOB_GROUPS) {
            run_groups(l, job);
            continue;
        }
        pthread_mutex_unlock(&l->lock);
        deliver_all(job);
        pthread_mutex_lock(&l->lock);
    }
    pthread_mutex_unlock(&l->lock);
    return NULL;
}

struct logon *
logon_new_with_provider(const struct logon_settings *s, const struct logon_provider_ops *ops,
                        struct certmap_error *err)
{
    struct logon *l = NULL;
    unsigned n, i;

    certmap_error_clear(err);
    if (s == NULL || ops == NULL) {
        certmap_error_set(err, CERTMAP_ERR_USAGE, NULL, 0, NULL, NULL, "no logon settings");
        return NULL;
    }
    n = s->threads != 0 ? s->threads : 2;
    if (n > LOGON_THREADS_MAX) {
        certmap_error_set(err, CERTMAP_ERR_INVALID, NULL, 0, "logon", "threads",
                          "%u logon threads (at most %d)", n, LOGON_THREADS_MAX);
        return NULL;
    }
    l = calloc(1, sizeof(*l));
    if (l == NULL) {
        certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL, "out of memory");
        return NULL;
    }
    l->ops = ops;
    l->ttl_ok_ms = (uint64_t)s->cache_seconds * 1000;
    l->ttl_refused_ms = (uint64_t)s->negative_cache_seconds * 1000;
    l->nss_credentials = s->nss_credentials;
    l->now_ms = clock_monotonic_ms;
    l->queue_max = LOGON_QUEUE_MAX;
    if (pthread_mutex_init(&l->lock, NULL) != 0)
        goto fail_sync;
    if (pthread_cond_init(&l->work_cv, NULL) != 0) {
        pthread_mutex_destroy(&l->lock);
        goto fail_sync;
    }
    if (pthread_cond_init(&l->done_cv, NULL) != 0) {
        pthread_cond_destroy(&l->work_cv);
        pthread_mutex_destroy(&l->lock);
        goto fail_sync;
    }
    l->lock_ready = true;
    if (logon_cache_init(&l->cache, LOGON_CACHE_MAX, err) != 0)
        goto fail;
    if (ops->open(s, &l->state, err) != 0)
        goto fail;
    l->threads = calloc(n, sizeof(*l->threads));
    if (l->threads == NULL) {
        certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL, "out of memory");
        goto fail;
    }
    for (i = 0; i < n; i++) {
        if (pthread_create(&l->threads[i], NULL, pool_main, l) != 0) {
            certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL,
                              "cannot start logon thread %u of %u", i + 1, n);
            goto fail;
        }
        l->nthreads++;
    }
    return l;
fail_sync:
    free(l);
    certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL,
                      "cannot create the logon mutex or condition variables");
    return NULL;
fail:
    logon_free(l);
    return NULL;
}

struct logon *
logon_new(const struct logon_settings *s, struct certmap_error *err)
{
    if (s == NULL) {
        certmap_error_set(err, CERTMAP_ERR_USAGE, NULL, 0, NULL, NULL, "no logon settings");
        return NULL;
    }
    switch (s->provider) {
    case LOGON_FILE:
        return logon_new_with_provider(s, &logon_file_provider, err);
    case LOGON_PAM:
        return logon_new_with_provider(s, &logon_pam_provider, err);
    }
    certmap_error_set(err, CERTMAP_ERR_INVALID, NULL, 0, "logon", "provider",
                      "unknown logon provider %d (allowed: file, pam)", (int)s->provider);
    return NULL;
}

void
logon_free(struct logon *l)
{
    unsigned i;

    if (l == NULL)
        return;
    if (l->lock_ready) {
        pthread_mutex_lock(&l->lock);
        l->stopping = true;
        pthread_cond_broadcast(&l->work_cv);
        pthread_mutex_unlock(&l->lock);
    }
    /* The threads drain both queues before they return (see pool_main). */
    for (i = 0; i < l->nthreads; i++)
        pthread_join(l->threads[i], NULL);
    free(l->threads);
    logon_cache_destroy(&l->cache);
    logon_gcache_flush(&l->groups);
    if (l->state != NULL)
        l->ops->close(l->state);
    if (l->lock_ready) {
        pthread_cond_destroy(&l->work_cv);
        pthread_cond_destroy(&l->done_cv);
        pthread_mutex_destroy(&l->lock);
    }
    free(l);
}

/* Queues a delivery of a known result, within the queue bound.  Lock held. */
static int
queue_delivery(struct logon *l, struct logon_task *job, enum logon_result r)
{
    if (l->queued >= l->queue_max) {
        l->stats.queue_full++;
        return -1;
    }
    job->kind = JOB_DELIVER;
    job->result = r;
    list_push(&l->deliveries, job);
    l->queued++;
    return 0;
}

/* Starts a logon for a new pending entry with job as its first waiter.  Lock held. */
static int
queue_logon(struct logon *l, struct logon_task *job, const char *user, const char *password,
            const unsigned char *digest)
{
    struct logon_task *run;

    if (l->queued >= l->queue_max) {
        l->stats.queue_full++;
        return -1;
    }
    run = calloc(1, sizeof(*run));
    if (run == NULL)
        return -1;
    run->kind = JOB_LOGON;
    run->user = strdup(user);
    run->password = strdup(password);
    if (run->user != NULL && run->password != NULL)
        run->entry = logon_cache_add_pending(&l->cache, user, digest);
    if (run->entry == NULL) {
        job_free(run);
        return -1;
    }
    run->entry->waiters = job;
    job->next = NULL;
    l->waiters++;
    list_push(&l->logons, run);
    l->queued++;
    l->stats.misses++;
    return 0;
}

int
logon_submit(struct logon *l, const char *user, const char *password, logon_done_fn on_done,
             void *arg)
{
    unsigned char digest[LOGON_DIGEST_LEN];
    struct logon_task *job;
    struct logon_entry *e;
    enum logon_result early;
    int ret = -1;

    if (l == NULL || on_done == NULL)
        return -1;
    job = calloc(1, sizeof(*job));
    if (job == NULL)
        return -1;
    job->on_done = on_done;
    job->arg = arg;
    early = precheck(user, password, NULL);
    if (early == LOGON_OK && logon_cache_digest(&l->cache, password, digest) != 0) {
        free(job);
        return -1;
    }
    pthread_mutex_lock(&l->lock);
    if (l->stopping)
        goto out;
    if (early != LOGON_OK) {
        ret = queue_delivery(l, job, early);
        goto out;
    }
    e = logon_cache_find(&l->cache, user, digest, l->now_ms(l->now_ctx));
    if (e != NULL && !e->pending) {
        ret = queue_delivery(l, job, e->result);
        if (ret == 0)
            l->stats.hits++;
    } else if (e != NULL) {
        if (l->waiters < LOGON_WAITERS_MAX) {
            job->kind = JOB_DELIVER;
            job->next = e->waiters;
            e->waiters = job;
            l->waiters++;
            l->stats.coalesced++;
            ret = 0;
        }
    } else {
        ret = queue_logon(l, job, user, password, digest);
    }
out:
    if (ret == 0)
        pthread_cond_signal(&l->work_cv);
    pthread_mutex_unlock(&l->lock);
    if (ret != 0)
        free(job);
    OPENSSL_cleanse(digest, sizeof(digest));
    return ret;
}

/* logon_check() on a logon already in flight: waits for it (lock held). */
static enum logon_result
wait_in_flight(struct logon *l, struct logon_entry *e)
{
    struct sync_wait sw = {.done = false, .result = LOGON_ERROR};
    struct logon_task self = {.sync = &sw};

    self.next = e->waiters;
    /*
     * self stays linked only while this thread waits: finish_locked() empties
     * e->waiters before it sets sw.done, under the lock held here.  gcc 14
     * (Debian 13) cannot see that and calls the store dangling.
     */
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdangling-pointer"
#endif
    e->waiters = &self;
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#pragma GCC diagnostic pop
#endif
    l->stats.coalesced++;
    while (!sw.done)
        pthread_cond_wait(&l->done_cv, &l->lock);
    return sw.result;
}

enum logon_result
logon_check(struct logon *l, const char *user, const char *password, struct certmap_error *err)
{
    unsigned char digest[LOGON_DIGEST_LEN];
    struct logon_entry *e;
    struct logon_task *async, *next;
    enum logon_result r;
    const char *how = NULL;

    certmap_error_clear(err);
    if (l == NULL) {
        certmap_error_set(err, CERTMAP_ERR_USAGE, NULL, 0, NULL, NULL, "no logon object");
        return LOGON_ERROR;
    }
    r = precheck(user, password, err);
    if (r != LOGON_OK)
        return r;
    if (logon_cache_digest(&l->cache, password, digest) != 0) {
        certmap_error_set(err, CERTMAP_ERR_CRYPTO, NULL, 0, NULL, NULL, "SHA-256 failed");
        return LOGON_ERROR;
    }
    pthread_mutex_lock(&l->lock);
    e = logon_cache_find(&l->cache, user, digest, l->now_ms(l->now_ctx));
    if (e != NULL && !e->pending) {
        r = e->result;
        l->stats.hits++;
        how = "cached result";
    } else if (e != NULL) {
        r = wait_in_flight(l, e);
        how = "result of a concurrent logon";
    } else {
        e = logon_cache_add_pending(&l->cache, user, digest);
        if (e == NULL) {
            pthread_mutex_unlock(&l->lock);
            certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL, "out of memory");
            OPENSSL_cleanse(digest, sizeof(digest));
            return LOGON_ERROR;
        }
        l->stats.misses++;
        l->stats.provider_calls++;
        pthread_mutex_unlock(&l->lock);
        r = l->ops->check(l->state, user, password, err);
        pthread_mutex_lock(&l->lock);
        /* Submitters that joined meanwhile are answered on the pool, as promised. */
        for (async = finish_locked(l, e, r); async != NULL; async = next) {
            next = async->next;
            list_push(&l->deliveries, async);
            l->queued++;
        }
        pthread_cond_broadcast(&l->work_cv);
    }
    pthread_mutex_unlock(&l->lock);
    OPENSSL_cleanse(digest, sizeof(digest));
    if (how != NULL && r == LOGON_REFUSED)
        certmap_error_set(err, CERTMAP_ERR_AUTH, NULL, 0, NULL, NULL,
                          "logon of \"%s\" refused (%s)", user, how);
    else if (how != NULL && r == LOGON_ERROR)
        certmap_error_set(err, CERTMAP_ERR_IO, NULL, 0, NULL, NULL, "logon of \"%s\" failed (%s)",
                          user, how);
    return r;
}

bool
logon_cached(struct logon *l, const char *user, const char *password, enum logon_result *result)
{
    unsigned char digest[LOGON_DIGEST_LEN];
    struct logon_entry *e;
    bool hit = false;

    if (l == NULL || result == NULL || precheck(user, password, NULL) != LOGON_OK)
        return false;
    if (logon_cache_digest(&l->cache, password, digest) != 0)
        return false;
    pthread_mutex_lock(&l->lock);
    e = logon_cache_find(&l->cache, user, digest, l->now_ms(l->now_ctx));
    if (e != NULL && !e->pending) {
        *result = e->result;
        l->stats.hits++;
        hit = true;
    }
    pthread_mutex_unlock(&l->lock);
    OPENSSL_cleanse(digest, sizeof(digest));
    return hit;
}

void
logon_cache_clear(struct logon *l)
{
    if (l == NULL)
        return;
    pthread_mutex_lock(&l->lock);
    logon_cache_flush(&l->cache);
    logon_gcache_flush(&l->groups);
    pthread_mutex_unlock(&l->lock);
}

int
logon_groups(struct logon *l, const char *user, char ***names, size_t *n, struct certmap_error *err)
{
    *names = NULL;
    *n = 0;
    if (l == NULL || user == NULL)
        return certmap_error_set(err, CERTMAP_ERR_USAGE, NULL, 0, NULL, NULL, "no user");
    if (l->ops->groups == NULL) {
        *names = logon_names_pack(NULL, NULL, 0);
        return *names != NULL ? 0
                              : certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL,
                                                  "out of memory");
    }
    return l->ops->groups(l->state, user, names, n, err);
}

int
logon_groups_cached(struct logon *l, const char *user, char ***names, size_t *n)
{
    const struct logon_gentry *e;
    int ret = 0;

    *names = NULL;
    *n = 0;
    if (l == NULL || user == NULL)
        return -1;
    pthread_mutex_lock(&l->lock);
    e = logon_gcache_find(&l->groups, user, l->now_ms(l->now_ctx));
    if (e != NULL && e->failed) {
        ret = -1;
    } else if (e != NULL) {
        *names = logon_names_copy(e->names, e->n);
        *n = e->n;
        ret = *names != NULL ? 1 : -1;
    }
    pthread_mutex_unlock(&l->lock);
    return ret;
}

enum logon_cred_state
logon_cred_cached(struct logon *l, const char *user, struct logon_cred **cred)
{
    const struct logon_gentry *e;
    enum logon_cred_state st = LOGON_CRED_MISS;

    *cred = NULL;
    if (l == NULL || user == NULL)
        return LOGON_CRED_FAILED;
    pthread_mutex_lock(&l->lock);
    e = logon_gcache_find(&l->groups, user, l->now_ms(l->now_ctx));
    if (e != NULL)
        st = e->cred_state;
    if (st == LOGON_CRED_FOUND) {
        *cred = logon_cred_copy(e->cred);
        if (*cred == NULL)
            st = LOGON_CRED_FAILED;
    }
    pthread_mutex_unlock(&l->lock);
    return st;
}

/* Queues a JOB_GROUPS for user with one of the two callbacks.  0 or -1. */
static int
submit_groups_job(struct logon *l, const char *user, logon_done_fn on_done, logon_cred_fn on_cred,
                  void *arg)
{
    struct logon_task *job;
    int ret = -1;

    job = calloc(1, sizeof(*job));
    if (job == NULL)
        return -1;
    job->kind = JOB_GROUPS;
    job->on_done = on_done;
    job->on_cred = on_cred;
    job->arg = arg;
    job->user = strdup(user);
    pthread_mutex_lock(&l->lock);
    if (job->user != NULL && !l->stopping && l->queued < l->queue_max) {
        list_push(&l->logons, job);
        l->queued++;
        pthread_cond_signal(&l->work_cv);
        ret = 0;
    } else if (job->user != NULL && !l->stopping) {
        l->stats.queue_full++;
    }
    pthread_mutex_unlock(&l->lock);
    if (ret != 0)
        job_free(job);
    return ret;
}

int
logon_submit_groups(struct logon *l, const char *user, logon_done_fn on_done, void *arg)
{
    if (l == NULL || user == NULL || on_done == NULL)
        return -1;
    return submit_groups_job(l, user, on_done, NULL, arg);
}

int
logon_submit_cred(struct logon *l, const char *user, logon_cred_fn on_cred, void *arg)
{
    if (l == NULL || user == NULL || on_cred == NULL)
        return -1;
    return submit_groups_job(l, user, NULL, on_cred, arg);
}

void
logon_stats_get(struct logon *l, struct logon_stats *st)
{
    pthread_mutex_lock(&l->lock);
    *st = l->stats;
    st->evictions = l->cache.evictions;
    st->cached = l->cache.count;
    pthread_mutex_unlock(&l->lock);
}

void
logon_set_clock(struct logon *l, uint64_t (*now_ms)(void *ctx), void *ctx)
{
    pthread_mutex_lock(&l->lock);
    l->now_ms = now_ms != NULL ? now_ms : clock_monotonic_ms;
    l->now_ctx = ctx;
    pthread_mutex_unlock(&l->lock);
}

void
logon_set_limits(struct logon *l, size_t queue_max, size_t cache_max)
{
    pthread_mutex_lock(&l->lock);
    if (queue_max != 0)
        l->queue_max = queue_max;
    if (cache_max != 0)
        l->cache.max = cache_max;
    pthread_mutex_unlock(&l->lock);
}

bool
logon_is_stopping(struct logon *l)
{
    bool stopping;

    pthread_mutex_lock(&l->lock);
    stopping = l->stopping;
    pthread_mutex_unlock(&l->lock);
    return stopping;
}

/* printf into out (ignored when NULL); -1 when the result does not fit. */
static int __attribute__((format(printf, 3, 4)))
put_name(char *out, size_t size, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (out == NULL)
        return 0;
    va_start(ap, fmt);
    n = vsnprintf(out, size, fmt, ap);
    va_end(ap);
    return n >= 0 && (size_t)n < size ? 0 : -1;
}

/* put_name(out, size, "%s", s) without the formatter: this runs for every mapped request. */
static int
put_str(char *out, size_t size, const char *s)
{
    size_t n;

    if (out == NULL)
        return 0;
    n = strlen(s);
    if (size == 0)
        return -1;
    if (n >= size) {
        memcpy(out, s, size - 1);
        out[size - 1] = '\0';
        return -1;
    }
    memcpy(out, s, n + 1);
    return 0;
}

int
logon_names(const char *user, const char *domain, char *logon, size_t lsize, char *display,
            size_t dsize)
{
    const char *bs = strchr(user, '\\');
    int rc = 0;

    if (strchr(user, '@') == NULL && bs != NULL && bs != user && bs[1] != '\0' &&
        strchr(bs + 1, '\\') == NULL) {
        /* DOMAIN\user */
        rc |= put_name(logon, lsize, "%s@%.*s", bs + 1, (int)(bs - user), user);
        rc |= put_str(display, dsize, user);
    } else if (strchr(user, '@') == NULL && bs == NULL && domain != NULL && domain[0] != '\0') {
        rc |= put_name(logon, lsize, "%s@%s", user, domain);
        rc |= put_name(display, dsize, "%s\\%s", domain, user);
    } else {
        rc |= put_str(logon, lsize, user);
        rc |= put_str(display, dsize, user);
    }
    return rc;
}
