/*
 * many.c - many-to-one certificate mappings: the set and the matcher.
 *
 * A set is small next to a one-to-one index (IIS sites hold a handful of
 * rules, bench/ measures 1 000 mappings), so it is plain arrays in document
 * order with every string owned by the set.  Matching reads the
 * certificate's names through OpenSSL without allocating for the string
 * types whose bytes are already UTF-8 (UTF8String, PrintableString,
 * IA5String); other types are converted once per value.
 */
#include "mapping/many.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/crypto.h>

#include "cert/rdn.h"

struct m2o_slot {
    struct m2o_mapping pub;
    struct m2o_rule *rules; /* malloc, pub.rules points here */
    size_t cap;
};

struct m2o_set {
    struct m2o_slot *maps; /* malloc, count of them */
    size_t count, cap;
};

struct m2o_set *
m2o_set_new(void)
{
    return calloc(1, sizeof(struct m2o_set));
}

static char *
dup_or_empty(const char *s)
{
    return strdup(s != NULL ? s : "");
}

static void
free_rule(struct m2o_rule *r)
{
    free((char *)r->subfield);
    free((char *)r->criteria);
    free((char *)r->file);
}

static void
free_slot(struct m2o_slot *sl)
{
    struct m2o_mapping *m = &sl->pub;

    if (m->base.password != NULL) {
        OPENSSL_cleanse((char *)m->base.password, strlen(m->base.password));
        free((char *)m->base.password);
    }
    free((char *)m->base.user);
    free((char *)m->base.file);
    free((char *)m->name);
    free((char *)m->description);
    for (size_t i = 0; i < m->nrules; i++)
        free_rule(&sl->rules[i]);
    free(sl->rules);
}

int
m2o_set_add(struct m2o_set *s, const struct m2o_mapping *m)
{
    struct m2o_slot *sl;

    if (s->count == s->cap) {
        size_t cap = s->cap != 0 ? s->cap * 2 : 8;
        struct m2o_slot *n = realloc(s->maps, cap * sizeof(*n));
        if (n == NULL)
            return -1;
        s->maps = n;
        s->cap = cap;
        /* rules pointers stay valid: they point to their own arrays */
    }
    sl = &s->maps[s->count];
    memset(sl, 0, sizeof(*sl));
    sl->pub.base.user = dup_or_empty(m->base.user);
    sl->pub.base.password = dup_or_empty(m->base.password);
    sl->pub.base.file = dup_or_empty(m->base.file);
    sl->pub.base.line = m->base.line;
    sl->pub.base.enabled = m->base.enabled;
    sl->pub.name = dup_or_empty(m->name);
    sl->pub.description = dup_or_empty(m->description);
    sl->pub.deny = m->deny;
    if (sl->pub.base.user == NULL || sl->pub.base.password == NULL || sl->pub.base.file == NULL ||
        sl->pub.name == NULL || sl->pub.description == NULL) {
        free_slot(sl);
        return -1;
    }
    s->count++;
    return 0;
}

int
m2o_set_add_rule(struct m2o_set *s, const struct m2o_rule *r, struct certmap_error *err)
{
    struct m2o_slot *sl;
    struct m2o_rule copy;
    int nid;

    if (s->count == 0)
        return certmap_error_set(err, CERTMAP_ERR_USAGE, r->file, r->line, "add", NULL,
                                 "a rule needs a many-to-one mapping to belong to");
    if (r->field != M2O_SUBJECT && r->field != M2O_ISSUER)
        return certmap_error_set(err, CERTMAP_ERR_INVALID, r->file, r->line, "add",
                                 "certificateField",
                                 "unknown certificate field %d (allowed: "
                                 "Subject, Issuer)",
                                 (int)r->field);
    nid = r->subfield != NULL ? cert_rdn_nid(r->subfield, strlen(r->subfield)) : 0;
    if (nid == 0)
        return certmap_error_set(err, CERTMAP_ERR_INVALID, r->file, r->line, "add",
                                 "certificateSubField",
                                 "unknown certificate subfield \"%s\" (allowed: %s)",
                                 r->subfield != NULL ? r->subfield : "", cert_rdn_allowed());
    if (r->criteria == NULL || r->criteria[0] == '\0')
        return certmap_error_set(err, CERTMAP_ERR_INVALID, r->file, r->line, "add", "matchCriteria",
                                 "must not be empty");
    sl = &s->maps[s->count - 1];
    if (sl->pub.nrules == sl->cap) {
        size_t cap = sl->cap != 0 ? sl->cap * 2 : 4;
        struct m2o_rule *n = realloc(sl->rules, cap * sizeof(*n));
        if (n == NULL)
            return certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL, "out of memory");
        sl->rules = n;
        sl->cap = cap;
        sl->pub.rules = n;
    }
    copy = *r;
    copy.nid = nid;
    copy.subfield = strdup(r->subfield);
    copy.criteria = strdup(r->criteria);
    copy.file = dup_or_empty(r->file);
    if (copy.subfield == NULL || copy.criteria == NULL || copy.file == NULL) {
        free_rule(&copy);
        return certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL, "out of memory");
    }
    sl->rules[sl->pub.nrules++] = copy;
    return 0;
}

size_t
m2o_set_count(const struct m2o_set *s)
{
    return s != NULL ? s->count : 0;
}

const struct m2o_mapping *
m2o_set_entry(const struct m2o_set *s, size_t i)
{
    return s != NULL && i < s->count ? &s->maps[i].pub : NULL;
}

static unsigned char
fold(unsigned char c, bool case_sensitive)
{
    return !case_sensitive && c >= 'A' && c <= 'Z' ? (unsigned char)(c + ('a' - 'A')) : c;
}

bool
m2o_glob(const char *pattern, const char *text, size_t len, bool case_sensitive)
{
    const unsigned char *p = (const unsigned char *)pattern;
    const unsigned char *star = NULL; /* after the last '*' seen */
    size_t i = 0, resume = 0;         /* where text resumes when the last '*' eats one more */

    /* Greedy with one backtrack point: a later '*' supersedes the earlier ones. */
    while (i < len) {
        if (*p == '*') {
            star = ++p;
            resume = i;
        } else if (*p != '\0' &&
                   fold(*p, case_sensitive) == fold((unsigned char)text[i], case_sensitive)) {
            p++;
            i++;
        } else if (star != NULL) {
            p = star;
            i = ++resume;
        } else {
            return false;
        }
    }
    while (*p == '*')
        p++;
    return *p == '\0';
}

/* true when one value of the rule's attribute in name matches its criteria. */
static bool
name_matches(const struct m2o_rule *r, const X509_NAME *name)
{
    int pos = -1;

    if (name == NULL)
        return false;
    while ((pos = X509_NAME_get_index_by_NID(name, r->nid, pos)) >= 0) {
        const ASN1_STRING *v = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, pos));
        unsigned char *utf8 = NULL;
        bool hit;
        int type = ASN1_STRING_type(v), n;

        if (type == V_ASN1_UTF8STRING || type == V_ASN1_PRINTABLESTRING ||
            type == V_ASN1_IA5STRING) {
            hit = m2o_glob(r->criteria, (const char *)ASN1_STRING_get0_data(v),
                           (size_t)ASN1_STRING_length(v), r->case_sensitive);
        } else {
            n = ASN1_STRING_to_UTF8(&utf8, v);
            hit = n >= 0 && m2o_glob(r->criteria, (const char *)utf8, (size_t)n, r->case_sensitive);
            OPENSSL_free(utf8);
        }
        if (hit)
            return true;
    }
    return false;
}

bool
m2o_mapping_matches(const struct m2o_mapping *m, X509 *cert, const struct m2o_rule **failed)
{
    if (failed != NULL)
        *failed = NULL;
    if (m->nrules == 0)
        return false;
    for (size_t i = 0; i < m->nrules; i++) {
        const struct m2o_rule *r = &m->rules[i];
        const X509_NAME *name =
            r->field == M2O_SUBJECT ? X509_get_subject_name(cert) : X509_get_issuer_name(cert);
        if (!name_matches(r, name)) {
            if (failed != NULL)
                *failed = r;
            return false;
        }
    }
    return true;
}

const struct m2o_mapping *
m2o_match(const struct m2o_set *s, X509 *cert, const struct m2o_rule **failed)
{
    bool first = true;

    if (failed != NULL)
        *failed = NULL;
    if (s == NULL || cert == NULL)
        return NULL;
    for (size_t i = 0; i < s->count; i++) {
        const struct m2o_mapping *m = &s->maps[i].pub;
        const struct m2o_rule *f = NULL;
        if (!m->base.enabled)
            continue;
        if (m2o_mapping_matches(m, cert, &f)) {
            if (failed != NULL)
                *failed = NULL;
            return m;
        }
        if (first && failed != NULL && f != NULL) {
            *failed = f;
            first = false;
        }
    }
    return NULL;
}

void
m2o_set_free(struct m2o_set *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->count; i++)
        free_slot(&s->maps[i]);
    free(s->maps);
    free(s);
}
