/*
 * Unit tests for the session-ticket keys of a site (src/server/tickets.c):
 * the server's own keys survive a reload (the same site derives the same
 * keys from them), stay apart between sites, and rotate only once the
 * current key is as old as a ticket's lifetime, keeping the previous key for
 * the tickets still alive.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "../../src/server/tickets.c"

/* Two snapshots of one site derive the same keys from the same process keys. */
static void
test_same_site_same_keys(void **state)
{
    struct ticketkeys pk;
    struct tickets_site a, b;

    (void)state;
    assert_int_equal(tickets_process_init(&pk, 1000), 0);
    assert_int_equal(pk.n, 1);
    assert_int_equal(tickets_site_from_process(&a, &pk, 1, "Default Web Site"), 0);
    assert_int_equal(tickets_site_from_process(&b, &pk, 1, "Default Web Site"), 0);
    assert_int_equal(a.n, 1);
    assert_false(a.shared);
    assert_memory_equal(&a.k[0], &b.k[0], sizeof(a.k[0]));
    /* Derived, not the process key itself. */
    assert_memory_not_equal(a.k[0].aes, pk.k[0].aes, sizeof(a.k[0].aes));
    assert_non_null(tickets_find(&b, a.k[0].name));
    tickets_site_clear(&a);
    tickets_site_clear(&b);
}

/* Another site id, or the same id under another name: other keys, the ticket is not found. */
static void
test_sites_apart(void **state)
{
    struct ticketkeys pk;
    struct tickets_site a, b, c;

    (void)state;
    assert_int_equal(tickets_process_init(&pk, 1000), 0);
    assert_int_equal(tickets_site_from_process(&a, &pk, 1, "A"), 0);
    assert_int_equal(tickets_site_from_process(&b, &pk, 2, "A"), 0);
    assert_int_equal(tickets_site_from_process(&c, &pk, 1, "B"), 0);
    assert_null(tickets_find(&b, a.k[0].name));
    assert_null(tickets_find(&c, a.k[0].name));
    assert_memory_not_equal(a.k[0].aes, b.k[0].aes, sizeof(a.k[0].aes));
    assert_memory_not_equal(a.k[0].aes, c.k[0].aes, sizeof(a.k[0].aes));
}

/* Two processes (two restarts) make different keys. */
static void
test_processes_differ(void **state)
{
    struct ticketkeys p1, p2;

    (void)state;
    assert_int_equal(tickets_process_init(&p1, 1000), 0);
    assert_int_equal(tickets_process_init(&p2, 1000), 0);
    assert_memory_not_equal(&p1.k[0], &p2.k[0], sizeof(p1.k[0]));
}

/*
 * Not due before the lifetime: nothing changes.  Due: a new current key,
 * the previous one kept for decryption, the one before that gone.
 */
static void
test_rotate(void **state)
{
    struct ticketkeys pk;
    struct ticketkey first, second;
    struct tickets_site s;

    (void)state;
    assert_int_equal(tickets_process_init(&pk, 1000), 0);
    first = pk.k[0];
    assert_int_equal(tickets_process_rotate(&pk, 1000 + 7199, 7200), 0);
    assert_int_equal(pk.n, 1);
    assert_memory_equal(&pk.k[0], &first, sizeof(first));

    assert_int_equal(tickets_process_rotate(&pk, 1000 + 7200, 7200), 1);
    assert_int_equal(pk.n, 2);
    assert_memory_not_equal(&pk.k[0], &first, sizeof(first));
    assert_memory_equal(&pk.k[1], &first, sizeof(first));
    assert_int_equal(pk.mtime, 1000 + 7200);
    second = pk.k[0];

    /* A ticket sealed under the first key still finds its key in the site's set. */
    {
        struct ticketkeys old = {.k = {first}, .n = 1};
        struct tickets_site before;

        assert_int_equal(tickets_site_from_process(&before, &old, 1, "A"), 0);
        assert_int_equal(tickets_site_from_process(&s, &pk, 1, "A"), 0);
        assert_int_equal(s.n, 2);
        assert_ptr_equal(tickets_find(&s, before.k[0].name), &s.k[1]);
        assert_memory_not_equal(s.k[0].name, before.k[0].name, 16);
    }

    assert_int_equal(tickets_process_rotate(&pk, 1000 + 7200 + 100, 7200), 0);
    assert_int_equal(tickets_process_rotate(&pk, 1000 + 2 * 7200, 7200), 1);
    assert_int_equal(pk.n, 2);
    assert_memory_equal(&pk.k[1], &second, sizeof(second));
    assert_memory_not_equal(&pk.k[0], &first, sizeof(first));
    assert_memory_not_equal(&pk.k[1], &first, sizeof(first));
    for (size_t i = 2; i < TICKETKEYS_MAX; i++) {
        static const struct ticketkey zero;
        assert_memory_equal(&pk.k[i], &zero, sizeof(zero));
    }
}

/* A clock set back (now before the key's birth) rotates rather than trusting an old key forever. */
static void
test_rotate_clock_back(void **state)
{
    struct ticketkeys pk;
    struct ticketkey first;

    (void)state;
    assert_int_equal(tickets_process_init(&pk, 5000), 0);
    first = pk.k[0];
    assert_int_equal(tickets_process_rotate(&pk, 4000, 7200), 1);
    assert_memory_equal(&pk.k[1], &first, sizeof(first));
    assert_int_equal(pk.mtime, 4000);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_site_same_keys), cmocka_unit_test(test_sites_apart),
        cmocka_unit_test(test_processes_differ),    cmocka_unit_test(test_rotate),
        cmocka_unit_test(test_rotate_clock_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
