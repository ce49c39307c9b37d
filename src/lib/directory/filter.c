/*
 * directory/filter.c - LDAP search filters (RFC 4515) built from values
 * certmap does not control: a certificate's issuer and subject may hold any
 * character, so every value goes through dir_filter_escape().
 */
#include "directory.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char hexdig[] = "0123456789abcdef";

/* RFC 4515 3: the characters that must be escaped in an assertion value. */
static bool
must_escape(unsigned char c)
{
    return c == '*' || c == '(' || c == ')' || c == '\\' || c == '\0';
}

long
dir_filter_escape(const void *in, size_t len, bool all, char *out, size_t size)
{
    const unsigned char *p = in;
    size_t o = 0;

    if (size == 0)
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (all || must_escape(p[i])) {
            if (size - o < 4)
                return -1;
            out[o++] = '\\';
            out[o++] = hexdig[p[i] >> 4];
            out[o++] = hexdig[p[i] & 0xf];
        } else {
            if (size - o < 2)
                return -1;
            out[o++] = (char)p[i];
        }
    }
    out[o] = '\0';
    return (long)o;
}

/* Appends "(attr=escaped)" to buf at *o; -1 when it does not fit. */
static int
append_term(char *buf, size_t size, size_t *o, const char *attr, const void *v, size_t len,
            bool all)
{
    int n = snprintf(buf + *o, size - *o, "(%s=", attr);
    long e;

    if (n < 0 || (size_t)n >= size - *o)
        return -1;
    *o += (size_t)n;
    e = dir_filter_escape(v, len, all, buf + *o, size - *o);
    if (e < 0)
        return -1;
    *o += (size_t)e;
    if (size - *o < 2)
        return -1;
    buf[(*o)++] = ')';
    buf[*o] = '\0';
    return 0;
}

char *
dir_filter_for(const struct dir_query *q, const struct certmap_directory_settings *s)
{
    size_t size = 16, o = 0;
    char *buf = NULL;

    if (s->mode == CERTMAP_DIR_USER_CERTIFICATE) {
        if (q->der == NULL || q->der_len == 0)
            return NULL;
        size += 3 * q->der_len + 32;
        buf = malloc(size);
        if (buf == NULL)
            return NULL;
        if (append_term(buf, size, &o, "userCertificate;binary", q->der, q->der_len, true) != 0)
            goto fail;
        return buf;
    }
    if (q->nstrings == 0)
        return NULL;
    for (size_t i = 0; i < q->nstrings; i++)
        size += strlen(s->mapping_attribute) + 3 * strlen(q->strings[i]) + 4;
    buf = malloc(size);
    if (buf == NULL)
        return NULL;
    buf[0] = '\0';
    if (q->nstrings > 1) {
        buf[o++] = '(';
        buf[o++] = '|';
    }
    for (size_t i = 0; i < q->nstrings; i++)
        if (append_term(buf, size, &o, s->mapping_attribute, q->strings[i], strlen(q->strings[i]),
                        false) != 0)
            goto fail;
    if (q->nstrings > 1) {
        if (size - o < 2)
            goto fail;
        buf[o++] = ')';
        buf[o] = '\0';
    }
    return buf;
fail:
    free(buf);
    return NULL;
}
