/*
 * handlers.c - the handler mappings of each scope (system.webServer/handlers)
 * and the FastCGI applications (system.webServer/fastCgi), compiled once per
 * view.
 *
 * A scope's list is its parent's (an application root starts from what its
 * parent lets child applications inherit), then the <clear/>, <remove name>
 * and <add> elements of its own layers in document order; accessPolicy is
 * the section's effective attribute.  A handler naming FastCgiModule must
 * name an application in scriptProcessor ("fullPath" or
 * "fullPath|arguments", as IIS matches them): IIS answers such a request
 * with 500.0 "FastCGI application not found"; certmap refuses the
 * configuration at the handler's file:line instead, so that the mistake is
 * found before a request meets it.
 *
 * certmapd runs a FastCgiModule handler's requests through the application
 * (src/server/fastcgi.c).
 */
#include "view/internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A list being built. */
struct hvec {
    const struct certmap_handler **v;
    size_t n, cap;
};

static int
hvec_push(struct hvec *r, const struct certmap_handler *x)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 8;
        const struct certmap_handler **v = realloc(r->v, cap * sizeof(*v));
        if (v == NULL)
            return -1;
        r->v = v;
        r->cap = cap;
    }
    r->v[r->n++] = x;
    return 0;
}

static long
hvec_find(const struct hvec *r, const char *name)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcasecmp(r->v[i]->name, name) == 0)
            return (long)i;
    return -1;
}

/* Text of attribute name of n, NULL when unset. */
static const char *
attr_or_null(struct certmap_config *cfg, struct cnode *n, const char *name)
{
    struct cattr *ca = cfg_node_attr(n, name);

    return ca != NULL ? cfg_attr_value(cfg, ca) : NULL;
}

static const char *
adup(struct vbuild *b, const char *s)
{
    return cfg_arena_strdup(&b->v->arena, s != NULL ? s : "");
}

/* The enum value of text in vals (case-insensitive), or dflt. */
static unsigned
enum_of(const struct schema_enum *vals, const char *text, unsigned dflt)
{
    if (text == NULL)
        return dflt;
    for (const struct schema_enum *e = vals; e->name != NULL; e++)
        if (strcasecmp(e->name, text) == 0)
            return (unsigned)e->value;
    return dflt;
}

static const struct schema_enum e_resource[] = {
    {"File", 0}, {"Directory", 1}, {"Either", 2}, {"Unspecified", 3}, {NULL, 0}};
static const struct schema_enum e_require[] = {{"None", 0},   {"Read", 1},    {"Write", 2},
                                               {"Script", 3}, {"Execute", 4}, {NULL, 0}};

/*
 * Classifies a modules list: STATIC when every module is one certmapd's
 * static handler stands for, FASTCGI when it is FastCgiModule alone,
 * MISSING otherwise (also when empty: a managed handler names its type).
 * *mixed: FastCgiModule together with other modules.
 */
static enum certmap_handler_module
classify(const char *modules, bool *mixed)
{
    static const char *const statics[] = {"StaticFileModule", "DefaultDocumentModule",
                                          "DirectoryListingModule", "ProtocolSupportModule", NULL};
    bool any = false, fcgi = false, other = false, nonfcgi = false;
    const char *p = modules;

    *mixed = false;
    while (*p != '\0') {
        const char *e;
        size_t len;
        bool known = false;
        while (*p == ' ' || *p == ',')
            p++;
        e = p;
        while (*e != '\0' && *e != ',')
            e++;
        len = (size_t)(e - p);
        while (len > 0 && p[len - 1] == ' ')
            len--;
        if (len > 0) {
            any = true;
            if (len == 13 && strncasecmp(p, "FastCgiModule", len) == 0) {
                fcgi = true;
                known = true;
            } else
                nonfcgi = true;
            for (const char *const *s = statics; *s != NULL && !known; s++)
                known = strlen(*s) == len && strncasecmp(p, *s, len) == 0;
            if (!known)
                other = true;
        }
        p = e;
    }
    if (fcgi) {
        *mixed = nonfcgi;
        return CERTMAP_HMOD_FASTCGI;
    }
    return any && !other ? CERTMAP_HMOD_STATIC : CERTMAP_HMOD_MISSING;
}

/* The application scriptProcessor names: "fullPath" or "fullPath|arguments". */
static const struct certmap_fcgi_app *
find_app(const struct certmap_view *v, const char *sp)
{
    const char *bar = strchr(sp, '|');
    size_t plen = bar != NULL ? (size_t)(bar - sp) : strlen(sp);
    const char *args = bar != NULL ? bar + 1 : "";

    for (size_t i = 0; i < v->nfcgi_apps; i++) {
        const struct certmap_fcgi_app *a = &v->fcgi_apps[i];
        if (strlen(a->full_path) == plen && strncmp(a->full_path, sp, plen) == 0 &&
            strcmp(a->arguments, args) == 0)
            return a;
    }
    return NULL;
}

/* A handler from <add> c; NULL and *oom when memory ran out, NULL alone when refused. */
static const struct certmap_handler *
handler_new(struct vbuild *b, struct certmap_config *cfg, struct cnode *c, bool report, bool *oom)
{
    struct certmap_handler *h = cfg_arena_alloc(&b->v->arena, sizeof(*h));
    const char *sp;
    bool mixed;

    *oom = h == NULL;
    if (h == NULL)
        return NULL;
    memset(h, 0, sizeof(*h));
    h->name = adup(b, attr_or_null(cfg, c, "name"));
    h->path = adup(b, attr_or_null(cfg, c, "path"));
    h->verb = adup(b, attr_or_null(cfg, c, "verb"));
    h->modules = adup(b, attr_or_null(cfg, c, "modules"));
    h->script_processor = adup(b, attr_or_null(cfg, c, "scriptProcessor"));
    h->resource_type = enum_of(e_resource, attr_or_null(cfg, c, "resourceType"), 3);
    h->require_access = enum_of(e_require, attr_or_null(cfg, c, "requireAccess"), 3);
    h->src.file = view_file_name(b, cfg);
    h->src.line = c->line;
    if (h->name == NULL || h->path == NULL || h->verb == NULL || h->modules == NULL ||
        h->script_processor == NULL || h->src.file == NULL) {
        *oom = true;
        return NULL;
    }
    h->module = classify(h->modules, &mixed);
    if (h->module != CERTMAP_HMOD_FASTCGI)
        return h;
    if (mixed) {
        if (report)
            view_diag(b, CERTMAP_SEV_ERROR, cfg->name, c->line, "add", "modules",
                      "handler \"%s\": FastCgiModule must be the handler's only module", h->name);
        return NULL;
    }
    sp = h->script_processor;
    h->app = sp[0] != '\0' ? find_app(b->v, sp) : NULL;
    if (h->app == NULL) {
        /* IIS answers 500.0 "FastCGI application not found" at request time */
        if (report)
            view_diag(b, CERTMAP_SEV_ERROR, cfg->name, c->line, "add", "scriptProcessor",
                      "handler \"%s\": no system.webServer/fastCgi application has fullPath%s "
                      "\"%s\" (scriptProcessor is \"fullPath\" or \"fullPath|arguments\")",
                      h->name, strchr(sp, '|') != NULL ? " and arguments" : "", sp);
        return NULL;
    }
    return h;
}

/*
 * Applies one <handlers> element (from cfg) onto r; findings are reported
 * when report (the pass computing what a scope inherits sees the same
 * elements again).  -1 on allocation failure.
 */
static int
apply_section(struct vbuild *b, struct hvec *r, struct certmap_config *cfg, struct cnode *sec,
              bool report)
{
    for (struct cnode *c = sec->first; c != NULL; c = c->next) {
        const struct certmap_handler *h;
        const char *name;
        bool oom;
        long at;

        if (!cfg_node_live(c))
            continue;
        if (strcmp(c->name, "clear") == 0) {
            r->n = 0;
            continue;
        }
        if (strcmp(c->name, "remove") != 0 && strcmp(c->name, "add") != 0)
            continue; /* validation reports it */
        name = attr_or_null(cfg, c, "name");
        if (name == NULL)
            continue; /* validation reports the missing key */
        at = hvec_find(r, name);
        if (strcmp(c->name, "remove") == 0) {
            if (at >= 0) {
                memmove(&r->v[at], &r->v[at + 1], (r->n - (size_t)at - 1) * sizeof(*r->v));
                r->n--;
            }
            continue;
        }
        if (at >= 0 && !report)
            continue;
        if (at >= 0) {
            const struct certmap_handler *o = r->v[at];
            /* IIS refuses a second item with the same key; an inherited one must be removed */
            if (o->src.file != NULL)
                view_diag(b, CERTMAP_SEV_ERROR, cfg->name, c->line, "add", "name",
                          "duplicate handler \"%s\": %s:%u already adds it; <remove> it first",
                          name, o->src.file, o->src.line);
            else
                view_diag(b, CERTMAP_SEV_ERROR, cfg->name, c->line, "add", "name",
                          "duplicate handler \"%s\": IIS's shipped StaticFile handler, which "
                          "certmap applies when the server level does not write the section, "
                          "has this name; <remove> it first",
                          name);
            continue;
        }
        h = handler_new(b, cfg, c, report, &oom);
        if (oom)
            return -1;
        if (h != NULL && hvec_push(r, h) != 0)
            return -1;
    }
    return 0;
}

static const struct certmap_handlers *
list_new(struct vbuild *b, const struct hvec *r, const struct vsec *sec)
{
    struct certmap_handlers *l = cfg_arena_alloc(&b->v->arena, sizeof(*l));
    const struct certmap_handler **items = NULL;

    if (l == NULL)
        return NULL;
    if (r->n > 0) {
        items = cfg_arena_alloc(&b->v->arena, r->n * sizeof(*items));
        if (items == NULL)
            return NULL;
        memcpy(items, r->v, r->n * sizeof(*items));
    }
    l->items = items;
    l->n = r->n;
    l->access_policy = (unsigned)vsec_num(sec, "accessPolicy", &l->access_policy_src);
    return l;
}

/* The effective handlers section at sc (eff or inh). */
static const struct vsec *
section_of(struct vsec *const *secs)
{
    int i = view_section_index(CERTMAP_SECTION_HANDLERS);

    return i >= 0 ? secs[i] : NULL;
}

/*
 * The list of base with the sections of sc's layers applied (only the
 * inheritable ones when inheritable_only), in *out; *out = base when no layer
 * writes the section.  -1 on allocation failure.
 */
static int
settle(struct vbuild *b, const struct vscope *sc, const struct certmap_handlers *base,
       bool inheritable_only, const struct vsec *sec, const struct certmap_handlers **out)
{
    struct hvec r = {0};
    int ret = -1;

    *out = base;
    if (!view_scope_writes(sc, CERTMAP_SECTION_HANDLERS, inheritable_only))
        return 0;
    for (size_t i = 0; base != NULL && i < base->n; i++)
        if (hvec_push(&r, base->items[i]) != 0)
            goto out;
    for (size_t i = 0; i < sc->nlayers; i++) {
        struct cnode *n = view_layer_section(sc, i, CERTMAP_SECTION_HANDLERS, inheritable_only);
        if (n != NULL && apply_section(b, &r, sc->layers[i].cfg, n, !inheritable_only) != 0)
            goto out;
    }
    *out = list_new(b, &r, sec);
    if (*out == NULL)
        goto out;
    ret = 0;
out:
    free(r.v);
    return ret;
}

/* ---- fastCgi applications ---- */

/* Reads full_path's kind (and address, port); NULL, or why it cannot be used on Linux. */
static const char *
parse_full_path(struct vbuild *b, struct certmap_fcgi_app *a)
{
    const char *fp = a->full_path, *colon;
    char *end;
    unsigned long port;

    if (strncmp(fp, "unix:", 5) == 0) {
        a->kind = CERTMAP_FCGI_UNIX;
        a->address = fp + 5;
        if (a->address[0] != '/' || strlen(a->address) >= 108)
            return "a unix: socket must be an absolute path shorter than 108 bytes";
        return NULL;
    }
    if (fp[0] == '/') {
        a->kind = CERTMAP_FCGI_PROGRAM;
        a->address = fp;
        return NULL;
    }
    colon = strrchr(fp, ':');
    if (colon == NULL || colon == fp || colon[1] == '\0' || strchr(fp, '\\') != NULL)
        return "not an absolute program path, unix:/socket or host:port (a Windows path "
               "has no meaning on Linux)";
    port = strtoul(colon + 1, &end, 10);
    if (*end != '\0' || port < 1 || port > 65535 || colon[1] < '0' || colon[1] > '9')
        return "the port of host:port must be 1..65535";
    a->kind = CERTMAP_FCGI_TCP;
    a->port = (unsigned)port;
    if (fp[0] == '[' && colon[-1] == ']')
        a->address = cfg_arena_strndup(&b->v->arena, fp + 1, (size_t)(colon - fp) - 2);
    else
        a->address = cfg_arena_strndup(&b->v->arena, fp, (size_t)(colon - fp));
    return a->address != NULL ? NULL : "out of memory";
}

static unsigned
uattr(struct certmap_config *cfg, struct cnode *n, const char *name, unsigned dflt)
{
    const char *t = attr_or_null(cfg, n, name);

    return t != NULL ? (unsigned)strtoul(t, NULL, 10) : dflt; /* range checked by validation */
}

/* The environmentVariables of <application> n. -1 on allocation failure. */
static int
read_env(struct vbuild *b, struct certmap_config *cfg, struct cnode *n, struct certmap_fcgi_app *a)
{
    struct cnode *envs = cfg_node_child(n, "environmentVariables");
    struct certmap_fcgi_env *env;
    size_t cap = 0;

    if (envs == NULL)
        return 0;
    for (struct cnode *c = envs->first; c != NULL; c = c->next)
        cap++;
    env = cfg_arena_alloc(&b->v->arena, (cap ? cap : 1) * sizeof(*env));
    if (env == NULL)
        return -1;
    a->env = env;
    for (struct cnode *c = envs->first; c != NULL; c = c->next) {
        const char *name;
        if (!cfg_node_live(c))
            continue;
        if (strcmp(c->name, "clear") == 0) {
            a->nenv = 0;
            continue;
        }
        name = attr_or_null(cfg, c, "name");
        if (name == NULL)
            continue;
        for (size_t i = 0; i < a->nenv; i++)
            if (strcmp(env[i].name, name) == 0) {
                memmove(&env[i], &env[i + 1], (a->nenv - i - 1) * sizeof(*env));
                a->nenv--;
                break;
            }
        if (strcmp(c->name, "environmentVariable") != 0)
            continue; /* remove */
        env[a->nenv].name = adup(b, name);
        env[a->nenv].value = adup(b, attr_or_null(cfg, c, "value"));
        if (env[a->nenv].name == NULL || env[a->nenv].value == NULL)
            return -1;
        a->nenv++;
    }
    return 0;
}

/* Appends the <application> n to the view's list. -1 on allocation failure. */
static int
add_app(struct vbuild *b, struct certmap_config *cfg, struct cnode *n, size_t cap)
{
    struct certmap_fcgi_app *a = &b->v->fcgi_apps[b->v->nfcgi_apps];
    const char *why;

    if (b->v->nfcgi_apps == cap)
        return 0;
    memset(a, 0, sizeof(*a));
    a->full_path = adup(b, attr_or_null(cfg, n, "fullPath"));
    a->arguments = adup(b, attr_or_null(cfg, n, "arguments"));
    a->src.file = view_file_name(b, cfg);
    a->src.line = n->line;
    if (a->full_path == NULL || a->arguments == NULL || a->src.file == NULL)
        return -1;
    if (a->full_path[0] == '\0')
        return 0; /* validation reports it */
    a->max_instances = uattr(cfg, n, "maxInstances", 4);
    a->instance_max_requests = uattr(cfg, n, "instanceMaxRequests", 200);
    a->activity_timeout = uattr(cfg, n, "activityTimeout", 30);
    a->request_timeout = uattr(cfg, n, "requestTimeout", 90);
    a->idle_timeout = uattr(cfg, n, "idleTimeout", 300);
    if (read_env(b, cfg, n, a) != 0)
        return -1;
    why = parse_full_path(b, a);
    if (why != NULL) {
        view_diag(b, CERTMAP_SEV_ERROR, cfg->name, n->line, "application", "fullPath", "\"%s\": %s",
                  a->full_path, why);
        return 0;
    }
    if (attr_or_null(cfg, n, "protocol") != NULL)
        view_diag(b, CERTMAP_SEV_NOTE, cfg->name, n->line, "application", "protocol",
                  "protocol has no effect on Linux: certmapd reaches a program it starts "
                  "through a Unix socket, an external server through fullPath's address");
    b->v->nfcgi_apps++;
    return 0;
}

static int
build_apps(struct vbuild *b)
{
    struct vscope *sv = &b->server;
    size_t cap = 0;

    for (size_t i = 0; i < sv->nlayers; i++) {
        struct cnode *sec = cfg_loc_find_section(sv->layers[i].container, CERTMAP_SECTION_FASTCGI);
        for (struct cnode *c = sec != NULL ? sec->first : NULL; c != NULL; c = c->next)
            cap++;
    }
    if (cap == 0)
        return 0;
    b->v->fcgi_apps = cfg_arena_alloc(&b->v->arena, cap * sizeof(*b->v->fcgi_apps));
    if (b->v->fcgi_apps == NULL)
        return -1;
    for (size_t i = 0; i < sv->nlayers; i++) {
        struct certmap_config *cfg = sv->layers[i].cfg;
        struct cnode *sec = cfg_loc_find_section(sv->layers[i].container, CERTMAP_SECTION_FASTCGI);
        for (struct cnode *c = sec != NULL ? sec->first : NULL; c != NULL; c = c->next) {
            if (!cfg_node_live(c))
                continue;
            if (strcmp(c->name, "clear") == 0) {
                b->v->nfcgi_apps = 0;
                continue;
            }
            if (strcmp(c->name, "application") == 0 && add_app(b, cfg, c, cap) != 0)
                return -1;
        }
    }
    return 0;
}

/* ---- the server level and the scopes ---- */

int
handlers_build_server(struct vbuild *b)
{
    struct vscope *sv = &b->server;
    const struct certmap_handlers *base = NULL;
    bool written = false;

    if (build_apps(b) != 0)
        return -1;
    for (size_t i = 0; i < sv->nlayers; i++)
        if (cfg_loc_find_section(sv->layers[i].container, CERTMAP_SECTION_HANDLERS) != NULL)
            written = true;
    if (!written) {
        /* IIS's shipped StaticFile handler, the last of its server-level list */
        struct certmap_handler *h = cfg_arena_alloc(&b->v->arena, sizeof(*h));
        struct hvec r = {0};
        if (h == NULL)
            return -1;
        memset(h, 0, sizeof(*h));
        h->name = "StaticFile";
        h->path = "*";
        h->verb = "*";
        h->modules = "StaticFileModule,DefaultDocumentModule,DirectoryListingModule";
        h->script_processor = "";
        h->module = CERTMAP_HMOD_STATIC;
        h->resource_type = 2;  /* Either */
        h->require_access = 1; /* Read */
        if (hvec_push(&r, h) != 0)
            return -1;
        base = list_new(b, &r, section_of(sv->eff));
        free(r.v);
        if (base == NULL)
            return -1;
    }
    if (settle(b, sv, base, false, section_of(sv->eff), &sv->hand_eff) != 0)
        return -1;
    sv->hand_inh = sv->hand_eff;
    return 0;
}

int
handlers_settle_scope(struct vbuild *b, struct vscope *sc, const struct vscope *from)
{
    bool app = (sc->pub.kind & CERTMAP_SCOPE_APP) && !(sc->pub.kind & CERTMAP_SCOPE_SITE);
    const struct certmap_handlers *base_eff = app ? from->hand_inh : from->hand_eff;

    if (settle(b, sc, base_eff, false, section_of(sc->eff), &sc->hand_eff) != 0 ||
        settle(b, sc, from->hand_inh, true, section_of(sc->inh), &sc->hand_inh) != 0)
        return -1;
    sc->pub.settings.handlers = sc->hand_eff;
    return 0;
}

/* ---- matching ---- */

/* '*' wildcard match of pat against s[0..len), case-insensitive. */
static bool
wild(const char *pat, const char *s, size_t len)
{
    size_t star_p = (size_t)-1, star_s = 0, i = 0, j = 0, plen = strlen(pat);

    while (j < len) {
        if (i < plen && pat[i] == '*') {
            star_p = i++;
            star_s = j;
        } else if (i < plen && tolower_ascii(pat[i]) == tolower_ascii(s[j])) {
            i++;
            j++;
        } else if (star_p != (size_t)-1) {
            i = star_p + 1;
            j = ++star_s;
        } else {
            return false;
        }
    }
    while (i < plen && pat[i] == '*')
        i++;
    return i == plen;
}

static bool
verb_matches(const char *list, const char *m, size_t mlen)
{
    const char *p = list;

    while (*p != '\0') {
        const char *e;
        size_t len;
        while (*p == ' ' || *p == ',')
            p++;
        e = p;
        while (*e != '\0' && *e != ',')
            e++;
        len = (size_t)(e - p);
        while (len > 0 && p[len - 1] == ' ')
            len--;
        if ((len == 1 && p[0] == '*') || (len == mlen && len > 0 && memcmp(p, m, len) == 0))
            return true;
        p = e;
    }
    return false;
}

/* accessPolicy lets handler h run. */
static bool
enabled(const struct certmap_handler *h, unsigned policy)
{
    if (policy & CERTMAP_ACCESS_NO_REMOTE_READ)
        policy &= ~(unsigned)CERTMAP_ACCESS_READ;
    if (policy & CERTMAP_ACCESS_NO_REMOTE_WRITE)
        policy &= ~(unsigned)CERTMAP_ACCESS_WRITE;
    if (policy & CERTMAP_ACCESS_NO_REMOTE_SCRIPT)
        policy &= ~(unsigned)CERTMAP_ACCESS_SCRIPT;
    if (policy & CERTMAP_ACCESS_NO_REMOTE_EXECUTE)
        policy &= ~(unsigned)CERTMAP_ACCESS_EXECUTE;
    switch (h->require_access) {
    case 0:
        return true;
    case 1:
        return (policy & CERTMAP_ACCESS_READ) != 0;
    case 2:
        return (policy & CERTMAP_ACCESS_WRITE) != 0;
    case 3:
        return (policy & (CERTMAP_ACCESS_SCRIPT | CERTMAP_ACCESS_EXECUTE)) != 0;
    default:
        return (policy & CERTMAP_ACCESS_EXECUTE) != 0;
    }
}

const struct certmap_handler *
certmap_handlers_match(const struct certmap_handlers *h, const char *path, size_t len,
                       const char *method, size_t mlen)
{
    const char *last = path;

    if (h == NULL)
        return NULL;
    for (size_t i = 0; i < len; i++)
        if (path[i] == '/')
            last = path + i + 1;
    for (size_t i = 0; i < h->n; i++) {
        const struct certmap_handler *x = h->items[i];
        bool full = strchr(x->path, '/') != NULL;
        if (!enabled(x, h->access_policy) || !verb_matches(x->verb, method, mlen))
            continue;
        if (full ? wild(x->path, path, len) : wild(x->path, last, len - (size_t)(last - path)))
            return x;
    }
    return NULL;
}

size_t
certmap_view_fcgi_app_count(const struct certmap_view *v)
{
    return v->nfcgi_apps;
}

const struct certmap_fcgi_app *
certmap_view_fcgi_app(const struct certmap_view *v, size_t i)
{
    return i < v->nfcgi_apps ? &v->fcgi_apps[i] : NULL;
}
