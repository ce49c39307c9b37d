/* Unit tests for errpage.c: IIS-style error bodies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "errpage.c"

/* Title and heading both carry "HTTP Error S.SS - Reason". */
static void
assert_page(int status, int substatus, const char *reason, const char *phrase)
{
    char buf[ERRPAGE_MAX], want[128];
    size_t n = errpage_render(buf, sizeof(buf), status, substatus);

    assert_true(n > 0 && n < sizeof(buf));
    assert_int_equal(strlen(buf), n);
    snprintf(want, sizeof(want), "<title>HTTP Error %d.%d - %s</title>", status, substatus, reason);
    assert_non_null(strstr(buf, want));
    snprintf(want, sizeof(want), "<h1>HTTP Error %d.%d - %s</h1>", status, substatus, reason);
    assert_non_null(strstr(buf, want));
    if (phrase != NULL && strstr(buf, phrase) == NULL)
        fail_msg("%d.%d: \"%s\" not in body:\n%s", status, substatus, phrase, buf);
}

static void
test_substatus_texts(void **state)
{
    (void)state;
    assert_page(403, 7, "Forbidden", "requires a client certificate");
    assert_page(403, 4, "Forbidden", "HTTPS");
    assert_page(403, 5, "Forbidden", "128 bits");
    assert_page(403, 13, "Forbidden", "revoked");
    assert_page(403, 14, "Forbidden", "default document");
    assert_page(403, 16, "Forbidden", "not trusted");
    assert_page(403, 17, "Forbidden", "expired or is not yet valid");
    assert_page(401, 1, "Unauthorized", "Logon failed");
    assert_page(401, 2, "Unauthorized", "no credentials were accepted");
    assert_page(404, 0, "Not Found", "removed");
    assert_page(404, 3, "Not Found", "MIME type");
    assert_page(404, 11, "Not Found", "double-escaped");
}

static void
test_plain_statuses(void **state)
{
    static const struct {
        int status;
        const char *reason;
    } cases[] = {{400, "Bad Request"},           {405, "Method Not Allowed"},
                 {408, "Request Timeout"},       {413, "Content Too Large"},
                 {414, "URI Too Long"},          {416, "Range Not Satisfiable"},
                 {421, "Misdirected Request"},   {431, "Request Header Fields Too Large"},
                 {500, "Internal Server Error"}, {501, "Not Implemented"},
                 {503, "Service Unavailable"},   {505, "HTTP Version Not Supported"}};
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_string_equal(errpage_reason(cases[i].status), cases[i].reason);
        assert_page(cases[i].status, 0, cases[i].reason, NULL);
        /* A sub-status without its own text falls back to the status's text. */
        assert_page(cases[i].status, 99, cases[i].reason, NULL);
    }
    assert_string_equal(errpage_reason(404), "Not Found");
    assert_string_equal(errpage_reason(299), "Success");
    assert_string_equal(errpage_reason(499), "Client Error");
    assert_string_equal(errpage_reason(599), "Server Error");
    assert_page(599, 0, "Server Error", "could not complete");
}

static void
test_every_text_fits_and_truncation_is_reported(void **state)
{
    char buf[ERRPAGE_MAX], small[40];
    size_t i, n;

    (void)state;
    for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        n = errpage_render(buf, sizeof(buf), texts[i].status,
                           texts[i].substatus < 0 ? 0 : texts[i].substatus);
        assert_true(n < ERRPAGE_MAX);
    }
    n = errpage_render(buf, sizeof(buf), 403, 7);
    assert_int_equal(errpage_render(small, sizeof(small), 403, 7), n);
    assert_int_equal(strlen(small), sizeof(small) - 1);
    /* Negative sub-status is shown as 0, never as "-1". */
    errpage_render(buf, sizeof(buf), 404, -1);
    assert_non_null(strstr(buf, "HTTP Error 404.0 - Not Found"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_substatus_texts),
        cmocka_unit_test(test_plain_statuses),
        cmocka_unit_test(test_every_text_fits_and_truncation_is_reported),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
