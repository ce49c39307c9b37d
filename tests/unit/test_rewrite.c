/*
 * test_rewrite.c - the URL Rewrite evaluator (src/lib/rewrite.c): pattern
 * syntaxes, back-references, conditions, server variables, actions, and
 * the per-request bounds.  Expected values follow the URL Rewrite Module
 * Configuration Reference (rewrite.h cites it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "rewrite.h"

static struct rewrite_store *store;

/* A rule with IIS's defaults; each test changes what it needs. */
static struct rewrite_rule_def
def(const char *url, enum rewrite_action action, const char *action_url)
{
    struct rewrite_rule_def d;

    memset(&d, 0, sizeof(d));
    d.name = "r";
    d.enabled = true;
    d.syntax = REWRITE_ECMASCRIPT;
    d.url = url;
    d.ignore_case = true;
    d.action = action;
    d.action_url = action_url;
    d.append_query = true;
    d.redirect_status = 301;
    d.reason = "";
    d.description = "";
    d.base = "";
    d.file = "test.config";
    d.line = 7;
    return d;
}

static const struct rewrite_rule *
compile(const struct rewrite_rule_def *d)
{
    char msg[512];
    unsigned line;
    bool oom;
    const struct rewrite_rule *r = rewrite_rule_new(store, d, &oom, msg, sizeof(msg), &line);

    if (r == NULL)
        fail_msg("rule does not compile: %s", msg);
    return r;
}

static const struct rewrite_rules *
list1(const struct rewrite_rule *r)
{
    return rewrite_rules_new(store, &r, 1);
}

/* The test's request: variables and the files that exist. */
static const char *
get_var(void *ctx, const char *name, size_t *len)
{
    const char *const *vars = ctx;

    for (size_t i = 0; vars != NULL && vars[i] != NULL; i += 2)
        if (strcasecmp(vars[i], name) == 0) {
            *len = strlen(vars[i + 1]);
            return vars[i + 1];
        }
    return NULL;
}

static int
file_kind(void *ctx, const char *path, size_t len)
{
    (void)ctx;
    if (len == 14 && memcmp(path, "/srv/www/a.txt", 14) == 0)
        return REWRITE_KIND_FILE;
    if (len == 12 && memcmp(path, "/srv/www/dir", 12) == 0)
        return REWRITE_KIND_DIRECTORY;
    return REWRITE_KIND_NONE;
}

static const char *test_vars[] = {
    "HTTP_HOST", "www.example.com", "REQUEST_FILENAME", "/srv/www/a.txt", "HTTPS", "on", NULL};

static struct rewrite_env env = {get_var, file_kind, (void *)test_vars, NULL, 0};

static enum rewrite_outcome
run(struct rewrite_state *st, const struct rewrite_rules *g, const struct rewrite_rules *l,
    const char *path, const char *query)
{
    return rewrite_run(st, g, l, path, strlen(path), query, query != NULL ? strlen(query) : 0,
                       &env);
}

static int
setup(void **state)
{
    (void)state;
    store = rewrite_store_new();
    return store == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
    (void)state;
    rewrite_store_free(store);
    return 0;
}

static void
redirect_with_back_references(void **state)
{
    struct rewrite_rule_def d = def("^products/([0-9]+)/([a-z]+)$", REWRITE_ACTION_REDIRECT,
                                    "/p.aspx?id={R:1}&n={R:2}&all={R:0}");
    struct rewrite_state st;

    (void)state;
    rewrite_state_init(&st);
    assert_int_equal(run(&st, NULL, list1(compile(&d)), "/products/42/Shoe", "x=1"),
                     REWRITE_REDIRECT);
    assert_int_equal(st.status, 301);
    assert_string_equal(st.url, "/p.aspx?id=42&n=Shoe&all=products/42/Shoe&x=1");
    rewrite_state_free(&st);
}

/* ECMAScript matches a part: {R:0} is the part that matched, not the whole input. */
static void
ecmascript_partial_r0(void **state)
{
    struct rewrite_rule_def d = def("b+", REWRITE_ACTION_REDIRECT, "/x/{R:0}");
    struct rewrite_state st;

    (void)state;
    d.append_query = false;
    d.redirect_status = 302;
    rewrite_state_init(&st);
    assert_int_equal(run(&st, NULL, list1(compile(&d)), "/aabbbc", "q"), REWRITE_REDIRECT);
    assert_int_equal(st.status, 302);
    assert_string_equal(st.url, "/x/bbb");
    rewrite_state_free(&st);
}

static void
wildcard_captures(void **state)
{
    struct rewrite_rule_def d = def("*bar*.aspx", REWRITE_ACTION_REDIRECT, "/{R:1}-{R:2}-{R:0}");
    struct rewrite_state st;
    const struct rewrite_rules *l;

    (void)state;
    d.syntax = REWRITE_WILDCARD;
    l = list1(compile(&d));
    rewrite_state_init(&st);
    assert_int_equal(run(&st, NULL, l, "/FOObargoo.aspx", NULL), REWRITE_REDIRECT);
    assert_string_equal(st.url, "/FOO-goo-FOObargoo.aspx");
    rewrite_state_free(&st);
    /* Wildcard is a whole match: "x" before the pattern does not match */
    rewrite_state_init(&st);
    assert_int_equal(run(&st, NULL, l, "/a/bar.aspxz", NULL), REWRITE_NONE);
    rewrite_state_free(&st);
    /* '.' is literal in wildcards */
    rewrite_state_init(&st);
    assert_int_equal(run(&st, NULL, l, "/barXaspx", NULL), REWRITE_NONE);
    rewrite_state_free(&st);
}

static void
wildcard_question_mark(void **state)
{
    struct rewrite_rule_def d = def("a?c", REWRITE_ACTION_CUSTOM_RESPONSE, "");
    struct rewrite_state st;
    const struct rewrite_rules *l;

    (void)state;
    d.syntax = REWRITE_WILDCARD;
    d.status = 410;
    l = list1(compile(&d));
    rewrite_state_init(&st);
    assert_int_equal(run(&st, NULL, l, "/abc", NULL), REWRITE_CUSTOM);
    rewrite_state_free(&st);
    rewrite_state_init(&st);
    assert_int_equal(run(&st, NULL, l, "/abbc", NULL), REWRITE_NONE);
    rewrite_state_free(&st);
}

static void
exact_match_and_case(void **state)
{
    struct rewrite_rule_def d = def("Old/Page.htm", REWRITE_ACTION_REDIRECT, "/new");
    struct rewrite_state st;
    const struct rewrite_rules *l;

    (void)state;
    d.syntax = REWRITE_EXACT_MATCH;
    d.append_query = false;
    l = list1(compile(&d));
    rewrite_state_init(&st);
    assert_int_equal(run(&st, NULL, l, "/old/page.HTM", "a=b"), REWRITE_REDIRECT);
    assert_string_equal(st.url, "/new");
    rewrite_state_free(&st);
    rewrite_state_init(&st);
    assert_int_equal(run(&st, NULL, l, "/old/page.htm/x", NULL), REWRITE_NONE);
    rewrite_state_free(&st);
    d.ignore_case = false;
    l = list1(compile(&d));
    rewrite_state_init(&st);
    assert_int_equal(run(&st, NULL, l, "/old/page.HTM", NULL), REWRITE_NONE);
    rewrite_state_free(&st);
    rewrite_state_init(&st);
    assert_int_equal(run(&st, NULL, l, "/Old/Page.htm", NULL), REWRITE_REDIRECT);
    rewrite_state_free(&st);
}

static void
ecmascript_case(void **state)
{
    struct rewrite_rule_def d = def("^ADMIN", REWRITE_ACTION_ABORT_REQUEST, "");
    struct rewrite_state st;
    const struct rewrite_rules *l;

    (void)state;
    l = list1(compile(&d));
    rewrite_state_init(&st);
    assert_int_equal(run(&st, NULL, l, "/admin/x", NULL), REWRITE_ABORT);
    rewrite_state_free(&st);
    d.ignore_case = false;
    l = list1(compile(&d));
    rewrite_state_init(&st);
    assert_int_equal(run(&st, NULL, l, "/admin/x", NULL), REWRITE_NONE);
    rewrite_state_free(&st);
}

/* A negated pattern matches what it does not match, and captures nothing. */
static void
negate_rule(void **state)
{
    struct rewrite_rule_def d = def("^public/", REWRITE_ACTION_REDIRECT, "/login?from={R:0}");
    struct rewrite_state st;
    const struct rewrite_rules *l;

    (void)state;
    d.negate = true;
    d.append_query = false;
    l = list1(compile(&d));
    rewrite_state_init(&st);
    assert_int_equal(run(&st, NULL, l, "/secret", NULL), REWRITE_REDIRECT);
    assert_string_equal(st.url, "/login?from=");
    rewrite_state_free(&st);
    rewrite_state_init(&st);
    assert_int_equal(run(&st, NULL, l, "/public/x", NULL), REWRITE_NONE);
    rewrite_state_free(&st);
}

static void
conditions_match_any(void **state)
{
    struct rewrite_cond_def c[] = {
        {"{HTTP_HOST}", REWRITE_MATCH_PATTERN, "^old\\.example$", true, false, 8},
        {"{QUERY_STRING}", REWRITE_MATCH_PATTERN, "legacy=([a-z]+)", true, false, 9},
    };
    struct rewrite_rule_def d = def(".*", REWRITE_ACTION_REDIRECT, "https://new.example/{C:1}");
    struct rewrite_state st;
    const struct rewrite_rules *l;

    (void)state;
    d.conds = c;
    d.nconds = 2;
    d.match_any = true;
    d.append_query = false;
    l = list1(compile(&d));
    rewrite_state_init(&st);
    assert_int_equal(run(&st, NULL, l, "/x", "legacy=abc"), REWRITE_REDIRECT);
    assert_string_equal(st.url, "https://new.example/abc");
    rewrite_state_free(&st);
    rewrite_state_init(&st);
    assert_int_equal(run(&st, NULL, l, "/x", "other=1"), REWRITE_NONE);
    rewrite_state_free(&st);
    /* MatchAll: the host does not match, so nothing happens */
    d.match_any = false;
    l = list1(compile(&d));
    rewrite_state_init(&st);
    assert_int_equal(run(&st, NULL, l, "/x", "legacy=abc"), REWRITE_NONE);
    rewrite_state_free(&st);
}

static void
conditions_track_all(void **state)
{
    struct rewrite_cond_def c[] = {
        {"{QUERY_STRING}", REWRITE_MATCH_PATTERN, "p1=([0-9]+)", true, false, 8},
        {"{QUERY_STRING}", REWRITE_MATCH_PATTERN, "p2=([a-z]+)", true, false, 9},
    };
    struct rewrite_rule_def d = def(".*", REWRITE_ACTION_REDIRECT, "/a/{C:1}/{C:2}");
    struct rewrite_state st;

    (void)state;
    d.conds = c;
    d.nconds = 2;
    d.track_all = true;
    d.append_query = false;
    rewrite_state_init(&st);
    assert_int_equal(run(&st, NULL, list1(compile(&d)), "/x", "p2=abc&p1=12"), REWRITE_REDIRECT);
    assert_string_equal(st.url, "/a/12/abc");
    rewrite_state_free(&st);
    /* without trackAllCaptures, {C:1} is the last condition's group */
    d.track_all = false;
    rewrite_state_init(&st);
    assert_int_equal(run(&st, NULL, list1(compile(&d)), "/x", "p2=abc&p1=12"), REWRITE_REDIRECT);
    assert_string_equal(st.url, "/a/abc/");
    rewrite_state_free(&st);
}

static void
is_file_condition(void **state)
{
    struct rewrite_cond_def c[] = {
        {"{REQUEST_FILENAME}", REWRITE_MATCH_IS_FILE, "", true, true, 8},
    };
    struct rewrite_rule_def d = def("^(.*)$", REWRITE_ACTION_REWRITE, "index.php?p={R:1}");
    struct rewrite_state st;

    (void)state;
    d.conds = c;
    d.nconds = 1;
    /* the file exists: the negated IsFile fails */
    rewrite_state_init(&st);
    assert_int_equal(run(&st, NULL, list1(compile(&d)), "/a.txt", NULL), REWRITE_NONE);
    rewrite_state_free(&st);
    test_vars[3] = "/srv/www/missing";
    rewrite_state_init(&st);
    assert_int_equal(run(&st, NULL, list1(compile(&d)), "/missing", "z=1"), REWRITE_LOCAL);
    assert_string_equal(st.url, "/index.php");
    assert_string_equal(st.query, "p=missing&z=1");
    rewrite_state_free(&st);
    test_vars[3] = "/srv/www/a.txt";
}

/* Distributed rules see the path below their base; a relative url is relative to it. */
static void
distributed_base(void **state)
{
    struct rewrite_rule_def d = def("^x/(.*)", REWRITE_ACTION_REWRITE, "y/{R:1}");
    struct rewrite_state st;
    const struct rewrite_rules *l;

    (void)state;
    d.base = "/app";
    d.append_query = false;
    l = list1(compile(&d));
    rewrite_state_init(&st);
    assert_int_equal(run(&st, NULL, l, "/APP/x/1", "q"), REWRITE_LOCAL);
    assert_string_equal(st.url, "/app/y/1");
    assert_null(st.query);
    rewrite_state_free(&st);
    rewrite_state_init(&st);
    assert_int_equal(run(&st, NULL, l, "/other/x/1", NULL), REWRITE_NONE);
    rewrite_state_free(&st);
    rewrite_state_init(&st);
    assert_int_equal(run(&st, NULL, l, "/appx/x/1", NULL), REWRITE_NONE);
    rewrite_state_free(&st);
}

/* Later rules see the rewritten path; stopProcessing ends the list. */
static void
chain_and_stop(void **state)
{
    struct rewrite_rule_def a = def("^a$", REWRITE_ACTION_REWRITE, "/b");
    struct rewrite_rule_def b = def("^b$", REWRITE_ACTION_REWRITE, "/c");
    const struct rewrite_rule *v[2];
    struct rewrite_state st;

    (void)state;
    v[0] = compile(&a);
    v[1] = compile(&b);
    rewrite_state_init(&st);
    assert_int_equal(run(&st, NULL, rewrite_rules_new(store, v, 2), "/a", NULL), REWRITE_LOCAL);
    assert_string_equal(st.url, "/c");
    rewrite_state_free(&st);
    a.stop_processing = true;
    v[0] = compile(&a);
    v[1] = compile(&b);
    rewrite_state_init(&st);
    assert_int_equal(run(&st, NULL, rewrite_rules_new(store, v, 2), "/a", NULL), REWRITE_LOCAL);
    assert_string_equal(st.url, "/b");
    rewrite_state_free(&st);
}

/* A rule runs once per request: re-entering does not loop; passes are bounded. */
static void
reentry_bounded(void **state)
{
    struct rewrite_rule_def a = def("^(.*)$", REWRITE_ACTION_REWRITE, "/index.php?p={R:1}");
    const struct rewrite_rules *l;
    struct rewrite_state st;
    int i;

    (void)state;
    l = list1(compile(&a));
    rewrite_state_init(&st);
    assert_int_equal(run(&st, NULL, l, "/x", NULL), REWRITE_LOCAL);
    assert_int_equal(run(&st, NULL, l, "/index.php", "p=x"), REWRITE_NONE);
    rewrite_state_free(&st);
    /* a chain longer than the bound: a new rule per pass */
    rewrite_state_init(&st);
    for (i = 0; i < REWRITE_MAX_PASSES; i++) {
        struct rewrite_rule_def d = def(".*", REWRITE_ACTION_REWRITE, "/next");
        assert_int_equal(run(&st, NULL, list1(compile(&d)), "/loop", NULL), REWRITE_LOCAL);
    }
    assert_int_equal(run(&st, NULL, l, "/loop", NULL), REWRITE_ERROR);
    assert_int_equal(st.status, 500);
    assert_int_equal(st.substatus, 50);
    assert_non_null(strstr(st.error, "rewrite loop"));
    rewrite_state_free(&st);
}

static void
server_variables_allowed(void **state)
{
    struct rewrite_set_def s[] = {{"HTTP_X_USER", "{HTTP_HOST}-{R:1}", true, 9},
                                  {"HTTPS", "off", false, 10}};
    struct rewrite_rule_def d = def("^(.*)$", REWRITE_ACTION_NONE, "");
    const char *allow[] = {"http_x_user", "HTTPS"};
    struct rewrite_env e = env;
    struct rewrite_state st;
    const struct rewrite_rules *l;

    (void)state;
    d.sets = s;
    d.nsets = 2;
    l = list1(compile(&d));
    rewrite_state_init(&st);
    assert_int_equal(rewrite_run(&st, NULL, l, "/q", 2, NULL, 0, &e), REWRITE_ERROR);
    assert_int_equal(st.substatus, 50);
    assert_non_null(strstr(st.error, "HTTP_X_USER"));
    assert_non_null(strstr(st.error, "test.config:7"));
    rewrite_state_free(&st);
    e.allowed = allow;
    e.nallowed = 2;
    rewrite_state_init(&st);
    assert_int_equal(rewrite_run(&st, NULL, l, "/q", 2, NULL, 0, &e), REWRITE_NONE);
    assert_string_equal(rewrite_state_var(&st, "HTTP_X_USER"), "www.example.com-q");
    /* replace="false": HTTPS is "on" already */
    assert_null(rewrite_state_var(&st, "HTTPS"));
    rewrite_state_free(&st);
    /* global rules may set any variable */
    d.global = true;
    l = list1(compile(&d));
    rewrite_state_init(&st);
    assert_int_equal(run(&st, l, NULL, "/q", NULL), REWRITE_NONE);
    assert_non_null(rewrite_state_var(&st, "http_x_user"));
    rewrite_state_free(&st);
}

/* A decoded CR LF from the path never reaches a header: urls are encoded. */
static void
redirect_encodes_captures(void **state)
{
    struct rewrite_rule_def d = def("^([^|]*)$", REWRITE_ACTION_REDIRECT, "/n/{R:1}");
    struct rewrite_state st;

    (void)state;
    d.append_query = false;
    rewrite_state_init(&st);
    assert_int_equal(run(&st, NULL, list1(compile(&d)), "/a b\r\nSet-Cookie: x%?#", NULL),
                     REWRITE_REDIRECT);
    assert_string_equal(st.url, "/n/a%20b%0D%0ASet-Cookie:%20x%25%3F%23");
    rewrite_state_free(&st);
}

static void
custom_response(void **state)
{
    struct rewrite_rule_def d = def("^blocked/(.*)", REWRITE_ACTION_CUSTOM_RESPONSE, "");
    struct rewrite_state st;

    (void)state;
    d.status = 403;
    d.substatus = 42;
    d.reason = "Blocked {R:1}";
    d.description = "No access to {R:1}";
    rewrite_state_init(&st);
    assert_int_equal(run(&st, NULL, list1(compile(&d)), "/blocked/thing", NULL), REWRITE_CUSTOM);
    assert_int_equal(st.status, 403);
    assert_int_equal(st.substatus, 42);
    assert_string_equal(st.reason, "Blocked thing");
    assert_string_equal(st.description, "No access to thing");
    rewrite_state_free(&st);
}

/* A reason made by an expansion may not carry a control character: it goes on the status line. */
static void
custom_response_control_character(void **state)
{
    struct rewrite_rule_def d = def("^blocked", REWRITE_ACTION_CUSTOM_RESPONSE, "");
    struct rewrite_state st;

    (void)state;
    d.status = 403;
    d.reason = "{UrlDecode:{QUERY_STRING}}";
    rewrite_state_init(&st);
    assert_int_equal(run(&st, NULL, list1(compile(&d)), "/blocked", "a%0d%0aX-Y:%201"),
                     REWRITE_ERROR);
    assert_int_equal(st.status, 500);
    assert_int_equal(st.substatus, 50);
    assert_non_null(strstr(st.error, "control character"));
    rewrite_state_free(&st);
    /* a tab is allowed (RFC 9112 reason-phrase) */
    rewrite_state_init(&st);
    assert_int_equal(run(&st, NULL, list1(compile(&d)), "/blocked", "a%09b"), REWRITE_CUSTOM);
    assert_string_equal(st.reason, "a\tb");
    rewrite_state_free(&st);
}

static void
absolute_rewrite_and_functions(void **state)
{
    struct rewrite_rule_def d =
        def("^api/(.*)", REWRITE_ACTION_REWRITE, "http://{ToLower:{HTTP_HOST}}:8080/{R:1}");
    struct rewrite_state st;

    (void)state;
    test_vars[1] = "API.Example";
    rewrite_state_init(&st);
    assert_int_equal(run(&st, NULL, list1(compile(&d)), "/api/v1/x", "k=v"), REWRITE_ABSOLUTE);
    assert_string_equal(st.url, "http://api.example:8080/v1/x?k=v");
    rewrite_state_free(&st);
    test_vars[1] = "www.example.com";
}

static void
compile_errors(void **state)
{
    struct rewrite_cond_def c[] = {{"{HTTP_HOST}", REWRITE_MATCH_PATTERN, "([a-", true, false, 12}};
    struct rewrite_rule_def d = def("(unclosed", REWRITE_ACTION_NONE, "");
    char msg[512];
    unsigned line = 0;
    bool oom;

    (void)state;
    d.match_line = 8;
    assert_null(rewrite_rule_new(store, &d, &oom, msg, sizeof(msg), &line));
    assert_false(oom);
    assert_int_equal(line, 8);
    assert_non_null(strstr(msg, "(unclosed"));
    d.url = ".*";
    d.conds = c;
    d.nconds = 1;
    assert_null(rewrite_rule_new(store, &d, &oom, msg, sizeof(msg), &line));
    assert_int_equal(line, 12);
    d.nconds = 0;
    d.action = REWRITE_ACTION_REWRITE;
    d.action_url = "/{MyMap:{R:1}}";
    assert_null(rewrite_rule_new(store, &d, &oom, msg, sizeof(msg), &line));
    assert_non_null(strstr(msg, "rewrite map"));
    d.action_url = "";
    assert_null(rewrite_rule_new(store, &d, &oom, msg, sizeof(msg), &line));
    assert_non_null(strstr(msg, "no url"));
}

/* A disabled rule does nothing; catastrophic backtracking is cut by the match limit. */
static void
disabled_and_limits(void **state)
{
    struct rewrite_rule_def d = def(".*", REWRITE_ACTION_ABORT_REQUEST, "");
    struct rewrite_rule_def e = def("^(a+)+$", REWRITE_ACTION_NONE, "");
    struct rewrite_state st;
    char path[64];

    (void)state;
    d.enabled = false;
    rewrite_state_init(&st);
    assert_int_equal(run(&st, NULL, list1(compile(&d)), "/x", NULL), REWRITE_NONE);
    rewrite_state_free(&st);
    memset(path, 'a', sizeof(path) - 2);
    path[0] = '/';
    path[sizeof(path) - 2] = 'b';
    path[sizeof(path) - 1] = '\0';
    rewrite_state_init(&st);
    assert_int_equal(run(&st, NULL, list1(compile(&e)), path, NULL), REWRITE_ERROR);
    assert_int_equal(st.status, 500);
    rewrite_state_free(&st);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(redirect_with_back_references),
        cmocka_unit_test(ecmascript_partial_r0),
        cmocka_unit_test(wildcard_captures),
        cmocka_unit_test(wildcard_question_mark),
        cmocka_unit_test(exact_match_and_case),
        cmocka_unit_test(ecmascript_case),
        cmocka_unit_test(negate_rule),
        cmocka_unit_test(conditions_match_any),
        cmocka_unit_test(conditions_track_all),
        cmocka_unit_test(is_file_condition),
        cmocka_unit_test(distributed_base),
        cmocka_unit_test(chain_and_stop),
        cmocka_unit_test(reentry_bounded),
        cmocka_unit_test(server_variables_allowed),
        cmocka_unit_test(redirect_encodes_captures),
        cmocka_unit_test(custom_response),
        cmocka_unit_test(custom_response_control_character),
        cmocka_unit_test(absolute_rewrite_and_functions),
        cmocka_unit_test(compile_errors),
        cmocka_unit_test(disabled_and_limits),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
