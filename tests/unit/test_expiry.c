/*
 * test_expiry.c - certmapd's once-a-day bookkeeping of certificate expiry
 * warnings (src/server/expiry.c, included as source).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "../../src/server/errlog.c"
#include "../../src/server/logfile.c"
#include "../../src/server/expiry.c"

static void
test_once_per_day(void **state)
{
    struct expiry_log log = {0};
    unsigned char a[32] = {1}, b[32] = {2};

    (void)state;
    assert_true(expiry_first_today(&log, a, 100));
    assert_false(expiry_first_today(&log, a, 100));
    assert_true(expiry_first_today(&log, b, 100));
    assert_false(expiry_first_today(&log, b, 100));
    /* the next day, both are warned again, once */
    assert_true(expiry_first_today(&log, a, 101));
    assert_false(expiry_first_today(&log, a, 101));
    assert_true(expiry_first_today(&log, b, 101));
    /* yesterday's entries are dropped, not kept forever */
    assert_int_equal(log.n, 2);
    expiry_log_free(&log);
    assert_null(log.v);
    expiry_log_free(NULL);
}

static void
test_many_certificates(void **state)
{
    struct expiry_log log = {0};
    unsigned char fp[32] = {0};

    (void)state;
    for (unsigned i = 0; i < 1000; i++) {
        fp[0] = (unsigned char)i;
        fp[1] = (unsigned char)(i >> 8);
        assert_true(expiry_first_today(&log, fp, 7));
    }
    for (unsigned i = 0; i < 1000; i++) {
        fp[0] = (unsigned char)i;
        fp[1] = (unsigned char)(i >> 8);
        assert_false(expiry_first_today(&log, fp, 7));
    }
    expiry_log_free(&log);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_once_per_day),
        cmocka_unit_test(test_many_certificates),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
