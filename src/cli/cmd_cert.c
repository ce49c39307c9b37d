/*
 * cmd_cert.c - `certmap cert-string FILE`: the single-line base64 that IIS
 * stores; with --ad-mapping, the strong altSecurityIdentities strings that
 * Active Directory (or an OpenLDAP directory) stores (cert/adstring.h).
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/x509.h>

#include "cert/adstring.h"
#include "certmap/cert.h"

static const char help_cert_string[] =
    "Usage: certmap cert-string [--ad-mapping] FILE\n"
    "\n"
    "Prints the certificate in FILE as the single line of base64 that IIS stores in\n"
    "the certificate attribute of a one-to-one mapping.  FILE may hold PEM, DER, or\n"
    "base64 with or without line breaks; '-' reads standard input.  Anything but\n"
    "exactly one X.509 certificate is refused (exit 2) with the reason.\n"
    "\n"
    "  --ad-mapping   print instead the certificate's strong Active Directory mapping\n"
    "                 strings, one per line, for the altSecurityIdentities attribute:\n"
    "                   X509:<I>issuer<SR>serial   (issuer as AD writes it, serial\n"
    "                                              bytes reversed)\n"
    "                   X509:<SKI>hex              (subjectKeyIdentifier; skipped, with a\n"
    "                                              note on stderr, when absent)\n"
    "                   X509:<SHA1-PUKEY>hex       (SHA-1 of the public key bits)\n"
    "                 See docs/ad-mapping.md for how each part is written.\n";

/* The strong AD mapping strings of der, one per line; a missing SKI is a note, not an error. */
static int
print_ad_mapping(struct cli_ctx *ctx, const unsigned char *der, size_t der_len)
{
    static const enum cert_ad_form strong[] = {CERT_AD_ISSUER_SERIAL, CERT_AD_SKI,
                                               CERT_AD_SHA1_PUKEY};
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)der_len);
    struct certmap_error err = {0};
    char *s;
    int rc = CLI_OK;

    if (x == NULL) {
        cli_err(ctx, "the certificate does not parse");
        return CLI_INVALID;
    }
    for (size_t i = 0; i < sizeof(strong) / sizeof(strong[0]) && rc == CLI_OK; i++) {
        certmap_error_clear(&err);
        s = cert_ad_string(x, strong[i], &err);
        if (s != NULL) {
            printf("%s\n", s);
            free(s);
        } else if (strong[i] == CERT_AD_SKI && err.kind == CERTMAP_ERR_INVALID) {
            cli_warn(ctx, "%s", err.message);
        } else {
            rc = cli_fail(ctx, &err);
        }
    }
    X509_free(x);
    return rc;
}

/* Reads all of stdin (bounded like fileio_read) into a malloc'd buffer. */
static int
read_stdin(struct cli_ctx *ctx, unsigned char **data, size_t *len)
{
    size_t cap = 0, n = 0;
    unsigned char *buf = NULL, *nb;
    ssize_t r;

    for (;;) {
        if (n == cap) {
            if (cap >= (size_t)16 << 20) {
                cli_err(ctx, "standard input: more than 16 MiB, not a certificate");
                free(buf);
                return CLI_INVALID;
            }
            cap = cap == 0 ? 8192 : cap * 2;
            nb = realloc(buf, cap);
            if (nb == NULL) {
                free(buf);
                cli_err(ctx, "out of memory");
                return CLI_IO;
            }
            buf = nb;
        }
        r = read(STDIN_FILENO, buf + n, cap - n);
        if (r < 0) {
            cli_err(ctx, "standard input: read failed");
            free(buf);
            return CLI_IO;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    *data = buf;
    *len = n;
    return CLI_OK;
}

int
cmd_cert_string(struct cli_ctx *ctx, int argc, char **argv)
{
    bool ad_mapping = false;
    const struct cli_opt opts[] = {{.name = "ad-mapping", .flag = &ad_mapping}, {.name = NULL}};
    struct certmap_error err = {0};
    const char *pos[1];
    unsigned char *der = NULL, *in = NULL;
    size_t npos, der_len = 0, in_len = 0;
    char *line = NULL;
    int rc;

    rc = cli_parse(ctx, argc, argv, opts, pos, 1, &npos);
    if (rc == CLI_HELP) {
        fputs(help_cert_string, stdout);
        return CLI_OK;
    }
    if (rc != CLI_OK)
        return rc;
    if (npos != 1)
        return cli_usage(ctx, "missing FILE");
    if (strcmp(pos[0], "-") == 0) {
        rc = read_stdin(ctx, &in, &in_len);
        if (rc != CLI_OK)
            goto out;
        if (certmap_cert_decode(in, in_len, &der, &der_len, &err) != 0) {
            if (err.file[0] == '\0')
                snprintf(err.file, sizeof(err.file), "%s", "standard input");
            rc = cli_fail(ctx, &err);
            goto out;
        }
    } else if (certmap_cert_decode_file(pos[0], &der, &der_len, &err) != 0) {
        rc = cli_fail(ctx, &err);
        goto out;
    }
    if (ad_mapping) {
        rc = print_ad_mapping(ctx, der, der_len);
        if (rc == CLI_OK && fflush(stdout) != 0)
            rc = CLI_IO;
        goto out;
    }
    line = certmap_cert_to_iis_string(der, der_len);
    if (line == NULL) {
        cli_err(ctx, "out of memory");
        rc = CLI_IO;
        goto out;
    }
    printf("%s\n", line);
    rc = fflush(stdout) == 0 ? CLI_OK : CLI_IO;
out:
    free(line);
    free(der);
    free(in);
    return rc;
}
