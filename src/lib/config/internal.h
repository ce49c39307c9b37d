/*
 * internal.h - shared internals of the configuration engine (src/lib/config).
 *
 * The engine keeps the original bytes of the file and its own element tree.
 * Each element read from the file remembers the byte ranges of its start tag
 * and end tag in the original text, so that saving copies everything it did
 * not change verbatim (see save.c).  Attribute values that equal their raw
 * text (the common case) are not copied: they point into the text.
 *
 *   schema.c    the table of sections, elements, attributes, collections
 *   value.c     typed values: parse, check, canonical spelling
 *   lexer.c     byte ranges of the tags of a well-formed document
 *   load.c      libxml2 SAX parse + lexer -> tree; validation -> diags
 *   location.c  the location model: which <location>s apply to a target
 *   handle.c    element handles: lifecycle, the nodes they resolve to
 *   element.c   the attribute API of a handle: typed getters and setters
 *   store.c     stored forms of values: certificates, password envelopes, the key file
 *   collection.c collections: effective items, add/remove/clear
 *   unenforced.c access rules of IIS sections certmap does not enforce (fail closed)
 *   items.c     broken values of item errors: what a commit may keep, never add
 *   save.c      text-patching serializer
 *   config.c    open/parse/close, validate, commit, history, paths
 *   webconfig.c loading a web.config (webconfig.h)
 *   lock.c      what the levels above a web.config lock (lock.h)
 */
#ifndef CERTMAP_CONFIG_INTERNAL_H
#define CERTMAP_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "certmap/config.h"
#include "certmap/error.h"
#include "secret.h"

static inline int
tolower_ascii(int c)
{
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/*
 * What to put before a certmap_cert_decode() message in a diagnostic: its
 * messages mostly say "not a certificate: ..." or name the certificate
 * already, and saying it twice reads as a bug.
 */
static inline const char *
cert_msg_prefix(const char *msg)
{
    return strstr(msg, "certificate") != NULL ? "" : "not a certificate: ";
}

/* ---- schema.c ---- */

enum schema_type {
    ST_STRING,
    ST_BOOL,
    ST_UINT,  /* unsigned 32-bit unless max says otherwise */
    ST_INT64, /* IIS int64 (logFile truncateSize) */
    ST_ENUM,
    ST_FLAGS,
};

/* schema_attr.flags */
#define SA_REQUIRED 0x01  /* an item must set it */
#define SA_KEY 0x02       /* part of the collection key */
#define SA_ENCRYPTED 0x04 /* stored as a password envelope */
#define SA_CERT 0x08      /* an X.509 certificate (base64); key compared as DER */
#define SA_WARN_TRUE 0x10 /* "true" is unsupported on Linux: warning */
#define SA_NOEFFECT 0x20  /* accepted and kept, no effect on Linux: note */
#define SA_NONEMPTY 0x40  /* must not be empty */
#define SA_HTTPS 0x80     /* Linux extension valid only on https bindings */
#define SA_SECTIONS 0x100 /* a list of sections certmap does not enforce (unenforced.c) */

struct schema_enum {
    const char *name; /* canonical spelling */
    unsigned value;
};

struct schema_attr {
    const char *name;
    enum schema_type type;
    const char *def;                  /* default in canonical spelling, NULL when none */
    const struct schema_enum *values; /* ST_ENUM/ST_FLAGS, terminated by name NULL */
    unsigned flags;
    unsigned long long max; /* ST_UINT/ST_INT64 upper bound, 0: type's bound */
    unsigned long long min;
};

struct schema_elem;

/* A collection held by a container element: its items are child elements. */
struct schema_coll {
    const char *add;    /* item element name ("add", "site", "binding") */
    const char *remove; /* NULL when the collection has no remove element */
    const char *clear;  /* NULL when none */
    const struct schema_elem *item;
    const char *defaults; /* name of the defaults element searched in ancestors, or NULL */
};

struct schema_child {
    const char *name;
    const struct schema_elem *elem;
};

struct schema_elem {
    const char *name;
    const struct schema_attr *attrs;     /* terminated by name NULL */
    const struct schema_child *children; /* named child elements, terminated by name NULL */
    const struct schema_coll *coll;      /* items held directly, or NULL */
    const char *const *known;            /* IIS child elements certmap ignores (notes) */
};

#define SS_SERVER_ONLY 0x01 /* may not appear in a <location> with a path */

struct schema_section {
    const char *path; /* "system.webServer/security/access" */
    const struct schema_elem *elem;
    unsigned flags;
};

const struct schema_section *schema_section_find(const char *path);
/* true when path is a section group certmap descends into. */
bool schema_group_implemented(const char *path);
/* true when path names a section or group IIS defines. */
bool schema_iis_known(const char *path);
/*
 * IIS's locking attributes, which IIS accepts on every element: an enclosing
 * level writes them to lock what lower levels (web.config files) may set
 * (lock.c).  The lists are comma-separated names.
 */
#define LOCK_ATTRIBUTES "lockAttributes"
#define LOCK_ALL_ATTRIBUTES_EXCEPT "lockAllAttributesExcept"
#define LOCK_ELEMENTS "lockElements"
#define LOCK_ALL_ELEMENTS_EXCEPT "lockAllElementsExcept"
#define LOCK_ITEM "lockItem"
bool schema_is_lock_attr(const char *name);
/* true when name is a child element name of e: named child, known, or collection add/remove/clear.
 */
bool schema_child_name(const struct schema_elem *e, const char *name);

/*
 * true when path names a .NET Framework section that machine.config declares
 * for every web.config (appSettings, connectionStrings, system.web...).
 */
bool schema_dotnet_known(const char *path);
/* The best "did you mean" among the known names under the group prefix, or NULL. */
const char *schema_suggest_section(const char *prefix, const char *name);
const struct schema_attr *schema_attr_find(const struct schema_elem *e, const char *name);
const struct schema_attr *schema_attr_findn(const struct schema_elem *e, const char *name,
                                            size_t len);
const struct schema_elem *schema_child_find(const struct schema_elem *e, const char *name);
bool schema_known_child(const struct schema_elem *e, const char *name);
/* Closest of the names (Levenshtein, case-insensitive) when close enough; NULL otherwise. */
const char *schema_suggest(const char *name, const char *const *names, size_t n);
const char *schema_suggest_attr(const struct schema_elem *e, const char *name);
const char *schema_suggest_child(const struct schema_elem *e, const char *name);
/* "a, b, c" of an enum/flags attribute's names into buf. */
const char *schema_allowed(const struct schema_attr *a, char *buf, size_t size);
extern const struct schema_elem schema_location;
extern const struct schema_section schema_sections[];

/* ---- value.c ---- */

/*
 * Checks text against the attribute's type.  On success returns 0 and, when
 * canon is not NULL, the canonical spelling into canon (size bytes) and the
 * numeric value into *num (bool 0/1, enum/flags value, uint).  -1 and a message
 * (without location) into msg otherwise.
 */
int value_parse(const struct schema_attr *a, const char *text, size_t len, char *canon, size_t size,
                unsigned long long *num, char *msg, size_t msgsize);
/* Canonical spelling of a flags value into buf. */
const char *value_format_flags(const struct schema_attr *a, unsigned long long v, char *buf,
                               size_t size);

/* ---- unenforced.c ---- */

/*
 * Parses an unenforcedSections value: comma-separated section names, each the
 * last path segment ("authorization") or the full path, case-insensitive.
 * 0 and *mask (when not NULL) set, or -1 and a message naming the value and
 * the allowed names.
 */
int unenforced_parse_list(const char *text, size_t len, unsigned *mask, char *msg, size_t msgsize);

/* ---- arena (config.c) ---- */

struct arena_block;
struct arena {
    struct arena_block *head;
};
void *arena_alloc(struct arena *a, size_t size);
char *arena_strndup(struct arena *a, const char *s, size_t len);
char *arena_strdup(struct arena *a, const char *s);
void arena_free(struct arena *a);

/* ---- the tree ---- */

struct cattr {
    const char *name;  /* schema name or arena copy */
    const char *value; /* NUL-terminated value, or NULL while only ref is known */
    const char *ref;   /* raw value in a text buffer (when value is NULL): len bytes */
    uint32_t len;      /* length of the value (ref or value) */
    uint32_t line;     /* line of the attribute */
};

/* cnode.flags */
#define CN_ORIG 0x01         /* read from the text: ranges valid */
#define CN_SELF_CLOSING 0x02 /* <a/> in the text */
#define CN_DIRTY 0x04        /* attributes changed: start tag regenerated */
#define CN_DELETED 0x08      /* removed: skipped on save */
#define CN_KEYED 0x10        /* key/klen computed */
#define CN_DETACHED 0x20     /* created by the API, not yet added */

struct cnode {
    const char *name; /* element name (schema string or arena copy) */
    struct cnode *parent, *first, *last, *next, *prev;
    struct cattr *attrs; /* arena array of nattrs (capacity cap) */
    uint32_t nattrs, cap;
    uint32_t line;
    uint32_t flags;
    size_t st_beg, st_end;            /* start tag [beg, end) in the text */
    size_t et_beg, et_end;            /* end tag, or st_end twice when self-closing */
    const struct schema_elem *schema; /* NULL when certmap does not implement it */
    const unsigned char *key;         /* collection key (arena), when CN_KEYED */
    uint32_t klen;
};

struct cnode *node_new(struct certmap_config *cfg, const char *name,
                       const struct schema_elem *schema);
void node_append(struct cnode *parent, struct cnode *child);
void node_prepend(struct cnode *parent, struct cnode *child);
/* First live child named name, or NULL. */
struct cnode *node_child(const struct cnode *n, const char *name);
struct cattr *node_attr(const struct cnode *n, const char *name);
/* Value of a (materialized, NUL-terminated; owned by cfg). */
const char *attr_value(struct certmap_config *cfg, struct cattr *a);
/* Sets or replaces an attribute value (copied). -1 on allocation failure. */
int node_set_attr(struct certmap_config *cfg, struct cnode *n, const char *name, const char *value,
                  size_t len);
void node_unset_attr(struct cnode *n, const char *name);
/* Marks n deleted (text nodes) or unlinks it (new nodes). */
void node_delete(struct certmap_config *cfg, struct cnode *n);
static inline bool
node_live(const struct cnode *n)
{
    return (n->flags & CN_DELETED) == 0;
}

/* A <location> (or the root for the server level), sorted by depth then order. */
struct cloc {
    struct cnode *node; /* <location> element, or the root */
    const char *path;   /* normalised: no leading/trailing '/', "" for the server level */
    unsigned nseg;      /* number of path segments */
    unsigned order;     /* document order */
    bool no_inherit;    /* inheritInChildApplications="false" */
};

/*
 * What kind of file a config holds: the rules differ (a web.config may not
 * hold system.applicationHost or <certmap>, nor declare sections certmap
 * implements; see validate.c).
 */
enum cfg_kind {
    CFG_APPHOST,   /* applicationHost.config */
    CFG_WEBCONFIG, /* a web.config in a content directory (webconfig.c) */
};

struct certmap_config {
    enum cfg_kind kind;
    char *path; /* as given (NULL for certmap_config_parse) */
    char *name; /* for messages */
    char *dir;  /* directory for relative paths */
    char *key_file;
    char *history_dir;
    unsigned history_keep;
    bool skip_secrets;
    bool can_commit;
    int lock_fd; /* -1 when not locked */
    char *text;  /* original bytes (NUL-terminated) */
    size_t text_len;
    char **old_texts; /* texts of earlier commits, still referenced by attributes */
    size_t nold;
    bool existed; /* the file existed at open */
    dev_t st_dev; /* identity of the file at open / last commit */
    ino_t st_ino;
    off_t st_size;
    struct timespec st_mtim;
    mode_t st_mode;
    struct arena arena;
    struct cnode *root; /* <configuration> */
    struct cloc *locs;  /* server level first */
    size_t nlocs, caplocs;
    unsigned loc_order;
    unsigned gen; /* bumped on every structural change */
    bool key_loaded;
    unsigned char key[SECRET_KEY_LEN];
    struct certmap_element *handles;  /* every handle, freed at close */
    struct certmap_collection *colls; /* every collection, freed at close */
    struct certmap_element *sections; /* section handles (cache) */
    char **declared;                  /* section paths declared in <configSections> */
    size_t ndeclared;
    /* SHA-256 of (attribute name, value) of each item error's broken value, in document order
     * (malloc): what a commit may keep but not add */
    unsigned char (*broken)[32];
    size_t nbroken, capbroken;
};

/* ---- config.c ---- */

/*
 * certmap_config_open() and certmap_config_parse() for a given kind of file
 * (the public calls load CFG_APPHOST).  A CFG_WEBCONFIG config cannot be
 * committed.
 */
struct certmap_config *config_open_kind(const char *path, const struct certmap_open_options *opts,
                                        enum cfg_kind kind, struct certmap_diags *diags,
                                        struct certmap_error *err);
struct certmap_config *config_parse_kind(const char *name, const char *data, size_t len,
                                         const struct certmap_open_options *opts,
                                         enum cfg_kind kind, struct certmap_diags *diags,
                                         struct certmap_error *err);

/* ---- lexer.c ---- */

struct lex_attr {
    uint32_t name_beg, name_len;
    uint32_t val_beg, val_len; /* inside the quotes */
    uint32_t line;
};

/* Offsets are 32-bit: configurations are bounded well below 4 GiB. */
struct lex_elem {
    uint32_t name_beg, name_len;
    uint32_t st_beg, st_end, et_beg, et_end;
    uint32_t line;
    bool self_closing;
};

struct lex {
    struct lex_elem *elems;
    size_t n, cap;
    struct lex_attr *attrs; /* attributes of one element, from lex_attrs() */
    size_t nattrs, capattrs;
};

/*
 * Tokenizes text into lx->elems (attributes are checked but not kept: they
 * are read again per element by lex_attrs(), which keeps the memory of a
 * large file to a few bytes per element).  -1 and msg/line when it is not a
 * document this lexer understands.
 */
int lex_run(const char *text, size_t len, struct lex *lx, char *msg, size_t msgsize,
            unsigned *line);
/* Fills lx->attrs/nattrs with the attributes of element e (from a successful lex_run). */
int lex_attrs(const char *text, size_t len, const struct lex_elem *e, struct lex *lx);
void lex_free(struct lex *lx);

/* ---- parse.c ---- */

/* Builds cfg->root from cfg->text.  0, or 1 with the error added to d. */
int parse_document(struct certmap_config *cfg, struct certmap_diags *d);

/* ---- validate.c ---- */

/*
 * Parses cfg->text into cfg->root and validates it.  Appends every finding to
 * diags; returns the number of structural errors (0 when usable: item errors
 * do not count), -1 on allocation failure.  Fills cfg->broken.
 */
int load_document(struct certmap_config *cfg, struct certmap_diags *diags);
void diag(struct certmap_config *cfg, struct certmap_diags *d, enum certmap_severity sev,
          unsigned line, const char *element, const char *attr, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

/* ---- location.c ---- */

void loc_normalize(const char *in, char *out, size_t size);
bool loc_applies(struct certmap_config *cfg, const struct cloc *l, const char *target);
/* Appends a location; returns its index, valid until loc_sort().  -1 on allocation failure. */
int loc_add(struct certmap_config *cfg, struct cnode *node, const char *path, bool no_inherit);
/* Sorts cfg->locs by depth, then document order (what loc_chain() and the view expect). */
void loc_sort(struct certmap_config *cfg);
/* The location entry a node belongs to (its <location> or the root). */
const struct cloc *loc_of(const struct certmap_config *cfg, const struct cnode *n);
/* The section element at a <location> (or root) for a section path, or NULL. */
struct cnode *loc_find_section(struct cnode *container, const char *section_path);
/* Fills nodes (least specific first) with the section's nodes effective at target. */
size_t loc_chain(struct certmap_config *cfg, const char *section_path, const char *target,
                 struct cnode **nodes, size_t max);

/* ---- store.c ---- */

/* Loads the key file once (creating it when create is set). */
int config_load_key(struct certmap_config *cfg, bool create, struct certmap_error *err);
struct certmap_element;
/*
 * Checks value against sa and converts it to what is stored (*stored,
 * malloc'd): canonical spelling, a certificate in IIS's single-line form
 * (its key digest into keydigest, *has_key set), a password encrypted.
 */
int store_form(struct certmap_element *e, const struct schema_attr *sa, const char *value,
               char **stored, unsigned char keydigest[32], bool *has_key,
               struct certmap_error *err);

/* ---- handle.c ---- */

enum handle_kind { H_SECTION, H_CHILD, H_ITEM };

struct certmap_element {
    struct certmap_config *cfg;
    enum handle_kind kind;
    const struct schema_elem *schema;
    const struct schema_section *section; /* H_SECTION */
    const char *location;                 /* normalised (arena) */
    struct certmap_element *parent;       /* H_CHILD: the element it is a child of */
    const char *child_name;               /* H_CHILD */
    struct cnode *item;                   /* H_ITEM: the item node */
    bool inherited;                       /* H_ITEM: from an enclosing location */
    unsigned gen;                         /* cfg->gen when the chain was computed */
    struct cnode **levels;                /* nodes, least specific first (malloc) */
    size_t nlevels;
    struct cnode *local;     /* node at this element's own location, or NULL */
    struct cnode **defaults; /* siteDefaults & co., most specific first (malloc) */
    size_t ndefaults;
    bool fresh;                       /* levels/local/defaults computed at gen */
    struct certmap_collection *owner; /* H_ITEM: the collection it was created in or read from */
    struct certmap_element *next;     /* cfg->handles list */
    struct certmap_element *next_section;         /* cfg->sections list */
    struct certmap_element *first_kid, *next_kid; /* H_CHILD handles of this element */
    struct certmap_collection *colls;             /* collections of this element */
};

struct certmap_collection {
    struct certmap_element *container; /* element whose nodes hold the items */
    const struct schema_coll *schema;
    const char *name; /* as asked: the named collection, or NULL for the default one */
    unsigned gen;
    struct cnode **nodes; /* effective items (malloc) */
    size_t n;
    struct certmap_element **handles; /* lazily created, parallel to nodes (malloc) */
    bool fresh;
    struct certmap_collection *next;    /* cfg->colls list */
    struct certmap_collection *next_of; /* collections of the same element */
};

void element_refresh(struct certmap_element *e);
struct certmap_element *handle_new(struct certmap_config *cfg, enum handle_kind kind);
void handles_free(struct certmap_config *cfg);
int element_ensure_local(struct certmap_element *e, struct certmap_error *err);
/* The effective attribute name of e (NULL: the schema default) and the node holding it. */
struct cattr *effective_attr(const struct certmap_element *e, const char *name,
                             struct cnode **where);
void err_at(struct certmap_config *cfg, struct certmap_error *err, enum certmap_error_kind kind,
            const struct cnode *n, const char *attr, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* ---- collection.c ---- */

/* Computes (and caches in n) the key of an item; -1 and msg when it cannot. */
int item_key(struct certmap_config *cfg, const struct schema_coll *sc, struct cnode *n, char *msg,
             size_t msgsize);

enum coll_report {
    REPORT_NONE,      /* compute only */
    REPORT_SAME,      /* report duplicates within one container */
    REPORT_INHERITED, /* report items of the last container that duplicate inherited ones */
};

/*
 * Effective items of the containers (least specific first): <clear/> drops
 * what came before, <remove> drops one key, <add> appends.  Duplicates are
 * reported to diags as asked.  Returns a malloc'd array of *count nodes
 * (NULL when empty); *oom is set on allocation failure.
 */
struct cnode **coll_effective(struct certmap_config *cfg, const struct schema_coll *sc,
                              struct cnode *const *containers, size_t ncont,
                              struct certmap_diags *diags, enum coll_report report, size_t *count,
                              bool *oom);
/*
 * Another effective item of c than except whose key equals the key that
 * value gives (single-attribute keys; composite keys are checked on commit).
 * 0 and *other (NULL when none), or -1 and msg.
 */
int coll_key_clash(struct certmap_collection *c, const struct cnode *except, const char *value,
                   struct cnode **other, char *msg, size_t msgsize);

/* ---- items.c ---- */

/* Records a broken item value (attribute name and stored text) in cfg->broken; -1 on no memory. */
int broken_add(struct certmap_config *cfg, const char *attr, const char *value, size_t len);
/*
 * Index (in now->broken, document order) of the first broken value that was
 * not broken in base, counted with multiplicity; (size_t)-1 when every one
 * was; (size_t)-2 on allocation failure.
 */
size_t broken_first_new(const struct certmap_config *base, const struct certmap_config *now);

/* ---- save.c ---- */

/*
 * Serializes the tree into a malloc'd buffer.  With apply, the tree is
 * re-based on the new text afterwards (ranges, lines, deleted nodes dropped):
 * call it only once the text is what the file holds.
 */
int save_document(struct certmap_config *cfg, char **out, size_t *out_len);
void save_rebase(struct certmap_config *cfg, char *text, size_t len);

#endif
