/*
 * mapping.c - the one-to-one mapping index.
 *
 * An open-addressing table (linear probing, load factor at most 1/2) of
 * 8-byte slots: the entry number and 32 bits of the hash, so that a probe
 * touches an entry only when the hash bits agree.  The hash is the first 8
 * bytes of the certificate's SHA-256, mixed with a random seed per index so
 * that slot positions cannot be predicted from the certificates; a match is
 * then confirmed on the full SHA-256 and the full DER bytes.  The same table
 * answers lookups by fingerprint, since the fingerprint is the hash input.
 *
 * All bytes an entry owns (DER, user name, source file) sit in one arena and
 * passwords in another that is wiped before it is freed: 100 000 mappings are
 * a few large allocations rather than 400 000 small ones.
 */
#include "mapping.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "certmap/cert.h"

/* Arena blocks: large enough that 100 000 certificates take a few dozen. */
#define ARENA_BLOCK (1024 * 1024)

/* An index never holds more entries than a slot can number. */
#define MAX_ENTRIES (UINT32_MAX / 4)

struct arena_block {
    struct arena_block *next; /* older block */
    size_t used;              /* bytes handed out from data */
    size_t cap;               /* bytes in data */
    unsigned char data[];
};

struct arena {
    struct arena_block *head; /* newest block, allocated from */
};

struct slot {
    uint32_t entry; /* entry number + 1; 0 marks a free slot */
    uint32_t tag;   /* high 32 bits of the mixed hash */
};

struct held {
    void *owner;
    void (*release)(void *);
};

struct mapping_index {
    struct mapping *entries; /* count entries in insertion order */
    size_t count;
    size_t entries_cap;
    struct slot *slots; /* mask + 1 slots, a power of two */
    size_t mask;
    uint64_t seed;         /* per-index random seed of the slot hash */
    struct arena data;     /* DER copies, user names, source file names */
    struct arena secrets;  /* passwords, wiped on free */
    const char *last_file; /* interned copy of the latest source file name */
    const char *last_user; /* interned copy of the latest user name */
    const char *last_pass; /* copy of the latest password (in secrets) */
    bool compact;          /* entries keep no DER (mapping.h) */
    struct held *held;     /* memory held for entries (mapping_index_hold), nheld of them */
    size_t nheld;
};

static void *
arena_alloc(struct arena *a, size_t n)
{
    struct arena_block *b = a->head;
    size_t cap;
    void *p;

    if (b == NULL || b->cap - b->used < n) {
        cap = n > ARENA_BLOCK ? n : ARENA_BLOCK;
        b = malloc(sizeof(*b) + cap);
        if (b == NULL)
            return NULL;
        b->used = 0;
        b->cap = cap;
        b->next = a->head;
        a->head = b;
    }
    p = b->data + b->used;
    b->used += n;
    return p;
}

static char *
arena_strdup(struct arena *a, const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = arena_alloc(a, n);

    if (p != NULL)
        memcpy(p, s, n);
    return p;
}

static void
arena_free(struct arena *a, bool wipe)
{
    struct arena_block *b, *next;

    for (b = a->head; b != NULL; b = next) {
        next = b->next;
        if (wipe)
            OPENSSL_cleanse(b->data, b->used);
        free(b);
    }
    a->head = NULL;
}

/* splitmix64's finaliser: every input bit moves every output bit. */
static uint64_t
mix(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

static uint64_t
slot_hash(const struct mapping_index *idx, const unsigned char sha256[32])
{
    uint64_t h;

    memcpy(&h, sha256, sizeof(h));
    return mix(h ^ idx->seed);
}

static size_t
table_size_for(size_t n)
{
    size_t size = 16;

    while (size < 2 * n)
        size *= 2;
    return size;
}

struct mapping_index *
mapping_index_new_compact(size_t hint)
{
    struct mapping_index *idx = mapping_index_new(hint);

    if (idx != NULL)
        idx->compact = true;
    return idx;
}

struct mapping_index *
mapping_index_new(size_t hint)
{
    struct mapping_index *idx;
    size_t size;

    if (hint > MAX_ENTRIES)
        hint = MAX_ENTRIES;
    idx = calloc(1, sizeof(*idx));
    if (idx == NULL)
        return NULL;
    size = table_size_for(hint);
    idx->slots = calloc(size, sizeof(*idx->slots));
    idx->entries_cap = hint > 16 ? hint : 16;
    idx->entries = malloc(idx->entries_cap * sizeof(*idx->entries));
    if (idx->slots == NULL || idx->entries == NULL ||
        RAND_bytes((unsigned char *)&idx->seed, sizeof(idx->seed)) != 1) {
        mapping_index_free(idx);
        return NULL;
    }
    idx->mask = size - 1;
    return idx;
}

size_t
mapping_index_count(const struct mapping_index *idx)
{
    return idx == NULL ? 0 : idx->count;
}

/* Places entry number i (whose hash is h) in the first free slot of its probe sequence. */
static void
place(struct slot *slots, size_t mask, uint32_t i, uint64_t h)
{
    size_t s = (size_t)h & mask;

    while (slots[s].entry != 0)
        s = (s + 1) & mask;
    slots[s].entry = i + 1;
    slots[s].tag = (uint32_t)(h >> 32);
}

static int
grow_table(struct mapping_index *idx)
{
    size_t size = (idx->mask + 1) * 2, i;
    struct slot *slots = calloc(size, sizeof(*slots));

    if (slots == NULL)
        return -1;
    for (i = 0; i < idx->count; i++)
        place(slots, size - 1, (uint32_t)i, slot_hash(idx, idx->entries[i].sha256));
    free(idx->slots);
    idx->slots = slots;
    idx->mask = size - 1;
    return 0;
}

/*
 * The entry with this fingerprint (and, when der is not NULL, exactly these
 * DER bytes), enabled or not; NULL when none.
 */
static const struct mapping *
find(const struct mapping_index *idx, const unsigned char sha256[32], const unsigned char *der,
     size_t der_len)
{
    uint64_t h = slot_hash(idx, sha256);
    uint32_t tag = (uint32_t)(h >> 32);
    size_t s = (size_t)h & idx->mask;
    const struct mapping *m;

    /* The load factor stays at most 1/2, so a free slot always ends the probe. */
    while (idx->slots[s].entry != 0) {
        if (idx->slots[s].tag == tag) {
            m = &idx->entries[idx->slots[s].entry - 1];
            /* a compact entry has no DER: its SHA-256 is the whole comparison */
            if (memcmp(m->sha256, sha256, 32) == 0 &&
                (der == NULL || m->der == NULL ||
                 (m->der_len == der_len && memcmp(m->der, der, der_len) == 0)))
                return m;
        }
        s = (s + 1) & idx->mask;
    }
    return NULL;
}

/* An arena copy of s that is the same as the previous one's when equal: names repeat. */
static const char *
intern_last(struct arena *a, const char **last, const char *s)
{
    if (*last == NULL || strcmp(*last, s) != 0)
        *last = arena_strdup(a, s);
    return *last;
}

/*
 * Copies the strings, subject (unless held: mapping_index_add_held()) and
 * (unless compact) DER of m into the index's arenas, as e.
 */
static int
copy_entry(struct mapping_index *idx, const struct mapping *m, const unsigned char sha256[32],
           bool held, struct mapping *e)
{
    unsigned char *der, *subject;
    const char *file = m->file != NULL ? m->file : "";

    memset(e, 0, sizeof(*e));
    if (!idx->compact) {
        der = arena_alloc(&idx->data, m->der_len);
        if (der == NULL)
            return -1;
        memcpy(der, m->der, m->der_len);
        e->der = der;
        e->der_len = m->der_len;
    }
    if (held) {
        e->subject = m->subject;
        e->subject_len = m->subject_len;
    } else if (m->subject != NULL && m->subject_len > 0) {
        subject = arena_alloc(&idx->data, m->subject_len);
        if (subject == NULL)
            return -1;
        memcpy(subject, m->subject, m->subject_len);
        e->subject = subject;
        e->subject_len = m->subject_len;
    }
    e->not_after = m->not_after;
    memcpy(e->sha256, sha256, 32);
    /* Every entry of a configuration file names the same file, and often the same user. */
    e->user = intern_last(&idx->data, &idx->last_user, m->user != NULL ? m->user : "");
    /* 100 000 mappings of one account carry one password: one copy, still wiped on free */
    e->password =
        m->password != NULL ? intern_last(&idx->secrets, &idx->last_pass, m->password) : NULL;
    e->file = intern_last(&idx->data, &idx->last_file, file);
    e->line = m->line;
    e->enabled = m->enabled;
    if (e->user == NULL || e->file == NULL || (m->password != NULL && e->password == NULL))
        return -1;
    return 0;
}

int
mapping_index_hold(struct mapping_index *idx, void *owner, void (*release)(void *))
{
    struct held *h = realloc(idx->held, (idx->nheld + 1) * sizeof(*h));

    if (h == NULL)
        return -1;
    idx->held = h;
    h[idx->nheld].owner = owner;
    h[idx->nheld].release = release;
    idx->nheld++;
    return 0;
}

static int add_entry(struct mapping_index *idx, const struct mapping *m, bool held,
                     struct certmap_error *err);

int
mapping_index_add(struct mapping_index *idx, const struct mapping *m, struct certmap_error *err)
{
    return add_entry(idx, m, false, err);
}

int
mapping_index_add_held(struct mapping_index *idx, const struct mapping *m,
                       struct certmap_error *err)
{
    return add_entry(idx, m, true, err);
}

static int
add_entry(struct mapping_index *idx, const struct mapping *m, bool held, struct certmap_error *err)
{
    unsigned char sha256[32];
    const struct mapping *prev;
    struct mapping *entries;
    size_t cap;

    if ((m->der == NULL || m->der_len == 0) && !idx->compact)
        return certmap_error_set(err, CERTMAP_ERR_USAGE, m->file, m->line, "add", "certificate",
                                 "mapping without a certificate");
    if (idx->count >= MAX_ENTRIES)
        return certmap_error_set(err, CERTMAP_ERR_INVALID, m->file, m->line, "add", NULL,
                                 "too many mappings (limit %u)", (unsigned)MAX_ENTRIES);
    /* Computed here when the DER is given: the index must not trust a stale fingerprint. */
    if (m->der != NULL && m->der_len > 0)
        certmap_cert_sha256(m->der, m->der_len, sha256);
    else
        memcpy(sha256, m->sha256, 32);
    prev = find(idx, sha256, idx->compact ? NULL : m->der, m->der_len);
    if (prev != NULL)
        return certmap_error_set(err, CERTMAP_ERR_INVALID, m->file, m->line, "add", "certificate",
                                 "duplicate certificate: already mapped at %s:%u (user \"%s\")",
                                 prev->file, prev->line, prev->user);
    if (2 * (idx->count + 1) > idx->mask + 1 && grow_table(idx) != 0)
        goto nomem;
    if (idx->count == idx->entries_cap) {
        cap = idx->entries_cap * 2;
        entries = realloc(idx->entries, cap * sizeof(*entries));
        if (entries == NULL)
            goto nomem;
        idx->entries = entries;
        idx->entries_cap = cap;
    }
    if (copy_entry(idx, m, sha256, held, &idx->entries[idx->count]) != 0)
        goto nomem;
    place(idx->slots, idx->mask, (uint32_t)idx->count, slot_hash(idx, sha256));
    idx->count++;
    return 0;
nomem:
    return certmap_error_set(err, CERTMAP_ERR_NOMEM, m->file, m->line, "add", NULL,
                             "out of memory");
}

const struct mapping *
mapping_index_lookup(const struct mapping_index *idx, const unsigned char *der, size_t der_len)
{
    unsigned char sha256[32];

    if (idx == NULL || der == NULL || der_len == 0)
        return NULL;
    certmap_cert_sha256(der, der_len, sha256);
    return mapping_index_lookup_hashed(idx, der, der_len, sha256);
}

const struct mapping *
mapping_index_lookup_hashed(const struct mapping_index *idx, const unsigned char *der,
                            size_t der_len, const unsigned char sha256[32])
{
    const struct mapping *m;

    if (idx == NULL || der == NULL || der_len == 0)
        return NULL;
    m = find(idx, sha256, der, der_len);
    return m != NULL && m->enabled ? m : NULL;
}

const struct mapping *
mapping_index_find_sha256(const struct mapping_index *idx, const unsigned char sha256[32])
{
    if (idx == NULL)
        return NULL;
    return find(idx, sha256, NULL, 0);
}

const struct mapping *
mapping_index_entry(const struct mapping_index *idx, size_t i)
{
    if (idx == NULL || i >= idx->count)
        return NULL;
    return &idx->entries[i];
}

void
mapping_index_free(struct mapping_index *idx)
{
    if (idx == NULL)
        return;
    arena_free(&idx->secrets, true);
    arena_free(&idx->data, false);
    free(idx->entries);
    free(idx->slots);
    for (size_t i = 0; i < idx->nheld; i++)
        idx->held[i].release(idx->held[i].owner);
    free(idx->held);
    free(idx);
}
