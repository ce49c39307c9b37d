/*
 * arena.h - the memory a configuration's tree lives in, freed at once (arena.c).
 */
#ifndef CERTMAP_CONFIG_ARENA_H
#define CERTMAP_CONFIG_ARENA_H

#include <stddef.h>

struct arena_block;
struct arena {
    struct arena_block *head;
};
void *cfg_arena_alloc(struct arena *a, size_t size);
char *cfg_arena_strndup(struct arena *a, const char *s, size_t len);
char *cfg_arena_strdup(struct arena *a, const char *s);
void cfg_arena_free(struct arena *a);

/*
 * Bytes shared by a configuration and the mapping indexes built from it
 * (the certificate subjects of a serve-only configuration, tree.h), packed
 * without alignment: freed when
 * the last holder lets it go, from any thread.  cfg_shared_new() gives one
 * reference (NULL on allocation failure); cfg_shared_ref() another;
 * cfg_shared_unref() (NULL-safe; its argument a struct cfg_shared *, so that
 * a mapping index can call it without knowing the type) drops one.
 */
struct cfg_shared;
struct cfg_shared *cfg_shared_new(void);
struct cfg_shared *cfg_shared_ref(struct cfg_shared *s);
void cfg_shared_unref(void *s);
void *cfg_shared_alloc(struct cfg_shared *s, size_t size);

#endif
