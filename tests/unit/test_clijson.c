/*
 * test_clijson.c - the CLI's reader of its own JSON exports
 * (src/cli/cli_jsonread.c, included as source).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "../../src/cli/cli_jsonread.c"

static void
test_reads_export(void **state)
{
    const char *text = "[\n  {\"certificate\":\"-----BEGIN\\nAB/C\\n\",\"user\":\"EX\\\\alice\","
                       "\"enabled\":false,\"n\":12},\n  {\"user\":\"\\u00e9\\u20ac\"},\n {}\n]\n";
    struct cli_json_obj *o = NULL;
    const char *why = NULL;
    unsigned line = 0;
    size_t n = 0;
    bool str = false;

    (void)state;
    assert_int_equal(cli_json_read_objects(text, &o, &n, &line, &why), 0);
    assert_int_equal(n, 3);
    assert_string_equal(cli_json_get(&o[0], "certificate", &str), "-----BEGIN\nAB/C\n");
    assert_true(str);
    assert_string_equal(cli_json_get(&o[0], "user", NULL), "EX\\alice");
    assert_string_equal(cli_json_get(&o[0], "enabled", &str), "false");
    assert_false(str);
    assert_string_equal(cli_json_get(&o[0], "n", NULL), "12");
    assert_null(cli_json_get(&o[0], "password", NULL));
    assert_string_equal(cli_json_get(&o[1], "user", NULL), "\xc3\xa9\xe2\x82\xac");
    assert_int_equal(o[1].line, 3);
    assert_int_equal(o[2].n, 0);
    cli_json_objs_free(o, n);
    assert_int_equal(cli_json_read_objects("[]", &o, &n, &line, &why), 0);
    assert_int_equal(n, 0);
    cli_json_objs_free(o, n);
}

static void
test_refuses_what_it_does_not_read(void **state)
{
    static const struct {
        const char *text;
        unsigned line;
    } bad[] = {
        {"{}", 1},
        {"[{\"a\":1},]", 1},
        {"[{\"a\":[1]}]", 1},
        {"[{\"a\":{}}]", 1},
        {"[{\"a\":\"x\\q\"}]", 1},
        {"[{\"a\":\"\\u0000\"}]", 1},
        {"[\n{\"a\":\"unterminated}]", 2},
        {"[{\"a\" 1}]", 1},
        {"[{}] x", 1},
        {"[\n\n{a:1}]", 3},
        {"", 1},
    };
    struct cli_json_obj *o = NULL;
    const char *why;
    unsigned line;
    size_t n;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        why = NULL;
        line = 0;
        assert_int_equal(cli_json_read_objects(bad[i].text, &o, &n, &line, &why), -1);
        assert_non_null(why);
        assert_int_equal(line, bad[i].line);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reads_export),
        cmocka_unit_test(test_refuses_what_it_does_not_read),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
