/*
 * unenforced.h - access rules of IIS sections certmap does not enforce
 * (unenforced.c): the list an admin acknowledges.
 */
#ifndef CERTMAP_CONFIG_UNENFORCED_H
#define CERTMAP_CONFIG_UNENFORCED_H

#include <stddef.h>

#include "certmap/config.h"
#include "certmap/error.h"

/*
 * Parses an unenforcedSections value: comma-separated section names, each the
 * last path segment ("authorization") or the full path, case-insensitive.
 * 0 and *mask (when not NULL) set, or -1 and a message naming the value and
 * the allowed names.
 */
int unenforced_parse_list(const char *text, size_t len, unsigned *mask, char *msg, size_t msgsize);

/*
 * certmap_config_check_unenforced() for the rules written in cfg (a
 * web.config), acknowledged by host's <certmap><server unenforcedSections>.
 * Returns the number of errors added, -1 on bad arguments.
 */
int unenforced_check_in(struct certmap_config *host, struct certmap_config *cfg,
                        struct certmap_diags *diags);

#endif
