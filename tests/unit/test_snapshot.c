/*
 * Unit tests for the snapshot (snapshot_build.c, snapshot_bind.c, snapshot.c):
 * a configuration parsed from memory becomes the runtime view (sites,
 * bindings, endpoints, locations, virtual directories, mapping indexes,
 * limits), and configuration errors are reported with file:line instead of a
 * snapshot.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "certmap/cert.h"
#include "server_modules.h"
#include "testcert.h"

#define HEAD                                                                                       \
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<configuration>\n"                                \
    "<system.applicationHost><sites>\n"
#define SITE_A                                                                                     \
    "<site name=\"Default Web Site\" id=\"1\">\n"                                                  \
    " <application path=\"/\"><virtualDirectory path=\"/\" physicalPath=\"/srv/www\" />\n"         \
    "  <virtualDirectory path=\"/docs\" physicalPath=\"/srv/docs\" /></application>\n"             \
    " <application path=\"/app\"><virtualDirectory path=\"/\" physicalPath=\"/srv/app\" "          \
    "/></application>\n"                                                                           \
    " <bindings><binding protocol=\"https\" bindingInformation=\"*:8443:\" />\n"                   \
    "  <binding protocol=\"http\" bindingInformation=\"127.0.0.1:8080:\" /></bindings>\n"          \
    "</site>\n"

/* Builds a snapshot (no TLS, no files opened) from text; diags kept in *d. */
static struct snapshot *
build(const char *text, struct certmap_diags *d)
{
    struct certmap_open_options oo;
    struct snapshot_params sp;
    struct certmap_config *cfg;
    struct certmap_error err;
    struct snapshot *snap;

    memset(&oo, 0, sizeof(oo));
    memset(&sp, 0, sizeof(sp));
    memset(d, 0, sizeof(*d));
    sp.generation = 7;
    cfg = certmap_config_parse("/etc/certmap/applicationHost.config", text, strlen(text), &oo, d,
                               &err);
    if (cfg == NULL)
        return NULL;
    snap = snapshot_build(cfg, &sp, d, &err);
    certmap_config_close(cfg);
    return snap;
}

static bool
diags_have(const struct certmap_diags *d, const char *needle, unsigned line)
{
    size_t i;

    for (i = 0; i < d->count; i++)
        if (d->items[i].severity == CERTMAP_SEV_ERROR &&
            strstr(d->items[i].err.message, needle) != NULL &&
            (line == 0 || d->items[i].err.line == line))
            return true;
    return false;
}

static void
print_diags(const struct certmap_diags *d)
{
    char buf[2048];
    size_t i;

    for (i = 0; i < d->count; i++)
        fprintf(stderr, "diag: %s\n", certmap_error_format(&d->items[i].err, buf, sizeof(buf)));
}

static void
test_sites_bindings_endpoints(void **state)
{
    static const char text[] = HEAD SITE_A "</sites></system.applicationHost>\n</configuration>\n";
    struct certmap_diags d;
    struct snapshot *snap;
    const struct snap_site *s;
    size_t i, https = 0;

    (void)state;
    snap = build(text, &d);
    if (snap == NULL)
        print_diags(&d);
    assert_non_null(snap);
    assert_int_equal(snap->generation, 7);
    assert_int_equal(snap->nsites, 1);
    s = &snap->sites[0];
    assert_string_equal(s->name, "Default Web Site");
    assert_int_equal(s->id, 1);
    /* "*" listens on IPv4 and IPv6; the http binding on its one address. */
    assert_int_equal(snap->nendpoints, 3);
    for (i = 0; i < snap->nendpoints; i++) {
        const struct snap_endpoint *ep = &snap->endpoints[i];
        assert_int_equal(ep->nbindings, 1);
        assert_ptr_equal(ep->bindings[0]->site, s);
        if (ep->proto == SNAP_HTTPS) {
            https++;
            assert_int_equal(ep->port, 8443);
            assert_true(strcmp(ep->key, "https/0.0.0.0:8443") == 0 ||
                        strcmp(ep->key, "https/[::]:8443") == 0);
        } else {
            assert_string_equal(ep->key, "http/127.0.0.1:8080");
        }
    }
    assert_int_equal(https, 2);
    /* Site defaults: no location, so the root only, with IIS defaults. */
    /* no location: the root and the roots of the virtual directories */
    assert_int_equal(s->vs->nscopes, 3);
    assert_int_equal(s->vs->scopes[0]->path_len, 0);
    assert_int_equal(s->vs->scopes[0]->settings.ssl_flags, 0);
    /* IIS schema default; IIS's own file sets it true */
    assert_false(s->vs->scopes[0]->settings.anon_enabled);
    assert_false(s->vs->scopes[0]->settings.cm_enabled);
    assert_false(s->wants_cert);
    assert_false(snap->bindings[0].request_cert);
    /* Limits and settings defaults (docs/configuration.md). */
    assert_int_equal(snap->sv->max_connections, 10000);
    assert_int_equal(snap->sv->header_timeout, 10);
    assert_int_equal(snap->sv->idle_timeout, 120);
    assert_int_equal(snap->sv->max_body, 30000000ULL);
    assert_int_equal(snap->sv->ticket_seconds, 7200);
    assert_int_equal(snap->sv->ticket_count, 1);
    assert_int_equal(snap->sv->max_client_chain, 32768);
    assert_string_equal(snap->sv->log_dir, "/etc/certmap/logs");
    assert_string_equal(snap->sv->error_log, "/etc/certmap/logs/certmapd.log");
    assert_string_equal(s->log_dir, "/etc/certmap/logs");
    assert_int_equal(snap->logon_settings.provider, LOGON_FILE);
    assert_string_equal(snap->logon_settings.accounts_file, "/etc/certmap/accounts");
    snapshot_unref(snap);
    certmap_diags_free(&d);
}

static const struct snap_vdir *
vdir_of(const struct snap_site *s, const char *path)
{
    return snapshot_scope_vdir(s, snapshot_find_scope(s, path, strlen(path)));
}

static const struct certmap_settings *
loc_of(const struct snap_site *s, const char *path)
{
    return &snapshot_find_scope(s, path, strlen(path))->settings;
}

static void
test_vdirs(void **state)
{
    static const char text[] = HEAD SITE_A "</sites></system.applicationHost>\n</configuration>\n";
    struct certmap_diags d;
    struct snapshot *snap;
    const struct snap_site *s;
    const struct snap_vdir *v;

    (void)state;
    snap = build(text, &d);
    assert_non_null(snap);
    s = &snap->sites[0];
    assert_int_equal(s->nvdirs, 3);
    v = vdir_of(s, "/docs/a.html");
    assert_non_null(v);
    assert_string_equal(v->v->physical, "/srv/docs");
    v = vdir_of(s, "/DOCS");
    assert_string_equal(v->v->physical, "/srv/docs");
    v = vdir_of(s, "/docsx/a"); /* segment boundary */
    assert_string_equal(v->v->physical, "/srv/www");
    v = vdir_of(s, "/app/x");
    assert_string_equal(v->v->physical, "/srv/app");
    assert_string_equal(v->v->url, "/app");
    v = vdir_of(s, "/");
    assert_string_equal(v->v->url, "");
    assert_int_equal(v->root_fd, -1); /* not opened in this test */
    snapshot_unref(snap);
    certmap_diags_free(&d);
}

/* A configuration with locations and mappings of two run-time certificates. */
static char *
mapping_config(const char *b64a, const char *b64b)
{
    char *text = NULL;
    int n;

    n = asprintf(
        &text,
        HEAD SITE_A
        "</sites></system.applicationHost>\n"
        "<location path=\"Default Web Site\"><system.webServer><security>\n"
        " <access sslFlags=\"Ssl, SslNegotiateCert, SslRequireCert\" />\n"
        " <authentication><anonymousAuthentication enabled=\"false\" />\n"
        "  <iisClientCertificateMappingAuthentication enabled=\"true\" "
        "defaultLogonDomain=\"CORP\">\n"
        "   <oneToOneMappings>\n"
        "    <add userName=\"alice\" password=\"pa\" certificate=\"%s\" />\n"
        "    <add userName=\"bob\" password=\"pb\" enabled=\"false\" certificate=\"%s\" />\n"
        "   </oneToOneMappings></iisClientCertificateMappingAuthentication>\n"
        " </authentication></security></system.webServer></location>\n"
        "<location path=\"Default Web Site/public\"><system.webServer><security>\n"
        " <access sslFlags=\"Ssl, SslNegotiateCert\" />\n"
        " <authentication><anonymousAuthentication enabled=\"true\" /></authentication>\n"
        "</security></system.webServer></location>\n"
        "<location path=\"Default Web Site/team\"><system.webServer><security><authentication>\n"
        "  <iisClientCertificateMappingAuthentication enabled=\"true\">\n"
        "   <oneToOneMappings><clear />\n"
        "    <add userName=\"bob2\" password=\"pc\" certificate=\"%s\" />\n"
        "   </oneToOneMappings></iisClientCertificateMappingAuthentication>\n"
        "</authentication></security></system.webServer></location>\n"
        "</configuration>\n",
        b64a, b64b, b64b);
    return n < 0 ? NULL : text;
}

static void
test_locations_and_mappings(void **state)
{
    EVP_PKEY *key = testcert_key();
    unsigned char *dera, *derb;
    size_t la = 0, lb = 0;
    char *b64a, *b64b, *text;
    struct certmap_diags d;
    struct snapshot *snap;
    const struct snap_site *s;
    const struct certmap_settings *root, *pub, *team, *l;
    const struct mapping *m;

    (void)state;
    assert_non_null(key);
    dera = testcert_der(key, "alice", 1, &la);
    derb = testcert_der(key, "bob", 2, &lb);
    assert_non_null(dera);
    assert_non_null(derb);
    b64a = certmap_cert_to_iis_string(dera, la);
    b64b = certmap_cert_to_iis_string(derb, lb);
    text = mapping_config(b64a, b64b);
    assert_non_null(text);
    snap = build(text, &d);
    if (snap == NULL)
        print_diags(&d);
    assert_non_null(snap);
    s = &snap->sites[0];
    /* the root, /app and /docs (virtual directories), /public and /team (locations) */
    assert_int_equal(s->vs->nscopes, 5);
    assert_true(s->wants_cert);
    assert_true(snap->bindings[0].request_cert || snap->bindings[1].request_cert);

    root = loc_of(s, "/");
    assert_int_equal(root->ssl_flags,
                     CERTMAP_SSL | CERTMAP_SSL_NEGOTIATE_CERT | CERTMAP_SSL_REQUIRE_CERT);
    assert_false(root->anon_enabled);
    assert_true(root->cm_enabled);
    assert_string_equal(root->cm_domain, "CORP");
    pub = loc_of(s, "/public/a.html");
    assert_string_equal(snapshot_find_scope(s, "/public/a.html", 14)->path, "/public");
    assert_int_equal(pub->ssl_flags, CERTMAP_SSL | CERTMAP_SSL_NEGOTIATE_CERT);
    assert_true(pub->anon_enabled);
    /* Case-insensitive, at a segment boundary only. */
    assert_ptr_equal(loc_of(s, "/PUBLIC"), pub);
    assert_ptr_equal(loc_of(s, "/publicity"), root);

    /* The site's index: alice enabled, bob disabled (stored, never matched). */
    assert_non_null(root->mappings);
    assert_int_equal(mapping_index_count(root->mappings), 2);
    m = mapping_index_lookup(root->mappings, dera, la);
    assert_non_null(m);
    assert_string_equal(m->user, "alice");
    assert_string_equal(m->password, "pa");
    assert_null(mapping_index_lookup(root->mappings, derb, lb));
    /* /public inherits the collection unchanged: it shares the index. */
    assert_ptr_equal(pub->mappings, root->mappings);
    /* /team's own mappings are below the site level: IIS ignores them, so does certmap. */
    team = loc_of(s, "/team/x");
    assert_ptr_equal(team->mappings, root->mappings);
    assert_null(mapping_index_lookup(team->mappings, derb, lb));
    assert_int_equal(snap->mapping_count, 2);

    /* The snapshot outlives nothing it borrowed: refs drop it cleanly. */
    snapshot_ref(snap);
    snapshot_unref(snap);
    l = loc_of(s, "/");
    assert_ptr_equal(l, root);
    snapshot_unref(snap);
    certmap_diags_free(&d);
    free(text);
    free(b64a);
    free(b64b);
    free(dera);
    free(derb);
    EVP_PKEY_free(key);
}

static bool
diags_at(const struct certmap_diags *d, unsigned line, const char *attr)
{
    size_t i;

    for (i = 0; i < d->count; i++)
        if (d->items[i].severity == CERTMAP_SEV_ERROR && d->items[i].err.line == line &&
            strcmp(d->items[i].err.attribute, attr) == 0)
            return true;
    return false;
}

#define ONE_SITE(bindings)                                                                         \
    HEAD "<site name=\"S\" id=\"3\">\n"                                                            \
         " <application path=\"/\"><virtualDirectory path=\"/\" physicalPath=\"/srv\" "            \
         "/></application>\n"                                                                      \
         " <bindings>\n" bindings " </bindings>\n"                                                 \
         "</site></sites></system.applicationHost>\n</configuration>\n"

static void
test_binding_errors(void **state)
{
    static const char bad_info[] =
        ONE_SITE("  <binding protocol=\"http\" bindingInformation=\"*:99999:\" />\n"
                 "  <binding protocol=\"http\" bindingInformation=\"nonsense\" />\n");
    static const char bad_ip[] =
        ONE_SITE("  <binding protocol=\"http\" bindingInformation=\"10.0.0.300:80:\" />\n");
    static const char mixed[] =
        ONE_SITE("  <binding protocol=\"http\" bindingInformation=\"*:8000:\" />\n"
                 "  <binding protocol=\"https\" bindingInformation=\"127.0.0.1:8000:\" />\n");
    struct certmap_diags d;
    struct snapshot *snap;

    (void)state;
    /* Every bad binding is reported, each at its own line. */
    snap = build(bad_info, &d);
    assert_null(snap);
    if (!diags_at(&d, 7, "bindingInformation") || !diags_at(&d, 8, "bindingInformation"))
        print_diags(&d);
    assert_true(diags_at(&d, 7, "bindingInformation"));
    assert_true(diags_at(&d, 8, "bindingInformation"));
    certmap_diags_free(&d);

    snap = build(bad_ip, &d);
    assert_null(snap);
    assert_true(diags_have(&d, "is not an IP address", 7));
    certmap_diags_free(&d);

    snap = build(mixed, &d);
    assert_null(snap);
    assert_true(diags_have(&d, "both as http and as https", 0));
    certmap_diags_free(&d);
}

/* 1-based line of the first occurrence of needle in text. */
static unsigned
line_of(const char *text, const char *needle)
{
    const char *p = strstr(text, needle), *q;
    unsigned line = 1;

    assert_non_null(p);
    for (q = text; q < p; q++)
        if (*q == '\n')
            line++;
    return line;
}

static void
test_bad_mapping_certificate(void **state)
{
    char *text = mapping_config("bm90IGEgY2VydGlmaWNhdGU=", "AAAA");
    struct certmap_diags d;
    struct snapshot *snap;
    size_t i;
    bool located = false;
    unsigned alice_line;

    (void)state;
    assert_non_null(text);
    alice_line = line_of(text, "userName=\"alice\"");
    snap = build(text, &d);
    /* Only that mapping is inactive (as in IIS): the rest serves, the error names the <add>. */
    assert_non_null(snap);
    assert_true(d.errors > 0 && d.errors == d.item_errors);
    for (i = 0; i < d.count; i++)
        if (d.items[i].item && d.items[i].err.line == alice_line &&
            strstr(d.items[i].err.message, "certificate") != NULL) {
            assert_false(located); /* named once */
            located = true;
        }
    if (!located)
        print_diags(&d);
    assert_true(located);
    assert_int_equal(snap->mapping_count, 0);
    snapshot_unref(snap);
    certmap_diags_free(&d);
    free(text);
}

static void
test_hosts_and_client_cert_modes(void **state)
{
    static const char text[] =
        HEAD "<site name=\"A\" id=\"1\">\n"
             " <application path=\"/\"><virtualDirectory path=\"/\" physicalPath=\"/a\" "
             "/></application>\n"
             " <bindings><binding protocol=\"https\" bindingInformation=\"127.0.0.1:9443:a.test\" "
             "clientCertificate=\"off\" />\n"
             "  <binding protocol=\"https\" bindingInformation=\"*:9443:\" /></bindings>\n"
             "</site>\n"
             "<site name=\"B\" id=\"2\">\n"
             " <application path=\"/\"><virtualDirectory path=\"/\" physicalPath=\"/b\" "
             "/></application>\n"
             " <bindings><binding protocol=\"https\" bindingInformation=\"127.0.0.1:9443:b.test\" "
             "clientCertificate=\"on\" /></bindings>\n"
             "</site></sites></system.applicationHost>\n</configuration>\n";
    struct certmap_diags d;
    struct snapshot *snap;
    const struct snap_endpoint *ep = NULL;
    const struct snap_binding *b;
    size_t i;

    (void)state;
    snap = build(text, &d);
    if (snap == NULL)
        print_diags(&d);
    assert_non_null(snap);
    for (i = 0; i < snap->nendpoints; i++)
        if (strcmp(snap->endpoints[i].key, "https/127.0.0.1:9443") == 0)
            ep = &snap->endpoints[i];
    assert_non_null(ep);
    /* Exact address first, then the wildcard binding of the same port. */
    assert_int_equal(ep->nbindings, 3);
    assert_true(ep->bindings[2]->wildcard_ip);
    b = snapshot_find_binding(ep, "B.TEST", 6);
    assert_non_null(b);
    assert_string_equal(b->site->name, "B");
    assert_int_equal(b->client_cert, SNAP_CC_ON);
    assert_true(b->request_cert);
    b = snapshot_find_binding(ep, "a.test", 6);
    assert_int_equal(b->client_cert, SNAP_CC_OFF);
    assert_false(b->request_cert);
    b = snapshot_find_binding(ep, "c.test", 6);
    assert_true(b->wildcard_ip);
    assert_string_equal(b->site->name, "A");
    assert_false(b->request_cert); /* auto, and site A negotiates nothing */
    snapshot_unref(snap);
    certmap_diags_free(&d);
}

/* When a binding asks for the client certificate: at once, or when a request needs it. */
static void
test_cert_defer(void **state)
{
    static const char text[] =
        HEAD "<site name=\"A\" id=\"1\">\n"
             " <application path=\"/\"><virtualDirectory path=\"/\" physicalPath=\"/a\" "
             "/></application>\n"
             " <bindings><binding protocol=\"https\" bindingInformation=\"127.0.0.1:9443:a.test\" "
             "/>\n"
             "  <binding protocol=\"https\" bindingInformation=\"127.0.0.1:9443:l.test\" "
             "clientCertificate=\"LATE\" />\n"
             "  <binding protocol=\"https\" bindingInformation=\"127.0.0.1:9443:o.test\" "
             "clientCertificate=\"on\" /></bindings>\n"
             "</site>\n"
             "<site name=\"B\" id=\"2\">\n"
             " <application path=\"/\"><virtualDirectory path=\"/\" physicalPath=\"/b\" "
             "/></application>\n"
             " <bindings><binding protocol=\"https\" bindingInformation=\"127.0.0.1:9443:b.test\" "
             "/></bindings>\n"
             "</site></sites></system.applicationHost>\n"
             "<location path=\"A/secure\"><system.webServer><security><access "
             "sslFlags=\"Ssl, SslNegotiateCert, SslRequireCert\" /></security></system.webServer>"
             "</location>\n"
             "<location path=\"B\"><system.webServer><security><access "
             "sslFlags=\"Ssl, SslNegotiateCert\" /></security></system.webServer></location>\n"
             "</configuration>\n";
    struct certmap_diags d;
    struct snapshot *snap;
    const struct snap_endpoint *ep = NULL;
    const struct snap_binding *b;
    size_t i;

    (void)state;
    snap = build(text, &d);
    if (snap == NULL)
        print_diags(&d);
    assert_non_null(snap);
    for (i = 0; i < snap->nendpoints; i++)
        if (strcmp(snap->endpoints[i].key, "https/127.0.0.1:9443") == 0)
            ep = &snap->endpoints[i];
    assert_non_null(ep);
    /* auto, the root needs none, /secure does: later when the client can be asked then */
    b = snapshot_find_binding(ep, "a.test", 6);
    assert_true(b->request_cert);
    assert_int_equal(b->client_cert, SNAP_CC_AUTO);
    assert_int_equal(b->cert_defer, SNAP_DEFER_CAPABLE);
    b = snapshot_find_binding(ep, "l.test", 6);
    assert_true(b->request_cert);
    assert_int_equal(b->client_cert, SNAP_CC_LATE);
    assert_int_equal(b->cert_defer, SNAP_DEFER_ALWAYS);
    b = snapshot_find_binding(ep, "o.test", 6);
    assert_true(b->request_cert);
    assert_int_equal(b->cert_defer, SNAP_DEFER_NO);
    /* auto, the root negotiates: in the handshake, as before */
    b = snapshot_find_binding(ep, "b.test", 6);
    assert_true(b->request_cert);
    assert_int_equal(b->cert_defer, SNAP_DEFER_NO);
    snapshot_unref(snap);
    certmap_diags_free(&d);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sites_bindings_endpoints),
        cmocka_unit_test(test_vdirs),
        cmocka_unit_test(test_locations_and_mappings),
        cmocka_unit_test(test_binding_errors),
        cmocka_unit_test(test_bad_mapping_certificate),
        cmocka_unit_test(test_hosts_and_client_cert_modes),
        cmocka_unit_test(test_cert_defer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
