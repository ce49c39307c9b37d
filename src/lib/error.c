/* error.c - struct certmap_error and struct certmap_diags. */
#include "certmap/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

static void
copy_str(char *dst, size_t size, const char *src)
{
    if (src == NULL)
        src = "";
    snprintf(dst, size, "%s", src);
}

int
certmap_error_set(struct certmap_error *err, enum certmap_error_kind kind, const char *file,
                  unsigned line, const char *element, const char *attribute, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL)
        return -1;
    err->kind = kind;
    copy_str(err->file, sizeof(err->file), file);
    err->line = line;
    copy_str(err->element, sizeof(err->element), element);
    copy_str(err->attribute, sizeof(err->attribute), attribute);
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    return -1;
}

void
certmap_error_add_openssl(struct certmap_error *err)
{
    unsigned long e;
    char buf[256];
    size_t len;

    while ((e = ERR_get_error()) != 0) {
        if (err == NULL)
            continue;
        ERR_error_string_n(e, buf, sizeof(buf));
        len = strlen(err->message);
        if (len + 3 < sizeof(err->message))
            snprintf(err->message + len, sizeof(err->message) - len, "%s%s", len > 0 ? ": " : "",
                     buf);
    }
}

void
certmap_error_clear(struct certmap_error *err)
{
    if (err != NULL)
        memset(err, 0, sizeof(*err));
}

const char *
certmap_error_format(const struct certmap_error *err, char *buf, size_t size)
{
    size_t n = 0;
    int w;

    if (size == 0)
        return buf;
    buf[0] = '\0';
    if (err == NULL)
        return buf;
    if (err->file[0] != '\0') {
        if (err->line > 0)
            w = snprintf(buf, size, "%s:%u: ", err->file, err->line);
        else
            w = snprintf(buf, size, "%s: ", err->file);
        n = w > 0 ? (size_t)w : 0;
    }
    if (n < size && err->element[0] != '\0') {
        w = snprintf(buf + n, size - n, "<%s> ", err->element);
        n += w > 0 ? (size_t)w : 0;
    }
    if (n < size && err->attribute[0] != '\0') {
        w = snprintf(buf + n, size - n, "%s: ", err->attribute);
        n += w > 0 ? (size_t)w : 0;
    }
    if (n < size)
        snprintf(buf + n, size - n, "%s", err->message);
    return buf;
}

static int
diags_append(struct certmap_diags *d, enum certmap_severity sev, bool item,
             const struct certmap_error *err)
{
    struct certmap_diag *items;
    size_t cap;

    if (d == NULL)
        return 0;
    if (d->count == d->cap) {
        cap = d->cap == 0 ? 8 : d->cap * 2;
        items = realloc(d->items, cap * sizeof(*items));
        if (items == NULL)
            return -1;
        d->items = items;
        d->cap = cap;
    }
    d->items[d->count].severity = sev;
    d->items[d->count].item = item;
    d->items[d->count].err = *err;
    d->count++;
    if (sev == CERTMAP_SEV_ERROR)
        d->errors++;
    if (item)
        d->item_errors++;
    return 0;
}

int
certmap_diags_add(struct certmap_diags *d, enum certmap_severity sev,
                  const struct certmap_error *err)
{
    return diags_append(d, sev, false, err);
}

int
certmap_diags_add_item(struct certmap_diags *d, const struct certmap_error *err)
{
    return diags_append(d, CERTMAP_SEV_ERROR, true, err);
}

void
certmap_diags_free(struct certmap_diags *d)
{
    if (d == NULL)
        return;
    free(d->items);
    memset(d, 0, sizeof(*d));
}
