/*
 * svars.h - IIS server variables of a request, from one table.
 *
 * Every consumer of server variables reads them here: SSI `#echo`, URL
 * Rewrite `{VAR}` inputs, FastCGI parameters and the identity headers sent
 * upstream.  Names are IIS's (Microsoft, "IIS Server Variables",
 * learn.microsoft.com/en-us/iis/web-dev-reference/server-variables) and
 * compare case-insensitively; values are formatted as IIS formats them, and
 * where IIS does not document a format the table in svars.c says so (the
 * same table is docs/server-variables.md).  HTTP_<NAME> reads any request
 * header, '_' in NAME standing for '-' in the header name.
 *
 * AUTH_PASSWORD is deliberately absent: IIS exposes the Basic password
 * there; certmapd never hands a password to a page, a rule or a back end.
 *
 * Values never contain NUL.  Certificate names may contain CR or LF (they
 * are the certificate's bytes), header values never do (the HTTP parser
 * refuses them): a consumer that writes a value into a header line checks.
 */
#ifndef CERTMAP_SERVER_SVARS_H
#define CERTMAP_SERVER_SVARS_H

#include <stddef.h>

#include <openssl/ssl.h>

#include "http.h"
#include "identity.h"
#include "snapshot.h"

struct rewrite_state;

/*
 * What the getters read.  Everything is borrowed and must stay valid while
 * svar_get()/svar_each() run; a pointer may be NULL when the request has no
 * such thing yet (the variables that need it are then "").
 */
struct svar_ctx {
    const struct identity *id;         /* who, and the connection's addresses; never NULL */
    const struct http_request *req;    /* the parsed request head */
    const struct snap_site *site;      /* the site the request was routed to */
    const struct certmap_scope *scope; /* the scope of path (its application, vdir) */
    const char *path;                  /* decoded, normalised URL path (URL, SCRIPT_NAME) */
    size_t path_len;
    SSL *ssl; /* the TLS connection (key sizes, server certificate); NULL over http */
    /* URL Rewrite's server variables of the request, NULL when none: an HTTP_<NAME> a rule set
       is the request header <NAME> for svar_get(), as IIS passes it on to later handlers */
    const struct rewrite_state *rw;
};

/* svar_get() results besides a length. */
#define SVAR_UNKNOWN (-1)  /* no such variable (or HTTP_X and no header X) */
#define SVAR_TOO_LONG (-2) /* the value does not fit in size bytes: buf is "", never cut */

/*
 * Writes the value of variable name[0..name_len) into buf[0..size) as a
 * NUL-terminated string.  Returns its length, SVAR_UNKNOWN or SVAR_TOO_LONG
 * (buf is then "").  A variable that exists but has no value in this
 * request (CERT_SUBJECT without a certificate, HTTPS_KEYSIZE over http) is
 * "" and length 0, as in IIS.  Thread-safe; allocates only inside OpenSSL.
 */
int svar_get(const struct svar_ctx *ctx, const char *name, size_t name_len, char *buf, size_t size);

/*
 * Called by svar_each() once per variable; a non-zero return stops the walk
 * and becomes svar_each()'s result.  name and value are valid for the call.
 */
typedef int (*svar_on_var)(void *arg, const char *name, const char *value, size_t value_len);

/*
 * Calls fn for every variable of the request, as FastCGI parameters want
 * them: first the CGI/1.1 meta-variables (RFC 3875 §4.1), then the IIS
 * ones, then HTTP_<NAME> for each request header (several fields of one
 * name joined with ", ", once).  Left out: ALL_HTTP and ALL_RAW (they repeat
 * the HTTP_ variables), headers whose name holds '_' (no HTTP_ name reaches
 * them, and a back end would confuse them with the '-' spelling), and
 * HTTP_PROXY (a client's "Proxy:" header must not become a back end's proxy
 * setting, "httpoxy").  Returns 0, fn's non-zero result, or -1 when memory
 * runs out.
 */
int svar_each(const struct svar_ctx *ctx, svar_on_var fn, void *arg);

#endif
