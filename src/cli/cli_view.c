/*
 * cli_view.c - the resolved view for the commands that report effective
 * settings (`get config`, `list mappings`): built exactly as certmapd builds
 * it, so the CLI never decides an inheritance rule of its own.
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct certmap_view *
cli_view(const struct cli_ctx *ctx, struct certmap_config *cfg, struct certmap_diags *found,
         int *rc)
{
    /* what certmapd reads: applicationHost.config and the web.config files under the sites */
    const struct certmap_view_options vo = {.web_config = true};
    struct certmap_diags diags = {0};
    struct certmap_error err = {0};
    struct certmap_view *v;
    size_t i, errors = 0;

    v = certmap_view_build(cfg, &vo, &diags, &err);
    if (v != NULL) {
        *rc = CLI_OK;
        if (found != NULL) {
            *found = diags;
            return v;
        }
        goto out;
    }
    /* Item errors do not stop a view: the ones listed here are those certmapd refuses. */
    for (i = 0; i < diags.count; i++) {
        if (diags.items[i].severity != CERTMAP_SEV_ERROR || diags.items[i].item)
            continue;
        fputs("certmap: ", stderr);
        cli_print_diag(stderr, &diags.items[i]);
        errors++;
    }
    if (errors == 0)
        cli_fail(ctx, &err);
    cli_err(ctx,
            "%s cannot be served as it is (certmapd refuses it); 'certmap validate' lists "
            "every finding",
            certmap_config_path(cfg));
    *rc = err.kind == CERTMAP_ERR_NOMEM ? CLI_IO : CLI_INVALID;
out:
    certmap_diags_free(&diags);
    return v;
}

const struct certmap_site *
cli_view_site(const struct cli_ctx *ctx, const struct certmap_view *v, const char *loc, char *path,
              size_t size, int *rc)
{
    const char *slash = strchr(loc, '/');
    const struct certmap_site *site;
    char name[512];
    size_t n = slash != NULL ? (size_t)(slash - loc) : strlen(loc);

    *rc = CLI_INVALID;
    if (n >= sizeof(name) || strlen(loc) - n + 1 > size) {
        cli_err(ctx, "location '%s' is too long", loc);
        return NULL;
    }
    memcpy(name, loc, n);
    name[n] = '\0';
    site = certmap_view_find_site(v, name);
    if (site == NULL) {
        cli_err(ctx, "unknown site '%s': certmapd serves no site of that name from %s", name,
                certmap_view_config_path(v));
        return NULL;
    }
    snprintf(path, size, "%s", loc + n);
    *rc = CLI_OK;
    return site;
}
