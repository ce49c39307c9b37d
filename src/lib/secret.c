/*
 * secret.c - password envelopes "[enc:AesProvider:<base64>:enc]" and their
 * key file.
 *
 * AES-256-GCM with a fresh random nonce per value; the version byte and the
 * provider name are authenticated as additional data, so that neither can be
 * changed without the tag failing.  Every failure returns -1: a caller that
 * ignores the text of the error still never gets an empty password.
 */
#include "secret.h"

#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "codec.h"
#include "fileio.h"

#define ENV_PREFIX "[enc:"
#define ENV_PROVIDER "AesProvider"
#define ENV_SUFFIX ":enc]"
#define ENV_VERSION 1
#define NONCE_LEN 12
#define TAG_LEN 16
#define HEADER_LEN (1 + NONCE_LEN)

/* Longest envelope accepted; far above any password, well below anything that could hurt. */
#define ENV_MAX_TEXT 65536

/* Key file: 64 hex digits and an optional newline. */
#define KEY_HEX_LEN (2 * SECRET_KEY_LEN)

static const unsigned char aad_provider[] = ENV_PROVIDER;

bool
secret_is_envelope(const char *s)
{
    size_t n;

    if (s == NULL)
        return false;
    n = strlen(s);
    return n >= strlen(ENV_PREFIX) + strlen(ENV_SUFFIX) &&
           strncmp(s, ENV_PREFIX, strlen(ENV_PREFIX)) == 0 &&
           strcmp(s + n - strlen(ENV_SUFFIX), ENV_SUFFIX) == 0;
}

void
secret_free(char *s)
{
    if (s == NULL)
        return;
    OPENSSL_cleanse(s, strlen(s));
    free(s);
}

/* Parses a key file's content (64 hex digits, optional "\n" or "\r\n") into key. */
static int
parse_key(const unsigned char *buf, size_t n, const char *path, unsigned char key[SECRET_KEY_LEN],
          struct certmap_error *err)
{
    size_t bad = 0;

    if (n == KEY_HEX_LEN + 2 && buf[KEY_HEX_LEN] == '\r' && buf[KEY_HEX_LEN + 1] == '\n')
        n = KEY_HEX_LEN;
    else if (n == KEY_HEX_LEN + 1 && buf[KEY_HEX_LEN] == '\n')
        n = KEY_HEX_LEN;
    if (n != KEY_HEX_LEN)
        return certmap_error_set(err, CERTMAP_ERR_INVALID, path, 0, NULL, NULL,
                                 "key file has %zu bytes; expected %d hex digits (a %d-byte key)",
                                 n, KEY_HEX_LEN, SECRET_KEY_LEN);
    if (codec_hex_decode((const char *)buf, KEY_HEX_LEN, key, &bad) != 0) {
        OPENSSL_cleanse(key, SECRET_KEY_LEN);
        return certmap_error_set(err, CERTMAP_ERR_INVALID, path, 0, NULL, NULL,
                                 "key file is not hex: bad character at offset %zu", bad);
    }
    return 0;
}

/* Reads an existing key file, refusing one that others can read. 0, 1 when missing, -1. */
static int
read_key(const char *path, unsigned char key[SECRET_KEY_LEN], struct certmap_error *err)
{
    unsigned char buf[KEY_HEX_LEN + 3];
    struct stat st;
    size_t n = 0;
    ssize_t r;
    int fd, ret = -1;

    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0 && errno == ENOENT)
        return 1;
    if (fd < 0)
        return certmap_error_set(err, CERTMAP_ERR_IO, path, 0, NULL, NULL,
                                 "cannot open key file: %s", strerror(errno));
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        certmap_error_set(err, CERTMAP_ERR_IO, path, 0, NULL, NULL,
                          "key file is not a regular file");
        goto out;
    }
    /*
     * Like ssh with private keys: a key others could have read is no longer
     * secret.  Group read is allowed, as for Debian's ssl-cert keys: it is how
     * the unprivileged service reads a key root created.
     */
    if ((st.st_mode & 027) != 0) {
        certmap_error_set(err, CERTMAP_ERR_INVALID, path, 0, NULL, NULL,
                          "key file is writable by its group or accessible by others (mode "
                          "%04o); it must be 0600 or 0640 (chmod 640 '%s')",
                          (unsigned)(st.st_mode & 07777), path);
        goto out;
    }
    while (n < sizeof(buf)) {
        r = read(fd, buf + n, sizeof(buf) - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            certmap_error_set(err, CERTMAP_ERR_IO, path, 0, NULL, NULL, "cannot read key file: %s",
                              strerror(errno));
            goto out;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    ret = parse_key(buf, n, path, key, err);
out:
    OPENSSL_cleanse(buf, sizeof(buf));
    close(fd);
    return ret;
}

/*
 * Creates the key file without ever replacing one: the key is written durably
 * under a private name with fileio_write_atomic(), then link()ed to path,
 * which fails when another process created the key first.  A replaced key
 * would make every password encrypted with the first one unreadable.
 */
static int
create_key(const char *path, struct certmap_error *err)
{
    unsigned char key[SECRET_KEY_LEN];
    char hex[KEY_HEX_LEN + 1], tmp[4096];
    int ret = -1;

    if (snprintf(tmp, sizeof(tmp), "%s.new.%ld", path, (long)getpid()) >= (int)sizeof(tmp))
        return certmap_error_set(err, CERTMAP_ERR_IO, path, 0, NULL, NULL, "path too long");
    if (RAND_priv_bytes(key, sizeof(key)) != 1) {
        certmap_error_set(err, CERTMAP_ERR_CRYPTO, path, 0, NULL, NULL, "cannot generate a key");
        certmap_error_add_openssl(err);
        goto out;
    }
    codec_hex_encode(key, SECRET_KEY_LEN, hex, CODEC_LOWER);
    hex[KEY_HEX_LEN] = '\n';
    if (fileio_write_atomic(tmp, hex, sizeof(hex), 0640, err) != 0)
        goto out;
    if (link(tmp, path) != 0 && errno != EEXIST) {
        certmap_error_set(err, CERTMAP_ERR_IO, path, 0, NULL, NULL, "cannot create key file: %s",
                          strerror(errno));
        unlink(tmp);
        goto out;
    }
    unlink(tmp);
    /* Passwords are about to be encrypted with this key: its name must survive a crash. */
    if (fileio_sync_dir(path, err) != 0)
        goto out;
    ret = 0;
out:
    OPENSSL_cleanse(key, sizeof(key));
    OPENSSL_cleanse(hex, sizeof(hex));
    return ret;
}

int
secret_key_load(const char *path, bool create, unsigned char key[SECRET_KEY_LEN],
                struct certmap_error *err)
{
    int rc;

    rc = read_key(path, key, err);
    if (rc <= 0)
        return rc;
    if (!create)
        return certmap_error_set(err, CERTMAP_ERR_IO, path, 0, NULL, NULL,
                                 "key file does not exist (it is created when a password is "
                                 "first encrypted)");
    if (create_key(path, err) != 0)
        return -1;
    /* Read back whatever won a creation race, with the same checks as any key file. */
    rc = read_key(path, key, err);
    if (rc > 0)
        return certmap_error_set(err, CERTMAP_ERR_IO, path, 0, NULL, NULL,
                                 "key file disappeared right after its creation");
    return rc;
}

/* AAD: the version byte then the provider name, so neither can be swapped. */
static int
set_aad(EVP_CIPHER_CTX *ctx, unsigned char version)
{
    int n;

    return EVP_CipherUpdate(ctx, NULL, &n, &version, 1) == 1 &&
                   EVP_CipherUpdate(ctx, NULL, &n, aad_provider, (int)strlen(ENV_PROVIDER)) == 1
               ? 0
               : -1;
}

/*
 * AES-256-GCM, fetched once: EVP_aes_256_gcm() makes OpenSSL 3 look the
 * cipher up again on every init, and a configuration with 100 000 mappings
 * decrypts 100 000 envelopes at load.  Never freed: one per process.
 */
static pthread_once_t gcm_once = PTHREAD_ONCE_INIT;
static EVP_CIPHER *gcm_fetched;

static void
gcm_fetch(void)
{
    gcm_fetched = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
}

static const EVP_CIPHER *
aes_gcm(void)
{
    pthread_once(&gcm_once, gcm_fetch);
    return gcm_fetched != NULL ? gcm_fetched : EVP_aes_256_gcm();
}

int
secret_encrypt(const unsigned char key[SECRET_KEY_LEN], const char *plain, char **out,
               struct certmap_error *err)
{
    EVP_CIPHER_CTX *ctx = NULL;
    unsigned char *raw = NULL;
    char *text = NULL;
    size_t plain_len = strlen(plain), raw_len, b64_len, pre = strlen(ENV_PREFIX ENV_PROVIDER ":");
    int n, ret = -1;

    *out = NULL;
    if (plain_len > ENV_MAX_TEXT / 2)
        return certmap_error_set(err, CERTMAP_ERR_INVALID, NULL, 0, NULL, NULL,
                                 "password too long (%zu bytes, limit %d)", plain_len,
                                 ENV_MAX_TEXT / 2);
    raw_len = HEADER_LEN + plain_len + TAG_LEN;
    b64_len = codec_b64_encoded_len(raw_len);
    raw = malloc(raw_len);
    text = malloc(pre + b64_len + strlen(ENV_SUFFIX) + 1);
    ctx = EVP_CIPHER_CTX_new();
    if (raw == NULL || text == NULL || ctx == NULL) {
        certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL, "out of memory");
        goto out;
    }
    raw[0] = ENV_VERSION;
    if (RAND_bytes(raw + 1, NONCE_LEN) != 1 ||
        EVP_EncryptInit_ex(ctx, aes_gcm(), NULL, key, raw + 1) != 1 ||
        set_aad(ctx, ENV_VERSION) != 0 ||
        EVP_EncryptUpdate(ctx, raw + HEADER_LEN, &n, (const unsigned char *)plain,
                          (int)plain_len) != 1 ||
        EVP_EncryptFinal_ex(ctx, raw + HEADER_LEN + n, &n) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_LEN, raw + HEADER_LEN + plain_len) !=
            1) {
        certmap_error_set(err, CERTMAP_ERR_CRYPTO, NULL, 0, NULL, NULL,
                          "cannot encrypt the password");
        certmap_error_add_openssl(err);
        goto out;
    }
    memcpy(text, ENV_PREFIX ENV_PROVIDER ":", pre);
    codec_b64_encode(raw, raw_len, text + pre);
    memcpy(text + pre + b64_len, ENV_SUFFIX, strlen(ENV_SUFFIX) + 1);
    *out = text;
    text = NULL;
    ret = 0;
out:
    EVP_CIPHER_CTX_free(ctx);
    free(raw);
    free(text);
    return ret;
}

/*
 * Strict single-line base64 of s[0..n) into a malloc'd *raw: alphabet only,
 * padding only at the end, no unused bits set (codec_b64_decode()), so one
 * envelope has one spelling.
 */
static int
b64_decode_strict(const char *s, size_t n, unsigned char **raw, size_t *raw_len,
                  struct certmap_error *err)
{
    unsigned char *buf = NULL;
    size_t len = 0, at = 0;
    enum codec_b64_result rc;
    int ret = -1;

    buf = malloc(codec_b64_decoded_max(n) + 1);
    if (buf == NULL)
        return certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL, "out of memory");
    /* An empty envelope is as truncated as a short one. */
    rc = n == 0 ? CODEC_B64_TRUNCATED
                : codec_b64_decode(s, n, buf, codec_b64_decoded_max(n), &len, &at);
    switch (rc) {
    case CODEC_B64_OK:
        break;
    case CODEC_B64_TRUNCATED:
        certmap_error_set(err, CERTMAP_ERR_INVALID, NULL, 0, NULL, NULL,
                          "invalid envelope: base64 length %zu is not a multiple of 4", n);
        goto out;
    case CODEC_B64_BAD_CHAR:
    case CODEC_B64_BAD_PAD:
        certmap_error_set(err, CERTMAP_ERR_INVALID, NULL, 0, NULL, NULL,
                          "invalid envelope: bad base64 character 0x%02x at offset %zu",
                          (unsigned char)s[at], at);
        goto out;
    case CODEC_B64_AFTER_PAD:
        certmap_error_set(err, CERTMAP_ERR_INVALID, NULL, 0, NULL, NULL,
                          "invalid envelope: base64 continues after its padding at offset %zu", at);
        goto out;
    case CODEC_B64_UNUSED_BITS:
        certmap_error_set(err, CERTMAP_ERR_INVALID, NULL, 0, NULL, NULL,
                          "invalid envelope: non-canonical base64 padding");
        goto out;
    case CODEC_B64_NO_ROOM:
        certmap_error_set(err, CERTMAP_ERR_INVALID, NULL, 0, NULL, NULL,
                          "invalid envelope: bad base64");
        goto out;
    }
    *raw = buf;
    *raw_len = len;
    buf = NULL;
    ret = 0;
out:
    free(buf);
    return ret;
}

/* Splits "[enc:AesProvider:<b64>:enc]" into the base64 part. */
static int
split_envelope(const char *env, const char **b64, size_t *b64_len, struct certmap_error *err)
{
    size_t n, pre = strlen(ENV_PREFIX), prov;
    const char *colon;

    if (!secret_is_envelope(env))
        return certmap_error_set(err, CERTMAP_ERR_INVALID, NULL, 0, NULL, NULL,
                                 "not an encrypted password: expected \"" ENV_PREFIX ENV_PROVIDER
                                 ":...:enc]\"");
    n = strlen(env);
    if (n > ENV_MAX_TEXT)
        return certmap_error_set(err, CERTMAP_ERR_INVALID, NULL, 0, NULL, NULL,
                                 "invalid envelope: %zu characters, limit %d", n, ENV_MAX_TEXT);
    colon = memchr(env + pre, ':', n - pre - strlen(ENV_SUFFIX));
    prov = colon == NULL ? 0 : (size_t)(colon - env) - pre;
    if (colon == NULL || prov != strlen(ENV_PROVIDER) || memcmp(env + pre, ENV_PROVIDER, prov) != 0)
        return certmap_error_set(err, CERTMAP_ERR_INVALID, NULL, 0, NULL, NULL,
                                 "unsupported envelope provider \"%.*s\" (certmap reads "
                                 "only " ENV_PROVIDER ")",
                                 colon == NULL ? 0 : (int)(prov > 64 ? 64 : prov), env + pre);
    *b64 = colon + 1;
    *b64_len = n - pre - prov - 1 - strlen(ENV_SUFFIX);
    return 0;
}

/*
 * Decrypts envelope with ctx, which holds AES-256-GCM and the key already (the
 * key schedule is made once per context): only the nonce is set here.
 */
static int
decrypt_with(EVP_CIPHER_CTX *ctx, const char *envelope, char **plain, struct certmap_error *err)
{
    unsigned char *raw = NULL, *text = NULL;
    const char *b64 = NULL;
    size_t b64_len = 0, raw_len = 0, ct_len = 0;
    int n, ret = -1;

    *plain = NULL;
    if (split_envelope(envelope, &b64, &b64_len, err) != 0 ||
        b64_decode_strict(b64, b64_len, &raw, &raw_len, err) != 0)
        goto out;
    if (raw_len < HEADER_LEN + TAG_LEN) {
        certmap_error_set(err, CERTMAP_ERR_INVALID, NULL, 0, NULL, NULL,
                          "invalid envelope: truncated (%zu bytes, at least %d expected)", raw_len,
                          HEADER_LEN + TAG_LEN);
        goto out;
    }
    if (raw[0] != ENV_VERSION) {
        certmap_error_set(err, CERTMAP_ERR_INVALID, NULL, 0, NULL, NULL,
                          "invalid envelope: unknown version %u (an envelope written by IIS "
                          "cannot be read; set the password again)",
                          raw[0]);
        goto out;
    }
    ct_len = raw_len - HEADER_LEN - TAG_LEN;
    text = malloc(ct_len + 1);
    if (text == NULL) {
        certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL, "out of memory");
        goto out;
    }
    if (EVP_DecryptInit_ex(ctx, NULL, NULL, NULL, raw + 1) != 1 || set_aad(ctx, raw[0]) != 0 ||
        EVP_DecryptUpdate(ctx, text, &n, raw + HEADER_LEN, (int)ct_len) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN, raw + HEADER_LEN + ct_len) != 1 ||
        EVP_DecryptFinal_ex(ctx, text + n, &n) != 1) {
        certmap_error_set(err, CERTMAP_ERR_CRYPTO, NULL, 0, NULL, NULL,
                          "cannot decrypt the password: wrong key, or the envelope was altered");
        goto out;
    }
    /* secret_encrypt() takes a C string: a NUL inside means this is not one of ours. */
    if (memchr(text, '\0', ct_len) != NULL) {
        certmap_error_set(err, CERTMAP_ERR_INVALID, NULL, 0, NULL, NULL,
                          "invalid envelope: the password contains a NUL byte");
        goto out;
    }
    text[ct_len] = '\0';
    *plain = (char *)text;
    text = NULL;
    ret = 0;
out:
    /* Drop OpenSSL's queue: a failed tag check leaves nothing useful there. */
    if (ret != 0)
        ERR_clear_error();
    if (text != NULL) {
        OPENSSL_cleanse(text, ct_len + 1);
        free(text);
    }
    free(raw);
    return ret;
}

/* A context holding AES-256-GCM and key, or NULL (out of memory, or OpenSSL refused). */
static EVP_CIPHER_CTX *
keyed_ctx(const unsigned char key[SECRET_KEY_LEN])
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();

    if (ctx != NULL && EVP_DecryptInit_ex(ctx, aes_gcm(), NULL, key, NULL) != 1) {
        EVP_CIPHER_CTX_free(ctx);
        ctx = NULL;
    }
    ERR_clear_error();
    return ctx;
}

int
secret_decrypt(const unsigned char key[SECRET_KEY_LEN], const char *envelope, char **plain,
               struct certmap_error *err)
{
    EVP_CIPHER_CTX *ctx = keyed_ctx(key);
    int ret;

    *plain = NULL;
    if (ctx == NULL)
        return certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL, "out of memory");
    ret = decrypt_with(ctx, envelope, plain, err);
    EVP_CIPHER_CTX_free(ctx);
    return ret;
}

struct secret_opener {
    EVP_CIPHER_CTX *ctx; /* AES-256-GCM with the key; the nonce changes per envelope */
};

struct secret_opener *
secret_opener_new(const unsigned char key[SECRET_KEY_LEN])
{
    struct secret_opener *o = calloc(1, sizeof(*o));

    if (o == NULL)
        return NULL;
    o->ctx = keyed_ctx(key);
    if (o->ctx == NULL) {
        free(o);
        return NULL;
    }
    return o;
}

int
secret_opener_decrypt(struct secret_opener *o, const char *envelope, char **plain,
                      struct certmap_error *err)
{
    return decrypt_with(o->ctx, envelope, plain, err);
}

void
secret_opener_free(struct secret_opener *o)
{
    if (o == NULL)
        return;
    /* EVP_CIPHER_CTX_free() wipes the key schedule */
    EVP_CIPHER_CTX_free(o->ctx);
    free(o);
}
