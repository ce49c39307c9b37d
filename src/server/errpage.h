/*
 * errpage.h - IIS-style error bodies ("detailed errors").
 *
 * Every error response of certmapd carries a small HTML body whose <title>
 * and <h1> read exactly "HTTP Error <status>.<substatus> - <Reason>", as IIS's
 * detailed error pages do, followed by an explanation of the sub-status in
 * plain words.  The body never contains internal details (paths, errno,
 * OpenSSL messages, user names): it depends only on (status, substatus).
 * Pure functions, no allocation, thread-safe.
 */
#ifndef CERTMAP_ERRPAGE_H
#define CERTMAP_ERRPAGE_H

#include <stddef.h>

/* A buffer of this size always holds a whole body (with its NUL). */
#define ERRPAGE_MAX 2048

/*
 * Reason phrase of an HTTP status code ("Forbidden" for 403), as used in the
 * status line and the error page.  Never NULL: unknown codes give a phrase
 * for their class ("Client Error", "Server Error", ...).  Static string.
 */
const char *errpage_reason(int status);

/*
 * Writes the HTML body for status.substatus into buf (NUL-terminated when
 * size > 0) and returns its length without the NUL.  Like snprintf, a
 * return value >= size means the body was truncated; with size >=
 * ERRPAGE_MAX it never is.  An unknown (status, substatus) pair still gives
 * a valid page with the generic text of its status.  The server sends it as
 * "text/html; charset=utf-8".
 */
size_t errpage_render(char *buf, size_t size, int status, int substatus);

/*
 * errpage_render() with the reason phrase and the summary given by the
 * caller (URL Rewrite's CustomResponse statusReason and statusDescription):
 * reason_html replaces the reason in <title> and <h1>, summary_html the
 * sub-status's explanation; NULL keeps the standard text.  Both are put in
 * as they are: the caller has escaped them for HTML.  Returns as
 * errpage_render(); a size of ERRPAGE_MAX plus both lengths twice always
 * holds the page.
 */
size_t errpage_render_with(char *buf, size_t size, int status, int substatus,
                           const char *reason_html, const char *summary_html);

#endif
