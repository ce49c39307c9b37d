/*
 * open.h - opening and parsing a configuration of a given kind (config.c).
 */
#ifndef CERTMAP_CONFIG_OPEN_H
#define CERTMAP_CONFIG_OPEN_H

#include "certmap/config.h"
#include "certmap/error.h"
#include "config/document.h"

/*
 * certmap_config_open() and certmap_config_parse() for a given kind of file
 * (the public calls load CFG_APPHOST).  A CFG_WEBCONFIG config cannot be
 * committed.
 */
struct certmap_config *cfg_open_kind(const char *path, const struct certmap_open_options *opts,
                                     enum cfg_kind kind, struct certmap_diags *diags,
                                     struct certmap_error *err);
struct certmap_config *cfg_parse_kind(const char *name, const char *data, size_t len,
                                      const struct certmap_open_options *opts, enum cfg_kind kind,
                                      struct certmap_diags *diags, struct certmap_error *err);

#endif
