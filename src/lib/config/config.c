/*
 * config.c - open, close, validate and commit a configuration; the arena and
 * the tree primitives the other files share.
 */
#include "config/arena.h"
#include "config/tree.h"
#include "config/document.h"
#include "config/location.h"
#include "config/validate.h"
#include "config/handle.h"
#include "config/items.h"
#include "config/save.h"
#include "config/open.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "fileio.h"

/* A configuration larger than this is refused before parsing. */
#define CONFIG_MAX_BYTES ((size_t)512 << 20)

static const char empty_config[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                                   "<configuration>\n"
                                   "</configuration>\n";

/* ---- open / parse / close ---- */

static char *
join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);

    if (p != NULL)
        snprintf(p, n, "%s/%s", dir, name);
    return p;
}

static struct certmap_config *
config_new(const char *path, const char *name, const struct certmap_open_options *opts,
           enum cfg_kind kind)
{
    struct certmap_config *cfg = calloc(1, sizeof(*cfg));

    if (cfg == NULL)
        return NULL;
    cfg->kind = kind;
    cfg->lock_fd = -1;
    cfg->text_fd = -1;
    cfg->path = path != NULL ? strdup(path) : NULL;
    cfg->name = strdup(name);
    cfg->dir = fileio_dirname(name);
    if (opts != NULL && opts->key_file != NULL)
        cfg->key_file = strdup(opts->key_file);
    else if (cfg->dir != NULL)
        cfg->key_file = join(cfg->dir, "certmap.key");
    if (opts != NULL && opts->history_dir != NULL)
        cfg->history_dir = strdup(opts->history_dir);
    else if (cfg->dir != NULL)
        cfg->history_dir = join(cfg->dir, ".history");
    cfg->history_keep = opts != NULL && opts->history_keep != 0 ? opts->history_keep : 20;
    cfg->skip_secrets = opts != NULL && opts->skip_secrets;
    cfg->serve_only = opts != NULL && opts->serve_only;
    if ((path != NULL && cfg->path == NULL) || cfg->name == NULL || cfg->dir == NULL ||
        cfg->key_file == NULL || cfg->history_dir == NULL) {
        certmap_config_close(cfg);
        return NULL;
    }
    return cfg;
}

/* Copies the findings of from into to (may be NULL), counts beyond from's list included. */
static void
diags_copy(struct certmap_diags *to, const struct certmap_diags *from)
{
    size_t listed = 0, listed_items = 0;

    if (to == NULL)
        return;
    for (size_t i = 0; i < from->count; i++) {
        const struct certmap_diag *d = &from->items[i];
        if (d->item)
            certmap_diags_add_item(to, &d->err);
        else
            certmap_diags_add(to, d->severity, &d->err);
        listed += d->severity == CERTMAP_SEV_ERROR;
        listed_items += d->item;
    }
    /* findings beyond the list's cap still count */
    to->errors += from->errors - listed;
    to->item_errors += from->item_errors - listed_items;
}

/*
 * Loads cfg->text; moves the findings to diags; NULL-safe err.  0 when usable:
 * no structural error (item errors leave the rest of the file usable).
 */
static int
config_load(struct certmap_config *cfg, struct certmap_diags *diags, struct certmap_error *err)
{
    struct certmap_diags local = {0};
    int n;

    n = cfg_load_document(cfg, &local);
    diags_copy(diags, &local);
    if (n != 0) {
        int found = 0;
        for (size_t i = 0; i < local.count; i++)
            if (local.items[i].severity == CERTMAP_SEV_ERROR && !local.items[i].item) {
                if (err != NULL)
                    *err = local.items[i].err;
                found = 1;
                break;
            }
        if (!found)
            certmap_error_set(err, n < 0 ? CERTMAP_ERR_NOMEM : CERTMAP_ERR_INVALID, cfg->name, 0,
                              NULL, NULL, n < 0 ? "out of memory" : "invalid configuration");
        if (err != NULL && err->kind == CERTMAP_ERR_NONE)
            err->kind = CERTMAP_ERR_INVALID;
        if (n > 1 && err != NULL) {
            size_t l = strlen(err->message);
            snprintf(err->message + l, sizeof(err->message) - l, " (and %d more errors)", n - 1);
        }
    }
    certmap_diags_free(&local);
    return n == 0 ? 0 : -1;
}

/* A serve-only config once loaded: the text of 100 000 mappings is mostly their certificates,
 * which validation kept as facts (tree.h). */
static void
serve_only_pack(struct certmap_config *cfg)
{
    if (!cfg->serve_only)
        return;
    cfg->can_commit = false;
    cfg_tree_pack_text(cfg);
}

/*
 * A serve-only open reads the file as the parse goes (parse.c), so that the
 * text of 100 000 mappings (60 MB) is never whole in memory: the file is
 * opened and checked as fileio_read() checks it, and text gets room for it
 * (pages are only touched as they are read).  0, or -1 and err filled.
 */
static int
open_streamed(struct certmap_config *cfg, const char *path, struct certmap_error *err)
{
    size_t size;
    int fd = fileio_open_bounded(path, CONFIG_MAX_BYTES, &size, err), ret = -1;

    if (fd < 0)
        return -1;
    cfg->text = malloc(size + 1);
    if (cfg->text == NULL) {
        certmap_error_set(err, CERTMAP_ERR_NOMEM, path, 0, NULL, NULL, "out of memory");
        goto out;
    }
    cfg->text[size] = '\0';
    cfg->text_len = size;
    cfg->text_read = 0;
    cfg->text_fd = fd;
    fd = -1;
    ret = 0;
out:
    if (fd >= 0)
        close(fd);
    return ret;
}

static char *
lock_path(const char *path)
{
    size_t n = strlen(path) + 6;
    char *p = malloc(n);

    if (p != NULL)
        snprintf(p, n, "%s.lock", path);
    return p;
}

struct certmap_config *
certmap_config_open(const char *path, const struct certmap_open_options *opts,
                    struct certmap_diags *diags, struct certmap_error *err)
{
    return cfg_open_kind(path, opts, CFG_APPHOST, diags, err);
}

struct certmap_config *
cfg_open_kind(const char *path, const struct certmap_open_options *opts, enum cfg_kind kind,
              struct certmap_diags *diags, struct certmap_error *err)
{
    struct certmap_config *cfg = NULL;
    struct stat st;
    char *lp = NULL;

    if (path == NULL) {
        certmap_error_set(err, CERTMAP_ERR_USAGE, NULL, 0, NULL, NULL, "no configuration path");
        return NULL;
    }
    cfg = config_new(path, path, opts, kind);
    if (cfg == NULL) {
        certmap_error_set(err, CERTMAP_ERR_NOMEM, path, 0, NULL, NULL, "out of memory");
        return NULL;
    }
    /* certmap does not write web.config files: its history directory would land in the content */
    cfg->can_commit = kind == CFG_APPHOST;
    if (opts != NULL && opts->lock) {
        lp = lock_path(path);
        if (lp == NULL)
            goto nomem;
        cfg->lock_fd = fileio_lock(lp, err);
        if (cfg->lock_fd < 0)
            goto fail;
    }
    if (stat(path, &st) != 0) {
        if (errno != ENOENT || opts == NULL || !opts->create) {
            certmap_error_set(err, CERTMAP_ERR_IO, path, 0, NULL, NULL, "cannot open: %s",
                              strerror(errno));
            goto fail;
        }
        cfg->existed = false;
        cfg->st_mode = 0640;
        cfg->text = strdup(empty_config);
        if (cfg->text == NULL)
            goto nomem;
        cfg->text_len = strlen(empty_config);
    } else {
        if (cfg->serve_only
                ? open_streamed(cfg, path, err) != 0
                : fileio_read(path, &cfg->text, &cfg->text_len, CONFIG_MAX_BYTES, err) != 0)
            goto fail;
        /* identity for the commit's "changed since open" check: from the descriptor we read */
        cfg->existed = true;
        cfg->st_dev = st.st_dev;
        cfg->st_ino = st.st_ino;
        cfg->st_size = st.st_size;
        cfg->st_mtim = st.st_mtim;
        cfg->st_mode = st.st_mode & 07777;
        if ((size_t)st.st_size != cfg->text_len) {
            certmap_error_set(err, CERTMAP_ERR_IO, path, 0, NULL, NULL,
                              "file changed while being read");
            goto fail;
        }
    }
    if (config_load(cfg, diags, err) != 0)
        goto fail;
    serve_only_pack(cfg);
    free(lp);
    return cfg;
nomem:
    certmap_error_set(err, CERTMAP_ERR_NOMEM, path, 0, NULL, NULL, "out of memory");
fail:
    free(lp);
    certmap_config_close(cfg);
    return NULL;
}

struct certmap_config *
certmap_config_parse(const char *name, const char *data, size_t len,
                     const struct certmap_open_options *opts, struct certmap_diags *diags,
                     struct certmap_error *err)
{
    return cfg_parse_kind(name, data, len, opts, CFG_APPHOST, diags, err);
}

struct certmap_config *
cfg_parse_kind(const char *name, const char *data, size_t len,
               const struct certmap_open_options *opts, enum cfg_kind kind,
               struct certmap_diags *diags, struct certmap_error *err)
{
    struct certmap_config *cfg;

    if (name == NULL || data == NULL) {
        certmap_error_set(err, CERTMAP_ERR_USAGE, NULL, 0, NULL, NULL, "no name or data");
        return NULL;
    }
    if (len > CONFIG_MAX_BYTES) {
        certmap_error_set(err, CERTMAP_ERR_INVALID, name, 0, NULL, NULL,
                          "configuration too large (%zu bytes, limit %zu)", len, CONFIG_MAX_BYTES);
        return NULL;
    }
    cfg = config_new(NULL, name, opts, kind);
    if (cfg == NULL || (cfg->text = malloc(len + 1)) == NULL) {
        certmap_config_close(cfg);
        certmap_error_set(err, CERTMAP_ERR_NOMEM, name, 0, NULL, NULL, "out of memory");
        return NULL;
    }
    memcpy(cfg->text, data, len);
    cfg->text[len] = '\0';
    cfg->text_len = len;
    if (config_load(cfg, diags, err) != 0) {
        certmap_config_close(cfg);
        return NULL;
    }
    serve_only_pack(cfg);
    return cfg;
}

void
certmap_config_close(struct certmap_config *cfg)
{
    if (cfg == NULL)
        return;
    cfg_handles_free(cfg);
    cfg_arena_free(&cfg->arena);
    cfg_shared_unref(cfg->facts);
    free(cfg->locs);
    cfg_locpaths_free(&cfg->locpaths);
    cfg_locmap_free(&cfg->locmap);
    free(cfg->text);
    if (cfg->text_fd >= 0)
        close(cfg->text_fd);
    for (size_t i = 0; i < cfg->nold; i++)
        free(cfg->old_texts[i]);
    free(cfg->old_texts);
    free(cfg->broken);
    fileio_unlock(cfg->lock_fd);
    OPENSSL_cleanse(cfg->key, sizeof(cfg->key));
    free(cfg->path);
    free(cfg->name);
    free(cfg->dir);
    free(cfg->key_file);
    free(cfg->history_dir);
    free(cfg);
}

const char *
certmap_config_path(const struct certmap_config *cfg)
{
    return cfg != NULL ? (cfg->path != NULL ? cfg->path : cfg->name) : NULL;
}

const char *
certmap_config_dir(const struct certmap_config *cfg)
{
    return cfg != NULL ? cfg->dir : NULL;
}

char *
certmap_config_expand_path(const struct certmap_config *cfg, const char *value,
                           struct certmap_error *err)
{
    size_t cap = 256, n = 0;
    char *out = NULL, *res = NULL;

    if (cfg == NULL || value == NULL) {
        certmap_error_set(err, CERTMAP_ERR_USAGE, NULL, 0, NULL, NULL, "no value");
        return NULL;
    }
    out = malloc(cap);
    if (out == NULL)
        goto nomem;
    for (const char *p = value; *p != '\0';) {
        const char *add = p;
        size_t alen = 1;
        if (*p == '%') {
            const char *end = strchr(p + 1, '%');
            char name[256];
            if (end == NULL || end == p + 1 || (size_t)(end - p - 1) >= sizeof(name)) {
                certmap_error_set(err, CERTMAP_ERR_INVALID, cfg->name, 0, NULL, NULL,
                                  "malformed %%VARIABLE%% reference in \"%s\"", value);
                goto out;
            }
            snprintf(name, sizeof(name), "%.*s", (int)(end - p - 1), p + 1);
            add = getenv(name);
            if (add == NULL) {
                certmap_error_set(err, CERTMAP_ERR_INVALID, cfg->name, 0, NULL, NULL,
                                  "environment variable %s is not set (in \"%s\")", name, value);
                goto out;
            }
            alen = strlen(add);
            p = end + 1;
        } else {
            p++;
        }
        while (n + alen + 1 > cap) {
            char *q = realloc(out, cap * 2);
            if (q == NULL)
                goto nomem;
            out = q;
            cap *= 2;
        }
        memcpy(out + n, add, alen);
        n += alen;
    }
    out[n] = '\0';
    if (out[0] == '/' || out[0] == '\0') {
        res = out;
        out = NULL;
    } else {
        res = join(cfg->dir, out);
        if (res == NULL)
            goto nomem;
    }
    goto out;
nomem:
    certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL, "out of memory");
out:
    free(out);
    return res;
}

/* ---- validate and commit ---- */

/*
 * Re-parses the serialized document into *text.  Refused (-1, err) when it has
 * a structural error, or an item error on a value that was not already broken
 * in cfg's document: a write may leave a broken mapping as it found it, never
 * break one.  Every finding goes to diags (may be NULL).  On success and with
 * broken not NULL, *broken and *nbroken take the new document's broken values.
 */
static int
check_document(struct certmap_config *cfg, struct certmap_diags *diags, char **text, size_t *len,
               unsigned char (**broken)[32], size_t *nbroken, struct certmap_error *err)
{
    struct certmap_open_options o = {.key_file = cfg->key_file, .skip_secrets = cfg->skip_secrets};
    struct certmap_diags local = {0};
    struct certmap_config *check = NULL;
    size_t first, k = 0;
    int ret = -1;

    *text = NULL;
    if (cfg->serve_only)
        return certmap_error_set(err, CERTMAP_ERR_USAGE, cfg->name, 0, NULL, NULL,
                                 "a configuration opened to serve cannot be checked or written");
    if (cfg_save_document(cfg, text, len) != 0)
        return certmap_error_set(err, CERTMAP_ERR_NOMEM, cfg->name, 0, NULL, NULL, "out of memory");
    check = certmap_config_parse(cfg->name, *text, *len, &o, &local, err);
    if (check == NULL)
        goto out;
    first = cfg_broken_first_new(cfg, check);
    if (first == (size_t)-2) {
        certmap_error_set(err, CERTMAP_ERR_NOMEM, cfg->name, 0, NULL, NULL, "out of memory");
        goto out;
    }
    if (first != (size_t)-1) {
        /* the first-th item error is the first-th broken value (one each, in document order) */
        certmap_error_set(err, CERTMAP_ERR_INVALID, cfg->name, 0, NULL, NULL,
                          "the change would break an item that was usable");
        for (size_t i = 0; i < local.count; i++)
            if (local.items[i].item && k++ == first) {
                *err = local.items[i].err;
                break;
            }
        goto out;
    }
    if (broken != NULL) {
        *broken = check->broken;
        *nbroken = check->nbroken;
        check->broken = NULL;
    }
    ret = 0;
out:
    diags_copy(diags, &local);
    certmap_diags_free(&local);
    certmap_config_close(check);
    if (ret != 0) {
        free(*text);
        *text = NULL;
    }
    return ret;
}

int
certmap_config_validate(struct certmap_config *cfg, struct certmap_diags *diags)
{
    struct certmap_diags local = {0};
    char *text = NULL;
    size_t len;
    struct certmap_error e;
    int ret;

    if (cfg == NULL)
        return -1;
    ret = check_document(cfg, &local, &text, &len, NULL, NULL, &e);
    if (local.errors > 0)
        ret = -1;
    /* refused before any check ran: say why */
    if (ret != 0 && local.count == 0 && e.kind == CERTMAP_ERR_USAGE)
        certmap_diags_add(&local, CERTMAP_SEV_ERROR, &e);
    diags_copy(diags, &local);
    certmap_diags_free(&local);
    free(text);
    return ret;
}

static bool
same_file(const struct certmap_config *cfg, const struct stat *st)
{
    return st->st_dev == cfg->st_dev && st->st_ino == cfg->st_ino && st->st_size == cfg->st_size &&
           st->st_mtim.tv_sec == cfg->st_mtim.tv_sec && st->st_mtim.tv_nsec == cfg->st_mtim.tv_nsec;
}

/* Fails when the file is not what was opened (another writer got there first). */
static int
check_unchanged(struct certmap_config *cfg, struct certmap_error *err)
{
    struct stat st;
    char *now = NULL;
    size_t len = 0;
    int ret = -1;

    if (stat(cfg->path, &st) != 0) {
        if (errno == ENOENT && !cfg->existed)
            return 0;
        return certmap_error_set(err, CERTMAP_ERR_IO, cfg->path, 0, NULL, NULL,
                                 errno == ENOENT ? "file was removed since it was opened"
                                                 : "cannot stat: %s",
                                 strerror(errno));
    }
    if (!cfg->existed)
        return certmap_error_set(err, CERTMAP_ERR_IO, cfg->path, 0, NULL, NULL,
                                 "file was created by someone else since it was opened");
    if (same_file(cfg, &st))
        return 0;
    /* touched but maybe not changed: compare the bytes */
    if (fileio_read(cfg->path, &now, &len, CONFIG_MAX_BYTES, err) != 0)
        return -1;
    if (len == cfg->text_len && memcmp(now, cfg->text, len) == 0)
        ret = 0;
    else
        certmap_error_set(err, CERTMAP_ERR_IO, cfg->path, 0, NULL, NULL,
                          "file changed on disk since it was opened; reopen and retry");
    free(now);
    return ret;
}

/* Length of the "YYYYMMDDTHHMMSS.NNNNNNNNNZ" suffix save_history() puts after "<name>.". */
#define HISTORY_STAMP_LEN 26

/*
 * true when name is one of save_history()'s copies of base: "<base>.<stamp>".
 * Another file's copies may share the directory ("<base>.bak.<stamp>" starts
 * the same way) and must not be pruned or counted as ours.
 */
static bool
is_history_copy(const char *name, const char *base, size_t blen)
{
    const char *stamp = name + blen + 1;

    if (strncmp(name, base, blen) != 0 || name[blen] != '.' || strlen(stamp) != HISTORY_STAMP_LEN ||
        stamp[8] != 'T' || stamp[15] != '.' || stamp[HISTORY_STAMP_LEN - 1] != 'Z')
        return false;
    for (size_t i = 0; i < HISTORY_STAMP_LEN - 1; i++)
        if (i != 8 && i != 15 && (stamp[i] < '0' || stamp[i] > '9'))
            return false;
    return true;
}

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Keeps the previous file as <history>/<name>.<UTC time>.<ns>, at most history_keep of them. */
static int
save_history(struct certmap_config *cfg, struct certmap_error *err)
{
    const char *base = strrchr(cfg->path, '/');
    char name[1024], *full = NULL, **names = NULL;
    struct timespec ts;
    struct tm tm;
    size_t n = 0, cap = 0, blen;
    DIR *d = NULL;
    struct dirent *de;
    struct stat like;
    int ret = -1;

    base = base != NULL ? base + 1 : cfg->path;
    blen = strlen(base);
    /* The copy is the file as it was: same owner, group and mode (fileio.h). */
    if (stat(cfg->path, &like) != 0)
        return certmap_error_set(err, CERTMAP_ERR_IO, cfg->path, 0, NULL, NULL, "cannot stat: %s",
                                 strerror(errno));
    if (mkdir(cfg->history_dir, 0700) == 0) {
        /* Root's first commit must not leave a directory the file's owner cannot write. */
        if (geteuid() == 0 && chown(cfg->history_dir, like.st_uid, like.st_gid) != 0)
            return certmap_error_set(err, CERTMAP_ERR_IO, cfg->history_dir, 0, NULL, NULL,
                                     "cannot give the history directory to owner %ld: %s",
                                     (long)like.st_uid, strerror(errno));
    } else if (errno != EEXIST) {
        return certmap_error_set(err, CERTMAP_ERR_IO, cfg->history_dir, 0, NULL, NULL,
                                 "cannot create history directory: %s", strerror(errno));
    }
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    snprintf(name, sizeof(name), "%s.%04d%02d%02dT%02d%02d%02d.%09ldZ", base, tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec);
    full = join(cfg->history_dir, name);
    if (full == NULL)
        goto nomem;
    if (fileio_write_atomic_as(full, cfg->text, cfg->text_len, &like, err) != 0)
        goto out;
    d = opendir(cfg->history_dir);
    if (d == NULL) {
        ret = 0; /* the copy is there; pruning can wait for the next commit */
        goto out;
    }
    while ((de = readdir(d)) != NULL) {
        if (!is_history_copy(de->d_name, base, blen))
            continue;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 32;
            char **p = realloc(names, ncap * sizeof(*p));
            if (p == NULL)
                goto nomem;
            names = p;
            cap = ncap;
        }
        names[n] = strdup(de->d_name);
        if (names[n] == NULL)
            goto nomem;
        n++;
    }
    qsort(names, n, sizeof(*names), cmp_str);
    for (size_t i = 0; i + cfg->history_keep < n; i++) {
        char *old = join(cfg->history_dir, names[i]);
        if (old != NULL)
            unlink(old);
        free(old);
    }
    ret = 0;
    goto out;
nomem:
    certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL, "out of memory");
out:
    if (d != NULL)
        closedir(d);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    free(full);
    return ret;
}

int
certmap_config_commit(struct certmap_config *cfg, struct certmap_error *err)
{
    char *text = NULL, *lp = NULL;
    size_t len = 0, nbroken = 0;
    unsigned char(*broken)[32] = NULL;
    int lock_fd = -1, ret = -1;
    struct stat st;
    char **olds;

    if (cfg == NULL)
        return certmap_error_set(err, CERTMAP_ERR_USAGE, NULL, 0, NULL, NULL, "no configuration");
    if (!cfg->can_commit)
        return certmap_error_set(err, CERTMAP_ERR_USAGE, cfg->name, 0, NULL, NULL,
                                 cfg->serve_only ? "a configuration opened to serve cannot be "
                                                   "written"
                                 : cfg->kind == CFG_WEBCONFIG
                                     ? "certmap does not write web.config files"
                                     : "a configuration parsed from memory cannot be committed");
    /* never write a file that would not load, or that breaks what worked */
    if (check_document(cfg, NULL, &text, &len, &broken, &nbroken, err) != 0)
        return -1;
    if (cfg->lock_fd < 0) {
        lp = lock_path(cfg->path);
        if (lp == NULL)
            goto nomem;
        lock_fd = fileio_lock(lp, err);
        if (lock_fd < 0)
            goto out;
    }
    if (check_unchanged(cfg, err) != 0)
        goto out;
    /* attributes may still point into the old text: it is kept until close */
    olds = realloc(cfg->old_texts, (cfg->nold + 1) * sizeof(*olds));
    if (olds == NULL)
        goto nomem;
    cfg->old_texts = olds;
    if (cfg->existed && save_history(cfg, err) != 0)
        goto out;
    if (fileio_write_atomic(cfg->path, text, len, cfg->st_mode, err) != 0)
        goto out;
    if (stat(cfg->path, &st) == 0) {
        cfg->st_dev = st.st_dev;
        cfg->st_ino = st.st_ino;
        cfg->st_size = st.st_size;
        cfg->st_mtim = st.st_mtim;
    }
    cfg->existed = true;
    /* what the file now holds is the base of the next commit */
    free(cfg->broken);
    cfg->broken = broken;
    cfg->nbroken = cfg->capbroken = nbroken;
    broken = NULL;
    cfg->old_texts[cfg->nold++] = cfg->text;
    cfg_save_rebase(cfg, text, len);
    text = NULL;
    ret = 0;
    goto out;
nomem:
    certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL, "out of memory");
out:
    fileio_unlock(lock_fd);
    free(lp);
    free(text);
    free(broken);
    return ret;
}
