/*
 * urlrewrite.h - what the URL Rewrite engine (src/lib/rewrite.h) asks of
 * certmapd: server variables by name and whether a path is a file or a
 * directory beneath the site.  Internal to request.c.
 */
#ifndef CERTMAP_SERVER_URLREWRITE_H
#define CERTMAP_SERVER_URLREWRITE_H

#include <stddef.h>

#include "http.h"
#include "identity.h"
#include "snapshot.h"

/* Longest value urlrewrite_var() returns (a longer value is cut). */
#define URLREWRITE_VAR_MAX 4096

/* One request as the rules see it; every pointer is borrowed for the evaluation. */
struct urlrewrite_ctx {
    const struct http_request *req;
    const struct identity *id;
    const struct snap_site *site;
    const char *path; /* current decoded path ('/' first) */
    size_t path_len;
    const char *physical;         /* REQUEST_FILENAME: the physical file of path, "" when none */
    char buf[URLREWRITE_VAR_MAX]; /* the last value returned */
};

/*
 * rewrite_env.get_var: HTTP_<NAME> is the request header NAME ('_' for '-',
 * case-insensitive; several are joined with ","), REQUEST_URI the raw target,
 * REQUEST_METHOD, SERVER_PROTOCOL, URL and PATH_INFO the current path,
 * REQUEST_FILENAME the physical path, HTTP_URL the raw target, and the
 * identity's variables (identity_var()).  NULL for other names.
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
