/*
 * pipeline.h - the server's own decisions of the request pipeline (DESIGN
 * §4), as pure functions over a snapshot: the path, the Host, the binding
 * and the Basic credentials of a request, the realm of a challenge.  The
 * access decisions that `certmap test-cert` explains too (sslFlags,
 * certificate, authentication modules) are libcertmap's decide.h.  They do
 * no I/O and keep no state; request.c calls them in order and does the I/O
 * (logon, handler, log).
 */
#ifndef CERTMAP_SERVER_PIPELINE_H
#define CERTMAP_SERVER_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>

#include "decide.h"
#include "logon.h"
#include "snapshot.h"

/* Longest decoded path pipeline_normalize_path() produces. */
#define PIPELINE_PATH_MAX 4096

/* Longest user name or password taken from a Basic Authorization header. */
#define PIPELINE_CRED_MAX 256

/* Longest logon or display name ("user@DOMAIN", "DOMAIN\\user"), NUL included. */
#define PIPELINE_LOGON_NAME_MAX LOGON_FORM_MAX

/*
 * The URL path raw[0..len) decoded for location and virtual directory
 * matching and for the handlers, by codec_url_path_decode() (which lists
 * what it refuses: malformed escapes, NUL, encoded '/' or '\', raw '\',
 * control characters, "." and ".." segments; runs of '/' collapsed).
 * Returns 0 with out NUL-terminated and *out_len set; 400 for a refused
 * path; 414 when the result would not fit in size (or PIPELINE_PATH_MAX).
 */
int pipeline_normalize_path(const char *raw, size_t len, char *out, size_t size, size_t *out_len);

/*
 * The host name of a Host value (host_len bytes), without the port and
 * without a trailing dot: "[::1]:8443" -> "[::1]", "Example.com.:443" ->
 * "Example.com".  Sets *name and *name_len (pointing into host).
 */
void pipeline_host_name(const char *host, size_t host_len, const char **name, size_t *name_len);

/*
 * Chooses the binding of a request that arrived on ep.  tls_binding is the
 * binding whose TLS context served the handshake (after SNI), NULL over
 * plain HTTP.  host is the Host name (pipeline_host_name()), NULL when the
 * request has none (HTTP/1.0).  Returns 0 and *out, 400 when no binding of
 * ep accepts the host name, or 421 when the host belongs to another site
 * than the one the TLS handshake was made for (its certificate and trust
 * settings would not be the ones this request needs).
 */
int pipeline_route(const struct snap_endpoint *ep, const struct snap_binding *tls_binding,
                   const char *host, size_t host_len, const struct snap_binding **out);

/*
 * Decodes an Authorization header value.  Returns 1 when it is not Basic
 * (ignored), 0 with user and password NUL-terminated, -1 when it is Basic but
 * malformed (not strict base64 as codec_b64_decode() reads it, no ':', NUL,
 * too long).  The caller wipes password.
 */
int pipeline_parse_basic(const char *value, size_t len, char *user, size_t usize, char *password,
                         size_t psize);

/* The realm of a Basic challenge: basicAuthentication/@realm, else the host name, else the site. */
const char *pipeline_realm(const struct certmap_settings *loc, const char *host, size_t host_len,
                           const struct snap_site *site, char *buf, size_t size);

#endif
