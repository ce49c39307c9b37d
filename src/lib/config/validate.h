/*
 * validate.h - loading a document: parse, then check it against the schema
 * (validate.c).
 */
#ifndef CERTMAP_CONFIG_VALIDATE_H
#define CERTMAP_CONFIG_VALIDATE_H

#include "certmap/config.h"

struct certmap_config;

/*
 * Parses cfg->text into cfg->root and validates it.  Appends every finding to
 * diags; returns the number of structural errors (0 when usable: item errors
 * do not count), -1 on allocation failure.  Fills cfg->broken.
 */
int cfg_load_document(struct certmap_config *cfg, struct certmap_diags *diags);

#endif
