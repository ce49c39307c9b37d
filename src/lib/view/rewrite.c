/*
 * view/rewrite.c - the URL Rewrite rules of each scope
 * (system.webServer/rewrite/rules, globalRules, allowedServerVariables),
 * compiled once per view (src/lib/rewrite.h).
 *
 * As rules.c does for URL Authorization: a scope's list is its parent's (an
 * application root starts from what its parent lets child applications
 * inherit), then the <clear/>, <remove name> and <rule> elements of its own
 * layers in document order.  Inherited rules stay ahead of the scope's own:
 * IIS evaluates "distributed rules from parent configuration levels as well
 * as rules from the current configuration level ... parent rules are
 * evaluated first" (URL Rewrite Module Configuration Reference, "Rules
 * Inheritance").  Each rule keeps the scope it is written for as its base:
 * it matches the path relative to that scope.  A rule named like an
 * inherited one is an error (IIS refuses the duplicate collection entry);
 * a rule that does not compile is an error with its file:line, never left
 * out.  globalRules are read at the server level only.
 */
#include "view/internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rewrite.h"

/* A list being built: rules, or names (allowedServerVariables). */
struct pvec {
    const void **v;
    size_t n, cap;
};

static int
pvec_push(struct pvec *r, const void *x)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 8;
        const void **v = realloc(r->v, cap * sizeof(*v));
        if (v == NULL)
            return -1;
        r->v = v;
        r->cap = cap;
    }
    r->v[r->n++] = x;
    return 0;
}

static void
pvec_drop(struct pvec *r, size_t at)
{
    memmove(&r->v[at], &r->v[at + 1], (r->n - at - 1) * sizeof(*r->v));
    r->n--;
}

/* Text of attribute name of n, def when unset. */
static const char *
attr_or(struct certmap_config *cfg, struct cnode *n, const char *name, const char *def)
{
    struct cattr *ca = n != NULL ? cfg_node_attr(n, name) : NULL;
    const char *v = ca != NULL ? cfg_attr_value(cfg, ca) : NULL;

    return v != NULL ? v : def;
}

static bool
attr_bool(struct certmap_config *cfg, struct cnode *n, const char *name, bool def)
{
    const char *v = attr_or(cfg, n, name, NULL);

    return v == NULL ? def : strcasecmp(v, "true") == 0;
}

/* The enum value of attribute name (validation reports spellings it does not know). */
static unsigned
attr_enum(struct certmap_config *cfg, struct cnode *n, const char *name,
          const struct schema_elem *e, unsigned def)
{
    const char *v = attr_or(cfg, n, name, NULL);
    const struct schema_attr *a = cfg_schema_attr_find(e, name);

    if (v == NULL || a == NULL || a->values == NULL)
        return def;
    for (const struct schema_enum *x = a->values; x->name != NULL; x++)
        if (strcasecmp(x->name, v) == 0)
            return x->value;
    return def;
}

static unsigned
attr_uint(struct certmap_config *cfg, struct cnode *n, const char *name)
{
    const char *v = attr_or(cfg, n, name, "0");

    return (unsigned)strtoul(v, NULL, 10);
}

/* The collection items of coll (add/remove/clear in document order) as a list of nodes. */
static int
items(struct cnode *coll, const char *add, struct pvec *out)
{
    for (struct cnode *c = coll != NULL ? coll->first : NULL; c != NULL; c = c->next) {
        if (!cfg_node_live(c))
            continue;
        if (strcmp(c->name, "clear") == 0)
            out->n = 0;
        else if (strcmp(c->name, add) == 0 && pvec_push(out, c) != 0)
            return -1;
        /* <remove> of a condition or a set needs its key; validation reports it */
    }
    return 0;
}

#define RW_MAX_PARTS 1024 /* conditions or sets of one rule */

/* Compiles one <rule> of cfg; *out NULL when it is an error (reported).  -1 on oom. */
static int
compile_rule(struct vbuild *b, struct certmap_config *cfg, struct cnode *rn, const char *base,
             bool global, const struct rewrite_rule **out)
{
    struct cnode *match = cfg_node_child(rn, "match"), *conds = cfg_node_child(rn, "conditions");
    struct cnode *sets = cfg_node_child(rn, "serverVariables"),
                 *action = cfg_node_child(rn, "action");
    const struct schema_elem *re = cfg_schema_section_find(CERTMAP_SECTION_REWRITE_RULES)->elem;
    const struct schema_elem *er = re->coll->item;
    const struct schema_elem *ea = cfg_schema_child_find(er, "action");
    const struct schema_elem *ec = cfg_schema_child_find(er, "conditions");
    struct rewrite_cond_def *cd = NULL;
    struct rewrite_set_def *sd = NULL;
    struct pvec cv = {0}, sv = {0};
    struct rewrite_rule_def d;
    char msg[512];
    unsigned line;
    bool oom = false;
    int ret = -1;

    *out = NULL;
    memset(&d, 0, sizeof(d));
    d.name = attr_or(cfg, rn, "name", "");
    d.file = view_file_name(b, cfg);
    if (d.file == NULL)
        goto out;
    d.line = rn->line;
    if (match == NULL || attr_or(cfg, match, "url", NULL) == NULL) {
        view_diag(b, CERTMAP_SEV_ERROR, cfg->name, rn->line, "rule", NULL,
                  "the rewrite rule \"%s\" has no <match url=\"...\"/>", d.name);
        ret = 0;
        goto out;
    }
    d.enabled = attr_bool(cfg, rn, "enabled", true);
    d.stop_processing = attr_bool(cfg, rn, "stopProcessing", false);
    d.syntax = (enum rewrite_syntax)attr_enum(cfg, rn, "patternSyntax", er, 0);
    d.url = attr_or(cfg, match, "url", "");
    d.match_line = match->line;
    d.ignore_case = attr_bool(cfg, match, "ignoreCase", true);
    d.negate = attr_bool(cfg, match, "negate", false);
    d.match_any = attr_enum(cfg, conds, "logicalGrouping", ec, 0) == 1;
    d.track_all = attr_bool(cfg, conds, "trackAllCaptures", false);
    if (items(conds, "add", &cv) != 0 || items(sets, "set", &sv) != 0)
        goto out;
    if (cv.n > RW_MAX_PARTS || sv.n > RW_MAX_PARTS) {
        view_diag(b, CERTMAP_SEV_ERROR, cfg->name, rn->line, "rule", NULL,
                  "the rewrite rule \"%s\" has more than %d conditions or server variables", d.name,
                  RW_MAX_PARTS);
        ret = 0;
        goto out;
    }
    cd = calloc(cv.n + 1, sizeof(*cd));
    sd = calloc(sv.n + 1, sizeof(*sd));
    if (cd == NULL || sd == NULL)
        goto out;
    for (size_t i = 0; i < cv.n; i++) {
        struct cnode *c = (struct cnode *)cv.v[i];
        const struct schema_elem *eci = ec->coll->item;
        cd[i].input = attr_or(cfg, c, "input", "");
        cd[i].match_type = (enum rewrite_match_type)attr_enum(cfg, c, "matchType", eci, 0);
        cd[i].pattern = attr_or(cfg, c, "pattern", "");
        cd[i].ignore_case = attr_bool(cfg, c, "ignoreCase", true);
        cd[i].negate = attr_bool(cfg, c, "negate", false);
        cd[i].line = c->line;
    }
    for (size_t i = 0; i < sv.n; i++) {
        struct cnode *c = (struct cnode *)sv.v[i];
        sd[i].name = attr_or(cfg, c, "name", "");
        sd[i].value = attr_or(cfg, c, "value", "");
        sd[i].replace = attr_bool(cfg, c, "replace", true);
        sd[i].line = c->line;
    }
    d.conds = cd;
    d.nconds = cv.n;
    d.sets = sd;
    d.nsets = sv.n;
    d.action = (enum rewrite_action)attr_enum(cfg, action, "type", ea, 0);
    d.action_url = attr_or(cfg, action, "url", "");
    d.append_query = attr_bool(cfg, action, "appendQueryString", true);
    d.log_rewritten = attr_bool(cfg, action, "logRewrittenUrl", false);
    d.redirect_status = attr_enum(cfg, action, "redirectType", ea, 301);
    d.status = attr_uint(cfg, action, "statusCode");
    d.substatus = attr_uint(cfg, action, "subStatusCode");
    d.reason = attr_or(cfg, action, "statusReason", "");
    d.description = attr_or(cfg, action, "statusDescription", "");
    d.global = global;
    d.base = base;
    *out = rewrite_rule_new(b->v->rewrite, &d, &oom, msg, sizeof(msg), &line);
    if (oom)
        goto out;
    if (*out == NULL)
        view_diag(b, CERTMAP_SEV_ERROR, cfg->name, line, "rule", NULL, "%s", msg);
    ret = 0;
out:
    free(cv.v);
    free(sv.v);
    free(cd);
    free(sd);
    return ret;
}

static long
find_rule(const struct pvec *r, const char *name)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcasecmp(rewrite_rule_name(r->v[i]), name) == 0)
            return (long)i;
    return -1;
}

static long
find_name(const struct pvec *r, const char *name)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcasecmp(r->v[i], name) == 0)
            return (long)i;
    return -1;
}

/* Applies one rules/globalRules element onto r.  -1 on allocation failure. */
static int
apply_rules(struct vbuild *b, struct pvec *r, struct certmap_config *cfg, struct cnode *sec,
            const char *base, bool global)
{
    size_t inherited = r->n;

    for (struct cnode *c = sec->first; c != NULL; c = c->next) {
        const struct rewrite_rule *rule;
        const char *name;
        long at;
        if (!cfg_node_live(c))
            continue;
        if (strcmp(c->name, "clear") == 0) {
            r->n = 0;
            inherited = 0;
            continue;
        }
        if (strcmp(c->name, "remove") != 0 && strcmp(c->name, "rule") != 0)
            continue; /* validation reports it */
        name = attr_or(cfg, c, "name", "");
        at = find_rule(r, name);
        if (strcmp(c->name, "remove") == 0) {
            if (at >= 0) {
                pvec_drop(r, (size_t)at);
                if ((size_t)at < inherited)
                    inherited--;
            }
            continue;
        }
        if (at >= 0 && (size_t)at < inherited) {
            view_diag(b, CERTMAP_SEV_ERROR, cfg->name, c->line, "rule", "name",
                      "duplicate rewrite rule \"%s\": %s:%u already adds it to this path; "
                      "<remove name=\"%s\"/> it first",
                      name, rewrite_rule_file(r->v[at]), rewrite_rule_line(r->v[at]), name);
            continue;
        }
        if (at >= 0)
            continue; /* a duplicate at this level: validation reports it */
        if (compile_rule(b, cfg, c, base, global, &rule) != 0)
            return -1;
        if (rule != NULL && pvec_push(r, rule) != 0)
            return -1;
    }
    return 0;
}

/* Applies one allowedServerVariables element onto r (names in the view's arena). */
static int
apply_allowed(struct vbuild *b, struct pvec *r, struct certmap_config *cfg, struct cnode *sec)
{
    for (struct cnode *c = sec->first; c != NULL; c = c->next) {
        const char *name;
        long at;
        if (!cfg_node_live(c))
            continue;
        if (strcmp(c->name, "clear") == 0) {
            r->n = 0;
            continue;
        }
        name = attr_or(cfg, c, "name", "");
        at = find_name(r, name);
        if (strcmp(c->name, "remove") == 0) {
            if (at >= 0)
                pvec_drop(r, (size_t)at);
            continue;
        }
        if (strcmp(c->name, "add") != 0 || at >= 0 || name[0] == '\0')
            continue;
        name = cfg_arena_strdup(&b->v->arena, name);
        if (name == NULL || pvec_push(r, name) != 0)
            return -1;
    }
    return 0;
}

/* A rule list (or NULL when empty) in the view's store. */
static int
freeze_rules(struct vbuild *b, const struct pvec *r, const struct rewrite_rules **out)
{
    *out = NULL;
    if (r->n == 0)
        return 0;
    *out = rewrite_rules_new(b->v->rewrite, (const struct rewrite_rule *const *)r->v, r->n);
    return *out != NULL ? 0 : -1;
}

static int
freeze_names(struct vbuild *b, const struct pvec *r, struct vnames *out)
{
    const char **v;

    out->v = NULL;
    out->n = 0;
    if (r->n == 0)
        return 0;
    v = cfg_arena_alloc(&b->v->arena, r->n * sizeof(*v));
    if (v == NULL)
        return -1;
    memcpy(v, r->v, r->n * sizeof(*v));
    out->v = v;
    out->n = r->n;
    return 0;
}

/*
 * One scope's rules and allowed names from the base lists and sc's layers
 * (only the inheritable ones when inheritable_only).  The base is kept when
 * no layer writes the section.  -1 on allocation failure.
 */
static int
settle(struct vbuild *b, const struct vscope *sc, const struct rewrite_rules *base_rules,
       const struct vnames *base_names, bool inheritable_only, const struct rewrite_rules **rules,
       struct vnames *names)
{
    struct pvec r = {0}, a = {0};
    bool any_r = view_scope_writes(sc, CERTMAP_SECTION_REWRITE_RULES, inheritable_only);
    bool any_a = view_scope_writes(sc, CERTMAP_SECTION_REWRITE_ALLOWED, inheritable_only);
    int ret = -1;

    *rules = base_rules;
    *names = *base_names;
    for (size_t i = 0; any_r && base_rules != NULL && i < base_rules->n; i++)
        if (pvec_push(&r, base_rules->rules[i]) != 0)
            goto out;
    for (size_t i = 0; any_a && i < base_names->n; i++)
        if (pvec_push(&a, base_names->v[i]) != 0)
            goto out;
    for (size_t i = 0; (any_r || any_a) && i < sc->nlayers; i++) {
        struct cnode *n =
            view_layer_section(sc, i, CERTMAP_SECTION_REWRITE_RULES, inheritable_only);
        if (n != NULL && apply_rules(b, &r, sc->layers[i].cfg, n,
                                     sc->pub.path != NULL ? sc->pub.path : "", false) != 0)
            goto out;
        n = view_layer_section(sc, i, CERTMAP_SECTION_REWRITE_ALLOWED, inheritable_only);
        if (n != NULL && apply_allowed(b, &a, sc->layers[i].cfg, n) != 0)
            goto out;
    }
    if ((any_r && freeze_rules(b, &r, rules) != 0) || (any_a && freeze_names(b, &a, names) != 0))
        goto out;
    ret = 0;
out:
    free(r.v);
    free(a.v);
    return ret;
}

int
rewrite_build_server(struct vbuild *b)
{
    struct vscope *sv = &b->server;
    struct vnames none = {NULL, 0};
    struct pvec g = {0};
    int ret = -1;

    if (b->v->rewrite == NULL && (b->v->rewrite = rewrite_store_new()) == NULL)
        return -1;
    /* the server level's path is "" (every site root): its rules match the whole path */
    if (settle(b, sv, NULL, &none, false, &sv->rw_eff, &sv->rw_allowed_eff) != 0)
        return -1;
    sv->rw_inh = sv->rw_eff;
    sv->rw_allowed_inh = sv->rw_allowed_eff;
    for (size_t i = 0; i < sv->nlayers; i++) {
        struct cnode *n =
            cfg_loc_find_section(sv->layers[i].container, CERTMAP_SECTION_REWRITE_GLOBAL);
        if (n != NULL && apply_rules(b, &g, sv->layers[i].cfg, n, "", true) != 0)
            goto out;
    }
    if (freeze_rules(b, &g, &b->v->global_rules) != 0)
        goto out;
    ret = 0;
out:
    free(g.v);
    return ret;
}

int
rewrite_settle_scope(struct vbuild *b, struct vscope *sc, const struct vscope *from)
{
    bool app = (sc->pub.kind & CERTMAP_SCOPE_APP) && !(sc->pub.kind & CERTMAP_SCOPE_SITE);
    struct certmap_settings *st = &sc->pub.settings;

    if (settle(b, sc, app ? from->rw_inh : from->rw_eff,
               app ? &from->rw_allowed_inh : &from->rw_allowed_eff, false, &sc->rw_eff,
               &sc->rw_allowed_eff) != 0 ||
        settle(b, sc, from->rw_inh, &from->rw_allowed_inh, true, &sc->rw_inh,
               &sc->rw_allowed_inh) != 0)
        return -1;
    st->rewrite = sc->rw_eff;
    st->rewrite_allowed = sc->rw_allowed_eff.v;
    st->rewrite_nallowed = sc->rw_allowed_eff.n;
    return 0;
}
