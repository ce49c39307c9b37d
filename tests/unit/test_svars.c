/* Unit tests for svars.c: the server variables table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "../../src/server/svars.c"

/* One request: GET /app/dir/page.shtml?a=1 on site 3 "Contoso", application /app. */
struct fixture {
    struct identity id;
    struct http_request req;
    struct snap_site site;
    struct certmap_vdir root_vdir, app_vdir;
    struct certmap_scope root, app, dir;
    struct svar_ctx ctx;
};

static void
add_header(struct http_request *req, const char *name, const char *value)
{
    struct http_header *h = &req->headers[req->header_count++];

    h->name = name;
    h->name_len = strlen(name);
    h->value = value;
    h->value_len = strlen(value);
}

static int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    static const char target[] = "/app/dir/page%2Eshtml?a=1";

    if (f == NULL)
        return -1;
    f->id.auth = IDENTITY_CERTIFICATE;
    f->id.user = "CONTOSO\\alice";
    f->id.auth_type = "SSL/PCT";
    f->id.anon_user = "";
    f->id.https = true;
    f->id.remote_addr = "192.0.2.7";
    f->id.remote_port = 50123;
    f->id.local_addr = "192.0.2.1";
    f->id.local_port = 443;
    f->id.server_name = "www.contoso.com";
    f->req.method_str = "GET";
    f->req.method_len = 3;
    f->req.target = target;
    f->req.target_len = strlen(target);
    f->req.path = target;
    f->req.path_len = strchr(target, '?') - target;
    f->req.query = strchr(target, '?') + 1;
    f->req.query_len = strlen(f->req.query);
    f->req.minor_version = 1;
    f->req.content_length = -1;
    add_header(&f->req, "Host", "www.contoso.com");
    add_header(&f->req, "User-Agent", "curl/8");
    add_header(&f->req, "X-Forwarded-For", "10.0.0.1");
    add_header(&f->req, "x-forwarded-for", "10.0.0.2");
    add_header(&f->req, "X_Remote_User", "mallory");
    add_header(&f->req, "Proxy", "http://evil.example/");
    f->site.id = 3;
    f->site.name = "Contoso";
    f->root_vdir.url = "";
    f->root_vdir.physical = "/srv/www";
    f->app_vdir.url = "/app";
    f->app_vdir.url_len = 4;
    f->app_vdir.physical = "/srv/app/";
    f->root = (struct certmap_scope){
        .path = "", .kind = CERTMAP_SCOPE_SITE | CERTMAP_SCOPE_APP, .vdir = &f->root_vdir};
    f->app = (struct certmap_scope){.path = "/app",
                                    .path_len = 4,
                                    .kind = CERTMAP_SCOPE_APP | CERTMAP_SCOPE_VDIR,
                                    .parent = &f->root,
                                    .vdir = &f->app_vdir};
    f->dir = (struct certmap_scope){.path = "/app/dir",
                                    .path_len = 8,
                                    .kind = CERTMAP_SCOPE_LOCATION,
                                    .parent = &f->app,
                                    .vdir = &f->app_vdir};
    f->ctx.id = &f->id;
    f->ctx.req = &f->req;
    f->ctx.site = &f->site;
    f->ctx.scope = &f->dir;
    f->ctx.path = "/app/dir/page.shtml";
    f->ctx.path_len = strlen(f->ctx.path);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    free(*state);
    return 0;
}

static const char *
get(const struct fixture *f, const char *name)
{
    static char buf[1024];

    assert_true(svar_get(&f->ctx, name, strlen(name), buf, sizeof(buf)) >= 0);
    return buf;
}

static void
test_site_and_application(void **state)
{
    struct fixture *f = *state;

    assert_string_equal(get(f, "INSTANCE_ID"), "3");
    assert_string_equal(get(f, "INSTANCE_NAME"), "Contoso");
    assert_string_equal(get(f, "INSTANCE_META_PATH"), "/LM/W3SVC/3");
    assert_string_equal(get(f, "APPL_MD_PATH"), "/LM/W3SVC/3/ROOT/app");
    assert_string_equal(get(f, "APPL_PHYSICAL_PATH"), "/srv/app/");
    assert_string_equal(get(f, "PATH_TRANSLATED"), "/srv/app/dir/page.shtml");
    f->ctx.scope = &f->root;
    assert_string_equal(get(f, "APPL_MD_PATH"), "/LM/W3SVC/3/ROOT");
    assert_string_equal(get(f, "APPL_PHYSICAL_PATH"), "/srv/www/");
}

static void
test_request(void **state)
{
    struct fixture *f = *state;

    assert_string_equal(get(f, "URL"), "/app/dir/page.shtml");
    assert_string_equal(get(f, "script_name"), "/app/dir/page.shtml");
    assert_string_equal(get(f, "QUERY_STRING"), "a=1");
    assert_string_equal(get(f, "REQUEST_URI"), "/app/dir/page%2Eshtml?a=1");
    assert_string_equal(get(f, "REQUEST_METHOD"), "GET");
    assert_string_equal(get(f, "SERVER_PROTOCOL"), "HTTP/1.1");
    assert_string_equal(get(f, "GATEWAY_INTERFACE"), "CGI/1.1");
    assert_string_equal(get(f, "CONTENT_LENGTH"), "0");
    assert_string_equal(get(f, "HTTPS"), "on");
    assert_string_equal(get(f, "SERVER_PORT_SECURE"), "1");
    assert_string_equal(get(f, "SERVER_PORT"), "443");
    assert_string_equal(get(f, "REMOTE_PORT"), "50123");
    assert_string_equal(get(f, "LOGON_USER"), "CONTOSO\\alice");
    assert_string_equal(get(f, "UNMAPPED_REMOTE_USER"), "");
    /* No certificate, no TLS object: present but empty, as IIS shows them. */
    assert_string_equal(get(f, "CERT_SUBJECT"), "");
    assert_string_equal(get(f, "CERT_FLAGS"), "0");
    assert_string_equal(get(f, "HTTPS_KEYSIZE"), "");
}

static void
test_headers(void **state)
{
    struct fixture *f = *state;
    char buf[8];

    assert_string_equal(get(f, "HTTP_USER_AGENT"), "curl/8");
    assert_string_equal(get(f, "http_x_forwarded_for"), "10.0.0.1, 10.0.0.2");
    /* '_' in the variable stands for '-' only: X_Remote_User is unreachable. */
    assert_int_equal(svar_get(&f->ctx, "HTTP_X_REMOTE_USER", 18, buf, sizeof(buf)), SVAR_UNKNOWN);
    assert_int_equal(svar_get(&f->ctx, "NO_SUCH_VAR", 11, buf, sizeof(buf)), SVAR_UNKNOWN);
    assert_int_equal(svar_get(&f->ctx, "AUTH_PASSWORD", 13, buf, sizeof(buf)), SVAR_UNKNOWN);
    /* Fail closed: never a cut value. */
    assert_int_equal(svar_get(&f->ctx, "INSTANCE_NAME", 13, buf, 7), SVAR_TOO_LONG);
    assert_string_equal(buf, "");
    assert_int_equal(svar_get(&f->ctx, "INSTANCE_NAME", 13, buf, 8), 7);
    assert_string_equal(get(f, "ALL_RAW"),
                        "Host: www.contoso.com\r\nUser-Agent: curl/8\r\nX-Forwarded-For: "
                        "10.0.0.1\r\nx-forwarded-for: 10.0.0.2\r\nX_Remote_User: "
                        "mallory\r\nProxy: http://evil.example/\r\n");
    assert_non_null(strstr(get(f, "ALL_HTTP"), "HTTP_USER_AGENT:curl/8\r\n"));
}

struct seen {
    char names[64][64];
    size_t n;
};

static int
on_var(void *arg, const char *name, const char *value, size_t len)
{
    struct seen *s = arg;

    assert_int_equal(strlen(value), len);
    assert_true(s->n < 64);
    snprintf(s->names[s->n++], sizeof(s->names[0]), "%s", name);
    return 0;
}

static bool
has(const struct seen *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->names[i], name) == 0)
            return true;
    return false;
}

static void
test_each(void **state)
{
    struct fixture *f = *state;
    struct seen s = {0};

    assert_int_equal(svar_each(&f->ctx, on_var, &s), 0);
    /* CGI/1.1 first. */
    assert_string_equal(s.names[0], "AUTH_TYPE");
    assert_true(has(&s, "LOGON_USER"));
    assert_true(has(&s, "CERT_SUBJECT"));
    assert_true(has(&s, "HTTP_USER_AGENT"));
    assert_true(has(&s, "HTTP_X_FORWARDED_FOR"));
    assert_false(has(&s, "ALL_RAW"));
    assert_false(has(&s, "HTTP_PROXY"));
    assert_false(has(&s, "HTTP_X_REMOTE_USER"));
    assert_false(has(&s, "AUTH_PASSWORD"));
    /* The two X-Forwarded-For fields are one variable. */
    size_t count = 0;
    for (size_t i = 0; i < s.n; i++)
        count += strcmp(s.names[i], "HTTP_X_FORWARDED_FOR") == 0;
    assert_int_equal(count, 1);
}

static int
stop_at_three(void *arg, const char *name, const char *value, size_t len)
{
    int *n = arg;

    (void)name, (void)value, (void)len;
    return ++*n == 3 ? 42 : 0;
}

static void
test_each_stops(void **state)
{
    struct fixture *f = *state;
    int n = 0;

    assert_int_equal(svar_each(&f->ctx, stop_at_three, &n), 42);
    assert_int_equal(n, 3);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_site_and_application, setup, teardown),
        cmocka_unit_test_setup_teardown(test_request, setup, teardown),
        cmocka_unit_test_setup_teardown(test_headers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_each, setup, teardown),
        cmocka_unit_test_setup_teardown(test_each_stops, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
