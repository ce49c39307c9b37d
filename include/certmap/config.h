/*
 * certmap/config.h - the configuration API of libcertmap.
 *
 * Modelled step for step on IIS's ServerManager API (Microsoft.Web.Administration):
 *
 *   ServerManager / GetApplicationHostConfiguration()  -> certmap_config_open()
 *   config.GetSection(path, location)                    -> certmap_config_get_section()
 *   section["enabled"] = true                            -> certmap_element_set_bool()
 *   section.GetCollection("oneToOneMappings")            -> certmap_element_collection()
 *   collection.CreateElement("add")                      -> certmap_collection_create_element()
 *   collection.Add(element)                              -> certmap_collection_add()
 *   collection.Clear() / Remove(element)                 -> certmap_collection_clear() / _remove()
 *   serverManager.CommitChanges()                        -> certmap_config_commit()
 *
 * The file is IIS's applicationHost.config format.  Reads through an element
 * return the *effective* value at its location: the server level, then each
 * enclosing <location path> from the site down, then the schema default.
 * Writes go to the element's own location and are kept in memory until
 * certmap_config_commit(), which validates the new document, writes it
 * atomically (temp file, fsync, rename, fsync of the directory) and keeps a
 * copy of the previous version in the history directory.  Everything the
 * program did not change is written back byte for byte.
 *
 * Ownership: the config owns every element and collection handle it returns;
 * they stay valid until certmap_config_close().  Strings returned by getters
 * are owned by the config and valid until the next write to the same
 * attribute or until close.  A config handle is not thread-safe; the server
 * reads a config only while building a snapshot.
 */
#ifndef CERTMAP_CONFIG_H
#define CERTMAP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "certmap/error.h"

#ifdef __cplusplus
extern "C" {
#endif

struct certmap_config;     /* an opened applicationHost.config */
struct certmap_element;    /* a section, child element or collection item at one location */
struct certmap_collection; /* a collection of an element, effective at one location */

/* Section paths used by certmap (the IIS names). */
#define CERTMAP_SECTION_SITES "system.applicationHost/sites"
#define CERTMAP_SECTION_ACCESS "system.webServer/security/access"
#define CERTMAP_SECTION_ANONYMOUS "system.webServer/security/authentication/anonymousAuthentication"
#define CERTMAP_SECTION_BASIC "system.webServer/security/authentication/basicAuthentication"
#define CERTMAP_SECTION_CERTMAPPING                                                                \
    "system.webServer/security/authentication/iisClientCertificateMappingAuthentication"
/* IIS's Active Directory mapping: the directory (certmap/directory) maps the certificate */
#define CERTMAP_SECTION_DIRMAPPING                                                                 \
    "system.webServer/security/authentication/clientCertificateMappingAuthentication"
#define CERTMAP_SECTION_IPSECURITY "system.webServer/security/ipSecurity"
#define CERTMAP_SECTION_AUTHORIZATION "system.webServer/security/authorization"
#define CERTMAP_SECTION_SERVER_RUNTIME "system.webServer/serverRuntime"
/* IIS URL Rewrite: distributed rules, global rules (server level), allowedServerVariables */
#define CERTMAP_SECTION_REWRITE_RULES "system.webServer/rewrite/rules"
#define CERTMAP_SECTION_REWRITE_GLOBAL "system.webServer/rewrite/globalRules"
#define CERTMAP_SECTION_REWRITE_ALLOWED "system.webServer/rewrite/allowedServerVariables"
/* Linux extensions, in the top-level <certmap> element. */
#define CERTMAP_SECTION_LOGON "certmap/logon"
#define CERTMAP_SECTION_LIMITS "certmap/limits"
#define CERTMAP_SECTION_SERVER "certmap/server"
#define CERTMAP_SECTION_STATUS "certmap/status"
#define CERTMAP_SECTION_PROXY "system.webServer/proxy" /* ARR */
#define CERTMAP_SECTION_UPSTREAM "certmap/upstream"
#define CERTMAP_SECTION_HANDLERS "system.webServer/handlers"
#define CERTMAP_SECTION_FASTCGI "system.webServer/fastCgi"
#define CERTMAP_SECTION_DIRECTORY "certmap/directory"

/* access/@sslFlags bits (IIS values). */
enum certmap_ssl_flags {
    CERTMAP_SSL_NONE = 0,
    CERTMAP_SSL = 8,
    CERTMAP_SSL_NEGOTIATE_CERT = 32,
    CERTMAP_SSL_REQUIRE_CERT = 64,
    CERTMAP_SSL_MAP_CERT = 128,
    CERTMAP_SSL_128 = 256,
};

struct certmap_open_options {
    const char *key_file;    /* password key file; NULL: "certmap.key" in the config's directory */
    const char *history_dir; /* commit history; NULL: ".history" in the config's directory */
    unsigned history_keep;   /* versions kept in history; 0: 20 */
    bool lock;               /* hold an exclusive lock (flock on "<config>.lock") until close */
    bool create;             /* a missing file is an empty <configuration/> instead of an error */
    bool skip_secrets;       /* do not try to decrypt passwords while validating */
    /*
     * Opened only to build a compact view (certmapd's snapshot): validation
     * keeps, beside each one-to-one mapping's fingerprint, the certificate's
     * notAfter and subject, the file's text is then cut down to the values
     * still read (the mappings' certificates are left out: the view does not
     * decode them again), and the config can neither be committed nor
     * validated again; a certificate attribute so dropped reads as "".
     * certmap_config_open() then reads the file as it parses it, a chunk at
     * a time, so that the whole text is never in memory at once; a file cut
     * short while it is read is "file changed while being read".
     */
    bool serve_only;
};

/*
 * Opens and validates the configuration at path.  Every error, warning and
 * note found is appended to diags (may be NULL).  Returns a config the caller
 * frees with certmap_config_close(); NULL and err filled (the first structural
 * error) when the file cannot be read or holds any structural error.  Item
 * errors (see error.h: a mapping whose password does not decrypt with the key
 * file, or whose certificate does not decode) do not refuse the file: they are
 * in diags with item set, and reading such an item fails on its own
 * (certmap_element_get_secret() returns -1).  Reading never creates the key file.
 */
struct certmap_config *certmap_config_open(const char *path,
                                           const struct certmap_open_options *opts,
                                           struct certmap_diags *diags, struct certmap_error *err);

/*
 * Parses a configuration from memory (name is used in messages and for
 * relative paths).  Same contract as certmap_config_open(); commit is refused.
 */
struct certmap_config *certmap_config_parse(const char *name, const char *data, size_t len,
                                            const struct certmap_open_options *opts,
                                            struct certmap_diags *diags, struct certmap_error *err);

/* Frees the config, discarding uncommitted changes and releasing the lock. NULL is ignored. */
void certmap_config_close(struct certmap_config *cfg);

/* Path of the file (as given to open) and its directory. Owned by cfg. */
const char *certmap_config_path(const struct certmap_config *cfg);
const char *certmap_config_dir(const struct certmap_config *cfg);

/*
 * Expands %VAR% environment references in value and makes a relative path
 * relative to the config's directory.  Returns a malloc'd string, or NULL and
 * err filled (unknown variable, allocation failure).
 */
char *certmap_config_expand_path(const struct certmap_config *cfg, const char *value,
                                 struct certmap_error *err);

/*
 * Re-validates the document with its pending changes (what commit does first).
 * Appends every finding to diags.  Returns 0 when there is no error at all,
 * -1 otherwise (item errors included: diags->errors == diags->item_errors
 * tells a document that still loads).
 */
int certmap_config_validate(struct certmap_config *cfg, struct certmap_diags *diags);

/*
 * Validates, then writes the document atomically and keeps the previous file in
 * the history directory.  Refused when the new document has a structural error,
 * or an item error on a value that was not already broken when the document was
 * opened (or last committed): a write may leave broken mappings as they were
 * and repair some, never break one.  Returns 0, or -1 with err filled (the
 * first such error) and the file on disk unchanged.
 */
int certmap_config_commit(struct certmap_config *cfg, struct certmap_error *err);

/*
 * Fails closed on IIS access rules certmap does not enforce yet.  Walks the
 * server level and every <location> for the rules of
 * system.webServer/security/dynamicIpSecurity, requestFiltering and
 * isapiCgiRestriction that restrict access (allowUnlisted="false",
 * requestFiltering rules beyond IIS's shipped defaults...;
 * docs/configuration.md lists exactly what counts; URL Authorization and
 * ipSecurity are enforced and not checked here)
 * and appends one diagnostic per rule to diags (may be NULL), with file:line,
 * the element, the rule and the location path it restricts.  A rule is an
 * ERROR, or a WARNING saying it is not enforced when its section is listed in
 * <certmap><server unenforcedSections>.  An unenforcedSections value that is
 * not a valid list is an ERROR ("authorization" is still accepted in it and
 * acknowledges nothing).  Reads the document only.  Returns the number
 * of ERRORs (counted even when diags is NULL or full), or -1 when cfg holds
 * no loaded document.  A server must not run a configuration with errors.
 */
int certmap_config_check_unenforced(struct certmap_config *cfg, struct certmap_diags *diags);

/*
 * The distinct <location path> values of the document in document order ("" is
 * the server level first), compared case-insensitively as IIS does: the first
 * spelling is the one returned.  Any number of locations; both calls are O(1)
 * (the list is kept as locations are loaded or created).  _path() returns NULL
 * for i >= count.
 */
size_t certmap_config_location_count(const struct certmap_config *cfg);
const char *certmap_config_location_path(const struct certmap_config *cfg, size_t i);

/*
 * Returns the section at section_path (e.g. CERTMAP_SECTION_ACCESS) for a
 * location ("Site", "Site/app/dir"; NULL or "" for the server level).  Reads
 * give effective values; writes create the <location> and section elements on
 * commit when needed.  NULL and err filled for an unknown section or a section
 * that cannot be set at that location (sites: server level only).
 */
struct certmap_element *certmap_config_get_section(struct certmap_config *cfg,
                                                   const char *section_path, const char *location,
                                                   struct certmap_error *err);

/* Name of the element ("access", "add", "site", ...). */
const char *certmap_element_name(const struct certmap_element *e);

/*
 * Effective value of attr as text: the set value (booleans as "true"/"false",
 * enums and flags in IIS's canonical spelling, e.g. "Ssl, SslNegotiateCert"),
 * else the schema default ("" when none).  NULL when the schema has no such
 * attribute or when memory runs out.  Encrypted attributes are returned as
 * stored (the envelope).
 */
const char *certmap_element_get(const struct certmap_element *e, const char *attr);

/*
 * true when attr is set at this element's location or inherited from an
 * enclosing one; false also when memory runs out (certmap_element_get() then
 * answers NULL).
 */
bool certmap_element_is_set(const struct certmap_element *e, const char *attr);

/* Typed getters: 0 and *out set, or -1 and err filled (no such attribute, wrong type). */
int certmap_element_get_bool(const struct certmap_element *e, const char *attr, bool *out,
                             struct certmap_error *err);
int certmap_element_get_uint(const struct certmap_element *e, const char *attr,
                             unsigned long long *out, struct certmap_error *err);
/* Enum or flags attribute as its numeric IIS value (e.g. sslFlags bits). */
int certmap_element_get_flags(const struct certmap_element *e, const char *attr, unsigned *out,
                              struct certmap_error *err);

/*
 * Decrypts an encrypted attribute (password).  A plain-text value is returned
 * as is.  *plain is malloc'd; the caller wipes it with OPENSSL_cleanse() and
 * frees it.  -1 and err filled (naming file, line and attribute) for a
 * missing key file, wrong key or damaged envelope: never an empty password.
 */
int certmap_element_get_secret(const struct certmap_element *e, const char *attr, char **plain,
                               struct certmap_error *err);

/* Where the effective value of attr (attr NULL: the element itself) was written. 0, or -1 when
 * default. */
int certmap_element_source(const struct certmap_element *e, const char *attr, const char **file,
                           unsigned *line);

/* The attributes the schema defines for this element, in schema order. */
size_t certmap_element_attr_count(const struct certmap_element *e);
const char *certmap_element_attr_name(const struct certmap_element *e, size_t i);

/*
 * Sets attr at this element's location from text, checked against the schema
 * (type, enum/flag names case-insensitively, required key; no control
 * characters, bytes below 0x20 or 0x7f, in text other than a certificate or
 * password).  A certificate is
 * stored as IIS's single-line base64 (PEM, DER-as-base64 with line breaks are
 * accepted); a password is stored encrypted.  0, or -1 and err filled.
 */
int certmap_element_set(struct certmap_element *e, const char *attr, const char *value,
                        struct certmap_error *err);
int certmap_element_set_bool(struct certmap_element *e, const char *attr, bool value,
                             struct certmap_error *err);
int certmap_element_set_uint(struct certmap_element *e, const char *attr, unsigned long long value,
                             struct certmap_error *err);

/* Removes attr from this element's location so that it inherits again. */
int certmap_element_unset(struct certmap_element *e, const char *attr, struct certmap_error *err);

/* A named child element (e.g. "logFile" of a site, "siteDefaults" of sites). NULL and err if none.
 */
struct certmap_element *certmap_element_child(struct certmap_element *e, const char *name,
                                              struct certmap_error *err);

/*
 * A collection of e: a named one ("oneToOneMappings", "bindings") or, with
 * name NULL, the element's default collection (the <site> items of
 * system.applicationHost/sites, the <application> items of a site, the
 * <virtualDirectory> items of an application).  NULL and err if none.
 */
struct certmap_collection *certmap_element_collection(struct certmap_element *e, const char *name,
                                                      struct certmap_error *err);

/*
 * Effective items: inherited ones (not cleared or removed) then this location's, in order.
 * When memory runs out computing them, count answers 0 and item and find NULL:
 * certmap_collection_error() tells that from an empty collection.
 */
size_t certmap_collection_count(const struct certmap_collection *c);
struct certmap_element *certmap_collection_item(const struct certmap_collection *c, size_t i);
/*
 * 0 when the last count, item or find of c computed its items; -1 and err
 * (CERTMAP_ERR_NOMEM) when memory ran out, so that their answer is not the
 * collection's content.
 */
int certmap_collection_error(const struct certmap_collection *c, struct certmap_error *err);

/*
 * The effective item whose key equals key (for oneToOneMappings the key is the
 * certificate, compared as a certificate: PEM, base64 with line breaks or
 * spaces all denote the same DER).  NULL when none.
 */
struct certmap_element *certmap_collection_find(const struct certmap_collection *c,
                                                const char *key);

/* true when item i (or element e) comes from an enclosing location rather than this one. */
bool certmap_element_is_inherited(const struct certmap_element *e);

/*
 * Creates a detached item ("add", or the collection's add name when
 * add_name is NULL) to be filled with certmap_element_set() and then added.
 */
struct certmap_element *certmap_collection_create_element(struct certmap_collection *c,
                                                          const char *add_name,
                                                          struct certmap_error *err);

/* Adds a created item; -1 and err when its key is missing or already present. */
int certmap_collection_add(struct certmap_collection *c, struct certmap_element *item,
                           struct certmap_error *err);

/* Removes an item: a local one is deleted, an inherited one gets a <remove> entry. */
int certmap_collection_remove(struct certmap_collection *c, struct certmap_element *item,
                              struct certmap_error *err);

/* Removes every item at this location: local items are deleted and <clear/> is written. */
int certmap_collection_clear(struct certmap_collection *c, struct certmap_error *err);

#ifdef __cplusplus
}
#endif

#endif
