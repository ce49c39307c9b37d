/*
 * static.h - the static file handler: files under a virtual directory's
 * physicalPath, as IIS's StaticFileModule and DefaultDocumentModule serve
 * them.
 *
 * The server opens the physical path once per configuration snapshot with
 * static_open_root() (static_open.h) and keeps the descriptor; for each request it calls
 * static_resolve() with the decoded URL path below the virtual directory and
 * the raw conditional headers, and gets back everything it needs to answer: status,
 * sub-status, an open file with the byte range to send, and the header
 * values.  No struct of the server is needed; nothing here allocates.
 *
 * Confinement: no request can open anything outside the root.  Paths come
 * percent-decoded exactly once by the caller (the server uses
 * codec_url_path_decode(), which refuses malformed escapes and encoded '/',
 * '\' and NUL) and are checked again here on their decoded form (no NUL or
 * control character, no '\', no '.' or '..' segment, valid shortest-form
 * UTF-8, nothing that a second decoding would change), then opened
 * beneath the root descriptor (static_open_beneath(), static_open.h), never
 * lexically only.  The status of each refusal is documented at
 * static_resolve() below.
 */
#ifndef CERTMAP_STATIC_H
#define CERTMAP_STATIC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "certmap/error.h"

/* Longest (decoded) path static_resolve() accepts; longer -> 414. */
#define STATIC_PATH_MAX 4096

/*
 * The request as the handler needs it.  Every header is its raw value
 * (ptr + length, no NUL needed, surrounding blanks allowed); ptr NULL means
 * the header was absent.  Zero-initialise, then fill what the request has.
 */
struct static_cond {
    const char *method; /* request method, e.g. "GET"; NULL counts as "GET" */
    size_t method_len;
    const char *if_none_match; /* If-None-Match */
    size_t if_none_match_len;
    const char *if_modified_since; /* If-Modified-Since */
    size_t if_modified_since_len;
    const char *range; /* Range */
    size_t range_len;
    const char *if_range; /* If-Range */
    size_t if_range_len;
};

/*
 * What to answer.  Filled completely by static_resolve(), whatever the
 * outcome.
 */
struct static_result {
    int status; /* 200, 206, 301, 304, or an error status (400, 401, 403, 404, 405, 414, 416, 500)
                 */
    int substatus; /* IIS sub-status: 404.3 unknown MIME type, 403.14 no default document, ... */
    int fd;        /* file to send, O_RDONLY|O_CLOEXEC, owned by the caller (close it); -1 when
                      no body comes from a file: HEAD, 301, 304 and errors */
    off_t offset;  /* first byte to send (200: 0; 206: start of the range) */
    off_t length;  /* Content-Length of a 200/206 (also for HEAD, where fd is -1) */
    off_t size;    /* total size of the file (200, 206, 304, 416) */
    time_t mtime;  /* modification time of the file, seconds */
    int redirect_slash;       /* 301: answer "Location: <normalised path>/" (query kept), as IIS
                                 does for a directory requested without its trailing slash */
    const char *content_type; /* static string from mime_lookup(); NULL when no body */
    const char *allow;        /* 405: value of the Allow header ("GET, HEAD"); else NULL */
    char etag[64];            /* strong ETag with its quotes, "" when none */
    char last_modified[32];   /* IMF-fixdate, "" when none */
    const char *body;         /* static_resolve_cached() 200/206 from memory: the whole file
                                 (send length bytes from body + offset; fd is -1), valid until
                                 the next call on the cache; NULL otherwise */
    char content_range[80];   /* 206 "bytes a-b/size"; 416 the unsatisfied form with "*" as the
                                 range and the size after the slash; "" otherwise */
};

/*
 * Resolves one request for the file at path (path_len bytes, the URL path
 * below the virtual directory, percent-decoded once, without the query,
 * starting with '/' or empty for the virtual directory itself; a '%' or a
 * '?' in it is a character of the file name) under root_fd, and evaluates the conditional and range
 * headers of cond.  Always fills res and returns res->status.  On 200/206 with GET, res->fd is open
 * and the caller sends res->length bytes from res->offset (with sendfile or pread), then closes it.
 * Headers to send: Content-Type, ETag, Last-Modified and "Accept-Ranges: bytes" for 200/206/304,
 * plus Content-Range for 206 and 416, Allow for 405.  Error statuses get errpage_render() bodies.
 * Thread-safe; one openat2 and one fstat for a file, a few more for a directory's default
 * documents.
 *
 * Refusals: a NUL or other control character, a backslash, invalid or
 * overlong UTF-8, and a '.' or '..' segment -> 400.0; a path that still
 * contains an escape ("%2e", from a request for "%252e") -> 404.11 as IIS's
 * allowDoubleEscaping=false; path_len > STATIC_PATH_MAX -> 414; a path
 * leaving the root through a symbolic link, a missing file, something that
 * is not a regular file or directory, a file requested with a trailing
 * slash -> 404.0 (one answer for all, so that nothing outside the root can
 * be probed); permission denied -> 401.3 (IIS's "access denied by ACL on
 * resource": the caller opens files with the request's account, fsid.h); a directory without
 * trailing slash -> 301; a directory without default document
 * (default.htm, index.htm, index.html, iisstart.htm, in this order) ->
 * 403.14; an extension not in mime.h -> 404.3; a method other than GET or
 * HEAD -> 405.0.  A Range header is honoured for GET only and only with a
 * single range; several ranges -> the whole file with 200.
 */
int static_resolve(int root_fd, const char *path, size_t path_len, const struct static_cond *cond,
                   struct static_result *res);

/* Largest file static_resolve_cached() keeps in memory. */
#define STATIC_CACHE_FILE_MAX (64 * 1024)

/*
 * A cache of small files for one thread (a worker): no locks, so never shared.
 * Entries are keyed by the root descriptor, the credentials the file was
 * opened with (fsid_key(), so that a file is never handed from memory to an
 * account that did not open it itself) and the checked path;
 * bounded by 1024 entries and max_bytes of content.  static_cache_new()
 * returns NULL when out of memory (callers then resolve uncached).
 * static_cache_clear() drops every entry: call it whenever root descriptors
 * may change meaning (a new configuration snapshot).  static_cache_free()
 * accepts NULL.
 */
struct static_cache;
struct static_cache *static_cache_new(size_t max_bytes);
void static_cache_clear(struct static_cache *sc);
void static_cache_free(struct static_cache *sc);

/*
 * static_resolve() with a cache (sc may be NULL: uncached).  The path is
 * checked exactly as static_resolve() does on every call; a
 * regular file of at most STATIC_CACHE_FILE_MAX and max_body bytes reached
 * through the confined open is kept in memory, and later requests for the
 * same path under the same root by the same who (fsid_key() of the
 * credentials the calling thread opens files with now, 0 for its own) are
 * answered from memory after a
 * fstatat() check (at most once per second of now_s) that the file's
 * device, inode, size, mtime and ctime are unchanged; any change drops the
 * entry and the next request opens it again.  On a 200/206 from memory
 * res->body is set and res->fd is -1; otherwise as static_resolve().
 * Default documents (paths ending in '/') are not cached.
 */
int static_resolve_cached(struct static_cache *sc, time_t now_s, int root_fd, uint64_t who,
                          const char *path, size_t path_len, size_t max_body,
                          const struct static_cond *cond, struct static_result *res);

#endif
