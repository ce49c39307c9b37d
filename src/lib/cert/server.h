/*
 * cert/server.h - the server certificate of an https binding, read as
 * certmapd serves it and as `certmapd -t` and `certmap validate` check it.
 *
 * A binding names its certificate either by files (certificateFile: the
 * certificate then its chain; certificateKeyFile, or the key in the same
 * file) or as IIS does, by the SHA-1 thumbprint (certificateHash) of a
 * certificate in a store (certificateStoreName: a directory of PEM files,
 * each holding a certificate and its chain, the key in the same file or in
 * the file of the same name ending in .key).  Encrypted keys are refused:
 * a daemon has nobody to type a passphrase.
 */
#ifndef CERTMAP_CERT_SERVER_H
#define CERTMAP_CERT_SERVER_H

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "certmap/error.h"

/* What a binding says about its server certificate. */
struct cert_server_conf {
    const char *cert_file; /* certificateFile (absolute), or NULL */
    const char *key_file;  /* certificateKeyFile (absolute); NULL: the key is in cert_file */
    const char *cert_hash; /* certificateHash (SHA-1 hex, IIS's spacing allowed), used when
                              cert_file is NULL */
    const char *store_dir; /* certificateStoreName as an absolute directory */
    const char *src_file;  /* where the <binding> is written, for messages */
    unsigned src_line;
};

/* A loaded server certificate; every field owned, freed by cert_server_clear(). */
struct cert_server {
    X509 *cert;             /* the server's certificate */
    EVP_PKEY *key;          /* its private key (checked to match cert) */
    STACK_OF(X509) * chain; /* the certificates sent after it, in file order (may be empty) */
    char path[4096];        /* the file cert came from (the store's file for certificateHash) */
};

/*
 * Loads the certificate, chain and key that conf names into *out (zeroed
 * first) and checks that the key matches the certificate.  0, or -1 with
 * *out empty and err at conf's file:line naming the attribute
 * (certificateFile, certificateKeyFile, certificateHash,
 * certificateStoreName) and the file: missing or unreadable, no
 * certificate, no key or an encrypted one, a key of another certificate, no
 * certificate with that thumbprint in the store.
 */
int cert_server_load(const struct cert_server_conf *conf, struct cert_server *out,
                     struct certmap_error *err);

/* Frees what s holds and zeroes it; s may be empty. */
void cert_server_clear(struct cert_server *s);

/*
 * An OpenSSL passphrase callback that never prompts on the terminal: an
 * encrypted key is an error, for the server and for `certmapd -t` alike.
 */
int cert_no_passphrase(char *buf, int size, int rwflag, void *u);

#endif
