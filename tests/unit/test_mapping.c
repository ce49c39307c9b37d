/* Unit tests for mapping.c: lookups, twins, disabled entries, duplicates, 100 000 entries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "certmap/cert.h"
#include "mapping.h"
#include "testcert.h"

struct ctx {
    EVP_PKEY *key, *key2;
    unsigned char *alice, *bob, *twin; /* twin: alice's subject, issuer and serial, key2 */
    size_t alice_len, bob_len, twin_len;
};

static int
setup(void **state)
{
    struct ctx *c = calloc(1, sizeof(*c));

    if (c == NULL)
        return -1;
    c->key = testcert_key();
    c->key2 = testcert_key();
    if (c->key == NULL || c->key2 == NULL)
        return -1;
    c->alice = testcert_der(c->key, "alice", 42, &c->alice_len);
    c->bob = testcert_der(c->key, "bob", 43, &c->bob_len);
    c->twin = testcert_der(c->key2, "alice", 42, &c->twin_len);
    if (c->alice == NULL || c->bob == NULL || c->twin == NULL)
        return -1;
    *state = c;
    return 0;
}

static int
teardown(void **state)
{
    struct ctx *c = *state;

    EVP_PKEY_free(c->key);
    EVP_PKEY_free(c->key2);
    free(c->alice);
    free(c->bob);
    free(c->twin);
    free(c);
    return 0;
}

static void
add_ok(struct mapping_index *idx, const unsigned char *der, size_t len, const char *user,
       const char *password, bool enabled, const char *file, unsigned line)
{
    struct certmap_error err = {0};
    struct mapping m;

    memset(&m, 0, sizeof(m));
    m.der = der;
    m.der_len = len;
    m.user = user;
    m.password = password;
    m.enabled = enabled;
    m.file = file;
    m.line = line;
    if (mapping_index_add(idx, &m, &err) != 0)
        fail_msg("add %s: %s", user, err.message);
}

static void
test_lookup_enabled_and_disabled(void **state)
{
    struct ctx *c = *state;
    struct mapping_index *idx = mapping_index_new(2);
    const struct mapping *m;
    unsigned char sha[32];
    unsigned char *copy = malloc(c->alice_len);
    char password[] = "alice-pw";

    assert_non_null(idx);
    assert_non_null(copy);
    memcpy(copy, c->alice, c->alice_len);
    add_ok(idx, copy, c->alice_len, "alice", password, true, "a.config", 3);
    add_ok(idx, c->bob, c->bob_len, "bob", "bob-pw", false, "a.config", 4);
    /* The index owns copies: the caller's buffers may change or go away. */
    memset(copy, 0, c->alice_len);
    free(copy);
    memset(password, 0, sizeof(password));
    assert_int_equal(mapping_index_count(idx), 2);

    m = mapping_index_lookup(idx, c->alice, c->alice_len);
    assert_non_null(m);
    assert_string_equal(m->user, "alice");
    assert_string_equal(m->password, "alice-pw");
    assert_string_equal(m->file, "a.config");
    assert_int_equal(m->line, 3);
    assert_true(m->enabled);
    assert_int_equal(m->der_len, c->alice_len);
    assert_memory_equal(m->der, c->alice, c->alice_len);
    certmap_cert_sha256(c->alice, c->alice_len, sha);
    assert_memory_equal(m->sha256, sha, 32);
    assert_ptr_equal(mapping_index_lookup_hashed(idx, c->alice, c->alice_len, sha), m);
    assert_ptr_equal(mapping_index_find_sha256(idx, sha), m);

    /* Disabled: stored, found by fingerprint for the CLI, never returned by lookup. */
    assert_null(mapping_index_lookup(idx, c->bob, c->bob_len));
    certmap_cert_sha256(c->bob, c->bob_len, sha);
    m = mapping_index_find_sha256(idx, sha);
    assert_non_null(m);
    assert_false(m->enabled);
    assert_string_equal(m->user, "bob");

    assert_string_equal(mapping_index_entry(idx, 0)->user, "alice");
    assert_string_equal(mapping_index_entry(idx, 1)->user, "bob");
    assert_null(mapping_index_entry(idx, 2));
    mapping_index_free(idx);
}

/*
 * Consecutive entries with the same password share one copy (100 000
 * mappings of one account); a different password in between gets its own,
 * and each entry still reads its own value after the caller's buffers change.
 */
static void
test_password_copies(void **state)
{
    struct ctx *c = *state;
    struct mapping_index *idx = mapping_index_new(3);
    char pw[] = "shared-pw";
    const struct mapping *a, *b, *t;

    assert_non_null(idx);
    add_ok(idx, c->alice, c->alice_len, "alice", pw, true, "a.config", 3);
    add_ok(idx, c->bob, c->bob_len, "bob", "shared-pw", true, "a.config", 4);
    add_ok(idx, c->twin, c->twin_len, "twin", "other-pw", true, "a.config", 5);
    memset(pw, 'x', sizeof(pw) - 1);
    a = mapping_index_entry(idx, 0);
    b = mapping_index_entry(idx, 1);
    t = mapping_index_entry(idx, 2);
    assert_string_equal(a->password, "shared-pw");
    assert_ptr_equal(a->password, b->password);
    assert_string_equal(t->password, "other-pw");
    assert_ptr_not_equal(t->password, a->password);
    /* what 100 000 entries cost: 96 bytes each, not 112 */
    assert_true(sizeof(struct mapping) <= 96);
    mapping_index_free(idx);
}

static void
count_release(void *p)
{
    (*(int *)p)++;
}

/*
 * An entry added held points at the caller's subject (memory the index
 * holds); one added normally gets a copy; the holder is released once, when
 * the index is freed.
 */
static void
test_held_subject(void **state)
{
    struct ctx *c = *state;
    struct mapping_index *idx = mapping_index_new_compact(2);
    static const unsigned char subject[] = {0x30, 0x03, 0x31, 0x01, 0x00};
    struct certmap_error err = {0};
    struct mapping m;
    int released = 0;

    assert_non_null(idx);
    assert_int_equal(mapping_index_hold(idx, &released, count_release), 0);
    memset(&m, 0, sizeof(m));
    certmap_cert_sha256(c->alice, c->alice_len, m.sha256);
    m.user = "alice";
    m.subject = subject;
    m.subject_len = sizeof(subject);
    assert_int_equal(mapping_index_add_held(idx, &m, &err), 0);
    certmap_cert_sha256(c->bob, c->bob_len, m.sha256);
    m.user = "bob";
    assert_int_equal(mapping_index_add(idx, &m, &err), 0);
    assert_ptr_equal(mapping_index_entry(idx, 0)->subject, subject);
    assert_ptr_not_equal(mapping_index_entry(idx, 1)->subject, subject);
    assert_memory_equal(mapping_index_entry(idx, 1)->subject, subject, sizeof(subject));
    assert_int_equal(released, 0);
    mapping_index_free(idx);
    assert_int_equal(released, 1);
}

static void
test_same_names_and_serial_other_key_never_match(void **state)
{
    struct ctx *c = *state;
    struct mapping_index *idx = mapping_index_new(4);
    struct certmap_cert_info a, t;
    struct certmap_error err = {0};
    unsigned char *flipped = malloc(c->alice_len);
    unsigned char sha[32];

    assert_non_null(idx);
    assert_non_null(flipped);
    /* The twin really has alice's subject, issuer and serial. */
    assert_int_equal(certmap_cert_info(c->alice, c->alice_len, &a, &err), 0);
    assert_int_equal(certmap_cert_info(c->twin, c->twin_len, &t, &err), 0);
    assert_string_equal(a.subject, t.subject);
    assert_string_equal(a.issuer, t.issuer);
    assert_string_equal(a.serial, t.serial);
    assert_string_not_equal(a.sha256, t.sha256);

    add_ok(idx, c->alice, c->alice_len, "alice", "pw", true, "a.config", 3);
    assert_null(mapping_index_lookup(idx, c->twin, c->twin_len));
    certmap_cert_sha256(c->twin, c->twin_len, sha);
    assert_null(mapping_index_find_sha256(idx, sha));
    /* One byte different anywhere: no match. */
    memcpy(flipped, c->alice, c->alice_len);
    flipped[c->alice_len / 2] ^= 0x01;
    assert_null(mapping_index_lookup(idx, flipped, c->alice_len));
    /* A prefix of the certificate: no match. */
    assert_null(mapping_index_lookup(idx, c->alice, c->alice_len - 1));
    assert_null(mapping_index_lookup(idx, c->alice, 0));
    assert_null(mapping_index_lookup(idx, NULL, 10));
    /* A lying fingerprint does not make a match: the DER is compared in full. */
    certmap_cert_sha256(c->alice, c->alice_len, sha);
    assert_null(mapping_index_lookup_hashed(idx, c->twin, c->twin_len, sha));

    /* The twin can be mapped too, to another user; each finds its own. */
    add_ok(idx, c->twin, c->twin_len, "mallory", "pw2", true, "a.config", 5);
    assert_string_equal(mapping_index_lookup(idx, c->alice, c->alice_len)->user, "alice");
    assert_string_equal(mapping_index_lookup(idx, c->twin, c->twin_len)->user, "mallory");
    free(flipped);
    mapping_index_free(idx);
}

static void
test_duplicate_names_both_places(void **state)
{
    struct ctx *c = *state;
    struct mapping_index *idx = mapping_index_new(4);
    struct certmap_error err = {0};
    struct mapping m;

    assert_non_null(idx);
    add_ok(idx, c->alice, c->alice_len, "alice", "pw", false, "/etc/certmap/a.config", 3);
    memset(&m, 0, sizeof(m));
    m.der = c->alice;
    m.der_len = c->alice_len;
    m.user = "other";
    m.password = "x";
    m.enabled = true;
    m.file = "/etc/certmap/b.config";
    m.line = 9;
    /* A stale fingerprint from the caller changes nothing. */
    memset(m.sha256, 0xab, sizeof(m.sha256));
    assert_int_equal(mapping_index_add(idx, &m, &err), -1);
    assert_int_equal(err.kind, CERTMAP_ERR_INVALID);
    assert_string_equal(err.file, "/etc/certmap/b.config");
    assert_int_equal(err.line, 9);
    assert_string_equal(err.attribute, "certificate");
    assert_string_equal(err.message, "duplicate certificate: already mapped at "
                                     "/etc/certmap/a.config:3 (user \"alice\")");
    assert_int_equal(mapping_index_count(idx), 1);
    /* The failed add left the first (disabled) entry as it was. */
    assert_null(mapping_index_lookup(idx, c->alice, c->alice_len));
    m.der = NULL;
    assert_int_equal(mapping_index_add(idx, &m, &err), -1);
    mapping_index_free(idx);
}

static void
test_null_and_empty(void **state)
{
    struct ctx *c = *state;
    struct mapping_index *idx = mapping_index_new(0);
    unsigned char sha[32] = {0};

    assert_non_null(idx);
    assert_int_equal(mapping_index_count(idx), 0);
    assert_null(mapping_index_lookup(idx, c->alice, c->alice_len));
    assert_null(mapping_index_find_sha256(idx, sha));
    /* No password at all is kept as NULL, never as "". */
    add_ok(idx, c->alice, c->alice_len, "alice", NULL, true, NULL, 0);
    assert_null(mapping_index_lookup(idx, c->alice, c->alice_len)->password);
    assert_string_equal(mapping_index_lookup(idx, c->alice, c->alice_len)->file, "");
    mapping_index_free(idx);
    mapping_index_free(NULL);
    assert_int_equal(mapping_index_count(NULL), 0);
    assert_null(mapping_index_lookup(NULL, c->alice, c->alice_len));
    assert_null(mapping_index_find_sha256(NULL, sha));
}

/*
 * n distinct DERs: alice's certificate with its last 4 bytes (inside the
 * signature) replaced by the entry number.  The index does not parse
 * certificates, and signing 100 000 would dominate the test's run time.
 */
static unsigned char *
variants(const struct ctx *c, size_t n)
{
    unsigned char *all = malloc(n * c->alice_len), *v;
    size_t i;

    assert_non_null(all);
    for (i = 0; i < n; i++) {
        v = all + i * c->alice_len;
        memcpy(v, c->alice, c->alice_len);
        v[c->alice_len - 4] = (unsigned char)(i >> 24);
        v[c->alice_len - 3] = (unsigned char)(i >> 16);
        v[c->alice_len - 2] = (unsigned char)(i >> 8);
        v[c->alice_len - 1] = (unsigned char)i;
    }
    return all;
}

static void
check_many(const struct ctx *c, size_t n, size_t hint)
{
    struct mapping_index *idx = mapping_index_new(hint);
    unsigned char *all = variants(c, n + 1), sha[32];
    const struct mapping *m;
    char user[32], want[32];
    size_t i, len = c->alice_len;

    assert_non_null(idx);
    for (i = 0; i < n; i++) {
        snprintf(user, sizeof(user), "user%zu", i);
        add_ok(idx, all + i * len, len, user, user, i % 10 != 0, "big.config", (unsigned)i + 1);
    }
    assert_int_equal(mapping_index_count(idx), n);
    for (i = 0; i < n; i++) {
        m = mapping_index_lookup(idx, all + i * len, len);
        if (i % 10 == 0) {
            assert_null(m);
            certmap_cert_sha256(all + i * len, len, sha);
            m = mapping_index_find_sha256(idx, sha);
            assert_non_null(m);
            assert_false(m->enabled);
        }
        assert_non_null(m);
        snprintf(want, sizeof(want), "user%zu", i);
        if (strcmp(m->user, want) != 0)
            fail_msg("lookup %zu returned %s", i, m->user);
        assert_string_equal(m->password, want);
        assert_int_equal(m->line, i + 1);
        assert_memory_equal(m->der, all + i * len, len);
    }
    /* The variant not added matches nothing. */
    assert_null(mapping_index_lookup(idx, all + n * len, len));
    free(all);
    mapping_index_free(idx);
}

static void
test_100000_entries(void **state)
{
    check_many(*state, 100000, 100000);
}

static void
test_growth_beyond_hint(void **state)
{
    check_many(*state, 5000, 1);
}

/*
 * A compact index (certmapd's) keeps no DER: entries carry the SHA-256 the
 * caller computed, the subject and notAfter it gave; lookups by DER and by
 * fingerprint still find them, another certificate never, and a second entry
 * with the same fingerprint is the duplicate error naming the first.
 */
static void
test_compact(void **state)
{
    struct ctx *c = *state;
    struct mapping_index *idx = mapping_index_new_compact(2);
    struct certmap_error err = {0};
    unsigned char subject[] = {0x30, 0x03, 0x02, 0x01, 0x07};
    const struct mapping *m;
    struct mapping in;

    assert_non_null(idx);
    memset(&in, 0, sizeof(in));
    certmap_cert_sha256(c->alice, c->alice_len, in.sha256);
    in.user = "alice";
    in.password = "alice-pw";
    in.enabled = true;
    in.file = "a.config";
    in.line = 7;
    in.not_after = 1234567890;
    in.subject = subject;
    in.subject_len = sizeof(subject);
    assert_int_equal(mapping_index_add(idx, &in, &err), 0);
    /* given the DER, the index takes the fingerprint from it and still keeps no copy */
    memset(&in.sha256, 0, 32);
    in.der = c->bob;
    in.der_len = c->bob_len;
    in.user = "bob";
    in.line = 8;
    assert_int_equal(mapping_index_add(idx, &in, &err), 0);

    m = mapping_index_lookup(idx, c->alice, c->alice_len);
    assert_non_null(m);
    assert_null(m->der);
    assert_string_equal(m->user, "alice");
    assert_string_equal(m->password, "alice-pw");
    assert_int_equal(m->not_after, 1234567890);
    assert_int_equal(m->subject_len, sizeof(subject));
    assert_memory_equal(m->subject, subject, sizeof(subject));
    assert_ptr_not_equal(m->subject, subject);
    m = mapping_index_lookup(idx, c->bob, c->bob_len);
    assert_non_null(m);
    assert_null(m->der);
    assert_string_equal(m->user, "bob");
    assert_null(mapping_index_lookup(idx, c->twin, c->twin_len));

    memset(&in, 0, sizeof(in));
    certmap_cert_sha256(c->alice, c->alice_len, in.sha256);
    in.user = "again";
    in.file = "a.config";
    in.line = 9;
    assert_int_equal(mapping_index_add(idx, &in, &err), -1);
    assert_int_equal(err.line, 9);
    assert_non_null(strstr(err.message, "already mapped at a.config:7"));
    assert_int_equal(mapping_index_count(idx), 2);
    mapping_index_free(idx);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookup_enabled_and_disabled),
        cmocka_unit_test(test_password_copies),
        cmocka_unit_test(test_held_subject),
        cmocka_unit_test(test_same_names_and_serial_other_key_never_match),
        cmocka_unit_test(test_duplicate_names_both_places),
        cmocka_unit_test(test_null_and_empty),
        cmocka_unit_test(test_100000_entries),
        cmocka_unit_test(test_growth_beyond_hint),
        cmocka_unit_test(test_compact),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
