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

#include "logon.h"

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

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_groups),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
