/*
 * test_unenforced.c - certmap_config_check_unenforced(): which rules of the
 * IIS security sections certmap does not enforce restrict access (errors),
 * acknowledgement in <certmap><server unenforcedSections> (warnings), the
 * list's syntax, and IIS's own defaults (no error).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_config_util.h"

/*
 * A document with security at <location path="S/admin"> (line 6) and the
 * attributes of <certmap><server>.  With at_server, security is at the
 * server level instead (also line 6).
 */
static char *
doc(const char *security, const char *server_attrs, bool at_server)
{
    return tc_fmt("<?xml version=\"1.0\"?>\n<configuration>\n%s\n<system.webServer>\n"
                  "<security>\n%s\n</security>\n</system.webServer>\n%s\n"
                  "<certmap><server %s /></certmap>\n</configuration>\n",
                  at_server ? "<!-- server level -->" : "<location path=\"S/admin\">", security,
                  at_server ? "" : "</location>", server_attrs);
}

static struct certmap_config *
load(const char *xml, struct certmap_diags *d, struct certmap_error *err)
{
    struct certmap_open_options o = {.skip_secrets = true};

    return certmap_config_parse("applicationHost.config", xml, strlen(xml), &o, d, err);
}

/* Loads security (at S/admin) and runs the check; returns its result, diags in d. */
static int
check(const char *security, const char *server_attrs, struct certmap_diags *d)
{
    struct certmap_error err = {0};
    char *xml = doc(security, server_attrs, false);
    struct certmap_config *cfg = load(xml, d, &err);
    int n;

    if (cfg == NULL)
        tc_dump(d);
    assert_non_null(cfg);
    n = certmap_config_check_unenforced(cfg, d);
    certmap_config_close(cfg);
    free(xml);
    return n;
}

struct rule_case {
    const char *security; /* inside <security> */
    int errors;           /* rules that restrict */
    const char *needle;   /* in the first error, or NULL */
};

static const struct rule_case rule_cases[] = {
    /* authorization is enforced (src/lib/authz.c): never reported here */
    {"<authorization><add accessType=\"Deny\" users=\"bob\" /></authorization>", 0, NULL},
    {"<authorization><clear /><add accessType=\"Allow\" roles=\"admins\" /></authorization>", 0,
     NULL},
    /* ipSecurity */
    {"<ipSecurity allowUnlisted=\"true\" enableProxyMode=\"true\" denyAction=\"Forbidden\" />", 0,
     NULL},
    {"<ipSecurity><add ipAddress=\"10.0.0.1\" allowed=\"true\" /><clear /></ipSecurity>", 0, NULL},
    {"<ipSecurity allowUnlisted=\"false\"><add ipAddress=\"10.0.0.1\" allowed=\"true\" />"
     "</ipSecurity>",
     0, NULL},
    {"<ipSecurity><add ipAddress=\"10.0.0.1\" allowed=\"false\" /><clear /></ipSecurity>", 0, NULL},
    /* dynamicIpSecurity */
    {"<dynamicIpSecurity><denyByConcurrentRequests enabled=\"true\" maxConcurrentRequests=\"9\" />"
     "</dynamicIpSecurity>",
     1, "<denyByConcurrentRequests enabled=\"true\">"},
    {"<dynamicIpSecurity><denyByRequestRate enabled=\"TRUE\" /></dynamicIpSecurity>", 1,
     "denyByRequestRate"},
    {"<dynamicIpSecurity><denyByRequestRate enabled=\"false\" /><denyByConcurrentRequests />"
     "</dynamicIpSecurity>",
     0, NULL},
    {"<dynamicIpSecurity enableLoggingOnlyMode=\"true\"><denyByRequestRate enabled=\"true\" />"
     "</dynamicIpSecurity>",
     0, NULL},
    /* requestFiltering: IIS's shipped entries and defaults */
    {"<requestFiltering><fileExtensions allowUnlisted=\"true\">"
     "<add fileExtension=\".config\" allowed=\"false\" />"
     "<add fileExtension=\".ASAX\" allowed=\"false\" /><add fileExtension=\".txt\" "
     "allowed=\"true\" />"
     "</fileExtensions><hiddenSegments><add segment=\"bin\" /><add segment=\"app_data\" />"
     "</hiddenSegments><verbs allowUnlisted=\"true\" />"
     "<requestLimits maxAllowedContentLength=\"30000000\" maxUrl=\"8192\" maxQueryString=\"2048\" "
     "/>"
     "<alwaysAllowedUrls><add url=\"/x\" /></alwaysAllowedUrls></requestFiltering>",
     0, NULL},
    {"<requestFiltering><denyUrlSequences><add sequence=\"..\" /></denyUrlSequences>"
     "</requestFiltering>",
     1, "<add sequence=\"..\"> restricts \"S/admin\""},
    {"<requestFiltering><denyQueryStringSequences><add sequence=\"x\" />"
     "</denyQueryStringSequences></requestFiltering>",
     1, "sequence=\"x\""},
    {"<requestFiltering><hiddenSegments><add segment=\"private\" /></hiddenSegments>"
     "</requestFiltering>",
     1, "segment=\"private\""},
    {"<requestFiltering><fileExtensions><add fileExtension=\".txt\" allowed=\"false\" />"
     "</fileExtensions></requestFiltering>",
     1, "fileExtension=\".txt\""},
    {"<requestFiltering><fileExtensions allowUnlisted=\"false\" /></requestFiltering>", 1,
     "<fileExtensions allowUnlisted=\"false\">"},
    {"<requestFiltering><verbs allowUnlisted=\"false\"><add verb=\"GET\" allowed=\"true\" />"
     "<add verb=\"TRACE\" allowed=\"false\" /></verbs></requestFiltering>",
     2, "<verbs allowUnlisted=\"false\">"},
    {"<requestFiltering><requestLimits maxUrl=\"1024\" /></requestFiltering>", 1,
     "<requestLimits maxUrl=\"1024\">"},
    {"<requestFiltering><requestLimits maxAllowedContentLength=\"1000\" maxQueryString=\"x\" />"
     "</requestFiltering>",
     2, "maxAllowedContentLength=\"1000\""},
    {"<requestFiltering><requestLimits><headerLimits><add header=\"Host\" sizeLimit=\"10\" />"
     "</headerLimits></requestLimits></requestFiltering>",
     1, "header=\"Host\""},
    {"<requestFiltering><filteringRules><filteringRule name=\"r\" scanUrl=\"true\" />"
     "</filteringRules></requestFiltering>",
     1, "<filteringRule name=\"r\""},
    {"<requestFiltering allowHighBitCharacters=\"false\" allowDoubleEscaping=\"false\" />", 1,
     "allowHighBitCharacters"},
    {"<requestFiltering><futureRule /></requestFiltering>", 1, "<futureRule>"},
    /* isapiCgiRestriction */
    {"<isapiCgiRestriction />", 0, NULL},
    {"<isapiCgiRestriction><add path=\"/x.cgi\" allowed=\"true\" /></isapiCgiRestriction>", 0,
     NULL},
    {"<isapiCgiRestriction notListedIsapisAllowed=\"false\" notListedCgisAllowed=\"true\" />", 1,
     "notListedIsapisAllowed"},
    {"<isapiCgiRestriction><add path=\"/x.dll\" allowed=\"false\" /></isapiCgiRestriction>", 1,
     "path=\"/x.dll\""},
};

static void
test_rules(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(rule_cases) / sizeof(rule_cases[0]); i++) {
        const struct rule_case *c = &rule_cases[i];
        struct certmap_diags d = {0};
        int n = check(c->security, "", &d);

        if (n != c->errors || (int)d.errors != c->errors ||
            (c->needle != NULL && tc_find_diag(&d, CERTMAP_SEV_ERROR, c->needle) < 0)) {
            fprintf(stderr, "case %zu: %s\n  want %d errors%s%s, got %d:\n", i, c->security,
                    c->errors, c->needle ? " with " : "", c->needle ? c->needle : "", n);
            tc_dump(&d);
            fail();
        }
        certmap_diags_free(&d);
    }
}

/* One diagnostic per rule: file:line, element, section, location, and what to do. */
static void
test_message(void **state)
{
    struct certmap_diags d = {0};
    char buf[2048];
    int i;

    (void)state;
    assert_int_equal(check("<dynamicIpSecurity>\n<denyByConcurrentRequests enabled=\"true\" />\n"
                           "<denyByRequestRate enabled=\"true\" /></dynamicIpSecurity>",
                           "", &d),
                     2);
    /* the load's note on the section comes first */
    i = tc_find_diag(&d, CERTMAP_SEV_ERROR, "<denyByConcurrentRequests enabled=\"true\">");
    assert_true(i >= 0 && (size_t)i + 1 < d.count);
    certmap_error_format(&d.items[i].err, buf, sizeof(buf));
    assert_string_equal(d.items[i].err.element, "denyByConcurrentRequests");
    assert_int_equal(d.items[i].err.line, 7);
    assert_int_equal(d.items[i + 1].err.line, 8);
    assert_non_null(strstr(buf, "applicationHost.config:7:"));
    assert_non_null(strstr(buf, "dynamicIpSecurity: <denyByConcurrentRequests enabled=\"true\"> "
                                "restricts \"S/admin\", but certmap does not enforce "
                                "system.webServer/security/dynamicIpSecurity: list it in "
                                "<certmap><server unenforcedSections> to run anyway"));
    certmap_diags_free(&d);
}

static void
test_server_level(void **state)
{
    struct certmap_diags d = {0};
    struct certmap_error err = {0};
    char *xml =
        doc("<requestFiltering><verbs allowUnlisted=\"false\" /></requestFiltering>", "", true);
    struct certmap_config *cfg = load(xml, &d, &err);

    (void)state;
    assert_non_null(cfg);
    assert_int_equal(certmap_config_check_unenforced(cfg, &d), 1);
    assert_true(tc_find_diag(&d, CERTMAP_SEV_ERROR, "restricts every site (server level)") >= 0);
    assert_string_equal(d.items[d.count - 1].err.attribute, "allowUnlisted");
    /* errors are counted without a diagnostics list too */
    assert_int_equal(certmap_config_check_unenforced(cfg, NULL), 1);
    assert_int_equal(certmap_config_check_unenforced(NULL, &d), -1);
    certmap_config_close(cfg);
    certmap_diags_free(&d);
    free(xml);
}

/* Listed sections turn their rules into warnings saying they are not enforced. */
static void
test_acknowledged(void **state)
{
    const char *sec = "<dynamicIpSecurity><denyByRequestRate enabled=\"true\" />"
                      "</dynamicIpSecurity>"
                      "<requestFiltering><denyUrlSequences><add sequence=\"..\" />"
                      "</denyUrlSequences></requestFiltering>";
    struct certmap_diags d = {0};

    (void)state;
    assert_int_equal(check(sec, "", &d), 2);
    certmap_diags_free(&d);

    memset(&d, 0, sizeof(d));
    assert_int_equal(check(sec,
                           "unenforcedSections=\" system.webServer/security/DynamicIpSecurity ,"
                           "REQUESTFILTERING\"",
                           &d),
                     0);
    assert_int_equal(d.errors, 0);
    assert_int_equal(tc_count_sev(&d, CERTMAP_SEV_WARNING), 2);
    assert_true(tc_find_diag(&d, CERTMAP_SEV_WARNING,
                             "<denyByRequestRate enabled=\"true\"> restricts \"S/admin\", but "
                             "it is NOT enforced") >= 0);
    certmap_diags_free(&d);

    /* another section listed acknowledges nothing here; "authorization" and "ipSecurity"
     * (enforced now) are still accepted in the list and acknowledge nothing */
    memset(&d, 0, sizeof(d));
    assert_int_equal(
        check(sec, "unenforcedSections=\"authorization, ipSecurity, requestFiltering\"", &d), 1);
    assert_true(tc_find_diag(&d, CERTMAP_SEV_ERROR, "<denyByRequestRate enabled=\"true\">") >= 0);
    certmap_diags_free(&d);
}

/* A name that is not a section certmap leaves unenforced: the file does not load. */
static void
test_unknown_name(void **state)
{
    static const char *const bad[] = {"ipSecurity, ipSecurty", "ipSecurity,,requestFiltering",
                                      "ipSecurity,", "system.webServer/authorization", "access"};

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct certmap_diags d = {0};
        struct certmap_error err = {0};
        char *attrs = tc_fmt("unenforcedSections=\"%s\"", bad[i]);
        char *xml = doc("", attrs, false);
        struct certmap_config *cfg = load(xml, &d, &err);

        if (cfg != NULL || tc_find_diag(&d, CERTMAP_SEV_ERROR,
                                        "(allowed: authorization, ipSecurity, dynamicIpSecurity, "
                                        "requestFiltering, isapiCgiRestriction") < 0) {
            fprintf(stderr, "list \"%s\":\n", bad[i]);
            tc_dump(&d);
            fail();
        }
        assert_true(tc_find_diag(&d, CERTMAP_SEV_ERROR, "<server> unenforcedSections:") >= 0);
        certmap_diags_free(&d);
        free(attrs);
        free(xml);
    }
}

/* Blank lists acknowledge nothing; names without spaces and in any order work. */
static void
test_list_syntax(void **state)
{
    const char *sec =
        "<dynamicIpSecurity><denyByRequestRate enabled=\"true\" /></dynamicIpSecurity>";
    struct certmap_diags d = {0};

    (void)state;
    assert_int_equal(check(sec, "unenforcedSections=\"\"", &d), 1);
    certmap_diags_free(&d);
    memset(&d, 0, sizeof(d));
    assert_int_equal(check(sec, "unenforcedSections=\"  \"", &d), 1);
    certmap_diags_free(&d);
    memset(&d, 0, sizeof(d));
    assert_int_equal(check(sec, "unenforcedSections=\"isapiCgiRestriction,dynamicIpSecurity\"", &d),
                     0);
    assert_int_equal(tc_count_sev(&d, CERTMAP_SEV_WARNING), 1);
    certmap_diags_free(&d);
}

/*
 * The whole IIS file: its server level (allow-all authorization, shipped
 * requestFiltering lists, allowUnlisted ipSecurity, empty isapiCgiRestriction)
 * and the intranet location's authorization rules (enforced now) are no
 * error; an unenforcedSections list naming authorization still loads.
 */
static void
test_iis_file(void **state)
{
    struct certmap_diags d = {0};
    struct certmap_error err = {0};
    char *xml = tc_fixture("applicationHost.config"), *acked, *end;
    struct certmap_config *cfg;

    (void)state;
    assert_non_null(xml);
    cfg = load(xml, &d, &err);
    assert_non_null(cfg);
    assert_int_equal(d.errors, 0);
    assert_int_equal(certmap_config_check_unenforced(cfg, &d), 0);
    assert_int_equal(d.errors, 0);
    certmap_config_close(cfg);
    certmap_diags_free(&d);

    end = strstr(xml, "</configuration>");
    assert_non_null(end);
    acked = tc_fmt("%.*s<certmap><server unenforcedSections=\"authorization\" /></certmap>\n%s",
                   (int)(end - xml), xml, end);
    memset(&d, 0, sizeof(d));
    cfg = load(acked, &d, &err);
    assert_non_null(cfg);
    assert_int_equal(certmap_config_check_unenforced(cfg, &d), 0);
    assert_int_equal(d.errors, 0);
    assert_int_equal(tc_count_sev(&d, CERTMAP_SEV_WARNING), 0);
    certmap_config_close(cfg);
    certmap_diags_free(&d);
    free(acked);
    free(xml);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules),        cmocka_unit_test(test_message),
        cmocka_unit_test(test_server_level), cmocka_unit_test(test_acknowledged),
        cmocka_unit_test(test_unknown_name), cmocka_unit_test(test_list_syntax),
        cmocka_unit_test(test_iis_file),
    };
    return cmocka_run_group_tests(tests, tc_group_setup, tc_group_teardown);
}
