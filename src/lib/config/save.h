/*
 * save.h - the text-patching serializer (save.c).
 */
#ifndef CERTMAP_CONFIG_SAVE_H
#define CERTMAP_CONFIG_SAVE_H

#include <stddef.h>

struct certmap_config;

/*
 * Serializes the tree into a malloc'd buffer.  With apply, the tree is
 * re-based on the new text afterwards (ranges, lines, deleted nodes dropped):
 * call it only once the text is what the file holds.
 */
int cfg_save_document(struct certmap_config *cfg, char **out, size_t *out_len);
void cfg_save_rebase(struct certmap_config *cfg, char *text, size_t len);

#endif
