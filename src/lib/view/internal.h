/*
 * view/internal.h - what the parts of the resolved view share.
 *
 * From the top down (each file uses only those below it):
 *   view.c         lifecycle, lookups (certmap_view_match), certmap_view_get()
 *   view/site.c    server settings, sites, applications, virtual directories, bindings
 *   view/scope.c   a site's scopes and their effective settings (inheritance, decided once),
 *                  the one-to-one index
 *   view/webcfg.c  web.config files: the walk, locks, layers; disk spellings
 *   view/table.c   the scope table of a site (path -> scope)
 *   view/section.c effective sections (copy on write) and their values
 *   view/diag.c    the build's findings
 *
 * The view reads the configuration's tree directly (config/document.h and the headers beside it):
 * each scope's own layers are the section elements written for exactly its path, applied in
 * document order on top of the parent scope's effective values. Effective sections are shared
 * between scopes until one of them writes something (copy on write), so 10 000 <location> elements
 * that each set one attribute cost 10 000 small copies, not 10 000 x sections.
 */
#ifndef CERTMAP_VIEW_INTERNAL_H
#define CERTMAP_VIEW_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "certmap/view.h"
#include "config/arena.h"
#include "config/binding.h"
#include "config/collection.h"
#include "config/diag.h"
#include "config/document.h"
#include "config/location.h"
#include "config/schema.h"
#include "config/store.h"
#include "config/tree.h"
#include "config/unenforced.h"
#include "config/value.h"
#include "ipsec.h"
#include "mapping.h"
#include "mapping/many.h"

/* The sections a <location> may set, in schema order (not SS_SERVER_ONLY). */
#define VIEW_MAX_SECTIONS 16
/* Bounds of the search for web.config files (documented in docs/configuration.md). */
#define VIEW_MAX_DIRS 100000u
#define VIEW_MAX_DEPTH 64u

/* Spelling priority of a scope's path: the disk's names win over the configuration's. */
enum {
    VIEW_RANK_LOCATION = 1,
    VIEW_RANK_APP = 2,
    VIEW_RANK_WEBCONFIG = 3,
    VIEW_RANK_VDIR = 4,
    VIEW_RANK_SITE = 5,
};

/* One effective attribute value. */
struct vval {
    const char *text;          /* canonical text (view arena); NULL: schema default */
    unsigned long long num;    /* parsed value of text (bool, enum, flags, numbers) */
    struct certmap_source src; /* where text was written */
};

/* Effective attributes of one section at one scope; shared by scopes that change nothing. */
struct vsec {
    const struct schema_section *sec;
    struct vval *vals; /* one per schema attribute, in schema order */
    size_t nvals;
};

/* One element written for a scope: a section container (<location> or root) and its flags. */
struct vlayer {
    struct cnode *container;    /* <location> element, or a web.config's root */
    struct certmap_config *cfg; /* the file it comes from */
    bool no_inherit;            /* inheritInChildApplications="false" */
};

/* A list of names (allowedServerVariables): arena array of arena strings. */
struct vnames {
    const char **v;
    size_t n;
};

struct vscope {
    struct certmap_scope pub; /* what the view's users read; first member */
    char *key;                /* path folded to lower case (arena) */
    unsigned nseg;            /* number of path segments */
    int spell_rank;        /* priority of pub.path's spelling: vdir > web.config > app > location */
    struct vlayer *layers; /* own layers in order (malloc) */
    size_t nlayers, caplayers;
    struct vsec *eff[VIEW_MAX_SECTIONS]; /* effective here and in directories below */
    struct vsec *inh[VIEW_MAX_SECTIONS]; /* what child applications inherit */
    const struct certmap_vdir *vdir_own; /* the vdir rooted here, or NULL */
    struct vscope *next_hash;            /* bucket chain of the site's table */
    const struct ipsec_rules *ipsec_eff; /* compiled ipSecurity here (view arena), NULL: none */
    const struct ipsec_rules *ipsec_inh; /* what child applications inherit */
    const struct authz_rules *authz_eff; /* URL Authorization rules here (NULL: none) */
    const struct authz_rules *authz_inh; /* ...what child applications inherit */
    const struct rewrite_rules *rw_eff;  /* URL Rewrite distributed rules here (NULL: none) */
    const struct rewrite_rules *rw_inh;  /* ...what child applications inherit */
    struct vnames rw_allowed_eff;        /* allowedServerVariables here */
    struct vnames rw_allowed_inh;        /* ...what child applications inherit */

    const struct certmap_handlers *hand_eff; /* handler mappings here (view/handlers.c) */
    const struct certmap_handlers *hand_inh; /* ...what child applications inherit */
};

struct vsite {
    struct certmap_site pub;
    struct vscope **scopes; /* malloc, nscopes */
    size_t nscopes, capscopes;
    struct vscope **table; /* hash of key -> scope (malloc), mask + 1 buckets */
    size_t mask;
    struct mapping_index *index; /* owned; NULL when the site has no mapping */
    struct m2o_set *m2o;         /* owned many-to-one mappings; NULL when the site has none */
    const char **apps;           /* application paths ("/app"; "" for the root), build only */
    size_t napps;
    struct certmap_vdir *vdirs; /* arena array behind pub.vdirs */
};

struct certmap_view {
    atomic_long refs;
    struct arena arena; /* strings, sections and scopes */
    char *config_path;
    struct certmap_server_settings server;
    struct vsec *server_secs[VIEW_MAX_SECTIONS * 2]; /* server-level value of every section */
    struct vsite *sites;                             /* malloc, nsites */
    size_t nsites;
    const char **dirs; /* directories searched for web.config files (malloc; arena strings) */
    size_t ndirs, capdirs;
    struct authz_store *authz;                /* owns every scope's URL Authorization rules */
    struct rewrite_store *rewrite;            /* owns every URL Rewrite rule and list */
    const struct rewrite_rules *global_rules; /* globalRules (server level), NULL: none */

    struct certmap_fcgi_app *fcgi_apps; /* fastCgi applications (arena), nfcgi_apps */
    size_t nfcgi_apps;
};

/* State of one build. */
struct vbuild {
    struct certmap_view *v;
    struct certmap_config *cfg;
    const struct certmap_view_options *opts;
    struct certmap_diags *diags;
    bool failed;                     /* an error that makes the configuration unusable */
    struct vscope server;            /* the server level: parent of every site root */
    struct certmap_config *name_cfg; /* name_copy is the arena copy of name_cfg->name */
    const char *name_copy;
    struct certmap_config **webs; /* web.config files whose nodes are layers (closed at the end) */
    size_t nwebs, capwebs;
    struct secret_opener *opener; /* decrypts cfg's passwords, made at the first (owned; scope.c) */
};

/* ---- view/diag.c ---- */

/* Appends a finding; file/element/attr may be NULL.  An ERROR marks the build failed. */
void view_diag(struct vbuild *b, enum certmap_severity sev, const char *file, unsigned line,
               const char *element, const char *attr, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));
/* An error that disables one item (a mapping) only: reported once per load, the build goes on. */
void view_item_error(struct vbuild *b, const char *file, unsigned line, const char *element,
                     const char *attr, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* ---- view/section.c ---- */

/* Index of section path among the view's sections (schema order), or -1. */
int view_section_index(const char *path);
const struct schema_section *view_section_at(int i);
size_t view_section_count(void);
/* Case-folded hash of s[0..len). */
size_t view_hash(const char *s, size_t len);
/* A new vsec for sec copied from base (NULL: all defaults); NULL on allocation failure. */
struct vsec *vsec_new(struct vbuild *b, const struct schema_section *sec, const struct vsec *base);
/* The arena copy of cfg's file name (for sources). */
const char *view_file_name(struct vbuild *b, struct certmap_config *cfg);
/* Applies the attributes of node n (from cfg) onto s. -1 on allocation failure. */
int vsec_apply(struct vbuild *b, struct vsec *s, struct certmap_config *cfg, struct cnode *n);
/* Effective number / text of attribute attr of s (schema default when unset). */
unsigned long long vsec_num(const struct vsec *s, const char *attr, struct certmap_source *src);
const char *vsec_text(const struct vsec *s, const char *attr, struct certmap_source *src);

/* ---- view/directory.c ---- */

/* <certmap><directory> into v->server.directory (errors into the build's diags). */
void view_build_directory(struct vbuild *b);
/* A scope enabling clientCertificateMappingAuthentication without a directory is an error. */
void view_check_directory(struct vbuild *b);

/* ---- view/table.c ---- */

/*
 * The scope of path (any spelling: "/a/b", "a//b/", "" for the root), created
 * when missing, with kind added; NULL on allocation failure.
 */
struct vscope *view_scope_add(struct vbuild *b, struct vsite *s, const char *path, unsigned kind,
                              int rank);
/* The scope whose path is path[0..len) (normalised), or NULL. */
struct vscope *view_scope_find(const struct vsite *s, const char *path, size_t len);
/* Appends a layer (a section container of cfg) to sc. -1 on allocation failure. */
int view_scope_add_layer(struct vscope *sc, struct cnode *container, struct certmap_config *cfg,
                         bool no_inherit);
/*
 * The element of section in sc's layer i, or NULL when that layer does not
 * write it or, with inheritable_only, keeps it from child applications.
 */
struct cnode *view_layer_section(const struct vscope *sc, size_t i, const char *section,
                                 bool inheritable_only);
/* true when one of sc's layers gives view_layer_section() for section. */
bool view_scope_writes(const struct vscope *sc, const char *section, bool inheritable_only);

/* ---- view/webcfg.c ---- */

/* Reads the web.config files under site s's virtual directories as scopes and layers. */
int webcfg_scan_site(struct vbuild *b, struct vsite *s);
/*
 * Spells the segments of a <location>'s scope below its parent as the disk
 * does when the configuration's spelling is not on disk and exactly one
 * entry matches it case-insensitively ("Public" -> "public"), so that a
 * migrated file serves the directory IIS served.
 */
void webcfg_respell_scope(struct vbuild *b, struct vscope *sc);

/* ---- view/ipsec.c ---- */

/*
 * Compiles sc's effective ipSecurity (sc->ipsec_eff, sc->ipsec_inh and
 * sc->pub.settings.ipsec) from from's (NULL for the server level) and sc's
 * own layers; sc's eff/inh sections must be settled.  app: sc is an
 * application root (it starts from from's inh).  Bad entries, domainName,
 * enableReverseDns and enableProxyMode are errors with file:line.  -1 on
 * allocation failure.
 */
int ipsec_settle_scope(struct vbuild *b, struct vscope *sc, const struct vscope *from, bool app);

/* ---- view/scope.c ---- */

/* Computes the server level's sections (b->server, v->server_secs). -1 on allocation failure. */
int scope_build_server(struct vbuild *b);
/* Builds site's scopes (locations, apps, vdirs, web.config), their settings and its index. */
int scope_build_site(struct vbuild *b, struct vsite *site, struct certmap_element *site_elem);

/* ---- view/rules.c ---- */

/* The server level's URL Authorization rules (b->server.authz_eff/inh). -1 on allocation failure.
 */
int rules_build_server(struct vbuild *b);
/*
 * sc's URL Authorization rules from its parent's (from: the parent scope or
 * the server level) and its own layers; sets sc->pub.settings.authz.  -1 on
 * allocation failure.
 */
int rules_settle_scope(struct vbuild *b, struct vscope *sc, const struct vscope *from);

/* ---- view/rewrite.c ---- */

/*
 * The server level's URL Rewrite rules, allowedServerVariables and the
 * globalRules (v->global_rules).  Rules that do not compile are errors with
 * file:line.  -1 on allocation failure.
 */
int rewrite_build_server(struct vbuild *b);
/*
 * sc's URL Rewrite rules and allowedServerVariables from its parent's (from)
 * and its own layers; sets sc->pub.settings.rewrite*.  -1 on allocation
 * failure.
 */
int rewrite_settle_scope(struct vbuild *b, struct vscope *sc, const struct vscope *from);

/* ---- view/handlers.c ---- */

/*
 * The fastCgi applications and the server level's handler mappings
 * (b->server.hand_eff/inh).  -1 on allocation failure.
 */
int handlers_build_server(struct vbuild *b);
/* sc's handler mappings from from's and its own layers; sets sc->pub.settings.handlers. */
int handlers_settle_scope(struct vbuild *b, struct vscope *sc, const struct vscope *from);

/* ---- view/site.c ---- */

/* Server-level settings and the sites. */
int site_build_all(struct vbuild *b);

#endif
