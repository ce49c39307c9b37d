/*
 * test_config_oom.c - an allocation that fails while a handle computes its
 * nodes is an error, never a read of the schema defaults.
 *
 * handle.c is included with malloc, calloc and realloc routed through a countdown, so
 * that the next allocation of a refresh fails; its definitions take the place
 * of the library's handle.o.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "certmap/config.h"

/* Allocations of handle.c left before one fails; -1: none fails. */
static int allocs_left = -1;

static bool
alloc_fails(void)
{
    if (allocs_left < 0)
        return false;
    return allocs_left-- == 0;
}

static void *
counted_malloc(size_t size)
{
    return alloc_fails() ? NULL : malloc(size);
}

static void *
counted_calloc(size_t n, size_t size)
{
    return alloc_fails() ? NULL : calloc(n, size);
}

static void *
counted_realloc(void *p, size_t size)
{
    return alloc_fails() ? NULL : realloc(p, size);
}

#define malloc counted_malloc
#define calloc counted_calloc
#define realloc counted_realloc
#include "config/handle.c"
#undef malloc
#undef calloc
#undef realloc

static const char xml[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                          "<configuration>\n"
                          "  <system.applicationHost>\n"
                          "    <sites>\n"
                          "      <site name=\"S\" id=\"1\" />\n"
                          "    </sites>\n"
                          "  </system.applicationHost>\n"
                          "  <location path=\"S\">\n"
                          "    <system.webServer>\n"
                          "      <security>\n"
                          "        <access sslFlags=\"Ssl, SslRequireCert\" />\n"
                          "      </security>\n"
                          "    </system.webServer>\n"
                          "  </location>\n"
                          "</configuration>\n";

static struct certmap_config *
parse(void)
{
    struct certmap_diags d = {0};
    struct certmap_error err = {0};
    struct certmap_open_options o = {.skip_secrets = true};
    struct certmap_config *cfg =
        certmap_config_parse("applicationHost.config", xml, strlen(xml), &o, &d, &err);

    certmap_diags_free(&d);
    assert_non_null(cfg);
    return cfg;
}

/* The getters answer "out of memory", not sslFlags None, then recover. */
static void
getters_report_failed_refresh(void **state)
{
    struct certmap_config *cfg = parse();
    struct certmap_error err = {0};
    struct certmap_element *access;
    unsigned flags = 12345;
    const char *file;
    unsigned line;

    (void)state;
    access = certmap_config_get_section(cfg, CERTMAP_SECTION_ACCESS, "S", &err);
    assert_non_null(access);

    allocs_left = 0;
    assert_int_equal(certmap_element_get_flags(access, "sslFlags", &flags, &err), -1);
    assert_int_equal(err.kind, CERTMAP_ERR_NOMEM);
    assert_string_equal(err.message, "out of memory");
    assert_int_equal(flags, 12345);

    allocs_left = 0;
    assert_null(certmap_element_get(access, "sslFlags"));
    allocs_left = 0;
    assert_false(certmap_element_is_set(access, "sslFlags"));
    allocs_left = 0;
    assert_int_equal(certmap_element_source(access, "sslFlags", &file, &line), -1);
    allocs_left = 0;
    memset(&err, 0, sizeof(err));
    assert_int_equal(certmap_element_set(access, "sslFlags", "Ssl", &err), -1);
    assert_int_equal(err.kind, CERTMAP_ERR_NOMEM);

    /* the failed refresh left nothing behind: the next read computes the nodes */
    allocs_left = -1;
    assert_int_equal(certmap_element_get_flags(access, "sslFlags", &flags, &err), 0);
    assert_int_equal(flags, CERTMAP_SSL | CERTMAP_SSL_REQUIRE_CERT);
    assert_string_equal(certmap_element_get(access, "sslFlags"), "Ssl, SslRequireCert");
    certmap_config_close(cfg);
}

/* A child handle whose parent cannot refresh fails too. */
static void
child_reports_failed_parent(void **state)
{
    struct certmap_config *cfg = parse();
    struct certmap_error err = {0};
    struct certmap_element *auth, *maps;
    bool b = true;

    (void)state;
    auth = certmap_config_get_section(cfg, CERTMAP_SECTION_CERTMAPPING, "S", &err);
    assert_non_null(auth);
    maps = certmap_element_child(auth, "oneToOneMappings", &err);
    assert_non_null(maps);
    allocs_left = 0; /* the parent's levels */
    assert_int_equal(certmap_element_get_bool(auth, "enabled", &b, &err), -1);
    assert_int_equal(err.kind, CERTMAP_ERR_NOMEM);
    allocs_left = -1;
    assert_int_equal(certmap_element_get_bool(auth, "enabled", &b, &err), 0);
    assert_false(b);
    certmap_config_close(cfg);
}

/* A collection that cannot compute its items says so instead of looking empty. */
static void
collection_reports_failed_refresh(void **state)
{
    struct certmap_config *cfg = parse();
    struct certmap_error err = {0};
    struct certmap_element *sites;
    struct certmap_collection *c;

    (void)state;
    sites = certmap_config_get_section(cfg, CERTMAP_SECTION_SITES, NULL, &err);
    assert_non_null(sites);
    c = certmap_element_collection(sites, NULL, &err);
    assert_non_null(c);

    allocs_left = 0;
    assert_int_equal(certmap_collection_count(c), 0);
    assert_int_equal(certmap_collection_error(c, &err), -1);
    assert_int_equal(err.kind, CERTMAP_ERR_NOMEM);
    allocs_left = 0;
    assert_null(certmap_collection_item(c, 0));
    allocs_left = 0;
    assert_null(certmap_collection_find(c, "S"));

    allocs_left = -1;
    assert_int_equal(certmap_collection_count(c), 1);
    assert_int_equal(certmap_collection_error(c, &err), 0);
    assert_non_null(certmap_collection_find(c, "s"));
    certmap_config_close(cfg);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(getters_report_failed_refresh),
        cmocka_unit_test(child_reports_failed_parent),
        cmocka_unit_test(collection_reports_failed_refresh),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
