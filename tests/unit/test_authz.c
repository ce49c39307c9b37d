/*
 * test_authz.c - the URL Authorization evaluator (src/lib/authz.c).
 *
 * The order is IIS's, as "Understanding IIS URL Authorization" documents it
 * (https://learn.microsoft.com/en-us/iis/manage/configuring-security/understanding-iis-url-authorization,
 * "Rules Evaluation" and the "Differences table"): Deny rules first, starting
 * at the parent, then Allow rules starting at the parent, then order of
 * appearance; "if you deny access for Fred at a higher level, you can't allow
 * access to Fred on a lower level".  Lists here hold parent rules first, as
 * the view builds them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "authz.h"

struct spec {
    enum authz_access access;
    const char *users, *roles, *verbs;
};

#define ALLOW AUTHZ_ALLOW
#define DENY AUTHZ_DENY

static struct authz_store *store;

/* A list of the rules (line = index + 1). */
static const struct authz_rules *
rules(const struct spec *s, size_t n)
{
    const struct authz_rule *v[16];
    char msg[256];
    bool oom;

    assert_true(n <= 16);
    for (size_t i = 0; i < n; i++) {
        v[i] = authz_rule_new(store, s[i].access, s[i].users, s[i].roles, s[i].verbs, "t.config",
                              (unsigned)i + 1, &oom, msg, sizeof(msg));
        assert_non_null(v[i]);
    }
    return authz_rules_new(store, v, n);
}

/* The decision and the line of the deciding rule (0: none). */
static int
check(const struct authz_rules *r, const char *user, const char *const *roles, size_t nroles,
      const char *verb, unsigned *line)
{
    const struct authz_rule *d = (const struct authz_rule *)1;
    int ret = authz_check(r, user, roles, nroles, verb, &d);

    *line = d != NULL ? d->line : 0;
    return ret;
}

static int
setup(void **state)
{
    (void)state;
    store = authz_store_new();
    return store == NULL;
}

static int
teardown(void **state)
{
    (void)state;
    authz_store_free(store);
    store = NULL;
    return 0;
}

/* An empty list, or NULL, refuses everyone; no rule decided. */
static void
test_empty(void **state)
{
    unsigned line;

    (void)state;
    assert_int_equal(check(NULL, "alice", NULL, 0, "GET", &line), AUTHZ_DENIED);
    assert_int_equal(line, 0);
    assert_int_equal(check(rules(NULL, 0), NULL, NULL, 0, "GET", &line), AUTHZ_DENIED);
    assert_int_equal(line, 0);
}

/* A Deny rule wins over an Allow rule that comes before it. */
static void
test_deny_over_allow(void **state)
{
    static const struct spec s[] = {{ALLOW, "*", "", ""}, {DENY, "bob", "", ""}};
    const struct authz_rules *r = rules(s, 2);
    unsigned line;

    (void)state;
    assert_int_equal(check(r, "bob", NULL, 0, "GET", &line), AUTHZ_DENIED);
    assert_int_equal(line, 2);
    assert_int_equal(check(r, "alice", NULL, 0, "GET", &line), AUTHZ_ALLOWED);
    assert_int_equal(line, 1);
    /* no Allow rule for carol: refused, and no rule decided */
    static const struct spec s2[] = {{ALLOW, "alice", "", ""}};
    assert_int_equal(check(rules(s2, 1), "carol", NULL, 0, "GET", &line), AUTHZ_DENIED);
    assert_int_equal(line, 0);
}

/*
 * Parent then child: the parent's Deny of fred stays although the child
 * allows him; the parent's Allow is the one reported when both allow.
 */
static void
test_parent_child(void **state)
{
    static const struct spec s[] = {
        {DENY, "fred", "", ""},  /* parent */
        {ALLOW, "*", "", ""},    /* parent */
        {ALLOW, "fred", "", ""}, /* child */
        {DENY, "?", "", ""},     /* child */
    };
    const struct authz_rules *r = rules(s, 4);
    unsigned line;

    (void)state;
    assert_int_equal(check(r, "fred", NULL, 0, "GET", &line), AUTHZ_DENIED);
    assert_int_equal(line, 1);
    assert_int_equal(check(r, "alice", NULL, 0, "GET", &line), AUTHZ_ALLOWED);
    assert_int_equal(line, 2);
    /* the child's Deny of anonymous users wins over the parent's Allow of everyone */
    assert_int_equal(check(r, NULL, NULL, 0, "GET", &line), AUTHZ_DENIED);
    assert_int_equal(line, 4);
}

/* "*" is everyone, anonymous included; "?" anonymous only; names never match anonymous. */
static void
test_star_question(void **state)
{
    static const struct spec star[] = {{ALLOW, " * ", "", ""}};
    static const struct spec q[] = {{ALLOW, "?", "", ""}};
    static const struct spec named[] = {{ALLOW, "alice, bob", "", ""}};
    unsigned line;

    (void)state;
    assert_int_equal(check(rules(star, 1), NULL, NULL, 0, "GET", &line), AUTHZ_ALLOWED);
    assert_int_equal(check(rules(star, 1), "", NULL, 0, "GET", &line), AUTHZ_ALLOWED);
    assert_int_equal(check(rules(star, 1), "x", NULL, 0, "GET", &line), AUTHZ_ALLOWED);
    assert_int_equal(check(rules(q, 1), NULL, NULL, 0, "GET", &line), AUTHZ_ALLOWED);
    assert_int_equal(check(rules(q, 1), "alice", NULL, 0, "GET", &line), AUTHZ_DENIED);
    assert_int_equal(check(rules(named, 1), "BOB", NULL, 0, "GET", &line), AUTHZ_ALLOWED);
    assert_int_equal(check(rules(named, 1), NULL, NULL, 0, "GET", &line), AUTHZ_DENIED);
    assert_int_equal(check(rules(named, 1), "carol", NULL, 0, "GET", &line), AUTHZ_DENIED);
}

/* DOMAIN\user and user@DOMAIN are one name; a name without domain matches only itself. */
static void
test_name_forms(void **state)
{
    static const struct spec s[] = {{ALLOW, "CORP\\erin, frank@corp, gina", "", ""}};
    const struct authz_rules *r = rules(s, 1);
    unsigned line;

    (void)state;
    assert_int_equal(check(r, "erin@CORP", NULL, 0, "GET", &line), AUTHZ_ALLOWED);
    assert_int_equal(check(r, "corp\\ERIN", NULL, 0, "GET", &line), AUTHZ_ALLOWED);
    assert_int_equal(check(r, "CORP\\frank", NULL, 0, "GET", &line), AUTHZ_ALLOWED);
    assert_int_equal(check(r, "erin", NULL, 0, "GET", &line), AUTHZ_DENIED);
    assert_int_equal(check(r, "erin@OTHER", NULL, 0, "GET", &line), AUTHZ_DENIED);
    assert_int_equal(check(r, "gina", NULL, 0, "GET", &line), AUTHZ_ALLOWED);
    assert_int_equal(check(r, "gina@CORP", NULL, 0, "GET", &line), AUTHZ_DENIED);
    assert_true(authz_name_eq("a\\b", "B@A"));
    assert_false(authz_name_eq("a\\b", "b"));
}

/* Verbs: empty is every verb; otherwise a comma list, case-insensitive. */
static void
test_verbs(void **state)
{
    static const struct spec s[] = {{ALLOW, "*", "", "GET, HEAD"}, {DENY, "bob", "", "POST"}};
    const struct authz_rules *r = rules(s, 2);
    unsigned line;

    (void)state;
    assert_int_equal(check(r, "alice", NULL, 0, "GET", &line), AUTHZ_ALLOWED);
    assert_int_equal(check(r, "alice", NULL, 0, "head", &line), AUTHZ_ALLOWED);
    assert_int_equal(check(r, "alice", NULL, 0, "POST", &line), AUTHZ_DENIED);
    assert_int_equal(line, 0);
    assert_int_equal(check(r, "bob", NULL, 0, "POST", &line), AUTHZ_DENIED);
    assert_int_equal(line, 2);
    assert_int_equal(check(r, "bob", NULL, 0, "GET", &line), AUTHZ_ALLOWED);
}

/* Roles are the account's groups, compared like names; anonymous requests have none. */
static void
test_roles(void **state)
{
    static const struct spec s[] = {{ALLOW, "", "admins, CORP\\ops", ""}, {DENY, "", "banned", ""}};
    const struct authz_rules *r = rules(s, 2);
    const char *g1[] = {"users", "Admins"};
    const char *g2[] = {"ops@corp"};
    const char *g3[] = {"ops"};
    const char *g4[] = {"admins", "banned"};
    unsigned line;

    (void)state;
    assert_true(authz_rules_need_roles(r));
    assert_int_equal(check(r, "alice", g1, 2, "GET", &line), AUTHZ_ALLOWED);
    assert_int_equal(line, 1);
    assert_int_equal(check(r, "bob", g2, 1, "GET", &line), AUTHZ_ALLOWED);
    assert_int_equal(check(r, "bob", g3, 1, "GET", &line), AUTHZ_DENIED);
    assert_int_equal(check(r, "eve", g4, 2, "GET", &line), AUTHZ_DENIED);
    assert_int_equal(line, 2);
    assert_int_equal(check(r, NULL, g1, 2, "GET", &line), AUTHZ_DENIED);
    assert_int_equal(check(r, "alice", NULL, 0, "GET", &line), AUTHZ_DENIED);
}

/* A rule naming neither users nor roles is refused; keys fold case. */
static void
test_compile(void **state)
{
    char msg[256], key[64];
    bool oom = true;

    (void)state;
    assert_null(
        authz_rule_new(store, AUTHZ_ALLOW, " , ", "", "GET", "t", 1, &oom, msg, sizeof(msg)));
    assert_false(oom);
    assert_non_null(strstr(msg, "must name users or roles"));
    assert_true(authz_key("*", "Admins", "GET", key, sizeof(key)));
    assert_string_equal(key, "*\nadmins\nget\n");
    assert_false(authz_key("*", "Admins", "GET", key, 8));
    static const struct spec s[] = {{ALLOW, "*", "", ""}};
    assert_false(authz_rules_need_roles(rules(s, 1)));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deny_over_allow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parent_child, setup, teardown),
        cmocka_unit_test_setup_teardown(test_star_question, setup, teardown),
        cmocka_unit_test_setup_teardown(test_name_forms, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verbs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_roles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_compile, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
