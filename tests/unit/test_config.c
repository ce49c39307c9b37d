/*
 * test_config.c - loading, schema types and defaults, <location> inheritance,
 * collections (clear/remove/duplicates) and effective reads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_config_util.h"

static struct certmap_config *
load(const char *xml, struct certmap_diags *d)
{
    struct certmap_open_options o = {.skip_secrets = true};
    struct certmap_error err = {0};
    struct certmap_config *cfg =
        certmap_config_parse("applicationHost.config", xml, strlen(xml), &o, d, &err);
    if (cfg == NULL && d != NULL)
        tc_dump(d);
    return cfg;
}

static struct certmap_config *
load_fixture(const char *name, struct certmap_diags *d)
{
    char *xml = tc_fixture(name);
    struct certmap_config *cfg;

    assert_non_null(xml);
    cfg = load(xml, d);
    free(xml);
    return cfg;
}

static struct certmap_element *
section(struct certmap_config *cfg, const char *path, const char *loc)
{
    struct certmap_error err = {0};
    struct certmap_element *e = certmap_config_get_section(cfg, path, loc, &err);

    if (e == NULL)
        fprintf(stderr, "get_section: %s\n", err.message);
    assert_non_null(e);
    return e;
}

/* A configuration wrapped around a fragment of system.webServer at the server level. */
static char *
web(const char *inner)
{
    return tc_fmt("<?xml version=\"1.0\"?>\n<configuration>\n<system.webServer>\n%s\n"
                  "</system.webServer>\n</configuration>\n",
                  inner);
}

/* Loads xml that must fail; returns the diags (caller frees). */
static void
expect_error(const char *xml, const char *needle)
{
    struct certmap_diags d = {0};
    struct certmap_config *cfg;
    struct certmap_open_options o = {.skip_secrets = true};
    struct certmap_error err = {0};

    cfg = certmap_config_parse("applicationHost.config", xml, strlen(xml), &o, &d, &err);
    if (cfg != NULL || tc_find_diag(&d, CERTMAP_SEV_ERROR, needle) < 0) {
        fprintf(stderr, "expected an error containing: %s\n", needle);
        tc_dump(&d);
    }
    assert_null(cfg);
    assert_int_not_equal(err.kind, CERTMAP_ERR_NONE);
    assert_true(tc_find_diag(&d, CERTMAP_SEV_ERROR, needle) >= 0);
    certmap_diags_free(&d);
}

static void
expect_error_web(const char *inner, const char *needle)
{
    char *xml = web(inner);
    expect_error(xml, needle);
    free(xml);
}

/* Loads a fragment whose only error disables one item: the rest loads. */
static void
expect_item_error_web(const char *inner, const char *needle)
{
    struct certmap_diags d = {0};
    struct certmap_config *cfg;
    struct certmap_open_options o = {.skip_secrets = true};
    struct certmap_error err = {0};
    char *xml = web(inner);
    int i;

    cfg = certmap_config_parse("applicationHost.config", xml, strlen(xml), &o, &d, &err);
    i = tc_find_diag(&d, CERTMAP_SEV_ERROR, needle);
    if (cfg == NULL || i < 0) {
        fprintf(stderr, "expected an item error containing: %s\n", needle);
        tc_dump(&d);
    }
    assert_non_null(cfg);
    assert_true(i >= 0);
    assert_true(d.items[i].item);
    assert_int_equal(d.errors, 1);
    assert_int_equal(d.item_errors, 1);
    certmap_config_close(cfg);
    certmap_diags_free(&d);
    free(xml);
}

/* ---- the seed's sample ---- */

static void
test_seed_sample_loads(void **state)
{
    struct certmap_diags d = {0};
    struct certmap_config *cfg = load_fixture("seed_sample.config", &d);
    struct certmap_element *auth, *access, *item;
    struct certmap_collection *maps;
    struct certmap_error err = {0};
    unsigned flags = 0;
    bool b = false;
    char *pw = NULL;

    (void)state;
    assert_non_null(cfg);
    assert_int_equal(d.errors, 0);
    /* the plain-text password is a warning, not an error */
    assert_true(tc_find_diag(&d, CERTMAP_SEV_WARNING,
                             "applicationHost.config:26: <add> password: plain-text password") >=
                0);
    auth = section(cfg, CERTMAP_SECTION_CERTMAPPING, "Default Web Site");
    assert_int_equal(certmap_element_get_bool(auth, "enabled", &b, &err), 0);
    assert_true(b);
    /* the server level has none of it: defaults */
    assert_false(certmap_element_get_bool(section(cfg, CERTMAP_SECTION_CERTMAPPING, NULL),
                                          "enabled", &b, &err));
    assert_false(b);
    access = section(cfg, CERTMAP_SECTION_ACCESS, "Default Web Site/anything/below");
    assert_int_equal(certmap_element_get_flags(access, "sslFlags", &flags, &err), 0);
    assert_int_equal(flags, CERTMAP_SSL | CERTMAP_SSL_NEGOTIATE_CERT);
    assert_string_equal(certmap_element_get(access, "sslFlags"), "Ssl, SslNegotiateCert");
    maps = certmap_element_collection(auth, "oneToOneMappings", &err);
    assert_non_null(maps);
    assert_int_equal(certmap_collection_count(maps), 1);
    item = certmap_collection_item(maps, 0);
    assert_string_equal(certmap_element_name(item), "add");
    assert_string_equal(certmap_element_get(item, "userName"), "Username");
    assert_string_equal(certmap_element_get(item, "enabled"), "true");
    assert_string_equal(certmap_element_get(item, "certificate"), tc_iis[0]);
    assert_int_equal(certmap_element_get_secret(item, "password", &pw, &err), 0);
    assert_string_equal(pw, "Password");
    free(pw);
    /* found by certificate in any form */
    assert_ptr_equal(certmap_collection_find(maps, tc_pem[0]), item);
    assert_ptr_equal(certmap_collection_find(maps, tc_wrapped[0]), item);
    assert_null(certmap_collection_find(maps, tc_pem[1]));
    assert_null(certmap_collection_find(maps, "garbage"));
    /* windowsAuthentication enabled="false" is fine; the site's https extension attributes too */
    assert_int_equal(tc_find_diag(&d, CERTMAP_SEV_WARNING, "windowsAuthentication"), -1);
    certmap_diags_free(&d);
    certmap_config_close(cfg);
}

/* ---- types and defaults ---- */

struct dflt {
    const char *section, *attr, *value;
};

static void
test_defaults(void **state)
{
    static const struct dflt dflts[] = {
        {CERTMAP_SECTION_ACCESS, "sslFlags", "None"},
        {CERTMAP_SECTION_ANONYMOUS, "enabled", "false"},
        {CERTMAP_SECTION_ANONYMOUS, "userName", "IUSR"},
        {CERTMAP_SECTION_ANONYMOUS, "password", ""},
        {CERTMAP_SECTION_ANONYMOUS, "logonMethod", "ClearText"},
        {CERTMAP_SECTION_BASIC, "enabled", "false"},
        {CERTMAP_SECTION_BASIC, "realm", ""},
        {CERTMAP_SECTION_BASIC, "defaultLogonDomain", ""},
        {CERTMAP_SECTION_BASIC, "logonMethod", "ClearText"},
        {CERTMAP_SECTION_CERTMAPPING, "enabled", "false"},
        {CERTMAP_SECTION_CERTMAPPING, "oneToOneCertificateMappingsEnabled", "true"},
        {CERTMAP_SECTION_CERTMAPPING, "manyToOneCertificateMappingsEnabled", "true"},
        {CERTMAP_SECTION_CERTMAPPING, "defaultLogonDomain", ""},
        {CERTMAP_SECTION_CERTMAPPING, "logonMethod", "ClearText"},
        {"system.webServer/security/authentication/windowsAuthentication", "enabled", "false"},
        {"system.webServer/security/authentication/digestAuthentication", "enabled", "false"},
        {"system.webServer/security/authentication/digestAuthentication", "realm", ""},
        {CERTMAP_SECTION_LOGON, "provider", "file"},
        {CERTMAP_SECTION_LOGON, "accountsFile", "accounts"},
        {CERTMAP_SECTION_LOGON, "pamService", "certmap"},
        {CERTMAP_SECTION_LOGON, "cacheSeconds", "300"},
        {CERTMAP_SECTION_LOGON, "negativeCacheSeconds", "5"},
        {CERTMAP_SECTION_LOGON, "threads", "4"},
        {CERTMAP_SECTION_LIMITS, "maxConnections", "10000"},
        {CERTMAP_SECTION_LIMITS, "headerTimeoutSeconds", "10"},
        {CERTMAP_SECTION_LIMITS, "requestTimeoutSeconds", "60"},
        {CERTMAP_SECTION_LIMITS, "idleTimeoutSeconds", "120"},
        {CERTMAP_SECTION_LIMITS, "maxRequestLineBytes", "8192"},
        {CERTMAP_SECTION_LIMITS, "maxHeaderBytes", "16384"},
        {CERTMAP_SECTION_LIMITS, "maxHeaderCount", "100"},
        {CERTMAP_SECTION_LIMITS, "maxBodyBytes", "30000000"},
        {CERTMAP_SECTION_LIMITS, "shutdownGraceSeconds", "30"},
        {CERTMAP_SECTION_LIMITS, "maxClientCertChainBytes", "32768"},
        {CERTMAP_SECTION_SERVER, "workers", "0"},
        {CERTMAP_SECTION_SERVER, "errorLog", "certmapd.log"},
        {CERTMAP_SECTION_SERVER, "logDirectory", "logs"},
        {CERTMAP_SECTION_SERVER, "allowBasicWithoutSsl", "false"},
        {CERTMAP_SECTION_SERVER, "sessionTicketSeconds", "7200"},
        {CERTMAP_SECTION_SERVER, "sessionTicketCount", "1"},
    };
    struct certmap_config *cfg = load("<configuration/>", NULL);
    struct certmap_error err = {0};
    unsigned long long u = 0;
    unsigned f = 99;
    bool b = true;

    (void)state;
    assert_non_null(cfg);
    for (size_t i = 0; i < sizeof(dflts) / sizeof(dflts[0]); i++) {
        struct certmap_element *e = section(cfg, dflts[i].section, NULL);
        const char *v = certmap_element_get(e, dflts[i].attr);
        if (v == NULL || strcmp(v, dflts[i].value) != 0)
            fprintf(stderr, "%s %s: %s\n", dflts[i].section, dflts[i].attr, v ? v : "(null)");
        assert_non_null(v);
        assert_string_equal(v, dflts[i].value);
        assert_false(certmap_element_is_set(e, dflts[i].attr));
        assert_int_equal(
            certmap_element_source(e, dflts[i].attr, &(const char *){NULL}, &(unsigned){0}), -1);
    }
    /* typed getters on defaults */
    assert_int_equal(certmap_element_get_uint(section(cfg, CERTMAP_SECTION_LIMITS, NULL),
                                              "maxBodyBytes", &u, &err),
                     0);
    assert_int_equal(u, 30000000);
    assert_int_equal(
        certmap_element_get_flags(section(cfg, CERTMAP_SECTION_ACCESS, "S"), "sslFlags", &f, &err),
        0);
    assert_int_equal(f, 0);
    assert_int_equal(
        certmap_element_get_flags(section(cfg, CERTMAP_SECTION_LOGON, NULL), "provider", &f, &err),
        0);
    assert_int_equal(f, 0);
    assert_int_equal(certmap_element_get_bool(section(cfg, CERTMAP_SECTION_SERVER, NULL),
                                              "allowBasicWithoutSsl", &b, &err),
                     0);
    assert_false(b);
    /* wrong type and unknown attribute */
    assert_int_equal(certmap_element_get_bool(section(cfg, CERTMAP_SECTION_LIMITS, NULL),
                                              "maxBodyBytes", &b, &err),
                     -1);
    assert_int_equal(err.kind, CERTMAP_ERR_USAGE);
    assert_null(certmap_element_get(section(cfg, CERTMAP_SECTION_ACCESS, NULL), "sslFlag"));
    assert_int_equal(
        certmap_element_get_uint(section(cfg, CERTMAP_SECTION_LIMITS, NULL), "nope", &u, &err), -1);
    certmap_config_close(cfg);
}

static void
test_site_defaults(void **state)
{
    const char *xml =
        "<configuration><system.applicationHost><sites>\n"
        "<site name=\"A\" id=\"1\">\n"
        "  <bindings><binding protocol=\"https\" bindingInformation=\"127.0.0.1:8443:a.example\""
        " clientCertificate=\"ON\" /></bindings>\n"
        "  <application path=\"/\"><virtualDirectory path=\"/\" physicalPath=\"/srv/a\" />"
        "</application>\n"
        "  <logFile directory=\"/var/log/a\" />\n"
        "</site>\n"
        "<site name=\"B\" id=\"2\" serverAutoStart=\"false\">\n"
        "  <bindings><binding protocol=\"http\" bindingInformation=\"[::1]:8080:\" /></bindings>\n"
        "</site>\n"
        "<siteDefaults><logFile logFormat=\"ncsa\" period=\"Hourly\" /></siteDefaults>\n"
        "<applicationDefaults applicationPool=\"Pool\" />\n"
        "<virtualDirectoryDefaults allowSubDirConfig=\"false\" />\n"
        "</sites></system.applicationHost></configuration>\n";
    struct certmap_diags d = {0};
    struct certmap_config *cfg = load(xml, &d);
    struct certmap_element *sites, *a, *b, *lf, *bind, *app, *vdir;
    struct certmap_collection *c, *binds, *apps, *vdirs;
    struct certmap_error err = {0};
    unsigned f = 0;
    unsigned long long u = 0;

    (void)state;
    assert_non_null(cfg);
    sites = section(cfg, CERTMAP_SECTION_SITES, NULL);
    c = certmap_element_collection(sites, NULL, &err);
    assert_non_null(c);
    assert_int_equal(certmap_collection_count(c), 2);
    a = certmap_collection_find(c, "a"); /* names compare case-insensitively */
    b = certmap_collection_item(c, 1);
    assert_non_null(a);
    assert_string_equal(certmap_element_get(a, "name"), "A");
    assert_string_equal(certmap_element_get(b, "serverAutoStart"), "false");
    assert_string_equal(certmap_element_get(a, "serverAutoStart"), "true");
    assert_int_equal(certmap_element_get_uint(b, "id", &u, &err), 0);
    assert_int_equal(u, 2);
    /* logFile: the site's own, else siteDefaults', else the schema's */
    lf = certmap_element_child(a, "logFile", &err);
    assert_non_null(lf);
    assert_string_equal(certmap_element_get(lf, "directory"), "/var/log/a");
    assert_string_equal(certmap_element_get(lf, "logFormat"), "NCSA");
    assert_string_equal(certmap_element_get(lf, "period"), "Hourly");
    assert_string_equal(certmap_element_get(lf, "logExtFileFlags"),
                        "Date, Time, ClientIP, UserName, ServerIP, Method, UriStem, UriQuery, "
                        "HttpStatus, Win32Status, TimeTaken, ServerPort, UserAgent, Referer, "
                        "HttpSubStatus");
    assert_string_equal(certmap_element_get(lf, "truncateSize"), "20971520");
    assert_string_equal(certmap_element_get(lf, "maxLogLineLength"), "65536");
    assert_string_equal(certmap_element_get(lf, "logTargetW3C"), "File");
    assert_string_equal(certmap_element_get(lf, "enabled"), "true");
    assert_string_equal(certmap_element_get(lf, "localTimeRollover"), "false");
    lf = certmap_element_child(b, "logFile", &err);
    assert_string_equal(certmap_element_get(lf, "directory"),
                        "%SystemDrive%\\inetpub\\logs\\LogFiles");
    assert_string_equal(certmap_element_get(lf, "logFormat"), "NCSA");
    assert_true(certmap_element_is_set(lf, "logFormat"));
    assert_int_equal(certmap_element_get_flags(lf, "logFormat", &f, &err), 0);
    assert_int_equal(f, 1);
    /* bindings, with the https extension attributes */
    binds = certmap_element_collection(a, "bindings", &err);
    assert_int_equal(certmap_collection_count(binds), 1);
    bind = certmap_collection_find(binds, "HTTPS|127.0.0.1:8443:a.example");
    assert_non_null(bind);
    assert_string_equal(certmap_element_get(bind, "clientCertificate"), "on");
    assert_string_equal(certmap_element_get(bind, "sslFlags"), "0");
    assert_string_equal(certmap_element_get(bind, "certificateFile"), "");
    /* applications and virtual directories, with their defaults */
    apps = certmap_element_collection(a, NULL, &err);
    assert_int_equal(certmap_collection_count(apps), 1);
    app = certmap_collection_item(apps, 0);
    assert_string_equal(certmap_element_get(app, "applicationPool"), "Pool");
    assert_string_equal(certmap_element_get(app, "enabledProtocols"), "http");
    assert_string_equal(certmap_element_get(app, "preloadEnabled"), "false");
    vdirs = certmap_element_collection(app, NULL, &err);
    assert_int_equal(certmap_collection_count(vdirs), 1);
    vdir = certmap_collection_find(vdirs, "/");
    assert_non_null(vdir);
    assert_string_equal(certmap_element_get(vdir, "physicalPath"), "/srv/a");
    assert_string_equal(certmap_element_get(vdir, "allowSubDirConfig"), "false");
    assert_string_equal(certmap_element_get(vdir, "logonMethod"), "ClearText");
    /* notes for settings without effect on Linux, once each */
    assert_true(tc_find_diag(&d, CERTMAP_SEV_NOTE, "<site> serverAutoStart") >= 0);
    assert_true(tc_find_diag(&d, CERTMAP_SEV_NOTE, "applicationPool") >= 0);
    assert_int_equal(d.errors, 0);
    /* sites is a server-level section */
    assert_null(certmap_config_get_section(cfg, CERTMAP_SECTION_SITES, "A", &err));
    assert_true(strstr(err.message, "server level") != NULL);
    certmap_diags_free(&d);
    certmap_config_close(cfg);
}

/* ---- inheritance ---- */

static void
test_inheritance(void **state)
{
    struct certmap_diags d = {0};
    struct certmap_config *cfg = load_fixture("inherit.config", &d);
    struct certmap_error err = {0};
    struct certmap_collection *c;
    struct certmap_element *e;
    unsigned f = 0;
    const char *file = NULL;
    unsigned line = 0;

    (void)state;
    assert_non_null(cfg);
    assert_int_equal(d.errors, 0);
    /* access: server Ssl; Site Ssl+RequireCert; Site/app inherits; Site/app/private its own */
    certmap_element_get_flags(section(cfg, CERTMAP_SECTION_ACCESS, NULL), "sslFlags", &f, &err);
    assert_int_equal(f, CERTMAP_SSL);
    certmap_element_get_flags(section(cfg, CERTMAP_SECTION_ACCESS, "Site"), "sslFlags", &f, &err);
    assert_int_equal(f, CERTMAP_SSL | CERTMAP_SSL_REQUIRE_CERT);
    certmap_element_get_flags(section(cfg, CERTMAP_SECTION_ACCESS, "Site/app"), "sslFlags", &f,
                              &err);
    assert_int_equal(f, CERTMAP_SSL | CERTMAP_SSL_REQUIRE_CERT);
    e = section(cfg, CERTMAP_SECTION_ACCESS, "/SITE/App/private/deeper/");
    certmap_element_get_flags(e, "sslFlags", &f, &err);
    assert_int_equal(f, CERTMAP_SSL | CERTMAP_SSL_NEGOTIATE_CERT | CERTMAP_SSL_128);
    assert_string_equal(certmap_element_get(e, "sslFlags"), "Ssl, SslNegotiateCert, Ssl128");
    assert_int_equal(certmap_element_source(e, "sslFlags", &file, &line), 0);
    assert_string_equal(file, "applicationHost.config");
    assert_int_equal(line, 64);
    /* another site sees only the server level */
    certmap_element_get_flags(section(cfg, CERTMAP_SECTION_ACCESS, "Sitex"), "sslFlags", &f, &err);
    assert_int_equal(f, CERTMAP_SSL);
    /* attributes inherit one by one */
    e = section(cfg, CERTMAP_SECTION_CERTMAPPING, "Site/app");
    assert_string_equal(certmap_element_get(e, "enabled"), "true");
    assert_string_equal(certmap_element_get(e, "defaultLogonDomain"), "SERVER");
    assert_true(certmap_element_is_set(e, "defaultLogonDomain"));
    assert_false(certmap_element_is_set(e, "logonMethod"));
    e = section(cfg, CERTMAP_SECTION_ANONYMOUS, "Site/app/x");
    assert_string_equal(certmap_element_get(e, "enabled"), "false");
    assert_string_equal(certmap_element_get(e, "userName"), "IUSR");
    /* collections: server {1}; Site {1,2}; Site/app remove 1, add 3 -> {2,3}; private clear -> {4}
     */
    c = certmap_element_collection(section(cfg, CERTMAP_SECTION_CERTMAPPING, NULL),
                                   "oneToOneMappings", &err);
    assert_int_equal(certmap_collection_count(c), 1);
    assert_false(certmap_element_is_inherited(certmap_collection_item(c, 0)));
    c = certmap_element_collection(section(cfg, CERTMAP_SECTION_CERTMAPPING, "Site"),
                                   "oneToOneMappings", &err);
    assert_int_equal(certmap_collection_count(c), 2);
    assert_string_equal(certmap_element_get(certmap_collection_item(c, 0), "userName"), "one");
    assert_true(certmap_element_is_inherited(certmap_collection_item(c, 0)));
    assert_string_equal(certmap_element_get(certmap_collection_item(c, 1), "userName"), "two");
    assert_false(certmap_element_is_inherited(certmap_collection_item(c, 1)));
    c = certmap_element_collection(section(cfg, CERTMAP_SECTION_CERTMAPPING, "Site/app/y"),
                                   "oneToOneMappings", &err);
    assert_int_equal(certmap_collection_count(c), 2);
    assert_string_equal(certmap_element_get(certmap_collection_item(c, 0), "userName"), "two");
    assert_string_equal(certmap_element_get(certmap_collection_item(c, 1), "userName"), "three");
    assert_string_equal(certmap_element_get(certmap_collection_item(c, 1), "enabled"), "false");
    assert_null(certmap_collection_find(c, tc_iis[0]));
    c = certmap_element_collection(section(cfg, CERTMAP_SECTION_CERTMAPPING, "Site/app/private"),
                                   "oneToOneMappings", &err);
    assert_int_equal(certmap_collection_count(c), 1);
    assert_string_equal(certmap_element_get(certmap_collection_item(c, 0), "userName"), "four");
    /* locations in document order */
    assert_int_equal(certmap_config_location_count(cfg), 4);
    assert_string_equal(certmap_config_location_path(cfg, 0), "");
    assert_string_equal(certmap_config_location_path(cfg, 1), "Site");
    assert_string_equal(certmap_config_location_path(cfg, 2), "site/APP");
    assert_string_equal(certmap_config_location_path(cfg, 3), "Site/app/private");
    assert_null(certmap_config_location_path(cfg, 4));
    certmap_diags_free(&d);
    certmap_config_close(cfg);
}

/*
 * More locations than the old fixed table held (4096): every distinct path is
 * listed once, in document order with the first spelling, and a location that
 * a write creates comes last.
 */
static void
test_many_locations(void **state)
{
    enum { N = 5000 };
    struct certmap_error err = {0};
    struct certmap_diags d = {0};
    struct certmap_element *e;
    struct certmap_config *cfg;
    size_t cap = (size_t)N * 160 + 256, used = 0;
    char *xml = malloc(cap);
    char want[64];

    (void)state;
    assert_non_null(xml);
    used += (size_t)snprintf(xml + used, cap - used, "<?xml version=\"1.0\"?>\n<configuration>\n");
    for (int i = 0; i < N; i++)
        used += (size_t)snprintf(xml + used, cap - used,
                                 "<location path=\"S/p%d\"><system.webServer><security><access "
                                 "sslFlags=\"Ssl\" /></security></system.webServer></location>\n",
                                 i);
    /* the same path again, spelt otherwise: not a new entry */
    used += (size_t)snprintf(xml + used, cap - used,
                             "<location path=\"s/P0\"><system.webServer><security><authentication>"
                             "<basicAuthentication enabled=\"true\" /></authentication></security>"
                             "</system.webServer></location>\n"
                             "</configuration>\n");
    cfg = load(xml, &d);
    free(xml);
    assert_non_null(cfg);
    assert_int_equal(certmap_config_location_count(cfg), N + 1);
    assert_string_equal(certmap_config_location_path(cfg, 0), "");
    assert_string_equal(certmap_config_location_path(cfg, 1), "S/p0");
    snprintf(want, sizeof(want), "S/p%d", N - 1);
    assert_string_equal(certmap_config_location_path(cfg, N), want);
    assert_null(certmap_config_location_path(cfg, N + 1));
    /* a write at a new location adds it at the end; at a known one (any case) adds nothing */
    e = section(cfg, CERTMAP_SECTION_ACCESS, "S/new");
    assert_int_equal(certmap_element_set(e, "sslFlags", "Ssl", &err), 0);
    e = section(cfg, CERTMAP_SECTION_ACCESS, "s/p4999");
    assert_int_equal(certmap_element_set(e, "sslFlags", "None", &err), 0);
    assert_int_equal(certmap_config_location_count(cfg), N + 2);
    assert_string_equal(certmap_config_location_path(cfg, N + 1), "S/new");
    certmap_diags_free(&d);
    certmap_config_close(cfg);
}

static void
test_inherit_in_child_applications(void **state)
{
    char *xml = tc_fmt(
        "<configuration>\n"
        "<system.applicationHost><sites><site name=\"S\" id=\"1\">"
        "<application path=\"/\" /><application path=\"/app\" /></site></sites>"
        "</system.applicationHost>\n"
        "<location path=\"S\" inheritInChildApplications=\"false\"><system.webServer><security>"
        "<access sslFlags=\"Ssl\" /></security></system.webServer></location>\n"
        "</configuration>\n");
    struct certmap_config *cfg = load(xml, NULL);
    struct certmap_error err = {0};
    unsigned f = 1;

    (void)state;
    assert_non_null(cfg);
    certmap_element_get_flags(section(cfg, CERTMAP_SECTION_ACCESS, "S/dir"), "sslFlags", &f, &err);
    assert_int_equal(f, CERTMAP_SSL);
    /* the child application does not inherit */
    certmap_element_get_flags(section(cfg, CERTMAP_SECTION_ACCESS, "S/app/x"), "sslFlags", &f,
                              &err);
    assert_int_equal(f, 0);
    free(xml);
    certmap_config_close(cfg);
}

/* ---- duplicates ---- */

static void
test_duplicates(void **state)
{
    char *inner, *xml;

    (void)state;
    /* same level: the certificate in another form is the same key */
    inner = tc_fmt("<security><authentication><iisClientCertificateMappingAuthentication>"
                   "<oneToOneMappings>\n<add certificate=\"%s\" />\n<add certificate=\"%s\" />\n"
                   "</oneToOneMappings></iisClientCertificateMappingAuthentication>"
                   "</authentication></security>",
                   tc_iis[0], tc_wrapped[0]);
    /* the wrapped one holds CRLFs: attribute values normalise them to spaces, still the same */
    expect_error_web(inner, ":6: <add> duplicate certificate: already added at line 5");
    free(inner);
    /* against an inherited item */
    xml = tc_fmt(
        "<configuration>\n"
        "<system.webServer><security><authentication><iisClientCertificateMappingAuthentication>"
        "<oneToOneMappings>\n<add certificate=\"%s\" />\n</oneToOneMappings>"
        "</iisClientCertificateMappingAuthentication></authentication></security>"
        "</system.webServer>\n"
        "<location path=\"S\"><system.webServer><security><authentication>"
        "<iisClientCertificateMappingAuthentication><oneToOneMappings>\n"
        "<add certificate=\"%s\" userName=\"x\" />\n</oneToOneMappings>"
        "</iisClientCertificateMappingAuthentication></authentication></security>"
        "</system.webServer></location>\n</configuration>\n",
        tc_iis[1], tc_iis[1]);
    expect_error(xml, ":6: <add> duplicate certificate: already added at line 3 (inherited from "
                      "the server level)");
    free(xml);
    /* sites by name, bindings by protocol + bindingInformation */
    expect_error("<configuration><system.applicationHost><sites>\n<site name=\"A\" id=\"1\" />\n"
                 "<site name=\"a\" id=\"2\" />\n</sites></system.applicationHost></configuration>",
                 ":3: <site> duplicate name=\"a\": already added at line 2");
    expect_error("<configuration><system.applicationHost><sites>\n<site name=\"A\" id=\"1\">"
                 "<bindings>\n<binding protocol=\"http\" bindingInformation=\"*:80:\" />\n"
                 "<binding protocol=\"HTTP\" bindingInformation=\"*:80:\" />\n</bindings></site>"
                 "</sites></system.applicationHost></configuration>",
                 ":4: <binding> duplicate protocol=\"HTTP\" bindingInformation=\"*:80:\": already "
                 "added at line 3");
    /* a clear in between makes it legal */
    inner = tc_fmt("<security><authentication><iisClientCertificateMappingAuthentication>"
                   "<oneToOneMappings><add certificate=\"%s\" /><clear /><add certificate=\"%s\" />"
                   "</oneToOneMappings></iisClientCertificateMappingAuthentication>"
                   "</authentication></security>",
                   tc_iis[0], tc_pem[0]);
    xml = web(inner);
    {
        struct certmap_config *cfg = load(xml, NULL);
        assert_non_null(cfg);
        certmap_config_close(cfg);
    }
    free(xml);
    free(inner);
    /* the same section twice for one location */
    expect_error("<configuration>\n<location path=\"S\"><system.webServer><security>"
                 "<access sslFlags=\"Ssl\" /></security></system.webServer></location>\n"
                 "<location path=\"s/\"><system.webServer><security>\n"
                 "<access sslFlags=\"None\" /></security></system.webServer></location>\n"
                 "</configuration>",
                 ":4: <access> section system.webServer/security/access defined twice for "
                 "location \"s\" (also at line 2)");
}

/* ---- error paths ---- */

static void
test_errors(void **state)
{
    char *inner;

    (void)state;
    expect_error_web("<security>\n<access sslFlags=\"Ssl, SslReqCert\" /></security>",
                     "applicationHost.config:5: <access> sslFlags: unknown flag \"SslReqCert\" "
                     "(allowed: None, Ssl, SslNegotiateCert, SslRequireCert, SslMapCert, Ssl128)");
    expect_error_web("<security>\n<access sslFlags=\"Ssl,,Ssl128\" /></security>", "empty flag");
    expect_error_web("<security>\n<access sslFlag=\"Ssl\" /></security>",
                     ":5: <access> sslFlag: unknown attribute (did you mean \"sslFlags\"?)");
    expect_error_web("<security><authentication>\n<anonymousAuthentcation enabled=\"true\" />"
                     "</authentication></security>",
                     ":5: <anonymousAuthentcation> unknown section "
                     "system.webServer/security/authentication/anonymousAuthentcation (not "
                     "declared in <configSections>); did you mean <anonymousAuthentication>?");
    expect_error_web(
        "<security><authentication>\n<basicAuthentication enabled=\"yes\" />"
        "</authentication></security>",
        "<basicAuthentication> enabled: not a boolean: \"yes\" (allowed: true, false)");
    expect_error_web("<security><authentication>\n<basicAuthentication logonMethod=\"Magic\" />"
                     "</authentication></security>",
                     "logonMethod: unknown value \"Magic\" (allowed: Interactive, Batch, Network, "
                     "ClearText)");
    expect_error_web("<security><authentication><iisClientCertificateMappingAuthentication>\n"
                     "<oneToOneMappings><add userName=\"x\" /></oneToOneMappings>"
                     "</iisClientCertificateMappingAuthentication></authentication></security>",
                     ":5: <add> certificate: required attribute missing");
    /* a certificate that does not decode disables its mapping only, as in IIS */
    expect_item_error_web(
        "<security><authentication><iisClientCertificateMappingAuthentication>\n"
        "<oneToOneMappings><add certificate=\"AAAA\" /></oneToOneMappings>"
        "</iisClientCertificateMappingAuthentication></authentication></security>",
        ":5: <add> certificate: not a certificate");
    /* the decoder's own message, said once */
    expect_item_error_web(
        "<security><authentication><iisClientCertificateMappingAuthentication>\n"
        "<oneToOneMappings><add certificate=\"A!AA\" /></oneToOneMappings>"
        "</iisClientCertificateMappingAuthentication></authentication></security>",
        ":5: <add> certificate: not a certificate: invalid base64 at offset 1");
    /* a <remove> that removes nothing would leave an inherited mapping active: structural */
    expect_error_web("<security><authentication><iisClientCertificateMappingAuthentication>\n"
                     "<oneToOneMappings><remove certificate=\"AAAA\" /></oneToOneMappings>"
                     "</iisClientCertificateMappingAuthentication></authentication></security>",
                     ":5: <remove> certificate: not a certificate");
    /* control characters in text, encoded or not */
    expect_error_web(
        "<security><authentication>\n<anonymousAuthentication userName=\"IU&#10;SR\" />"
        "</authentication></security>",
        ":5: <anonymousAuthentication> userName: control character 0x0a at position 3");
    expect_error_web("<security><authentication>\n<basicAuthentication realm=\"a&#x7f;b\" />"
                     "</authentication></security>",
                     ":5: <basicAuthentication> realm: control character 0x7f at position 2");
    expect_error_web("<security><authentication><iisClientCertificateMappingAuthentication>\n"
                     "<oneToOneMapping />"
                     "</iisClientCertificateMappingAuthentication></authentication></security>",
                     ":5: <oneToOneMapping> unknown element in "
                     "<iisClientCertificateMappingAuthentication> (did you mean "
                     "<oneToOneMappings>?)");
    expect_error_web("<security><authentication><iisClientCertificateMappingAuthentication>\n"
                     "<oneToOneMappings><clear all=\"1\" /></oneToOneMappings>"
                     "</iisClientCertificateMappingAuthentication></authentication></security>",
                     "<clear> all: unknown attribute");
    inner = tc_fmt("<security><authentication><iisClientCertificateMappingAuthentication>\n"
                   "<oneToOneMappings><remove certificate=\"%s\" userName=\"u\" />"
                   "</oneToOneMappings></iisClientCertificateMappingAuthentication>"
                   "</authentication></security>",
                   tc_iis[0]);
    expect_error_web(inner, "<remove> userName: unknown attribute");
    free(inner);
    expect_error_web("<security>\n<access sslFlags=\"Ssl\" sslFlags=\"None\" /></security>",
                     "malformed XML");
    expect_error("<configuration><certmap>\n<limits maxConnections=\"-1\" /></certmap>"
                 "</configuration>",
                 ":2: <limits> maxConnections: not a number: \"-1\"");
    expect_error("<configuration><certmap>\n<logon threads=\"0\" /></certmap></configuration>",
                 ":2: <logon> threads: 0 out of range (1 to 256)");
    expect_error("<configuration><certmap>\n<logon provider=\"ldap\" /></certmap></configuration>",
                 "provider: unknown value \"ldap\" (allowed: file, pam)");
    expect_error("<configuration>\n<location path=\"S\"><certmap><server workers=\"2\" />"
                 "</certmap></location></configuration>",
                 "certmap/server can only be set at the server level");
    expect_error("<configuration>\n<system.webserver /></configuration>",
                 ":2: <system.webserver> unknown section group (not declared in "
                 "<configSections>); did you mean <system.webServer>?");
    expect_error("<configuration><system.applicationHost><sites>\n<site name=\"A\" id=\"1\">"
                 "<bindings>\n<binding protocol=\"http\" bindingInformation=\"*:80\" />"
                 "</bindings></site></sites></system.applicationHost></configuration>",
                 ":3: <binding> bindingInformation: malformed binding \"*:80\"");
    expect_error("<configuration><system.applicationHost><sites>\n<site name=\"A\" id=\"1\">"
                 "<bindings>\n<binding protocol=\"http\" bindingInformation=\"*:80:\" "
                 "certificateFile=\"x.pem\" /></bindings></site></sites></system.applicationHost>"
                 "</configuration>",
                 ":3: <binding> certificateFile: only valid on a binding with protocol=\"https\"");
    expect_error("<configuration><system.applicationHost><sites>\n<site name=\"A\">"
                 "</site></sites></system.applicationHost></configuration>",
                 ":2: <site> id: required attribute missing");
    expect_error("<configuration><system.applicationHost><sites>\n<site name=\"A\" id=\"1\">"
                 "<logFile />\n<logFile /></site></sites></system.applicationHost>"
                 "</configuration>",
                 ":3: <logFile> element given twice in <site> (also at line 2)");
    expect_error("<configuration><system.applicationHost><sites>\n<site name=\"A\" id=\"1\">"
                 "<logFile maxLogLineLength=\"1\" truncateSize=\"5\" /></site></sites>"
                 "</system.applicationHost></configuration>",
                 "maxLogLineLength: 1 out of range (2 to 65536)");
    expect_error("<configuration><system.applicationHost><sites>\n<site name=\"A\" id=\"1\">"
                 "<limitz /></site></sites></system.applicationHost></configuration>",
                 "<limitz> unknown element in <site> (did you mean <limits>?)");
    /* malformed XML, DTDs, other encodings, wrong root */
    expect_error("<configuration>\n<system.webServer>\n</configuration>", "malformed XML");
    expect_error("<?xml version=\"1.0\"?>\n<!DOCTYPE configuration [<!ENTITY x \"y\">]>\n"
                 "<configuration a=\"&x;\"/>",
                 "document type declarations are not allowed");
    expect_error("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><configuration/>",
                 "only UTF-8 files are supported");
    expect_error("<config/>", "<config> the root element must be <configuration>");
    expect_error("", "malformed XML");
    expect_error("<configuration><location path=\"S\" overrideMode=\"Maybe\" /></configuration>",
                 "overrideMode: unknown value \"Maybe\" (allowed: Inherit, Allow, Deny)");
}

/* Several errors in one file are all reported. */
static void
test_all_errors_reported(void **state)
{
    char *xml = web("<security>\n<access sslFlags=\"Bad\" />\n<authentication>\n"
                    "<basicAuthentication enabled=\"maybe\" realm=\"r\" bogus=\"1\" />\n"
                    "</authentication></security>");
    struct certmap_diags d = {0};
    struct certmap_error err = {0};
    struct certmap_config *cfg =
        certmap_config_parse("applicationHost.config", xml, strlen(xml), NULL, &d, &err);
    char buf[1200];

    (void)state;
    assert_null(cfg);
    assert_int_equal(d.errors, 3);
    assert_true(tc_find_diag(&d, CERTMAP_SEV_ERROR, ":5: <access> sslFlags") >= 0);
    assert_true(tc_find_diag(&d, CERTMAP_SEV_ERROR, ":7: <basicAuthentication> enabled") >= 0);
    assert_true(tc_find_diag(&d, CERTMAP_SEV_ERROR, ":7: <basicAuthentication> bogus") >= 0);
    /* err is the first, with a count of the others */
    certmap_error_format(&err, buf, sizeof(buf));
    assert_true(strstr(buf, "applicationHost.config:5: <access> sslFlags: unknown flag") != NULL);
    assert_true(strstr(buf, "(and 2 more errors)") != NULL);
    certmap_diags_free(&d);
    free(xml);
}

static void
test_unsupported_auth_warns(void **state)
{
    char *xml = web("<security><authentication>\n"
                    "<windowsAuthentication enabled=\"true\" useKernelMode=\"false\">"
                    "<providers><add value=\"Negotiate\" /></providers></windowsAuthentication>\n"
                    "<digestAuthentication enabled=\"TRUE\" realm=\"x\" />\n"
                    "</authentication></security>");
    struct certmap_diags d = {0};
    struct certmap_config *cfg = load(xml, &d);

    (void)state;
    assert_non_null(cfg);
    assert_int_equal(d.errors, 0);
    assert_true(tc_find_diag(&d, CERTMAP_SEV_WARNING,
                             ":5: <windowsAuthentication> enabled: <windowsAuthentication> is not "
                             "supported on Linux") >= 0);
    assert_true(tc_find_diag(&d, CERTMAP_SEV_WARNING, ":6: <digestAuthentication> enabled") >= 0);
    assert_true(tc_find_diag(&d, CERTMAP_SEV_NOTE, "<providers>") >= 0);
    certmap_diags_free(&d);
    certmap_config_close(cfg);
    free(xml);
}

/* A whole IIS applicationHost.config: notes only, one per section. */
static void
test_full_iis_file(void **state)
{
    struct certmap_diags d = {0};
    struct certmap_config *cfg = load_fixture("applicationHost.config", &d);
    struct certmap_error err = {0};
    struct certmap_collection *sites;
    size_t handlers = 0;

    (void)state;
    assert_non_null(cfg);
    assert_int_equal(d.errors, 0);
    assert_int_equal(tc_count_sev(&d, CERTMAP_SEV_WARNING), 0);
    assert_true(tc_find_diag(&d, CERTMAP_SEV_NOTE, "system.applicationHost/applicationPools") >= 0);
    assert_true(tc_find_diag(&d, CERTMAP_SEV_NOTE, "system.webServer/globalModules") >= 0);
    assert_true(tc_find_diag(&d, CERTMAP_SEV_NOTE, "system.webServer/security/requestFiltering") >=
                0);
    /* URL Rewrite is implemented: the fixture's globalRules load as a section, not a note */
    assert_true(tc_find_diag(&d, CERTMAP_SEV_NOTE, "system.webServer/rewrite") < 0);
    /* directoryBrowse appears at the server level and in a location: one note */
    for (size_t i = 0; i < d.count; i++)
        handlers += strstr(d.items[i].err.message, "system.webServer/directoryBrowse:") != NULL;
    assert_int_equal(handlers, 1);
    /* handlers and fastCgi are implemented now: read, not noted */
    assert_true(tc_find_diag(&d, CERTMAP_SEV_NOTE, "system.webServer/handlers") < 0);
    sites = certmap_element_collection(section(cfg, CERTMAP_SECTION_SITES, NULL), NULL, &err);
    assert_int_equal(certmap_collection_count(sites), 2);
    certmap_diags_free(&d);
    certmap_config_close(cfg);
}

static void
test_declared_sections_are_notes(void **state)
{
    const char *xml =
        "<configuration>\n<configSections><sectionGroup name=\"system.webServer\">"
        "<section name=\"myModule\" /><sectionGroup name=\"security\">"
        "<section name=\"myFilter\" /></sectionGroup></sectionGroup></configSections>\n"
        "<system.webServer>\n<myModule a=\"1\" /><security>\n<myFilter /><myFilter2 />"
        "</security></system.webServer></configuration>";
    struct certmap_diags d = {0};
    struct certmap_error err = {0};
    struct certmap_config *cfg =
        certmap_config_parse("applicationHost.config", xml, strlen(xml), NULL, &d, &err);

    (void)state;
    assert_null(cfg);
    assert_true(tc_find_diag(&d, CERTMAP_SEV_NOTE, "system.webServer/myModule") >= 0);
    assert_true(tc_find_diag(&d, CERTMAP_SEV_NOTE, "system.webServer/security/myFilter") >= 0);
    assert_true(
        tc_find_diag(&d, CERTMAP_SEV_ERROR,
                     ":5: <myFilter2> unknown section system.webServer/security/myFilter2") >= 0);
    assert_int_equal(d.errors, 1);
    certmap_diags_free(&d);
}

static void
test_expand_path(void **state)
{
    struct certmap_open_options o = {0};
    struct certmap_config *cfg = certmap_config_parse("/etc/certmap/applicationHost.config",
                                                      "<configuration/>", 16, &o, NULL, NULL);
    struct certmap_error err = {0};
    char *p;

    (void)state;
    assert_non_null(cfg);
    assert_string_equal(certmap_config_dir(cfg), "/etc/certmap");
    setenv("CERTMAP_TEST_LOGS", "/var/log/x", 1);
    p = certmap_config_expand_path(cfg, "%CERTMAP_TEST_LOGS%/site1", &err);
    assert_string_equal(p, "/var/log/x/site1");
    free(p);
    p = certmap_config_expand_path(cfg, "logs", &err);
    assert_string_equal(p, "/etc/certmap/logs");
    free(p);
    p = certmap_config_expand_path(cfg, "/abs/olute", &err);
    assert_string_equal(p, "/abs/olute");
    free(p);
    unsetenv("CERTMAP_TEST_UNSET");
    assert_null(certmap_config_expand_path(cfg, "%CERTMAP_TEST_UNSET%\\logs", &err));
    assert_true(strstr(err.message, "CERTMAP_TEST_UNSET is not set") != NULL);
    assert_null(certmap_config_expand_path(cfg, "50%", &err));
    certmap_config_close(cfg);
}

/* Truncated and corrupted files: an error or a usable config, never a crash (ASan watches). */
static void
test_mutations_never_crash(void **state)
{
    char *xml = tc_fixture("odd_spacing.config");
    size_t len = xml != NULL ? strlen(xml) : 0;
    static const char junk[] = "<>\"'&/=! \n\r\t]?-";
    unsigned seed = 12345;
    size_t closed;

    (void)state;
    assert_non_null(xml);
    closed = (size_t)(strstr(xml, "</configuration>") - xml) + 16;

    for (size_t cut = 0; cut < closed; cut += 7) {
        struct certmap_diags d = {0};
        struct certmap_config *cfg =
            certmap_config_parse("t.config", xml, cut, NULL, &d, &(struct certmap_error){0});
        /* a strict prefix never holds the closing </configuration> */
        assert_null(cfg);
        assert_true(d.errors > 0);
        certmap_diags_free(&d);
    }
    for (int round = 0; round < 400; round++) {
        char *m = strdup(xml);
        struct certmap_diags d = {0};
        struct certmap_config *cfg;
        assert_non_null(m);
        for (int k = 0; k < 3; k++) {
            seed = seed * 1103515245u + 12345u;
            m[(seed >> 8) % len] = junk[(seed >> 20) % (sizeof(junk) - 1)];
        }
        cfg = certmap_config_parse("t.config", m, len, NULL, &d, &(struct certmap_error){0});
        if (cfg != NULL) {
            /* whatever loads also re-validates after a save: at most item errors */
            struct certmap_diags v = {0};
            int vr = certmap_config_validate(cfg, &v);
            assert_int_equal(vr, v.errors == 0 ? 0 : -1);
            assert_int_equal(v.errors, v.item_errors);
            assert_int_equal(v.errors, d.errors);
            certmap_diags_free(&v);
            certmap_config_close(cfg);
        } else {
            assert_true(d.errors > 0);
        }
        certmap_diags_free(&d);
        free(m);
    }
    free(xml);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed_sample_loads),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_site_defaults),
        cmocka_unit_test(test_inheritance),
        cmocka_unit_test(test_inherit_in_child_applications),
        cmocka_unit_test(test_many_locations),
        cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_all_errors_reported),
        cmocka_unit_test(test_unsupported_auth_warns),
        cmocka_unit_test(test_full_iis_file),
        cmocka_unit_test(test_declared_sections_are_notes),
        cmocka_unit_test(test_expand_path),
        cmocka_unit_test(test_mutations_never_crash),
    };
    return cmocka_run_group_tests(tests, tc_group_setup, tc_group_teardown);
}
