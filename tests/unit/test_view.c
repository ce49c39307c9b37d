/*
 * test_view.c - the resolved view: (configuration, site, URL) -> effective
 * settings, table driven.  Each case is a configuration and rows of
 * (URL, expected sslFlags, anonymous enabled, mapping enabled, mappings).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include <cmocka.h>

#include "certmap/view.h"
#include "mapping.h"
#include "mapping/many.h"
#include "test_config_util.h"

#include <sys/stat.h>

#define REQ (CERTMAP_SSL | CERTMAP_SSL_NEGOTIATE_CERT | CERTMAP_SSL_REQUIRE_CERT)
#define NEG (CERTMAP_SSL | CERTMAP_SSL_NEGOTIATE_CERT)

#define HEAD                                                                                       \
    "<configuration><system.applicationHost><sites>\n"                                             \
    "<site name=\"S\" id=\"1\">\n"                                                                 \
    " <application path=\"/\"><virtualDirectory path=\"/\" physicalPath=\"/srv/www\" />\n"         \
    "  <virtualDirectory path=\"/docs\" physicalPath=\"/srv/docs\" /></application>\n"             \
    " <application path=\"/app\"><virtualDirectory path=\"/\" physicalPath=\"/srv/app\" "          \
    "/></application>\n"                                                                           \
    " <application path=\"/dir/app2\"><virtualDirectory path=\"/\" physicalPath=\"/srv/app2\" "    \
    "/></application>\n"                                                                           \
    " <bindings><binding protocol=\"http\" bindingInformation=\"127.0.0.1:8080:\" /></bindings>\n" \
    "</site></sites></system.applicationHost>\n"

#define ACCESS(flags) "<system.webServer><security><access sslFlags=\"" flags "\" />"
#define END "</security></system.webServer>"

struct row {
    const char *url;
    int ssl_flags;     /* -1: do not check */
    int anon;          /* -1: do not check, else 0/1 */
    int cm;            /* -1: do not check */
    const char *scope; /* expected scope path (spelling), NULL: do not check */
};

struct vcase {
    const char *name;
    const char *config; /* after HEAD, before </configuration> */
    struct row rows[8];
};

static const struct vcase cases[] = {
    {"site root applies everywhere",
     "<location path=\"S\">" ACCESS("Ssl, SslNegotiateCert, SslRequireCert") END "</location>",
     {{"/", REQ, -1, -1, ""},
      {"/x/y", REQ, -1, -1, ""},
      {"/app/x", REQ, -1, -1, "/app"},
      {"/docs/a", REQ, -1, -1, "/docs"},
      {NULL, 0, 0, 0, NULL}}},
    {"inheritInChildApplications=false stops at child applications",
     "<location path=\"S\" inheritInChildApplications=\"false\">" ACCESS(
         "Ssl, SslNegotiateCert, SslRequireCert") END "</location>",
     {{"/", REQ, -1, -1, ""},
      {"/plain/dir", REQ, -1, -1, ""},
      {"/docs/x", REQ, -1, -1, "/docs"}, /* a virtual directory is not an application */
      {"/app", 0, -1, -1, "/app"},
      {"/APP/x", 0, -1, -1, "/app"},
      {"/dir/app2/x", 0, -1, -1, "/dir/app2"},
      {NULL, 0, 0, 0, NULL}}},
    {"Ssl at the site, not inherited: the application serves plain",
     "<location path=\"S\" inheritInChildApplications=\"false\">" ACCESS("Ssl") END "</location>",
     {{"/", CERTMAP_SSL, -1, -1, ""}, {"/app/", 0, -1, -1, "/app"}, {NULL, 0, 0, 0, NULL}}},
    {"a directory location with inheritInChildApplications=false above an application",
     "<location path=\"S/dir\" inheritInChildApplications=\"false\">" ACCESS(
         "Ssl, SslNegotiateCert") END "</location>"
                                      "<location path=\"S\">" ACCESS("Ssl") END "</location>",
     {{"/dir", NEG, -1, -1, "/dir"},
      {"/dir/other", NEG, -1, -1, "/dir"},
      {"/dir/app2/x", CERTMAP_SSL, -1, -1, "/dir/app2"},
      {NULL, 0, 0, 0, NULL}}},
    {"deeper locations override, case-insensitive, segment boundary",
     "<location path=\"S\">" ACCESS("Ssl, SslNegotiateCert, SslRequireCert") END
     "</location>"
     "<location path=\"S/Public\"><system.webServer><security><access sslFlags=\"Ssl\" />"
     "<authentication><anonymousAuthentication enabled=\"true\" /></authentication>" END
     "</location>"
     "<location path=\"s/public/deep\"><system.webServer><security><authentication>"
     "<anonymousAuthentication enabled=\"false\" /></authentication>" END "</location>",
     {{"/public/x.txt", CERTMAP_SSL, 1, -1, "/Public"},
      {"/PUBLIC/x.txt", CERTMAP_SSL, 1, -1, "/Public"},
      {"/publicity", REQ, 0, -1, ""},
      {"/public/deep/x", CERTMAP_SSL, 0, -1, "/Public/deep"},
      {NULL, 0, 0, 0, NULL}}},
    {"server level, then site, then directory; two locations for one path apply in order",
     "<system.webServer><security><access sslFlags=\"Ssl\" /><authentication>"
     "<iisClientCertificateMappingAuthentication enabled=\"true\" /></authentication>" END
     "<location path=\"S/a\">" ACCESS("Ssl, SslNegotiateCert") END
     "</location>"
     "<location path=\"S/A\"><system.webServer><security><authentication>"
     "<iisClientCertificateMappingAuthentication enabled=\"false\" /></authentication>" END
     "</location>",
     {{"/", CERTMAP_SSL, -1, 1, ""}, {"/a/b", NEG, -1, 0, "/a"}, {NULL, 0, 0, 0, NULL}}},
};

/* Builds the view of HEAD + body; NULL when the build refuses it (diags in d). */
static struct certmap_view *
view_of(const char *body, struct certmap_diags *d)
{
    return tc_view_of("test.config", HEAD, body, false, d);
}

static void
test_table(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        struct certmap_diags d;
        struct certmap_view *v = view_of(cases[c].config, &d);
        const struct certmap_site *s;

        assert_non_null(v);
        s = certmap_view_find_site(v, "s");
        assert_non_null(s);
        for (const struct row *r = cases[c].rows; r->url != NULL; r++) {
            const struct certmap_scope *sc = certmap_view_match(s, r->url, strlen(r->url));
            const struct certmap_settings *st = &sc->settings;
            if (r->ssl_flags >= 0 && (int)st->ssl_flags != r->ssl_flags)
                fail_msg("%s: %s: sslFlags %u, expected %d", cases[c].name, r->url, st->ssl_flags,
                         r->ssl_flags);
            if (r->anon >= 0 && (int)st->anon_enabled != r->anon)
                fail_msg("%s: %s: anonymous %d, expected %d", cases[c].name, r->url,
                         st->anon_enabled, r->anon);
            if (r->cm >= 0 && (int)st->cm_enabled != r->cm)
                fail_msg("%s: %s: mapping enabled %d, expected %d", cases[c].name, r->url,
                         st->cm_enabled, r->cm);
            if (r->scope != NULL && strcmp(sc->path, r->scope) != 0)
                fail_msg("%s: %s: scope \"%s\", expected \"%s\"", cases[c].name, r->url, sc->path,
                         r->scope);
        }
        certmap_view_unref(v);
        certmap_diags_free(&d);
    }
}

/* The request path is served under the scope's spelling, never another directory. */
static void
test_respell(void **state)
{
    struct certmap_diags d;
    struct certmap_view *v =
        view_of("<location path=\"S/public\">" ACCESS("None") END "</location>", &d);
    const struct certmap_site *s = certmap_view_find_site(v, "S");
    char path[] = "/PUBLIC/x.txt";
    const struct certmap_scope *sc = certmap_view_match(s, path, strlen(path));
    struct certmap_source src;

    (void)state;
    assert_string_equal(sc->path, "/public");
    certmap_view_respell(sc, path);
    assert_string_equal(path, "/public/x.txt");
    assert_ptr_equal(sc->vdir, &s->vdirs[0]); /* under the root's virtual directory */
    /* where the value came from */
    assert_string_equal(certmap_view_get(v, sc, CERTMAP_SECTION_ACCESS, "sslFlags", &src), "None");
    assert_string_equal(src.file, "test.config");
    assert_true(src.line > 0);
    assert_string_equal(sc->settings.src[CERTMAP_SET_SSL_FLAGS].file, "test.config");
    /* a default has no source */
    assert_string_equal(certmap_view_get(v, sc, CERTMAP_SECTION_BASIC, "enabled", &src), "false");
    assert_null(src.file);
    assert_null(certmap_view_get(v, sc, CERTMAP_SECTION_ACCESS, "noSuchAttr", NULL));
    certmap_view_unref(v);
    certmap_diags_free(&d);
}

static char *
mapping_body(void)
{
    return tc_fmt("<location path=\"S\"><system.webServer><security><authentication>"
                  "<iisClientCertificateMappingAuthentication enabled=\"true\"><oneToOneMappings>"
                  "<add userName=\"u1\" password=\"p1\" certificate=\"%s\" />"
                  "<add userName=\"u2\" password=\"p2\" certificate=\"%s\" />"
                  "</oneToOneMappings></iisClientCertificateMappingAuthentication>"
                  "</authentication></security></system.webServer></location>"
                  "<location path=\"S/app\"><system.webServer><security><authentication>"
                  "<iisClientCertificateMappingAuthentication><oneToOneMappings><clear />"
                  "<add userName=\"u3\" password=\"p3\" certificate=\"%s\" />"
                  "</oneToOneMappings></iisClientCertificateMappingAuthentication>"
                  "</authentication></security></system.webServer></location>"
                  "<location path=\"S/off\"><system.webServer><security><authentication>"
                  "<iisClientCertificateMappingAuthentication enabled=\"false\" />"
                  "</authentication></security></system.webServer></location>",
                  tc_iis[0], tc_iis[1], tc_iis[2]);
}

/* IIS reads one-to-one mappings at server and site level only. */
static void
test_mappings_site_level(void **state)
{
    char *body = mapping_body();
    struct certmap_diags d;
    struct certmap_view *v = view_of(body, &d);
    const struct certmap_site *s = certmap_view_find_site(v, "S");
    const struct certmap_scope *root = certmap_view_match(s, "/", 1);
    const struct certmap_scope *app = certmap_view_match(s, "/app/x", 6);
    const struct certmap_scope *off = certmap_view_match(s, "/off", 4);

    (void)state;
    assert_int_equal(s->mapping_count, 2);
    assert_non_null(root->settings.mappings);
    assert_ptr_equal(app->settings.mappings, root->settings.mappings);
    assert_null(off->settings.mappings);
    assert_true(tc_find_diag(&d, CERTMAP_SEV_NOTE, "ignored: IIS reads them only at the server") >=
                0);
    certmap_view_unref(v);
    certmap_diags_free(&d);
    free(body);
}

/* The server level's mappings, then the site's <remove> and <clear/>, in order. */
static void
test_mappings_remove_clear(void **state)
{
    char *body =
        tc_fmt("<system.webServer><security><authentication>"
               "<iisClientCertificateMappingAuthentication enabled=\"true\"><oneToOneMappings>"
               "<add userName=\"s0\" password=\"p\" certificate=\"%s\" />"
               "<add userName=\"s1\" password=\"p\" certificate=\"%s\" />"
               "</oneToOneMappings></iisClientCertificateMappingAuthentication>"
               "</authentication></security></system.webServer>"
               "<location path=\"S\"><system.webServer><security><authentication>"
               "<iisClientCertificateMappingAuthentication><oneToOneMappings>"
               "<remove certificate=\"%s\" />"
               "<add userName=\"u2\" password=\"p\" certificate=\"%s\" />"
               "</oneToOneMappings></iisClientCertificateMappingAuthentication>"
               "</authentication></security></system.webServer></location>",
               tc_iis[0], tc_iis[1], tc_wrapped[0], tc_iis[2]);
    struct certmap_diags d;
    struct certmap_view *v = view_of(body, &d);
    const struct certmap_site *s = certmap_view_find_site(v, "S");
    const struct mapping_index *idx = certmap_view_site_mappings(s);

    (void)state;
    /* s0 removed (its certificate written with line breaks is the same key), s1 kept, u2 added */
    assert_int_equal(s->mapping_count, 2);
    assert_string_equal(mapping_index_entry(idx, 0)->user, "s1");
    assert_string_equal(mapping_index_entry(idx, 1)->user, "u2");
    assert_ptr_equal(certmap_view_match(s, "/x", 2)->settings.mappings, idx);
    certmap_view_unref(v);
    certmap_diags_free(&d);
    free(body);

    body = tc_fmt("<system.webServer><security><authentication>"
                  "<iisClientCertificateMappingAuthentication enabled=\"true\"><oneToOneMappings>"
                  "<add userName=\"s0\" password=\"p\" certificate=\"%s\" />"
                  "</oneToOneMappings></iisClientCertificateMappingAuthentication>"
                  "</authentication></security></system.webServer>"
                  "<location path=\"S\"><system.webServer><security><authentication>"
                  "<iisClientCertificateMappingAuthentication><oneToOneMappings><clear />"
                  "</oneToOneMappings></iisClientCertificateMappingAuthentication>"
                  "</authentication></security></system.webServer></location>",
                  tc_iis[0]);
    v = view_of(body, &d);
    s = certmap_view_find_site(v, "S");
    assert_int_equal(s->mapping_count, 0);
    assert_null(certmap_view_site_mappings(s));
    certmap_view_unref(v);
    certmap_diags_free(&d);
    free(body);
}

/*
 * Many-to-one mappings: the server level's, then the site's (<remove> by
 * name), in document order with their rules and file:line; NULL where the
 * section or manyToOneCertificateMappingsEnabled is off; ignored (with a
 * note) below the site; a mapping without rules is a warning.
 */
static void
test_many_to_one(void **state)
{
    const char *body =
        "<system.webServer><security><authentication>"
        "<iisClientCertificateMappingAuthentication enabled=\"true\"><manyToOneMappings>\n"
        "<add name=\"server\" userName=\"s\" password=\"ps\">"
        "<rules><add certificateField=\"Issuer\" certificateSubField=\"CN\" "
        "matchCriteria=\"CA\" /></rules></add>\n"
        "<add name=\"gone\" userName=\"g\" />\n"
        "</manyToOneMappings></iisClientCertificateMappingAuthentication>"
        "</authentication></security></system.webServer>\n"
        "<location path=\"S\"><system.webServer><security><authentication>"
        "<iisClientCertificateMappingAuthentication><manyToOneMappings>\n"
        "<remove name=\"GONE\" />\n"
        "<add name=\"Contoso Employees\" permissionMode=\"Deny\" enabled=\"false\" "
        "description=\"d\">\n<rules>\n"
        "<add certificateField=\"Subject\" certificateSubField=\"O\" matchCriteria=\"Contoso\" "
        "compareCaseSensitive=\"false\" />\n"
        "<add certificateField=\"Subject\" certificateSubField=\"OU\" matchCriteria=\"HR\" />\n"
        "</rules></add>\n"
        "<add name=\"empty\" userName=\"e\" />\n"
        "</manyToOneMappings></iisClientCertificateMappingAuthentication>"
        "</authentication></security></system.webServer></location>\n"
        "<location path=\"S/off\"><system.webServer><security><authentication>"
        "<iisClientCertificateMappingAuthentication manyToOneCertificateMappingsEnabled=\"false\">"
        "<manyToOneMappings><add name=\"below\" userName=\"b\" /></manyToOneMappings>"
        "</iisClientCertificateMappingAuthentication>"
        "</authentication></security></system.webServer></location>\n";
    struct certmap_diags d;
    struct certmap_view *v = view_of(body, &d);
    const struct certmap_site *s = certmap_view_find_site(v, "S");
    const struct m2o_set *set = certmap_view_site_many_to_one(s);
    const struct m2o_mapping *m;

    (void)state;
    assert_int_equal(m2o_set_count(set), 3);
    m = m2o_set_entry(set, 0);
    assert_string_equal(m->name, "server");
    assert_string_equal(m->base.user, "s");
    assert_string_equal(m->base.password, "ps");
    assert_true(m->base.enabled);
    assert_false(m->deny);
    assert_int_equal(m->nrules, 1);
    assert_int_equal(m->rules[0].field, M2O_ISSUER);
    m = m2o_set_entry(set, 1);
    assert_string_equal(m->name, "Contoso Employees");
    assert_string_equal(m->description, "d");
    assert_true(m->deny);
    assert_false(m->base.enabled);
    assert_string_equal(m->base.file, "test.config");
    assert_true(m->base.line > m2o_set_entry(set, 0)->base.line);
    assert_int_equal(m->nrules, 2);
    assert_false(m->rules[0].case_sensitive);
    assert_true(m->rules[1].case_sensitive);
    assert_string_equal(m->rules[1].criteria, "HR");
    assert_int_equal(m->rules[0].line, m->base.line + 2);
    assert_int_equal(m->rules[1].line, m->base.line + 3);
    assert_string_equal(m->rules[1].file, "test.config");
    assert_string_equal(m2o_set_entry(set, 2)->name, "empty");
    assert_ptr_equal(certmap_view_match(s, "/", 1)->settings.many_to_one, set);
    assert_ptr_equal(certmap_view_match(s, "/x", 2)->settings.many_to_one, set);
    assert_null(certmap_view_match(s, "/off", 4)->settings.many_to_one);
    assert_true(tc_find_diag(&d, CERTMAP_SEV_WARNING, "\"empty\" has no rules: it never matches") >=
                0);
    assert_true(
        tc_find_diag(&d, CERTMAP_SEV_NOTE, "many-to-one mappings of \"S/off\" are ignored") >= 0);
    certmap_view_unref(v);
    certmap_diags_free(&d);
}

/* A location path too long to keep whole is refused, never cut to another path. */
static void
test_long_location_path(void **state)
{
    char seg[1100];
    char *text;
    struct certmap_diags d = {0};
    struct certmap_error err = {0};
    struct certmap_config *cfg;

    (void)state;
    memset(seg, 'a', sizeof(seg) - 1);
    seg[sizeof(seg) - 1] = '\0';
    text = tc_fmt("%s<location path=\"S/%s\">" ACCESS("Ssl, SslNegotiateCert, SslRequireCert") END
                  "</location></configuration>\n",
                  HEAD, seg);
    cfg = certmap_config_parse("test.config", text, strlen(text), NULL, &d, &err);
    assert_null(cfg);
    assert_true(tc_find_diag(&d, CERTMAP_SEV_ERROR, "location path of 1101 characters") >= 0);
    certmap_diags_free(&d);
    free(text);
}

/* Any number of scopes, built in about n log n: 20 000 locations. */
static void
test_many_locations(void **state)
{
    size_t n = 20000, cap = n * 140 + 64, off = 0;
    char *body = malloc(cap);
    struct certmap_diags d;
    struct certmap_view *v;
    const struct certmap_site *s;
    struct timespec t0, t1;
    double secs;

    (void)state;
    assert_non_null(body);
    for (size_t i = 0; i < n; i++)
        off += (size_t)snprintf(body + off, cap - off,
                                "<location path=\"S/d%zu/e\">" ACCESS("%s") END "</location>\n", i,
                                i % 2 ? "Ssl" : "Ssl, SslNegotiateCert");
    clock_gettime(CLOCK_MONOTONIC, &t0);
    v = view_of(body, &d);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    print_message("20000 locations: parse + view in %.3f s\n", secs);
    s = certmap_view_find_site(v, "S");
    assert_true(s->nscopes >= n);
    assert_int_equal(certmap_view_match(s, "/d19999/e/f", 11)->settings.ssl_flags, CERTMAP_SSL);
    assert_int_equal(certmap_view_match(s, "/D19998/E", 9)->settings.ssl_flags, NEG);
    assert_int_equal(certmap_view_match(s, "/d19998", 7)->settings.ssl_flags, 0);
    certmap_view_unref(v);
    certmap_diags_free(&d);
    free(body);
}

/* A view of a site whose root is dir, with web.config files read. */
static struct certmap_view *
web_view(const char *dir, const char *locations, struct certmap_diags *d)
{
    char *text = tc_fmt("<configuration><system.applicationHost><sites>\n"
                        "<site name=\"S\" id=\"1\"><application path=\"/\">"
                        "<virtualDirectory path=\"/\" physicalPath=\"%s\" /></application>\n"
                        "<application path=\"/app\"><virtualDirectory path=\"/\" "
                        "physicalPath=\"%s/app\" /></application>\n"
                        "</site></sites></system.applicationHost>\n%s</configuration>\n",
                        dir, dir, locations);
    struct certmap_view_options vo = {.web_config = true};
    struct certmap_error err = {0};
    struct certmap_config *cfg;
    struct certmap_view *v;

    memset(d, 0, sizeof(*d));
    cfg = certmap_config_parse("host.config", text, strlen(text), NULL, d, &err);
    if (cfg == NULL)
        tc_dump(d);
    assert_non_null(cfg);
    v = certmap_view_build(cfg, &vo, d, &err);
    if (v == NULL)
        tc_dump(d);
    certmap_config_close(cfg);
    free(text);
    return v;
}

static void
put_file(const char *dir, const char *rel, const char *text)
{
    char *p = tc_fmt("%s/%s", dir, rel), *slash;

    for (slash = strchr(p + strlen(dir) + 1, '/'); slash != NULL; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        mkdir(p, 0755);
        *slash = '/';
    }
    free(fixture_write(dir, rel, text, strlen(text)));
    free(p);
}

#define WEB(body) "<configuration><system.webServer>" body "</system.webServer></configuration>\n"
#define UNLOCK_ACCESS                                                                              \
    "<location path=\"S\" overrideMode=\"Allow\"><system.webServer><security><access />"           \
    "</security></system.webServer></location>"

/* web.config layers: allowed where unlocked, 500.19 where locked, for that directory only. */
static void
test_web_config(void **state)
{
    char *dir = fixture_tmpdir();
    struct certmap_diags d;
    struct certmap_view *v;
    const struct certmap_site *s;
    const struct certmap_scope *sc;

    (void)state;
    put_file(dir, "tight/Web.config",
             WEB("<security><access sslFlags=\"Ssl, SslNegotiateCert, SslRequireCert\" />"
                 "</security>"));
    put_file(dir, "tight/deeper/x.txt", "x");
    put_file(dir, "app/web.config",
             WEB("<security><authentication><anonymousAuthentication enabled=\"false\" />"
                 "</authentication></security>"));
    put_file(dir, "open/x.txt", "x");

    /* access is locked by IIS's default (overrideModeDefault Deny): 500.19 under /tight */
    v = web_view(dir, "", &d);
    assert_non_null(v);
    s = certmap_view_find_site(v, "S");
    sc = certmap_view_match(s, "/tight/deeper/x.txt", 19);
    assert_int_equal(sc->error_status, 500);
    assert_int_equal(sc->error_substatus, 19);
    assert_non_null(strstr(sc->error, "cannot be used at this path"));
    assert_true(tc_find_diag(&d, CERTMAP_SEV_ERROR, "tight/Web.config:1: access:") >= 0);
    assert_true(tc_find_diag(&d, CERTMAP_SEV_ERROR, "app/web.config:1: anonymousAuthentication:") >=
                0);
    assert_true(d.errors == d.item_errors); /* the rest of the site serves */
    assert_int_equal(certmap_view_match(s, "/open/x.txt", 11)->error_status, 0);
    /* the authentication section is locked too: /app answers 500.19 */
    assert_int_equal(certmap_view_match(s, "/app/x", 6)->error_status, 500);
    assert_true(certmap_view_dir_count(v) >= 4);
    certmap_view_unref(v);
    certmap_diags_free(&d);

    /* unlocked at the site: the web.config tightens /tight; the scope is spelled as on disk */
    v = web_view(dir,
                 "<location path=\"S\" overrideMode=\"Allow\"><system.webServer><security>"
                 "<access /><authentication><anonymousAuthentication /></authentication>"
                 "</security></system.webServer></location>",
                 &d);
    assert_non_null(v);
    s = certmap_view_find_site(v, "S");
    sc = certmap_view_match(s, "/TIGHT/deeper", 13);
    assert_int_equal(sc->error_status, 0);
    assert_string_equal(sc->path, "/tight");
    assert_int_equal(sc->settings.ssl_flags, REQ);
    assert_true(sc->kind & CERTMAP_SCOPE_WEBCONFIG);
    assert_int_equal(certmap_view_match(s, "/open", 5)->settings.ssl_flags, 0);
    sc = certmap_view_match(s, "/app/x", 6);
    assert_int_equal(sc->error_status, 0);
    assert_false(sc->settings.anon_enabled);
    assert_non_null(strstr(sc->settings.src[CERTMAP_SET_ANON_ENABLED].file, "app/web.config"));
    certmap_view_unref(v);
    certmap_diags_free(&d);

    /* a location spelled otherwise than the disk serves the disk's directory */
    put_file(dir, "pub/x.txt", "x");
    put_file(dir, "both/x.txt", "x");
    put_file(dir, "BOTH/x.txt", "X");
    v = web_view(dir,
                 "<location path=\"S/PUB/Deep\">" ACCESS("None") END
                 "</location>"
                 "<location path=\"S/Both\">" ACCESS("None") END
                 "</location>"
                 "<location path=\"S/both/x\">" ACCESS("Ssl") END "</location>",
                 &d);
    s = certmap_view_find_site(v, "S");
    assert_string_equal(certmap_view_match(s, "/pub/deep/x", 11)->path, "/pub/Deep");
    /* two candidates on disk: the configuration's spelling stays */
    assert_string_equal(certmap_view_match(s, "/both", 5)->path, "/Both");
    assert_string_equal(certmap_view_match(s, "/BOTH/x", 7)->path, "/Both/x");
    certmap_view_unref(v);
    certmap_diags_free(&d);

    /* a broken web.config: 500.19 there only */
    put_file(dir, "open/web.config", "<configuration><system.webServer>");
    v = web_view(dir, UNLOCK_ACCESS, &d);
    s = certmap_view_find_site(v, "S");
    assert_int_equal(certmap_view_match(s, "/open/x.txt", 11)->error_status, 500);
    assert_int_equal(certmap_view_match(s, "/", 1)->error_status, 0);
    certmap_view_unref(v);
    certmap_diags_free(&d);
    fixture_rmtree(dir);
}

/* serverRuntime/@uploadReadAheadSize: IIS's default, inherited, set per <location>. */
static void
test_upload_read_ahead(void **state)
{
    static const char body[] =
        "<location path=\"S/app\"><system.webServer><serverRuntime uploadReadAheadSize=\"1024\" "
        "/></system.webServer></location>\n";
    struct certmap_diags d;
    struct certmap_view *v = view_of(body, &d);
    const struct certmap_site *s;
    const struct certmap_scope *root, *app;

    (void)state;
    assert_non_null(v);
    s = certmap_view_find_site(v, "S");
    root = certmap_view_match(s, "/x", 2);
    app = certmap_view_match(s, "/app/sub/x", 10);
    assert_int_equal(root->settings.upload_read_ahead, 49152);
    assert_null(root->settings.upload_read_ahead_src.file);
    assert_int_equal(app->settings.upload_read_ahead, 1024);
    assert_non_null(app->settings.upload_read_ahead_src.file);
    assert_int_equal(app->settings.upload_read_ahead_src.line, 1 + 8);
    certmap_view_unref(v);
    certmap_diags_free(&d);
}

/* certificateExpiryWarningDays: 30 by default, the value written, 0 turns warnings off. */
static void
test_expiry_warning_days(void **state)
{
    struct certmap_diags d;
    struct certmap_view *v;

    (void)state;
    v = view_of("", &d);
    assert_int_equal(certmap_view_server(v)->expiry_warning_days, 30);
    certmap_view_unref(v);
    certmap_diags_free(&d);
    v = view_of("<certmap><server certificateExpiryWarningDays=\"7\" /></certmap>", &d);
    assert_int_equal(certmap_view_server(v)->expiry_warning_days, 7);
    certmap_view_unref(v);
    certmap_diags_free(&d);
    v = view_of("<certmap><server certificateExpiryWarningDays=\"0\" /></certmap>", &d);
    assert_int_equal(certmap_view_server(v)->expiry_warning_days, 0);
    certmap_view_unref(v);
    certmap_diags_free(&d);
}

/* The first error of d that names line, or NULL. */
static const struct certmap_diag *
error_at(const struct certmap_diags *d, unsigned line)
{
    for (size_t i = 0; i < d->count; i++)
        if (d->items[i].severity == CERTMAP_SEV_ERROR && d->items[i].err.line == line)
            return &d->items[i];
    return NULL;
}

/* <certmap><status listen>: parsed to a numeric address and port, checked against bindings. */
static void
test_status_listen(void **state)
{
    static const struct {
        const char *listen;
        const char *ip; /* NULL: an error */
        unsigned port;
        const char *why; /* in the error */
    } listens[] = {
        {"127.0.0.1:9090", "127.0.0.1", 9090, NULL},
        {"[::1]:9090", "::1", 9090, NULL},
        {"127.0.0.2:8080", "127.0.0.2", 8080, NULL}, /* the binding is 127.0.0.1:8080 */
        {"127.0.0.1:8080", NULL, 0, "also a binding of site \"S\""},
        {"0.0.0.0:8080", NULL, 0, "also a binding of site \"S\""},
        {"localhost:9090", NULL, 0, "is not ADDR:PORT"},
        {"::1:9090", NULL, 0, "is not ADDR:PORT"},
        {"127.0.0.1:0", NULL, 0, "is not ADDR:PORT"},
        {"127.0.0.1:70000", NULL, 0, "is not ADDR:PORT"},
        {"127.0.0.1:90x", NULL, 0, "is not ADDR:PORT"},
        {"9090", NULL, 0, "is not ADDR:PORT"},
    };
    struct certmap_diags d;
    struct certmap_view *v;
    char *body;

    (void)state;
    v = view_of("", &d);
    assert_string_equal(certmap_view_server(v)->status_ip, "");
    certmap_view_unref(v);
    certmap_diags_free(&d);
    for (size_t i = 0; i < sizeof(listens) / sizeof(listens[0]); i++) {
        body = tc_fmt("<certmap><status listen=\"%s\" /></certmap>\n", listens[i].listen);
        v = view_of(body, &d);
        if (listens[i].ip != NULL) {
            assert_non_null(v);
            assert_string_equal(certmap_view_server(v)->status_ip, listens[i].ip);
            assert_int_equal(certmap_view_server(v)->status_port, listens[i].port);
            assert_int_equal(certmap_view_server(v)->status_src.line, 9);
        } else {
            const struct certmap_diag *e = error_at(&d, 9);
            assert_null(v);
            assert_non_null(e);
            assert_string_equal(e->err.attribute, "listen");
            if (strstr(e->err.message, listens[i].why) == NULL)
                fail_msg("%s: %s", listens[i].listen, e->err.message);
        }
        certmap_view_unref(v);
        certmap_diags_free(&d);
        free(body);
    }
}

/* ARR's proxy section and <certmap><upstream>: defaults, values, a timeout that is no timespan. */
static void
test_proxy_settings(void **state)
{
    static const struct {
        const char *timeout;
        unsigned ms; /* 0: an error */
    } spans[] = {
        {"00:00:30", 30000},  {"00:02:00", 120000}, {"1.00:00:00", 86400000},
        {"00:00:01.5", 1500}, {"00:00:00", 0},      {"30", 0},
        {"00:60:00", 0},      {"0:0:30", 0},        {"00:00:30x", 0},
    };
    const struct certmap_server_settings *sv;
    struct certmap_diags d;
    struct certmap_view *v;
    char *body;

    (void)state;
    v = view_of("", &d);
    sv = certmap_view_server(v);
    assert_false(sv->proxy_enabled);
    assert_false(sv->proxy_preserve_host);
    assert_true(sv->proxy_reverse_rewrite_host);
    assert_true(sv->proxy_xff_port);
    assert_string_equal(sv->proxy_xff_name, "X-Forwarded-For");
    assert_int_equal(sv->proxy_timeout_ms, 30000);
    assert_int_equal(sv->proxy_max_response_header, 128 * 1024);
    assert_string_equal(sv->proxy_ca_file, "");
    assert_false(sv->proxy_keep_underscore);
    assert_int_equal(sv->proxy_max_idle, 64);
    certmap_view_unref(v);
    certmap_diags_free(&d);

    v = view_of("<system.webServer><proxy enabled=\"true\" preserveHostHeader=\"true\" "
                "xForwardedForHeaderName=\"X-Client-IP\" includePortInXForwardedFor=\"false\" "
                "timeout=\"00:01:00\" /></system.webServer>\n"
                "<certmap><upstream caFile=\"/etc/ssl/up.pem\" keepUnderscoreHeaders=\"true\" "
                "maxIdlePerUpstream=\"2\" /></certmap>\n",
                &d);
    assert_non_null(v);
    sv = certmap_view_server(v);
    assert_true(sv->proxy_enabled);
    assert_true(sv->proxy_preserve_host);
    assert_false(sv->proxy_xff_port);
    assert_string_equal(sv->proxy_xff_name, "X-Client-IP");
    assert_int_equal(sv->proxy_timeout_ms, 60000);
    assert_string_equal(sv->proxy_ca_file, "/etc/ssl/up.pem");
    assert_true(sv->proxy_keep_underscore);
    assert_int_equal(sv->proxy_max_idle, 2);
    certmap_view_unref(v);
    certmap_diags_free(&d);

    for (size_t i = 0; i < sizeof(spans) / sizeof(spans[0]); i++) {
        body = tc_fmt("<system.webServer><proxy timeout=\"%s\" /></system.webServer>\n",
                      spans[i].timeout);
        v = view_of(body, &d);
        if (spans[i].ms != 0) {
            assert_non_null(v);
            assert_int_equal(certmap_view_server(v)->proxy_timeout_ms, spans[i].ms);
        } else {
            const struct certmap_diag *e = error_at(&d, 9);
            assert_null(v);
            if (e == NULL || strcmp(e->err.attribute, "timeout") != 0)
                fail_msg("%s: no error on the timeout", spans[i].timeout);
        }
        certmap_view_unref(v);
        certmap_diags_free(&d);
        free(body);
    }
}

/* The first n entries of a serve-only index equal those of a normal one, field by field. */
static void
assert_same_entries(const struct mapping_index *i0, const struct mapping_index *i1, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct mapping *a = mapping_index_entry(i0, i), *b = mapping_index_entry(i1, i);
        assert_memory_equal(a->sha256, b->sha256, 32);
        assert_string_equal(a->user, b->user);
        assert_string_equal(a->password, b->password);
        assert_int_equal(a->enabled, b->enabled);
        assert_int_equal(a->line, b->line);
        assert_true(a->not_after == b->not_after);
        assert_int_equal(a->subject_len, b->subject_len);
        /* memcmp, not cmocka's own loop: ASan sees this read (subjects held by the index) */
        assert_true(memcmp(a->subject, b->subject, a->subject_len) == 0);
    }
}

/* The view of HEAD + body parsed with opts, compact; the config in *cfg (caller closes). */
static struct certmap_view *
compact_view_of(const char *body, const struct certmap_open_options *oo,
                struct certmap_config **cfg, struct certmap_diags *d)
{
    const struct certmap_view_options vo = {.compact_mappings = true};
    char *text = tc_fmt("%s%s</configuration>\n", HEAD, body);
    struct certmap_error err = {0};
    struct certmap_view *v;

    memset(d, 0, sizeof(*d));
    *cfg = certmap_config_parse("test.config", text, strlen(text), oo, d, &err);
    free(text);
    assert_non_null(*cfg);
    v = certmap_view_build(*cfg, &vo, d, &err);
    assert_non_null(v);
    return v;
}

/*
 * Same from a file opened with certmap_config_open(), which a serve-only
 * open reads as its parse goes.
 */
static struct certmap_view *
compact_view_of_file(const char *body, const struct certmap_open_options *oo,
                     struct certmap_config **cfg, struct certmap_diags *d)
{
    const struct certmap_view_options vo = {.compact_mappings = true};
    char *text = tc_fmt("%s%s</configuration>\n", HEAD, body);
    char path[] = "/tmp/certmap-test-view.XXXXXX";
    int fd = mkstemp(path);
    struct certmap_error err = {0};
    struct certmap_view *v;

    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    free(text);
    memset(d, 0, sizeof(*d));
    *cfg = certmap_config_open(path, oo, d, &err);
    unlink(path);
    assert_non_null(*cfg);
    v = certmap_view_build(*cfg, &vo, d, &err);
    assert_non_null(v);
    return v;
}

/*
 * A serve-only config (certmapd's) gives the compact index the same entries
 * as a normal one, from one decode of each certificate, with values that
 * needed decoding (&amp;), a certificate spelled with line breaks, and a
 * broken certificate still named at its line; it refuses what needs its text.
 */
static void
test_serve_only(void **state)
{
    char *body =
        tc_fmt("<location path=\"S\"><system.webServer><security><authentication>"
               "<iisClientCertificateMappingAuthentication enabled=\"true\"><oneToOneMappings>\n"
               "<add userName=\"a&amp;b\" password=\"p1\" certificate=\"%s\" />\n"
               "<add userName=\"bad\" password=\"p3\" certificate=\"MIIBnotacert\" />\n"
               "<add userName=\"u2\" password=\"p2\" enabled=\"false\" certificate=\"%s\" />\n"
               "<add userName=\"u4\" password=\"p4\" certificate=\"%s\" />\n"
               "</oneToOneMappings></iisClientCertificateMappingAuthentication>"
               "</authentication></security></system.webServer></location>",
               tc_iis[0], tc_iis[1], tc_wrapped[2]);
    const struct certmap_open_options plain = {0}, serve = {.serve_only = true};
    struct certmap_config *c0, *c1;
    struct certmap_diags d0, d1, dv = {0};
    struct certmap_view *v0 = compact_view_of(body, &plain, &c0, &d0);
    struct certmap_view *v1 = compact_view_of(body, &serve, &c1, &d1);
    const struct mapping_index *i0 = certmap_view_site_mappings(certmap_view_find_site(v0, "S"));
    const struct mapping_index *i1 = certmap_view_site_mappings(certmap_view_find_site(v1, "S"));
    struct certmap_error err = {0};
    int k;

    (void)state;
    assert_int_equal(mapping_index_count(i0), 3);
    assert_int_equal(mapping_index_count(i1), 3);
    assert_same_entries(i0, i1, 3);
    assert_string_equal(mapping_index_entry(i1, 0)->user, "a&b");
    assert_false(mapping_index_entry(i1, 1)->enabled);
    /* the broken one: the same item error, at its line */
    k = tc_find_diag(&d1, CERTMAP_SEV_ERROR, "this mapping is inactive");
    assert_true(k >= 0);
    assert_true(d1.items[k].item);
    assert_string_equal(d1.items[k].err.file, "test.config");
    assert_int_equal(d1.items[k].err.line, 11);
    assert_int_equal(d0.errors, d1.errors);
    /* what needs the text is refused, with a reason */
    assert_int_not_equal(certmap_config_commit(c1, &err), 0);
    assert_int_equal(err.kind, CERTMAP_ERR_USAGE);
    assert_int_not_equal(certmap_config_validate(c1, &dv), 0);
    assert_true(tc_find_diag(&dv, CERTMAP_SEV_ERROR, "opened to serve") >= 0);
    assert_null(certmap_view_build(c1, NULL, NULL, &err));
    assert_int_equal(err.kind, CERTMAP_ERR_USAGE);
    /* the index holds the subjects it points at: they outlive the configuration */
    certmap_config_close(c1);
    c1 = NULL;
    assert_same_entries(i0, i1, 3);
    certmap_view_unref(v0);
    certmap_view_unref(v1);
    certmap_config_close(c0);
    certmap_config_close(c1);
    certmap_diags_free(&d0);
    certmap_diags_free(&d1);
    certmap_diags_free(&dv);
    free(body);
}

/* n bytes of c, NUL-terminated (malloc). */
static char *
filled(size_t n, char c)
{
    char *p = malloc(n + 1);

    assert_non_null(p);
    memset(p, c, n);
    p[n] = '\0';
    return p;
}

/*
 * A serve-only parse gives back the text it has read past (more than a
 * chunk, more than the 1 MiB it waits for): values as long as several pages
 * and certificates behind large comments still read the same.
 */
static void
test_serve_only_large(void **state)
{
    char *big = filled(700000, 'x'), *u1 = filled(300000, 'a'), *p2 = filled(450000, 'b');
    char *body =
        tc_fmt("<!-- %s -->"
               "<location path=\"S\"><system.webServer><security><authentication>"
               "<iisClientCertificateMappingAuthentication enabled=\"true\"><oneToOneMappings>\n"
               "<add userName=\"%s\" password=\"p1\" certificate=\"%s\" />\n<!-- %s -->"
               "<add userName=\"u2\" password=\"%s\" certificate=\"%s\" />\n<!-- %s -->"
               "<add userName=\"u3&amp;\" password=\"p3\" certificate=\"%s\" />\n"
               "</oneToOneMappings></iisClientCertificateMappingAuthentication>"
               "</authentication></security></system.webServer></location>",
               big, u1, tc_iis[0], big, p2, tc_wrapped[1], big, tc_iis[2]);
    const struct certmap_open_options plain = {0}, serve = {.serve_only = true};
    struct certmap_config *c0, *c1;
    struct certmap_diags d0, d1;
    struct certmap_view *v0 = compact_view_of(body, &plain, &c0, &d0);
    struct certmap_view *v1 = compact_view_of(body, &serve, &c1, &d1), *v2;
    const struct mapping_index *i0 = certmap_view_site_mappings(certmap_view_find_site(v0, "S"));
    const struct mapping_index *i1 = certmap_view_site_mappings(certmap_view_find_site(v1, "S"));
    const struct mapping_index *i2;
    struct certmap_config *c2;
    struct certmap_diags d2;

    (void)state;
    assert_int_equal(mapping_index_count(i1), 3);
    assert_same_entries(i0, i1, 3);
    assert_string_equal(mapping_index_entry(i1, 0)->user, u1);
    assert_string_equal(mapping_index_entry(i1, 1)->password, p2);
    assert_string_equal(mapping_index_entry(i1, 2)->user, "u3&");
    assert_int_equal(d0.errors, d1.errors);
    /* read from the file chunk by chunk: the same again */
    v2 = compact_view_of_file(body, &serve, &c2, &d2);
    i2 = certmap_view_site_mappings(certmap_view_find_site(v2, "S"));
    assert_int_equal(mapping_index_count(i2), 3);
    assert_same_entries(i0, i2, 3);
    assert_int_equal(d0.errors, d2.errors);
    assert_int_equal(d0.item_errors, d2.item_errors);
    certmap_view_unref(v0);
    certmap_view_unref(v1);
    certmap_view_unref(v2);
    certmap_config_close(c0);
    certmap_config_close(c1);
    certmap_config_close(c2);
    certmap_diags_free(&d0);
    certmap_diags_free(&d1);
    certmap_diags_free(&d2);
    free(body);
    free(big);
    free(u1);
    free(p2);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_expiry_warning_days),
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_respell),
        cmocka_unit_test(test_mappings_site_level),
        cmocka_unit_test(test_mappings_remove_clear),
        cmocka_unit_test(test_many_to_one),
        cmocka_unit_test(test_long_location_path),
        cmocka_unit_test(test_many_locations),
        cmocka_unit_test(test_web_config),
        cmocka_unit_test(test_upload_read_ahead),
        cmocka_unit_test(test_status_listen),
        cmocka_unit_test(test_proxy_settings),
        cmocka_unit_test(test_serve_only),
        cmocka_unit_test(test_serve_only_large),
    };
    return cmocka_run_group_tests(tests, tc_group_setup, tc_group_teardown);
}
