/*
 * Unit tests for the PAM provider, run under pam_wrapper with the pam_matrix
 * module (Debian package libpam-wrapper), so no system account is touched.
 * CTest starts this binary with LD_PRELOAD=libpam_wrapper.so and
 * PAM_WRAPPER=1 (tests/CMakeLists.txt); the test writes its own service
 * files and password database and points PAM_WRAPPER_SERVICE_DIR at them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "fixture.h"
#include "logon.h"

#ifndef PAM_MATRIX_MODULE
#define PAM_MATRIX_MODULE ""
#endif

#define SERVICE "certmap_test"
#define WAIT_MS 10000

static char *tmpdir;

static int
setup(void **state)
{
    char services[1024], passdb[1024], line[4096];
    const char *preload = getenv("LD_PRELOAD"), *enabled = getenv("PAM_WRAPPER");
    char *p;

    (void)state;
    if (PAM_MATRIX_MODULE[0] == '\0' || enabled == NULL || strcmp(enabled, "1") != 0 ||
        preload == NULL || strstr(preload, "pam_wrapper") == NULL) {
        fprintf(stderr, "test_logon_pam needs libpam-wrapper (scripts/install-deps test) and "
                        "must run through ctest, which sets LD_PRELOAD and PAM_WRAPPER\n");
        return -1;
    }
    tmpdir = fixture_tmpdir();
    if (tmpdir == NULL)
        return -1;
    /* pam_matrix: user:password:service allowed to log on (checked by its account module). */
    p = fixture_write(tmpdir, "passdb",
                      "alice:secret:" SERVICE "\n"
                      "bob:pw:another_service\n"
                      "carol@EXAMPLE:pw3:" SERVICE "\n",
                      strlen("alice:secret:" SERVICE "\n"
                             "bob:pw:another_service\n"
                             "carol@EXAMPLE:pw3:" SERVICE "\n"));
    if (p == NULL)
        return -1;
    snprintf(passdb, sizeof(passdb), "%s", p);
    free(p);
    snprintf(services, sizeof(services), "%s/services", tmpdir);
    if (mkdir(services, 0700) != 0)
        return -1;
    snprintf(line, sizeof(line),
             "auth required %1$s passdb=%2$s\naccount required %1$s passdb=%2$s\n",
             PAM_MATRIX_MODULE, passdb);
    p = fixture_write(services, SERVICE, line, strlen(line));
    free(p);
    /* "echo" makes pam_matrix ask for the password with echo on. */
    snprintf(line, sizeof(line),
             "auth required %1$s passdb=%2$s echo\naccount required %1$s passdb=%2$s\n",
             PAM_MATRIX_MODULE, passdb);
    p = fixture_write(services, "certmap_echo", line, strlen(line));
    free(p);
    /* pam_wrapper reads this at each pam_start(). */
    return setenv("PAM_WRAPPER_SERVICE_DIR", services, 1);
}

static int
teardown(void **state)
{
    (void)state;
    fixture_rmtree(tmpdir);
    return 0;
}

static struct logon *
pam_logon(const char *service, unsigned ttl, unsigned threads)
{
    struct logon_settings s = {
        .provider = LOGON_PAM,
        .pam_service = service,
        .cache_seconds = ttl,
        .threads = threads,
    };
    struct certmap_error err = {0};
    struct logon *l = logon_new(&s, &err);

    assert_non_null(l);
    return l;
}

static void
test_pam_ok_refused_unknown(void **state)
{
    struct logon *l = pam_logon(SERVICE, 0, 2);
    struct certmap_error err = {0};

    (void)state;
    assert_int_equal(logon_check(l, "alice", "secret", &err), LOGON_OK);
    assert_int_equal(err.kind, CERTMAP_ERR_NONE);
    assert_int_equal(logon_check(l, "alice", "Secret", &err), LOGON_REFUSED);
    assert_int_equal(err.kind, CERTMAP_ERR_AUTH);
    assert_non_null(strstr(err.message, "pam_authenticate"));
    /* The password is never part of a message. */
    assert_null(strstr(err.message, "Secret"));
    assert_int_equal(logon_check(l, "nobody", "secret", &err), LOGON_REFUSED);
    logon_free(l);
}

static void
test_pam_account_check(void **state)
{
    struct logon *l = pam_logon(SERVICE, 0, 1);
    struct certmap_error err = {0};

    (void)state;
    /* bob's password is right, but pam_matrix's account module only admits him to another service.
     */
    assert_int_equal(logon_check(l, "bob", "pw", &err), LOGON_REFUSED);
    assert_non_null(strstr(err.message, "pam_acct_mgmt"));
    logon_free(l);
}

static void
test_pam_default_domain(void **state)
{
    struct logon *l = pam_logon(SERVICE, 0, 1);
    struct certmap_error err = {0};
    char user[LOGON_FORM_MAX];

    (void)state;
    assert_int_equal(logon_names("carol", "EXAMPLE", user, sizeof(user), NULL, 0), 0);
    assert_int_equal(logon_check(l, user, "pw3", &err), LOGON_OK);
    assert_int_equal(logon_check(l, "carol", "pw3", &err), LOGON_REFUSED);
    logon_free(l);
}

static void
test_pam_echo_prompt_not_answered(void **state)
{
    struct logon *l = pam_logon("certmap_echo", 0, 1);
    struct certmap_error err = {0};

    (void)state;
    /* An echo-on prompt would display the password: the conversation refuses to answer it. */
    assert_int_equal(logon_check(l, "alice", "secret", &err), LOGON_ERROR);
    assert_int_equal(err.kind, CERTMAP_ERR_IO);
    assert_null(strstr(err.message, "secret"));
    logon_free(l);
}

static void
test_pam_unknown_service(void **state)
{
    struct logon *l = pam_logon("no_such_service", 0, 1);
    struct certmap_error err = {0};

    (void)state;
    assert_int_not_equal(logon_check(l, "alice", "secret", &err), LOGON_OK);
    assert_int_not_equal(err.kind, CERTMAP_ERR_NONE);
    assert_non_null(strstr(err.message, "no_such_service"));
    logon_free(l);
}

struct collector {
    pthread_mutex_t m;
    pthread_cond_t cv;
    int n;
    enum logon_result results[16];
};

struct slot {
    struct collector *c;
    int index;
};

static void
on_done(void *arg, enum logon_result r)
{
    struct slot *s = arg;

    pthread_mutex_lock(&s->c->m);
    s->c->results[s->index] = r;
    s->c->n++;
    pthread_cond_broadcast(&s->c->cv);
    pthread_mutex_unlock(&s->c->m);
}

static int
collector_wait(struct collector *c, int n)
{
    struct timespec ts;
    int got;

    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += WAIT_MS / 1000;
    pthread_mutex_lock(&c->m);
    while (c->n < n && pthread_cond_timedwait(&c->cv, &c->m, &ts) == 0)
        ;
    got = c->n;
    pthread_mutex_unlock(&c->m);
    return got;
}

static void
test_pam_pool_concurrent(void **state)
{
    static struct collector c = {.m = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
    static struct slot slots[12];
    static char passwords[12][32];
    struct logon *l = pam_logon(SERVICE, 0, 4);
    struct logon_stats st;
    int i;

    (void)state;
    /* Distinct passwords, so that every submit is a real PAM conversation on the pool. */
    for (i = 0; i < 12; i++) {
        slots[i] = (struct slot){.c = &c, .index = i};
        if (i % 3 == 0)
            snprintf(passwords[i], sizeof(passwords[i]), "secret");
        else
            snprintf(passwords[i], sizeof(passwords[i]), "wrong%d", i);
    }
    for (i = 0; i < 12; i++) {
        if (i % 3 == 0 && i > 0)
            continue; /* "secret" once: the others below would coalesce with it */
        assert_int_equal(logon_submit(l, "alice", passwords[i], on_done, &slots[i]), 0);
    }
    assert_int_equal(collector_wait(&c, 9), 9);
    for (i = 0; i < 12; i++) {
        if (i % 3 == 0 && i > 0)
            continue;
        assert_int_equal(c.results[i], i == 0 ? LOGON_OK : LOGON_REFUSED);
    }
    logon_stats_get(l, &st);
    assert_int_equal(st.provider_calls, 9);
    logon_free(l);
}

static void
test_pam_cached_once_per_period(void **state)
{
    static struct collector c = {.m = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
    static struct slot slots[10];
    struct logon *l = pam_logon(SERVICE, 300, 2);
    struct logon_stats st;
    int i;

    (void)state;
    for (i = 0; i < 10; i++) {
        slots[i] = (struct slot){.c = &c, .index = i};
        assert_int_equal(logon_submit(l, "alice", "secret", on_done, &slots[i]), 0);
    }
    assert_int_equal(collector_wait(&c, 10), 10);
    for (i = 0; i < 10; i++)
        assert_int_equal(c.results[i], LOGON_OK);
    logon_stats_get(l, &st);
    /* A busy client: ten requests, one PAM conversation. */
    assert_int_equal(st.provider_calls, 1);
    logon_free(l);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pam_ok_refused_unknown),
        cmocka_unit_test(test_pam_account_check),
        cmocka_unit_test(test_pam_default_domain),
        cmocka_unit_test(test_pam_echo_prompt_not_answered),
        cmocka_unit_test(test_pam_unknown_service),
        cmocka_unit_test(test_pam_pool_concurrent),
        cmocka_unit_test(test_pam_cached_once_per_period),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
