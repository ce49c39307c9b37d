/*
 * unenforced.h - access rules of IIS sections certmap does not enforce
 * (unenforced.c): the list an admin acknowledges.
 */
#ifndef CERTMAP_CONFIG_UNENFORCED_H
#define CERTMAP_CONFIG_UNENFORCED_H

#include <stddef.h>

/*
 * Parses an unenforcedSections value: comma-separated section names, each the
 * last path segment ("authorization") or the full path, case-insensitive.
 * 0 and *mask (when not NULL) set, or -1 and a message naming the value and
 * the allowed names.
 */
int unenforced_parse_list(const char *text, size_t len, unsigned *mask, char *msg, size_t msgsize);

#endif
