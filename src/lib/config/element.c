/*
 * element.c - reading and writing the attributes of an element handle: the
 * typed getters (effective value, canonical spelling, source line) and the
 * setters (checked, converted to their stored form, written at the handle's
 * own location).
 */
#include "config/arena.h"
#include "config/tree.h"
#include "config/document.h"
#include "config/schema.h"
#include "config/value.h"
#include "config/diag.h"
#include "config/store.h"
#include "config/handle.h"
#include "config/collection.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

static const char *
canonical(struct certmap_config *cfg, const struct schema_attr *sa, struct cattr *ca)
{
    const char *v = cfg_attr_value(cfg, ca);
    unsigned long long num;
    char canon[1024], msg[256];

    if (v == NULL)
        return "";
    switch (sa->type) {
    case ST_BOOL:
        if (cfg_value_parse(sa, v, strlen(v), NULL, 0, &num, msg, sizeof(msg)) == 0)
            return num ? "true" : "false";
        return v;
    case ST_ENUM:
        if (cfg_value_parse(sa, v, strlen(v), NULL, 0, &num, msg, sizeof(msg)) == 0)
            for (const struct schema_enum *en = sa->values; en->name != NULL; en++)
                if (en->value == num)
                    return en->name;
        return v;
    case ST_FLAGS:
        if (cfg_value_parse(sa, v, strlen(v), canon, sizeof(canon), &num, msg, sizeof(msg)) == 0) {
            const char *c = cfg_arena_strdup(&cfg->arena, canon);
            return c != NULL ? c : v;
        }
        return v;
    default:
        return v;
    }
}

const char *
certmap_element_get(const struct certmap_element *e, const char *attr)
{
    const struct schema_attr *sa;
    struct cattr *ca;

    if (e == NULL || attr == NULL)
        return NULL;
    sa = cfg_schema_attr_find(e->schema, attr);
    if (sa == NULL)
        return NULL;
    if (cfg_effective_attr(e, attr, &ca, NULL, NULL) != 0)
        return NULL;
    if (ca == NULL)
        return sa->def != NULL ? sa->def : "";
    return canonical(e->cfg, sa, ca);
}

bool
certmap_element_is_set(const struct certmap_element *e, const char *attr)
{
    struct cattr *ca;

    return e != NULL && attr != NULL && cfg_effective_attr(e, attr, &ca, NULL, NULL) == 0 &&
           ca != NULL;
}

/* The effective text of a typed attribute, checked against wanted types. */
static const struct schema_attr *
typed(const struct certmap_element *e, const char *attr, unsigned types, const char **text,
      struct cnode **where, struct certmap_error *err)
{
    const struct schema_attr *sa;
    struct cattr *ca;

    if (e == NULL || attr == NULL) {
        certmap_error_set(err, CERTMAP_ERR_USAGE, NULL, 0, NULL, attr, "no element or attribute");
        return NULL;
    }
    sa = cfg_schema_attr_find(e->schema, attr);
    if (sa == NULL || !(types & (1u << sa->type))) {
        certmap_error_set(err, CERTMAP_ERR_USAGE, e->cfg->name, 0, e->schema->name, attr,
                          sa == NULL ? "no such attribute" : "attribute has another type");
        return NULL;
    }
    *where = NULL;
    if (cfg_effective_attr(e, attr, &ca, where, err) != 0)
        return NULL;
    *text = ca != NULL ? cfg_attr_value(e->cfg, ca) : (sa->def != NULL ? sa->def : "");
    if (*text == NULL) {
        certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL, "out of memory");
        return NULL;
    }
    return sa;
}

static int
typed_num(const struct certmap_element *e, const char *attr, unsigned types,
          unsigned long long *out, struct certmap_error *err)
{
    const struct schema_attr *sa;
    const char *text;
    struct cnode *where;
    char msg[768];

    sa = typed(e, attr, types, &text, &where, err);
    if (sa == NULL)
        return -1;
    if (cfg_value_parse(sa, text, strlen(text), NULL, 0, out, msg, sizeof(msg)) != 0) {
        cfg_err_at(e->cfg, err, CERTMAP_ERR_INVALID, where, attr, "%s", msg);
        return -1;
    }
    return 0;
}

int
certmap_element_get_bool(const struct certmap_element *e, const char *attr, bool *out,
                         struct certmap_error *err)
{
    unsigned long long v;

    if (typed_num(e, attr, 1u << ST_BOOL, &v, err) != 0)
        return -1;
    *out = v != 0;
    return 0;
}

int
certmap_element_get_uint(const struct certmap_element *e, const char *attr, unsigned long long *out,
                         struct certmap_error *err)
{
    return typed_num(e, attr, (1u << ST_UINT) | (1u << ST_INT64), out, err);
}

int
certmap_element_get_flags(const struct certmap_element *e, const char *attr, unsigned *out,
                          struct certmap_error *err)
{
    unsigned long long v;

    if (typed_num(e, attr, (1u << ST_ENUM) | (1u << ST_FLAGS), &v, err) != 0)
        return -1;
    *out = (unsigned)v;
    return 0;
}

int
certmap_element_get_secret(const struct certmap_element *e, const char *attr, char **plain,
                           struct certmap_error *err)
{
    const struct schema_attr *sa;
    const char *text;
    struct cnode *where;
    struct certmap_error kerr = {0};

    *plain = NULL;
    sa = typed(e, attr, 1u << ST_STRING, &text, &where, err);
    if (sa == NULL)
        return -1;
    if (!secret_is_envelope(text)) {
        *plain = strdup(text);
        if (*plain == NULL)
            return certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL, "out of memory");
        return 0;
    }
    if (cfg_load_key(e->cfg, false, &kerr) != 0) {
        cfg_err_at(e->cfg, err, kerr.kind, where, attr, "cannot decrypt: %s%s%s", kerr.file,
                   kerr.file[0] ? ": " : "", kerr.message);
        return -1;
    }
    if (secret_decrypt(e->cfg->key, text, plain, &kerr) != 0) {
        cfg_err_at(e->cfg, err, CERTMAP_ERR_CRYPTO, where, attr,
                   "cannot decrypt (wrong key file or damaged value): %s", kerr.message);
        *plain = NULL;
        return -1;
    }
    return 0;
}

int
certmap_element_source(const struct certmap_element *e, const char *attr, const char **file,
                       unsigned *line)
{
    struct cnode *where = NULL;
    struct cattr *ca;

    if (e == NULL)
        return -1;
    if (attr == NULL) {
        if (cfg_element_refresh((struct certmap_element *)e) != 0)
            return -1;
        where = e->local != NULL ? e->local : (e->nlevels ? e->levels[e->nlevels - 1] : NULL);
        if (where == NULL)
            return -1;
        *file = e->cfg->name;
        *line = where->line;
        return 0;
    }
    if (cfg_effective_attr(e, attr, &ca, &where, NULL) != 0 || ca == NULL)
        return -1;
    *file = e->cfg->name;
    *line = ca->line != 0 ? ca->line : where->line;
    return 0;
}

size_t
certmap_element_attr_count(const struct certmap_element *e)
{
    size_t n = 0;

    if (e == NULL)
        return 0;
    for (const struct schema_attr *a = e->schema->attrs; a != NULL && a->name != NULL; a++)
        n++;
    return n;
}

const char *
certmap_element_attr_name(const struct certmap_element *e, size_t i)
{
    return i < certmap_element_attr_count(e) ? e->schema->attrs[i].name : NULL;
}

int
certmap_element_set(struct certmap_element *e, const char *attr, const char *value,
                    struct certmap_error *err)
{
    const struct schema_attr *sa;
    char *stored = NULL;
    unsigned char digest[32];
    bool has_key;
    int ret = -1;

    if (e == NULL || attr == NULL || value == NULL)
        return certmap_error_set(err, CERTMAP_ERR_USAGE, NULL, 0, NULL, attr,
                                 "no element, attribute or value");
    sa = cfg_schema_attr_find(e->schema, attr);
    if (sa == NULL) {
        const char *sugg = cfg_schema_suggest_attr(e->schema, attr);
        return certmap_error_set(err, CERTMAP_ERR_USAGE, e->cfg->name, 0, e->schema->name, attr,
                                 "unknown attribute%s%s%s", sugg ? " (did you mean \"" : "",
                                 sugg ? sugg : "", sugg ? "\"?)" : "");
    }
    if (cfg_store_form(e, sa, value, &stored, digest, &has_key, err) != 0)
        goto out;
    if ((sa->flags & SA_KEY) && e->kind == H_ITEM && !(e->item->flags & CN_DETACHED) &&
        e->owner != NULL) {
        /* changing the key of an added item must not create a duplicate */
        struct cnode *other;
        char msg[256];
        if (cfg_coll_key_clash(e->owner, e->item, value, &other, msg, sizeof(msg)) != 0) {
            certmap_error_set(err, CERTMAP_ERR_NOMEM, e->cfg->name, 0, e->schema->name, attr, "%s",
                              msg);
            goto out;
        }
        if (other != NULL) {
            cfg_err_at(e->cfg, err, CERTMAP_ERR_INVALID, other, attr,
                       "another item already has this %s", attr);
            goto out;
        }
    }
    if (cfg_element_ensure_local(e, err) != 0)
        goto out;
    if (cfg_node_set_attr(e->cfg, e->local, sa->name, stored, strlen(stored)) != 0)
        goto nomem;
    if (sa->flags & SA_KEY) {
        e->local->flags &= ~(CN_KEYED | CN_FACTS);
        if (has_key) {
            unsigned char *k = cfg_arena_alloc(&e->cfg->arena, 32);
            if (k != NULL) {
                memcpy(k, digest, 32);
                e->local->key = k;
                e->local->klen = 32;
                e->local->flags |= CN_KEYED;
            }
        }
    }
    ret = 0;
    goto out;
nomem:
    certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL, "out of memory");
out:
    if (stored != NULL) {
        OPENSSL_cleanse(stored, strlen(stored));
        free(stored);
    }
    return ret;
}

int
certmap_element_set_bool(struct certmap_element *e, const char *attr, bool value,
                         struct certmap_error *err)
{
    return certmap_element_set(e, attr, value ? "true" : "false", err);
}

int
certmap_element_set_uint(struct certmap_element *e, const char *attr, unsigned long long value,
                         struct certmap_error *err)
{
    char buf[32];

    snprintf(buf, sizeof(buf), "%llu", value);
    return certmap_element_set(e, attr, buf, err);
}

int
certmap_element_unset(struct certmap_element *e, const char *attr, struct certmap_error *err)
{
    const struct schema_attr *sa;

    if (e == NULL || attr == NULL)
        return certmap_error_set(err, CERTMAP_ERR_USAGE, NULL, 0, NULL, attr, "no attribute");
    sa = cfg_schema_attr_find(e->schema, attr);
    if (sa == NULL)
        return certmap_error_set(err, CERTMAP_ERR_USAGE, e->cfg->name, 0, e->schema->name, attr,
                                 "unknown attribute");
    if (e->kind == H_ITEM && (sa->flags & (SA_KEY | SA_REQUIRED)))
        return certmap_error_set(err, CERTMAP_ERR_USAGE, e->cfg->name, 0, e->schema->name, attr,
                                 "a required attribute of an item cannot be unset");
    if (cfg_element_refresh(e) != 0)
        return certmap_error_set(err, CERTMAP_ERR_NOMEM, e->cfg->name, 0, e->schema->name, attr,
                                 "out of memory");
    if (e->local != NULL)
        cfg_node_unset_attr(e->local, sa->name);
    return 0;
}
