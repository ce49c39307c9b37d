/* Unit tests for secret.c: key file, envelope round trip, tampering, wrong key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "fixture.h"
#include "secret.h"

struct ctx {
    char *dir;
    char key_path[1024];
    unsigned char key[SECRET_KEY_LEN];
};

static int
setup(void **state)
{
    struct ctx *c = calloc(1, sizeof(*c));
    struct certmap_error err = {0};

    if (c == NULL)
        return -1;
    c->dir = fixture_tmpdir();
    if (c->dir == NULL)
        return -1;
    snprintf(c->key_path, sizeof(c->key_path), "%s/certmap.key", c->dir);
    if (secret_key_load(c->key_path, true, c->key, &err) != 0)
        return -1;
    *state = c;
    return 0;
}

static int
teardown(void **state)
{
    struct ctx *c = *state;

    fixture_rmtree(c->dir);
    free(c);
    return 0;
}

static char *
encrypt_ok(const struct ctx *c, const char *plain)
{
    struct certmap_error err = {0};
    char *env = NULL;

    if (secret_encrypt(c->key, plain, &env, &err) != 0)
        fail_msg("encrypt: %s", err.message);
    return env;
}

/* Decrypting must fail with a message containing want (NULL: any message). */
static void
assert_decrypt_fails(const unsigned char *key, const char *env, const char *want)
{
    struct certmap_error err = {0};
    char *plain = (char *)"sentinel";

    if (secret_decrypt(key, env, &plain, &err) != -1)
        fail_msg("accepted tampered envelope %s", env);
    assert_null(plain);
    assert_int_not_equal(err.kind, CERTMAP_ERR_NONE);
    assert_true(err.message[0] != '\0');
    if (want != NULL && strstr(err.message, want) == NULL)
        fail_msg("message \"%s\" does not contain \"%s\"", err.message, want);
}

static void
test_key_file_created_0640_and_reloaded(void **state)
{
    struct ctx *c = *state;
    struct certmap_error err = {0};
    unsigned char again[SECRET_KEY_LEN];
    struct stat st;
    char *data;
    size_t len, i;

    assert_int_equal(stat(c->key_path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0640);
    data = fixture_read(c->key_path, &len);
    assert_non_null(data);
    assert_int_equal(len, 65);
    assert_int_equal(data[64], '\n');
    for (i = 0; i < 64; i++)
        assert_non_null(strchr("0123456789abcdef", data[i]));
    free(data);
    assert_int_equal(secret_key_load(c->key_path, false, again, &err), 0);
    assert_memory_equal(again, c->key, SECRET_KEY_LEN);
    /* create=true on an existing key keeps it. */
    assert_int_equal(secret_key_load(c->key_path, true, again, &err), 0);
    assert_memory_equal(again, c->key, SECRET_KEY_LEN);
}

static void
test_key_file_refusals(void **state)
{
    struct ctx *c = *state;
    struct certmap_error err = {0};
    unsigned char key[SECRET_KEY_LEN];
    char path[1024], *p;
    char hex[66];

    snprintf(path, sizeof(path), "%s/missing.key", c->dir);
    assert_int_equal(secret_key_load(path, false, key, &err), -1);
    assert_string_equal(err.file, path);
    assert_int_equal(err.kind, CERTMAP_ERR_IO);
    assert_non_null(strstr(err.message, "does not exist"));
    assert_int_equal(access(path, F_OK), -1);

    memset(hex, 'a', 64);
    hex[64] = '\n';
    hex[65] = '\0';
    p = fixture_write(c->dir, "open.key", hex, 65);
    assert_int_equal(chmod(p, 0644), 0);
    assert_int_equal(secret_key_load(p, true, key, &err), -1);
    assert_string_equal(err.file, p);
    assert_non_null(strstr(err.message, "mode 0644"));
    /* Group read is how the service reads a key root created (ssl-cert style). */
    assert_int_equal(chmod(p, 0640), 0);
    assert_int_equal(secret_key_load(p, false, key, &err), 0);
    assert_int_equal(chmod(p, 0660), 0);
    assert_int_equal(secret_key_load(p, false, key, &err), -1);
    assert_non_null(strstr(err.message, "mode 0660"));
    assert_int_equal(chmod(p, 0604), 0);
    assert_int_equal(secret_key_load(p, false, key, &err), -1);
    assert_int_equal(chmod(p, 0600), 0);
    assert_int_equal(secret_key_load(p, false, key, &err), 0);
    assert_int_equal(key[0], 0xaa);
    free(p);

    p = fixture_write(c->dir, "short.key", hex, 32);
    assert_int_equal(chmod(p, 0600), 0);
    assert_int_equal(secret_key_load(p, false, key, &err), -1);
    assert_non_null(strstr(err.message, "key file has 32 bytes"));
    free(p);

    hex[10] = 'x';
    p = fixture_write(c->dir, "nothex.key", hex, 65);
    assert_int_equal(chmod(p, 0600), 0);
    assert_int_equal(secret_key_load(p, false, key, &err), -1);
    assert_non_null(strstr(err.message, "not hex: bad character at offset 10"));
    free(p);

    /* A raw binary key of the right byte count is not the documented format. */
    p = fixture_write(c->dir, "binary.key", c->key, SECRET_KEY_LEN);
    assert_int_equal(chmod(p, 0600), 0);
    assert_int_equal(secret_key_load(p, false, key, &err), -1);
    free(p);

    assert_int_equal(secret_key_load(c->dir, false, key, &err), -1);
    assert_non_null(strstr(err.message, "not a regular file"));
}

static void
test_round_trip(void **state)
{
    static const char *const passwords[] = {
        "p@ssw0rd",         "", "x", "with spaces and \"quotes\" & <xml>", "p\xc3\xa4ssw\xc3\xb6rd",
        "exactly sixteen!",
    };
    struct ctx *c = *state;
    struct certmap_error err = {0};
    char *env, *env2, *plain, big[4001];
    size_t i;

    for (i = 0; i < sizeof(passwords) / sizeof(passwords[0]); i++) {
        env = encrypt_ok(c, passwords[i]);
        assert_true(secret_is_envelope(env));
        assert_int_equal(strncmp(env, "[enc:AesProvider:", 17), 0);
        /* Long enough that base64 cannot spell it by chance. */
        if (strlen(passwords[i]) >= 8)
            assert_null(strstr(env, passwords[i]));
        assert_int_equal(secret_decrypt(c->key, env, &plain, &err), 0);
        assert_string_equal(plain, passwords[i]);
        secret_free(plain);
        /* A fresh nonce every time: the same password never gives the same envelope. */
        env2 = encrypt_ok(c, passwords[i]);
        assert_string_not_equal(env, env2);
        free(env);
        free(env2);
    }
    memset(big, 'z', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    env = encrypt_ok(c, big);
    assert_int_equal(secret_decrypt(c->key, env, &plain, &err), 0);
    assert_string_equal(plain, big);
    secret_free(plain);
    free(env);
    secret_free(NULL);
}

static void
test_empty_password_is_distinguishable(void **state)
{
    struct ctx *c = *state;
    struct certmap_error err = {0};
    char *env = encrypt_ok(c, ""), *plain = NULL;

    assert_int_equal(secret_decrypt(c->key, env, &plain, &err), 0);
    assert_non_null(plain);
    assert_int_equal(plain[0], '\0');
    secret_free(plain);
    free(env);
}

static void
test_every_text_alteration_rejected(void **state)
{
    struct ctx *c = *state;
    char *env = encrypt_ok(c, "secret password"), *bad;
    size_t len = strlen(env), i, k;
    const char subst[] = {'A', '=', '/', ':', ' '};

    bad = strdup(env);
    assert_non_null(bad);
    for (i = 0; i < len; i++) {
        bad[i] = (char)(env[i] ^ 0x01);
        assert_decrypt_fails(c->key, bad, NULL);
        for (k = 0; k < sizeof(subst); k++) {
            if (subst[k] == env[i])
                continue;
            bad[i] = subst[k];
            assert_decrypt_fails(c->key, bad, NULL);
        }
        bad[i] = env[i];
    }
    /* Every truncation of the text. */
    for (i = 0; i < len; i++) {
        memcpy(bad, env, i);
        bad[i] = '\0';
        assert_decrypt_fails(c->key, bad, NULL);
    }
    free(bad);
    free(env);
}

/* Re-wraps raw bytes into an envelope, so that alterations survive the base64 checks. */
static char *
wrap(const unsigned char *raw, size_t n)
{
    char *env = malloc(17 + (n + 2) / 3 * 4 + 6);

    assert_non_null(env);
    memcpy(env, "[enc:AesProvider:", 17);
    EVP_EncodeBlock((unsigned char *)env + 17, raw, (int)n);
    strcat(env, ":enc]");
    return env;
}

static void
test_every_bit_of_payload_authenticated(void **state)
{
    struct ctx *c = *state;
    char *env = encrypt_ok(c, "secret password"), *bad;
    unsigned char raw[256];
    int n, pads;
    size_t i, bit;

    pads = env[strlen(env) - 6] == '=' ? (env[strlen(env) - 7] == '=' ? 2 : 1) : 0;
    n = EVP_DecodeBlock(raw, (unsigned char *)env + 17, (int)strlen(env) - 17 - 5) - pads;
    assert_int_equal(n, 1 + 12 + 15 + 16);
    bad = wrap(raw, (size_t)n);
    assert_string_equal(bad, env);
    free(bad);
    for (i = 0; i < (size_t)n; i++) {
        for (bit = 0; bit < 8; bit++) {
            raw[i] ^= (unsigned char)(1u << bit);
            bad = wrap(raw, (size_t)n);
            assert_decrypt_fails(c->key, bad, i == 0 ? "unknown version" : "wrong key");
            free(bad);
            raw[i] ^= (unsigned char)(1u << bit);
        }
    }
    /* Shorter payloads: tag cut off, then below the minimum size. */
    bad = wrap(raw, (size_t)n - 1);
    assert_decrypt_fails(c->key, bad, "wrong key");
    free(bad);
    bad = wrap(raw, 28);
    assert_decrypt_fails(c->key, bad, "truncated (28 bytes");
    free(bad);
    free(env);
}

static void
test_wrong_key_and_malformed(void **state)
{
    struct ctx *c = *state;
    unsigned char other[SECRET_KEY_LEN];
    char *env = encrypt_ok(c, "secret password");

    memcpy(other, c->key, sizeof(other));
    other[31] ^= 0x80;
    assert_decrypt_fails(other, env, "cannot decrypt the password: wrong key");
    assert_decrypt_fails(c->key, "plain text", "not an encrypted password");
    assert_decrypt_fails(c->key, "", "not an encrypted password");
    assert_decrypt_fails(c->key, "[enc:AesProvider::enc]", "not a multiple of 4");
    assert_decrypt_fails(c->key, "[enc:RsaProvider:AAAA:enc]",
                         "unsupported envelope provider \"RsaProvider\"");
    assert_decrypt_fails(c->key, "[enc:AesProvider:AAAA\nAAAA:enc]", "bad base64 character 0x0a");
    assert_decrypt_fails(c->key, "[enc:AesProvider:AB==:enc]", "non-canonical base64");
    assert_decrypt_fails(c->key, "[enc:AesProvider:A=AA:enc]", "bad base64 character 0x3d");
    assert_false(secret_is_envelope("[enc:AesProvider:AAAA"));
    assert_false(secret_is_envelope(NULL));
    assert_true(secret_is_envelope("[enc:x:enc]"));
    free(env);
}

/*
 * One opener for many envelopes gives what secret_decrypt() gives, and an
 * altered envelope or one under another key fails without spoiling the next.
 */
static void
test_opener(void **state)
{
    struct ctx *c = *state;
    struct certmap_error err = {0};
    unsigned char other[SECRET_KEY_LEN];
    struct secret_opener *o = secret_opener_new(c->key);
    char *a = encrypt_ok(c, "first"), *b = encrypt_ok(c, ""), *bad = encrypt_ok(c, "third");
    char *foreign, *plain = NULL;

    assert_non_null(o);
    memcpy(other, c->key, sizeof(other));
    other[0] ^= 1;
    assert_int_equal(secret_encrypt(other, "foreign", &foreign, &err), 0);
    bad[20] = bad[20] == 'A' ? 'B' : 'A';
    for (int round = 0; round < 2; round++) {
        assert_int_equal(secret_opener_decrypt(o, a, &plain, &err), 0);
        assert_string_equal(plain, "first");
        secret_free(plain);
        assert_int_equal(secret_opener_decrypt(o, bad, &plain, &err), -1);
        assert_null(plain);
        assert_int_equal(err.kind, CERTMAP_ERR_CRYPTO);
        assert_int_equal(secret_opener_decrypt(o, foreign, &plain, &err), -1);
        assert_non_null(strstr(err.message, "wrong key"));
        assert_int_equal(secret_opener_decrypt(o, "plain text", &plain, &err), -1);
        assert_non_null(strstr(err.message, "not an encrypted password"));
        assert_int_equal(secret_opener_decrypt(o, b, &plain, &err), 0);
        assert_string_equal(plain, "");
        secret_free(plain);
    }
    secret_opener_free(o);
    secret_opener_free(NULL);
    free(a);
    free(b);
    free(bad);
    free(foreign);
}

/* Several processes creating the key at once all end up with the same key. */
static void
test_concurrent_key_creation_agrees(void **state)
{
    struct ctx *c = *state;
    struct certmap_error err = {0};
    unsigned char key[SECRET_KEY_LEN], got[8][SECRET_KEY_LEN];
    char path[1024];
    int go[2], res[8][2], i, status;
    pid_t pids[8];
    char byte;

    snprintf(path, sizeof(path), "%s/race.key", c->dir);
    assert_int_equal(pipe(go), 0);
    for (i = 0; i < 8; i++) {
        assert_int_equal(pipe(res[i]), 0);
        pids[i] = fork();
        assert_true(pids[i] >= 0);
        if (pids[i] == 0) {
            close(go[1]);
            /* Wait until the parent closes the pipe, so that all start together. */
            while (read(go[0], &byte, 1) > 0)
                ;
            if (secret_key_load(path, true, key, &err) != 0)
                _exit(1);
            _exit(write(res[i][1], key, sizeof(key)) == (ssize_t)sizeof(key) ? 0 : 1);
        }
        close(res[i][1]);
    }
    close(go[0]);
    close(go[1]);
    for (i = 0; i < 8; i++) {
        assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        assert_int_equal(read(res[i][0], got[i], SECRET_KEY_LEN), SECRET_KEY_LEN);
        close(res[i][0]);
    }
    assert_int_equal(secret_key_load(path, false, key, &err), 0);
    for (i = 0; i < 8; i++)
        assert_memory_equal(got[i], key, SECRET_KEY_LEN);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_file_created_0640_and_reloaded),
        cmocka_unit_test(test_key_file_refusals),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_empty_password_is_distinguishable),
        cmocka_unit_test(test_every_text_alteration_rejected),
        cmocka_unit_test(test_every_bit_of_payload_authenticated),
        cmocka_unit_test(test_wrong_key_and_malformed),
        cmocka_unit_test(test_opener),
        cmocka_unit_test(test_concurrent_key_creation_agrees),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
