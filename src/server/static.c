/*
 * static.c - static files under a virtual directory's physicalPath.
 *
 * The request path arrives decoded (once, by the caller) and is checked
 * first (check_path), then opened relative to the root descriptor by the
 * kernel with RESOLVE_BENEATH (static_open_beneath(), static_open.c), so
 * that the confinement does not depend on our lexical
 * checks: those only make the answers precise (400 for a '..' segment rather
 * than a 404 from the kernel).  Then the default documents, the MIME type,
 * the validators (ETag, Last-Modified), the conditional headers and the
 * range are evaluated in the order of RFC 9110 §13.2.2.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codec.h"
#include "http.h"
#include "mime.h"
#include "static.h"
#include "static_open.h"

/* IIS's default documents that are static files, in IIS's order. */
static const char *const default_docs[] = {"default.htm", "index.htm", "index.html",
                                           "iisstart.htm"};

/* ---- path decoding ---------------------------------------------------- */

/*
 * True when s[0..len) is well-formed UTF-8 in its shortest form, without
 * surrogates and not above U+10FFFF (RFC 3629 §4).  Overlong forms such as
 * C0 AE ('.') are the classic way around path checks, hence the rigour.
 */
static int
utf8_valid(const unsigned char *s, size_t len)
{
    size_t i = 0;

    while (i < len) {
        unsigned char c = s[i];
        size_t n, k;
        uint32_t cp;

        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            n = 1;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 2;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 3;
            cp = c & 0x07;
        } else {
            return 0; /* continuation byte, C0/C1 (overlong) or F5..FF */
        }
        if (len - i <= n)
            return 0;
        for (k = 1; k <= n; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        i += n + 1;
    }
    return 1;
}

/*
 * Checks the decoded path[0..len) and copies it into out as a path
 * relative to the root: no leading '/', "." for the root itself.
 * *trailing_slash tells whether the path ends with '/' (an empty path, the
 * virtual directory without its slash, does not).  Returns 0, or the HTTP
 * status to answer with *substatus.
 */
static int
check_path(const char *path, size_t len, char *out, size_t outsize, int *trailing_slash,
           int *substatus)
{
    size_t i, o = 0, seg;

    *substatus = 0;
    *trailing_slash = len > 0 && path[len - 1] == '/';
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)path[i];

        if (c == '\\')
            return 400; /* Windows clients' separator, or a decoded %5C: ambiguous here */
        if (c < 0x20 || c == 0x7f)
            return 400; /* NUL and control characters */
        if (o + 1 >= outsize)
            return 414;
        /* Collapse leading and repeated slashes: "//a///b" is "a/b". */
        if (c == '/' && (o == 0 || out[o - 1] == '/'))
            continue;
        out[o++] = (char)c;
    }
    if (o > 0 && out[o - 1] == '/')
        o--;
    out[o] = '\0';
    if (!utf8_valid((const unsigned char *)out, o))
        return 400;
    /* IIS's allowDoubleEscaping=false: a second decoding would change the path ("%252e" arrives
       here as "%2e"). */
    if (codec_url_has_escape(out, o)) {
        *substatus = 11;
        return 404;
    }
    /* No "." or ".." segment: the path never climbs, not even lexically. */
    for (seg = 0; seg <= o;) {
        size_t end = seg;

        while (end < o && out[end] != '/')
            end++;
        if ((end - seg == 1 && out[seg] == '.') ||
            (end - seg == 2 && out[seg] == '.' && out[seg + 1] == '.'))
            return 400;
        seg = end + 1;
    }
    if (o == 0) {
        out[0] = '.';
        out[1] = '\0';
    }
    return 0;
}

/* HTTP answer for an open failure. */
static int
open_error_status(int e, int *substatus)
{
    *substatus = 0;
    switch (e) {
    case ENOENT:
    case ENOTDIR:
    case EXDEV:  /* a link out of the root: same answer as a missing file */
    case ELOOP:  /* too many links, or a magic link */
    case ENXIO:  /* a socket or a FIFO without writer */
    case ENODEV: /* a device without driver */
        return 404;
    case EACCES:
    case EPERM:
        /* IIS: 401.3, "access denied by ACL on resource"; the account may have others */
        *substatus = 3;
        return 401;
    case ENAMETOOLONG:
        return 414;
    default:
        return 500;
    }
}

/* ---- validators and conditions ---------------------------------------- */

/* v in lower-case hexadecimal at p, without a NUL; returns the end. */
static char *
put_hex(char *p, unsigned long long v)
{
    char tmp[16];
    int n = 0;

    do {
        tmp[n++] = "0123456789abcdef"[v & 0xf];
        v >>= 4;
    } while (v != 0);
    while (n > 0)
        *p++ = tmp[--n];
    return p;
}

/*
 * Strong ETag from what changes when the file does: inode, size, mtime in ns.
 * Written by hand: snprintf("\"%llx-%llx-%llx\"") cost about 1 700
 * instructions per request.  At most 2 + 3 * 16 + 2 + 1
 * bytes, well within out.
 */
static void
make_etag(const struct stat *st, char out[64])
{
    char *p = out;

    *p++ = '"';
    p = put_hex(p, (unsigned long long)st->st_ino);
    *p++ = '-';
    p = put_hex(p, (unsigned long long)st->st_size);
    *p++ = '-';
    p = put_hex(p, (unsigned long long)st->st_mtim.tv_sec * 1000000000ULL +
                       (unsigned long long)st->st_mtim.tv_nsec);
    *p++ = '"';
    *p = '\0';
}

static void
trim(const char **s, size_t *len)
{
    while (*len > 0 && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*len)--;
    }
    while (*len > 0 && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
        (*len)--;
}

/*
 * If-None-Match: "*" or a list of entity tags, compared weakly (the W/
 * prefix ignored, RFC 9110 §13.1.2) with etag.  True when one matches; a
 * malformed list matches nothing, which only costs a full response.
 */
static int
if_none_match_hits(const char *s, size_t len, const char *etag)
{
    size_t i = 0, elen = strlen(etag);

    trim(&s, &len);
    if (len == 1 && s[0] == '*')
        return 1;
    while (i < len) {
        size_t start;

        while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == ','))
            i++;
        if (i == len)
            break;
        if (i + 1 < len && s[i] == 'W' && s[i + 1] == '/')
            i += 2;
        if (i >= len || s[i] != '"')
            return 0;
        start = i++;
        while (i < len && s[i] != '"')
            i++;
        if (i == len)
            return 0;
        i++;
        if (i - start == elen && memcmp(s + start, etag, elen) == 0)
            return 1;
    }
    return 0;
}

/*
 * If-Range: an entity tag must match strongly (a weak one never does), a
 * date must equal Last-Modified exactly.  True when the range may be used.
 */
static int
if_range_holds(const char *s, size_t len, const char *etag, time_t mtime)
{
    time_t t;

    trim(&s, &len);
    if (len >= 2 && s[0] == 'W' && s[1] == '/')
        return 0;
    if (len > 0 && s[0] == '"')
        return len == strlen(etag) && memcmp(s, etag, len) == 0;
    return http_parse_http_date(s, len, &t) == 0 && t == mtime;
}

/* If-Modified-Since as a time; false when it is not an HTTP-date (then ignored, RFC 9110 §13.1.3).
 */
static int
if_modified_since(const char *s, size_t len, time_t *t)
{
    trim(&s, &len);
    return http_parse_http_date(s, len, t) == 0;
}

/* Parses a decimal byte position; -1 when empty, not digits, or too large. */
static long long
parse_pos(const char *s, size_t len)
{
    long long v = 0;
    size_t i;

    if (len == 0 || len > 18)
        return -1;
    for (i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/*
 * Range: "bytes=a-b", "bytes=a-" or "bytes=-n" (RFC 9110 §14.1.2).  Returns
 * 206 with the first and last byte set, 416 when the single range lies outside the
 * file, or 200 to ignore the header: a syntax error, another unit, or more
 * than one range (we send the whole file rather than multipart/byteranges).
 */
static int
parse_range(const char *s, size_t len, off_t size, off_t *first, off_t *last)
{
    const char *dash;
    long long a, b;
    size_t i;

    trim(&s, &len);
    if (len < 6 || strncasecmp(s, "bytes", 5) != 0)
        return 200;
    s += 5;
    len -= 5;
    trim(&s, &len);
    if (len == 0 || s[0] != '=')
        return 200;
    s++;
    len--;
    trim(&s, &len);
    /* Empty list elements are allowed ("bytes=,0-1,"), more than one range is not served. */
    while (len > 0 && (s[0] == ',' || s[0] == ' ' || s[0] == '\t')) {
        s++;
        len--;
    }
    while (len > 0 && (s[len - 1] == ',' || s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    for (i = 0; i < len; i++)
        if (s[i] == ',')
            return 200;
    dash = memchr(s, '-', len);
    if (dash == NULL)
        return 200;
    if (dash == s) {
        b = parse_pos(s + 1, len - 1);
        if (b < 0)
            return 200;
        if (b == 0 || size == 0)
            return 416;
        *first = b >= size ? 0 : size - b;
        *last = size - 1;
        return 206;
    }
    a = parse_pos(s, (size_t)(dash - s));
    if (a < 0)
        return 200;
    if (dash + 1 == s + len) {
        b = -1;
    } else {
        b = parse_pos(dash + 1, (size_t)(s + len - dash - 1));
        if (b < 0 || b < a)
            return 200; /* invalid: ignored as RFC 9110 §14.2 says */
    }
    if (a >= size)
        return 416;
    *first = a;
    *last = (b < 0 || b >= size) ? size - 1 : b;
    return 206;
}

/* ---- the handler ------------------------------------------------------ */

static int
set_status(struct static_result *res, int status, int substatus)
{
    if (res->fd >= 0) {
        close(res->fd);
        res->fd = -1;
    }
    res->status = status;
    res->substatus = substatus;
    res->content_type = NULL;
    res->length = 0;
    return status;
}

/*
 * Opens the first default document of the directory rel.  Returns its
 * descriptor and the name's content type, -1 with *status 403.14 when there
 * is none, or -1 with the status of another failure.
 */
static int
open_default_doc(int root_fd, const char *rel, struct stat *st, const char **type, int *status,
                 int *substatus)
{
    char path[STATIC_PATH_MAX + 32];
    size_t i;
    int fd;

    for (i = 0; i < sizeof(default_docs) / sizeof(default_docs[0]); i++) {
        if (strcmp(rel, ".") == 0)
            snprintf(path, sizeof(path), "%s", default_docs[i]);
        else
            snprintf(path, sizeof(path), "%s/%s", rel, default_docs[i]);
        fd = static_open_beneath(root_fd, path);
        if (fd < 0) {
            if (errno == ENOENT || errno == EXDEV || errno == ELOOP)
                continue;
            *status = open_error_status(errno, substatus);
            return -1;
        }
        if (fstat(fd, st) == 0 && S_ISREG(st->st_mode)) {
            *type = mime_lookup(default_docs[i]);
            return fd;
        }
        close(fd);
    }
    *status = 403;
    *substatus = 14; /* IIS: directory listing denied */
    return -1;
}

static int
method_is(const struct static_cond *cond, const char *m)
{
    size_t n = strlen(m);

    if (cond == NULL || cond->method == NULL)
        return strcmp(m, "GET") == 0;
    return cond->method_len == n && memcmp(cond->method, m, n) == 0;
}

/* Evaluates If-None-Match / If-Modified-Since / If-Range / Range on an open file. */
static int
apply_conditions(const struct static_cond *cond, int is_get, struct static_result *res)
{
    time_t ims;
    off_t first, last;
    int r;

    if (cond == NULL)
        return res->status;
    /* RFC 9110 §13.2.2: If-Modified-Since only counts without If-None-Match. */
    if (cond->if_none_match != NULL) {
        if (if_none_match_hits(cond->if_none_match, cond->if_none_match_len, res->etag))
            return set_status(res, 304, 0);
    } else if (cond->if_modified_since != NULL &&
               if_modified_since(cond->if_modified_since, cond->if_modified_since_len, &ims) &&
               res->mtime <= ims) {
        return set_status(res, 304, 0);
    }
    if (!is_get || cond->range == NULL)
        return res->status;
    if (cond->if_range != NULL &&
        !if_range_holds(cond->if_range, cond->if_range_len, res->etag, res->mtime))
        return res->status;
    r = parse_range(cond->range, cond->range_len, res->size, &first, &last);
    if (r == 416) {
        set_status(res, 416, 0);
        snprintf(res->content_range, sizeof(res->content_range), "bytes */%lld",
                 (long long)res->size);
        return 416;
    }
    if (r == 206) {
        res->status = 206;
        res->offset = first;
        res->length = last - first + 1;
        snprintf(res->content_range, sizeof(res->content_range), "bytes %lld-%lld/%lld",
                 (long long)first, (long long)last, (long long)res->size);
    }
    return res->status;
}

/* The prefix of every lookup: length and path checked. 0, or the status refused. */
static int
check_request_path(const char *path, size_t len, char rel[STATIC_PATH_MAX + 1], int *trailing_slash,
                   struct static_result *res)
{
    int status, substatus = 0;

    memset(res, 0, sizeof(*res));
    res->fd = -1;
    if (path == NULL)
        len = 0;
    if (len > STATIC_PATH_MAX)
        return set_status(res, 414, 0);
    status = check_path(path, len, rel, STATIC_PATH_MAX + 1, trailing_slash, &substatus);
    if (status != 0)
        return set_status(res, status, substatus);
    return 0;
}

/* Method check, validators and conditions of a regular file whose type is res->content_type. */
static int
finish_file(const struct stat *st, const struct static_cond *cond, struct static_result *res)
{
    int is_get = method_is(cond, "GET"), is_head = method_is(cond, "HEAD");

    if (res->content_type == NULL)
        return set_status(res, 404, 3); /* IIS: no MIME map for the extension */
    if (!is_get && !is_head) {
        set_status(res, 405, 0);
        res->allow = "GET, HEAD";
        return 405;
    }
    res->status = 200;
    res->size = st->st_size;
    res->length = st->st_size;
    res->mtime = st->st_mtim.tv_sec;
    make_etag(st, res->etag);
    http_date(res->mtime, res->last_modified);
    apply_conditions(cond, is_get, res);
    if (is_head && res->fd >= 0) {
        close(res->fd);
        res->fd = -1;
    }
    return res->status;
}

/* Everything after the open: res->fd is the opened rel, st its fstat. */
static int
resolve_opened(int root_fd, const char *rel, int trailing_slash, struct stat *st,
               const struct static_cond *cond, struct static_result *res)
{
    int status, substatus = 0;

    if (S_ISDIR(st->st_mode)) {
        close(res->fd);
        res->fd = -1;
        if (!trailing_slash) {
            set_status(res, 301, 0);
            res->redirect_slash = 1;
            return 301;
        }
        res->fd = open_default_doc(root_fd, rel, st, &res->content_type, &status, &substatus);
        if (res->fd < 0)
            return set_status(res, status, substatus);
    } else if (S_ISREG(st->st_mode) && trailing_slash) {
        return set_status(res, 404, 0); /* "file.txt/" names a directory that is not there */
    } else if (S_ISREG(st->st_mode)) {
        res->content_type = mime_lookup(rel);
    } else {
        return set_status(res, 404, 0); /* FIFO, socket, device: not content */
    }
    return finish_file(st, cond, res);
}

/* Opens the decoded rel beneath root_fd: 0 with res->fd and st, or the status of the failure. */
static int
open_decoded(int root_fd, const char *rel, struct stat *st, struct static_result *res)
{
    int status, substatus = 0;

    res->fd = static_open_beneath(root_fd, rel);
    if (res->fd < 0) {
        status = open_error_status(errno, &substatus);
        return set_status(res, status, substatus);
    }
    if (fstat(res->fd, st) != 0)
        return set_status(res, 500, 0);
    return 0;
}

int
static_resolve(int root_fd, const char *path, size_t path_len, const struct static_cond *cond,
               struct static_result *res)
{
    char rel[STATIC_PATH_MAX + 1];
    struct stat st;
    int status, trailing_slash;

    status = check_request_path(path, path_len, rel, &trailing_slash, res);
    if (status != 0)
        return status;
    status = open_decoded(root_fd, rel, &st, res);
    if (status != 0)
        return status;
    return resolve_opened(root_fd, rel, trailing_slash, &st, cond, res);
}

/* ---- per-worker cache of small files ---------------------------------- */

/* One cached file: the key (root descriptor, decoded path), what identifies its version, the bytes.
 */
struct cache_entry {
    int root_fd;
    uint64_t who; /* fsid_key() of the credentials the file was opened with */
    uint32_t hash;
    time_t checked_s; /* last time the file was seen unchanged */
    dev_t dev;        /* identity of the version cached: changes on any write, rename, chmod */
    ino_t ino;
    off_t size;
    struct timespec mtim, ctim;
    struct stat st;           /* as fstat returned it when read (validators) */
    const char *content_type; /* static string of mime_lookup() */
    size_t rel_len;
    char *rel;   /* points into the same allocation, after data */
    char data[]; /* size bytes, then rel with its NUL */
};

struct static_cache {
    struct cache_entry **slots; /* STATIC_CACHE_SLOTS, direct-mapped by hash */
    size_t nslots;
    size_t bytes;     /* file bytes held */
    size_t max_bytes; /* bound of bytes */
};

#define STATIC_CACHE_SLOTS 1024

static uint32_t
cache_hash(int root_fd, uint64_t who, const char *rel, size_t len)
{
    uint32_t h = 2166136261u ^ (uint32_t)root_fd;
    size_t i;

    for (i = 0; i < 8; i++)
        h = (h ^ (unsigned char)(who >> (8 * i))) * 16777619u;
    for (i = 0; i < len; i++)
        h = (h ^ (unsigned char)rel[i]) * 16777619u;
    return h;
}

struct static_cache *
static_cache_new(size_t max_bytes)
{
    struct static_cache *sc = calloc(1, sizeof(*sc));

    if (sc == NULL)
        return NULL;
    sc->slots = calloc(STATIC_CACHE_SLOTS, sizeof(*sc->slots));
    if (sc->slots == NULL) {
        free(sc);
        return NULL;
    }
    sc->nslots = STATIC_CACHE_SLOTS;
    sc->max_bytes = max_bytes;
    return sc;
}

static void
cache_drop(struct static_cache *sc, size_t slot)
{
    struct cache_entry *e = sc->slots[slot];

    if (e == NULL)
        return;
    sc->bytes -= (size_t)e->size;
    free(e);
    sc->slots[slot] = NULL;
}

void
static_cache_clear(struct static_cache *sc)
{
    size_t i;

    if (sc == NULL)
        return;
    for (i = 0; i < sc->nslots; i++)
        cache_drop(sc, i);
}

void
static_cache_free(struct static_cache *sc)
{
    if (sc == NULL)
        return;
    static_cache_clear(sc);
    free(sc->slots);
    free(sc);
}

static bool
same_version(const struct cache_entry *e, const struct stat *st)
{
    return S_ISREG(st->st_mode) && st->st_dev == e->dev && st->st_ino == e->ino &&
           st->st_size == e->size && st->st_mtim.tv_sec == e->mtim.tv_sec &&
           st->st_mtim.tv_nsec == e->mtim.tv_nsec && st->st_ctim.tv_sec == e->ctim.tv_sec &&
           st->st_ctim.tv_nsec == e->ctim.tv_nsec;
}

/*
 * Reads the open regular file res->fd (stat st) into a new entry of slot; the entry is only
 * made when the whole file is read and still matches st afterwards.  NULL when not cached.
 */
static struct cache_entry *
cache_fill(struct static_cache *sc, size_t slot, uint32_t hash, int root_fd, uint64_t who,
           const char *rel, size_t rel_len, const struct stat *st, const char *type, int fd,
           time_t now_s)
{
    struct cache_entry *e;
    struct stat after;
    size_t size = (size_t)st->st_size, got = 0;
    ssize_t n;

    if (sc->bytes + size > sc->max_bytes && sc->slots[slot] == NULL)
        return NULL;
    e = malloc(sizeof(*e) + size + rel_len + 1);
    if (e == NULL)
        return NULL;
    while (got < size) {
        n = pread(fd, e->data + got, size - got, (off_t)got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    if (got != size || fstat(fd, &after) != 0 || after.st_size != st->st_size ||
        after.st_mtim.tv_sec != st->st_mtim.tv_sec ||
        after.st_mtim.tv_nsec != st->st_mtim.tv_nsec) {
        free(e); /* changed while read: serve it uncached this time */
        return NULL;
    }
    cache_drop(sc, slot);
    if (sc->bytes + size > sc->max_bytes) {
        free(e);
        return NULL;
    }
    e->root_fd = root_fd;
    e->who = who;
    e->hash = hash;
    e->checked_s = now_s;
    e->dev = st->st_dev;
    e->ino = st->st_ino;
    e->size = st->st_size;
    e->mtim = st->st_mtim;
    e->ctim = st->st_ctim;
    e->st = *st;
    e->content_type = type;
    e->rel_len = rel_len;
    e->rel = e->data + size;
    memcpy(e->rel, rel, rel_len + 1);
    sc->slots[slot] = e;
    sc->bytes += size;
    return e;
}

int
static_resolve_cached(struct static_cache *sc, time_t now_s, int root_fd, uint64_t who,
                      const char *path, size_t path_len, size_t max_body,
                      const struct static_cond *cond, struct static_result *res)
{
    char rel[STATIC_PATH_MAX + 1];
    struct cache_entry *e = NULL;
    struct stat st;
    size_t rel_len, slot;
    uint32_t hash;
    int status, trailing_slash, fd;

    /* The path is checked on every request, hit or not. */
    status = check_request_path(path, path_len, rel, &trailing_slash, res);
    if (status != 0)
        return status;
    if (sc == NULL || trailing_slash) {
        status = open_decoded(root_fd, rel, &st, res);
        if (status != 0)
            return status;
        return resolve_opened(root_fd, rel, trailing_slash, &st, cond, res);
    }
    rel_len = strlen(rel);
    hash = cache_hash(root_fd, who, rel, rel_len);
    slot = hash % sc->nslots;
    e = sc->slots[slot];
    /* Only the account that opened the file gets it from memory: another one opens it. */
    if (e != NULL && (e->hash != hash || e->root_fd != root_fd || e->who != who ||
                      e->rel_len != rel_len || memcmp(e->rel, rel, rel_len) != 0))
        e = NULL;
    if (e != NULL && e->checked_s != now_s) {
        /* Revalidated at most once a second: any change of the file gives a new version. */
        if (fstatat(root_fd, rel, &st, 0) == 0 && same_version(e, &st)) {
            e->checked_s = now_s;
        } else {
            cache_drop(sc, slot);
            e = NULL;
        }
    }
    if (e == NULL) {
        /* Miss: the confined open decides, as uncached. */
        status = open_decoded(root_fd, rel, &st, res);
        if (status != 0)
            return status;
        fd = res->fd;
        if (!S_ISREG(st.st_mode) || st.st_size > STATIC_CACHE_FILE_MAX ||
            (size_t)st.st_size > max_body || mime_lookup(rel) == NULL)
            return resolve_opened(root_fd, rel, trailing_slash, &st, cond, res);
        e = cache_fill(sc, slot, hash, root_fd, who, rel, rel_len, &st, mime_lookup(rel), fd,
                       now_s);
        if (e == NULL)
            return resolve_opened(root_fd, rel, trailing_slash, &st, cond, res);
        close(fd);
        res->fd = -1;
    } else if ((size_t)e->size > max_body) {
        /* No room to send it from memory with the head: the ordinary way. */
        status = open_decoded(root_fd, rel, &st, res);
        if (status != 0)
            return status;
        return resolve_opened(root_fd, rel, trailing_slash, &st, cond, res);
    }
    res->content_type = e->content_type;
    status = finish_file(&e->st, cond, res);
    if (status == 200 || status == 206)
        res->body = e->data;
    return status;
}
