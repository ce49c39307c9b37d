/*
 * one_to_one_mapping - the seed's ServerManager sample (oneToOneMappings,
 * "Sample Code", C#) on the certmap C API, step for step:
 *
 *   using (ServerManager serverManager = new ServerManager()) {
 *      Configuration config = serverManager.GetApplicationHostConfiguration();
 *      ConfigurationSection iisClientCertificateMappingAuthenticationSection =
 *         config.GetSection("system.webServer/security/authentication/"
 *                           "iisClientCertificateMappingAuthentication", "Default Web Site");
 *      ...["enabled"] = true;
 *      ...["oneToOneCertificateMappingsEnabled"] = true;
 *      ConfigurationElementCollection oneToOneMappings = ....GetCollection("oneToOneMappings");
 *      ConfigurationElement addElement = oneToOneMappings.CreateElement("add");
 *      addElement["enabled"] = true;
 *      addElement["userName"] = @"Username";
 *      addElement["password"] = @"Password";
 *      addElement["certificate"] = @"Base64-Encoded-Certificate-Data";
 *      oneToOneMappings.Add(addElement);
 *      ConfigurationSection accessSection =
 *         config.GetSection("system.webServer/security/access", "Default Web Site");
 *      accessSection["sslFlags"] = @"Ssl, SslNegotiateCert";
 *      serverManager.CommitChanges();
 *   }
 *
 * Usage: example_one_to_one_mapping CONFIG CERTFILE USER [PASSWORDFILE]
 *   CONFIG        applicationHost.config to change (created when missing)
 *   CERTFILE      the client certificate: PEM, DER or base64 (no MMC export needed)
 *   USER          the account the certificate maps to
 *   PASSWORDFILE  file holding the account's password (first line); without
 *                 it the password is read from standard input.  Never argv:
 *                 command lines are visible to every user of the machine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "certmap/cert.h"
#include "certmap/config.h"

/* Reads the first line of f into a malloc'd string (newline removed). */
static char *
read_password(FILE *f)
{
    char buf[1024];
    size_t n;
    char *p;

    if (fgets(buf, sizeof(buf), f) == NULL)
        return NULL;
    n = strcspn(buf, "\r\n");
    buf[n] = '\0';
    p = strdup(buf);
    OPENSSL_cleanse(buf, sizeof(buf));
    return p;
}

static int
fail(const struct certmap_error *err)
{
    char buf[2048];

    fprintf(stderr, "example_one_to_one_mapping: %s\n",
            certmap_error_format(err, buf, sizeof(buf)));
    return 1;
}

int
main(int argc, char **argv)
{
    struct certmap_open_options opts = {.create = true};
    struct certmap_error err = {0};
    struct certmap_config *config = NULL;
    struct certmap_element *auth, *add, *access;
    struct certmap_collection *mappings;
    unsigned char *der = NULL;
    size_t der_len = 0;
    char *cert = NULL, *password = NULL;
    FILE *pf;
    int ret = 1;

    if (argc != 4 && argc != 5) {
        fprintf(stderr, "usage: example_one_to_one_mapping CONFIG CERTFILE USER [PASSWORDFILE]\n");
        return 2;
    }
    pf = argc == 5 ? fopen(argv[4], "r") : stdin;
    if (pf == NULL) {
        perror(argv[4]);
        return 1;
    }
    password = read_password(pf);
    if (pf != stdin)
        fclose(pf);
    if (password == NULL) {
        fprintf(stderr, "example_one_to_one_mapping: no password given\n");
        return 1;
    }
    /* the certificate as IIS stores it: its DER as one line of base64 */
    if (certmap_cert_decode_file(argv[2], &der, &der_len, &err) != 0) {
        fail(&err);
        goto out;
    }
    cert = certmap_cert_to_iis_string(der, der_len);
    if (cert == NULL)
        goto out;

    /* serverManager.GetApplicationHostConfiguration() */
    config = certmap_config_open(argv[1], &opts, NULL, &err);
    if (config == NULL) {
        fail(&err);
        goto out;
    }
    /* config.GetSection(".../iisClientCertificateMappingAuthentication", "Default Web Site") */
    auth =
        certmap_config_get_section(config, CERTMAP_SECTION_CERTMAPPING, "Default Web Site", &err);
    if (auth == NULL ||
        /* ["enabled"] = true; ["oneToOneCertificateMappingsEnabled"] = true */
        certmap_element_set_bool(auth, "enabled", true, &err) != 0 ||
        certmap_element_set_bool(auth, "oneToOneCertificateMappingsEnabled", true, &err) != 0) {
        fail(&err);
        goto out;
    }
    /* GetCollection("oneToOneMappings"); CreateElement("add") */
    mappings = certmap_element_collection(auth, "oneToOneMappings", &err);
    add = mappings != NULL ? certmap_collection_create_element(mappings, "add", &err) : NULL;
    if (add == NULL ||
        /* addElement["enabled"], ["userName"], ["password"] (stored encrypted), ["certificate"] */
        certmap_element_set_bool(add, "enabled", true, &err) != 0 ||
        certmap_element_set(add, "userName", argv[3], &err) != 0 ||
        certmap_element_set(add, "password", password, &err) != 0 ||
        certmap_element_set(add, "certificate", cert, &err) != 0 ||
        /* oneToOneMappings.Add(addElement) */
        certmap_collection_add(mappings, add, &err) != 0) {
        fail(&err);
        goto out;
    }
    /* config.GetSection("system.webServer/security/access", "Default Web Site") */
    access = certmap_config_get_section(config, CERTMAP_SECTION_ACCESS, "Default Web Site", &err);
    if (access == NULL ||
        /* accessSection["sslFlags"] = @"Ssl, SslNegotiateCert" */
        certmap_element_set(access, "sslFlags", "Ssl, SslNegotiateCert", &err) != 0 ||
        /* serverManager.CommitChanges() */
        certmap_config_commit(config, &err) != 0) {
        fail(&err);
        goto out;
    }
    printf("mapped %s to %s in %s\n", argv[2], argv[3], argv[1]);
    ret = 0;
out:
    certmap_config_close(config);
    if (password != NULL) {
        OPENSSL_cleanse(password, strlen(password));
        free(password);
    }
    free(cert);
    free(der);
    return ret;
}
