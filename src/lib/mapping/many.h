/*
 * mapping/many.h - many-to-one certificate mappings (mapping/many.c).
 *
 * IIS's manyToOneMappings: each mapping names an account (or denies access)
 * for every certificate whose subject or issuer fields match all of its
 * rules.  A set holds one site's effective mappings in document order and is
 * immutable once built; matching reads it from many threads at once.
 *
 * Semantics (IIS configuration reference, manyToOneMappings and its
 * rules/add; IIS 6.0 "Edit Rule Element"):
 *   - mappings are tried in document order, disabled ones skipped; the first
 *     whose rules all match wins;
 *   - a rule reads the subject or the issuer name of the certificate and
 *     matches when any value of its attribute (a name may carry several OU,
 *     or a multi-valued RDN) matches the criteria;
 *   - matchCriteria is a pattern where '*' matches any run of characters
 *     (also none) and every other character matches itself; IIS documents no
 *     escape, so there is none (a literal '*' is matched by '*' too);
 *   - compareCaseSensitive (IIS default true) false folds ASCII letters;
 *     other characters compare as their UTF-8 bytes;
 *   - a mapping without rules never matches: IIS does not document what it
 *     does, and mapping every certificate to one account is not a guess to
 *     make silently (the view warns about such a mapping).
 */
#ifndef CERTMAP_MAPPING_MANY_H
#define CERTMAP_MAPPING_MANY_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/x509.h>

#include "certmap/error.h"
#include "mapping.h"

/* rules/add/@certificateField, with IIS's numeric values. */
enum m2o_field {
    M2O_SUBJECT = 1,
    M2O_ISSUER = 2,
};

struct m2o_rule {
    enum m2o_field field;
    int nid;              /* the name attribute (cert_rdn_nid() of subfield) */
    const char *subfield; /* certificateSubField as written */
    const char *criteria; /* matchCriteria */
    bool case_sensitive;  /* compareCaseSensitive */
    const char *file;     /* the rule's <add> */
    unsigned line;
};

struct m2o_mapping {
    /*
     * What the logon path reads, as for a one-to-one mapping: base.user
     * (userName), base.password (decrypted, wiped on free), base.enabled,
     * base.file and base.line (the mapping's <add>); base.der is NULL.
     */
    struct mapping base;
    const char *name;             /* the key */
    const char *description;      /* "" when unset */
    bool deny;                    /* permissionMode="Deny": a match answers 403.12 */
    const struct m2o_rule *rules; /* nrules rules, document order */
    size_t nrules;
};

struct m2o_set;

/* A new empty set; NULL on allocation failure. */
struct m2o_set *m2o_set_new(void);

/*
 * Appends a copy of m (strings copied; m->rules and m->nrules ignored: rules
 * follow with m2o_set_add_rule()).  0, or -1 on allocation failure.
 */
int m2o_set_add(struct m2o_set *s, const struct m2o_mapping *m);

/*
 * Appends a copy of rule r to the mapping added last; r->nid is ignored and
 * looked up from r->subfield.  -1 and err (at r's file:line) when there is
 * no mapping yet, the field is not Subject or Issuer, the subfield is not
 * one certmap knows, the criteria are empty, or memory runs out.
 */
int m2o_set_add_rule(struct m2o_set *s, const struct m2o_rule *r, struct certmap_error *err);

/* Number of mappings (enabled or not). */
size_t m2o_set_count(const struct m2o_set *s);

/* Mapping i in document order, or NULL past the end.  Borrowed, valid while the set lives. */
const struct m2o_mapping *m2o_set_entry(const struct m2o_set *s, size_t i);

/*
 * true when every rule of m matches cert (false for a mapping without
 * rules, whether or not it is enabled).  When it does not and failed is not
 * NULL, *failed is the first rule that does not match (NULL: no rules).
 */
bool m2o_mapping_matches(const struct m2o_mapping *m, X509 *cert, const struct m2o_rule **failed);

/*
 * The first enabled mapping of s whose rules all match cert, or NULL (also
 * when s is NULL).  When failed is not NULL it is set to NULL on a match,
 * else to the first failing rule of the first enabled mapping tried (NULL
 * when there was none with rules); m2o_mapping_matches() explains the others.
 */
const struct m2o_mapping *m2o_match(const struct m2o_set *s, X509 *cert,
                                    const struct m2o_rule **failed);

/* true when text[0..len) matches pattern ('*' any run), ASCII-folded unless case_sensitive. */
bool m2o_glob(const char *pattern, const char *text, size_t len, bool case_sensitive);

/* Frees s, wiping passwords.  NULL is ignored. */
void m2o_set_free(struct m2o_set *s);

#endif
