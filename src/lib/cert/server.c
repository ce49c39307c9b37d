/*
 * cert/server.c - the server certificate of an https binding (see server.h).
 */
#include "cert/server.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "certmap/cert.h"
#include "codec.h"

int
cert_no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)u;
    return 0;
}

static int
conf_error(struct certmap_error *err, const struct cert_server_conf *conf, const char *attr,
           const char *fmt, const char *what)
{
    certmap_error_set(err, CERTMAP_ERR_INVALID, conf->src_file, conf->src_line, "binding", attr,
                      fmt, what);
    certmap_error_add_openssl(err);
    return -1;
}

/* Normalises a thumbprint as IIS writes it (any case, spaces, stray invisible characters). */
static int
parse_hash(const char *text, unsigned char out[20])
{
    unsigned char buf[32];
    char clean[64];
    size_t n = 0;

    for (; *text != '\0'; text++) {
        char c = *text;
        if (codec_hex_digit((unsigned char)c) >= 0) {
            if (n + 1 >= sizeof(clean))
                return -1;
            clean[n++] = c;
        }
    }
    clean[n] = '\0';
    if (certmap_parse_fingerprint(clean, buf) != 20)
        return -1;
    memcpy(out, buf, 20);
    return 0;
}

/*
 * Reads the certificate and chain of a PEM file into s (the first as the
 * certificate, with OpenSSL's trust settings as the TLS loader reads it).
 * 0, or -1 when the file cannot be opened or holds no certificate.
 */
static int
read_certs(const char *path, struct cert_server *s, int *open_err)
{
    FILE *f;
    X509 *x;

    f = fopen(path, "r");
    *open_err = f == NULL ? errno : 0;
    if (f == NULL)
        return -1;
    s->cert = PEM_read_X509_AUX(f, NULL, cert_no_passphrase, NULL);
    s->chain = sk_X509_new_null();
    while (s->cert != NULL && s->chain != NULL &&
           (x = PEM_read_X509(f, NULL, cert_no_passphrase, NULL)) != NULL) {
        if (sk_X509_push(s->chain, x) == 0) {
            X509_free(x);
            break;
        }
    }
    fclose(f);
    ERR_clear_error();
    if (s->cert == NULL || s->chain == NULL) {
        cert_server_clear(s);
        return -1;
    }
    snprintf(s->path, sizeof(s->path), "%s", path);
    return 0;
}

static EVP_PKEY *
read_key(const char *path, int *open_err)
{
    EVP_PKEY *key;
    FILE *f;

    f = fopen(path, "r");
    *open_err = f == NULL ? errno : 0;
    if (f == NULL)
        return NULL;
    key = PEM_read_PrivateKey(f, NULL, cert_no_passphrase, NULL);
    fclose(f);
    return key;
}

/*
 * path, followed by why it could not be opened when a system call said so
 * (errno e, 0 when the file opened but did not parse), into buf.  Returns buf.
 */
static const char *
with_reason(const char *path, int e, char *buf, size_t size)
{
    if (e != 0)
        snprintf(buf, size, "%s (%s)", path, strerror(e));
    else
        snprintf(buf, size, "%s", path);
    return buf;
}

/* "dir/name.crt" -> "dir/name.key" into out. */
static void
key_path_of(const char *path, char *out, size_t size)
{
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    size_t base =
        (dot != NULL && (slash == NULL || dot > slash)) ? (size_t)(dot - path) : strlen(path);

    snprintf(out, size, "%.*s.key", (int)base, path);
}

static int
load_files(const struct cert_server_conf *conf, struct cert_server *s, struct certmap_error *err)
{
    const char *key = conf->key_file != NULL ? conf->key_file : conf->cert_file;
    char what[PATH_MAX + 128];
    int oe;

    if (read_certs(conf->cert_file, s, &oe) != 0)
        return conf_error(err, conf, "certificateFile",
                          "cannot load the server certificate chain %s",
                          with_reason(conf->cert_file, oe, what, sizeof(what)));
    s->key = read_key(key, &oe);
    if (s->key == NULL)
        return conf_error(err, conf, "certificateKeyFile", "cannot load the private key %s",
                          with_reason(key, oe, what, sizeof(what)));
    if (X509_check_private_key(s->cert, s->key) != 1)
        return conf_error(err, conf, "certificateKeyFile",
                          "the private key %s does not match the certificate", key);
    return 0;
}

/* The file of conf->store_dir whose first certificate has the SHA-1 want, into s. */
static int
find_in_store(const struct cert_server_conf *conf, const unsigned char want[20],
              struct cert_server *s, struct certmap_error *err)
{
    unsigned char got[20];
    unsigned char *der;
    char path[4096];
    struct dirent *de;
    DIR *dir;
    int len, oe;

    dir = opendir(conf->store_dir);
    if (dir == NULL)
        return conf_error(err, conf, "certificateStoreName", "cannot open the certificate store %s",
                          conf->store_dir);
    while ((de = readdir(dir)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", conf->store_dir, de->d_name);
        if (read_certs(path, s, &oe) != 0)
            continue;
        der = NULL;
        len = i2d_X509(s->cert, &der);
        if (len > 0) {
            certmap_cert_sha1(der, (size_t)len, got);
            OPENSSL_free(der);
            if (memcmp(got, want, 20) == 0)
                break;
        }
        cert_server_clear(s);
    }
    closedir(dir);
    if (s->cert == NULL) {
        certmap_error_set(err, CERTMAP_ERR_INVALID, conf->src_file, conf->src_line, "binding",
                          "certificateHash", "no certificate with thumbprint %s in the store %s",
                          conf->cert_hash, conf->store_dir);
        return -1;
    }
    return 0;
}

/* Uses the certificate of conf->store_dir whose SHA-1 is conf->cert_hash. */
static int
load_store(const struct cert_server_conf *conf, struct cert_server *s, struct certmap_error *err)
{
    unsigned char want[20];
    char keypath[4096];
    int oe;

    if (parse_hash(conf->cert_hash, want) != 0)
        return conf_error(err, conf, "certificateHash",
                          "%s is not a SHA-1 thumbprint (40 hex digits)", conf->cert_hash);
    if (find_in_store(conf, want, s, err) != 0)
        return -1;
    s->key = read_key(s->path, &oe);
    if (s->key == NULL) {
        ERR_clear_error();
        key_path_of(s->path, keypath, sizeof(keypath));
        s->key = read_key(keypath, &oe);
    }
    if (s->key == NULL)
        return conf_error(err, conf, "certificateHash", "no private key for the certificate %s",
                          s->path);
    if (X509_check_private_key(s->cert, s->key) != 1)
        return conf_error(err, conf, "certificateHash",
                          "the certificate and key in %s do not match", s->path);
    return 0;
}

int
cert_server_load(const struct cert_server_conf *conf, struct cert_server *out,
                 struct certmap_error *err)
{
    int ret;

    memset(out, 0, sizeof(*out));
    if (conf->cert_file != NULL)
        ret = load_files(conf, out, err);
    else if (conf->cert_hash != NULL && conf->cert_hash[0] != '\0' && conf->store_dir != NULL)
        ret = load_store(conf, out, err);
    else {
        certmap_error_set(err, CERTMAP_ERR_INVALID, conf->src_file, conf->src_line, "binding",
                          "certificateFile",
                          "an https binding needs certificateFile (and certificateKeyFile) or "
                          "certificateHash and certificateStoreName");
        ret = -1;
    }
    if (ret != 0)
        cert_server_clear(out);
    ERR_clear_error();
    return ret;
}

void
cert_server_clear(struct cert_server *s)
{
    X509_free(s->cert);
    EVP_PKEY_free(s->key);
    sk_X509_pop_free(s->chain, X509_free);
    memset(s, 0, sizeof(*s));
}
