/* ssi.c - `<!--#echo var="NAME"-->` rendering for .stm/.shtm/.shtml files. */
#include "ssi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct buf {
    char *p;    /* owned */
    size_t len; /* bytes used */
    size_t cap; /* bytes allocated */
};

static int
buf_add(struct buf *b, const char *s, size_t n)
{
    char *np;
    size_t cap;

    if (n == 0)
        return 0;
    if (b->len + n > b->cap) {
        cap = b->cap ? b->cap : 1024;
        while (cap < b->len + n)
            cap *= 2;
        np = realloc(b->p, cap);
        if (np == NULL)
            return -1;
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    return 0;
}

static int
buf_add_escaped(struct buf *b, const char *s)
{
    const char *rep;
    int ret = 0;

    for (; *s != '\0' && ret == 0; s++) {
        switch (*s) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&#39;";
            break;
        default:
            rep = NULL;
        }
        ret = rep != NULL ? buf_add(b, rep, strlen(rep)) : buf_add(b, s, 1);
    }
    return ret;
}

bool
ssi_is_ssi_path(const char *path, size_t len)
{
    static const char *const exts[] = {".stm", ".shtm", ".shtml"};
    size_t i, n;

    for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
        n = strlen(exts[i]);
        if (len >= n && strncasecmp(path + len - n, exts[i], n) == 0)
            return true;
    }
    return false;
}

/*
 * Parses the directive between "<!--#" and "-->" (d[0..n)); writes the
 * variable name of an echo directive into name.  true for #echo var="X".
 */
static bool
parse_echo(const char *d, size_t n, char *name, size_t size)
{
    const char *p = d, *end = d + n, *q;
    size_t len;

    if (n < 4 || strncasecmp(p, "echo", 4) != 0)
        return false;
    p += 4;
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    if ((size_t)(end - p) < 4 || strncasecmp(p, "var", 3) != 0)
        return false;
    p += 3;
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    if (p >= end || *p != '=')
        return false;
    p++;
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    if (p >= end || *p != '"')
        return false;
    p++;
    q = memchr(p, '"', (size_t)(end - p));
    if (q == NULL)
        return false;
    len = (size_t)(q - p);
    if (len == 0 || len >= size)
        return false;
    memcpy(name, p, len);
    name[len] = '\0';
    return true;
}

/*
 * The value of variable name into *value (grown as needed, up to
 * SSI_MAX_VALUE); "(none)" for an unknown one.  0, or -1.
 */
static int
echo_value(const struct svar_ctx *ctx, const char *name, char **value, size_t *size)
{
    char *nv;
    int n;

    for (;;) {
        n = svar_get(ctx, name, strlen(name), *value, *size);
        if (n == SVAR_UNKNOWN) {
            snprintf(*value, *size, "(none)");
            return 0;
        }
        if (n >= 0)
            return 0;
        if (*size >= SSI_MAX_VALUE)
            return -1;
        nv = realloc(*value, *size * 2);
        if (nv == NULL)
            return -1;
        *value = nv;
        *size *= 2;
    }
}

int
ssi_render(const char *src, size_t len, const struct svar_ctx *ctx, char **out, size_t *out_len)
{
    struct buf b = {0};
    const char *p = src, *end = src + len, *start, *close;
    char name[64];
    size_t value_size = 2048;
    char *value = malloc(value_size);
    int ret = -1;

    if (value == NULL)
        goto out;

    while (p < end) {
        start = memmem(p, (size_t)(end - p), "<!--#", 5);
        if (start == NULL) {
            if (buf_add(&b, p, (size_t)(end - p)) != 0)
                goto out;
            break;
        }
        if (buf_add(&b, p, (size_t)(start - p)) != 0)
            goto out;
        close = memmem(start + 5, (size_t)(end - start - 5), "-->", 3);
        if (close == NULL) {
            /* An unterminated directive is text, as a browser would show it. */
            if (buf_add(&b, start, (size_t)(end - start)) != 0)
                goto out;
            break;
        }
        if (parse_echo(start + 5, (size_t)(close - start - 5), name, sizeof(name))) {
            if (echo_value(ctx, name, &value, &value_size) != 0)
                goto out;
            if (buf_add_escaped(&b, value) != 0)
                goto out;
        }
        p = close + 3;
    }
    /* NUL-terminate without counting it. */
    if (buf_add(&b, "", 1) != 0)
        goto out;
    b.len--;
    *out = b.p != NULL ? b.p : strdup("");
    if (*out == NULL)
        goto out;
    *out_len = b.len;
    b.p = NULL;
    ret = 0;
out:
    free(value);
    free(b.p);
    return ret;
}
