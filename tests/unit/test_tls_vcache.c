/*
 * Unit tests for tls.c's cache of successful client-chain verifications:
 * keys that fall in the same set do not evict each other until the set is
 * full, the oldest entry of a full set goes first, and a hit needs the time
 * inside the entry's window.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "server_modules.h"

/* A key of set `set` (the first two bytes choose the set), told apart by `tag`. */
static void
key_in_set(unsigned char key[32], unsigned set, unsigned char tag)
{
    memset(key, 0, 32);
    key[0] = (unsigned char)(set & 0xff);
    key[1] = (unsigned char)(set >> 8);
    key[31] = tag;
}

static struct vcache *
vcache_make(void)
{
    struct vcache *vc = calloc(1, sizeof(*vc));

    assert_non_null(vc);
    pthread_mutex_init(&vc->lock, NULL);
    return vc;
}

static void
test_colliding_keys_coexist(void **state)
{
    struct vcache *vc = vcache_make();
    unsigned char k[VCACHE_WAYS][32];
    int i;

    (void)state;
    /* Sets repeat every VCACHE_SLOTS / VCACHE_WAYS values of the first two bytes. */
    for (i = 0; i < VCACHE_WAYS; i++) {
        key_in_set(k[i], 7 + (unsigned)i * (VCACHE_SLOTS / VCACHE_WAYS), (unsigned char)i);
        vcache_put(vc, k[i], 100, 200);
    }
    for (i = 0; i < VCACHE_WAYS; i++)
        assert_int_equal(vcache_hit(vc, k[i], 150), 1);
    vcache_free_ex(NULL, vc, NULL, 0, 0, NULL);
}

static void
test_full_set_evicts_oldest(void **state)
{
    struct vcache *vc = vcache_make();
    unsigned char k[VCACHE_WAYS + 1][32];
    int i;

    (void)state;
    for (i = 0; i <= VCACHE_WAYS; i++)
        key_in_set(k[i], 3, (unsigned char)i);
    for (i = 0; i < VCACHE_WAYS; i++)
        vcache_put(vc, k[i], 100, 200);
    /* Putting k[0] again refreshes it: k[1] is now the oldest. */
    vcache_put(vc, k[0], 100, 200);
    vcache_put(vc, k[VCACHE_WAYS], 100, 200);
    assert_int_equal(vcache_hit(vc, k[VCACHE_WAYS], 150), 1);
    assert_int_equal(vcache_hit(vc, k[0], 150), 1);
    assert_int_equal(vcache_hit(vc, k[1], 150), 0);
    for (i = 2; i < VCACHE_WAYS; i++)
        assert_int_equal(vcache_hit(vc, k[i], 150), 1);
    vcache_free_ex(NULL, vc, NULL, 0, 0, NULL);
}

static void
test_window(void **state)
{
    struct vcache *vc = vcache_make();
    unsigned char k[32], other[32];

    (void)state;
    key_in_set(k, 9, 1);
    key_in_set(other, 9, 2);
    vcache_put(vc, k, 100, 200);
    assert_int_equal(vcache_hit(vc, k, 99), 0);
    assert_int_equal(vcache_hit(vc, k, 100), 1);
    assert_int_equal(vcache_hit(vc, k, 199), 1);
    assert_int_equal(vcache_hit(vc, k, 200), 0);
    assert_int_equal(vcache_hit(vc, other, 150), 0);
    vcache_free_ex(NULL, vc, NULL, 0, 0, NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_colliding_keys_coexist),
        cmocka_unit_test(test_full_set_evicts_oldest),
        cmocka_unit_test(test_window),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
