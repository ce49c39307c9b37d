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

#endif
