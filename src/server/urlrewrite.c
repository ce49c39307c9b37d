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

/* Copies s into the context's buffer (cut at its size). */
static const char *
keep(struct urlrewrite_ctx *x, const char *s, size_t n, size_t *len)
{
    if (n >= sizeof(x->buf))
        n = sizeof(x->buf) - 1;
    memcpy(x->buf, s, n);
    x->buf[n] = '\0';
    *len = n;
    return x->buf;
}

/* The request headers named like HTTP_<rest> ('_' matches '-'), joined with ",". */
static const char *
header_var(struct urlrewrite_ctx *x, const char *rest, size_t *len)
{
    size_t rl = strlen(rest), n = 0;
    bool found = false;

    for (size_t i = 0; i < x->req->header_count; i++) {
        const struct http_header *h = &x->req->headers[i];
        size_t k;
        if (h->name_len != rl)
            continue;
        for (k = 0; k < rl; k++) {
            char a = h->name[k], b = rest[k];
            if (a == '-')
                a = '_';
            if ((a | 0x20) != (b | 0x20) && a != b)
                break;
        }
        if (k < rl)
            continue;
        if (found && n + 1 < sizeof(x->buf))
            x->buf[n++] = ',';
        for (k = 0; k < h->value_len && n + 1 < sizeof(x->buf); k++)
            x->buf[n++] = h->value[k];
        found = true;
    }
    x->buf[n] = '\0';
    *len = n;
    return found ? x->buf : NULL;
}

const char *
urlrewrite_var(void *ctx, const char *name, size_t *len)
{
    struct urlrewrite_ctx *x = ctx;
    const struct http_request *req = x->req;
    int n;

    if (strncasecmp(name, "HTTP_", 5) == 0 && strcasecmp(name, "HTTP_URL") != 0 &&
        strcasecmp(name, "HTTP_VERSION") != 0)
        return header_var(x, name + 5, len);
    if (strcasecmp(name, "REQUEST_URI") == 0 || strcasecmp(name, "HTTP_URL") == 0 ||
        strcasecmp(name, "UNENCODED_URL") == 0)
        return keep(x, req->target, req->target_len, len);
    if (strcasecmp(name, "REQUEST_METHOD") == 0)
        return keep(x, req->method_str, req->method_len, len);
    if (strcasecmp(name, "SERVER_PROTOCOL") == 0 || strcasecmp(name, "HTTP_VERSION") == 0)
        return keep(x, req->minor_version == 0 ? "HTTP/1.0" : "HTTP/1.1", 8, len);
    if (strcasecmp(name, "URL") == 0 || strcasecmp(name, "PATH_INFO") == 0 ||
        strcasecmp(name, "SCRIPT_NAME") == 0)
        return keep(x, x->path, x->path_len, len);
    if (strcasecmp(name, "REQUEST_FILENAME") == 0 || strcasecmp(name, "PATH_TRANSLATED") == 0)
        return keep(x, x->physical, strlen(x->physical), len);
    if (x->id == NULL)
        return NULL;
    if (strcasecmp(name, "SERVER_PORT_SECURE") == 0)
        return keep(x, x->id->https ? "1" : "0", 1, len);
    n = identity_var(x->id, name, x->buf, sizeof(x->buf));
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

    for (size_t i = 0; i < x->site->nvdirs; i++) {
        const struct snap_vdir *vd = &x->site->vdirs[i];
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
