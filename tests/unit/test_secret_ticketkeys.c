/* Unit tests for secret/ticketkeys.c: the session-ticket key file's parser, loader and writer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture.h"
#include "secret/ticketkeys.h"

/* base64 of bytes 0..79 (name 00..0f, HMAC 10..2f, AES 30..4f), and of 0x50..0x9f */
static const char key_a[] =
    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7"
    "PD0+P0BBQkNERUZHSElKS0xNTk8=";
static const char key_b[] =
    "UFFSU1RVVldYWVpbXF1eX2BhYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ent8fX5/gIGCg4SFhoeIiYqL"
    "jI2Oj5CRkpOUlZaXmJmam5ydnp8=";

static int
parse_text(const char *text, struct ticketkeys *k, struct certmap_error *err)
{
    return ticketkeys_parse(text, strlen(text), "t.keys", k, err);
}

static void
test_parse_ok(void **state)
{
    struct ticketkeys k;
    struct certmap_error err = {0};
    char text[512];

    (void)state;
    snprintf(text, sizeof(text), "# comment\n\n%s\r\n%s", key_a, key_b);
    assert_int_equal(parse_text(text, &k, &err), 0);
    assert_int_equal(k.n, 2);
    assert_int_equal(k.k[0].name[0], 0x00);
    assert_int_equal(k.k[0].name[15], 0x0f);
    assert_int_equal(k.k[0].hmac[0], 0x10);
    assert_int_equal(k.k[0].hmac[31], 0x2f);
    assert_int_equal(k.k[0].aes[0], 0x30);
    assert_int_equal(k.k[0].aes[31], 0x4f);
    assert_int_equal(k.k[0].line, 3);
    assert_int_equal(k.k[1].name[0], 0x50);
    assert_int_equal(k.k[1].line, 4);
}

static void
expect_error(const char *text, unsigned line, const char *words)
{
    struct ticketkeys k;
    struct certmap_error err = {0};

    assert_int_equal(parse_text(text, &k, &err), -1);
    assert_int_equal(err.kind, CERTMAP_ERR_INVALID);
    assert_string_equal(err.file, "t.keys");
    if (err.line != line || strstr(err.message, words) == NULL)
        fail_msg("\"%s\": got line %u \"%s\", want line %u \"%s\"", text, err.line, err.message,
                 line, words);
    assert_int_equal(k.n, 0);
}

static void
test_parse_errors(void **state)
{
    char text[1024];

    (void)state;
    expect_error("", 0, "no key");
    expect_error("# only a comment\n", 1, "no key");
    snprintf(text, sizeof(text), "%s\n %s\n", key_a, key_b);
    expect_error(text, 2, "has 109 characters");
    snprintf(text, sizeof(text), "%s\n%.107s\n", key_a, key_b);
    expect_error(text, 2, "has 107 characters");
    snprintf(text, sizeof(text), "%s\n%s\n%s\n", key_a, key_b, key_a);
    expect_error(text, 3, "same key name as line 1");
    snprintf(text, sizeof(text), "%s\n%.50s*%s\n", key_a, key_b, key_b + 51);
    expect_error(text, 2, "not base64");
    /* a fourth key */
    {
        struct ticketkeys k;
        struct certmap_error err = {0};
        char *t;
        size_t len;

        k.n = 3;
        for (int i = 0; i < 3; i++)
            assert_int_equal(ticketkeys_generate(&k.k[i], &err), 0);
        t = ticketkeys_format(&k, &len);
        assert_non_null(t);
        snprintf(text, sizeof(text), "%s%s\n", t, key_a);
        ticketkeys_free_text(t, len);
        expect_error(text, 6, "more than 3 keys");
    }
}

static void
test_format_round_trip(void **state)
{
    struct ticketkeys k = {0}, back;
    struct certmap_error err = {0};
    size_t len;
    char *t;

    (void)state;
    k.n = 2;
    assert_int_equal(ticketkeys_generate(&k.k[0], &err), 0);
    assert_int_equal(ticketkeys_generate(&k.k[1], &err), 0);
    assert_memory_not_equal(k.k[0].name, k.k[1].name, 16);
    t = ticketkeys_format(&k, &len);
    assert_non_null(t);
    assert_int_equal(len, strlen(t));
    assert_int_equal(ticketkeys_parse(t, len, NULL, &back, &err), 0);
    assert_int_equal(back.n, 2);
    assert_memory_equal(back.k[0].name, k.k[0].name, 16);
    assert_memory_equal(back.k[1].aes, k.k[1].aes, 32);
    assert_memory_equal(back.k[1].hmac, k.k[1].hmac, 32);
    ticketkeys_free_text(t, len);
}

static void
test_load_mode(void **state)
{
    char *dir = fixture_tmpdir(), *path, text[256];
    struct ticketkeys k;
    struct certmap_error err = {0};

    (void)state;
    snprintf(text, sizeof(text), "%s\n", key_a);
    path = fixture_write(dir, "t.keys", text, strlen(text));
    assert_int_equal(chmod(path, 0600), 0);
    assert_int_equal(ticketkeys_load(path, &k, &err), 0);
    assert_int_equal(k.n, 1);
    assert_true(k.mtime > 0);
    assert_int_equal(chmod(path, 0640), 0);
    assert_int_equal(ticketkeys_load(path, &k, &err), -1);
    assert_non_null(strstr(err.message, "mode 0640"));
    assert_string_equal(err.file, path);
    assert_int_equal(chmod(path, 0602), 0);
    assert_int_equal(ticketkeys_load(path, &k, &err), -1);
    assert_int_equal(chmod(path, 0400), 0);
    assert_int_equal(ticketkeys_load(path, &k, &err), 0);
    assert_int_equal(ticketkeys_load(dir, &k, &err), -1);
    assert_non_null(strstr(err.message, "not a regular file"));
    free(path);
    path = malloc(strlen(dir) + 16);
    assert_non_null(path);
    sprintf(path, "%s/missing", dir);
    assert_int_equal(ticketkeys_load(path, &k, &err), -1);
    assert_int_equal(err.kind, CERTMAP_ERR_IO);
    free(path);
    fixture_rmtree(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_ok),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_format_round_trip),
        cmocka_unit_test(test_load_mode),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
