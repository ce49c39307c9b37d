/*
 * tlsmem.h - the allocator OpenSSL uses inside certmapd.
 *
 * A full handshake makes about a thousand OpenSSL allocations; through
 * glibc's malloc they cost ~15 % of the handshake's instructions, 6 % of it
 * in arena locks (callgrind, bench/results/openssl-mimalloc-2026-12-05.md).
 * Built with CERTMAP_OPENSSL_MIMALLOC (the default outside sanitizer
 * builds), certmapd hands OpenSSL's malloc, realloc and free to mimalloc,
 * whose per-thread heaps take no lock.  Only OpenSSL's: certmapd's own
 * allocations and those of libcertmap, libxml2 and PAM stay on glibc's
 * malloc, whose heap the workers trim after a busy spell; the certmap CLI
 * and programs linking libcertmap are not affected.
 *
 * Memory OpenSSL allocates is freed with OPENSSL_free() (never free()), and
 * memory handed to OpenSSL to own (an ASN1_STRING_set0() buffer...) comes
 * from OPENSSL_malloc(): with two allocators a mix-up is heap corruption,
 * not a leak.
 */
#ifndef CERTMAP_SERVER_TLSMEM_H
#define CERTMAP_SERVER_TLSMEM_H

#include "certmap/error.h"

/*
 * Routes OpenSSL's allocations to mimalloc (with CERTMAP_OPENSSL_MIMALLOC;
 * without it, does nothing and returns 0).  Must run before any OpenSSL call
 * that allocates, because OpenSSL refuses another allocator once it has made
 * its first allocation: main() calls it first.  Returns 0, or -1 with err
 * filled when OpenSSL refused (something allocated before).
 */
int tlsmem_init(struct certmap_error *err);

/*
 * Hands back to the system the pages of the calling thread's mimalloc heap
 * that OpenSSL's freed blocks left empty.  mimalloc decommits them only when
 * the thread next allocates, which a worker that has gone quiet does not do:
 * the worker calls this after a quiet spell, beside glibc's malloc_trim().
 * Without CERTMAP_OPENSSL_MIMALLOC: nothing.
 */
void tlsmem_trim(void);

/*
 * What OpenSSL allocates with, for the start-up log line: "mimalloc 2.0.9"
 * after a successful tlsmem_init(), "libc malloc" otherwise.  Static text.
 */
const char *tlsmem_allocator(void);

#endif
