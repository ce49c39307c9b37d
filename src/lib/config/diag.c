/*
 * diag.c - findings and errors that name where: the file, the line, the
 * element and the attribute, as relayd's yyerror names file:line.
 */
#include "config/diag.h"

#include <stdarg.h>
#include <stdio.h>

#include "config/document.h"
#include "config/tree.h"

void
cfg_vdiag_at(struct certmap_config *cfg, struct certmap_diags *d, enum certmap_severity sev,
             bool item, unsigned line, const char *element, const char *attr, const char *fmt,
             va_list ap)
{
    struct certmap_error e;
    int rc;

    if (d == NULL)
        return;
    if (d->count >= DIAG_MAX) {
        if (sev == CERTMAP_SEV_ERROR)
            d->errors++;
        if (item)
            d->item_errors++;
        return;
    }
    memset(&e, 0, sizeof(e));
    e.kind = sev == CERTMAP_SEV_ERROR ? CERTMAP_ERR_INVALID : CERTMAP_ERR_NONE;
    snprintf(e.file, sizeof(e.file), "%s", cfg->name);
    e.line = line;
    snprintf(e.element, sizeof(e.element), "%s", element != NULL ? element : "");
    snprintf(e.attribute, sizeof(e.attribute), "%s", attr != NULL ? attr : "");
    vsnprintf(e.message, sizeof(e.message), fmt, ap);
    rc = item ? certmap_diags_add_item(d, &e) : certmap_diags_add(d, sev, &e);
    if (rc != 0 && sev == CERTMAP_SEV_ERROR) {
        d->errors++;
        if (item)
            d->item_errors++;
    }
}

void
cfg_diag(struct certmap_config *cfg, struct certmap_diags *d, enum certmap_severity sev,
         unsigned line, const char *element, const char *attr, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    cfg_vdiag_at(cfg, d, sev, false, line, element, attr, fmt, ap);
    va_end(ap);
}

void
cfg_err_at(struct certmap_config *cfg, struct certmap_error *err, enum certmap_error_kind kind,
           const struct cnode *n, const char *attr, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    certmap_error_set(err, kind, cfg->name, n != NULL && (n->flags & CN_ORIG) ? n->line : 0,
                      n != NULL ? n->name : NULL, attr, "%s", msg);
}
