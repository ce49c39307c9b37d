/*
 * directory/result.c - what a directory search returned, decided strictly
 * (see directory.h).  Everything here reads bytes a directory server sent,
 * so it is pure and fuzzed (tests/fuzz/fuzz_directory.c).
 */
#include "directory.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cert/adstring.h"

const char *
dir_status_name(enum dir_status st)
{
    switch (st) {
    case DIR_FOUND:
        return "found";
    case DIR_NOT_FOUND:
        return "not found";
    case DIR_AMBIGUOUS:
        return "ambiguous";
    case DIR_UNAVAILABLE:
        return "unavailable";
    }
    return "?";
}

void
dir_answer_clear(struct dir_answer *a)
{
    if (a == NULL)
        return;
    free(a->groups);
    memset(a, 0, sizeof(*a));
}

/* One malloc'd block: the pointer vector, then the strings. */
static char **
groups_block(const char *const *names, size_t n)
{
    size_t total = n * sizeof(char *);
    char **v, *p;

    for (size_t i = 0; i < n; i++)
        total += strlen(names[i]) + 1;
    v = malloc(total ? total : 1);
    if (v == NULL)
        return NULL;
    p = (char *)(v + n);
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(names[i]) + 1;
        memcpy(p, names[i], l);
        v[i] = p;
        p += l;
    }
    return v;
}

int
dir_answer_copy(struct dir_answer *dst, const struct dir_answer *src)
{
    *dst = *src;
    dst->groups = NULL;
    if (src->ngroups > 0) {
        dst->groups = groups_block((const char *const *)src->groups, src->ngroups);
        if (dst->groups == NULL) {
            memset(dst, 0, sizeof(*dst));
            return -1;
        }
    }
    return 0;
}

static int
hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* RFC 4514 2.4: the characters a backslash may precede as themselves. */
static bool
escapable(int c)
{
    return c != '\0' && strchr(" \"#+,;<=>\\", c) != NULL;
}

int
dir_dn_first_value(const char *dn, size_t len, char *out, size_t size)
{
    size_t i = 0, o = 0, keep = 0; /* keep: length without unescaped trailing spaces */

    if (size == 0)
        return -1;
    /* the attribute type: a descriptor or a numeric OID, up to '=' */
    while (i < len && dn[i] != '=') {
        unsigned char c = (unsigned char)dn[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.'))
            return -1;
        i++;
    }
    if (i == 0 || i >= len)
        return -1;
    i++; /* '=' */
    if (i < len && dn[i] == '#')
        return -1; /* a BER-encoded value: not a name a rule can hold */
    while (i < len && dn[i] != ',' && dn[i] != '+' && dn[i] != ';') {
        int c = (unsigned char)dn[i];
        bool escaped = false;
        if (c == '\\') {
            int h, l;
            if (i + 1 >= len)
                return -1;
            if (escapable(dn[i + 1])) {
                c = (unsigned char)dn[i + 1];
                i += 2;
            } else {
                if (i + 2 >= len)
                    return -1;
                h = hexval((unsigned char)dn[i + 1]);
                l = hexval((unsigned char)dn[i + 2]);
                if (h < 0 || l < 0)
                    return -1;
                c = h << 4 | l;
                i += 3;
            }
            escaped = true;
        } else {
            if (c == '"' || c == '<' || c == '>' || c == '=')
                return -1; /* RFC 4514 wants these escaped */
            i++;
        }
        if (c == '\0' || c < 0x20 || c == 0x7f)
            return -1;
        if (o == 0 && c == ' ' && !escaped)
            continue; /* leading blanks some servers keep after a ',' */
        if (o + 1 >= size)
            return -1;
        out[o++] = (char)c;
        if (c != ' ' || escaped)
            keep = o;
    }
    if (keep == 0)
        return -1;
    out[keep] = '\0';
    return 0;
}

/* A user name we hand on as LOGON_USER: non-empty, no control characters, no NUL. */
static bool
good_name(const struct dir_value *v)
{
    if (v->len == 0 || v->len >= DIR_NAME_MAX)
        return false;
    for (size_t i = 0; i < v->len; i++) {
        unsigned char c = (unsigned char)v->data[i];
        if (c < 0x20 || c == 0x7f)
            return false;
    }
    return true;
}

/* The entry holds a value equal to what q asked for (not only what the server matched). */
static bool
entry_matches(const struct dir_entry *e, const struct dir_query *q,
              const struct certmap_directory_settings *s, const char **matched)
{
    for (size_t k = 0; k < e->nmapping; k++) {
        const struct dir_value *v = &e->mapping[k];
        if (s->mode == CERTMAP_DIR_USER_CERTIFICATE) {
            if (v->len == q->der_len && memcmp(v->data, q->der, v->len) == 0) {
                *matched = "userCertificate";
                return true;
            }
            continue;
        }
        for (size_t i = 0; i < q->nstrings; i++) {
            if (!q->strong[i] && !s->allow_weak_mappings)
                continue;
            if (cert_ad_equal(v->data, v->len, q->strings[i], strlen(q->strings[i]))) {
                *matched = q->strings[i];
                return true;
            }
        }
    }
    return false;
}

static void
decide_groups(const struct dir_entry *e, struct dir_answer *out, size_t *bad)
{
    static const size_t cap = DIR_GROUPS_MAX;
    char(*names)[DIR_NAME_MAX] = NULL;
    const char *ptrs[DIR_GROUPS_MAX];
    size_t n = 0;

    *bad = 0;
    if (e->ngroups == 0)
        return;
    names = malloc(cap * sizeof(*names));
    if (names == NULL) {
        *bad = e->ngroups;
        return;
    }
    for (size_t i = 0; i < e->ngroups; i++) {
        if (n == cap || dir_dn_first_value(e->groups[i].data, e->groups[i].len, names[n],
                                           sizeof(names[n])) != 0) {
            (*bad)++;
            continue;
        }
        ptrs[n] = names[n];
        n++;
    }
    if (n > 0) {
        out->groups = groups_block(ptrs, n);
        out->ngroups = out->groups != NULL ? n : 0;
        if (out->groups == NULL)
            *bad += n;
    }
    free(names);
}

int
dir_result_decide(const struct dir_entry *entries, size_t n, const struct dir_query *q,
                  const struct certmap_directory_settings *s, struct dir_answer *out)
{
    const struct dir_entry *e = entries;
    const char *matched = NULL;
    size_t bad = 0;

    memset(out, 0, sizeof(*out));
    if (s->mode == CERTMAP_DIR_USER_CERTIFICATE && n > 0) {
        /*
         * The search matched by issuer and serial (OpenLDAP) or by octets
         * (AD): only entries holding these very bytes count, so that a twin
         * certificate (same issuer and serial, another key) is nobody's.
         */
        static const struct dir_entry none;
        const struct dir_entry *first = &none, *second = NULL;
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            if (!entry_matches(&entries[i], q, s, &matched))
                continue;
            if (k == 0)
                first = &entries[i];
            else if (k == 1)
                second = &entries[i];
            k++;
        }
        if (k == 0) {
            out->status = DIR_NOT_FOUND;
            snprintf(out->why, sizeof(out->why),
                     "no account under \"%s\" holds this certificate (userCertificate;binary)",
                     s->base_dn);
            return 0;
        }
        if (k > 1) {
            out->status = DIR_AMBIGUOUS;
            snprintf(out->why, sizeof(out->why),
                     "more than one account holds the certificate (\"%.200s\", \"%.200s\"): "
                     "refused",
                     first->dn, second->dn);
            return 0;
        }
        e = first;
        n = 1;
    }
    if (n == 0) {
        out->status = DIR_NOT_FOUND;
        snprintf(out->why, sizeof(out->why), "no account under \"%s\" maps the certificate%s",
                 s->base_dn,
                 s->mode == CERTMAP_DIR_ALT_SECURITY_IDENTITIES && !s->allow_weak_mappings
                     ? " (weak mapping strings are not searched: allowWeakMappings=false)"
                     : "");
        return 0;
    }
    if (n > 1) {
        out->status = DIR_AMBIGUOUS;
        snprintf(out->why, sizeof(out->why),
                 "more than one account maps the certificate (\"%.200s\", \"%.200s\"): refused",
                 entries[0].dn, entries[1].dn);
        return 0;
    }
    snprintf(out->dn, sizeof(out->dn), "%s", e->dn);
    if (!entry_matches(e, q, s, &matched)) {
        out->status = DIR_NOT_FOUND;
        snprintf(out->why, sizeof(out->why),
                 "\"%.300s\" was returned but holds no value equal to the certificate's %s", e->dn,
                 s->mode == CERTMAP_DIR_USER_CERTIFICATE ? "bytes" : "mapping strings");
        return 0;
    }
    if (e->nuser != 1 || !good_name(&e->user[0])) {
        out->status = DIR_NOT_FOUND;
        snprintf(out->why, sizeof(out->why), "\"%.300s\" maps the certificate but its %s is %s",
                 e->dn, s->user_attribute,
                 e->nuser == 0  ? "missing"
                 : e->nuser > 1 ? "multi-valued"
                                : "not a usable name");
        return 0;
    }
    memcpy(out->user, e->user[0].data, e->user[0].len);
    out->user[e->user[0].len] = '\0';
    decide_groups(e, out, &bad);
    out->status = DIR_FOUND;
    snprintf(out->why, sizeof(out->why), "\"%.300s\" (%s) by %.120s%s", e->dn, out->user, matched,
             bad > 0 ? "; some group values were not usable names" : "");
    return 0;
}
