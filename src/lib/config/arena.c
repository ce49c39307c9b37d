/*
 * arena.c - the memory a configuration's tree lives in: blocks of 1 MiB
 * (or one block for a larger request), freed at once at close.
 */
#include "config/arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

struct arena_block {
    struct arena_block *next;
    size_t used, size;
    max_align_t data[];
};

#define ARENA_BLOCK ((size_t)1 << 20)

void *
cfg_arena_alloc(struct arena *a, size_t size)
{
    struct arena_block *b = a->head;
    size_t al = (size + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);

    if (b == NULL || b->size - b->used < al) {
        size_t bs = al > ARENA_BLOCK / 4 ? al : ARENA_BLOCK;
        struct arena_block *nb = malloc(sizeof(*nb) + bs);
        if (nb == NULL)
            return NULL;
        nb->used = 0;
        nb->size = bs;
        if (bs != ARENA_BLOCK && b != NULL) {
            /* a big one-off block goes behind the current one, which keeps filling */
            nb->next = b->next;
            b->next = nb;
            nb->used = al;
            return nb->data;
        }
        nb->next = b;
        a->head = nb;
        b = nb;
    }
    void *p = (char *)b->data + b->used;
    b->used += al;
    return p;
}

char *
cfg_arena_strndup(struct arena *a, const char *s, size_t len)
{
    char *p = cfg_arena_alloc(a, len + 1);

    if (p == NULL)
        return NULL;
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *
cfg_arena_strdup(struct arena *a, const char *s)
{
    return s != NULL ? cfg_arena_strndup(a, s, strlen(s)) : NULL;
}

void
cfg_arena_free(struct arena *a)
{
    struct arena_block *b = a->head, *n;

    for (; b != NULL; b = n) {
        n = b->next;
        /* blocks may hold decrypted-then-encrypted copies of nothing secret; values set through
         * the API are envelopes, but wipe anyway: it is cheap next to the parse */
        OPENSSL_cleanse(b->data, b->used);
        free(b);
    }
    a->head = NULL;
}
