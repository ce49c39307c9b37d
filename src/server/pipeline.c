/*
 * pipeline.c - pure decisions of the request pipeline.
 */
#include "pipeline.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "certmap/config.h"
#include "codec.h"
#include "tls.h"

int
pipeline_normalize_path(const char *raw, size_t len, char *out, size_t size, size_t *out_len)
{
    if (size > PIPELINE_PATH_MAX + 1)
        size = PIPELINE_PATH_MAX + 1;
    switch (codec_url_path_decode(raw, len, out, size, out_len)) {
    case CODEC_PATH_OK:
        return 0;
    case CODEC_PATH_TOO_LONG:
        return 414;
    case CODEC_PATH_INVALID:
        break;
    }
    return 400;
}

void
pipeline_host_name(const char *host, size_t host_len, const char **name, size_t *name_len)
{
    size_t n = host_len;
    const char *p;

    if (host_len > 0 && host[0] == '[') {
        p = memchr(host, ']', host_len);
        n = p != NULL ? (size_t)(p - host) + 1 : host_len;
    } else {
        p = memchr(host, ':', host_len);
        if (p != NULL)
            n = (size_t)(p - host);
    }
    if (n > 0 && host[n - 1] == '.')
        n--;
    *name = host;
    *name_len = n;
}

int
pipeline_route(const struct snap_endpoint *ep, const struct snap_binding *tls_binding,
               const char *host, size_t host_len, const struct snap_binding **out)
{
    const struct snap_binding *b;

    if (host != NULL)
        b = snapshot_find_binding(ep, host, host_len);
    else
        b = tls_binding != NULL ? tls_binding : snapshot_find_binding(ep, "", 0);
    if (b == NULL)
        return 400;
    /* The handshake (certificate, trust store, client certificate) was made for another site. */
    if (tls_binding != NULL && b->site != tls_binding->site)
        return 421;
    *out = b;
    return 0;
}

bool
pipeline_uses_cert(const struct certmap_settings *loc)
{
    return (loc->ssl_flags & (CERTMAP_SSL_NEGOTIATE_CERT | CERTMAP_SSL_REQUIRE_CERT)) != 0;
}

int
pipeline_access(const struct certmap_settings *loc, const struct pipeline_conn_info *ci,
                int *substatus)
{
    unsigned f = loc->ssl_flags;

    if ((f & CERTMAP_SSL) && !ci->tls) {
        *substatus = 4;
        return 403;
    }
    if ((f & CERTMAP_SSL_128) && ci->tls && ci->cipher_bits < 128) {
        *substatus = 5;
        return 403;
    }
    if ((f & CERTMAP_SSL_REQUIRE_CERT) && !ci->has_cert) {
        *substatus = 7;
        return 403;
    }
    if (pipeline_uses_cert(loc) && ci->has_cert && ci->cert_verify != X509_V_OK) {
        *substatus = tls_verify_substatus(ci->cert_verify);
        return 403;
    }
    *substatus = 0;
    return 0;
}

void
pipeline_logon_name(const char *user, const char *domain, char *out, size_t size)
{
    if (domain != NULL && domain[0] != '\0' && strchr(user, '@') == NULL &&
        strchr(user, '\\') == NULL)
        snprintf(out, size, "%s@%s", user, domain);
    else
        snprintf(out, size, "%s", user);
}

static bool
basic_available(const struct pipeline_auth_in *in)
{
    return in->loc->basic_enabled && (in->tls || in->basic_without_ssl);
}

/* true when in->mapping decides: its kind of mapping is enabled at the location. */
static bool
cert_mapping_applies(const struct pipeline_auth_in *in)
{
    const struct certmap_settings *loc = in->loc;

    if (!loc->cm_enabled || in->mapping == NULL || !in->mapping->enabled)
        return false;
    return in->many_to_one != NULL ? loc->cm_many_to_one : loc->cm_one_to_one;
}

enum pipeline_auth_result
pipeline_auth(const struct pipeline_auth_in *in, struct pipeline_auth_out *out)
{
    const struct certmap_settings *loc = in->loc;

    memset(out, 0, sizeof(*out));
    if (cert_mapping_applies(in) && in->many_to_one != NULL && in->many_to_one->deny) {
        /* permissionMode="Deny": IIS 403.12 "Mapper denied access", whatever else is enabled. */
        out->kind = PIPELINE_AUTH_CERTIFICATE;
        out->status = 403;
        out->substatus = 12;
        return PIPELINE_AUTH_DENY;
    }
    if (cert_mapping_applies(in)) {
        out->kind = PIPELINE_AUTH_CERTIFICATE;
        pipeline_logon_name(in->mapping->user, loc->cm_domain, out->user, sizeof(out->user));
        if (in->cert_logon == PIPELINE_LOGON_UNKNOWN) {
            out->password = in->mapping->password;
            return PIPELINE_AUTH_NEED_LOGON;
        }
        if (in->cert_logon == LOGON_OK)
            return PIPELINE_AUTH_OK;
        /* The certificate was mapped but its account could not log on: IIS 401.1. */
        out->status = 401;
        out->substatus = 1;
        return PIPELINE_AUTH_DENY;
    }
    if (basic_available(in) && (in->basic_user != NULL || in->basic_malformed)) {
        out->kind = PIPELINE_AUTH_BASIC;
        if (in->basic_malformed) {
            out->status = 401;
            out->substatus = 1;
            out->challenge = true;
            return PIPELINE_AUTH_DENY;
        }
        pipeline_logon_name(in->basic_user, loc->basic_domain, out->user, sizeof(out->user));
        if (in->basic_logon == PIPELINE_LOGON_UNKNOWN) {
            out->password = in->basic_password;
            return PIPELINE_AUTH_NEED_LOGON;
        }
        if (in->basic_logon == LOGON_OK)
            return PIPELINE_AUTH_OK;
        out->status = 401;
        out->substatus = 1;
        out->challenge = true;
        return PIPELINE_AUTH_DENY;
    }
    if (loc->anon_enabled) {
        out->kind = PIPELINE_AUTH_ANONYMOUS;
        return PIPELINE_AUTH_OK;
    }
    out->kind = PIPELINE_AUTH_NONE;
    out->status = 401;
    out->substatus = 2;
    out->challenge = basic_available(in);
    return PIPELINE_AUTH_DENY;
}

int
pipeline_parse_basic(const char *value, size_t len, char *user, size_t usize, char *password,
                     size_t psize)
{
    unsigned char buf[2 * PIPELINE_CRED_MAX + 2];
    const char *p = value, *end = value + len;
    const unsigned char *colon;
    size_t n = 0, at, ulen, plen;
    int ret = -1;

    if (len < 6 || strncasecmp(value, "Basic", 5) != 0 || (value[5] != ' ' && value[5] != '\t'))
        return 1;
    p += 6;
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    if (codec_b64_decode(p, (size_t)(end - p), buf, sizeof(buf), &n, &at) != CODEC_B64_OK)
        goto out;
    if (memchr(buf, 0, n) != NULL)
        goto out;
    colon = memchr(buf, ':', n);
    if (colon == NULL)
        goto out;
    ulen = (size_t)(colon - buf);
    plen = n - ulen - 1;
    if (ulen == 0 || ulen >= usize || plen >= psize)
        goto out;
    memcpy(user, buf, ulen);
    user[ulen] = '\0';
    memcpy(password, colon + 1, plen);
    password[plen] = '\0';
    ret = 0;
out:
    OPENSSL_cleanse(buf, sizeof(buf));
    return ret;
}

const char *
pipeline_realm(const struct certmap_settings *loc, const char *host, size_t host_len,
               const struct snap_site *site, char *buf, size_t size)
{
    size_t i, n = 0;

    if (loc->basic_realm[0] != '\0')
        return loc->basic_realm;
    if (host == NULL || host_len == 0)
        return site->name;
    /* Only token-safe characters: the realm goes into a quoted-string. */
    for (i = 0; i < host_len && n + 1 < size; i++) {
        char c = host[i];
        if (c == '"' || c == '\\' || (unsigned char)c < 0x20)
            continue;
        buf[n++] = c;
    }
    buf[n] = '\0';
    return buf;
}
