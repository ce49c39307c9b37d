/*
 * test_view_authz.c - the URL Authorization rules each scope of the view
 * carries (src/lib/view/rules.c): IIS's shipped server-level allow-all,
 * inheritance (parent rules first), <clear/>, <remove> by key (users, roles,
 * verbs), inheritInChildApplications, sharing, and the rule's file:line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "authz.h"
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

/* <location path="P"> with <authorization> holding RULES (line of the location: as written). */
#define LOC(path, rules)                                                                           \
    "<location path=\"" path "\"><system.webServer><security><authorization>" rules                \
    "</authorization></security></system.webServer></location>\n"

/* Builds the view of HEAD + body; NULL when the build refuses it (diags in d). */
static struct certmap_view *
view_of(const char *body, struct certmap_diags *d)
{
    return tc_view_of("t.config", HEAD, body, true, d);
}

static const struct authz_rules *
rules_at(struct certmap_view *v, const char *path)
{
    const struct certmap_site *s = certmap_view_find_site(v, "S");

    assert_non_null(s);
    return certmap_view_match(s, path, strlen(path))->settings.authz;
}

/* "A+*" style description of a list: access, users, roles (after '/'), verbs (after ':'). */
static void
describe(const struct authz_rules *r, char *buf, size_t size)
{
    size_t o = 0;

    buf[0] = '\0';
    for (size_t i = 0; r != NULL && i < r->n && o < size; i++) {
        const struct authz_rule *x = r->rules[i];
        o += (size_t)snprintf(buf + o, size - o, "%s%c%s%s%s%s%s@%u", i ? " " : "",
                              x->access == AUTHZ_DENY ? 'D' : 'A', x->users, x->roles[0] ? "/" : "",
                              x->roles, x->verbs[0] ? ":" : "", x->verbs, x->line);
    }
}

static void
assert_rules(struct certmap_view *v, const char *path, const char *want)
{
    char buf[512];

    describe(rules_at(v, path), buf, sizeof(buf));
    if (strcmp(buf, want) != 0)
        fail_msg("%s: rules \"%s\", want \"%s\"", path, buf, want);
}

/* A file without the section keeps admitting everyone: IIS's shipped server-level rule. */
static void
test_default(void **state)
{
    struct certmap_diags d;
    struct certmap_view *v = view_of("", &d);
    const struct authz_rules *r;

    (void)state;
    assert_non_null(v);
    r = rules_at(v, "/x");
    assert_non_null(r);
    assert_int_equal(r->n, 1);
    assert_null(r->rules[0]->file);
    assert_int_equal(authz_check(r, NULL, NULL, 0, "GET", NULL), AUTHZ_ALLOWED);
    assert_ptr_equal(rules_at(v, "/app"), r); /* shared, not copied */
    certmap_view_unref(v);
    certmap_diags_free(&d);
}

/* A server level that writes the section replaces the shipped rule. */
static void
test_server_written(void **state)
{
    struct certmap_diags d;
    struct certmap_view *v = view_of("<system.webServer><security><authorization>\n"
                                     "<add accessType=\"Deny\" users=\"bob\" />\n"
                                     "</authorization></security></system.webServer>\n",
                                     &d);

    (void)state;
    assert_non_null(v);
    assert_rules(v, "/", "Dbob@8");
    assert_int_equal(authz_check(rules_at(v, "/"), "alice", NULL, 0, "GET", NULL), AUTHZ_DENIED);
    assert_string_equal(rules_at(v, "/")->rules[0]->file, "t.config");
    certmap_view_unref(v);
    certmap_diags_free(&d);
}

/* Parent rules first; <remove> by key (case-insensitive); <clear/> drops everything before. */
static void
test_inherit_remove_clear(void **state)
{
    struct certmap_diags d;
    struct certmap_view *v =
        view_of(LOC("S", "<add accessType=\"Deny\" users=\"bob\" />") /* line 7 */
                LOC("S/admin", "<remove users=\"*\" roles=\"\" verbs=\"\" />"
                               "<add accessType=\"Allow\" roles=\"Admins\" verbs=\"GET\" />")
                    LOC("S/admin/open", "<remove roles=\"ADMINS\" verbs=\"get\" />"
                                        "<add accessType=\"Allow\" users=\"?\" />")
                        LOC("S/pub", "<add accessType=\"Allow\" users=\"carol\" /><clear />"
                                     "<add accessType=\"Allow\" users=\"*\" />")
                            LOC("S/keep", "<remove users=\"nobody\" />"),
                &d);

    (void)state;
    assert_non_null(v);
    assert_rules(v, "/", "A*@0 Dbob@7");
    /* <remove users="*" roles="" verbs=""> drops the shipped allow-all */
    assert_rules(v, "/admin/x", "Dbob@7 A/Admins:GET@8");
    /* remove by key: users left out is users="", roles and verbs compared without case */
    assert_rules(v, "/admin/open", "Dbob@7 A?@9");
    assert_rules(v, "/pub", "A*@10");
    /* a remove that matches nothing changes nothing (a new list equal to the parent's) */
    assert_rules(v, "/keep", "A*@0 Dbob@7");
    /* the decision: Deny of bob stays below; the admins' Allow is for GET only */
    {
        const char *g[] = {"admins"};
        assert_int_equal(authz_check(rules_at(v, "/admin"), "bob", g, 1, "GET", NULL),
                         AUTHZ_DENIED);
        assert_int_equal(authz_check(rules_at(v, "/admin"), "alice", g, 1, "GET", NULL),
                         AUTHZ_ALLOWED);
        assert_int_equal(authz_check(rules_at(v, "/admin"), "alice", g, 1, "POST", NULL),
                         AUTHZ_DENIED);
    }
    certmap_view_unref(v);
    certmap_diags_free(&d);
}

/* inheritInChildApplications="false": the application /app does not get the site's rules. */
static void
test_child_application(void **state)
{
    struct certmap_diags d;
    struct certmap_view *v = view_of(
        "<location path=\"S\" inheritInChildApplications=\"false\"><system.webServer><security>"
        "<authorization><add accessType=\"Deny\" users=\"eve\" /></authorization></security>"
        "</system.webServer></location>\n",
        &d);

    (void)state;
    assert_non_null(v);
    assert_rules(v, "/dir", "A*@0 Deve@7");
    assert_rules(v, "/app/x", "A*@0");
    certmap_view_unref(v);
    certmap_diags_free(&d);
}

/* A rule naming nobody is an error with its line; the view is not served. */
static void
test_rule_errors(void **state)
{
    struct certmap_diags d;
    struct certmap_view *v = view_of(LOC("S", "<add accessType=\"Allow\" users=\" \" />"), &d);

    (void)state;
    assert_null(v);
    assert_true(tc_find_diag(&d, CERTMAP_SEV_ERROR, "must name users or roles") >= 0);
    certmap_diags_free(&d);

    /* a Deny with the key of the shipped allow-all is not dropped: an error, as IIS's duplicate */
    v = view_of(LOC("S", "<add accessType=\"Deny\" users=\"*\" />"), &d);
    assert_null(v);
    assert_true(tc_find_diag(&d, CERTMAP_SEV_ERROR, "duplicate authorization rule: IIS's") >= 0);
    certmap_diags_free(&d);
    v = view_of(LOC("S", "<add accessType=\"Deny\" users=\"eve\" />")
                    LOC("S/x", "<add accessType=\"Allow\" users=\"EVE\" />"),
                &d);
    assert_null(v);
    assert_true(tc_find_diag(&d, CERTMAP_SEV_ERROR, "t.config:7 already adds users=\"eve\"") >= 0);
    certmap_diags_free(&d);

    /* accessType is required (IIS schema): the file does not load */
    {
        char *text = tc_fmt("%s%s</configuration>\n", HEAD, LOC("S", "<add users=\"bob\" />"));
        struct certmap_open_options oo = {.skip_secrets = true};
        struct certmap_error err = {0};

        memset(&d, 0, sizeof(d));
        assert_null(certmap_config_parse("t.config", text, strlen(text), &oo, &d, &err));
        assert_true(tc_find_diag(&d, CERTMAP_SEV_ERROR, "accessType: required attribute missing") >=
                    0);
        certmap_diags_free(&d);
        free(text);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default),
        cmocka_unit_test(test_server_written),
        cmocka_unit_test(test_inherit_remove_clear),
        cmocka_unit_test(test_child_application),
        cmocka_unit_test(test_rule_errors),
    };
    return cmocka_run_group_tests(tests, tc_group_setup, tc_group_teardown);
}
