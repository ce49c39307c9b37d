/*
 * schema.h - the table of what certmap knows: sections, elements, attributes,
 * collections, with their types and defaults (schema.c).
 */
#ifndef CERTMAP_CONFIG_SCHEMA_H
#define CERTMAP_CONFIG_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

/* Case-insensitive comparison as IIS does for names: ASCII only. */
static inline int
tolower_ascii(int c)
{
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/*
 * FNV-1a of s[0..len) folded to lower case, starting from seed (0: FNV's
 * offset basis): the one hash of the engine's and the view's case-insensitive
 * tables (locations, section handles, scopes).
 */
static inline size_t
cfg_fold_hash(const char *s, size_t len, size_t seed)
{
    size_t h = seed != 0 ? seed : (size_t)1469598103934665603ULL;

    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)tolower_ascii((unsigned char)s[i]);
        h *= (size_t)1099511628211ULL;
    }
    return h;
}

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
#define SA_RDN 0x200      /* a certificate name attribute as IIS names it (cert/rdn.h) */

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

const struct schema_section *cfg_schema_section_find(const char *path);
/* true when path is a section group certmap descends into. */
bool cfg_schema_group_implemented(const char *path);
/* true when path names a section or group IIS defines. */
bool cfg_schema_iis_known(const char *path);
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
bool cfg_schema_is_lock_attr(const char *name);
/* true when name is a child element name of e: named child, known, or collection add/remove/clear.
 */
bool cfg_schema_child_name(const struct schema_elem *e, const char *name);

/*
 * true when path names a .NET Framework section that machine.config declares
 * for every web.config (appSettings, connectionStrings, system.web...).
 */
bool cfg_schema_dotnet_known(const char *path);
/* The best "did you mean" among the known names under the group prefix, or NULL. */
const char *cfg_schema_suggest_section(const char *prefix, const char *name);
const struct schema_attr *cfg_schema_attr_find(const struct schema_elem *e, const char *name);
const struct schema_attr *cfg_schema_attr_findn(const struct schema_elem *e, const char *name,
                                                size_t len);
const struct schema_elem *cfg_schema_child_find(const struct schema_elem *e, const char *name);
bool cfg_schema_known_child(const struct schema_elem *e, const char *name);
/* Closest of the names (Levenshtein, case-insensitive) when close enough; NULL otherwise. */
const char *cfg_schema_suggest(const char *name, const char *const *names, size_t n);
const char *cfg_schema_suggest_attr(const struct schema_elem *e, const char *name);
const char *cfg_schema_suggest_child(const struct schema_elem *e, const char *name);
/* "a, b, c" of an enum/flags attribute's names into buf. */
const char *cfg_schema_allowed(const struct schema_attr *a, char *buf, size_t size);
extern const struct schema_elem cfg_schema_location;
extern const struct schema_section cfg_schema_sections[];

#endif
