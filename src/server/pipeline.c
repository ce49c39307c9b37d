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
