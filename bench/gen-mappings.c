/*
 * gen-mappings - makes the mapping set that every benchmarked server holds.
 *
 * Usage: gen-mappings CA.crt CA.key N KEYFILE OUTDIR [CLIENTS [ecdsa|rsa]]
 *
 * Issues N distinct client certificates from the CA (one shared key pair, so
 * that 100 000 certificates take seconds, not hours; every certificate is
 * still distinct: own serial, own subject, own signature) and writes:
 *   OUTDIR/mappings.xml      <add certificate=... userName="bench" password=[enc:...] /> lines
 *   OUTDIR/nginx-map.conf    "sha1 user;" lines for nginx's map $ssl_client_fingerprint
 *   OUTDIR/haproxy.map       "SHA1 user" lines for HAProxy's map on ssl_c_sha1,hex
 *   OUTDIR/clients/N.crt     the first CLIENTS certificates (default 100) and
 *   OUTDIR/clients/client.key their shared key; OUTDIR/cert-list.txt for mtls-load
 * The password of every mapping is "bench-password", encrypted with KEYFILE
 * (created when missing) like `certmap add mapping` does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "certmap/cert.h"
#include "secret.h"

static EVP_PKEY *
read_key(const char *path)
{
    FILE *f = fopen(path, "r");
    EVP_PKEY *k = NULL;

    if (f != NULL) {
        k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
        fclose(f);
    }
    return k;
}

static X509 *
read_cert(const char *path)
{
    FILE *f = fopen(path, "r");
    X509 *c = NULL;

    if (f != NULL) {
        c = PEM_read_X509(f, NULL, NULL, NULL);
        fclose(f);
    }
    return c;
}

static X509 *
issue(X509 *ca, EVP_PKEY *ca_key, EVP_PKEY *key, long serial)
{
    X509 *x = X509_new();
    X509_NAME *name = X509_NAME_new();
    X509V3_CTX v3;
    X509_EXTENSION *ext;
    char cn[64];

    snprintf(cn, sizeof(cn), "bench-client-%ld", serial);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial + 1000);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (unsigned char *)cn, -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (unsigned char *)"certmap bench", -1, -1,
                               0);
    X509_set_subject_name(x, name);
    X509_set_issuer_name(x, X509_get_subject_name(ca));
    X509_gmtime_adj(X509_getm_notBefore(x), -86400);
    /* a year: certmapd warns of every mapped certificate that expires within
     * certificateExpiryWarningDays (30 by default), 100 000 lines at each load */
    X509_gmtime_adj(X509_getm_notAfter(x), 365L * 86400);
    X509_set_pubkey(x, key);
    X509V3_set_ctx(&v3, ca, x, NULL, NULL, 0);
    ext = X509V3_EXT_conf_nid(NULL, &v3, NID_ext_key_usage, "clientAuth");
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    X509_NAME_free(name);
    if (X509_sign(x, ca_key, EVP_sha256()) == 0) {
        X509_free(x);
        return NULL;
    }
    return x;
}

int
main(int argc, char **argv)
{
    X509 *ca, *x;
    EVP_PKEY *ca_key, *key;
    EVP_PKEY_CTX *kctx;
    unsigned char key_bytes[SECRET_KEY_LEN], sha1[20], *der = NULL;
    char path[4096], hex[41], *b64, *env;
    struct certmap_error err = {0};
    FILE *xml, *ngx, *hap, *list, *f;
    long i, n, clients = 100;
    int len, rsa;

    if (argc < 6) {
        fprintf(stderr,
                "usage: gen-mappings CA.crt CA.key N KEYFILE OUTDIR [CLIENTS [ecdsa|rsa]]\n");
        return 1;
    }
    n = atol(argv[3]);
    if (argc > 6)
        clients = atol(argv[6]);
    rsa = argc > 7 && strcmp(argv[7], "rsa") == 0;
    ca = read_cert(argv[1]);
    ca_key = read_key(argv[2]);
    if (ca == NULL || ca_key == NULL || n <= 0) {
        fprintf(stderr, "gen-mappings: cannot read the CA or bad N\n");
        return 1;
    }
    if (secret_key_load(argv[4], true, key_bytes, &err) != 0) {
        fprintf(stderr, "gen-mappings: %s: %s\n", argv[4], err.message);
        return 1;
    }
    kctx = EVP_PKEY_CTX_new_from_name(NULL, rsa ? "RSA" : "EC", NULL);
    key = NULL;
    if (kctx == NULL || EVP_PKEY_keygen_init(kctx) <= 0 ||
        (rsa ? EVP_PKEY_CTX_set_rsa_keygen_bits(kctx, 2048)
             : EVP_PKEY_CTX_set_group_name(kctx, "P-256")) <= 0 ||
        EVP_PKEY_keygen(kctx, &key) <= 0) {
        fprintf(stderr, "gen-mappings: key generation failed\n");
        return 1;
    }
    EVP_PKEY_CTX_free(kctx);
    snprintf(path, sizeof(path), "%s/clients", argv[5]);
    mkdir(path, 0755);
    snprintf(path, sizeof(path), "%s/clients/client.key", argv[5]);
    f = fopen(path, "w");
    if (f == NULL || PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) != 1) {
        fprintf(stderr, "gen-mappings: cannot write %s\n", path);
        return 1;
    }
    fclose(f);
    snprintf(path, sizeof(path), "%s/mappings.xml", argv[5]);
    xml = fopen(path, "w");
    snprintf(path, sizeof(path), "%s/nginx-map.conf", argv[5]);
    ngx = fopen(path, "w");
    snprintf(path, sizeof(path), "%s/haproxy.map", argv[5]);
    hap = fopen(path, "w");
    snprintf(path, sizeof(path), "%s/cert-list.txt", argv[5]);
    list = fopen(path, "w");
    if (xml == NULL || ngx == NULL || hap == NULL || list == NULL) {
        fprintf(stderr, "gen-mappings: cannot write into %s\n", argv[5]);
        return 1;
    }
    for (i = 0; i < n; i++) {
        x = issue(ca, ca_key, key, i);
        if (x == NULL) {
            fprintf(stderr, "gen-mappings: signing failed\n");
            return 1;
        }
        der = NULL;
        len = i2d_X509(x, &der);
        b64 = certmap_cert_to_iis_string(der, (size_t)len);
        if (secret_encrypt(key_bytes, "bench-password", &env, &err) != 0 || b64 == NULL) {
            fprintf(stderr, "gen-mappings: %s\n", err.message);
            return 1;
        }
        certmap_cert_sha1(der, (size_t)len, sha1);
        certmap_hex(sha1, 20, hex);
        fprintf(xml,
                "<add certificate=\"%s\" userName=\"bench\" password=\"%s\" enabled=\"true\" />\n",
                b64, env);
        fprintf(ngx, "%s \"bench\";\n", hex);
        for (char *p = hex; *p; p++)
            if (*p >= 'a' && *p <= 'f')
                *p = (char)(*p - 'a' + 'A');
        fprintf(hap, "%s bench\n", hex);
        if (i < clients) {
            snprintf(path, sizeof(path), "%s/clients/%ld.crt", argv[5], i);
            f = fopen(path, "w");
            if (f == NULL || PEM_write_X509(f, x) != 1) {
                fprintf(stderr, "gen-mappings: cannot write %s\n", path);
                return 1;
            }
            fclose(f);
            fprintf(list, "%s/clients/%ld.crt %s/clients/client.key\n", argv[5], i, argv[5]);
        }
        secret_free(env);
        free(b64);
        OPENSSL_free(der);
        X509_free(x);
    }
    fclose(xml);
    fclose(ngx);
    fclose(hap);
    fclose(list);
    OPENSSL_cleanse(key_bytes, sizeof(key_bytes));
    EVP_PKEY_free(key);
    EVP_PKEY_free(ca_key);
    X509_free(ca);
    return 0;
}
