/*
 * authz.c - IIS URL Authorization rules: compiling and evaluating (authz.h).
 */
#include "authz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Every block allocated for the store's rules and lists, freed together. */
struct authz_store {
    void **blocks;
    size_t n, cap;
};

struct authz_store *
authz_store_new(void)
{
    return calloc(1, sizeof(struct authz_store));
}

void
authz_store_free(struct authz_store *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->n; i++)
        free(s->blocks[i]);
    free(s->blocks);
    free(s);
}

/* size bytes owned by s; NULL when memory runs out. */
static void *
store_alloc(struct authz_store *s, size_t size)
{
    void *p;

    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        void **b = realloc(s->blocks, cap * sizeof(*b));
        if (b == NULL)
            return NULL;
        s->blocks = b;
        s->cap = cap;
    }
    p = calloc(1, size ? size : 1);
    if (p != NULL)
        s->blocks[s->n++] = p;
    return p;
}

static char *
store_strdup(struct authz_store *s, const char *str, size_t len)
{
    char *p = store_alloc(s, len + 1);

    if (p != NULL)
        memcpy(p, str, len);
    return p;
}

static bool
is_blank(int c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * Splits text at ',' into trimmed, non-empty entries (copied into s).  -1
 * when memory runs out.
 */
static int
split_list(struct authz_store *s, const char *text, const char *const **out, size_t *n)
{
    const char **v;
    size_t cap = 1, k = 0;

    for (const char *p = text; *p != '\0'; p++)
        cap += *p == ',';
    v = store_alloc(s, cap * sizeof(*v));
    if (v == NULL)
        return -1;
    for (const char *p = text;;) {
        const char *b = p, *e;
        while (*p != '\0' && *p != ',')
            p++;
        e = p;
        while (b < e && is_blank((unsigned char)*b))
            b++;
        while (e > b && is_blank((unsigned char)e[-1]))
            e--;
        if (e > b && (v[k] = store_strdup(s, b, (size_t)(e - b))) == NULL)
            return -1;
        k += e > b;
        if (*p == '\0')
            break;
        p++;
    }
    *out = v;
    *n = k;
    return 0;
}

bool
authz_key(const char *users, const char *roles, const char *verbs, char *out, size_t size)
{
    const char *parts[3] = {users, roles, verbs};
    size_t o = 0;

    for (size_t i = 0; i < 3; i++) {
        for (const char *p = parts[i]; *p != '\0'; p++) {
            if (o + 1 >= size)
                return false;
            out[o++] = (char)(*p >= 'A' && *p <= 'Z' ? *p + ('a' - 'A') : *p);
        }
        if (o + 1 >= size)
            return false;
        out[o++] = '\n';
    }
    out[o] = '\0';
    return true;
}

const struct authz_rule *
authz_rule_new(struct authz_store *s, enum authz_access access, const char *users,
               const char *roles, const char *verbs, const char *file, unsigned line, bool *oom,
               char *msg, size_t msgsize)
{
    struct authz_rule *r = NULL;
    size_t klen = strlen(users) + strlen(roles) + strlen(verbs) + 4;
    char *key = NULL;

    *oom = false;
    r = store_alloc(s, sizeof(*r));
    key = store_alloc(s, klen);
    if (r == NULL || key == NULL)
        goto nomem;
    authz_key(users, roles, verbs, key, klen);
    r->access = access;
    r->key = key;
    r->file = file;
    r->line = line;
    r->users = store_strdup(s, users, strlen(users));
    r->roles = store_strdup(s, roles, strlen(roles));
    r->verbs = store_strdup(s, verbs, strlen(verbs));
    if (r->users == NULL || r->roles == NULL || r->verbs == NULL ||
        split_list(s, users, &r->user_list, &r->nusers) != 0 ||
        split_list(s, roles, &r->role_list, &r->nroles) != 0 ||
        split_list(s, verbs, &r->verb_list, &r->nverbs) != 0)
        goto nomem;
    if (r->nusers == 0 && r->nroles == 0) {
        snprintf(msg, msgsize,
                 "an authorization rule must name users or roles (\"*\" for every user, \"?\" "
                 "for anonymous users)");
        return NULL;
    }
    return r;
nomem:
    *oom = true;
    snprintf(msg, msgsize, "out of memory");
    return NULL;
}

const struct authz_rules *
authz_rules_new(struct authz_store *s, const struct authz_rule *const *rules, size_t n)
{
    struct authz_rules *l = store_alloc(s, sizeof(*l));
    const struct authz_rule **v = store_alloc(s, n * sizeof(*v));

    if (l == NULL || v == NULL)
        return NULL;
    if (n > 0)
        memcpy(v, rules, n * sizeof(*v));
    l->rules = v;
    l->n = n;
    return l;
}

bool
authz_rules_need_roles(const struct authz_rules *r)
{
    for (size_t i = 0; r != NULL && i < r->n; i++)
        if (r->rules[i]->nroles > 0)
            return true;
    return false;
}

/* Splits a name into account and domain: "D\u" and "u@D" give (u, D); "u" gives (u, ""). */
static void
name_parts(const char *name, const char **acc, size_t *alen, const char **dom, size_t *dlen)
{
    const char *bs = strchr(name, '\\');
    const char *at = strrchr(name, '@');

    if (bs != NULL) {
        *dom = name;
        *dlen = (size_t)(bs - name);
        *acc = bs + 1;
        *alen = strlen(bs + 1);
    } else if (at != NULL) {
        *acc = name;
        *alen = (size_t)(at - name);
        *dom = at + 1;
        *dlen = strlen(at + 1);
    } else {
        *acc = name;
        *alen = strlen(name);
        *dom = "";
        *dlen = 0;
    }
}

bool
authz_name_eq(const char *a, const char *b)
{
    const char *aa, *ad, *ba, *bd;
    size_t aal, adl, bal, bdl;

    name_parts(a, &aa, &aal, &ad, &adl);
    name_parts(b, &ba, &bal, &bd, &bdl);
    return aal == bal && adl == bdl && strncasecmp(aa, ba, aal) == 0 &&
           strncasecmp(ad, bd, adl) == 0;
}

static bool
users_match(const struct authz_rule *r, const char *user)
{
    bool anonymous = user == NULL || user[0] == '\0';

    for (size_t i = 0; i < r->nusers; i++) {
        const char *u = r->user_list[i];
        if (strcmp(u, "*") == 0)
            return true;
        if (strcmp(u, "?") == 0) {
            if (anonymous)
                return true;
            continue;
        }
        if (!anonymous && authz_name_eq(u, user))
            return true;
    }
    return false;
}

static bool
roles_match(const struct authz_rule *r, const char *user, const char *const *roles, size_t nroles)
{
    if (user == NULL || user[0] == '\0')
        return false;
    for (size_t i = 0; i < r->nroles; i++)
        for (size_t k = 0; k < nroles; k++)
            if (authz_name_eq(r->role_list[i], roles[k]))
                return true;
    return false;
}

static bool
verbs_match(const struct authz_rule *r, const char *verb)
{
    if (r->nverbs == 0)
        return true;
    for (size_t i = 0; i < r->nverbs; i++)
        if (strcasecmp(r->verb_list[i], verb) == 0)
            return true;
    return false;
}

static bool
rule_matches(const struct authz_rule *r, const char *user, const char *const *roles, size_t nroles,
             const char *verb)
{
    return verbs_match(r, verb) && (users_match(r, user) || roles_match(r, user, roles, nroles));
}

int
authz_check(const struct authz_rules *r, const char *user, const char *const *roles, size_t nroles,
            const char *verb, const struct authz_rule **decided)
{
    const struct authz_rule *d = NULL;
    int ret = AUTHZ_DENIED;

    /* Deny rules first, then Allow rules, each parent's before the child's (list order). */
    for (size_t i = 0; r != NULL && d == NULL && i < r->n; i++)
        if (r->rules[i]->access == AUTHZ_DENY &&
            rule_matches(r->rules[i], user, roles, nroles, verb))
            d = r->rules[i];
    for (size_t i = 0; r != NULL && d == NULL && i < r->n; i++)
        if (r->rules[i]->access == AUTHZ_ALLOW &&
            rule_matches(r->rules[i], user, roles, nroles, verb)) {
            d = r->rules[i];
            ret = AUTHZ_ALLOWED;
        }
    if (decided != NULL)
        *decided = d;
    return ret;
}
