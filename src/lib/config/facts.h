/*
 * facts.h - what a serve-only configuration keeps of a one-to-one mapping's
 * certificate instead of its text (facts.c): the key and the facts of
 * tree.h's struct cnode_cert_facts, from one decode.
 */
#ifndef CERTMAP_CONFIG_FACTS_H
#define CERTMAP_CONFIG_FACTS_H

#include <stddef.h>

#include "certmap/error.h"

struct certmap_config;
struct cnode;

/*
 * Decodes the certificate value[0..len) of item n and keeps, in cfg->facts,
 * its SHA-256 as n's key followed by its notAfter and subject (n gets
 * CN_KEYED | CN_FACTS).  0; -1 with err filled and n unchanged when the value
 * does not decode, or when memory runs out (err->kind CERTMAP_ERR_NOMEM).
 */
int cfg_item_cert_facts(struct certmap_config *cfg, struct cnode *n, const char *value, size_t len,
                        struct certmap_error *err);

#endif
