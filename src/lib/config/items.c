/*
 * items.c - the broken values behind item errors.
 *
 * An item error (a mapping whose password does not decrypt or whose
 * certificate does not decode) disables one item and leaves the file usable.
 * A commit may keep such an item as it found it (the admin repairs one
 * mapping at a time in a file IIS wrote), but never break one that worked:
 * each broken value is remembered by the SHA-256 of its attribute name and
 * stored text, and the document to be written may hold only broken values
 * the opened document already held, as many times at most.  Counting errors
 * alone would let one write repair a mapping and break another unseen.
 */
#include "config/items.h"

#include "config/document.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

int
cfg_broken_add(struct certmap_config *cfg, const char *attr, const char *value, size_t len)
{
    EVP_MD_CTX *md;
    int ok;

    if (cfg->nbroken == cfg->capbroken) {
        size_t ncap = cfg->capbroken ? cfg->capbroken * 2 : 16;
        unsigned char(*p)[32] = realloc(cfg->broken, ncap * sizeof(*p));
        if (p == NULL)
            return -1;
        cfg->broken = p;
        cfg->capbroken = ncap;
    }
    /* the name and the value, NUL between: "password" and "certificate" never collide */
    md = EVP_MD_CTX_new();
    ok = md != NULL && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
         EVP_DigestUpdate(md, attr, strlen(attr) + 1) == 1 &&
         EVP_DigestUpdate(md, value, len) == 1 &&
         EVP_DigestFinal_ex(md, cfg->broken[cfg->nbroken], NULL) == 1;
    EVP_MD_CTX_free(md);
    if (!ok)
        return -1;
    cfg->nbroken++;
    return 0;
}

static int
cmp_digest(const void *a, const void *b)
{
    return memcmp(a, b, 32);
}

/* See items.h.  The base is sorted once per call: a commit compares once. */
size_t
cfg_broken_first_new(const struct certmap_config *base, const struct certmap_config *now)
{
    unsigned char(*sorted)[32] = NULL;
    bool *used = NULL;
    size_t ret = (size_t)-1;

    if (now->nbroken == 0)
        return (size_t)-1;
    if (base->nbroken == 0)
        return 0;
    sorted = malloc(base->nbroken * sizeof(*sorted));
    used = calloc(base->nbroken, sizeof(*used));
    if (sorted == NULL || used == NULL) {
        ret = (size_t)-2;
        goto out;
    }
    memcpy(sorted, base->broken, base->nbroken * sizeof(*sorted));
    qsort(sorted, base->nbroken, sizeof(*sorted), cmp_digest);
    for (size_t i = 0; i < now->nbroken && ret == (size_t)-1; i++) {
        size_t lo = 0, hi = base->nbroken;
        /* first equal entry, then the first of its run not yet matched */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (memcmp(sorted[mid], now->broken[i], 32) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        while (lo < base->nbroken && used[lo] && memcmp(sorted[lo], now->broken[i], 32) == 0)
            lo++;
        if (lo < base->nbroken && memcmp(sorted[lo], now->broken[i], 32) == 0)
            used[lo] = true;
        else
            ret = i;
    }
out:
    free(sorted);
    free(used);
    return ret;
}
