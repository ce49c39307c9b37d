/*
 * webconfig.c - loading a web.config: the loader of applicationHost.config
 * in its CFG_WEBCONFIG mode (the rules themselves live with the other schema
 * rules, in validate.c), and the "no file is no web.config" case.
 */
#include "config/webconfig.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "config/document.h"
#include "config/open.h"

/* The options that make sense for a web.config (see webconfig.h). */
static struct certmap_open_options
web_options(const struct certmap_open_options *opts)
{
    struct certmap_open_options o = {0};

    if (opts != NULL) {
        o.key_file = opts->key_file;
        o.skip_secrets = opts->skip_secrets;
    }
    return o;
}

int
webconfig_open(const char *path, const struct certmap_open_options *opts,
               struct certmap_config **out, struct certmap_diags *diags, struct certmap_error *err)
{
    struct certmap_open_options o = web_options(opts);
    struct stat st;

    if (out == NULL || path == NULL)
        return certmap_error_set(err, CERTMAP_ERR_USAGE, path, 0, NULL, NULL,
                                 "no web.config path or result");
    *out = NULL;
    /* IIS looks for web.config in every directory; most have none */
    if (stat(path, &st) != 0 && errno == ENOENT)
        return 0;
    /* any other stat failure is reported by the open, with its reason */
    *out = cfg_open_kind(path, &o, CFG_WEBCONFIG, diags, err);
    return *out != NULL ? 0 : -1;
}

struct certmap_config *
webconfig_parse(const char *name, const char *data, size_t len,
                const struct certmap_open_options *opts, struct certmap_diags *diags,
                struct certmap_error *err)
{
    struct certmap_open_options o = web_options(opts);

    return cfg_parse_kind(name, data, len, &o, CFG_WEBCONFIG, diags, err);
}

bool
webconfig_is(const struct certmap_config *cfg)
{
    return cfg != NULL && cfg->kind == CFG_WEBCONFIG;
}
