/*
 * errpage.c - IIS-style error bodies.  The texts explain each sub-status the
 * way IIS's detailed errors do, in our own words, and say nothing about the
 * server's internals.
 */
#include <stdio.h>

#include "errpage.h"

struct errpage_text {
    int status;
    int substatus;       /* -1: any sub-status without an entry of its own */
    const char *summary; /* what went wrong, one sentence */
    const char *action;  /* what the client or administrator can do */
};

/* Sorted by status then sub-status, generic (-1) entry first for each status. */
static const struct errpage_text texts[] = {
    {400, -1,
     "The request could not be understood by the server: its syntax or its URL is invalid.",
     "Check the request line, the headers and the escaping of the URL."},
    {401, -1, "You are not authorized to view this page.",
     "Supply valid credentials for this resource."},
    {401, 1,
     "Logon failed: the credentials supplied, or the account mapped to your client "
     "certificate, could not be logged on.",
     "Check the user name and password, or ask the administrator to check the account of the "
     "certificate mapping."},
    {401, 2,
     "Logon failed: no credentials were accepted for this resource, because none were "
     "supplied or because the server is not configured to authenticate them.",
     "Present a client certificate that is mapped to an account, or use an authentication method "
     "that this resource allows."},
    {401, 3, "You do not have permission to view this resource with the credentials supplied.",
     "Ask the administrator for access to this resource."},
    {403, -1, "You do not have permission to view this resource.",
     "Ask the administrator for access to this resource."},
    {403, 4, "This resource requires a secure (HTTPS) connection.",
     "Request the page again with https:// instead of http://."},
    {403, 5,
     "This resource requires a secure connection with an encryption strength of at least "
     "128 bits.",
     "Use a client that supports strong (128-bit or more) encryption."},
    {403, 7, "This resource requires a client certificate, and none was presented.",
     "Install a client certificate that this server accepts and present it when you connect."},
    {403, 12,
     "The client certificate mapper denied access: a many-to-one mapping refuses this "
     "certificate.",
     "Ask the administrator for access to this resource."},
    {403, 13, "The client certificate presented has been revoked by its issuer.",
     "Obtain a new client certificate from your certification authority."},
    {403, 14,
     "Browsing the contents of this directory is not allowed, and the directory has no "
     "default document.",
     "Request a file in the directory by its name."},
    {403, 16,
     "The client certificate presented is not trusted or is not valid: it does not chain "
     "to a certification authority that this server trusts.",
     "Present a certificate issued by an authority that the server trusts."},
    {403, 17, "The client certificate presented has expired or is not yet valid.",
     "Renew the certificate, or check the clock of the computer that presents it."},
    {404, -1,
     "The resource you are looking for has been removed, had its name changed, or is "
     "temporarily unavailable.",
     "Check the spelling of the URL."},
    {404, 3,
     "The resource cannot be served because its file name extension is not mapped to a "
     "content type on this server.",
     "Ask the administrator to add a MIME type for this extension, if the file should be served."},
    {404, 4,
     "The resource cannot be served because no handler mapping applies to its path and "
     "method.",
     "Ask the administrator to map a handler for this path and method."},
    {404, 11, "The request was refused because the URL contains a double-escaped sequence.",
     "Remove the repeated escaping from the URL."},
    {405, -1, "The method used in the request is not allowed for this resource.",
     "Use one of the methods listed in the Allow header of this response."},
    {408, -1, "The server timed out while waiting for the request.", "Send the request again."},
    {413, -1, "The request body is larger than the server accepts.", "Send a smaller request."},
    {414, -1, "The URL of the request is longer than the server accepts.", "Use a shorter URL."},
    {416, -1, "The byte range requested cannot be satisfied for this resource.",
     "Request a range that lies within the size of the resource."},
    {421, -1, "The request was sent to a connection that cannot answer for this host name.",
     "Send the request on a new connection to the right host name."},
    {431, -1, "The request's header fields are too large.", "Send fewer or shorter header fields."},
    {500, 19,
     "The requested page cannot be accessed because the related configuration data for the "
     "page is invalid.",
     "The administrator can find the web.config and the line in the server's error log."},
    {500, 21, "The handler mapped to this resource names a module that this server does not have.",
     "The administrator can find the handler and its module in the server's error log."},
    {500, -1, "The server met an internal error and could not complete the request.",
     "Try again later; the administrator can find the cause in the server's error log."},
    {501, -1, "The server does not support the functionality needed to answer the request.",
     "Check the method and the Transfer-Encoding of the request."},
    {502, -1,
     "The server, acting as a gateway, received an invalid response from the upstream server.",
     "Try again later; the administrator can find the cause in the server's error log."},
    {502, 3,
     "The server, acting as a gateway, could not complete the request: the connection to the "
     "upstream server failed or timed out, or its response was invalid.",
     "Try again later; the administrator can find the upstream and the cause in the server's "
     "error log."},
    {503, -1, "The service is unavailable: the server is overloaded or shutting down.",
     "Try again later."},
    {505, -1, "The HTTP version of the request is not supported.", "Use HTTP/1.1 or HTTP/1.0."},
};

const char *
errpage_reason(int status)
{
    switch (status) {
    case 100:
        return "Continue";
    case 101:
        return "Switching Protocols";
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 204:
        return "No Content";
    case 206:
        return "Partial Content";
    case 301:
        return "Moved Permanently";
    case 302:
        return "Found";
    case 304:
        return "Not Modified";
    case 307:
        return "Temporary Redirect";
    case 308:
        return "Permanent Redirect";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 406:
        return "Not Acceptable";
    case 408:
        return "Request Timeout";
    case 411:
        return "Length Required";
    case 412:
        return "Precondition Failed";
    case 413:
        return "Content Too Large";
    case 414:
        return "URI Too Long";
    case 415:
        return "Unsupported Media Type";
    case 416:
        return "Range Not Satisfiable";
    case 417:
        return "Expectation Failed";
    case 421:
        return "Misdirected Request";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    case 505:
        return "HTTP Version Not Supported";
    default:
        break;
    }
    /* Unknown codes get the name of their class (RFC 9110 §15). */
    if (status >= 100 && status < 200)
        return "Informational";
    if (status >= 200 && status < 300)
        return "Success";
    if (status >= 300 && status < 400)
        return "Redirection";
    if (status >= 400 && status < 500)
        return "Client Error";
    return "Server Error";
}

/* Exact (status, substatus) entry, else the generic one of status, else NULL. */
static const struct errpage_text *
find_text(int status, int substatus)
{
    const struct errpage_text *generic = NULL;
    size_t i;

    for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        if (texts[i].status != status)
            continue;
        if (texts[i].substatus == substatus)
            return &texts[i];
        if (texts[i].substatus == -1)
            generic = &texts[i];
    }
    return generic;
}

size_t
errpage_render(char *buf, size_t size, int status, int substatus)
{
    return errpage_render_with(buf, size, status, substatus, NULL, NULL);
}

size_t
errpage_render_with(char *buf, size_t size, int status, int substatus, const char *reason_html,
                    const char *summary_html)
{
    const struct errpage_text *t = find_text(status, substatus);
    const char *reason = reason_html != NULL ? reason_html : errpage_reason(status);
    const char *summary = summary_html != NULL ? summary_html
                          : t != NULL          ? t->summary
                                               : "The server could not complete the request.";
    const char *action = t != NULL ? t->action : "Try again later.";
    int n;

    if (substatus < 0)
        substatus = 0;
    /* Fixed texts and integers, or what the configuration's rule said (escaped by the caller). */
    n = snprintf(buf, size,
                 "<!DOCTYPE html>\n"
                 "<html lang=\"en\">\n"
                 "<head>\n"
                 "<meta charset=\"utf-8\">\n"
                 "<title>HTTP Error %d.%d - %s</title>\n"
                 "<style>body{font-family:sans-serif;margin:2em}h1{color:#c00;font-size:1.4em}"
                 "</style>\n"
                 "</head>\n"
                 "<body>\n"
                 "<h1>HTTP Error %d.%d - %s</h1>\n"
                 "<h2>%s</h2>\n"
                 "<h3>Most likely causes and things you can try:</h3>\n"
                 "<p>%s</p>\n"
                 "<p>Status %d, sub-status %d.</p>\n"
                 "</body>\n"
                 "</html>\n",
                 status, substatus, reason, status, substatus, reason, summary, action, status,
                 substatus);
    if (n < 0) {
        if (size > 0)
            buf[0] = '\0';
        return 0;
    }
    return (size_t)n;
}
