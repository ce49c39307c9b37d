/*
 * section.c - effective sections of a scope: the schema's sections a
 * <location> may set, and their values, shared between scopes until a layer
 * writes to them (copy on write).  Defaults live in the schema only.
 */
#include "view/internal.h"

#include <string.h>

/* The sections a scope carries: every schema section a <location> may set. */
int
view_section_index(const char *path)
{
    int k = 0;

    for (const struct schema_section *s = cfg_schema_sections; s->path != NULL; s++) {
        if (s->flags & SS_SERVER_ONLY)
            continue;
        if (strcmp(s->path, path) == 0)
            return k;
        k++;
    }
    return -1;
}

const struct schema_section *
view_section_at(int i)
{
    int k = 0;

    for (const struct schema_section *s = cfg_schema_sections; s->path != NULL; s++) {
        if (s->flags & SS_SERVER_ONLY)
            continue;
        if (k++ == i)
            return s;
    }
    return NULL;
}

size_t
view_section_count(void)
{
    size_t n = 0;

    for (const struct schema_section *s = cfg_schema_sections; s->path != NULL; s++)
        n += (s->flags & SS_SERVER_ONLY) == 0;
    return n;
}

size_t
view_hash(const char *s, size_t len)
{
    return cfg_fold_hash(s, len, 0);
}

const char *
view_file_name(struct vbuild *b, struct certmap_config *cfg)
{
    if (b->name_cfg != cfg) {
        b->name_copy = cfg_arena_strdup(&b->v->arena, cfg->name);
        b->name_cfg = cfg;
    }
    return b->name_copy;
}

struct vsec *
vsec_new(struct vbuild *b, const struct schema_section *sec, const struct vsec *base)
{
    struct vsec *s = cfg_arena_alloc(&b->v->arena, sizeof(*s));
    size_t n = 0;

    if (s == NULL)
        return NULL;
    for (const struct schema_attr *a = sec->elem->attrs; a != NULL && a->name != NULL; a++)
        n++;
    s->sec = sec;
    s->nvals = n;
    s->vals = cfg_arena_alloc(&b->v->arena, (n ? n : 1) * sizeof(*s->vals));
    if (s->vals == NULL)
        return NULL;
    if (base != NULL)
        memcpy(s->vals, base->vals, n * sizeof(*s->vals));
    else
        memset(s->vals, 0, n * sizeof(*s->vals));
    return s;
}

static size_t
attr_index(const struct schema_elem *e, const char *name)
{
    size_t i = 0;

    for (const struct schema_attr *a = e->attrs; a != NULL && a->name != NULL; a++, i++)
        if (strcmp(a->name, name) == 0)
            return i;
    return (size_t)-1;
}

int
vsec_apply(struct vbuild *b, struct vsec *s, struct certmap_config *cfg, struct cnode *n)
{
    const struct schema_elem *e = s->sec->elem;

    for (uint32_t k = 0; k < n->nattrs; k++) {
        struct cattr *ca = &n->attrs[k];
        size_t i = attr_index(e, ca->name);
        const struct schema_attr *sa;
        const char *text;
        char canon[1024], msg[768];
        unsigned long long num = 0;
        struct vval *val;

        if (i == (size_t)-1)
            continue; /* lockAttributes & co.: not a value */
        sa = &e->attrs[i];
        text = cfg_attr_value(cfg, ca);
        if (text == NULL)
            return -1;
        if (cfg_value_parse(sa, text, strlen(text), sa->type == ST_STRING ? NULL : canon,
                            sa->type == ST_STRING ? 0 : sizeof(canon), &num, msg,
                            sizeof(msg)) != 0) {
            /* validation reported it already; the value must not be used */
            view_diag(b, CERTMAP_SEV_ERROR, cfg->name, ca->line, n->name, ca->name, "%s", msg);
            continue;
        }
        val = &s->vals[i];
        val->text = cfg_arena_strdup(&b->v->arena, sa->type == ST_STRING ? text : canon);
        val->num = num;
        val->src.file = view_file_name(b, cfg);
        val->src.line = ca->line != 0 ? ca->line : n->line;
        if (val->text == NULL || val->src.file == NULL)
            return -1;
    }
    return 0;
}

unsigned long long
vsec_num(const struct vsec *s, const char *attr, struct certmap_source *src)
{
    size_t i = attr_index(s->sec->elem, attr);
    const struct schema_attr *sa;
    unsigned long long num = 0;
    char msg[256];

    if (src != NULL)
        *src = (struct certmap_source){NULL, 0};
    if (i == (size_t)-1)
        return 0;
    if (s->vals[i].text != NULL) {
        if (src != NULL)
            *src = s->vals[i].src;
        return s->vals[i].num;
    }
    /* the default lives in the schema only */
    sa = &s->sec->elem->attrs[i];
    if (sa->def != NULL)
        cfg_value_parse(sa, sa->def, strlen(sa->def), NULL, 0, &num, msg, sizeof(msg));
    return num;
}

const char *
vsec_text(const struct vsec *s, const char *attr, struct certmap_source *src)
{
    size_t i = attr_index(s->sec->elem, attr);
    const struct schema_attr *sa;

    if (src != NULL)
        *src = (struct certmap_source){NULL, 0};
    if (i == (size_t)-1)
        return NULL;
    if (s->vals[i].text != NULL) {
        if (src != NULL)
            *src = s->vals[i].src;
        return s->vals[i].text;
    }
    sa = &s->sec->elem->attrs[i];
    return sa->def != NULL ? sa->def : "";
}
