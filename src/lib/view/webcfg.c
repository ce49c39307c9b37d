/*
 * webcfg.c - web.config files as the innermost configuration layers.
 *
 * For each virtual directory of a site, the directory tree under its
 * physical path is walked (only its root when allowSubDirConfig="false", as
 * IIS does), and each directory holding a web.config becomes a scope spelled
 * as the disk spells it.  A web.config is checked against the locks above it
 * (applicationHost.config, then the web.config files of the directories
 * above, outermost first); a locked, malformed or fail-closed web.config
 * makes its directory and everything below answer 500.19 and is logged with
 * its place and the lock's; the rest of the site keeps working.
 *
 * The walk never follows symbolic links (the static handler does not either)
 * and stops at the root of another virtual directory (that URL is served
 * from elsewhere).  It is bounded: past VIEW_MAX_DIRS directories or
 * VIEW_MAX_DEPTH levels the configuration is refused, never half read.
 */
#include "view/internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/lock.h"
#include "config/webconfig.h"

/* A web.config found by the walk. */
struct found {
    char *path;                 /* the file (malloc) */
    char *url;                  /* its directory's URL path below the site, "" for the root */
    unsigned nseg;              /* segments of url */
    struct certmap_config *web; /* loaded and allowed, or NULL */
};

struct walk {
    struct vbuild *b;
    struct vsite *s;
    const struct certmap_vdir *vdir;
    struct found *found; /* every web.config of the site (malloc) */
    size_t nfound, capfound;
};

static int
keep_web(struct vbuild *b, struct certmap_config *web)
{
    if (b->nwebs == b->capwebs) {
        size_t ncap = b->capwebs ? b->capwebs * 2 : 8;
        struct certmap_config **p = realloc(b->webs, ncap * sizeof(*p));
        if (p == NULL)
            return -1;
        b->webs = p;
        b->capwebs = ncap;
    }
    b->webs[b->nwebs++] = web;
    return 0;
}

static int
keep_dir(struct vbuild *b, const char *path)
{
    struct certmap_view *v = b->v;
    char *copy;

    if (v->ndirs == v->capdirs) {
        size_t ncap = v->capdirs ? v->capdirs * 2 : 16;
        const char **p = realloc(v->dirs, ncap * sizeof(*p));
        if (p == NULL)
            return -1;
        v->dirs = p;
        v->capdirs = ncap;
    }
    copy = cfg_arena_strdup(&v->arena, path);
    if (copy == NULL)
        return -1;
    v->dirs[v->ndirs++] = copy;
    return 0;
}

/* Makes sc (and, through inheritance, what is below) answer 500.19 with why. */
static int
fail_scope(struct vbuild *b, struct vscope *sc, const char *why)
{
    if (sc->pub.error_status != 0)
        return 0; /* the first reason stays */
    sc->pub.error_status = 500;
    sc->pub.error_substatus = 19;
    sc->pub.error = cfg_arena_strdup(&b->v->arena, why);
    return sc->pub.error != NULL ? 0 : -1;
}

/* Copies the findings of one web.config: its errors disable that directory only. */
static void
take_diags(struct vbuild *b, const struct certmap_diags *d)
{
    for (size_t i = 0; i < d->count; i++) {
        const struct certmap_error *e = &d->items[i].err;
        if (d->items[i].severity == CERTMAP_SEV_ERROR)
            view_item_error(b, e->file[0] ? e->file : NULL, e->line,
                            e->element[0] ? e->element : NULL,
                            e->attribute[0] ? e->attribute : NULL, "%s", e->message);
        else
            view_diag(b, d->items[i].severity, e->file[0] ? e->file : NULL, e->line,
                      e->element[0] ? e->element : NULL, e->attribute[0] ? e->attribute : NULL,
                      "%s", e->message);
    }
}

/* The path of url (below the site) relative to the directory at base ("" or "/a"). */
static const char *
relative(const char *url, const char *base)
{
    const char *r = url + strlen(base);

    return *r == '/' ? r + 1 : r;
}

/* Checks the locks above web; 0 when allowed, 1 when refused (scope failed), -1 on failure. */
/* true when base ("" or "/a") is url or a directory above it, case-insensitively. */
static bool
above(const char *base, const char *url)
{
    size_t n = strlen(base);

    return strncasecmp(base, url, n) == 0 && (url[n] == '\0' || url[n] == '/');
}

static int
check_locks(struct walk *w, struct certmap_config *web, const char *url, struct vscope *sc)
{
    struct vbuild *b = w->b;
    struct lock_layer *layers;
    struct lock_violations viol = {0};
    struct certmap_error err = {0};
    char *host_path = NULL;
    size_t n = 1;
    int ret = -1;

    layers = calloc(w->nfound + 1, sizeof(*layers));
    if (layers == NULL || asprintf(&host_path, "%s%s", w->s->pub.name, url) < 0) {
        free(layers);
        return -1;
    }
    layers[0].cfg = b->cfg;
    layers[0].path = host_path;
    /* the web.config files of the directories above, outermost first (found is by depth) */
    for (size_t i = 0; i < w->nfound; i++)
        if (w->found[i].web != NULL && w->found[i].web != web &&
            strlen(w->found[i].url) < strlen(url) && above(w->found[i].url, url)) {
            layers[n].cfg = w->found[i].web;
            layers[n].path = relative(url, w->found[i].url);
            n++;
        }
    if (lock_check_webconfig(layers, n, web, &viol, &err) != 0) {
        view_diag(b, CERTMAP_SEV_ERROR, err.file, err.line, NULL, NULL, "%s", err.message);
        goto out;
    }
    ret = 0;
    for (size_t i = 0; i < viol.count; i++)
        view_item_error(b, NULL, 0, NULL, NULL, "%s; requests under %s/ get 500.19",
                        viol.items[i].message, url);
    if (viol.count > 0) {
        ret = fail_scope(b, sc, viol.items[0].message) == 0 ? 1 : -1;
        goto out;
    }
out:
    lock_violations_free(&viol);
    free(host_path);
    free(layers);
    return ret;
}

/*
 * Loads the web.config at path for the directory at url; on success its
 * sections become layers of the scopes it names.  *web is the loaded config
 * (NULL when the directory has none usable).  -1 on allocation failure.
 */
static int
read_webconfig(struct walk *w, const char *path, const char *url, struct certmap_config **web)
{
    struct vbuild *b = w->b;
    struct certmap_open_options oo = {.key_file = b->cfg->key_file, .skip_secrets = true};
    struct certmap_diags d = {0};
    struct certmap_error err = {0};
    struct vscope *sc;
    int r, ret = -1;

    *web = NULL;
    sc = view_scope_add(b, w->s, url, CERTMAP_SCOPE_WEBCONFIG, VIEW_RANK_WEBCONFIG);
    if (sc == NULL)
        return -1;
    r = webconfig_open(path, &oo, web, &d, &err);
    if (r != 0) {
        /* IIS answers 500.19 when a web.config cannot be read */
        take_diags(b, &d);
        if (d.errors == 0)
            view_item_error(b, err.file[0] ? err.file : path, err.line, NULL, NULL, "%s",
                            err.message);
        ret = fail_scope(b, sc, err.message[0] ? err.message : "the web.config cannot be read");
        goto out;
    }
    if (*web == NULL) {
        ret = 0; /* removed since the walk saw it */
        goto out;
    }
    if (keep_web(b, *web) != 0) {
        certmap_config_close(*web);
        *web = NULL;
        goto out;
    }
    take_diags(b, &d);
    certmap_diags_free(&d);
    /* fail closed: a restricting rule of a section certmap does not enforce */
    if (unenforced_check_in(b->cfg, *web, &d) > 0) {
        take_diags(b, &d);
        ret = fail_scope(b, sc, d.items[0].err.message);
        *web = NULL;
        goto out;
    }
    take_diags(b, &d);
    r = check_locks(w, *web, url, sc);
    if (r != 0) {
        ret = r < 0 ? -1 : 0;
        *web = NULL;
        goto out;
    }
    ret = 0;
    for (size_t i = 0; i < (*web)->nlocs && ret == 0; i++) {
        const struct cloc *l = &(*web)->locs[i];
        struct vscope *target = sc;
        char *sub = NULL;

        if (!cfg_node_live(l->node))
            continue;
        if (l->nseg > 0) {
            if (asprintf(&sub, "%s/%s", url, l->path) < 0)
                return -1;
            target = view_scope_add(b, w->s, sub, CERTMAP_SCOPE_LOCATION, VIEW_RANK_LOCATION);
            free(sub);
        }
        if (target == NULL || view_scope_add_layer(target, l->node, *web, l->no_inherit) != 0)
            ret = -1;
    }
out:
    certmap_diags_free(&d);
    return ret;
}

/* true when name is "web.config" in any case (NTFS, where the files come from, ignores case). */
static bool
is_webconfig(const char *name)
{
    return strcasecmp(name, "web.config") == 0;
}

static int walk_dir(struct walk *w, int dfd, const char *path, const char *url, unsigned depth);

static int
add_found(struct walk *w, const char *dir, const char *name, const char *url)
{
    struct found *f;

    if (w->nfound == w->capfound) {
        size_t ncap = w->capfound ? w->capfound * 2 : 8;
        f = realloc(w->found, ncap * sizeof(*f));
        if (f == NULL)
            return -1;
        w->found = f;
        w->capfound = ncap;
    }
    f = &w->found[w->nfound];
    memset(f, 0, sizeof(*f));
    if (asprintf(&f->path, "%s/%s", dir, name) < 0)
        return -1;
    f->url = strdup(url);
    if (f->url == NULL) {
        free(f->path);
        return -1;
    }
    for (const char *p = url; *p != '\0'; p++)
        f->nseg += *p == '/';
    w->nfound++;
    return 0;
}

static int
cmp_found(const void *a, const void *b)
{
    const struct found *x = a, *y = b;

    if (x->nseg != y->nseg)
        return x->nseg < y->nseg ? -1 : 1;
    return strcmp(x->url, y->url);
}

/* The subdirectories of the directory open at dfd (listed in names). */
static int
walk_children(struct walk *w, int dfd, const char *path, const char *url, unsigned depth,
              char **names, size_t n)
{
    int ret = 0;

    for (size_t i = 0; i < n && ret == 0; i++) {
        char *cpath = NULL, *curl = NULL;
        struct vscope *other;
        int cfd;

        if (asprintf(&cpath, "%s/%s", path, names[i]) < 0 ||
            asprintf(&curl, "%s/%s", url, names[i]) < 0) {
            free(cpath);
            return -1;
        }
        other = view_scope_find(w->s, curl, strlen(curl));
        /* another virtual directory serves this URL: its own walk reads it */
        if (other == NULL || other->vdir_own == NULL) {
            cfd = openat(dfd, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (cfd >= 0)
                ret = walk_dir(w, cfd, cpath, curl, depth + 1);
        }
        free(cpath);
        free(curl);
    }
    return ret;
}

/* Reads the web.config of the directory open at dfd (closed here), then its subdirectories. */
static int
walk_dir(struct walk *w, int dfd, const char *path, const char *url, unsigned depth)
{
    struct vbuild *b = w->b;
    char **names = NULL, *wc = NULL;
    size_t n = 0, cap = 0, nwc = 0;
    struct dirent *de;
    DIR *dir;
    int ret = -1;

    if (depth > VIEW_MAX_DEPTH || b->v->ndirs >= VIEW_MAX_DIRS) {
        view_diag(b, CERTMAP_SEV_ERROR, w->vdir->src.file, w->vdir->src.line, "virtualDirectory",
                  "physicalPath",
                  "%s: more than %u directories or %u levels to search for web.config files; "
                  "set allowSubDirConfig=\"false\" on the virtual directory to read only its "
                  "root's web.config",
                  w->vdir->physical, VIEW_MAX_DIRS, VIEW_MAX_DEPTH);
        close(dfd);
        return 0;
    }
    dir = fdopendir(dfd);
    if (dir == NULL) {
        close(dfd);
        return 0; /* unreadable: the static handler answers for it */
    }
    if (keep_dir(b, path) != 0)
        goto out;
    while ((de = readdir(dir)) != NULL) {
        struct stat st;
        bool is_dir;

        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (is_webconfig(de->d_name)) {
            nwc++;
            free(wc);
            wc = strdup(de->d_name);
            if (wc == NULL)
                goto out;
            continue;
        }
        is_dir = de->d_type == DT_DIR;
        if (de->d_type == DT_UNKNOWN)
            is_dir = fstatat(dirfd(dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                     S_ISDIR(st.st_mode);
        if (!is_dir || !w->vdir->sub_dir_config)
            continue;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            char **p = realloc(names, ncap * sizeof(*p));
            if (p == NULL)
                goto out;
            names = p;
            cap = ncap;
        }
        names[n] = strdup(de->d_name);
        if (names[n] == NULL)
            goto out;
        n++;
    }
    if (nwc > 1) {
        /* NTFS could not hold both: which one IIS would read is unknowable */
        struct vscope *sc =
            view_scope_add(b, w->s, url, CERTMAP_SCOPE_WEBCONFIG, VIEW_RANK_WEBCONFIG);
        char why[512];
        snprintf(why, sizeof(why), "%s: more than one web.config whose names differ only in case",
                 path);
        view_item_error(b, NULL, 0, NULL, NULL, "%s; requests under %s/ get 500.19", why, url);
        ret = sc != NULL ? fail_scope(b, sc, why) : -1;
        goto out;
    }
    if (wc != NULL && add_found(w, path, wc, url) != 0)
        goto out;
    ret = walk_children(w, dirfd(dir), path, url, depth, names, n);
out:
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    free(wc);
    closedir(dir);
    return ret;
}

int
webcfg_scan_site(struct vbuild *b, struct vsite *s)
{
    struct walk w = {.b = b, .s = s};
    int ret = 0;

    for (size_t i = 0; i < s->pub.nvdirs && ret == 0; i++) {
        const struct certmap_vdir *d = &s->vdirs[i];
        int fd;

        if (d->physical == NULL)
            continue;
        fd = open(d->physical, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
            continue; /* reported by the server when it opens the root */
        w.vdir = d;
        ret = walk_dir(&w, fd, d->physical, d->url, 0);
    }
    /* outer files first, so that each is checked against every lock above it */
    if (w.nfound > 1)
        qsort(w.found, w.nfound, sizeof(*w.found), cmp_found);
    for (size_t i = 0; i < w.nfound && ret == 0; i++)
        ret = read_webconfig(&w, w.found[i].path, w.found[i].url, &w.found[i].web);
    for (size_t i = 0; i < w.nfound; i++) {
        free(w.found[i].path);
        free(w.found[i].url);
    }
    free(w.found);
    return ret;
}

/* The entry of the directory open at dfd named like seg[0..len) in another case, if only one. */
static bool
disk_spelling(int dfd, const char *seg, size_t len, char *out, size_t size)
{
    struct dirent *de;
    size_t found = 0;
    DIR *dir;

    dir = fdopendir(dfd);
    if (dir == NULL) {
        close(dfd);
        return false;
    }
    while ((de = readdir(dir)) != NULL) {
        if (strlen(de->d_name) != len || strncasecmp(de->d_name, seg, len) != 0)
            continue;
        if (strncmp(de->d_name, seg, len) == 0) {
            found = 0; /* the configuration's own spelling exists: it wins */
            break;
        }
        if (found++ == 0 && len < size)
            memcpy(out, de->d_name, len);
    }
    closedir(dir);
    return found == 1;
}

void
webcfg_respell_scope(struct vbuild *b, struct vscope *sc)
{
    const struct certmap_scope *parent = sc->pub.parent;
    const struct certmap_vdir *vd = sc->pub.vdir;
    size_t from, i;
    char *path = (char *)sc->pub.path, *dirpath;

    (void)b;
    if (vd == NULL || vd->physical == NULL || parent == NULL ||
        sc->spell_rank >= VIEW_RANK_WEBCONFIG)
        return;
    /* only the segments below both the parent (already spelled) and the vdir root */
    from = parent->path_len > vd->url_len ? parent->path_len : vd->url_len;
    if (from >= sc->pub.path_len)
        return;
    for (i = from; i < sc->pub.path_len;) {
        size_t seg = i + 1, end = seg;
        char name[256];
        int fd;

        while (end < sc->pub.path_len && path[end] != '/')
            end++;
        if (asprintf(&dirpath, "%s%.*s", vd->physical, (int)(i - vd->url_len), path + vd->url_len) <
            0)
            return;
        fd = open(dirpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        free(dirpath);
        if (fd < 0)
            return; /* not on disk (yet): the configuration's spelling stays */
        /* a directory spelled otherwise on disk is that directory (NTFS would say the same) */
        if (disk_spelling(fd, path + seg, end - seg, name, sizeof(name)))
            memcpy(path + seg, name, end - seg);
        i = end;
    }
}
