/*
 * secret.h - password envelopes "[enc:AesProvider:<base64>:enc]".
 *
 * The base64 holds version byte 1, a random 12-byte nonce, the AES-256-GCM
 * ciphertext and its 16-byte tag.  The 32-byte key lives in a key file (mode
 * 0600) beside the configuration, created on first need.  Failure never
 * yields an empty password: every error path returns -1.
 */
#ifndef CERTMAP_SECRET_H
#define CERTMAP_SECRET_H

#include <stdbool.h>
#include <stddef.h>

#include "certmap/error.h"

#define SECRET_KEY_LEN 32

/* true when s has the form of an envelope (prefix and suffix); says nothing of its validity. */
bool secret_is_envelope(const char *s);

/*
 * Loads the key from path.  With create, a missing file is created atomically
 * with a fresh random key and mode 0600.  A file of the wrong size or with
 * group/other permissions is an error.  0, or -1 and err filled.
 */
int secret_key_load(const char *path, bool create, unsigned char key[SECRET_KEY_LEN],
                    struct certmap_error *err);

/* Encrypts plain into a malloc'd envelope (*out). 0, or -1 and err filled. */
int secret_encrypt(const unsigned char key[SECRET_KEY_LEN], const char *plain, char **out,
                   struct certmap_error *err);

/*
 * Decrypts an envelope into a malloc'd NUL-terminated *plain (caller wipes
 * with OPENSSL_cleanse() and frees).  -1 and err filled for a malformed,
 * truncated or altered envelope or a wrong key.
 */
int secret_decrypt(const unsigned char key[SECRET_KEY_LEN], const char *envelope, char **plain,
                   struct certmap_error *err);

/* Wipes and frees a secret string. NULL is ignored. */
void secret_free(char *s);

#endif
