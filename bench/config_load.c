/*
 * config_load - load time and peak memory of a configuration with many
 * one-to-one mappings (not a test; see bench/README.md).
 *
 * Usage: config_load [-n COUNT] [-d CACHEDIR] [-k]
 *   -n COUNT     mappings (default 100000)
 *   -d CACHEDIR  where the generated configuration is kept between runs
 *                (default /tmp/certmap-bench-config); it is regenerated when
 *                missing or made for another COUNT
 *   -k           skip the decryption check of the passwords (opts.skip_secrets)
 *
 * The configuration holds COUNT real, distinct certificates (one EC key, each
 * certificate with its own serial and subject and its own signature), each
 * mapped with an encrypted password, under <location path="Default Web Site">.
 * The measurement runs in a freshly exec'd process so that the generator's
 * memory does not count: it prints the wall time of certmap_config_open(),
 * of walking the effective collection, and the peak RSS (ru_maxrss).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "certmap/cert.h"
#include "certmap/config.h"
#include "secret.h"

static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One certificate: subject CN=userN, issuer CN=certmap bench CA, serial N. */
static unsigned char *
make_cert(EVP_PKEY *key, X509_NAME *issuer, long n, size_t *len)
{
    X509 *x = X509_new();
    X509_NAME *subj = X509_NAME_new();
    unsigned char *der = NULL, *p;
    char cn[32];
    int l;

    snprintf(cn, sizeof(cn), "user%06ld", n);
    if (x == NULL || subj == NULL || !X509_set_version(x, X509_VERSION_3) ||
        !ASN1_INTEGER_set(X509_get_serialNumber(x), n + 1) ||
        !X509_NAME_add_entry_by_txt(subj, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1,
                                    0) ||
        !X509_set_subject_name(x, subj) || !X509_set_issuer_name(x, issuer) ||
        X509_gmtime_adj(X509_getm_notBefore(x), 0) == NULL ||
        X509_gmtime_adj(X509_getm_notAfter(x), 365L * 86400) == NULL || !X509_set_pubkey(x, key) ||
        X509_sign(x, key, EVP_sha256()) == 0)
        goto out;
    l = i2d_X509(x, NULL);
    if (l <= 0 || (der = malloc((size_t)l)) == NULL)
        goto out;
    p = der;
    i2d_X509(x, &p);
    *len = (size_t)l;
out:
    X509_NAME_free(subj);
    X509_free(x);
    return der;
}

static int
generate(const char *path, const char *keyfile, long count)
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509_NAME *issuer = X509_NAME_new();
    unsigned char aes[SECRET_KEY_LEN];
    struct certmap_error err = {0};
    char tmp[4200];
    FILE *f;
    double t0 = now();
    int ret = -1;

    if (key == NULL || issuer == NULL ||
        !X509_NAME_add_entry_by_txt(issuer, "CN", MBSTRING_ASC,
                                    (const unsigned char *)"certmap bench CA", -1, -1, 0))
        goto out;
    if (secret_key_load(keyfile, true, aes, &err) != 0) {
        fprintf(stderr, "config_load: %s: %s\n", err.file, err.message);
        goto out;
    }
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    f = fopen(tmp, "w");
    if (f == NULL) {
        fprintf(stderr, "config_load: %s: %s\n", tmp, strerror(errno));
        goto out;
    }
    fprintf(f,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<configuration>\n"
            "    <!-- %ld mappings -->\n"
            "    <location path=\"Default Web Site\">\n        <system.webServer>\n"
            "            <security>\n"
            "                <access sslFlags=\"Ssl, SslRequireCert\" />\n"
            "                <authentication>\n"
            "                    <iisClientCertificateMappingAuthentication enabled=\"true\">\n"
            "                        <oneToOneMappings>\n",
            count);
    for (long i = 0; i < count; i++) {
        size_t len = 0;
        unsigned char *der = make_cert(key, issuer, i, &len);
        char *b64 = der != NULL ? certmap_cert_to_iis_string(der, len) : NULL, *env = NULL;
        char pw[32];

        snprintf(pw, sizeof(pw), "password-%ld", i);
        if (b64 == NULL || secret_encrypt(aes, pw, &env, &err) != 0) {
            fprintf(stderr, "config_load: cannot make mapping %ld\n", i);
            free(der);
            free(b64);
            fclose(f);
            goto out;
        }
        fprintf(f,
                "                            <add userName=\"user%06ld\" password=\"%s\" "
                "certificate=\"%s\" />\n",
                i, env, b64);
        free(der);
        free(b64);
        secret_free(env);
    }
    fprintf(f, "                        </oneToOneMappings>\n"
               "                    </iisClientCertificateMappingAuthentication>\n"
               "                </authentication>\n            </security>\n"
               "        </system.webServer>\n    </location>\n</configuration>\n");
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        fprintf(stderr, "config_load: cannot write %s\n", path);
        goto out;
    }
    fprintf(stderr, "config_load: generated %ld mappings in %.1f s\n", count, now() - t0);
    ret = 0;
out:
    EVP_PKEY_free(key);
    X509_NAME_free(issuer);
    return ret;
}

static int
measure(const char *path, const char *keyfile, long count, int skip)
{
    struct certmap_open_options o = {.key_file = keyfile, .skip_secrets = skip != 0};
    struct certmap_error err = {0};
    struct certmap_config *cfg;
    struct certmap_element *auth;
    struct certmap_collection *maps;
    struct rusage ru;
    long rss_open;
    struct stat st;
    double t0, t1, t2;
    size_t n = 0, enabled = 0;
    char buf[2048];

    stat(path, &st);
    t0 = now();
    cfg = certmap_config_open(path, &o, NULL, &err);
    t1 = now();
    getrusage(RUSAGE_SELF, &ru);
    rss_open = ru.ru_maxrss;
    if (cfg == NULL) {
        fprintf(stderr, "config_load: %s\n", certmap_error_format(&err, buf, sizeof(buf)));
        return 1;
    }
    auth = certmap_config_get_section(cfg, CERTMAP_SECTION_CERTMAPPING, "Default Web Site", &err);
    maps = auth != NULL ? certmap_element_collection(auth, "oneToOneMappings", &err) : NULL;
    n = certmap_collection_count(maps);
    for (size_t i = 0; i < n; i++)
        enabled +=
            strcmp(certmap_element_get(certmap_collection_item(maps, i), "enabled"), "true") == 0;
    t2 = now();
    getrusage(RUSAGE_SELF, &ru);
    printf("file: %s (%.1f MB, %ld mappings)\n", path, (double)st.st_size / 1e6, count);
    printf("open (parse, validate, decode %zu certificates%s): %.3f s\n", n,
           skip ? "" : ", decrypt passwords", t1 - t0);
    printf("effective collection + %zu item reads: %.3f s\n", enabled, t2 - t1);
    printf("peak RSS: %.1f MB after open, %.1f MB after reading every item\n",
           (double)rss_open / 1024.0, (double)ru.ru_maxrss / 1024.0);
    certmap_config_close(cfg);
    return n == (size_t)count && enabled == n ? 0 : 1;
}

int
main(int argc, char **argv)
{
    const char *dir = "/tmp/certmap-bench-config";
    long count = 100000;
    int skip = 0, c, status = 0;
    char path[1024], keyfile[1024], nstr[32];
    struct stat st;
    pid_t pid;

    if (argc == 6 && strcmp(argv[1], "--measure") == 0)
        return measure(argv[2], argv[3], atol(argv[4]), atoi(argv[5]));
    while ((c = getopt(argc, argv, "n:d:k")) != -1) {
        switch (c) {
        case 'n':
            count = atol(optarg);
            break;
        case 'd':
            dir = optarg;
            break;
        case 'k':
            skip = 1;
            break;
        default:
            fprintf(stderr, "usage: config_load [-n COUNT] [-d CACHEDIR] [-k]\n");
            return 2;
        }
    }
    if (count <= 0) {
        fprintf(stderr, "config_load: bad count\n");
        return 2;
    }
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "config_load: %s: %s\n", dir, strerror(errno));
        return 1;
    }
    snprintf(path, sizeof(path), "%s/mappings-%ld.config", dir, count);
    snprintf(keyfile, sizeof(keyfile), "%s/certmap.key", dir);
    if ((stat(path, &st) != 0 || stat(keyfile, &st) != 0) && generate(path, keyfile, count) != 0)
        return 1;
    fflush(NULL);
    /* measure in a fresh process: the generator's memory must not count */
    snprintf(nstr, sizeof(nstr), "%ld", count);
    pid = fork();
    if (pid == 0) {
        execl("/proc/self/exe", argv[0], "--measure", path, keyfile, nstr, skip ? "1" : "0",
              (char *)NULL);
        _exit(127);
    }
    if (pid < 0 || waitpid(pid, &status, 0) < 0)
        return 1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
