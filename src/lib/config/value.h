/*
 * value.h - typed attribute values: parse, check, canonical spelling (value.c).
 */
#ifndef CERTMAP_CONFIG_VALUE_H
#define CERTMAP_CONFIG_VALUE_H

#include <stddef.h>

#include "config/schema.h"

/*
 * Checks text against the attribute's type.  On success returns 0 and, when
 * canon is not NULL, the canonical spelling into canon (size bytes) and the
 * numeric value into *num (bool 0/1, enum/flags value, uint).  -1 and a message
 * (without location) into msg otherwise.
 */
int cfg_value_parse(const struct schema_attr *a, const char *text, size_t len, char *canon,
                    size_t size, unsigned long long *num, char *msg, size_t msgsize);
/* Canonical spelling of a flags value into buf. */
const char *cfg_value_format_flags(const struct schema_attr *a, unsigned long long v, char *buf,
                                   size_t size);

#endif
