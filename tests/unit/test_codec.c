/* Unit tests for codec.c: base64 (strict and whitespace-tolerant), hex, URL paths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "codec.h"

/* ---- base64 ------------------------------------------------------------ */

/* Decodes a C string strictly (ws: tolerantly); returns the result, fills out/at. */
static enum codec_b64_result
b64(const char *text, bool ws, unsigned char *out, size_t size, size_t *n, size_t *at)
{
    *n = (size_t)-1;
    *at = (size_t)-1;
    return ws ? codec_b64_decode_ws(text, strlen(text), out, size, n, at)
              : codec_b64_decode(text, strlen(text), out, size, n, at);
}

/* Asserts that text is refused with result r at offset at, strictly and tolerantly. */
static void
assert_b64_refused(const char *text, enum codec_b64_result r, size_t at)
{
    unsigned char out[64];
    size_t n, got_at;
    int ws;

    for (ws = 0; ws < 2; ws++) {
        enum codec_b64_result got = b64(text, ws, out, sizeof(out), &n, &got_at);
        if (got != r || got_at != at)
            fail_msg("\"%s\" (%s): result %d at %zu, want %d at %zu", text,
                     ws ? "tolerant" : "strict", got, got_at, r, at);
    }
}

static void
test_b64_rfc4648_vectors(void **state)
{
    static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *const text[] = {"",         "Zg==",     "Zm8=",    "Zm9v",
                                       "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    unsigned char out[16];
    char enc[16];
    size_t i, n, at;

    (void)state;
    for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
        size_t len = strlen(plain[i]);

        assert_int_equal(codec_b64_encoded_len(len), strlen(text[i]));
        assert_string_equal(codec_b64_encode((const unsigned char *)plain[i], len, enc), text[i]);
        assert_int_equal(b64(text[i], false, out, sizeof(out), &n, &at), CODEC_B64_OK);
        assert_int_equal(n, len);
        assert_memory_equal(out, plain[i], len);
        assert_true(n <= codec_b64_decoded_max(strlen(text[i])));
    }
}

/* Every length 0-300 with bytes covering all values: encode, compare with OpenSSL, decode back. */
static void
test_b64_round_trip(void **state)
{
    unsigned char in[300], out[300];
    char enc[401], ossl[401];
    size_t len, i, n, at;

    (void)state;
    for (i = 0; i < sizeof(in); i++)
        in[i] = (unsigned char)(i * 167 + 13);
    for (len = 0; len <= sizeof(in); len++) {
        codec_b64_encode(in, len, enc);
        EVP_EncodeBlock((unsigned char *)ossl, in, (int)len);
        assert_string_equal(enc, ossl);
        assert_int_equal(
            codec_b64_decode(enc, strlen(enc), out, codec_b64_decoded_max(strlen(enc)), &n, &at),
            CODEC_B64_OK);
        assert_int_equal(n, len);
        assert_memory_equal(out, in, len);
    }
}

static void
test_b64_whitespace(void **state)
{
    unsigned char out[16];
    size_t n, at;

    (void)state;
    /* Tolerant: spaces, tabs, CR and LF anywhere, even inside and after the padding. */
    assert_int_equal(b64(" Zm9v\r\nYm\tE=\n", true, out, sizeof(out), &n, &at), CODEC_B64_OK);
    assert_int_equal(n, 5);
    assert_memory_equal(out, "fooba", 5);
    assert_int_equal(b64("Zg= =", true, out, sizeof(out), &n, &at), CODEC_B64_OK);
    assert_int_equal(n, 1);
    assert_int_equal(b64(" \n\t", true, out, sizeof(out), &n, &at), CODEC_B64_OK);
    assert_int_equal(n, 0);
    /* Strict: any whitespace is a bad character, where it stands. */
    assert_int_equal(b64("Zm9v\nYmE=", false, out, sizeof(out), &n, &at), CODEC_B64_BAD_CHAR);
    assert_int_equal(at, 4);
    assert_int_equal(b64(" Zg==", false, out, sizeof(out), &n, &at), CODEC_B64_BAD_CHAR);
    assert_int_equal(at, 0);
    assert_int_equal(b64("Zg==\n", false, out, sizeof(out), &n, &at), CODEC_B64_BAD_CHAR);
    assert_int_equal(at, 4);
    /* Only those four: a vertical tab or form feed is not skipped. */
    assert_int_equal(b64("Zg\v==", true, out, sizeof(out), &n, &at), CODEC_B64_BAD_CHAR);
    assert_int_equal(at, 2);
    assert_int_equal(b64("Zg\f==", true, out, sizeof(out), &n, &at), CODEC_B64_BAD_CHAR);
}

static void
test_b64_bad_input(void **state)
{
    (void)state;
    /* Characters outside the alphabet, the URL-safe alphabet included. */
    assert_b64_refused("Zm9v!mFy", CODEC_B64_BAD_CHAR, 4);
    assert_b64_refused("Zm9-", CODEC_B64_BAD_CHAR, 3);
    assert_b64_refused("Zm9_", CODEC_B64_BAD_CHAR, 3);
    assert_b64_refused("\x80Zg==", CODEC_B64_BAD_CHAR, 0);
    /* Padding where it cannot be. */
    assert_b64_refused("=Zg=", CODEC_B64_BAD_PAD, 0);
    assert_b64_refused("Z===", CODEC_B64_BAD_PAD, 1);
    assert_b64_refused("Zg===", CODEC_B64_BAD_PAD, 4);
    assert_b64_refused("Zm9v=", CODEC_B64_BAD_PAD, 4);
    /* Padding that leaves the quantum incomplete: the first '=' is reported. */
    assert_b64_refused("Zg=", CODEC_B64_BAD_PAD, 2);
    /* Data after the padding. */
    assert_b64_refused("Zg==Zm9v", CODEC_B64_AFTER_PAD, 4);
    assert_b64_refused("Zm=v", CODEC_B64_AFTER_PAD, 3);
    /* Missing padding. */
    assert_b64_refused("Zg", CODEC_B64_TRUNCATED, 2);
    assert_b64_refused("Zm9", CODEC_B64_TRUNCATED, 3);
    assert_b64_refused("Zm9vY", CODEC_B64_TRUNCATED, 5);
    /* Non-canonical: unused bits set before the padding ("Zg==" is the only spelling of "f"). */
    assert_b64_refused("Zh==", CODEC_B64_UNUSED_BITS, 2);
    assert_b64_refused("Zm9=", CODEC_B64_UNUSED_BITS, 3);
    assert_b64_refused("AB==", CODEC_B64_UNUSED_BITS, 2);
}

/*
 * The bulk loop (whole quanta of digits) hands over to the per-character
 * checks at any position: a space, a bad character or a lack of room in any
 * quantum of a long text gives what it gives at the start of a short one.
 */
static void
test_b64_bulk_edges(void **state)
{
    unsigned char in[600], out[600];
    char enc[801], text[803];
    size_t len, n, at, p;

    (void)state;
    for (size_t i = 0; i < sizeof(in); i++)
        in[i] = (unsigned char)(i * 131 + 7);
    codec_b64_encode(in, sizeof(in), enc);
    len = strlen(enc);
    for (p = 0; p <= len; p++) {
        /* a space at p: skipped by the tolerant decoder, refused at p by the strict one */
        memcpy(text, enc, p);
        text[p] = ' ';
        memcpy(text + p + 1, enc + p, len - p + 1);
        assert_int_equal(codec_b64_decode_ws(text, len + 1, out, sizeof(out), &n, &at),
                         CODEC_B64_OK);
        assert_int_equal(n, sizeof(in));
        assert_memory_equal(out, in, sizeof(in));
        assert_int_equal(codec_b64_decode(text, len + 1, out, sizeof(out), &n, &at),
                         CODEC_B64_BAD_CHAR);
        assert_int_equal(at, p);
        if (p == len)
            continue;
        /* a bad character in place of digit p: refused at p by both */
        memcpy(text, enc, len + 1);
        text[p] = '*';
        assert_int_equal(codec_b64_decode_ws(text, len, out, sizeof(out), &n, &at),
                         CODEC_B64_BAD_CHAR);
        assert_int_equal(at, p);
    }
    /* too little room, in every quantum: refused where the first byte that does not fit starts */
    for (size_t size = 0; size < sizeof(in); size++) {
        assert_int_equal(codec_b64_decode(enc, len, out, size, &n, &at), CODEC_B64_NO_ROOM);
        assert_int_equal(at, size / 3 * 4 + 3);
        assert_memory_equal(out, in, size / 3 * 3);
    }
}

static void
test_b64_no_room(void **state)
{
    unsigned char out[6];
    size_t n, at;

    (void)state;
    /* Exactly enough, then one byte short, for a whole and a padded last quantum. */
    assert_int_equal(b64("Zm9vYmFy", false, out, 6, &n, &at), CODEC_B64_OK);
    assert_int_equal(n, 6);
    assert_int_equal(b64("Zm9vYmFy", false, out, 5, &n, &at), CODEC_B64_NO_ROOM);
    assert_int_equal(b64("Zm9vYmE=", false, out, 5, &n, &at), CODEC_B64_OK);
    assert_int_equal(n, 5);
    assert_int_equal(b64("Zm9vYmE=", false, out, 4, &n, &at), CODEC_B64_NO_ROOM);
    assert_int_equal(b64("Zg==", false, out, 0, &n, &at), CODEC_B64_NO_ROOM);
    assert_int_equal(b64("", false, out, 0, &n, &at), CODEC_B64_OK);
    assert_int_equal(n, 0);
}

/* ---- hex --------------------------------------------------------------- */

static void
test_hex_digit(void **state)
{
    int c, want;

    (void)state;
    for (c = -1; c < 256; c++) {
        if (c >= '0' && c <= '9')
            want = c - '0';
        else if (c >= 'a' && c <= 'f')
            want = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            want = c - 'A' + 10;
        else
            want = -1;
        assert_int_equal(codec_hex_digit(c), want);
    }
}

static void
test_hex_round_trip(void **state)
{
    unsigned char in[256], out[256];
    char lower[513], upper[513];
    size_t i, bad = 0;

    (void)state;
    for (i = 0; i < sizeof(in); i++)
        in[i] = (unsigned char)i;
    codec_hex_encode(in, sizeof(in), lower, CODEC_LOWER);
    codec_hex_encode(in, sizeof(in), upper, CODEC_UPPER);
    assert_int_equal(strlen(lower), 512);
    assert_memory_equal(lower + 2 * 0xab, "ab", 2);
    assert_memory_equal(upper + 2 * 0xab, "AB", 2);
    assert_memory_equal(upper + 2 * 0x0f, "0F", 2);
    assert_int_equal(codec_hex_decode(lower, 512, out, &bad), 0);
    assert_memory_equal(out, in, sizeof(in));
    memset(out, 0, sizeof(out));
    assert_int_equal(codec_hex_decode(upper, 512, out, &bad), 0);
    assert_memory_equal(out, in, sizeof(in));
    /* Mixed case decodes too; nothing is an empty string. */
    assert_int_equal(codec_hex_decode("aBcD", 4, out, &bad), 0);
    assert_int_equal(out[0], 0xab);
    assert_int_equal(out[1], 0xcd);
    assert_int_equal(codec_hex_decode("", 0, out, &bad), 0);
    assert_string_equal(codec_hex_encode(in, 0, lower, CODEC_UPPER), "");
}

static void
test_hex_bad_input(void **state)
{
    unsigned char out[8];
    size_t bad = 99;

    (void)state;
    assert_int_equal(codec_hex_decode("abc", 3, out, &bad), -1);
    assert_int_equal(bad, 3);
    assert_int_equal(codec_hex_decode("0g12", 4, out, &bad), -1);
    assert_int_equal(bad, 1);
    assert_int_equal(codec_hex_decode("12g4", 4, out, &bad), -1);
    assert_int_equal(bad, 2);
    assert_int_equal(codec_hex_decode("12:4", 4, out, &bad), -1);
    assert_int_equal(bad, 2);
    assert_int_equal(codec_hex_decode("12 4", 4, out, &bad), -1);
    assert_int_equal(bad, 2);
    /* The length is the caller's: a NUL inside it is a bad character, not an end. */
    assert_int_equal(codec_hex_decode("12\0004", 4, out, &bad), -1);
    assert_int_equal(bad, 2);
}

/* ---- URL paths ---------------------------------------------------------- */

/* Asserts that raw decodes to want (a C string). */
static void
assert_path(const char *raw, const char *want)
{
    char out[64];
    size_t n = 0;
    enum codec_path_result r = codec_url_path_decode(raw, strlen(raw), out, sizeof(out), &n);

    if (r != CODEC_PATH_OK)
        fail_msg("%s: result %d, want \"%s\"", raw, r, want);
    assert_string_equal(out, want);
    assert_int_equal(n, strlen(want));
}

static void
assert_path_refused(const char *raw, size_t len, enum codec_path_result want)
{
    char out[64];
    size_t n = 0;
    enum codec_path_result r = codec_url_path_decode(raw, len, out, sizeof(out), &n);

    if (r != want)
        fail_msg("%s: result %d, want %d", raw, r, want);
}

static void
test_path_decode(void **state)
{
    (void)state;
    assert_path("/", "/");
    assert_path("/a.txt", "/a.txt");
    assert_path("/%61%2E%74xt", "/a.txt");
    assert_path("/caf%C3%a9/x", "/caf\xc3\xa9/x");
    assert_path("//a///b//", "/a/b/");
    assert_path("/%3F%23%25", "/?#%"); /* decoded once only: "%25" stays a '%' */
    assert_path("/%252e", "/%2e");
    assert_path("/a/...", "/a/...");
    assert_path("/.a/a./..b", "/.a/a./..b");
    assert_path("/\xff\xc0\xae", "/\xff\xc0\xae"); /* bytes >= 0x80 are the file handler's */
}

static void
test_path_refused(void **state)
{
    static const char *const bad[] = {
        "",      "a.txt",  "%2fa",   "/%",        "/%4",     "/a%zz",     "/%g0",
        "/%2f",  "/a%2Fb", "/a%5cb", "/a%5C",     "/a\\b",   "/a%00",     "/a%0a",
        "/a\tb", "/a%7f",  "/a\x7f", "/.",        "/..",     "/./a",      "/a/../b",
        "/a/.",  "/a/..",  "/%2e",   "/%2e%2E/a", "/.%2e/a", "/a//..//b", "/a/%2e/",
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_path_refused(bad[i], strlen(bad[i]), CODEC_PATH_INVALID);
    assert_path_refused("/a\0b", 4, CODEC_PATH_INVALID);
}

static void
test_path_length(void **state)
{
    char out[8];
    size_t n = 0;

    (void)state;
    /* Seven characters and the NUL fit in 8 bytes; eight do not. */
    assert_int_equal(codec_url_path_decode("/abcdef", 7, out, sizeof(out), &n), CODEC_PATH_OK);
    assert_int_equal(n, 7);
    assert_int_equal(codec_url_path_decode("/abcdefg", 8, out, sizeof(out), &n),
                     CODEC_PATH_TOO_LONG);
    /* Escapes and collapsed slashes count decoded. */
    assert_int_equal(codec_url_path_decode("/%61%62%63%64%65%66", 19, out, sizeof(out), &n),
                     CODEC_PATH_OK);
    assert_string_equal(out, "/abcdef");
    assert_int_equal(codec_url_path_decode("//////abcdef", 12, out, sizeof(out), &n),
                     CODEC_PATH_OK);
    assert_int_equal(codec_url_path_decode("/", 1, out, 1, &n), CODEC_PATH_TOO_LONG);
    /* The first offending byte decides: a bad escape before the end of the room is 400. */
    assert_int_equal(codec_url_path_decode("/%zzcdefghij", 12, out, sizeof(out), &n),
                     CODEC_PATH_INVALID);
    assert_int_equal(codec_url_path_decode("/abcdefghij%zz", 14, out, sizeof(out), &n),
                     CODEC_PATH_TOO_LONG);
}

static void
test_url_has_escape(void **state)
{
    (void)state;
    assert_true(codec_url_has_escape("/%2e", 4));
    assert_true(codec_url_has_escape("%41", 3));
    assert_true(codec_url_has_escape("/a%aFb", 6));
    assert_false(codec_url_has_escape("/%2", 3));
    assert_false(codec_url_has_escape("/%2e", 3)); /* the length bounds the look */
    assert_false(codec_url_has_escape("/%zz%", 5));
    assert_false(codec_url_has_escape("/100%", 5));
    assert_false(codec_url_has_escape("", 0));
}

static void
test_url_path_encode(void **state)
{
    char out[64];
    size_t n = 0;

    (void)state;
    assert_int_equal(codec_url_path_encode("/my dir/%x\xc3\xa9", 12, out, sizeof(out), &n), 0);
    assert_string_equal(out, "/my%20dir/%25x%C3%A9");
    assert_int_equal(n, strlen(out));
    assert_int_equal(codec_url_path_encode("/a-b_c.d~!$&'()*+,;=:@", 22, out, sizeof(out), &n), 0);
    assert_string_equal(out, "/a-b_c.d~!$&'()*+,;=:@");
    /* exactly fitting, then one byte short */
    assert_int_equal(codec_url_path_encode("/ ", 2, out, 5, &n), 0);
    assert_int_equal(codec_url_path_encode("/ ", 2, out, 4, &n), -1);
    /* round trip through the decoder */
    {
        char back[64];
        assert_int_equal(codec_url_path_encode("/x y/z", 6, out, sizeof(out), &n), 0);
        assert_int_equal(codec_url_path_decode(out, n, back, sizeof(back), &n), CODEC_PATH_OK);
        assert_string_equal(back, "/x y/z");
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_url_path_encode), cmocka_unit_test(test_b64_rfc4648_vectors),
        cmocka_unit_test(test_b64_round_trip),  cmocka_unit_test(test_b64_whitespace),
        cmocka_unit_test(test_b64_bad_input),   cmocka_unit_test(test_b64_no_room),
        cmocka_unit_test(test_b64_bulk_edges),  cmocka_unit_test(test_hex_digit),
        cmocka_unit_test(test_hex_round_trip),  cmocka_unit_test(test_hex_bad_input),
        cmocka_unit_test(test_path_decode),     cmocka_unit_test(test_path_refused),
        cmocka_unit_test(test_path_length),     cmocka_unit_test(test_url_has_escape),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
