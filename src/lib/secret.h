/*
 * secret.h - password envelopes "[enc:AesProvider:<base64>:enc]".
 *
 * The base64 (standard alphabet, padded, one line) holds version byte 1, a
 * random 12-byte nonce, the AES-256-GCM ciphertext and its 16-byte tag; the
 * version byte and the string "AesProvider" are authenticated as additional
 * data.  The 32-byte key lives in a key file (mode 0600, or 0640 so that the
 * service reads it through its group) beside the configuration, created on
 * first need.  Key file format: 64 hex digits (any
 * case) and an optional newline; certmap writes lower case with a newline
 * (65 bytes).  Failure never yields an empty password: every error path
 * returns -1.
 *
 * Empty passwords: an envelope of "" is valid and decrypts to "" (return 0,
 * *plain[0] == '\0').  Callers that must not accept one (logon) test
 * (*plain)[0] == '\0' after a successful secret_decrypt().
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
 * with a fresh random key, mode 0640 and, when root creates it, the owner
 * and group of its directory (the service's group reads it, as Debian's
 * ssl-cert group reads private keys); an existing file is never replaced
 * (of two processes creating it at once, both end up with the winner's key).
 * A file of the wrong size, not hex, writable by its group or with any
 * permission for others is an error.  0, or -1 and err filled (err->file is the key file).  The
 * caller wipes key with OPENSSL_cleanse() when done.
 */
int secret_key_load(const char *path, bool create, unsigned char key[SECRET_KEY_LEN],
                    struct certmap_error *err);

/*
 * Encrypts the C string plain (at most 32 KiB) with a fresh random nonce into
 * a malloc'd envelope (*out, caller frees; it holds no secret).  0, or -1 and
 * err filled.
 */
int secret_encrypt(const unsigned char key[SECRET_KEY_LEN], const char *plain, char **out,
                   struct certmap_error *err);

/*
 * Decrypts an envelope into a malloc'd NUL-terminated *plain (caller frees it
 * with secret_free(), which wipes it).  -1, *plain NULL and err filled for a
 * malformed, truncated or altered envelope, an unknown version or provider, or
 * a wrong key; err carries no file/line, the caller adds the attribute's.
 */
int secret_decrypt(const unsigned char key[SECRET_KEY_LEN], const char *envelope, char **plain,
                   struct certmap_error *err);

/* Wipes and frees a secret string. NULL is ignored. */
void secret_free(char *s);

/*
 * Many envelopes under one key (100 000 mappings at load): the cipher context
 * and its key schedule are made once.  secret_opener_new() returns NULL when
 * memory runs out; secret_opener_decrypt() is secret_decrypt() with o's key
 * (usable again after a failure); secret_opener_free() wipes the key and
 * accepts NULL.  One thread at a time per opener.
 */
struct secret_opener;
struct secret_opener *secret_opener_new(const unsigned char key[SECRET_KEY_LEN]);
int secret_opener_decrypt(struct secret_opener *o, const char *envelope, char **plain,
                          struct certmap_error *err);
void secret_opener_free(struct secret_opener *o);

#endif
