/* Unit tests for fsid.c: the per-thread file credential switch.  The switch needs
 * CAP_SETUID and CAP_SETGID (root in CI); without them the tests that switch are
 * skipped, and the refusal is checked instead. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsid.c"
#include "fixture.h"

/* Ids no account on the test machine is expected to have. */
#define U_ALICE 61001
#define U_BOB 61002
#define G_SHARED 61100

struct files {
    char *dir;    /* 0711 temp dir */
    char *alice;  /* 0600, owned by U_ALICE */
    char *shared; /* 0640, root:G_SHARED */
};

static int
setup(void **state)
{
    struct files *f = calloc(1, sizeof(*f));

    assert_non_null(f);
    f->dir = fixture_tmpdir();
    assert_non_null(f->dir);
    assert_int_equal(chmod(f->dir, 0711), 0);
    f->alice = fixture_write(f->dir, "alice.txt", "alice\n", 6);
    f->shared = fixture_write(f->dir, "shared.txt", "shared\n", 7);
    assert_non_null(f->alice);
    assert_non_null(f->shared);
    assert_int_equal(chmod(f->alice, 0600), 0);
    assert_int_equal(chmod(f->shared, 0640), 0);
    if (geteuid() == 0) {
        assert_int_equal(chown(f->alice, U_ALICE, U_ALICE), 0);
        assert_int_equal(chown(f->shared, 0, G_SHARED), 0);
    }
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct files *f = *state;

    fixture_rmtree(f->dir); /* frees the path */
    free(f->alice);
    free(f->shared);
    free(f);
    return 0;
}

/* open(path) as cred on this thread; the errno of a failure, 0 on success. */
static int
open_as(const struct fsid_cred *cred, const char *path)
{
    struct fsid_saved saved;
    int fd, e = 0;

    assert_int_equal(fsid_enter(cred, &saved), 0);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        e = errno;
    fsid_leave(&saved);
    if (fd >= 0)
        close(fd);
    return e;
}

static void
test_owner_reads_others_do_not(void **state)
{
    struct files *f = *state;
    struct fsid_cred alice = {U_ALICE, U_ALICE, NULL, 0};
    struct fsid_cred bob = {U_BOB, U_BOB, NULL, 0};

    if (!fsid_capable())
        skip();
    assert_int_equal(open_as(&alice, f->alice), 0);
    assert_int_equal(open_as(&bob, f->alice), EACCES);
}

static void
test_supplementary_group_grants(void **state)
{
    struct files *f = *state;
    gid_t g[] = {G_SHARED};
    struct fsid_cred bob = {U_BOB, U_BOB, NULL, 0};
    struct fsid_cred bob_in_group = {U_BOB, U_BOB, g, 1};
    struct fsid_cred primary = {U_BOB, G_SHARED, NULL, 0};

    if (!fsid_capable())
        skip();
    assert_int_equal(open_as(&bob, f->shared), EACCES);
    assert_int_equal(open_as(&bob_in_group, f->shared), 0);
    assert_int_equal(open_as(&primary, f->shared), 0);
}

/* After fsid_leave() the thread is itself again: same fs ids, same groups, root's override. */
static void
test_leave_restores(void **state)
{
    struct files *f = *state;
    struct fsid_cred bob = {U_BOB, U_BOB, NULL, 0};
    struct fsid_saved saved;
    gid_t before[FSID_SAVED_GROUPS_MAX], after[FSID_SAVED_GROUPS_MAX];
    int nb, na, fd;
    uid_t fsuid = cur_fsuid();
    gid_t fsgid = cur_fsgid();

    if (!fsid_capable())
        skip();
    nb = getgroups(FSID_SAVED_GROUPS_MAX, before);
    assert_true(nb >= 0);
    assert_int_equal(fsid_enter(&bob, &saved), 0);
    assert_int_equal(cur_fsuid(), U_BOB);
    assert_int_equal(cur_fsgid(), U_BOB);
    assert_int_equal(syscall(SYS_getgroups, 0, NULL), 0);
    fsid_leave(&saved);
    assert_false(saved.active);
    assert_int_equal(cur_fsuid(), fsuid);
    assert_int_equal(cur_fsgid(), fsgid);
    na = getgroups(FSID_SAVED_GROUPS_MAX, after);
    assert_int_equal(na, nb);
    assert_memory_equal(before, after, (size_t)na * sizeof(gid_t));
    /* the process's real and effective ids never moved */
    assert_int_equal(getuid(), fsuid);
    if (fsuid == 0) {
        fd = open(f->alice, O_RDONLY | O_CLOEXEC); /* root reads it again */
        assert_true(fd >= 0);
        close(fd);
    }
}

struct peer {
    pthread_barrier_t *in;  /* the main thread has switched */
    pthread_barrier_t *out; /* the peer has looked */
    uid_t fsuid;            /* what the peer saw */
    int ngroups;
};

static void *
peer_main(void *arg)
{
    struct peer *p = arg;

    pthread_barrier_wait(p->in);
    p->fsuid = cur_fsuid();
    p->ngroups = (int)syscall(SYS_getgroups, 0, NULL);
    pthread_barrier_wait(p->out);
    return NULL;
}

/* The switch is the calling thread's: another thread keeps its identity meanwhile. */
static void
test_other_threads_unaffected(void **state)
{
    struct fsid_cred bob = {U_BOB, U_BOB, NULL, 0};
    struct fsid_saved saved;
    pthread_barrier_t in, out;
    struct peer p = {&in, &out, 0, 0};
    pthread_t t;
    uid_t mine = cur_fsuid();
    int mygroups = getgroups(0, NULL);

    (void)state;
    if (!fsid_capable())
        skip();
    assert_int_equal(pthread_barrier_init(&in, NULL, 2), 0);
    assert_int_equal(pthread_barrier_init(&out, NULL, 2), 0);
    assert_int_equal(pthread_create(&t, NULL, peer_main, &p), 0);
    assert_int_equal(fsid_enter(&bob, &saved), 0);
    pthread_barrier_wait(&in);
    pthread_barrier_wait(&out);
    fsid_leave(&saved);
    pthread_join(t, NULL);
    pthread_barrier_destroy(&in);
    pthread_barrier_destroy(&out);
    assert_int_equal(p.fsuid, mine);
    assert_int_equal(p.ngroups, mygroups);
}

/* Without the capabilities the switch fails and leaves the thread as it was. */
static void
test_refused_without_caps(void **state)
{
    struct fsid_cred other = {U_BOB, U_BOB, NULL, 0};
    struct fsid_saved saved;
    uid_t fsuid = cur_fsuid();

    (void)state;
    if (fsid_capable())
        skip();
    assert_int_equal(fsid_enter(&other, &saved), -1);
    assert_int_equal(errno, EPERM);
    assert_false(saved.active);
    assert_int_equal(cur_fsuid(), fsuid);
}

static void
test_invalid_cred(void **state)
{
    struct fsid_cred bad = {(uid_t)-1, 0, NULL, 0};
    struct fsid_saved saved;

    (void)state;
    assert_int_equal(fsid_enter(&bad, &saved), -1);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(fsid_enter(NULL, &saved), -1);
}

static void
test_key(void **state)
{
    gid_t g1[] = {10, 20}, g2[] = {20, 10};
    struct fsid_cred a = {1000, 1000, g1, 2}, b = {1000, 1000, g1, 2}, c = {1000, 1000, g2, 2};
    struct fsid_cred d = {1001, 1000, g1, 2}, e = {1000, 1000, g1, 1};

    (void)state;
    assert_int_equal(fsid_key(NULL), 0);
    assert_true(fsid_key(&a) != 0);
    assert_true(fsid_key(&a) == fsid_key(&b));
    assert_true(fsid_key(&a) != fsid_key(&c));
    assert_true(fsid_key(&a) != fsid_key(&d));
    assert_true(fsid_key(&a) != fsid_key(&e));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_owner_reads_others_do_not, setup, teardown),
        cmocka_unit_test_setup_teardown(test_supplementary_group_grants, setup, teardown),
        cmocka_unit_test_setup_teardown(test_leave_restores, setup, teardown),
        cmocka_unit_test(test_other_threads_unaffected),
        cmocka_unit_test(test_refused_without_caps),
        cmocka_unit_test(test_invalid_cred),
        cmocka_unit_test(test_key),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
