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

#include "config/document.h"
#include "config/handle.h"
#include "config/save.h"
#include "config/lock.h"
#include "config/webconfig.h"
#include "config/lock.h"
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

/* ---- locking attributes in the loader ---- */

static struct certmap_config *
host_load(const char *xml)
{
    struct certmap_open_options o = {.skip_secrets = true};
    struct certmap_diags d = {0};
    struct certmap_error err = {0};
    struct certmap_config *cfg =
        certmap_config_parse("applicationHost.config", xml, strlen(xml), &o, &d, &err);

    if (cfg == NULL)
        tc_dump(&d);
    certmap_diags_free(&d);
    assert_non_null(cfg);
    return cfg;
}

static void
test_lock_attrs_accepted_and_saved(void **state)
{
    char *xml =
        tc_subst("<configuration>\n"
                 "  <system.webServer><security>\n"
                 "    <access sslFlags=\"Ssl\" lockAttributes=\"sslFlags\" />\n"
                 "    <authentication>\n"
                 "      <iisClientCertificateMappingAuthentication enabled=\"true\"\n"
                 "          lockElements=\"oneToOneMappings\" lockAllAttributesExcept=\"\">\n"
                 "        <oneToOneMappings lockElements=\"clear, remove\">\n"
                 "          <add certificate=\"@CERT1@\" userName=\"u\" lockItem=\"true\" />\n"
                 "        </oneToOneMappings>\n"
                 "      </iisClientCertificateMappingAuthentication>\n"
                 "    </authentication>\n"
                 "  </security></system.webServer>\n"
                 "</configuration>\n");
    struct certmap_config *cfg;
    struct certmap_error err = {0};
    char *out = NULL;
    size_t len = 0;

    (void)state;
    assert_non_null(xml);
    cfg = host_load(xml);
    /* a change elsewhere in the start tag keeps the lock (the tag is regenerated) */
    assert_int_equal(
        certmap_element_set(certmap_config_get_section(cfg, CERTMAP_SECTION_ACCESS, "", &err),
                            "sslFlags", "Ssl, SslRequireCert", &err),
        0);
    assert_int_equal(cfg_save_document(cfg, &out, &len), 0);
    assert_non_null(
        strstr(out, "<access sslFlags=\"Ssl, SslRequireCert\" lockAttributes=\"sslFlags\""));
    assert_non_null(strstr(out, "lockItem=\"true\""));
    assert_non_null(strstr(out, "lockElements=\"clear, remove\""));
    free(out);
    certmap_config_close(cfg);
    free(xml);
}

static void
test_lock_attrs_checked(void **state)
{
    struct certmap_open_options o = {.skip_secrets = true};
    struct certmap_diags d = {0};
    struct certmap_error err = {0};
    static const char bad[] = "<configuration>\n"
                              "  <system.webServer><security>\n"
                              "    <access lockAttributes=\"sslFlag\" lockItem=\"yes\" />\n"
                              "  </security></system.webServer>\n"
                              "</configuration>\n";

    (void)state;
    assert_null(certmap_config_parse("applicationHost.config", bad, strlen(bad), &o, &d, &err));
    assert_true(tc_find_diag(&d, CERTMAP_SEV_ERROR,
                             ":3: <access> lockAttributes: <access> has no attribute named "
                             "\"sslFlag\"") >= 0);
    assert_true(tc_find_diag(&d, CERTMAP_SEV_ERROR, ":3: <access> lockItem: not a boolean") >= 0);
    certmap_diags_free(&d);
}

/* ---- the lock model ---- */

static const char web_access[] = "<configuration>\n"
                                 "  <system.webServer>\n"
                                 "    <security>\n"
                                 "      <access sslFlags=\"Ssl, SslRequireCert\" />\n"
                                 "    </security>\n"
                                 "  </system.webServer>\n"
                                 "</configuration>\n";

/* Checks web (a string) under one applicationHost.config (a string) at path; violations to v. */
static void
check1(const char *host_xml, const char *path, const char *web_xml, struct lock_violations *v)
{
    struct certmap_config *host = host_load(host_xml), *web = web_load(web_xml, NULL);
    struct lock_layer layer = {host, path};
    struct certmap_error err = {0};

    assert_non_null(web);
    assert_int_equal(lock_check_webconfig(&layer, 1, web, v, &err), 0);
    for (size_t i = 0; i < v->count; i++)
        fprintf(stderr, "  violation: %s\n", v->items[i].message);
    certmap_config_close(web);
    certmap_config_close(host);
}

static const char host_plain[] = "<configuration>\n"
                                 "  <system.webServer><security>\n"
                                 "    <access sslFlags=\"None\" />\n"
                                 "  </security></system.webServer>\n"
                                 "</configuration>\n";

static void
test_default_deny_access(void **state)
{
    struct lock_violations v = {0};

    (void)state;
    check1(host_plain, "Site/app", web_access, &v);
    assert_int_equal(v.count, 1);
    assert_string_equal(v.items[0].section, CERTMAP_SECTION_ACCESS);
    assert_string_equal(v.items[0].file, WEB_PATH);
    assert_int_equal(v.items[0].line, 4);
    assert_string_equal(v.items[0].lock_file, "");
    assert_int_equal(v.items[0].lock_line, 0);
    assert_string_equal(v.items[0].message,
                        WEB_PATH ":4: access: this configuration section cannot be used at this "
                                 "path (locked by IIS default overrideModeDefault=\"Deny\")");
    lock_violations_free(&v);
}

static void
test_default_allow_unimplemented(void **state)
{
    struct lock_violations v = {0};
    static const char web[] = "<configuration><system.webServer>\n"
                              "  <defaultDocument enabled=\"true\" />\n"
                              "  <security><ipSecurity allowUnlisted=\"false\" /></security>\n"
                              "</system.webServer></configuration>\n";

    (void)state;
    /* defaultDocument Allow, ipSecurity Deny: one violation */
    check1(host_plain, "Site", web, &v);
    assert_int_equal(v.count, 1);
    assert_string_equal(v.items[0].section, "system.webServer/security/ipSecurity");
    assert_int_equal(v.items[0].line, 3);
    lock_violations_free(&v);
}

static void
test_declared_default(void **state)
{
    struct lock_violations v = {0};
    static const char host[] =
        "<configuration>\n"
        "  <configSections>\n"
        "    <sectionGroup name=\"system.webServer\">\n"
        "      <sectionGroup name=\"security\">\n"
        "        <section name=\"access\" overrideModeDefault=\"Allow\" />\n"
        "      </sectionGroup>\n"
        "      <section name=\"defaultDocument\" overrideModeDefault=\"Deny\" />\n"
        "    </sectionGroup>\n"
        "  </configSections>\n"
        "</configuration>\n";
    static const char web[] = "<configuration><system.webServer>\n"
                              "  <defaultDocument enabled=\"true\" />\n"
                              "  <security><access sslFlags=\"Ssl\" /></security>\n"
                              "</system.webServer></configuration>\n";

    (void)state;
    check1(host, "Site", web, &v);
    assert_int_equal(v.count, 1);
    assert_string_equal(v.items[0].section, "system.webServer/defaultDocument");
    assert_string_equal(v.items[0].lock_file, "applicationHost.config");
    assert_int_equal(v.items[0].lock_line, 7);
    assert_non_null(strstr(v.items[0].message,
                           "(locked by applicationHost.config:7 overrideModeDefault=\"Deny\")"));
    lock_violations_free(&v);
}

static void
test_override_allow_on_site(void **state)
{
    struct lock_violations v = {0};
    static const char host[] =
        "<configuration>\n"
        "  <location path=\"Site\" overrideMode=\"Allow\">\n"
        "    <system.webServer><security><access /></security></system.webServer>\n"
        "  </location>\n"
        "</configuration>\n";
    static const char host_empty_loc[] =
        "<configuration>\n"
        "  <location path=\"Site\" overrideMode=\"Allow\">\n"
        "    <system.webServer><security><authorization /></security>"
        "</system.webServer>\n"
        "  </location>\n"
        "</configuration>\n";

    (void)state;
    check1(host, "Site/app", web_access, &v);
    assert_int_equal(v.count, 0);
    /* another site is still under the default */
    check1(host, "Other/app", web_access, &v);
    assert_int_equal(v.count, 1);
    lock_violations_free(&v);
    /* an override mode applies to the sections inside its <location> only */
    check1(host_empty_loc, "Site/app", web_access, &v);
    assert_int_equal(v.count, 1);
    lock_violations_free(&v);
}

static void
test_more_specific_deny_wins(void **state)
{
    struct lock_violations v = {0};
    static const char host[] =
        "<configuration>\n"
        "  <location path=\"\" overrideMode=\"Allow\">\n"
        "    <system.webServer><security><access /></security></system.webServer>\n"
        "  </location>\n"
        "  <location path=\"Site/app\" overrideMode=\"Deny\">\n"
        "    <system.webServer><security><access sslFlags=\"Ssl\" "
        "/></security></system.webServer>\n"
        "  </location>\n"
        "  <location path=\"Site/app/open\" overrideMode=\"Inherit\">\n"
        "    <system.webServer><security><access /></security></system.webServer>\n"
        "  </location>\n"
        "</configuration>\n";

    (void)state;
    check1(host, "Site", web_access, &v);
    assert_int_equal(v.count, 0);
    check1(host, "Site/app/open", web_access, &v);
    assert_int_equal(v.count, 1);
    assert_string_equal(v.items[0].message,
                        WEB_PATH ":4: access: this configuration section cannot be used at this "
                                 "path (locked by applicationHost.config:5 overrideMode=\"Deny\")");
    lock_violations_free(&v);
}

static void
test_allow_override_false(void **state)
{
    struct lock_violations v = {0};
    static const char host[] =
        "<configuration>\n"
        "  <configSections><sectionGroup name=\"system.webServer\"><sectionGroup name=\"security\">"
        "<section name=\"access\" overrideModeDefault=\"Allow\" />"
        "</sectionGroup></sectionGroup></configSections>\n"
        "  <location path=\"Site\" allowOverride=\"false\">\n"
        "    <system.webServer><security><access sslFlags=\"Ssl\" "
        "/></security></system.webServer>\n"
        "  </location>\n"
        "</configuration>\n";

    (void)state;
    check1(host, "Site/app", web_access, &v);
    assert_int_equal(v.count, 1);
    assert_int_equal(v.items[0].lock_line, 3);
    assert_non_null(strstr(v.items[0].message, "allowOverride=\"false\""));
    lock_violations_free(&v);
    /* a sibling site is not affected */
    check1(host, "Sitex/app", web_access, &v);
    assert_int_equal(v.count, 0);
}

static void
test_lock_attributes_sslflags(void **state)
{
    struct lock_violations v = {0};
    static const char host[] = "<configuration>\n"
                               "  <location path=\"Site\" overrideMode=\"Allow\">\n"
                               "    <system.webServer>\n"
                               "      <security>\n"
                               "        <access sslFlags=\"Ssl\" lockAttributes=\"sslFlags\" />\n"
                               "      </security>\n"
                               "    </system.webServer>\n"
                               "  </location>\n"
                               "</configuration>\n";
    static const char web_empty[] = "<configuration><system.webServer><security>\n"
                                    "<access />\n"
                                    "</security></system.webServer></configuration>\n";

    (void)state;
    check1(host, "Site/app", web_access, &v);
    assert_int_equal(v.count, 1);
    assert_string_equal(v.items[0].name, "sslFlags");
    assert_int_equal(v.items[0].line, 4);
    assert_string_equal(v.items[0].lock_file, "applicationHost.config");
    assert_int_equal(v.items[0].lock_line, 5);
    assert_string_equal(v.items[0].message, WEB_PATH
                        ":4: access: sslFlags: this attribute is locked at a parent level "
                        "(locked by applicationHost.config:5 lockAttributes=\"sslFlags\")");
    lock_violations_free(&v);
    /* the section itself stays allowed */
    check1(host, "Site/app", web_empty, &v);
    assert_int_equal(v.count, 0);
}

static void
test_lock_all_attributes_except_and_elements(void **state)
{
    struct lock_violations v = {0};
    char *host = tc_subst("<configuration>\n"
                          "  <location path=\"Site\" overrideMode=\"Allow\">\n"
                          "    <system.webServer><security><authentication>\n"
                          "      <iisClientCertificateMappingAuthentication enabled=\"true\"\n"
                          "          lockAllAttributesExcept=\"defaultLogonDomain\">\n"
                          "        <oneToOneMappings lockElements=\"clear\">\n"
                          "          <add certificate=\"@CERT1@\" userName=\"u\" />\n"
                          "        </oneToOneMappings>\n"
                          "      </iisClientCertificateMappingAuthentication>\n"
                          "    </authentication></security></system.webServer>\n"
                          "  </location>\n"
                          "</configuration>\n");
    static const char web[] = "<configuration><system.webServer><security><authentication>\n"
                              "  <iisClientCertificateMappingAuthentication\n"
                              "      defaultLogonDomain=\"D\" enabled=\"false\">\n"
                              "    <oneToOneMappings>\n"
                              "      <clear />\n"
                              "    </oneToOneMappings>\n"
                              "  </iisClientCertificateMappingAuthentication>\n"
                              "</authentication></security></system.webServer></configuration>\n";

    (void)state;
    check1(host, "Site", web, &v);
    assert_int_equal(v.count, 2);
    assert_string_equal(v.items[0].name, "enabled");
    assert_int_equal(v.items[0].line, 3);
    assert_int_equal(v.items[0].lock_line, 5);
    assert_string_equal(v.items[1].name, "clear");
    assert_int_equal(v.items[1].line, 5);
    assert_int_equal(v.items[1].lock_line, 6);
    lock_violations_free(&v);
    free(host);
}

static void
test_lock_item(void **state)
{
    struct lock_violations v = {0};
    char *host =
        tc_subst("<configuration>\n"
                 "  <location path=\"Site\" overrideMode=\"Allow\">\n"
                 "    <system.webServer><security><authentication>\n"
                 "      <iisClientCertificateMappingAuthentication enabled=\"true\">\n"
                 "        <oneToOneMappings>\n"
                 "          <add certificate=\"@CERT1@\" userName=\"admin\" lockItem=\"true\" />\n"
                 "          <add certificate=\"@CERT2@\" userName=\"other\" />\n"
                 "        </oneToOneMappings>\n"
                 "      </iisClientCertificateMappingAuthentication>\n"
                 "    </authentication></security></system.webServer>\n"
                 "  </location>\n"
                 "</configuration>\n");
    /* the locked certificate, as PEM-free base64 with line breaks: the same DER */
    char *web_rm = tc_fmt("<configuration><system.webServer><security><authentication>\n"
                          "  <iisClientCertificateMappingAuthentication>\n"
                          "    <oneToOneMappings>\n"
                          "      <remove certificate=\"%s\" />\n"
                          "      <remove certificate=\"%s\" />\n"
                          "    </oneToOneMappings>\n"
                          "  </iisClientCertificateMappingAuthentication>\n"
                          "</authentication></security></system.webServer></configuration>\n",
                          tc_iis[1], tc_wrapped[0]);
    static const char web_clear[] = "<configuration><system.webServer><security><authentication>\n"
                                    "  <iisClientCertificateMappingAuthentication>\n"
                                    "    <oneToOneMappings>\n"
                                    "      <clear />\n"
                                    "    </oneToOneMappings>\n"
                                    "  </iisClientCertificateMappingAuthentication>\n"
                                    "</authentication></security></system.webServer>"
                                    "</configuration>\n";

    (void)state;
    check1(host, "Site", web_rm, &v);
    /* removing the unlocked one is fine, the locked one is not */
    assert_int_equal(v.count, 1);
    assert_string_equal(v.items[0].name, "remove");
    assert_int_equal(v.items[0].line, 5);
    assert_int_equal(v.items[0].lock_line, 6);
    assert_non_null(strstr(v.items[0].message,
                           "iisClientCertificateMappingAuthentication: remove: "
                           "this collection item is locked at a parent level "
                           "(locked by applicationHost.config:6 lockItem=\"true\")"));
    lock_violations_free(&v);
    check1(host, "Site", web_clear, &v);
    assert_int_equal(v.count, 1);
    assert_string_equal(v.items[0].name, "clear");
    assert_int_equal(v.items[0].line, 4);
    lock_violations_free(&v);
    free(web_rm);
    free(host);
}

static void
test_outer_webconfig_locks_inner(void **state)
{
    static const char host[] =
        "<configuration>\n"
        "  <location path=\"Site\" overrideMode=\"Allow\">\n"
        "    <system.webServer><security><access /></security></system.webServer>\n"
        "  </location>\n"
        "</configuration>\n";
    /* the site root's web.config: sets access itself, locks it for app/secure */
    static const char outer_xml[] =
        "<configuration>\n"
        "  <system.webServer><security><access sslFlags=\"Ssl\" /></security></system.webServer>\n"
        "  <location path=\"app/secure\" overrideMode=\"Deny\">\n"
        "    <system.webServer><security>\n"
        "      <access sslFlags=\"Ssl, SslRequireCert\" />\n"
        "    </security></system.webServer>\n"
        "  </location>\n"
        "  <location path=\"app\">\n"
        "    <system.webServer><security>\n"
        "      <access lockAttributes=\"sslFlags\" />\n"
        "    </security></system.webServer>\n"
        "  </location>\n"
        "</configuration>\n";
    static const char inner_xml[] = "<configuration>\n"
                                    "  <location path=\"secure\">\n"
                                    "    <system.webServer><security>\n"
                                    "      <access />\n"
                                    "    </security></system.webServer>\n"
                                    "  </location>\n"
                                    "</configuration>\n";
    struct certmap_open_options o = {.skip_secrets = true};
    struct certmap_error err = {0};
    struct certmap_config *hc = host_load(host);
    struct certmap_config *outer =
        webconfig_parse("/srv/www/web.config", outer_xml, strlen(outer_xml), &o, NULL, &err);
    struct certmap_config *inner = web_load(inner_xml, NULL);
    struct certmap_config *inner2 = web_load(web_access, NULL);
    struct lock_violations v = {0};
    /* the inner web.config lives in /srv/www/app = Site/app */
    struct lock_layer layers[] = {{hc, "Site/app"}, {outer, "app"}};
    struct lock_layer outer_only[] = {{hc, "Site"}};

    (void)state;
    assert_non_null(outer);
    assert_non_null(inner);
    assert_non_null(inner2);
    /* the outer one itself is allowed by applicationHost.config */
    assert_int_equal(lock_check_webconfig(outer_only, 1, outer, &v, &err), 0);
    assert_int_equal(v.count, 0);
    /* the inner one's <location path="secure"> is Site/app/secure: denied by the outer one */
    assert_int_equal(lock_check_webconfig(layers, 2, inner, &v, &err), 0);
    assert_int_equal(v.count, 1);
    assert_string_equal(v.items[0].lock_file, "/srv/www/web.config");
    assert_int_equal(v.items[0].lock_line, 3);
    assert_int_equal(v.items[0].line, 4);
    lock_violations_free(&v);
    /* at its root (Site/app), sslFlags is locked by the outer one's lockAttributes */
    assert_int_equal(lock_check_webconfig(layers, 2, inner2, &v, &err), 0);
    assert_int_equal(v.count, 1);
    assert_string_equal(v.items[0].name, "sslFlags");
    assert_int_equal(v.items[0].lock_line, 10);
    lock_violations_free(&v);
    /* without the outer layer, applicationHost.config alone allows both */
    assert_int_equal(lock_check_webconfig(layers, 1, inner, &v, &err), 0);
    assert_int_equal(lock_check_webconfig(layers, 1, inner2, &v, &err), 0);
    assert_int_equal(v.count, 0);
    certmap_config_close(inner2);
    certmap_config_close(inner);
    certmap_config_close(outer);
    certmap_config_close(hc);
}

static void
test_lock_item_on_section_and_apphost_only(void **state)
{
    struct lock_violations v = {0};
    static const char host[] = "<configuration>\n"
                               "  <location path=\"Site\" overrideMode=\"Allow\">\n"
                               "    <system.webServer><security><access lockItem=\"true\" "
                               "/></security></system.webServer>\n"
                               "  </location>\n"
                               "</configuration>\n";
    static const char web[] = "<configuration><system.webServer><security>\n"
                              "  <isapiCgiRestriction />\n"
                              "</security></system.webServer></configuration>\n";

    (void)state;
    check1(host, "Site", web_access, &v);
    assert_int_equal(v.count, 1);
    assert_int_equal(v.items[0].lock_line, 3);
    assert_non_null(strstr(v.items[0].message, "lockItem=\"true\""));
    lock_violations_free(&v);
    check1(host_plain, "Site", web, &v);
    assert_int_equal(v.count, 1);
    assert_string_equal(v.items[0].section, "system.webServer/security/isapiCgiRestriction");
    lock_violations_free(&v);
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
        cmocka_unit_test(test_lock_attrs_accepted_and_saved),
        cmocka_unit_test(test_lock_attrs_checked),
        cmocka_unit_test(test_default_deny_access),
        cmocka_unit_test(test_default_allow_unimplemented),
        cmocka_unit_test(test_declared_default),
        cmocka_unit_test(test_override_allow_on_site),
        cmocka_unit_test(test_more_specific_deny_wins),
        cmocka_unit_test(test_allow_override_false),
        cmocka_unit_test(test_lock_attributes_sslflags),
        cmocka_unit_test(test_lock_all_attributes_except_and_elements),
        cmocka_unit_test(test_lock_item),
        cmocka_unit_test(test_outer_webconfig_locks_inner),
        cmocka_unit_test(test_lock_item_on_section_and_apphost_only),
    };

    int rc;

    if (tc_make_certs() != 0)
        return 1;
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    tc_free_certs();
    return rc;
}
