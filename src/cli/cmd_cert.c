/* cmd_cert.c - `certmap cert-string FILE`: the single-line base64 that IIS stores. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "certmap/cert.h"

static const char help_cert_string[] =
    "Usage: certmap cert-string FILE\n"
    "\n"
    "Prints the certificate in FILE as the single line of base64 that IIS stores in\n"
    "the certificate attribute of a one-to-one mapping.  FILE may hold PEM, DER, or\n"
    "base64 with or without line breaks; '-' reads standard input.  Anything but\n"
    "exactly one X.509 certificate is refused (exit 2) with the reason.\n";

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
    const struct cli_opt opts[] = {{.name = NULL}};
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
