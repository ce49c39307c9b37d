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
void *arena_alloc(struct arena *a, size_t size);
char *arena_strndup(struct arena *a, const char *s, size_t len);
char *arena_strdup(struct arena *a, const char *s);
void arena_free(struct arena *a);

#endif
