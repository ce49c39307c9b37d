/*
 * fastcgi.h - one request handed to a FastCGI application, as IIS's
 * FastCgiModule does: the responder role over one connection with
 * FCGI_KEEP_CONN, the request body streamed as STDIN, the response streamed
 * back from STDOUT, STDERR to the error log.
 *
 * PARAMS: every server variable of svar_each() (CGI/1.1 first, then IIS's:
 * REMOTE_USER, AUTH_TYPE, AUTH_USER, LOGON_USER, HTTPS, CERT_*, ...; then
 * HTTP_* for the request headers, never a header whose name holds '_' and
 * never HTTP_PROXY), with SCRIPT_NAME, PATH_INFO and PATH_TRANSLATED split
 * at the script as the handler mapping found it, plus SCRIPT_FILENAME,
 * DOCUMENT_ROOT and REDIRECT_STATUS=200 (php-cgi's cgi.force_redirect).
 *
 * The response: the CGI head (fcgi.h) becomes the status line and headers
 * (Status: sets the status, a Location with an absolute URL and no Status
 * is a 302; hop-by-hop headers are dropped); the body goes out with the
 * application's Content-Length when it gave one, else chunked to an
 * HTTP/1.1 client, else until the connection closes.  A local redirect
 * (only "Location: /path") is not followed: 500 and an error log line.
 *
 * Errors, as IIS answers them (500.0, the error log says which): the
 * application cannot be reached or started ("The FastCGI process failed
 * unexpectedly"), requestTimeout or activityTimeout exceeded ("The FastCGI
 * process exceeded configured request timeout" / "activity timeout"; the
 * process is stopped), a response that breaks the protocol.  The client
 * never sees more than what the application printed or the IIS error page.
 * Once the response has started, a failure closes the client connection.
 */
#ifndef CERTMAP_SERVER_FASTCGI_H
#define CERTMAP_SERVER_FASTCGI_H

#include <stddef.h>

#include "certmap/view.h"
#include "conn.h"
#include "svars.h"

/* What the request pipeline hands to the exchange; borrowed for the call. */
struct fastcgi_request_in {
    const struct certmap_fcgi_app *app; /* the handler's application (in c->snap) */
    const struct svar_ctx *sv;          /* the request's server variables */
    const char *script_name;            /* URL path of the script (decoded) */
    size_t script_name_len;
    const char *path_info; /* the rest of the URL path after the script, "" when none */
    size_t path_info_len;
    const char *script_filename; /* the script's file: the vdir's physical path + the rest */
    const char *document_root;   /* the site root's physical path */
};

/*
 * Starts the exchange of the request c->w->req with in->app.  0: it runs
 * (c->fx, c->gw = &fastcgi_gateway; the connection turns to CS_GATEWAY).
 * -1: an error response was queued (500, with an error log line).
 */
int fastcgi_start(struct conn *c, const struct fastcgi_request_in *in);

#endif
