/*
 * ssi.h - IIS-style server-side includes: `<!--#echo var="NAME"-->`.
 *
 * IIS's ServerSideInclude module renders .stm, .shtm and .shtml files,
 * replacing each #echo directive with a server variable.  certmapd supports
 * #echo only (no #include or #exec: nothing that reaches the file system or
 * runs programs), which is what an identity page needs: LOGON_USER,
 * AUTH_TYPE, CERT_SUBJECT... (svar_get()).  Values are HTML-escaped.
 */
#ifndef CERTMAP_SERVER_SSI_H
#define CERTMAP_SERVER_SSI_H

#include <stdbool.h>
#include <stddef.h>

#include "svars.h"

/* Largest SSI file rendered; a larger one is answered 500 by the caller. */
#define SSI_MAX_FILE (1024 * 1024)

/* Largest value one #echo renders (ALL_RAW of a large request head fits). */
#define SSI_MAX_VALUE (1024 * 1024)

/* true when path ends in .stm, .shtm or .shtml (case-insensitive). */
bool ssi_is_ssi_path(const char *path, size_t len);

/*
 * Renders src[0..len) for the request ctx into a malloc'd *out (*out_len
 * bytes; the caller frees).  An unknown variable renders as "(none)" as IIS
 * does; any other directive is removed.  0, or -1 when memory runs out or a
 * value is larger than SSI_MAX_VALUE (never a cut value).
 */
int ssi_render(const char *src, size_t len, const struct svar_ctx *ctx, char **out,
               size_t *out_len);

#endif
