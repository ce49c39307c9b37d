/*
 * test_config_items.c - item errors: a mapping whose password does not
 * decrypt or whose certificate does not decode disables that mapping only
 * (as IIS fails only that mapping), is reported with its line, and a commit
 * may keep or repair such mappings but never break one that worked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/crypto.h>

#include "secret.h"
#include "test_config_util.h"

/* A temporary directory with applicationHost.config and our key file certmap.key. */
struct env {
    char *dir;
    char *path;     /* the configuration */
    char *key;      /* our key file */
    char *other;    /* another machine's key file (IIS's stands in for it) */
    char *env_good; /* "pw-good" under our key */
    char *env_iis;  /* "pw-iis" under the other key: undecryptable here */
};

static char *
encrypt_with(const char *keyfile, const char *plain)
{
    unsigned char k[SECRET_KEY_LEN];
    struct certmap_error err = {0};
    char *out = NULL;

    assert_int_equal(secret_key_load(keyfile, true, k, &err), 0);
    assert_int_equal(secret_encrypt(k, plain, &out, &err), 0);
    OPENSSL_cleanse(k, sizeof(k));
    return out;
}

static void
env_make(struct env *e)
{
    memset(e, 0, sizeof(*e));
    e->dir = fixture_tmpdir();
    assert_non_null(e->dir);
    e->path = tc_fmt("%s/applicationHost.config", e->dir);
    e->key = tc_fmt("%s/certmap.key", e->dir);
    e->other = tc_fmt("%s/iis.key", e->dir);
    e->env_good = encrypt_with(e->key, "pw-good");
    e->env_iis = encrypt_with(e->other, "pw-iis");
}

static void
env_free(struct env *e)
{
    free(e->path);
    free(e->key);
    free(e->other);
    free(e->env_good);
    free(e->env_iis);
    fixture_rmtree(e->dir);
}

/*
 * A site with the given <add> lines (line 9 onwards, one per entry) in its
 * oneToOneMappings; extra goes inside <access>'s start tag.
 */
static void
write_config(const struct env *e, const char *const *adds, size_t n, const char *extra)
{
    char *body = strdup(""), *xml, *p;

    for (size_t i = 0; i < n; i++) {
        p = tc_fmt("%s                    %s\n", body, adds[i]);
        free(body);
        body = p;
    }
    xml = tc_fmt("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                 "<configuration>\n"
                 "    <system.applicationHost><sites><site name=\"S\" id=\"1\" /></sites>"
                 "</system.applicationHost>\n"
                 "    <location path=\"S\">\n"
                 "        <system.webServer><security>\n"
                 "            <access sslFlags=\"Ssl\"%s />\n"
                 "            <authentication><iisClientCertificateMappingAuthentication "
                 "enabled=\"true\">\n"
                 "                <oneToOneMappings>\n"
                 "%s"
                 "                </oneToOneMappings>\n"
                 "            </iisClientCertificateMappingAuthentication></authentication>\n"
                 "        </security></system.webServer>\n"
                 "    </location>\n"
                 "</configuration>\n",
                 extra, body);
    free(fixture_write(e->dir, "applicationHost.config", xml, strlen(xml)));
    free(xml);
    free(body);
}

/* <add> of certificate n (1-based) for user with the password envelope pw. */
static char *
add_line(int n, const char *user, const char *pw)
{
    return tc_fmt("<add userName=\"%s\" password=\"%s\" certificate=\"%s\" />", user, pw,
                  tc_iis[n - 1]);
}

static struct certmap_config *
open_ok(const struct env *e, struct certmap_diags *d)
{
    struct certmap_open_options o = {.key_file = e->key};
    struct certmap_error err = {0};
    struct certmap_config *cfg = certmap_config_open(e->path, &o, d, &err);

    if (cfg == NULL) {
        fprintf(stderr, "open: %s\n", err.message);
        tc_dump(d);
    }
    assert_non_null(cfg);
    return cfg;
}

static struct certmap_collection *
mappings(struct certmap_config *cfg)
{
    struct certmap_error err = {0};
    struct certmap_element *s =
        certmap_config_get_section(cfg, CERTMAP_SECTION_CERTMAPPING, "S", &err);
    struct certmap_collection *c = certmap_element_collection(s, "oneToOneMappings", &err);

    assert_non_null(c);
    return c;
}

/* The item for certificate n. */
static struct certmap_element *
mapping(struct certmap_config *cfg, int n)
{
    struct certmap_element *item = certmap_collection_find(mappings(cfg), tc_iis[n - 1]);

    assert_non_null(item);
    return item;
}

static void
expect_secret(struct certmap_element *item, const char *want)
{
    struct certmap_error err = {0};
    char *pw = NULL;

    assert_int_equal(certmap_element_get_secret(item, "password", &pw, &err), 0);
    assert_string_equal(pw, want);
    free(pw);
}

/* Index of the item error on line, or -1. */
static int
item_error_at(const struct certmap_diags *d, unsigned line)
{
    for (size_t i = 0; i < d->count; i++)
        if (d->items[i].item && d->items[i].err.line == line)
            return (int)i;
    return -1;
}

/* An IIS envelope and a good one: the file opens, one item error names alice's line. */
static void
test_undecryptable_is_item_error(void **state)
{
    struct env e;
    struct certmap_diags d = {0};
    struct certmap_config *cfg;
    struct certmap_collection *c;
    struct certmap_error err = {0};
    char *adds[2], *pw = NULL;
    int i;

    (void)state;
    env_make(&e);
    adds[0] = add_line(1, "alice", e.env_iis);
    adds[1] = add_line(2, "bob", e.env_good);
    write_config(&e, (const char *const *)adds, 2, "");
    cfg = open_ok(&e, &d);
    assert_int_equal(d.errors, 1);
    assert_int_equal(d.item_errors, 1);
    i = item_error_at(&d, 9);
    assert_true(i >= 0);
    assert_int_equal(d.items[i].severity, CERTMAP_SEV_ERROR);
    assert_string_equal(d.items[i].err.attribute, "password");
    assert_non_null(strstr(d.items[i].err.message, "cannot decrypt"));
    assert_non_null(strstr(d.items[i].err.message,
                           "certmap set mapping --site \"S\" --cert FILE --password-stdin"));
    /* both items are there, in order; the good one reads, the broken one fails on its own */
    c = mappings(cfg);
    assert_int_equal(certmap_collection_count(c), 2);
    assert_string_equal(certmap_element_get(certmap_collection_item(c, 0), "userName"), "alice");
    assert_string_equal(certmap_element_get(certmap_collection_item(c, 1), "userName"), "bob");
    expect_secret(certmap_collection_item(c, 1), "pw-good");
    assert_int_equal(
        certmap_element_get_secret(certmap_collection_item(c, 0), "password", &pw, &err), -1);
    assert_null(pw);
    assert_int_equal(err.line, 9);
    /* validate says the same: the document has an error, and only an item error */
    certmap_diags_free(&d);
    assert_int_equal(certmap_config_validate(cfg, &d), -1);
    assert_int_equal(d.errors, 1);
    assert_int_equal(d.item_errors, 1);
    certmap_diags_free(&d);
    certmap_config_close(cfg);
    free(adds[0]);
    free(adds[1]);
    env_free(&e);
}

/* No key file: every envelope is an item error of its own, and reading creates no key. */
static void
test_missing_key(void **state)
{
    struct env e;
    struct certmap_diags d = {0};
    struct certmap_config *cfg;
    struct stat st;
    char *adds[2];

    (void)state;
    env_make(&e);
    adds[0] = add_line(1, "alice", e.env_iis);
    adds[1] = add_line(2, "bob", e.env_good);
    write_config(&e, (const char *const *)adds, 2, "");
    unlink(e.key);
    cfg = open_ok(&e, &d);
    assert_int_equal(d.item_errors, 2);
    assert_true(item_error_at(&d, 9) >= 0);
    assert_true(item_error_at(&d, 10) >= 0);
    assert_non_null(strstr(d.items[item_error_at(&d, 10)].err.message, "certmap.key"));
    assert_int_not_equal(stat(e.key, &st), 0);
    certmap_diags_free(&d);
    certmap_config_close(cfg);
    free(adds[0]);
    free(adds[1]);
    env_free(&e);
}

/* A certificate string that does not decode: an item error, the other mapping reads. */
static void
test_bad_certificate_is_item_error(void **state)
{
    struct env e;
    struct certmap_diags d = {0};
    struct certmap_config *cfg;
    char *adds[2];
    int i;

    (void)state;
    env_make(&e);
    adds[0] = tc_fmt("<add userName=\"alice\" password=\"%s\" certificate=\"MIIB!broken\" />",
                     e.env_good);
    adds[1] = add_line(2, "bob", e.env_good);
    write_config(&e, (const char *const *)adds, 2, "");
    cfg = open_ok(&e, &d);
    assert_int_equal(d.errors, 1);
    i = item_error_at(&d, 9);
    assert_true(i >= 0);
    assert_string_equal(d.items[i].err.attribute, "certificate");
    expect_secret(mapping(cfg, 2), "pw-good");
    assert_int_equal(certmap_collection_count(mappings(cfg)), 2);
    certmap_diags_free(&d);
    certmap_config_close(cfg);
    free(adds[0]);
    free(adds[1]);
    env_free(&e);
}

/* A structural error still refuses the file, and names itself rather than the item error. */
static void
test_structural_error_refuses(void **state)
{
    struct env e;
    struct certmap_diags d = {0};
    struct certmap_open_options o;
    struct certmap_error err = {0};
    char *adds[2];

    (void)state;
    env_make(&e);
    adds[0] = add_line(1, "alice", e.env_iis);
    adds[1] = add_line(2, "bob", e.env_good);
    write_config(&e, (const char *const *)adds, 2, " sslFlag=\"Ssl\"");
    o = (struct certmap_open_options){.key_file = e.key};
    assert_null(certmap_config_open(e.path, &o, &d, &err));
    assert_int_equal(d.errors, 2);
    assert_int_equal(d.item_errors, 1);
    assert_int_equal(err.line, 6);
    assert_string_equal(err.attribute, "sslFlag");
    certmap_diags_free(&d);
    /* a duplicate key is structural too, even between broken mappings */
    free(adds[1]);
    adds[1] = add_line(1, "alice2", e.env_iis);
    write_config(&e, (const char *const *)adds, 2, "");
    assert_null(certmap_config_open(e.path, &o, &d, &err));
    assert_non_null(strstr(err.message, "duplicate certificate"));
    certmap_diags_free(&d);
    free(adds[0]);
    free(adds[1]);
    env_free(&e);
}

/* Repairing one of two broken mappings commits; the reopened file lists one fewer. */
static void
test_commit_repairs_one(void **state)
{
    struct env e;
    struct certmap_diags d = {0};
    struct certmap_config *cfg;
    struct certmap_error err = {0};
    char *adds[3];

    (void)state;
    env_make(&e);
    adds[0] = add_line(1, "alice", e.env_iis);
    adds[1] = add_line(2, "bob", e.env_good);
    adds[2] = add_line(3, "carol", e.env_iis);
    write_config(&e, (const char *const *)adds, 3, "");
    cfg = open_ok(&e, &d);
    assert_int_equal(d.item_errors, 2);
    certmap_diags_free(&d);
    assert_int_equal(certmap_element_set(mapping(cfg, 1), "password", "alice-new", &err), 0);
    /* an unrelated change keeps carol as she was: also fine */
    assert_int_equal(certmap_element_set(mapping(cfg, 2), "userName", "robert", &err), 0);
    if (certmap_config_commit(cfg, &err) != 0) {
        fprintf(stderr, "commit: %s\n", err.message);
        fail();
    }
    /* the next commit of the same handle starts from what was written */
    assert_int_equal(certmap_collection_remove(mappings(cfg), mapping(cfg, 3), &err), 0);
    assert_int_equal(certmap_config_commit(cfg, &err), 0);
    certmap_config_close(cfg);
    cfg = open_ok(&e, &d);
    assert_int_equal(d.errors, 0);
    expect_secret(mapping(cfg, 1), "alice-new");
    assert_int_equal(certmap_collection_count(mappings(cfg)), 2);
    certmap_diags_free(&d);
    certmap_config_close(cfg);
    for (int i = 0; i < 3; i++)
        free(adds[i]);
    env_free(&e);
}

/*
 * A commit that would break a mapping that worked is refused, even when it
 * repairs another at the same time (the count of item errors stays the same).
 * The key file replaced under an open handle does both: alice's IIS envelope
 * now decrypts, bob's does not.
 */
static void
test_commit_refuses_new_broken(void **state)
{
    struct env e;
    struct certmap_diags d = {0};
    struct certmap_config *cfg;
    struct certmap_collection *c;
    struct certmap_element *item;
    struct certmap_error err = {0};
    char *adds[2], *before, *after, *keytext;

    (void)state;
    env_make(&e);
    adds[0] = add_line(1, "alice", e.env_iis);
    adds[1] = add_line(2, "bob", e.env_good);
    write_config(&e, (const char *const *)adds, 2, "");
    cfg = open_ok(&e, &d);
    assert_int_equal(d.item_errors, 1);
    certmap_diags_free(&d);
    before = fixture_read(e.path, NULL);
    keytext = fixture_read(e.other, NULL);
    free(fixture_write(e.dir, "certmap.key", keytext, strlen(keytext)));
    chmod(e.key, 0600);
    c = mappings(cfg);
    item = certmap_collection_create_element(c, NULL, &err);
    assert_non_null(item);
    assert_int_equal(certmap_element_set(item, "certificate", tc_iis[2], &err), 0);
    assert_int_equal(certmap_element_set(item, "userName", "carol", &err), 0);
    /* an envelope this key does not open is refused as it is set */
    assert_int_equal(certmap_element_set(item, "password", e.env_iis, &err), -1);
    assert_non_null(strstr(err.message, "does not decrypt"));
    assert_int_equal(certmap_collection_add(c, item, &err), 0);
    assert_int_equal(certmap_config_commit(cfg, &err), -1);
    assert_int_equal(err.line, 10); /* bob's mapping: working when opened, broken by this write */
    assert_string_equal(err.attribute, "password");
    after = fixture_read(e.path, NULL);
    assert_string_equal(before, after);
    certmap_config_close(cfg);
    free(before);
    free(after);
    free(keytext);
    free(adds[0]);
    free(adds[1]);
    env_free(&e);
}

/* Control characters in text: refused by set (naming the attribute), an error on load. */
static void
test_control_characters(void **state)
{
    struct env e;
    struct certmap_diags d = {0};
    struct certmap_config *cfg;
    struct certmap_error err = {0};
    struct certmap_open_options o;
    char *adds[1];

    (void)state;
    env_make(&e);
    adds[0] = add_line(1, "alice", e.env_good);
    write_config(&e, (const char *const *)adds, 1, "");
    cfg = open_ok(&e, &d);
    assert_int_equal(certmap_element_set(mapping(cfg, 1), "userName", "alice\nroot", &err), -1);
    assert_string_equal(err.attribute, "userName");
    assert_non_null(strstr(err.message, "control character 0x0a"));
    assert_int_equal(certmap_element_set(mapping(cfg, 1), "userName", "al\x7f", &err), -1);
    /* a password may hold any byte: it is stored encrypted and never shown */
    assert_int_equal(certmap_element_set(mapping(cfg, 1), "password", "p\tw", &err), 0);
    certmap_config_close(cfg);
    certmap_diags_free(&d);
    free(adds[0]);
    adds[0] = tc_fmt("<add userName=\"alice&#10;x\" password=\"%s\" certificate=\"%s\" />",
                     e.env_good, tc_iis[0]);
    write_config(&e, (const char *const *)adds, 1, "");
    o = (struct certmap_open_options){.key_file = e.key};
    assert_null(certmap_config_open(e.path, &o, &d, &err));
    assert_int_equal(err.line, 9);
    assert_string_equal(err.attribute, "userName");
    assert_int_equal(d.item_errors, 0);
    certmap_diags_free(&d);
    free(adds[0]);
    env_free(&e);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_undecryptable_is_item_error),
        cmocka_unit_test(test_missing_key),
        cmocka_unit_test(test_bad_certificate_is_item_error),
        cmocka_unit_test(test_structural_error_refuses),
        cmocka_unit_test(test_commit_repairs_one),
        cmocka_unit_test(test_commit_refuses_new_broken),
        cmocka_unit_test(test_control_characters),
    };

    return cmocka_run_group_tests(tests, tc_group_setup, tc_group_teardown);
}
