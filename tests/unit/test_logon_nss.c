/*
 * test_logon_nss.c - logon_nss_groups(): the groups of an account through NSS
 * (getpwnam_r, getgrouplist, getgrgid_r), the roles URL Authorization rules
 * name for PAM accounts.  Runs under nss_wrapper (libnss-wrapper) with the
 * passwd and group files of tests/data/nss, so no system account is used;
 * without nss_wrapper the test is skipped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <pthread.h>

#include "logon.h"
#include "logon/logon_int.h"

static bool
has(char **names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return true;
    return false;
}

static void
test_groups(void **state)
{
    struct certmap_error err = {0};
    char **names = NULL;
    size_t n = 0;

    (void)state;
    if (getenv("NSS_WRAPPER_PASSWD") == NULL)
        skip();
    /* the primary group, then the supplementary ones */
    assert_int_equal(logon_nss_groups("alice", &names, &n, &err), 0);
    assert_int_equal(n, 3);
    assert_true(has(names, n, "alice") && has(names, n, "admins") && has(names, n, "ops"));
    assert_null(names[n]);
    free(names);
    assert_int_equal(logon_nss_groups("bob", &names, &n, &err), 0);
    assert_int_equal(n, 2);
    assert_true(has(names, n, "bob") && has(names, n, "ops") && !has(names, n, "admins"));
    free(names);
    /* unknown to NSS: an error, not an empty list */
    assert_int_equal(logon_nss_groups("nobody-here", &names, &n, &err), -1);
    assert_int_equal(err.kind, CERTMAP_ERR_AUTH);
    assert_non_null(strstr(err.message, "no such account"));
    assert_null(names);
}

static bool
has_gid(const struct logon_cred *c, gid_t g)
{
    for (size_t i = 0; i < c->ngroups; i++)
        if (c->groups[i] == g)
            return true;
    return false;
}

/* logon_nss_cred(): the ids files are opened with. */
static void
test_cred(void **state)
{
    struct certmap_error err = {0};
    struct logon_cred *c = NULL;

    (void)state;
    if (getenv("NSS_WRAPPER_PASSWD") == NULL)
        skip();
    assert_int_equal(logon_nss_cred("alice", &c, &err), 1);
    assert_int_equal(c->uid, 5001);
    assert_int_equal(c->gid, 6001);
    assert_int_equal(c->ngroups, 3);
    assert_true(has_gid(c, 6001) && has_gid(c, 6100) && has_gid(c, 6101));
    free(c);
    assert_int_equal(logon_nss_cred("bob", &c, &err), 1);
    assert_int_equal(c->uid, 5002);
    assert_true(has_gid(c, 6002) && has_gid(c, 6101) && !has_gid(c, 6100));
    free(c);
    /* not a system account: 0, not an error */
    assert_int_equal(logon_nss_cred("nobody-here", &c, &err), 0);
    assert_null(c);
}

static enum logon_result
fake_check(void *state, const char *user, const char *password, struct certmap_error *err)
{
    (void)state;
    (void)user;
    (void)password;
    (void)err;
    return LOGON_OK;
}

static int
fake_open(const struct logon_settings *s, void **state, struct certmap_error *err)
{
    (void)s;
    (void)err;
    *state = NULL;
    return 0;
}

static void
fake_close(void *state)
{
    (void)state;
}

static const struct logon_provider_ops fake_ops = {"fake", fake_open, fake_check, fake_close, NULL};

struct done {
    pthread_mutex_t lock;
    pthread_cond_t cv;
    int calls;
};

static void
on_done(void *arg, enum logon_result r)
{
    struct done *d = arg;

    (void)r;
    pthread_mutex_lock(&d->lock);
    d->calls++;
    pthread_cond_signal(&d->cv);
    pthread_mutex_unlock(&d->lock);
}

/* Waits for the lookup of user queued on l. */
static void
lookup(struct logon *l, const char *user, struct done *d)
{
    int want;

    pthread_mutex_lock(&d->lock);
    want = d->calls + 1;
    pthread_mutex_unlock(&d->lock);
    assert_int_equal(logon_submit_groups(l, user, on_done, d), 0);
    pthread_mutex_lock(&d->lock);
    while (d->calls < want)
        pthread_cond_wait(&d->cv, &d->lock);
    pthread_mutex_unlock(&d->lock);
}

/* logon_cred_cached(): a miss until a group lookup ran, then the account or "unknown". */
static void
test_cred_cached(void **state)
{
    struct logon_settings s = {0};
    struct certmap_error err = {0};
    struct done d = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};
    struct logon_cred *c = NULL;
    struct logon *l;

    (void)state;
    if (getenv("NSS_WRAPPER_PASSWD") == NULL)
        skip();
    s.cache_seconds = 60;
    s.threads = 1;
    s.nss_credentials = true;
    l = logon_new_with_provider(&s, &fake_ops, &err);
    assert_non_null(l);
    assert_int_equal(logon_cred_cached(l, "alice", &c), LOGON_CRED_MISS);
    lookup(l, "alice", &d);
    assert_int_equal(logon_cred_cached(l, "alice", &c), LOGON_CRED_FOUND);
    assert_non_null(c);
    assert_int_equal(c->uid, 5001);
    free(c);
    lookup(l, "nobody-here", &d);
    assert_int_equal(logon_cred_cached(l, "nobody-here", &c), LOGON_CRED_UNKNOWN);
    assert_null(c);
    /* a reload flushes them with the groups */
    logon_cache_clear(l);
    assert_int_equal(logon_cred_cached(l, "alice", &c), LOGON_CRED_MISS);
    logon_free(l);

    /* without nss_credentials the lookup leaves them out */
    s.nss_credentials = false;
    l = logon_new_with_provider(&s, &fake_ops, &err);
    assert_non_null(l);
    lookup(l, "alice", &d);
    assert_int_equal(logon_cred_cached(l, "alice", &c), LOGON_CRED_MISS);
    logon_free(l);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_groups),
        cmocka_unit_test(test_cred),
        cmocka_unit_test(test_cred_cached),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
