/*
 * ticketkeys.c - the shared session-ticket key file (secret/ticketkeys.h).
 *
 * Strict on purpose: instances that share the file must read the same keys,
 * so anything a second reader could read differently (blanks, a line of 79
 * bytes, a fourth key) is an error with its line, never a guess.
 */
#include "secret/ticketkeys.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "codec.h"

#define KEY_B64_LEN 108 /* codec_b64_encoded_len(80) */

static const char file_header[] =
    "# certmap session-ticket keys: the first key encrypts new tickets, the others\n"
    "# (at most two) only decrypt. Keep mode 0600. See docs/ticket-keys.md.\n";

void
ticketkeys_clear(struct ticketkeys *keys)
{
    OPENSSL_cleanse(keys, sizeof(*keys));
}

static void
key_from_bytes(struct ticketkey *k, const unsigned char b[TICKETKEY_BYTES], unsigned line)
{
    memcpy(k->name, b, 16);
    memcpy(k->hmac, b + 16, 32);
    memcpy(k->aes, b + 48, 32);
    k->line = line;
}

/* One key line: exactly 108 base64 characters that decode to 80 bytes. */
static int
parse_line(const char *s, size_t n, const char *file, unsigned line, struct ticketkey *k,
           struct certmap_error *err)
{
    unsigned char bytes[TICKETKEY_BYTES + 3];
    size_t got = 0, at = 0;
    int ret = -1;

    if (n != KEY_B64_LEN) {
        certmap_error_set(err, CERTMAP_ERR_INVALID, file, line, NULL, NULL,
                          "a key is 108 characters of base64 (80 bytes), this line has %zu "
                          "characters",
                          n);
        goto out;
    }
    if (codec_b64_decode(s, n, bytes, sizeof(bytes), &got, &at) != CODEC_B64_OK ||
        got != TICKETKEY_BYTES) {
        certmap_error_set(err, CERTMAP_ERR_INVALID, file, line, NULL, NULL,
                          "not base64 of an 80-byte key (at column %zu)", at + 1);
        goto out;
    }
    key_from_bytes(k, bytes, line);
    ret = 0;
out:
    OPENSSL_cleanse(bytes, sizeof(bytes));
    return ret;
}

int
ticketkeys_parse(const char *text, size_t len, const char *file, struct ticketkeys *out,
                 struct certmap_error *err)
{
    const char *p = text, *end = text + len, *eol;
    unsigned line = 0;
    size_t n;

    memset(out, 0, sizeof(*out));
    if (file == NULL)
        file = "ticket key file";
    while (p < end) {
        eol = memchr(p, '\n', (size_t)(end - p));
        n = eol != NULL ? (size_t)(eol - p) : (size_t)(end - p);
        line++;
        if (n > 0 && p[n - 1] == '\r')
            n--;
        if (n == 0 || p[0] == '#')
            goto next;
        if (out->n == TICKETKEYS_MAX) {
            certmap_error_set(err, CERTMAP_ERR_INVALID, file, line, NULL, NULL,
                              "more than %d keys (the current one and two previous ones)",
                              TICKETKEYS_MAX);
            goto fail;
        }
        if (parse_line(p, n, file, line, &out->k[out->n], err) != 0)
            goto fail;
        for (size_t i = 0; i < out->n; i++) {
            if (memcmp(out->k[i].name, out->k[out->n].name, 16) == 0) {
                certmap_error_set(err, CERTMAP_ERR_INVALID, file, line, NULL, NULL,
                                  "the same key name as line %u (a ticket names its key)",
                                  out->k[i].line);
                goto fail;
            }
        }
        out->n++;
    next:
        if (eol == NULL)
            break;
        p = eol + 1;
    }
    if (out->n == 0) {
        certmap_error_set(err, CERTMAP_ERR_INVALID, file, line, NULL, NULL,
                          "no key (create one with `certmap ticket-keys rotate --file %s`)", file);
        goto fail;
    }
    return 0;
fail:
    ticketkeys_clear(out);
    return -1;
}

int
ticketkeys_load(const char *path, struct ticketkeys *out, struct certmap_error *err)
{
    char buf[TICKETKEYS_FILE_MAX + 1];
    struct stat st;
    size_t len = 0;
    ssize_t r;
    int fd = -1, ret = -1;

    memset(out, 0, sizeof(*out));
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        certmap_error_set(err, CERTMAP_ERR_IO, path, 0, NULL, NULL, "cannot open: %s",
                          strerror(errno));
        goto out;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        certmap_error_set(err, CERTMAP_ERR_INVALID, path, 0, NULL, NULL, "not a regular file");
        goto out;
    }
    /* A secret others could read is no secret: refuse rather than serve with it. */
    if ((st.st_mode & 077) != 0) {
        certmap_error_set(err, CERTMAP_ERR_INVALID, path, 0, NULL, NULL,
                          "mode %04o: group or others have access to the session-ticket keys; "
                          "chmod 600 it",
                          (unsigned)(st.st_mode & 07777));
        goto out;
    }
    if (st.st_size > TICKETKEYS_FILE_MAX) {
        certmap_error_set(err, CERTMAP_ERR_INVALID, path, 0, NULL, NULL,
                          "%lld bytes: too large for a ticket key file (at most %d)",
                          (long long)st.st_size, TICKETKEYS_FILE_MAX);
        goto out;
    }
    while (len < sizeof(buf)) {
        r = read(fd, buf + len, sizeof(buf) - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            certmap_error_set(err, CERTMAP_ERR_IO, path, 0, NULL, NULL, "read failed: %s",
                              strerror(errno));
            goto out;
        }
        if (r == 0)
            break;
        len += (size_t)r;
    }
    if (len > TICKETKEYS_FILE_MAX) {
        certmap_error_set(err, CERTMAP_ERR_INVALID, path, 0, NULL, NULL,
                          "too large for a ticket key file (at most %d bytes)",
                          TICKETKEYS_FILE_MAX);
        goto out;
    }
    if (ticketkeys_parse(buf, len, path, out, err) != 0)
        goto out;
    out->mtime = st.st_mtime;
    ret = 0;
out:
    OPENSSL_cleanse(buf, sizeof(buf));
    if (fd >= 0)
        close(fd);
    return ret;
}

int
ticketkeys_generate(struct ticketkey *k, struct certmap_error *err)
{
    unsigned char b[TICKETKEY_BYTES];

    if (RAND_priv_bytes(b, sizeof(b)) != 1) {
        certmap_error_set(err, CERTMAP_ERR_CRYPTO, NULL, 0, NULL, NULL,
                          "the random number generator failed");
        certmap_error_add_openssl(err);
        return -1;
    }
    key_from_bytes(k, b, 0);
    OPENSSL_cleanse(b, sizeof(b));
    return 0;
}

char *
ticketkeys_format(const struct ticketkeys *keys, size_t *len)
{
    size_t hlen = sizeof(file_header) - 1, cap = hlen + keys->n * (KEY_B64_LEN + 1) + 1;
    unsigned char b[TICKETKEY_BYTES];
    char *text = malloc(cap), *p;

    if (text == NULL)
        return NULL;
    memcpy(text, file_header, hlen);
    p = text + hlen;
    for (size_t i = 0; i < keys->n; i++) {
        memcpy(b, keys->k[i].name, 16);
        memcpy(b + 16, keys->k[i].hmac, 32);
        memcpy(b + 48, keys->k[i].aes, 32);
        codec_b64_encode(b, sizeof(b), p);
        p += KEY_B64_LEN;
        *p++ = '\n';
    }
    *p = '\0';
    OPENSSL_cleanse(b, sizeof(b));
    *len = (size_t)(p - text);
    return text;
}

void
ticketkeys_free_text(char *text, size_t len)
{
    if (text == NULL)
        return;
    OPENSSL_cleanse(text, len);
    free(text);
}
