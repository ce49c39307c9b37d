/*
 * tickets.h - the session-ticket keys of a site.
 *
 * Without <server ticketKeyFile> every snapshot gives each site one random
 * key, so tickets live as long as the process and its configuration.  With
 * it, each site's keys are derived from the file's keys (HKDF-SHA256 over
 * the file key, the site's id and name as context): every instance that
 * shares the file derives the same keys for the same site, and no two sites
 * share a key, so a ticket of site A fails to decrypt on site B - the site
 * binding is in the key derivation, as it was in the per-site random keys.
 * The file's first key encrypts new tickets; the others only decrypt.
 *
 * Without the file, the server holds a key set of its own in memory (the
 * process keys, made at start and kept across reloads), from which each
 * site's keys are derived the same way: a reload that keeps a site keeps
 * its keys, so a ticket issued before the reload decrypts after it.  The
 * process keys rotate at a reload once the current key is older than the
 * ticket lifetime (tickets_process_rotate()), as the per-snapshot random
 * key did at every reload before.
 */
#ifndef CERTMAP_SERVER_TICKETS_H
#define CERTMAP_SERVER_TICKETS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "secret/ticketkeys.h"

struct tickets_key {
    unsigned char name[16]; /* sent in the ticket; tells which key decrypts it */
    unsigned char hmac[32]; /* HMAC-SHA256 key */
    unsigned char aes[32];  /* AES-256-CBC key */
};

struct tickets_site {
    struct tickets_key k[TICKETKEYS_MAX]; /* k[0] encrypts new tickets; k[0..n) decrypt */
    size_t n;
    bool shared; /* derived from the key file: other instances hold the same keys */
};

/* One random key (per process).  0, or -1 when the RNG fails. */
int tickets_site_random(struct tickets_site *t);

/*
 * Derives one key per key of file for the site (id, name), in the file's
 * order.  0, or -1 when OpenSSL's HKDF fails (t wiped).
 */
int tickets_site_derive(struct tickets_site *t, const struct ticketkeys *file, unsigned long id,
                        const char *name);

/*
 * The process keys: one random key in pk->k[0], made at now (pk->mtime).
 * 0, or -1 when the RNG fails (pk wiped).  The caller wipes pk with
 * OPENSSL_cleanse() when done (it is secret).
 */
int tickets_process_init(struct ticketkeys *pk, time_t now);

/*
 * Rotates pk when its current key was made lifetime seconds or more before
 * now: a new random key becomes k[0] and the previous k[0] stays as k[1],
 * for decryption only (a ticket lives at most lifetime seconds, so it never
 * needs an older key); the key before that is wiped.  1 rotated, 0 not yet
 * due, -1 when the RNG fails (pk unchanged, still usable).
 */
int tickets_process_rotate(struct ticketkeys *pk, time_t now, unsigned lifetime);

/*
 * Derives the site's keys from the process keys pk, as tickets_site_derive()
 * does from the file, but not shared (t->shared false: no other instance
 * holds them).  0, or -1 when HKDF fails (t wiped).
 */
int tickets_site_from_process(struct tickets_site *t, const struct ticketkeys *pk, unsigned long id,
                              const char *name);

/* The key of t named name, or NULL (another site's, an older file's, or a forged ticket). */
const struct tickets_key *tickets_find(const struct tickets_site *t, const unsigned char name[16]);

/* Wipes t. */
void tickets_site_clear(struct tickets_site *t);

#endif
