/*
 * Unit tests for the logon module: the file provider, the cache (with an
 * injected clock), coalescing and the pool (with a counting fake provider
 * that can be held at a gate), defaultLogonDomain, and accounts file
 * management.  PAM is tested in test_logon_pam.c under pam_wrapper.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <crypt.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fixture.h"
#include "logon.h"
#include "logon/logon_int.h"

/* Bound on every wait in these tests: a bug must fail, not hang. */
#define WAIT_MS 10000

/* ---- a provider that counts its calls and can be held at a gate ---- */

struct fake {
    pthread_mutex_t m;
    pthread_cond_t cv;
    int calls;        /* check() calls so far */
    bool gate_closed; /* check() waits while true */
    bool fail;        /* check() answers LOGON_ERROR */
};

static struct fake fake = {.m = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static int
fake_open(const struct logon_settings *s, void **state, struct certmap_error *err)
{
    (void)s;
    (void)err;
    *state = &fake;
    return 0;
}

static enum logon_result
fake_check(void *state, const char *user, const char *password, struct certmap_error *err)
{
    struct fake *f = state;
    bool fail;

    pthread_mutex_lock(&f->m);
    f->calls++;
    pthread_cond_broadcast(&f->cv);
    while (f->gate_closed)
        pthread_cond_wait(&f->cv, &f->m);
    fail = f->fail;
    pthread_mutex_unlock(&f->m);
    if (fail) {
        certmap_error_set(err, CERTMAP_ERR_IO, NULL, 0, NULL, NULL, "backend down");
        return LOGON_ERROR;
    }
    if (strcmp(password, "good") == 0)
        return LOGON_OK;
    certmap_error_set(err, CERTMAP_ERR_AUTH, NULL, 0, NULL, NULL, "wrong password for %s", user);
    return LOGON_REFUSED;
}

static void
fake_close(void *state)
{
    (void)state;
}

static const struct logon_provider_ops fake_ops = {
    .name = "fake",
    .open = fake_open,
    .check = fake_check,
    .close = fake_close,
};

static void
fake_reset(void)
{
    pthread_mutex_lock(&fake.m);
    fake.calls = 0;
    fake.gate_closed = false;
    fake.fail = false;
    pthread_mutex_unlock(&fake.m);
}

static int
fake_calls(void)
{
    int n;

    pthread_mutex_lock(&fake.m);
    n = fake.calls;
    pthread_mutex_unlock(&fake.m);
    return n;
}

static void
fake_gate(bool closed)
{
    pthread_mutex_lock(&fake.m);
    fake.gate_closed = closed;
    pthread_cond_broadcast(&fake.cv);
    pthread_mutex_unlock(&fake.m);
}

static void
deadline_in(struct timespec *ts, long ms)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

/* Waits (bounded) until the provider was called at least n times; returns the count. */
static int
fake_wait_calls(int n)
{
    struct timespec ts;
    int got;

    deadline_in(&ts, WAIT_MS);
    pthread_mutex_lock(&fake.m);
    while (fake.calls < n && pthread_cond_timedwait(&fake.cv, &fake.m, &ts) == 0)
        ;
    got = fake.calls;
    pthread_mutex_unlock(&fake.m);
    return got;
}

static void
sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
}

/* ---- injected clock ---- */

static _Atomic uint64_t test_now = 1000000;

static uint64_t
test_clock(void *ctx)
{
    (void)ctx;
    return atomic_load(&test_now);
}

/* ---- on_done collector ---- */

struct collector {
    pthread_mutex_t m;
    pthread_cond_t cv;
    int n; /* callbacks so far */
};

struct done_slot {
    struct collector *c;
    int calls;                /* on_done calls for this submit: must end at 1 */
    enum logon_result result; /* last result delivered */
    pthread_t thread;         /* thread that delivered it */
};

static void
on_done(void *arg, enum logon_result r)
{
    struct done_slot *s = arg;

    pthread_mutex_lock(&s->c->m);
    s->calls++;
    s->result = r;
    s->thread = pthread_self();
    s->c->n++;
    pthread_cond_broadcast(&s->c->cv);
    pthread_mutex_unlock(&s->c->m);
}

static void
collector_init(struct collector *c, struct done_slot *slots, size_t n)
{
    size_t i;

    pthread_mutex_init(&c->m, NULL);
    pthread_cond_init(&c->cv, NULL);
    c->n = 0;
    for (i = 0; i < n; i++) {
        memset(&slots[i], 0, sizeof(slots[i]));
        slots[i].c = c;
        slots[i].result = -1;
    }
}

static int
collector_wait(struct collector *c, int n)
{
    struct timespec ts;
    int got;

    deadline_in(&ts, WAIT_MS);
    pthread_mutex_lock(&c->m);
    while (c->n < n && pthread_cond_timedwait(&c->cv, &c->m, &ts) == 0)
        ;
    got = c->n;
    pthread_mutex_unlock(&c->m);
    return got;
}

static struct logon *
fake_logon(unsigned ttl, unsigned negative_ttl, unsigned threads)
{
    struct logon_settings s = {
        .provider = LOGON_FILE,
        .cache_seconds = ttl,
        .negative_cache_seconds = negative_ttl,
        .threads = threads,
    };
    struct certmap_error err = {0};
    struct logon *l;

    fake_reset();
    l = logon_new_with_provider(&s, &fake_ops, &err);
    assert_non_null(l);
    logon_set_clock(l, test_clock, NULL);
    return l;
}

/* ---- file provider ---- */

/* One valid hash, computed once: yescrypt costs tens of milliseconds. */
static const char *
some_hash(void)
{
    static char hash[CRYPT_OUTPUT_SIZE];
    struct certmap_error err = {0};

    if (hash[0] == '\0')
        assert_int_equal(logon_hash_password("x", hash, sizeof(hash), &err), 0);
    return hash;
}

static struct logon *
file_logon(const char *path, struct certmap_error *err)
{
    struct logon_settings s = {.provider = LOGON_FILE, .accounts_file = path, .threads = 2};

    return logon_new(&s, err);
}

static void
test_file_ok_refused_unknown(void **state)
{
    char *dir = fixture_tmpdir(), path[1024];
    struct certmap_error err = {0};
    struct logon *l;

    (void)state;
    snprintf(path, sizeof(path), "%s/accounts", dir);
    assert_int_equal(logon_account_add(path, "alice", "s3cret", &err), 0);
    assert_int_equal(logon_account_add(path, "bob@EXAMPLE", "other pw", &err), 0);
    l = file_logon(path, &err);
    assert_non_null(l);
    assert_int_equal(logon_check(l, "alice", "s3cret", &err), LOGON_OK);
    assert_int_equal(err.kind, CERTMAP_ERR_NONE);
    assert_int_equal(logon_check(l, "bob@EXAMPLE", "other pw", &err), LOGON_OK);
    assert_int_equal(logon_check(l, "alice", "s3creT", &err), LOGON_REFUSED);
    assert_int_equal(err.kind, CERTMAP_ERR_AUTH);
    assert_non_null(strstr(err.message, "wrong password"));
    assert_int_equal(logon_check(l, "carol", "s3cret", &err), LOGON_REFUSED);
    assert_non_null(strstr(err.message, "no account \"carol\""));
    /* A prefix of a name is not the name. */
    assert_int_equal(logon_check(l, "alic", "s3cret", &err), LOGON_REFUSED);
    assert_int_equal(logon_check(l, "alice", "", &err), LOGON_REFUSED);
    assert_non_null(strstr(err.message, "empty password"));
    logon_free(l);
    fixture_rmtree(dir);
}

static void
test_file_comments_crlf_locked(void **state)
{
    char *dir = fixture_tmpdir(), *path, content[2048], hash[CRYPT_OUTPUT_SIZE];
    struct certmap_error err = {0};
    struct logon *l;

    (void)state;
    assert_int_equal(logon_hash_password("pw", hash, sizeof(hash), &err), 0);
    assert_true(strncmp(hash, "$y$", 3) == 0);
    snprintf(content, sizeof(content),
             "# accounts\n\n   # indented comment\n\t\nalice:%s\r\nlocked:!%s\nlast:%s", hash, hash,
             hash);
    path = fixture_write(dir, "accounts", content, strlen(content));
    l = file_logon(path, &err);
    assert_non_null(l);
    assert_int_equal(logon_check(l, "alice", "pw", &err), LOGON_OK);
    assert_int_equal(logon_check(l, "last", "pw", &err), LOGON_OK);
    assert_int_equal(logon_check(l, "locked", "pw", &err), LOGON_REFUSED);
    assert_non_null(strstr(err.message, "locked"));
    assert_int_equal(logon_check(l, "# accounts", "pw", &err), LOGON_REFUSED);
    logon_free(l);
    free(path);
    fixture_rmtree(dir);
}

static void
test_file_malformed_lines(void **state)
{
    struct {
        const char *fmt; /* %1$s = a valid hash */
        unsigned line;
        const char *message;
    } cases[] = {
        {"# ok\nalice\n", 2, "expected \"name:hash\""},
        {"alice:\n", 1, "empty password hash"},
        {"al\001ice:%1$s\n", 1, "control character"},
        {"alice:%1$s\nbob:%1$s\nalice:%1$s\n", 3, "duplicate account \"alice\" (first at line 1)"},
        {"\n\nalice:$zz$abc\n", 3, "method libcrypt does not know"},
        {"alice:%1$s extra\n", 1, "blank"},
        {" alice:%1$s\n", 1, "starts or ends with a blank"},
        {"#x:%1$s\nalice:%1$s:g1:g2\n", 2, "group name contains ':'"},
        {"alice:%1$s:\n", 1, "empty group name"},
        {"alice:%1$s:a, ,b\n", 1, "empty group name"},
        {":%1$s\n", 1, "empty account name"},
    };
    char *dir = fixture_tmpdir(), *path, content[4096];
    struct certmap_error err;
    struct logon *l;
    size_t i, len;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        len = (size_t)snprintf(content, sizeof(content), cases[i].fmt, some_hash());
        path = fixture_write(dir, "accounts", content, len);
        memset(&err, 0, sizeof(err));
        l = file_logon(path, &err);
        if (l != NULL)
            fail_msg("case %zu loaded", i);
        assert_int_equal(err.kind, CERTMAP_ERR_INVALID);
        assert_string_equal(err.file, path);
        if (err.line != cases[i].line || strstr(err.message, cases[i].message) == NULL)
            fail_msg("case %zu: line %u \"%s\"", i, err.line, err.message);
        /* The hash never appears in an error. */
        assert_null(strstr(err.message, some_hash()));
        free(path);
    }
    /* A NUL byte cannot come from a text editor: refused, with its line. */
    len = (size_t)snprintf(content, sizeof(content), "alice:%s\n", some_hash());
    memcpy(content + len, "b\0b:x\n", 6);
    path = fixture_write(dir, "accounts", content, len + 6);
    assert_null(file_logon(path, &err));
    assert_int_equal(err.line, 2);
    assert_non_null(strstr(err.message, "NUL byte"));
    free(path);
    fixture_rmtree(dir);
}

/*
 * Groups: "name:hash:g1,g2" (old "name:hash" lines have none); a successful
 * logon on the pool leaves them in the cache for the request; a lookup can be
 * queued on its own; a failed one is remembered as unknown (-1).
 */
static void
test_file_groups(void **state)
{
    char *dir = fixture_tmpdir(), *path, content[1024], **names = NULL;
    struct certmap_error err = {0};
    struct done_slot slots[4];
    struct collector c;
    struct logon *l;
    size_t n = 0;

    (void)state;
    snprintf(content, sizeof(content), "alice:%s: admins , ops\nbob:%s\n", some_hash(),
             some_hash());
    path = fixture_write(dir, "accounts", content, strlen(content));
    l = file_logon(path, &err);
    assert_non_null(l);
    assert_int_equal(logon_groups(l, "alice", &names, &n, &err), 0);
    assert_int_equal(n, 2);
    assert_string_equal(names[0], "admins");
    assert_string_equal(names[1], "ops");
    assert_null(names[2]);
    free(names);
    assert_int_equal(logon_groups(l, "bob", &names, &n, &err), 0);
    assert_int_equal(n, 0);
    free(names);
    assert_int_equal(logon_groups(l, "nobody", &names, &n, &err), -1);
    assert_int_equal(err.kind, CERTMAP_ERR_AUTH);

    collector_init(&c, slots, 4);
    assert_int_equal(logon_groups_cached(l, "alice", &names, &n), 0);
    assert_int_equal(logon_submit(l, "alice", "x", on_done, &slots[0]), 0);
    assert_int_equal(collector_wait(&c, 1), 1);
    assert_int_equal(slots[0].result, LOGON_OK);
    assert_int_equal(logon_groups_cached(l, "alice", &names, &n), 1);
    assert_int_equal(n, 2);
    assert_string_equal(names[1], "ops");
    free(names);
    /* a refused logon leaves no groups */
    assert_int_equal(logon_submit(l, "bob", "wrong", on_done, &slots[1]), 0);
    assert_int_equal(collector_wait(&c, 2), 2);
    assert_int_equal(slots[1].result, LOGON_REFUSED);
    assert_int_equal(logon_groups_cached(l, "bob", &names, &n), 0);
    /* a lookup on its own */
    assert_int_equal(logon_submit_groups(l, "bob", on_done, &slots[2]), 0);
    assert_int_equal(logon_submit_groups(l, "nobody", on_done, &slots[3]), 0);
    assert_int_equal(collector_wait(&c, 4), 4);
    assert_int_equal(slots[2].result, LOGON_OK);
    assert_int_equal(slots[2].calls, 1);
    assert_int_equal(logon_groups_cached(l, "bob", &names, &n), 1);
    assert_int_equal(n, 0);
    free(names);
    assert_int_equal(logon_groups_cached(l, "nobody", &names, &n), -1);
    assert_null(names);
    logon_cache_clear(l);
    assert_int_equal(logon_groups_cached(l, "alice", &names, &n), 0);
    logon_free(l);
    free(path);
    fixture_rmtree(dir);
}

static void
test_file_change_picked_up(void **state)
{
    char *dir = fixture_tmpdir(), path[1024], content[1024], hash[CRYPT_OUTPUT_SIZE], *p;
    struct certmap_error err = {0};
    struct logon *l;

    (void)state;
    snprintf(path, sizeof(path), "%s/accounts", dir);
    /* A missing file is no startup error; logons fail until it appears. */
    l = file_logon(path, &err);
    assert_non_null(l);
    assert_int_equal(logon_check(l, "alice", "pw1", &err), LOGON_ERROR);
    assert_int_equal(err.kind, CERTMAP_ERR_IO);
    assert_string_equal(err.file, path);
    assert_int_equal(logon_account_add(path, "alice", "pw1", &err), 0);
    assert_int_equal(logon_check(l, "alice", "pw1", &err), LOGON_OK);
    /* cacheSeconds is 0 here: each check reaches the provider, which sees the new file. */
    assert_int_equal(logon_account_passwd(path, "alice", "pw2", &err), 0);
    assert_int_equal(logon_check(l, "alice", "pw2", &err), LOGON_OK);
    assert_int_equal(logon_check(l, "alice", "pw1", &err), LOGON_REFUSED);
    assert_int_equal(logon_account_remove(path, "alice", &err), 0);
    assert_int_equal(logon_check(l, "alice", "pw2", &err), LOGON_REFUSED);
    assert_non_null(strstr(err.message, "no account"));
    /* Broken in place by hand: fail closed, naming file:line. */
    p = fixture_write(dir, "accounts", "# x\ngarbage\n", 12);
    free(p);
    assert_int_equal(logon_check(l, "alice", "pw2", &err), LOGON_ERROR);
    assert_string_equal(err.file, path);
    assert_int_equal(err.line, 2);
    /* Same error again without a re-parse (the file did not change). */
    assert_int_equal(logon_check(l, "alice", "pw2", &err), LOGON_ERROR);
    assert_int_equal(err.line, 2);
    assert_int_equal(logon_hash_password("pw3", hash, sizeof(hash), &err), 0);
    snprintf(content, sizeof(content), "alice:%s\n", hash);
    p = fixture_write(dir, "accounts", content, strlen(content));
    free(p);
    assert_int_equal(logon_check(l, "alice", "pw3", &err), LOGON_OK);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(logon_check(l, "alice", "pw3", &err), LOGON_ERROR);
    assert_non_null(strstr(err.message, "cannot stat"));
    logon_free(l);
    fixture_rmtree(dir);
}

/* ---- cache ---- */

static void
test_cache_hit_and_expiry(void **state)
{
    struct logon *l = fake_logon(10, 0, 2);
    struct certmap_error err = {0};
    enum logon_result r = LOGON_ERROR;
    struct logon_stats st;

    (void)state;
    assert_false(logon_cached(l, "alice", "good", &r));
    assert_int_equal(logon_check(l, "alice", "good", &err), LOGON_OK);
    assert_int_equal(fake_calls(), 1);
    assert_true(logon_cached(l, "alice", "good", &r));
    assert_int_equal(r, LOGON_OK);
    assert_int_equal(logon_check(l, "alice", "good", &err), LOGON_OK);
    assert_int_equal(fake_calls(), 1);
    atomic_fetch_add(&test_now, 9999);
    assert_true(logon_cached(l, "alice", "good", &r));
    atomic_fetch_add(&test_now, 1);
    assert_false(logon_cached(l, "alice", "good", &r));
    assert_int_equal(logon_check(l, "alice", "good", &err), LOGON_OK);
    assert_int_equal(fake_calls(), 2);
    logon_stats_get(l, &st);
    assert_int_equal(st.provider_calls, 2);
    assert_int_equal(st.hits, 3);
    assert_int_equal(st.cached, 1);
    logon_free(l);
}

static void
test_cache_key_is_user_and_password(void **state)
{
    struct logon *l = fake_logon(100, 100, 2);
    struct certmap_error err = {0};

    (void)state;
    assert_int_equal(logon_check(l, "alice", "good", &err), LOGON_OK);
    /* A cached success never admits another password or another user. */
    assert_int_equal(logon_check(l, "alice", "bad", &err), LOGON_REFUSED);
    assert_int_equal(fake_calls(), 2);
    assert_int_equal(logon_check(l, "bob", "good", &err), LOGON_OK);
    assert_int_equal(fake_calls(), 3);
    assert_int_equal(logon_check(l, "alice", "good", &err), LOGON_OK);
    assert_int_equal(logon_check(l, "alice", "bad", &err), LOGON_REFUSED);
    assert_int_equal(fake_calls(), 3);
    logon_free(l);
}

static void
test_negative_cache(void **state)
{
    struct logon *l = fake_logon(0, 5, 2);
    struct certmap_error err = {0};

    (void)state;
    assert_int_equal(logon_check(l, "alice", "bad", &err), LOGON_REFUSED);
    assert_non_null(strstr(err.message, "wrong password"));
    assert_int_equal(logon_check(l, "alice", "bad", &err), LOGON_REFUSED);
    assert_int_equal(err.kind, CERTMAP_ERR_AUTH);
    assert_non_null(strstr(err.message, "cached"));
    assert_int_equal(fake_calls(), 1);
    /* cacheSeconds 0: successes are not kept. */
    assert_int_equal(logon_check(l, "alice", "good", &err), LOGON_OK);
    assert_int_equal(logon_check(l, "alice", "good", &err), LOGON_OK);
    assert_int_equal(fake_calls(), 3);
    atomic_fetch_add(&test_now, 5000);
    assert_int_equal(logon_check(l, "alice", "bad", &err), LOGON_REFUSED);
    assert_int_equal(fake_calls(), 4);
    /* Provider failures are never cached. */
    pthread_mutex_lock(&fake.m);
    fake.fail = true;
    pthread_mutex_unlock(&fake.m);
    assert_int_equal(logon_check(l, "carol", "good", &err), LOGON_ERROR);
    assert_int_equal(logon_check(l, "carol", "good", &err), LOGON_ERROR);
    assert_int_equal(fake_calls(), 6);
    logon_free(l);
}

static void
test_cache_eviction_and_clear(void **state)
{
    struct logon *l = fake_logon(100, 100, 2);
    struct certmap_error err = {0};
    struct logon_stats st;
    enum logon_result r;

    (void)state;
    logon_set_limits(l, 0, 2);
    assert_int_equal(logon_check(l, "u1", "good", &err), LOGON_OK);
    atomic_fetch_add(&test_now, 1);
    assert_int_equal(logon_check(l, "u2", "good", &err), LOGON_OK);
    atomic_fetch_add(&test_now, 1);
    assert_int_equal(logon_check(l, "u3", "good", &err), LOGON_OK);
    logon_stats_get(l, &st);
    assert_int_equal(st.evictions, 1);
    assert_int_equal(st.cached, 2);
    /* The oldest went. */
    assert_false(logon_cached(l, "u1", "good", &r));
    assert_true(logon_cached(l, "u2", "good", &r));
    assert_true(logon_cached(l, "u3", "good", &r));
    logon_cache_clear(l);
    assert_false(logon_cached(l, "u3", "good", &r));
    logon_stats_get(l, &st);
    assert_int_equal(st.cached, 0);
    assert_int_equal(logon_check(l, "u3", "good", &err), LOGON_OK);
    assert_int_equal(fake_calls(), 4);
    logon_free(l);
}

/* ---- coalescing and the pool ---- */

static void
test_coalesce_submits(void **state)
{
    struct logon *l = fake_logon(100, 0, 2);
    struct collector c;
    struct done_slot slots[5];
    struct logon_stats st;
    enum logon_result r;
    int i;

    (void)state;
    collector_init(&c, slots, 5);
    fake_gate(true);
    for (i = 0; i < 5; i++)
        assert_int_equal(logon_submit(l, "alice", "good", on_done, &slots[i]), 0);
    assert_int_equal(fake_wait_calls(1), 1);
    /* Give the second pool thread every chance to make a (wrong) second call. */
    sleep_ms(50);
    assert_int_equal(fake_calls(), 1);
    logon_stats_get(l, &st);
    assert_int_equal(st.coalesced, 4);
    assert_false(logon_cached(l, "alice", "good", &r));
    fake_gate(false);
    assert_int_equal(collector_wait(&c, 5), 5);
    for (i = 0; i < 5; i++) {
        assert_int_equal(slots[i].calls, 1);
        assert_int_equal(slots[i].result, LOGON_OK);
        assert_false(pthread_equal(slots[i].thread, pthread_self()));
    }
    assert_int_equal(fake_calls(), 1);
    /* Now cached: a submit is answered without the provider, still on a pool thread. */
    collector_init(&c, slots, 1);
    assert_int_equal(logon_submit(l, "alice", "good", on_done, &slots[0]), 0);
    assert_int_equal(collector_wait(&c, 1), 1);
    assert_int_equal(slots[0].result, LOGON_OK);
    assert_false(pthread_equal(slots[0].thread, pthread_self()));
    assert_int_equal(fake_calls(), 1);
    logon_free(l);
}

struct check_arg {
    struct logon *l;
    enum logon_result result;
};

static void *
check_thread(void *arg)
{
    struct check_arg *a = arg;
    struct certmap_error err;

    a->result = logon_check(a->l, "alice", "good", &err);
    return NULL;
}

static void
test_coalesce_blocking_checks(void **state)
{
    struct logon *l = fake_logon(100, 0, 1);
    struct check_arg a = {.l = l, .result = LOGON_ERROR}, b = a;
    pthread_t ta, tb;
    struct collector c;
    struct done_slot slot;
    struct logon_stats st;
    int i;

    (void)state;
    collector_init(&c, &slot, 1);
    fake_gate(true);
    assert_int_equal(pthread_create(&ta, NULL, check_thread, &a), 0);
    assert_int_equal(fake_wait_calls(1), 1);
    assert_int_equal(pthread_create(&tb, NULL, check_thread, &b), 0);
    assert_int_equal(logon_submit(l, "alice", "good", on_done, &slot), 0);
    /* Thread b joins the logon in flight (bounded wait for it to get there). */
    for (i = 0; i < WAIT_MS; i++) {
        logon_stats_get(l, &st);
        if (st.coalesced == 2)
            break;
        sleep_ms(1);
    }
    assert_int_equal(st.coalesced, 2);
    fake_gate(false);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    assert_int_equal(a.result, LOGON_OK);
    assert_int_equal(b.result, LOGON_OK);
    assert_int_equal(collector_wait(&c, 1), 1);
    assert_int_equal(slot.result, LOGON_OK);
    /* The submitter is answered on the pool, not on the thread that ran the check. */
    assert_false(pthread_equal(slot.thread, ta));
    assert_false(pthread_equal(slot.thread, pthread_self()));
    assert_int_equal(fake_calls(), 1);
    logon_free(l);
}

static void
test_queue_full(void **state)
{
    struct logon *l = fake_logon(0, 0, 1);
    struct collector c;
    struct done_slot slots[5];
    struct logon_stats st;
    int i;

    (void)state;
    logon_set_limits(l, 2, 0);
    collector_init(&c, slots, 5);
    fake_gate(true);
    assert_int_equal(logon_submit(l, "u1", "good", on_done, &slots[0]), 0);
    /* The only thread holds u1; the queue is empty again. */
    assert_int_equal(fake_wait_calls(1), 1);
    assert_int_equal(logon_submit(l, "u2", "good", on_done, &slots[1]), 0);
    assert_int_equal(logon_submit(l, "u3", "good", on_done, &slots[2]), 0);
    assert_int_equal(logon_submit(l, "u4", "good", on_done, &slots[3]), -1);
    /* Joining a logon in flight takes no queue slot. */
    assert_int_equal(logon_submit(l, "u2", "good", on_done, &slots[4]), 0);
    logon_stats_get(l, &st);
    assert_int_equal(st.queue_full, 1);
    fake_gate(false);
    assert_int_equal(collector_wait(&c, 4), 4);
    for (i = 0; i < 5; i++) {
        assert_int_equal(slots[i].calls, i == 3 ? 0 : 1);
        if (i != 3)
            assert_int_equal(slots[i].result, LOGON_OK);
    }
    assert_int_equal(fake_calls(), 3);
    logon_free(l);
    assert_int_equal(slots[3].calls, 0);
}

static void *
free_thread(void *arg)
{
    logon_free(arg);
    return NULL;
}

static void
test_free_answers_queued(void **state)
{
    struct logon *l = fake_logon(0, 0, 1);
    struct collector c;
    struct done_slot slots[2];
    pthread_t t;
    int i;

    (void)state;
    collector_init(&c, slots, 2);
    fake_gate(true);
    assert_int_equal(logon_submit(l, "u1", "good", on_done, &slots[0]), 0);
    assert_int_equal(fake_wait_calls(1), 1);
    assert_int_equal(logon_submit(l, "u2", "good", on_done, &slots[1]), 0);
    assert_int_equal(pthread_create(&t, NULL, free_thread, l), 0);
    /* l stays valid while logon_free() waits for the thread held at the gate. */
    for (i = 0; i < WAIT_MS && !logon_is_stopping(l); i++)
        sleep_ms(1);
    assert_true(logon_is_stopping(l));
    fake_gate(false);
    pthread_join(t, NULL);
    /* The running logon finished; the queued one was answered without the provider. */
    assert_int_equal(slots[0].calls, 1);
    assert_int_equal(slots[0].result, LOGON_OK);
    assert_int_equal(slots[1].calls, 1);
    assert_int_equal(slots[1].result, LOGON_ERROR);
    assert_int_equal(fake_calls(), 1);
}

/* What logon_submit_cred() handed over, and how often (it must be once). */
struct cred_slot {
    _Atomic int calls;
    enum logon_cred_state state;
    struct logon_cred *cred;
};

static void
on_cred(void *arg, enum logon_cred_state st, struct logon_cred *cred)
{
    struct cred_slot *s = arg;

    s->state = st;
    s->cred = cred;
    s->calls++;
}

/* A credential lookup still queued when logon_free() runs is answered once, as failed. */
static void
test_free_answers_queued_cred(void **state)
{
    struct logon *l = fake_logon(0, 0, 1);
    struct collector c;
    struct done_slot slots[1];
    struct cred_slot cs = {0};
    pthread_t t;
    int i;

    (void)state;
    collector_init(&c, slots, 1);
    fake_gate(true);
    assert_int_equal(logon_submit(l, "u1", "good", on_done, &slots[0]), 0);
    assert_int_equal(fake_wait_calls(1), 1);
    assert_int_equal(logon_submit_cred(l, "u2", on_cred, &cs), 0);
    assert_int_equal(pthread_create(&t, NULL, free_thread, l), 0);
    for (i = 0; i < WAIT_MS && !logon_is_stopping(l); i++)
        sleep_ms(1);
    assert_true(logon_is_stopping(l));
    fake_gate(false);
    pthread_join(t, NULL);
    assert_int_equal(slots[0].calls, 1);
    assert_int_equal(cs.calls, 1);
    assert_int_equal(cs.state, LOGON_CRED_FAILED);
    assert_null(cs.cred);
}

static void
test_submit_refuses_empty(void **state)
{
    struct logon *l = fake_logon(100, 100, 1);
    struct collector c;
    struct done_slot slots[2];

    (void)state;
    collector_init(&c, slots, 2);
    assert_int_equal(logon_submit(l, "alice", "", on_done, &slots[0]), 0);
    assert_int_equal(logon_submit(l, "", "good", on_done, &slots[1]), 0);
    assert_int_equal(collector_wait(&c, 2), 2);
    assert_int_equal(slots[0].result, LOGON_REFUSED);
    assert_int_equal(slots[1].result, LOGON_REFUSED);
    assert_int_equal(fake_calls(), 0);
    assert_int_equal(logon_submit(l, "alice", "good", NULL, NULL), -1);
    logon_free(l);
}

/* ---- defaultLogonDomain ---- */

static void
expect_names(const char *user, const char *domain, const char *want_logon, const char *want_display)
{
    char logon[LOGON_FORM_MAX], display[LOGON_FORM_MAX];

    assert_int_equal(logon_names(user, domain, logon, sizeof(logon), display, sizeof(display)), 0);
    assert_string_equal(logon, want_logon);
    assert_string_equal(display, want_display);
}

static void
test_logon_names(void **state)
{
    char small[8];

    (void)state;
    expect_names("alice", "EXAMPLE", "alice@EXAMPLE", "EXAMPLE\\alice");
    expect_names("alice", "", "alice", "alice");
    expect_names("alice", NULL, "alice", "alice");
    expect_names("alice@OTHER", "EXAMPLE", "alice@OTHER", "alice@OTHER");
    expect_names("OTHER\\alice", "EXAMPLE", "alice@OTHER", "OTHER\\alice");
    expect_names("OTHER\\alice", "", "alice@OTHER", "OTHER\\alice");
    expect_names("\\alice", "EXAMPLE", "\\alice", "\\alice");
    expect_names("OTHER\\", "EXAMPLE", "OTHER\\", "OTHER\\");
    expect_names("A\\B\\c", "EXAMPLE", "A\\B\\c", "A\\B\\c");
    /* a name that does not fit is refused, never cut into another name */
    assert_int_equal(logon_names("alice", "EXAMPLE", small, sizeof(small), NULL, 0), -1);
    assert_int_equal(logon_names("CORP\\erin", NULL, small, sizeof(small), NULL, 0), -1);
    assert_int_equal(logon_names("CORP\\eri", NULL, NULL, 0, small, sizeof(small)), -1);
    assert_int_equal(logon_names("CORP\\er", NULL, small, sizeof(small), NULL, 0), 0);
    assert_string_equal(small, "er@CORP");
}

/* ---- accounts file management ---- */

/* LOGON_ACCOUNTS_MODE: the service reads the file through its group. */
static void
assert_mode_0640(const char *path)
{
    struct stat st;

    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0640);
}

/* The hash stored for name in the file at path (static buffer). */
static const char *
stored_hash(const char *path, const char *name)
{
    static char out[CRYPT_OUTPUT_SIZE];
    struct logon_accounts a;
    const struct logon_account *acc;
    struct certmap_error err = {0};
    size_t len = 0;
    char *data = fixture_read(path, &len);

    assert_non_null(data);
    assert_int_equal(logon_accounts_parse(&a, path, data, len, &err), 0);
    acc = logon_accounts_find(&a, name);
    assert_non_null(acc);
    memcpy(out, acc->hash, acc->hash_len);
    out[acc->hash_len] = '\0';
    logon_accounts_free(&a);
    return out;
}

static bool
hash_matches(const char *hash, const char *password)
{
    struct crypt_data *cd = calloc(1, sizeof(*cd));
    const char *out;
    bool ok;

    assert_non_null(cd);
    out = crypt_r(password, hash, cd);
    ok = out != NULL && strcmp(out, hash) == 0;
    free(cd);
    return ok;
}

/* `certmap account add --groups`: "name:hash:groups"; passwd keeps them; bad lists refused. */
static void
test_account_groups(void **state)
{
    char *dir = fixture_tmpdir(), *path, *got, line[512], hc[CRYPT_OUTPUT_SIZE];
    struct certmap_error err = {0};
    size_t len;

    (void)state;
    path = fixture_write(dir, "accounts", "", 0);
    assert_int_equal(logon_account_add_groups(path, "carol", "pw", "g1,CORP\\g2", &err), 0);
    assert_int_equal(logon_account_add_groups(path, "dave", "pw", "", &err), 0);
    snprintf(hc, sizeof(hc), "%s", stored_hash(path, "carol"));
    snprintf(line, sizeof(line), "carol:%s:g1,CORP\\g2\ndave:%s\n", hc, stored_hash(path, "dave"));
    got = fixture_read(path, &len);
    assert_string_equal(got, line);
    free(got);
    assert_int_equal(logon_account_passwd(path, "carol", "pw2", &err), 0);
    got = fixture_read(path, &len);
    assert_non_null(strstr(got, ":g1,CORP\\g2\n"));
    free(got);
    assert_int_equal(logon_account_add_groups(path, "erin", "pw", "a,,b", &err), -1);
    assert_int_equal(err.kind, CERTMAP_ERR_INVALID);
    assert_non_null(strstr(err.message, "empty group name"));
    free(path);
    fixture_rmtree(dir);
}

static void
test_account_edits_preserve_other_lines(void **state)
{
    char *dir = fixture_tmpdir(), *path, *got, expect[4096];
    const char *h = some_hash();
    char orig[2048], bob_old[CRYPT_OUTPUT_SIZE], hash[CRYPT_OUTPUT_SIZE];
    struct certmap_error err = {0};
    size_t len;

    (void)state;
    snprintf(orig, sizeof(orig),
             "# accounts for certmap\n\nbob:%s\r\n  # indented comment\ncarol:!%s\n# tail", h, h);
    path = fixture_write(dir, "accounts", orig, strlen(orig));
    assert_int_equal(chmod(path, 0644), 0);

    assert_int_equal(logon_account_add(path, "alice", "alice pw", &err), 0);
    snprintf(hash, sizeof(hash), "%s", stored_hash(path, "alice"));
    assert_true(strncmp(hash, "$y$", 3) == 0);
    assert_true(hash_matches(hash, "alice pw"));
    /* The last line had no newline: it gets one, and nothing else moves. */
    snprintf(expect, sizeof(expect), "%s\nalice:%s\n", orig, hash);
    got = fixture_read(path, &len);
    assert_string_equal(got, expect);
    free(got);
    assert_mode_0640(path);

    snprintf(bob_old, sizeof(bob_old), "%s", stored_hash(path, "bob"));
    assert_int_equal(logon_account_passwd(path, "bob", "new bob pw", &err), 0);
    snprintf(hash, sizeof(hash), "%s", stored_hash(path, "bob"));
    assert_string_not_equal(hash, bob_old);
    assert_true(hash_matches(hash, "new bob pw"));
    snprintf(
        expect, sizeof(expect),
        "# accounts for certmap\n\nbob:%s\r\n  # indented comment\ncarol:!%s\n# tail\nalice:%s\n",
        hash, h, stored_hash(path, "alice"));
    got = fixture_read(path, &len);
    assert_string_equal(got, expect);
    free(got);

    assert_int_equal(logon_account_remove(path, "carol", &err), 0);
    snprintf(expect, sizeof(expect),
             "# accounts for certmap\n\nbob:%s\r\n  # indented comment\n# tail\nalice:%s\n", hash,
             stored_hash(path, "alice"));
    got = fixture_read(path, &len);
    assert_string_equal(got, expect);
    free(got);
    assert_mode_0640(path);
    free(path);
    fixture_rmtree(dir);
}

static void
expect_edit_fails(int rc, const struct certmap_error *err, const char *path, const char *before,
                  enum certmap_error_kind kind, const char *message)
{
    char *after;
    size_t len = 0;

    assert_int_equal(rc, -1);
    assert_int_equal(err->kind, kind);
    if (strstr(err->message, message) == NULL)
        fail_msg("\"%s\" not in \"%s\"", message, err->message);
    after = fixture_read(path, &len);
    assert_non_null(after);
    assert_string_equal(after, before);
    free(after);
}

static void
test_account_errors(void **state)
{
    char *dir = fixture_tmpdir(), *path, *before, missing[1024], longname[300];
    struct certmap_error err = {0};
    size_t len;
    struct stat st;

    (void)state;
    snprintf(missing, sizeof(missing), "%s/none", dir);
    assert_int_equal(logon_account_passwd(missing, "alice", "pw", &err), -1);
    assert_non_null(strstr(err.message, "does not exist"));
    assert_int_equal(logon_account_remove(missing, "alice", &err), -1);
    assert_int_equal(stat(missing, &st), -1);
    assert_int_equal(logon_account_add(missing, "alice", "pw", &err), 0);
    assert_mode_0640(missing);

    path = fixture_write(dir, "accounts", "", 0);
    assert_int_equal(logon_account_add(path, "alice", "pw", &err), 0);
    assert_int_equal(logon_account_add(path, "bob", "pw", &err), 0);
    before = fixture_read(path, &len);
    expect_edit_fails(logon_account_add(path, "bob", "pw2", &err), &err, path, before,
                      CERTMAP_ERR_INVALID, "account \"bob\" already exists");
    assert_int_equal(err.line, 2);
    expect_edit_fails(logon_account_passwd(path, "carol", "pw", &err), &err, path, before,
                      CERTMAP_ERR_INVALID, "no account \"carol\"");
    expect_edit_fails(logon_account_remove(path, "carol", &err), &err, path, before,
                      CERTMAP_ERR_INVALID, "no account \"carol\"");
    expect_edit_fails(logon_account_add(path, "", "pw", &err), &err, path, before,
                      CERTMAP_ERR_INVALID, "empty account name");
    expect_edit_fails(logon_account_add(path, "a:b", "pw", &err), &err, path, before,
                      CERTMAP_ERR_INVALID, "':'");
    expect_edit_fails(logon_account_add(path, "a\nb", "pw", &err), &err, path, before,
                      CERTMAP_ERR_INVALID, "control character");
    expect_edit_fails(logon_account_add(path, "a\177", "pw", &err), &err, path, before,
                      CERTMAP_ERR_INVALID, "control character");
    expect_edit_fails(logon_account_add(path, "#root", "pw", &err), &err, path, before,
                      CERTMAP_ERR_INVALID, "starts with '#'");
    expect_edit_fails(logon_account_add(path, " x", "pw", &err), &err, path, before,
                      CERTMAP_ERR_INVALID, "blank");
    memset(longname, 'a', 257);
    longname[257] = '\0';
    expect_edit_fails(logon_account_add(path, longname, "pw", &err), &err, path, before,
                      CERTMAP_ERR_INVALID, "longer than 256");
    longname[256] = '\0';
    assert_int_equal(logon_account_add(path, longname, "pw", &err), 0);
    free(before);
    before = fixture_read(path, &len);
    expect_edit_fails(logon_account_add(path, "carol", "", &err), &err, path, before,
                      CERTMAP_ERR_INVALID, "empty password");
    expect_edit_fails(logon_account_passwd(path, "alice", NULL, &err), &err, path, before,
                      CERTMAP_ERR_INVALID, "empty password");
    free(before);
    free(path);

    /* A file that does not parse is not rewritten: the error names its line. */
    len = (size_t)snprintf(longname, sizeof(longname), "alice:%s\n# fine\njunk\n", some_hash());
    path = fixture_write(dir, "broken", longname, len);
    before = fixture_read(path, &len);
    expect_edit_fails(logon_account_add(path, "carol", "pw", &err), &err, path, before,
                      CERTMAP_ERR_INVALID, "expected");
    assert_string_equal(err.file, path);
    assert_int_equal(err.line, 3);
    free(before);
    free(path);
    fixture_rmtree(dir);
}

struct adder {
    const char *path;
    int id;
    int failures;
};

#define ADDS_PER_WORKER 3

static void *
adder_thread(void *arg)
{
    struct adder *a = arg;
    struct certmap_error err;
    char name[64];
    int i;

    for (i = 0; i < ADDS_PER_WORKER; i++) {
        snprintf(name, sizeof(name), "t%d-%d", a->id, i);
        if (logon_account_add(a->path, name, "pw", &err) != 0)
            a->failures++;
    }
    return NULL;
}

static size_t
count_accounts(const char *path)
{
    struct logon_accounts a;
    struct certmap_error err = {0};
    size_t len = 0, n;
    char *data = fixture_read(path, &len);

    assert_non_null(data);
    assert_int_equal(logon_accounts_parse(&a, path, data, len, &err), 0);
    n = a.n;
    logon_accounts_free(&a);
    return n;
}

static void
test_account_concurrent_adds(void **state)
{
    enum { THREADS = 4, PROCS = 3 };
    char *dir = fixture_tmpdir(), path[1024], name[64];
    struct adder adders[THREADS];
    pthread_t t[THREADS];
    pid_t pids[PROCS];
    int i, j, status;

    (void)state;
    snprintf(path, sizeof(path), "%s/accounts", dir);
    for (i = 0; i < THREADS; i++) {
        adders[i] = (struct adder){.path = path, .id = i};
        assert_int_equal(pthread_create(&t[i], NULL, adder_thread, &adders[i]), 0);
    }
    for (i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(adders[i].failures, 0);
    }
    assert_int_equal(count_accounts(path), THREADS * ADDS_PER_WORKER);
    for (i = 0; i < PROCS; i++) {
        pids[i] = fork();
        assert_true(pids[i] >= 0);
        if (pids[i] == 0) {
            struct certmap_error err;
            int bad = 0;

            for (j = 0; j < ADDS_PER_WORKER; j++) {
                snprintf(name, sizeof(name), "p%d-%d", i, j);
                bad |= logon_account_add(path, name, "pw", &err) != 0;
            }
            _exit(bad);
        }
    }
    for (i = 0; i < PROCS; i++) {
        assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    assert_int_equal(count_accounts(path), (THREADS + PROCS) * ADDS_PER_WORKER);
    assert_mode_0640(path);
    fixture_rmtree(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_file_ok_refused_unknown),
        cmocka_unit_test(test_file_comments_crlf_locked),
        cmocka_unit_test(test_file_malformed_lines),
        cmocka_unit_test(test_file_groups),
        cmocka_unit_test(test_account_groups),
        cmocka_unit_test(test_file_change_picked_up),
        cmocka_unit_test(test_cache_hit_and_expiry),
        cmocka_unit_test(test_cache_key_is_user_and_password),
        cmocka_unit_test(test_negative_cache),
        cmocka_unit_test(test_cache_eviction_and_clear),
        cmocka_unit_test(test_coalesce_submits),
        cmocka_unit_test(test_coalesce_blocking_checks),
        cmocka_unit_test(test_queue_full),
        cmocka_unit_test(test_free_answers_queued),
        cmocka_unit_test(test_free_answers_queued_cred),
        cmocka_unit_test(test_submit_refuses_empty),
        cmocka_unit_test(test_logon_names),
        cmocka_unit_test(test_account_edits_preserve_other_lines),
        cmocka_unit_test(test_account_errors),
        cmocka_unit_test(test_account_concurrent_adds),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
