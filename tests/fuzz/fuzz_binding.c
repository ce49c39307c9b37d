/*
 * fuzz_binding.c - libFuzzer target for the small parsers that decide where
 * a request goes: the bindingInformation "ip:port:host" parser, the sslFlags
 * flag parser and the location-path matchers (of the configuration engine
 * and of the server's snapshot), with the request-path normaliser and the
 * Host-name splitter that feed them.
 *
 * The input is up to six lines: bindingInformation, access sslFlags, a
 * <location> path below site "S", a request path, a Host value and binding
 * sslFlags.  Each is given to its parser directly, then all of them are put
 * into a small applicationHost.config that goes through
 * certmap_config_parse() and snapshot_build() (without TLS contexts, files or
 * logs), as certmapd does at start-up.  Invariants (abort on violation):
 *  - bindingInformation: an accepted value has a port 1..65535, an address
 *    and host that fit their buffers, and written back as ip:port:host it
 *    parses to the same three parts; what the configuration validator
 *    accepts as an http(s) binding the snapshot parses too;
 *  - sslFlags: an accepted value and its canonical spelling denote the same
 *    bits, only known bits; decide_access() answers 403.4 / 403.5 / 403.7
 *    exactly when those bits demand it;
 *  - location paths: normalising is idempotent and leaves no empty segment;
 *    a normalised request path starts with '/', has no "//", "." or ".."
 *    segment, no '\' and no control character; the snapshot's location for
 *    a path is the longest location that is a segment prefix of it, and its
 *    sslFlags equal the configuration engine's effective sslFlags there;
 *  - the Host name is a prefix of the Host value; routing never picks a
 *    binding of another endpoint.
 *
 * snapshot_bind.c is included for its static helpers, so it is not listed here:
 * fuzz-sources: src/server/snapshot.c src/server/snapshot_build.c
 * fuzz-sources: src/server/pipeline.c src/server/tls.c src/server/static.c
 * fuzz-sources: src/server/static_open.c src/server/logonsvc.c
 * fuzz-sources: src/server/w3clog.c src/server/mime.c src/server/http.c src/server/errlog.c
 * fuzz-sources: src/lib/logon/core.c src/lib/logon/account.c
 * fuzz-sources: src/lib/logon/accounts.c src/lib/logon/cache.c src/lib/logon/file.c
 * fuzz-sources: src/lib/logon/pam.c src/lib/logon/groups.c src/lib/authz.c src/lib/view/rules.c
 * fuzz-sources: src/lib/mapping.c src/lib/mapping/many.c src/lib/decide.c
 * fuzz-sources: src/lib/cert/verify.c src/lib/cert/server.c src/lib/win32.c src/lib/check.c
 * fuzz-sources: src/server/logfile.c src/server/tls_trust.c src/server/tls_chain.c
 * fuzz-sources: src/server/tickets.c src/lib/secret/ticketkeys.c
 * fuzz-sources: src/server/dirsvc.c src/lib/view/directory.c src/lib/cert/adstring.c
 * fuzz-sources: src/lib/directory/core.c src/lib/directory/ldap.c src/lib/directory/filter.c
 * fuzz-sources: src/lib/directory/result.c src/lib/directory/query.c
 * fuzz-sources: src/lib/rewrite.c src/lib/rewrite/compile.c src/lib/view/rewrite.c src/lib/view/handlers.c
 * fuzz-sources: src/lib/error.c src/lib/fileio.c src/lib/secret.c src/lib/cert.c
 * fuzz-sources: src/lib/cert/der.c src/lib/cert/rdn.c src/lib/codec.c
 * fuzz-sources: src/lib/config/arena.c src/lib/config/tree.c src/lib/config/diag.c
 * fuzz-sources: src/lib/config/schema.c src/lib/config/value.c src/lib/config/unenforced.c
 * fuzz-sources: src/lib/config/location.c src/lib/config/handle.c src/lib/config/store.c
 * fuzz-sources: src/lib/config/collection.c src/lib/config/element.c src/lib/config/items.c
 * fuzz-sources: src/lib/config/lexer.c src/lib/config/parse.c src/lib/config/validate.c
 * fuzz-sources: src/lib/config/save.c src/lib/config/config.c src/lib/config/binding.c
 * fuzz-sources: src/lib/config/locpaths.c src/lib/config/lock.c src/lib/config/webconfig.c
 * fuzz-sources: src/lib/config/facts.c
 * fuzz-sources: src/lib/view.c src/lib/view/scope.c src/lib/view/site.c src/lib/view/webcfg.c
 * fuzz-sources: src/lib/view/diag.c src/lib/view/section.c src/lib/view/table.c
 * fuzz-sources: src/lib/view/ipsec.c src/lib/ipsec.c
 */
#include "snapshot_bind.c"

#include <stdint.h>

#include "view/internal.h"
#include "pipeline.h"
#include "snapshot_build.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_binding: invariant failed at line %d: %s\n", __LINE__, #cond);   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#define NFIELDS 6
#define FIELD_MAX 1024

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- bindingInformation ---- */

static void
check_binding_info(const char *s)
{
    char ip[48], host[256], ip2[48], host2[256], again[512];
    unsigned port = 0, port2 = 0;
    const char *why = NULL;
    struct sockaddr_storage ss;
    socklen_t sl;

    if (cfg_binding_parse_info(s, ip, sizeof(ip), &port, host, sizeof(host), &why) != 0) {
        CHECK(why != NULL && why[0] != '\0');
        return;
    }
    CHECK(port >= 1 && port <= 65535);
    CHECK(strlen(ip) < sizeof(ip) && strlen(host) < sizeof(host));
    if (s[0] != '[')
        CHECK(strchr(ip, ':') == NULL);
    snprintf(again, sizeof(again), s[0] == '[' ? "[%s]:%u:%s" : "%s:%u:%s", ip, port, host);
    CHECK(cfg_binding_parse_info(again, ip2, sizeof(ip2), &port2, host2, sizeof(host2), &why) == 0);
    CHECK(strcmp(ip, ip2) == 0 && port == port2 && strcmp(host, host2) == 0);
    if (!is_wildcard_ip(ip) && make_addr(ip, port, &ss, &sl) == 0) {
        CHECK(ss.ss_family == AF_INET || ss.ss_family == AF_INET6);
        CHECK(sl ==
              (ss.ss_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6)));
    }
}

/* ---- sslFlags ---- */

static const struct schema_attr *
section_attr(const char *section, const char *elem_path, const char *attr)
{
    const struct schema_section *s = cfg_schema_section_find(section);
    const struct schema_elem *e;

    CHECK(s != NULL);
    e = s->elem;
    if (elem_path != NULL) {
        e = cfg_schema_child_find(e, elem_path);
        CHECK(e != NULL);
    }
    return cfg_schema_attr_find(e, attr);
}

/* The access/@sslFlags flags parser; returns the bits or -1. */
static long
check_ssl_flags(const char *s)
{
    const struct schema_attr *a = section_attr(CERTMAP_SECTION_ACCESS, NULL, "sslFlags");
    const unsigned known = CERTMAP_SSL | CERTMAP_SSL_NEGOTIATE_CERT | CERTMAP_SSL_REQUIRE_CERT |
                           CERTMAP_SSL_MAP_CERT | CERTMAP_SSL_128;
    unsigned long long v, v2;
    char canon[512], msg[512], fmt[512];
    struct certmap_settings loc;
    struct decide_conn ci;
    int sub, st;

    CHECK(a != NULL && a->type == ST_FLAGS);
    if (cfg_value_parse(a, s, strlen(s), canon, sizeof(canon), &v, msg, sizeof(msg)) != 0) {
        CHECK(msg[0] != '\0');
        return -1;
    }
    CHECK((v & ~(unsigned long long)known) == 0);
    CHECK(cfg_value_parse(a, canon, strlen(canon), NULL, 0, &v2, msg, sizeof(msg)) == 0 && v2 == v);
    cfg_value_format_flags(a, v, fmt, sizeof(fmt));
    CHECK(cfg_value_parse(a, fmt, strlen(fmt), NULL, 0, &v2, msg, sizeof(msg)) == 0 && v2 == v);

    /* decide_access() over the corners of the connection state */
    memset(&loc, 0, sizeof(loc));
    loc.ssl_flags = (unsigned)v;
    for (int m = 0; m < 16; m++) {
        ci.tls = m & 1;
        ci.cipher_bits = (m & 2) ? 256 : 56;
        ci.has_cert = (m & 4) != 0;
        ci.cert_verify = (m & 8) ? X509_V_ERR_CERT_HAS_EXPIRED : X509_V_OK;
        sub = -1;
        st = decide_access(&loc, &ci, &sub, NULL);
        CHECK(st == 0 || st == 403);
        if ((v & CERTMAP_SSL) && !ci.tls)
            CHECK(st == 403 && sub == 4);
        else if ((v & CERTMAP_SSL_128) && ci.tls && ci.cipher_bits < 128)
            CHECK(st == 403 && sub == 5);
        else if ((v & CERTMAP_SSL_REQUIRE_CERT) && !ci.has_cert)
            CHECK(st == 403 && sub == 7);
        else if (!(v & (CERTMAP_SSL_NEGOTIATE_CERT | CERTMAP_SSL_REQUIRE_CERT)) || !ci.has_cert ||
                 ci.cert_verify == X509_V_OK)
            CHECK(st == 0 && sub == 0);
        else
            CHECK(st == 403 && sub == 17);
    }
    return (long)v;
}

/* binding/@sslFlags: a number 0..127. */
static void
check_binding_ssl_flags(const char *s)
{
    const struct schema_attr *a;
    const struct schema_elem *site, *bindings;
    unsigned long long v, v2;
    char canon[64], msg[512];

    site = cfg_schema_section_find(CERTMAP_SECTION_SITES)->elem->coll->item;
    bindings = cfg_schema_child_find(site, "bindings");
    CHECK(bindings != NULL && bindings->coll != NULL);
    a = cfg_schema_attr_find(bindings->coll->item, "sslFlags");
    CHECK(a != NULL);
    if (cfg_value_parse(a, s, strlen(s), canon, sizeof(canon), &v, msg, sizeof(msg)) != 0)
        return;
    CHECK(v <= 127);
    CHECK(cfg_value_parse(a, canon, strlen(canon), NULL, 0, &v2, msg, sizeof(msg)) == 0 && v2 == v);
}

/* ---- paths ---- */

static void
check_loc_normalize(const char *s)
{
    char a[FIELD_MAX + 8], b[FIELD_MAX + 8];
    size_t n;

    cfg_loc_normalize(s, a, sizeof(a));
    n = strlen(a);
    CHECK(n == 0 || (a[0] != '/' && a[n - 1] != '/'));
    CHECK(strstr(a, "//") == NULL);
    /* "." alone means the server level, so "./" -> "." -> "" is the one exception */
    cfg_loc_normalize(a, b, sizeof(b));
    CHECK(strcmp(a, b) == 0 || strcmp(a, ".") == 0);
}

/* Normalises a request path; returns its length, or -1 when refused. */
static long
check_request_path(const char *s, char *out, size_t size)
{
    size_t n = 0;
    int st = pipeline_normalize_path(s, strlen(s), out, size, &n);

    CHECK(st == 0 || st == 400 || st == 414);
    if (st != 0)
        return -1;
    CHECK(n == strlen(out) && n >= 1 && out[0] == '/');
    CHECK(strstr(out, "//") == NULL && strchr(out, '\\') == NULL);
    CHECK(strstr(out, "/./") == NULL && strstr(out, "/../") == NULL);
    CHECK(strcmp(out + n - (n >= 2 ? 2 : n), "/.") != 0);
    CHECK(n < 3 || strcmp(out + n - 3, "/..") != 0);
    for (size_t i = 0; i < n; i++)
        CHECK((unsigned char)out[i] >= 0x20 && out[i] != 0x7f);
    return (long)n;
}

static void
check_host(const char *s)
{
    const char *name;
    size_t len;

    pipeline_host_name(s, strlen(s), &name, &len);
    CHECK(name == s && len <= strlen(s));
}

/* ---- configuration + snapshot ---- */

/* Appends s XML-escaped (as an attribute value) to buf. */
static void
put_escaped(char *buf, size_t size, size_t *n, const char *s)
{
    for (; *s != '\0'; s++) {
        char tmp[16];
        const char *r = tmp;
        unsigned char c = (unsigned char)*s;
        if (c == '&')
            r = "&amp;";
        else if (c == '<')
            r = "&lt;";
        else if (c == '>')
            r = "&gt;";
        else if (c == '"')
            r = "&quot;";
        else if (c < 0x20)
            snprintf(tmp, sizeof(tmp), "&#%u;", c);
        else {
            tmp[0] = (char)c;
            tmp[1] = '\0';
        }
        for (; *r != '\0' && *n + 1 < size; r++)
            buf[(*n)++] = *r;
    }
    buf[*n] = '\0';
}

static void
put(char *buf, size_t size, size_t *n, const char *s)
{
    for (; *s != '\0' && *n + 1 < size; s++)
        buf[(*n)++] = *s;
    buf[*n] = '\0';
}

/* true when prefix[0..plen) is a case-insensitive prefix of path ending at a segment boundary. */
static bool
segment_prefix(const char *prefix, size_t plen, const char *path, size_t len)
{
    if (plen == 0)
        return true;
    if (plen > len || strncasecmp(prefix, path, plen) != 0)
        return false;
    return plen == len || path[plen] == '/';
}

/* The site's scope for path by brute force: the longest segment-prefix scope. */
static const struct certmap_scope *
expected_scope(const struct snap_site *site, const char *path, size_t len)
{
    const struct certmap_scope *best = NULL;

    for (size_t i = 0; i < site->vs->nscopes; i++) {
        const struct certmap_scope *l = site->vs->scopes[i];
        if (segment_prefix(l->path, l->path_len, path, len) &&
            (best == NULL || l->path_len > best->path_len))
            best = l;
    }
    return best;
}

static void
check_snapshot(struct certmap_config *cfg, struct snapshot *snap, const char *req, long req_len,
               const char *host)
{
    const struct snap_site *site;
    const struct certmap_scope *loc, *want;
    const char *name;
    size_t name_len;

    CHECK(snap->nsites == 1);
    site = &snap->sites[0];
    CHECK(site->vs->nscopes >= 1 && site->vs->scopes[0]->path_len == 0);
    for (size_t i = 0; i + 1 < site->vs->nscopes; i++)
        CHECK(strcasecmp(site->vs->scopes[i]->path, site->vs->scopes[i + 1]->path) < 0);
    for (size_t i = 0; i < snap->nbindings; i++) {
        const struct snap_binding *b = &snap->bindings[i];
        CHECK(b->site == site && b->host != NULL && strlen(b->host) < 256);
        CHECK(b->ep != NULL && b->ep->port >= 1 && b->ep->port <= 65535);
    }
    if (req_len >= 0) {
        struct certmap_element *access;
        struct certmap_error err;
        char target[FIELD_MAX + 8];
        unsigned flags;

        loc = snapshot_find_scope(site, req, (size_t)req_len);
        want = expected_scope(site, req, (size_t)req_len);
        CHECK(loc == want);
        /* the engine's own matcher agrees on the effective sslFlags there */
        snprintf(target, sizeof(target), "S%s", req);
        certmap_error_clear(&err);
        access = certmap_config_get_section(cfg, CERTMAP_SECTION_ACCESS, target, &err);
        CHECK(access != NULL);
        CHECK(certmap_element_get_flags(access, "sslFlags", &flags, &err) == 0);
        CHECK(flags == loc->settings.ssl_flags);
    }
    pipeline_host_name(host, strlen(host), &name, &name_len);
    for (size_t i = 0; i < snap->nendpoints; i++) {
        const struct snap_endpoint *ep = &snap->endpoints[i];
        const struct snap_binding *out = NULL;
        int st = pipeline_route(ep, NULL, name, name_len, &out);
        CHECK(st == 0 || st == 400);
        if (st == 0) {
            bool on_ep = false;
            for (size_t j = 0; j < ep->nbindings; j++)
                on_ep = on_ep || ep->bindings[j] == out;
            CHECK(on_ep);
        }
    }
}

/* The effective bindingInformation of the only binding of the only site. */
static const char *
binding_value(struct certmap_config *cfg)
{
    struct certmap_error err;
    struct certmap_element *sites =
        certmap_config_get_section(cfg, CERTMAP_SECTION_SITES, NULL, &err);
    struct certmap_collection *c = certmap_element_collection(sites, NULL, &err);
    struct certmap_collection *b;

    CHECK(c != NULL && certmap_collection_count(c) == 1);
    b = certmap_element_collection(certmap_collection_item(c, 0), "bindings", &err);
    CHECK(b != NULL && certmap_collection_count(b) == 1);
    return certmap_element_get(certmap_collection_item(b, 0), "bindingInformation");
}

static void
check_config(char *const *f, long req_len, const char *req)
{
    static char doc[16384];
    size_t n = 0;
    struct certmap_diags diags = {0};
    struct certmap_error err;
    struct certmap_config *cfg;
    struct snapshot *snap;
    struct snapshot_params params = {.generation = 1};
    const char *proto = (strlen(f[0]) & 1) ? "https" : "http";
    char ip[48], host[256];
    unsigned port;
    const char *why, *info;

    put(doc, sizeof(doc), &n,
        "<configuration><system.applicationHost><sites><site name=\"S\" id=\"1\"><bindings>"
        "<binding protocol=\"");
    put(doc, sizeof(doc), &n, proto);
    put(doc, sizeof(doc), &n, "\" bindingInformation=\"");
    put_escaped(doc, sizeof(doc), &n, f[0]);
    if (f[5][0] != '\0') {
        put(doc, sizeof(doc), &n, "\" sslFlags=\"");
        put_escaped(doc, sizeof(doc), &n, f[5]);
    }
    put(doc, sizeof(doc), &n,
        "\" /></bindings><application path=\"/\"><virtualDirectory path=\"/\" "
        "physicalPath=\"/nonexistent\" /></application></site></sites>"
        "</system.applicationHost><location path=\"S/");
    put_escaped(doc, sizeof(doc), &n, f[2]);
    put(doc, sizeof(doc), &n, "\"><system.webServer><security><access sslFlags=\"");
    put_escaped(doc, sizeof(doc), &n, f[1]);
    put(doc, sizeof(doc), &n,
        "\" /></security></system.webServer></location><location path=\"S\">"
        "<system.webServer><security><access sslFlags=\"Ssl\" /></security>"
        "</system.webServer></location></configuration>");

    certmap_error_clear(&err);
    cfg = certmap_config_parse("/nonexistent/fuzz.config", doc, n, NULL, &diags, &err);
    if (cfg == NULL)
        goto out;
    /* the validator accepted the binding: the server reads it too (or names a length limit) */
    info = binding_value(cfg);
    CHECK(info != NULL);
    why = NULL;
    if (cfg_binding_parse_info(info, ip, sizeof(ip), &port, host, sizeof(host), &why) != 0)
        CHECK(why != NULL && strstr(why, "too long") != NULL);
    certmap_diags_free(&diags);
    snap = snapshot_build(cfg, &params, &diags, &err);
    if (snap != NULL) {
        check_snapshot(cfg, snap, req, req_len, f[4]);
        snapshot_unref(snap);
    } else {
        CHECK(err.message[0] != '\0');
    }
out:
    certmap_config_close(cfg);
    certmap_diags_free(&diags);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *f[NFIELDS], req[FIELD_MAX + 8];
    size_t start = 0, k = 0;
    long req_len;

    if (size > NFIELDS * FIELD_MAX)
        return 0;
    /* fields: exact-size heap copies, so ASan sees reads past their end */
    for (size_t i = 0; i <= size && k < NFIELDS; i++) {
        if (i == size || data[i] == '\n') {
            size_t len = i - start;
            f[k] = malloc(len + 1);
            if (f[k] == NULL)
                abort();
            memcpy(f[k], data + start, len);
            f[k][len] = '\0'; /* a NUL inside cuts the field: attributes are C strings */
            k++;
            start = i + 1;
        }
    }
    while (k < NFIELDS) {
        f[k] = calloc(1, 1);
        if (f[k++] == NULL)
            abort();
    }

    check_binding_info(f[0]);
    check_ssl_flags(f[1]);
    check_binding_ssl_flags(f[5]);
    check_loc_normalize(f[2]);
    req_len = check_request_path(f[3], req, sizeof(req));
    check_host(f[4]);
    check_config(f, req_len, req);

    for (k = 0; k < NFIELDS; k++)
        free(f[k]);
    return 0;
}
