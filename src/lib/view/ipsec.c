/*
 * view/ipsec.c - the effective ipSecurity of each scope, compiled once.
 *
 * The collection follows IIS's rules: a scope starts from its parent's
 * entries (an application root from what its parent lets child applications
 * inherit), then applies its own layers in document order: <clear/> drops
 * everything before it, <remove> drops the entry with the same key
 * (ipAddress, subnetMask, domainName), <add> appends.  The order is the
 * evaluation order (ipsec.h).  allowUnlisted and denyAction come from the
 * scope's effective section.  Every entry is parsed here, once; what certmap
 * refuses (a bad address or mask, domainName, enableReverseDns,
 * enableProxyMode) is an error with the file:line where it is written,
 * reported once: on the scope that writes it.
 */
#include "view/internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Entries being collected for one scope (malloc). */
struct elist {
    struct ipsec_entry *e;
    const char **domain; /* domainName of each entry (part of the key), "" mostly */
    size_t n, cap;
};

static const struct schema_elem *
entry_schema(void)
{
    const struct schema_section *sec = cfg_schema_section_find(CERTMAP_SECTION_IPSECURITY);

    return sec != NULL && sec->elem->coll != NULL ? sec->elem->coll->item : NULL;
}

/* Attribute name of n as written, or the schema default ("" when none); NULL on allocation failure.
 */
static const char *
entry_text(struct certmap_config *cfg, struct cnode *n, const char *name)
{
    struct cattr *ca = cfg_node_attr(n, name);
    const struct schema_attr *sa;

    if (ca != NULL)
        return cfg_attr_value(cfg, ca);
    sa = cfg_schema_attr_find(entry_schema(), name);
    return sa != NULL && sa->def != NULL ? sa->def : "";
}

static bool
is_true(const char *v)
{
    return v != NULL && strcasecmp(v, "true") == 0;
}

static int
elist_push(struct elist *l, const struct ipsec_entry *e, const char *domain)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        struct ipsec_entry *ne = realloc(l->e, cap * sizeof(*ne));
        const char **nd;
        if (ne == NULL)
            return -1;
        l->e = ne;
        nd = realloc(l->domain, cap * sizeof(*nd));
        if (nd == NULL)
            return -1;
        l->domain = nd;
        l->cap = cap;
    }
    l->e[l->n] = *e;
    l->domain[l->n] = domain;
    l->n++;
    return 0;
}

/* Drops the entries whose key is (ip, mask, domain); IIS compares keys case-insensitively. */
static void
elist_remove(struct elist *l, const char *ip, const char *mask, const char *domain)
{
    size_t k = 0;

    for (size_t i = 0; i < l->n; i++) {
        if (strcasecmp(l->e[i].ip_text, ip) == 0 && strcasecmp(l->e[i].mask_text, mask) == 0 &&
            strcasecmp(l->domain[i], domain) == 0)
            continue;
        l->e[k] = l->e[i];
        l->domain[k] = l->domain[i];
        k++;
    }
    l->n = k;
}

/* The section attributes certmap refuses: reported where written (report only). */
static void
check_section_attrs(struct vbuild *b, struct certmap_config *cfg, struct cnode *sec)
{
    struct cattr *a;

    a = cfg_node_attr(sec, "enableReverseDns");
    if (a != NULL && is_true(cfg_attr_value(cfg, a)))
        view_diag(b, CERTMAP_SEV_ERROR, view_file_name(b, cfg), a->line, "ipSecurity",
                  "enableReverseDns",
                  "enableReverseDns=\"true\" needs a reverse DNS lookup for every request, which "
                  "certmap does not do on the request path; remove it (domain-name entries are "
                  "refused as well)");
    a = cfg_node_attr(sec, "enableProxyMode");
    if (a != NULL && is_true(cfg_attr_value(cfg, a)))
        view_diag(b, CERTMAP_SEV_ERROR, view_file_name(b, cfg), a->line, "ipSecurity",
                  "enableProxyMode",
                  "enableProxyMode=\"true\" makes IIS also check the addresses of the "
                  "X-Forwarded-For header, which any client can write; certmap has no list of "
                  "trusted proxies to take them from, so it refuses the setting rather than "
                  "filter on a header it cannot trust; remove it (the entries then apply to the "
                  "connection's address)");
}

/* Applies the children of one ipSecurity element to l. */
static int
apply_node(struct vbuild *b, struct elist *l, struct certmap_config *cfg, struct cnode *sec,
           bool report)
{
    char msg[512];

    if (report)
        check_section_attrs(b, cfg, sec);
    for (struct cnode *c = sec->first; c != NULL; c = c->next) {
        const char *ip, *mask, *domain, *allowed;
        struct ipsec_entry e;

        if (!cfg_node_live(c))
            continue;
        if (strcmp(c->name, "clear") == 0) {
            l->n = 0;
            continue;
        }
        if (strcmp(c->name, "add") != 0 && strcmp(c->name, "remove") != 0)
            continue; /* not IIS's: reported by validation */
        ip = entry_text(cfg, c, "ipAddress");
        mask = entry_text(cfg, c, "subnetMask");
        domain = entry_text(cfg, c, "domainName");
        allowed = entry_text(cfg, c, "allowed");
        if (ip == NULL || mask == NULL || domain == NULL || allowed == NULL)
            return -1;
        if (mask[0] == '\0')
            mask = "255.255.255.255"; /* IIS's default: the single address */
        if (strcmp(c->name, "remove") == 0) {
            elist_remove(l, ip, mask, domain);
            continue;
        }
        memset(&e, 0, sizeof(e));
        if (ipsec_entry_parse(ip, mask, domain, &e, msg, sizeof(msg)) != 0) {
            /* left out; the error makes the configuration unusable, so nothing is admitted */
            if (report)
                view_diag(b, CERTMAP_SEV_ERROR, view_file_name(b, cfg), c->line, "add", NULL,
                          "ipSecurity: %s", msg);
            continue;
        }
        e.allowed = is_true(allowed);
        e.ip_text = cfg_arena_strdup(&b->v->arena, ip);
        e.mask_text = cfg_arena_strdup(&b->v->arena, mask);
        e.file = view_file_name(b, cfg);
        e.line = c->line;
        domain = cfg_arena_strdup(&b->v->arena, domain);
        if (e.ip_text == NULL || e.mask_text == NULL || e.file == NULL || domain == NULL ||
            elist_push(l, &e, domain) != 0)
            return -1;
    }
    return 0;
}

/*
 * The rules of one variant: base's entries, then the ipSecurity elements of
 * sc's layers (only the inheritable ones when inh), with the attributes of
 * the effective section s.  *out is NULL when nothing can be refused.
 */
static int
compile(struct vbuild *b, const struct vscope *sc, const struct ipsec_rules *base,
        const struct vsec *s, bool inh, bool report, const struct ipsec_rules **out)
{
    struct elist l = {0};
    struct ipsec_rules *r;
    struct ipsec_entry *arr = NULL;
    struct certmap_source su, sd;
    unsigned long long action;
    bool unlisted;
    int ret = -1;

    for (size_t i = 0; base != NULL && i < base->nentries; i++)
        if (elist_push(&l, &base->entries[i], "") != 0)
            goto out;
    for (size_t k = 0; k < sc->nlayers; k++) {
        struct cnode *n = cfg_loc_find_section(sc->layers[k].container, CERTMAP_SECTION_IPSECURITY);
        if (n == NULL || (inh && sc->layers[k].no_inherit))
            continue;
        if (apply_node(b, &l, sc->layers[k].cfg, n, report) != 0)
            goto out;
    }
    *out = NULL;
    unlisted = vsec_num(s, "allowUnlisted", &su) != 0;
    action = vsec_num(s, "denyAction", &sd);
    if (l.n == 0 && unlisted) {
        ret = 0;
        goto out;
    }
    r = cfg_arena_alloc(&b->v->arena, sizeof(*r));
    if (l.n > 0)
        arr = cfg_arena_alloc(&b->v->arena, l.n * sizeof(*arr));
    if (r == NULL || (l.n > 0 && arr == NULL))
        goto out;
    if (l.n > 0)
        memcpy(arr, l.e, l.n * sizeof(*arr));
    memset(r, 0, sizeof(*r));
    r->allow_unlisted = unlisted;
    r->deny_action = (enum ipsec_deny_action)action;
    r->entries = arr;
    r->nentries = l.n;
    r->allow_unlisted_file = su.file;
    r->allow_unlisted_line = su.line;
    r->deny_action_file = sd.file;
    r->deny_action_line = sd.line;
    *out = r;
    ret = 0;
out:
    free(l.e);
    free(l.domain);
    return ret;
}

int
ipsec_settle_scope(struct vbuild *b, struct vscope *sc, const struct vscope *from, bool app)
{
    int idx = view_section_index(CERTMAP_SECTION_IPSECURITY);
    const struct ipsec_rules *base_eff = NULL, *base_inh = NULL;
    bool own = false, cut = false;

    if (from != NULL) {
        base_eff = app ? from->ipsec_inh : from->ipsec_eff;
        base_inh = from->ipsec_inh;
    }
    for (size_t k = 0; k < sc->nlayers; k++)
        if (cfg_loc_find_section(sc->layers[k].container, CERTMAP_SECTION_IPSECURITY) != NULL) {
            own = true;
            cut |= sc->layers[k].no_inherit;
        }
    sc->ipsec_eff = base_eff;
    sc->ipsec_inh = base_inh;
    if (own) {
        if (compile(b, sc, base_eff, sc->eff[idx], false, true, &sc->ipsec_eff) != 0)
            return -1;
        if (!cut && base_eff == base_inh)
            sc->ipsec_inh = sc->ipsec_eff;
        else if (compile(b, sc, base_inh, sc->inh[idx], true, false, &sc->ipsec_inh) != 0)
            return -1;
    }
    sc->pub.settings.ipsec = sc->ipsec_eff;
    return 0;
}
