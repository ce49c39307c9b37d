/*
 * arena.c - the memory a configuration's tree lives in: blocks of 1 MiB
 * (or one block for a larger request), freed at once at close.
 */
#include "config/arena.h"

#include <stdatomic.h>
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

/* Byte strings only: packed without alignment. */
struct shared_block {
    struct shared_block *next;
    size_t used, size;
    unsigned char data[];
};

struct cfg_shared {
    atomic_uint refs; /* the configuration + one per index holding it */
    struct shared_block *head;
};

struct cfg_shared *
cfg_shared_new(void)
{
    struct cfg_shared *s = calloc(1, sizeof(*s));

    if (s != NULL)
        atomic_init(&s->refs, 1);
    return s;
}

struct cfg_shared *
cfg_shared_ref(struct cfg_shared *s)
{
    if (s != NULL)
        atomic_fetch_add(&s->refs, 1);
    return s;
}

void
cfg_shared_unref(void *p)
{
    struct cfg_shared *s = p;
    struct shared_block *b, *n;

    if (s == NULL || atomic_fetch_sub(&s->refs, 1) != 1)
        return;
    for (b = s->head; b != NULL; b = n) {
        n = b->next;
        free(b);
    }
    free(s);
}

void *
cfg_shared_alloc(struct cfg_shared *s, size_t size)
{
    struct shared_block *b = s->head;
    void *p;

    if (b == NULL || b->size - b->used < size) {
        size_t bs = size > ARENA_BLOCK / 4 ? size : ARENA_BLOCK;
        b = malloc(sizeof(*b) + bs);
        if (b == NULL)
            return NULL;
        b->used = 0;
        b->size = bs;
        b->next = s->head;
        s->head = b;
    }
    p = b->data + b->used;
    b->used += size;
    return p;
}
