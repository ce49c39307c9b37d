/*
 * webconfig.h - loading one web.config file (IIS delegated configuration).
 *
 * A web.config is read with the loader of applicationHost.config and the
 * same schema, with the rules IIS applies to files in content directories:
 *   - the root is <configuration>; the sections certmap implements under
 *     system.webServer are allowed (whether the server's locks allow them at
 *     this path is decided separately, by lock.h);
 *   - system.applicationHost and the <certmap> extensions are errors (server
 *     level only), as is a <configSections> declaration of a section certmap
 *     implements; a web.config may declare its own, unrelated sections;
 *   - .NET sections machine.config declares (appSettings, system.web...) are
 *     kept as notes.
 *
 * Locations: the web.config's root level applies to its own directory.  A
 * <location path="sub/dir"> inside it applies to that path *relative to the
 * web.config's directory*: the config keeps it as the location path
 * "sub/dir" (normalised like any location path: no leading or trailing '/'),
 * so a caller that knows the web.config's URL path ("Site/app") prefixes it
 * ("Site/app/sub/dir").  ".." is refused.  certmap_config_get_section() on a
 * web.config therefore takes paths relative to its directory ("" for the
 * directory itself).
 *
 * Ownership: a config returned here is freed with certmap_config_close() and
 * cannot be committed (certmap does not write web.config files).
 */
#ifndef CERTMAP_CONFIG_WEBCONFIG_H
#define CERTMAP_CONFIG_WEBCONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "certmap/config.h"
#include "certmap/error.h"

/*
 * Opens the web.config at path.  opts as for certmap_config_open(); pass the
 * server's key_file (the default, certmap.key next to the web.config, is in
 * the content directory) and skip_secrets; lock, create, history_dir and
 * history_keep are ignored.
 *
 * Returns 0 and *out set to the loaded config, 0 and *out NULL when there is
 * no file at path (ENOENT: "no web.config here", not an error), or -1 with
 * *out NULL, err filled with the first error (file:line) and every finding
 * appended to diags (may be NULL) when the file cannot be read or holds an
 * error (malformed XML, a forbidden section...): the caller answers 500.19
 * for the URLs under it.
 */
int webconfig_open(const char *path, const struct certmap_open_options *opts,
                   struct certmap_config **out, struct certmap_diags *diags,
                   struct certmap_error *err);

/*
 * Loads a web.config from memory; name is used in messages (give the file's
 * path).  NULL and err/diags filled on any error, as webconfig_open().
 */
struct certmap_config *webconfig_parse(const char *name, const char *data, size_t len,
                                       const struct certmap_open_options *opts,
                                       struct certmap_diags *diags, struct certmap_error *err);

/* true when cfg was loaded by webconfig_open() or webconfig_parse(). */
bool webconfig_is(const struct certmap_config *cfg);

#endif
