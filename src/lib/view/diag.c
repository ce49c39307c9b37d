/*
 * diag.c - the findings of a view build: errors that make the configuration
 * unusable, errors that disable one item (a mapping, a web.config's
 * directory), warnings and notes, each with its file:line.
 */
#include "view/internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* true when diags already holds an item error at file:line for attr (the loader's). */
static bool
item_reported(const struct certmap_diags *d, const struct certmap_error *e)
{
    if (e->line == 0)
        return false; /* no place to compare: a different finding each time */
    for (size_t i = 0; i < d->count; i++)
        if (d->items[i].item && d->items[i].err.line == e->line &&
            strcmp(d->items[i].err.file, e->file) == 0 &&
            strcmp(d->items[i].err.attribute, e->attribute) == 0)
            return true;
    return false;
}

static void
add_diag(struct vbuild *b, enum certmap_severity sev, bool item, const char *file, unsigned line,
         const char *element, const char *attr, const char *fmt, va_list ap)
{
    struct certmap_error e;
    char msg[sizeof(e.message)];
    int r;

    vsnprintf(msg, sizeof(msg), fmt, ap);
    certmap_error_set(&e, sev == CERTMAP_SEV_ERROR ? CERTMAP_ERR_INVALID : CERTMAP_ERR_NONE, file,
                      line, element, attr, "%s", msg);
    if (sev == CERTMAP_SEV_ERROR && !item)
        b->failed = true;
    if (b->diags == NULL)
        return;
    /* one error per broken item and load: the loader may have named it already */
    if (item && item_reported(b->diags, &e))
        return;
    r = item ? certmap_diags_add_item(b->diags, &e) : certmap_diags_add(b->diags, sev, &e);
    if (r != 0)
        b->failed = true;
}

void
view_diag(struct vbuild *b, enum certmap_severity sev, const char *file, unsigned line,
          const char *element, const char *attr, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    add_diag(b, sev, false, file, line, element, attr, fmt, ap);
    va_end(ap);
}

void
view_item_error(struct vbuild *b, const char *file, unsigned line, const char *element,
                const char *attr, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    add_diag(b, CERTMAP_SEV_ERROR, true, file, line, element, attr, fmt, ap);
    va_end(ap);
}
