/*
 * rules.c - the URL Authorization rules of each scope
 * (system.webServer/security/authorization), compiled once per view.
 *
 * A scope's list is its parent's (an application root starts from what its
 * parent lets child applications inherit), then the <clear/>, <remove> and
 * <add> elements of its own layers in document order: <clear/> drops every
 * rule before it, <remove> drops the rule with the same key (users, roles,
 * verbs, compared case-insensitively), <add> appends.  Inherited rules stay
 * ahead of the scope's own, which is the order IIS evaluates them in (parent
 * first; authz.h).  A scope whose layers do not write the section shares its
 * parent's list.
 */
#include "view/internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "authz.h"

/* A list being built. */
struct rvec {
    const struct authz_rule **v;
    size_t n, cap;
};

static int
rvec_push(struct rvec *r, const struct authz_rule *x)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 8;
        const struct authz_rule **v = realloc(r->v, cap * sizeof(*v));
        if (v == NULL)
            return -1;
        r->v = v;
        r->cap = cap;
    }
    r->v[r->n++] = x;
    return 0;
}

/* Text of attribute name of n, "" when unset; NULL on allocation failure. */
static const char *
attr_text(struct certmap_config *cfg, struct cnode *n, const char *name)
{
    struct cattr *ca = cfg_node_attr(n, name);

    return ca != NULL ? cfg_attr_value(cfg, ca) : "";
}

static long
rvec_find(const struct rvec *r, const char *key)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->v[i]->key, key) == 0)
            return (long)i;
    return -1;
}

/* Applies one <authorization> element (from cfg) onto r. -1 on allocation failure. */
static int
apply_section(struct vbuild *b, struct rvec *r, struct certmap_config *cfg, struct cnode *sec)
{
    size_t inherited = r->n; /* rules before this element: a clear makes it 0 */

    for (struct cnode *c = sec->first; c != NULL; c = c->next) {
        const char *users, *roles, *verbs, *type, *file;
        const struct authz_rule *rule;
        char key[4096], msg[256];
        bool oom = false;
        long at;

        if (!cfg_node_live(c))
            continue;
        if (strcmp(c->name, "clear") == 0) {
            r->n = 0;
            inherited = 0;
            continue;
        }
        if (strcmp(c->name, "remove") != 0 && strcmp(c->name, "add") != 0)
            continue; /* validation reports it */
        users = attr_text(cfg, c, "users");
        roles = attr_text(cfg, c, "roles");
        verbs = attr_text(cfg, c, "verbs");
        if (users == NULL || roles == NULL || verbs == NULL)
            return -1;
        if (!authz_key(users, roles, verbs, key, sizeof(key))) {
            view_diag(b, CERTMAP_SEV_ERROR, cfg->name, c->line, c->name, NULL,
                      "authorization rule too long (users, roles and verbs: at most %zu bytes)",
                      sizeof(key) - 4);
            continue;
        }
        at = rvec_find(r, key);
        if (strcmp(c->name, "remove") == 0) {
            if (at >= 0) {
                memmove(&r->v[at], &r->v[at + 1], (r->n - (size_t)at - 1) * sizeof(*r->v));
                r->n--;
                if ((size_t)at < inherited)
                    inherited--;
            }
            continue;
        }
        if (at >= 0 && (size_t)at < inherited) {
            /*
             * IIS refuses a rule whose users, roles and verbs an inherited
             * rule has; dropping it would silently ignore, say, a Deny.
             */
            const struct authz_rule *o = r->v[at];
            if (o->file != NULL)
                view_diag(b, CERTMAP_SEV_ERROR, cfg->name, c->line, c->name, NULL,
                          "duplicate authorization rule: %s:%u already adds users=\"%s\" "
                          "roles=\"%s\" verbs=\"%s\" to this path; <remove> it first",
                          o->file, o->line, o->users, o->roles, o->verbs);
            else
                view_diag(b, CERTMAP_SEV_ERROR, cfg->name, c->line, c->name, NULL,
                          "duplicate authorization rule: IIS's server-level <add "
                          "accessType=\"Allow\" users=\"*\" />, which certmap applies when the "
                          "server level does not write the section, has the same users, roles "
                          "and verbs; <remove users=\"*\" roles=\"\" verbs=\"\" /> it first");
            continue;
        }
        if (at >= 0)
            continue; /* a duplicate at this level: validation reports it */
        type = attr_text(cfg, c, "accessType");
        if (type == NULL)
            return -1;
        if (strcasecmp(type, "Allow") != 0 && strcasecmp(type, "Deny") != 0) {
            /* reported by validation; a rule that cannot be read must not be left out silently */
            view_diag(b, CERTMAP_SEV_ERROR, cfg->name, c->line, c->name, "accessType",
                      "accessType must be Allow or Deny; this rule cannot be enforced");
            continue;
        }
        file = view_file_name(b, cfg);
        if (file == NULL)
            return -1;
        rule = authz_rule_new(b->v->authz, strcasecmp(type, "Deny") == 0 ? AUTHZ_DENY : AUTHZ_ALLOW,
                              users, roles, verbs, file, c->line, &oom, msg, sizeof(msg));
        if (oom)
            return -1;
        if (rule == NULL) {
            view_diag(b, CERTMAP_SEV_ERROR, cfg->name, c->line, c->name, NULL, "%s", msg);
            continue;
        }
        if (rvec_push(r, rule) != 0)
            return -1;
    }
    return 0;
}

/*
 * The list of base with the sections of sc's layers applied (only the
 * inheritable ones when inheritable_only), in *out; *out = base when no layer
 * writes the section.  -1 on allocation failure.
 */
static int
settle(struct vbuild *b, const struct vscope *sc, const struct authz_rules *base,
       bool inheritable_only, const struct authz_rules **out)
{
    struct rvec r = {0};
    int ret = -1;

    *out = base;
    if (!view_scope_writes(sc, CERTMAP_SECTION_AUTHORIZATION, inheritable_only))
        return 0;
    for (size_t i = 0; base != NULL && i < base->n; i++)
        if (rvec_push(&r, base->rules[i]) != 0)
            goto out;
    for (size_t i = 0; i < sc->nlayers; i++) {
        struct cnode *n =
            view_layer_section(sc, i, CERTMAP_SECTION_AUTHORIZATION, inheritable_only);
        if (n != NULL && apply_section(b, &r, sc->layers[i].cfg, n) != 0)
            goto out;
    }
    *out = r.n > 0 ? authz_rules_new(b->v->authz, r.v, r.n) : NULL;
    if (r.n > 0 && *out == NULL)
        goto out;
    ret = 0;
out:
    free(r.v);
    return ret;
}

int
rules_build_server(struct vbuild *b)
{
    struct vscope *sv = &b->server;
    const struct authz_rules *base = NULL;
    bool written = false;

    if (b->v->authz == NULL && (b->v->authz = authz_store_new()) == NULL)
        return -1;
    for (size_t i = 0; i < sv->nlayers; i++)
        if (cfg_loc_find_section(sv->layers[i].container, CERTMAP_SECTION_AUTHORIZATION) != NULL)
            written = true;
    if (!written) {
        /* IIS's shipped applicationHost.config: <add accessType="Allow" users="*" /> */
        const struct authz_rule *dflt;
        char msg[128];
        bool oom = false;
        dflt =
            authz_rule_new(b->v->authz, AUTHZ_ALLOW, "*", "", "", NULL, 0, &oom, msg, sizeof(msg));
        base = dflt != NULL ? authz_rules_new(b->v->authz, &dflt, 1) : NULL;
        if (base == NULL)
            return -1;
    }
    if (settle(b, sv, base, false, &sv->authz_eff) != 0)
        return -1;
    sv->authz_inh = sv->authz_eff;
    return 0;
}

int
rules_settle_scope(struct vbuild *b, struct vscope *sc, const struct vscope *from)
{
    bool app = (sc->pub.kind & CERTMAP_SCOPE_APP) && !(sc->pub.kind & CERTMAP_SCOPE_SITE);
    const struct authz_rules *base_eff = app ? from->authz_inh : from->authz_eff;

    if (settle(b, sc, base_eff, false, &sc->authz_eff) != 0 ||
        settle(b, sc, from->authz_inh, true, &sc->authz_inh) != 0)
        return -1;
    sc->pub.settings.authz = sc->authz_eff;
    return 0;
}
