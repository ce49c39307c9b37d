/*
 * tickets.c - session-ticket keys of a site (tickets.h).
 */
#include "tickets.h"

#include <stdint.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

/* Changing it changes every derived key: tickets of older versions then fall back to a full
   handshake, which is safe. */
static const char derive_salt[] = "certmap session-ticket keys v1";

int
tickets_site_random(struct tickets_site *t)
{
    memset(t, 0, sizeof(*t));
    if (RAND_bytes(t->k[0].name, sizeof(t->k[0].name)) != 1 ||
        RAND_priv_bytes(t->k[0].hmac, sizeof(t->k[0].hmac)) != 1 ||
        RAND_priv_bytes(t->k[0].aes, sizeof(t->k[0].aes)) != 1) {
        tickets_site_clear(t);
        return -1;
    }
    t->n = 1;
    return 0;
}

/* HKDF-SHA256(ikm = the file key's 80 bytes, salt, info = site context) -> 80 bytes. */
static int
derive_one(struct tickets_key *out, const struct ticketkey *in, const unsigned char *info,
           size_t info_len)
{
    unsigned char ikm[TICKETKEY_BYTES], okm[TICKETKEY_BYTES];
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    EVP_KDF_CTX *kctx = kdf != NULL ? EVP_KDF_CTX_new(kdf) : NULL;
    OSSL_PARAM params[5];
    int ret = -1;

    memcpy(ikm, in->name, 16);
    memcpy(ikm + 16, in->hmac, 32);
    memcpy(ikm + 48, in->aes, 32);
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
    params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, ikm, sizeof(ikm));
    params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)derive_salt,
                                                  sizeof(derive_salt) - 1);
    params[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, info_len);
    params[4] = OSSL_PARAM_construct_end();
    if (kctx == NULL || EVP_KDF_derive(kctx, okm, sizeof(okm), params) != 1)
        goto out;
    memcpy(out->name, okm, 16);
    memcpy(out->hmac, okm + 16, 32);
    memcpy(out->aes, okm + 48, 32);
    ret = 0;
out:
    OPENSSL_cleanse(ikm, sizeof(ikm));
    OPENSSL_cleanse(okm, sizeof(okm));
    EVP_KDF_CTX_free(kctx);
    EVP_KDF_free(kdf);
    return ret;
}

int
tickets_site_derive(struct tickets_site *t, const struct ticketkeys *file, unsigned long id,
                    const char *name)
{
    unsigned char info[1024];
    size_t nlen = strlen(name), ilen;

    memset(t, 0, sizeof(*t));
    /* "site", the id as 8 bytes big-endian, the name: one context per site, unambiguous */
    if (nlen > sizeof(info) - 12)
        nlen = sizeof(info) - 12;
    memcpy(info, "site", 4);
    for (int i = 0; i < 8; i++)
        info[4 + i] = (unsigned char)((uint64_t)id >> (56 - 8 * i));
    memcpy(info + 12, name, nlen);
    ilen = 12 + nlen;
    for (size_t i = 0; i < file->n && i < TICKETKEYS_MAX; i++) {
        if (derive_one(&t->k[i], &file->k[i], info, ilen) != 0) {
            tickets_site_clear(t);
            return -1;
        }
    }
    t->n = file->n;
    t->shared = true;
    return 0;
}

/* A random key at k: name, HMAC and AES secrets. 0 or -1. */
static int
random_key(struct ticketkey *k)
{
    memset(k, 0, sizeof(*k));
    if (RAND_bytes(k->name, sizeof(k->name)) != 1 ||
        RAND_priv_bytes(k->hmac, sizeof(k->hmac)) != 1 ||
        RAND_priv_bytes(k->aes, sizeof(k->aes)) != 1) {
        OPENSSL_cleanse(k, sizeof(*k));
        return -1;
    }
    return 0;
}

int
tickets_process_init(struct ticketkeys *pk, time_t now)
{
    memset(pk, 0, sizeof(*pk));
    if (random_key(&pk->k[0]) != 0)
        return -1;
    pk->n = 1;
    pk->mtime = now;
    return 0;
}

int
tickets_process_rotate(struct ticketkeys *pk, time_t now, unsigned lifetime)
{
    struct ticketkey fresh;

    if (pk->n > 0 && now >= pk->mtime && now - pk->mtime < (time_t)lifetime)
        return 0;
    if (random_key(&fresh) != 0)
        return -1;
    /* Two keys: the new one, and the one the tickets still alive were sealed with. */
    OPENSSL_cleanse(&pk->k[1], sizeof(pk->k[1]) * (TICKETKEYS_MAX - 1));
    if (pk->n > 0)
        pk->k[1] = pk->k[0];
    pk->k[0] = fresh;
    OPENSSL_cleanse(&fresh, sizeof(fresh));
    pk->n = pk->n > 0 ? 2 : 1;
    pk->mtime = now;
    return 1;
}

int
tickets_site_from_process(struct tickets_site *t, const struct ticketkeys *pk, unsigned long id,
                          const char *name)
{
    if (tickets_site_derive(t, pk, id, name) != 0)
        return -1;
    t->shared = false;
    return 0;
}

const struct tickets_key *
tickets_find(const struct tickets_site *t, const unsigned char name[16])
{
    for (size_t i = 0; i < t->n; i++)
        if (CRYPTO_memcmp(t->k[i].name, name, 16) == 0)
            return &t->k[i];
    return NULL;
}

void
tickets_site_clear(struct tickets_site *t)
{
    OPENSSL_cleanse(t, sizeof(*t));
}
