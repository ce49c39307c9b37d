/*
 * test_webconfig.c - loading web.config files (webconfig.c) and the lock
 * model that decides what a web.config may set (lock.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "test_config_util.h"

#include "config/internal.h"
#include "config/webconfig.h"

#define WEB_PATH "/srv/www/app/web.config"

/* Loads a web.config from a string, named WEB_PATH; diags to d (may be NULL). */
static struct certmap_config *
web_load(const char *xml, struct certmap_diags *d)
{
    struct certmap_open_options o = {.skip_secrets = true};
    struct certmap_error err = {0};

    return webconfig_parse(WEB_PATH, xml, strlen(xml), &o, d, &err);
}

/* A web.config that must fail: its first error formatted contains needle. */
static void
web_fails(const char *xml, const char *needle)
{
    struct certmap_open_options o = {.skip_secrets = true};
    struct certmap_diags d = {0};
    struct certmap_error err = {0};
    struct certmap_config *cfg = webconfig_parse(WEB_PATH, xml, strlen(xml), &o, &d, &err);
    char buf[2048];

    assert_null(cfg);
    certmap_error_format(&err, buf, sizeof(buf));
    if (strstr(buf, needle) == NULL) {
        fprintf(stderr, "first error: %s\nexpected: %s\n", buf, needle);
        tc_dump(&d);
    }
    assert_non_null(strstr(buf, needle));
    certmap_diags_free(&d);
}

static void
test_load_ok(void **state)
{
    static const char xml[] =
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
        "<configuration>\n"
        "  <appSettings><add key=\"a\" value=\"b\" /></appSettings>\n"
        "  <system.web><compilation debug=\"false\" /></system.web>\n"
        "  <system.webServer>\n"
        "    <defaultDocument enabled=\"true\" />\n"
        "    <security>\n"
        "      <access sslFlags=\"Ssl, SslRequireCert\" />\n"
        "      <authentication><anonymousAuthentication enabled=\"false\" /></authentication>\n"
        "    </security>\n"
        "  </system.webServer>\n"
        "</configuration>\n";
    struct certmap_diags d = {0};
    struct certmap_config *cfg = web_load(xml, &d);
    struct certmap_error err = {0};
    struct certmap_element *e;
    unsigned flags = 0;

    (void)state;
    if (cfg == NULL)
        tc_dump(&d);
    assert_non_null(cfg);
    assert_true(webconfig_is(cfg));
    assert_int_equal(tc_count_sev(&d, CERTMAP_SEV_ERROR), 0);
    /* .NET sections are kept as notes, not refused */
    assert_true(tc_find_diag(&d, CERTMAP_SEV_NOTE, "appSettings") >= 0);
    e = certmap_config_get_section(cfg, CERTMAP_SECTION_ACCESS, "", &err);
    assert_non_null(e);
    assert_int_equal(certmap_element_get_flags(e, "sslFlags", &flags, &err), 0);
    assert_int_equal(flags, CERTMAP_SSL | CERTMAP_SSL_REQUIRE_CERT);
    /* certmap does not write web.config files */
    assert_int_equal(certmap_config_commit(cfg, &err), -1);
    assert_non_null(strstr(err.message, "web.config"));
    certmap_diags_free(&d);
    certmap_config_close(cfg);
}

static void
test_forbidden_sections(void **state)
{
    (void)state;
    web_fails("<configuration>\n"
              "  <system.applicationHost>\n"
              "    <sites><site name=\"S\" id=\"1\" /></sites>\n"
              "  </system.applicationHost>\n"
              "</configuration>\n",
              WEB_PATH ":2: <system.applicationHost> system.applicationHost can only be set in "
                       "applicationHost.config");
    web_fails("<configuration>\n"
              "\n"
              "  <certmap><server workers=\"2\" /></certmap>\n"
              "</configuration>\n",
              WEB_PATH ":3: <certmap> the <certmap> extensions are server-level");
    /* also inside a location */
    web_fails("<configuration>\n"
              "  <location path=\"sub\">\n"
              "    <certmap><logon provider=\"pam\" /></certmap>\n"
              "  </location>\n"
              "</configuration>\n",
              WEB_PATH ":3: <certmap>");
    /* redeclaring a section certmap implements */
    web_fails("<configuration>\n"
              "  <configSections>\n"
              "    <sectionGroup name=\"system.webServer\">\n"
              "      <sectionGroup name=\"security\">\n"
              "        <section name=\"access\" overrideModeDefault=\"Allow\" />\n"
              "      </sectionGroup>\n"
              "    </sectionGroup>\n"
              "  </configSections>\n"
              "</configuration>\n",
              WEB_PATH ":5: <section> name: system.webServer/security/access is declared by "
                       "applicationHost.config");
}

static void
test_own_declarations_allowed(void **state)
{
    static const char xml[] = "<configuration>\n"
                              "  <configSections>\n"
                              "    <section name=\"log4net\" type=\"x\" />\n"
                              "  </configSections>\n"
                              "  <log4net><root /></log4net>\n"
                              "</configuration>\n";
    struct certmap_config *cfg = web_load(xml, NULL);

    (void)state;
    assert_non_null(cfg);
    certmap_config_close(cfg);
}

static void
test_relative_location(void **state)
{
    static const char xml[] = "<configuration>\n"
                              "  <location path=\"/sub/dir/\">\n"
                              "    <system.webServer><security>\n"
                              "      <access sslFlags=\"Ssl\" />\n"
                              "    </security></system.webServer>\n"
                              "  </location>\n"
                              "</configuration>\n";
    struct certmap_config *cfg = web_load(xml, NULL);
    struct certmap_error err = {0};
    unsigned flags = 99;

    (void)state;
    assert_non_null(cfg);
    /* kept relative to the web.config's directory, normalised */
    assert_int_equal(certmap_config_location_count(cfg), 2);
    assert_string_equal(certmap_config_location_path(cfg, 1), "sub/dir");
    assert_int_equal(certmap_element_get_flags(
                         certmap_config_get_section(cfg, CERTMAP_SECTION_ACCESS, "sub/dir/x", &err),
                         "sslFlags", &flags, &err),
                     0);
    assert_int_equal(flags, CERTMAP_SSL);
    assert_int_equal(
        certmap_element_get_flags(certmap_config_get_section(cfg, CERTMAP_SECTION_ACCESS, "", &err),
                                  "sslFlags", &flags, &err),
        0);
    assert_int_equal(flags, CERTMAP_SSL_NONE);
    certmap_config_close(cfg);

    web_fails("<configuration>\n"
              "  <location path=\"sub/../../other\" />\n"
              "</configuration>\n",
              WEB_PATH ":2: <location> path: a web.config location path may not contain \"..\"");
}

static void
test_malformed(void **state)
{
    (void)state;
    web_fails("<configuration>\n"
              "  <system.webServer>\n"
              "    <security>\n"
              "  </system.webServer>\n"
              "</configuration>\n",
              WEB_PATH ":4: malformed XML");
    web_fails("<configuration>\n"
              "  <system.webServer><security>\n"
              "    <access sslFlags=\"SslReqCert\" />\n"
              "  </security></system.webServer>\n"
              "</configuration>\n",
              WEB_PATH ":3: <access> sslFlags: unknown flag");
    web_fails("<config/>\n", WEB_PATH ":1: <config> the root element must be <configuration>");
}

static void
test_open_file(void **state)
{
    struct certmap_open_options o = {.skip_secrets = true};
    struct certmap_diags d = {0};
    struct certmap_error err = {0};
    struct certmap_config *cfg = (struct certmap_config *)1;
    char *dir = fixture_tmpdir(), *missing, *path, *bad;
    static const char good[] = "<configuration><system.webServer><security>"
                               "<access sslFlags=\"Ssl\" /></security></system.webServer>"
                               "</configuration>\n";
    static const char broken[] = "<configuration>\n<system.webServer>\n</configuration>\n";

    (void)state;
    assert_non_null(dir);
    /* no file: no web.config, not an error */
    missing = tc_fmt("%s/web.config", dir);
    assert_int_equal(webconfig_open(missing, &o, &cfg, &d, &err), 0);
    assert_null(cfg);
    assert_int_equal(d.count, 0);

    path = fixture_write(dir, "web.config", good, strlen(good));
    assert_int_equal(webconfig_open(path, &o, &cfg, &d, &err), 0);
    assert_non_null(cfg);
    assert_true(webconfig_is(cfg));
    certmap_config_close(cfg);

    bad = fixture_write(dir, "bad.config", broken, strlen(broken));
    assert_int_equal(webconfig_open(bad, &o, &cfg, &d, &err), -1);
    assert_null(cfg);
    assert_string_equal(err.file, bad);
    assert_int_equal(err.line, 3);

    /* unreadable (a directory where the file should be): an error, not "no web.config" */
    free(missing);
    missing = tc_fmt("%s/sub", dir);
    assert_int_equal(mkdir(missing, 0700), 0);
    assert_int_equal(webconfig_open(missing, &o, &cfg, &d, &err), -1);
    assert_null(cfg);
    assert_string_equal(err.file, missing);

    certmap_diags_free(&d);
    free(missing);
    free(path);
    free(bad);
    fixture_rmtree(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_ok),
        cmocka_unit_test(test_forbidden_sections),
        cmocka_unit_test(test_own_declarations_allowed),
        cmocka_unit_test(test_relative_location),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_open_file),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
