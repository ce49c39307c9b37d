/*
 * cli_location.c - turning --site/--path into a <location path>, checking the
 * site exists, and committing with every error listed.
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/*
 * Appends the segments of path (slashes trimmed and collapsed) to buf.
 * Returns 0, or -1 with *why set for "." / ".." / backslashes, which IIS
 * location paths never contain and which would silently address another place.
 */
static int
append_path(char *buf, size_t size, const char *path, const char **why)
{
    const char *p = path, *end;
    size_t used = strlen(buf), n;

    while (*p != '\0') {
        while (*p == '/')
            p++;
        if (*p == '\0')
            break;
        end = strchr(p, '/');
        n = end != NULL ? (size_t)(end - p) : strlen(p);
        if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.')) {
            *why = "must not contain '.' or '..' segments";
            return -1;
        }
        if (memchr(p, '\\', n) != NULL) {
            *why = "must use '/' as separator, not '\\'";
            return -1;
        }
        if (used + 1 + n + 1 > size) {
            *why = "is too long";
            return -1;
        }
        buf[used++] = '/';
        memcpy(buf + used, p, n);
        used += n;
        buf[used] = '\0';
        p += n;
    }
    return 0;
}

struct certmap_collection *
cli_sites(const struct cli_ctx *ctx, struct certmap_config *cfg)
{
    struct certmap_error err = {0};
    struct certmap_element *sites;
    struct certmap_collection *c;

    sites = certmap_config_get_section(cfg, CERTMAP_SECTION_SITES, NULL, &err);
    if (sites == NULL) {
        cli_fail(ctx, &err);
        return NULL;
    }
    c = certmap_element_collection(sites, NULL, &err);
    if (c == NULL)
        cli_fail(ctx, &err);
    return c;
}

const char *
cli_find_site(const struct cli_ctx *ctx, struct certmap_config *cfg, const char *name, int *rc)
{
    struct certmap_collection *sites = cli_sites(ctx, cfg);
    const char *found = NULL, *n;
    size_t i, count;
    char known[512] = "";
    size_t used = 0;

    *rc = CLI_INVALID;
    if (sites == NULL)
        return NULL;
    count = certmap_collection_count(sites);
    /* IIS compares site names case-insensitively; keep the file's spelling. */
    for (i = 0; i < count && found == NULL; i++) {
        n = certmap_element_get(certmap_collection_item(sites, i), "name");
        if (n != NULL && strcasecmp(n, name) == 0)
            found = n;
    }
    if (found != NULL) {
        *rc = CLI_OK;
        return found;
    }
    for (i = 0; i < count && used < sizeof(known) - 1; i++) {
        n = certmap_element_get(certmap_collection_item(sites, i), "name");
        used += (size_t)snprintf(known + used, sizeof(known) - used, "%s'%s'", i > 0 ? ", " : "",
                                 n != NULL ? n : "");
    }
    if (count == 0)
        cli_err(ctx, "unknown site '%s': %s defines no site in system.applicationHost/sites", name,
                certmap_config_path(cfg));
    else
        cli_err(ctx, "unknown site '%s' (sites in %s: %s)", name, certmap_config_path(cfg), known);
    return NULL;
}

char *
cli_location(const struct cli_ctx *ctx, struct certmap_config *cfg, const char *site,
             const char *path, int *rc)
{
    char buf[2048], name[512];
    const char *slash, *canon, *why = NULL, *rest = NULL;
    char *loc;
    size_t n;

    *rc = CLI_INVALID;
    if (site == NULL || site[0] == '\0') {
        if (path != NULL && path[0] != '\0' && strcmp(path, "/") != 0) {
            *rc = cli_usage(ctx, "--path needs --site");
            return NULL;
        }
        loc = strdup("");
        if (loc == NULL)
            *rc = CLI_IO;
        else
            *rc = CLI_OK;
        return loc;
    }
    /* "--site 'Site/app'" is accepted as the whole location, as in <location path>. */
    slash = strchr(site, '/');
    n = slash != NULL ? (size_t)(slash - site) : strlen(site);
    if (n == 0 || n >= sizeof(name)) {
        cli_err(ctx, "--site '%s': not a site name", site);
        return NULL;
    }
    memcpy(name, site, n);
    name[n] = '\0';
    if (slash != NULL)
        rest = slash;
    canon = cli_find_site(ctx, cfg, name, rc);
    if (canon == NULL)
        return NULL;
    snprintf(buf, sizeof(buf), "%s", canon);
    if (rest != NULL && append_path(buf, sizeof(buf), rest, &why) != 0) {
        cli_err(ctx, "--site '%s': the path %s", site, why);
        *rc = CLI_INVALID;
        return NULL;
    }
    if (path != NULL && append_path(buf, sizeof(buf), path, &why) != 0) {
        cli_err(ctx, "--path '%s': %s", path, why);
        *rc = CLI_INVALID;
        return NULL;
    }
    loc = strdup(buf);
    *rc = loc != NULL ? CLI_OK : CLI_IO;
    return loc;
}

struct certmap_config *
cli_open_location(const struct cli_ctx *ctx, bool lock, const char *site, const char *path,
                  char **loc, int *rc)
{
    struct certmap_config *cfg = cli_open_config(ctx, lock, rc);

    *loc = NULL;
    if (cfg == NULL)
        return NULL;
    *loc = cli_location(ctx, cfg, site, path, rc);
    if (*loc == NULL) {
        certmap_config_close(cfg);
        return NULL;
    }
    return cfg;
}

bool
cli_location_within(const char *loc, const char *site)
{
    size_t n = strlen(site);

    if (site[0] == '\0')
        return true;
    return strncasecmp(loc, site, n) == 0 && (loc[n] == '\0' || loc[n] == '/');
}

int
cli_commit(const struct cli_ctx *ctx, struct certmap_config *cfg)
{
    struct certmap_error err = {0};
    struct certmap_diags diags = {0};
    size_t i;
    int rc;

    if (certmap_config_commit(cfg, &err) == 0)
        return CLI_OK;
    rc = cli_exit_code(&err);
    /*
     * The commit reports the first error; list every structural one so one run shows everything
     * to fix.  Broken items the file already had are not this command's doing: when the refusal
     * is about an item this change would break, that one item is the message.
     */
    if (rc == CLI_INVALID && certmap_config_validate(cfg, &diags) != 0 &&
        diags.errors > diags.item_errors) {
        for (i = 0; i < diags.count; i++) {
            if (diags.items[i].severity != CERTMAP_SEV_ERROR || diags.items[i].item)
                continue;
            fputs("certmap: ", stderr);
            cli_print_diag(stderr, &diags.items[i]);
        }
    } else {
        cli_fail(ctx, &err);
    }
    cli_err(ctx, "%s left unchanged", certmap_config_path(cfg));
    certmap_diags_free(&diags);
    return rc;
}
