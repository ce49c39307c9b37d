/*
 * test_directory.c - the directory module's pure parts: RFC 4515 escaping,
 * the search filter, the first RDN of a group DN, and the decision over a
 * search's entries.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "directory.h"

static struct certmap_directory_settings
settings(void)
{
    struct certmap_directory_settings s = {0};

    s.base_dn = "dc=example,dc=org";
    s.user_attribute = "uid";
    s.mapping_attribute = "altSecurityIdentities";
    s.group_attribute = "memberOf";
    return s;
}

static void
test_escape(void **state)
{
    char out[64];

    (void)state;
    assert_int_equal(dir_filter_escape("a*b(c)d\\e", 9, false, out, sizeof(out)), 17);
    assert_string_equal(out, "a\\2ab\\28c\\29d\\5ce");
    assert_int_equal(dir_filter_escape("x\0y", 3, false, out, sizeof(out)), 5);
    assert_string_equal(out, "x\\00y");
    assert_int_equal(dir_filter_escape("\x30\xff", 2, true, out, sizeof(out)), 6);
    assert_string_equal(out, "\\30\\ff");
    /* too small: refused, never cut */
    assert_int_equal(dir_filter_escape("(((", 3, false, out, 9), -1);
    assert_int_equal(dir_filter_escape("(((", 3, false, out, 10), 9);
}

static void
test_filter(void **state)
{
    struct certmap_directory_settings s = settings();
    struct dir_query q = {0};
    char *f;

    (void)state;
    q.strings[0] = "X509:<I>CN=Test (CA)<SR>01";
    q.strong[0] = true;
    q.nstrings = 1;
    f = dir_filter_for(&q, &s);
    assert_string_equal(f, "(altSecurityIdentities=X509:<I>CN=Test \\28CA\\29<SR>01)");
    free(f);
    q.strings[1] = "X509:<SKI>ab*";
    q.strong[1] = true;
    q.nstrings = 2;
    f = dir_filter_for(&q, &s);
    assert_string_equal(f, "(|(altSecurityIdentities=X509:<I>CN=Test \\28CA\\29<SR>01)"
                           "(altSecurityIdentities=X509:<SKI>ab\\2a))");
    free(f);
    s.mode = CERTMAP_DIR_USER_CERTIFICATE;
    q.der = (const unsigned char *)"\x30\x01";
    q.der_len = 2;
    f = dir_filter_for(&q, &s);
    /* not a certificate: the octets only */
    assert_string_equal(f, "(|(userCertificate;binary=\\30\\01))");
    free(f);
    q.nstrings = 0;
    s.mode = CERTMAP_DIR_ALT_SECURITY_IDENTITIES;
    assert_null(dir_filter_for(&q, &s));
}

static void
test_first_rdn(void **state)
{
    char out[32];

    (void)state;
    assert_int_equal(dir_dn_first_value("cn=web admins,ou=groups,dc=x", 28, out, sizeof(out)), 0);
    assert_string_equal(out, "web admins");
    assert_int_equal(dir_dn_first_value("CN=a\\2Cb\\+c+ou=x,dc=y", 21, out, sizeof(out)), 0);
    assert_string_equal(out, "a,b+c");
    assert_int_equal(dir_dn_first_value("cn=\\ x\\ ,dc=y", 13, out, sizeof(out)), 0);
    assert_string_equal(out, " x ");
    assert_int_equal(dir_dn_first_value("cn=#0403616263", 14, out, sizeof(out)), -1);
    assert_int_equal(dir_dn_first_value("cn=a\\00b", 8, out, sizeof(out)), -1);
    assert_int_equal(dir_dn_first_value("cn=a\\zz", 7, out, sizeof(out)), -1);
    assert_int_equal(dir_dn_first_value("noequals", 8, out, sizeof(out)), -1);
    assert_int_equal(dir_dn_first_value("cn=", 3, out, sizeof(out)), -1);
    assert_int_equal(dir_dn_first_value("cn=0123456789", 13, out, 5), -1);
}

#define V(s)                                                                                       \
    {                                                                                              \
        s, sizeof(s) - 1                                                                           \
    }

static void
test_decide(void **state)
{
    struct certmap_directory_settings s = settings();
    struct dir_value user = V("alice"), two[2] = {V("alice"), V("al")};
    struct dir_value strong = V("x509:<ski>00AB"), weak = V("X509:<S>CN=alice");
    struct dir_value groups[3] = {V("cn=admins,ou=groups,dc=x"), V("bogus"),
                                  V("cn=staff,ou=groups,dc=x")};
    struct dir_entry e = {"uid=alice,dc=x", &user, 1, &strong, 1, groups, 3};
    struct dir_entry ents[2] = {e, e};
    struct dir_query q = {0};
    struct dir_answer a;

    (void)state;
    q.strings[0] = "X509:<SKI>00ab";
    q.strong[0] = true;
    q.strings[1] = "X509:<S>CN=alice";
    q.strong[1] = false;
    q.nstrings = 2;
    assert_int_equal(dir_result_decide(&e, 1, &q, &s, &a), 0);
    assert_int_equal(a.status, DIR_FOUND);
    assert_string_equal(a.user, "alice");
    assert_int_equal(a.ngroups, 2);
    assert_string_equal(a.groups[0], "admins");
    assert_string_equal(a.groups[1], "staff");
    dir_answer_clear(&a);
    /* two accounts: refused */
    ents[1].dn = "uid=bob,dc=x";
    assert_int_equal(dir_result_decide(ents, 2, &q, &s, &a), 0);
    assert_int_equal(a.status, DIR_AMBIGUOUS);
    assert_non_null(strstr(a.why, "uid=bob,dc=x"));
    dir_answer_clear(&a);
    /* the entry holds only a weak string: not unless allowed */
    e.mapping = &weak;
    assert_int_equal(dir_result_decide(&e, 1, &q, &s, &a), 0);
    assert_int_equal(a.status, DIR_NOT_FOUND);
    dir_answer_clear(&a);
    s.allow_weak_mappings = true;
    assert_int_equal(dir_result_decide(&e, 1, &q, &s, &a), 0);
    assert_int_equal(a.status, DIR_FOUND);
    dir_answer_clear(&a);
    /* a multi-valued user attribute is not a name */
    e.user = two;
    e.nuser = 2;
    assert_int_equal(dir_result_decide(&e, 1, &q, &s, &a), 0);
    assert_int_equal(a.status, DIR_NOT_FOUND);
    dir_answer_clear(&a);
    /* userCertificate: byte for byte */
    s.mode = CERTMAP_DIR_USER_CERTIFICATE;
    q.der = (const unsigned char *)"\x30\x01\x00";
    q.der_len = 3;
    {
        struct dir_value cert = {"\x30\x01\x00", 3}, other = {"\x30\x01\x01", 3};
        e.user = &user;
        e.nuser = 1;
        e.mapping = &other;
        assert_int_equal(dir_result_decide(&e, 1, &q, &s, &a), 0);
        assert_int_equal(a.status, DIR_NOT_FOUND);
        dir_answer_clear(&a);
        e.mapping = &cert;
        assert_int_equal(dir_result_decide(&e, 1, &q, &s, &a), 0);
        assert_int_equal(a.status, DIR_FOUND);
        dir_answer_clear(&a);
    }
    assert_int_equal(dir_result_decide(NULL, 0, &q, &s, &a), 0);
    assert_int_equal(a.status, DIR_NOT_FOUND);
}

/* certmapd -t: one ldap:// or ldaps:// URI with a host and nothing certmap would ignore. */
static void
test_uri_check(void **state)
{
    char host[64], why[256];

    (void)state;
    assert_int_equal(
        dir_uri_check("ldaps://ldap.example.org", host, sizeof(host), why, sizeof(why)), 0);
    assert_string_equal(host, "ldap.example.org");
    assert_int_equal(dir_uri_check("ldap://127.0.0.1:3389/", host, sizeof(host), why, sizeof(why)),
                     0);
    assert_string_equal(host, "127.0.0.1");
    assert_int_equal(dir_uri_check("ldap://", host, sizeof(host), why, sizeof(why)), -1);
    assert_non_null(strstr(why, "names no host"));
    assert_int_equal(dir_uri_check("ldapi:///", host, sizeof(host), why, sizeof(why)), -1);
    assert_int_equal(dir_uri_check("http://x", host, sizeof(host), why, sizeof(why)), -1);
    assert_int_equal(dir_uri_check("ldap://x/dc=org", host, sizeof(host), why, sizeof(why)), -1);
    assert_non_null(strstr(why, "baseDn"));
    assert_int_equal(dir_uri_check("ldap://x/??sub?(uid=a)", host, sizeof(host), why, sizeof(why)),
                     -1);
    assert_int_equal(dir_dn_check("ou=people,dc=example,dc=org"), 0);
    assert_int_equal(dir_dn_check("cn=a\\,b,dc=org"), 0);
    assert_int_equal(dir_dn_check("people"), -1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape),    cmocka_unit_test(test_filter),
        cmocka_unit_test(test_first_rdn), cmocka_unit_test(test_decide),
        cmocka_unit_test(test_uri_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
