/*
 * test_check.c - the checks of certmapd -t and validate (src/lib/check.c):
 * CRL dates, a finding reported once at its worst, directory permissions
 * for a service account, listener addresses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <sys/stat.h>
#include <unistd.h>

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "check.c"
#include "fixture.h"

/* Writes a CRL of "CN=unit CA" valid from now+from to now+until (seconds) to dir/name. */
static char *
write_crl(const char *dir, const char *name, time_t now, long from, long until)
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509_CRL *crl = X509_CRL_new();
    X509_NAME *issuer = X509_NAME_new();
    ASN1_TIME *t0 = ASN1_TIME_adj(NULL, now, 0, from);
    ASN1_TIME *t1 = ASN1_TIME_adj(NULL, now, 0, until);
    char *path;
    FILE *f;

    assert_non_null(key);
    assert_non_null(crl);
    assert_int_equal(X509_NAME_add_entry_by_txt(issuer, "CN", MBSTRING_ASC,
                                                (const unsigned char *)"unit CA", -1, -1, 0),
                     1);
    assert_int_equal(X509_CRL_set_version(crl, 1), 1);
    assert_int_equal(X509_CRL_set_issuer_name(crl, issuer), 1);
    assert_int_equal(X509_CRL_set1_lastUpdate(crl, t0), 1);
    assert_int_equal(X509_CRL_set1_nextUpdate(crl, t1), 1);
    assert_true(X509_CRL_sign(crl, key, EVP_sha256()) > 0);
    assert_int_not_equal(asprintf(&path, "%s/%s", dir, name), -1);
    f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(PEM_write_X509_CRL(f, crl), 1);
    fclose(f);
    ASN1_TIME_free(t0);
    ASN1_TIME_free(t1);
    X509_NAME_free(issuer);
    X509_CRL_free(crl);
    EVP_PKEY_free(key);
    return path;
}

static size_t
count(const struct certmap_diags *d, enum certmap_severity sev)
{
    size_t n = 0;

    for (size_t i = 0; i < d->count; i++)
        n += d->items[i].severity == sev;
    return n;
}

static void
test_crl_dates(void **state)
{
    char *dir = fixture_tmpdir();
    time_t now = time(NULL);
    char *expired = write_crl(dir, "expired.crl", now, -7200, -3600);
    char *near = write_crl(dir, "near.crl", now, -3600, 3600);
    char *far = write_crl(dir, "far.crl", now, -3600, 100 * 3600);
    char *future = write_crl(dir, "future.crl", now, 3600, 100 * 3600);
    struct certmap_diags d = {0};

    (void)state;
    /* past nextUpdate: an error at the binding, naming the CRL's issuer */
    assert_int_equal(check_crl(expired, now, 24, "a.config", 7, &d), 0);
    assert_int_equal(d.errors, 1);
    assert_string_equal(d.items[0].err.file, "a.config");
    assert_int_equal(d.items[0].err.line, 7);
    assert_string_equal(d.items[0].err.attribute, "crlFile");
    assert_non_null(strstr(d.items[0].err.message, "past its nextUpdate"));
    assert_non_null(strstr(d.items[0].err.message, "CN=unit CA"));
    certmap_diags_free(&d);

    /* near it: a warning within the lead time, nothing with a shorter one or none */
    memset(&d, 0, sizeof(d));
    assert_int_equal(check_crl(near, now, 24, "a.config", 7, &d), 0);
    assert_int_equal(d.errors, 0);
    assert_int_equal(count(&d, CERTMAP_SEV_WARNING), 1);
    assert_non_null(strstr(d.items[0].err.message, "reaches its nextUpdate"));
    certmap_diags_free(&d);
    memset(&d, 0, sizeof(d));
    assert_int_equal(check_crl(near, now, 0, "a.config", 7, &d), 0);
    assert_int_equal(check_crl(far, now, 24, "a.config", 7, &d), 0);
    assert_int_equal(d.count, 0);

    /* not valid yet: a warning */
    assert_int_equal(check_crl(future, now, 24, "a.config", 7, &d), 0);
    assert_int_equal(count(&d, CERTMAP_SEV_WARNING), 1);
    certmap_diags_free(&d);
    free(expired);
    free(near);
    free(far);
    free(future);
    fixture_rmtree(dir);
}

static void
test_crl_unreadable(void **state)
{
    char *dir = fixture_tmpdir();
    char *junk = fixture_write(dir, "junk.crl", "not a CRL\n", 10);
    char missing[4096];
    struct certmap_diags d = {0};

    (void)state;
    snprintf(missing, sizeof(missing), "%s/missing.crl", dir);
    assert_int_equal(check_crl(missing, time(NULL), 24, "a.config", 3, &d), 0);
    assert_int_equal(check_crl(junk, time(NULL), 24, "a.config", 4, &d), 0);
    assert_int_equal(d.errors, 2);
    assert_non_null(strstr(d.items[0].err.message, "cannot open"));
    assert_non_null(strstr(d.items[1].err.message, "no CRL in"));
    assert_int_equal(d.items[1].err.line, 4);
    certmap_diags_free(&d);
    free(junk);
    fixture_rmtree(dir);
}

/* A view's warning at a place becomes an error when a check finds worse there; no duplicate. */
static void
test_once_at_worst(void **state)
{
    struct certmap_diags d = {0};
    struct certmap_error e = {0};
    struct run r = {.diags = &d};

    (void)state;
    certmap_error_set(&e, CERTMAP_ERR_INVALID, "a.config", 12, "virtualDirectory", "physicalPath",
                      "\"D:\\\\x\" is a Windows path");
    assert_int_equal(certmap_diags_add(&d, CERTMAP_SEV_WARNING, &e), 0);
    finding(&r, CERTMAP_SEV_ERROR, "a.config", 12, "virtualDirectory", "physicalPath",
            "a Windows path: certmapd answers 500");
    finding(&r, CERTMAP_SEV_NOTE, "a.config", 12, "virtualDirectory", "physicalPath", "again");
    assert_int_equal(d.count, 1);
    assert_int_equal(d.errors, 1);
    assert_int_equal(d.items[0].severity, CERTMAP_SEV_ERROR);
    assert_non_null(strstr(d.items[0].err.message, "Windows path"));
    finding(&r, CERTMAP_SEV_ERROR, "a.config", 13, "virtualDirectory", "physicalPath", "other");
    assert_int_equal(d.count, 2);
    certmap_diags_free(&d);
}

/* The service account's view of a directory: owner, group, other bits; root writes anywhere. */
static void
test_dir_for_account(void **state)
{
    char *dir = fixture_tmpdir();
    struct check_account a = {.name = "svc"};
    gid_t extra;
    struct stat st;

    (void)state;
    assert_int_equal(chmod(dir, 0750), 0);
    assert_int_equal(stat(dir, &st), 0);
    a.uid = st.st_uid + 1000;
    a.gid = st.st_gid + 1000;
    /* neither owner nor group: "other" has no write bit */
    assert_false(may_write_dir(dir, &st, &a));
    /* owner: rwx */
    a.uid = st.st_uid == 0 ? 4242 : st.st_uid;
    if (st.st_uid != 0) {
        assert_true(may_write_dir(dir, &st, &a));
        assert_int_equal(chmod(dir, 0550), 0);
        assert_int_equal(stat(dir, &st), 0);
        assert_false(may_write_dir(dir, &st, &a));
    }
    /* a supplementary group with rwx */
    assert_int_equal(chmod(dir, 0070), 0);
    assert_int_equal(stat(dir, &st), 0);
    a.uid = st.st_uid + 1000;
    a.gid = st.st_gid + 1000;
    assert_false(may_write_dir(dir, &st, &a));
    extra = st.st_gid;
    a.groups = &extra;
    a.ngroups = 1;
    assert_true(may_write_dir(dir, &st, &a));
    /* root */
    a.uid = 0;
    a.groups = NULL;
    a.ngroups = 0;
    assert_int_equal(chmod(dir, 0500), 0);
    assert_int_equal(stat(dir, &st), 0);
    assert_true(may_write_dir(dir, &st, &a));
    assert_int_equal(chmod(dir, 0700), 0);
    fixture_rmtree(dir);
}

static void
test_canon_ip(void **state)
{
    char a[64], b[64];

    (void)state;
    canon_ip("0::1", a, sizeof(a));
    canon_ip("::1", b, sizeof(b));
    assert_string_equal(a, b);
    canon_ip("*", a, sizeof(a));
    assert_string_equal(a, "*");
    canon_ip("", a, sizeof(a));
    assert_string_equal(a, "*");
    canon_ip("127.0.0.1", a, sizeof(a));
    assert_string_equal(a, "127.0.0.1");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crl_dates),     cmocka_unit_test(test_crl_unreadable),
        cmocka_unit_test(test_once_at_worst), cmocka_unit_test(test_dir_for_account),
        cmocka_unit_test(test_canon_ip),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
