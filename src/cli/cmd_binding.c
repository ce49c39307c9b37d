/*
 * cmd_binding.c - sites and bindings: `certmap get config --section
 * system.applicationHost/sites` (sites, applications, virtual directories,
 * bindings as written), `certmap add|remove binding`, and AppCmd's
 * `certmap set site SITE /+bindings.[protocol='https',bindingInformation='*:443:']`.
 * A new https binding is checked as certmapd will use it (the certificate and
 * key load and belong together, the resolved view accepts it) before commit.
 */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

static const char help_add[] =
    "Usage: certmap add binding --site SITE --https --address A --port P\n"
    "           --cert-file F --key-file K [--client-ca-file C] [--host H]\n"
    "       certmap add binding --site SITE --http --address A --port P [--host H]\n"
    "\n"
    "Adds a binding to SITE: bindingInformation \"A:P:H\" (A an IPv4 address,\n"
    "[IPv6] or * for any; H the host name, empty for any).  For https, F is the\n"
    "server certificate (PEM, chain allowed), K its private key, C the CAs that\n"
    "client certificates must chain to (default: the system store); relative\n"
    "paths are relative to the configuration's directory.  The certificate and key\n"
    "are loaded and must match, and the configuration with the new binding must be\n"
    "one certmapd serves, before anything is written.  certmapd listens on the new\n"
    "address after its next reload (automatic when the file changes).\n";

static const char help_remove[] =
    "Usage: certmap remove binding --site SITE --address A --port P [--host H]\n"
    "\n"
    "Removes the binding \"A:P:H\" of SITE (any host when --host is not given and\n"
    "only one binding of SITE uses A:P).\n";

static const char help_set_site[] =
    "Usage: certmap set site SITE /+\"bindings.[protocol='https',bindingInformation='*:443:',\n"
    "           certificateFile='F',certificateKeyFile='K']\"\n"
    "\n"
    "AppCmd's form of 'add binding': adds the item to the site's bindings (the\n"
    "Linux attributes certificateFile, certificateKeyFile, clientCaFile, crlFile\n"
    "may be given in the brackets; AppCmd itself leaves the certificate to netsh).\n";

/* The <site> element called name (case-insensitive); NULL after printing why. */
static struct certmap_element *
find_site(const struct cli_ctx *ctx, struct certmap_config *cfg, const char *name, int *rc)
{
    const char *canon = cli_find_site(ctx, cfg, name, rc);
    struct certmap_collection *sites;
    struct certmap_element *e;
    size_t i, n;

    if (canon == NULL)
        return NULL;
    sites = cli_sites(ctx, cfg);
    n = sites != NULL ? certmap_collection_count(sites) : 0;
    for (i = 0; i < n; i++) {
        e = certmap_collection_item(sites, i);
        if (strcmp(certmap_element_get(e, "name"), canon) == 0)
            return e;
    }
    *rc = CLI_INVALID;
    return NULL;
}

/* ---- get config --section sites ---- */

/* name="value" for every attribute set on e, after a space each. */
static void
print_attrs_text(const struct certmap_element *e, const char *skip)
{
    size_t i, n = certmap_element_attr_count(e);
    const char *name;

    for (i = 0; i < n; i++) {
        name = certmap_element_attr_name(e, i);
        if ((skip != NULL && strcmp(name, skip) == 0) || !certmap_element_is_set(e, name))
            continue;
        printf(" %s=\"%s\"", name, certmap_element_get(e, name));
    }
}

/* "name":"value" members for every attribute set on e, each after a comma. */
static void
print_attrs_json(const struct certmap_element *e)
{
    size_t i, n = certmap_element_attr_count(e);
    const char *name;

    for (i = 0; i < n; i++) {
        name = certmap_element_attr_name(e, i);
        if (!certmap_element_is_set(e, name))
            continue;
        putchar(',');
        cli_json_string(stdout, name);
        putchar(':');
        cli_json_string(stdout, certmap_element_get(e, name));
    }
}

static void
print_source_json(const struct certmap_element *e)
{
    const char *file = NULL;
    unsigned line = 0;

    certmap_element_source(e, NULL, &file, &line);
    fputs("{\"file\":", stdout);
    cli_json_string(stdout, file);
    printf(",\"line\":%u", line);
}

/* The items of collection name of e (NULL: the default one), or NULL when it has none. */
static struct certmap_collection *
items(struct certmap_element *e, const char *name)
{
    return certmap_element_collection(e, name, NULL);
}

static void
print_site_text(struct certmap_element *site)
{
    struct certmap_collection *c;
    struct certmap_element *app, *x;
    const char *file = NULL;
    unsigned line = 0;
    size_t i, k, n, m;

    certmap_element_source(site, NULL, &file, &line);
    printf("site \"%s\"", certmap_element_get(site, "name"));
    print_attrs_text(site, "name");
    printf(" (%s:%u)\n", file != NULL ? file : "?", line);
    c = items(site, "bindings");
    n = c != NULL ? certmap_collection_count(c) : 0;
    for (i = 0; i < n; i++) {
        x = certmap_collection_item(c, i);
        printf("  binding");
        print_attrs_text(x, NULL);
        putchar('\n');
    }
    c = items(site, NULL);
    n = c != NULL ? certmap_collection_count(c) : 0;
    for (i = 0; i < n; i++) {
        struct certmap_collection *vd;

        app = certmap_collection_item(c, i);
        printf("  application");
        print_attrs_text(app, NULL);
        putchar('\n');
        vd = items(app, NULL);
        m = vd != NULL ? certmap_collection_count(vd) : 0;
        for (k = 0; k < m; k++) {
            x = certmap_collection_item(vd, k);
            printf("    virtualDirectory");
            print_attrs_text(x, "password");
            putchar('\n');
        }
    }
}

/* One JSON array of the items of c, each with its attributes and file:line. */
static void
print_items_json(struct certmap_collection *c, const char *nested)
{
    struct certmap_element *x;
    size_t i, n = c != NULL ? certmap_collection_count(c) : 0;

    putchar('[');
    for (i = 0; i < n; i++) {
        x = certmap_collection_item(c, i);
        fputs(i > 0 ? "," : "", stdout);
        print_source_json(x);
        print_attrs_json(x);
        if (nested != NULL) {
            printf(",\"%s\":", nested);
            print_items_json(items(x, NULL), NULL);
        }
        putchar('}');
    }
    putchar(']');
}

int
cli_print_sites(const struct cli_ctx *ctx, struct certmap_config *cfg, const char *site, bool json)
{
    struct certmap_collection *sites = cli_sites(ctx, cfg);
    struct certmap_element *one = NULL, *s;
    size_t i, n;
    bool first = true;
    int rc = CLI_OK;

    if (sites == NULL)
        return CLI_INVALID;
    if (site != NULL) {
        one = find_site(ctx, cfg, site, &rc);
        if (one == NULL)
            return rc;
    }
    n = certmap_collection_count(sites);
    if (json)
        putchar('[');
    for (i = 0; i < n; i++) {
        s = certmap_collection_item(sites, i);
        if (one != NULL &&
            strcmp(certmap_element_get(s, "name"), certmap_element_get(one, "name")) != 0)
            continue;
        if (!json) {
            print_site_text(s);
            continue;
        }
        fputs(first ? "\n  " : ",\n  ", stdout);
        first = false;
        print_source_json(s);
        print_attrs_json(s);
        fputs(",\"bindings\":", stdout);
        print_items_json(items(s, "bindings"), NULL);
        fputs(",\"applications\":", stdout);
        print_items_json(items(s, NULL), "virtualDirectories");
        putchar('}');
    }
    if (json)
        printf("%s]\n", first ? "" : "\n");
    return fflush(stdout) == 0 ? CLI_OK : CLI_IO;
}

/* ---- add / remove binding ---- */

/* Loads the certificate and key files the way TLS will; an exit code after printing why. */
static int
check_key_pair(const struct cli_ctx *ctx, struct certmap_config *cfg, const char *cert_file,
               const char *key_file)
{
    struct certmap_error err = {0};
    char *cp = certmap_config_expand_path(cfg, cert_file, &err), *kp = NULL;
    FILE *f = NULL;
    X509 *x = NULL;
    EVP_PKEY *k = NULL;
    int rc = CLI_INVALID;

    if (cp == NULL || (kp = certmap_config_expand_path(cfg, key_file, &err)) == NULL) {
        rc = cli_fail(ctx, &err);
        goto out;
    }
    f = fopen(cp, "r");
    if (f == NULL) {
        cli_err(ctx, "--cert-file %s: %s", cp, strerror(errno));
        rc = CLI_IO;
        goto out;
    }
    x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    if (x == NULL) {
        cli_err(ctx, "--cert-file %s: no PEM certificate", cp);
        goto out;
    }
    f = fopen(kp, "r");
    if (f == NULL) {
        cli_err(ctx, "--key-file %s: %s", kp, strerror(errno));
        rc = CLI_IO;
        goto out;
    }
    k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    if (k == NULL) {
        cli_err(ctx, "--key-file %s: no PEM private key (an encrypted key is not supported)", kp);
        goto out;
    }
    if (X509_check_private_key(x, k) != 1) {
        cli_err(ctx, "--key-file %s: not the private key of the certificate in %s", kp, cp);
        goto out;
    }
    rc = CLI_OK;
out:
    X509_free(x);
    EVP_PKEY_free(k);
    free(cp);
    free(kp);
    return rc;
}

/*
 * Builds the view of cfg with the pending change, as certmapd will: refused
 * when certmapd would not serve it; when the site has no more usable binding
 * than before, the findings say why and strict refuses (else it is a
 * warning: AppCmd's form may leave the certificate for later).  An exit code.
 */
static int
check_view(const struct cli_ctx *ctx, struct certmap_config *cfg, const char *site,
           size_t usable_before, bool strict)
{
    struct certmap_diags found = {0};
    struct certmap_view *v;
    const struct certmap_site *s;
    size_t i;
    int rc;

    v = cli_view(ctx, cfg, &found, &rc);
    if (v == NULL)
        goto out;
    s = certmap_view_find_site(v, site);
    if (s != NULL && s->nbindings > usable_before)
        goto out;
    for (i = 0; i < found.count; i++)
        if (found.items[i].severity != CERTMAP_SEV_NOTE) {
            fputs("certmap: ", stderr);
            cli_print_diag(stderr, &found.items[i]);
        }
    if (strict) {
        cli_err(ctx, "certmapd could not use the new binding of '%s'; nothing written", site);
        rc = CLI_INVALID;
    } else {
        cli_warn(ctx, "certmapd cannot use the new binding of '%s' as it is (see above)", site);
    }
out:
    certmap_diags_free(&found);
    certmap_view_unref(v);
    return rc;
}

/* Usable bindings of site in the view of cfg as it is now (0 when it has none). */
static size_t
usable_bindings(const struct cli_ctx *ctx, struct certmap_config *cfg, const char *site)
{
    struct certmap_view *v;
    const struct certmap_site *s;
    size_t n = 0;
    int rc;

    v = cli_view(ctx, cfg, NULL, &rc);
    s = v != NULL ? certmap_view_find_site(v, site) : NULL;
    if (s != NULL)
        n = s->nbindings;
    certmap_view_unref(v);
    return n;
}

/* "A:P:H" from the options; an exit code after printing why. */
static int
binding_info(const struct cli_ctx *ctx, const char *address, const char *port, const char *host,
             char *out, size_t size)
{
    char *end = NULL;
    long p;

    if (address == NULL || port == NULL)
        return cli_usage(ctx, "--address and --port are required");
    p = strtol(port, &end, 10);
    if (end == port || *end != '\0' || p < 1 || p > 65535)
        return cli_usage(ctx, "--port '%s': expected 1-65535", port);
    if (address[0] == '\0' || strchr(address, ' ') != NULL ||
        (strchr(address, ':') != NULL && address[0] != '['))
        return cli_usage(ctx, "--address '%s': expected an IPv4 address, [IPv6] or *", address);
    if (host != NULL && strchr(host, ':') != NULL)
        return cli_usage(ctx, "--host '%s': a host name has no ':'", host);
    snprintf(out, size, "%s:%ld:%s", address, p, host != NULL ? host : "");
    return CLI_OK;
}

int
cmd_add_binding(struct cli_ctx *ctx, int argc, char **argv)
{
    const char *site = NULL, *address = NULL, *port = NULL, *host = NULL, *cert = NULL;
    const char *key = NULL, *ca = NULL, *pos[1];
    bool https = false, http = false;
    const struct cli_opt opts[] = {
        {.name = "site", .value = &site},         {.name = "https", .flag = &https},
        {.name = "http", .flag = &http},          {.name = "address", .value = &address},
        {.name = "port", .value = &port},         {.name = "host", .value = &host},
        {.name = "cert-file", .value = &cert},    {.name = "key-file", .value = &key},
        {.name = "client-ca-file", .value = &ca}, {.name = NULL},
    };
    struct certmap_error err = {0};
    struct certmap_config *cfg = NULL;
    struct certmap_element *s, *item;
    struct certmap_collection *c;
    char info[600];
    const char *canon;
    size_t npos, before;
    int rc;

    rc = cli_parse(ctx, argc, argv, opts, pos, 0, &npos);
    if (rc == CLI_HELP) {
        fputs(help_add, stdout);
        return CLI_OK;
    }
    if (rc != CLI_OK)
        return rc;
    if (site == NULL || https == http)
        return cli_usage(ctx, "--site and one of --https or --http are required");
    if (https && (cert == NULL || key == NULL))
        return cli_usage(ctx, "--https needs --cert-file and --key-file");
    if (http && (cert != NULL || key != NULL || ca != NULL))
        return cli_usage(ctx, "--cert-file, --key-file and --client-ca-file go with --https");
    rc = binding_info(ctx, address, port, host, info, sizeof(info));
    if (rc != CLI_OK)
        return rc;
    cfg = cli_open_config(ctx, true, &rc);
    if (cfg == NULL)
        goto out;
    s = find_site(ctx, cfg, site, &rc);
    if (s == NULL)
        goto out;
    canon = certmap_element_get(s, "name");
    if (https) {
        rc = check_key_pair(ctx, cfg, cert, key);
        if (rc != CLI_OK)
            goto out;
    }
    before = usable_bindings(ctx, cfg, canon);
    c = certmap_element_collection(s, "bindings", &err);
    item = c != NULL ? certmap_collection_create_element(c, NULL, &err) : NULL;
    if (item == NULL ||
        certmap_element_set(item, "protocol", https ? "https" : "http", &err) != 0 ||
        certmap_element_set(item, "bindingInformation", info, &err) != 0 ||
        (cert != NULL && certmap_element_set(item, "certificateFile", cert, &err) != 0) ||
        (key != NULL && certmap_element_set(item, "certificateKeyFile", key, &err) != 0) ||
        (ca != NULL && certmap_element_set(item, "clientCaFile", ca, &err) != 0) ||
        certmap_collection_add(c, item, &err) != 0) {
        rc = cli_fail(ctx, &err);
        goto out;
    }
    rc = check_view(ctx, cfg, canon, before, true);
    if (rc == CLI_OK)
        rc = cli_commit(ctx, cfg);
    if (rc == CLI_OK)
        printf("added %s binding '%s' to site '%s'; certmapd listens there after its next "
               "reload\n",
               https ? "https" : "http", info, canon);
out:
    certmap_config_close(cfg);
    return rc;
}

int
cmd_remove_binding(struct cli_ctx *ctx, int argc, char **argv)
{
    const char *site = NULL, *address = NULL, *port = NULL, *host = NULL, *pos[1], *bi;
    const struct cli_opt opts[] = {
        {.name = "site", .value = &site},
        {.name = "address", .value = &address},
        {.name = "port", .value = &port},
        {.name = "host", .value = &host},
        {.name = NULL},
    };
    struct certmap_error err = {0};
    struct certmap_config *cfg = NULL;
    struct certmap_element *s, *item, *found = NULL;
    struct certmap_collection *c;
    char info[600];
    size_t npos, i, n, prefix, matches = 0;
    int rc;

    rc = cli_parse(ctx, argc, argv, opts, pos, 0, &npos);
    if (rc == CLI_HELP) {
        fputs(help_remove, stdout);
        return CLI_OK;
    }
    if (rc != CLI_OK)
        return rc;
    if (site == NULL)
        return cli_usage(ctx, "--site is required");
    rc = binding_info(ctx, address, port, host, info, sizeof(info));
    if (rc != CLI_OK)
        return rc;
    cfg = cli_open_config(ctx, true, &rc);
    if (cfg == NULL)
        goto out;
    s = find_site(ctx, cfg, site, &rc);
    if (s == NULL)
        goto out;
    c = certmap_element_collection(s, "bindings", &err);
    if (c == NULL) {
        rc = cli_fail(ctx, &err);
        goto out;
    }
    /* without --host, "A:P:" matches A:P with any host */
    prefix = strlen(info);
    n = certmap_collection_count(c);
    for (i = 0; i < n; i++) {
        item = certmap_collection_item(c, i);
        bi = certmap_element_get(item, "bindingInformation");
        if (host != NULL ? strcasecmp(bi, info) != 0 : strncasecmp(bi, info, prefix) != 0)
            continue;
        found = item;
        matches++;
    }
    rc = CLI_INVALID;
    if (matches == 0) {
        cli_err(ctx, "site '%s' has no binding '%s%s'", certmap_element_get(s, "name"), info,
                host == NULL ? "*" : "");
        goto out;
    }
    if (matches > 1) {
        cli_err(ctx, "site '%s' has %zu bindings on '%s' with different hosts; give --host",
                certmap_element_get(s, "name"), matches, info);
        goto out;
    }
    snprintf(info, sizeof(info), "%s %s", certmap_element_get(found, "protocol"),
             certmap_element_get(found, "bindingInformation"));
    if (certmap_collection_remove(c, found, &err) != 0) {
        rc = cli_fail(ctx, &err);
        goto out;
    }
    rc = cli_commit(ctx, cfg);
    if (rc == CLI_OK)
        printf("removed binding '%s' from site '%s'\n", info, certmap_element_get(s, "name"));
out:
    certmap_config_close(cfg);
    return rc;
}

int
cmd_set_site(struct cli_ctx *ctx, int argc, char **argv)
{
    struct certmap_config *cfg = NULL;
    struct certmap_element *s;
    const char *site = NULL;
    size_t nadd = 0, before = 0;
    int i, rc;

    for (i = 0; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(help_set_site, stdout);
            return CLI_OK;
        }
        if (strncmp(argv[i], "/+", 2) == 0)
            nadd++;
        else if (strncmp(argv[i], "/site.name:", 11) == 0 && site == NULL)
            site = argv[i] + 11;
        else if (argv[i][0] != '/' && argv[i][0] != '-' && site == NULL)
            site = argv[i];
        else
            return cli_usage(ctx, "unexpected argument '%s' (only /+bindings.[...] is supported)",
                             argv[i]);
    }
    if (site == NULL || nadd == 0)
        return cli_usage(ctx, "expected SITE and /+\"bindings.[protocol='...',"
                              "bindingInformation='...']\"");
    cfg = cli_open_config(ctx, true, &rc);
    if (cfg == NULL)
        goto out;
    s = find_site(ctx, cfg, site, &rc);
    if (s == NULL)
        goto out;
    before = usable_bindings(ctx, cfg, certmap_element_get(s, "name"));
    for (i = 0, rc = CLI_OK; i < argc && rc == CLI_OK; i++) {
        if (strncmp(argv[i], "/+", 2) != 0)
            continue;
        if (strncmp(argv[i] + 2, "bindings.[", 10) != 0) {
            rc = cli_usage(ctx, "%s: only the bindings collection is supported", argv[i]);
            break;
        }
        rc = cli_appcmd_edit(ctx, s, '+', argv[i] + 2);
    }
    if (rc == CLI_OK)
        rc = check_view(ctx, cfg, certmap_element_get(s, "name"), before, false);
    if (rc == CLI_OK)
        rc = cli_commit(ctx, cfg);
    for (i = 0; rc == CLI_OK && i < argc; i++)
        if (strncmp(argv[i], "/+", 2) == 0)
            printf("site '%s': added %s\n", certmap_element_get(s, "name"), argv[i] + 2);
out:
    certmap_config_close(cfg);
    return rc;
}
