/*
 * facts.c - a serve-only item's certificate kept as its key and facts.
 */
#include "config/facts.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "certmap/cert.h"
#include "cert/facts.h"
#include "config/arena.h"
#include "config/document.h"
#include "config/tree.h"

int
cfg_item_cert_facts(struct certmap_config *cfg, struct cnode *n, const char *value, size_t len,
                    struct certmap_error *err)
{
    struct cnode_cert_facts *cf;
    struct cert_facts f;
    unsigned char *der = NULL, *key, *subject;
    size_t der_len = 0;
    int ret = -1;

    if (cert_decode_facts(value, len, &der, &der_len, &f, err) != 0)
        goto out;
    /*
     * The arena aligns to max_align_t: the facts after the 32-byte key are
     * aligned too.  The subject goes to cfg->facts, which a compact index
     * holds instead of copying 100 000 subjects while the tree still lives.
     */
    if (cfg->facts == NULL)
        cfg->facts = cfg_shared_new();
    key = f.subject_len > UINT32_MAX || cfg->facts == NULL
              ? NULL
              : cfg_arena_alloc(&cfg->arena, 32 + sizeof(*cf));
    subject = key == NULL ? NULL : cfg_shared_alloc(cfg->facts, f.subject_len);
    if (subject == NULL)
        key = NULL;
    if (key == NULL) {
        certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL, "out of memory");
        goto out;
    }
    certmap_cert_sha256(der, der_len, key);
    cf = (struct cnode_cert_facts *)(void *)(key + 32);
    cf->not_after = f.not_after;
    cf->subject_len = (uint32_t)f.subject_len;
    memcpy(subject, der + f.subject_off, f.subject_len);
    cf->subject = subject;
    n->key = key;
    n->klen = 32;
    n->flags |= CN_KEYED | CN_FACTS;
    ret = 0;
out:
    free(der);
    return ret;
}
