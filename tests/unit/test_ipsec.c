/*
 * test_ipsec.c - the ipSecurity entry parser and evaluator (src/lib/ipsec.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "ipsec.h"

static struct sockaddr_storage
addr(const char *text)
{
    struct sockaddr_storage ss;

    memset(&ss, 0, sizeof(ss));
    if (strchr(text, ':') != NULL) {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
        in6->sin6_family = AF_INET6;
        assert_int_equal(inet_pton(AF_INET6, text, &in6->sin6_addr), 1);
    } else {
        struct sockaddr_in *in = (struct sockaddr_in *)&ss;
        in->sin_family = AF_INET;
        assert_int_equal(inet_pton(AF_INET, text, &in->sin_addr), 1);
    }
    return ss;
}

static struct ipsec_entry
entry(const char *ip, const char *mask, bool allowed)
{
    struct ipsec_entry e;
    char msg[256];

    memset(&e, 0, sizeof(e));
    if (ipsec_entry_parse(ip, mask, "", &e, msg, sizeof(msg)) != 0)
        fail_msg("%s/%s: %s", ip, mask, msg);
    e.allowed = allowed;
    e.ip_text = ip;
    e.mask_text = mask;
    return e;
}

/* Does a single entry (ip, mask) match client? */
static bool
matches(const char *ip, const char *mask, const char *client)
{
    struct ipsec_entry e = entry(ip, mask, false);
    struct ipsec_rules r = {.allow_unlisted = true, .entries = &e, .nentries = 1};
    struct sockaddr_storage ss = addr(client);
    const struct ipsec_entry *d = NULL;
    bool ok = ipsec_allowed(&r, (struct sockaddr *)&ss, &d);

    assert_true(ok == (d == NULL)); /* a deny entry decides, or nothing matched */
    return d != NULL;
}

static void
test_ipv4_masks(void **state)
{
    (void)state;
    /* IIS's default mask: the single address */
    assert_true(matches("192.0.2.1", "255.255.255.255", "192.0.2.1"));
    assert_false(matches("192.0.2.1", "255.255.255.255", "192.0.2.2"));
    assert_true(matches("192.0.2.1", "", "192.0.2.1"));
    /* a range: IIS Manager asks for the lowest address and the mask */
    assert_true(matches("10.1.0.0", "255.255.0.0", "10.1.200.3"));
    assert_false(matches("10.1.0.0", "255.255.0.0", "10.2.0.1"));
    /* host bits of the address are masked away */
    assert_true(matches("10.1.2.3", "255.255.255.0", "10.1.2.200"));
    /* a prefix length */
    assert_true(matches("172.16.0.0", "12", "172.31.255.255"));
    assert_false(matches("172.16.0.0", "12", "172.32.0.0"));
    assert_true(matches("0.0.0.0", "0", "203.0.113.9"));
    assert_true(matches("0.0.0.0", "0.0.0.0", "127.0.0.1"));
}

static void
test_ipv6_masks(void **state)
{
    (void)state;
    assert_true(matches("::1", "255.255.255.255", "::1"));
    assert_false(matches("::1", "255.255.255.255", "::2"));
    assert_true(matches("2001:db8::", "32", "2001:db8:ffff::1"));
    assert_false(matches("2001:db8::", "32", "2001:db9::1"));
    assert_true(matches("2001:db8:1:2::", "ffff:ffff:ffff:ffff::", "2001:db8:1:2:aa::1"));
    assert_false(matches("2001:db8:1:2::", "ffff:ffff:ffff:ffff::", "2001:db8:1:3::1"));
    assert_true(matches("::", "0", "fe80::1"));
    assert_true(matches("2001:db8::5", "128", "2001:db8::5"));
}

/* An IPv4 client on an IPv6 socket (::ffff:a.b.c.d) is the IPv4 client for the entries. */
static void
test_mapped(void **state)
{
    (void)state;
    assert_true(matches("127.0.0.1", "255.255.255.255", "::ffff:127.0.0.1"));
    assert_true(matches("10.0.0.0", "8", "::ffff:10.9.8.7"));
    assert_false(matches("10.0.0.0", "8", "::ffff:11.0.0.1"));
    /* an entry written in the mapped form is an IPv4 entry */
    assert_true(matches("::ffff:192.0.2.1", "128", "192.0.2.1"));
    /* IPv6 entries do not match IPv4 clients, nor IPv4 entries IPv6 clients */
    assert_false(matches("::", "0", "192.0.2.1"));
    assert_false(matches("0.0.0.0", "0", "2001:db8::1"));
    assert_false(matches("0.0.0.0", "0", "::1"));
}

static void
test_bad_input(void **state)
{
    static const struct {
        const char *ip, *mask, *domain, *needle;
    } bad[] = {
        {"", "", "", "ipAddress is missing"},
        {"10.0.0.256", "", "", "ipAddress \"10.0.0.256\": not an IPv4"},
        {"10.0.0", "", "", "not an IPv4"},
        {" 10.0.0.1", "", "", "not an IPv4"},
        {"fe80::1%eth0", "", "", "not an IPv4"},
        {"10.0.0.1", "33", "", "subnetMask \"33\" of IPv4 address"},
        {"10.0.0.1", "255.255.0", "", "not a dotted mask"},
        {"10.0.0.1", "ffff::", "", "not a dotted mask"},
        {"10.0.0.1", "-1", "", "not a dotted mask"},
        {"10.0.0.1", "0024", "", "not a dotted mask"},
        {"2001:db8::", "129", "", "subnetMask \"129\" of IPv6 address"},
        {"2001:db8::", "255.255.0.0", "", "not a prefix length 0..128"},
        {"", "", "*.contoso.com", "domainName \"*.contoso.com\": domain-name restrictions"},
        {"10.0.0.1", "", "host.example", "reverse DNS"},
        {"1111111111111111111111111111111111111111111111111111111111111111111", "", "",
         "longer than"},
    };
    char msg[256];

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct ipsec_entry e;
        msg[0] = '\0';
        if (ipsec_entry_parse(bad[i].ip, bad[i].mask, bad[i].domain, &e, msg, sizeof(msg)) == 0)
            fail_msg("accepted: %s / %s / %s", bad[i].ip, bad[i].mask, bad[i].domain);
        if (strstr(msg, bad[i].needle) == NULL)
            fail_msg("%s / %s: \"%s\" lacks \"%s\"", bad[i].ip, bad[i].mask, msg, bad[i].needle);
    }
}

/*
 * First match wins, in the order of the effective list, and allowUnlisted
 * decides last: IIS's IPSecuritySection reference says of AllowUnlisted
 * "This property is processed last in ordering", and IIS Manager's "View
 * Ordered List" is the order IIS evaluates the entries in.
 */
static void
test_order_and_unlisted(void **state)
{
    struct ipsec_entry es[3];
    struct ipsec_rules r = {.allow_unlisted = false, .entries = es, .nentries = 3};
    struct sockaddr_storage a = addr("10.1.2.3"), b = addr("10.9.9.9"), c = addr("192.0.2.1"),
                            d6 = addr("::1");
    const struct ipsec_entry *dec;

    (void)state;
    es[0] = entry("10.1.2.3", "255.255.255.255", false); /* deny one host */
    es[1] = entry("10.0.0.0", "255.0.0.0", true);        /* allow its network */
    es[2] = entry("10.1.2.3", "255.255.255.0", true);    /* never reached for 10.1.2.3 */
    assert_false(ipsec_allowed(&r, (struct sockaddr *)&a, &dec));
    assert_ptr_equal(dec, &es[0]);
    assert_true(ipsec_allowed(&r, (struct sockaddr *)&b, &dec));
    assert_ptr_equal(dec, &es[1]);
    /* no entry matches: allowUnlisted */
    assert_false(ipsec_allowed(&r, (struct sockaddr *)&c, &dec));
    assert_null(dec);
    assert_false(ipsec_allowed(&r, (struct sockaddr *)&d6, NULL));
    r.allow_unlisted = true;
    assert_true(ipsec_allowed(&r, (struct sockaddr *)&c, &dec));
    assert_null(dec);
    /* NULL rules: nothing configured */
    assert_true(ipsec_allowed(NULL, (struct sockaddr *)&c, &dec));
    assert_null(dec);
    /* a family the entries cannot name: only allowUnlisted decides */
    struct sockaddr un = {.sa_family = AF_UNIX};
    r.allow_unlisted = false;
    assert_false(ipsec_allowed(&r, &un, NULL));
}

static void
test_deny_status(void **state)
{
    struct ipsec_rules r = {0};
    int st, sub;

    (void)state;
    r.deny_action = IPSEC_DENY_FORBIDDEN;
    ipsec_deny_status(&r, &st, &sub);
    assert_int_equal(st, 403);
    assert_int_equal(sub, 6);
    r.deny_action = IPSEC_DENY_UNAUTHORIZED;
    ipsec_deny_status(&r, &st, &sub);
    assert_int_equal(st, 401);
    assert_int_equal(sub, 503);
    r.deny_action = IPSEC_DENY_NOT_FOUND;
    ipsec_deny_status(&r, &st, &sub);
    assert_int_equal(st, 404);
    assert_int_equal(sub, 503);
    r.deny_action = IPSEC_DENY_ABORT;
    ipsec_deny_status(&r, &st, &sub);
    assert_int_equal(st, 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ipv4_masks),
        cmocka_unit_test(test_ipv6_masks),
        cmocka_unit_test(test_mapped),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_order_and_unlisted),
        cmocka_unit_test(test_deny_status),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
