/*
 * scope.c - the scopes of a site and their effective settings.
 *
 * A scope is a URL path below a site where settings may change: the site
 * root, each <location path>, each application root, each virtual directory
 * root, each directory holding a web.config.  Scopes are processed parents
 * first (by depth); each scope's effective section is its parent's, with the
 * scope's own layers applied in document order.  Two values travel down:
 *
 *   eff  what applies at this scope and in plain directories below it;
 *   inh  what a child application below inherits: eff without the layers of
 *        <location inheritInChildApplications="false">, as IIS does.
 *
 * An application root starts from its parent's inh, every other scope from
 * its parent's eff.  Sections are shared until a layer writes to them.
 */
#include "view/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "certmap/cert.h"
#include "cert/facts.h"

/* ---- building ---- */

static int
cmp_depth(const void *a, const void *b)
{
    const struct vscope *x = *(struct vscope *const *)a, *y = *(struct vscope *const *)b;

    if (x->nseg != y->nseg)
        return x->nseg < y->nseg ? -1 : 1;
    return strcmp(x->key, y->key);
}

static int
cmp_key(const void *a, const void *b)
{
    const struct certmap_scope *x = *(const struct certmap_scope *const *)a;
    const struct certmap_scope *y = *(const struct certmap_scope *const *)b;

    return strcasecmp(x->path, y->path);
}

/* The nearest enclosing scope of sc (its key's prefixes at '/' boundaries). */
static struct vscope *
find_parent(const struct vsite *s, const struct vscope *sc)
{
    size_t len = sc->pub.path_len;
    struct vscope *p;

    if (len == 0)
        return NULL;
    do {
        while (len > 0 && sc->key[len - 1] != '/')
            len--;
        if (len > 0)
            len--; /* drop the '/' */
        p = view_scope_find(s, sc->key, len);
        if (p != NULL)
            return p;
    } while (len > 0);
    return view_scope_find(s, "", 0);
}

/* The site's <location> elements (path "Site" or "Site/..."), as layers of their scopes. */
static int
add_locations(struct vbuild *b, struct vsite *s)
{
    struct certmap_config *cfg = b->cfg;
    size_t nlen = strlen(s->pub.name);

    for (size_t i = 0; i < cfg->nlocs; i++) {
        const struct cloc *l = &cfg->locs[i];
        struct vscope *sc;

        if (l->nseg == 0 || !cfg_node_live(l->node) || strcspn(l->path, "/") != nlen ||
            strncasecmp(l->path, s->pub.name, nlen) != 0)
            continue;
        sc = view_scope_add(b, s, l->path + nlen, CERTMAP_SCOPE_LOCATION, VIEW_RANK_LOCATION);
        if (sc == NULL || view_scope_add_layer(sc, l->node, cfg, l->no_inherit) != 0)
            return -1;
    }
    return 0;
}

/* Computes sc's eff/inh sections from its parent's and its own layers. */
static int
scope_settle_sections(struct vbuild *b, struct vscope *sc, const struct vscope *parent)
{
    bool app = (sc->pub.kind & CERTMAP_SCOPE_APP) && !(sc->pub.kind & CERTMAP_SCOPE_SITE);
    size_t nsec = view_section_count();

    for (size_t i = 0; i < nsec; i++) {
        const struct schema_section *sec = view_section_at((int)i);
        struct vsec *base_eff = app ? parent->inh[i] : parent->eff[i];
        struct vsec *base_inh = parent->inh[i];
        bool any = false, cut = false;

        for (size_t k = 0; k < sc->nlayers; k++)
            if (cfg_loc_find_section(sc->layers[k].container, sec->path) != NULL) {
                any = true;
                cut |= sc->layers[k].no_inherit;
            }
        sc->eff[i] = base_eff;
        sc->inh[i] = base_inh;
        if (!any)
            continue;
        sc->eff[i] = vsec_new(b, sec, base_eff);
        if (sc->eff[i] == NULL)
            return -1;
        for (size_t k = 0; k < sc->nlayers; k++) {
            struct cnode *n = cfg_loc_find_section(sc->layers[k].container, sec->path);
            if (n != NULL && vsec_apply(b, sc->eff[i], sc->layers[k].cfg, n) != 0)
                return -1;
        }
        if (!cut && base_eff == base_inh) {
            sc->inh[i] = sc->eff[i];
            continue;
        }
        /* child applications get only the inheritable layers */
        sc->inh[i] = vsec_new(b, sec, base_inh);
        if (sc->inh[i] == NULL)
            return -1;
        for (size_t k = 0; k < sc->nlayers; k++) {
            struct cnode *n = cfg_loc_find_section(sc->layers[k].container, sec->path);
            if (n != NULL && !sc->layers[k].no_inherit &&
                vsec_apply(b, sc->inh[i], sc->layers[k].cfg, n) != 0)
                return -1;
        }
    }
    return 0;
}

/* The typed settings of sc from its effective sections. */
static void
scope_settle_settings(struct vscope *sc, const struct vsite *s)
{
    struct certmap_settings *st = &sc->pub.settings;
    const struct vsec *acc = sc->eff[view_section_index(CERTMAP_SECTION_ACCESS)];
    const struct vsec *an = sc->eff[view_section_index(CERTMAP_SECTION_ANONYMOUS)];
    const struct vsec *ba = sc->eff[view_section_index(CERTMAP_SECTION_BASIC)];
    const struct vsec *cm = sc->eff[view_section_index(CERTMAP_SECTION_CERTMAPPING)];

    st->ssl_flags = (unsigned)vsec_num(acc, "sslFlags", &st->src[CERTMAP_SET_SSL_FLAGS]);
    st->anon_enabled = vsec_num(an, "enabled", &st->src[CERTMAP_SET_ANON_ENABLED]) != 0;
    st->anon_user = vsec_text(an, "userName", &st->src[CERTMAP_SET_ANON_USER]);
    st->basic_enabled = vsec_num(ba, "enabled", &st->src[CERTMAP_SET_BASIC_ENABLED]) != 0;
    st->basic_realm = vsec_text(ba, "realm", &st->src[CERTMAP_SET_BASIC_REALM]);
    st->basic_domain = vsec_text(ba, "defaultLogonDomain", &st->src[CERTMAP_SET_BASIC_DOMAIN]);
    st->cm_enabled = vsec_num(cm, "enabled", &st->src[CERTMAP_SET_CM_ENABLED]) != 0;
    st->cm_one_to_one = vsec_num(cm, "oneToOneCertificateMappingsEnabled",
                                 &st->src[CERTMAP_SET_CM_ONE_TO_ONE]) != 0;
    st->cm_many_to_one = vsec_num(cm, "manyToOneCertificateMappingsEnabled",
                                  &st->src[CERTMAP_SET_CM_MANY_TO_ONE]) != 0;
    st->cm_domain = vsec_text(cm, "defaultLogonDomain", &st->src[CERTMAP_SET_CM_DOMAIN]);
    st->cm_logon_method =
        (unsigned)vsec_num(cm, "logonMethod", &st->src[CERTMAP_SET_CM_LOGON_METHOD]);
    st->mappings = st->cm_enabled && st->cm_one_to_one ? s->index : NULL;
    st->dir_enabled = vsec_num(sc->eff[view_section_index(CERTMAP_SECTION_DIRMAPPING)], "enabled",
                               &st->src[CERTMAP_SET_DIR_ENABLED]) != 0;
}

/* serverRuntime: the request body bound of a late client-certificate request. */
static void
scope_settle_runtime(struct vscope *sc)
{
    struct certmap_settings *st = &sc->pub.settings;
    const struct vsec *rt = sc->eff[view_section_index(CERTMAP_SECTION_SERVER_RUNTIME)];

    st->upload_read_ahead =
        (unsigned)vsec_num(rt, "uploadReadAheadSize", &st->upload_read_ahead_src);
}

int
scope_build_server(struct vbuild *b)
{
    struct certmap_config *cfg = b->cfg;
    struct vscope *sv = &b->server;
    size_t nsec = view_section_count(), k = 0;

    for (size_t i = 0; i < cfg->nlocs; i++)
        if (cfg->locs[i].nseg == 0 && cfg_node_live(cfg->locs[i].node) &&
            view_scope_add_layer(sv, cfg->locs[i].node, cfg, false) != 0)
            return -1;
    for (size_t i = 0; i < nsec; i++) {
        sv->eff[i] = vsec_new(b, view_section_at((int)i), NULL);
        if (sv->eff[i] == NULL)
            return -1;
        sv->inh[i] = sv->eff[i];
    }
    /* every section (server-only ones too) at the server level */
    for (const struct schema_section *sec = cfg_schema_sections; sec->path != NULL; sec++) {
        int i = view_section_index(sec->path);
        struct vsec *s = i >= 0 ? sv->eff[i] : vsec_new(b, sec, NULL);
        if (s == NULL)
            return -1;
        for (size_t l = 0; l < sv->nlayers; l++) {
            struct cnode *n = cfg_loc_find_section(sv->layers[l].container, sec->path);
            if (n != NULL && vsec_apply(b, s, cfg, n) != 0)
                return -1;
        }
        b->v->server_secs[k++] = s;
    }
    if (ipsec_settle_scope(b, sv, NULL, false) != 0)
        return -1;
    if (rewrite_build_server(b) != 0 || handlers_build_server(b) != 0)
        return -1;
    return rules_build_server(b);
}

/* The mapping collection's schema (oneToOneMappings of the certificate mapping section). */
static const struct schema_coll *
mappings_schema(const char *name)
{
    const struct schema_section *sec = cfg_schema_section_find(CERTMAP_SECTION_CERTMAPPING);
    const struct schema_elem *e = cfg_schema_child_find(sec->elem, name);

    return e != NULL ? e->coll : NULL;
}

/* The container of mapping collection name (oneToOneMappings, manyToOneMappings) of a layer, or
 * NULL. */
static struct cnode *
mappings_node(const struct vlayer *l, const char *name)
{
    struct cnode *cm = cfg_loc_find_section(l->container, CERTMAP_SECTION_CERTMAPPING);

    return cm != NULL ? cfg_node_child(cm, name) : NULL;
}

/*
 * The effective items of mapping collection name (oneToOneMappings,
 * manyToOneMappings) of a site: the server level's and the site root's,
 * the only levels where IIS reads them.  0 with *items malloc'd (caller
 * frees; NULL when none) and *sc its schema, or -1 on allocation failure.
 */
static int
site_mapping_items(struct vbuild *b, const struct vscope *root, const char *name,
                   const struct schema_coll **sc, struct cnode ***items, size_t *nitems)
{
    struct cnode **cont;
    size_t ncont = 0;
    bool oom = false;

    *items = NULL;
    *nitems = 0;
    *sc = mappings_schema(name);
    cont = malloc((b->server.nlayers + root->nlayers + 1) * sizeof(*cont));
    if (cont == NULL || *sc == NULL) {
        free(cont);
        return -1;
    }
    for (size_t i = 0; i < b->server.nlayers; i++)
        if ((cont[ncont] = mappings_node(&b->server.layers[i], name)) != NULL)
            ncont++;
    for (size_t i = 0; i < root->nlayers; i++)
        if (root->layers[i].cfg == b->cfg &&
            (cont[ncont] = mappings_node(&root->layers[i], name)) != NULL)
            ncont++;
    *items = cfg_coll_effective(b->cfg, *sc, cont, ncont, NULL, REPORT_NONE, nitems, &oom);
    free(cont);
    return oom ? -1 : 0;
}

/* Text of attribute name of item n, or the schema default; NULL on allocation failure. */
static const char *
item_text(struct certmap_config *cfg, const struct schema_elem *e, struct cnode *n,
          const char *name)
{
    struct cattr *ca = cfg_node_attr(n, name);
    const struct schema_attr *sa;

    if (ca != NULL)
        return cfg_attr_value(cfg, ca);
    sa = cfg_schema_attr_find(e, name);
    return sa != NULL && sa->def != NULL ? sa->def : "";
}

/*
 * Raw text of attribute name of item n (*len bytes, not NUL-terminated: it
 * may point into the file's text), or the schema default.  Not copied: an
 * arena copy of every certificate would double the load's peak memory.
 */
static const char *
item_raw(const struct schema_elem *e, const struct cnode *n, const char *name, size_t *len)
{
    const struct cattr *ca = cfg_node_attr(n, name);
    const struct schema_attr *sa;
    const char *d;

    if (ca != NULL) {
        *len = ca->len;
        return ca->value != NULL ? ca->value : ca->ref;
    }
    sa = cfg_schema_attr_find(e, name);
    d = sa != NULL && sa->def != NULL ? sa->def : "";
    *len = strlen(d);
    return d;
}

/* t[0..len) as a C string in buf (size bytes), or in *heap (malloc) when longer; NULL: no memory.
 */
static const char *
c_string(const char *t, size_t len, char *buf, size_t size, char **heap)
{
    char *p = buf;

    if (len >= size) {
        p = *heap = malloc(len + 1);
        if (p == NULL)
            return NULL;
    }
    memcpy(p, t, len);
    p[len] = '\0';
    return p;
}

/*
 * The mapping's certificate: DER decoded from the attribute, its SHA-256
 * (the key validate.c computed, when it did) and, for a compact index, the
 * notAfter and subject the expiry warning needs.  -1 and e filled when the
 * certificate does not decode.
 */
static int
item_cert(const struct cnode *n, const char *cert, size_t cert_len, struct mapping *m,
          unsigned char **der, struct certmap_error *e)
{
    const struct cnode_cert_facts *cf = cfg_node_cert_facts(n);
    struct cert_facts f;
    size_t der_len;

    /* validation of a serve-only config decoded it already: its text is gone */
    if (cf != NULL) {
        memcpy(m->sha256, n->key, 32);
        m->not_after = cf->not_after;
        m->subject = cf->subject;
        m->subject_len = cf->subject_len;
        return 0;
    }
    if (cert_decode_facts(cert, cert_len, der, &der_len, &f, e) != 0)
        return -1;
    m->der = *der;
    m->der_len = (uint32_t)der_len;
    if ((n->flags & CN_KEYED) && n->klen == 32)
        memcpy(m->sha256, n->key, 32);
    else
        certmap_cert_sha256(m->der, m->der_len, m->sha256);
    m->not_after = f.not_after;
    m->subject = m->der + f.subject_off;
    m->subject_len = (uint32_t)f.subject_len;
    return 0;
}

/*
 * Decrypts a password envelope of cfg: with the build's one opener for the
 * main configuration (100 000 mappings, one key schedule), else on its own.
 */
static int
view_decrypt(struct vbuild *b, struct certmap_config *cfg, const char *pass, char **plain,
             struct certmap_error *e)
{
    if (cfg_load_key(cfg, false, e) != 0)
        return -1;
    if (cfg != b->cfg)
        return secret_decrypt(cfg->key, pass, plain, e);
    if (b->opener == NULL) {
        b->opener = secret_opener_new(cfg->key);
        if (b->opener == NULL)
            return certmap_error_set(e, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL, "out of memory");
    }
    return secret_opener_decrypt(b->opener, pass, plain, e);
}

/*
 * Whether the compact index of this build holds cfg's facts (build_index)
 * and item n's certificate facts, subject included, are among them.
 */
static bool
held_facts(const struct vbuild *b, const struct cnode *n)
{
    return b->opts->compact_mappings && b->cfg->facts != NULL && cfg_node_cert_facts(n) != NULL;
}

/* Adds item n to idx; a mapping that cannot be used is left out with an item error. */
static int
index_item(struct vbuild *b, struct vsite *s, struct mapping_index *idx,
           const struct schema_coll *sc, struct cnode *n)
{
    struct certmap_config *cfg = b->cfg;
    size_t cert_len, user_len, pass_len, enabled_len;
    const char *cert = item_raw(sc->item, n, "certificate", &cert_len);
    const char *user_raw = item_raw(sc->item, n, "userName", &user_len);
    const char *pass_raw = item_raw(sc->item, n, "password", &pass_len);
    const char *enabled = item_raw(sc->item, n, "enabled", &enabled_len);
    char user_buf[256], pass_buf[512], *user_heap = NULL, *pass_heap = NULL;
    const char *user, *pass;
    struct certmap_error e = {0};
    unsigned char *der = NULL;
    char *plain = NULL, msg[256];
    unsigned long long on = 1;
    struct mapping m;
    int ret = -1;

    memset(&m, 0, sizeof(m));
    user = c_string(user_raw, user_len, user_buf, sizeof(user_buf), &user_heap);
    pass = c_string(pass_raw, pass_len, pass_buf, sizeof(pass_buf), &pass_heap);
    if (user == NULL || pass == NULL)
        goto out;
    if (item_cert(n, cert, cert_len, &m, &der, &e) != 0) {
        view_item_error(b, cfg->name, n->line, "add", "certificate",
                        "%s%s; this mapping of \"%s\" is inactive", cert_msg_prefix(e.message),
                        e.message, user);
        ret = 0;
        goto out;
    }
    if (secret_is_envelope(pass)) {
        if (view_decrypt(b, cfg, pass, &plain, &e) != 0) {
            view_item_error(b, cfg->name, n->line, "add", "password",
                            "the password of \"%s\" cannot be decrypted (%s); this mapping is "
                            "inactive: enter it again with `certmap set mapping --site \"%s\" "
                            "--cert FILE --password-stdin`",
                            user, e.message, s->pub.name);
            ret = 0;
            goto out;
        }
    }
    cfg_value_parse(cfg_schema_attr_find(sc->item, "enabled"), enabled, enabled_len, NULL, 0, &on,
                    msg, sizeof(msg));
    /* the fingerprint is known: a compact index takes it instead of hashing the DER again */
    if (b->opts->compact_mappings) {
        m.der = NULL;
        m.der_len = 0;
    }
    m.user = user;
    m.password = plain != NULL ? plain : pass;
    m.enabled = on != 0;
    m.file = view_file_name(b, cfg);
    m.line = n->line;
    if (m.file == NULL)
        goto out;
    /* a subject among cfg's facts stays there: the index holds them (build_index) */
    if ((held_facts(b, n) ? mapping_index_add_held(idx, &m, &e) : mapping_index_add(idx, &m, &e)) !=
        0)
        view_diag(b, CERTMAP_SEV_ERROR, e.file, e.line, e.element, e.attribute, "%s", e.message);
    ret = 0;
out:
    if (plain != NULL) {
        OPENSSL_cleanse(plain, strlen(plain));
        free(plain);
    }
    /* only what c_string() wrote: 512 bytes per mapping were 85 M instructions at 100 000 */
    OPENSSL_cleanse(pass_buf, pass_len < sizeof(pass_buf) ? pass_len + 1 : sizeof(pass_buf));
    if (pass_heap != NULL) {
        OPENSSL_cleanse(pass_heap, pass_len);
        free(pass_heap);
    }
    free(user_heap);
    free(der);
    return ret;
}

/*
 * The site's one-to-one index: the effective oneToOneMappings of the server
 * level and the site's root, the only levels where IIS reads them.
 */
static int
build_index(struct vbuild *b, struct vsite *s, const struct vscope *root)
{
    const struct schema_coll *sc;
    struct cnode **items = NULL;
    size_t nitems = 0;
    int ret = -1;

    if (site_mapping_items(b, root, "oneToOneMappings", &sc, &items, &nitems) != 0)
        goto out;
    if (nitems > 0) {
        s->index = b->opts->compact_mappings ? mapping_index_new_compact(nitems)
                                             : mapping_index_new(nitems);
        if (s->index == NULL)
            goto out;
        /* entries point at the subjects among the facts instead of copying them (held_facts) */
        if (b->opts->compact_mappings && b->cfg->facts != NULL) {
            if (mapping_index_hold(s->index, cfg_shared_ref(b->cfg->facts), cfg_shared_unref) !=
                0) {
                cfg_shared_unref(b->cfg->facts);
                goto out;
            }
        }
        for (size_t i = 0; i < nitems; i++)
            if (index_item(b, s, s->index, sc, items[i]) != 0)
                goto out;
        s->pub.mapping_count = mapping_index_count(s->index);
    }
    ret = 0;
out:
    free(items);
    return ret;
}

/*
 * Mappings of collection name written below the site level: kept, never used
 * (IIS ignores them too).  what names them in the note ("one-to-one").
 */
static void
note_ignored_mappings(struct vbuild *b, const struct vsite *s, const struct vscope *sc,
                      const char *name, const char *what)
{
    for (size_t i = 0; i < sc->nlayers; i++) {
        struct cnode *m = mappings_node(&sc->layers[i], name);
        if (m == NULL || m->first == NULL)
            continue;
        view_diag(b, CERTMAP_SEV_NOTE, sc->layers[i].cfg->name, m->line, name, NULL,
                  "%s mappings of \"%s%s\" are ignored: IIS reads them only at the server "
                  "and site level; move them to <location path=\"%s\">",
                  what, s->pub.name, sc->pub.path, s->pub.name);
    }
}

/* ---- many-to-one mappings ---- */

/* The manyToOneMappings collection's schema. */

/* Numeric value of attribute name of item n (enum, bool) as the schema reads it. */
static unsigned long long
item_num(struct certmap_config *cfg, const struct schema_elem *e, struct cnode *n, const char *name)
{
    const char *text = item_text(cfg, e, n, name);
    unsigned long long v = 0;
    char msg[256];

    /* The validator has refused a value that does not parse; 0 is never reached then. */
    if (text != NULL)
        cfg_value_parse(cfg_schema_attr_find(e, name), text, strlen(text), NULL, 0, &v, msg,
                        sizeof(msg));
    return v;
}

/*
 * The rules of mapping item n appended to the set's last mapping.  A rule
 * that cannot be used fails the whole configuration: leaving it out would
 * widen an Allow mapping, and dropping the mapping would lose a Deny.
 */
static int
m2o_add_rules(struct vbuild *b, struct m2o_set *set, const struct schema_elem *item,
              struct cnode *n, const char *file)
{
    const struct schema_elem *rules_el = cfg_schema_child_find(item, "rules");
    const struct schema_coll *rc = rules_el != NULL ? rules_el->coll : NULL;
    struct cnode *cont = cfg_node_child(n, "rules");
    struct cnode **rules = NULL;
    size_t nrules = 0;
    bool oom = false;

    if (cont == NULL || rc == NULL)
        return 0;
    rules = cfg_coll_effective(b->cfg, rc, &cont, 1, NULL, REPORT_NONE, &nrules, &oom);
    if (oom)
        return -1;
    for (size_t i = 0; i < nrules; i++) {
        struct certmap_error e = {0};
        struct m2o_rule r;

        memset(&r, 0, sizeof(r));
        r.field = (enum m2o_field)item_num(b->cfg, rc->item, rules[i], "certificateField");
        r.subfield = item_text(b->cfg, rc->item, rules[i], "certificateSubField");
        r.criteria = item_text(b->cfg, rc->item, rules[i], "matchCriteria");
        r.case_sensitive = item_num(b->cfg, rc->item, rules[i], "compareCaseSensitive") != 0;
        r.file = file;
        r.line = rules[i]->line;
        if (m2o_set_add_rule(set, &r, &e) != 0) {
            if (e.kind == CERTMAP_ERR_NOMEM) {
                free(rules);
                return -1;
            }
            view_diag(b, CERTMAP_SEV_ERROR, e.file, e.line, e.element, e.attribute, "%s",
                      e.message);
        }
    }
    free(rules);
    return 0;
}

/* Adds mapping item n (and its rules) to set. -1 on allocation failure. */
static int
m2o_add_item(struct vbuild *b, struct vsite *s, struct m2o_set *set, const struct schema_coll *sc,
             struct cnode *n)
{
    struct certmap_config *cfg = b->cfg;
    const char *pass = item_text(cfg, sc->item, n, "password");
    struct certmap_error e = {0};
    struct m2o_mapping m;
    char *plain = NULL;
    int ret = -1;

    memset(&m, 0, sizeof(m));
    m.name = item_text(cfg, sc->item, n, "name");
    m.description = item_text(cfg, sc->item, n, "description");
    m.base.user = item_text(cfg, sc->item, n, "userName");
    m.base.enabled = item_num(cfg, sc->item, n, "enabled") != 0;
    m.deny = item_num(cfg, sc->item, n, "permissionMode") == 2;
    m.base.file = view_file_name(b, cfg);
    m.base.line = n->line;
    if (m.name == NULL || m.description == NULL || m.base.user == NULL || pass == NULL ||
        m.base.file == NULL)
        return -1;
    /* A Deny mapping never logs on: its password does not decide whether it applies. */
    if (secret_is_envelope(pass) && !m.deny && view_decrypt(b, cfg, pass, &plain, &e) != 0) {
        view_item_error(b, cfg->name, n->line, "add", "password",
                        "the password of many-to-one mapping \"%s\" cannot be decrypted (%s); "
                        "this mapping is inactive: enter it again with `certmap add many-to-one "
                        "--site \"%s\" --name \"%s\" ... --password-stdin`",
                        m.name, e.message, s->pub.name, m.name);
        m.base.enabled = false;
        pass = "";
    }
    m.base.password = plain != NULL ? plain : (m.deny ? "" : pass);
    if (m2o_set_add(set, &m) != 0)
        goto out;
    if (m2o_add_rules(b, set, sc->item, n, m.base.file) != 0)
        goto out;
    if (m2o_set_entry(set, m2o_set_count(set) - 1)->nrules == 0)
        view_diag(b, CERTMAP_SEV_WARNING, cfg->name, n->line, "add", NULL,
                  "many-to-one mapping \"%s\" has no rules: it never matches (IIS does not "
                  "document what it does; certmap does not map every certificate to one account)",
                  m.name);
    ret = 0;
out:
    if (plain != NULL) {
        OPENSSL_cleanse(plain, strlen(plain));
        free(plain);
    }
    return ret;
}

/*
 * The site's many-to-one mappings: the effective manyToOneMappings of the
 * server level and the site's root, the levels where IIS reads them (as
 * oneToOneMappings, build_index()).
 */
static int
build_m2o(struct vbuild *b, struct vsite *s, const struct vscope *root)
{
    const struct schema_coll *sc;
    struct cnode **items = NULL;
    size_t nitems = 0;
    int ret = -1;

    if (site_mapping_items(b, root, "manyToOneMappings", &sc, &items, &nitems) != 0)
        goto out;
    if (nitems > 0) {
        s->m2o = m2o_set_new();
        if (s->m2o == NULL)
            goto out;
        for (size_t i = 0; i < nitems; i++)
            if (m2o_add_item(b, s, s->m2o, sc, items[i]) != 0)
                goto out;
    }
    ret = 0;
out:
    free(items);
    return ret;
}

int
scope_build_site(struct vbuild *b, struct vsite *s, struct certmap_element *site_elem)
{
    struct vscope *root;
    const struct certmap_scope **pub;

    (void)site_elem;
    root = view_scope_add(b, s, "", CERTMAP_SCOPE_SITE | CERTMAP_SCOPE_APP, VIEW_RANK_SITE);
    if (root == NULL)
        return -1;
    for (size_t i = 0; i < s->napps; i++)
        if (view_scope_add(b, s, s->apps[i], CERTMAP_SCOPE_APP, VIEW_RANK_APP) == NULL)
            return -1;
    for (size_t i = 0; i < s->pub.nvdirs; i++) {
        struct vscope *sc =
            view_scope_add(b, s, s->vdirs[i].url, CERTMAP_SCOPE_VDIR, VIEW_RANK_VDIR);
        if (sc == NULL)
            return -1;
        sc->vdir_own = &s->vdirs[i];
    }
    if (add_locations(b, s) != 0)
        return -1;
    if (b->opts->web_config && webcfg_scan_site(b, s) != 0)
        return -1;
    /* parents first: by depth */
    qsort(s->scopes, s->nscopes, sizeof(*s->scopes), cmp_depth);
    if (build_index(b, s, root) != 0 || build_m2o(b, s, root) != 0)
        return -1;
    for (size_t i = 0; i < s->nscopes; i++) {
        struct vscope *sc = s->scopes[i];
        struct vscope *parent = find_parent(s, sc);
        const struct vscope *from = parent != NULL ? parent : &b->server;

        sc->pub.parent = parent != NULL ? &parent->pub : NULL;
        if (parent != NULL && parent->pub.path_len > 0) {
            /* one spelling for the whole prefix: the parent's, then this scope's own tail */
            memcpy((char *)sc->pub.path, parent->pub.path, parent->pub.path_len);
        }
        sc->pub.vdir = sc->vdir_own != NULL ? sc->vdir_own : (parent ? parent->pub.vdir : NULL);
        if (b->opts->web_config)
            webcfg_respell_scope(b, sc);
        if (parent != NULL && parent->pub.error_status != 0 && sc->pub.error_status == 0) {
            sc->pub.error_status = parent->pub.error_status;
            sc->pub.error_substatus = parent->pub.error_substatus;
            sc->pub.error = parent->pub.error;
        }
        if (scope_settle_sections(b, sc, from) != 0)
            return -1;
        scope_settle_settings(sc, s);
        if (ipsec_settle_scope(b, sc, from,
                               (sc->pub.kind & CERTMAP_SCOPE_APP) &&
                                   !(sc->pub.kind & CERTMAP_SCOPE_SITE)) != 0)
            return -1;
        sc->pub.settings.many_to_one = sc->pub.settings.cm_enabled &&
                                               sc->pub.settings.cm_many_to_one &&
                                               m2o_set_count(s->m2o) > 0
                                           ? s->m2o
                                           : NULL;
        if (rules_settle_scope(b, sc, from) != 0 || rewrite_settle_scope(b, sc, from) != 0 ||
            handlers_settle_scope(b, sc, from) != 0)
            return -1;
        scope_settle_runtime(sc);
        if (sc->pub.settings.ssl_flags & (CERTMAP_SSL_NEGOTIATE_CERT | CERTMAP_SSL_REQUIRE_CERT))
            s->pub.wants_cert = true;
        if (sc != root) {
            note_ignored_mappings(b, s, sc, "oneToOneMappings", "one-to-one");
            note_ignored_mappings(b, s, sc, "manyToOneMappings", "many-to-one");
        }
    }
    /* the public list: sorted by path, the root first */
    pub = malloc(s->nscopes * sizeof(*pub));
    if (pub == NULL)
        return -1;
    for (size_t i = 0; i < s->nscopes; i++)
        pub[i] = &s->scopes[i]->pub;
    qsort(pub, s->nscopes, sizeof(*pub), cmp_key);
    s->pub.scopes = pub;
    s->pub.nscopes = s->nscopes;
    return 0;
}
