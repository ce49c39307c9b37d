/*
 * Unit tests for mapping/many.c: the many-to-one matcher (wildcards, case
 * sensitivity, Issuer rules, every rule of a mapping, disabled mappings,
 * document order, multi-valued names, mappings without rules) and the
 * set's rule checks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "mapping/many.h"

/* Adds "TYPE=value" pairs of spec ("O=Contoso,OU=Sales,OU=HR") to name. */
static void
add_rdns(X509_NAME *name, const char *spec)
{
    char buf[256], *save = NULL;

    snprintf(buf, sizeof(buf), "%s", spec);
    for (char *tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '=');
        assert_non_null(eq);
        *eq = '\0';
        assert_int_equal(X509_NAME_add_entry_by_txt(name, tok, MBSTRING_UTF8,
                                                    (const unsigned char *)eq + 1, -1, -1, 0),
                         1);
    }
}

/* An unsigned certificate with these names: the matcher reads names only. */
static X509 *
cert(const char *subject, const char *issuer)
{
    X509 *x = X509_new();

    assert_non_null(x);
    add_rdns(X509_get_subject_name(x), subject);
    add_rdns(X509_get_issuer_name(x), issuer);
    return x;
}

static void
add_map(struct m2o_set *s, const char *name, const char *user, bool enabled, bool deny)
{
    struct m2o_mapping m;

    memset(&m, 0, sizeof(m));
    m.name = name;
    m.base.user = user;
    m.base.password = "pw";
    m.base.enabled = enabled;
    m.base.file = "test.config";
    m.base.line = 10;
    m.deny = deny;
    assert_int_equal(m2o_set_add(s, &m), 0);
}

static void
add_rule(struct m2o_set *s, enum m2o_field f, const char *sub, const char *crit, bool cs,
         unsigned line)
{
    struct m2o_rule r;
    struct certmap_error e = {0};

    memset(&r, 0, sizeof(r));
    r.field = f;
    r.subfield = sub;
    r.criteria = crit;
    r.case_sensitive = cs;
    r.file = "test.config";
    r.line = line;
    assert_int_equal(m2o_set_add_rule(s, &r, &e), 0);
}

static void
test_glob(void **state)
{
    (void)state;
    assert_true(m2o_glob("Contoso", "Contoso", 7, true));
    assert_false(m2o_glob("Contoso", "Contoso Ltd", 11, true));
    assert_false(m2o_glob("Contoso", "Conto", 5, true));
    assert_true(m2o_glob("Contoso*", "Contoso Ltd", 11, true));
    assert_true(m2o_glob("*Ltd", "Contoso Ltd", 11, true));
    assert_true(m2o_glob("C*o*o", "Contoso", 7, true));
    assert_true(m2o_glob("*", "", 0, true));
    assert_true(m2o_glob("a**b", "ab", 2, true));
    assert_true(m2o_glob("*ab*ab", "xabyabab", 8, true));
    assert_false(m2o_glob("*ab*ab", "xabyaba", 7, true));
    assert_false(m2o_glob("contoso", "Contoso", 7, true));
    assert_true(m2o_glob("contoso", "Contoso", 7, false));
    assert_true(m2o_glob("CONT*", "contoso", 7, false));
    /* no escape: '*' is always a wildcard, '\' an ordinary character */
    assert_true(m2o_glob("a\\*", "a\\xyz", 5, true));
    assert_false(m2o_glob("a\\*", "axyz", 4, true));
    /* only ASCII folds */
    assert_false(m2o_glob("\xc3\xa9", "\xc3\x89", 2, false));
    /* length-bounded: a NUL in the value is a character, not the end */
    assert_false(m2o_glob("Contoso", "Contoso\0x", 9, true));
    assert_true(m2o_glob("Contoso*", "Contoso\0x", 9, true));
}

/* The IIS docs' sample: Subject O=Contoso, case-sensitive. */
static void
test_docs_sample_and_case(void **state)
{
    struct m2o_set *s = m2o_set_new();
    X509 *yes = cert("CN=alice,O=Contoso", "CN=Contoso CA");
    X509 *lower = cert("CN=bob,O=contoso", "CN=Contoso CA");
    X509 *other = cert("CN=carol,O=Fabrikam", "CN=Contoso CA");
    const struct m2o_rule *failed = NULL;
    const struct m2o_mapping *m;

    (void)state;
    add_map(s, "Contoso Employees", "partner", true, false);
    add_rule(s, M2O_SUBJECT, "O", "Contoso", true, 12);
    m = m2o_match(s, yes, &failed);
    assert_non_null(m);
    assert_string_equal(m->name, "Contoso Employees");
    assert_string_equal(m->base.user, "partner");
    assert_string_equal(m->base.password, "pw");
    assert_null(failed);
    assert_null(m2o_match(s, lower, &failed));
    assert_non_null(failed);
    assert_int_equal(failed->line, 12);
    assert_string_equal(failed->file, "test.config");
    assert_null(m2o_match(s, other, NULL));
    m2o_set_free(s);

    s = m2o_set_new();
    add_map(s, "any case", "partner", true, false);
    add_rule(s, M2O_SUBJECT, "o", "CONTOSO", false, 12);
    assert_non_null(m2o_match(s, yes, NULL));
    assert_non_null(m2o_match(s, lower, NULL));
    assert_null(m2o_match(s, other, NULL));
    m2o_set_free(s);
    X509_free(yes);
    X509_free(lower);
    X509_free(other);
}

static void
test_issuer_and_all_rules(void **state)
{
    struct m2o_set *s = m2o_set_new();
    X509 *a = cert("CN=alice,O=Contoso", "CN=Contoso CA,O=Contoso");
    X509 *b = cert("CN=bob,O=Contoso", "CN=Other CA,O=Contoso");
    X509 *c = cert("CN=Contoso CA,O=Fabrikam", "CN=Contoso CA");
    const struct m2o_rule *failed;

    (void)state;
    add_map(s, "two rules", "partner", true, false);
    add_rule(s, M2O_SUBJECT, "O", "Contoso", true, 20);
    add_rule(s, M2O_ISSUER, "CN", "Contoso CA", true, 21);
    assert_non_null(m2o_match(s, a, NULL));
    /* subject matches, issuer does not: the second rule explains */
    assert_null(m2o_match(s, b, &failed));
    assert_int_equal(failed->line, 21);
    /* the issuer rule reads the issuer, not the subject's CN */
    assert_null(m2o_match(s, c, &failed));
    assert_int_equal(failed->line, 20);
    m2o_set_free(s);
    X509_free(a);
    X509_free(b);
    X509_free(c);
}

static void
test_order_disabled_deny(void **state)
{
    struct m2o_set *s = m2o_set_new();
    X509 *sales = cert("CN=s,O=Contoso,OU=Sales", "CN=CA");
    X509 *hr = cert("CN=h,O=Contoso,OU=HR", "CN=CA");
    const struct m2o_mapping *m;

    (void)state;
    add_map(s, "off", "nobody", false, false);
    add_rule(s, M2O_SUBJECT, "O", "*", true, 30);
    add_map(s, "deny sales", "", true, true);
    add_rule(s, M2O_SUBJECT, "OU", "Sales", true, 31);
    add_map(s, "contoso", "partner", true, false);
    add_rule(s, M2O_SUBJECT, "O", "Contoso", true, 32);
    assert_int_equal(m2o_set_count(s), 3);
    m = m2o_match(s, sales, NULL);
    assert_non_null(m);
    assert_string_equal(m->name, "deny sales");
    assert_true(m->deny);
    m = m2o_match(s, hr, NULL);
    assert_non_null(m);
    assert_string_equal(m->name, "contoso");
    assert_false(m->deny);
    m2o_set_free(s);
    X509_free(sales);
    X509_free(hr);
}

/* Several OU values: a rule matches when any of them does. */
static void
test_multi_valued(void **state)
{
    struct m2o_set *s = m2o_set_new();
    X509 *x = cert("CN=x,OU=Sales,OU=Partners,emailAddress=x@contoso.com", "CN=CA");

    (void)state;
    add_map(s, "partners", "partner", true, false);
    add_rule(s, M2O_SUBJECT, "OU", "Partners", true, 40);
    add_rule(s, M2O_SUBJECT, "E", "*@contoso.com", true, 41);
    assert_non_null(m2o_match(s, x, NULL));
    m2o_set_free(s);
    X509_free(x);
}

static void
test_no_rules_never_matches(void **state)
{
    struct m2o_set *s = m2o_set_new();
    X509 *x = cert("CN=x,O=Contoso", "CN=CA");
    const struct m2o_rule *failed = (const struct m2o_rule *)1;

    (void)state;
    add_map(s, "empty", "partner", true, false);
    assert_null(m2o_match(s, x, &failed));
    assert_null(failed);
    assert_null(m2o_match(NULL, x, NULL));
    m2o_set_free(s);
    m2o_set_free(NULL);
    X509_free(x);
}

static void
test_rule_errors(void **state)
{
    struct m2o_set *s = m2o_set_new();
    struct m2o_rule r = {M2O_SUBJECT, 0, "O", "x", true, "f.config", 7};
    struct certmap_error e = {0};

    (void)state;
    /* no mapping yet */
    assert_int_equal(m2o_set_add_rule(s, &r, &e), -1);
    add_map(s, "m", "u", true, false);
    r.subfield = "Organisation";
    assert_int_equal(m2o_set_add_rule(s, &r, &e), -1);
    assert_int_equal(e.line, 7);
    assert_string_equal(e.file, "f.config");
    assert_string_equal(e.attribute, "certificateSubField");
    assert_non_null(strstr(e.message, "Organisation"));
    r.subfield = "O";
    r.criteria = "";
    assert_int_equal(m2o_set_add_rule(s, &r, &e), -1);
    assert_string_equal(e.attribute, "matchCriteria");
    r.criteria = "x";
    r.field = (enum m2o_field)3;
    assert_int_equal(m2o_set_add_rule(s, &r, &e), -1);
    assert_string_equal(e.attribute, "certificateField");
    r.field = M2O_ISSUER;
    r.subfield = "st";
    assert_int_equal(m2o_set_add_rule(s, &r, &e), 0);
    assert_int_equal(m2o_set_entry(s, 0)->nrules, 1);
    assert_null(m2o_set_entry(s, 1));
    m2o_set_free(s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_glob),
        cmocka_unit_test(test_docs_sample_and_case),
        cmocka_unit_test(test_issuer_and_all_rules),
        cmocka_unit_test(test_order_disabled_deny),
        cmocka_unit_test(test_multi_valued),
        cmocka_unit_test(test_no_rules_never_matches),
        cmocka_unit_test(test_rule_errors),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
