/*
 * mime.c - extension -> Content-Type table.  The types are those of IIS's
 * <staticContent> defaults for the common web formats (with the modern
 * registrations where IIS's list is older, e.g. text/javascript for .js as
 * RFC 9239 asks).  The table is sorted by extension (lower case, ASCII
 * order) and searched with bsearch; a unit test checks the order.
 */
#include <stdlib.h>
#include <string.h>

#include "mime.h"

struct mime_type {
    const char *ext; /* lower case, without the dot */
    const char *type;
};

static const struct mime_type mime_types[] = {
    {"7z", "application/x-7z-compressed"},
    {"aac", "audio/aac"},
    {"appcache", "text/cache-manifest"},
    {"asc", "text/plain"},
    {"atom", "application/atom+xml"},
    {"avi", "video/x-msvideo"},
    {"avif", "image/avif"},
    {"bin", "application/octet-stream"},
    {"bmp", "image/bmp"},
    {"cer", "application/pkix-cert"},
    {"crl", "application/pkix-crl"},
    {"crt", "application/x-x509-ca-cert"},
    {"css", "text/css"},
    {"csv", "text/csv"},
    {"der", "application/x-x509-ca-cert"},
    {"doc", "application/msword"},
    {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
    {"eot", "application/vnd.ms-fontobject"},
    {"epub", "application/epub+zip"},
    {"flac", "audio/flac"},
    {"gif", "image/gif"},
    {"gz", "application/gzip"},
    {"htm", "text/html"},
    {"html", "text/html"},
    {"ico", "image/x-icon"},
    {"ics", "text/calendar"},
    {"jpe", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"jpg", "image/jpeg"},
    {"js", "text/javascript"},
    {"json", "application/json"},
    {"jsonld", "application/ld+json"},
    {"m4a", "audio/mp4"},
    {"m4v", "video/mp4"},
    {"manifest", "application/manifest+json"},
    {"map", "application/json"},
    {"md", "text/markdown"},
    {"mid", "audio/midi"},
    {"midi", "audio/midi"},
    {"mjs", "text/javascript"},
    {"mov", "video/quicktime"},
    {"mp3", "audio/mpeg"},
    {"mp4", "video/mp4"},
    {"mpeg", "video/mpeg"},
    {"mpg", "video/mpeg"},
    {"odp", "application/vnd.oasis.opendocument.presentation"},
    {"ods", "application/vnd.oasis.opendocument.spreadsheet"},
    {"odt", "application/vnd.oasis.opendocument.text"},
    {"oga", "audio/ogg"},
    {"ogg", "audio/ogg"},
    {"ogv", "video/ogg"},
    {"otf", "font/otf"},
    {"p7b", "application/x-pkcs7-certificates"},
    {"pdf", "application/pdf"},
    {"pem", "application/x-pem-file"},
    {"png", "image/png"},
    {"ppt", "application/vnd.ms-powerpoint"},
    {"pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
    {"rss", "application/rss+xml"},
    {"rtf", "application/rtf"},
    {"shtm", "text/html"}, /* server-side include pages, rendered by ssi.c */
    {"shtml", "text/html"},
    {"stm", "text/html"},
    {"svg", "image/svg+xml"},
    {"svgz", "image/svg+xml"},
    {"tar", "application/x-tar"},
    {"tgz", "application/gzip"},
    {"tif", "image/tiff"},
    {"tiff", "image/tiff"},
    {"tsv", "text/tab-separated-values"},
    {"ttf", "font/ttf"},
    {"txt", "text/plain"},
    {"vtt", "text/vtt"},
    {"wasm", "application/wasm"},
    {"wav", "audio/wav"},
    {"weba", "audio/webm"},
    {"webm", "video/webm"},
    {"webmanifest", "application/manifest+json"},
    {"webp", "image/webp"},
    {"woff", "font/woff"},
    {"woff2", "font/woff2"},
    {"xhtml", "application/xhtml+xml"},
    {"xls", "application/vnd.ms-excel"},
    {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    {"xml", "text/xml"},
    {"xsd", "text/xml"},
    {"xsl", "text/xml"},
    {"xslt", "text/xml"},
    {"zip", "application/zip"},
};

/* Longest extension in the table; a longer one cannot match. */
#define MIME_EXT_MAX 16

static int
cmp_ext(const void *key, const void *elem)
{
    const struct mime_type *m = elem;

    return strcmp(key, m->ext);
}

const char *
mime_lookup_n(const char *path, size_t len)
{
    char ext[MIME_EXT_MAX + 1];
    const struct mime_type *m;
    size_t i, start = len, n;

    /* The extension is what follows the last '.' of the last segment. */
    for (i = len; i > 0; i--) {
        if (path[i - 1] == '/')
            return NULL;
        if (path[i - 1] == '.') {
            start = i;
            break;
        }
    }
    if (start == len)
        return NULL;
    n = len - start;
    if (n > MIME_EXT_MAX)
        return NULL;
    for (i = 0; i < n; i++) {
        char c = path[start + i];

        ext[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    ext[n] = '\0';
    m = bsearch(ext, mime_types, sizeof(mime_types) / sizeof(mime_types[0]), sizeof(mime_types[0]),
                cmp_ext);
    return m != NULL ? m->type : NULL;
}

const char *
mime_lookup(const char *path)
{
    if (path == NULL)
        return NULL;
    return mime_lookup_n(path, strlen(path));
}
