/*
 * test_view_handlers.c - handler mappings and FastCGI applications in the
 * resolved view: the shipped StaticFile default, inheritance (<clear/>,
 * <remove>), IIS's choice of a handler (path, verb, accessPolicy), the
 * modules certmap does not have, and FastCgiModule handlers refused with
 * file:line while certmapd cannot serve them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "certmap/view.h"
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

#define WS(x) "<system.webServer>" x "</system.webServer>\n"
#define LOC(p, x) "<location path=\"" p "\">" WS(x) "</location>\n"

#define STATIC_ADD                                                                                 \
    "<add name=\"StaticFile\" path=\"*\" verb=\"*\" "                                              \
    "modules=\"StaticFileModule,DefaultDocumentModule,DirectoryListingModule\" "                   \
    "resourceType=\"Either\" requireAccess=\"Read\" />"

static const struct certmap_handlers *
handlers_at(struct certmap_view *v, const char *url)
{
    const struct certmap_site *s = certmap_view_find_site(v, "S");

    assert_non_null(s);
    return certmap_view_match(s, url, strlen(url))->settings.handlers;
}

/* The name of the handler for method on url, "-" when none. */
static const char *
pick(struct certmap_view *v, const char *url, const char *method)
{
    const struct certmap_handler *h =
        certmap_handlers_match(handlers_at(v, url), url, strlen(url), method, strlen(method));

    return h != NULL ? h->name : "-";
}

static void
test_default_is_static(void **state)
{
    struct certmap_diags d;
    struct certmap_view *v = tc_view_of("t.config", HEAD, "", true, &d);
    const struct certmap_handlers *h;

    (void)state;
    assert_non_null(v);
    h = handlers_at(v, "/x/index.html");
    assert_non_null(h);
    assert_int_equal(h->n, 1);
    assert_null(h->items[0]->src.file);
    assert_int_equal(h->items[0]->module, CERTMAP_HMOD_STATIC);
    assert_string_equal(pick(v, "/a.php", "POST"), "StaticFile");
    certmap_view_unref(v);
    certmap_diags_free(&d);
}

static void
test_order_verbs_and_clear(void **state)
{
    struct certmap_diags d;
    struct certmap_view *v = tc_view_of(
        "t.config", HEAD,
        WS("<handlers accessPolicy=\"Read, Script\">"
           "<add name=\"TRACEVerbHandler\" path=\"*\" verb=\"TRACE\" "
           "modules=\"ProtocolSupportModule\" requireAccess=\"None\" />"
           "<add name=\"ASPClassic\" path=\"*.ASP\" verb=\"GET,HEAD,POST\" modules=\"IsapiModule\" "
           "scriptProcessor=\"c:\\asp.dll\" resourceType=\"File\" />" STATIC_ADD "</handlers>")
            LOC("S/app", "<handlers><remove name=\"ASPClassic\" /></handlers>")
                LOC("S/none", "<handlers><clear /></handlers>"),
        true, &d);
    const struct certmap_handler *h;

    (void)state;
    assert_non_null(v);
    assert_int_equal(d.errors, 0);
    assert_string_equal(pick(v, "/x/page.asp", "GET"), "ASPClassic"); /* case-insensitive */
    assert_string_equal(pick(v, "/x/page.asp", "PUT"), "StaticFile");
    assert_string_equal(pick(v, "/x/page.asp", "TRACE"), "TRACEVerbHandler");
    assert_string_equal(pick(v, "/app/page.asp", "GET"), "StaticFile");
    assert_string_equal(pick(v, "/none/a.html", "GET"), "-"); /* 404.4 */
    h = certmap_handlers_match(handlers_at(v, "/a.asp"), "/a.asp", 6, "GET", 3);
    assert_non_null(h);
    assert_int_equal(h->module, CERTMAP_HMOD_MISSING); /* 500.21 */
    assert_string_equal(h->src.file, "t.config");
    assert_true(h->src.line > 0);
    certmap_view_unref(v);
    certmap_diags_free(&d);
}

/* A handler accessPolicy disables is skipped, as IIS shows it "Disabled". */
static void
test_access_policy(void **state)
{
    struct certmap_diags d;
    struct certmap_view *v = tc_view_of(
        "t.config", HEAD,
        WS("<handlers accessPolicy=\"Read\">"
           "<add name=\"cgi\" path=\"*.cgi\" verb=\"*\" modules=\"CgiModule\" />" STATIC_ADD
           "</handlers>") LOC("S/noread", "<handlers accessPolicy=\"Read, NoRemoteRead\" />")
            LOC("S/scripts", "<handlers accessPolicy=\"Read, Execute\" />"),
        true, &d);

    (void)state;
    assert_non_null(v);
    assert_string_equal(pick(v, "/a.cgi", "GET"), "StaticFile");
    assert_string_equal(pick(v, "/scripts/a.cgi", "GET"), "cgi");
    assert_string_equal(pick(v, "/noread/a.html", "GET"), "-");
    certmap_view_unref(v);
    certmap_diags_free(&d);
}

static void
test_fastcgi_apps(void **state)
{
    struct certmap_diags d;
    struct certmap_view *v = tc_view_of(
        "t.config", HEAD,
        WS("<fastCgi>"
           "<application fullPath=\"/usr/bin/php-cgi\" maxInstances=\"2\" protocol=\"Tcp\">"
           "<environmentVariables><environmentVariable name=\"PHPRC\" value=\"/etc/php\" />"
           "</environmentVariables></application>"
           "<application fullPath=\"unix:/run/php/php8.2-fpm.sock\" />"
           "<application fullPath=\"127.0.0.1:9000\" arguments=\"-x\" />"
           "<application fullPath=\"[::1]:9001\" />"
           "</fastCgi>"),
        true, &d);
    const struct certmap_fcgi_app *a;

    (void)state;
    assert_non_null(v);
    assert_int_equal(d.errors, 0);
    assert_true(tc_find_diag(&d, CERTMAP_SEV_NOTE, "protocol has no effect") >= 0);
    assert_int_equal(certmap_view_fcgi_app_count(v), 4);
    a = certmap_view_fcgi_app(v, 0);
    assert_int_equal(a->kind, CERTMAP_FCGI_PROGRAM);
    assert_int_equal(a->max_instances, 2);
    assert_int_equal(a->request_timeout, 90);
    assert_int_equal(a->nenv, 1);
    assert_string_equal(a->env[0].value, "/etc/php");
    a = certmap_view_fcgi_app(v, 1);
    assert_int_equal(a->kind, CERTMAP_FCGI_UNIX);
    assert_string_equal(a->address, "/run/php/php8.2-fpm.sock");
    a = certmap_view_fcgi_app(v, 2);
    assert_int_equal(a->kind, CERTMAP_FCGI_TCP);
    assert_string_equal(a->address, "127.0.0.1");
    assert_int_equal(a->port, 9000);
    assert_string_equal(a->arguments, "-x");
    a = certmap_view_fcgi_app(v, 3);
    assert_string_equal(a->address, "::1");
    certmap_view_unref(v);
    certmap_diags_free(&d);
}

/* fullPath forms certmap cannot use are errors with file:line. */
static void
test_fastcgi_bad_full_path(void **state)
{
    struct certmap_diags d;
    struct certmap_view *v =
        tc_view_of("t.config", HEAD,
                   WS("<fastCgi><application fullPath=\"C:\\PHP\\php-cgi.exe\" />"
                      "<application fullPath=\"localhost:99999\" /></fastCgi>"),
                   true, &d);

    (void)state;
    assert_null(v);
    assert_true(tc_find_diag(&d, CERTMAP_SEV_ERROR, "t.config:") >= 0);
    assert_true(tc_find_diag(&d, CERTMAP_SEV_ERROR, "Windows path") >= 0);
    assert_true(tc_find_diag(&d, CERTMAP_SEV_ERROR, "1..65535") >= 0);
    certmap_diags_free(&d);
}

/*
 * A FastCgiModule handler: its scriptProcessor must name an application
 * (IIS: 500.0 "FastCGI application not found"); a valid one selects its
 * application (the exchange is src/server/fastcgi.c).
 */
static void
test_fastcgi_handler_refused(void **state)
{
    struct certmap_diags d;
    struct certmap_view *v;

    (void)state;
    v = tc_view_of("t.config", HEAD,
                   WS("<fastCgi><application fullPath=\"/usr/bin/php-cgi\" /></fastCgi>"
                      "<handlers><add name=\"PHP\" path=\"*.php\" verb=\"*\" "
                      "modules=\"FastCgiModule\" scriptProcessor=\"/usr/bin/php-cgi|-c x\" />"
                      "</handlers>"),
                   true, &d);
    assert_null(v);
    assert_true(tc_find_diag(&d, CERTMAP_SEV_ERROR, "no system.webServer/fastCgi application") >=
                0);
    certmap_diags_free(&d);
    v = tc_view_of("t.config", HEAD,
                   WS("<fastCgi><application fullPath=\"/usr/bin/php-cgi\" /></fastCgi>") LOC(
                       "S/app", "<handlers accessPolicy=\"Read, Script\"><clear/><add name=\"PHP\" "
                                "path=\"*.php\" verb=\"*\" "
                                "modules=\"FastCgiModule\" scriptProcessor=\"/usr/bin/php-cgi\" "
                                "resourceType=\"File\" /></handlers>"),
                   true, &d);
    assert_non_null(v);
    {
        const struct certmap_handler *h =
            certmap_handlers_match(handlers_at(v, "/app/x.php"), "/app/x.php", 10, "POST", 4);
        assert_non_null(h);
        assert_int_equal(h->module, CERTMAP_HMOD_FASTCGI);
        assert_non_null(h->app);
        assert_string_equal(h->app->full_path, "/usr/bin/php-cgi");
        assert_int_equal(h->resource_type, 0);
    }
    certmap_view_unref(v);
    certmap_diags_free(&d);
    v = tc_view_of("t.config", HEAD,
                   WS("<fastCgi><application fullPath=\"/usr/bin/php-cgi\" /></fastCgi>"
                      "<handlers><add name=\"PHP\" path=\"*.php\" verb=\"*\" "
                      "modules=\"FastCgiModule,StaticFileModule\" "
                      "scriptProcessor=\"/usr/bin/php-cgi\" /></handlers>"),
                   true, &d);
    assert_null(v);
    assert_true(tc_find_diag(&d, CERTMAP_SEV_ERROR, "only module") >= 0);
    certmap_diags_free(&d);
}

static void
test_duplicate_handler(void **state)
{
    struct certmap_diags d;
    struct certmap_view *v;

    (void)state;
    v = tc_view_of("t.config", HEAD, LOC("S/app", "<handlers>" STATIC_ADD "</handlers>"), true, &d);
    assert_null(v);
    assert_true(tc_find_diag(&d, CERTMAP_SEV_ERROR, "shipped StaticFile") >= 0);
    certmap_diags_free(&d);
    v = tc_view_of(
        "t.config", HEAD,
        LOC("S/app", "<handlers><remove name=\"StaticFile\" />" STATIC_ADD "</handlers>"), true,
        &d);
    assert_non_null(v);
    assert_string_equal(handlers_at(v, "/app/x")->items[0]->src.file, "t.config");
    certmap_view_unref(v);
    certmap_diags_free(&d);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_is_static),
        cmocka_unit_test(test_order_verbs_and_clear),
        cmocka_unit_test(test_access_policy),
        cmocka_unit_test(test_fastcgi_apps),
        cmocka_unit_test(test_fastcgi_bad_full_path),
        cmocka_unit_test(test_fastcgi_handler_refused),
        cmocka_unit_test(test_duplicate_handler),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
