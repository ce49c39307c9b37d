/* Unit tests for ssi.c: #echo rendering of server variables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "../../src/server/ssi.c"
#include "../../src/server/svars.c"

static struct identity
make_id(const char *user)
{
    struct identity id;

    memset(&id, 0, sizeof(id));
    id.auth = IDENTITY_CERTIFICATE;
    id.user = user;
    id.auth_type = "SSL/PCT";
    id.anon_user = "";
    id.https = true;
    id.remote_addr = "127.0.0.1";
    id.local_addr = "127.0.0.1";
    id.server_name = "localhost";
    id.cert_verify = 0;
    return id;
}

static char *
render(const char *src, const struct identity *id)
{
    struct svar_ctx ctx = {.id = id};
    char *out = NULL;
    size_t len = 0;

    assert_int_equal(ssi_render(src, strlen(src), &ctx, &out, &len), 0);
    assert_int_equal(strlen(out), len);
    return out;
}

static void
test_echo_user(void **state)
{
    struct identity id = make_id("alice");
    char *out;

    (void)state;
    out = render(
        "<p>Hello <!--#echo var=\"LOGON_USER\"-->, via <!--#echo var=\"AUTH_TYPE\" -->.</p>", &id);
    assert_string_equal(out, "<p>Hello alice, via SSL/PCT.</p>");
    free(out);
}

static void
test_values_are_escaped(void **state)
{
    struct identity id = make_id("<script>&\"'");
    char *out;

    (void)state;
    out = render("<!--#echo var=\"REMOTE_USER\"-->", &id);
    assert_string_equal(out, "&lt;script&gt;&amp;&quot;&#39;");
    free(out);
}

static void
test_unknown_and_other_directives(void **state)
{
    struct identity id = make_id("bob");
    char *out;

    (void)state;
    out = render("a<!--#echo var=\"NO_SUCH_VAR\"-->b<!--#include file=\"/etc/passwd\"-->c<!--#exec "
                 "cmd=\"id\"-->d",
                 &id);
    assert_string_equal(out, "a(none)bcd");
    free(out);
    out = render("plain <!-- comment --> text <!--#echo var=\"LOGON_USER\"", &id);
    assert_string_equal(out, "plain <!-- comment --> text <!--#echo var=\"LOGON_USER\"");
    free(out);
    out = render("", &id);
    assert_string_equal(out, "");
    free(out);
}

static void
test_ssi_paths(void **state)
{
    (void)state;
    assert_true(ssi_is_ssi_path("/whoami.shtml", 13));
    assert_true(ssi_is_ssi_path("/A.STM", 6));
    assert_true(ssi_is_ssi_path("/x.shtm", 7));
    assert_false(ssi_is_ssi_path("/x.html", 7));
    assert_false(ssi_is_ssi_path("stm", 3));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_echo_user),
        cmocka_unit_test(test_values_are_escaped),
        cmocka_unit_test(test_unknown_and_other_directives),
        cmocka_unit_test(test_ssi_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
