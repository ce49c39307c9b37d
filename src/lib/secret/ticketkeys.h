/*
 * secret/ticketkeys.h - the shared session-ticket key file
 * (<certmap><server ticketKeyFile="...">, docs/ticket-keys.md).  Part of the
 * secret module's library (certmap_secret).
 *
 * Format: text, one key per line, the current key first, then at most two
 * previous keys (accepted for decryption only).  A key is the base64 (108
 * characters, RFC 4648 with padding) of 80 random bytes laid out as nginx's
 * 80-byte ssl_session_ticket_key files: 16 bytes key name, 32 bytes HMAC
 * secret, 32 bytes AES-256 key.  Blank lines and lines starting with '#' are
 * ignored; blanks around a key are not allowed (a key is exact or wrong).
 * Two keys with the same name are an error (a ticket names its key).
 *
 * The file is a secret: it must be a regular file that neither group nor
 * others may read or write (mode 0600 or stricter), else it is refused -
 * never read "just this once".
 */
#ifndef CERTMAP_SECRET_TICKETKEYS_H
#define CERTMAP_SECRET_TICKETKEYS_H

#include <stddef.h>
#include <time.h>

#include "certmap/error.h"

#define TICKETKEYS_MAX 3   /* current + two previous */
#define TICKETKEY_BYTES 80 /* name 16 + HMAC 32 + AES 32 */
#define TICKETKEYS_FILE_MAX 4096

struct ticketkey {
    unsigned char name[16]; /* public: sent in every ticket */
    unsigned char hmac[32]; /* secret: HMAC-SHA256 key */
    unsigned char aes[32];  /* secret: AES-256-CBC key */
    unsigned line;          /* line in the file, 0 for a key not read from one */
};

struct ticketkeys {
    struct ticketkey k[TICKETKEYS_MAX]; /* k[0] encrypts new tickets; all decrypt */
    size_t n;                           /* 1..TICKETKEYS_MAX after a successful parse */
    time_t mtime;                       /* the file's modification time (ticketkeys_load) */
};

/*
 * Parses the text of a key file, text[0..len) (need not be NUL-terminated).
 * file names the file in errors ("file:line: ..."; NULL: "ticket key file").
 * Returns 0 with out filled, or -1 with err filled (kind CERTMAP_ERR_INVALID,
 * file and line of the first bad line) and out wiped: a line that is not
 * exactly 80 bytes of base64, more than three keys, no key, a repeated key name.
 */
int ticketkeys_parse(const char *text, size_t len, const char *file, struct ticketkeys *out,
                     struct certmap_error *err);

/*
 * Reads and parses the file at path.  Refused (-1, err naming path) when it
 * cannot be opened, is not a regular file, is larger than
 * TICKETKEYS_FILE_MAX, or when group or others have any permission on it
 * ("mode 0640: group or others may read it; chmod 600").  0 on success.
 */
int ticketkeys_load(const char *path, struct ticketkeys *out, struct certmap_error *err);

/* Fills k with a fresh random key (line 0).  0, or -1 and err when the RNG fails. */
int ticketkeys_generate(struct ticketkey *k, struct certmap_error *err);

/*
 * The file text of keys (a comment line, then one base64 line per key, in
 * order).  Returns a malloc'd string (wipe with ticketkeys_free_text()) and
 * *len, or NULL when out of memory.
 */
char *ticketkeys_format(const struct ticketkeys *keys, size_t *len);

/* Wipes and frees a text from ticketkeys_format().  NULL is ignored. */
void ticketkeys_free_text(char *text, size_t len);

/* Wipes keys (OPENSSL_cleanse). */
void ticketkeys_clear(struct ticketkeys *keys);

#endif
