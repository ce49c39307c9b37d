/* Unit tests for static.c and static_open.c (and mime.c, which static.c
 * uses): confinement, default documents, MIME types, validators, conditional
 * requests and ranges.  Every confinement test runs twice: with openat2 and
 * with the fallback walk. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http.c"
#include "mime.c"
#include "static.c"
#include "static_open.c"
#include "codec.h"
#include "fixture.h"

struct tree {
    char *dir; /* temp dir: holds secret.txt and root/ */
    int root;  /* static_open_root(dir/root) */
};

static void
put(const char *dir, const char *name, const char *data)
{
    char *p = fixture_write(dir, name, data, strlen(data));

    assert_non_null(p);
    free(p);
}

static void
mkdir_in(const char *dir, const char *name)
{
    char p[1024];

    snprintf(p, sizeof(p), "%s/%s", dir, name);
    assert_int_equal(mkdir(p, 0755), 0);
}

static void
link_in(const char *dir, const char *name, const char *target)
{
    char p[1024];

    snprintf(p, sizeof(p), "%s/%s", dir, name);
    assert_int_equal(symlink(target, p), 0);
}

static int
setup(void **state)
{
    struct tree *t = calloc(1, sizeof(*t));
    char root[1024], secret[1100], p[1100];
    struct certmap_error err = {0};

    t->dir = fixture_tmpdir();
    if (t->dir == NULL)
        return -1;
    snprintf(root, sizeof(root), "%s/root", t->dir);
    put(t->dir, "secret.txt", "SECRET");
    snprintf(secret, sizeof(secret), "%s/secret.txt", t->dir);
    mkdir_in(t->dir, "root");
    put(root, "index.html", "<p>home</p>");
    put(root, "a.txt", "0123456789");
    put(root, "empty.txt", "");
    put(root, "noext", "x");
    put(root, "file.unknownext", "x");
    put(root, "Caps.JPG", "jpeg");
    put(root, "%41.txt", "literal percent name");
    put(root, "q?.txt", "question mark");
    put(root, "caf\xc3\xa9.txt", "utf8 name");
    mkdir_in(root, "sub");
    put(root, "sub/readme.unknownext", "x");
    mkdir_in(root, "docs");
    put(root, "docs/index.html", "index.html");
    put(root, "docs/default.htm", "default.htm");
    mkdir_in(root, "idx");
    put(root, "idx/index.htm", "index.htm");
    mkdir_in(root, "real");
    put(root, "real/x.txt", "in real");
    link_in(root, "inlink.txt", "a.txt");
    link_in(root, "uplink.txt", "real/../a.txt");
    link_in(root, "dirlink", "real");
    link_in(root, "outlink.txt", "../secret.txt");
    link_in(root, "abslink.txt", secret);
    link_in(root, "dirout", "..");
    link_in(root, "loop.txt", "loop.txt");
    link_in(root, "real/back.txt", "../a.txt");
    link_in(root, "real/escape.txt", "../../secret.txt");
    snprintf(p, sizeof(p), "%s/fifo.txt", root);
    assert_int_equal(mkfifo(p, 0644), 0);
    t->root = static_open_root(root, &err);
    if (t->root < 0)
        return -1;
    *state = t;
    return 0;
}

static int
teardown(void **state)
{
    struct tree *t = *state;

    close(t->root);
    fixture_rmtree(t->dir);
    free(t);
    return 0;
}

/* Resolves a GET of path (a C string) and returns the status; closes the fd. */
static int
get(struct tree *t, const char *path, int *substatus)
{
    struct static_result res;
    int status = static_resolve(t->root, path, strlen(path), NULL, &res);

    if (substatus != NULL)
        *substatus = res.substatus;
    if (res.fd >= 0)
        close(res.fd);
    return status;
}

/* Asserts status.substatus of a GET of path. */
static void
expect(struct tree *t, const char *path, int status, int substatus)
{
    int sub = -1, st = get(t, path, &sub);

    if (st != status || sub != substatus)
        fail_msg("GET %s: got %d.%d, want %d.%d (fallback %d)", path, st, sub, status, substatus,
                 static_force_fallback);
}

/*
 * Asserts status.substatus of a GET of url (a C string, percent-encoded) the
 * way the server does it: decoded once by codec_url_path_decode() (refused
 * -> 400, too long -> 414, as pipeline_normalize_path() answers), then
 * handed to the handler.
 */
static void
expect_url(struct tree *t, const char *url, int status, int substatus)
{
    char path[STATIC_PATH_MAX + 1];
    size_t n = 0;
    int st, sub = 0;

    switch (codec_url_path_decode(url, strlen(url), path, sizeof(path), &n)) {
    case CODEC_PATH_OK:
        st = get(t, path, &sub);
        break;
    case CODEC_PATH_TOO_LONG:
        st = 414;
        break;
    default:
        st = 400;
        break;
    }
    if (st != status || sub != substatus)
        fail_msg("GET %s: got %d.%d, want %d.%d (fallback %d)", url, st, sub, status, substatus,
                 static_force_fallback);
}

/* GETs path and checks that the body read from the result's fd is body. */
static void
expect_body(struct tree *t, const char *path, const char *body, const char *type)
{
    struct static_result res;
    char buf[256];
    ssize_t n;

    assert_int_equal(static_resolve(t->root, path, strlen(path), NULL, &res), 200);
    assert_true(res.fd >= 0);
    assert_int_equal(res.length, (off_t)strlen(body));
    n = pread(res.fd, buf, sizeof(buf) - 1, res.offset);
    close(res.fd);
    assert_int_equal(n, (ssize_t)strlen(body));
    buf[n] = '\0';
    assert_string_equal(buf, body);
    if (type != NULL)
        assert_string_equal(res.content_type, type);
}

static void
check_traversal(struct tree *t)
{
    char long_path[STATIC_PATH_MAX + 100];
    size_t i;

    expect(t, "/../secret.txt", 400, 0);
    expect(t, "/real/../../secret.txt", 400, 0);
    expect(t, "/real/../a.txt", 400, 0); /* even when it would stay inside */
    expect(t, "/./a.txt", 400, 0);
    expect(t, "/..", 400, 0);
    expect(t, "/..\\secret.txt", 400, 0);
    expect(t, "/\xc0\xae\xc0\xae/secret.txt", 400, 0); /* overlong '.' */
    expect(t, "/\xe0\x80\xae\xe0\x80\xae/secret.txt", 400, 0);
    expect(t, "/\xc0\xaf", 400, 0);         /* overlong '/' */
    expect(t, "/\xed\xa0\x80.txt", 400, 0); /* a surrogate */
    expect(t, "/\xff.txt", 400, 0);         /* not UTF-8 */
    expect(t, "/a.txt\n", 400, 0);
    expect(t, "/a.txt\x7f", 400, 0);
    expect(t, "/a\tb.txt", 400, 0);
    /* The path was decoded once already: an escape left in it is double escaping. */
    expect(t, "/%2e%2e/secret.txt", 404, 11); /* a request for "/%252e%252e/secret.txt" */
    expect(t, "/%41.txt", 404, 11);           /* even though "%41.txt" exists */
    expect(t, "/%2f", 404, 11);
    /* '%' and '?' that start nothing are characters of the name. */
    expect(t, "/a.txt%", 404, 0);
    expect(t, "/a.txt%4", 404, 0);
    expect(t, "/%zz.txt", 404, 0);
    expect(t, "/a.txt?x=1", 404, 0);
    /* The server's whole way, from the percent-encoded URL. */
    expect_url(t, "/%2e%2e/secret.txt", 400, 0);
    expect_url(t, "/%2E%2e/secret.txt", 400, 0);
    expect_url(t, "/.%2e/secret.txt", 400, 0);
    expect_url(t, "/real%2f..%2f..%2fsecret.txt", 400, 0);
    expect_url(t, "/real%2Fx.txt", 400, 0);
    expect_url(t, "/..%5csecret.txt", 400, 0);
    expect_url(t, "/%c0%ae%c0%ae/secret.txt", 400, 0);
    expect_url(t, "/%e0%80%ae%e0%80%ae/secret.txt", 400, 0);
    expect_url(t, "/%c0%af", 400, 0);
    expect_url(t, "/%ed%a0%80.txt", 400, 0);
    expect_url(t, "/%ff.txt", 400, 0);
    expect_url(t, "/a.txt%00.html", 400, 0);
    expect_url(t, "/a.txt%0a", 400, 0);
    expect_url(t, "/%zz.txt", 400, 0);
    expect_url(t, "/a.txt%4", 400, 0);
    expect_url(t, "/a.txt%", 400, 0);
    expect_url(t, "/%252e%252e/secret.txt", 404, 11); /* double escaped */
    expect_url(t, "/%2541.txt", 404, 11);
    expect_url(t, "/%61.txt", 200, 0);
    expect_url(t, "/q%3F.txt", 200, 0);
    {
        /* A raw NUL inside the given length. */
        struct static_result res;

        assert_int_equal(static_resolve(t->root, "/a.txt\0.html", 12, NULL, &res), 400);
        assert_int_equal(res.fd, -1);
    }
    memset(long_path, 'a', sizeof(long_path) - 1);
    long_path[0] = '/';
    long_path[sizeof(long_path) - 1] = '\0';
    expect(t, long_path, 414, 0);
    /* The limit itself: STATIC_PATH_MAX bytes in short segments are looked up, one more is 414. */
    for (i = 0; i < STATIC_PATH_MAX; i += 2)
        memcpy(long_path + i, "/a", 2);
    long_path[STATIC_PATH_MAX] = '\0';
    expect(t, long_path, 404, 0);
    long_path[STATIC_PATH_MAX] = 'a';
    long_path[STATIC_PATH_MAX + 1] = '\0';
    expect(t, long_path, 414, 0);
    /* Symbolic links: inside the root fine, out of it 404. */
    expect_body(t, "/inlink.txt", "0123456789", "text/plain");
    expect_body(t, "/uplink.txt", "0123456789", "text/plain");
    expect_body(t, "/dirlink/x.txt", "in real", "text/plain");
    expect_body(t, "/real/back.txt", "0123456789", "text/plain");
    expect(t, "/outlink.txt", 404, 0);
    expect(t, "/abslink.txt", 404, 0);
    expect(t, "/dirout/secret.txt", 404, 0);
    expect(t, "/dirout/", 404, 0);
    expect(t, "/real/escape.txt", 404, 0);
    expect(t, "/loop.txt", 404, 0);
    expect(t, "/fifo.txt", 404, 0); /* and no hang on open */
    expect(t, "/missing.txt", 404, 0);
    expect(t, "/a.txt/x.txt", 404, 0);
    expect(t, "/a.txt/", 404, 0);
    expect(t, "/inlink.txt/", 404, 0);
}

static void
test_traversal_openat2(void **state)
{
    static_force_fallback = 0;
    check_traversal(*state);
    if (atomic_load(&openat2_state) == -1)
        skip(); /* no openat2 here (kernel < 5.6, or valgrind): the fallback test covers it */
    assert_int_equal(atomic_load(&openat2_state), 1);
}

static void
test_traversal_fallback_walk(void **state)
{
    static_force_fallback = 1;
    check_traversal(*state);
    static_force_fallback = 0;
}

static void
test_documents(void **state)
{
    struct tree *t = *state;
    struct static_result res;
    int pass;

    for (pass = 0; pass < 2; pass++) {
        static_force_fallback = pass;
        expect_body(t, "/a.txt", "0123456789", "text/plain");
        expect_body(t, "//a.txt", "0123456789", "text/plain");
        expect_body(t, "/q?.txt", "question mark", "text/plain");
        expect_body(t, "/Caps.JPG", "jpeg", "image/jpeg");
        expect_body(t, "/caf\xc3\xa9.txt", "utf8 name", "text/plain");
        expect_body(t, "/empty.txt", "", "text/plain");
        /* Default documents in IIS order; the root of the virtual directory too. */
        expect_body(t, "/", "<p>home</p>", "text/html");
        expect_body(t, "/docs/", "default.htm", "text/html");
        expect_body(t, "/idx/", "index.htm", "text/html");
        expect(t, "/sub/", 403, 14);
        expect(t, "/real/", 403, 14);
        expect(t, "/noext", 404, 3);
        expect(t, "/file.unknownext", 404, 3);
        expect(t, "/sub/readme.unknownext", 404, 3);
        /* A directory without its slash: 301 to "path/", the virtual directory too. */
        assert_int_equal(static_resolve(t->root, "/docs", 5, NULL, &res), 301);
        assert_int_equal(res.redirect_slash, 1);
        assert_int_equal(res.fd, -1);
        assert_int_equal(static_resolve(t->root, "", 0, NULL, &res), 301);
        assert_int_equal(res.redirect_slash, 1);
        assert_int_equal(static_resolve(t->root, "/a.txt", 6, NULL, &res), 200);
        assert_int_equal(res.redirect_slash, 0);
        close(res.fd);
    }
    static_force_fallback = 0;
}

static void
test_methods(void **state)
{
    struct tree *t = *state;
    struct static_cond c = {0};
    struct static_result res;

    c.method = "HEAD";
    c.method_len = 4;
    assert_int_equal(static_resolve(t->root, "/a.txt", 6, &c, &res), 200);
    assert_int_equal(res.fd, -1);
    assert_int_equal(res.length, 10);
    assert_string_equal(res.content_type, "text/plain");
    assert_true(res.etag[0] == '"');
    c.method = "POST";
    assert_int_equal(static_resolve(t->root, "/a.txt", 6, &c, &res), 405);
    assert_string_equal(res.allow, "GET, HEAD");
    assert_int_equal(res.fd, -1);
    c.method = "get"; /* methods are case-sensitive */
    c.method_len = 3;
    assert_int_equal(static_resolve(t->root, "/a.txt", 6, &c, &res), 405);
    /* A missing file is 404 whatever the method. */
    c.method = "DELETE";
    c.method_len = 6;
    assert_int_equal(static_resolve(t->root, "/none.txt", 9, &c, &res), 404);
}

/* Resolves /a.txt with cond; returns the status and keeps res (fd closed). */
static int
cond_get(struct tree *t, struct static_cond *c, struct static_result *res)
{
    int status = static_resolve(t->root, "/a.txt", 6, c, res);

    if (res->fd >= 0) {
        close(res->fd);
        res->fd = -2; /* closed here, but tells the test there was one */
    }
    return status;
}

static void
set(const char **field, size_t *len, const char *value)
{
    *field = value;
    *len = value != NULL ? strlen(value) : 0;
}

static void
test_validators_and_304(void **state)
{
    struct tree *t = *state;
    struct static_cond c = {0};
    struct static_result first, res;
    char list[200], weak[80], lm[32];
    struct stat st;
    char path[1024];

    assert_int_equal(cond_get(t, &c, &first), 200);
    snprintf(path, sizeof(path), "%s/root/a.txt", t->dir);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(first.mtime, st.st_mtim.tv_sec);
    assert_int_equal(strlen(first.last_modified), 29);
    assert_non_null(strstr(first.last_modified, " GMT"));
    snprintf(lm, sizeof(lm), "%s", first.last_modified);

    set(&c.if_none_match, &c.if_none_match_len, first.etag);
    assert_int_equal(cond_get(t, &c, &res), 304);
    assert_int_equal(res.fd, -1);
    assert_string_equal(res.etag, first.etag);
    assert_null(res.content_type);
    snprintf(weak, sizeof(weak), " W/%s ", first.etag);
    set(&c.if_none_match, &c.if_none_match_len, weak);
    assert_int_equal(cond_get(t, &c, &res), 304);
    snprintf(list, sizeof(list), "\"abc\", W/\"def\",%s", first.etag);
    set(&c.if_none_match, &c.if_none_match_len, list);
    assert_int_equal(cond_get(t, &c, &res), 304);
    set(&c.if_none_match, &c.if_none_match_len, "*");
    assert_int_equal(cond_get(t, &c, &res), 304);
    set(&c.if_none_match, &c.if_none_match_len, "\"other\"");
    assert_int_equal(cond_get(t, &c, &res), 200);
    set(&c.if_none_match, &c.if_none_match_len, "garbage");
    assert_int_equal(cond_get(t, &c, &res), 200);
    /* If-None-Match takes precedence: a non-matching tag ignores If-Modified-Since. */
    set(&c.if_none_match, &c.if_none_match_len, "\"other\"");
    set(&c.if_modified_since, &c.if_modified_since_len, lm);
    assert_int_equal(cond_get(t, &c, &res), 200);
    set(&c.if_none_match, &c.if_none_match_len, NULL);
    assert_int_equal(cond_get(t, &c, &res), 304);
    set(&c.if_modified_since, &c.if_modified_since_len, "Thu, 01 Jan 1970 00:00:00 GMT");
    assert_int_equal(cond_get(t, &c, &res), 200);
    set(&c.if_modified_since, &c.if_modified_since_len, "Fri, 31 Dec 9999 23:59:59 GMT");
    assert_int_equal(cond_get(t, &c, &res), 304);
    set(&c.if_modified_since, &c.if_modified_since_len, "yesterday");
    assert_int_equal(cond_get(t, &c, &res), 200);
    /* The obsolete date forms count too (RFC 9110 §5.6.7). */
    set(&c.if_modified_since, &c.if_modified_since_len, "Friday, 31-Dec-99 23:59:59 GMT");
    assert_int_equal(cond_get(t, &c, &res), first.mtime <= 946684799 ? 304 : 200);
    set(&c.if_modified_since, &c.if_modified_since_len, "Fri Dec 31 23:59:59 9999");
    assert_int_equal(cond_get(t, &c, &res), 304);
    /* HEAD gets 304 too. */
    set(&c.if_modified_since, &c.if_modified_since_len, lm);
    set(&c.method, &c.method_len, "HEAD");
    assert_int_equal(cond_get(t, &c, &res), 304);
}

/* The ETag keeps its format "ino-size-mtime_ns" in hex: clients hold old tags across upgrades. */
static void
test_etag_format(void **state)
{
    static const unsigned long long v[][4] = {
        {0, 0, 0, 0},
        {1, 1024, 1, 1},
        {0x1234abcdULL, 0xffffffffULL, 1700000000, 999999999},
        {~0ULL, 0x7fffffffffffffffULL, 9223372036, 854775807},
    };
    char got[64], want[64];
    struct stat st;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        memset(&st, 0, sizeof(st));
        st.st_ino = (ino_t)v[i][0];
        st.st_size = (off_t)v[i][1];
        st.st_mtim.tv_sec = (time_t)v[i][2];
        st.st_mtim.tv_nsec = (long)v[i][3];
        make_etag(&st, got);
        snprintf(want, sizeof(want), "\"%llx-%llx-%llx\"", v[i][0], v[i][1],
                 v[i][2] * 1000000000ULL + v[i][3]);
        assert_string_equal(got, want);
    }
}

static void
test_etag_changes_with_content(void **state)
{
    struct tree *t = *state;
    struct static_result a, b;
    struct timespec ts[2] = {{0, UTIME_OMIT}, {1000000000, 123}};
    char path[1024];

    put(t->dir, "root/changing.txt", "one");
    assert_int_equal(static_resolve(t->root, "/changing.txt", 13, NULL, &a), 200);
    close(a.fd);
    put(t->dir, "root/changing.txt", "two!");
    assert_int_equal(static_resolve(t->root, "/changing.txt", 13, NULL, &b), 200);
    close(b.fd);
    assert_string_not_equal(a.etag, b.etag);
    snprintf(path, sizeof(path), "%s/root/changing.txt", t->dir);
    assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
    assert_int_equal(static_resolve(t->root, "/changing.txt", 13, NULL, &a), 200);
    close(a.fd);
    assert_string_not_equal(a.etag, b.etag);
    assert_string_equal(a.last_modified, "Sun, 09 Sep 2001 01:46:40 GMT");
}

/* Range request on /a.txt ("0123456789"); checks status, offset, length, Content-Range. */
static void
expect_range(struct tree *t, const char *range, int status, long off, long len, const char *cr)
{
    struct static_cond c = {0};
    struct static_result res;
    int st;

    set(&c.range, &c.range_len, range);
    st = cond_get(t, &c, &res);
    if (st != status)
        fail_msg("Range %s: got %d, want %d", range, st, status);
    if (status == 206 || status == 200) {
        assert_int_equal(res.offset, off);
        assert_int_equal(res.length, len);
        assert_int_equal(res.fd, -2);
    }
    assert_string_equal(res.content_range, cr);
}

static void
test_ranges(void **state)
{
    struct tree *t = *state;
    struct static_cond c = {0};
    struct static_result res, first;
    char buf[16];

    expect_range(t, "bytes=0-3", 206, 0, 4, "bytes 0-3/10");
    expect_range(t, "bytes=5-", 206, 5, 5, "bytes 5-9/10");
    expect_range(t, "bytes=-3", 206, 7, 3, "bytes 7-9/10");
    expect_range(t, "bytes=-20", 206, 0, 10, "bytes 0-9/10");
    expect_range(t, "bytes=3-100", 206, 3, 7, "bytes 3-9/10");
    expect_range(t, "bytes=9-9", 206, 9, 1, "bytes 9-9/10");
    expect_range(t, " Bytes = 2-4 ", 206, 2, 3, "bytes 2-4/10");
    expect_range(t, "bytes=10-", 416, 0, 0, "bytes */10");
    expect_range(t, "bytes=10-20", 416, 0, 0, "bytes */10");
    expect_range(t, "bytes=-0", 416, 0, 0, "bytes */10");
    /* Several ranges, bad syntax, other units: the whole file. */
    expect_range(t, "bytes=0-1,3-4", 200, 0, 10, "");
    expect_range(t, "bytes=4-2", 200, 0, 10, "");
    expect_range(t, "bytes=abc", 200, 0, 10, "");
    expect_range(t, "bytes=1-2x", 200, 0, 10, "");
    expect_range(t, "bytes=99999999999999999999-", 200, 0, 10, "");
    expect_range(t, "items=0-1", 200, 0, 10, "");
    expect_range(t, "bytes=", 200, 0, 10, "");
    expect_range(t, "bytes=,1-2,", 206, 1, 2, "bytes 1-2/10");

    /* The bytes really come from the offset. */
    set(&c.range, &c.range_len, "bytes=4-6");
    assert_int_equal(static_resolve(t->root, "/a.txt", 6, &c, &res), 206);
    assert_int_equal(pread(res.fd, buf, (size_t)res.length, res.offset), 3);
    close(res.fd);
    assert_memory_equal(buf, "456", 3);

    /* An empty file has no satisfiable range. */
    assert_int_equal(static_resolve(t->root, "/empty.txt", 10, &c, &res), 416);
    assert_string_equal(res.content_range, "bytes */0");
    assert_int_equal(res.fd, -1);

    /* If-Range: the current ETag or date keeps the range, anything else drops it. */
    memset(&c, 0, sizeof(c));
    assert_int_equal(cond_get(t, &c, &first), 200);
    set(&c.range, &c.range_len, "bytes=0-0");
    set(&c.if_range, &c.if_range_len, first.etag);
    assert_int_equal(cond_get(t, &c, &res), 206);
    set(&c.if_range, &c.if_range_len, first.last_modified);
    assert_int_equal(cond_get(t, &c, &res), 206);
    set(&c.if_range, &c.if_range_len, "\"stale\"");
    assert_int_equal(cond_get(t, &c, &res), 200);
    assert_int_equal(res.length, 10);
    snprintf(buf, sizeof(buf), "W/%.10s", first.etag);
    set(&c.if_range, &c.if_range_len, buf);
    assert_int_equal(cond_get(t, &c, &res), 200);
    set(&c.if_range, &c.if_range_len, "Thu, 01 Jan 1970 00:00:00 GMT");
    assert_int_equal(cond_get(t, &c, &res), 200);
    /* HEAD ignores Range. */
    set(&c.if_range, &c.if_range_len, NULL);
    set(&c.method, &c.method_len, "HEAD");
    assert_int_equal(cond_get(t, &c, &res), 200);
    assert_int_equal(res.length, 10);
}

static void
test_open_root_errors(void **state)
{
    struct tree *t = *state;
    struct certmap_error err = {0};
    char p[1024];

    assert_int_equal(static_open_root("/nonexistent/certmap/root", &err), -1);
    assert_int_equal(err.kind, CERTMAP_ERR_IO);
    assert_non_null(strstr(err.message, "No such file"));
    snprintf(p, sizeof(p), "%s/secret.txt", t->dir);
    assert_int_equal(static_open_root(p, &err), -1);
    assert_int_equal(static_open_root("", &err), -1);
}

static void
test_mime_table(void **state)
{
    static const char *const required[] = {
        "html", "htm",  "css", "js",  "json", "txt",  "xml",  "png",   "jpg", "jpeg", "gif", "svg",
        "ico",  "webp", "pdf", "zip", "gz",   "wasm", "woff", "woff2", "mp4", "mp3",  "csv"};
    char name[32];
    size_t i;

    (void)state;
    for (i = 1; i < sizeof(mime_types) / sizeof(mime_types[0]); i++)
        if (strcmp(mime_types[i - 1].ext, mime_types[i].ext) >= 0)
            fail_msg("mime table not sorted at %s", mime_types[i].ext);
    for (i = 0; i < sizeof(mime_types) / sizeof(mime_types[0]); i++)
        assert_true(strlen(mime_types[i].ext) <= MIME_EXT_MAX);
    for (i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
        snprintf(name, sizeof(name), "f.%s", required[i]);
        if (mime_lookup(name) == NULL)
            fail_msg("no type for .%s", required[i]);
    }
    assert_string_equal(mime_lookup("/a/Index.HTM"), "text/html");
    assert_string_equal(mime_lookup("x.JpG"), "image/jpeg");
    assert_string_equal(mime_lookup("a.tar.gz"), "application/gzip");
    assert_string_equal(mime_lookup("app.js"), "text/javascript");
    assert_string_equal(mime_lookup("font.woff2"), "font/woff2");
    assert_string_equal(mime_lookup("data.json"), "application/json");
    assert_string_equal(mime_lookup_n("a.css.bak", 5), "text/css");
    assert_null(mime_lookup("noext"));
    assert_null(mime_lookup("/dir.html/noext"));
    assert_null(mime_lookup("file."));
    assert_null(mime_lookup(".gitignore"));
    assert_null(mime_lookup("x.exe"));
    assert_null(mime_lookup("x.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
    assert_null(mime_lookup(NULL));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_traversal_openat2),
        cmocka_unit_test(test_traversal_fallback_walk),
        cmocka_unit_test(test_documents),
        cmocka_unit_test(test_methods),
        cmocka_unit_test(test_validators_and_304),
        cmocka_unit_test(test_etag_format),
        cmocka_unit_test(test_etag_changes_with_content),
        cmocka_unit_test(test_ranges),
        cmocka_unit_test(test_open_root_errors),
        cmocka_unit_test(test_mime_table),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
