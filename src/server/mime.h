/*
 * mime.h - file extension -> Content-Type, from a built-in table.
 *
 * The table follows the defaults of IIS's <staticContent> mimeMap for the
 * common web types.  IIS serves only files whose extension is mapped and
 * answers 404.3 for the others; certmapd does the same with this table.
 * Pure functions over constant data, thread-safe.
 */
#ifndef CERTMAP_MIME_H
#define CERTMAP_MIME_H

#include <stddef.h>

/*
 * Content type for the extension of path (the text after the last '.' of the
 * last '/'-separated segment), compared case-insensitively, for example
 * "text/html" for "/a/Index.HTM".  Returns a static string, or NULL when the
 * file name has no extension or the extension is not in the table.
 */
const char *mime_lookup(const char *path);

/* Same as mime_lookup() for a path given as len bytes (no NUL needed). */
const char *mime_lookup_n(const char *path, size_t len);

#endif
