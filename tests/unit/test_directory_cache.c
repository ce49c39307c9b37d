/*
 * test_directory_cache.c - directory/core.c's cache as a caller sees it
 * through directory_cached(): how long an answer may be kept outside the
 * cache (fresh_until), and the hits counted for such kept copies.  The
 * entries are planted directly (the file is included for its statics), so
 * no directory is needed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/lib/directory/core.c"

static struct directory *
new_dir(void)
{
    struct certmap_directory_settings s = {0};
    struct certmap_error err = {0};
    struct directory *d;

    s.uri = "ldap://127.0.0.1:1";
    s.base_dn = "dc=example,dc=org";
    s.bind_dn = "";
    s.user_attribute = "uid";
    s.mapping_attribute = "altSecurityIdentities";
    s.group_attribute = "";
    s.group_base_dn = "";
    s.group_member_attribute = "member";
    s.cache_seconds = 60;
    s.negative_cache_seconds = 10;
    s.max_stale_seconds = 60;
    s.timeout_seconds = 1;
    s.connections = 1;
    d = directory_new(&s, &err);
    assert_non_null(d);
    /* no background probe: the stale case below must not race the pool thread */
    d->next_probe_ms = UINT64_MAX;
    return d;
}

/*
 * Freshness planted for an answer the test reads back at once: minutes, so
 * that a stalled test (valgrind on a loaded machine) still reads it fresh;
 * the expiry it checks is the planted one either way.
 */
#define FRESH_MS 600000
#define NEGATIVE_FRESH_MS 300000

/* Plants an answer for key, fresh until now + fresh_ms (negative: expired). */
static void
plant(struct directory *d, const unsigned char key[32], enum dir_status st, int64_t fresh_ms)
{
    struct dentry *e;

    pthread_mutex_lock(&d->lock);
    e = entry_get(d, key);
    assert_non_null(e);
    e->has_answer = true;
    e->last_failed = false;
    e->ans.status = st;
    snprintf(e->ans.user, sizeof(e->ans.user), "alice");
    e->fresh_until_ms = (uint64_t)((int64_t)now_ms() + fresh_ms);
    pthread_mutex_unlock(&d->lock);
}

static void
test_fresh_until(void **state)
{
    struct directory *d = new_dir();
    unsigned char key[32] = {1};
    struct dir_answer a;
    uint64_t until = 1, t0;

    (void)state;
    assert_int_equal(directory_cached(d, key, false, &a, &until), 0);
    assert_int_equal(until, 0);

    /* fresh: kept until the cache's own expiry, not a moment longer */
    t0 = now_ms();
    plant(d, key, DIR_FOUND, FRESH_MS);
    assert_int_equal(directory_cached(d, key, false, &a, &until), 1);
    assert_int_equal(a.status, DIR_FOUND);
    assert_false(a.stale);
    assert_true(until >= t0 + FRESH_MS && until <= now_ms() + FRESH_MS);
    dir_answer_clear(&a);

    /* "no account" too, with negativeCacheSeconds' expiry as planted */
    t0 = now_ms();
    plant(d, key, DIR_NOT_FOUND, NEGATIVE_FRESH_MS);
    assert_int_equal(directory_cached(d, key, false, &a, &until), 1);
    assert_int_equal(a.status, DIR_NOT_FOUND);
    assert_true(until >= t0 + NEGATIVE_FRESH_MS && until <= now_ms() + NEGATIVE_FRESH_MS);
    dir_answer_clear(&a);

    /* just delivered with cacheSeconds 0: answered once, nothing to keep */
    plant(d, key, DIR_FOUND, 0);
    assert_int_equal(directory_cached(d, key, true, &a, &until), 1);
    assert_int_equal(until, 0);
    dir_answer_clear(&a);

    /* the lookup just made failed: a 503 verdict, never kept */
    pthread_mutex_lock(&d->lock);
    entry_get(d, key)->last_failed = true;
    entry_get(d, key)->has_answer = false;
    pthread_mutex_unlock(&d->lock);
    assert_int_equal(directory_cached(d, key, true, &a, &until), 1);
    assert_int_equal(a.status, DIR_UNAVAILABLE);
    assert_int_equal(until, 0);

    /* expired while the directory is down: served stale, never kept */
    plant(d, key, DIR_FOUND, -1000);
    pthread_mutex_lock(&d->lock);
    d->down = true;
    pthread_mutex_unlock(&d->lock);
    assert_int_equal(directory_cached(d, key, false, &a, &until), 1);
    assert_true(a.stale);
    assert_int_equal(until, 0);
    dir_answer_clear(&a);

    /* expired and the directory up: a miss */
    pthread_mutex_lock(&d->lock);
    d->down = false;
    pthread_mutex_unlock(&d->lock);
    until = 1;
    assert_int_equal(directory_cached(d, key, false, &a, &until), 0);
    assert_int_equal(until, 0);
    directory_free(d);
}

static void
test_count_hit(void **state)
{
    struct directory *d = new_dir();
    unsigned char key[32] = {2};
    struct dir_answer a;
    struct dir_stats st;
    uint64_t until;

    (void)state;
    plant(d, key, DIR_FOUND, FRESH_MS);
    assert_int_equal(directory_cached(d, key, false, &a, &until), 1);
    dir_answer_clear(&a);
    directory_count_hit(d);
    directory_count_hit(d);
    directory_stats_get(d, &st);
    assert_int_equal(st.hits, 3);
    assert_int_equal(st.misses, 0);
    directory_free(d);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fresh_until),
        cmocka_unit_test(test_count_hit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
