/*
 * urlrewrite.h - what the URL Rewrite engine (src/lib/rewrite.h) asks of
 * certmapd: server variables by name and whether a path is a file or a
 * directory beneath the site.  Internal to request.c.
 */
#ifndef CERTMAP_SERVER_URLREWRITE_H
#define CERTMAP_SERVER_URLREWRITE_H

#include <stddef.h>

#include "http.h"
#include "snapshot.h"
#include "svars.h"

/* Longest value urlrewrite_var() returns: a longer one fails the evaluation (too_long). */
#define URLREWRITE_VAR_MAX 65536

/* One request as the rules see it; every pointer is borrowed for the evaluation. */
struct urlrewrite_ctx {
    struct svar_ctx sv;   /* the request's server variables (svars.h) */
    const char *physical; /* REQUEST_FILENAME: the physical file of the path, "" when none */
    bool too_long;        /* a variable the rules read was longer than URLREWRITE_VAR_MAX */
    char buf[URLREWRITE_VAR_MAX]; /* the last value returned */
};

/*
 * rewrite_env.get_var: the server variables of svars.h (HTTP_<NAME> the
 * request header NAME, REQUEST_URI, URL, the identity's and certificate's
 * variables...), plus URL Rewrite's own REQUEST_FILENAME (the physical
 * path), HTTP_URL (the raw target, as UNENCODED_URL) and HTTP_VERSION.
 * NULL for an unknown name; NULL and too_long set for a value longer than
 * URLREWRITE_VAR_MAX, which the caller turns into an error (a cut value
 * could make a condition match that should not).
 */
const char *urlrewrite_var(void *ctx, const char *name, size_t *len);

/*
 * rewrite_env.file_kind: REWRITE_KIND_FILE or _DIRECTORY when path lies
 * beneath the physical path of one of the site's virtual directories and
 * names a file or directory there (opened from the directory's root
 * descriptor, never above it: a ".." segment names nothing).
 */
int urlrewrite_file_kind(void *ctx, const char *path, size_t len);

#endif
