/*
 * snapshot_bind.c - bindings, listening endpoints and TLS contexts of a
 * snapshot: "ip:port:host" parsing, '*' on IPv4 and IPv6, the bindings each
 * endpoint serves (exact address first, then the wildcard ones), one port
 * for one protocol.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "snapshot_build.h"
#include "tls.h"

/* "ip:port:host"; IPv6 in brackets.  0, or -1 with a message in why. */
static int
parse_binding_info(const char *s, char *ip, size_t ipsize, unsigned *port, char *host,
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

static int
make_addr(const char *ip, unsigned port, struct sockaddr_storage *ss, socklen_t *len)
{
    struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

    memset(ss, 0, sizeof(*ss));
    if (inet_pton(AF_INET, ip, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons((uint16_t)port);
        *len = sizeof(*in4);
        return 0;
    }
    if (inet_pton(AF_INET6, ip, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        *len = sizeof(*in6);
        return 0;
    }
    return -1;
}

static void
endpoint_key(struct snap_endpoint *ep)
{
    const char *proto = ep->proto == SNAP_HTTPS ? "https" : "http";

    if (ep->addr.ss_family == AF_INET6)
        snprintf(ep->key, sizeof(ep->key), "%s/[%s]:%u", proto, ep->ip, ep->port);
    else
        snprintf(ep->key, sizeof(ep->key), "%s/%s:%u", proto, ep->ip, ep->port);
}

/* Finds or adds the endpoint (proto, ip, port). NULL on allocation failure. */
static struct snap_endpoint *
endpoint_get(struct snapshot *snap, enum snap_proto proto, const char *ip, unsigned port,
             size_t *cap)
{
    struct snap_endpoint tmp, *ep;
    size_t i;

    memset(&tmp, 0, sizeof(tmp));
    tmp.proto = proto;
    tmp.port = port;
    if (make_addr(ip, port, &tmp.addr, &tmp.addrlen) != 0)
        return NULL;
    /* Canonical text of the address, so that "::1" and "0::1" are one endpoint. */
    if (tmp.addr.ss_family == AF_INET6)
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&tmp.addr)->sin6_addr, tmp.ip, sizeof(tmp.ip));
    else
        inet_ntop(AF_INET, &((struct sockaddr_in *)&tmp.addr)->sin_addr, tmp.ip, sizeof(tmp.ip));
    endpoint_key(&tmp);
    for (i = 0; i < snap->nendpoints; i++)
        if (strcmp(snap->endpoints[i].key, tmp.key) == 0)
            return &snap->endpoints[i];
    if (snap->nendpoints == *cap) {
        size_t ncap = *cap ? *cap * 2 : 4;
        ep = realloc(snap->endpoints, ncap * sizeof(*ep));
        if (ep == NULL)
            return NULL;
        snap->endpoints = ep;
        *cap = ncap;
    }
    snap->endpoints[snap->nendpoints] = tmp;
    return &snap->endpoints[snap->nendpoints++];
}

static bool
is_wildcard_ip(const char *ip)
{
    return ip[0] == '\0' || strcmp(ip, "*") == 0;
}

/* Appends b to ep's bindings. 0 or -1. */
static int
endpoint_add(struct snap_endpoint *ep, struct snap_binding *b)
{
    struct snap_binding **v;

    v = realloc(ep->bindings, (ep->nbindings + 1) * sizeof(*v));
    if (v == NULL)
        return -1;
    ep->bindings = v;
    ep->bindings[ep->nbindings++] = b;
    return 0;
}

static bool
same_port_proto(const struct snap_endpoint *ep, const struct snap_binding *b, unsigned port)
{
    return ep->proto == b->proto && ep->port == port;
}

struct raw_binding {
    enum snap_proto proto;
    char ip[48];
    unsigned port;
    char host[256];
    struct certmap_element *e;
    size_t site;
};

static char *
expand_attr(struct build *bd, struct certmap_element *e, const char *attr)
{
    const char *v = snap_get_str(e, attr);
    struct certmap_error err;
    const char *file;
    unsigned line;
    char *out;

    if (v[0] == '\0')
        return NULL;
    certmap_error_clear(&err);
    out = certmap_config_expand_path(bd->cfg, v, &err);
    if (out == NULL) {
        snap_source_of(e, attr, &file, &line);
        snap_diag(bd->diags, CERTMAP_SEV_ERROR, file, line, certmap_element_name(e), attr, "%s",
                  err.message);
    }
    return out;
}

/* Creates the SSL context of an https binding. 0 or -1 (reported). */
static int
build_tls(struct build *bd, struct snap_binding *b, struct certmap_element *e)
{
    struct tls_binding_conf conf;
    struct certmap_error err;
    char *cert = expand_attr(bd, e, "certificateFile");
    char *key = expand_attr(bd, e, "certificateKeyFile");
    char *ca = expand_attr(bd, e, "clientCaFile");
    char *crl = expand_attr(bd, e, "crlFile");
    char *store = NULL;
    const char *store_name = snap_get_str(e, "certificateStoreName");
    int ret = -1;

    if (store_name[0] == '\0')
        store_name = "MY";
    if (cert == NULL)
        store = certmap_config_expand_path(bd->cfg, store_name, &err);
    memset(&conf, 0, sizeof(conf));
    conf.cert_file = cert;
    conf.key_file = key;
    conf.cert_hash = snap_get_str(e, "certificateHash");
    conf.store_dir = store;
    conf.client_ca_file = ca;
    conf.crl_file = crl;
    conf.src_file = b->file;
    conf.src_line = b->line;
    conf.ticket_seconds = bd->snap->server.ticket_seconds;
    conf.generation = bd->snap->generation;
    certmap_error_clear(&err);
    if (cert == NULL && conf.cert_hash[0] != '\0' && store == NULL) {
        snap_diag(bd->diags, CERTMAP_SEV_ERROR, b->file, b->line, "binding", "certificateStoreName",
                  "cannot resolve the certificate store \"%s\"", store_name);
        goto out;
    }
    b->ssl_ctx = tls_ctx_new(b, &conf, &err);
    if (b->ssl_ctx == NULL) {
        snap_diag_err(bd->diags, CERTMAP_SEV_ERROR, &err);
        goto out;
    }
    ret = 0;
out:
    free(cert);
    free(key);
    free(ca);
    free(crl);
    free(store);
    return ret;
}

/* Parses the bindings of every site into raw (owned array). -1 on allocation failure. */
static int
collect_bindings(struct build *bd, struct certmap_collection *sites, struct raw_binding **out,
                 size_t *nout)
{
    struct raw_binding *raw = NULL, *r;
    size_t n = 0, cap = 0, i, j;

    for (i = 0; i < certmap_collection_count(sites); i++) {
        struct certmap_element *se = certmap_collection_item(sites, i);
        struct certmap_collection *bc;
        struct certmap_error e;

        if (!snap_get_bool(se, "serverAutoStart", true))
            continue;
        bc = certmap_element_collection(se, "bindings", &e);
        if (bc == NULL)
            continue;
        for (j = 0; j < certmap_collection_count(bc); j++) {
            struct certmap_element *be = certmap_collection_item(bc, j);
            const char *proto = snap_get_str(be, "protocol");
            const char *info = snap_get_str(be, "bindingInformation");
            const char *why = NULL, *file;
            unsigned line;

            snap_source_of(be, NULL, &file, &line);
            if (n == cap) {
                size_t ncap = cap ? cap * 2 : 8;
                r = realloc(raw, ncap * sizeof(*raw));
                if (r == NULL) {
                    free(raw);
                    return -1;
                }
                raw = r;
                cap = ncap;
            }
            r = &raw[n];
            memset(r, 0, sizeof(*r));
            if (strcasecmp(proto, "https") == 0) {
                r->proto = SNAP_HTTPS;
            } else if (strcasecmp(proto, "http") == 0) {
                r->proto = SNAP_HTTP;
            } else {
                snap_diag(bd->diags, CERTMAP_SEV_WARNING, file, line, "binding", "protocol",
                          "protocol \"%s\" is not served by certmapd; binding ignored", proto);
                continue;
            }
            if (parse_binding_info(info, r->ip, sizeof(r->ip), &r->port, r->host, sizeof(r->host),
                                   &why) != 0) {
                snap_diag(bd->diags, CERTMAP_SEV_ERROR, file, line, "binding", "bindingInformation",
                          "\"%s\": %s", info, why);
                continue;
            }
            if (!is_wildcard_ip(r->ip)) {
                struct sockaddr_storage ss;
                socklen_t sl;
                if (make_addr(r->ip, r->port, &ss, &sl) != 0) {
                    snap_diag(bd->diags, CERTMAP_SEV_ERROR, file, line, "binding",
                              "bindingInformation", "\"%s\": \"%s\" is not an IP address or *",
                              info, r->ip);
                    continue;
                }
            }
            r->e = be;
            r->site = i;
            n++;
        }
    }
    *out = raw;
    *nout = n;
    return 0;
}

static const char *
client_cert_name(struct certmap_element *be, enum snap_client_cert *out, struct build *bd,
                 const char *file, unsigned line)
{
    const char *v = snap_get_str(be, "clientCertificate");

    *out = SNAP_CC_AUTO;
    if (v[0] == '\0' || strcasecmp(v, "auto") == 0)
        return v;
    if (strcasecmp(v, "on") == 0 || strcasecmp(v, "true") == 0)
        *out = SNAP_CC_ON;
    else if (strcasecmp(v, "off") == 0 || strcasecmp(v, "false") == 0)
        *out = SNAP_CC_OFF;
    else
        snap_diag(bd->diags, CERTMAP_SEV_ERROR, file, line, "binding", "clientCertificate",
                  "\"%s\" is not one of auto, on, off", v);
    return v;
}

/* Bindings and endpoints; needs the sites built. */
int
snap_build_bindings(struct build *bd, struct certmap_collection *sites, size_t *site_of_item)
{
    struct snapshot *snap = bd->snap;
    struct raw_binding *raw = NULL;
    size_t nraw = 0, i, j, cap = 0;
    int ret = 0;

    if (collect_bindings(bd, sites, &raw, &nraw) != 0)
        return -1;
    snap->bindings = calloc(nraw ? nraw : 1, sizeof(*snap->bindings));
    if (snap->bindings == NULL) {
        free(raw);
        return -1;
    }
    /* Endpoints first (so that their array no longer moves), then the bindings. */
    for (i = 0; i < nraw; i++) {
        if (is_wildcard_ip(raw[i].ip)) {
            if (endpoint_get(snap, raw[i].proto, "0.0.0.0", raw[i].port, &cap) == NULL ||
                endpoint_get(snap, raw[i].proto, "::", raw[i].port, &cap) == NULL)
                ret = -1;
        } else if (endpoint_get(snap, raw[i].proto, raw[i].ip, raw[i].port, &cap) == NULL) {
            ret = -1;
        }
    }
    for (i = 0; i < nraw && ret == 0; i++) {
        struct snap_binding *b = &snap->bindings[snap->nbindings++];
        const char *file;
        unsigned line;

        snap_source_of(raw[i].e, NULL, &file, &line);
        b->proto = raw[i].proto;
        b->site = &snap->sites[site_of_item[raw[i].site]];
        b->host = snap_strdup(raw[i].host);
        b->file = snap_strdup(file);
        b->line = line;
        b->wildcard_ip = is_wildcard_ip(raw[i].ip);
        if (b->host == NULL || b->file == NULL) {
            ret = -1;
            break;
        }
        client_cert_name(raw[i].e, &b->client_cert, bd, file, line);
        b->request_cert =
            b->client_cert == SNAP_CC_ON || (b->client_cert == SNAP_CC_AUTO && b->site->wants_cert);
        if (b->proto == SNAP_HTTPS && bd->params->tls && build_tls(bd, b, raw[i].e) != 0)
            ret = -1;
    }
    /* Attach: exact address first, then the wildcard bindings of the same port. */
    for (j = 0; j < snap->nendpoints && ret == 0; j++) {
        struct snap_endpoint *ep = &snap->endpoints[j];
        int pass;
        for (pass = 0; pass < 2; pass++) {
            for (i = 0; i < snap->nbindings; i++) {
                struct snap_binding *b = &snap->bindings[i];
                bool match;
                if (!same_port_proto(ep, b, raw[i].port))
                    continue;
                if (pass == 0) {
                    struct sockaddr_storage ss;
                    socklen_t sl;
                    char canon[48];
                    if (b->wildcard_ip || make_addr(raw[i].ip, raw[i].port, &ss, &sl) != 0)
                        continue;
                    if (ss.ss_family == AF_INET6)
                        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, canon,
                                  sizeof(canon));
                    else
                        inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, canon,
                                  sizeof(canon));
                    match = strcmp(canon, ep->ip) == 0;
                } else {
                    match = b->wildcard_ip;
                }
                if (match) {
                    if (endpoint_add(ep, b) != 0)
                        ret = -1;
                    if (b->ep == NULL)
                        b->ep = ep;
                }
            }
        }
        if (ep->nbindings > 0 && ep->bindings[0]->ssl_ctx != NULL)
            ep->default_ctx = ep->bindings[0]->ssl_ctx;
    }
    /* One port cannot speak both http and https. */
    for (i = 0; i < snap->nendpoints; i++)
        for (j = i + 1; j < snap->nendpoints; j++)
            if (snap->endpoints[i].port == snap->endpoints[j].port &&
                snap->endpoints[i].proto != snap->endpoints[j].proto) {
                snap_diag(bd->diags, CERTMAP_SEV_ERROR, bd->snap->config_path, 0, "binding",
                          "bindingInformation", "port %u is bound both as http and as https",
                          snap->endpoints[i].port);
                ret = -1;
                i = snap->nendpoints;
                break;
            }
    free(raw);
    return ret;
}
