/*
 * fuzz_envelope.c - libFuzzer target for the password-envelope decoder.
 *
 * The input, cut at its first NUL (configuration attributes are C strings),
 * is decrypted with a fixed key, the one tests/fuzz/make-corpus.sh seeds the
 * corpus with.  Invariants (abort on violation):
 *  - failure leaves *plain NULL and a non-empty message;
 *  - success only for something of the envelope's form, and never with
 *    another key (a forgery would need to break AES-GCM);
 *  - what decrypts, encrypts again and decrypts back to the same text.
 * The string is an exact-size heap copy, so ASan catches reads past its end.
 *
 * The fixed key is 00 01 02 ... 1f.  With FUZZ_ENVELOPE_SEAL=1 in the
 * environment, the binary instead reads passwords (one per line) on stdin and
 * prints their envelopes under that key: make-corpus.sh uses it to make seeds.
 *
 * fuzz-sources: src/lib/secret.c src/lib/fileio.c src/lib/error.c src/lib/codec.c
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "secret.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_envelope: invariant failed at line %d: %s\n", __LINE__, #cond);  \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned char key[SECRET_KEY_LEN];
static unsigned char other_key[SECRET_KEY_LEN];

/* Prints one envelope per password line of stdin, then exits: the seed maker. */
static void
seal_stdin(void)
{
    struct certmap_error err = {0};
    char line[4096], *env;
    size_t n;

    while (fgets(line, sizeof(line), stdin) != NULL) {
        n = strcspn(line, "\n");
        line[n] = '\0';
        if (secret_encrypt(key, line, &env, &err) != 0) {
            fprintf(stderr, "fuzz_envelope: %s\n", err.message);
            exit(1);
        }
        printf("%s\n", env);
        free(env);
    }
    exit(0);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *seal = getenv("FUZZ_ENVELOPE_SEAL");
    size_t i;

    (void)argc;
    (void)argv;
    for (i = 0; i < SECRET_KEY_LEN; i++) {
        key[i] = (unsigned char)i;
        other_key[i] = (unsigned char)(i ^ 0x5a);
    }
    if (seal != NULL && strcmp(seal, "1") == 0)
        seal_stdin();
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct certmap_error err = {0};
    char *in, *plain = NULL, *plain2 = NULL, *env = NULL;
    size_t len = strnlen((const char *)data, size);

    in = malloc(len + 1);
    if (in == NULL)
        return 0;
    memcpy(in, data, len);
    in[len] = '\0';
    if (secret_decrypt(key, in, &plain, &err) != 0) {
        CHECK(plain == NULL);
        CHECK(err.kind != CERTMAP_ERR_NONE && err.message[0] != '\0');
    } else {
        CHECK(plain != NULL);
        CHECK(secret_is_envelope(in));
        CHECK(strlen(plain) < len);
        CHECK(secret_decrypt(other_key, in, &plain2, &err) != 0 && plain2 == NULL);
        CHECK(secret_encrypt(key, plain, &env, &err) == 0);
        CHECK(secret_decrypt(key, env, &plain2, &err) == 0);
        CHECK(strcmp(plain, plain2) == 0);
    }
    secret_free(plain);
    secret_free(plain2);
    free(env);
    free(in);
    return 0;
}
