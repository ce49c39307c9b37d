/*
 * binding.h - the one parser of bindingInformation (binding.c).
 */
#ifndef CERTMAP_CONFIG_BINDING_H
#define CERTMAP_CONFIG_BINDING_H

#include <stddef.h>

/*
 * "ip:port:host" of a binding (IPv6 in brackets): 0 with ip and host
 * NUL-terminated into their buffers and *port 1..65535, or -1 with a message
 * in *why.  Used by the validator, the view (and so certmapd) and the CLI.
 */
int cfg_binding_parse_info(const char *s, char *ip, size_t ipsize, unsigned *port, char *host,
                           size_t hostsize, const char **why);

#endif
