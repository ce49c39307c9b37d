/*
 * binding.c - the one parser of a binding's bindingInformation, for the
 * validator, the view (and so certmapd) and the CLI.
 */
#include "config/binding.h"

#include <stdlib.h>
#include <string.h>

int
cfg_binding_parse_info(const char *s, char *ip, size_t ipsize, unsigned *port, char *host,
                       size_t hostsize, const char **why)
{
    const char *p = s, *colon, *end;
    unsigned long v;
    char *num_end;

    if (*p == '[') {
        end = strchr(p, ']');
        if (end == NULL || end[1] != ':') {
            *why = "an IPv6 address must be written [addr]:port:host";
            return -1;
        }
        if ((size_t)(end - p - 1) >= ipsize) {
            *why = "address too long";
            return -1;
        }
        memcpy(ip, p + 1, (size_t)(end - p - 1));
        ip[end - p - 1] = '\0';
        p = end + 2;
    } else {
        colon = strchr(p, ':');
        if (colon == NULL) {
            *why = "expected \"ip:port:host\"";
            return -1;
        }
        if ((size_t)(colon - p) >= ipsize) {
            *why = "address too long";
            return -1;
        }
        memcpy(ip, p, (size_t)(colon - p));
        ip[colon - p] = '\0';
        p = colon + 1;
    }
    colon = strchr(p, ':');
    if (colon == NULL) {
        *why = "expected \"ip:port:host\"";
        return -1;
    }
    v = strtoul(p, &num_end, 10);
    if (num_end != colon || p == colon || v == 0 || v > 65535) {
        *why = "the port must be a number from 1 to 65535";
        return -1;
    }
    *port = (unsigned)v;
    if (strlen(colon + 1) >= hostsize) {
        *why = "host name too long";
        return -1;
    }
    strcpy(host, colon + 1);
    return 0;
}
