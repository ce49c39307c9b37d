/*
 * test_check_serve.c - `certmapd -t` and `certmap validate` open the
 * configuration serve-only and build a compact view (main.c config_test(),
 * cmd_validate.c), as certmapd's load does, to check it in a fraction of the
 * memory.  That is sound only while it finds what a full open and view find:
 * every error, warning and note, in the same order, with the same place and
 * words.  Each configuration here is checked both ways and the findings are
 * compared one by one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <sys/stat.h>

#include "check.h"
#include "test_config_util.h"

/* The callers' sequence: open, view (web.config files too), check_view(). */
static void
findings(const char *path, bool serve, time_t now, struct certmap_diags *d)
{
    const struct certmap_open_options oo = {.serve_only = serve};
    const struct certmap_view_options vo = {.web_config = true, .compact_mappings = serve};
    const struct check_options co = {.now = now};
    struct certmap_error err = {0};
    struct certmap_config *cfg;
    struct certmap_view *v = NULL;

    memset(d, 0, sizeof(*d));
    cfg = certmap_config_open(path, &oo, d, &err);
    if (cfg != NULL)
        v = certmap_view_build(cfg, &vo, d, &err);
    if (v != NULL)
        assert_int_equal(check_view(v, &co, d), 0);
    certmap_view_unref(v);
    certmap_config_close(cfg);
}

/* Checks path both ways; returns how many findings each gave (the same). */
static size_t
assert_same_findings(const char *path)
{
    time_t now = time(NULL);
    struct certmap_diags full, serve;
    size_t n;

    findings(path, false, now, &full);
    findings(path, true, now, &serve);
    if (full.count != serve.count) {
        tc_dump(&full);
        tc_dump(&serve);
    }
    assert_int_equal(full.count, serve.count);
    assert_int_equal(full.errors, serve.errors);
    assert_int_equal(full.item_errors, serve.item_errors);
    for (size_t i = 0; i < full.count; i++) {
        const struct certmap_diag *a = &full.items[i], *b = &serve.items[i];

        assert_int_equal(a->severity, b->severity);
        assert_int_equal(a->item, b->item);
        assert_string_equal(a->err.file, b->err.file);
        assert_int_equal(a->err.line, b->err.line);
        assert_string_equal(a->err.element, b->err.element);
        assert_string_equal(a->err.attribute, b->err.attribute);
        assert_string_equal(a->err.message, b->err.message);
    }
    n = full.count;
    certmap_diags_free(&full);
    certmap_diags_free(&serve);
    return n;
}

/* The site's mappings: valid (one line, wrapped), broken, disabled, undecryptable, plain. */
#define MAPPINGS                                                                                   \
    "<add userName=\"u1\" password=\"plain-pw\" certificate=\"@CERT1@\" />\n"                      \
    "<add userName=\"bad\" password=\"p\" certificate=\"MIIBnotacert\" />\n"                       \
    "<add userName=\"u2\" password=\"[enc:AesProvider:AAAAbm90IGEgcmVhbA==:enc]\" "                \
    "certificate=\"%s\" />\n"                                                                      \
    "<add userName=\"u3\" password=\"p3\" enabled=\"false\" certificate=\"@CERT3@\" />\n"

/*
 * A configuration with a finding of each kind the loader, the view and the
 * checks make: notes (IIS sections and settings without effect, a protocol
 * not served, a web.config section), warnings (plain-text passwords, no
 * clientCaFile), item errors (a certificate that does not decode, a password
 * that does not decrypt) and errors (missing files and directories).
 */
static void
test_same_findings(void **state)
{
    char *dir = fixture_tmpdir();
    char *www = tc_fmt("%s/www", dir);
    char *tmpl =
        tc_fmt("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<configuration>\n"
               "<system.applicationHost>\n"
               "<applicationPools><add name=\"DefaultAppPool\" /></applicationPools>\n"
               "<sites><site name=\"A\" id=\"1\" serverAutoStart=\"true\">\n"
               "<application path=\"/\" applicationPool=\"DefaultAppPool\">\n"
               "<virtualDirectory path=\"/\" physicalPath=\"%s\" />\n"
               "<virtualDirectory path=\"/gone\" physicalPath=\"%s/no-such-dir\" /></application>\n"
               "<bindings>\n"
               "<binding protocol=\"https\" bindingInformation=\"127.0.0.1:27443:\" "
               "certificateFile=\"%s/missing.pem\" certificateKeyFile=\"%s/missing.key\" />\n"
               "<binding protocol=\"net.tcp\" bindingInformation=\"808:*\" />\n"
               "</bindings></site></sites></system.applicationHost>\n"
               "<system.webServer><modules><add name=\"X\" /></modules></system.webServer>\n"
               "<location path=\"A\"><system.webServer><security>"
               "<access sslFlags=\"Ssl, SslNegotiateCert\" /><authentication>\n"
               "<iisClientCertificateMappingAuthentication enabled=\"true\" logonMethod=\"Batch\">"
               "<oneToOneMappings>\n" MAPPINGS "</oneToOneMappings>"
               "</iisClientCertificateMappingAuthentication>\n"
               "</authentication></security></system.webServer></location>\n"
               "</configuration>\n",
               dir, dir, dir, dir, tc_wrapped[1]);
    char *text = tc_subst(tmpl);
    const char *webcfg =
        "<configuration><system.webServer>"
        "<defaultDocument enabled=\"true\" /></system.webServer></configuration>\n";
    char *path, *wpath;
    size_t n;

    (void)state;
    assert_int_equal(mkdir(www, 0755), 0);
    wpath = fixture_write(www, "web.config", webcfg, strlen(webcfg));
    path = fixture_write(dir, "applicationHost.config", text, strlen(text));
    n = assert_same_findings(path);
    /* the configuration does hold findings of each kind (else the comparison proves little) */
    assert_true(n >= 12);
    free(path);
    free(wpath);
    free(text);
    free(tmpl);
    free(www);
    fixture_rmtree(dir);
}

/* A refused configuration (a certificate twice at one level) is refused alike, at its line. */
static void
test_same_refusal(void **state)
{
    char *dir = fixture_tmpdir();
    char *text = tc_subst(
        "<configuration><system.applicationHost><sites><site name=\"B\" id=\"2\">\n"
        "<application path=\"/\"><virtualDirectory path=\"/\" physicalPath=\"/nonexistent\" />"
        "</application>\n"
        "<bindings><binding protocol=\"http\" bindingInformation=\"127.0.0.1:27080:\" />"
        "</bindings></site></sites></system.applicationHost>\n"
        "<location path=\"B\"><system.webServer><security><authentication>\n"
        "<iisClientCertificateMappingAuthentication enabled=\"true\"><oneToOneMappings>\n"
        "<add userName=\"b1\" password=\"x\" certificate=\"@CERT2@\" />\n"
        "<add userName=\"b2\" password=\"x\" certificate=\"@CERT2@\" />\n"
        "</oneToOneMappings></iisClientCertificateMappingAuthentication>\n"
        "</authentication></security></system.webServer></location></configuration>\n");
    char *path = fixture_write(dir, "applicationHost.config", text, strlen(text));

    (void)state;
    assert_true(assert_same_findings(path) >= 3);
    free(path);
    free(text);
    fixture_rmtree(dir);
}

/* The repository's sample configurations, IIS's own applicationHost.config among them. */
static void
test_same_findings_samples(void **state)
{
    static const char *const names[] = {"applicationHost.config", "inherit.config",
                                        "odd_spacing.config", "seed_sample.config"};
    char *path;

    (void)state;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        path = tc_fmt("%s/tests/data/config/%s", TEST_SRCDIR, names[i]);
        assert_same_findings(path);
        free(path);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_findings),
        cmocka_unit_test(test_same_refusal),
        cmocka_unit_test(test_same_findings_samples),
    };
    return cmocka_run_group_tests(tests, tc_group_setup, tc_group_teardown);
}
