/*
 * unenforced.c - fail closed on IIS access rules certmap does not enforce.
 *
 * IIS security sections that restrict who may reach what
 * (dynamicIpSecurity, requestFiltering, isapiCgiRestriction) load
 * as kept-but-ignored sections: their nodes are in the tree with schema NULL.
 * Ignoring a rule that restricts access would serve what IIS refuses, so each
 * such rule is an error, or a warning when the admin lists its section in
 * <certmap><server unenforcedSections>.  When unsure whether a rule
 * restricts (an element IIS does not define, a value that is not a boolean),
 * it counts as restricting.  Rules that admit everyone and IIS's shipped
 * requestFiltering defaults do not count; docs/configuration.md lists exactly
 * what counts.
 */
#include "config/unenforced.h"

#include "config/tree.h"
#include "config/document.h"
#include "config/diag.h"
#include "config/location.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct usec;

/* State of one certmap_config_check_unenforced() call. */
struct uctx {
    struct certmap_config *cfg;
    struct certmap_diags *d;
    const struct usec *sec; /* the section being checked */
    const char *where;      /* normalised location path, "" for the server level */
    unsigned acked;         /* bit i: usecs[i] is listed in unenforcedSections */
    int errors;             /* counted here, not in d: d may be NULL or full */
};

struct usec {
    const char *path; /* as IIS names it */
    const char *name; /* last path segment */
    void (*check)(struct uctx *u, struct cnode *sec);
};

static void check_dynamic_ip(struct uctx *u, struct cnode *sec);
static void check_request_filtering(struct uctx *u, struct cnode *sec);
static void check_isapi_cgi(struct uctx *u, struct cnode *sec);

/*
 * The sections certmap does not enforce yet; bit i of a mask is usecs[i].  A
 * section enforced since keeps its name (an unenforcedSections list that
 * names it stays valid) with check NULL: nothing of it is refused here.
 */
static const struct usec usecs[] = {
    {"system.webServer/security/authorization", "authorization", NULL}, /* enforced: authz.c */
    {"system.webServer/security/ipSecurity", "ipSecurity", NULL},       /* enforced: view/ipsec.c */
    {"system.webServer/security/dynamicIpSecurity", "dynamicIpSecurity", check_dynamic_ip},
    {"system.webServer/security/requestFiltering", "requestFiltering", check_request_filtering},
    {"system.webServer/security/isapiCgiRestriction", "isapiCgiRestriction", check_isapi_cgi},
};
#define NUSECS (sizeof(usecs) / sizeof(usecs[0]))

/* ---- the unenforcedSections list ---- */

static bool
eq_nocase(const char *a, const char *b, size_t blen)
{
    return strlen(a) == blen && strncasecmp(a, b, blen) == 0;
}

/*
 * Sections certmap enforces now that it once listed here: still accepted in
 * unenforcedSections (files written then keep loading), acknowledging nothing.
 */
static const char *const enforced_now[] = {"authorization",
                                           "system.webServer/security/authorization"};

/* Index of name in usecs, NUSECS for a section enforced now, -1 when unknown. */
static int
usec_find(const char *name, size_t len)
{
    for (size_t i = 0; i < NUSECS; i++)
        if (eq_nocase(usecs[i].name, name, len) || eq_nocase(usecs[i].path, name, len))
            return (int)i;
    for (size_t i = 0; i < sizeof(enforced_now) / sizeof(enforced_now[0]); i++)
        if (eq_nocase(enforced_now[i], name, len))
            return (int)NUSECS;
    return -1;
}

static bool
is_blank(int c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int
unenforced_parse_list(const char *text, size_t len, unsigned *mask, char *msg, size_t msgsize)
{
    unsigned m = 0;
    size_t i = 0, b, e;
    int k;

    while (i < len && is_blank(text[i]))
        i++;
    for (bool empty = i == len; !empty && i <= len; i++) {
        while (i < len && is_blank(text[i]))
            i++;
        for (b = i; i < len && text[i] != ','; i++)
            ;
        for (e = i; e > b && is_blank(text[e - 1]); e--)
            ;
        k = usec_find(text + b, e - b);
        if (k < 0) {
            snprintf(msg, msgsize,
                     "%s section \"%.*s\" in \"%.*s\" (allowed: authorization, ipSecurity, "
                     "dynamicIpSecurity, requestFiltering, isapiCgiRestriction, or the full path "
                     "system.webServer/security/NAME; comma-separated)",
                     e == b ? "empty" : "unknown", (int)(e - b > 100 ? 100 : e - b), text + b,
                     (int)(len > 200 ? 200 : len), text);
            return -1;
        }
        if (k < (int)NUSECS)
            m |= 1u << k;
    }
    if (mask != NULL)
        *mask = m;
    return 0;
}

/* Sections listed in unenforcedSections at the server level; a list that is not valid is an
 * error and acknowledges nothing. */
static void
acked_sections(struct uctx *u)
{
    char msg[512];
    unsigned m;

    for (size_t i = 0; i < u->cfg->nlocs; i++) {
        struct cnode *srv = u->cfg->locs[i].nseg == 0
                                ? cfg_loc_find_section(u->cfg->locs[i].node, CERTMAP_SECTION_SERVER)
                                : NULL;
        struct cattr *a = srv != NULL ? cfg_node_attr(srv, "unenforcedSections") : NULL;
        const char *v = a != NULL ? cfg_attr_value(u->cfg, a) : NULL;

        if (a == NULL)
            continue;
        if (v == NULL || unenforced_parse_list(v, strlen(v), &m, msg, sizeof(msg)) != 0) {
            cfg_diag(u->cfg, u->d, CERTMAP_SEV_ERROR, a->line, srv->name, a->name, "%s",
                     v == NULL ? "out of memory" : msg);
            u->errors++;
            return;
        }
        u->acked |= m;
    }
}

/* ---- reporting ---- */

static const char *
value_of(struct uctx *u, struct cnode *n, const char *attr)
{
    struct cattr *a = cfg_node_attr(n, attr);

    return a != NULL ? cfg_attr_value(u->cfg, a) : NULL;
}

/* "<name a="v" ...>" with only attr when given, cut to fit size. */
static void
describe(struct uctx *u, struct cnode *n, const char *attr, char *buf, size_t size)
{
    size_t o = (size_t)snprintf(buf, size, "<%s", n->name);

    for (uint32_t i = 0; i < n->nattrs && o < size; i++) {
        const char *v = cfg_attr_value(u->cfg, &n->attrs[i]);
        if (attr != NULL && strcmp(n->attrs[i].name, attr) != 0)
            continue;
        o += (size_t)snprintf(buf + o, size - o, " %s=\"%.80s\"", n->attrs[i].name, v ? v : "");
    }
    if (o < size)
        snprintf(buf + o, size - o, ">");
    if (o + 2 > size && size > 4)
        memcpy(buf + size - 5, "...>", 5);
}

/* Reports rule n (or its attribute attr) of the current section as restricting access. */
static void
restricts(struct uctx *u, struct cnode *n, const char *attr)
{
    struct cattr *a = attr != NULL ? cfg_node_attr(n, attr) : NULL;
    unsigned line = a != NULL ? a->line : n->line;
    bool acked = (u->acked >> (u->sec - usecs)) & 1;
    char rule[300], where[1100];

    describe(u, n, attr, rule, sizeof(rule));
    if (u->where[0] != '\0')
        snprintf(where, sizeof(where), "\"%s\"", u->where);
    else
        snprintf(where, sizeof(where), "every site (server level)");
    if (acked) {
        cfg_diag(u->cfg, u->d, CERTMAP_SEV_WARNING, line, n->name, attr,
                 "%s: %s restricts %s, but it is NOT enforced: certmap does not enforce %s "
                 "(listed in <certmap><server unenforcedSections>)",
                 u->sec->name, rule, where, u->sec->path);
        return;
    }
    cfg_diag(u->cfg, u->d, CERTMAP_SEV_ERROR, line, n->name, attr,
             "%s: %s restricts %s, but certmap does not enforce %s: list it in "
             "<certmap><server unenforcedSections> to run anyway",
             u->sec->name, rule, where, u->sec->path);
    u->errors++;
}

/* ---- predicates ---- */

static bool
is_word(const char *v, const char *word)
{
    return v != NULL && strcasecmp(v, word) == 0;
}

/* attr is written with any value but "true" (its default being true). */
static bool
set_not_true(struct uctx *u, struct cnode *n, const char *attr)
{
    const char *v = value_of(u, n, attr);

    return cfg_node_attr(n, attr) != NULL && !is_word(v, "true");
}

/* attr is written with any value but "false" (its default being false). */
static bool
set_not_false(struct uctx *u, struct cnode *n, const char *attr)
{
    const char *v = value_of(u, n, attr);

    return cfg_node_attr(n, attr) != NULL && !is_word(v, "false");
}

static bool
is_elem(const struct cnode *n, const char *name)
{
    return cfg_node_live(n) && strcmp(n->name, name) == 0;
}

/*
 * An <add> the list holds: add is its element name, restricts(u, c) whether
 * it refuses something.  <remove> and <clear> only drop entries; they cannot
 * refuse more unless the list is an allow-list, and then the allowUnlisted
 * that made it one is reported where it is written.  Any other element is
 * not IIS's and counts as restricting.
 */
static void
check_list(struct uctx *u, struct cnode *list, const char *add,
           bool (*add_restricts)(struct uctx *u, struct cnode *c))
{
    if (set_not_true(u, list, "allowUnlisted"))
        restricts(u, list, "allowUnlisted");
    for (struct cnode *c = list->first; c != NULL; c = c->next) {
        if (!cfg_node_live(c) || is_elem(c, "remove") || is_elem(c, "clear"))
            continue;
        if (!is_elem(c, add) || add_restricts(u, c))
            restricts(u, c, NULL);
    }
}

/* allowed defaults to false in IIS's schema for ipSecurity and isapiCgiRestriction entries. */
static bool
not_allowed(struct uctx *u, struct cnode *c)
{
    return !is_word(value_of(u, c, "allowed"), "true");
}

static bool
always(struct uctx *u, struct cnode *c)
{
    (void)u;
    (void)c;
    return true;
}

static bool
never(struct uctx *u, struct cnode *c)
{
    (void)u;
    (void)c;
    return false;
}

static void
check_dynamic_ip(struct uctx *u, struct cnode *sec)
{
    /* logging-only mode records what it would deny and denies nothing */
    if (is_word(value_of(u, sec, "enableLoggingOnlyMode"), "true"))
        return;
    for (struct cnode *c = sec->first; c != NULL; c = c->next) {
        if (!cfg_node_live(c))
            continue;
        if (!is_elem(c, "denyByConcurrentRequests") && !is_elem(c, "denyByRequestRate"))
            restricts(u, c, NULL);
        else if (set_not_false(u, c, "enabled"))
            restricts(u, c, "enabled");
    }
}

static void
check_isapi_cgi(struct uctx *u, struct cnode *sec)
{
    /* false is IIS's default for both: only an explicit value counts */
    if (set_not_true(u, sec, "notListedIsapisAllowed"))
        restricts(u, sec, "notListedIsapisAllowed");
    if (set_not_true(u, sec, "notListedCgisAllowed"))
        restricts(u, sec, "notListedCgisAllowed");
    for (struct cnode *c = sec->first; c != NULL; c = c->next) {
        if (!cfg_node_live(c) || is_elem(c, "remove") || is_elem(c, "clear"))
            continue;
        if (!is_elem(c, "add") || not_allowed(u, c))
            restricts(u, c, NULL);
    }
}

/* ---- requestFiltering ---- */

/*
 * The file extensions and hidden segments IIS's shipped applicationHost.config
 * denies (ASP.NET source, configuration and data files).  Entries from these
 * lists are IIS's defaults, not rules the admin wrote: they do not count.
 */
static const char *const default_extensions[] = {
    ".asa",       ".asax",        ".ascx",         ".master",  ".skin",
    ".browser",   ".sitemap",     ".config",       ".cs",      ".csproj",
    ".vb",        ".vbproj",      ".webinfo",      ".licx",    ".resx",
    ".resources", ".mdb",         ".vjsproj",      ".java",    ".jsl",
    ".ldb",       ".dsdgm",       ".ssdgm",        ".lsad",    ".ssmap",
    ".cd",        ".dsprototype", ".lsaprototype", ".sdm",     ".sdmDocument",
    ".mdf",       ".ldf",         ".ad",           ".dd",      ".ldd",
    ".sd",        ".adprototype", ".lddprototype", ".exclude", ".refresh",
    ".compiled",  ".msgx",        ".vsdisco",      ".rules",   NULL};

static const char *const default_segments[] = {"web.config",
                                               "bin",
                                               "App_code",
                                               "App_GlobalResources",
                                               "App_LocalResources",
                                               "App_WebReferences",
                                               "App_Data",
                                               "App_Browsers",
                                               NULL};

static bool
in_list(const char *v, const char *const *list)
{
    for (size_t i = 0; v != NULL && list[i] != NULL; i++)
        if (strcasecmp(v, list[i]) == 0)
            return true;
    return false;
}

static bool
extension_restricts(struct uctx *u, struct cnode *c)
{
    return not_allowed(u, c) && !in_list(value_of(u, c, "fileExtension"), default_extensions);
}

static bool
segment_restricts(struct uctx *u, struct cnode *c)
{
    return !in_list(value_of(u, c, "segment"), default_segments);
}

/* A child list of <requestFiltering>: its entry element and which entries restrict. */
struct rf_list {
    const char *name;
    const char *add;
    bool (*add_restricts)(struct uctx *u, struct cnode *c);
};

static const struct rf_list rf_lists[] = {
    {"fileExtensions", "add", extension_restricts},
    {"verbs", "add", not_allowed},
    {"hiddenSegments", "add", segment_restricts},
    {"denyUrlSequences", "add", always},
    {"denyQueryStringSequences", "add", always},
    {"filteringRules", "filteringRule", always},
    {"alwaysAllowedUrls", "add", never},
    {"alwaysAllowedQueryStrings", "add", never},
};

/* requestLimits below IIS's defaults (or not a number) refuse what IIS's defaults admit. */
static void
check_request_limits(struct uctx *u, struct cnode *n)
{
    static const struct {
        const char *attr;
        unsigned long long dflt;
    } limits[] = {
        {"maxAllowedContentLength", 30000000}, {"maxUrl", 4096}, {"maxQueryString", 2048}};

    for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
        const char *v = value_of(u, n, limits[i].attr);
        char *end = NULL;
        unsigned long long x;

        if (cfg_node_attr(n, limits[i].attr) == NULL)
            continue;
        x = v != NULL && *v >= '0' && *v <= '9' ? strtoull(v, &end, 10) : 0;
        if (end == NULL || *end != '\0' || x < limits[i].dflt)
            restricts(u, n, limits[i].attr);
    }
    for (struct cnode *c = n->first; c != NULL; c = c->next)
        if (is_elem(c, "headerLimits"))
            check_list(u, c, "add", always);
        else if (cfg_node_live(c))
            restricts(u, c, NULL);
}

static void
check_request_filtering(struct uctx *u, struct cnode *sec)
{
    if (set_not_true(u, sec, "allowHighBitCharacters"))
        restricts(u, sec, "allowHighBitCharacters");
    for (struct cnode *c = sec->first; c != NULL; c = c->next) {
        const struct rf_list *l = NULL;

        if (!cfg_node_live(c))
            continue;
        if (is_elem(c, "requestLimits")) {
            check_request_limits(u, c);
            continue;
        }
        for (size_t i = 0; i < sizeof(rf_lists) / sizeof(rf_lists[0]) && l == NULL; i++)
            if (is_elem(c, rf_lists[i].name))
                l = &rf_lists[i];
        if (l != NULL)
            check_list(u, c, l->add, l->add_restricts);
        else
            restricts(u, c, NULL);
    }
}

/* ---- the walk ---- */

/* Runs the current section's check on every node at path under n (duplicates included). */
static void
walk_sections(struct uctx *u, struct cnode *n, const char *path)
{
    const char *slash = strchr(path, '/');
    size_t len = slash != NULL ? (size_t)(slash - path) : strlen(path);

    for (struct cnode *c = n->first; c != NULL; c = c->next) {
        if (!cfg_node_live(c) || strncmp(c->name, path, len) != 0 || c->name[len] != '\0')
            continue;
        if (slash != NULL)
            walk_sections(u, c, slash + 1);
        else
            u->sec->check(u, c);
    }
}

int
certmap_config_check_unenforced(struct certmap_config *cfg, struct certmap_diags *diags)
{
    return unenforced_check_in(cfg, cfg, diags);
}

int
unenforced_check_in(struct certmap_config *host, struct certmap_config *cfg,
                    struct certmap_diags *diags)
{
    struct uctx u = {.cfg = host, .d = diags};

    if (host == NULL || host->root == NULL || cfg == NULL || cfg->root == NULL)
        return -1;
    /* what the server acknowledges, then the rules of cfg (a web.config, or host itself) */
    acked_sections(&u);
    u.cfg = cfg;
    for (size_t i = 0; i < cfg->nlocs; i++) {
        u.where = cfg->locs[i].path;
        for (size_t k = 0; k < NUSECS; k++) {
            if (usecs[k].check == NULL)
                continue;
            u.sec = &usecs[k];
            walk_sections(&u, cfg->locs[i].node, usecs[k].path);
        }
    }
    return u.errors;
}
