/*
 * test_view_ipsec.c - ipSecurity in the resolved view: inheritance of the
 * entries (<clear/>, <remove>, child applications), the section's attributes,
 * and what certmap refuses, with file:line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "certmap/view.h"
#include "ipsec.h"
#include "test_config_util.h"

#define HEAD                                                                                       \
    "<configuration><system.applicationHost><sites>\n"                                             \
    "<site name=\"S\" id=\"1\">\n"                                                                 \
    " <application path=\"/\"><virtualDirectory path=\"/\" physicalPath=\"/srv/www\" />"           \
    "</application>\n"                                                                             \
    " <application path=\"/app\"><virtualDirectory path=\"/\" physicalPath=\"/srv/app\" />"        \
    "</application>\n"                                                                             \
    " <bindings><binding protocol=\"http\" bindingInformation=\"127.0.0.1:8080:\" /></bindings>\n" \
    "</site></sites></system.applicationHost>\n"

#define SEC(x) "<system.webServer><security>" x "</security></system.webServer>\n"

/* Builds the view of HEAD + body; NULL when the build refuses it (diags in d). */
static struct certmap_view *
view_of(const char *body, struct certmap_diags *d)
{
    return tc_view_of("test.config", HEAD, body, true, d);
}

static const struct ipsec_rules *
rules_at(struct certmap_view *v, const char *url)
{
    const struct certmap_site *s = certmap_view_find_site(v, "S");

    assert_non_null(s);
    return certmap_view_match(s, url, strlen(url))->settings.ipsec;
}

static bool
allows(const struct ipsec_rules *r, const char *ip)
{
    struct sockaddr_in in = {.sin_family = AF_INET};

    assert_int_equal(inet_pton(AF_INET, ip, &in.sin_addr), 1);
    return ipsec_allowed(r, (struct sockaddr *)&in, NULL);
}

static void
test_nothing_configured(void **state)
{
    struct certmap_diags d;
    struct certmap_view *v =
        view_of("<location path=\"S\">" SEC("<ipSecurity />") "</location>", &d);

    (void)state;
    assert_non_null(v);
    assert_null(rules_at(v, "/"));
    assert_null(rules_at(v, "/app/x"));
    certmap_view_unref(v);
    certmap_diags_free(&d);
}

/* Server, site, directory: the parent's entries first, then the scope's own. */
static void
test_inheritance(void **state)
{
    const char *body = SEC(
        "<ipSecurity allowUnlisted=\"false\">"
        "<add ipAddress=\"127.0.0.1\" allowed=\"true\" /></ipSecurity>") "<location "
                                                                         "path=\"S\">" SEC(
                                                                             "<ipSecu"
                                                                             "rity "
                                                                             "denyAct"
                                                                             "ion="
                                                                             "\"NotFo"
                                                                             "und\">"
                                                                             "<add "
                                                                             "ipAddre"
                                                                             "ss="
                                                                             "\"10.0."
                                                                             "0.0\" "
                                                                             "subnetM"
                                                                             "ask="
                                                                             "\"255."
                                                                             "0.0."
                                                                             "0\" "
                                                                             "allowed"
                                                                             "=\"true"
                                                                             "\" "
                                                                             "/></"
                                                                             "ipSecur"
                                                                             "ity>") "</location>\n"
                                                                                     "<location "
                                                                                     "path=\"S/"
                                                                                     "dir\">" SEC(
                                                                                         "<ipSecuri"
                                                                                         "ty><"
                                                                                         "remove "
                                                                                         "ipAddress"
                                                                                         "=\"127.0."
                                                                                         "0.1\" />"
                                                                                         "</"
                                                                                         "ipSecurit"
                                                                                         "y>") "</"
                                                                                               "loc"
                                                                                               "ati"
                                                                                               "on>"
                                                                                               "\n"
                                                                                               "<lo"
                                                                                               "cat"
                                                                                               "ion"
                                                                                               " pa"
                                                                                               "th="
                                                                                               "\"S"
                                                                                               "/op"
                                                                                               "en"
                                                                                               "\""
                                                                                               ">" SEC(
                                                                                                   "<ipSecurity allowUnlisted=\"true\"><clear />"
                                                                                                   "<add ipAddress=\"192.0.2.7\" /></ipSecurity>") "</location>\n";
    struct certmap_diags d;
    struct certmap_view *v = view_of(body, &d);
    const struct ipsec_rules *root, *dir, *open, *app;

    (void)state;
    if (v == NULL)
        tc_dump(&d);
    assert_non_null(v);
    root = rules_at(v, "/");
    assert_non_null(root);
    assert_int_equal(root->nentries, 2);
    assert_string_equal(root->entries[0].ip_text, "127.0.0.1");
    assert_string_equal(root->entries[1].ip_text, "10.0.0.0");
    assert_string_equal(root->entries[1].file, "test.config");
    assert_int_equal(root->entries[0].line, 7);
    assert_int_equal(root->entries[1].line, 8);
    assert_false(root->allow_unlisted);
    assert_int_equal(root->allow_unlisted_line, 7);
    assert_int_equal(root->deny_action, IPSEC_DENY_NOT_FOUND);
    assert_true(allows(root, "127.0.0.1"));
    assert_true(allows(root, "10.2.3.4"));
    assert_false(allows(root, "192.0.2.1"));
    /* <remove> by key (ipAddress with the default subnetMask and domainName) */
    dir = rules_at(v, "/dir/x");
    assert_int_equal(dir->nentries, 1);
    assert_false(allows(dir, "127.0.0.1"));
    assert_true(allows(dir, "10.0.0.1"));
    assert_int_equal(dir->deny_action, IPSEC_DENY_NOT_FOUND);
    /* <clear/> drops the inherited entries; allowed defaults to false */
    open = rules_at(v, "/open");
    assert_int_equal(open->nentries, 1);
    assert_false(open->entries[0].allowed);
    assert_false(allows(open, "192.0.2.7"));
    assert_true(allows(open, "127.0.0.1"));
    /* an application without its own section shares the site's rules */
    app = rules_at(v, "/app/x");
    assert_ptr_equal(app, root);
    certmap_view_unref(v);
    certmap_diags_free(&d);
}

/* inheritInChildApplications="false": a child application does not get the layer. */
static void
test_child_applications(void **state)
{
    const char *body = "<location path=\"S\" inheritInChildApplications=\"false\">" SEC(
        "<ipSecurity allowUnlisted=\"false\" />") "</location>\n";
    struct certmap_diags d;
    struct certmap_view *v = view_of(body, &d);

    (void)state;
    assert_non_null(v);
    assert_non_null(rules_at(v, "/"));
    assert_false(allows(rules_at(v, "/x"), "127.0.0.1"));
    assert_null(rules_at(v, "/app/x"));
    certmap_view_unref(v);
    certmap_diags_free(&d);
}

/* What certmap refuses is an error naming file:line; the view is not built. */
static void
test_refused(void **state)
{
    static const struct {
        const char *body, *needle;
        unsigned line;
    } cases[] = {
        {"<location path=\"S\">" SEC("<ipSecurity><add ipAddress=\"10.0.0.300\" />"
                                     "</ipSecurity>") "</location>\n",
         "not an IPv4 address", 7},
        {"<location path=\"S\">\n" SEC("<ipSecurity>\n<add ipAddress=\"::1\" subnetMask=\"200\" "
                                       "allowed=\"true\" /></ipSecurity>") "</location>\n",
         "subnetMask \"200\" of IPv6 address \"::1\"", 9},
        {"<location path=\"S\">" SEC("<ipSecurity><add domainName=\"*.contoso.com\" />"
                                     "</ipSecurity>") "</location>\n",
         "domain-name restrictions", 7},
        {SEC("<ipSecurity enableReverseDns=\"true\" />"),
         "enableReverseDns=\"true\" needs a "
         "reverse DNS lookup",
         7},
        {"<location path=\"S/app\">" SEC("<ipSecurity enableProxyMode=\"True\" />") "</location>",
         "X-Forwarded-For", 7},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct certmap_diags d;
        struct certmap_view *v = view_of(cases[i].body, &d);
        int k = tc_find_diag(&d, CERTMAP_SEV_ERROR, cases[i].needle);
        if (v != NULL)
            fail_msg("case %zu: the view was built", i);
        if (k < 0) {
            tc_dump(&d);
            fail_msg("case %zu: no error with \"%s\"", i, cases[i].needle);
        }
        assert_int_equal(d.items[k].err.line, cases[i].line);
        assert_string_equal(d.items[k].err.file, "test.config");
        /* reported once, where it is written, not again by every scope below */
        assert_int_equal(tc_count_sev(&d, CERTMAP_SEV_ERROR), 1);
        certmap_diags_free(&d);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nothing_configured),
        cmocka_unit_test(test_inheritance),
        cmocka_unit_test(test_child_applications),
        cmocka_unit_test(test_refused),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
