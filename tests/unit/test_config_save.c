/*
 * test_config_save.c - byte-preserving save, changes through the API
 * (attributes, collection add/remove/clear, new locations), commit with
 * history and its failure modes, and password envelopes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <dirent.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_config_util.h"

/* The serializer, for byte comparisons without a file (internal API). */
#include "config/document.h"
#include "config/handle.h"
#include "config/save.h"

static struct certmap_config *
parse(const char *xml, const struct certmap_open_options *o)
{
    struct certmap_diags d = {0};
    struct certmap_error err = {0};
    struct certmap_open_options dflt = {.skip_secrets = true};
    struct certmap_config *cfg = certmap_config_parse("applicationHost.config", xml, strlen(xml),
                                                      o != NULL ? o : &dflt, &d, &err);

    if (cfg == NULL)
        tc_dump(&d);
    certmap_diags_free(&d);
    assert_non_null(cfg);
    return cfg;
}

static char *
saved(struct certmap_config *cfg)
{
    char *out = NULL;
    size_t len = 0;

    assert_int_equal(cfg_save_document(cfg, &out, &len), 0);
    assert_int_equal(strlen(out), len);
    return out;
}

static struct certmap_element *
section(struct certmap_config *cfg, const char *path, const char *loc)
{
    struct certmap_error err = {0};
    struct certmap_element *e = certmap_config_get_section(cfg, path, loc, &err);

    assert_non_null(e);
    return e;
}

static struct certmap_collection *
mappings(struct certmap_config *cfg, const char *loc)
{
    struct certmap_error err = {0};
    struct certmap_collection *c = certmap_element_collection(
        section(cfg, CERTMAP_SECTION_CERTMAPPING, loc), "oneToOneMappings", &err);

    assert_non_null(c);
    return c;
}

/* Replaces the first occurrence of from in s by to (malloc'd). */
static char *
replace(const char *s, const char *from, const char *to)
{
    const char *p = strstr(s, from);
    char *out;

    assert_non_null(p);
    out = tc_fmt("%.*s%s%s", (int)(p - s), s, to, p + strlen(from));
    assert_non_null(out);
    return out;
}

static void
assert_same(const char *got, const char *want)
{
    if (strcmp(got, want) != 0) {
        size_t i = 0;
        while (got[i] != '\0' && got[i] == want[i])
            i++;
        fprintf(stderr, "differs at byte %zu:\n--- got:\n%s\n--- want:\n%s\n", i,
                got + (i > 40 ? i - 40 : 0), want + (i > 40 ? i - 40 : 0));
    }
    assert_string_equal(got, want);
}

/* ---- round trip ---- */

static void
roundtrip(const char *xml)
{
    struct certmap_config *cfg = parse(xml, NULL);
    char *out = saved(cfg);

    assert_same(out, xml);
    free(out);
    certmap_config_close(cfg);
}

static void
test_roundtrip_identical(void **state)
{
    static const char *const fixtures[] = {"seed_sample.config", "inherit.config",
                                           "applicationHost.config", "odd_spacing.config",
                                           "empty_parent.config"};

    (void)state;
    for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
        char *xml = tc_fixture(fixtures[i]), *crlf, *bom;
        assert_non_null(xml);
        roundtrip(xml);
        crlf = tc_crlf(xml, 0);
        bom = tc_crlf(xml, 1);
        roundtrip(crlf);
        roundtrip(bom);
        free(xml);
        free(crlf);
        free(bom);
    }
    roundtrip("<configuration/>");
    roundtrip("\xEF\xBB\xBF<configuration></configuration>");
}

/* ---- attribute changes ---- */

static void
test_set_attribute_touches_one_line(void **state)
{
    char *xml = tc_fixture("seed_sample.config"), *want, *out;
    struct certmap_config *cfg = parse(xml, NULL);
    struct certmap_error err = {0};
    struct certmap_element *access = section(cfg, CERTMAP_SECTION_ACCESS, "default web site");

    (void)state;
    /* flags are case-insensitive on input, canonical on output */
    assert_int_equal(certmap_element_set(access, "sslFlags", "sslrequirecert , SSL", &err), 0);
    out = saved(cfg);
    want = replace(xml, "<access sslFlags=\"Ssl, SslNegotiateCert\" />",
                   "<access sslFlags=\"Ssl, SslRequireCert\" />");
    assert_same(out, want);
    free(out);
    free(want);
    /* setting the same value again regenerates nothing else; a bad value changes nothing */
    assert_int_equal(certmap_element_set(access, "sslFlags", "Ssl, SslReqCert", &err), -1);
    assert_string_equal(err.message, "unknown flag \"SslReqCert\" (allowed: None, Ssl, "
                                     "SslNegotiateCert, SslRequireCert, SslMapCert, Ssl128)");
    assert_int_equal(certmap_element_set(access, "sslFlag", "Ssl", &err), -1);
    assert_true(strstr(err.message, "did you mean \"sslFlags\"") != NULL);
    assert_string_equal(certmap_element_get(access, "sslFlags"), "Ssl, SslRequireCert");
    free(xml);
    certmap_config_close(cfg);
}

static void
test_set_keeps_attribute_order_and_escapes(void **state)
{
    char *xml = tc_fixture("odd_spacing.config"), *want, *out;
    struct certmap_config *cfg = parse(xml, NULL);
    struct certmap_error err = {0};
    struct certmap_element *basic = section(cfg, CERTMAP_SECTION_BASIC, NULL), *site;
    struct certmap_collection *sites;

    (void)state;
    assert_string_equal(certmap_element_get(basic, "realm"), "\"Odd\" <realm>");
    assert_int_equal(certmap_element_set(basic, "realm", "A & \"B\"", &err), 0);
    assert_int_equal(certmap_element_set_bool(basic, "enabled", true, &err), 0);
    assert_int_equal(certmap_element_set(basic, "defaultLogonDomain", "DOM", &err), 0);
    out = saved(cfg);
    want = replace(xml,
                   "<basicAuthentication enabled=\"false\" realm=\"&quot;Odd&quot; "
                   "&lt;realm&gt;\"/>",
                   "<basicAuthentication enabled=\"true\" realm=\"A &amp; &quot;B&quot;\" "
                   "defaultLogonDomain=\"DOM\" />");
    assert_same(out, want);
    free(out);
    free(want);
    /* a multi-line start tag with odd spacing is regenerated in IIS style */
    sites = certmap_element_collection(section(cfg, CERTMAP_SECTION_SITES, NULL), NULL, &err);
    site = certmap_collection_find(sites, "odd & co");
    assert_non_null(site);
    assert_int_equal(certmap_element_set_uint(site, "id", 8, &err), 0);
    out = saved(cfg);
    assert_non_null(strstr(out,
                           "<sites><site name=\"Odd &amp; Co\" id=\"8\" "
                           "serverAutoStart=\"false\"><bindings><binding protocol=\"https\"\n"));
    /* unset */
    assert_int_equal(certmap_element_unset(site, "serverAutoStart", &err), 0);
    free(out);
    out = saved(cfg);
    assert_non_null(strstr(out, "<site name=\"Odd &amp; Co\" id=\"8\"><bindings>"));
    assert_string_equal(certmap_element_get(site, "serverAutoStart"), "true");
    free(out);
    free(xml);
    certmap_config_close(cfg);
}

/* ---- collections ---- */

static struct certmap_element *
add_mapping(struct certmap_collection *c, const char *user, const char *cert)
{
    struct certmap_error err = {0};
    struct certmap_element *item = certmap_collection_create_element(c, "add", &err);

    assert_non_null(item);
    assert_int_equal(certmap_element_set(item, "userName", user, &err), 0);
    assert_int_equal(certmap_element_set(item, "certificate", cert, &err), 0);
    if (certmap_collection_add(c, item, &err) != 0)
        fprintf(stderr, "add: %s\n", err.message);
    return item;
}

static void
test_add_item_with_sibling_indentation(void **state)
{
    char *xml = tc_fixture("seed_sample.config"), *want, *out, *line;
    struct certmap_config *cfg = parse(xml, NULL);
    struct certmap_collection *c = mappings(cfg, "Default Web Site");
    struct certmap_error err = {0};
    struct certmap_element *item;

    (void)state;
    /* PEM in, IIS's single line out */
    add_mapping(c, "u2", tc_pem[1]);
    assert_int_equal(certmap_collection_count(c), 2);
    item = certmap_collection_item(c, 1);
    assert_string_equal(certmap_element_get(item, "certificate"), tc_iis[1]);
    assert_false(certmap_element_is_inherited(item));
    out = saved(cfg);
    line = tc_fmt("certificate=\"%s\" />\n                      <add userName=\"u2\" "
                  "certificate=\"%s\" />\n                   </oneToOneMappings>",
                  tc_iis[0], tc_iis[1]);
    want = replace(xml, "", "");
    {
        char *from =
            tc_fmt("certificate=\"%s\" />\n                   </oneToOneMappings>", tc_iis[0]);
        free(want);
        want = replace(xml, from, line);
        free(from);
    }
    assert_same(out, want);
    /* a duplicate, in another form, is refused and changes nothing */
    item = certmap_collection_create_element(c, NULL, &err);
    assert_int_equal(certmap_element_set(item, "certificate", tc_wrapped[1], &err), 0);
    assert_int_equal(certmap_collection_add(c, item, &err), -1);
    assert_true(strstr(err.message, "duplicate certificate: already present") != NULL);
    /* missing key, wrong add name, not a certificate */
    item = certmap_collection_create_element(c, NULL, &err);
    assert_int_equal(certmap_collection_add(c, item, &err), -1);
    assert_string_equal(err.attribute, "certificate");
    assert_null(certmap_collection_create_element(c, "remove", &err));
    assert_int_equal(certmap_element_set(item, "certificate", "bm90IGEgY2VydA==", &err), -1);
    assert_true(strstr(err.message, "not a certificate") != NULL);
    assert_int_equal(certmap_collection_count(c), 2);
    free(out);
    out = saved(cfg);
    assert_same(out, want);
    free(out);
    free(want);
    free(line);
    free(xml);
    certmap_config_close(cfg);
}

static void
test_add_into_self_closing_parent(void **state)
{
    char *xml = tc_fixture("empty_parent.config"), *want, *out, *exp;
    struct certmap_config *cfg = parse(xml, NULL);
    struct certmap_collection *c = mappings(cfg, "Default Web Site");

    (void)state;
    add_mapping(c, "alice", tc_iis[0]);
    add_mapping(c, "bob", tc_iis[1]);
    out = saved(cfg);
    exp = tc_fmt("<oneToOneMappings>\n"
                 "                            <add userName=\"alice\" certificate=\"%s\" />\n"
                 "                            <add userName=\"bob\" certificate=\"%s\" />\n"
                 "                        </oneToOneMappings>",
                 tc_iis[0], tc_iis[1]);
    want = replace(xml, "<oneToOneMappings />", exp);
    assert_same(out, want);
    free(out);
    free(want);
    free(exp);
    free(xml);
    certmap_config_close(cfg);
}

static void
test_remove_and_clear(void **state)
{
    char *xml = tc_fixture("inherit.config"), *want, *out, *tmp, *exp;
    struct certmap_config *cfg = parse(xml, NULL);
    struct certmap_collection *site = mappings(cfg, "Site"), *app = mappings(cfg, "Site/app");
    struct certmap_error err = {0};
    struct certmap_element *one, *two;

    (void)state;
    assert_int_equal(certmap_collection_count(site), 2);
    one = certmap_collection_item(site, 0);
    two = certmap_collection_item(site, 1);
    assert_true(certmap_element_is_inherited(one));
    /* an inherited item cannot be changed here */
    assert_int_equal(certmap_element_set(one, "userName", "x", &err), -1);
    assert_true(strstr(err.message, "inherited from the server level") != NULL);
    /* removing the local item deletes its line */
    assert_int_equal(certmap_collection_remove(site, two, &err), 0);
    assert_int_equal(certmap_collection_count(site), 1);
    /* removing the inherited one writes <remove> */
    assert_int_equal(certmap_collection_remove(site, one, &err), 0);
    assert_int_equal(certmap_collection_count(site), 0);
    assert_int_equal(certmap_collection_remove(site, one, &err), -1);
    out = saved(cfg);
    tmp = tc_fmt("                        <oneToOneMappings>\n"
                 "                            <add userName=\"two\" certificate=\"%s\" />\n"
                 "                        </oneToOneMappings>",
                 tc_iis[1]);
    exp = tc_fmt("                        <oneToOneMappings>\n"
                 "                            <remove certificate=\"%s\" />\n"
                 "                        </oneToOneMappings>",
                 tc_iis[0]);
    want = replace(xml, tmp, exp);
    assert_same(out, want);
    free(out);
    free(tmp);
    free(exp);
    /* clear at Site/app: its remove and add go, <clear /> comes first */
    assert_int_equal(certmap_collection_clear(app, &err), 0);
    assert_int_equal(certmap_collection_count(app), 0);
    add_mapping(app, "five", tc_iis[3]);
    assert_int_equal(certmap_collection_count(app), 1);
    out = saved(cfg);
    tmp = tc_fmt("                        <oneToOneMappings>\n"
                 "                            <remove certificate=\"%s\" />\n"
                 "                            <add userName=\"three\" enabled=\"false\" "
                 "certificate=\"%s\" />\n"
                 "                        </oneToOneMappings>",
                 tc_iis[0], tc_iis[2]);
    exp = tc_fmt("                        <oneToOneMappings>\n"
                 "                            <clear />\n"
                 "                            <add userName=\"five\" certificate=\"%s\" />\n"
                 "                        </oneToOneMappings>",
                 tc_iis[3]);
    {
        char *w2 = replace(want, tmp, exp);
        assert_same(out, w2);
        free(w2);
    }
    free(want);
    free(out);
    free(tmp);
    free(exp);
    free(xml);
    certmap_config_close(cfg);
}

static void
test_new_location_block(void **state)
{
    const char *xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
                      "<configuration>\r\n"
                      "    <system.applicationHost>\r\n"
                      "        <sites>\r\n"
                      "            <site name=\"Default Web Site\" id=\"1\" />\r\n"
                      "        </sites>\r\n"
                      "    </system.applicationHost>\r\n"
                      "</configuration>\r\n";
    struct certmap_config *cfg = parse(xml, NULL);
    struct certmap_error err = {0};
    struct certmap_element *auth;
    char *out, *want;

    (void)state;
    assert_int_equal(certmap_element_set(section(cfg, CERTMAP_SECTION_ACCESS, "Default Web Site"),
                                         "sslFlags", "Ssl, SslNegotiateCert", &err),
                     0);
    auth = section(cfg, CERTMAP_SECTION_CERTMAPPING, "Default Web Site");
    assert_int_equal(certmap_element_set_bool(auth, "enabled", true, &err), 0);
    add_mapping(mappings(cfg, "Default Web Site"), "alice", tc_iis[0]);
    out = saved(cfg);
    want = tc_fmt("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
                  "<configuration>\r\n"
                  "    <system.applicationHost>\r\n"
                  "        <sites>\r\n"
                  "            <site name=\"Default Web Site\" id=\"1\" />\r\n"
                  "        </sites>\r\n"
                  "    </system.applicationHost>\r\n"
                  "    <location path=\"Default Web Site\">\r\n"
                  "        <system.webServer>\r\n"
                  "            <security>\r\n"
                  "                <access sslFlags=\"Ssl, SslNegotiateCert\" />\r\n"
                  "                <authentication>\r\n"
                  "                    <iisClientCertificateMappingAuthentication "
                  "enabled=\"true\">\r\n"
                  "                        <oneToOneMappings>\r\n"
                  "                            <add userName=\"alice\" certificate=\"%s\" />\r\n"
                  "                        </oneToOneMappings>\r\n"
                  "                    </iisClientCertificateMappingAuthentication>\r\n"
                  "                </authentication>\r\n"
                  "            </security>\r\n"
                  "        </system.webServer>\r\n"
                  "    </location>\r\n"
                  "</configuration>\r\n",
                  tc_iis[0]);
    assert_same(out, want);
    assert_int_equal(certmap_config_location_count(cfg), 2);
    assert_string_equal(certmap_config_location_path(cfg, 1), "Default Web Site");
    /* the server level is untouched; the site sees its values */
    assert_string_equal(certmap_element_get(section(cfg, CERTMAP_SECTION_ACCESS, NULL), "sslFlags"),
                        "None");
    assert_string_equal(
        certmap_element_get(section(cfg, CERTMAP_SECTION_ACCESS, "Default Web Site/x"), "sslFlags"),
        "Ssl, SslNegotiateCert");
    free(out);
    free(want);
    certmap_config_close(cfg);
}

/* ---- commit ---- */

struct env {
    char *dir;
    char *path;
};

static void
env_make(struct env *e, const char *xml)
{
    e->dir = fixture_tmpdir();
    assert_non_null(e->dir);
    e->path = fixture_write(e->dir, "applicationHost.config", xml, strlen(xml));
    assert_non_null(e->path);
    chmod(e->path, 0640);
}

static void
env_free(struct env *e)
{
    free(e->path);
    fixture_rmtree(e->dir);
}

static size_t
count_history(const char *dir)
{
    char path[1024];
    DIR *d;
    struct dirent *de;
    size_t n = 0;

    snprintf(path, sizeof(path), "%s/.history", dir);
    d = opendir(path);
    if (d == NULL)
        return 0;
    while ((de = readdir(d)) != NULL)
        n += strncmp(de->d_name, "applicationHost.config.", 23) == 0;
    closedir(d);
    return n;
}

static struct certmap_config *
open_cfg(const char *path, const struct certmap_open_options *o)
{
    struct certmap_diags d = {0};
    struct certmap_error err = {0};
    struct certmap_config *cfg = certmap_config_open(path, o, &d, &err);
    char buf[2048];

    if (cfg == NULL) {
        fprintf(stderr, "open: %s\n", certmap_error_format(&err, buf, sizeof(buf)));
        tc_dump(&d);
    }
    certmap_diags_free(&d);
    return cfg;
}

static void
test_commit_writes_history_and_mode(void **state)
{
    char *xml = tc_fixture("seed_sample.config"), *disk;
    struct env e;
    struct certmap_open_options o = {.skip_secrets = true, .history_keep = 2};
    struct certmap_config *cfg;
    struct certmap_error err = {0};
    struct certmap_element *access;
    struct stat st;

    (void)state;
    env_make(&e, xml);
    cfg = open_cfg(e.path, &o);
    assert_non_null(cfg);
    access = section(cfg, CERTMAP_SECTION_ACCESS, "Default Web Site");
    for (int i = 0; i < 4; i++) {
        assert_int_equal(
            certmap_element_set(access, "sslFlags", i % 2 ? "Ssl" : "Ssl, SslRequireCert", &err),
            0);
        if (certmap_config_commit(cfg, &err) != 0)
            fprintf(stderr, "commit: %s\n", err.message);
        assert_int_equal(err.kind, CERTMAP_ERR_NONE);
    }
    /* the history keeps the newest two previous versions */
    assert_int_equal(count_history(e.dir), 2);
    assert_int_equal(stat(e.path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0640);
    disk = fixture_read(e.path, NULL);
    {
        char *want = replace(xml, "sslFlags=\"Ssl, SslNegotiateCert\"", "sslFlags=\"Ssl\"");
        assert_same(disk, want);
        free(want);
    }
    /* after commits, more changes still patch the new text */
    add_mapping(mappings(cfg, "Default Web Site"), "u2", tc_iis[1]);
    assert_int_equal(certmap_config_commit(cfg, &err), 0);
    certmap_config_close(cfg);
    cfg = open_cfg(e.path, &o);
    assert_non_null(cfg);
    assert_int_equal(certmap_collection_count(mappings(cfg, "Default Web Site")), 2);
    certmap_config_close(cfg);
    free(disk);
    free(xml);
    env_free(&e);
}

/* Another file's copies in a shared history directory are neither pruned nor counted. */
static void
test_commit_history_prunes_only_own_copies(void **state)
{
    static const char *const others[] = {
        "applicationHost.config.bak.20200101T000000.000000001Z",
        "applicationHost.config.bak.20200101T000000.000000002Z",
        "applicationHost.config.bak.20200101T000000.000000003Z",
    };
    char *xml = tc_fixture("seed_sample.config"), *hist, *f;
    struct env e;
    struct certmap_open_options o = {.skip_secrets = true, .history_keep = 2};
    struct certmap_config *cfg;
    struct certmap_error err = {0};
    struct certmap_element *access;
    struct stat st;

    (void)state;
    env_make(&e, xml);
    hist = tc_fmt("%s/.history", e.dir);
    assert_int_equal(mkdir(hist, 0700), 0);
    for (size_t i = 0; i < 3; i++)
        free(fixture_write(hist, others[i], "x", 1));
    cfg = open_cfg(e.path, &o);
    assert_non_null(cfg);
    access = section(cfg, CERTMAP_SECTION_ACCESS, "Default Web Site");
    for (int i = 0; i < 3; i++) {
        assert_int_equal(
            certmap_element_set(access, "sslFlags", i % 2 ? "Ssl" : "Ssl, SslRequireCert", &err),
            0);
        assert_int_equal(certmap_config_commit(cfg, &err), 0);
    }
    certmap_config_close(cfg);
    /* three copies of the other file, and the newest two of ours */
    assert_int_equal(count_history(e.dir), 3 + 2);
    for (size_t i = 0; i < 3; i++) {
        f = tc_fmt("%s/%s", hist, others[i]);
        assert_int_equal(stat(f, &st), 0);
        free(f);
    }
    free(hist);
    free(xml);
    env_free(&e);
}

static void
test_commit_failure_leaves_file(void **state)
{
    char *xml = tc_fixture("seed_sample.config"), *disk, *other;
    struct env e;
    struct certmap_open_options o = {.skip_secrets = true};
    struct certmap_config *cfg;
    struct certmap_error err = {0};
    struct certmap_element *access;

    (void)state;
    env_make(&e, xml);
    /* someone else changes the file after we opened it */
    cfg = open_cfg(e.path, &o);
    assert_non_null(cfg);
    access = section(cfg, CERTMAP_SECTION_ACCESS, "Default Web Site");
    assert_int_equal(certmap_element_set(access, "sslFlags", "Ssl", &err), 0);
    other = replace(xml, "userName=\"Username\"", "userName=\"Other\"");
    free(fixture_write(e.dir, "applicationHost.config", other, strlen(other)));
    assert_int_equal(certmap_config_commit(cfg, &err), -1);
    assert_true(strstr(err.message, "changed on disk") != NULL);
    disk = fixture_read(e.path, NULL);
    assert_same(disk, other);
    free(disk);
    certmap_config_close(cfg);
    /* a history directory that cannot be created */
    o.history_dir = "/proc/certmap-no-such-dir/history";
    cfg = open_cfg(e.path, &o);
    assert_non_null(cfg);
    assert_int_equal(certmap_element_set(section(cfg, CERTMAP_SECTION_ACCESS, "Default Web Site"),
                                         "sslFlags", "None", &err),
                     0);
    assert_int_equal(certmap_config_commit(cfg, &err), -1);
    disk = fixture_read(e.path, NULL);
    assert_same(disk, other);
    free(disk);
    certmap_config_close(cfg);
    /* the file that would be written does not load: duplicate key made by changing a key */
    o.history_dir = NULL;
    cfg = open_cfg(e.path, &o);
    assert_non_null(cfg);
    {
        struct certmap_collection *c = mappings(cfg, "Default Web Site");
        struct certmap_element *a = add_mapping(c, "u2", tc_iis[1]);
        assert_int_equal(certmap_element_set(a, "certificate", tc_pem[0], &err), -1);
        assert_true(strstr(err.message, "another item already has this certificate") != NULL);
        assert_int_equal(certmap_config_validate(cfg, NULL), 0);
    }
    certmap_config_close(cfg);
    disk = fixture_read(e.path, NULL);
    assert_same(disk, other);
    free(disk);
    /* parsed from memory: no commit */
    cfg = parse(xml, NULL);
    assert_int_equal(certmap_config_commit(cfg, &err), -1);
    certmap_config_close(cfg);
    free(other);
    free(xml);
    env_free(&e);
}

static void
test_create_and_lock(void **state)
{
    struct env e;
    struct certmap_open_options o = {.create = true, .lock = true};
    struct certmap_config *cfg;
    struct certmap_error err = {0};
    char path[1024], *disk;

    (void)state;
    e.dir = fixture_tmpdir();
    snprintf(path, sizeof(path), "%s/new.config", e.dir);
    e.path = strdup(path);
    assert_null(open_cfg(path, &(struct certmap_open_options){0}));
    cfg = open_cfg(path, &o);
    assert_non_null(cfg);
    assert_int_equal(
        certmap_element_set(section(cfg, CERTMAP_SECTION_LOGON, NULL), "provider", "PAM", &err), 0);
    assert_int_equal(certmap_config_commit(cfg, &err), 0);
    certmap_config_close(cfg);
    disk = fixture_read(path, NULL);
    assert_same(disk, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                      "<configuration>\n"
                      "    <certmap>\n"
                      "        <logon provider=\"pam\" />\n"
                      "    </certmap>\n"
                      "</configuration>\n");
    free(disk);
    /* no history for a file that did not exist */
    assert_int_equal(count_history(e.dir), 0);
    env_free(&e);
}

/* ---- passwords ---- */

static void
test_passwords(void **state)
{
    char *xml = tc_fixture("seed_sample.config"), *disk, *plain = NULL, *key;
    struct env e;
    struct certmap_open_options o = {0};
    struct certmap_config *cfg;
    struct certmap_error err = {0};
    struct certmap_element *item;
    struct certmap_diags d = {0};
    struct stat st;
    char buf[2048];
    unsigned pwline = 1;

    (void)state;
    env_make(&e, xml);
    cfg = open_cfg(e.path, &o);
    assert_non_null(cfg);
    item = certmap_collection_item(mappings(cfg, "Default Web Site"), 0);
    assert_int_equal(certmap_element_set(item, "password", "s3cr&t", &err), 0);
    /* stored as an envelope, read back decrypted */
    assert_true(strncmp(certmap_element_get(item, "password"), "[enc:AesProvider:", 17) == 0);
    assert_int_equal(certmap_element_get_secret(item, "password", &plain, &err), 0);
    assert_string_equal(plain, "s3cr&t");
    free(plain);
    assert_int_equal(certmap_config_commit(cfg, &err), 0);
    certmap_config_close(cfg);
    key = tc_fmt("%s/certmap.key", e.dir);
    assert_int_equal(stat(key, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0640);
    disk = fixture_read(e.path, NULL);
    assert_null(strstr(disk, "s3cr&t"));
    assert_non_null(strstr(disk, "password=\"[enc:AesProvider:"));
    /* the line of the changed <add>: its start tag was regenerated on one line */
    for (const char *p = disk; p < strstr(disk, "password=\"[enc:"); p++)
        pwline += *p == '\n';
    /* reopened: no warning, decrypts */
    cfg = certmap_config_open(e.path, &o, &d, &err);
    assert_non_null(cfg);
    assert_int_equal(tc_find_diag(&d, CERTMAP_SEV_WARNING, "plain-text"), -1);
    certmap_diags_free(&d);
    certmap_config_close(cfg);
    /* another key: an error naming the line and attribute */
    unlink(key);
    o.key_file = key;
    {
        unsigned char k[32];
        struct certmap_error ke = {0};
        assert_int_equal(secret_key_load(key, true, k, &ke), 0);
    }
    /* the mapping is broken, the file is not: it opens with one item error */
    cfg = certmap_config_open(e.path, &o, &d, &err);
    assert_non_null(cfg);
    certmap_config_close(cfg);
    assert_int_equal(d.errors, 1);
    assert_int_equal(d.item_errors, 1);
    {
        char want[128];
        int i = tc_find_diag(&d, CERTMAP_SEV_ERROR, "cannot decrypt");
        assert_true(i >= 0);
        assert_true(d.items[i].item);
        certmap_error_format(&d.items[i].err, buf, sizeof(buf));
        snprintf(want, sizeof(want), "applicationHost.config:%u: <add> password: cannot decrypt",
                 pwline);
        if (strstr(buf, want) == NULL)
            fprintf(stderr, "got: %s\nwant: %s\n", buf, want);
        assert_non_null(strstr(buf, want));
        assert_non_null(strstr(buf, "certmap set mapping --site \"Default Web Site\" --cert FILE "
                                    "--password-stdin"));
    }
    certmap_diags_free(&d);
    /* skip_secrets opens it */
    o.skip_secrets = true;
    cfg = certmap_config_open(e.path, &o, NULL, &err);
    assert_non_null(cfg);
    item = certmap_collection_item(mappings(cfg, "Default Web Site"), 0);
    assert_int_equal(certmap_element_get_secret(item, "password", &plain, &err), -1);
    assert_null(plain);
    assert_int_equal(err.line, pwline);
    assert_string_equal(err.attribute, "password");
    certmap_config_close(cfg);
    /* no key file at all: an item error, and reading does not create the key */
    unlink(key);
    o.skip_secrets = false;
    cfg = certmap_config_open(e.path, &o, &d, &err);
    assert_non_null(cfg);
    certmap_config_close(cfg);
    assert_int_equal(d.item_errors, 1);
    assert_true(tc_find_diag(&d, CERTMAP_SEV_ERROR, "cannot decrypt") >= 0);
    assert_int_not_equal(stat(key, &st), 0);
    certmap_diags_free(&d);
    /* a tampered envelope */
    {
        char *p = strstr(disk, "[enc:AesProvider:") + 20;
        *p = *p == 'A' ? 'B' : 'A';
        free(fixture_write(e.dir, "applicationHost.config", disk, strlen(disk)));
    }
    o.key_file = NULL;
    cfg = certmap_config_open(e.path, &o, &d, &err);
    assert_non_null(cfg);
    certmap_config_close(cfg);
    assert_int_equal(d.item_errors, 1);
    assert_int_equal(d.items[tc_find_diag(&d, CERTMAP_SEV_ERROR, "cannot decrypt")].err.line,
                     pwline);
    certmap_diags_free(&d);
    free(key);
    free(disk);
    free(xml);
    env_free(&e);
}

/* The seed's ServerManager sample, step for step, on the C API. */
static void
test_seed_steps(void **state)
{
    const char *xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<configuration>\n"
                      "    <system.applicationHost>\n        <sites>\n"
                      "            <site name=\"Default Web Site\" id=\"1\" />\n"
                      "        </sites>\n    </system.applicationHost>\n</configuration>\n";
    struct env e;
    struct certmap_config *cfg;
    struct certmap_element *auth, *add, *access;
    struct certmap_collection *maps;
    struct certmap_error err = {0};
    char *pw = NULL;
    unsigned f = 0;
    bool b = false;

    (void)state;
    env_make(&e, xml);
    cfg = open_cfg(e.path, NULL);
    auth = section(cfg, CERTMAP_SECTION_CERTMAPPING, "Default Web Site");
    assert_int_equal(certmap_element_set_bool(auth, "enabled", true, &err), 0);
    assert_int_equal(
        certmap_element_set_bool(auth, "oneToOneCertificateMappingsEnabled", true, &err), 0);
    maps = certmap_element_collection(auth, "oneToOneMappings", &err);
    add = certmap_collection_create_element(maps, "add", &err);
    assert_int_equal(certmap_element_set_bool(add, "enabled", true, &err), 0);
    assert_int_equal(certmap_element_set(add, "userName", "Username", &err), 0);
    assert_int_equal(certmap_element_set(add, "password", "Password", &err), 0);
    assert_int_equal(certmap_element_set(add, "certificate", tc_wrapped[2], &err), 0);
    assert_int_equal(certmap_collection_add(maps, add, &err), 0);
    access = section(cfg, CERTMAP_SECTION_ACCESS, "Default Web Site");
    assert_int_equal(certmap_element_set(access, "sslFlags", "Ssl, SslNegotiateCert", &err), 0);
    assert_int_equal(certmap_config_commit(cfg, &err), 0);
    certmap_config_close(cfg);

    cfg = open_cfg(e.path, NULL);
    assert_non_null(cfg);
    certmap_element_get_bool(section(cfg, CERTMAP_SECTION_CERTMAPPING, "Default Web Site"),
                             "enabled", &b, &err);
    assert_true(b);
    certmap_element_get_flags(section(cfg, CERTMAP_SECTION_ACCESS, "Default Web Site"), "sslFlags",
                              &f, &err);
    assert_int_equal(f, CERTMAP_SSL | CERTMAP_SSL_NEGOTIATE_CERT);
    maps = mappings(cfg, "Default Web Site");
    assert_int_equal(certmap_collection_count(maps), 1);
    add = certmap_collection_find(maps, tc_pem[2]);
    assert_non_null(add);
    assert_int_equal(certmap_element_get_secret(add, "password", &pw, &err), 0);
    assert_string_equal(pw, "Password");
    free(pw);
    certmap_config_close(cfg);
    env_free(&e);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_identical),
        cmocka_unit_test(test_set_attribute_touches_one_line),
        cmocka_unit_test(test_set_keeps_attribute_order_and_escapes),
        cmocka_unit_test(test_add_item_with_sibling_indentation),
        cmocka_unit_test(test_add_into_self_closing_parent),
        cmocka_unit_test(test_remove_and_clear),
        cmocka_unit_test(test_new_location_block),
        cmocka_unit_test(test_commit_writes_history_and_mode),
        cmocka_unit_test(test_commit_history_prunes_only_own_copies),
        cmocka_unit_test(test_commit_failure_leaves_file),
        cmocka_unit_test(test_create_and_lock),
        cmocka_unit_test(test_passwords),
        cmocka_unit_test(test_seed_steps),
    };
    return cmocka_run_group_tests(tests, tc_group_setup, tc_group_teardown);
}
