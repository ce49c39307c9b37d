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
#include <time.h>

#include "pipeline.h"
#include "cert/verify.h"
#include "check.h"
#include "snapshot_bind.h"
#include "tls.h"

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

/* A binding of the view and the snapshot site it belongs to. */
struct raw_binding {
    enum snap_proto proto;
    const char *ip; /* "*" for any */
    unsigned port;
    const struct certmap_binding *vb;
    struct snap_site *site;
};

/*
 * When b asks for the client certificate: "late" always after the
 * handshake; "auto" after it only when the site root neither negotiates nor
 * requires one (a site that needs it everywhere asks at once, as IIS does).
 */
static enum snap_cert_defer
cert_defer(const struct snap_binding *b)
{
    const struct certmap_site *vs = b->site->vs;
    const struct certmap_scope *root = vs->nscopes > 0 ? vs->scopes[0] : NULL;

    if (b->client_cert == SNAP_CC_LATE)
        return SNAP_DEFER_ALWAYS;
    if (b->client_cert != SNAP_CC_AUTO || root == NULL)
        return SNAP_DEFER_NO;
    if (root->path_len == 0 && !decide_uses_cert(&root->settings))
        return SNAP_DEFER_CAPABLE;
    return SNAP_DEFER_NO;
}

/*
 * The CRLs of a binding that verifies client certificates: a CRL past its
 * nextUpdate is an error in the log at every load (and near it a warning),
 * though the configuration is served: certmapd answers 403.13 for what it
 * no longer covers, as IIS does.  Keeps what the CRLs say for the
 * explanation of those refusals.  0, or -1 when out of memory.
 */
static int
note_crl(struct snapshot *snap, struct snap_binding *b, const struct certmap_binding *vb,
         struct certmap_diags *diags)
{
    time_t now = time(NULL);
    char note[1024];

    if (diags != NULL &&
        check_crl(vb->crl_file, now, certmap_view_server(snap->view)->crl_warning_hours, b->file,
                  b->line, diags) != 0)
        return -1;
    b->crl_note = snap_strdup(cert_crl_describe(vb->crl_file, now, note, sizeof(note)));
    return b->crl_note != NULL ? 0 : -1;
}

/* Creates the SSL context of an https binding. 0 or -1 (reported). */
static int
build_tls(struct snapshot *snap, struct snap_binding *b, const struct certmap_binding *vb,
          struct certmap_diags *diags)
{
    struct tls_binding_conf conf;
    struct certmap_error err;

    memset(&conf, 0, sizeof(conf));
    conf.cert_file = vb->cert_file;
    conf.key_file = vb->key_file;
    conf.cert_hash = vb->cert_hash != NULL ? vb->cert_hash : "";
    conf.store_dir = vb->store_dir;
    conf.client_ca_file = vb->client_ca_file;
    conf.crl_file = vb->crl_file;
    conf.src_file = b->file;
    conf.src_line = b->line;
    conf.ticket_seconds = snap->sv->ticket_seconds;
    conf.ticket_count = snap->sv->ticket_count;
    conf.max_client_chain = snap->sv->max_client_chain;
    conf.generation = snap->generation;
    certmap_error_clear(&err);
    b->ssl_ctx = tls_ctx_new(b, &conf, &err);
    if (b->ssl_ctx == NULL) {
        snap_diag_err(diags, CERTMAP_SEV_ERROR, &err);
        return -1;
    }
    return b->request_cert && vb->crl_file != NULL ? note_crl(snap, b, vb, diags) : 0;
}

/* The bindings of every started site, in order. -1 on allocation failure. */
static int
collect_bindings(struct snapshot *snap, struct raw_binding **out, size_t *nout)
{
    struct raw_binding *raw;
    size_t n = 0, total = 0;

    for (size_t i = 0; i < snap->nsites; i++)
        total += snap->sites[i].vs->nbindings;
    raw = calloc(total ? total : 1, sizeof(*raw));
    if (raw == NULL)
        return -1;
    for (size_t i = 0; i < snap->nsites; i++) {
        const struct certmap_site *vs = snap->sites[i].vs;
        if (!vs->auto_start)
            continue;
        for (size_t j = 0; j < vs->nbindings; j++) {
            const struct certmap_binding *vb = &vs->bindings[j];
            raw[n].proto = vb->proto == CERTMAP_BINDING_HTTPS ? SNAP_HTTPS : SNAP_HTTP;
            raw[n].ip = vb->ip;
            raw[n].port = vb->port;
            raw[n].vb = vb;
            raw[n].site = &snap->sites[i];
            n++;
        }
    }
    *out = raw;
    *nout = n;
    return 0;
}

/* Bindings and endpoints; needs the sites built. */
int
snap_build_bindings(struct snapshot *snap, bool tls, struct certmap_diags *diags)
{
    struct raw_binding *raw = NULL;
    size_t nraw = 0, i, j, cap = 0;
    int ret = 0;

    if (collect_bindings(snap, &raw, &nraw) != 0)
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
        const struct certmap_binding *vb = raw[i].vb;

        b->proto = raw[i].proto;
        b->site = raw[i].site;
        b->host = snap_strdup(vb->host);
        b->file = snap_strdup(vb->src.file);
        b->line = vb->src.line;
        b->wildcard_ip = is_wildcard_ip(raw[i].ip);
        if (b->host == NULL || b->file == NULL) {
            ret = -1;
            break;
        }
        b->client_cert = vb->client_cert == CERTMAP_CC_ON     ? SNAP_CC_ON
                         : vb->client_cert == CERTMAP_CC_OFF  ? SNAP_CC_OFF
                         : vb->client_cert == CERTMAP_CC_LATE ? SNAP_CC_LATE
                                                              : SNAP_CC_AUTO;
        b->request_cert =
            b->client_cert == SNAP_CC_ON || (b->client_cert != SNAP_CC_OFF && b->site->wants_cert);
        b->cert_defer = cert_defer(b);
        if (b->proto == SNAP_HTTPS && tls && build_tls(snap, b, vb, diags) != 0)
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
                snap_diag(diags, CERTMAP_SEV_ERROR, snap->config_path, 0, "binding",
                          "bindingInformation", "port %u is bound both as http and as https",
                          snap->endpoints[i].port);
                ret = -1;
                i = snap->nendpoints;
                break;
            }
    free(raw);
    return ret;
}
