/*
 * parse.h - libxml2 SAX parse + lexer -> tree (parse.c).
 */
#ifndef CERTMAP_CONFIG_PARSE_H
#define CERTMAP_CONFIG_PARSE_H

#include "certmap/config.h"

struct certmap_config;

/* Builds cfg->root from cfg->text.  0, or 1 with the error added to d. */
int cfg_parse_document(struct certmap_config *cfg, struct certmap_diags *d);

#endif
