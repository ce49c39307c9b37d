/*
 * lock.h - IIS's configuration locking: what a web.config may set, given the
 * configuration levels above it.
 *
 * A section may appear in a web.config only where its effective override
 * mode is Allow.  The mode starts from the section's overrideModeDefault (the
 * <section> declaration in applicationHost.config's <configSections>, else
 * IIS's shipped value, see lock.c), and the most specific enclosing
 * <location overrideMode="Allow|Deny"> (or legacy allowOverride="true|false")
 * *that contains the section* decides, as in IIS: an override mode applies to
 * the sections written inside its <location>, so unlocking a section for a
 * site means writing the section (even empty) in a <location path="Site"
 * overrideMode="Allow">.  Within an allowed section, the locking attributes an
 * enclosing level wrote on the same element (lockAttributes,
 * lockAllAttributesExcept, lockElements, lockAllElementsExcept; lockItem on a
 * collection item, which may then be neither removed nor cleared below; or
 * lockItem on the section element, which locks the whole section) forbid the
 * web.config to set what they name.  Locks only add up: nothing in a
 * web.config loosens them.
 *
 * Locks bind lower configuration levels only (the web.config files), never
 * other locations of the file that wrote them.  A <location> reaches the
 * paths below it except across an application root when it says
 * inheritInChildApplications="false", its override mode included.
 * allowDefinition="AppHostOnly"/"MachineOnly" forbid the section in every
 * web.config; "MachineToApplication" is not checked (the layers do not say
 * which directory is an application root).
 */
#ifndef CERTMAP_CONFIG_LOCK_H
#define CERTMAP_CONFIG_LOCK_H

#include <stddef.h>

#include "certmap/config.h"
#include "certmap/error.h"

/* One configuration level above the web.config being checked. */
struct lock_layer {
    struct certmap_config *cfg; /* applicationHost.config or an outer web.config (borrowed) */
    /*
     * The web.config's directory as a location path of cfg: "Site/app/dir"
     * in applicationHost.config, "app/dir" in the web.config at the site's
     * root, "dir" in the one at /app.
     */
    const char *path;
};

/* Something a web.config sets that a lock above it forbids. */
struct lock_violation {
    char section[256]; /* section path, "system.webServer/security/access" */
    char name[128]; /* locked attribute, element or item ("remove", "clear"); "" for the section */
    char file[512]; /* the web.config */
    unsigned line;  /* where it sets the section/attribute/element */
    char lock_file[512]; /* file of the lock; "" when it is IIS's built-in default */
    unsigned lock_line;  /* line of the lock; 0 with lock_file "" */
    char message[1024];  /* for the error log: "file:line: access: ... (locked by file:line ...)" */
};

/* A growable list.  Zero-initialise; free with lock_violations_free(). */
struct lock_violations {
    struct lock_violation *items; /* owned array of count entries */
    size_t count, cap;
};

/*
 * Checks every section web sets (at its root and in its <location> elements)
 * against layers[0..n-1], outermost first (applicationHost.config, then the
 * outer web.config files from the site root down).  Each violation is
 * appended to out.  Every section of the schema is checked, and the IIS
 * sections certmap keeps without implementing them (ipSecurity,
 * authorization...) for their override mode and section-level locks.
 *
 * Returns 0 (out may have gained nothing: the web.config is allowed), or -1
 * with err filled on allocation failure or bad arguments; out then holds what
 * was found so far and must still be freed.  layers and web are only read
 * (their lazily decoded attribute values are cached in their arenas).
 */
int lock_check_webconfig(const struct lock_layer *layers, size_t n, struct certmap_config *web,
                         struct lock_violations *out, struct certmap_error *err);

/* Frees the items; the struct may be reused after. NULL is ignored. */
void lock_violations_free(struct lock_violations *v);

#endif
