/*
 * table.c - the scopes of a site, by path: a hash table on the folded path
 * (one probe per path segment finds a request's scope), created on demand
 * with the spelling of the highest-ranked source.
 */
#include "view/internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int
table_grow(struct vsite *s)
{
    size_t n = (s->mask + 1) * 2, i;
    struct vscope **t;

    if (s->table == NULL)
        n = 64;
    t = calloc(n, sizeof(*t));
    if (t == NULL)
        return -1;
    for (i = 0; i < s->nscopes; i++) {
        struct vscope *sc = s->scopes[i];
        size_t h = view_hash(sc->key, sc->pub.path_len) & (n - 1);
        sc->next_hash = t[h];
        t[h] = sc;
    }
    free(s->table);
    s->table = t;
    s->mask = n - 1;
    return 0;
}

struct vscope *
view_scope_find(const struct vsite *s, const char *path, size_t len)
{
    struct vscope *sc;

    if (s->table == NULL)
        return NULL;
    for (sc = s->table[view_hash(path, len) & s->mask]; sc != NULL; sc = sc->next_hash)
        if (sc->pub.path_len == len && strncasecmp(sc->key, path, len) == 0)
            return sc;
    return NULL;
}

/*
 * The scope of path (normalised: "" or "/a/b", len bytes), created when
 * missing; kind is added and the spelling of the highest rank kept.
 */
static struct vscope *
scope_get(struct vbuild *b, struct vsite *s, const char *path, size_t len, unsigned kind, int rank)
{
    struct vscope *sc = view_scope_find(s, path, len);
    char *p;
    size_t h;

    if (sc != NULL) {
        sc->pub.kind |= kind;
        if (rank > sc->spell_rank) {
            p = cfg_arena_strndup(&b->v->arena, path, len);
            if (p == NULL)
                return NULL;
            sc->pub.path = p;
            sc->spell_rank = rank;
        }
        return sc;
    }
    if (s->nscopes == s->capscopes) {
        size_t ncap = s->capscopes ? s->capscopes * 2 : 16;
        struct vscope **a = realloc(s->scopes, ncap * sizeof(*a));
        if (a == NULL)
            return NULL;
        s->scopes = a;
        s->capscopes = ncap;
    }
    if ((s->nscopes + 1) > s->mask + 1 && table_grow(s) != 0)
        return NULL;
    if (s->table == NULL && table_grow(s) != 0)
        return NULL;
    sc = cfg_arena_alloc(&b->v->arena, sizeof(*sc));
    if (sc == NULL)
        return NULL;
    memset(sc, 0, sizeof(*sc));
    sc->pub.path = cfg_arena_strndup(&b->v->arena, path, len);
    sc->key = cfg_arena_strndup(&b->v->arena, path, len);
    if (sc->pub.path == NULL || sc->key == NULL)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        sc->key[i] = (char)tolower_ascii((unsigned char)sc->key[i]);
        sc->nseg += path[i] == '/';
    }
    sc->pub.path_len = len;
    sc->pub.kind = kind;
    sc->spell_rank = rank;
    h = view_hash(sc->key, len) & s->mask;
    sc->next_hash = s->table[h];
    s->table[h] = sc;
    s->scopes[s->nscopes++] = sc;
    return sc;
}

int
view_scope_add_layer(struct vscope *sc, struct cnode *container, struct certmap_config *cfg,
                     bool no_inherit)
{
    if (sc->nlayers == sc->caplayers) {
        size_t ncap = sc->caplayers ? sc->caplayers * 2 : 2;
        struct vlayer *l = realloc(sc->layers, ncap * sizeof(*l));
        if (l == NULL)
            return -1;
        sc->layers = l;
        sc->caplayers = ncap;
    }
    sc->layers[sc->nlayers++] = (struct vlayer){container, cfg, no_inherit};
    return 0;
}

struct cnode *
view_layer_section(const struct vscope *sc, size_t i, const char *section, bool inheritable_only)
{
    if (inheritable_only && sc->layers[i].no_inherit)
        return NULL;
    return cfg_loc_find_section(sc->layers[i].container, section);
}

bool
view_scope_writes(const struct vscope *sc, const char *section, bool inheritable_only)
{
    for (size_t i = 0; i < sc->nlayers; i++)
        if (view_layer_section(sc, i, section, inheritable_only) != NULL)
            return true;
    return false;
}

/*
 * Normalises a URL path below a site into out: "" for the root, else
 * "/a/b" (leading '/', no empty segments, no trailing '/').  Only '/'
 * separates segments, as in the configuration engine's location paths: a
 * '\' is a character of a name (a path no request can reach, never the
 * root).  Returns the length, or (size_t)-1 when out is too small.
 */
static size_t
norm_path(const char *in, char *out, size_t size)
{
    size_t o = 0;

    for (const char *p = in; *p != '\0'; p++) {
        if (*p == '/')
            continue;
        if (p == in || p[-1] == '/') {
            if (o + 1 >= size)
                return (size_t)-1;
            out[o++] = '/';
        }
        if (o + 1 >= size)
            return (size_t)-1;
        out[o++] = *p;
    }
    out[o] = '\0';
    return o;
}

/* Adds path (any spelling) as a scope of kind. NULL on allocation failure or overlong path. */
struct vscope *
view_scope_add(struct vbuild *b, struct vsite *s, const char *path, unsigned kind, int rank)
{
    size_t cap = strlen(path) + 2, len;
    char *buf = malloc(cap);
    struct vscope *sc = NULL;

    if (buf == NULL)
        return NULL;
    len = norm_path(path, buf, cap);
    if (len != (size_t)-1)
        sc = scope_get(b, s, buf, len, kind, rank);
    free(buf);
    return sc;
}
