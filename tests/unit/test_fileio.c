/* Unit tests for fileio.c and error.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "certmap/error.h"
#include "fileio.h"
#include "fixture.h"

static void
test_format_full_location(void **state)
{
    struct certmap_error err;
    char buf[2048];

    (void)state;
    certmap_error_set(&err, CERTMAP_ERR_INVALID, "applicationHost.config", 42, "access", "sslFlags",
                      "unknown flag \"%s\"", "SslReqCert");
    assert_string_equal(
        certmap_error_format(&err, buf, sizeof(buf)),
        "applicationHost.config:42: <access> sslFlags: unknown flag \"SslReqCert\"");
    certmap_error_set(&err, CERTMAP_ERR_IO, NULL, 0, NULL, NULL, "plain");
    assert_string_equal(certmap_error_format(&err, buf, sizeof(buf)), "plain");
}

static void
test_diags_count_errors(void **state)
{
    struct certmap_diags d = {0};
    struct certmap_error err;
    int i;

    (void)state;
    certmap_error_set(&err, CERTMAP_ERR_INVALID, "f", 1, NULL, NULL, "x");
    for (i = 0; i < 20; i++)
        assert_int_equal(certmap_diags_add(&d, i % 2 ? CERTMAP_SEV_NOTE : CERTMAP_SEV_ERROR, &err),
                         0);
    assert_int_equal(d.count, 20);
    assert_int_equal(d.errors, 10);
    certmap_diags_free(&d);
    assert_int_equal(d.count, 0);
}

static void
test_atomic_write_replaces_and_sets_mode(void **state)
{
    char *dir = fixture_tmpdir();
    char path[1024], *data = NULL;
    size_t len = 0;
    struct certmap_error err = {0};
    struct stat st;

    (void)state;
    assert_non_null(dir);
    snprintf(path, sizeof(path), "%s/f", dir);
    assert_int_equal(fileio_write_atomic(path, "one", 3, 0600, &err), 0);
    assert_int_equal(fileio_write_atomic(path, "second", 6, 0600, &err), 0);
    assert_int_equal(fileio_read(path, &data, &len, 0, &err), 0);
    assert_int_equal(len, 6);
    assert_string_equal(data, "second");
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    free(data);
    /* A directory that does not exist: error names the file, nothing left behind. */
    snprintf(path, sizeof(path), "%s/missing/f", dir);
    assert_int_equal(fileio_write_atomic(path, "x", 1, 0600, &err), -1);
    assert_int_equal(err.kind, CERTMAP_ERR_IO);
    assert_non_null(strstr(err.file, "missing"));
    fixture_rmtree(dir);
}

/*
 * A leftover "<path>.tmp.<pid>" (a writer killed with -9 whose pid came round
 * again, or a link planted in a shared directory) is neither followed nor
 * renamed into place: the new file is a fresh regular file and what the link
 * pointed to is untouched.
 */
static void
test_atomic_write_ignores_planted_temp(void **state)
{
    char *dir = fixture_tmpdir(), *victim, *data = NULL;
    char path[1024], tmp[1100];
    size_t len = 0;
    struct certmap_error err = {0};
    struct stat st;

    (void)state;
    assert_non_null(dir);
    victim = fixture_write(dir, "victim", "keep", 4);
    assert_non_null(victim);
    snprintf(path, sizeof(path), "%s/f", dir);
    snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
    assert_int_equal(symlink(victim, tmp), 0);
    assert_int_equal(fileio_write_atomic(path, "new", 3, 0600, &err), 0);
    assert_int_equal(lstat(path, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(fileio_read(path, &data, &len, 0, &err), 0);
    assert_string_equal(data, "new");
    free(data);
    assert_int_equal(fileio_read(victim, &data, &len, 0, &err), 0);
    assert_string_equal(data, "keep");
    free(data);
    assert_int_equal(lstat(tmp, &st), -1);
    free(victim);
    fixture_rmtree(dir);
}

/*
 * A rewritten file keeps its mode, less the bits outside the mode asked for;
 * a new one gets that mode exactly, whatever the umask.
 */
static void
test_atomic_write_keeps_mode(void **state)
{
    char *dir = fixture_tmpdir();
    char path[1024];
    struct certmap_error err = {0};
    struct stat st;
    mode_t old_umask;

    (void)state;
    snprintf(path, sizeof(path), "%s/f", dir);
    old_umask = umask(077);
    assert_int_equal(fileio_write_atomic(path, "one", 3, 0640, &err), 0);
    umask(old_umask);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0640);
    assert_int_equal(chmod(path, 0600), 0);
    assert_int_equal(fileio_write_atomic(path, "two", 3, 0640, &err), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(chmod(path, 0644), 0);
    assert_int_equal(fileio_write_atomic(path, "three", 5, 0640, &err), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0640);
    fixture_rmtree(dir);
}

#define OTHER_ID 65534 /* nobody / nogroup on Debian */

/*
 * As root: a rewritten file keeps its owner and group, a new file takes
 * those of its directory, and fileio_write_atomic_as() gives exactly the
 * owner asked for.  Skipped when not root (chown needs it).
 */
static void
test_atomic_write_keeps_owner(void **state)
{
    char *dir = fixture_tmpdir();
    char sub[1024], path[1024], newfile[1024], copy[1024];
    struct certmap_error err = {0};
    struct stat st, like;

    (void)state;
    if (geteuid() != 0) {
        fixture_rmtree(dir);
        skip();
    }
    snprintf(sub, sizeof(sub), "%s/svc", dir);
    assert_int_equal(mkdir(sub, 0750), 0);
    assert_int_equal(chown(sub, OTHER_ID, OTHER_ID), 0);
    snprintf(path, sizeof(path), "%s/accounts", sub);
    assert_int_equal(fileio_write_atomic(path, "a", 1, 0640, &err), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_uid, OTHER_ID);
    assert_int_equal(st.st_gid, OTHER_ID);
    assert_int_equal(st.st_mode & 07777, 0640);

    /* Owner root, group the service's: root rewriting it keeps both. */
    assert_int_equal(chown(path, 0, OTHER_ID), 0);
    assert_int_equal(fileio_write_atomic(path, "b", 1, 0640, &err), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_uid, 0);
    assert_int_equal(st.st_gid, OTHER_ID);

    /* A new file in root's directory stays root's. */
    snprintf(newfile, sizeof(newfile), "%s/new", dir);
    assert_int_equal(chown(dir, 0, 0), 0);
    assert_int_equal(fileio_write_atomic(newfile, "n", 1, 0600, &err), 0);
    assert_int_equal(stat(newfile, &st), 0);
    assert_int_equal(st.st_uid, 0);
    assert_int_equal(st.st_mode & 07777, 0600);

    /* The history copy takes the owner and mode of the file it copies. */
    assert_int_equal(chmod(path, 0604), 0);
    assert_int_equal(stat(path, &like), 0);
    snprintf(copy, sizeof(copy), "%s/copy", dir);
    assert_int_equal(fileio_write_atomic_as(copy, "b", 1, &like, &err), 0);
    assert_int_equal(stat(copy, &st), 0);
    assert_int_equal(st.st_uid, 0);
    assert_int_equal(st.st_gid, OTHER_ID);
    assert_int_equal(st.st_mode & 07777, 0604);
    fixture_rmtree(dir);
}

/*
 * A process that may not give the file's owner back (not root, not the
 * owner) gets an error naming the owner, and the file is untouched: it never
 * silently takes the file over.  Runs the writer as nobody in a child.
 */
static void
test_atomic_write_refuses_to_take_over(void **state)
{
    char *dir = fixture_tmpdir(), *data = NULL;
    char path[1024];
    struct certmap_error err = {0};
    size_t len = 0;
    pid_t pid;
    int status;

    (void)state;
    if (geteuid() != 0) {
        fixture_rmtree(dir);
        skip();
    }
    assert_int_equal(chmod(dir, 0777), 0);
    snprintf(path, sizeof(path), "%s/f", dir);
    assert_int_equal(fileio_write_atomic(path, "root's", 6, 0644, &err), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (setgid(OTHER_ID) != 0 || setuid(OTHER_ID) != 0)
            _exit(3);
        if (fileio_write_atomic(path, "taken", 5, 0644, &err) == 0)
            _exit(1);
        _exit(strstr(err.message, "cannot keep owner 0") != NULL ? 0 : 2);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_int_equal(fileio_read(path, &data, &len, 0, &err), 0);
    assert_string_equal(data, "root's");
    free(data);
    fixture_rmtree(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_full_location),
        cmocka_unit_test(test_diags_count_errors),
        cmocka_unit_test(test_atomic_write_replaces_and_sets_mode),
        cmocka_unit_test(test_atomic_write_ignores_planted_temp),
        cmocka_unit_test(test_atomic_write_keeps_mode),
        cmocka_unit_test(test_atomic_write_keeps_owner),
        cmocka_unit_test(test_atomic_write_refuses_to_take_over),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
