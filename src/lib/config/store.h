/*
 * store.h - the stored form of attribute values: canonical spelling,
 * certificates, password envelopes under the key file (store.c).
 */
#ifndef CERTMAP_CONFIG_STORE_H
#define CERTMAP_CONFIG_STORE_H

#include <stdbool.h>

#include "certmap/error.h"
#include "config/schema.h"

struct certmap_config;
struct certmap_element;

/* Loads the key file once (creating it when create is set). */
int cfg_load_key(struct certmap_config *cfg, bool create, struct certmap_error *err);
/*
 * Checks value against sa and converts it to what is stored (*stored,
 * malloc'd): canonical spelling, a certificate in IIS's single-line form
 * (its key digest into keydigest, *has_key set), a password encrypted.
 */
int cfg_store_form(struct certmap_element *e, const struct schema_attr *sa, const char *value,
                   char **stored, unsigned char keydigest[32], bool *has_key,
                   struct certmap_error *err);

#endif
