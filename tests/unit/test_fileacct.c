/* Unit tests for fileacct.c: which account reads a request's files, and what
 * each answer of the credential cache means (fail closed for named accounts). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "../../src/server/errlog.c"
#include "../../src/server/logfile.c"
#include "../../src/server/fsid.c"
#include "../../src/server/fileacct.c"
#include "logon/logon_int.h"
#include <unistd.h>

static void
test_name_order(void **state)
{
    enum fileacct_source src;

    (void)state;
    /* the virtual directory's userName wins over everything */
    assert_string_equal(fileacct_name("svc-files", "alice", "IUSR", &src), "svc-files");
    assert_int_equal(src, FILEACCT_VDIR);
    /* then the logged-on account */
    assert_string_equal(fileacct_name("", "alice", "IUSR", &src), "alice");
    assert_int_equal(src, FILEACCT_LOGON);
    assert_string_equal(fileacct_name(NULL, "alice@CONTOSO", "IUSR", &src), "alice@CONTOSO");
    /* anonymous: IUSR (any case) is nobody, "" is certmapd itself, another name itself */
    assert_string_equal(fileacct_name("", NULL, "IUSR", &src), "nobody");
    assert_int_equal(src, FILEACCT_ANON);
    assert_string_equal(fileacct_name("", NULL, "iusr", &src), "nobody");
    assert_null(fileacct_name("", NULL, "", &src));
    assert_int_equal(src, FILEACCT_SELF);
    assert_string_equal(fileacct_name("", NULL, "www-data", &src), "www-data");
    assert_int_equal(src, FILEACCT_ANON);
}

static void
test_self_needs_nothing(void **state)
{
    struct fileacct fa;
    char why[256];

    (void)state;
    assert_int_equal(fileacct_resolve(NULL, NULL, FILEACCT_SELF, NULL, &fa, why, sizeof(why)),
                     FILEACCT_READY);
    assert_null(fa.cred);
    assert_int_equal(fa.key, 0);
    fileacct_release(&fa);
}

/* A logon service whose group lookups fetch credentials (fake provider: no groups). */
static enum logon_result
fake_check(void *st, const char *u, const char *p, struct certmap_error *e)
{
    (void)st, (void)u, (void)p, (void)e;
    return LOGON_OK;
}
static int
fake_open(const struct logon_settings *s, void **st, struct certmap_error *e)
{
    (void)s, (void)e;
    *st = NULL;
    return 0;
}
static void
fake_close(void *st)
{
    (void)st;
}
static const struct logon_provider_ops fake_ops = {"fake", fake_open, fake_check, fake_close, NULL};

static void
wait_done(void *arg, enum logon_result r)
{
    (void)r;
    __atomic_store_n((int *)arg, 1, __ATOMIC_SEQ_CST);
}

static void
lookup(struct logon *l, const char *user)
{
    int done = 0;

    assert_int_equal(logon_submit_groups(l, user, wait_done, &done), 0);
    while (!__atomic_load_n(&done, __ATOMIC_SEQ_CST))
        usleep(1000);
}

/* Miss -> lookup; root -> refused; unknown: the service's own for a logon, refused otherwise. */
static void
test_resolve(void **state)
{
    struct logon_settings s = {0};
    struct certmap_error err = {0};
    struct fileacct_handed root_miss = {"root", LOGON_CRED_MISS, NULL};
    struct fileacct fa;
    struct logon *l;
    char why[256];

    (void)state;
    s.cache_seconds = 60;
    s.threads = 1;
    s.nss_credentials = true;
    l = logon_new_with_provider(&s, &fake_ops, &err);
    assert_non_null(l);
    assert_int_equal(fileacct_resolve(l, "root", FILEACCT_LOGON, NULL, &fa, why, sizeof(why)),
                     FILEACCT_LOOKUP);
    /* this request's own lookup answered "not looked up": an error, not another lookup */
    assert_int_equal(fileacct_resolve(l, "root", FILEACCT_LOGON, &root_miss, &fa, why, sizeof(why)),
                     FILEACCT_ERROR);
    lookup(l, "root");
    assert_int_equal(fileacct_resolve(l, "root", FILEACCT_LOGON, NULL, &fa, why, sizeof(why)),
                     FILEACCT_DENY);
    assert_non_null(strstr(why, "uid 0"));
    assert_null(fa.cred);
    lookup(l, "no-such-account-here");
    assert_int_equal(
        fileacct_resolve(l, "no-such-account-here", FILEACCT_LOGON, NULL, &fa, why, sizeof(why)),
        FILEACCT_READY);
    assert_null(fa.cred);
    assert_int_equal(
        fileacct_resolve(l, "no-such-account-here", FILEACCT_VDIR, NULL, &fa, why, sizeof(why)),
        FILEACCT_DENY);
    assert_int_equal(
        fileacct_resolve(l, "no-such-account-here", FILEACCT_ANON, NULL, &fa, why, sizeof(why)),
        FILEACCT_DENY);
    assert_non_null(strstr(why, "not a Linux account"));
    lookup(l, "nobody");
    assert_int_equal(fileacct_resolve(l, "nobody", FILEACCT_ANON, NULL, &fa, why, sizeof(why)),
                     FILEACCT_READY);
    assert_non_null(fa.cred);
    assert_int_equal(fa.fs.uid, fa.cred->uid);
    assert_true(fa.fs.uid != 0);
    assert_int_equal(fa.key, fsid_key(&fa.fs));
    assert_true(fa.key != 0);
    fileacct_release(&fa);
    assert_null(fa.cred);
    logon_free(l);
}

/* What logon_submit_cred() hands over, as the worker keeps it (conn.c on_logon()). */
struct handed_box {
    int done;
    enum logon_cred_state state;
    struct logon_cred *cred;
};

static void
on_cred(void *arg, enum logon_cred_state st, struct logon_cred *cred)
{
    struct handed_box *b = arg;

    b->state = st;
    b->cred = cred;
    __atomic_store_n(&b->done, 1, __ATOMIC_SEQ_CST);
}

static void
lookup_cred(struct logon *l, const char *user, struct handed_box *b)
{
    int ms;

    memset(b, 0, sizeof(*b));
    assert_int_equal(logon_submit_cred(l, user, on_cred, b), 0);
    /* bounded (60 s, valgrind included): a lookup that never answers fails the test */
    for (ms = 0; ms < 60000 && !__atomic_load_n(&b->done, __ATOMIC_SEQ_CST); ms++)
        usleep(1000);
    assert_true(__atomic_load_n(&b->done, __ATOMIC_SEQ_CST));
}

/*
 * The request's own lookup decides with what it handed over: neither the
 * cache (emptied here, as a reload or a full cache empties it between the
 * answer and the request's next run) nor the logon service is asked again
 * (NULL below), so no second lookup and no NSS call on the worker.
 */
static void
test_handed_over(void **state)
{
    struct logon_settings s = {0};
    struct certmap_error err = {0};
    struct handed_box b;
    struct fileacct_handed h;
    struct logon_cred *c = NULL;
    struct fileacct fa;
    struct logon *l;
    char why[256];

    (void)state;
    s.cache_seconds = 60;
    s.threads = 1;
    s.nss_credentials = true;
    l = logon_new_with_provider(&s, &fake_ops, &err);
    assert_non_null(l);
    lookup_cred(l, "nobody", &b);
    assert_int_equal(b.state, LOGON_CRED_FOUND);
    assert_non_null(b.cred);
    assert_true(b.cred->uid != 0);
    /* the lookup filled the cache too, and a reload empties it */
    assert_int_equal(logon_cred_cached(l, "nobody", &c), LOGON_CRED_FOUND);
    free(c);
    logon_cache_clear(l);
    assert_int_equal(logon_cred_cached(l, "nobody", &c), LOGON_CRED_MISS);
    h = (struct fileacct_handed){"nobody", b.state, b.cred};
    assert_int_equal(fileacct_resolve(l, "nobody", FILEACCT_ANON, &h, &fa, why, sizeof(why)),
                     FILEACCT_READY);
    assert_int_equal(fa.fs.uid, b.cred->uid);
    assert_true(fa.cred != b.cred); /* a copy: the handed answer serves every run of the request */
    fileacct_release(&fa);
    assert_int_equal(fileacct_resolve(NULL, "nobody", FILEACCT_ANON, &h, &fa, why, sizeof(why)),
                     FILEACCT_READY);
    assert_int_equal(fa.fs.uid, b.cred->uid);
    fileacct_release(&fa);
    /* an answer about another account decides nothing for this one */
    assert_int_equal(fileacct_resolve(l, "root", FILEACCT_LOGON, &h, &fa, why, sizeof(why)),
                     FILEACCT_LOOKUP);
    free(b.cred);

    /* "not a system account" handed over: refused for an anonymous request, no lookup */
    lookup_cred(l, "no-such-account-here", &b);
    assert_int_equal(b.state, LOGON_CRED_UNKNOWN);
    assert_null(b.cred);
    logon_cache_clear(l);
    h = (struct fileacct_handed){"no-such-account-here", b.state, NULL};
    assert_int_equal(
        fileacct_resolve(NULL, "no-such-account-here", FILEACCT_ANON, &h, &fa, why, sizeof(why)),
        FILEACCT_DENY);
    assert_non_null(strstr(why, "not a Linux account"));
    logon_free(l);

    /* without nss_credentials the answer says so, and that is an error for the request */
    s.nss_credentials = false;
    l = logon_new_with_provider(&s, &fake_ops, &err);
    assert_non_null(l);
    lookup_cred(l, "nobody", &b);
    assert_int_equal(b.state, LOGON_CRED_MISS);
    assert_null(b.cred);
    logon_free(l);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_name_order),
        cmocka_unit_test(test_self_needs_nothing),
        cmocka_unit_test(test_resolve),
        cmocka_unit_test(test_handed_over),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
