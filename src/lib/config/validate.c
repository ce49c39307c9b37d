/*
 * validate.c - checks the element tree against the schema and reports every
 * finding, as relayd's parser does: errors (the file is not usable), warnings
 * (usable, probably not meant) and notes (IIS features kept but ignored).
 *
 * Within what certmap implements, everything is strict: unknown elements and
 * attributes, bad values, missing keys, duplicates.  IIS sections certmap does
 * not implement are kept byte for byte and listed once each as notes.
 */
#include "config/binding.h"
#include "config/validate.h"

#include "config/arena.h"
#include "config/tree.h"
#include "config/document.h"
#include "config/schema.h"
#include "config/value.h"
#include "config/diag.h"
#include "config/location.h"
#include "config/parse.h"
#include "config/store.h"
#include "config/collection.h"
#include "config/items.h"
#include "config/facts.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "certmap/cert.h"

struct vsec {
    const struct schema_section *s;
    struct cnode *node;
    const char *locpath; /* normalised (arena) */
};

struct vctx {
    struct certmap_config *cfg;
    struct certmap_diags *d;
    char **noted; /* keys of notes already given */
    size_t nnoted, capnoted;
    struct vsec *secs;
    size_t nsecs, capsecs;
    size_t *sec_slot; /* hash of (section, location path) -> index in secs + 1; 0: empty */
    size_t sec_mask;
    bool key_tried, key_ok;
    struct certmap_error key_err; /* why the key did not load, when !key_ok */
    bool oom;                     /* an allocation failed: the result is not trustworthy */
};

static const char *
raw_value(const struct cattr *a)
{
    return a->value != NULL ? a->value : a->ref;
}

/*
 * An item error: ca of the collection item n is broken, which disables that
 * item only.  The broken value is remembered (cfg->broken) so that a commit
 * can tell an error the file already had from one it would add.
 */
static void diag_item(struct vctx *v, struct cnode *n, struct cattr *ca, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void
diag_item(struct vctx *v, struct cnode *n, struct cattr *ca, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    cfg_vdiag_at(v->cfg, v->d, CERTMAP_SEV_ERROR, true, ca->line, n->name, ca->name, fmt, ap);
    va_end(ap);
    if (cfg_broken_add(v->cfg, ca->name, raw_value(ca), ca->len) != 0)
        v->oom = true;
}

/* A note given once per key (a section path, "element attribute"), at its first occurrence. */
static void
note_once(struct vctx *v, const char *key, unsigned line, const char *elem, const char *attr,
          const char *msg)
{
    for (size_t i = 0; i < v->nnoted; i++)
        if (strcmp(v->noted[i], key) == 0)
            return;
    if (v->nnoted == v->capnoted) {
        size_t ncap = v->capnoted ? v->capnoted * 2 : 16;
        char **p = realloc(v->noted, ncap * sizeof(*p));
        if (p == NULL)
            return;
        v->noted = p;
        v->capnoted = ncap;
    }
    v->noted[v->nnoted] = strdup(key);
    if (v->noted[v->nnoted] == NULL)
        return;
    v->nnoted++;
    cfg_diag(v->cfg, v->d, CERTMAP_SEV_NOTE, line, elem, attr, "%s", msg);
}

/*
 * What the admin runs to repair the item n: for a one-to-one mapping, the
 * certmap command that sets its password again at its own location.
 */
static void
repair_hint(struct vctx *v, const struct cnode *n, char *buf, size_t size)
{
    const struct cloc *l = cfg_loc_of(v->cfg, n);
    const char *path = l != NULL ? l->path : "";
    size_t site_len = strcspn(path, "/");

    if (strcmp(n->name, "add") != 0) {
        snprintf(buf, size, "set the password again, or remove the attribute");
        return;
    }
    snprintf(buf, size,
             "run certmap set mapping --site \"%.*s\"%s%s%s --cert FILE --password-stdin to "
             "enter the password again, or remove the mapping",
             (int)site_len, path, path[site_len] != '\0' ? " --path \"" : "",
             path[site_len] != '\0' ? path + site_len : "", path[site_len] != '\0' ? "\"" : "");
}

/*
 * Keys item n by its certificate's SHA-256; a serve-only config also keeps
 * the facts a compact view needs (facts.h), from this one decode.
 */
static void
check_cert(struct vctx *v, struct cnode *n, struct cattr *ca, bool item)
{
    struct certmap_error e = {0};
    unsigned char *der = NULL, *key;
    size_t der_len = 0;
    int rc;

    if (n->flags & CN_FACTS)
        return; /* decoded while parsing (parse.c): its text is gone */
    if (v->cfg->serve_only && item)
        rc = cfg_item_cert_facts(v->cfg, n, raw_value(ca), ca->len, &e);
    else
        rc = certmap_cert_decode(raw_value(ca), ca->len, &der, &der_len, &e);
    if (rc != 0 && e.kind == CERTMAP_ERR_NOMEM) {
        v->oom = true;
        return;
    }
    if (rc != 0) {
        /* IIS fails only this mapping; a broken <remove> would leave an inherited one active */
        if (item)
            diag_item(v, n, ca,
                      "%s%s; this mapping is inactive: write the certificate again (certmap "
                      "cert-string FILE prints IIS's form) or remove the mapping",
                      cert_msg_prefix(e.message), e.message);
        else
            cfg_diag(v->cfg, v->d, CERTMAP_SEV_ERROR, ca->line, n->name, ca->name, "%s%s",
                     cert_msg_prefix(e.message), e.message);
        return;
    }
    if (der == NULL)
        return; /* facts kept */
    /* The mapping key is the certificate compared as DER: keep its digest, not the DER. */
    key = cfg_arena_alloc(&v->cfg->arena, 32);
    if (key == NULL) {
        v->oom = true;
    } else {
        certmap_cert_sha256(der, der_len, key);
        n->key = key;
        n->klen = 32;
        n->flags |= CN_KEYED;
    }
    free(der);
}

/* A password that does not decrypt: an item error for a collection item, else structural. */
static void
secret_error(struct vctx *v, struct cnode *n, struct cattr *ca, bool item, const char *why)
{
    char hint[512];

    if (!item) {
        cfg_diag(v->cfg, v->d, CERTMAP_SEV_ERROR, ca->line, n->name, ca->name, "%s", why);
        return;
    }
    repair_hint(v, n, hint, sizeof(hint));
    diag_item(v, n, ca, "%s; this %s is inactive: %s", why,
              strcmp(n->name, "add") == 0 ? "mapping" : "item", hint);
}

static void
check_secret(struct vctx *v, struct cnode *n, struct cattr *ca, bool item)
{
    struct certmap_config *cfg = v->cfg;
    struct certmap_error e = {0};
    char *val, *plain = NULL, why[1536];

    val = strndup(raw_value(ca), ca->len);
    if (val == NULL) {
        v->oom = true;
        return;
    }
    if (!secret_is_envelope(val)) {
        cfg_diag(cfg, v->d, CERTMAP_SEV_WARNING, ca->line, n->name, ca->name,
                 "plain-text password; run certmap encrypt-passwords");
        goto out;
    }
    if (cfg->skip_secrets)
        goto out;
    if (!v->key_tried) {
        v->key_tried = true;
        /* reading never creates a key: that is for the first password written */
        v->key_ok = cfg_load_key(cfg, false, &v->key_err) == 0;
    }
    if (!v->key_ok) {
        /* every envelope is unreadable: each item says so, so each is listed to repair */
        snprintf(why, sizeof(why), "cannot decrypt: %.500s%s%.900s", v->key_err.file,
                 v->key_err.file[0] ? ": " : "", v->key_err.message);
        secret_error(v, n, ca, item, why);
        goto out;
    }
    if (secret_decrypt(cfg->key, val, &plain, &e) != 0) {
        snprintf(why, sizeof(why), "cannot decrypt (wrong key file or damaged value): %s",
                 e.message);
        secret_error(v, n, ca, item, why);
    }
    secret_free(plain);
out:
    OPENSSL_cleanse(val, strlen(val));
    free(val);
}

static void
check_binding(struct vctx *v, struct cnode *n)
{
    struct cattr *proto = cfg_node_attr(n, "protocol"),
                 *info = cfg_node_attr(n, "bindingInformation");
    bool http = false, https = false;

    if (proto != NULL) {
        https = proto->len == 5 && strncasecmp(raw_value(proto), "https", 5) == 0;
        http = proto->len == 4 && strncasecmp(raw_value(proto), "http", 4) == 0;
    }
    if (proto != NULL && !http && !https) {
        char key[160];
        snprintf(key, sizeof(key), "binding protocol %.*s",
                 (int)(proto->len > 60 ? 60 : proto->len), raw_value(proto));
        note_once(v, key, proto->line, n->name, "protocol",
                  "bindings of this protocol are not served by certmap: kept, ignored");
    }
    if ((http || https) && info != NULL) {
        const char *text = cfg_attr_value(v->cfg, info), *why = NULL;
        char ip[64], host[256];
        unsigned port;
        if (text == NULL ||
            cfg_binding_parse_info(text, ip, sizeof(ip), &port, host, sizeof(host), &why) != 0)
            cfg_diag(v->cfg, v->d, CERTMAP_SEV_ERROR, info->line, n->name, info->name,
                     "malformed binding \"%.*s\": %s (expected ip:port:host, e.g. \"*:443:\")",
                     (int)(info->len > 200 ? 200 : info->len), raw_value(info),
                     why != NULL ? why : "out of memory");
    }
    for (uint32_t i = 0; i < n->nattrs; i++) {
        const struct schema_attr *a = cfg_schema_attr_find(n->schema, n->attrs[i].name);
        if (a != NULL && (a->flags & SA_HTTPS) && !https)
            cfg_diag(v->cfg, v->d, CERTMAP_SEV_ERROR, n->attrs[i].line, n->name, n->attrs[i].name,
                     "only valid on a binding with protocol=\"https\"");
    }
}

static void
check_attr(struct vctx *v, struct cnode *n, const struct schema_attr *a, struct cattr *ca,
           bool item)
{
    char msg[768], key[300];
    unsigned long long num = 0;

    if (cfg_value_parse(a, raw_value(ca), ca->len, NULL, 0, &num, msg, sizeof(msg)) != 0) {
        cfg_diag(v->cfg, v->d, CERTMAP_SEV_ERROR, ca->line, n->name, ca->name, "%s", msg);
        return;
    }
    if ((a->flags & SA_WARN_TRUE) && num == 1)
        cfg_diag(v->cfg, v->d, CERTMAP_SEV_WARNING, ca->line, n->name, ca->name,
                 "<%s> is not supported on Linux: enabled=\"true\" is ignored", n->name);
    if (a->flags & SA_NOEFFECT) {
        snprintf(key, sizeof(key), "%s %s", n->name, ca->name);
        note_once(v, key, ca->line, n->name, ca->name,
                  "IIS setting without effect on Linux: kept, ignored");
    }
    if (a->flags & SA_CERT)
        check_cert(v, n, ca, item);
    if ((a->flags & SA_ENCRYPTED) && ca->len > 0)
        check_secret(v, n, ca, item);
}

/*
 * A locking attribute (lockAttributes & co.): lockItem is a boolean, the
 * lists name attributes or child elements of this element ("*": all), so a
 * misspelt name is an error instead of a lock that locks nothing.
 */
static void
check_lock_attr(struct vctx *v, struct cnode *n, const struct schema_elem *se, struct cattr *ca)
{
    static const struct schema_attr bool_attr = {LOCK_ITEM, ST_BOOL, "false", NULL, 0, 0, 0};
    const char *val = raw_value(ca);
    bool attrs =
        strcmp(ca->name, LOCK_ATTRIBUTES) == 0 || strcmp(ca->name, LOCK_ALL_ATTRIBUTES_EXCEPT) == 0;
    char msg[256];

    if (strcmp(ca->name, LOCK_ITEM) == 0) {
        if (cfg_value_parse(&bool_attr, val, ca->len, NULL, 0, NULL, msg, sizeof(msg)) != 0)
            cfg_diag(v->cfg, v->d, CERTMAP_SEV_ERROR, ca->line, n->name, ca->name, "%s", msg);
        return;
    }
    for (size_t i = 0; i < ca->len;) {
        size_t b, e;
        char name[128];
        bool ok;

        while (i < ca->len && (val[i] == ' ' || val[i] == '\t'))
            i++;
        b = i;
        while (i < ca->len && val[i] != ',')
            i++;
        e = i++;
        while (e > b && (val[e - 1] == ' ' || val[e - 1] == '\t'))
            e--;
        if (e == b || (e - b == 1 && val[b] == '*'))
            continue;
        snprintf(name, sizeof(name), "%.*s", (int)(e - b), val + b);
        ok = attrs ? cfg_schema_attr_find(se, name) != NULL : cfg_schema_child_name(se, name);
        if (!ok)
            cfg_diag(v->cfg, v->d, CERTMAP_SEV_ERROR, ca->line, n->name, ca->name,
                     "<%s> has no %s named \"%s\"", n->name, attrs ? "attribute" : "child element",
                     name);
    }
}

/* item: n is a collection item (<add>), whose broken certificate or password is an item error. */
static void
check_attrs(struct vctx *v, struct cnode *n, const struct schema_elem *se, bool keys_only,
            bool item)
{
    for (uint32_t i = 0; i < n->nattrs; i++) {
        struct cattr *ca = &n->attrs[i];
        const struct schema_attr *a = cfg_schema_attr_find(se, ca->name);
        const char *sugg;

        if (a == NULL && cfg_schema_is_lock_attr(ca->name)) {
            for (uint32_t j = 0; j < i; j++)
                if (strcmp(n->attrs[j].name, ca->name) == 0)
                    cfg_diag(v->cfg, v->d, CERTMAP_SEV_ERROR, ca->line, n->name, ca->name,
                             "attribute given twice");
            check_lock_attr(v, n, se, ca);
            continue;
        }
        if (a == NULL || (keys_only && !(a->flags & SA_KEY))) {
            sugg = a == NULL ? cfg_schema_suggest_attr(se, ca->name) : NULL;
            cfg_diag(v->cfg, v->d, CERTMAP_SEV_ERROR, ca->line, n->name, ca->name,
                     "unknown attribute%s%s%s", sugg ? " (did you mean \"" : "", sugg ? sugg : "",
                     sugg ? "\"?)" : "");
            continue;
        }
        for (uint32_t j = 0; j < i; j++)
            if (strcmp(n->attrs[j].name, ca->name) == 0)
                cfg_diag(v->cfg, v->d, CERTMAP_SEV_ERROR, ca->line, n->name, ca->name,
                         "attribute given twice");
        check_attr(v, n, a, ca, item);
    }
}

static void
check_required(struct vctx *v, struct cnode *n, const struct schema_elem *se, unsigned mask)
{
    /* a key attribute with a default (ipSecurity's combined key) may be left out */
    for (const struct schema_attr *a = se->attrs; a->name != NULL; a++)
        if ((a->flags & mask) && cfg_node_attr(n, a->name) == NULL &&
            /* a key part with a default may be left out (authorization's roles, verbs) */
            !(!(a->flags & SA_REQUIRED) && a->def != NULL))
            cfg_diag(v->cfg, v->d, CERTMAP_SEV_ERROR, n->line, n->name, a->name,
                     "required attribute missing");
}

static void validate_elem(struct vctx *v, struct cnode *n, const struct schema_elem *se, bool item);

static void
validate_child(struct vctx *v, struct cnode *n, const struct schema_elem *se, struct cnode *c)
{
    const struct schema_coll *sc = se->coll;
    const struct schema_elem *ce;
    const char *sugg;
    char key[300];

    if (sc != NULL && strcmp(c->name, sc->add) == 0) {
        validate_elem(v, c, sc->item, true);
        return;
    }
    if (sc != NULL && sc->remove != NULL && strcmp(c->name, sc->remove) == 0) {
        check_attrs(v, c, sc->item, true, false);
        check_required(v, c, sc->item, SA_KEY);
        return;
    }
    if (sc != NULL && sc->clear != NULL && strcmp(c->name, sc->clear) == 0) {
        if (c->nattrs > 0)
            cfg_diag(v->cfg, v->d, CERTMAP_SEV_ERROR, c->attrs[0].line, c->name, c->attrs[0].name,
                     "unknown attribute");
        return;
    }
    ce = cfg_schema_child_find(se, c->name);
    if (ce != NULL) {
        for (struct cnode *p = n->first; p != c; p = p->next)
            if (strcmp(p->name, c->name) == 0) {
                cfg_diag(v->cfg, v->d, CERTMAP_SEV_ERROR, c->line, c->name, NULL,
                         "element given twice in <%s> (also at line %u)", n->name, p->line);
                break;
            }
        validate_elem(v, c, ce, false);
        return;
    }
    if (cfg_schema_known_child(se, c->name)) {
        snprintf(key, sizeof(key), "%s/%s", se->name, c->name);
        note_once(v, key, c->line, c->name, NULL,
                  "IIS setting certmap does not implement: kept on save, ignored");
        return;
    }
    sugg = cfg_schema_suggest_child(se, c->name);
    cfg_diag(v->cfg, v->d, CERTMAP_SEV_ERROR, c->line, c->name, NULL,
             "unknown element in <%s>%s%s%s", n->name, sugg ? " (did you mean <" : "",
             sugg ? sugg : "", sugg ? ">?)" : "");
}

static void
validate_elem(struct vctx *v, struct cnode *n, const struct schema_elem *se, bool item)
{
    n->schema = se;
    check_attrs(v, n, se, false, item);
    if (item)
        check_required(v, n, se, SA_REQUIRED | SA_KEY);
    if (strcmp(se->name, "binding") == 0)
        check_binding(v, n);
    for (struct cnode *c = n->first; c != NULL; c = c->next)
        validate_child(v, n, se, c);
    if (se->coll != NULL) {
        size_t count = 0;
        bool oom = false;
        free(cfg_coll_effective(v->cfg, se->coll, &n, 1, v->d, REPORT_SAME, &count, &oom));
    }
}

static size_t
sec_hash(const struct schema_section *s, const char *locpath)
{
    return cfg_fold_hash(locpath, strlen(locpath), (size_t)(uintptr_t)s);
}

/* The slot of (s, locpath) in v->sec_slot: its entry, or the empty slot where it goes. */
static size_t *
sec_find(struct vctx *v, const struct schema_section *s, const char *locpath)
{
    size_t i = sec_hash(s, locpath) & v->sec_mask;

    for (;; i = (i + 1) & v->sec_mask) {
        size_t k = v->sec_slot[i];
        if (k == 0 || (v->secs[k - 1].s == s && strcasecmp(v->secs[k - 1].locpath, locpath) == 0))
            return &v->sec_slot[i];
    }
}

/* Keeps the table at most half full. -1 on allocation failure. */
static int
sec_grow(struct vctx *v)
{
    size_t n = v->sec_slot == NULL ? 64 : (v->sec_mask + 1) * 2;
    size_t *old = v->sec_slot;

    if (v->sec_slot != NULL && (v->nsecs + 1) * 2 <= v->sec_mask + 1)
        return 0;
    v->sec_slot = calloc(n, sizeof(*v->sec_slot));
    if (v->sec_slot == NULL) {
        v->sec_slot = old;
        return -1;
    }
    v->sec_mask = n - 1;
    for (size_t i = 0; i < v->nsecs; i++)
        *sec_find(v, v->secs[i].s, v->secs[i].locpath) = i + 1;
    free(old);
    return 0;
}

static void
validate_section(struct vctx *v, struct cnode *n, const struct schema_section *s,
                 const char *locpath)
{
    size_t *slot;

    if ((s->flags & SS_SERVER_ONLY) && locpath[0] != '\0') {
        cfg_diag(v->cfg, v->d, CERTMAP_SEV_ERROR, n->line, n->name, NULL,
                 "%s can only be set at the server level, not in <location path=\"%s\">", s->path,
                 locpath);
        return;
    }
    if (sec_grow(v) != 0)
        return;
    slot = sec_find(v, s, locpath);
    if (*slot != 0) {
        cfg_diag(v->cfg, v->d, CERTMAP_SEV_ERROR, n->line, n->name, NULL,
                 "section %s defined twice for %s%s%s (also at line %u)", s->path,
                 locpath[0] ? "location \"" : "the server level", locpath, locpath[0] ? "\"" : "",
                 v->secs[*slot - 1].node->line);
        return;
    }
    if (v->nsecs == v->capsecs) {
        size_t ncap = v->capsecs ? v->capsecs * 2 : 16;
        struct vsec *p = realloc(v->secs, ncap * sizeof(*p));
        if (p == NULL)
            return;
        v->secs = p;
        v->capsecs = ncap;
    }
    v->secs[v->nsecs++] = (struct vsec){s, n, locpath};
    *slot = v->nsecs;
    validate_elem(v, n, s->elem, false);
}

static bool
declared(const struct certmap_config *cfg, const char *path)
{
    for (size_t i = 0; i < cfg->ndeclared; i++)
        if (strcmp(cfg->declared[i], path) == 0)
            return true;
    return false;
}

/*
 * IIS reads system.applicationHost only from applicationHost.config, and the
 * <certmap> extensions are server settings: in a web.config both are errors
 * (IIS answers 500.19 for the first).
 */
static bool
webconfig_forbidden_group(struct vctx *v, struct cnode *n)
{
    if (strcmp(n->name, "system.applicationHost") == 0) {
        cfg_diag(v->cfg, v->d, CERTMAP_SEV_ERROR, n->line, n->name, NULL,
                 "system.applicationHost can only be set in applicationHost.config, not in a "
                 "web.config");
        return true;
    }
    if (strcmp(n->name, "certmap") == 0) {
        cfg_diag(
            v->cfg, v->d, CERTMAP_SEV_ERROR, n->line, n->name, NULL,
            "the <certmap> extensions are server-level settings of applicationHost.config, not "
            "allowed in a web.config");
        return true;
    }
    return false;
}

static void
walk_group(struct vctx *v, struct cnode *n, const char *prefix, const char *locpath)
{
    char path[512], msg[600];
    const struct schema_section *s;
    const char *sugg;

    snprintf(path, sizeof(path), "%s%s%s", prefix, prefix[0] ? "/" : "", n->name);
    if (v->cfg->kind == CFG_WEBCONFIG && prefix[0] == '\0' && webconfig_forbidden_group(v, n))
        return;
    s = cfg_schema_section_find(path);
    if (s != NULL) {
        validate_section(v, n, s, locpath);
        return;
    }
    if (cfg_schema_group_implemented(path)) {
        for (struct cnode *c = n->first; c != NULL; c = c->next)
            walk_group(v, c, path, locpath);
        return;
    }
    if (cfg_schema_iis_known(path) || declared(v->cfg, path) ||
        (v->cfg->kind == CFG_WEBCONFIG && cfg_schema_dotnet_known(path))) {
        snprintf(msg, sizeof(msg),
                 "%s: IIS section certmap does not implement: kept on save, ignored", path);
        note_once(v, path, n->line, n->name, NULL, msg);
        return;
    }
    sugg = cfg_schema_suggest_section(prefix, n->name);
    if (prefix[0] == '\0')
        cfg_diag(v->cfg, v->d, CERTMAP_SEV_ERROR, n->line, n->name, NULL,
                 "unknown section group (not declared in <configSections>)%s%s%s",
                 sugg ? "; did you mean <" : "", sugg ? sugg : "", sugg ? ">?" : "");
    else
        cfg_diag(v->cfg, v->d, CERTMAP_SEV_ERROR, n->line, n->name, NULL,
                 "unknown section %s (not declared in <configSections>)%s%s%s", path,
                 sugg ? "; did you mean <" : "", sugg ? sugg : "", sugg ? ">?" : "");
}

static void
collect_declared(struct certmap_config *cfg, struct cnode *n, const char *prefix)
{
    for (struct cnode *c = n->first; c != NULL; c = c->next) {
        struct cattr *name = cfg_node_attr(c, "name");
        char path[512];
        char **p;

        if (name == NULL)
            continue;
        snprintf(path, sizeof(path), "%s%s%s", prefix, prefix[0] ? "/" : "",
                 cfg_attr_value(cfg, name) ? cfg_attr_value(cfg, name) : "");
        if (strcmp(c->name, "sectionGroup") == 0) {
            collect_declared(cfg, c, path);
        } else if (strcmp(c->name, "section") == 0) {
            p = cfg_arena_alloc(&cfg->arena, (cfg->ndeclared + 1) * sizeof(*p));
            if (p == NULL)
                return;
            if (cfg->ndeclared > 0)
                memcpy(p, cfg->declared, cfg->ndeclared * sizeof(*p));
            p[cfg->ndeclared] = cfg_arena_strdup(&cfg->arena, path);
            if (p[cfg->ndeclared] == NULL)
                return;
            cfg->declared = p;
            cfg->ndeclared++;
        }
    }
}

/*
 * A web.config may declare its own sections (an application's custom
 * sections), but not one that certmap implements: IIS declares those once, in
 * applicationHost.config, and a second declaration is an error there too.
 */
static void
check_web_declarations(struct vctx *v, struct cnode *n, const char *prefix)
{
    for (struct cnode *c = n->first; c != NULL; c = c->next) {
        struct cattr *name = cfg_node_attr(c, "name");
        char path[512];

        if (name == NULL)
            continue;
        snprintf(path, sizeof(path), "%s%s%s", prefix, prefix[0] ? "/" : "",
                 cfg_attr_value(v->cfg, name) ? cfg_attr_value(v->cfg, name) : "");
        if (strcmp(c->name, "sectionGroup") == 0)
            check_web_declarations(v, c, path);
        else if (strcmp(c->name, "section") == 0 && cfg_schema_section_find(path) != NULL)
            cfg_diag(
                v->cfg, v->d, CERTMAP_SEV_ERROR, c->line, c->name, "name",
                "%s is declared by applicationHost.config; a web.config cannot declare it again",
                path);
    }
}

/* A web.config's <location path> is relative to its directory and may not leave it. */
static bool
web_location_path_ok(struct vctx *v, struct cnode *n, struct cattr *pa)
{
    const char *p = pa != NULL ? cfg_attr_value(v->cfg, pa) : "";

    if (p == NULL)
        return false;
    for (const char *seg = p; *seg != '\0';) {
        size_t len = strcspn(seg, "/\\");
        if (len == 2 && seg[0] == '.' && seg[1] == '.') {
            cfg_diag(v->cfg, v->d, CERTMAP_SEV_ERROR, pa->line, n->name, "path",
                     "a web.config location path may not contain \"..\" (it is relative to the "
                     "web.config's directory): \"%s\"",
                     p);
            return false;
        }
        seg += len;
        if (*seg != '\0')
            seg++;
    }
    return true;
}

static void
walk_location(struct vctx *v, struct cnode *n)
{
    struct cattr *pa = cfg_node_attr(n, "path"),
                 *inh = cfg_node_attr(n, "inheritInChildApplications");
    char norm[1024];
    bool no_inherit = false;
    int idx;

    n->schema = &cfg_schema_location;
    check_attrs(v, n, &cfg_schema_location, false, false);
    if (cfg_node_attr(n, "overrideMode") != NULL && cfg_node_attr(n, "allowOverride") != NULL)
        cfg_diag(v->cfg, v->d, CERTMAP_SEV_ERROR, cfg_node_attr(n, "allowOverride")->line, n->name,
                 "allowOverride",
                 "overrideMode and the legacy allowOverride cannot both be set on one <location>");
    if (v->cfg->kind == CFG_WEBCONFIG && !web_location_path_ok(v, n, pa))
        return;
    if (pa != NULL && pa->len >= sizeof(norm)) {
        /* refused rather than cut: a shortened path would name another directory */
        cfg_diag(v->cfg, v->d, CERTMAP_SEV_ERROR, pa->line, n->name, "path",
                 "location path of %u characters; certmap reads at most %zu", (unsigned)pa->len,
                 sizeof(norm) - 1);
        return;
    }
    cfg_loc_normalize(pa != NULL ? cfg_attr_value(v->cfg, pa) : "", norm, sizeof(norm));
    if (inh != NULL && inh->len == 5 && strncasecmp(raw_value(inh), "false", 5) == 0)
        no_inherit = true;
    idx = cfg_loc_add(v->cfg, n, norm, no_inherit);
    if (idx < 0)
        return;
    for (struct cnode *c = n->first; c != NULL; c = c->next)
        walk_group(v, c, "", v->cfg->locs[idx].path);
}

/* Duplicates between a location's collection items and the items it inherits. */
static void
check_inherited(struct vctx *v)
{
    struct certmap_config *cfg = v->cfg;
    struct cnode **chain = calloc(cfg->nlocs + 1, sizeof(*chain));
    struct cnode **conts = calloc(cfg->nlocs + 1, sizeof(*conts));

    if (chain == NULL || conts == NULL)
        goto out;
    for (size_t i = 0; i < v->nsecs; i++) {
        const struct vsec *r = &v->secs[i];
        size_t n, upto;
        bool has_coll = false;

        /* only a section that writes a collection here can duplicate an inherited item */
        for (const struct schema_child *ch = r->s->elem->children; ch != NULL && ch->name != NULL;
             ch++)
            has_coll |= ch->elem->coll != NULL && cfg_node_child(r->node, ch->name) != NULL;
        if (!has_coll)
            continue;
        n = cfg_loc_chain(cfg, r->s->path, r->locpath, chain, cfg->nlocs + 1);
        upto = n;

        for (size_t k = 0; k < n; k++)
            if (chain[k] == r->node)
                upto = k + 1;
        if (upto < 2 || chain[upto - 1] != r->node || r->s->elem->children == NULL)
            continue;
        for (const struct schema_child *ch = r->s->elem->children; ch->name != NULL; ch++) {
            size_t nc = 0, count = 0;
            bool oom = false;
            if (ch->elem->coll == NULL || cfg_node_child(r->node, ch->name) == NULL)
                continue;
            for (size_t k = 0; k < upto; k++) {
                struct cnode *c = cfg_node_child(chain[k], ch->name);
                if (c != NULL)
                    conts[nc++] = c;
            }
            if (nc >= 2)
                free(cfg_coll_effective(cfg, ch->elem->coll, conts, nc, v->d, REPORT_INHERITED,
                                        &count, &oom));
        }
    }
out:
    free(chain);
    free(conts);
}

int
cfg_load_document(struct certmap_config *cfg, struct certmap_diags *d)
{
    struct vctx v = {.cfg = cfg, .d = d};
    size_t errors0 = d->errors, items0 = d->item_errors;
    struct cnode *root;

    if (cfg_parse_document(cfg, d) != 0)
        return (int)(d->errors - errors0 > 0 ? d->errors - errors0 : 1);
    root = cfg->root;
    if (strcmp(root->name, "configuration") != 0) {
        cfg_diag(cfg, d, CERTMAP_SEV_ERROR, root->line, root->name, NULL,
                 "the root element must be <configuration>");
        return 1;
    }
    if (cfg_loc_add(cfg, root, "", false) < 0)
        return -1;
    for (struct cnode *c = root->first; c != NULL; c = c->next)
        if (strcmp(c->name, "configSections") == 0) {
            collect_declared(cfg, c, "");
            if (cfg->kind == CFG_WEBCONFIG)
                check_web_declarations(&v, c, "");
        }
    for (struct cnode *c = root->first; c != NULL; c = c->next) {
        if (strcmp(c->name, "location") == 0)
            walk_location(&v, c);
        else if (strcmp(c->name, "configSections") != 0)
            walk_group(&v, c, "", "");
    }
    cfg_loc_sort(cfg);
    check_inherited(&v);
    if (d->count >= DIAG_MAX) {
        struct certmap_error e = {.kind = CERTMAP_ERR_NONE};
        snprintf(e.file, sizeof(e.file), "%s", cfg->name);
        snprintf(e.message, sizeof(e.message), "further findings not listed");
        certmap_diags_add(d, CERTMAP_SEV_NOTE, &e);
    }
    for (size_t i = 0; i < v.nnoted; i++)
        free(v.noted[i]);
    free(v.noted);
    free(v.secs);
    free(v.sec_slot);
    if (v.oom)
        return -1;
    /* item errors leave the rest usable: only structural ones count */
    return (int)((d->errors - errors0) - (d->item_errors - items0));
}
