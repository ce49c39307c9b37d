/*
 * tlsmem.c - OpenSSL's allocations through mimalloc (tlsmem.h says why).
 */
#include "tlsmem.h"

#include <openssl/crypto.h>

#ifdef CERTMAP_OPENSSL_MIMALLOC
#include <mimalloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

static char allocator_name[32] = "libc malloc"; /* set once, by tlsmem_init() before any thread */

/*
 * The three behave as OpenSSL's own defaults (crypto/mem.c) do around
 * malloc: a request for 0 bytes answers NULL, and realloc to 0 bytes frees.
 * mimalloc would answer a unique pointer to both, which code written for the
 * defaults does not expect.  OpenSSL passes the caller's file and line for
 * its debugging allocators; mimalloc has no use for them.
 */
static void *
on_malloc(size_t n, const char *file, int line)
{
    (void)file;
    (void)line;
    if (n == 0)
        return NULL;
    return mi_malloc(n);
}

static void *
on_realloc(void *p, size_t n, const char *file, int line)
{
    (void)file;
    (void)line;
    if (p == NULL)
        return on_malloc(n, file, line);
    if (n == 0) {
        mi_free(p);
        return NULL;
    }
    return mi_realloc(p, n);
}

static void
on_free(void *p, const char *file, int line)
{
    (void)file;
    (void)line;
    mi_free(p);
}

int
tlsmem_init(struct certmap_error *err)
{
    void *p;
    bool everything;
    int v;

    /*
     * Debian's libmimalloc exports malloc and free as well: were it found
     * before libc (link order, LD_PRELOAD), it would take every allocation of
     * the process, and the workers' heap trimming would act on nothing.
     * mi_check_owned() looks through this thread's heap, which is where such
     * a block would be (mi_is_in_heap_region() misses segments mapped above
     * mimalloc's address hint, as under ASan).  calloc: gcc -O2 warns of a
     * const pointer to bytes never set.
     */
    p = calloc(1, 64);
    everything = p != NULL && mi_check_owned(p);
    free(p);
    if (everything)
        return certmap_error_set(err, CERTMAP_ERR_USAGE, NULL, 0, NULL, NULL,
                                 "mimalloc answers malloc() for the whole process (it comes "
                                 "before libc among certmapd's libraries, or is preloaded): "
                                 "it is meant for OpenSSL's allocations only");
    if (CRYPTO_set_mem_functions(on_malloc, on_realloc, on_free) != 1)
        return certmap_error_set(err, CERTMAP_ERR_USAGE, NULL, 0, NULL, NULL,
                                 "OpenSSL refused mimalloc as its allocator: it has allocated "
                                 "already (CRYPTO_set_mem_functions must come first)");
    v = mi_version();
    snprintf(allocator_name, sizeof(allocator_name), "mimalloc %d.%d.%d", v / 100, v / 10 % 10,
             v % 10);
    return 0;
}

void
tlsmem_trim(void)
{
    mi_collect(false);
}

const char *
tlsmem_allocator(void)
{
    return allocator_name;
}

#else /* !CERTMAP_OPENSSL_MIMALLOC */

int
tlsmem_init(struct certmap_error *err)
{
    (void)err;
    return 0;
}

void
tlsmem_trim(void)
{
}

const char *
tlsmem_allocator(void)
{
    return "libc malloc";
}

#endif
