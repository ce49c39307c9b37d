/*
 * urlrewrite.c - the server's side of the URL Rewrite engine: server
 * variables and file tests (urlrewrite.h).
 */
#include "urlrewrite.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rewrite.h"
#include "static_open.h"

const char *
urlrewrite_var(void *ctx, const char *name, size_t *len)
{
    struct urlrewrite_ctx *x = ctx;
    int n;

    if (strcasecmp(name, "REQUEST_FILENAME") == 0) {
        *len = strlen(x->physical);
        return x->physical;
    }
    if (strcasecmp(name, "HTTP_URL") == 0)
        name = "UNENCODED_URL";
    else if (strcasecmp(name, "HTTP_VERSION") == 0)
        name = "SERVER_PROTOCOL";
    n = svar_get(&x->sv, name, strlen(name), x->buf, sizeof(x->buf));
    if (n == SVAR_TOO_LONG)
        x->too_long = true;
    if (n < 0)
        return NULL;
    *len = (size_t)n;
    return x->buf;
}

int
urlrewrite_file_kind(void *ctx, const char *path, size_t len)
{
    struct urlrewrite_ctx *x = ctx;
    char rel[PATH_MAX];
    struct stat st;
    int fd, rc;

    for (size_t i = 0; i < x->sv.site->nvdirs; i++) {
        const struct snap_vdir *vd = &x->sv.site->vdirs[i];
        const char *root = vd->v->physical;
        size_t rl, n;
        if (root == NULL || vd->root_fd < 0)
            continue;
        rl = strlen(root);
        while (rl > 1 && root[rl - 1] == '/')
            rl--;
        if (len < rl || memcmp(path, root, rl) != 0 || (len > rl && path[rl] != '/'))
            continue;
        n = len - rl;
        while (n > 0 && path[len - n] == '/')
            n--;
        if (n >= sizeof(rel))
            return REWRITE_KIND_NONE;
        memcpy(rel, path + len - n, n);
        rel[n] = '\0';
        /* never above the root: ".." names nothing, as the static handler refuses it */
        if (strcmp(rel, "..") == 0 || strncmp(rel, "../", 3) == 0 || strstr(rel, "/../") != NULL ||
            (n >= 3 && strcmp(rel + n - 3, "/..") == 0))
            return REWRITE_KIND_NONE;
        if (n == 0)
            return REWRITE_KIND_DIRECTORY;
        /* resolved beneath the root, as the static handler opens files: a link out names nothing */
        fd = static_open_beneath(vd->root_fd, rel);
        if (fd < 0)
            return REWRITE_KIND_NONE;
        rc = fstat(fd, &st);
        close(fd);
        if (rc != 0)
            return REWRITE_KIND_NONE;
        if (S_ISREG(st.st_mode))
            return REWRITE_KIND_FILE;
        return S_ISDIR(st.st_mode) ? REWRITE_KIND_DIRECTORY : REWRITE_KIND_NONE;
    }
    return REWRITE_KIND_NONE;
}
